//! YAML into [`Node`] trees, built from saphyr-parser's event stream so that we control spans,
//! tags and aliases:
//! - CloudFormation short-form tags become their long form (`!Ref X` → `{Ref: X}`,
//!   `!Sub s` → `{"Fn::Sub": s}`), so YAML and JSON templates look the same to frontends;
//! - aliases are expanded (with `<<` merge keys), within a node budget so an alias bomb fails
//!   fast instead of exhausting memory;
//! - plain scalars are typed by the YAML 1.2 core schema.

use super::{Entry, LoadError, MAX_DEPTH, Node, Value};
use crate::source::{Position, Span};
use saphyr_parser::{Event, Marker, Parser, ScalarStyle, Tag};
use std::collections::HashMap;

/// Most nodes a document may expand to through aliases, relative to its size.
const NODES_PER_INPUT_BYTE: usize = 8;
const MIN_NODE_BUDGET: usize = 100_000;

/// Parses every document of a YAML stream.
pub fn parse(text: &str) -> Result<Vec<Node>, LoadError> {
    Builder::new(text.len()).run(text)
}

/// Parses a YAML stream that should hold one document (an empty stream is `Null`).
pub fn parse_one(text: &str) -> Result<Node, LoadError> {
    let mut docs = parse(text)?;
    Ok(if docs.is_empty() { Node::new(Span::default(), Value::Null) } else { docs.swap_remove(0) })
}

fn pos(m: &Marker) -> Position {
    Position::new(m.line() as u32, m.col() as u32 + 1)
}

fn err_at(m: &Marker, message: impl Into<String>) -> LoadError {
    LoadError { line: m.line() as u32, column: m.col() as u32 + 1, message: message.into() }
}

enum Frame {
    Seq { anchor: usize, tag: Option<String>, start: Position, items: Vec<Node> },
    Map { anchor: usize, tag: Option<String>, start: Position, entries: Vec<Entry>, key: Option<(String, Span)> },
}

struct Builder {
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    docs: Vec<Node>,
    budget: usize,
}

impl Builder {
    fn new(input_len: usize) -> Self {
        Self {
            stack: Vec::new(),
            anchors: HashMap::new(),
            docs: Vec::new(),
            budget: MIN_NODE_BUDGET.max(input_len.saturating_mul(NODES_PER_INPUT_BYTE)),
        }
    }

    fn run(mut self, text: &str) -> Result<Vec<Node>, LoadError> {
        let mut parser = Parser::new_from_str(text);
        while let Some(ev) = parser.next_event() {
            let (event, span) = ev.map_err(|e| err_at(e.marker(), e.info().to_string()))?;
            self.event(event, &span.start, &span.end)?;
        }
        Ok(self.docs)
    }

    fn spend(&mut self, n: usize, at: &Marker) -> Result<(), LoadError> {
        self.budget = self
            .budget
            .checked_sub(n)
            .ok_or_else(|| err_at(at, "aliases expand to too many nodes (possible alias bomb); refusing to load"))?;
        Ok(())
    }

