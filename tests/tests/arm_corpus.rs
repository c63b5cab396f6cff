//! Every ARM template of the corpus ingests without errors, and its expanded
//! resources match a checked-in snapshot (`tests/snapshots/arm/`). Run with
//! `AMLGUARD_BLESS=1` to rewrite the snapshots after an intended change.

use amlguard_core::ingest::{self, LoadOptions};
use amlguard_core::model::DiagnosticLevel;
use amlguard_core::{Deployment, Value};
use amlguard_tests::{repo_root, shared_dir};
use serde_json::{json, Map as JMap, Value as J};
use std::path::{Path, PathBuf};

/// Property paths worth seeing in a snapshot (security-relevant settings).
const KEY_PATHS: &[&str] = &[
    "location",
    "kind",
    "sku.name",
    "identity.type",
    "scope",
    "existing",
    "properties.publicNetworkAccess",
    "properties.networkAcls.defaultAction",
    "properties.networkRuleSet.defaultAction",
    "properties.adminUserEnabled",
    "properties.enablePurgeProtection",
    "properties.enableSoftDelete",
    "properties.enableRbacAuthorization",
    "properties.minimumTlsVersion",
    "properties.allowBlobPublicAccess",
    "properties.supportsHttpsTrafficOnly",
    "properties.hbiWorkspace",
    "properties.v1LegacyMode",
    "properties.managedNetwork.isolationMode",
    "properties.encryption.status",
    "properties.disableLocalAuth",
    "properties.computeType",
    "properties.properties.enableNodePublicIp",
    "properties.properties.disableLocalAuth",
    "properties.subnet.id",
    "properties.privateLinkServiceConnections",
    "properties.storageAccount",
    "properties.keyVault",
    "properties.containerRegistry",
    "properties.applicationInsights",
    "properties.workspaceId",
    "properties.virtualNetwork.id",
    "properties.principalId",
    "properties.roleDefinitionId",
];

fn corpus_templates(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else { continue };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_ascii_lowercase();
            if !name.ends_with(".json") || name.contains(".parameters") || name.starts_with("params") {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&p) else { continue };
            let Ok(doc) = amlguard_core::json::parse(text.trim_start_matches('\u{feff}')) else { continue };
            if ingest::detect(&doc) == ingest::Format::ArmTemplate {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn unknowns(v: &Value, path: &str, out: &mut Vec<(String, String)>) {
    match v {
        Value::Unknown(u) => out.push((path.to_owned(), u.reason.clone())),
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                unknowns(x, &format!("{path}[{i}]"), out);
            }
        }
        Value::Object(m) => {
            for (k, x) in m {
                let p = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                unknowns(x, &p, out);
            }
        }
        _ => {}
    }
}

fn label(dep: &Deployment, i: usize) -> String {
    dep.resources.get(i).map_or_else(String::new, |r| {
        format!("{} {}", r.type_(), r.value.get("name").map(|n| n.to_string()).unwrap_or_default())
    })
}

fn snapshot(dep: &Deployment, corpus: &Path) -> J {
    let strip = |s: &str| s.replace(&format!("{}/", corpus.display()), "");
    let mut resources: Vec<J> = dep
        .resources
        .iter()
        .map(|r| {
            let mut m = JMap::new();
            m.insert("type".into(), J::String(r.type_().to_owned()));
            m.insert("name".into(), r.value.get("name").map_or(J::Null, Value::to_json));
            m.insert("id".into(), r.value.get("id").map_or(J::Null, Value::to_json));
            let mut key = JMap::new();
            for p in KEY_PATHS {
                if let Some(v) = r.value.get_path_ci(p) {
                    key.insert((*p).to_owned(), v.to_json());
                }
            }
            m.insert("key".into(), J::Object(key));
            let mut u = Vec::new();
            unknowns(&r.value, "", &mut u);
            u.sort();
            m.insert("unknowns".into(), J::Array(u.into_iter().map(|(p, why)| json!([p, why])).collect()));
            m.insert("at".into(), json!(format!("{}#{}", strip(r.provenance.file.as_deref().unwrap_or("")), r.provenance.pointer)));
            J::Object(m)
        })
        .collect();
    resources.sort_by_key(|r| r.to_string());
    let mut relations: Vec<String> = dep
        .relations
        .iter()
        .filter(|r| !r.path.starts_with("dependsOn"))
        .map(|r| format!("{} -> {} via {}", label(dep, r.from), label(dep, r.to), r.path))
        .collect();
    relations.sort();
    let mut diagnostics: Vec<String> = dep
        .diagnostics
        .iter()
        .map(|d| format!("{:?}: {} ({})", d.level, strip(&d.message), d.provenance.pointer))
        .collect();
    diagnostics.sort();
    json!({"resources": resources, "relations": relations, "diagnostics": diagnostics})
}

