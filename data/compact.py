#!/usr/bin/env python3
"""Builds the compact data files slsguard embeds from the source data files (see SOURCES.md).

Usage: data/compact.py SOURCE_DIR   (a directory holding iam-actions.tsv, iam-resource-types.tsv,
        aws-managed-policies.json and sam-policy-templates.json as described in SOURCES.md)

Outputs, next to this script:
  iam-actions.txt            one line per service, sorted:
                               `service<TAB>Action:L[:i,j] Action:L ...<TAB>type=format type=format ...`
                             L is the access level, one of R (Read) L (List) W (Write) T (Tagging)
                             P (Permissions management); `i,j` index the service's resource types
                             (third column) the action can be scoped to, none when it only supports
                             `Resource: "*"`; each type's ARN format is written without its
                             `arn:${Partition}:` prefix (`object=s3:::${BucketName}/${ObjectName}`).
  aws-managed-policies.tsv   one policy per line, sorted by name: `name<TAB>arn<TAB>statements`,
                             statements as compact JSON, each reduced to E (Allow|Deny), A / NA
                             (actions / not-actions), R / NR (resources / not-resources), C (the
                             Condition, as written). One line per policy lets slsguard
                             parse only the policies a scan refers to.
  sam-policy-templates.json  a copy of the source file, minified
  sam-connector-profiles.json  a copy of the source file, minified (when SOURCE_DIR has it)
"""
import collections, json, os, sys

LEVEL = {"Read": "R", "List": "L", "Write": "W", "Tagging": "T", "Permissions management": "P"}


def as_list(v):
    if v is None:
        return None
    return v if isinstance(v, list) else [v]


PREFIX = "arn:${Partition}:"


def main(src):
    here = os.path.dirname(os.path.abspath(__file__))
    formats = collections.defaultdict(dict)
    with open(os.path.join(src, "iam-resource-types.tsv")) as f:
        next(f)
        for line in f:
            svc, rtype, fmt = line.rstrip("\n").split("\t")
            assert fmt.startswith(PREFIX) and " " not in fmt and "=" not in rtype, line
            formats[svc][rtype] = fmt[len(PREFIX):]
    # Type names may hold spaces (`durable execution`); the line separates types with spaces.
    tname = lambda t: t.replace(" ", "_")
    services = collections.defaultdict(dict)
    with open(os.path.join(src, "iam-actions.tsv")) as f:
        next(f)
        for line in f:
            action, level, types = line.rstrip("\n").split("\t")
            svc, name = action.split(":", 1)
            services[svc][name] = (LEVEL[level], [t for t in types.split(",") if t])
    with open(os.path.join(here, "iam-actions.txt"), "w") as out:
        for svc in sorted(services):
            # Only the resource types some action uses, in name order.
            used = sorted({t for _, ts in services[svc].values() for t in ts})
            index = {t: i for i, t in enumerate(used)}
            actions = []
            # Sorted ignoring case: slsguard looks names up that way (IAM ignores their case).
            for name in sorted(services[svc], key=lambda n: (n.lower(), n)):
                level, ts = services[svc][name]
                refs = ",".join(str(i) for i in sorted(index[t] for t in ts))
                actions.append(f"{name}:{level}:{refs}" if refs else f"{name}:{level}")
            types = " ".join(f"{tname(t)}={formats[svc][t]}" for t in used)
            out.write(svc + "\t" + " ".join(actions) + "\t" + types + "\n")

    policies = json.load(open(os.path.join(src, "aws-managed-policies.json")))
    compact = {}
    for name in sorted(policies):
        p = policies[name]
        stmts = as_list(p["document"].get("Statement")) or []
        out = []
        for s in stmts:
            c = {"E": s.get("Effect", "Allow")}
            for key, short in (("Action", "A"), ("NotAction", "NA"), ("Resource", "R"), ("NotResource", "NR")):
                v = as_list(s.get(key))
                if v is not None:
                    c[short] = v
            if s.get("Condition"):
                c["C"] = s["Condition"]
            out.append(c)
        compact[name] = (p["arn"], out)
    with open(os.path.join(here, "aws-managed-policies.tsv"), "w") as out:
        for name in sorted(compact):
            arn, stmts = compact[name]
            out.write(name + "\t" + arn + "\t" + json.dumps(stmts, separators=(",", ":"), sort_keys=True) + "\n")

    for name in ("sam-policy-templates.json", "sam-connector-profiles.json"):
        path = os.path.join(src, name)
        if not os.path.exists(path):
            continue
        with open(os.path.join(here, name), "w") as out:
            json.dump(json.load(open(path)), out, separators=(",", ":"), sort_keys=True)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data"))
