//! Serverless Framework entry points: `http` (REST API), `httpApi` (HTTP API), `websocket` and
//! `url` events of each function, with their authorizers (inline, or named under
//! `provider.httpApi.authorizers`), `private: true` API keys, and CORS settings.

use super::cfn_apis::cors;
use super::values::Resolver;
use crate::loader::{Node, Value};
use crate::model::{ApiId, ApiKind, AuthKind, AuthorizerId, Cors, Endpoint, Loc, Model, Val};

pub fn add(model: &mut Model, doc: &Node, res: &Resolver) {
    let provider = doc.get("provider");
    let private_endpoint = provider
        .and_then(|p| p.get("endpointType"))
        .and_then(Node::as_str)
        .is_some_and(|t| t.eq_ignore_ascii_case("PRIVATE"));
    // `provider.apiGateway.resourcePolicy`: a list of statements.
    let resource_policy = provider.and_then(|p| p.path(&["apiGateway", "resourcePolicy"])).map(|rp| {
        let doc = Node::new(
            rp.span,
            Value::Map(vec![crate::loader::Entry { key: "Statement".into(), key_span: rp.span, value: rp.clone() }]),
        );
        super::api_policy::read(&doc, res)
    });
    let anchor = doc.entry("provider").map(|e| Loc::new(res.file, e.key_span)).unwrap_or_default();
    let mut rest: Option<ApiId> = None;
    let mut http: Option<ApiId> = None;
    let mut ws: Option<ApiId> = None;

    // HTTP API: named authorizers and CORS at the provider.
    let http_cfg = provider.and_then(|p| p.get("httpApi"));
    let mut http_api = |model: &mut Model| -> ApiId {
        *http.get_or_insert_with(|| {
            let id = model.add_api("HttpApi", ApiKind::Http, anchor);
            if let Some(c) = http_cfg.and_then(|h| h.get("cors")) {
                model.apis[id].cors = serverless_cors(c, res);
            }
            id
        })
    };
    if let Some(auths) = http_cfg.and_then(|h| h.get("authorizers")).and_then(Node::as_map) {
        let api = http_api(model);
        for a in auths {
            let kind = match a.value.get("type").and_then(Node::as_str).map(str::to_ascii_lowercase).as_deref() {
                Some("request") => AuthKind::Lambda,
                Some("jwt") | None => {
                    if a.value.get("functionName").is_some() || a.value.get("functionArn").is_some() {
                        AuthKind::Lambda
                    } else {
                        AuthKind::Jwt
                    }
                }
                _ => AuthKind::Unknown,
            };
            model.add_authorizer(a.key.clone(), kind, Some(api), Loc::new(res.file, a.key_span));
        }
    }

    let Some(functions) = doc.get("functions") else { return };
    let entries: Vec<&crate::loader::Entry> = match &functions.value {
        Value::Map(e) => e.iter().collect(),
        Value::Seq(items) => items.iter().filter_map(Node::as_map).flatten().collect(),
        _ => Vec::new(),
    };
    for f in entries {
        let Some(fid) = model.function_named(&f.key) else { continue };
        if let Some(u) = f.value.get("url") {
            let (auth, cors) = match &u.value {
                Value::Bool(true) => (AuthKind::None, None),
                Value::Map(_) => {
                    let iam =
                        u.get("authorizer").and_then(Node::as_str).is_some_and(|a| a.eq_ignore_ascii_case("aws_iam"));
                    (
                        if iam { AuthKind::Iam } else { AuthKind::None },
                        u.get("cors").and_then(|c| serverless_cors(c, res)),
                    )
                }
                _ => (AuthKind::Unknown, None),
            };
            if !matches!(u.value, Value::Bool(false)) {
                model.endpoints.push(Endpoint {
                    kind: ApiKind::FunctionUrl,
                    api: None,
                    method: "ANY".into(),
                    path: "/".into(),
                    function: Some(fid),
                    auth,
                    authorizer: None,
                    api_key_required: false,
                    loc: Loc::new(res.file, f.value.entry("url").map_or(f.key_span, |e| e.key_span)),
                    cors,
                });
            }
        }
        for ev in f.value.get("events").map(Node::one_or_many).unwrap_or(&[]) {
            let Some([event]) = ev.as_map() else { continue };
            let loc = Loc::new(res.file, event.key_span);
            let spec = &event.value;
            match event.key.as_str() {
                "http" => {
                    let api = *rest.get_or_insert_with(|| {
                        let id = model.add_api("ApiGatewayRestApi", ApiKind::Rest, anchor);
                        model.apis[id].private = private_endpoint;
                        model.apis[id].policy = resource_policy.clone();
                        id
                    });
                    let (method, path) = method_path(spec);
                    let private = spec.get("private").and_then(Node::as_bool) == Some(true);
                    let (mut auth, authorizer) = match spec.get("authorizer") {
                        Some(a) => rest_authorizer(model, api, a, res),
                        None => (AuthKind::None, None),
                    };
                    if auth == AuthKind::None && private {
                        auth = AuthKind::ApiKey;
                    }
                    let cors = spec.get("cors").and_then(|c| serverless_cors(c, res));
                    model.endpoints.push(Endpoint {
                        kind: ApiKind::Rest,
                        api: Some(api),
                        method,
                        path,
                        function: Some(fid),
                        auth,
                        authorizer,
                        api_key_required: private,
                        loc,
                        cors,
                    });
                }
                "httpApi" => {
                    let api = http_api(model);
                    let (method, path) = method_path(spec);
                    let (auth, authorizer) = match spec.get("authorizer") {
                        Some(a) => http_authorizer(model, api, a),
                        None => (AuthKind::None, None),
                    };
                    model.endpoints.push(Endpoint {
                        kind: ApiKind::Http,
                        api: Some(api),
                        method,
                        path,
                        function: Some(fid),
                        auth,
                        authorizer,
                        api_key_required: false,
                        loc,
                        cors: None,
                    });
                }
                "websocket" => {
                    let api = *ws.get_or_insert_with(|| model.add_api("WebsocketsApi", ApiKind::WebSocket, anchor));
                    let route = match &spec.value {
                        Value::String(s) => s.clone(),
                        _ => spec.get("route").and_then(Node::scalar_text).map(|c| c.into_owned()).unwrap_or_default(),
                    };
                    // Callers authenticate on `$connect`; the other routes ride on that connection.
                    let (auth, authorizer) = if route != "$connect" {
                        (AuthKind::Unknown, None)
                    } else {
                        match spec.get("authorizer") {
                            Some(a) => rest_authorizer(model, api, a, res),
                            None => (AuthKind::None, None),
                        }
                    };
                    model.endpoints.push(Endpoint {
                        kind: ApiKind::WebSocket,
                        api: Some(api),
                        method: "ANY".into(),
                        path: route,
                        function: Some(fid),
                        auth,
                        authorizer,
                        api_key_required: false,
                        loc,
                        cors: None,
                    });
                }
                _ => {}
            }
        }
    }
}

