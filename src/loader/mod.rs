//! Structured files (YAML, JSON; HCL later) loaded into one tree type whose every node knows
//! its span, so that frontends and rules can point at the exact line of any value.

pub mod hcl;
pub mod json;
mod libyaml;
pub mod yaml;

use crate::source::{Position, Span};
use std::borrow::Cow;
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

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
    /// The file went over one of its [`Limits`] (rather than being malformed).
    pub over_limit: bool,
}

impl LoadError {
    pub fn syntax(line: u32, column: u32, message: impl Into<String>) -> Self {
        Self { line, column, message: message.into(), over_limit: false }
    }

    pub(crate) fn limit(at: Position, e: Exceeded) -> Self {
        Self { line: at.line, column: at.column, message: e.message(), over_limit: true }
    }
}

/// What one file's load may use, whatever is written in it: past any of these the load stops
/// with a [`LoadError`] for that file (`over_limit`), and the scan goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Time to build the tree (parsing included): a backstop, as every loader is linear.
    pub time: Duration,
    /// Bytes of tree: nodes, entries and their text, including copies made for aliases.
    pub memory: usize,
    /// Nodes that YAML aliases may expand to, however small the file.
    pub alias_nodes: usize,
}

impl Limits {
    /// Far above any real manifest (the largest CloudFormation template AWS accepts is 1 MB and
    /// builds a few MB of tree; real anchors expand to thousands of nodes), far below what hurts
    /// a CI runner.
    pub const DEFAULT: Limits = Limits { time: Duration::from_secs(30), memory: 256 << 20, alias_nodes: 1_000_000 };
}

impl Default for Limits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Alias nodes that all the files of one scan may expand to, shared by its threads: a few
/// files that each stay within [`Limits::alias_nodes`] cannot add up to a runaway scan.
#[derive(Debug)]
pub struct AliasPool(AtomicUsize);

impl AliasPool {
    pub const PER_SCAN: usize = 10_000_000;

    pub fn new(nodes: usize) -> Self {
        Self(AtomicUsize::new(nodes))
    }

    fn take(&self, n: usize) -> bool {
        self.0.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| left.checked_sub(n)).is_ok()
    }
}

impl Default for AliasPool {
    fn default() -> Self {
        Self::new(Self::PER_SCAN)
    }
}

/// Which limit a load went over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exceeded {
    Depth(usize),
    Time(Duration),
    Memory(usize),
    FileAliases(usize),
    ScanAliases,
}

impl Exceeded {
    fn message(self) -> String {
        match self {
            Exceeded::Depth(d) => format!("nesting deeper than {d} levels"),
            Exceeded::Time(t) => {
                format!("took longer than {} s to load (the per-file limit); refusing to load", t.as_secs_f32())
            }
            Exceeded::Memory(m) => {
                format!("would take more than {} MiB of memory to load (the per-file limit); refusing to load", m >> 20)
            }
            Exceeded::FileAliases(n) => {
                format!(
                    "aliases expand to more than {n} nodes (possible alias bomb; the per-file limit); refusing to load"
                )
            }
            Exceeded::ScanAliases => format!(
                "aliases of this scan's files expand to more than {} nodes (possible alias bombs; the per-scan limit); refusing to load",
                AliasPool::PER_SCAN
            ),
        }
    }
}

/// One file's load against its [`Limits`] (and the scan's [`AliasPool`]). Loaders account for
/// each node they build; the clock is read every few thousand nodes.
#[derive(Debug)]
pub struct Budget<'p> {
    limits: Limits,
    start: Instant,
    memory: Cell<usize>,
    aliases: Cell<usize>,
    pool: Option<&'p AliasPool>,
    ticks: Cell<u32>,
}

/// Nodes built between two reads of the clock.
const CLOCK_EVERY: u32 = 4096;

impl<'p> Budget<'p> {
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            start: Instant::now(),
            memory: Cell::new(limits.memory),
            aliases: Cell::new(limits.alias_nodes),
            pool: None,
            ticks: Cell::new(0),
        }
    }

    /// Aliases also draw on the scan-wide `pool`.
    pub fn with_pool(limits: Limits, pool: &'p AliasPool) -> Self {
        Self { pool: Some(pool), ..Self::new(limits) }
    }

    /// Accounts for one node (or entry) of `bytes` more of tree.
    pub(crate) fn spend(&self, bytes: usize) -> Result<(), Exceeded> {
        let left = self.memory.get().checked_sub(bytes).ok_or(Exceeded::Memory(self.limits.memory))?;
        self.memory.set(left);
        self.tick()
    }

    /// Accounts for an alias's copy of `nodes` nodes of `bytes` bytes.
    pub(crate) fn spend_aliases(&self, nodes: usize, bytes: usize) -> Result<(), Exceeded> {
        let left = self.aliases.get().checked_sub(nodes).ok_or(Exceeded::FileAliases(self.limits.alias_nodes))?;
        self.aliases.set(left);
        if self.pool.is_some_and(|p| !p.take(nodes)) {
            return Err(Exceeded::ScanAliases);
        }
        let left = self.memory.get().checked_sub(bytes).ok_or(Exceeded::Memory(self.limits.memory))?;
        self.memory.set(left);
        self.check_time()
    }

    fn tick(&self) -> Result<(), Exceeded> {
        let t = self.ticks.get().wrapping_add(1);
        self.ticks.set(t);
        if t % CLOCK_EVERY == 0 { self.check_time() } else { Ok(()) }
    }

    /// Whether the load is still within its time.
    pub(crate) fn check_time(&self) -> Result<(), Exceeded> {
        if self.start.elapsed() > self.limits.time { Err(Exceeded::Time(self.limits.time)) } else { Ok(()) }
    }
}

