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
    let corpus = shared.join("corpus/terraform");
    let base = corpus.canonicalize().unwrap();
    let mut dirs = Vec::new();
    tf_dirs(&base, &mut dirs);
    assert!(dirs.len() >= 40, "expected the corpus's Terraform folders, found {}", dirs.len());
    let bless = std::env::var("AMLGUARD_BLESS").is_ok_and(|v| v == "1");
    let snap_dir = repo_root().join("tests/snapshots/terraform");
    let mut failures = Vec::new();
    for dir in &dirs {
        let rel = dir.strip_prefix(&base).unwrap().display().to_string();
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
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
