//! The app model: the one vocabulary that rules speak. Frontends turn each deployment format
//! (Serverless Framework, SAM, CloudFormation, CDK output, Terraform, standalone policy
//! documents) into these entities; every value keeps where it was written.
//!
//! A value the tool cannot resolve (`!Ref Param`, `${ssm:…}`, `var.x`) is [`Val::Unknown`]: it is
//! never read as a wildcard, and never as a secret.

use crate::source::Span;

/// Index into [`Model::files`].
pub type FileId = u32;

/// Where something was written: a file of the model and a span in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Loc {
    pub file: FileId,
    pub span: Span,
}

impl Loc {
    pub fn new(file: FileId, span: Span) -> Self {
        Self { file, span }
    }
}

/// A scalar from a manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Val {
    /// Fully known text.
    Known(String, Loc),
    /// Text with unresolved parts written `${…}` (from `Fn::Sub`, string interpolation): never
    /// equal to a wildcard, but its known parts can be read (`arn:aws:s3:::${Bucket}/*`).
    Partial(String, Loc),
    /// Not resolvable statically; the string describes the expression (`!Ref DbPassword`).
    Unknown(String, Loc),
}

impl Val {
    pub fn loc(&self) -> Loc {
        match self {
            Val::Known(_, l) | Val::Partial(_, l) | Val::Unknown(_, l) => *l,
        }
    }

    /// The text when fully known.
    pub fn known(&self) -> Option<&str> {
        match self {
            Val::Known(s, _) => Some(s),
            _ => None,
        }
    }

    /// Text for messages: known text, partial text, or the unresolved expression.
    pub fn display(&self) -> &str {
        match self {
            Val::Known(s, _) | Val::Partial(s, _) | Val::Unknown(s, _) => s,
        }
    }

    pub fn is_known(&self, text: &str) -> bool {
        self.known() == Some(text)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    Serverless,
    Sam,
    CloudFormation,
    Terraform,
    PolicyDocument,
    AzureFunctions,
    /// An AWS Chalice app: `.chalice/config.json` and the decorators of its `app.py`.
    Chalice,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Serverless => "serverless",
            Format::Sam => "sam",
            Format::CloudFormation => "cloudformation",
            Format::Terraform => "terraform",
            Format::PolicyDocument => "policy-document",
            Format::AzureFunctions => "azure-functions",
            Format::Chalice => "chalice",
        }
    }
}

pub type FunctionId = usize;
pub type RoleId = usize;
pub type StatementId = usize;

/// A function (Lambda, or equivalent).
#[derive(Debug, Clone, Default)]
pub struct Function {
    /// Name as written in the manifest (function key, logical id, resource address).
    pub name: String,
    /// Where it is defined (its key).
    pub loc: Loc,
    /// The role it runs with; `None` when the manifest does not say (or it is external and unknown).
    pub role: Option<RoleId>,
    /// Where the role is named (`Role:`, `role:`), when it is.
    pub role_loc: Option<Loc>,
    pub runtime: Option<Val>,
    pub handler: Option<Val>,
    pub environment: Vec<(String, Val)>,
    /// Where the manifest says the code is (filled in by the frontends).
    pub package: Package,
    /// The code the handler resolves to (filled in by the code stage).
    pub code: Code,
    /// The cloud it runs on (its runtime is judged against that cloud's deprecations).
    pub cloud: Cloud,
    /// What Lambda itself does for it, as its manifest says; `None` where the frontend does not
    /// read these settings (everything Lambda may use is then taken as used).
    pub platform: Option<Platform>,
}

