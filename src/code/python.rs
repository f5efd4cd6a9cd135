//! Python (tree-sitter's official grammar) into code facts.

use super::Language;
use super::ir::{Arg, Expr, ExprKind, FileFacts, Import, ImportKind, Param, Pos, Problem, Stmt, Target};
use super::ts::{self, F, Lower, named_children};
use tree_sitter::Node;

pub fn lower(path: &str, text: &[u8]) -> FileFacts {
    if let Some(facts) = ts::lower_in_pieces(path, Language::Python, text, stmts) {
        return facts;
    }
    lower_whole(path, text)
}

/// The file cut into pieces at `cuts` (see [`ts::lower_at`]): how large files are lowered,
/// open to tests that check the pieces give the facts of the whole.
pub fn lower_cut(path: &str, text: &[u8], cuts: &[usize]) -> Option<FileFacts> {
    ts::lower_at(path, Language::Python, text, cuts, stmts)
}

/// The file parsed and lowered in one piece.
pub fn lower_whole(path: &str, text: &[u8]) -> FileFacts {
    let mut l = Lower::new(path, Language::Python, text);
    match ts::parse(Language::Python, text) {
        Ok(tree) => {
            let root = tree.root_node();
            l.syntax_errors(root, "Python");
            let body = stmts(&mut l, root);
            l.func(0).body = body;
        }
        Err(e) => l.facts.problems.push(Problem { line: 1, column: 1, message: e }),
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

fn block(l: &mut Lower<'_>, n: Option<Node<'_>>) -> Vec<Stmt> {
    n.map(|b| stmts(l, b)).unwrap_or_default()
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
                match c.kind() {
                    "assignment" | "augmented_assignment" => assignment(l, c, out),
                    _ => {
                        let e = expr(l, c);
                        out.push(Stmt::Expr(e));
                    }
                }
            }
        }
        "function_definition" => {
            let id = function(l, n, Vec::new(), "");
            out.push(Stmt::Def(id));
        }
        "decorated_definition" => {
            let decorators: Vec<Expr> = named_children(n)
                .into_iter()
                .filter(|c| c.kind() == "decorator")
                .filter_map(|d| named_children(d).first().map(|e| expr(l, *e)))
                .collect();
            if let Some(def) = l.field(n, F::Definition) {
                match def.kind() {
                    "function_definition" => {
                        let id = function(l, def, decorators, "");
                        out.push(Stmt::Def(id));
                    }
                    _ => class(l, def, out),
                }
            }
        }
        "class_definition" => class(l, n, out),
        "import_statement" => {
            for name in l.field_children(n, F::Name) {
                let (module, alias) = match name.kind() {
                    "aliased_import" => (
                        l.field(name, F::Name).map(|x| l.text(x)).unwrap_or_default(),
                        l.field(name, F::Alias).map(|x| l.text(x)),
                    ),
                    _ => (l.text(name), None),
                };
                // `import a.b` binds `a` to package `a`; `import a.b as c` binds `c` to `a.b`.
                let (bound, target) = match alias {
                    Some(a) => (a, module.clone()),
                    None => {
                        let first = module.split('.').next().unwrap_or("").to_string();
                        (first.clone(), first)
                    }
                };
                l.facts.imports.push(Import {
                    module: target,
                    names: vec![("*".into(), bound)],
                    pos,
                    kind: ImportKind::Import,
                });
                if module.contains('.') {
                    // The submodule is loaded too: keep it for the module graph.
                    l.facts.imports.push(Import { module, names: Vec::new(), pos, kind: ImportKind::Import });
                }
            }
        }
        "import_from_statement" => {
            let module = l.field(n, F::ModuleName).map(|m| l.text(m)).unwrap_or_default();
            let mut names = Vec::new();
            for name in l.field_children(n, F::Name) {
                match name.kind() {
                    "aliased_import" => {
                        let a = l.field(name, F::Name).map(|x| l.text(x)).unwrap_or_default();
                        let b = l.field(name, F::Alias).map(|x| l.text(x)).unwrap_or_else(|| a.clone());
                        names.push((a, b));
                    }
                    _ => {
                        let a = l.text(name);
                        names.push((a.clone(), a));
                    }
                }
            }
            if named_children(n).iter().any(|c| c.kind() == "wildcard_import") {
                names.push(("*".into(), String::new()));
            }
            l.facts.imports.push(Import { module, names, pos, kind: ImportKind::Import });
        }
        "future_import_statement"
        | "pass_statement"
        | "comment"
        | "global_statement"
        | "nonlocal_statement"
        | "type_alias_statement" => {}
        "return_statement" => {
            let e = named_children(n).first().map(|c| expr(l, *c));
            out.push(Stmt::Return(e, pos));
        }
        "raise_statement" => {
            let e = named_children(n).first().map(|c| expr(l, *c));
            out.push(Stmt::Throw(e, pos));
        }
        "break_statement" | "continue_statement" => out.push(Stmt::Jump(pos)),
        "if_statement" => {
            let cond = l.field(n, F::Condition).map_or_else(|| Expr::other(vec![], pos), |c| expr(l, c));
            let then = block(l, l.field(n, F::Consequence));
            // `elif` chains nest as ifs in the else branch.
            let alts = l.field_children(n, F::Alternative);
            let els = elifs(l, &alts);
            out.push(Stmt::If { cond, then, els });
        }
        "for_statement" => {
            let target = l.field(n, F::Left).map_or(Target::Ignore, |t| pattern(l, t));
            let iter = l.field(n, F::Right).map_or_else(|| Expr::other(vec![], pos), |r| expr(l, r));
            let mut body = block(l, l.field(n, F::Body));
            body.extend(block(l, l.field(n, F::Alternative).and_then(|a| l.field(a, F::Body))));
            out.push(Stmt::Loop { bind: Some((target, iter)), body });
        }
        "while_statement" => {
            let mut body = Vec::new();
            if let Some(c) = l.field(n, F::Condition) {
                body.push(Stmt::Expr(expr(l, c)));
            }
            body.extend(block(l, l.field(n, F::Body)));
            out.push(Stmt::Loop { bind: None, body });
        }
        "try_statement" => {
            let body = block(l, l.field(n, F::Body));
            let mut handlers = Vec::new();
            let mut finally = Vec::new();
            for c in named_children(n) {
                match c.kind() {
                    "except_clause" | "except_group_clause" => {
                        // `except E as e`: an `alias` field, or an `as_pattern` child.
                        let alias = l.field(c, F::Alias).or_else(|| {
                            named_children(c)
                                .into_iter()
                                .find(|x| x.kind() == "as_pattern")
                                .and_then(|p| l.field(p, F::Alias))
                        });
                        let name = alias.map(|a| l.text(a));
                        let hpos = alias.map_or(l.pos(c), |a| l.pos(a));
                        let b = named_children(c).into_iter().find(|x| x.kind() == "block");
                        handlers.push((name, hpos, block(l, b)));
                    }
                    "finally_clause" | "else_clause" => {
                        let b = named_children(c).into_iter().find(|x| x.kind() == "block");
                        finally.extend(block(l, b));
                    }
                    _ => {}
                }
            }
            out.push(Stmt::Try { body, handlers, finally });
        }
        "with_statement" => {
            let mut body = Vec::new();
            for clause in named_children(n).into_iter().filter(|c| c.kind() == "with_clause") {
                for item in named_children(clause) {
                    let Some(v) = l.field(item, F::Value) else { continue };
                    if v.kind() == "as_pattern" {
                        let value = named_children(v).first().map_or_else(|| Expr::other(vec![], pos), |x| expr(l, *x));
                        let target = l.field(v, F::Alias).map_or(Target::Ignore, |a| pattern(l, a));
                        body.push(Stmt::Assign { target, value, pos });
                    } else {
                        body.push(Stmt::Expr(expr(l, v)));
                    }
                }
            }
            body.extend(block(l, l.field(n, F::Body)));
            out.push(Stmt::Block(body));
        }
        "match_statement" | "block" | "ERROR" | "module" => out.push(Stmt::Block(stmts(l, n))),
        "assert_statement" | "delete_statement" | "print_statement" | "exec_statement" => {
            let children = named_children(n).into_iter().map(|c| expr(l, c)).collect();
            out.push(Stmt::Expr(Expr::other(children, pos)));
        }
        _ => {
            let e = expr(l, n);
            out.push(Stmt::Expr(e));
        }
    }
}

