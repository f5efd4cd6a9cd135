//! Entities and their fields: what model rules can test. Each field is computed here, in Rust,
//! from the model and the derived IAM facts, so rule files only name fields and values. The
//! registry below is the single source of the field list: rule validation and
//! docs/model-fields.md are generated from it.

use crate::iam::analysis::{self, StatementFacts, is_wildcard_resource};
use crate::model::{Effect, Loc, Model, Origin, PolicyKind, RoleKind, Statement, Val};
use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntityKind {
    Statement,
    Role,
    ManagedPolicy,
    SamTemplate,
    Function,
    Endpoint,
    Api,
    Authorizer,
    Permission,
    Cors,
}

impl EntityKind {
    pub const ALL: [EntityKind; 10] = [
        EntityKind::Function,
        EntityKind::Statement,
        EntityKind::Role,
        EntityKind::ManagedPolicy,
        EntityKind::SamTemplate,
        EntityKind::Endpoint,
        EntityKind::Api,
        EntityKind::Authorizer,
        EntityKind::Permission,
        EntityKind::Cors,
    ];

    pub fn name(self) -> &'static str {
        match self {
            EntityKind::Statement => "statement",
            EntityKind::Role => "role",
            EntityKind::ManagedPolicy => "managed_policy",
            EntityKind::SamTemplate => "sam_template",
            EntityKind::Function => "function",
            EntityKind::Endpoint => "endpoint",
            EntityKind::Api => "api",
            EntityKind::Authorizer => "authorizer",
            EntityKind::Permission => "permission",
            EntityKind::Cors => "cors",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == s)
    }

    pub fn doc(self) -> &'static str {
        match self {
            EntityKind::Statement => {
                "An IAM policy statement: identity (role, user, group, managed policy), trust (who may assume a role) or resource policy; inline, from an AWS managed policy, or from a SAM policy template."
            }
            EntityKind::Role => "An execution role (or user / group) with the functions that run with it.",
            EntityKind::ManagedPolicy => "A managed policy attached by name or ARN.",
            EntityKind::SamTemplate => "A SAM policy template used in a function's `Policies`.",
            EntityKind::Function => "A function (Lambda), with its role, runtime, handler and environment.",
            EntityKind::Endpoint => {
                "A route by which a function can be invoked over the network (REST / HTTP / WebSocket API route, function URL, Azure HTTP trigger, …) with its effective authentication."
            }
            EntityKind::Api => {
                "An API (API Gateway REST, HTTP or WebSocket API, AppSync API) holding routes and authorizers."
            }
            EntityKind::Authorizer => "An authorizer defined on an API (Lambda, Cognito, JWT).",
            EntityKind::Permission => {
                "A resource-based policy statement on a function: who may invoke it (`AWS::Lambda::Permission`, `aws_lambda_permission`, cloud IAM bindings)."
            }
            EntityKind::Cors => "A CORS setting: of an API, or of one route or function URL.",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Bool,
    Number,
    Text,
    List,
}

impl FieldType {
    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::Bool => "bool",
            FieldType::Number => "number",
            FieldType::Text => "text",
            FieldType::List => "list",
        }
    }
}

