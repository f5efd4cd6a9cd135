//! What a function's code does that changes how a public route is judged: whether it verifies
//! a caller's token itself (a route public on purpose), and whether it does something
//! privileged (a route public by mistake is then critical).

use super::ir::{Expr, ExprKind, FileFacts, walk_exprs};
use super::stage::CodeBase;
use crate::model::{Code, Evidence, Model};
use crate::rules::code_matcher::NamePattern;
use std::sync::OnceLock;

/// Token verifiers: JWT libraries' verifying calls, JWKS clients, Cognito verifiers.
const VERIFIERS: &[&str] = &[
    "jsonwebtoken.verify",
    "jose.jwtVerify",
    "jose.createRemoteJWKSet",
    "aws-jwt-verify.CognitoJwtVerifier.create",
    "aws-jwt-verify.JwtRsaVerifier.create",
    "jwks-rsa",
    "jwt.decode",
    "jwt.PyJWKClient",
    "jose.jwt.decode",
    "cognitojwt.decode",
    "cognitojwt.decode_async",
    "github.com/golang-jwt/jwt/v5.Parse",
    "github.com/golang-jwt/jwt/v5.ParseWithClaims",
    "github.com/golang-jwt/jwt/v4.Parse",
    "github.com/golang-jwt/jwt/v4.ParseWithClaims",
    "github.com/golang-jwt/jwt.Parse",
    "github.com/lestrrat-go/jwx/v2/jwt.Parse",
    "jsonwebtoken.decode",
];

/// Commands.
const COMMANDS: &[&str] = &[
    "child_process.*",
    "subprocess.*",
    "os.system",
    "os.popen",
    "os/exec.Command",
    "os/exec.CommandContext",
    "std.process.Command.new",
    "tokio.process.Command.new",
];

/// Writes and deletes in data stores (AWS SDKs in every language, SQL), IAM and STS calls, by
/// method or command name.
const WRITES: &[&str] = &[
    "putItem",
    "updateItem",
    "deleteItem",
    "batchWriteItem",
    "transactWriteItems",
    "putObject",
    "deleteObject",
    "deleteObjects",
    "put_item",
    "update_item",
    "delete_item",
    "batch_write_item",
    "transact_write_items",
    "put_object",
    "delete_object",
    "delete_objects",
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "BatchWriteItem",
    "TransactWriteItems",
    "PutObject",
    "DeleteObject",
    "DeleteObjects",
    "PutItemCommand",
    "UpdateItemCommand",
    "DeleteItemCommand",
    "BatchWriteItemCommand",
    "TransactWriteItemsCommand",
    "PutObjectCommand",
    "DeleteObjectCommand",
    "DeleteObjectsCommand",
    "PutCommand",
    "UpdateCommand",
    "DeleteCommand",
    "BatchWriteCommand",
    "TransactWriteCommand",
];
const IAM: &[&str] = &[
    "createUser",
    "attachRolePolicy",
    "putRolePolicy",
    "attachUserPolicy",
    "putUserPolicy",
    "createAccessKey",
    "assumeRole",
    "create_user",
    "attach_role_policy",
    "put_role_policy",
    "attach_user_policy",
    "put_user_policy",
    "create_access_key",
    "assume_role",
    "CreateUser",
    "AttachRolePolicy",
    "PutRolePolicy",
    "AttachUserPolicy",
    "PutUserPolicy",
    "CreateAccessKey",
    "AssumeRole",
    "CreateUserCommand",
    "AttachRolePolicyCommand",
    "PutRolePolicyCommand",
    "CreateAccessKeyCommand",
    "AssumeRoleCommand",
];

fn patterns(list: &'static [&'static str], cell: &'static OnceLock<Vec<NamePattern>>) -> &'static [NamePattern] {
    cell.get_or_init(|| list.iter().filter_map(|p| NamePattern::parse(p).ok()).collect())
}

/// Fills in each linked function's evidence.
pub fn fill(models: &mut [Model], base: &CodeBase) {
    for m in models.iter_mut() {
        for f in &mut m.functions {
            let Code::Found(link) = &mut f.code else { continue };
            let mut auth = None;
            let mut privileged = Vec::new();
            for file in &link.files {
                let facts =
                    base.facts(file).or_else(|| base.inline.values().find(|x| &x.path == file).map(|a| a.as_ref()));
                if let Some(facts) = facts {
                    scan(facts, &mut auth, &mut privileged);
                }
            }
            privileged.sort();
            privileged.dedup_by(|a, b| a.what == b.what);
            link.authenticates = auth;
            link.privileged = privileged;
        }
    }
}

fn scan(facts: &FileFacts, auth: &mut Option<Evidence>, privileged: &mut Vec<Evidence>) {
    static V: OnceLock<Vec<NamePattern>> = OnceLock::new();
    static C: OnceLock<Vec<NamePattern>> = OnceLock::new();
    let (verifiers, commands) = (patterns(VERIFIERS, &V), patterns(COMMANDS, &C));
    for func in &facts.functions {
        walk_exprs(&func.body, &mut |e: &Expr| {
            let ExprKind::Call { callee, args } = &e.kind else { return };
            let Some(name) = facts.callee_name(callee) else { return };
            let at = |what: String| Evidence { what, file: facts.path.clone(), line: e.pos.line };
            if auth.is_none() && verifiers.iter().any(|p| p.matches(&name)) && !verification_disabled(args) {
                *auth = Some(at(format!("verifies a token with `{name}`")));
            }
            let last = name.rsplit('.').next().unwrap_or(&name);
            if commands.iter().any(|p| p.matches(&name)) {
                privileged.push(at("runs a command".into()));
            } else if WRITES.contains(&last) {
                let what = if last.to_ascii_lowercase().contains("delete") {
                    "deletes data"
                } else {
                    "writes to a data store"
                };
                privileged.push(at(format!("{what} (`{last}`)")));
            } else if IAM.contains(&last) {
                privileged.push(at(format!("calls IAM/STS (`{last}`)")));
            } else if matches!(last, "query" | "execute" | "Exec" | "Query" | "ExecContext")
                && args.first().and_then(|a| a.value.as_str()).is_some_and(|q| {
                    let q = q.trim_start().to_ascii_uppercase();
                    ["INSERT", "UPDATE", "DELETE", "DROP", "ALTER", "TRUNCATE"].iter().any(|k| q.starts_with(k))
                })
            {
                privileged.push(at("writes to a database".into()));
            }
        });
    }
}

/// PyJWT's `options={"verify_signature": False}` and `verify=False` decode without verifying.
fn verification_disabled(args: &[super::ir::Arg]) -> bool {
    fn falsy_key(e: &Expr) -> bool {
        match &e.kind {
            ExprKind::Object(items) => items.iter().any(|(k, v)| {
                k.as_deref().is_some_and(|k| k == "verify_signature" || k == "verify")
                    && matches!(v.kind, ExprKind::Bool(false))
                    || falsy_key(v)
            }),
            _ => false,
        }
    }
    args.iter().any(|a| {
        (a.name.as_deref() == Some("verify") && matches!(a.value.kind, ExprKind::Bool(false))) || falsy_key(&a.value)
    })
}
