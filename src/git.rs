//! Git as a source of files, through the `git` binary (it knows every index format, worktree
//! layout and `GIT_INDEX_FILE` a hook may be given; a reimplementation would not):
//! - `--staged`: the blobs staged in the index, not the working tree, for the pre-commit hook;
//! - `--changed-since REV`: the files changed since the merge base of REV and HEAD, for
//!   pull-request gates.
//!
//! Paths come back relative to the working directory (`--relative`), the form the rest of the
//! scan displays, so findings map to the same paths as a scan of the working tree.
//!
//! The repository is not trusted: its `.git/config` may name commands (`core.fsmonitor`,
//! `core.pager`, `diff.external`, textconv and filter drivers, hooks). Every git process runs
//! with [`command`]'s safe environment and only read-only plumbing, so a scan runs none of
//! them and never writes into `.git` (no index refresh, no `index.lock`); docs/security.md.

use crate::report::{Level, Notification};
use crate::scan::Input;
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};

#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("{flag}: could not run git: {message}")]
    Spawn { flag: &'static str, message: String },
    #[error("{flag}: {message}")]
    Failed { flag: &'static str, message: String },
}

/// Blob modes that hold no file content to scan: symlinks (the blob is the link's target)
/// and submodules (a commit id).
const SKIPPED_MODES: [&str; 2] = ["120000", "160000"];

/// A `git` process that runs nothing the repository configures: no system config, no
/// fsmonitor, hooks, pager, external diff or textconv, no prompts, no optional locks (so no
/// opportunistic index refresh). Filter drivers run only when git reads working-tree files
/// for their content; the one command that may (see [`changed_since`]) neutralizes them too.
pub fn command() -> Command {
    let mut cmd = Command::new("git");
    cmd.env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_OPTIONAL_LOCKS", "0")
        .env("GIT_PAGER", "cat")
        .env("PAGER", "cat")
        .env("GIT_ASKPASS", "true")
        .env("SSH_ASKPASS", "true")
        // No network: a partial clone would fetch a missing object from its promisor remote.
        .env("GIT_NO_LAZY_FETCH", "1")
        .env_remove("GIT_EXTERNAL_DIFF")
        .env_remove("GIT_DIFF_OPTS")
        .env_remove("GIT_TRACE")
        .args([
            "--no-pager",
            "-c",
            "core.fsmonitor=false",
            "-c",
            "core.hooksPath=/dev/null",
            "-c",
            "core.pager=cat",
            "-c",
            "core.untrackedCache=false",
            "-c",
            "diff.external=",
            "-c",
            "protocol.allow=never",
            "-c",
            "core.sshCommand=false",
            "-c",
            "credential.helper=",
        ])
        .stdin(Stdio::null());
    cmd
}

fn git(flag: &'static str, args: &[&str], paths: &[PathBuf]) -> Result<Vec<u8>, GitError> {
    git_with(flag, &[], args, paths)
}

/// Like [`git`], with extra `-c` settings (`overrides`, `key=value`) before the command.
fn git_with(flag: &'static str, overrides: &[String], args: &[&str], paths: &[PathBuf]) -> Result<Vec<u8>, GitError> {
    let mut cmd = command();
    for o in overrides {
        cmd.arg("-c").arg(o);
    }
    // Paths from the command line are paths, not pathspec globs.
    cmd.arg("--literal-pathspecs").args(args);
    if !paths.is_empty() {
        cmd.arg("--").args(paths);
    }
    let out = cmd.output().map_err(|e| GitError::Spawn { flag, message: e.to_string() })?;
    if !out.status.success() {
        return Err(failed(flag, &out.stderr));
    }
    Ok(out.stdout)
}

/// Outside a work tree `git diff` turns into `git diff --no-index` and fails obscurely; say so
/// plainly instead.
fn ensure_work_tree(flag: &'static str) -> Result<(), GitError> {
    let out = git(flag, &["rev-parse", "--is-inside-work-tree"], &[])?;
    if String::from_utf8_lossy(&out).trim() != "true" {
        return Err(GitError::Failed { flag, message: "not inside a git work tree".into() });
    }
    Ok(())
}

fn failed(flag: &'static str, stderr: &[u8]) -> GitError {
    let text = String::from_utf8_lossy(stderr);
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("git failed").trim();
    let hint = if first.contains("not a git repository") { " (run slsguard inside a git work tree)" } else { "" };
    GitError::Failed { flag, message: format!("{first}{hint}") }
}

/// One staged file: its path and blob id.
#[derive(Debug, Clone, PartialEq, Eq)]
struct StagedFile {
    path: String,
    blob: String,
}

/// Parses `git diff --raw -z` records: `:<old mode> <new mode> <old id> <new id> <status>\0<path>\0`.
fn parse_raw(out: &[u8]) -> Vec<StagedFile> {
    let mut files = Vec::new();
    let mut fields = out.split(|&b| b == 0);
    while let Some(meta) = fields.next() {
        let Some(path) = fields.next() else { break };
        let meta = String::from_utf8_lossy(meta);
        let parts: Vec<&str> = meta.trim_start_matches(':').split(' ').collect();
        let (Some(mode), Some(blob)) = (parts.get(1), parts.get(3)) else { continue };
        if SKIPPED_MODES.contains(mode) || path.is_empty() {
            continue;
        }
        files.push(StagedFile { path: crate::discover::display_bytes(path), blob: blob.to_string() });
    }
    files
}

/// The content staged in the index for the added, copied and modified files under `paths`,
/// as in-memory inputs. Blobs over `max_file_size` become notifications, as on disk.
pub fn staged(paths: &[PathBuf], max_file_size: u64) -> Result<(Vec<Input>, Vec<Notification>), GitError> {
    const FLAG: &str = "--staged";
    ensure_work_tree(FLAG)?;
    // Plumbing that compares the index with HEAD (or, before the first commit, the empty
    // tree): it reads no working-tree file and writes nothing.
    let head = match git(FLAG, &["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], &[]) {
        Ok(id) => String::from_utf8_lossy(&id).trim().to_string(),
        Err(_) => empty_tree(FLAG)?,
    };
    let raw = git(
        FLAG,
        &[
            "diff-index",
            "--cached",
            "--raw",
            "-z",
            "--no-abbrev",
            "--no-renames",
            "--no-ext-diff",
            "--no-textconv",
            "--ignore-submodules",
            "--diff-filter=ACM",
            "--relative",
            &head,
        ],
        paths,
    )?;
    let files = parse_raw(&raw);
    if files.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let blobs = cat_blobs(FLAG, &files, max_file_size)?;
    let mut inputs = Vec::new();
    let mut notes = Vec::new();
    for (file, blob) in files.into_iter().zip(blobs) {
        match blob {
            Blob::Content(content) => inputs.push(Input::Memory { display: file.path, content }),
            Blob::TooLarge(size) => notes.push(Notification::skipped(
                Level::Warning,
                "too-large",
                &file.path,
                &format!("skipped: {size} bytes is over the --max-file-size limit of {max_file_size} bytes"),
            )),
        }
    }
    inputs.sort_by(|a, b| a.display().cmp(b.display()));
    Ok((inputs, notes))
}

/// What [`index_or_disk`] found: the tracked files' staged content, the explicit paths the
/// index does not hold (read from disk), and blobs skipped as too large.
pub type IndexFiles = (Vec<Input>, Vec<PathBuf>, Vec<Notification>);

/// The given files as a commit records them, for pre-commit (which passes the files to check):
/// each file git tracks is read from the index (its staged blob), and the explicit paths the
/// index does not hold (untracked files) are returned for reading from disk. With
/// `pre-commit run --all-files`, every tracked file is passed, so every committed secret is
/// seen; on a commit, the staged files. Symlinks and submodules are skipped as with `--staged`.
pub fn index_or_disk(paths: &[PathBuf], max_file_size: u64) -> Result<IndexFiles, GitError> {
    const FLAG: &str = "--from-index";
    ensure_work_tree(FLAG)?;
    // `<mode> <blob> <stage>\t<path>\0`, paths relative to the working directory.
    let out = git(FLAG, &["ls-files", "--stage", "-z"], paths)?;
    let mut seen = BTreeSet::new();
    let mut files = Vec::new();
    for record in out.split(|&b| b == 0).filter(|r| !r.is_empty()) {
        let Some(tab) = record.iter().position(|&b| b == b'\t') else { continue };
        let meta = String::from_utf8_lossy(&record[..tab]);
        let mut parts = meta.split(' ');
        let (Some(mode), Some(blob)) = (parts.next(), parts.next()) else { continue };
        let path = crate::discover::display_bytes(&record[tab + 1..]);
        // A path in conflict has several stages; the first is read.
        if !seen.insert(path.clone()) || SKIPPED_MODES.contains(&mode) {
            continue;
        }
        files.push(StagedFile { path, blob: blob.to_string() });
    }
    let untracked: Vec<PathBuf> = paths
        .iter()
        .filter(|p| {
            let d = crate::discover::display_path(p, None);
            let under = format!("{d}/");
            !seen.iter().any(|s| *s == d || d == "." || s.starts_with(&under))
        })
        .cloned()
        .collect();
    let blobs = if files.is_empty() { Vec::new() } else { cat_blobs(FLAG, &files, max_file_size)? };
    let mut inputs = Vec::new();
    let mut notes = Vec::new();
    for (file, blob) in files.into_iter().zip(blobs) {
        match blob {
            Blob::Content(content) => inputs.push(Input::Memory { display: file.path, content }),
            Blob::TooLarge(size) => notes.push(Notification::skipped(
                Level::Warning,
                "too-large",
                &file.path,
                &format!("skipped: {size} bytes is over the --max-file-size limit of {max_file_size} bytes"),
            )),
        }
    }
    inputs.sort_by(|a, b| a.display().cmp(b.display()));
    Ok((inputs, untracked, notes))
}

/// A file's content as the index holds it (`path` relative to the working directory), or
/// `None` when the index does not hold it: `--staged` reads the configuration the commit will
/// hold.
pub fn index_content(path: &std::path::Path) -> Option<Vec<u8>> {
    let spec = format!(":./{}", crate::discover::display_path(path, None));
    let mut cmd = command();
    cmd.args(["cat-file", "blob", &spec]).stdout(Stdio::piped()).stderr(Stdio::null());
    let out = cmd.output().ok()?;
    out.status.success().then_some(out.stdout)
}

/// The id of the empty tree in this repository's hash (computed, not written).
fn empty_tree(flag: &'static str) -> Result<String, GitError> {
    let mut cmd = command();
    cmd.args(["hash-object", "-t", "tree", "--stdin"]).stdout(Stdio::piped()).stderr(Stdio::piped());
    // stdin stays /dev/null: the empty tree is the empty object.
    let out = cmd.output().map_err(|e| GitError::Spawn { flag, message: e.to_string() })?;
    if !out.status.success() {
        return Err(failed(flag, &out.stderr));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

enum Blob {
    Content(Vec<u8>),
    TooLarge(u64),
}

/// Reads blobs with one `git cat-file --batch` process. The ids are written from a second
/// thread so that neither side's pipe buffer can fill up and stall the other.
fn cat_blobs(flag: &'static str, files: &[StagedFile], max: u64) -> Result<Vec<Blob>, GitError> {
    let mut child = command()
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| GitError::Spawn { flag, message: e.to_string() })?;
    let (Some(mut stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
        return Err(GitError::Spawn { flag, message: "no pipes to git cat-file".into() });
    };
    let ids: String = files.iter().map(|f| format!("{}\n", f.blob)).collect();
    let result = std::thread::scope(|s| {
        s.spawn(move || {
            // A write error means git exited early; its stderr says why.
            let _ = stdin.write_all(ids.as_bytes());
        });
        let mut reader = BufReader::new(stdout);
        let mut blobs = Vec::with_capacity(files.len());
        for f in files {
            let mut header = String::new();
            reader.read_line(&mut header).map_err(|e| GitError::Failed { flag, message: e.to_string() })?;
            // `<id> <type> <size>`, or `<id> missing`.
            let size: Option<u64> = header.split_whitespace().nth(2).and_then(|s| s.parse().ok());
            let Some(size) = size else {
                return Err(GitError::Failed {
                    flag,
                    message: format!("could not read the staged content of {}: {}", f.path, header.trim()),
                });
            };
            let mut content = Vec::with_capacity(if size <= max { size as usize } else { 0 });
            let mut body = (&mut reader).take(size);
            let copied = if size <= max {
                body.read_to_end(&mut content).map(|n| n as u64)
            } else {
                std::io::copy(&mut body, &mut std::io::sink())
            }
            .map_err(|e| GitError::Failed { flag, message: e.to_string() })?;
            let mut newline = [0u8; 1];
            let _ = reader.read_exact(&mut newline);
            if copied != size {
                return Err(GitError::Failed {
                    flag,
                    message: format!("short read of the staged content of {}", f.path),
                });
            }
            blobs.push(if size <= max { Blob::Content(content) } else { Blob::TooLarge(size) });
        }
        Ok(blobs)
    });
    let status = child.wait_with_output().map_err(|e| GitError::Spawn { flag, message: e.to_string() })?;
    match result {
        Ok(blobs) => Ok(blobs),
        Err(e) if status.stderr.is_empty() => Err(e),
        Err(_) => Err(failed(flag, &status.stderr)),
    }
}

/// The files under `paths` changed since the merge base of `rev` and HEAD: committed on this
/// branch, changed in the working tree, or untracked (and not ignored). Deleted files are not
/// listed; they have nothing to report.
pub fn changed_since(rev: &str, paths: &[PathBuf]) -> Result<BTreeSet<String>, GitError> {
    const FLAG: &str = "--changed-since";
    ensure_work_tree(FLAG)?;
    let commit = format!("{rev}^{{commit}}");
    git(FLAG, &["rev-parse", "--verify", "--quiet", &commit], &[]).map_err(|_| GitError::Failed {
        flag: FLAG,
        message: format!("`{rev}` is not a commit in this repository (fetch it first, e.g. `git fetch origin main`)"),
    })?;
    let base = git(FLAG, &["merge-base", rev, "HEAD"], &[]).map_err(|e| GitError::Failed {
        flag: FLAG,
        message: format!(
            "`{rev}` and HEAD have no merge base; in a shallow clone, fetch more history (actions/checkout: `fetch-depth: 0`) ({e})"
        ),
    })?;
    let base = String::from_utf8_lossy(&base).trim().to_string();
    // `diff-index` compares the tree with the working tree through the index's stat data and
    // never refreshes the index (porcelain `git diff` rewrites a stale `.git/index`): a file
    // whose stat data changed but whose content did not is listed as changed, which only
    // means it is scanned. For "racily clean" entries it compares content, through the
    // repository's filter drivers: those are replaced by `cat`.
    let diff = git_with(
        FLAG,
        &neutral_filters(),
        &[
            "diff-index",
            "--name-only",
            "-z",
            "--no-renames",
            "--no-ext-diff",
            "--no-textconv",
            "--ignore-submodules",
            "--diff-filter=ACM",
            "--relative",
            &base,
        ],
        paths,
    )?;
    let untracked = git(FLAG, &["ls-files", "--others", "--exclude-standard", "-z"], paths)?;
    Ok(diff
        .split(|&b| b == 0)
        .chain(untracked.split(|&b| b == 0))
        .filter(|p| !p.is_empty())
        .map(crate::discover::display_bytes)
        .collect())
}

/// `-c` settings that turn every filter driver the configuration defines into a plain copy:
/// `clean`/`smudge` become `cat`, a long-running `process` is unset, and none is required.
fn neutral_filters() -> Vec<String> {
    let Ok(out) =
        command().args(["config", "--name-only", "--get-regexp", r"^filter\."]).stderr(Stdio::null()).output()
    else {
        return Vec::new();
    };
    let mut names: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        // `filter.<name>.<key>`; the name may itself hold dots.
        .filter_map(|l| l.strip_prefix("filter.").and_then(|r| r.rsplit_once('.')).map(|(name, _)| name.to_string()))
        .collect();
    names.sort();
    names.dedup();
    names
        .iter()
        .flat_map(|n| {
            [
                format!("filter.{n}.clean=cat"),
                format!("filter.{n}.smudge=cat"),
                format!("filter.{n}.process="),
                format!("filter.{n}.required=false"),
            ]
        })
        .collect()
}

/// The files git tracks under `dir` (none when `dir` is not in a work tree, or git is missing),
/// read from the index without refreshing it.
pub fn tracked_files(dir: &std::path::Path) -> Vec<PathBuf> {
    let Ok(out) = command().arg("-C").arg(dir).args(["ls-files", "-z", "--cached"]).stderr(Stdio::null()).output()
    else {
        return Vec::new();
    };
    if !out.status.success() {
        return Vec::new();
    }
    out.stdout.split(|&b| b == 0).filter(|p| !p.is_empty()).map(|p| dir.join(os_path(p))).collect()
}

/// A path from git's output (bytes) as an OS path.
fn os_path(bytes: &[u8]) -> PathBuf {
    #[cfg(unix)]
    {
        PathBuf::from(<std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(bytes))
    }
    #[cfg(not(unix))]
    {
        PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
    }
}

/// Could git find a repository from `dir`? False only when it certainly cannot: no git
/// variable names one and neither `dir` (its real path, as git sees it after `-C`) nor any
/// directory above it holds a `.git` or a `HEAD` (a bare repository). The two git processes
/// that otherwise learn there is none were about a tenth of the CPU of a pre-commit run over
/// one small file outside a repository.
pub fn may_be_in_repository(dir: &std::path::Path) -> bool {
    if ["GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR"].iter().any(|v| std::env::var_os(v).is_some()) {
        return true;
    }
    let Ok(real) = std::fs::canonicalize(dir) else {
        return true;
    };
    real.ancestors().any(|a| a.join(".git").symlink_metadata().is_ok() || a.join("HEAD").symlink_metadata().is_ok())
}

/// The repository's first commit, from which fingerprint keys are derived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FirstCommit {
    Id(String),
    /// A shallow clone: its oldest commit is not the first one.
    Shallow,
    /// Not in a repository, no commit yet, or no git.
    None,
}

/// The first commit of the history of HEAD in the repository holding `dir` (of several roots,
/// the smallest id, so the answer does not depend on traversal order).
pub fn first_commit(dir: &std::path::Path) -> FirstCommit {
    if !may_be_in_repository(dir) {
        return FirstCommit::None;
    }
    let run = |args: &[&str]| -> Option<String> {
        let out = command().arg("-C").arg(dir).args(args).stderr(Stdio::null()).output().ok()?;
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    match run(&["rev-parse", "--is-shallow-repository"]).as_deref() {
        Some("true") => return FirstCommit::Shallow,
        Some(_) => {}
        None => return FirstCommit::None,
    }
    match run(&["rev-list", "--max-parents=0", "HEAD"]) {
        Some(ids) => ids
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .min()
            .map_or(FirstCommit::None, |id| FirstCommit::Id(id.to_string())),
        None => FirstCommit::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repository_is_looked_for_only_where_git_could_find_one() {
        let tmp = tempfile::tempdir().unwrap();
        let plain = tmp.path().join("a/b");
        std::fs::create_dir_all(&plain).unwrap();
        // Outside any repository (when the temporary directory itself is not inside one).
        let above = std::fs::canonicalize(tmp.path()).unwrap();
        if !above.ancestors().any(|a| a.join(".git").exists() || a.join("HEAD").exists())
            && std::env::var_os("GIT_DIR").is_none()
            && std::env::var_os("GIT_WORK_TREE").is_none()
            && std::env::var_os("GIT_COMMON_DIR").is_none()
        {
            assert!(!may_be_in_repository(&plain));
            assert_eq!(first_commit(&plain), FirstCommit::None);
        }
        // A `.git` (directory, or a worktree's file) above, or a bare repository's HEAD.
        std::fs::write(tmp.path().join("a/.git"), "gitdir: /elsewhere\n").unwrap();
        assert!(may_be_in_repository(&plain));
        std::fs::remove_file(tmp.path().join("a/.git")).unwrap();
        std::fs::write(plain.join("HEAD"), "ref: refs/heads/main\n").unwrap();
        assert!(may_be_in_repository(&plain));
        // A directory that does not exist: git decides (and fails).
        assert!(may_be_in_repository(&tmp.path().join("missing")));
    }

    #[test]
    fn raw_records() {
        let z = "0".repeat(40);
        let out = format!(
            ":000000 100644 {z} aaa A\0a.env\0:100644 100644 bbb ccc M\0dir/b c.yml\0:000000 120000 {z} ddd A\0link\0:000000 160000 {z} eee A\0sub\0"
        );
        let files = parse_raw(out.as_bytes());
        assert_eq!(
            files,
            vec![
                StagedFile { path: "a.env".into(), blob: "aaa".into() },
                StagedFile { path: "dir/b c.yml".into(), blob: "ccc".into() },
            ]
        );
    }
}
