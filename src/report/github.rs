//! GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` annotation per
//! finding (critical and high are errors, medium warnings, low notices), one `::warning` per
//! problem, then the text summary line. GitHub shows the annotations on the pull request's
//! diff and in the run summary. Values are escaped as GitHub's toolkit does: `%`, CR and LF
//! everywhere, and also `:` and `,` in properties; other control characters are escaped as in
//! the text report, so no value can end a command, start another or color the log.

use super::Report;
use crate::finding::Severity;
use crate::rules::RuleSet;
use std::io::{self, Write};

/// A command's message.
pub fn escape_data(s: &str) -> String {
    let s = s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A");
    super::escape_controls(&s).into_owned()
}

/// A command's property value (`file=…`, `title=…`).
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn command(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "notice",
    }
}

pub fn write(report: &Report, rules: &RuleSet, out: &mut dyn Write) -> io::Result<()> {
    let shown = report.shown();
    let report: &Report = &shown;
    for f in &report.findings {
        let s = f.location.span;
        // The severity is in the command (error / warning / notice) and the message.
        let title = match rules.get(&f.rule_id) {
            Some(r) => format!("{} ({})", r.spec.title, f.rule_id),
            None => f.rule_id.clone(),
        };
        writeln!(
            out,
            "::{} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            command(f.severity),
            escape_property(&f.location.path),
            s.start.line.max(1),
            s.start.column.max(1),
            s.end.line.max(s.start.line).max(1),
            s.end.column.max(1),
            escape_property(&title),
            escape_data(&format!("{} [{}]", f.message, f.severity)),
        )?;
    }
    for n in report.problems() {
        let mut props = format!("file={}", escape_property(&n.path));
        if let (Some(l), Some(c)) = (n.line, n.column) {
            props.push_str(&format!(",line={l},col={c}"));
        }
        writeln!(
            out,
            "::warning {props},title={}::{}",
            escape_property(&format!("slsguard {}", n.kind)),
            escape_data(&n.message)
        )?;
    }
    writeln!(out, "{}", super::text::summary_line(report))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_the_toolkit() {
        assert_eq!(escape_data("50% done\r\nnext: a,b"), "50%25 done%0D%0Anext: a,b");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
        assert_eq!(escape_data("a\x1b[2Jb"), "a\\x1b[2Jb");
    }
}