/// `GET /orders`, `*`, or `{method, path}`; paths get their leading `/` (the framework accepts
/// `orders` for `/orders`).
fn method_path(spec: &Node) -> (String, String) {
    let (m, p) = raw_method_path(spec);
    let p = if p.starts_with('/') || p == "*" { p } else { format!("/{p}") };
    (m, p)
}

fn raw_method_path(spec: &Node) -> (String, String) {
    match &spec.value {
        Value::String(s) if s.trim() == "*" => ("ANY".into(), "*".into()),
        Value::String(s) => match s.trim().split_once(' ') {
            Some((m, p)) => (norm_method(m), p.trim().to_string()),
            None => ("ANY".into(), s.trim().to_string()),
        },
        _ => {
            let m = spec.get("method").and_then(Node::scalar_text).map_or_else(|| "ANY".into(), |m| norm_method(&m));
            let p = spec.get("path").and_then(Node::scalar_text).map_or_else(|| "/".into(), |p| p.into_owned());
            (m, p)
        }
    }
}

fn norm_method(m: &str) -> String {
    let m = m.trim().to_ascii_uppercase();
    if m == "*" { "ANY".into() } else { m }
}

/// A REST (or WebSocket) event's `authorizer`: a function name or ARN, `aws_iam`, or a mapping
/// with `name` / `arn` / `type` / `authorizerId`.
fn rest_authorizer(model: &mut Model, api: ApiId, a: &Node, res: &Resolver) -> (AuthKind, Option<AuthorizerId>) {
    let loc = res.loc(a);
    let (name, kind) = match &a.value {
        Value::String(s) if s.eq_ignore_ascii_case("aws_iam") => return (AuthKind::Iam, None),
        Value::String(s) => (s.clone(), arn_kind(s)),
        Value::Map(_) => {
            let ty = a.get("type").and_then(Node::as_str).map(str::to_ascii_lowercase);
            let name =
                a.get("name").or_else(|| a.get("arn")).map(|n| res.val(n).display().to_string()).unwrap_or_default();
            let kind = match ty.as_deref() {
                Some("aws_iam") => return (AuthKind::Iam, None),
                Some("cognito_user_pools") => AuthKind::Cognito,
                Some("token" | "request" | "custom") => AuthKind::Lambda,
                _ if a.get("authorizerId").is_some() => AuthKind::Unknown,
                _ => arn_kind(&name),
            };
            (name, kind)
        }
        _ => (String::new(), AuthKind::Unknown),
    };
    let existing = model.authorizers.iter().position(|x| x.api == Some(api) && x.name == name && !name.is_empty());
    let id = existing.unwrap_or_else(|| model.add_authorizer(name, kind, Some(api), loc));
    (kind, Some(id))
}

