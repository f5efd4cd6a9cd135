//! The resource an SDK call touches, as an ARN: the action's resource type (from the action
//! catalog) with its variables filled from the request's parameters. A parameter given as a
//! literal, a constant, or an environment variable whose value the manifest sets (`!Ref Table`,
//! `${self:custom.bucket}`, `aws_s3_bucket.x.id`) is resolved; anything else leaves the resource
//! unknown. An object key the code computes is `*` (`bucket/*`): keys are data.

use super::calls::{ArgVal, Call};
use super::sdkmap::Grant;
use crate::iam::actions::catalog;
use crate::iam::analysis::EVENT_SOURCE_POLLING;
use crate::model::{Function, Model, RoleKind, Val};

/// One part of an ARN.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Piece {
    Lit(String),
    Partition,
    Region,
    Account,
    /// A value the manifest gives as an expression (`!Ref OrdersTable`, `${aws_s3_bucket.b.id}`);
    /// `tail`: the last `/` segment of it is meant (a queue's URL names its queue).
    Ref(String, bool),
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Resource {
    Arn(Vec<Piece>),
    /// The action supports no resource-level permissions: `Resource: "*"` is its only form.
    Any,
    /// Not known from the code and the manifest: why.
    Unknown(String),
}

impl Resource {
    /// The ARN with AWS's placeholders (`arn:${Partition}:dynamodb:${Region}:${Account}:table/orders`),
    /// for messages and the JSON form.
    pub fn text(&self) -> String {
        match self {
            Resource::Arn(p) => render(p, &|piece| match piece {
                Piece::Partition => "${Partition}".into(),
                Piece::Region => "${Region}".into(),
                Piece::Account => "${Account}".into(),
                Piece::Ref(r, _) => format!("${{{}}}", ref_name(r)),
                Piece::Lit(s) => s.clone(),
            }),
            Resource::Any => "*".into(),
            Resource::Unknown(_) => "*".into(),
        }
    }
}

/// Renders pieces with `f` for each.
pub fn render(pieces: &[Piece], f: &dyn Fn(&Piece) -> String) -> String {
    pieces.iter().map(f).collect()
}

/// `!Ref X` → `X`, `!GetAtt X.Name` → `X.Name`, `${a.b.c}` → `a.b.c`.
pub fn ref_name(r: &str) -> String {
    let r = r.strip_prefix("!Ref ").or_else(|| r.strip_prefix("!GetAtt ")).unwrap_or(r);
    r.strip_prefix("${").and_then(|x| x.strip_suffix('}')).unwrap_or(r).to_string()
}