/// (entity, field, type, description)
pub const FIELDS: &[(EntityKind, &str, FieldType, &str)] = &[
    // function
    (EntityKind::Function, "name", FieldType::Text, "the function's name (function key, logical id, resource name)"),
    (EntityKind::Function, "format", FieldType::Text, "the manifest format"),
    (EntityKind::Function, "runtime", FieldType::Text, "its runtime (`nodejs20.x`), empty when unknown"),
    (
        EntityKind::Function,
        "runtime_deprecated",
        FieldType::List,
        "the date AWS deprecated its runtime (no more security patches), with where the runtime is set; empty for supported or unknown runtimes, and for functions of other clouds",
    ),
    (
        EntityKind::Function,
        "runtime_functions",
        FieldType::List,
        "the functions whose runtime is set at the same place as this one's (a provider-level or `Globals` runtime), this one included",
    ),
    (EntityKind::Function, "cloud", FieldType::Text, "the cloud it runs on: `aws`, `gcp`, `azure` or `other`"),
    (EntityKind::Function, "role", FieldType::Text, "the name of its role, empty when unknown"),
    (EntityKind::Function, "role_kind", FieldType::Text, "its role's kind (see `role.kind`), empty when it has none"),
    (
        EntityKind::Function,
        "role_ref",
        FieldType::List,
        "where its role is named (`Role:`, `role:`); when the function does not name it, where the role is set (the `provider.iam` of the Serverless Framework's shared role), else the function itself",
    ),
    (EntityKind::Function, "shares_role_with", FieldType::List, "the other functions that run with the same role"),
    (
        EntityKind::Function,
        "role_functions",
        FieldType::List,
        "every function that runs with its role, this one included",
    ),
    (
        EntityKind::Function,
        "role_beyond_logging",
        FieldType::List,
        "what its role grants beyond the Lambda execution baseline (logs, X-Ray, VPC network interfaces), as written; for a role defined elsewhere, a note that its permissions cannot be seen",
    ),
    (
        EntityKind::Function,
        "role_permissions",
        FieldType::List,
        "the actions its role's Allow identity statements grant",
    ),
    (EntityKind::Function, "subject", FieldType::Text, "the function, for messages"),
    (
        EntityKind::Function,
        "code",
        FieldType::Text,
        "its handler, `file:symbol`, when the code stage linked it (empty otherwise)",
    ),
    (EntityKind::Function, "code_unknown", FieldType::Text, "why its code could not be linked (empty when it was)"),
    (EntityKind::Function, "code_files", FieldType::List, "the files of its code: the handler's and those it imports"),
    // endpoint
    (
        EntityKind::Endpoint,
        "kind",
        FieldType::Text,
        "`rest`, `http`, `websocket`, `function-url`, `appsync`, `azure-http`, `gcp-http`",
    ),
    (EntityKind::Endpoint, "format", FieldType::Text, "the manifest format"),
    (EntityKind::Endpoint, "method", FieldType::Text, "upper-case HTTP method, `ANY` for all"),
    (EntityKind::Endpoint, "path", FieldType::Text, "the route's path (or WebSocket route key)"),
    (EntityKind::Endpoint, "route", FieldType::Text, "`METHOD path`, as in `public_routes`"),
    (EntityKind::Endpoint, "function", FieldType::Text, "the function it invokes, empty when unknown"),
    (EntityKind::Endpoint, "api", FieldType::Text, "the API it belongs to"),
    (
        EntityKind::Endpoint,
        "auth",
        FieldType::Text,
        "effective authentication: `none`, `iam`, `cognito`, `jwt`, `lambda`, `api-key`, `function-key`, `unknown` (route setting, else the API's default)",
    ),
    (EntityKind::Endpoint, "authorizer", FieldType::Text, "the authorizer's name, when one applies"),
    (EntityKind::Endpoint, "api_key_required", FieldType::Bool, "callers must send an API key"),
    (EntityKind::Endpoint, "preflight", FieldType::Bool, "an `OPTIONS` route (CORS preflight, public by design)"),
    (
        EntityKind::Endpoint,
        "api_private",
        FieldType::Bool,
        "its API is private (a `PRIVATE` endpoint), or its resource policy admits only given VPC endpoints, VPCs or accounts to this route (IP ranges, dates and deny-lists do not count)",
    ),
    (
        EntityKind::Endpoint,
        "declared_public",
        FieldType::Bool,
        "the route is listed in the configuration's `public_routes`",
    ),
    (
        EntityKind::Endpoint,
        "cors_any_origin",
        FieldType::Bool,
        "CORS (of the route or its API) allows any origin (`*`)",
    ),
    (EntityKind::Endpoint, "cors_credentials", FieldType::Bool, "CORS allows credentials"),
    (EntityKind::Endpoint, "subject", FieldType::Text, "the route and its function, for messages"),
    (
        EntityKind::Endpoint,
        "code_authenticates",
        FieldType::List,
        "where its function's code verifies a caller's token itself (JWT, JWKS, Cognito verifiers), as `what (file:line)`",
    ),
    (
        EntityKind::Endpoint,
        "code_privileged",
        FieldType::List,
        "privileged things its function's code does (runs commands, writes or deletes data, calls IAM/STS), as `what (file:line)`",
    ),
    // api
    (EntityKind::Api, "name", FieldType::Text, "the API's name (logical id, resource name)"),
    (EntityKind::Api, "kind", FieldType::Text, "as `endpoint.kind`"),
    (EntityKind::Api, "format", FieldType::Text, "the manifest format"),
    (EntityKind::Api, "authorizers", FieldType::List, "authorizers defined on it"),
    (
        EntityKind::Api,
        "default_auth",
        FieldType::Text,
        "the authentication its routes get when they say nothing (`none` when there is no default)",
    ),
    (
        EntityKind::Api,
        "auth_types",
        FieldType::List,
        "AppSync: its authentication types (`API_KEY`, `AWS_IAM`, `AMAZON_COGNITO_USER_POOLS`, `OPENID_CONNECT`, `AWS_LAMBDA`), default first",
    ),
    (EntityKind::Api, "default_auth_type", FieldType::Text, "AppSync: its default authentication type"),
    (EntityKind::Api, "routes", FieldType::Number, "how many routes of it slsguard sees"),
    (
        EntityKind::Api,
        "authenticated_routes",
        FieldType::Number,
        "how many of them require IAM, Cognito, JWT or a Lambda authorizer",
    ),
    (
        EntityKind::Api,
        "private",
        FieldType::Bool,
        "private: a `PRIVATE` endpoint, or a resource policy that admits only given VPC endpoints, VPCs or accounts",
    ),
    (
        EntityKind::Api,
        "external_definition",
        FieldType::Bool,
        "its OpenAPI definition is in another file (`DefinitionUri`, `BodyS3Location`, `body = file(…)`): its routes and authorizers are not seen",
    ),
    (EntityKind::Api, "cors_any_origin", FieldType::Bool, "its CORS allows any origin"),
    (EntityKind::Api, "cors_credentials", FieldType::Bool, "its CORS allows credentials"),
    (EntityKind::Api, "subject", FieldType::Text, "the API, for messages"),
    // authorizer
    (EntityKind::Authorizer, "name", FieldType::Text, "the authorizer's name"),
    (EntityKind::Authorizer, "kind", FieldType::Text, "`lambda`, `cognito`, `jwt`, `iam`, `api-key` or `unknown`"),
    (EntityKind::Authorizer, "api", FieldType::Text, "the API it is defined on"),
    (
        EntityKind::Authorizer,
        "used",
        FieldType::Bool,
        "some route (or the API's default) uses it, or an OpenAPI `security` requirement names it",
    ),
    (
        EntityKind::Authorizer,
        "api_routes",
        FieldType::Number,
        "how many routes of its API slsguard sees (0 when they are defined elsewhere)",
    ),
    (EntityKind::Authorizer, "format", FieldType::Text, "the manifest format"),
    // permission
    (EntityKind::Permission, "function", FieldType::Text, "the function, as written"),
    (EntityKind::Permission, "format", FieldType::Text, "the manifest format"),
    (
        EntityKind::Permission,
        "cloud",
        FieldType::Text,
        "`aws` (a Lambda resource policy: `AWS::Lambda::Permission`, `aws_lambda_permission`) or `gcp` (an IAM member or binding on a Cloud Function or Cloud Run service)",
    ),
    (EntityKind::Permission, "principal", FieldType::Text, "who is allowed (`*`, a service, an account, `allUsers`)"),
    (
        EntityKind::Permission,
        "action",
        FieldType::Text,
        "the action granted (`lambda:InvokeFunction`, a cloud IAM role)",
    ),
    (EntityKind::Permission, "invoke", FieldType::Bool, "the permission lets the principal invoke the function"),
    (EntityKind::Permission, "action_ref", FieldType::List, "the action, where it is written"),
    (
        EntityKind::Permission,
        "invoke_only",
        FieldType::Bool,
        "the action is exactly invoking (`lambda:InvokeFunction`, `lambda:InvokeFunctionUrl`, an invoker role)",
    ),
    (
        EntityKind::Permission,
        "unrestricted",
        FieldType::List,
        "why the permission lets anyone, or a service for any account or resource, invoke the function (`open_to_anyone` and `open_to_any_source` together)",
    ),
    (
        EntityKind::Permission,
        "open_to_anyone",
        FieldType::List,
        "why anyone can invoke the function: `Principal: \"*\"` (or `allUsers`), unless it only opens a function URL this model shows (whose auth type then decides)",
    ),
    (
        EntityKind::Permission,
        "open_to_any_source",
        FieldType::List,
        "why a service can invoke the function on behalf of any account or resource (confused deputy): a service principal with no `SourceArn` / `SourceAccount`, or a `SourceArn` whose account, API or resource is a wildcard",
    ),
    (EntityKind::Permission, "subject", FieldType::Text, "the function, for messages"),
    // cors
    (EntityKind::Cors, "origins", FieldType::List, "the allowed origins"),
    (EntityKind::Cors, "any_origin", FieldType::Bool, "any origin (`*`) is allowed"),
    (EntityKind::Cors, "credentials", FieldType::Bool, "credentials (cookies, authorization headers) are allowed"),
    (EntityKind::Cors, "authenticated", FieldType::Bool, "it applies to routes that require authentication"),
    (
        EntityKind::Cors,
        "problems",
        FieldType::List,
        "what makes it unsafe: any origin with credentials, any origin on authenticated routes",
    ),
    (EntityKind::Cors, "format", FieldType::Text, "the manifest format"),
    (EntityKind::Cors, "subject", FieldType::Text, "the API or route it belongs to, for messages"),
    // statement
    (EntityKind::Statement, "effect", FieldType::Text, "`Allow`, `Deny`, or empty when missing or unresolved"),
    (EntityKind::Statement, "kind", FieldType::Text, "`identity`, `trust` or `resource`"),
    (
        EntityKind::Statement,
        "origin",
        FieldType::Text,
        "`inline` (written in the manifest), `aws-managed` or `sam-template`",
    ),
    (
        EntityKind::Statement,
        "format",
        FieldType::Text,
        "the manifest format: `serverless`, `sam`, `cloudformation`, `terraform`, `policy-document`",
    ),
    (
        EntityKind::Statement,
        "owner",
        FieldType::Text,
        "what the statement belongs to, for messages (`role LambdaRole (policy p)`)",
    ),
    (
        EntityKind::Statement,
        "actions",
        FieldType::List,
        "the `Action` values as written (unresolved ones as their expression)",
    ),
    (EntityKind::Statement, "resources", FieldType::List, "the `Resource` values as written"),
    (EntityKind::Statement, "principals", FieldType::List, "the `Principal` values, as `KIND:value`"),
    (
        EntityKind::Statement,
        "not_action",
        FieldType::List,
        "the `NotAction` values (non-empty when the statement uses NotAction)",
    ),
    (
        EntityKind::Statement,
        "not_resource",
        FieldType::List,
        "the `NotResource` values (non-empty when the statement uses NotResource)",
    ),
    (EntityKind::Statement, "has_condition", FieldType::Bool, "the statement has a `Condition`"),
    (
        EntityKind::Statement,
        "conditional",
        FieldType::Bool,
        "the statement is deployed only under a template condition (a branch of `Fn::If`); both branches are analysed",
    ),
    (EntityKind::Statement, "action_wildcard", FieldType::List, "`*` / `*:*` actions of an Allow identity statement"),
    (EntityKind::Statement, "service_wildcards", FieldType::List, "`service:*` actions of an Allow identity statement"),
    (
        EntityKind::Statement,
        "resource_wildcard",
        FieldType::List,
        "`*` resources (or all-wildcard ARNs) of an Allow identity statement",
    ),
    (
        EntityKind::Statement,
        "mutating_on_wildcard",
        FieldType::List,
        "Write and Permissions-management actions (partial wildcards like `s3:Put*` expanded against the IAM catalog) granted on every resource (`*`, or an ARN pattern that names nothing, such as `arn:aws:s3:::*`), except: actions AWS only grants on `*`, the Lambda execution baseline (logs, X-Ray, VPC network interfaces, durable-execution checkpoints) and event-source polling (`sqs:DeleteMessage`…) where a function using the role needs them (or that cannot be known), what a condition silences or an explicit Deny of the same role takes away, what other fields report (sensitive reads, escalation actions), and what `*`, `service:*` and NotAction statements imply (reported whole). An AWS managed policy's grants are listed on its first statement, unless the policy is reported whole as administrator or full access",
    ),
    (
        EntityKind::Statement,
        "sensitive_on_wildcard",
        FieldType::List,
        "secret- and data-reading actions (`secretsmanager:GetSecretValue`, `kms:Decrypt`, `ssm:GetParameter*`, `s3:GetObject`, …) granted on every resource by named actions, with the exceptions of `mutating_on_wildcard`",
    ),
    (
        EntityKind::Statement,
        "narrowing",
        FieldType::Text,
        "when conditions narrow every grant of `mutating_on_wildcard` and `sensitive_on_wildcard` without removing them (`dynamodb:LeadingKeys`), a note naming them (for messages; empty otherwise)",
    ),
    (
        EntityKind::Statement,
        "via",
        FieldType::Text,
        "for a statement that comes from an AWS managed policy or a SAM policy template, ` through AWS managed policy `NAME`` (for messages; empty for statements written in the manifest)",
    ),
    (
        EntityKind::Statement,
        "unknown_actions",
        FieldType::List,
        "`Action` / `NotAction` values that name no IAM action (an unknown service prefix, a misspelled action, a pattern that matches nothing), with the closest real name; IAM ignores case, and unresolved values are never listed",
    ),
    (
        EntityKind::Statement,
        "escalation",
        FieldType::List,
        "privilege-escalation actions granted, directly or through wildcards, and `iam:PassRole` paired with a service that runs code with the passed role",
    ),
    (
        EntityKind::Statement,
        "any_principal",
        FieldType::List,
        "principals that are anyone (`*`, `AWS: *`, an ARN with no account) in an Allow trust or resource statement with no condition that restricts them",
    ),
    (
        EntityKind::Statement,
        "unguarded_accounts",
        FieldType::List,
        "accounts a trust policy lets assume the role without `sts:ExternalId` or MFA conditions",
    ),
    (EntityKind::Statement, "functions", FieldType::List, "functions that receive the statement (through their role)"),
    (EntityKind::Statement, "function_count", FieldType::Number, "how many functions receive it"),
    (
        EntityKind::Statement,
        "subject",
        FieldType::Text,
        "who gets the permission, for messages: the functions and their role, or the owner",
    ),
    // role
    (EntityKind::Role, "name", FieldType::Text, "the role's name (logical id, resource address, ARN)"),
    (EntityKind::Role, "noun", FieldType::Text, "`role`, `user` or `group`"),
    (
        EntityKind::Role,
        "kind",
        FieldType::Text,
        "`defined`, `serverless-default` (the role the Serverless Framework shares between functions), `sam-generated` or `external`",
    ),
    (EntityKind::Role, "format", FieldType::Text, "the manifest format"),
    (EntityKind::Role, "functions", FieldType::List, "functions that run with this role"),
    (EntityKind::Role, "function_count", FieldType::Number, "how many functions run with it"),
    (
        EntityKind::Role,
        "permissions",
        FieldType::List,
        "the actions its Allow identity statements grant (inline and managed), as written",
    ),
    (
        EntityKind::Role,
        "beyond_logging",
        FieldType::List,
        "the actions it grants beyond the Lambda execution baseline (logs, X-Ray, VPC network interfaces, durable-execution checkpoints: what `AWSLambdaBasicExecutionRole`, `AWSLambdaVPCAccessExecutionRole`, `AWSXRayDaemonWriteAccess` and `AWSLambdaBasicDurableExecutionRolePolicy` grant), as written",
    ),
    (EntityKind::Role, "subject", FieldType::Text, "the role, for messages"),
    // managed policy
    (EntityKind::ManagedPolicy, "name", FieldType::Text, "the AWS managed policy's name, or the reference as written"),
    (EntityKind::ManagedPolicy, "aws", FieldType::Bool, "the reference is an AWS managed policy slsguard knows"),
    (
        EntityKind::ManagedPolicy,
        "admin",
        FieldType::List,
        "why the policy amounts to administrator access (every action on every resource, NotAction on `*`, or `iam:*` on `*`)",
    ),
    (
        EntityKind::ManagedPolicy,
        "full_access_services",
        FieldType::List,
        "services the policy grants `service:*` on `*` without condition",
    ),
    (
        EntityKind::ManagedPolicy,
        "conditional",
        FieldType::Bool,
        "attached only under a template condition (a branch of `Fn::If`)",
    ),
    (EntityKind::ManagedPolicy, "roles", FieldType::List, "roles it is attached to"),
    (EntityKind::ManagedPolicy, "functions", FieldType::List, "functions that receive it"),
    (EntityKind::ManagedPolicy, "function_count", FieldType::Number, "how many functions receive it"),
    (EntityKind::ManagedPolicy, "format", FieldType::Text, "the manifest format"),
    (EntityKind::ManagedPolicy, "subject", FieldType::Text, "who gets the policy, for messages"),
    // SAM template
    (EntityKind::SamTemplate, "name", FieldType::Text, "the template's name (`S3CrudPolicy`)"),
    (EntityKind::SamTemplate, "parameters", FieldType::List, "its parameters, as `Name: value`"),
    (
        EntityKind::SamTemplate,
        "wildcard_parameters",
        FieldType::List,
        "parameters given `*` (or a value containing `*`), which widen the template to every resource of its kind",
    ),
    (
        EntityKind::SamTemplate,
        "mutating_on_wildcard",
        FieldType::List,
        "Write and Permissions-management actions the expanded template grants on `*` without condition",
    ),
    (
        EntityKind::SamTemplate,
        "broad",
        FieldType::List,
        "why the template spans every resource: its wildcard parameters, and the mutating actions it grants on `*`",
    ),
    (EntityKind::SamTemplate, "functions", FieldType::List, "functions that use the template"),
    (EntityKind::SamTemplate, "subject", FieldType::Text, "who gets the template's permissions, for messages"),
];

