#!/usr/bin/env python3
"""Times slsguard against ripgrep over the same corpus, side by side in one run.

Each round runs every command once, in an order rotated from round to round (so neither tool
always runs first, right after the other, or on a cache the other warmed); wall time is measured
around the child process and its CPU time is taken from wait4(). After the rounds it prints a
Markdown report (machine, versions, corpus, table, ratios, startup cost) and writes it, with the
raw samples as JSON, next to the corpus.

Called by benches/run.sh, which builds the binaries and the corpus first.

usage: benches/bench.py --rg RG --slsguard BIN --corpus DIR [--runs 15] [--startup-runs 20]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MIB = 1024 * 1024
REPO = Path(__file__).resolve().parent.parent


def run_timed(argv: list[str], cwd: Path | None = None) -> tuple[float, float, int]:
    """Wall seconds, CPU (user+sys) seconds and exit status of one run."""
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=cwd)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    err = p.stderr.read() if p.stderr else b""
    if p.stderr:
        p.stderr.close()
    code = p.returncode
    if code not in (0, 1):
        raise SystemExit(f"bench: {' '.join(argv)} exited {code}: {err.decode(errors='replace')}")
    return wall, ru.ru_utime + ru.ru_stime, code


def output(argv: list[str], cwd: Path | None = None) -> str:
    return subprocess.run(argv, capture_output=True, text=True, cwd=cwd, check=False).stdout


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(next(l for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal")).split()[1])
        mem = f"{kb / MIB:.0f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    os_name = ""
    try:
        os_name = next(l for l in Path("/etc/os-release").read_text().splitlines() if l.startswith("PRETTY_NAME")).split("=", 1)[1].strip('"')
    except (OSError, StopIteration):
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "memory": mem, "os": os_name, "kernel": platform.release()}


def warm(corpus: Path) -> None:
    """Reads every file once so that both tools run on a warm page cache."""
    for dirpath, _, files in os.walk(corpus):
        for f in files:
            with open(os.path.join(dirpath, f), "rb") as fh:
                while fh.read(1 << 20):
                    pass


KEYWORDS_LINE = re.compile(r"^\s+keywords:\s*\[(.*)\]\s*$", re.M)
FLOW_ITEM = re.compile(r"""'((?:[^']|'')*)'|"((?:[^"\\]|\\.)*)"|([^,\s][^,]*?)\s*(?:,|$)""")


def rule_keywords(rules_dir: Path) -> list[str]:
    """The secret rules' keywords, lowercased, as the engine's automaton holds them (the rule
    files write them as one-line YAML flow lists)."""
    out: set[str] = set()
    for f in sorted(rules_dir.rglob("*.y*ml")):
        text = f.read_text()
        if "keywords:" not in text:
            continue
        m = KEYWORDS_LINE.search(text)
        if not m:
            print(f"bench: WARNING: {f}: keywords not in one-line [...] form; left out of the reference", file=sys.stderr)
            continue
        for single, double, plain in FLOW_ITEM.findall(m.group(1)):
            v = single.replace("''", "'") if single else double or plain
            if v.strip():
                out.add(v.strip().lower())
    return sorted(out)


def stats(samples: list[tuple[float, float, int]]) -> dict:
    walls = [s[0] for s in samples]
    cpus = [s[1] for s in samples]
    return {
        "median": statistics.median(walls),
        "min": min(walls),
        "max": max(walls),
        "cpu_median": statistics.median(cpus),
        "walls": walls,
        "cpus": cpus,
    }


