//! The documentation page of a rule (`docs/rules/<ID>.md`, and what
//! `amlguard explain` prints), generated from the rule file alone.

use super::Rule;
use crate::value::Value;
use std::fmt::Write as _;

fn json_block(v: &Value) -> String {
    serde_json::to_string_pretty(&v.to_json()).unwrap_or_default()
}

/// Markdown page for `rule`.
pub fn markdown(rule: &Rule) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "<!-- generated from core/rules/{}/{}.json; do not edit (AMLGUARD_BLESS=1 cargo test -p amlguard-tests --test catalog) -->", rule.area.folder(), rule.id);
    let _ = writeln!(s, "# {} — {}\n", rule.id, rule.title);
    let _ = writeln!(s, "| severity | area | Azure built-in policy | exportable |\n|---|---|---|---|");
    let builtin = rule.builtin.as_deref().map_or_else(|| "—".to_owned(), |b| format!("`{b}`"));
    let exportable = if rule.exportable { "yes".to_owned() } else { format!("no: {}", rule.export_note.as_deref().unwrap_or_default()) };
    let _ = writeln!(s, "| {} | {} | {} | {} |\n", rule.severity, rule.area.folder(), builtin, exportable);
    let _ = writeln!(s, "{}\n", rule.summary);
    let _ = writeln!(s, "## Why\n\n{}\n", rule.why);
    let _ = writeln!(s, "## How to fix\n\n{}\n", rule.remediation.summary);
    for (label, v) in [("ARM / Bicep", &rule.remediation.arm), ("Terraform", &rule.remediation.terraform), ("azure-ai-ml", &rule.remediation.azure_ai_ml)] {
        if let Some(v) = v {
            let _ = writeln!(s, "- **{label}:** {v}");
        }
    }
    s.push('\n');
    if let Some(n) = &rule.notes {
        let _ = writeln!(s, "## Notes\n\n{n}\n");
    }
    if let Some(c) = &rule.check {
        let _ = writeln!(s, "## Rust check\n\n`{c}`: {}\n", rule.check_reason.as_deref().unwrap_or_default());
    }
    let params: Vec<_> = rule.parameters.iter().filter(|(k, _)| k.as_str() != "effect").collect();
    if !params.is_empty() {
        s.push_str("## Parameters\n\n| name | type | default | description |\n|---|---|---|---|\n");
        for (name, def) in params {
            let t = def.get("type").and_then(Value::as_str).unwrap_or_default();
            let d = def.get("defaultValue").map(|v| format!("`{v}`")).unwrap_or_default();
            let desc = def.get("metadata").and_then(|m| m.get("description")).and_then(Value::as_str).unwrap_or_default();
            let _ = writeln!(s, "| `{name}` | {t} | {} | {desc} |", d.replace('|', "\\|"));
        }
        s.push('\n');
    }
    let _ = writeln!(s, "## Condition (Azure Policy `policyRule`)\n\n```json\n{}\n```\n", json_block(&rule.policy_rule));
    s.push_str("## Examples\n\nThese are the examples the test suite runs.\n\n");
    for (kind, ex) in rule.all_examples() {
        let _ = writeln!(s, "### {kind}: {}\n", ex.name);
        if let Some(p) = &ex.parameters {
            let _ = writeln!(s, "With parameters `{}`.\n", Value::Object(p.clone()));
        }
        let _ = writeln!(s, "```json\n{}\n```\n", json_block(&Value::Array(ex.resources.clone())));
    }
    s.push_str("## References\n\n");
    for r in &rule.references {
        let _ = writeln!(s, "- <{r}>");
    }
    s
}
