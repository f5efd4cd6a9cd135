//! The baseline: findings accepted as they are, recorded by fingerprint so that only new ones
//! fail a gate. The file is JSON, one finding per line, sorted by path, rule and fingerprint so
//! that it diffs and merges well; it holds the rule id, the path and the fingerprint (a keyed
//! hash), never a secret or its line number (so moving code does not invalidate it). Like every
//! output it is written from the report's shown form: redacted paths, keyed fingerprints.
//!
//! Version 1 files hold unkeyed fingerprints (the in-process identity); they are still applied,
//! with a warning to rewrite them. Version 2 files also name the fingerprint key (its id), so a
//! baseline written with another key (another clone's history, another configured key) is
//! reported once instead of as every entry stale and every finding new.

use crate::finding::Finding;
use crate::report::{BaselineUse, Level, Notification, Report, SuppressedBy, Suppression};
use crate::rules::RuleSet;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashSet};
use std::path::Path;

pub const VERSION: u32 = 2;
/// The first version: unkeyed fingerprints.
const VERSION_UNKEYED: u32 = 1;

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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Baseline {
    /// Sorted, without duplicates.
    pub entries: Vec<Entry>,
    pub version: u32,
    /// The id of the fingerprint key the entries were written with (version 2).
    pub key: Option<String>,
}

