//! Python bindings for amlguard: type conversion only. Every decision lives in
//! `amlguard-core`; this crate turns Python objects into [`Value`]s, calls one
//! core function, and turns the result back into Python objects. The Python
//! package `amlguard` (under `python/amlguard`) wraps these functions with the
//! public API, the `Report` class and the azure-ai-ml entity conversion.

use amlguard_core::ingest::{self as adapters, LoadOptions};
use amlguard_core::{Error as CoreError, Value};
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList};

// The extension's own allocations (parsed templates, expanded resources,
// findings) use mimalloc, as the CLI does; Python objects keep Python's
// allocator. About a third faster per check than the system allocator.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod check;
mod convert;
mod export;
mod policy_files;

pyo3::create_exception!(amlguard, Error, PyException, "Base class of every amlguard error.");
pyo3::create_exception!(amlguard, InputError, Error, "Input amlguard cannot use; the message says where.");
pyo3::create_exception!(amlguard, PolicyError, Error, "A policy definition amlguard cannot parse or evaluate.");

/// Map a core error onto the Python exception hierarchy. The message is the
/// core's own (lowercase, with file, JSON pointer and line).
pub(crate) fn to_py_err(e: &CoreError) -> PyErr {
    let message = e.to_string();
    match e {
        CoreError::Json { .. }
        | CoreError::Model { .. }
        | CoreError::Io { .. }
        | CoreError::Terraform { .. }
        | CoreError::Template(_)
        | CoreError::Suppressions { .. }
        | CoreError::Options(_)
        | CoreError::Export(_) => InputError::new_err(message),
        CoreError::Policy { .. } => PolicyError::new_err(message),
        #[allow(unreachable_patterns)]
        _ => Error::new_err(message),
    }
}

/// Read a UTF-8 file (BOM skipped) the way the CLI does: at most `max`
/// bytes, a larger (or endless) file refused without being loaded.
pub(crate) fn read_text(path: &str, max: usize) -> Result<String, CoreError> {
    amlguard_core::ingest::read_text(std::path::Path::new(path), max)
}

/// Parameters as given to `check`/`ingest`: each a path (str) to a parameters
/// file, or Python data (a plain `{name: value}` or a parameters file's content).
pub(crate) fn parameters(list: &Bound<'_, PyList>) -> PyResult<Vec<Value>> {
    let mut out = Vec::with_capacity(list.len());
    for item in list.iter() {
        if let Ok(path) = item.extract::<String>() {
            let max = amlguard_core::ingest::Limits::default().max_parameters_file_bytes;
            let text = read_text(&path, max).map_err(|e| to_py_err(&e))?;
            let value = amlguard_core::json::parse(&text).map_err(|e| to_py_err(&CoreError::json(Some(&path), e)))?;
            out.push(value);
        } else {
            out.push(convert::py_to_value(&item)?);
        }
    }
    Ok(out)
}

/// What to read, as classified by the Python layer: `("paths", [str])`, `("bytes", bytes)` (not UTF-8),
/// `("text", str)` or `("value", data)`.
pub(crate) enum Source {
    Paths(Vec<String>),
    Text(String),
    Value(Value),
}

pub(crate) fn source(kind: &str, data: &Bound<'_, PyAny>) -> PyResult<Source> {
    match kind {
        "paths" => Ok(Source::Paths(data.extract()?)),
        "text" => Ok(Source::Text(data.extract()?)),
        // Bytes that are not UTF-8: the core's decoder gives the error with its line and column.
        "bytes" => {
            let bytes = data.cast::<PyBytes>()?.as_bytes();
            let text = amlguard_core::json::decode(bytes).map_err(|e| to_py_err(&CoreError::json(None, e)))?;
            Ok(Source::Text(text.to_owned()))
        }
        "value" => Ok(Source::Value(convert::py_to_value(data)?)),
        other => Err(Error::new_err(format!("unknown source kind `{other}`"))),
    }
}

/// Load options from the template parameters given to `check`/`ingest`.
pub(crate) fn load_options(params: &Bound<'_, PyList>) -> PyResult<LoadOptions> {
    Ok(LoadOptions { parameters: parameters(params)?, ..LoadOptions::default() })
}

