//! Positions in source text: 1-based lines and columns (columns count Unicode code points, the
//! unit SARIF calls `unicodeCodePoints`), and the line index that maps byte offsets to them.
//! Lines end at LF, CRLF or a lone CR, as in SARIF, YAML and editors: a file saved with old Mac
//! line endings gets the same line numbers from every stage.

use serde::Serialize;

/// A 1-based line and column. Columns count Unicode code points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Default)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

impl Position {
    pub fn new(line: u32, column: u32) -> Self {
        Self { line, column }
    }
}

/// A region of a file. `end` is exclusive: it is the position just after the last character.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Default)]
pub struct Span {
    pub start: Position,
    pub end: Position,
}

impl Span {
    pub fn new(start: Position, end: Position) -> Self {
        Self { start, end }
    }

    /// A span covering one point (used when only a start is known).
    pub fn point(p: Position) -> Self {
        Self { start: p, end: p }
    }
}

/// Byte offsets of line starts, for turning offsets into positions.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
    /// For text that is not ASCII: code points before each `CHUNK`-byte boundary, so that a
    /// column is found in constant time even on a line of megabytes (minified files, crafted
    /// input) instead of counting from the line's start for each position.
    chars_before: Option<Vec<usize>>,
}

/// Granularity of [`LineIndex`]'s code point counts.
const CHUNK: usize = 1024;

impl LineIndex {
    pub fn new(text: &[u8]) -> Self {
        let mut starts = Vec::with_capacity(text.len() / 32 + 1);
        starts.push(0);
        for i in memchr::memchr2_iter(b'\n', b'\r', text) {
            // The CR of a CRLF is not a line end of its own: the LF is.
            if text[i] == b'\n' || text.get(i + 1) != Some(&b'\n') {
                starts.push(i + 1);
            }
        }
        let chars_before = (!text.is_ascii()).then(|| {
            let mut counts = Vec::with_capacity(text.len() / CHUNK + 1);
            let mut n = 0;
            counts.push(0);
            for chunk in text.chunks(CHUNK) {
                n += count_chars(chunk);
                counts.push(n);
            }
            counts
        });
        Self { starts, chars_before }
    }

    /// Code points in `text[..offset]`.
    fn chars_to(&self, text: &[u8], offset: usize) -> usize {
        match &self.chars_before {
            None => offset,
            Some(counts) => {
                let chunk = offset / CHUNK;
                counts.get(chunk).copied().unwrap_or(0) + count_chars(&text[chunk * CHUNK..offset])
            }
        }
    }

    /// Number of lines (a trailing newline does not start a new line).
    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// Byte range of 1-based line `line`, without its line terminator.
    pub fn line_range(&self, text: &[u8], line: u32) -> std::ops::Range<usize> {
        let i = (line.max(1) - 1) as usize;
        let start = self.starts.get(i).copied().unwrap_or(text.len()).min(text.len());
        let mut end = self.starts.get(i + 1).map_or(text.len(), |s| s.saturating_sub(1));
        end = end.clamp(start, text.len());
        // Without its terminator: LF, CRLF, or CR (`end` is at the LF or the lone CR).
        if end > start && text.get(end) == Some(&b'\n') && text[end - 1] == b'\r' {
            end -= 1;
        }
        start..end
    }

    /// Position of byte `offset` in `text`.
    pub fn position(&self, text: &[u8], offset: usize) -> Position {
        let offset = offset.min(text.len());
        let line_idx = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let line_start = self.starts[line_idx];
        let column = self.chars_to(text, offset) - self.chars_to(text, line_start) + 1;
        Position { line: (line_idx + 1) as u32, column: column as u32 }
    }

