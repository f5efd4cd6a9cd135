//! Literals that code assigns to names: `const DB_PASSWORD = "…"`, `API_KEY = '…'`,
//! `{ apiKey: "…" }`, `password="…"` keyword arguments, `Config { api_key: "…".into() }`.
//! The secrets engine judges them, with the name as evidence.

use super::ir::{Expr, ExprKind, FileFacts, Stmt, Target, walk_exprs, walk_stmts};
use std::ops::Range;

/// (name, byte range of the literal's value in the file).
pub fn named(facts: &FileFacts) -> Vec<(String, Range<usize>)> {
    let mut out = Vec::new();
    for func in &facts.functions {
        walk_stmts(&func.body, &mut |s| {
            if let Stmt::Assign { target, value, .. } = s {
                let name = match target {
                    Target::Name(n) => Some(n.clone()),
                    Target::Member(e) => e.path().and_then(|p| p.rsplit('.').next().map(str::to_string)),
                    _ => None,
                };
                if let (Some(n), Some(r)) = (name, literal_range(value)) {
                    out.push((n, r));
                }
            }
        });
        walk_exprs(&func.body, &mut |e| match &e.kind {
            ExprKind::Object(items) => {
                for (k, v) in items {
                    if let (Some(k), Some(r)) = (k, literal_range(v)) {
                        out.push((k.clone(), r));
                    }
                }
            }
            ExprKind::Call { args, .. } => {
                for a in args {
                    if let (Some(k), Some(r)) = (&a.name, literal_range(&a.value)) {
                        out.push((k.clone(), r));
                    }
                }
            }
            _ => {}
        });
    }
    out.sort_by(|a, b| (a.1.start, &a.0).cmp(&(b.1.start, &b.0)));
    out.dedup_by(|a, b| a.1 == b.1);
    out
}

/// The bytes of a string literal, also through `"…".to_string()`, `.into()`, `String::from("…")`.
fn literal_range(e: &Expr) -> Option<Range<usize>> {
    match &e.kind {
        ExprKind::Str { start, end, .. } if end > start => Some(*start as usize..*end as usize),
        ExprKind::Call { callee, args } => match &callee.kind {
            ExprKind::Member(obj, m)
                if args.is_empty() && matches!(m.as_str(), "to_string" | "into" | "to_owned" | "encode") =>
            {
                literal_range(obj)
            }
            ExprKind::Member(_, m) if m == "from" && args.len() == 1 => literal_range(&args[0].value),
            _ => None,
        },
        _ => None,
    }
}
