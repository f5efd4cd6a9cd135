//! The pre-commit and CI gate in real git repositories: `--staged`, `--changed-since`, the
//! baseline, and several reports from one run. Each test builds its own repository in a
//! temporary directory.

use assert_cmd::Command;
use std::path::Path;
use tempfile::TempDir;

/// AWS access key ids of the documented shape (AKIA + 16 of [A-Z2-7]) that no one owns.
const KEY_A: &str = "AKIAQ2MTX7WPLZK4RDHB";
const KEY_B: &str = "AKIAV5HNC3JRT6YQWE2M";
const KEY_C: &str = "AKIAZ7KPL2XMQ4NVB6TD";

struct Repo {
    dir: TempDir,
}

struct Run {
    stdout: String,
    stderr: String,
    code: i32,
}

impl Repo {
    fn new() -> Repo {
        let repo = Repo { dir: tempfile::tempdir().expect("temp dir") };
        repo.git(&["init", "-q", "-b", "main"]);
        repo
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, rel: &str, content: &str) {
        let p = self.path().join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("create dirs");
        }
        std::fs::write(p, content).expect("write file");
    }

    fn git(&self, args: &[&str]) -> String {
        let out = std::process::Command::new("git")
            .args(["-c", "user.email=dev@example.com", "-c", "user.name=Dev", "-c", "commit.gpgsign=false"])
            .args(args)
            .current_dir(self.path())
            // Keep the machine's git configuration (hooks, templates) out of the test.
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .output()
            .expect("git runs");
        assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn commit(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", message]);
    }

    fn slsguard_in(&self, sub: &str, args: &[&str]) -> Run {
        let out = Command::cargo_bin("slsguard")
            .expect("binary built")
            .current_dir(self.path().join(sub))
            .env("NO_COLOR", "1")
            .env("CI", "true")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .args(args)
            .output()
            .expect("slsguard runs");
        Run {
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            code: out.status.code().unwrap_or(-1),
        }
    }

    fn slsguard(&self, args: &[&str]) -> Run {
        self.slsguard_in(".", args)
    }
}

fn env_file(key: &str) -> String {
    format!("REGION=eu-west-1\nAWS_ACCESS_KEY_ID={key}\n")
}

