//! Serverless Framework (v1–v4) `serverless.yml|yaml|json` into the model: the provider role
//! shared by the service's functions (`provider.iam.role.statements`, legacy
//! `provider.iamRoleStatements`, managed policies), roles given by ARN or name, per-function
//! roles (`role:`, serverless-iam-roles-per-function's `iamRoleStatements`), and
//! `resources.Resources` as CloudFormation, linked to the functions.
//!
//! Variables are resolved within the file (`${self:…}`, `${opt:x, 'default'}`, `${sls:stage}`);
//! external sources (`${env:}`, `${ssm:}`, `${cf:}`, `${file()}`, `${param:}`, …) stay unknown.

use super::cloudformation::Builder;
use super::policy_document::{self, Owner};
use super::values::Resolver;
use crate::loader::{Entry, Node, Value};
use crate::model::{Format, Function, Loc, Model, Origin, PolicyKind, RoleId, RoleKind, Statement};

/// Most variable resolutions nested in one value (`${self:a}` → `${self:b}` → …).
const MAX_DEPTH: usize = 8;

/// True for a Serverless Framework service file: `service` and `provider` at the top.
pub fn is_serverless(doc: &Node) -> bool {
    doc.get("service").is_some() && doc.get("provider").is_some_and(|p| p.as_map().is_some() || p.as_str().is_some())
}

pub fn build(raw: &Node, path: &str) -> Model {
    let doc = resolve_variables(raw);
    // Other providers' services get nothing AWS: their own functions and triggers only.
    let cloud = super::serverless_providers::cloud(&doc);
    if cloud != crate::model::Cloud::Aws {
        return super::serverless_providers::build(&doc, path, cloud);
    }
    let mut model = Model::new(Format::Serverless, vec![path.to_string()]);
    let res = Resolver::new(0);
    let provider = doc.get("provider");
    let mut b = Builder::new(&mut model, 0);

    // resources.Resources first: functions may name their roles.
    let resources: Vec<&Node> = match doc.get("resources") {
        Some(r) => r.one_or_many().iter().filter_map(|x| x.get("Resources")).collect(),
        None => Vec::new(),
    };
    for r in &resources {
        b.add_resources(r, None);
    }
    for r in &resources {
        b.link_managed_policy_refs(r);
    }

    // The provider-level role: given (`provider.iam.role: arn…` / legacy `provider.role`), or the
    // default role the framework creates and every function without its own role shares.
    let given =
        provider.and_then(|p| p.path(&["iam", "role"]).filter(|r| r.as_map().is_none()).or_else(|| p.get("role")));
    let given_role = given.map(|g| b.role_reference(g));
    let role_node = provider.and_then(|p| p.path(&["iam", "role"]));
    let anchor = provider
        .and_then(|p| p.entry("iam").map(|e| e.key_span).or(p.entry("iamRoleStatements").map(|e| e.key_span)))
        .or(doc.entry("provider").map(|e| e.key_span))
        .unwrap_or_default();
    let default_role = b.model.add_role("IamRoleLambdaExecution", Loc::new(0, anchor), RoleKind::ServerlessDefault);
    // v3 syntax under `provider.iam.role`, and the v1/v2 key directly under `provider`.
    let items = |role_key: &str, legacy_key: &str| -> Vec<&Node> {
        let current = role_node.and_then(|r| r.get(role_key));
        let legacy = provider.and_then(|p| p.get(legacy_key));
        current.into_iter().chain(legacy).flat_map(Node::one_or_many).collect()
    };
    let provider_statements = items("statements", "iamRoleStatements");
    add_statements(&mut b, &provider_statements, default_role, "provider role (IamRoleLambdaExecution)");
    let managed = items("managedPolicies", "iamManagedPolicies");
    for m in managed {
        let v = res.val(m);
        b.attach_managed(v, vec![default_role]);
    }

    let runtime = provider.and_then(|p| p.get("runtime"));
    let provider_env = provider.and_then(|p| p.get("environment")).and_then(Node::as_map).unwrap_or(&[]);
    let inherit_default = doc
        .path(&["custom", "serverless-iam-roles-per-function", "defaultInherit"])
        .and_then(Node::as_bool)
        .unwrap_or(false);
    for f in doc.get("functions").map(function_entries).unwrap_or_default() {
        let loc = Loc::new(0, f.key_span);
        let def = &f.value;
        let role: RoleId = if let Some(r) = def.get("role") {
            // A bare name may be the logical id of a role under `resources`.
            match r.as_str().and_then(|name| b.principals.get(name).copied()) {
                Some(id) => id,
                None => b.role_reference(r),
            }
        } else if let Some(st) = def.get("iamRoleStatements") {
            let id = b.model.add_role(format!("{} (per-function role)", f.key), loc, RoleKind::Defined);
            let items: Vec<&Node> = st.one_or_many().iter().collect();
            add_statements(&mut b, &items, id, &format!("function {} (iamRoleStatements)", f.key));
            if def.get("iamRoleStatementsInherit").and_then(Node::as_bool).unwrap_or(inherit_default) {
                add_statements(&mut b, &provider_statements, id, "provider role (inherited)");
            }
            id
        } else {
            given_role.unwrap_or(default_role)
        };
        let mut environment: Vec<(String, crate::model::Val)> =
            provider_env.iter().map(|e| (e.key.clone(), res.val(&e.value))).collect();
        for e in def.get("environment").and_then(Node::as_map).unwrap_or(&[]) {
            environment.retain(|(k, _)| k != &e.key);
            environment.push((e.key.clone(), res.val(&e.value)));
        }
        // CloudFormation in `resources` names the function by its generated logical id.
        b.functions.insert(format!("{}LambdaFunction", logical_name(&f.key)), b.model.functions.len());
        b.model.functions.push(Function {
            name: f.key.clone(),
            loc,
            role: Some(role),
            role_loc: def.get("role").map(|r| res.loc(r)),
            runtime: def.get("runtime").or(runtime).map(|n| res.val(n)),
            handler: def.get("handler").map(|n| res.val(n)),
            environment,
            package: super::package::serverless(def, &doc, &res),
            platform: Some(super::platform::serverless(provider, def, &res)),
            ..Default::default()
        });
    }
    for r in &resources {
        super::platform::link(&mut b, r);
    }
    for r in &resources {
        b.add_apis(r, None);
    }
    super::serverless_events::add(b.model, &doc, &res);
    model.link();
    model
}

