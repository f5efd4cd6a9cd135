//! The secrets engine. One Aho–Corasick pass over each file finds every rule keyword; a rule's
//! regex then runs only on the lines around its keywords, and its candidates go through the
//! entropy floor, the rule's allowlist and stop-words, and the global allowlist.

pub mod allowlist;
pub mod entropy;

use crate::rules::schema::SecretSpec;
use crate::rules::{Compiled, Rule, RuleSet};
use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use globset::{Glob, GlobSet, GlobSetBuilder};
use regex::bytes::Regex;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, OnceLock};

/// Longest stretch of one line a regex sees around a keyword: minified files have megabyte
/// lines, and no secret is this long.
const MAX_LINE_WINDOW: usize = 4096;
/// Longest multi-line window (a PEM private key is a few kilobytes).
const MAX_WINDOW: usize = 64 * 1024;

/// A secret rule's matcher, compiled and validated.
#[derive(Debug)]
pub struct CompiledSecret {
    pub keywords: Vec<String>,
    pub case_sensitive: bool,
    regex_src: String,
    /// Compiled on first use: most rules' keywords never occur in a given scan, and compiling
    /// every regex up front would dominate the start-up of a pre-commit run.
    regex: OnceLock<Option<Regex>>,
    group: Option<usize>,
    entropy: Option<f64>,
    allowlist_src: Vec<String>,
    allowlist: OnceLock<Vec<Regex>>,
    stopwords: Vec<String>,
    lines_before: u32,
    lines_after: u32,
    include: Option<GlobSet>,
    exclude: Option<GlobSet>,
}

impl CompiledSecret {
    /// Checks a spec; errors name the offending field. The regexes are parsed (a syntax error is
    /// reported now) but compiled on first use, unless `eager`: user rules are compiled at once
    /// so that every error shows when they load (built-in rules are compiled by the test suite).
    pub fn compile(spec: &SecretSpec, eager: bool) -> Result<Self, (&'static str, String)> {
        if spec.keywords.is_empty() || spec.keywords.iter().any(|k| k.trim().is_empty()) {
            return Err(("keywords", "`keywords` needs at least one non-empty string".into()));
        }
        let hir = regex_syntax::ParserBuilder::new()
            .utf8(false)
            .build()
            .parse(&spec.regex)
            .map_err(|e| ("regex", format!("invalid regex: {e}")))?;
        if let Some(g) = spec.secret_group {
            if g == 0 || g > hir.properties().explicit_captures_len() {
                return Err(("secret_group", format!("the regex has no capture group {g}")));
            }
        }
        if let Some(e) = spec.entropy {
            if !(0.0..=8.0).contains(&e) {
                return Err(("entropy", "`entropy` is in bits per byte, between 0 and 8".into()));
            }
        }
        for a in &spec.allowlist {
            regex_syntax::Parser::new()
                .parse(a)
                .map_err(|e| ("allowlist", format!("invalid allowlist regex `{a}`: {e}")))?;
        }
        let globs = |field: &'static str, pats: &[String]| -> Result<Option<GlobSet>, (&'static str, String)> {
            if pats.is_empty() {
                return Ok(None);
            }
            let mut b = GlobSetBuilder::new();
            for p in pats {
                // A glob without '/' matches the file name anywhere, as in .gitignore.
                let p = if p.contains('/') { p.clone() } else { format!("**/{p}") };
                b.add(Glob::new(&p).map_err(|e| (field, format!("invalid glob `{p}`: {e}")))?);
            }
            b.build().map(Some).map_err(|e| (field, e.to_string()))
        };
        let compiled = Self {
            keywords: spec.keywords.clone(),
            case_sensitive: spec.case_sensitive,
            regex_src: spec.regex.clone(),
            regex: OnceLock::new(),
            group: spec.secret_group,
            entropy: spec.entropy,
            allowlist_src: spec.allowlist.clone(),
            allowlist: OnceLock::new(),
            stopwords: spec.stopwords.iter().map(|s| s.to_ascii_lowercase()).collect(),
            lines_before: spec.lines_before,
            lines_after: spec.lines_after,
            include: globs("paths", &spec.paths)?,
            exclude: globs("exclude_paths", &spec.exclude_paths)?,
        };
        if eager {
            let re = build_regex(&compiled.regex_src).map_err(|e| ("regex", format!("invalid regex: {e}")))?;
            let _ = compiled.regex.set(Some(re));
            let mut allow = Vec::new();
            for a in &compiled.allowlist_src {
                allow.push(Regex::new(a).map_err(|e| ("allowlist", format!("invalid allowlist regex `{a}`: {e}")))?);
            }
            let _ = compiled.allowlist.set(allow);
        }
        Ok(compiled)
    }

    /// The rule's regex, compiled on first use (`None` if it does not compile, which the tests
    /// rule out for built-in rules and loading rules out for user rules).
    fn regex(&self) -> Option<&Regex> {
        self.regex.get_or_init(|| build_regex(&self.regex_src).ok()).as_ref()
    }

    fn allowlist(&self) -> &[Regex] {
        self.allowlist.get_or_init(|| self.allowlist_src.iter().filter_map(|a| Regex::new(a).ok()).collect())
    }

    /// Compiles the regex now, reporting any error (for tests of the built-in rules).
    pub fn check_compiles(&self) -> Result<(), String> {
        build_regex(&self.regex_src).map_err(|e| e.to_string())?;
        for a in &self.allowlist_src {
            Regex::new(a).map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    fn applies_to(&self, path: &str) -> bool {
        self.include.as_ref().is_none_or(|g| g.is_match(path))
            && !self.exclude.as_ref().is_some_and(|g| g.is_match(path))
    }

    /// The secret's byte range within a regex match.
    fn secret_range(&self, caps: &regex::bytes::Captures<'_>) -> Option<Range<usize>> {
        if let Some(g) = self.group {
            return caps.get(g).map(|m| m.range());
        }
        (1..caps.len()).find_map(|i| caps.get(i)).or_else(|| caps.get(0)).map(|m| m.range())
    }

    fn accepts(&self, secret: &[u8]) -> bool {
        if secret.is_empty() {
            return false;
        }
        if let Some(min) = self.entropy {
            if entropy::shannon(secret) < min {
                return false;
            }
        }
        if self.allowlist().iter().any(|r| r.is_match(secret)) {
            return false;
        }
        if !self.stopwords.is_empty() {
            let lower = secret.to_ascii_lowercase();
            if self.stopwords.iter().any(|w| memchr::memmem::find(&lower, w.as_bytes()).is_some()) {
                return false;
            }
        }
        !allowlist::is_allowed(secret)
    }
}

/// One secret found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretHit {
    /// Index of the rule in the engine's rule list.
    pub rule: usize,
    /// Byte range of the secret itself.
    pub secret: Range<usize>,
}

