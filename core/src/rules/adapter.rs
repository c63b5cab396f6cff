//! The one place the catalog talks to the policy engine: evaluate a rule's
//! `policyRule` on one resource (with the deployment, for `related` counts
//! and auditIfNotExists) and reduce the engine's answer to a [`Verdict`].

use super::Rule;
use crate::model::{normalise_id, Deployment};
use crate::policy::{EvalContext, Outcome, Policy};
use crate::value::{Map, Value};
use std::collections::HashMap;
use std::sync::OnceLock;

/// The rule's condition on one resource.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// The condition holds (the resource breaks the rule), with evidence.
    Match {
        /// What the engine compared (plain JSON objects).
        evidence: Vec<Value>,
    },
    /// The condition does not hold.
    NoMatch,
    /// The condition depends on unknown values.
    Unknown {
        /// What is unknown.
        unknown: Vec<String>,
        /// What the engine compared.
        evidence: Vec<Value>,
    },
    /// The rule could not be evaluated (a bug in the rule or the engine).
    Error(String),
}

/// The rule as an Azure Policy definition (what the engine compiles).
pub fn definition(rule: &Rule) -> Value {
    let mut props = Map::new();
    props.insert("mode".into(), Value::from(rule.mode.as_deref().unwrap_or("All")));
    props.insert("parameters".into(), Value::Object(rule.parameters.clone()));
    props.insert("policyRule".into(), rule.policy_rule.clone());
    let mut def = Map::new();
    def.insert("properties".into(), Value::Object(props));
    Value::Object(def)
}

fn compile(rule: &Rule) -> Result<Policy, String> {
    Policy::parse(&definition(rule)).map_err(|e| format!("rule `{}` does not compile: {e}", rule.id))
}

/// Rule id → (the `policyRule` compiled, the compiled policy or why not).
/// The `policyRule` is the embedded catalog's own, so a rule of that catalog
/// is recognised by address without comparing the trees.
type Compiled = HashMap<String, (&'static Value, Result<Policy, String>)>;

/// Compiled policies of the embedded catalog, by id (compiled once).
fn compiled() -> &'static Compiled {
    static CACHE: OnceLock<Compiled> = OnceLock::new();
    CACHE.get_or_init(|| {
        super::Catalog::embedded()
            .rules()
            .iter()
            .map(|r| (r.id.clone(), (&r.policy_rule, compile(r))))
            .collect()
    })
}

/// Resources of `type_` that belong to resource `index`: extension resources
/// whose `scope` (or any property) points at it, whose id is under
/// `<id>/providers/`, or nested-name forms such as
/// `<parent type>/providers/diagnosticSettings` named `ws/Microsoft.Insights/x`.
fn existence_candidates(deployment: &Deployment, index: usize, type_: &str) -> Vec<Value> {
    let Some(me) = deployment.resources.get(index) else { return Vec::new() };
    let own = normalise_id(me.id());
    let leaf = type_.rsplit('/').next().unwrap_or(type_).to_ascii_lowercase();
    let nested_type = format!("{}/providers/{leaf}", me.type_().to_ascii_lowercase());
    deployment
        .resources
        .iter()
        .enumerate()
        .filter(|(i, r)| {
            let t = r.type_().to_ascii_lowercase();
            let same_type = t == type_.to_ascii_lowercase() || t == nested_type;
            same_type
                && (deployment.relations.iter().any(|rel| rel.from == *i && rel.to == index)
                    || normalise_id(r.id()).starts_with(&format!("{own}/providers/"))
                    || (t == nested_type && r.name().to_ascii_lowercase().starts_with(&format!("{}/", me.name().to_ascii_lowercase()))))
        })
        .map(|(_, r)| r.value.clone())
        .collect()
}

/// Evaluate `rule` on resource `index` of `deployment`.
pub fn evaluate(rule: &Rule, index: usize, deployment: &Deployment, params: &Map) -> Verdict {
    let Some(resource) = deployment.resources.get(index) else { return Verdict::NoMatch };
    let fresh;
    let policy = match compiled().get(&rule.id) {
        Some((pr, p)) if std::ptr::eq(*pr, &rule.policy_rule) || **pr == rule.policy_rule => p,
        _ => {
            fresh = compile(rule);
            &fresh
        }
    };
    let policy = match policy {
        Ok(p) => p,
        Err(e) => return Verdict::Error(e.clone()),
    };
    let details_type = rule
        .policy_rule
        .get("then")
        .and_then(|t| t.get("details"))
        .and_then(|d| d.get("type"))
        .and_then(Value::as_str);
    let related = details_type.map(|t| existence_candidates(deployment, index, t));
    let mut ctx = EvalContext::for_resource(deployment, index);
    ctx.related = related.as_deref();
    let ev = policy.evaluate(&resource.value, params, &ctx);
    // Evidence is converted only for the verdicts that carry it.
    let evidence = |ev: &crate::policy::Evaluation| -> Vec<Value> {
        ev.evidence.iter().filter_map(|e| serde_json::to_value(e).ok()).map(Value::from).collect()
    };
    match ev.outcome {
        Outcome::NoMatch => Verdict::NoMatch,
        Outcome::Unknown => {
            let evidence = evidence(&ev);
            Verdict::Unknown { unknown: ev.unknown, evidence }
        }
        Outcome::Match => Verdict::Match { evidence: evidence(&ev) },
    }
}

/// A short parenthesised description of the evidence for messages:
/// ` (properties.publicNetworkAccess is "Enabled")`.
pub fn describe(evidence: &[Value]) -> String {
    let parts: Vec<String> = evidence
        .iter()
        .filter(|e| e.get("result").and_then(Value::as_str) == Some("true"))
        .filter_map(|e| {
            let what = e.get("path").or_else(|| e.get("field")).and_then(Value::as_str)?;
            if what.eq_ignore_ascii_case("count") {
                let n = e.get("value").map(ToString::to_string).unwrap_or_default();
                let op = e.get("operator").and_then(Value::as_str).unwrap_or_default();
                let exp = e.get("expected").map(ToString::to_string).unwrap_or_default();
                return Some(format!("{n} matching item(s) where the rule wants {op} {exp}"));
            }
            if what.eq_ignore_ascii_case("type") || what.starts_with('[') {
                return None;
            }
            let value = match e.get("value") {
                None | Some(Value::Null) => "absent".to_owned(),
                Some(v) => v.to_string(),
            };
            Some(format!("`{what}` is {value}"))
        })
        .take(3)
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join("; "))
    }
}
