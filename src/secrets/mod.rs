//! The secrets engine. One Aho–Corasick pass over each file finds every rule keyword; a rule's
//! regex then runs only on the lines around its keywords, and its candidates go through the
//! entropy floor, the rule's allowlist and stop-words, the global allowlist and the rule's
//! offline check (`verify`). Encoded runs (base64, URL encoding, JSON escapes) are decoded and
//! scanned again (`decode`); third-party files get the high-confidence rules only (`vendored`).

pub mod allowlist;
pub mod decode;
pub mod entropy;
pub mod named;
pub mod pattern;
pub mod vendored;
pub mod verify;

pub use vendored::{Origin, VendoredDirs};

use crate::rules::schema::{AssignmentSpec, PairSpec, Precision, SecretSpec};
use crate::rules::{Compiled, Rule, RuleSet};
use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use decode::Encoding;
use globset::{Glob, GlobSet, GlobSetBuilder};
use regex::bytes::Regex;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use verify::Verify;

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
    /// The pattern as run: the rule's `regex`, or the one built from its `assignment`.
    pub regex_src: String,
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
    /// `paths` and `exclude_paths`, and their glob sets (built on first use for built-in
    /// rules, whose globs the tests build; at once for others, to report their errors).
    path_globs: [Vec<String>; 2],
    globs: OnceLock<[Option<GlobSet>; 2]>,
    verify: Option<Verify>,
    pair: Option<CompiledPair>,
    supersedes: Vec<String>,
}

/// A companion value (a client id next to its secret, a key id next to its key).
#[derive(Debug)]
struct CompiledPair {
    regex_src: String,
    regex: OnceLock<Option<Regex>>,
    label: String,
    lines: u32,
    required: bool,
    absorbs: Vec<String>,
}

/// The pattern of an `assignment` (see [`pattern::assignment_pattern`]).
pub fn assignment_regex(a: &AssignmentSpec) -> String {
    pattern::assignment_pattern(&a.name, &a.value)
}

fn pattern_src(regex: &str, assignment: Option<&AssignmentSpec>) -> Result<String, String> {
    match (regex.trim().is_empty(), assignment) {
        (false, None) => Ok(regex.to_string()),
        (true, Some(a)) => Ok(assignment_regex(a)),
        (false, Some(_)) => Err("give either `regex` or `assignment`, not both".into()),
        (true, None) => Err("a secret matcher needs a `regex` or an `assignment`".into()),
    }
}

/// How much of a secret rule's regexes is checked when it loads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegexCheck {
    /// Compiled at once, so that every error shows when the rule loads (user rules).
    Compile,
    /// Parsed (a syntax error is reported now), compiled on first use (built-in rules whose
    /// YAML is loaded at run time; the test suite compiles them all).
    Parse,
    /// Checked by build.rs already (built-in rules): compiled on first use.
    Built,
}

