//! Handler resolution and module graphs, for every format and language, through the scanner.

use crate::model::Code;
use crate::rules::RuleSet;
use crate::scan::{DEFAULT_MAX_FILE_SIZE, Input, Scanner};

/// (function name → `file:symbol:line` and graph, or `unknown: why`) for a set of files.
fn links(files: &[(&str, &str)]) -> Vec<(String, String)> {
    let rules = RuleSet::builtin().expect("rules");
    let scanner = Scanner::new(&rules, DEFAULT_MAX_FILE_SIZE);
    let inputs: Vec<Input> =
        files.iter().map(|(p, c)| Input::Memory { display: p.to_string(), content: c.as_bytes().to_vec() }).collect();
    let report = scanner.scan_inputs(&inputs);
    report
        .functions
        .iter()
        .map(|f| {
            let v = match &f.code {
                Code::Found(c) => format!("{}:{}:{} {}", c.file, c.symbol, c.line, c.files.join(",")),
                Code::Unknown(why) => format!("unknown: {why}"),
                Code::NotAnalysed => "not analysed".into(),
            };
            (f.name.clone(), v)
        })
        .collect()
}

fn link_of(links: &[(String, String)], name: &str) -> String {
    links.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).unwrap_or_else(|| format!("no function {name}"))
}

#[test]
fn serverless_node_python_module_and_artifact() {
    let l = links(&[
        (
            "app/serverless.yml",
            "service: s\nprovider:\n  name: aws\n  runtime: nodejs20.x\nfunctions:\n  create:\n    handler: src/users/create.handler\n  legacy:\n    handler: handler.main\n    package:\n      artifact: dist/legacy.zip\n  py:\n    handler: handler.lambda_handler\n    runtime: python3.12\n    module: users\n  bundled:\n    handler: .webpack/service/src/users/create.handler\n",
        ),
        (
            "app/src/users/create.ts",
            "import { save } from '../lib/db';\nexport const handler = async (event) => save(event.body);\n",
        ),
        (
            "app/src/lib/db.ts",
            "import * as util from './util.js';\nexport function save(x) { return util.clean(x); }\n",
        ),
        ("app/src/lib/util.ts", "export const clean = (x) => x;\n"),
        (
            "app/users/handler.py",
            "from . import repo\n\ndef lambda_handler(event, context):\n    return repo.get(event)\n",
        ),
        ("app/users/repo.py", "def get(e):\n    return e\n"),
    ]);
    assert_eq!(
        link_of(&l, "create"),
        "app/src/users/create.ts:handler:2 app/src/lib/db.ts,app/src/lib/util.ts,app/src/users/create.ts"
    );
    assert!(link_of(&l, "legacy").starts_with("unknown: deployed from the built artifact `dist/legacy.zip`"));
    assert_eq!(link_of(&l, "py"), "app/users/handler.py:lambda_handler:3 app/users/handler.py,app/users/repo.py");
    // A handler pointing into the bundle resolves to the source.
    assert!(link_of(&l, "bundled").starts_with("app/src/users/create.ts:handler:2"), "{}", link_of(&l, "bundled"));
}

#[test]
fn sam_cloudformation_cdk() {
    let l = links(&[
        (
            "template.yaml",
            "Transform: AWS::Serverless-2016-10-31\nGlobals:\n  Function:\n    Runtime: nodejs20.x\nResources:\n  Ts:\n    Type: AWS::Serverless::Function\n    Metadata:\n      BuildMethod: esbuild\n      BuildProperties:\n        EntryPoints: [app.ts]\n    Properties:\n      CodeUri: hello/\n      Handler: app.lambdaHandler\n  Inline:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: python3.12\n      Handler: index.handler\n      Code:\n        ZipFile: |\n          import os\n          def handler(event, context):\n              return os.system(event['cmd'])\n  S3:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: python3.12\n      Handler: index.handler\n      Code:\n        S3Bucket: b\n        S3Key: fn.zip\n  Java:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: java21\n      Handler: a.B::handle\n  Image:\n    Type: AWS::Serverless::Function\n    Properties:\n      PackageType: Image\n",
        ),
        ("hello/app.ts", "export const lambdaHandler = async (event: unknown) => ({ statusCode: 200 });\n"),
        (
            "cdk.out/Stack.template.json",
            "{\"Resources\": {\"Fn\": {\"Type\": \"AWS::Lambda::Function\", \"Metadata\": {\"aws:asset:path\": \"asset.abc\"}, \"Properties\": {\"Runtime\": \"python3.12\", \"Handler\": \"index.main\", \"Code\": {\"S3Bucket\": \"b\", \"S3Key\": \"abc.zip\"}}}}}\n",
        ),
        ("cdk.out/asset.abc/index.py", "def main(event, context):\n    return 1\n"),
    ]);
    assert_eq!(link_of(&l, "Ts"), "hello/app.ts:lambdaHandler:1 hello/app.ts");
    assert_eq!(link_of(&l, "Inline"), "template.yaml:handler:23 template.yaml");
    assert!(link_of(&l, "S3").starts_with("unknown: deployed from the built artifact `fn.zip`"));
    assert!(link_of(&l, "Java").starts_with("unknown: runtime `java21`"), "{}", link_of(&l, "Java"));
    assert!(link_of(&l, "Image").starts_with("unknown: deployed as a container image"));
    assert_eq!(link_of(&l, "Fn"), "cdk.out/asset.abc/index.py:main:1 cdk.out/asset.abc/index.py");
}

