//! Entry points of a Terraform module, read with the semantics cfn_apis.rs gives the same
//! resources in CloudFormation, so that a rule judges a route alike whichever tool deploys it:
//!
//! * REST APIs: `aws_api_gateway_rest_api` (a `PRIVATE` endpoint type or a `policy` with a
//!   condition or a deny makes it private; a `body` OpenAPI document gives routes),
//!   `aws_api_gateway_rest_api_policy`, `aws_api_gateway_resource` (paths up the `parent_id`
//!   chain), `aws_api_gateway_method` (`authorization`, `authorizer_id`, `api_key_required`),
//!   `aws_api_gateway_integration` (the function its `uri` invokes), `aws_api_gateway_authorizer`.
//! * HTTP and WebSocket APIs: `aws_apigatewayv2_api` (quick-create `target`, `cors_configuration`,
//!   `body`), `aws_apigatewayv2_route` (`target` → `aws_apigatewayv2_integration` → function),
//!   `aws_apigatewayv2_authorizer`.
//! * `aws_lambda_function_url`, `aws_lambda_permission`, `aws_appsync_graphql_api`.
//! * Google Cloud: Cloud Functions (1st and 2nd gen) and Cloud Run services as functions, their
//!   `…_iam_member` / `…_iam_binding` / `…_iam_policy` (with `data.google_iam_policy`) resources as
//!   permissions (one per member and role), and each HTTP-triggered one as a `gcp-http` endpoint,
//!   public (`none`) when `allUsers` may invoke it, else requiring IAM.
//!
//! Resources are linked through references (`aws_api_gateway_rest_api.api.id`,
//! `aws_lambda_function.f.invoke_arn`), which is how Terraform modules link them; a value that is
//! a variable or another module's output links to nothing, as an `!ImportValue` does in
//! CloudFormation.

use super::{Block, ModuleBuilder, reference, references_in, shift};
use crate::entities::permission_invokes;
use crate::frontend::cfn_apis::security_auth;
use crate::frontend::openapi;
use crate::frontend::policy_document::Owner;
use crate::frontend::values::Resolver;
use crate::loader::{self, Node, Value};
use crate::model::{
    ApiId, ApiKind, ApiPolicyStatement, AuthKind, AuthorizerId, Cloud, Cors, Endpoint, Function, FunctionId, Origin,
    Permission, PolicyKind, Val,
};
use std::collections::{HashMap, HashSet};

const REST_API: &str = "aws_api_gateway_rest_api";
const V2_API: &str = "aws_apigatewayv2_api";
const APPSYNC_API: &str = "aws_appsync_graphql_api";
const REST_AUTHORIZER: &str = "aws_api_gateway_authorizer";
const V2_AUTHORIZER: &str = "aws_apigatewayv2_authorizer";

/// Google Cloud resources that run code behind an HTTPS endpoint.
pub(super) const GCP_FUNCTIONS: [&str; 4] = [
    "google_cloudfunctions_function",
    "google_cloudfunctions2_function",
    "google_cloud_run_service",
    "google_cloud_run_v2_service",
];

/// The IAM resource families of those (`<prefix>_member`, `_binding`, `_policy`), with the
/// attribute that names the function or service.
const GCP_IAM: [(&str, &str); 4] = [
    ("google_cloudfunctions_function_iam", "cloud_function"),
    ("google_cloudfunctions2_function_iam", "cloud_function"),
    ("google_cloud_run_service_iam", "service"),
    ("google_cloud_run_v2_service_iam", "name"),
];

/// Most `parent_id` links followed from a REST resource to the API's root.
const MAX_PATH_DEPTH: usize = 32;

/// APIs and authorizers by (resource type, resource name), for the references that name them;
/// REST integrations (as indexes into the module's resources) by what links them to a method.
#[derive(Default)]
struct Index {
    apis: HashMap<(String, String), ApiId>,
    authorizers: HashMap<(String, String), AuthorizerId>,
    /// `http_method = aws_api_gateway_method.NAME.http_method` → the integration.
    integrations_by_method: HashMap<String, usize>,
    /// (`rest_api_id`, `resource_id` as written, upper-case HTTP method) → the integration.
    integrations_by_route: HashMap<(String, String, String), usize>,
}

impl Index {
    /// The API a value (`aws_api_gateway_rest_api.api.id`) refers to.
    fn api(&self, node: Option<&Node>) -> Option<ApiId> {
        let refs = reference(node?)?;
        self.apis.get(&(refs.first()?.clone(), refs.get(1)?.clone())).copied()
    }

    fn authorizer(&self, node: Option<&Node>) -> Option<AuthorizerId> {
        let refs = reference(node?)?;
        self.authorizers.get(&(refs.first()?.clone(), refs.get(1)?.clone())).copied()
    }
}

impl ModuleBuilder<'_, '_> {
    /// A Cloud Function or Cloud Run service: named by its resource name, with its runtime, entry
    /// point and environment where the resource type has them. Its service account is not an
    /// AWS role, so it has none here.
    pub(super) fn gcp_function(&mut self, r: &Block<'_>) {
        let res = r.res();
        let vars = |node: Option<&Node>| -> Vec<(String, Val)> {
            node.and_then(Node::as_map).unwrap_or(&[]).iter().map(|e| (e.key.clone(), res.val(&e.value))).collect()
        };
        let first = |key: &str| r.nested(key).into_iter().next();
        let (runtime, handler, environment) = match r.ty {
            "google_cloudfunctions_function" => (
                r.body.get("runtime").map(|n| res.val(n)),
                r.body.get("entry_point").map(|n| res.val(n)),
                vars(r.body.get("environment_variables")),
            ),
            "google_cloudfunctions2_function" => {
                let build = first("build_config");
                (
                    build.and_then(|b| b.get("runtime")).map(|n| res.val(n)),
                    build.and_then(|b| b.get("entry_point")).map(|n| res.val(n)),
                    vars(first("service_config").and_then(|s| s.get("environment_variables"))),
                )
            }
            // Cloud Run: `template { spec { containers { env { name value } } } }` (v1) or
            // `template { containers { env { … } } }` (v2). Values from secrets have no `value`.
            _ => {
                let template = first("template");
                let spec = template.and_then(|t| t.get("spec")).and_then(|s| s.one_or_many().first());
                let containers = spec.or(template).and_then(|s| s.get("containers")).map(Node::one_or_many);
                let mut env = Vec::new();
                for c in containers.unwrap_or(&[]) {
                    for e in c.get("env").map(Node::one_or_many).unwrap_or(&[]) {
                        if let (Some(name), Some(value)) = (e.get("name").and_then(Node::as_str), e.get("value")) {
                            env.push((name.to_string(), res.val(value)));
                        }
                    }
                }
                (None, None, env)
            }
        };
        self.functions.insert((r.ty.to_string(), r.name.to_string()), self.model.functions.len());
        if let Some(name) = r.text("name") {
            self.function_names.entry(name).or_insert(self.model.functions.len());
        }
        self.model.functions.push(Function {
            name: r.name.to_string(),
            loc: r.loc(),
            role: None,
            role_loc: None,
            runtime,
            handler,
            environment,
            cloud: Cloud::Gcp,
            ..Default::default()
        });
    }

