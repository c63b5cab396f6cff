//! One rule → one policy definition document.

use super::{cross, guid, AliasIndex, ExportEffect, ExportRule, ExportedDefinition, CATEGORY, VERSION};
use serde_json::{json, Map as JsonMap, Value as Json};
use std::sync::OnceLock;

/// Azure's limits on definition text fields.
const DISPLAY_NAME_MAX: usize = 128;
const DESCRIPTION_MAX: usize = 512;

/// The effect parameter reference every exported rule uses.
pub(super) const EFFECT_REF: &str = "[parameters('effect')]";

/// Build the definition of `rule`, or the reason it cannot be exported.
pub(super) fn build(rule: &ExportRule, wanted: ExportEffect, aliases: &AliasIndex) -> Result<ExportedDefinition, String> {
    if let Some(check) = &rule.check {
        return Err(format!(
            "needs the Rust check `{check}` ({}), which Azure Policy cannot run",
            rule.check_reason.as_deref().unwrap_or("logic the policy grammar cannot express").trim_end_matches('.')
        ));
    }
    let mut warnings = Vec::new();
    let source_rule = rule.policy_rule.to_json();
    let converted = contains_key(&source_rule, "related", 0);
    let mut policy_rule = if converted {
        let c = cross::convert(&source_rule, aliases)?;
        warnings.extend(c.warnings);
        c.policy_rule
    } else {
        source_rule
    };
    if contains_source_function(&policy_rule, 0) {
        return Err("uses the amlguard function `source()` outside a `related` count".to_owned());
    }
    if policy_rule.get("if").is_none() || policy_rule.get("then").and_then(Json::as_object).is_none() {
        return Err("`policyRule` needs `if` and `then`".to_owned());
    }
    let after_deployment = is_after_deployment(&policy_rule);

    // Effect: always the parameter, with the default asked for (or the
    // closest the rule allows, with a warning).
    let rule_effect = rule.parameters.get("effect").map(|v| v.to_json());
    let allowed = allowed_effects(rule_effect.as_ref(), after_deployment);
    let (effect, warning) = choose_effect(&allowed, wanted, after_deployment);
    warnings.extend(warning);
    if let Some(then) = policy_rule.get_mut("then").and_then(Json::as_object_mut) {
        then.insert("effect".to_owned(), Json::from(EFFECT_REF));
    }

    let mut parameters = JsonMap::new();
    let mut effect_def = match rule_effect {
        Some(Json::Object(m)) => m,
        _ => JsonMap::new(),
    };
    effect_def.insert("type".to_owned(), json!("String"));
    effect_def.insert("allowedValues".to_owned(), Json::Array(allowed.iter().map(|s| Json::from(s.as_str())).collect()));
    effect_def.insert("defaultValue".to_owned(), Json::from(effect.as_str()));
    if converted {
        // The rule's own text speaks of Audit/Deny; the export does not offer them.
        effect_def.remove("metadata");
    }
    effect_def.entry("metadata").or_insert_with(|| {
        let description = if after_deployment {
            "AuditIfNotExists reports resources without a compliant related resource (after deployment); Disabled turns the rule off."
        } else {
            "Audit reports, Deny blocks the deployment, Disabled turns the rule off."
        };
        json!({"displayName": "Effect", "description": description})
    });
    parameters.insert("effect".to_owned(), Json::Object(effect_def));
    for (name, def) in &rule.parameters {
        if !name.eq_ignore_ascii_case("effect") {
            parameters.insert(name.clone(), def.to_json());
        }
    }

    let mode = rule.mode.clone().unwrap_or_else(|| infer_mode(&policy_rule));
    let name = guid::definition_name(&rule.id);
    let display_name = truncate(&rule.title, DISPLAY_NAME_MAX);
    let description = truncate(&format!("{}. Exported from amlguard rule {}.", rule.summary.trim_end_matches('.'), rule.id), DESCRIPTION_MAX);
    let document = json!({
        "name": name,
        "type": "Microsoft.Authorization/policyDefinitions",
        "properties": {
            "displayName": display_name,
            "policyType": "Custom",
            "mode": mode,
            "description": description,
            "metadata": {
                "category": CATEGORY,
                "version": VERSION,
                "amlguardRuleId": rule.id,
                "amlguardSeverity": rule.severity,
                "amlguardArea": rule.area,
            },
            "parameters": parameters,
            "policyRule": policy_rule,
        }
    });
    Ok(ExportedDefinition {
        rule_id: rule.id.clone(),
        file: format!("definitions/{}.json", rule.id),
        name,
        effect,
        evaluated_after_deployment: after_deployment,
        group: rule.area.clone(),
        warnings,
        document,
    })
}