    /// Positions of many byte offsets (in any order) at once: offsets on one long line are
    /// counted from the previous one, not each from the line's start, so a minified line with a
    /// thousand findings costs one pass over it, not a thousand.
    pub fn positions(&self, text: &[u8], offsets: &[usize]) -> Vec<Position> {
        let mut order: Vec<usize> = (0..offsets.len()).collect();
        order.sort_by_key(|&i| offsets[i]);
        let mut out = vec![Position::default(); offsets.len()];
        // (line index, offset, column) of the last position computed.
        let mut last: Option<(usize, usize, usize)> = None;
        for i in order {
            let offset = offsets[i].min(text.len());
            let line_idx = match self.starts.binary_search(&offset) {
                Ok(l) => l,
                Err(l) => l - 1,
            };
            let (from, col) = match last {
                Some((l, at, col)) if l == line_idx => (at, col),
                _ => (self.starts[line_idx], 1),
            };
            let col = col + count_chars(&text[from..offset]);
            last = Some((line_idx, offset, col));
            out[i] = Position { line: (line_idx + 1) as u32, column: col as u32 };
        }
        out
    }

    /// Span of the byte range `start..end` of `text`.
    pub fn span(&self, text: &[u8], start: usize, end: usize) -> Span {
        Span::new(self.position(text, start), self.position(text, end))
    }
}

/// Code points in possibly-invalid UTF-8 (each invalid byte counts as one).
pub fn count_chars(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_code_points() {
        let text = "ab\néx = 1\r\nlast".as_bytes();
        let idx = LineIndex::new(text);
        assert_eq!(idx.position(text, 0), Position::new(1, 1));
        assert_eq!(idx.position(text, 3), Position::new(2, 1));
        // 'é' is two bytes but one column.
        assert_eq!(idx.position(text, 5), Position::new(2, 2));
        assert_eq!(idx.line_count(), 3);
        assert_eq!(&text[idx.line_range(text, 2)], "éx = 1".as_bytes());
        assert_eq!(&text[idx.line_range(text, 3)], b"last");
        assert_eq!(idx.line_range(text, 9), text.len()..text.len());
    }

    #[test]
    fn columns_on_long_lines_count_code_points_across_chunks() {
        let line = "é".repeat(3000) + "x";
        let text = format!("a\n{line}\n").into_bytes();
        let idx = LineIndex::new(&text);
        let x = text.iter().position(|&b| b == b'x').unwrap();
        assert_eq!(idx.position(&text, x), Position::new(2, 3001));
        assert_eq!(idx.position(&text, x + 1), Position::new(2, 3002));
        assert_eq!(idx.position(&text, 2 + 2 * 1500), Position::new(2, 1501));
        let ascii = format!("a\n{}x", "b".repeat(5000)).into_bytes();
        assert_eq!(LineIndex::new(&ascii).position(&ascii, ascii.len() - 1), Position::new(2, 5001));
    }

    #[test]
    fn positions_in_bulk_match_one_by_one() {
        let text = "é1 é2 é3\nx é4\r\n\ré5".as_bytes();
        let idx = LineIndex::new(text);
        let offsets: Vec<usize> = vec![20, 0, 3, 3, 12, 7, 11, text.len(), 99];
        let one: Vec<Position> = offsets.iter().map(|&o| idx.position(text, o)).collect();
        assert_eq!(idx.positions(text, &offsets), one);
    }

    #[test]
    fn lone_cr_ends_a_line_and_crlf_is_one_end() {
        for text in ["a: 1\rbb: 2\rccc: 3", "a: 1\r\nbb: 2\r\nccc: 3", "a: 1\nbb: 2\nccc: 3", "a: 1\rbb: 2\r\nccc: 3"] {
            let t = text.as_bytes();
            let idx = LineIndex::new(t);
            assert_eq!(idx.line_count(), 3, "{text:?}");
            assert_eq!(&t[idx.line_range(t, 1)], b"a: 1", "{text:?}");
            assert_eq!(&t[idx.line_range(t, 2)], b"bb: 2", "{text:?}");
            assert_eq!(&t[idx.line_range(t, 3)], b"ccc: 3", "{text:?}");
            let c = text.find('c').unwrap_or(0);
            assert_eq!(idx.position(t, c), Position::new(3, 1), "{text:?}");
            assert_eq!(idx.position(t, c + 2), Position::new(3, 3), "{text:?}");
        }
        // A trailing terminator ends the last line; a trailing lone CR too.
        let t = b"x\r";
        assert_eq!(&t[LineIndex::new(t).line_range(t, 1)], b"x");
    }
}