def interleave(commands: dict[str, list[str]], runs: int, cwd: Path | None = None) -> dict[str, dict]:
    names = list(commands)
    samples: dict[str, list] = {n: [] for n in names}
    for n in names:  # one discarded warm-up run each
        run_timed(commands[n], cwd)
    for i in range(runs):
        k = i % len(names)
        for n in names[k:] + names[:k]:
            samples[n].append(run_timed(commands[n], cwd))
    return {n: stats(s) for n, s in samples.items()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rg", required=True)
    ap.add_argument("--slsguard", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--startup-runs", type=int, default=20)
    ap.add_argument("--commit", help="the revision the binary was built from (default: HEAD of the repo, +dirty if changed)")
    ap.add_argument("--source", help="the source tree the binary was built from (default: the repo)")
    ap.add_argument("--out", help="Markdown report (default: <corpus>.results.md, JSON beside it)")
    args = ap.parse_args()
    if args.runs < 1:
        raise SystemExit("bench: --runs must be at least 1")

    corpus = Path(args.corpus).resolve()
    manifest = json.loads(corpus.with_name(corpus.name + ".manifest.json").read_text())
    rg, sls = args.rg, args.slsguard
    size = manifest["bytes"]

    # What was measured.
    if args.commit:
        commit, dirty = args.commit, False
    else:
        commit = output(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"]).strip()
        dirty = bool(output(["git", "-C", str(REPO), "status", "--porcelain", "--", "src", "rules", "build.rs", "Cargo.toml", "Cargo.lock"]).strip())
    source = Path(args.source) if args.source else REPO
    rule_files = len(list((source / "rules").rglob("*.yml"))) + len(list((source / "rules").rglob("*.yaml")))
    rules = json.loads(output([sls, "rules", "--format", "json"]) or "[]")
    if isinstance(rules, dict):
        rules = rules.get("rules", [])
    info = {
        "commit": commit + ("+dirty" if dirty else ""),
        "rules": len(rules),
        "secret_rules": sum(1 for r in rules if str(r.get("id", "")).startswith("secret-")),
        "rule_files": rule_files,
        "slsguard": output([sls, "--version"]).strip(),
        "rg": output([rg, "--version"]).splitlines()[0].strip(),
        "machine": machine(),
        "corpus": {"path": str(corpus), "files": manifest["files"], "bytes": size},
    }

    # Both tools must read the same files, and both must find the planted keys.
    rg_files = len(output([rg, "--files", str(corpus)]).splitlines())
    with tempfile.NamedTemporaryFile(suffix=".json") as tmp:
        subprocess.run([sls, "scan", str(corpus), "--format", "json", "--fail-on", "none", "-o", tmp.name], check=True)
        report = json.loads(Path(tmp.name).read_text())
    summary = report["summary"]
    rg_counts = sum(int(l.rsplit(":", 1)[1]) for l in output([rg, "-c", "AKIA", str(corpus)]).splitlines() if ":" in l)
    aws = sum(1 for f in report["findings"] if f["rule_id"] == "secret-aws-access-key-id")
    info["check"] = {
        "rg_files": rg_files,
        "slsguard_files_scanned": summary["files_scanned"],
        "slsguard_files_skipped": summary["files_skipped"],
        "slsguard_bytes_scanned": summary["bytes_scanned"],
        "rg_lines_with_AKIA": rg_counts,
        "slsguard_aws_key_findings": aws,
        "slsguard_findings": summary["findings"],
        "planted": len(manifest.get("planted_aws_key_ids", [])),
    }
    if rg_files != manifest["files"] or summary["files_scanned"] != manifest["files"]:
        print(f"bench: WARNING: files differ: corpus {manifest['files']}, rg {rg_files}, slsguard {summary['files_scanned']}", file=sys.stderr)

    print(f"bench: warming the page cache ({size / MIB:.1f} MiB)...", file=sys.stderr)
    warm(corpus)
    scan = [sls, "scan", str(corpus), "--format", "json", "--fail-on", "none", "-o", os.devnull]
    # Reference: ripgrep itself looking for every keyword of the secret rules, case-insensitively,
    # as the engine's first pass must.
    keywords = rule_keywords(source / "rules")
    kw_file = corpus.with_name(corpus.name + ".keywords.txt")
    kw_file.write_text("\n".join(keywords) + "\n")
    info["keywords"] = len(keywords)
    commands = {
        "rg -c AKIA": [rg, "-c", "AKIA", str(corpus)],
        "slsguard scan": scan,
        "rg -j1 -c AKIA": [rg, "-j1", "-c", "AKIA", str(corpus)],
        "slsguard scan -j1": scan[:2] + ["-j1"] + scan[2:],
        "rg -j1 -c -i -F -f KEYWORDS": [rg, "-j1", "-c", "-i", "-F", "-f", str(kw_file), str(corpus)],
    }
    info["loadavg_before"] = os.getloadavg()
    print(f"bench: {args.runs} interleaved rounds of {len(commands)} commands...", file=sys.stderr)
    res = interleave(commands, args.runs)

    info["loadavg_after"] = os.getloadavg()

    # Startup: one tiny file, as a pre-commit hook sees it.
    tiny_dir = Path(tempfile.mkdtemp(prefix="slsguard-bench-"))
    tiny = tiny_dir / "handler.js"
    tiny.write_text("const table = process.env.TABLE_NAME;\nexports.handler = async () => ({ statusCode: 200 });\n")
    startup_cmds = {
        "slsguard scan (1 tiny file)": [sls, "scan", str(tiny), "--format", "json", "--fail-on", "none", "-o", os.devnull],
        "slsguard --version": [sls, "--version"],
        "rg -c AKIA (1 tiny file)": [rg, "-c", "AKIA", str(tiny)],
    }
    print(f"bench: startup, {args.startup_runs} rounds...", file=sys.stderr)
    startup = interleave(startup_cmds, args.startup_runs)
    tiny.unlink()
    tiny_dir.rmdir()

    md = render(info, manifest, res, startup, args.runs, args.startup_runs)
    out = Path(args.out) if args.out else corpus.with_name(corpus.name + ".results.md")
    out.write_text(md)
    out.with_suffix(".json").write_text(json.dumps({"info": info, "results": res, "startup": startup}, indent=2) + "\n")
    print(md)
    print(f"bench: written to {out} and {out.with_suffix('.json')}", file=sys.stderr)
    return 0


def render(info: dict, manifest: dict, res: dict, startup: dict, runs: int, startup_runs: int) -> str:
    size = manifest["bytes"]
    m = info["machine"]
    c = info["check"]
    lines = [
        f"slsguard commit `{info['commit']}` ({info['rules']} rules, {info['secret_rules']} secret rules; "
        f"{info['rule_files']} files under rules/), "
        f"{info['slsguard']}, {info['rg']}",
        f"machine: {m['cpu']}, {m['cores']} cores, {m['memory']}, {m['os']}, Linux {m['kernel']}",
        f"corpus: {manifest['files']} files, {size / MIB:.1f} MiB ({size} bytes); warm page cache; "
        f"{runs} interleaved runs each; load average {info['loadavg_before'][0]:.2f} before, "
        f"{info['loadavg_after'][0]:.2f} after (1-minute; other work on the machine disturbs the medians "
        f"more than the minimums)",
        f"check: rg lists {c['rg_files']} files, slsguard scanned {c['slsguard_files_scanned']} "
        f"(skipped {c['slsguard_files_skipped']}); rg counts {c['rg_lines_with_AKIA']} lines with AKIA, "
        f"slsguard reports {c['slsguard_aws_key_findings']} AWS key ids ({c['planted']} planted), "
        f"{c['slsguard_findings']} findings in all",
        "",
        "| command | threads | median (s) | min (s) | MiB/s (median) | MiB/s (min) | CPU user+sys (s, median) |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for name, r in res.items():
        threads = "1" if "-j1" in name else "all"
        lines.append(
            f"| `{name}` | {threads} | {r['median']:.3f} | {r['min']:.3f} | {size / MIB / r['median']:.0f} | "
            f"{size / MIB / r['min']:.0f} | {r['cpu_median']:.3f} |"
        )
    lines += [
        "",
        "| comparison | speed ratio slsguard / rg, wall (median) | wall (min) | CPU time (median) | target ≥ 0.5 (wall, median) |",
        "|---|---:|---:|---:|---|",
    ]
    for label, a, b in [
        ("all threads", "rg -c AKIA", "slsguard scan"),
        ("one thread", "rg -j1 -c AKIA", "slsguard scan -j1"),
        (f"reference, one thread: rg with the rules' {info['keywords']} keywords", "rg -j1 -c AKIA", "rg -j1 -c -i -F -f KEYWORDS"),
    ]:
        ratio = res[a]["median"] / res[b]["median"]
        ratio_min = res[a]["min"] / res[b]["min"]
        ratio_cpu = res[a]["cpu_median"] / res[b]["cpu_median"]
        lines.append(f"| {label} | {ratio:.2f} | {ratio_min:.2f} | {ratio_cpu:.2f} | {'met' if ratio >= 0.5 else '**not met**'} |")
    lines += ["", f"Startup ({startup_runs} interleaved runs each):", "",
              "| command | wall median (ms) | wall min (ms) | CPU median (ms) |", "|---|---:|---:|---:|"]
    for name, r in startup.items():
        lines.append(f"| `{name}` | {r['median'] * 1000:.1f} | {r['min'] * 1000:.1f} | {r['cpu_median'] * 1000:.1f} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
