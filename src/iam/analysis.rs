//! Derived facts about statements and roles, computed once per model: wildcard kinds, the
//! actions a statement really grants (wildcards expanded against the catalog), their access
//! levels, privilege-escalation paths, and what trust policies let in. Rules read these as
//! fields, so rule files stay short.
//!
//! A grant on every resource is judged with AWS's own facts: actions AWS only grants on `*` are
//! not reported, conditions that narrow the grant lower or silence it ([`super::narrowing`]),
//! an explicit Deny of the same role that takes the risky part away is honoured, and AWS
//! managed policies are judged statement by statement like inline ones.

use super::actions::{Action, Catalog, Level, catalog};
use super::glob_match_ci;
use super::lambda::RoleUse;
use super::narrowing::{Narrowing, narrowing};
use super::passrole::{self, Target};
use crate::model::{Effect, Loc, Model, Origin, PolicyKind, Statement, Val};
use std::collections::{BTreeSet, HashMap};

/// What AWS's own Lambda execution policies grant, on `Resource: "*"`:
/// `AWSLambdaBasicExecutionRole` (logs), `AWSLambdaVPCAccessExecutionRole` and SAM's
/// `VPCAccessPolicy` template (the network interfaces of functions in a VPC),
/// `AWSXRayDaemonWriteAccess` (traces) and `AWSLambdaBasicDurableExecutionRolePolicy` (the
/// checkpoints of durable functions). Every function needs some of them, so they are treated
/// alike wherever they are written — attached as those managed policies or written inline, on
/// `*` too: not reported as writes on every resource where a function of the role needs them
/// ([`super::lambda`]), and a role that holds nothing else holds "only logging".
pub const EXECUTION_BASELINE: &[&str] = &[
    "logs:CreateLogGroup",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "ec2:DeleteNetworkInterface",
    "ec2:DetachNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "xray:GetSamplingStatisticSummaries",
    "lambda:CheckpointDurableExecution",
    "lambda:GetDurableExecutionState",
];

/// The AWS managed policies and SAM policy templates [`EXECUTION_BASELINE`] is made of.
pub const BASELINE_POLICIES: &[&str] = &[
    "AWSLambdaBasicExecutionRole",
    "AWSLambdaVPCAccessExecutionRole",
    "AWSXRayDaemonWriteAccess",
    "AWSXrayWriteOnlyAccess",
    "AWSLambdaBasicDurableExecutionRolePolicy",
];
pub const BASELINE_SAM_TEMPLATES: &[&str] = &["VPCAccessPolicy"];

/// What Lambda needs to poll a function's event source, as AWS's event-source execution
/// policies grant it on `*` (`AWSLambdaSQSQueueExecutionRole`, which SAM attaches for an `SQS`
/// event, and the Kinesis, DynamoDB Streams and MSK ones): not reported as grants on every
/// resource, inline or attached, where a function of the role has such a trigger. Unlike the baseline, they are more than logging: a role shared
/// for them is still shared data access.
pub const EVENT_SOURCE_POLLING: &[&str] = &["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"];

/// The AWS managed policies whose writes and sensitive reads are [`EXECUTION_BASELINE`] and
/// [`EVENT_SOURCE_POLLING`] (their other actions are reads the wildcard rules do not report).
pub const EVENT_SOURCE_POLICIES: &[&str] = &[
    "AWSLambdaSQSQueueExecutionRole",
    "AWSLambdaKinesisExecutionRole",
    "AWSLambdaDynamoDBExecutionRole",
    "AWSLambdaMSKExecutionRole",
];

/// Is the action (`service:Name`) one of [`EXECUTION_BASELINE`]?
pub fn is_baseline(action: &str) -> bool {
    EXECUTION_BASELINE.iter().any(|b| b.eq_ignore_ascii_case(action))
}

/// Actions that read data or secrets: granted on `*`, they open every secret, key, parameter or
/// object of the account.
pub const SENSITIVE_READ_ACTIONS: &[&str] = &[
    "secretsmanager:GetSecretValue",
    "kms:Decrypt",
    "ssm:GetParameter",
    "ssm:GetParameters",
    "ssm:GetParametersByPath",
    "s3:GetObject",
    "dynamodb:Scan",
    "dynamodb:GetItem",
];