/// The deployment a source stands for (paths as `amlguard ingest` reads
/// them, merged when there are several).
pub(crate) fn load(src: &Source, opts: &LoadOptions) -> Result<amlguard_core::Deployment, CoreError> {
    match src {
        Source::Paths(paths) => match paths.as_slice() {
            [one] => adapters::load_path(std::path::Path::new(one), opts),
            many => {
                let mut dep = amlguard_core::Deployment::default();
                for p in many {
                    let d = adapters::load_path(std::path::Path::new(p), opts)?;
                    dep.append(d);
                }
                dep.derive_relations();
                Ok(dep)
            }
        },
        Source::Text(text) => adapters::load_text(text, None, opts),
        Source::Value(value) => adapters::load_value(value, None, opts),
    }
}

/// The expanded deployment (what `amlguard ingest` prints) as Python data.
#[pyfunction]
fn ingest(py: Python<'_>, kind: &str, data: &Bound<'_, PyAny>, params: &Bound<'_, PyList>) -> PyResult<Py<PyAny>> {
    let src = source(kind, data)?;
    let opts = load_options(params)?;
    let dep = load(&src, &opts).map_err(|e| to_py_err(&e))?;
    convert::json_to_py(py, &dep.to_json())
}

/// The expanded deployment as the pretty JSON text `amlguard ingest` prints.
#[pyfunction]
fn ingest_json(kind: &str, data: &Bound<'_, PyAny>, params: &Bound<'_, PyList>) -> PyResult<String> {
    let src = source(kind, data)?;
    let opts = load_options(params)?;
    let dep = load(&src, &opts).map_err(|e| to_py_err(&e))?;
    serde_json::to_string_pretty(&dep.to_json()).map_err(|e| Error::new_err(e.to_string()))
}

/// Evaluate one Azure Policy definition against one ARM resource, offline;
/// the core's `Evaluation` as Python data.
#[pyfunction]
#[pyo3(signature = (definition, resource, parameters=None))]
fn evaluate_policy(
    py: Python<'_>,
    definition: &Bound<'_, PyAny>,
    resource: &Bound<'_, PyAny>,
    parameters: Option<&Bound<'_, PyAny>>,
) -> PyResult<Py<PyAny>> {
    let definition = convert::py_to_value(definition)?;
    let resource = convert::py_to_value(resource)?;
    if resource.as_object().is_none() {
        return Err(InputError::new_err(format!(
            "a resource must be an object, found {}",
            resource.type_name()
        )));
    }
    let parameters = parameters.map(convert::py_to_value).transpose()?;
    if let Some(p) = &parameters {
        if p.as_object().is_none() {
            return Err(InputError::new_err(format!("parameters must be an object, found {}", p.type_name())));
        }
    }
    let evaluation =
        amlguard_core::evaluate_policy(&definition, &resource, parameters.as_ref()).map_err(|e| to_py_err(&e))?;
    let json = serde_json::to_value(&evaluation).map_err(|e| Error::new_err(e.to_string()))?;
    convert::json_to_py(py, &json)
}

/// Convert a Python object to a core `Value` and back (used by the tests of
/// the conversion itself).
#[pyfunction]
fn _roundtrip(py: Python<'_>, obj: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    let value = convert::py_to_value(obj)?;
    convert::value_to_py(py, &value)
}

/// Parse JSON text with the core reader (comments allowed) into Python objects.
#[pyfunction]
#[pyo3(signature = (text, file=None))]
fn parse_json(py: Python<'_>, text: &str, file: Option<&str>) -> PyResult<Py<PyAny>> {
    let value = amlguard_core::json::parse(text).map_err(|e| to_py_err(&CoreError::json(file, e)))?;
    convert::value_to_py(py, &value)
}

#[pymodule]
fn _amlguard(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("Error", py.get_type::<Error>())?;
    m.add("InputError", py.get_type::<InputError>())?;
    m.add("PolicyError", py.get_type::<PolicyError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(ingest, m)?)?;
    m.add_function(wrap_pyfunction!(ingest_json, m)?)?;
    m.add_function(wrap_pyfunction!(evaluate_policy, m)?)?;
    check::register(m)?;
    export::register(m)?;
    policy_files::register(m)?;
    m.add_function(wrap_pyfunction!(parse_json, m)?)?;
    m.add_function(wrap_pyfunction!(_roundtrip, m)?)?;
    Ok(())
}
