//! CloudFormation templates (YAML or JSON, CDK output included) and SAM templates (a superset)
//! into the model: roles with their trust, inline and managed policies; standalone and managed
//! policies with what they attach to; users and groups; functions with their role (SAM creates
//! one role per function from its `Policies`, with policy templates expanded); resource policies.

use super::policy_document::{self, Owner};
use super::values::Resolver;
use crate::iam::{managed, sam_templates};
use crate::loader::{Node, Value};
use crate::model::{
    FileId, Function, Loc, ManagedPolicyAttachment, Model, Origin, PolicyKind, RoleId, RoleKind, SamTemplateUse, Val,
};
use std::collections::HashMap;

pub const SAM_TRANSFORM: &str = "AWS::Serverless-2016-10-31";

/// True when the document declares the SAM transform.
pub fn is_sam(doc: &Node) -> bool {
    doc.get("Transform").is_some_and(|t| t.one_or_many().iter().any(|n| n.as_str() == Some(SAM_TRANSFORM)))
}

/// Builds the resources of one template into `model` (which may already hold other entities, as
/// for a serverless.yml's `resources`).
pub struct Builder<'m> {
    pub model: &'m mut Model,
    pub res: Resolver,
    /// Logical id → principal (role, user, group) defined in the template.
    pub principals: HashMap<String, RoleId>,
    /// Logical id → function index.
    pub functions: HashMap<String, usize>,
    /// Template parameters' defaults (SAM resolves some properties with them, e.g. `Tracing`).
    pub parameter_defaults: HashMap<String, String>,
}

impl<'m> Builder<'m> {
    pub fn new(model: &'m mut Model, file: FileId) -> Self {
        Self {
            model,
            res: Resolver::new(file),
            principals: HashMap::new(),
            functions: HashMap::new(),
            parameter_defaults: HashMap::new(),
        }
    }

