//! Which files a scan reads: a gitignore-aware parallel walk of the given paths (the `ignore`
//! crate, ripgrep's walker), `.git/` skipped, symlinks inside directories not followed. The
//! result is sorted, so the rest of the scan is deterministic whatever the thread count.
//!
//! What may be left out is decided by who can be trusted to decide it (docs/security.md,
//! "What is scanned"): `.gitignore` and git's excludes leave out untracked files only — a file
//! git tracks is scanned whatever they say (`git add -f prod.env` ships it); other ignore files
//! (`.ignore`, `.rgignore`) are honoured only when the user opts in. Every explicit argument is
//! scanned or is an error with the reason: a file, a directory, or a symlink to one of them.

use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct DiscoveredFile {
    /// Path as displayed and fingerprinted: relative to the working directory when the file is
    /// under it, `/`-separated, in the escaped form of [`display_bytes`] when not UTF-8.
    pub display: String,
    /// Path to open (the raw name).
    pub path: PathBuf,
}

#[derive(Debug, Clone, Default)]
pub struct DiscoverOptions {
    /// Also walk into what .gitignore and git's excludes leave out.
    pub no_ignore: bool,
    /// Honour `.ignore` and `.rgignore` files (opt-in: they are repository-controlled and are
    /// not what git ships).
    pub respect_ignore_files: bool,
    /// Walker threads; 0 picks one per core (asked only when a directory is walked: asking
    /// costs reading the cgroup's CPU quota, a pre-commit run over files need not).
    pub threads: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    #[error("{0}: no such file or directory")]
    Missing(String),
    #[error("{path}: {reason}; nothing to scan")]
    NotScannable { path: String, reason: String },
}

/// Problems met while walking (unreadable directories), reported and skipped.
#[derive(Debug, Clone)]
pub struct WalkProblem {
    pub path: String,
    pub message: String,
}

pub fn discover(
    roots: &[PathBuf],
    opts: &DiscoverOptions,
) -> Result<(Vec<DiscoveredFile>, Vec<WalkProblem>), DiscoverError> {
    let cwd = std::env::current_dir().ok();
    let files = Mutex::new(Vec::new());
    let problems = Mutex::new(Vec::new());
    for root in roots {
        let shown = || display_path(root, cwd.as_deref());
        let meta = std::fs::symlink_metadata(root).map_err(|_| DiscoverError::Missing(shown()))?;
        let dir = if meta.is_file() {
            push(&files, root, cwd.as_deref());
            continue;
        } else if meta.is_dir() {
            root.clone()
        } else if meta.file_type().is_symlink() {
            // A symlink given explicitly is followed once, to a file or a directory.
            let target = std::fs::metadata(root).map_err(|_| {
                let to = std::fs::read_link(root).map(|t| display_os(t.as_os_str())).unwrap_or_default();
                DiscoverError::NotScannable { path: shown(), reason: format!("a broken symbolic link (to `{to}`)") }
            })?;
            if target.is_file() {
                push(&files, root, cwd.as_deref());
                continue;
            }
            if !target.is_dir() {
                return Err(DiscoverError::NotScannable {
                    path: shown(),
                    reason: format!("a symbolic link to {}", special_kind(&target)),
                });
            }
            // The trailing separator makes the walker's root the directory, not the link, and
            // keeps the paths under the name given.
            root.join("")
        } else {
            return Err(DiscoverError::NotScannable { path: shown(), reason: special_kind(&meta) });
        };
        walk(&dir, opts, &files, &problems, cwd.as_deref());
        if !opts.no_ignore {
            for path in crate::git::tracked_files(&dir) {
                // Tracked but not walked: left out by .gitignore, yet in every commit.
                if std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
                    push(&files, &path, cwd.as_deref());
                }
            }
        }
    }
    let mut files = files.into_inner().unwrap_or_default();
    files.sort();
    files.dedup_by(|a, b| a.display == b.display);
    let mut problems = problems.into_inner().unwrap_or_default();
    problems.sort_by(|a, b| (&a.path, &a.message).cmp(&(&b.path, &b.message)));
    Ok((files, problems))
}

