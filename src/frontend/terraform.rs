//! Terraform modules (the `.tf` files of one directory, as loader/hcl.rs reads them) into the
//! model: roles, users and groups with their trust policy, inline policies and managed policy
//! ARNs; `aws_iam_policy` with its attachments; role, user and group policies and policy
//! attachments; `aws_iam_policy_document` data sources (and the `data.aws_iam_policy` lookups of
//! AWS managed policies); S3, SQS and SNS resource policies; Lambda functions with their role.
//!
//! A policy is read wherever Terraform lets one be written: `jsonencode({…})` (an ordinary
//! mapping, with exact positions), a heredoc or string holding JSON (positions inside a heredoc
//! are exact too), `data.aws_iam_policy_document.NAME.json`, or `local.NAME` holding one of
//! these. `file(…)`, `templatefile(…)` and other computed policies stay unknown: they give no
//! statements.
//!
//! Terraform values the tool does not evaluate (`var.x`, `aws_s3_bucket.b.arn`, calls and other
//! expressions) are read as the `${…}` text that Terraform 0.11 wrote them as, which the value
//! resolver treats as unknown (or partial inside a longer string): never as a wildcard.

use super::cloudformation::Builder;
use super::policy_document::{self, Owner};
use super::values::Resolver;
use crate::loader::{self, Entry, Node, Value};
use crate::model::{
    Condition, Effect, FileId, Format, Function, FunctionId, Loc, Model, Origin, Platform, PolicyKind, Principal,
    RoleId, RoleKind, Statement, StatementId, Val,
};
use crate::source::{Position, Span};
use std::cell::Cell;
use std::collections::HashMap;

// Entry points (APIs, routes, authorizers, function URLs, permissions, Google Cloud functions and
// their IAM bindings) live in their own file; as a child module they share this one's blocks.
#[path = "terraform_apis.rs"]
mod apis;

// Modules the model reads by what they create (the Lambda module).
#[path = "terraform_modules.rs"]
mod lambda_module;

/// Most policy documents followed through one another (`source_policy_documents`).
const MAX_DOCUMENT_DEPTH: usize = 8;

/// Most document expansions and statement blocks read for one module: documents may include one
/// another many times over, and a crafted module must not make that exponential.
const DOCUMENT_BUDGET: usize = 100_000;

/// The principal resource types, with the noun the model gives them.
const PRINCIPAL_TYPES: [(&str, &str); 3] =
    [("aws_iam_role", "role"), ("aws_iam_user", "user"), ("aws_iam_group", "group")];

/// Builds the model of one module: the `.tf` files of one directory, as (display path, tree).
pub fn build(files: &[(String, Node)]) -> Model {
    let mut model = Model::new(Format::Terraform, files.iter().map(|(p, _)| p.clone()).collect());
    let docs: Vec<Node> = files.iter().map(|(_, n)| normalize(n)).collect();
    let module = Module::new(&docs);
    let mut b = ModuleBuilder {
        model: &mut model,
        module: &module,
        principals: HashMap::new(),
        policies: HashMap::new(),
        functions: HashMap::new(),
        function_names: HashMap::new(),
        budget: Cell::new(DOCUMENT_BUDGET),
    };
    b.build();
    model.link();
    model
}

/// One `resource` or `data` block: its type and name labels, and its body.
struct Block<'a> {
    file: FileId,
    ty: &'a str,
    name: &'a str,
    /// The name label, where findings about the block point.
    name_span: Span,
    body: &'a Node,
}

impl Block<'_> {
    fn res(&self) -> Resolver {
        Resolver::new(self.file)
    }

    fn loc(&self) -> Loc {
        Loc::new(self.file, self.name_span)
    }

    /// A known string attribute (`name`, `arn`).
    fn text(&self, key: &str) -> Option<String> {
        self.body.get(key).and_then(|n| self.res().val(n).known().map(str::to_string))
    }

    /// The bodies of the nested blocks named `key` (and of `dynamic "key"` blocks' `content`,
    /// which Terraform repeats zero or more times).
    fn nested(&self, key: &str) -> Vec<&Node> {
        let mut out: Vec<&Node> = self.body.get(key).map(Node::one_or_many).unwrap_or(&[]).iter().collect();
        for d in self.body.path(&["dynamic", key]).map(Node::one_or_many).unwrap_or(&[]) {
            out.extend(d.get("content").map(Node::one_or_many).unwrap_or(&[]));
        }
        out
    }
}

/// The blocks of a module's files.
struct Module<'a> {
    resources: Vec<Block<'a>>,
    data: Vec<Block<'a>>,
    /// (type, name) → index in `data` (the first block of that address).
    data_index: HashMap<(&'a str, &'a str), usize>,
    /// (type, name) → index in `resources` (the first block of that address): entry points
    /// follow references between resources, and a large module must not make that quadratic.
    resource_index: HashMap<(&'a str, &'a str), usize>,
    /// The values of `locals { NAME = … }`, with their file.
    locals: Vec<(FileId, &'a Entry)>,
    /// `module "NAME" { … }` blocks (type `module`).
    modules: Vec<Block<'a>>,
}

