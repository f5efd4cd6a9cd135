//! AWS managed policies: their documents, looked up by name or ARN. The data holds one policy per
//! line; a policy's statements are parsed the first time a scan refers to it (parsing all 1,594
//! up front cost ~130 ms, a lot for a pre-commit hook).

use crate::model::{Condition, Effect, Loc, Origin, PolicyKind, RoleId, Statement, Val};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::OnceLock;

static DATA: &str = include_str!("../../data/aws-managed-policies.tsv");

/// A statement of a managed policy, in the compact form of data/compact.py.
#[derive(Debug, Clone, Deserialize)]
pub struct CompactStatement {
    #[serde(rename = "E")]
    pub effect: String,
    #[serde(rename = "A", default)]
    pub actions: Option<Vec<String>>,
    #[serde(rename = "NA", default)]
    pub not_actions: Option<Vec<String>>,
    #[serde(rename = "R", default)]
    pub resources: Option<Vec<String>>,
    #[serde(rename = "NR", default)]
    pub not_resources: Option<Vec<String>>,
    /// The statement's Condition as AWS wrote it (operator → key → value or values).
    #[serde(rename = "C", default)]
    pub condition: Option<BTreeMap<String, BTreeMap<String, serde_json::Value>>>,
}

impl CompactStatement {
    fn allows(&self) -> bool {
        self.effect.eq_ignore_ascii_case("allow")
    }

    /// An unconditional Allow on `Resource: "*"`.
    fn allows_everywhere(&self) -> bool {
        self.allows() && self.condition.is_none() && self.resources.as_ref().is_some_and(|r| r.iter().any(|x| x == "*"))
    }
}

#[derive(Debug)]
pub struct ManagedPolicy {
    pub arn: &'static str,
    pub statements: Vec<CompactStatement>,
}

/// A line of the data: the ARN, the statements' JSON, and the statements once parsed.
struct Entry {
    arn: &'static str,
    json: &'static str,
    parsed: OnceLock<ManagedPolicy>,
}

fn entries() -> &'static HashMap<&'static str, Entry> {
    static ENTRIES: OnceLock<HashMap<&'static str, Entry>> = OnceLock::new();
    ENTRIES.get_or_init(|| {
        DATA.lines()
            .filter_map(|line| {
                let mut parts = line.splitn(3, '\t');
                let (name, arn, json) = (parts.next()?, parts.next()?, parts.next()?);
                Some((name, Entry { arn, json, parsed: OnceLock::new() }))
            })
            .collect()
    })
}

impl Entry {
    fn policy(&self) -> &ManagedPolicy {
        self.parsed.get_or_init(|| ManagedPolicy {
            arn: self.arn,
            // Embedded data, checked by the tests; a line that did not parse would leave the
            // policy without statements (so: never reported) rather than fail the scan.
            statements: serde_json::from_str(self.json).unwrap_or_default(),
        })
    }
}

impl ManagedPolicy {
    /// Why the policy amounts to administrator access: every action on every resource,
    /// NotAction on `*`, or `iam:*` on `*` (it can grant itself anything). Empty when it does not.
    pub fn admin_reasons(&self) -> Vec<String> {
        let mut why = Vec::new();
        for s in self.statements.iter().filter(|s| s.allows_everywhere()) {
            let acts = s.actions.as_deref().unwrap_or(&[]);
            if acts.iter().any(|x| x == "*" || x == "*:*") {
                why.push("every action on every resource".to_string());
            } else if let Some(not) = &s.not_actions {
                why.push(format!("every action but {} on every resource", not.join(", ")));
            } else if acts.iter().any(|x| x.eq_ignore_ascii_case("iam:*")) {
                why.push("iam:* on every resource (it can grant itself anything)".to_string());
            }
        }
        why
    }

    /// Services the policy grants `service:*` on `*` without condition, lowercase and sorted.
    pub fn full_access_services(&self) -> Vec<String> {
        let mut svcs = BTreeSet::new();
        for s in self.statements.iter().filter(|s| s.allows_everywhere()) {
            for act in s.actions.as_deref().unwrap_or(&[]) {
                if let Some((svc, "*")) = act.split_once(':') {
                    if svc != "*" {
                        svcs.insert(svc.to_ascii_lowercase());
                    }
                }
            }
        }
        svcs.into_iter().collect()
    }

