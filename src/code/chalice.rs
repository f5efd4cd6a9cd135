//! AWS Chalice apps: infrastructure declared in code. `.chalice/config.json` and the decorators
//! of the project's `app.py` (`@app.route`, `@app.lambda_function`, `@app.on_s3_event`, …) become
//! a model like any manifest's — functions, a REST API with its routes and their authorizers, the
//! role (`iam_role_arn`, `iam_policy_file`, or the one Chalice generates), environment variables —
//! so the model rules (`auth-*`, `iam-*`) see Chalice apps too.
//!
//! Settings are read as Chalice merges them for one stage: a function's
//! `stages.<stage>.lambda_functions.<name>`, then `stages.<stage>`, then the top level. The stage
//! is `dev` (Chalice's default) when the config has it, else the first stage written.

use super::handlers::{join, parent};
use super::ir::{Expr, ExprKind, FileFacts, Stmt, Target};
use super::stage::CodeBase;
use crate::frontend::policy_document::{self, Owner};
use crate::frontend::values::Resolver;
use crate::loader::{Node, json};
use crate::model::{
    ApiKind, AuthKind, Cors, Format, Function, Loc, Model, Origin, Package, PolicyKind, RoleId, RoleKind, Val,
};

/// The function Chalice deploys for every route of the app.
const API_HANDLER: &str = "api_handler";

/// Decorators that deploy their function as a Lambda function of its own.
const EVENT_DECORATORS: [&str; 11] = [
    "lambda_function",
    "schedule",
    "on_s3_event",
    "on_sns_message",
    "on_sqs_message",
    "on_cw_event",
    "on_dynamodb_record",
    "on_kinesis_record",
    "on_ws_connect",
    "on_ws_message",
    "on_ws_disconnect",
];

/// The models of the Chalice apps among the scanned files, and the standalone policy files they
/// use (their statements belong to the app's role; the caller drops their own models).
pub fn models(base: &CodeBase) -> (Vec<Model>, Vec<String>) {
    let mut models = Vec::new();
    let mut claimed = Vec::new();
    let mut configs: Vec<&String> = base.aux.keys().filter(|p| is_config(p)).collect();
    configs.sort();
    for config in configs {
        let chalice_dir = parent(config);
        let project = parent(chalice_dir);
        let app_py = join(project, "app.py");
        let Some(facts) = base.facts(&app_py) else { continue };
        let Some(text) = base.aux.get(config.as_str()) else { continue };
        // An unreadable config is reported by the JSON loader like any other; the routes still count.
        let doc = std::str::from_utf8(text).ok().and_then(|t| json::parse(t).ok());
        if let Some(m) = build(config, &app_py, facts, doc.as_ref(), base, &mut claimed) {
            models.push(m);
        }
    }
    (models, claimed)
}

fn is_config(path: &str) -> bool {
    path == ".chalice/config.json" || path.ends_with("/.chalice/config.json")
}

/// Settings of one stage, merged the way Chalice merges them.
struct Settings<'a> {
    top: Option<&'a Node>,
    stage: Option<&'a Node>,
    name: String,
}

impl<'a> Settings<'a> {
    fn new(doc: Option<&'a Node>) -> Self {
        let stages = doc.and_then(|d| d.get("stages"));
        let name = match stages.and_then(Node::as_map) {
            Some(entries) if entries.iter().any(|e| e.key == "dev") => "dev".to_string(),
            Some([first, ..]) => first.key.clone(),
            _ => "dev".to_string(),
        };
        Self { top: doc, stage: stages.and_then(|s| s.get(&name)), name }
    }

    /// A setting for `function` (or the app, with `None`), most specific first.
    fn get(&self, key: &str, function: Option<&str>) -> Option<&'a Node> {
        let per_function = function.and_then(|f| self.stage.and_then(|s| s.path(&["lambda_functions", f, key])));
        per_function.or_else(|| self.stage.and_then(|s| s.get(key))).or_else(|| self.top.and_then(|t| t.get(key)))
    }

    /// Environment variables, the stage's and the function's overriding the top level's.
    fn environment(&self, function: &str, res: &Resolver) -> Vec<(String, Val)> {
        let mut out: Vec<(String, Val)> = Vec::new();
        let levels = [
            self.top.and_then(|t| t.get("environment_variables")),
            self.stage.and_then(|s| s.get("environment_variables")),
            self.stage.and_then(|s| s.path(&["lambda_functions", function, "environment_variables"])),
        ];
        for level in levels.into_iter().flatten() {
            for e in level.as_map().unwrap_or(&[]) {
                out.retain(|(k, _)| *k != e.key);
                out.push((e.key.clone(), res.val(&e.value)));
            }
        }
        out
    }
}