    fn event(&mut self, event: Event<'_>, start: &Marker, end: &Marker) -> Result<(), LoadError> {
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                self.spend(1, start)?;
                let span = Span::new(pos(start), pos(end));
                let tag = tag.map(|t| tag_name(&t));
                let value = scalar_value(&text, style, tag.as_deref());
                let node = wrap_tag(Node::new(span, value), tag.as_deref());
                if anchor > 0 {
                    self.anchors.insert(anchor, node.clone());
                }
                self.push(node, start)
            }
            Event::SequenceStart(anchor, tag) => {
                self.open(start)?;
                self.stack.push(Frame::Seq {
                    anchor,
                    tag: tag.map(|t| tag_name(&t)),
                    start: pos(start),
                    items: Vec::new(),
                });
                Ok(())
            }
            Event::MappingStart(anchor, tag) => {
                self.open(start)?;
                self.stack.push(Frame::Map {
                    anchor,
                    tag: tag.map(|t| tag_name(&t)),
                    start: pos(start),
                    entries: Vec::new(),
                    key: None,
                });
                Ok(())
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (anchor, tag, node) = match self.stack.pop() {
                    Some(Frame::Seq { anchor, tag, start: s, items }) => {
                        (anchor, tag, Node::new(Span::new(s, pos(end)), Value::Seq(items)))
                    }
                    Some(Frame::Map { anchor, tag, start: s, entries, .. }) => {
                        (anchor, tag, Node::new(Span::new(s, pos(end)), Value::Map(apply_merge_keys(entries))))
                    }
                    None => return Err(err_at(start, "unbalanced collection end")),
                };
                let node = wrap_tag(node, tag.as_deref());
                if anchor > 0 {
                    self.anchors.insert(anchor, node.clone());
                }
                self.push(node, start)
            }
            Event::Alias(id) => {
                let node = self.anchors.get(&id).cloned().ok_or_else(|| err_at(start, "alias to an unknown anchor"))?;
                self.spend(node.size(), start)?;
                // The alias is reported where it is used, not where its anchor was defined.
                let node = Node { span: Span::new(pos(start), pos(end)), ..node };
                self.push(node, start)
            }
            Event::DocumentEnd => {
                self.anchors.clear();
                Ok(())
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentStart(_) | Event::Nothing => Ok(()),
        }
    }

    fn open(&mut self, at: &Marker) -> Result<(), LoadError> {
        self.spend(1, at)?;
        if self.stack.len() >= MAX_DEPTH {
            return Err(err_at(at, format!("nesting deeper than {MAX_DEPTH} levels")));
        }
        Ok(())
    }

    fn push(&mut self, node: Node, at: &Marker) -> Result<(), LoadError> {
        match self.stack.last_mut() {
            None => self.docs.push(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                None => *key = Some((key_text(&node), node.span)),
                Some((k, key_span)) => entries.push(Entry { key: k, key_span, value: node }),
            },
        }
        let _ = at;
        Ok(())
    }
}

fn tag_name(tag: &Tag) -> String {
    format!("{}{}", tag.handle, tag.suffix)
}

fn key_text(node: &Node) -> String {
    match &node.value {
        Value::String(s) | Value::Number(s) => s.clone(),
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

/// CloudFormation short forms: `!Ref` and `!Condition` keep their name, the rest are `Fn::X`.
/// Core-schema tags (`!!str`, …) are handled by scalar typing, not here.
fn wrap_tag(node: Node, tag: Option<&str>) -> Node {
    let Some(tag) = tag else { return node };
    let Some(name) = tag.strip_prefix('!') else { return node };
    if name.starts_with('!') || name.starts_with("tag:yaml.org") || name.is_empty() {
        return node;
    }
    let key = match name {
        "Ref" | "Condition" => name.to_string(),
        _ => format!("Fn::{name}"),
    };
    // `!GetAtt Res.Attr` is the string form of `Fn::GetAtt: [Res, Attr]`.
    let value = if key == "Fn::GetAtt" {
        match &node.value {
            Value::String(s) => match s.split_once('.') {
                Some((res, attr)) => Node::new(
                    node.span,
                    Value::Seq(vec![
                        Node::new(node.span, Value::String(res.to_string())),
                        Node::new(node.span, Value::String(attr.to_string())),
                    ]),
                ),
                None => node.clone(),
            },
            _ => node.clone(),
        }
    } else {
        node.clone()
    };
    Node::new(node.span, Value::Map(vec![Entry { key, key_span: node.span, value }]))
}

fn scalar_value(text: &str, style: ScalarStyle, tag: Option<&str>) -> Value {
    match tag {
        Some("tag:yaml.org,2002:str") | Some("!!str") => return Value::String(text.to_string()),
        Some(t) if t.starts_with('!') && !t.starts_with("!!") => return Value::String(text.to_string()),
        _ => {}
    }
    if style != ScalarStyle::Plain {
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

    #[test]
    fn syntax_error_has_position() {
        let err = parse("a: [1, 2\nb: c\n").unwrap_err();
        assert!(err.line >= 1);
    }
}
