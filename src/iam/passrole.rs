//! `iam:PassRole` limited to named roles: which roles a statement lets its holder pass, and
//! whether one of them holds more than the holder. Passing a role that can do no more than the
//! function itself gains nothing; passing an administrator role to a function it creates is an
//! escalation.

use super::actions::catalog;
use super::analysis::{grants, is_baseline, is_wildcard_resource};
use super::{glob_match_ci, parse_arn};
use crate::model::{Effect, Model, PolicyKind, RoleId, RoleKind, Statement, Val};

/// A role `iam:PassRole` lets its holder pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Any role (`*`, `role/*`, a name pattern, NotResource).
    Any,
    /// A role of this model.
    Role(RoleId),
    /// A role defined elsewhere (or an unresolved value): what it holds is unknown.
    Elsewhere(String),
}

/// The roles the (Allow) statement lets its holder pass.
pub fn targets(model: &Model, s: &Statement) -> Vec<Target> {
    if s.not_resource_loc.is_some() {
        return vec![Target::Any];
    }
    let mut out = Vec::new();
    for r in &s.resources {
        let t = target(model, r);
        if let Some(t) = t.filter(|t| !out.contains(t)) {
            out.push(t);
        }
    }
    out
}

fn target(model: &Model, r: &Val) -> Option<Target> {
    if is_wildcard_resource(r) {
        return Some(Target::Any);
    }
    if let Some(id) = referenced_role(model, r) {
        return Some(Target::Role(id));
    }
    let text = match r {
        Val::Known(t, _) | Val::Partial(t, _) => t.as_str(),
        Val::Unknown(t, _) => return Some(Target::Elsewhere(t.clone())),
    };
    let Some(arn) = parse_arn(text) else { return Some(Target::Elsewhere(text.to_string())) };
    if !arn.service.contains("${") && !glob_match_ci(arn.service, "iam") {
        // Not a role: passing it grants nothing.
        return None;
    }
    if arn.resource.contains("${") {
        return Some(Target::Elsewhere(text.to_string()));
    }
    let Some(path) = arn.resource.strip_prefix("role/") else {
        // `arn:aws:iam::1:*`, `arn:aws:iam::1:role*`: any role; `user/x`: none.
        return arn
            .resource
            .starts_with(['*', '?'])
            .then_some(Target::Any)
            .or_else(|| arn.resource.to_ascii_lowercase().starts_with("role").then_some(Target::Any));
    };
    let name = path.rsplit('/').next().unwrap_or(path);
    if path.contains(['*', '?']) {
        return Some(Target::Any);
    }
    // An account other than an unresolved or this one still names a role we cannot see; the
    // name alone is the best evidence that it is one of ours.
    match model.roles.iter().position(|x| {
        x.noun == "role"
            && x.kind != RoleKind::External
            && (x.physical_name.as_deref() == Some(name) || x.physical_name.is_none() && x.name == name)
    }) {
        Some(id) => Some(Target::Role(id)),
        None => Some(Target::Elsewhere(text.to_string())),
    }
}

/// The role a value refers to by logical id or resource address: `!GetAtt Role.Arn`,
/// `!Ref Role`, `${Role.Arn}`, `${aws_iam_role.worker.arn}`.
fn referenced_role(model: &Model, r: &Val) -> Option<RoleId> {
    let text = r.display().trim();
    let inner = if let Some(rest) = text.strip_prefix("!GetAtt ").or_else(|| text.strip_prefix("!Ref ")) {
        rest
    } else {
        text.strip_prefix("${").and_then(|t| t.strip_suffix('}')).filter(|t| !t.contains("${"))?
    };
    let name = match inner.strip_prefix("aws_iam_role.") {
        Some(tf) => tf.split('.').next()?,
        None => inner.split('.').next()?,
    };
    model.roles.iter().position(|x| x.noun == "role" && x.kind != RoleKind::External && x.name == name)
}

/// Does role `target` hold something the `holders` (the roles of the statement that lets them
/// pass it) do not? Logging, X-Ray and VPC network interfaces (what every function holds) do
/// not count. What slsguard cannot read (an unresolved action) counts as more.
pub fn holds_more(model: &Model, target: RoleId, holders: &[RoleId]) -> bool {
    if holders.contains(&target) {
        return false;
    }
    let allows = |role: RoleId| {
        model.statements.iter().filter(move |s| {
            s.kind == PolicyKind::Identity && s.effect == Some(Effect::Allow) && s.roles.contains(&role)
        })
    };
    let holder_grants = |action: &str, resource: &Val| {
        holders.iter().flat_map(|h| allows(*h)).any(|h| {
            grants(h, action).is_some()
                && (h.not_resource_loc.is_some()
                    || h.resources.iter().any(|hr| {
                        is_wildcard_resource(hr)
                            || hr.display() == resource.display()
                            || hr.known().zip(resource.known()).is_some_and(|(p, t)| glob_match_ci(p, t))
                    }))
        })
    };
    let star = Val::Known("*".into(), Default::default());
    for s in allows(target) {
        let resources: Vec<&Val> = if s.not_resource_loc.is_some() || s.resources.is_empty() {
            vec![&star]
        } else {
            s.resources.iter().collect()
        };
        if s.not_action_loc.is_some() {
            if !resources.iter().all(|r| holder_grants("*", r)) {
                return true;
            }
            continue;
        }
        for a in &s.actions {
            let Some(pattern) = a.known() else { return true };
            let expanded = catalog().expand(pattern);
            if pattern.chars().all(|c| c == '*') || pattern == "*:*" {
                if !resources.iter().all(|r| holder_grants("*", r)) {
                    return true;
                }
                continue;
            }
            for act in expanded.iter().filter(|x| !is_baseline(&x.full())) {
                let full = act.full();
                if !resources.iter().all(|r| holder_grants(&full, r)) {
                    return true;
                }
            }
        }
    }
    false
}
