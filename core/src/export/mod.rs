//! Export of the rule catalog as Azure Policy: one policy definition per
//! exportable rule, an initiative (policy set definition) grouping them by
//! area, and an ARM template deploying both at subscription or management
//! group scope. `amlguard export-policy` writes [`PolicyExport::files`].
//!
//! A rule's condition is already Azure Policy's `policyRule`, so exporting is
//! a structural wrap: the effect becomes a parameter whose default is the
//! effect asked for, the rule's own parameters are kept, and the definition
//! gets a stable name (a UUID v5 of the rule id, see [`guid`]). Two kinds of
//! rule need more:
//!
//! - rules with a named Rust `check` cannot be exported; they are listed in
//!   [`PolicyExport::not_exported`] with the reason;
//! - cross-resource rules (the `related` count of docs/design.md) become
//!   `auditIfNotExists` with an `existenceCondition` when their shape is
//!   "no related resource of type T (satisfying W) points to this one"
//!   (see [`cross`]); any other shape is not exported, with the reason.
//!
//! Azure evaluates `auditIfNotExists` only after a resource is deployed, so
//! such a rule cannot deny a deployment: asking for `deny` exports it with
//! `AuditIfNotExists` and says so in [`ExportedDefinition::warnings`].

mod aliases;
mod cross;
mod definition;
mod files;
pub mod guid;
mod initiative;
mod template;

pub use aliases::AliasIndex;
pub use files::ExportFile;

use crate::value::{Map, Value};
use serde::Serialize;

/// Category of every exported definition and of the initiative.
pub const CATEGORY: &str = "Machine Learning";

/// Version written into `metadata.version` (the amlguard version).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The effect an export asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportEffect {
    /// Report non-compliant resources (`Audit`, or `AuditIfNotExists` for
    /// cross-resource rules).
    #[default]
    Audit,
    /// Block non-compliant deployments where Azure can (`Deny`).
    Deny,
    /// Assign but do not evaluate.
    Disabled,
}

impl ExportEffect {
    /// Parse `audit`, `deny` or `disabled` (any case).
    pub fn parse(s: &str) -> Option<ExportEffect> {
        [ExportEffect::Audit, ExportEffect::Deny, ExportEffect::Disabled]
            .into_iter()
            .find(|e| e.as_str().eq_ignore_ascii_case(s))
    }

    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ExportEffect::Audit => "audit",
            ExportEffect::Deny => "deny",
            ExportEffect::Disabled => "disabled",
        }
    }
}

/// Where the generated ARM template deploys definitions and initiative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ExportScope {
    /// `az deployment sub create`.
    #[default]
    Subscription,
    /// `az deployment mg create`.
    ManagementGroup,
}

impl ExportScope {
    /// Parse `subscription` or `managementGroup` (any case; `mg` accepted).
    pub fn parse(s: &str) -> Option<ExportScope> {
        if s.eq_ignore_ascii_case("subscription") || s.eq_ignore_ascii_case("sub") {
            Some(ExportScope::Subscription)
        } else if s.eq_ignore_ascii_case("managementGroup") || s.eq_ignore_ascii_case("mg") {
            Some(ExportScope::ManagementGroup)
        } else {
            None
        }
    }

    /// `subscription` or `managementGroup`.
    pub fn as_str(self) -> &'static str {
        match self {
            ExportScope::Subscription => "subscription",
            ExportScope::ManagementGroup => "managementGroup",
        }
    }
}

/// What to export.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportOptions {
    /// Default of every definition's `effect` parameter.
    pub effect: ExportEffect,
    /// Only these rule ids (case-insensitive); empty means every rule.
    pub rules: Vec<String>,
    /// Also build the initiative (and deploy it in the template).
    pub initiative: bool,
    /// Scope of the ARM template.
    pub scope: ExportScope,
}

/// The part of a rule the exporter reads. The catalog's `Rule` converts into
/// it; tests build it directly.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportRule {
    /// `AML-NET-001`.
    pub id: String,
    /// Good state, used as display name.
    pub title: String,
    /// One sentence; the definition's description.
    pub summary: String,
    /// `low` … `critical` (kept in metadata).
    pub severity: String,
    /// Area slug (`network`, `identity`, …): the initiative group.
    pub area: String,
    /// Azure Policy parameter definitions, `effect` included.
    pub parameters: Map,
    /// Azure Policy mode, when the rule fixes it.
    pub mode: Option<String>,
    /// `{if, then}`.
    pub policy_rule: Value,
    /// Named Rust check: the rule is then not exportable.
    pub check: Option<String>,
    /// Why the rule needs its check.
    pub check_reason: Option<String>,
}

/// One exported policy definition.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportedDefinition {
    /// Source rule.
    pub rule_id: String,
    /// Definition name (stable GUID).
    pub name: String,
    /// File under the output folder (`definitions/<rule id>.json`).
    pub file: String,
    /// Default of the `effect` parameter as exported (`Audit`, `Deny`,
    /// `AuditIfNotExists`, `Disabled`).
    pub effect: String,
    /// Azure evaluates this definition only after deployment
    /// (`auditIfNotExists`): it can report, never block.
    pub evaluated_after_deployment: bool,
    /// Initiative group (the rule's area).
    pub group: String,
    /// Anything the user must know (effect downgraded, lookup scope, …).
    pub warnings: Vec<String>,
    /// The definition: `{name, type, properties: {displayName, policyType,
    /// mode, description, metadata, parameters, policyRule}}`.
    pub document: serde_json::Value,
}

/// A rule that could not be exported, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotExported {
    /// Source rule.
    pub rule_id: String,
    /// Why Azure Policy cannot express it.
    pub reason: String,
}

