//! AWS managed policies: their documents, looked up by name or ARN.

use serde::Deserialize;
use std::collections::HashMap;
use std::sync::OnceLock;

static DATA: &str = include_str!("../../data/aws-managed-policies.json");

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
    /// The statement has a Condition (so it is narrower than its actions and resources say).
    #[serde(rename = "C", default)]
    pub condition: Option<u8>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ManagedPolicy {
    pub arn: String,
    #[serde(rename = "s")]
    pub statements: Vec<CompactStatement>,
}

fn policies() -> &'static HashMap<String, ManagedPolicy> {
    static POLICIES: OnceLock<HashMap<String, ManagedPolicy>> = OnceLock::new();
    // The data is embedded and checked by the tests; should it ever not parse, no policy is known
    // (every attachment stays "unknown") rather than the scan failing.
    POLICIES.get_or_init(|| serde_json::from_str(DATA).unwrap_or_default())
}

pub fn count() -> usize {
    policies().len()
}

/// The AWS managed policy a reference names: a name (`AdministratorAccess`), or an ARN
/// `arn:<partition>:iam::aws:policy/[path/]Name` (the partition may be `${AWS::Partition}`).
pub fn lookup(reference: &str) -> Option<(&'static str, &'static ManagedPolicy)> {
    let map = policies();
    // The partition is often written `${AWS::Partition}`, whose `::` would upset the split below.
    let reference = reference.replace("${AWS::Partition}", "aws");
    let name = if let Some(rest) = reference.strip_prefix("arn:") {
        let (_partition, rest) = rest.split_once(':')?;
        let rest = rest.strip_prefix("iam::aws:policy/")?;
        rest.rsplit('/').next()?
    } else {
        reference.as_str()
    };
    map.get_key_value(name).map(|(k, v)| (k.as_str(), v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups() {
        assert!(count() > 1500);
        assert_eq!(lookup("AdministratorAccess").map(|p| p.0), Some("AdministratorAccess"));
        assert!(lookup("arn:aws:iam::aws:policy/AdministratorAccess").is_some());
        assert!(lookup("arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole").is_some());
        assert!(lookup("arn:aws:iam::123456789012:policy/Mine").is_none());
        assert!(lookup("NoSuchPolicy").is_none());
    }
}
