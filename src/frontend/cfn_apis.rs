//! Entry points in CloudFormation and SAM templates: API Gateway REST, HTTP and WebSocket APIs
//! with their methods, routes and authorizers (resources, SAM `Auth`, and OpenAPI bodies), SAM
//! function events, function URLs, AppSync APIs, and the resource policies of functions
//! (`AWS::Lambda::Permission`).

use super::cloudformation::{Builder, resource_type};
use super::values::Resolver;
use super::{api_policy, openapi};
use crate::loader::{Node, Value};
use crate::model::{ApiId, ApiKind, AuthKind, AuthorizerId, Cloud, Cors, Endpoint, Loc, Permission, Val};
use std::collections::HashMap;

/// Implicit APIs SAM creates for events that name none.
const IMPLICIT_REST: &str = "ServerlessRestApi";
const IMPLICIT_HTTP: &str = "ServerlessHttpApi";

#[derive(Default)]
pub struct ApiIndex {
    /// Logical id → API.
    apis: HashMap<String, ApiId>,
    /// Logical id of an authorizer resource → authorizer.
    authorizers: HashMap<String, AuthorizerId>,
    /// SAM `Auth.ResourcePolicy` of an API (with `Globals`): SAM applies it to each event's route.
    sam_resource_policies: HashMap<ApiId, Node>,
    /// Routes of SAM events that name their authorizer (which wins over the definition's).
    explicit_auth: std::collections::HashSet<usize>,
}

impl ApiIndex {
    /// The API a `RestApiId` / `ApiId` names: `!Ref Api`, or (leniently, as people write it) the
    /// API's logical id as a plain string.
    fn api(&self, node: &Node) -> Option<ApiId> {
        let id = Resolver::referenced_resource(node).or_else(|| node.as_str().map(str::to_string))?;
        self.apis.get(&id).copied()
    }
}

