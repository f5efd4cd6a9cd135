//! The least-privilege policy of each function: the actions its code's calls need, on the
//! resources they touch, grouped into statements (actions that share their resources share a
//! statement), each commented with the call sites it serves; printed in the manifest's own
//! syntax (Serverless Framework, SAM, CloudFormation, Terraform) or as JSON.
//!
//! Only what the code needs: the permissions Lambda itself uses (logs, X-Ray, VPC network
//! interfaces, event-source polling) are the deploy tool's or the role's baseline; except the
//! polling of SQS triggers whose queues the manifest names, for roles the deploy tool does not
//! generate ([`resources::polling`]).

use super::Needs;
use super::calls::{Call, Unresolved};
use super::resources::{self, Piece, Resource};
use crate::iam::actions::catalog;
use crate::model::{Format, Model, RoleKind};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// One statement of a least-privilege policy.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PolicyStatement {
    pub actions: Vec<String>,
    pub resources: Vec<Resource>,
    /// `file:line (service Operation)` of the calls it serves, sorted.
    pub sites: Vec<String>,
}

/// A function's least-privilege policy, or why there is none.
#[derive(Debug, Clone)]
pub struct FunctionPolicy {
    pub manifest: String,
    pub format: Format,
    pub function: String,
    pub line: u32,
    /// The role is the Serverless Framework's service-wide one.
    pub default_role: bool,
    pub policy: Result<Vec<PolicyStatement>, String>,
    pub calls: Vec<Call>,
    pub unresolved: Vec<Unresolved>,
}

/// The policies of every function of `models`, sorted by manifest and function.
pub fn policies(models: &[Model], needs: &[Vec<Needs>]) -> Vec<FunctionPolicy> {
    let mut out = Vec::new();
    for (m, n) in models.iter().zip(needs) {
        if matches!(m.format, Format::PolicyDocument | Format::AzureFunctions) {
            continue;
        }
        for (f, need) in m.functions.iter().zip(n) {
            let default_role =
                f.role.and_then(|r| m.roles.get(r)).is_some_and(|r| r.kind == RoleKind::ServerlessDefault);
            let (policy, calls, unresolved) = match need {
                Needs::NotAnalysed(why) => (Err(why.clone()), Vec::new(), Vec::new()),
                Needs::Known { calls, unresolved } => {
                    let own = resources::polling(m, f).unwrap_or_default();
                    (Ok(statements(calls, &f.environment, &own)), calls.clone(), unresolved.clone())
                }
            };
            out.push(FunctionPolicy {
                manifest: m.path(f.loc.file).to_string(),
                format: m.format,
                function: f.name.clone(),
                line: f.loc.span.start.line,
                default_role,
                policy,
                calls,
                unresolved,
            });
        }
    }
    out.sort_by(|a, b| (&a.manifest, &a.function).cmp(&(&b.manifest, &b.function)));
    out
}

/// The statements the calls need, and what Lambda itself needs on resources the manifest names
/// (`own`: polling the function's SQS triggers where its role is not the deploy tool's).
pub fn statements(calls: &[Call], env: &[(String, crate::model::Val)], own: &[resources::Own]) -> Vec<PolicyStatement> {
    let mut per_action: BTreeMap<String, (BTreeSet<Resource>, BTreeSet<String>)> = BTreeMap::new();
    for c in calls {
        for g in &c.grants {
            let action = catalog().lookup(&g.action).map_or_else(|| g.action.clone(), |a| a.full());
            let r = resources::resolve(c, g, env);
            let e = per_action.entry(action).or_default();
            e.0.insert(r);
            e.1.insert(format!("{}:{} ({} {})", c.file, c.pos.line, c.service, c.operation));
        }
    }
    for o in own {
        let e = per_action.entry(o.action.to_string()).or_default();
        e.0.insert(o.resource.clone());
        e.1.insert(o.site.clone());
    }
    // Actions on the same resources share a statement.
    let mut groups: BTreeMap<Vec<Resource>, (Vec<String>, BTreeSet<String>)> = BTreeMap::new();
    for (action, (res, sites)) in per_action {
        let res: Vec<Resource> = simplify(res);
        let g = groups.entry(res).or_default();
        g.0.push(action);
        g.1.extend(sites);
    }
    let mut out: Vec<PolicyStatement> = groups
        .into_iter()
        .map(|(resources, (actions, sites))| PolicyStatement { actions, resources, sites: sites.into_iter().collect() })
        .collect();
    out.sort_by(|a, b| a.actions.cmp(&b.actions));
    out
}