impl CompiledSecret {
    /// Checks a spec; errors name the offending field. How far its regexes are checked now is
    /// `check`'s to say.
    pub fn compile(spec: &SecretSpec, check: RegexCheck) -> Result<Self, (&'static str, String)> {
        if spec.keywords.is_empty() || spec.keywords.iter().any(|k| k.trim().is_empty()) {
            return Err(("keywords", "`keywords` needs at least one non-empty string".into()));
        }
        let field = if spec.assignment.is_some() { "assignment" } else { "regex" };
        let regex_src = pattern_src(&spec.regex, spec.assignment.as_ref()).map_err(|m| (field, m))?;
        if check != RegexCheck::Built {
            let hir = parse_pattern(&regex_src).map_err(|e| (field, format!("invalid regex: {e}")))?;
            if let Some(g) = spec.secret_group {
                if g == 0 || g > hir.properties().explicit_captures_len() {
                    return Err(("secret_group", format!("the regex has no capture group {g}")));
                }
            }
            if let Some(Verify::Base64Json(b)) = &spec.verify {
                if b.group == 0 || b.group > hir.properties().explicit_captures_len() {
                    return Err(("verify", format!("the regex has no capture group {}", b.group)));
                }
            }
        }
        let pair = match &spec.pair {
            None => None,
            Some(p) => Some(CompiledPair::compile(p, check != RegexCheck::Built).map_err(|m| ("pair", m))?),
        };
        if let Some(e) = spec.entropy {
            if !(0.0..=8.0).contains(&e) {
                return Err(("entropy", "`entropy` is in bits per byte, between 0 and 8".into()));
            }
        }
        for a in spec.allowlist.iter().filter(|_| check != RegexCheck::Built) {
            regex_syntax::Parser::new()
                .parse(a)
                .map_err(|e| ("allowlist", format!("invalid allowlist regex `{a}`: {e}")))?;
        }
        let compiled = Self {
            keywords: spec.keywords.clone(),
            case_sensitive: spec.case_sensitive,
            regex_src,
            regex: OnceLock::new(),
            group: spec.secret_group,
            entropy: spec.entropy,
            allowlist_src: spec.allowlist.clone(),
            allowlist: OnceLock::new(),
            stopwords: spec.stopwords.iter().map(|s| s.to_ascii_lowercase()).collect(),
            lines_before: spec.lines_before,
            lines_after: spec.lines_after,
            path_globs: [spec.paths.clone(), spec.exclude_paths.clone()],
            globs: OnceLock::new(),
            verify: spec.verify.clone(),
            pair,
            supersedes: spec.supersedes.clone(),
        };
        if check != RegexCheck::Built {
            let include = globs("paths", &spec.paths)?;
            let _ = compiled.globs.set([include, globs("exclude_paths", &spec.exclude_paths)?]);
        }
        if check == RegexCheck::Compile {
            let re = build_regex(&compiled.regex_src).map_err(|e| (field, format!("invalid regex: {e}")))?;
            let _ = compiled.regex.set(Some(re));
            if let Some(p) = &compiled.pair {
                let re = build_regex(&p.regex_src).map_err(|e| ("pair", format!("invalid regex: {e}")))?;
                let _ = p.regex.set(Some(re));
            }
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
        if let Some(p) = &self.pair {
            build_regex(&p.regex_src).map_err(|e| format!("pair: {e}"))?;
        }
        for a in &self.allowlist_src {
            Regex::new(a).map_err(|e| e.to_string())?;
        }
        for (field, pats) in ["paths", "exclude_paths"].into_iter().zip(&self.path_globs) {
            globs(field, pats).map_err(|(_, e)| e)?;
        }
        Ok(())
    }

    fn applies_to(&self, path: &str) -> bool {
        if self.path_globs.iter().all(Vec::is_empty) {
            return true;
        }
        let [include, exclude] = self.globs.get_or_init(|| {
            let [i, e] = &self.path_globs;
            [globs("paths", i).ok().flatten(), globs("exclude_paths", e).ok().flatten()]
        });
        include.as_ref().is_none_or(|g| g.is_match(path)) && !exclude.as_ref().is_some_and(|g| g.is_match(path))
    }

    /// The secret's byte range within a regex match.
    fn secret_range(&self, caps: &regex::bytes::Captures<'_>) -> Option<Range<usize>> {
        if let Some(g) = self.group {
            return caps.get(g).map(|m| m.range());
        }
        if let Some(m) = caps.name("secret") {
            return Some(m.range());
        }
        (1..caps.len()).find_map(|i| caps.get(i)).or_else(|| caps.get(0)).map(|m| m.range())
    }

    /// Whether `secret` is reported, with the detail its check adds to the message.
    fn accepts(&self, secret: &[u8], caps: &regex::bytes::Captures<'_>) -> verify::Checked {
        if secret.is_empty() {
            return None;
        }
        if let Some(min) = self.entropy {
            if entropy::shannon(secret) < min {
                return None;
            }
        }
        if self.allowlist().iter().any(|r| r.is_match(secret)) {
            return None;
        }
        if !self.stopwords.is_empty() {
            let lower = secret.to_ascii_lowercase();
            if self.stopwords.iter().any(|w| memchr::memmem::find(&lower, w.as_bytes()).is_some()) {
                return None;
            }
        }
        if allowlist::is_allowed(secret) {
            return None;
        }
        match &self.verify {
            None => Some(None),
            Some(v) => {
                // A group that took no part in the match (another alternative matched) has
                // nothing to check.
                let group = match v {
                    Verify::Base64Json(b) => match caps.get(b.group) {
                        Some(m) => Some(m.as_bytes()),
                        None => return Some(None),
                    },
                    _ => None,
                };
                v.check(secret, group)
            }
        }
    }
}

impl CompiledPair {
    fn compile(p: &PairSpec, parse: bool) -> Result<Self, String> {
        let regex_src = pattern_src(&p.regex, p.assignment.as_ref())?;
        if parse {
            parse_pattern(&regex_src).map_err(|e| format!("invalid regex: {e}"))?;
        }
        if p.label.trim().is_empty() {
            return Err("`pair.label` names the companion value (`client ID`)".into());
        }
        Ok(Self {
            regex_src,
            regex: OnceLock::new(),
            label: p.label.clone(),
            lines: p.lines,
            required: p.required,
            absorbs: p.absorbs.clone(),
        })
    }

