//! Reports: the scan's result and its renderings (text, JSON, SARIF, GitHub annotations).
//!
//! A report holds raw findings (real paths, in-process fingerprints); what any output shows is
//! its [`Report::shown`] form, where every string went through the [`Redactor`] and every
//! fingerprint through the [`FingerprintKey`]. Every renderer starts from that form, so no
//! format can show a secret another one hides.

pub mod github;
pub mod gitlab;
pub mod json;
pub mod jsonl;
pub mod junit;
pub mod recognize;
pub mod sarif;
pub mod text;

use crate::finding::{Finding, FingerprintKey, Location, Redactor, Severity};
use rayon::prelude::*;
use serde::Serialize;
use std::borrow::Cow;

/// `s` with the characters that can drive a terminal or fake a line escaped: C0 controls but
/// tab (`\x1b`, `\n`, …), DEL, C1 controls, line and paragraph separators and the bidirectional
/// overrides that can make text read differently than it is (`\u{202e}`). For outputs that
/// are read as lines (text, GitHub annotations); JSON and SARIF escape these themselves.
pub fn escape_controls(s: &str) -> Cow<'_, str> {
    let bad = |c: char| {
        (c.is_control() && c != '\t')
            || matches!(c, '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !s.chars().any(bad) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if bad(c) && (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if bad(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Warning,
    Note,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Note => "note",
        }
    }
}

/// Something the user should know that is not a finding: a file skipped, unreadable or
/// malformed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Notification {
    pub path: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub level: Level,
    /// Stable machine-readable reason: `binary`, `too-large`, `unreadable`, `parse-error`, …
    pub kind: &'static str,
    pub message: String,
    /// The file was not scanned at all.
    #[serde(skip)]
    pub skipped: bool,
}

impl Notification {
    pub fn skipped(level: Level, kind: &'static str, path: &str, message: &str) -> Self {
        Self {
            path: path.to_string(),
            line: None,
            column: None,
            level,
            kind,
            message: message.to_string(),
            skipped: true,
        }
    }

    /// Something about a file as a whole that did not stop it being scanned (e.g. a stale
    /// baseline entry).
    pub fn about(level: Level, kind: &'static str, path: &str, message: &str) -> Self {
        Self { skipped: false, ..Self::skipped(level, kind, path, message) }
    }

    /// A problem inside a file that was otherwise scanned (e.g. a manifest that did not parse).
    pub fn at(level: Level, kind: &'static str, path: &str, line: u32, column: u32, message: &str) -> Self {
        Self {
            path: path.to_string(),
            line: Some(line),
            column: Some(column),
            level,
            kind,
            message: message.to_string(),
            skipped: false,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    pub files_scanned: u64,
    pub files_skipped: u64,
    pub bytes_scanned: u64,
}

/// Where a suppression is kept, in SARIF's terms: in the source (a comment, a resource's
/// metadata) or outside it (the baseline file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum SuppressionKind {
    InSource,
    External,
}

/// What suppressed a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SuppressedBy {
    /// A `slsguard:ignore` comment on the line or the line above.
    Comment,
    /// A resource's or function's `slsguard: {ignore: …}` metadata.
    Resource,
    /// An entry of the `--baseline` file.
    Baseline,
}

impl SuppressedBy {
    pub fn kind(self) -> SuppressionKind {
        match self {
            SuppressedBy::Comment | SuppressedBy::Resource => SuppressionKind::InSource,
            SuppressedBy::Baseline => SuppressionKind::External,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SuppressedBy::Comment => "comment",
            SuppressedBy::Resource => "resource",
            SuppressedBy::Baseline => "baseline",
        }
    }
}

/// Why a finding is not reported as open.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Suppression {
    pub by: SuppressedBy,
    /// The reason written with the suppression (for the baseline: which file accepted it).
    pub justification: String,
    /// Where the suppression is written (the comment, the `ignore` entry); none for the baseline.
    pub location: Option<Location>,
}