impl<'a> Module<'a> {
    fn new(docs: &'a [Node]) -> Self {
        let collect = |kind: &str| {
            let mut out = Vec::new();
            for (file, doc) in docs.iter().enumerate() {
                for top in doc.as_map().unwrap_or(&[]).iter().filter(|e| e.key == kind) {
                    for ty in top.value.as_map().unwrap_or(&[]) {
                        for name in ty.value.as_map().unwrap_or(&[]) {
                            for body in name.value.as_seq().unwrap_or(&[]) {
                                out.push(Block {
                                    file: file as FileId,
                                    ty: &ty.key,
                                    name: &name.key,
                                    name_span: name.key_span,
                                    body,
                                });
                            }
                        }
                    }
                }
            }
            out
        };
        let mut modules = Vec::new();
        for (file, doc) in docs.iter().enumerate() {
            for top in doc.as_map().unwrap_or(&[]).iter().filter(|e| e.key == "module") {
                for name in top.value.as_map().unwrap_or(&[]) {
                    for body in name.value.as_seq().unwrap_or(&[]) {
                        modules.push(Block {
                            file: file as FileId,
                            ty: "module",
                            name: &name.key,
                            name_span: name.key_span,
                            body,
                        });
                    }
                }
            }
        }
        let mut locals = Vec::new();
        for (file, doc) in docs.iter().enumerate() {
            for block in doc.get("locals").and_then(Node::as_seq).unwrap_or(&[]) {
                locals.extend(block.as_map().unwrap_or(&[]).iter().map(|e| (file as FileId, e)));
            }
        }
        let data = collect("data");
        let mut data_index = HashMap::new();
        for (i, d) in data.iter().enumerate() {
            data_index.entry((d.ty, d.name)).or_insert(i);
        }
        let resources = collect("resource");
        let mut resource_index = HashMap::new();
        for (i, r) in resources.iter().enumerate() {
            resource_index.entry((r.ty, r.name)).or_insert(i);
        }
        Self { resources, data, data_index, resource_index, locals, modules }
    }

    fn resources_of(&self, ty: &'a str) -> impl Iterator<Item = &Block<'a>> {
        self.resources.iter().filter(move |b| b.ty == ty)
    }

    fn resource(&self, ty: &str, name: &str) -> Option<&Block<'a>> {
        self.resource_index.get(&(ty, name)).map(|&i| &self.resources[i])
    }

    fn data_block(&self, ty: &str, name: &str) -> Option<&Block<'a>> {
        self.data_index.get(&(ty, name)).map(|&i| &self.data[i])
    }
}

/// What a `policy_arn` (or a `managed_policy_arns` item) names.
enum PolicyRef {
    /// An `aws_iam_policy` of the module.
    Defined(String),
    /// An ARN (an AWS managed policy, another account's policy, or unknown).
    Arn(Val),
}

struct ModuleBuilder<'m, 'a> {
    model: &'m mut Model,
    module: &'m Module<'a>,
    /// (resource type, resource name) → principal.
    principals: HashMap<(String, String), RoleId>,
    /// `aws_iam_policy` name → its statements.
    policies: HashMap<String, Vec<StatementId>>,
    /// (resource type, resource name) → function: Lambda functions, Cloud Functions and Cloud Run
    /// services.
    functions: HashMap<(String, String), FunctionId>,
    /// A function's deployed name (`function_name` of a Lambda, `name` of a Google Cloud
    /// function) → function, for values that name it literally.
    function_names: HashMap<String, FunctionId>,
    /// What is left of [`DOCUMENT_BUDGET`].
    budget: Cell<usize>,
}

impl ModuleBuilder<'_, '_> {
    fn build(&mut self) {
        let module = self.module;
        // Principals first, so that policies, attachments and functions can point at them.
        for (ty, noun) in PRINCIPAL_TYPES {
            for r in module.resources_of(ty) {
                let id = self.model.add_principal(noun, r.name, r.loc(), RoleKind::Defined);
                self.model.roles[id].physical_name = r.text("name");
                self.principals.insert((ty.to_string(), r.name.to_string()), id);
            }
        }
        for r in module.resources_of("aws_iam_policy") {
            let owner = owner(PolicyKind::Identity, Vec::new(), format!("policy {}", r.name));
            let first = self.model.statements.len();
            if let Some(p) = r.body.get("policy") {
                let st = self.policy(r.file, p, &owner, 0);
                self.model.statements.extend(st);
            }
            self.policies.entry(r.name.to_string()).or_default().extend(first..self.model.statements.len());
        }
        for (ty, noun) in PRINCIPAL_TYPES {
            for r in module.resources_of(ty) {
                self.principal_policies(r, noun);
            }
        }
        for (ty, key, principal_ty) in [
            ("aws_iam_role_policy", "role", "aws_iam_role"),
            ("aws_iam_user_policy", "user", "aws_iam_user"),
            ("aws_iam_group_policy", "group", "aws_iam_group"),
        ] {
            for r in module.resources_of(ty) {
                let roles: Vec<RoleId> =
                    r.body.get(key).map(|n| self.principal(r, n, principal_ty)).into_iter().collect();
                let owner = owner(
                    PolicyKind::Identity,
                    roles,
                    format!("policy {}", r.text("name").as_deref().unwrap_or(r.name)),
                );
                if let Some(p) = r.body.get("policy") {
                    let st = self.policy(r.file, p, &owner, 0);
                    self.model.statements.extend(st);
                }
            }
        }
        self.attachments();
        for ty in ["aws_s3_bucket_policy", "aws_sqs_queue_policy", "aws_sns_topic_policy"] {
            for r in module.resources_of(ty) {
                let owner = Owner {
                    kind: PolicyKind::Resource,
                    origin: Origin::Inline,
                    roles: Vec::new(),
                    name: format!("resource policy {}", r.name),
                };
                if let Some(p) = r.body.get("policy") {
                    let st = self.policy(r.file, p, &owner, 0);
                    self.model.statements.extend(st);
                }
            }
        }
        for r in module.resources_of("aws_lambda_function") {
            self.function(r);
        }
        self.platform_links(module);
        self.lambda_modules();
        for ty in apis::GCP_FUNCTIONS {
            for r in module.resources_of(ty) {
                self.gcp_function(r);
            }
        }
        // Entry points last: they name functions (and, for API resource policies, documents).
        self.entry_points();
    }

