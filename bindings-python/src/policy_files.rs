//! `policy eval` on files, for `python -m amlguard policy eval`: the same
//! reading, messages and pretty JSON as the CLI command.

use crate::{read_text, to_py_err, InputError, PolicyError};
use amlguard_core::policy::{parameter_values, AliasCatalog, EvalContext, Policy};
use amlguard_core::Value;
use amlguard_core::ingest::MAX_OTHER_FILE_BYTES;
use pyo3::prelude::*;

fn read_json(path: &str) -> PyResult<Value> {
    let text = read_text(path, MAX_OTHER_FILE_BYTES).map_err(|e| to_py_err(&e))?;
    let v = amlguard_core::json::parse(&text).map_err(|e| InputError::new_err(format!("{path}: {e}")))?;
    // `{"$unknown": reason}` (what `amlguard ingest` writes) is an unknown again.
    Ok(Value::from_json(&v.to_json()))
}

/// Evaluate a definition file against a resource file (one object or an
/// array); the pretty JSON `amlguard policy eval` prints.
#[pyfunction]
#[pyo3(signature = (definition, resource, parameters=None, aliases=None))]
fn policy_eval_files(
    definition: &str,
    resource: &str,
    parameters: Option<&str>,
    aliases: Option<&str>,
) -> PyResult<String> {
    let mut catalog = AliasCatalog::embedded().clone();
    if let Some(p) = aliases {
        let extra = AliasCatalog::from_json(&read_json(p)?).map_err(|e| PolicyError::new_err(format!("{p}: {e}")))?;
        catalog.merge(&extra);
    }
    let def = read_json(definition)?;
    let policy = Policy::parse_with(&def, &catalog).map_err(|e| PolicyError::new_err(format!("{definition}: {e}")))?;
    let params = match parameters {
        Some(p) => {
            let v = read_json(p)?;
            if v.as_object().is_none() {
                return Err(InputError::new_err(format!("{p}: parameters must be a JSON object")));
            }
            parameter_values(&v)
        }
        None => Default::default(),
    };
    let resources = read_json(resource)?;
    let ctx = EvalContext { aliases: &catalog, ..EvalContext::default() };
    let one = |r: &Value| -> PyResult<serde_json::Value> {
        if r.as_object().is_none() {
            return Err(InputError::new_err(format!("{resource}: a resource must be a JSON object")));
        }
        serde_json::to_value(policy.evaluate(r, &params, &ctx)).map_err(|e| crate::Error::new_err(e.to_string()))
    };
    let out = match &resources {
        Value::Array(items) => serde_json::Value::Array(items.iter().map(one).collect::<PyResult<_>>()?),
        single => one(single)?,
    };
    serde_json::to_string_pretty(&out).map_err(|e| crate::Error::new_err(e.to_string()))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(policy_eval_files, m)?)?;
    Ok(())
}
