//! Every documented workflow, end to end, each in a temporary git repository, running the
//! commands the docs give in the order they give them: docs/ci.md (GitHub Actions and GitLab),
//! docs/pre-commit.md (`pre-commit try-repo`, with and without `--all-files`) and the baseline
//! round trip of docs/config.md. Each test also checks that the docs still hold its commands,
//! so docs and tests cannot drift apart.
//!
//! The pre-commit test needs the `pre-commit` tool: without it the test says so and passes,
//! unless SLSGUARD_REQUIRE_PRE_COMMIT=1 (.ci/run sets it, after `pip install pre-commit`).

use std::path::{Path, PathBuf};
use std::process::Command;

const KEY: &str = "AKIAQ2MTX7WPLZK4RDHB";
const KEY_2: &str = "AKIAV5HNC3JRT6YQWE2M";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn doc(name: &str) -> String {
    std::fs::read_to_string(root().join(name)).expect("doc")
}

fn bin_dir() -> PathBuf {
    assert_cmd::cargo::cargo_bin("slsguard").parent().expect("bin dir").to_path_buf()
}

struct Repo {
    dir: tempfile::TempDir,
}

struct Out {
    text: String,
    code: i32,
}

impl Repo {
    fn new() -> Repo {
        let repo = Repo { dir: tempfile::tempdir().expect("temp dir") };
        repo.sh("git init -q -b main");
        repo
    }

    fn write(&self, rel: &str, content: &str) {
        let p = self.dir.path().join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("dirs");
        std::fs::write(p, content).expect("write");
    }

    /// Runs a shell command line as a user would, with slsguard on PATH.
    fn sh(&self, line: &str) -> Out {
        self.run(Command::new("sh").arg("-c").arg(line))
    }

    /// Runs `command` in the repository with slsguard on PATH and a neutral git identity.
    fn run(&self, command: &mut Command) -> Out {
        let path = format!("{}:{}", bin_dir().display(), std::env::var("PATH").unwrap_or_default());
        let out = command
            .current_dir(self.dir.path())
            .env("PATH", path)
            .env("CI", "true")
            .env("NO_COLOR", "1")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_AUTHOR_NAME", "Dev")
            .env("GIT_AUTHOR_EMAIL", "dev@example.com")
            .env("GIT_COMMITTER_NAME", "Dev")
            .env("GIT_COMMITTER_EMAIL", "dev@example.com")
            .env("PRE_COMMIT_HOME", self.dir.path().join(".cache-pre-commit"))
            .output()
            .expect("the command runs");
        Out {
            text: format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)),
            code: out.status.code().unwrap_or(-1),
        }
    }

    fn commit(&self, message: &str) {
        let out = self.sh(&format!("git add -A && git commit -q -m '{message}'"));
        assert_eq!(out.code, 0, "{}", out.text);
    }
}

fn app(repo: &Repo) {
    repo.write(
        "serverless.yml",
        &std::fs::read_to_string(root().join("testdata/gate/least-privilege/serverless.yml")).expect("fixture"),
    );
    // The fixture's own code: its role is exactly what the code calls.
    repo.write(
        "src/orders.js",
        &std::fs::read_to_string(root().join("testdata/gate/least-privilege/src/orders.js")).expect("fixture"),
    );
}

