//! The rule file format (documented in docs/rules.md). One YAML file per rule.

use crate::finding::Severity;
use serde::Deserialize;
use std::borrow::Cow;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// `<family>-<name>`, lowercase, e.g. `secret-aws-access-key-id`.
    pub id: String,
    /// One line, sentence case, no final period.
    pub title: String,
    pub severity: Severity,
    /// What the rule finds and why it matters (markdown). Borrowed for built-in rules.
    pub description: Cow<'static, str>,
    /// How to fix it (markdown).
    pub remediation: Cow<'static, str>,
    /// CWE ids (`CWE-798`), OWASP Serverless Top 10 entries (`OWASP-SLS-A3`) or URLs.
    #[serde(default)]
    pub references: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// How often a finding is a true positive (SARIF `precision`).
    #[serde(default)]
    pub precision: Precision,
    /// Who issues the secret (`github`, `stripe`); `rules --tag provider:NAME` selects by it.
    #[serde(default)]
    pub provider: Option<String>,
    /// Where the secret's format is published: a documentation URL, or a short statement of
    /// the format and who documents it.
    #[serde(default)]
    pub format_source: Option<Cow<'static, str>>,
    pub matcher: MatcherSpec,
    pub examples: LazyExamples,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Precision {
    VeryHigh,
    #[default]
    High,
    Medium,
    Low,
}

impl Precision {
    pub fn as_str(self) -> &'static str {
        match self {
            Precision::VeryHigh => "very-high",
            Precision::High => "high",
            Precision::Medium => "medium",
            Precision::Low => "low",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub enum MatcherSpec {
    Secret(Box<SecretSpec>),
    Model(super::model_matcher::ModelSpec),
    Code(super::code_matcher::CodeSpec),
    /// The difference between a function's role and its code's AWS calls (computed in
    /// `leastpriv::diff`): `unused`, `unscoped` or `missing`.
    #[serde(rename = "least_privilege")]
    LeastPrivilege(LeastPrivilegeSpec),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeastPrivilegeSpec {
    pub check: crate::leastpriv::diff::Check,
}

/// A secret pattern: keywords gate the regex, which must capture the secret.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretSpec {
    /// Literal strings, one of which occurs near every secret; the regex only runs on the
    /// lines around a keyword. Matched ignoring ASCII case unless `case_sensitive` is set.
    pub keywords: Vec<String>,
    #[serde(default)]
    pub case_sensitive: bool,
    /// The pattern (Rust regex syntax). The secret is capture group `secret_group`, or else the
    /// group named `secret`, or else the first capture group that took part in the match, or
    /// else the whole match. Either `regex` or `assignment` is given.
    #[serde(default)]
    pub regex: String,
    /// A value assigned to a key with a given name (`LINKEDIN_CLIENT_SECRET = "…"`), for
    /// secrets with no distinctive shape of their own.
    #[serde(default)]
    pub assignment: Option<AssignmentSpec>,
    /// An offline check of the candidate's structure (checksum, decoded payload).
    #[serde(default)]
    pub verify: Option<crate::secrets::verify::Verify>,
    /// A companion value looked for near the secret (a client id, an access key id): reported
    /// in the same finding, or required.
    #[serde(default)]
    pub pair: Option<PairSpec>,
    /// Rules whose finding of the same text this rule's finding replaces: a provider named by
    /// the key (`CLERK_SECRET_KEY`) says better whose `sk_live_…` key it is than its shape.
    #[serde(default)]
    pub supersedes: Vec<String>,
    #[serde(default)]
    pub secret_group: Option<usize>,
    /// Minimum Shannon entropy of the secret, in bits per byte.
    #[serde(default)]
    pub entropy: Option<f64>,
    /// Secrets matching any of these regexes are not reported.
    #[serde(default)]
    pub allowlist: Vec<String>,
    /// Secrets containing any of these words (ignoring case) are placeholders, not reported.
    #[serde(default)]
    pub stopwords: Vec<String>,
    /// Lines before and after a keyword's line that the regex also sees (for secrets written
    /// next to, not on, the line that names them, and for multi-line secrets).
    #[serde(default)]
    pub lines_before: u32,
    #[serde(default)]
    pub lines_after: u32,
    /// Only files whose path matches one of these globs (default: every file).
    #[serde(default)]
    pub paths: Vec<String>,
    /// Never files whose path matches one of these globs.
    #[serde(default)]
    pub exclude_paths: Vec<String>,
}

/// `name` (regex, matched ignoring case, after any prefix such as `REACT_APP_`) is assigned
/// (`=`, `:`, `:=`, `=>`) the value `value` (regex; the whole value, quoted or not).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignmentSpec {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairSpec {
    /// The companion's pattern: `regex` (its first capture group, or the group named `secret`)
    /// or `assignment`.
    #[serde(default)]
    pub regex: String,
    #[serde(default)]
    pub assignment: Option<AssignmentSpec>,
    /// What the companion is, for the message (`client ID`, `access key ID`).
    pub label: String,
    /// How many lines before or after the secret it may be.
    #[serde(default = "default_pair_lines")]
    pub lines: u32,
    /// Report the secret only when its companion is there.
    #[serde(default)]
    pub required: bool,
    /// Rules whose finding of the companion itself this finding replaces.
    #[serde(default)]
    pub absorbs: Vec<String>,
}

fn default_pair_lines() -> u32 {
    5
}

/// A rule's examples, read when first used: a scan never needs them, and they are the
/// largest part of the built-in rules (deserializing them was a tenth of a pre-commit run).
/// Reads as [`Examples`].
#[derive(Default)]
pub struct LazyExamples {
    examples: std::sync::OnceLock<Examples>,
    /// The examples of a built-in rule as JSON (made by build.rs), until they are read.
    json: Option<&'static str>,
}

impl LazyExamples {
    /// Examples to be read from `json` when first used.
    pub fn from_json(json: &'static str) -> Self {
        Self { examples: std::sync::OnceLock::new(), json: Some(json) }
    }
}

impl std::ops::Deref for LazyExamples {
    type Target = Examples;

    fn deref(&self) -> &Examples {
        // The JSON is build.rs's output for a file that loaded; a test reads every built-in
        // rule's examples both ways and compares them.
        self.examples.get_or_init(|| self.json.and_then(|j| serde_json::from_str(j).ok()).unwrap_or_default())
    }
}

impl Clone for LazyExamples {
    fn clone(&self) -> Self {
        match self.examples.get() {
            Some(e) => Self { examples: std::sync::OnceLock::from(e.clone()), json: None },
            None => Self { examples: std::sync::OnceLock::new(), json: self.json },
        }
    }
}

impl std::fmt::Debug for LazyExamples {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&**self, f)
    }
}

impl<'de> Deserialize<'de> for LazyExamples {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Examples::deserialize(d).map(|e| Self { examples: std::sync::OnceLock::from(e), json: None })
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Examples {
    /// Inputs on which the rule must report at least one finding.
    pub fire: Vec<Example>,
    /// Inputs on which the rule must report nothing.
    pub no_fire: Vec<Example>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Example {
    /// File content; the file is named `example.txt`.
    Text(String),
    /// A named file (the name matters to rules restricted by path or format).
    File { path: String, content: String },
}

impl Example {
    pub const DEFAULT_PATH: &'static str = "example.txt";

    pub fn path(&self) -> &str {
        match self {
            Example::Text(_) => Self::DEFAULT_PATH,
            Example::File { path, .. } => path,
        }
    }

    pub fn content(&self) -> &str {
        match self {
            Example::Text(c) | Example::File { content: c, .. } => c,
        }
    }
}
