//! Generator for the large hostile inputs (kept out of git: megabytes of
//! repetition). The small ones are files in `tests/hostile/`. Each generated
//! input is deterministic; `cargo run -p amlguard-tests --bin gen-hostile DIR`
//! writes them all to `DIR` for trying them against the CLI by hand.

use std::path::{Path, PathBuf};

/// One generated input: a file name (or `dir/main.tf` for Terraform folders)
/// and its bytes.
pub struct Generated {
    /// Relative path to write it at.
    pub name: &'static str,
    /// Contents.
    pub bytes: Vec<u8>,
}

fn resource(i: usize) -> String {
    format!(
        r#"{{"type":"Microsoft.MachineLearningServices/workspaces/computes","apiVersion":"2024-04-01","name":"ws/ci{i}","location":"westeurope","properties":{{"computeType":"ComputeInstance","properties":{{"vmSize":"STANDARD_DS3_V2","enableNodePublicIp":true}}}}}}"#
    )
}

/// A valid resource list whose one resource has `properties` nested `depth` objects deep.
pub fn deep_properties(depth: usize) -> String {
    let mut s = String::from(r#"[{"type":"Microsoft.Storage/storageAccounts","name":"st","properties":"#);
    s.push_str(&r#"{"a":"#.repeat(depth));
    s.push_str("true");
    s.push_str(&"}".repeat(depth));
    s.push_str("}]");
    s
}

/// Every generated input.
pub fn all() -> Vec<Generated> {
    let mut out = vec![
        Generated { name: "deep-array.json", bytes: "[".repeat(100_000).into_bytes() },
        Generated { name: "deep-object.json", bytes: r#"{"a":"#.repeat(100_000).into_bytes() },
        Generated { name: "deep-properties-300.json", bytes: deep_properties(300).into_bytes() },
        Generated { name: "deep-properties-250.json", bytes: deep_properties(250).into_bytes() },
    ];
    let big = "x".repeat(5 << 20);
    out.push(Generated {
        name: "string-5mb.json",
        bytes: format!(
            r#"[{{"type":"Microsoft.MachineLearningServices/workspaces","name":"ws","properties":{{"description":"{big}","publicNetworkAccess":"Enabled"}}}}]"#
        )
        .into_bytes(),
    });
    out.push(Generated {
        name: "long-line-error.json",
        bytes: format!(r#"[{{"type":"Microsoft.Storage/storageAccounts","name":"{big}",}} oops]"#).into_bytes(),
    });
    let mut t = String::from(
        r#"{"$schema":"https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#","contentVersion":"1.0.0.0","resources":["#,
    );
    for i in 0..100_000 {
        if i > 0 {
            t.push_str(",\n");
        }
        t.push_str(&resource(i));
    }
    t.push_str("]}");
    out.push(Generated { name: "resources-100k.json", bytes: t.into_bytes() });
    // Plan JSON: child modules nested 100 deep.
    let mut plan = String::from(r#"{"format_version":"1.2","planned_values":{"root_module":"#);
    for i in 0..100 {
        plan.push_str(&format!(r#"{{"address":"module.m{i}","child_modules":["#));
    }
    plan.push_str(r#"{"resources":[]}"#);
    plan.push_str(&"]}".repeat(100));
    plan.push_str("}}");
    out.push(Generated { name: "plan-deep-modules.json", bytes: plan.into_bytes() });
    out.push(Generated {
        name: "tf-deep-brackets/main.tf",
        bytes: format!("locals {{\n  a = {}\n}}\n", "[".repeat(100_000)).into_bytes(),
    });
    out.push(Generated {
        name: "tf-nesting-60/main.tf",
        bytes: format!("locals {{\n  a = {}1{}\n}}\n", "[".repeat(60), "]".repeat(60)).into_bytes(),
    });
    out.push(Generated {
        name: "tf-deep-parens/main.tf",
        bytes: format!("locals {{\n  a = {}1{}\n}}\n", "(".repeat(50_000), ")".repeat(50_000)).into_bytes(),
    });
    out.push(Generated {
        name: "tf-deep-blocks/main.tf",
        bytes: format!("resource \"azurerm_storage_account\" \"st\" {{\n{}{}}}\n", "b {\n".repeat(50_000), "}\n".repeat(50_000))
            .into_bytes(),
    });
    out.push(Generated {
        name: "tf-too-large/main.tf",
        bytes: format!("locals {{\n  s = \"{}\"\n}}\n", "y".repeat(9 << 20)).into_bytes(),
    });
    out
}

/// Write every generated input under `dir`; returns the paths written.
pub fn write_all(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut paths = Vec::new();
    for g in all() {
        let p = dir.join(g.name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&p, &g.bytes)?;
        paths.push(p);
    }
    Ok(paths)
}
