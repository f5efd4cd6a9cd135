//! Third-party code committed with an app: installed packages (`node_modules`, `site-packages`,
//! Python packages installed next to a handler with `pip install -t .`), `vendor/` trees,
//! bundled and minified files. Their docs and tests are full of sample keys and example
//! assignments, and their authors, not the app's, own their secrets: such files are scanned
//! with the high-confidence provider rules only (see `SecretEngine::scan`).

use std::collections::BTreeSet;

/// Whose text a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Origin {
    /// The app's own files: every rule applies.
    #[default]
    FirstParty,
    /// Third-party code: only rules of `high` or `very-high` precision that are not `generic`.
    Vendored,
}

/// Directory names that hold installed third-party code, whatever the language.
const VENDOR_DIRS: &[&str] =
    &["node_modules", "bower_components", "jspm_packages", "site-packages", "dist-packages", "vendor", ".venv"];

/// The vendored parts of one scan, known from the list of files: Python distributions
/// (`NAME-VERSION.dist-info/`, `NAME.egg-info/`) mark their directory as an install target, and
/// the packages they installed there (read from their `RECORD` / `top_level.txt` when given,
/// else by name) as vendored.
#[derive(Debug, Default, Clone)]
pub struct VendoredDirs {
    /// Paths (without a trailing '/') of vendored directories and single-module files.
    prefixes: BTreeSet<String>,
}

impl VendoredDirs {
    /// `paths`: every file of the scan. `read(path)` gives the text of a distribution's
    /// `RECORD` or `top_level.txt` when it can be read.
    pub fn from_paths(paths: &[&str], read: impl Fn(&str) -> Option<Vec<u8>>) -> Self {
        let mut prefixes = BTreeSet::new();
        let mut installs: BTreeSet<(String, String)> = BTreeSet::new();
        for p in paths {
            let mut at = 0;
            for comp in p.split('/') {
                let dir = &p[..at + comp.len()];
                at += comp.len() + 1;
                if at > p.len() {
                    break; // the file name itself
                }
                if let Some(dist) = comp.strip_suffix(".dist-info").or_else(|| comp.strip_suffix(".egg-info")) {
                    let parent = dir[..dir.len() - comp.len()].trim_end_matches('/').to_string();
                    prefixes.insert(dir.to_string());
                    installs.insert((parent, dist.to_string()));
                }
            }
        }
        for (parent, dist) in installs {
            let join = |name: &str| if parent.is_empty() { name.to_string() } else { format!("{parent}/{name}") };
            let mut names = BTreeSet::new();
            for meta in ["RECORD", "top_level.txt", "installed-files.txt"] {
                for suffix in [".dist-info", ".egg-info"] {
                    if let Some(text) = read(&join(&format!("{dist}{suffix}/{meta}"))) {
                        top_level_names(&text, &mut names);
                    }
                }
            }
            // Without metadata, the distribution's own name: `python_dateutil-2.9.0` → `python_dateutil`.
            if names.is_empty() {
                let name = dist.split('-').next().unwrap_or(&dist).replace(['-', '.'], "_").to_ascii_lowercase();
                names.insert(name);
            }
            for n in names {
                prefixes.insert(join(&n));
            }
        }
        Self { prefixes }
    }

    /// Whose text the file at `path` is, from its path and its content.
    pub fn origin(&self, path: &str, text: &[u8]) -> Origin {
        if self.installed(path) || is_bundle(path, text) { Origin::Vendored } else { Origin::FirstParty }
    }

    /// Is `path` installed third-party code (a dependency directory or an installed Python
    /// package), whatever its content?
    pub fn installed(&self, path: &str) -> bool {
        in_vendor_dir(path) || self.is_under(path)
    }

    /// `path`, or one of its directories, is a package a distribution installed.
    fn is_under(&self, path: &str) -> bool {
        if self.prefixes.is_empty() {
            return false;
        }
        if self.prefixes.contains(path.strip_suffix(".py").unwrap_or(path)) {
            return true;
        }
        let mut cur = path;
        while let Some(i) = cur.rfind('/') {
            cur = &path[..i];
            if self.prefixes.contains(cur) {
                return true;
            }
        }
        false
    }
}