pub fn field_type(entity: EntityKind, name: &str) -> Option<FieldType> {
    FIELDS.iter().find(|(e, n, _, _)| *e == entity && *n == name).map(|f| f.2)
}

pub fn field_names(entity: EntityKind) -> Vec<&'static str> {
    FIELDS.iter().filter(|f| f.0 == entity).map(|f| f.1).collect()
}

/// A field's value; list items carry where they were written, when known.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    Bool(bool),
    Number(i64),
    Text(String),
    List(Vec<(String, Option<Loc>)>),
}

impl FieldValue {
    pub fn truthy(&self) -> bool {
        match self {
            FieldValue::Bool(b) => *b,
            FieldValue::Number(n) => *n != 0,
            FieldValue::Text(s) => !s.is_empty(),
            FieldValue::List(l) => !l.is_empty(),
        }
    }

    /// Text for messages: lists as `a`, `b` and N more.
    pub fn render(&self) -> String {
        match self {
            FieldValue::Bool(b) => b.to_string(),
            FieldValue::Number(n) => n.to_string(),
            FieldValue::Text(s) => s.clone(),
            FieldValue::List(items) if items.is_empty() => "none that slsguard can see".to_string(),
            FieldValue::List(items) => {
                const SHOWN: usize = 6;
                // Values are quoted as code; explanations (which quote their own values) are not.
                let mut parts: Vec<String> = items
                    .iter()
                    .take(SHOWN)
                    .map(|(s, _)| if s.contains('`') { s.clone() } else { format!("`{s}`") })
                    .collect();
                if items.len() > SHOWN {
                    parts.push(format!("and {} more", items.len() - SHOWN));
                }
                parts.join(", ")
            }
        }
    }