/// Actions that let a principal raise its own privileges on their own.
pub const ESCALATION_ACTIONS: &[&str] = &[
    "iam:CreatePolicyVersion",
    "iam:SetDefaultPolicyVersion",
    "iam:AttachUserPolicy",
    "iam:AttachGroupPolicy",
    "iam:AttachRolePolicy",
    "iam:PutUserPolicy",
    "iam:PutGroupPolicy",
    "iam:PutRolePolicy",
    "iam:UpdateAssumeRolePolicy",
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    "iam:UpdateLoginProfile",
    "iam:AddUserToGroup",
    "iam:PutRolePermissionsBoundary",
    "iam:DeleteRolePermissionsBoundary",
    "iam:PutUserPermissionsBoundary",
    "iam:DeleteUserPermissionsBoundary",
    "lambda:UpdateFunctionCode",
    "lambda:UpdateFunctionConfiguration",
    "glue:UpdateDevEndpoint",
];

/// Services that run code with a role passed to them: with `iam:PassRole`, creating one of these
/// runs code with any passable role's permissions.
pub const PASSROLE_PARTNERS: &[&str] = &[
    "lambda:CreateFunction",
    "cloudformation:CreateStack",
    "cloudformation:UpdateStack",
    "ec2:RunInstances",
    "glue:CreateDevEndpoint",
    "glue:CreateJob",
    "codebuild:CreateProject",
    "datapipeline:CreatePipeline",
    "sagemaker:CreateNotebookInstance",
    "ecs:RunTask",
    "ecs:RegisterTaskDefinition",
];

/// Condition keys that make trusting another account safe enough (the confused-deputy guard and
/// MFA).
pub const TRUST_GUARD_KEYS: &[&str] = &["sts:ExternalId", "aws:MultiFactorAuthPresent", "aws:MultiFactorAuthAge"];

/// Condition keys that restrict who may use a `*` principal.
pub const PRINCIPAL_RESTRICTING_KEYS: &[&str] = &[
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:SourceOwner",
    "sts:ExternalId",
];

/// Facts about one statement. Each list holds what was found and where it was written.
#[derive(Debug, Clone, Default)]
pub struct StatementFacts {
    /// `*` / `*:*` actions.
    pub action_wildcard: Vec<Loc>,
    /// `service:*` actions: the service prefix.
    pub service_wildcards: Vec<(String, Loc)>,
    /// `*` (or all-wildcard ARN) resources.
    pub resource_wildcard: Vec<Loc>,
    /// Mutating actions granted on every resource, except those AWS only grants on `*`, the
    /// execution baseline and event-source polling where the role's functions need them, what a
    /// condition silences and what a Deny takes away.
    pub mutating_on_wildcard: Vec<(String, Loc)>,
    /// Sensitive read actions granted on every resource (same exceptions).
    pub sensitive_on_wildcard: Vec<(String, Loc)>,
    /// The condition keys that narrow every one of the grants above without removing them
    /// (`dynamodb:LeadingKeys`): the findings are then one severity lower.
    pub narrowed_by: Vec<String>,
    /// Action values that name nothing IAM has, with why (`s3:GetObjects`, an unknown prefix).
    pub unknown_actions: Vec<(String, Loc)>,
    /// Privilege-escalation actions granted (by this statement, or with a partner elsewhere in the
    /// same role), as `action` or `action + partner`.
    pub escalation: Vec<(String, Loc)>,
    /// Principals that are anyone (`*`, `{"AWS": "*"}`, an ARN with no account), unguarded.
    pub any_principal: Vec<(String, Loc)>,
    /// Other accounts trusted without ExternalId or MFA.
    pub unguarded_accounts: Vec<(String, Loc)>,
    /// The statement grants `iam:PassRole` on `*`.
    pub passrole_on_wildcard: Vec<Loc>,
}

