//! HCL (Terraform `.tf`) into [`Node`] trees with spans, parsed with `hcl-edit` (which keeps
//! byte ranges; they become 1-based lines and columns here). The conventions:
//!
//! * A **body** (the file, or a block's) is a mapping. An **attribute** `key = EXPR` is an entry
//!   whose key span is the key's identifier.
//! * A **block** `TYPE "L1" "L2" { … }` adds its body to a *sequence* reached through nested
//!   mappings: `TYPE → L1 → L2 → [body, …]`. Every block body is an item of a sequence, even when
//!   it is the only one, so repeated blocks (`statement { }`, `principals { }`) and single ones
//!   read the same way. Blocks of one body with the same type (and labels) share the entries:
//!   `resource "aws_iam_role" "a"` and `resource "aws_lambda_function" "f"` give one `resource`
//!   mapping holding `aws_iam_role → a → [body]` and `aws_lambda_function → f → [body]`. A key's
//!   span is the first block's type identifier or label (quotes included); a body's span is its
//!   whole block, from the type identifier to the closing brace.
//! * **Literals** (strings, numbers as written, booleans, `null`) are scalars; **tuples** and
//!   **objects** are sequences and mappings (an object key is its identifier or string; another
//!   key expression is kept as its source text).
//! * A **string template** with interpolations or directives is a string keeping them as written
//!   (`arn:aws:s3:::${var.bucket}/*`), which the value resolver reads as partial (or unknown
//!   when the string is exactly one `${…}`). Directives are kept with `%{` written `${`
//!   (`${ if var.x }…${ endif }`) so that they read as unresolved too. Escapes are decoded:
//!   `$${aws:username}` is the text `${aws:username}`, as an IAM policy variable would be
//!   written in CloudFormation.
//! * A **heredoc** is a string holding its content (dedented for `<<-`). Its span starts at the
//!   content's first character (on the line after `<<EOF`, past the indent that `<<-` strips)
//!   and ends after the closing delimiter, so it always covers several lines, and a position
//!   `(l, c)` inside the content is `(start.line + l - 1, start.column + c - 1)` in the file.
//! * A **reference** (`var.x`, `aws_iam_role.lambda.arn`, `data.aws_iam_policy_document.d.json`,
//!   `local.name[0]`) is `{"Fn::TfRef": "<reference as written>"}`.
//! * **Function calls**: `jsonencode(EXPR)` is EXPR itself (so a policy written with jsonencode
//!   is an ordinary mapping with spans); `file(PATH)` is `{"Fn::TfFile": PATH}`; any other call is
//!   `{"Fn::TfCall": "<name>"}` (`provider::aws::arn_parse` for namespaced ones).
//! * Anything else — conditionals, `for` expressions, operations, splats and traversals of
//!   non-references — is `{"Fn::TfExpr": "<source text>"}`: unknown. (`(EXPR)` is EXPR, and a
//!   negated number literal is a number.)

use super::{Budget, Entry, Exceeded, LoadError, MAX_DEPTH, Node, Value, node_bytes};
use crate::source::{LineIndex, Span};
use hcl_edit::Span as _;
use hcl_edit::expr::{Expression, ObjectKey, UnaryOperator};
use hcl_edit::structure::{Block, Body, Structure};
use hcl_edit::template::Element;
use std::collections::HashMap;
use std::ops::Range;

/// Parses one `.tf` file within the default [`super::Limits`].
pub fn parse(text: &str) -> Result<Node, LoadError> {
    parse_with(text, &Budget::new(super::Limits::DEFAULT))
}

/// Parses one `.tf` file within `budget`. hcl-edit's own parse is bounded by its nesting limit
/// (64) and linear in the text; the tree built from it is accounted for node by node.
pub fn parse_with(text: &str, budget: &Budget<'_>) -> Result<Node, LoadError> {
    // A UTF-8 byte-order mark is tolerated, as editors on Windows write one.
    let base = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let conv = Converter { text, base, index: LineIndex::new(text.as_bytes()), budget };
    let body = hcl_edit::parser::parse_body(&text[base..]).map_err(|e| {
        let p = conv.index.position(text.as_bytes(), base + e.location().offset());
        LoadError::syntax(p.line, p.column, e.message().to_string())
    })?;
    let whole = conv.index.span(text.as_bytes(), 0, text.len());
    conv.budget.check_time().map_err(|e| LoadError::limit(whole.start, e))?;
    conv.body(&body, whole, 0)
}

