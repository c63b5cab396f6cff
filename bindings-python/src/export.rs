//! `export_policies`: the catalog as Azure Policy documents.

use crate::{convert, to_py_err, Error, InputError};
use amlguard_core::export::{ExportEffect, ExportOptions, ExportScope};
use pyo3::prelude::*;

/// Files as (relative `/` path, text).
type Files = Vec<(String, String)>;

/// The export as Python data, plus the files `amlguard export-policy`
/// writes (relative path, text) in its order.
#[pyfunction]
#[pyo3(signature = (effect="audit", rules=Vec::new(), initiative=false, scope="subscription"))]
fn export_policies(
    py: Python<'_>,
    effect: &str,
    rules: Vec<String>,
    initiative: bool,
    scope: &str,
) -> PyResult<(Py<PyAny>, Files)> {
    let options = ExportOptions {
        effect: ExportEffect::parse(effect).ok_or_else(|| InputError::new_err(format!("unknown effect `{effect}`")))?,
        rules,
        initiative,
        scope: ExportScope::parse(scope).ok_or_else(|| InputError::new_err(format!("unknown scope `{scope}`")))?,
    };
    let result = amlguard_core::export_policies(&options).map_err(|e| to_py_err(&e))?;
    let json = serde_json::to_value(&result).map_err(|e| Error::new_err(e.to_string()))?;
    let files = result.files().into_iter().map(|f| (f.path, f.contents)).collect();
    Ok((convert::json_to_py(py, &json)?, files))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(export_policies, m)?)?;
    Ok(())
}
