//! The initiative (policy set definition): every exported definition,
//! grouped by area, each parameter forwarded as an initiative parameter.

use super::{area_title, guid, ExportScope, ExportedDefinition, ExportedDocument, CATEGORY, VERSION};
use serde_json::{json, Map as JsonMap, Value as Json};

/// Display name of the initiative.
pub const DISPLAY_NAME: &str = "amlguard: Azure Machine Learning security baseline";

/// Initiative parameter forwarding `param` of rule `rule_id`:
/// `AML_NET_001_effect` (letters, digits and `_` only).
pub fn parameter_name(rule_id: &str, param: &str) -> String {
    let id: String = rule_id.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    format!("{id}_{param}")
}

/// Id of an exported definition at `scope`, as written in the initiative
/// file for `az policy set-definition create`. The scope part is a
/// placeholder (`<SUBSCRIPTION_ID>` or `<MANAGEMENT_GROUP_ID>`) the user
/// substitutes; the ARM template uses template functions instead.
pub fn definition_id_placeholder(scope: ExportScope, name: &str) -> String {
    match scope {
        ExportScope::Subscription => {
            format!("/subscriptions/<SUBSCRIPTION_ID>/providers/Microsoft.Authorization/policyDefinitions/{name}")
        }
        ExportScope::ManagementGroup => format!(
            "/providers/Microsoft.Management/managementGroups/<MANAGEMENT_GROUP_ID>/providers/Microsoft.Authorization/policyDefinitions/{name}"
        ),
    }
}

pub(super) fn build(definitions: &[ExportedDefinition], scope: ExportScope) -> ExportedDocument {
    let mut parameters = JsonMap::new();
    let mut references = Vec::new();
    let mut groups: Vec<String> = Vec::new();
    for d in definitions {
        let mut forwarded = JsonMap::new();
        if let Some(params) = d.document.pointer("/properties/parameters").and_then(Json::as_object) {
            for (p, def) in params {
                let outer = parameter_name(&d.rule_id, p);
                let mut def = def.clone();
                if let Some(m) = def.as_object_mut() {
                    let md = m.entry("metadata").or_insert_with(|| json!({}));
                    if let Some(md) = md.as_object_mut() {
                        let shown = md.get("displayName").and_then(Json::as_str).unwrap_or(p).to_owned();
                        md.insert("displayName".to_owned(), Json::from(format!("{} ({})", shown, d.rule_id)));
                    }
                }
                parameters.insert(outer.clone(), def);
                forwarded.insert(p.clone(), json!({"value": format!("[parameters('{outer}')]")}));
            }
        }
        if !groups.contains(&d.group) {
            groups.push(d.group.clone());
        }
        references.push(json!({
            "policyDefinitionReferenceId": d.rule_id,
            "policyDefinitionId": definition_id_placeholder(scope, &d.name),
            "parameters": forwarded,
            "groupNames": [d.group],
        }));
    }
    crate::order::sort(&mut groups);
    let group_docs: Vec<Json> = groups
        .iter()
        .map(|g| json!({"name": g, "displayName": area_title(g), "description": format!("amlguard rules of area `{g}`")}))
        .collect();
    let name = guid::initiative_name();
    let document = json!({
        "name": name,
        "type": "Microsoft.Authorization/policySetDefinitions",
        "properties": {
            "displayName": DISPLAY_NAME,
            "policyType": "Custom",
            "description": "Security best practice for Azure Machine Learning workspaces, computes, registries and their dependencies, exported from the amlguard rule catalog. Each definition's metadata names its source rule.",
            "metadata": {"category": CATEGORY, "version": VERSION},
            "parameters": parameters,
            "policyDefinitionGroups": group_docs,
            "policyDefinitions": references,
        }
    });
    ExportedDocument { name, file: "initiative.json".to_owned(), document }
}
