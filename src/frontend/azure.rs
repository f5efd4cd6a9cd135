//! Azure Functions `function.json` files: the function (named after its directory) and its HTTP
//! trigger with `authLevel` (`anonymous` is public; `function` and `admin` need a key).

use super::values::Resolver;
use crate::loader::Node;
use crate::model::{ApiKind, AuthKind, Endpoint, Format, Function, Loc, Model};

/// True for a `function.json` with an HTTP trigger binding.
pub fn is_function_json(doc: &Node) -> bool {
    doc.get("bindings").is_some_and(|b| b.one_or_many().iter().any(is_http_trigger))
}

fn is_http_trigger(binding: &Node) -> bool {
    binding.get("type").and_then(Node::as_str).is_some_and(|t| t.eq_ignore_ascii_case("httpTrigger"))
}

pub fn build(doc: &Node, path: &str) -> Model {
    let mut model = Model::new(Format::AzureFunctions, vec![path.to_string()]);
    let res = Resolver::new(0);
    // The function's name is its folder's.
    let name = path.rsplit('/').nth(1).unwrap_or("function").to_string();
    let loc = Loc::new(0, doc.entry("bindings").map_or(doc.span, |e| e.key_span));
    model.functions.push(Function {
        name,
        loc,
        role: None,
        role_loc: None,
        runtime: None,
        handler: doc.get("scriptFile").map(|n| res.val(n)),
        environment: Vec::new(),
        package: super::package::azure(doc, &res),
        cloud: crate::model::Cloud::Azure,
        ..Default::default()
    });
    for b in doc.get("bindings").map(Node::one_or_many).unwrap_or(&[]) {
        if !is_http_trigger(b) {
            continue;
        }
        // The runtime's default authLevel is `function`.
        let auth = match b.get("authLevel").and_then(Node::as_str).map(str::to_ascii_lowercase).as_deref() {
            Some("anonymous") => AuthKind::None,
            Some("function" | "admin" | "system") | None => AuthKind::FunctionKey,
            Some(_) => AuthKind::Unknown,
        };
        let methods: Vec<String> = b
            .get("methods")
            .map(|m| m.one_or_many().iter().filter_map(Node::as_str).map(str::to_ascii_uppercase).collect())
            .unwrap_or_default();
        let path = b.get("route").and_then(Node::as_str).map_or_else(
            || format!("/api/{}", model.functions[0].name),
            |r| format!("/api/{}", r.trim_start_matches('/')),
        );
        let loc = Loc::new(0, b.entry("authLevel").map_or(b.span, |e| e.key_span));
        let methods = if methods.is_empty() { vec!["ANY".to_string()] } else { methods };
        for method in methods {
            model.endpoints.push(Endpoint {
                kind: ApiKind::AzureHttp,
                api: None,
                method,
                path: path.clone(),
                function: Some(0),
                auth,
                authorizer: None,
                api_key_required: false,
                loc,
                cors: None,
            });
        }
    }
    model
}