#[test]
fn github_actions_commands_pass_on_their_own_report() {
    let ci = doc("docs/ci.md");
    let full = "slsguard scan --fail-on none --format sarif --output slsguard.sarif --format text";
    let gate_main = "slsguard scan --baseline .slsguard-baseline.json --format github";
    let gate_pr = "slsguard scan --changed-since \"origin/$BASE_REF\" --format github";
    for c in [full, gate_main, gate_pr] {
        assert!(ci.contains(c), "docs/ci.md no longer runs `{c}`");
    }
    let action = std::fs::read_to_string(root().join("action.yml")).expect("action.yml");
    assert!(action.contains("cargo install --locked --path \"$ACTION_PATH\""));
    assert!(action.contains("slsguard scan --fail-on none --format sarif --output \"$SARIF\" --format text $PATHS"));

    let repo = Repo::new();
    app(&repo);
    repo.write("config/prod.env", &format!("AWS_ACCESS_KEY_ID={KEY}\n"));
    repo.commit("app");
    // Accept today's finding, as the docs suggest for main.
    let out = repo.sh("slsguard scan --write-baseline .slsguard-baseline.json");
    assert_eq!(out.code, 0, "{}", out.text);
    repo.commit("baseline");
    let out = repo.sh(full);
    assert_eq!(out.code, 0, "the full scan never fails: {}", out.text);
    assert!(repo.dir.path().join("slsguard.sarif").is_file());
    // The gate scans a tree that now holds slsguard.sarif: it must not find its own report.
    let out = repo.sh(gate_main);
    assert_eq!(out.code, 0, "the gate passes on its own report: {}", out.text);
    // A pull request adding a secret fails the gate, with an annotation.
    repo.sh("git branch -q base && git update-ref refs/remotes/origin/main base");
    repo.write("config/new.env", &format!("BACKUP_KEY={KEY_2}\n"));
    let out = repo.sh(&format!("export BASE_REF=main; {gate_pr}"));
    assert_eq!(out.code, 1, "{}", out.text);
    assert!(out.text.contains("::error file=config/new.env"), "{}", out.text);
}

/// action.yml's steps, run as GitHub's runner runs a composite action's `run` steps (bash with
/// `-eo pipefail`, the step's `env` with `${{ … }}` expanded from the inputs), in order. The
/// install step (`cargo install`, minutes) is checked and skipped: the built slsguard is on PATH.
/// The upload step (`uses:`) is checked to upload the report the previous step wrote.
struct Action {
    steps: Vec<Node>,
    inputs: Vec<(String, String)>,
}

use slsguard::loader::Node;

impl Action {
    fn load() -> Action {
        let text = std::fs::read_to_string(root().join("action.yml")).expect("action.yml");
        let doc = slsguard::loader::yaml::parse_one(&text).expect("action.yml is YAML");
        assert_eq!(doc.path(&["runs", "using"]).and_then(Node::as_str), Some("composite"));
        let inputs = doc
            .get("inputs")
            .and_then(Node::as_map)
            .expect("inputs")
            .iter()
            .map(|e| {
                let default = e.value.get("default").and_then(|d| d.scalar_text()).unwrap_or_default().into_owned();
                (e.key.clone(), default)
            })
            .collect();
        let steps = doc.path(&["runs", "steps"]).and_then(Node::as_seq).expect("steps").to_vec();
        Action { steps, inputs }
    }

    fn expand(&self, value: &str, with: &[(&str, &str)], temp: &Path) -> String {
        let mut out = value.replace("${{ github.action_path }}", &root().display().to_string());
        out = out.replace("${{ runner.temp }}", &temp.display().to_string());
        for (name, default) in &self.inputs {
            let given = with.iter().find(|(k, _)| k == name).map_or(default.as_str(), |(_, v)| v);
            out = out.replace(&format!("${{{{ inputs.{name} }}}}"), given);
        }
        assert!(!out.contains("${{"), "an expression this test does not know: {value}");
        out
    }

