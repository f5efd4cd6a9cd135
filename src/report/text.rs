//! The terminal report: one block per finding (`path:line:col severity rule-id message`, then the
//! redacted line), files in order, problems, then a summary: findings by rule and severity, how
//! to read about a rule (`slsguard explain`), and one line of totals. `--quiet` keeps the
//! summary (and files that could not be read).

use super::{Level, Report, SuppressedBy, escape_controls as clean};
use crate::finding::Severity;
use std::io::{self, Write};

struct Style {
    on: bool,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.on { format!("\x1b[{code}m{s}\x1b[0m") } else { s.to_string() }
    }

    fn severity(&self, s: Severity) -> String {
        let code = match s {
            Severity::Critical => "1;31",
            Severity::High => "31",
            Severity::Medium => "33",
            Severity::Low => "34",
        };
        self.paint(code, &format!("{:<8}", s.as_str()))
    }
}

/// How the text report is drawn.
#[derive(Debug, Clone, Copy, Default)]
pub struct TextOptions {
    /// ANSI colors.
    pub color: bool,
    /// Only the summary (and files that could not be read).
    pub quiet: bool,
}

/// Every string from the scanned files goes through `clean`: a file name or message must not
/// be able to move the cursor, recolor the terminal or fake a line of the report.
pub fn write(report: &Report, out: &mut dyn Write, opts: TextOptions) -> io::Result<()> {
    let shown = report.shown();
    let report: &Report = &shown;
    let st = Style { on: opts.color };
    let mut last_path: Option<&str> = None;
    for f in report.findings.iter().filter(|_| !opts.quiet) {
        if last_path.is_some_and(|p| p != f.location.path) {
            writeln!(out)?;
        }
        last_path = Some(&f.location.path);
        let pos =
            format!("{}:{}:{}", clean(&f.location.path), f.location.span.start.line, f.location.span.start.column);
        writeln!(
            out,
            "{}  {}  {}  {}",
            st.paint("1", &pos),
            st.severity(f.severity),
            st.paint("36", &f.rule_id),
            clean(&f.message)
        )?;
        if !f.snippet.is_empty() {
            writeln!(out, "    {}", st.paint("2", &clean(&f.snippet)))?;
        }
        for (i, r) in f.flow.iter().enumerate() {
            let at =
                format!("{}:{}:{}", clean(&r.location.path), r.location.span.start.line, r.location.span.start.column);
            writeln!(out, "    {} {}: {}", st.paint("2", &format!("{}.", i + 1)), at, clean(&r.message))?;
        }
        for r in &f.related {
            let at =
                format!("{}:{}:{}", clean(&r.location.path), r.location.span.start.line, r.location.span.start.column);
            writeln!(out, "    {} {}: {}", st.paint("2", "note:"), at, clean(&r.message))?;
        }
    }
    let problems: Vec<_> = report.problems().filter(|n| !opts.quiet || n.level == Level::Error).collect();
    if !problems.is_empty() {
        if !report.findings.is_empty() && !opts.quiet {
            writeln!(out)?;
        }
        for n in &problems {
            let label = match n.level {
                Level::Error => st.paint("1;31", "error"),
                Level::Warning => st.paint("1;33", "warning"),
                Level::Note => "note".to_string(),
            };
            let at = match (n.line, n.column) {
                (Some(l), Some(c)) => format!("{}:{l}:{c}", clean(&n.path)),
                _ => clean(&n.path).into_owned(),
            };
            writeln!(out, "{label}: {at}: {}", clean(&n.message))?;
        }
    }
    if (!report.findings.is_empty() && !opts.quiet) || !problems.is_empty() {
        writeln!(out)?;
    }
    by_rule(report, out, &st)?;
    writeln!(out, "{}", summary(report, &st))
}

/// The findings by rule, most severe first, and where to read about a rule.
fn by_rule(report: &Report, out: &mut dyn Write, st: &Style) -> io::Result<()> {
    let mut counts: std::collections::BTreeMap<(std::cmp::Reverse<Severity>, &str), usize> =
        std::collections::BTreeMap::new();
    for f in &report.findings {
        *counts.entry((std::cmp::Reverse(f.severity), f.rule_id.as_str())).or_default() += 1;
    }
    if counts.is_empty() {
        return Ok(());
    }
    let mut rows: Vec<(Severity, &str, usize)> = counts.into_iter().map(|((s, id), n)| (s.0, id, n)).collect();
    // Most severe first; within a severity, the most frequent.
    rows.sort_by(|a, b| b.0.cmp(&a.0).then(b.2.cmp(&a.2)).then(a.1.cmp(b.1)));
    let width = rows.iter().map(|r| r.2.to_string().len()).max().unwrap_or(1);
    writeln!(out, "{}", st.paint("1", "Findings by rule:"))?;
    for (severity, id, n) in &rows {
        writeln!(out, "  {}  {n:>width$}  {}", st.severity(*severity), st.paint("36", id))?;
    }
    writeln!(out, "Read about a rule and how to fix it: slsguard explain {}", rows[0].1)?;
    writeln!(out)
}

/// The last line of the report: findings by severity, suppressed findings, files.
pub fn summary_line(report: &Report) -> String {
    summary(report, &Style { on: false })
}

fn summary(report: &Report, st: &Style) -> String {
    let n = report.findings.len();
    let by: Vec<String> = Severity::ALL.iter().map(|&s| format!("{} {}", report.count(s), s)).collect();
    let files = report.findings.iter().map(|f| &f.location.path).collect::<std::collections::BTreeSet<_>>().len();
    let head = if n == 0 {
        st.paint("1;32", "no findings")
    } else {
        st.paint("1", &format!("{n} finding{} in {files} file{}", plural(n), plural(files)))
    };
    let mut s = format!("{head} ({})", by.join(", "));
    if !report.suppressed.is_empty() {
        let parts: Vec<String> = [
            (SuppressedBy::Comment, "by comment"),
            (SuppressedBy::Resource, "by resource metadata"),
            (SuppressedBy::Baseline, "by baseline"),
        ]
        .iter()
        .map(|&(by, what)| (report.suppressed_by(by), what))
        .filter(|(k, _)| *k > 0)
        .map(|(k, what)| format!("{k} {what}"))
        .collect();
        s.push_str(&format!("; {} suppressed ({})", report.suppressed.len(), parts.join(", ")));
    }
    s.push_str(&format!(
        "; {} file{} scanned",
        report.stats.files_scanned,
        plural(report.stats.files_scanned as usize)
    ));
    if report.stats.files_skipped > 0 {
        s.push_str(&format!(", {} skipped", report.stats.files_skipped));
    }
    let unreadable = report.notifications.iter().filter(|n| n.level == Level::Error).count();
    if unreadable > 0 {
        s.push_str(&format!(", {unreadable} could not be read"));
    }
    if let Some((min, n)) = report.below_min_severity {
        if n > 0 {
            s.push_str(&format!("; {n} below --min-severity {min} not shown"));
        }
    }
    s
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
