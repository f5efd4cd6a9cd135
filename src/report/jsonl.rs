//! JSON Lines: one JSON object per line, for log pipelines and `jq -c`/`while read` loops that
//! process a finding at a time. Every line has a `type`: `finding` (the fields of the JSON
//! report's `findings[]`), `problem` (a file skipped, unreadable or malformed) and, last,
//! `summary`. Lines are written and flushed one by one, in report order (the scan sorts its
//! findings before reporting, so the output is deterministic). Documented in
//! docs/json-output.md.

use super::Report;
use super::json;
use crate::finding::Severity;
use crate::rules::RuleSet;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{self, Write};

#[derive(Serialize)]
struct Line<T: Serialize> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(flatten)]
    body: T,
}

#[derive(Serialize)]
struct Problem<'a> {
    path: &'a str,
    line: Option<u32>,
    column: Option<u32>,
    level: &'a str,
    reason: &'a str,
    message: &'a str,
}

#[derive(Serialize)]
struct Summary {
    findings: usize,
    by_severity: BTreeMap<&'static str, usize>,
    suppressed: usize,
    files_scanned: u64,
    files_skipped: u64,
    below_min_severity: usize,
}

fn line<T: Serialize>(out: &mut dyn Write, kind: &'static str, body: T) -> io::Result<()> {
    serde_json::to_writer(&mut *out, &Line { kind, body }).map_err(io::Error::other)?;
    out.write_all(b"\n")?;
    out.flush()
}

pub fn write(report: &Report, rules: &RuleSet, out: &mut dyn Write) -> io::Result<()> {
    let shown = report.shown();
    let report: &Report = &shown;
    for f in &report.findings {
        line(out, "finding", json::finding(f, rules))?;
    }
    for n in report.problems() {
        let body = Problem {
            path: &n.path,
            line: n.line,
            column: n.column,
            level: n.level.as_str(),
            reason: n.kind,
            message: &n.message,
        };
        line(out, "problem", body)?;
    }
    let summary = Summary {
        findings: report.findings.len(),
        by_severity: Severity::ALL.iter().map(|&s| (s.as_str(), report.count(s))).collect(),
        suppressed: report.suppressed.len(),
        files_scanned: report.stats.files_scanned,
        files_skipped: report.stats.files_skipped,
        below_min_severity: report.below_min_severity.map_or(0, |(_, n)| n),
    };
    line(out, "summary", summary)
}
