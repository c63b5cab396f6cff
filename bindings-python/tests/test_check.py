"""amlguard.check, Report, Finding, rules(), explain()."""

import json
import os

import pytest

import amlguard
from conftest import REPO

QUICKSTART = REPO / "examples" / "quickstart-public-workspace.json"
BASELINE = REPO / "examples" / "secure-baseline.json"

PUBLIC_WS = {
    "type": "Microsoft.MachineLearningServices/workspaces",
    "name": "ws",
    "location": "westeurope",
    "properties": {"publicNetworkAccess": "Enabled"},
}


def test_check_path_returns_report_with_findings():
    report = amlguard.check(QUICKSTART)
    assert isinstance(report, amlguard.Report)
    assert report.findings, "the quick-start example has findings"
    assert not report.passed and report.exit_code == 1
    f = report.findings[0]
    assert isinstance(f, amlguard.Finding)
    # attributes, not raw dicts
    assert f.rule_id.startswith("AML-")
    assert f.severity in {"low", "medium", "high", "critical"}
    assert f.status in {"fail", "indeterminate"}
    assert f.resource.type and f.resource.name and f.resource.id.startswith("/subscriptions/")
    assert f.location.file == str(QUICKSTART) and f.location.pointer.startswith("/resources/")
    assert isinstance(f.location.line, int)
    assert f.message and f.remediation
    with pytest.raises(AttributeError):
        f.no_such_attribute
    summary = report.summary
    assert summary["failed"] == sum(1 for x in report.findings if x.status == "fail" and not x.get("suppressed"))


def test_all_source_kinds_agree():
    text = QUICKSTART.read_text(encoding="utf-8")
    doc = json.loads(text)
    by_path = amlguard.check(QUICKSTART)
    def key(report, strip=""):
        return [(f.rule_id, f.status, f.resource.id, f.location.pointer[len(strip):]) for f in report.findings]

    for source in (str(QUICKSTART), os.fspath(QUICKSTART), text, doc):
        assert key(amlguard.check(source)) == key(by_path)
    # a bare list: pointers are relative to the list
    assert key(amlguard.check(doc["resources"])) == key(by_path, "/resources")
    # text and dict sources have no file
    assert amlguard.check(doc).findings[0].location.get("file") is None


def test_secure_baseline_passes_more_than_quickstart():
    secure, open_ = amlguard.check(BASELINE), amlguard.check(QUICKSTART)
    assert len([f for f in secure.findings if f.status == "fail"]) < len(
        [f for f in open_.findings if f.status == "fail"]
    )


def test_rules_and_skip_filter_by_id_and_prefix():
    full = amlguard.check(QUICKSTART)
    ids = sorted({f.rule_id for f in full.findings})
    one = ids[0]
    only = amlguard.check(QUICKSTART, rules=[one])
    assert {f.rule_id for f in only.findings} == {one}
    prefix = one.rsplit("-", 1)[0]
    assert {f.rule_id for f in amlguard.check(QUICKSTART, rules=prefix).findings} == {
        i for i in ids if i.startswith(prefix + "-")
    }
    skipped = amlguard.check(QUICKSTART, skip=[one])
    assert one not in {f.rule_id for f in skipped.findings}
    assert len(skipped.findings) < len(full.findings)


def test_unknown_rule_id_is_input_error():
    with pytest.raises(amlguard.InputError, match="no rule matches `AML-NOPE-999`"):
        amlguard.check(QUICKSTART, rules=["AML-NOPE-999"])
    assert amlguard.check(QUICKSTART).findings


def test_fail_on_changes_passed_not_findings():
    low = amlguard.check(QUICKSTART)
    sev = {f.severity for f in low.findings if f.status == "fail"}
    crit = amlguard.check(QUICKSTART, fail_on="critical")
    assert crit.findings == low.findings
    assert crit.passed == ("critical" not in sev)
    with pytest.raises(amlguard.InputError, match="unknown severity `severe`"):
        amlguard.check(QUICKSTART, fail_on="severe")


def test_renderings():
    report = amlguard.check(QUICKSTART)
    data = json.loads(report.to_json())
    assert data == report.to_dict()
    assert [f["rule_id"] for f in data["findings"]] == [f.rule_id for f in report.findings]
    sarif = json.loads(report.to_sarif())
    assert sarif["version"] == "2.1.0"
    assert len(sarif["runs"][0]["results"]) >= 1
    html = report._repr_html_()
    assert html == report.to_html()
    assert "<table" in html and report.findings[0].rule_id in html
    assert report.findings[0].rule_id in report.to_text()
    assert report.findings[0].rule_id in report.to_markdown()
    r = repr(report)
    assert r.startswith("<amlguard.Report failed: ") and f"{len(report.findings)} findings" in r


