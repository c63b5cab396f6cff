//! ARM template ingestion: expressions, copy loops, nested deployments.
//!
//! [`expand_template`] turns a template (plus parameter values) into a
//! [`Deployment`]: parameters, variables and user functions are evaluated
//! lazily, resources expanded (copy, condition, child resources, extension
//! scopes, symbolic names), nested deployments followed (inline templates,
//! linked templates by `relativePath`). Values that only exist at deployment
//! time are [`Value::Unknown`] with the reason. A resource that cannot be
//! expanded becomes an error [`crate::model::Diagnostic`]; the rest still
//! ingest.

pub mod error;
mod eval;
pub mod expr;
mod functions;
pub mod hash;
pub mod limits;
mod nested;
mod secrets;
mod template;

pub use error::{ErrorKind, TemplateError};
pub use limits::Limits;
pub use template::Source;

use crate::model::Deployment;
use crate::value::{Map, Value};
use eval::{DeploymentInfo, Evaluator, OutputTable};
use template::Settings;

/// `environment()` in the public cloud (data file, see its header).
pub fn environment() -> Value {
    environment_ref().clone()
}

/// [`environment`], not copied (`environment().x` reads one member).
pub(crate) fn environment_ref() -> &'static Value {
    static TEXT: &str = include_str!("../../../data/arm-environment.json");
    static PARSED: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    PARSED.get_or_init(|| crate::json::parse(TEXT).ok().and_then(|v| v.get("value").cloned()).unwrap_or(Value::Null))
}

/// `true` if the document looks like an ARM deployment template.
pub fn is_template(doc: &Value) -> bool {
    let schema = doc.get_ci("$schema").and_then(Value::as_str).unwrap_or_default().to_ascii_lowercase();
    if schema.contains("deploymenttemplate") {
        return true;
    }
    if schema.contains("deploymentparameters") {
        return false;
    }
    doc.get_ci("resources").is_some()
        && (doc.get_ci("contentVersion").is_some() || doc.get_ci("parameters").is_some() || doc.get_ci("variables").is_some())
}

/// `true` if the document is an ARM parameters file.
pub fn is_parameters_file(doc: &Value) -> bool {
    let schema = doc.get_ci("$schema").and_then(Value::as_str).unwrap_or_default().to_ascii_lowercase();
    schema.contains("deploymentparameters")
}

/// Parameter values from parameters documents: ARM parameters files
/// (`{"parameters": {name: {"value": v}}}`; a key vault `reference` becomes
/// unknown) or plain `{name: value}` objects. Later documents win.
pub fn parameter_values(docs: &[Value]) -> Map {
    let mut out = Map::new();
    for d in docs {
        let arm = d
            .get_ci("parameters")
            .and_then(Value::as_object)
            .filter(|m| is_parameters_file(d) || m.values().all(|v| v.get_ci("value").is_some() || v.get_ci("reference").is_some()));
        match (arm, d) {
            (Some(m), _) => {
                for (k, v) in m {
                    let val = match v.get_ci("value") {
                        Some(x) => x.clone(),
                        None => Value::unknown(format!("parameter `{k}` is a key vault secret reference")),
                    };
                    out.insert(k.clone(), val);
                }
            }
            (None, Value::Object(m)) => {
                for (k, v) in m {
                    if !k.starts_with('$') {
                        out.insert(k.clone(), v.clone());
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// The deployment name used for `deployment().name` at the top level: the
/// template file's stem, as `az deployment group create` names it.
fn deployment_name(file: Option<&str>) -> String {
    file.and_then(|f| std::path::Path::new(f).file_stem().and_then(|s| s.to_str()).map(str::to_owned))
        .unwrap_or_else(|| "deployment".to_owned())
}

/// `file:///abs/path` for a template file that exists on disk. A template
/// deployed from a URL sees that URL in `deployment().properties.templateLink.uri`;
/// a local file is the same thing for linked templates next to it.
pub(crate) fn file_uri(file: &str) -> Option<String> {
    let abs = std::fs::canonicalize(file).ok()?;
    let s = abs.to_str()?.replace('\\', "/");
    Some(if s.starts_with('/') { format!("file://{s}") } else { format!("file:///{s}") })
}

/// Expand a template into `dep` (resources and diagnostics appended;
/// relations are not derived here). `params` are the supplied values.
pub fn expand_into(
    dep: &mut Deployment,
    doc: &Value,
    src: &Source<'_>,
    params: Map,
    limits: &Limits,
) -> Result<(), TemplateError> {
    let info = DeploymentInfo {
        scope: std::rc::Rc::new(dep.scope.clone()),
        name: deployment_name(src.file.as_deref()).into(),
        template_uri: src.file.as_deref().and_then(file_uri).map(Into::into),
    };
    let shared = template::Shared::default();
    let set = Settings { limits, depth: 0, shared: &shared, outputs_only: false };
    let (sink, _outputs) = nested::expand(doc, src, "", params, info, &set)?;
    for (v, p) in sink.resources {
        dep.resources.push(crate::model::Resource::new(v, p));
    }
    dep.diagnostics.extend(sink.diagnostics);
    dep.secret_outputs.extend(sink.secret_outputs);
    Ok(())
}

/// Drop `existing` references whose id is also deployed in `dep` (the
/// deployed resource is the one rules and relations should see); the
/// references that remain stand for resources outside the deployment.
pub fn drop_shadowed_existing(dep: &mut Deployment) {
    // (Most deployments reference nothing `existing`: no id set to build.)
    if !dep.resources.iter().any(|r| r.value.get("existing") == Some(&Value::Bool(true))) {
        return;
    }
    let deployed: std::collections::HashSet<String> = dep
        .resources
        .iter()
        .filter(|r| r.value.get("existing") != Some(&Value::Bool(true)))
        .map(|r| crate::model::normalise_id(r.id()))
        .filter(|id| !id.is_empty())
        .collect();
    dep.resources.retain(|r| {
        r.value.get("existing") != Some(&Value::Bool(true)) || !deployed.contains(&crate::model::normalise_id(r.id()))
    });
}

/// Expand one template into a new [`Deployment`] with relations derived.
pub fn expand_template(doc: &Value, src: &Source<'_>, params: Map, limits: &Limits) -> Result<Deployment, TemplateError> {
    let mut dep = Deployment::default();
    expand_into(&mut dep, doc, src, params, limits)?;
    drop_shadowed_existing(&mut dep);
    dep.derive_relations();
    Ok(dep)
}

/// Evaluate one expression string (with or without the outer brackets)
/// against an empty template in the placeholder scope. For tests and tools.
pub fn evaluate_expression(text: &str) -> Result<Value, TemplateError> {
    let limits = Limits::default();
    let table = OutputTable::default();
    let info = DeploymentInfo { scope: std::rc::Rc::default(), name: "deployment".into(), template_uri: None };
    let mut ev = Evaluator::new(info, &limits, &table);
    let src = if text.starts_with('[') { text.to_owned() } else { format!("[{text}]") };
    ev.string(&src).map_err(|e| TemplateError::place(e, None, None, ""))
}

#[cfg(test)]
mod tests;