/// Bytes a node of `text_len` bytes of text takes in a tree, as measured: the node, its share of
/// its parent's vector and entry, and the allocator's overhead, plus its text.
pub(crate) const fn node_bytes(text_len: usize) -> usize {
    128 + text_len
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A billion laughs: 9 levels of 10 aliases each, 10^9 nodes, after `padding` bytes of
    /// comments (which used to raise the alias budget with the file's size).
    fn alias_bomb(padding: usize) -> String {
        let mut s = String::with_capacity(padding + 1024);
        while s.len() < padding {
            s.push_str("# padding padding padding padding padding padding padding padding padding\n");
        }
        s.push_str("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let p = i - 1;
            s.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        s
    }

    #[test]
    fn an_alias_bomb_is_refused_whatever_its_padding() {
        for padding in [0, 3 << 20] {
            let e = yaml::parse(&alias_bomb(padding)).unwrap_err();
            assert!(e.over_limit && e.message.contains("alias bomb; the per-file limit"), "{e}");
        }
    }

    #[test]
    fn files_of_one_scan_share_an_alias_pool() {
        // Each file expands 100 × 10 nodes through aliases: within its own limit, but not twice
        // within the pool's 1,500.
        let mut text = String::from("a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9]\nb:\n");
        for _ in 0..100 {
            text.push_str("  - *a\n");
        }
        let pool = AliasPool::new(1_500);
        let limits = Limits { alias_nodes: 5_000, ..Limits::DEFAULT };
        assert!(yaml::parse_with(&text, &Budget::with_pool(limits, &pool)).is_ok());
        let e = yaml::parse_with(&text, &Budget::with_pool(limits, &pool)).unwrap_err();
        assert!(e.over_limit && e.message.contains("per-scan limit"), "{e}");
        // The same file alone, within its own limit, loads.
        assert!(yaml::parse_with(&text, &Budget::new(limits)).is_ok());
    }

    #[test]
    fn aliases_cannot_nest_deeper_than_the_limit() {
        let deep = format!("a: &a {}1{}\n", "[".repeat(200), "]".repeat(200));
        let text = format!("{deep}b: {}*a{}\n", "[".repeat(100), "]".repeat(100));
        let e = yaml::parse(&text).unwrap_err();
        assert!(e.over_limit && e.message.contains("nesting deeper"), "{e}");
        assert!(yaml::parse(&format!("{deep}b: [[*a]]\n")).is_ok());
    }

    #[test]
    fn every_loader_stops_at_its_memory_limit() {
        let limits = Limits { memory: 1 << 20, ..Limits::DEFAULT };
        let items = vec!["\"x\""; 20_000].join(", ");
        let e = yaml::parse_with(&format!("a: [{items}]\n"), &Budget::new(limits)).unwrap_err();
        assert!(e.over_limit && e.message.contains("1 MiB"), "{e}");
        let e = json::parse_with(&format!("{{\"a\": [{items}]}}"), &Budget::new(limits)).unwrap_err();
        assert!(e.over_limit && e.message.contains("1 MiB"), "{e}");
        let e = hcl::parse_with(&format!("a = [{items}]\n"), &Budget::new(limits)).unwrap_err();
        assert!(e.over_limit && e.message.contains("1 MiB"), "{e}");
        // Copies made by aliases count too.
        let text = format!("a: &a [{}]\nb: [{}]\n", vec!["x"; 100].join(", "), vec!["*a"; 200].join(", "));
        let e = yaml::parse_with(&text, &Budget::new(limits)).unwrap_err();
        assert!(e.over_limit && e.message.contains("1 MiB"), "{e}");
    }

    #[test]
    fn every_loader_stops_at_its_time_limit() {
        let limits = Limits { time: Duration::ZERO, ..Limits::DEFAULT };
        let items = vec!["1"; 3 * CLOCK_EVERY as usize].join(", ");
        for e in [
            yaml::parse_with(&format!("a: [{items}]\n"), &Budget::new(limits)).unwrap_err(),
            json::parse_with(&format!("[{items}]"), &Budget::new(limits)).unwrap_err(),
            hcl::parse_with(&format!("a = [{items}]\n"), &Budget::new(limits)).unwrap_err(),
        ] {
            assert!(e.over_limit && e.message.contains("took longer than 0 s"), "{e}");
        }
    }

    #[test]
    fn syntax_errors_are_not_limits() {
        assert!(!yaml::parse("a: [").unwrap_err().over_limit);
        assert!(!json::parse("[").unwrap_err().over_limit);
        assert!(!hcl::parse("a = [").unwrap_err().over_limit);
    }
}
