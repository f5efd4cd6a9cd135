//! OpenAPI / Swagger definitions embedded in templates (`DefinitionBody`, `Body`): their routes,
//! each route's `security` (or the document's default), the API Gateway extensions that say how a
//! scheme authenticates (`x-amazon-apigateway-authtype`, `x-amazon-apigateway-authorizer`,
//! `x-amazon-apigateway-auth`), and the function a route's integration calls.

use super::values::Resolver;
use crate::loader::{Node, Value};
use crate::model::{AuthKind, Loc};

pub const METHODS: &[&str] =
    &["get", "put", "post", "delete", "options", "head", "patch", "trace", "x-amazon-apigateway-any-method"];

/// A security scheme of the document.
#[derive(Debug, Clone)]
pub struct Scheme {
    pub name: String,
    pub kind: AuthKind,
    pub loc: Loc,
}

#[derive(Debug, Clone)]
pub struct Route {
    pub method: String,
    pub path: String,
    /// Scheme names the route requires (any of them); `None` when the route does not say (the
    /// document default applies); `Some(vec![])` for an explicit `security: []`.
    pub security: Option<Vec<String>>,
    /// `x-amazon-apigateway-auth: {type: AWS_IAM}`.
    pub iam: bool,
    /// The logical id of the function its integration invokes, when that is in the template.
    pub function: Option<String>,
    /// It has an integration (`x-amazon-apigateway-integration`).
    pub has_integration: bool,
    pub loc: Loc,
}

#[derive(Debug, Clone, Default)]
pub struct Definition {
    pub schemes: Vec<Scheme>,
    /// The document-level `security`, if any.
    pub default_security: Option<Vec<String>>,
    pub routes: Vec<Route>,
}

/// Reads a definition (a mapping; a JSON/YAML string body is not read).
pub fn read(doc: &Node, res: &Resolver) -> Definition {
    let mut def = Definition::default();
    let schemes = doc.get("securityDefinitions").or_else(|| doc.path(&["components", "securitySchemes"]));
    for e in schemes.and_then(Node::as_map).unwrap_or(&[]) {
        def.schemes.push(Scheme {
            name: e.key.clone(),
            kind: scheme_kind(&e.value),
            loc: Loc::new(res.file, e.key_span),
        });
    }
    def.default_security = doc.get("security").map(security_names);
    for p in doc.get("paths").and_then(Node::as_map).unwrap_or(&[]) {
        let Some(item) = deployed(&p.value) else { continue };
        for m in item.as_map().unwrap_or(&[]) {
            let method = m.key.to_ascii_lowercase();
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            // SAM wraps the operations of conditional events in `Fn::If`.
            let Some(op) = deployed(&m.value) else { continue };
            let method = if method == "x-amazon-apigateway-any-method" {
                "ANY".to_string()
            } else {
                method.to_ascii_uppercase()
            };
            let iam = op
                .path(&["x-amazon-apigateway-auth", "type"])
                .and_then(Node::as_str)
                .is_some_and(|t| t.eq_ignore_ascii_case("AWS_IAM"));
            let function = op.path(&["x-amazon-apigateway-integration", "uri"]).and_then(function_in_uri);
            let has_integration = op.get("x-amazon-apigateway-integration").is_some();
            def.routes.push(Route {
                method,
                // HTTP APIs' default route is written `$default` or `/$default`.
                path: if p.key == "/$default" { "$default".into() } else { p.key.clone() },
                security: op.get("security").map(security_names),
                iam,
                function,
                has_integration,
                loc: Loc::new(res.file, m.key_span),
            });
        }
    }
    def
}

/// A value that may be `Fn::If: [Cond, A, B]`: its first branch that is not `AWS::NoValue`
/// (either may be deployed; the first is read), or `None` when there is none.
fn deployed(node: &Node) -> Option<&Node> {
    match node.as_map() {
        Some([e]) if e.key == "Fn::If" => e.value.as_seq()?.iter().skip(1).find_map(deployed),
        Some([e]) if e.key == "Ref" && e.value.as_str() == Some("AWS::NoValue") => None,
        _ => Some(node),
    }
}

/// `security: [{A: []}, {B: [scope]}]` → [A, B]. An empty requirement object (`{}`) means the
/// route may be called without any of them, so it contributes a "none" marker.
fn security_names(node: &Node) -> Vec<String> {
    let mut out = Vec::new();
    for req in node.as_seq().unwrap_or(&[]) {
        match req.as_map() {
            Some([]) => out.push(String::new()),
            Some(entries) => out.extend(entries.iter().map(|e| e.key.clone())),
            None => {}
        }
    }
    out
}