fn walk(
    dir: &Path,
    opts: &DiscoverOptions,
    files: &Mutex<Vec<DiscoveredFile>>,
    problems: &Mutex<Vec<WalkProblem>>,
    cwd: Option<&Path>,
) {
    let mut builder = ignore::WalkBuilder::new(dir);
    builder
        .hidden(false) // .env files and dot-directories hold secrets too
        .follow_links(false)
        .require_git(false)
        .git_ignore(!opts.no_ignore)
        .git_global(!opts.no_ignore)
        .git_exclude(!opts.no_ignore)
        .ignore(!opts.no_ignore && opts.respect_ignore_files)
        .parents(!opts.no_ignore)
        .threads(if opts.threads == 0 { crate::scan::worker_threads(0) } else { opts.threads })
        .filter_entry(|e| e.file_name() != ".git");
    if !opts.no_ignore && opts.respect_ignore_files {
        builder.add_custom_ignore_filename(".rgignore");
    }
    builder.build_parallel().run(|| {
        Box::new(|entry| {
            match entry {
                Ok(e) => {
                    if e.file_type().is_some_and(|t| t.is_file()) {
                        push(files, e.path(), cwd);
                    }
                }
                Err(err) => {
                    let path = error_path(&err).map_or_else(|| display_path(dir, cwd), |p| display_path(p, cwd));
                    if let Ok(mut p) = problems.lock() {
                        p.push(WalkProblem { path, message: error_message(&err) });
                    }
                }
            }
            ignore::WalkState::Continue
        })
    });
}

/// The path an error of the walk is about (an unreadable directory), if it names one.
fn error_path(err: &ignore::Error) -> Option<&Path> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => error_path(err),
        ignore::Error::Partial(errs) => errs.iter().find_map(error_path),
        _ => None,
    }
}

/// The error without the path (reported apart, in display form).
fn error_message(err: &ignore::Error) -> String {
    match err {
        ignore::Error::WithPath { err, .. } | ignore::Error::WithDepth { err, .. } => error_message(err),
        other => other.to_string(),
    }
}

/// What a path that is neither a file nor a directory is, for errors.
fn special_kind(meta: &std::fs::Metadata) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        let kind = if t.is_fifo() {
            "a FIFO (named pipe)"
        } else if t.is_socket() {
            "a socket"
        } else if t.is_char_device() {
            "a character device"
        } else if t.is_block_device() {
            "a block device"
        } else {
            "neither a file nor a directory"
        };
        kind.to_string()
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        "neither a file nor a directory".to_string()
    }
}

/// Whether anything under `roots` is a file, ignore files and all (for "nothing scanned in a
/// tree that is not empty").
pub fn holds_files(roots: &[PathBuf]) -> bool {
    roots.iter().any(|root| {
        root.is_file()
            || ignore::WalkBuilder::new(root.join(""))
                .standard_filters(false)
                .follow_links(false)
                .filter_entry(|e| e.file_name() != ".git")
                .build()
                .flatten()
                .any(|e| e.file_type().is_some_and(|t| t.is_file()))
    })
}

fn push(files: &Mutex<Vec<DiscoveredFile>>, path: &Path, cwd: Option<&Path>) {
    let f = DiscoveredFile { display: display_path(path, cwd), path: path.to_path_buf() };
    if let Ok(mut v) = files.lock() {
        v.push(f);
    }
}

/// Relative to `cwd` when under it (without `./`), else as given; `/`-separated; names that are
/// not UTF-8 in the escaped form of [`display_bytes`].
pub fn display_path(path: &Path, cwd: Option<&Path>) -> String {
    let rel = if path.is_absolute() { cwd.and_then(|c| path.strip_prefix(c).ok()).unwrap_or(path) } else { path };
    let parts: Vec<String> = rel
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .map(|c| match c {
            Component::RootDir => String::new(),
            other => display_os(other.as_os_str()),
        })
        .collect();
    let s = parts.join("/");
    if s.is_empty() { ".".into() } else { s }
}

/// One piece of a raw path: a character, or a byte that is not part of valid UTF-8.
enum Unit {
    Char(char),
    Byte(u8),
}