/// A function's settings and triggers for which Lambda, not the code, uses the function's role:
/// tracing, a VPC, polled event sources, destinations and dead-letter targets, a KMS key. A
/// setting whose value cannot be resolved is taken as present; a kind that cannot be known is
/// [`Platform::ANY`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Platform {
    /// X-Ray tracing (Active or PassThrough).
    pub tracing: bool,
    pub vpc: bool,
    /// IAM prefixes of the event sources Lambda polls (`sqs`, `kinesis`, `dynamodb`, `kafka`,
    /// `mq`, `rds` for DocumentDB).
    pub sources: std::collections::BTreeSet<String>,
    /// Each SQS trigger's queue as the manifest names it (`!GetAtt Jobs.Arn`,
    /// `${aws_sqs_queue.jobs.arn}`, an ARN); `None` for a trigger whose queue it does not name.
    pub queues: Vec<Option<Val>>,
    /// IAM prefixes of on-success / on-failure destinations and dead-letter targets (`sqs`,
    /// `sns`, `lambda`, `events`, `s3`).
    pub destinations: std::collections::BTreeSet<String>,
    /// A customer-managed key for its environment (`KmsKeyArn`).
    pub kms: bool,
}

impl Platform {
    /// A source or destination of a kind that cannot be known.
    pub const ANY: &'static str = "*";

    pub fn has_source(&self, prefix: &str) -> bool {
        self.sources.contains(prefix) || self.sources.contains(Self::ANY)
    }

    pub fn has_destination(&self, prefix: &str) -> bool {
        self.destinations.contains(prefix) || self.destinations.contains(Self::ANY)
    }
}

/// What a manifest says about where a function's code is; the code stage turns it and the
/// handler into a [`CodeLink`]. Paths are as written, relative to the manifest's directory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Package {
    /// The directory the handler is relative to, when it is not the manifest's own: SAM
    /// `CodeUri`, Terraform `source_dir` (directly or through `data.archive_file`), a CDK asset
    /// (`aws:asset:path`), Serverless `module`, Azure `scriptFile`'s directory.
    pub dir: Option<Val>,
    /// A file given whole: Terraform `source_file`, Azure `scriptFile`.
    pub file: Option<Val>,
    /// A built archive that is deployed as is (`package.artifact`, Terraform `filename`,
    /// `Code.S3Key`, an S3 `CodeUri`): the source is elsewhere, if anywhere.
    pub artifact: Option<Val>,
    /// Source written in the manifest itself (CloudFormation `Code.ZipFile`, SAM `InlineCode`).
    pub inline: Option<Val>,
    /// The files a bundler builds the function from (SAM `Metadata.BuildProperties.EntryPoints`),
    /// or the crate binary cargo-lambda builds (`BuildProperties.Binary`).
    pub entry_points: Vec<Val>,
    /// Deployed as a container image (`PackageType: Image`, `image_uri`, Serverless `image`).
    pub image: Option<Loc>,
    /// The web application a framework adapter serves, when the handler is the adapter's
    /// generated module (serverless-wsgi's `custom.wsgi.app: app.app` for `wsgi_handler.handler`):
    /// the function's code is that application.
    pub web_app: Option<Val>,
}

/// A function's code, as the code stage found it.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Code {
    /// The code stage did not run (no code rule selected, or no code file in the scan).
    #[default]
    NotAnalysed,
    Found(CodeLink),
    /// The code could not be linked; the text says why (`deployed from the artifact
    /// build/app.zip, which is not source`).
    Unknown(String),
}

/// A function's handler in its source, and the files it imports.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct CodeLink {
    /// Display path of the file that holds the handler.
    pub file: String,
    /// The handler's name in it (`handler`, `lambda_handler`, `main`; `<inline>` for inline code).
    pub symbol: String,
    /// `javascript`, `typescript`, `python`, `go` or `rust`.
    pub language: String,
    /// Where the handler is defined in the file (0 when the file does not define it visibly).
    pub line: u32,
    /// The handler's module graph: its file and every file of the repository it imports,
    /// directly or not, sorted.
    pub files: Vec<String>,
    /// Where the code verifies a caller's token (a JWT / JWKS / Cognito verifier), if it does.
    pub authenticates: Option<Evidence>,
    /// Privileged things the code does: runs commands, writes to or deletes from data stores,
    /// calls IAM or STS.
    pub privileged: Vec<Evidence>,
}