/// A finding that a suppression hides: kept for SARIF and the counts, never for --fail-on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppressed {
    pub finding: Finding,
    pub suppression: Suppression,
}

/// What the `--baseline` file did in this scan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BaselineUse {
    /// The baseline file, as given.
    pub file: String,
    /// Findings it hid.
    pub hidden: usize,
    /// Its entries that matched nothing in the files this scan covered (each is also a
    /// `stale-baseline` notification).
    pub stale: usize,
}

/// A function and the code it is linked to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FunctionCode {
    /// The manifest that defines it, and where.
    pub manifest: String,
    pub line: u32,
    pub name: String,
    pub code: crate::model::Code,
}

#[derive(Debug, Clone, Default)]
pub struct Report {
    pub findings: Vec<Finding>,
    pub notifications: Vec<Notification>,
    pub stats: Stats,
    /// Findings hidden by a suppression or the baseline, in report order.
    pub suppressed: Vec<Suppressed>,
    /// The `slsguard:ignore` directives read from the scanned files; `suppress::apply` uses them.
    pub directives: Vec<crate::suppress::Directive>,
    /// The files whose findings this report covers (display paths, sorted): every file read,
    /// except with `--changed-since`, where manifests are read for context but only changed
    /// files are reported on.
    pub files: Vec<String>,
    pub baseline: Option<BaselineUse>,
    /// The functions of the scanned manifests and the code each is linked to (when the code
    /// stage ran), sorted by manifest and name.
    pub functions: Vec<FunctionCode>,
    /// Each function's least-privilege policy (when the least-privilege rules ran), sorted by
    /// manifest and function: `slsguard policy` prints them.
    pub policies: Vec<crate::leastpriv::policy::FunctionPolicy>,
    /// Replacements of over-broad statements by the least-privilege ones (SARIF `fixes` of the
    /// least-privilege rules' results).
    pub fixes: Vec<crate::leastpriv::fix::Fix>,
    /// Redacts the strings outputs show (knows the secrets the scan found).
    pub redactor: Redactor,
    /// Keys the fingerprints outputs show.
    pub fingerprint_key: FingerprintKey,
    /// This report is already the form outputs show ([`Report::shown`]).
    pub is_shown: bool,
    /// Open findings below `--min-severity`, left out of the findings shown ([`Report::present`]).
    pub below_min_severity: Option<(Severity, usize)>,
}

