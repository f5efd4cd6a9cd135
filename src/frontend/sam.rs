//! What the SAM transform adds to a function's generated role beyond its `Policies`, as AWS's
//! translator does (aws/serverless-application-model: `SamFunction._construct_role`, the pull
//! event sources' `_link_policy`): `AWSLambdaBasicExecutionRole` always; X-Ray with `Tracing`;
//! VPC access with `VpcConfig`; the dead-letter queue, event-invoke destinations and event
//! source destinations it may write to; the managed policies or statements each stream or queue
//! event needs. The model of a SAM template then holds the permissions AWS will deploy.

use super::cloudformation::Builder;
use super::policy_document::Owner;
use crate::loader::{Entry, Node, Value};
use crate::model::{Loc, Origin, PolicyKind, RoleId, RoleKind};
use crate::source::Span;

const BASIC: &str = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole";
const XRAY: &str = "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess";
const DURABLE: &str = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicDurableExecutionRolePolicy";
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
    /// A role the SAM transform generates, under its logical id: the template may refer to it
    /// (`!GetAtt MyFunctionRole.Arn`) like any role it defines.
    /// A role SAM generates, trusted by `service` (`lambda.amazonaws.com`) as the translator
    /// writes it: rules that ask who assumes a role (AWS's own service roles) read it as they
    /// read the translated template.
    pub fn generated_role(&mut self, logical_id: String, loc: Loc, service: &str) -> RoleId {
        let id = self.model.add_role(logical_id.clone(), loc, RoleKind::SamGenerated);
        self.principals.entry(logical_id.clone()).or_insert(id);
        let span = loc.span;
        let principal = map(span, vec![("Service", Node::new(span, Value::Seq(vec![text(span, service)])))]);
        let trust = map(
            span,
            vec![(
                "Statement",
                Node::new(
                    span,
                    Value::Seq(vec![map(
                        span,
                        vec![
                            ("Effect", text(span, "Allow")),
                            ("Principal", principal),
                            ("Action", text(span, "sts:AssumeRole")),
                        ],
                    )]),
                ),
            )],
        );
        let owner = Owner {
            kind: PolicyKind::Trust,
            origin: Origin::Inline,
            roles: vec![id],
            name: format!("role {logical_id}"),
        };
        self.add_document(&trust, &owner, false);
        id
    }

    /// The permissions SAM adds to the role it generates for function `name` (at `loc`).
    pub fn sam_role_defaults(&mut self, name: &str, role: RoleId, loc: Loc, props: &Node) {
        let managed = |b: &mut Self, arn: &str, span: Span| {
            b.attach_managed(crate::model::Val::Known(arn.to_string(), Loc::new(b.res.file, span)), vec![role]);
        };
        // Durable functions get the basic policy's durable variant instead.
        match props.entry("DurableConfig").filter(|d| !d.value.is_null()) {
            Some(d) => managed(self, DURABLE, d.key_span),
            None => managed(self, BASIC, loc.span),
        }
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
                // SAM creates the queue or topic when no destination is given, and reads a
                // parameter by its default.
                let created = || -> Option<Node> {
                    let id = format!("{name}EventInvokeConfig{which}{}", queue_or_topic(ty)?);
                    Some(match ty {
                        "SQS" => map(e.key_span, vec![("Fn::GetAtt", text(e.key_span, &format!("{id}.Arn")))]),
                        _ => map(e.key_span, vec![("Ref", text(e.key_span, &id))]),
                    })
                };
                let target = match e.value.get("Destination").map(|d| self.parameter_default(d)) {
                    // `!If [C, Arn, !Ref AWS::NoValue]`: the queue or topic SAM creates when the
                    // condition does not hold, or the given one.
                    Some(d) if is_if_with_no_value(&d) => {
                        let mut both: Vec<Node> =
                            super::cloudformation::conditional_items(&d).into_iter().map(|(n, _)| n.clone()).collect();
                        both.extend(created());
                        Node::new(d.span, Value::Seq(both))
                    }
                    Some(d) => d,
                    None => match created() {
                        Some(c) => c,
                        None => continue,
                    },
                };
                let what = format!("event-invoke {which} destination");
                let action = match ty {
                    "SQS" => "sqs:SendMessage",
                    "SNS" => "sns:publish",
                    "EventBridge" => "events:PutEvents",
                    "Lambda" => "lambda:InvokeFunction",
                    "S3Bucket" => {
                        statements
                            .extend(s3_payload_statements(e.key_span, target).into_iter().map(|st| (what.clone(), st)));
                        continue;
                    }
                    _ => continue,
                };
                statements.push((what, allow(e.key_span, &[action], target)));
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

    /// `AWS::Serverless::StateMachine`: its role (named, or generated from its `Policies`), and
    /// the roles SAM generates for its events to start it.
    pub fn state_machine(&mut self, name: &str, loc: Loc, props: &Node) {
        if props.get("Role").is_none_or(Node::is_null) {
            let id = self.generated_role(format!("{name}Role"), loc, "states.amazonaws.com");
            self.sam_policies(&format!("state machine {name}"), id, props);
            if let Some(t) =
                props.entry("Tracing").filter(|t| t.value.get("Enabled").and_then(Node::as_bool) == Some(true))
            {
                self.attach_managed(
                    crate::model::Val::Known(XRAY.to_string(), Loc::new(self.res.file, t.key_span)),
                    vec![id],
                );
            }
        }
        self.sam_event_roles(name, props, true);
    }

    /// `{Ref: Param}` as SAM resolves it: the parameter's default, when it has one.
    fn parameter_default(&self, node: &Node) -> Node {
        match &node.value {
            Value::Map(entries) if entries.len() == 1 && entries[0].key == "Ref" => {
                match entries[0].value.as_str().and_then(|p| self.parameter_defaults.get(p)) {
                    Some(d) => text(node.span, d),
                    None => node.clone(),
                }
            }
            Value::Map(entries) => Node::new(
                node.span,
                Value::Map(
                    entries
                        .iter()
                        .map(|e| Entry {
                            key: e.key.clone(),
                            key_span: e.key_span,
                            value: self.parameter_default(&e.value),
                        })
                        .collect(),
                ),
            ),
            Value::Seq(items) => {
                Node::new(node.span, Value::Seq(items.iter().map(|i| self.parameter_default(i)).collect()))
            }
            _ => node.clone(),
        }
    }

    /// The roles SAM generates for a function's (or state machine's) events: EventBridge
    /// Scheduler (`ScheduleV2`) invokes through a role of its own.
    pub fn sam_event_roles(&mut self, name: &str, props: &Node, state_machine: bool) {
        // A state machine's events start its alias when it publishes one.
        let sm_target = match props.get("AutoPublishAlias").and_then(Node::as_str) {
            Some(alias) if state_machine => format!("{name}Alias{alias}"),
            _ => name.to_string(),
        };
        for ev in props.get("Events").and_then(Node::as_map).unwrap_or(&[]) {
            let role_given = ev.value.path(&["Properties", "RoleArn"]).is_some();
            let ty = ev.value.get("Type").and_then(Node::as_str).unwrap_or("");
            let span = ev.key_span;
            let (action, target) = match (ty, state_machine) {
                ("ScheduleV2", false) if !role_given => {
                    ("lambda:InvokeFunction", map(span, vec![("Fn::GetAtt", text(span, &format!("{name}.Arn")))]))
                }
                ("ScheduleV2" | "Schedule", true) if !role_given => {
                    ("states:StartExecution", map(span, vec![("Ref", text(span, &sm_target))]))
                }
                ("Api" | "CloudWatchEvent" | "EventBridgeRule", true) => {
                    ("states:StartExecution", map(span, vec![("Ref", text(span, &sm_target))]))
                }
                _ => continue,
            };
            let mut statements = vec![allow(span, &[action], target)];
            // EventBridge Scheduler writes undeliverable events to the dead-letter queue with
            // the same role.
            if let Some(dlq) = ev.value.path(&["Properties", "DeadLetterConfig", "Arn"]).filter(|_| ty == "ScheduleV2")
            {
                statements.push(allow(span, &["sqs:SendMessage"], dlq.clone()));
            }
            let role = self.model.add_role(
                format!("{name}{}Role", ev.key),
                Loc::new(self.res.file, span),
                RoleKind::SamGenerated,
            );
            let what = if state_machine { "state machine" } else { "function" };
            let owner = Owner {
                kind: PolicyKind::Identity,
                origin: Origin::Inline,
                roles: vec![role],
                name: format!("{what} {name} (SAM role of event {})", ev.key),
            };
            let doc = map(span, vec![("Statement", Node::new(span, Value::Seq(statements)))]);
            self.add_document(&doc, &owner, false);
        }
    }

    /// Roles SAM generates for the template as a whole: CodeDeploy's, when a function has a
    /// deployment preference without a role of its own.
    pub fn sam_template_roles(&mut self, deployment_preferences: &[&Node]) {
        let needs_role = deployment_preferences.iter().any(|d| {
            d.get("Enabled").and_then(Node::as_bool) != Some(false) && d.get("Role").is_none_or(Node::is_null)
        });
        if let Some(d) = deployment_preferences.first().filter(|_| needs_role) {
            let loc = Loc::new(self.res.file, d.span);
            let role = self.generated_role("CodeDeployServiceRole".into(), loc, "codedeploy.amazonaws.com");
            let arn = "arn:aws:iam::aws:policy/service-role/AWSCodeDeployRoleForLambda";
            self.attach_managed(crate::model::Val::Known(arn.into(), loc), vec![role]);
        }
    }

    /// `AWS::Serverless::GraphQLApi`: the roles SAM generates for logging and for its data
    /// sources (with the connectors that give them access), and the resource policies that let
    /// AppSync invoke its Lambda authorizers.
    pub fn graphql_api(&mut self, name: &str, loc: Loc, props: &Node, all: &[Entry]) {
        let span = loc.span;
        let logging = props.get("Logging");
        let own_log_role = logging.and_then(|l| l.get("CloudWatchLogsRoleArn")).is_some_and(|r| !r.is_null());
        if logging.and_then(Node::as_bool) != Some(false) && !own_log_role {
            let role = self.generated_role(format!("{name}CloudWatchRole"), loc, "appsync.amazonaws.com");
            let arn = "arn:aws:iam::aws:policy/service-role/AWSAppSyncPushToCloudWatchLogs";
            self.attach_managed(crate::model::Val::Known(arn.into(), loc), vec![role]);
        }
        let api_source = || {
            map(
                span,
                vec![
                    ("Type", text(span, "AWS::AppSync::GraphQLApi")),
                    ("Arn", map(span, vec![("Ref", text(span, name))])),
                    ("ResourceId", map(span, vec![("Fn::GetAtt", text(span, &format!("{name}.ApiId")))])),
                ],
            )
        };
        let auth = props.get("Auth");
        let auths =
            auth.into_iter().chain(auth.and_then(|a| a.get("Additional")).map(Node::one_or_many).unwrap_or(&[]));
        let uris: Vec<Node> = auths
            .filter(|a| a.get("Type").and_then(Node::as_str) == Some("AWS_LAMBDA"))
            .filter_map(|a| a.path(&["LambdaAuthorizer", "AuthorizerUri"]).cloned())
            .collect();
        let write = Node::new(span, Value::Seq(vec![text(span, "Write")]));
        for (i, uri) in uris.into_iter().enumerate() {
            let dst = map(span, vec![("Type", text(span, "AWS::Lambda::Function")), ("Arn", uri)]);
            self.connector(
                &format!("{name}ToLambdaAuthConnector{}", i + 1),
                span,
                api_source(),
                &dst,
                Some(&write),
                all,
            );
        }
        for (kind, ty) in [("DynamoDb", "DynamoDB"), ("Lambda", "Lambda")] {
            for ds in props.path(&["DataSources", kind]).and_then(Node::as_map).unwrap_or(&[]) {
                if ds.value.get("ServiceRoleArn").is_some_and(|r| !r.is_null()) {
                    continue;
                }
                let ds_id = format!("{name}{}{ty}DataSource", ds.key);
                let dspan = ds.key_span;
                let role_id = format!("{ds_id}Role");
                self.generated_role(role_id.clone(), Loc::new(self.res.file, dspan), "appsync.amazonaws.com");
                let source = map(
                    dspan,
                    vec![
                        ("Type", text(dspan, "AWS::AppSync::DataSource")),
                        ("Arn", map(dspan, vec![("Ref", text(dspan, &ds_id))])),
                        ("RoleName", map(dspan, vec![("Ref", text(dspan, &role_id))])),
                    ],
                );
                let (dst, permissions) = if kind == "DynamoDb" {
                    let arn = ds.value.get("TableArn").cloned().unwrap_or_else(|| {
                        let region = ds
                            .value
                            .get("Region")
                            .cloned()
                            .unwrap_or_else(|| map(dspan, vec![("Ref", text(dspan, "AWS::Region"))]));
                        let table = ds.value.get("TableName").cloned().unwrap_or_else(|| text(dspan, ""));
                        let vars = Node::new(
                            dspan,
                            Value::Map(vec![
                                Entry { key: "__TableName__".into(), key_span: dspan, value: table },
                                Entry { key: "__Region__".into(), key_span: dspan, value: region },
                            ]),
                        );
                        let template =
                            "arn:${AWS::Partition}:dynamodb:${__Region__}:${AWS::AccountId}:table/${__TableName__}";
                        map(dspan, vec![("Fn::Sub", Node::new(dspan, Value::Seq(vec![text(dspan, template), vars])))])
                    });
                    let permissions = ds.value.get("Permissions").cloned().unwrap_or_else(|| {
                        Node::new(dspan, Value::Seq(vec![text(dspan, "Read"), text(dspan, "Write")]))
                    });
                    (map(dspan, vec![("Type", text(dspan, "AWS::DynamoDB::Table")), ("Arn", arn)]), permissions)
                } else {
                    let arn = ds.value.get("FunctionArn").cloned().unwrap_or_else(|| text(dspan, ""));
                    (map(dspan, vec![("Type", text(dspan, "AWS::Lambda::Function")), ("Arn", arn)]), write.clone())
                };
                let suffix = if kind == "DynamoDb" { "ToTableConnector" } else { "ToLambdaConnector" };
                self.connector(&format!("{ds_id}{suffix}"), dspan, source, &dst, Some(&permissions), all);
            }
        }
    }

    /// `AWS::Serverless::CapacityProvider`: the operator role SAM generates when none is given.
    pub fn capacity_provider(&mut self, name: &str, loc: Loc, props: Option<&Node>) {
        if props.and_then(|p| p.get("OperatorRole")).is_some_and(|r| !r.is_null()) {
            return;
        }
        let role = self.generated_role(format!("{name}OperatorRole"), loc, "lambda.amazonaws.com");
        let arn = "arn:aws:iam::aws:policy/AWSLambdaManagedEC2ResourceOperator";
        self.attach_managed(crate::model::Val::Known(arn.into(), loc), vec![role]);
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
            // An SNS event with `SqsSubscription` is delivered through a queue SAM subscribes.
            "SNS" if sqs_subscription(props) => {
                Some("arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole")
            }
            "MSK" => {
                self.schema_registry(span, prop("SchemaRegistryConfig"), statements);
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
                self.schema_registry(span, prop("SchemaRegistryConfig"), statements);
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
                    statements.extend(
                        s3_payload_statements(span, dest).into_iter().map(|st| ("event destination".into(), st)),
                    );
                }
                _ => {}
            }
        }
    }

    /// A Kafka event's schema registry: its access secrets, and reading a Glue registry.
    fn schema_registry(&self, span: Span, config: Option<&Node>, statements: &mut Vec<(String, Node)>) {
        let Some(config) = config else { return };
        for c in config.get("AccessConfigs").and_then(Node::as_seq).unwrap_or(&[]) {
            if let Some(uri) = c.get("URI") {
                statements
                    .push(("schema registry".into(), allow(span, &["secretsmanager:GetSecretValue"], uri.clone())));
            }
        }
        let Some(uri) = config.get("SchemaRegistryURI").map(|u| self.parameter_default(u)) else { return };
        // The ARN's text, its unresolved `${…}` parts (a region) as one opaque segment.
        let arn = match self.res.val(&uri) {
            crate::model::Val::Known(s, _) | crate::model::Val::Partial(s, _) => Some(s),
            crate::model::Val::Unknown(..) => None,
        }
        .map(|a| {
            let mut out = String::new();
            let mut rest = a.as_str();
            while let Some(i) = rest.find("${") {
                out.push_str(&rest[..i]);
                out.push('_');
                rest = rest[i..].find('}').map_or("", |j| &rest[i + j + 1..]);
            }
            out + rest
        });
        let registry = arn.as_deref().filter(|a| a.starts_with("arn")).and_then(|a| {
            let parts: Vec<&str> = a.split(':').collect();
            parts.get(5).and_then(|p| p.strip_prefix("registry/")).map(str::to_string)
        });
        if let Some(name) = registry {
            statements.push(("schema registry".into(), allow(span, &["glue:GetRegistry"], uri)));
            let schemas = format!("arn:${{AWS::Partition}}:glue:${{AWS::Region}}:${{AWS::AccountId}}:schema/{name}/*");
            statements.push(("schema registry".into(), allow(span, &["glue:GetSchemaVersion"], sub(span, &schemas))));
        }
    }

    fn kms_decrypt(&self, span: Span, key: Option<&Node>, what: &str, statements: &mut Vec<(String, Node)>) {
        if let Some(k) = key.and_then(Node::as_str) {
            let arn = format!("arn:${{AWS::Partition}}:kms:${{AWS::Region}}:${{AWS::AccountId}}:key/{k}");
            statements.push((what.into(), allow(span, &["kms:Decrypt"], sub(span, &arn))));
        }
    }
}