    /// Runs the steps with the inputs `with` (others at their defaults); the gate's outcome.
    fn run(&self, repo: &Repo, with: &[(&str, &str)]) -> Out {
        let temp = tempfile::tempdir().expect("runner temp");
        let mut last = None;
        for step in &self.steps {
            let name = step.get("name").and_then(Node::as_str).unwrap_or("?");
            if let Some(uses) = step.get("uses").and_then(Node::as_str) {
                assert!(uses.starts_with("github/codeql-action/upload-sarif@"), "{name}: {uses}");
                let file = self.expand(
                    step.path(&["with", "sarif_file"]).and_then(Node::as_str).expect("sarif_file"),
                    with,
                    temp.path(),
                );
                assert!(repo.dir.path().join(&file).is_file(), "{name}: the report step wrote no {file}");
                continue;
            }
            let script = step.get("run").and_then(Node::as_str).expect("a run step");
            assert_eq!(step.get("shell").and_then(Node::as_str), Some("bash"), "{name}");
            if script.contains("cargo install") {
                assert!(script.contains("cargo install --locked --path \"$ACTION_PATH\""), "{name}: {script}");
                continue;
            }
            let mut command = Command::new("bash");
            command.args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script]);
            for e in step.get("env").and_then(Node::as_map).unwrap_or_default() {
                let value = e.value.scalar_text().unwrap_or_default();
                command.env(&e.key, self.expand(&value, with, temp.path()));
            }
            let out = repo.run(&mut command);
            if out.code != 0 {
                return out;
            }
            last = Some(out);
        }
        last.expect("the action has run steps")
    }
}

#[test]
fn the_github_action_gates_and_passes_on_its_own_report() {
    let action = Action::load();
    let repo = Repo::new();
    app(&repo);
    repo.commit("app");
    let out = action.run(&repo, &[]);
    assert_eq!(out.code, 0, "a least-privilege app passes: {}", out.text);
    let sarif: serde_json::Value =
        serde_json::from_slice(&std::fs::read(repo.dir.path().join("slsguard.sarif")).expect("sarif")).expect("JSON");
    assert_eq!(sarif["runs"][0]["invocations"][0]["executionSuccessful"], true);
    // A secret on main: the report step still passes, the gate fails with an annotation…
    repo.write("config/prod.env", &format!("AWS_ACCESS_KEY_ID={KEY}\n"));
    repo.commit("secret");
    let out = action.run(&repo, &[]);
    assert_eq!(out.code, 1, "{}", out.text);
    assert!(out.text.contains("::error file=config/prod.env"), "{}", out.text);
    // …unless the baseline accepts it (args) or the threshold is above it (fail-on).
    assert_eq!(repo.sh("slsguard scan --write-baseline .slsguard-baseline.json").code, 0);
    repo.commit("baseline");
    let out = action.run(&repo, &[("args", "--baseline .slsguard-baseline.json")]);
    assert_eq!(out.code, 0, "{}", out.text);
    assert_eq!(action.run(&repo, &[("fail-on", "none")]).code, 0);
    // A pull request gated on its change: the secret it adds fails, the one on main does not.
    repo.sh("git branch -q base && git update-ref refs/remotes/origin/main base");
    repo.write("config/new.env", &format!("BACKUP_KEY={KEY_2}\n"));
    let out = action.run(&repo, &[("args", "--changed-since origin/main"), ("sarif-file", "pr.sarif")]);
    assert_eq!(out.code, 1, "{}", out.text);
    assert!(out.text.contains("::error file=config/new.env"), "{}", out.text);
    assert!(!out.text.contains("config/prod.env"), "{}", out.text);
}

const GITLAB_REPORT: &str = "slsguard scan --fail-on none --format gitlab-sast --output gl-sast-report.json --format junit --output slsguard-junit.xml --format text $SLSGUARD_PATHS";
const GITLAB_GATE: &str = "slsguard scan --quiet $SLSGUARD_ARGS $SLSGUARD_PATHS";