fn elifs(l: &mut Lower<'_>, alts: &[Node<'_>]) -> Vec<Stmt> {
    let Some((first, rest)) = alts.split_first() else { return Vec::new() };
    match first.kind() {
        "elif_clause" => {
            let pos = l.pos(*first);
            let cond = l.field(*first, F::Condition).map_or_else(|| Expr::other(vec![], pos), |c| expr(l, c));
            let then = block(l, l.field(*first, F::Consequence));
            let els = elifs(l, rest);
            vec![Stmt::If { cond, then, els }]
        }
        _ => block(l, l.field(*first, F::Body)),
    }
}

fn assignment(l: &mut Lower<'_>, n: Node<'_>, out: &mut Vec<Stmt>) {
    let pos = l.pos(n);
    let Some(left) = l.field(n, F::Left) else { return };
    let Some(right) = l.field(n, F::Right) else { return };
    let name = if left.kind() == "identifier" { l.text(left) } else { String::new() };
    let mut value = if right.kind() == "assignment" {
        // `a = b = v`
        let mut inner = Vec::new();
        assignment(l, right, &mut inner);
        let v = inner.iter().find_map(|s| match s {
            Stmt::Assign { value, .. } => Some(value.clone()),
            _ => None,
        });
        out.extend(inner);
        v.unwrap_or_else(|| Expr::other(vec![], pos))
    } else {
        expr_named(l, right, &name)
    };
    if n.kind() == "augmented_assignment" {
        let old = expr(l, left);
        value = Expr::new(ExprKind::Template(vec![old, value]), pos);
    }
    let target = pattern(l, left);
    out.push(Stmt::Assign { target, value, pos });
}

