//! `check --jsonl`: resources linked by ids are checked together however far
//! apart their lines are, so the findings equal those of checking the same
//! resources as one file.

use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

const SUB: &str = "00000000-0000-0000-0000-000000000000";

fn rid(rg: &str, type_: &str, name: &str) -> String {
    format!("/subscriptions/{SUB}/resourceGroups/{rg}/providers/{type_}/{name}")
}

fn run(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_amlguard")).args(args).output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned())
}

/// (rule, resource id, status, message) of every finding.
type Key = (String, String, String, String);

fn key(f: &Value) -> Key {
    let s = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    (s(&f["rule_id"]), s(&f["resource"]["id"]), s(&f["status"]), s(&f["message"]))
}

fn jsonl_findings(path: &Path) -> BTreeSet<Key> {
    let (code, out) = run(&["check", "--jsonl", path.to_str().unwrap(), "--format", "json"]);
    assert!(code == 0 || code == 1, "exit {code}: {out}");
    let lines: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let (summary, findings) = lines.split_last().unwrap();
    assert!(summary.get("summary").is_some(), "{summary}");
    findings.iter().map(key).collect()
}

fn whole_findings(path: &Path) -> BTreeSet<Key> {
    let (code, out) = run(&["check", path.to_str().unwrap(), "--format", "json"]);
    assert!(code == 0 || code == 1, "exit {code}: {out}");
    let report: Value = serde_json::from_str(&out).unwrap();
    report["findings"].as_array().unwrap().iter().filter(|f| f["suppressed"].is_null()).map(key).collect()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn a_private_endpoint_far_from_its_workspace_is_still_seen() {
    let dir = std::env::temp_dir().join(format!("amlguard-jsonl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ws = rid("rg-a", "Microsoft.MachineLearningServices/workspaces", "mlw");
    let mut rows = vec![json!({"id": ws, "name": "mlw", "type": "microsoft.machinelearningservices/workspaces",
        "location": "westeurope", "resourceGroup": "rg-a", "subscriptionId": SUB,
        "properties": {"publicNetworkAccess": "Disabled"}})];
    // More unrelated resources (each in its own group) than one chunk holds.
    for i in 0..2_500 {
        rows.push(json!({"id": rid(&format!("rg-f{i}"), "Microsoft.Storage/storageAccounts", &format!("st{i}")),
            "name": format!("st{i}"), "type": "microsoft.storage/storageaccounts", "location": "westeurope",
            "resourceGroup": format!("rg-f{i}"), "subscriptionId": SUB,
            "properties": {"allowBlobPublicAccess": false, "minimumTlsVersion": "TLS1_2", "publicNetworkAccess": "Disabled"}}));
    }
    let pe = json!({"id": rid("rg-net", "Microsoft.Network/privateEndpoints", "pe-mlw"), "name": "pe-mlw",
        "type": "microsoft.network/privateendpoints", "location": "westeurope", "resourceGroup": "rg-net", "subscriptionId": SUB,
        "properties": {"privateLinkServiceConnections": [{"name": "c", "properties": {"privateLinkServiceId": ws, "groupIds": ["amlworkspace"]}}]}});
    let lines = |rows: &[Value]| rows.iter().map(|r| format!("{r}\n")).collect::<String>();
    let without = write(&dir, "without-pe.jsonl", &lines(&rows));
    rows.push(pe);
    let split = write(&dir, "split.jsonl", &lines(&rows));
    let whole = write(&dir, "whole.json", &Value::Array(rows).to_string());

    let (s, w, n) = (jsonl_findings(&split), whole_findings(&whole), jsonl_findings(&without));
    assert!(!w.is_empty());
    assert_eq!(s, w, "JSON Lines and one-file findings differ");
    // The endpoint matters: without it the workspace fails a rule it passes with it.
    let on_ws = |set: &BTreeSet<Key>| set.iter().filter(|k| k.1 == ws).map(|k| k.0.clone()).collect::<BTreeSet<_>>();
    let missing: Vec<String> = on_ws(&n).difference(&on_ws(&s)).cloned().collect();
    assert!(!missing.is_empty(), "the private endpoint changed nothing for the workspace");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn lines_with_escapes_and_computed_ids_are_linked_too() {
    let dir = std::env::temp_dir().join(format!("amlguard-jsonl-esc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // The workspace has no `id` (computed from type and name in the
    // placeholder scope); the endpoint's id reference is written with `\/`.
    let scope_ws = rid("amlguard-rg", "Microsoft.MachineLearningServices/workspaces", "mlw");
    let mut text = String::from(
        "{\"name\": \"mlw\", \"type\": \"Microsoft.MachineLearningServices/workspaces\", \"properties\": {\"publicNetworkAccess\": \"Disabled\"}}\n",
    );
    for i in 0..2_500 {
        text.push_str(&format!("{}\n", json!({"name": format!("st{i}"), "type": "Microsoft.Storage/storageAccounts", "resourceGroup": format!("rg-f{i}")})));
    }
    let escaped = scope_ws.replace('/', "\\/");
    text.push_str(&format!(
        "{{\"name\": \"pe\", \"type\": \"Microsoft.Network/privateEndpoints\", \"properties\": {{\"privateLinkServiceConnections\": [{{\"name\": \"c\", \"properties\": {{\"privateLinkServiceId\": \"{escaped}\", \"groupIds\": [\"amlworkspace\"]}}}}]}}}}\n"
    ));
    let split = write(&dir, "split.jsonl", &text);
    let rows: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let whole = write(&dir, "whole.json", &Value::Array(rows).to_string());
    let (s, w) = (jsonl_findings(&split), whole_findings(&whole));
    assert!(!s.is_empty());
    assert_eq!(s, w);
    assert!(!s.iter().any(|k| k.0 == "AML-NET-002" && k.1 == scope_ws), "the endpoint was not linked to the workspace: {s:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
