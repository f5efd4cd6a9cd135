//! IAM policy documents (`{Version, Statement}`) into model statements, wherever they are
//! written: inline in a template, as a JSON string in one, in a standalone `.json` file, or
//! produced by a SAM policy template or an AWS managed policy.

use super::values::Resolver;
use crate::loader::{self, Node, Value};
use crate::model::{Condition, Effect, Loc, Origin, PolicyKind, Principal, RoleId, Statement};

/// Who a document's statements belong to.
#[derive(Debug, Clone)]
pub struct Owner {
    pub kind: PolicyKind,
    pub origin: Origin,
    pub roles: Vec<RoleId>,
    /// Name for messages (`role LambdaRole`, `policy AdminPolicy`).
    pub name: String,
}

/// The statements of the document at `doc` (a mapping, or a JSON string holding one).
pub fn statements(doc: &Node, res: &Resolver, owner: &Owner) -> Vec<Statement> {
    match &doc.value {
        Value::String(s) if s.trim_start().starts_with('{') => {
            // A document written as a JSON string: its inner positions are not the file's, so every
            // value points at the string itself.
            match loader::json::parse(s) {
                Ok(mut inner) => {
                    relocate(&mut inner, doc.span);
                    statements(&inner, res, owner)
                }
                Err(_) => Vec::new(),
            }
        }
        Value::Map(_) => match doc.get("Statement") {
            Some(st) => statement_nodes(st, false)
                .into_iter()
                .map(|(n, conditional)| {
                    let mut s = statement(n, res, owner);
                    s.conditional = conditional;
                    s
                })
                .collect(),
            None => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// `Statement` is one statement or a list; `Fn::If` items contribute both branches, marked
/// conditional.
fn statement_nodes(node: &Node, conditional: bool) -> Vec<(&Node, bool)> {
    let mut out = Vec::new();
    for item in node.one_or_many() {
        match item.as_map() {
            Some([e]) if e.key == "Fn::If" => {
                for branch in e.value.as_seq().unwrap_or(&[]).iter().skip(1) {
                    out.extend(statement_nodes(branch, true));
                }
            }
            // `!Ref AWS::NoValue` (the empty branch of an `Fn::If`).
            Some([e]) if e.key == "Ref" => {}
            Some(_) => out.push((item, conditional)),
            None => {}
        }
    }
    out
}

/// Sets every span in `node` to `span`.
pub fn relocate(node: &mut Node, span: crate::source::Span) {
    node.span = span;
    match &mut node.value {
        Value::Seq(items) => items.iter_mut().for_each(|n| relocate(n, span)),
        Value::Map(entries) => {
            for e in entries {
                e.key_span = span;
                relocate(&mut e.value, span);
            }
        }
        _ => {}
    }
}

fn statement(node: &Node, res: &Resolver, owner: &Owner) -> Statement {
    let mut s = Statement::new(res.loc(node), owner.kind, owner.origin.clone(), owner.name.clone());
    s.roles = owner.roles.clone();
    s.sid = node.get("Sid").and_then(Node::scalar_text).map(|c| c.into_owned());
    s.effect = node.get("Effect").and_then(|e| res.val(e).known().map(str::to_string)).and_then(|e| {
        if e.eq_ignore_ascii_case("allow") {
            Some(Effect::Allow)
        } else if e.eq_ignore_ascii_case("deny") {
            Some(Effect::Deny)
        } else {
            None
        }
    });
    let list = |key: &str| node.get(key).map(|n| res.vals(n)).unwrap_or_default();
    s.actions = list("Action");
    s.not_actions = list("NotAction");
    s.resources = list("Resource");
    s.not_resources = list("NotResource");
    s.not_action_loc = node.entry("NotAction").map(|e| Loc::new(res.file, e.key_span));
    s.not_resource_loc = node.entry("NotResource").map(|e| Loc::new(res.file, e.key_span));
    if let Some(p) = node.get("Principal") {
        s.principals = principals(p, res);
    }
    if let Some(p) = node.get("NotPrincipal") {
        s.not_principals = principals(p, res);
    }
    if let Some(c) = node.get("Condition") {
        s.conditions = conditions(c, res);
    }
    s
}

pub fn principals(node: &Node, res: &Resolver) -> Vec<Principal> {
    match &node.value {
        Value::String(_) | Value::Number(_) => {
            let value = res.val(node);
            // Only `"*"` may stand alone; anything else is read as an AWS principal.
            let kind = if value.is_known("*") { "*" } else { "AWS" };
            vec![Principal { kind: kind.into(), value }]
        }
        Value::Map(entries) => entries
            .iter()
            .filter(|e| !e.key.starts_with("Fn::") && e.key != "Ref")
            .flat_map(|e| res.vals(&e.value).into_iter().map(|v| Principal { kind: e.key.clone(), value: v }))
            .collect(),
        Value::Seq(items) => items.iter().flat_map(|i| principals(i, res)).collect(),
        _ => Vec::new(),
    }
}

fn conditions(node: &Node, res: &Resolver) -> Vec<Condition> {
    let mut out = Vec::new();
    for op in node.as_map().unwrap_or(&[]) {
        for k in op.value.as_map().unwrap_or(&[]) {
            out.push(Condition { operator: op.key.clone(), key: k.key.clone(), values: res.vals(&k.value) });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loader::yaml::parse_one;

    fn owner() -> Owner {
        Owner { kind: PolicyKind::Identity, origin: Origin::Inline, roles: Vec::new(), name: "policy P".into() }
    }

    #[test]
    fn yaml_document() {
        let doc = parse_one(
            "Version: '2012-10-17'\nStatement:\n  - Effect: Allow\n    Action: ['s3:*', !Ref A]\n    Resource: '*'\n  - Effect: Deny\n    NotAction: iam:*\n    NotResource: x\n",
        )
        .unwrap();
        let st = statements(&doc, &Resolver::new(0), &owner());
        assert_eq!(st.len(), 2);
        assert_eq!(st[0].effect, Some(Effect::Allow));
        assert_eq!(st[0].actions.len(), 2);
        assert_eq!(st[0].loc.span.start.line, 3);
        assert!(st[1].not_action_loc.is_some() && st[1].not_resource_loc.is_some());
    }

    #[test]
    fn json_string_document() {
        let doc = parse_one("D: >\n  {\"Statement\": {\"Effect\": \"Allow\", \"Principal\": {\"AWS\": \"*\"}, \"Action\": \"sts:AssumeRole\"}}\n").unwrap();
        let st = statements(doc.get("D").unwrap(), &Resolver::new(0), &owner());
        assert_eq!(st.len(), 1);
        assert_eq!(st[0].principals[0].kind, "AWS");
        // Inside a JSON string, everything points at the string (a block scalar starts at its `>`).
        assert_eq!(st[0].loc.span.start, crate::source::Position::new(1, 4));
    }

    #[test]
    fn principal_forms() {
        let doc = parse_one("a: '*'\nb: {Service: [lambda.amazonaws.com, !Ref X]}\n").unwrap();
        let r = Resolver::new(0);
        assert_eq!(principals(doc.get("a").unwrap(), &r)[0].kind, "*");
        let b = principals(doc.get("b").unwrap(), &r);
        assert_eq!(b.len(), 2);
        assert_eq!(b[0].kind, "Service");
    }
}
