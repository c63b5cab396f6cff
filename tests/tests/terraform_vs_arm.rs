//! The Terraform "201 moderately secure" example and the ARM "end-to-end
//! secure" quickstart deploy the same architecture. Checked with the real
//! catalog, every resource they share (paired by role: type and purpose) must
//! get the same verdict from every rule, or the difference must be listed,
//! with its reason, in `docs/terraform.md` (a line of the "Differences"
//! table containing `` `<role>` `` and `` `<rule id>` ``). A listed
//! difference that no longer occurs fails the test too, so the list cannot
//! go stale.

use amlguard_core::ingest::{load_path, LoadOptions};
use amlguard_core::report::Status;
use amlguard_core::{CheckOptions, Deployment};
use std::collections::{BTreeMap, BTreeSet};

const TF: &str = "corpus/terraform/azure-terraform-201-machine-learning-moderately-secure";
const ARM: &str = "corpus/arm/quickstart-machine-learning-end-to-end-secure";

/// Subnet purposes: the two examples name their subnets differently.
const SUBNET_ROLES: &[(&str, &str)] = &[
    ("snet-training", "training"),
    ("snet-scoring", "aks"),
    ("snet-aks", "aks"),
    ("snet-workspace", "private-endpoints"),
    ("snet-dsvm", "jumpbox"),
    ("azurebastionsubnet", "bastion"),
];

/// Private DNS zones by purpose: the ARM quickstart names the Key Vault
/// zone `privatelink.vault.azure.net`, the Terraform example
/// `privatelink.vaultcore.azure.net` (Azure's documented name).
const ZONE_ROLES: &[(&str, &str)] = &[
    ("privatelink.vault.azure.net", "keyvault-zone"),
    ("privatelink.vaultcore.azure.net", "keyvault-zone"),
];

fn zone_role(name: &str) -> String {
    let name = name.to_ascii_lowercase();
    ZONE_ROLES.iter().find(|(n, _)| *n == name).map_or(name, |(_, r)| (*r).to_owned())
}

fn json(r: &amlguard_core::model::Resource) -> serde_json::Value {
    serde_json::to_value(&r.value).unwrap_or_default()
}

fn str_at<'a>(v: &'a serde_json::Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(serde_json::Value::as_str).unwrap_or_default()
}

fn last_segment(id: &str) -> String {
    id.rsplit('/').next().unwrap_or_default().to_ascii_lowercase()
}

/// `<type>/<segment>` of an id: `vaults`, `storageaccounts`, ….
fn target_kind(id: &str) -> String {
    let parts: Vec<&str> = id.split('/').collect();
    let at = parts.iter().position(|p| p.eq_ignore_ascii_case("providers"));
    match at.and_then(|i| parts.get(i + 2)) {
        Some(t) => t.to_ascii_lowercase(),
        None => "?".to_owned(),
    }
}

fn subnet_role(name: &str) -> String {
    let leaf = name.rsplit('/').next().unwrap_or_default().to_ascii_lowercase();
    SUBNET_ROLES.iter().find(|(n, _)| *n == leaf).map_or(leaf, |(_, r)| (*r).to_owned())
}

/// Role of a private endpoint: what it connects to and which sub-resource.
fn endpoint_role(v: &serde_json::Value) -> String {
    let conns = v.pointer("/properties/privateLinkServiceConnections/0/properties");
    let target = conns.map(|c| str_at(c, "/privateLinkServiceId")).unwrap_or_default();
    let group = conns.map(|c| str_at(c, "/groupIds/0")).unwrap_or_default().to_ascii_lowercase();
    format!("{}:{group}", target_kind(target))
}

