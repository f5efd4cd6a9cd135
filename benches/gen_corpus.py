#!/usr/bin/env python3
"""Builds the benchmark corpus: a deterministic ~100 MiB tree of ordinary source files.

Two halves, both deterministic:

* vendor/  real text files (Rust, Markdown, TOML, JSON, YAML, ...) copied from the crate sources
           that `cargo fetch` unpacks under ~/.cargo/registry/src, for exactly the crates named
           in Cargo.lock, crates and files taken in sorted order, at most PER_CRATE bytes per
           crate (so generated bindings such as windows-sys do not dominate).
* apps/    synthesized serverless services: JavaScript and Python handlers, serverless.yml and
           CloudFormation templates, package.json, JSON config, a few large files (minified
           bundles, lock files). They use the words real code uses (token, key, secret,
           password, config, process.env, os.environ, ...) at a realistic rate, with placeholder
           and environment-variable values, not secrets.

Ten synthetic AWS access key ids (AKIA + 16 of [A-Z2-7]) are planted in apps/ so both tools have
something to find. No file is hidden, binary, an ignore file or over 10 MiB, so ripgrep and
slsguard read exactly the same files.

The same Cargo.lock, seed and size give the same bytes. A manifest (file count, bytes, mix,
planted keys) is written beside the tree as <OUT>.manifest.json and printed; when it already
matches the request the tree is left as it is (use --force to rebuild).

With --shape monorepo it builds a tree shaped like a serverless monorepo instead: no vendor/
half, many services of small files (serverless.yml and SAM templates of 1-6 KB, package.json,
handlers of 0.5-10 KB, tests, config JSON), and a few large files (package-lock.json and
yarn-style lock files, minified bundles) that hold about a third of the bytes. The same ten
synthetic AWS key ids are planted.

usage: benches/gen_corpus.py [OUT] [--size-mb 100] [--seed 1] [--shape bench|monorepo] [--force]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import shutil
import sys
import tomllib
from pathlib import Path

GENERATOR_VERSION = 3
REPO = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024
PER_CRATE = 3 * MIB
VENDOR_SHARE = 0.5  # of the total; the rest is synthesized apps
REAL_MAX_FILE = 2 * MIB
TEXT_EXTS = {
    ".rs", ".md", ".toml", ".json", ".yml", ".yaml", ".txt", ".sh", ".py", ".js", ".ts",
    ".c", ".h", ".html", ".css", ".lock", ".in", ".cfg", ".ini", ".snap", ".stderr", ".stdout",
}
PLACEHOLDER_WORDS = ("EXAMPLE", "TODO", "FAKE", "DUMMY", "SAMPLE", "FIXME")


# ----------------------------------------------------------------------------------------------
# vendor/: real files from the registry


def registry_dirs() -> list[Path]:
    home = Path(os.environ.get("CARGO_HOME", Path.home() / ".cargo"))
    src = home / "registry" / "src"
    return sorted(p for p in src.iterdir() if p.is_dir()) if src.is_dir() else []


def locked_crates(lock: Path) -> list[tuple[str, str]]:
    data = tomllib.loads(lock.read_text())
    out = {(p["name"], p["version"]) for p in data.get("package", []) if "registry" in p.get("source", "")}
    return sorted(out)


def eligible(path: Path) -> bool:
    name = path.name
    if name.startswith(".") or path.suffix.lower() not in TEXT_EXTS or name == "Cargo.toml.orig":
        return False
    try:
        size = path.stat().st_size
        if size == 0 or size > REAL_MAX_FILE:
            return False
        data = path.read_bytes()
    except OSError:
        return False
    if b"\0" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def crate_files(root: Path) -> list[Path]:
    files = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for f in sorted(filenames):
            files.append(Path(dirpath) / f)
    files.sort(key=lambda p: p.relative_to(root).as_posix())
    return files


def copy_vendor(out: Path, budget: int, lock: Path, stats: dict) -> int:
    regs = registry_dirs()
    crates = locked_crates(lock)
    missing = []
    written = 0
    for name, version in crates:
        if written >= budget:
            break
        src = next((r / f"{name}-{version}" for r in regs if (r / f"{name}-{version}").is_dir()), None)
        if src is None:
            missing.append(f"{name}-{version}")
            continue
        taken = 0
        for f in crate_files(src):
            if taken >= PER_CRATE or written >= budget:
                break
            if not eligible(f):
                continue
            data = f.read_bytes()
            if taken + len(data) > PER_CRATE and taken > 0:
                continue
            dest = out / "vendor" / f"{name}-{version}" / f.relative_to(src)
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(data)
            taken += len(data)
            written += len(data)
            count(stats, "vendor " + (f.suffix.lower() or "(none)"), len(data))
    if missing:
        print(
            f"gen_corpus: {len(missing)} crates of Cargo.lock are not unpacked (run `cargo fetch`): "
            + ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else ""),
            file=sys.stderr,
        )
    stats["_missing_crates"] = missing
    return written


# ----------------------------------------------------------------------------------------------
# apps/: synthesized serverless services

NOUNS = [
    "user", "order", "invoice", "payment", "customer", "account", "session", "cart", "product",
    "item", "report", "event", "message", "notification", "upload", "image", "profile", "device",
    "ticket", "subscription", "webhook", "job", "task", "record", "document", "tenant", "team",
    "project", "comment", "review", "shipment", "inventory", "price", "coupon", "audit", "metric",
]
VERBS = [
    "get", "create", "update", "delete", "list", "find", "process", "handle", "validate", "send",
    "fetch", "load", "save", "parse", "render", "sync", "refresh", "resolve", "build", "check",
]
RESERVED = {"delete", "new"}
ADJ = ["active", "pending", "recent", "default", "primary", "cached", "remote", "local", "new", "old"]
SERVICES = ["dynamodb", "s3", "sqs", "sns", "ssm", "secretsmanager", "kms", "lambda", "events", "ses"]
PLAIN_ENV = [
    "TABLE_NAME", "BUCKET_NAME", "QUEUE_URL", "TOPIC_ARN", "STAGE", "REGION", "LOG_LEVEL",
    "DB_HOST", "DB_USER", "SENTRY_DSN", "AUTH_DOMAIN", "CLIENT_ID", "REDIS_URL", "CONFIG_PATH",
    "EVENT_BUS_NAME", "POWERTOOLS_SERVICE_NAME", "NODE_ENV", "CORS_ORIGIN", "TIMEOUT_MS",
]
SECRET_ENV = [
    "API_KEY", "API_TOKEN", "JWT_SECRET", "DB_PASSWORD", "SECRET_ARN", "STRIPE_SECRET_KEY",
    "CLIENT_SECRET", "SLACK_WEBHOOK_URL", "ENCRYPTION_KEY_ID", "SESSION_SECRET", "GITHUB_TOKEN",
]
ENV_VARS = PLAIN_ENV + SECRET_ENV


def env_var(r: random.Random) -> str:
    # About one environment variable in six names a credential.
    return r.choice(SECRET_ENV) if r.random() < 0.17 else r.choice(PLAIN_ENV)


WORDS = (
    "the a to of and for with from this that when if is are be on in by not as we it will "
    "request response value result error data list item field record user cache retry timeout "
    "limit page cursor header body status code event handler service table bucket queue message "
    "payload schema version default option"
).split()
# Security words show up in prose too, but rarely: about one comment or message word in 200.
SECURITY_WORDS = ["token", "secret", "password", "key", "credentials", "auth"]


def ident(r: random.Random, style: str = "camel") -> str:
    parts = [r.choice(VERBS), r.choice(ADJ + NOUNS), r.choice(NOUNS)][: r.randint(1, 3)]
    if style == "snake":
        name = "_".join(parts)
    else:
        name = parts[0] + "".join(p.capitalize() for p in parts[1:])
    # `delete` alone is a reserved word in JavaScript: the handlers must parse.
    return name + "_item" if name in RESERVED else name


def sentence(r: random.Random, n: int | None = None) -> str:
    n = n or r.randint(4, 12)
    return " ".join(r.choice(SECURITY_WORDS) if r.random() < 0.005 else r.choice(WORDS) for _ in range(n))


def js_line(r: random.Random, ind: str) -> str:
    v, n, e = ident(r), r.choice(NOUNS), env_var(r)
    k = r.random()
    # Lines that handle credentials: about 3% of the statements, as in auth-heavy handler code.
    if k < 0.006:
        return f"{ind}headers: {{ Authorization: `Bearer ${{token}}`, 'Content-Type': 'application/json' }},"
    if k < 0.012:
        return f"{ind}const secret = await getSecretValue({{ SecretId: process.env.SECRET_ARN }});"
    if k < 0.018:
        return f"{ind}if (!apiKey || apiKey !== config.apiKey) throw new UnauthorizedError('invalid api key');"
    if k < 0.024:
        return f"{ind}const password = config.get('db.password');"
    if k < 0.030:
        return f"{ind}const token = jwt.sign({{ sub: user.id, scope: '{n}:{r.choice(['read', 'write'])}' }}, process.env.JWT_SECRET, {{ expiresIn: '{r.randint(1, 24)}h' }});"
    if k < 0.10:
        return f"{ind}// {sentence(r).capitalize()}."
    if k < 0.15:
        return f"{ind}const {v} = process.env.{e};"
    if k < 0.18:
        return f"{ind}const {{ {n}Id, {r.choice(NOUNS)} }} = JSON.parse(event.body || '{{}}');"
    if k < 0.24:
        return f"{ind}logger.{r.choice(['info', 'debug', 'warn'])}('{sentence(r, 5)}', {{ {n}Id, requestId }});"
    if k < 0.34:
        return f"{ind}const {v} = await {ident(r)}({n}Id, {{ limit: {r.randint(1, 500)}, cursor }});"
    if k < 0.40:
        return f"{ind}await {r.choice(SERVICES)}.send(new {r.choice(['Put', 'Get', 'Delete', 'Update'])}ItemCommand({{ TableName: process.env.TABLE_NAME, Key: {{ pk: `{n}#${{id}}` }} }}));"
    if k < 0.47:
        return f"{ind}if ({v}.{r.choice(['length', 'status', 'count'])} {r.choice(['>', '===', '<'])} {r.randint(0, 404)}) return {{ statusCode: {r.choice([200, 400, 401, 403, 404, 500])}, body: JSON.stringify({{ message: '{sentence(r, 3)}' }}) }};"
    if k < 0.54:
        return f"{ind}{v}.{r.choice(['push', 'set', 'add'])}({n});"
    if k < 0.60:
        return f"{ind}return {{ ...{v}, updatedAt: new Date().toISOString() }};"
    if k < 0.66:
        return f"{ind}throw new Error(`{sentence(r, 4)}: ${{{v}}}`);"
    if k < 0.76:
        return f"{ind}const {v} = {r.choice(['[]', '{}', 'null', 'new Map()', str(r.randint(0, 9999))])};"
    return f"{ind}{v} = {ident(r)}({r.choice(NOUNS)}, {r.choice(['true', 'false', 'options', 'ctx'])});"


def gen_js(r: random.Random, size: int) -> str:
    out = ["'use strict';", ""]
    for _ in range(r.randint(2, 7)):
        mod = r.choice(["@aws-sdk/client-" + s for s in SERVICES] + ["jsonwebtoken", "axios", "uuid", "./lib/config", "./lib/logger", "../utils/http"])
        out.append(f"const {ident(r)} = require('{mod}');")
    out.append("")
    total = sum(len(x) + 1 for x in out)
    while total < size:
        name = ident(r)
        block = [f"{'async ' if r.random() < 0.6 else ''}function {name}({', '.join(r.sample(['event', 'context', 'options', 'id', 'config', 'ctx'], r.randint(1, 3)))}) {{"]
        for _ in range(r.randint(4, 30)):
            depth = r.choice([1, 1, 1, 2, 2, 3])
            block.append(js_line(r, "  " * depth))
        block += ["}", ""]
        if r.random() < 0.3:
            block += [f"module.exports.{name} = {name};", ""]
        out += block
        total += sum(len(x) + 1 for x in block)
    return "\n".join(out) + "\n"


def py_line(r: random.Random, ind: str) -> str:
    v, n, e = ident(r, "snake"), r.choice(NOUNS), env_var(r)
    k = r.random()
    # Lines that handle credentials: about 3% of the statements.
    if k < 0.006:
        return f'{ind}headers = {{"Authorization": f"Bearer {{token}}", "Accept": "application/json"}}'
    if k < 0.012:
        return f'{ind}secret = secrets_client.get_secret_value(SecretId=os.environ["SECRET_ARN"])["SecretString"]'
    if k < 0.018:
        return f'{ind}password = config.get("database", {{}}).get("password")'
    if k < 0.024:
        return f'{ind}if not hmac.compare_digest(api_key, settings.API_KEY):'
    if k < 0.030:
        return f'{ind}token = jwt.encode({{"sub": user_id, "exp": now + {r.randint(60, 7200)}}}, SECRET_KEY, algorithm="HS256")'
    if k < 0.10:
        return f"{ind}# {sentence(r).capitalize()}."
    if k < 0.14:
        return f'{ind}{v} = os.environ["{e}"]'
    if k < 0.17:
        return f'{ind}{v} = os.environ.get("{e}", "")'
    if k < 0.24:
        return f'{ind}logger.{r.choice(["info", "debug", "warning"])}("{sentence(r, 5)} %s", {n}_id)'
    if k < 0.34:
        return f"{ind}{v} = {ident(r, 'snake')}({n}_id, limit={r.randint(1, 500)})"
    if k < 0.40:
        return f'{ind}table.put_item(Item={{"pk": f"{n}#{{{n}_id}}", "sk": "{r.choice(ADJ)}", "ttl": {r.randint(60, 86400)}}})'
    if k < 0.47:
        return f'{ind}return {{"statusCode": {r.choice([200, 201, 400, 401, 404, 500])}, "body": json.dumps({v})}}'
    if k < 0.54:
        return f"{ind}{v}.append({n})"
    if k < 0.62:
        return f'{ind}raise ValueError(f"{sentence(r, 4)}: {{{v}!r}}")'
    if k < 0.74:
        return f"{ind}{v} = {r.choice(['[]', '{}', 'None', 'True', str(r.randint(0, 9999))])}"
    return f"{ind}{v} = {ident(r, 'snake')}({r.choice(NOUNS)}, {r.choice(['True', 'False', 'options', 'ctx'])})"


def gen_py(r: random.Random, size: int) -> str:
    out = ['"""' + sentence(r).capitalize() + '."""', ""]
    for m in r.sample(["os", "json", "logging", "hmac", "time", "boto3", "jwt", "typing", "datetime", "uuid"], r.randint(3, 7)):
        out.append(f"import {m}")
    out += ["", 'logger = logging.getLogger(__name__)', ""]
    total = sum(len(x) + 1 for x in out)
    while total < size:
        name = ident(r, "snake")
        block = ["", f"def {name}({', '.join(r.sample(['event', 'context', 'options', 'user_id', 'config', 'ctx'], r.randint(1, 3)))}):"]
        if r.random() < 0.5:
            block.append(f'    """{sentence(r).capitalize()}."""')
        for _ in range(r.randint(4, 25)):
            block.append(py_line(r, "    " * r.choice([1, 1, 1, 2, 2])))
        block.append("")
        out += block
        total += sum(len(x) + 1 for x in block)
    return "\n".join(out) + "\n"


def gen_serverless_yml(r: random.Random, size: int, svc: str) -> str:
    out = [
        f"service: {svc}",
        "frameworkVersion: '3'",
        "",
        "provider:",
        "  name: aws",
        f"  runtime: {r.choice(['nodejs18.x', 'nodejs20.x', 'python3.11', 'python3.12'])}",
        "  stage: ${opt:stage, 'dev'}",
        "  region: ${opt:region, 'eu-west-1'}",
        "  environment:",
    ]
    for e in r.sample(ENV_VARS, r.randint(4, 10)):
        src = r.choice([
            "${ssm:/" + svc + "/${sls:stage}/" + e.lower() + "}",
            "${env:" + e + "}",
            "!Ref " + "".join(p.capitalize() for p in e.lower().split("_")),
            "${self:custom." + e.lower() + "}",
        ])
        out.append(f"    {e}: {src}")
    out += ["  iam:", "    role:", "      statements:"]
    for s in r.sample(SERVICES, r.randint(2, 5)):
        out += [
            "        - Effect: Allow",
            f"          Action: ['{s}:{r.choice(['GetItem', 'PutObject', 'SendMessage', 'Publish', 'GetParameter', 'GetSecretValue', 'Decrypt'])}']",
            f"          Resource: !GetAtt {ident(r).capitalize()}.Arn",
        ]
    out += ["", "functions:"]
    total = sum(len(x) + 1 for x in out)
    while total < size:
        fn = ident(r)
        block = [
            f"  {fn}:",
            f"    handler: src/handlers/{fn}.handler",
            f"    timeout: {r.choice([6, 10, 15, 30, 60])}",
            f"    memorySize: {r.choice([128, 256, 512, 1024])}",
            "    events:",
            "      - http:",
            f"          path: /{r.choice(NOUNS)}s/{{id}}",
            f"          method: {r.choice(['get', 'post', 'put', 'delete'])}",
            f"          authorizer: {r.choice(['aws_iam', 'authorizerFunc', '${self:custom.authorizer}'])}",
        ]
        if r.random() < 0.4:
            block += ["    environment:", f"      {r.choice(ENV_VARS)}: ${{ssm:/{svc}/{r.choice(NOUNS)}-key}}"]
        out += block
        total += sum(len(x) + 1 for x in block)
    return "\n".join(out) + "\n"


def gen_cfn(r: random.Random, size: int) -> str:
    out = ["AWSTemplateFormatVersion: '2010-09-09'", "Transform: AWS::Serverless-2016-10-31",
           f"Description: {sentence(r).capitalize()}", "", "Parameters:",
           "  Stage:", "    Type: String", "    Default: dev",
           "  DbPassword:", "    Type: String", "    NoEcho: true", "", "Resources:"]
    total = sum(len(x) + 1 for x in out)
    while total < size:
        name = ident(r).capitalize() + r.choice(["Function", "Table", "Queue", "Bucket", "Secret"])
        t = r.random()
        if t < 0.5:
            block = [f"  {name}:", "    Type: AWS::Serverless::Function", "    Properties:",
                     f"      Handler: app.{ident(r, 'snake')}", "      Runtime: python3.12",
                     "      Environment:", "        Variables:",
                     f"          TABLE_NAME: !Ref {ident(r).capitalize()}Table",
                     "          SECRET_ARN: !Ref ApiKeySecret",
                     "      Policies:", f"        - DynamoDBCrudPolicy:", f"            TableName: !Ref {ident(r).capitalize()}Table"]
        elif t < 0.8:
            block = [f"  {name}:", "    Type: AWS::DynamoDB::Table", "    Properties:",
                     "      BillingMode: PAY_PER_REQUEST", "      KeySchema:",
                     "        - AttributeName: pk", "          KeyType: HASH",
                     "      SSESpecification:", "        SSEEnabled: true"]
        else:
            block = [f"  {name}:", "    Type: AWS::SecretsManager::Secret", "    Properties:",
                     f"      Description: {sentence(r, 5)}", "      GenerateSecretString:",
                     "        SecretStringTemplate: '{\"username\": \"admin\"}'",
                     "        GenerateStringKey: password", f"        PasswordLength: {r.choice([24, 32, 40])}"]
        out += block
        total += sum(len(x) + 1 for x in block)
    return "\n".join(out) + "\n"


def json_value(r: random.Random, depth: int):
    k = r.random()
    if depth > 3 or k < 0.5:
        return r.choice([r.randint(0, 100000), True, False, None, sentence(r, r.randint(1, 4)),
                         "${" + env_var(r) + "}", f"arn:aws:{r.choice(SERVICES)}:eu-west-1:123456789012:{r.choice(NOUNS)}"])
    if k < 0.75:
        return [json_value(r, depth + 1) for _ in range(r.randint(1, 5))]
    extra = ["config", "timeout", "enabled", "retries", "region"] + (["apiKey", "secretName", "tokenTtl"] if r.random() < 0.1 else [])
    keys = r.sample(NOUNS + extra, r.randint(2, 6))
    return {key: json_value(r, depth + 1) for key in keys}


def gen_json(r: random.Random, size: int) -> str:
    items = []
    total = 0
    while total < size:
        v = json_value(r, 0)
        items.append(v)
        total += len(json.dumps(v, indent=2)) + 4
    return json.dumps({"version": r.randint(1, 9), "items": items}, indent=2) + "\n"


def gen_package_json(r: random.Random, svc: str) -> str:
    deps = {f"@aws-sdk/client-{s}": f"^3.{r.randint(400, 600)}.0" for s in r.sample(SERVICES, 4)}
    deps.update({"jsonwebtoken": "^9.0.2", "uuid": "^9.0.1"})
    return json.dumps({
        "name": svc, "version": f"1.{r.randint(0, 30)}.{r.randint(0, 9)}", "private": True,
        "scripts": {"test": "jest", "deploy": "serverless deploy", "lint": "eslint ."},
        "dependencies": deps, "devDependencies": {"jest": "^29.7.0", "serverless": "^3.38.0"},
    }, indent=2) + "\n"


def gen_lockfile(r: random.Random, size: int) -> str:
    pkgs = {}
    total = 0
    while total < size:
        name = f"{r.choice(['@', ''])}{r.choice(NOUNS)}-{r.choice(VERBS)}{r.choice(['', '-js', '-core', '-utils'])}"
        ver = f"{r.randint(0, 12)}.{r.randint(0, 40)}.{r.randint(0, 20)}"
        integ = "sha512-" + hashlib.sha512(f"{name}{ver}{total}".encode()).hexdigest()[:86]
        entry = {"version": ver, "resolved": f"https://registry.npmjs.org/{name}/-/{name}-{ver}.tgz",
                 "integrity": integ, "license": r.choice(["MIT", "ISC", "Apache-2.0"])}
        if r.random() < 0.5:
            entry["dependencies"] = {r.choice(NOUNS): f"^{r.randint(0, 9)}.{r.randint(0, 9)}.0" for _ in range(r.randint(1, 4))}
        pkgs[f"node_modules/{name}-{total}"] = entry
        total += 300
    return json.dumps({"name": "app", "lockfileVersion": 3, "packages": pkgs}, indent=2) + "\n"


def gen_minified(r: random.Random, size: int) -> str:
    # One very long line per module, as bundlers emit.
    parts = []
    total = 0
    while total < size:
        stmts = (js_line(r, "").rstrip(";") for _ in range(r.randint(200, 2000)))
        line = ";".join(s for s in stmts if not s.startswith("//"))
        parts.append(line)
        total += len(line) + 1
    return "\n".join(parts) + "\n"


def file_size(r: random.Random) -> int:
    # Log-normal around 6 KB: most files 1-50 KB, some smaller, a few up to ~200 KB.
    return int(min(max(r.lognormvariate(math.log(6000), 1.0), 300), 200_000))


def aws_key_id(r: random.Random) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    while True:
        k = "AKIA" + "".join(r.choice(alphabet) for _ in range(16))
        if not any(w in k for w in PLACEHOLDER_WORDS):
            return k


def write(out: Path, rel: str, text: str, stats: dict, kind: str) -> int:
    p = out / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode()
    p.write_bytes(data)
    count(stats, kind, len(data))
    return len(data)


def synth_apps(out: Path, budget: int, seed: int, stats: dict) -> tuple[int, list[dict]]:
    r = random.Random(seed)
    written = 0
    svc_i = 0
    files_written: list[str] = []
    # A few large files first: two minified bundles, two lock files, one big JSON fixture.
    for i, (rel, gen, kind) in enumerate([
        ("apps/web-frontend/dist/bundle.min.js", lambda: gen_minified(r, 3 * MIB), "apps large .min.js"),
        ("apps/admin-console/dist/vendor.min.js", lambda: gen_minified(r, 2 * MIB), "apps large .min.js"),
        ("apps/web-frontend/package-lock.json", lambda: gen_lockfile(r, 2 * MIB), "apps large lock .json"),
        ("apps/admin-console/package-lock.json", lambda: gen_lockfile(r, 1 * MIB), "apps large lock .json"),
        ("apps/data-pipeline/fixtures/events.json", lambda: gen_json(r, 2 * MIB), "apps large .json"),
    ]):
        written += write(out, rel, gen(), stats, kind)
        files_written.append(rel)
    while written < budget:
        svc = f"{r.choice(NOUNS)}-{r.choice(['api', 'service', 'worker', 'processor', 'sync'])}-{svc_i:03d}"
        svc_i += 1
        base = f"apps/{svc}"
        written += write(out, f"{base}/package.json", gen_package_json(r, svc), stats, "apps .json")
        written += write(out, f"{base}/serverless.yml", gen_serverless_yml(r, file_size(r) // 2 + 1500, svc), stats, "apps .yml")
        files_written += [f"{base}/package.json", f"{base}/serverless.yml"]
        if r.random() < 0.4:
            written += write(out, f"{base}/template.yaml", gen_cfn(r, file_size(r)), stats, "apps .yaml")
            files_written.append(f"{base}/template.yaml")
        lang = "js" if r.random() < 0.6 else "py"
        for j in range(r.randint(4, 24)):
            if written >= budget:
                break
            k = r.random()
            if lang == "js":
                if k < 0.75:
                    rel, text, kind = f"{base}/src/handlers/{ident(r)}{j}.js", gen_js(r, file_size(r)), "apps .js"
                elif k < 0.90:
                    rel, text, kind = f"{base}/test/{ident(r)}{j}.test.js", gen_js(r, file_size(r)), "apps .js"
                else:
                    rel, text, kind = f"{base}/config/{r.choice(NOUNS)}{j}.json", gen_json(r, file_size(r)), "apps .json"
            else:
                if k < 0.75:
                    rel, text, kind = f"{base}/src/{ident(r, 'snake')}_{j}.py", gen_py(r, file_size(r)), "apps .py"
                elif k < 0.90:
                    rel, text, kind = f"{base}/tests/test_{ident(r, 'snake')}_{j}.py", gen_py(r, file_size(r)), "apps .py"
                else:
                    rel, text, kind = f"{base}/config/{r.choice(NOUNS)}{j}.json", gen_json(r, file_size(r)), "apps .json"
            written += write(out, rel, text, stats, kind)
            files_written.append(rel)
    # Plant ten synthetic AWS key ids, one per chosen file, appended as a config line.
    planted = []
    rp = random.Random(seed + 1)
    candidates = [f for f in files_written if f.endswith((".js", ".py", ".yml")) and "dist/" not in f]
    for rel in sorted(rp.sample(candidates, 10)):
        key = aws_key_id(rp)
        line = {
            ".js": f"const awsAccessKeyId = '{key}';\n",
            ".py": f'AWS_ACCESS_KEY_ID = "{key}"\n',
            ".yml": f"# deploy user\n# AWS_ACCESS_KEY_ID: {key}\n",
        }[Path(rel).suffix]
        with open(out / rel, "a") as fh:
            fh.write(line)
        written += len(line)
        planted.append({"path": rel, "key_id": key})
    return written, planted


def small_size(r: random.Random, median: int, hi: int) -> int:
    return int(min(max(r.lognormvariate(math.log(median), 0.7), 200), hi))


def synth_monorepo(out: Path, budget: int, seed: int, stats: dict) -> tuple[int, list[dict]]:
    """A serverless monorepo: services of many small files, plus a few large lock files and
    bundles holding about a third of the bytes."""
    r = random.Random(seed)
    written = 0
    files_written: list[str] = []
    large_budget = budget // 3
    large = 0
    i = 0
    while large < large_budget:
        size = int(r.uniform(1.0, 3.0) * MIB)
        k = i % 4
        if k == 3:
            rel, text, kind = f"web/app{i}/dist/main.{i:04x}.min.js", gen_minified(r, size), "large .min.js"
        else:
            rel, text, kind = f"services/shared-{i}/package-lock.json", gen_lockfile(r, size), "large lock .json"
        n = write(out, rel, text, stats, kind)
        large += n
        files_written.append(rel)
        i += 1
    written += large
    svc_i = 0
    while written < budget:
        svc = f"{r.choice(NOUNS)}-{r.choice(['api', 'service', 'worker', 'processor', 'sync'])}-{svc_i:03d}"
        svc_i += 1
        base = f"services/{svc}"
        written += write(out, f"{base}/package.json", gen_package_json(r, svc), stats, "package.json")
        written += write(out, f"{base}/serverless.yml", gen_serverless_yml(r, small_size(r, 2500, 6000), svc), stats, "serverless.yml")
        files_written += [f"{base}/package.json", f"{base}/serverless.yml"]
        if r.random() < 0.3:
            written += write(out, f"{base}/template.yaml", gen_cfn(r, small_size(r, 3000, 8000)), stats, "template.yaml")
            files_written.append(f"{base}/template.yaml")
        lang = "js" if r.random() < 0.6 else "py"
        for j in range(r.randint(3, 12)):
            if written >= budget:
                break
            k = r.random()
            size = small_size(r, 2500, 10000)
            if lang == "js":
                if k < 0.7:
                    rel, text, kind = f"{base}/src/handlers/{ident(r)}{j}.js", gen_js(r, size), "handler .js"
                elif k < 0.9:
                    rel, text, kind = f"{base}/test/{ident(r)}{j}.test.js", gen_js(r, size), "test .js"
                else:
                    rel, text, kind = f"{base}/config/{r.choice(NOUNS)}{j}.json", gen_json(r, size // 2), "config .json"
            else:
                if k < 0.7:
                    rel, text, kind = f"{base}/src/{ident(r, 'snake')}_{j}.py", gen_py(r, size), "handler .py"
                elif k < 0.9:
                    rel, text, kind = f"{base}/tests/test_{ident(r, 'snake')}_{j}.py", gen_py(r, size), "test .py"
                else:
                    rel, text, kind = f"{base}/config/{r.choice(NOUNS)}{j}.json", gen_json(r, size // 2), "config .json"
            written += write(out, rel, text, stats, kind)
            files_written.append(rel)
    planted = []
    rp = random.Random(seed + 1)
    candidates = [f for f in files_written if f.endswith((".js", ".py", ".yml")) and "dist/" not in f]
    for rel in sorted(rp.sample(candidates, 10)):
        key = aws_key_id(rp)
        line = {
            ".js": f"const awsAccessKeyId = '{key}';\n",
            ".py": f'AWS_ACCESS_KEY_ID = "{key}"\n',
            ".yml": f"# deploy user\n# AWS_ACCESS_KEY_ID: {key}\n",
        }[Path(rel).suffix]
        with open(out / rel, "a") as fh:
            fh.write(line)
        written += len(line)
        planted.append({"path": rel, "key_id": key})
    return written, planted


# ----------------------------------------------------------------------------------------------


def count(stats: dict, kind: str, n: int) -> None:
    c = stats.setdefault(kind, [0, 0])
    c[0] += 1
    c[1] += n


def tree_stats(out: Path) -> tuple[int, int, dict]:
    files = total = 0
    buckets = {"<1KB": 0, "1-50KB": 0, "50-500KB": 0, ">=500KB": 0}
    for dirpath, _, filenames in os.walk(out):
        for f in filenames:
            s = os.path.getsize(os.path.join(dirpath, f))
            files += 1
            total += s
            b = "<1KB" if s < 1024 else "1-50KB" if s < 50 * 1024 else "50-500KB" if s < 500 * 1024 else ">=500KB"
            buckets[b] += 1
    return files, total, buckets


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", nargs="?", default=str(REPO / "target" / "bench-corpus"))
    ap.add_argument("--size-mb", type=float, default=100.0, help="total size in MiB (default 100)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--lock", default=str(REPO / "Cargo.lock"))
    ap.add_argument("--shape", choices=["bench", "monorepo"], default="bench",
                    help="bench: half vendored crate sources, half apps; monorepo: a serverless monorepo")
    ap.add_argument("--force", action="store_true", help="rebuild even if the manifest matches")
    args = ap.parse_args()

    out = Path(args.out).resolve()
    manifest_path = out.with_name(out.name + ".manifest.json")
    lock = Path(args.lock)
    request = {
        "generator_version": GENERATOR_VERSION,
        "generator_sha256": hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16],
        "size_mib": args.size_mb,
        "seed": args.seed,
        "shape": args.shape,
        "cargo_lock_sha256": hashlib.sha256(lock.read_bytes()).hexdigest()[:16],
    }
    if not args.force and manifest_path.is_file() and out.is_dir():
        try:
            old = json.loads(manifest_path.read_text())
        except ValueError:
            old = {}
        if old.get("request") == request and not old.get("missing_crates"):
            print(json.dumps(old, indent=2))
            return 0

    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    budget = int(args.size_mb * MIB)
    stats: dict = {}
    if args.shape == "monorepo":
        missing: list = []
        _, planted = synth_monorepo(out, budget, args.seed, stats)
    else:
        vendor = copy_vendor(out, int(budget * VENDOR_SHARE), lock, stats)
        missing = stats.pop("_missing_crates")
        _, planted = synth_apps(out, budget - vendor, args.seed, stats)
    files, total, buckets = tree_stats(out)
    manifest = {
        "request": request,
        "path": str(out),
        "files": files,
        "bytes": total,
        "mib": round(total / MIB, 2),
        "shape": args.shape,
        "size_buckets": buckets,
        "composition": {k: {"files": v[0], "bytes": v[1]} for k, v in sorted(stats.items())},
        "planted_aws_key_ids": planted,
        "missing_crates": missing,
    }
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
    print(json.dumps(manifest, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
