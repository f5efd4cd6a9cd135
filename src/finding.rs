//! What every stage after the rules speaks: a finding with its severity, location, redacted
//! snippet and content-based fingerprint; and the two things that make a report safe to hand
//! out: redaction ([`Redactor`]) and keyed fingerprints ([`FingerprintKey`]).

use crate::secrets::SecretEngine;
use crate::source::Span;
use aho_corasick::{AhoCorasick, MatchKind};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::ops::Range;
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 4] = [Severity::Critical, Severity::High, Severity::Medium, Severity::Low];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// GitHub code scanning's `security-severity` score (its bands: ≥9 critical, ≥7 high,
    /// ≥4 medium, else low).
    pub fn security_severity(self) -> &'static str {
        match self {
            Severity::Critical => "9.5",
            Severity::High => "8.0",
            Severity::Medium => "5.5",
            Severity::Low => "3.0",
        }
    }

    /// One level lower (low stays low).
    pub fn lower(self) -> Severity {
        match self {
            Severity::Critical => Severity::High,
            Severity::High => Severity::Medium,
            Severity::Medium | Severity::Low => Severity::Low,
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "low" => Some(Severity::Low),
            "medium" => Some(Severity::Medium),
            "high" => Some(Severity::High),
            "critical" => Some(Severity::Critical),
            _ => None,
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A place in a file. `path` is relative to the working directory when the file is under it
/// (always with `/` separators), else as given.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Location {
    pub path: String,
    pub span: Span,
}

/// A secondary location that explains a finding (e.g. the function that uses a role).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Related {
    pub location: Location,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule_id: String,
    pub severity: Severity,
    pub message: String,
    pub location: Location,
    pub related: Vec<Related>,
    /// The source line, with every secret on it redacted.
    pub snippet: String,
    pub fingerprint: String,
    /// For data-flow findings: the path from where the data enters to where it is used, each
    /// step with a note (SARIF `codeFlows`).
    pub flow: Vec<Related>,
}

impl Finding {
    /// Report order: path, line, column, then rule id (and message, to break remaining ties).
    pub fn sort_key(&self) -> (&str, u32, u32, &str, &str) {
        (
            &self.location.path,
            self.location.span.start.line,
            self.location.span.start.column,
            &self.rule_id,
            &self.message,
        )
    }
}

/// Hex SHA-256 of `data`.
pub fn sha256_hex(data: &[u8]) -> String {
    let digest = Sha256::digest(data);
    hex(&digest)
}

/// A finding's identity inside the process: rule id, path and what it is about (for secrets, a
/// hash of the secret), never the line, so it survives edits above it. It is unkeyed, so it
/// never leaves the process as is: reports and baselines show [`FingerprintKey::apply`] of it.
pub fn fingerprint(rule_id: &str, path: &str, content_key: &str) -> String {
    let mut h = Sha256::new();
    for part in [rule_id, path, content_key] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    hex(&h.finalize()[..16])
}

/// Gives the findings that still share an identity (the same secret twice in one file, two
/// identical statements) one each: the first, in report order, keeps its fingerprint; the n-th
/// gets one derived from it and n. So no baseline entry or code-scanning alert stands for two
/// findings. `findings` must be sorted (report order), so the numbering is deterministic.
pub fn disambiguate(findings: &mut [Finding]) {
    let mut seen: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
    for f in findings {
        let n = seen.entry(f.fingerprint.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            f.fingerprint = fingerprint(&f.rule_id, &f.location.path, &format!("{}#{n}", f.fingerprint));
        }
    }
}

/// The printable form of a secret: at most its first 4 characters (fewer for short secrets,
/// so at least three quarters stay hidden), then `…`.
pub fn redact(secret: &str) -> String {
    let mut out: String = secret.chars().take(shown_chars(secret.chars().count())).collect();
    out.push('…');
    out
}

/// How many leading characters of an `n`-character secret its redacted form shows.
fn shown_chars(n: usize) -> usize {
    (n / 4).min(4)
}