    /// Adds every resource of a `Resources` mapping. `globals` is SAM's `Globals` section.
    pub fn add_resources(&mut self, resources: &Node, globals: Option<&Node>) {
        let Some(entries) = resources.as_map() else { return };
        // Principals first, so that policies and functions can point at them.
        for e in entries {
            let (ty, loc) = (resource_type(&e.value), Loc::new(self.res.file, e.key_span));
            let noun = match ty {
                "AWS::IAM::Role" => "role",
                "AWS::IAM::User" => "user",
                "AWS::IAM::Group" => "group",
                _ => continue,
            };
            // The role SAM generated for a function, as its translator writes it (tagged): SAM,
            // not the template's author, decides what it holds for the function's events.
            let sam = e.value.path(&["Properties", "Tags"]).map(Node::one_or_many).unwrap_or(&[]).iter().any(|t| {
                t.get("Key").and_then(Node::as_str) == Some("lambda:createdBy")
                    && t.get("Value").and_then(Node::as_str) == Some("SAM")
            });
            let kind = if sam && noun == "role" { RoleKind::SamGenerated } else { RoleKind::Defined };
            let id = self.model.add_principal(noun, e.key.clone(), loc, kind);
            let name_key = ["RoleName", "UserName", "GroupName"];
            self.model.roles[id].physical_name = e
                .value
                .get("Properties")
                .and_then(|p| name_key.iter().find_map(|k| p.get(k)))
                .and_then(|n| self.res.val(n).known().map(str::to_string));
            self.principals.insert(e.key.clone(), id);
        }
        let mut deployment_preferences = Vec::new();
        for e in entries {
            let props = e.value.get("Properties");
            let key_loc = Loc::new(self.res.file, e.key_span);
            match resource_type(&e.value) {
                "AWS::IAM::Role" | "AWS::IAM::User" | "AWS::IAM::Group" => {
                    if let (Some(p), Some(&id)) = (props, self.principals.get(&e.key)) {
                        self.principal_policies(&e.key, id, p);
                    }
                }
                "AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy" => {
                    if let Some(p) = props {
                        self.standalone_policy(&e.key, p);
                    }
                }
                "AWS::Lambda::Function" => {
                    let f = self.function(&e.key, key_loc, props, false);
                    self.model.functions[f].package = super::package::cloudformation(&e.value, props, &self.res);
                    self.model.functions[f].platform = Some(props.map_or_else(Default::default, |p| {
                        super::platform::cloudformation(p, false, &self.res, entries)
                    }));
                    self.functions.insert(e.key.clone(), f);
                }
                "AWS::Serverless::Function" => {
                    let merged;
                    let props = match (props, globals.and_then(|g| g.get("Function"))) {
                        (Some(p), Some(g)) => {
                            merged = merge_globals(p, g);
                            Some(&merged)
                        }
                        (p, Some(g)) => Some(g).filter(|_| p.is_none()),
                        (p, None) => p,
                    };
                    let f = self.function(&e.key, key_loc, props, true);
                    self.model.functions[f].package = super::package::cloudformation(&e.value, props, &self.res);
                    self.model.functions[f].platform = Some(props.map_or_else(Default::default, |p| {
                        super::platform::cloudformation(p, true, &self.res, entries)
                    }));
                    self.functions.insert(e.key.clone(), f);
                    if let Some(p) = props {
                        self.sam_event_roles(&e.key, p, false);
                        deployment_preferences.extend(p.get("DeploymentPreference").cloned());
                    }
                }
                "AWS::Serverless::GraphQLApi" => {
                    if let Some(p) = props {
                        self.graphql_api(&e.key, key_loc, p, entries);
                    }
                }
                "AWS::Serverless::CapacityProvider" => {
                    let merged;
                    let props = match (props, globals.and_then(|g| g.get("CapacityProvider"))) {
                        (Some(p), Some(g)) => {
                            merged = merge_globals(p, g);
                            Some(&merged)
                        }
                        (p, g) => p.or(g),
                    };
                    self.capacity_provider(&e.key, key_loc, props);
                }
                "AWS::Serverless::StateMachine" => {
                    if let Some(p) = props {
                        self.state_machine(&e.key, key_loc, p);
                    }
                }
                "AWS::S3::BucketPolicy" | "AWS::SQS::QueuePolicy" | "AWS::SNS::TopicPolicy" => {
                    if let Some(doc) = props.and_then(|p| p.get("PolicyDocument")) {
                        let owner = Owner {
                            kind: PolicyKind::Resource,
                            origin: Origin::Inline,
                            roles: Vec::new(),
                            name: format!("resource policy {}", e.key),
                        };
                        self.model.statements.extend(policy_document::statements(doc, &self.res, &owner));
                    }
                }
                _ => {}
            }
        }
        let prefs: Vec<&Node> = deployment_preferences.iter().collect();
        self.sam_template_roles(&prefs);
        // A version or alias of a function stands for the function: routes, URLs and
        // permissions that name `!Ref FnAliaslive` reach the same code.
        for e in entries {
            if matches!(resource_type(&e.value), "AWS::Lambda::Alias" | "AWS::Lambda::Version") {
                let target = e.value.path(&["Properties", "FunctionName"]).and_then(Resolver::referenced_resource);
                if let Some(&f) = target.and_then(|t| self.functions.get(&t)) {
                    self.functions.entry(e.key.clone()).or_insert(f);
                }
            }
        }
    }

    /// A principal's trust policy, inline policies and managed policy ARNs.
    fn principal_policies(&mut self, name: &str, id: RoleId, props: &Node) {
        let noun = self.model.roles[id].noun;
        if let Some(trust) = props.get("AssumeRolePolicyDocument") {
            let owner = Owner {
                kind: PolicyKind::Trust,
                origin: Origin::Inline,
                roles: vec![id],
                name: format!("{noun} {name}"),
            };
            self.model.statements.extend(policy_document::statements(trust, &self.res, &owner));
        }
        for (p, conditional) in props.get("Policies").map(conditional_items).unwrap_or_default() {
            if let Some(doc) = p.get("PolicyDocument") {
                let pname = p.get("PolicyName").and_then(Node::scalar_text).map(|c| c.into_owned()).unwrap_or_default();
                let owner = Owner {
                    kind: PolicyKind::Identity,
                    origin: Origin::Inline,
                    roles: vec![id],
                    name: if pname.is_empty() {
                        format!("{noun} {name}")
                    } else {
                        format!("{noun} {name} (policy {pname})")
                    },
                };
                self.add_document(doc, &owner, conditional);
            }
        }
        for (arn, conditional) in props.get("ManagedPolicyArns").map(conditional_items).unwrap_or_default() {
            let v = self.res.val(arn);
            self.attach_managed_if(v, vec![id], conditional);
        }
    }