    /// The companion nearest to `secret` within `lines` lines of it.
    fn find(&self, text: &[u8], secret: &Range<usize>) -> Option<Range<usize>> {
        let re = self.regex.get_or_init(|| build_regex(&self.regex_src).ok()).as_ref()?;
        let w = window(text, secret.start, secret.end, self.lines, self.lines);
        re.captures_iter(&text[w.clone()])
            .filter_map(|c| {
                let m = c.name("secret").or_else(|| (1..c.len()).find_map(|i| c.get(i))).or_else(|| c.get(0))?;
                Some(w.start + m.start()..w.start + m.end())
            })
            .filter(|r| r.end <= secret.start || r.start >= secret.end)
            .min_by_key(|r| if r.start >= secret.end { r.start - secret.end } else { secret.start - r.end })
    }
}

/// The glob set of a rule's `paths` or `exclude_paths` (`field`), if it has any.
fn globs(field: &'static str, pats: &[String]) -> Result<Option<GlobSet>, (&'static str, String)> {
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
}

fn parse_pattern(src: &str) -> Result<regex_syntax::hir::Hir, String> {
    regex_syntax::ParserBuilder::new().utf8(false).build().parse(src).map_err(|e| e.to_string())
}

/// One secret found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretHit {
    /// Index of the rule in the engine's rule list.
    pub rule: usize,
    /// Byte range of the secret itself (of the whole encoded run for an encoded secret).
    pub secret: Range<usize>,
    /// What the rule's check or the decoding tells about the secret (`base64-encoded`,
    /// `issuer …, expires …`), for the finding's message.
    pub detail: Option<String>,
    /// The companion value of a paired rule (a client id, an access key id) and its label.
    pub related: Option<(Range<usize>, String)>,
}

impl SecretHit {
    pub fn new(rule: usize, secret: Range<usize>) -> Self {
        Self { rule, secret, detail: None, related: None }
    }
}

/// What a keyword pattern triggers.
#[derive(Debug, Clone)]
enum Trigger {
    /// A rule, and which of its keywords (as written, for case-sensitive rules).
    Rule(usize, usize),
    /// Decoding the run of encoded text the keyword starts or belongs to.
    Decode(Encoding, &'static str),
}

/// The keyword automaton, built on first use in the form that suits the work: a DFA searches
/// fastest but costs milliseconds to build, more than a pre-commit run of one small file spends
/// on everything else; a contiguous NFA builds in a fraction of that and searches a few
/// kilobytes just as well; and the first few kilobytes of a run (one small file) are searched
/// through an index of the keywords' first two bytes, which costs next to nothing to build.
/// All three find the same matches in the same order (standard, overlapping semantics: by
/// end, the longest first), so which one searched a text never changes a finding.
struct Keywords {
    patterns: Vec<String>,
    small: OnceLock<SmallSearch>,
    nfa: OnceLock<Option<AhoCorasick>>,
    dfa: OnceLock<Option<AhoCorasick>>,
    /// Bytes searched so far without the DFA.
    searched: AtomicUsize,
}

/// A searcher of keywords.
enum Searcher<'a> {
    Small(&'a SmallSearch),
    Automaton(&'a AhoCorasick),
}

impl Searcher<'_> {
    /// Every occurrence of every keyword (ignoring ASCII case), overlapping, in the order of the
    /// automaton's standard overlapping search: by end, and at one end the longest first.
    fn matches<'h>(&self, text: &'h [u8]) -> Matches<'_, 'h> {
        match self {
            Searcher::Small(s) => Matches::Small(s.matches(text).into_iter()),
            Searcher::Automaton(ac) => Matches::Automaton(ac.find_overlapping_iter(text)),
        }
    }
}

/// The matches of a [`Searcher`]: the automaton's are not collected (a minified bundle can
/// hold millions).
enum Matches<'a, 'h> {
    Small(std::vec::IntoIter<(usize, Range<usize>)>),
    Automaton(aho_corasick::FindOverlappingIter<'a, 'h>),
}