/// HMAC-SHA-256 (RFC 2104).
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > block.len() {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let (mut inner, mut outer) = (Sha256::new(), Sha256::new());
    inner.update(block.map(|b| b ^ 0x36));
    inner.update(message);
    outer.update(block.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

/// Lowercase hex of `bytes` (without a `format!` per byte: every finding has two of these).
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

/// Where a scan's fingerprint key comes from (docs/security.md, "Fingerprints").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// `SLSGUARD_FINGERPRINT_KEY` or the configuration's `fingerprint_key`.
    Given,
    /// The id of the repository's first commit.
    FirstCommit,
    /// No repository history and no key given: the same key for everyone.
    BuiltIn,
}

/// The key of the hash that turns a finding's identity into the fingerprint reports and
/// baselines show. Unkeyed, the fingerprint of a secret finding is a hash of the secret, and a
/// weak secret can be recovered from a report by guessing; keyed per repository, guessing
/// needs the key, which reports never contain. The key is stable across runs (it comes from
/// the repository, not from chance), so baselines and code-scanning alerts keep matching.
#[derive(Clone, PartialEq, Eq)]
pub struct FingerprintKey {
    key: [u8; 32],
    pub source: KeySource,
}

impl std::fmt::Debug for FingerprintKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FingerprintKey({:?}, id {})", self.source, self.id())
    }
}

impl Default for FingerprintKey {
    fn default() -> Self {
        Self::new("", KeySource::BuiltIn)
    }
}

impl FingerprintKey {
    pub fn new(material: &str, source: KeySource) -> Self {
        let mut h = Sha256::new();
        h.update(b"slsguard fingerprint key v2\0");
        h.update(material.as_bytes());
        Self { key: h.finalize().into(), source }
    }

    /// A short name of the key that reveals nothing of it: written into baselines, so that a
    /// baseline written with another key is recognised as such instead of matching nothing.
    pub fn id(&self) -> String {
        hex(&hmac_sha256(&self.key, b"key id")[..6])
    }

    /// The fingerprint shown for an in-process identity (see [`fingerprint`]).
    pub fn apply(&self, identity: &str) -> String {
        hex(&hmac_sha256(&self.key, identity.as_bytes())[..16])
    }
}

/// Shortest known secret whose every occurrence is redacted from outputs: shorter ones are
/// redacted where they were found, but searching text for them would mangle ordinary words.
const MIN_KNOWN_SECRET: usize = 6;

/// Shortest start of a known secret redacted at the end of a cut string: what a redacted form
/// shows (at most 4 characters) is left alone.
const MIN_CUT_SECRET: usize = 5;

/// Redacts secrets from every string a report shows. It knows the secrets found in the scanned
/// files (every occurrence of each is redacted, wherever it appears) and runs the secrets
/// engine over each string too, for secrets that only a message, a path or a related location
/// shows.
#[derive(Clone, Default)]
pub struct Redactor {
    secrets: Vec<String>,
    finder: Option<Arc<AhoCorasick>>,
    engine: Option<Arc<SecretEngine>>,
}

impl std::fmt::Debug for Redactor {
    // Never the secrets themselves.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redactor({} known secrets, engine: {})", self.secrets.len(), self.engine.is_some())
    }
}

impl Redactor {
    pub fn new(secrets: impl IntoIterator<Item = String>, engine: Option<Arc<SecretEngine>>) -> Self {
        let mut secrets: Vec<String> = secrets.into_iter().filter(|s| s.chars().count() >= MIN_KNOWN_SECRET).collect();
        secrets.sort();
        secrets.dedup();
        let finder = if secrets.is_empty() {
            None
        } else {
            AhoCorasick::builder().match_kind(MatchKind::Standard).build(&secrets).ok().map(Arc::new)
        };
        Self { secrets, finder, engine }
    }

    /// This redactor, also knowing `more` secrets.
    pub fn with(&self, more: impl IntoIterator<Item = String>) -> Self {
        let before = self.secrets.len();
        let all: Vec<String> = self.secrets.iter().cloned().chain(more).collect();
        if all.len() == before {
            return self.clone();
        }
        Self::new(all, self.engine.clone())
    }

    fn engine_hits(&self, s: &str) -> Vec<Range<usize>> {
        let Some(engine) = &self.engine else { return Vec::new() };
        // No path: rules limited to some paths do not run on report strings.
        engine
            .scan("", s.as_bytes())
            .into_iter()
            .map(|h| floor_boundary(s, h.secret.start)..ceil_boundary(s, h.secret.end))
            .filter(|r| !r.is_empty())
            .collect()
    }

    /// Byte ranges of the secrets in `s`: every occurrence of a known secret, what the engine
    /// finds, and the start of a known secret that a cut left at the end of `s`.
    pub fn find(&self, s: &str) -> Vec<Range<usize>> {
        self.find_with(s, self.engine_hits(s))
    }

