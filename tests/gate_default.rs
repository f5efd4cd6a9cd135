//! The default gate (no --fail-on, no configuration): it blocks what a reviewer would block and
//! reports the rest (docs/config.md, "The default gate").

use assert_cmd::Command;

fn scan(dir: &str) -> (String, i32) {
    let out = Command::cargo_bin("slsguard")
        .expect("binary built")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env("CI", "true")
        .args(["scan", "--no-config", dir])
        .output()
        .expect("slsguard runs");
    (String::from_utf8_lossy(&out.stdout).into_owned(), out.status.code().unwrap_or(-1))
}

#[test]
fn a_minimal_least_privilege_service_passes_the_default_gate() {
    let (out, code) = scan("testdata/gate/least-privilege");
    assert_eq!(code, 0, "{out}");
    // Reported, not blocking: the service-wide default role.
    assert!(out.contains("iam-serverless-default-role"), "{out}");
    assert!(!out.contains("  medium  ") && !out.contains("  high  ") && !out.contains("  critical  "), "{out}");
}

#[test]
fn the_demo_app_fails_the_default_gate() {
    let (out, code) = scan("testdata/demo-app");
    assert_eq!(code, 1, "{out}");
}

#[test]
fn a_public_route_or_a_wildcard_fails_the_default_gate() {
    let dir = tempfile::tempdir().expect("temp dir");
    let base = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/gate/least-privilege/serverless.yml"),
    )
    .expect("fixture");
    for (what, changed) in [
        ("no authorizer", base.replace("          authorizer: aws_iam\n", "")),
        ("Action: '*'", base.replace("            - dynamodb:PutItem\n", "            - '*'\n")),
    ] {
        std::fs::write(dir.path().join("serverless.yml"), &changed).expect("write");
        let (out, code) = scan(&dir.path().display().to_string());
        assert_eq!(code, 1, "{what}: {out}");
    }
}
