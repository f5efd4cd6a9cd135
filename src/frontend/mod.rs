//! Frontends: each deployment format into the one [`Model`]. Formats are recognised by content,
//! not only by file name.

pub mod api_policy;
pub mod azure;
pub mod cdk;
pub mod cfn_apis;
pub mod cloudformation;
pub mod openapi;
pub mod package;
pub mod platform;
pub mod policy_document;
pub mod sam;
pub mod sam_connectors;
pub mod serverless;
pub mod serverless_events;
pub mod serverless_providers;
pub mod terraform;
pub mod values;

use crate::loader::Node;
use crate::model::{ApiKind, AuthKind, Format, Model, Origin, PolicyKind, Val};

/// Cheap check before parsing a YAML/JSON file: does it mention anything a manifest must?
/// (Parsing every `package.json` and CI file of a repo would be wasted work, and their syntax
/// errors are not ours to report.)
pub fn may_be_manifest(text: &[u8]) -> bool {
    const MARKERS: [&[u8]; 6] =
        [b"AWSTemplateFormatVersion", b"AWS::", b"provider", b"Statement", b"Resources", b"httpTrigger"];
    MARKERS.iter().any(|m| memchr::memmem::find(text, m).is_some())
}

/// The authentication an API Gateway method or route gets, in CloudFormation and Terraform
/// alike: from its authorization type (absent means API Gateway's default, `NONE`), the kind of
/// its authorizer, and whether it requires an API key. On a WebSocket API callers authenticate
/// once, on `$connect`; the other routes ride on that connection.
pub fn api_gateway_auth(
    kind: ApiKind,
    route_key: &str,
    auth_type: Option<&Val>,
    authorizer_kind: Option<AuthKind>,
    api_key_required: bool,
) -> AuthKind {
    if kind == ApiKind::WebSocket && route_key != "$connect" {
        return AuthKind::Unknown;
    }
    let open = if api_key_required { AuthKind::ApiKey } else { AuthKind::None };
    match auth_type.map(|v| v.known().map(str::to_ascii_uppercase)) {
        None => open,
        Some(None) => AuthKind::Unknown,
        Some(Some(t)) => match t.as_str() {
            "NONE" => open,
            "AWS_IAM" => AuthKind::Iam,
            "COGNITO_USER_POOLS" => AuthKind::Cognito,
            "JWT" => AuthKind::Jwt,
            "CUSTOM" => authorizer_kind.unwrap_or(AuthKind::Lambda),
            _ => AuthKind::Unknown,
        },
    }
}

/// What a parsed YAML/JSON document is.
pub fn detect(doc: &Node) -> Option<Format> {
    doc.as_map()?;
    if serverless::is_serverless(doc) {
        return Some(Format::Serverless);
    }
    if azure::is_function_json(doc) {
        return Some(Format::AzureFunctions);
    }
    if cloudformation::is_sam(doc) {
        return Some(Format::Sam);
    }
    let cfn_resources = doc.get("Resources").and_then(Node::as_map).is_some_and(|r| {
        r.iter().any(|e| {
            let t = cloudformation::resource_type(&e.value);
            t.starts_with("AWS::") || t.starts_with("Custom::") || t.starts_with("Alexa::")
        })
    });
    if doc.get("AWSTemplateFormatVersion").is_some() || cfn_resources {
        return Some(Format::CloudFormation);
    }
    let statement = doc.get("Statement");
    if statement
        .is_some_and(|s| s.one_or_many().iter().any(|st| st.get("Effect").is_some() || st.get("Action").is_some()))
    {
        return Some(Format::PolicyDocument);
    }
    None
}

/// The model of one YAML/JSON manifest.
pub fn build(doc: &Node, path: &str, format: Format) -> Model {
    match format {
        Format::Serverless => serverless::build(doc, path),
        Format::Sam | Format::CloudFormation => cloudformation::build(doc, path),
        Format::PolicyDocument => policy_file(doc, path),
        Format::AzureFunctions => azure::build(doc, path),
        // Built elsewhere: from a directory's files (Terraform), from code (Chalice).
        Format::Terraform | Format::Chalice => Model::new(format, vec![path.to_string()]),
    }
}

/// A standalone policy file: a trust policy when it lets principals assume a role, a resource
/// policy when it names other principals, else an identity policy.
fn policy_file(doc: &Node, path: &str) -> Model {
    let mut model = Model::new(Format::PolicyDocument, vec![path.to_string()]);
    let res = values::Resolver::new(0);
    let name = path.rsplit('/').next().unwrap_or(path).to_string();
    let probe = policy_document::Owner {
        kind: PolicyKind::Identity,
        origin: Origin::Inline,
        roles: Vec::new(),
        name: format!("policy {name}"),
    };
    let mut st = policy_document::statements(doc, &res, &probe);
    let has_principal = st.iter().any(|s| !s.principals.is_empty());
    let assume = st.iter().any(|s| {
        s.actions.iter().any(|a| a.known().is_some_and(|t| t.to_ascii_lowercase().starts_with("sts:assumerole")))
    });
    let kind = match (has_principal, assume) {
        (true, true) => PolicyKind::Trust,
        (true, false) => PolicyKind::Resource,
        _ => PolicyKind::Identity,
    };
    for s in &mut st {
        s.kind = kind;
    }
    model.statements = st;
    model
}
