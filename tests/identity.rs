//! Finding identity: two different findings never share a fingerprint, so a baseline entry
//! (or a code-scanning alert) accepted for one cannot hide another.

use assert_cmd::Command;
use std::collections::BTreeSet;
use std::path::Path;

fn scan_json(dir: &Path, args: &[&str]) -> (serde_json::Value, i32) {
    let out = Command::cargo_bin("slsguard")
        .expect("binary built")
        .current_dir(dir)
        .env("CI", "true")
        .args(["scan", "--format", "json"])
        .args(args)
        .output()
        .expect("slsguard runs");
    let doc = serde_json::from_slice(&out.stdout).expect("JSON report");
    (doc, out.status.code().unwrap_or(-1))
}

fn open(doc: &serde_json::Value, rule: &str) -> Vec<String> {
    doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule_id"] == rule)
        .map(|f| f["message"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Two public function URLs, the same leaked key twice in one file, two identical statements:
/// every finding has its own fingerprint.
const SERVERLESS: &str = "service: urls
provider:
  name: aws
  runtime: nodejs22.x
  iam:
    role:
      statements:
        - Effect: Allow
          Action: '*'
          Resource: '*'
        - Effect: Allow
          Action: '*'
          Resource: '*'
functions:
  a:
    handler: a.handler
    url: true
  b:
    handler: b.handler
    url: true
";

const ENV: &str = "AWS_ACCESS_KEY_ID=AKIAQ2MTX7WPLZK4RDHB\nBACKUP_KEY_ID=AKIAQ2MTX7WPLZK4RDHB\n";

#[test]
fn no_two_findings_share_a_fingerprint() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("serverless.yml"), SERVERLESS).expect("write");
    std::fs::write(dir.path().join(".env"), ENV).expect("write");
    let (doc, _) = scan_json(dir.path(), &[]);
    let findings = doc["findings"].as_array().expect("findings");
    let fps: BTreeSet<&str> = findings.iter().map(|f| f["fingerprint"].as_str().expect("fingerprint")).collect();
    assert_eq!(fps.len(), findings.len(), "{findings:#?}");
    assert_eq!(open(&doc, "auth-function-url-public").len(), 2);
    assert_eq!(open(&doc, "secret-aws-access-key-id").len(), 2);
    assert_eq!(open(&doc, "iam-wildcard-action").len(), 2);
}

#[test]
fn a_baseline_entry_for_one_function_url_does_not_hide_another() {
    let dir = tempfile::tempdir().expect("temp dir");
    let one = SERVERLESS.replace("  b:\n    handler: b.handler\n    url: true\n", "");
    std::fs::write(dir.path().join("serverless.yml"), &one).expect("write");
    let (_, code) = scan_json(dir.path(), &["--write-baseline", "baseline.json"]);
    assert_eq!(code, 0, "everything is in the baseline");
    // A second function with a public URL is a new finding, not the accepted one.
    std::fs::write(dir.path().join("serverless.yml"), SERVERLESS).expect("write");
    let (doc, code) = scan_json(dir.path(), &["--baseline", "baseline.json"]);
    assert_eq!(
        open(&doc, "auth-function-url-public"),
        vec!["the function URL of function `b` has `AuthType: NONE`: anyone with the URL can invoke it"]
    );
    assert_eq!(code, 1);
}
