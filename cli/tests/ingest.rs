//! `amlguard ingest` as a user runs it: expanded JSON out, parameters files
//! applied in order, bad templates exit 2 with a located message.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)] // tests: a failure is the point

use std::process::Command;

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_amlguard")).args(args).output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn ingest_prints_the_expanded_deployment_with_parameters_applied_in_order() {
    let dir = std::env::temp_dir().join(format!("amlguard-cli-ingest-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let t = dir.join("azuredeploy.json");
    std::fs::write(
        &t,
        r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  // comments are accepted, as ARM does
  "parameters": {"name": {"type": "string"}, "secret": {"type": "securestring"}},
  "resources": [
    {"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01", "name": "[parameters('name')]",
     "properties": {"key": "[parameters('secret')]"}}
  ]
}"#,
    )
    .unwrap();
    let p1 = dir.join("p1.json");
    let p2 = dir.join("p2.json");
    std::fs::write(&p1, r#"{"parameters": {"name": {"value": "first"}}}"#).unwrap();
    std::fs::write(&p2, r#"{"name": "second"}"#).unwrap();
    let (code, out, err) = run(&["ingest", t.to_str().unwrap(), "--parameters", p1.to_str().unwrap(), "-p", p2.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let r = &v["resources"][0]["value"];
    assert_eq!(r["name"], "second");
    assert_eq!(r["type"], "Microsoft.Storage/storageAccounts");
    assert!(r["id"].as_str().unwrap().ends_with("/providers/Microsoft.Storage/storageAccounts/second"));
    assert_eq!(r["properties"]["key"]["$unknown"], "parameter `secret` has no value");
    assert_eq!(v["resources"][0]["provenance"]["pointer"], "/resources/0");

    let bad = dir.join("bad.json");
    std::fs::write(
        &bad,
        r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "resources": {"not": "an array of resources"}, "parameters": []}"#,
    )
    .unwrap();
    let (code, _, err) = run(&["ingest", bad.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("bad.json:2:"), "{err}");
    assert!(err.contains("`parameters` must be an object"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn ingest_exits_2_and_names_the_place_when_part_of_the_template_is_not_expanded() {
    let dir = std::env::temp_dir().join(format!("amlguard-cli-ingest-incomplete-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let t = dir.join("copy.json");
    std::fs::write(
        &t,
        r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01", "name": "[concat('st', copyIndex())]",
     "copy": {"name": "many", "count": 1000000}},
    {"type": "Microsoft.KeyVault/vaults", "apiVersion": "2023-07-01", "name": "kv"}
  ]
}"#,
    )
    .unwrap();
    let (code, out, err) = run(&["ingest", t.to_str().unwrap()]);
    assert_eq!(code, 2, "an error diagnostic means part of the input was not read: {err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    // The rest is still expanded and printed.
    assert_eq!(v["resources"].as_array().unwrap().len(), 1, "{out}");
    assert_eq!(v["resources"][0]["value"]["name"], "kv");
    let d = &v["diagnostics"][0];
    assert_eq!(d["level"], "error");
    assert_eq!(d["provenance"]["line"], 6);
    assert_eq!(d["provenance"]["pointer"], "/resources/0/copy/count");
    assert!(err.contains("copy.json:6 /resources/0/copy/count"), "{err}");
    assert!(err.contains("1000000"), "{err}");

    // `--limit` as for `check`: three copies are fine by default, not under a limit of two.
    std::fs::write(&t, std::fs::read_to_string(&t).unwrap().replace("1000000", "3")).unwrap();
    let (code, out, err) = run(&["ingest", t.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["resources"].as_array().unwrap().len(), 4);
    let (code, _, err) = run(&["ingest", t.to_str().unwrap(), "--limit", "max_copy_count=2"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("copy.json:6 /resources/0/copy/count"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