impl Builder<'_> {
    /// Adds the entry points of a template's resources (functions must be in already).
    pub fn add_apis(&mut self, resources: &Node, globals: Option<&Node>) {
        let Some(entries) = resources.as_map() else { return };
        let mut ix = ApiIndex::default();
        // APIs and their authorizers first; routes point at them.
        for e in entries {
            let props = e.value.get("Properties");
            let loc = Loc::new(self.res.file, e.key_span);
            let kind = match resource_type(&e.value) {
                "AWS::ApiGateway::RestApi" | "AWS::Serverless::Api" => ApiKind::Rest,
                "AWS::ApiGatewayV2::Api" => match props.and_then(|p| p.get("ProtocolType")).and_then(Node::as_str) {
                    Some(p) if p.eq_ignore_ascii_case("WEBSOCKET") => ApiKind::WebSocket,
                    _ => ApiKind::Http,
                },
                "AWS::Serverless::HttpApi" => ApiKind::Http,
                "AWS::Serverless::WebSocketApi" => ApiKind::WebSocket,
                "AWS::AppSync::GraphQLApi" | "AWS::Serverless::GraphQLApi" => ApiKind::AppSync,
                _ => continue,
            };
            let id = self.model.add_api(e.key.clone(), kind, loc);
            ix.apis.insert(e.key.clone(), id);
            let ty = resource_type(&e.value);
            // SAM `Globals.Api` / `Globals.HttpApi` apply to every API of the kind.
            let global = match ty {
                "AWS::Serverless::Api" => globals.and_then(|g| g.get("Api")),
                "AWS::Serverless::HttpApi" => globals.and_then(|g| g.get("HttpApi")),
                _ => None,
            };
            let merged;
            let props = match (props, global) {
                (Some(p), Some(g)) => {
                    merged = super::cloudformation::merge_globals(p, g);
                    Some(&merged)
                }
                (None, g) => g,
                (p, None) => p,
            };
            if let Some(p) = props.filter(|_| ty == "AWS::Serverless::WebSocketApi") {
                self.sam_websocket_api(id, &e.key, p);
            } else if let Some(p) = props {
                self.api_properties(id, p, ty);
                if let Some(rp) = p.path(&["Auth", "ResourcePolicy"]).filter(|_| ty == "AWS::Serverless::Api") {
                    ix.sam_resource_policies.insert(id, rp.clone());
                }
            }
        }
        for e in entries {
            let Some(props) = e.value.get("Properties") else { continue };
            let loc = Loc::new(self.res.file, e.key_span);
            let (kind, api_key) = match resource_type(&e.value) {
                "AWS::ApiGateway::Authorizer" => (
                    match props.get("Type").and_then(Node::as_str).map(str::to_ascii_uppercase).as_deref() {
                        Some("COGNITO_USER_POOLS") => AuthKind::Cognito,
                        Some("TOKEN" | "REQUEST") => AuthKind::Lambda,
                        _ => AuthKind::Unknown,
                    },
                    "RestApiId",
                ),
                "AWS::ApiGatewayV2::Authorizer" => (
                    match props.get("AuthorizerType").and_then(Node::as_str).map(str::to_ascii_uppercase).as_deref() {
                        Some("JWT") => AuthKind::Jwt,
                        Some("REQUEST") => AuthKind::Lambda,
                        _ => AuthKind::Unknown,
                    },
                    "ApiId",
                ),
                _ => continue,
            };
            let api = props.get(api_key).and_then(|n| ix.api(n));
            let name = props.get("Name").and_then(Node::scalar_text).map_or_else(|| e.key.clone(), |n| n.into_owned());
            let id = self.model.add_authorizer(name, kind, api, loc);
            ix.authorizers.insert(e.key.clone(), id);
        }
        // Routes.
        for e in entries {
            let props = e.value.get("Properties");
            let loc = Loc::new(self.res.file, e.key_span);
            match (resource_type(&e.value), props) {
                ("AWS::ApiGateway::Method", Some(p)) => self.rest_method(p, loc, &ix, entries),
                ("AWS::ApiGatewayV2::Route", Some(p)) => self.v2_route(p, loc, &ix, entries),
                ("AWS::Lambda::Url", Some(p)) => {
                    let function = p.get("TargetFunctionArn").and_then(|n| self.function_ref(n));
                    self.function_url(function, p, loc);
                }
                ("AWS::Lambda::Permission", Some(p)) => self.permission(p, loc),
                ("AWS::Serverless::Function", _) => {
                    let props = props.cloned().unwrap_or_else(|| Node::new(e.value.span, Value::Map(Vec::new())));
                    if let Some(&f) = self.functions.get(&e.key) {
                        self.sam_entry_points(&e.key, Some(f), &props, globals, &mut ix);
                    }
                }
                ("AWS::Serverless::StateMachine", Some(p)) => self.sam_entry_points(&e.key, None, p, globals, &mut ix),
                _ => {}
            }
        }
        // OpenAPI bodies, now that authorizers are known.
        for e in entries {
            let Some(&api) = ix.apis.get(&e.key) else { continue };
            let body =
                e.value.path(&["Properties", "DefinitionBody"]).or_else(|| e.value.path(&["Properties", "Body"]));
            if let Some(body) = body.filter(|b| b.as_map().is_some()) {
                self.openapi_routes(api, body, &ix.explicit_auth);
            }
        }
    }

    /// Settings of an API resource: SAM `Auth`, private endpoints, resource policies, CORS,
    /// AppSync authentication types, quick-create targets.
    fn api_properties(&mut self, api: ApiId, props: &Node, ty: &str) {
        if let Some(auth) = props.get("Auth") {
            if ty == "AWS::Serverless::GraphQLApi" {
                self.model.apis[api].auth_types.extend(auth.get("Type").map(|t| self.res.val(t)));
                for a in auth.get("Additional").map(Node::one_or_many).unwrap_or(&[]) {
                    self.model.apis[api].auth_types.extend(a.get("Type").map(|t| self.res.val(t)));
                }
            } else {
                self.sam_auth(api, auth);
            }
        }
        if ty == "AWS::AppSync::GraphQLApi" {
            let mut types: Vec<Val> = props.get("AuthenticationType").map(|t| self.res.val(t)).into_iter().collect();
            for a in props.get("AdditionalAuthenticationProviders").map(Node::one_or_many).unwrap_or(&[]) {
                types.extend(a.get("AuthenticationType").map(|t| self.res.val(t)));
            }
            self.model.apis[api].auth_types = types;
        }
        let endpoint_types = props
            .path(&["EndpointConfiguration", "Types"])
            .or_else(|| props.path(&["EndpointConfiguration", "Type"]))
            .or_else(|| props.get("EndpointConfiguration"));
        let private = endpoint_types.is_some_and(|t| {
            t.one_or_many().iter().any(|n| n.as_str().is_some_and(|s| s.eq_ignore_ascii_case("PRIVATE")))
        });
        self.model.apis[api].private = private;
        let body = props.get("DefinitionBody").or_else(|| props.get("Body"));
        // The resource policy: a property, or (as SAM writes it) an extension of the definition.
        let mut policy: Vec<_> = [props.get("Policy"), body.and_then(|b| b.get("x-amazon-apigateway-policy"))]
            .into_iter()
            .flatten()
            .flat_map(|p| api_policy::read(p, &self.res))
            .collect();
        if let Some(rp) = props.path(&["Auth", "ResourcePolicy"]).filter(|_| ty == "AWS::Serverless::Api") {
            policy.extend(api_policy::sam(rp, &self.res, None, Loc::new(self.res.file, rp.span)));
        }
        // A document with no statement is no policy.
        if !policy.is_empty() {
            self.model.apis[api].policy.get_or_insert_with(Vec::new).extend(policy);
        }
        self.model.apis[api].external_definition = props.get("DefinitionUri").is_some()
            || props.get("BodyS3Location").is_some()
            || body.is_some_and(|b| b.get("Fn::Transform").is_some());
        if let Some(c) = props.get("Cors").or_else(|| props.get("CorsConfiguration")) {
            self.model.apis[api].cors = cors(c, &self.res);
        }
        // HTTP API quick create: `Target` makes a `$default` route to the function, open to all.
        if let Some(target) = props.get("Target") {
            let function = self.function_ref(target);
            let loc = Loc::new(self.res.file, target.span);
            self.model.endpoints.push(Endpoint {
                kind: self.model.apis[api].kind,
                api: Some(api),
                method: "ANY".into(),
                path: "$default".into(),
                function,
                auth: AuthKind::None,
                authorizer: None,
                api_key_required: false,
                loc,
                cors: None,
            });
        }
    }

    /// SAM `Auth`: named authorizers, the default one, an API key requirement.
    fn sam_auth(&mut self, api: ApiId, auth: &Node) {
        for a in auth.get("Authorizers").and_then(Node::as_map).unwrap_or(&[]) {
            let has = |k: &str| a.value.get(k).is_some();
            let kind = if has("UserPoolArn") {
                AuthKind::Cognito
            } else if has("JwtConfiguration") {
                AuthKind::Jwt
            } else if ["FunctionArn", "FunctionPayloadType", "AuthorizerPayloadFormatVersion", "Identity"]
                .iter()
                .any(|k| has(k))
            {
                AuthKind::Lambda
            } else {
                AuthKind::Unknown
            };
            let loc = Loc::new(self.res.file, a.key_span);
            self.model.add_authorizer(a.key.clone(), kind, Some(api), loc);
            // SAM lets API Gateway invoke a Lambda authorizer through a resource policy: for a
            // REST API unless told not to, for an HTTP API only when told to.
            let flag = |k: &str| a.value.get(k).and_then(Node::as_bool) == Some(true);
            let permitted = match self.model.apis[api].kind {
                ApiKind::Http => flag("EnableFunctionDefaultPermissions"),
                _ => !flag("DisableFunctionDefaultPermissions"),
            };
            if let Some(n) = a.value.get("FunctionArn").filter(|_| permitted) {
                let f = self.function_ref(n);
                let name =
                    f.map_or_else(|| self.res.val(n).display().to_string(), |f| self.model.functions[f].name.clone());
                let arn = Some(Val::Unknown("the API's ARN (generated by SAM)".into(), loc));
                self.sam_permission(
                    &name,
                    f,
                    "apigateway.amazonaws.com",
                    "lambda:InvokeFunction",
                    loc,
                    (arn, None),
                    false,
                );
            }
        }
        let default = match auth.get("DefaultAuthorizer").map(|d| self.res.val(d)) {
            Some(Val::Known(name, _)) => Some(self.named_auth(api, &name)),
            Some(_) => Some((AuthKind::Unknown, None)),
            None if auth.get("EnableIamAuthorizer").and_then(Node::as_bool) == Some(true) => None,
            None => None,
        };
        let api_key = auth.get("ApiKeyRequired").and_then(Node::as_bool) == Some(true);
        self.model.apis[api].default_auth = match (default, api_key) {
            (Some(d), _) => Some(d),
            (None, true) => Some((AuthKind::ApiKey, None)),
            (None, false) => None,
        };
    }

    /// `AWS::Serverless::WebSocketApi`: a route per `Routes` key to its function; `Auth` applies to
    /// `$connect` (callers authenticate once, there).
    fn sam_websocket_api(&mut self, api: ApiId, name: &str, props: &Node) {
        let auth = props.get("Auth");
        let auth_type = auth.and_then(|a| a.get("AuthType")).map(|t| self.res.val(t));
        let mut authorizer = None;
        if auth_type.as_ref().is_some_and(|t| t.is_known("CUSTOM")) {
            let a = auth.unwrap_or(props);
            let aname =
                a.get("Name").map_or_else(|| format!("{name}ConnectAuthorizer"), |n| self.res.val(n).display().into());
            let loc = Loc::new(self.res.file, a.span);
            authorizer = Some(self.model.add_authorizer(aname, AuthKind::Lambda, Some(api), loc));
            if let Some(f) = a.get("AuthArn").and_then(|n| self.function_ref(n)) {
                if a.get("InvokeRole").is_none() {
                    let fname = self.model.functions[f].name.clone();
                    let arn = Some(Val::Unknown("the API's ARN (generated by SAM)".into(), loc));
                    self.sam_permission(
                        &fname,
                        Some(f),
                        "apigateway.amazonaws.com",
                        "lambda:InvokeFunction",
                        loc,
                        (arn, None),
                        false,
                    );
                }
            }
        }
        for r in props.get("Routes").and_then(Node::as_map).unwrap_or(&[]) {
            let loc = Loc::new(self.res.file, r.key_span);
            let function = r.value.get("FunctionArn").and_then(|n| self.function_ref(n));
            let api_key_required = r.value.get("ApiKeyRequired").and_then(Node::as_bool).unwrap_or(false);
            let connect = r.key == "$connect";
            let route_auth = auth_type.as_ref().filter(|_| connect);
            let auth = super::api_gateway_auth(
                ApiKind::WebSocket,
                &r.key,
                route_auth,
                authorizer.map(|a| self.model.authorizers[a].kind),
                api_key_required,
            );
            if let Some(n) = r.value.get("FunctionArn") {
                let fname = function
                    .map_or_else(|| self.res.val(n).display().to_string(), |f| self.model.functions[f].name.clone());
                let arn = Some(Val::Unknown("the API's ARN (generated by SAM)".into(), loc));
                self.sam_permission(
                    &fname,
                    function,
                    "apigateway.amazonaws.com",
                    "lambda:InvokeFunction",
                    loc,
                    (arn, None),
                    false,
                );
            }
            self.model.endpoints.push(Endpoint {
                kind: ApiKind::WebSocket,
                api: Some(api),
                method: "ANY".into(),
                path: r.key.clone(),
                function,
                auth,
                authorizer: if connect { authorizer } else { None },
                api_key_required,
                loc,
                cors: None,
            });
        }
    }

    /// What an authorizer name means on an API: `NONE`, `AWS_IAM`, or one of its authorizers.
    /// (An authorizer the API defines under one of those names wins, as in SAM.)
    fn named_auth(&self, api: ApiId, name: &str) -> (AuthKind, Option<AuthorizerId>) {
        if let Some(id) = self.model.authorizers.iter().position(|a| a.api == Some(api) && a.name == name) {
            return (self.model.authorizers[id].kind, Some(id));
        }
        match name {
            "NONE" => (AuthKind::None, None),
            "AWS_IAM" => (AuthKind::Iam, None),
            _ => (AuthKind::Unknown, None),
        }
    }

    /// The function a `!GetAtt Fn.Arn` / `!Ref Fn` / `${Fn.Arn}` points at.
    fn function_ref(&self, node: &Node) -> Option<usize> {
        let id = Resolver::referenced_resource(node).or_else(|| openapi::function_in_uri(node))?;
        self.functions.get(&id).copied()
    }

    fn rest_method(&mut self, p: &Node, loc: Loc, ix: &ApiIndex, resources: &[crate::loader::Entry]) {
        let api = p.get("RestApiId").and_then(|n| ix.api(n));
        let method =
            p.get("HttpMethod").and_then(Node::scalar_text).map_or_else(|| "ANY".into(), |m| m.to_ascii_uppercase());
        let path = p.get("ResourceId").map_or_else(|| "/".to_string(), |r| rest_path(r, resources, 0));
        let auth_type = p.get("AuthorizationType").map(|a| self.res.val(a));
        let authorizer =
            p.get("AuthorizerId").and_then(Resolver::referenced_resource).and_then(|r| ix.authorizers.get(&r).copied());
        let api_key_required = p.get("ApiKeyRequired").and_then(Node::as_bool).unwrap_or(false);
        let authorizer_kind = authorizer.map(|a| self.model.authorizers[a].kind);
        let auth = super::api_gateway_auth(ApiKind::Rest, "", auth_type.as_ref(), authorizer_kind, api_key_required);
        let function = p.path(&["Integration", "Uri"]).and_then(|u| self.function_ref(u));
        self.model.endpoints.push(Endpoint {
            kind: ApiKind::Rest,
            api,
            method,
            path,
            function,
            auth,
            authorizer,
            api_key_required,
            loc,
            cors: None,
        });
    }

    fn v2_route(&mut self, p: &Node, loc: Loc, ix: &ApiIndex, resources: &[crate::loader::Entry]) {
        let api = p.get("ApiId").and_then(|n| ix.api(n));
        let kind = api.map_or(ApiKind::Http, |a| self.model.apis[a].kind);
        let route_key = p.get("RouteKey").map(|k| self.res.val(k).display().to_string()).unwrap_or_default();
        let (method, path) = match route_key.split_once(' ') {
            Some((m, path)) => (m.to_ascii_uppercase(), path.to_string()),
            None => ("ANY".to_string(), route_key.clone()),
        };
        let authorizer =
            p.get("AuthorizerId").and_then(Resolver::referenced_resource).and_then(|r| ix.authorizers.get(&r).copied());
        let api_key_required = p.get("ApiKeyRequired").and_then(Node::as_bool).unwrap_or(false);
        let auth_type = p.get("AuthorizationType").map(|a| self.res.val(a));
        let authorizer_kind = authorizer.map(|a| self.model.authorizers[a].kind);
        let auth = super::api_gateway_auth(kind, &route_key, auth_type.as_ref(), authorizer_kind, api_key_required);
        // Target: "integrations/<IntegrationId>" → the integration's function.
        let function = p
            .get("Target")
            .and_then(|t| match &t.value {
                Value::Map(_) => t
                    .path(&["Fn::Join"])
                    .and_then(|j| j.as_seq()?.get(1)?.as_seq()?.iter().find_map(Resolver::referenced_resource))
                    .or_else(|| Resolver::referenced_resource(t)),
                _ => None,
            })
            .and_then(|integration| resources.iter().find(|e| e.key == integration))
            .and_then(|e| e.value.path(&["Properties", "IntegrationUri"]))
            .and_then(|u| self.function_ref(u));
        self.model.endpoints.push(Endpoint {
            kind,
            api,
            method,
            path,
            function,
            auth,
            authorizer,
            api_key_required,
            loc,
            cors: None,
        });
    }

    fn function_url(&mut self, function: Option<usize>, p: &Node, loc: Loc) {
        let auth = match p.get("AuthType").map(|a| self.res.val(a)) {
            Some(v) if v.is_known("NONE") => AuthKind::None,
            Some(v) if v.is_known("AWS_IAM") => AuthKind::Iam,
            // AuthType is required; a missing or unresolved one is not ours to call public.
            _ => AuthKind::Unknown,
        };
        let cors = p.get("Cors").and_then(|c| cors(c, &self.res));
        self.model.endpoints.push(Endpoint {
            kind: ApiKind::FunctionUrl,
            api: None,
            method: "ANY".into(),
            path: "/".into(),
            function,
            auth,
            authorizer: None,
            api_key_required: false,
            loc,
            cors,
        });
    }

    fn permission(&mut self, p: &Node, loc: Loc) {
        let function_node = p.get("FunctionName");
        let function = function_node
            .and_then(|n| self.function_ref(n).or_else(|| n.as_str().and_then(|s| self.functions.get(s).copied())));
        let function_ref = function_node
            .map(|n| Resolver::referenced_resource(n).unwrap_or_else(|| self.res.val(n).display().to_string()))
            .unwrap_or_default();
        let get = |k: &str| p.get(k).map(|n| self.res.val(n));
        let permission = Permission {
            cloud: Cloud::Aws,
            function,
            function_ref,
            action: get("Action").unwrap_or(Val::Unknown("missing".into(), loc)),
            principal: get("Principal").unwrap_or(Val::Unknown("missing".into(), loc)),
            source_arn: get("SourceArn"),
            source_account: get("SourceAccount"),
            org_id: get("PrincipalOrgID"),
            via_function_url: get("Action").is_some_and(|a| a.is_known("lambda:InvokeFunctionUrl"))
                || p.get("FunctionUrlAuthType").is_some()
                || p.get("InvokedViaFunctionUrl").and_then(Node::as_bool) == Some(true),
            loc,
        };
        self.model.permissions.push(permission);
    }

    /// SAM function events (`Api`, `HttpApi`) and `FunctionUrlConfig`; a state machine's `Api`
    /// events (`function: None`).
    fn sam_entry_points(
        &mut self,
        name: &str,
        function: Option<usize>,
        props: &Node,
        globals: Option<&Node>,
        ix: &mut ApiIndex,
    ) {
        let url = props
            .get("FunctionUrlConfig")
            .or_else(|| globals.and_then(|g| g.path(&["Function", "FunctionUrlConfig"])))
            .filter(|_| function.is_some());
        if let (Some(u), Some(function)) = (url, function) {
            let loc = Loc::new(self.res.file, u.span);
            self.function_url(Some(function), u, loc);
            // SAM opens a URL with `AuthType: NONE` to everyone through its resource policy.
            if u.get("AuthType").is_some_and(|a| self.res.val(a).is_known("NONE")) {
                for action in ["lambda:InvokeFunctionUrl", "lambda:InvokeFunction"] {
                    self.sam_permission(name, Some(function), "*", action, loc, (None, None), true);
                }
            }
        }
        for ev in props.get("Events").and_then(Node::as_map).unwrap_or(&[]) {
            let ty = ev.value.get("Type").and_then(Node::as_str).unwrap_or("");
            if let Some(function) = function {
                self.sam_event_permission(name, function, ev);
            }
            let (kind, api_key, implicit, global_key) = match ty {
                "Api" => (ApiKind::Rest, "RestApiId", IMPLICIT_REST, "Api"),
                "HttpApi" => (ApiKind::Http, "ApiId", IMPLICIT_HTTP, "HttpApi"),
                _ => continue,
            };
            let ep = ev.value.get("Properties");
            let api = match ep.and_then(|p| p.get(api_key)) {
                Some(r) => ix.api(r),
                None => Some(self.implicit_api(implicit, kind, global_key, globals, ix)),
            };
            // An HTTP API event with no path is the default route.
            let default_path = if kind == ApiKind::Http { "$default" } else { "/" };
            // The API decides what kind of route it is (an `HttpApi` event may name a REST API).
            let kind = api.map_or(kind, |a| self.model.apis[a].kind);
            let method = ep
                .and_then(|p| p.get("Method"))
                .and_then(Node::scalar_text)
                .map_or_else(|| "ANY".into(), |m| m.to_ascii_uppercase());
            let method = if method == "X-AMAZON-APIGATEWAY-ANY-METHOD" { "ANY".into() } else { method };
            let path = ep
                .and_then(|p| p.get("Path"))
                .map_or_else(|| default_path.into(), |p| self.res.val(p).display().to_string());
            let path = if path == "/$default" { "$default".to_string() } else { path };
            let event_auth = ep.and_then(|p| p.path(&["Auth", "Authorizer"])).map(|a| self.res.val(a));
            let event_auth_given = event_auth.is_some();
            let event_api_key = ep.and_then(|p| p.path(&["Auth", "ApiKeyRequired"])).and_then(Node::as_bool);
            let api_key_required = event_api_key.unwrap_or(false);
            let (mut auth, authorizer) = match (event_auth, api) {
                (Some(Val::Known(n, _)), Some(api)) => self.named_auth(api, &n),
                (Some(Val::Known(n, _)), None) if n == "NONE" => (AuthKind::None, None),
                (Some(Val::Known(n, _)), None) if n == "AWS_IAM" => (AuthKind::Iam, None),
                (Some(_), _) => (AuthKind::Unknown, None),
                // The definition in another file decides.
                (None, Some(api)) if self.model.apis[api].external_definition => (AuthKind::Unknown, None),
                // HTTP APIs answer CORS preflight requests without authorization.
                (None, Some(_)) if kind == ApiKind::Http && method == "OPTIONS" => (AuthKind::None, None),
                (None, Some(api)) => self.model.apis[api].default_auth.unwrap_or((AuthKind::None, None)),
                // An API defined elsewhere (`!ImportValue`, a parameter): its settings are unknown.
                (None, None) => (AuthKind::Unknown, None),
            };
            if auth == AuthKind::None && api_key_required {
                auth = AuthKind::ApiKey;
            }
            // `ApiKeyRequired: false` on the event overrides the API's.
            if auth == AuthKind::ApiKey && event_api_key == Some(false) {
                auth = AuthKind::None;
            }
            // SAM writes the API's resource policy (and the event's own) for this route.
            if let Some(api) = api.filter(|_| kind == ApiKind::Rest) {
                let loc = Loc::new(self.res.file, ev.key_span);
                let own = ep.and_then(|p| p.path(&["Auth", "ResourcePolicy"]));
                for rp in [ix.sam_resource_policies.get(&api), own].into_iter().flatten() {
                    let st = api_policy::sam(rp, &self.res, Some((&method, &path)), loc);
                    if !st.is_empty() {
                        self.model.apis[api].policy.get_or_insert_with(Vec::new).extend(st);
                    }
                }
                if let Some(rp) = own {
                    let st = api_policy::sam(rp, &self.res, None, loc);
                    if !st.is_empty() {
                        self.model.apis[api].policy.get_or_insert_with(Vec::new).extend(st);
                    }
                }
            }
            if event_auth_given {
                ix.explicit_auth.insert(self.model.endpoints.len());
            }
            self.model.endpoints.push(Endpoint {
                kind,
                api,
                method,
                path,
                function,
                auth,
                authorizer,
                api_key_required,
                loc: Loc::new(self.res.file, ev.key_span),
                cors: None,
            });
        }
    }

    /// The resource policy SAM gives a function for a push event (`AWS::Lambda::Permission`
    /// with the event's service as principal, pinned to its source).
    fn sam_event_permission(&mut self, fname: &str, function: usize, ev: &crate::loader::Entry) {
        let loc = Loc::new(self.res.file, ev.key_span);
        let props = ev.value.get("Properties");
        let source = |key: &str| props.and_then(|p| p.get(key)).map(|n| self.res.val(n));
        let generated = |what: &str| Some(Val::Unknown(format!("the {what} (generated by SAM)"), loc));
        let (principal, arn, account) = match ev.value.get("Type").and_then(Node::as_str).unwrap_or("") {
            "Api" | "HttpApi" => ("apigateway.amazonaws.com", generated("API's ARN"), None),
            "S3" => ("s3.amazonaws.com", None, generated("account")),
            "SNS" if super::sam::sqs_subscription(props) => return,
            "SNS" => ("sns.amazonaws.com", source("Topic").or_else(|| generated("topic")), None),
            "Schedule" | "CloudWatchEvent" | "EventBridgeRule" => ("events.amazonaws.com", generated("rule"), None),
            "CloudWatchLogs" => ("logs.amazonaws.com", generated("log group"), None),
            "IoTRule" => ("iot.amazonaws.com", generated("rule"), generated("account")),
            "Cognito" => ("cognito-idp.amazonaws.com", generated("user pool"), None),
            "AlexaSkill" => ("alexa-appkit.amazon.com", source("SkillId"), None),
            _ => return,
        };
        self.sam_permission(fname, Some(function), principal, "lambda:InvokeFunction", loc, (arn, account), false);
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn sam_permission(
        &mut self,
        fname: &str,
        function: Option<usize>,
        principal: &str,
        action: &str,
        loc: Loc,
        (source_arn, source_account): (Option<Val>, Option<Val>),
        via_function_url: bool,
    ) {
        self.model.permissions.push(Permission {
            cloud: Cloud::Aws,
            function,
            function_ref: fname.to_string(),
            action: Val::Known(action.into(), loc),
            principal: Val::Known(principal.into(), loc),
            source_arn,
            source_account,
            org_id: None,
            via_function_url,
            loc,
        });
    }

    fn implicit_api(
        &mut self,
        name: &str,
        kind: ApiKind,
        global_key: &str,
        globals: Option<&Node>,
        ix: &mut ApiIndex,
    ) -> ApiId {
        if let Some(&id) = ix.apis.get(name) {
            return id;
        }
        let loc = self.model.functions.first().map(|f| f.loc).unwrap_or_default();
        let id = self.model.add_api(name, kind, loc);
        ix.apis.insert(name.to_string(), id);
        if let Some(g) = globals.and_then(|g| g.get(global_key)) {
            self.api_properties(
                id,
                g,
                if kind == ApiKind::Rest { "AWS::Serverless::Api" } else { "AWS::Serverless::HttpApi" },
            );
            if let Some(rp) = g.path(&["Auth", "ResourcePolicy"]).filter(|_| kind == ApiKind::Rest) {
                ix.sam_resource_policies.insert(id, rp.clone());
            }
        }
        id
    }

    /// Routes of an OpenAPI body. A route without `security` gets the document's default, else
    /// the API's default authorizer (SAM applies it to every path of the definition).
    fn openapi_routes(&mut self, api: ApiId, body: &Node, explicit_auth: &std::collections::HashSet<usize>) {
        let def = openapi::read(body, &self.res);
        let mut scheme_ids: HashMap<String, (AuthKind, Option<AuthorizerId>)> = HashMap::new();
        for s in &def.schemes {
            let existing = self.model.authorizers.iter().position(|a| a.api == Some(api) && a.name == s.name);
            let id = existing.unwrap_or_else(|| self.model.add_authorizer(s.name.clone(), s.kind, Some(api), s.loc));
            let kind = if s.kind == AuthKind::Unknown { self.model.authorizers[id].kind } else { s.kind };
            scheme_ids.insert(s.name.clone(), (kind, (kind != AuthKind::ApiKey).then_some(id)));
        }
        let kind = self.model.apis[api].kind;
        if let Some(names) = &def.default_security {
            self.model.reference_schemes(api, names);
        }
        for r in def.routes {
            if let Some(names) = &r.security {
                self.model.reference_schemes(api, names);
            }
            // A method's own `security` wins; then the API's default authorizer (SAM writes it
            // into each method that has none); then the document's `security`.
            let (auth, authorizer) = if r.iam {
                (AuthKind::Iam, None)
            } else {
                match (&r.security, self.model.apis[api].default_auth, &def.default_security) {
                    (Some(names), _, _) => security_auth(names, &scheme_ids),
                    (None, Some(d), _) => d,
                    (None, None, Some(names)) => security_auth(names, &scheme_ids),
                    (None, None, None) => (AuthKind::None, None),
                }
            };
            let function = r.function.as_ref().and_then(|f| self.functions.get(f).copied());
            // An event of a SAM function may describe the same route. SAM keeps what the
            // definition already says: its integration, and its `security` unless the event
            // names an authorizer.
            let same = |e: &Endpoint| e.api == Some(api) && e.method == r.method && e.path == r.path;
            if let Some(i) = self.model.endpoints.iter().position(same) {
                if r.has_integration {
                    self.model.endpoints[i].function = function;
                }
                if r.security.is_some() && !explicit_auth.contains(&i) {
                    self.model.endpoints[i].auth = auth;
                    self.model.endpoints[i].authorizer = authorizer;
                }
                continue;
            }
            self.model.endpoints.push(Endpoint {
                kind,
                api: Some(api),
                method: r.method,
                path: r.path,
                function,
                auth,
                authorizer,
                api_key_required: auth == AuthKind::ApiKey,
                loc: r.loc,
                cors: None,
            });
        }
    }
}