/// `auditIfNotExists` / `deployIfNotExists`: `then.details` names a related
/// resource type.
fn is_after_deployment(policy_rule: &Json) -> bool {
    let then = policy_rule.get("then");
    let effect = then.and_then(|t| t.get("effect")).and_then(Json::as_str).unwrap_or("");
    effect.eq_ignore_ascii_case("auditIfNotExists")
        || effect.eq_ignore_ascii_case("deployIfNotExists")
        || then
            .and_then(|t| t.get("details"))
            .is_some_and(|d| d.get("type").is_some() || d.get("existenceCondition").is_some())
}

fn allowed_effects(rule_effect: Option<&Json>, after_deployment: bool) -> Vec<String> {
    let from_rule: Vec<String> = rule_effect
        .and_then(|e| e.get("allowedValues"))
        .and_then(Json::as_array)
        .map(|a| a.iter().filter_map(Json::as_str).map(str::to_owned).collect())
        .unwrap_or_default();
    let usable = |e: &String| {
        let post = e.eq_ignore_ascii_case("AuditIfNotExists") || e.eq_ignore_ascii_case("DeployIfNotExists");
        let plain = e.eq_ignore_ascii_case("Audit") || e.eq_ignore_ascii_case("Deny");
        e.eq_ignore_ascii_case("Disabled") || if after_deployment { post } else { plain }
    };
    let mut allowed: Vec<String> = from_rule.into_iter().filter(usable).collect();
    if allowed.iter().all(|e| e.eq_ignore_ascii_case("Disabled")) {
        allowed = if after_deployment {
            vec!["AuditIfNotExists".to_owned(), "Disabled".to_owned()]
        } else {
            vec!["Audit".to_owned(), "Deny".to_owned(), "Disabled".to_owned()]
        };
    }
    if !allowed.iter().any(|e| e.eq_ignore_ascii_case("Disabled")) {
        allowed.push("Disabled".to_owned());
    }
    allowed
}

/// The default effect for `wanted` among `allowed`, and a warning when it
/// is not what was asked for.
fn choose_effect(allowed: &[String], wanted: ExportEffect, after_deployment: bool) -> (String, Option<String>) {
    let find = |name: &str| allowed.iter().find(|e| e.eq_ignore_ascii_case(name)).cloned();
    match wanted {
        ExportEffect::Disabled => (find("Disabled").unwrap_or_else(|| "Disabled".to_owned()), None),
        ExportEffect::Audit if after_deployment => {
            (find("AuditIfNotExists").or_else(|| find("DeployIfNotExists")).unwrap_or_else(|| "AuditIfNotExists".to_owned()), None)
        }
        ExportEffect::Audit => (find("Audit").unwrap_or_else(|| "Audit".to_owned()), None),
        ExportEffect::Deny if after_deployment => {
            let e = find("AuditIfNotExists").or_else(|| find("DeployIfNotExists")).unwrap_or_else(|| "AuditIfNotExists".to_owned());
            let w = format!(
                "deny requested, but Azure evaluates this rule only after deployment ({e}): it reports non-compliant resources and cannot block a deployment; exported with `{e}`"
            );
            (e, Some(w))
        }
        ExportEffect::Deny => match find("Deny") {
            Some(e) => (e, None),
            None => {
                let e = find("Audit").unwrap_or_else(|| "Audit".to_owned());
                let w = format!(
                    "deny requested, but the rule allows only {} (a deny would fail deployments Azure completes later, e.g. a private endpoint created after the workspace); exported with `{e}`",
                    allowed.join(", ")
                );
                (e, Some(w))
            }
        },
    }
}

