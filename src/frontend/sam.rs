//! What the SAM transform adds to a function's generated role beyond its `Policies`, as AWS's
//! translator does (aws/serverless-application-model: `SamFunction._construct_role`, the pull
//! event sources' `_link_policy`): `AWSLambdaBasicExecutionRole` always; X-Ray with `Tracing`;
//! VPC access with `VpcConfig`; the dead-letter queue, event-invoke destinations and event
//! source destinations it may write to; the managed policies or statements each stream or queue
//! event needs. The model of a SAM template then holds the permissions AWS will deploy.

use super::cloudformation::Builder;
use super::policy_document::Owner;
use crate::loader::{Entry, Node, Value};
use crate::model::{Loc, Origin, PolicyKind, RoleId};
use crate::source::Span;

const BASIC: &str = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole";
const XRAY: &str = "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess";
const VPC: &str = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole";

/// Tiny builders for the documents SAM generates; every node points at `span` (what the user
/// wrote that made SAM generate it).
fn text(span: Span, s: &str) -> Node {
    Node::new(span, Value::String(s.to_string()))
}

fn map(span: Span, entries: Vec<(&str, Node)>) -> Node {
    Node::new(
        span,
        Value::Map(entries.into_iter().map(|(k, v)| Entry { key: k.to_string(), key_span: span, value: v }).collect()),
    )
}

/// `{Effect: Allow, Action: action, Resource: resource}`.
fn allow(span: Span, actions: &[&str], resource: Node) -> Node {
    let action = Node::new(span, Value::Seq(actions.iter().map(|a| text(span, a)).collect()));
    map(span, vec![("Effect", text(span, "Allow")), ("Action", action), ("Resource", resource)])
}

/// `{Fn::Sub: template}`.
fn sub(span: Span, template: &str) -> Node {
    map(span, vec![("Fn::Sub", text(span, template))])
}

const VPC_ACTIONS: &[&str] = &[
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DeleteNetworkInterface",
    "ec2:DescribeVpcs",
    "ec2:DescribeSubnets",
    "ec2:DescribeSecurityGroups",
];

