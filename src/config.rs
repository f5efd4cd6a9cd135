//! The configuration file, `.slsguard.yml`: which rules run and at what severity, which paths
//! are left out, extra rule directories, routes that are public on purpose, and the failure
//! threshold. Documented in docs/config.md, with a JSON Schema in docs/config.schema.json.
//!
//! A mistake in the file is an error (exit 2) with the file, line and column, and a hint:
//! a gate that silently ignores a misspelt `disable:` would be worse than one that stops.

use crate::cli::{FailOn, ParseErrors};
use crate::finding::Severity;
use crate::loader::{self, Node};
use crate::rules::{RuleSet, id_matches};
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Names looked for in the scan root, in order.
pub const FILE_NAMES: [&str; 2] = [".slsguard.yml", ".slsguard.yaml"];

/// The file as written. Field docs are the reference (docs/config.md repeats them).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[serde(default)]
    enable: Vec<String>,
    #[serde(default)]
    disable: Vec<String>,
    #[serde(default)]
    severity: BTreeMap<String, Severity>,
    #[serde(default)]
    rule_dirs: Vec<String>,
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default)]
    public_routes: Vec<String>,
    #[serde(default)]
    fail_on: Option<FailOn>,
    #[serde(default)]
    fingerprint_key: Option<String>,
    #[serde(default)]
    respect_ignore_files: bool,
    #[serde(default)]
    parse_errors: Option<ParseErrors>,
}

/// The keys of the file, in documentation order.
pub const KEYS: [&str; 10] = [
    "enable",
    "disable",
    "severity",
    "rule_dirs",
    "exclude",
    "public_routes",
    "fail_on",
    "fingerprint_key",
    "respect_ignore_files",
    "parse_errors",
];

/// Shortest `fingerprint_key`: it keys the hash that keeps weak secrets from being guessed.
const MIN_KEY_LEN: usize = 16;

/// How each key is written, for hints.
fn example(key: &str) -> Option<&'static str> {
    Some(match key {
        "enable" => "a list of rule ids or globs, e.g. `enable: [\"secret-*\", iam-wildcard-action]`",
        "disable" => "a list of rule ids or globs, e.g. `disable: [secret-generic-assignment]`",
        "severity" => {
            "a map from rule id (or glob) to low, medium, high or critical, e.g. `severity: {iam-wildcard-resource: low}`"
        }
        "rule_dirs" => "a list of directories, relative to the config file, e.g. `rule_dirs: [security/rules]`",
        "exclude" => {
            "a list of globs, relative to the config file, e.g. `exclude: [\"tests/fixtures/**\", \"*.min.js\"]`"
        }
        "public_routes" => {
            "a list of routes, `METHOD /path` or `/path` (any method), e.g. `public_routes: [\"GET /health\"]`"
        }
        "fail_on" => "one of none, low, medium, high, critical, e.g. `fail_on: high`",
        "fingerprint_key" => "a string of at least 16 characters, e.g. the output of `openssl rand -hex 16`",
        "respect_ignore_files" => "true or false, e.g. `respect_ignore_files: true`",
        "parse_errors" => "error or warn, e.g. `parse_errors: warn`",
        _ => return None,
    })
}

const METHODS: [&str; 9] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY", "*"];

