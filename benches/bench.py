#!/usr/bin/env python3
"""Times slsguard against ripgrep (and Kingfisher, when given) side by side, and prints every
measure of issue 10's targets: the full scan against `rg -c AKIA` on the benchmark corpus and on
a monorepo-shaped one, manifest loading in MiB per CPU-second, one small file, peak memory.

Each round runs every command once, in an order rotated from round to round (so neither tool
always runs first, right after the other, or on a cache the other warmed); wall time is measured
around the child process, its CPU time and peak RSS (ru_maxrss) are taken from wait4(). After
the rounds it prints a Markdown report (machine, versions, tables with the load average, the
targets) and writes it, with the raw samples as JSON, next to the corpus.

Called by benches/run.sh, which builds the binaries and the corpus first.

usage: benches/bench.py --rg RG --slsguard BIN --corpus DIR [--monorepo DIR] [--corpus-1g DIR]
                        [--kingfisher BIN] [--runs 15] [--startup-runs 20]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MIB = 1024 * 1024
# The whole report, never a failing exit: the synthesized handlers are not all valid JavaScript
# or Python, and parse errors would otherwise end the scan with exit code 2.
SCAN_FLAGS = ["--format", "json", "--fail-on", "none", "--parse-errors", "warn"]
REPO = Path(__file__).resolve().parent.parent


def run_timed(argv: list[str], cwd: Path | None = None) -> tuple[float, float, int]:
    """Wall seconds, CPU (user+sys) seconds and peak RSS (KiB, ru_maxrss) of one run."""
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=cwd)
    # The child writes little to stderr; read it before waiting so it cannot block on a full pipe.
    err = p.stderr.read() if p.stderr else b""
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.stderr:
        p.stderr.close()
    code = p.returncode
    if code not in (0, 1, 200, 205):  # kingfisher: 200/205 when it finds secrets
        raise SystemExit(f"bench: {' '.join(argv)} exited {code}: {err.decode(errors='replace')[-2000:]}")
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss


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
    rss = [s[2] for s in samples]
    return {
        "median": statistics.median(walls),
        "min": min(walls),
        "max": max(walls),
        "cpu_median": statistics.median(cpus),
        "rss_max_kib": max(rss),
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


def check_corpus(rg: str, sls: str, corpus: Path, manifest: dict) -> dict:
    """Both tools must read the same files, and both must find the planted keys."""
    rg_files = len(output([rg, "--files", str(corpus)]).splitlines())
    with tempfile.NamedTemporaryFile(suffix=".json") as tmp:
        subprocess.run([sls, "scan", str(corpus), *SCAN_FLAGS, "-o", tmp.name], check=True)
        report = json.loads(Path(tmp.name).read_text())
    summary = report["summary"]
    rg_counts = sum(int(l.rsplit(":", 1)[1]) for l in output([rg, "-c", "AKIA", str(corpus)]).splitlines() if ":" in l)
    aws = sum(1 for f in report["findings"] if f["rule_id"] == "secret-aws-access-key-id")
    check = {
        "rg_files": rg_files,
        "slsguard_files_scanned": summary["files_scanned"],
        "slsguard_files_skipped": summary["files_skipped"],
        "rg_lines_with_AKIA": rg_counts,
        "slsguard_aws_key_findings": aws,
        "slsguard_findings": summary["findings"],
        "slsguard_errors": len(report.get("errors", [])),
        "planted": len(manifest.get("planted_aws_key_ids", [])),
    }
    if rg_files != manifest["files"] or summary["files_scanned"] != manifest["files"]:
        print(f"bench: WARNING: {corpus}: files differ: corpus {manifest['files']}, rg {rg_files}, "
              f"slsguard {summary['files_scanned']}", file=sys.stderr)
    return check


def throughput(name: str, rg: str, sls: str, kingfisher: str | None, corpus: Path, runs: int, keywords: Path | None) -> dict:
    manifest = json.loads(corpus.with_name(corpus.name + ".manifest.json").read_text())
    check = check_corpus(rg, sls, corpus, manifest)
    print(f"bench: {name}: warming the page cache ({manifest['bytes'] / MIB:.1f} MiB)...", file=sys.stderr)
    warm(corpus)
    scan = [sls, "scan", str(corpus), *SCAN_FLAGS, "-o", os.devnull]
    commands = {"rg -c AKIA": [rg, "-c", "AKIA", str(corpus)], "slsguard scan": scan}
    if keywords is not None:
        # Reference: ripgrep itself looking for every keyword of the secret rules,
        # case-insensitively, as the engine's first pass must.
        commands["rg -c -i -F -f KEYWORDS"] = [rg, "-c", "-i", "-F", "-f", str(keywords), str(corpus)]
    if kingfisher:
        commands["kingfisher scan --no-validate"] = [
            kingfisher, "scan", str(corpus), "--no-validate", "--no-update-check", "--format", "json", "-o", os.devnull]
    load_before = os.getloadavg()
    print(f"bench: {name}: {runs} interleaved rounds of {len(commands)} commands...", file=sys.stderr)
    res = interleave(commands, runs)
    return {"name": name, "corpus": str(corpus), "files": manifest["files"], "bytes": manifest["bytes"],
            "check": check, "results": res, "loadavg": [load_before[0], os.getloadavg()[0]]}


def manifests_only(src: Path, dst: Path) -> int:
    """Copies the manifests (serverless.yml, template.yaml) of a corpus into `dst`; their bytes."""
    if dst.exists():
        shutil.rmtree(dst)
    total = 0
    for dirpath, _, files in os.walk(src):
        for f in files:
            if f in ("serverless.yml", "template.yaml"):
                rel = Path(dirpath).relative_to(src) / f
                (dst / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(Path(dirpath) / f, dst / rel)
                total += (dst / rel).stat().st_size
    return total


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rg", required=True)
    ap.add_argument("--slsguard", required=True)
    ap.add_argument("--corpus", required=True, help="the benchmark corpus (gen_corpus.py)")
    ap.add_argument("--monorepo", help="the monorepo-shaped corpus (gen_corpus.py --shape monorepo)")
    ap.add_argument("--corpus-1g", help="a 1 GiB corpus, for peak memory only")
    ap.add_argument("--kingfisher", help="a Kingfisher binary, compared when given")
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--startup-runs", type=int, default=20)
    ap.add_argument("--commit", help="the revision the binary was built from (default: HEAD of the repo, +dirty if changed)")
    ap.add_argument("--source", help="the source tree the binary was built from (default: the repo)")
    ap.add_argument("--out", help="Markdown report (default: <corpus>.results.md, JSON beside it)")
    args = ap.parse_args()
    if args.runs < 1:
        raise SystemExit("bench: --runs must be at least 1")

    corpus = Path(args.corpus).resolve()
    rg, sls = args.rg, args.slsguard

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
    keywords = rule_keywords(source / "rules")
    kw_file = corpus.with_name(corpus.name + ".keywords.txt")
    kw_file.write_text("\n".join(keywords) + "\n")
    info = {
        "commit": commit + ("+dirty" if dirty else ""),
        "rules": len(rules),
        "secret_rules": sum(1 for r in rules if str(r.get("id", "")).startswith("secret-")),
        "rule_files": rule_files,
        "keywords": len(keywords),
        "slsguard": output([sls, "--version"]).strip(),
        "rg": output([rg, "--version"]).splitlines()[0].strip(),
        "kingfisher": output([args.kingfisher, "--version"]).strip() if args.kingfisher else None,
        "machine": machine(),
    }

    corpora = [throughput("benchmark corpus", rg, sls, args.kingfisher, corpus, args.runs, kw_file)]
    if args.monorepo:
        corpora.append(throughput("monorepo corpus", rg, sls, args.kingfisher, Path(args.monorepo).resolve(), args.runs, None))

    # Manifest loading and modelling: the monorepo's manifests alone, one thread, rules other
    # than the secret and code rules; MiB per CPU-second.
    manifests = None
    if args.monorepo:
        mdir = Path(args.monorepo).resolve().with_name("bench-manifests")
        mbytes = manifests_only(Path(args.monorepo).resolve(), mdir)
        warm(mdir)
        base = [sls, "scan", "--no-config", "-j1", *SCAN_FLAGS, "-o", os.devnull,
                "--skip", "secret-*", "--skip", "code-*"]
        empty = Path(tempfile.mkdtemp(prefix="slsguard-bench-empty-"))
        (empty / "serverless.yml").write_text("service: empty\nprovider:\n  name: aws\n")
        load_before = os.getloadavg()
        print(f"bench: manifests ({mbytes / MIB:.1f} MiB), {args.runs} rounds...", file=sys.stderr)
        mres = interleave({"manifests": base + [str(mdir)], "one manifest": base + [str(empty)]}, args.runs)
        shutil.rmtree(empty)
        manifests = {"bytes": mbytes, "files": sum(len(f) for _, _, f in os.walk(mdir)), "results": mres,
                     "loadavg": [load_before[0], os.getloadavg()[0]]}

    # Startup: one tiny file, as a pre-commit hook sees it.
    tiny_dir = Path(tempfile.mkdtemp(prefix="slsguard-bench-"))
    tiny = tiny_dir / "handler.js"
    tiny.write_text("const table = process.env.TABLE_NAME;\nexports.handler = async () => ({ statusCode: 200 });\n")
    startup_cmds = {
        "slsguard scan (1 tiny file)": [sls, "scan", str(tiny), "--format", "json", "--fail-on", "none", "-o", os.devnull],
        "slsguard --version": [sls, "--version"],
        "rg -c AKIA (1 tiny file)": [rg, "-c", "AKIA", str(tiny)],
    }
    load_before = os.getloadavg()
    print(f"bench: startup, {args.startup_runs} rounds...", file=sys.stderr)
    startup = interleave(startup_cmds, args.startup_runs)
    startup_load = [load_before[0], os.getloadavg()[0]]
    shutil.rmtree(tiny_dir)

    # Peak memory at 1 GiB: one run (the 100 MiB figure is the largest of the runs above).
    rss_1g = None
    if args.corpus_1g:
        c1 = Path(args.corpus_1g).resolve()
        m1 = json.loads(c1.with_name(c1.name + ".manifest.json").read_text())
        print(f"bench: peak memory on {m1['bytes'] / MIB:.0f} MiB...", file=sys.stderr)
        wall, cpu, rss = run_timed([sls, "scan", str(c1), *SCAN_FLAGS, "-o", os.devnull])
        rss_1g = {"bytes": m1["bytes"], "wall": wall, "cpu": cpu, "rss_kib": rss}

    data = {"info": info, "corpora": corpora, "manifests": manifests, "startup": startup,
            "startup_loadavg": startup_load, "rss_1g": rss_1g}
    md = render(data, args.runs, args.startup_runs)
    out = Path(args.out) if args.out else corpus.with_name(corpus.name + ".results.md")
    out.write_text(md)
    out.with_suffix(".json").write_text(json.dumps(data, indent=2) + "\n")
    print(md)
    print(f"bench: written to {out} and {out.with_suffix('.json')}", file=sys.stderr)
    return 0


def verdict(ok: bool) -> str:
    return "met" if ok else "**not met**"


def render(d: dict, runs: int, startup_runs: int) -> str:
    info = d["info"]
    m = info["machine"]
    lines = [
        f"slsguard commit `{info['commit']}` ({info['rules']} rules, {info['secret_rules']} secret rules with "
        f"{info['keywords']} distinct keywords; {info['rule_files']} files under rules/), {info['slsguard']}, "
        f"{info['rg']}" + (f", {info['kingfisher']}" if info["kingfisher"] else " (Kingfisher not installed)"),
        f"machine: {m['cpu']}, {m['cores']} cores, {m['memory']}, {m['os']}, Linux {m['kernel']}",
        f"{runs} interleaved runs of each command, warm page cache; the load average (1-minute, before and after "
        "each table) says how busy the machine was: other work on it disturbs the medians more than the minimums, "
        "and ratios of commands measured in the same rounds more than either.",
        "",
    ]
    summary = []
    for c in d["corpora"]:
        res, size, ck = c["results"], c["bytes"], c["check"]
        lines += [
            f"### {c['name'].capitalize()}: {c['files']} files, {size / MIB:.1f} MiB (load {c['loadavg'][0]:.1f} → {c['loadavg'][1]:.1f})",
            "",
            f"check: rg lists {ck['rg_files']} files, slsguard scanned {ck['slsguard_files_scanned']} "
            f"(skipped {ck['slsguard_files_skipped']}); rg counts {ck['rg_lines_with_AKIA']} lines with AKIA, "
            f"slsguard reports {ck['slsguard_aws_key_findings']} AWS key ids ({ck['planted']} planted), "
            f"{ck['slsguard_findings']} findings in all, {ck['slsguard_errors']} parse errors (warnings)",
            "",
            "| command | median (s) | min (s) | MiB/s (median) | CPU user+sys (s, median) | peak RSS (MiB) |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for name, r in res.items():
            lines.append(f"| `{name}` | {r['median']:.3f} | {r['min']:.3f} | {size / MIB / r['median']:.0f} | "
                         f"{r['cpu_median']:.3f} | {r['rss_max_kib'] / 1024:.0f} |")
        lines.append("")
        rg_, sl = res["rg -c AKIA"], res["slsguard scan"]
        ratio = sl["median"] / rg_["median"]
        summary.append((f"full scan ÷ `rg -c AKIA`, {c['name']} (wall, median; min {sl['min'] / rg_['min']:.2f}×, "
                        f"CPU {sl['cpu_median'] / rg_['cpu_median']:.2f}×)", f"{ratio:.2f}×", "≤ 3×", verdict(ratio <= 3)))
        kf = res.get("kingfisher scan --no-validate")
        if kf:
            summary.append((f"Kingfisher ÷ full scan, {c['name']} (wall, median; CPU {kf['cpu_median'] / sl['cpu_median']:.2f}×)",
                            f"{kf['median'] / sl['median']:.2f}×", "reported", "—"))
    mf = d["manifests"]
    if mf:
        r, one = mf["results"]["manifests"], mf["results"]["one manifest"]
        rate = mf["bytes"] / MIB / r["cpu_median"]
        net = mf["bytes"] / MIB / max(r["cpu_median"] - one["cpu_median"], 1e-9)
        lines += [
            f"### Manifests alone: {mf['files']} files, {mf['bytes'] / MIB:.1f} MiB (load {mf['loadavg'][0]:.1f} → {mf['loadavg'][1]:.1f})",
            "",
            "`slsguard scan -j1 --skip 'secret-*' --skip 'code-*'` over the monorepo corpus's serverless.yml and "
            "template.yaml files; \"one manifest\" is the same command on one tiny serverless.yml (start-up).",
            "",
            "| command | median (s) | CPU user+sys (s, median) | MiB per CPU-second |",
            "|---|---:|---:|---:|",
            f"| manifests | {r['median']:.3f} | {r['cpu_median']:.3f} | {rate:.1f} |",
            f"| one manifest | {one['median']:.3f} | {one['cpu_median']:.3f} | — |",
            "",
        ]
        summary.append(("manifest loading and modelling, MiB/s per core (CPU; start-up subtracted: "
                        f"{net:.1f})", f"{rate:.1f}", "≥ 100", verdict(rate >= 100)))
    lines += [f"### Startup (load {d['startup_loadavg'][0]:.1f} → {d['startup_loadavg'][1]:.1f}; {startup_runs} interleaved runs each)", "",
              "| command | wall median (ms) | wall min (ms) | CPU median (ms) | peak RSS (MiB) |", "|---|---:|---:|---:|---:|"]
    for name, r in d["startup"].items():
        lines.append(f"| `{name}` | {r['median'] * 1000:.1f} | {r['min'] * 1000:.1f} | {r['cpu_median'] * 1000:.1f} | {r['rss_max_kib'] / 1024:.0f} |")
    lines.append("")
    one = d["startup"]["slsguard scan (1 tiny file)"]
    summary.append((f"one small file, wall median (min {one['min'] * 1000:.1f} ms, CPU {one['cpu_median'] * 1000:.1f} ms)",
                    f"{one['median'] * 1000:.1f} ms", "≤ 5 ms", verdict(one["median"] <= 0.005)))
    rss100 = d["corpora"][0]["results"]["slsguard scan"]["rss_max_kib"] / 1024
    summary.append(("peak RSS, benchmark corpus (100 MiB)", f"{rss100:.0f} MiB", "—", "—"))
    if d["rss_1g"]:
        g = d["rss_1g"]
        rss1 = g["rss_kib"] / 1024
        growth = rss1 / rss100
        size_ratio = g["bytes"] / d["corpora"][0]["bytes"]
        summary.append((f"peak RSS, {g['bytes'] / MIB:.0f} MiB corpus (scan took {g['wall']:.1f} s)", f"{rss1:.0f} MiB", "≤ 150 MiB", verdict(rss1 <= 150)))
        summary.append((f"peak RSS growth for {size_ratio:.1f}× the bytes", f"{growth:.2f}×",
                        f"≤ {1.1 * size_ratio:.1f}×", verdict(growth <= 1.1 * size_ratio)))
    lines += ["### Targets (issue 10)", "", "| measure | value | target | |", "|---|---:|---|---|"]
    lines += [f"| {a} | {b} | {t} | {v} |" for a, b, t, v in summary]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
