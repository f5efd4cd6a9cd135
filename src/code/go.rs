//! Go (tree-sitter's official grammar) into code facts. Imports bind the package's last path
//! element (or the alias), so `exec.Command` resolves to `os/exec.Command`; composite literals
//! (`tls.Config{InsecureSkipVerify: true}`) are calls of their type with one object argument.

use super::Language;
use super::ir::{Arg, Expr, ExprKind, FileFacts, Import, ImportKind, Param, Pos, Problem, Stmt, Target};
use super::ts::{self, F, Lower, named_children};
use tree_sitter::Node;

pub fn lower(path: &str, text: &[u8]) -> FileFacts {
    let mut l = Lower::new(path, Language::Go, text);
    match ts::parse(Language::Go, text) {
        Ok(tree) => {
            let root = tree.root_node();
            l.syntax_errors(root, "Go");
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
        "package_clause" => {
            l.facts.package = named_children(n).first().map(|p| l.text(*p));
        }
        "import_declaration" | "import_spec_list" => {
            for c in named_children(n) {
                stmt(l, c, out);
            }
        }
        "import_spec" => {
            let Some(path) = l.field(n, F::Path) else { return };
            let module = l.text(path).trim_matches(|c| c == '"' || c == '`').to_string();
            let local = match l.field(n, F::Name) {
                Some(name) => l.text(name),
                // The package name is, by convention, the last path element (minus a major
                // version suffix such as `/v2`).
                None => {
                    let mut parts = module.rsplit('/');
                    let last = parts.next().unwrap_or("");
                    let last =
                        if last.len() > 1 && last.starts_with('v') && last[1..].bytes().all(|b| b.is_ascii_digit()) {
                            parts.next().unwrap_or(last)
                        } else {
                            last
                        };
                    last.trim_start_matches("go-").replace('-', "_")
                }
            };
            l.facts.imports.push(Import { module, names: vec![("*".into(), local)], pos, kind: ImportKind::Import });
        }
        "function_declaration" | "method_declaration" => {
            let mut name = l.field(n, F::Name).map(|x| l.text(x)).unwrap_or_default();
            if let Some(recv) = l.field(n, F::Receiver) {
                let ty = named_children(recv)
                    .first()
                    .and_then(|p| l.field(*p, F::Type))
                    .map(|t| l.text(t).trim_start_matches('*').to_string())
                    .unwrap_or_default();
                name = format!("{ty}.{name}");
            }
            let id = function(l, n, name);
            out.push(Stmt::Def(id));
        }
        "var_declaration" | "const_declaration" | "var_spec_list" => {
            for c in named_children(n) {
                stmt(l, c, out);
            }
        }
        "var_spec" | "const_spec" => {
            let names: Vec<Target> = l
                .field_children(n, F::Name)
                .into_iter()
                .filter(|x| x.kind() == "identifier")
                .map(|x| Target::Name(l.text(x)))
                .collect();
            let Some(value) = l.field(n, F::Value) else { return };
            let values = named_children(value);
            if names.len() == values.len() {
                for (t, v) in names.into_iter().zip(values) {
                    let fname = t.names().first().map(|s| s.to_string()).unwrap_or_default();
                    let value = expr_named(l, v, &fname);
                    out.push(Stmt::Assign { target: t, value, pos });
                }
            } else {
                let value = list(l, value);
                out.push(Stmt::Assign {
                    target: Target::Destructure(names.into_iter().map(|t| (None, t)).collect()),
                    value,
                    pos,
                });
            }
        }
        "short_var_declaration" | "assignment_statement" => {
            let (Some(left), Some(right)) = (l.field(n, F::Left), l.field(n, F::Right)) else {
                return;
            };
            let lefts = named_children(left);
            let rights = named_children(right);
            let op = l.field(n, F::Operator).map(|o| l.text(o)).unwrap_or_default();
            if lefts.len() == rights.len() {
                for (a, b) in lefts.into_iter().zip(rights) {
                    let fname = if a.kind() == "identifier" { l.text(a) } else { String::new() };
                    let mut value = expr_named(l, b, &fname);
                    if op.len() == 2 && op.ends_with('=') {
                        let old = expr(l, a);
                        value = Expr::new(ExprKind::Template(vec![old, value]), pos);
                    }
                    let target = target(l, a);
                    out.push(Stmt::Assign { target, value, pos });
                }
            } else {
                let value = list(l, right);
                let targets = lefts.into_iter().map(|a| (None, target(l, a))).collect();
                out.push(Stmt::Assign { target: Target::Destructure(targets), value, pos });
            }
        }
        "expression_statement"
        | "defer_statement"
        | "go_statement"
        | "send_statement"
        | "inc_statement"
        | "dec_statement" => {
            for c in named_children(n) {
                let e = expr(l, c);
                out.push(Stmt::Expr(e));
            }
        }
        "return_statement" => {
            let e = named_children(n).first().map(|c| list(l, *c));
            out.push(Stmt::Return(e, pos));
        }
        "break_statement" | "continue_statement" | "goto_statement" | "fallthrough_statement" => {
            out.push(Stmt::Jump(pos))
        }
        "if_statement" => {
            let mut pre = Vec::new();
            if let Some(init) = l.field(n, F::Initializer) {
                stmt(l, init, &mut pre);
            }
            let cond = l.field(n, F::Condition).map_or_else(|| Expr::other(vec![], pos), |c| expr(l, c));
            let then = block(l, l.field(n, F::Consequence));
            let els = match l.field(n, F::Alternative) {
                Some(a) if a.kind() == "if_statement" => {
                    let mut v = Vec::new();
                    stmt(l, a, &mut v);
                    v
                }
                a => block(l, a),
            };
            out.extend(pre);
            out.push(Stmt::If { cond, then, els });
        }
        "for_statement" => {
            let mut bind = None;
            let mut body = Vec::new();
            for c in named_children(n) {
                match c.kind() {
                    "range_clause" => {
                        let t = l.field(c, F::Left).map_or(Target::Ignore, |x| {
                            let items = named_children(x);
                            Target::Destructure(items.into_iter().map(|i| (None, target(l, i))).collect())
                        });
                        let it = l.field(c, F::Right).map_or_else(|| Expr::other(vec![], pos), |x| expr(l, x));
                        bind = Some((t, it));
                    }
                    "for_clause" => {
                        for f in named_children(c) {
                            stmt(l, f, &mut body);
                        }
                    }
                    "block" => body.extend(stmts(l, c)),
                    _ => body.push(Stmt::Expr(expr(l, c))),
                }
            }
            out.push(Stmt::Loop { bind, body });
        }
        "expression_switch_statement" | "type_switch_statement" | "select_statement" => {
            let mut body = Vec::new();
            if let Some(init) = l.field(n, F::Initializer) {
                stmt(l, init, &mut body);
            }
            if let Some(v) = l.field(n, F::Value) {
                body.push(Stmt::Expr(expr(l, v)));
            }
            for c in named_children(n) {
                if matches!(c.kind(), "expression_case" | "default_case" | "type_case" | "communication_case") {
                    let case = stmts(l, c);
                    // Each case is a branch: an `if` with an unknown condition.
                    body.push(Stmt::If { cond: Expr::other(vec![], l.pos(c)), then: case, els: Vec::new() });
                }
            }
            out.push(Stmt::Block(body));
        }
        "block" | "statement_list" | "labeled_statement" | "source_file" | "ERROR" => {
            out.push(Stmt::Block(stmts(l, n)))
        }
        "comment" | "type_declaration" | "empty_statement" | "package_identifier" => {}
        _ => {
            let e = expr(l, n);
            out.push(Stmt::Expr(e));
        }
    }
}

fn target(l: &mut Lower<'_>, n: Node<'_>) -> Target {
    match n.kind() {
        "identifier" if l.text(n) == "_" => Target::Ignore,
        "identifier" => Target::Name(l.text(n)),
        "selector_expression" | "index_expression" => Target::Member(expr(l, n)),
        "parenthesized_expression" => named_children(n).first().map_or(Target::Ignore, |c| target(l, *c)),
        _ => Target::Ignore,
    }
}

/// An expression list: one expression, or an array of them.
fn list(l: &mut Lower<'_>, n: Node<'_>) -> Expr {
    if n.kind() != "expression_list" {
        return expr(l, n);
    }
    let items = named_children(n);
    if items.len() == 1 {
        return expr(l, items[0]);
    }
    let pos = l.pos(n);
    Expr::new(ExprKind::Array(items.into_iter().map(|c| expr(l, c)).collect()), pos)
}

fn function(l: &mut Lower<'_>, n: Node<'_>, name: String) -> usize {
    let pos = l.pos(n);
    let (id, outer) = l.begin_func(name, pos);
    let mut params = Vec::new();
    if let Some(p) = l.field(n, F::Parameters) {
        for decl in named_children(p) {
            let ty = l.field(decl, F::Type).map(|t| l.text(t));
            let names = l.field_children(decl, F::Name);
            if names.is_empty() {
                params.push(Param { target: Target::Ignore, ty: ty.clone(), pos: l.pos(decl) });
            }
            for nm in names {
                params.push(Param { target: Target::Name(l.text(nm)), ty: ty.clone(), pos: l.pos(nm) });
            }
        }
    }
    l.func(id).params = params;
    let body = block(l, l.field(n, F::Body));
    l.func(id).body = body;
    l.end_func(outer);
    id
}

fn expr_named(l: &mut Lower<'_>, n: Node<'_>, name: &str) -> Expr {
    if n.kind() == "func_literal" {
        let pos = l.pos(n);
        let id = function(l, n, name.to_string());
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
    match n.kind() {
        "identifier" | "field_identifier" | "package_identifier" | "type_identifier" => k(ExprKind::Name(l.text(n))),
        "true" => k(ExprKind::Bool(true)),
        "false" => k(ExprKind::Bool(false)),
        "nil" => k(ExprKind::Null),
        "int_literal" | "float_literal" | "imaginary_literal" | "rune_literal" => k(ExprKind::Number(l.text(n))),
        "interpreted_string_literal" | "raw_string_literal" => {
            let (s, e) = (n.start_byte() + 1, n.end_byte().saturating_sub(1).max(n.start_byte() + 1));
            l.str_expr(n, s, e)
        }
        "selector_expression" | "qualified_type" => {
            let (obj, field) = if n.kind() == "qualified_type" {
                (l.field(n, F::Package), l.field(n, F::Name))
            } else {
                (l.field(n, F::Operand), l.field(n, F::Field))
            };
            let obj = obj.map_or_else(|| Expr::other(vec![], pos), |o| expr(l, o));
            let field = field.map(|f| l.text(f)).unwrap_or_default();
            k(ExprKind::Member(Box::new(obj), field))
        }
        "index_expression" => {
            let obj = l.field(n, F::Operand).map_or_else(|| Expr::other(vec![], pos), |o| expr(l, o));
            let idx = l.field(n, F::Index).map_or_else(|| Expr::other(vec![], pos), |i| expr(l, i));
            k(ExprKind::Index(Box::new(obj), Box::new(idx)))
        }
        "call_expression" => {
            let callee = l.field(n, F::Function).map_or_else(|| Expr::other(vec![], pos), |c| expr(l, c));
            let args = l
                .field(n, F::Arguments)
                .map(|a| named_children(a).into_iter().map(|c| Arg::pos(expr(l, c))).collect())
                .unwrap_or_default();
            // `fmt.Sprintf(format, args…)` builds a string from its arguments.
            k(ExprKind::Call { callee: Box::new(callee), args })
        }
        "type_conversion_expression" => {
            let callee = l.field(n, F::Type).map_or_else(|| Expr::other(vec![], pos), |c| expr(l, c));
            let arg = l.field(n, F::Operand).map_or_else(|| Expr::other(vec![], pos), |c| expr(l, c));
            k(ExprKind::Call { callee: Box::new(callee), args: vec![Arg::pos(arg)] })
        }
        "composite_literal" => {
            let ty = l.field(n, F::Type).map_or_else(|| Expr::other(vec![], pos), |t| expr(l, t));
            let body = l.field(n, F::Body).map_or_else(|| Expr::other(vec![], pos), |b| literal_value(l, b));
            k(ExprKind::Call { callee: Box::new(ty), args: vec![Arg::pos(body)] })
        }
        "literal_value" => literal_value(l, n),
        "pointer_type" | "generic_type" | "slice_type" | "array_type" | "map_type" => {
            // `&T{…}` and generic types: the named type.
            match named_children(n).first() {
                Some(c) => expr(l, *c),
                None => k(ExprKind::Other(vec![])),
            }
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
            let a = l.field(n, F::Operand).map_or_else(|| Expr::other(vec![], pos), |c| expr(l, c));
            if op == "!" {
                k(ExprKind::Not(Box::new(a)))
            } else {
                // `&x`, `*x`, `<-ch`: the value itself.
                a
            }
        }
        "func_literal" => expr_named(l, n, ""),
        "parenthesized_expression" | "literal_element" | "variadic_argument" => match named_children(n).first() {
            Some(c) => expr(l, *c),
            None => k(ExprKind::Other(vec![])),
        },
        _ => k(ExprKind::Other(named_children(n).into_iter().map(|c| expr(l, c)).collect())),
    }
}

/// `{Key: v, …}` as an object; `{a, b}` as an array.
fn literal_value(l: &mut Lower<'_>, n: Node<'_>) -> Expr {
    let pos = l.pos(n);
    let children = named_children(n);
    if children.iter().any(|c| c.kind() == "keyed_element") {
        let mut items = Vec::new();
        for c in children {
            if c.kind() == "keyed_element" {
                let key = l.field(c, F::Key).map(|k| l.text(k).trim_matches('"').to_string());
                let v = l.field(c, F::Value).map_or_else(|| Expr::other(vec![], pos), |v| expr(l, v));
                items.push((key, v));
            } else {
                items.push((None, expr(l, c)));
            }
        }
        return Expr::new(ExprKind::Object(items), pos);
    }
    Expr::new(ExprKind::Array(children.into_iter().map(|c| expr(l, c)).collect()), pos)
}