    /// Adds the module's entry points (functions must be in already).
    pub(super) fn entry_points(&mut self) {
        let module = self.module;
        let mut ix = Index::default();
        // APIs and authorizers first: routes point at them.
        for (ty, kind) in [(REST_API, ApiKind::Rest), (V2_API, ApiKind::Http), (APPSYNC_API, ApiKind::AppSync)] {
            for r in module.resources_of(ty) {
                let kind = match r.body.get("protocol_type").map(|p| r.res().val(p)) {
                    Some(p) if ty == V2_API && p.known().is_some_and(|p| p.eq_ignore_ascii_case("WEBSOCKET")) => {
                        ApiKind::WebSocket
                    }
                    _ => kind,
                };
                let id = self.model.add_api(r.name, kind, r.loc());
                ix.apis.insert((ty.to_string(), r.name.to_string()), id);
                self.api_settings(id, r);
            }
        }
        for r in module.resources_of("aws_api_gateway_rest_api_policy") {
            if let Some(api) = ix.api(r.body.get("rest_api_id")) {
                if let Some(p) = r.body.get("policy") {
                    let st = self.api_policy(r, p);
                    self.model.apis[api].policy.get_or_insert_with(Vec::new).extend(st);
                }
            }
        }
        for (ty, api_key, type_key) in
            [(REST_AUTHORIZER, "rest_api_id", "type"), (V2_AUTHORIZER, "api_id", "authorizer_type")]
        {
            for r in module.resources_of(ty) {
                let t = r.text(type_key).map(|t| t.to_ascii_uppercase());
                let kind = match (ty, t.as_deref()) {
                    // The provider's default type is TOKEN: a Lambda authorizer.
                    (REST_AUTHORIZER, None | Some("TOKEN" | "REQUEST")) => AuthKind::Lambda,
                    (REST_AUTHORIZER, Some("COGNITO_USER_POOLS")) => AuthKind::Cognito,
                    (V2_AUTHORIZER, Some("JWT")) => AuthKind::Jwt,
                    (V2_AUTHORIZER, Some("REQUEST")) => AuthKind::Lambda,
                    _ => AuthKind::Unknown,
                };
                let api = ix.api(r.body.get(api_key));
                let name = r.text("name").unwrap_or_else(|| r.name.to_string());
                let id = self.model.add_authorizer(name, kind, api, r.loc());
                ix.authorizers.insert((ty.to_string(), r.name.to_string()), id);
            }
        }
        for (i, r) in module.resources.iter().enumerate().filter(|(_, r)| r.ty == "aws_api_gateway_integration") {
            let Some(http_method) = r.body.get("http_method") else { continue };
            match reference(http_method).as_deref() {
                Some([ty, name, ..]) if ty == "aws_api_gateway_method" => {
                    ix.integrations_by_method.entry(name.clone()).or_insert(i);
                }
                _ => {
                    if let (Some(api), Some(resource)) = (written(r, "rest_api_id"), written(r, "resource_id")) {
                        let key = (api, resource, upper(&r.res().val(http_method)));
                        ix.integrations_by_route.entry(key).or_insert(i);
                    }
                }
            }
        }
        for r in module.resources_of("aws_api_gateway_method") {
            self.rest_method(r, &ix);
        }
        for r in module.resources_of("aws_apigatewayv2_route") {
            self.v2_route(r, &ix);
        }
        // OpenAPI bodies after the resources, as in CloudFormation: a route already defined by a
        // method resource is not added twice.
        for ty in [REST_API, V2_API] {
            for r in module.resources_of(ty) {
                if let (Some(&api), Some(body)) =
                    (ix.apis.get(&(ty.to_string(), r.name.to_string())), r.body.get("body"))
                {
                    self.openapi_routes(api, r, body);
                }
            }
        }
        for r in module.resources_of("aws_lambda_function_url") {
            self.function_url(r);
        }
        for r in module.resources_of("aws_lambda_permission") {
            self.lambda_permission(r);
        }
        self.gcp_permissions();
        self.gcp_endpoints();
    }

    /// Settings of an API resource: private endpoint types and restricting resource policies,
    /// CORS, AppSync authentication types, and the HTTP API quick-create route.
    fn api_settings(&mut self, api: ApiId, r: &Block<'_>) {
        let res = r.res();
        let private = r.nested("endpoint_configuration").iter().any(|c| {
            c.get("types")
                .map(|t| res.vals(t))
                .unwrap_or_default()
                .iter()
                .any(|t| t.known().is_some_and(|t| t.eq_ignore_ascii_case("PRIVATE")))
        });
        self.model.apis[api].private = private;
        if let Some(p) = r.body.get("policy").filter(|_| r.ty == REST_API) {
            let st = self.api_policy(r, p);
            self.model.apis[api].policy.get_or_insert_with(Vec::new).extend(st);
        }
        if let Some(c) = r.nested("cors_configuration").first() {
            self.model.apis[api].cors = Some(cors(c, &res));
        }
        if r.ty == APPSYNC_API {
            let mut types: Vec<Val> = r.body.get("authentication_type").map(|t| res.val(t)).into_iter().collect();
            for a in r.nested("additional_authentication_provider") {
                types.extend(a.get("authentication_type").map(|t| res.val(t)));
            }
            self.model.apis[api].auth_types = types;
        }
        // HTTP API quick create: `target` makes a route (`route_key`, `$default` unless set) to the
        // function, with no authorization.
        if let Some(target) = r.body.get("target") {
            let route_key =
                r.body.get("route_key").map_or_else(|| "$default".to_string(), |k| res.val(k).display().into());
            let (method, path) = split_route_key(&route_key);
            self.model.endpoints.push(Endpoint {
                kind: self.model.apis[api].kind,
                api: Some(api),
                method,
                path,
                function: self.function_of(target),
                auth: AuthKind::None,
                authorizer: None,
                api_key_required: false,
                loc: res.loc(target),
                cors: None,
            });
        }
    }

