//! Structured files (YAML, JSON; HCL later) loaded into one tree type whose every node knows
//! its span, so that frontends and rules can point at the exact line of any value.

pub mod hcl;
pub mod json;
mod libyaml;
pub mod yaml;

use crate::source::Span;
use std::borrow::Cow;

/// Nesting deeper than this is refused: real manifests are a few dozen levels deep, and a
/// bound keeps recursive consumers (and `Drop`) safe from crafted input.
pub const MAX_DEPTH: usize = 256;

/// One value of a structured document, with where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub span: Span,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    /// A number, kept in its written form (no precision lost, no float formatting).
    Number(String),
    String(String),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

/// A mapping entry. Keys are kept as text; non-scalar keys (rare, never meaningful in
/// manifests) become their YAML kind in angle brackets.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    pub key_span: Span,
    pub value: Node,
}

/// A parse failure, with the 1-based position where the parser gave up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub line: u32,
    pub column: u32,
    pub message: String,
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

impl Node {
    pub fn new(span: Span, value: Value) -> Self {
        Self { span, value }
    }

    /// Value of `key` in a mapping (the last one, as most consumers of duplicated keys do).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    /// Entry of `key` in a mapping, with the key's span.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        match &self.value {
            Value::Map(entries) => entries.iter().rev().find(|e| e.key == key),
            _ => None,
        }
    }

    /// Like `get`, ignoring ASCII case (for formats whose keys are case-insensitive in practice).
    pub fn get_ignore_case(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries.iter().rev().find(|e| e.key.eq_ignore_ascii_case(key)).map(|e| &e.value),
            _ => None,
        }
    }

    /// Follows a path of mapping keys.
    pub fn path(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().try_fold(self, |node, k| node.get(k))
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// Text of any scalar (strings, numbers, booleans).
    pub fn scalar_text(&self) -> Option<Cow<'_, str>> {
        match &self.value {
            Value::String(s) | Value::Number(s) => Some(Cow::Borrowed(s)),
            Value::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
            _ => None,
        }
    }

    /// A boolean, also accepting the strings "true"/"false" as CloudFormation does.
    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Value::Bool(b) => Some(*b),
            Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
            Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// A sequence's items, or the node itself as a one-item list (IAM's "string or list").
    pub fn one_or_many(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => std::slice::from_ref(self),
        }
    }

    /// Number of nodes in this subtree (used to bound alias expansion).
    pub fn size(&self) -> usize {
        1 + match &self.value {
            Value::Seq(items) => items.iter().map(Node::size).sum(),
            Value::Map(entries) => entries.iter().map(|e| e.value.size()).sum(),
            _ => 0,
        }
    }

    /// Converts to a plain JSON value (spans dropped), e.g. to deserialize with serde.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Number(n) => n
                .parse::<i64>()
                .map(J::from)
                .ok()
                .or_else(|| n.parse::<f64>().ok().and_then(serde_json::Number::from_f64).map(J::Number))
                .unwrap_or_else(|| J::String(n.clone())),
            Value::String(s) => J::String(s.clone()),
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => J::Object(entries.iter().map(|e| (e.key.clone(), e.value.to_json())).collect()),
        }
    }

    /// The node at a serde path such as `examples.fire[2].content` (as printed by
    /// serde_path_to_error), for pointing errors at a line.
    pub fn at_serde_path(&self, path: &str) -> &Node {
        let mut node = self;
        for seg in path.split('.') {
            let (name, indexes) = match seg.find('[') {
                Some(i) => (&seg[..i], &seg[i..]),
                None => (seg, ""),
            };
            if !name.is_empty() && name != "?" {
                match node.get(name) {
                    Some(n) => node = n,
                    None => return node,
                }
            }
            for idx in indexes.split('[').filter(|s| !s.is_empty()) {
                let Ok(i) = idx.trim_end_matches(']').parse::<usize>() else { return node };
                match node.as_seq().and_then(|s| s.get(i)) {
                    Some(n) => node = n,
                    None => return node,
                }
            }
        }
        node
    }
}