    /// Reported whole by `iam-admin-managed-policy` or `iam-broad-managed-policy`: its single
    /// statements are then not reported again.
    pub fn reported_whole(&self) -> bool {
        !self.admin_reasons().is_empty() || !self.full_access_services().is_empty()
    }

    /// The policy's statements as model statements of policy `name`, attached to `roles`, every
    /// value pointing at `loc` (where the policy is referenced): they are judged like statements
    /// written inline.
    pub fn model_statements(&self, name: &str, loc: Loc, roles: &[RoleId]) -> Vec<Statement> {
        let origin = Origin::AwsManaged { name: name.to_string() };
        let vals = |v: &Option<Vec<String>>| v.iter().flatten().map(|x| Val::Known(x.clone(), loc)).collect::<Vec<_>>();
        self.statements
            .iter()
            .map(|cs| {
                let mut s =
                    Statement::new(loc, PolicyKind::Identity, origin.clone(), format!("AWS managed policy {name}"));
                s.roles = roles.to_vec();
                s.effect = Some(if cs.allows() { Effect::Allow } else { Effect::Deny });
                s.actions = vals(&cs.actions);
                s.not_actions = vals(&cs.not_actions);
                s.resources = vals(&cs.resources);
                s.not_resources = vals(&cs.not_resources);
                s.not_action_loc = cs.not_actions.as_ref().map(|_| loc);
                s.not_resource_loc = cs.not_resources.as_ref().map(|_| loc);
                for (operator, keys) in cs.condition.iter().flatten() {
                    for (key, value) in keys {
                        let values = match value {
                            serde_json::Value::Array(items) => items.iter().map(json_text).collect(),
                            one => vec![json_text(one)],
                        };
                        let values = values.into_iter().map(|t| Val::Known(t, loc)).collect();
                        s.conditions.push(Condition { operator: operator.clone(), key: key.clone(), values });
                    }
                }
                s
            })
            .collect()
    }
}

fn json_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

pub fn count() -> usize {
    entries().len()
}

/// The AWS managed policy a reference names: a name (`AdministratorAccess`), or an ARN
/// `arn:<partition>:iam::aws:policy/[path/]Name` (the partition may be `${AWS::Partition}`).
pub fn lookup(reference: &str) -> Option<(&'static str, &'static ManagedPolicy)> {
    let map = entries();
    let name = match super::parse_arn(reference) {
        Some(arn) => {
            if arn.service != "iam" || !arn.region.is_empty() || arn.account != "aws" {
                return None;
            }
            arn.resource.strip_prefix("policy/")?.rsplit('/').next()?
        }
        None => reference,
    };
    map.get_key_value(name).map(|(k, v)| (*k, v.policy()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups() {
        assert!(count() > 1500);
        // Every line parses.
        for e in entries().values() {
            assert!(serde_json::from_str::<Vec<CompactStatement>>(e.json).is_ok(), "{}", e.arn);
        }
        assert_eq!(lookup("AdministratorAccess").map(|p| p.0), Some("AdministratorAccess"));
        assert!(lookup("arn:aws:iam::aws:policy/AdministratorAccess").is_some());
        assert!(lookup("arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole").is_some());
        assert!(lookup("arn:aws:iam::123456789012:policy/Mine").is_none());
        assert!(lookup("NoSuchPolicy").is_none());
    }

    #[test]
    fn judgments_and_statements() {
        let admin = lookup("AdministratorAccess").unwrap().1;
        assert_eq!(admin.admin_reasons(), ["every action on every resource"]);
        assert!(admin.reported_whole());
        let s3 = lookup("AmazonS3FullAccess").unwrap().1;
        assert!(s3.admin_reasons().is_empty());
        assert!(s3.full_access_services().contains(&"s3".to_string()));
        let basic = lookup("AWSLambdaBasicExecutionRole").unwrap().1;
        assert!(!basic.reported_whole());
        // Conditions are kept, with their keys and values.
        let lambda_full = lookup("AWSLambda_FullAccess").unwrap().1;
        let st = lambda_full.model_statements("AWSLambda_FullAccess", Loc::default(), &[0]);
        let passed = st.iter().flat_map(|s| &s.conditions).find(|c| c.key == "iam:PassedToService").unwrap();
        assert!(passed.values.iter().any(|v| v.is_known("lambda.amazonaws.com")), "{passed:?}");
        assert!(st.iter().all(|s| s.roles == [0] && s.kind == PolicyKind::Identity));
    }
}
