//! What Lambda itself does for a function, from its manifest ([`Platform`]): tracing, a VPC,
//! the event sources it polls, its destinations and dead-letter targets, its KMS key. The
//! least-privilege diff takes the permissions these need as used, and only these.
//!
//! Never a guess against the user: a value that cannot be resolved counts as set, and a target
//! whose kind cannot be known counts as every kind ([`Platform::ANY`]).

use super::cloudformation::{Builder, resource_type};
use super::values::Resolver;
use crate::loader::{Entry, Node};
use crate::model::Platform;

/// An event-source type (SAM event `Type`, Serverless event key) → the IAM prefix Lambda polls
/// it with; `None` for push triggers.
fn source_kind(ty: &str) -> Option<&'static str> {
    Some(match ty.to_ascii_lowercase().as_str() {
        "sqs" => "sqs",
        "kinesis" => "kinesis",
        "dynamodb" => "dynamodb",
        "msk" | "kafka" | "selfmanagedkafka" => "kafka",
        "mq" | "activemq" | "rabbitmq" => "mq",
        "documentdb" => "rds",
        _ => return None,
    })
}

/// A destination `Type` (SAM `SQS`, `SNS`, `Lambda`, `EventBridge`, `S3`; Serverless `sqs`,
/// `sns`, `function`, `eventBus`) → its IAM prefix.
pub(super) fn destination_type(ty: &str) -> &'static str {
    match ty.to_ascii_lowercase().as_str() {
        "sqs" => "sqs",
        "sns" => "sns",
        "lambda" | "function" => "lambda",
        "eventbridge" | "eventbus" | "events" => "events",
        "s3" => "s3",
        _ => Platform::ANY,
    }
}

/// The IAM prefix of an ARN's service (`arn:aws:sqs:…` → `sqs`).
pub(super) fn arn_service(arn: &str) -> Option<&'static str> {
    let service = arn.strip_prefix("arn:")?.split(':').nth(1)?;
    Some(match service {
        "sqs" => "sqs",
        "sns" => "sns",
        "lambda" => "lambda",
        "events" => "events",
        "s3" => "s3",
        "kinesis" => "kinesis",
        "dynamodb" => "dynamodb",
        "kafka" => "kafka",
        "mq" => "mq",
        "rds" => "rds",
        _ => return None,
    })
}

/// A CloudFormation resource type → the IAM prefix of its ARN.
fn type_service(ty: &str) -> Option<&'static str> {
    Some(match ty {
        "AWS::SQS::Queue" => "sqs",
        "AWS::SNS::Topic" => "sns",
        "AWS::Lambda::Function" | "AWS::Serverless::Function" | "AWS::Lambda::Alias" | "AWS::Lambda::Version" => {
            "lambda"
        }
        "AWS::Events::EventBus" => "events",
        "AWS::S3::Bucket" => "s3",
        "AWS::Kinesis::Stream" | "AWS::Kinesis::StreamConsumer" => "kinesis",
        "AWS::DynamoDB::Table" | "AWS::DynamoDB::GlobalTable" => "dynamodb",
        "AWS::MSK::Cluster" | "AWS::MSK::ServerlessCluster" => "kafka",
        "AWS::AmazonMQ::Broker" => "mq",
        "AWS::DocDB::DBCluster" => "rds",
        _ => return None,
    })
}

/// A Terraform resource type → the IAM prefix of its ARN.
pub(super) fn terraform_type_service(ty: &str) -> Option<&'static str> {
    Some(match ty {
        "aws_sqs_queue" => "sqs",
        "aws_sns_topic" => "sns",
        "aws_lambda_function" | "aws_lambda_alias" => "lambda",
        "aws_cloudwatch_event_bus" => "events",
        "aws_s3_bucket" => "s3",
        "aws_kinesis_stream" => "kinesis",
        "aws_dynamodb_table" => "dynamodb",
        "aws_msk_cluster" | "aws_msk_serverless_cluster" => "kafka",
        "aws_mq_broker" => "mq",
        "aws_docdb_cluster" => "rds",
        _ => return None,
    })
}