impl Iterator for Matches<'_, '_> {
    type Item = (usize, Range<usize>);

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Matches::Small(it) => it.next(),
            Matches::Automaton(it) => it.next().map(|m| (m.pattern().as_usize(), m.range())),
        }
    }
}

/// Keywords indexed by their first two bytes (lowercased): a search looks up each position's
/// two bytes in a bitmap and compares the few keywords that start so. Slower per byte than an
/// automaton, but built in microseconds instead of milliseconds.
struct SmallSearch {
    patterns: Vec<Box<[u8]>>,
    /// Bit `k` is set when some keyword starts with the two bytes `k` (high byte first).
    bitmap: Box<[u64; 1024]>,
    /// (first two bytes, keyword), sorted.
    by_prefix: Vec<(u16, u32)>,
    /// Keywords of one byte.
    single: Vec<u32>,
}

impl SmallSearch {
    fn new(patterns: &[String]) -> Self {
        let mut bitmap = Box::new([0u64; 1024]);
        let mut by_prefix = Vec::with_capacity(patterns.len());
        let mut single = Vec::new();
        let patterns: Vec<Box<[u8]>> = patterns.iter().map(|p| p.as_bytes().to_ascii_lowercase().into()).collect();
        for (i, p) in patterns.iter().enumerate() {
            match **p {
                [] => {}
                [_] => single.push(i as u32),
                [a, b, ..] => {
                    let k = u16::from_be_bytes([a, b]);
                    bitmap[usize::from(k) / 64] |= 1 << (k % 64);
                    by_prefix.push((k, i as u32));
                }
            }
        }
        by_prefix.sort_unstable();
        Self { patterns, bitmap, by_prefix, single }
    }

    fn matches(&self, text: &[u8]) -> Vec<(usize, Range<usize>)> {
        let mut out: Vec<(usize, Range<usize>)> = Vec::new();
        for i in 0..text.len() {
            let a = text[i].to_ascii_lowercase();
            for &p in &self.single {
                if self.patterns[p as usize][0] == a {
                    out.push((p as usize, i..i + 1));
                }
            }
            let Some(b) = text.get(i + 1) else { break };
            let k = u16::from_be_bytes([a, b.to_ascii_lowercase()]);
            if self.bitmap[usize::from(k) / 64] & (1 << (k % 64)) == 0 {
                continue;
            }
            let from = self.by_prefix.partition_point(|&(x, _)| x < k);
            for &(_, p) in self.by_prefix[from..].iter().take_while(|&&(x, _)| x == k) {
                let pat = &self.patterns[p as usize];
                if text.get(i..i + pat.len()).is_some_and(|t| t.eq_ignore_ascii_case(pat)) {
                    out.push((p as usize, i..i + pat.len()));
                }
            }
        }
        // The automaton's order: by end, then the longest (earliest start) first. Keywords are
        // distinct, so no two matches share both ends.
        out.sort_unstable_by_key(|(_, r)| (r.end, std::cmp::Reverse(r.len())));
        out
    }
}

impl Keywords {
    /// Text searched through the index of first bytes: a few small files.
    const SMALL_UPTO: usize = 32 << 10;
    /// Text searched with the NFA before the DFA is built: past this, its build pays for itself.
    const DFA_AFTER: usize = 256 << 10;

    fn new(patterns: Vec<String>) -> Option<Self> {
        (!patterns.is_empty()).then(|| Self {
            patterns,
            small: OnceLock::new(),
            nfa: OnceLock::new(),
            dfa: OnceLock::new(),
            searched: AtomicUsize::new(0),
        })
    }

    fn build(&self, kind: AhoCorasickKind) -> Option<AhoCorasick> {
        AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .kind(Some(kind))
            .build(&self.patterns)
            .or_else(|_| AhoCorasick::builder().ascii_case_insensitive(true).build(&self.patterns))
            .ok()
    }

