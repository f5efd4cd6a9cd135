//! Parsers into code facts: imports, exports, functions, calls and their canonical names, in
//! every language; syntax errors and hostile input.

use super::ir::{Expr, ExprKind, FileFacts, Stmt, walk_exprs};
use super::*;

fn parse(path: &str, src: &str) -> FileFacts {
    facts(path, src.as_bytes()).expect("a supported language")
}

/// Every call in the file as `canonical(callee)@line`.
fn calls(f: &FileFacts) -> Vec<String> {
    let mut out = Vec::new();
    for func in &f.functions {
        walk_exprs(&func.body, &mut |e: &Expr| {
            if let ExprKind::Call { callee, .. } = &e.kind {
                if let Some(p) = f.resolve(callee) {
                    out.push(format!("{p}@{}", e.pos.line));
                }
            }
        });
    }
    out.sort();
    out
}

fn names(f: &FileFacts) -> Vec<&str> {
    f.functions.iter().map(|x| x.name.as_str()).collect()
}

#[test]
fn javascript_commonjs() {
    let f = parse(
        "h.js",
        "const cp = require('child_process');\nconst { query } = require('./lib/db');\n\
         exports.handler = async (event, context) => {\n  cp.exec(`ls ${event.body}`);\n  return query(event.id);\n};\n\
         module.exports.other = function other() {};\n",
    );
    assert!(f.problems.is_empty(), "{:?}", f.problems);
    assert_eq!(f.imports.len(), 2);
    assert_eq!(f.imports[1].module, "./lib/db");
    assert!(f.exports.contains(&("handler".into(), "handler".into())), "{:?}", f.exports);
    assert!(names(&f).contains(&"handler"));
    assert_eq!(calls(&f), ["./lib/db.query@5", "child_process.exec@4", "require@1", "require@2"]);
    let h = &f.functions[f.function("handler").expect("handler")];
    assert_eq!(h.params.len(), 2);
    assert_eq!(h.params[0].name(), Some("event"));
}

#[test]
fn javascript_esm_and_typescript() {
    let f = parse(
        "h.ts",
        "import { exec } from 'node:child_process';\nimport * as db from './db';\nimport axios from 'axios';\n\
         export const handler = async (event: APIGatewayProxyEvent): Promise<Result> => {\n  exec(event.body as string);\n  await db.run(event.id!);\n};\n\
         export default function main() {}\n",
    );
    assert!(f.problems.is_empty(), "{:?}", f.problems);
    assert_eq!(calls(&f), ["./db.run@6", "node:child_process.exec@5"]);
    let h = &f.functions[f.function("handler").expect("handler")];
    assert_eq!(h.params[0].ty.as_deref(), Some("APIGatewayProxyEvent"));
    assert!(f.exports.iter().any(|(e, l)| e == "default" && l == "main"), "{:?}", f.exports);
    let tsx = parse("c.tsx", "export const C = (p: {x: string}) => <div onClick={() => run(p.x)}>{p.x}</div>;\n");
    assert!(tsx.problems.is_empty(), "{:?}", tsx.problems);
    assert_eq!(calls(&tsx), ["run@1"]);
}

#[test]
fn python() {
    let f = parse(
        "app.py",
        "import subprocess as sp\nfrom flask import request\nfrom .lib import db\nimport os.path\n\n\
         def lambda_handler(event, context):\n    name = event['queryStringParameters']['name']\n    sp.run(f\"echo {name}\", shell=True)\n    return db.get(name)\n\n\
         class Api:\n    def get(self, x):\n        return os.path.join('a', x)\n",
    );
    assert!(f.problems.is_empty(), "{:?}", f.problems);
    assert_eq!(calls(&f), [".lib.db.get@9", "os.path.join@13", "subprocess.run@8"]);
    assert!(names(&f).contains(&"Api.get"));
    let h = &f.functions[f.function("lambda_handler").expect("handler")];
    assert_eq!(h.params.len(), 2);
    let run = &h.body[1];
    let Stmt::Expr(Expr { kind: ExprKind::Call { args, .. }, .. }) = run else { panic!("a call: {run:?}") };
    assert_eq!(args[1].name.as_deref(), Some("shell"));
    assert!(matches!(args[0].value.kind, ExprKind::Template(_)));
}

