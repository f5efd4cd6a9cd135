//! Where each format says a function's code is ([`Package`]): the frontends call these once per
//! function, and the code stage (`crate::code::handlers`) turns the result and the handler into
//! a file and a symbol.

use super::values::Resolver;
use crate::loader::Node;
use crate::model::{Package, Val};

/// Serverless Framework: `module` (serverless-python-requirements: the handler is relative to
/// it), `package.artifact` (of the function, else of the service) and `image`.
pub fn serverless(function: &Node, service: &Node, res: &Resolver) -> Package {
    let artifact =
        function.path(&["package", "artifact"]).or_else(|| service.path(&["package", "artifact"])).map(|n| res.val(n));
    // serverless-wsgi generates `wsgi_handler.py` (`wsgi.py` before 1.0) at packaging time; it
    // serves the WSGI app named by `custom.wsgi.app`.
    let handler = function.get("handler").and_then(Node::as_str).unwrap_or("");
    let web_app = if handler.starts_with("wsgi_handler.") || handler.starts_with("wsgi.") {
        service.path(&["custom", "wsgi", "app"]).map(|n| res.val(n))
    } else {
        None
    };
    Package {
        dir: function.get("module").map(|n| res.val(n)),
        artifact,
        image: function.get("image").map(|n| res.loc(n)),
        web_app,
        ..Package::default()
    }
}

/// CloudFormation / SAM / CDK output: `Code.ZipFile` (inline), `Code.S3Key` / `Code.S3Bucket`
/// (an artifact), `Code.ImageUri` and `PackageType: Image`, SAM `CodeUri` (a directory, or an
/// S3 location), `InlineCode`, `ImageUri`, `Metadata.BuildMethod: esbuild` with its
/// `EntryPoints`, and CDK's `aws:asset:path` metadata.
pub fn cloudformation(resource: &Node, props: Option<&Node>, res: &Resolver) -> Package {
    let mut p = Package::default();
    let metadata = resource.get("Metadata");
    if let Some(asset) = metadata.and_then(|m| m.get("aws:asset:path")) {
        p.dir = Some(res.val(asset));
    }
    let Some(props) = props else { return p };
    if let Some(code) = props.get("Code") {
        if let Some(zip) = code.get("ZipFile") {
            p.inline = Some(res.val(zip));
        } else if let Some(key) = code.get("S3Key").or_else(|| code.get("S3Bucket")) {
            if p.dir.is_none() {
                p.artifact = Some(res.val(key));
            }
        } else if let Some(image) = code.get("ImageUri") {
            p.image = Some(res.loc(image));
        } else if code.as_str().is_some() && p.dir.is_none() {
            // Unpackaged templates (`aws cloudformation package` input) give a local path.
            p.dir = Some(res.val(code));
        }
    }
    if let Some(uri) = props.get("CodeUri") {
        match uri.as_str() {
            Some(s) if s.starts_with("s3://") => p.artifact = Some(res.val(uri)),
            Some(_) => p.dir = p.dir.or_else(|| Some(res.val(uri))),
            None => p.artifact = Some(res.val(uri.get("Key").unwrap_or(uri))),
        }
    }
    if let Some(inline) = props.get("InlineCode") {
        p.inline = Some(res.val(inline));
    }
    if let Some(image) = props.get("ImageUri") {
        p.image = Some(res.loc(image));
    }
    if props.get("PackageType").and_then(Node::as_str) == Some("Image") {
        p.image = p.image.or(Some(res.loc(props)));
    }
    let build = metadata
        .filter(|m| m.get("BuildMethod").and_then(Node::as_str).is_some_and(|b| b.eq_ignore_ascii_case("esbuild")));
    if let Some(entries) = build.and_then(|m| m.path(&["BuildProperties", "EntryPoints"])) {
        p.entry_points = entries.one_or_many().iter().map(|n| res.val(n)).collect();
    }
    // cargo-lambda's SAM build (`BuildMethod: rust-cargolambda`) names the crate's binary.
    let cargo_lambda = metadata.filter(|m| {
        m.get("BuildMethod").and_then(Node::as_str).is_some_and(|b| b.eq_ignore_ascii_case("rust-cargolambda"))
    });
    if let Some(bin) = cargo_lambda.and_then(|m| m.path(&["BuildProperties", "Binary"])) {
        p.entry_points = vec![res.val(bin)];
    }
    p
}

/// Terraform `aws_lambda_function`: `filename` (a zip, often `data.archive_file.X.output_path`,
/// whose `source_dir` / `source_file` is the source), `s3_key`, `image_uri`. `data_block`
/// finds a `data` block's body by type and name.
pub fn terraform<'a>(body: &'a Node, res: &Resolver, data_block: impl Fn(&str, &str) -> Option<&'a Node>) -> Package {
    let mut p = Package::default();
    if let Some(image) = body.get("image_uri") {
        p.image = Some(res.loc(image));
    }
    if body.get("package_type").and_then(Node::as_str) == Some("Image") {
        p.image = p.image.or(Some(res.loc(body)));
    }
    if let Some(key) = body.get("s3_key") {
        p.artifact = Some(res.val(key));
    }
    let Some(filename) = body.get("filename") else { return p };
    let val = res.val(filename);
    // `data.archive_file.NAME.output_path`, as the loader writes references.
    let archive = match &val {
        Val::Partial(s, _) | Val::Unknown(s, _) => {
            s.strip_prefix("${data.archive_file.").and_then(|r| r.split_once('.')).map(|(name, _)| name.to_string())
        }
        Val::Known(..) => None,
    };
    match archive.as_deref().and_then(|name| data_block("archive_file", name)) {
        Some(data) => {
            p.dir = data.get("source_dir").map(|n| res.val(n));
            p.file = data.get("source_file").map(|n| res.val(n));
            if p.dir.is_none() && p.file.is_none() {
                p.artifact = Some(val);
            }
        }
        None => p.artifact = Some(val),
    }
    p
}

