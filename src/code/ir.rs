//! The code facts of one file: a small language-neutral tree that every parser lowers to, and
//! that every code analysis reads (handler lookup, module graphs, taint, literal matchers, and
//! later SDK-call extraction). A file is parsed once; its facts are shared by all of them.
//!
//! Names are kept as written; [`FileFacts::resolve`] turns an expression into its canonical
//! dotted path through the file's imports (`cp.exec` → `child_process.exec`,
//! `exec.Command` → `os/exec.Command`, `Command::new` → `std.process.Command.new`).

use super::Language;

/// A place in a file: 1-based line and column (code points) of the start and the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
    pub end_line: u32,
    pub end_col: u32,
}

impl Pos {
    pub fn span(self) -> crate::source::Span {
        use crate::source::{Position, Span};
        Span::new(Position::new(self.line, self.col), Position::new(self.end_line, self.end_col))
    }
}

pub type FuncId = usize;

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub pos: Pos,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// A variable, function or imported name.
    Name(String),
    /// `obj.field`, `obj?.field`, `Type::item`, `pkg.Name`.
    Member(Box<Expr>, String),
    /// `obj[key]`.
    Index(Box<Expr>, Box<Expr>),
    /// A call, a `new`, a struct or composite literal (`tls.Config{…}` is a call of `tls.Config`
    /// with one object argument), a macro (`format!`).
    Call {
        callee: Box<Expr>,
        args: Vec<Arg>,
    },
    /// A string literal: its value (escapes not decoded) and the byte range of that value in
    /// the file.
    Str {
        value: String,
        start: u32,
        end: u32,
    },
    Number(String),
    Bool(bool),
    Null,
    /// A string built from parts: template literal, f-string, `format!`, `fmt.Sprintf`,
    /// `+` on strings, `%` formatting.
    Template(Vec<Expr>),
    /// `a OP b` for operators that are not string building (`&&`, `==`, `in`, …).
    Binary(String, Box<Expr>, Box<Expr>),
    /// `!x`, `not x`.
    Not(Box<Expr>),
    /// Object literal, dictionary, struct fields: `(key, value)`, key `None` for a spread.
    Object(Vec<(Option<String>, Expr)>),
    Array(Vec<Expr>),
    /// A function expression (arrow function, lambda, closure).
    Func(FuncId),
    /// Anything else; its children (conditional expressions, casts, awaits, …).
    Other(Vec<Expr>),
}

impl Expr {
    pub fn new(kind: ExprKind, pos: Pos) -> Self {
        Self { kind, pos }
    }

    pub fn other(children: Vec<Expr>, pos: Pos) -> Self {
        Self { kind: ExprKind::Other(children), pos }
    }

    /// The literal text of a string, number or boolean.
    pub fn literal(&self) -> Option<String> {
        match &self.kind {
            ExprKind::Str { value, .. } => Some(value.clone()),
            ExprKind::Number(n) => Some(n.clone()),
            ExprKind::Bool(b) => Some(b.to_string()),
            ExprKind::Null => Some("null".into()),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            ExprKind::Str { value, .. } => Some(value),
            _ => None,
        }
    }

    /// The dotted path as written (`a.b.c`), for names and member chains.
    pub fn path(&self) -> Option<String> {
        match &self.kind {
            ExprKind::Name(n) => Some(n.clone()),
            ExprKind::Member(obj, f) => obj.path().map(|p| format!("{p}.{f}")),
            ExprKind::Index(obj, key) => match &key.kind {
                ExprKind::Str { value, .. } => obj.path().map(|p| format!("{p}.{value}")),
                _ => None,
            },
            _ => None,
        }
    }

    /// Calls `f` on every direct child expression.
    pub fn children(&self) -> Vec<&Expr> {
        match &self.kind {
            ExprKind::Member(o, _) => vec![o],
            ExprKind::Index(o, k) => vec![o, k],
            ExprKind::Call { callee, args } => {
                let mut v = vec![callee.as_ref()];
                v.extend(args.iter().map(|a| &a.value));
                v
            }
            ExprKind::Template(parts) | ExprKind::Array(parts) | ExprKind::Other(parts) => parts.iter().collect(),
            ExprKind::Binary(_, a, b) => vec![a, b],
            ExprKind::Not(a) => vec![a],
            ExprKind::Object(items) => items.iter().map(|(_, v)| v).collect(),
            _ => Vec::new(),
        }
    }
}

/// A call argument; `name` for keyword arguments (`shell=True`).
#[derive(Debug, Clone, PartialEq)]
pub struct Arg {
    pub name: Option<String>,
    pub value: Expr,
}