struct Converter<'a> {
    text: &'a str,
    /// Offset of the parsed text in `text` (past a byte-order mark).
    base: usize,
    index: LineIndex,
    budget: &'a Budget<'a>,
}

impl Converter<'_> {
    fn span_of(&self, range: Range<usize>) -> Span {
        self.index.span(self.text.as_bytes(), self.base + range.start, self.base + range.end)
    }

    /// The span of a parsed range, or `fallback` for the (synthesised) values that have none.
    fn span(&self, range: Option<Range<usize>>, fallback: Span) -> Span {
        range.map_or(fallback, |r| self.span_of(r))
    }

    /// Accounts for a node of `text_len` bytes of text.
    fn spend(&self, at: Span, text_len: usize) -> Result<(), LoadError> {
        self.budget.spend(node_bytes(text_len)).map_err(|e| LoadError::limit(at.start, e))
    }

    /// Source text of a parsed range.
    fn source(&self, range: Option<Range<usize>>) -> &str {
        range.and_then(|r| self.text.get(self.base + r.start..self.base + r.end)).unwrap_or("")
    }

    fn too_deep(&self, span: Span) -> LoadError {
        LoadError::limit(span.start, Exceeded::Depth(MAX_DEPTH))
    }

    fn body(&self, body: &Body, span: Span, depth: usize) -> Result<Node, LoadError> {
        if depth >= MAX_DEPTH {
            return Err(self.too_deep(span));
        }
        self.spend(span, 0)?;
        let mut entries: Vec<Entry> = Vec::new();
        let mut blocks = BlockIndex::default();
        for structure in body.iter() {
            match structure {
                Structure::Attribute(a) => {
                    let key_span = self.span(a.key.span(), span);
                    let value = self.expr(&a.value, key_span, depth + 1)?;
                    self.spend(key_span, a.key.as_str().len())?;
                    entries.push(Entry { key: a.key.as_str().to_string(), key_span, value });
                }
                Structure::Block(b) => self.block(&mut entries, &mut blocks, b, span, depth)?,
            }
        }
        Ok(Node::new(span, Value::Map(entries)))
    }

    /// Adds a block's body under `TYPE → labels… → [bodies]` in `entries`.
    fn block(
        &self,
        entries: &mut Vec<Entry>,
        blocks: &mut BlockIndex,
        block: &Block,
        parent: Span,
        depth: usize,
    ) -> Result<(), LoadError> {
        let span = self.span(block.span(), parent);
        // Each label is one more level of nesting (a block may have any number of them).
        if depth + block.labels.len() + 2 >= MAX_DEPTH {
            return Err(self.too_deep(span));
        }
        let mut keys = Vec::with_capacity(block.labels.len() + 1);
        keys.push((block.ident.as_str().to_string(), self.span(block.ident.span(), span)));
        for l in &block.labels {
            keys.push((l.as_str().to_string(), self.span(l.span(), span)));
        }
        for (key, key_span) in &keys {
            self.spend(*key_span, key.len())?;
        }
        let body = self.body(&block.body, span, depth + block.labels.len() + 2)?;
        blocks.insert(entries, &keys, span, body);
        Ok(())
    }

    fn expr(&self, expr: &Expression, fallback: Span, depth: usize) -> Result<Node, LoadError> {
        let node = self.expr_node(expr, fallback, depth)?;
        // The text the node holds (a string, or an unevaluated expression's source).
        let text = match &node.value {
            Value::String(s) | Value::Number(s) => s.len(),
            Value::Map(e) => e.first().and_then(|e| e.value.as_str()).map_or(0, str::len),
            _ => 0,
        };
        self.spend(node.span, text)?;
        Ok(node)
    }

    fn expr_node(&self, expr: &Expression, fallback: Span, depth: usize) -> Result<Node, LoadError> {
        let span = self.span(expr.span(), fallback);
        if depth >= MAX_DEPTH {
            return Err(self.too_deep(span));
        }
        self.spend(span, 0)?;
        let value = match expr {
            Expression::Null(_) => Value::Null,
            Expression::Bool(b) => Value::Bool(*b.value()),
            Expression::Number(n) => {
                let written = self.source(n.span());
                Value::Number(if written.is_empty() { n.value().to_string() } else { written.to_string() })
            }
            Expression::String(s) => Value::String(s.value().clone()),
            Expression::Array(items) => {
                Value::Seq(items.iter().map(|i| self.expr(i, span, depth + 1)).collect::<Result<Vec<_>, LoadError>>()?)
            }
            Expression::Object(object) => {
                let mut entries = Vec::with_capacity(object.len());
                for (k, v) in object.iter() {
                    let key_span = self.span(k.span(), span);
                    let key = match k {
                        ObjectKey::Ident(id) => id.as_str().to_string(),
                        ObjectKey::Expression(Expression::String(s)) => s.value().clone(),
                        ObjectKey::Expression(Expression::Variable(v)) => v.as_str().to_string(),
                        ObjectKey::Expression(e) => self.source(e.span()).trim().to_string(),
                    };
                    let value = self.expr(v.expr(), key_span, depth + 1)?;
                    entries.push(Entry { key, key_span, value });
                }
                Value::Map(entries)
            }
            Expression::StringTemplate(t) => Value::String(self.template(t.iter())),
            Expression::HeredocTemplate(h) => {
                let node_span = self.heredoc_span(h.span(), h.indent().unwrap_or(0), span);
                return Ok(Node::new(node_span, Value::String(self.template(h.template.iter()))));
            }
            Expression::Parenthesis(p) => return self.expr(p.inner(), span, depth + 1),
            Expression::Variable(v) => return Ok(intrinsic("Fn::TfRef", v.as_str(), span)),
            Expression::Traversal(t) if matches!(t.expr, Expression::Variable(_)) => {
                let written: String = self.source(t.span()).chars().filter(|c| !c.is_whitespace()).collect();
                return Ok(intrinsic("Fn::TfRef", &written, span));
            }
            Expression::FuncCall(call) => {
                let mut name: Vec<&str> = call.name.namespace.iter().map(|n| n.as_str()).collect();
                name.push(call.name.name.as_str());
                let name = name.join("::");
                let first = call.args.iter().next();
                return match (name.as_str(), first) {
                    ("jsonencode", Some(arg)) if call.args.len() == 1 => self.expr(arg, span, depth + 1),
                    ("file", Some(arg)) if call.args.len() == 1 => {
                        let path = self.expr(arg, span, depth + 1)?;
                        Ok(Node::new(
                            span,
                            Value::Map(vec![Entry { key: "Fn::TfFile".into(), key_span: span, value: path }]),
                        ))
                    }
                    _ => Ok(intrinsic("Fn::TfCall", &name, span)),
                };
            }
            Expression::UnaryOp(op)
                if op.operator.value() == &UnaryOperator::Neg && matches!(op.expr, Expression::Number(_)) =>
            {
                let written: String = self.source(op.span()).chars().filter(|c| !c.is_whitespace()).collect();
                Value::Number(written)
            }
            _ => return Ok(intrinsic("Fn::TfExpr", self.source(expr.span()).trim(), span)),
        };
        Ok(Node::new(span, value))
    }

    /// A template's text: literals as they are, interpolations and directives as written.
    fn template<'t>(&self, elements: impl Iterator<Item = &'t Element>) -> String {
        let mut out = String::new();
        for e in elements {
            match e {
                Element::Literal(l) => out.push_str(l.value()),
                Element::Interpolation(_) => out.push_str(self.source(e.span())),
                // `%{ if … }` / `%{ for … }` written `${ if … }` (same length): the string reads as
                // partial, as its text depends on the directive.
                Element::Directive(_) => out.push_str(&self.source(e.span()).replace("%{", "${")),
            }
        }
        out
    }

    /// A heredoc's span: from its content's first character (past `indent` columns on the line
    /// after `<<EOF`) to the end of its closing delimiter.
    fn heredoc_span(&self, range: Option<Range<usize>>, indent: usize, fallback: Span) -> Span {
        let Some(r) = range else { return fallback };
        let raw = self.source(Some(r.clone()));
        let content = raw.find('\n').map_or(r.end, |i| r.start + i + 1);
        // The stripped indent is made of whitespace characters, one byte each.
        let line_end = self.text[self.base + content..].find('\n').map_or(r.end, |i| content + i);
        let start = (content + indent).min(line_end.max(content)).min(r.end);
        self.span_of(start..r.end)
    }
}