    /// The searcher for `len` bytes.
    fn for_text(&self, len: usize) -> Option<Searcher<'_>> {
        if let Some(dfa) = self.dfa.get() {
            return dfa.as_ref().map(Searcher::Automaton);
        }
        let total = self.searched.fetch_add(len, Ordering::Relaxed).saturating_add(len);
        if total > Self::DFA_AFTER {
            return self.dfa.get_or_init(|| self.build(AhoCorasickKind::DFA)).as_ref().map(Searcher::Automaton);
        }
        if total > Self::SMALL_UPTO || self.nfa.get().is_some() {
            return self
                .nfa
                .get_or_init(|| self.build(AhoCorasickKind::ContiguousNFA))
                .as_ref()
                .map(Searcher::Automaton);
        }
        Some(Searcher::Small(self.small.get_or_init(|| SmallSearch::new(&self.patterns))))
    }
}

/// All enabled secret rules, ready to scan files.
pub struct SecretEngine {
    ac: Option<Keywords>,
    /// For each keyword pattern: what it triggers.
    triggers: Vec<Vec<Trigger>>,
    rules: Vec<(Rule, Arc<CompiledSecret>)>,
    /// Per rule: whether it runs on third-party files (high confidence, not generic).
    vendor_ok: Vec<bool>,
    /// Per rule: whether it is generic (its findings give way to a provider rule's).
    generic: Vec<bool>,
    /// Per rule: the rules whose finding of its companion value it replaces.
    absorbs: Vec<Vec<usize>>,
    /// Per rule: the rules whose finding of the same text it replaces.
    supersedes: Vec<Vec<usize>>,
}