fn build(
    config: &str,
    app_py: &str,
    facts: &FileFacts,
    doc: Option<&Node>,
    base: &CodeBase,
    claimed: &mut Vec<String>,
) -> Option<Model> {
    let top = facts.top()?;
    let (app, app_pos, app_name) = app_object(facts, &top.body)?;
    let mut model = Model::new(Format::Chalice, vec![config.to_string(), app_py.to_string()]);
    let cfg = Resolver::new(0);
    let settings = Settings::new(doc);
    let app_name = doc
        .and_then(|d| d.get("app_name"))
        .and_then(Node::as_str)
        .map(str::to_string)
        .or(app_name)
        .unwrap_or_else(|| "app".into());
    let at = |pos: super::ir::Pos| Loc::new(1, pos.span());
    let mut roles = Roles { claimed, policy_file: None, app: app_name.clone() };

    // Routes: one function (`api_handler`) serves them all.
    let routes: Vec<(&super::ir::Func, &Expr, &[super::ir::Arg])> = decorated(facts, &app, &["route"]);
    if !routes.is_empty() {
        let fi = add_function(&mut model, &settings, &cfg, API_HANDLER, "app", at(app_pos), &mut roles, base, config);
        let api = model.add_api(format!("{app_name} API"), ApiKind::Rest, at(app_pos));
        let endpoint_type = settings.get("api_gateway_endpoint_type", None).and_then(Node::as_str);
        model.apis[api].private = endpoint_type.is_some_and(|t| t.eq_ignore_ascii_case("PRIVATE"));
        for (_, decorator, args) in routes {
            let Some(path) = args.iter().find(|a| a.name.is_none()).and_then(|a| a.value.as_str()) else { continue };
            let kwarg = |name: &str| args.iter().find(|a| a.name.as_deref() == Some(name)).map(|a| &a.value);
            let methods: Vec<String> = match kwarg("methods").map(|m| &m.kind) {
                Some(ExprKind::Array(items)) => {
                    items.iter().filter_map(|i| i.as_str().map(str::to_ascii_uppercase)).collect()
                }
                Some(ExprKind::Str { value, .. }) => vec![value.to_ascii_uppercase()],
                Some(_) => vec!["ANY".into()],
                None => vec!["GET".into()],
            };
            let api_key_required = kwarg("api_key_required").is_some_and(|v| matches!(v.kind, ExprKind::Bool(true)));
            let (auth, authorizer_fn) = match kwarg("authorizer") {
                None => (if api_key_required { AuthKind::ApiKey } else { AuthKind::None }, None),
                Some(a) => authorizer_kind(facts, &app, a),
            };
            let authorizer = match (auth, kwarg("authorizer")) {
                (AuthKind::None | AuthKind::ApiKey, _) | (_, None) => None,
                (kind, Some(a)) => {
                    let name = a.path().unwrap_or_else(|| "authorizer".into());
                    let existing = model.authorizers.iter().position(|x| x.name == name);
                    Some(existing.unwrap_or_else(|| model.add_authorizer(name, kind, Some(api), at(a.pos))))
                }
            };
            if let Some(name) = authorizer_fn {
                if model.function_named(&name).is_none() {
                    if let Some(id) = facts.function(&name) {
                        let pos = facts.functions[id].pos;
                        add_function(&mut model, &settings, &cfg, &name, &name, at(pos), &mut roles, base, config);
                    }
                }
            }
            let cors = kwarg("cors").and_then(|c| cors(facts, c, at(c.pos)));
            for method in methods {
                model.endpoints.push(crate::model::Endpoint {
                    kind: ApiKind::Rest,
                    api: Some(api),
                    method,
                    path: path.to_string(),
                    function: Some(fi),
                    auth,
                    authorizer,
                    api_key_required,
                    loc: at(decorator.pos),
                    cors: cors.clone(),
                });
            }
        }
    }
    // Functions of their own: `@app.lambda_function`, event sources, WebSocket handlers.
    for (func, decorator, args) in decorated(facts, &app, &EVENT_DECORATORS) {
        let name = args
            .iter()
            .find(|a| a.name.as_deref() == Some("name"))
            .and_then(|a| a.value.as_str())
            .unwrap_or(&func.name)
            .to_string();
        if model.function_named(&name).is_none() {
            add_function(&mut model, &settings, &cfg, &name, &func.name, at(decorator.pos), &mut roles, base, config);
        }
    }
    if let Some((path, node)) = roles.policy_file.take() {
        model.files.push(path);
        let res = Resolver::new(2);
        let role_ids: Vec<RoleId> =
            (0..model.roles.len()).filter(|r| model.roles[*r].kind == RoleKind::Defined).collect();
        let owner = Owner {
            kind: PolicyKind::Identity,
            origin: Origin::Inline,
            roles: role_ids,
            name: format!("the role of Chalice app {app_name}"),
        };
        model.statements = policy_document::statements(&node, &res, &owner);
    }
    model.link();
    Some(model)
}

