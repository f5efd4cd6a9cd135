//! AWS SDK calls in one file's code facts. A client's service is known from how it was made
//! (`boto3.client('s3')`, `new S3Client()` imported from `@aws-sdk/client-s3`, `new AWS.S3()`,
//! `s3.NewFromConfig(cfg)` of `aws-sdk-go-v2/service/s3`, `aws_sdk_s3::Client::new`), never
//! from a method's name alone: many operation names exist in several services. Values are
//! followed through the file's assignments by name, whatever the order (`self.table`,
//! `this.client` and struct fields included), and through the names other files of the module
//! graph bind.
//!
//! A call on an SDK client whose operation cannot be known, a client whose service cannot be
//! known, and a method named like an operation called on a value no client can be traced to
//! (in a file that uses an AWS SDK) are kept as [`Unresolved`], with the reason.

use super::sdkmap::{self, Grant, Service, norm};
use crate::code::Language;
use crate::code::ir::{Expr, ExprKind, FileFacts, Pos, Stmt, Target, walk_exprs, walk_stmts};
use std::collections::HashMap;

/// A request parameter's value, as far as the code shows it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ArgVal {
    Literal(String),
    /// Text that starts with this and goes on with something unknown (`uploads/${id}`).
    Prefix(String),
    /// An environment variable's value (`os.environ['TABLE']`, `process.env.TABLE`).
    Env(String),
    /// Something else: what was written.
    Unknown(String),
}

/// One SDK call: its service and operation, the actions it needs, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// The boto3 client name (`s3`, `dynamodb`).
    pub service: &'static str,
    /// As AWS names it (`PutObject`).
    pub operation: String,
    pub grants: Vec<Grant>,
    /// Request parameters (normalized names) whose values the code shows.
    pub params: Vec<(String, ArgVal)>,
    pub file: String,
    pub pos: Pos,
}

/// A call (or client) that could not be resolved to an operation, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Unresolved {
    pub file: String,
    pub pos: Pos,
    /// What was written (`client.do_thing`, `boto3.client(name)`).
    pub what: String,
    pub reason: String,
    /// The services it may be a call of (all of them when empty): their grants cannot be judged.
    pub services: Vec<&'static str>,
}

#[derive(Debug, Default, Clone)]
pub struct FileCalls {
    pub calls: Vec<Call>,
    pub unresolved: Vec<Unresolved>,
    /// Top-level names bound to SDK values, for the files that import them.
    pub exports: HashMap<String, Sym>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A service client (boto3 client, JS v2/v3 client, Go client, Rust client).
    Plain,
    /// The DynamoDB document clients (JS v2 `DocumentClient`, v3 `lib-dynamodb`).
    Doc,
    /// A boto3 `resource(…)` service.
    Resource,
    /// Go's presign client.
    Presign,
    /// Go's S3 upload / download managers.
    Uploader,
    Downloader,
}

