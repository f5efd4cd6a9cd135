#!/usr/bin/env bash
# Loader benchmark (docs/performance.md, docs/security.md#loaders): wall time and peak memory of
# `slsguard scan` on generated manifests that stress one loader each.
#
#   benches/loaders.sh [--runs N]
#
# Rows: `hcl-20mb` (20 MB of small `resource` blocks: linear since blocks are filed through an
# index), `yaml-10mb` (a 10 MB CloudFormation template), `json-10mb` (the same as JSON),
# `yaml-bomb-padded` (an alias bomb after 8 MB of comments: refused at once). Files go to
# target/bench-loaders/. Prints a Markdown table (best of N runs); numbers are recorded by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=5
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=$2; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "loaders.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
cargo build --release --quiet
BIN="$PWD/target/release/slsguard"
DIR="$PWD/target/bench-loaders"
mkdir -p "$DIR"
python3 - "$DIR" <<'PY'
import json, os, sys
d = sys.argv[1]
def write(name, text):
    p = os.path.join(d, name)
    if not os.path.exists(p) or os.path.getsize(p) != len(text.encode()):
        open(p, 'w').write(text)
parts, n, size = [], 0, 0
while size < 20 << 20:
    s = f'resource "aws_s3_bucket" "b{n}" {{\n  bucket = "b{n}"\n  acl    = var.acl\n}}\n\n'
    parts.append(s); size += len(s); n += 1
write('hcl-20mb.tf', ''.join(parts))
resources, n = {}, 0
while len(json.dumps(resources)) < 10 << 20:
    resources[f'Fn{n}'] = {'Type': 'AWS::Lambda::Function', 'Properties': {
        'Runtime': 'python3.12', 'Handler': 'app.handler', 'Role': {'Fn::GetAtt': [f'Role{n}', 'Arn']},
        'Environment': {'Variables': {'STAGE': 'prod', 'TABLE': {'Ref': 'Table'}}}}}
    n += 1
doc = {'AWSTemplateFormatVersion': '2010-09-09', 'Resources': resources}
write('json-10mb.template.json', json.dumps(doc, indent=1))
def to_yaml(v, ind=0):
    pad = '  ' * ind
    if isinstance(v, dict):
        return ''.join(f'{pad}{k}:' + ('\n' + to_yaml(x, ind + 1) if isinstance(x, (dict, list)) else f' {json.dumps(x)}\n') for k, x in v.items())
    return ''.join(f'{pad}- {json.dumps(x)}\n' for x in v)
write('yaml-10mb.template.yaml', to_yaml(doc))
bomb = 'AWSTemplateFormatVersion: "2010-09-09"\n' + '# padding padding padding padding padding padding padding padding\n' * ((8 << 20) // 66)
bomb += 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n' + ''.join(
    f'a{i}: &a{i} [' + ', '.join([f'*a{i-1}'] * 10) + ']\n' for i in range(1, 10))
write('yaml-bomb-padded.template.yaml', bomb)
PY
echo "| row | file size | best wall time (s) | peak RSS (MB) |"
echo "|---|---|---|---|"
for f in hcl-20mb.tf yaml-10mb.template.yaml json-10mb.template.json yaml-bomb-padded.template.yaml; do
  best=""; rss=0
  for _ in $(seq "$RUNS"); do
    out=$( { /usr/bin/time -f '%e %M' "$BIN" scan "$DIR/$f" --no-config --only 'iam-*' --parse-errors warn \
      --max-file-size 64M --fail-on none >/dev/null; } 2>&1 | tail -1)
    t=${out% *}; m=${out#* }
    if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
    [ "$m" -gt "$rss" ] && rss=$m
  done
  echo "| ${f%%.*} | $(( $(stat -c %s "$DIR/$f") >> 20 )) MB | $best | $(( rss / 1024 )) |"
done
