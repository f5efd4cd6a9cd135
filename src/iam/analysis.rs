//! Derived facts about statements and roles, computed once per model: wildcard kinds, the
//! actions a statement really grants (wildcards expanded against the catalog), their access
//! levels, privilege-escalation paths, and what trust policies let in. Rules read these as
//! fields, so rule files stay short.

use super::actions::{Level, catalog};
use super::glob_match_ci;
use crate::model::{Effect, Loc, Model, PolicyKind, Statement, Val};

/// Write actions that AWS only grants on `Resource: "*"` (they support no resource-level
/// permissions), and that functions commonly need: flagging them on `*` would be noise.
pub const STAR_ONLY_ACTIONS: &[&str] = &[
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "cloudwatch:PutMetricData",
    "ec2:CreateNetworkInterface",
    "ec2:DeleteNetworkInterface",
    "ec2:DetachNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
    "codepipeline:PutJobSuccessResult",
    "codepipeline:PutJobFailureResult",
    "mobileanalytics:PutEvents",
    "ses:SendEmail",
    "ses:SendRawEmail",
    "textract:AnalyzeDocument",
    "textract:AnalyzeExpense",
    "textract:AnalyzeID",
    "textract:DetectDocumentText",
    "textract:StartDocumentAnalysis",
    "textract:StartDocumentTextDetection",
    "textract:StartExpenseAnalysis",
    "textract:StartLendingAnalysis",
];

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
    /// Mutating actions granted on `*` (STAR_ONLY_ACTIONS excepted); with a wildcard action, the
    /// summary `every action`.
    pub mutating_on_wildcard: Vec<(String, Loc)>,
    /// Sensitive read actions granted on `*`.
    pub sensitive_on_wildcard: Vec<(String, Loc)>,
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

/// Computes the facts of every statement of `model`.
pub fn analyze(model: &Model) -> Vec<StatementFacts> {
    let cat = catalog();
    let mut facts: Vec<StatementFacts> = model.statements.iter().map(|s| statement_facts(s, cat)).collect();
    // Escalation paths that need two actions: iam:PassRole plus a service that runs code with a
    // passed role, granted anywhere in the same role.
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
        if !partners.is_empty() {
            facts[i].escalation.push((format!("iam:PassRole + {}", partners.join(" / ")), pass_loc));
        }
    }
    facts
}

fn statement_facts(s: &Statement, cat: &super::actions::Catalog) -> StatementFacts {
    let mut f = StatementFacts::default();
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
            // Actions granted through `service:*` are reported by iam-service-wildcard-action;
            // the lists below come from the named (or partly wildcarded) actions.
            let named: Vec<&Val> = s.actions.iter().filter(|a| a.known().is_some_and(|t| !t.ends_with(":*"))).collect();
            let named_grants = |action: &str| {
                named.iter().find(|a| a.known().is_some_and(|p| glob_match_ci(p, action))).map(|a| a.loc())
            };
            if !f.resource_wildcard.is_empty() {
                let mut seen = std::collections::BTreeSet::new();
                let reported_elsewhere = |full: &str| {
                    STAR_ONLY_ACTIONS
                        .iter()
                        .chain(SENSITIVE_READ_ACTIONS)
                        .chain(ESCALATION_ACTIONS)
                        .chain(&["iam:PassRole", "sts:AssumeRole"])
                        .any(|x| x.eq_ignore_ascii_case(full))
                };
                for a in &named {
                    let Some(text) = a.known() else { continue };
                    for act in cat.expand(text) {
                        let full = act.full();
                        if act.level.is_mutating() && !reported_elsewhere(&full) && seen.insert(full.clone()) {
                            f.mutating_on_wildcard.push((full, a.loc()));
                        }
                    }
                    // An action the catalog does not know is judged by its name.
                    if cat.level(text).is_none()
                        && !text.contains('*')
                        && looks_mutating(text)
                        && seen.insert(text.to_string())
                    {
                        f.mutating_on_wildcard.push((text.to_string(), a.loc()));
                    }
                }
                for act in SENSITIVE_READ_ACTIONS {
                    if let Some(loc) = named_grants(act) {
                        f.sensitive_on_wildcard.push((act.to_string(), loc));
                    }
                }
            }
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

/// For actions missing from the catalog (new services), a verb prefix tells whether they write.
fn looks_mutating(action: &str) -> bool {
    let name = action.split_once(':').map_or(action, |x| x.1);
    const VERBS: &[&str] = &[
        "Put",
        "Create",
        "Delete",
        "Update",
        "Attach",
        "Detach",
        "Set",
        "Add",
        "Remove",
        "Modify",
        "Write",
        "Start",
        "Stop",
        "Terminate",
        "Invoke",
        "Send",
        "Publish",
    ];
    VERBS.iter().any(|v| name.starts_with(v))
}

/// The level of an action pattern's most powerful grant, for summaries.
pub fn max_level(pattern: &str) -> Option<Level> {
    catalog().expand(pattern).iter().map(|a| a.level).max()
}
