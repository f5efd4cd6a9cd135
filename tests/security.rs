//! docs/security.md's guarantees that no other test file holds: no network, no writes, and the
//! page itself naming only tests that exist.

use assert_cmd::Command;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file under `dir`, recursively.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// docs/security.md#no-network. Static, as a network call cannot be caught reliably from a test:
/// no source file uses a socket API or starts a program other than `git`, no crate of the
/// dependency tree is a networking one, and `git` is started with every transport disabled.
#[test]
fn no_code_can_open_a_network_connection() {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    assert!(files.len() > 20, "src/ not found");
    for file in &files {
        let text = std::fs::read_to_string(file).expect("read source");
        for api in ["std::net", "TcpStream", "UdpSocket", "ToSocketAddrs", "UnixStream", "libc::socket"] {
            assert!(!text.contains(api), "{} uses {api}", file.display());
        }
        // Programs started: only git (comments and code samples in test data, escaped in
        // string literals, quote others).
        for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
            for (at, _) in line.match_indices("Command::new(\"") {
                let program: String = line[at + 14..].chars().take_while(|&c| c != '"').collect();
                assert_eq!(program, "git", "{} starts `{program}`", file.display());
            }
        }
    }
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).expect("Cargo.lock");
    let crates: Vec<&str> =
        lock.lines().filter_map(|l| l.strip_prefix("name = \"")).map(|n| n.trim_end_matches('"')).collect();
    assert!(crates.contains(&"slsguard"), "Cargo.lock has no packages?");
    for net in [
        "hyper",
        "reqwest",
        "ureq",
        "curl",
        "isahc",
        "attohttpc",
        "surf",
        "tokio",
        "mio",
        "socket2",
        "rustls",
        "native-tls",
        "openssl",
        "h2",
        "http",
        "tungstenite",
        "trust-dns-resolver",
        "hickory-resolver",
    ] {
        assert!(!crates.contains(&net), "the dependency tree holds the networking crate `{net}`");
    }
    // git: no transport at all (not even a partial clone's lazy fetch of a missing object).
    let git = slsguard::git::command();
    let args: Vec<String> = git.get_args().map(|a| a.to_string_lossy().into_owned()).collect();
    assert!(args.windows(2).any(|w| w == ["-c", "protocol.allow=never"]), "{args:?}");
    let envs: BTreeMap<String, Option<String>> = git
        .get_envs()
        .map(|(k, v)| (k.to_string_lossy().into_owned(), v.map(|v| v.to_string_lossy().into_owned())))
        .collect();
    assert_eq!(envs.get("GIT_NO_LAZY_FETCH"), Some(&Some("1".to_string())), "{envs:?}");
}

/// A file system tree's state: per path (`.git` included), its kind, size, modification time
/// and content.
fn tree_state(dir: &Path) -> BTreeMap<PathBuf, (bool, u64, std::time::SystemTime, Vec<u8>)> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, (bool, u64, std::time::SystemTime, Vec<u8>)>) {
        for entry in std::fs::read_dir(dir).expect("read dir") {
            let path = entry.expect("dir entry").path();
            let meta = std::fs::symlink_metadata(&path).expect("metadata");
            let rel = path.strip_prefix(base).expect("under base").to_path_buf();
            let content = if meta.is_file() { std::fs::read(&path).expect("read") } else { Vec::new() };
            out.insert(rel, (meta.is_dir(), meta.len(), meta.modified().expect("mtime"), content));
            if meta.is_dir() {
                walk(base, &path, out);
            }
        }
    }
    let mut out = BTreeMap::new();
    out.insert(
        PathBuf::from("."),
        (true, 0, std::fs::metadata(dir).and_then(|m| m.modified()).expect("mtime"), vec![]),
    );
    walk(dir, dir, &mut out);
    out
}