    /// A managed policy reference attached to `roles`: an AWS managed policy is expanded into its
    /// statements; a policy defined in this template is attached by `standalone_policy`.
    pub fn attach_managed(&mut self, reference: Val, roles: Vec<RoleId>) {
        self.attach_managed_if(reference, roles, false);
    }

    /// [`Builder::attach_managed`], for an attachment that may be deployed only under a template
    /// condition (`conditional`).
    pub fn attach_managed_if(&mut self, reference: Val, roles: Vec<RoleId>, conditional: bool) {
        let aws = match &reference {
            Val::Known(s, _) | Val::Partial(s, _) => managed::lookup(s),
            Val::Unknown(..) => None,
        };
        if let Some((name, policy)) = aws {
            for mut s in policy.model_statements(name, reference.loc(), &roles) {
                s.conditional = conditional;
                self.model.statements.push(s);
            }
        }
        self.model.managed_policies.push(ManagedPolicyAttachment {
            roles,
            aws_name: aws.map(|(n, _)| n.to_string()),
            reference,
            conditional,
        });
    }

    /// The statements of a policy document, added to the model (`conditional`: the document is
    /// one branch of an `Fn::If`).
    pub fn add_document(&mut self, doc: &Node, owner: &Owner, conditional: bool) {
        let mut st = policy_document::statements(doc, &self.res, owner);
        for s in &mut st {
            s.conditional |= conditional;
        }
        self.model.statements.extend(st);
    }

    /// `AWS::IAM::Policy` / `AWS::IAM::ManagedPolicy`: its document, attached to the roles, users
    /// and groups it names (and, for a managed policy, to roles whose `ManagedPolicyArns` refer to it).
    fn standalone_policy(&mut self, name: &str, props: &Node) {
        let mut roles = Vec::new();
        let mut external = Vec::new();
        for key in ["Roles", "Users", "Groups"] {
            for n in props.get(key).map(Node::one_or_many).unwrap_or(&[]) {
                match Resolver::referenced_resource(n).and_then(|r| self.principals.get(&r).copied()) {
                    Some(id) => roles.push(id),
                    // A role named by its name is a role defined elsewhere: the policy is its.
                    None if key == "Roles" => roles.push(self.role_reference(n)),
                    None => external.push(self.res.val(n).display().to_string()),
                }
            }
        }
        let label = if roles.is_empty() && !external.is_empty() {
            format!("policy {name} (attached to {})", external.join(", "))
        } else {
            format!("policy {name}")
        };
        if let Some(doc) = props.get("PolicyDocument") {
            let owner = Owner { kind: PolicyKind::Identity, origin: Origin::Inline, roles, name: label };
            self.model.statements.extend(policy_document::statements(doc, &self.res, &owner));
        }
    }