/// All enabled secret rules, ready to scan files.
pub struct SecretEngine {
    ac: Option<AhoCorasick>,
    /// For each keyword pattern: the rules it triggers, with the keyword as written (for
    /// case-sensitive rules).
    triggers: Vec<Vec<(usize, Arc<str>)>>,
    rules: Vec<(Rule, Arc<CompiledSecret>)>,
}

impl SecretEngine {
    pub fn new(rules: &RuleSet) -> Self {
        let rules: Vec<(Rule, Arc<CompiledSecret>)> = rules
            .rules()
            .iter()
            .filter_map(|r| match &r.compiled {
                Compiled::Secret(c) => Some((r.clone(), c.clone())),
                Compiled::Model(_) | Compiled::Code(_) => None,
            })
            .collect();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut patterns: Vec<String> = Vec::new();
        let mut triggers: Vec<Vec<(usize, Arc<str>)>> = Vec::new();
        for (ri, (_, c)) in rules.iter().enumerate() {
            for kw in &c.keywords {
                let key = kw.to_ascii_lowercase();
                let pi = *index.entry(key.clone()).or_insert_with(|| {
                    patterns.push(key);
                    triggers.push(Vec::new());
                    patterns.len() - 1
                });
                triggers[pi].push((ri, Arc::from(kw.as_str())));
            }
        }
        let ac = if patterns.is_empty() {
            None
        } else {
            AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::Standard)
                .kind(Some(AhoCorasickKind::DFA))
                .build(&patterns)
                .or_else(|_| AhoCorasick::builder().ascii_case_insensitive(true).build(&patterns))
                .ok()
        };
        Self { ac, triggers, rules }
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    pub fn rule(&self, i: usize) -> &Rule {
        &self.rules[i].0
    }

    /// Finds the secrets in one file, ordered by position then rule.
    pub fn scan(&self, path: &str, text: &[u8]) -> Vec<SecretHit> {
        let Some(ac) = &self.ac else { return Vec::new() };
        let mut applies: Vec<Option<bool>> = vec![None; self.rules.len()];
        // Per rule, the window waiting to be scanned. Windows of later keywords that overlap it
        // are merged into it, so a minified line with a keyword every hundred bytes is scanned
        // once per rule, not once per keyword (4 KiB each time).
        let mut pending: Vec<Option<Range<usize>>> = vec![None; self.rules.len()];
        let mut hits: Vec<SecretHit> = Vec::new();
        for m in ac.find_overlapping_iter(text) {
            for (ri, kw) in &self.triggers[m.pattern().as_usize()] {
                let ri = *ri;
                let c = &self.rules[ri].1;
                if c.case_sensitive && &text[m.range()] != kw.as_bytes() {
                    continue;
                }
                if !*applies[ri].get_or_insert_with(|| c.applies_to(path)) {
                    continue;
                }
                let w = window(text, m.start(), m.end(), c.lines_before, c.lines_after);
                match &mut pending[ri] {
                    Some(p) if w.start <= p.end => *p = p.start.min(w.start)..p.end.max(w.end),
                    slot => {
                        if let Some(done) = slot.replace(w) {
                            self.scan_window(ri, text, done, &mut hits);
                        }
                    }
                }
            }
        }
        for (ri, w) in pending.into_iter().enumerate() {
            if let Some(w) = w {
                self.scan_window(ri, text, w, &mut hits);
            }
        }
        hits.sort_by_key(|h| (h.secret.start, h.rule));
        hits.dedup();
        hits
    }