    /// A role's trust policy, inline policies and managed policy ARNs (users and groups have
    /// none of these as attributes in the AWS provider; their policies are separate resources).
    fn principal_policies(&mut self, r: &Block<'_>, noun: &str) {
        let Some(&id) = self.principals.get(&(r.ty.to_string(), r.name.to_string())) else { return };
        if let Some(trust) = r.body.get("assume_role_policy") {
            let owner = owner(PolicyKind::Trust, vec![id], format!("{noun} {}", r.name));
            let st = self.policy(r.file, trust, &owner, 0);
            self.model.statements.extend(st);
        }
        for inline in r.nested("inline_policy") {
            let Some(p) = inline.get("policy") else { continue };
            let pname = inline.get("name").and_then(|n| r.res().val(n).known().map(str::to_string));
            let name = match pname {
                Some(pn) => format!("{noun} {} (policy {pn})", r.name),
                None => format!("{noun} {}", r.name),
            };
            let st = self.policy(r.file, p, &owner(PolicyKind::Identity, vec![id], name), 0);
            self.model.statements.extend(st);
        }
        for arn in r.body.get("managed_policy_arns").map(Node::one_or_many).unwrap_or(&[]) {
            let p = self.policy_ref(r, arn);
            self.attach(r.file, p, vec![id]);
        }
    }

    /// `aws_iam_role_policy_attachment` and the user and group ones, and
    /// `aws_iam_policy_attachment` (with `roles`, `users` and `groups` lists).
    fn attachments(&mut self) {
        let module = self.module;
        for (ty, key, principal_ty) in [
            ("aws_iam_role_policy_attachment", "role", "aws_iam_role"),
            ("aws_iam_user_policy_attachment", "user", "aws_iam_user"),
            ("aws_iam_group_policy_attachment", "group", "aws_iam_group"),
            ("aws_iam_policy_attachment", "roles", "aws_iam_role"),
        ] {
            for r in module.resources_of(ty) {
                let mut roles: Vec<RoleId> = Vec::new();
                let mut keys = vec![(key, principal_ty)];
                if ty == "aws_iam_policy_attachment" {
                    keys.extend([("users", "aws_iam_user"), ("groups", "aws_iam_group")]);
                }
                for (key, principal_ty) in keys {
                    for n in r.body.get(key).map(Node::one_or_many).unwrap_or(&[]) {
                        let id = self.principal(r, n, principal_ty);
                        if !roles.contains(&id) {
                            roles.push(id);
                        }
                    }
                }
                if let Some(arn) = r.body.get("policy_arn") {
                    let p = self.policy_ref(r, arn);
                    self.attach(r.file, p, roles);
                }
            }
        }
    }

    /// Attaches a policy to `roles`: a module policy's statements gain them; an AWS managed
    /// policy is expanded as for CloudFormation; any other ARN is recorded as an attachment.
    fn attach(&mut self, file: FileId, p: PolicyRef, roles: Vec<RoleId>) {
        match p {
            PolicyRef::Defined(name) => {
                for &s in self.policies.get(&name).map(Vec::as_slice).unwrap_or(&[]) {
                    let st = &mut self.model.statements[s];
                    for &r in &roles {
                        if !st.roles.contains(&r) {
                            st.roles.push(r);
                        }
                    }
                }
            }
            PolicyRef::Arn(v) => Builder::new(self.model, file).attach_managed(v, roles),
        }
    }

    /// What a policy ARN value names: `aws_iam_policy.NAME.arn` (or `.id`), the ARN a
    /// `data.aws_iam_policy` looks up (by `arn` or `name`), or an ARN as written.
    fn policy_ref(&self, r: &Block<'_>, node: &Node) -> PolicyRef {
        let res = r.res();
        if let Some(refs) = reference(node) {
            let refs: Vec<&str> = refs.iter().map(String::as_str).collect();
            match refs.as_slice() {
                ["aws_iam_policy", name, "arn" | "id", ..] if self.policies.contains_key(*name) => {
                    return PolicyRef::Defined(name.to_string());
                }
                ["data", "aws_iam_policy", name, "arn" | "id", ..] => {
                    if let Some(d) = self.module.data_block("aws_iam_policy", name) {
                        if let Some(text) = d.text("arn").or_else(|| d.text("name")) {
                            return PolicyRef::Arn(Val::Known(text, res.loc(node)));
                        }
                    }
                }
                _ => {}
            }
        }
        PolicyRef::Arn(res.val(node))
    }