/// `{name: text}`, the form of Terraform values the tool does not evaluate.
fn intrinsic(name: &str, text: &str, span: Span) -> Node {
    Node::new(
        span,
        Value::Map(vec![Entry {
            key: name.to_string(),
            key_span: span,
            value: Node::new(span, Value::String(text.to_string())),
        }]),
    )
}

/// Where the entries that blocks created are, so that adding a block is a lookup, not a search
/// (a file of 100,000 `resource` blocks would otherwise take quadratic time). Each mapping that
/// blocks create gets an id (the body's own entries are 0); a slot is (mapping, key, whether the
/// entry is the sequence of bodies) → (its index there, the id of the mapping it holds).
#[derive(Default)]
struct BlockIndex {
    slots: HashMap<(usize, String, bool), (usize, usize)>,
    next_id: usize,
}

impl BlockIndex {
    /// Appends `body` to the sequence at `keys` (type, then labels), creating the mappings and
    /// the sequence on first use.
    fn insert(&mut self, entries: &mut Vec<Entry>, keys: &[(String, Span)], block_span: Span, body: Node) {
        self.insert_in(entries, 0, keys, block_span, body);
    }

    fn insert_in(&mut self, entries: &mut Vec<Entry>, id: usize, keys: &[(String, Span)], span: Span, body: Node) {
        let Some(((key, key_span), rest)) = keys.split_first() else { return };
        let last = rest.is_empty();
        let (i, child) = match self.slots.get(&(id, key.clone(), last)) {
            Some(&slot) => slot,
            None => {
                let value = if last { Value::Seq(Vec::new()) } else { Value::Map(Vec::new()) };
                entries.push(Entry { key: key.clone(), key_span: *key_span, value: Node::new(span, value) });
                self.next_id += 1;
                let slot = (entries.len() - 1, self.next_id);
                self.slots.insert((id, key.clone(), last), slot);
                slot
            }
        };
        match entries.get_mut(i).map(|e| &mut e.value.value) {
            Some(Value::Seq(items)) => items.push(body),
            Some(Value::Map(inner)) => self.insert_in(inner, child, rest, span, body),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Position;

    fn tf_ref(n: &Node) -> Option<&str> {
        n.get("Fn::TfRef").and_then(Node::as_str)
    }

    #[test]
    fn blocks_nest_by_type_and_labels() {
        let doc = parse(
            "resource \"aws_iam_role\" \"lambda\" {\n  name = \"fn\"\n}\n\nresource \"aws_iam_role\" \"other\" {}\nresource aws_lambda_function f {\n  environment {\n    variables = { A = 1, \"B\" = true }\n  }\n}\n",
        )
        .unwrap();
        let roles = doc.path(&["resource", "aws_iam_role"]).unwrap().as_map().unwrap();
        assert_eq!(roles.len(), 2);
        assert_eq!(roles[0].key, "lambda");
        // The label's span, quotes included.
        assert_eq!(roles[0].key_span, Span::new(Position::new(1, 25), Position::new(1, 33)));
        let bodies = roles[0].value.as_seq().unwrap();
        assert_eq!(bodies.len(), 1);
        assert_eq!(bodies[0].span, Span::new(Position::new(1, 1), Position::new(3, 2)));
        let name = bodies[0].entry("name").unwrap();
        assert_eq!(name.key_span.start, Position::new(2, 3));
        assert_eq!(name.value.as_str(), Some("fn"));
        assert_eq!(name.value.span.start, Position::new(2, 10));
        let f = &doc.path(&["resource", "aws_lambda_function", "f"]).unwrap().as_seq().unwrap()[0];
        let env = &f.get("environment").unwrap().as_seq().unwrap()[0];
        let vars = env.get("variables").unwrap();
        assert_eq!(vars.get("A").unwrap().value, Value::Number("1".into()));
        assert_eq!(vars.get("B").unwrap().value, Value::Bool(true));
        assert_eq!(vars.entry("B").unwrap().key_span.start, Position::new(8, 26));
    }

    #[test]
    fn repeated_blocks_are_a_sequence() {
        let doc = parse(
            "data \"aws_iam_policy_document\" \"d\" {\n  statement {\n    actions = [\"s3:GetObject\"]\n  }\n  statement {\n    effect = \"Deny\"\n  }\n}\n",
        )
        .unwrap();
        let d = &doc.path(&["data", "aws_iam_policy_document", "d"]).unwrap().as_seq().unwrap()[0];
        let st = d.get("statement").unwrap().as_seq().unwrap();
        assert_eq!(st.len(), 2);
        assert_eq!(st[0].span.start, Position::new(2, 3));
        assert_eq!(st[0].get("actions").unwrap().as_seq().unwrap()[0].as_str(), Some("s3:GetObject"));
        assert_eq!(st[1].get("effect").unwrap().as_str(), Some("Deny"));
    }

    #[test]
    fn expressions() {
        let doc = parse(concat!(
            "a = var.x\n",
            "b = aws_iam_role.lambda.arn\n",
            "c = \"arn:aws:s3:::${var.bucket}/*\"\n",
            "d = \"${local.x}\"\n",
            "e = file(\"${path.module}/p.json\")\n",
            "f = templatefile(\"x\", {})\n",
            "g = var.on ? \"*\" : \"s3:GetObject\"\n",
            "h = [for s in var.l : upper(s)]\n",
            "i = -1.5\n",
            "j = null\n",
            "k = (var.y)\n",
            "l = aws_iam_role.r[0].name\n",
            "m = \"a\\\"b\"\n",
            "n = 1 + 2\n",
            "o = \"%{ if var.a }x%{ endif }\"\n",
            "p = \"home/$${aws:username}\"\n",
        ))
        .unwrap();
        assert_eq!(tf_ref(doc.get("a").unwrap()), Some("var.x"));
        assert_eq!(tf_ref(doc.get("b").unwrap()), Some("aws_iam_role.lambda.arn"));
        assert_eq!(doc.get("b").unwrap().span, Span::new(Position::new(2, 5), Position::new(2, 28)));
        assert_eq!(doc.get("c").unwrap().as_str(), Some("arn:aws:s3:::${var.bucket}/*"));
        assert_eq!(doc.get("d").unwrap().as_str(), Some("${local.x}"));
        assert_eq!(doc.path(&["e", "Fn::TfFile"]).unwrap().as_str(), Some("${path.module}/p.json"));
        assert_eq!(doc.path(&["f", "Fn::TfCall"]).unwrap().as_str(), Some("templatefile"));
        assert_eq!(doc.path(&["g", "Fn::TfExpr"]).unwrap().as_str(), Some("var.on ? \"*\" : \"s3:GetObject\""));
        assert!(doc.path(&["h", "Fn::TfExpr"]).is_some());
        assert_eq!(doc.get("i").unwrap().value, Value::Number("-1.5".into()));
        assert!(doc.get("j").unwrap().is_null());
        assert_eq!(tf_ref(doc.get("k").unwrap()), Some("var.y"));
        assert_eq!(tf_ref(doc.get("l").unwrap()), Some("aws_iam_role.r[0].name"));
        assert_eq!(doc.get("m").unwrap().as_str(), Some("a\"b"));
        assert_eq!(doc.path(&["n", "Fn::TfExpr"]).unwrap().as_str(), Some("1 + 2"));
        assert_eq!(doc.get("o").unwrap().as_str(), Some("${ if var.a }x${ endif }"));
        assert_eq!(doc.get("p").unwrap().as_str(), Some("home/${aws:username}"));
    }

    #[test]
    fn jsonencode_is_its_argument() {
        let doc = parse(concat!(
            "resource \"aws_iam_policy\" \"p\" {\n",
            "  policy = jsonencode({\n",
            "    Version = \"2012-10-17\"\n",
            "    Statement = [{\n",
            "      Effect   = \"Allow\"\n",
            "      Action   = \"*\"\n",
            "      Resource = aws_s3_bucket.b.arn\n",
            "    }]\n",
            "  })\n",
            "}\n",
        ))
        .unwrap();
        let p = &doc.path(&["resource", "aws_iam_policy", "p"]).unwrap().as_seq().unwrap()[0];
        let st = &p.path(&["policy", "Statement"]).unwrap().as_seq().unwrap()[0];
        assert_eq!(st.span.start, Position::new(4, 18));
        assert_eq!(st.get("Action").unwrap().as_str(), Some("*"));
        assert_eq!(st.entry("Action").unwrap().key_span.start, Position::new(6, 7));
        assert_eq!(tf_ref(st.get("Resource").unwrap()), Some("aws_s3_bucket.b.arn"));
    }

    #[test]
    fn heredocs() {
        let text = "a = <<EOF\n{\"Statement\": []}\nEOF\nb = <<-EOT\n    {\n      \"x\": \"${var.y}\"\n    }\n    EOT\nc = 1\n";
        let doc = parse(text).unwrap();
        let a = doc.get("a").unwrap();
        assert_eq!(a.as_str(), Some("{\"Statement\": []}\n"));
        assert_eq!(a.span, Span::new(Position::new(2, 1), Position::new(3, 4)));
        let b = doc.get("b").unwrap();
        assert_eq!(b.as_str(), Some("{\n  \"x\": \"${var.y}\"\n}\n"));
        // Past the stripped indent: content (l, c) is (start.line + l - 1, start.column + c - 1).
        assert_eq!(b.span.start, Position::new(5, 5));
        assert_eq!(doc.get("c").unwrap().span.start.line, 9);
    }

    #[test]
    fn errors_have_positions() {
        let e = parse("resource \"a\" \"b\" {\n  x = \n}\n").unwrap_err();
        assert_eq!((e.line, e.column), (2, 7), "{e}");
        assert!(parse("a = [1, 2\n").is_err());
        assert!(parse(&format!("a = {}", "[".repeat(100_000))).is_err());
        let labels = format!("b {} {{}}\n", "\"l\" ".repeat(10_000));
        let e = parse(&labels).unwrap_err();
        assert!(e.message.contains("nesting"), "{}", e.message);
    }

    /// 20 MB of small blocks: linear (a search per block made this quadratic: 10 MB took ~40 s,
    /// 20 MB did not finish in minutes). The generous time limit only stops a regression from
    /// running for hours; the speed itself is measured in benches/ (`hcl-20mb`).
    #[test]
    fn many_blocks_load_in_linear_time() {
        let mut text = String::with_capacity(21 << 20);
        let mut n = 0;
        while text.len() < 20 << 20 {
            text.push_str(&format!("resource \"aws_s3_bucket\" \"b{n}\" {{\n  bucket = \"b{n}\"\n}}\n"));
            n += 1;
        }
        let limits =
            super::super::Limits { time: std::time::Duration::from_secs(600), memory: 1 << 30, ..Default::default() };
        let doc = parse_with(&text, &Budget::new(limits)).unwrap();
        let buckets = doc.path(&["resource", "aws_s3_bucket"]).unwrap().as_map().unwrap();
        assert_eq!(buckets.len(), n);
        assert_eq!(buckets[n - 1].key, format!("\"b{}\"", n - 1).trim_matches('"'));
        assert_eq!(buckets[n - 1].value.as_seq().unwrap()[0].span.start.line as usize, 3 * (n - 1) + 1);
    }

    #[test]
    fn blocks_do_not_merge_into_attributes() {
        let doc = parse("a = { x = 1 }\na \"l\" {\n  y = 2\n}\n").unwrap();
        let entries = doc.as_map().unwrap();
        assert_eq!(entries.len(), 2);
        assert!(entries[0].value.get("x").is_some() && entries[0].value.get("l").is_none());
        assert_eq!(entries[1].value.path(&["l"]).unwrap().as_seq().unwrap().len(), 1);
    }

    #[test]
    fn byte_order_mark_and_unicode_columns() {
        let doc = parse("\u{feff}é = \"x\"\nb = \"é\"\n").unwrap();
        assert_eq!(doc.entry("é").unwrap().key_span.start, Position::new(1, 2));
        assert_eq!(doc.get("b").unwrap().span, Span::new(Position::new(2, 5), Position::new(2, 8)));
    }
}