/// Is `v` a full wildcard resource: `*`, or an ARN whose every part after `arn` is `*`/empty?
pub fn is_wildcard_resource(v: &Val) -> bool {
    match v.known() {
        Some("*") => true,
        Some(s) if s.starts_with("arn:") => {
            let parts: Vec<&str> = s.split(':').collect();
            parts.len() >= 2
                && parts[1..].iter().all(|p| p.is_empty() || *p == "*" || *p == "aws")
                && parts.contains(&"*")
                && parts.last().is_some_and(|p| *p == "*")
        }
        _ => false,
    }
}

fn is_full_wildcard_action(a: &str) -> bool {
    a == "*" || a == "*:*"
}

/// Does the statement (Allow) grant `action`? Known actions only: an unknown value grants
/// nothing we can name.
pub fn grants(s: &Statement, action: &str) -> Option<Loc> {
    if s.effect != Some(Effect::Allow) {
        return None;
    }
    if let Some(loc) = s.not_action_loc {
        // NotAction grants everything it does not list (if every listed value is known).
        if s.not_actions.iter().all(|v| v.known().is_some())
            && !s.not_actions.iter().filter_map(Val::known).any(|p| glob_match_ci(p, action))
        {
            return Some(loc);
        }
        return None;
    }
    s.actions.iter().find(|v| v.known().is_some_and(|p| glob_match_ci(p, action))).map(Val::loc)
}

fn on_wildcard(s: &Statement) -> bool {
    s.resources.iter().any(is_wildcard_resource) || s.not_resource_loc.is_some()
}

fn has_condition_key(s: &Statement, keys: &[&str]) -> bool {
    s.conditions.iter().any(|c| {
        keys.iter().any(|k| c.key.eq_ignore_ascii_case(k))
            && c.values.iter().any(|v| v.known().is_none_or(|t| guards(&c.key, t)))
    })
}

/// Does a condition value on `key` actually restrict anything? `sts:ExternalId: ""` guards
/// nothing; `aws:MultiFactorAuthPresent: "false"` even less.
fn guards(key: &str, value: &str) -> bool {
    let mfa_off = key.eq_ignore_ascii_case("aws:MultiFactorAuthPresent") && value.eq_ignore_ascii_case("false");
    !value.is_empty() && !mfa_off
}

/// Could `resource` be a resource of `service`? `*`, unresolved values and non-ARN names could;
/// an ARN can only if its service part matches (`iam:PutRolePolicy` on a log group grants nothing).
fn may_target(resource: &Val, service: &str) -> bool {
    let text = match resource {
        Val::Known(s, _) | Val::Partial(s, _) => s,
        Val::Unknown(..) => return true,
    };
    let Some(arn) = super::parse_arn(text) else { return true };
    arn.service.contains("${") || glob_match_ci(arn.service, service)
}

/// Does the statement grant `action` on some resource it applies to?
fn grants_on_its_service(s: &Statement, action: &str) -> Option<Loc> {
    let loc = grants(s, action)?;
    let service = action.split(':').next().unwrap_or("");
    if s.not_resource_loc.is_some() || s.resources.iter().any(|r| may_target(r, service)) { Some(loc) } else { None }
}

/// The account an AWS principal names: a 12-digit id, or the account field of an IAM ARN.
/// `Some("")` for an ARN with an empty or `*` account (anyone); `None` when there is no account
/// (a service, a partial value).
pub fn principal_account(v: &Val) -> Option<String> {
    let s = v.known()?;
    if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) {
        return Some(s.to_string());
    }
    let arn = super::parse_arn(s).filter(|a| a.has_account())?;
    let account = arn.account;
    if arn.service != "iam" && arn.service != "sts" {
        return None;
    }
    if account.is_empty() || account == "*" {
        return Some(String::new());
    }
    Some(account.to_string())
}

/// Does `resource` stand for every resource `action` applies to: `*`, an all-wildcard ARN, or an
/// ARN pattern of the action's own resource types with nothing named (`arn:aws:s3:::*` for
/// `s3:PutObject`)? Unresolved values never do.
pub fn covers_every(resource: &Val, action: &Action) -> bool {
    if is_wildcard_resource(resource) {
        return true;
    }
    match resource {
        Val::Known(t, _) | Val::Partial(t, _) => t.contains('*') && action.every_resource_in(t),
        Val::Unknown(..) => false,
    }
}