/// Something code does, and where.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Evidence {
    /// What it is (`verifies a JWT with \`jsonwebtoken.verify\``, `runs a command`).
    pub what: String,
    pub file: String,
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleKind {
    /// Defined in the manifest (`AWS::IAM::Role`, `aws_iam_role`, `provider.iam.role`).
    Defined,
    /// The role the Serverless Framework creates and shares between the service's functions.
    ServerlessDefault,
    /// The role SAM creates for one function from its `Policies`.
    SamGenerated,
    /// A role given by ARN or name that is defined elsewhere: its permissions are unknown.
    External,
}

/// An execution role (or another principal that holds policies: a user or group is a role here
/// with no functions, and `noun` says which).
#[derive(Debug, Clone)]
pub struct Role {
    pub name: String,
    /// `role`, `user` or `group`, for messages.
    pub noun: &'static str,
    pub loc: Loc,
    pub kind: RoleKind,
    /// Functions that run with this role (filled in by [`Model::link`]).
    pub functions: Vec<FunctionId>,
    /// The name it gets in AWS when the manifest sets it (`RoleName`, Terraform `name`): ARNs
    /// written elsewhere in the manifest name it that way.
    pub physical_name: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// What a policy statement governs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    /// What a principal may do (role, user, group, managed policy).
    Identity,
    /// Who may assume a role (`AssumeRolePolicyDocument`, `assume_role_policy`).
    Trust,
    /// Who may use a resource (bucket, queue, topic, key policy).
    Resource,
}

/// Where a statement's text comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Written in the manifest.
    Inline,
    /// From an AWS managed policy attached by name or ARN.
    AwsManaged { name: String },
    /// From a SAM policy template (`S3CrudPolicy: {BucketName: …}`).
    SamTemplate { name: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// `AWS`, `Service`, `Federated`, `CanonicalUser`, or `*` for the bare `Principal: "*"`.
    pub kind: String,
    pub value: Val,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// The operator (`StringEquals`, `Bool`, …).
    pub operator: String,
    /// The context key (`sts:ExternalId`, `aws:SourceArn`, …).
    pub key: String,
    pub values: Vec<Val>,
}

#[derive(Debug, Clone)]
pub struct Statement {
    /// The statement itself (its first line).
    pub loc: Loc,
    pub kind: PolicyKind,
    pub origin: Origin,
    /// The roles (users, groups) it is attached to.
    pub roles: Vec<RoleId>,
    /// A name for messages when there is no role: the policy, user or resource it belongs to.
    pub owner: String,
    pub sid: Option<String>,
    /// `None` when the effect is missing or unresolved.
    pub effect: Option<Effect>,
    pub actions: Vec<Val>,
    pub not_actions: Vec<Val>,
    pub resources: Vec<Val>,
    pub not_resources: Vec<Val>,
    pub principals: Vec<Principal>,
    pub not_principals: Vec<Principal>,
    pub conditions: Vec<Condition>,
    /// Where NotAction / NotResource / NotPrincipal were written, when they were.
    pub not_action_loc: Option<Loc>,
    pub not_resource_loc: Option<Loc>,
    /// Deployed only under a template condition (a branch of `Fn::If`): both branches are in
    /// the model, since either may be deployed.
    pub conditional: bool,
}

impl Statement {
    pub fn new(loc: Loc, kind: PolicyKind, origin: Origin, owner: String) -> Self {
        Self {
            loc,
            kind,
            origin,
            roles: Vec::new(),
            owner,
            sid: None,
            effect: None,
            actions: Vec::new(),
            not_actions: Vec::new(),
            resources: Vec::new(),
            not_resources: Vec::new(),
            principals: Vec::new(),
            not_principals: Vec::new(),
            conditions: Vec::new(),
            not_action_loc: None,
            not_resource_loc: None,
            conditional: false,
        }
    }
}

/// A managed policy attached to a role by name or ARN.
#[derive(Debug, Clone)]
pub struct ManagedPolicyAttachment {
    pub roles: Vec<RoleId>,
    /// The reference as written.
    pub reference: Val,
    /// The AWS managed policy's name when the reference is one (`AdministratorAccess`).
    pub aws_name: Option<String>,
    /// Attached only under a template condition (a branch of `Fn::If`).
    pub conditional: bool,
}

