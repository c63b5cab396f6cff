//! The ARM template deploying every definition (and the initiative) at
//! subscription or management group scope.
//!
//! Inside a template, ARM evaluates any string of the form `[…]` at
//! deployment time, so the policy's own expressions (`[parameters('effect')]`,
//! `[field('id')]`) are escaped as `[[…]`, which ARM turns back into `[…]`.
//! Only the initiative's `policyDefinitionId`s are real template expressions.

use super::{guid, ExportScope, ExportedDefinition, ExportedDocument, VERSION};
use serde_json::{json, Value as Json};

/// API version of `Microsoft.Authorization/policy(Set)Definitions` used.
pub const API_VERSION: &str = "2025-03-01";

/// Template function giving the id of a policy resource at `scope`.
fn id_expr(scope: ExportScope, kind: &str, name: &str) -> String {
    match scope {
        ExportScope::Subscription => format!("[subscriptionResourceId('Microsoft.Authorization/{kind}', '{name}')]"),
        ExportScope::ManagementGroup => format!("[managementGroupResourceId('Microsoft.Authorization/{kind}', '{name}')]"),
    }
}

/// Escape ARM expressions: `"[x]"` → `"[[x]"` in every string.
pub fn escape(v: &Json, depth: usize) -> Json {
    if depth > 256 {
        return v.clone();
    }
    match v {
        Json::String(s) if s.starts_with('[') && !s.starts_with("[[") && s.ends_with(']') => Json::String(format!("[{s}")),
        Json::Object(m) => Json::Object(m.iter().map(|(k, v)| (k.clone(), escape(v, depth.saturating_add(1)))).collect()),
        Json::Array(a) => Json::Array(a.iter().map(|v| escape(v, depth.saturating_add(1))).collect()),
        other => other.clone(),
    }
}

pub(super) fn build(definitions: &[ExportedDefinition], initiative: Option<&ExportedDocument>, scope: ExportScope) -> ExportedDocument {
    let schema = match scope {
        ExportScope::Subscription => "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#",
        ExportScope::ManagementGroup => "https://schema.management.azure.com/schemas/2019-08-01/managementGroupDeploymentTemplate.json#",
    };
    let mut resources = Vec::new();
    let mut outputs = serde_json::Map::new();
    for d in definitions {
        let props = d.document.get("properties").map(|p| escape(p, 0)).unwrap_or_else(|| json!({}));
        resources.push(json!({
            "type": "Microsoft.Authorization/policyDefinitions",
            "apiVersion": API_VERSION,
            "name": d.name,
            "properties": props,
        }));
    }
    if let Some(init) = initiative {
        let mut props = init.document.get("properties").map(|p| escape(p, 0)).unwrap_or_else(|| json!({}));
        let mut depends = Vec::new();
        if let Some(refs) = props.get_mut("policyDefinitions").and_then(Json::as_array_mut) {
            for r in refs {
                let name = r
                    .get("policyDefinitionId")
                    .and_then(Json::as_str)
                    .and_then(|id| id.rsplit('/').next())
                    .unwrap_or("")
                    .to_owned();
                let expr = id_expr(scope, "policyDefinitions", &name);
                depends.push(Json::from(expr.clone()));
                if let Some(m) = r.as_object_mut() {
                    m.insert("policyDefinitionId".to_owned(), Json::from(expr));
                }
            }
        }
        resources.push(json!({
            "type": "Microsoft.Authorization/policySetDefinitions",
            "apiVersion": API_VERSION,
            "name": init.name,
            "dependsOn": depends,
            "properties": props,
        }));
        outputs.insert(
            "policySetDefinitionId".to_owned(),
            json!({"type": "string", "value": id_expr(scope, "policySetDefinitions", &guid::initiative_name())}),
        );
    }
    let document = json!({
        "$schema": schema,
        "contentVersion": "1.0.0.0",
        "metadata": {"generator": format!("amlguard {VERSION}"), "scope": scope.as_str()},
        "resources": resources,
        "outputs": outputs,
    });
    ExportedDocument { name: String::new(), file: "azuredeploy.json".to_owned(), document }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_bracketed_strings_are_escaped() {
        let v = json!({"a": "[parameters('effect')]", "b": ["[[already]", "[not closed", "plain"]});
        assert_eq!(escape(&v, 0), json!({"a": "[[parameters('effect')]", "b": ["[[already]", "[not closed", "plain"]}));
    }
}