/// What a name stands for.
#[derive(Debug, Clone)]
pub enum Sym {
    Client(&'static Service, Kind),
    /// A boto3 resource object (`Table`, `Bucket`, `Object`, `Queue`, …, `objects` of a bucket),
    /// with the request parameters its identifiers fill.
    Res(&'static Service, String, Vec<(String, ArgVal)>),
    /// A boto3 session.
    Session,
    /// A boto3 paginator of an operation.
    Paginator(&'static Service, String),
    /// A plain value (a table name, a bucket name).
    Value(ArgVal),
    /// An object literal (a request's parameters).
    Obj(Expr),
    /// A client whose service cannot be known.
    Opaque(String),
    /// A JavaScript SDK v2 module under another name (`const AWS = AWSXRay.captureAWS(require('aws-sdk'))`).
    Module(String),
}

/// The SDK calls of one file. `imported` answers for names the file imports (bound in other
/// files of the module graph).
pub fn extract(facts: &FileFacts, imported: &dyn Fn(&str) -> Option<Sym>) -> FileCalls {
    let mut cx = Cx {
        facts,
        env: HashMap::new(),
        fields: HashMap::new(),
        imported,
        setters: HashMap::new(),
        out: FileCalls::default(),
    };
    cx.bind_all();
    cx.rust_chains();
    let uses_sdk = uses_sdk(facts);
    for func in &facts.functions {
        walk_exprs(&func.body, &mut |e| cx.visit(e, uses_sdk));
        for d in &func.decorators {
            cx.visit(d, uses_sdk);
        }
    }
    cx.out.calls.sort_by(|a, b| (a.pos, &a.operation).cmp(&(b.pos, &b.operation)));
    cx.out.calls.dedup_by(|a, b| a.pos == b.pos && a.operation == b.operation);
    cx.out.unresolved.sort();
    cx.out.unresolved.dedup();
    cx.out.exports = cx
        .env
        .iter()
        .filter_map(|(k, v)| {
            let k = k.strip_prefix("module.exports.").or_else(|| k.strip_prefix("exports.")).unwrap_or(k);
            (!k.contains('.')).then(|| (k.to_string(), v.clone()))
        })
        .collect();
    cx.out
}

/// Does the file import an AWS SDK?
pub fn uses_sdk(facts: &FileFacts) -> bool {
    facts.imports.iter().any(|i| {
        let m = i.module.as_str();
        m == "boto3"
            || m.starts_with("boto3.")
            || m == "botocore"
            || m.starts_with("@aws-sdk/")
            || m == "aws-sdk"
            || m.starts_with("aws-sdk/")
            || m.starts_with("github.com/aws/aws-sdk-go")
            || m.starts_with("aws_sdk_")
            || m.starts_with("aws_config")
    })
}

struct Cx<'a> {
    facts: &'a FileFacts,
    env: HashMap<String, Sym>,
    /// Struct and object fields bound to clients, by field name (`db: dynamodb.NewFromConfig(…)`).
    fields: HashMap<String, Sym>,
    imported: &'a dyn Fn(&str) -> Option<Sym>,
    setters: Setters,
    out: FileCalls,
}

/// The setters of Rust fluent builders, by the position of the operation call they build on.
type Setters = HashMap<Pos, Vec<(String, Expr)>>;

impl Cx<'_> {
    fn lang(&self) -> Option<Language> {
        self.facts.language
    }

    /// Binds every assignment of the file, twice, so that order does not matter.
    fn bind_all(&mut self) {
        for _ in 0..2 {
            for func in &self.facts.functions {
                let mut assigns: Vec<(&Target, &Expr)> = Vec::new();
                walk_stmts(&func.body, &mut |s| {
                    if let Stmt::Assign { target, value, .. } = s {
                        assigns.push((target, value));
                    }
                });
                for (t, v) in assigns {
                    self.bind(t, v);
                }
                // Struct and object literals anywhere: their fields.
                let mut objects: Vec<&Expr> = Vec::new();
                walk_exprs(&func.body, &mut |e| {
                    if matches!(e.kind, ExprKind::Object(_)) {
                        objects.push(e);
                    }
                });
                for o in objects {
                    if let ExprKind::Object(items) = &o.kind {
                        for (k, v) in items {
                            if let Some(k) = k {
                                if let Some(s @ (Sym::Client(..) | Sym::Res(..))) = self.eval(v) {
                                    self.fields.insert(k.clone(), s);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    fn bind(&mut self, t: &Target, v: &Expr) {
        let sym = self.eval(v).or_else(|| match &v.kind {
            ExprKind::Object(_) => Some(Sym::Obj(v.clone())),
            _ => match self.value(v) {
                ArgVal::Unknown(_) => None,
                a => Some(Sym::Value(a)),
            },
        });
        let Some(sym) = sym else { return };
        match t {
            Target::Name(n) => {
                self.env.insert(n.clone(), sym);
            }
            Target::Member(e) => {
                if let Some(p) = e.path() {
                    if let ExprKind::Member(_, f) = &e.kind {
                        if matches!(sym, Sym::Client(..) | Sym::Res(..)) {
                            self.fields.insert(f.clone(), sym.clone());
                        }
                    }
                    self.env.insert(p, sym);
                }
            }
            // `x, err := s3.NewFromConfig(…)` is rare; `client, err := …` binds the first.
            Target::Destructure(items) => {
                if let Some((None, Target::Name(n))) = items.first() {
                    if matches!(sym, Sym::Client(..)) {
                        self.env.insert(n.clone(), sym);
                    }
                }
            }
            Target::Ignore => {}
        }
    }

    fn lookup(&self, e: &Expr) -> Option<Sym> {
        if let Some(p) = e.path() {
            if let Some(s) = self.env.get(&p) {
                return Some(s.clone());
            }
            match p.split_once('.') {
                None => match self.facts.import_of(&p) {
                    Some((_, "*" | "default")) => {}
                    Some((_, name)) => return (self.imported)(name),
                    // Go: the other files of the package.
                    None if self.lang() == Some(Language::Go) => return (self.imported)(&p),
                    None => {}
                },
                // `db.client` of `const db = require('./db')`.
                Some((first, rest)) if !rest.contains('.') => {
                    if let Some((_, "*" | "default")) = self.facts.import_of(first) {
                        if let Some(s) = (self.imported)(rest) {
                            return Some(s);
                        }
                    }
                }
                _ => {}
            }
        }
        if let ExprKind::Member(_, f) = &e.kind {
            return self.fields.get(f).cloned();
        }
        None
    }

    /// What an expression stands for, when it is an SDK value.
    fn eval(&self, e: &Expr) -> Option<Sym> {
        match &e.kind {
            ExprKind::Other(c) if c.len() == 1 => self.eval(&c[0]),
            ExprKind::Name(_) => self.lookup(e),
            ExprKind::Member(obj, f) => {
                if let Some(s) = self.lookup(e) {
                    return Some(s);
                }
                // `bucket.objects`: the bucket's object collection.
                match self.eval(obj) {
                    Some(Sym::Res(svc, t, ids)) if t == "Bucket" && f == "objects" => {
                        Some(Sym::Res(svc, "objects".into(), ids))
                    }
                    _ => None,
                }
            }
            ExprKind::Call { callee, args } => self.eval_call(callee, args),
            _ => None,
        }
    }

    /// The canonical path of an expression ([`FileFacts::resolve`]), through names bound to an
    /// SDK module ([`Sym::Module`]).
    fn resolve(&self, e: &Expr) -> Option<String> {
        let path = self.facts.resolve(e)?;
        let (root, rest) = path.split_once('.').map_or((path.as_str(), None), |(r, x)| (r, Some(x)));
        if self.facts.import_of(root).is_none() {
            if let Some(Sym::Module(m)) = self.env.get(root) {
                return Some(rest.map_or_else(|| m.clone(), |r| format!("{m}.{r}")));
            }
        }
        Some(path)
    }

    fn eval_call(&self, callee: &Expr, args: &[crate::code::ir::Arg]) -> Option<Sym> {
        let resolved = self.resolve(callee).unwrap_or_default();
        let arg = |i: usize| args.iter().filter(|a| a.name.is_none()).nth(i).map(|a| &a.value);
        let kwarg = |n: &str| args.iter().find(|a| a.name.as_deref() == Some(n)).map(|a| &a.value);
        match self.lang() {
            Some(Language::Python) => {
                if matches!(resolved.as_str(), "boto3.session.Session" | "boto3.Session" | "aioboto3.Session") {
                    return Some(Sym::Session);
                }
                let (is_client, is_resource) = match resolved.as_str() {
                    "boto3.client" | "boto3.session.Session.client" => (true, false),
                    "boto3.resource" | "boto3.session.Session.resource" => (false, true),
                    _ => match &callee.kind {
                        ExprKind::Member(obj, m) if matches!(self.eval(obj), Some(Sym::Session)) => {
                            (m == "client", m == "resource")
                        }
                        _ => (false, false),
                    },
                };
                if is_client || is_resource {
                    let name = arg(0).or_else(|| kwarg("service_name"));
                    let kind = if is_resource { Kind::Resource } else { Kind::Plain };
                    return Some(match name.and_then(Expr::as_str) {
                        Some(n) => match sdkmap::service(n) {
                            Some(s) => Sym::Client(s, kind),
                            None => Sym::Opaque(format!("`{n}` is not a service slsguard knows")),
                        },
                        None => Sym::Opaque("the service name is not a literal".into()),
                    });
                }
                // Resource sub-objects: `dynamodb.Table(name)`, `s3.Bucket(b)`, `bucket.Object(k)`.
                if let ExprKind::Member(obj, m) = &callee.kind {
                    match self.eval(obj) {
                        Some(Sym::Client(svc, Kind::Resource)) if m.starts_with(char::is_uppercase) => {
                            let ids = resource_ids(m, &self.positional(args));
                            return Some(Sym::Res(svc, m.clone(), ids));
                        }
                        Some(Sym::Client(svc, Kind::Resource)) if m == "get_queue_by_name" => {
                            let ids = kwarg("QueueName").map(|v| vec![("queueurl".to_string(), self.value(v))]);
                            return Some(Sym::Res(svc, "Queue".into(), ids.unwrap_or_default()));
                        }
                        Some(Sym::Res(svc, t, mut ids)) if t == "Bucket" && m == "Object" => {
                            if let Some(k) = arg(0) {
                                ids.push(("key".into(), self.value(k)));
                            }
                            return Some(Sym::Res(svc, "Object".into(), ids));
                        }
                        Some(Sym::Client(svc, Kind::Plain)) if m == "get_paginator" => {
                            return arg(0).and_then(Expr::as_str).map(|op| Sym::Paginator(svc, op.to_string()));
                        }
                        _ => {}
                    }
                }
                None
            }
            Some(Language::JavaScript | Language::TypeScript | Language::Tsx) => {
                // X-Ray's wrappers return what they are given: the SDK module or a client.
                if let Some(f) = resolved.strip_prefix("aws-xray-sdk").and_then(|r| r.rsplit_once('.')).map(|r| r.1) {
                    return match f {
                        "captureAWS" => arg(0)
                            .and_then(|a| self.resolve(a))
                            .filter(|m| m == "aws-sdk" || m.starts_with("aws-sdk/"))
                            .map(Sym::Module),
                        "captureAWSClient" | "captureAWSv3Client" => arg(0).and_then(|a| self.eval(a)),
                        _ => None,
                    };
                }
                js_client(&resolved)
            }
            Some(Language::Go) => {
                let (pkg, func) = resolved.rsplit_once('.')?;
                if let Some(svc) = pkg.strip_prefix("github.com/aws/aws-sdk-go-v2/service/") {
                    let svc = sdkmap::service(svc)?;
                    return match func {
                        "NewFromConfig" | "New" => Some(Sym::Client(svc, Kind::Plain)),
                        "NewPresignClient" => Some(Sym::Client(svc, Kind::Presign)),
                        _ => None,
                    };
                }
                if pkg == "github.com/aws/aws-sdk-go-v2/feature/s3/manager" {
                    let s3 = sdkmap::service("s3")?;
                    return match func {
                        "NewUploader" => Some(Sym::Client(s3, Kind::Uploader)),
                        "NewDownloader" => Some(Sym::Client(s3, Kind::Downloader)),
                        _ => None,
                    };
                }
                None
            }
            Some(Language::Rust) => {
                let rest = resolved.strip_prefix("aws_sdk_")?;
                let (krate, path) = rest.split_once('.')?;
                if matches!(path, "Client.new" | "Client.from_conf") {
                    return sdkmap::service(krate).map(|s| Sym::Client(s, Kind::Plain));
                }
                None
            }
            None => None,
        }
    }

    fn positional(&self, args: &[crate::code::ir::Arg]) -> Vec<ArgVal> {
        args.iter().filter(|a| a.name.is_none()).map(|a| self.value(&a.value)).collect()
    }

    /// A request parameter's value.
    fn value(&self, e: &Expr) -> ArgVal {
        match &e.kind {
            ExprKind::Str { value, .. } => return ArgVal::Literal(value.clone()),
            ExprKind::Other(c) if c.len() == 1 => return self.value(&c[0]),
            ExprKind::Template(parts) => {
                let lit: String = parts.iter().map_while(Expr::as_str).collect();
                return self.built(&lit, parts.iter().all(|p| p.as_str().is_some()), e);
            }
            _ => {}
        }
        let resolved = match &e.kind {
            ExprKind::Call { callee, .. } => self.resolve(callee),
            _ => self.resolve(e),
        }
        .unwrap_or_default();
        // Environment variables.
        if let Some(v) = resolved.strip_prefix("process.env.").or_else(|| resolved.strip_prefix("os.environ.")) {
            if !v.contains('.') {
                return ArgVal::Env(v.to_string());
            }
        }
        if let ExprKind::Index(obj, key) = &e.kind {
            let o = self.facts.resolve(obj).unwrap_or_default();
            if matches!(o.as_str(), "process.env" | "os.environ") {
                if let Some(k) = key.as_str() {
                    return ArgVal::Env(k.to_string());
                }
            }
        }
        if let ExprKind::Call { callee, args } = &e.kind {
            let first = args.first().map(|a| &a.value);
            if matches!(resolved.as_str(), "os.environ.get" | "os.getenv" | "os.Getenv" | "std.env.var" | "env.var") {
                if let Some(name) = first.and_then(Expr::as_str) {
                    return ArgVal::Env(name.to_string());
                }
            }
            // Formatting: `fmt.Sprintf("uploads/%s", id)`, `"uploads/{}".format(id)`.
            let format = match &callee.kind {
                ExprKind::Member(recv, m) if m == "format" && self.lang() == Some(Language::Python) => {
                    recv.as_str().map(|f| (f, args.is_empty()))
                }
                _ if resolved == "fmt.Sprintf" => first.and_then(Expr::as_str).map(|f| (f, args.len() == 1)),
                _ => None,
            };
            if let Some((f, whole)) = format {
                return self.built(f, whole, e);
            }
            // Wrappers that keep the value: `aws.String(x)`, `str(x)`, `String(x)`, `x.unwrap()`.
            if resolved.ends_with("aws.String") || matches!(resolved.as_str(), "str" | "String" | "aws.ToString") {
                if let Some(f) = first {
                    return self.value(f);
                }
            }
            if let ExprKind::Member(recv, m) = &callee.kind {
                if matches!(
                    m.as_str(),
                    "unwrap" | "expect" | "to_string" | "to_owned" | "as_str" | "clone" | "into" | "unwrap_or_default"
                ) {
                    return self.value(recv);
                }
            }
        }
        if let Some(Sym::Value(v)) = self.lookup(e) {
            return v;
        }
        ArgVal::Unknown(describe(e))
    }

    /// A string built from `lit` (its literal start, as written) and, unless `whole`, more: the
    /// start up to the first character that may not stand for itself (an escape, a placeholder
    /// of the language's formatting: `%s`, `{}`) is known, the rest is not. `e`: what was written.
    fn built(&self, lit: &str, whole: bool, e: &Expr) -> ArgVal {
        let special: &[char] = match self.lang() {
            Some(Language::Python) => &['\\', '%', '{', '}'],
            Some(Language::Go) => &['\\', '%'],
            Some(Language::Rust) => &['\\', '{', '}'],
            _ => &['\\'],
        };
        let known = lit.find(special).map_or(lit, |i| &lit[..i]);
        if whole && known.len() == lit.len() {
            ArgVal::Literal(lit.to_string())
        } else if known.is_empty() {
            ArgVal::Unknown(describe(e))
        } else {
            ArgVal::Prefix(known.to_string())
        }
    }

    /// The request parameters of an object literal (or a name bound to one).
    fn params_of(&self, e: Option<&Expr>) -> Vec<(String, ArgVal)> {
        let Some(e) = e else { return Vec::new() };
        let obj = match &e.kind {
            ExprKind::Object(_) => e.clone(),
            ExprKind::Other(c) if c.len() == 1 => return self.params_of(Some(&c[0])),
            // Go: `&s3.PutObjectInput{…}` is a call of the type with one object.
            ExprKind::Call { args, .. } if self.lang() == Some(Language::Go) => {
                return self.params_of(args.first().map(|a| &a.value));
            }
            _ => match self.lookup(e) {
                Some(Sym::Obj(o)) => o,
                _ => return Vec::new(),
            },
        };
        let ExprKind::Object(items) = &obj.kind else { return Vec::new() };
        items.iter().filter_map(|(k, v)| Some((norm(k.as_ref()?), self.param_value(v)))).collect()
    }

    /// Nested request parameters keep their shape for `only_with` checks: a list of objects
    /// reads as the keys it holds.
    fn param_value(&self, v: &Expr) -> ArgVal {
        match &v.kind {
            ExprKind::Array(items) => {
                let mut keys: Vec<String> = items
                    .iter()
                    .filter_map(|i| match &i.kind {
                        ExprKind::Object(kv) => {
                            Some(kv.iter().filter_map(|(k, _)| k.as_deref().map(norm)).collect::<Vec<_>>())
                        }
                        _ => None,
                    })
                    .flatten()
                    .collect();
                if keys.len() < items.len() {
                    return ArgVal::Unknown("a list".into());
                }
                keys.sort();
                keys.dedup();
                ArgVal::Unknown(format!("[{}]", keys.join(",")))
            }
            _ => self.value(v),
        }
    }

    fn call(&mut self, svc: &'static Service, op: &str, params: Vec<(String, ArgVal)>, pos: Pos, what: &str) {
        if sdkmap::permissionless(svc.client, op) {
            return;
        }
        match svc.operation(op) {
            Some((name, grants)) => {
                let grants = grants.into_iter().filter(|g| needed(g, &params)).collect();
                self.out.calls.push(Call {
                    service: svc.client,
                    operation: name,
                    grants,
                    params,
                    file: self.facts.path.clone(),
                    pos,
                });
            }
            None => self.unresolved(pos, what, format!("{} has no operation `{op}`", svc.client), vec![svc.client]),
        }
    }

    /// An upload manager's upload (boto3 `upload_file`, JS v2 `s3.upload` / `ManagedUpload`, v3
    /// `Upload`, Go `manager.Uploader`): `PutObject`, or a multipart upload, which `s3:PutObject`
    /// authorizes too and which the manager aborts on failure (`s3:AbortMultipartUpload`); with
    /// tags (`tags`), `s3:PutObjectTagging` as well.
    fn upload(&mut self, s3: &'static Service, params: Vec<(String, ArgVal)>, tags: bool, pos: Pos, what: &str) {
        let before = self.out.calls.len();
        self.call(s3, "PutObject", params, pos, what);
        let Some(call) = self.out.calls.get_mut(before) else { return };
        let mut extra = vec!["AbortMultipartUpload"];
        if tags {
            extra.push("PutObjectTagging");
        }
        for op in extra {
            if let Some((_, grants)) = s3.operation(op) {
                call.grants.extend(grants);
            }
        }
    }

    fn unresolved(&mut self, pos: Pos, what: &str, reason: String, services: Vec<&'static str>) {
        self.out.unresolved.push(Unresolved {
            file: self.facts.path.clone(),
            pos,
            what: what.to_string(),
            reason,
            services,
        });
    }

    /// Rust: the setters of each fluent chain ending in `.send()` (or presigning, paginating),
    /// by the operation call it starts from.
    fn rust_chains(&mut self) {
        if self.lang() != Some(Language::Rust) {
            return;
        }
        let mut found: Setters = HashMap::new();
        for func in &self.facts.functions {
            walk_exprs(&func.body, &mut |e| {
                let ExprKind::Call { callee, .. } = &e.kind else { return };
                let ExprKind::Member(recv, m) = &callee.kind else { return };
                if !matches!(m.as_str(), "send" | "presigned" | "into_paginator" | "customize") {
                    return;
                }
                let mut setters = Vec::new();
                let mut cur: &Expr = recv;
                while let ExprKind::Call { callee, args } = &cur.kind {
                    let ExprKind::Member(inner, name) = &callee.kind else { break };
                    if let ExprKind::Call { .. } = &inner.kind {
                        if let Some(a) = args.first() {
                            setters.push((name.clone(), a.value.clone()));
                        }
                        cur = inner;
                    } else {
                        // `client.op()`: the operation call.
                        found.entry(cur.pos).or_default().append(&mut setters);
                        break;
                    }
                }
            });
        }
        self.setters = found;
    }

    fn visit(&mut self, e: &Expr, uses_sdk: bool) {
        let ExprKind::Call { callee, args } = &e.kind else { return };
        let resolved = self.resolve(callee).unwrap_or_default();
        let what = describe(callee);
        // JavaScript v3: a command is the call (sent, or presigned).
        if matches!(self.lang(), Some(Language::JavaScript | Language::TypeScript | Language::Tsx)) {
            if let Some((pkg, name)) = resolved.rsplit_once('.') {
                if let Some(svc) = js_package_service(pkg) {
                    if let Some(op) = name.strip_suffix("Command") {
                        let params = self.params_of(args.first().map(|a| &a.value));
                        if pkg == "@aws-sdk/lib-dynamodb" {
                            match doc_operation(op) {
                                Some(real) => self.call(svc, real, params, e.pos, &what),
                                None => self.unresolved(
                                    e.pos,
                                    &what,
                                    format!("lib-dynamodb has no command `{name}`"),
                                    vec!["dynamodb"],
                                ),
                            }
                        } else {
                            self.call(svc, op, params, e.pos, &what);
                        }
                        return;
                    }
                    if let Some(op) = name.strip_prefix("paginate") {
                        let params = self.params_of(args.get(1).map(|a| &a.value));
                        self.call(svc, op, params, e.pos, &what);
                        return;
                    }
                    if let Some(state) = name.strip_prefix("waitUntil") {
                        let params = self.params_of(args.get(1).map(|a| &a.value));
                        match waiter_operation(svc.client, state) {
                            Some(op) => self.call(svc, op, params, e.pos, &what),
                            None => self.unresolved(
                                e.pos,
                                &what,
                                format!("waiter `{name}` is not mapped to an operation"),
                                vec![svc.client],
                            ),
                        }
                        return;
                    }
                }
                // v3 `new Upload({client, params, tags})`, v2 `new AWS.S3.ManagedUpload({params, tags})`.
                if matches!(
                    resolved.as_str(),
                    "@aws-sdk/lib-storage.Upload" | "aws-sdk.S3.ManagedUpload" | "aws-sdk/clients/s3.ManagedUpload"
                ) {
                    if let Some(s3) = sdkmap::service("s3") {
                        let options = args.first().map(|a| &a.value);
                        let params = self.upload_params(options);
                        let tags = option_given(options, "tags");
                        self.upload(s3, params, tags, e.pos, &what);
                    }
                    return;
                }
                if matches!(resolved.as_str(), "@aws-sdk/s3-presigned-post.createPresignedPost") {
                    if let Some(s3) = sdkmap::service("s3") {
                        let params = self.params_of(args.get(1).map(|a| &a.value));
                        self.call(s3, "PutObject", params, e.pos, &what);
                    }
                    return;
                }
            }
        }
        // Go paginators and waiters: `s3.NewListObjectsV2Paginator(client, &s3.ListObjectsV2Input{…})`.
        if self.lang() == Some(Language::Go) {
            if let Some((pkg, func)) = resolved.rsplit_once('.') {
                if let Some(svc) = pkg.strip_prefix("github.com/aws/aws-sdk-go-v2/service/").and_then(sdkmap::service) {
                    if let Some(op) = func.strip_prefix("New").and_then(|f| f.strip_suffix("Paginator")) {
                        let params = self.params_of(args.get(1).map(|a| &a.value));
                        self.call(svc, op, params, e.pos, &what);
                        return;
                    }
                    if let Some(state) = func.strip_prefix("New").and_then(|f| f.strip_suffix("Waiter")) {
                        match waiter_operation(svc.client, state) {
                            Some(op) => self.call(svc, op, Vec::new(), e.pos, &what),
                            None => self.unresolved(
                                e.pos,
                                &what,
                                format!("waiter `{func}` is not mapped to an operation"),
                                vec![svc.client],
                            ),
                        }
                        return;
                    }
                }
            }
        }
        // Python: `getattr(client, name)(…)`, JS: `client[name](…)`: the operation is chosen at run time.
        let dynamic_recv = match &callee.kind {
            ExprKind::Call { callee: g, args: ga } if matches!(&g.kind, ExprKind::Name(n) if n == "getattr") => ga
                .first()
                .map(|a| &a.value)
                .filter(|x| ga.get(1).is_some_and(|n| n.value.as_str().is_none()) && x.kind != ExprKind::Null),
            ExprKind::Index(obj, key) if key.as_str().is_none() => Some(obj.as_ref()),
            _ => None,
        };
        if let Some(recv) = dynamic_recv {
            match self.eval(recv) {
                Some(Sym::Client(svc, _) | Sym::Res(svc, ..)) => {
                    self.unresolved(e.pos, &what, "the operation is chosen at run time".into(), vec![svc.client]);
                }
                Some(Sym::Opaque(why)) => self.unresolved(e.pos, &what, why, Vec::new()),
                _ => {}
            }
            return;
        }
        let ExprKind::Member(recv, m) = &callee.kind else {
            // A client made with an unknown service is reported where it is made.
            if let Some(Sym::Opaque(why)) = self.eval_call(callee, args) {
                self.unresolved(e.pos, &what, why, Vec::new());
            }
            return;
        };
        let kw: Vec<(String, ArgVal)> =
            args.iter().filter_map(|a| Some((norm(a.name.as_ref()?), self.value(&a.value)))).collect();
        let pos_args = self.positional(args);
        match self.eval(recv) {
            Some(Sym::Client(svc, kind)) => self.client_call(svc, kind, m, args, kw, pos_args, e, &what),
            Some(Sym::Res(svc, rtype, ids)) => {
                let mut params = ids;
                params.extend(kw);
                match resource_operation(&rtype, m) {
                    Some(Some(op)) => {
                        if matches!(m.as_str(), "upload_file" | "upload_fileobj") {
                            if rtype == "Bucket" {
                                if let Some(k) = pos_args.get(1) {
                                    params.push(("key".into(), k.clone()));
                                }
                            }
                            self.upload(svc, params, false, e.pos, &what);
                        } else {
                            self.call(svc, op, params, e.pos, &what)
                        }
                    }
                    Some(None) => {}
                    None => self.call(svc, m, params, e.pos, &what),
                }
            }
            Some(Sym::Paginator(svc, op)) if m == "paginate" => self.call(svc, &op, kw, e.pos, &what),
            Some(Sym::Opaque(why)) if !matches!(m.as_str(), "client" | "resource") => {
                self.unresolved(e.pos, &what, why, Vec::new())
            }
            _ => {
                // A method named like an operation on a value no client can be traced to.
                if uses_sdk && self.eval(recv).is_none() {
                    let services = services_with_operation(m, self.lang());
                    if !services.is_empty() {
                        self.unresolved(
                            e.pos,
                            &what,
                            format!("`{m}` is called on a value slsguard cannot trace to an AWS SDK client"),
                            services,
                        );
                    }
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn client_call(
        &mut self,
        svc: &'static Service,
        kind: Kind,
        m: &str,
        args: &[crate::code::ir::Arg],
        kw: Vec<(String, ArgVal)>,
        pos_args: Vec<ArgVal>,
        e: &Expr,
        what: &str,
    ) {
        let pos = e.pos;
        let arg = |i: usize| args.get(i).map(|a| &a.value);
        match (self.lang(), kind) {
            (_, Kind::Uploader) if m == "Upload" => {
                let p = self.params_of(arg(1));
                self.upload(svc, p, false, pos, what);
            }
            (_, Kind::Downloader) if m == "Download" => {
                let p = self.params_of(arg(2));
                self.call(svc, "GetObject", p, pos, what);
            }
            (_, Kind::Uploader | Kind::Downloader) => {}
            (_, Kind::Presign) => {
                if let Some(op) = m.strip_prefix("Presign") {
                    let p = self.params_of(arg(1));
                    self.call(svc, op, p, pos, what);
                }
            }
            (Some(Language::Python), Kind::Plain) => {
                let bucket_key = |b: usize, k: usize| {
                    let mut p = Vec::new();
                    if let Some(v) = pos_args.get(b) {
                        p.push(("bucket".to_string(), v.clone()));
                    }
                    if let Some(v) = pos_args.get(k) {
                        p.push(("key".to_string(), v.clone()));
                    }
                    p.extend(kw.iter().cloned());
                    p
                };
                match m {
                    "upload_file" | "upload_fileobj" => self.upload(svc, bucket_key(1, 2), false, pos, what),
                    "download_file" | "download_fileobj" => self.call(svc, "GetObject", bucket_key(0, 1), pos, what),
                    "generate_presigned_url" | "generate_presigned_post" => {
                        let op = if m == "generate_presigned_post" {
                            Some("PutObject".to_string())
                        } else {
                            arg(0)
                                .or_else(|| {
                                    args.iter().find(|a| a.name.as_deref() == Some("ClientMethod")).map(|a| &a.value)
                                })
                                .and_then(Expr::as_str)
                                .map(str::to_string)
                        };
                        let params = args
                            .iter()
                            .find(|a| a.name.as_deref() == Some("Params"))
                            .map(|a| self.params_of(Some(&a.value)))
                            .unwrap_or_else(|| bucket_key(0, 1));
                        match op {
                            Some(op) => self.call(svc, &op, params, pos, what),
                            None => self.unresolved(
                                pos,
                                what,
                                "the presigned operation is not a literal".into(),
                                vec![svc.client],
                            ),
                        }
                    }
                    "get_waiter" => match arg(0).and_then(Expr::as_str) {
                        Some(w) => match waiter_operation(svc.client, w) {
                            Some(op) => self.call(svc, op, Vec::new(), pos, what),
                            None => self.unresolved(
                                pos,
                                what,
                                format!("waiter `{w}` is not mapped to an operation"),
                                vec![svc.client],
                            ),
                        },
                        None => self.unresolved(pos, what, "the waiter name is not a literal".into(), vec![svc.client]),
                    },
                    "get_paginator" | "close" | "can_paginate" | "meta" | "exceptions" => {}
                    _ => self.call(svc, m, kw, pos, what),
                }
            }
            // `dynamodb.Table(name)` makes a resource object (see `eval_call`): not a call; other
            // service-level methods are.
            (Some(Language::Python), Kind::Resource)
                if m != "get_available_subresources" && !m.starts_with(char::is_uppercase) =>
            {
                self.call(svc, m, kw, pos, what);
            }
            (Some(Language::Python), Kind::Resource) => {}
            (Some(Language::JavaScript | Language::TypeScript | Language::Tsx), Kind::Doc) => match m {
                "send" | "destroy" | "promise" => {}
                _ => match doc_operation(m) {
                    Some(op) => {
                        let p = self.params_of(arg(0));
                        self.call(svc, op, p, pos, what)
                    }
                    None => self.unresolved(
                        pos,
                        what,
                        format!("the DynamoDB document client has no method `{m}`"),
                        vec![svc.client],
                    ),
                },
            },
            (Some(Language::JavaScript | Language::TypeScript | Language::Tsx), _) => match m {
                "send" | "destroy" | "promise" | "on" | "config" | "middlewareStack" | "makeUnauthenticatedRequest" => {
                }
                "getSignedUrl" | "getSignedUrlPromise" => match arg(0).and_then(Expr::as_str) {
                    Some(op) => {
                        let p = self.params_of(arg(1));
                        self.call(svc, op, p, pos, what)
                    }
                    None => {
                        self.unresolved(pos, what, "the presigned operation is not a literal".into(), vec![svc.client])
                    }
                },
                // The managed upload: `s3.upload(params, {tags, partSize})`.
                "upload" if svc.client == "s3" => {
                    let p = self.params_of(arg(0));
                    let tags = option_given(arg(1), "tags");
                    self.upload(svc, p, tags, pos, what)
                }
                "createPresignedPost" if svc.client == "s3" => {
                    let p = self.params_of(arg(0));
                    self.call(svc, "PutObject", p, pos, what)
                }
                "makeRequest" => match arg(0).and_then(Expr::as_str) {
                    Some(op) => {
                        let p = self.params_of(arg(1));
                        self.call(svc, op, p, pos, what)
                    }
                    None => self.unresolved(pos, what, "the operation is chosen at run time".into(), vec![svc.client]),
                },
                "waitFor" => match arg(0).and_then(Expr::as_str).and_then(|w| waiter_operation(svc.client, w)) {
                    Some(op) => {
                        let p = self.params_of(arg(1));
                        self.call(svc, op, p, pos, what)
                    }
                    None => {
                        self.unresolved(pos, what, "the waiter is not mapped to an operation".into(), vec![svc.client])
                    }
                },
                _ => {
                    let p = self.params_of(arg(0));
                    self.call(svc, m, p, pos, what)
                }
            },
            (Some(Language::Go), _) => {
                let p = self.params_of(arg(1));
                self.call(svc, m, p, pos, what)
            }
            (Some(Language::Rust), _) => {
                if let Some(state) = m.strip_prefix("wait_until_") {
                    match waiter_operation(svc.client, state) {
                        Some(op) => self.call(svc, op, Vec::new(), pos, what),
                        None => self.unresolved(
                            pos,
                            what,
                            format!("waiter `{m}` is not mapped to an operation"),
                            vec![svc.client],
                        ),
                    }
                    return;
                }
                if matches!(m, "config" | "clone") {
                    return;
                }
                let setters = self.setters.get(&e.pos).cloned().unwrap_or_default();
                let p = setters.iter().map(|(k, v)| (norm(k), self.value(v))).collect();
                self.call(svc, m, p, pos, what)
            }
            _ => {}
        }
    }

    /// `new Upload({client, params: {Bucket, Key}})`.
    fn upload_params(&self, e: Option<&Expr>) -> Vec<(String, ArgVal)> {
        match e.map(|e| &e.kind) {
            Some(ExprKind::Object(items)) => items
                .iter()
                .find(|(k, _)| k.as_deref() == Some("params"))
                .map(|(_, v)| self.params_of(Some(v)))
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }
}

/// Does an options object literal give `key` (`{ tags: [...] }`)?
fn option_given(e: Option<&Expr>, key: &str) -> bool {
    match e.map(|e| &e.kind) {
        Some(ExprKind::Object(items)) => items.iter().any(|(k, _)| k.as_deref() == Some(key)),
        Some(ExprKind::Other(c)) if c.len() == 1 => option_given(c.first(), key),
        _ => false,
    }
}

/// Is a grant needed for this request? Conditional grants (a transaction's `Put`) when the
/// request holds what they need, or when that cannot be seen.
fn needed(g: &Grant, params: &[(String, ArgVal)]) -> bool {
    let Some(path) = &g.only_with else { return true };
    let mut parts = path.split('.');
    let (Some(top), sub) = (parts.next(), parts.next()) else { return true };
    let top = top.trim_end_matches("[]");
    match params.iter().find(|(k, _)| k == top) {
        Some((_, ArgVal::Unknown(shape))) if shape.starts_with('[') => {
            sub.is_none_or(|s| shape.trim_matches(['[', ']']).split(',').any(|k| k == s))
        }
        Some(_) => true,
        // Parameters not seen at all: the request may still hold them.
        None => params.is_empty(),
    }
}

/// The service of a JavaScript v3 package (`@aws-sdk/client-s3`, `@aws-sdk/lib-dynamodb`) or a
/// v2 module (`aws-sdk`, `aws-sdk/clients/s3`).
fn js_package_service(pkg: &str) -> Option<&'static Service> {
    if let Some(name) = pkg.strip_prefix("@aws-sdk/client-") {
        return sdkmap::service(name);
    }
    if pkg == "@aws-sdk/lib-dynamodb" {
        return sdkmap::service("dynamodb");
    }
    None
}

/// A JavaScript client construction (`new S3Client()`, `new S3()`, `new AWS.S3()`,
/// `new AWS.DynamoDB.DocumentClient()`, `DynamoDBDocumentClient.from(c)`).
fn js_client(resolved: &str) -> Option<Sym> {
    if let Some(rest) = resolved.strip_prefix("@aws-sdk/lib-dynamodb.") {
        let ddb = sdkmap::service("dynamodb")?;
        return matches!(rest, "DynamoDBDocumentClient.from" | "DynamoDBDocument.from" | "DynamoDBDocument")
            .then_some(Sym::Client(ddb, Kind::Doc));
    }
    if let Some((pkg, name)) = resolved.rsplit_once('.') {
        if let Some(svc) = pkg.strip_prefix("@aws-sdk/client-").and_then(sdkmap::service) {
            // `S3Client` or the aggregated `S3`; commands are calls, not clients.
            if name.ends_with("Command") || name.starts_with("paginate") || name.starts_with("waitUntil") {
                return None;
            }
            return Some(Sym::Client(svc, Kind::Plain));
        }
    }
    // SDK v2.
    let v2 = resolved.strip_prefix("aws-sdk.").or_else(|| resolved.strip_prefix("aws-sdk/global.")).map(|r| (r, None));
    let v2 = v2.or_else(|| {
        let rest = resolved.strip_prefix("aws-sdk/clients/")?;
        Some(match rest.split_once('.') {
            Some((svc, more)) => (more, Some(svc)),
            None => ("", Some(rest)),
        })
    });
    let (rest, module_svc) = v2?;
    let mut parts = rest.split('.').filter(|p| !p.is_empty());
    let class = match module_svc {
        Some(s) => s,
        None => parts.next()?,
    };
    // `AWS.Config` is v2's configuration class; the AWS Config client is `AWS.ConfigService`.
    if class == "Config" {
        return None;
    }
    let svc = sdkmap::service(class)?;
    match parts.next() {
        None => Some(Sym::Client(svc, Kind::Plain)),
        Some("DocumentClient") if svc.client == "dynamodb" => Some(Sym::Client(svc, Kind::Doc)),
        Some(_) => None,
    }
}

/// The DynamoDB document client's methods and lib-dynamodb's commands → operations.
fn doc_operation(m: &str) -> Option<&'static str> {
    Some(match m {
        "get" | "Get" => "GetItem",
        "put" | "Put" => "PutItem",
        "update" | "Update" => "UpdateItem",
        "delete" | "Delete" => "DeleteItem",
        "query" | "Query" => "Query",
        "scan" | "Scan" => "Scan",
        "batchGet" | "BatchGet" => "BatchGetItem",
        "batchWrite" | "BatchWrite" => "BatchWriteItem",
        "transactGet" | "TransactGet" => "TransactGetItems",
        "transactWrite" | "TransactWrite" => "TransactWriteItems",
        "executeStatement" | "ExecuteStatement" => "ExecuteStatement",
        "batchExecuteStatement" | "BatchExecuteStatement" => "BatchExecuteStatement",
        "executeTransaction" | "ExecuteTransaction" => "ExecuteTransaction",
        _ => return None,
    })
}

/// Waiters → the operation they poll (botocore's waiters-2.json, for the services functions use).
fn waiter_operation(service: &str, waiter: &str) -> Option<&'static str> {
    Some(match (service, norm(waiter).as_str()) {
        ("s3", "bucketexists" | "bucketnotexists") => "HeadBucket",
        ("s3", "objectexists" | "objectnotexists") => "HeadObject",
        ("dynamodb", "tableexists" | "tablenotexists") => "DescribeTable",
        ("lambda", "functionexists" | "functionactive" | "functionactivev2") => "GetFunction",
        ("lambda", "functionupdated" | "functionupdatedv2") => "GetFunctionConfiguration",
        _ => return None,
    })
}

/// boto3 resource methods → operations: `Some(None)` for methods that call nothing.
fn resource_operation(rtype: &str, m: &str) -> Option<Option<&'static str>> {
    Some(Some(match (rtype, m) {
        ("Table", "batch_writer") => "BatchWriteItem",
        ("Table", "load" | "reload") => "DescribeTable",
        ("Table", "delete") => "DeleteTable",
        ("Table", "update") => "UpdateTable",
        ("Bucket", "upload_file" | "upload_fileobj") => "PutObject",
        ("Bucket", "download_file" | "download_fileobj") => "GetObject",
        ("Bucket", "load") => "ListBuckets",
        ("Bucket", "Object") => return Some(None),
        ("objects", "all" | "filter" | "limit" | "page_size" | "pages") => "ListObjects",
        ("objects", "delete") => "DeleteObjects",
        ("Object", "get") => "GetObject",
        ("Object", "put") => "PutObject",
        ("Object", "delete") => "DeleteObject",
        ("Object", "load" | "reload") => "HeadObject",
        ("Object", "upload_file" | "upload_fileobj") => "PutObject",
        ("Object", "download_file" | "download_fileobj") => "GetObject",
        ("Object", "copy_from") => "CopyObject",
        ("Queue", "send_messages") => "SendMessageBatch",
        ("Queue", "receive_messages") => "ReceiveMessage",
        ("Queue", "delete_messages") => "DeleteMessageBatch",
        ("Queue", "change_message_visibility_batch") => "ChangeMessageVisibilityBatch",
        ("Queue", "purge") => "PurgeQueue",
        ("Queue", "load" | "reload") => "GetQueueAttributes",
        ("Topic", "load" | "reload") => "GetTopicAttributes",
        _ => return None,
    }))
}

/// The request parameters a boto3 resource's identifiers fill.
fn resource_ids(rtype: &str, args: &[ArgVal]) -> Vec<(String, ArgVal)> {
    let names: &[&str] = match rtype {
        "Table" => &["tablename"],
        "Bucket" => &["bucket"],
        "Object" => &["bucket", "key"],
        "Queue" => &["queueurl"],
        "Topic" => &["topicarn"],
        _ => &[],
    };
    names.iter().zip(args).map(|(n, v)| (n.to_string(), v.clone())).collect()
}

/// The services that have an operation spelled like `m` in this language's SDK style.
fn services_with_operation(m: &str, lang: Option<Language>) -> Vec<&'static str> {
    // Python and Rust methods are snake_case, JavaScript camelCase, Go PascalCase: a method
    // in another style is not an SDK call.
    let styled = match lang {
        Some(Language::Python | Language::Rust) => {
            m.contains('_') && m.chars().all(|c| c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit())
        }
        Some(Language::Go) => m.starts_with(char::is_uppercase) && m.chars().any(char::is_lowercase),
        _ => m.starts_with(char::is_lowercase) && m.chars().any(char::is_uppercase),
    };
    if !styled {
        return Vec::new();
    }
    sdkmap::services_with(&norm(m))
}

/// What was written, for messages.
pub fn describe(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Member(o, f) => format!("{}.{f}", describe(o)),
        ExprKind::Name(n) => n.clone(),
        ExprKind::Call { callee, .. } => format!("{}(…)", describe(callee)),
        ExprKind::Str { value, .. } => format!("'{value}'"),
        ExprKind::Index(o, _) => format!("{}[…]", describe(o)),
        ExprKind::Other(c) if c.len() == 1 => describe(&c[0]),
        _ => "…".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calls(path: &str, src: &str) -> FileCalls {
        let facts = crate::code::facts(path, src.as_bytes()).expect("a source file");
        extract(&facts, &|_| None)
    }

    fn ops(fc: &FileCalls) -> Vec<String> {
        fc.calls.iter().map(|c| format!("{}:{}", c.service, c.operation)).collect()
    }

    #[test]
    fn python_clients_resources_and_keys() {
        let fc = calls(
            "h.py",
            "import os, boto3\ns3 = boto3.client('s3')\nt = boto3.resource('dynamodb').Table(os.environ['T'])\ndef h(e, c):\n    s3.put_object(Bucket='b', Key=f\"r/{e['id']}.json\")\n    t.query(KeyConditionExpression='x')\n",
        );
        assert_eq!(ops(&fc), ["s3:PutObject", "dynamodb:Query"]);
        assert_eq!(fc.calls[0].params[1].1, ArgVal::Prefix("r/".into()));
        assert_eq!(fc.calls[1].params[0], ("tablename".to_string(), ArgVal::Env("T".into())));
        assert!(fc.unresolved.is_empty(), "{:?}", fc.unresolved);
    }
}

#[cfg(test)]
mod more_tests {
    use super::*;

    fn calls(path: &str, src: &str) -> FileCalls {
        let facts = crate::code::facts(path, src.as_bytes()).expect("a source file");
        extract(&facts, &|_| None)
    }

    fn ops(fc: &FileCalls) -> Vec<String> {
        fc.calls.iter().map(|c| format!("{}:{}", c.service, c.operation)).collect()
    }

    #[test]
    fn javascript_v3_v2_and_document_clients() {
        let fc = calls(
            "h.mjs",
            "import { S3Client, GetObjectCommand, paginateListObjectsV2 } from '@aws-sdk/client-s3';\nimport { DynamoDBClient } from '@aws-sdk/client-dynamodb';\nimport { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';\nimport AWS from 'aws-sdk';\nconst s3 = new S3Client({});\nconst doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));\nconst sns = new AWS.SNS();\nconst dc = new AWS.DynamoDB.DocumentClient();\nexport const handler = async (e) => {\n  await s3.send(new GetObjectCommand({ Bucket: process.env.B, Key: `in/${e.k}` }));\n  await doc.send(new PutCommand({ TableName: 'orders', Item: e }));\n  await sns.publish({ TopicArn: process.env.T, Message: 'x' }).promise();\n  await dc.query({ TableName: 'orders' }).promise();\n  for await (const p of paginateListObjectsV2({ client: s3 }, { Bucket: 'b' })) {}\n};\n",
        );
        assert_eq!(ops(&fc), ["s3:GetObject", "dynamodb:PutItem", "sns:Publish", "dynamodb:Query", "s3:ListObjectsV2"]);
        assert_eq!(fc.calls[0].params[0], ("bucket".to_string(), ArgVal::Env("B".into())));
        assert!(fc.unresolved.is_empty(), "{:?}", fc.unresolved);
    }

    #[test]
    fn javascript_v2_shapes() {
        let fc = calls(
            "h.js",
            "const AWSXRay = require('aws-xray-sdk-core');\nconst AWS = AWSXRay.captureAWS(require('aws-sdk'));\nconst { SNS } = require('aws-sdk');\nconst S3 = require('aws-sdk/clients/s3');\nconst DynamoDB = require('aws-sdk/clients/dynamodb');\nAWS.config.update({ region: 'eu-west-1' });\nAWS.config = new AWS.Config({ region: 'eu-west-1' });\nconst docs = new DynamoDB.DocumentClient();\nconst ddb = AWSXRay.captureAWSClient(new AWS.DynamoDB());\nconst s3 = new S3();\nconst sns = new SNS();\nexports.handler = async (e) => {\n  await docs.transactWrite({ TransactItems: [{ Put: { TableName: 't', Item: e } }] }).promise();\n  await ddb.getItem({ TableName: 't', Key: AWS.DynamoDB.Converter.marshall({ id: e.id }) }).promise();\n  await s3.upload({ Bucket: 'b', Key: 'k', Body: 'x' }, { tags: [{ Key: 'a', Value: 'b' }] }).promise();\n  await new AWS.S3.ManagedUpload({ params: { Bucket: 'b', Key: 'k', Body: 'x' } }).promise();\n  const url = await s3.getSignedUrlPromise('putObject', { Bucket: 'b', Key: 'k' });\n  sns.publish({ TopicArn: 'arn:aws:sns:eu-west-1:123456789012:t', Message: 'x' }, (err) => {});\n  return url;\n};\n",
        );
        assert_eq!(
            ops(&fc),
            [
                "dynamodb:TransactWriteItems",
                "dynamodb:GetItem",
                "s3:PutObject",
                "s3:PutObject",
                "s3:PutObject",
                "sns:Publish"
            ]
        );
        let actions = |i: usize| fc.calls[i].grants.iter().map(|g| g.action.as_str()).collect::<Vec<_>>();
        assert_eq!(actions(0), ["dynamodb:PutItem"]);
        // Managed uploads may abort their multipart upload; with tags they tag the object.
        assert_eq!(actions(2), ["s3:PutObject", "s3:AbortMultipartUpload", "s3:PutObjectTagging"]);
        assert_eq!(actions(3), ["s3:PutObject", "s3:AbortMultipartUpload"]);
        assert_eq!(actions(4), ["s3:PutObject"]);
        assert!(fc.unresolved.is_empty(), "{:?}", fc.unresolved);
    }

    #[test]
    fn service_never_from_the_method_name() {
        // `publish` on something that is not a client: not an SNS call.
        let fc = calls("h.js", "const bus = require('./bus');\nexports.handler = async () => bus.publish('x');\n");
        assert!(fc.calls.is_empty());
        // A client whose service is not a literal: unresolved, with the reason.
        let fc = calls("h.py", "import boto3\ndef h(e, c):\n    boto3.client(e['svc']).do_it()\n");
        assert!(fc.calls.is_empty());
        assert!(
            fc.unresolved.iter().any(|u| u.reason.contains("not a literal") && u.services.is_empty()),
            "{:?}",
            fc.unresolved
        );
        // A method named like an operation on an untraced value, in a file using an SDK.
        let fc = calls("h.py", "import boto3\ndef h(table, item):\n    table.put_item(Item=item)\n");
        assert!(fc.unresolved.iter().any(|u| u.services.contains(&"dynamodb")), "{:?}", fc.unresolved);
    }

    #[test]
    fn go_and_rust_clients() {
        let fc = calls(
            "main.go",
            "package main\nimport (\n  \"os\"\n  \"github.com/aws/aws-sdk-go-v2/aws\"\n  \"github.com/aws/aws-sdk-go-v2/service/s3\"\n)\nvar client *s3.Client\nfunc handler(ctx context.Context) error {\n  client = s3.NewFromConfig(cfg)\n  _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(os.Getenv(\"BUCKET\")), Key: aws.String(\"k\")})\n  return err\n}\n",
        );
        assert_eq!(ops(&fc), ["s3:PutObject"]);
        assert_eq!(fc.calls[0].params[0], ("bucket".to_string(), ArgVal::Env("BUCKET".into())));
        let fc = calls(
            "main.rs",
            "use aws_sdk_dynamodb::Client;\nasync fn handler(cfg: &aws_config::SdkConfig) {\n    let client = Client::new(cfg);\n    let table = std::env::var(\"TABLE\").unwrap();\n    client.put_item().table_name(table).send().await.unwrap();\n}\n",
        );
        assert_eq!(ops(&fc), ["dynamodb:PutItem"]);
        assert_eq!(fc.calls[0].params[0], ("tablename".to_string(), ArgVal::Env("TABLE".into())));
    }

    /// What is known of a key built from literal text and more: the text up to the first
    /// placeholder, escape or unknown part, in every language (`Key` is the second parameter).
    #[test]
    fn built_strings_keep_their_literal_start() {
        let key = |path: &str, src: &str| -> Vec<ArgVal> {
            calls(path, src)
                .calls
                .iter()
                .map(|c| c.params.iter().find(|(k, _)| k == "key").map(|(_, v)| v.clone()).expect("a key"))
                .collect()
        };
        let prefix = |s: &str| ArgVal::Prefix(s.to_string());
        let js = "const AWS = require('aws-sdk');\nconst { S3Client, PutObjectCommand } = require('@aws-sdk/client-s3');\nconst s3 = new AWS.S3();\nconst c = new S3Client({});\nexports.h = async (e) => {\n  await s3.putObject({ Bucket: 'b', Key: `uploads/${e.id}.json` }).promise();\n  await c.send(new PutObjectCommand({ Bucket: 'b', Key: `a/${e.x}/b/${e.y}` }));\n  await c.send(new PutObjectCommand({ Bucket: 'b', Key: 'tmp/' + e.id }));\n  await c.send(new PutObjectCommand({ Bucket: 'b', Key: `${e.id}.json` }));\n  await c.send(new PutObjectCommand({ Bucket: 'b', Key: `esc\\n${e.id}` }));\n  await c.send(new PutObjectCommand({ Bucket: 'b', Key: `fixed/key.json` }));\n};\n";
        let got = key("h.js", js);
        assert_eq!(got[..3], [prefix("uploads/"), prefix("a/"), prefix("tmp/")]);
        assert!(matches!(got[3], ArgVal::Unknown(_)), "{got:?}");
        assert_eq!(got[4..], [prefix("esc"), ArgVal::Literal("fixed/key.json".into())]);
        let py = "import boto3\ns3 = boto3.client('s3')\ndef h(e, c):\n    i = e['id']\n    s3.put_object(Bucket='b', Key=f\"uploads/{i}.json\")\n    s3.put_object(Bucket='b', Key='tmp/' + i)\n    s3.put_object(Bucket='b', Key='logs/%s.txt' % i)\n    s3.put_object(Bucket='b', Key='cache/{}.bin'.format(i))\n    s3.put_object(Bucket='b', Key=f'{i}/x')\n    s3.put_object(Bucket='b', Key=f'a{{b}}/{i}')\n    k = f'keys/{i}'\n    s3.put_object(Bucket='b', Key=k)\n";
        let got = key("h.py", py);
        assert_eq!(got[..4], [prefix("uploads/"), prefix("tmp/"), prefix("logs/"), prefix("cache/")]);
        assert!(matches!(got[4], ArgVal::Unknown(_)), "{got:?}");
        assert_eq!(got[5..], [prefix("a"), prefix("keys/")]);
        let go = "package main\nimport (\n  \"fmt\"\n  \"github.com/aws/aws-sdk-go-v2/aws\"\n  \"github.com/aws/aws-sdk-go-v2/service/s3\"\n)\nfunc handler(ctx context.Context, id string) {\n  client := s3.NewFromConfig(cfg)\n  client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(\"b\"), Key: aws.String(fmt.Sprintf(\"uploads/%s.json\", id))})\n  client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(\"b\"), Key: aws.String(\"tmp/\" + id)})\n  client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(\"b\"), Key: aws.String(fmt.Sprintf(\"%s/x\", id))})\n}\n";
        let got = key("main.go", go);
        assert_eq!(got[..2], [prefix("uploads/"), prefix("tmp/")]);
        assert!(matches!(got[2], ArgVal::Unknown(_)), "{got:?}");
        let rs = "use aws_sdk_s3::Client;\nasync fn h(cfg: &aws_config::SdkConfig, id: &str) {\n    let client = Client::new(cfg);\n    client.put_object().bucket(\"b\").key(format!(\"uploads/{id}.json\")).send().await.unwrap();\n    client.put_object().bucket(\"b\").key(format!(\"tmp/{}\", id)).send().await.unwrap();\n    client.put_object().bucket(\"b\").key(format!(\"{}/x\", id)).send().await.unwrap();\n}\n";
        let got = key("main.rs", rs);
        assert_eq!(got[..2], [prefix("uploads/"), prefix("tmp/")]);
        assert!(matches!(got[2], ArgVal::Unknown(_)), "{got:?}");
    }
}
