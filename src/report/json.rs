//! The JSON report. Its schema is documented in docs/json-output.md and versioned by
//! `schema_version`; fields are only ever added.

use super::{Report, Suppressed, SuppressionKind};
use crate::finding::{Finding, Severity};
use crate::rules::RuleSet;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{self, Write};

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Doc<'a> {
    schema_version: u32,
    tool: Tool,
    summary: Summary,
    findings: Vec<JsonFinding<'a>>,
    suppressed: Vec<JsonSuppressed<'a>>,
    baseline: Option<JsonBaseline<'a>>,
    skipped: Vec<JsonSkipped<'a>>,
    errors: Vec<JsonError<'a>>,
    functions: Vec<JsonFunction<'a>>,
}

#[derive(Serialize)]
struct JsonFunction<'a> {
    name: &'a str,
    manifest: &'a str,
    line: u32,
    /// The code it is linked to; `null` when it is not known (then `unknown` says why).
    code: Option<JsonCode<'a>>,
    unknown: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonCode<'a> {
    file: &'a str,
    symbol: &'a str,
    language: &'a str,
    line: u32,
    files: &'a [String],
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Summary {
    files_scanned: u64,
    files_skipped: u64,
    bytes_scanned: u64,
    findings: usize,
    by_severity: BTreeMap<&'static str, usize>,
    suppressed: usize,
}

#[derive(Serialize)]
struct JsonSuppressed<'a> {
    #[serde(flatten)]
    finding: JsonFinding<'a>,
    suppression: JsonSuppression<'a>,
}

#[derive(Serialize)]
struct JsonSuppression<'a> {
    /// SARIF's kind: `inSource` or `external`.
    kind: SuppressionKind,
    /// `comment`, `resource` or `baseline`.
    by: &'static str,
    justification: &'a str,
    path: Option<&'a str>,
    line: Option<u32>,
    column: Option<u32>,
}

#[derive(Serialize)]
struct JsonBaseline<'a> {
    file: &'a str,
    hidden: usize,
    stale: usize,
}

#[derive(Serialize)]
pub(super) struct JsonFinding<'a> {
    rule_id: &'a str,
    severity: Severity,
    title: &'a str,
    message: &'a str,
    path: &'a str,
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
    snippet: &'a str,
    fingerprint: &'a str,
    related: Vec<JsonRelated<'a>>,
    /// For data-flow findings, the path from source to sink (empty otherwise).
    flow: Vec<JsonRelated<'a>>,
}

#[derive(Serialize)]
struct JsonRelated<'a> {
    path: &'a str,
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonSkipped<'a> {
    path: &'a str,
    reason: &'a str,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonError<'a> {
    path: &'a str,
    line: Option<u32>,
    column: Option<u32>,
    level: &'a str,
    reason: &'a str,
    message: &'a str,
}

fn suppressed<'a>(s: &'a Suppressed, rules: &'a RuleSet) -> JsonSuppressed<'a> {
    let at = s.suppression.location.as_ref();
    JsonSuppressed {
        finding: finding(&s.finding, rules),
        suppression: JsonSuppression {
            kind: s.suppression.by.kind(),
            by: s.suppression.by.as_str(),
            justification: &s.suppression.justification,
            path: at.map(|l| l.path.as_str()),
            line: at.map(|l| l.span.start.line),
            column: at.map(|l| l.span.start.column),
        },
    }
}

pub(super) fn finding<'a>(f: &'a Finding, rules: &'a RuleSet) -> JsonFinding<'a> {
    let s = f.location.span;
    JsonFinding {
        rule_id: &f.rule_id,
        severity: f.severity,
        title: rules.get(&f.rule_id).map_or("", |r| r.spec.title.as_str()),
        message: &f.message,
        path: &f.location.path,
        start_line: s.start.line,
        start_column: s.start.column,
        end_line: s.end.line,
        end_column: s.end.column,
        snippet: &f.snippet,
        fingerprint: &f.fingerprint,
        related: f
            .related
            .iter()
            .map(|r| JsonRelated {
                path: &r.location.path,
                start_line: r.location.span.start.line,
                start_column: r.location.span.start.column,
                end_line: r.location.span.end.line,
                end_column: r.location.span.end.column,
                message: &r.message,
            })
            .collect(),
        flow: f
            .flow
            .iter()
            .map(|r| JsonRelated {
                path: &r.location.path,
                start_line: r.location.span.start.line,
                start_column: r.location.span.start.column,
                end_line: r.location.span.end.line,
                end_column: r.location.span.end.column,
                message: &r.message,
            })
            .collect(),
    }
}

