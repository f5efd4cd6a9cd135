//! Recognising slsguard's own reports among scanned files, by content: a CI job that writes
//! `slsguard.sarif` into the tree and scans again must not report on its own report (issue
//! 12). A report is recognised only when the whole file has a report's shape — a JSON or SARIF
//! document whose tool is slsguard, a baseline, or text / GitHub annotations every line of
//! which is a report line — and the scan only skips it when the secrets engine found nothing in
//! it (a genuine report never holds a full secret), so dressing a file up as a report hides
//! nothing. A new output format must be added here (tests/outputs.rs checks every format).

use regex::Regex;
use std::sync::OnceLock;

/// Which of slsguard's outputs `text` is, if it is one.
pub fn own_report(text: &[u8]) -> Option<&'static str> {
    let start = text.iter().position(|b| !b.is_ascii_whitespace())?;
    let text = std::str::from_utf8(&text[start..]).ok()?;
    if text.starts_with('{') {
        return json_report(text);
    }
    if text.starts_with("::") || text.starts_with("no findings") || last_line_is_summary(text) {
        return line_report(text);
    }
    None
}

fn json_report(text: &str) -> Option<&'static str> {
    // Cheap prefix checks first: most JSON files are not ours.
    let head = &text[..text.len().min(512)];
    let sarif = head.contains("\"$schema\"") && head.contains("sarif");
    let report = head.contains("\"schema_version\"");
    let baseline = head.contains("\"tool\": \"slsguard\"") && head.contains("\"version\"");
    if !(sarif || report || baseline) {
        return None;
    }
    let doc: serde_json::Value = serde_json::from_str(text).ok()?;
    let is_slsguard = |v: &serde_json::Value| v.as_str() == Some("slsguard");
    if sarif {
        let runs = doc.get("runs")?.as_array()?;
        return (!runs.is_empty() && runs.iter().all(|r| is_slsguard(&r["tool"]["driver"]["name"])))
            .then_some("SARIF report");
    }
    if report {
        return (is_slsguard(&doc["tool"]["name"]) && doc["schema_version"].is_u64() && doc["findings"].is_array())
            .then_some("JSON report");
    }
    (is_slsguard(&doc["tool"]) && crate::baseline::Baseline::parse("", text).is_ok()).then_some("baseline")
}

fn regexes() -> &'static [Regex; 5] {
    static RE: OnceLock<[Regex; 5]> = OnceLock::new();
    RE.get_or_init(|| {
        let re = |s: &str| Regex::new(s).unwrap_or_else(|e| panic!("report line regex {s}: {e}"));
        [
            // The summary line (text and GitHub formats end with it).
            re(r"^(no findings|\d+ findings? in \d+ files?) \(\d+ critical, \d+ high, \d+ medium, \d+ low\).*; \d+ files? scanned"),
            // A finding: `path:line:col  severity  rule-id  message`.
            re(r"^.+:\d+:\d+  (critical|high|medium|low) *  [a-z][a-z0-9-]*  "),
            // A snippet or a related location, indented.
            re(r"^    "),
            // A problem.
            re(r"^(error|warning|note): "),
            // A GitHub annotation.
            re(r"^::(error|warning|notice) file=.*::"),
        ]
    })
}

/// Colors, when a text report was written with `--color always`.
fn strip_ansi(line: &str) -> std::borrow::Cow<'_, str> {
    static ANSI: OnceLock<Regex> = OnceLock::new();
    ANSI.get_or_init(|| Regex::new(r"\x1b\[[0-9;]*m").unwrap_or_else(|e| panic!("ANSI regex: {e}")))
        .replace_all(line, "")
}

fn last_line_is_summary(text: &str) -> bool {
    text.lines().rev().find(|l| !l.trim().is_empty()).is_some_and(|l| regexes()[0].is_match(&strip_ansi(l)))
}

/// A text report or GitHub annotations: every line is a report line, the last one the summary.
fn line_report(text: &str) -> Option<&'static str> {
    if !last_line_is_summary(text) {
        return None;
    }
    let re = regexes();
    let mut annotations = false;
    for line in text.lines().map(strip_ansi) {
        if line.trim().is_empty() || re[0].is_match(&line) {
            continue;
        }
        if re[4].is_match(&line) {
            annotations = true;
        } else if !(re[1].is_match(&line) || re[2].is_match(&line) || re[3].is_match(&line)) {
            return None;
        }
    }
    Some(if annotations { "GitHub annotations" } else { "text report" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_are_recognised_by_their_whole_shape() {
        let text = "a.env:2:19  critical  secret-aws-access-key-id  AWS access key ID `AKIA…`\n    KEY=AKIA…\n\nwarning: b.yml:1:1: could not parse\n\n1 finding in 1 file (1 critical, 0 high, 0 medium, 0 low); 2 files scanned\n";
        assert_eq!(own_report(text.as_bytes()), Some("text report"));
        assert_eq!(
            own_report(b"no findings (0 critical, 0 high, 0 medium, 0 low); 0 files scanned\n"),
            Some("text report")
        );
        let gh = "::error file=a.env,line=2,col=19,endLine=2,endColumn=39,title=AWS (x)::AWS `AKIA…` [critical]\n1 finding in 1 file (1 critical, 0 high, 0 medium, 0 low); 1 file scanned\n";
        assert_eq!(own_report(gh.as_bytes()), Some("GitHub annotations"));
        let colored = "\x1b[1ma.env:2:19\x1b[0m  \x1b[1;31mcritical\x1b[0m  \x1b[36msecret-x\x1b[0m  m\n\n\x1b[1m1 finding in 1 file\x1b[0m (1 critical, 0 high, 0 medium, 0 low); 1 file scanned\n";
        assert_eq!(own_report(colored.as_bytes()), Some("text report"));
        // One line that is not a report line, and it is an ordinary file.
        let tampered = format!("AWS_SECRET=hello\n{text}");
        assert_eq!(own_report(tampered.as_bytes()), None);
        assert_eq!(own_report(b"no findings here, just notes\n"), None);
        let json = r#"{"schema_version": 1, "tool": {"name": "slsguard", "version": "0"}, "findings": []}"#;
        assert_eq!(own_report(json.as_bytes()), Some("JSON report"));
        let other = r#"{"schema_version": 1, "tool": {"name": "other"}, "findings": []}"#;
        assert_eq!(own_report(other.as_bytes()), None);
        let sarif = r#"{"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "runs": [{"tool": {"driver": {"name": "slsguard"}}}]}"#;
        assert_eq!(own_report(sarif.as_bytes()), Some("SARIF report"));
        let baseline = "{\n  \"version\": 2,\n  \"tool\": \"slsguard\",\n  \"findings\": []\n}\n";
        assert_eq!(own_report(baseline.as_bytes()), Some("baseline"));
        assert_eq!(own_report(b"{\"Resources\": {}}"), None);
    }
}