    /// An API's resource policy, reduced to who may call which routes (as CloudFormation's
    /// `Policy`).
    fn api_policy(&self, r: &Block<'_>, policy: &Node) -> Vec<ApiPolicyStatement> {
        let owner = Owner {
            kind: PolicyKind::Resource,
            origin: Origin::Inline,
            roles: Vec::new(),
            name: format!("API {}", r.name),
        };
        self.policy(r.file, policy, &owner, 0).iter().map(crate::frontend::api_policy::summarise).collect()
    }

    /// `aws_api_gateway_method`, with the function of the `aws_api_gateway_integration` of the same
    /// method.
    fn rest_method(&mut self, r: &Block<'_>, ix: &Index) {
        let res = r.res();
        let api = ix.api(r.body.get("rest_api_id"));
        let method = r.body.get("http_method").map_or_else(|| "ANY".to_string(), |m| upper(&res.val(m)));
        let path = r.body.get("resource_id").map_or_else(|| "/".to_string(), |n| self.rest_path(n, 0));
        let authorizer = ix.authorizer(r.body.get("authorizer_id"));
        let api_key_required = r.body.get("api_key_required").and_then(Node::as_bool).unwrap_or(false);
        let auth_type = r.body.get("authorization").map(|a| res.val(a));
        let authorizer_kind = authorizer.map(|a| self.model.authorizers[a].kind);
        let auth =
            crate::frontend::api_gateway_auth(ApiKind::Rest, "", auth_type.as_ref(), authorizer_kind, api_key_required);
        let function = self.rest_integration(r, &method, ix).and_then(|uri| self.function_of(uri));
        self.model.endpoints.push(Endpoint {
            kind: ApiKind::Rest,
            api,
            method,
            path,
            function,
            auth,
            authorizer,
            api_key_required,
            loc: r.loc(),
            cors: None,
        });
    }

    /// The `uri` of the integration of method `m`: one whose `http_method` refers to the method
    /// resource, or that names the same API, resource and HTTP method.
    fn rest_integration(&self, m: &Block<'_>, method: &str, ix: &Index) -> Option<&Node> {
        let i = ix.integrations_by_method.get(m.name).or_else(|| {
            let key = (written(m, "rest_api_id")?, written(m, "resource_id")?, method.to_string());
            ix.integrations_by_route.get(&key)
        })?;
        self.module.resources.get(*i)?.body.get("uri")
    }

    /// A REST resource's full path: `path_part`s up the `parent_id` chain to the API's
    /// `root_resource_id`.
    fn rest_path(&self, resource_id: &Node, depth: usize) -> String {
        if depth > MAX_PATH_DEPTH {
            return "/…".into();
        }
        let Some(refs) = reference(resource_id) else { return "/".into() };
        let resource = match refs.as_slice() {
            [ty, name, ..] if ty == "aws_api_gateway_resource" => self.module.resource(ty, name),
            _ => None,
        };
        // `aws_api_gateway_rest_api.api.root_resource_id`, or a resource defined elsewhere.
        let Some(r) = resource else { return "/".into() };
        let part = r.body.get("path_part").map(|p| r.res().val(p).display().to_string()).unwrap_or_default();
        let parent = r.body.get("parent_id").map_or_else(|| "/".to_string(), |p| self.rest_path(p, depth + 1));
        if parent.ends_with('/') { format!("{parent}{part}") } else { format!("{parent}/{part}") }
    }

    /// `aws_apigatewayv2_route`: its route key, authorization and the function of the integration
    /// its `target` (`integrations/${aws_apigatewayv2_integration.x.id}`) names.
    fn v2_route(&mut self, r: &Block<'_>, ix: &Index) {
        let res = r.res();
        let api = ix.api(r.body.get("api_id"));
        let kind = api.map_or(ApiKind::Http, |a| self.model.apis[a].kind);
        let route_key = r.body.get("route_key").map(|k| res.val(k).display().to_string()).unwrap_or_default();
        let (method, path) = split_route_key(&route_key);
        let authorizer = ix.authorizer(r.body.get("authorizer_id"));
        let api_key_required = r.body.get("api_key_required").and_then(Node::as_bool).unwrap_or(false);
        let auth_type = r.body.get("authorization_type").map(|a| res.val(a));
        let authorizer_kind = authorizer.map(|a| self.model.authorizers[a].kind);
        let auth =
            crate::frontend::api_gateway_auth(kind, &route_key, auth_type.as_ref(), authorizer_kind, api_key_required);
        let function = r
            .body
            .get("target")
            .and_then(Node::as_str)
            .map(references_in)
            .unwrap_or_default()
            .into_iter()
            .find_map(|refs| match refs.as_slice() {
                [ty, name, ..] if ty == "aws_apigatewayv2_integration" => self.module.resource(ty, name),
                _ => None,
            })
            .and_then(|i| i.body.get("integration_uri"))
            .and_then(|u| self.function_of(u));
        self.model.endpoints.push(Endpoint {
            kind,
            api,
            method,
            path,
            function,
            auth,
            authorizer,
            api_key_required,
            loc: r.loc(),
            cors: None,
        });
    }

    /// Routes of an API's OpenAPI `body`: `jsonencode({…})` (exact positions) or a JSON heredoc.
    /// A `file(…)` / `templatefile(…)` body is not read, like a `DefinitionUri`.
    fn openapi_routes(&mut self, api: ApiId, r: &Block<'_>, body: &Node) {
        let res = r.res();
        let parsed;
        let doc = match &body.value {
            Value::Map(_) => body,
            Value::String(s) if s.trim_start().starts_with('{') && body.span.start.line < body.span.end.line => {
                match loader::json::parse(s) {
                    Ok(mut inner) => {
                        shift(&mut inner, body.span.start);
                        parsed = inner;
                        &parsed
                    }
                    Err(_) => return,
                }
            }
            _ => return,
        };
        let def = openapi::read(doc, &res);
        let mut schemes: HashMap<String, (AuthKind, Option<AuthorizerId>)> = HashMap::new();
        for s in &def.schemes {
            let existing = self.model.authorizers.iter().position(|a| a.api == Some(api) && a.name == s.name);
            let id = existing.unwrap_or_else(|| self.model.add_authorizer(s.name.clone(), s.kind, Some(api), s.loc));
            let kind = if s.kind == AuthKind::Unknown { self.model.authorizers[id].kind } else { s.kind };
            schemes.insert(s.name.clone(), (kind, (kind != AuthKind::ApiKey).then_some(id)));
        }
        let kind = self.model.apis[api].kind;
        // Routes the API has already (from method or route resources), and those of the body.
        let mut seen: HashSet<(String, String)> = self
            .model
            .endpoints
            .iter()
            .filter(|e| e.api == Some(api))
            .map(|e| (e.method.clone(), e.path.clone()))
            .collect();
        if let Some(names) = &def.default_security {
            self.model.reference_schemes(api, names);
        }
        for route in def.routes {
            if let Some(names) = &route.security {
                self.model.reference_schemes(api, names);
            }
            if !seen.insert((route.method.clone(), route.path.clone())) {
                continue;
            }
            let (auth, authorizer) = if route.iam {
                (AuthKind::Iam, None)
            } else {
                match route.security.as_ref().or(def.default_security.as_ref()) {
                    Some(names) => security_auth(names, &schemes),
                    None => self.model.apis[api].default_auth.unwrap_or((AuthKind::None, None)),
                }
            };
            // Terraform writes the integration's URI as a reference (`aws_lambda_function.f.invoke_arn`),
            // which openapi.rs (made for `Fn::Sub` / `Fn::GetAtt`) does not follow.
            let function = operation(doc, &route.path, &route.method)
                .and_then(|op| op.path(&["x-amazon-apigateway-integration", "uri"]))
                .and_then(|u| self.function_of(u));
            self.model.endpoints.push(Endpoint {
                kind,
                api: Some(api),
                method: route.method,
                path: route.path,
                function,
                auth,
                authorizer,
                api_key_required: auth == AuthKind::ApiKey,
                loc: route.loc,
                cors: None,
            });
        }
    }

