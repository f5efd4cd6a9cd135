#!/usr/bin/env bash
# Code-stage benchmark (issue 13; docs/performance.md): what reading function code as code costs.
#
#   benches/code.sh [--runs N] [--files N]
#
# Row `code-tree`: `slsguard scan` of a generated tree of 10,000 source files in five languages
# (JavaScript, TypeScript, Python, Go, Rust; benches/gen_code_tree.py) with their manifests,
# against the same scan with the code rules skipped (`--skip 'code-*'`), interleaved in one run;
# the budget is a ratio of at most 2x. Rows `big-js` / `big-py`: parse + analysis of one
# 5,000-line file, as the scan of that file with only the code rules minus the scan of an empty
# file (process start, rule loading); the budget is 50 ms. Best of N runs; files go to
# target/bench-code/. Prints a Markdown table; numbers are recorded by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=5
FILES=10000
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=$2; shift 2 ;;
    --files) FILES=$2; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "code.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
cargo build --release --quiet
BIN="$PWD/target/release/slsguard"
DIR="$PWD/target/bench-code"
python3 benches/gen_code_tree.py "$DIR/tree" --files "$FILES"
BIG="$DIR/code-bench-big"

# Best wall time (seconds) of one run of "$@", appended to the named array of samples.
now() { date +%s.%N; }
run() { local t0 t1; t0=$(now); "$@" >/dev/null 2>&1 || true; t1=$(now); awk "BEGIN{print $t1 - $t0}"; }
best() { printf '%s\n' "$@" | sort -g | head -1; }

scan=(); skip=(); bigjs=(); bigpy=(); empty=()
common=(--no-config --fail-on none --format json)
# Warm the page cache once.
"$BIN" scan "$DIR/tree" "${common[@]}" >/dev/null 2>&1 || true
for _ in $(seq "$RUNS"); do
  scan+=("$(run "$BIN" scan "$DIR/tree" "${common[@]}")")
  skip+=("$(run "$BIN" scan "$DIR/tree" "${common[@]}" --skip 'code-*')")
  bigjs+=("$(run "$BIN" scan "$BIG/big.js" "${common[@]}" --only 'code-*')")
  bigpy+=("$(run "$BIN" scan "$BIG/big.py" "${common[@]}" --only 'code-*')")
  empty+=("$(run "$BIN" scan "$BIG/empty.js" "${common[@]}" --only 'code-*')")
done
s=$(best "${scan[@]}"); k=$(best "${skip[@]}"); e=$(best "${empty[@]}")
js=$(best "${bigjs[@]}"); py=$(best "${bigpy[@]}")
echo "| row | measured | budget |"
echo "|---|---|---|"
awk -v s="$s" -v k="$k" -v f="$FILES" 'BEGIN{printf "| code-tree (%d files) | scan %.2f s, code rules skipped %.2f s: %.2fx | at most 2x |\n", f, s, k, s / k}'
awk -v b="$js" -v e="$e" 'BEGIN{printf "| big-js (5,000 lines) | %.0f ms | under 50 ms |\n", (b - e) * 1000}'
awk -v b="$py" -v e="$e" 'BEGIN{printf "| big-py (5,000 lines) | %.0f ms | under 50 ms |\n", (b - e) * 1000}'
