//! Measures the secrets engine's keyword pass alone, over a corpus held in memory, the way
//! `SecretEngine` builds it today and the ways it could be built instead, and checks that every
//! alternative finds exactly the same (file, offset, keyword) matches.
//!
//! usage: keyword-pass CORPUS [RULE_DIR...]   (built-in rules, plus the rule files in RULE_DIR)
//! (KP_DUMP=FILE also writes the keywords, one a line; KP_GROUP=N sets the Teddy group size)
//!
//! * `current`: one automaton over the lowercased keywords, ASCII case-insensitive,
//!   `MatchKind::Standard`, DFA, `find_overlapping_iter` (what src/secrets/mod.rs does). ASCII
//!   case-insensitivity and `Standard` both rule out aho-corasick's SIMD prefilters (Teddy,
//!   start/rare bytes), so every byte goes through the DFA.
//! * `lowercase+teddy`: lowercase the file once (`to_ascii_lowercase`), then a case-sensitive
//!   automaton with `LeftmostLongest` (which allows the packed Teddy prefilter, up to 128
//!   patterns per automaton, so keywords are split into groups of at most 100), searched with
//!   `find` and resumed at `start + 1`; each match also stands for the keywords that are
//!   proper prefixes of it. This yields exactly the overlapping matches.
//! * `lowercase+standard`: lowercase once, case-sensitive `Standard` overlapping DFA (isolates
//!   the effect of case-insensitivity alone).
//! * `split`: the keywords of case-sensitive rules (`AKIA`, `ghp_`, `xoxb-`: most provider rules)
//!   as written, in a case-sensitive automaton, which aho-corasick can search with its SIMD
//!   prefilters; the few words of the other rules in the ASCII-case-insensitive DFA. Compared
//!   with what the engine keeps of the current pass: a match of a keyword used only by
//!   case-sensitive rules counts when the text is spelled as a rule writes it.

use aho_corasick::{AhoCorasick, AhoCorasickKind, Input, MatchKind};
use slsguard::rules::{Compiled, RuleSet};
use std::path::PathBuf;
use std::time::Instant;

const REPEATS: usize = 5;

