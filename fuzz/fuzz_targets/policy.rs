//! Policy definition parsing and evaluation, plus template expressions.
//! Input: a JSON document `{"policy": definition, "resource": {...},
//! "parameters": {...}, "expr": "[...]"}`; a bare definition is used with an
//! empty resource.
#![no_main]

use amlguard_core::policy::{evaluate_expression, EvalContext, Policy};
use amlguard_core::{json, Map, Value};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = json::parse_bytes(data) else { return };
    let (def, resource, params, expr) = match doc.get("policy") {
        Some(p) => (
            p.clone(),
            doc.get("resource").cloned().unwrap_or_else(|| Value::Object(Map::new())),
            doc.get("parameters").cloned(),
            doc.get("expr").and_then(Value::as_str).map(str::to_owned),
        ),
        None => (doc.clone(), Value::Object(Map::new()), None, None),
    };
    let ctx = EvalContext::default();
    let params = params.as_ref().map(amlguard_core::policy::parameter_values).unwrap_or_default();
    if let Ok(p) = Policy::parse(&def) {
        let e = p.evaluate(&resource, &params, &ctx);
        let _ = serde_json::to_string(&e);
        if let Some(x) = &expr {
            let _ = evaluate_expression(x, &resource, &params, Some(&p), &ctx);
        }
    } else if let Some(x) = &expr {
        let _ = evaluate_expression(x, &resource, &params, None, &ctx);
    }
});