/// The kind of the resource a value names: a resource of the template it references, or a
/// literal ARN; else unknown.
fn target_kind(node: &Node, res: &Resolver, resources: &[Entry]) -> &'static str {
    if let Some(id) = Resolver::referenced_resource(node) {
        return resources
            .iter()
            .find(|e| e.key == id)
            .and_then(|e| type_service(resource_type(&e.value)))
            .unwrap_or(Platform::ANY);
    }
    res.val(node).known().and_then(arn_service).unwrap_or(Platform::ANY)
}

/// Is a setting on? Absent or null: off; `false` / `Disabled` / `none`: off; anything else,
/// unresolved included, on.
fn on(node: Option<&Node>, res: &Resolver) -> bool {
    let Some(n) = node.filter(|n| !n.is_null()) else { return false };
    if let Some(b) = n.as_bool() {
        return b;
    }
    match res.val(n).known() {
        Some(v) => !matches!(v.to_ascii_lowercase().as_str(), "" | "false" | "disabled" | "none"),
        None => true,
    }
}

/// A CloudFormation `AWS::Lambda::Function` or SAM `AWS::Serverless::Function` (Globals merged).
pub fn cloudformation(props: &Node, sam: bool, res: &Resolver, resources: &[Entry]) -> Platform {
    let mut p = Platform {
        tracing: if sam { on(props.get("Tracing"), res) } else { on(props.path(&["TracingConfig", "Mode"]), res) },
        vpc: on(props.get("VpcConfig"), res),
        kms: on(props.get("KmsKeyArn"), res),
        ..Default::default()
    };
    if let Some(dlq) = props.get("DeadLetterConfig").and_then(|d| d.get("TargetArn")) {
        p.destinations.insert(target_kind(dlq, res, resources).into());
    }
    if sam {
        if let Some(dlq) = props.get("DeadLetterQueue").filter(|d| !d.is_null()) {
            let kind = match dlq.get("Type").map(|t| res.val(t)) {
                Some(t) => t.known().map_or(Platform::ANY, destination_type),
                None => dlq.get("TargetArn").map_or(Platform::ANY, |t| target_kind(t, res, resources)),
            };
            p.destinations.insert(kind.into());
        }
        if let Some(config) = props.path(&["EventInvokeConfig", "DestinationConfig"]) {
            destination_config(&mut p, config, res, resources, true);
        }
        for ev in props.get("Events").and_then(Node::as_map).unwrap_or(&[]) {
            let ty = ev.value.get("Type").map(|t| res.val(t));
            let Some(ty) = ty.as_ref().map(|t| t.known()) else { continue };
            let Some(ty) = ty else {
                // An event whose type is a parameter may be a queue or a stream.
                p.sources.insert(Platform::ANY.into());
                continue;
            };
            let kind = match ty {
                "SNS" if super::sam::sqs_subscription(ev.value.get("Properties")) => Some("sqs"),
                t => source_kind(t),
            };
            let Some(kind) = kind else { continue };
            p.sources.insert(kind.into());
            if kind == "sqs" {
                p.queues.push(ev.value.path(&["Properties", "Queue"]).filter(|_| ty == "SQS").map(|q| res.val(q)));
            }
            if let Some(config) = ev.value.path(&["Properties", "DestinationConfig"]) {
                destination_config(&mut p, config, res, resources, true);
            }
        }
    }
    p
}

/// `OnSuccess` / `OnFailure` of a destination config: SAM's `Type`, else the `Destination`'s kind.
fn destination_config(p: &mut Platform, config: &Node, res: &Resolver, resources: &[Entry], typed: bool) {
    for key in ["OnSuccess", "OnFailure"] {
        let Some(d) = config.get(key).filter(|d| !d.is_null()) else { continue };
        let ty = d.get("Type").filter(|_| typed).map(|t| res.val(t));
        let kind = match ty {
            Some(t) => t.known().map_or(Platform::ANY, destination_type),
            None => d.get("Destination").map_or(Platform::ANY, |t| target_kind(t, res, resources)),
        };
        p.destinations.insert(kind.into());
    }
}

