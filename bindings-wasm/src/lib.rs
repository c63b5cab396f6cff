//! WebAssembly bindings for amlguard: plain JavaScript objects in, plain
//! objects out. Each exported function converts its arguments, calls one core
//! function and converts the result; nothing here decides anything.
//!
//! - Inputs may be a JSON text (line and column then appear in errors and
//!   findings) or any JSON-compatible object.
//! - Findings and other domain outcomes are returned as values. Input that
//!   cannot be used at all throws a JavaScript `Error` whose message says where
//!   (`line`, `column` and `pointer` are also set on the error when known).
//! - Nothing panics on bad input, so the module stays usable after any error.
//!
//! The TypeScript declarations of the returned shapes are generated from the
//! types in [`types`]; a test checks that they describe exactly what core
//! serialises.

use amlguard_core::{json, Error, Value};
use serde::Serialize;
use wasm_bindgen::prelude::*;

pub mod types;

/// Version of the package (the workspace version).
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// Read a template, resource list or Terraform plan into ARM-shaped resources
/// with their relations, as the checker sees them (what the web demo draws).
#[wasm_bindgen(unchecked_return_type = "Deployment")]
pub fn ingest(
    #[wasm_bindgen(unchecked_param_type = "string | object")] input: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "IngestOptions")] options: Option<JsValue>,
) -> Result<JsValue, JsValue> {
    let opts: types::IngestOptions = options_from(options.as_ref())?;
    let file = opts.file.as_deref();
    let (doc, text) = read_input(&input, file)?;
    let dep = amlguard_core::Deployment::from_resources(&doc, file, text.as_deref())
        .map_err(|source| Error::Model { file: file.map(str::to_owned), source })
        .map_err(|e| to_js_error(&e))?;
    to_js(&dep)
}

/// Parse `input` (a JSON text, or an object passed through `JSON.stringify`
/// so that cycles, `BigInt` and excessive depth become errors instead of
/// traps). Returns the value and, for text input, the text for provenance.
pub(crate) fn read_input(input: &JsValue, file: Option<&str>) -> Result<(Value, Option<String>), JsValue> {
    let text = match input.as_string() {
        Some(t) => t,
        None => {
            if input.is_undefined() || input.is_null() {
                return Err(plain_error("input is missing: pass a JSON text or an object"));
            }
            let s = js_sys::JSON::stringify(input)
                .map_err(|e| plain_error(&format!("input cannot be read as JSON: {}", js_message(&e))))?;
            let s: String = s.into();
            let doc = json::parse(&s).map_err(|e| to_js_error(&Error::json(file, e)))?;
            return Ok((doc, None));
        }
    };
    let doc = json::parse(&text).map_err(|e| to_js_error(&Error::json(file, e)))?;
    Ok((doc, Some(text)))
}

/// Options objects are small: `undefined`/`null` means defaults; anything
/// else must match the declared shape (unknown keys are refused so a typo in
/// an option name is not silently ignored).
pub(crate) fn options_from<T: serde::de::DeserializeOwned + Default>(options: Option<&JsValue>) -> Result<T, JsValue> {
    let Some(options) = options.filter(|o| !o.is_undefined() && !o.is_null()) else {
        return Ok(T::default());
    };
    // Through JSON text: serde-wasm-bindgen reads only the declared fields of
    // a struct, so unknown keys would pass unnoticed.
    let text: String = js_sys::JSON::stringify(options)
        .map_err(|e| plain_error(&format!("invalid options: {}", js_message(&e))))?
        .into();
    serde_json::from_str(&text).map_err(|e| plain_error(&format!("invalid options: {e}")))
}

/// Serialise any core value to a plain JS value (objects, not `Map`s).
pub(crate) fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| plain_error(&format!("cannot convert the result: {e}")))
}

/// A JS `Error` with the message.
pub(crate) fn plain_error(message: &str) -> JsValue {
    js_sys::Error::new(message).into()
}

/// A JS `Error` for a core error: its message (which says where), plus
/// `line`, `column` and `pointer` properties when the error has them.
pub(crate) fn to_js_error(e: &Error) -> JsValue {
    let err = js_sys::Error::new(&e.to_string());
    if let Error::Json { source, .. } = e {
        // Reflect::set only fails on frozen objects; a fresh Error is not.
        let _ = js_sys::Reflect::set(&err, &"line".into(), &source.position.line.into());
        let _ = js_sys::Reflect::set(&err, &"column".into(), &source.position.column.into());
        let _ = js_sys::Reflect::set(&err, &"pointer".into(), &source.pointer.as_str().into());
    }
    err.into()
}

fn js_message(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "unknown error".to_owned())
}