/// Computes the facts of every statement of `model`.
pub fn analyze(model: &Model) -> Vec<StatementFacts> {
    let cat = catalog();
    let lambda = RoleUse::new(model);
    let mut facts: Vec<StatementFacts> =
        model.statements.iter().map(|s| statement_facts(model, s, cat, &lambda)).collect();
    passrole_paths(model, &mut facts);
    managed_once(model, &mut facts);
    facts
}

/// Escalation paths that need two actions: `iam:PassRole` plus a service that runs code with a
/// passed role, granted anywhere in the same role. With PassRole limited to named roles, only
/// when one of them holds more than the roles that may pass it.
fn passrole_paths(model: &Model, facts: &mut [StatementFacts]) {
    for (i, s) in model.statements.iter().enumerate() {
        if s.kind != PolicyKind::Identity || s.effect != Some(Effect::Allow) {
            continue;
        }
        let Some(pass_loc) = grants_on_its_service(s, "iam:PassRole") else { continue };
        let partners: Vec<String> = PASSROLE_PARTNERS
            .iter()
            .filter(|p| {
                model.statements.iter().any(|o| {
                    o.kind == PolicyKind::Identity
                        && grants(o, p).is_some()
                        && (std::ptr::eq(o, s) || o.roles.iter().any(|r| s.roles.contains(r)))
                })
            })
            .map(|p| p.to_string())
            .collect();
        if partners.is_empty() {
            continue;
        }
        let partners = partners.join(" / ");
        let targets = passrole::targets(model, s);
        let role_name = |id: usize| model.roles.get(id).map_or("?", |r| r.name.as_str());
        let why = if targets.contains(&Target::Any) {
            Some(format!("iam:PassRole + {partners}"))
        } else if let Some(Target::Role(id)) =
            targets.iter().find(|t| matches!(t, Target::Role(id) if passrole::holds_more(model, *id, &s.roles)))
        {
            Some(format!("iam:PassRole of role `{}` (it holds more than this role) + {partners}", role_name(*id)))
        } else if let Some(Target::Elsewhere(what)) = targets.iter().find(|t| matches!(t, Target::Elsewhere(_))) {
            Some(format!(
                "iam:PassRole of `{what}` (defined elsewhere: slsguard cannot tell whether it holds more than this role) + {partners}"
            ))
        } else {
            None
        };
        if let Some(why) = why {
            facts[i].escalation.push((why, pass_loc));
        }
    }
}

/// An AWS managed policy is reported once per attachment, on its first statement (they all point
/// at the line that attaches it), and not at all when `iam-admin-managed-policy` or
/// `iam-broad-managed-policy` reports it whole.
fn managed_once(model: &Model, facts: &mut [StatementFacts]) {
    let mut first: HashMap<(&str, Loc, &[usize]), usize> = HashMap::new();
    for (i, s) in model.statements.iter().enumerate() {
        let Origin::AwsManaged { name } = &s.origin else { continue };
        let policy = super::managed::lookup(name).map(|(_, p)| p);
        let service_role = policy.is_some_and(|p| p.arn.contains(":policy/service-role/"))
            && !s.roles.is_empty()
            && s.roles.iter().all(|r| only_another_service_assumes(model, *r));
        if service_role || policy.is_some_and(|p| p.reported_whole()) {
            let f = &mut facts[i];
            f.mutating_on_wildcard.clear();
            f.sensitive_on_wildcard.clear();
            f.narrowed_by.clear();
            continue;
        }
        let j = *first.entry((name.as_str(), s.loc, s.roles.as_slice())).or_insert(i);
        if j == i {
            continue;
        }
        let moved = std::mem::take(&mut facts[i]);
        let reported = |f: &StatementFacts| !f.mutating_on_wildcard.is_empty() || !f.sensitive_on_wildcard.is_empty();
        let target = &mut facts[j];
        // Lower only if every reported grant of the policy is narrowed.
        if reported(&moved) {
            if !reported(target) {
                target.narrowed_by = moved.narrowed_by.clone();
            } else if moved.narrowed_by.is_empty() {
                target.narrowed_by.clear();
            } else if !target.narrowed_by.is_empty() {
                target.narrowed_by.extend(
                    moved.narrowed_by.iter().filter(|k| !target.narrowed_by.contains(k)).cloned().collect::<Vec<_>>(),
                );
            }
        }
        for (list, from) in [
            (&mut target.mutating_on_wildcard, moved.mutating_on_wildcard),
            (&mut target.sensitive_on_wildcard, moved.sensitive_on_wildcard),
        ] {
            for item in from {
                if !list.iter().any(|x| x.0 == item.0) {
                    list.push(item);
                }
            }
        }
    }
}

