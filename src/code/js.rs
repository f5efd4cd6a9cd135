//! JavaScript, TypeScript and TSX (tree-sitter's official grammars; TypeScript's node kinds are
//! JavaScript's plus types, which are skipped) into code facts. CommonJS (`require`,
//! `module.exports`, `exports.x`) and ES modules (`import`, `export`) both become imports and
//! exports.

use super::Language;
use super::ir::{Arg, Expr, ExprKind, FileFacts, Import, ImportKind, Param, Pos, Stmt, Target};
use super::ts::{self, F, Lower, named_children};
use tree_sitter::Node;

pub fn lower(path: &str, lang: Language, text: &[u8]) -> FileFacts {
    if let Some(facts) = ts::lower_in_pieces(path, lang, text, stmts) {
        return facts;
    }
    lower_whole(path, lang, text)
}

/// The file cut into pieces at `cuts` (see [`ts::lower_at`]): how large files are lowered,
/// open to tests that check the pieces give the facts of the whole.
pub fn lower_cut(path: &str, lang: Language, text: &[u8], cuts: &[usize]) -> Option<FileFacts> {
    ts::lower_at(path, lang, text, cuts, stmts)
}

/// The file parsed and lowered in one piece.
pub fn lower_whole(path: &str, lang: Language, text: &[u8]) -> FileFacts {
    let mut l = Lower::new(path, lang, text);
    match ts::parse(lang, text) {
        Ok(tree) => {
            let root = tree.root_node();
            l.syntax_errors(root, lang.display());
            let body = stmts(&mut l, root);
            l.func(0).body = body;
        }
        Err(e) => l.facts.problems.push(super::ir::Problem { line: 1, column: 1, message: e }),
    }
    l.facts
}

fn stmts(l: &mut Lower<'_>, n: Node<'_>) -> Vec<Stmt> {
    let mut out = Vec::new();
    for c in named_children(n) {
        stmt(l, c, &mut out);
    }
    out
}

/// A statement block, or a single statement used as one (`if (x) return;`).
fn block(l: &mut Lower<'_>, n: Option<Node<'_>>) -> Vec<Stmt> {
    let Some(n) = n else { return Vec::new() };
    match n.kind() {
        "statement_block" | "else_clause" | "finally_clause" => stmts(l, n),
        _ => {
            let mut out = Vec::new();
            stmt(l, n, &mut out);
            out
        }
    }
}

fn stmt(l: &mut Lower<'_>, n: Node<'_>, out: &mut Vec<Stmt>) {
    if !l.enter(n) {
        return;
    }
    stmt_inner(l, n, out);
    l.leave();
}