pub fn write(report: &Report, rules: &RuleSet, out: &mut dyn Write) -> io::Result<()> {
    let shown = report.shown();
    let report: &Report = &shown;
    let doc = Doc {
        schema_version: SCHEMA_VERSION,
        tool: Tool { name: "slsguard", version: env!("CARGO_PKG_VERSION") },
        summary: Summary {
            files_scanned: report.stats.files_scanned,
            files_skipped: report.stats.files_skipped,
            bytes_scanned: report.stats.bytes_scanned,
            findings: report.findings.len(),
            by_severity: Severity::ALL.iter().map(|&s| (s.as_str(), report.count(s))).collect(),
            suppressed: report.suppressed.len(),
        },
        // Serialized side by side below, then put in the place of this empty list.
        findings: Vec::new(),
        suppressed: report.suppressed.iter().map(|s| suppressed(s, rules)).collect(),
        baseline: report.baseline.as_ref().map(|b| JsonBaseline { file: &b.file, hidden: b.hidden, stale: b.stale }),
        skipped: report
            .notifications
            .iter()
            .filter(|n| n.skipped)
            .map(|n| JsonSkipped { path: &n.path, reason: n.kind, message: &n.message })
            .collect(),
        errors: report
            .notifications
            .iter()
            .filter(|n| !n.skipped)
            .map(|n| JsonError {
                path: &n.path,
                line: n.line,
                column: n.column,
                level: n.level.as_str(),
                reason: n.kind,
                message: &n.message,
            })
            .collect(),
        functions: report
            .functions
            .iter()
            .map(|f| {
                let (code, unknown) = match &f.code {
                    crate::model::Code::Found(c) => (
                        Some(JsonCode {
                            file: &c.file,
                            symbol: &c.symbol,
                            language: &c.language,
                            line: c.line,
                            files: &c.files,
                        }),
                        None,
                    ),
                    crate::model::Code::Unknown(why) => (None, Some(why.as_str())),
                    crate::model::Code::NotAnalysed => (None, Some("code rules did not run")),
                };
                JsonFunction { name: &f.name, manifest: &f.manifest, line: f.line, code, unknown }
            })
            .collect(),
    };
    // Into a Vec (as the SARIF report is): through `dyn Write`, each of serde's many small
    // writes was a call that could not be inlined.
    let bytes = serde_json::to_vec_pretty(&doc).map_err(io::Error::other)?;
    // The fields before `findings` hold no text of the scan: the first such key is the list's.
    let empty = b"\n  \"findings\": []";
    let at = bytes.windows(empty.len()).position(|w| w == empty).ok_or_else(|| io::Error::other("no findings key"))?;
    let cut = at + empty.len() - 2;
    out.write_all(&bytes[..cut])?;
    write_findings(&report.findings, rules, out)?;
    out.write_all(&bytes[cut + 2..])?;
    out.write_all(b"\n")
}

/// Writes the `findings` list as [`serde_json::to_vec_pretty`] writes it at the document's
/// second level, serialized in pieces side by side: thousands of findings were a sequential
/// tail after a parallel scan. Each piece is a document `{"findings": [...]}` of its own (so the
/// formatter indents the findings as the whole document would), cut to its list's items.
fn write_findings(findings: &[Finding], rules: &RuleSet, out: &mut dyn Write) -> io::Result<()> {
    use rayon::prelude::*;
    #[derive(Serialize)]
    struct Piece<'a> {
        findings: Vec<JsonFinding<'a>>,
    }
    const HEAD: &[u8] = b"{\n  \"findings\": [";
    const TAIL: &[u8] = b"\n  ]\n}";
    if findings.is_empty() {
        return out.write_all(b"[]");
    }
    let pieces: Vec<Vec<u8>> = findings
        .par_chunks(64)
        .map(|chunk| {
            let piece = Piece { findings: chunk.iter().map(|f| finding(f, rules)).collect() };
            serde_json::to_vec_pretty(&piece).map_err(io::Error::other)
        })
        .collect::<io::Result<_>>()?;
    out.write_all(b"[")?;
    for (i, piece) in pieces.iter().enumerate() {
        let items = piece
            .strip_prefix(HEAD)
            .and_then(|p| p.strip_suffix(TAIL))
            .ok_or_else(|| io::Error::other("unexpected JSON layout"))?;
        if i > 0 {
            out.write_all(b",")?;
        }
        out.write_all(items)?;
    }
    out.write_all(b"\n  ]")
}
