#!/usr/bin/env python3
"""Derive core/data/aliases.json (amlguard's compact alias catalog) from the
`az provider` alias snapshot in ../shared/azure-policy/aliases/aliases.json.

Usage: python3 core/data/derive_aliases.py [SOURCE] > core/data/aliases.json

Compact form, per resource type, alias suffix (the alias name without the
`<type>/` prefix) -> entry:
  ""                    the path is `properties.<suffix>` (the common case)
  "<path>"              any other default path
  {"path": p, "modifiable": true, "paths": [{"path": q, "apiVersions": [...]}]}
                        when the alias is usable by `modify` (defaultMetadata
                        attributes contain Modifiable) or has versioned paths
                        that differ from the default path.
Versioned paths equal to the default path are dropped (they resolve the same).
"""
import json
import sys

src = sys.argv[1] if len(sys.argv) > 1 else "../shared/azure-policy/aliases/aliases.json"
with open(src, encoding="utf-8") as f:
    providers = json.load(f)

types = {}
for p in providers:
    for t in p["resourceTypes"]:
        full = p["namespace"] + "/" + t["resourceType"]
        entries = {}
        for a in t["aliases"]:
            name = a["name"]
            if name[: len(full) + 1].lower() != (full + "/").lower():
                raise SystemExit(f"alias {name} does not start with {full}/")
            suffix = name[len(full) + 1 :]
            path = a["defaultPath"]
            modifiable = "Modifiable" in str((a.get("defaultMetadata") or {}).get("attributes", ""))
            for pp in a.get("paths", []):
                if "Modifiable" in str((pp.get("metadata") or {}).get("attributes", "")):
                    modifiable = True
            versioned = [
                {"path": pp["path"], "apiVersions": pp["apiVersions"]}
                for pp in a.get("paths", [])
                if pp["path"] != path
            ]
            if modifiable or versioned:
                e = {"path": path}
                if modifiable:
                    e["modifiable"] = True
                if versioned:
                    e["paths"] = versioned
                entries[suffix] = e
            else:
                entries[suffix] = "" if path == "properties." + suffix else path
        types[full] = entries

out = {
    "about": "Azure Policy aliases for the resource types amlguard supports, derived by "
    "core/data/derive_aliases.py; see core/data/ALIASES-NOTICE.md for sources and licenses (MIT).",
    "types": types,
}
json.dump(out, sys.stdout, indent=0, separators=(",", ":"), ensure_ascii=False)
sys.stdout.write("\n")