    /// `aws_lambda_function_url`: `authorization_type` is required; an unresolved one is not ours
    /// to call public.
    fn function_url(&mut self, r: &Block<'_>) {
        let res = r.res();
        let auth = match r.body.get("authorization_type").map(|a| res.val(a)) {
            Some(v) if v.is_known("NONE") => AuthKind::None,
            Some(v) if v.is_known("AWS_IAM") => AuthKind::Iam,
            _ => AuthKind::Unknown,
        };
        self.model.endpoints.push(Endpoint {
            kind: ApiKind::FunctionUrl,
            api: None,
            method: "ANY".into(),
            path: "/".into(),
            function: r.body.get("function_name").and_then(|n| self.function_of(n)),
            auth,
            authorizer: None,
            api_key_required: false,
            loc: r.loc(),
            cors: r.nested("cors").first().map(|c| cors(c, &res)),
        });
    }

    /// `aws_lambda_permission`.
    fn lambda_permission(&mut self, r: &Block<'_>) {
        let res = r.res();
        let get = |k: &str| r.body.get(k).map(|n| res.val(n));
        let function_node = r.body.get("function_name");
        let permission = Permission {
            cloud: Cloud::Aws,
            function: function_node.and_then(|n| self.function_of(n)),
            function_ref: function_node.map(written_function).unwrap_or_default(),
            action: get("action").unwrap_or(Val::Unknown("missing".into(), r.loc())),
            principal: get("principal").unwrap_or(Val::Unknown("missing".into(), r.loc())),
            source_arn: get("source_arn"),
            source_account: get("source_account"),
            org_id: get("principal_org_id"),
            via_function_url: get("action").is_some_and(|a| a.is_known("lambda:InvokeFunctionUrl"))
                || r.body.get("function_url_auth_type").is_some(),
            loc: r.loc(),
        };
        self.model.permissions.push(permission);
    }

    /// IAM members, bindings and policies of Cloud Functions and Cloud Run services: one
    /// permission per member and role.
    fn gcp_permissions(&mut self) {
        let module = self.module;
        for (prefix, key) in GCP_IAM {
            for suffix in ["member", "binding", "policy"] {
                let ty = format!("{prefix}_{suffix}");
                for r in module.resources.iter().filter(|b| b.ty == ty) {
                    let res = r.res();
                    let target = r.body.get(key);
                    let function = target.and_then(|n| self.function_of(n));
                    let function_ref = target.map(written_function).unwrap_or_default();
                    // (role, members), each with the file it is written in.
                    let mut grants: Vec<(Val, Vec<Val>)> = Vec::new();
                    match suffix {
                        "member" => grants.push((
                            r.body.get("role").map_or(Val::Unknown("missing".into(), r.loc()), |n| res.val(n)),
                            r.body.get("member").map(|n| res.val(n)).into_iter().collect(),
                        )),
                        "binding" => grants.push((
                            r.body.get("role").map_or(Val::Unknown("missing".into(), r.loc()), |n| res.val(n)),
                            r.body.get("members").map(|n| res.vals(n)).unwrap_or_default(),
                        )),
                        _ => grants.extend(r.body.get("policy_data").map(|p| self.gcp_policy(p)).unwrap_or_default()),
                    }
                    for (role, members) in grants {
                        for member in members {
                            self.model.permissions.push(Permission {
                                cloud: Cloud::Gcp,
                                function,
                                function_ref: function_ref.clone(),
                                action: role.clone(),
                                principal: member,
                                source_arn: None,
                                source_account: None,
                                org_id: None,
                                via_function_url: false,
                                loc: r.loc(),
                            });
                        }
                    }
                }
            }
        }
    }

    /// The bindings of `policy_data = data.google_iam_policy.NAME.policy_data`; any other value
    /// (a computed policy) gives none.
    fn gcp_policy(&self, node: &Node) -> Vec<(Val, Vec<Val>)> {
        let Some(refs) = reference(node) else { return Vec::new() };
        let d = match refs.as_slice() {
            [data, ty, name, ..] if data == "data" && ty == "google_iam_policy" => self.module.data_block(ty, name),
            _ => None,
        };
        let Some(d) = d else { return Vec::new() };
        let res = d.res();
        d.nested("binding")
            .into_iter()
            .filter_map(|b| Some((res.val(b.get("role")?), b.get("members").map(|m| res.vals(m)).unwrap_or_default())))
            .collect()
    }

    /// The HTTPS endpoint of each HTTP-triggered Cloud Function and of each Cloud Run service:
    /// anyone may call it when `allUsers` may invoke it; otherwise Google checks the caller's IAM
    /// identity.
    fn gcp_endpoints(&mut self) {
        let module = self.module;
        let public: HashSet<FunctionId> = self
            .model
            .permissions
            .iter()
            .filter(|p| p.cloud == Cloud::Gcp && p.principal.is_known("allUsers") && permission_invokes(p))
            .filter_map(|p| p.function)
            .collect();
        for ty in GCP_FUNCTIONS {
            for r in module.resources_of(ty) {
                let Some(&function) = self.functions.get(&(r.ty.to_string(), r.name.to_string())) else { continue };
                let http = match ty {
                    // 1st gen: `trigger_http = true`; otherwise an `event_trigger`.
                    "google_cloudfunctions_function" => {
                        r.body.get("trigger_http").and_then(Node::as_bool) == Some(true)
                    }
                    // 2nd gen: HTTP unless it has an `event_trigger`.
                    "google_cloudfunctions2_function" => r.nested("event_trigger").is_empty(),
                    _ => true,
                };
                if !http {
                    continue;
                }
                self.model.endpoints.push(Endpoint {
                    kind: ApiKind::GcpHttp,
                    api: None,
                    method: "ANY".into(),
                    path: "/".into(),
                    function: Some(function),
                    auth: if public.contains(&function) { AuthKind::None } else { AuthKind::Iam },
                    authorizer: None,
                    api_key_required: false,
                    loc: r.loc(),
                    cors: None,
                });
            }
        }
    }

