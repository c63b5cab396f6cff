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
    /// Values for an ARM template's parameters (see `CheckOptions`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional, type = "Record<string, unknown>")]
    pub template_parameters: Option<Json>,
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

/// Options of `check` and `sarif`.
#[derive(Debug, Default, Clone, Serialize, Deserialize, Tsify)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CheckOptions {
    /// Only these rules (ids, or prefixes such as `AML-NET`); default all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub rules: Option<Vec<String>>,
    /// Skip these rules (ids or prefixes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub skip: Option<Vec<String>>,
    /// Rule parameters: `{allowedVmSizes: [...]}` for every rule declaring
    /// it, or `{"AML-CMP-004": {allowedVmSizes: [...]}}` for one rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional, type = "Record<string, unknown>")]
    pub parameters: Option<Json>,
    /// Apply Azure's defaults and derived properties first (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub simulate: Option<bool>,
    /// Name of the input in findings and errors (e.g. the file name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub file: Option<String>,
    /// Values for an ARM template's parameters: an ARM parameters file
    /// (`{parameters: {name: {value}}}`) or a plain `{name: value}` object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional, type = "Record<string, unknown>")]
    pub template_parameters: Option<Json>,
    /// Findings to suppress, each with a justification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub suppressions: Option<Vec<SuppressionInput>>,
}

/// A suppression given to `check`.
#[derive(Debug, Clone, Serialize, Deserialize, Tsify)]
#[serde(deny_unknown_fields)]
pub struct SuppressionInput {
    /// Rule id, prefix or `*`.
    pub id: String,
    /// Resource name or id; every resource when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub resource: Option<String>,
    /// Why (required).
    pub justification: String,
}

/// How much a finding matters.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Hygiene.
    Low,
    /// Weakens a control.
    Medium,
    /// Exposes data or access paths.
    High,
    /// Direct exposure.
    Critical,
}

/// Whether a finding fails or cannot be decided before deployment.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The design breaks the rule.
    Fail,
    /// The verdict depends on a value unknown before deployment.
    Indeterminate,
}

/// The result of `check`.
#[derive(Debug, Clone, Serialize, Deserialize, Tsify)]
#[serde(deny_unknown_fields)]
pub struct Report {
    /// Findings in a deterministic order (suppressed ones included, marked).
    pub findings: Vec<Finding>,
    /// Totals.
    pub summary: Summary,
    /// Notes about the input.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[tsify(optional)]
    pub diagnostics: Vec<Diagnostic>,
}

/// One rule not met by one resource.
#[derive(Debug, Clone, Serialize, Deserialize, Tsify)]
#[serde(deny_unknown_fields)]
pub struct Finding {
    /// Rule id, e.g. `AML-NET-001`.
    pub rule_id: String,
    /// Rule title.
    pub title: String,
    /// Severity of the rule.
    pub severity: Severity,
    /// `fail` or `indeterminate`.
    pub status: Status,
    /// The resource.
    pub resource: ResourceRef,
    /// Where the resource is declared.
    pub location: Location,
    /// What is wrong here.
    pub message: String,
    /// The conditions that decided it.
    #[tsify(type = "unknown[]")]
    pub evidence: Vec<Json>,
    /// Values that were unknown (for indeterminate findings).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[tsify(optional)]
    pub unknown: Vec<String>,
    /// How to fix it.
    pub remediation: String,
    /// Present when the finding is suppressed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub suppressed: Option<Suppression>,
}

/// The resource a finding is about.
#[derive(Debug, Clone, Serialize, Deserialize, Tsify)]
#[serde(deny_unknown_fields)]
pub struct ResourceRef {
    /// Resource type.
    #[serde(rename = "type")]
    pub type_: String,
    /// Resource name.
    pub name: String,
    /// Resource id.
    pub id: String,
}

/// Where a finding is in the input.
#[derive(Debug, Clone, Serialize, Deserialize, Tsify)]
#[serde(deny_unknown_fields)]
pub struct Location {
    /// File name, when known.
    pub file: Option<String>,
    /// JSON pointer.
    pub pointer: String,
    /// 1-based line, when known.
    pub line: Option<u32>,
}

/// Why a finding is suppressed.
#[derive(Debug, Clone, Serialize, Deserialize, Tsify)]
#[serde(deny_unknown_fields)]
pub struct Suppression {
    /// The justification given.
    pub justification: String,
    /// Where the suppression came from.
    pub source: String,
}

/// Totals of a report.
#[derive(Debug, Clone, Serialize, Deserialize, Tsify)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    /// Resources checked.
    pub resources: u32,
    /// Rules run.
    pub rules: u32,
    /// Rule × resource checks made.
    pub checks: u32,
    /// Checks passed.
    pub passed: u32,
    /// Active failing findings.
    pub failed: u32,
    /// Active indeterminate findings.
    pub indeterminate: u32,
    /// Suppressed findings.
    pub suppressed: u32,
    /// Active findings per severity.
    pub by_severity: std::collections::BTreeMap<String, u32>,
}

