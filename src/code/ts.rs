//! What the tree-sitter lowerings share: parsing with a time bound, positions in code points,
//! node text, a depth limit, and syntax errors as problems.

use super::Language;
use super::ir::{Expr, ExprKind, FileFacts, Func, FuncId, Pos, Problem};
use std::time::{Duration, Instant};
use tree_sitter::{Node, Parser, Tree};

/// Deepest syntax nesting the lowerings follow; deeper subtrees are left out (and reported).
pub const MAX_DEPTH: usize = 200;
/// Longest a parse may take before it is abandoned.
const PARSE_TIME: Duration = Duration::from_secs(2);
/// Syntax errors reported per file (the first ones say enough).
const MAX_ERRORS: usize = 3;

pub fn language(lang: Language) -> tree_sitter::Language {
    match lang {
        Language::JavaScript => tree_sitter_javascript::LANGUAGE.into(),
        Language::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
        Language::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
        Language::Python => tree_sitter_python::LANGUAGE.into(),
        Language::Go => tree_sitter_go::LANGUAGE.into(),
        // Rust goes through syn; this arm is never used.
        Language::Rust => tree_sitter_javascript::LANGUAGE.into(),
    }
}

thread_local! {
    /// One parser per worker thread and language: creating one costs more than a small parse.
    static PARSERS: std::cell::RefCell<Vec<(Language, Parser)>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Parses `text`, abandoning the parse after [`PARSE_TIME`].
pub fn parse(lang: Language, text: &[u8]) -> Result<Tree, String> {
    PARSERS.with(|cell| {
        let mut parsers = cell.borrow_mut();
        let i = match parsers.iter().position(|(l, _)| *l == lang) {
            Some(i) => i,
            None => {
                let mut p = Parser::new();
                p.set_language(&language(lang)).map_err(|e| format!("grammar not usable: {e}"))?;
                parsers.push((lang, p));
                parsers.len() - 1
            }
        };
        let parser = &mut parsers[i].1;
        let start = Instant::now();
        let mut progress = |_: &tree_sitter::ParseState| start.elapsed() > PARSE_TIME;
        let opts = tree_sitter::ParseOptions::new().progress_callback(&mut progress);
        let len = text.len();
        let tree = parser.parse_with_options(
            &mut |offset: usize, _| if offset < len { &text[offset..] } else { &[] },
            None,
            Some(opts),
        );
        parser.reset();
        tree.ok_or_else(|| format!("parsing took longer than {} seconds and was abandoned", PARSE_TIME.as_secs()))
    })
}

/// The state of one file's lowering.
pub struct Lower<'t> {
    pub text: &'t [u8],
    /// Byte offsets of line starts.
    starts: Vec<usize>,
    pub facts: FileFacts,
    depth: usize,
    too_deep: bool,
    /// The function being lowered.
    pub current: FuncId,
    /// Columns are byte columns plus one when the text is ASCII.
    ascii: bool,
    /// The last position computed (byte offset, line start, code points from line start to
    /// it): nodes come mostly in order, and counting from the line start each time would be
    /// quadratic on long lines.
    last: std::cell::Cell<(usize, usize, usize)>,
}

impl<'t> Lower<'t> {
    pub fn new(path: &str, lang: Language, text: &'t [u8]) -> Self {
        let mut facts = FileFacts::new(path, lang);
        facts.functions.push(Func { name: "<module>".into(), ..Func::default() });
        Self {
            text,
            starts: std::iter::once(0).chain(memchr::memchr_iter(b'\n', text).map(|i| i + 1)).collect(),
            facts,
            depth: 0,
            too_deep: false,
            current: 0,
            ascii: text.is_ascii(),
            last: std::cell::Cell::new((0, 0, 0)),
        }
    }

    pub fn pos(&self, n: Node<'_>) -> Pos {
        if self.ascii {
            let (s, e) = (n.start_position(), n.end_position());
            return Pos {
                line: s.row as u32 + 1,
                col: s.column as u32 + 1,
                end_line: e.row as u32 + 1,
                end_col: e.column as u32 + 1,
            };
        }
        self.pos_bytes(n.start_byte(), n.end_byte())
    }