def test_to_pandas():
    pd = pytest.importorskip("pandas")
    report = amlguard.check(QUICKSTART)
    df = report.to_pandas()
    assert isinstance(df, pd.DataFrame)
    assert len(df) == len(report.findings)
    assert list(df["rule_id"]) == [f.rule_id for f in report.findings]
    assert set(df["severity"]) <= {"low", "medium", "high", "critical"}
    empty = amlguard.check([{"type": "Microsoft.Foo/bars", "name": "x"}]).to_pandas()
    assert len(empty) == 0 and "rule_id" in empty.columns


def test_passing_report():
    report = amlguard.check([{"type": "Microsoft.Foo/bars", "name": "x"}])
    assert report.passed and report.exit_code == 0 and report.findings == []
    assert repr(report) == "<amlguard.Report passed: 0 findings>"


def test_defaults_false_judges_template_as_written():
    with_defaults = amlguard.check(QUICKSTART)
    as_written = amlguard.check(QUICKSTART, defaults=False)
    assert {(f.rule_id, f.resource.id) for f in with_defaults.findings} != {
        (f.rule_id, f.resource.id) for f in as_written.findings
    }


def test_suppressions_file(tmp_path):
    report = amlguard.check(QUICKSTART)
    target = report.findings[0]
    supp = tmp_path / "s.json"
    supp.write_text(
        json.dumps({"suppress": [{"id": target.rule_id, "resource": target.resource.name, "justification": "test"}]})
    )
    suppressed = amlguard.check(QUICKSTART, suppressions=supp)
    hit = [f for f in suppressed.findings if f.rule_id == target.rule_id and f.resource.id == target.resource.id]
    assert hit and all(f.get("suppressed") for f in hit)
    assert suppressed.summary["suppressed"] >= 1


def test_bad_sources_raise_and_interpreter_survives(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("[{\"type\": \"a\"}\n{}]")
    for source, exc, fragment in [
        (bad, amlguard.InputError, f"{bad}:"),
        ({"resources": [{"name": "no type"}]}, amlguard.InputError, "/resources/0"),
        (tmp_path / "missing.json", amlguard.InputError, "cannot read"),
        (3.5, amlguard.InputError, "cannot check a `float`"),
        ([PUBLIC_WS, {"bad": float("inf")}], amlguard.InputError, "/1/bad"),
    ]:
        with pytest.raises(exc) as e:
            amlguard.check(source)
        assert fragment in str(e.value)
    assert amlguard.check([PUBLIC_WS]).findings


def test_rules_and_explain():
    rules = amlguard.rules()
    assert len(rules) >= 10
    assert all(isinstance(r, amlguard.Rule) for r in rules)
    ids = [r.id for r in rules]
    assert len(set(ids)) == len(ids)
    r = amlguard.explain(ids[0])
    assert r == rules[0] and r.title and r.why and r.policyRule
    assert amlguard.explain(ids[0].lower()).id == ids[0]
    assert ids[0] in r._repr_markdown_()
    with pytest.raises(amlguard.InputError, match="no rule `AML-NOPE`"):
        amlguard.explain("AML-NOPE")
    assert amlguard.explain(ids[-1]).id == ids[-1]


def test_every_finding_names_a_catalog_rule():
    ids = {r.id for r in amlguard.rules()}
    for f in amlguard.check(QUICKSTART).findings:
        assert f.rule_id in ids


def test_checks_in_threads_agree():
    from concurrent.futures import ThreadPoolExecutor

    expected = amlguard.check(QUICKSTART).to_json()
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: amlguard.check(QUICKSTART).to_json(), range(8)))
    assert results == [expected] * 8


def test_a_resource_that_cannot_be_expanded_makes_the_run_incomplete(tmp_path):
    # A copy count over Azure's limit of 800: that resource is not checked, the
    # rest is; every rendering says so and the exit code is 2, as in the CLI.
    template = {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": [
            {
                "type": "Microsoft.Storage/storageAccounts",
                "apiVersion": "2023-01-01",
                "name": "[concat('st', copyIndex())]",
                "location": "westeurope",
                "copy": {"name": "many", "count": 1000000},
            },
            dict(PUBLIC_WS, apiVersion="2024-04-01"),
        ],
    }
    path = tmp_path / "azuredeploy.json"
    path.write_text(json.dumps(template, indent=2))
    report = amlguard.check(path)
    assert report.exit_code == 2 and not report.passed
    assert any(f.rule_id == "AML-NET-001" for f in report.findings), "the rest is still checked"
    assert "not checked" in report.to_markdown() and "/resources/0/copy" in report.to_markdown()
    inv = json.loads(report.to_sarif())["runs"][0]["invocations"][0]
    assert inv["executionSuccessful"] is False
    assert inv["toolExecutionNotifications"][0]["level"] == "error"
