//! YAML into [`Node`] trees, built from libyaml's event stream (see `libyaml.rs` for why
//! libyaml) so that we control spans, tags and aliases:
//! - positions come from libyaml's byte offsets through the file's [`LineIndex`], so they agree
//!   with every other position the tool reports, whatever line breaks the file uses;
//! - CloudFormation short-form tags become their long form (`!Ref X` → `{Ref: X}`,
//!   `!Sub s` → `{"Fn::Sub": s}`), so YAML and JSON templates look the same to frontends;
//! - aliases are expanded (with `<<` merge keys) within the file's [`Limits`] and the scan's
//!   [`AliasPool`], so an alias bomb fails fast instead of exhausting memory, however much
//!   padding surrounds it;
//! - plain scalars are typed by the YAML 1.2 core schema.

use super::libyaml::{self, Event, Style};
#[cfg(doc)]
use super::{AliasPool, Limits};
use super::{Budget, Entry, Exceeded, LoadError, MAX_DEPTH, Node, Value, node_bytes};
use crate::source::{LineIndex, Position, Span};
use std::collections::HashMap;

/// Parses every document of a YAML stream, within the default [`Limits`].
pub fn parse(text: &str) -> Result<Vec<Node>, LoadError> {
    parse_with(text, &Budget::new(super::Limits::DEFAULT))
}

/// Parses every document of a YAML stream within `budget`.
pub fn parse_with(text: &str, budget: &Budget<'_>) -> Result<Vec<Node>, LoadError> {
    Builder::new(text, budget).run(text)
}

/// Parses a YAML stream that should hold one document (an empty stream is `Null`).
pub fn parse_one(text: &str) -> Result<Node, LoadError> {
    let mut docs = parse(text)?;
    Ok(if docs.is_empty() { Node::new(Span::default(), Value::Null) } else { docs.swap_remove(0) })
}

/// libyaml's marks into 1-based positions that agree with the rest of the tool ([`LineIndex`]).
/// libyaml also breaks lines at a lone CR, NEL, LS and PS, which [`LineIndex`] may not: text
/// with none of those (nearly all) uses libyaml's own line and column; other text goes through
/// the byte offset and the line index.
enum Positions<'t> {
    Direct {
        /// A byte-order mark, stripped before libyaml reads the text, is the first column.
        bom: bool,
    },
    Indexed(Cursor<'t>),
}

impl<'t> Positions<'t> {
    fn new(text: &'t [u8], base: usize) -> Self {
        if plain_line_breaks(text) {
            Positions::Direct { bom: base > 0 }
        } else {
            Positions::Indexed(Cursor::new(text, base))
        }
    }

    fn get(&mut self, m: &libyaml::Mark) -> Position {
        match self {
            Positions::Direct { bom } => {
                let column = m.column + 1 + u64::from(*bom && m.line == 0);
                Position::new(clamp(m.line + 1), clamp(column))
            }
            Positions::Indexed(c) => c.get(m.index),
        }
    }

    /// Position of a byte offset of the parsed text (reader errors carry only that).
    fn at_offset(&mut self, text: &'t [u8], base: usize, offset: u64) -> Position {
        match self {
            Positions::Direct { .. } => Cursor::new(text, base).get(offset),
            Positions::Indexed(c) => c.get(offset),
        }
    }
}

fn clamp(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Whether every line break of `text` is LF or CRLF (no lone CR, NEL, LS or PS).
fn plain_line_breaks(text: &[u8]) -> bool {
    memchr::memchr3_iter(b'\r', 0xC2, 0xE2, text).all(|i| match text[i] {
        b'\r' => text.get(i + 1) == Some(&b'\n'),
        0xC2 => text.get(i + 1) != Some(&0x85),
        _ => !matches!(text.get(i + 1..i + 3), Some([0x80, 0xA8 | 0xA9])),
    })
}

/// Byte offsets into positions through the line index. Events come in (nearly) increasing
/// order, so the last position is moved forward along its line, and the index is searched only
/// when a line break lies between the two.
struct Cursor<'t> {
    text: &'t [u8],
    index: LineIndex,
    /// Offset of the parsed text in `text` (past a byte-order mark).
    base: usize,
    at: usize,
    pos: Position,
}