/// A SAM policy template used by a function.
#[derive(Debug, Clone)]
pub struct SamTemplateUse {
    pub roles: Vec<RoleId>,
    pub name: String,
    pub loc: Loc,
    pub parameters: Vec<(String, Val)>,
}

pub type ApiId = usize;
pub type AuthorizerId = usize;

/// What kind of entry point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ApiKind {
    /// API Gateway REST API (v1), Serverless `http` events, SAM `Api`.
    Rest,
    /// API Gateway HTTP API (v2), Serverless `httpApi`, SAM `HttpApi`.
    Http,
    WebSocket,
    /// A Lambda function URL.
    FunctionUrl,
    AppSync,
    /// An Azure Functions HTTP trigger.
    AzureHttp,
    /// A Google Cloud Function or Cloud Run service.
    GcpHttp,
}

impl ApiKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ApiKind::Rest => "rest",
            ApiKind::Http => "http",
            ApiKind::WebSocket => "websocket",
            ApiKind::FunctionUrl => "function-url",
            ApiKind::AppSync => "appsync",
            ApiKind::AzureHttp => "azure-http",
            ApiKind::GcpHttp => "gcp-http",
        }
    }
}

/// How a route authenticates callers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AuthKind {
    /// Anyone may call it.
    None,
    Iam,
    Cognito,
    Jwt,
    /// A Lambda (custom / request / token) authorizer.
    Lambda,
    /// Only an API key (which identifies a client, but is no authentication).
    ApiKey,
    /// Azure `function` / `admin` keys.
    FunctionKey,
    /// Set by something slsguard cannot resolve; never reported as missing.
    Unknown,
}

impl AuthKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthKind::None => "none",
            AuthKind::Iam => "iam",
            AuthKind::Cognito => "cognito",
            AuthKind::Jwt => "jwt",
            AuthKind::Lambda => "lambda",
            AuthKind::ApiKey => "api-key",
            AuthKind::FunctionKey => "function-key",
            AuthKind::Unknown => "unknown",
        }
    }
}

/// Cross-origin settings of an API or route.
#[derive(Debug, Clone)]
pub struct Cors {
    pub origins: Vec<Val>,
    pub credentials: Option<bool>,
    pub loc: Loc,
}

/// An API (or other container of routes).
#[derive(Debug, Clone)]
pub struct Api {
    pub name: String,
    pub kind: ApiKind,
    pub loc: Loc,
    /// The authorization its routes get when they say nothing.
    pub default_auth: Option<(AuthKind, Option<AuthorizerId>)>,
    /// Reachable only from inside a VPC (API Gateway `PRIVATE` endpoint type).
    pub private: bool,
    /// Its resource policy (REST APIs), as far as it says who may call which routes; `None`
    /// when it has none (then its routes are open to whoever their auth admits).
    pub policy: Option<Vec<ApiPolicyStatement>>,
    /// Its OpenAPI definition is in another file (`DefinitionUri`, `BodyS3Location`,
    /// `AWS::Include`): routes and authorizers there are not seen.
    pub external_definition: bool,
    /// AppSync: the default and additional authentication types.
    pub auth_types: Vec<Val>,
    pub cors: Option<Cors>,
}

/// One statement of an API's resource policy, reduced to what decides who may call it.
#[derive(Debug, Clone)]
pub struct ApiPolicyStatement {
    pub allow: bool,
    /// The routes it covers, as (method, path) globs where `*` matches anything.
    pub routes: Vec<(String, String)>,
    /// An Allow that admits only given VPC endpoints, VPCs or accounts (`aws:SourceVpce`,
    /// `aws:SourceVpc`, `aws:PrincipalAccount`, … or named account principals); a Deny of
    /// everyone outside them (`StringNotEquals aws:SourceVpce`). IP ranges, dates and deny-lists
    /// never make a statement private.
    pub private: bool,
    pub loc: Loc,
}