/// `bucket/*` covers `bucket/uploads/*` and `bucket/x`: the narrower ones are dropped.
fn simplify(res: BTreeSet<Resource>) -> Vec<Resource> {
    let all: Vec<Resource> = res.into_iter().collect();
    all.iter()
        .filter(|r| {
            let Resource::Arn(p) = r else { return true };
            !all.iter().any(|o| match o {
                Resource::Arn(q) if q != p => covers(q, p),
                _ => false,
            })
        })
        .cloned()
        .collect()
}

/// Does `wide` (ending in `*`) cover `narrow`: the same pieces, then a longer literal?
fn covers(wide: &[Piece], narrow: &[Piece]) -> bool {
    let (Some(Piece::Lit(last)), Some(Piece::Lit(nlast))) = (wide.last(), narrow.last()) else { return false };
    let Some(stem) = last.strip_suffix('*') else { return false };
    wide.len() == narrow.len() && wide[..wide.len() - 1] == narrow[..narrow.len() - 1] && nlast.starts_with(stem)
}

/// The syntax a policy is printed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    Serverless,
    /// SAM `Policies` of a function.
    Sam,
    /// A CloudFormation `PolicyDocument`, in YAML or JSON.
    CloudFormation {
        json: bool,
    },
    Terraform,
}

impl FunctionPolicy {
    pub fn syntax(&self) -> Syntax {
        match self.format {
            Format::Serverless => Syntax::Serverless,
            Format::Sam => Syntax::Sam,
            Format::Terraform => Syntax::Terraform,
            _ => Syntax::CloudFormation { json: self.manifest.ends_with(".json") },
        }
    }

    /// The policy in the manifest's syntax, commented.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let syntax = self.syntax();
        let comment = if matches!(syntax, Syntax::CloudFormation { json: true }) { "//" } else { "#" };
        let _ = writeln!(out, "{comment} function `{}` ({}:{})", self.function, self.manifest, self.line);
        let stmts = match &self.policy {
            Ok(s) => s,
            Err(why) => {
                let _ = writeln!(out, "{comment} not analysed: {why}");
                return out;
            }
        };
        for u in &self.unresolved {
            let _ = writeln!(out, "{comment} unresolved: `{}` at {}:{}: {}", u.what, u.file, u.pos.line, u.reason);
        }
        if stmts.is_empty() {
            let _ = writeln!(out, "{comment} its code makes no AWS call that needs a permission");
            return out;
        }
        match syntax {
            Syntax::Serverless => self.serverless(&mut out, stmts),
            Syntax::Sam => sam_policies(&mut out, stmts),
            Syntax::CloudFormation { json: false } => yaml_statements(
                &mut out,
                stmts,
                "PolicyDocument:\n  Version: '2012-10-17'\n  Statement:\n",
                "    ",
                Style::Cfn,
            ),
            Syntax::CloudFormation { json: true } => json_document(&mut out, stmts),
            Syntax::Terraform => self.terraform(&mut out, stmts),
        }
        out
    }

    fn serverless(&self, out: &mut String, stmts: &[PolicyStatement]) {
        if self.default_role {
            let _ = writeln!(
                out,
                "# the service-wide role (provider.iam.role.statements); shared by every function without its own role"
            );
            yaml_statements(
                out,
                stmts,
                "provider:\n  iam:\n    role:\n      statements:\n",
                "        ",
                Style::Serverless,
            );
        } else {
            let _ = writeln!(out, "# per function (serverless-iam-roles-per-function)");
            let head = format!("functions:\n  {}:\n    iamRoleStatements:\n", self.function);
            yaml_statements(out, stmts, &head, "      ", Style::Serverless);
        }
    }

    fn terraform(&self, out: &mut String, stmts: &[PolicyStatement]) {
        let name: String =
            self.function.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect();
        let _ = writeln!(out, "data \"aws_iam_policy_document\" \"{name}_least_privilege\" {{");
        let mut needs_data = false;
        for (i, s) in stmts.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            for site in &s.sites {
                let _ = writeln!(out, "  # {site}");
            }
            unknown_comments(out, s, "  #");
            let _ = writeln!(out, "  statement {{");
            let actions: Vec<String> = s.actions.iter().map(|a| format!("\"{a}\"")).collect();
            let _ = writeln!(out, "    actions   = [{}]", actions.join(", "));
            let res: Vec<String> = s
                .resources
                .iter()
                .map(|r| {
                    let (text, data) = terraform_resource(r);
                    needs_data |= data;
                    text
                })
                .collect();
            let _ = writeln!(out, "    resources = [{}]", res.join(", "));
            let _ = writeln!(out, "  }}");
        }
        let _ = writeln!(out, "}}");
        if needs_data {
            let _ = writeln!(
                out,
                "# uses data \"aws_region\" \"current\" {{}} and data \"aws_caller_identity\" \"current\" {{}}"
            );
        }
    }
}