    /// The principal a `role` / `user` / `group` value names: `aws_iam_role.NAME.name|id|arn`,
    /// or a literal name (or ARN) matching a module principal's `name`; anything else is an
    /// external principal, whose permissions are unknown.
    fn principal(&mut self, r: &Block<'_>, node: &Node, principal_ty: &str) -> RoleId {
        if let Some(refs) = reference(node) {
            if refs.len() >= 2 && refs[0] == principal_ty {
                if let Some(&id) = self.principals.get(&(refs[0].clone(), refs[1].clone())) {
                    return id;
                }
            }
        }
        let v = r.res().val(node);
        if let Some(text) = v.known() {
            let short = text.rsplit('/').next().unwrap_or(text);
            let defined = self.module.resources_of(principal_ty).find(|p| p.text("name").as_deref() == Some(short));
            if let Some(&id) = defined.and_then(|p| self.principals.get(&(p.ty.to_string(), p.name.to_string()))) {
                return id;
            }
        }
        let noun = PRINCIPAL_TYPES.iter().find(|(t, _)| *t == principal_ty).map_or("role", |(_, n)| *n);
        match self
            .model
            .roles
            .iter()
            .position(|p| p.kind == RoleKind::External && p.noun == noun && p.name == v.display())
        {
            Some(i) => i,
            None => self.model.add_principal(noun, v.display(), v.loc(), RoleKind::External),
        }
    }

    /// The statements of a policy value (see the module doc for the forms read).
    fn policy(&self, file: FileId, node: &Node, owner: &Owner, depth: usize) -> Vec<Statement> {
        if depth > MAX_DOCUMENT_DEPTH {
            return Vec::new();
        }
        let res = Resolver::new(file);
        if let Some(refs) = reference(node) {
            return match refs.as_slice() {
                [data, ty, name, attr, ..]
                    if data == "data"
                        && ty == "aws_iam_policy_document"
                        && (attr == "json" || attr == "minified_json") =>
                {
                    self.document(name, owner, depth + 1)
                }
                // `policy = local.NAME`: the local's value, wherever it is written.
                [local, name] if local == "local" => match self.module.locals.iter().find(|(_, e)| e.key == *name) {
                    Some((f, e)) => self.policy(*f, &e.value, owner, depth + 1),
                    None => Vec::new(),
                },
                _ => Vec::new(),
            };
        }
        match &node.value {
            // A heredoc (a string spanning lines, see loader/hcl.rs): its JSON keeps exact positions.
            Value::String(s) if s.trim_start().starts_with('{') && node.span.start.line < node.span.end.line => {
                match loader::json::parse(s) {
                    Ok(mut inner) => {
                        shift(&mut inner, node.span.start);
                        policy_document::statements(&inner, &res, owner)
                    }
                    Err(_) => Vec::new(),
                }
            }
            _ => policy_document::statements(node, &res, owner),
        }
    }

    /// The statements of `data "aws_iam_policy_document" NAME`, for `owner`: those of its
    /// `source_policy_documents` (and `source_json`), its own `statement` blocks, and its
    /// `override_policy_documents` (and `override_json`), a later statement replacing an earlier
    /// one with the same `sid`, as Terraform merges them.
    fn document(&self, name: &str, owner: &Owner, depth: usize) -> Vec<Statement> {
        let Some(d) = self.module.data_block("aws_iam_policy_document", name) else { return Vec::new() };
        let blocks = d.nested("statement");
        let Some(left) = self.budget.get().checked_sub(1 + blocks.len()) else { return Vec::new() };
        self.budget.set(left);
        let res = d.res();
        let mut out: Vec<Statement> = Vec::new();
        let merge = |out: &mut Vec<Statement>, more: Vec<Statement>| {
            for s in more {
                if let Some(sid) = s.sid.as_deref().filter(|x| !x.is_empty()) {
                    out.retain(|o| o.sid.as_deref() != Some(sid));
                }
                out.push(s);
            }
        };
        for key in ["source_policy_documents", "source_json"] {
            for n in d.body.get(key).map(Node::one_or_many).unwrap_or(&[]) {
                let more = self.policy(d.file, n, owner, depth + 1);
                merge(&mut out, more);
            }
        }
        let own = blocks.into_iter().map(|s| document_statement(s, &res, owner)).collect();
        merge(&mut out, own);
        for key in ["override_policy_documents", "override_json"] {
            for n in d.body.get(key).map(Node::one_or_many).unwrap_or(&[]) {
                let more = self.policy(d.file, n, owner, depth + 1);
                merge(&mut out, more);
            }
        }
        out
    }

    /// `aws_lambda_function`: named by its resource name, with its role, runtime, handler and
    /// `environment { variables = {…} }`.
    fn function(&mut self, r: &Block<'_>) {
        let res = r.res();
        let role = r.body.get("role").map(|n| self.principal(r, n, "aws_iam_role"));
        let environment = r
            .nested("environment")
            .iter()
            .filter_map(|e| e.get("variables").and_then(Node::as_map))
            .flatten()
            .map(|e| (e.key.clone(), res.val(&e.value)))
            .collect();
        self.functions.insert((r.ty.to_string(), r.name.to_string()), self.model.functions.len());
        if let Some(name) = r.text("function_name") {
            self.function_names.entry(name).or_insert(self.model.functions.len());
        }
        self.model.functions.push(Function {
            name: r.name.to_string(),
            loc: r.loc(),
            role,
            role_loc: r.body.get("role").map(|n| res.loc(n)),
            runtime: r.body.get("runtime").map(|n| res.val(n)),
            handler: r.body.get("handler").map(|n| res.val(n)),
            environment,
            package: super::package::terraform(r.body, &res, |ty, name| {
                self.module.data_block(ty, name).map(|d| d.body)
            }),
            platform: Some(function_platform(r)),
            ..Default::default()
        });
    }

