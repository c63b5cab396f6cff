//! `check`, `rules`, `explain`: the rule catalog and reports.

use crate::{convert, load_options, read_text, source, to_py_err, Error, InputError, Source};
use amlguard_core::report::Report;
use amlguard_core::rules::{self as catalog, CheckOptions, Severity};
use amlguard_core::Value;
use amlguard_core::ingest::MAX_OTHER_FILE_BYTES;
use pyo3::prelude::*;
use pyo3::types::PyList;

/// A report from the core with the threshold it was made with. Renderers are
/// the core's, so every front end prints the same bytes.
#[pyclass(frozen, module = "amlguard._amlguard", name = "_Report")]
pub struct PyReport {
    report: Report,
    fail_on: Severity,
}

#[pymethods]
impl PyReport {
    fn to_json(&self) -> String {
        self.report.to_json()
    }
    fn to_sarif(&self) -> String {
        self.report.to_sarif()
    }
    fn to_text(&self) -> String {
        self.report.to_text()
    }
    fn to_markdown(&self) -> String {
        self.report.to_markdown()
    }
    fn to_html(&self) -> String {
        self.report.to_html()
    }
    /// The report as Python data (the JSON report's shape).
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let json = serde_json::to_value(&self.report).map_err(|e| Error::new_err(e.to_string()))?;
        convert::json_to_py(py, &json)
    }
    /// 1 when an active failing finding is at or above `fail_on`, else 0.
    fn exit_code(&self) -> i32 {
        self.report.exit_code(self.fail_on)
    }
    #[getter]
    fn fail_on(&self) -> &'static str {
        self.fail_on.as_str()
    }
}

/// Run the catalog over a source. `kind`/`data` as for `ingest`; `params`
/// template parameters; `rule_parameters` a dict or a path.
#[pyfunction]
#[pyo3(signature = (kind, data, params, rules, skip, fail_on="low", rule_parameters=None, suppressions=Vec::new(), simulate=true))]
#[allow(clippy::too_many_arguments)]
fn check(
    py: Python<'_>,
    kind: &str,
    data: &Bound<'_, PyAny>,
    params: &Bound<'_, PyList>,
    rules: Vec<String>,
    skip: Vec<String>,
    fail_on: &str,
    rule_parameters: Option<&Bound<'_, PyAny>>,
    suppressions: Vec<String>,
    simulate: bool,
) -> PyResult<PyReport> {
    let fail_on = Severity::parse(fail_on).ok_or_else(|| {
        InputError::new_err(format!("unknown severity `{fail_on}` (expected low, medium, high or critical)"))
    })?;
    let src = source(kind, data)?;
    let load = load_options(params)?;
    let mut options = CheckOptions { rules, skip, fail_on, simulate, ..CheckOptions::default() };
    // `.amlguard.json` beside path inputs is read by the core (`check_path`).
    for f in suppressions {
        let text = read_text(&f, MAX_OTHER_FILE_BYTES).map_err(|e| to_py_err(&e))?;
        let parsed = catalog::parse_suppressions(&text, &f).map_err(InputError::new_err)?;
        options.suppressions.extend(parsed);
    }
    if let Some(rp) = rule_parameters {
        let (value, where_) = if let Ok(path) = rp.extract::<String>() {
            let text = read_text(&path, MAX_OTHER_FILE_BYTES).map_err(|e| to_py_err(&e))?;
            let v = amlguard_core::json::parse(&text)
                .map_err(|e| to_py_err(&amlguard_core::Error::json(Some(&path), e)))?;
            (v, path)
        } else {
            (convert::py_to_value(rp)?, "rule_parameters".to_owned())
        };
        match value {
            Value::Object(m) => options.parameters = m,
            _ => return Err(InputError::new_err(format!("{where_}: rule parameters must be a JSON object"))),
        }
    }
    options.validate().map_err(|e| to_py_err(&e))?;
    // The check itself runs without the GIL: other Python threads (a notebook
    // UI, a web server) keep going while a large deployment is checked.
    let report = py
        .detach(|| match &src {
            Source::Paths(paths) => {
                let refs: Vec<&std::path::Path> = paths.iter().map(std::path::Path::new).collect();
                amlguard_core::check_path(&refs, &load, &options)
            }
            Source::Text(text) => amlguard_core::check_text(text, None, &load, &options),
            Source::Value(value) => amlguard_core::check_value(value, &load, &options),
        })
        .map_err(|e| to_py_err(&e))?;
    Ok(PyReport { report, fail_on })
}

fn to_py<T: serde::Serialize>(py: Python<'_>, v: &T) -> PyResult<Py<PyAny>> {
    let json = serde_json::to_value(v).map_err(|e| Error::new_err(e.to_string()))?;
    convert::json_to_py(py, &json)
}

/// Every rule, as Python data, in catalog order.
#[pyfunction]
fn rules(py: Python<'_>) -> PyResult<Py<PyAny>> {
    to_py(py, &amlguard_core::rules())
}

/// The catalog as the pretty JSON `amlguard rules --format json` prints.
#[pyfunction]
fn rules_json() -> PyResult<String> {
    serde_json::to_string_pretty(amlguard_core::rules()).map_err(|e| Error::new_err(e.to_string()))
}

/// One rule by id (case-insensitive), or None.
#[pyfunction]
fn explain(py: Python<'_>, id: &str) -> PyResult<Option<Py<PyAny>>> {
    amlguard_core::explain(id).map(|r| to_py(py, r)).transpose()
}

/// One rule's documentation page (Markdown), as `amlguard explain` prints it.
#[pyfunction]
fn explain_markdown(id: &str) -> PyResult<String> {
    amlguard_core::explain(id)
        .map(catalog::doc::markdown)
        .ok_or_else(|| InputError::new_err(format!("no rule `{id}` (see `amlguard rules`)")))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyReport>()?;
    m.add_function(wrap_pyfunction!(check, m)?)?;
    m.add_function(wrap_pyfunction!(rules, m)?)?;
    m.add_function(wrap_pyfunction!(rules_json, m)?)?;
    m.add_function(wrap_pyfunction!(explain, m)?)?;
    m.add_function(wrap_pyfunction!(explain_markdown, m)?)?;
    Ok(())
}
