//! JSON into [`Node`] trees with positions. serde_json forgets where values were written, so
//! this is a small strict parser (RFC 8259) that tracks line and column as it goes, which keeps
//! long single-line documents (minified CDK output) linear.

use super::{Budget, Entry, Exceeded, LoadError, MAX_DEPTH, Node, Value, node_bytes};
use crate::source::{Position, Span};

/// Parses a JSON document within the default [`super::Limits`].
pub fn parse(text: &str) -> Result<Node, LoadError> {
    parse_with(text, &Budget::new(super::Limits::DEFAULT))
}

/// Parses a JSON document within `budget`.
pub fn parse_with(text: &str, budget: &Budget<'_>) -> Result<Node, LoadError> {
    let mut p = JsonParser { b: text.as_bytes(), i: 0, line: 1, col: 1, budget };
    // A UTF-8 byte-order mark is tolerated, as editors on Windows write one.
    if p.b.starts_with(&[0xEF, 0xBB, 0xBF]) {
        p.i = 3;
    }
    p.ws();
    let node = p.value(0)?;
    p.ws();
    if p.i < p.b.len() {
        return Err(p.err("unexpected content after the JSON value"));
    }
    Ok(node)
}

struct JsonParser<'a> {
    b: &'a [u8],
    i: usize,
    line: u32,
    col: u32,
    budget: &'a Budget<'a>,
}