impl ApiPolicyStatement {
    pub fn covers(&self, method: &str, path: &str) -> bool {
        self.routes.iter().any(|(m, p)| {
            (m == "*" || m.eq_ignore_ascii_case(method) || method == "ANY") && crate::iam::glob_match_ci(p, path)
        })
    }
}

impl Api {
    /// Whether callers must come from a VPC (endpoint) or given accounts to reach the route
    /// `(method, path)`, or (with `None`) every route: a `PRIVATE` endpoint, or a resource policy
    /// whose Allows that cover the route all admit only those callers, or that denies everyone
    /// else. A route no Allow covers is denied to every caller that is not IAM-authorized.
    pub fn private_for(&self, route: Option<(&str, &str)>) -> bool {
        if self.private {
            return true;
        }
        let Some(policy) = &self.policy else { return false };
        let relevant: Vec<&ApiPolicyStatement> =
            policy.iter().filter(|s| route.is_none_or(|(m, p)| s.covers(m, p))).collect();
        relevant.iter().filter(|s| s.allow).all(|s| s.private) || relevant.iter().any(|s| !s.allow && s.private)
    }
}

/// An authorizer defined on an API.
#[derive(Debug, Clone)]
pub struct Authorizer {
    pub name: String,
    pub kind: AuthKind,
    pub api: Option<ApiId>,
    pub loc: Loc,
    /// A route's (or the definition's) OpenAPI `security` names it, alongside or instead of the
    /// authorizer the route is modelled with (an `api_key` scheme next to a Lambda authorizer).
    pub referenced: bool,
}

/// A route: a way to invoke a function over the network.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub kind: ApiKind,
    pub api: Option<ApiId>,
    /// Upper-case method, `ANY` for all.
    pub method: String,
    pub path: String,
    pub function: Option<FunctionId>,
    pub auth: AuthKind,
    pub authorizer: Option<AuthorizerId>,
    pub api_key_required: bool,
    pub loc: Loc,
    pub cors: Option<Cors>,
}

/// The cloud a function runs on, or whose access model a [`Permission`] belongs to: rules about
/// Lambda resource policies and rules about Google Cloud IAM bindings read the same fields
/// differently, and AWS's runtime deprecations are AWS Lambda's only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Cloud {
    #[default]
    Aws,
    Gcp,
    Azure,
    /// Another provider (a Serverless Framework app for Cloudflare, OpenWhisk, Knative, …).
    Other,
}

impl Cloud {
    pub fn as_str(self) -> &'static str {
        match self {
            Cloud::Aws => "aws",
            Cloud::Gcp => "gcp",
            Cloud::Azure => "azure",
            Cloud::Other => "other",
        }
    }
}

/// A resource-based policy statement on a function (`AWS::Lambda::Permission`,
/// `aws_lambda_permission`, a cloud IAM binding on a function).
#[derive(Debug, Clone)]
pub struct Permission {
    /// AWS (a Lambda resource policy) or Google Cloud (an IAM binding: the principal is a
    /// member such as `allUsers`, the action a role such as `roles/run.invoker`).
    pub cloud: Cloud,
    /// The function, when it is in this model.
    pub function: Option<FunctionId>,
    /// The function as written.
    pub function_ref: String,
    pub action: Val,
    pub principal: Val,
    pub source_arn: Option<Val>,
    pub source_account: Option<Val>,
    pub org_id: Option<Val>,
    /// The permission applies only to calls through the function's URL
    /// (`lambda:InvokeFunctionUrl`, a `FunctionUrlAuthType` or `InvokedViaFunctionUrl`
    /// condition): the URL's own auth type then decides who may call.
    pub via_function_url: bool,
    pub loc: Loc,
}

