#!/usr/bin/env python3
"""Where a scan's CPU time goes: samples one `slsguard scan` with perf and sorts each sample
into a stage by its call stack (DWARF unwinding, so inlined frames count).

Stages: process start and argument parsing; rule loading and regex/automaton compilation; the
directory walk; opening and reading files (syscalls, kernel copy, page faults of the buffers);
the Aho-Corasick keyword pass; finding each keyword's window (line bounds); the rules' regexes on
those windows; checking candidates (entropy, allowlists); findings and report; other.

Needs `perf record -e cpu-clock` (a software clock, which works in VMs that have no hardware
counters). Run it after benches/run.sh has built the binary and the corpus:

  benches/profile.py [--slsguard target/release/slsguard] [--corpus target/bench-corpus]
                     [--threads 1] [--freq 2000] [-- extra scan arguments, e.g. --rules DIR]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# A frame is "symbol\x00source path". Checked against the whole stack first: anything under
# these is start-up work.
STARTUP = [
    # (regex compilation recurses deeply, so its stacks are often cut short before any frame of
    # slsguard's: the compiler's own frames say it is start-up work)
    ("rules: load + compile", re.compile(r"CompiledSecret::compile|RuleSet::load|RuleSet::builtin|parse_rule|SecretEngine::new|Scanner::new|nfa::thompson::compiler|regex_syntax::|/regex-syntax-|meta::regex::Builder|RegexBuilder")),
]
# Then leaf first: the first frame that matches names the stage (allocator, libc and kernel
# frames match nothing, so their time goes to the code that called them).
LEAF_FIRST = [
    ("candidate checks (entropy, allowlists)", re.compile(r"CompiledSecret::accepts|\baccepts\b|/src/secrets/(entropy|allowlist)\.rs")),
    ("regexes on windows", re.compile(r"/regex-automata-|/regex-[0-9]|regex_automata::|regex::")),
    ("Aho-Corasick keyword pass", re.compile(r"/aho-corasick-|aho_corasick::")),
    ("manifests: marker check (may_be_manifest)", re.compile(r"may_be_manifest")),
    ("manifests: YAML/JSON/HCL parsing", re.compile(r"/src/loader/|/unsafe-libyaml|/hcl-|/winnow-")),
    ("manifests: models + model rules", re.compile(r"/src/(frontend|iam|entities\.rs|model\.rs|rules/model_matcher\.rs)|model_findings")),
    ("window bounds + engine loop", re.compile(r"/src/secrets/")),
    ("open + read files", re.compile(r"\bread_file\b")),
    ("directory walk", re.compile(r"/ignore-|/walkdir-|/globset-|/src/discover\.rs|getdents")),
    ("findings + report", re.compile(r"/src/(report/|finding\.rs|source\.rs)|/serde_json-|secret_findings|snippet")),
    ("scan pipeline (scan.rs: sort, merge)", re.compile(r"/src/scan\.rs")),
    ("process start + args", re.compile(r"_dl_start|dl_main|_dl_relocate|/clap")),
]


def classify(frames: list[str]) -> str:
    stack = "\n".join(frames)
    for name, rx in STARTUP:
        if rx.search(stack):
            return name
    for f in frames:
        for name, rx in LEAF_FIRST:
            if rx.search(f):
                return name
    return "other (threads, allocator, kernel outside reads)"


def parse_samples(script: str) -> list[list[str]]:
    """perf script -F ip,sym,srcline output: per sample, frames leaf first."""
    samples = []
    for block in script.split("\n\n"):
        frames: list[str] = []
        for line in block.splitlines():
            if line.startswith("\t") or (line.strip() and re.match(r"\s+[0-9a-f]+ ", line) and not line.startswith("  /")):
                parts = line.strip().split(None, 1)
                frames.append((parts[1] if len(parts) > 1 else parts[0]) + "\x00")
            elif line.strip() and frames:
                frames[-1] += line.strip()
        if frames:
            samples.append(frames)
    return samples


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--slsguard", default=str(REPO / "target" / "release" / "slsguard"))
    ap.add_argument("--corpus", default=str(REPO / "target" / "bench-corpus"))
    ap.add_argument("--threads", default="1")
    ap.add_argument("--freq", default="2000", help="samples per second")
    ap.add_argument("extra", nargs="*", help="more scan arguments (after --)")
    args = ap.parse_args()
    if not shutil.which("perf"):
        raise SystemExit("profile: perf is not installed (apt-get install linux-perf)")
    # Warm the page cache, as the benchmark does, so that reads are not disk waits.
    for dirpath, _, names in os.walk(args.corpus) if os.path.isdir(args.corpus) else []:
        for n in names:
            with open(os.path.join(dirpath, n), "rb") as fh:
                while fh.read(1 << 20):
                    pass
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "perf.data"
        cmd = [args.slsguard, "scan", args.corpus, "-j", args.threads, "--format", "json",
               "--fail-on", "none", "-o", "/dev/null", *args.extra]
        rec = subprocess.run(["perf", "record", "-q", "-e", "cpu-clock", "-F", args.freq,
                              "--call-graph", "dwarf,16384", "-o", str(data), "--", *cmd],
                             capture_output=True, text=True)
        if rec.returncode != 0:
            raise SystemExit(f"profile: perf record failed: {rec.stderr.strip()}")
        script = subprocess.run(["perf", "script", "-i", str(data), "-F", "ip,sym,srcline", "--full-source-path"],
                                capture_output=True, text=True, check=True).stdout
    counts: Counter[str] = Counter()
    leaf: Counter[str] = Counter()
    for frames in parse_samples(script):
        counts[classify(frames)] += 1
        leaf[re.sub(r"\+0x[0-9a-f]+$", "", frames[0].split("\x00")[0])[:90]] += 1
    total = sum(counts.values())
    period_ms = 1000.0 / float(args.freq)
    print(f"`{' '.join(Path(c).name if i == 0 else c for i, c in enumerate(cmd))}`: {total} samples "
          f"at {args.freq} Hz (~{total * period_ms:.0f} ms CPU)\n")
    print("| stage | share of CPU samples | ~CPU ms |\n|---|---:|---:|")
    for name, n in counts.most_common():
        print(f"| {name} | {100 * n / total:.1f}% | {n * period_ms:.0f} |")
    print("\nTop leaf functions:\n\n| function | share |\n|---|---:|")
    for name, n in leaf.most_common(12):
        print(f"| `{name}` | {100 * n / total:.1f}% |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
