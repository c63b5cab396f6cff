//! The shapes crossing the JavaScript boundary, declared once for the
//! TypeScript generator (`tsify`). Results are serialised straight from the
//! core types; the test at the bottom of this file deserialises real core
//! output into these declarations with unknown fields refused and compares the
//! round trip, so a field added, renamed or removed in core fails the test
//! instead of leaving the `.d.ts` wrong.

use serde::{Deserialize, Serialize};
use tsify::Tsify;

/// Any JSON value. An unknown (not knowable before deployment) is written
/// `{"$unknown": "reason"}`.
pub type Json = serde_json::Value;

/// Options of `ingest`.
#[derive(Debug, Default, Clone, Serialize, Deserialize, Tsify)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct IngestOptions {
    /// Name of the input in errors and provenance (e.g. the file name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub file: Option<String>,
}

/// ARM-shaped resources and the relations between them.
#[derive(Debug, Clone, Serialize, Deserialize, Tsify)]
#[serde(deny_unknown_fields)]
pub struct Deployment {
    /// Resources in input order.
    pub resources: Vec<Resource>,
    /// Edges: `from` holds the id of `to` in property `path`.
    pub relations: Vec<Relation>,
    /// Notes about the input (skipped or unexpandable parts).
    pub diagnostics: Vec<Diagnostic>,
    /// Placeholder scope ids were computed in.
    pub scope: Scope,
}

/// One resource as ARM would store it, with where it came from.
#[derive(Debug, Clone, Serialize, Deserialize, Tsify)]
#[serde(deny_unknown_fields)]
pub struct Resource {
    /// `{type, name, id, location, sku, properties, …}`.
    #[tsify(type = "Record<string, unknown>")]
    pub value: Json,
    /// Where it was declared.
    pub provenance: Provenance,
}

/// A place in the user's input.
#[derive(Debug, Clone, Serialize, Deserialize, Tsify)]
#[serde(deny_unknown_fields)]
pub struct Provenance {
    /// File name, when the input named one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub file: Option<String>,
    /// JSON pointer (or Terraform address).
    pub pointer: String,
    /// 1-based line, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub line: Option<u32>,
    /// 1-based column, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub column: Option<u32>,
}

/// A directed edge between resources (indexes into `resources`).
#[derive(Debug, Clone, Serialize, Deserialize, Tsify)]
#[serde(deny_unknown_fields)]
pub struct Relation {
    /// Referring resource.
    pub from: u32,
    /// Referenced resource.
    pub to: u32,
    /// Property path on `from`, arrays as `[*]`.
    pub path: String,
}

/// Something about the input that is not a finding.
#[derive(Debug, Clone, Serialize, Deserialize, Tsify)]
#[serde(deny_unknown_fields)]
pub struct Diagnostic {
    /// `error` (something was lost) or `info`.
    pub level: DiagnosticLevel,
    /// What happened.
    pub message: String,
    /// Where.
    pub provenance: Provenance,
}

/// Level of a [`Diagnostic`].
#[derive(Debug, Clone, Copy, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "lowercase")]
pub enum DiagnosticLevel {
    /// Skipped on purpose.
    Info,
    /// Part of the input could not be used.
    Error,
}

/// Placeholder subscription, resource group, tenant and location.
#[derive(Debug, Clone, Serialize, Deserialize, Tsify)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    /// Subscription id.
    pub subscription_id: String,
    /// Resource group name.
    pub resource_group: String,
    /// Tenant id.
    pub tenant_id: String,
    /// Location.
    pub location: String,
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use serde::de::DeserializeOwned;

    /// Core output → declared type (unknown fields refused) → JSON again must
    /// be the same JSON.
    fn declared_matches<T: DeserializeOwned + Serialize>(core_json: serde_json::Value) {
        let typed: T = match serde_json::from_value(core_json.clone()) {
            Ok(t) => t,
            Err(e) => panic!("declared type does not match core output: {e}\n{core_json:#}"),
        };
        assert_eq!(serde_json::to_value(&typed).ok(), Some(core_json));
    }

    #[test]
    fn deployment_declaration_matches_core() {
        let text = r#"[
          {"type": "Microsoft.MachineLearningServices/workspaces", "name": "ws",
           "properties": {"storageAccount": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/amlguard-rg/providers/Microsoft.Storage/storageAccounts/st"}},
          {"type": "Microsoft.Storage/storageAccounts", "name": "st"}
        ]"#;
        let dep = amlguard_core::deployment_from_json_text(text, Some("design.json")).unwrap();
        assert_eq!(dep.relations.len(), 1);
        declared_matches::<Deployment>(dep.to_json());
    }
}
