//! The baseline: findings accepted as they are, recorded by fingerprint so that only new ones
//! fail a gate. The file is JSON, one finding per line, sorted by path, rule and fingerprint so
//! that it diffs and merges well; it holds the rule id, the path and the fingerprint (a hash),
//! never a secret or its line number (so moving code does not invalidate it).

use crate::finding::Finding;
use crate::report::{BaselineUse, Level, Notification, Report, SuppressedBy, Suppression};
use crate::rules::RuleSet;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashSet};
use std::path::Path;

pub const VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub path: String,
    pub rule_id: String,
    pub fingerprint: String,
}

impl Entry {
    fn of(f: &Finding) -> Entry {
        Entry { path: f.location.path.clone(), rule_id: f.rule_id.clone(), fingerprint: f.fingerprint.clone() }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baseline {
    /// Sorted, without duplicates.
    pub entries: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    version: u32,
    #[serde(default)]
    #[allow(dead_code)] // written for readers of the file; not needed to read it back
    tool: Option<String>,
    findings: Vec<Entry>,
}

#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("baseline {path}: {message}")]
    Io { path: String, message: String },
    #[error("baseline {path}:{line}:{column}: {message} (write a new one with --write-baseline {path})")]
    Invalid { path: String, line: usize, column: usize, message: String },
}

impl Baseline {
    /// The findings of a report (the open ones: suppressed findings need no baseline entry).
    pub fn from_findings<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Baseline {
        let set: BTreeSet<Entry> = findings.into_iter().map(Entry::of).collect();
        Baseline { entries: set.into_iter().collect() }
    }

    pub fn read(path: &Path) -> Result<Baseline, BaselineError> {
        let display = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| BaselineError::Io { path: display.clone(), message: e.to_string() })?;
        Self::parse(&display, &text)
    }

    pub fn parse(display: &str, text: &str) -> Result<Baseline, BaselineError> {
        let file: File = serde_json::from_str(text).map_err(|e| BaselineError::Invalid {
            path: display.to_string(),
            line: e.line(),
            column: e.column(),
            message: e.to_string().split(" at line ").next().unwrap_or_default().to_string(),
        })?;
        if file.version != VERSION {
            return Err(BaselineError::Invalid {
                path: display.to_string(),
                line: 1,
                column: 1,
                message: format!("version {} is not supported (this slsguard reads version {VERSION})", file.version),
            });
        }
        let set: BTreeSet<Entry> = file.findings.into_iter().collect();
        Ok(Baseline { entries: set.into_iter().collect() })
    }

    /// The file's text: stable key order, one entry per line.
    pub fn to_json(&self) -> String {
        let mut out = format!("{{\n  \"version\": {VERSION},\n  \"tool\": \"slsguard\",\n  \"findings\": [");
        for (i, e) in self.entries.iter().enumerate() {
            // serde_json escapes the strings; the struct's field order is the key order.
            let line = serde_json::to_string(e).unwrap_or_default();
            out.push_str(if i == 0 { "\n    " } else { ",\n    " });
            out.push_str(&line);
        }
        out.push_str(if self.entries.is_empty() { "]\n}\n" } else { "\n  ]\n}\n" });
        out
    }

    pub fn write(&self, path: &Path) -> Result<(), BaselineError> {
        std::fs::write(path, self.to_json())
            .map_err(|e| BaselineError::Io { path: path.display().to_string(), message: e.to_string() })
    }

    /// Hides the report's findings that are in the baseline, and reports the entries that
    /// match nothing. An entry is only judged stale when this scan could have found it: its
    /// rule ran, and its file was covered (or no longer exists); so a partial scan (`--staged`,
    /// one directory) does not call the rest of the baseline stale.
    pub fn apply(&self, report: &mut Report, rules: &RuleSet, file: &str) {
        let wanted: HashSet<&Entry> = self.entries.iter().collect();
        let mut matched: HashSet<Entry> = HashSet::new();
        let (open, hidden): (Vec<Finding>, Vec<Finding>) =
            std::mem::take(&mut report.findings).into_iter().partition(|f| !wanted.contains(&Entry::of(f)));
        report.findings = open;
        let hidden_count = hidden.len();
        for finding in hidden {
            matched.insert(Entry::of(&finding));
            let suppression = Suppression {
                by: SuppressedBy::Baseline,
                justification: format!("accepted in baseline {file}"),
                location: None,
            };
            report.suppressed.push(crate::report::Suppressed { finding, suppression });
        }
        let covered: HashSet<&str> = report.files.iter().map(String::as_str).collect();
        let mut stale = 0;
        for e in &self.entries {
            let judged =
                rules.get(&e.rule_id).is_some() && (covered.contains(e.path.as_str()) || !Path::new(&e.path).exists());
            if judged && !matched.contains(e) {
                stale += 1;
                report.notifications.push(Notification::about(
                    Level::Warning,
                    "stale-baseline",
                    &e.path,
                    &format!(
                        "baseline entry {} {} matches no finding any more (fixed, or its content changed); refresh the baseline with --write-baseline {file}",
                        e.rule_id, e.fingerprint
                    ),
                ));
            }
        }
        report.baseline = Some(BaselineUse { file: file.to_string(), hidden: hidden_count, stale });
        report.sort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str, rule: &str, fp: &str) -> Entry {
        Entry { path: path.into(), rule_id: rule.into(), fingerprint: fp.into() }
    }

    #[test]
    fn round_trip_is_sorted_and_line_per_entry() {
        let b = Baseline { entries: vec![entry("a.env", "secret-x", "01"), entry("b \"q\".env", "secret-y", "02")] };
        let text = b.to_json();
        assert_eq!(
            text,
            "{\n  \"version\": 1,\n  \"tool\": \"slsguard\",\n  \"findings\": [\n    {\"path\":\"a.env\",\"rule_id\":\"secret-x\",\"fingerprint\":\"01\"},\n    {\"path\":\"b \\\"q\\\".env\",\"rule_id\":\"secret-y\",\"fingerprint\":\"02\"}\n  ]\n}\n"
        );
        assert_eq!(Baseline::parse("b.json", &text).expect("parses"), b);
        let empty = Baseline::default().to_json();
        assert_eq!(Baseline::parse("b.json", &empty).expect("parses"), Baseline::default());
    }

    #[test]
    fn bad_files_name_the_line() {
        let err = Baseline::parse("b.json", "{\n  \"version\": 1,\n  \"findings\": [{\"path\": 1}]\n}").unwrap_err();
        assert!(err.to_string().starts_with("baseline b.json:3:"), "{err}");
        let err = Baseline::parse("b.json", "{\"version\": 9, \"findings\": []}").unwrap_err();
        assert!(err.to_string().contains("version 9"), "{err}");
    }
}