#[test]
fn go() {
    let f = parse(
        "main.go",
        "package main\n\nimport (\n\t\"os/exec\"\n\t\"crypto/tls\"\n\t\"github.com/aws/aws-lambda-go/events\"\n\t\"github.com/aws/aws-lambda-go/lambda\"\n)\n\n\
         func handler(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {\n\tout, err := exec.Command(\"sh\", \"-c\", req.Body).Output()\n\tcfg := &tls.Config{InsecureSkipVerify: true}\n\t_ = cfg\n\treturn events.APIGatewayProxyResponse{Body: string(out)}, err\n}\n\n\
         func main() {\n\tlambda.Start(handler)\n}\n",
    );
    assert!(f.problems.is_empty(), "{:?}", f.problems);
    assert_eq!(f.package.as_deref(), Some("main"));
    let c = calls(&f);
    assert!(c.contains(&"os/exec.Command@11".to_string()), "{c:?}");
    assert!(c.contains(&"crypto/tls.Config@12".to_string()), "{c:?}");
    assert!(c.contains(&"github.com/aws/aws-lambda-go/lambda.Start@18".to_string()), "{c:?}");
    let h = &f.functions[f.function("handler").expect("handler")];
    assert_eq!(h.params[1].ty.as_deref(), Some("events.APIGatewayProxyRequest"));
}

#[test]
fn rust() {
    let f = parse(
        "src/main.rs",
        "use lambda_http::{run, service_fn, Body, Error, Request, Response};\nuse std::process::Command;\nmod db;\n\n\
         const DB_PASSWORD: &str = \"hunter2-prod-9x\";\n\n\
         async fn handler(event: Request) -> Result<Response<Body>, Error> {\n    let name = event.uri().query().unwrap_or_default();\n    let out = Command::new(\"sh\").arg(\"-c\").arg(format!(\"echo {name}\")).output()?;\n    db::save(&name).await?;\n    Ok(Response::new(Body::from(out.stdout)))\n}\n\n\
         #[tokio::main]\nasync fn main() -> Result<(), Error> {\n    run(service_fn(handler)).await\n}\n",
    );
    assert!(f.problems.is_empty(), "{:?}", f.problems);
    assert_eq!(f.package.as_deref(), Some("main"));
    assert!(f.imports.iter().any(|i| i.module == "db" && i.kind == ir::ImportKind::RustMod));
    let c = calls(&f);
    assert!(c.contains(&"std.process.Command.new@9".to_string()), "{c:?}");
    assert!(c.contains(&"lambda_http.run@16".to_string()), "{c:?}");
    assert!(c.contains(&"db.save@10".to_string()), "{c:?}");
    let h = &f.functions[f.function("handler").expect("handler")];
    assert_eq!(h.params[0].ty.as_deref(), Some("Request"));
    // The constant's literal knows its bytes in the file (for secret evidence).
    let Stmt::Assign { value, .. } = &f.functions[0].body[0] else { panic!("const") };
    let ExprKind::Str { value: v, start, end } = &value.kind else { panic!("a string") };
    assert_eq!(v, "hunter2-prod-9x");
    assert_eq!(*end - *start, 15);
}

#[test]
fn syntax_errors_are_reported_and_the_rest_is_read() {
    let f = parse(
        "bad.js",
        "const a = require('x');\nfunction ok() { a.run(); }\nconst = ;\nfunction later() { a.go(); }\n",
    );
    assert_eq!(f.problems.len(), 1, "{:?}", f.problems);
    assert_eq!(f.problems[0].line, 3);
    assert!(calls(&f).contains(&"x.go@4".to_string()), "{:?}", calls(&f));
    let py = parse("bad.py", "def f(:\n    pass\n");
    assert!(!py.problems.is_empty());
    let rs = parse("bad.rs", "fn main() { let x = ; }\n");
    assert_eq!(rs.problems.len(), 1);
    assert!(rs.problems[0].message.contains("Rust syntax error"), "{}", rs.problems[0].message);
}

#[test]
fn hostile_files_are_bounded_and_reported() {
    // Deep nesting: reported, no stack overflow.
    // (Spread over lines: one long line would be taken for minified code and not parsed.)
    let deep = format!("x = {}1{}\n", "( \n".repeat(5000), ") \n".repeat(5000));
    for path in ["deep.js", "deep.py", "deep.rs", "deep.go"] {
        let f = parse(path, &deep);
        assert!(!f.problems.is_empty(), "{path}: nothing reported");
    }
    // A large minified bundle is generated code: not parsed.
    let mut bundle = String::new();
    while bundle.len() < 200_000 {
        bundle.push_str("var a=function(b){return b+1};");
    }
    let f = parse("dist/app.min.js", &bundle);
    assert!(f.generated.is_some());
    // Over the size limit.
    let big = "let a = 1;\n".repeat(MAX_PARSE_BYTES / 10);
    let f = parse("big.js", &big);
    assert!(f.problems[0].message.contains("over the code analysis limit"));
    // Invalid UTF-8.
    let f = facts("bad.rs", b"fn main() {}\n\xff\xfe\n").expect("rust");
    assert!(f.problems[0].message.contains("UTF-8"));
    let f = facts("bad.py", b"x = '\xff'\nimport os\n").expect("python");
    assert_eq!(f.imports.len(), 1);
}
