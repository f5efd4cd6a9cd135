//! JUnit XML for CI test panels (GitLab's unit test report, Jenkins' JUnit plugin, and the many
//! tools that read the same structure): `<testsuites>` holding one `<testsuite>` per rule that
//! ran, named by the rule id. Each open finding is a `<testcase>` (its name the location and
//! message, its classname the rule, with `file` and `line`), a `<failure>` when the finding is
//! at or above `--fail-on`; a suppressed finding is a `<skipped>` test case with the reason; a
//! rule with no finding is one passing test case. Files that could not be read or parsed are
//! `<error>` and `<skipped>` cases of a last suite, `slsguard: files`. Times are 0: a scan
//! does not time its rules, and the output stays deterministic.

use super::{Level, Report};
use crate::finding::{Finding, Severity};
use crate::rules::RuleSet;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

/// Text for XML 1.0 content and attribute values: markup characters escaped, and characters
/// XML 1.0 cannot carry at all (C0 controls but tab, CR and LF; U+FFFE, U+FFFF) written as
/// `\xHH` / `\u{…}` so the file always parses.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            '\u{fffe}' | '\u{ffff}' => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

struct Case {
    name: String,
    classname: String,
    file: Option<String>,
    line: Option<u32>,
    /// The `type` attribute of a failure or error (the severity, the problem's reason).
    kind_type: Option<String>,
    /// `failure`, `error` or `skipped`, with its message and body; none: the case passed.
    outcome: Option<(&'static str, String, String)>,
}

fn finding_case(f: &Finding, fail_on: Option<Severity>, rules: &RuleSet) -> Case {
    let at = format!("{}:{}:{}", f.location.path, f.location.span.start.line, f.location.span.start.column);
    let title = rules.get(&f.rule_id).map_or("", |r| r.spec.title.as_str());
    let mut body = format!("{at}: {} [{}]\n{title}\n", f.message, f.severity);
    if !f.snippet.is_empty() {
        let _ = writeln!(body, "    {}", f.snippet);
    }
    for r in &f.related {
        let _ = writeln!(
            body,
            "note: {}:{}:{}: {}",
            r.location.path, r.location.span.start.line, r.location.span.start.column, r.message
        );
    }
    let _ = write!(body, "slsguard explain {}", f.rule_id);
    let failing = fail_on.is_some_and(|t| f.severity >= t);
    Case {
        name: format!("{at} {}", f.message),
        classname: f.rule_id.clone(),
        file: Some(f.location.path.clone()),
        line: Some(f.location.span.start.line),
        kind_type: Some(f.severity.as_str().to_string()),
        outcome: Some(if failing {
            ("failure", f.message.clone(), body)
        } else {
            // Reported but below the gate: a passing case that still shows the finding.
            ("system-out", String::new(), body)
        }),
    }
}

pub fn write(report: &Report, rules: &RuleSet, fail_on: Option<Severity>, out: &mut dyn Write) -> io::Result<()> {
    let shown = report.shown();
    let report: &Report = &shown;
    let mut suites: BTreeMap<String, Vec<Case>> =
        rules.rules().iter().map(|r| (r.id().to_string(), Vec::new())).collect();
    for f in &report.findings {
        suites.entry(f.rule_id.clone()).or_default().push(finding_case(f, fail_on, rules));
    }
    for s in &report.suppressed {
        let f = &s.finding;
        let mut case = finding_case(f, None, rules);
        let reason = format!("suppressed ({}): {}", s.suppression.by.as_str(), s.suppression.justification);
        case.kind_type = None;
        case.outcome = Some(("skipped", reason, String::new()));
        suites.entry(f.rule_id.clone()).or_default().push(case);
    }
    for (id, cases) in suites.iter_mut() {
        if cases.is_empty() {
            cases.push(Case {
                name: format!("{id}: no findings"),
                classname: id.clone(),
                file: None,
                line: None,
                kind_type: None,
                outcome: None,
            });
        }
    }
    let files: Vec<Case> = report
        .problems()
        .map(|n| {
            let kind = if n.level == Level::Error { "error" } else { "skipped" };
            Case {
                name: format!("{}: {}", n.path, n.kind),
                classname: "slsguard.files".into(),
                file: Some(n.path.clone()),
                line: n.line,
                kind_type: Some(n.kind.to_string()),
                outcome: Some((kind, n.message.clone(), String::new())),
            }
        })
        .collect();
    let mut all: Vec<(String, Vec<Case>)> = suites.into_iter().collect();
    if !files.is_empty() {
        all.push(("slsguard: files".into(), files));
    }
    let count =
        |cases: &[Case], kind: &str| cases.iter().filter(|c| c.outcome.as_ref().is_some_and(|o| o.0 == kind)).count();
    let total: usize = all.iter().map(|(_, c)| c.len()).sum();
    let failures: usize = all.iter().map(|(_, c)| count(c, "failure")).sum();
    let errors: usize = all.iter().map(|(_, c)| count(c, "error")).sum();
    let skipped: usize = all.iter().map(|(_, c)| count(c, "skipped")).sum();
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        xml,
        "<testsuites name=\"slsguard\" tests=\"{total}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\" time=\"0\">"
    );
    for (name, cases) in &all {
        let _ = writeln!(
            xml,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"0\">",
            escape(name),
            cases.len(),
            count(cases, "failure"),
            count(cases, "error"),
            count(cases, "skipped")
        );
        for c in cases {
            let _ = write!(xml, "    <testcase name=\"{}\" classname=\"{}\"", escape(&c.name), escape(&c.classname));
            if let Some(file) = &c.file {
                let _ = write!(xml, " file=\"{}\"", escape(file));
            }
            if let Some(line) = c.line {
                let _ = write!(xml, " line=\"{line}\"");
            }
            xml.push_str(" time=\"0\"");
            match &c.outcome {
                None => xml.push_str("/>\n"),
                Some(("system-out", _, body)) => {
                    let _ = writeln!(xml, ">\n      <system-out>{}</system-out>\n    </testcase>", escape(body));
                }
                Some((kind, message, body)) => {
                    let _ = write!(xml, ">\n      <{kind} message=\"{}\"", escape(message));
                    if let (Some(t), false) = (&c.kind_type, *kind == "skipped") {
                        let _ = write!(xml, " type=\"{}\"", escape(t));
                    }
                    if body.is_empty() {
                        xml.push_str("/>\n");
                    } else {
                        let _ = writeln!(xml, ">{}</{kind}>", escape(body));
                    }
                    xml.push_str("    </testcase>\n");
                }
            }
        }
        xml.push_str("  </testsuite>\n");
    }
    xml.push_str("</testsuites>\n");
    out.write_all(xml.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_keeps_xml_well_formed() {
        assert_eq!(escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
        assert_eq!(escape("x\u{1b}[31m\ty\u{ffff}"), "x\\x1b[31m\ty\\u{ffff}");
    }
}