    /// `aws_lambda_event_source_mapping` and `aws_lambda_function_event_invoke_config`, added to
    /// the function they name; one whose function cannot be told is taken as every function's.
    fn platform_links(&mut self, module: &Module<'_>) {
        for ty in ["aws_lambda_event_source_mapping", "aws_lambda_function_event_invoke_config"] {
            for r in module.resources_of(ty) {
                let mut add = Platform::default();
                if ty == "aws_lambda_event_source_mapping" {
                    let kind = match (r.body.get("event_source_arn"), r.nested("self_managed_event_source").is_empty())
                    {
                        (Some(arn), _) => target_kind(r, arn),
                        (None, false) => "kafka",
                        (None, true) => Platform::ANY,
                    };
                    add.sources.insert(kind.into());
                    if kind == "sqs" {
                        add.queues.push(r.body.get("event_source_arn").map(|a| r.res().val(a)));
                    }
                }
                for d in r.nested("destination_config") {
                    for key in ["on_success", "on_failure"] {
                        for t in d.get(key).map(Node::one_or_many).unwrap_or(&[]) {
                            let kind = t
                                .get("destination")
                                .or_else(|| t.get("destination_arn"))
                                .map_or(Platform::ANY, |n| target_kind(r, n));
                            add.destinations.insert(kind.into());
                        }
                    }
                }
                let targets: Vec<FunctionId> = match r.body.get("function_name").and_then(|n| self.function_of(n)) {
                    Some(f) => vec![f],
                    None => (0..self.model.functions.len()).collect(),
                };
                for f in targets {
                    if let Some(p) = self.model.functions[f].platform.as_mut() {
                        p.sources.extend(add.sources.iter().cloned());
                        p.destinations.extend(add.destinations.iter().cloned());
                        p.queues.extend(add.queues.iter().cloned());
                    }
                }
            }
        }
    }
}

/// An `aws_lambda_function`'s `tracing_config`, `vpc_config`, `kms_key_arn` and
/// `dead_letter_config` (see [`super::platform`]: unresolved counts as set).
fn function_platform(r: &Block<'_>) -> Platform {
    let res = r.res();
    let tracing = r.nested("tracing_config").iter().any(|t| match t.get("mode").map(|m| res.val(m)) {
        Some(m) => m.known().is_none_or(|v| !v.is_empty()),
        None => false,
    });
    let mut p = Platform {
        tracing,
        vpc: !r.nested("vpc_config").is_empty(),
        kms: r.body.get("kms_key_arn").is_some_and(|k| !k.is_null() && res.val(k).known() != Some("")),
        ..Default::default()
    };
    for d in r.nested("dead_letter_config") {
        p.destinations.insert(d.get("target_arn").map_or(Platform::ANY, |n| target_kind(r, n)).into());
    }
    p
}