/// What the functions' roles are made from: the policy file they share (claimed from the
/// standalone policy models).
struct Roles<'c> {
    claimed: &'c mut Vec<String>,
    policy_file: Option<(String, Node)>,
    /// The app's name: Chalice names the role `<app>-<stage>`.
    app: String,
}

#[allow(clippy::too_many_arguments)]
fn add_function(
    model: &mut Model,
    settings: &Settings<'_>,
    cfg: &Resolver,
    name: &str,
    symbol: &str,
    loc: Loc,
    roles: &mut Roles<'_>,
    base: &CodeBase,
    config: &str,
) -> usize {
    let for_fn = if name == API_HANDLER { Some("api_handler") } else { Some(name) };
    let manage = settings.get("manage_iam_role", for_fn).and_then(Node::as_bool).unwrap_or(true);
    let autogen = settings.get("autogen_policy", for_fn).and_then(Node::as_bool).unwrap_or(true);
    let role = if !manage {
        match settings.get("iam_role_arn", for_fn) {
            Some(arn) => {
                let v = cfg.val(arn);
                Some(model.external_role(v.display(), cfg.loc(arn)))
            }
            None => None,
        }
    } else if autogen {
        // Chalice writes this policy from the SDK calls it finds in the code at deploy time.
        let role_name = format!("{} (generated by Chalice from the code)", settings.name);
        Some(model.external_role(&role_name, loc))
    } else {
        let file = settings
            .get("iam_policy_file", for_fn)
            .and_then(Node::as_str)
            .map_or_else(|| format!("policy-{}.json", settings.name), str::to_string);
        let path = join(parent(config), &file);
        let text = base.aux.get(&path).and_then(|t| std::str::from_utf8(t).ok().map(str::to_string));
        match text.and_then(|t| json::parse(&t).ok()) {
            Some(node) if roles.policy_file.as_ref().is_none_or(|(p, _)| *p == path) => {
                if roles.policy_file.is_none() {
                    roles.claimed.push(path.clone());
                    roles.policy_file = Some((path, node));
                }
                let existing = model.roles.iter().position(|r| r.kind == RoleKind::Defined);
                Some(existing.unwrap_or_else(|| {
                    model.add_role(format!("{}-{}", roles.app, settings.name), loc, RoleKind::Defined)
                }))
            }
            _ => Some(model.external_role(&format!("{file} (not among the scanned files)"), loc)),
        }
    };
    model.functions.push(Function {
        name: name.to_string(),
        loc,
        role,
        role_loc: None,
        runtime: None,
        handler: Some(Val::Known(format!("app.{symbol}"), loc)),
        environment: settings.environment(name, cfg),
        package: Package { file: Some(Val::Known("app.py".into(), loc)), ..Package::default() },
        code: Default::default(),
        cloud: Default::default(),
        // Chalice's tracing / VPC settings are not read: what Lambda may use counts as used.
        platform: None,
    });
    model.functions.len() - 1
}

/// The top-level name bound to `Chalice(app_name=…)`, where, and the app name it gives.
fn app_object(facts: &FileFacts, top: &[Stmt]) -> Option<(String, super::ir::Pos, Option<String>)> {
    top.iter().find_map(|s| {
        let Stmt::Assign { target: Target::Name(n), value, pos } = s else { return None };
        let ExprKind::Call { callee, args } = &value.kind else { return None };
        let name = facts.resolve(callee)?;
        if name != "chalice.Chalice" && name != "chalice.app.Chalice" {
            return None;
        }
        let app_name = args
            .iter()
            .find(|a| a.name.as_deref() == Some("app_name") || a.name.is_none())
            .and_then(|a| a.value.as_str())
            .map(str::to_string);
        Some((n.clone(), *pos, app_name))
    })
}