/// A rule of the catalog.
#[derive(Debug, Clone, Serialize, Deserialize, Tsify)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Stable id, e.g. `AML-NET-001`.
    pub id: String,
    /// One line.
    pub title: String,
    /// Severity.
    pub severity: Severity,
    /// Practice area.
    pub area: Area,
    /// One sentence.
    pub summary: String,
    /// The risk.
    pub why: String,
    /// How to fix, per way of deploying.
    pub remediation: Remediation,
    /// Microsoft Learn pages.
    pub references: Vec<String>,
    /// Id of the Azure built-in policy for the same practice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub builtin: Option<String>,
    /// Notes (differences from the built-in, limits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub notes: Option<String>,
    /// Azure Policy parameters.
    #[tsify(type = "Record<string, unknown>")]
    pub parameters: Json,
    /// Azure Policy mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub mode: Option<String>,
    /// The condition, in Azure Policy's grammar.
    #[serde(rename = "policyRule")]
    #[tsify(type = "Record<string, unknown>")]
    pub policy_rule: Json,
    /// Named Rust check the rule needs, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub check: Option<String>,
    /// Why a named check is needed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub check_reason: Option<String>,
    /// Pass / fail / indeterminate examples. Empty in this package: the
    /// browser build leaves them out for size (they are in the repository's
    /// `core/rules/` and `docs/rules/`).
    pub examples: Examples,
    /// Whether the rule exports as an Azure Policy definition.
    pub exportable: bool,
    /// Why not, or how.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub export_note: Option<String>,
}

/// Practice area of a rule.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "kebab-case")]
pub enum Area {
    /// `AML-NET-*`.
    Network,
    /// `AML-IAM-*`.
    Identity,
    /// `AML-DATA-*`.
    Data,
    /// `AML-MON-*`.
    Monitoring,
    /// `AML-CMP-*`.
    Compute,
    /// `AML-SUP-*`.
    SupplyChain,
}

/// How to fix, in each deployment tool's terms.
#[derive(Debug, Clone, Serialize, Deserialize, Tsify)]
#[serde(deny_unknown_fields)]
pub struct Remediation {
    /// What to change.
    pub summary: String,
    /// ARM / Bicep.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub arm: Option<String>,
    /// Terraform (azurerm).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub terraform: Option<String>,
    /// azure-ai-ml.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub azure_ai_ml: Option<String>,
}

/// Named examples of a rule.
#[derive(Debug, Clone, Serialize, Deserialize, Tsify)]
#[serde(deny_unknown_fields)]
pub struct Examples {
    /// Compliant designs.
    pub pass: Vec<Example>,
    /// Non-compliant designs.
    pub fail: Vec<Example>,
    /// Designs that depend on unknown values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[tsify(optional)]
    pub indeterminate: Vec<Example>,
}

/// One example design.
#[derive(Debug, Clone, Serialize, Deserialize, Tsify)]
#[serde(deny_unknown_fields)]
pub struct Example {
    /// Short name.
    pub name: String,
    /// ARM-shaped resources.
    #[tsify(type = "Record<string, unknown>[]")]
    pub resources: Vec<Json>,
    /// Rule parameters used instead of the defaults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional, type = "Record<string, unknown>")]
    pub parameters: Option<Json>,
}

/// Result of `evaluatePolicy`.
#[derive(Debug, Clone, Serialize, Deserialize, Tsify)]
#[serde(deny_unknown_fields)]
pub struct Evaluation {
    /// Effect (lower case) when the `if` holds; null otherwise.
    pub effect: Option<String>,
    /// `match`, `nomatch` or `unknown`.
    pub outcome: Outcome,
    /// The effect's details, when it has any.
    #[tsify(type = "unknown")]
    pub details: Option<Json>,
    /// What was unknown.
    pub unknown: Vec<String>,
    /// The conditions evaluated.
    pub evidence: Vec<Evidence>,
}

/// Whether a policy's `if` held.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The effect applies.
    Match,
    /// It does not.
    #[serde(rename = "nomatch")]
    NoMatch,
    /// It depends on an unknown value.
    Unknown,
}

/// One evaluated condition.
#[derive(Debug, Clone, Serialize, Deserialize, Tsify)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    /// Field or alias.
    pub field: String,
    /// Resolved path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub path: Option<String>,
    /// Value found.
    #[tsify(type = "unknown")]
    pub value: Option<Json>,
    /// Operator.
    pub operator: String,
    /// Value expected.
    #[tsify(type = "unknown")]
    pub expected: Json,
    /// Result of the condition.
    pub result: String,
}

/// Options of `exportPolicies`.
#[derive(Debug, Default, Clone, Serialize, Deserialize, Tsify)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ExportOptions {
    /// Default effect of every definition (default `audit`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub effect: Option<ExportEffect>,
    /// Only these rule ids; default every rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub rules: Option<Vec<String>>,
    /// Also build the initiative (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub initiative: Option<bool>,
    /// Scope of the deployment template (default `subscription`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub scope: Option<ExportScope>,
}

