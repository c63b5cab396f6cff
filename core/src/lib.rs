//! amlguard checks Azure Machine Learning deployments against enterprise
//! security best practice before they are deployed.
//!
//! The pipeline: an input (ARM template, Terraform, azure-ai-ml entity, plain
//! resource list) is ingested into a [`Deployment`] of ARM-shaped resources;
//! rules written in Azure Policy's own `policyRule` grammar are evaluated over
//! it with three-valued logic (a value not knowable before deployment is
//! [`Value::Unknown`]); the result is a report of findings.

pub(crate) mod case;
pub mod error;
pub mod export;
pub mod ingest;
pub mod json;
pub mod model;
pub(crate) mod order;
pub mod policy;
pub mod report;
pub mod rules;
pub mod simulate;
pub(crate) mod template_fns;
pub mod value;

pub use error::Error;
pub use export::{export_policies, ExportOptions, PolicyExport};
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

/// Load one path with [`ingest::load_path`] (ARM templates, resource lists,
/// Terraform folders, `.tf` files and plan JSON, detected by extension and
/// content).
fn load_any(path: &std::path::Path, load: &ingest::LoadOptions) -> Result<Deployment, Error> {
    ingest::load_path(path, load)
}

/// `.amlguard.json` beside a file input or inside a folder input.
fn discovered_suppressions(path: &std::path::Path) -> Result<Vec<rules::FileSuppression>, Error> {
    let dir = if path.is_dir() { Some(path) } else { path.parent() };
    let file = match dir {
        Some(d) if !d.as_os_str().is_empty() => d.join(".amlguard.json"),
        _ => std::path::PathBuf::from(".amlguard.json"),
    };
    if !file.is_file() {
        return Ok(Vec::new());
    }
    let shown = file.display().to_string();
    let text = ingest::read_text(&file, ingest::MAX_OTHER_FILE_BYTES)?;
    rules::parse_suppressions(&text, &shown).map_err(|message| Error::Suppressions { file: shown, message })
}

/// Check files and folders (ARM templates with their sibling parameters
/// files, resource lists, Terraform folders or plan JSON), merged into one
/// deployment so cross-resource rules see everything. `.amlguard.json`
/// beside each input adds suppressions. Errors are for unusable input only.
pub fn check_path(paths: &[&std::path::Path], load: &ingest::LoadOptions, options: &CheckOptions) -> Result<Report, Error> {
    let mut dep = Deployment::default();
    let mut opts = options.clone();
    for p in paths {
        let d = load_any(p, load)?;
        dep.append(d);
        for s in discovered_suppressions(p)? {
            if !opts.suppressions.contains(&s) {
                opts.suppressions.push(s);
            }
        }
    }
    dep.derive_relations();
    Ok(rules::check_owned(rules::Catalog::embedded(), dep, &opts))
}

/// Check a document given as text (format detected from content; JSON with
/// comments accepted). `file` names it in findings and errors.
pub fn check_text(text: &str, file: Option<&str>, load: &ingest::LoadOptions, options: &CheckOptions) -> Result<Report, Error> {
    let dep = ingest::load_text(text, file, load)?;
    Ok(rules::check_owned(rules::Catalog::embedded(), dep, options))
}

/// Check a parsed document (ARM template, resource list, one resource, or
/// Terraform plan JSON).
pub fn check_value(doc: &Value, load: &ingest::LoadOptions, options: &CheckOptions) -> Result<Report, Error> {
    let dep = ingest::load_value(doc, None, load)?;
    Ok(rules::check_owned(rules::Catalog::embedded(), dep, options))
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

/// The regex engine: `regex`, or `regex-lite` in the `slim` (browser) build
/// (same syntax without Unicode classes; a smaller binary).
#[cfg(not(feature = "slim"))]
pub(crate) use regex as re;
#[cfg(feature = "slim")]
pub(crate) use regex_lite as re;