/// The Serverless Framework's normalization of a function key in logical ids:
/// `create-order_v2` → `CreateDashorderUnderscorev2`.
fn logical_name(key: &str) -> String {
    let mut out = String::new();
    for (i, c) in key.chars().enumerate() {
        match c {
            '-' => out.push_str("Dash"),
            '_' => out.push_str("Underscore"),
            c if i == 0 => out.push(c.to_ascii_uppercase()),
            c => out.push(c),
        }
    }
    out
}

/// `functions` is a mapping, or (rarely) a list of mappings.
fn function_entries(node: &Node) -> Vec<&Entry> {
    match &node.value {
        Value::Map(entries) => entries.iter().collect(),
        Value::Seq(items) => items.iter().filter_map(Node::as_map).flatten().collect(),
        _ => Vec::new(),
    }
}

fn add_statements(b: &mut Builder<'_>, nodes: &[&Node], role: RoleId, name: &str) {
    let owner = Owner { kind: PolicyKind::Identity, origin: Origin::Inline, roles: vec![role], name: name.to_string() };
    for n in nodes {
        // Each item is one statement; wrap it so the document parser reads it.
        let doc = Node::new(
            n.span,
            Value::Map(vec![Entry { key: "Statement".into(), key_span: n.span, value: (*n).clone() }]),
        );
        let st: Vec<Statement> = policy_document::statements(&doc, &b.res, &owner);
        b.model.statements.extend(st);
    }
}

/// A copy of `root` with every in-file variable resolved.
pub fn resolve_variables(root: &Node) -> Node {
    let mut out = root.clone();
    resolve_node(&mut out, root, 0);
    out
}

fn resolve_node(node: &mut Node, root: &Node, depth: usize) {
    match &mut node.value {
        Value::String(s) if s.contains("${") => {
            if let Some(replacement) = resolve_string(s, root, depth) {
                let span = node.span;
                *node = replacement;
                node.span = span;
            }
        }
        Value::Seq(items) => items.iter_mut().for_each(|n| resolve_node(n, root, depth)),
        Value::Map(entries) => entries.iter_mut().for_each(|e| resolve_node(&mut e.value, root, depth)),
        _ => {}
    }
}

/// Resolves the variables of one string. A string that is exactly one variable takes the
/// variable's value (which may be a list or mapping); otherwise resolved scalars are spliced in
/// and unresolvable variables stay as written.
fn resolve_string(s: &str, root: &Node, depth: usize) -> Option<Node> {
    if depth > MAX_DEPTH {
        return None;
    }
    let mut text = s.to_string();
    let mut changed = false;
    // Innermost first: `${self:custom.${opt:stage}}`.
    for _ in 0..MAX_DEPTH {
        let Some((start, end)) = innermost_variable(&text) else { break };
        let inner = &text[start + 2..end];
        let whole = start == 0 && end + 1 == text.len();
        match resolve_expr(inner, root, depth) {
            Some(node) if whole => return Some(node),
            Some(node) => match node.scalar_text() {
                Some(v) => {
                    text = format!("{}{}{}", &text[..start], v, &text[end + 1..]);
                    changed = true;
                }
                None => break,
            },
            // Unresolvable: mark it so the loop moves on, then restore the `${` below.
            None => text = format!("{}\u{0}{{{}}}{}", &text[..start], inner, &text[end + 1..]),
        }
    }
    let text = text.replace('\u{0}', "$");
    (changed || text != s).then(|| Node::new(Default::default(), Value::String(text)))
}

