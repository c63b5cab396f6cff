//! amlguard checks Azure Machine Learning deployments against enterprise
//! security best practice before they are deployed.
//!
//! The pipeline: an input (ARM template, Terraform, azure-ai-ml entity, plain
//! resource list) is ingested into a [`Deployment`] of ARM-shaped resources;
//! rules written in Azure Policy's own `policyRule` grammar are evaluated over
//! it with three-valued logic (a value not knowable before deployment is
//! [`Value::Unknown`]); the result is a report of findings.

pub mod error;
pub mod export;
pub mod ingest;
pub mod json;
pub mod model;
pub mod policy;
pub mod report;
pub mod rules;
pub mod simulate;
pub mod value;

pub use error::Error;
pub use model::{Deployment, Provenance, Relation, Resource};
pub use value::{Map, Unknown, Value};

pub use report::{Finding, Report};
pub use rules::{CheckOptions, Rule, Severity};

/// Run the rule catalog over a deployment (Azure defaults simulated unless
/// `options.simulate` is false). Never fails on a valid deployment: what
/// cannot be decided becomes an indeterminate finding.
pub fn check(deployment: &Deployment, options: &CheckOptions) -> Report {
    rules::check(deployment, options)
}

/// The embedded rules, sorted by id.
pub fn rules() -> &'static [Rule] {
    rules::Catalog::embedded().rules()
}

/// One rule by id (case-insensitive).
pub fn explain(id: &str) -> Option<&'static Rule> {
    rules::Catalog::embedded().get(id)
}

/// Read a plain resource list (a JSON array of ARM resources, one resource,
/// or `{"resources": [...]}`) into a [`Deployment`]. `file` names the source
/// in errors and provenance.
pub fn deployment_from_json_text(text: &str, file: Option<&str>) -> Result<Deployment, Error> {
    let doc = json::parse(text).map_err(|e| Error::json(file, e))?;
    Deployment::from_resources(&doc, file, Some(text))
        .map_err(|source| Error::Model { file: file.map(str::to_owned), source })
}

/// Evaluate one Azure Policy definition (full definition, `{policyRule}` or
/// bare rule) against one ARM-shaped resource, offline. `parameters` is a
/// plain `{name: value}` object or an ARM parameters file
/// (`{"parameters": {name: {"value": v}}}`); a parameter with neither a value
/// nor a default is unknown.
pub fn evaluate_policy(
    definition: &Value,
    resource: &Value,
    parameters: Option<&Value>,
) -> Result<policy::Evaluation, Error> {
    let p = policy::Policy::parse(definition).map_err(|source| Error::Policy { file: None, source })?;
    let params = parameters.map(policy::parameter_values).unwrap_or_default();
    Ok(p.evaluate(resource, &params, &policy::EvalContext::default()))
}
