//! The output folder's layout.
//!
//! ```text
//! definitions/<ID>.json         full definition {name, type, properties}
//! definitions/<ID>.rules.json   policyRule  (az policy definition create --rules)
//! definitions/<ID>.params.json  parameters  (az policy definition create --params)
//! initiative.json               full policy set definition (with --initiative)
//! initiative.definitions.json   az policy set-definition create --definitions
//! initiative.params.json        az policy set-definition create --params
//! initiative.groups.json        az policy set-definition create --definition-groups
//! azuredeploy.json              ARM template (az deployment sub|mg create)
//! notes.json                    every exported definition with effect and warnings
//! not-exported.json             rules left out, with the reason
//! ```

use super::PolicyExport;
use serde::Serialize;
use serde_json::{json, Value as Json};

/// One file to write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportFile {
    /// Relative path with `/`.
    pub path: String,
    /// JSON text, two-space indented, final newline.
    pub contents: String,
}

fn file(path: impl Into<String>, doc: &Json) -> ExportFile {
    let mut contents = serde_json::to_string_pretty(doc).unwrap_or_default();
    contents.push('\n');
    ExportFile { path: path.into(), contents }
}

pub(super) fn files(x: &PolicyExport) -> Vec<ExportFile> {
    let mut out = Vec::new();
    for d in &x.definitions {
        out.push(file(d.file.clone(), &d.document));
        let base = d.file.trim_end_matches(".json");
        let props = d.document.get("properties");
        out.push(file(format!("{base}.rules.json"), props.and_then(|p| p.get("policyRule")).unwrap_or(&Json::Null)));
        out.push(file(format!("{base}.params.json"), props.and_then(|p| p.get("parameters")).unwrap_or(&Json::Null)));
    }
    if let Some(i) = &x.initiative {
        out.push(file(i.file.clone(), &i.document));
        let props = i.document.get("properties");
        for (suffix, key) in [("definitions", "policyDefinitions"), ("params", "parameters"), ("groups", "policyDefinitionGroups")] {
            out.push(file(format!("initiative.{suffix}.json"), props.and_then(|p| p.get(key)).unwrap_or(&Json::Null)));
        }
    }
    out.push(file(x.template.file.clone(), &x.template.document));
    let notes: Vec<Json> = x
        .definitions
        .iter()
        .map(|d| {
            json!({
                "ruleId": d.rule_id, "name": d.name, "file": d.file, "effect": d.effect,
                "evaluatedAfterDeployment": d.evaluated_after_deployment, "warnings": d.warnings,
            })
        })
        .collect();
    out.push(file("notes.json", &Json::Array(notes)));
    let skipped: Vec<Json> = x.not_exported.iter().map(|n| json!({"ruleId": n.rule_id, "reason": n.reason})).collect();
    out.push(file("not-exported.json", &Json::Array(skipped)));
    out
}