impl Arg {
    pub fn pos(value: Expr) -> Self {
        Self { name: None, value }
    }
}

/// What an assignment or a parameter binds.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    Name(String),
    /// `obj.field = …`, `obj[k] = …`, `process.env.X = …`.
    Member(Expr),
    /// `{a, b: c} = …` (key, target), `[a, b] = …` / `a, b = …` (key `None`).
    Destructure(Vec<(Option<String>, Target)>),
    /// `_`, or something not analysed.
    Ignore,
}

impl Target {
    /// Every name bound.
    pub fn names(&self) -> Vec<&str> {
        match self {
            Target::Name(n) => vec![n],
            Target::Destructure(items) => items.iter().flat_map(|(_, t)| t.names()).collect(),
            _ => Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Stmt {
    Expr(Expr),
    /// `let x = v`, `x = v`, `x += v`, `const {a} = v`, `x, err := f()`.
    Assign {
        target: Target,
        value: Expr,
        pos: Pos,
    },
    Return(Option<Expr>, Pos),
    /// `throw`, `raise`, `panic!`: leaves the function.
    Throw(Option<Expr>, Pos),
    /// `break`, `continue`: leaves the branch.
    Jump(Pos),
    If {
        cond: Expr,
        then: Vec<Stmt>,
        els: Vec<Stmt>,
    },
    /// Loop bodies; `bind` is the loop variable bound from `iter` (`for x of xs`).
    Loop {
        bind: Option<(Target, Expr)>,
        body: Vec<Stmt>,
    },
    /// `try` / `except` / `catch`; each handler with the name its error is bound to.
    Try {
        body: Vec<Stmt>,
        handlers: Vec<(Option<String>, Pos, Vec<Stmt>)>,
        finally: Vec<Stmt>,
    },
    /// A nested function definition, binding its name.
    Def(FuncId),
    Block(Vec<Stmt>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub target: Target,
    /// The declared type, as written (`events.APIGatewayProxyRequest`, `Request`,
    /// `LambdaEvent<Value>`), when there is one.
    pub ty: Option<String>,
    pub pos: Pos,
}

impl Param {
    pub fn name(&self) -> Option<&str> {
        match &self.target {
            Target::Name(n) => Some(n),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Func {
    /// `handler`, `Class.method`, `` for anonymous functions, `<module>` for the top level.
    pub name: String,
    pub params: Vec<Param>,
    pub body: Vec<Stmt>,
    /// Decorators (`@app.route('/x')`), as expressions.
    pub decorators: Vec<Expr>,
    pub pos: Pos,
    /// The function that contains it (none for the top level).
    pub parent: Option<FuncId>,
}

/// An import: `module` as written (`./lib/db`, `child_process`, `..models`, `os/exec`,
/// `crate::db`), and the names it binds locally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    pub module: String,
    /// (imported name, local name). The imported name is `*` for the module itself (a
    /// namespace import, `import x`, `const x = require(…)`) and `default` for a default import.
    pub names: Vec<(String, String)>,
    pub pos: Pos,
    /// Python `from . import x` / Rust `mod x;`: how the module resolves differs by language.
    pub kind: ImportKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportKind {
    /// `import`/`require`/`use`/Go `import`.
    Import,
    /// Rust `mod name;`: a file of the crate.
    RustMod,
}

/// A file that could not be fully analysed, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: u32,
    pub column: u32,
    pub message: String,
}

/// Everything the code stage knows about one file.
#[derive(Debug, Clone, Default)]
pub struct FileFacts {
    pub path: String,
    pub language: Option<Language>,
    /// Index 0 is the top level (`<module>`).
    pub functions: Vec<Func>,
    pub imports: Vec<Import>,
    /// Exported names (exported name, local name): `export const handler`, `exports.handler =`,
    /// `module.exports = { a }`. Python, Go and Rust export by convention (every top-level
    /// name); for them this stays empty.
    pub exports: Vec<(String, String)>,
    /// Syntax errors and limits hit (the file's other facts are still used).
    pub problems: Vec<Problem>,
    /// Why the file is generated or minified, if it is: left out of module graphs.
    pub generated: Option<String>,
    /// Go: the package name; Rust: whether the file has `fn main`.
    pub package: Option<String>,
}

impl FileFacts {
    pub fn new(path: &str, language: Language) -> Self {
        Self { path: path.to_string(), language: Some(language), ..Self::default() }
    }

    pub fn top(&self) -> Option<&Func> {
        self.functions.first()
    }

    /// The top-level function named `name` (or a method `Class.name`).
    pub fn function(&self, name: &str) -> Option<FuncId> {
        self.functions
            .iter()
            .position(|f| f.name == name && f.parent == Some(0))
            .or_else(|| self.functions.iter().position(|f| f.name == name))
    }

    /// The import binding local `name`, with the imported name.
    pub fn import_of(&self, name: &str) -> Option<(&Import, &str)> {
        self.imports.iter().rev().find_map(|i| i.names.iter().find(|(_, l)| l == name).map(|(n, _)| (i, n.as_str())))
    }

    /// The canonical dotted path of a name or member chain, through the file's imports:
    /// `exec` from `const {exec} = require('child_process')` → `child_process.exec`.
    pub fn resolve(&self, e: &Expr) -> Option<String> {
        match &e.kind {
            ExprKind::Name(n) => Some(self.resolve_name(n)),
            ExprKind::Member(obj, f) => self.resolve(obj).map(|p| format!("{p}.{f}")),
            ExprKind::Index(obj, key) => match &key.kind {
                ExprKind::Str { value, .. } => self.resolve(obj).map(|p| format!("{p}.{value}")),
                _ => None,
            },
            // `require('x').y`, `new X().y`: the callee's path.
            ExprKind::Call { callee, args } => {
                if matches!(&callee.kind, ExprKind::Name(n) if n == "require") {
                    return args.first().and_then(|a| a.value.as_str()).map(canonical_module);
                }
                None
            }
            _ => None,
        }
    }

    /// The name a call is matched by: the callee's canonical path, or for a method on a value
    /// that has none (`builder().danger_accept_invalid_certs(…)`), `_.method`.
    pub fn callee_name(&self, callee: &Expr) -> Option<String> {
        self.resolve(callee).or_else(|| match &callee.kind {
            ExprKind::Member(_, m) => Some(format!("_.{m}")),
            _ => None,
        })
    }

    pub fn resolve_name(&self, n: &str) -> String {
        match self.import_of(n) {
            Some((imp, "*")) => canonical_module(&imp.module),
            Some((imp, "default")) => canonical_module(&imp.module),
            Some((imp, name)) => format!("{}.{name}", canonical_module(&imp.module)),
            None => n.to_string(),
        }
    }
}

/// A module path written with `::` (Rust) becomes dotted; others stay as written.
pub fn canonical_module(m: &str) -> String {
    m.replace("::", ".")
}

/// Visits every function body statement, depth first (nested blocks included).
pub fn walk_stmts<'a>(stmts: &'a [Stmt], f: &mut dyn FnMut(&'a Stmt)) {
    for s in stmts {
        f(s);
        match s {
            Stmt::If { then, els, .. } => {
                walk_stmts(then, f);
                walk_stmts(els, f);
            }
            Stmt::Loop { body, .. } | Stmt::Block(body) => walk_stmts(body, f),
            Stmt::Try { body, handlers, finally } => {
                walk_stmts(body, f);
                for (_, _, h) in handlers {
                    walk_stmts(h, f);
                }
                walk_stmts(finally, f);
            }
            _ => {}
        }
    }
}

/// Visits every expression of the statements (sub-expressions included), depth first.
pub fn walk_exprs<'a>(stmts: &'a [Stmt], f: &mut dyn FnMut(&'a Expr)) {
    fn expr<'a>(e: &'a Expr, f: &mut dyn FnMut(&'a Expr)) {
        f(e);
        for c in e.children() {
            expr(c, f);
        }
    }
    walk_stmts(stmts, &mut |s| match s {
        Stmt::Expr(e) | Stmt::Return(Some(e), _) | Stmt::Throw(Some(e), _) => expr(e, f),
        Stmt::Assign { target, value, .. } => {
            if let Target::Member(t) = target {
                expr(t, f);
            }
            expr(value, f);
        }
        Stmt::If { cond, .. } => expr(cond, f),
        Stmt::Loop { bind: Some((_, it)), .. } => expr(it, f),
        _ => {}
    });
}

/// Calls `f` on every position of the facts (functions, statements, expressions).
fn visit_pos_mut(facts: &mut FileFacts, f: &mut dyn FnMut(&mut Pos, &mut ExprKind)) {
    fn expr(e: &mut Expr, f: &mut dyn FnMut(&mut Pos, &mut ExprKind)) {
        f(&mut e.pos, &mut e.kind);
        match &mut e.kind {
            ExprKind::Member(o, _) | ExprKind::Not(o) => expr(o, f),
            ExprKind::Index(o, k) | ExprKind::Binary(_, o, k) => {
                expr(o, f);
                expr(k, f);
            }
            ExprKind::Call { callee, args } => {
                expr(callee, f);
                for a in args {
                    expr(&mut a.value, f);
                }
            }
            ExprKind::Template(p) | ExprKind::Array(p) | ExprKind::Other(p) => p.iter_mut().for_each(|x| expr(x, f)),
            ExprKind::Object(items) => items.iter_mut().for_each(|(_, v)| expr(v, f)),
            _ => {}
        }
    }
    fn target(t: &mut Target, f: &mut dyn FnMut(&mut Pos, &mut ExprKind)) {
        match t {
            Target::Member(e) => expr(e, f),
            Target::Destructure(items) => items.iter_mut().for_each(|(_, t)| target(t, f)),
            _ => {}
        }
    }
    fn stmts(list: &mut [Stmt], f: &mut dyn FnMut(&mut Pos, &mut ExprKind)) {
        for s in list {
            match s {
                Stmt::Expr(e) => expr(e, f),
                Stmt::Assign { target: t, value, pos } => {
                    let mut dummy = ExprKind::Null;
                    f(pos, &mut dummy);
                    target(t, f);
                    expr(value, f);
                }
                Stmt::Return(e, pos) | Stmt::Throw(e, pos) => {
                    let mut dummy = ExprKind::Null;
                    f(pos, &mut dummy);
                    if let Some(e) = e {
                        expr(e, f);
                    }
                }
                Stmt::Jump(pos) => {
                    let mut dummy = ExprKind::Null;
                    f(pos, &mut dummy);
                }
                Stmt::If { cond, then, els } => {
                    expr(cond, f);
                    stmts(then, f);
                    stmts(els, f);
                }
                Stmt::Loop { bind, body } => {
                    if let Some((t, e)) = bind {
                        target(t, f);
                        expr(e, f);
                    }
                    stmts(body, f);
                }
                Stmt::Try { body, handlers, finally } => {
                    stmts(body, f);
                    for (_, pos, h) in handlers {
                        let mut dummy = ExprKind::Null;
                        f(pos, &mut dummy);
                        stmts(h, f);
                    }
                    stmts(finally, f);
                }
                Stmt::Block(b) => stmts(b, f),
                Stmt::Def(_) => {}
            }
        }
    }
    for func in &mut facts.functions {
        let mut dummy = ExprKind::Null;
        f(&mut func.pos, &mut dummy);
        for p in &mut func.params {
            f(&mut p.pos, &mut dummy);
        }
        for d in &mut func.decorators {
            expr(d, f);
        }
        stmts(&mut func.body, f);
    }
    for i in &mut facts.imports {
        let mut dummy = ExprKind::Null;
        f(&mut i.pos, &mut dummy);
    }
}

/// Moves every position `offset` lines down (code embedded in a manifest).
pub fn shift_lines(facts: &mut FileFacts, offset: u32) {
    visit_pos_mut(facts, &mut |p, _| {
        p.line += offset;
        p.end_line += offset;
    });
    for p in &mut facts.problems {
        p.line += offset;
    }
}

/// Forgets where string literals are in the file (their bytes are not the file's).
pub fn forget_byte_ranges(facts: &mut FileFacts) {
    visit_pos_mut(facts, &mut |_, k| {
        if let ExprKind::Str { start, end, .. } = k {
            *start = 0;
            *end = 0;
        }
    });
}

/// Moves every function id but the top level's (0) `offset` up: the facts of a piece of a file
/// appended after the functions of the pieces before it.
pub fn renumber_functions(facts: &mut FileFacts, offset: usize) {
    let shift = |id: &mut FuncId| {
        if *id != 0 {
            *id += offset;
        }
    };
    visit_pos_mut(facts, &mut |_, k| {
        if let ExprKind::Func(id) = k {
            shift(id);
        }
    });
    fn defs(list: &mut [Stmt], shift: &dyn Fn(&mut FuncId)) {
        for s in list {
            match s {
                Stmt::Def(id) => shift(id),
                Stmt::If { then, els, .. } => {
                    defs(then, shift);
                    defs(els, shift);
                }
                Stmt::Loop { body, .. } | Stmt::Block(body) => defs(body, shift),
                Stmt::Try { body, handlers, finally } => {
                    defs(body, shift);
                    for (_, _, h) in handlers {
                        defs(h, shift);
                    }
                    defs(finally, shift);
                }
                Stmt::Expr(_) | Stmt::Assign { .. } | Stmt::Return(..) | Stmt::Throw(..) | Stmt::Jump(_) => {}
            }
        }
    }
    for func in &mut facts.functions {
        defs(&mut func.body, &shift);
        if let Some(p) = &mut func.parent {
            shift(p);
        }
    }
}
