//! Rules as data: loading built-in and user rule files, validating them (with file:line
//! errors), selecting with `--only`/`--skip`, and running their own examples.

pub mod code_matcher;
pub mod model_matcher;
pub mod schema;
pub mod selftest;

use crate::loader::{self, Node};
use crate::secrets::CompiledSecret;
use schema::{MatcherSpec, RuleSpec};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A built-in rule file, and what build.rs made of it: the rule as JSON (its examples and long
/// texts left empty or out), its examples as JSON, and its description, remediation and
/// format source (`None` when they are not strings: the JSON has them then).
pub struct EmbeddedRule {
    /// Path under `rules/`.
    pub path: &'static str,
    pub yaml: &'static str,
    json: &'static str,
    examples: &'static str,
    description: Option<&'static str>,
    remediation: Option<&'static str>,
    format_source: Option<&'static str>,
}

include!(concat!(env!("OUT_DIR"), "/embedded_rules.rs"));

/// Rule families: id prefix and the built-in directory that holds them.
pub const FAMILIES: &[(&str, &str, &str)] = &[
    ("secret", "secrets", "Hardcoded secrets"),
    ("iam", "iam", "Over-broad permissions"),
    ("auth", "auth", "Missing authentication"),
    ("config", "config", "Insecure configuration"),
    ("code", "code", "Insecure code"),
];

#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    #[error("{path}:{line}:{column}: {message}")]
    Invalid { path: String, line: u32, column: u32, message: String },
    #[error("{path}: {message}")]
    Io { path: String, message: String },
    #[error("rule id `{id}` is defined twice: in {first} and in {second}")]
    Duplicate { id: String, first: String, second: String },
    #[error("no rule matches `{0}` (run `slsguard rules` for the list)")]
    Unknown(String),
}

/// The compiled form of a rule's matcher.
#[derive(Debug, Clone)]
pub enum Compiled {
    Secret(Arc<CompiledSecret>),
    Model(Arc<model_matcher::CompiledModel>),
    Code(Arc<crate::code::matcher::CompiledCode>),
    LeastPrivilege(crate::leastpriv::diff::Check),
}

#[derive(Debug, Clone)]
pub struct Rule {
    /// Shared: a rule set is cloned when rules are selected and when scanners are built, and
    /// the spec (its text and examples) is most of a rule.
    pub spec: Arc<RuleSpec>,
    /// Where the rule came from: `rules/<family>/<id>.yml` (built in) or the user's path.
    pub origin: String,
    pub builtin: bool,
    pub compiled: Compiled,
}

impl Rule {
    pub fn id(&self) -> &str {
        &self.spec.id
    }

    pub fn family(&self) -> &str {
        self.spec.id.split('-').next().unwrap_or("")
    }