/// Azure Functions `function.json`: `scriptFile`, relative to the function's folder.
pub fn azure(doc: &Node, res: &Resolver) -> Package {
    Package { file: doc.get("scriptFile").map(|n| res.val(n)), ..Package::default() }
}

#[cfg(test)]
mod tests {
    use crate::loader;
    use crate::model::{Model, Package, Val};

    fn yaml(text: &str, path: &str) -> Model {
        let doc = loader::yaml::parse_one(text).expect("valid YAML");
        let format = crate::frontend::detect(&doc).expect("a manifest");
        crate::frontend::build(&doc, path, format)
    }

    fn package<'m>(m: &'m Model, name: &str) -> &'m Package {
        &m.functions[m.function_named(name).expect("function")].package
    }

    fn text(v: &Option<Val>) -> Option<&str> {
        v.as_ref().map(Val::display)
    }

    #[test]
    fn serverless_module_artifact_and_image() {
        let m = yaml(
            "service: s\nprovider:\n  name: aws\npackage:\n  artifact: build/all.zip\nfunctions:\n  a:\n    handler: handler.main\n    module: users\n  b:\n    handler: b.main\n    package:\n      artifact: build/b.zip\n  c:\n    image: 123.dkr.ecr.eu-west-1.amazonaws.com/c:1\n",
            "serverless.yml",
        );
        assert_eq!(text(&package(&m, "a").dir), Some("users"));
        assert_eq!(text(&package(&m, "a").artifact), Some("build/all.zip"));
        assert_eq!(text(&package(&m, "b").artifact), Some("build/b.zip"));
        assert!(package(&m, "c").image.is_some());
    }

    #[test]
    fn sam_cloudformation_and_cdk() {
        let m = yaml(
            "Transform: AWS::Serverless-2016-10-31\nGlobals:\n  Function:\n    CodeUri: src/\nResources:\n  A:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: app.handler\n  B:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: s3://bucket/b.zip\n  C:\n    Type: AWS::Serverless::Function\n    Metadata:\n      BuildMethod: esbuild\n      BuildProperties:\n        EntryPoints: [app.ts]\n    Properties:\n      CodeUri: ts/\n      Handler: app.lambdaHandler\n  D:\n    Type: AWS::Lambda::Function\n    Properties:\n      Code:\n        ZipFile: |\n          def handler(event, context):\n              return 1\n  E:\n    Type: AWS::Lambda::Function\n    Properties:\n      Code:\n        S3Bucket: b\n        S3Key: e.zip\n  F:\n    Type: AWS::Lambda::Function\n    Metadata:\n      aws:asset:path: asset.abc123\n    Properties:\n      Code:\n        S3Bucket: b\n        S3Key: abc123.zip\n",
            "template.yaml",
        );
        assert_eq!(text(&package(&m, "A").dir), Some("src/"));
        assert_eq!(text(&package(&m, "B").artifact), Some("s3://bucket/b.zip"));
        assert_eq!(text(&package(&m, "C").dir), Some("ts/"));
        assert_eq!(package(&m, "C").entry_points.iter().map(Val::display).collect::<Vec<_>>(), ["app.ts"]);
        assert!(text(&package(&m, "D").inline).is_some_and(|c| c.contains("def handler")));
        assert_eq!(text(&package(&m, "E").artifact), Some("e.zip"));
        assert_eq!(text(&package(&m, "F").dir), Some("asset.abc123"));
        assert_eq!(package(&m, "F").artifact, None);
    }

    #[test]
    fn terraform_archive_file() {
        let tf = r#"
data "archive_file" "api" {
  type        = "zip"
  source_dir  = "${path.module}/src"
  output_path = "${path.module}/build/api.zip"
}
resource "aws_lambda_function" "api" {
  function_name = "api"
  filename      = data.archive_file.api.output_path
  handler       = "index.handler"
  runtime       = "nodejs20.x"
}
resource "aws_lambda_function" "zip" {
  function_name = "zip"
  filename      = "build/zip.zip"
  handler       = "index.handler"
}
"#;
        let doc = loader::hcl::parse(tf).expect("valid HCL");
        let m = crate::frontend::terraform::build(&[("main.tf".to_string(), doc)]);
        assert_eq!(text(&package(&m, "api").dir), Some("${path.module}/src"));
        assert_eq!(text(&package(&m, "zip").artifact), Some("build/zip.zip"));
    }
}
