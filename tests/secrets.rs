//! The secrets engine across rules: pairs reported once, secrets in encodings, third-party code
//! scanned with high-confidence rules only.

use slsguard::rules::RuleSet;
use slsguard::scan::{DEFAULT_MAX_FILE_SIZE, Input, Scanner};

fn scan(files: &[(&str, &str)]) -> Vec<(String, String, String)> {
    let rules = RuleSet::builtin().expect("built-in rules load").select(&["secret-*".into()], &[]).expect("select");
    let scanner = Scanner::new(&rules, DEFAULT_MAX_FILE_SIZE);
    let inputs: Vec<Input> = files
        .iter()
        .map(|(p, c)| Input::Memory { display: (*p).to_string(), content: c.as_bytes().to_vec() })
        .collect();
    let report = scanner.scan_inputs(&inputs);
    report.findings.into_iter().map(|f| (f.location.path.clone(), f.rule_id.clone(), f.message.clone())).collect()
}

#[test]
fn an_access_key_pair_is_one_finding() {
    let found = scan(&[(
        ".env",
        "AWS_ACCESS_KEY_ID=AKIAUUX7OBHY2S4FYJBM\nAWS_SECRET_ACCESS_KEY=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\n",
    )]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].1, "secret-aws-secret-access-key");
    assert!(found[0].2.contains("with its access key ID `AKIA…` on line 1"), "{}", found[0].2);
    // A key ID alone is still reported.
    let found = scan(&[(".env", "AWS_ACCESS_KEY_ID=AKIAUUX7OBHY2S4FYJBM\n")]);
    assert_eq!(found.iter().map(|f| f.1.as_str()).collect::<Vec<_>>(), ["secret-aws-access-key-id"]);
}

#[test]
fn jwt_claims_are_in_the_message() {
    let found = scan(&[(
        ".env",
        "SUPABASE_KEY=eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZSIsInJlZiI6InF6a3Z0bWN4cm5id3BsZGpoeXNlIiwicm9sZSI6InNlcnZpY2Vfcm9sZSIsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjoyMDE1NTc2MDAwfQ.DVWqyfkrFAZd6-6X_yZl-DcI08WoHmiXWnhREl_Asie\n",
    )]);
    assert!(found.iter().any(|f| f.2.contains("issuer supabase, role service_role, expires 2033-11-14")), "{found:?}");
}

/// Rule descriptions travel in every SARIF report (as rule help): they must not read as secrets,
/// or a report written into the tree would be a finding of its own.
#[test]
fn rule_texts_are_not_secrets() {
    let rules = RuleSet::builtin().expect("built-in rules load");
    let engine = slsguard::secrets::SecretEngine::new(&rules);
    for r in rules.rules() {
        let text = format!("{}\n{}\n{}", r.spec.title, r.spec.description, r.spec.remediation);
        let hits: Vec<&str> =
            engine.scan("help.md", text.as_bytes()).iter().map(|h| engine.rule(h.rule).id()).collect();
        assert!(hits.is_empty(), "{}: its texts match {hits:?}", r.id());
    }
}

/// Issue 8: third-party code committed with an app is scanned with high-confidence provider
/// rules only; the app's own files next to it with every rule.
#[test]
fn vendored_code_is_scanned_with_provider_rules_only() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/secrets/vendored");
    let rules = RuleSet::builtin().expect("built-in rules load").select(&["secret-*".into()], &[]).expect("select");
    let opts = slsguard::scan::ScanOptions { paths: vec![root.clone()], threads: 1, ..Default::default() };
    let report = slsguard::scan::scan(&opts, &rules).expect("scan");
    let found: Vec<String> = report
        .findings
        .iter()
        .map(|f| {
            let p = std::path::Path::new(&f.location.path);
            let rel = p.strip_prefix(&root).unwrap_or(p).to_string_lossy().replace('\\', "/");
            let rel = rel.rsplit_once("testdata/secrets/vendored/").map_or(rel.clone(), |(_, r)| r.to_string());
            format!("{} {}:{}", f.rule_id, rel, f.location.span.start.line)
        })
        .collect();
    assert_eq!(
        found,
        ["secret-generic-assignment orders/app/settings.py:5", "secret-stripe-secret-key orders/handler.py:8"],
        "{found:#?}"
    );
    // The same third-party texts, as the app's own files, are reported.
    let requests = std::fs::read_to_string(root.join("orders/requests/__init__.py")).expect("read");
    let own = scan(&[("orders/lib/client.py", &requests)]);
    assert!(own.iter().any(|f| f.1 == "secret-generic-assignment"), "{own:?}");
}