fn class(l: &mut Lower<'_>, n: Node<'_>, out: &mut Vec<Stmt>) {
    let cname = l.field(n, F::Name).map(|x| l.text(x)).unwrap_or_default();
    let Some(body) = l.field(n, F::Body) else { return };
    for c in named_children(body) {
        match c.kind() {
            "function_definition" => {
                let id = function(l, c, Vec::new(), &cname);
                out.push(Stmt::Def(id));
            }
            "decorated_definition" => {
                let decorators: Vec<Expr> = named_children(c)
                    .into_iter()
                    .filter(|d| d.kind() == "decorator")
                    .filter_map(|d| named_children(d).first().map(|e| expr(l, *e)))
                    .collect();
                if let Some(def) = l.field(c, F::Definition).filter(|d| d.kind() == "function_definition") {
                    let id = function(l, def, decorators, &cname);
                    out.push(Stmt::Def(id));
                }
            }
            _ => stmt(l, c, out),
        }
    }
}

fn function(l: &mut Lower<'_>, n: Node<'_>, decorators: Vec<Expr>, class: &str) -> usize {
    let pos = l.pos(n);
    let name = l.field(n, F::Name).map(|x| l.text(x)).unwrap_or_default();
    let full = if class.is_empty() { name } else { format!("{class}.{name}") };
    let (id, outer) = l.begin_func(full, pos);
    l.func(id).decorators = decorators;
    let mut params = Vec::new();
    if let Some(p) = l.field(n, F::Parameters) {
        for c in named_children(p) {
            if let Some(p) = param(l, c) {
                params.push(p);
            }
        }
    }
    if !class.is_empty() && params.first().and_then(Param::name).is_some_and(|n| n == "self" || n == "cls") {
        params.remove(0);
    }
    l.func(id).params = params;
    let body = block(l, l.field(n, F::Body));
    l.func(id).body = body;
    l.end_func(outer);
    id
}

fn param(l: &mut Lower<'_>, c: Node<'_>) -> Option<Param> {
    let pos = l.pos(c);
    let ty = l.field(c, F::Type).map(|t| l.text(t));
    let target = match c.kind() {
        "identifier" => Target::Name(l.text(c)),
        "typed_parameter" => named_children(c)
            .into_iter()
            .find(|x| x.kind() == "identifier")
            .map_or(Target::Ignore, |x| Target::Name(l.text(x))),
        "default_parameter" | "typed_default_parameter" => {
            l.field(c, F::Name).map_or(Target::Ignore, |x| pattern(l, x))
        }
        "list_splat_pattern" | "dictionary_splat_pattern" => {
            named_children(c).first().map_or(Target::Ignore, |x| Target::Name(l.text(*x)))
        }
        "positional_separator" | "keyword_separator" => return None,
        _ => Target::Ignore,
    };
    Some(Param { target, ty, pos })
}

fn pattern(l: &mut Lower<'_>, n: Node<'_>) -> Target {
    match n.kind() {
        "identifier" => Target::Name(l.text(n)),
        "pattern_list" | "tuple_pattern" | "list_pattern" | "expression_list" | "tuple" | "list" => {
            Target::Destructure(named_children(n).into_iter().map(|c| (None, pattern(l, c))).collect())
        }
        "attribute" | "subscript" => Target::Member(expr(l, n)),
        "list_splat_pattern" | "parenthesized_expression" | "as_pattern_target" => {
            named_children(n).first().map_or(Target::Ignore, |c| pattern(l, *c))
        }
        _ => Target::Ignore,
    }
}