impl JsonParser<'_> {
    fn pos(&self) -> Position {
        Position::new(self.line, self.col)
    }

    fn err(&self, msg: impl Into<String>) -> LoadError {
        LoadError::syntax(self.line, self.col, msg)
    }

    /// Accounts for a node of `text_len` bytes of text against the budget.
    fn spend(&self, at: Position, text_len: usize) -> Result<(), LoadError> {
        self.budget.spend(node_bytes(text_len)).map_err(|e| LoadError::limit(at, e))
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn bump(&mut self) {
        if let Some(&c) = self.b.get(self.i) {
            self.i += 1;
            // Lines end at LF, CRLF or a lone CR, as in `source::LineIndex`.
            if c == b'\n' || (c == b'\r' && self.b.get(self.i) != Some(&b'\n')) {
                self.line += 1;
                self.col = 1;
            } else if c & 0xC0 != 0x80 {
                self.col += 1;
            }
        }
    }

    fn ws(&mut self) {
        while let Some(c) = self.peek() {
            if matches!(c, b' ' | b'\t' | b'\n' | b'\r') {
                self.bump();
            } else {
                break;
            }
        }
    }

    fn expect(&mut self, c: u8) -> Result<(), LoadError> {
        if self.peek() == Some(c) {
            self.bump();
            Ok(())
        } else {
            Err(self.err(format!("expected '{}'", c as char)))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Node, LoadError> {
        let start = self.pos();
        if depth >= MAX_DEPTH {
            return Err(LoadError::limit(start, Exceeded::Depth(MAX_DEPTH)));
        }
        let value = match self.peek() {
            Some(b'{') => self.object(depth)?,
            Some(b'[') => self.array(depth)?,
            Some(b'"') => Value::String(self.string()?),
            Some(b't') => self.literal("true", Value::Bool(true))?,
            Some(b'f') => self.literal("false", Value::Bool(false))?,
            Some(b'n') => self.literal("null", Value::Null)?,
            Some(c) if c == b'-' || c.is_ascii_digit() => self.number()?,
            Some(_) => return Err(self.err("expected a JSON value")),
            None => return Err(self.err("unexpected end of input")),
        };
        let text_len = match &value {
            Value::String(s) | Value::Number(s) => s.len(),
            _ => 0,
        };
        self.spend(start, text_len)?;
        Ok(Node::new(Span::new(start, self.pos()), value))
    }

    fn literal(&mut self, word: &str, v: Value) -> Result<Value, LoadError> {
        if self.b[self.i..].starts_with(word.as_bytes()) {
            for _ in 0..word.len() {
                self.bump();
            }
            Ok(v)
        } else {
            Err(self.err("expected a JSON value"))
        }
    }

    fn number(&mut self) -> Result<Value, LoadError> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.bump();
        }
        let digits = |p: &mut Self| {
            let s = p.i;
            while p.peek().is_some_and(|c| c.is_ascii_digit()) {
                p.bump();
            }
            p.i > s
        };
        if !digits(self) {
            return Err(self.err("invalid number"));
        }
        if self.peek() == Some(b'.') {
            self.bump();
            if !digits(self) {
                return Err(self.err("invalid number: digits expected after '.'"));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.bump();
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.bump();
            }
            if !digits(self) {
                return Err(self.err("invalid number: digits expected in exponent"));
            }
        }
        Ok(Value::Number(String::from_utf8_lossy(&self.b[start..self.i]).into_owned()))
    }

    fn string(&mut self) -> Result<String, LoadError> {
        self.expect(b'"')?;
        let mut out = Vec::new();
        loop {
            // Copy runs of plain bytes at once; only quotes, escapes and newlines need care.
            let run_start = self.i;
            let run = self.b[self.i..].iter().position(|&c| c == b'"' || c == b'\\' || c < 0x20);
            let run_end = run.map_or(self.b.len(), |n| self.i + n);
            out.extend_from_slice(&self.b[run_start..run_end]);
            self.col += crate::source::count_chars(&self.b[run_start..run_end]) as u32;
            self.i = run_end;
            match self.peek() {
                None => return Err(self.err("unterminated string")),
                Some(b'"') => {
                    self.bump();
                    break;
                }
                Some(b'\\') => {
                    self.bump();
                    let c = self.peek().ok_or_else(|| self.err("unterminated string"))?;
                    self.bump();
                    match c {
                        b'"' => out.push(b'"'),
                        b'\\' => out.push(b'\\'),
                        b'/' => out.push(b'/'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'u' => {
                            let mut cp = self.hex4()?;
                            if (0xD800..0xDC00).contains(&cp) && self.b[self.i..].starts_with(b"\\u") {
                                self.bump();
                                self.bump();
                                let lo = self.hex4()?;
                                if (0xDC00..0xE000).contains(&lo) {
                                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                                }
                            }
                            let ch = char::from_u32(cp).unwrap_or('\u{FFFD}');
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                        }
                        _ => return Err(self.err("invalid escape in string")),
                    }
                }
                Some(_) => return Err(self.err("control character in string")),
            }
        }
        String::from_utf8(out).map_err(|_| self.err("string is not valid UTF-8"))
    }

    fn hex4(&mut self) -> Result<u32, LoadError> {
        let h = self.b.get(self.i..self.i + 4).ok_or_else(|| self.err("truncated \\u escape"))?;
        let s = std::str::from_utf8(h).map_err(|_| self.err("invalid \\u escape"))?;
        let v = u32::from_str_radix(s, 16).map_err(|_| self.err("invalid \\u escape"))?;
        for _ in 0..4 {
            self.bump();
        }
        Ok(v)
    }

    fn array(&mut self, depth: usize) -> Result<Value, LoadError> {
        self.expect(b'[')?;
        let mut items = Vec::new();
        self.ws();
        if self.peek() == Some(b']') {
            self.bump();
            return Ok(Value::Seq(items));
        }
        loop {
            self.ws();
            items.push(self.value(depth + 1)?);
            self.ws();
            match self.peek() {
                Some(b',') => self.bump(),
                Some(b']') => {
                    self.bump();
                    return Ok(Value::Seq(items));
                }
                _ => return Err(self.err("expected ',' or ']'")),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, LoadError> {
        self.expect(b'{')?;
        let mut entries = Vec::new();
        self.ws();
        if self.peek() == Some(b'}') {
            self.bump();
            return Ok(Value::Map(entries));
        }
        loop {
            self.ws();
            let key_start = self.pos();
            if self.peek() != Some(b'"') {
                return Err(self.err("expected a string key"));
            }
            let key = self.string()?;
            self.spend(key_start, key.len())?;
            let key_span = Span::new(key_start, self.pos());
            self.ws();
            self.expect(b':')?;
            self.ws();
            let value = self.value(depth + 1)?;
            entries.push(Entry { key, key_span, value });
            self.ws();
            match self.peek() {
                Some(b',') => self.bump(),
                Some(b'}') => {
                    self.bump();
                    return Ok(Value::Map(entries));
                }
                _ => return Err(self.err("expected ',' or '}'")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_with_positions() {
        let doc = parse("{\n  \"a\": [1, \"é\", true],\n  \"b\": {\"c\": null}\n}").unwrap();
        let a = doc.get("a").unwrap();
        assert_eq!(a.span.start, Position::new(2, 8));
        let items = a.as_seq().unwrap();
        assert_eq!(items[1].as_str(), Some("é"));
        assert_eq!(items[2].span.start, Position::new(2, 17));
        assert!(doc.path(&["b", "c"]).unwrap().is_null());
        assert_eq!(doc.entry("b").unwrap().key_span.start, Position::new(3, 3));
    }

    #[test]
    fn escapes() {
        let doc = parse(r#"{"s": "a\"b\\c\u00e9\ud83d\ude00"}"#).unwrap();
        assert_eq!(doc.get("s").unwrap().as_str(), Some("a\"b\\cé😀"));
    }

    #[test]
    fn errors_have_positions() {
        let e = parse("{\n  \"a\": [1, 2,\n}").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(parse("{\"a\": 1} x").is_err());
        assert!(parse(&"[".repeat(100_000)).is_err());
    }
}