/// First path components of a `RECORD` (`pkg/mod.py,sha256=…,123`) or `top_level.txt`
/// (`pkg`) or `installed-files.txt` (`../pkg/mod.py`).
fn top_level_names(text: &[u8], out: &mut BTreeSet<String>) {
    for line in String::from_utf8_lossy(text).lines() {
        let path = line.split(',').next().unwrap_or("").trim();
        let path = path.trim_start_matches("../");
        let first = path.split('/').next().unwrap_or("");
        if first.is_empty()
            || first == ".."
            || first == "__pycache__"
            || first.ends_with(".dist-info")
            || first.ends_with(".egg-info")
            || first.ends_with(".pth")
        {
            continue;
        }
        out.insert(first.strip_suffix(".py").unwrap_or(first).to_string());
    }
}

fn in_vendor_dir(path: &str) -> bool {
    let mut comps = path.split('/');
    comps.next_back(); // the file name
    comps.any(|c| VENDOR_DIRS.contains(&c))
}

/// Bundled or minified JavaScript/CSS: by name (`*.min.js`, `*.bundle.js`, source maps) or by
/// content (a bundler's runtime, or lines no person writes).
fn is_bundle(path: &str, text: &[u8]) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    if [".min.js", ".min.mjs", ".min.css", ".bundle.js", ".chunk.js", ".js.map", ".mjs.map", ".css.map"]
        .iter()
        .any(|s| name.ends_with(s))
    {
        return true;
    }
    if ![".js", ".mjs", ".cjs", ".css"].iter().any(|s| name.ends_with(s)) {
        return false;
    }
    let head = &text[..text.len().min(64 * 1024)];
    if memchr::memmem::find(head, b"__webpack_require__").is_some()
        || memchr::memmem::find(head, b"__esbuild").is_some()
        || memchr::memmem::find(head, b"//# sourceMappingURL=").is_some() && head.len() > 32 * 1024
    {
        return true;
    }
    // Minified: long lines make most of the text.
    let long: usize = head.split(|&b| b == b'\n').filter(|l| l.len() > 1000).map(<[u8]>::len).sum();
    head.len() >= 4096 && long * 2 > head.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_packages_next_to_a_handler() {
        let paths = [
            "fn/handler.py",
            "fn/app/settings.py",
            "fn/requests/__init__.py",
            "fn/requests-2.31.0.dist-info/METADATA",
            "fn/yaml/__init__.py",
            "fn/PyYAML-6.0.1.dist-info/RECORD",
            "fn/six.py",
            "fn/six-1.16.0.dist-info/RECORD",
            "fn/requests_toolbelt/x.py",
        ];
        let v = VendoredDirs::from_paths(&paths, |p| match p {
            "fn/PyYAML-6.0.1.dist-info/RECORD" => {
                Some(b"yaml/__init__.py,sha256=x,1\n_yaml/__init__.py,,\nPyYAML-6.0.1.dist-info/RECORD,,\n".to_vec())
            }
            "fn/six-1.16.0.dist-info/RECORD" => {
                Some(b"six.py,sha256=x,1\n__pycache__/six.cpython-311.pyc,,\n".to_vec())
            }
            _ => None,
        });
        let o = |p: &str| v.origin(p, b"x = 1\n");
        assert_eq!(o("fn/handler.py"), Origin::FirstParty);
        assert_eq!(o("fn/app/settings.py"), Origin::FirstParty);
        assert_eq!(o("fn/requests/__init__.py"), Origin::Vendored);
        assert_eq!(o("fn/requests-2.31.0.dist-info/METADATA"), Origin::Vendored);
        assert_eq!(o("fn/yaml/__init__.py"), Origin::Vendored);
        assert_eq!(o("fn/six.py"), Origin::Vendored);
        assert_eq!(o("fn/requests_toolbelt/x.py"), Origin::FirstParty);
    }

    #[test]
    fn vendor_directories_and_bundles() {
        let v = VendoredDirs::default();
        assert_eq!(v.origin("web/node_modules/aws-sdk/lib/x.js", b""), Origin::Vendored);
        assert_eq!(v.origin(".venv/lib/python3.12/site-packages/x.py", b""), Origin::Vendored);
        assert_eq!(v.origin("vendor/github.com/x/y.go", b""), Origin::Vendored);
        assert_eq!(v.origin("src/vendors.js", b""), Origin::FirstParty);
        assert_eq!(v.origin("public/app.min.js", b""), Origin::Vendored);
        let minified = format!("!function(e){{{}}}", "var a=1;".repeat(1000));
        assert_eq!(v.origin("dist/main.js", minified.as_bytes()), Origin::Vendored);
        assert_eq!(v.origin("src/main.js", b"const a = 1;\n".repeat(500).as_slice()), Origin::FirstParty);
        assert_eq!(v.origin("dist/x.py", minified.as_bytes()), Origin::FirstParty);
    }
}