/// One deployable unit's model: a serverless.yml, a template, a Terraform module, a policy file.
#[derive(Debug, Clone)]
pub struct Model {
    pub format: Format,
    /// Display paths of the files the model was built from, indexed by [`FileId`].
    pub files: Vec<String>,
    pub functions: Vec<Function>,
    pub roles: Vec<Role>,
    pub statements: Vec<Statement>,
    pub managed_policies: Vec<ManagedPolicyAttachment>,
    pub sam_templates: Vec<SamTemplateUse>,
    pub apis: Vec<Api>,
    pub authorizers: Vec<Authorizer>,
    pub endpoints: Vec<Endpoint>,
    pub permissions: Vec<Permission>,
}

impl Model {
    pub fn new(format: Format, files: Vec<String>) -> Self {
        Self {
            format,
            files,
            functions: Vec::new(),
            roles: Vec::new(),
            statements: Vec::new(),
            managed_policies: Vec::new(),
            sam_templates: Vec::new(),
            apis: Vec::new(),
            authorizers: Vec::new(),
            endpoints: Vec::new(),
            permissions: Vec::new(),
        }
    }

    pub fn add_api(&mut self, name: impl Into<String>, kind: ApiKind, loc: Loc) -> ApiId {
        self.apis.push(Api {
            name: name.into(),
            kind,
            loc,
            default_auth: None,
            private: false,
            policy: None,
            external_definition: false,
            auth_types: Vec::new(),
            cors: None,
        });
        self.apis.len() - 1
    }

    pub fn add_authorizer(
        &mut self,
        name: impl Into<String>,
        kind: AuthKind,
        api: Option<ApiId>,
        loc: Loc,
    ) -> AuthorizerId {
        self.authorizers.push(Authorizer { name: name.into(), kind, api, loc, referenced: false });
        self.authorizers.len() - 1
    }

    /// Marks the authorizers of `api` that an OpenAPI `security` requirement names as referenced.
    pub fn reference_schemes(&mut self, api: ApiId, names: &[String]) {
        for a in self.authorizers.iter_mut().filter(|a| a.api == Some(api)) {
            if names.contains(&a.name) {
                a.referenced = true;
            }
        }
    }

    /// The function with this name (function key, logical id, resource name).
    pub fn function_named(&self, name: &str) -> Option<FunctionId> {
        self.functions.iter().position(|f| f.name == name)
    }

    pub fn add_role(&mut self, name: impl Into<String>, loc: Loc, kind: RoleKind) -> RoleId {
        self.add_principal("role", name, loc, kind)
    }

    /// A role, user or group (`noun`).
    pub fn add_principal(&mut self, noun: &'static str, name: impl Into<String>, loc: Loc, kind: RoleKind) -> RoleId {
        self.roles.push(Role { name: name.into(), noun, loc, kind, functions: Vec::new(), physical_name: None });
        self.roles.len() - 1
    }

    /// The external role with this ARN or name, created on first use (functions that name the
    /// same external role share it).
    pub fn external_role(&mut self, reference: &str, loc: Loc) -> RoleId {
        match self.roles.iter().position(|r| r.kind == RoleKind::External && r.name == reference) {
            Some(i) => i,
            None => self.add_role(reference, loc, RoleKind::External),
        }
    }

    /// Fills in each role's users. Frontends call it once the functions are in.
    pub fn link(&mut self) {
        for r in &mut self.roles {
            r.functions.clear();
        }
        for (fi, f) in self.functions.iter().enumerate() {
            if let Some(r) = f.role {
                if let Some(role) = self.roles.get_mut(r) {
                    role.functions.push(fi);
                }
            }
        }
    }

    pub fn path(&self, file: FileId) -> &str {
        self.files.get(file as usize).map_or("", String::as_str)
    }

    /// The functions that receive the permissions of any of `roles`, sorted, without repeats.
    pub fn functions_of(&self, roles: &[RoleId]) -> Vec<FunctionId> {
        let mut out: Vec<FunctionId> =
            roles.iter().filter_map(|r| self.roles.get(*r)).flat_map(|r| r.functions.iter().copied()).collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    pub fn is_empty(&self) -> bool {
        self.functions.is_empty()
            && self.roles.is_empty()
            && self.statements.is_empty()
            && self.apis.is_empty()
            && self.endpoints.is_empty()
            && self.permissions.is_empty()
    }
}
