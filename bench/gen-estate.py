#!/usr/bin/env python3
"""Synthetic Azure Machine Learning estate, as JSON Lines in the shape an Azure
Resource Graph export has (`Resources | where ...` with `id, name, type,
tenantId, kind, location, resourceGroup, subscriptionId, managedBy, sku, plan,
properties, tags, identity, zones, extendedLocation`; `type` lower-case).

    gen-estate.py N OUT.jsonl [SEED]

N resources (rounded to whole "units"). One unit is one team's AML footprint:
a workspace with its storage account, key vault, container registry,
Application Insights, a compute instance and a cluster, an online endpoint
and deployment, a virtual network with an NSG, two private endpoints and a
private DNS zone (14 resources). Security settings vary per unit (seeded), so
every rule sees both passing and failing resources. Deterministic for a seed.
"""
import json
import random
import sys

SUB = "00000000-0000-0000-0000-0000000000{:02d}"
TENANT = "11111111-1111-1111-1111-111111111111"
LOCS = ["westeurope", "northeurope", "eastus", "eastus2", "uksouth", "swedencentral"]


def rid(sub, rg, provider_type, name):
    return f"/subscriptions/{sub}/resourceGroups/{rg}/providers/{provider_type}/{name}"


def row(sub, rg, loc, type_, name, props, **extra):
    r = {
        "id": rid(sub, rg, type_, name),
        "name": name.split("/")[-1],
        "type": type_.lower(),
        "tenantId": TENANT,
        "kind": extra.pop("kind", ""),
        "location": loc,
        "resourceGroup": rg,
        "subscriptionId": sub,
        "managedBy": "",
        "sku": extra.pop("sku", None),
        "plan": None,
        "properties": props,
        "tags": extra.pop("tags", {"team": rg, "costCenter": "ml"}),
        "identity": extra.pop("identity", None),
        "zones": None,
        "extendedLocation": None,
    }
    r.update(extra)
    return r


