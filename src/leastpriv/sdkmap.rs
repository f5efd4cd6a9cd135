//! Which IAM actions an AWS SDK call needs: data/sdk-iam.txt (made by data/compact_sdk_iam.py from
//! the iam-dataset map, botocore's service models and curated corrections; see data/SOURCES.md),
//! indexed on first use, a service's operations split the first time a scan asks about it.
//! Operations the data does not know fall back to `prefix:Operation` when the action catalog has
//! that action.

use crate::iam::actions::catalog;
use std::collections::HashMap;
use std::sync::OnceLock;

static DATA: &str = include_str!("../../data/sdk-iam.txt");

/// One action an operation needs, with how its resource is named by the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// `s3:PutObject`.
    pub action: String,
    /// ARN template variable → request parameter (normalized: lowercase, `[a-z0-9]` only), and
    /// whether the last `/` or `:` segment of the value is meant (a queue URL names its queue).
    pub vars: Vec<(String, String, bool)>,
    /// The request parameter (normalized) that is the resource's ARN itself.
    pub arn_param: Option<String>,
    /// Needed only when the request holds this (normalized first segment: `transactitems.put`).
    pub only_with: Option<String>,
}

#[derive(Debug)]
pub struct Service {
    /// The boto3 client name (`s3`, `stepfunctions`): the name slsguard reports services by.
    pub client: &'static str,
    /// The IAM prefix (`states`).
    pub prefix: &'static str,
    ops: &'static str,
    parsed: OnceLock<HashMap<String, (String, Vec<Grant>)>>,
}

impl Service {
    /// The operation (any spelling: `put_object`, `putObject`, `PutObject`) as AWS names it,
    /// with the actions it needs.
    pub fn operation(&self, name: &str) -> Option<(String, Vec<Grant>)> {
        let key = norm(name);
        if let Some(found) = self.parsed().get(&key) {
            return Some(found.clone());
        }
        // Newer than the data: `prefix:Operation` when the catalog has it.
        let action = catalog().service_actions(self.prefix).iter().find(|a| norm(a.name) == key)?;
        Some((
            action.name.to_string(),
            vec![Grant { action: action.full(), vars: Vec::new(), arn_param: None, only_with: None }],
        ))
    }

    fn parsed(&self) -> &HashMap<String, (String, Vec<Grant>)> {
        self.parsed.get_or_init(|| {
            self.ops
                .split(' ')
                .filter_map(|entry| {
                    let (op, grants) = entry.split_once('=')?;
                    Some((norm(op), (op.to_string(), grants.split('|').filter_map(parse_grant).collect())))
                })
                .collect()
        })
    }
}

fn parse_grant(text: &str) -> Option<Grant> {
    let (text, only_with) = match text.split_once('?') {
        Some((t, w)) => (t, Some(w.split('.').map(norm).collect::<Vec<_>>().join("."))),
        None => (text, None),
    };
    let (action, spec) = match text.split_once('{') {
        Some((a, s)) => (a, s.trim_end_matches('}')),
        None => (text, ""),
    };
    if action.is_empty() {
        return None;
    }
    let mut g = Grant { action: action.to_string(), vars: Vec::new(), arn_param: None, only_with };
    for part in spec.split(',').filter(|p| !p.is_empty()) {
        if let Some(p) = part.strip_prefix('@') {
            g.arn_param = Some(norm(p));
        } else if let Some((var, param)) = part.split_once('=') {
            let tail = param.ends_with('~');
            g.vars.push((var.to_string(), norm(param.trim_end_matches('~')), tail));
        }
    }
    Some(g)
}

struct Index {
    services: Vec<Service>,
    /// Normalized name → index into `services`.
    names: HashMap<String, usize>,
}

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut services = Vec::new();
        let mut names = HashMap::new();
        for line in DATA.lines() {
            let mut cols = line.splitn(4, '\t');
            let (Some(client), Some(prefix), Some(aliases), Some(ops)) =
                (cols.next(), cols.next(), cols.next(), cols.next())
            else {
                continue;
            };
            let i = services.len();
            names.insert(norm(client), i);
            for a in aliases.split(',').filter(|a| !a.is_empty()) {
                names.entry(a.to_string()).or_insert(i);
            }
            services.push(Service { client, prefix, ops, parsed: OnceLock::new() });
        }
        Index { services, names }
    })
}

/// The service an SDK names (`s3`, `S3`, `client-secrets-manager`'s `secrets-manager`,
/// `cloudwatchlogs`, `SFN`, `StepFunctions`, `DynamoDB`), if the data knows it.
pub fn service(name: &str) -> Option<&'static Service> {
    let idx = index();
    idx.names.get(&norm(name)).map(|&i| &idx.services[i])
}

/// The services with an operation of this normalized name.
pub fn services_with(op: &str) -> Vec<&'static str> {
    static OPS: OnceLock<HashMap<String, Vec<&'static str>>> = OnceLock::new();
    let ops = OPS.get_or_init(|| {
        let mut m: HashMap<String, Vec<&'static str>> = HashMap::new();
        for s in &index().services {
            for k in s.parsed().keys() {
                m.entry(k.clone()).or_default().push(s.client);
            }
        }
        m
    });
    ops.get(op).cloned().unwrap_or_default()
}

/// Lowercase, `[a-z0-9]` only: how operation and parameter names are compared across SDKs.
pub fn norm(s: &str) -> String {
    s.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect()
}

/// Calls that need no permission (`sts:GetCallerIdentity`).
pub fn permissionless(client: &str, op: &str) -> bool {
    matches!(
        (client, norm(op).as_str()),
        ("sts", "getcalleridentity" | "getsessiontoken") | ("dynamodb", "describeendpoints")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_by_any_sdk_name() {
        for (name, client) in [
            ("s3", "s3"),
            ("S3", "s3"),
            ("secrets-manager", "secretsmanager"),
            ("sfn", "stepfunctions"),
            ("StepFunctions", "stepfunctions"),
            ("cloudwatch-logs", "logs"),
            ("eventbridge", "events"),
            ("DynamoDB", "dynamodb"),
            ("cognito-identity-provider", "cognito-idp"),
        ] {
            assert_eq!(service(name).map(|s| s.client), Some(client), "{name}");
        }
        assert!(service("no-such-service").is_none());
    }

    #[test]
    fn operations_to_actions() {
        let s3 = service("s3").unwrap();
        let (op, grants) = s3.operation("put_object").unwrap();
        assert_eq!(op, "PutObject");
        assert_eq!(grants[0].action, "s3:PutObject");
        assert_eq!(
            grants[0].vars,
            vec![("BucketName".into(), "bucket".into(), false), ("ObjectName".into(), "key".into(), false)]
        );
        let sqs = service("sqs").unwrap();
        // Curated: the batch call is authorised by the single action.
        assert_eq!(sqs.operation("deleteMessageBatch").unwrap().1[0].action, "sqs:DeleteMessage");
        assert_eq!(
            sqs.operation("SendMessage").unwrap().1[0].vars,
            vec![("QueueName".into(), "queueurl".into(), true)]
        );
        let ddb = service("dynamodb").unwrap();
        let tx = ddb.operation("TransactWriteItems").unwrap().1;
        assert!(
            tx.iter().any(|g| g.action == "dynamodb:PutItem" && g.only_with.as_deref() == Some("transactitems.put"))
        );
        assert!(s3.operation("no_such_operation").is_none());
        assert_eq!(service("sns").unwrap().operation("publish").unwrap().1[0].arn_param.as_deref(), Some("topicarn"));
    }
}