    /// The function a value points at: a reference to a function resource anywhere in it
    /// (`aws_lambda_function.f.invoke_arn`, `…/functions/${aws_lambda_function.f.arn}/invocations`,
    /// `google_cloudfunctions2_function.f.name`), also through an `aws_lambda_alias`; or a literal
    /// function name, Lambda ARN or Google Cloud resource id matching a function's `function_name`
    /// (Lambda) or `name` (Google Cloud).
    pub(super) fn function_of(&self, node: &Node) -> Option<FunctionId> {
        self.function_in(node, 0)
    }

    fn function_in(&self, node: &Node, depth: usize) -> Option<FunctionId> {
        // Aliases of aliases do not exist; the bound only guards against crafted cycles.
        if depth > 2 {
            return None;
        }
        let text = node.as_str()?;
        for refs in references_in(text) {
            let [ty, name, ..] = refs.as_slice() else { continue };
            if let Some(&id) = self.functions.get(&(ty.clone(), name.clone())) {
                return Some(id);
            }
            if ty == "aws_lambda_alias" {
                if let Some(f) = self.module.resource(ty, name).and_then(|a| a.body.get("function_name")) {
                    return self.function_in(f, depth + 1);
                }
            }
        }
        if text.contains("${") {
            return None;
        }
        // `arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`,
        // `projects/P/locations/L/functions/NAME`, or the name itself.
        let name = match text.split_once(":function:") {
            Some((_, rest)) => rest.split(':').next().unwrap_or(rest),
            None => text.rsplit('/').next().unwrap_or(text),
        };
        self.function_names.get(name).copied()
    }
}

/// The function as written, for messages: the resource name of a reference
/// (`aws_lambda_function.orders.arn` → `orders`), else the value.
fn written_function(node: &Node) -> String {
    match reference(node) {
        Some(refs) if refs.len() >= 2 && refs[0] != "var" && refs[0] != "local" && refs[0] != "data" => refs[1].clone(),
        _ => Resolver::new(0).val(node).display().to_string(),
    }
}

/// An attribute as written (a reference as its `${…}` text), to compare links between resources.
fn written(b: &Block<'_>, key: &str) -> Option<String> {
    b.body.get(key).map(|n| b.res().val(n).display().to_string())
}

/// `GET /orders` → (`GET`, `/orders`); `$default`, `$connect` → (`ANY`, the key).
fn split_route_key(route_key: &str) -> (String, String) {
    match route_key.split_once(' ') {
        Some((m, path)) => (m.to_ascii_uppercase(), path.to_string()),
        None => ("ANY".to_string(), route_key.to_string()),
    }
}

/// An HTTP method as API Gateway compares them: upper case when known, else as written.
fn upper(v: &Val) -> String {
    match v.known() {
        Some(m) => m.to_ascii_uppercase(),
        None => v.display().to_string(),
    }
}

/// The operation `method` of `path` in an OpenAPI document (`ANY` is
/// `x-amazon-apigateway-any-method`).
fn operation<'d>(doc: &'d Node, path: &str, method: &str) -> Option<&'d Node> {
    let ops = doc.path(&["paths", path])?;
    let key = if method == "ANY" { "x-amazon-apigateway-any-method" } else { method };
    ops.as_map()?.iter().rev().find(|e| e.key.eq_ignore_ascii_case(key)).map(|e| &e.value)
}

/// A `cors_configuration { … }` (HTTP API) or `cors { … }` (function URL) block.
pub(super) fn cors(node: &Node, res: &Resolver) -> Cors {
    Cors {
        origins: node.get("allow_origins").map(|o| res.vals(o)).unwrap_or_default(),
        credentials: node.get("allow_credentials").and_then(Node::as_bool),
        loc: res.loc(node),
    }
}

#[cfg(test)]
mod tests {
    use super::super::build;
    use super::*;
    use crate::loader::hcl;
    use crate::model::Model;
    use crate::source::Position;

    fn model(text: &str) -> Model {
        build(&[("main.tf".to_string(), hcl::parse(text).unwrap_or_else(|e| panic!("{e}")))])
    }

    type Route = (String, String, String, AuthKind, String);

    /// (method, path, function name, auth, authorizer name) of each endpoint.
    fn routes(m: &Model) -> Vec<Route> {
        m.endpoints
            .iter()
            .map(|e| {
                (
                    e.method.clone(),
                    e.path.clone(),
                    e.function.map_or(String::new(), |f| m.functions[f].name.clone()),
                    e.auth,
                    e.authorizer.map_or(String::new(), |a| m.authorizers[a].name.clone()),
                )
            })
            .collect()
    }

    fn route(method: &str, path: &str, function: &str, auth: AuthKind, authorizer: &str) -> Route {
        (method.into(), path.into(), function.into(), auth, authorizer.into())
    }

