//! The code test apps (testdata/code/*): one per language and framework, each with a manifest
//! pointing at its handlers. Each app's findings must be exactly those in its
//! `expected-findings.txt` (`rule-id file:line [functions named]`); every function resolves to
//! its code; every code rule fires in every app, and never in a safe twin (a file or directory
//! whose name says `safe`); a finding in a handler's imported helper names the function.
//! `UPDATE_EXPECTED=1` rewrites the files; the diff is then the thing to review.

use slsguard::model::Code;
use slsguard::{RuleSet, ScanOptions};
use std::path::{Path, PathBuf};

const CODE_RULES: [&str; 3] = ["code-event-injection", "code-tls-verification-disabled", "code-verbose-error"];

fn apps() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/code");
    let mut out: Vec<PathBuf> =
        std::fs::read_dir(root).expect("testdata/code").flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
    out.sort();
    out
}

fn report(app: &Path) -> slsguard::report::Report {
    let rules = RuleSet::builtin().expect("rules load");
    let opts = ScanOptions { paths: vec![app.to_path_buf()], ..ScanOptions::default() };
    slsguard::scan(&opts, &rules).expect("scan runs")
}

fn prefix(app: &Path) -> String {
    format!("{}/", slsguard::discover::display_path(app, std::env::current_dir().ok().as_deref()))
}

/// The functions a finding names (its related locations "function `x` runs this code").
fn functions(f: &slsguard::finding::Finding) -> Vec<String> {
    let mut names: Vec<String> = f
        .related
        .iter()
        .filter_map(|r| r.message.strip_prefix("function `")?.strip_suffix("` runs this code").map(str::to_string))
        .collect();
    names.sort();
    names.dedup();
    names
}

fn lines(app: &Path, report: &slsguard::report::Report) -> Vec<String> {
    let prefix = prefix(app);
    let mut lines: Vec<String> = report
        .findings
        .iter()
        .map(|f| {
            let path = f.location.path.strip_prefix(&prefix).unwrap_or(&f.location.path);
            let fns = functions(f);
            let named = if fns.is_empty() { String::new() } else { format!(" [{}]", fns.join(", ")) };
            format!("{} {}:{}{}", f.rule_id, path, f.location.span.start.line, named)
        })
        .collect();
    lines.sort();
    lines.dedup();
    lines
}

#[test]
fn code_apps_have_exactly_their_expected_findings() {
    let update = std::env::var_os("UPDATE_EXPECTED").is_some();
    let mut failures = Vec::new();
    let apps = apps();
    assert!(apps.len() >= 8, "the code apps are missing: {apps:?}");
    for app in apps {
        let got = lines(&app, &report(&app));
        let file = app.join("expected-findings.txt");
        let text = got.iter().map(|l| format!("{l}\n")).collect::<String>();
        if update {
            std::fs::write(&file, &text).expect("write expected findings");
            continue;
        }
        let want = std::fs::read_to_string(&file).unwrap_or_default();
        if want != text {
            failures.push(format!("{}:\n--- expected\n{want}--- got\n{text}", app.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_function_of_the_code_apps_resolves_to_its_code() {
    for app in apps() {
        let report = report(&app);
        assert!(!report.functions.is_empty(), "{}: no functions", app.display());
        for f in &report.functions {
            match &f.code {
                Code::Found(link) => {
                    assert!(link.line > 0, "{}: {} has no handler line: {link:?}", app.display(), f.name);
                    assert!(link.files.contains(&link.file), "{}: {}: {link:?}", app.display(), f.name);
                }
                other => panic!("{}: function {} is not linked: {other:?}", app.display(), f.name),
            }
        }
    }
}

#[test]
fn every_code_rule_fires_in_every_app_and_never_in_a_safe_twin() {
    for app in apps() {
        let report = report(&app);
        let prefix = prefix(&app);
        for rule in CODE_RULES {
            assert!(report.findings.iter().any(|f| f.rule_id == rule), "{}: {rule} does not fire", app.display());
        }
        // A literal assigned to a secret-named variable is judged by the secret rules.
        assert!(
            report.findings.iter().any(|f| f.rule_id.starts_with("secret-") && !f.location.path.contains("safe")),
            "{}: no secret literal found",
            app.display()
        );
        for f in &report.findings {
            let path = f.location.path.strip_prefix(&prefix).unwrap_or(&f.location.path);
            let in_code = f.rule_id.starts_with("code-") || f.rule_id.starts_with("secret-");
            assert!(!(in_code && path.contains("safe")), "{}: a safe twin has {} at {path}", app.display(), f.rule_id);
        }
    }
}

#[test]
fn a_finding_in_an_imported_helper_names_the_function() {
    for app in apps() {
        let report = report(&app);
        let handlers: Vec<&str> = report
            .functions
            .iter()
            .filter_map(|f| match &f.code {
                Code::Found(link) => Some(link.file.as_str()),
                _ => None,
            })
            .collect();
        let helper = report.findings.iter().find(|f| {
            f.rule_id == "code-event-injection"
                && !handlers.contains(&f.location.path.as_str())
                && !functions(f).is_empty()
        });
        assert!(helper.is_some(), "{}: no injection finding in a helper that names its function", app.display());
    }
}