/// A role for every resource: type plus purpose.
fn roles(dep: &Deployment) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    let mut by_type: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, r) in dep.resources.iter().enumerate() {
        by_type.entry(r.type_().to_ascii_lowercase()).or_default().push(i);
    }
    // NSGs by the subnets that use them
    let mut nsg_subnets: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut image_builders = BTreeSet::new();
    for r in &dep.resources {
        let v = json(r);
        let mut subnets = Vec::new();
        if r.type_().eq_ignore_ascii_case("Microsoft.Network/virtualNetworks/subnets") {
            subnets.push((r.name().to_owned(), v.clone()));
        }
        if r.type_().eq_ignore_ascii_case("Microsoft.Network/virtualNetworks") {
            // subnets declared inline in the virtual network
            for s in v.pointer("/properties/subnets").and_then(serde_json::Value::as_array).into_iter().flatten() {
                subnets.push((str_at(s, "/name").to_owned(), s.clone()));
            }
        }
        for (name, s) in subnets {
            let nsg = str_at(&s, "/properties/networkSecurityGroup/id").to_ascii_lowercase();
            if !nsg.is_empty() {
                nsg_subnets.entry(last_segment(&nsg)).or_default().insert(subnet_role(&name));
            }
        }
        if r.type_().eq_ignore_ascii_case("Microsoft.MachineLearningServices/workspaces") {
            let b = str_at(&v, "/properties/imageBuildCompute").to_ascii_lowercase();
            if !b.is_empty() {
                image_builders.insert(format!("{}/{b}", r.name().to_ascii_lowercase()));
            }
        }
    }
    for (ty, idx) in &by_type {
        let short = ty.strip_prefix("microsoft.").unwrap_or(ty).to_owned();
        for &i in idx {
            let r = &dep.resources[i];
            let v = json(r);
            let purpose = match ty.as_str() {
                "microsoft.network/virtualnetworks/subnets" => subnet_role(r.name()),
                "microsoft.network/privateendpoints" => endpoint_role(&v),
                "microsoft.network/privateendpoints/privatednszonegroups" => {
                    let parent = r.name().split('/').next().unwrap_or_default();
                    let pe = dep.resources.iter().find(|p| {
                        p.type_().eq_ignore_ascii_case("Microsoft.Network/privateEndpoints") && p.name() == parent
                    });
                    pe.map(|p| endpoint_role(&json(p))).unwrap_or_default()
                }
                "microsoft.network/privatednszones" => zone_role(r.name()),
                "microsoft.network/privatednszones/virtualnetworklinks" => {
                    zone_role(r.name().split('/').next().unwrap_or_default())
                }
                "microsoft.network/networksecuritygroups" => {
                    let subnets = nsg_subnets.get(&r.name().to_ascii_lowercase()).cloned().unwrap_or_default();
                    subnets.into_iter().collect::<Vec<_>>().join("+")
                }
                "microsoft.machinelearningservices/workspaces/computes" => {
                    let kind = str_at(&v, "/properties/computeType").to_ascii_lowercase();
                    // a dedicated image-build cluster beside a training cluster
                    let same_kind = idx
                        .iter()
                        .filter(|&&j| str_at(&json(&dep.resources[j]), "/properties/computeType").eq_ignore_ascii_case(&kind))
                        .count();
                    if same_kind > 1 && image_builders.contains(&r.name().to_ascii_lowercase()) {
                        format!("{kind}:image-build")
                    } else {
                        kind
                    }
                }
                _ if idx.len() == 1 => String::new(),
                _ => r.name().to_ascii_lowercase(),
            };
            let role = if purpose.is_empty() { short.clone() } else { format!("{short}:{purpose}") };
            // Two resources of one role: neither is paired (ambiguous), marked with `#`.
            if out.insert(role.clone(), i).is_some() {
                out.insert(format!("{role}#ambiguous"), i);
            }
        }
    }
    out
}

/// Rule id → verdict (`fail`, `indeterminate`) of every rule that does not pass.
fn verdicts(dep: &Deployment) -> BTreeMap<usize, BTreeMap<String, &'static str>> {
    let report = amlguard_core::check(dep, &CheckOptions::default());
    let mut out: BTreeMap<usize, BTreeMap<String, &'static str>> = BTreeMap::new();
    for f in &report.findings {
        let Some(i) = dep.resources.iter().position(|r| r.id().eq_ignore_ascii_case(&f.resource.id)) else {
            panic!("finding {} on `{}` names no resource", f.rule_id, f.resource.id)
        };
        let v = match f.status {
            Status::Fail => "fail",
            _ => "indeterminate",
        };
        let slot = out.entry(i).or_default().entry(f.rule_id.clone()).or_insert(v);
        if v == "fail" {
            *slot = "fail";
        }
    }
    out
}