/// Effect an export asks for.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "lowercase")]
pub enum ExportEffect {
    /// Report (`Audit`, `AuditIfNotExists`).
    Audit,
    /// Block where Azure can.
    Deny,
    /// Assign without evaluating.
    Disabled,
}

/// Where the export's ARM template deploys.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub enum ExportScope {
    /// `az deployment sub create`.
    Subscription,
    /// `az deployment mg create`.
    ManagementGroup,
}

/// Azure Policy definitions, initiative and template from the catalog.
#[derive(Debug, Clone, Serialize, Deserialize, Tsify)]
#[serde(deny_unknown_fields)]
pub struct PolicyExport {
    /// Effect used.
    pub effect: ExportEffect,
    /// Scope used.
    pub scope: ExportScope,
    /// One per exported rule, by rule id.
    pub definitions: Vec<ExportedDefinition>,
    /// The initiative, when asked for.
    pub initiative: Option<ExportedDocument>,
    /// ARM template deploying definitions (and initiative).
    pub template: ExportedDocument,
    /// Rules left out, with the reason.
    pub not_exported: Vec<NotExported>,
}

/// One policy definition.
#[derive(Debug, Clone, Serialize, Deserialize, Tsify)]
#[serde(deny_unknown_fields)]
pub struct ExportedDefinition {
    /// Source rule.
    pub rule_id: String,
    /// Definition name (stable GUID).
    pub name: String,
    /// Suggested file name.
    pub file: String,
    /// Default effect as exported.
    pub effect: String,
    /// Azure evaluates it only after deployment (reports, never blocks).
    pub evaluated_after_deployment: bool,
    /// Initiative group.
    pub group: String,
    /// What the user must know.
    pub warnings: Vec<String>,
    /// `{name, type, properties: {displayName, mode, parameters, policyRule, …}}`.
    #[tsify(type = "Record<string, unknown>")]
    pub document: Json,
}

/// A named document (initiative, template).
#[derive(Debug, Clone, Serialize, Deserialize, Tsify)]
#[serde(deny_unknown_fields)]
pub struct ExportedDocument {
    /// Resource name (GUID), or empty.
    pub name: String,
    /// Suggested file name.
    pub file: String,
    /// The document.
    #[tsify(type = "Record<string, unknown>")]
    pub document: Json,
}

/// A rule Azure Policy cannot express, and why.
#[derive(Debug, Clone, Serialize, Deserialize, Tsify)]
#[serde(deny_unknown_fields)]
pub struct NotExported {
    /// Source rule.
    pub rule_id: String,
    /// Why.
    pub reason: String,
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

    #[test]
    fn report_declaration_matches_core() {
        // Both presets of the web demo: findings of every status and severity.
        for preset in ["secure-baseline", "quickstart-public-workspace"] {
            let path = format!("{}/../web-demo/presets/{preset}.json", env!("CARGO_MANIFEST_DIR"));
            let text = std::fs::read_to_string(&path).unwrap();
            let dep = amlguard_core::deployment_from_json_text(&text, Some("design.json")).unwrap();
            let report = amlguard_core::check(&dep, &amlguard_core::CheckOptions::default());
            if preset == "quickstart-public-workspace" {
                assert!(!report.findings.is_empty());
            }
            declared_matches::<Report>(serde_json::to_value(&report).unwrap());
        }
    }

    #[test]
    fn export_declaration_matches_core() {
        let opts = amlguard_core::ExportOptions { initiative: true, ..Default::default() };
        let export = amlguard_core::export_policies(&opts).unwrap();
        assert!(!export.definitions.is_empty() && !export.not_exported.is_empty());
        declared_matches::<PolicyExport>(serde_json::to_value(&export).unwrap());
    }

    #[test]
    fn rule_declaration_matches_core() {
        assert!(amlguard_core::rules().len() > 40);
        for rule in amlguard_core::rules() {
            declared_matches::<Rule>(serde_json::to_value(rule).unwrap());
        }
    }

    #[test]
    fn evaluation_declaration_matches_core() {
        let def: amlguard_core::Value = serde_json::json!({"if": {"allOf": [
            {"field": "type", "equals": "Microsoft.Storage/storageAccounts"},
            {"field": "Microsoft.Storage/storageAccounts/allowBlobPublicAccess", "equals": true}]},
            "then": {"effect": "audit"}}).into();
        for res in [serde_json::json!({"type": "Microsoft.Storage/storageAccounts", "name": "s", "properties": {"allowBlobPublicAccess": true}}),
                    serde_json::json!({"type": "Microsoft.Storage/storageAccounts", "name": "s", "properties": {"allowBlobPublicAccess": {"$unknown": "parameter"}}})] {
            let ev = amlguard_core::evaluate_policy(&def, &res.into(), None).unwrap();
            declared_matches::<Evaluation>(serde_json::to_value(&ev).unwrap());
        }
    }
}