    /// A Lambda function (`sam` for `AWS::Serverless::Function`, which gets a role of its own
    /// when it names none): its role, runtime, handler and environment.
    fn function(&mut self, name: &str, loc: Loc, props: Option<&Node>, sam: bool) -> usize {
        let empty = Node::new(Default::default(), Value::Null);
        let props = props.unwrap_or(&empty);
        // `Role: null` is no role (SAM then generates one). `!If [C, Role, !Ref AWS::NoValue]`:
        // SAM generates the role for the empty branch; the model takes the first branch.
        let written = props.get("Role").filter(|r| !r.is_null());
        let first_branch = |r: &'_ Node| -> Option<Node> {
            match r.as_map() {
                Some([e]) if e.key == "Fn::If" => e.value.as_seq().and_then(|b| b.get(1)).cloned(),
                _ => Some(r.clone()),
            }
        };
        let no_value =
            |n: &Node| matches!(n.as_map(), Some([e]) if e.key == "Ref" && e.value.as_str() == Some("AWS::NoValue"));
        let generate = sam && written.is_none_or(super::sam::is_if_with_no_value);
        let generated = generate.then(|| {
            let id = self.generated_role(format!("{name}Role"), loc, "lambda.amazonaws.com");
            self.sam_policies(&format!("function {name}"), id, props);
            self.sam_role_defaults(name, id, loc, props);
            id
        });
        let role_node = written.and_then(first_branch).filter(|n| !no_value(n));
        let role = match &role_node {
            Some(r) => Some(self.role_reference(r)),
            None => generated,
        };
        let environment = props
            .path(&["Environment", "Variables"])
            .and_then(Node::as_map)
            .unwrap_or(&[])
            .iter()
            .map(|e| (e.key.clone(), self.res.val(&e.value)))
            .collect();
        self.model.functions.push(Function {
            name: name.to_string(),
            loc,
            role,
            role_loc: role_node.as_ref().map(|r| self.res.loc(r)),
            runtime: props.get("Runtime").map(|n| self.res.val(n)),
            handler: props.get("Handler").map(|n| self.res.val(n)),
            environment,
            ..Default::default()
        });
        self.model.functions.len() - 1
    }

    /// The role a `Role:` value names: a role of this template, or an external one.
    pub fn role_reference(&mut self, node: &Node) -> RoleId {
        if let Some(id) = Resolver::referenced_resource(node).and_then(|r| self.principals.get(&r).copied()) {
            return id;
        }
        let v = self.res.val(node);
        self.model.external_role(v.display(), v.loc())
    }

    /// SAM `Policies` of a function or state machine (`subject`, for messages): managed policy names/ARNs, inline documents, and policy templates; an
    /// `Fn::If` item contributes both branches, marked conditional.
    pub fn sam_policies(&mut self, subject: &str, role: RoleId, props: &Node) {
        // SAM attaches a managed policy named twice once.
        let mut named = std::collections::HashSet::new();
        for (p, conditional) in props.get("Policies").map(conditional_items).unwrap_or_default() {
            match &p.value {
                Value::String(name) => {
                    if !named.insert(name.clone()) {
                        continue;
                    }
                    let v = self.res.val(p);
                    // A bare name is an AWS managed policy name; SAM also accepts ARNs.
                    self.attach_managed_if(v, vec![role], conditional);
                }
                Value::Map(_) if p.get("Statement").is_some() => {
                    let owner = Owner {
                        kind: PolicyKind::Identity,
                        origin: Origin::Inline,
                        roles: vec![role],
                        name: format!("{subject} (inline policy)"),
                    };
                    self.add_document(p, &owner, conditional);
                }
                Value::Map(entries) if entries.len() == 1 && sam_templates::is_template(&entries[0].key) => {
                    let e = &entries[0];
                    let tloc = Loc::new(self.res.file, e.key_span);
                    let params = if e.value.as_map().is_some() {
                        e.value.clone()
                    } else {
                        Node::new(e.value.span, Value::Map(Vec::new()))
                    };
                    if let Some(doc) = sam_templates::expand(&e.key, &params, e.key_span) {
                        let owner = Owner {
                            kind: PolicyKind::Identity,
                            origin: Origin::SamTemplate { name: e.key.clone() },
                            roles: vec![role],
                            name: format!("SAM policy template {}", e.key),
                        };
                        let mut st = policy_document::statements(&doc, &self.res, &owner);
                        for s in &mut st {
                            s.loc = tloc;
                            s.conditional = conditional;
                        }
                        self.model.statements.extend(st);
                    }
                    let parameters = params
                        .as_map()
                        .unwrap_or(&[])
                        .iter()
                        .map(|pe| (pe.key.clone(), self.res.val(&pe.value)))
                        .collect();
                    self.model.sam_templates.push(SamTemplateUse {
                        roles: vec![role],
                        name: e.key.clone(),
                        loc: tloc,
                        parameters,
                    });
                }
                // `!Sub arn:…`, a template we do not know, or `!Ref SomeManagedPolicy` (whose
                // statements, when it is in the template, `link_managed_policy_refs` links).
                Value::Map(_) => {
                    let v = self.res.val(p);
                    self.attach_managed_if(v, vec![role], conditional);
                }
                _ => {}
            }
        }
    }

    /// Attaches template-defined managed policies that roles name in `ManagedPolicyArns`
    /// (`!Ref MyPolicy`): their statements gain those roles.
    pub fn link_managed_policy_refs(&mut self, resources: &Node) {
        let Some(entries) = resources.as_map() else { return };
        for e in entries {
            // A role's `ManagedPolicyArns`, or the `Policies` of a SAM function or state machine
            // (for the role SAM generates).
            let (role, refs) = match resource_type(&e.value) {
                "AWS::IAM::Role" => (self.principals.get(&e.key), e.value.path(&["Properties", "ManagedPolicyArns"])),
                "AWS::Serverless::Function" | "AWS::Serverless::StateMachine"
                    if e.value.path(&["Properties", "Role"]).is_none_or(Node::is_null) =>
                {
                    (self.principals.get(&format!("{}Role", e.key)), e.value.path(&["Properties", "Policies"]))
                }
                _ => continue,
            };
            let Some(&role) = role else { continue };
            for (n, _) in refs.map(conditional_items).unwrap_or_default() {
                let Some(policy) = Resolver::referenced_resource(n) else { continue };
                let owner = format!("policy {policy}");
                for s in self
                    .model
                    .statements
                    .iter_mut()
                    .filter(|s| s.owner == owner || s.owner.starts_with(&format!("{owner} ")))
                {
                    if !s.roles.contains(&role) {
                        s.roles.push(role);
                    }
                }
            }
        }
    }
}