    /// Runs rule `ri`'s regex over `window` of `text`, keeping the secrets it accepts.
    fn scan_window(&self, ri: usize, text: &[u8], window: Range<usize>, hits: &mut Vec<SecretHit>) {
        let c = &self.rules[ri].1;
        let Some(regex) = c.regex() else { return };
        for caps in regex.captures_iter(&text[window.clone()]) {
            let Some(r) = c.secret_range(&caps) else { continue };
            let secret = window.start + r.start..window.start + r.end;
            if c.accepts(&text[secret.clone()]) {
                hits.push(SecretHit { rule: ri, secret });
            }
        }
    }
}

fn build_regex(src: &str) -> Result<Regex, regex::Error> {
    regex::bytes::RegexBuilder::new(src).size_limit(8 << 20).build()
}

/// The byte range a rule's regex sees for a keyword at `start..end`: its line, plus
/// `before`/`after` lines, bounded for very long lines.
fn window(text: &[u8], start: usize, end: usize, before: u32, after: u32) -> Range<usize> {
    // The keyword's line, but never searched further than half a window on each side: minified
    // lines are megabytes long, and looking for their ends at every keyword is quadratic.
    let half = MAX_LINE_WINDOW / 2;
    let from = start.saturating_sub(half);
    let to = end.saturating_add(half).min(text.len());
    let mut lo = memchr::memrchr(b'\n', &text[from..start]).map_or(from, |i| from + i + 1);
    let mut hi = memchr::memchr(b'\n', &text[end..to]).map_or(to, |i| end + i);
    // Extra lines before and after, within MAX_WINDOW of the keyword.
    let (min_lo, max_hi) = (start.saturating_sub(MAX_WINDOW / 2), end.saturating_add(MAX_WINDOW / 2).min(text.len()));
    for _ in 0..before {
        if lo <= min_lo {
            break;
        }
        lo = memchr::memrchr(b'\n', &text[min_lo..lo - 1]).map_or(min_lo, |i| min_lo + i + 1);
    }
    for _ in 0..after {
        if hi >= max_hi {
            break;
        }
        hi = memchr::memchr(b'\n', &text[hi + 1..max_hi]).map_or(max_hi, |i| hi + 1 + i);
    }
    lo..hi
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows() {
        let t = b"a\nbb key cc\nd\ne";
        let s = 5;
        assert_eq!(&t[window(t, s, s + 3, 0, 0)], b"bb key cc");
        assert_eq!(&t[window(t, s, s + 3, 1, 1)], b"a\nbb key cc\nd");
        assert_eq!(&t[window(t, s, s + 3, 5, 5)], &t[..]);
    }

    #[test]
    fn overlapping_windows_are_merged_and_every_secret_is_found() {
        let spec = "id: secret-t\ntitle: T\nseverity: high\ndescription: d\nremediation: r\n\
                    matcher:\n  secret:\n    keywords: [tok]\n    lines_before: 1\n    lines_after: 1\n\
                    \x20   regex: 'tok=([a-z0-9]{12})'\n\
                    examples:\n  fire: ['tok=a1b2c3d4e5f6']\n  no_fire: ['x']\n";
        let rule = crate::rules::parse_rule("secret-t.yml", spec, false).expect("valid rule");
        let engine = SecretEngine::new(&crate::rules::RuleSet::from_rules(vec![rule]));
        // Three keywords whose windows overlap, a gap, then a fourth; and a minified line.
        let text = b"tok=q8w7e6r5t4y3\ntok=z9x8c7v6b5n4 tok=p0o9i8u7y6t5\n\n\n\ntok=m1n2b3v4c5x6\n";
        assert_eq!(engine.scan("f.txt", text).len(), 4);
        let mut long = Vec::new();
        for i in 0..2000 {
            long.extend_from_slice(format!("var a{i}=\"tok=k{i:011}\";").as_bytes());
        }
        assert_eq!(engine.scan("bundle.min.js", &long).len(), 2000);
    }

    #[test]
    fn windows_of_very_long_lines_stay_bounded() {
        // One 1 MiB line (a minified bundle) with a keyword in the middle: asking for lines
        // before and after must not stretch the window to the whole line.
        let mut t = vec![b'x'; 1 << 20];
        t.extend_from_slice(b"\nnext line\n");
        let s = 1 << 19;
        let w = window(&t, s, s + 3, 3, 3);
        assert!(w.len() <= MAX_WINDOW + 3, "window of {} bytes", w.len());
        assert!(w.start <= s && w.end >= s + 3);
        // Short lines around the keyword are still all included.
        let t = b"one\ntwo\nkey\nfour\nfive";
        assert_eq!(&t[window(t, 8, 11, 2, 2)], &t[..]);
    }
}
