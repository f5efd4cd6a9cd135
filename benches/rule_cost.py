#!/usr/bin/env python3
"""What each rule costs: scans the corpus once per rule with `--only RULE -j1` and reports the
CPU time above a baseline scan that runs one cheap rule, best of a few runs each. Rules whose
keywords are common words, or whose windows span many lines, show up at the top.

  benches/rule_cost.py [--slsguard target/release/slsguard] [--corpus target/bench-corpus]
                       [--runs 3] [--top 15] [--baseline RULE]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def cpu(argv: list[str]) -> float:
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"rule_cost: {' '.join(argv)} failed")
    return ru.ru_utime + ru.ru_stime


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--slsguard", default=str(REPO / "target" / "release" / "slsguard"))
    ap.add_argument("--corpus", default=str(REPO / "target" / "bench-corpus"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--baseline", default="secret-aws-access-key-id")
    args = ap.parse_args()
    sls = args.slsguard
    rules = json.loads(subprocess.run([sls, "rules", "--format", "json"], capture_output=True, text=True, check=True).stdout)
    ids = [r["id"] for r in rules]

    def best(only: str) -> float:
        argv = [sls, "scan", args.corpus, "-j1", "--only", only, "--format", "json", "--fail-on", "none", "-o", os.devnull]
        return min(cpu(argv) for _ in range(args.runs))

    base = best(args.baseline)
    # Model rules make the scan parse manifests, which secret rules alone do not: their baseline
    # is the cheapest model rule, and the table shows what each adds beyond that.
    every = min(cpu([sls, "scan", args.corpus, "-j1", "--format", "json", "--fail-on", "none", "-o", os.devnull]) for _ in range(args.runs))
    raw = {}
    for i, rid in enumerate(ids):
        print(f"rule_cost: {i + 1}/{len(ids)} {rid}", file=sys.stderr)
        raw[rid] = best(rid)
    secret = [r for r in ids if r.startswith("secret-")]
    model = [r for r in ids if not r.startswith("secret-")]
    model_base = min((raw[r] for r in model), default=0.0)
    costs = [(raw[r] - base, r) for r in secret] + [(raw[r] - model_base, r) for r in model]
    costs.sort(reverse=True)
    print(f"-j1 CPU: `--only {args.baseline}` (secret baseline) {base * 1000:.0f} ms; cheapest model rule alone "
          f"{model_base * 1000:.0f} ms; all {len(ids)} rules {every * 1000:.0f} ms\n")
    print("Note: a rule run alone whose keywords start with three or more different letters leaves\n"
          "aho-corasick without a prefilter, so about 100 ms of each such row is one full automaton pass\n"
          "over the corpus, not the rule's own regex; compare rows with each other.\n")
    print("| rule | extra CPU ms over its baseline (best of %d) |\n|---|---:|" % args.runs)
    for c, rid in costs[: args.top]:
        print(f"| {rid} | {c * 1000:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