fn stmt_inner(l: &mut Lower<'_>, n: Node<'_>, out: &mut Vec<Stmt>) {
    let pos = l.pos(n);
    match n.kind() {
        "expression_statement" => {
            for c in named_children(n) {
                expr_stmt(l, c, out);
            }
        }
        "lexical_declaration" | "variable_declaration" | "using_declaration" => {
            for d in named_children(n).into_iter().filter(|c| c.kind() == "variable_declarator") {
                declarator(l, d, out);
            }
        }
        "function_declaration" | "generator_function_declaration" => {
            let name = l.field(n, F::Name).map(|x| l.text(x)).unwrap_or_default();
            let id = function(l, n, name);
            out.push(Stmt::Def(id));
        }
        "class_declaration" | "abstract_class_declaration" | "class" => class(l, n, out),
        "export_statement" => export(l, n, out),
        "import_statement" => import(l, n),
        "return_statement" => {
            let e = named_children(n).first().map(|c| expr(l, *c));
            out.push(Stmt::Return(e, pos));
        }
        "throw_statement" => {
            let e = named_children(n).first().map(|c| expr(l, *c));
            out.push(Stmt::Throw(e, pos));
        }
        "break_statement" | "continue_statement" => out.push(Stmt::Jump(pos)),
        "if_statement" => {
            let cond = l.field(n, F::Condition).map_or_else(|| Expr::other(vec![], pos), |c| expr(l, c));
            let then = block(l, l.field(n, F::Consequence));
            let els = block(l, l.field(n, F::Alternative));
            out.push(Stmt::If { cond, then, els });
        }
        "for_in_statement" => {
            let target = l.field(n, F::Left).map_or(Target::Ignore, |t| pattern(l, t));
            let iter = l.field(n, F::Right).map_or_else(|| Expr::other(vec![], pos), |r| expr(l, r));
            let body = block(l, l.field(n, F::Body));
            out.push(Stmt::Loop { bind: Some((target, iter)), body });
        }
        "for_statement" | "while_statement" | "do_statement" => {
            let mut body = Vec::new();
            for field in [F::Initializer, F::Condition, F::Increment] {
                if let Some(c) = l.field(n, field) {
                    stmt_or_expr(l, c, &mut body);
                }
            }
            body.extend(block(l, l.field(n, F::Body)));
            out.push(Stmt::Loop { bind: None, body });
        }
        "try_statement" => {
            let body = block(l, l.field(n, F::Body));
            let mut handlers = Vec::new();
            if let Some(h) = l.field(n, F::Handler) {
                let name = l.field(h, F::Parameter).map(|p| l.text(p));
                let hpos = l.field(h, F::Parameter).map_or(l.pos(h), |p| l.pos(p));
                handlers.push((name, hpos, block(l, l.field(h, F::Body))));
            }
            let finally = block(l, l.field(n, F::Finalizer));
            out.push(Stmt::Try { body, handlers, finally });
        }
        "statement_block" | "labeled_statement" | "switch_body" | "switch_case" | "switch_default" | "else_clause" => {
            out.push(Stmt::Block(stmts(l, n)));
        }
        "switch_statement" => {
            let mut body = Vec::new();
            if let Some(v) = l.field(n, F::Value) {
                body.push(Stmt::Expr(expr(l, v)));
            }
            body.extend(block(l, l.field(n, F::Body)));
            out.push(Stmt::Block(body));
        }
        "with_statement" => out.push(Stmt::Block(stmts(l, n))),
        "comment"
        | "empty_statement"
        | "debugger_statement"
        | "hash_bang_line"
        | "interface_declaration"
        | "type_alias_declaration"
        | "enum_declaration"
        | "ambient_declaration" => {}
        _ => stmt_or_expr(l, n, out),
    }
}

/// A node in statement position that may be an expression (`for (i = 0;;)`, error recovery).
fn stmt_or_expr(l: &mut Lower<'_>, n: Node<'_>, out: &mut Vec<Stmt>) {
    match n.kind() {
        "lexical_declaration" | "variable_declaration" | "expression_statement" => stmt_inner(l, n, out),
        "ERROR" | "program" | "internal_module" | "module" => out.push(Stmt::Block(stmts(l, n))),
        _ => expr_stmt(l, n, out),
    }
}

/// An expression statement: assignments become [`Stmt::Assign`] (and CommonJS exports).
fn expr_stmt(l: &mut Lower<'_>, n: Node<'_>, out: &mut Vec<Stmt>) {
    let pos = l.pos(n);
    match n.kind() {
        "assignment_expression" | "augmented_assignment_expression" => {
            let (Some(left), Some(right)) = (l.field(n, F::Left), l.field(n, F::Right)) else {
                return;
            };
            let left_text = l.text(left);
            // `exports.handler = …` / `module.exports.handler = …` / `module.exports = …`.
            let exported = left_text
                .strip_prefix("module.exports.")
                .or_else(|| left_text.strip_prefix("exports."))
                .map(str::to_string);
            let func_name = exported.clone().unwrap_or_else(|| left_text.rsplit('.').next().unwrap_or("").to_string());
            let mut value = expr_named(l, right, &func_name);
            if n.kind() == "augmented_assignment_expression" {
                // `x += y` builds a string (or number) from both.
                let old = expr(l, left);
                value = Expr::new(ExprKind::Template(vec![old, value]), pos);
            }
            if let Some(name) = exported {
                let local = local_name(&value).unwrap_or_else(|| name.clone());
                l.facts.exports.push((name, local));
            } else if left_text == "module.exports" {
                match &value.kind {
                    ExprKind::Object(items) => {
                        for (k, v) in items {
                            if let Some(k) = k {
                                let local = local_name(v).unwrap_or_else(|| k.clone());
                                l.facts.exports.push((k.clone(), local));
                            }
                        }
                    }
                    _ => {
                        if let Some(local) = local_name(&value) {
                            l.facts.exports.push(("default".into(), local));
                        }
                    }
                }
            }
            let target = pattern(l, left);
            out.push(Stmt::Assign { target, value, pos });
        }
        "sequence_expression" => {
            for c in named_children(n) {
                expr_stmt(l, c, out);
            }
        }
        _ => {
            let e = expr(l, n);
            out.push(Stmt::Expr(e));
        }
    }
}