#[test]
fn terraform_and_azure() {
    let l = links(&[
        (
            "infra/main.tf",
            "data \"archive_file\" \"api\" {\n  type        = \"zip\"\n  source_dir  = \"${path.module}/../src\"\n  output_path = \"${path.module}/api.zip\"\n}\nresource \"aws_lambda_function\" \"api\" {\n  function_name = \"api\"\n  filename      = data.archive_file.api.output_path\n  handler       = \"api.handler\"\n  runtime       = \"python3.12\"\n}\n",
        ),
        ("src/api.py", "def handler(event, context):\n    return event\n"),
        (
            "HttpFn/function.json",
            "{\"scriptFile\": \"../dist/HttpFn/index.js\", \"bindings\": [{\"type\": \"httpTrigger\", \"authLevel\": \"anonymous\", \"direction\": \"in\", \"name\": \"req\"}]}\n",
        ),
        (
            "HttpFn/index.ts",
            "export default async function (context, req) { context.res = { body: req.query.name }; }\n",
        ),
    ]);
    assert_eq!(link_of(&l, "api"), "src/api.py:handler:1 src/api.py");
    // `scriptFile` names the compiled output; the link is to its TypeScript source.
    assert_eq!(link_of(&l, "HttpFn"), "HttpFn/index.ts:default:1 HttpFn/index.ts");
}

#[test]
fn go_and_rust_programs() {
    let l = links(&[
        (
            "template.yaml",
            "Transform: AWS::Serverless-2016-10-31\nResources:\n  Hello:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: hello-world/\n      Handler: bootstrap\n      Runtime: provided.al2023\n  Orders:\n    Type: AWS::Serverless::Function\n    Metadata:\n      BuildMethod: rust-cargolambda\n    Properties:\n      CodeUri: ./orders\n      Handler: bootstrap\n      Runtime: provided.al2023\n",
        ),
        ("go.mod", "module example.com/app\n\ngo 1.22\n"),
        (
            "hello-world/main.go",
            "package main\n\nimport (\n\t\"github.com/aws/aws-lambda-go/lambda\"\n\t\"example.com/app/internal/store\"\n)\n\nfunc handler() error { return store.Save() }\n\nfunc main() {\n\tlambda.Start(handler)\n}\n",
        ),
        ("hello-world/util.go", "package main\n\nfunc helper() {}\n"),
        ("internal/store/store.go", "package store\n\nfunc Save() error { return nil }\n"),
        (
            "orders/Cargo.toml",
            "[package]\nname = \"orders\"\nversion = \"0.1.0\"\n\n[[bin]]\nname = \"create\"\npath = \"src/bin/create.rs\"\n",
        ),
        (
            "orders/src/bin/create.rs",
            "use lambda_runtime::{run, service_fn, Error, LambdaEvent};\nuse orders::db;\n\nasync fn func(event: LambdaEvent<serde_json::Value>) -> Result<(), Error> { db::save().await }\n\n#[tokio::main]\nasync fn main() -> Result<(), Error> {\n    run(service_fn(func)).await\n}\n",
        ),
        ("orders/src/lib.rs", "pub mod db;\n"),
        ("orders/src/db.rs", "pub async fn save() -> Result<(), lambda_runtime::Error> { Ok(()) }\n"),
    ]);
    assert_eq!(
        link_of(&l, "Hello"),
        "hello-world/main.go:handler:8 hello-world/main.go,hello-world/util.go,internal/store/store.go"
    );
    assert_eq!(
        link_of(&l, "Orders"),
        "orders/src/bin/create.rs:func:4 orders/src/bin/create.rs,orders/src/db.rs,orders/src/lib.rs"
    );
}

