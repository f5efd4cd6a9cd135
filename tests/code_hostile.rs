//! Source files that defeat a parser — nesting thousands of levels deep, a 10 MB minified bundle,
//! invalid UTF-8, a syntax error — are reported (file, line, reason), cost bounded work (size,
//! depth and time limits in `code/`), and the scan goes on: the other files' code findings are
//! still there. (Time is measured in benches/, never here.)

use slsguard::report::Report;
use slsguard::{RuleSet, ScanOptions};
use std::path::Path;

fn scan(dir: &Path) -> Report {
    let rules = RuleSet::builtin().expect("rules load");
    let opts = ScanOptions { paths: vec![dir.to_path_buf()], ..ScanOptions::default() };
    slsguard::scan(&opts, &rules).expect("scan runs")
}

fn notes_about<'r>(report: &'r Report, file: &str) -> Vec<&'r str> {
    report.notifications.iter().filter(|n| n.path.ends_with(file)).map(|n| n.message.as_str()).collect()
}

#[test]
fn files_that_defeat_a_parser_are_reported_and_the_scan_goes_on() {
    let dir = tempfile::tempdir().expect("temp dir");
    let w = |name: &str, bytes: &[u8]| {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, bytes).expect("write");
    };
    w(
        "serverless.yml",
        b"service: s\nprovider:\n  name: aws\n  runtime: nodejs20.x\nfunctions:\n  convert:\n    handler: handler.handler\n",
    );
    w(
        "handler.js",
        b"const { exec } = require('child_process');\nexports.handler = async (event) => {\n  exec(`convert ${event.body}`);\n};\n",
    );
    // 5,000 levels of nesting, one per line (one long line would be taken for minified code).
    let deep = format!("x = {}1{}\n", "(\n".repeat(5000), ")\n".repeat(5000));
    for ext in ["js", "ts", "py", "go", "rs"] {
        w(&format!("deep/deep.{ext}"), deep.as_bytes());
    }
    // A 10 MB minified bundle.
    let mut bundle = String::with_capacity(10_000_100);
    while bundle.len() < 10_000_000 {
        bundle.push_str("var a=function(b){return b+1};");
    }
    w("dist/bundle.js", bundle.as_bytes());
    // Invalid UTF-8 and a syntax error.
    w("bad/bad.rs", b"fn main() {}\n\xff\xfe\n");
    w("bad/broken.py", b"def f(:\n    pass\n");

    let report = scan(dir.path());
    // The scan went on: the handler's finding names its function.
    assert!(
        report.findings.iter().any(|f| f.rule_id == "code-event-injection" && f.message.contains("`convert`")),
        "{:#?}",
        report.findings
    );
    for ext in ["js", "ts", "py", "go", "rs"] {
        let notes = notes_about(&report, &format!("deep.{ext}"));
        assert!(!notes.is_empty(), "deep.{ext} not reported: {:#?}", report.notifications);
    }
    let notes = notes_about(&report, "bundle.js");
    assert!(notes.iter().any(|m| m.contains("over the code analysis limit") && m.contains("minified")), "{notes:?}");
    let notes = notes_about(&report, "bad.rs");
    assert!(notes.iter().any(|m| m.contains("UTF-8")), "{notes:?}");
    assert!(!notes_about(&report, "broken.py").is_empty(), "{:#?}", report.notifications);
}
