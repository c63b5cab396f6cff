//! Runs in a wasm runtime (Node) through wasm-bindgen-test-runner:
//! `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
//!  cargo test -p amlguard-wasm --target wasm32-unknown-unknown`.
#![cfg(target_arch = "wasm32")]

use amlguard_wasm::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

fn get(v: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(v, &key.into()).unwrap()
}

fn error_message(e: &JsValue) -> String {
    let err = e.dyn_ref::<js_sys::Error>().expect("an Error object");
    err.message().into()
}

const DESIGN: &str = r#"[
  {"type": "Microsoft.MachineLearningServices/workspaces", "name": "ws",
   "properties": {"storageAccount": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/amlguard-rg/providers/Microsoft.Storage/storageAccounts/st"}},
  {"type": "Microsoft.Storage/storageAccounts", "name": "st"}
]"#;

#[wasm_bindgen_test]
fn ingest_text_returns_plain_objects_with_relations() {
    let dep = ingest(DESIGN.into(), None).unwrap();
    let resources: js_sys::Array = get(&dep, "resources").dyn_into().unwrap();
    assert_eq!(resources.length(), 2);
    let first = resources.get(0);
    // plain objects, not Maps
    assert!(get(&first, "value").is_object());
    assert!(!get(&first, "value").is_instance_of::<js_sys::Map>());
    assert_eq!(get(&get(&first, "provenance"), "line").as_f64(), Some(2.0));
    let relations: js_sys::Array = get(&dep, "relations").dyn_into().unwrap();
    assert_eq!(relations.length(), 1);
    assert_eq!(get(&relations.get(0), "path").as_string().as_deref(), Some("properties.storageAccount"));
}

#[wasm_bindgen_test]
fn ingest_accepts_an_object() {
    let obj = js_sys::JSON::parse(DESIGN).unwrap();
    let dep = ingest(obj, None).unwrap();
    let resources: js_sys::Array = get(&dep, "resources").dyn_into().unwrap();
    assert_eq!(resources.length(), 2);
}

#[wasm_bindgen_test]
fn malformed_json_throws_an_error_with_its_location_and_the_module_survives() {
    let e = ingest("[\n  {\"type\": }\n]".into(), None).unwrap_err();
    let msg = error_message(&e);
    assert!(msg.contains("line 2"), "{msg}");
    assert_eq!(get(&e, "line").as_f64(), Some(2.0));
    // still usable
    assert!(ingest(DESIGN.into(), None).is_ok());
}

#[wasm_bindgen_test]
fn cyclic_objects_and_bad_shapes_are_errors_not_traps() {
    let obj = js_sys::Object::new();
    js_sys::Reflect::set(&obj, &"self".into(), &obj).unwrap();
    let e = ingest(obj.into(), None).unwrap_err();
    assert!(error_message(&e).contains("cannot be read as JSON"), "{}", error_message(&e));
    let e = ingest("42".into(), None).unwrap_err();
    assert!(error_message(&e).contains("expected an array of resources"), "{}", error_message(&e));
    let e = ingest(JsValue::UNDEFINED, None).unwrap_err();
    assert!(error_message(&e).contains("input is missing"));
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let e = ingest(deep.into(), None).unwrap_err();
    assert!(error_message(&e).contains("line 1"), "{}", error_message(&e));
    assert!(ingest(DESIGN.into(), None).is_ok());
}

#[wasm_bindgen_test]
fn unknown_option_names_are_refused() {
    let opts = js_sys::JSON::parse(r#"{"fiel": "x.json"}"#).unwrap();
    let e = ingest(DESIGN.into(), Some(opts)).unwrap_err();
    assert!(error_message(&e).contains("invalid options"), "{}", error_message(&e));
}

#[wasm_bindgen_test]
fn check_reports_findings_as_values_and_survives_bad_input() {
    let ws = r#"[{"type": "Microsoft.MachineLearningServices/workspaces", "name": "ws", "location": "westeurope",
                  "properties": {"publicNetworkAccess": "Enabled"}}]"#;
    let report = check(ws.into(), None).unwrap();
    let findings: js_sys::Array = get(&report, "findings").dyn_into().unwrap();
    let ids: Vec<String> = findings.iter().filter_map(|f| get(&f, "rule_id").as_string()).collect();
    assert!(ids.iter().any(|i| i == "AML-NET-001"), "{ids:?}");
    assert!(check("{\"resources\": 3}".into(), None).is_err());
    assert!(check("[".into(), None).is_err());
    let again = check(ws.into(), None).unwrap();
    let n: js_sys::Array = get(&again, "findings").dyn_into().unwrap();
    assert_eq!(n.length(), findings.length());
    let rule = explain("AML-NET-001").unwrap();
    assert_eq!(get(&rule, "id").as_string().as_deref(), Some("AML-NET-001"));
    assert!(explain("nope").unwrap().is_undefined());
}