/// A loaded, validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file, as found or given.
    pub path: PathBuf,
    /// Rules to run (ids or globs); empty: all. `--only` replaces it.
    pub enable: Vec<String>,
    /// Rules not to run (ids or globs); `--skip` adds to it.
    pub disable: Vec<String>,
    /// Severity overrides, by rule id or glob.
    pub severity: BTreeMap<String, Severity>,
    /// Extra rule directories, resolved against the config file's directory.
    pub rule_dirs: Vec<PathBuf>,
    pub exclude: Exclude,
    /// Routes public by design, normalized to `METHOD /path` or `/path`; the auth rules leave
    /// them alone (see `ScanOptions::public_routes`).
    pub public_routes: Vec<String>,
    /// `--fail-on` when the command line does not give one.
    pub fail_on: Option<FailOn>,
    /// The key of fingerprints (docs/security.md#fingerprints); `SLSGUARD_FINGERPRINT_KEY` wins.
    pub fingerprint_key: Option<String>,
    /// Honour `.ignore` / `.rgignore` files (`--respect-ignore-files`).
    pub respect_ignore_files: bool,
    /// `--parse-errors` when the command line does not give one.
    pub parse_errors: Option<ParseErrors>,
    doc: Node,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {message}")]
    Io { path: String, message: String },
    #[error("{path}:{line}:{column}: {message}{}", hint.as_ref().map(|h| format!("\n  hint: {h}")).unwrap_or_default())]
    Invalid { path: String, line: u32, column: u32, message: String, hint: Option<String> },
}

/// The configuration file in `dir`, if there is one.
pub fn find(dir: &Path) -> Option<PathBuf> {
    FILE_NAMES.iter().map(|n| if dir == Path::new(".") { PathBuf::from(n) } else { dir.join(n) }).find(|p| p.is_file())
}

/// The directories where a scan of `path` looks for its configuration, nearest first: the
/// path itself (or a file's directory), then each parent up to and including the repository
/// root (the first directory holding `.git`), or to the filesystem root outside a repository —
/// as git and ruff look for theirs. Relative when `path` is.
pub fn search_dirs(path: &Path) -> Vec<PathBuf> {
    let start = if path.is_dir() || path.as_os_str().is_empty() {
        path.to_path_buf()
    } else {
        path.parent()
            .map_or_else(|| PathBuf::from("."), |p| if p.as_os_str().is_empty() { ".".into() } else { p.to_path_buf() })
    };
    let mut dirs = Vec::new();
    let mut dir = start;
    // Relative paths climb with `..`, so the names stay as the user would write them.
    for _ in 0..64 {
        dirs.push(dir.clone());
        if dir.join(".git").exists() {
            break;
        }
        let parent = if dir.is_absolute() {
            match dir.parent() {
                Some(p) => p.to_path_buf(),
                None => break,
            }
        } else {
            let up = if dir == Path::new(".") { PathBuf::from("..") } else { dir.join("..") };
            match (std::fs::canonicalize(&dir), std::fs::canonicalize(&up)) {
                (Ok(a), Ok(b)) if a != b => up,
                _ => break,
            }
        };
        dir = parent;
    }
    dirs
}

/// The nearest configuration file for a scan of `path` (see [`search_dirs`]).
pub fn discover(path: &Path) -> Option<PathBuf> {
    search_dirs(path).iter().find_map(|d| find(d))
}