#[test]
fn gitlab_template_commands_write_the_reports_and_gate() {
    let template = std::fs::read_to_string(root().join("ci/gitlab/slsguard.gitlab-ci.yml")).expect("template");
    let (report, gate) = (GITLAB_REPORT, GITLAB_GATE);
    for c in [report, gate] {
        assert!(template.contains(c), "the GitLab template no longer runs `{c}`");
        assert!(doc("docs/ci.md").contains(c), "docs/ci.md no longer shows `{c}`");
    }
    let repo = Repo::new();
    app(&repo);
    repo.commit("app");
    let vars = "SLSGUARD_PATHS=. SLSGUARD_ARGS=";
    let out = repo.sh(&format!("{vars}; {report}"));
    assert_eq!(out.code, 0, "{}", out.text);
    let sast: serde_json::Value =
        serde_json::from_slice(&std::fs::read(repo.dir.path().join("gl-sast-report.json")).expect("report"))
            .expect("JSON");
    assert_eq!(sast["scan"]["status"], "success");
    assert!(
        std::fs::read_to_string(repo.dir.path().join("slsguard-junit.xml")).expect("junit").contains("<testsuites")
    );
    let out = repo.sh(&format!("{vars}; {gate}"));
    assert_eq!(out.code, 0, "a least-privilege app passes, its reports are not scanned: {}", out.text);
    repo.write("src/db.js", "const url = 'postgresql://app:Vq8rT2yU7iO1pA5s@db.internal:5432/orders';\n");
    let out = repo.sh(&format!("{vars}; {gate}"));
    assert_eq!(out.code, 1, "{}", out.text);
    // Merge requests, as docs/ci.md says: the gate on what the change touches only.
    let mr = "--changed-since origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME";
    assert!(
        doc("docs/ci.md").contains(&format!("SLSGUARD_ARGS: \"{mr}\"")),
        "docs/ci.md no longer gates MRs with `{mr}`"
    );
    repo.commit("db");
    repo.sh("git update-ref refs/remotes/origin/main HEAD");
    let vars = format!("CI_MERGE_REQUEST_TARGET_BRANCH_NAME=main; SLSGUARD_PATHS=.; SLSGUARD_ARGS=\"{mr}\"");
    repo.write("src/orders.js", "exports.create = async () => ({ statusCode: 202 });\n");
    let out = repo.sh(&format!("{vars}; {gate}"));
    assert_eq!(out.code, 0, "the secret on the target branch is not the MR's: {}", out.text);
    repo.write("config/new.env", &format!("BACKUP_KEY={KEY_2}\n"));
    let out = repo.sh(&format!("{vars}; {gate}"));
    assert_eq!(out.code, 1, "{}", out.text);
}

#[test]
fn baseline_round_trip() {
    let config = doc("docs/config.md");
    for c in
        ["slsguard scan --write-baseline .slsguard-baseline.json", "slsguard scan --baseline .slsguard-baseline.json"]
    {
        assert!(config.contains(c), "docs/config.md no longer runs `{c}`");
    }
    let repo = Repo::new();
    repo.write("a.env", &format!("AWS_ACCESS_KEY_ID={KEY}\n"));
    repo.commit("a");
    assert_eq!(repo.sh("slsguard scan").code, 1);
    assert_eq!(repo.sh("slsguard scan --write-baseline .slsguard-baseline.json").code, 0);
    repo.commit("baseline");
    assert_eq!(repo.sh("slsguard scan --baseline .slsguard-baseline.json").code, 0);
    // Moving the finding keeps it accepted; a new one fails.
    repo.write("a.env", &format!("# moved\n\nAWS_ACCESS_KEY_ID={KEY}\n"));
    assert_eq!(repo.sh("slsguard scan --baseline .slsguard-baseline.json").code, 0);
    repo.write("b.env", &format!("AWS_ACCESS_KEY_ID={KEY_2}\n"));
    let out = repo.sh("slsguard scan --baseline .slsguard-baseline.json");
    assert_eq!(out.code, 1, "{}", out.text);
    assert!(out.text.contains("b.env:1:19") && !out.text.contains("a.env:3"), "{}", out.text);
}