#[test]
fn literals_assigned_to_secret_names_are_judged_by_the_secret_rules() {
    let rules = RuleSet::builtin().expect("rules");
    let scanner = Scanner::new(&rules, DEFAULT_MAX_FILE_SIZE);
    let files = [
        (
            "src/main.rs",
            "const DB_PASSWORD: &str = \"Vq8rT2mZk9LwXs4N\";\nconst TIMEOUT: &str = \"Vq8rT2mZk9LwXs4N\";\n",
        ),
        ("main.go", "package main\n\nconst apiToken string = \"f3Lk92xQmZ7wP0vRt5Yb\"\n"),
        ("app.py", "settings = dict(password=\"hunter2-prod-9x\", region=\"eu-west-1\")\n"),
    ];
    let inputs: Vec<Input> =
        files.iter().map(|(p, c)| Input::Memory { display: p.to_string(), content: c.as_bytes().to_vec() }).collect();
    let report = scanner.scan_inputs(&inputs);
    let got: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.rule_id == "secret-generic-assignment")
        .map(|f| format!("{}:{} {}", f.location.path, f.location.span.start.line, f.message))
        .collect();
    assert_eq!(got.len(), 3, "{got:#?}");
    // (The regex finds this one itself; the code adds nothing.)
    assert!(got[0].starts_with("app.py:1"), "{got:#?}");
    assert!(got[1].starts_with("main.go:3") && got[1].ends_with("(assigned to `apiToken`)"), "{got:#?}");
    assert!(got[2].starts_with("src/main.rs:1") && got[2].ends_with("(assigned to `DB_PASSWORD`)"), "{got:#?}");
    // The full secret never appears.
    assert!(report.findings.iter().all(|f| !f.message.contains("Vq8rT2mZk9LwXs4N")));
}

#[test]
fn unauthenticated_routes_are_judged_with_their_code() {
    let rules = RuleSet::builtin().expect("rules");
    let scanner = Scanner::new(&rules, DEFAULT_MAX_FILE_SIZE);
    let files = [
        (
            "serverless.yml",
            "service: s\nprovider:\n  name: aws\n  runtime: nodejs20.x\nfunctions:\n  me:\n    handler: src/me.handler\n    events:\n      - httpApi: {path: /me, method: get}\n  admin:\n    handler: src/admin.handler\n    events:\n      - httpApi: {path: /admin/run, method: post}\n  hello:\n    handler: src/hello.handler\n    events:\n      - httpApi: {path: /hello, method: get}\n",
        ),
        (
            "src/me.js",
            "const { verifyToken } = require('./auth');\nexports.handler = async (event) => {\n  const user = await verifyToken(event.headers.authorization);\n  return { statusCode: 200, body: JSON.stringify(user) };\n};\n",
        ),
        (
            "src/auth.js",
            "const jwt = require('jsonwebtoken');\nexports.verifyToken = (header) => jwt.verify(header.replace('Bearer ', ''), process.env.JWT_KEY);\n",
        ),
        (
            "src/admin.js",
            "const { execFileSync } = require('child_process');\nexports.handler = async () => ({ body: execFileSync('/opt/bin/rotate').toString() });\n",
        ),
        ("src/hello.js", "exports.handler = async () => ({ statusCode: 200, body: 'hello' });\n"),
    ];
    let inputs: Vec<Input> =
        files.iter().map(|(p, c)| Input::Memory { display: p.to_string(), content: c.as_bytes().to_vec() }).collect();
    let report = scanner.scan_inputs(&inputs);
    let route = |path: &str| {
        report
            .findings
            .iter()
            .find(|f| f.rule_id.starts_with("auth-") && f.message.contains(path))
            .unwrap_or_else(|| panic!("no auth finding for {path}: {:#?}", report.findings))
    };
    let hello = route("/hello");
    let me = route("/me");
    let admin = route("/admin/run");
    assert!(
        me.message.contains("authenticates in code (src/auth.js:2: verifies a token with `jsonwebtoken.verify`)"),
        "{}",
        me.message
    );
    assert_eq!(me.severity, hello.severity.lower());
    assert!(admin.message.contains("its code runs a command (src/admin.js:2)"), "{}", admin.message);
    assert_eq!(admin.severity, crate::finding::Severity::Critical);
    assert!(!hello.message.contains("code"), "{}", hello.message);
}

#[test]
fn normalize_paths() {
    use crate::code::handlers::normalize;
    for (path, want) in [
        ("a/b/c.py", "a/b/c.py"),
        ("/a/b", "/a/b"),
        ("a/b/../c/./d", "a/c/d"),
        ("./a", "a"),
        ("a//b/", "a/b"),
        ("../a", "../a"),
        ("/../a", "/a"),
        ("/", "/"),
        ("", ""),
        (".", ""),
        ("a/..", ""),
    ] {
        assert_eq!(normalize(path), want, "{path}");
    }
}
