//! Model matchers: a rule over one kind of model entity, a conjunction of conditions on its
//! fields (see [`crate::entities::FIELDS`]), where the finding points, and a message template.
//!
//! ```yaml
//! matcher:
//!   model:
//!     entity: statement
//!     where: {effect: Allow, kind: identity, action_wildcard: true}
//!     at: action_wildcard
//!     message: '{subject} may perform every AWS action'
//! ```

use crate::entities::{Context, EntityKind, FieldType, FieldValue, field_type};
use crate::finding::{self, Finding, Location, Related};
use crate::rules::Rule;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSpec {
    /// `statement`, `role`, `managed_policy` or `sam_template`.
    pub entity: String,
    /// Field → expected value; every condition must hold. `true`/`false`: the field is (not)
    /// set, non-empty, non-zero; a string or list of strings: the field (a text) is one of them,
    /// or (a list) contains one of them, ignoring case; `{min: N}` / `{max: N}` for numbers;
    /// `{not: …}` negates.
    #[serde(rename = "where", default)]
    pub conditions: BTreeMap<String, serde_json::Value>,
    /// The list field whose first item's location the finding points at (default: the entity).
    #[serde(default)]
    pub at: Option<String>,
    /// A field that, when set, makes the finding one severity level lower than the rule's (a
    /// grant that a condition narrows without removing it).
    #[serde(default)]
    pub lower_when: Option<String>,
    /// A list field whose items' locations become the finding's related locations (default: the
    /// functions that receive the entity through a role).
    #[serde(default)]
    pub related: Option<String>,
    /// The finding's message; `{field}` is replaced by the field's value.
    pub message: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Cond {
    Truthy(bool),
    AnyOf(Vec<String>),
    Equals(i64),
    Min(i64),
    Max(i64),
    Not(Box<Cond>),
}

#[derive(Debug, Clone)]
enum Segment {
    Text(String),
    Field(String),
}

#[derive(Debug, Clone)]
pub struct CompiledModel {
    pub entity: EntityKind,
    conds: Vec<(String, Cond)>,
    at: Option<String>,
    lower_when: Option<String>,
    related: Option<String>,
    message: Vec<Segment>,
}

impl CompiledModel {
    /// Validates a spec against the field registry. Errors name the offending key.
    pub fn compile(spec: &ModelSpec) -> Result<Self, (&'static str, String)> {
        let entity = EntityKind::parse(&spec.entity).ok_or_else(|| {
            let all: Vec<&str> = EntityKind::ALL.iter().map(|k| k.name()).collect();
            ("entity", format!("unknown entity `{}` (one of: {})", spec.entity, all.join(", ")))
        })?;
        let known = |field: &str, key: &'static str| -> Result<FieldType, (&'static str, String)> {
            field_type(entity, field).ok_or_else(|| {
                (
                    key,
                    format!(
                        "`{}` has no field `{field}` (fields: {})",
                        entity.name(),
                        crate::entities::field_names(entity).join(", ")
                    ),
                )
            })
        };
        let mut conds = Vec::new();
        for (field, value) in &spec.conditions {
            let ty = known(field, "where")?;
            conds.push((field.clone(), parse_cond(value, ty).map_err(|m| ("where", format!("`{field}`: {m}")))?));
        }
        if let Some(at) = &spec.at {
            if known(at, "at")? != FieldType::List {
                return Err((
                    "at",
                    format!("`at: {at}` must name a list field (its items know where they were written)"),
                ));
            }
        }
        if let Some(related) = &spec.related {
            if known(related, "related")? != FieldType::List {
                return Err((
                    "related",
                    format!("`related: {related}` must name a list field (its items know where they were written)"),
                ));
            }
        }
        if let Some(lower) = &spec.lower_when {
            known(lower, "lower_when")?;
        }
        let mut message = Vec::new();
        let mut rest = spec.message.as_str();
        while let Some(i) = rest.find('{') {
            let Some(j) = rest[i..].find('}') else { break };
            message.push(Segment::Text(rest[..i].to_string()));
            let name = &rest[i + 1..i + j];
            known(name, "message")?;
            message.push(Segment::Field(name.to_string()));
            rest = &rest[i + j + 1..];
        }
        message.push(Segment::Text(rest.to_string()));
        Ok(Self {
            entity,
            conds,
            at: spec.at.clone(),
            lower_when: spec.lower_when.clone(),
            related: spec.related.clone(),
            message,
        })
    }

    /// Findings of `rule` on one model. Entities that yield the same message at the same place
    /// (functions that share one provider-level setting) make one finding.
    pub fn evaluate(&self, rule: &Rule, ctx: &Context<'_>) -> Vec<Finding> {
        let mut out: Vec<Finding> = Vec::new();
        for i in 0..ctx.count(self.entity) {
            if !self.conds.iter().all(|(f, c)| holds(c, &ctx.field(self.entity, i, f))) {
                continue;
            }
            let message: String = self
                .message
                .iter()
                .map(|s| match s {
                    Segment::Text(t) => t.clone(),
                    Segment::Field(f) => ctx.field(self.entity, i, f).render(),
                })
                .collect();
            let loc = self
                .at
                .as_ref()
                .and_then(|a| ctx.field(self.entity, i, a).first_loc())
                .unwrap_or_else(|| ctx.loc(self.entity, i));
            let path = ctx.model.path(loc.file).to_string();
            if out.iter().any(|f| f.location.path == path && f.location.span == loc.span && f.message == message) {
                continue;
            }
            let related = match &self.related {
                Some(field) => match ctx.field(self.entity, i, field) {
                    FieldValue::List(items) => items
                        .into_iter()
                        .filter_map(|(text, l)| {
                            l.map(|l| Related {
                                location: Location { path: ctx.model.path(l.file).to_string(), span: l.span },
                                message: if text.contains('`') { text } else { format!("`{text}`") },
                            })
                        })
                        .collect(),
                    _ => Vec::new(),
                },
                None => ctx
                    .model
                    .functions_of(&ctx.roles_of(self.entity, i))
                    .into_iter()
                    .map(|fi| {
                        let f = &ctx.model.functions[fi];
                        Related {
                            location: Location { path: ctx.model.path(f.loc.file).to_string(), span: f.loc.span },
                            message: format!("function `{}` receives this", f.name),
                        }
                    })
                    .collect(),
            };
            let lowered = self.lower_when.as_ref().is_some_and(|f| ctx.field(self.entity, i, f).truthy());
            let base = if lowered { rule.spec.severity.lower() } else { rule.spec.severity };
            let (severity, message, related) = route_code(rule, base, ctx, self.entity, i, message, related);
            out.push(Finding {
                rule_id: rule.spec.id.clone(),
                severity,
                message,
                fingerprint: finding::fingerprint(&rule.spec.id, &path, &ctx.identity(self.entity, i)),
                location: Location { path, span: loc.span },
                related,
                snippet: String::new(),
                flow: Vec::new(),
            });
        }
        out
    }
}

