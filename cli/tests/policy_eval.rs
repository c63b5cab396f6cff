//! `amlguard policy eval` as a user runs it: one JSON object per resource,
//! exit 0 whatever the effect, exit 2 with a message on bad input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)] // tests: a failure is the point

use std::path::{Path, PathBuf};
use std::process::Command;

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_amlguard")).args(args).output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("amlguard-policy-eval-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write(d: &Path, name: &str, text: &str) -> String {
    let p = d.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_owned()
}

const DEF: &str = r#"{"properties": {"mode": "Indexed",
  "parameters": {"effect": {"type": "String", "defaultValue": "Audit"}, "allowed": {"type": "Array"}},
  "policyRule": {"if": {"allOf": [
      {"field": "type", "equals": "Microsoft.MachineLearningServices/workspaces"},
      {"field": "Microsoft.MachineLearningServices/workspaces/publicNetworkAccess", "notEquals": "Disabled"},
      {"field": "location", "notIn": "[parameters('allowed')]"}]},
    "then": {"effect": "[parameters('effect')]"}}}}"#;

#[test]
fn evaluates_one_resource_or_an_array() {
    let d = dir();
    let def = write(&d, "def.json", DEF);
    let one = write(&d, "one.json", r#"{"type": "Microsoft.MachineLearningServices/workspaces", "name": "ws", "location": "westeurope",
        "properties": {"publicNetworkAccess": "Enabled"}}"#);
    let params = write(&d, "p.json", r#"{"parameters": {"allowed": {"value": ["northeurope"]}, "effect": {"value": "Deny"}}}"#);
    let (code, out, err) = run(&["policy", "eval", "--definition", &def, "--resource", &one, "--parameters", &params]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["effect"], "deny");
    assert_eq!(v["evidence"].as_array().unwrap().len(), 3);

    // an array in, an array out; no parameter value → unknown, named
    let many = write(&d, "many.json", r#"[
        {"type": "Microsoft.MachineLearningServices/workspaces", "name": "a", "location": "westeurope", "properties": {"publicNetworkAccess": "Disabled"}},
        {"type": "Microsoft.MachineLearningServices/workspaces", "name": "b", "location": "westeurope", "properties": {"publicNetworkAccess": {"$unknown": "parameter `pna` has no value"}}}]"#);
    let (code, out, err) = run(&["policy", "eval", "--definition", &def, "--resource", &many]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let arr = v.as_array().unwrap();
    assert_eq!(arr.len(), 2);
    assert_eq!(arr[0]["effect"], serde_json::Value::Null);
    assert_eq!(arr[0]["outcome"], "nomatch");
    assert_eq!(arr[1]["outcome"], "unknown");
    let unknown = arr[1]["unknown"].as_array().unwrap();
    assert!(unknown.iter().any(|u| u.as_str().unwrap().contains("`pna`")), "{unknown:?}");
    assert!(unknown.iter().any(|u| u.as_str().unwrap().contains("`allowed`")), "{unknown:?}");
}

#[test]
fn extra_alias_catalog_is_used() {
    let d = dir();
    let def = write(&d, "def2.json", r#"{"if": {"field": "Contoso.Widgets/gadgets/colour", "equals": "red"}, "then": {"effect": "audit"}}"#);
    let res = write(&d, "res2.json", r#"{"type": "Contoso.Widgets/gadgets", "properties": {"paint": {"colour": "RED"}}}"#);
    let aliases = write(&d, "aliases.json", r#"[{"namespace": "Contoso.Widgets", "resourceTypes": [{"resourceType": "gadgets",
        "aliases": [{"name": "Contoso.Widgets/gadgets/colour", "defaultPath": "properties.paint.colour", "paths": []}]}]}]"#);
    let (_, out, _) = run(&["policy", "eval", "--definition", &def, "--resource", &res]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["outcome"], "unknown", "unknown alias without the catalog: {out}");
    let (code, out, err) = run(&["policy", "eval", "--definition", &def, "--resource", &res, "--aliases", &aliases]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["effect"], "audit", "{out}");
}

#[test]
fn bad_input_is_exit_two() {
    let d = dir();
    let res = write(&d, "r.json", r#"{"type": "x"}"#);
    let cases = [
        ("bad-rule.json", r#"{"if": {"field": "type"}, "then": {"effect": "audit"}}"#, "/if"),
        ("bad-json.json", r#"{"if": "#, "line"),
        ("bad-fn.json", r#"{"if": {"value": "[nosuch(1)]", "equals": 1}, "then": {"effect": "audit"}}"#, "nosuch"),
    ];
    for (name, text, needle) in cases {
        let def = write(&d, name, text);
        let (code, out, err) = run(&["policy", "eval", "--definition", &def, "--resource", &res]);
        assert_eq!(code, 2, "{name}: {out}");
        assert!(out.is_empty());
        assert!(err.contains(needle), "{name}: {err}");
    }
    let def = write(&d, "ok.json", r#"{"if": {"field": "type", "equals": "x"}, "then": {"effect": "audit"}}"#);
    let (code, _, err) = run(&["policy", "eval", "--definition", &def, "--resource", "/nonexistent/r.json"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read"), "{err}");
}