/// The items of a list that may hold `Fn::If`s (or be one): each real item with whether it is
/// deployed only under a condition. `AWS::NoValue` branches contribute nothing.
pub fn conditional_items(node: &Node) -> Vec<(&Node, bool)> {
    fn walk<'n>(node: &'n Node, conditional: bool, depth: usize, out: &mut Vec<(&'n Node, bool)>) {
        if depth > 8 {
            return;
        }
        match &node.value {
            Value::Seq(items) => items.iter().for_each(|i| walk(i, conditional, depth + 1, out)),
            Value::Map(entries) if entries.len() == 1 && entries[0].key == "Fn::If" => {
                for branch in entries[0].value.as_seq().unwrap_or(&[]).iter().skip(1) {
                    walk(branch, true, depth + 1, out);
                }
            }
            Value::Map(entries)
                if entries.len() == 1
                    && entries[0].key == "Ref"
                    && entries[0].value.as_str() == Some("AWS::NoValue") => {}
            Value::Null => {}
            _ => out.push((node, conditional)),
        }
    }
    let mut out = Vec::new();
    walk(node, false, 0, &mut out);
    out
}

pub fn resource_type(resource: &Node) -> &str {
    resource.get("Type").and_then(Node::as_str).unwrap_or("")
}

/// SAM `Globals.Function` under a function's properties: the function's own keys win; maps such
/// as `Environment.Variables` are merged key by key.
pub(super) fn merge_globals(props: &Node, globals: &Node) -> Node {
    let (Some(own), Some(glob)) = (props.as_map(), globals.as_map()) else { return props.clone() };
    let mut entries = own.to_vec();
    for g in glob {
        match entries.iter_mut().find(|e| e.key == g.key) {
            Some(e) if e.value.as_map().is_some() && g.value.as_map().is_some() => {
                e.value = merge_globals(&e.value, &g.value);
            }
            Some(_) => {}
            None => entries.push(g.clone()),
        }
    }
    Node::new(props.span, Value::Map(entries))
}

/// Builds the model of a CloudFormation or SAM template.
pub fn build(doc: &Node, path: &str) -> Model {
    let format = if is_sam(doc) { crate::model::Format::Sam } else { crate::model::Format::CloudFormation };
    let mut model = Model::new(format, vec![path.to_string()]);
    if let Some(resources) = doc.get("Resources") {
        let mut b = Builder::new(&mut model, 0);
        for p in doc.get("Parameters").and_then(Node::as_map).unwrap_or(&[]) {
            if let Some(d) = p.value.get("Default").and_then(Node::scalar_text) {
                b.parameter_defaults.insert(p.key.clone(), d.into_owned());
            }
        }
        b.add_resources(resources, doc.get("Globals"));
        super::platform::link(&mut b, resources);
        b.link_managed_policy_refs(resources);
        b.sam_connectors(resources);
        b.add_apis(resources, doc.get("Globals"));
    }
    model.link();
    model
}