    /// [`Self::find`], with what the engine finds in `s` already known.
    fn find_with(&self, s: &str, mut ranges: Vec<Range<usize>>) -> Vec<Range<usize>> {
        if let Some(f) = &self.finder {
            ranges.extend(f.find_overlapping_iter(s).map(|m| m.range()));
        }
        ranges.extend(self.cut_secret(s));
        ranges
    }

    /// A string cut to length (a snippet of a long line) ends in `…`, and the cut may have left
    /// the start of a known secret before it: one found in another file, which the snippet's
    /// own file could not redact before the cut. The range covers it and the `…`.
    fn cut_secret(&self, s: &str) -> Option<Range<usize>> {
        let body = s.strip_suffix('…')?;
        let longest = self.secrets.iter().map(String::len).max()?;
        let from = floor_boundary(body, body.len().saturating_sub(longest));
        for (i, _) in body[from..].char_indices() {
            let tail = &body[from + i..];
            if tail.len() < MIN_CUT_SECRET {
                break;
            }
            let at = self.secrets.partition_point(|k| k.as_str() < tail);
            if self.secrets.get(at).is_some_and(|k| k.starts_with(tail)) {
                return Some(from + i..s.len());
            }
        }
        None
    }

    /// `s` with every secret in it redacted.
    pub fn redact<'a>(&self, s: &'a str) -> Cow<'a, str> {
        let ranges = self.find(s);
        if ranges.is_empty() { Cow::Borrowed(s) } else { Cow::Owned(redact_ranges(s, ranges)) }
    }

    /// Redacts `s` in place.
    pub fn redact_in_place(&self, s: &mut String) {
        if let Cow::Owned(r) = self.redact(s) {
            *s = r;
        }
    }

    /// Redacts every string of `all`, in two passes: first what the engine finds in each
    /// string becomes a known secret, then every known secret is redacted wherever it appears.
    /// The engine scans each distinct string once: a report repeats paths and messages in every
    /// finding and flow step, and scanning them all twice dominated reports of many findings.
    /// Both the engine and the second pass run side by side (a report of thousands of findings
    /// was a sequential tail after a parallel scan).
    pub fn redact_all(&self, all: &mut impl Strings) -> Redactor {
        use rayon::prelude::*;
        // A fast hash: with SipHash, hashing each string was most of this sequential pass.
        let mut distinct: foldhash::HashSet<String> = foldhash::HashSet::default();
        all.each(&mut |s: &mut String| {
            if !distinct.contains(s.as_str()) {
                distinct.insert(s.clone());
            }
        });
        // Only strings with something in them: a string not here was seen and holds nothing.
        let hits: foldhash::HashMap<String, Vec<Range<usize>>> = distinct
            .into_par_iter()
            .filter_map(|s| {
                let h = self.engine_hits(&s);
                (!h.is_empty()).then_some((s, h))
            })
            .collect();
        let more: Vec<String> =
            hits.iter().flat_map(|(s, rs)| rs.iter().map(move |r| s[r.clone()].to_string())).collect();
        let redactor = self.with(more);
        all.each_par(&|s: &mut String| {
            let engine = if hits.is_empty() { Vec::new() } else { hits.get(s.as_str()).cloned().unwrap_or_default() };
            let ranges = redactor.find_with(s, engine);
            if !ranges.is_empty() {
                *s = redact_ranges(s, ranges);
            }
        });
        redactor
    }
}

/// The strings an output can show, for [`Redactor::redact_all`].
pub trait Strings {
    /// Calls `f` on each string, one after the other.
    fn each(&mut self, f: &mut dyn FnMut(&mut String));
    /// Calls `f` on each string, side by side where there are many.
    fn each_par(&mut self, f: &(dyn Fn(&mut String) + Sync));
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// Where a secret's value really ends. A rule's regex may stop inside a value (a password with
/// a `;` in it), so the rest of the value — up to whitespace, a quote or the end — is hidden
/// too when it holds a letter or digit; trailing punctuation alone (`;`, `",`) is kept.
fn value_end(s: &str, end: usize) -> usize {
    let rest = &s[end..];
    let n = rest
        .find(|c: char| c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | '`' | '…'))
        .unwrap_or(rest.len());
    if rest[..n].chars().any(char::is_alphanumeric) { end + n } else { end }
}

