//! `amlguard check` on Terraform as a user runs it: a module folder, one
//! `.tf` file of it, `--var`, and plan JSON; findings name the `.tf` file and
//! the line of the resource block.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)] // tests: a failure is the point

use std::path::{Path, PathBuf};
use std::process::Command;

/// The fixtures: `module/` (`main.tf`, `variables.tf`, a README that is not
/// read) and `plan/out.json` (a plan under a name that says nothing about
/// Terraform). Read in place; the tests write nothing.
fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/terraform").join(rel)
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

/// The workspace block starts on line 4 of `module/main.tf`.
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
    let module = data("module");
    let dir = module.display().to_string();
    let (code, v) = check_json(&[&dir, "--rules", "AML-NET-001"]);
    assert_eq!(code, 1);
    assert_points_at_main_tf(&v, "mlw-default");
    // one `.tf` file is read with the rest of its module (the variables)
    let file = module.join("main.tf").display().to_string();
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
    let out = Command::new(env!("CARGO_BIN_EXE_amlguard"))
        .args(["check", &data("module").display().to_string(), "--var", "no-equals-sign"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("name=value"));
}

#[test]
fn plan_json_is_detected_by_content() {
    // no `.tf` beside it, and a name that says nothing about Terraform
    for input in [data("plan/out.json"), data("plan")] {
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
    let load = amlguard_core::ingest::LoadOptions { tf_vars: vec![("ws_name".into(), "mlw-lib".into())], ..Default::default() };
    let opts = amlguard_core::CheckOptions { rules: vec!["AML-NET-001".into()], ..Default::default() };
    for p in [data("module"), data("module/main.tf")] {
        let report = amlguard_core::check_path(&[Path::new(&p)], &load, &opts).unwrap();
        let v: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
        assert_points_at_main_tf(&v, "mlw-lib");
    }
}

/// A locals cycle is an error diagnostic naming the locals, file and line;
/// the run did not check everything, so the exit code is 2.
#[test]
fn locals_cycle_is_an_error_with_file_and_line_and_exit_2() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/hostile/tf-local-cycle");
    let out = Command::new(env!("CARGO_BIN_EXE_amlguard")).args(["check", &dir.display().to_string()]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{text}");
    let line = text.lines().find(|l| l.starts_with("error: local values")).unwrap_or_default();
    assert!(line.starts_with("error: local values form a cycle: `local.a` → `local.b` → `local.c` → `local.a`;"), "{text}");
    assert!(line.ends_with("main.tf:2 local.a)"), "{line}");
}