/// SAM `Policies`: a policy template where one grants exactly a statement's actions on its
/// resource, the other statements as one inline document.
fn sam_policies(out: &mut String, stmts: &[PolicyStatement]) {
    out.push_str("Policies:\n");
    let mut rest = Vec::new();
    for s in stmts {
        match sam_template(s) {
            Some((name, param, value)) => {
                for site in &s.sites {
                    let _ = writeln!(out, "  # {site}");
                }
                let _ = writeln!(out, "  - {name}:\n      {param}: {value}");
            }
            None => rest.push(s.clone()),
        }
    }
    if !rest.is_empty() {
        yaml_statements(out, &rest, "  - Statement:\n", "      ", Style::Cfn);
    }
}

/// Stands for a template's parameter while its resources are compared.
const PARAM: &str = "__slsguard_template_parameter__";

/// The SAM policy template that grants exactly `s`'s actions on exactly its resource (DynamoDB
/// templates add the table's indexes), with its one parameter: `(template, parameter, value)`.
pub fn sam_template(s: &PolicyStatement) -> Option<(&'static str, &'static str, String)> {
    let [Resource::Arn(pieces)] = s.resources.as_slice() else { return None };
    let mut wanted: Vec<String> = s.actions.iter().map(|a| a.to_ascii_lowercase()).collect();
    wanted.sort();
    let refs: Vec<&String> =
        pieces.iter().filter_map(|p| if let Piece::Ref(r, false) = p { Some(r) } else { None }).collect();
    let [r] = refs.as_slice() else { return None };
    if pieces.iter().any(|p| matches!(p, Piece::Ref(_, true))) {
        return None;
    }
    let ours = resources::render(pieces, &|p| match p {
        Piece::Lit(l) => l.clone(),
        Piece::Partition => "${AWS::Partition}".into(),
        Piece::Region => "${AWS::Region}".into(),
        Piece::Account => "${AWS::AccountId}".into(),
        Piece::Ref(..) => PARAM.into(),
    });
    for name in crate::iam::sam_templates::names() {
        let Some([param]) = crate::iam::sam_templates::parameter_names(name) else { continue };
        let params = crate::loader::yaml::parse_one(&format!("{param}: \"{PARAM}\"")).ok()?;
        let Some(doc) = crate::iam::sam_templates::expand(name, &params, Default::default()) else { continue };
        let [st] = doc.get("Statement").map(crate::loader::Node::one_or_many).unwrap_or(&[]) else { continue };
        let mut actions: Vec<String> = st
            .get("Action")
            .map(crate::loader::Node::one_or_many)
            .unwrap_or(&[])
            .iter()
            .filter_map(|a| a.as_str().map(str::to_ascii_lowercase))
            .collect();
        actions.sort();
        if actions != wanted {
            continue;
        }
        let res: Vec<Option<String>> =
            st.get("Resource").map(crate::loader::Node::one_or_many).unwrap_or(&[]).iter().map(sub_text).collect();
        let value = match res.as_slice() {
            [Some(one)] if *one == ours => resources::ref_name(r),
            [Some(t), Some(i)] if *t == ours && *i == format!("{ours}/index/*") => resources::ref_name(r),
            // `!Ref Topic` is the topic's ARN; the template takes its name.
            [Some(one)]
                if ours == PARAM
                    && *one == format!("arn:${{AWS::Partition}}:sns:${{AWS::Region}}:${{AWS::AccountId}}:{PARAM}") =>
            {
                match r.strip_prefix("!Ref ") {
                    Some(topic) => return Some((name, param_name(name)?, format!("!GetAtt {topic}.TopicName"))),
                    None => continue,
                }
            }
            _ => continue,
        };
        let value = if r.starts_with("!Ref ") || r.starts_with("!GetAtt ") { r.to_string() } else { value };
        return Some((name, param_name(name)?, value));
    }
    None
}

fn param_name(template: &str) -> Option<&'static str> {
    crate::iam::sam_templates::parameter_names(template)?.first().map(String::as_str)
}