/// The top-level functions decorated `@app.<one of names>(…)`, with the decorator and its arguments.
fn decorated<'f>(
    facts: &'f FileFacts,
    app: &str,
    names: &[&str],
) -> Vec<(&'f super::ir::Func, &'f Expr, &'f [super::ir::Arg])> {
    let mut out = Vec::new();
    for func in facts.functions.iter().filter(|f| f.parent == Some(0)) {
        for d in &func.decorators {
            let (callee, args): (&Expr, &[super::ir::Arg]) = match &d.kind {
                ExprKind::Call { callee, args } => (callee, args),
                _ => (d, &[]),
            };
            let ExprKind::Member(obj, method) = &callee.kind else { continue };
            if matches!(&obj.kind, ExprKind::Name(n) if n == app) && names.contains(&method.as_str()) {
                out.push((func, d, args));
            }
        }
    }
    out
}

/// How a route's `authorizer=` authenticates, and the app's own authorizer function it names.
fn authorizer_kind(facts: &FileFacts, app: &str, a: &Expr) -> (AuthKind, Option<String>) {
    if let ExprKind::Name(n) = &a.kind {
        if !decorated(facts, app, &["authorizer"]).iter().all(|(f, _, _)| f.name != *n) {
            return (AuthKind::Lambda, Some(n.clone()));
        }
        // `iam = IAMAuthorizer()` at the top level.
        let value = facts.top().and_then(|t| {
            t.body.iter().rev().find_map(|s| match s {
                Stmt::Assign { target: Target::Name(x), value, .. } if x == n => Some(value),
                _ => None,
            })
        });
        return (value.map_or(AuthKind::Unknown, |v| kind_of_call(facts, v)), None);
    }
    (kind_of_call(facts, a), None)
}

fn kind_of_call(facts: &FileFacts, e: &Expr) -> AuthKind {
    let ExprKind::Call { callee, .. } = &e.kind else { return AuthKind::Unknown };
    let name = facts.resolve(callee).unwrap_or_default();
    match name.rsplit('.').next().unwrap_or("") {
        "IAMAuthorizer" => AuthKind::Iam,
        "CognitoUserPoolAuthorizer" => AuthKind::Cognito,
        "CustomAuthorizer" => AuthKind::Lambda,
        _ => AuthKind::Unknown,
    }
}