fn git(dir: &Path, args: &[&str]) {
    let out = std::process::Command::new("git")
        .args(["-c", "user.email=dev@example.com", "-c", "user.name=Dev", "-c", "commit.gpgsign=false"])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// docs/security.md#no-writes: whatever a scan is asked (every mode, every format, a baseline
/// read or written, code analysis), it changes nothing in the scanned tree or its `.git` — no
/// file, no directory's modification time — but the reports and baseline it is asked to write.
#[test]
fn a_scan_writes_nothing_but_the_reports_it_is_asked_for() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let repo = tmp.path();
    let write = |rel: &str, text: &str| {
        let p = repo.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("dirs");
        std::fs::write(p, text).expect("write");
    };
    git(repo, &["init", "-q", "-b", "main"]);
    write(
        "serverless.yml",
        "service: s\nprovider:\n  name: aws\n  runtime: python3.12\n  iam:\n    role:\n      statements:\n        - Effect: Allow\n          Action: '*'\n          Resource: '*'\nfunctions:\n  api:\n    handler: handler.main\n    events:\n      - httpApi: 'GET /items'\n",
    );
    write("handler.py", "import os\n\ndef main(event, context):\n    os.system(event['cmd'])\n");
    write("app.env", "AWS_ACCESS_KEY_ID=AKIAQ2MTX7WPLZK4RDHB\n");
    write("main.tf", "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"b\"\n}\n");
    git(repo, &["add", "-A"]);
    git(repo, &["commit", "-q", "-m", "initial"]);
    write("staged.env", "AWS_ACCESS_KEY_ID=AKIAV5HNC3JRT6YQWE2M\n");
    git(repo, &["add", "staged.env"]);
    write("untracked.env", "AWS_ACCESS_KEY_ID=AKIAZ7KPL2XMQ4NVB6TD\n");
    // Timestamps must be able to differ from the scan's.
    std::thread::sleep(std::time::Duration::from_millis(1100));

    let out = tempfile::tempdir().expect("output dir");
    let o = |name: &str| out.path().join(name).display().to_string();
    let baseline = o("baseline.json");
    let mut all_formats: Vec<String> = vec!["scan".into()];
    for f in ["text", "json", "sarif", "github", "gitlab-sast", "junit", "jsonl"] {
        all_formats.extend(["--format".into(), f.into(), "--output".into(), o(f)]);
    }
    let runs: Vec<Vec<String>> = vec![
        vec!["scan".into()],
        all_formats,
        vec!["scan".into(), "--staged".into()],
        vec!["scan".into(), "--changed-since".into(), "main".into()],
        vec!["scan".into(), "--write-baseline".into(), baseline.clone()],
        vec!["scan".into(), "--baseline".into(), baseline.clone()],
        vec!["scan".into(), "--no-ignore".into(), "--format".into(), "sarif".into()],
        vec!["scan".into(), "-j".into(), "4".into(), "--min-severity".into(), "high".into()],
        vec!["rules".into()],
        vec!["explain".into(), "secret-aws-access-key-id".into()],
    ];
    let before = tree_state(repo);
    for args in &runs {
        let run = Command::cargo_bin("slsguard")
            .expect("binary built")
            .current_dir(repo)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env_remove("SLSGUARD_FINGERPRINT_KEY")
            .args(args)
            .output()
            .expect("slsguard runs");
        let code = run.status.code();
        assert!(matches!(code, Some(0 | 1)), "{args:?}: {code:?} {}", String::from_utf8_lossy(&run.stderr));
        let after = tree_state(repo);
        let changed: Vec<&PathBuf> = after
            .iter()
            .filter(|(p, s)| before.get(*p) != Some(s))
            .map(|(p, _)| p)
            .chain(before.keys().filter(|p| !after.contains_key(*p)))
            .collect();
        assert!(changed.is_empty(), "{args:?} wrote into the tree: {changed:?}");
    }
    // What was asked for was written.
    for f in ["text", "sarif", "junit", "baseline.json"] {
        assert!(out.path().join(f).is_file(), "{f} not written");
    }
    // And a baseline asked for inside the tree is the one file that appears there.
    let run = Command::cargo_bin("slsguard")
        .expect("binary built")
        .current_dir(repo)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .args(["scan", "--write-baseline", "slsguard-baseline.json"])
        .output()
        .expect("slsguard runs");
    assert!(matches!(run.status.code(), Some(0 | 1)), "{}", String::from_utf8_lossy(&run.stderr));
    let after = tree_state(repo);
    let changed: Vec<&PathBuf> = after.iter().filter(|(p, s)| before.get(*p) != Some(s)).map(|(p, _)| p).collect();
    assert_eq!(changed, [&PathBuf::from("."), &PathBuf::from("slsguard-baseline.json")]);
}

