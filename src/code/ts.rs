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
    parse_range(lang, text, None)
}

/// Parses `text`, or only the bytes `range` of it (nodes keep their places in the whole text).
fn parse_range(lang: Language, text: &[u8], range: Option<std::ops::Range<usize>>) -> Result<Tree, String> {
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
        if let Some(r) = &range {
            let point = |offset: usize| {
                let row = memchr::memchr_iter(b'\n', &text[..offset]).count();
                let line_start = memchr::memrchr(b'\n', &text[..offset]).map_or(0, |i| i + 1);
                tree_sitter::Point::new(row, offset - line_start)
            };
            let included = tree_sitter::Range {
                start_byte: r.start,
                end_byte: r.end,
                start_point: point(r.start),
                end_point: point(r.end),
            };
            parser.set_included_ranges(&[included]).map_err(|e| format!("range not usable: {e:?}"))?;
        }
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
        if range.is_some() {
            // Back to the whole text for the next parse on this thread (an empty list is the whole).
            parser.set_included_ranges(&[]).map_err(|e| format!("range not usable: {e:?}"))?;
        }
        tree.ok_or_else(|| format!("parsing took longer than {} seconds and was abandoned", PARSE_TIME.as_secs()))
    })
}

/// Files from this size on are parsed and lowered in pieces side by side (tree-sitter parses
/// one text on one thread; a 5,000-line handler file was most of a pre-commit scan).
pub const PIECES_FROM: usize = 64 << 10;
/// The smallest piece worth a thread of its own.
const MIN_PIECE: usize = 24 << 10;

/// The code facts of a large file lowered in pieces side by side, each piece a run of
/// top-level statements parsed on its own (`top` lowers a piece's root into statements), or
/// `None` when the file is small, has no places to cut, or any piece does not parse cleanly
/// or hits a limit: then the file is lowered whole, as ever. Cuts are only made where a
/// top-level statement starts after one that ended (see [`cut_points`]), and a piece that
/// parses without error there parses as it does in the whole, so the facts are the same.
pub fn lower_in_pieces(
    path: &str,
    lang: Language,
    text: &[u8],
    top: fn(&mut Lower<'_>, Node<'_>) -> Vec<crate::code::ir::Stmt>,
) -> Option<FileFacts> {
    // The machine's cores, not the scan's workers: a scan of one file has one worker.
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let threads = cores.min(text.len() / MIN_PIECE);
    if text.len() < PIECES_FROM || threads < 2 {
        return None;
    }
    let cuts = cut_points(lang, text, threads);
    if cuts.is_empty() {
        return None;
    }
    lower_at(path, lang, text, &cuts, top)
}

/// The code facts of a file cut at `cuts` (ascending line starts), its pieces parsed and
/// lowered side by side; `None` when any piece does not parse cleanly or hits a limit.
pub fn lower_at(
    path: &str,
    lang: Language,
    text: &[u8],
    cuts: &[usize],
    top: fn(&mut Lower<'_>, Node<'_>) -> Vec<crate::code::ir::Stmt>,
) -> Option<FileFacts> {
    let bounds: Vec<usize> =
        std::iter::once(0).chain(cuts.iter().copied()).chain(std::iter::once(text.len())).collect();
    if bounds.windows(2).any(|w| w[0] >= w[1]) {
        return None;
    }
    let piece = |start: usize, end: usize| -> Option<FileFacts> {
        let tree = parse_range(lang, text, Some(start..end)).ok()?;
        let root = tree.root_node();
        if root.has_error() {
            return None;
        }
        let mut l = Lower::new(path, lang, text);
        let body = top(&mut l, root);
        l.func(0).body = body;
        l.facts.problems.is_empty().then_some(l.facts)
    };
    // The first piece on this thread (it has the stack for the whole file, so for any piece
    // of it; and its parser and allocator are warm), the others on threads of their own with
    // the deep-nesting stack (as `code::facts` gives deep files), not the scan's workers: a
    // piece may nest as deeply as any file.
    let parts: Vec<Option<FileFacts>> = std::thread::scope(|s| {
        let handles: Vec<_> = bounds[1..]
            .windows(2)
            .map(|w| {
                let (start, end) = (w[0], w[1]);
                std::thread::Builder::new().stack_size(super::DEEP_STACK).spawn_scoped(s, move || piece(start, end))
            })
            .collect();
        let first = piece(bounds[0], bounds[1]);
        std::iter::once(first)
            .chain(handles.into_iter().map(|h| h.ok().and_then(|h| h.join().ok()).flatten()))
            .collect()
    });
    let mut parts = parts.into_iter();
    let mut out = parts.next()??;
    for part in parts {
        let mut part = part?;
        crate::code::ir::renumber_functions(&mut part, out.functions.len() - 1);
        let mut functions = part.functions.into_iter();
        if let Some(top) = functions.next() {
            out.functions[0].body.extend(top.body);
        }
        out.functions.extend(functions);
        out.imports.extend(part.imports);
        out.exports.extend(part.exports);
    }
    Some(out)
}