/// An unauthenticated route, judged with its function's code: a handler that verifies tokens
/// itself makes the route public on purpose (one severity lower, and the finding says where);
/// a handler that does something privileged makes a public route critical.
fn route_code(
    rule: &Rule,
    mut severity: crate::finding::Severity,
    ctx: &Context<'_>,
    entity: EntityKind,
    i: usize,
    mut message: String,
    mut related: Vec<Related>,
) -> (crate::finding::Severity, String, Vec<Related>) {
    if entity != EntityKind::Endpoint || rule.family() != "auth" {
        return (severity, message, related);
    }
    let Some(crate::model::Code::Found(link)) =
        ctx.model.endpoints[i].function.and_then(|f| ctx.model.functions.get(f)).map(|f| &f.code)
    else {
        return (severity, message, related);
    };
    let at = |ev: &crate::model::Evidence| Location {
        path: ev.file.clone(),
        span: crate::source::Span::point(crate::source::Position::new(ev.line, 1)),
    };
    if let Some(ev) = &link.authenticates {
        severity = severity.lower();
        message.push_str(&format!(
            "; it authenticates in code ({}:{}: {}), so the severity is lowered",
            ev.file, ev.line, ev.what
        ));
        related.push(Related { location: at(ev), message: format!("the handler {}", ev.what) });
    } else if !link.privileged.is_empty() {
        severity = crate::finding::Severity::Critical;
        let what: Vec<String> =
            link.privileged.iter().take(3).map(|ev| format!("{} ({}:{})", ev.what, ev.file, ev.line)).collect();
        message.push_str(&format!("; and its code {}: anyone can make it do that", what.join(", ")));
        related.extend(
            link.privileged
                .iter()
                .take(3)
                .map(|ev| Related { location: at(ev), message: format!("the handler {}", ev.what) }),
        );
    }
    (severity, message, related)
}

fn parse_cond(v: &serde_json::Value, ty: FieldType) -> Result<Cond, String> {
    use serde_json::Value as J;
    match v {
        J::Bool(b) => Ok(Cond::Truthy(*b)),
        J::String(s) if matches!(ty, FieldType::Text | FieldType::List) => Ok(Cond::AnyOf(vec![s.clone()])),
        J::Array(items) if matches!(ty, FieldType::Text | FieldType::List) => items
            .iter()
            .map(|i| i.as_str().map(str::to_string).ok_or_else(|| "a list of strings is expected".to_string()))
            .collect::<Result<Vec<_>, _>>()
            .map(Cond::AnyOf),
        J::Number(n) if ty == FieldType::Number => Ok(Cond::Equals(n.as_i64().ok_or("an integer is expected")?)),
        J::Object(m) if m.len() == 1 => {
            let (k, val) = m.iter().next().ok_or("empty condition")?;
            match (k.as_str(), ty) {
                ("min", FieldType::Number | FieldType::List) => {
                    Ok(Cond::Min(val.as_i64().ok_or("`min` takes an integer")?))
                }
                ("max", FieldType::Number | FieldType::List) => {
                    Ok(Cond::Max(val.as_i64().ok_or("`max` takes an integer")?))
                }
                ("not", _) => Ok(Cond::Not(Box::new(parse_cond(val, ty)?))),
                _ => Err(format!("unknown condition `{k}` for a {} field", ty.as_str())),
            }
        }
        _ => Err(format!("this value cannot be compared with a {} field", ty.as_str())),
    }
}

fn holds(c: &Cond, v: &FieldValue) -> bool {
    match c {
        Cond::Truthy(b) => v.truthy() == *b,
        Cond::Not(inner) => !holds(inner, v),
        Cond::Equals(n) => number(v) == *n,
        Cond::Min(n) => number(v) >= *n,
        Cond::Max(n) => number(v) <= *n,
        Cond::AnyOf(options) => match v {
            FieldValue::Text(s) => options.iter().any(|o| o.eq_ignore_ascii_case(s)),
            FieldValue::List(items) => items.iter().any(|(s, _)| options.iter().any(|o| o.eq_ignore_ascii_case(s))),
            FieldValue::Number(_) | FieldValue::Bool(_) => false,
        },
    }
}

fn number(v: &FieldValue) -> i64 {
    match v {
        FieldValue::Number(n) => *n,
        FieldValue::List(l) => l.len() as i64,
        FieldValue::Bool(b) => i64::from(*b),
        FieldValue::Text(s) => s.len() as i64,
    }
}
