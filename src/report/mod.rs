//! Reports: the scan's result and its renderings (text, JSON, SARIF, GitHub annotations).

pub mod github;
pub mod json;
pub mod sarif;
pub mod text;

use crate::finding::{Finding, Location, Severity};
use serde::Serialize;

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
}

impl Report {
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
