"""SARIF output validates against the official SARIF 2.1.0 JSON schema.

scripts/test-python obtains the schema with scripts/sarif-schema (from
crates.io, not committed) and passes its path in AMLGUARD_SARIF_SCHEMA.
The reports cover failing, indeterminate and suppressed findings, findings
on template outputs, and an empty report."""

import copy
import json
import os

import pytest

import amlguard

jsonschema = pytest.importorskip("jsonschema")

SCHEMA = os.environ.get("AMLGUARD_SARIF_SCHEMA")
pytestmark = pytest.mark.skipif(not SCHEMA, reason="AMLGUARD_SARIF_SCHEMA is not set (scripts/sarif-schema fetches the schema)")


@pytest.fixture(scope="module")
def validator():
    with open(SCHEMA, encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def errors(validator, doc):
    return [f"{'/'.join(str(p) for p in e.absolute_path)}: {e.message}" for e in validator.iter_errors(doc)]


def reports(repo):
    suppressions = repo / "target" / "sarif-test-suppressions.json"
    suppressions.write_text(json.dumps({"suppress": [{"id": "AML-NET", "justification": "schema test"}]}))
    return {
        "quickstart": amlguard.check(str(repo / "examples" / "quickstart-public-workspace.json")),
        "suppressed": amlguard.check(str(repo / "examples" / "quickstart-public-workspace.json"), suppressions=str(suppressions)),
        "baseline": amlguard.check(str(repo / "examples" / "secure-baseline.json")),
        "outputs": amlguard.check(str(repo / "tests" / "fixtures" / "secret-outputs")),
        "unknowns": amlguard.check(
            {
                "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                "contentVersion": "1.0.0.0",
                "parameters": {"name": {"type": "string"}, "access": {"type": "string"}},
                "resources": [
                    {
                        "type": "Microsoft.MachineLearningServices/workspaces",
                        "apiVersion": "2024-10-01",
                        "name": "[parameters('name')]",
                        "location": "westeurope",
                        "properties": {"publicNetworkAccess": "[parameters('access')]"},
                    }
                ],
            }
        ),
    }


def test_every_report_is_valid_sarif_2_1_0(validator, repo):
    statuses = set()
    for name, report in reports(repo).items():
        doc = json.loads(report.to_sarif())
        assert doc["version"] == "2.1.0"
        assert errors(validator, doc) == [], name
        for r in doc["runs"][0]["results"]:
            statuses.add("suppressed" if r.get("suppressions") else r["properties"]["status"])
            if r["locations"][0]["logicalLocations"][0]["name"] == "storageKey":
                statuses.add("output")
        if name == "baseline":
            assert doc["runs"][0]["results"] == []
    # the cases the docstring promises are really in the reports
    assert {"suppressed", "fail", "indeterminate", "output"} <= statuses, statuses


def test_the_validator_notices_a_broken_log(validator, repo):
    doc = json.loads(amlguard.check(str(repo / "examples" / "quickstart-public-workspace.json")).to_sarif())
    broken = copy.deepcopy(doc)
    broken["runs"][0]["results"][0]["level"] = "fatal"
    del broken["version"]
    found = errors(validator, broken)
    assert any("version" in e for e in found), found
    assert any("fatal" in e for e in found), found