/// Does only an AWS service other than Lambda assume role `r` (its trust policy names only
/// `Service` principals, none of them Lambda)? An AWS managed policy of the `service-role/` path on
/// such a role is that service's role as AWS defines it (the CodeDeploy role SAM creates for
/// `DeploymentPreference`, with `AWSCodeDeployRoleForLambda`).
fn only_another_service_assumes(model: &Model, r: usize) -> bool {
    let mut principals = model
        .statements
        .iter()
        .filter(|t| t.kind == PolicyKind::Trust && t.effect == Some(Effect::Allow) && t.roles.contains(&r))
        .flat_map(|t| &t.principals)
        .peekable();
    principals.peek().is_some()
        && principals.all(|p| {
            p.kind == "Service" && p.value.known().is_some_and(|v| !v.to_ascii_lowercase().starts_with("lambda."))
        })
}

/// Is statement `d` a Deny of the same policy set as `s`: attached to every role `s` is, or
/// (with no role) written in the same policy?
fn same_policy_set(s: &Statement, d: &Statement) -> bool {
    if s.roles.is_empty() {
        d.roles.is_empty() && d.owner == s.owner && d.loc.file == s.loc.file
    } else {
        s.roles.iter().all(|r| d.roles.contains(r))
    }
}

/// Does an explicit Deny of the same policy set take away `action` on every resource: denying it
/// on every resource, or everywhere but named resources (`NotResource`), which is then all the
/// Allow reaches? Only unconditional Denies that are always deployed count, and only when every
/// value that decides is known.
fn denied_everywhere(model: &Model, s: &Statement, action: &Action) -> bool {
    let full = action.full();
    model.statements.iter().any(|d| {
        if d.effect != Some(Effect::Deny)
            || d.kind != PolicyKind::Identity
            || !d.conditions.is_empty()
            || d.conditional
            || !same_policy_set(s, d)
        {
            return false;
        }
        let denies_action = if d.not_action_loc.is_some() {
            d.not_actions.iter().all(|v| v.known().is_some())
                && !d.not_actions.iter().filter_map(Val::known).any(|p| glob_match_ci(p.trim(), &full))
        } else {
            d.actions.iter().filter_map(Val::known).any(|p| glob_match_ci(p.trim(), &full))
        };
        if !denies_action {
            return false;
        }
        if d.not_resource_loc.is_some() {
            !d.not_resources.is_empty() && !d.not_resources.iter().any(|r| covers_every(r, action))
        } else {
            d.resources.iter().any(|r| covers_every(r, action))
        }
    })
}