/// The kind of the resource a value names: a reference to a resource of a known type, or a
/// literal ARN; else unknown.
fn target_kind(r: &Block<'_>, node: &Node) -> &'static str {
    if let Some(refs) = reference(node) {
        return refs.first().and_then(|t| super::platform::terraform_type_service(t)).unwrap_or(Platform::ANY);
    }
    r.res().val(node).known().and_then(super::platform::arn_service).unwrap_or(Platform::ANY)
}

fn owner(kind: PolicyKind, roles: Vec<RoleId>, name: String) -> Owner {
    Owner { kind, origin: Origin::Inline, roles, name }
}

/// One `statement { … }` block of an `aws_iam_policy_document`: `effect` (Allow when absent),
/// `actions`, `not_actions`, `resources`, `not_resources`, `principals` / `not_principals`
/// blocks (`type`, `identifiers`), `condition` blocks (`test`, `variable`, `values`), `sid`.
fn document_statement(node: &Node, res: &Resolver, owner: &Owner) -> Statement {
    let mut s = Statement::new(res.loc(node), owner.kind, owner.origin.clone(), owner.name.clone());
    s.roles = owner.roles.clone();
    s.sid = node.get("sid").and_then(|n| res.val(n).known().map(str::to_string));
    s.effect = match node.get("effect").map(|e| res.val(e)) {
        None => Some(Effect::Allow),
        Some(v) => match v.known() {
            Some(e) if e.eq_ignore_ascii_case("allow") => Some(Effect::Allow),
            Some(e) if e.eq_ignore_ascii_case("deny") => Some(Effect::Deny),
            _ => None,
        },
    };
    let list = |key: &str| node.get(key).map(|n| res.vals(n)).unwrap_or_default();
    s.actions = list("actions");
    s.not_actions = list("not_actions");
    s.resources = list("resources");
    s.not_resources = list("not_resources");
    s.not_action_loc = node.entry("not_actions").map(|e| Loc::new(res.file, e.key_span));
    s.not_resource_loc = node.entry("not_resources").map(|e| Loc::new(res.file, e.key_span));
    let principals = |key: &str| {
        let mut out = Vec::new();
        for p in node.get(key).map(Node::one_or_many).unwrap_or(&[]) {
            let kind = p.get("type").map(|t| res.val(t));
            let kind = kind.as_ref().map_or("AWS", Val::display).to_string();
            for value in p.get("identifiers").map(|i| res.vals(i)).unwrap_or_default() {
                // `type = "*"` is the bare `Principal: "*"`.
                out.push(Principal { kind: kind.clone(), value });
            }
        }
        out
    };
    s.principals = principals("principals");
    s.not_principals = principals("not_principals");
    for c in node.get("condition").map(Node::one_or_many).unwrap_or(&[]) {
        let text = |key: &str| c.get(key).map(|n| res.val(n).display().to_string()).unwrap_or_default();
        s.conditions.push(Condition {
            operator: text("test"),
            key: text("variable"),
            values: c.get("values").map(|v| res.vals(v)).unwrap_or_default(),
        });
    }
    s
}

/// The names of the reference a value is (`aws_iam_role.x[0].arn` → `aws_iam_role`, `x`, `arn`):
/// a string that is exactly one `${…}` holding a traversal, as the loader's references become
/// here (and as Terraform 0.11 wrote them).
fn reference(node: &Node) -> Option<Vec<String>> {
    let s = node.as_str()?.trim();
    let inner = s.strip_prefix("${")?.strip_suffix('}')?.trim();
    if inner.contains("${") {
        return None;
    }
    traversal(inner)
}

/// The references inside a string template, in order (`integrations/${aws_apigatewayv2_integration.x.id}`,
/// `…/functions/${aws_lambda_function.f.arn}/invocations`): each `${…}` that holds a traversal.
fn references_in(s: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(i) = rest.find("${") {
        let after = &rest[i + 2..];
        let Some(j) = after.find('}') else { break };
        out.extend(traversal(after[..j].trim()));
        rest = &after[j + 1..];
    }
    out
}

/// `aws_iam_role.x[0].arn` → `aws_iam_role`, `x`, `arn` (index and key brackets dropped); `None`
/// for anything but a traversal.
fn traversal(inner: &str) -> Option<Vec<String>> {
    if inner.is_empty() {
        return None;
    }
    let mut out = vec![String::new()];
    let mut brackets = 0usize;
    let mut quoted = false;
    for c in inner.chars() {
        match c {
            '"' if brackets > 0 => quoted = !quoted,
            _ if quoted => {}
            '[' => brackets += 1,
            ']' if brackets > 0 => brackets -= 1,
            _ if brackets > 0 => {}
            '.' => out.push(String::new()),
            c if c.is_alphanumeric() || c == '_' || c == '-' => out.last_mut()?.push(c),
            _ => return None,
        }
    }
    (brackets == 0 && out.iter().all(|p| !p.is_empty())).then_some(out)
}

/// A copy of a file's tree with the loader's `Fn::TfRef` / `Fn::TfCall` / `Fn::TfFile` /
/// `Fn::TfExpr` as one-`${…}` strings, which the value resolver reads as unknown and shows as
/// written.
fn normalize(node: &Node) -> Node {
    let value = match &node.value {
        Value::Map(entries) if entries.len() == 1 && entries[0].key.starts_with("Fn::Tf") => {
            let e = &entries[0];
            let arg = e.value.as_str().unwrap_or("…");
            let text = match e.key.as_str() {
                "Fn::TfCall" => format!("{arg}(…)"),
                "Fn::TfFile" => format!("file(\"{arg}\")"),
                _ => arg.to_string(),
            };
            Value::String(format!("${{{}}}", text.replace("${", "$ {")))
        }
        Value::Map(entries) => Value::Map(
            entries
                .iter()
                .map(|e| Entry { key: e.key.clone(), key_span: e.key_span, value: normalize(&e.value) })
                .collect(),
        ),
        Value::Seq(items) => Value::Seq(items.iter().map(normalize).collect()),
        v => v.clone(),
    };
    Node::new(node.span, value)
}

/// Moves the positions of a tree parsed from a heredoc's content to the file: content position
/// `(l, c)` is `(start.line + l - 1, start.column + c - 1)`.
fn shift(node: &mut Node, start: Position) {
    let at = |p: Position| Position::new(start.line + p.line - 1, start.column + p.column - 1);
    let span = |s: Span| Span::new(at(s.start), at(s.end));
    node.span = span(node.span);
    match &mut node.value {
        Value::Seq(items) => items.iter_mut().for_each(|n| shift(n, start)),
        Value::Map(entries) => {
            for e in entries {
                e.key_span = span(e.key_span);
                shift(&mut e.value, start);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loader::hcl;

    fn model(files: &[(&str, &str)]) -> Model {
        let parsed: Vec<(String, Node)> =
            files.iter().map(|(p, t)| (p.to_string(), hcl::parse(t).unwrap_or_else(|e| panic!("{p}: {e}")))).collect();
        build(&parsed)
    }

    fn texts(v: &[Val]) -> Vec<&str> {
        v.iter().map(Val::display).collect()
    }

    const ROLE: &str = r#"
resource "aws_iam_role" "lambda" {
  name = "orders-fn"
  assume_role_policy = data.aws_iam_policy_document.assume.json

  inline_policy {
    name = "logs"
    policy = jsonencode({
      Version = "2012-10-17"
      Statement = [{
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = "arn:aws:logs:*:*:log-group:/aws/lambda/${var.name}:*"
      }]
    })
  }
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [var.account_id]
    }
  }
}

resource "aws_lambda_function" "orders" {
  function_name = "orders"
  role          = aws_iam_role.lambda.arn
  runtime       = "python3.12"
  handler       = "app.handler"
  environment {
    variables = {
      TABLE = aws_dynamodb_table.orders.name
      STAGE = "prod"
    }
  }
}
"#;

    #[test]
    fn role_trust_inline_policy_and_function() {
        let m = model(&[("mod/main.tf", ROLE)]);
        assert_eq!(m.files, ["mod/main.tf"]);
        assert_eq!(m.roles.len(), 1);
        assert_eq!(m.roles[0].name, "lambda");
        assert_eq!(m.roles[0].functions, [0]);
        let f = &m.functions[0];
        assert_eq!(f.name, "orders");
        assert_eq!(f.loc.span.start, Position::new(34, 32));
        assert_eq!(f.runtime.as_ref().and_then(Val::known), Some("python3.12"));
        assert_eq!(f.environment.len(), 2);
        assert!(matches!(&f.environment[0].1, Val::Unknown(t, _) if t == "${aws_dynamodb_table.orders.name}"));
        assert_eq!(f.environment[1].1.known(), Some("prod"));

        let trust: Vec<&Statement> = m.statements.iter().filter(|s| s.kind == PolicyKind::Trust).collect();
        assert_eq!(trust.len(), 1);
        let t = trust[0];
        assert_eq!(t.effect, Some(Effect::Allow), "effect defaults to Allow");
        assert_eq!(t.roles, [0]);
        assert_eq!(t.loc.span.start, Position::new(20, 3), "the statement block");
        assert_eq!(t.principals[0].kind, "Service");
        assert_eq!(t.principals[0].value.known(), Some("lambda.amazonaws.com"));
        assert_eq!(t.conditions[0].key, "aws:SourceAccount");
        assert!(matches!(t.conditions[0].values[0], Val::Unknown(..)));

        let inline: Vec<&Statement> = m.statements.iter().filter(|s| s.kind == PolicyKind::Identity).collect();
        assert_eq!(inline.len(), 1);
        assert_eq!(inline[0].owner, "role lambda (policy logs)");
        assert_eq!(inline[0].loc.span.start, Position::new(10, 20), "the jsonencode mapping");
        assert_eq!(texts(&inline[0].actions), ["logs:CreateLogStream", "logs:PutLogEvents"]);
        assert!(matches!(inline[0].resources[0], Val::Partial(..)));
    }

    #[test]
    fn policies_attachments_and_managed_policies() {
        let main = r#"
resource "aws_iam_role" "r" {
  assume_role_policy = file("trust.json")
  managed_policy_arns = ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
}

resource "aws_iam_policy" "admin" {
  name   = "admin"
  policy = <<-EOF
    {
      "Version": "2012-10-17",
      "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"}
      ]
    }
    EOF
}

resource "aws_iam_role_policy_attachment" "admin" {
  role       = aws_iam_role.r.name
  policy_arn = aws_iam_policy.admin.arn
}

resource "aws_iam_role_policy_attachment" "aws" {
  role       = "legacy-role"
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}
"#;
        let other = r#"
resource "aws_iam_role_policy" "extra" {
  name   = "extra"
  role   = "r-name"
  policy = "{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"s3:*\", \"Resource\": \"*\"}}"
}
resource "aws_iam_role" "named" {
  name = "r-name"
  assume_role_policy = "{}"
}
data "aws_iam_policy" "lambda_basic" {
  name = "AWSLambdaBasicExecutionRole"
}
resource "aws_iam_user" "ci" {}
resource "aws_iam_user_policy_attachment" "ci" {
  user       = aws_iam_user.ci.name
  policy_arn = data.aws_iam_policy.lambda_basic.arn
}
"#;
        let m = model(&[("m/main.tf", main), ("m/other.tf", other)]);
        assert_eq!(m.files, ["m/main.tf", "m/other.tf"]);
        // Roles r, named, user ci, and the external legacy-role.
        let names: Vec<(&str, &str, &RoleKind)> = m.roles.iter().map(|r| (r.noun, r.name.as_str(), &r.kind)).collect();
        assert_eq!(
            names,
            [
                ("role", "r", &RoleKind::Defined),
                ("role", "named", &RoleKind::Defined),
                ("user", "ci", &RoleKind::Defined),
                ("role", "legacy-role", &RoleKind::External),
            ]
        );
        // The heredoc policy, attached to r through its ARN; positions inside the heredoc are exact.
        let admin = m.statements.iter().find(|s| s.owner == "policy admin").unwrap();
        assert_eq!(admin.roles, [0]);
        assert_eq!(admin.loc, Loc::new(0, Span::new(Position::new(13, 9), Position::new(13, 60))));
        assert_eq!(admin.actions[0].loc().span.start, Position::new(13, 39));
        // A literal role name finds the role with that name; a one-line JSON string points at itself.
        let extra = m.statements.iter().find(|s| s.owner == "policy extra").unwrap();
        assert_eq!(extra.roles, [1]);
        assert_eq!((extra.loc.file, extra.loc.span.start), (1, Position::new(5, 12)));
        // AWS managed policies, by ARN on a role, by attachment, and through `data.aws_iam_policy`.
        let managed: Vec<(Option<&str>, &[RoleId])> =
            m.managed_policies.iter().map(|a| (a.aws_name.as_deref(), a.roles.as_slice())).collect();
        assert_eq!(
            managed,
            [
                (Some("ReadOnlyAccess"), &[0][..]),
                (Some("AdministratorAccess"), &[3][..]),
                (Some("AWSLambdaBasicExecutionRole"), &[2][..]),
            ]
        );
        let from_admin: Vec<&Statement> = m
            .statements
            .iter()
            .filter(|s| s.origin == Origin::AwsManaged { name: "AdministratorAccess".into() })
            .collect();
        assert!(!from_admin.is_empty());
        assert!(from_admin.iter().all(|s| s.roles == [3] && s.loc.span.start.line == 26));
        // `file()` gives no statements.
        assert!(m.statements.iter().all(|s| s.kind != PolicyKind::Trust || s.roles != [0]));
    }

    #[test]
    fn document_statements_sources_overrides_and_dynamic_blocks() {
        let m = model(&[(
            "main.tf",
            r#"
data "aws_iam_policy_document" "base" {
  statement {
    sid       = "Read"
    actions   = ["s3:*"]
    resources = ["*"]
  }
  statement {
    effect        = "Deny"
    not_actions   = ["s3:GetObject"]
    not_resources = ["arn:aws:s3:::b/*"]
  }
}
data "aws_iam_policy_document" "final" {
  source_policy_documents = [data.aws_iam_policy_document.base.json]
  override_policy_documents = [jsonencode({Statement = [{Sid = "Read", Effect = "Allow", Action = "s3:GetObject", Resource = "arn:aws:s3:::b/*"}]})]
  statement {
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    actions = ["sqs:SendMessage"]
  }
  dynamic "statement" {
    for_each = var.tables
    content {
      actions   = ["dynamodb:GetItem"]
      resources = [statement.value]
    }
  }
}
resource "aws_sqs_queue_policy" "q" {
  queue_url = aws_sqs_queue.q.id
  policy    = data.aws_iam_policy_document.final.json
}
"#,
        )]);
        let st = &m.statements;
        assert_eq!(st.len(), 4, "{st:#?}");
        assert!(st.iter().all(|s| s.kind == PolicyKind::Resource && s.owner == "resource policy q"));
        // The Deny from the source document, with NotAction / NotResource where written.
        assert_eq!(st[0].effect, Some(Effect::Deny));
        assert_eq!(texts(&st[0].not_actions), ["s3:GetObject"]);
        assert_eq!(st[0].not_action_loc.unwrap().span.start, Position::new(10, 5));
        assert!(st[0].not_resource_loc.is_some());
        // The own statement, with the bare `*` principal.
        assert_eq!(st[1].principals[0].kind, "*");
        assert_eq!(st[1].principals[0].value.known(), Some("*"));
        // The dynamic block's content, its values unknown.
        assert_eq!(texts(&st[2].actions), ["dynamodb:GetItem"]);
        assert!(matches!(st[2].resources[0], Val::Unknown(..)));
        // The override replaced the source's `Read` statement.
        assert_eq!(st[3].sid.as_deref(), Some("Read"));
        assert_eq!(texts(&st[3].actions), ["s3:GetObject"]);
    }

    #[test]
    fn function_roles() {
        let m = model(&[(
            "main.tf",
            r#"
resource "aws_iam_role" "r" { name = "fn-role" }
resource "aws_lambda_function" "a" { role = "${aws_iam_role.r.arn}" }
resource "aws_lambda_function" "b" { role = "arn:aws:iam::123456789012:role/fn-role" }
resource "aws_lambda_function" "c" { role = "arn:aws:iam::123456789012:role/elsewhere" }
resource "aws_lambda_function" "d" { role = module.iam.role_arn }
resource "aws_lambda_function" "e" { role = "arn:aws:iam::123456789012:role/elsewhere" }
resource "aws_lambda_function" "f" {}
"#,
        )]);
        let roles: Vec<Option<RoleId>> = m.functions.iter().map(|f| f.role).collect();
        assert_eq!(roles, [Some(0), Some(0), Some(1), Some(2), Some(1), None]);
        assert_eq!(m.roles[0].functions, [0, 1]);
        assert_eq!(m.roles[1].kind, RoleKind::External);
        assert_eq!(m.roles[2].name, "${module.iam.role_arn}");
    }

    #[test]
    fn documents_including_themselves_stay_bounded() {
        let refs = vec!["data.aws_iam_policy_document.d.json"; 40].join(", ");
        let text = format!(
            "data \"aws_iam_policy_document\" \"d\" {{\n  source_policy_documents = [{refs}]\n  statement {{\n    actions = [\"s3:GetObject\"]\n  }}\n}}\nresource \"aws_iam_policy\" \"p\" {{\n  policy = data.aws_iam_policy_document.d.json\n}}\n"
        );
        let m = model(&[("main.tf", &text)]);
        assert!(!m.statements.is_empty() && m.statements.len() <= DOCUMENT_BUDGET);
    }

    #[test]
    fn policy_from_a_local() {
        let m = model(&[
            (
                "locals.tf",
                "locals {\n  admin = jsonencode({Statement = [{Effect = \"Allow\", Action = \"*\", Resource = \"*\"}]})\n}\n",
            ),
            ("main.tf", "resource \"aws_iam_policy\" \"p\" {\n  policy = local.admin\n}\n"),
        ]);
        assert_eq!(m.statements.len(), 1);
        assert_eq!(m.statements[0].owner, "policy p");
        assert_eq!((m.statements[0].loc.file, m.statements[0].loc.span.start), (0, Position::new(2, 36)));
    }

    #[test]
    fn references() {
        let r = |s: &str| reference(&Node::new(Span::default(), Value::String(s.into())));
        assert_eq!(r("${aws_iam_role.x[0].arn}").unwrap(), ["aws_iam_role", "x", "arn"]);
        assert_eq!(r("${data.a.b[\"k.v\"].json}").unwrap(), ["data", "a", "b", "json"]);
        assert_eq!(r("${var.on ? \"a\" : \"b\"}"), None);
        assert_eq!(r("arn:${var.x}"), None);
        assert_eq!(r("${templatefile(…)}"), None);
    }
}
