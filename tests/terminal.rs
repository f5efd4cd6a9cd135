//! The text report and the process edge: the summary by rule, --quiet, --min-severity, --sort,
//! colors (NO_COLOR, FORCE_COLOR), standard input, and exit codes when something could not be
//! read or written or the reader went away.

use assert_cmd::Command;
use std::io::Read;
use std::path::Path;
use std::process::Stdio;

struct Run {
    stdout: String,
    stderr: String,
    code: i32,
}

fn run(args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Run {
    let mut cmd = Command::cargo_bin("slsguard").expect("binary built");
    cmd.current_dir(env!("CARGO_MANIFEST_DIR")).env("CI", "true").env_remove("NO_COLOR").env_remove("FORCE_COLOR");
    for (k, v) in env {
        cmd.env(k, v);
    }
    if let Some(input) = stdin {
        cmd.write_stdin(input);
    }
    let out = cmd.args(args).output().expect("slsguard runs");
    Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code().unwrap_or(-1),
    }
}

/// The demo app's open findings: how many, and how many at or above high.
fn demo_findings() -> (usize, usize) {
    let r = run(&["scan", "--format", "json", "testdata/demo-app"], &[], None);
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    let all = doc["findings"].as_array().expect("findings");
    (all.len(), all.iter().filter(|f| f["severity"] == "critical" || f["severity"] == "high").count())
}

fn finding_lines(out: &str) -> Vec<&str> {
    out.lines().filter(|l| l.starts_with("testdata/") && l.contains("  ")).collect()
}

#[test]
fn the_text_report_ends_with_a_summary_by_rule_and_a_pointer_to_explain() {
    let r = run(&["scan", "testdata/demo-app"], &[], None);
    assert_eq!(r.code, 1);
    let tail: Vec<&str> = r.stdout.lines().rev().take(16).collect();
    assert!(r.stdout.contains("Findings by rule:\n  critical  "), "{}", r.stdout);
    assert!(r.stdout.contains("\n  critical  1  iam-wildcard-action\n"), "{}", r.stdout);
    // The provider-level runtime is one finding, its functions related locations.
    assert!(r.stdout.contains("  low       1  config-deprecated-runtime\n"), "{}", r.stdout);
    assert!(tail.iter().any(|l| l.starts_with("Read about a rule and how to fix it: slsguard explain ")));
    assert!(tail[0].starts_with(&format!("{} findings in 5 files", demo_findings().0)), "{}", tail[0]);
}

#[test]
fn quiet_prints_only_the_summary() {
    let r = run(&["scan", "--quiet", "testdata/demo-app"], &[], None);
    assert_eq!(r.code, 1);
    assert!(finding_lines(&r.stdout).is_empty(), "{}", r.stdout);
    assert!(r.stdout.starts_with("Findings by rule:\n"), "{}", r.stdout);
    assert!(r.stdout.trim_end().ends_with("8 files scanned"), "{}", r.stdout);
}

#[test]
fn min_severity_filters_what_is_shown_not_the_gate() {
    let r =
        run(&["scan", "--min-severity", "critical", "--fail-on", "low", "testdata/gate/least-privilege"], &[], None);
    assert_eq!(r.code, 1, "the low finding still fails --fail-on low");
    assert!(finding_lines(&r.stdout).is_empty(), "{}", r.stdout);
    assert!(r.stdout.contains("1 below --min-severity critical not shown"), "{}", r.stdout);
    let r = run(&["scan", "--min-severity", "high", "--format", "json", "testdata/demo-app"], &[], None);
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    assert_eq!(doc["summary"]["findings"], demo_findings().1);
}

#[test]
fn sort_by_severity_puts_the_most_severe_first() {
    let r = run(&["scan", "--sort", "severity", "testdata/demo-app"], &[], None);
    let severities: Vec<&str> = finding_lines(&r.stdout).iter().filter_map(|l| l.split_whitespace().nth(1)).collect();
    assert_eq!(severities.len(), demo_findings().0);
    let rank = |s: &str| ["critical", "high", "medium", "low"].iter().position(|x| *x == s).expect("a severity");
    assert!(severities.windows(2).all(|w| rank(w[0]) <= rank(w[1])), "{severities:?}");
}

#[test]
fn force_color_colors_and_no_color_wins() {
    let r = run(&["scan", "testdata/demo-app"], &[("FORCE_COLOR", "1")], None);
    assert!(r.stdout.contains("\x1b["), "FORCE_COLOR colors a pipe");
    let r = run(&["scan", "testdata/demo-app"], &[("FORCE_COLOR", "1"), ("NO_COLOR", "1")], None);
    assert!(!r.stdout.contains("\x1b["), "NO_COLOR wins");
    let r = run(&["scan", "--color", "never", "testdata/demo-app"], &[("FORCE_COLOR", "1")], None);
    assert!(!r.stdout.contains("\x1b["), "the flag wins");
}

