//! Azure Policy engine: parse definitions, resolve aliases, evaluate conditions with three-valued logic.
//!
//! A definition is compiled once ([`Policy::parse`]) and evaluated many times
//! ([`Policy::evaluate`]) without re-parsing, re-compiling patterns, or
//! cloning the resource. A condition that needs a [`Value::Unknown`] is
//! unknown; [`Evaluation::unknown`] says which value and why.
//!
//! Beyond Azure's grammar there is one extension, the cross-resource
//! `related` count with the `source()` function (docs/design.md).

mod aliases;
pub(crate) use aliases::EMBEDDED as EMBEDDED_ALIASES;
mod eval;
mod expr;
mod functions;
mod netfn;
pub(crate) mod operators;
mod parse;
pub mod path;

pub use aliases::{Alias, AliasCatalog};
pub use parse::{parameter_values, Policy};

use crate::model::Deployment;
use crate::value::{Map, Value};
use serde::Serialize;

/// A definition that cannot be used, with the JSON pointer of the offending node.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} (at `{pointer}`)")]
pub struct PolicyError {
    /// JSON pointer into the definition (or alias catalog).
    pub pointer: String,
    /// What is wrong, lowercase.
    pub message: String,
}

impl PolicyError {
    /// An error at `pointer`.
    pub fn at(pointer: &str, message: impl Into<String>) -> Self {
        PolicyError { pointer: if pointer.is_empty() { "/".to_owned() } else { pointer.to_owned() }, message: message.into() }
    }
}

/// What an evaluation may use besides the resource.
#[derive(Debug, Clone, Copy)]
pub struct EvalContext<'a> {
    /// Alias catalog for aliases not resolved when the policy was compiled.
    pub aliases: &'a AliasCatalog,
    /// The deployment the resource belongs to (for `related` counts and
    /// existence checks of auditIfNotExists / deployIfNotExists).
    pub deployment: Option<&'a Deployment>,
    /// Index of the evaluated resource in `deployment.resources`.
    pub resource_index: Option<usize>,
    /// Candidate related resources supplied by the caller for existence
    /// checks (takes precedence over searching `deployment`).
    pub related: Option<&'a [Value]>,
    /// The API version of the request (else the resource's `apiVersion`).
    pub api_version: Option<&'a str>,
    /// Values the host knows, as an object with any of `resourceGroup`,
    /// `subscription`, `requestContext`, `policy`: they override the
    /// placeholders `resourceGroup()`, `subscription()`, `requestContext()`
    /// and `policy()` return.
    pub host: Option<&'a Value>,
}

impl Default for EvalContext<'_> {
    fn default() -> Self {
        EvalContext {
            aliases: AliasCatalog::embedded(),
            deployment: None,
            resource_index: None,
            related: None,
            api_version: None,
            host: None,
        }
    }
}

impl<'a> EvalContext<'a> {
    /// A context for resource `index` of `deployment`.
    pub fn for_resource(deployment: &'a Deployment, index: usize) -> Self {
        EvalContext { deployment: Some(deployment), resource_index: Some(index), ..EvalContext::default() }
    }
}

/// Whether the `if` held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Outcome {
    /// The condition is true (the effect applies).
    #[serde(rename = "match")]
    Match,
    /// The condition is false (or the policy is disabled, or an existence
    /// condition is satisfied).
    #[serde(rename = "nomatch")]
    NoMatch,
    /// The condition depends on an unknown value.
    #[serde(rename = "unknown")]
    Unknown,
}

/// One condition that contributed to the outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    /// The `field` as written (or `value`, `count`).
    pub field: String,
    /// The property path read, when the field is a path or alias.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The value found (`None`: the property does not exist).
    pub value: Option<Value>,
    /// The operator.
    pub operator: String,
    /// The operand.
    pub expected: Value,
    /// `true`, `false` or `unknown`.
    pub result: String,
}

/// The result of evaluating a policy against one resource.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// The effect, lower-case, when the `if` holds (None when false or unknown).
    pub effect: Option<String>,
    /// Whether the `if` held.
    pub outcome: Outcome,
    /// `then.details` with expressions evaluated, when the effect applies.
    pub details: Option<Value>,
    /// What was unknown (field or parameter and the reason).
    pub unknown: Vec<String>,
    /// The conditions that decided.
    pub evidence: Vec<Evidence>,
}

impl Policy {
    /// Evaluate against one ARM-shaped resource. `parameters` maps names to
    /// values (declared defaults fill the rest; a parameter with neither is
    /// unknown).
    pub fn evaluate(&self, resource: &Value, parameters: &Map, ctx: &EvalContext<'_>) -> Evaluation {
        eval::evaluate(self, resource, parameters, ctx, eval::Keep::All)
    }

    /// [`Policy::evaluate`] for callers that only report matches: a
    /// `NoMatch` evaluation comes back without evidence.
    /// `keep_match`: whether a `Match` keeps its evidence (a rule whose
    /// named check decides what a match means drops it).
    pub(crate) fn evaluate_quiet(&self, resource: &Value, parameters: &Map, ctx: &EvalContext<'_>, keep_match: bool) -> Evaluation {
        eval::evaluate(self, resource, parameters, ctx, if keep_match { eval::Keep::NotNoMatch } else { eval::Keep::Unknown })
    }
}

/// Evaluate one template expression (`"[concat('a', parameters('p'))]"`, or
/// a literal string) against a resource, with parameter values and the
/// parameter defaults of `policy` if given. An unknown input gives
/// [`Value::Unknown`]; an expression that cannot be evaluated is an error
/// message.
pub fn evaluate_expression(
    text: &str,
    resource: &Value,
    parameters: &Map,
    policy: Option<&Policy>,
    ctx: &EvalContext<'_>,
) -> Result<Value, String> {
    let t = expr::Tmpl::compile(&Value::String(text.to_owned()))?;
    let fallback;
    let p = match policy {
        Some(p) => p,
        None => {
            let rule: Value = Value::Object(
                [
                    ("if".to_owned(), Value::Object([("value".to_owned(), Value::Bool(true)), ("equals".to_owned(), Value::Bool(true))].into_iter().collect())),
                    ("then".to_owned(), Value::Object([("effect".to_owned(), Value::from("audit"))].into_iter().collect())),
                ]
                .into_iter()
                .collect(),
            );
            fallback = Policy::parse_with(&rule, ctx.aliases).map_err(|e| e.to_string())?;
            &fallback
        }
    };
    eval::eval_template(p, &t, resource, parameters, ctx)
}

#[cfg(test)]
mod tests;