/// A template resource's text: a string, or `Fn::Sub` with its variables filled in.
fn sub_text(n: &crate::loader::Node) -> Option<String> {
    if let Some(s) = n.as_str() {
        return Some(s.to_string());
    }
    let sub = n.get("Fn::Sub")?;
    if let Some(s) = sub.as_str() {
        return Some(s.to_string());
    }
    let [text, vars] = sub.as_seq()? else { return None };
    let mut out = text.as_str()?.to_string();
    for e in vars.as_map()? {
        out = out.replace(&format!("${{{}}}", e.key), e.value.as_str()?);
    }
    Some(out)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    Serverless,
    Cfn,
}

fn unknown_comments(out: &mut String, s: &PolicyStatement, prefix: &str) {
    for r in &s.resources {
        if let Resource::Unknown(why) = r {
            let _ = writeln!(out, "{prefix} resource not known from the code ({why}): name it instead of `*`");
        }
    }
}

/// Statements as a YAML list after `head`, items indented by `indent`.
fn yaml_statements(out: &mut String, stmts: &[PolicyStatement], head: &str, indent: &str, style: Style) {
    out.push_str(head);
    for s in stmts {
        for site in &s.sites {
            let _ = writeln!(out, "{indent}# {site}");
        }
        unknown_comments(out, s, &format!("{indent}#"));
        let _ = writeln!(out, "{indent}- Effect: Allow");
        let _ = writeln!(out, "{indent}  Action:");
        for a in &s.actions {
            let _ = writeln!(out, "{indent}    - {a}");
        }
        let _ = writeln!(out, "{indent}  Resource:");
        for r in &s.resources {
            let _ = writeln!(out, "{indent}    - {}", yaml_resource(r, style));
        }
    }
}

/// Statements as YAML list items at `indent`, without comments: what a fix writes in place of a
/// statement of the manifest.
pub fn yaml_items(stmts: &[PolicyStatement], indent: &str, serverless: bool) -> String {
    let style = if serverless { Style::Serverless } else { Style::Cfn };
    let mut out = String::new();
    for s in stmts {
        let _ = writeln!(out, "{indent}- Effect: Allow");
        let _ = writeln!(out, "{indent}  Action:");
        for a in &s.actions {
            let _ = writeln!(out, "{indent}    - {a}");
        }
        let _ = writeln!(out, "{indent}  Resource:");
        for r in &s.resources {
            let _ = writeln!(out, "{indent}    - {}", yaml_resource(r, style));
        }
    }
    out
}

/// A resource in YAML: a plain string when every part is known (Serverless: with its
/// `${aws:region}` variables), else `!Sub` with CloudFormation's pseudo parameters.
fn yaml_resource(r: &Resource, style: Style) -> String {
    let pieces = match r {
        Resource::Arn(p) => p,
        Resource::Any | Resource::Unknown(_) => return "'*'".into(),
    };
    let has_ref = pieces.iter().any(|p| matches!(p, Piece::Ref(..)));
    if style == Style::Serverless && !has_ref {
        let text = resources::render(pieces, &|p| match p {
            Piece::Lit(s) => s.clone(),
            Piece::Partition => "aws".into(),
            Piece::Region => "${aws:region}".into(),
            Piece::Account => "${aws:accountId}".into(),
            Piece::Ref(..) => String::new(),
        });
        return quote(&text);
    }
    let only_lits = pieces.iter().all(|p| matches!(p, Piece::Lit(_) | Piece::Partition));
    if only_lits && !has_ref {
        let text = resources::render(pieces, &|p| match p {
            Piece::Partition => "aws".into(),
            Piece::Lit(s) => s.clone(),
            _ => String::new(),
        });
        return quote(&text);
    }
    if let [Piece::Ref(r, false)] = pieces.as_slice() {
        // An attribute stays one (`!Ref Topic.TopicArn` is not CloudFormation).
        if r.starts_with("!GetAtt ") {
            return r.clone();
        }
        return format!("!Ref {}", resources::ref_name(r));
    }
    format!("!Sub {}", quote_always(&cfn_sub(pieces)))
}

