//! Code matchers: a rule over function code, written as data (documented in docs/rules.md).
//! Either structural patterns (a call by name, with literal argument values; an assignment of
//! a literal; an object key set to a literal; a reference to a name), any of which fires, or a
//! taint specification in the manner of Semgrep's taint mode: sources, sanitizers and sinks.
//!
//! ```yaml
//! matcher:
//!   code:
//!     languages: [python]
//!     patterns:
//!       - call: requests.*
//!         option: {name: verify, value: false}
//!     message: 'TLS verification is disabled: {match}'
//! ```
//!
//! Names are canonical paths through the file's imports: `child_process.exec` matches `exec(…)`
//! after `const {exec} = require('child_process')`; `*` matches one segment (`*.execute`: a
//! method `execute` on anything), a trailing `.*` any rest (`subprocess.*`). Rust paths may be
//! written with `::`, Go packages by import path (`os/exec.Command`).

use crate::code::Language;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeSpec {
    /// `javascript`, `typescript`, `python`, `go`, `rust`.
    pub languages: Vec<String>,
    /// Structural patterns; the rule fires on each match of any of them.
    #[serde(default)]
    pub patterns: Vec<PatternSpec>,
    /// A taint specification (instead of `patterns`).
    #[serde(default)]
    pub taint: Option<TaintSpec>,
    /// The message; `{match}` is what matched (the call, assignment or key), `{source}` and
    /// `{sink}` the ends of a taint path.
    pub message: String,
}

/// One structural pattern: exactly one of `call`, `assign`, `key`, `reference`.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PatternSpec {
    /// A call (or `new`, or struct literal) of one of these names.
    #[serde(default, deserialize_with = "one_or_many")]
    pub call: Vec<String>,
    /// An assignment to one of these names (`process.env.NODE_TLS_REJECT_UNAUTHORIZED`).
    #[serde(default, deserialize_with = "one_or_many")]
    pub assign: Vec<String>,
    /// An object, dictionary or struct field, or keyword argument, with one of these keys.
    #[serde(default, deserialize_with = "one_or_many")]
    pub key: Vec<String>,
    /// Any use of one of these names (`ssl._create_unverified_context`).
    #[serde(default, deserialize_with = "one_or_many")]
    pub reference: Vec<String>,
    /// For `assign` and `key`: the literal values that match (`false`, `'0'`).
    #[serde(default)]
    pub value: Option<Literals>,
    /// For `call`: positional arguments that must be one of these literals, by index.
    #[serde(default)]
    pub args: std::collections::BTreeMap<usize, Literals>,
    /// For `call`: a keyword argument (Python) or a key of an object argument (JavaScript
    /// options, Go and Rust struct literals) that must have one of these values.
    #[serde(default)]
    pub option: Option<OptionSpec>,
    /// Only in these languages (default: the rule's).
    #[serde(default)]
    pub languages: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptionSpec {
    pub name: String,
    /// The values that match; none: the option only has to be given. A value may also be a
    /// name (`yaml.SafeLoader`).
    #[serde(default)]
    pub value: Option<Literals>,
    /// The call matches only when the option is *not* given with one of these values (`Loader`
    /// other than a safe loader).
    #[serde(default)]
    pub absent: bool,
}

/// One literal or several: strings, booleans, numbers (compared as written: `0`, `'0'`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Literals {
    // `Many` first: a JSON value would also take a list whole.
    Many(Vec<serde_json::Value>),
    One(serde_json::Value),
}

impl Literals {
    pub fn texts(&self) -> Vec<String> {
        let one = |v: &serde_json::Value| match v {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        match self {
            Literals::One(v) => vec![one(v)],
            Literals::Many(v) => v.iter().map(one).collect(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaintSpec {
    pub sources: Vec<SourceSpec>,
    #[serde(default)]
    pub sanitizers: Vec<SanitizerSpec>,
    pub sinks: Vec<SinkSpec>,
}

/// Where tainted data comes from: exactly one kind per entry.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SourceSpec {
    /// The event a function's handler receives (its event parameters: not the context).
    #[serde(default)]
    pub event: bool,
    /// Reading one of these names, or calling it (`flask.request`, `*.current_request`,
    /// `traceback.format_exc`).
    #[serde(default, deserialize_with = "one_or_many")]
    pub read: Vec<String>,
    /// The parameter at `index` of functions passed to calls of `call` (Express routes:
    /// `app.get(path, (req, res) => …)`).
    #[serde(default)]
    pub callback_param: Option<CallbackParam>,
    /// Every parameter of functions decorated with one of these (`*.route`, `app.get`).
    #[serde(default, deserialize_with = "one_or_many")]
    pub decorated: Vec<String>,
    /// Parameters whose type is one of these (`events.APIGatewayProxyRequest`, `Request`).
    #[serde(default, deserialize_with = "one_or_many")]
    pub param_type: Vec<String>,
    /// The error a `catch` / `except` / `Err(e)` / `if err != nil` receives.
    #[serde(default)]
    pub caught_error: bool,
    /// A note for the path's first step (`event data`).
    #[serde(default)]
    pub label: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallbackParam {
    #[serde(deserialize_with = "one_or_many")]
    pub call: Vec<String>,
    #[serde(default)]
    pub index: usize,
}

/// What makes data safe: the result of a call (`shlex.quote(x)`), or a check that guards the
/// code after it (`if (!ALLOWED.includes(x)) return`).
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SanitizerSpec {
    #[serde(default, deserialize_with = "one_or_many")]
    pub call: Vec<String>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub guard: Vec<String>,
}

/// Where tainted data must not go.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SinkSpec {
    /// A call of one of these names …
    #[serde(default, deserialize_with = "one_or_many")]
    pub call: Vec<String>,
    /// … with these positional arguments tainted (default: any argument, or the receiver);
    #[serde(default)]
    pub tainted: Option<Vec<usize>>,
    /// … with these positional arguments being these literals (`sh`, `-c`);
    #[serde(default)]
    pub args: std::collections::BTreeMap<usize, Literals>,
    /// … with (or without) this option;
    #[serde(default)]
    pub option: Option<OptionSpec>,
    /// … whose receiver chain includes a call of one of these, with these literal arguments
    /// (`Command::new("sh").arg("-c").arg(x)`).
    #[serde(default)]
    pub receiver: Option<Box<SinkSpec>>,
    /// A value returned from an entry point (a handler's or a route's response).
    #[serde(default)]
    pub returned: bool,
    /// For `returned`: functions decorated with these are entry points too (Flask, FastAPI and
    /// Chalice routes).
    #[serde(default, deserialize_with = "one_or_many")]
    pub decorated: Vec<String>,
    /// What reaching it means, for messages (`a shell command`).
    pub label: String,
    /// Only in these languages (default: the rule's).
    #[serde(default)]
    pub languages: Vec<String>,
}

fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    })
}

/// A name pattern, compiled: segments split on `.` (and `::`), `*` for any one segment, a
/// trailing `*` for any rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamePattern {
    segments: Vec<String>,
    rest: bool,
}