#[test]
fn staged_reads_the_configuration_from_the_index() {
    let repo = Repo::new();
    repo.write("a.env", &format!("AWS_ACCESS_KEY_ID={KEY}\n"));
    repo.write(".slsguard.yml", "fail_on: none\n");
    repo.sh("git add a.env");
    // The configuration is not staged: the commit will not hold it, so it does not apply.
    let out = repo.sh("slsguard scan --staged");
    assert_eq!(out.code, 1, "{}", out.text);
    assert!(out.text.contains(".slsguard.yml is not in the git index"), "{}", out.text);
    repo.sh("git add .slsguard.yml");
    assert_eq!(repo.sh("slsguard scan --staged").code, 0);
    // Staged as `fail_on: none`, then edited in the working tree: the staged one counts.
    repo.write(".slsguard.yml", "fail_on: low\n");
    assert_eq!(repo.sh("slsguard scan --staged").code, 0);
    // A full scan reads the working tree's file, found upward from the scanned path.
    repo.write("svc/x.txt", "nothing\n");
    let out = repo.sh("cd svc && slsguard scan ../a.env");
    assert_eq!(out.code, 1, "fail_on: low from the repository root: {}", out.text);
}

fn pre_commit_available() -> bool {
    let found = Command::new("pre-commit").arg("--version").output().is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("SLSGUARD_REQUIRE_PRE_COMMIT").is_none(),
            "SLSGUARD_REQUIRE_PRE_COMMIT is set but pre-commit is not installed (pip install pre-commit)"
        );
        eprintln!(
            "skipped: pre-commit is not installed (pip install pre-commit); .ci/run installs it and runs this test"
        );
    }
    found
}

#[test]
fn pre_commit_try_repo_blocks_committed_and_staged_secrets() {
    let docs = doc("docs/pre-commit.md");
    for c in ["pre-commit run --all-files", "pre-commit install"] {
        assert!(docs.contains(c), "docs/pre-commit.md no longer runs `{c}`");
    }
    if !pre_commit_available() {
        return;
    }
    // try-repo clones the hooks repository: give it a committed copy of this one's hook file.
    let hooks = Repo::new();
    hooks.write(".pre-commit-hooks.yaml", &doc(".pre-commit-hooks.yaml"));
    hooks.commit("hooks");
    let try_repo = format!("pre-commit try-repo {} slsguard-system", hooks.dir.path().display());

    let repo = Repo::new();
    app(&repo);
    repo.write("config/prod.env", &format!("AWS_ACCESS_KEY_ID={KEY}\n"));
    repo.commit("a secret committed before the hook");
    // Nothing staged: the commit hook has nothing to check…
    let out = repo.sh(&try_repo);
    assert_eq!(out.code, 0, "{}", out.text);
    // …but --all-files scans every tracked file, and the committed secret fails it.
    let out = repo.sh(&format!("{try_repo} --all-files"));
    assert_eq!(out.code, 1, "{}", out.text);
    assert!(out.text.contains("config/prod.env") && out.text.contains("secret-aws-access-key-id"), "{}", out.text);
    // Remove it; then stage a new secret and delete it from the working copy: the staged
    // content is what the commit records, and it fails.
    repo.sh("git rm -q config/prod.env && git commit -q -m fix");
    assert_eq!(repo.sh(&format!("{try_repo} --all-files")).code, 0);
    repo.write("config/new.env", &format!("BACKUP_KEY={KEY_2}\n"));
    repo.sh("git add config/new.env");
    repo.write("config/new.env", "BACKUP_KEY=\n");
    let out = repo.sh(&try_repo);
    assert_eq!(out.code, 1, "{}", out.text);
    assert!(out.text.contains("config/new.env"), "{}", out.text);
}