/// The local name an exported value refers to: a function named after it, or a name.
fn local_name(value: &Expr) -> Option<String> {
    match &value.kind {
        ExprKind::Name(n) => Some(n.clone()),
        _ => None,
    }
}

fn declarator(l: &mut Lower<'_>, d: Node<'_>, out: &mut Vec<Stmt>) {
    let pos = l.pos(d);
    let Some(name) = l.field(d, F::Name) else { return };
    let target = pattern(l, name);
    let Some(value) = l.field(d, F::Value) else {
        return;
    };
    let fname = if name.kind() == "identifier" { l.text(name) } else { String::new() };
    let value = expr_named(l, value, &fname);
    // `const x = require('m')`, `const {a, b: c} = require('m')`.
    if let Some(module) = require_of(&value) {
        let names = match &target {
            Target::Name(n) => vec![("*".to_string(), n.clone())],
            Target::Destructure(items) => items
                .iter()
                .filter_map(|(k, t)| match (k, t) {
                    (Some(k), Target::Name(local)) => Some((k.clone(), local.clone())),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        l.facts.imports.push(Import { module, names, pos, kind: ImportKind::Import });
    }
    out.push(Stmt::Assign { target, value, pos });
}

/// `require('m')` (also `require('m').x` is handled by resolution).
fn require_of(e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Call { callee, args } if matches!(&callee.kind, ExprKind::Name(n) if n == "require") => {
            args.first().and_then(|a| a.value.as_str()).map(str::to_string)
        }
        ExprKind::Other(children) if children.len() == 1 => require_of(&children[0]),
        _ => None,
    }
}

fn export(l: &mut Lower<'_>, n: Node<'_>, out: &mut Vec<Stmt>) {
    let pos = l.pos(n);
    let is_default = {
        let mut c = n.walk();
        n.children(&mut c).any(|c| c.kind() == "default")
    };
    if let Some(decl) = l.field(n, F::Declaration) {
        let mut inner = Vec::new();
        stmt(l, decl, &mut inner);
        for s in &inner {
            match s {
                Stmt::Def(id) => {
                    let name = l.facts.functions[*id].name.clone();
                    let exported = if is_default { "default".to_string() } else { name.clone() };
                    l.facts.exports.push((exported, name));
                }
                Stmt::Assign { target, .. } => {
                    for name in target.names() {
                        l.facts.exports.push((name.to_string(), name.to_string()));
                    }
                }
                _ => {}
            }
        }
        out.extend(inner);
        return;
    }
    if let Some(v) = l.field(n, F::Value) {
        // `export default …`
        let value = expr_named(l, v, "default");
        let local = local_name(&value).unwrap_or_else(|| "default".into());
        l.facts.exports.push(("default".into(), local));
        out.push(Stmt::Assign { target: Target::Name("default".into()), value, pos });
        return;
    }
    let source = l.field(n, F::Source).map(|s| string_value(l, s));
    for clause in named_children(n).into_iter().filter(|c| c.kind() == "export_clause") {
        let mut names = Vec::new();
        for spec in named_children(clause) {
            let name = l.field(spec, F::Name).map(|x| l.text(x)).unwrap_or_default();
            let alias = l.field(spec, F::Alias).map_or_else(|| name.clone(), |x| l.text(x));
            names.push((name.clone(), alias.clone()));
            if source.is_none() {
                l.facts.exports.push((alias, name));
            }
        }
        // `export { a } from './x'` re-exports: an import of the module.
        if let Some(module) = &source {
            for (_, alias) in &names {
                l.facts.exports.push((alias.clone(), alias.clone()));
            }
            l.facts.imports.push(Import { module: module.clone(), names, pos, kind: ImportKind::Import });
        }
    }
    if let (Some(module), true) = (&source, named_children(n).iter().all(|c| c.kind() != "export_clause")) {
        // `export * from './x'`
        l.facts.imports.push(Import {
            module: module.clone(),
            names: vec![("*".into(), String::new())],
            pos,
            kind: ImportKind::Import,
        });
    }
}

fn import(l: &mut Lower<'_>, n: Node<'_>) {
    let pos = l.pos(n);
    let Some(source) = l.field(n, F::Source) else {
        // TypeScript `import x = require('m')`.
        for c in named_children(n) {
            if c.kind() == "import_require_clause" {
                let name = named_children(c).first().map(|x| l.text(*x)).unwrap_or_default();
                if let Some(s) = l.field(c, F::Source) {
                    let module = string_value(l, s);
                    l.facts.imports.push(Import {
                        module,
                        names: vec![("*".into(), name)],
                        pos,
                        kind: ImportKind::Import,
                    });
                }
            }
        }
        return;
    };
    let module = string_value(l, source);
    let mut names = Vec::new();
    for clause in named_children(n).into_iter().filter(|c| c.kind() == "import_clause") {
        for c in named_children(clause) {
            match c.kind() {
                "identifier" => names.push(("default".to_string(), l.text(c))),
                "namespace_import" => {
                    if let Some(id) = named_children(c).first() {
                        names.push(("*".to_string(), l.text(*id)));
                    }
                }
                "named_imports" => {
                    for spec in named_children(c) {
                        let name = l.field(spec, F::Name).map(|x| l.text(x)).unwrap_or_default();
                        let alias = l.field(spec, F::Alias).map_or_else(|| name.clone(), |x| l.text(x));
                        names.push((name, alias));
                    }
                }
                _ => {}
            }
        }
    }
    l.facts.imports.push(Import { module, names, pos, kind: ImportKind::Import });
}

fn string_value(l: &Lower<'_>, s: Node<'_>) -> String {
    let t = l.text(s);
    t.trim_matches(|c| c == '"' || c == '\'' || c == '`').to_string()
}

fn class(l: &mut Lower<'_>, n: Node<'_>, out: &mut Vec<Stmt>) {
    let cname = l.field(n, F::Name).map(|x| l.text(x)).unwrap_or_default();
    let Some(body) = l.field(n, F::Body) else { return };
    for m in named_children(body) {
        match m.kind() {
            "method_definition" | "method_signature" => {
                let mname = l.field(m, F::Name).map(|x| l.text(x)).unwrap_or_default();
                let full = if cname.is_empty() { mname } else { format!("{cname}.{mname}") };
                let id = function(l, m, full);
                out.push(Stmt::Def(id));
            }
            "field_definition" | "public_field_definition" => {
                if let Some(v) = l.field(m, F::Value) {
                    let name = l.field(m, F::Property).or(l.field(m, F::Name));
                    let name = name.map(|x| l.text(x)).unwrap_or_default();
                    let value = expr_named(l, v, &format!("{cname}.{name}"));
                    let pos = l.pos(m);
                    let this = Expr::new(ExprKind::Name("this".into()), pos);
                    out.push(Stmt::Assign {
                        target: Target::Member(Expr::new(ExprKind::Member(Box::new(this), name), pos)),
                        value,
                        pos,
                    });
                }
            }
            _ => {}
        }
    }
}

/// A function (declaration, expression, arrow, method) as a new [`super::ir::Func`].
fn function(l: &mut Lower<'_>, n: Node<'_>, name: String) -> usize {
    let pos = l.pos(n);
    let (id, outer) = l.begin_func(name, pos);
    let mut params = Vec::new();
    if let Some(p) = l.field(n, F::Parameters) {
        for c in named_children(p) {
            params.push(param(l, c));
        }
    } else if let Some(p) = l.field(n, F::Parameter) {
        params.push(param(l, p));
    }
    for d in named_children(n).into_iter().filter(|c| c.kind() == "decorator") {
        let e = named_children(d).first().map(|c| expr(l, *c));
        l.func(id).decorators.extend(e);
    }
    l.func(id).params = params;
    let body = match l.field(n, F::Body) {
        Some(b) if b.kind() == "statement_block" => stmts(l, b),
        // An arrow function's expression body is its return value.
        Some(b) => {
            let bpos = l.pos(b);
            vec![Stmt::Return(Some(expr(l, b)), bpos)]
        }
        None => Vec::new(),
    };
    l.func(id).body = body;
    l.end_func(outer);
    id
}

fn param(l: &mut Lower<'_>, n: Node<'_>) -> Param {
    let pos = l.pos(n);
    match n.kind() {
        "required_parameter" | "optional_parameter" => {
            let target = l.field(n, F::Pattern).map_or(Target::Ignore, |p| pattern(l, p));
            let ty = l.field(n, F::Type).map(|t| l.text(t).trim_start_matches(':').trim().to_string());
            Param { target, ty, pos }
        }
        _ => Param { target: pattern(l, n), ty: None, pos },
    }
}

/// A binding pattern (or assignment target).
fn pattern(l: &mut Lower<'_>, n: Node<'_>) -> Target {
    match n.kind() {
        "identifier" | "shorthand_property_identifier_pattern" | "shorthand_property_identifier" => {
            Target::Name(l.text(n))
        }
        "object_pattern" | "object" => {
            let mut items = Vec::new();
            for c in named_children(n) {
                match c.kind() {
                    "shorthand_property_identifier_pattern" | "shorthand_property_identifier" => {
                        let name = l.text(c);
                        items.push((Some(name.clone()), Target::Name(name)));
                    }
                    "pair_pattern" | "pair" => {
                        let key = l.field(c, F::Key).map(|k| property_key(l, k));
                        let value = l.field(c, F::Value).map_or(Target::Ignore, |v| pattern(l, v));
                        items.push((key, value));
                    }
                    "object_assignment_pattern" => {
                        let t = l.field(c, F::Left).map_or(Target::Ignore, |v| pattern(l, v));
                        let key = t.names().first().map(|s| s.to_string());
                        items.push((key, t));
                    }
                    "rest_pattern" => {
                        let t = named_children(c).first().map_or(Target::Ignore, |v| pattern(l, *v));
                        items.push((None, t));
                    }
                    _ => {}
                }
            }
            Target::Destructure(items)
        }
        "array_pattern" | "array" => {
            Target::Destructure(named_children(n).into_iter().map(|c| (None, pattern(l, c))).collect())
        }
        "assignment_pattern" => l.field(n, F::Left).map_or(Target::Ignore, |c| pattern(l, c)),
        "rest_pattern" => named_children(n).first().map_or(Target::Ignore, |c| pattern(l, *c)),
        "member_expression" | "subscript_expression" => Target::Member(expr(l, n)),
        "parenthesized_expression" | "non_null_expression" | "as_expression" => {
            named_children(n).first().map_or(Target::Ignore, |c| pattern(l, *c))
        }
        _ => Target::Ignore,
    }
}

fn property_key(l: &Lower<'_>, k: Node<'_>) -> String {
    match k.kind() {
        "string" => string_value(l, k),
        _ => l.text(k),
    }
}

/// An expression; function expressions get `name` (the variable or property they are
/// assigned to).
fn expr_named(l: &mut Lower<'_>, n: Node<'_>, name: &str) -> Expr {
    // Look through parentheses and type assertions (iteratively: they may nest deeply).
    let mut inner = n;
    while matches!(
        inner.kind(),
        "parenthesized_expression" | "as_expression" | "satisfies_expression" | "non_null_expression"
    ) {
        match named_children(inner).first() {
            Some(c) => inner = *c,
            None => break,
        }
    }
    match inner.kind() {
        "arrow_function" | "function_expression" | "function" | "generator_function" => {
            let pos = l.pos(inner);
            let own = l.field(inner, F::Name).map(|x| l.text(x));
            let id = function(l, inner, own.unwrap_or_else(|| name.to_string()));
            Expr::new(ExprKind::Func(id), pos)
        }
        _ => expr(l, n),
    }
}

pub fn expr(l: &mut Lower<'_>, n: Node<'_>) -> Expr {
    let pos = l.pos(n);
    if !l.enter(n) {
        return Expr::other(vec![], pos);
    }
    let e = expr_inner(l, n, pos);
    l.leave();
    e
}

fn expr_inner(l: &mut Lower<'_>, n: Node<'_>, pos: Pos) -> Expr {
    let k = |kind| Expr::new(kind, pos);
    match n.kind() {
        "identifier"
        | "shorthand_property_identifier"
        | "property_identifier"
        | "this"
        | "super"
        | "private_property_identifier" => k(ExprKind::Name(l.text(n))),
        "undefined" | "null" => k(ExprKind::Null),
        "true" => k(ExprKind::Bool(true)),
        "false" => k(ExprKind::Bool(false)),
        "number" => k(ExprKind::Number(l.text(n))),
        "string" => {
            let (s, e) = (n.start_byte() + 1, n.end_byte().saturating_sub(1).max(n.start_byte() + 1));
            l.str_expr(n, s, e)
        }
        "template_string" => {
            let subs: Vec<Node<'_>> =
                named_children(n).into_iter().filter(|c| c.kind() == "template_substitution").collect();
            if subs.is_empty() {
                let (s, e) = (n.start_byte() + 1, n.end_byte().saturating_sub(1).max(n.start_byte() + 1));
                return l.str_expr(n, s, e);
            }
            // The literal text between substitutions is kept (as written, escapes included), as
            // `'a' + x` keeps it: least privilege scopes `uploads/${id}` to `uploads/*`.
            let (mut parts, mut at) = (Vec::new(), n.start_byte() + 1);
            for s in subs {
                if s.start_byte() > at {
                    parts.push(l.str_expr(n, at, s.start_byte()));
                }
                at = s.end_byte();
                if let Some(c) = named_children(s).first() {
                    parts.push(expr(l, *c));
                }
            }
            let end = n.end_byte().saturating_sub(1);
            if end > at {
                parts.push(l.str_expr(n, at, end));
            }
            k(ExprKind::Template(parts))
        }
        "regex" => k(ExprKind::Str { value: l.text(n), start: n.start_byte() as u32, end: n.end_byte() as u32 }),
        "member_expression" => {
            let obj = l.field(n, F::Object).map_or_else(|| Expr::other(vec![], pos), |o| expr(l, o));
            let prop = l.field(n, F::Property).map(|p| l.text(p)).unwrap_or_default();
            k(ExprKind::Member(Box::new(obj), prop))
        }
        "subscript_expression" => {
            let obj = l.field(n, F::Object).map_or_else(|| Expr::other(vec![], pos), |o| expr(l, o));
            let idx = l.field(n, F::Index).map_or_else(|| Expr::other(vec![], pos), |i| expr(l, i));
            k(ExprKind::Index(Box::new(obj), Box::new(idx)))
        }
        "call_expression" | "new_expression" => {
            let callee_node = l.field(n, F::Function).or_else(|| l.field(n, F::Constructor));
            let callee = callee_node.map_or_else(|| Expr::other(vec![], pos), |c| expr(l, c));
            let args = match l.field(n, F::Arguments) {
                Some(a) if a.kind() == "template_string" => vec![Arg::pos(expr(l, a))],
                Some(a) => named_children(a).into_iter().map(|c| Arg::pos(expr(l, c))).collect(),
                None => Vec::new(),
            };
            k(ExprKind::Call { callee: Box::new(callee), args })
        }
        "binary_expression" => {
            let op = l.field(n, F::Operator).map(|o| l.text(o)).unwrap_or_default();
            let a = l.field(n, F::Left).map_or_else(|| Expr::other(vec![], pos), |c| expr(l, c));
            let b = l.field(n, F::Right).map_or_else(|| Expr::other(vec![], pos), |c| expr(l, c));
            if op == "+" {
                k(ExprKind::Template(vec![a, b]))
            } else {
                k(ExprKind::Binary(op, Box::new(a), Box::new(b)))
            }
        }
        "unary_expression" => {
            let op = l.field(n, F::Operator).map(|o| l.text(o)).unwrap_or_default();
            let a = l.field(n, F::Argument).map_or_else(|| Expr::other(vec![], pos), |c| expr(l, c));
            if op == "!" { k(ExprKind::Not(Box::new(a))) } else { k(ExprKind::Other(vec![a])) }
        }
        "object" => {
            let mut items = Vec::new();
            for c in named_children(n) {
                match c.kind() {
                    "pair" => {
                        let key = l.field(c, F::Key).map(|x| property_key(l, x));
                        let kname = key.clone().unwrap_or_default();
                        let v =
                            l.field(c, F::Value).map_or_else(|| Expr::other(vec![], pos), |x| expr_named(l, x, &kname));
                        items.push((key, v));
                    }
                    "shorthand_property_identifier" => {
                        let name = l.text(c);
                        let p = l.pos(c);
                        items.push((Some(name.clone()), Expr::new(ExprKind::Name(name), p)));
                    }
                    "method_definition" => {
                        let name = l.field(c, F::Name).map(|x| l.text(x)).unwrap_or_default();
                        let p = l.pos(c);
                        let id = function(l, c, name.clone());
                        items.push((Some(name), Expr::new(ExprKind::Func(id), p)));
                    }
                    "spread_element" => {
                        let v = named_children(c).first().map_or_else(|| Expr::other(vec![], pos), |x| expr(l, *x));
                        items.push((None, v));
                    }
                    _ => {}
                }
            }
            k(ExprKind::Object(items))
        }
        "array" => k(ExprKind::Array(named_children(n).into_iter().map(|c| expr(l, c)).collect())),
        "arrow_function" | "function_expression" | "function" | "generator_function" => expr_named(l, n, ""),
        "class" => {
            let mut out = Vec::new();
            class(l, n, &mut out);
            k(ExprKind::Other(Vec::new()))
        }
        "assignment_expression" | "augmented_assignment_expression" => {
            // An assignment used as a value (`a = b = c`): its value.
            l.field(n, F::Right).map_or_else(|| k(ExprKind::Other(vec![])), |r| expr(l, r))
        }
        "parenthesized_expression"
        | "await_expression"
        | "as_expression"
        | "satisfies_expression"
        | "non_null_expression"
        | "type_assertion"
        | "spread_element"
        | "ternary_expression"
        | "sequence_expression"
        | "update_expression"
        | "yield_expression"
        | "instantiation_expression" => {
            let children: Vec<Expr> = named_children(n)
                .into_iter()
                .filter(|c| !matches!(c.kind(), "type_arguments" | "type_annotation" | "type_identifier"))
                .map(|c| expr(l, c))
                .collect();
            if children.len() == 1 && n.kind() != "ternary_expression" {
                children.into_iter().next().unwrap_or_else(|| k(ExprKind::Other(vec![])))
            } else {
                k(ExprKind::Other(children))
            }
        }
        "jsx_element" | "jsx_self_closing_element" | "jsx_expression" | "jsx_opening_element" | "jsx_attribute" => {
            k(ExprKind::Other(named_children(n).into_iter().map(|c| expr(l, c)).collect()))
        }
        _ => k(ExprKind::Other(
            named_children(n)
                .into_iter()
                .filter(|c| !c.kind().contains("type") && c.kind() != "comment")
                .map(|c| expr(l, c))
                .collect(),
        )),
    }
}