fn arn_kind(s: &str) -> AuthKind {
    if s.contains(":cognito-idp:") {
        AuthKind::Cognito
    } else if s.starts_with("arn:") && !s.contains(":lambda:") {
        AuthKind::Unknown
    } else {
        AuthKind::Lambda
    }
}

/// An `httpApi` event's `authorizer`: `{name}` of a provider authorizer, `{type: aws_iam}`, or
/// `{id}` of one defined elsewhere.
fn http_authorizer(model: &mut Model, api: ApiId, a: &Node) -> (AuthKind, Option<AuthorizerId>) {
    let ty = a.get("type").and_then(Node::as_str).map(str::to_ascii_lowercase);
    if ty.as_deref() == Some("aws_iam") || a.as_str().is_some_and(|s| s.eq_ignore_ascii_case("aws_iam")) {
        return (AuthKind::Iam, None);
    }
    let name =
        a.get("name").and_then(Node::scalar_text).map(|c| c.into_owned()).or_else(|| a.as_str().map(str::to_string));
    match name.and_then(|n| model.authorizers.iter().position(|x| x.api == Some(api) && x.name == n)) {
        Some(id) => (model.authorizers[id].kind, Some(id)),
        // An `id:` of an authorizer created outside this file, or a name we cannot find.
        None => (AuthKind::Unknown, None),
    }
}

/// `cors: true`, `{origin: …}`, `{origins: […]}`, `{allowedOrigins: […], allowCredentials}`.
fn serverless_cors(node: &Node, res: &Resolver) -> Option<Cors> {
    let loc = res.loc(node);
    match &node.value {
        Value::Bool(true) => Some(Cors { origins: vec![Val::Known("*".into(), loc)], credentials: None, loc }),
        Value::Map(_) => {
            let origins = node
                .get("origin")
                .or_else(|| node.get("origins"))
                .or_else(|| node.get("allowedOrigins"))
                .map(|o| res.vals(o))
                .unwrap_or_else(|| vec![Val::Known("*".into(), loc)]);
            let credentials = node.get("allowCredentials").and_then(Node::as_bool);
            Some(Cors { origins, credentials, loc })
        }
        _ => cors(node, res),
    }
}