/// `AWS::Lambda::EventSourceMapping` and `AWS::Lambda::EventInvokeConfig` resources, added to
/// the function they name; one whose function cannot be told is taken as every function's.
pub fn link(b: &mut Builder<'_>, resources: &Node) {
    let Some(entries) = resources.as_map() else { return };
    for e in entries {
        let ty = resource_type(&e.value);
        if !matches!(ty, "AWS::Lambda::EventSourceMapping" | "AWS::Lambda::EventInvokeConfig") {
            continue;
        }
        let Some(props) = e.value.get("Properties") else { continue };
        let mut add = Platform::default();
        if ty == "AWS::Lambda::EventSourceMapping" {
            let kind = match (props.get("EventSourceArn"), props.get("SelfManagedEventSource")) {
                (Some(arn), _) => target_kind(arn, &b.res, entries),
                (None, Some(_)) => "kafka",
                (None, None) => Platform::ANY,
            };
            add.sources.insert(kind.into());
            if kind == "sqs" {
                add.queues.push(props.get("EventSourceArn").map(|a| b.res.val(a)));
            }
        }
        if let Some(config) = props.get("DestinationConfig") {
            destination_config(&mut add, config, &b.res, entries, false);
        }
        let target = props.get("FunctionName").and_then(|n| {
            let id = Resolver::referenced_resource(n).or_else(|| b.res.val(n).known().map(str::to_string))?;
            b.functions.get(&id).copied()
        });
        let targets: Vec<usize> = match target {
            Some(f) => vec![f],
            None => (0..b.model.functions.len()).collect(),
        };
        for f in targets {
            if let Some(p) = b.model.functions[f].platform.as_mut() {
                p.sources.extend(add.sources.iter().cloned());
                p.destinations.extend(add.destinations.iter().cloned());
                p.queues.extend(add.queues.iter().cloned());
            }
        }
    }
}

/// A Serverless Framework function (`def`), with the provider's settings it inherits.
pub fn serverless(provider: Option<&Node>, def: &Node, res: &Resolver) -> Platform {
    let pick = |keys: &[&str]| -> Option<&Node> {
        keys.iter().find_map(|k| def.get(k)).or_else(|| provider.and_then(|p| keys.iter().find_map(|k| p.get(k))))
    };
    let tracing = match def.get("tracing") {
        Some(t) => on(Some(t), res),
        None => on(provider.and_then(|p| p.path(&["tracing", "lambda"])), res),
    };
    let mut p = Platform {
        tracing,
        vpc: on(pick(&["vpc"]), res),
        kms: on(pick(&["kmsKeyArn", "awsKmsKeyArn"]), res),
        ..Default::default()
    };
    if let Some(d) = def.get("onError").filter(|d| !d.is_null()) {
        p.destinations.insert(sls_target(d, res).into());
    }
    for key in ["onSuccess", "onFailure"] {
        if let Some(d) = def.get("destinations").and_then(|d| d.get(key)).filter(|d| !d.is_null()) {
            p.destinations.insert(sls_target(d, res).into());
        }
    }
    for ev in def.get("events").map(Node::one_or_many).unwrap_or(&[]) {
        let Some([e]) = ev.as_map() else { continue };
        let kind = match e.key.as_str() {
            "stream" => {
                let ty = e.value.get("type").map(|t| res.val(t));
                let arn = e.value.get("arn").or(Some(&e.value)).map(|a| res.val(a));
                match (ty.as_ref().and_then(|t| t.known()), arn.as_ref().and_then(|a| a.known())) {
                    (Some(t), _) => source_kind(t).unwrap_or(Platform::ANY),
                    (None, Some(a)) => arn_service(a).unwrap_or(Platform::ANY),
                    (None, None) => Platform::ANY,
                }
            }
            k => match source_kind(k) {
                Some(kind) => kind,
                None => continue,
            },
        };
        p.sources.insert(kind.into());
        if kind == "sqs" {
            let arn = if e.value.as_map().is_some() { e.value.get("arn") } else { Some(&e.value) };
            p.queues.push(arn.map(|a| res.val(a)));
        }
        if let Some(d) = e.value.path(&["destinations", "onFailure"]).filter(|d| !d.is_null()) {
            p.destinations.insert(sls_target(d, res).into());
        }
    }
    p
}