/// The resource of `grant` for `call`, in a function whose environment is `env`.
pub fn resolve(call: &Call, grant: &Grant, env: &[(String, Val)]) -> Resource {
    let Some(action) = catalog().lookup(&grant.action) else {
        return Resource::Unknown(format!("`{}` is not in the IAM action catalog", grant.action));
    };
    if !action.scopeable() {
        return Resource::Any;
    }
    let types = action.resource_types();
    let param = |name: &str| call.params.iter().find(|(k, _)| k == name).map(|(_, v)| v);
    if let Some(p) = &grant.arn_param {
        let Some(v) = param(p) else {
            return Resource::Unknown(format!("`{p}` is not given as a literal or an environment variable"));
        };
        return match value(v, env, false) {
            Ok(Piece::Lit(s)) if s.starts_with("arn:") => Resource::Arn(vec![Piece::Lit(s)]),
            // A secret named by its name: its ARN ends with a random suffix.
            Ok(Piece::Lit(s)) if action.service == "secretsmanager" => {
                match types.iter().find(|t| t.name == "Secret") {
                    Some(t) => fill(t.format, &|var| (var == "SecretId").then(|| Piece::Lit(format!("{s}-??????")))),
                    None => Resource::Unknown(format!("`{s}` is not an ARN")),
                }
            }
            Ok(Piece::Ref(r, false)) => Resource::Arn(vec![Piece::Ref(r, false)]),
            Ok(other) => Resource::Unknown(format!("`{p}` is `{}`, not an ARN", piece_text(&other))),
            Err(why) => Resource::Unknown(why),
        };
    }
    let names: Vec<&str> = grant.vars.iter().map(|(v, _, _)| v.as_str()).collect();
    // The type whose variables the request fills (an index when `IndexName` is given).
    let mut candidates: Vec<_> = types
        .iter()
        .filter(|t| variables(t.format).iter().all(|v| is_global(v) || names.contains(&v.as_str())))
        .collect();
    candidates.sort_by_key(|t| {
        let vars: Vec<String> = variables(t.format).into_iter().filter(|v| !is_global(v)).collect();
        let given = vars.iter().filter(|v| grant.vars.iter().any(|(n, p, _)| n == *v && param(p).is_some())).count();
        (vars.len() != given, std::cmp::Reverse(given))
    });
    let Some(t) = candidates.first() else {
        return Resource::Unknown(format!(
            "the data does not say which parameter names the resource of `{}`",
            grant.action
        ));
    };
    let mut why = None;
    let r = fill(t.format, &|var| {
        let (_, p, tail) = grant.vars.iter().find(|(n, _, _)| n == var)?;
        let leaf = var == "ObjectName";
        match param(p) {
            None if leaf => Some(Piece::Lit("*".into())),
            None => None,
            Some(v) => match value(v, env, *tail) {
                Ok(Piece::Lit(s)) if var == "ParameterNameWithoutLeadingSlash" => {
                    Some(Piece::Lit(s.trim_start_matches('/').to_string()))
                }
                Ok(p) => Some(p),
                Err(_) if leaf => Some(Piece::Lit("*".into())),
                Err(_) => None,
            },
        }
    });
    if let Resource::Unknown(_) = &r {
        for (n, p, tail) in &grant.vars {
            if variables(t.format).contains(n) {
                match param(p).map(|v| value(v, env, *tail)) {
                    Some(Err(w)) => why = Some(w),
                    None if n != "ObjectName" => why = Some(format!("`{p}` is not given")),
                    _ => {}
                }
            }
        }
    }
    match (r, why) {
        (Resource::Unknown(_), Some(w)) => Resource::Unknown(w),
        (r, _) => r,
    }
}

fn is_global(v: &str) -> bool {
    matches!(v, "Partition" | "Region" | "Account")
}

fn variables(format: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = format;
    while let Some(i) = rest.find("${") {
        let Some(j) = rest[i..].find('}') else { break };
        out.push(rest[i + 2..i + j].to_string());
        rest = &rest[i + j + 1..];
    }
    out
}

/// The ARN of a format (after `arn:${Partition}:`) with its variables from `var`.
fn fill(format: &str, var: &dyn Fn(&str) -> Option<Piece>) -> Resource {
    let mut pieces = vec![Piece::Lit("arn:".into()), Piece::Partition, Piece::Lit(":".into())];
    let mut rest = format;
    while let Some(i) = rest.find("${") {
        let Some(j) = rest[i..].find('}') else { break };
        if i > 0 {
            pieces.push(Piece::Lit(rest[..i].to_string()));
        }
        let name = &rest[i + 2..i + j];
        pieces.push(match name {
            "Partition" => Piece::Partition,
            "Region" => Piece::Region,
            "Account" => Piece::Account,
            v => match var(v) {
                Some(p) => p,
                None => return Resource::Unknown(format!("`{v}` is not known")),
            },
        });
        rest = &rest[i + j + 1..];
    }
    if !rest.is_empty() {
        pieces.push(Piece::Lit(rest.to_string()));
    }
    // Adjacent literals merged: equal ARNs compare equal.
    let mut merged: Vec<Piece> = Vec::new();
    for p in pieces {
        match (merged.last_mut(), p) {
            (Some(Piece::Lit(a)), Piece::Lit(b)) => a.push_str(&b),
            (_, p) => merged.push(p),
        }
    }
    Resource::Arn(merged)
}

