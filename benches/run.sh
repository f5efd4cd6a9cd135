#!/usr/bin/env bash
# Throughput benchmark: slsguard against `rg -c AKIA` over the same ~100 MiB tree of ordinary
# source files, side by side in one run (see docs/performance.md).
#
#   benches/run.sh [--rev REV] [--runs N] [--startup-runs N] [--corpus DIR] [--size-mb MB]
#
# Builds slsguard in release (from the working tree, or with --rev from a clean export of that
# git revision, e.g. `--rev main`, so uncommitted work in the tree is not measured), fetches the crate sources the corpus copies from, generates the
# corpus if it is missing or stale (benches/gen_corpus.py), finds or installs ripgrep, then runs
# benches/bench.py, which warms the page cache, times the commands interleaved and prints a
# Markdown table (also written to target/bench-corpus.results.md).
#
# ripgrep: $RG if set, else `rg` on PATH, else target/bench-tools/bin/rg, installed on first use
# with `cargo install ripgrep --version $RG_VERSION --locked --root target/bench-tools` (falling
# back to Debian's package when that fails).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
RUNS=15
STARTUP_RUNS=20
CORPUS="$ROOT/target/bench-corpus"
SIZE_MB=100
REV=""
RG_VERSION=${RG_VERSION:-15.1.0}

while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=$2; shift 2 ;;
    --startup-runs) STARTUP_RUNS=$2; shift 2 ;;
    --corpus) CORPUS=$2; shift 2 ;;
    --size-mb) SIZE_MB=$2; shift 2 ;;
    --rev) REV=$2; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

if [ -n "$REV" ]; then
  SHA=$(git rev-parse --short "$REV^{commit}")
  SRC="$ROOT/target/bench-build/src-$SHA"
  echo "run.sh: building slsguard $REV ($SHA) from a clean export in $SRC (release)..." >&2
  if [ ! -f "$SRC/Cargo.toml" ]; then
    rm -rf "$SRC" && mkdir -p "$SRC"
    git archive "$SHA" | tar -x -C "$SRC"
  fi
  CARGO_TARGET_DIR="$ROOT/target/bench-build/target" cargo build --release --quiet --manifest-path "$SRC/Cargo.toml"
  SLSGUARD="$ROOT/target/bench-build/target/release/slsguard"
  COMMIT_ARGS=(--commit "$SHA" --source "$SRC")
else
  echo "run.sh: building slsguard from the working tree (release)..." >&2
  cargo build --release --quiet
  SLSGUARD="$ROOT/target/release/slsguard"
  COMMIT_ARGS=()
fi

echo "run.sh: fetching crate sources for the corpus..." >&2
cargo fetch --quiet

echo "run.sh: corpus..." >&2
python3 benches/gen_corpus.py "$CORPUS" --size-mb "$SIZE_MB" >/dev/null

if [ -z "${RG:-}" ]; then
  if command -v rg >/dev/null 2>&1; then
    RG=$(command -v rg)
  elif [ -x "$ROOT/target/bench-tools/bin/rg" ]; then
    RG="$ROOT/target/bench-tools/bin/rg"
  else
    echo "run.sh: installing ripgrep $RG_VERSION into target/bench-tools..." >&2
    if cargo install ripgrep --version "$RG_VERSION" --locked --quiet --root "$ROOT/target/bench-tools"; then
      RG="$ROOT/target/bench-tools/bin/rg"
    else
      echo "run.sh: cargo install failed; trying Debian's ripgrep" >&2
      SUDO=""
      [ "$(id -u)" -eq 0 ] || SUDO=sudo
      $SUDO apt-get update -qq && $SUDO apt-get install -y -qq ripgrep >/dev/null
      RG=$(command -v rg)
    fi
  fi
fi

exec python3 benches/bench.py --rg "$RG" --slsguard "$SLSGUARD" --corpus "$CORPUS" \
  --runs "$RUNS" --startup-runs "$STARTUP_RUNS" "${COMMIT_ARGS[@]}"