/// `slsguard init --pre-commit --github`, then the set-up docs/pre-commit.md gives: the files it
/// writes are the documented ones, its configuration changes nothing, and its hook entry (pointed
/// at a local copy of the hooks, with the PATH variant of the hook) blocks a committed secret on
/// `pre-commit run --all-files` and a staged one on `git commit` once `pre-commit install` ran.
#[test]
fn init_writes_the_documented_set_up_and_it_works() {
    let repo = Repo::new();
    app(&repo);
    let out = repo.sh("slsguard init --pre-commit --github");
    assert_eq!(out.code, 0, "{}", out.text);
    let read = |rel: &str| std::fs::read_to_string(repo.dir.path().join(rel)).expect("written");
    let (hook, workflow) = (read(".pre-commit-config.yaml"), read(".github/workflows/slsguard.yml"));
    let (pre_commit_md, ci_md) = (doc("docs/pre-commit.md"), doc("docs/ci.md"));
    for line in hook.lines().filter(|l| !l.starts_with('#')) {
        assert!(pre_commit_md.contains(line), "docs/pre-commit.md lacks the hook entry's `{line}`");
    }
    // The workflow is the documented one, but for the gate on main: init writes no baseline.
    for line in workflow.lines().filter(|l| !l.starts_with('#') && !l.contains("args:")) {
        assert!(ci_md.contains(line), "docs/ci.md lacks the workflow's `{line}`");
    }
    assert!(
        workflow
            .contains("args: ${{ github.base_ref && format('--changed-since origin/{0}', github.base_ref) || '' }}")
    );
    let again = repo.sh("slsguard init");
    assert_eq!(again.code, 2, "{}", again.text);
    assert!(again.text.contains(".slsguard.yml exists; not overwritten"), "{}", again.text);

    // The commented configuration sets nothing: the default gate applies.
    repo.commit("init");
    let out = repo.sh("slsguard scan");
    assert_eq!(out.code, 0, "{}", out.text);
    repo.write("config/prod.env", &format!("AWS_ACCESS_KEY_ID={KEY}\n"));
    repo.commit("a secret committed before the hook");
    assert_eq!(repo.sh("slsguard scan").code, 1);

    if !pre_commit_available() {
        return;
    }
    let hooks = Repo::new();
    hooks.write(".pre-commit-hooks.yaml", &doc(".pre-commit-hooks.yaml"));
    hooks.commit("hooks");
    let local = hook
        .replace("https://github.com/slsguard/slsguard", &hooks.dir.path().display().to_string())
        .replace("- id: slsguard\n", "- id: slsguard-system\n");
    assert_ne!(local, hook, "the hook entry changed shape; update this test");
    repo.write(".pre-commit-config.yaml", &local);
    repo.commit("local hooks");
    let out = repo.sh("pre-commit run --all-files");
    assert_eq!(out.code, 1, "{}", out.text);
    assert!(out.text.contains("config/prod.env") && out.text.contains("secret-aws-access-key-id"), "{}", out.text);
    repo.sh("git rm -q config/prod.env && git commit -q -m fix");
    assert_eq!(repo.sh("pre-commit run --all-files").code, 0);
    let out = repo.sh("pre-commit install");
    assert_eq!(out.code, 0, "{}", out.text);
    repo.write("config/new.env", &format!("BACKUP_KEY={KEY_2}\n"));
    let out = repo.sh("git add config/new.env && git commit -q -m 'a new secret'");
    assert_ne!(out.code, 0, "the hook blocks the commit: {}", out.text);
    assert!(out.text.contains("config/new.env"), "{}", out.text);
    assert_eq!(repo.sh("git log --oneline | wc -l").text.trim(), "4", "nothing was committed");
}