/// The test names in docs/security.md's "Test:"/"Tests:" paragraphs: each exists (a `fn` of
/// that name under src/ or tests/, a file or directory of that path), and each guarantee's
/// section has such a paragraph.
#[test]
fn security_doc_names_only_tests_that_exist() {
    let doc = std::fs::read_to_string(root().join("docs/security.md")).expect("docs/security.md");
    let mut sources = Vec::new();
    rust_files(&root().join("src"), &mut sources);
    rust_files(&root().join("tests"), &mut sources);
    let code: String = sources.iter().map(|p| std::fs::read_to_string(p).expect("read source")).collect();
    let mut named = 0;
    let mut section = String::new();
    let mut sections_with_tests: BTreeMap<String, bool> = BTreeMap::new();
    let mut in_tests = false;
    for line in doc.lines() {
        if let Some(h) = line.strip_prefix("### ").or_else(|| line.strip_prefix("## ")) {
            section = h.to_string();
            if section != "Guarantees" {
                sections_with_tests.entry(section.clone()).or_insert(false);
            }
            in_tests = false;
            continue;
        }
        if line.starts_with("Test:") || line.starts_with("Tests:") || line.starts_with("Tests (") {
            in_tests = true;
            sections_with_tests.insert(section.clone(), true);
        } else if line.trim().is_empty() {
            in_tests = false;
        }
        if !in_tests {
            continue;
        }
        for (i, item) in line.split('`').enumerate() {
            if i % 2 == 0 || item.is_empty() {
                continue;
            }
            // Test files and fixtures, and test functions (`name`, `module::tests::name`);
            // other code in the paragraph's prose (`--staged`, `.git/index`) is not a test.
            if ["tests/", "testdata/", "src/", "fuzz/", "benches/"].iter().any(|d| item.starts_with(d)) {
                assert!(
                    root().join(item).exists(),
                    "docs/security.md ({section}) names `{item}`, which does not exist"
                );
            } else if item.contains('_')
                && item.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == ':')
            {
                let name = item.rsplit("::").next().unwrap_or(item);
                let found = code.contains(&format!("fn {name}(")) || code.contains(&format!("fn {name}<"));
                assert!(found, "docs/security.md ({section}) names test `{item}`, which does not exist");
            } else {
                continue;
            }
            named += 1;
        }
    }
    assert!(named >= 40, "only {named} tests named in docs/security.md");
    let untested: Vec<&String> = sections_with_tests.iter().filter(|(_, t)| !**t).map(|(s, _)| s).collect();
    assert!(untested.is_empty(), "docs/security.md sections without a Test(s) paragraph: {untested:?}");
}

/// docs/security.md#output-escaping, end to end: a file name holding a newline and a GitHub
/// workflow command, and a route path and file name holding terminal escapes, neither forge an
/// annotation in `--format github` nor reach the terminal through the text report.
#[cfg(unix)]
#[test]
fn hostile_names_cannot_forge_annotations_or_reach_the_terminal() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let key = "AWS_ACCESS_KEY_ID=AKIAQ2MTX7WPLZK4RDHB\n";
    std::fs::write(dir.join("a\n::error file=forged.yml,line=1::forged\n.env"), key).expect("write");
    std::fs::write(dir.join("b\x1b]0;title\x07\x1b[31m.env"), key).expect("write");
    std::fs::write(
        dir.join("serverless.yml"),
        "service: s\nprovider:\n  name: aws\n  runtime: nodejs22.x\nfunctions:\n  \"f\\e[2J\":\n    handler: h.main\n    events:\n      - http:\n          path: \"/x\\e[2J\\r::error::forged\"\n          method: get\n",
    )
    .expect("write");
    for format in ["github", "text"] {
        let out = Command::cargo_bin("slsguard")
            .expect("binary built")
            .current_dir(dir)
            .env("FORCE_COLOR", "0")
            .env("NO_COLOR", "1")
            .args(["scan", "--no-config", "--fail-on", "none", "--format", format])
            .output()
            .expect("slsguard runs");
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
            let text = String::from_utf8_lossy(bytes);
            assert!(
                !text.contains('\x1b') && !text.contains('\x07') && !text.contains('\r'),
                "{format} {stream}: {text:?}"
            );
            assert!(
                !text.lines().any(|l| l.contains("::error file=forged") && l.starts_with("::")),
                "{format} {stream}: {text}"
            );
            assert!(!text.lines().any(|l| l.starts_with("::error::forged")), "{format} {stream}: {text}");
        }
        let text = String::from_utf8_lossy(&out.stdout);
        // The findings are there, escaped.
        assert!(text.contains("forged.yml"), "{format}: {text}");
        assert!(text.contains("auth-"), "{format}: {text}");
        if format == "github" {
            // Every line is one workflow command, but the closing summary.
            let other: Vec<&str> = text.lines().filter(|l| !l.starts_with("::")).collect();
            assert!(other.len() == 1 && other[0].contains(" findings in "), "{text}");
        }
    }
}
