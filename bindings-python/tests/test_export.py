"""amlguard.export_policies and `python -m amlguard export-policy`."""

import json

import pytest

import amlguard
from conftest import run, run_py


def test_export_documents():
    data = amlguard.export_policies(initiative=True)
    defs = data["definitions"]
    assert defs, "no definitions exported"
    exported = {d["rule_id"] for d in defs}
    left_out = {n["rule_id"] for n in data["not_exported"]}
    # every rule is either exported or listed with a reason, never both
    assert exported | left_out == {r.id for r in amlguard.rules()}
    assert not exported & left_out
    assert all(n["reason"] for n in data["not_exported"])
    for d in defs:
        doc = d["document"]
        assert doc["properties"]["policyRule"]["if"], d["rule_id"]
        assert d["file"] in data["files"]
        assert json.loads(data["files"][d["file"]]) == doc
    assert data["initiative"] is not None
    assert "azuredeploy.json" in data["files"]


def test_effect_and_rule_selection():
    one = amlguard.export_policies(rules="AML-NET-001", effect="deny")
    assert [d["rule_id"] for d in one["definitions"]] == ["AML-NET-001"]
    assert one["initiative"] is None and one["effect"] == "deny"


@pytest.mark.parametrize(
    "kwargs,fragment",
    [({"rules": ["AML-NOPE"]}, "unknown rule `AML-NOPE`"), ({"effect": "modify"}, "unknown effect `modify`"),
     ({"scope": "tenant"}, "unknown scope `tenant`")],
)
def test_bad_options_raise_input_error(kwargs, fragment):
    with pytest.raises(amlguard.InputError, match=fragment):
        amlguard.export_policies(**kwargs)
    assert amlguard.export_policies()["definitions"]


def _tree(root):
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("extra", [[], ["--initiative", "--effect", "deny", "--scope", "managementGroup"], ["--rules", "AML-NET-001,AML-DATA-004"]])
def test_export_command_mirrors_cli(cli, tmp_path, extra):
    rust_out, py_out = tmp_path / "rust", tmp_path / "py"
    rust = run([cli, "export-policy", "--out", rust_out, *extra])
    py = run_py(["export-policy", "--out", str(py_out), *extra])
    assert rust[0] == py[0] == 0, (rust[2], py[2])
    assert py[1] == rust[1].replace(str(rust_out).encode(), str(py_out).encode())
    assert py[2] == rust[2]
    files = _tree(rust_out)
    assert files and files == _tree(py_out)
    # the write-to-folder option of the API writes the same files
    api_out = tmp_path / "api"
    amlguard.export_policies(
        out=api_out,
        initiative="--initiative" in extra,
        effect="deny" if "deny" in extra else "audit",
        scope="managementGroup" if "managementGroup" in extra else "subscription",
        rules="AML-NET-001,AML-DATA-004" if "--rules" in extra else None,
    )
    assert _tree(api_out) == files