/// Up to `pieces - 1` byte offsets, near equal shares of the text, where a top-level
/// statement starts on a line of its own after one that is complete:
/// - JavaScript / TypeScript: a line at column 0 that starts a declaration (`const `,
///   `function `, `export `, `exports.`, …), the line before (blank lines aside) ending in
///   `;` or `}`: no expression continues over such a line (automatic semicolon insertion).
/// - Python: a line at column 0 starting `def `, `async def `, `class ` or `@`, after a blank
///   line: nothing open carries over a blank line but brackets and strings.
///
/// A cut inside a string, a comment or brackets leaves the piece before it unparseable, and
/// [`lower_in_pieces`] then lowers the file whole.
pub fn cut_points(lang: Language, text: &[u8], pieces: usize) -> Vec<usize> {
    let js_starts: &[&[u8]] = &[
        b"const ",
        b"let ",
        b"var ",
        b"function ",
        b"function*",
        b"async function",
        b"class ",
        b"export ",
        b"import ",
        b"exports.",
        b"module.exports",
    ];
    let py_starts: &[&[u8]] = &[b"def ", b"async def ", b"class ", b"@"];
    let (starts, python) = match lang {
        Language::JavaScript | Language::TypeScript | Language::Tsx => (js_starts, false),
        Language::Python => (py_starts, true),
        Language::Go | Language::Rust => return Vec::new(),
    };
    let cuttable = |at: usize| -> bool {
        let line = &text[at..];
        if !starts.iter().any(|s| line.starts_with(s)) {
            return false;
        }
        // The lines before, back to the last one with text.
        let mut end = at;
        let mut blank = false;
        while end > 0 {
            let newline = end - 1;
            let start = memchr::memrchr(b'\n', &text[..newline]).map_or(0, |i| i + 1);
            let l = text[start..newline].trim_ascii();
            if !l.is_empty() {
                return if python { blank } else { l.ends_with(b";") || l.ends_with(b"}") };
            }
            blank = true;
            end = start;
        }
        false
    };
    let mut out = Vec::new();
    for k in 1..pieces {
        let target = text.len() * k / pieces;
        let from = out.last().map_or(target, |&last: &usize| target.max(last + 1));
        // The first line start at or after the share's end where a cut can be made.
        let mut at = memchr::memrchr(b'\n', &text[..from.min(text.len())]).map_or(0, |i| i + 1);
        if at < from {
            at = match memchr::memchr(b'\n', &text[from..]) {
                Some(i) => from + i + 1,
                None => break,
            };
        }
        while at < text.len() && !cuttable(at) {
            at = match memchr::memchr(b'\n', &text[at..]) {
                Some(i) => at + i + 1,
                None => text.len(),
            };
        }
        if at >= text.len() || at == 0 {
            break;
        }
        out.push(at);
    }
    out
}

/// The fields of syntax nodes the lowerings read, by name in [`FIELD_NAMES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum F {
    Alias,
    Alternative,
    Argument,
    Arguments,
    Attribute,
    Body,
    Condition,
    Consequence,
    Constructor,
    Declaration,
    Definition,
    Expression,
    Field,
    Finalizer,
    Function,
    Handler,
    Increment,
    Index,
    Initializer,
    Key,
    Left,
    ModuleName,
    Name,
    Object,
    Operand,
    Operator,
    Package,
    Parameter,
    Parameters,
    Path,
    Pattern,
    Property,
    Receiver,
    Right,
    Source,
    Subscript,
    Type,
    Value,
}

const FIELD_NAMES: [&str; 38] = [
    "alias",
    "alternative",
    "argument",
    "arguments",
    "attribute",
    "body",
    "condition",
    "consequence",
    "constructor",
    "declaration",
    "definition",
    "expression",
    "field",
    "finalizer",
    "function",
    "handler",
    "increment",
    "index",
    "initializer",
    "key",
    "left",
    "module_name",
    "name",
    "object",
    "operand",
    "operator",
    "package",
    "parameter",
    "parameters",
    "path",
    "pattern",
    "property",
    "receiver",
    "right",
    "source",
    "subscript",
    "type",
    "value",
];