#[test]
fn a_staged_secret_fails_the_hook_and_an_unstaged_one_does_not() {
    let repo = Repo::new();
    repo.write("README.md", "# app\n");
    repo.commit("initial");

    // Unstaged: written to the working tree only (untracked, and a tracked file modified).
    repo.write("local.env", &env_file(KEY_A));
    repo.write("README.md", &format!("# app\nkey {KEY_B}\n"));
    let run = repo.slsguard(&["scan", "--staged"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("no findings"), "{}", run.stdout);
    assert!(run.stdout.contains("0 files scanned"), "{}", run.stdout);

    // Staged: fails, and the finding maps to the file's path.
    repo.write("config/prod.env", &env_file(KEY_C));
    repo.git(&["add", "config/prod.env"]);
    let run = repo.slsguard(&["scan", "--staged"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("config/prod.env:2:19  critical  secret-aws-access-key-id"), "{}", run.stdout);
    assert!(!run.stdout.contains("local.env") && !run.stdout.contains("README.md"), "{}", run.stdout);
    assert!(run.stdout.contains("1 file scanned"), "{}", run.stdout);
}

#[test]
fn staged_scans_the_index_not_the_working_tree() {
    let repo = Repo::new();
    repo.write("app.env", "REGION=eu-west-1\n");
    repo.commit("initial");

    // The secret is staged, then removed from the working tree only: the commit would still
    // carry it.
    repo.write("app.env", &env_file(KEY_A));
    repo.git(&["add", "app.env"]);
    repo.write("app.env", "REGION=eu-west-1\n");
    let run = repo.slsguard(&["scan", "--staged"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("app.env:2:19"), "{}", run.stdout);

    // And the other way round: a clean index with a secret only in the working tree passes.
    repo.git(&["add", "app.env"]);
    repo.write("app.env", &env_file(KEY_B));
    let run = repo.slsguard(&["scan", "--staged"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

#[test]
fn staged_paths_are_relative_to_the_working_directory() {
    let repo = Repo::new();
    repo.write("services/api/keys.env", &env_file(KEY_A));
    repo.write("services/web/keys.env", &env_file(KEY_B));
    repo.git(&["add", "-A"]);
    let run = repo.slsguard_in("services", &["scan", "--staged", "api"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.starts_with("api/keys.env:2:19"), "{}", run.stdout);
    assert!(!run.stdout.contains("web/"), "{}", run.stdout);
}

#[test]
fn staged_outside_a_repository_is_an_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = Command::cargo_bin("slsguard")
        .expect("binary built")
        .current_dir(dir.path())
        .env("GIT_CEILING_DIRECTORIES", dir.path().parent().unwrap_or(dir.path()))
        .args(["scan", "--staged"])
        .output()
        .expect("slsguard runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--staged:") && stderr.contains("not a git repository"), "{stderr}");
}

#[test]
fn a_baselined_secret_stays_hidden_when_it_moves_and_stale_entries_are_reported() {
    let repo = Repo::new();
    repo.write("app.env", &env_file(KEY_A));
    repo.write("other.env", &env_file(KEY_B));

    let run = repo.slsguard(&["scan", "--write-baseline", ".slsguard-baseline.json"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("wrote 2 findings to .slsguard-baseline.json"), "{}", run.stderr);
    assert!(
        run.stdout.contains("no findings") && run.stdout.contains("2 suppressed (2 by baseline)"),
        "{}",
        run.stdout
    );
    let text = std::fs::read_to_string(repo.path().join(".slsguard-baseline.json")).expect("baseline written");
    assert!(!text.contains(KEY_A) && !text.contains(KEY_B), "the baseline must not hold the secret:\n{text}");
    assert!(text.contains("\"path\":\"app.env\",\"rule_id\":\"secret-aws-access-key-id\""), "{text}");

    // Ten lines above the secret: same fingerprint, still hidden.
    let moved = format!("{}{}", "# padding\n".repeat(10), env_file(KEY_A));
    repo.write("app.env", &moved);
    let run = repo.slsguard(&["scan", "--baseline", ".slsguard-baseline.json"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("2 suppressed (2 by baseline)"), "{}", run.stdout);

    // A new secret is reported; the baselined ones stay hidden.
    repo.write("app.env", &format!("{moved}BACKUP_KEY={KEY_C}\n"));
    let run = repo.slsguard(&["scan", "--baseline", ".slsguard-baseline.json"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("app.env:13:12") && run.stdout.contains("1 finding in 1 file"), "{}", run.stdout);

    // The secret in other.env is fixed: its entry is stale, reported, and does not fail.
    repo.write("app.env", &moved);
    repo.write("other.env", "REGION=eu-west-1\n");
    let run = repo.slsguard(&["scan", "--baseline", ".slsguard-baseline.json"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("warning: other.env: baseline entry secret-aws-access-key-id ")
            && run.stdout.contains("matches no finding any more"),
        "{}",
        run.stdout
    );
    let json = repo.slsguard(&["scan", "--baseline", ".slsguard-baseline.json", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON report");
    assert_eq!(doc["baseline"]["hidden"], 1);
    assert_eq!(doc["baseline"]["stale"], 1);
    assert_eq!(doc["suppressed"][0]["suppression"]["kind"], "external");

    // A scan of part of the tree does not call the rest of the baseline stale.
    repo.write("other.env", &env_file(KEY_B));
    repo.write("sub/clean.env", "REGION=eu-west-1\n");
    let run = repo.slsguard(&["scan", "sub", "--baseline", ".slsguard-baseline.json"]);
    assert!(!run.stdout.contains("stale") && !run.stdout.contains("matches no finding"), "{}", run.stdout);

    // --no-suppress shows everything.
    let run = repo.slsguard(&["scan", "--baseline", ".slsguard-baseline.json", "--no-suppress"]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("2 findings in 2 files"), "{}", run.stdout);
}

#[test]
fn a_broken_baseline_is_an_error() {
    let repo = Repo::new();
    repo.write("base.json", "{\"version\": 1, \"findings\": [\n  {\"path\": \"a\"}\n]}\n");
    let run = repo.slsguard(&["scan", "--baseline", "base.json"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("baseline base.json:2:"), "{}", run.stderr);
}

#[test]
fn changed_since_reports_only_changed_files_but_reads_manifests_whole() {
    let repo = Repo::new();
    // A Terraform module in two files: the function in one, its role in the other.
    repo.write(
        "infra/iam.tf",
        r#"resource "aws_iam_role" "fn" {
  name               = "fn"
  assume_role_policy = "{}"
}

resource "aws_iam_role_policy" "fn" {
  role   = aws_iam_role.fn.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }]
  })
}
"#,
    );
    repo.write(
        "infra/lambda.tf",
        r#"resource "aws_lambda_function" "a" {
  function_name = "a"
  role          = aws_iam_role.fn.arn
  handler       = "a.handler"
  runtime       = "nodejs20.x"
}
"#,
    );
    repo.write("old.env", &env_file(KEY_A));
    repo.commit("initial");
    repo.git(&["checkout", "-q", "-b", "feature"]);

    // Changes since main: a new secret (committed), an edit to the role's file (uncommitted),
    // and an untracked file.
    repo.write("new.env", &env_file(KEY_B));
    repo.commit("add new.env");
    let iam = std::fs::read_to_string(repo.path().join("infra/iam.tf")).expect("read");
    repo.write("infra/iam.tf", &format!("# reviewed\n{iam}"));
    repo.write("notes.txt", &format!("key {KEY_C}\n"));

    let full = repo.slsguard(&["scan", "--fail-on", "none"]);
    let run = repo.slsguard(&["scan", "--changed-since", "main"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("new.env:2:19") && run.stdout.contains("notes.txt:1:5"), "{}", run.stdout);
    assert!(!run.stdout.contains("old.env"), "unchanged files are not reported:\n{}", run.stdout);
    assert!(
        !run.stdout.lines().any(|l| l.starts_with("infra/lambda.tf:")),
        "unchanged manifests are read, not reported:\n{}",
        run.stdout
    );
    // The role's file changed: its findings need the function in the unchanged lambda.tf, and
    // are the same as in a full scan.
    let in_iam = |out: &str| -> Vec<String> {
        out.lines().filter(|l| l.starts_with("infra/iam.tf:")).map(str::to_string).collect()
    };
    assert!(!in_iam(&full.stdout).is_empty(), "{}", full.stdout);
    assert_eq!(in_iam(&run.stdout), in_iam(&full.stdout), "full:\n{}\nchanged:\n{}", full.stdout, run.stdout);

    let run = repo.slsguard(&["scan", "--changed-since", "no-such-branch"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("`no-such-branch` is not a commit"), "{}", run.stderr);
}

#[test]
fn one_run_writes_sarif_and_prints_text() {
    let repo = Repo::new();
    repo.write("app.env", &env_file(KEY_A));
    repo.write(
        "handler.js",
        &format!("const k = \"{KEY_B}\"; // slsguard:ignore secret-aws-access-key-id revoked, replay fixture\n"),
    );
    let run = repo.slsguard(&["scan", "--format", "sarif", "--output", "out.sarif", "--format", "text"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("app.env:2:19") && run.stdout.contains("1 suppressed (1 by comment)"),
        "{}",
        run.stdout
    );
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo.path().join("out.sarif")).expect("SARIF written"))
            .expect("SARIF is JSON");
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), 2);
    let suppressed: Vec<&serde_json::Value> = results.iter().filter(|r| r.get("suppressions").is_some()).collect();
    assert_eq!(suppressed.len(), 1);
    assert_eq!(suppressed[0]["suppressions"][0]["kind"], "inSource");
    assert_eq!(suppressed[0]["suppressions"][0]["justification"], "revoked, replay fixture");

    // An --output before its --format, and two files with nothing on standard output.
    let run = repo.slsguard(&["scan", "-o", "r.json", "--format", "json", "--format", "github", "-o", "r.txt"]);
    assert_eq!((run.code, run.stdout.as_str()), (1, ""), "{}", run.stderr);
    let json = std::fs::read_to_string(repo.path().join("r.json")).expect("json written");
    assert!(json.starts_with("{\n  \"schema_version\": 1"), "{json}");
    let gh = std::fs::read_to_string(repo.path().join("r.txt")).expect("github written");
    assert!(gh.starts_with("::error file=app.env,line=2,col=19,"), "{gh}");
}

/// The JSON report's fingerprints, in order.
fn fingerprints(run: &Run) -> Vec<String> {
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON report");
    doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap_or("").into())
        .collect()
}

#[test]
fn fingerprints_are_keyed_per_repository_and_stable() {
    let repo = Repo::new();
    repo.write("app.env", &env_file(KEY_A));
    repo.commit("initial");
    let a = fingerprints(&repo.slsguard(&["scan", "--format", "json"]));
    assert_eq!(a.len(), 1);
    // Stable across runs and commits: the key is the first commit's, not HEAD's.
    repo.write("README.md", "# app\n");
    repo.commit("second");
    assert_eq!(fingerprints(&repo.slsguard(&["scan", "--format", "json"])), a);
    // Not the unkeyed hash of the secret, which a guess could be checked against.
    let secret_hash = slsguard::finding::sha256_hex(KEY_A.as_bytes());
    let unkeyed = slsguard::finding::fingerprint("secret-aws-access-key-id", "app.env", &secret_hash);
    assert_ne!(a[0], unkeyed);
    assert_ne!(a[0], slsguard::finding::FingerprintKey::default().apply(&unkeyed));
    // Another repository with the same file: another key, another fingerprint.
    let other = Repo::new();
    other.write("app.env", &env_file(KEY_A));
    other.write("other", "x\n");
    other.commit("another history");
    assert_ne!(fingerprints(&other.slsguard(&["scan", "app.env", "--format", "json"])), a);
    // A configured key wins.
    repo.write(".slsguard.yml", "fingerprint_key: 0123456789abcdef0123\n");
    let configured = fingerprints(&repo.slsguard(&["scan", "--format", "json"]));
    assert_ne!(configured, a);
    let given = slsguard::finding::FingerprintKey::new("0123456789abcdef0123", slsguard::finding::KeySource::Given);
    assert_eq!(configured, [given.apply(&unkeyed)]);
}

#[test]
fn a_version_1_baseline_still_applies_and_asks_to_be_rewritten() {
    let repo = Repo::new();
    repo.write("app.env", &env_file(KEY_A));
    repo.commit("initial");
    let secret_hash = slsguard::finding::sha256_hex(KEY_A.as_bytes());
    let unkeyed = slsguard::finding::fingerprint("secret-aws-access-key-id", "app.env", &secret_hash);
    repo.write(
        "base.json",
        &format!(
            "{{\"version\": 1, \"tool\": \"slsguard\", \"findings\": [{{\"path\":\"app.env\",\"rule_id\":\"secret-aws-access-key-id\",\"fingerprint\":\"{unkeyed}\"}}]}}\n"
        ),
    );
    let run = repo.slsguard(&["scan", "--baseline", "base.json"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("1 suppressed (1 by baseline)"), "{}", run.stdout);
    assert!(run.stdout.contains("warning: base.json: this baseline holds version 1 fingerprints"), "{}", run.stdout);
    // Rewritten, it is version 2 with the key's id, and no longer warns.
    let run = repo.slsguard(&["scan", "--write-baseline", "base.json"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let text = std::fs::read_to_string(repo.path().join("base.json")).expect("baseline");
    assert!(text.starts_with("{\n  \"version\": 2,\n  \"tool\": \"slsguard\",\n  \"key\": \""), "{text}");
    assert!(!text.contains(&unkeyed), "{text}");
    let run = repo.slsguard(&["scan", "--baseline", "base.json"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(!run.stdout.contains("warning"), "{}", run.stdout);
}

#[test]
fn a_baseline_written_with_another_key_is_one_warning_not_every_entry_stale() {
    let repo = Repo::new();
    repo.write("app.env", &env_file(KEY_A));
    repo.write("other.env", &env_file(KEY_B));
    repo.commit("initial");
    let run = repo.slsguard(&["scan", "--write-baseline", "base.json"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    repo.write(".slsguard.yml", "fingerprint_key: another-key-of-16-chars\n");
    let run = repo.slsguard(&["scan", "--baseline", "base.json"]);
    assert_eq!(run.code, 1, "nothing matches, so the findings are open:\n{}", run.stdout);
    assert!(
        run.stdout.contains("warning: base.json: this baseline was written with fingerprint key"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("matches no finding"), "{}", run.stdout);
}

/// The JSON report of a scan.
fn json(run: &Run) -> serde_json::Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("JSON report ({e}):\n{}{}", run.stdout, run.stderr))
}

fn finding_paths(doc: &serde_json::Value) -> Vec<String> {
    doc["findings"].as_array().expect("findings").iter().map(|f| f["path"].as_str().unwrap_or("").to_string()).collect()
}

#[test]
fn what_git_tracks_is_scanned_whatever_ignore_files_say() {
    let repo = Repo::new();
    repo.write(".gitignore", "*.env\nbuild/\n");
    repo.write("prod.env", &env_file(KEY_A));
    repo.write("build/deploy.env", &env_file(KEY_B));
    repo.git(&["add", ".gitignore"]);
    repo.git(&["add", "-f", "prod.env", "build/deploy.env"]);
    repo.commit("ship the env files");
    // Untracked and ignored: left out, as git would leave it out of a commit.
    repo.write("local.env", &env_file(KEY_C));
    let doc = json(&repo.slsguard(&["scan", "--format", "json"]));
    assert_eq!(finding_paths(&doc), ["build/deploy.env", "prod.env"]);

    // A committed .ignore (or .rgignore) hiding everything is not honoured...
    repo.write(".ignore", "*\n");
    repo.write(".rgignore", "*\n");
    repo.write("notes.txt", &format!("key {KEY_C}\n"));
    let doc = json(&repo.slsguard(&["scan", "--format", "json"]));
    assert_eq!(finding_paths(&doc), ["build/deploy.env", "notes.txt", "prod.env"]);
    // ...unless the user opts in, and then only for untracked files.
    let doc = json(&repo.slsguard(&["scan", "--format", "json", "--respect-ignore-files"]));
    assert_eq!(finding_paths(&doc), ["build/deploy.env", "prod.env"]);
    repo.write(".slsguard.yml", "respect_ignore_files: true\n");
    let doc = json(&repo.slsguard(&["scan", "--format", "json"]));
    assert_eq!(finding_paths(&doc), ["build/deploy.env", "prod.env"]);
}

#[test]
fn nothing_scanned_in_a_tree_with_files_is_a_warning_and_strict_makes_it_an_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join(".gitignore"), "*\n").expect("write");
    std::fs::write(dir.path().join("app.env"), env_file(KEY_A)).expect("write");
    let run = |args: &[&str]| {
        let out = Command::cargo_bin("slsguard")
            .expect("binary built")
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            .env("GIT_CEILING_DIRECTORIES", dir.path().parent().unwrap_or(dir.path()))
            .args(args)
            .output()
            .expect("slsguard runs");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, out, _) = run(&["scan"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("warning: .: no file was scanned, yet there are files here"), "{out}");
    assert!(out.contains("0 files scanned"), "{out}");
    for format in ["json", "sarif", "github"] {
        let (_, out, _) = run(&["scan", "--format", format]);
        assert!(out.contains("nothing-scanned"), "{format}: {out}");
    }
    let (code, _, err) = run(&["scan", "--strict"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--strict") && err.contains("nothing-scanned"), "{err}");
    // An empty tree is not a problem.
    let empty = tempfile::tempdir().expect("temp dir");
    let (code, out, _) = run(&["scan", "--strict", &empty.path().display().to_string()]);
    assert_eq!(code, Some(0), "{out}");
}

#[cfg(unix)]
#[test]
fn every_explicit_argument_is_scanned_or_an_error_with_the_reason() {
    let repo = Repo::new();
    repo.write("real/app.env", &env_file(KEY_A));
    std::os::unix::fs::symlink("real", repo.path().join("link")).expect("symlink");
    std::os::unix::fs::symlink("nowhere", repo.path().join("dangling")).expect("symlink");
    std::os::unix::fs::symlink("/dev/null", repo.path().join("to-dev-null")).expect("symlink");
    let fifo = repo.path().join("fifo");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success());

    // A symlink to a directory is followed, and paths stay under the name given.
    let run = repo.slsguard(&["scan", "link"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("link/app.env:2:19"), "{}", run.stdout);

    let mut cases = vec![
        ("dangling", "dangling: a broken symbolic link (to `nowhere`); nothing to scan"),
        ("/dev/null", "/dev/null: a character device; nothing to scan"),
        ("to-dev-null", "to-dev-null: a symbolic link to a character device; nothing to scan"),
        ("missing", "missing: no such file or directory"),
    ];
    if made {
        cases.push(("fifo", "fifo: a FIFO (named pipe); nothing to scan"));
    }
    for (arg, message) in cases {
        let run = repo.slsguard(&["scan", arg]);
        assert_eq!(run.code, 2, "{arg}: {}{}", run.stdout, run.stderr);
        assert!(run.stderr.contains(message), "{arg}: {}", run.stderr);
    }
}

#[cfg(unix)]
#[test]
fn unreadable_directories_are_reported_under_their_path() {
    use std::os::unix::fs::PermissionsExt;
    let repo = Repo::new();
    repo.write("app/secret/keys.env", &env_file(KEY_A));
    repo.write("app/ok.txt", "fine\n");
    let locked = repo.path().join("app/secret");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    if std::fs::read_dir(&locked).is_ok() {
        // Running as root: permissions do not stop reading, nothing to test.
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        return;
    }
    let run = repo.slsguard(&["scan"]);
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    assert!(run.stdout.contains("error: app/secret: "), "{}", run.stdout);
}

#[cfg(target_os = "linux")]
#[test]
fn file_names_that_are_not_utf8_stay_distinct_in_every_output() {
    use std::os::unix::ffi::OsStrExt;
    let repo = Repo::new();
    for (byte, key) in [(0xfe_u8, KEY_A), (0xff_u8, KEY_B)] {
        let bytes = [b'b', b'a', b'd', byte, b'.', b'e', b'n', b'v'];
        std::fs::write(repo.path().join(std::ffi::OsStr::from_bytes(&bytes)), env_file(key))
            .expect("write a non-UTF-8 name");
    }
    let doc = json(&repo.slsguard(&["scan", "--format", "json"]));
    assert_eq!(finding_paths(&doc), ["bad\\xfe.env", "bad\\xff.env"]);
    let sarif: serde_json::Value =
        serde_json::from_str(&repo.slsguard(&["scan", "--format", "sarif"]).stdout).expect("SARIF is JSON");
    let uris: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(uris, ["bad%FE.env", "bad%FF.env"]);
    let text = repo.slsguard(&["scan"]).stdout;
    assert!(text.contains("bad\\xfe.env:2:19") && text.contains("bad\\xff.env:2:19"), "{text}");
    // The baseline keeps them apart too.
    let run = repo.slsguard(&["scan", "--write-baseline", "base.json"]);
    assert!(run.stderr.contains("wrote 2 findings"), "{}", run.stderr);
}

#[test]
fn a_huge_thread_count_is_lowered() {
    let repo = Repo::new();
    repo.write("app.env", &env_file(KEY_A));
    let run = repo.slsguard(&["scan", "--threads", "1000"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("1 file scanned"), "{}", run.stdout);
}

/// A repository whose `.git/config` names a command for every hook git offers: a scan must run
/// none of them. Each command leaves a marker file in `markers`.
#[cfg(unix)]
fn arm_hostile_config(repo: &Repo, markers: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let script = |name: &str, body: &str| {
        let p = markers.join(format!("{name}.sh"));
        std::fs::write(&p, format!("#!/bin/sh\ntouch '{}/{name}.ran'\n{body}\n", markers.display())).expect("script");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        p.display().to_string()
    };
    let hooks = markers.join("hooks");
    std::fs::create_dir_all(&hooks).expect("hooks dir");
    for hook in ["post-index-change", "pre-commit", "post-checkout", "reference-transaction", "fsmonitor-watchman"] {
        let p = hooks.join(hook);
        std::fs::write(&p, format!("#!/bin/sh\ntouch '{}/hook-{hook}.ran'\n", markers.display())).expect("hook");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let config = format!(
        "[core]\n\tfsmonitor = {}\n\tpager = {}\n\thooksPath = {}\n\taskPass = {}\n\tsshCommand = {}\n\
         [pager]\n\tdiff = {}\n\tlog = {}\n\
         [diff]\n\texternal = {}\n\
         [diff \"evil\"]\n\ttextconv = {}\n\tcommand = {}\n\
         [filter \"evil\"]\n\tclean = {}\n\tsmudge = {}\n\tprocess = {}\n\trequired = true\n\
         [credential]\n\thelper = {}\n",
        script("fsmonitor", "echo /"),
        script("pager", "cat"),
        hooks.display(),
        script("askpass", ""),
        script("ssh", ""),
        script("pager-diff", "cat"),
        script("pager-log", "cat"),
        script("external-diff", ""),
        script("textconv", "cat \"$1\""),
        script("diff-command", ""),
        script("clean", "cat"),
        script("smudge", "cat"),
        script("process", ""),
        script("credential", ""),
    );
    let path = repo.path().join(".git/config");
    let mut text = std::fs::read_to_string(&path).expect("config");
    text.push_str(&config);
    std::fs::write(path, text).expect("arm config");
}

fn ran(markers: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(markers)
        .expect("markers")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".ran"))
        .collect();
    v.sort();
    v
}

#[cfg(unix)]
#[test]
fn a_hostile_git_config_runs_nothing_and_the_index_is_never_written() {
    let repo = Repo::new();
    let markers = tempfile::tempdir().expect("markers dir");
    repo.write(".gitattributes", "* filter=evil diff=evil\n");
    repo.write("app.env", &env_file(KEY_A));
    repo.write("infra/serverless.yml", "service: s\nprovider:\n  name: aws\n");
    repo.commit("initial");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("new.env", &env_file(KEY_B));
    repo.commit("feature");
    repo.write("staged.env", &env_file(KEY_C));
    repo.git(&["add", "staged.env"]);
    // Every command git could run from here on is the repository's.
    arm_hostile_config(&repo, markers.path());
    // The index is stale: same content, new stat data. Porcelain `git diff` would rewrite it.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    repo.write("app.env", &env_file(KEY_A));
    repo.write("new.env", &format!("{}# edited\n", env_file(KEY_B)));
    let index = repo.path().join(".git/index");
    let before = std::fs::read(&index).expect("index");
    let mtime = std::fs::metadata(&index).and_then(|m| m.modified()).expect("mtime");

    for args in [
        vec!["scan", "--staged"],
        vec!["scan", "--changed-since", "main"],
        vec!["scan"],
        vec!["scan", "--write-baseline", "base.json"],
    ] {
        let run = repo.slsguard(&args);
        assert!(run.code == 0 || run.code == 1, "{args:?}: {}{}", run.stdout, run.stderr);
        assert_eq!(ran(markers.path()), Vec::<String>::new(), "{args:?} ran the repository's commands");
        assert!(!repo.path().join(".git/index.lock").exists(), "{args:?} left index.lock");
        assert!(std::fs::read(&index).expect("index") == before, "{args:?} rewrote .git/index");
        assert_eq!(std::fs::metadata(&index).and_then(|m| m.modified()).expect("mtime"), mtime, "{args:?}");
    }
    // The changed files were still found through the stale index.
    let run = repo.slsguard(&["scan", "--changed-since", "main"]);
    assert!(run.stdout.contains("new.env:2:19"), "{}", run.stdout);
    let run = repo.slsguard(&["scan", "--staged"]);
    assert!(run.stdout.contains("staged.env:2:19"), "{}", run.stdout);

    // The trap is real: git itself, without slsguard's precautions, runs the repository's
    // commands here.
    let _ = std::process::Command::new("git")
        .args(["diff", "--stat", "main"])
        .current_dir(repo.path())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_PAGER", "")
        .output();
    assert!(!ran(markers.path()).is_empty(), "the hostile config did not arm");
}

/// A small serverless.yml with a secret (line 7) and a wildcard statement (line 11).
fn manifest(key: &str) -> String {
    format!(
        "service: s\nprovider:\n  name: aws\n  runtime: nodejs20.x\n  region: eu-west-1\n  environment:\n    KEY_ID: {key}\n  iam:\n    role:\n      statements:\n        - Effect: Allow\n          Action: \"*\"\n          Resource: \"*\"\nfunctions:\n  a:\n    handler: a.handler\n"
    )
}

/// Findings as `path:line:col rule` and their snippets.
fn positions(doc: &serde_json::Value) -> Vec<String> {
    doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            format!(
                "{}:{}:{} {} | {}",
                f["path"].as_str().unwrap_or(""),
                f["start_line"],
                f["start_column"],
                f["rule_id"].as_str().unwrap_or(""),
                f["snippet"].as_str().unwrap_or("")
            )
        })
        .collect()
}

#[test]
fn every_text_encoding_and_line_ending_gives_the_same_findings_at_the_same_places() {
    let repo = Repo::new();
    let text = manifest(KEY_A);
    repo.write("lf/serverless.yml", &text);
    let bytes = |d: &str, b: Vec<u8>| {
        std::fs::create_dir_all(repo.path().join(d)).expect("dir");
        std::fs::write(repo.path().join(d).join("serverless.yml"), b).expect("write");
    };
    bytes("utf16le", [0xFF, 0xFE].into_iter().chain(text.encode_utf16().flat_map(u16::to_le_bytes)).collect());
    bytes("utf16be", [0xFE, 0xFF].into_iter().chain(text.encode_utf16().flat_map(u16::to_be_bytes)).collect());
    bytes("utf8bom", [0xEF, 0xBB, 0xBF].into_iter().chain(text.bytes()).collect());
    bytes("crlf", text.replace('\n', "\r\n").into_bytes());
    bytes("cr", text.replace('\n', "\r").into_bytes());
    // A stray NUL in a comment does not make the manifest binary.
    bytes("nul", format!("# saved by a broken editor \0\n{text}").into_bytes());
    let doc = json(&repo.slsguard(&["scan", "--format", "json"]));
    let all = positions(&doc);
    let of = |dir: &str| -> Vec<String> {
        all.iter().filter_map(|p| p.strip_prefix(&format!("{dir}/serverless.yml:"))).map(str::to_string).collect()
    };
    let expected = of("lf");
    assert!(expected.iter().any(|p| p.starts_with("7:13 secret-aws-access-key-id | KEY_ID: AKIA…")), "{expected:?}");
    assert!(expected.iter().any(|p| p.starts_with("11:11 iam-wildcard-action")), "{expected:?}");
    for dir in ["utf16le", "utf16be", "utf8bom", "crlf", "cr"] {
        assert_eq!(of(dir), expected, "{dir}");
    }
    // The file with a NUL is text: its secret is found. YAML allows no NUL, so the manifest
    // does not parse: that is reported where the NUL is, not skipped silently.
    assert_eq!(of("nul"), ["8:13 secret-aws-access-key-id | KEY_ID: AKIA…"]);
    let errors: Vec<String> = doc["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            format!(
                "{} {}:{}:{}",
                e["reason"].as_str().unwrap_or(""),
                e["path"].as_str().unwrap_or(""),
                e["line"],
                e["column"]
            )
        })
        .collect();
    assert_eq!(errors, ["parse-error nul/serverless.yml:1:28"]);
    assert_eq!(doc["summary"]["files_skipped"], 0, "{:#}", doc["skipped"]);
}

#[test]
fn invalid_utf8_is_reported_at_the_offending_byte() {
    let repo = Repo::new();
    let mut bytes = manifest(KEY_A).into_bytes();
    // Line 4, column 12: `runtime: no` + 0xFF.
    let at = "service: s\nprovider:\n  name: aws\n  runtime: no".len();
    bytes.insert(at, 0xFF);
    std::fs::write(repo.path().join("serverless.yml"), bytes).expect("write");
    let doc = json(&repo.slsguard(&["scan", "--format", "json"]));
    let err = &doc["errors"][0];
    assert_eq!(
        (err["reason"].as_str(), err["line"].as_u64(), err["column"].as_u64()),
        (Some("parse-error"), Some(4), Some(14)),
        "{err:#}"
    );
    assert!(err["message"].as_str().unwrap_or("").contains("byte 0xFF"), "{err:#}");
}

#[test]
fn a_skipped_file_named_like_a_manifest_is_a_warning_in_every_format() {
    let repo = Repo::new();
    let mut binary = vec![0u8; 64];
    binary.extend_from_slice(manifest(KEY_A).as_bytes());
    std::fs::write(repo.path().join("serverless.yml"), &binary).expect("write");
    std::fs::write(repo.path().join("logo.png"), &binary).expect("write");
    let text = repo.slsguard(&["scan"]).stdout;
    assert!(text.contains("warning: serverless.yml: skipped as binary, yet its name says manifest"), "{text}");
    assert!(!text.contains("logo.png"), "a binary image is routine:\n{text}");
    let gh = repo.slsguard(&["scan", "--format", "github"]).stdout;
    assert!(gh.contains("::warning file=serverless.yml,title=slsguard binary::skipped as binary"), "{gh}");
    let sarif: serde_json::Value =
        serde_json::from_str(&repo.slsguard(&["scan", "--format", "sarif"]).stdout).expect("SARIF is JSON");
    let notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"].as_array().expect("notifications");
    assert!(
        notes
            .iter()
            .any(|n| n["level"] == "warning"
                && n["message"]["text"].as_str().unwrap_or("").contains("skipped as binary")),
        "{notes:#?}"
    );
    let doc = json(&repo.slsguard(&["scan", "--format", "json"]));
    let skipped: Vec<&str> =
        doc["skipped"].as_array().expect("skipped").iter().filter_map(|s| s["path"].as_str()).collect();
    assert_eq!(skipped, ["logo.png", "serverless.yml"]);
}

/// Issue 12: scan a tree, write every report format into it, scan again: nothing new, and the
/// reports are listed as skipped.
#[test]
fn reports_written_into_the_tree_are_not_scanned_again() {
    let repo = Repo::new();
    repo.write("serverless.yml", &manifest(KEY_A));
    repo.write(
        "config/db.env",
        "DATABASE_URL=postgresql://reporter:Vq8rT3mXk9LpZ2wN@orders-db.example.internal:5432/orders\nAPP_PASSWORD=Pa5sw0rd;ljokZytC1u\n",
    );
    repo.commit("app");
    let first = json(&repo.slsguard(&["scan", "--format", "json"]));
    std::fs::create_dir_all(repo.path().join("reports")).expect("reports dir");
    let run = repo.slsguard(&[
        "scan",
        "--format",
        "text",
        "-o",
        "reports/slsguard.txt",
        "--format",
        "json",
        "-o",
        "reports/slsguard.json",
        "--format",
        "sarif",
        "-o",
        "slsguard.sarif",
        "--format",
        "github",
        "-o",
        "reports/annotations.log",
        "--write-baseline",
        ".slsguard-baseline.json",
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    // Renamed, so they are recognised by content, not by name.
    std::fs::rename(repo.path().join("slsguard.sarif"), repo.path().join("upload.json")).expect("rename");
    let second = json(&repo.slsguard(&["scan", "--format", "json", "--no-suppress"]));
    assert_eq!(positions(&second), positions(&first));
    let mut skipped: Vec<(String, String)> = second["skipped"]
        .as_array()
        .expect("skipped")
        .iter()
        .map(|s| (s["path"].as_str().unwrap_or("").to_string(), s["reason"].as_str().unwrap_or("").to_string()))
        .collect();
    skipped.sort();
    let report = |p: &str| (p.to_string(), "slsguard-report".to_string());
    assert_eq!(
        skipped,
        [
            report(".slsguard-baseline.json"),
            report("reports/annotations.log"),
            report("reports/slsguard.json"),
            report("reports/slsguard.txt"),
            report("upload.json")
        ]
    );
    // A "report" that holds a full secret is not one of ours: it is scanned.
    let text = std::fs::read_to_string(repo.path().join("reports/slsguard.txt")).expect("text report");
    repo.write("reports/slsguard.txt", &format!("    leaked {KEY_B}\n{text}"));
    let third = json(&repo.slsguard(&["scan", "--format", "json", "--no-suppress"]));
    assert!(finding_paths(&third).contains(&"reports/slsguard.txt".to_string()), "{:#}", third["findings"]);
}

/// AWS-shaped key ids, all different (a small linear congruential generator over [A-Z2-7]).
fn key_ids(n: usize) -> Vec<String> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    (0..n)
        .map(|_| {
            let tail: String = (0..16)
                .map(|_| {
                    x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                    ALPHABET[(x >> 59) as usize] as char
                })
                .collect();
            format!("AKIA{tail}")
        })
        .collect()
}

#[test]
fn a_file_full_of_secrets_reports_a_bounded_number_and_says_so() {
    let repo = Repo::new();
    let keys = key_ids(1500);
    // One minified line, so the per-finding work on a long line is exercised too.
    repo.write("dump.js", &keys.iter().map(|k| format!("k=\"{k}\";")).collect::<String>());
    let run = repo.slsguard(&["scan", "--format", "json"]);
    let doc = json(&run);
    assert_eq!(doc["summary"]["findings"], 1000, "{:#}", doc["errors"]);
    let errors: Vec<&str> =
        doc["errors"].as_array().expect("errors").iter().filter_map(|e| e["reason"].as_str()).collect();
    assert_eq!(errors, ["too-many-secrets"]);
    // Every key is redacted, the unreported ones included: no more than `AKIA` of any shows.
    let leak = regex::Regex::new("AKIA[A-Z2-7]").expect("regex");
    assert!(!leak.is_match(&run.stdout), "a key leaked");
    assert!(run.stdout.contains("AKIA…"));
}

#[test]
fn source_code_that_does_not_parse_is_a_warning_and_does_not_fail_the_gate() {
    // JSX in a .js file, a template, Python 2: common in real repos. The manifests were read, so
    // the gate has no gap; a broken manifest beside them still fails it.
    let repo = Repo::new();
    repo.write("src/bad.js", "const x = await foo(;\nfunction (\n");
    repo.write("tools/old.py", "print \"hello\"\ndef f(:\n    pass\n");
    let run = repo.slsguard(&["scan", "--format", "json"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let doc = json(&run);
    let errors = doc["errors"].as_array().expect("errors");
    assert!(!errors.is_empty(), "{doc:#}");
    for e in errors {
        assert_eq!((e["reason"].as_str(), e["level"].as_str()), (Some("code-parse-error"), Some("warning")), "{e:#}");
    }
    repo.write("serverless.yml", "service: s\nprovider: [\n");
    assert_eq!(repo.slsguard(&["scan"]).code, 2);
}

#[test]
fn reports_and_baselines_are_written_into_directories_that_do_not_exist_yet() {
    // A CI step names `out/slsguard.sarif` in a fresh checkout.
    let repo = Repo::new();
    repo.write("serverless.yml", &manifest(KEY_A));
    let run = repo.slsguard(&[
        "scan",
        "--format",
        "sarif",
        "-o",
        "out/reports/slsguard.sarif",
        "--write-baseline",
        "out/baseline/slsguard.json",
    ]);
    assert_ne!(run.code, 2, "{}", run.stderr);
    let sarif = std::fs::read_to_string(repo.path().join("out/reports/slsguard.sarif")).expect("report written");
    assert!(sarif.contains("secret-aws-access-key-id"), "{sarif}");
    assert!(repo.path().join("out/baseline/slsguard.json").is_file());
}
