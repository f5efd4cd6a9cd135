//! Rust (syn's full syntax tree; proc-macro2's span locations give lines and columns) into code
//! facts. Paths are dotted (`std::process::Command::new` → `std.process.Command.new`); `use`
//! items are imports and `mod x;` items are files of the crate.

use super::Language;
use super::ir::{Arg, Expr, ExprKind, FileFacts, Import, ImportKind, Param, Pos, Problem, Stmt, Target};
use proc_macro2::Span;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;

/// Deepest bracket nesting read: syn parses recursively, and a crafted file must not exhaust
/// the stack.
const MAX_NESTING: usize = 256;
/// Deepest expression nesting lowered.
const MAX_DEPTH: usize = 200;

pub fn lower(path: &str, text: &[u8]) -> FileFacts {
    let mut facts = FileFacts::new(path, Language::Rust);
    facts.functions.push(super::ir::Func { name: "<module>".into(), ..Default::default() });
    let Ok(src) = std::str::from_utf8(text) else {
        let line =
            text.iter().take(text.utf8_chunks().next().map_or(0, |c| c.valid().len())).filter(|&&b| b == b'\n').count()
                + 1;
        facts.problems.push(Problem {
            line: line as u32,
            column: 1,
            message: "not valid UTF-8, so not Rust source; code rules skipped this file".into(),
        });
        return facts;
    };
    if let Some((line, column)) = too_deep(src) {
        facts.problems.push(Problem {
            line,
            column,
            message: format!("brackets nested more than {MAX_NESTING} levels deep; code rules skipped this file"),
        });
        return facts;
    }
    let parsed = syn::parse_file(src);
    match parsed {
        Ok(file) => {
            let mut l = Lower { facts, depth: 0, too_deep: false, current: 0, src };
            let body = l.items(&file.items, "");
            l.facts.functions[0].body = body;
            facts = l.facts;
        }
        Err(e) => {
            let start = e.span().start();
            facts.problems.push(Problem {
                line: start.line as u32,
                column: start.column as u32 + 1,
                message: format!("Rust syntax error: {e}; code rules skipped this file"),
            });
        }
    }
    // The span source map of this thread grows with every file parsed: empty it.
    proc_macro2::extra::invalidate_current_thread_spans();
    facts
}

/// The first place brackets nest deeper than [`MAX_NESTING`] (strings and comments are not
/// told apart: real code is far from the limit either way).
fn too_deep(src: &str) -> Option<(u32, u32)> {
    let (mut depth, mut line, mut col) = (0usize, 1u32, 0u32);
    for c in src.chars() {
        col += 1;
        match c {
            '(' | '[' | '{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some((line, col));
                }
            }
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            '\n' => {
                line += 1;
                col = 0;
            }
            _ => {}
        }
    }
    None
}

struct Lower<'s> {
    facts: FileFacts,
    depth: usize,
    too_deep: bool,
    current: usize,
    src: &'s str,
}

fn pos_of(span: Span) -> Pos {
    let (s, e) = (span.start(), span.end());
    Pos { line: s.line as u32, col: s.column as u32 + 1, end_line: e.line as u32, end_col: e.column as u32 + 1 }
}

fn path_expr(path: &syn::Path) -> Expr {
    let pos = pos_of(path.span());
    let mut segs = path.segments.iter();
    let Some(first) = segs.next() else { return Expr::other(vec![], pos) };
    let mut e = Expr::new(ExprKind::Name(first.ident.to_string()), pos);
    for s in segs {
        e = Expr::new(ExprKind::Member(Box::new(e), s.ident.to_string()), pos);
    }
    e
}

fn path_text(path: &syn::Path) -> String {
    path.segments.iter().map(|s| s.ident.to_string()).collect::<Vec<_>>().join("::")
}

fn type_text(ty: &syn::Type) -> String {
    use quote_free::ToText;
    ty.to_text()
}

/// Types as text without pulling in `quote`: the path of a type (with its generic arguments'
/// paths), which is what sources by type need.
mod quote_free {
    pub trait ToText {
        fn to_text(&self) -> String;
    }

