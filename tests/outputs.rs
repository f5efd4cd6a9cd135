//! Whole-output properties: snapshots of every format on the demo app, identical bytes for any
//! thread count, and no full secret in any output.

use assert_cmd::Command;
use slsguard::RuleSet;
use slsguard::secrets::SecretEngine;
use std::path::Path;

const FORMATS: [&str; 3] = ["text", "json", "sarif"];
/// Every format, for the properties that hold for all of them.
const ALL_FORMATS: [&str; 7] = ["text", "json", "sarif", "github", "gitlab-sast", "junit", "jsonl"];

fn slsguard(args: &[&str]) -> (Vec<u8>, i32) {
    let out = Command::cargo_bin("slsguard")
        .expect("binary built")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        // Fixed, so snapshots do not depend on this clone's history.
        .env("SLSGUARD_FINGERPRINT_KEY", "slsguard-test-fingerprint-key")
        .args(args)
        .output()
        .expect("slsguard runs");
    (out.stdout, out.status.code().unwrap_or(-1))
}

/// The SARIF's `%SRCROOT%` is the absolute working directory; snapshots must not depend on it.
fn normalize(format: &str, out: Vec<u8>) -> String {
    let text = String::from_utf8(out).expect("output is UTF-8");
    if format == "sarif" {
        let cwd = std::env::current_dir().expect("cwd");
        text.replace(&format!("file://{}/", cwd.display()), "file:///[CWD]/")
    } else {
        text
    }
}

#[test]
fn demo_app_snapshots() {
    for format in FORMATS {
        let (out, code) = slsguard(&["scan", "testdata/demo-app", "--format", format]);
        assert_eq!(code, 1, "the demo app has findings, so the scan fails");
        insta::assert_snapshot!(format!("demo_app_{format}"), normalize(format, out));
    }
}

#[test]
fn output_is_identical_for_any_thread_count() {
    // testdata/ holds deliberately broken manifests: reported, not failing the scan.
    for format in FORMATS {
        let (one, c1) = slsguard(&[
            "scan",
            "testdata",
            "--format",
            format,
            "--fail-on",
            "none",
            "--parse-errors",
            "warn",
            "-j",
            "1",
        ]);
        let (four, c4) = slsguard(&[
            "scan",
            "testdata",
            "--format",
            format,
            "--fail-on",
            "none",
            "--parse-errors",
            "warn",
            "-j",
            "4",
        ]);
        assert_eq!((c1, c4), (0, 0));
        assert!(one == four, "{format} output differs between 1 and 4 threads");
    }
}

/// Every secret the engine finds in testdata/, read straight from the files.
fn planted_secrets() -> Vec<String> {
    let rules = RuleSet::builtin().expect("rules load");
    let engine = SecretEngine::new(&rules);
    let mut secrets = Vec::new();
    for entry in ignore::WalkBuilder::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata")).hidden(false).build()
    {
        let entry = entry.expect("walk testdata");
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let bytes = std::fs::read(entry.path()).expect("read testdata file");
        for hit in engine.scan(&entry.path().to_string_lossy(), &bytes) {
            secrets.push(String::from_utf8_lossy(&bytes[hit.secret]).into_owned());
        }
    }
    secrets.sort();
    secrets.dedup();
    secrets
}

#[test]
fn no_output_contains_a_full_secret() {
    let secrets = planted_secrets();
    assert!(secrets.len() >= 5, "testdata should plant several secrets, found {}", secrets.len());
    for format in ALL_FORMATS {
        let (out, _) =
            slsguard(&["scan", "testdata", "--format", format, "--fail-on", "none", "--parse-errors", "warn"]);
        let text = String::from_utf8_lossy(&out);
        for s in &secrets {
            // Multi-line secrets (private keys) are checked line by line: no line of one may appear.
            for part in s.lines().filter(|l| l.len() >= 8) {
                let head: String = part.chars().take(4).collect();
                assert!(!text.contains(part), "{format} output contains the secret `{head}…`");
            }
            // And no redaction leaks more than 4 characters of a secret in a row beyond its prefix.
            let chars: Vec<char> = s.chars().collect();
            if chars.len() >= 12 {
                let half: String = chars[..chars.len() / 2].iter().collect();
                assert!(!text.contains(&half), "{format} output contains half of a secret");
            }
        }
    }
}

/// Issue 12: a report quoting a redacted secret must not be a finding when scanned again. Every
/// built-in secret rule's `fire` examples, with each secret replaced by what an output shows,
/// give no finding of any rule.
#[test]
fn redacted_forms_never_match_a_rule() {
    let rules = RuleSet::builtin().expect("rules load");
    let engine = SecretEngine::new(&rules);
    let mut checked = 0;
    for rule in rules.rules() {
        for ex in &rule.spec.examples.fire {
            let content = ex.content();
            // A pair's companion value (an access key ID) is redacted with its secret.
            let hits: Vec<_> = engine
                .scan(ex.path(), content.as_bytes())
                .into_iter()
                .flat_map(|h| std::iter::once(h.secret).chain(h.related.map(|(r, _)| r)))
                .collect();
            if hits.is_empty() {
                continue; // a model rule's example
            }
            let redacted = slsguard::finding::redact_ranges(content, hits);
            let again = engine.scan(ex.path(), redacted.as_bytes());
            let found: Vec<&str> = again.iter().map(|h| engine.rule(h.rule).id()).collect();
            assert!(found.is_empty(), "{}: the redacted example matches {found:?}:\n{redacted}", rule.id());
            checked += 1;
        }
    }
    assert!(checked >= 20, "only {checked} secret examples checked");
}
