//! AWS managed policies: their documents, looked up by name or ARN. The data holds one policy per
//! line; a policy's statements are parsed the first time a scan refers to it (parsing all 1,594
//! up front cost ~130 ms, a lot for a pre-commit hook).

use serde::Deserialize;
use std::collections::HashMap;
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
    /// The statement has a Condition (so it is narrower than its actions and resources say).
    #[serde(rename = "C", default)]
    pub condition: Option<u8>,
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
}
