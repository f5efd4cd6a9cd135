#!/usr/bin/env python3
"""Generates the code benchmark's tree (benches/code.sh): serverless apps whose function code is
spread over 10,000 source files in five languages (JavaScript, TypeScript, Python, Go, Rust),
2,000 each, with the manifests that point at their handlers, and a 5,000-line file per language.

Each app has a handler that imports helpers; helpers call SDKs, build SQL, run commands — some
with event data, most in safe forms — so taint analysis has real work. Deterministic (seeded);
rewrites nothing that is already there.

    gen_code_tree.py OUT_DIR [--files N]
"""
import os
import random
import sys

PER_APP = 20  # files per app (a handler and its helpers)


def js_helper(i, ts=False):
    t = ": string" if ts else ""
    return f"""import {{ execFile }} from 'child_process';
import * as path from 'path';
import {{ helper{(i + 1) % PER_APP} }} from './helper{(i + 1) % PER_APP}';

const TABLE = process.env.TABLE_{i};

export async function helper{i}(db, input{t}) {{
  const name = path.basename(String(input));
  const rows = await db.query('SELECT * FROM t{i} WHERE name = $1', [name]);
  for (const row of rows) {{
    if (row.kind === 'archive') {{
      execFile('tar', ['czf', `/tmp/${{name}}.tgz`, row.path]);
    }} else if (row.kind === 'copy') {{
      await db.query('INSERT INTO log{i} (name, table_name) VALUES ($1, $2)', [name, TABLE]);
    }}
  }}
  const summary = rows.map((r) => `${{r.id}}:${{r.kind}}`).join(',');
  return {{ count: rows.length, summary, next: typeof helper{(i + 1) % PER_APP} }};
}}

export function format{i}(value{t}) {{
  const parts = String(value).split('-');
  let out = '';
  for (let k = 0; k < parts.length; k++) {{
    out += parts[k].toUpperCase();
    if (k < parts.length - 1) out += '_';
  }}
  return out;
}}
"""


def js_handler(ts=False):
    t = ": any" if ts else ""
    return f"""import pg from 'pg';
import {{ exec }} from 'child_process';
import {{ helper0, format0 }} from './helper0';

const db = new pg.Pool();

export const handler = async (event{t}) => {{
  const body = JSON.parse(event.body || '{{}}');
  const result = await helper0(db, body.name);
  if (body.debug) {{
    exec(`echo ${{body.debug}} >> /tmp/debug.log`);
  }}
  try {{
    return {{ statusCode: 200, body: JSON.stringify({{ result, label: format0(body.label) }}) }};
  }} catch (err) {{
    console.error(err);
    return {{ statusCode: 500, body: 'internal error' }};
  }}
}};
"""


def py_helper(i):
    return f"""import os
import subprocess

from . import helper{(i + 1) % PER_APP}

TABLE = os.environ.get("TABLE_{i}", "t{i}")


def helper{i}(conn, value):
    name = os.path.basename(str(value))
    rows = conn.execute("SELECT * FROM t{i} WHERE name = %s", (name,)).fetchall()
    out = []
    for row in rows:
        if row["kind"] == "archive":
            subprocess.run(["tar", "czf", f"/tmp/{{name}}.tgz", row["path"]], check=True)
        elif row["kind"] == "copy":
            conn.execute("INSERT INTO log{i} (name, t) VALUES (%s, %s)", (name, TABLE))
        out.append(f"{{row['id']}}:{{row['kind']}}")
    return {{"count": len(rows), "summary": ",".join(out), "next": helper{(i + 1) % PER_APP}.__name__}}


def format{i}(value):
    parts = str(value).split("-")
    return "_".join(p.upper() for p in parts)
"""


def py_handler():
    return """import json
import os
import sqlite3

from .helper0 import helper0, format0


def lambda_handler(event, context):
    body = json.loads(event.get("body") or "{}")
    conn = sqlite3.connect("/tmp/db.sqlite")
    result = helper0(conn, body.get("name"))
    if body.get("debug"):
        os.system("echo " + body["debug"] + " >> /tmp/debug.log")
    try:
        return {"statusCode": 200, "body": json.dumps({"result": result, "label": format0(body.get("label"))})}
    except Exception:
        return {"statusCode": 500, "body": "internal error"}
"""