impl SecretEngine {
    pub fn new(rules: &RuleSet) -> Self {
        let rules: Vec<(Rule, Arc<CompiledSecret>)> = rules
            .rules()
            .iter()
            .filter_map(|r| match &r.compiled {
                Compiled::Secret(c) => Some((r.clone(), c.clone())),
                Compiled::Model(_) | Compiled::Code(_) | Compiled::LeastPrivilege(_) => None,
            })
            .collect();
        // Sized once: growing it one rehash at a time was half of building the engine.
        let n = rules.iter().map(|(_, c)| c.keywords.len()).sum::<usize>() + decode::TRIGGERS.len();
        // Every keyword lowercased, then each distinct one numbered in order of first appearance
        // (the index borrows them: no keyword is copied, or freed one by one, to build it).
        let mut lowered: Vec<String> = Vec::with_capacity(n);
        let mut sources: Vec<Trigger> = Vec::with_capacity(n);
        for (ri, (_, c)) in rules.iter().enumerate() {
            for (ki, kw) in c.keywords.iter().enumerate() {
                lowered.push(kw.to_ascii_lowercase());
                sources.push(Trigger::Rule(ri, ki));
            }
        }
        if !rules.is_empty() {
            for (kw, enc) in decode::TRIGGERS {
                lowered.push(kw.to_ascii_lowercase());
                sources.push(Trigger::Decode(*enc, kw));
            }
        }
        let mut first: Vec<usize> = Vec::with_capacity(n);
        let mut triggers: Vec<Vec<Trigger>> = Vec::with_capacity(n);
        {
            let mut index: HashMap<&str, usize> = HashMap::with_capacity(n);
            for (i, (key, t)) in lowered.iter().zip(sources).enumerate() {
                let pi = *index.entry(key.as_str()).or_insert_with(|| {
                    first.push(i);
                    triggers.push(Vec::new());
                    first.len() - 1
                });
                triggers[pi].push(t);
            }
        }
        let patterns: Vec<String> = first.iter().map(|&i| std::mem::take(&mut lowered[i])).collect();
        let ac = Keywords::new(patterns);
        let generic: Vec<bool> = rules.iter().map(|(r, _)| r.spec.tags.iter().any(|t| t == "generic")).collect();
        let vendor_ok = rules
            .iter()
            .zip(&generic)
            .map(|((r, _), &g)| !g && matches!(r.spec.precision, Precision::VeryHigh | Precision::High))
            .collect();
        let (absorbs, supersedes) = {
            // Each id's first rule, looked up rather than searched for (once per id named).
            let mut by_id: HashMap<&str, usize> = HashMap::with_capacity(rules.len());
            for (i, (r, _)) in rules.iter().enumerate() {
                by_id.entry(r.id()).or_insert(i);
            }
            let index_of = |ids: &[String]| -> Vec<usize> {
                ids.iter().filter_map(|id| by_id.get(id.as_str()).copied()).collect()
            };
            let absorbs = rules
                .iter()
                .map(|(_, c)| index_of(c.pair.as_ref().map(|p| p.absorbs.as_slice()).unwrap_or_default()))
                .collect();
            (absorbs, rules.iter().map(|(_, c)| index_of(&c.supersedes)).collect())
        };
        Self { ac, triggers, rules, vendor_ok, generic, absorbs, supersedes }
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    pub fn rule(&self, i: usize) -> &Rule {
        &self.rules[i].0
    }

    /// Finds the secrets in one file, ordered by position then rule. Where a generic rule and a
    /// provider rule report the same text, only the provider's hit is kept; a paired rule's hit
    /// replaces the hit of its companion value.
    pub fn scan(&self, path: &str, text: &[u8]) -> Vec<SecretHit> {
        self.scan_as(path, text, Origin::FirstParty)
    }

    /// Like [`SecretEngine::scan`], for text of the given origin: third-party text is scanned
    /// with the high-confidence provider rules only.
    pub fn scan_as(&self, path: &str, text: &[u8], origin: Origin) -> Vec<SecretHit> {
        self.scan_bounded(path, text, origin, usize::MAX).0
    }

    /// Regex work a file may cost: bytes of windows scanned (decoded text included), per byte
    /// of the file, plus a floor for small files. Each rule scans a byte at most about once
    /// (its windows are merged), so only a file that wakes far more rules than the built-in
    /// set holds reaches it.
    pub const WORK_PER_BYTE: usize = 64;
    pub const WORK_FLOOR: usize = 16 << 20;

    /// The work budget of a file of `len` bytes.
    pub fn budget(len: usize) -> usize {
        len.saturating_mul(Self::WORK_PER_BYTE).saturating_add(Self::WORK_FLOOR)
    }

    /// Like [`SecretEngine::scan_as`], stopping once the regexes have scanned `budget` bytes of
    /// windows; the flag says whether the whole file was scanned. The work is counted, not
    /// timed, so the result is the same on any machine.
    pub fn scan_bounded(&self, path: &str, text: &[u8], origin: Origin, budget: usize) -> (Vec<SecretHit>, bool) {
        let work = Work { left: std::cell::Cell::new(budget), exhausted: std::cell::Cell::new(false) };
        let hits = self.scan_text(path, text, origin, true, &work);
        (self.resolve(hits), !work.exhausted.get())
    }

    fn scan_text(&self, path: &str, text: &[u8], origin: Origin, decode: bool, work: &Work) -> Vec<SecretHit> {
        let Some(searcher) = self.ac.as_ref().and_then(|k| k.for_text(text.len())) else { return Vec::new() };
        // Both sized on the first keyword: most texts a report redacts have none.
        let mut applies: Vec<Option<bool>> = Vec::new();
        // Per rule, the window waiting to be scanned. Windows of later keywords that overlap it
        // are merged into it, so a minified line with a keyword every hundred bytes is scanned
        // once per rule, not once per keyword (4 KiB each time).
        let mut pending: Vec<Option<Range<usize>>> = Vec::new();
        let mut hits: Vec<SecretHit> = Vec::new();
        let mut runs: Vec<(Range<usize>, Encoding)> = Vec::new();
        for (pattern, m) in searcher.matches(text) {
            for t in &self.triggers[pattern] {
                let (ri, kw) = match t {
                    Trigger::Rule(ri, ki) => (*ri, &self.rules[*ri].1.keywords[*ki]),
                    Trigger::Decode(enc, kw) => {
                        let exact = *enc != Encoding::Base64 || &text[m.clone()] == kw.as_bytes();
                        if decode && exact && !runs.last().is_some_and(|(r, _)| r.contains(&m.start)) {
                            if let Some(r) = decode::run(text, m.start, *enc) {
                                runs.push((r, *enc));
                            }
                        }
                        continue;
                    }
                };
                let c = &self.rules[ri].1;
                if c.case_sensitive && &text[m.clone()] != kw.as_bytes() {
                    continue;
                }
                if applies.is_empty() {
                    applies.resize(self.rules.len(), None);
                    pending.resize(self.rules.len(), None);
                }
                if !*applies[ri]
                    .get_or_insert_with(|| c.applies_to(path) && (origin == Origin::FirstParty || self.vendor_ok[ri]))
                {
                    continue;
                }
                let w = window(text, m.start, m.end, c.lines_before, c.lines_after);
                match &mut pending[ri] {
                    Some(p) if w.start <= p.end => *p = p.start.min(w.start)..p.end.max(w.end),
                    slot => {
                        if let Some(done) = slot.replace(w) {
                            if !work.spend(done.len()) {
                                return hits;
                            }
                            self.scan_window(ri, text, done, &mut hits);
                        }
                    }
                }
            }
        }
        for (ri, w) in pending.into_iter().enumerate() {
            if let Some(w) = w {
                if !work.spend(w.len()) {
                    return hits;
                }
                self.scan_window(ri, text, w, &mut hits);
            }
        }
        runs.dedup_by(|b, a| a.0 == b.0);
        for (run, enc) in runs {
            let Some(decoded) = decode::decode(&text[run.clone()], enc) else { continue };
            for inner in self.scan_text(path, &decoded.text, origin, false, work) {
                let detail = match inner.detail {
                    Some(d) => format!("{}, {d}", enc.label()),
                    None => enc.label().to_string(),
                };
                let secret = match decoded.source(&inner.secret) {
                    Some(s) => run.start + s.start..run.start + s.end,
                    None => run.clone(),
                };
                hits.push(SecretHit { rule: inner.rule, secret, detail: Some(detail), related: None });
            }
        }
        hits.sort_by_key(|h| (h.secret.start, h.rule, h.secret.end));
        hits.dedup_by(|b, a| a.rule == b.rule && a.secret == b.secret);
        hits
    }

    /// Runs rule `ri`'s regex over `window` of `text`, keeping the secrets it accepts.
    fn scan_window(&self, ri: usize, text: &[u8], window: Range<usize>, hits: &mut Vec<SecretHit>) {
        let c = &self.rules[ri].1;
        let Some(regex) = c.regex() else { return };
        for caps in regex.captures_iter(&text[window.clone()]) {
            let Some(r) = c.secret_range(&caps) else { continue };
            let secret = window.start + r.start..window.start + r.end;
            let Some(detail) = c.accepts(&text[secret.clone()], &caps) else { continue };
            let mut hit = SecretHit { rule: ri, secret, detail, related: None };
            if let Some(p) = &c.pair {
                match p.find(text, &hit.secret) {
                    Some(r) => hit.related = Some((r, p.label.clone())),
                    None if p.required => continue,
                    None => {}
                }
            }
            hits.push(hit);
        }
    }

    /// Drops the hits that another hit says better: a companion value reported with its
    /// secret, a superseded rule's hit, a generic rule's hit on text a provider rule reports.
    fn resolve(&self, hits: Vec<SecretHit>) -> Vec<SecretHit> {
        // Range sets, not lists: a file can hold hundreds of thousands of hits.
        let mut absorbed: HashMap<usize, RangeSet> = HashMap::new();
        for h in &hits {
            if let Some((r, _)) = &h.related {
                for &a in &self.absorbs[h.rule] {
                    absorbed.entry(a).or_default().push(r.clone());
                }
            }
            for &s in &self.supersedes[h.rule] {
                absorbed.entry(s).or_default().push(h.secret.clone());
            }
        }
        absorbed.values_mut().for_each(RangeSet::seal);
        let mut specific = RangeSet::default();
        hits.iter().filter(|h| !self.generic[h.rule]).for_each(|h| specific.push(h.secret.clone()));
        specific.seal();
        hits.into_iter()
            .filter(|h| !absorbed.get(&h.rule).is_some_and(|set| set.overlaps(&h.secret)))
            .filter(|h| !self.generic[h.rule] || !specific.overlaps(&h.secret))
            .collect()
    }
}

/// What is left of a file's work budget (see [`SecretEngine::scan_bounded`]).
struct Work {
    left: std::cell::Cell<usize>,
    exhausted: std::cell::Cell<bool>,
}

impl Work {
    /// Takes `n` bytes of work; false, and the budget marked exhausted, when there is not enough.
    fn spend(&self, n: usize) -> bool {
        match self.left.get().checked_sub(n) {
            Some(rest) if !self.exhausted.get() => {
                self.left.set(rest);
                true
            }
            _ => {
                self.exhausted.set(true);
                false
            }
        }
    }
}

/// Ranges, for "does any of them overlap this one?" in logarithmic time.
#[derive(Default)]
struct RangeSet {
    /// Sorted by start.
    ranges: Vec<Range<usize>>,
    /// For each range, the largest end among it and those before it.
    max_end: Vec<usize>,
}

impl RangeSet {
    fn push(&mut self, r: Range<usize>) {
        self.ranges.push(r);
    }