/// The files users copy or include are YAML that parses, with the commands the tests above run:
/// the GitLab template's script, the hooks' entry, and every ```yaml block of the docs.
#[test]
fn integration_files_and_documented_yaml_parse() {
    let load = |rel: &str| {
        let text = std::fs::read_to_string(root().join(rel)).expect("file");
        slsguard::loader::yaml::parse_one(&text).unwrap_or_else(|e| panic!("{rel}: {e:?}"))
    };
    let gitlab = load("ci/gitlab/slsguard.gitlab-ci.yml");
    let job = gitlab.get("slsguard-sast").expect("the slsguard-sast job");
    let script: Vec<String> = job
        .get("script")
        .and_then(Node::as_seq)
        .expect("script")
        .iter()
        .filter_map(|n| n.as_str().map(str::to_string))
        .collect();
    assert_eq!(script, [GITLAB_REPORT, GITLAB_GATE]);
    assert_eq!(job.path(&["artifacts", "reports", "sast"]).and_then(Node::as_str), Some("gl-sast-report.json"));
    assert_eq!(job.path(&["artifacts", "reports", "junit"]).and_then(Node::as_str), Some("slsguard-junit.xml"));
    let hooks = load(".pre-commit-hooks.yaml");
    let hooks = hooks.as_seq().expect("a list of hooks");
    assert_eq!(hooks.len(), 2);
    for hook in hooks {
        assert_eq!(hook.get("entry").and_then(Node::as_str), Some("slsguard scan --from-index"));
        assert_eq!(hook.get("pass_filenames").and_then(Node::as_bool), Some(true));
    }
    let mut blocks = 0;
    for rel in ["README.md", "docs/ci.md", "docs/pre-commit.md", "docs/config.md"] {
        let text = doc(rel);
        let mut rest = text.as_str();
        while let Some(start) = rest.find("```yaml\n") {
            let body = &rest[start + 8..];
            let end = body.find("\n```").expect("closed block");
            if let Err(e) = slsguard::loader::yaml::parse(&body[..end + 1]) {
                panic!("{rel}: a yaml block does not parse: {e:?}\n{}", &body[..end]);
            }
            blocks += 1;
            rest = &body[end..];
        }
    }
    assert!(blocks >= 5, "only {blocks} yaml blocks found");
}

/// docs/pre-commit.md, "Without the framework": the plain git hook, installed as written.
#[test]
fn the_plain_git_hook_blocks_a_staged_secret() {
    let docs = doc("docs/pre-commit.md");
    let hook = "#!/bin/sh\nexec slsguard scan --staged\n";
    assert!(docs.contains(hook), "docs/pre-commit.md no longer gives the hook `{hook}`");
    let repo = Repo::new();
    app(&repo);
    repo.write(".git/hooks/pre-commit", hook);
    assert_eq!(repo.sh("chmod +x .git/hooks/pre-commit").code, 0);
    repo.commit("app");
    repo.write("config/new.env", &format!("BACKUP_KEY={KEY_2}\n"));
    let out = repo.sh("git add config/new.env && git commit -q -m 'a secret'");
    assert_ne!(out.code, 0, "the hook blocks the commit: {}", out.text);
    assert!(out.text.contains("config/new.env") && !out.text.contains(KEY_2), "{}", out.text);
    // Unstaged, the secret is not the commit's business.
    repo.sh("git reset -q config/new.env");
    repo.write("README.md", "orders\n");
    let out = repo.sh("git add README.md && git commit -q -m docs");
    assert_eq!(out.code, 0, "{}", out.text);
}

/// docs/ci.md, "Any other CI": the JUnit report with the exit code as the gate; JSON Lines
/// piped on (to `cat` here), one JSON object per line.
#[test]
fn any_other_ci_commands_gate_and_stream() {
    let ci = doc("docs/ci.md");
    let junit = "slsguard scan --format junit --output slsguard-junit.xml --format text";
    let jsonl = "slsguard scan --format jsonl | your-log-shipper";
    for c in [junit, jsonl] {
        assert!(ci.contains(c), "docs/ci.md no longer runs `{c}`");
    }
    let repo = Repo::new();
    app(&repo);
    repo.commit("app");
    assert_eq!(repo.sh(junit).code, 0);
    repo.write("config/prod.env", &format!("AWS_ACCESS_KEY_ID={KEY}\n"));
    let out = repo.sh(junit);
    assert_eq!(out.code, 1, "{}", out.text);
    let xml = std::fs::read_to_string(repo.dir.path().join("slsguard-junit.xml")).expect("junit");
    assert!(xml.contains("<failure") && xml.contains("config/prod.env") && !xml.contains(KEY), "{xml}");
    let out = repo.sh(&jsonl.replace("your-log-shipper", "cat"));
    let lines: Vec<serde_json::Value> =
        out.text.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"))).collect();
    assert!(lines.iter().any(|v| v.to_string().contains("secret-aws-access-key-id")), "{}", out.text);
}