type Hit = (u32, u32, u32); // file, offset, pattern

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(corpus) = args.first() else {
        eprintln!("usage: keyword-pass CORPUS [RULE_DIR...]");
        std::process::exit(2);
    };
    let group: usize = std::env::var("KP_GROUP").ok().and_then(|v| v.parse().ok()).unwrap_or(100);
    let dirs: Vec<PathBuf> = args[1..].iter().map(PathBuf::from).collect();
    let rules = RuleSet::load(true, &dirs).unwrap_or_else(|e| {
        eprintln!("keyword-pass: {e}");
        std::process::exit(2)
    });
    let mut patterns: Vec<String> = Vec::new();
    let mut secret_rules = 0;
    // Keywords as case-sensitive rules write them, and the keywords (lowercased) of the others.
    let mut cs_spellings: Vec<String> = Vec::new();
    let mut ci_words: Vec<String> = Vec::new();
    for r in rules.rules() {
        if let Compiled::Secret(c) = &r.compiled {
            secret_rules += 1;
            for k in &c.keywords {
                let lower = k.to_ascii_lowercase();
                if !patterns.contains(&lower) {
                    patterns.push(lower.clone());
                }
                let (list, word) = if c.case_sensitive { (&mut cs_spellings, k.clone()) } else { (&mut ci_words, lower) };
                if !list.contains(&word) {
                    list.push(word);
                }
            }
        }
    }
    patterns.sort();
    cs_spellings.sort();
    ci_words.sort();
    let index_of = |w: &str| patterns.binary_search(&w.to_ascii_lowercase()).expect("a keyword") as u32;
    if let Some(dump) = std::env::var_os("KP_DUMP") {
        // One keyword a line, e.g. for `rg -i -F -f FILE` as a reference scan.
        std::fs::write(&dump, patterns.join("\n") + "\n").expect("write KP_DUMP");
    }
    let files = read_tree(corpus);
    let bytes: usize = files.iter().map(Vec::len).sum();
    println!(
        "{} secret rules, {} distinct keywords; corpus {} files, {:.1} MiB in memory",
        secret_rules,
        patterns.len(),
        files.len(),
        bytes as f64 / 1048576.0
    );

    // current
    let current = AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .kind(Some(AhoCorasickKind::DFA))
        .build(&patterns)
        .expect("automaton");
    let (t_cur, mut hits_cur) = time(|| {
        let mut hits = Vec::new();
        for (fi, text) in files.iter().enumerate() {
            for m in current.find_overlapping_iter(text.as_slice()) {
                hits.push((fi as u32, m.start() as u32, m.pattern().as_u32()));
            }
        }
        hits
    });

    // lowercase once, then case-sensitive leftmost-longest automata (Teddy prefilter)
    let groups: Vec<(Vec<u32>, AhoCorasick)> = patterns
        .chunks(group)
        .enumerate()
        .map(|(gi, chunk)| {
            let ids: Vec<u32> = (0..chunk.len()).map(|i| (gi * group + i) as u32).collect();
            let ac = AhoCorasick::builder().match_kind(MatchKind::LeftmostLongest).build(chunk).expect("automaton");
            (ids, ac)
        })
        .collect();
    // For each pattern, the patterns that are proper prefixes of it (they match where it does).
    let prefixes: Vec<Vec<u32>> = patterns
        .iter()
        .map(|p| {
            patterns
                .iter()
                .enumerate()
                .filter(|(_, q)| q.len() < p.len() && p.starts_with(q.as_str()))
                .map(|(i, _)| i as u32)
                .collect()
        })
        .collect();
    let (t_low, _) = time(|| {
        let mut lower = Vec::new();
        let mut n = 0usize;
        for text in &files {
            lower.clear();
            lower.extend(text.iter().map(u8::to_ascii_lowercase));
            n += lower.len();
        }
        n
    });
    let (t_teddy, mut hits_teddy) = time(|| {
        let mut hits = Vec::new();
        let mut lower = Vec::new();
        for (fi, text) in files.iter().enumerate() {
            lower.clear();
            lower.extend(text.iter().map(u8::to_ascii_lowercase));
            for (ids, ac) in &groups {
                let mut at = 0;
                while let Some(m) = ac.find(Input::new(&lower).span(at..lower.len())) {
                    let p = ids[m.pattern().as_usize()];
                    hits.push((fi as u32, m.start() as u32, p));
                    for &q in &prefixes[p as usize] {
                        hits.push((fi as u32, m.start() as u32, q));
                    }
                    at = m.start() + 1;
                }
            }
        }
        hits
    });

    // the same ASCII-case-insensitive DFA, but LeftmostLongest with `find`, resumed at start + 1
    let leftmost = AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::LeftmostLongest)
        .kind(Some(AhoCorasickKind::DFA))
        .build(&patterns)
        .expect("automaton");
    let (t_left, mut hits_left) = time(|| {
        let mut hits = Vec::new();
        for (fi, text) in files.iter().enumerate() {
            let mut at = 0;
            while let Some(m) = leftmost.find(Input::new(text).span(at..text.len())) {
                let p = m.pattern().as_u32();
                hits.push((fi as u32, m.start() as u32, p));
                for &q in &prefixes[p as usize] {
                    hits.push((fi as u32, m.start() as u32, q));
                }
                at = m.start() + 1;
            }
        }
        hits
    });

    // the same automaton as a contiguous NFA (smaller, so more of it stays in cache)
    let cnfa = AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .kind(Some(AhoCorasickKind::ContiguousNFA))
        .build(&patterns)
        .expect("automaton");
    let (t_cnfa, mut hits_cnfa) = time(|| {
        let mut hits = Vec::new();
        for (fi, text) in files.iter().enumerate() {
            for m in cnfa.find_overlapping_iter(text.as_slice()) {
                hits.push((fi as u32, m.start() as u32, m.pattern().as_u32()));
            }
        }
        hits
    });

    // the regex crate's lazy DFA over one alternation of the keywords (leftmost-first matches
    // only, so its count differs: this row is about the speed of the scan)
    let alternation = patterns.iter().map(|p| regex::escape(p)).collect::<Vec<_>>().join("|");
    let re = regex::bytes::RegexBuilder::new(&format!("(?i-u){alternation}")).build().expect("regex");
    let (t_re, n_re) = time(|| files.iter().map(|t| re.find_iter(t).count()).sum::<usize>());

    // lowercase once, case-sensitive Standard overlapping DFA
    let standard = AhoCorasick::builder()
        .match_kind(MatchKind::Standard)
        .kind(Some(AhoCorasickKind::DFA))
        .build(&patterns)
        .expect("automaton");
    let (t_std, mut hits_std) = time(|| {
        let mut hits = Vec::new();
        let mut lower = Vec::new();
        for (fi, text) in files.iter().enumerate() {
            lower.clear();
            lower.extend(text.iter().map(u8::to_ascii_lowercase));
            for m in standard.find_overlapping_iter(lower.as_slice()) {
                hits.push((fi as u32, m.start() as u32, m.pattern().as_u32()));
            }
        }
        hits
    });

    // split: case-sensitive spellings in their own automata, the other words case-insensitively.
    let ci_ids: Vec<u32> = ci_words.iter().map(|w| index_of(w)).collect();
    let cs_ids: Vec<u32> = cs_spellings.iter().map(|w| index_of(w)).collect();
    let ci_dfa = AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .kind(Some(AhoCorasickKind::DFA))
        .build(&ci_words)
        .expect("automaton");
    let cs_dfa = AhoCorasick::builder()
        .match_kind(MatchKind::Standard)
        .kind(Some(AhoCorasickKind::DFA))
        .build(&cs_spellings)
        .expect("automaton");
    let cs_prefixes: Vec<Vec<u32>> = cs_spellings
        .iter()
        .map(|p| {
            cs_spellings
                .iter()
                .enumerate()
                .filter(|(_, q)| q.len() < p.len() && p.starts_with(q.as_str()))
                .map(|(i, _)| i as u32)
                .collect()
        })
        .collect();
    let cs_groups: Vec<(u32, AhoCorasick)> = cs_spellings
        .chunks(group)
        .enumerate()
        .map(|(gi, chunk)| {
            let ac = AhoCorasick::builder().match_kind(MatchKind::LeftmostLongest).build(chunk).expect("automaton");
            ((gi * group) as u32, ac)
        })
        .collect();
    let ci_pass = |fi: usize, text: &[u8], hits: &mut Vec<Hit>| {
        for m in ci_dfa.find_overlapping_iter(text) {
            hits.push((fi as u32, m.start() as u32, ci_ids[m.pattern().as_usize()]));
        }
    };
    let (t_split_std, mut hits_split_std) = time(|| {
        let mut hits = Vec::new();
        for (fi, text) in files.iter().enumerate() {
            ci_pass(fi, text, &mut hits);
            for m in cs_dfa.find_overlapping_iter(text.as_slice()) {
                hits.push((fi as u32, m.start() as u32, cs_ids[m.pattern().as_usize()]));
            }
        }
        hits
    });
    let (t_split_teddy, mut hits_split_teddy) = time(|| {
        let mut hits = Vec::new();
        for (fi, text) in files.iter().enumerate() {
            ci_pass(fi, text, &mut hits);
            for (base, ac) in &cs_groups {
                let mut at = 0;
                while let Some(m) = ac.find(Input::new(text).span(at..text.len())) {
                    let p = base + m.pattern().as_u32();
                    hits.push((fi as u32, m.start() as u32, cs_ids[p as usize]));
                    for &q in &cs_prefixes[p as usize] {
                        hits.push((fi as u32, m.start() as u32, cs_ids[q as usize]));
                    }
                    at = m.start() + 1;
                }
            }
        }
        hits
    });
    // What the engine keeps of the current pass: a keyword of case-insensitive rules anywhere,
    // a keyword of case-sensitive rules only as a rule spells it.
    let ci_set: std::collections::HashSet<u32> = ci_ids.iter().copied().collect();
    let kept: Vec<Hit> = hits_cur
        .iter()
        .copied()
        .filter(|&(fi, off, p)| {
            ci_set.contains(&p)
                || cs_spellings.iter().zip(&cs_ids).any(|(w, &id)| id == p && files[fi as usize][off as usize..].starts_with(w.as_bytes()))
        })
        .collect();
    let mut kept = kept;
    kept.sort_unstable();
    kept.dedup();
    for h in [&mut hits_split_std, &mut hits_split_teddy] {
        h.sort_unstable();
        h.dedup();
    }

    for h in [&mut hits_cur, &mut hits_teddy, &mut hits_std, &mut hits_left, &mut hits_cnfa] {
        h.sort_unstable();
    }
    let mib = bytes as f64 / 1048576.0;
    println!("\n| keyword pass | ms (best of {REPEATS}) | MiB/s | matches | same matches as current |");
    println!("|---|---:|---:|---:|---|");
    let row = |name: &str, t: f64, h: Option<&Vec<Hit>>| {
        let (n, same) = match h {
            Some(h) => (h.len().to_string(), if *h == hits_cur { "yes" } else { "**NO**" }),
            None => ("-".into(), "-"),
        };
        println!("| {name} | {:.1} | {:.0} | {n} | {same} |", t * 1e3, mib / t);
    };
    row("current (ASCII-case-insensitive Standard DFA, overlapping)", t_cur, Some(&hits_cur));
    row("to_ascii_lowercase copy alone", t_low, None);
    row(
        &format!("lowercase + LeftmostLongest/Teddy ({} group(s)), resume at start+1", groups.len()),
        t_teddy,
        Some(&hits_teddy),
    );
    row("lowercase + case-sensitive Standard DFA, overlapping", t_std, Some(&hits_std));
    row("ASCII-case-insensitive LeftmostLongest DFA, find + resume at start+1", t_left, Some(&hits_left));
    row("ASCII-case-insensitive Standard contiguous NFA, overlapping", t_cnfa, Some(&hits_cnfa));
    println!(
        "| {} case-insensitive words + {} case-sensitive spellings: what the engine keeps of `current` | - | - | {} | - |",
        ci_words.len(),
        cs_spellings.len(),
        kept.len()
    );
    let same_kept = |h: &Vec<Hit>| if *h == kept { "yes (as kept)" } else { "**NO**" };
    println!(
        "| split: case-insensitive DFA + case-sensitive Standard DFA, both overlapping | {:.1} | {:.0} | {} | {} |",
        t_split_std * 1e3,
        mib / t_split_std,
        hits_split_std.len(),
        same_kept(&hits_split_std)
    );
    println!(
        "| split: case-insensitive DFA + case-sensitive LeftmostLongest/Teddy ({} group(s)), resume at start+1 | {:.1} | {:.0} | {} | {} |",
        cs_groups.len(),
        t_split_teddy * 1e3,
        mib / t_split_teddy,
        hits_split_teddy.len(),
        same_kept(&hits_split_teddy)
    );
    println!(
        "| regex crate, one `(?i-u)` alternation, leftmost-first find_iter | {:.1} | {:.0} | {n_re} (non-overlapping) | - |",
        t_re * 1e3,
        mib / t_re
    );
    let mut per: Vec<(usize, &str)> = patterns
        .iter()
        .enumerate()
        .map(|(i, p)| (hits_cur.iter().filter(|h| h.2 as usize == i).count(), p.as_str()))
        .collect();
    per.sort_by(|a, b| b.cmp(a));
    println!("\nMost frequent keywords (matches in the corpus):");
    for (n, p) in per.iter().take(15) {
        println!("  {n:>8}  {p}");
    }
}

fn time<T>(mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::MAX;
    let mut out = None;
    for _ in 0..REPEATS {
        let t = Instant::now();
        let r = f();
        best = best.min(t.elapsed().as_secs_f64());
        out = Some(r);
    }
    (best, out.expect("ran"))
}

fn read_tree(root: &str) -> Vec<Vec<u8>> {
    let mut paths = Vec::new();
    let mut stack = vec![PathBuf::from(root)];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read_dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                paths.push(p);
            }
        }
    }
    paths.sort();
    paths.iter().map(|p| std::fs::read(p).expect("read")).collect()
}
