"""The hostile-input corpus (tests/hostile/ in the repository, read in place,
plus the large inputs generated here) through the Python binding. Each input
must give an `amlguard.Error` whose message names the place, or a report whose
diagnostics say what was cut short — never a crash of the interpreter — and the
next ordinary call must still work.

The Rust suite (tests/tests/hostile.rs) pins the same inputs for the core;
this one checks what a Python user sees: the exception class and message, or
the report's `diagnostics` (there is no `Report.diagnostics` attribute; they
are in `to_dict()`, `to_json()` and `to_text()`).
"""

import pathlib

import pytest

import amlguard
from conftest import REPO

HOSTILE = REPO / "tests" / "hostile"

PUBLIC_WS = [
    {
        "type": "Microsoft.MachineLearningServices/workspaces",
        "name": "ws",
        "location": "westeurope",
        "properties": {"publicNetworkAccess": "Enabled"},
    }
]

# A resource with a long name for the pattern operators to chew on.
LONG_NAME = {"type": "Microsoft.Storage/storageAccounts", "name": "a" * 20_000}


def still_works():
    """An ordinary check right after the hostile one gives the usual finding."""
    report = amlguard.check(PUBLIC_WS)
    assert any(f.rule_id == "AML-NET-001" and f.status == "fail" for f in report.findings)


def report_outcome(report):
    d = report.to_dict()
    diags = []
    for x in d.get("diagnostics", []):
        p = x["provenance"]
        diags.append(f"{x['level']}: {x['message']} ({pathlib.Path(p.get('file') or '<input>').name}:{p.get('line')} {p['pointer']})")
    return f"ok: {d['summary']['resources']} resources, {len(d['findings'])} findings; diagnostics: " + " | ".join(diags)


def outcome(fn, *args):
    """One line: `error: <class>: <message>` or the report's outcome."""
    try:
        result = fn(*args)
    except amlguard.Error as e:
        return f"error: {type(e).__name__}: {e}"
    if isinstance(result, amlguard.Report):
        return report_outcome(result)
    return f"ok: {result.get('outcome')} {result.get('effect')}"


# Each entry of tests/hostile/: the substrings the outcome must contain.
# Parse errors name the file, line and column; what ARM or Terraform would
# reject but the rest of the input survives is an error-level diagnostic
# naming the place (the report still passes: see docs/performance.md).
FILE_CASES = {
    "copy-count.json": [
        "ok: 0 resources",
        "error: resource not expanded: copy `count` is 1000000; azure accepts 0 to 800 (copy-count.json:9 /resources/0/copy/count)",
    ],
    "duplicate-keys.json": ["error: InputError:", "duplicate-keys.json: duplicate key `publicNetworkAccess` at line 7, column 7"],
    "huge-exponent.json": ["error: InputError:", "huge-exponent.json: number `1e999` is out of range at line 5, column 35"],
    "infinity.json": ["error: InputError:", "infinity.json: invalid number at line 5, column 31"],
    "invalid-utf8.json": ["error: InputError:", "invalid-utf8.json: invalid utf-8 at line 4, column 16"],
    "like-only-stars.policy.json": ["error: PolicyError:", "pattern `***", "cannot be used", "(at `/if/like`)"],
    "like-stars.policy.json": ["error: PolicyError:", "pattern `*a*a", "cannot be used", "(at `/if/like`)"],
    "match-long.policy.json": ["ok: nomatch"],
    "nan.json": ["error: InputError:", "nan.json: unexpected character `N` at line 5, column 30"],
    "tf-count-huge": [
        "ok: 1000 resources",
        "`count` of `azurerm_machine_learning_compute_instance.ci` is 1000000; only the first 1000 instances are checked (main.tf:",
    ],
    "tf-hcl-bomb": ["ok: 1 resources"],
    "tf-local-cycle": [
        "ok: 1 resources",
        "local values form a cycle: `local.a` → `local.b` → `local.c` → `local.a`; they and the values using them are unknown (main.tf:2 local.a)",
    ],
    "tf-module-pair": ["ok: 1 resources", "includes `../a`, which is already being read (circular modules) (main.tf:"],
    "tf-module-self": ["includes `./`, which is already being read (circular modules) (main.tf:"],
    "tf-string-bomb": ["ok: 1 resources"],
    "variable-cycle.json": [
        "ok: 0 resources",
        "variable `a` depends on itself through `variables/a` → `variables/b` → `variables/a` (variable-cycle.json:6 /variables/b)",
    ],
}