    /// `tag` is one of the rule's tags, or `provider:NAME` for its provider.
    pub fn has_tag(&self, tag: &str) -> bool {
        match tag.strip_prefix("provider:") {
            Some(p) => self.spec.provider.as_deref().is_some_and(|own| own.eq_ignore_ascii_case(p)),
            None => self.spec.tags.iter().any(|t| t.eq_ignore_ascii_case(tag)),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    rules: Vec<Rule>,
}

impl RuleSet {
    /// The built-in rules only.
    pub fn builtin() -> Result<RuleSet, RuleError> {
        Self::load(true, &[])
    }

    /// Built-in rules (if `builtin`) plus every rule file under each of `dirs`: the one loader
    /// of custom rules, for `scan --rules`, the configuration's `rule_dirs`, `rules`, `explain`
    /// and `rules test` alike. A directory is searched recursively for `.yml`/`.yaml` files,
    /// following symbolic links (to files and, once each, to directories); a file is loaded as
    /// is. A path given twice (or a file inside a directory also given) is loaded once. A
    /// directory without rule files, a broken link and an id defined twice — a custom rule
    /// reusing a built-in id included, whether or not built-in rules are loaded — are errors.
    pub fn load(builtin: bool, dirs: &[PathBuf]) -> Result<RuleSet, RuleError> {
        let mut rules = Vec::new();
        // Built-in ids are always checked: a custom rule that `rules test` accepts must load in
        // `scan` too.
        let mut builtin_origin: std::collections::HashMap<String, String> = std::collections::HashMap::new();
        if builtin {
            rules = builtin_rules()?;
        } else {
            for e in EMBEDDED_RULES {
                if let Some(stem) = Path::new(e.path).file_stem().and_then(|s| s.to_str()) {
                    // A built-in rule's id is its file name (checked when they load).
                    builtin_origin.insert(stem.to_string(), format!("rules/{}", e.path));
                }
            }
        }
        let mut seen = std::collections::HashSet::new();
        for dir in dirs {
            let files = rule_files(dir)?;
            if files.is_empty() {
                return Err(RuleError::Io {
                    path: dir.display().to_string(),
                    message: "no rule files (*.yml, *.yaml) here".into(),
                });
            }
            for path in files {
                // The same file reached twice (a directory given twice, or through a link).
                let key = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
                if !seen.insert(key) {
                    continue;
                }
                let display = path.display().to_string();
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| RuleError::Io { path: display.clone(), message: e.to_string() })?;
                let rule = parse_rule(&display, &text, false)?;
                if let Some(first) = builtin_origin.get(&rule.spec.id) {
                    return Err(RuleError::Duplicate {
                        id: rule.spec.id.clone(),
                        first: format!("{first} (built in)"),
                        second: display,
                    });
                }
                rules.push(rule);
            }
        }
        rules.sort_by(|a, b| a.spec.id.cmp(&b.spec.id));
        for pair in rules.windows(2) {
            if pair[0].spec.id == pair[1].spec.id {
                let origin = |r: &Rule| if r.builtin { format!("{} (built in)", r.origin) } else { r.origin.clone() };
                return Err(RuleError::Duplicate {
                    id: pair[0].spec.id.clone(),
                    first: origin(&pair[0]),
                    second: origin(&pair[1]),
                });
            }
        }
        Ok(RuleSet { rules })
    }

    pub fn from_rules(mut rules: Vec<Rule>) -> RuleSet {
        rules.sort_by(|a, b| a.spec.id.cmp(&b.spec.id));
        RuleSet { rules }
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.binary_search_by(|r| r.spec.id.as_str().cmp(id)).ok().map(|i| &self.rules[i])
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Keeps the rules matching `only` (all when empty) and not matching `skip`. Patterns are
    /// rule ids or globs with `*` (`secret-*`); a pattern that matches no rule is an error, as
    /// it is almost always a typo.
    pub fn select(&self, only: &[String], skip: &[String]) -> Result<RuleSet, RuleError> {
        for pat in only.iter().chain(skip) {
            if !self.rules.iter().any(|r| id_matches(pat, &r.spec.id)) {
                return Err(RuleError::Unknown(pat.clone()));
            }
        }
        let rules = self
            .rules
            .iter()
            .filter(|r| only.is_empty() || only.iter().any(|p| id_matches(p, &r.spec.id)))
            .filter(|r| !skip.iter().any(|p| id_matches(p, &r.spec.id)))
            .cloned()
            .collect();
        Ok(RuleSet { rules })
    }
}

/// How many built-in rules are secret rules (by their directory, without parsing them).
pub fn builtin_secret_rule_count() -> usize {
    EMBEDDED_RULES.iter().filter(|e| e.path.starts_with("secrets/")).count()
}

/// `pattern` is an exact id, or a glob where `*` stands for any run of characters.
pub fn id_matches(pattern: &str, id: &str) -> bool {
    if !pattern.contains('*') {
        return pattern == id;
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !id.starts_with(first) || id.len() < first.len() + last.len() || !id.ends_with(last) {
        return false;
    }
    let mut rest = &id[first.len()..id.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

/// The rule files of `dir` (itself, when it is a file), sorted.
fn rule_files(dir: &Path) -> Result<Vec<PathBuf>, RuleError> {
    let io = |p: &Path, e: std::io::Error| RuleError::Io { path: p.display().to_string(), message: e.to_string() };
    let meta = std::fs::metadata(dir).map_err(|e| io(dir, e))?;
    if meta.is_file() {
        return Ok(vec![dir.to_path_buf()]);
    }
    let is_rule = |p: &Path| matches!(p.extension().and_then(|e| e.to_str()), Some("yml" | "yaml"));
    let mut out = Vec::new();
    // Directories already walked (by their real path): a link back up cannot loop.
    let mut walked = std::collections::HashSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        if !walked.insert(std::fs::canonicalize(&d).map_err(|e| io(&d, e))?) {
            continue;
        }
        for entry in std::fs::read_dir(&d).map_err(|e| io(&d, e))? {
            let p = entry.map_err(|e| io(&d, e))?.path();
            // Links are followed: a rule directory assembled from links is still one.
            let meta = match std::fs::metadata(&p) {
                Ok(m) => m,
                Err(_) if std::fs::symlink_metadata(&p).is_ok_and(|m| m.file_type().is_symlink()) => {
                    if is_rule(&p) {
                        return Err(RuleError::Io {
                            path: p.display().to_string(),
                            message: "a broken symbolic link".into(),
                        });
                    }
                    continue;
                }
                Err(e) => return Err(io(&p, e)),
            };
            if meta.is_dir() {
                stack.push(p);
            } else if meta.is_file() && is_rule(&p) {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Parses and validates one rule file.
pub fn parse_rule(origin: &str, text: &str, builtin: bool) -> Result<Rule, RuleError> {
    let doc = loader::yaml::parse_one(text).map_err(|e| RuleError::Invalid {
        path: origin.to_string(),
        line: e.line,
        column: e.column,
        message: format!("not valid YAML: {}", e.message),
    })?;
    if doc.as_map().is_none() {
        return Err(invalid_at(origin, Some(&doc), "a rule file must be a YAML mapping".into()));
    }
    let spec: RuleSpec = serde_path_to_error::deserialize(doc.to_json()).map_err(|e| {
        let path = e.path().to_string();
        let node = doc.at_serde_path(&path);
        let msg = if path == "." { e.inner().to_string() } else { format!("{path}: {}", e.inner()) };
        invalid_at(origin, Some(node), msg)
    })?;
    check_rule(origin, spec, builtin, false, Some(&doc))
}

/// Every built-in rule, in file order. (Read on one thread: a second one, for half of them,
/// cost more in starting it and its allocator arena than it saved, and on a busy machine the
/// wait for it to be scheduled made a pre-commit run slower.)
fn builtin_rules() -> Result<Vec<Rule>, RuleError> {
    EMBEDDED_RULES.iter().map(|e| builtin_rule(&format!("rules/{}", e.path), e)).collect()
}

/// A built-in rule from the JSON that build.rs made of its file, whose regexes and examples
/// build.rs has checked: no YAML parsing and no regex parsing at start-up, and the examples
/// (as JSON apart) read only when used. Should that fail (it cannot for a build that passed
/// its tests), the YAML is loaded the ordinary way, for an error that names the line.
fn builtin_rule(origin: &str, e: &EmbeddedRule) -> Result<Rule, RuleError> {
    let built = serde_json::from_str::<RuleSpec>(e.json).map(|mut spec| {
        spec.examples = schema::LazyExamples::from_json(e.examples);
        if let Some(d) = e.description {
            spec.description = d.into();
        }
        if let Some(r) = e.remediation {
            spec.remediation = r.into();
        }
        if let Some(f) = e.format_source {
            spec.format_source = Some(f.into());
        }
        check_rule(origin, spec, true, true, None)
    });
    match built {
        Ok(Ok(rule)) => Ok(rule),
        _ => parse_rule(origin, e.yaml, true),
    }
}

fn invalid_at(origin: &str, node: Option<&Node>, message: String) -> RuleError {
    let (line, column) = node.map_or((1, 1), |n| (n.span.start.line.max(1), n.span.start.column.max(1)));
    RuleError::Invalid { path: origin.to_string(), line, column, message }
}

/// Validates and compiles a rule. `doc` is its YAML, for the positions of errors; `built` says
/// build.rs has checked its regexes.
fn check_rule(origin: &str, spec: RuleSpec, builtin: bool, built: bool, doc: Option<&Node>) -> Result<Rule, RuleError> {
    let invalid = |node: Option<&Node>, message: String| invalid_at(origin, node, message);
    let at = |key: &str| doc.and_then(|d| d.get(key));
    let path = |keys: &[&str]| doc.and_then(|d| d.path(keys));
    validate_id(&spec.id).map_err(|m| invalid(at("id"), m))?;
    let stem = Path::new(origin).file_stem().and_then(|s| s.to_str()).unwrap_or("");
    if stem != spec.id {
        return Err(invalid(at("id"), format!("rule `{}` must be in a file named `{}.yml`", spec.id, spec.id)));
    }
    if builtin {
        let family = spec.id.split('-').next().unwrap_or("");
        let dir = FAMILIES.iter().find(|f| f.0 == family).map_or("", |f| f.1);
        if !origin.starts_with(&format!("rules/{dir}/")) {
            return Err(invalid(at("id"), format!("built-in `{family}-` rules belong in rules/{dir}/")));
        }
    }
    // A built-in rule's texts are checked when its file loads as YAML (a test loads each both
    // ways); looking at them here read every rule's long texts into memory at start-up.
    let texts = [("title", &*spec.title), ("description", &spec.description), ("remediation", &spec.remediation)];
    for (key, value) in texts.into_iter().filter(|_| !built) {
        if value.trim().is_empty() {
            return Err(invalid(at(key), format!("`{key}` must not be empty")));
        }
    }
    if spec.title.ends_with('.') {
        return Err(invalid(at("title"), "`title` is one line without a final period".into()));
    }
    let examples = at("examples");
    // (build.rs checks a built-in rule's examples: reading them here would undo their laziness)
    if !built && (spec.examples.fire.is_empty() || spec.examples.no_fire.is_empty()) {
        return Err(invalid(
            examples,
            "`examples` needs at least one `fire` and one `no_fire` input, so the rule is tested both ways".into(),
        ));
    }
    let compiled = match &spec.matcher {
        MatcherSpec::Secret(s) => {
            if !spec.id.starts_with("secret-") {
                return Err(invalid(at("matcher"), "secret matchers are for `secret-` rules".into()));
            }
            let node = path(&["matcher", "secret"]);
            let check = match (builtin, built) {
                (_, true) => crate::secrets::RegexCheck::Built,
                (true, false) => crate::secrets::RegexCheck::Parse,
                (false, false) => crate::secrets::RegexCheck::Compile,
            };
            Compiled::Secret(Arc::new(
                CompiledSecret::compile(s, check)
                    .map_err(|(field, m)| invalid(node.and_then(|n| n.get(field)).or(node), m))?,
            ))
        }
        MatcherSpec::Model(m) => {
            if spec.id.starts_with("secret-") {
                return Err(invalid(at("matcher"), "`secret-` rules use secret matchers".into()));
            }
            let node = path(&["matcher", "model"]);
            Compiled::Model(Arc::new(
                model_matcher::CompiledModel::compile(m)
                    .map_err(|(field, msg)| invalid(node.and_then(|n| n.get(field)).or(node), msg))?,
            ))
        }
        MatcherSpec::Code(c) => {
            if !spec.id.starts_with("code-") {
                return Err(invalid(at("matcher"), "code matchers are for `code-` rules".into()));
            }
            let node = path(&["matcher", "code"]);
            Compiled::Code(Arc::new(
                crate::code::matcher::CompiledCode::compile(c)
                    .map_err(|(field, msg)| invalid(node.and_then(|n| n.get(field)).or(node), msg))?,
            ))
        }
        MatcherSpec::LeastPrivilege(l) => {
            if !spec.id.starts_with("iam-") {
                return Err(invalid(at("matcher"), "least-privilege matchers are for `iam-` rules".into()));
            }
            Compiled::LeastPrivilege(l.check)
        }
    };
    Ok(Rule { spec: Arc::new(spec), origin: origin.to_string(), builtin, compiled })
}

fn validate_id(id: &str) -> Result<(), String> {
    let family_ok = FAMILIES.iter().any(|(f, _, _)| id.strip_prefix(f).is_some_and(|rest| rest.starts_with('-')));
    let chars_ok = id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.ends_with('-')
        && !id.contains("--");
    if family_ok && chars_ok {
        Ok(())
    } else {
        let prefixes: Vec<String> = FAMILIES.iter().map(|f| format!("{}-", f.0)).collect();
        Err(format!(
            "rule id `{id}` must be lowercase words joined by '-', starting with one of: {}",
            prefixes.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_ids() {
        assert!(id_matches("secret-*", "secret-aws-access-key-id"));
        assert!(id_matches("*-key-*", "secret-aws-key-id"));
        assert!(!id_matches("iam-*", "secret-x"));
        assert!(id_matches("secret-x", "secret-x"));
        assert!(!id_matches("secret-x", "secret-xy"));
    }

    /// build.rs parses the built-in rules into JSON with its own reader of libyaml's events:
    /// that JSON must be exactly what the tool's YAML loader makes of each file, and the rule
    /// loaded from it exactly the rule loaded from the YAML, regexes checked the same way.
    #[test]
    fn build_time_rules_are_the_yaml_rules() {
        for e in EMBEDDED_RULES {
            let (origin, yaml) = (format!("rules/{}", e.path), e.yaml);
            let doc = loader::yaml::parse_one(yaml).expect("valid YAML");
            let mut built: serde_json::Value = serde_json::from_str(e.json).expect("valid JSON");
            assert_eq!(built["examples"], serde_json::json!({"fire": [], "no_fire": []}), "{origin}");
            built["examples"] = serde_json::from_str(e.examples).expect("valid JSON");
            for (key, text) in [("description", e.description), ("remediation", e.remediation)] {
                if let Some(t) = text {
                    assert_eq!(built[key], "", "{origin}");
                    built[key] = t.into();
                }
            }
            if let Some(t) = e.format_source {
                assert_eq!(built.get("format_source"), None, "{origin}");
                built["format_source"] = t.into();
            }
            assert_eq!(built, doc.to_json(), "{origin}");
            let fast = builtin_rule(&origin, &EmbeddedRule { yaml: "not: [valid", ..*e }).expect("loads without YAML");
            assert!(examples_json_used(&fast), "{origin}");
            let slow = parse_rule(&origin, yaml, true).expect("loads from YAML");
            assert_eq!(format!("{:?}", fast.spec), format!("{:?}", slow.spec), "{origin}");
            assert_eq!((&fast.origin, fast.builtin), (&slow.origin, slow.builtin));
            if let (Compiled::Secret(f), Compiled::Secret(s)) = (&fast.compiled, &slow.compiled) {
                assert_eq!(
                    (&f.regex_src, &f.keywords, f.case_sensitive),
                    (&s.regex_src, &s.keywords, s.case_sensitive)
                );
            }
        }
    }

    /// Whether `rule`'s examples are those of build.rs's JSON, read now.
    fn examples_json_used(rule: &Rule) -> bool {
        !rule.spec.examples.fire.is_empty() && !rule.spec.examples.no_fire.is_empty()
    }

    #[test]
    fn builtin_rules_load() {
        let rules = RuleSet::builtin().expect("built-in rules are valid");
        assert!(!rules.is_empty());
    }

    /// A valid custom rule file named `id`.
    fn custom(id: &str) -> String {
        format!(
            "id: {id}\ntitle: T\nseverity: high\ndescription: d\nremediation: r\nmatcher:\n  secret:\n    keywords: [tok]\n    regex: 'tok=([a-z0-9]{{12}})'\nexamples:\n  fire: ['tok=a1b2c3d4e5f6']\n  no_fire: ['x']\n"
        )
    }

    /// Both loaders in one: what `scan --rules` loads (with the built-ins) and what
    /// `rules test` loads (without) must agree, error for error.
    fn both(dirs: &[PathBuf]) -> [Result<Vec<String>, String>; 2] {
        [true, false].map(|b| {
            RuleSet::load(b, dirs)
                .map(|r| r.rules().iter().filter(|r| !r.builtin).map(|r| r.id().to_string()).collect())
                .map_err(|e| e.to_string())
        })
    }

    #[cfg(unix)]
    #[test]
    fn one_loader_for_custom_rules() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let d = tmp.path();
        let write = |p: &str, t: &str| {
            let p = d.join(p);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("dirs");
            std::fs::write(p, t).expect("write");
        };
        write("shared/secret-linked.yml", &custom("secret-linked"));
        write("rules/secret-own.yml", &custom("secret-own"));
        std::os::unix::fs::symlink(d.join("shared/secret-linked.yml"), d.join("rules/secret-linked.yml"))
            .expect("link");
        std::os::unix::fs::symlink(d.join("shared"), d.join("rules/more")).expect("link a directory");
        std::os::unix::fs::symlink(d.join("rules"), d.join("rules/loop")).expect("link back up");
        let rules = d.join("rules");
        let ok = || Ok(vec!["secret-linked".to_string(), "secret-own".to_string()]);
        // Symlinked files and directories are followed; a link back up does not loop.
        assert_eq!(both(std::slice::from_ref(&rules)), [ok(), ok()]);
        // The same directory twice, or a file inside it too, loads each rule once.
        assert_eq!(both(&[rules.clone(), rules.clone(), rules.join("secret-own.yml")]), [ok(), ok()]);
        // An empty directory is an error for both.
        std::fs::create_dir_all(d.join("empty")).expect("dir");
        for r in both(&[d.join("empty")]) {
            assert!(r.as_ref().is_err_and(|e| e.contains("empty: no rule files")), "{r:?}");
        }
        // A custom rule reusing a built-in id is an error for both.
        write("clash/secret-aws-access-key-id.yml", &custom("secret-aws-access-key-id"));
        for r in both(&[d.join("clash")]) {
            let e = r.expect_err("a clash");
            assert!(e.contains("rule id `secret-aws-access-key-id` is defined twice: in rules/secrets/"), "{e}");
            assert!(e.contains("(built in) and in ") && e.contains("clash/secret-aws-access-key-id.yml"), "{e}");
        }
        // Two different files with one id name both files.
        write("other/secret-own.yml", &custom("secret-own"));
        for r in both(&[rules.clone(), d.join("other")]) {
            let e = r.expect_err("a clash");
            assert!(e.contains("rules/secret-own.yml") && e.contains("other/secret-own.yml"), "{e}");
        }
        // A broken link to a rule file is an error, not silence.
        std::os::unix::fs::symlink(d.join("nowhere.yml"), d.join("rules/secret-gone.yml")).expect("link");
        for r in both(std::slice::from_ref(&rules)) {
            assert!(r.as_ref().is_err_and(|e| e.contains("secret-gone.yml: a broken symbolic link")), "{r:?}");
        }
    }

    #[test]
    fn errors_point_at_the_line() {
        let text = "id: secret-x\ntitle: X\nseverity: severe\n";
        let err = parse_rule("secret-x.yml", text, false).unwrap_err().to_string();
        assert!(err.starts_with("secret-x.yml:3:"), "{err}");
        assert!(err.contains("severity"), "{err}");
    }
}