    pub fn pos_bytes(&self, start: usize, end: usize) -> Pos {
        let (line, col) = self.line_col(start);
        let (end_line, end_col) = self.line_col(end);
        Pos { line, col, end_line, end_col }
    }

    fn line_col(&self, offset: usize) -> (u32, u32) {
        let offset = offset.min(self.text.len());
        let p = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let line_start = self.starts.get(p).copied().unwrap_or(0);
        let (last_off, last_start, last_chars) = self.last.get();
        let chars = if last_start == line_start && last_off <= offset {
            last_chars + crate::source::count_chars(&self.text[last_off..offset])
        } else {
            crate::source::count_chars(&self.text[line_start..offset])
        };
        self.last.set((offset, line_start, chars));
        (p as u32 + 1, chars as u32 + 1)
    }

    pub fn text(&self, n: Node<'_>) -> String {
        String::from_utf8_lossy(&self.text[n.start_byte().min(self.text.len())..n.end_byte().min(self.text.len())])
            .into_owned()
    }

    /// Enters one level of nesting; `false` (and a problem, once) beyond [`MAX_DEPTH`].
    pub fn enter(&mut self, n: Node<'_>) -> bool {
        if self.depth >= MAX_DEPTH {
            if !self.too_deep {
                self.too_deep = true;
                let p = self.pos(n);
                self.facts.problems.push(Problem {
                    line: p.line,
                    column: p.col,
                    message: format!("nested more than {MAX_DEPTH} levels deep; the code inside was not analysed"),
                });
            }
            return false;
        }
        self.depth += 1;
        true
    }

    pub fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// Starts a function; returns its id. The caller lowers the body and calls [`Self::end_func`].
    pub fn begin_func(&mut self, name: String, pos: Pos) -> (FuncId, FuncId) {
        let id = self.facts.functions.len();
        self.facts.functions.push(Func { name, pos, parent: Some(self.current), ..Func::default() });
        let outer = self.current;
        self.current = id;
        (id, outer)
    }

    pub fn end_func(&mut self, outer: FuncId) {
        self.current = outer;
    }

    pub fn func(&mut self, id: FuncId) -> &mut Func {
        &mut self.facts.functions[id]
    }

    /// The syntax errors of the tree, as problems.
    pub fn syntax_errors(&mut self, root: Node<'_>, lang_name: &str) {
        if !root.has_error() {
            return;
        }
        let mut found = Vec::new();
        let mut cursor = root.walk();
        let mut stack = vec![root];
        while let Some(n) = stack.pop() {
            if found.len() >= MAX_ERRORS {
                break;
            }
            if n.is_error() || n.is_missing() {
                found.push(n);
                continue;
            }
            if n.has_error() {
                let children: Vec<Node<'_>> = n.children(&mut cursor).collect();
                stack.extend(children.into_iter().rev());
            }
        }
        found.sort_by_key(|n| n.start_byte());
        for n in found {
            let p = self.pos(n);
            let what = if n.is_missing() {
                format!("missing `{}`", n.kind())
            } else {
                let t = self.text(n);
                let first = t.lines().next().unwrap_or("").chars().take(30).collect::<String>();
                format!("unexpected `{first}`")
            };
            self.facts.problems.push(Problem {
                line: p.line,
                column: p.col,
                message: format!("{lang_name} syntax error: {what}; the rest of the file is still analysed"),
            });
        }
    }

    pub fn str_expr(&self, n: Node<'_>, start: usize, end: usize) -> Expr {
        let value = String::from_utf8_lossy(&self.text[start.min(end)..end]).into_owned();
        Expr::new(ExprKind::Str { value, start: start as u32, end: end as u32 }, self.pos(n))
    }
}

/// The named children of a node.
pub fn named_children<'a>(n: Node<'a>) -> Vec<Node<'a>> {
    let mut c = n.walk();
    n.named_children(&mut c).filter(|c| c.kind() != "comment").collect()
}

/// The children of a node for a field name (a field may repeat).
pub fn field_children<'a>(n: Node<'a>, field: &str) -> Vec<Node<'a>> {
    let mut c = n.walk();
    n.children_by_field_name(field, &mut c).collect()
}
