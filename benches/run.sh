#!/usr/bin/env bash
# The performance targets of issue 10, measured side by side in one run (docs/performance.md):
# the full scan against `rg -c AKIA` on the ~100 MiB benchmark corpus and on a corpus shaped like
# a serverless monorepo, Kingfisher on both when installed, manifest loading in MiB per
# CPU-second, one small file, and peak memory at 100 MiB and (with disk to spare) 1 GiB.
#
#   benches/run.sh [--rev REV] [--runs N] [--startup-runs N] [--corpus DIR] [--size-mb MB] [--no-1g]
#
# Kingfisher: $KINGFISHER if set, else `kingfisher` on PATH (`pip install kingfisher-bin`).
# The 1 GiB corpus (target/bench-corpus-1g) is generated only when more than 15 GB are free,
# measured once for its peak memory, and deleted afterwards.
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
NO_1G=""
MONOREPO="$ROOT/target/bench-monorepo"
CORPUS_1G="$ROOT/target/bench-corpus-1g"
RG_VERSION=${RG_VERSION:-15.1.0}

while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=$2; shift 2 ;;
    --startup-runs) STARTUP_RUNS=$2; shift 2 ;;
    --corpus) CORPUS=$2; shift 2 ;;
    --size-mb) SIZE_MB=$2; shift 2 ;;
    --rev) REV=$2; shift 2 ;;
    --no-1g) NO_1G=1; shift ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
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
python3 benches/gen_corpus.py "$MONOREPO" --shape monorepo --size-mb "$SIZE_MB" >/dev/null
EXTRA=(--monorepo "$MONOREPO")
FREE_GB=$(df -P -BG "$ROOT/target" | awk 'NR==2 {sub("G", "", $4); print $4}')
if [ -z "$NO_1G" ] && [ "$FREE_GB" -gt 15 ]; then
  echo "run.sh: 1 GiB corpus ($FREE_GB GB free; deleted afterwards)..." >&2
  python3 benches/gen_corpus.py "$CORPUS_1G" --size-mb 1024 >/dev/null
  trap 'rm -rf "$CORPUS_1G" "$CORPUS_1G.manifest.json"' EXIT
  EXTRA+=(--corpus-1g "$CORPUS_1G")
else
  why="${FREE_GB} GB free, more than 15 needed"
  [ -n "$NO_1G" ] && why="--no-1g"
  echo "run.sh: no 1 GiB corpus ($why): peak memory at 100 MiB only" >&2
fi
KINGFISHER=${KINGFISHER:-$(command -v kingfisher || true)}
if [ -n "$KINGFISHER" ]; then
  EXTRA+=(--kingfisher "$KINGFISHER")
else
  echo "run.sh: Kingfisher not found (pip install kingfisher-bin); left out" >&2
fi

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

python3 benches/bench.py --rg "$RG" --slsguard "$SLSGUARD" --corpus "$CORPUS" \
  --runs "$RUNS" --startup-runs "$STARTUP_RUNS" "${EXTRA[@]}" "${COMMIT_ARGS[@]}"