    pub fn first_loc(&self) -> Option<Loc> {
        match self {
            FieldValue::List(items) => items.iter().find_map(|(_, l)| *l),
            _ => None,
        }
    }
}

/// Everything the fields of one model's entities are computed from.
pub struct Context<'m> {
    pub model: &'m Model,
    pub facts: Vec<StatementFacts>,
    /// Routes the configuration declares public on purpose (`GET /health`).
    pub public_routes: &'m [String],
    /// The CORS settings: of APIs, and of routes that have their own.
    cors: Vec<CorsOwner>,
}

#[derive(Debug, Clone, Copy)]
enum CorsOwner {
    Api(usize),
    Endpoint(usize),
}

impl<'m> Context<'m> {
    pub fn new(model: &'m Model) -> Self {
        Self::with_public_routes(model, &[])
    }

    pub fn with_public_routes(model: &'m Model, public_routes: &'m [String]) -> Self {
        let cors = model
            .apis
            .iter()
            .enumerate()
            .filter(|(_, a)| a.cors.is_some())
            .map(|(i, _)| CorsOwner::Api(i))
            .chain(
                model
                    .endpoints
                    .iter()
                    .enumerate()
                    .filter(|(_, e)| e.cors.is_some())
                    .map(|(i, _)| CorsOwner::Endpoint(i)),
            )
            .collect();
        Self { model, facts: analysis::analyze(model), public_routes, cors }
    }

    pub fn count(&self, kind: EntityKind) -> usize {
        match kind {
            EntityKind::Statement => self.model.statements.len(),
            EntityKind::Role => self.model.roles.len(),
            EntityKind::ManagedPolicy => self.model.managed_policies.len(),
            EntityKind::SamTemplate => self.model.sam_templates.len(),
            EntityKind::Function => self.model.functions.len(),
            EntityKind::Endpoint => self.model.endpoints.len(),
            EntityKind::Api => self.model.apis.len(),
            EntityKind::Authorizer => self.model.authorizers.len(),
            EntityKind::Permission => self.model.permissions.len(),
            EntityKind::Cors => self.cors.len(),
        }
    }

    /// Where entity `i` is written.
    pub fn loc(&self, kind: EntityKind, i: usize) -> Loc {
        let m = self.model;
        match kind {
            EntityKind::Statement => m.statements[i].loc,
            EntityKind::Role => m.roles[i].loc,
            EntityKind::ManagedPolicy => m.managed_policies[i].reference.loc(),
            EntityKind::SamTemplate => m.sam_templates[i].loc,
            EntityKind::Function => m.functions[i].loc,
            EntityKind::Endpoint => m.endpoints[i].loc,
            EntityKind::Api => m.apis[i].loc,
            EntityKind::Authorizer => m.authorizers[i].loc,
            EntityKind::Permission => m.permissions[i].loc,
            EntityKind::Cors => self.cors_setting(i).map_or_else(Loc::default, |c| c.loc),
        }
    }

    /// The roles whose functions receive entity `i`.
    pub fn roles_of(&self, kind: EntityKind, i: usize) -> Vec<usize> {
        let m = self.model;
        match kind {
            EntityKind::Statement => m.statements[i].roles.clone(),
            EntityKind::Role => vec![i],
            EntityKind::ManagedPolicy => m.managed_policies[i].roles.clone(),
            EntityKind::SamTemplate => m.sam_templates[i].roles.clone(),
            // These name their function (or API) in the message already.
            EntityKind::Function
            | EntityKind::Endpoint
            | EntityKind::Api
            | EntityKind::Authorizer
            | EntityKind::Permission
            | EntityKind::Cors => Vec::new(),
        }
    }

    /// A stable identity for fingerprints: what the entity is, never where. It names everything
    /// that tells two entities of a file apart (the function a route or URL invokes, a
    /// statement's Sid and conditions, a permission's source), so that a baseline entry for one
    /// cannot hide another; the few that remain equal are numbered by `finding::disambiguate`.
    pub fn identity(&self, kind: EntityKind, i: usize) -> String {
        let m = self.model;
        let join = |v: &[Val]| v.iter().map(Val::display).collect::<Vec<_>>().join(",");
        let opt = |v: &Option<Val>| v.as_ref().map(|v| v.display().to_string()).unwrap_or_default();
        let function = |f: Option<usize>| f.and_then(|f| m.functions.get(f)).map_or("", |f| f.name.as_str());
        match kind {
            EntityKind::Statement => {
                let s = &m.statements[i];
                let p: Vec<String> = s.principals.iter().map(|p| format!("{}:{}", p.kind, p.value.display())).collect();
                let np: Vec<String> =
                    s.not_principals.iter().map(|p| format!("{}:{}", p.kind, p.value.display())).collect();
                let c: Vec<String> =
                    s.conditions.iter().map(|c| format!("{}:{}={}", c.operator, c.key, join(&c.values))).collect();
                format!(
                    "{}|{:?}|{}|{}|{}|{}|{}|{}|{}|{}",
                    s.owner,
                    s.effect,
                    join(&s.actions),
                    join(&s.not_actions),
                    join(&s.resources),
                    join(&s.not_resources),
                    p.join(","),
                    np.join(","),
                    s.sid.as_deref().unwrap_or_default(),
                    c.join(",")
                )
            }
            EntityKind::Role => m.roles[i].name.clone(),
            EntityKind::ManagedPolicy => format!(
                "{}|{}",
                m.managed_policies[i].reference.display(),
                self.role_names(&m.managed_policies[i].roles).join(",")
            ),
            EntityKind::SamTemplate => {
                let t = &m.sam_templates[i];
                let p: Vec<String> = t.parameters.iter().map(|(k, v)| format!("{k}={}", v.display())).collect();
                format!("{}|{}|{}", t.name, p.join(","), self.role_names(&t.roles).join(","))
            }
            EntityKind::Function => m.functions[i].name.clone(),
            EntityKind::Endpoint => {
                let e = &m.endpoints[i];
                let api = e.api.and_then(|a| m.apis.get(a)).map_or("", |a| a.name.as_str());
                format!("{}|{api}|{} {}|{}", e.kind.as_str(), e.method, e.path, function(e.function))
            }
            EntityKind::Api => m.apis[i].name.clone(),
            EntityKind::Authorizer => {
                let a = &m.authorizers[i];
                format!("{}|{}", a.api.and_then(|x| m.apis.get(x)).map_or("", |x| x.name.as_str()), a.name)
            }
            EntityKind::Permission => {
                let p = &m.permissions[i];
                format!(
                    "{}|{}|{}|{}|{}|{}",
                    p.function_ref,
                    p.principal.display(),
                    p.action.display(),
                    opt(&p.source_arn),
                    opt(&p.source_account),
                    opt(&p.org_id)
                )
            }
            EntityKind::Cors => match self.cors[i] {
                CorsOwner::Api(a) => format!("api|{}", self.identity(EntityKind::Api, a)),
                CorsOwner::Endpoint(e) => format!("endpoint|{}", self.identity(EntityKind::Endpoint, e)),
            },
        }
    }

