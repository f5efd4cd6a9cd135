//! The model test apps (testdata/apps/*, testdata/terraform/*): each app's `iam-`, `auth-` and
//! `config-` findings must be exactly those in its `expected-findings.txt`, least-privilege twins
//! must have none, and every core rule must fire somewhere. `UPDATE_EXPECTED=1` rewrites the
//! files; the diff is then the thing to review.

use slsguard::{RuleSet, ScanOptions};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const FAMILIES: [&str; 3] = ["iam-*", "auth-*", "config-*"];

/// Core rule ids the issues name; each must fire in at least one app.
const CORE: &[&str] = &[
    "iam-wildcard-action",
    "iam-service-wildcard-action",
    "iam-wildcard-resource",
    "iam-not-action",
    "iam-not-resource",
    "iam-privilege-escalation",
    "iam-admin-managed-policy",
    "iam-broad-managed-policy",
    "iam-broad-sam-policy-template",
    "iam-trust-any-principal",
    "iam-cross-account-trust-without-condition",
    "iam-shared-function-role",
    "iam-sensitive-wildcard-resource",
    "iam-unknown-action",
    "auth-http-no-authorizer",
    "auth-api-key-only",
    "auth-function-url-public",
    "auth-lambda-permission-public",
    "auth-lambda-permission-confused-deputy",
    "auth-authorizer-unused",
    "auth-appsync-api-key",
    "auth-azure-anonymous",
    "auth-gcp-public-invoker",
    "config-cors-wildcard",
];

fn apps() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
    let mut out = Vec::new();
    for group in ["apps", "terraform"] {
        let Ok(entries) = std::fs::read_dir(root.join(group)) else { continue };
        for e in entries.flatten() {
            if e.path().is_dir() {
                out.push(e.path());
            }
        }
    }
    out.sort();
    out
}

fn report(app: &Path) -> slsguard::report::Report {
    let rules =
        RuleSet::builtin().expect("rules load").select(&FAMILIES.map(String::from), &[]).expect("families exist");
    let opts = ScanOptions { paths: vec![app.to_path_buf()], ..ScanOptions::default() };
    slsguard::scan(&opts, &rules).expect("scan runs")
}

fn findings(app: &Path) -> Vec<String> {
    let report = report(app);
    let prefix = format!("{}/", slsguard::discover::display_path(app, std::env::current_dir().ok().as_deref()));
    let mut lines: Vec<String> = report
        .findings
        .iter()
        .map(|f| {
            let path = f.location.path.strip_prefix(&prefix).unwrap_or(&f.location.path);
            format!("{} {}:{}", f.rule_id, path, f.location.span.start.line)
        })
        .collect();
    lines.sort();
    lines.dedup();
    lines
}

#[test]
fn apps_have_exactly_their_expected_findings() {
    let update = std::env::var_os("UPDATE_EXPECTED").is_some();
    let mut failures = Vec::new();
    let mut fired = BTreeSet::new();
    let apps = apps();
    assert!(apps.len() >= 8, "expected the test apps under testdata/apps and testdata/terraform");
    for app in apps {
        let got = findings(&app);
        let file = app.join("expected-findings.txt");
        let name = app.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if name.ends_with("least-privilege") || name.ends_with("-protected") {
            assert!(got.is_empty(), "least-privilege twin {name} has findings:\n{}", got.join("\n"));
        }
        fired.extend(got.iter().filter_map(|l| l.split(' ').next().map(str::to_string)));
        let text = if got.is_empty() { String::new() } else { got.join("\n") + "\n" };
        if update {
            std::fs::write(&file, &text).expect("write expectations");
            continue;
        }
        let want = std::fs::read_to_string(&file).unwrap_or_default();
        if want != text {
            let want: BTreeSet<&str> = want.lines().collect();
            let got: BTreeSet<&str> = text.lines().collect();
            let missing: Vec<&&str> = want.difference(&got).collect();
            let extra: Vec<&&str> = got.difference(&want).collect();
            failures.push(format!("{name}: missing {missing:?}, unexpected {extra:?}"));
        }
    }
    assert!(failures.is_empty(), "(UPDATE_EXPECTED=1 rewrites the files)\n{}", failures.join("\n"));
    let silent: Vec<&&str> = CORE.iter().filter(|r| !fired.contains(**r)).collect();
    assert!(silent.is_empty(), "core rules that fire in no app: {silent:?}");
}

