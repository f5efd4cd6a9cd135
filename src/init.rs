//! `slsguard init`: a commented `.slsguard.yml` to start from, and, on request, the pre-commit
//! hook entry and the GitHub Actions workflow of docs/pre-commit.md and docs/ci.md. Files that
//! exist are left alone unless `--force`.

use std::path::{Path, PathBuf};

pub const CONFIG: &str = r#"# slsguard configuration (docs/config.md). Every key is optional; the values below
# are the defaults, commented out.
# yaml-language-server: $schema=https://raw.githubusercontent.com/slsguard/slsguard/main/docs/config.schema.json

# Fail the scan at or above this severity: none | low | medium | high | critical.
# medium blocks secrets, over-broad permissions and public routes and reports the rest.
# fail_on: medium

# Run only these rules (ids or globs such as "secret-*"); empty: all.
# enable: []

# Never run these rules.
# disable: []

# Change a rule's severity (id or glob -> low | medium | high | critical).
# severity:
#   iam-shared-function-role: medium

# Leave these paths out of every scan (.gitignore conventions, relative to this file).
# exclude:
#   - tests/fixtures/
#   - "*.min.js"

# Routes that are public on purpose; the authentication rules leave them alone.
# public_routes:
#   - GET /health

# Also load the custom rules in these directories (docs/rules.md).
# rule_dirs: []
"#;

pub const PRE_COMMIT: &str = r#"# pre-commit hooks (https://pre-commit.com); slsguard's: docs/pre-commit.md
repos:
  - repo: https://github.com/slsguard/slsguard
    rev: main              # better: a commit SHA of slsguard (no release is tagged yet)
    hooks:
      - id: slsguard
"#;

pub const GITHUB: &str = r#"# slsguard: code scanning alerts and a gate on pull requests (docs/ci.md)
name: slsguard

on:
  push:
    branches: [main]
  pull_request:

permissions:
  contents: read

jobs:
  slsguard:
    runs-on: ubuntu-latest
    permissions:
      contents: read
      security-events: write   # upload SARIF to code scanning
      actions: read            # upload-sarif needs it in private repositories
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0       # --changed-since needs the merge base
      - uses: slsguard/slsguard@main   # better: pin a commit SHA of slsguard
        with:
          category: slsguard
          args: ${{ github.base_ref && format('--changed-since origin/{0}', github.base_ref) || '' }}
"#;

/// What `init` writes: (path, content).
pub fn files(pre_commit: bool, github: bool) -> Vec<(PathBuf, &'static str)> {
    let mut out = vec![(PathBuf::from(".slsguard.yml"), CONFIG)];
    if pre_commit {
        out.push((PathBuf::from(".pre-commit-config.yaml"), PRE_COMMIT));
    }
    if github {
        out.push((Path::new(".github").join("workflows").join("slsguard.yml"), GITHUB));
    }
    out
}

#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error("{0} exists; not overwritten (use --force to replace it{1})")]
    Exists(String, &'static str),
    #[error("could not write {0}: {1}")]
    Io(String, String),
}

/// Writes the files under `dir`; returns the paths written.
pub fn write(dir: &Path, pre_commit: bool, github: bool, force: bool) -> Result<Vec<PathBuf>, InitError> {
    let files = files(pre_commit, github);
    for (rel, _) in &files {
        if dir.join(rel).exists() && !force {
            let hint = if rel.ends_with(".pre-commit-config.yaml") {
                ", or add the hook by hand: see docs/pre-commit.md"
            } else {
                ""
            };
            return Err(InitError::Exists(rel.display().to_string(), hint));
        }
    }
    let mut written = Vec::new();
    for (rel, content) in files {
        let path = dir.join(&rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| InitError::Io(rel.display().to_string(), e.to_string()))?;
        }
        std::fs::write(&path, content).map_err(|e| InitError::Io(rel.display().to_string(), e.to_string()))?;
        written.push(rel);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_commented_config_is_valid_and_sets_nothing() {
        let c = crate::config::Config::parse(Path::new(".slsguard.yml"), CONFIG).expect("valid");
        assert!(c.fail_on.is_none() && c.enable.is_empty() && c.disable.is_empty() && c.public_routes.is_empty());
    }

    #[test]
    fn init_writes_and_does_not_overwrite() {
        let dir = tempfile_dir();
        let written = write(&dir, true, true, false).expect("written");
        assert_eq!(written.len(), 3);
        assert!(dir.join(".github/workflows/slsguard.yml").is_file());
        let again = write(&dir, false, false, false).unwrap_err().to_string();
        assert!(again.starts_with(".slsguard.yml exists"), "{again}");
        assert!(write(&dir, false, false, true).is_ok());
        let _ = std::fs::remove_dir_all(&dir);
    }

    fn tempfile_dir() -> PathBuf {
        let d = std::env::temp_dir().join(format!("slsguard-init-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).expect("temp dir");
        d
    }
}
