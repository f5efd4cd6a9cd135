//! The `terraform-aws-modules/lambda/aws` module, the way most Terraform users write Lambda: a
//! `module "NAME" { source = "terraform-aws-modules/lambda/aws" … }` block is read as the
//! function, role, policies, function URL and permissions the module creates from its inputs:
//! `function_name`, `runtime`, `handler`, `environment_variables`, `source_path`; the role
//! (`create_role`, default true, or `lambda_role`) with `attach_policy_statements` +
//! `policy_statements`, `attach_policy_json(s)` + `policy_json(s)`, `attach_policy` + `policy`,
//! `attach_policies` + `policies`; `create_lambda_function_url` with `authorization_type`
//! (default `NONE`, as the module's) and `cors`; and `allowed_triggers`. An `attach_*` flag that
//! is not a literal (`var.x`) may be either: its policies are read, marked conditional.

use super::{Block, ModuleBuilder, PolicyRef, document_statement, owner};
use crate::loader::{Node, Value};
use crate::model::{ApiKind, AuthKind, Cloud, Endpoint, Function, Loc, Package, Permission, PolicyKind, RoleKind, Val};

/// Whether a module's `source` is the Lambda module (registry, GitHub or a local copy of it).
pub(super) fn is_lambda_module(source: &str) -> bool {
    let s = source.trim().trim_end_matches('/').to_ascii_lowercase();
    s.starts_with("terraform-aws-modules/lambda/aws")
        || s.contains("github.com/terraform-aws-modules/terraform-aws-lambda")
        || s.starts_with("registry.terraform.io/terraform-aws-modules/lambda/aws")
}

/// An input that is a boolean flag: `Some(true/false)` when literal, `None` when computed.
fn flag(m: &Block<'_>, key: &str) -> Option<bool> {
    let n = m.body.get(key)?;
    match &n.value {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s == "true" || s == "false" => Some(s == "true"),
        _ => None,
    }
}

/// Whether a `flag` input enables its feature (`default` when absent), and whether only
/// perhaps (a computed flag).
fn enabled(m: &Block<'_>, key: &str, default: bool) -> Option<bool> {
    match m.body.get(key) {
        None => default.then_some(false),
        Some(_) => match flag(m, key) {
            Some(true) => Some(false),
            Some(false) => None,
            None => Some(true),
        },
    }
}

impl ModuleBuilder<'_, '_> {
    /// Every Lambda module block of the module.
    pub(super) fn lambda_modules(&mut self) {
        let module = self.module;
        for m in &module.modules {
            let source = m.text("source").unwrap_or_default();
            if is_lambda_module(&source) && enabled(m, "create", true).is_some() {
                self.lambda_module(m);
            }
        }
    }