/// The display form of a raw path (bytes, as Unix file names are): UTF-8 as is; each byte
/// that is not valid UTF-8 as `\xHH`; and a backslash that would read as the start of such an
/// escape (one followed by `x` or by another backslash, or by an escaped byte) doubled. The
/// form is injective — two different names never display the same (`bad\xfe.py` and
/// `bad\xff.py` stay two files) — and [`raw_bytes`] turns it back (docs/json-output.md).
pub fn display_bytes(bytes: &[u8]) -> String {
    let mut units = Vec::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        units.extend(chunk.valid().chars().map(Unit::Char));
        units.extend(chunk.invalid().iter().map(|&b| Unit::Byte(b)));
    }
    let mut out = String::with_capacity(bytes.len());
    for (i, u) in units.iter().enumerate() {
        match u {
            Unit::Char('\\') => {
                let ambiguous = matches!(units.get(i + 1), Some(Unit::Byte(_) | Unit::Char('\\' | 'x')));
                out.push_str(if ambiguous { "\\\\" } else { "\\" });
            }
            Unit::Char(c) => out.push(*c),
            Unit::Byte(b) => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out
}

/// [`display_bytes`] of an OS string (on Windows, whose names are UTF-16, the lossy UTF-8).
pub fn display_os(s: &std::ffi::OsStr) -> String {
    #[cfg(unix)]
    {
        display_bytes(std::os::unix::ffi::OsStrExt::as_bytes(s))
    }
    #[cfg(not(unix))]
    {
        display_bytes(s.to_string_lossy().as_bytes())
    }
}

/// The raw bytes a display path stands for (the inverse of [`display_bytes`]).
pub fn raw_bytes(display: &str) -> Vec<u8> {
    let b = display.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' {
            if b.get(i + 1) == Some(&b'\\') {
                out.push(b'\\');
                i += 2;
                continue;
            }
            if b.get(i + 1) == Some(&b'x') {
                let hex = b.get(i + 2..i + 4).and_then(|h| std::str::from_utf8(h).ok());
                if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    out.push(v);
                    i += 4;
                    continue;
                }
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// The file a display path names, to open or test for existence.
pub fn disk_path(display: &str) -> PathBuf {
    #[cfg(unix)]
    {
        PathBuf::from(<std::ffi::OsString as std::os::unix::ffi::OsStringExt>::from_vec(raw_bytes(display)))
    }
    #[cfg(not(unix))]
    {
        PathBuf::from(String::from_utf8_lossy(&raw_bytes(display)).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_paths() {
        let cwd = Path::new("/repo");
        assert_eq!(display_path(Path::new("./a/b.yml"), Some(cwd)), "a/b.yml");
        assert_eq!(display_path(Path::new("/repo/a/b.yml"), Some(cwd)), "a/b.yml");
        assert_eq!(display_path(Path::new("/other/x"), Some(cwd)), "/other/x");
    }

    #[test]
    fn walk_errors_name_the_directory() {
        let io = || Box::new(ignore::Error::Io(std::io::Error::from(std::io::ErrorKind::PermissionDenied)));
        let err = ignore::Error::WithDepth {
            depth: 2,
            err: Box::new(ignore::Error::WithPath { path: PathBuf::from("app/secret"), err: io() }),
        };
        assert_eq!(error_path(&err), Some(Path::new("app/secret")));
        assert!(!error_message(&err).contains("app/secret"), "{}", error_message(&err));
        assert_eq!(error_path(&ignore::Error::Io(std::io::Error::other("x"))), None);
    }

    #[test]
    fn display_form_is_injective_and_reversible() {
        let names: [&[u8]; 10] = [
            b"bad\xfe.py",
            b"bad\xff.py",
            b"bad\\xfe.py",
            b"bad\\\\xfe.py",
            b"a\\b",
            b"a\\",
            b"a\\\xfe",
            b"caf\xc3\xa9",
            b"\\x4",
            b"\\\\",
        ];
        let shown: Vec<String> = names.iter().map(|n| display_bytes(n)).collect();
        for (n, s) in names.iter().zip(&shown) {
            assert_eq!(raw_bytes(s), *n, "{s}");
        }
        let distinct: std::collections::HashSet<&String> = shown.iter().collect();
        assert_eq!(distinct.len(), names.len(), "{shown:?}");
        assert_eq!(shown[0], "bad\\xfe.py");
        assert_eq!(shown[2], "bad\\\\xfe.py");
        assert_eq!(shown[4], "a\\b", "a backslash that reads as itself stays single");
        assert_eq!(shown[7], "café");
    }
}
