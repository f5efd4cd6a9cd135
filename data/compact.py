#!/usr/bin/env python3
"""Builds the compact data files slsguard embeds from the source data files (see SOURCES.md).

Usage: data/compact.py SOURCE_DIR   (a directory holding iam-actions.tsv,
        aws-managed-policies.json and sam-policy-templates.json as described in SOURCES.md)

Outputs, next to this script:
  iam-actions.txt            one line per service: `service<TAB>Action:L Action:L ...`, L one of
                             R (Read) L (List) W (Write) T (Tagging) P (Permissions management)
  aws-managed-policies.tsv   one policy per line, sorted by name: `name<TAB>arn<TAB>statements`,
                             statements as compact JSON, each reduced to E (Allow|Deny), A / NA
                             (actions / not-actions), R / NR (resources / not-resources), C (1 if
                             the statement has a Condition). One line per policy lets slsguard
                             parse only the policies a scan refers to.
  sam-policy-templates.json  a copy of the source file, minified
"""
import collections, json, os, sys

LEVEL = {"Read": "R", "List": "L", "Write": "W", "Tagging": "T", "Permissions management": "P"}


def as_list(v):
    if v is None:
        return None
    return v if isinstance(v, list) else [v]


def main(src):
    here = os.path.dirname(os.path.abspath(__file__))
    services = collections.OrderedDict()
    with open(os.path.join(src, "iam-actions.tsv")) as f:
        next(f)
        for line in f:
            action, level = line.rstrip("\n").split("\t")
            svc, name = action.split(":", 1)
            services.setdefault(svc, []).append(f"{name}:{LEVEL[level]}")
    with open(os.path.join(here, "iam-actions.txt"), "w") as out:
        for svc in sorted(services):
            out.write(svc + "\t" + " ".join(sorted(set(services[svc]))) + "\n")

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
                c["C"] = 1
            out.append(c)
        compact[name] = (p["arn"], out)
    with open(os.path.join(here, "aws-managed-policies.tsv"), "w") as out:
        for name in sorted(compact):
            arn, stmts = compact[name]
            out.write(name + "\t" + arn + "\t" + json.dumps(stmts, separators=(",", ":"), sort_keys=True) + "\n")

    sam = json.load(open(os.path.join(src, "sam-policy-templates.json")))
    with open(os.path.join(here, "sam-policy-templates.json"), "w") as out:
        json.dump(sam, out, separators=(",", ":"), sort_keys=True)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data"))