impl<'t> Cursor<'t> {
    fn new(text: &'t [u8], base: usize) -> Self {
        Self { text, index: LineIndex::new(text), base, at: 0, pos: Position::new(1, 1) }
    }

    fn get(&mut self, offset: u64) -> Position {
        let off = usize::try_from(offset).unwrap_or(usize::MAX).saturating_add(self.base).min(self.text.len());
        if off >= self.at {
            let gap = &self.text[self.at..off];
            if memchr::memchr2(b'\n', b'\r', gap).is_none() {
                self.pos.column += crate::source::count_chars(gap) as u32;
                self.at = off;
                return self.pos;
            }
        }
        self.pos = self.index.position(self.text, off);
        self.at = off;
        self.pos
    }
}

/// What a finished node weighs: its nodes, its bytes of tree, and its height in tree levels
/// (a short-form tag's wrapping mapping included).
#[derive(Debug, Clone, Copy, Default)]
struct Weight {
    nodes: usize,
    bytes: usize,
    height: usize,
}

impl Weight {
    fn add(&mut self, child: Weight) {
        self.nodes += child.nodes;
        self.bytes += child.bytes;
        self.height = self.height.max(child.height + 1);
    }
}

/// A collection being built.
struct Frame {
    anchor: Option<String>,
    tag: Option<String>,
    start: Position,
    /// Tree level of the collection's node (the root is 0; a tag's wrapping mapping counts).
    level: usize,
    weight: Weight,
    kind: FrameKind,
}

enum FrameKind {
    Seq(Vec<Node>),
    Map { entries: Vec<Entry>, key: Option<(String, Span)> },
}

/// An anchored node, ready to be copied by its aliases.
struct Anchored {
    node: Node,
    weight: Weight,
}

struct Builder<'t, 'b> {
    text: &'t [u8],
    /// Where libyaml's text starts in `text` (past a byte-order mark).
    base: usize,
    positions: Positions<'t>,
    stack: Vec<Frame>,
    anchors: HashMap<String, Anchored>,
    docs: Vec<Node>,
    budget: &'b Budget<'b>,
}

impl<'t, 'b> Builder<'t, 'b> {
    fn new(text: &'t str, budget: &'b Budget<'b>) -> Self {
        // libyaml skips a byte-order mark without counting it; the rest of the tool counts it
        // as the first column, so it is stripped here and added back to every offset.
        let base = if text.starts_with('\u{feff}') { 3 } else { 0 };
        Self {
            text: text.as_bytes(),
            base,
            positions: Positions::new(text.as_bytes(), base),
            stack: Vec::new(),
            anchors: HashMap::new(),
            docs: Vec::new(),
            budget,
        }
    }

    fn run(mut self, text: &str) -> Result<Vec<Node>, LoadError> {
        let mut parser = libyaml::Parser::new(text.get(self.base..).unwrap_or(""));
        while let Some(ev) = parser.next_event() {
            let (event, start, end) = ev.map_err(|e| self.syntax_error(&e))?;
            let start = self.positions.get(&start);
            let end = self.positions.get(&end);
            self.event(event, start, end)?;
        }
        Ok(self.docs)
    }

    /// libyaml's error as PyYAML words it: what it was reading (and from where), then the problem.
    fn syntax_error(&mut self, e: &libyaml::Error) -> LoadError {
        let context = e.context.as_ref().map(|(c, at)| (c.clone(), self.positions.get(at)));
        let at = match e.at {
            libyaml::At::Offset(offset) => self.positions.at_offset(self.text, self.base, offset),
            libyaml::At::Mark(m) => self.positions.get(&m),
        };
        let message = match context {
            Some((c, p)) if p != at => format!("{c} (from line {} column {}): {}", p.line, p.column, e.problem),
            Some((c, _)) => format!("{c}: {}", e.problem),
            None => e.problem.clone(),
        };
        LoadError::syntax(at.line, at.column, message)
    }

