//! Reports: the scan's result and its renderings (text, JSON, SARIF).

pub mod json;
pub mod sarif;
pub mod text;

use crate::finding::{Finding, Severity};
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

#[derive(Debug, Clone, Default)]
pub struct Report {
    pub findings: Vec<Finding>,
    pub notifications: Vec<Notification>,
    pub stats: Stats,
}

impl Report {
    pub fn sort(&mut self) {
        self.findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        self.findings.dedup();
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

    /// Notifications the user must see (not the routine "binary file skipped").
    pub fn problems(&self) -> impl Iterator<Item = &Notification> {
        self.notifications.iter().filter(|n| n.level != Level::Note)
    }
}
