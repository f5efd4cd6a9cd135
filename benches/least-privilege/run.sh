#!/usr/bin/env bash
# Least-privilege benchmark: a full scan of a generated monorepo of 1,000 functions, side by side
# in one run with and without the least-privilege rules (`--skip` of the three), so the table
# shows what the analysis adds (the issue's budget: at most 30%). Numbers go to
# docs/performance.md; do not record them from a shared machine.
#
#   benches/least-privilege/run.sh [--functions N] [--runs N]
set -euo pipefail

cd "$(dirname "$0")/../.."
FUNCTIONS=1000
RUNS=10
while [ $# -gt 0 ]; do
  case "$1" in
    --functions) FUNCTIONS=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
OUT=target/bench-least-privilege
cargo build --release --quiet
python3 benches/least-privilege/gen_monorepo.py "$OUT" --functions "$FUNCTIONS"
BIN=target/release/slsguard
SKIP=(--skip iam-unused-permission --skip iam-unscoped-resource --skip iam-missing-permission)
# The policy command exercises the same analysis without the rest of the rules.
"$BIN" policy --all --path "$OUT" --format json > /dev/null
python3 - "$BIN" "$OUT" "$RUNS" "${SKIP[@]}" <<'PY'
import statistics, subprocess, sys, time
binary, tree, runs, skip = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
cmds = {
    "full scan": [binary, "scan", "--format", "json", "--fail-on", "none", tree],
    "full scan without least privilege": [binary, "scan", "--format", "json", "--fail-on", "none", *skip, tree],
}
times = {k: [] for k in cmds}
for k, c in cmds.items():  # warm the page cache
    subprocess.run(c, stdout=subprocess.DEVNULL, check=False)
for _ in range(runs):  # interleaved
    for k, c in cmds.items():
        t = time.perf_counter()
        subprocess.run(c, stdout=subprocess.DEVNULL, check=False)
        times[k].append(time.perf_counter() - t)
print("| command | median s | min s |\n|---|---|---|")
for k, v in times.items():
    print(f"| {k} | {statistics.median(v):.3f} | {min(v):.3f} |")
base = statistics.median(times["full scan without least privilege"])
print(f"\nleast privilege adds {100 * (statistics.median(times['full scan']) / base - 1):.1f}%")
PY
