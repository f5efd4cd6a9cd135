//! Serverless Framework services for providers other than AWS (Azure, Google, Cloudflare,
//! OpenWhisk, Knative, Tencent, Alibaba, …): which provider a service is for, and the model of
//! a non-AWS service — its functions, and for Azure (`serverless-azure-functions`) its HTTP
//! triggers with their `authLevel`. Nothing AWS applies to them: no execution role, no
//! `resources` read as CloudFormation, no API Gateway routes, no AWS runtime deprecations.

use super::values::Resolver;
use crate::loader::{Node, Value};
use crate::model::{ApiKind, AuthKind, Cloud, Endpoint, Format, Function, Loc, Model};

/// Plugins that make a service another provider's when `provider.name` does not say.
const PROVIDER_PLUGINS: &[(&str, Cloud)] = &[
    ("serverless-azure-functions", Cloud::Azure),
    ("serverless-google-cloudfunctions", Cloud::Gcp),
    ("serverless-openwhisk", Cloud::Other),
    ("serverless-kubeless", Cloud::Other),
    ("serverless-knative", Cloud::Other),
    ("serverless-cloudflare-workers", Cloud::Other),
    ("serverless-tencent-scf", Cloud::Other),
    ("serverless-aliyun-function-compute", Cloud::Other),
    ("serverless-fission", Cloud::Other),
    ("serverless-spotinst-functions", Cloud::Other),
];

/// The provider a service is for: `provider.name` (or `provider: name`); when absent, a
/// provider plugin; else AWS, the framework's default.
pub fn cloud(doc: &Node) -> Cloud {
    let provider = doc.get("provider");
    let name = provider.and_then(|p| p.as_str().or_else(|| p.get("name").and_then(Node::as_str)));
    match name.map(str::to_ascii_lowercase).as_deref() {
        Some("aws") => Cloud::Aws,
        Some("azure") => Cloud::Azure,
        Some("google") | Some("gcp") => Cloud::Gcp,
        Some(_) => Cloud::Other,
        None => {
            let plugins = doc.get("plugins").map(plugin_names).unwrap_or_default();
            PROVIDER_PLUGINS.iter().find(|(p, _)| plugins.iter().any(|n| n == p)).map_or(Cloud::Aws, |(_, c)| *c)
        }
    }
}

/// `plugins: [a, b]` or `plugins: {modules: [a, b]}`.
fn plugin_names(node: &Node) -> Vec<String> {
    let list = node.get("modules").unwrap_or(node);
    list.one_or_many().iter().filter_map(Node::as_str).map(str::to_string).collect()
}

/// The model of a service for another provider.
pub fn build(doc: &Node, path: &str, cloud: Cloud) -> Model {
    let mut model = Model::new(Format::Serverless, vec![path.to_string()]);
    let res = Resolver::new(0);
    let provider_runtime = doc.get("provider").and_then(|p| p.get("runtime"));
    let functions: Vec<&crate::loader::Entry> = match doc.get("functions").map(|f| &f.value) {
        Some(Value::Map(entries)) => entries.iter().collect(),
        Some(Value::Seq(items)) => items.iter().filter_map(Node::as_map).flatten().collect(),
        _ => Vec::new(),
    };
    for f in functions {
        let def = &f.value;
        let fid = model.functions.len();
        model.functions.push(Function {
            name: f.key.clone(),
            loc: Loc::new(0, f.key_span),
            runtime: def.get("runtime").or(provider_runtime).map(|n| res.val(n)),
            handler: def.get("handler").map(|n| res.val(n)),
            environment: def
                .get("environment")
                .and_then(Node::as_map)
                .unwrap_or(&[])
                .iter()
                .map(|e| (e.key.clone(), res.val(&e.value)))
                .collect(),
            package: super::package::serverless(def, doc, &res),
            cloud,
            ..Default::default()
        });
        if cloud == Cloud::Azure {
            azure_http_triggers(&mut model, fid, &f.key, def, &res);
        }
    }
    model
}