fn statement_facts(model: &Model, s: &Statement, cat: &Catalog, lambda: &RoleUse) -> StatementFacts {
    let mut f = StatementFacts::default();
    for a in s.actions.iter().chain(&s.not_actions) {
        let Some(text) = a.known() else { continue };
        // `sqs:DeleteMessageBatch` next to `sqs:DeleteMessage` (as AWS's own SAM templates write
        // it) is only redundant: the batch call is authorised by the action beside it.
        let redundant_batch = text.trim().strip_suffix("Batch").is_some_and(|single| {
            cat.lookup(single).is_some()
                && s.actions
                    .iter()
                    .chain(&s.not_actions)
                    .filter_map(Val::known)
                    .any(|o| glob_match_ci(o.trim(), single))
        });
        if let Some(why) = cat.explain_unknown(text).filter(|_| !redundant_batch) {
            f.unknown_actions.push((why, a.loc()));
        }
    }
    if s.effect != Some(Effect::Allow) {
        return f;
    }
    match s.kind {
        PolicyKind::Identity => {
            for a in &s.actions {
                let Some(text) = a.known() else { continue };
                if is_full_wildcard_action(text) {
                    f.action_wildcard.push(a.loc());
                } else if let Some((svc, "*")) = text.split_once(':') {
                    f.service_wildcards.push((svc.to_ascii_lowercase(), a.loc()));
                }
            }
            f.resource_wildcard = s.resources.iter().filter(|r| is_wildcard_resource(r)).map(Val::loc).collect();
            // `Action: "*"` and NotAction statements are reported whole (iam-wildcard-action,
            // iam-not-action); listing what they imply would only repeat them.
            if !f.action_wildcard.is_empty() || s.not_action_loc.is_some() {
                return f;
            }
            wildcard_grants(model, s, cat, lambda, &mut f);
            if on_wildcard(s) {
                if let Some(loc) = grants(s, "iam:PassRole") {
                    f.passrole_on_wildcard.push(loc);
                    f.escalation.push(("iam:PassRole on *".into(), loc));
                }
                if let Some(loc) = grants(s, "sts:AssumeRole") {
                    f.escalation.push(("sts:AssumeRole on *".into(), loc));
                }
            }
            for act in ESCALATION_ACTIONS {
                if let Some(loc) = grants_on_its_service(s, act) {
                    f.escalation.push((act.to_string(), loc));
                }
            }
        }
        PolicyKind::Trust | PolicyKind::Resource => {
            let restricted = has_condition_key(s, PRINCIPAL_RESTRICTING_KEYS);
            let guarded = has_condition_key(s, TRUST_GUARD_KEYS);
            for p in &s.principals {
                let any = p.kind == "*"
                    || (p.kind == "AWS"
                        && (p.value.is_known("*") || principal_account(&p.value).is_some_and(|a| a.is_empty())));
                if any && !restricted {
                    f.any_principal.push((p.value.display().to_string(), p.value.loc()));
                } else if p.kind == "AWS" && !guarded && s.kind == PolicyKind::Trust {
                    if let Some(acct) = principal_account(&p.value).filter(|a| !a.is_empty()) {
                        f.unguarded_accounts.push((acct, p.value.loc()));
                    }
                }
            }
        }
    }
    f
}

/// The writes and sensitive reads an Allow identity statement grants on every resource, by its
/// named actions (`service:*` is reported by iam-service-wildcard-action): only actions that can
/// be scoped, not the execution baseline or event-source polling where a function of the role
/// needs them, not what a condition silences or a Deny takes away.
fn wildcard_grants(model: &Model, s: &Statement, cat: &Catalog, lambda: &RoleUse, f: &mut StatementFacts) {
    // Reported by iam-privilege-escalation.
    let reported_elsewhere = |full: &str| {
        ESCALATION_ACTIONS.iter().chain(&["iam:PassRole", "sts:AssumeRole"]).any(|x| x.eq_ignore_ascii_case(full))
    };
    let mut seen = BTreeSet::new();
    let mut lowered: Vec<String> = Vec::new();
    let mut full_severity = false;
    for a in &s.actions {
        let Some(text) = a.known().map(str::trim).filter(|t| !t.ends_with(":*")) else { continue };
        for act in cat.expand(text) {
            let full = act.full();
            let sensitive = SENSITIVE_READ_ACTIONS.iter().any(|x| x.eq_ignore_ascii_case(&full));
            if !(sensitive || act.level.is_mutating() && !reported_elsewhere(&full))
                || !act.scopeable()
                || (is_baseline(&full) || EVENT_SOURCE_POLLING.iter().any(|x| x.eq_ignore_ascii_case(&full)))
                    && lambda.needs(&s.roles, &full)
                || seen.contains(&full)
                || !s.resources.iter().any(|r| covers_every(r, &act))
            {
                continue;
            }
            let narrowed = narrowing(s, act.service);
            if matches!(narrowed, Some((Narrowing::Silences, _))) || denied_everywhere(model, s, &act) {
                continue;
            }
            match narrowed {
                Some((_, keys)) => {
                    lowered.extend(keys.into_iter().filter(|k| !lowered.contains(k)).collect::<Vec<_>>())
                }
                None => full_severity = true,
            }
            seen.insert(full.clone());
            if sensitive {
                f.sensitive_on_wildcard.push((full, a.loc()));
            } else {
                f.mutating_on_wildcard.push((full, a.loc()));
            }
        }
    }
    if !full_severity {
        f.narrowed_by = lowered;
    }
}