/// The `Fn::Sub` string of an ARN.
fn cfn_sub(pieces: &[Piece]) -> String {
    let sqs = pieces.iter().any(|p| matches!(p, Piece::Lit(s) if s.starts_with(":sqs:")));
    resources::render(pieces, &|p| match p {
        // A literal `${…}` (a Serverless variable) must not read as a Sub variable.
        Piece::Lit(s) => s.replace("${", "${!"),
        Piece::Partition => "${AWS::Partition}".into(),
        Piece::Region => "${AWS::Region}".into(),
        Piece::Account => "${AWS::AccountId}".into(),
        Piece::Ref(r, tail) => {
            let name = resources::ref_name(r);
            if *tail && sqs && !name.contains('.') { format!("${{{name}.QueueName}}") } else { format!("${{{name}}}") }
        }
    })
}

fn json_document(out: &mut String, stmts: &[PolicyStatement]) {
    let statements: Vec<serde_json::Value> = stmts
        .iter()
        .map(|s| {
            let res: Vec<serde_json::Value> = s
                .resources
                .iter()
                .map(|r| match r {
                    Resource::Arn(p) if p.iter().any(|x| !matches!(x, Piece::Lit(_))) => {
                        serde_json::json!({"Fn::Sub": cfn_sub(p)})
                    }
                    Resource::Arn(p) => serde_json::Value::String(resources::render(p, &|x| match x {
                        Piece::Lit(s) => s.clone(),
                        _ => String::new(),
                    })),
                    _ => serde_json::Value::String("*".into()),
                })
                .collect();
            serde_json::json!({"Effect": "Allow", "Action": s.actions, "Resource": res})
        })
        .collect();
    for s in stmts {
        for site in &s.sites {
            let _ = writeln!(out, "// {site}");
        }
    }
    let doc = serde_json::json!({"PolicyDocument": {"Version": "2012-10-17", "Statement": statements}});
    let _ = writeln!(out, "{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
}

/// A resource in HCL, and whether it uses the region / account data sources.
fn terraform_resource(r: &Resource) -> (String, bool) {
    let pieces = match r {
        Resource::Arn(p) => p,
        _ => return ("\"*\"".into(), false),
    };
    // `${aws_dynamodb_table.orders.name}` as the resource's name: its `arn` attribute says it all.
    let refs: Vec<(usize, &String)> = pieces
        .iter()
        .enumerate()
        .filter_map(|(i, p)| match p {
            Piece::Ref(r, _) => Some((i, r)),
            _ => None,
        })
        .collect();
    if let [(i, r)] = refs.as_slice() {
        if let Some(arn) = terraform_arn(r) {
            let rest = resources::render(&pieces[i + 1..], &|p| match p {
                Piece::Lit(s) => s.clone(),
                _ => "*".into(),
            });
            let whole = rest.is_empty() || rest.starts_with('/') || rest.starts_with(':');
            if whole {
                return if rest.is_empty() { (arn, false) } else { (format!("\"${{{arn}}}{rest}\""), false) };
            }
        }
    }
    let mut data = false;
    let text = resources::render(pieces, &|p| match p {
        Piece::Lit(s) => s.clone(),
        Piece::Partition => "aws".into(),
        Piece::Region => "${data.aws_region.current.name}".into(),
        Piece::Account => "${data.aws_caller_identity.current.account_id}".into(),
        Piece::Ref(r, _) => {
            if r.starts_with("${") {
                r.clone()
            } else {
                format!("${{{}}}", resources::ref_name(r))
            }
        }
    });
    if pieces.iter().any(|p| matches!(p, Piece::Region | Piece::Account)) {
        data = true;
    }
    (format!("\"{text}\""), data)
}

/// `${aws_T.N.attr}` of a resource type whose `arn` is the ARN the policy names.
fn terraform_arn(r: &str) -> Option<String> {
    let inner = r.strip_prefix("${")?.strip_suffix('}')?;
    let mut parts = inner.split('.');
    let (t, n, attr) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let ok = matches!(
        (t, attr),
        ("aws_dynamodb_table", "name" | "id")
            | ("aws_s3_bucket", "id" | "bucket")
            | ("aws_sqs_queue", "id" | "url" | "name" | "arn")
            | ("aws_sns_topic", "arn" | "id")
            | ("aws_lambda_function", "function_name")
            | ("aws_kinesis_stream", "name")
            | ("aws_ssm_parameter", "name")
            | ("aws_secretsmanager_secret", "arn" | "id")
            | ("aws_sfn_state_machine", "arn" | "id")
            | ("aws_cloudwatch_event_bus", "name")
    );
    ok.then(|| format!("{t}.{n}.arn"))
}

fn quote(s: &str) -> String {
    if s.contains([':', '#', '*', '{', '}', '\'']) || s.starts_with(['!', '&', '[']) {
        quote_always(s)
    } else {
        s.to_string()
    }
}

fn quote_always(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The JSON form, for scripts: every function with its policy (a policy document with
/// `${Partition}`, `${Region}`, `${Account}` and the manifest's references as `${Name}`), its
/// calls and what could not be resolved.
pub fn json(policies: &[FunctionPolicy]) -> serde_json::Value {
    let fns: Vec<serde_json::Value> = policies
        .iter()
        .map(|p| {
            let mut v = serde_json::json!({
                "manifest": p.manifest,
                "line": p.line,
                "function": p.function,
            });
            match &p.policy {
                Err(why) => {
                    v["analysed"] = false.into();
                    v["reason"] = why.clone().into();
                }
                Ok(stmts) => {
                    v["analysed"] = true.into();
                    v["policy"] = serde_json::json!({
                        "Version": "2012-10-17",
                        "Statement": stmts.iter().map(|s| serde_json::json!({
                            "Effect": "Allow",
                            "Action": s.actions,
                            "Resource": s.resources.iter().map(Resource::text).collect::<Vec<_>>(),
                        })).collect::<Vec<_>>(),
                    });
                    v["unknown_resources"] = stmts
                        .iter()
                        .flat_map(|s| s.resources.iter().filter_map(|r| match r {
                            Resource::Unknown(w) => Some(serde_json::json!({"actions": s.actions, "reason": w})),
                            _ => None,
                        }))
                        .collect::<Vec<_>>()
                        .into();
                    v["calls"] = p
                        .calls
                        .iter()
                        .map(|c| serde_json::json!({
                            "service": c.service,
                            "operation": c.operation,
                            "actions": c.grants.iter().map(|g| g.action.clone()).collect::<Vec<_>>(),
                            "file": c.file,
                            "line": c.pos.line,
                        }))
                        .collect::<Vec<_>>()
                        .into();
                    v["unresolved"] = p
                        .unresolved
                        .iter()
                        .map(|u| serde_json::json!({"what": u.what, "file": u.file, "line": u.pos.line, "reason": u.reason}))
                        .collect::<Vec<_>>()
                        .into();
                }
            }
            v
        })
        .collect();
    serde_json::json!({ "functions": fns })
}

#[cfg(test)]
mod template_tests {
    use super::*;

    fn stmt(actions: &[&str], pieces: Vec<Piece>) -> PolicyStatement {
        PolicyStatement {
            actions: actions.iter().map(|a| a.to_string()).collect(),
            resources: vec![Resource::Arn(pieces)],
            sites: Vec::new(),
        }
    }

    fn table(r: &str) -> Vec<Piece> {
        vec![
            Piece::Lit("arn:".into()),
            Piece::Partition,
            Piece::Lit(":dynamodb:".into()),
            Piece::Region,
            Piece::Lit(":".into()),
            Piece::Account,
            Piece::Lit(":table/".into()),
            Piece::Ref(r.into(), false),
        ]
    }

    #[test]
    fn a_single_reference_keeps_its_intrinsic() {
        let one = |r: &str| Resource::Arn(vec![Piece::Ref(r.into(), false)]);
        for style in [Style::Cfn, Style::Serverless] {
            assert_eq!(yaml_resource(&one("!GetAtt Topic.TopicArn"), style), "!GetAtt Topic.TopicArn");
            assert_eq!(yaml_resource(&one("!Ref Topic"), style), "!Ref Topic");
        }
    }

    #[test]
    fn templates_only_where_they_fit_exactly() {
        let read =
            ["dynamodb:BatchGetItem", "dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan"];
        assert_eq!(
            sam_template(&stmt(&read, table("!Ref Orders"))),
            Some(("DynamoDBReadPolicy", "TableName", "!Ref Orders".to_string()))
        );
        // One action fewer than the template grants: a statement.
        assert_eq!(sam_template(&stmt(&read[..4], table("!Ref Orders"))), None);
        // A topic's `!Ref` is its ARN: the template takes its name.
        assert_eq!(
            sam_template(&stmt(&["sns:Publish"], vec![Piece::Ref("!Ref Events".into(), false)])),
            Some(("SNSPublishMessagePolicy", "TopicName", "!GetAtt Events.TopicName".to_string()))
        );
        // A literal ARN names no template parameter.
        assert_eq!(sam_template(&stmt(&["sns:Publish"], vec![Piece::Lit("arn:aws:sns:eu-west-1:1:t".into())])), None);
    }
}