impl Report {
    /// The report as outputs show it: every string an output can print (messages, paths,
    /// snippets, related locations, notifications, justifications) redacted, fingerprints
    /// keyed. Borrowed when it already is.
    pub fn shown(&self) -> Cow<'_, Report> {
        if self.is_shown { Cow::Borrowed(self) } else { Cow::Owned(self.to_shown()) }
    }

    fn to_shown(&self) -> Report {
        self.clone().into_shown()
    }

    /// [`Report::shown`], taking the report: no copy of every finding.
    pub fn into_shown(mut self) -> Report {
        if self.is_shown {
            return self;
        }
        let unshown = std::mem::take(&mut self.redactor);
        // First pass: secrets the engine sees in the strings themselves (a token in a route
        // path, a file name) are then redacted wherever else they appear.
        let redactor = unshown.redact_all(&mut self);
        let key = &self.fingerprint_key;
        let keyed = |f: &mut Finding| f.fingerprint = key.apply(&f.fingerprint);
        self.findings.par_iter_mut().for_each(keyed);
        self.suppressed.par_iter_mut().for_each(|s| keyed(&mut s.finding));
        self.directives.clear();
        self.redactor = redactor;
        self.is_shown = true;
        self
    }

    /// Calls `f` on every string of the report that an output can show, but the findings'. A
    /// field added to the report (or to what it holds) that an output prints must be added here
    /// or in [`finding_strings`].
    fn for_each_other_string(&mut self, f: &mut (impl FnMut(&mut String) + ?Sized)) {
        for s in &mut self.suppressed {
            finding_strings(&mut s.finding, f);
            f(&mut s.suppression.justification);
            if let Some(l) = &mut s.suppression.location {
                f(&mut l.path);
            }
        }
        for n in &mut self.notifications {
            f(&mut n.path);
            f(&mut n.message);
        }
        if let Some(b) = &mut self.baseline {
            f(&mut b.file);
        }
        for func in &mut self.functions {
            f(&mut func.manifest);
            f(&mut func.name);
            match &mut func.code {
                crate::model::Code::Found(c) => {
                    f(&mut c.file);
                    f(&mut c.symbol);
                    c.files.iter_mut().for_each(&mut *f);
                }
                crate::model::Code::Unknown(why) => f(why),
                crate::model::Code::NotAnalysed => {}
            }
        }
    }

    pub fn sort(&mut self) {
        self.findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        self.findings.dedup();
        self.suppressed.sort_by(|a, b| a.finding.sort_key().cmp(&b.finding.sort_key()));
        self.suppressed.dedup();
        self.directives.sort();
        self.directives.dedup();
        self.notifications.sort();
        self.notifications.dedup();
    }

    /// The report as `--min-severity` and `--sort` present it: findings below `min` left out
    /// (and counted), the rest most severe first when `by_severity`. Suppressed findings follow
    /// the same rules.
    pub fn present(mut self, min: Option<Severity>, by_severity: bool) -> Report {
        if let Some(min) = min {
            let before = self.findings.len();
            self.findings.retain(|f| f.severity >= min);
            self.suppressed.retain(|s| s.finding.severity >= min);
            self.below_min_severity = Some((min, before - self.findings.len()));
        }
        if by_severity {
            // Stable: within a severity, report order (file, line) stays.
            self.findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
            self.suppressed.sort_by_key(|s| std::cmp::Reverse(s.finding.severity));
        }
        self
    }

    /// Whether the scan could not read something it was asked to (a file or directory): such
    /// a scan never exits 0, and SARIF says `executionSuccessful: false`.
    pub fn incomplete(&self) -> bool {
        self.notifications.iter().any(|n| n.level == Level::Error)
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity == severity).count()
    }

    /// Whether any finding is at or above `threshold` (`None`: never fail).
    pub fn fails(&self, threshold: Option<Severity>) -> bool {
        threshold.is_some_and(|t| self.findings.iter().any(|f| f.severity >= t))
    }

    /// Suppressed findings by what suppressed them.
    pub fn suppressed_by(&self, by: SuppressedBy) -> usize {
        self.suppressed.iter().filter(|s| s.suppression.by == by).count()
    }

    /// Notifications the user must see (not the routine "binary file skipped").
    pub fn problems(&self) -> impl Iterator<Item = &Notification> {
        self.notifications.iter().filter(|n| n.level != Level::Note)
    }
}

/// Every string of a finding that an output can show.
fn finding_strings(x: &mut Finding, f: &mut (impl FnMut(&mut String) + ?Sized)) {
    f(&mut x.message);
    f(&mut x.location.path);
    f(&mut x.snippet);
    for r in x.related.iter_mut().chain(x.flow.iter_mut()) {
        f(&mut r.location.path);
        f(&mut r.message);
    }
}

impl crate::finding::Strings for Report {
    fn each(&mut self, f: &mut dyn FnMut(&mut String)) {
        for x in &mut self.findings {
            finding_strings(x, &mut *f);
        }
        self.for_each_other_string(f);
    }

    fn each_par(&mut self, f: &(dyn Fn(&mut String) + Sync)) {
        self.findings.par_iter_mut().for_each(|x| finding_strings(x, &mut |s: &mut String| f(s)));
        self.for_each_other_string(&mut |s: &mut String| f(s));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_escaped() {
        assert_eq!(escape_controls("a\tb"), Cow::Borrowed("a\tb"));
        assert_eq!(escape_controls("x\n::error file=y\x1b[31m\u{202e}é"), "x\\n::error file=y\\x1b[31m\\u{202e}é");
        assert_eq!(escape_controls("\r\u{7f}\u{9b}"), "\\r\\x7f\\u{9b}");
    }
}