impl Config {
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let display = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError::Io { path: display.clone(), message: e.to_string() })?;
        Self::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let display = path.display().to_string();
        let invalid = |node: &Node, message: String, hint: Option<String>| ConfigError::Invalid {
            path: display.clone(),
            line: node.span.start.line.max(1),
            column: node.span.start.column.max(1),
            message,
            hint,
        };
        let doc = loader::yaml::parse_one(text).map_err(|e| ConfigError::Invalid {
            path: display.clone(),
            line: e.line,
            column: e.column,
            message: format!("not valid YAML: {}", e.message),
            hint: None,
        })?;
        let raw: Raw = match &doc.value {
            loader::Value::Null => Raw::default(),
            loader::Value::Map(_) => serde_path_to_error::deserialize(doc.to_json()).map_err(|e| {
                let at = e.path().to_string();
                let inner = e.inner().to_string();
                let key = at.split(['.', '[']).next().unwrap_or("");
                match unknown_field(&inner) {
                    Some(field) => {
                        // serde's path ends at the unknown key; point at the key itself.
                        let parent = at.rsplit_once('.').map_or("", |(p, _)| p);
                        let node = if parent.is_empty() { &doc } else { doc.at_serde_path(parent) };
                        let key_node = node.entry(field).map(|e| Node::new(e.key_span, loader::Value::Null));
                        let hint = match closest(field, &KEYS) {
                            Some(k) => format!("did you mean `{k}`? The keys are: {}", KEYS.join(", ")),
                            None => format!("the keys are: {}", KEYS.join(", ")),
                        };
                        invalid(key_node.as_ref().unwrap_or(node), format!("unknown key `{field}`"), Some(hint))
                    }
                    None => {
                        let message = if at == "." { inner } else { format!("{at}: {inner}") };
                        invalid(doc.at_serde_path(&at), message, example(key).map(|h| format!("`{key}` is {h}")))
                    }
                }
            })?,
            _ => {
                return Err(invalid(
                    &doc,
                    "the configuration must be a YAML mapping".into(),
                    Some(format!("the keys are: {}", KEYS.join(", "))),
                ));
            }
        };
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let item = |key: &str, i: usize| doc.get(key).and_then(|n| n.as_seq()).and_then(|s| s.get(i)).unwrap_or(&doc);
        let exclude = Exclude::new(&dir, &raw.exclude).map_err(|(i, message)| {
            invalid(item("exclude", i), message, example("exclude").map(|h| format!("`exclude` is {h}")))
        })?;
        let mut public_routes = Vec::new();
        for (i, route) in raw.public_routes.iter().enumerate() {
            let r = normalize_route(route).map_err(|message| {
                invalid(item("public_routes", i), message, example("public_routes").map(|h| format!("write {h}")))
            })?;
            public_routes.push(r);
        }
        for (i, d) in raw.rule_dirs.iter().enumerate() {
            if d.trim().is_empty() {
                return Err(invalid(item("rule_dirs", i), "empty rule directory".into(), None));
            }
        }
        if let Some(k) = &raw.fingerprint_key {
            if k.trim().chars().count() < MIN_KEY_LEN {
                let node = doc.get("fingerprint_key").unwrap_or(&doc);
                return Err(invalid(
                    node,
                    format!("`fingerprint_key` must be at least {MIN_KEY_LEN} characters"),
                    example("fingerprint_key").map(|h| format!("`fingerprint_key` is {h}")),
                ));
            }
        }
        Ok(Config {
            path: path.to_path_buf(),
            enable: raw.enable,
            disable: raw.disable,
            severity: raw.severity,
            rule_dirs: raw.rule_dirs.iter().map(|d| dir.join(d)).collect(),
            exclude,
            public_routes,
            fail_on: raw.fail_on,
            fingerprint_key: raw.fingerprint_key.map(|k| k.trim().to_string()),
            respect_ignore_files: raw.respect_ignore_files,
            parse_errors: raw.parse_errors,
            doc,
        })
    }

    /// Checks that every rule the file names exists among `known` (built-in and extra rules),
    /// pointing at the line of the first that does not.
    pub fn check_rules(&self, known: &RuleSet) -> Result<(), ConfigError> {
        let ids: Vec<&str> = known.rules().iter().map(|r| r.id()).collect();
        let check = |pattern: &str, node: &Node| {
            if ids.iter().any(|id| id_matches(pattern, id)) {
                return Ok(());
            }
            let hint = match closest(pattern, &ids) {
                Some(id) => format!("did you mean `{id}`? (`slsguard rules` lists every rule)"),
                None => "`slsguard rules` lists every rule; custom rules need their directory in `rule_dirs`".into(),
            };
            Err(ConfigError::Invalid {
                path: self.path.display().to_string(),
                line: node.span.start.line.max(1),
                column: node.span.start.column.max(1),
                message: format!("no rule matches `{pattern}`"),
                hint: Some(hint),
            })
        };
        for key in ["enable", "disable"] {
            for node in self.doc.get(key).and_then(Node::as_seq).unwrap_or_default() {
                if let Some(p) = node.as_str() {
                    check(p, node)?;
                }
            }
        }
        for e in self.doc.get("severity").and_then(Node::as_map).unwrap_or_default() {
            check(&e.key, &Node::new(e.key_span, loader::Value::Null))?;
        }
        Ok(())
    }

    /// The severity the file sets for `id`: an exact entry, else the longest matching glob.
    pub fn severity_of(&self, id: &str) -> Option<Severity> {
        if let Some(s) = self.severity.get(id) {
            return Some(*s);
        }
        self.severity.iter().filter(|(p, _)| id_matches(p, id)).max_by_key(|(p, _)| p.len()).map(|(_, s)| *s)
    }

    /// `rules` with the file's severity overrides applied (to the rules themselves, so findings,
    /// SARIF rule metadata and `--fail-on` all agree).
    pub fn apply_severity(&self, rules: &RuleSet) -> RuleSet {
        if self.severity.is_empty() {
            return rules.clone();
        }
        let rules = rules
            .rules()
            .iter()
            .cloned()
            .map(|mut r| {
                if let Some(s) = self.severity_of(r.id()) {
                    std::sync::Arc::make_mut(&mut r.spec).severity = s;
                }
                r
            })
            .collect();
        RuleSet::from_rules(rules)
    }
}