    /// Tree level of a node pushed now.
    fn level(&self) -> usize {
        self.stack.last().map_or(0, |f| f.level + 1)
    }

    fn event(&mut self, event: Event<'_>, start: Position, end: Position) -> Result<(), LoadError> {
        let limit = |e: Exceeded| LoadError::limit(start, e);
        match event {
            Event::Scalar { value, style, anchor, tag } => {
                let bytes = node_bytes(value.len());
                self.budget.spend(bytes).map_err(limit)?;
                let span = Span::new(start, end);
                let value = scalar_value(value, style, tag);
                let (node, wrap) = wrap_tag(Node::new(span, value), tag);
                let weight = Weight { nodes: 1 + wrap.nodes, bytes: bytes + wrap.bytes, height: 1 + wrap.height };
                self.budget.spend(wrap.bytes).map_err(limit)?;
                if let Some(anchor) = anchor {
                    self.anchor(anchor.to_string(), &node, weight, start)?;
                }
                self.push(node, weight);
                Ok(())
            }
            Event::SequenceStart { anchor, tag } | Event::MappingStart { anchor, tag } => {
                self.budget.spend(node_bytes(0)).map_err(limit)?;
                let level = self.level() + usize::from(tag.is_some_and(|t| cfn_function(t).is_some()));
                if level >= MAX_DEPTH {
                    return Err(LoadError::limit(start, Exceeded::Depth(MAX_DEPTH)));
                }
                let kind = match event {
                    Event::SequenceStart { .. } => FrameKind::Seq(Vec::new()),
                    _ => FrameKind::Map { entries: Vec::new(), key: None },
                };
                self.stack.push(Frame {
                    anchor: anchor.map(str::to_string),
                    tag: tag.map(str::to_string),
                    start,
                    level,
                    weight: Weight { nodes: 1, bytes: node_bytes(0), height: 1 },
                    kind,
                });
                Ok(())
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = self.stack.pop() else {
                    return Err(LoadError::syntax(start.line, start.column, "unbalanced collection end"));
                };
                let span = Span::new(frame.start, end);
                let node = match frame.kind {
                    FrameKind::Seq(items) => Node::new(span, Value::Seq(items)),
                    FrameKind::Map { entries, .. } => Node::new(span, Value::Map(apply_merge_keys(entries))),
                };
                let (node, wrap) = wrap_tag(node, frame.tag.as_deref());
                self.budget.spend(wrap.bytes).map_err(limit)?;
                let mut weight = frame.weight;
                weight.nodes += wrap.nodes;
                weight.bytes += wrap.bytes;
                weight.height += wrap.height;
                if let Some(anchor) = frame.anchor {
                    self.anchor(anchor, &node, weight, start)?;
                }
                self.push(node, weight);
                Ok(())
            }
            Event::Alias { anchor } => {
                let Some(anchored) = self.anchors.get(anchor) else {
                    return Err(LoadError::syntax(start.line, start.column, "alias to an unknown anchor"));
                };
                let weight = anchored.weight;
                if self.level() + weight.height > MAX_DEPTH + 1 {
                    return Err(LoadError::limit(start, Exceeded::Depth(MAX_DEPTH)));
                }
                self.budget.spend_aliases(weight.nodes, weight.bytes).map_err(limit)?;
                // The alias is reported where it is used, not where its anchor was defined.
                let node = Node { span: Span::new(start, end), ..anchored.node.clone() };
                self.push(node, weight);
                Ok(())
            }
            Event::DocumentEnd => {
                self.anchors.clear();
                Ok(())
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentStart => Ok(()),
        }
    }

    /// Keeps a copy of an anchored node for its aliases (the copy is memory too).
    fn anchor(&mut self, name: String, node: &Node, weight: Weight, at: Position) -> Result<(), LoadError> {
        self.budget.spend(weight.bytes).map_err(|e| LoadError::limit(at, e))?;
        self.anchors.insert(name, Anchored { node: node.clone(), weight });
        Ok(())
    }

    fn push(&mut self, node: Node, weight: Weight) {
        let Some(frame) = self.stack.last_mut() else {
            self.docs.push(node);
            return;
        };
        frame.weight.add(weight);
        match &mut frame.kind {
            FrameKind::Seq(items) => items.push(node),
            FrameKind::Map { entries, key } => match key.take() {
                None => {
                    let span = node.span;
                    *key = Some((key_text(node), span));
                }
                Some((k, key_span)) => entries.push(Entry { key: k, key_span, value: node }),
            },
        }
    }
}

fn key_text(node: Node) -> String {
    match node.value {
        Value::String(s) | Value::Number(s) => s,
        Value::Bool(b) => b.to_string(),
        Value::Null => String::new(),
        Value::Seq(_) => "<sequence>".into(),
        Value::Map(entries) => match entries.as_slice() {
            // `!Ref X` used as a key stays recognisable.
            [one] => format!("<{}>", one.key),
            _ => "<mapping>".into(),
        },
    }
}

/// The long-form key of a CloudFormation short-form tag: `!Ref` and `!Condition` keep their
/// name, the rest are `Fn::X`. Core-schema tags (`!!str`, …) are handled by scalar typing, and
/// non-specific or verbatim tags (`!`, `!<…>`) are not functions.
fn cfn_function(tag: &str) -> Option<String> {
    let name = tag.strip_prefix('!')?;
    if name.is_empty() || name.starts_with(['!', '<']) || name.starts_with("tag:yaml.org") {
        return None;
    }
    Some(match name {
        "Ref" | "Condition" => name.to_string(),
        _ => format!("Fn::{name}"),
    })
}

/// A node under a short-form tag in its long form (`!Ref X` → `{Ref: X}`), and what the
/// wrapping added.
fn wrap_tag(node: Node, tag: Option<&str>) -> (Node, Weight) {
    let Some(key) = tag.and_then(cfn_function) else { return (node, Weight::default()) };
    let span = node.span;
    let mut added = Weight { nodes: 1, bytes: node_bytes(key.len()), height: 1 };
    // `!GetAtt Res.Attr` is the string form of `Fn::GetAtt: [Res, Attr]`.
    let value = match node.value {
        Value::String(s) if key == "Fn::GetAtt" && s.contains('.') => {
            let (res, attr) = s.split_once('.').unwrap_or((&s, ""));
            added.nodes += 2;
            added.bytes += node_bytes(0) + node_bytes(0);
            added.height += 1;
            Node::new(
                span,
                Value::Seq(vec![
                    Node::new(span, Value::String(res.to_string())),
                    Node::new(span, Value::String(attr.to_string())),
                ]),
            )
        }
        value => Node::new(span, value),
    };
    (Node::new(span, Value::Map(vec![Entry { key, key_span: span, value }])), added)
}

fn scalar_value(text: &str, style: Style, tag: Option<&str>) -> Value {
    match tag {
        Some("tag:yaml.org,2002:str") | Some("!!str") => return Value::String(text.to_string()),
        Some(t) if t.starts_with('!') && !t.starts_with("!!") => return Value::String(text.to_string()),
        _ => {}
    }
    if style != Style::Plain {
        return Value::String(text.to_string());
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        "true" | "True" | "TRUE" => Value::Bool(true),
        "false" | "False" | "FALSE" => Value::Bool(false),
        _ if is_number(text) => Value::Number(text.to_string()),
        _ => Value::String(text.to_string()),
    }
}

fn is_number(s: &str) -> bool {
    let b = s.as_bytes();
    if b.is_empty() {
        return false;
    }
    if let Some(hex) = s.strip_prefix("0x") {
        return !hex.is_empty() && hex.bytes().all(|c| c.is_ascii_hexdigit());
    }
    if let Some(oct) = s.strip_prefix("0o") {
        return !oct.is_empty() && oct.bytes().all(|c| (b'0'..=b'7').contains(&c));
    }
    if matches!(s, ".inf" | ".Inf" | ".INF" | "-.inf" | "+.inf" | ".nan" | ".NaN" | ".NAN") {
        return true;
    }
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (mantissa, exp) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let mut parts = mantissa.splitn(2, '.');
    let int = parts.next().unwrap_or("");
    let frac = parts.next();
    let digits = |x: &str| x.bytes().all(|c| c.is_ascii_digit());
    let mantissa_ok = match frac {
        None => !int.is_empty() && digits(int),
        Some(f) => (!int.is_empty() || !f.is_empty()) && digits(int) && digits(f),
    };
    let exp_ok = exp.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exp_ok
}

/// YAML merge keys: `<<: *base` (or a list of them) adds the entries the mapping lacks.
fn apply_merge_keys(entries: Vec<Entry>) -> Vec<Entry> {
    if !entries.iter().any(|e| e.key == "<<") {
        return entries;
    }
    let (merges, mut own): (Vec<Entry>, Vec<Entry>) = entries.into_iter().partition(|e| e.key == "<<");
    for merge in merges {
        let sources: Vec<Node> = match merge.value.value {
            Value::Map(_) => vec![merge.value],
            Value::Seq(items) => items,
            _ => Vec::new(),
        };
        for source in sources {
            if let Value::Map(extra) = source.value {
                for e in extra {
                    if !own.iter().any(|o| o.key == e.key) {
                        own.push(e);
                    }
                }
            }
        }
    }
    own
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_and_types() {
        let doc = parse_one("a: 1\nb: 'x'\nc: true\nd:\n  - null\n  - 1.5e3\n").unwrap();
        let a = doc.get("a").unwrap();
        assert_eq!(a.value, Value::Number("1".into()));
        assert_eq!(a.span.start, Position::new(1, 4));
        assert_eq!(doc.entry("b").unwrap().key_span.start, Position::new(2, 1));
        assert_eq!(doc.get("c").unwrap().value, Value::Bool(true));
        let d = doc.get("d").unwrap().as_seq().unwrap();
        assert!(d[0].is_null());
        assert_eq!(d[1].value, Value::Number("1.5e3".into()));
    }

    #[test]
    fn cloudformation_short_tags_become_long_form() {
        let doc =
            parse_one("r: !Ref Bucket\ng: !GetAtt Role.Arn\ns: !Sub 'arn:${AWS::Partition}'\nj: !Join ['', [a, b]]\n")
                .unwrap();
        assert_eq!(doc.path(&["r", "Ref"]).unwrap().as_str(), Some("Bucket"));
        let g = doc.path(&["g", "Fn::GetAtt"]).unwrap().as_seq().unwrap();
        assert_eq!(g[1].as_str(), Some("Arn"));
        assert!(doc.path(&["s", "Fn::Sub"]).unwrap().as_str().is_some());
        assert_eq!(doc.path(&["j", "Fn::Join"]).unwrap().as_seq().unwrap().len(), 2);
    }

    #[test]
    fn aliases_and_merge_keys() {
        let doc = parse_one("base: &b {x: 1, y: 2}\nc:\n  <<: *b\n  y: 3\nd: *b\n").unwrap();
        assert_eq!(doc.path(&["c", "x"]).unwrap().value, Value::Number("1".into()));
        assert_eq!(doc.path(&["c", "y"]).unwrap().value, Value::Number("3".into()));
        assert_eq!(doc.path(&["d", "y"]).unwrap().value, Value::Number("2".into()));
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut s = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            s.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let err = parse(&s).unwrap_err();
        assert!(err.message.contains("alias bomb"), "{err}");
    }

    #[test]
    fn deep_nesting_is_refused() {
        let s = "[".repeat(10_000);
        assert!(parse(&s).is_err());
    }

    /// Shapes that real templates use and libyaml (PyYAML, cfn-lint, the AWS CLI) reads, but a
    /// strict YAML 1.2 reader rejects.
    #[test]
    fn libyaml_shapes_load_with_exact_spans() {
        let text = concat!(
            "P:\n",
            "      PolicyDocument: '{\"Statement\": [\n",
            "        {\"Effect\": \"Allow\", \"Action\": \"iam:*\", \"Resource\": \"*\"}\n",
            "      ]}'\n",
            "      Statement:\n",
            "        - Effect: Allow\n",
            "          Action: [\n",
            "            \"iam:*\"\n",
            "          ]\n",
            "          Resource:\t'*'\n",
        );
        let doc = parse_one(text).unwrap();
        let p = doc.get("P").unwrap();
        let policy = p.entry("PolicyDocument").unwrap();
        assert_eq!(policy.key_span, Span::new(Position::new(2, 7), Position::new(2, 21)));
        assert_eq!(policy.value.span, Span::new(Position::new(2, 23), Position::new(4, 10)));
        let json = policy.value.as_str().unwrap();
        assert_eq!(json, r#"{"Statement": [ {"Effect": "Allow", "Action": "iam:*", "Resource": "*"} ]}"#);
        let st = &p.get("Statement").unwrap().as_seq().unwrap()[0];
        let action = st.entry("Action").unwrap();
        assert_eq!(action.key_span.start, Position::new(7, 11));
        assert_eq!(action.value.span, Span::new(Position::new(7, 19), Position::new(9, 12)));
        let items = action.value.as_seq().unwrap();
        assert_eq!(items[0].as_str(), Some("iam:*"));
        assert_eq!(items[0].span, Span::new(Position::new(8, 13), Position::new(8, 20)));
        // A tab after the colon.
        assert_eq!(st.get("Resource").unwrap().span.start, Position::new(10, 21));
    }

    #[test]
    fn stream_forms() {
        // Directives, explicit document markers, a directive after a document without `...`.
        let docs = parse("%YAML 1.1\n--- # first\na: 1\n...\n%YAML 1.1\n---\nb: 2\n---\nc: 3\n").unwrap();
        assert_eq!(docs.len(), 3);
        assert_eq!(docs[2].entry("c").unwrap().key_span.start, Position::new(9, 1));
        // A byte-order mark is the first column, as everywhere else in the tool.
        let doc = parse_one("\u{feff}a: 1\r\nb: [x,\r\n  y]\r\n").unwrap();
        assert_eq!(doc.entry("a").unwrap().key_span.start, Position::new(1, 2));
        assert_eq!(doc.get("b").unwrap().as_seq().unwrap()[1].span.start, Position::new(3, 3));
        // Positions count code points.
        let doc = parse_one("é: 'ü'\n").unwrap();
        assert_eq!(doc.get("é").unwrap().span, Span::new(Position::new(1, 4), Position::new(1, 7)));
        // Non-specific and verbatim tags are not CloudFormation functions.
        let doc = parse_one("a: ! x\nb: !<tag:yaml.org,2002:str> 1\nc: !!int 2\n").unwrap();
        assert_eq!(doc.get("a").unwrap().as_str(), Some("x"));
        assert_eq!(doc.get("b").unwrap().as_str(), Some("1"));
        assert_eq!(doc.get("c").unwrap().value, Value::Number("2".into()));
    }

    #[test]
    fn positions_agree_with_the_line_index_whatever_the_line_breaks() {
        // libyaml breaks lines at LS (U+2028), NEL and a lone CR too; positions must still be
        // the ones every other part of the tool computes for these bytes.
        for text in ["a: 'x\u{2028}y'\nb: 1\n", "a: \"x\u{85}y\"\r\nb: 1\r\n", "a: 1\rb: 2\n", "\u{feff}a: 1\rb: 2\n"] {
            let doc = parse_one(text).unwrap();
            let b = doc.entry("b").unwrap();
            let offset = text.find("b:").unwrap();
            let want = LineIndex::new(text.as_bytes()).position(text.as_bytes(), offset);
            assert_eq!(b.key_span.start, want, "{text:?}");
        }
    }

    #[test]
    fn syntax_error_has_position() {
        let err = parse("a: [1, 2\nb: c\n").unwrap_err();
        assert_eq!((err.line, err.column), (2, 2), "{err}");
        assert!(err.message.starts_with("while parsing a flow sequence (from line 1 column 4)"), "{err}");
        // A control character: libyaml's reader error, at its byte.
        let err = parse("a: 1\nb: x\u{7}\n").unwrap_err();
        assert_eq!((err.line, err.column), (2, 5), "{err}");
    }
}
