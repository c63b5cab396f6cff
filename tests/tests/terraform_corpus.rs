//! Every Terraform folder of the corpus ingests without error, and its
//! ARM-shaped result matches the checked-in snapshot
//! (`tests/snapshots/terraform/`; `AMLGUARD_BLESS=1` rewrites them).

use amlguard_core::ingest::terraform::load_hcl_dir;
use amlguard_core::Deployment;
use amlguard_tests::{repo_root, shared_dir};
use std::path::{Path, PathBuf};

fn tf_dirs(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<PathBuf> = rd.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    if entries.iter().any(|p| p.extension().is_some_and(|x| x == "tf")) {
        out.push(dir.to_path_buf());
    }
    for p in entries {
        if p.is_dir() {
            tf_dirs(&p, out);
        }
    }
}

/// Plain JSON for a snapshot: file paths relative to the corpus, relations
/// and diagnostics by Terraform address, everything sorted.
fn snapshot(dep: &Deployment, base: &Path) -> String {
    let base = format!("{}/", base.display());
    let rel = |f: &Option<String>| f.as_deref().map(|f| f.strip_prefix(&base).unwrap_or(f).to_owned());
    let mut resources: Vec<serde_json::Value> = dep
        .resources
        .iter()
        .map(|r| {
            serde_json::json!({
                "address": r.provenance.pointer,
                "file": rel(&r.provenance.file),
                "line": r.provenance.line,
                "arm": serde_json::to_value(&r.value).unwrap(),
            })
        })
        .collect();
    resources.sort_by(|a, b| a["address"].as_str().cmp(&b["address"].as_str()));
    let ptr = |i: usize| dep.resources[i].provenance.pointer.clone();
    let mut relations: Vec<String> = dep
        .relations
        .iter()
        .map(|r| format!("{} -[{}]-> {}", ptr(r.from), r.path, ptr(r.to)))
        .collect();
    relations.sort();
    let mut diagnostics: Vec<String> = dep
        .diagnostics
        .iter()
        .map(|d| format!("{}: {}", serde_json::to_value(d.level).unwrap().as_str().unwrap(), d.message.replace(&base, "")))
        .collect();
    diagnostics.sort();
    diagnostics.dedup();
    let doc = serde_json::json!({"resources": resources, "relations": relations, "diagnostics": diagnostics});
    let mut s = serde_json::to_string_pretty(&doc).unwrap();
    s.push('\n');
    s
}

#[test]
fn every_corpus_folder_ingests_and_matches_its_snapshot() {
    let Some(shared) = shared_dir() else { return };
    let bless = std::env::var("AMLGUARD_BLESS").is_ok_and(|v| v == "1");
    let snap_dir = repo_root().join("tests/snapshots/terraform");
    let mut failures = Vec::new();
    // The Terraform examples, and checkov's Azure ML Terraform fixtures.
    for (sub, prefix, at_least) in [("corpus/terraform", "", 40), ("corpus/fixtures/checkov", "checkov/", 5)] {
    let base = shared.join(sub).canonicalize().unwrap();
    let mut dirs = Vec::new();
    tf_dirs(&base, &mut dirs);
    assert!(dirs.len() >= at_least, "expected Terraform folders in {sub}, found {}", dirs.len());
    for dir in &dirs {
        let rel = format!("{prefix}{}", dir.strip_prefix(&base).unwrap().display());
        let dep = match load_hcl_dir(dir, &[]) {
            Ok(d) => d,
            Err(e) => {
                failures.push(format!("{rel}: {e}"));
                continue;
            }
        };
        let text = snapshot(&dep, &base);
        let file = snap_dir.join(format!("{}.json", rel.replace('/', "__")));
        if bless {
            std::fs::write(&file, &text).unwrap();
        } else {
            match std::fs::read_to_string(&file) {
                Ok(old) if old == text => {}
                Ok(_) => failures.push(format!("{rel}: differs from {} (AMLGUARD_BLESS=1 to update)", file.display())),
                Err(_) => failures.push(format!("{rel}: no snapshot {} (AMLGUARD_BLESS=1 to write)", file.display())),
            }
        }
    }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn leaves(v: &serde_json::Value, path: &str, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) if m.len() == 1 && m.contains_key("$unknown") => out.push(path.to_owned()),
        serde_json::Value::Object(m) if !m.is_empty() => {
            for (k, x) in m {
                leaves(x, &if path.is_empty() { k.clone() } else { format!("{path}.{k}") }, out);
            }
        }
        serde_json::Value::Array(a) if !a.is_empty() => {
            for x in a {
                leaves(x, &format!("{path}[*]"), out);
            }
        }
        _ => out.push(path.to_owned()),
    }
}

/// Every property the mapping tables produce, for the resource types the
/// Azure Policy alias catalog covers, is a path some alias reads: the
/// tables speak ARM, not an invented shape. Exceptions are properties ARM
/// has but no alias exposes (listed with the reason).
#[test]
fn mapped_properties_are_paths_azure_policy_aliases_know() {
    let Some(shared) = shared_dir() else { return };
    let text = std::fs::read_to_string(shared.join("azure-policy/aliases/aliases.json")).unwrap();
    let catalog: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut paths: std::collections::HashMap<String, Vec<String>> = std::collections::HashMap::new();
    for ns in catalog.as_array().unwrap() {
        for rt in ns["resourceTypes"].as_array().unwrap() {
            let t = format!("{}/{}", ns["namespace"].as_str().unwrap(), rt["resourceType"].as_str().unwrap()).to_lowercase();
            let entry = paths.entry(t).or_default();
            for a in rt["aliases"].as_array().unwrap() {
                entry.push(a["defaultPath"].as_str().unwrap().to_lowercase());
            }
        }
    }
    // ARM properties without an alias (checked against the REST API specifications).
    let no_alias = [
        ("microsoft.insights/components", "properties.application_type"),
        ("microsoft.containerservice/managedclusters", "properties.addonprofiles.omsagent.config."),
        ("microsoft.machinelearningservices/workspaces/connections", "properties.metadata."),
    ];
    let base = shared.join("corpus/terraform").canonicalize().unwrap();
    let mut dirs = Vec::new();
    tf_dirs(&base, &mut dirs);
    let mut checked = 0usize;
    let mut missing = std::collections::BTreeSet::new();
    for dir in &dirs {
        let dep = load_hcl_dir(dir, &[]).unwrap();
        for r in &dep.resources {
            let t = r.type_().to_lowercase();
            let Some(known) = paths.get(&t) else { continue };
            let mut ls = Vec::new();
            leaves(&serde_json::to_value(&r.value).unwrap(), "", &mut ls);
            for p in ls {
                let top = p.split(['.', '[']).next().unwrap_or_default();
                if ["type", "name", "id", "location", "tags", "identity", "kind"].contains(&top) {
                    continue;
                }
                let pl = p.to_lowercase();
                checked += 1;
                let ok = known.iter().any(|q| *q == pl || q.starts_with(&format!("{pl}.")) || q.starts_with(&format!("{pl}[*]")))
                    || no_alias.iter().any(|(nt, np)| *nt == t && (pl == *np || pl.starts_with(np)));
                if !ok {
                    missing.insert(format!("{} {p}", r.type_()));
                }
            }
        }
    }
    assert!(checked > 1000, "only {checked} properties checked");
    assert!(missing.is_empty(), "properties no alias reads:\n{}", missing.into_iter().collect::<Vec<_>>().join("\n"));
}