def go_helper(i, module, app):
    return f"""package app

import (
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

var table{i} = os.Getenv("TABLE_{i}")

// Helper{i} reads and archives rows.
func Helper{i}(db *sql.DB, input string) (string, error) {{
	name := filepath.Base(input)
	rows, err := db.Query("SELECT kind, path FROM t{i} WHERE name = ?", name)
	if err != nil {{
		return "", err
	}}
	defer rows.Close()
	var out []string
	for rows.Next() {{
		var kind, path string
		if err := rows.Scan(&kind, &path); err != nil {{
			return "", err
		}}
		if kind == "archive" {{
			if err := exec.Command("tar", "czf", "/tmp/"+name+".tgz", path).Run(); err != nil {{
				return "", err
			}}
		}}
		out = append(out, kind+":"+path)
	}}
	return strings.Join(out, ",") + table{i}, nil
}}

// Format{i} upper-cases the parts of a label.
func Format{i}(value string) string {{
	parts := strings.Split(value, "-")
	for k := range parts {{
		parts[k] = strings.ToUpper(parts[k])
	}}
	return strings.Join(parts, "_")
}}
"""


def go_main(module, app):
    return f"""package main

import (
	"database/sql"
	"os/exec"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"{module}/{app}/app"
)

var db *sql.DB

func handler(req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {{
	result, err := app.Helper0(db, req.QueryStringParameters["name"])
	if err != nil {{
		return events.APIGatewayProxyResponse{{StatusCode: 500, Body: "internal error"}}, nil
	}}
	if d := req.QueryStringParameters["debug"]; d != "" {{
		_ = exec.Command("sh", "-c", "echo "+d).Run()
	}}
	return events.APIGatewayProxyResponse{{StatusCode: 200, Body: result + app.Format0(req.Body)}}, nil
}}

func main() {{
	lambda.Start(handler)
}}
"""


def rs_helper(i):
    return f"""use std::process::Command;

pub async fn helper{i}(pool: &sqlx::PgPool, input: &str) -> Result<String, sqlx::Error> {{
    let name = std::path::Path::new(input).file_name().and_then(|n| n.to_str()).unwrap_or("x").to_string();
    let rows: Vec<(String, String)> = sqlx::query_as("SELECT kind, path FROM t{i} WHERE name = $1")
        .bind(&name)
        .fetch_all(pool)
        .await?;
    let mut out = Vec::new();
    for (kind, path) in rows {{
        if kind == "archive" {{
            let _ = Command::new("tar").arg("czf").arg(format!("/tmp/{{name}}.tgz")).arg(&path).status();
        }}
        out.push(format!("{{kind}}:{{path}}"));
    }}
    Ok(out.join(","))
}}

pub fn format{i}(value: &str) -> String {{
    value.split('-').map(|p| p.to_uppercase()).collect::<Vec<_>>().join("_")
}}
"""


def rs_main(crate):
    return f"""use lambda_http::{{run, service_fn, Body, Error, Request, RequestExt, Response}};
use std::process::Command;

mod helpers;

async fn handler(event: Request) -> Result<Response<Body>, Error> {{
    let params = event.query_string_parameters();
    let name = params.first("name").unwrap_or_default().to_string();
    let pool = sqlx::PgPool::connect("postgres://db/app").await?;
    let result = helpers::helper0::helper0(&pool, &name).await?;
    if let Some(d) = params.first("debug") {{
        let _ = Command::new("sh").arg("-c").arg(format!("echo {{d}}")).status();
    }}
    Ok(Response::new(Body::from(format!("{{result}} {{}}", helpers::helper0::format0(&name)))))
}}

#[tokio::main]
async fn main() -> Result<(), Error> {{
    run(service_fn(handler)).await
}}
"""


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if os.path.exists(path) and os.path.getsize(path) == len(text.encode()):
        return
    with open(path, "w") as f:
        f.write(text)


