"""Real azure-ai-ml entities, converted through the SDK's own serialisation."""

import sys
import warnings

import pytest

import amlguard
from amlguard import _azureml

warnings.filterwarnings("ignore", category=DeprecationWarning)
ml = pytest.importorskip("azure.ai.ml.entities", reason="azure-ai-ml is installed by scripts/test-python")

WS = "Microsoft.MachineLearningServices/workspaces"
UAI = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uai"
STORAGE = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st"


def test_import_amlguard_does_not_import_azure():
    import subprocess

    code = "import sys, amlguard; print('azure' in sys.modules, 'pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def workspace(**kw):
    args = dict(name="ws1", location="westeurope")
    args.update(kw)
    return ml.Workspace(**args)


def test_workspace_to_arm():
    ws = workspace(
        public_network_access="Disabled",
        hbi_workspace=True,
        storage_account=STORAGE,
        identity=ml.IdentityConfiguration(type="system_assigned"),
        managed_network=ml.ManagedNetwork(isolation_mode="allow_only_approved_outbound"),
    )
    [r] = _azureml.to_arm([ws])
    assert r["type"] == WS
    assert r["name"] == "ws1"
    assert r["location"] == "westeurope"
    assert r["identity"] == {"type": "SystemAssigned"}
    props = r["properties"]
    assert props["publicNetworkAccess"] == "Disabled"
    assert props["hbiWorkspace"] is True
    assert props["storageAccount"] == STORAGE
    assert props["managedNetwork"]["isolationMode"] == "allow_only_approved_outbound"
    assert list(r)[:3] == ["type", "name", "location"]


def test_hub_and_project_keep_their_kind():
    hub = ml.Hub(name="hub1", location="eastus")
    project = ml.Project(name="p1", hub_id=f"/subscriptions/s/resourceGroups/rg/providers/{WS}/hub1")
    h, p = _azureml.to_arm([hub, project])
    assert (h["type"], h["kind"]) == (WS, "hub")
    assert (p["type"], p["kind"]) == (WS, "project")
    assert p["properties"]["hubResourceId"].endswith("/workspaces/hub1")


def test_compute_instance_nests_like_arm():
    ci = ml.ComputeInstance(
        name="ci1",
        size="Standard_DS3_v2",
        enable_node_public_ip=False,
        ssh_public_access_enabled=False,
        identity=ml.IdentityConfiguration(
            type="user_assigned",
            user_assigned_identities=[ml.ManagedIdentityConfiguration(resource_id=UAI)],
        ),
    )
    ws, c = _azureml.to_arm([workspace(), ci])
    assert c["type"] == f"{WS}/computes"
    assert c["name"] == "ws1/ci1"  # child name carries the workspace, as in a template
    assert c["location"] == "westeurope"  # from the workspace
    assert c["identity"]["type"] == "UserAssigned"
    assert UAI in c["identity"]["userAssignedIdentities"]
    assert c["properties"]["computeType"] == "ComputeInstance"
    inner = c["properties"]["properties"]
    assert inner["vmSize"] == "Standard_DS3_v2"
    assert inner["enableNodePublicIp"] is False
    assert inner["sshSettings"]["sshPublicAccess"] == "Disabled"


def test_aml_compute_scale_settings():
    [c] = _azureml.to_arm([ml.AmlCompute(name="cpu", size="Standard_D2_v3", min_instances=1, max_instances=3)])
    assert c["name"] == f"{_azureml.DEFAULT_WORKSPACE}/cpu"
    assert "location" not in c  # nothing to take it from
    assert c["properties"]["computeType"] == "AmlCompute"
    scale = c["properties"]["properties"]["scaleSettings"]
    assert (scale["minNodeCount"], scale["maxNodeCount"]) == (1, 3)


def test_endpoint_and_deployment():
    ep = ml.ManagedOnlineEndpoint(name="ep-one", auth_mode="key", public_network_access="disabled")
    dp = ml.ManagedOnlineDeployment(
        name="blue", endpoint_name="ep-one", model="azureml:m:1", instance_type="Standard_DS3_v2", instance_count=1
    )
    _, e, d = _azureml.to_arm([workspace(), ep, dp])
    assert (e["type"], e["name"]) == (f"{WS}/onlineEndpoints", "ws1/ep-one")
    assert e["properties"]["authMode"] == "Key"
    assert e["properties"]["publicNetworkAccess"] == "disabled"
    assert (d["type"], d["name"]) == (f"{WS}/onlineEndpoints/deployments", "ws1/ep-one/blue")
    assert d["properties"]["instanceType"] == "Standard_DS3_v2"
    assert d["sku"]["capacity"] == 1