    fn role_names(&self, roles: &[usize]) -> Vec<String> {
        roles.iter().filter_map(|r| self.model.roles.get(*r)).map(|r| r.name.clone()).collect()
    }

    fn functions(&self, roles: &[usize]) -> FieldValue {
        FieldValue::List(
            self.model
                .functions_of(roles)
                .into_iter()
                .map(|f| (self.model.functions[f].name.clone(), Some(self.model.functions[f].loc)))
                .collect(),
        )
    }

    /// "functions `a`, `b` (role `R`)" or, with no function, `fallback`.
    fn subject(&self, roles: &[usize], fallback: &str) -> String {
        let funcs = self.model.functions_of(roles);
        let names: Vec<String> = funcs.iter().map(|f| format!("`{}`", self.model.functions[*f].name)).collect();
        let role_names: Vec<String> = roles
            .iter()
            .filter_map(|r| self.model.roles.get(*r))
            .filter(|r| r.kind != RoleKind::SamGenerated)
            .map(|r| format!("{} `{}`", r.noun, r.name))
            .collect();
        match (names.len(), role_names.is_empty()) {
            (0, true) => fallback.to_string(),
            (0, false) => format!("{} (used by no function here)", role_names.join(", ")),
            (n, no_roles) => {
                let what = if n == 1 { "function" } else { "functions" };
                let shown = if names.len() > 8 {
                    format!("{} and {} more", names[..8].join(", "), names.len() - 8)
                } else {
                    names.join(", ")
                };
                if no_roles { format!("{what} {shown}") } else { format!("{what} {shown} ({})", role_names.join(", ")) }
            }
        }
    }

    /// The value of field `name` of entity `i` (names are checked when rules load).
    pub fn field(&self, kind: EntityKind, i: usize, name: &str) -> FieldValue {
        match kind {
            EntityKind::Statement => self.statement_field(i, name),
            EntityKind::Role => self.role_field(i, name),
            EntityKind::ManagedPolicy => self.managed_field(i, name),
            EntityKind::SamTemplate => self.template_field(i, name),
            EntityKind::Function => self.function_field(i, name),
            EntityKind::Endpoint => self.endpoint_field(i, name),
            EntityKind::Api => self.api_field(i, name),
            EntityKind::Authorizer => self.authorizer_field(i, name),
            EntityKind::Permission => self.permission_field(i, name),
            EntityKind::Cors => self.cors_field(i, name),
        }
    }

    fn function_field(&self, i: usize, name: &str) -> FieldValue {
        let f = &self.model.functions[i];
        let role = f.role.and_then(|r| self.model.roles.get(r));
        match name {
            "name" => FieldValue::Text(f.name.clone()),
            "format" => FieldValue::Text(self.model.format.as_str().into()),
            "runtime" => FieldValue::Text(f.runtime.as_ref().and_then(Val::known).unwrap_or("").to_string()),
            // AWS Lambda's deprecations say nothing about other clouds' runtimes.
            "runtime_deprecated" => FieldValue::List(
                f.runtime
                    .as_ref()
                    .filter(|_| f.cloud == crate::model::Cloud::Aws)
                    .and_then(|r| {
                        r.known().and_then(crate::runtimes::deprecated_since).map(|d| (d.to_string(), Some(r.loc())))
                    })
                    .into_iter()
                    .collect(),
            ),
            "runtime_functions" => {
                let at = f.runtime.as_ref().map(Val::loc);
                FieldValue::List(
                    self.model
                        .functions
                        .iter()
                        .enumerate()
                        .filter(|(o, g)| *o == i || at.is_some() && g.runtime.as_ref().map(Val::loc) == at)
                        .map(|(_, g)| (g.name.clone(), Some(g.loc)))
                        .collect(),
                )
            }
            "cloud" => FieldValue::Text(f.cloud.as_str().into()),
            "role" => FieldValue::Text(role.map(|r| r.name.clone()).unwrap_or_default()),
            "role_kind" => match f.role {
                Some(r) => self.role_field(r, "kind"),
                None => FieldValue::Text(String::new()),
            },
            "role_ref" => FieldValue::List(vec![(
                role.map(|r| r.name.clone()).unwrap_or_default(),
                Some(f.role_loc.or(role.map(|r| r.loc)).unwrap_or(f.loc)),
            )]),
            "shares_role_with" => FieldValue::List(
                role.map(|r| r.functions.as_slice())
                    .unwrap_or(&[])
                    .iter()
                    .filter(|&&o| o != i)
                    .map(|&o| (self.model.functions[o].name.clone(), Some(self.model.functions[o].loc)))
                    .collect(),
            ),
            "role_functions" => match f.role {
                Some(r) => self.functions(&[r]),
                None => FieldValue::List(Vec::new()),
            },
            "role_beyond_logging" => match role {
                Some(r) if r.kind == RoleKind::External => FieldValue::List(vec![(
                    "permissions slsguard cannot see (the role is defined elsewhere)".to_string(),
                    None,
                )]),
                Some(_) => self.role_field(f.role.unwrap_or_default(), "beyond_logging"),
                None => FieldValue::List(Vec::new()),
            },
            "role_permissions" => match f.role {
                Some(r) => self.role_field(r, "permissions"),
                None => FieldValue::List(Vec::new()),
            },
            "subject" => FieldValue::Text(format!("function `{}`", f.name)),
            "code" => FieldValue::Text(match &f.code {
                crate::model::Code::Found(c) => format!("{}:{}", c.file, c.symbol),
                _ => String::new(),
            }),
            "code_unknown" => FieldValue::Text(match &f.code {
                crate::model::Code::Unknown(why) => why.clone(),
                _ => String::new(),
            }),
            "code_files" => FieldValue::List(match &f.code {
                crate::model::Code::Found(c) => c.files.iter().map(|x| (x.clone(), None)).collect(),
                _ => Vec::new(),
            }),
            _ => FieldValue::Bool(false),
        }
    }