    #[test]
    fn rest_api_resources_methods_integrations_and_authorizers() {
        let m = model(
            r#"
resource "aws_lambda_function" "orders" { function_name = "orders" }
resource "aws_api_gateway_rest_api" "api" { name = "orders" }
resource "aws_api_gateway_authorizer" "token" {
  rest_api_id = aws_api_gateway_rest_api.api.id
}
resource "aws_api_gateway_authorizer" "pool" {
  name        = "pool"
  rest_api_id = aws_api_gateway_rest_api.api.id
  type        = "COGNITO_USER_POOLS"
}
resource "aws_api_gateway_resource" "orders" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  parent_id   = aws_api_gateway_rest_api.api.root_resource_id
  path_part   = "orders"
}
resource "aws_api_gateway_resource" "order" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  parent_id   = aws_api_gateway_resource.orders.id
  path_part   = "{id}"
}
resource "aws_api_gateway_method" "list" {
  rest_api_id   = aws_api_gateway_rest_api.api.id
  resource_id   = aws_api_gateway_resource.orders.id
  http_method   = "get"
  authorization = "CUSTOM"
  authorizer_id = aws_api_gateway_authorizer.token.id
}
resource "aws_api_gateway_integration" "list" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  resource_id = aws_api_gateway_resource.orders.id
  http_method = aws_api_gateway_method.list.http_method
  uri         = aws_lambda_function.orders.invoke_arn
}
resource "aws_api_gateway_method" "get" {
  rest_api_id      = aws_api_gateway_rest_api.api.id
  resource_id      = aws_api_gateway_resource.order.id
  http_method      = "GET"
  authorization    = "NONE"
  api_key_required = true
}
resource "aws_api_gateway_integration" "get" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  resource_id = aws_api_gateway_resource.order.id
  http_method = "GET"
  uri         = "arn:aws:apigateway:${var.region}:lambda:path/2015-03-31/functions/${aws_lambda_function.orders.arn}/invocations"
}
resource "aws_api_gateway_method" "root" {
  rest_api_id   = aws_api_gateway_rest_api.api.id
  resource_id   = aws_api_gateway_rest_api.api.root_resource_id
  http_method   = "ANY"
  authorization = "AWS_IAM"
}
resource "aws_api_gateway_method" "other" {
  rest_api_id   = var.api_id
  resource_id   = var.resource_id
  http_method   = var.method
  authorization = var.authorization
}
"#,
        );
        assert_eq!(m.apis.len(), 1);
        assert_eq!((m.apis[0].name.as_str(), m.apis[0].kind, m.apis[0].private), ("api", ApiKind::Rest, false));
        let auths: Vec<(&str, AuthKind, Option<ApiId>)> =
            m.authorizers.iter().map(|a| (a.name.as_str(), a.kind, a.api)).collect();
        assert_eq!(auths, [("token", AuthKind::Lambda, Some(0)), ("pool", AuthKind::Cognito, Some(0))]);
        assert_eq!(
            routes(&m),
            [
                route("GET", "/orders", "orders", AuthKind::Lambda, "token"),
                route("GET", "/orders/{id}", "orders", AuthKind::ApiKey, ""),
                route("ANY", "/", "", AuthKind::Iam, ""),
                route("${var.method}", "/", "", AuthKind::Unknown, ""),
            ]
        );
        assert!(m.endpoints[1].api_key_required);
        assert_eq!(m.endpoints[3].api, None, "an API defined elsewhere");
        // Findings about a method point at its name label.
        assert_eq!(m.endpoints[0].loc.span.start, Position::new(22, 35));
    }

    #[test]
    fn private_and_policy_restricted_rest_apis() {
        let m = model(
            r#"
resource "aws_api_gateway_rest_api" "vpc" {
  endpoint_configuration {
    types = ["PRIVATE"]
  }
}
resource "aws_api_gateway_rest_api" "edge" {
  endpoint_configuration {
    types = ["EDGE"]
  }
}
data "aws_iam_policy_document" "vpce" {
  statement {
    actions   = ["execute-api:Invoke"]
    resources = ["execute-api:/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceVpce"
      values   = [var.vpce]
    }
  }
}
resource "aws_api_gateway_rest_api" "by_policy" {
  policy = data.aws_iam_policy_document.vpce.json
}
resource "aws_api_gateway_rest_api" "open_policy" {
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Principal = "*", Action = "execute-api:Invoke", Resource = "*" }]
  })
}
resource "aws_api_gateway_rest_api" "separate" {}
resource "aws_api_gateway_rest_api_policy" "separate" {
  rest_api_id = aws_api_gateway_rest_api.separate.id
  policy = <<-JSON
    {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "*"},
      {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "*",
      "Condition": {"NotIpAddress": {"aws:SourceIp": ["10.0.0.0/8"]}}}]}
  JSON
}
"#,
        );
        let private: Vec<(&str, bool)> = m.apis.iter().map(|a| (a.name.as_str(), a.private_for(None))).collect();
        // An IP allow-list is no VPC, endpoint or account restriction.
        assert_eq!(
            private,
            [("vpc", true), ("edge", false), ("by_policy", true), ("open_policy", false), ("separate", false)]
        );
        // Resource policies of APIs are read only for this: they are not model statements.
        assert!(m.statements.is_empty());
    }

    #[test]
    fn openapi_bodies() {
        let m = model(
            r#"
resource "aws_lambda_function" "list" { function_name = "list" }
resource "aws_api_gateway_rest_api" "api" {
  name = "orders"
  body = jsonencode({
    openapi = "3.0.1"
    components = {
      securitySchemes = {
        cognito = {
          type = "apiKey"
          name = "Authorization"
          in   = "header"
          "x-amazon-apigateway-authtype" = "cognito_user_pools"
        }
      }
    }
    security = [{ cognito = [] }]
    paths = {
      "/orders" = {
        get = {
          "x-amazon-apigateway-integration" = {
            type       = "aws_proxy"
            httpMethod = "POST"
            uri        = aws_lambda_function.list.invoke_arn
          }
        }
        post = { security = [] }
      }
    }
  })
}
resource "aws_apigatewayv2_api" "http" {
  protocol_type = "HTTP"
  body = <<JSON
{"openapi": "3.0.1", "paths": {"/items": {"x-amazon-apigateway-any-method": {}}}}
JSON
}
resource "aws_api_gateway_rest_api" "templated" {
  body = templatefile("${path.module}/openapi.yaml", { fn = aws_lambda_function.list.invoke_arn })
}
"#,
        );
        assert_eq!(m.authorizers.len(), 1);
        assert_eq!((m.authorizers[0].name.as_str(), m.authorizers[0].kind), ("cognito", AuthKind::Cognito));
        assert_eq!(
            routes(&m),
            [
                route("GET", "/orders", "list", AuthKind::Cognito, "cognito"),
                route("POST", "/orders", "", AuthKind::None, ""),
                route("ANY", "/items", "", AuthKind::None, ""),
            ]
        );
        // Positions: the method key inside jsonencode, and inside the heredoc.
        assert_eq!(m.endpoints[0].loc.span.start, Position::new(20, 9));
        assert_eq!(m.endpoints[2].loc.span.start, Position::new(35, 43));
        assert_eq!(m.endpoints[2].api, Some(2), "APIs are added REST first");
    }

    #[test]
    fn api_key_scheme_named_by_routes_is_referenced() {
        let m = model(
            r#"
resource "aws_lambda_function" "fn" { function_name = "fn" }
resource "aws_api_gateway_rest_api" "api" {
  name = "keys"
  body = jsonencode({
    openapi = "3.0.1"
    components = {
      securitySchemes = {
        api_key = { type = "apiKey", name = "x-api-key", in = "header" }
        unused  = { type = "apiKey", name = "x-other", in = "header" }
      }
    }
    paths = {
      "/items" = {
        get = {
          security = [{ api_key = [] }]
          x-amazon-apigateway-integration = { uri = aws_lambda_function.fn.invoke_arn, type = "aws_proxy" }
        }
      }
    }
  })
}
"#,
        );
        let ctx = crate::entities::Context::new(&m);
        let used: Vec<(&str, bool)> = (0..m.authorizers.len())
            .map(|i| {
                let used = ctx.field(crate::entities::EntityKind::Authorizer, i, "used").truthy();
                (m.authorizers[i].name.as_str(), used)
            })
            .collect();
        assert_eq!(used, [("api_key", true), ("unused", false)]);
        assert_eq!(m.endpoints[0].auth, AuthKind::ApiKey);
    }

    #[test]
    fn http_and_websocket_apis() {
        let m = model(
            r#"
resource "aws_lambda_function" "fn" { function_name = "fn" }
resource "aws_lambda_alias" "live" {
  function_name = aws_lambda_function.fn.function_name
  name          = "live"
}
resource "aws_apigatewayv2_api" "quick" {
  protocol_type = "HTTP"
  target        = aws_lambda_alias.live.arn
  cors_configuration {
    allow_origins     = ["*"]
    allow_credentials = true
  }
}
resource "aws_apigatewayv2_api" "http" {
  protocol_type = "HTTP"
}
resource "aws_apigatewayv2_authorizer" "jwt" {
  api_id          = aws_apigatewayv2_api.http.id
  name            = "jwt"
  authorizer_type = "JWT"
}
resource "aws_apigatewayv2_authorizer" "lambda" {
  api_id          = aws_apigatewayv2_api.http.id
  authorizer_type = "REQUEST"
}
resource "aws_apigatewayv2_integration" "fn" {
  api_id          = aws_apigatewayv2_api.http.id
  integration_uri = aws_lambda_function.fn.invoke_arn
}
resource "aws_apigatewayv2_route" "list" {
  api_id             = aws_apigatewayv2_api.http.id
  route_key          = "GET /items"
  authorization_type = "JWT"
  authorizer_id      = aws_apigatewayv2_authorizer.jwt.id
  target             = "integrations/${aws_apigatewayv2_integration.fn.id}"
}
resource "aws_apigatewayv2_route" "open" {
  api_id    = aws_apigatewayv2_api.http.id
  route_key = "POST /items"
  target    = "integrations/${aws_apigatewayv2_integration.fn.id}"
}
resource "aws_apigatewayv2_api" "ws" {
  protocol_type = "WEBSOCKET"
}
resource "aws_apigatewayv2_route" "connect" {
  api_id    = aws_apigatewayv2_api.ws.id
  route_key = "$connect"
}
resource "aws_apigatewayv2_route" "message" {
  api_id    = aws_apigatewayv2_api.ws.id
  route_key = "sendMessage"
}
"#,
        );
        let kinds: Vec<ApiKind> = m.apis.iter().map(|a| a.kind).collect();
        assert_eq!(kinds, [ApiKind::Http, ApiKind::Http, ApiKind::WebSocket]);
        let cors = m.apis[0].cors.as_ref().expect("cors_configuration");
        assert_eq!((cors.origins[0].known(), cors.credentials), (Some("*"), Some(true)));
        let auths: Vec<(&str, AuthKind)> = m.authorizers.iter().map(|a| (a.name.as_str(), a.kind)).collect();
        assert_eq!(auths, [("jwt", AuthKind::Jwt), ("lambda", AuthKind::Lambda)]);
        assert_eq!(
            routes(&m),
            [
                route("ANY", "$default", "fn", AuthKind::None, ""),
                route("GET", "/items", "fn", AuthKind::Jwt, "jwt"),
                route("POST", "/items", "fn", AuthKind::None, ""),
                route("ANY", "$connect", "", AuthKind::None, ""),
                route("ANY", "sendMessage", "", AuthKind::Unknown, ""),
            ]
        );
        let kinds: Vec<ApiKind> = m.endpoints.iter().map(|e| e.kind).collect();
        assert_eq!(kinds[3..], [ApiKind::WebSocket, ApiKind::WebSocket]);
        // The quick-create route points at its `target`.
        assert_eq!(m.endpoints[0].loc.span.start, Position::new(9, 19));
    }

    #[test]
    fn function_urls_permissions_and_appsync() {
        let m = model(
            r#"
resource "aws_lambda_function" "a" { function_name = "fn-a" }
resource "aws_lambda_function" "b" { function_name = "fn-b" }
resource "aws_lambda_function_url" "a" {
  function_name      = aws_lambda_function.a.function_name
  authorization_type = "NONE"
  cors {
    allow_origins = ["https://app.example.com"]
  }
}
resource "aws_lambda_function_url" "b" {
  function_name      = "fn-b"
  authorization_type = var.auth
}
resource "aws_lambda_permission" "api" {
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.a.arn
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.api.execution_arn}/*/*"
}
resource "aws_lambda_permission" "bucket" {
  action         = "lambda:InvokeFunction"
  function_name  = "arn:aws:lambda:eu-west-1:123456789012:function:fn-b:live"
  principal      = "s3.amazonaws.com"
  source_account = var.account_id
}
resource "aws_lambda_permission" "elsewhere" {
  action           = "lambda:InvokeFunction"
  function_name    = var.function_name
  principal        = "events.amazonaws.com"
  principal_org_id = "o-abc123"
}
resource "aws_appsync_graphql_api" "g" {
  authentication_type = "API_KEY"
  additional_authentication_provider {
    authentication_type = "AWS_IAM"
  }
  additional_authentication_provider {
    authentication_type = "AMAZON_COGNITO_USER_POOLS"
  }
}
"#,
        );
        assert_eq!(
            routes(&m),
            [route("ANY", "/", "a", AuthKind::None, ""), route("ANY", "/", "b", AuthKind::Unknown, "")]
        );
        assert!(m.endpoints.iter().all(|e| e.kind == ApiKind::FunctionUrl));
        assert_eq!(m.endpoints[0].cors.as_ref().map(|c| c.origins[0].display()), Some("https://app.example.com"));
        let perms: Vec<(Cloud, Option<usize>, &str, &str)> = m
            .permissions
            .iter()
            .map(|p| (p.cloud, p.function, p.function_ref.as_str(), p.principal.display()))
            .collect();
        assert_eq!(
            perms,
            [
                (Cloud::Aws, Some(0), "a", "apigateway.amazonaws.com"),
                (Cloud::Aws, Some(1), "arn:aws:lambda:eu-west-1:123456789012:function:fn-b:live", "s3.amazonaws.com"),
                (Cloud::Aws, None, "${var.function_name}", "events.amazonaws.com"),
            ]
        );
        assert!(matches!(m.permissions[0].source_arn, Some(Val::Partial(..))));
        assert!(matches!(m.permissions[1].source_account, Some(Val::Unknown(..))));
        assert_eq!(m.permissions[2].org_id.as_ref().and_then(Val::known), Some("o-abc123"));
        assert_eq!(m.apis[0].kind, ApiKind::AppSync);
        let types: Vec<&str> = m.apis[0].auth_types.iter().map(Val::display).collect();
        assert_eq!(types, ["API_KEY", "AWS_IAM", "AMAZON_COGNITO_USER_POOLS"]);
    }

    #[test]
    fn google_cloud_functions_services_and_bindings() {
        let m = model(
            r#"
resource "google_cloudfunctions_function" "hook" {
  name         = "hook"
  runtime      = "python312"
  entry_point  = "handle"
  trigger_http = true
  environment_variables = { STAGE = "prod" }
}
resource "google_cloudfunctions_function" "events" {
  name = "events"
  event_trigger {
    event_type = "google.pubsub.topic.publish"
    resource   = var.topic
  }
}
resource "google_cloudfunctions2_function" "thumb" {
  name = "thumb"
  build_config {
    runtime     = "nodejs20"
    entry_point = "thumb"
  }
  service_config {
    environment_variables = { BUCKET = var.bucket }
  }
}
resource "google_cloud_run_service" "api" {
  name = "api"
  template {
    spec {
      containers {
        image = "gcr.io/p/api"
        env {
          name  = "MODE"
          value = "api"
        }
      }
    }
  }
}
resource "google_cloud_run_v2_service" "worker" {
  name = "worker"
  template {
    containers {
      env {
        name  = "QUEUE"
        value = "q"
      }
      env {
        name = "TOKEN"
        value_source {
          secret_key_ref {
            secret  = "token"
            version = "latest"
          }
        }
      }
    }
  }
}
resource "google_cloudfunctions_function_iam_member" "hook" {
  cloud_function = google_cloudfunctions_function.hook.name
  role           = "roles/cloudfunctions.invoker"
  member         = "allUsers"
}
resource "google_cloudfunctions2_function_iam_binding" "thumb" {
  cloud_function = "projects/p/locations/europe-west1/functions/thumb"
  role           = "roles/cloudfunctions.invoker"
  members        = ["allAuthenticatedUsers", "user:ops@example.com"]
}
data "google_iam_policy" "noauth" {
  binding {
    role    = "roles/run.invoker"
    members = ["allUsers"]
  }
}
resource "google_cloud_run_service_iam_policy" "api" {
  service     = google_cloud_run_service.api.name
  policy_data = data.google_iam_policy.noauth.policy_data
}
resource "google_cloud_run_v2_service_iam_member" "worker" {
  name   = google_cloud_run_v2_service.worker.name
  role   = "roles/run.viewer"
  member = "allUsers"
}
"#,
        );
        let fns: Vec<(&str, Option<&str>, Option<&str>, usize)> = m
            .functions
            .iter()
            .map(|f| {
                (
                    f.name.as_str(),
                    f.runtime.as_ref().map(Val::display),
                    f.handler.as_ref().map(Val::display),
                    f.environment.len(),
                )
            })
            .collect();
        assert_eq!(
            fns,
            [
                ("hook", Some("python312"), Some("handle"), 1),
                ("events", None, None, 0),
                ("thumb", Some("nodejs20"), Some("thumb"), 1),
                ("api", None, None, 1),
                ("worker", None, None, 1),
            ]
        );
        assert!(m.functions.iter().all(|f| f.role.is_none()));
        let perms: Vec<(Cloud, Option<usize>, &str, &str)> =
            m.permissions.iter().map(|p| (p.cloud, p.function, p.action.display(), p.principal.display())).collect();
        assert_eq!(
            perms,
            [
                (Cloud::Gcp, Some(0), "roles/cloudfunctions.invoker", "allUsers"),
                (Cloud::Gcp, Some(2), "roles/cloudfunctions.invoker", "allAuthenticatedUsers"),
                (Cloud::Gcp, Some(2), "roles/cloudfunctions.invoker", "user:ops@example.com"),
                (Cloud::Gcp, Some(3), "roles/run.invoker", "allUsers"),
                (Cloud::Gcp, Some(4), "roles/run.viewer", "allUsers"),
            ]
        );
        // The policy's member points into the data source.
        assert_eq!(m.permissions[3].principal.loc().span.start, Position::new(73, 16));
        // HTTP endpoints: public only where allUsers may invoke; the event-triggered function has none.
        assert_eq!(
            routes(&m),
            [
                route("ANY", "/", "hook", AuthKind::None, ""),
                route("ANY", "/", "thumb", AuthKind::Iam, ""),
                route("ANY", "/", "api", AuthKind::None, ""),
                route("ANY", "/", "worker", AuthKind::Iam, ""),
            ]
        );
        assert!(m.endpoints.iter().all(|e| e.kind == ApiKind::GcpHttp));
    }

    #[test]
    fn resource_cycles_and_alias_loops_stay_bounded() {
        let m = model(
            r#"
resource "aws_api_gateway_resource" "a" {
  parent_id = aws_api_gateway_resource.b.id
  path_part = "a"
}
resource "aws_api_gateway_resource" "b" {
  parent_id = aws_api_gateway_resource.a.id
  path_part = "b"
}
resource "aws_api_gateway_method" "m" {
  resource_id   = aws_api_gateway_resource.a.id
  http_method   = "GET"
  authorization = "NONE"
}
resource "aws_lambda_alias" "x" { function_name = aws_lambda_alias.y.arn }
resource "aws_lambda_alias" "y" { function_name = aws_lambda_alias.x.arn }
resource "aws_lambda_function_url" "u" {
  function_name      = aws_lambda_alias.x.arn
  authorization_type = "NONE"
}
"#,
        );
        assert!(m.endpoints[0].path.starts_with("/…/"), "{}", m.endpoints[0].path);
        assert!(m.endpoints[0].path.ends_with("/b/a"));
        assert_eq!(m.endpoints[1].function, None);
    }

    #[test]
    fn references_in_templates() {
        assert_eq!(
            references_in("integrations/${aws_apigatewayv2_integration.x.id}"),
            [vec!["aws_apigatewayv2_integration".to_string(), "x".into(), "id".into()]]
        );
        let refs = references_in(
            "arn:aws:apigateway:${var.region}:lambda:path/functions/${aws_lambda_function.f.arn}/invocations",
        );
        assert_eq!(refs.len(), 2);
        assert_eq!(refs[1], ["aws_lambda_function", "f", "arn"]);
        assert!(references_in("${var.on ? 1 : 2} and ${").is_empty());
    }
}