fn expr_named(l: &mut Lower<'_>, n: Node<'_>, name: &str) -> Expr {
    if n.kind() == "lambda" {
        let pos = l.pos(n);
        let (id, outer) = l.begin_func(name.to_string(), pos);
        let mut params = Vec::new();
        if let Some(p) = l.field(n, F::Parameters) {
            for c in named_children(p) {
                params.extend(param(l, c));
            }
        }
        l.func(id).params = params;
        if let Some(b) = l.field(n, F::Body) {
            let bpos = l.pos(b);
            let e = expr(l, b);
            l.func(id).body = vec![Stmt::Return(Some(e), bpos)];
        }
        l.end_func(outer);
        return Expr::new(ExprKind::Func(id), pos);
    }
    expr(l, n)
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
    let other = |l: &mut Lower<'_>, n: Node<'_>| {
        let children = named_children(n).into_iter().map(|c| expr(l, c)).collect();
        Expr::other(children, pos)
    };
    match n.kind() {
        "identifier" => k(ExprKind::Name(l.text(n))),
        "true" => k(ExprKind::Bool(true)),
        "false" => k(ExprKind::Bool(false)),
        "none" => k(ExprKind::Null),
        "integer" | "float" => k(ExprKind::Number(l.text(n))),
        "string" => string(l, n, pos),
        "concatenated_string" => {
            let parts: Vec<Expr> = named_children(n).into_iter().map(|c| expr(l, c)).collect();
            if parts.iter().all(|p| p.as_str().is_some()) {
                // Implicit concatenation of literals is one literal.
                let value: String = parts.iter().filter_map(Expr::as_str).collect();
                let start = n.start_byte() as u32;
                k(ExprKind::Str { value, start, end: n.end_byte() as u32 })
            } else {
                k(ExprKind::Template(parts))
            }
        }
        "attribute" => {
            let obj = l.field(n, F::Object).map_or_else(|| Expr::other(vec![], pos), |o| expr(l, o));
            let attr = l.field(n, F::Attribute).map(|a| l.text(a)).unwrap_or_default();
            k(ExprKind::Member(Box::new(obj), attr))
        }
        "subscript" => {
            let obj = l.field(n, F::Value).map_or_else(|| Expr::other(vec![], pos), |o| expr(l, o));
            let subs = l.field_children(n, F::Subscript);
            let idx = match subs.as_slice() {
                [one] => expr(l, *one),
                many => Expr::other(many.iter().map(|s| expr(l, *s)).collect(), pos),
            };
            k(ExprKind::Index(Box::new(obj), Box::new(idx)))
        }
        "call" => {
            let callee = l.field(n, F::Function).map_or_else(|| Expr::other(vec![], pos), |c| expr(l, c));
            let mut args = Vec::new();
            if let Some(a) = l.field(n, F::Arguments) {
                for c in named_children(a) {
                    if c.kind() == "keyword_argument" {
                        let name = l.field(c, F::Name).map(|x| l.text(x));
                        let v = l.field(c, F::Value).map_or_else(|| Expr::other(vec![], pos), |x| expr(l, x));
                        args.push(Arg { name, value: v });
                    } else {
                        args.push(Arg::pos(expr(l, c)));
                    }
                }
            }
            k(ExprKind::Call { callee: Box::new(callee), args })
        }
        "binary_operator" => {
            let op = l.field(n, F::Operator).map(|o| l.text(o)).unwrap_or_default();
            let a = l.field(n, F::Left).map_or_else(|| Expr::other(vec![], pos), |c| expr(l, c));
            let b = l.field(n, F::Right).map_or_else(|| Expr::other(vec![], pos), |c| expr(l, c));
            // `+` and `%` build strings.
            if op == "+" || op == "%" {
                k(ExprKind::Template(vec![a, b]))
            } else {
                k(ExprKind::Binary(op, Box::new(a), Box::new(b)))
            }
        }
        "boolean_operator" => {
            let op = l.field(n, F::Operator).map(|o| l.text(o)).unwrap_or_default();
            let a = l.field(n, F::Left).map_or_else(|| Expr::other(vec![], pos), |c| expr(l, c));
            let b = l.field(n, F::Right).map_or_else(|| Expr::other(vec![], pos), |c| expr(l, c));
            k(ExprKind::Binary(op, Box::new(a), Box::new(b)))
        }
        "comparison_operator" => {
            let children = named_children(n);
            let ops: Vec<String> = {
                let mut c = n.walk();
                n.children(&mut c).filter(|x| !x.is_named()).map(|x| l.text(x)).collect()
            };
            if children.len() == 2 {
                let a = expr(l, children[0]);
                let b = expr(l, children[1]);
                let op = ops.join(" ");
                if op == "not in" {
                    return k(ExprKind::Not(Box::new(Expr::new(
                        ExprKind::Binary("in".into(), Box::new(a), Box::new(b)),
                        pos,
                    ))));
                }
                k(ExprKind::Binary(op, Box::new(a), Box::new(b)))
            } else {
                other(l, n)
            }
        }
        "not_operator" => {
            let a = l.field(n, F::Argument).map_or_else(|| Expr::other(vec![], pos), |c| expr(l, c));
            k(ExprKind::Not(Box::new(a)))
        }
        "dictionary" => {
            let mut items = Vec::new();
            for c in named_children(n) {
                match c.kind() {
                    "pair" => {
                        let key = l.field(c, F::Key).map(|x| expr(l, x));
                        let v = l.field(c, F::Value).map_or_else(|| Expr::other(vec![], pos), |x| expr(l, x));
                        let kname = key.as_ref().and_then(|e| e.as_str().map(str::to_string));
                        match kname {
                            Some(name) => items.push((Some(name), v)),
                            // A computed key: its value flows like any child.
                            None => items.push((None, Expr::other(key.into_iter().chain([v]).collect(), pos))),
                        }
                    }
                    _ => items.push((None, expr(l, c))),
                }
            }
            k(ExprKind::Object(items))
        }
        "list" | "tuple" | "set" | "expression_list" => {
            k(ExprKind::Array(named_children(n).into_iter().map(|c| expr(l, c)).collect()))
        }
        "lambda" => expr_named(l, n, ""),
        "parenthesized_expression"
        | "await"
        | "list_splat"
        | "dictionary_splat"
        | "named_expression"
        | "conditional_expression"
        | "unary_operator"
        | "list_comprehension"
        | "generator_expression"
        | "set_comprehension"
        | "dictionary_comprehension"
        | "for_in_clause"
        | "if_clause"
        | "slice"
        | "yield"
        | "keyword_argument" => {
            let children: Vec<Expr> = named_children(n).into_iter().map(|c| expr(l, c)).collect();
            if children.len() == 1 && matches!(n.kind(), "parenthesized_expression" | "await") {
                children.into_iter().next().unwrap_or_else(|| k(ExprKind::Other(vec![])))
            } else {
                k(ExprKind::Other(children))
            }
        }
        _ => other(l, n),
    }
}