/// The level of an action pattern's most powerful grant, for summaries.
pub fn max_level(pattern: &str) -> Option<Level> {
    catalog().expand(pattern).iter().map(|a| a.level).max()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statement(actions: &[&str]) -> Statement {
        let mut s = Statement::new(Loc::default(), PolicyKind::Identity, Origin::Inline, "t".into());
        s.effect = Some(Effect::Allow);
        s.actions = actions.iter().map(|a| Val::Known(a.to_string(), Loc::default())).collect();
        s.resources = vec![Val::Known("arn:aws:sqs:eu-west-1:123456789012:jobs".into(), Loc::default())];
        s
    }

    #[test]
    fn a_batch_action_beside_its_single_action_is_only_redundant() {
        let mut m = Model::new(crate::model::Format::CloudFormation, vec!["t".into()]);
        m.statements.push(statement(&["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:DeleteMessageBatch"]));
        m.statements.push(statement(&["sqs:ReceiveMessage", "sqs:DeleteMessageBatch"]));
        let f = analyze(&m);
        assert!(f[0].unknown_actions.is_empty(), "{:?}", f[0].unknown_actions);
        assert_eq!(f[1].unknown_actions.len(), 1);
        assert!(f[1].unknown_actions[0].0.contains("authorised by `sqs:DeleteMessage`"));
    }

    #[test]
    fn the_baseline_is_what_the_aws_execution_policies_grant() {
        let mut granted = BTreeSet::new();
        for name in BASELINE_POLICIES {
            let (_, p) = super::super::managed::lookup(name).expect("a baseline policy");
            for s in &p.statements {
                assert_eq!(s.resources.as_deref(), Some(&["*".to_string()][..]), "{name}");
                granted.extend(s.actions.iter().flatten().map(|a| a.to_ascii_lowercase()));
            }
        }
        let no_params = crate::loader::yaml::parse_one("{}").expect("an empty mapping");
        for name in BASELINE_SAM_TEMPLATES {
            let doc = super::super::sam_templates::expand(name, &no_params, Default::default()).expect("a template");
            for st in doc.get("Statement").map(|s| s.one_or_many()).unwrap_or(&[]) {
                assert_eq!(st.get("Resource").and_then(|r| r.as_str()), Some("*"), "{name}");
                for a in st.get("Action").map(|a| a.one_or_many()).unwrap_or(&[]) {
                    granted.insert(a.as_str().unwrap_or("").to_ascii_lowercase());
                }
            }
        }
        let ours: BTreeSet<String> = EXECUTION_BASELINE.iter().map(|a| a.to_ascii_lowercase()).collect();
        assert_eq!(ours, granted);
        // The event-source policies grant nothing else the wildcard rules would report.
        for name in EVENT_SOURCE_POLICIES {
            let (_, p) = super::super::managed::lookup(name).expect("an event-source policy");
            for a in p.statements.iter().flat_map(|s| s.actions.iter().flatten()) {
                let act = catalog().lookup(a).expect("a catalogued action");
                let quiet = is_baseline(a)
                    || EVENT_SOURCE_POLLING.iter().any(|x| x.eq_ignore_ascii_case(a))
                    || !act.level.is_mutating() && !SENSITIVE_READ_ACTIONS.iter().any(|x| x.eq_ignore_ascii_case(a));
                assert!(quiet, "{name}: {a}");
            }
        }
        for a in EXECUTION_BASELINE {
            assert!(catalog().lookup(a).is_some(), "{a}");
        }
    }
}