/// A named JSON document (initiative, template).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportedDocument {
    /// Resource name (GUID) when the document is a resource, else empty.
    pub name: String,
    /// File under the output folder.
    pub file: String,
    /// The document.
    pub document: serde_json::Value,
}

/// Everything an export produces, as plain documents.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicyExport {
    /// Options used.
    pub effect: ExportEffect,
    /// Options used.
    pub scope: ExportScope,
    /// One per exported rule, sorted by rule id.
    pub definitions: Vec<ExportedDefinition>,
    /// The initiative, when asked for.
    pub initiative: Option<ExportedDocument>,
    /// ARM template deploying the definitions (and the initiative).
    pub template: ExportedDocument,
    /// Rules left out, with the reason, sorted by rule id.
    pub not_exported: Vec<NotExported>,
}

impl PolicyExport {
    /// Every warning, as `(rule id, message)`.
    pub fn warnings(&self) -> Vec<(&str, &str)> {
        self.definitions
            .iter()
            .flat_map(|d| d.warnings.iter().map(move |w| (d.rule_id.as_str(), w.as_str())))
            .collect()
    }

    /// The files to write under the output folder (relative `/` paths, JSON
    /// text with a final newline), in a stable order.
    pub fn files(&self) -> Vec<ExportFile> {
        files::files(self)
    }
}

/// Why an export could not be made at all (a rule that cannot be exported
/// is not an error: it is listed in [`PolicyExport::not_exported`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// `--rules` named a rule the catalog does not have.
    #[error("unknown rule `{id}` (see `amlguard rules`)")]
    UnknownRule {
        /// As given.
        id: String,
    },
    /// Nothing was selected.
    #[error("no rule selected")]
    NoRules,
}

impl From<&crate::rules::Rule> for ExportRule {
    fn from(r: &crate::rules::Rule) -> ExportRule {
        ExportRule {
            id: r.id.clone(),
            title: r.title.clone(),
            summary: r.summary.clone(),
            severity: r.severity.as_str().to_owned(),
            area: r.area.folder().to_owned(),
            parameters: r.parameters.clone(),
            mode: r.mode.clone(),
            policy_rule: r.policy_rule.clone(),
            check: r.check.clone(),
            check_reason: r.check_reason.clone(),
        }
    }
}

/// Export the embedded rule catalog as Azure Policy (definitions, initiative,
/// ARM template, and the list of rules left out). The documents are plain
/// JSON; [`PolicyExport::files`] lays them out as `export-policy` writes them.
pub fn export_policies(options: &ExportOptions) -> Result<PolicyExport, crate::Error> {
    let rules: Vec<ExportRule> = crate::rules::Catalog::embedded().rules().iter().map(ExportRule::from).collect();
    Ok(export_rules(&rules, options, embedded_aliases())?)
}

/// Why `rule` cannot be exported as Azure Policy, or None when it can
/// (cross-resource rules included when they convert to auditIfNotExists).
/// The catalog's `Rule::exportable` can use this to agree with the export.
pub fn not_exported_reason(rule: &crate::rules::Rule) -> Option<String> {
    definition::build(&ExportRule::from(rule), ExportEffect::Audit, embedded_aliases()).err()
}

/// The alias index of the embedded alias catalog (`core/data/aliases.json`,
/// the file the policy engine embeds).
pub fn embedded_aliases() -> &'static AliasIndex {
    static INDEX: std::sync::OnceLock<AliasIndex> = std::sync::OnceLock::new();
    INDEX.get_or_init(|| {
        crate::json::parse(crate::policy::EMBEDDED_ALIASES)
            .map(|doc| AliasIndex::from_json(&doc))
            .unwrap_or_default()
    })
}

/// Export `rules` (filtered by `options.rules`). `aliases` serves the
/// cross-resource conversion (a relation path becomes an alias).
pub fn export_rules(
    rules: &[ExportRule],
    options: &ExportOptions,
    aliases: &AliasIndex,
) -> Result<PolicyExport, ExportError> {
    for wanted in &options.rules {
        if !rules.iter().any(|r| r.id.eq_ignore_ascii_case(wanted)) {
            return Err(ExportError::UnknownRule { id: wanted.clone() });
        }
    }
    let mut selected: Vec<&ExportRule> = rules
        .iter()
        .filter(|r| options.rules.is_empty() || options.rules.iter().any(|w| w.eq_ignore_ascii_case(&r.id)))
        .collect();
    if selected.is_empty() {
        return Err(ExportError::NoRules);
    }
    crate::order::sort_by(&mut selected, |a, b| a.id.cmp(&b.id));

    let mut definitions = Vec::new();
    let mut not_exported = Vec::new();
    for rule in selected {
        match definition::build(rule, options.effect, aliases) {
            Ok(d) => definitions.push(d),
            Err(reason) => not_exported.push(NotExported { rule_id: rule.id.clone(), reason }),
        }
    }
    let initiative = if options.initiative && !definitions.is_empty() {
        Some(initiative::build(&definitions, options.scope))
    } else {
        None
    };
    let template = template::build(&definitions, initiative.as_ref(), options.scope);
    Ok(PolicyExport { effect: options.effect, scope: options.scope, definitions, initiative, template, not_exported })
}

/// Display name of an initiative group (rule area).
pub fn area_title(area: &str) -> String {
    match area {
        "network" => "Network isolation".to_owned(),
        "identity" => "Identity and access".to_owned(),
        "data" => "Data protection".to_owned(),
        "monitoring" => "Logging and monitoring".to_owned(),
        "compute" => "Compute".to_owned(),
        "supply-chain" => "Supply chain".to_owned(),
        other => {
            let mut c = other.chars();
            match c.next() {
                Some(f) => crate::case::upper_char(f).chain(c).collect::<String>().replace('-', " "),
                None => String::new(),
            }
        }
    }
}