#[test]
fn every_corpus_template_ingests_and_matches_its_snapshot() {
    let Some(shared) = shared_dir() else { return };
    let corpus = shared.join("corpus/arm");
    let templates = corpus_templates(&corpus);
    assert!(templates.len() >= 40, "expected the corpus templates, found {}", templates.len());
    let bless = std::env::var_os("AMLGUARD_BLESS").is_some();
    let snap_dir = repo_root().join("tests/snapshots/arm");
    let mut failures = Vec::new();
    for t in &templates {
        let rel = t.strip_prefix(&corpus).unwrap_or(t).display().to_string();
        let dep = match ingest::load_path(t, &LoadOptions::default()) {
            Ok(d) => d,
            Err(e) => {
                failures.push(format!("{rel}: {e}"));
                continue;
            }
        };
        for d in dep.diagnostics.iter().filter(|d| d.level == DiagnosticLevel::Error) {
            failures.push(format!("{rel}: error diagnostic: {} at {}", d.message, d.provenance.pointer));
        }
        assert!(!dep.resources.is_empty(), "{rel}: no resources");
        let snap = snapshot(&dep, &corpus);
        let text = format!("{}\n", serde_json::to_string_pretty(&snap).unwrap());
        let file = snap_dir.join(format!("{}.json", rel.trim_end_matches(".json").replace('/', "__")));
        if bless {
            std::fs::write(&file, &text).unwrap();
        } else {
            match std::fs::read_to_string(&file) {
                Ok(want) if want == text => {}
                Ok(_) => failures.push(format!("{rel}: differs from snapshot {} (AMLGUARD_BLESS=1 to update)", file.display())),
                Err(_) => failures.push(format!("{rel}: no snapshot at {} (AMLGUARD_BLESS=1 to create)", file.display())),
            }
        }
    }
    assert!(failures.is_empty(), "{} problem(s):\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn corpus_folders_merge_prereqs_and_main_without_errors() {
    let Some(shared) = shared_dir() else { return };
    let corpus = shared.join("corpus/arm");
    let mut checked = 0;
    for e in std::fs::read_dir(&corpus).unwrap().flatten() {
        let dir = e.path();
        if !dir.is_dir() {
            continue;
        }
        let dep = ingest::load_path(&dir, &LoadOptions::default()).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let errors: Vec<_> = dep.diagnostics.iter().filter(|d| d.level == DiagnosticLevel::Error).collect();
        assert!(errors.is_empty(), "{}: {errors:?}", dir.display());
        checked += 1;
        // A folder with prerequisites holds the resources of both.
        if dir.join("prereqs/prereq.azuredeploy.json").is_file() && dir.join("azuredeploy.json").is_file() {
            let main = ingest::load_path(&dir.join("azuredeploy.json"), &LoadOptions::default()).unwrap();
            let pre = ingest::load_path(&dir.join("prereqs/prereq.azuredeploy.json"), &LoadOptions::default()).unwrap();
            assert!(dep.resources.len() >= main.resources.len() + pre.resources.len(), "{}", dir.display());
        }
        // Bicep sources are reported as skipped, never silently.
        if dir.join("main.bicep").is_file() {
            assert!(
                dep.diagnostics.iter().any(|d| d.message.contains("main.bicep") && d.message.contains("bicep source")),
                "{}: main.bicep not reported",
                dir.display()
            );
        }
    }
    assert!(checked >= 20, "only {checked} folders");
}

fn find(dep: &Deployment, type_: &str, name_part: &str) -> usize {
    dep.resources
        .iter()
        .position(|r| r.is_type(type_) && r.name().contains(name_part))
        .unwrap_or_else(|| panic!("no {type_} named like {name_part}"))
}

fn has_edge(dep: &Deployment, from: usize, to: usize, path: &str) -> bool {
    dep.relations.iter().any(|r| r.from == from && r.to == to && r.path.eq_ignore_ascii_case(path))
}

#[test]
fn end_to_end_secure_relations_connect_the_workspace() {
    let Some(shared) = shared_dir() else { return };
    let dep = ingest::load_path(
        &shared.join("corpus/arm/quickstart-machine-learning-end-to-end-secure/azuredeploy.json"),
        &LoadOptions::default(),
    )
    .unwrap();
    let ws = find(&dep, "Microsoft.MachineLearningServices/workspaces", "mlw-");
    let st = find(&dep, "Microsoft.Storage/storageAccounts", "st");
    let kv = find(&dep, "Microsoft.KeyVault/vaults", "kv-");
    let acr = find(&dep, "Microsoft.ContainerRegistry/registries", "cr");
    let appi = find(&dep, "Microsoft.Insights/components", "appi-");
    let vnet = find(&dep, "Microsoft.Network/virtualNetworks", "vnet-");
    let pls = "properties.privateLinkServiceConnections[*].properties.privateLinkServiceId";
    for (target, pe_name) in [(ws, "-mlw"), (st, "-st-blob"), (st, "-st-file"), (kv, "-kv"), (acr, "-cr")] {
        let pe = find(&dep, "Microsoft.Network/privateEndpoints", pe_name);
        assert!(has_edge(&dep, pe, target, pls), "private endpoint {pe_name} → target");
        assert!(has_edge(&dep, pe, vnet, "properties.subnet.id"), "private endpoint {pe_name} → vnet (subnet)");
    }
    for (target, path) in [
        (st, "properties.storageAccount"),
        (kv, "properties.keyVault"),
        (acr, "properties.containerRegistry"),
        (appi, "properties.applicationInsights"),
    ] {
        assert!(has_edge(&dep, ws, target, path), "workspace → {path}");
    }
    let subnet = find(&dep, "Microsoft.Network/virtualNetworks/subnets", "AzureBastionSubnet");
    assert!(has_edge(&dep, subnet, vnet, "id"), "subnet → its vnet");
    let cluster = find(&dep, "Microsoft.MachineLearningServices/workspaces/computes", "cluster001");
    assert!(has_edge(&dep, cluster, ws, "id"), "compute → its workspace");
    assert!(has_edge(&dep, cluster, vnet, "properties.properties.subnet.id"), "compute → subnet of the vnet");
    let links: Vec<usize> = (0..dep.resources.len())
        .filter(|&i| dep.resources.get(i).is_some_and(|r| r.is_type("Microsoft.Network/privateDnsZones/virtualNetworkLinks")))
        .collect();
    assert!(links.len() >= 5);
    for l in links {
        assert!(has_edge(&dep, l, vnet, "properties.virtualNetwork.id"), "dns link → vnet");
    }
    // Names are the ones Azure computes: uniqueString of the vault id.
    let kv_id = dep.resources.get(kv).unwrap().id().to_owned();
    let link = find(&dep, "Microsoft.Network/privateDnsZones/virtualNetworkLinks", "privatelink.vault");
    let expected = amlguard_core::ingest::arm::hash::unique_string(&[&kv_id]);
    assert!(dep.resources.get(link).unwrap().name().ends_with(&expected));
}

#[test]
fn diagnostic_settings_and_role_assignments_attach_to_their_scope() {
    let Some(shared) = shared_dir() else { return };
    let dep = ingest::load_path(
        &shared.join("corpus/arm/quickstart-aistudio-networking-aoao/azuredeploy.json"),
        &LoadOptions::default(),
    )
    .unwrap();
    let hub = find(&dep, "Microsoft.MachineLearningServices/workspaces", "-hub-");
    let law = find(&dep, "Microsoft.OperationalInsights/workspaces", "log-analytics");
    let hub_id = dep.resources.get(hub).unwrap().id().to_owned();
    let diag = dep
        .resources
        .iter()
        .position(|r| r.is_type("Microsoft.Insights/diagnosticSettings") && r.id().starts_with(&format!("{hub_id}/providers/")))
        .expect("diagnostic setting on the hub");
    assert_eq!(
        dep.resources.get(diag).unwrap().id(),
        format!("{hub_id}/providers/Microsoft.Insights/diagnosticSettings/diagnosticSettings")
    );
    assert!(has_edge(&dep, diag, hub, "scope"));
    assert!(has_edge(&dep, diag, law, "properties.workspaceId"));
    let ai = find(&dep, "Microsoft.CognitiveServices/accounts", "ai-services");
    let ai_id = dep.resources.get(ai).unwrap().id().to_owned();
    let ra = dep
        .resources
        .iter()
        .position(|r| r.is_type("Microsoft.Authorization/roleAssignments") && r.id().starts_with(&format!("{ai_id}/providers/Microsoft.Authorization/roleAssignments/")))
        .expect("role assignment on the AI services account");
    assert!(has_edge(&dep, ra, ai, "scope"));
    // The `existing` reference to the VNet deployed by another module of the
    // same deployment gives way to the deployed VNet.
    let vnets: Vec<_> = dep.resources.iter().filter(|r| r.is_type("Microsoft.Network/virtualNetworks")).collect();
    assert_eq!(vnets.len(), 1);
    assert!(vnets.iter().all(|r| r.value.get("existing").is_none()));
}