    impl ToText for syn::Type {
        fn to_text(&self) -> String {
            match self {
                syn::Type::Path(p) => p
                    .path
                    .segments
                    .iter()
                    .map(|s| {
                        let args = match &s.arguments {
                            syn::PathArguments::AngleBracketed(a) => {
                                let inner: Vec<String> = a
                                    .args
                                    .iter()
                                    .filter_map(|g| match g {
                                        syn::GenericArgument::Type(t) => Some(t.to_text()),
                                        _ => None,
                                    })
                                    .collect();
                                format!("<{}>", inner.join(", "))
                            }
                            _ => String::new(),
                        };
                        format!("{}{args}", s.ident)
                    })
                    .collect::<Vec<_>>()
                    .join("::"),
                syn::Type::Reference(r) => r.elem.to_text(),
                syn::Type::Paren(p) => p.elem.to_text(),
                syn::Type::Group(g) => g.elem.to_text(),
                _ => String::new(),
            }
        }
    }
}

impl Lower<'_> {
    fn items(&mut self, items: &[syn::Item], prefix: &str) -> Vec<Stmt> {
        let mut out = Vec::new();
        for item in items {
            self.item(item, prefix, &mut out);
        }
        out
    }

    fn item(&mut self, item: &syn::Item, prefix: &str, out: &mut Vec<Stmt>) {
        match item {
            syn::Item::Use(u) => {
                let pos = pos_of(u.span());
                self.use_tree(&u.tree, String::new(), pos);
            }
            syn::Item::Mod(m) => {
                let name = m.ident.to_string();
                match &m.content {
                    Some((_, items)) => {
                        let p = if prefix.is_empty() { name } else { format!("{prefix}::{name}") };
                        let stmts = self.items(items, &p);
                        out.push(Stmt::Block(stmts));
                    }
                    None => self.facts.imports.push(Import {
                        module: name,
                        names: Vec::new(),
                        pos: pos_of(m.span()),
                        kind: ImportKind::RustMod,
                    }),
                }
            }
            syn::Item::Fn(f) => {
                let name = qualified(prefix, &f.sig.ident.to_string());
                if f.sig.ident == "main" && prefix.is_empty() {
                    self.facts.package = Some("main".into());
                }
                let id = self.function(name, &f.sig, &f.block, f.span());
                out.push(Stmt::Def(id));
            }
            syn::Item::Impl(imp) => {
                let ty = type_text(&imp.self_ty);
                let ty = ty.rsplit("::").next().unwrap_or("").split('<').next().unwrap_or("").to_string();
                for it in &imp.items {
                    if let syn::ImplItem::Fn(f) = it {
                        let name = qualified(prefix, &format!("{ty}.{}", f.sig.ident));
                        let id = self.function(name, &f.sig, &f.block, f.span());
                        out.push(Stmt::Def(id));
                    }
                }
            }
            syn::Item::Const(c) => {
                let pos = pos_of(c.span());
                let value = self.expr(&c.expr);
                out.push(Stmt::Assign { target: Target::Name(c.ident.to_string()), value, pos });
            }
            syn::Item::Static(s) => {
                let pos = pos_of(s.span());
                let value = self.expr(&s.expr);
                out.push(Stmt::Assign { target: Target::Name(s.ident.to_string()), value, pos });
            }
            syn::Item::Macro(m) => {
                let e = self.mac(&m.mac);
                out.push(Stmt::Expr(e));
            }
            _ => {}
        }
    }

    fn use_tree(&mut self, tree: &syn::UseTree, prefix: String, pos: Pos) {
        let join = |a: &str, b: &str| if a.is_empty() { b.to_string() } else { format!("{a}::{b}") };
        match tree {
            syn::UseTree::Path(p) => self.use_tree(&p.tree, join(&prefix, &p.ident.to_string()), pos),
            syn::UseTree::Name(n) => {
                let name = n.ident.to_string();
                let (module, name) = if name == "self" {
                    let (m, last) = prefix.rsplit_once("::").unwrap_or(("", &prefix));
                    (m.to_string(), last.to_string())
                } else {
                    (prefix, name)
                };
                self.facts.imports.push(Import {
                    module,
                    names: vec![(name.clone(), name)],
                    pos,
                    kind: ImportKind::Import,
                });
            }
            syn::UseTree::Rename(r) => {
                self.facts.imports.push(Import {
                    module: prefix,
                    names: vec![(r.ident.to_string(), r.rename.to_string())],
                    pos,
                    kind: ImportKind::Import,
                });
            }
            syn::UseTree::Glob(_) => self.facts.imports.push(Import {
                module: prefix,
                names: vec![("*".into(), String::new())],
                pos,
                kind: ImportKind::Import,
            }),
            syn::UseTree::Group(g) => {
                for t in &g.items {
                    self.use_tree(t, prefix.clone(), pos);
                }
            }
        }
    }

    fn function(&mut self, name: String, sig: &syn::Signature, block: &syn::Block, span: Span) -> usize {
        let pos = pos_of(span);
        let id = self.facts.functions.len();
        self.facts.functions.push(super::ir::Func { name, pos, parent: Some(self.current), ..Default::default() });
        let outer = self.current;
        self.current = id;
        let mut params = Vec::new();
        for input in &sig.inputs {
            if let syn::FnArg::Typed(t) = input {
                params.push(Param { target: self.pat(&t.pat), ty: Some(type_text(&t.ty)), pos: pos_of(t.span()) });
            }
        }
        self.facts.functions[id].params = params;
        let body = self.block_(block, true);
        self.facts.functions[id].body = body;
        self.current = outer;
        id
    }

    fn block_(&mut self, b: &syn::Block, tail: bool) -> Vec<Stmt> {
        let mut out = Vec::new();
        let n = b.stmts.len();
        for (i, s) in b.stmts.iter().enumerate() {
            match s {
                syn::Stmt::Local(local) => {
                    let pos = pos_of(local.span());
                    let target = self.pat(&local.pat);
                    if let Some(init) = &local.init {
                        let value = self.expr(&init.expr);
                        out.push(Stmt::Assign { target, value, pos });
                        if let Some((_, els)) = &init.diverge {
                            let e = self.expr(els);
                            out.push(Stmt::Expr(e));
                        }
                    }
                }
                syn::Stmt::Item(item) => self.item(item, "", &mut out),
                syn::Stmt::Expr(e, semi) => {
                    // The tail expression of a function's body (or of a branch that is its tail)
                    // is what the function returns.
                    let is_tail = tail && semi.is_none() && i + 1 == n;
                    self.stmt_expr_t(e, &mut out, is_tail);
                }
                syn::Stmt::Macro(m) => {
                    let e = self.mac(&m.mac);
                    if m.mac.path.is_ident("panic") || m.mac.path.is_ident("unreachable") {
                        out.push(Stmt::Throw(Some(e), pos_of(m.span())));
                    } else {
                        out.push(Stmt::Expr(e));
                    }
                }
            }
        }
        out
    }

    fn stmt_expr(&mut self, e: &syn::Expr, out: &mut Vec<Stmt>) {
        self.stmt_expr_t(e, out, false)
    }

    /// Control flow in statement position becomes statements; with `tail`, the value of the
    /// expression (of each branch) is what the function returns.
    fn stmt_expr_t(&mut self, e: &syn::Expr, out: &mut Vec<Stmt>, tail: bool) {
        let pos = pos_of(e.span());
        match e {
            syn::Expr::If(i) => out.push(self.if_stmt(i, tail)),
            syn::Expr::Match(m) => {
                let scrutinee = self.expr(&m.expr);
                let mut body = vec![Stmt::Expr(scrutinee.clone())];
                for arm in &m.arms {
                    let target = self.pat(&arm.pat);
                    let mut then = vec![Stmt::Assign { target, value: scrutinee.clone(), pos: pos_of(arm.pat.span()) }];
                    self.stmt_expr_t(&arm.body, &mut then, tail);
                    body.push(Stmt::If { cond: Expr::other(vec![], pos), then, els: Vec::new() });
                }
                out.push(Stmt::Block(body));
            }
            syn::Expr::ForLoop(f) => {
                let target = self.pat(&f.pat);
                let iter = self.expr(&f.expr);
                let body = self.block_(&f.body, false);
                out.push(Stmt::Loop { bind: Some((target, iter)), body });
            }
            syn::Expr::While(w) => {
                let mut body = Vec::new();
                self.cond(&w.cond, &mut body);
                body.extend(self.block_(&w.body, false));
                out.push(Stmt::Loop { bind: None, body });
            }
            syn::Expr::Loop(lp) => {
                let body = self.block_(&lp.body, false);
                out.push(Stmt::Loop { bind: None, body });
            }
            syn::Expr::Block(b) => out.push(Stmt::Block(self.block_(&b.block, tail))),
            syn::Expr::Unsafe(b) => out.push(Stmt::Block(self.block_(&b.block, tail))),
            syn::Expr::Return(r) => {
                let v = r.expr.as_ref().map(|x| self.expr(x));
                out.push(Stmt::Return(v, pos));
            }
            syn::Expr::Break(_) | syn::Expr::Continue(_) => out.push(Stmt::Jump(pos)),
            syn::Expr::Assign(a) => {
                let target = self.assign_target(&a.left);
                let value = self.expr(&a.right);
                out.push(Stmt::Assign { target, value, pos });
            }
            syn::Expr::Binary(b) if is_compound_assign(&b.op) => {
                let target = self.assign_target(&b.left);
                let old = self.expr(&b.left);
                let new = self.expr(&b.right);
                out.push(Stmt::Assign { target, value: Expr::new(ExprKind::Template(vec![old, new]), pos), pos });
            }
            _ if tail => {
                let v = self.expr(e);
                out.push(Stmt::Return(Some(v), pos));
            }
            _ => {
                let v = self.expr(e);
                out.push(Stmt::Expr(v));
            }
        }
    }

    /// A condition: `let` patterns bind (as assignments before the test).
    fn cond(&mut self, c: &syn::Expr, out: &mut Vec<Stmt>) -> Expr {
        match c {
            syn::Expr::Let(l) => {
                let value = self.expr(&l.expr);
                let target = self.pat(&l.pat);
                out.push(Stmt::Assign { target, value: value.clone(), pos: pos_of(l.span()) });
                value
            }
            _ => self.expr(c),
        }
    }

    fn if_stmt(&mut self, i: &syn::ExprIf, tail: bool) -> Stmt {
        let mut then = Vec::new();
        let cond = match &*i.cond {
            syn::Expr::Let(_) => {
                // The `let` binding holds in the then-branch only.
                self.cond(&i.cond, &mut then)
            }
            c => self.expr(c),
        };
        then.extend(self.block_(&i.then_branch, tail));
        let mut els = Vec::new();
        if let Some((_, e)) = &i.else_branch {
            self.stmt_expr_t(e, &mut els, tail);
        }
        Stmt::If { cond, then, els }
    }

    fn assign_target(&mut self, e: &syn::Expr) -> Target {
        match e {
            syn::Expr::Path(p) if p.path.segments.len() == 1 => Target::Name(path_text(&p.path)),
            syn::Expr::Field(_) | syn::Expr::Index(_) => Target::Member(self.expr(e)),
            syn::Expr::Unary(u) => self.assign_target(&u.expr),
            _ => Target::Ignore,
        }
    }

    fn pat(&mut self, p: &syn::Pat) -> Target {
        match p {
            syn::Pat::Ident(i) => Target::Name(i.ident.to_string()),
            syn::Pat::Type(t) => self.pat(&t.pat),
            syn::Pat::Reference(r) => self.pat(&r.pat),
            syn::Pat::Paren(p) => self.pat(&p.pat),
            syn::Pat::Tuple(t) => Target::Destructure(t.elems.iter().map(|e| (None, self.pat(e))).collect()),
            syn::Pat::Slice(t) => Target::Destructure(t.elems.iter().map(|e| (None, self.pat(e))).collect()),
            // `Ok(x)`, `Some(x)`, `Err(e)`: the inner value.
            syn::Pat::TupleStruct(t) => {
                let items: Vec<(Option<String>, Target)> = t.elems.iter().map(|e| (None, self.pat(e))).collect();
                let variant = t.path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
                if items.len() == 1 {
                    let inner = items.into_iter().next().map_or(Target::Ignore, |(_, t)| t);
                    // Keep the variant for error sources: `Err(e)` binds an error.
                    if variant == "Err" {
                        return Target::Destructure(vec![(Some("Err".into()), inner)]);
                    }
                    return inner;
                }
                Target::Destructure(items)
            }
            syn::Pat::Struct(s) => Target::Destructure(
                s.fields
                    .iter()
                    .map(|f| {
                        let key = match &f.member {
                            syn::Member::Named(n) => Some(n.to_string()),
                            syn::Member::Unnamed(i) => Some(i.index.to_string()),
                        };
                        (key, self.pat(&f.pat))
                    })
                    .collect(),
            ),
            syn::Pat::Or(o) => o.cases.first().map_or(Target::Ignore, |c| self.pat(c)),
            _ => Target::Ignore,
        }
    }

    fn expr(&mut self, e: &syn::Expr) -> Expr {
        let pos = pos_of(e.span());
        if self.depth >= MAX_DEPTH {
            if !self.too_deep {
                self.too_deep = true;
                self.facts.problems.push(Problem {
                    line: pos.line,
                    column: pos.col,
                    message: format!("nested more than {MAX_DEPTH} levels deep; the code inside was not analysed"),
                });
            }
            return Expr::other(vec![], pos);
        }
        self.depth += 1;
        let out = self.expr_inner(e, pos);
        self.depth -= 1;
        out
    }

    fn expr_inner(&mut self, e: &syn::Expr, pos: Pos) -> Expr {
        let k = |kind| Expr::new(kind, pos);
        match e {
            syn::Expr::Path(p) => path_expr(&p.path),
            syn::Expr::Lit(l) => self.lit(&l.lit, pos),
            syn::Expr::Call(c) => {
                let callee = self.expr(&c.func);
                let args = c.args.iter().map(|a| Arg::pos(self.expr(a))).collect();
                k(ExprKind::Call { callee: Box::new(callee), args })
            }
            syn::Expr::MethodCall(m) => {
                let recv = self.expr(&m.receiver);
                let callee = Expr::new(ExprKind::Member(Box::new(recv), m.method.to_string()), pos_of(m.method.span()));
                let args = m.args.iter().map(|a| Arg::pos(self.expr(a))).collect();
                k(ExprKind::Call { callee: Box::new(callee), args })
            }
            syn::Expr::Field(f) => {
                let base = self.expr(&f.base);
                let member = match &f.member {
                    syn::Member::Named(n) => n.to_string(),
                    syn::Member::Unnamed(i) => i.index.to_string(),
                };
                k(ExprKind::Member(Box::new(base), member))
            }
            syn::Expr::Index(i) => {
                let a = self.expr(&i.expr);
                let b = self.expr(&i.index);
                k(ExprKind::Index(Box::new(a), Box::new(b)))
            }
            syn::Expr::Binary(b) => {
                let a = self.expr(&b.left);
                let c = self.expr(&b.right);
                match &b.op {
                    syn::BinOp::Add(_) => k(ExprKind::Template(vec![a, c])),
                    op => k(ExprKind::Binary(binop(op).to_string(), Box::new(a), Box::new(c))),
                }
            }
            syn::Expr::Unary(u) => {
                let a = self.expr(&u.expr);
                match u.op {
                    syn::UnOp::Not(_) => k(ExprKind::Not(Box::new(a))),
                    _ => a,
                }
            }
            syn::Expr::Macro(m) => self.mac(&m.mac),
            syn::Expr::Struct(s) => {
                let callee = path_expr(&s.path);
                let mut items: Vec<(Option<String>, Expr)> = s
                    .fields
                    .iter()
                    .map(|f| {
                        let key = match &f.member {
                            syn::Member::Named(n) => Some(n.to_string()),
                            syn::Member::Unnamed(i) => Some(i.index.to_string()),
                        };
                        (key, self.expr(&f.expr))
                    })
                    .collect();
                if let Some(rest) = &s.rest {
                    items.push((None, self.expr(rest)));
                }
                let obj = Expr::new(ExprKind::Object(items), pos);
                k(ExprKind::Call { callee: Box::new(callee), args: vec![Arg::pos(obj)] })
            }
            syn::Expr::Closure(c) => {
                let id = self.facts.functions.len();
                self.facts.functions.push(super::ir::Func { pos, parent: Some(self.current), ..Default::default() });
                let outer = self.current;
                self.current = id;
                let params = c
                    .inputs
                    .iter()
                    .map(|p| {
                        let ty = match p {
                            syn::Pat::Type(t) => Some(type_text(&t.ty)),
                            _ => None,
                        };
                        Param { target: self.pat(p), ty, pos: pos_of(p.span()) }
                    })
                    .collect();
                self.facts.functions[id].params = params;
                let body = match &*c.body {
                    syn::Expr::Block(b) => self.block_(&b.block, true),
                    syn::Expr::Async(a) => self.block_(&a.block, true),
                    other => {
                        let v = self.expr(other);
                        vec![Stmt::Return(Some(v), pos)]
                    }
                };
                self.facts.functions[id].body = body;
                self.current = outer;
                k(ExprKind::Func(id))
            }
            syn::Expr::Async(a) => self.block_value(&a.block, pos),
            syn::Expr::Block(b) => self.block_value(&b.block, pos),
            syn::Expr::Unsafe(b) => self.block_value(&b.block, pos),
            syn::Expr::TryBlock(b) => self.block_value(&b.block, pos),
            syn::Expr::If(_)
            | syn::Expr::Match(_)
            | syn::Expr::ForLoop(_)
            | syn::Expr::While(_)
            | syn::Expr::Loop(_) => {
                // Control flow as a value: a closure-like block run in place.
                let mut stmts = Vec::new();
                self.stmt_expr(e, &mut stmts);
                self.inline_block(stmts, pos)
            }
            syn::Expr::Array(a) => k(ExprKind::Array(a.elems.iter().map(|x| self.expr(x)).collect())),
            syn::Expr::Tuple(t) => k(ExprKind::Array(t.elems.iter().map(|x| self.expr(x)).collect())),
            syn::Expr::Reference(r) => self.expr(&r.expr),
            syn::Expr::Paren(p) => self.expr(&p.expr),
            syn::Expr::Group(g) => self.expr(&g.expr),
            syn::Expr::Await(a) => self.expr(&a.base),
            syn::Expr::Try(t) => self.expr(&t.expr),
            syn::Expr::Cast(c) => self.expr(&c.expr),
            syn::Expr::Let(l) => self.expr(&l.expr),
            syn::Expr::Assign(a) => self.expr(&a.right),
            syn::Expr::Return(r) => k(ExprKind::Other(r.expr.iter().map(|x| self.expr(x)).collect())),
            syn::Expr::Range(r) => {
                k(ExprKind::Other(r.start.iter().chain(r.end.iter()).map(|x| self.expr(x)).collect()))
            }
            syn::Expr::Repeat(r) => k(ExprKind::Other(vec![self.expr(&r.expr)])),
            _ => k(ExprKind::Other(Vec::new())),
        }
    }

    /// A block used as a value: its statements run in an anonymous function called in place,
    /// so that sinks inside are seen and its tail is the value.
    fn block_value(&mut self, b: &syn::Block, pos: Pos) -> Expr {
        let id = self.facts.functions.len();
        self.facts.functions.push(super::ir::Func { pos, parent: Some(self.current), ..Default::default() });
        let outer = self.current;
        self.current = id;
        let body = self.block_(b, true);
        self.facts.functions[id].body = body;
        self.current = outer;
        inline_call(id, pos)
    }

    fn inline_block(&mut self, stmts: Vec<Stmt>, pos: Pos) -> Expr {
        let id = self.facts.functions.len();
        self.facts.functions.push(super::ir::Func {
            pos,
            parent: Some(self.current),
            body: stmts,
            ..Default::default()
        });
        inline_call(id, pos)
    }

    fn lit(&self, l: &syn::Lit, pos: Pos) -> Expr {
        match l {
            syn::Lit::Str(s) => {
                let r = s.span().byte_range();
                let raw = self.src.get(r.clone()).unwrap_or("");
                // Strip the quotes (and `r#"…"#` hashes) from the token to get the value's bytes.
                let hashes = raw.strip_prefix('r').map_or(0, |rest| rest.len() - rest.trim_start_matches('#').len());
                let open = usize::from(raw.starts_with('r')) + hashes + 1;
                let close = hashes + 1;
                let (start, end) =
                    if raw.len() >= open + close { (r.start + open, r.end - close) } else { (r.start, r.end) };
                Expr::new(ExprKind::Str { value: s.value(), start: start as u32, end: end as u32 }, pos)
            }
            syn::Lit::Bool(b) => Expr::new(ExprKind::Bool(b.value), pos),
            syn::Lit::Int(i) => Expr::new(ExprKind::Number(i.base10_digits().to_string()), pos),
            syn::Lit::Float(f) => Expr::new(ExprKind::Number(f.base10_digits().to_string()), pos),
            _ => Expr::other(vec![], pos),
        }
    }

    /// A macro call: `format!` and friends build strings from their arguments (inline `{name}`
    /// captures included); others are calls of the macro with their arguments when those
    /// parse as expressions.
    fn mac(&mut self, m: &syn::Macro) -> Expr {
        let pos = pos_of(m.span());
        let name = path_text(&m.path);
        let parser = Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated;
        let args: Vec<Expr> = match m.parse_body_with(parser) {
            Ok(list) => list.iter().map(|a| self.expr(a)).collect(),
            // `json!({…})` and other token soups: the names in it.
            Err(_) => idents(m.tokens.clone(), pos),
        };
        let last = name.rsplit("::").next().unwrap_or("");
        if matches!(
            last,
            "format"
                | "format_args"
                | "concat"
                | "write"
                | "writeln"
                | "print"
                | "println"
                | "eprint"
                | "eprintln"
                | "panic"
        ) {
            let mut parts = args;
            // Inline captures: `format!("{user}")`.
            if let Some(fmt) = parts.iter().find_map(|a| a.as_str().map(str::to_string)) {
                for cap in inline_captures(&fmt) {
                    parts.push(Expr::new(ExprKind::Name(cap), pos));
                }
            }
            if last == "format" || last == "format_args" || last == "concat" {
                return Expr::new(ExprKind::Template(parts), pos);
            }
            let callee = Expr::new(ExprKind::Name(format!("{last}!")), pos);
            return Expr::new(
                ExprKind::Call {
                    callee: Box::new(callee),
                    args: vec![Arg::pos(Expr::new(ExprKind::Template(parts), pos))],
                },
                pos,
            );
        }
        let callee = Expr::new(ExprKind::Name(format!("{name}!")), pos);
        Expr::new(ExprKind::Call { callee: Box::new(callee), args: args.into_iter().map(Arg::pos).collect() }, pos)
    }
}

