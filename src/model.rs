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
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Serverless => "serverless",
            Format::Sam => "sam",
            Format::CloudFormation => "cloudformation",
            Format::Terraform => "terraform",
            Format::PolicyDocument => "policy-document",
        }
    }
}

pub type FunctionId = usize;
pub type RoleId = usize;
pub type StatementId = usize;

/// A function (Lambda, or equivalent).
#[derive(Debug, Clone)]
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
}

/// A SAM policy template used by a function.
#[derive(Debug, Clone)]
pub struct SamTemplateUse {
    pub roles: Vec<RoleId>,
    pub name: String,
    pub loc: Loc,
    pub parameters: Vec<(String, Val)>,
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
        }
    }

    pub fn add_role(&mut self, name: impl Into<String>, loc: Loc, kind: RoleKind) -> RoleId {
        self.add_principal("role", name, loc, kind)
    }

    /// A role, user or group (`noun`).
    pub fn add_principal(&mut self, noun: &'static str, name: impl Into<String>, loc: Loc, kind: RoleKind) -> RoleId {
        self.roles.push(Role { name: name.into(), noun, loc, kind, functions: Vec::new() });
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
        self.functions.is_empty() && self.roles.is_empty() && self.statements.is_empty()
    }
}
