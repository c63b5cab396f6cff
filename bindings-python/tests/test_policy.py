"""amlguard.evaluate_policy: the core's Azure Policy engine from Python."""

import json

import pytest

import amlguard
from conftest import run

DEFINITION = {
    "properties": {
        "displayName": "Workspaces should disable public network access",
        "mode": "Indexed",
        "parameters": {
            "effect": {"type": "String", "defaultValue": "Audit", "allowedValues": ["Audit", "Deny", "Disabled"]}
        },
        "policyRule": {
            "if": {
                "allOf": [
                    {"field": "type", "equals": "Microsoft.MachineLearningServices/workspaces"},
                    {
                        "field": "Microsoft.MachineLearningServices/workspaces/publicNetworkAccess",
                        "notEquals": "Disabled",
                    },
                ]
            },
            "then": {"effect": "[parameters('effect')]"},
        },
    }
}


def ws(**props):
    return {"type": "Microsoft.MachineLearningServices/workspaces", "name": "ws", "properties": props}


@pytest.mark.parametrize(
    "resource,parameters,outcome,effect",
    [
        (ws(publicNetworkAccess="Enabled"), None, "match", "audit"),
        (ws(publicNetworkAccess="Enabled"), {"effect": "Deny"}, "match", "deny"),
        (ws(publicNetworkAccess="Enabled"), {"parameters": {"effect": {"value": "Deny"}}}, "match", "deny"),
        (ws(publicNetworkAccess="Disabled"), None, "nomatch", None),
        (ws(publicNetworkAccess={"$unknown": "parameter `pna` has no value"}), None, "unknown", None),
        ({"type": "Microsoft.Storage/storageAccounts", "name": "st"}, None, "nomatch", None),
    ],
)
def test_outcomes(resource, parameters, outcome, effect):
    e = amlguard.evaluate_policy(DEFINITION, resource, parameters)
    assert e["outcome"] == outcome
    assert e["effect"] == effect
    if outcome == "unknown":
        assert any("pna" in u for u in e["unknown"]), e["unknown"]


def test_bare_rule_and_json_text_inputs():
    rule = DEFINITION["properties"]["policyRule"]
    e = amlguard.evaluate_policy(json.dumps(rule), json.dumps(ws(publicNetworkAccess="Enabled")))
    # no parameter definitions: `effect` has no value, so the verdict is unknown
    assert e["outcome"] == "unknown" and e["effect"] is None
    assert any("effect" in u for u in e["unknown"]), e["unknown"]
    e = amlguard.evaluate_policy({"if": rule["if"], "then": {"effect": "deny"}}, ws(publicNetworkAccess="Enabled"))
    assert (e["outcome"], e["effect"]) == ("match", "deny")


@pytest.mark.parametrize(
    "definition,resource,exc,fragment",
    [
        ({"if": {"field": "type", "bogusOperator": 1}, "then": {"effect": "audit"}}, ws(), amlguard.PolicyError, "bogusOperator"),
        ({"nothing": 1}, ws(), amlguard.PolicyError, ""),
        (DEFINITION, [ws()], amlguard.InputError, "a resource must be an object"),
        (DEFINITION, "{not json", amlguard.InputError, "<resource>:"),
    ],
)
def test_bad_definitions_raise_and_interpreter_survives(definition, resource, exc, fragment):
    with pytest.raises(exc) as e:
        amlguard.evaluate_policy(definition, resource)
    assert fragment in str(e.value)
    assert isinstance(e.value, amlguard.Error)
    assert amlguard.evaluate_policy(DEFINITION, ws(publicNetworkAccess="Enabled"))["outcome"] == "match"


def test_same_evaluation_as_cli_policy_eval(cli, tmp_path):
    d, r, p = tmp_path / "d.json", tmp_path / "r.json", tmp_path / "p.json"
    resources = [ws(publicNetworkAccess="Enabled"), ws(publicNetworkAccess="Disabled"), ws()]
    d.write_text(json.dumps(DEFINITION))
    r.write_text(json.dumps(resources))
    p.write_text(json.dumps({"effect": "Deny"}))
    code, out, err = run([cli, "policy", "eval", "--definition", d, "--resource", r, "--parameters", p])
    assert code == 0, err
    expected = json.loads(out)
    got = [amlguard.evaluate_policy(DEFINITION, res, {"effect": "Deny"}) for res in resources]
    assert got == expected
    assert [g["outcome"] for g in got] == ["match", "nomatch", "match"]


def test_policy_eval_command_mirrors_cli(cli, tmp_path):
    from conftest import run_py

    d, r, p, bad = tmp_path / "d.json", tmp_path / "r.json", tmp_path / "p.json", tmp_path / "bad.json"
    d.write_text(json.dumps(DEFINITION))
    r.write_text(json.dumps([ws(publicNetworkAccess="Enabled"), ws(publicNetworkAccess={"$unknown": "x"})]))
    p.write_text(json.dumps({"effect": "Deny"}))
    bad.write_text(json.dumps({"if": {"field": "type", "nope": 1}, "then": {"effect": "audit"}}))
    cases = [
        ["--definition", d, "--resource", r],
        ["--definition", d, "--resource", r, "--parameters", p],
        ["--definition", bad, "--resource", r],
        ["--definition", d, "--resource", tmp_path / "missing.json"],
        ["--definition", d, "--resource", p, "--parameters", r],
    ]
    codes = []
    for args in cases:
        args = ["policy", "eval", *map(str, args)]
        rust, py = run([cli, *args]), run_py(args)
        assert py == rust, args
        codes.append(rust[0])
    assert codes == [0, 0, 2, 2, 2]