impl NamePattern {
    pub fn parse(p: &str) -> Result<Self, String> {
        let p = p.trim();
        if p.is_empty() {
            return Err("an empty name".into());
        }
        let norm = p.replace("::", ".");
        // Go import paths keep their slashes: `os/exec.Command` is `os/exec` then `Command`.
        let (pkg, rest) = match norm.rfind('/') {
            Some(i) => match norm[i..].find('.') {
                Some(j) => (Some(&norm[..i + j]), &norm[i + j + 1..]),
                None => (Some(norm.as_str()), ""),
            },
            None => (None, norm.as_str()),
        };
        let mut segments: Vec<String> = pkg.map(str::to_string).into_iter().collect();
        if !rest.is_empty() || pkg.is_none() {
            segments.extend(rest.split('.').map(str::to_string));
        }
        let rest = segments.len() > 1 && segments.last().is_some_and(|s| s == "*");
        if rest {
            segments.pop();
        }
        if segments.iter().any(|s| s.is_empty()) {
            return Err(format!("`{p}` is not a dotted name"));
        }
        Ok(Self { segments, rest })
    }

    /// Does the canonical path `name` match? `node:` prefixes of Node built-ins are ignored.
    /// Called for every call site against every pattern of the code rules: no allocation.
    pub fn matches(&self, name: &str) -> bool {
        let name = name.strip_prefix("node:").unwrap_or(name);
        // Most names fail on their last segment: check it before splitting.
        if let Some(last) = self.segments.last().filter(|l| !self.rest && *l != "*")
            && !name.ends_with(last.as_str())
        {
            return false;
        }
        let mut segs = canonical_segments(name);
        for p in &self.segments {
            match segs.next() {
                Some(s) if p == "*" || p == s => {}
                _ => return false,
            }
        }
        segs.next().is_some() == self.rest
    }
}

/// `github.com/x/events.Request` → [`github.com/x/events`, `Request`]; `a.b` → [`a`, `b`].
pub fn split_canonical(name: &str) -> Vec<&str> {
    canonical_segments(name).collect()
}

/// The segments of a canonical name, lazily (see [`split_canonical`]).
fn canonical_segments(name: &str) -> impl Iterator<Item = &str> {
    // Go import paths keep their slashes: the package is everything up to the first `.` after
    // the last `/`.
    let (pkg, rest) = match name.rfind('/') {
        Some(i) => match name[i..].find('.') {
            Some(j) => (Some(&name[..i + j]), Some(&name[i + j + 1..])),
            None => (Some(name), None),
        },
        None => (None, Some(name)),
    };
    pkg.into_iter().chain(rest.into_iter().flat_map(|r| r.split('.')))
}

/// Checks the languages of a rule or pattern.
pub fn languages(names: &[String]) -> Result<Vec<Language>, String> {
    let mut out = Vec::new();
    for n in names {
        match n.as_str() {
            "javascript" => out.push(Language::JavaScript),
            "typescript" => out.extend([Language::TypeScript, Language::Tsx]),
            "python" => out.push(Language::Python),
            "go" => out.push(Language::Go),
            "rust" => out.push(Language::Rust),
            other => {
                return Err(format!("unknown language `{other}` (one of: {})", Language::NAMES.join(", ")));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_patterns() {
        let p = |s: &str| NamePattern::parse(s).expect("valid");
        assert!(p("child_process.exec").matches("child_process.exec"));
        assert!(p("child_process.exec").matches("node:child_process.exec"));
        assert!(!p("child_process.exec").matches("child_process.execFile"));
        assert!(p("*.execute").matches("cursor.execute"));
        assert!(!p("*.execute").matches("a.b.execute"));
        assert!(p("subprocess.*").matches("subprocess.run"));
        assert!(!p("subprocess.*").matches("subprocess"));
        assert!(p("os/exec.Command").matches("os/exec.Command"));
        assert!(p("std::process::Command::new").matches("std.process.Command.new"));
        assert!(
            p("github.com/aws/aws-lambda-go/events.APIGatewayProxyRequest")
                .matches("github.com/aws/aws-lambda-go/events.APIGatewayProxyRequest")
        );
        assert!(NamePattern::parse("a..b").is_err());
    }
}