/// A string: plain (a literal), or an f-string (a template of its interpolations).
fn string(l: &mut Lower<'_>, n: Node<'_>, pos: Pos) -> Expr {
    let children = named_children(n);
    let interps: Vec<Node<'_>> = children.iter().copied().filter(|c| c.kind() == "interpolation").collect();
    if interps.is_empty() {
        let content: Vec<Node<'_>> = children.iter().copied().filter(|c| c.kind() == "string_content").collect();
        let (start, end) = match (content.first(), content.last()) {
            (Some(a), Some(b)) => (a.start_byte(), b.end_byte()),
            _ => {
                // Empty string: the point after the opening quote.
                let s = children.iter().find(|c| c.kind() == "string_start").map_or(n.start_byte(), |c| c.end_byte());
                (s, s)
            }
        };
        return l.str_expr(n, start, end);
    }
    // The literal text between interpolations is kept (as written), as `'a' + x` keeps it.
    let mut at = children.iter().find(|c| c.kind() == "string_start").map_or(n.start_byte(), |c| c.end_byte());
    let end = children.iter().find(|c| c.kind() == "string_end").map_or(n.end_byte(), |c| c.start_byte());
    let mut parts = Vec::new();
    for i in interps {
        if i.start_byte() > at {
            parts.push(l.str_expr(n, at, i.start_byte()));
        }
        at = i.end_byte();
        if let Some(e) = l.field(i, F::Expression) {
            parts.push(expr(l, e));
        }
    }
    if end > at {
        parts.push(l.str_expr(n, at, end));
    }
    Expr::new(ExprKind::Template(parts), pos)
}