def unit(i, rnd):
    sub = SUB.format(i % 40)
    rg = f"rg-ml-{i:07d}"
    loc = rnd.choice(LOCS)
    secure = rnd.random() < 0.5
    ws, st, kv, acr, ai = f"mlw{i}", f"st{i:07d}", f"kv{i:07d}", f"acr{i:07d}", f"appi{i}"
    ids = {
        "ws": rid(sub, rg, "Microsoft.MachineLearningServices/workspaces", ws),
        "st": rid(sub, rg, "Microsoft.Storage/storageAccounts", st),
        "kv": rid(sub, rg, "Microsoft.KeyVault/vaults", kv),
        "acr": rid(sub, rg, "Microsoft.ContainerRegistry/registries", acr),
        "ai": rid(sub, rg, "Microsoft.Insights/components", ai),
        "vnet": rid(sub, rg, "Microsoft.Network/virtualNetworks", f"vnet{i}"),
    }
    subnet = ids["vnet"] + "/subnets/training"
    out = [
        row(sub, rg, loc, "Microsoft.MachineLearningServices/workspaces", ws, {
            "friendlyName": ws,
            "storageAccount": ids["st"], "keyVault": ids["kv"], "containerRegistry": ids["acr"],
            "applicationInsights": ids["ai"],
            "publicNetworkAccess": "Disabled" if secure else "Enabled",
            "hbiWorkspace": secure,
            "v1LegacyMode": False,
            "managedNetwork": {"isolationMode": "AllowOnlyApprovedOutbound" if secure else "Disabled"},
            "encryption": {"status": "Enabled", "keyVaultProperties": {"keyVaultArmId": ids["kv"], "keyIdentifier": f"https://{kv}.vault.azure.net/keys/cmk/1"}} if secure else None,
            "systemDatastoresAuthMode": "identity" if secure else "accessKey",
            "provisioningState": "Succeeded",
        }, kind="Default", sku={"name": "Basic", "tier": "Basic"}, identity={"type": "SystemAssigned", "principalId": TENANT, "tenantId": TENANT}),
        row(sub, rg, loc, "Microsoft.Storage/storageAccounts", st, {
            "minimumTlsVersion": "TLS1_2" if secure or rnd.random() < 0.5 else "TLS1_0",
            "allowBlobPublicAccess": not secure,
            "supportsHttpsTrafficOnly": True,
            "allowSharedKeyAccess": not secure,
            "publicNetworkAccess": "Disabled" if secure else "Enabled",
            "networkAcls": {"defaultAction": "Deny" if secure else "Allow", "bypass": "AzureServices", "virtualNetworkRules": [], "ipRules": []},
            "encryption": {"keySource": "Microsoft.Storage", "services": {"blob": {"enabled": True}, "file": {"enabled": True}}},
        }, kind="StorageV2", sku={"name": "Standard_LRS", "tier": "Standard"}),
        row(sub, rg, loc, "Microsoft.KeyVault/vaults", kv, {
            "tenantId": TENANT, "sku": {"family": "A", "name": "standard"},
            "enableSoftDelete": True, "enablePurgeProtection": secure, "enableRbacAuthorization": secure,
            "publicNetworkAccess": "Disabled" if secure else "Enabled",
            "networkAcls": {"defaultAction": "Deny" if secure else "Allow", "bypass": "AzureServices"},
        }),
        row(sub, rg, loc, "Microsoft.ContainerRegistry/registries", acr, {
            "adminUserEnabled": not secure, "publicNetworkAccess": "Disabled" if secure else "Enabled",
            "anonymousPullEnabled": False,
            "policies": {"quarantinePolicy": {"status": "disabled"}, "trustPolicy": {"type": "Notary", "status": "disabled"}},
        }, sku={"name": "Premium" if secure else "Basic", "tier": "Premium" if secure else "Basic"}),
        row(sub, rg, loc, "Microsoft.Insights/components", ai, {
            "Application_Type": "web", "publicNetworkAccessForIngestion": "Enabled", "publicNetworkAccessForQuery": "Enabled",
            "DisableLocalAuth": secure,
        }, kind="web"),
        row(sub, rg, loc, "Microsoft.MachineLearningServices/workspaces/computes", f"{ws}/ci{i}", {
            "computeType": "ComputeInstance", "computeLocation": loc, "disableLocalAuth": secure,
            "properties": {"vmSize": rnd.choice(["STANDARD_DS3_V2", "STANDARD_E4DS_V4", "STANDARD_NC6S_V3"]),
                           "enableNodePublicIp": not secure, "subnet": {"id": subnet} if secure else None,
                           "idleTimeBeforeShutdown": "PT60M" if secure else None,
                           "sshSettings": {"sshPublicAccess": "Disabled" if secure else "Enabled"}},
        }, identity={"type": "SystemAssigned"}),
        row(sub, rg, loc, "Microsoft.MachineLearningServices/workspaces/computes", f"{ws}/cluster{i}", {
            "computeType": "AmlCompute", "computeLocation": loc, "disableLocalAuth": secure,
            "properties": {"vmSize": "STANDARD_DS3_V2", "vmPriority": "Dedicated", "enableNodePublicIp": not secure,
                           "remoteLoginPortPublicAccess": "Disabled" if secure else "Enabled",
                           "scaleSettings": {"minNodeCount": 0, "maxNodeCount": rnd.choice([2, 4, 8])},
                           "subnet": {"id": subnet} if secure else None},
        }),
        row(sub, rg, loc, "Microsoft.MachineLearningServices/workspaces/onlineEndpoints", f"{ws}/ep{i}", {
            "authMode": "AADToken" if secure else "Key", "publicNetworkAccess": "Disabled" if secure else "Enabled",
        }, kind="Managed", identity={"type": "SystemAssigned"}),
        row(sub, rg, loc, "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments", f"{ws}/ep{i}/blue", {
            "endpointComputeType": "Managed", "model": f"azureml:model{i}:1", "instanceType": "Standard_DS3_v2",
            "egressPublicNetworkAccess": "Disabled" if secure else "Enabled", "appInsightsEnabled": secure,
        }, sku={"name": "Default", "capacity": 1}),
        row(sub, rg, loc, "Microsoft.Network/virtualNetworks", f"vnet{i}", {
            "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
            "subnets": [{"name": "training", "id": subnet, "properties": {"addressPrefix": "10.0.1.0/24",
                         "networkSecurityGroup": {"id": rid(sub, rg, "Microsoft.Network/networkSecurityGroups", f"nsg{i}")},
                         "privateEndpointNetworkPolicies": "Enabled"}}],
        }),
        row(sub, rg, loc, "Microsoft.Network/networkSecurityGroups", f"nsg{i}", {
            "securityRules": [{"name": "ssh", "properties": {"direction": "Inbound", "access": "Deny" if secure else "Allow",
                               "protocol": "Tcp", "sourceAddressPrefix": "*", "destinationPortRange": "22",
                               "sourcePortRange": "*", "destinationAddressPrefix": "*", "priority": 100}}],
        }),
        row(sub, rg, loc, "Microsoft.Network/privateEndpoints", f"pe-ws{i}", {
            "subnet": {"id": subnet},
            "privateLinkServiceConnections": [{"name": "ws", "properties": {"privateLinkServiceId": ids["ws"], "groupIds": ["amlworkspace"]}}],
        }),
        row(sub, rg, loc, "Microsoft.Network/privateEndpoints", f"pe-st{i}", {
            "subnet": {"id": subnet},
            "privateLinkServiceConnections": [{"name": "st", "properties": {"privateLinkServiceId": ids["st"], "groupIds": ["blob"]}}],
        }),
        row(sub, rg, "global", "Microsoft.Network/privateDnsZones", "privatelink.api.azureml.ms", {"numberOfRecordSets": 4}),
    ]
    return out


def main():
    n = int(sys.argv[1])
    out = sys.argv[2]
    rnd = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 42)
    written = 0
    i = 0
    with open(out, "w") as f:
        while written < n:
            for r in unit(i, rnd):
                if written >= n:
                    break
                f.write(json.dumps(r, separators=(",", ":")))
                f.write("\n")
                written += 1
            i += 1
    print(f"{out}: {written} resources")


if __name__ == "__main__":
    main()
