#!/usr/bin/env python3
"""The pre-commit benchmark: `slsguard scan --staged` on a repository of N files with a few staged,
side by side with a full scan of the same repository (docs/performance.md, "Pre-commit").

usage: benches/staged/bench.py [--files 5000] [--staged 10] [--runs 21] [--bin PATH] [--dir DIR]

Builds a deterministic git repository under DIR (default target/bench-staged/repo): FILES text
files shaped like a serverless monorepo (JavaScript and Python handlers, serverless.yml and
CloudFormation templates, JSON config, Markdown), committed; then modifies STAGED of them (two
gain an AWS access key id) and stages them. Each command runs once to warm the page cache, then
RUNS times, alternating; the median, min and max wall-clock times and the median CPU time are
printed as a Markdown table (also written to target/bench-staged/results.md). --bin defaults to target/release/slsguard
(build it first: `cargo build --release`).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
WORDS = ("order customer payment invoice token config secret key password region table queue "
         "event handler request response user session cache retry timeout stage service").split()


def js(r: random.Random, i: int) -> str:
    lines = [f"// service module {i}", "'use strict';", "const AWS = require('aws-sdk');"]
    for j in range(r.randint(20, 120)):
        w = r.choice(WORDS)
        lines.append(f"const {w}{j} = process.env.{w.upper()}_{j} || '{r.choice(WORDS)}-{r.randint(0, 9999)}';")
    lines.append(f"exports.handler = async (event) => ({{ statusCode: 200, body: JSON.stringify({{ id: {i} }}) }});")
    return "\n".join(lines) + "\n"


def py(r: random.Random, i: int) -> str:
    lines = [f'"""Worker {i}."""', "import os", "import json", ""]
    for j in range(r.randint(20, 120)):
        w = r.choice(WORDS)
        lines.append(f'{w}_{j} = os.environ.get("{w.upper()}_{j}", "{r.choice(WORDS)}")')
    lines.append("def handler(event, context):\n    return {'statusCode': 200, 'body': json.dumps(event)}")
    return "\n".join(lines) + "\n"


def serverless(r: random.Random, i: int) -> str:
    fns = "\n".join(
        f"  fn{k}:\n    handler: src/fn{k}.handler\n    events:\n      - httpApi:\n          path: /{r.choice(WORDS)}/{k}\n          method: get"
        for k in range(r.randint(2, 6))
    )
    return (f"service: svc-{i}\nprovider:\n  name: aws\n  runtime: nodejs20.x\n  environment:\n"
            f"    TABLE: ${{self:service}}-table\n    SECRET_ARN: ${{ssm:/svc-{i}/secret}}\nfunctions:\n{fns}\n")


def template(r: random.Random, i: int) -> str:
    return (f'AWSTemplateFormatVersion: "2010-09-09"\nTransform: AWS::Serverless-2016-10-31\nResources:\n'
            f"  Fn{i}:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.12\n"
            f"      Handler: app.handler\n      Policies:\n        - DynamoDBReadPolicy:\n            TableName: t{i}\n")


def config_json(r: random.Random, i: int) -> str:
    items = ",\n".join(f'  "{r.choice(WORDS)}_{k}": "{r.choice(WORDS)}-{r.randint(0, 999)}"' for k in range(r.randint(5, 60)))
    return "{\n" + items + "\n}\n"


def markdown(r: random.Random, i: int) -> str:
    return f"# Service {i}\n\n" + "\n".join(" ".join(r.choice(WORDS) for _ in range(14)) for _ in range(r.randint(5, 40))) + "\n"


KINDS = [(0.40, "js", js), (0.25, "py", py), (0.05, "serverless.yml", serverless), (0.05, "template.yaml", template),
         (0.15, "json", config_json), (0.10, "md", markdown)]


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.email=bench@example.com", "-c", "user.name=bench", "-c", "commit.gpgsign=false", *args],
                   cwd=repo, check=True, stdout=subprocess.DEVNULL)


def build(repo: Path, files: int, staged: int, seed: int = 1) -> list[str]:
    if repo.exists():
        shutil.rmtree(repo)
    repo.mkdir(parents=True)
    r = random.Random(seed)
    paths = []
    for i in range(files):
        x = r.random()
        for share, kind, gen in KINDS:
            if x < share:
                break
            x -= share
        svc = f"services/svc{i // 25:03d}"
        if "." in kind:  # a manifest: one per service at its root, more under stacks/
            name = f"{svc}/{kind}" if not (repo / svc / kind).exists() else f"{svc}/stacks/m{i}-{kind}"
        else:
            name = f"{svc}/src/m{i}.{kind}"
        p = repo / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(gen(r, i))
        paths.append(name)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "corpus")
    changed = r.sample(sorted(paths), staged)
    keys = ["AKIAQ2MTX7WPLZK4RDHB", "AKIAV5HNC3JRT6YQWE2M"]
    for k, name in enumerate(changed):
        with open(repo / name, "a") as f:
            f.write(f"\n# edited {k}\n")
            if k < len(keys):
                f.write(f"AWS_ACCESS_KEY_ID = '{keys[k]}'\n")
    git(repo, "add", *changed)
    return changed


def timed(cmd: list[str], cwd: Path) -> tuple[float, float]:
    """Wall-clock and CPU (user + system, of the command and its children) seconds. CPU time
    hardly depends on what else the machine is doing; wall-clock time does."""
    env = dict(os.environ, CI="true", NO_COLOR="1")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=5000)
    ap.add_argument("--staged", type=int, default=10)
    ap.add_argument("--runs", type=int, default=21)
    ap.add_argument("--bin", default=str(REPO / "target/release/slsguard"))
    ap.add_argument("--dir", default=str(REPO / "target/bench-staged"))
    a = ap.parse_args()
    binary = Path(a.bin).resolve()
    if not binary.is_file():
        print(f"no binary at {binary}: run `cargo build --release` first", file=sys.stderr)
        return 2
    out = Path(a.dir)
    repo = out / "repo"
    build(repo, a.files, a.staged)
    staged_out = subprocess.run([str(binary), "scan", "--staged", "--fail-on", "none"], cwd=repo, capture_output=True, text=True).stdout
    print(staged_out.strip().splitlines()[-1], file=sys.stderr)
    commands = {
        f"`slsguard scan --staged` ({a.staged} staged files)": [str(binary), "scan", "--staged", "--fail-on", "none"],
        f"`slsguard scan` (full scan, {a.files} files)": [str(binary), "scan", "--fail-on", "none"],
    }
    times: dict[str, list[tuple[float, float]]] = {k: [] for k in commands}
    for cmd in commands.values():
        timed(cmd, repo)  # warm-up: page cache, git's index
    for _ in range(a.runs):
        for name, cmd in commands.items():
            times[name].append(timed(cmd, repo))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    lines = [
        f"{a.files} files, {a.staged} staged, {a.runs} runs each (interleaved), {os.cpu_count()} CPUs, load average {load:.1f}",
        "",
        "| command | wall median | wall min | wall max | CPU median (user + sys) |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, ts in times.items():
        wall = [w for w, _ in ts]
        cpu = [c for _, c in ts]
        ms = lambda x: f"{x * 1000:.0f} ms"  # noqa: E731
        lines.append(f"| {name} | {ms(statistics.median(wall))} | {ms(min(wall))} | {ms(max(wall))} | {ms(statistics.median(cpu))} |")
    text = "\n".join(lines) + "\n"
    (out / "results.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