    fn statement_field(&self, i: usize, name: &str) -> FieldValue {
        let s: &Statement = &self.model.statements[i];
        let f = &self.facts[i];
        let vals = |v: &[Val]| FieldValue::List(v.iter().map(|x| (x.display().to_string(), Some(x.loc()))).collect());
        let pairs = |v: &[(String, Loc)]| FieldValue::List(v.iter().map(|(t, l)| (t.clone(), Some(*l))).collect());
        let locs = |v: &[Loc], text: &str| FieldValue::List(v.iter().map(|l| (text.to_string(), Some(*l))).collect());
        match name {
            "effect" => FieldValue::Text(match s.effect {
                Some(Effect::Allow) => "Allow".into(),
                Some(Effect::Deny) => "Deny".into(),
                None => String::new(),
            }),
            "kind" => FieldValue::Text(
                match s.kind {
                    PolicyKind::Identity => "identity",
                    PolicyKind::Trust => "trust",
                    PolicyKind::Resource => "resource",
                }
                .into(),
            ),
            "origin" => FieldValue::Text(
                match s.origin {
                    Origin::Inline => "inline",
                    Origin::AwsManaged { .. } => "aws-managed",
                    Origin::SamTemplate { .. } => "sam-template",
                }
                .into(),
            ),
            "format" => FieldValue::Text(self.model.format.as_str().into()),
            "owner" => FieldValue::Text(s.owner.clone()),
            "actions" => vals(&s.actions),
            "resources" => vals(&s.resources),
            "principals" => FieldValue::List(
                s.principals
                    .iter()
                    .map(|p| (format!("{}:{}", p.kind, p.value.display()), Some(p.value.loc())))
                    .collect(),
            ),
            "not_action" => match s.not_action_loc {
                Some(l) if s.not_actions.is_empty() => FieldValue::List(vec![("NotAction".into(), Some(l))]),
                _ => vals(&s.not_actions),
            },
            "not_resource" => match s.not_resource_loc {
                Some(l) if s.not_resources.is_empty() => FieldValue::List(vec![("NotResource".into(), Some(l))]),
                _ => vals(&s.not_resources),
            },
            "has_condition" => FieldValue::Bool(!s.conditions.is_empty()),
            "conditional" => FieldValue::Bool(s.conditional),
            "action_wildcard" => locs(&f.action_wildcard, "*"),
            "service_wildcards" => {
                FieldValue::List(f.service_wildcards.iter().map(|(svc, l)| (format!("{svc}:*"), Some(*l))).collect())
            }
            "resource_wildcard" => locs(&f.resource_wildcard, "*"),
            "mutating_on_wildcard" => pairs(&f.mutating_on_wildcard),
            "sensitive_on_wildcard" => pairs(&f.sensitive_on_wildcard),
            "narrowing" => FieldValue::Text(if f.narrowed_by.is_empty() {
                String::new()
            } else {
                let keys: Vec<String> = f.narrowed_by.iter().map(|k| format!("`{k}`")).collect();
                format!(" (narrowed only by {}, still on every resource)", keys.join(", "))
            }),
            "via" => FieldValue::Text(match &s.origin {
                Origin::Inline => String::new(),
                Origin::AwsManaged { name } => format!(" through AWS managed policy `{name}`"),
                Origin::SamTemplate { name } => format!(" through SAM policy template `{name}`"),
            }),
            "unknown_actions" => pairs(&f.unknown_actions),
            "escalation" => pairs(&f.escalation),
            "any_principal" => pairs(&f.any_principal),
            "unguarded_accounts" => pairs(&f.unguarded_accounts),
            "functions" => self.functions(&s.roles),
            "function_count" => FieldValue::Number(self.model.functions_of(&s.roles).len() as i64),
            "subject" => FieldValue::Text(self.subject(&s.roles, &s.owner)),
            _ => FieldValue::Bool(false),
        }
    }

    fn role_field(&self, i: usize, name: &str) -> FieldValue {
        let r = &self.model.roles[i];
        match name {
            "name" => FieldValue::Text(r.name.clone()),
            "noun" => FieldValue::Text(r.noun.into()),
            "kind" => FieldValue::Text(
                match r.kind {
                    RoleKind::Defined => "defined",
                    RoleKind::ServerlessDefault => "serverless-default",
                    RoleKind::SamGenerated => "sam-generated",
                    RoleKind::External => "external",
                }
                .into(),
            ),
            "format" => FieldValue::Text(self.model.format.as_str().into()),
            "functions" => self.functions(&[i]),
            "function_count" => FieldValue::Number(r.functions.len() as i64),
            "permissions" => {
                let mut seen = BTreeSet::new();
                for s in self.model.statements.iter().filter(|s| {
                    s.kind == PolicyKind::Identity && s.effect == Some(Effect::Allow) && s.roles.contains(&i)
                }) {
                    let on = if s.resources.iter().any(is_wildcard_resource) { " on *" } else { "" };
                    for a in &s.actions {
                        seen.insert(format!("{}{on}", a.display()));
                    }
                    if s.not_action_loc.is_some() {
                        seen.insert(format!(
                            "everything but {}",
                            s.not_actions.iter().map(Val::display).collect::<Vec<_>>().join(", ")
                        ));
                    }
                }
                FieldValue::List(seen.into_iter().map(|s| (s, None)).collect())
            }
            "beyond_logging" => {
                let mut seen = BTreeSet::new();
                for s in self.model.statements.iter().filter(|s| {
                    s.kind == PolicyKind::Identity && s.effect == Some(Effect::Allow) && s.roles.contains(&i)
                }) {
                    let on = if s.resources.iter().any(is_wildcard_resource) { " on *" } else { "" };
                    for a in &s.actions {
                        if let Some(text) = a.known() {
                            let granted = crate::iam::actions::catalog().expand(text);
                            // Grants nothing (a misspelled action), or only logging.
                            if granted.iter().all(|x| analysis::is_baseline(&x.full())) {
                                continue;
                            }
                        }
                        seen.insert(format!("{}{on}", a.display()));
                    }
                    if s.not_action_loc.is_some() {
                        seen.insert(format!(
                            "everything but {}",
                            s.not_actions.iter().map(Val::display).collect::<Vec<_>>().join(", ")
                        ));
                    }
                }
                FieldValue::List(seen.into_iter().map(|s| (s, None)).collect())
            }
            "subject" => FieldValue::Text(format!("{} `{}`", r.noun, r.name)),
            _ => FieldValue::Bool(false),
        }
    }

    fn managed_field(&self, i: usize, name: &str) -> FieldValue {
        let a = &self.model.managed_policies[i];
        let loc = a.reference.loc();
        let policy = a.aws_name.as_deref().and_then(|n| crate::iam::managed::lookup(n)).map(|p| p.1);
        match name {
            "name" => FieldValue::Text(a.aws_name.clone().unwrap_or_else(|| a.reference.display().to_string())),
            "aws" => FieldValue::Bool(a.aws_name.is_some()),
            "admin" => FieldValue::List(
                policy.map(|p| p.admin_reasons()).unwrap_or_default().into_iter().map(|w| (w, Some(loc))).collect(),
            ),
            "full_access_services" => FieldValue::List(
                policy
                    .map(|p| p.full_access_services())
                    .unwrap_or_default()
                    .into_iter()
                    .map(|s| (s, Some(loc)))
                    .collect(),
            ),
            "conditional" => FieldValue::Bool(a.conditional),
            "roles" => FieldValue::List(self.role_names(&a.roles).into_iter().map(|n| (n, None)).collect()),
            "functions" => self.functions(&a.roles),
            "function_count" => FieldValue::Number(self.model.functions_of(&a.roles).len() as i64),
            "format" => FieldValue::Text(self.model.format.as_str().into()),
            "subject" => FieldValue::Text(self.subject(&a.roles, "no role here")),
            _ => FieldValue::Bool(false),
        }
    }