impl Default for Baseline {
    fn default() -> Self {
        Self { entries: Vec::new(), version: VERSION, key: None }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    version: u32,
    #[serde(default)]
    #[allow(dead_code)] // written for readers of the file; not needed to read it back
    tool: Option<String>,
    #[serde(default)]
    key: Option<String>,
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
    /// The open findings of a report (suppressed findings need no baseline entry), as outputs
    /// show them.
    pub fn of_report(report: &Report) -> Baseline {
        let shown = report.shown();
        let set: BTreeSet<Entry> = shown.findings.iter().map(Entry::of).collect();
        Baseline { entries: set.into_iter().collect(), version: VERSION, key: Some(report.fingerprint_key.id()) }
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
        if file.version != VERSION && file.version != VERSION_UNKEYED {
            return Err(BaselineError::Invalid {
                path: display.to_string(),
                line: 1,
                column: 1,
                message: format!(
                    "version {} is not supported (this slsguard reads versions {VERSION_UNKEYED} and {VERSION})",
                    file.version
                ),
            });
        }
        let set: BTreeSet<Entry> = file.findings.into_iter().collect();
        Ok(Baseline { entries: set.into_iter().collect(), version: file.version, key: file.key })
    }

    /// The file's text: stable key order, one entry per line.
    pub fn to_json(&self) -> String {
        let mut out = format!("{{\n  \"version\": {},\n  \"tool\": \"slsguard\",\n", self.version);
        if let Some(key) = &self.key {
            out.push_str(&format!("  \"key\": {},\n", serde_json::Value::from(key.as_str())));
        }
        out.push_str("  \"findings\": [");
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
        let io = |e: std::io::Error| BaselineError::Io { path: path.display().to_string(), message: e.to_string() };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        std::fs::write(path, self.to_json()).map_err(io)
    }

    /// Hides the report's findings that are in the baseline, and reports the entries that
    /// match nothing. An entry is only judged stale when this scan could have found it: its
    /// rule ran, and its file was covered (or no longer exists); so a partial scan (`--staged`,
    /// one directory) does not call the rest of the baseline stale.
    pub fn apply(&self, report: &mut Report, rules: &RuleSet, file: &str) {
        let unkeyed = self.version == VERSION_UNKEYED;
        let current_key = report.fingerprint_key.id();
        let other_key = !unkeyed && self.key.as_ref().is_some_and(|k| *k != current_key);
        if unkeyed {
            report.notifications.push(Notification::about(
                Level::Warning,
                "baseline-version",
                file,
                &format!(
                    "this baseline holds version 1 fingerprints, unkeyed hashes from which a weak secret can be recovered by guessing; it still applies, but rewrite it with --write-baseline {file} (docs/security.md#fingerprints)"
                ),
            ));
        } else if other_key {
            report.notifications.push(Notification::about(
                Level::Warning,
                "baseline-key",
                file,
                &format!(
                    "this baseline was written with fingerprint key {}, this scan uses key {current_key} ({}), so none of its entries can match; scan with the key it was written with, or rewrite it with --write-baseline {file} (docs/security.md#fingerprints)",
                    self.key.as_deref().unwrap_or_default(),
                    key_source(&report.fingerprint_key.source),
                ),
            ));
        }
        // What each finding is called in this baseline: as outputs show it (version 2), or by
        // its raw path and unkeyed identity (version 1).
        let names: Vec<Entry> = if unkeyed {
            report.findings.iter().map(Entry::of).collect()
        } else {
            report.shown().findings.iter().map(Entry::of).collect()
        };
        let wanted: HashSet<&Entry> = self.entries.iter().collect();
        let mut matched: HashSet<Entry> = HashSet::new();
        let mut open = Vec::new();
        let mut hidden = Vec::new();
        for (finding, name) in std::mem::take(&mut report.findings).into_iter().zip(names) {
            if wanted.contains(&name) {
                matched.insert(name);
                hidden.push(finding);
            } else {
                open.push(finding);
            }
        }
        report.findings = open;
        let hidden_count = hidden.len();
        for finding in hidden {
            let suppression = Suppression {
                by: SuppressedBy::Baseline,
                justification: format!("accepted in baseline {file}"),
                location: None,
            };
            report.suppressed.push(crate::report::Suppressed { finding, suppression });
        }
        let covered: HashSet<String> = if unkeyed {
            report.files.iter().cloned().collect()
        } else {
            report.files.iter().map(|p| report.redactor.redact(p).into_owned()).collect()
        };
        let mut stale = 0;
        for e in &self.entries {
            // With another key nothing can match: the one warning above says so.
            let judged = !other_key
                && rules.get(&e.rule_id).is_some()
                && (covered.contains(&e.path) || !crate::discover::disk_path(&e.path).exists());
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

fn key_source(source: &crate::finding::KeySource) -> &'static str {
    match source {
        crate::finding::KeySource::Given => "the configured fingerprint_key or SLSGUARD_FINGERPRINT_KEY",
        crate::finding::KeySource::FirstCommit => "from the repository's first commit",
        crate::finding::KeySource::BuiltIn => {
            "the built-in key: no configured key and no repository history (a shallow clone has no first commit)"
        }
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
        let b = Baseline {
            entries: vec![entry("a.env", "secret-x", "01"), entry("b \"q\".env", "secret-y", "02")],
            version: VERSION,
            key: Some("0a1b2c3d4e5f".into()),
        };
        let text = b.to_json();
        assert_eq!(
            text,
            "{\n  \"version\": 2,\n  \"tool\": \"slsguard\",\n  \"key\": \"0a1b2c3d4e5f\",\n  \"findings\": [\n    {\"path\":\"a.env\",\"rule_id\":\"secret-x\",\"fingerprint\":\"01\"},\n    {\"path\":\"b \\\"q\\\".env\",\"rule_id\":\"secret-y\",\"fingerprint\":\"02\"}\n  ]\n}\n"
        );
        assert_eq!(Baseline::parse("b.json", &text).expect("parses"), b);
        let empty = Baseline::default().to_json();
        assert_eq!(Baseline::parse("b.json", &empty).expect("parses"), Baseline::default());
        let v1 = "{\"version\": 1, \"tool\": \"slsguard\", \"findings\": []}";
        assert_eq!(Baseline::parse("b.json", v1).expect("version 1 still reads").version, 1);
    }

    #[test]
    fn bad_files_name_the_line() {
        let err = Baseline::parse("b.json", "{\n  \"version\": 1,\n  \"findings\": [{\"path\": 1}]\n}").unwrap_err();
        assert!(err.to_string().starts_with("baseline b.json:3:"), "{err}");
        let err = Baseline::parse("b.json", "{\"version\": 9, \"findings\": []}").unwrap_err();
        assert!(err.to_string().contains("version 9"), "{err}");
    }
}