impl Builder<'_> {
    /// The permissions SAM adds to the role it generates for function `name` (at `loc`).
    pub fn sam_role_defaults(&mut self, name: &str, role: RoleId, loc: Loc, props: &Node) {
        let managed = |b: &mut Self, arn: &str, span: Span| {
            b.attach_managed(crate::model::Val::Known(arn.to_string(), Loc::new(b.res.file, span)), vec![role]);
        };
        managed(self, BASIC, loc.span);
        if let Some(t) = props.entry("Tracing").filter(|t| self.tracing_enabled(&t.value)) {
            managed(self, XRAY, t.key_span);
        }
        if let Some(v) = props.entry("VpcConfig").filter(|v| !v.value.is_null()) {
            managed(self, VPC, v.key_span);
        }
        let mut statements: Vec<(String, Node)> = Vec::new();
        if let Some(dlq) = props.entry("DeadLetterQueue") {
            let action = match dlq.value.get("Type").and_then(Node::as_str) {
                Some("SQS") => Some("sqs:SendMessage"),
                Some("SNS") => Some("sns:Publish"),
                _ => None,
            };
            if let (Some(action), Some(target)) = (action, dlq.value.get("TargetArn")) {
                statements.push(("dead-letter queue".into(), allow(dlq.key_span, &[action], target.clone())));
            }
        }
        if let Some(dest) = props.path(&["EventInvokeConfig", "DestinationConfig"]) {
            for which in ["OnSuccess", "OnFailure"] {
                let Some(e) = dest.entry(which) else { continue };
                let ty = e.value.get("Type").and_then(Node::as_str).unwrap_or("");
                // SAM creates the queue or topic when no destination is given.
                let target = match e.value.get("Destination") {
                    Some(d) => d.clone(),
                    None => match ty {
                        "SQS" | "SNS" => map(
                            e.key_span,
                            vec![(
                                "Fn::GetAtt",
                                text(e.key_span, &format!("{name}EventInvokeConfig{which}{}", queue_or_topic(ty))),
                            )],
                        ),
                        _ => continue,
                    },
                };
                let action = match ty {
                    "SQS" => "sqs:SendMessage",
                    "SNS" => "sns:publish",
                    "EventBridge" => "events:PutEvents",
                    "Lambda" => "lambda:InvokeFunction",
                    _ => continue,
                };
                statements.push((format!("event-invoke {which} destination"), allow(e.key_span, &[action], target)));
            }
        }
        for ev in props.get("Events").and_then(Node::as_map).unwrap_or(&[]) {
            self.pull_event_permissions(role, ev, &mut statements);
        }
        for (what, st) in statements {
            let owner = Owner {
                kind: PolicyKind::Identity,
                origin: Origin::Inline,
                roles: vec![role],
                name: format!("function {name} (SAM {what} policy)"),
            };
            let doc = map(st.span, vec![("Statement", Node::new(st.span, Value::Seq(vec![st])))]);
            self.add_document(&doc, &owner, false);
        }
    }

    /// SAM enables X-Ray for any `Tracing` value but `Disabled` (a parameter is read with its
    /// default, as the translator does).
    fn tracing_enabled(&self, tracing: &Node) -> bool {
        let resolved = match tracing.as_map() {
            Some([e]) if e.key == "Ref" => {
                e.value.as_str().and_then(|p| self.parameter_defaults.get(p)).map(String::as_str)
            }
            _ => tracing.as_str(),
        };
        match resolved {
            Some(v) => !v.is_empty() && v != "Disabled",
            None => !tracing.is_null(),
        }
    }

    /// What a stream, queue or broker event adds to the role (managed policy or statements).
    fn pull_event_permissions(&mut self, role: RoleId, ev: &Entry, statements: &mut Vec<(String, Node)>) {
        let span = ev.key_span;
        let props = ev.value.get("Properties");
        let prop = |k: &str| props.and_then(|p| p.get(k));
        let arn = match ev.value.get("Type").and_then(Node::as_str).unwrap_or("") {
            "Kinesis" => Some("arn:aws:iam::aws:policy/service-role/AWSLambdaKinesisExecutionRole"),
            "DynamoDB" => Some("arn:aws:iam::aws:policy/service-role/AWSLambdaDynamoDBExecutionRole"),
            "SQS" => Some("arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole"),
            "MSK" => {
                let cert = access_uri(prop("SourceAccessConfigurations"), &["CLIENT_CERTIFICATE_TLS_AUTH"]);
                if let Some(uri) = cert {
                    statements.push(("MSK".into(), allow(span, &["secretsmanager:GetSecretValue"], uri.clone())));
                }
                Some("arn:aws:iam::aws:policy/service-role/AWSLambdaMSKExecutionRole")
            }
            "MQ" => {
                if let Some(uri) = access_uri(prop("SourceAccessConfigurations"), &["BASIC_AUTH"]) {
                    statements.push(("MQ".into(), allow(span, &["secretsmanager:GetSecretValue"], uri.clone())));
                }
                if let Some(broker) = prop("Broker") {
                    statements.push(("MQ".into(), allow(span, &["mq:DescribeBroker"], broker.clone())));
                }
                self.kms_decrypt(span, prop("SecretsManagerKmsKeyId"), "MQ", statements);
                None
            }
            "SelfManagedKafka" => {
                let confs = prop("SourceAccessConfigurations");
                let auth = access_uri(
                    confs,
                    &["SASL_SCRAM_256_AUTH", "SASL_SCRAM_512_AUTH", "BASIC_AUTH", "CLIENT_CERTIFICATE_TLS_AUTH"],
                );
                if let Some(uri) = auth {
                    statements.push(("Kafka".into(), allow(span, &["secretsmanager:GetSecretValue"], uri.clone())));
                }
                let has = |t: &str| access_uri(confs, &[t]).is_some();
                if has("VPC_SUBNET") && has("VPC_SECURITY_GROUP") {
                    statements.push(("Kafka".into(), allow(span, VPC_ACTIONS, text(span, "*"))));
                }
                self.kms_decrypt(span, prop("SecretsManagerKmsKeyId"), "Kafka", statements);
                None
            }
            "DocumentDB" => {
                if let Some(uri) = access_uri(prop("SourceAccessConfigurations"), &["BASIC_AUTH"]) {
                    statements
                        .push(("DocumentDB".into(), allow(span, &["secretsmanager:GetSecretValue"], uri.clone())));
                }
                statements.push((
                    "DocumentDB".into(),
                    allow(
                        span,
                        &["rds:DescribeDBClusterParameters"],
                        sub(span, "arn:${AWS::Partition}:rds:${AWS::Region}:${AWS::AccountId}:cluster-pg:*"),
                    ),
                ));
                statements.push((
                    "DocumentDB".into(),
                    allow(
                        span,
                        &["rds:DescribeDBSubnetGroups"],
                        sub(span, "arn:${AWS::Partition}:rds:${AWS::Region}:${AWS::AccountId}:subgrp:*"),
                    ),
                ));
                if let Some(cluster) = prop("Cluster") {
                    statements.push(("DocumentDB".into(), allow(span, &["rds:DescribeDBClusters"], cluster.clone())));
                }
                statements.push(("DocumentDB".into(), allow(span, VPC_ACTIONS, text(span, "*"))));
                self.kms_decrypt(span, prop("SecretsManagerKmsKeyId"), "DocumentDB", statements);
                None
            }
            _ => return,
        };
        if let Some(arn) = arn {
            self.attach_managed(crate::model::Val::Known(arn.to_string(), Loc::new(self.res.file, span)), vec![role]);
        }
        // A failure destination with a `Type` gets a policy to write to it.
        if let Some(on_failure) = prop("DestinationConfig").and_then(|d| d.get("OnFailure")) {
            let dest = on_failure.get("Destination").cloned().unwrap_or_else(|| text(span, ""));
            match on_failure.get("Type").and_then(Node::as_str) {
                Some("SQS") => statements.push(("event destination".into(), allow(span, &["sqs:SendMessage"], dest))),
                Some("SNS") => statements.push(("event destination".into(), allow(span, &["sns:publish"], dest))),
                Some("S3") => {
                    let objects = map(
                        span,
                        vec![(
                            "Fn::Join",
                            Node::new(
                                span,
                                Value::Seq(vec![
                                    text(span, "/"),
                                    Node::new(span, Value::Seq(vec![dest.clone(), text(span, "*")])),
                                ]),
                            ),
                        )],
                    );
                    statements.push(("event destination".into(), allow(span, &["s3:PutObject"], objects)));
                    statements.push(("event destination".into(), allow(span, &["s3:ListBucket"], dest)));
                }
                _ => {}
            }
        }
    }

    fn kms_decrypt(&self, span: Span, key: Option<&Node>, what: &str, statements: &mut Vec<(String, Node)>) {
        if let Some(k) = key.and_then(Node::as_str) {
            let arn = format!("arn:${{AWS::Partition}}:kms:${{AWS::Region}}:${{AWS::AccountId}}:key/{k}");
            statements.push((what.into(), allow(span, &["kms:Decrypt"], sub(span, &arn))));
        }
    }
}

