//! Hostile manifests against the whole scan: each is a reported per-file error, never an abort,
//! and the rest of the scan goes on (the loaders' own limits are unit-tested in src/loader).

use assert_cmd::Command;

/// A billion laughs after `padding` bytes of comments.
fn alias_bomb(padding: usize) -> String {
    let mut s = String::from("AWSTemplateFormatVersion: \"2010-09-09\"\n");
    while s.len() < padding {
        s.push_str("# padding padding padding padding padding padding padding padding padding\n");
    }
    s.push_str("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let p = i - 1;
        s.push_str(&format!("a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"));
    }
    s
}

#[test]
fn two_alias_bombs_at_once_are_reported_and_the_scan_goes_on() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bomb = alias_bomb(3 << 20);
    std::fs::write(dir.path().join("one.template.yaml"), &bomb).expect("write");
    std::fs::write(dir.path().join("two.template.yaml"), &bomb).expect("write");
    std::fs::write(
        dir.path().join("policy.json"),
        r#"{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#,
    )
    .expect("write");
    let out = Command::cargo_bin("slsguard")
        .expect("binary built")
        .args(["scan", "--format", "json", "-j", "2", "--no-config"])
        .arg(dir.path())
        .output()
        .expect("slsguard runs");
    assert_eq!(out.status.code(), Some(2), "unreadable manifests fail the default gate");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("the report is written");
    let errors = report["errors"].as_array().expect("errors");
    for name in ["one.template.yaml", "two.template.yaml"] {
        let e = errors.iter().find(|e| e["path"].as_str().is_some_and(|p| p.ends_with(name)));
        let e = e.unwrap_or_else(|| panic!("{name} not reported: {errors:?}"));
        assert_eq!(e["reason"], "parse-error");
        assert!(e["message"].as_str().is_some_and(|m| m.contains("alias bomb")), "{e}");
    }
    let findings = report["findings"].as_array().expect("findings");
    assert!(findings.iter().any(|f| f["rule_id"] == "iam-wildcard-action"), "{findings:?}");
}