/// The strongest authentication among the schemes a route accepts; an empty requirement (`{}`)
/// or no scheme means anyone.
pub(super) fn security_auth(
    names: &[String],
    schemes: &HashMap<String, (AuthKind, Option<AuthorizerId>)>,
) -> (AuthKind, Option<AuthorizerId>) {
    if names.is_empty() || names.iter().any(String::is_empty) {
        return (AuthKind::None, None);
    }
    let mut best: Option<(AuthKind, Option<AuthorizerId>)> = None;
    for n in names {
        // SAM writes `security: [{NONE: []}]` for `Authorizer: NONE`: a scheme the definition does
        // not define, which API Gateway ignores.
        let undefined = if n == "NONE" { (AuthKind::None, None) } else { (AuthKind::Unknown, None) };
        let found = schemes.get(n).copied().unwrap_or(undefined);
        best = match best {
            // Any real authenticator beats an API key alone.
            Some(b) if b.0 != AuthKind::ApiKey => Some(b),
            _ => Some(found),
        };
    }
    best.unwrap_or((AuthKind::None, None))
}

/// A REST resource's full path: `PathPart`s up the `ParentId` chain to the root.
fn rest_path(resource: &Node, resources: &[crate::loader::Entry], depth: usize) -> String {
    if depth > 32 {
        return "/…".into();
    }
    let Some(id) = Resolver::referenced_resource(resource) else { return "/".into() };
    let Some(r) = resources.iter().find(|e| e.key == id && resource_type(&e.value) == "AWS::ApiGateway::Resource")
    else {
        // `!GetAtt Api.RootResourceId`
        return "/".into();
    };
    let part = r
        .value
        .path(&["Properties", "PathPart"])
        .and_then(Node::scalar_text)
        .map(|c| c.into_owned())
        .unwrap_or_default();
    let parent = r
        .value
        .path(&["Properties", "ParentId"])
        .map_or_else(|| "/".to_string(), |p| rest_path(p, resources, depth + 1));
    if parent.ends_with('/') { format!("{parent}{part}") } else { format!("{parent}/{part}") }
}

/// CORS settings in any of their forms: SAM's `Cors: "'*'"` / `{AllowOrigin, AllowCredentials}`,
/// `CorsConfiguration` / function URL `Cors` (`AllowOrigins`, `AllowCredentials`).
pub fn cors(node: &Node, res: &Resolver) -> Option<Cors> {
    let loc = res.loc(node);
    let unquote = |v: Val| match v {
        Val::Known(s, l) => Val::Known(s.trim_matches('\'').to_string(), l),
        other => other,
    };
    match &node.value {
        Value::String(_) => Some(Cors { origins: vec![unquote(res.val(node))], credentials: None, loc }),
        Value::Bool(true) => Some(Cors { origins: vec![Val::Known("*".into(), loc)], credentials: None, loc }),
        Value::Map(_) => {
            let origins = node
                .get("AllowOrigins")
                .or_else(|| node.get("AllowOrigin"))
                .map(|o| res.vals(o).into_iter().map(unquote).collect())
                .unwrap_or_default();
            let credentials = node.get("AllowCredentials").and_then(Node::as_bool);
            Some(Cors { origins, credentials, loc })
        }
        _ => None,
    }
}