fn queue_or_topic(ty: &str) -> &'static str {
    if ty == "SQS" { "Queue.Arn" } else { "Topic.Arn" }
}

/// The `URI` of the first `SourceAccessConfigurations` item of one of `types`.
fn access_uri<'n>(confs: Option<&'n Node>, types: &[&str]) -> Option<&'n Node> {
    confs?
        .as_seq()?
        .iter()
        .find(|c| c.get("Type").and_then(Node::as_str).is_some_and(|t| types.contains(&t)))
        .and_then(|c| c.get("URI"))
}

#[cfg(test)]
mod tests {
    use crate::frontend::cloudformation::build;
    use crate::loader::yaml::parse_one;
    use crate::model::{Model, RoleKind};

    fn model(yaml: &str) -> Model {
        build(&parse_one(yaml).unwrap(), "template.yaml")
    }

    fn managed(m: &Model, role: &str) -> Vec<String> {
        let r = m.roles.iter().position(|x| x.name == role).unwrap();
        m.managed_policies.iter().filter(|p| p.roles.contains(&r)).filter_map(|p| p.aws_name.clone()).collect()
    }

    #[test]
    fn generated_role_gets_what_sam_adds() {
        let m = model(
            r#"
Transform: AWS::Serverless-2016-10-31
Parameters:
  Mode: {Type: String, Default: Disabled}
Resources:
  Traced:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Role: null
      Tracing: Active
      VpcConfig: {SubnetIds: [a], SecurityGroupIds: [b]}
      DeadLetterQueue: {Type: SQS, TargetArn: !GetAtt Dlq.Arn}
      Events:
        Jobs: {Type: SQS, Properties: {Queue: !GetAtt Jobs.Arn}}
  Untraced:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Tracing: !Ref Mode
"#,
        );
        assert_eq!(m.roles[0].kind, RoleKind::SamGenerated, "Role: null means SAM generates one");
        let mut t = managed(&m, "TracedRole");
        t.sort();
        assert_eq!(
            t,
            [
                "AWSLambdaBasicExecutionRole",
                "AWSLambdaSQSQueueExecutionRole",
                "AWSLambdaVPCAccessExecutionRole",
                "AWSXrayWriteOnlyAccess"
            ]
        );
        assert!(m.statements.iter().any(|s| s.actions.iter().any(|a| a.is_known("sqs:SendMessage"))
            && s.resources.iter().any(|r| r.display() == "!GetAtt Dlq.Arn")));
        // The parameter's default (`Disabled`) is what SAM reads.
        assert_eq!(managed(&m, "UntracedRole"), ["AWSLambdaBasicExecutionRole"]);
    }

    #[test]
    fn if_policies_contribute_both_branches_marked_conditional() {
        let m = model(
            r#"
Transform: AWS::Serverless-2016-10-31
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Policies:
        - !If
          - IsProd
          - Statement: [{Effect: Allow, Action: 's3:*', Resource: '*'}]
          - !Ref AWS::NoValue
        - !If [IsProd, AmazonS3ReadOnlyAccess, AdministratorAccess]
        - Statement: [{Effect: Allow, Action: sqs:SendMessage, Resource: !GetAtt Q.Arn}]
"#,
        );
        let s3 = m.statements.iter().find(|s| s.actions.iter().any(|a| a.is_known("s3:*"))).unwrap();
        assert!(s3.conditional);
        let sqs = m.statements.iter().find(|s| s.actions.iter().any(|a| a.is_known("sqs:SendMessage"))).unwrap();
        assert!(!sqs.conditional);
        let conditional: Vec<&str> =
            m.managed_policies.iter().filter(|p| p.conditional).filter_map(|p| p.aws_name.as_deref()).collect();
        assert_eq!(conditional, ["AmazonS3ReadOnlyAccess", "AdministratorAccess"]);
    }
}
