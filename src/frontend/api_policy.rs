//! API Gateway resource policies, reduced to what decides who may call which route: which
//! routes each statement covers, and whether it admits (or leaves in) only callers from given
//! VPC endpoints, VPCs or accounts. Read from CloudFormation `Policy`, OpenAPI
//! `x-amazon-apigateway-policy`, SAM `Auth.ResourcePolicy`, serverless.yml
//! `provider.apiGateway.resourcePolicy` and Terraform `policy`.
//!
//! API Gateway's rule for a REST API with a resource policy and no IAM authorization: a call
//! needs an Allow that covers it and no Deny that matches it. So a route is private when every
//! Allow covering it is limited to VPC endpoints, VPCs or accounts, or a Deny removes everyone
//! else; IP ranges, date windows and deny-lists leave it reachable from the internet.

use super::policy_document::{self, Owner};
use super::values::Resolver;
use crate::loader::Node;
use crate::model::{ApiPolicyStatement, Effect, Loc, Origin, PolicyKind, Statement, Val};

/// Condition keys that pin callers to a network path or identity AWS vouches for.
const PRIVATE_KEYS: &[&str] = &[
    "aws:sourcevpce",
    "aws:sourcevpc",
    "aws:vpcesourceip",
    "aws:principalaccount",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalarn",
    "aws:userid",
];

/// The statements of a policy document (a mapping, a JSON string, or `jsonencode` output).
pub fn read(doc: &Node, res: &Resolver) -> Vec<ApiPolicyStatement> {
    let owner =
        Owner { kind: PolicyKind::Resource, origin: Origin::Inline, roles: Vec::new(), name: "API policy".into() };
    policy_document::statements(doc, res, &owner).iter().map(summarise).collect()
}

/// One statement's summary.
pub fn summarise(s: &Statement) -> ApiPolicyStatement {
    let allow = s.effect != Some(Effect::Deny);
    let pinned = |negated: bool| {
        s.conditions.iter().any(|c| {
            let op = c.operator.to_ascii_lowercase();
            PRIVATE_KEYS.contains(&c.key.to_ascii_lowercase().as_str()) && op.contains("not") == negated
        })
    };
    // Named accounts or roles (not `*`) as principals admit only those.
    let named_principals = !s.principals.is_empty()
        && s.principals.iter().all(|p| {
            p.kind.eq_ignore_ascii_case("AWS") && p.value.known().is_some_and(|v| v != "*")
                || matches!(p.value, Val::Unknown(..) | Val::Partial(..))
        });
    let private = if allow { pinned(false) || named_principals } else { pinned(true) };
    let mut routes: Vec<(String, String)> = s.resources.iter().map(route_of).collect();
    if routes.is_empty() {
        routes.push(("*".into(), "*".into()));
    }
    ApiPolicyStatement { allow, routes, private, loc: s.loc }
}

/// The (method, path) glob an `execute-api` resource covers: `execute-api:/STAGE/METHOD/PATH`,
/// `arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/METHOD/PATH`, `*`; unresolved parts are `*`.
fn route_of(v: &Val) -> (String, String) {
    let any = || ("*".to_string(), "*".to_string());
    let text = match v {
        Val::Known(s, _) | Val::Partial(s, _) => s.as_str(),
        Val::Unknown(..) => return any(),
    };
    let text = wildcard_variables(text);
    let rest = if let Some(r) = text.strip_prefix("execute-api:/") {
        r.to_string()
    } else if let Some(a) = crate::iam::parse_arn(&text).filter(|a| a.service == "execute-api") {
        // API id first.
        match a.resource.split_once('/') {
            Some((_, r)) => r.to_string(),
            None => return any(),
        }
    } else {
        return any();
    };
    let mut parts = rest.splitn(3, '/');
    let _stage = parts.next();
    let method = parts.next().filter(|m| !m.is_empty()).unwrap_or("*").to_string();
    let path = parts.next().map_or_else(|| "*".to_string(), |p| format!("/{p}"));
    // `STAGE/*` covers every method and path.
    if method == "*" && path == "*" { any() } else { (method, path) }
}

/// `${…}` (an unresolved stage or API id) matches anything.
fn wildcard_variables(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        out.push('*');
        rest = rest[i..].find('}').map_or("", |j| &rest[i + j + 1..]);
    }
    out.push_str(rest);
    out
}

