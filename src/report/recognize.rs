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
    if text.starts_with("{\"type\":\"") {
        return json_lines(text);
    }
    if text.starts_with('{') {
        return json_report(text);
    }
    if text.starts_with("<?xml") {
        return junit_report(text);
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
    let gitlab = head.contains("sast-report-format.json");
    if !(sarif || report || baseline || gitlab) {
        return None;
    }
    let doc: serde_json::Value = serde_json::from_str(text).ok()?;
    let is_slsguard = |v: &serde_json::Value| v.as_str() == Some("slsguard");
    if gitlab {
        return (is_slsguard(&doc["scan"]["scanner"]["id"]) && doc["vulnerabilities"].is_array())
            .then_some("GitLab SAST report");
    }
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

/// JSON Lines: every line an object with a `type` slsguard writes, the last one the summary.
fn json_lines(text: &str) -> Option<&'static str> {
    let mut last = "";
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).ok()?;
        last = match v["type"].as_str() {
            Some("finding") => "finding",
            Some("problem") => "problem",
            Some("summary") if v["by_severity"].is_object() => "summary",
            _ => return None,
        };
    }
    (last == "summary").then_some("JSON Lines report")
}

/// JUnit XML whose root is slsguard's `<testsuites name="slsguard" …>`.
fn junit_report(text: &str) -> Option<&'static str> {
    let body = text.strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")?;
    (body.starts_with("<testsuites name=\"slsguard\" ") && body.trim_end().ends_with("</testsuites>"))
        .then_some("JUnit report")
}

fn regexes() -> &'static [Regex; 8] {
    static RE: OnceLock<[Regex; 8]> = OnceLock::new();
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
            // The summary by rule: its heading, its rows, and the pointer to `slsguard explain`.
            re(r"^Findings by rule:$"),
            re(r"^  (critical|high|medium|low) *  +\d+  [a-z][a-z0-9-]*$"),
            re(r"^Read about a rule and how to fix it: slsguard explain [a-z][a-z0-9-]*$"),
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
    // Without colours, a summary line says "scanned": checked first, as compiling the regexes
    // is most of what a pre-commit run over one small file would spend here.
    let maybe = |l: &str| l.contains("scanned") || l.contains('\x1b');
    text.lines().rev().find(|l| !l.trim().is_empty()).is_some_and(|l| maybe(l) && regexes()[0].is_match(&strip_ansi(l)))
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
        } else if !re[1..].iter().any(|r| r.is_match(&line)) {
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
        let by_rule = "a.env:2:19  critical  secret-x  m\n\nFindings by rule:\n  critical  1  secret-x\nRead about a rule and how to fix it: slsguard explain secret-x\n\n1 finding in 1 file (1 critical, 0 high, 0 medium, 0 low); 1 file scanned\n";
        assert_eq!(own_report(by_rule.as_bytes()), Some("text report"));
        let jsonl = "{\"type\":\"finding\",\"rule_id\":\"x\"}\n{\"type\":\"summary\",\"by_severity\":{}}\n";
        assert_eq!(own_report(jsonl.as_bytes()), Some("JSON Lines report"));
        assert_eq!(own_report(b"{\"type\":\"event\"}\n"), None);
        let junit =
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"slsguard\" tests=\"0\">\n</testsuites>\n";
        assert_eq!(own_report(junit.as_bytes()), Some("JUnit report"));
        let gitlab = r#"{"version": "15.0.7", "schema": "https://x/sast-report-format.json", "scan": {"scanner": {"id": "slsguard"}}, "vulnerabilities": []}"#;
        assert_eq!(own_report(gitlab.as_bytes()), Some("GitLab SAST report"));
    }
}