/// Byte range of the first `${…}` with no `${` inside it: (index of `$`, index of `}`).
fn innermost_variable(s: &str) -> Option<(usize, usize)> {
    let mut start = None;
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'$' && b.get(i + 1) == Some(&b'{') {
            start = Some(i);
            i += 2;
            continue;
        }
        if b[i] == b'}' {
            if let Some(st) = start {
                return Some((st, i));
            }
        }
        i += 1;
    }
    None
}

/// One variable expression: comma-separated alternatives, the first resolvable one wins.
fn resolve_expr(expr: &str, root: &Node, depth: usize) -> Option<Node> {
    for alt in split_alternatives(expr) {
        let alt = alt.trim();
        if let Some(lit) = alt
            .strip_prefix('\'')
            .and_then(|a| a.strip_suffix('\''))
            .or_else(|| alt.strip_prefix('"').and_then(|a| a.strip_suffix('"')))
        {
            return Some(Node::new(Default::default(), Value::String(lit.to_string())));
        }
        if !alt.is_empty() && alt.bytes().all(|c| c.is_ascii_digit()) {
            return Some(Node::new(Default::default(), Value::Number(alt.to_string())));
        }
        let found = if let Some(path) = alt.strip_prefix("self:") {
            lookup(root, path)
        } else if alt == "sls:stage" {
            lookup(root, "provider.stage").or_else(|| Some(Node::new(Default::default(), Value::String("dev".into()))))
        } else {
            // opt: (no CLI options here), env:, ssm:, cf:, s3:, file(), param:, aws:, … are external.
            None
        };
        if let Some(mut node) = found {
            resolve_node(&mut node, root, depth + 1);
            if let Value::String(s) = &node.value {
                if s.contains("${") {
                    continue;
                }
            }
            return Some(node);
        }
    }
    None
}

fn lookup(root: &Node, path: &str) -> Option<Node> {
    let mut node = root;
    for seg in path.split('.').filter(|s| !s.is_empty()) {
        node = match &node.value {
            Value::Seq(items) => items.get(seg.parse::<usize>().ok()?)?,
            _ => node.get(seg)?,
        };
    }
    Some(node.clone())
}

/// Splits `a, b, 'c, d'` at top-level commas (not inside quotes or parentheses).
fn split_alternatives(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut quote, mut start) = (0i32, None::<char>, 0);
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => depth -= 1,
            (None, ',') if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loader::yaml::parse_one;

    #[test]
    fn variables() {
        let doc = parse_one(
            "service: s\nprovider:\n  stage: prod\ncustom:\n  bucket: b-${sls:stage}\n  actions: ['s3:GetObject']\n  env: ${opt:stage, 'dev'}\na: arn:aws:s3:::${self:custom.bucket}/*\nb: ${self:custom.actions}\nc: ${ssm:/x}\nd: ${opt:region, self:provider.region, 'eu-west-1'}\ne: ${self:custom.env}\n",
        )
        .unwrap();
        let r = resolve_variables(&doc);
        assert_eq!(r.get("a").unwrap().as_str(), Some("arn:aws:s3:::b-prod/*"));
        assert_eq!(r.get("b").unwrap().as_seq().unwrap()[0].as_str(), Some("s3:GetObject"));
        assert_eq!(r.get("c").unwrap().as_str(), Some("${ssm:/x}"));
        assert_eq!(r.get("d").unwrap().as_str(), Some("eu-west-1"));
        assert_eq!(r.get("e").unwrap().as_str(), Some("dev"));
        // Spans stay at the use site.
        assert_eq!(r.get("b").unwrap().span.start.line, 9);
    }

    #[test]
    fn alternatives() {
        assert_eq!(split_alternatives("opt:stage, 'a,b', self:x"), vec!["opt:stage", " 'a,b'", " self:x"]);
    }

    #[test]
    fn self_reference_cycle_terminates() {
        let doc = parse_one("service: s\nprovider: {}\na: ${self:b}\nb: ${self:a}\n").unwrap();
        let r = resolve_variables(&doc);
        assert!(r.get("a").unwrap().as_str().is_some());
    }
}