/// Types the `if` targets at its top level (`field: type` equals / in,
/// directly or as `allOf` / `anyOf` members), or None when it does not say.
pub(super) fn targeted_types(cond: &Json) -> Option<Vec<String>> {
    if cond.get("field").and_then(Json::as_str).is_some_and(|f| f.eq_ignore_ascii_case("type")) {
        if let Some(t) = cond.get("equals").and_then(Json::as_str) {
            return Some(vec![t.to_owned()]);
        }
        if let Some(a) = cond.get("in").and_then(Json::as_array) {
            return Some(a.iter().filter_map(Json::as_str).map(str::to_owned).collect());
        }
        return None;
    }
    if let Some(items) = cond.get("allOf").and_then(Json::as_array) {
        // Any conjunct that fixes the type fixes it for the whole.
        return items.iter().find_map(targeted_types);
    }
    if let Some(items) = cond.get("anyOf").and_then(Json::as_array) {
        let mut all = Vec::new();
        for i in items {
            all.extend(targeted_types(i)?);
        }
        return Some(all);
    }
    None
}

fn indexed_types() -> &'static [String] {
    static TYPES: OnceLock<Vec<String>> = OnceLock::new();
    TYPES.get_or_init(|| {
        crate::json::parse(include_str!("../../data/policy-modes.json"))
            .ok()
            .and_then(|d| {
                d.get("indexed").and_then(crate::value::Value::as_array).map(|a| {
                    a.iter().filter_map(crate::value::Value::as_str).map(str::to_ascii_lowercase).collect()
                })
            })
            .unwrap_or_default()
    })
}

/// `Indexed` when every targeted type supports tags and location, else `All`.
pub(super) fn infer_mode(policy_rule: &Json) -> String {
    let indexed = indexed_types();
    match policy_rule.get("if").and_then(targeted_types) {
        Some(types) if !types.is_empty() && types.iter().all(|t| indexed.contains(&t.to_ascii_lowercase())) => {
            "Indexed".to_owned()
        }
        _ => "All".to_owned(),
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

pub(super) fn contains_key(v: &Json, key: &str, depth: usize) -> bool {
    if depth > 128 {
        return true;
    }
    match v {
        Json::Object(m) => m.iter().any(|(k, v)| k.eq_ignore_ascii_case(key) || contains_key(v, key, depth.saturating_add(1))),
        Json::Array(a) => a.iter().any(|v| contains_key(v, key, depth.saturating_add(1))),
        _ => false,
    }
}

fn contains_source_function(v: &Json, depth: usize) -> bool {
    if depth > 128 {
        return true;
    }
    match v {
        Json::String(s) => s.starts_with('[') && s.to_ascii_lowercase().contains("source("),
        Json::Object(m) => m.values().any(|v| contains_source_function(v, depth.saturating_add(1))),
        Json::Array(a) => a.iter().any(|v| contains_source_function(v, depth.saturating_add(1))),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_follow_the_targeted_types() {
        let ws = json!({"if": {"allOf": [{"field": "type", "equals": "Microsoft.MachineLearningServices/workspaces"}]}});
        assert_eq!(infer_mode(&ws), "Indexed");
        let cmp = json!({"if": {"field": "type", "equals": "Microsoft.MachineLearningServices/workspaces/computes"}});
        assert_eq!(infer_mode(&cmp), "All");
        let mixed = json!({"if": {"field": "type", "in": ["Microsoft.Storage/storageAccounts", "Microsoft.Insights/diagnosticSettings"]}});
        assert_eq!(infer_mode(&mixed), "All");
        let none = json!({"if": {"field": "location", "equals": "x"}});
        assert_eq!(infer_mode(&none), "All");
    }

    #[test]
    fn deny_falls_back_with_a_warning() {
        let allowed = vec!["Audit".to_owned(), "Disabled".to_owned()];
        let (e, w) = choose_effect(&allowed, ExportEffect::Deny, false);
        assert_eq!(e, "Audit");
        assert!(w.is_some_and(|w| w.contains("allows only Audit, Disabled")));
        let (e, w) = choose_effect(&["AuditIfNotExists".to_owned(), "Disabled".to_owned()], ExportEffect::Deny, true);
        assert_eq!(e, "AuditIfNotExists");
        assert!(w.is_some_and(|w| w.contains("only after deployment")));
    }

    #[test]
    fn long_titles_are_cut_to_azure_limits() {
        let t = truncate(&"x".repeat(300), DISPLAY_NAME_MAX);
        assert_eq!(t.chars().count(), DISPLAY_NAME_MAX);
    }
}
