//! Fixes for the diff rules' SARIF results: a statement written in the scanned manifest (YAML)
//! that grants its function more than the code needs is replaced by the least-privilege
//! statements of [`super::policy`] that it grants. Offered only where the replacement is sure to
//! be what the role needs: the role serves this one function, every call of its code is
//! resolved, and what Lambda itself may use from the statement (event-source polling,
//! destinations, X-Ray, VPC interfaces, as far as the function's triggers and settings need it;
//! see [`crate::iam::lambda::lambda_needs`]) is kept unless the deploy tool adds it to the role it
//! generates (SAM, the Serverless Framework's default role).

use super::Needs;
use super::policy::{self, PolicyStatement};
use super::resources::Resource;
use crate::iam::analysis::{self, EVENT_SOURCE_POLLING, EXECUTION_BASELINE};
use crate::iam::lambda::{LAMBDA_OWN, lambda_needs};
use crate::model::{Effect, Format, Model, Origin, Platform, PolicyKind, RoleKind, Statement};
use crate::source::Span;

/// A replacement of one statement's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    pub path: String,
    /// The statement, from its first key to the next token after it.
    pub region: Span,
    pub inserted: String,
    pub description: String,
}

impl Fix {
    /// Is this the fix of a finding of `rule_id` at `path` and `at`?
    pub fn applies(&self, rule_id: &str, path: &str, at: Span) -> bool {
        matches!(
            rule_id,
            "iam-unused-permission"
                | "iam-unscoped-resource"
                | "iam-wildcard-resource"
                | "iam-sensitive-wildcard-resource"
        ) && path == self.path
            && self.region.start <= at.start
            && at.start < self.region.end
    }
}

/// The fixes of every function of `models`; `text` gives a manifest's text by path.
pub fn fixes<'t>(models: &[Model], needs: &[Vec<Needs>], text: &dyn Fn(&str) -> Option<&'t str>) -> Vec<Fix> {
    let mut out = Vec::new();
    for (m, n) in models.iter().zip(needs) {
        if !matches!(m.format, Format::Serverless | Format::Sam | Format::CloudFormation) {
            continue;
        }
        for (f, need) in m.functions.iter().zip(n) {
            let Needs::Known { calls, unresolved } = need else { continue };
            let Some(role) = f.role else { continue };
            let kind = m.roles.get(role).map_or(RoleKind::External, |r| r.kind.clone());
            let external = kind == RoleKind::External;
            // SAM and the Serverless Framework add what the function's events, destinations,
            // tracing and VPC need to the roles they generate: an inline statement need not.
            let generated = matches!(kind, RoleKind::SamGenerated | RoleKind::ServerlessDefault);
            // A role several functions share needs what all of them call.
            if external || !unresolved.is_empty() || m.functions.iter().filter(|g| g.role == Some(role)).count() != 1 {
                continue;
            }
            let stmts: Vec<&Statement> =
                m.statements.iter().filter(|s| s.kind == PolicyKind::Identity && s.roles.contains(&role)).collect();
            let own = super::resources::polling(m, f).unwrap_or_default();
            let suggested = policy::statements(calls, &f.environment, &own);
            // Each suggested statement replaces the first written statement granting all of it.
            let mut assigned: Vec<Vec<PolicyStatement>> = vec![Vec::new(); stmts.len()];
            for p in &suggested {
                let first = stmts
                    .iter()
                    .position(|s| rewritable(s) && p.actions.iter().all(|a| analysis::grants(s, a).is_some()));
                if let Some(i) = first {
                    assigned[i].push(p.clone());
                }
            }
            for (s, items) in stmts.iter().zip(assigned) {
                if items.is_empty() {
                    continue;
                }
                let path = m.path(s.loc.file);
                if !(path.ends_with(".yml") || path.ends_with(".yaml")) {
                    continue;
                }
                let Some(t) = text(path) else { continue };
                let serverless = m.format == Format::Serverless;
                if let Some(fix) = one(s, items, (generated, f.platform.as_ref()), serverless, path, t, &f.name) {
                    out.push(fix);
                }
            }
        }
    }
    out
}

/// Written in the manifest, allowing, with nothing a replacement could lose (conditions,
/// NotAction / NotResource, an `Fn::If` branch).
fn rewritable(s: &Statement) -> bool {
    s.origin == Origin::Inline
        && s.effect == Some(Effect::Allow)
        && s.not_action_loc.is_none()
        && s.not_resource_loc.is_none()
        && s.conditions.is_empty()
        && !s.conditional
}

fn one(
    s: &Statement,
    items: Vec<PolicyStatement>,
    (generated, platform): (bool, Option<&Platform>),
    serverless: bool,
    path: &str,
    text: &str,
    function: &str,
) -> Option<Fix> {
    let span = s.loc.span;
    // A block mapping that is an item of a list (`- Effect: Allow` …), ending on a later line.
    if span.end.line <= span.start.line {
        return None;
    }
    let line = text.lines().nth(span.start.line.checked_sub(1)? as usize)?;
    let before: String = line.chars().take(span.start.column.checked_sub(1)? as usize).collect();
    let dash = before.trim_end().strip_suffix('-')?;
    if !dash.chars().all(|c| c == ' ') {
        return None;
    }
    // What Lambda itself may use from this statement stays, on the resources it had.
    let mut own: Vec<String> = EXECUTION_BASELINE
        .iter()
        .chain(EVENT_SOURCE_POLLING)
        .chain(LAMBDA_OWN)
        .filter(|a| !generated || a.eq_ignore_ascii_case("kms:Decrypt"))
        .filter(|a| lambda_needs(a, platform))
        .filter(|a| analysis::grants(s, a).is_some())
        .filter(|a| !items.iter().any(|p| p.actions.iter().any(|x| x.eq_ignore_ascii_case(a))))
        .map(|a| a.to_string())
        .collect();
    let indent = " ".repeat(dash.len());
    let body = policy::yaml_items(&items, &indent, serverless);
    let mut inserted = body.strip_prefix(&format!("{indent}- "))?.to_string();
    if !own.is_empty() {
        if !s.resources.iter().all(|r| r.known() == Some("*")) {
            return None;
        }
        own.sort();
        own.dedup();
        inserted.push_str(&format!(
            "{indent}# Lambda itself may use these (event sources, destinations, tracing, VPC): keep what the function's triggers and settings need\n"
        ));
        let kept = PolicyStatement { actions: own, resources: vec![Resource::Any], sites: Vec::new() };
        inserted.push_str(&policy::yaml_items(&[kept], &indent, serverless));
    }
    // The region ends where the next token starts: it keeps its column.
    inserted.push_str(&" ".repeat(span.end.column.saturating_sub(1) as usize));
    Some(Fix {
        path: path.to_string(),
        region: span,
        inserted,
        description: format!(
            "Grant only what the code of `{function}` calls, on the resources it touches (`slsguard policy {function}`)"
        ),
    })
}
