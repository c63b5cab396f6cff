//! Python objects ↔ [`Value`], by hand (no JSON strings in between).
//!
//! Python → Value: `None`, `bool`, `int`, `float`, `str`, `dict` (string
//! keys), `list` and `tuple`. A dict that is exactly `{"$unknown": reason}`
//! becomes [`Value::Unknown`], the same convention as the core's JSON form, so
//! values round-trip. Anything else, a non-string key, a NaN or infinite float,
//! or nesting deeper than the JSON reader's limit is an `InputError` naming the
//! JSON pointer of the offending element.

use crate::InputError;
use amlguard_core::json::{push_pointer, DEFAULT_MAX_DEPTH};
use amlguard_core::value::UNKNOWN_KEY;
use amlguard_core::{Map, Value};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

/// Convert a Python object to a [`Value`].
pub fn py_to_value(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    to_value(obj, "", 0)
}

/// The pointer for a message: "the top level" for the root, long pointers
/// shortened to their last 80 bytes (on a character boundary).
fn at(pointer: &str) -> String {
    if pointer.is_empty() {
        return "the top level".to_owned();
    }
    let mut start = pointer.len().saturating_sub(80);
    while !pointer.is_char_boundary(start) {
        start = start.saturating_add(1);
    }
    match pointer.get(start..) {
        Some(tail) if start > 0 => format!("…{tail}"),
        _ => pointer.to_owned(),
    }
}

fn to_value(obj: &Bound<'_, PyAny>, pointer: &str, depth: usize) -> PyResult<Value> {
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.is_instance_of::<PyInt>() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Value::Int(i));
        }
        // Beyond 64 bits: a float, as the JSON reader does for such literals.
        return match obj.extract::<f64>() {
            Ok(f) if f.is_finite() => Ok(Value::Float(f)),
            _ => Err(InputError::new_err(format!("integer too large at `{}`", at(pointer)))),
        };
    }
    if obj.is_instance_of::<PyFloat>() {
        let f: f64 = obj.extract()?;
        if !f.is_finite() {
            return Err(InputError::new_err(format!(
                "`{f}` is not a JSON number at `{}`",
                at(pointer)
            )));
        }
        return Ok(Value::Float(f));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(s.to_cow()?.into_owned()));
    }
    let depth = depth.saturating_add(1);
    if depth > DEFAULT_MAX_DEPTH {
        return Err(InputError::new_err(format!(
            "nesting deeper than {DEFAULT_MAX_DEPTH} levels at `{}`",
            at(pointer)
        )));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut map = Map::with_capacity(d.len());
        for (k, v) in d.iter() {
            let key = match k.cast::<PyString>() {
                Ok(s) => s.to_cow()?.into_owned(),
                Err(_) => {
                    let shown = k.repr().map(|r| r.to_string()).unwrap_or_default();
                    return Err(InputError::new_err(format!(
                        "object key {shown} at `{}` is not a string",
                        at(pointer)
                    )));
                }
            };
            let child = push_pointer(pointer, &key);
            let value = to_value(&v, &child, depth)?;
            map.insert(key, value);
        }
        if map.len() == 1 {
            if let Some(Value::String(reason)) = map.get(UNKNOWN_KEY) {
                return Ok(Value::unknown(reason.clone()));
            }
        }
        return Ok(Value::Object(map));
    }
    let items: Vec<Bound<'_, PyAny>> = if let Ok(l) = obj.cast::<PyList>() {
        l.iter().collect()
    } else if let Ok(t) = obj.cast::<PyTuple>() {
        t.iter().collect()
    } else {
        let type_name = obj.get_type().name().map(|n| n.to_string()).unwrap_or_default();
        return Err(InputError::new_err(format!(
            "cannot convert a `{type_name}` at `{}` (expected dict, list, str, int, float, bool or None)",
            at(pointer)
        )));
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let child = push_pointer(pointer, &i.to_string());
        out.push(to_value(item, &child, depth)?);
    }
    Ok(Value::Array(out))
}

/// Convert a [`Value`] to Python objects; an unknown becomes
/// `{"$unknown": reason}`.
pub fn value_to_py(py: Python<'_>, value: &Value) -> PyResult<Py<PyAny>> {
    Ok(match value {
        Value::Null => py.None(),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any().unbind(),
        Value::Int(i) => i.into_pyobject(py)?.into_any().unbind(),
        Value::Float(f) => PyFloat::new(py, *f).into_any().unbind(),
        Value::String(s) => PyString::new(py, s).into_any().unbind(),
        Value::Array(a) => {
            let list = PyList::empty(py);
            for v in a {
                list.append(value_to_py(py, v)?)?;
            }
            list.into_any().unbind()
        }
        Value::Object(m) => {
            let dict = PyDict::new(py);
            for (k, v) in m {
                dict.set_item(k, value_to_py(py, v)?)?;
            }
            dict.into_any().unbind()
        }
        Value::Unknown(u) => {
            let dict = PyDict::new(py);
            dict.set_item(UNKNOWN_KEY, &u.reason)?;
            dict.into_any().unbind()
        }
    })
}

/// Convert plain JSON (as the core's `to_json` methods return) to Python.
pub fn json_to_py(py: Python<'_>, json: &serde_json::Value) -> PyResult<Py<PyAny>> {
    value_to_py(py, &Value::from_json(json))
}