/// Each language's id of each field (0: the grammar has no such field), looked up once: a
/// lookup by name scans the grammar's field names, and the lowerings ask at almost every node.
fn field_ids(lang: Language) -> &'static [u16; FIELD_NAMES.len()] {
    static IDS: [std::sync::OnceLock<[u16; FIELD_NAMES.len()]>; 6] = [const { std::sync::OnceLock::new() }; 6];
    let slot = match lang {
        Language::JavaScript => 0,
        Language::TypeScript => 1,
        Language::Tsx => 2,
        Language::Python => 3,
        Language::Go => 4,
        Language::Rust => 5,
    };
    IDS[slot].get_or_init(|| {
        let grammar = language(lang);
        FIELD_NAMES.map(|name| grammar.field_id_for_name(name).map_or(0, |id| id.get()))
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
    fields: &'static [u16; FIELD_NAMES.len()],
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
            fields: field_ids(lang),
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

    /// The child of `n` in field `f` (as `child_by_field_name`, by id).
    pub fn field<'n>(&self, n: Node<'n>, f: F) -> Option<Node<'n>> {
        n.child_by_field_id(self.fields[f as usize])
    }

    /// The children of `n` in field `f` (a field may repeat).
    pub fn field_children<'n>(&self, n: Node<'n>, f: F) -> Vec<Node<'n>> {
        let id = self.fields[f as usize];
        match std::num::NonZeroU16::new(id) {
            Some(id) => {
                let mut c = n.walk();
                n.children_by_field_id(id, &mut c).collect()
            }
            None => Vec::new(),
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code::{js, python};

    const JS: &str = "const { exec } = require('child_process');\n\
        // leading comment;\n\
        exports.a = async (event) => {\n  exec('x ' + event.body);\n};\n\n\
        function helper(x) {\n  return x;\n}\n\
        const tpl = `a\n}\nconst inside = 1;\n`;\n\
        class K {\n  m() { return helper(1); }\n}\n\
        export const b = (e) => helper(e.q);\n\
        let z = 1\n\
        var é = 'ü';\n\
        module.exports.c = function named(event) { return eval(event.body); };\n";

    const PY: &str = "import os\n\n\
        def a(event, context):\n    os.system(event['x'])\n\n\
        s = \"\"\"\n\ndef inside():\n    pass\n\"\"\"\n\n\
        @decorator\n\n\
        def b(event, context):\n    return {'body': str(event)}\n\n\
        class C:\n    def m(self, x):\n        return x\n\n\
        async def d(e):\n    return e\n";

    fn whole_and_cuts(lang: Language, text: &str) -> (FileFacts, Vec<usize>) {
        let whole = match lang {
            Language::Python => python::lower_whole("f.py", text.as_bytes()),
            _ => js::lower_whole("f.js", lang, text.as_bytes()),
        };
        (whole, cut_points(lang, text.as_bytes(), text.len()))
    }

    fn cut(lang: Language, text: &str, cuts: &[usize]) -> Option<FileFacts> {
        match lang {
            Language::Python => python::lower_cut("f.py", text.as_bytes(), cuts),
            _ => js::lower_cut("f.js", lang, text.as_bytes(), cuts),
        }
    }

    #[test]
    fn pieces_give_the_facts_of_the_whole() {
        for (lang, text) in [(Language::JavaScript, JS), (Language::TypeScript, JS), (Language::Python, PY)] {
            let (whole, cuts) = whole_and_cuts(lang, text);
            assert!(whole.problems.is_empty(), "{lang:?}: {:?}", whole.problems);
            assert!(cuts.len() >= 4, "{lang:?}: cuts {cuts:?}");
            // Every cut alone, and all of them at once.
            let mut sets: Vec<Vec<usize>> = cuts.iter().map(|c| vec![*c]).collect();
            sets.push(cuts.clone());
            let mut cleanly = 0;
            for set in sets {
                if let Some(facts) = cut(lang, text, &set) {
                    assert_eq!(format!("{facts:?}"), format!("{whole:?}"), "{lang:?} cut at {set:?}");
                    cleanly += 1;
                }
            }
            assert!(cleanly >= 3, "{lang:?}: only {cleanly} cuts parsed cleanly");
        }
    }

    #[test]
    fn a_cut_inside_a_string_falls_back() {
        // The line in the template literal / triple-quoted string looks like a statement.
        let js = JS.find("const inside").expect("line");
        assert!(cut_points(Language::JavaScript, JS.as_bytes(), JS.len()).contains(&js));
        assert!(cut(Language::JavaScript, JS, &[js]).is_none());
        let py = PY.find("def inside").expect("line");
        assert!(cut_points(Language::Python, PY.as_bytes(), PY.len()).contains(&py));
        assert!(cut(Language::Python, PY, &[py]).is_none());
    }

    #[test]
    fn cuts_start_statements_at_column_zero() {
        let text = "const a = 1;\n  const b = 2;\nfoo()\nconst c = 3;\n\nconst d = 4;\n";
        let cuts = cut_points(Language::JavaScript, text.as_bytes(), 100);
        let at: Vec<&str> = cuts.iter().map(|&c| text[c..].lines().next().unwrap_or("")).collect();
        // Not the indented line, not after `foo()` (no `;`: it might continue).
        assert_eq!(at, vec!["const d = 4;"]);
    }
}