/// SAM `Auth.ResourcePolicy`, reduced as the translator writes it: `CustomStatements` once for
/// the API (`route: None`); the allow- and deny-lists for each event's route.
pub fn sam(policy: &Node, res: &Resolver, route: Option<(&str, &str)>, loc: Loc) -> Vec<ApiPolicyStatement> {
    let Some((method, path)) = route else {
        let Some(custom) = policy.get("CustomStatements") else { return Vec::new() };
        let doc = Node::new(
            custom.span,
            crate::loader::Value::Map(vec![crate::loader::Entry {
                key: "Statement".into(),
                key_span: custom.span,
                value: custom.clone(),
            }]),
        );
        return read(&doc, res);
    };
    let routes = vec![(if method == "ANY" { "*".to_string() } else { method.to_string() }, path.to_string())];
    let st = |allow: bool, private: bool| ApiPolicyStatement { allow, routes: routes.clone(), private, loc };
    let mut out = Vec::new();
    let has = |k: &str| policy.get(k).is_some_and(|v| !v.is_null());
    // An account allow-list names the principals; an account deny-list is a Deny alone; the
    // others allow everyone, then deny by network.
    if has("AwsAccountWhitelist") {
        out.push(st(true, true));
    }
    if has("AwsAccountBlacklist") {
        out.push(st(false, false));
    }
    for k in [
        "IpRangeWhitelist",
        "IpRangeBlacklist",
        "SourceVpcWhitelist",
        "SourceVpcBlacklist",
        "IntrinsicVpcWhitelist",
        "IntrinsicVpceWhitelist",
        "IntrinsicVpcBlacklist",
        "IntrinsicVpceBlacklist",
    ] {
        if has(k) {
            out.push(st(true, false));
            out.push(st(false, k.contains("Vpc") && k.ends_with("Whitelist")));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loader::yaml::parse_one;
    use crate::model::{Api, ApiKind};

    fn api(policy: &str) -> Api {
        let mut m = crate::model::Model::new(crate::model::Format::CloudFormation, vec![]);
        let id = m.add_api("Api", ApiKind::Rest, Loc::default());
        let doc = parse_one(policy).unwrap();
        m.apis[id].policy = Some(read(&doc, &Resolver::new(0)));
        m.apis[id].clone()
    }

    #[test]
    fn vpc_endpoint_restricted_api_is_private() {
        let a = api(r#"
Statement:
  - Effect: Allow
    Principal: '*'
    Action: execute-api:Invoke
    Resource: execute-api:/*
  - Effect: Deny
    Principal: '*'
    Action: execute-api:Invoke
    Resource: execute-api:/*
    Condition: {StringNotEquals: {aws:SourceVpce: vpce-1234}}
"#);
        assert!(a.private_for(None));
        assert!(a.private_for(Some(("GET", "/orders"))));
    }

    #[test]
    fn ip_deny_list_and_date_window_leave_it_public() {
        let ip = api(r#"
Statement:
  - {Effect: Allow, Principal: '*', Action: execute-api:Invoke, Resource: execute-api:/*}
  - Effect: Deny
    Principal: '*'
    Action: execute-api:Invoke
    Resource: execute-api:/*
    Condition: {IpAddress: {aws:SourceIp: [192.0.2.0/24]}}
"#);
        assert!(!ip.private_for(Some(("GET", "/orders"))));
        let dates = api(r#"
Statement:
  - Effect: Allow
    Principal: '*'
    Action: execute-api:Invoke
    Resource: !Sub arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:*/*/*/*
    Condition: {DateLessThan: {aws:CurrentTime: '2030-01-01T00:00:00Z'}}
"#);
        assert!(!dates.private_for(None));
    }

    #[test]
    fn routes_are_matched_and_uncovered_routes_are_denied() {
        let a = api(r#"
Statement:
  - {Effect: Allow, Principal: '*', Action: execute-api:Invoke, Resource: !Sub ['execute-api:/${S}/GET/public', {S: Prod}]}
  - Effect: Allow
    Principal: {AWS: arn:aws:iam::123456789012:root}
    Action: execute-api:Invoke
    Resource: execute-api:/Prod/POST/*
"#);
        assert!(!a.private_for(Some(("GET", "/public"))));
        assert!(a.private_for(Some(("POST", "/orders/1"))), "only account 123456789012");
        assert!(a.private_for(Some(("DELETE", "/x"))), "no Allow covers it: denied");
    }
}