/// `text` with each of `ranges` (byte ranges of secrets, in any order, possibly overlapping)
/// redacted, each with the rest of its value. Where ranges overlap, the redacted form shows
/// the start of the earliest secret, as much as that secret alone would show.
pub fn redact_ranges(text: &str, ranges: impl IntoIterator<Item = Range<usize>>) -> String {
    let mut spans: Vec<(Range<usize>, usize)> = ranges
        .into_iter()
        .map(|r| floor_boundary(text, r.start)..ceil_boundary(text, r.end))
        .filter(|r| !r.is_empty())
        .map(|r| {
            let shown = shown_chars(text[r.clone()].chars().count());
            (r.start..value_end(text, r.end), shown)
        })
        .collect();
    spans.sort_by_key(|(r, _)| (r.start, std::cmp::Reverse(r.end)));
    let mut merged: Vec<(Range<usize>, usize)> = Vec::new();
    for (r, shown) in spans {
        match merged.last_mut() {
            Some((m, _)) if r.start <= m.end => m.end = m.end.max(r.end),
            _ => merged.push((r, shown)),
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (r, shown) in merged {
        out.push_str(&text[at..r.start]);
        out.extend(text[r.clone()].chars().take(shown));
        out.push('…');
        at = r.end;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_lowercase_two_digits_a_byte() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
        assert_eq!(hex(&[]), "");
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn redaction_keeps_at_most_four_chars() {
        assert_eq!(redact("AKIAIOSFODNN7EXAMPLE"), "AKIA…");
        assert_eq!(redact("hunter2-prod"), "hun…");
        assert_eq!(redact("abc"), "…");
    }

    #[test]
    fn hmac_matches_rfc_4231() {
        // Test case 2.
        assert_eq!(
            hex(&hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // Test case 6: a key longer than the block.
        assert_eq!(
            hex(&hmac_sha256(&[0xaa; 131], b"Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn keyed_fingerprints_depend_on_the_key_only() {
        let id = fingerprint("secret-x", "a.env", &sha256_hex(b"hunter2"));
        let a = FingerprintKey::new("c0ffee", KeySource::FirstCommit);
        assert_eq!(a.apply(&id), FingerprintKey::new("c0ffee", KeySource::Given).apply(&id));
        assert_ne!(a.apply(&id), FingerprintKey::new("c0ffef", KeySource::FirstCommit).apply(&id));
        assert_ne!(a.apply(&id), id);
        assert_eq!(a.apply(&id).len(), 32);
        assert_eq!(a.id().len(), 12);
        assert!(!format!("{a:?}").contains("c0ffee"));
    }

    #[test]
    fn every_occurrence_is_redacted_with_the_rest_of_its_value() {
        let r = Redactor::new(["Pa5sw0rdXyz".to_string(), "abc".to_string()], None);
        // Repeated, and with a tail after `;` that the rule did not capture.
        assert_eq!(r.redact("A=Pa5sw0rdXyz;tail9 B=\"Pa5sw0rdXyz\", abc"), "A=Pa… B=\"Pa…\", abc");
        // Punctuation alone after a secret is kept.
        assert_eq!(redact_ranges("k=AKIAQ2MTX7WPLZK4RDHB;", Some(2..22)), "k=AKIA…;");
        // Overlapping ranges show only what the first secret alone would show.
        assert_eq!(redact_ranges("x abcdefgh", vec![2..5, 3..10]), "x …");
        assert_eq!(r.redact("nothing here"), Cow::Borrowed("nothing here"));
        // A string cut inside a known secret (found in another file) hides what the cut left.
        assert_eq!(r.redact("token: Pa5sw0r…"), "token: Pa…");
        assert_eq!(r.redact("token=xPa5sw0r…"), "token=xPa…");
        // What a redacted form shows is not taken for a cut secret.
        assert_eq!(r.redact("token: Pa5s…"), Cow::Borrowed("token: Pa5s…"));
        assert!(!format!("{r:?}").contains("Pa5"));
    }

    #[test]
    fn redaction_never_splits_a_character() {
        assert_eq!(redact_ranges("é=ééééééééé x", Some(3..6)), "é=… x");
        assert_eq!(redact_ranges("é=ééééééééé x", Some(3..19)), "é=éé… x");
    }

    #[test]
    fn fingerprint_is_stable_and_distinguishes_parts() {
        let a = fingerprint("r", "p", "x");
        assert_eq!(a, fingerprint("r", "p", "x"));
        assert_ne!(a, fingerprint("r", "px", ""));
        assert_eq!(a.len(), 32);
    }
}