/// `get /health` → `GET /health`; `/health` stays (any method).
fn normalize_route(route: &str) -> Result<String, String> {
    let route = route.trim();
    let (method, path) = match route.split_once(char::is_whitespace) {
        Some((m, p)) => (Some(m.to_ascii_uppercase()), p.trim()),
        None => (None, route),
    };
    if let Some(m) = &method {
        if !METHODS.contains(&m.as_str()) {
            return Err(format!("`{route}`: `{m}` is not an HTTP method (one of {})", METHODS.join(", ")));
        }
    }
    if !path.starts_with('/') || path.contains(char::is_whitespace) {
        return Err(format!("`{route}`: the path must start with `/` and contain no spaces"));
    }
    Ok(match method {
        Some(m) => format!("{m} {path}"),
        None => path.to_string(),
    })
}

/// Path globs that leave files out of the scan, relative to the config file's directory, with
/// .gitignore's conventions: `*` stays within a directory and `**` crosses them; a pattern
/// without `/` matches at any depth (`*.min.js`); a leading `/` anchors it; a pattern that
/// names a directory leaves out everything under it.
#[derive(Debug, Clone, Default)]
pub struct Exclude {
    base: PathBuf,
    cwd: PathBuf,
    set: GlobSet,
    empty: bool,
}

impl Exclude {
    /// Errors carry the index of the bad pattern.
    pub fn new(base: &Path, patterns: &[String]) -> Result<Exclude, (usize, String)> {
        let cwd = std::env::current_dir().unwrap_or_default();
        let mut builder = GlobSetBuilder::new();
        for (i, p) in patterns.iter().enumerate() {
            let p = p.trim();
            if p.is_empty() {
                return Err((i, "empty exclude pattern".into()));
            }
            let anchored = p.starts_with('/');
            let p = p.trim_start_matches('/').trim_end_matches('/');
            let p = if anchored || p.contains('/') { p.to_string() } else { format!("**/{p}") };
            for glob in [p.clone(), format!("{p}/**")] {
                let g = GlobBuilder::new(&glob)
                    .literal_separator(true)
                    .build()
                    .map_err(|e| (i, format!("`{}` is not a valid glob: {}", patterns[i], e.kind())))?;
                builder.add(g);
            }
        }
        let set = builder.build().map_err(|e| (0, e.to_string()))?;
        Ok(Exclude { base: cwd.join(base), cwd, set, empty: patterns.is_empty() })
    }