    fn template_field(&self, i: usize, name: &str) -> FieldValue {
        let t = &self.model.sam_templates[i];
        match name {
            "name" => FieldValue::Text(t.name.clone()),
            "parameters" => FieldValue::List(
                t.parameters.iter().map(|(k, v)| (format!("{k}: {}", v.display()), Some(v.loc()))).collect(),
            ),
            "wildcard_parameters" => FieldValue::List(
                t.parameters
                    .iter()
                    .filter(|(_, v)| v.known().is_some_and(|x| x.contains('*')))
                    .map(|(k, v)| (format!("{k}: {}", v.display()), Some(v.loc())))
                    .collect(),
            ),
            "mutating_on_wildcard" => {
                let mut out = Vec::new();
                for (si, s) in self.model.statements.iter().enumerate() {
                    if matches!(&s.origin, Origin::SamTemplate { name } if *name == t.name)
                        && s.loc == t.loc
                        && s.conditions.is_empty()
                    {
                        out.extend(self.facts[si].mutating_on_wildcard.iter().map(|(a, l)| (a.clone(), Some(*l))));
                    }
                }
                FieldValue::List(out)
            }
            "broad" => {
                let mut out = match self.template_field(i, "wildcard_parameters") {
                    FieldValue::List(l) => {
                        l.into_iter().map(|(p, loc)| (format!("{p} (every resource)"), loc)).collect()
                    }
                    _ => Vec::new(),
                };
                if let FieldValue::List(l) = self.template_field(i, "mutating_on_wildcard") {
                    out.extend(l.into_iter().map(|(a, loc)| (format!("{a} on *"), loc)));
                }
                FieldValue::List(out)
            }
            "functions" => self.functions(&t.roles),
            "subject" => FieldValue::Text(self.subject(&t.roles, "no function here")),
            _ => FieldValue::Bool(false),
        }
    }
}

/// Fields of the entry-point entities.
impl Context<'_> {
    fn endpoint_field(&self, i: usize, name: &str) -> FieldValue {
        let m = self.model;
        let e = &m.endpoints[i];
        let api = e.api.and_then(|a| m.apis.get(a));
        let cors = e.cors.as_ref().or_else(|| api.and_then(|a| a.cors.as_ref()));
        let text = |s: &str| FieldValue::Text(s.to_string());
        match name {
            "kind" => text(e.kind.as_str()),
            "format" => text(m.format.as_str()),
            "method" => text(&e.method),
            "path" => text(&e.path),
            "route" => text(&format!("{} {}", e.method, e.path)),
            "function" => text(e.function.and_then(|f| m.functions.get(f)).map_or("", |f| f.name.as_str())),
            "api" => text(api.map_or("", |a| a.name.as_str())),
            "auth" => text(e.auth.as_str()),
            "authorizer" => text(e.authorizer.and_then(|a| m.authorizers.get(a)).map_or("", |a| a.name.as_str())),
            "api_key_required" => FieldValue::Bool(e.api_key_required),
            "preflight" => FieldValue::Bool(e.method == "OPTIONS"),
            "api_private" => FieldValue::Bool(api.is_some_and(|a| a.private_for(Some((&e.method, &e.path))))),
            "declared_public" => {
                FieldValue::Bool(self.public_routes.iter().any(|r| route_matches(r, &e.method, &e.path)))
            }
            "cors_any_origin" => FieldValue::Bool(cors.is_some_and(|c| c.origins.iter().any(|o| o.is_known("*")))),
            "cors_credentials" => FieldValue::Bool(cors.is_some_and(|c| c.credentials == Some(true))),
            "code_authenticates" | "code_privileged" => {
                let link = e.function.and_then(|f| m.functions.get(f)).and_then(|f| match &f.code {
                    crate::model::Code::Found(c) => Some(c),
                    _ => None,
                });
                let show = |ev: &crate::model::Evidence| (format!("{} ({}:{})", ev.what, ev.file, ev.line), None);
                FieldValue::List(match (name, link) {
                    ("code_authenticates", Some(c)) => c.authenticates.iter().map(show).collect(),
                    (_, Some(c)) => c.privileged.iter().map(show).collect(),
                    _ => Vec::new(),
                })
            }
            "subject" => {
                let what = match e.kind {
                    crate::model::ApiKind::FunctionUrl => "the function URL".to_string(),
                    crate::model::ApiKind::WebSocket => format!("WebSocket route `{}`", e.path),
                    _ => format!("route `{} {}`", e.method, e.path),
                };
                match e.function.and_then(|f| m.functions.get(f)) {
                    Some(f) => text(&format!("{what} of function `{}`", f.name)),
                    None => text(&what),
                }
            }
            _ => FieldValue::Bool(false),
        }
    }

    fn api_field(&self, i: usize, name: &str) -> FieldValue {
        let m = self.model;
        let a = &m.apis[i];
        let routes = || m.endpoints.iter().filter(move |e| e.api == Some(i));
        match name {
            "name" => FieldValue::Text(a.name.clone()),
            "kind" => FieldValue::Text(a.kind.as_str().into()),
            "format" => FieldValue::Text(m.format.as_str().into()),
            "authorizers" => FieldValue::List(
                m.authorizers.iter().filter(|x| x.api == Some(i)).map(|x| (x.name.clone(), Some(x.loc))).collect(),
            ),
            "default_auth" => FieldValue::Text(a.default_auth.map_or("none", |d| d.0.as_str()).into()),
            "auth_types" => {
                FieldValue::List(a.auth_types.iter().map(|v| (v.display().to_string(), Some(v.loc()))).collect())
            }
            "default_auth_type" => FieldValue::Text(a.auth_types.first().and_then(Val::known).unwrap_or("").into()),
            "routes" => FieldValue::Number(routes().count() as i64),
            "authenticated_routes" => FieldValue::Number(
                routes()
                    .filter(|e| {
                        matches!(
                            e.auth,
                            crate::model::AuthKind::Iam
                                | crate::model::AuthKind::Cognito
                                | crate::model::AuthKind::Jwt
                                | crate::model::AuthKind::Lambda
                        )
                    })
                    .count() as i64,
            ),
            "private" => FieldValue::Bool(a.private_for(None)),
            "external_definition" => FieldValue::Bool(a.external_definition),
            "cors_any_origin" => {
                FieldValue::Bool(a.cors.as_ref().is_some_and(|c| c.origins.iter().any(|o| o.is_known("*"))))
            }
            "cors_credentials" => FieldValue::Bool(a.cors.as_ref().is_some_and(|c| c.credentials == Some(true))),
            "subject" => FieldValue::Text(format!("API `{}`", a.name)),
            _ => FieldValue::Bool(false),
        }
    }

    fn authorizer_field(&self, i: usize, name: &str) -> FieldValue {
        let m = self.model;
        let a = &m.authorizers[i];
        match name {
            "name" => FieldValue::Text(a.name.clone()),
            "kind" => FieldValue::Text(a.kind.as_str().into()),
            "api" => FieldValue::Text(a.api.and_then(|x| m.apis.get(x)).map_or("", |x| x.name.as_str()).into()),
            "used" => FieldValue::Bool(
                a.referenced
                    || m.endpoints.iter().any(|e| e.authorizer == Some(i))
                    || m.apis.iter().any(|x| x.default_auth.is_some_and(|d| d.1 == Some(i))),
            ),
            "api_routes" => {
                FieldValue::Number(a.api.map_or(0, |x| m.endpoints.iter().filter(|e| e.api == Some(x)).count()) as i64)
            }
            "format" => FieldValue::Text(m.format.as_str().into()),
            _ => FieldValue::Bool(false),
        }
    }

    fn permission_field(&self, i: usize, name: &str) -> FieldValue {
        let m = self.model;
        let p = &m.permissions[i];
        match name {
            "function" => FieldValue::Text(
                p.function.and_then(|f| m.functions.get(f)).map_or_else(|| p.function_ref.clone(), |f| f.name.clone()),
            ),
            "format" => FieldValue::Text(m.format.as_str().into()),
            "cloud" => FieldValue::Text(p.cloud.as_str().into()),
            "principal" => FieldValue::Text(p.principal.display().into()),
            // Only a known action: an unresolved one must not match `{not: …}` conditions.
            "action" => FieldValue::Text(p.action.known().unwrap_or("").into()),
            "invoke" => FieldValue::Bool(permission_invokes(p)),
            "action_ref" => FieldValue::List(vec![(p.action.display().to_string(), Some(p.action.loc()))]),
            "invoke_only" => FieldValue::Bool(p.action.known().is_some_and(|a| {
                [
                    "lambda:InvokeFunction",
                    "lambda:InvokeFunctionUrl",
                    "roles/cloudfunctions.invoker",
                    "roles/run.invoker",
                ]
                .iter()
                .any(|x| x.eq_ignore_ascii_case(a))
            })),
            "unrestricted" | "open_to_anyone" | "open_to_any_source" => {
                // `Principal: "*"` limited to calls through the function's URL is how a public URL
                // is opened: the URL's auth type decides, and `auth-function-url-public` reports it.
                let url_here = p.via_function_url
                    && m.endpoints.iter().any(|e| {
                        e.kind == crate::model::ApiKind::FunctionUrl && e.function.is_some() && e.function == p.function
                    });
                let (mut anyone, any_source) = permission_openings(p);
                if url_here {
                    anyone.clear();
                }
                FieldValue::List(match name {
                    "open_to_anyone" => anyone,
                    "open_to_any_source" => any_source,
                    _ => anyone.into_iter().chain(any_source).collect(),
                })
            }
            "subject" => {
                let f =
                    p.function.and_then(|f| m.functions.get(f)).map_or(p.function_ref.as_str(), |f| f.name.as_str());
                FieldValue::Text(format!("function `{f}`"))
            }
            _ => FieldValue::Bool(false),
        }
    }
}