fn scheme_kind(scheme: &Node) -> AuthKind {
    let ext_type =
        scheme.path(&["x-amazon-apigateway-authorizer", "type"]).and_then(Node::as_str).map(str::to_ascii_lowercase);
    let auth_type = scheme.get("x-amazon-apigateway-authtype").and_then(Node::as_str).map(str::to_ascii_lowercase);
    match (ext_type.as_deref(), auth_type.as_deref()) {
        (Some("cognito_user_pools"), _) | (_, Some("cognito_user_pools")) => AuthKind::Cognito,
        (Some("jwt"), _) => AuthKind::Jwt,
        (Some("token" | "request"), _) | (_, Some("custom")) => AuthKind::Lambda,
        (_, Some("awssigv4")) => AuthKind::Iam,
        _ => match scheme.get("type").and_then(Node::as_str) {
            Some("apiKey") => AuthKind::ApiKey,
            Some("oauth2" | "openIdConnect" | "http") => AuthKind::Jwt,
            _ => AuthKind::Unknown,
        },
    }
}

/// The logical id of the function an integration URI invokes: `${Fn.Arn}` in a `Fn::Sub`, or
/// `Fn::GetAtt: [Fn, Arn]` inside a `Fn::Join`.
pub fn function_in_uri(node: &Node) -> Option<String> {
    find_arn_ref(node, 0)
}

fn find_arn_ref(node: &Node, depth: usize) -> Option<String> {
    if depth > 8 {
        return None;
    }
    match &node.value {
        Value::String(s) => {
            // `…/functions/${MyFunction.Arn}/invocations`, or `${MyFunctionAliaslive}` (an alias
            // or version, which stands for its function).
            if let Some(i) = s.find("functions/${") {
                let rest = &s[i + "functions/${".len()..];
                let name = &rest[..rest.find('}')?];
                return Some(name.strip_suffix(".Arn").unwrap_or(name).to_string());
            }
            let i = s.find(".Arn}")?;
            let start = s[..i].rfind("${")? + 2;
            Some(s[start..i].to_string())
        }
        Value::Map(entries) => {
            if let [e] = entries.as_slice() {
                // `Fn::Sub: [".../functions/${FunctionArn}/invocations", {FunctionArn: !GetAtt Fn.Arn}]`
                if let (true, Some([template, Node { value: Value::Map(vars), .. }])) =
                    (e.key == "Fn::Sub", e.value.as_seq())
                {
                    if let Some(name) = find_arn_ref(template, depth + 1) {
                        return match vars.iter().find(|v| v.key == name) {
                            Some(v) => {
                                Resolver::referenced_resource(&v.value).or_else(|| find_arn_ref(&v.value, depth + 1))
                            }
                            None => Some(name),
                        };
                    }
                }
                if e.key == "Fn::GetAtt" {
                    if let Some(id) = Resolver::referenced_resource(node) {
                        return Some(id);
                    }
                }
            }
            entries.iter().find_map(|e| find_arn_ref(&e.value, depth + 1))
        }
        Value::Seq(items) => items.iter().find_map(|i| find_arn_ref(i, depth + 1)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loader::yaml::parse_one;

    #[test]
    fn reads_routes_and_schemes() {
        let doc = parse_one(
            r#"
openapi: 3.0.1
components:
  securitySchemes:
    Cognito:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authtype: cognito_user_pools
    Key: {type: apiKey, name: x-api-key, in: header}
security: [{Cognito: []}]
paths:
  /orders:
    get:
      x-amazon-apigateway-integration:
        uri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${ListFn.Arn}/invocations
    post:
      security: []
    options: {}
  /health:
    get:
      security: [{Key: []}]
"#,
        )
        .unwrap();
        let d = read(&doc, &Resolver::new(0));
        assert_eq!(d.schemes.len(), 2);
        assert_eq!(d.schemes[0].kind, AuthKind::Cognito);
        assert_eq!(d.schemes[1].kind, AuthKind::ApiKey);
        assert_eq!(d.default_security.as_deref(), Some(&["Cognito".to_string()][..]));
        assert_eq!(d.routes.len(), 4);
        assert_eq!(d.routes[0].function.as_deref(), Some("ListFn"));
        assert_eq!(d.routes[1].security.as_deref(), Some(&[][..]));
        assert_eq!(d.routes[3].security.as_deref(), Some(&["Key".to_string()][..]));
    }
}
