"""Template parameters and Terraform folders, through the API and the CLI mirror."""

import json

import pytest

import amlguard
from conftest import run, run_py

TEMPLATE = {
    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "contentVersion": "1.0.0.0",
    "parameters": {
        "pna": {"type": "string", "defaultValue": "Enabled"},
        "noDefault": {"type": "string"},
    },
    "resources": [
        {
            "type": "Microsoft.MachineLearningServices/workspaces",
            "apiVersion": "2024-10-01",
            "name": "ws",
            "location": "westeurope",
            "properties": {"publicNetworkAccess": "[parameters('pna')]", "description": "[parameters('noDefault')]"},
        }
    ],
}


def net001(report):
    return [f.status for f in report.findings if f.rule_id == "AML-NET-001"]


def test_parameters_dict_file_and_list(tmp_path):
    assert net001(amlguard.check(TEMPLATE)) == ["fail"]
    assert net001(amlguard.check(TEMPLATE, parameters={"pna": "Disabled"})) == []
    pfile = tmp_path / "p.json"
    pfile.write_text(json.dumps({"parameters": {"pna": {"value": "Disabled"}}}))
    assert net001(amlguard.check(TEMPLATE, parameters=pfile)) == []
    assert net001(amlguard.check(TEMPLATE, parameters=str(pfile))) == []
    # later documents win
    assert net001(amlguard.check(TEMPLATE, parameters=[pfile, {"pna": "Enabled"}])) == ["fail"]
    assert net001(amlguard.check(json.dumps(TEMPLATE), parameters='{"pna": "Disabled"}')) == []


def test_parameter_without_value_is_indeterminate_not_an_error():
    t = json.loads(json.dumps(TEMPLATE))
    del t["parameters"]["pna"]["defaultValue"]
    assert net001(amlguard.check(t)) == ["indeterminate"]


def test_bad_parameters_raise(tmp_path):
    with pytest.raises(amlguard.InputError, match="cannot read"):
        amlguard.check(TEMPLATE, parameters=tmp_path / "missing.json")
    with pytest.raises(amlguard.InputError, match="must be a dict or a path"):
        amlguard.check(TEMPLATE, parameters=3)
    assert amlguard.check(TEMPLATE).findings


def test_parameters_parity_with_cli(cli, tmp_path):
    t, p = tmp_path / "main.json", tmp_path / "prod.json"
    t.write_text(json.dumps(TEMPLATE))
    p.write_text(json.dumps({"pna": "Disabled"}))
    for args in (["check", "--format", "json", str(t)], ["check", "--format", "json", "-p", str(p), str(t)]):
        rust, py = run([cli, *args]), run_py(args)
        assert rust == py
    report = amlguard.check(t, parameters=p)
    assert (report.to_json() + "\n").encode() == run([cli, "check", "--format", "json", "-p", p, t])[1]


TF = '''
resource "azurerm_machine_learning_workspace" "ws" {
  name                          = "mlw-tf"
  location                      = "westeurope"
  resource_group_name           = "rg"
  application_insights_id       = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Insights/components/appi"
  key_vault_id                  = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv"
  storage_account_id            = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st"
  public_network_access_enabled = true
  identity {
    type = "SystemAssigned"
  }
}
'''


def test_terraform_folder_checked_like_the_cli(cli, tmp_path):
    (tmp_path / "main.tf").write_text(TF)
    report = amlguard.check(tmp_path)
    assert net001(report) == ["fail"]
    assert any(f.location.file and f.location.file.endswith("main.tf") for f in report.findings)
    code, out, err = run([cli, "check", "--format", "json", tmp_path])
    assert (report.to_json() + "\n").encode() == out, err
    assert report.exit_code == code