/// The IAM judgments say what they judged: a mixed statement names only the actions that can be
/// scoped, a narrowed grant is one severity lower and names its condition, a managed policy's
/// finding names the policy, a scoped `iam:PassRole` names the role it passes, an unknown
/// action gets the real name, and a shared role is reported once per place it is set, with the
/// functions as related locations.
#[test]
fn iam_judgments_say_what_they_judged() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
    let sls = report(&root.join("apps/serverless-iam-judged"));
    let at = |r: &slsguard::report::Report, rule: &str, line: u32| -> slsguard::finding::Finding {
        r.findings
            .iter()
            .find(|f| f.rule_id == rule && f.location.span.start.line == line)
            .cloned()
            .unwrap_or_else(|| panic!("no {rule} at line {line}"))
    };
    let mixed = at(&sls, "iam-wildcard-resource", 37);
    assert!(mixed.message.contains("`sns:Publish`"), "{}", mixed.message);
    assert!(!mixed.message.contains("xray") && !mixed.message.contains("states:"), "{}", mixed.message);
    let narrowed = at(&sls, "iam-wildcard-resource", 46);
    assert_eq!(narrowed.severity, slsguard::finding::Severity::Low);
    assert!(narrowed.message.contains("`dynamodb:LeadingKeys`"), "{}", narrowed.message);
    assert_eq!(at(&sls, "iam-sensitive-wildcard-resource", 46).severity, slsguard::finding::Severity::Medium);
    let managed = at(&sls, "iam-wildcard-resource", 164);
    assert!(
        managed.message.contains("`s3:PutObject`") && managed.message.contains("AWS managed policy `AWSLambdaExecute`")
    );
    assert_eq!(managed.severity, slsguard::finding::Severity::Medium);
    assert!(at(&sls, "iam-privilege-escalation", 149).message.contains("role `AdminJobRole`"));
    assert!(at(&sls, "iam-unknown-action", 79).message.contains("did you mean `bedrock:InvokeModel`?"));

    let sam = report(&root.join("apps/sam-iam-judged"));
    let shared = at(&sam, "iam-shared-function-role", 193);
    assert!(shared.message.contains("`CreateOrderFunction`, `ListOrdersFunction`"), "{}", shared.message);
    assert_eq!(shared.related.len(), 2);
    assert!(at(&sam, "iam-wildcard-resource", 27).message.contains("`lambda:InvokeFunction`"));

    // The Serverless Framework's shared role: once, where the provider sets it.
    let v3 = report(&root.join("apps/serverless-v3"));
    let provider: Vec<_> = v3.findings.iter().filter(|f| f.rule_id == "iam-shared-function-role").collect();
    assert_eq!(provider.len(), 1, "{provider:?}");
    assert_eq!(provider[0].related.len(), 4);
}

/// A runtime set once for the whole service is one finding where it is set, naming every
/// function that runs on it (SARIF `relatedLocations`).
#[test]
fn provider_runtime_is_reported_once_with_its_functions() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
    let r = report(&root.join("apps/serverless-legacy"));
    let runtime: Vec<&slsguard::finding::Finding> =
        r.findings.iter().filter(|f| f.rule_id == "config-deprecated-runtime").collect();
    assert_eq!(runtime.len(), 1, "{runtime:#?}");
    assert_eq!(runtime[0].location.span.start.line, 8, "the provider's runtime line");
    assert_eq!(runtime[0].related.len(), 3, "{:#?}", runtime[0].related);
    assert!(runtime[0].message.contains("`nightly`, `render`, `audit`"), "{}", runtime[0].message);
}

/// A CDK app whose synthesized templates are not scanned gets one notice that its IAM and auth
/// were not checked, and how to get them checked; a synthesized one gets none.
#[test]
fn cdk_app_without_cdk_out_is_told_so_once() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/apps");
    let notices = |app: &str| -> Vec<slsguard::report::Notification> {
        report(&root.join(app)).notifications.into_iter().filter(|n| n.kind == "cdk-not-synthesized").collect()
    };
    let unsynthesized = notices("cdk-unsynthesized");
    assert_eq!(unsynthesized.len(), 1, "{unsynthesized:#?}");
    assert!(unsynthesized[0].path.ends_with("cdk-unsynthesized/cdk.json"));
    assert!(unsynthesized[0].message.contains("IAM and auth were not checked"));
    assert!(unsynthesized[0].message.contains("cdk synth"));
    assert!(notices("cdk-out").is_empty());
}