/// A Serverless destination: an ARN, a function of the service by name, or `{type, arn}`.
fn sls_target(node: &Node, res: &Resolver) -> &'static str {
    if node.as_map().is_some() {
        if let Some(t) = node.get("type").and_then(|t| res.val(t).known().map(destination_type)) {
            return t;
        }
        return node.get("arn").and_then(|a| res.val(a).known().and_then(arn_service)).unwrap_or(Platform::ANY);
    }
    match res.val(node).known() {
        Some(v) if v.starts_with("arn:") => arn_service(v).unwrap_or(Platform::ANY),
        // A bare name is a function of the service.
        Some(v) if !v.is_empty() && !v.contains(':') => "lambda",
        _ => Platform::ANY,
    }
}

#[cfg(test)]
mod tests {
    use crate::loader::yaml::parse_one;
    use crate::model::{Model, Platform};

    fn cfn(yaml: &str) -> Model {
        crate::frontend::cloudformation::build(&parse_one(yaml).unwrap(), "template.yaml")
    }

    fn platform<'m>(m: &'m Model, name: &str) -> &'m Platform {
        m.functions.iter().find(|f| f.name == name).and_then(|f| f.platform.as_ref()).unwrap()
    }

    #[test]
    fn cloudformation_settings_and_linked_resources() {
        let m = cfn(r#"
Parameters:
  Mode: {Type: String}
Resources:
  Q: {Type: AWS::SQS::Queue}
  T: {Type: AWS::DynamoDB::Table}
  A:
    Type: AWS::Lambda::Function
    Properties:
      TracingConfig: {Mode: !Ref Mode}
      DeadLetterConfig: {TargetArn: !GetAtt Q.Arn}
  B:
    Type: AWS::Lambda::Function
    Properties:
      TracingConfig: {Mode: PassThrough}
      KmsKeyArn: !Ref Key
  C:
    Type: AWS::Lambda::Function
    Properties: {}
  MapA:
    Type: AWS::Lambda::EventSourceMapping
    Properties: {FunctionName: !Ref A, EventSourceArn: !GetAtt T.StreamArn}
  ConfigB:
    Type: AWS::Lambda::EventInvokeConfig
    Properties:
      FunctionName: !Ref B
      DestinationConfig: {OnSuccess: {Destination: 'arn:aws:sns:eu-west-1:123456789012:done'}}
  Elsewhere:
    Type: AWS::Lambda::EventSourceMapping
    Properties: {FunctionName: !ImportValue other-function, EventSourceArn: !ImportValue other-queue}
"#);
        let (a, b, c) = (platform(&m, "A"), platform(&m, "B"), platform(&m, "C"));
        // A parameter's value is not known: tracing counts as on.
        assert!(a.tracing && !a.vpc && !a.kms);
        assert!(a.destinations.contains("sqs") && a.has_source("dynamodb"));
        assert!(b.tracing && b.kms && b.destinations.iter().eq(["sns"]));
        assert!(!c.tracing && !c.vpc && !c.kms && c.destinations.is_empty());
        // A mapping whose function cannot be told may be any function's, of any kind.
        assert!(c.has_source("sqs") && c.has_source("kinesis"));
    }

    #[test]
    fn sam_globals_events_and_destinations() {
        let m = cfn(r#"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Tracing: Active
    VpcConfig: {SubnetIds: [s], SecurityGroupIds: [g]}
Resources:
  F:
    Type: AWS::Serverless::Function
    Properties:
      DeadLetterQueue: {Type: SNS, TargetArn: !Ref Topic}
      EventInvokeConfig:
        DestinationConfig: {OnFailure: {Type: EventBridge}}
      Events:
        K: {Type: Kinesis, Properties: {Stream: !Ref S}}
        M: {Type: MSK, Properties: {Stream: !Ref C}}
        Api: {Type: Api, Properties: {Path: /, Method: get}}
  G:
    Type: AWS::Serverless::Function
    Properties:
      Tracing: Disabled
"#);
        let (f, g) = (platform(&m, "F"), platform(&m, "G"));
        assert!(f.tracing && f.vpc && !f.kms);
        assert!(f.sources.iter().eq(["kafka", "kinesis"]));
        assert!(f.destinations.iter().eq(["events", "sns"]));
        assert!(!g.tracing && g.vpc && g.sources.is_empty());
    }

    /// Each SQS trigger's queue as written, `None` where the manifest does not name it.
    #[test]
    fn sqs_triggers_name_their_queues() {
        let m = cfn(r#"
Transform: AWS::Serverless-2016-10-31
Resources:
  F:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Q: {Type: SQS, Properties: {Queue: !GetAtt Jobs.Arn}}
        N: {Type: SNS, Properties: {Topic: !Ref T, SqsSubscription: true}}
"#);
        let queues: Vec<Option<String>> =
            platform(&m, "F").queues.iter().map(|q| q.as_ref().map(|v| v.display().to_string())).collect();
        assert_eq!(queues, [Some("!GetAtt Jobs.Arn".to_string()), None]);
        let doc = parse_one(
            "service: s\nprovider: {name: aws}\nfunctions:\n  a:\n    handler: a.h\n    events:\n      - sqs: arn:aws:sqs:eu-west-1:123456789012:jobs\n      - sqs: {arn: 'arn:aws:sqs:eu-west-1:123456789012:more', batchSize: 5}\n",
        )
        .unwrap();
        let m = crate::frontend::serverless::build(&doc, "serverless.yml");
        let queues: Vec<Option<String>> =
            platform(&m, "a").queues.iter().map(|q| q.as_ref().and_then(|v| v.known()).map(str::to_string)).collect();
        assert_eq!(
            queues,
            [
                Some("arn:aws:sqs:eu-west-1:123456789012:jobs".to_string()),
                Some("arn:aws:sqs:eu-west-1:123456789012:more".to_string())
            ]
        );
    }

    #[test]
    fn serverless_provider_function_and_events() {
        let doc = parse_one(
            r#"
service: s
provider:
  name: aws
  tracing: {lambda: true}
  kmsKeyArn: ${ssm:/key}
functions:
  a:
    handler: a.h
    onError: arn:aws:sns:eu-west-1:123456789012:errors
    destinations: {onSuccess: other, onFailure: {type: eventBus, arn: x}}
    events:
      - stream: {arn: 'arn:aws:dynamodb:eu-west-1:123456789012:table/t/stream/1'}
      - msk: {arn: x, topic: t}
      - http: GET /
  b:
    handler: b.h
    tracing: false
    vpc: {subnetIds: [s], securityGroupIds: [g]}
"#,
        )
        .unwrap();
        let m = crate::frontend::serverless::build(&doc, "serverless.yml");
        let (a, b) = (platform(&m, "a"), platform(&m, "b"));
        assert!(a.tracing && !a.vpc && a.kms);
        assert!(a.sources.iter().eq(["dynamodb", "kafka"]));
        assert!(a.destinations.iter().eq(["events", "lambda", "sns"]));
        assert!(!b.tracing && b.vpc && b.kms && b.sources.is_empty() && b.destinations.is_empty());
    }
}

#[cfg(test)]
mod terraform_tests {
    use crate::model::Platform;

    #[test]
    fn terraform_settings_and_linked_resources() {
        let hcl = r#"
resource "aws_sqs_queue" "jobs" {}
resource "aws_lambda_function" "a" {
  tracing_config { mode = "Active" }
  dead_letter_config { target_arn = aws_sns_topic.dlq.arn }
}
resource "aws_lambda_function" "b" {
  vpc_config {
    subnet_ids         = ["s"]
    security_group_ids = ["g"]
  }
  kms_key_arn = var.key
}
resource "aws_lambda_event_source_mapping" "m" {
  function_name    = aws_lambda_function.a.arn
  event_source_arn = aws_sqs_queue.jobs.arn
}
resource "aws_lambda_function_event_invoke_config" "c" {
  function_name = aws_lambda_function.b.function_name
  destination_config {
    on_failure { destination = "arn:aws:sqs:eu-west-1:123456789012:failed" }
  }
}
"#;
        let doc = crate::loader::hcl::parse(hcl).unwrap();
        let m = crate::frontend::terraform::build(&[("main.tf".to_string(), doc)]);
        let get = |n: &str| m.functions.iter().find(|f| f.name == n).and_then(|f| f.platform.clone()).unwrap();
        let (a, b): (Platform, Platform) = (get("a"), get("b"));
        assert!(a.tracing && !a.vpc && !a.kms);
        assert!(a.sources.iter().eq(["sqs"]) && a.destinations.iter().eq(["sns"]));
        assert!(!b.tracing && b.vpc && b.kms && b.sources.is_empty() && b.destinations.iter().eq(["sqs"]));
    }
}