#[test]
fn standard_input_is_scanned_as_the_file_it_is_named() {
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/demo-app/serverless.yml"))
            .expect("fixture");
    let r = run(&["scan", "-", "--stdin-filename", "serverless.yml"], &[], Some(&manifest));
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("serverless.yml:17:11  critical  iam-wildcard-action"), "{}", r.stdout);
    // Without a name it is text: secrets only.
    let r = run(&["scan", "-"], &[], Some(&manifest));
    assert!(r.stdout.contains("<stdin>:11:28  critical  secret-aws-secret-access-key"), "{}", r.stdout);
    assert!(!r.stdout.contains("iam-wildcard-action"), "{}", r.stdout);
    let r = run(&["scan", "--stdin-filename", "x.yml", "testdata/demo-app"], &[], None);
    assert_eq!(r.code, 2, "{}", r.stderr);
}

#[test]
fn an_unwritable_output_never_exits_0() {
    let r = run(
        // A missing directory is created; one that is a file cannot be, even as root.
        &["scan", "--format", "sarif", "--output", "README.md/out.sarif", "testdata/gate/least-privilege"],
        &[],
        None,
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("could not create README.md"), "{}", r.stderr);
}

/// `/proc/self/mem` is a regular file that cannot be read from its start (EIO), even as root.
#[cfg(target_os = "linux")]
#[test]
fn an_unreadable_file_never_exits_0_whatever_the_format() {
    for format in ["text", "json", "sarif", "github", "gitlab-sast", "junit", "jsonl"] {
        let r = run(&["scan", "--format", format, "/proc/self/mem"], &[], None);
        assert_eq!(r.code, 2, "{format}: {}", r.stderr);
        assert!(r.stderr.contains("could not read what it was asked to scan: /proc/self/mem"), "{}", r.stderr);
        if format == "sarif" {
            let doc: serde_json::Value = serde_json::from_str(&r.stdout).expect("SARIF");
            assert_eq!(doc["runs"][0]["invocations"][0]["executionSuccessful"], false);
        }
        if format == "gitlab-sast" {
            let doc: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
            assert_eq!(doc["scan"]["status"], "failure");
        }
    }
}

#[test]
fn a_closed_pipe_ends_quietly_with_the_sigpipe_status() {
    // Output well beyond any pipe buffer, so the writer is still writing when the reader leaves.
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("keys.env"), "AWS_ACCESS_KEY_ID=AKIAQ2MTX7WPLZK4RDHB\n".repeat(4000))
        .expect("write");
    let bin = assert_cmd::cargo::cargo_bin("slsguard");
    let mut child = std::process::Command::new(bin)
        .current_dir(dir.path())
        .env("CI", "true")
        .args(["scan", "--format", "jsonl", "."])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("slsguard starts");
    // Read one line, then go away, as `| head -1` does.
    let mut stdout = child.stdout.take().expect("stdout");
    let mut first = [0u8; 1];
    stdout.read_exact(&mut first).expect("some output");
    drop(stdout);
    let out = child.wait_with_output().expect("slsguard ends");
    assert_eq!(out.status.code(), Some(141));
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn explain_renders_the_rule_page_for_a_terminal_or_as_markdown() {
    let text = run(&["explain", "iam-wildcard-action"], &[], None);
    assert_eq!(text.code, 0, "{}", text.stderr);
    let mut lines = text.stdout.lines();
    assert_eq!(lines.next(), Some("iam-wildcard-action: Policy allows every action"));
    assert!(lines.next().is_some_and(|l| !l.is_empty() && l.chars().all(|c| c == '=')));
    assert!(!text.stdout.contains("```") && !text.stdout.lines().any(|l| l.starts_with('#')), "{}", text.stdout);
    assert!(text.stdout.contains("\nRemediation\n-----------\n"), "{}", text.stdout);
    let colored = run(&["explain", "iam-wildcard-action"], &[("FORCE_COLOR", "1")], None);
    assert!(colored.stdout.starts_with("\x1b[1miam-wildcard-action"), "{}", colored.stdout);
    let md = run(&["explain", "iam-wildcard-action", "--markdown"], &[("FORCE_COLOR", "1")], None);
    assert!(md.stdout.starts_with("# iam-wildcard-action: ") && !md.stdout.contains('\x1b'), "{}", md.stdout);
}

#[test]
fn completions_and_man_pages_come_from_the_command_line_definitions() {
    for (shell, marker) in [("bash", "_slsguard()"), ("zsh", "#compdef slsguard"), ("fish", "complete -c slsguard")] {
        let r = run(&["completions", shell], &[], None);
        assert_eq!(r.code, 0, "{shell}: {}", r.stderr);
        assert!(r.stdout.contains(marker), "{shell}: {}", r.stdout);
        assert!(r.stdout.contains("fail-on") && r.stdout.contains("min-severity"), "{shell} completes scan's flags");
    }
    assert_eq!(run(&["completions", "tcsh"], &[], None).code, 2);
    let top = run(&["man"], &[], None);
    assert_eq!(top.code, 0, "{}", top.stderr);
    assert!(top.stdout.contains(".TH slsguard 1") && top.stdout.contains(".SH SUBCOMMANDS"), "{}", top.stdout);
    let scan = run(&["man", "scan"], &[], None);
    assert!(scan.stdout.contains(".TH slsguard-scan 1") && scan.stdout.contains(r"\-\-fail\-on"), "{}", scan.stdout);
    let bad = run(&["man", "help"], &[], None);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("no command `help`"), "{}", bad.stderr);
}
