//! Conditions that narrow a grant on every resource. `Resource: "*"` with
//! `Condition: {StringEquals: {aws:ResourceTag/team: orders}}` only reaches the resources tagged
//! so; with `aws:SourceArn` it only applies to requests a service makes on behalf of that
//! resource. Each key is decided once, in [`KEYS`]; the docs of `iam-wildcard-resource` and
//! `iam-sensitive-wildcard-resource` show the same table (a test keeps them in step).

use super::glob_match_ci;
use crate::model::{Condition, Statement, Val};

/// What a condition does to a grant on every resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Narrowing {
    /// Still every resource, but fewer requests (items of a partition key, one encryption
    /// context): reported one severity lower.
    Lowers,
    /// No longer every resource (or not the function's own requests at all): not reported.
    Silences,
}

/// Condition keys (globs, ignoring case) that narrow a grant on every resource, with how and
/// why. A key of another service than the action's is in this table's spirit too: see
/// [`narrowing`].
pub const KEYS: &[(&str, Narrowing, &str)] = &[
    (
        "aws:SourceArn",
        Narrowing::Silences,
        "only requests a service makes on behalf of that resource carry it; the function's own calls do not",
    ),
    (
        "aws:SourceAccount",
        Narrowing::Silences,
        "as `aws:SourceArn`: only requests a service makes on behalf of a resource",
    ),
    ("aws:SourceOwner", Narrowing::Silences, "as `aws:SourceArn`"),
    (
        "aws:CalledVia",
        Narrowing::Silences,
        "only requests a named service (CloudFormation, Athena…) makes for the caller",
    ),
    ("aws:CalledViaFirst", Narrowing::Silences, "as `aws:CalledVia`"),
    ("aws:CalledViaLast", Narrowing::Silences, "as `aws:CalledVia`"),
    ("aws:ResourceTag/*", Narrowing::Silences, "only resources carrying the tag (attribute-based access control)"),
    ("*:ResourceTag/*", Narrowing::Silences, "the service's own form of `aws:ResourceTag`"),
    ("s3:ExistingObjectTag/*", Narrowing::Silences, "only objects carrying the tag"),
    (
        "s3:prefix",
        Narrowing::Silences,
        "present only in listing requests (`s3:ListBucket`): the statement grants no object read or write",
    ),
    (
        "kms:ViaService",
        Narrowing::Silences,
        "only through the named service, for data the caller can already reach there",
    ),
    ("ec2:Vpc", Narrowing::Silences, "only resources in the named VPC"),
    ("ec2:Subnet", Narrowing::Silences, "only resources in the named subnet"),
    (
        "ec2:ManagedResourceOperator",
        Narrowing::Silences,
        "only resources the named AWS service manages (Lambda managed instances)",
    ),
    ("iam:AWSServiceName", Narrowing::Silences, "only the service-linked role of the named service"),
    (
        "iam:PassedToService",
        Narrowing::Silences,
        "present only in `iam:PassRole` requests, which `iam-privilege-escalation` judges",
    ),
    ("secretsmanager:SecretId", Narrowing::Silences, "names the secret"),
    ("lambda:FunctionArn", Narrowing::Silences, "names the function (event source mappings)"),
    ("dynamodb:LeadingKeys", Narrowing::Lowers, "only items whose partition key matches, but in every table"),
    ("dynamodb:Attributes", Narrowing::Lowers, "only the named attributes, but in every table"),
    ("kms:EncryptionContext:*", Narrowing::Lowers, "only data encrypted with that context, but under every key"),
    ("kms:EncryptionContextKeys", Narrowing::Lowers, "as `kms:EncryptionContext:…`"),
];

/// Service keys that are in every request made with a role's credentials, whatever the service
/// called: they say where the credentials are used, not what they reach.
const CREDENTIAL_KEYS: &[&str] = &[
    "lambda:SourceFunctionArn",
    "ec2:SourceInstanceArn",
    "ec2:RoleDelivery",
    "glue:RoleAssumedBy",
    "glue:CredentialIssuingService",
];

/// Does the condition require its key to be present with one of its values? Negated operators
/// (`StringNotEquals`), `…IfExists`, `Null` and `ForAllValues:` hold when the key is absent, so
/// they narrow nothing here; a condition whose every value is `*` narrows nothing either.
fn requires_key(c: &Condition) -> bool {
    let op = c.operator.as_str();
    let lower = op.to_ascii_lowercase();
    let op = lower.strip_prefix("foranyvalue:").unwrap_or(&lower);
    if op.starts_with("forallvalues:") || op.ends_with("ifexists") || op == "null" || op.contains("not") {
        return false;
    }
    !c.values.is_empty() && !c.values.iter().all(|v| matches!(v, Val::Known(t, _) if t.chars().all(|ch| ch == '*')))
}