fn inline_call(id: usize, pos: Pos) -> Expr {
    let f = Expr::new(ExprKind::Func(id), pos);
    Expr::new(ExprKind::Call { callee: Box::new(f), args: Vec::new() }, pos)
}

fn qualified(prefix: &str, name: &str) -> String {
    if prefix.is_empty() { name.to_string() } else { format!("{prefix}::{name}") }
}

fn is_compound_assign(op: &syn::BinOp) -> bool {
    use syn::BinOp::*;
    matches!(
        op,
        AddAssign(_)
            | SubAssign(_)
            | MulAssign(_)
            | DivAssign(_)
            | RemAssign(_)
            | BitXorAssign(_)
            | BitAndAssign(_)
            | BitOrAssign(_)
            | ShlAssign(_)
            | ShrAssign(_)
    )
}

fn binop(op: &syn::BinOp) -> &'static str {
    use syn::BinOp::*;
    match op {
        And(_) => "&&",
        Or(_) => "||",
        Eq(_) => "==",
        Ne(_) => "!=",
        Lt(_) => "<",
        Le(_) => "<=",
        Gt(_) => ">",
        Ge(_) => ">=",
        _ => "op",
    }
}

/// `{name}` and `{name:?}` captures in a format string.
fn inline_captures(fmt: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = fmt;
    while let Some(i) = rest.find('{') {
        rest = &rest[i + 1..];
        if rest.starts_with('{') {
            rest = &rest[1..];
            continue;
        }
        let end = rest.find('}').unwrap_or(rest.len());
        let name = rest[..end].split(':').next().unwrap_or("");
        if !name.is_empty()
            && name.chars().all(|c| c.is_alphanumeric() || c == '_')
            && !name.chars().all(|c| c.is_ascii_digit())
        {
            out.push(name.to_string());
        }
        rest = &rest[end.min(rest.len())..];
    }
    out
}

/// The identifiers of a token stream, as names (for macros whose bodies are not expressions).
fn idents(tokens: proc_macro2::TokenStream, pos: Pos) -> Vec<Expr> {
    let mut out = Vec::new();
    let mut stack = vec![tokens];
    while let Some(ts) = stack.pop() {
        for t in ts {
            match t {
                proc_macro2::TokenTree::Ident(i) => out.push(Expr::new(ExprKind::Name(i.to_string()), pos)),
                proc_macro2::TokenTree::Group(g) => stack.push(g.stream()),
                _ => {}
            }
        }
        if out.len() > 10_000 {
            break;
        }
    }
    out
}