    fn lambda_module(&mut self, m: &Block<'_>) {
        let res = m.res();
        if enabled(m, "create_function", true).is_none() {
            return;
        }
        let fid = self.model.functions.len();
        let address = format!("module.{}", m.name);
        // The role: the module's own unless told to use another.
        let own_role = enabled(m, "create_role", true);
        let role = match (own_role, m.body.get("lambda_role")) {
            (Some(_), _) => {
                let id = self.model.add_role(format!("{address} (module role)"), m.loc(), RoleKind::Defined);
                self.model.roles[id].physical_name = m.text("role_name").or_else(|| m.text("function_name"));
                Some(id)
            }
            (None, Some(r)) => Some(self.principal(m, r, "aws_iam_role")),
            (None, None) => None,
        };
        if let Some(role) = role.filter(|_| own_role.is_some()) {
            self.lambda_module_policies(m, role, own_role == Some(true));
        }
        let environment = m
            .body
            .get("environment_variables")
            .and_then(Node::as_map)
            .unwrap_or(&[])
            .iter()
            .map(|e| (e.key.clone(), res.val(&e.value)))
            .collect();
        let mut package = Package::default();
        match m.body.get("source_path").map(|n| (n, res.val(n))) {
            // A path to a file (`src/index.py`) or a directory.
            Some((_, v @ Val::Known(..))) if v.display().rsplit('/').next().is_some_and(|l| l.contains('.')) => {
                package.file = Some(v)
            }
            Some((n, Val::Known(..))) => package.dir = Some(res.val(n)),
            _ => {}
        }
        if let Some(image) = m.body.get("image_uri") {
            package.image = Some(res.loc(image));
        }
        self.functions.insert(("module".to_string(), m.name.to_string()), fid);
        if let Some(name) = m.text("function_name") {
            self.function_names.entry(name).or_insert(fid);
        }
        self.model.functions.push(Function {
            name: address,
            loc: m.loc(),
            role,
            role_loc: m.body.get("lambda_role").map(|n| res.loc(n)),
            runtime: m.body.get("runtime").map(|n| res.val(n)),
            handler: m.body.get("handler").map(|n| res.val(n)),
            environment,
            package,
            cloud: Cloud::Aws,
            ..Default::default()
        });
        // The function URL: the module's `authorization_type` defaults to `NONE`.
        if enabled(m, "create_lambda_function_url", false).is_some() {
            let at = m.body.entry("create_lambda_function_url").map_or(m.name_span, |e| e.key_span);
            let auth = match m.body.get("authorization_type").map(|a| res.val(a)) {
                None => AuthKind::None,
                Some(v) if v.is_known("NONE") => AuthKind::None,
                Some(v) if v.is_known("AWS_IAM") => AuthKind::Iam,
                Some(_) => AuthKind::Unknown,
            };
            self.model.endpoints.push(Endpoint {
                kind: ApiKind::FunctionUrl,
                api: None,
                method: "ANY".into(),
                path: "/".into(),
                function: Some(fid),
                auth,
                authorizer: None,
                api_key_required: false,
                loc: Loc::new(m.file, at),
                cors: m.body.get("cors").filter(|c| c.as_map().is_some()).map(|c| super::apis::cors(c, &res)),
            });
        }
        // `allowed_triggers = { Name = { service = "apigateway", source_arn = … } }`.
        for t in m.body.get("allowed_triggers").and_then(Node::as_map).unwrap_or(&[]) {
            let get = |k: &str| t.value.get(k).map(|n| res.val(n));
            let loc = Loc::new(m.file, t.key_span);
            let principal = get("principal").unwrap_or_else(|| match get("service") {
                Some(Val::Known(s, l)) => Val::Known(format!("{s}.amazonaws.com"), l),
                Some(other) => other,
                None => Val::Unknown("missing".into(), loc),
            });
            self.model.permissions.push(Permission {
                cloud: Cloud::Aws,
                function: Some(fid),
                function_ref: format!("module.{}", m.name),
                action: get("action").unwrap_or_else(|| Val::Known("lambda:InvokeFunction".into(), loc)),
                principal,
                source_arn: get("source_arn"),
                source_account: get("source_account"),
                org_id: get("principal_org_id"),
                via_function_url: false,
                loc,
            });
        }
    }

    /// The policies the module attaches to the role it creates.
    fn lambda_module_policies(&mut self, m: &Block<'_>, role: usize, role_conditional: bool) {
        let name = |what: &str| format!("module {} ({what})", m.name);
        let mark = |st: &mut Vec<crate::model::Statement>, conditional: bool| {
            for s in st.iter_mut() {
                s.conditional |= conditional;
            }
        };
        let res = m.res();
        // `policy_statements = { name = { effect, actions, resources, condition, principals } }`.
        if let Some(cond) = enabled(m, "attach_policy_statements", false) {
            let o = owner(PolicyKind::Identity, vec![role], name("policy_statements"));
            let items: Vec<&Node> = match m.body.get("policy_statements").map(|p| &p.value) {
                Some(Value::Map(entries)) => entries.iter().map(|e| &e.value).collect(),
                Some(Value::Seq(items)) => items.iter().collect(),
                _ => Vec::new(),
            };
            let mut st: Vec<_> = items
                .into_iter()
                .map(|n| {
                    // `condition` is a map of named conditions (or a list) in the module's inputs.
                    let normalized = normalize_conditions(n);
                    document_statement(&normalized, &res, &o)
                })
                .collect();
            mark(&mut st, cond || role_conditional);
            self.model.statements.extend(st);
        }
        for (flag_key, keys) in [("attach_policy_json", ["policy_json"]), ("attach_policy_jsons", ["policy_jsons"])] {
            let Some(cond) = enabled(m, flag_key, false) else { continue };
            for key in keys {
                for doc in m.body.get(key).map(Node::one_or_many).unwrap_or(&[]) {
                    let o = owner(PolicyKind::Identity, vec![role], name(key));
                    let mut st = self.policy(m.file, doc, &o, 0);
                    mark(&mut st, cond || role_conditional);
                    self.model.statements.extend(st);
                }
            }
        }
        for (flag_key, key) in [("attach_policy", "policy"), ("attach_policies", "policies")] {
            let Some(cond) = enabled(m, flag_key, false) else { continue };
            for arn in m.body.get(key).map(Node::one_or_many).unwrap_or(&[]) {
                let p = self.policy_ref(m, arn);
                if let PolicyRef::Arn(v) = &p {
                    let conditional = cond || role_conditional;
                    super::Builder::new(self.model, m.file).attach_managed_if(v.clone(), vec![role], conditional);
                    continue;
                }
                self.attach(m.file, p, vec![role]);
            }
        }
    }
}