    /// Whether the file at `display` (a path as the scan displays it: relative to the working
    /// directory, `/`-separated) is left out.
    pub fn matches(&self, display: &str) -> bool {
        if self.empty {
            return false;
        }
        let abs = self.cwd.join(display);
        match abs.strip_prefix(&self.base) {
            Ok(rel) => self.set.is_match(rel.to_string_lossy().replace('\\', "/")),
            Err(_) => false,
        }
    }
}

/// `unknown field `x`, expected …` → `x`.
fn unknown_field(message: &str) -> Option<&str> {
    message.strip_prefix("unknown field `")?.split('`').next()
}

/// The candidate nearest to `word` (edit distance at most 2, ignoring `-`/`_` and case), for
/// "did you mean" hints.
fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let norm = |s: &str| s.to_ascii_lowercase().replace('-', "_");
    let w = norm(word);
    candidates
        .iter()
        .map(|c| (edit_distance(&w, &norm(c)), *c))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, String> {
        Config::parse(Path::new(".slsguard.yml"), text).map_err(|e| e.to_string())
    }

    #[test]
    fn a_full_file_loads() {
        let c = parse(
            "enable: [\"secret-*\"]\ndisable: [secret-jwt]\nseverity: {secret-jwt: low}\nrule_dirs: [rules]\n\
             exclude: [\"*.min.js\"]\npublic_routes: [\"get /health\", /status]\nfail_on: high\n",
        )
        .expect("valid");
        assert_eq!(c.public_routes, vec!["GET /health", "/status"]);
        assert_eq!(c.fail_on, Some(FailOn::High));
        assert_eq!(c.severity_of("secret-jwt"), Some(Severity::Low));
        assert_eq!(c.rule_dirs, vec![PathBuf::from("rules")]);
        assert!(parse("").is_ok());
    }

    #[test]
    fn mistakes_name_the_line_and_hint() {
        let e = parse("enable: []\nfail-on: high\n").unwrap_err();
        assert!(e.starts_with(".slsguard.yml:2:1: unknown key `fail-on`"), "{e}");
        assert!(e.contains("did you mean `fail_on`?"), "{e}");
        let e = parse("fail_on: severe\n").unwrap_err();
        assert!(e.starts_with(".slsguard.yml:1:10: fail_on: unknown variant `severe`"), "{e}");
        let e = parse("severity:\n  secret-jwt: huge\n").unwrap_err();
        assert!(e.starts_with(".slsguard.yml:2:15:"), "{e}");
        let e = parse("public_routes:\n  - GET /a\n  - FETCH /b\n").unwrap_err();
        assert!(e.starts_with(".slsguard.yml:3:5:") && e.contains("not an HTTP method"), "{e}");
        let e = parse("exclude: [\"a/[b\"]\n").unwrap_err();
        assert!(e.starts_with(".slsguard.yml:1:11:"), "{e}");
        let e = parse("enable: secret-jwt\n").unwrap_err();
        assert!(e.contains("hint: `enable` is a list"), "{e}");
        let e = parse("- a\n").unwrap_err();
        assert!(e.contains("must be a YAML mapping"), "{e}");
    }

    #[test]
    fn excludes_follow_gitignore_conventions() {
        let cwd = std::env::current_dir().expect("cwd");
        let pats: Vec<String> = ["*.min.js", "tests/fixtures", "/top.env"].iter().map(|s| s.to_string()).collect();
        let ex = Exclude::new(&cwd.join("app"), &pats).expect("valid");
        assert!(ex.matches("app/web/x.min.js"));
        assert!(ex.matches("app/tests/fixtures/a/b.yml"));
        assert!(ex.matches("app/top.env"));
        assert!(!ex.matches("app/sub/top.env"));
        assert!(!ex.matches("other/x.min.js"));
        assert!(!ex.matches("app/tests/fixtures.yml"));
    }

    #[test]
    fn nearest_names() {
        assert_eq!(closest("fail-on", &KEYS), Some("fail_on"));
        assert_eq!(closest("exclud", &KEYS), Some("exclude"));
        assert_eq!(closest("colour", &KEYS), None);
    }
}
