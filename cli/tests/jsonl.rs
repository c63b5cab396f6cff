//! `check --jsonl`: resources linked by ids are checked together however far
//! apart their lines are, so the findings equal those of checking the same
//! resources as one file.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)] // tests: a failure is the point

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

#[test]
fn output_is_the_same_with_one_or_several_checking_threads() {
    let dir = std::env::temp_dir().join(format!("amlguard-jsonl-par-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // Several chunks, a mix of failing and passing resources, and links
    // between lines far apart.
    let mut text = String::new();
    for i in 0..3_000 {
        let rg = format!("rg-{}", i % 7);
        let row = match i % 3 {
            0 => json!({"id": rid(&rg, "Microsoft.Storage/storageAccounts", &format!("st{i}")), "name": format!("st{i}"),
                "type": "microsoft.storage/storageaccounts", "location": "westeurope", "resourceGroup": rg,
                "properties": {"allowBlobPublicAccess": i % 2 == 0, "minimumTlsVersion": "TLS1_0"}}),
            1 => json!({"id": rid(&rg, "Microsoft.MachineLearningServices/workspaces", &format!("mlw{i}")), "name": format!("mlw{i}"),
                "type": "microsoft.machinelearningservices/workspaces", "location": "westeurope", "resourceGroup": rg,
                "properties": {"publicNetworkAccess": "Enabled",
                    "storageAccount": rid(&rg, "Microsoft.Storage/storageAccounts", &format!("st{}", (i + 1500) % 3000 / 3 * 3))}}),
            _ => json!({"name": format!("kv{i}"), "type": "Microsoft.KeyVault/vaults", "resourceGroup": rg,
                "properties": {"enablePurgeProtection": false}}),
        };
        text.push_str(&format!("{row}\n"));
    }
    let path = write(&dir, "mix.jsonl", &text);
    let run_with = |threads: &str, format: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_amlguard"))
            .args(["check", "--jsonl", path.to_str().unwrap(), "--format", format])
            .env("AMLGUARD_JSONL_THREADS", threads)
            .output()
            .unwrap();
        (out.status.code(), out.stdout)
    };
    for format in ["json", "text"] {
        let one = run_with("1", format);
        assert!(one.1.len() > 10_000, "too little output to compare: {}", one.1.len());
        assert_eq!(one, run_with("3", format), "{format}: 1 and 3 threads differ");
        assert_eq!(one, run_with("8", format), "{format}: 1 and 8 threads differ");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn unusable_lines_are_named_and_the_other_lines_are_still_checked() {
    let dir = std::env::temp_dir().join(format!("amlguard-jsonl-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ws = rid("rg-a", "Microsoft.MachineLearningServices/workspaces", "mlw");
    let mut good: Vec<Value> = vec![json!({"id": ws, "name": "mlw", "type": "microsoft.machinelearningservices/workspaces",
        "location": "westeurope", "resourceGroup": "rg-a", "subscriptionId": SUB,
        "properties": {"publicNetworkAccess": "Disabled"}})];
    for i in 0..2_500 {
        good.push(json!({"id": rid(&format!("rg-f{i}"), "Microsoft.Storage/storageAccounts", &format!("st{i}")),
            "name": format!("st{i}"), "type": "microsoft.storage/storageaccounts", "resourceGroup": format!("rg-f{i}")}));
    }
    // Linked to the workspace on line 1, after every bad line (more than
    // one batch of lines later): the left-out lines must not shift it.
    good.push(json!({"id": rid("rg-a", "Microsoft.Network/privateEndpoints", "pe"), "name": "pe",
        "type": "microsoft.network/privateendpoints", "resourceGroup": "rg-a",
        "properties": {"privateLinkServiceConnections": [{"name": "c", "properties": {"privateLinkServiceId": ws, "groupIds": ["amlworkspace"]}}]}}));
    // (after which good line, the bad line's bytes, what the error says)
    let long = format!("{{\"type\": \"Microsoft.Storage/storageAccounts\", \"name\": \"{}\"}}", "x".repeat(2_000));
    let bad: Vec<(usize, Vec<u8>, &str)> = vec![
        (0, b"{\"name\": \"broken\", \"type\": ".to_vec(), "unexpected end of document"),
        (1, b"{\"name\": \"no-type\"}".to_vec(), "a line must be one resource object with a string `type`"),
        (900, b"[1, 2]".to_vec(), "a line must be one resource object with a string `type`"),
        (2_100, b"{\"type\": \"Microsoft.Storage/storageAccounts\", \"name\": \"caf\xe9\"}".to_vec(), "invalid utf-8"),
        (2_300, long.into_bytes(), "line longer than 600 bytes"),
        (2_300, b"{\"type\": \"a\", \"type\": \"b\"}".to_vec(), "duplicate key `type`"),
    ];
    let (mut bytes, mut line, mut want) = (Vec::new(), 0usize, Vec::new());
    for (i, row) in good.iter().enumerate() {
        bytes.extend_from_slice(format!("{row}\n").as_bytes());
        line += 1;
        if i == 5 {
            bytes.extend_from_slice(b"   \n"); // blank lines are skipped, not errors
            line += 1;
        }
        for (_, text, message) in bad.iter().filter(|b| b.0 == i) {
            bytes.extend_from_slice(text);
            bytes.push(b'\n');
            line += 1;
            want.push((line, *message));
        }
    }
    let path = dir.join("estate.jsonl");
    std::fs::write(&path, &bytes).unwrap();
    let whole = write(&dir, "whole.json", &Value::Array(good).to_string());
    let run_with = |threads: &str, format: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_amlguard"))
            .args(["check", "--jsonl", path.to_str().unwrap(), "--format", format, "--limit", "max_resource_bytes=600"])
            .env("AMLGUARD_JSONL_THREADS", threads)
            .output()
            .unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let (code, out) = run_with("1", "json");
    assert_eq!(code, Some(2), "error lines must make the exit code 2: {out}");
    assert_eq!((code, out.clone()), run_with("3", "json"), "1 and 3 threads differ");
    let rows: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let diagnostics: Vec<&Value> = rows.iter().filter_map(|r| r.get("diagnostic")).collect();
    let got: Vec<(usize, String)> =
        diagnostics.iter().map(|d| (d["provenance"]["line"].as_u64().unwrap() as usize, d["message"].as_str().unwrap().to_owned())).collect();
    assert_eq!(got.len(), want.len(), "{got:?}");
    for ((line, message), (want_line, want_message)) in got.iter().zip(&want) {
        assert_eq!(line, want_line, "{message}");
        assert!(message.contains(want_message), "line {line}: `{message}` should say `{want_message}`");
    }
    for d in &diagnostics {
        assert_eq!(d["level"], "error");
        assert_eq!(d["provenance"]["file"], path.to_str().unwrap());
    }
    assert_eq!(diagnostics[0]["provenance"]["column"], 27, "just after the last character of the cut-off line");
    let summary = &rows.last().unwrap()["summary"];
    assert_eq!(summary["errors"], want.len());
    assert_eq!(summary["resources"], 2_502);
    // Nothing else is lost: the good lines' findings are those of checking them as one file.
    let findings: BTreeSet<Key> = rows.iter().filter(|r| r.get("rule_id").is_some()).map(key).collect();
    assert!(!findings.is_empty());
    assert_eq!(findings, whole_findings(&whole));

    let (code, text) = run_with("2", "text");
    assert_eq!(code, Some(2));
    for (line, message) in &want {
        let place = format!("({}:{line}", path.display());
        assert!(text.lines().any(|l| l.starts_with("error: ") && l.contains(message) && l.contains(&place)), "no error line for {place}: {text}");
    }
    assert!(text.trim_end().ends_with(&format!("; {} errors (part of the input was not checked)", want.len())), "{}", &text[text.len() - 200..]);
    let _ = std::fs::remove_dir_all(&dir);
}
