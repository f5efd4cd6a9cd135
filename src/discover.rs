//! Which files a scan reads: a gitignore-aware parallel walk of the given paths (the `ignore`
//! crate, ripgrep's walker), `.git/` skipped, symlinks not followed. Explicitly named files are
//! always scanned, even when ignored. The result is sorted, so the rest of the scan is
//! deterministic whatever the thread count.

use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct DiscoveredFile {
    /// Path as displayed and fingerprinted: relative to the working directory when the file is
    /// under it, `/`-separated.
    pub display: String,
    /// Path to open.
    pub path: PathBuf,
}

#[derive(Debug, Clone)]
pub struct DiscoverOptions {
    /// Also walk into what .gitignore / .ignore exclude.
    pub no_ignore: bool,
    pub threads: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    #[error("{0}: no such file or directory")]
    Missing(String),
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
        let meta = std::fs::symlink_metadata(root).map_err(|_| DiscoverError::Missing(root.display().to_string()))?;
        if meta.is_file() {
            push(&files, root, cwd.as_deref());
            continue;
        }
        if !meta.is_dir() {
            // A symlink given explicitly is followed once, like a file argument.
            if std::fs::metadata(root).map(|m| m.is_file()).unwrap_or(false) {
                push(&files, root, cwd.as_deref());
            }
            continue;
        }
        let mut builder = ignore::WalkBuilder::new(root);
        builder
            .hidden(false) // .env files and dot-directories hold secrets too
            .follow_links(false)
            .require_git(false)
            .git_ignore(!opts.no_ignore)
            .git_global(!opts.no_ignore)
            .git_exclude(!opts.no_ignore)
            .ignore(!opts.no_ignore)
            .parents(!opts.no_ignore)
            .threads(opts.threads.max(1))
            .filter_entry(|e| e.file_name() != ".git");
        builder.build_parallel().run(|| {
            Box::new(|entry| {
                match entry {
                    Ok(e) => {
                        if e.file_type().is_some_and(|t| t.is_file()) {
                            push(&files, e.path(), cwd.as_deref());
                        }
                    }
                    Err(err) => {
                        if let Ok(mut p) = problems.lock() {
                            p.push(WalkProblem { path: root.display().to_string(), message: err.to_string() });
                        }
                    }
                }
                ignore::WalkState::Continue
            })
        });
    }
    let mut files = files.into_inner().unwrap_or_default();
    files.sort();
    files.dedup_by(|a, b| a.display == b.display);
    let mut problems = problems.into_inner().unwrap_or_default();
    problems.sort_by(|a, b| (&a.path, &a.message).cmp(&(&b.path, &b.message)));
    Ok((files, problems))
}

fn push(files: &Mutex<Vec<DiscoveredFile>>, path: &Path, cwd: Option<&Path>) {
    let f = DiscoveredFile { display: display_path(path, cwd), path: path.to_path_buf() };
    if let Ok(mut v) = files.lock() {
        v.push(f);
    }
}

/// Relative to `cwd` when under it (without `./`), else as given; `/`-separated.
pub fn display_path(path: &Path, cwd: Option<&Path>) -> String {
    let rel = if path.is_absolute() { cwd.and_then(|c| path.strip_prefix(c).ok()).unwrap_or(path) } else { path };
    let parts: Vec<String> = rel
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .map(|c| match c {
            Component::RootDir => String::new(),
            other => other.as_os_str().to_string_lossy().into_owned(),
        })
        .collect();
    let s = parts.join("/");
    if s.is_empty() { ".".into() } else { s }
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
}