#[test]
fn terraform_201_and_arm_end_to_end_secure_agree_on_shared_resources() {
    let Some(shared) = amlguard_tests::shared_dir() else { return };
    let tf = load_path(&shared.join(TF), &LoadOptions::default()).unwrap();
    let arm = load_path(&shared.join(ARM), &LoadOptions::default()).unwrap();
    let (tf_roles, arm_roles) = (roles(&tf), roles(&arm));
    let (tf_v, arm_v) = (verdicts(&tf), verdicts(&arm));
    let empty = BTreeMap::new();
    let mut diffs = Vec::new();
    let mut shared_roles = Vec::new();
    for (role, &ti) in &tf_roles {
        if role.ends_with("#ambiguous") || tf_roles.contains_key(&format!("{role}#ambiguous")) {
            continue;
        }
        let Some(&ai) = arm_roles.get(role) else { continue };
        if arm_roles.contains_key(&format!("{role}#ambiguous")) {
            continue;
        }
        shared_roles.push(role.clone());
        let (t, a) = (tf_v.get(&ti).unwrap_or(&empty), arm_v.get(&ai).unwrap_or(&empty));
        let ids: BTreeSet<&String> = t.keys().chain(a.keys()).collect();
        for id in ids {
            let (tv, av) = (t.get(id).copied().unwrap_or("pass"), a.get(id).copied().unwrap_or("pass"));
            if tv != av {
                diffs.push((role.clone(), id.clone(), tv, av));
            }
        }
    }
    let only = |a: &BTreeMap<String, usize>, b: &BTreeMap<String, usize>| {
        a.keys().filter(|k| !b.contains_key(*k)).cloned().collect::<Vec<_>>().join(", ")
    };
    eprintln!("shared roles ({}): {}", shared_roles.len(), shared_roles.join(", "));
    eprintln!("only in Terraform: {}", only(&tf_roles, &arm_roles));
    eprintln!("only in ARM: {}", only(&arm_roles, &tf_roles));
    for must in [
        "machinelearningservices/workspaces",
        "storage/storageaccounts",
        "keyvault/vaults",
        "containerregistry/registries",
        "machinelearningservices/workspaces/computes:computeinstance",
        "machinelearningservices/workspaces/computes:amlcompute",
        "network/privateendpoints:workspaces:amlworkspace",
        "network/privateendpoints:vaults:vault",
        "network/privateendpoints:storageaccounts:blob",
        "network/privateendpoints:storageaccounts:file",
        "network/privateendpoints:registries:registry",
        "network/privatednszones:privatelink.api.azureml.ms",
        "network/privatednszones:keyvault-zone",
        "network/virtualnetworks",
        "network/virtualnetworks/subnets:bastion",
        "network/bastionhosts",
    ] {
        assert!(shared_roles.iter().any(|r| r == must), "role `{must}` not paired; shared: {shared_roles:?}");
    }
    let doc = std::fs::read_to_string(amlguard_tests::repo_root().join("docs/terraform.md")).unwrap_or_default();
    let listed: Vec<&str> = doc.lines().filter(|l| l.starts_with("| `")).collect();
    let is_listed = |role: &str, rule: &str| {
        listed.iter().any(|l| l.contains(&format!("`{role}`")) && l.contains(&format!("`{rule}`")))
    };
    let mut undocumented = Vec::new();
    for (role, rule, tv, av) in &diffs {
        eprintln!("difference: {role} {rule}: terraform {tv}, arm {av}");
        if !is_listed(role, rule) {
            undocumented.push(format!("| `{role}` | `{rule}` | {tv} | {av} | |"));
        }
    }
    let mut stale = Vec::new();
    for l in &listed {
        if !diffs.iter().any(|(role, rule, _, _)| l.contains(&format!("`{role}`")) && l.contains(&format!("`{rule}`"))) {
            stale.push((*l).to_owned());
        }
    }
    assert!(undocumented.is_empty(), "differences not explained in docs/terraform.md:\n{}", undocumented.join("\n"));
    assert!(stale.is_empty(), "listed in docs/terraform.md but no longer different:\n{}", stale.join("\n"));
}