/// Writing event payloads to a bucket: objects in it, and listing it.
fn s3_payload_statements(span: Span, bucket: Node) -> [Node; 2] {
    let objects = map(
        span,
        vec![(
            "Fn::Join",
            Node::new(
                span,
                Value::Seq(vec![text(span, "/"), Node::new(span, Value::Seq(vec![bucket.clone(), text(span, "*")]))]),
            ),
        )],
    );
    [allow(span, &["s3:PutObject"], objects), allow(span, &["s3:ListBucket"], bucket)]
}

/// An SNS event's `SqsSubscription` (`true`, or the queue to use).
pub fn sqs_subscription(event_props: Option<&Node>) -> bool {
    event_props.and_then(|p| p.get("SqsSubscription")).is_some_and(|s| !s.is_null() && s.as_bool() != Some(false))
}

/// The resource SAM creates for a destination of this type.
fn queue_or_topic(ty: &str) -> Option<&'static str> {
    match ty {
        "SQS" => Some("Queue"),
        "SNS" => Some("Topic"),
        _ => None,
    }
}

/// `Fn::If` with an `AWS::NoValue` branch.
pub(super) fn is_if_with_no_value(node: &Node) -> bool {
    match node.as_map() {
        Some([e]) if e.key == "Fn::If" => e
            .value
            .as_seq()
            .unwrap_or(&[])
            .iter()
            .skip(1)
            .any(|b| matches!(b.as_map(), Some([r]) if r.key == "Ref" && r.value.as_str() == Some("AWS::NoValue"))),
        _ => false,
    }
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
    fn generated_roles_are_trusted_by_their_service_and_policies_named_twice_attached_once() {
        let m = model(
            r#"
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      AutoPublishAlias: live
      DeploymentPreference: {Type: Linear10PercentEvery1Minute}
      Policies: [AmazonDynamoDBReadOnlyAccess, AmazonDynamoDBReadOnlyAccess]
"#,
        );
        let trusted_by = |role: &str| -> Vec<String> {
            let r = m.roles.iter().position(|x| x.name == role).unwrap();
            m.statements
                .iter()
                .filter(|s| s.kind == crate::model::PolicyKind::Trust && s.roles.contains(&r))
                .flat_map(|s| s.principals.iter().filter_map(|p| p.value.known().map(str::to_string)))
                .collect()
        };
        assert_eq!(trusted_by("FnRole"), ["lambda.amazonaws.com"]);
        assert_eq!(trusted_by("CodeDeployServiceRole"), ["codedeploy.amazonaws.com"]);
        assert_eq!(managed(&m, "FnRole").iter().filter(|p| *p == "AmazonDynamoDBReadOnlyAccess").count(), 1);
        // CodeDeploy's own role, as AWS defines it: not a grant of the function's.
        let facts = crate::iam::analysis::analyze(&m);
        assert!(facts.iter().all(|f| f.mutating_on_wildcard.is_empty()), "{facts:?}");
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
    fn state_machine_policies_and_event_roles() {
        let m = model(
            r#"
Transform: AWS::Serverless-2016-10-31
Resources:
  Orders:
    Type: AWS::Serverless::StateMachine
    Properties:
      DefinitionUri: statemachine/orders.asl.json
      Policies:
        - LambdaInvokePolicy: {FunctionName: !Ref Worker}
        - Statement: [{Effect: Allow, Action: 'dynamodb:*', Resource: '*'}]
      Events:
        Nightly: {Type: Schedule, Properties: {Schedule: rate(1 day)}}
  Named:
    Type: AWS::Serverless::StateMachine
    Properties:
      DefinitionUri: statemachine/named.asl.json
      Role: !GetAtt NamedRole.Arn
"#,
        );
        let role = m.roles.iter().position(|r| r.name == "OrdersRole").expect("generated role");
        let on_role: Vec<String> = m
            .statements
            .iter()
            .filter(|s| s.roles.contains(&role))
            .flat_map(|s| s.actions.iter().map(|a| a.display().to_string()))
            .collect();
        assert!(on_role.contains(&"dynamodb:*".to_string()), "{on_role:?}");
        assert!(on_role.contains(&"lambda:InvokeFunction".to_string()), "{on_role:?}");
        let event = m.roles.iter().position(|r| r.name == "OrdersNightlyRole").expect("event role");
        assert!(
            m.statements
                .iter()
                .any(|s| s.roles.contains(&event) && s.actions.iter().any(|a| a.is_known("states:StartExecution")))
        );
        assert!(!m.roles.iter().any(|r| r.name == "NamedRole" && r.kind == RoleKind::SamGenerated));
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