/// `cors=True` (any origin) or `cors=CORSConfig(allow_origin=…, allow_credentials=…)`.
fn cors(facts: &FileFacts, e: &Expr, loc: Loc) -> Option<Cors> {
    match &e.kind {
        ExprKind::Bool(true) => Some(Cors { origins: vec![Val::Known("*".into(), loc)], credentials: None, loc }),
        ExprKind::Call { callee, args } if facts.resolve(callee).is_some_and(|n| n.ends_with("CORSConfig")) => {
            let kw = |k: &str| args.iter().find(|a| a.name.as_deref() == Some(k)).map(|a| &a.value);
            let origin = match kw("allow_origin") {
                Some(o) => match o.as_str() {
                    Some(s) => Val::Known(s.to_string(), Loc::new(1, o.pos.span())),
                    None => Val::Unknown("an expression".into(), Loc::new(1, o.pos.span())),
                },
                // CORSConfig's default origin is `*`.
                None => Val::Known("*".into(), loc),
            };
            let credentials = kw("allow_credentials").and_then(|c| match c.kind {
                ExprKind::Bool(b) => Some(b),
                _ => None,
            });
            Some(Cors { origins: vec![origin], credentials, loc })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn model(config: &str, app: &str, extra: &[(&str, &str)]) -> (Vec<Model>, Vec<String>) {
        let mut base = CodeBase::default();
        base.aux.insert("svc/.chalice/config.json".into(), Arc::new(config.as_bytes().to_vec()));
        for (p, t) in extra {
            base.aux.insert(p.to_string(), Arc::new(t.as_bytes().to_vec()));
        }
        base.files.insert("svc/app.py".into(), Arc::new(super::super::python::lower("svc/app.py", app.as_bytes())));
        models(&base)
    }

    const APP: &str = "from chalice import Chalice, IAMAuthorizer, CognitoUserPoolAuthorizer, CORSConfig\n\
app = Chalice(app_name='shop')\n\
iam = IAMAuthorizer()\n\
pool = CognitoUserPoolAuthorizer('Users', provider_arns=['arn:aws:cognito-idp:eu-west-1:123456789012:userpool/x'])\n\
@app.authorizer()\n\
def mine(auth_request):\n    return None\n\
@app.route('/public')\n\
def public():\n    return {}\n\
@app.route('/iam', methods=['POST', 'PUT'], authorizer=iam)\n\
def with_iam():\n    return {}\n\
@app.route('/pool', authorizer=pool, cors=CORSConfig(allow_origin='https://shop.example.com'))\n\
def with_pool():\n    return {}\n\
@app.route('/mine', authorizer=mine)\n\
def with_mine():\n    return {}\n\
@app.route('/key', api_key_required=True, cors=True)\n\
def with_key():\n    return {}\n\
@app.route('/other', authorizer=make())\n\
def other():\n    return {}\n\
@app.schedule('rate(1 hour)')\n\
def hourly(event):\n    return None\n";

    #[test]
    fn routes_authorizers_functions_and_settings() {
        let config = r#"{"app_name": "shop", "environment_variables": {"A": "1", "B": "top"},
            "stages": {"prod": {"manage_iam_role": false, "iam_role_arn": "arn:aws:iam::123456789012:role/shop",
              "environment_variables": {"B": "prod"},
              "lambda_functions": {"hourly": {"environment_variables": {"C": "3"}}}}}}"#;
        let (models, claimed) = model(config, APP, &[]);
        assert!(claimed.is_empty());
        let [m] = models.as_slice() else { panic!("one model: {models:?}") };
        assert_eq!(m.format, Format::Chalice);
        let routes: Vec<String> = m
            .endpoints
            .iter()
            .map(|e| format!("{} {} {} key={}", e.method, e.path, e.auth.as_str(), e.api_key_required))
            .collect();
        assert_eq!(
            routes,
            [
                "GET /public none key=false",
                "POST /iam iam key=false",
                "PUT /iam iam key=false",
                "GET /pool cognito key=false",
                "GET /mine lambda key=false",
                "GET /key api-key key=true",
                "GET /other unknown key=false",
            ]
        );
        let cors: Vec<Option<&str>> =
            m.endpoints.iter().map(|e| e.cors.as_ref().map(|c| c.origins[0].display())).collect();
        assert_eq!(cors[3], Some("https://shop.example.com"));
        assert_eq!(cors[5], Some("*"));
        let mut names: Vec<&str> = m.functions.iter().map(|f| f.name.as_str()).collect();
        names.sort();
        assert_eq!(names, ["api_handler", "hourly", "mine"]);
        // The stage (the only one, `prod`) gives an external role to every function.
        for f in &m.functions {
            let role = &m.roles[f.role.expect("a role")];
            assert_eq!(
                (role.kind.clone(), role.name.as_str()),
                (RoleKind::External, "arn:aws:iam::123456789012:role/shop")
            );
        }
        let hourly = &m.functions[m.function_named("hourly").expect("hourly")];
        let env: Vec<String> = hourly.environment.iter().map(|(k, v)| format!("{k}={}", v.display())).collect();
        assert_eq!(env, ["A=1", "B=prod", "C=3"]);
        let api = &m.functions[m.function_named("api_handler").expect("api")];
        assert_eq!(api.handler.as_ref().and_then(Val::known), Some("app.app"));
    }

    #[test]
    fn policy_file_statements_belong_to_the_role() {
        let config = r#"{"app_name": "shop", "autogen_policy": false}"#;
        let policy =
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}"#;
        let (models, claimed) = model(config, APP, &[("svc/.chalice/policy-dev.json", policy)]);
        assert_eq!(claimed, ["svc/.chalice/policy-dev.json"]);
        let m = &models[0];
        assert_eq!(m.files[2], "svc/.chalice/policy-dev.json");
        assert_eq!(m.statements.len(), 1);
        let role = m.statements[0].roles[0];
        assert_eq!(m.roles[role].name, "shop-dev");
        assert_eq!(m.roles[role].functions.len(), 3);
        // Without the file, the role is unknown, and says so.
        let (models, _) = model(config, APP, &[]);
        assert!(models[0].roles.iter().all(|r| r.kind == RoleKind::External && r.name.contains("not among")));
    }

    #[test]
    fn an_app_py_without_chalice_is_not_an_app() {
        let (models, _) = model("{}", "from flask import Flask\napp = Flask(__name__)\n", &[]);
        assert!(models.is_empty());
    }
}