impl Context<'_> {
    fn cors_setting(&self, i: usize) -> Option<&crate::model::Cors> {
        match *self.cors.get(i)? {
            CorsOwner::Api(a) => self.model.apis[a].cors.as_ref(),
            CorsOwner::Endpoint(e) => self.model.endpoints[e].cors.as_ref(),
        }
    }

    fn cors_field(&self, i: usize, name: &str) -> FieldValue {
        let Some(c) = self.cors_setting(i) else { return FieldValue::Bool(false) };
        let authenticating = |a: crate::model::AuthKind| {
            use crate::model::AuthKind::*;
            matches!(a, Iam | Cognito | Jwt | Lambda)
        };
        let authenticated = match self.cors[i] {
            CorsOwner::Api(a) => {
                self.model.endpoints.iter().any(|e| e.api == Some(a) && e.cors.is_none() && authenticating(e.auth))
                    || self.model.apis[a].default_auth.is_some_and(|d| authenticating(d.0))
            }
            CorsOwner::Endpoint(e) => authenticating(self.model.endpoints[e].auth),
        };
        let any = c.origins.iter().any(|o| o.is_known("*"));
        let creds = c.credentials == Some(true);
        match name {
            "origins" => FieldValue::List(c.origins.iter().map(|o| (o.display().to_string(), Some(o.loc()))).collect()),
            "any_origin" => FieldValue::Bool(any),
            "credentials" => FieldValue::Bool(creds),
            "authenticated" => FieldValue::Bool(authenticated),
            "problems" => {
                let mut p = Vec::new();
                if any && creds {
                    p.push(("any origin (`*`) together with credentials".to_string(), Some(c.loc)));
                }
                if any && authenticated {
                    p.push(("any origin (`*`) on routes that require authentication".to_string(), Some(c.loc)));
                }
                FieldValue::List(p)
            }
            "format" => FieldValue::Text(self.model.format.as_str().into()),
            "subject" => match self.cors[i] {
                CorsOwner::Api(a) => self.api_field(a, "subject"),
                CorsOwner::Endpoint(e) => self.endpoint_field(e, "subject"),
            },
            _ => FieldValue::Bool(false),
        }
    }
}

/// `GET /health` (or `/health` for any method, `ANY /x`) matches a route.
fn route_matches(declared: &str, method: &str, path: &str) -> bool {
    let declared = declared.trim();
    let (m, p) = match declared.split_once(' ') {
        Some((m, p)) => (m.trim(), p.trim()),
        None => ("ANY", declared),
    };
    let norm = |s: &str| s.trim_end_matches('/').to_string();
    (m.eq_ignore_ascii_case("ANY") || m == "*" || m.eq_ignore_ascii_case(method)) && norm(p) == norm(path)
}

/// Google Cloud predefined roles (lower case) that grant invoking a Cloud Function or Cloud Run
/// service along with other permissions; the invoker roles are recognised by name.
const GCP_ROLES_THAT_INVOKE: &[&str] = &[
    "roles/cloudfunctions.admin",
    "roles/cloudfunctions.developer",
    "roles/run.admin",
    "roles/run.developer",
    "roles/editor",
    "roles/owner",
];

/// Does the permission let its principal invoke the function? Unresolved actions do not.
pub fn permission_invokes(p: &crate::model::Permission) -> bool {
    p.action.known().is_some_and(|a| {
        let a = a.to_ascii_lowercase();
        a == "*"
            || a == "lambda:*"
            || a.starts_with("lambda:invokefunction")
            || a.contains("invoker")
            // Google Cloud roles that include `cloudfunctions.functions.invoke` or
            // `run.routes.invoke` besides much more.
            || GCP_ROLES_THAT_INVOKE.contains(&a.as_str())
    })
}

/// Why a function's resource policy lets the whole world invoke it, and why it lets a service
/// invoke it on behalf of any account or resource.
#[allow(clippy::type_complexity)]
fn permission_openings(p: &crate::model::Permission) -> (Vec<(String, Option<Loc>)>, Vec<(String, Option<Loc>)>) {
    let (mut anyone, mut any_source) = (Vec::new(), Vec::new());
    let principal = p.principal.known().unwrap_or("");
    let limited = [&p.source_arn, &p.source_account, &p.org_id].iter().any(|v| v.is_some());
    if principal == "*" || principal == "allUsers" || principal == "allAuthenticatedUsers" {
        let who = if principal == "allAuthenticatedUsers" {
            "anyone with a Google account can invoke it"
        } else {
            "anyone can invoke it"
        };
        let why = if limited {
            format!("principal `{principal}` (narrowed only by its conditions)")
        } else {
            format!("principal `{principal}`: {who}")
        };
        anyone.push((why, Some(p.principal.loc())));
    } else if principal.ends_with(".amazonaws.com")
        && p.source_arn.is_none()
        && p.source_account.is_none()
        && p.org_id.is_none()
    {
        let service = principal.trim_end_matches(".amazonaws.com");
        any_source.push((
            format!(
                "service principal `{principal}` with no SourceArn or SourceAccount: any AWS account's {service} resources can invoke it (confused deputy)"
            ),
            Some(p.principal.loc()),
        ));
    }
    if let Some(arn) = &p.source_arn {
        let text = match arn {
            Val::Known(s, _) | Val::Partial(s, _) => s.as_str(),
            Val::Unknown(..) => "",
        };
        if let Some(a) = crate::iam::parse_arn(text).filter(|a| a.has_account()) {
            if a.account == "*" || a.account.contains('*') && !a.account.contains("${") {
                any_source.push((format!("SourceArn `{text}` matches any account"), Some(arn.loc())));
            } else if a.service == "execute-api" && a.resource.split('/').next().is_some_and(|api| api == "*") {
                any_source.push((format!("SourceArn `{text}` matches any API"), Some(arn.loc())));
            } else if a.resource == "*" {
                any_source.push((format!("SourceArn `{text}` matches any {} resource", a.service), Some(arn.loc())));
            }
        }
    }
    (anyone, any_source)
}