    fn seal(&mut self) {
        self.ranges.sort_by_key(|r| r.start);
        let mut m = 0;
        self.max_end = self
            .ranges
            .iter()
            .map(|r| {
                m = m.max(r.end);
                m
            })
            .collect();
    }

    fn overlaps(&self, r: &Range<usize>) -> bool {
        // Among the ranges starting before `r` ends, does one end after `r` starts?
        let n = self.ranges.partition_point(|x| x.start < r.end);
        n > 0 && self.max_end[n - 1] > r.start
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
        assert_eq!(engine.scan("bundle.js", &long).len(), 2000);
    }

    #[test]
    fn the_work_budget_stops_a_scan_and_says_so() {
        let spec = "id: secret-t\ntitle: T\nseverity: high\ndescription: d\nremediation: r\n\
                    matcher:\n  secret:\n    keywords: [tok]\n    regex: 'tok=([a-z0-9]{12})'\n\
                    examples:\n  fire: ['tok=a1b2c3d4e5f6']\n  no_fire: ['x']\n";
        let rule = crate::rules::parse_rule("secret-t.yml", spec, false).expect("valid rule");
        let engine = SecretEngine::new(&crate::rules::RuleSet::from_rules(vec![rule]));
        let text = b"tok=q8w7e6r5t4y3\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\ntok=z9x8c7v6b5n4\n";
        let first = Origin::FirstParty;
        assert_eq!(engine.scan_bounded("f", text, first, usize::MAX), (engine.scan("f", text), true));
        let (hits, complete) = engine.scan_bounded("f", text, first, 20);
        assert_eq!((hits.len(), complete), (1, false));
        assert_eq!(SecretEngine::budget(1000), 64_000 + (16 << 20));
    }