/// A module `policy_statements` item with its `condition` as the list of `{test, variable,
/// values}` that `document_statement` reads.
fn normalize_conditions(n: &Node) -> Node {
    let Some(entries) = n.as_map() else { return n.clone() };
    let mut out = entries.to_vec();
    for e in out.iter_mut().filter(|e| e.key == "condition") {
        if let Value::Map(named) = &e.value.value {
            let list: Vec<Node> = named.iter().map(|c| c.value.clone()).collect();
            e.value = Node::new(e.value.span, Value::Seq(list));
        }
    }
    Node::new(n.span, Value::Map(out))
}

#[cfg(test)]
mod tests {
    use crate::frontend::terraform::build;
    use crate::loader::hcl;
    use crate::model::{ApiKind, AuthKind, Model};

    fn model(tf: &str) -> Model {
        build(&[("main.tf".to_string(), hcl::parse(tf).unwrap())])
    }

    #[test]
    fn lambda_module_inputs() {
        let m = model(
            r#"
module "orders" {
  source  = "terraform-aws-modules/lambda/aws"
  version = "~> 7.0"

  function_name = "orders"
  handler       = "index.handler"
  runtime       = "nodejs16.x"
  source_path   = "../src/orders"

  environment_variables = {
    TABLE = "orders"
  }

  attach_policy_statements = true
  policy_statements = {
    dynamodb = {
      effect    = "Allow"
      actions   = ["dynamodb:*"]
      resources = ["*"]
    }
    s3_read = {
      effect    = "Allow"
      actions   = ["s3:GetObject"]
      resources = ["arn:aws:s3:::uploads/*"]
      condition = {
        org = {
          test     = "StringEquals"
          variable = "aws:PrincipalOrgID"
          values   = ["o-123"]
        }
      }
    }
  }

  attach_policy_json = true
  policy_json = jsonencode({
    Statement = [{ Effect = "Allow", Action = "sqs:SendMessage", Resource = "*" }]
  })

  attach_policies    = var.attach_extra
  policies           = ["arn:aws:iam::aws:policy/AdministratorAccess"]

  attach_policy = false
  policy        = "arn:aws:iam::aws:policy/AmazonS3FullAccess"

  create_lambda_function_url = true

  allowed_triggers = {
    APIGatewayAny = {
      service = "apigateway"
    }
  }
}

module "not_lambda" {
  source = "terraform-aws-modules/s3-bucket/aws"
}
"#,
        );
        assert_eq!(m.functions.len(), 1);
        let f = &m.functions[0];
        assert_eq!(f.name, "module.orders");
        assert_eq!(f.runtime.as_ref().and_then(|r| r.known()), Some("nodejs16.x"));
        assert_eq!(f.environment.len(), 1);
        assert!(f.package.dir.is_some());
        let role = f.role.expect("the module's role");
        let actions: Vec<(&str, bool)> = m
            .statements
            .iter()
            .filter(|s| s.roles.contains(&role))
            .flat_map(|s| s.actions.iter().map(move |a| (a.display(), s.conditional)))
            .collect();
        assert!(actions.contains(&("dynamodb:*", false)), "{actions:?}");
        assert!(actions.contains(&("sqs:SendMessage", false)), "{actions:?}");
        let org = m.statements.iter().find(|s| s.actions.iter().any(|a| a.is_known("s3:GetObject"))).unwrap();
        assert_eq!(org.conditions[0].key, "aws:PrincipalOrgID");
        // A computed flag may attach: conditional. A false one does not.
        let managed: Vec<(&str, bool)> =
            m.managed_policies.iter().filter_map(|p| p.aws_name.as_deref().map(|n| (n, p.conditional))).collect();
        assert_eq!(managed, [("AdministratorAccess", true)]);
        let url = m.endpoints.iter().find(|e| e.kind == ApiKind::FunctionUrl).expect("function URL");
        assert_eq!(url.auth, AuthKind::None, "the module's default authorization_type");
        assert_eq!(m.permissions[0].principal.known(), Some("apigateway.amazonaws.com"));
        assert!(m.permissions[0].source_arn.is_none());
    }
}
