//! `amlguard check`, `rules`, `explain` as a user runs them: exit codes,
//! formats, suppressions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)] // tests: a failure is the point

use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_amlguard")).args(args).current_dir(root()).output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn exit_codes_follow_findings_and_threshold() {
    let (code, out, _) = run(&["check", "examples/secure-baseline.json"]);
    assert_eq!(code, 0, "{out}");
    let (code, out, _) = run(&["check", "examples/quickstart-public-workspace.json"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("AML-NET-001"));
    // the only critical finding is the literal password (AML-DATA-006)
    let (code, _, _) = run(&["check", "examples/quickstart-public-workspace.json", "--fail-on", "critical"]);
    assert_eq!(code, 1);
    let (code, _, _) = run(&["check", "examples/quickstart-public-workspace.json", "--fail-on", "critical", "--skip", "AML-DATA-006"]);
    assert_eq!(code, 0);
    let (code, out, _) = run(&["check", "examples/quickstart-public-workspace.json", "--rules", "AML-IAM-005", "--format", "json"]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(v["findings"].as_array().unwrap().iter().all(|f| f["rule_id"] == "AML-IAM-005"));
}

#[test]
fn bad_input_is_exit_two_with_a_located_message() {
    let dir = std::env::temp_dir().join(format!("amlguard-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.json");
    std::fs::write(&bad, "{\n  \"resources\": [\n    {\"type\": \"x\",}\n    oops\n]}").unwrap();
    let (code, _, err) = run(&["check", bad.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("bad.json") && err.contains("line 4"), "{err}");
    let (code, _, err) = run(&["check", "examples/secure-baseline.json", "--rules", "AML-NOPE-1"]);
    assert_eq!(code, 2);
    assert!(err.contains("AML-NOPE-1"), "{err}");
    let (code, _, err) = run(&["check", "examples/secure-baseline.json", "--skip", "AML-NET-01"]);
    assert_eq!(code, 2);
    assert!(err.contains("did you mean `AML-NET-001`"), "{err}");
    let params = dir.join("rule-params.json");
    std::fs::write(&params, r#"{"AML-CMP-004": {"allowedVmSize": ["Standard_DS3_v2"]}}"#).unwrap();
    let (code, _, err) = run(&["check", "examples/secure-baseline.json", "--rule-parameters", params.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("`allowedVmSize`") && err.contains("did you mean `allowedVmSizes`"), "{err}");
    let (code, _, _) = run(&["explain", "AML-NOPE-001"]);
    assert_eq!(code, 2);
}

#[test]
fn sarif_output_is_sarif_2_1_0() {
    let (_, out, _) = run(&["check", "examples/quickstart-public-workspace.json", "--format", "sarif"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let results = v["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        assert_eq!(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "examples/quickstart-public-workspace.json");
        assert!(r["locations"][0]["physicalLocation"]["region"]["startLine"].as_u64().unwrap() > 1);
    }
}

#[test]
fn suppressions_file_beside_the_input_is_applied_and_reported() {
    let dir = std::env::temp_dir().join(format!("amlguard-sup-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(root().join("examples/quickstart-public-workspace.json"), dir.join("design.json")).unwrap();
    std::fs::write(
        dir.join(".amlguard.json"),
        r#"{"suppress": [{"id": "*", "justification": "sandbox subscription, torn down nightly"}]}"#,
    )
    .unwrap();
    let (code, out, err) = run(&["check", dir.join("design.json").to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 0, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["summary"]["failed"], 0);
    assert!(v["summary"]["suppressed"].as_u64().unwrap() > 20);
    assert_eq!(v["findings"][0]["suppressed"]["justification"], "sandbox subscription, torn down nightly");
}

#[test]
fn rules_and_explain() {
    let (code, out, _) = run(&["rules", "--format", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let ids: Vec<&str> = v.as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert!(ids.len() >= 50 && ids.contains(&"AML-NET-011") && ids.contains(&"AML-SUP-002"));
    assert!(v.as_array().unwrap().iter().all(|r| r["policyRule"]["if"].is_object()));
    let (code, out, _) = run(&["explain", "aml-net-001"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("<!--") && out.contains("# AML-NET-001"));
}

#[test]
fn template_suppressions_survive_arm_expansion_and_parameters_files_apply() {
    let dir = std::env::temp_dir().join(format!("amlguard-arm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let template = dir.join("ws.json");
    std::fs::write(
        &template,
        r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {"name": {"type": "string"}, "pna": {"type": "string", "defaultValue": "Enabled"}},
  "resources": [{
    "type": "Microsoft.MachineLearningServices/workspaces", "apiVersion": "2024-10-01",
    "name": "[parameters('name')]", "location": "westeurope",
    "metadata": {"amlguard": {"suppress": [{"id": "AML-DATA-002", "justification": "no sensitive data"}]}},
    "properties": {"publicNetworkAccess": "[parameters('pna')]"}
  }]
}"#,
    )
    .unwrap();
    let params = dir.join("private.json");
    std::fs::write(&params, r#"{"parameters": {"name": {"value": "mlw"}, "pna": {"value": "Disabled"}}}"#).unwrap();
    let t = template.to_str().unwrap();
    let (_, out, _) = run(&["check", t, "--rules", "AML-NET-001,AML-DATA-002", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let ids: Vec<(&str, bool)> = v["findings"].as_array().unwrap().iter().map(|f| (f["rule_id"].as_str().unwrap(), f["suppressed"].is_object())).collect();
    assert_eq!(ids, [("AML-DATA-002", true), ("AML-NET-001", false)], "{out}");
    assert_eq!(v["findings"][1]["location"]["line"], 5);
    let (code, out, _) = run(&["check", t, "--rules", "AML-NET-001,AML-DATA-002", "--parameters", params.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 0, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["summary"]["failed"], 0);
    assert_eq!(v["findings"][0]["resource"]["name"], "mlw");
}

#[test]
fn unexpandable_resources_are_located_errors_and_exit_two() {
    // A copy count far beyond Azure's 800 and a variable cycle: nothing is
    // expanded, the text report names file, line and JSON pointer, and the
    // run cannot pass (exit 2: part of the input could not be used).
    let dir = std::env::temp_dir().join(format!("amlguard-unexp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let copy = dir.join("copy.json");
    std::fs::write(
        &copy,
        r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01", "name": "[concat('st', copyIndex())]",
     "copy": {"name": "c", "count": 1000000}}
  ]}"#,
    )
    .unwrap();
    let cycle = dir.join("cycle.json");
    std::fs::write(
        &cycle,
        r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "variables": {"a": "[variables('b')]",
                "b": "[concat(variables('a'), 'x')]"},
  "resources": [{"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01", "name": "[variables('a')]"}]}"#,
    )
    .unwrap();
    for (file, line, pointer, what) in [(&copy, 5, "/resources/0/copy/count", "1000000"), (&cycle, 4, "/variables/b", "depends on itself")] {
        let (code, out, err) = run(&["check", file.to_str().unwrap()]);
        assert_eq!(code, 2, "{out}{err}");
        let want = format!("{}:{line} {pointer}", file.display());
        assert!(out.contains("error: ") && out.contains(what) && out.contains(&want), "{out}");
    }
}

/// `check --help` lists every input limit with its default (Azure's), and
/// `--limit` accepts each name: changing it changes the outcome.
#[test]
fn every_limit_is_in_the_help_with_its_default_and_accepted_by_limit() {
    let defaults = serde_json::to_value(amlguard_core::ingest::Limits::default()).unwrap();
    let defaults = defaults.as_object().unwrap();
    assert!(defaults.len() >= 10);
    let (code, help, _) = run(&["check", "--help"]);
    assert_eq!(code, 0);
    let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
    for (name, value) in defaults {
        assert!(help.contains(&format!("{name}={value}")), "`check --help` does not list `{name}={value}`: {help}");
        let (code, _, err) = run(&["check", "--limit", &format!("{name}={value}"), "examples/secure-baseline.json"]);
        assert_eq!(code, 0, "--limit {name}: {err}");
    }
    // Lowered, each of these makes a small template (partly) unusable.
    let dir = std::env::temp_dir().join(format!("amlguard-cli-limits-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let t = dir.join("t.json");
    std::fs::write(
        &t,
        r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0", "parameters": {"p": {"type": "string", "defaultValue": "x"}}, "variables": {"v": "[parameters('p')]"},
  "resources": [{"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01", "name": "[concat('st', variables('v'))]"},
                {"type": "Microsoft.KeyVault/vaults", "apiVersion": "2023-07-01", "name": "kv", "copy": {"name": "c", "count": 2}}]}"#,
    )
    .unwrap();
    let t = t.to_str().unwrap();
    let (code, _, err) = run(&["check", t]);
    assert!(code == 0 || code == 1, "{err}");
    for name in ["max_template_bytes", "max_resources", "max_resource_bytes", "max_parameters", "max_variables", "max_copy_count", "max_expression_chars"] {
        let (code, _, err) = run(&["check", "--limit", &format!("{name}=0"), t]);
        assert_eq!(code, 2, "--limit {name}=0 should make the template (partly) unusable: {err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
    let (code, _, err) = run(&["check", "--limit", "max_nothing=1", "examples/secure-baseline.json"]);
    assert_eq!(code, 2);
    assert!(err.contains("no limit `max_nothing`"), "{err}");
}