def test_datastore_has_no_location():
    ds = ml.AzureBlobDatastore(name="blob", account_name="acct", container_name="c")
    _, r = _azureml.to_arm([workspace(), ds])
    assert (r["type"], r["name"]) == (f"{WS}/datastores", "ws1/blob")
    assert "location" not in r
    assert r["properties"]["datastoreType"] == "AzureBlob"


def test_entity_fetched_from_service_keeps_its_id_and_workspace():
    # What ml_client.compute.get() returns carries the ARM id.
    rid = f"/subscriptions/s/resourceGroups/rg/providers/{WS}/realws/computes/ci9"
    ci = ml.ComputeInstance(name="ci9", size="Standard_DS3_v2")
    ci._id = rid
    [c] = _azureml.to_arm([ci])
    assert c["id"] == rid
    assert c["name"] == "realws/ci9"


def test_ingest_mixed_entities_and_dicts():
    storage = {"type": "Microsoft.Storage/storageAccounts", "name": "st", "properties": {}}
    dep = amlguard.ingest([workspace(storage_account="[resourceId('x')]"), storage, ml.ComputeInstance(name="ci1")])
    types = [r["value"]["type"] for r in dep["resources"]]
    assert types == [WS, "Microsoft.Storage/storageAccounts", f"{WS}/computes"]
    assert dep["resources"][2]["value"]["id"].endswith(f"/{WS}/ws1/computes/ci1")


def test_single_entity_is_a_source():
    dep = amlguard.ingest(workspace())
    assert [r["value"]["name"] for r in dep["resources"]] == ["ws1"]


def test_unsupported_entity_is_an_input_error():
    env = ml.Environment(name="env", image="python:3.11")
    with pytest.raises(amlguard.InputError, match="`Environment` `env` is not a resource amlguard can check"):
        amlguard.ingest(env)
    assert amlguard.ingest(workspace())["resources"]


def test_sdk_validation_error_becomes_input_error():
    bad = ml.ManagedOnlineEndpoint(name="ep")  # the SDK refuses names shorter than 3
    with pytest.raises(amlguard.InputError, match="cannot convert azure-ai-ml `ManagedOnlineEndpoint` `ep`"):
        amlguard.ingest(bad)
    assert amlguard.ingest(workspace())["resources"]


def test_entities_checked_end_to_end_reach_the_rules():
    """A compute instance opened up through the SDK fails rules that the same
    instance locked down through the SDK passes, and those rules are about the
    properties that were changed."""
    ws = workspace(
        public_network_access="Disabled",
        managed_network=ml.ManagedNetwork(isolation_mode="allow_only_approved_outbound"),
    )
    open_ci = ml.ComputeInstance(
        name="ci-open", size="Standard_DS3_v2", enable_node_public_ip=True, ssh_public_access_enabled=True
    )
    closed_ci = ml.ComputeInstance(
        name="ci-closed",
        size="Standard_DS3_v2",
        enable_node_public_ip=False,
        ssh_public_access_enabled=False,
        idle_time_before_shutdown_minutes=30,
    )

    def compute_rules(ci):
        report = amlguard.check([ws, ci])
        assert isinstance(report, amlguard.Report)
        return {f.rule_id for f in report.findings if f.resource.name == f"ws1/{ci.name}" and f.status == "fail"}

    opened, closed = compute_rules(open_ci), compute_rules(closed_ci)
    only_open = opened - closed
    assert only_open, (opened, closed)
    assert closed < opened
    # the SDK derives `disableLocalAuth` from `ssh_public_access_enabled`
    changed = ("enableNodePublicIp", "sshPublicAccess", "idleTimeBeforeShutdown", "sshSettings", "disableLocalAuth")
    import json as _json

    for rule_id in only_open:
        text = _json.dumps(amlguard.explain(rule_id).to_dict())
        assert any(c in text for c in changed), rule_id