/// How the statement's conditions narrow its grant of an action of `service` on every resource,
/// and the keys that do it; `None` when nothing narrows it.
///
/// Besides [`KEYS`]: a condition on another catalogued service's key (`dynamodb:LeadingKeys` for
/// an `s3` action) fails for this action, whose requests never carry the key, so the statement
/// does not grant it at all.
pub fn narrowing(s: &Statement, service: &str) -> Option<(Narrowing, Vec<String>)> {
    let mut best: Option<(Narrowing, Vec<String>)> = None;
    for c in s.conditions.iter().filter(|c| requires_key(c)) {
        let prefix = c.key.split_once(':').map_or("", |(p, _)| p);
        let foreign = !prefix.eq_ignore_ascii_case("aws")
            && !prefix.eq_ignore_ascii_case(service)
            && super::actions::catalog().knows_service(prefix)
            && !CREDENTIAL_KEYS.iter().any(|k| k.eq_ignore_ascii_case(&c.key));
        let how = if foreign {
            Some(Narrowing::Silences)
        } else {
            KEYS.iter().find(|(k, _, _)| glob_match_ci(k, &c.key)).map(|(_, n, _)| *n)
        };
        let Some(how) = how else { continue };
        match &mut best {
            Some((b, keys)) if *b == how => {
                if !keys.contains(&c.key) {
                    keys.push(c.key.clone());
                }
            }
            Some((b, _)) if *b > how => {}
            _ => best = Some((how, vec![c.key.clone()])),
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Loc, Origin, PolicyKind};

    fn stmt(conds: &[(&str, &str, &[&str])]) -> Statement {
        let mut s = Statement::new(Loc::default(), PolicyKind::Identity, Origin::Inline, "t".into());
        s.conditions = conds
            .iter()
            .map(|(op, key, vals)| Condition {
                operator: op.to_string(),
                key: key.to_string(),
                values: vals.iter().map(|v| crate::frontend::values::string_val(v, Loc::default())).collect(),
            })
            .collect();
        s
    }

    #[test]
    fn keys_decide() {
        let n = |conds: &[(&str, &str, &[&str])], svc: &str| narrowing(&stmt(conds), svc).map(|x| x.0);
        assert_eq!(n(&[], "s3"), None);
        assert_eq!(
            n(&[("ArnLike", "aws:SourceArn", &["arn:aws:states:*:1:stateMachine:x"])], "logs"),
            Some(Narrowing::Silences)
        );
        assert_eq!(n(&[("StringEquals", "aws:ResourceTag/team", &["orders"])], "s3"), Some(Narrowing::Silences));
        assert_eq!(n(&[("StringEquals", "SSM:resourceTag/team", &["orders"])], "ssm"), Some(Narrowing::Silences));
        assert_eq!(n(&[("ForAllValues:StringEquals", "dynamodb:LeadingKeys", &["${cognito}"])], "dynamodb"), None);
        assert_eq!(
            n(&[("ForAnyValue:StringEquals", "dynamodb:LeadingKeys", &["u1"])], "dynamodb"),
            Some(Narrowing::Lowers)
        );
        // A dynamodb key fails for an s3 request: the statement grants no s3 action.
        assert_eq!(n(&[("StringEquals", "dynamodb:LeadingKeys", &["u1"])], "s3"), Some(Narrowing::Silences));
        // Absent-key-tolerant operators and `*` values narrow nothing.
        assert_eq!(n(&[("StringEqualsIfExists", "aws:SourceArn", &["arn:aws:sns:x"])], "s3"), None);
        assert_eq!(n(&[("StringNotEquals", "aws:ResourceTag/team", &["orders"])], "s3"), None);
        assert_eq!(n(&[("StringLike", "aws:ResourceTag/team", &["*"])], "s3"), None);
        // Keys about the caller, not the resource.
        assert_eq!(n(&[("IpAddress", "aws:SourceIp", &["10.0.0.0/8"])], "s3"), None);
        assert_eq!(n(&[("ArnEquals", "lambda:SourceFunctionArn", &["arn:aws:lambda:x"])], "s3"), None);
        // Unresolved values still narrow (an unknown value is never a wildcard).
        assert_eq!(
            n(&[("StringEquals", "aws:SourceAccount", &["${AWS::AccountId}"])], "logs"),
            Some(Narrowing::Silences)
        );
        // Silencing wins over lowering.
        let both = narrowing(
            &stmt(&[
                ("StringEquals", "kms:EncryptionContext:app", &["x"]),
                ("StringEquals", "kms:ViaService", &["s3.eu-west-1.amazonaws.com"]),
            ]),
            "kms",
        );
        assert_eq!(both, Some((Narrowing::Silences, vec!["kms:ViaService".to_string()])));
    }

    #[test]
    fn the_rule_docs_show_this_table() {
        for (file, text) in [
            ("iam-wildcard-resource", include_str!("../../rules/iam/iam-wildcard-resource.yml")),
            ("iam-sensitive-wildcard-resource", include_str!("../../rules/iam/iam-sensitive-wildcard-resource.yml")),
        ] {
            for (key, how, why) in KEYS {
                let effect = match how {
                    Narrowing::Lowers => "one severity lower",
                    Narrowing::Silences => "not reported",
                };
                let row = format!("| `{key}` | {effect} | {why} |");
                assert!(text.contains(&row), "{file} lacks the row {row}");
            }
        }
    }
}
