#!/usr/bin/env python3
"""Builds data/sdk-iam.txt, the compact map from AWS SDK calls to IAM actions that slsguard
embeds for least-privilege analysis, from the sdk-iam data set (see SOURCES.md).

Usage: data/compact_sdk_iam.py SDK_IAM_DIR   (a directory holding compact-boto3-op-to-iam.tsv,
        iam-dataset-map.tsv, botocore-service-join.tsv, top30-coverage.tsv, curated-overrides.tsv)

Output, next to this script: sdk-iam.txt, one line per SDK service (boto3 client name), sorted:
  client<TAB>iam_prefix<TAB>aliases<TAB>operations
aliases: the other names the service goes by, lowercased with only [a-z0-9] kept (serviceId,
  JS SDK v2 class, JS SDK v3 package, Go SDK v2 package, Rust crate), comma-separated; names
  two services share are dropped.
operations: space-separated `Operation=grant|grant…`, each grant `prefix:Action` followed by
  `{Var=Param,…}` (the ARN template variable filled from a request parameter; `Param~` takes
  the last `/` or `:` segment of the value, as for a queue URL; `@Param` means the parameter is
  the resource's ARN) and `?Path` (needed only when the request holds Path).
"""
import collections, csv, json, os, re, sys

def norm(s):
    return re.sub(r"[^a-z0-9]", "", s.lower())

def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))

SIMPLE = re.compile(r"^\$\{([A-Za-z0-9_.]+)\}$")
TAIL = re.compile(r"^%%regex%\$\{([A-Za-z0-9_.]+)\}%/\^(?:\.\+\\/|\(\?:\.\+\\/\)\?|\(\?:\.\*\\/\)\?)")
FUNC = re.compile(r"^%%regex%\$\{(FunctionName)\}%")

def resource_spec(vars_, arn):
    """The `{…}` form of one map row's resource columns, or '' when none is usable."""
    out = []
    for part in filter(None, (vars_ or "").split(";")):
        if "=" not in part:
            continue
        var, val = part.split("=", 1)
        m = SIMPLE.match(val)
        if m:
            out.append(f"{var}={m.group(1)}")
            continue
        m = TAIL.match(val) or FUNC.match(val)
        if m:
            out.append(f"{var}={m.group(1)}~")
    for part in filter(None, (arn or "").split(";")):
        if "=" not in part:
            continue
        rtype, val = part.split("=", 1)
        m = SIMPLE.match(val)
        if m:
            out.append(f"@{m.group(1)}")
        elif val.startswith("arn:${Partition}:secretsmanager:") and "${SecretId}" in val:
            out.append("@SecretId")
    return "{" + ",".join(out) + "}" if out else ""

def main(src):
    here = os.path.dirname(os.path.abspath(__file__))
    join = {r["boto3_client_name"]: r for r in rows(os.path.join(src, "botocore-service-join.tsv"))}
    top = {r["boto3_client"]: r for r in rows(os.path.join(src, "top30-coverage.tsv"))}
    # (JS v2 class, operation) -> {action: spec}
    mapped = collections.defaultdict(dict)
    for r in rows(os.path.join(src, "iam-dataset-map.tsv")):
        spec = resource_spec(r["resource_vars"], r["resource_arn"])
        flags = r["flags"] or ""
        m = re.search(r'conditional:\{"lhs":"([^"]+)","op":"Exists"\}', flags)
        if m:
            spec += "?" + m.group(1)
        mapped[(r["sdk_service"], r["operation"])][r["iam_action"]] = spec
    ops = collections.defaultdict(lambda: collections.defaultdict(list))
    for r in rows(os.path.join(src, "compact-boto3-op-to-iam.tsv")):
        if r["source"] == "UNRESOLVED" or not r["iam_action"]:
            continue
        client, op, action = r["boto3_client"], r["operation"], r["iam_action"]
        cls = join.get(client, {}).get("iam_dataset_sdk_service", "")
        spec = mapped.get((cls, op), {}).get(action, "")
        ops[client][op].append(action + spec)
    for r in rows(os.path.join(src, "curated-overrides.tsv")):
        # The corrected action acts on the resource the map names for the operation.
        cls = join.get(r["boto3_client"], {}).get("iam_dataset_sdk_service", "")
        spec = next(iter(mapped.get((cls, r["operation"]), {}).values()), "")
        ops[r["boto3_client"]][r["operation"]] = [r["iam_action"] + spec.split("?")[0]]
    aliases = collections.defaultdict(set)
    for client, j in join.items():
        for name in (client, j["serviceId"], j["iam_dataset_sdk_service"]):
            if name:
                aliases[norm(name)].add(client)
    for client, t in top.items():
        for name in (t["js_v3_package"].removeprefix("@aws-sdk/client-"), t["go_v2_package"].rsplit("/", 1)[-1],
                     t["rust_crate"].removeprefix("aws-sdk-"), t["js_v2_class(map key)"]):
            if name:
                aliases[norm(name)].add(client)
    by_client = collections.defaultdict(list)
    for a, clients in aliases.items():
        if len(clients) == 1:
            (c,) = clients
            if a != norm(c):
                by_client[c].append(a)
    with open(os.path.join(here, "sdk-iam.txt"), "w") as out:
        for client in sorted(ops):
            prefix = join.get(client, {}).get("iam_prefix") or next(
                (a.split(":")[0] for grants in ops[client].values() for a in grants), "")
            entries = " ".join(f"{op}={'|'.join(g)}" for op, g in sorted(ops[client].items()))
            out.write(f"{client}\t{prefix}\t{','.join(sorted(by_client[client]))}\t{entries}\n")

if __name__ == "__main__":
    main(sys.argv[1])