/// `events: [{http: true, x-azure-settings: {authLevel, methods, route}}]`: the plugin's HTTP
/// triggers (`direction: out` items are the response binding, not a trigger). The Functions
/// runtime's default `authLevel` is `function` (a key is needed).
fn azure_http_triggers(model: &mut Model, fid: usize, name: &str, def: &Node, res: &Resolver) {
    for ev in def.get("events").map(Node::one_or_many).unwrap_or(&[]) {
        let Some(entry) = ev.entry("http") else { continue };
        if matches!(entry.value.value, Value::Bool(false)) {
            continue;
        }
        let settings = ev.get("x-azure-settings");
        let setting = |k: &str| settings.and_then(|s| s.get(k));
        if setting("direction").and_then(Node::as_str).is_some_and(|d| d.eq_ignore_ascii_case("out")) {
            continue;
        }
        let level = setting("authLevel");
        let auth = match level.and_then(Node::as_str).map(str::to_ascii_lowercase).as_deref() {
            Some("anonymous") => AuthKind::None,
            Some("function" | "admin" | "system") | None => AuthKind::FunctionKey,
            Some(_) => AuthKind::Unknown,
        };
        let route = setting("route").and_then(Node::as_str).unwrap_or(name).trim_start_matches('/');
        let methods: Vec<String> = setting("methods")
            .map(|m| m.one_or_many().iter().filter_map(Node::as_str).map(str::to_ascii_uppercase).collect())
            .unwrap_or_default();
        let methods = if methods.is_empty() { vec!["ANY".to_string()] } else { methods };
        let at = settings.and_then(|s| s.entry("authLevel")).map_or(entry.key_span, |e| e.key_span);
        for method in methods {
            model.endpoints.push(Endpoint {
                kind: ApiKind::AzureHttp,
                api: None,
                method,
                path: format!("/api/{route}"),
                function: Some(fid),
                auth,
                authorizer: None,
                api_key_required: false,
                loc: Loc::new(res.file, at),
                cors: None,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loader::yaml::parse_one;

    #[test]
    fn provider_by_name_or_plugin() {
        let c = |y: &str| cloud(&parse_one(y).unwrap());
        assert_eq!(c("service: s\nprovider: {name: aws}\n"), Cloud::Aws);
        assert_eq!(c("service: s\nprovider: aws\n"), Cloud::Aws);
        assert_eq!(c("service: s\nprovider: {name: azure}\n"), Cloud::Azure);
        assert_eq!(c("service: s\nprovider: {name: google}\n"), Cloud::Gcp);
        assert_eq!(c("service: s\nprovider: {name: cloudflare}\n"), Cloud::Other);
        assert_eq!(c("service: s\nprovider: {runtime: nodejs20.x}\n"), Cloud::Aws);
        assert_eq!(
            c("service: s\nprovider: {runtime: nodejs18}\nplugins: [serverless-azure-functions]\n"),
            Cloud::Azure
        );
    }

    #[test]
    fn azure_plugin_http_triggers() {
        let doc = parse_one(
            r#"
service: greeter
provider:
  name: azure
  runtime: nodejs18
plugins:
  - serverless-azure-functions
functions:
  hello:
    handler: src/handlers/hello.sayHello
    events:
      - http: true
        x-azure-settings:
          methods: [GET]
          authLevel: anonymous
      - http: true
        x-azure-settings:
          direction: out
          name: res
  admin:
    handler: src/handlers/admin.run
    events:
      - http: true
"#,
        )
        .unwrap();
        let m = build(&doc, "serverless.yml", Cloud::Azure);
        let eps: Vec<(&str, &str, AuthKind)> =
            m.endpoints.iter().map(|e| (e.method.as_str(), e.path.as_str(), e.auth)).collect();
        assert_eq!(eps, [("GET", "/api/hello", AuthKind::None), ("ANY", "/api/admin", AuthKind::FunctionKey)]);
        assert!(m.roles.is_empty() && m.statements.is_empty());
        assert_eq!(m.functions[0].cloud, Cloud::Azure);
        assert_eq!(m.endpoints[0].loc.span.start.line, 15, "the authLevel line");
    }
}
