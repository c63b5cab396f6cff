//! `amlguard check` on Terraform as a user runs it: a module folder, one
//! `.tf` file of it, `--var`, and plan JSON; findings name the `.tf` file and
//! the line of the resource block.

use std::path::{Path, PathBuf};
use std::process::Command;

struct TempDir(PathBuf);
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tempdir(name: &str, files: &[(&str, &str)]) -> TempDir {
    let dir = std::env::temp_dir().join(format!("amlguard-cli-tf-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (f, text) in files {
        let p = dir.join(f);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    TempDir(dir)
}

fn check_json(args: &[&str]) -> (i32, serde_json::Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_amlguard")).arg("check").args(args).args(["--format", "json"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let v = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text} {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap_or(-1), v)
}

fn findings<'a>(v: &'a serde_json::Value, rule: &str) -> Vec<&'a serde_json::Value> {
    v["findings"].as_array().unwrap().iter().filter(|f| f["rule_id"] == rule).collect()
}

const VARIABLES: &str = r#"variable "ws_name" {
  type    = string
  default = "mlw-default"
}
variable "public" {
  type    = bool
  default = true
}
"#;

/// The workspace block starts on line 4 of `main.tf`.
const MAIN: &str = r#"# a workspace whose network access follows a variable
locals { rg = "rg-ml" }

resource "azurerm_machine_learning_workspace" "ws" {
  name                          = var.ws_name
  location                      = "westeurope"
  resource_group_name           = local.rg
  application_insights_id       = "/subscriptions/x/resourceGroups/rg-ml/providers/Microsoft.Insights/components/ai"
  key_vault_id                  = "/subscriptions/x/resourceGroups/rg-ml/providers/Microsoft.KeyVault/vaults/kv"
  storage_account_id            = "/subscriptions/x/resourceGroups/rg-ml/providers/Microsoft.Storage/storageAccounts/st"
  public_network_access_enabled = var.public
  identity {
    type = "SystemAssigned"
  }
}
"#;

fn assert_points_at_main_tf(v: &serde_json::Value, name: &str) {
    let f = findings(v, "AML-NET-001");
    assert_eq!(f.len(), 1, "{v:#}");
    let f = f[0];
    assert!(f["location"]["file"].as_str().unwrap().ends_with("main.tf"), "{f:#}");
    assert_eq!(f["location"]["line"], 4, "{f:#}");
    assert_eq!(f["location"]["pointer"], "azurerm_machine_learning_workspace.ws");
    assert_eq!(f["resource"]["name"], name);
    assert_eq!(f["resource"]["type"], "Microsoft.MachineLearningServices/workspaces");
}

#[test]
fn terraform_folder_and_single_tf_file_are_detected_and_located() {
    let t = tempdir("module", &[("variables.tf", VARIABLES), ("main.tf", MAIN), ("README.md", "not read")]);
    let dir = t.0.display().to_string();
    let (code, v) = check_json(&[&dir, "--rules", "AML-NET-001"]);
    assert_eq!(code, 1);
    assert_points_at_main_tf(&v, "mlw-default");
    // one `.tf` file is read with the rest of its module (the variables)
    let file = t.0.join("main.tf").display().to_string();
    let (code, v) = check_json(&[&file, "--rules", "AML-NET-001"]);
    assert_eq!(code, 1);
    assert_points_at_main_tf(&v, "mlw-default");
    // `--var` overrides defaults, as `terraform -var` does
    let (_, v) = check_json(&[&dir, "--rules", "AML-NET-001", "--var", "ws_name=mlw-cli"]);
    assert_points_at_main_tf(&v, "mlw-cli");
    let (code, v) = check_json(&[&dir, "--rules", "AML-NET-001", "--var", "public=false"]);
    assert_eq!(code, 0, "{v:#}");
    assert!(findings(&v, "AML-NET-001").is_empty());
}

#[test]
fn bad_var_argument_is_a_usage_error() {
    let t = tempdir("badvar", &[("main.tf", MAIN), ("variables.tf", VARIABLES)]);
    let out = Command::new(env!("CARGO_BIN_EXE_amlguard"))
        .args(["check", &t.0.display().to_string(), "--var", "no-equals-sign"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("name=value"));
}

const PLAN: &str = r#"{
  "format_version": "1.2",
  "terraform_version": "1.9.0",
  "planned_values": {"root_module": {"resources": [
    {"address": "azurerm_machine_learning_workspace.ws", "mode": "managed",
     "type": "azurerm_machine_learning_workspace", "name": "ws",
     "values": {"name": "mlw-plan", "location": "westeurope", "resource_group_name": "rg-ml",
                "public_network_access_enabled": true,
                "identity": [{"type": "SystemAssigned", "identity_ids": null}]}}
  ]}},
  "resource_changes": [
    {"address": "azurerm_machine_learning_workspace.ws", "change": {"actions": ["create"], "after_unknown": {"id": true}}}
  ]
}
"#;

#[test]
fn plan_json_is_detected_by_content() {
    // no `.tf` beside it, and a name that says nothing about Terraform
    let t = tempdir("plan", &[("out.json", PLAN)]);
    for input in [t.0.join("out.json"), t.0.clone()] {
        let (code, v) = check_json(&[&input.display().to_string(), "--rules", "AML-NET-001"]);
        assert_eq!(code, 1, "{v:#}");
        let f = findings(&v, "AML-NET-001");
        assert_eq!(f.len(), 1, "{v:#}");
        assert!(f[0]["location"]["file"].as_str().unwrap().ends_with("out.json"));
        assert_eq!(f[0]["location"]["pointer"], "azurerm_machine_learning_workspace.ws");
        assert_eq!(f[0]["resource"]["name"], "mlw-plan");
        assert!(f[0]["location"]["line"].as_u64().is_some_and(|l| l > 1), "{:#}", f[0]);
    }
}

#[test]
fn check_path_reads_terraform_like_the_cli() {
    let t = tempdir("lib", &[("variables.tf", VARIABLES), ("main.tf", MAIN)]);
    let load = amlguard_core::ingest::LoadOptions { tf_vars: vec![("ws_name".into(), "mlw-lib".into())], ..Default::default() };
    let opts = amlguard_core::CheckOptions { rules: vec!["AML-NET-001".into()], ..Default::default() };
    for p in [t.0.clone(), t.0.join("main.tf")] {
        let report = amlguard_core::check_path(&[Path::new(&p)], &load, &opts).unwrap();
        let v: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
        assert_points_at_main_tf(&v, "mlw-lib");
    }
}
