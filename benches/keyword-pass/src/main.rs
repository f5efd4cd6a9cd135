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
    for r in rules.rules() {
        if let Compiled::Secret(c) = &r.compiled {
            secret_rules += 1;
            for k in &c.keywords {
                let k = k.to_ascii_lowercase();
                if !patterns.contains(&k) {
                    patterns.push(k);
                }
            }
        }
    }
    patterns.sort();
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