/// A parameter's value as an ARN piece, or why it is not known.
fn value(v: &ArgVal, env: &[(String, Val)], tail: bool) -> Result<Piece, String> {
    let cut =
        |s: &str| -> String { if tail { s.rsplit(['/', ':']).next().unwrap_or(s).to_string() } else { s.to_string() } };
    match v {
        ArgVal::Literal(s) => Ok(Piece::Lit(cut(s))),
        ArgVal::Prefix(p) if !tail => Ok(Piece::Lit(format!("{p}*"))),
        ArgVal::Prefix(p) => Err(format!("only the start of the value is known (`{p}…`)")),
        ArgVal::Env(name) => match env.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v) {
            Some(Val::Known(s, _)) => Ok(Piece::Lit(cut(s))),
            Some(Val::Partial(s, _)) | Some(Val::Unknown(s, _)) => {
                if s.starts_with("!Ref ") || s.starts_with("!GetAtt ") || is_single_ref(s) {
                    Ok(Piece::Ref(s.clone(), tail))
                } else if !tail && !s.starts_with('!') {
                    // `orders-${opt:stage}`: the deploy tool fills it in.
                    Ok(Piece::Lit(s.clone()))
                } else {
                    Err(format!("environment variable `{name}` is `{s}`"))
                }
            }
            None => Err(format!("environment variable `{name}` is not set by the manifest")),
        },
        ArgVal::Unknown(w) => Err(format!("the value is `{w}`")),
    }
}

/// `${aws_dynamodb_table.orders.name}`: one reference, nothing else.
fn is_single_ref(s: &str) -> bool {
    s.starts_with("${") && s.ends_with('}') && s.matches("${").count() == 1
}

fn piece_text(p: &Piece) -> String {
    match p {
        Piece::Lit(s) | Piece::Ref(s, _) => s.clone(),
        Piece::Partition => "${Partition}".into(),
        Piece::Region => "${Region}".into(),
        Piece::Account => "${Account}".into(),
    }
}

/// A permission Lambda itself uses on a resource the manifest names: the action, the resource,
/// and where the manifest names it (`file:line (SQS trigger)`).
#[derive(Debug, Clone)]
pub struct Own {
    pub action: &'static str,
    pub resource: Resource,
    pub site: String,
}

/// What Lambda needs to poll the function's SQS triggers, on their queues. Empty when it has
/// none, when its settings are not read, or when the deploy tool generates its role (SAM and the
/// Serverless Framework grant the polling themselves); `None` when a queue is not known (a
/// trigger of a kind that cannot be told, a queue the manifest does not name as an ARN).
pub fn polling(model: &Model, f: &Function) -> Option<Vec<Own>> {
    let generated = f
        .role
        .and_then(|r| model.roles.get(r))
        .is_some_and(|r| matches!(r.kind, RoleKind::SamGenerated | RoleKind::ServerlessDefault));
    let Some(p) = f.platform.as_ref().filter(|p| !generated && p.has_source("sqs")) else {
        return Some(Vec::new());
    };
    if p.sources.contains(crate::model::Platform::ANY) || p.queues.is_empty() {
        return None;
    }
    let mut out = Vec::new();
    for q in &p.queues {
        let q = q.as_ref()?;
        let resource = queue(q)?;
        let loc = q.loc();
        let site = format!("{}:{} (SQS trigger)", model.path(loc.file), loc.span.start.line);
        out.extend(EVENT_SOURCE_POLLING.iter().map(|action| Own {
            action,
            resource: resource.clone(),
            site: site.clone(),
        }));
    }
    Some(out)
}

/// A queue's ARN as a manifest names it: an ARN, `!GetAtt Jobs.Arn`, `${aws_sqs_queue.jobs.arn}`.
fn queue(v: &Val) -> Option<Resource> {
    match v {
        Val::Known(s, _) if s.starts_with("arn:") && !s.contains(['*', '?']) => {
            Some(Resource::Arn(vec![Piece::Lit(s.clone())]))
        }
        Val::Known(..) => None,
        Val::Partial(s, _) | Val::Unknown(s, _) => {
            if let Some(id) =
                s.strip_prefix("!GetAtt ").and_then(|x| x.strip_suffix(".Arn")).filter(|x| !x.contains('.'))
            {
                // As a queue URL's ARN is written (`${Jobs.QueueName}` in a `!Sub`).
                return Some(Resource::Arn(vec![
                    Piece::Lit("arn:".into()),
                    Piece::Partition,
                    Piece::Lit(":sqs:".into()),
                    Piece::Region,
                    Piece::Lit(":".into()),
                    Piece::Account,
                    Piece::Lit(":".into()),
                    Piece::Ref(format!("!Ref {id}"), true),
                ]));
            }
            (is_single_ref(s) && s.ends_with(".arn}")).then(|| Resource::Arn(vec![Piece::Ref(s.clone(), false)]))
        }
    }
}
