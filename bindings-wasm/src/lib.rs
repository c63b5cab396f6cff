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
    let dep = load(&doc, file, text.as_deref(), opts.template_parameters.as_ref())?;
    to_js(&dep)
}

/// Check a design (ARM template, resource list, Terraform plan JSON; text or
/// object) against the rule catalog. Findings are values; only input that
/// cannot be read throws.
#[wasm_bindgen(unchecked_return_type = "Report")]
pub fn check(
    #[wasm_bindgen(unchecked_param_type = "string | object")] input: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "CheckOptions")] options: Option<JsValue>,
) -> Result<JsValue, JsValue> {
    let report = run_check(&input, options.as_ref())?;
    to_js(&report)
}

/// Like `check`, as a SARIF 2.1.0 log (a plain object, ready for
/// `JSON.stringify` and GitHub code scanning).
#[wasm_bindgen(unchecked_return_type = "Record<string, unknown>")]
pub fn sarif(
    #[wasm_bindgen(unchecked_param_type = "string | object")] input: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "CheckOptions")] options: Option<JsValue>,
) -> Result<JsValue, JsValue> {
    let report = run_check(&input, options.as_ref())?;
    js_sys::JSON::parse(&report.to_sarif())
}

/// Every rule of the catalog, sorted by id.
#[wasm_bindgen(unchecked_return_type = "Rule[]")]
pub fn rules() -> Result<JsValue, JsValue> {
    to_js(amlguard_core::rules())
}

/// One rule by id (case-insensitive), or `undefined` when there is none.
#[wasm_bindgen(unchecked_return_type = "Rule | undefined")]
pub fn explain(id: &str) -> Result<JsValue, JsValue> {
    match amlguard_core::explain(id) {
        Some(rule) => to_js(rule),
        None => Ok(JsValue::UNDEFINED),
    }
}

/// Evaluate any Azure Policy definition (full definition, `{policyRule}` or
/// bare `{if, then}`) against one ARM-shaped resource, offline. `parameters`
/// is `{name: value}` or an ARM parameters file. A definition that does not
/// parse throws with its location.
#[wasm_bindgen(js_name = "evaluatePolicy", unchecked_return_type = "Evaluation")]
pub fn evaluate_policy(
    #[wasm_bindgen(unchecked_param_type = "string | object")] definition: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string | object")] resource: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "Record<string, unknown>")] parameters: Option<JsValue>,
) -> Result<JsValue, JsValue> {
    let (definition, _) = read_input(&definition, Some("definition"))?;
    let (resource, _) = read_input(&resource, Some("resource"))?;
    let parameters = match parameters.filter(|p| !p.is_undefined() && !p.is_null()) {
        Some(p) => Some(read_input(&p, Some("parameters"))?.0),
        None => None,
    };
    let evaluation = amlguard_core::evaluate_policy(&definition, &resource, parameters.as_ref())
        .map_err(|e| to_js_error(&e))?;
    to_js(&evaluation)
}

fn run_check(input: &JsValue, options: Option<&JsValue>) -> Result<amlguard_core::Report, JsValue> {
    let opts: types::CheckOptions = options_from(options)?;
    let file = opts.file.as_deref();
    let (doc, text) = read_input(input, file)?;
    let dep = load(&doc, file, text.as_deref(), opts.template_parameters.as_ref())?;
    let mut core_opts = amlguard_core::CheckOptions {
        rules: opts.rules.unwrap_or_default(),
        skip: opts.skip.unwrap_or_default(),
        ..amlguard_core::CheckOptions::default()
    };
    if let Some(p) = opts.parameters {
        match Value::from_json(&p) {
            Value::Object(m) => core_opts.parameters = m,
            other => return Err(plain_error(&format!("invalid options: `parameters` must be an object, found {}", other.type_name()))),
        }
    }
    if let Some(simulate) = opts.simulate {
        core_opts.simulate = simulate;
    }
    for s in opts.suppressions.unwrap_or_default() {
        core_opts.suppressions.push(amlguard_core::rules::FileSuppression {
            id: s.id,
            resource: s.resource,
            justification: s.justification,
            source: "options.suppressions".to_owned(),
        });
    }
    core_opts.validate().map_err(|e| to_js_error(&e))?;
    Ok(amlguard_core::check(&dep, &core_opts))
}

/// A document (ARM template, resource list, Terraform plan; format detected
/// from content) as a deployment. The text, when there is one, gives lines.
fn load(
    doc: &Value,
    file: Option<&str>,
    text: Option<&str>,
    template_parameters: Option<&serde_json::Value>,
) -> Result<amlguard_core::Deployment, JsValue> {
    let opts = amlguard_core::ingest::LoadOptions {
        parameters: template_parameters.map(Value::from_json).into_iter().collect(),
        ..Default::default()
    };
    match text {
        Some(t) => amlguard_core::ingest::load_text(t, file, &opts),
        None => amlguard_core::ingest::load_value(doc, file, &opts),
    }
    .map_err(|e| to_js_error(&e))
}

/// Azure Policy definitions, an initiative and a deployment template for the
/// rule catalog, as plain documents (rules Azure Policy cannot express are
/// listed in `not_exported` with the reason).
#[wasm_bindgen(js_name = "exportPolicies", unchecked_return_type = "PolicyExport")]
pub fn export_policies(
    #[wasm_bindgen(unchecked_optional_param_type = "ExportOptions")] options: Option<JsValue>,
) -> Result<JsValue, JsValue> {
    let opts: types::ExportOptions = options_from(options.as_ref())?;
    let core_opts = amlguard_core::ExportOptions {
        effect: match opts.effect {
            None | Some(types::ExportEffect::Audit) => amlguard_core::export::ExportEffect::Audit,
            Some(types::ExportEffect::Deny) => amlguard_core::export::ExportEffect::Deny,
            Some(types::ExportEffect::Disabled) => amlguard_core::export::ExportEffect::Disabled,
        },
        rules: opts.rules.unwrap_or_default(),
        initiative: opts.initiative.unwrap_or(true),
        scope: match opts.scope {
            None | Some(types::ExportScope::Subscription) => amlguard_core::export::ExportScope::Subscription,
            Some(types::ExportScope::ManagementGroup) => amlguard_core::export::ExportScope::ManagementGroup,
        },
    };
    let export = amlguard_core::export_policies(&core_opts).map_err(|e| to_js_error(&e))?;
    to_js(&export)
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
    // Through JSON text: a reader of JS objects that fills only the declared
    // fields of a struct would let unknown keys pass unnoticed. The text is read with
    // core's JSON reader and deserialised from the value, so serde_json's
    // text deserializer stays out of the module (size).
    let text: String = js_sys::JSON::stringify(options)
        .map_err(|e| plain_error(&format!("invalid options: {}", js_message(&e))))?
        .into();
    let doc = json::parse(&text).map_err(|e| plain_error(&format!("invalid options: {e}")))?;
    serde_json::from_value(doc.to_json()).map_err(|e| plain_error(&format!("invalid options: {e}")))
}

/// Serialise any core value to a plain JS value (objects, not `Map`s): as
/// JSON text, read back by the engine's `JSON.parse`. One serializer per type
/// (serde_json's, which core links anyway) instead of a second one that builds
/// JS objects field by field: a smaller module, and the same objects.
pub(crate) fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    let text = serde_json::to_string(value).map_err(|e| plain_error(&format!("cannot convert the result: {e}")))?;
    js_sys::JSON::parse(&text)
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
