//! GitLab's SAST report (`gl-sast-report.json`, security report schema 15.0.7), so that
//! findings show in merge requests, pipeline security tabs and the vulnerability report. Checked
//! against the schema in tests/gitlab_sast.rs (the schema is vendored as test data).
//!
//! Open findings only: GitLab keeps its own record of dismissed vulnerabilities, and a finding
//! slsguard's baseline or a comment accepted would reappear there as new. Each vulnerability's
//! `id` is a UUID-shaped form of the finding's fingerprint, so it is stable across runs; its
//! primary identifier is the rule (type `slsguard_rule_id`), then its CWEs. A scan that could
//! not read a file says `status: failure`, with the reasons as `messages`.

use super::{Level, Report};
use crate::finding::{Finding, Severity};
use crate::rules::RuleSet;
use serde_json::{Value, json};
use std::io::{self, Write};
use std::time::SystemTime;

/// The schema version written (`version`); GitLab validates the report against it.
pub const SCHEMA_VERSION: &str = "15.0.7";
const SCHEMA_URL: &str = "https://gitlab.com/gitlab-org/security-products/security-report-schemas/-/raw/v15.0.7/dist/sast-report-format.json";
const NAME_MAX: usize = 255;
const SOLUTION_MAX: usize = 7000;
const DESCRIPTION_MAX: usize = 1 << 20;

/// When the scan started and ended (`scan.start_time`, `scan.end_time`).
#[derive(Debug, Clone, Copy)]
pub struct ScanTimes {
    pub start: SystemTime,
    pub end: SystemTime,
}

/// `yyyy-mm-ddThh:mm:ss` in UTC, the form the schema requires.
pub fn utc(t: SystemTime) -> String {
    let secs = t.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}", rem / 3600, rem % 3600 / 60, rem % 60)
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "Critical",
        Severity::High => "High",
        Severity::Medium => "Medium",
        Severity::Low => "Low",
    }
}

/// At most `max` characters.
fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max { s.to_string() } else { s.chars().take(max - 1).chain(['…']).collect() }
}

/// The fingerprint (hex) as a UUID: stable for the finding, unique within the report.
fn uuid(fingerprint: &str) -> String {
    let mut hex: String = fingerprint.chars().filter(char::is_ascii_hexdigit).collect();
    while hex.len() < 32 {
        hex.push('0');
    }
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

fn vulnerability(f: &Finding, rules: &RuleSet) -> Value {
    let rule = rules.get(&f.rule_id);
    let help = format!("{}/blob/main/docs/rules/{}.md", super::sarif::INFORMATION_URI, f.rule_id);
    let mut identifiers = vec![json!({
        "type": "slsguard_rule_id",
        "name": format!("slsguard {}", f.rule_id),
        "value": f.rule_id,
        "url": help,
    })];
    let mut links = vec![json!({"name": format!("slsguard explain {}", f.rule_id), "url": help})];
    if let Some(r) = rule {
        for reference in &r.spec.references {
            if let Some(n) = super::sarif::cwe_number(reference) {
                identifiers.push(json!({
                    "type": "cwe",
                    "name": format!("CWE-{n}"),
                    "value": n.to_string(),
                    "url": format!("https://cwe.mitre.org/data/definitions/{n}.html"),
                }));
            } else if reference.starts_with("https://") || reference.starts_with("http://") {
                links.push(json!({"url": reference}));
            }
        }
    }
    let title = rule.map_or(f.rule_id.as_str(), |r| r.spec.title.as_str());
    let mut description = f.message.clone();
    if let Some(r) = rule {
        description.push_str("\n\n");
        description.push_str(r.spec.description.trim());
    }
    for r in &f.related {
        description.push_str(&format!("\n\n{}:{}: {}", r.location.path, r.location.span.start.line, r.message));
    }
    let mut v = json!({
        "id": uuid(&f.fingerprint),
        "name": cut(title, NAME_MAX),
        "description": cut(&description, DESCRIPTION_MAX),
        "severity": severity(f.severity),
        "identifiers": identifiers,
        "links": links,
        "location": {
            "file": f.location.path,
            "start_line": f.location.span.start.line.max(1),
            "end_line": f.location.span.end.line.max(f.location.span.start.line).max(1),
        },
    });
    if let Some(r) = rule {
        v["solution"] = json!(cut(&crate::docs::plain_text(&r.spec.remediation), SOLUTION_MAX));
    }
    if !f.snippet.is_empty() {
        v["raw_source_code_extract"] = json!(f.snippet);
    }
    v
}

pub fn build(report: &Report, rules: &RuleSet, times: ScanTimes) -> Value {
    let shown = report.shown();
    let report: &Report = &shown;
    let tool = json!({
        "id": "slsguard",
        "name": "slsguard",
        "version": env!("CARGO_PKG_VERSION"),
        "vendor": {"name": "slsguard"},
        "url": super::sarif::INFORMATION_URI,
    });
    let messages: Vec<Value> = report
        .problems()
        .map(|n| {
            let level = if n.level == Level::Error { "fatal" } else { "warn" };
            let at = match n.line {
                Some(l) => format!("{}:{l}", n.path),
                None => n.path.clone(),
            };
            json!({"level": level, "value": format!("{at}: {}", n.message)})
        })
        .collect();
    let mut scan = json!({
        "analyzer": tool,
        "scanner": tool,
        "type": "sast",
        "start_time": utc(times.start),
        "end_time": utc(times.end),
        "status": if report.incomplete() { "failure" } else { "success" },
    });
    if !messages.is_empty() {
        scan["messages"] = json!(messages);
    }
    json!({
        "version": SCHEMA_VERSION,
        "schema": SCHEMA_URL,
        "scan": scan,
        "vulnerabilities": report.findings.iter().map(|f| vulnerability(f, rules)).collect::<Vec<_>>(),
    })
}

pub fn write(report: &Report, rules: &RuleSet, times: ScanTimes, out: &mut dyn Write) -> io::Result<()> {
    // Into a Vec, then written once, as the JSON and SARIF reports are.
    let mut bytes = serde_json::to_vec_pretty(&build(report, rules, times)).map_err(io::Error::other)?;
    bytes.push(b'\n');
    out.write_all(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn times_are_utc_in_the_schema_form() {
        assert_eq!(utc(SystemTime::UNIX_EPOCH), "1970-01-01T00:00:00");
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_709_210_096); // 2024-02-29T12:34:56Z
        assert_eq!(utc(t), "2024-02-29T12:34:56");
    }

    #[test]
    fn ids_are_uuid_shaped() {
        assert_eq!(uuid("0123456789abcdef0123456789abcdef"), "01234567-89ab-cdef-0123-456789abcdef");
    }
}
