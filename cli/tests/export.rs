//! `amlguard export-policy` as a user runs it: files written, warnings on
//! stderr, identical output on a second run, bad options refused.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)] // tests: a failure is the point

use std::path::{Path, PathBuf};
use std::process::Command;

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_amlguard")).args(args).output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("amlguard-export-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn read_all(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((p.strip_prefix(dir).unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn writes_definitions_initiative_template_and_notes() {
    let a = tmp("a");
    let (code, out, err) = run(&["export-policy", "--out", a.to_str().unwrap(), "--initiative", "--effect", "deny"]);
    assert_eq!(code, 0, "{out}{err}");
    for f in ["azuredeploy.json", "initiative.json", "initiative.definitions.json", "notes.json", "not-exported.json"] {
        assert!(a.join(f).is_file(), "{f} missing");
    }
    let notes: serde_json::Value = serde_json::from_slice(&std::fs::read(a.join("notes.json")).unwrap()).unwrap();
    let after: Vec<&str> = notes
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["evaluatedAfterDeployment"] == true)
        .filter_map(|n| n["ruleId"].as_str())
        .collect();
    assert!(!after.is_empty(), "no post-deployment rule in the catalog any more?");
    for id in &after {
        assert!(err.contains(&format!("warning: {id}: deny requested")), "no warning for {id}: {err}");
    }
    let ne: serde_json::Value = serde_json::from_slice(&std::fs::read(a.join("not-exported.json")).unwrap()).unwrap();
    for n in ne.as_array().unwrap() {
        let id = n["ruleId"].as_str().unwrap();
        assert!(out.contains(&format!("  {id}: ")), "{id} not reported on stdout");
    }
    // A second run writes byte-identical files.
    let b = tmp("b");
    let (code, _, _) = run(&["export-policy", "--out", b.to_str().unwrap(), "--initiative", "--effect", "deny"]);
    assert_eq!(code, 0);
    assert_eq!(read_all(&a), read_all(&b));
    let _ = std::fs::remove_dir_all(&a);
    let _ = std::fs::remove_dir_all(&b);
}

#[test]
fn unknown_rules_and_effects_are_refused() {
    let d = tmp("bad");
    let (code, _, err) = run(&["export-policy", "--out", d.to_str().unwrap(), "--rules", "AML-NOPE-001"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown rule `AML-NOPE-001`"), "{err}");
    assert!(!d.exists(), "nothing is written when the selection is wrong");
    let (code, _, _) = run(&["export-policy", "--out", d.to_str().unwrap(), "--effect", "modify"]);
    assert_eq!(code, 2);
}
