//! What every stage after the rules speaks: a finding with its severity, location, redacted
//! snippet and content-based fingerprint.

use crate::source::Span;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

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
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A finding's identity: rule id, path and what it is about (for secrets, a hash of the
/// secret), never the line, so it survives edits above it.
pub fn fingerprint(rule_id: &str, path: &str, content_key: &str) -> String {
    let mut h = Sha256::new();
    for part in [rule_id, path, content_key] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    h.finalize().iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// The printable form of a secret: at most its first 4 characters (fewer for short secrets,
/// so at least three quarters stay hidden), then `…`.
pub fn redact(secret: &str) -> String {
    let n = secret.chars().count();
    let keep = (n / 4).min(4);
    let mut out: String = secret.chars().take(keep).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_keeps_at_most_four_chars() {
        assert_eq!(redact("AKIAIOSFODNN7EXAMPLE"), "AKIA…");
        assert_eq!(redact("hunter2-prod"), "hun…");
        assert_eq!(redact("abc"), "…");
    }

    #[test]
    fn fingerprint_is_stable_and_distinguishes_parts() {
        let a = fingerprint("r", "p", "x");
        assert_eq!(a, fingerprint("r", "p", "x"));
        assert_ne!(a, fingerprint("r", "px", ""));
        assert_eq!(a.len(), 32);
    }
}