def big_file(lang, lines):
    """A ~`lines`-line file of one language: many functions with calls and string building."""
    out = []
    if lang == "js":
        out.append("const { exec } = require('child_process');\nconst db = require('./db');\n")
        k = 0
        while sum(s.count("\n") for s in out) < lines:
            out.append(f"""
exports.fn{k} = async (event) => {{
  const id = event.pathParameters.id;
  const rows = await db.query('SELECT * FROM t{k} WHERE id = $1', [id]);
  const label = `row-${{rows.length}}-{k}`;
  if (rows.length > 10) {{
    exec('echo ' + label);
  }}
  return {{ statusCode: 200, body: JSON.stringify({{ label, rows }}) }};
}};
""")
            k += 1
    elif lang == "py":
        out.append("import os\nimport subprocess\n")
        k = 0
        while sum(s.count("\n") for s in out) < lines:
            out.append(f"""

def fn{k}(event, context):
    item = event["pathParameters"]["id"]
    rows = db.execute("SELECT * FROM t{k} WHERE id = %s", (item,)).fetchall()
    label = f"row-{{len(rows)}}-{k}"
    if len(rows) > 10:
        subprocess.run(["echo", label])
    return {{"statusCode": 200, "body": label}}
""")
            k += 1
    return "".join(out)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    total = 10_000
    if "--files" in sys.argv:
        total = int(sys.argv[sys.argv.index("--files") + 1])
    random.seed(7)
    per_lang = total // 5
    apps = per_lang // PER_APP
    module = "example.com/bench"
    write(os.path.join(out, "go", "go.mod"), f"module {module}\n\ngo 1.22\n")
    for a in range(apps):
        # JavaScript and TypeScript: Serverless Framework.
        for lang, ext, ts in (("js", "js", False), ("ts", "ts", True)):
            d = os.path.join(out, lang, f"app{a}")
            write(os.path.join(d, "serverless.yml"), f"service: {lang}{a}\nprovider:\n  name: aws\n  runtime: nodejs20.x\nfunctions:\n  api:\n    handler: src/handler.handler\n")
            write(os.path.join(d, "src", f"handler.{ext}"), js_handler(ts))
            for i in range(PER_APP - 1):
                write(os.path.join(d, "src", f"helper{i}.{ext}"), js_helper(i, ts))
        # Python: SAM.
        d = os.path.join(out, "py", f"app{a}")
        write(os.path.join(d, "template.yaml"), "Transform: AWS::Serverless-2016-10-31\nResources:\n  Api:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.12\n      CodeUri: fn/\n      Handler: pkg.handler.lambda_handler\n")
        write(os.path.join(d, "fn", "pkg", "__init__.py"), "")
        write(os.path.join(d, "fn", "pkg", "handler.py"), py_handler())
        for i in range(PER_APP - 2):
            write(os.path.join(d, "fn", "pkg", f"helper{i}.py"), py_helper(i))
        # Go: SAM, one module for all apps.
        d = os.path.join(out, "go", f"app{a}")
        write(os.path.join(d, "template.yaml"), "Transform: AWS::Serverless-2016-10-31\nResources:\n  Api:\n    Type: AWS::Serverless::Function\n    Metadata:\n      BuildMethod: go1.x\n    Properties:\n      Runtime: provided.al2023\n      Handler: bootstrap\n      CodeUri: cmd/\n")
        write(os.path.join(d, "cmd", "main.go"), go_main(module, f"app{a}"))
        for i in range(PER_APP - 1):
            write(os.path.join(d, "app", f"helper{i}.go"), go_helper(i, module, f"app{a}"))
        # Rust: cargo-lambda crates.
        d = os.path.join(out, "rs", f"app{a}")
        write(os.path.join(d, "Cargo.toml"), f'[package]\nname = "app{a}"\nversion = "0.1.0"\nedition = "2021"\n')
        write(os.path.join(d, "template.yaml"), "Transform: AWS::Serverless-2016-10-31\nResources:\n  Api:\n    Type: AWS::Serverless::Function\n    Metadata:\n      BuildMethod: rust-cargolambda\n    Properties:\n      Runtime: provided.al2023\n      Handler: bootstrap\n      CodeUri: .\n")
        write(os.path.join(d, "src", "main.rs"), rs_main(f"app{a}"))
        mods = "".join(f"pub mod helper{i};\n" for i in range(PER_APP - 2))
        write(os.path.join(d, "src", "helpers", "mod.rs"), mods)
        for i in range(PER_APP - 2):
            write(os.path.join(d, "src", "helpers", f"helper{i}.rs"), rs_helper(i))
    big = os.path.join(out, "..", "code-bench-big")
    write(os.path.join(big, "big.js"), big_file("js", 5000))
    write(os.path.join(big, "big.py"), big_file("py", 5000))
    write(os.path.join(big, "empty.js"), "\n")


if __name__ == "__main__":
    main()
