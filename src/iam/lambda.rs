//! What Lambda itself, not a function's code, uses the function's role for: one judgement for
//! every rule that asks — the wildcard rules ([`super::analysis`]: the execution baseline and
//! event-source polling on `*` are quiet only where some function of the role needs them) and
//! least privilege's diff and fixes (never reported unused, kept in a fix).

use super::analysis::{self, EVENT_SOURCE_POLLING};
use crate::model::{Model, Platform};

/// Grants Lambda uses itself, not the code: logging always; X-Ray when tracing is on, network
/// interfaces for VPC functions (and Amazon MSK, Amazon MQ, DocumentDB and self-managed Kafka
/// triggers, which reach their source through them), polling for its event sources, writing to
/// its destinations and dead-letter targets, decrypting with its KMS key (or its encrypted
/// sources and targets). Without the function's settings (`None`: a frontend that does not read
/// them) every such grant is taken as used.
pub fn lambda_needs(action: &str, platform: Option<&Platform>) -> bool {
    let listed = |list: &[&str]| list.iter().any(|a| a.eq_ignore_ascii_case(action));
    let baseline = analysis::is_baseline(action);
    if !baseline && !listed(EVENT_SOURCE_POLLING) && !listed(LAMBDA_OWN) {
        return false;
    }
    let Some(p) = platform else { return true };
    let lower = action.to_ascii_lowercase();
    let (service, name) = lower.split_once(':').unwrap_or((lower.as_str(), ""));
    match service {
        "logs" => true,
        "xray" => p.tracing,
        "ec2" => p.vpc || ["kafka", "mq", "rds"].iter().any(|k| p.has_source(k)),
        "sqs" if name == "sendmessage" => p.has_destination("sqs"),
        "sqs" | "kinesis" | "dynamodb" | "kafka" => p.has_source(service),
        "sns" => p.has_destination("sns"),
        "events" => p.has_destination("events"),
        "lambda" if name == "invokefunction" => p.has_destination("lambda"),
        "kms" => p.kms || !p.sources.is_empty() || !p.destinations.is_empty(),
        // Durable functions' checkpoints.
        _ => baseline,
    }
}

/// [`lambda_needs`] besides the execution baseline and event-source polling.
pub const LAMBDA_OWN: &[&str] = &[
    "kinesis:GetRecords",
    "kinesis:GetShardIterator",
    "kinesis:DescribeStream",
    "kinesis:DescribeStreamSummary",
    "kinesis:DescribeStreamConsumer",
    "kinesis:ListShards",
    "kinesis:ListStreams",
    "kinesis:SubscribeToShard",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:DescribeStream",
    "dynamodb:ListStreams",
    "kafka:DescribeCluster",
    "kafka:DescribeClusterV2",
    "kafka:GetBootstrapBrokers",
    // Amazon MSK triggers reach the cluster through network interfaces in its VPC.
    "ec2:DescribeVpcs",
    "ec2:DescribeSecurityGroups",
    "sqs:SendMessage",
    "sns:Publish",
    "events:PutEvents",
    "lambda:InvokeFunction",
    "kms:Decrypt",
];

/// The settings of the functions using each role of a model, to judge [`lambda_needs`] per role.
pub struct RoleUse<'m> {
    /// Per role: the functions' settings, and whether they cannot all be known (no function of
    /// the model uses the role, or a function's settings are not read by its frontend).
    roles: Vec<(Vec<&'m Platform>, bool)>,
}

impl<'m> RoleUse<'m> {
    pub fn new(model: &'m Model) -> Self {
        let mut roles: Vec<(Vec<&Platform>, bool)> = vec![(Vec::new(), false); model.roles.len()];
        for f in &model.functions {
            let Some(r) = f.role.and_then(|r| roles.get_mut(r)) else { continue };
            match &f.platform {
                Some(p) => r.0.push(p),
                None => r.1 = true,
            }
        }
        RoleUse { roles }
    }

    /// May Lambda itself use `action` through a policy of `roles`: for each of them, some function
    /// using it needs it ([`lambda_needs`]), or that cannot be known (no role, a role no function
    /// of the model uses, a function whose settings are not read). An unknown is never a finding.
    pub fn needs(&self, roles: &[usize], action: &str) -> bool {
        roles.iter().all(|&r| match self.roles.get(r) {
            Some((platforms, false)) if !platforms.is_empty() => {
                platforms.iter().any(|p| lambda_needs(action, Some(p)))
            }
            _ => true,
        })
    }
}