def test_every_hostile_file_has_an_expectation():
    on_disk = sorted(p.name for p in HOSTILE.iterdir() if p.name != "README.md")
    assert on_disk == sorted(FILE_CASES)


@pytest.mark.parametrize("name", sorted(FILE_CASES))
def test_hostile_file(name):
    path = HOSTILE / name
    if name.endswith(".policy.json"):
        got = outcome(amlguard.evaluate_policy, path.read_text(encoding="utf-8"), LONG_NAME)
    else:
        got = outcome(amlguard.check, path)
    print(name, got[:300])
    for part in FILE_CASES[name]:
        assert part in got, f"{name}: `{part}` not in `{got[:800]}`"
    still_works()


def template(resources, variables=None):
    t = {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": resources,
    }
    if variables is not None:
        t["variables"] = variables
    return t


def compute(i):
    return {
        "type": "Microsoft.MachineLearningServices/workspaces/computes",
        "apiVersion": "2024-04-01",
        "name": f"ws/ci{i}",
        "location": "westeurope",
        "properties": {"computeType": "ComputeInstance", "properties": {"enableNodePublicIp": True}},
    }


def deep_list(depth):
    x = []
    for _ in range(depth):
        x = [x]
    return x


def generated_cases():
    """(name, callable, expected substrings); generated here, never committed."""
    big = "x" * (5 << 20)
    ws_big = [{"type": "Microsoft.MachineLearningServices/workspaces", "name": "ws", "properties": {"description": big}}]
    many = [compute(i) for i in range(100_000)]
    import json

    return [
        ("deep-array text", lambda: amlguard.check("[" * 100_000), ["error: InputError:", "nesting deeper than 256 levels at line 1, column 257"]),
        ("deep-object text", lambda: amlguard.check('{"a":' * 100_000), ["error: InputError:", "nesting deeper than 256 levels at line 1"]),
        ("deep list object", lambda: amlguard.check(deep_list(100_000)), ["error: InputError:", "deeper than", "/0/0/0"]),
        ("5 MB string text", lambda: amlguard.check(json.dumps(ws_big)), ["error: InputError:", "azure accepts at most 4194304 bytes"]),
        ("5 MB string object", lambda: amlguard.check(ws_big), ["ok: 1 resources"]),
        (
            "10^5 resources text",
            lambda: amlguard.check(json.dumps(template(many))),
            ["error: InputError:", "azure accepts at most 4194304 bytes"],
        ),
        (
            "10^5 resources object",
            lambda: amlguard.check(template(many)),
            ["error: InputError:", "100000 resources; azure accepts at most 800 (at `/resources`)"],
        ),
        (
            "copy count 10^6 object",
            lambda: amlguard.check(template([dict(compute(0), name="[format('ws/ci{0}', copyIndex())]", copy={"name": "many", "count": 10**6})])),
            ["ok: 0 resources", "copy `count` is 1000000; azure accepts 0 to 800", "/resources/0/copy/count"],
        ),
        (
            "variable cycle object",
            lambda: amlguard.check(template([dict(compute(0), name="[variables('a')]")], {"a": "[variables('b')]", "b": "[variables('a')]"})),
            ["ok: 0 resources", "depends on itself", "/variables/"],
        ),
        (
            "invalid utf-8 bytes",
            lambda: amlguard.check((HOSTILE / "invalid-utf8.json").read_bytes()),
            ["error: InputError:", "invalid utf-8 at line 4, column 16"],
        ),
        ("NaN float object", lambda: amlguard.check([{"type": "x", "name": "n", "properties": {"v": float("nan")}}]), ["error: InputError:", "/0/properties/v"]),
        # An endless file named as a parameters or rule-parameters file is
        # refused after reading past the limit, never read whole.
        (
            "endless parameters file",
            lambda: amlguard.check(template([compute(0)]), parameters=["/dev/zero"]),
            ["error: InputError:", "/dev/zero", "azure accepts at most 4194304 bytes"],
        ),
        (
            "endless rule parameters file",
            lambda: amlguard.check(template([compute(0)]), rule_parameters="/dev/zero"),
            ["error: InputError:", "/dev/zero", "the limit is 67108864 bytes"],
        ),
    ]


@pytest.mark.parametrize("case", generated_cases(), ids=lambda c: c[0])
def test_hostile_generated(case):
    name, fn, parts = case
    got = outcome(fn)
    print(name, got[:300])
    for part in parts:
        assert part in got, f"{name}: `{part}` not in `{got[:800]}`"
    still_works()