    #[test]
    fn the_index_the_nfa_and_the_dfa_find_the_same_keywords() {
        let rules = crate::rules::RuleSet::builtin().expect("built-in rules");
        let engine = SecretEngine::new(&rules);
        let keywords = engine.ac.as_ref().expect("keywords");
        // Every example of every rule, as written and upper-cased.
        let mut text = Vec::new();
        for r in rules.rules() {
            for e in r.spec.examples.fire.iter().chain(&r.spec.examples.no_fire) {
                text.extend_from_slice(e.content().as_bytes());
                text.extend_from_slice(e.content().to_ascii_uppercase().as_bytes());
            }
        }
        // Keywords that overlap, nest and share their first bytes, in one run and at the end.
        text.extend_from_slice(
            b"xAKIAKIAsk_live_SK_LIVE_ghp_GHP_xoxb-xoxp-sk-proj-sk-ant-api03------BEGIN PRIVATE KEY",
        );
        let matches = |kind| {
            let ac = keywords.build(kind).expect("automaton");
            Searcher::Automaton(&ac).matches(&text).collect::<Vec<_>>()
        };
        let nfa = matches(AhoCorasickKind::ContiguousNFA);
        assert!(nfa.len() > 1000, "{} matches", nfa.len());
        assert_eq!(nfa, matches(AhoCorasickKind::DFA));
        let small = SmallSearch::new(&keywords.patterns);
        assert_eq!(nfa, Searcher::Small(&small).matches(&text).collect::<Vec<_>>());
        // Every keyword alone, and cut short at the end of the text.
        let ac = keywords.build(AhoCorasickKind::ContiguousNFA).expect("automaton");
        for p in &keywords.patterns {
            let t = [p.as_bytes(), &p.as_bytes()[..p.len() - 1]].concat();
            let want: Vec<_> = Searcher::Automaton(&ac).matches(&t).collect();
            assert_eq!(want, Searcher::Small(&small).matches(&t).collect::<Vec<_>>(), "{p}");
        }
    }

    #[test]
    fn range_sets_find_overlaps() {
        let mut set = RangeSet::default();
        for r in [10..20, 0..100, 30..31, 50..60] {
            set.push(r);
        }
        set.seal();
        assert!(set.overlaps(&(99..200)) && set.overlaps(&(5..6)));
        assert!(!set.overlaps(&(100..200)));
        let mut small = RangeSet::default();
        small.push(10..20);
        small.push(30..40);
        small.seal();
        assert!(!small.overlaps(&(20..30)) && small.overlaps(&(19..21)) && !small.overlaps(&(0..10)));
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
