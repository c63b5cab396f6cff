#!/usr/bin/env python3
"""Write the policy conformance cases of ../shared as `policy` fuzz seeds.

Usage: fuzz/conformance_seeds.py CASES_DIR OUT_DIR

Each case of ../shared/conformance/regorus-azure-policy/cases/*.yaml becomes
one JSON document in the `policy` target's input shape,
`{"policy": rule or definition, "resource": ..., "parameters": {...}}`, so the
fuzzer starts from rules paired with resources they are meant to be evaluated
on. Needs PyYAML; the output goes under target/ and is never committed.
"""
import json
import pathlib
import sys

import yaml


def main() -> int:
    cases_dir, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    written = 0
    for path in sorted(cases_dir.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text()) or {}
        shared_def = doc.get("policy_definition")
        for n, case in enumerate(doc.get("cases") or []):
            text = case.get("policy_rule") or case.get("policy_definition") or shared_def
            if not isinstance(text, str):
                continue
            try:
                policy = json.loads(text)
            except ValueError:
                continue
            seed = {"policy": policy, "resource": case.get("resource") or {}}
            if isinstance(case.get("parameters"), dict):
                seed["parameters"] = case["parameters"]
            name = out / f"{path.stem}-{n}.json"
            name.write_text(json.dumps(seed, default=str))
            written += 1
    print(f"{written} policy seeds in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
