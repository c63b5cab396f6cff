//! The one place the catalog talks to the policy engine: evaluate a rule's
//! `policyRule` on one resource (with the deployment, for `related` counts
//! and auditIfNotExists) and reduce the engine's answer to a [`Verdict`].

use super::Rule;
use crate::model::Deployment;
use crate::value::{Map, Value};

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

/// Evaluate `rule` on resource `index` of `deployment`.
pub fn evaluate(_rule: &Rule, _index: usize, _deployment: &Deployment, _params: &Map) -> Verdict {
    Verdict::Error("the policy engine is not part of this build yet".to_owned())
}

/// A short parenthesised description of the evidence for messages:
/// ` (properties.publicNetworkAccess is "Enabled")`.
pub fn describe(evidence: &[Value]) -> String {
    let parts: Vec<String> = evidence
        .iter()
        .filter(|e| e.get("result").and_then(Value::as_bool) != Some(false))
        .filter_map(|e| {
            let what = e.get("path").or_else(|| e.get("field")).and_then(Value::as_str)?;
            let value = e.get("value").map_or_else(|| "absent".to_owned(), ToString::to_string);
            Some(format!("{what} is {value}"))
        })
        .take(3)
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join("; "))
    }
}
