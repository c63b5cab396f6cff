//! Conformance against the regorus Azure Policy test suite
//! (`../shared/conformance/regorus-azure-policy`, MIT, © Microsoft):
//! `cases/*.yaml` (policy + resource + expected effect / undefined / parse
//! error) and `functions/*.yaml` (template functions).
//!
//! `tests/conformance/regorus.passing` lists the case ids that pass; the test
//! fails when one of them regresses, and prints the pass rate and the cases
//! that newly pass. `AMLGUARD_UPDATE_PASSING=1` rewrites the list.
//!
//! Mapping of the suite's expectations onto amlguard's result:
//! - `want_effect: X` — `effect` equals X ignoring case;
//! - `want_undefined` — no effect (condition false or unknown, or disabled);
//! - `want_parse_error`, `want_compile_error` (and `*_contains`) — `Policy::parse`
//!   fails (the message wording is regorus's and is not compared);
//! - `want_details` — every expected key of `details` present with an equal
//!   value (amlguard reports the other keys too, e.g. `conflictEffect`);
//! - `want_eval_error_contains` "HostAwait … no response" — the existence check
//!   is reported as not checkable (`unknown`);
//! - `host_await` responses are the related resources of an existence check
//!   (`EvalContext::related`).

use amlguard_core::policy::{evaluate_expression, AliasCatalog, EvalContext, Policy};
use amlguard_core::{Map, Value};
use std::collections::BTreeSet;
use std::path::Path;

fn yaml_to_value(y: serde_norway::Value) -> Value {
    match serde_json::to_value(y) {
        Ok(j) => Value::from_json(&j),
        Err(_) => Value::Null,
    }
}

fn get<'a>(m: &'a serde_norway::Mapping, k: &str) -> Option<&'a serde_norway::Value> {
    m.get(serde_norway::Value::String(k.to_owned()))
}

fn as_value(m: &serde_norway::Mapping, k: &str) -> Option<Value> {
    get(m, k).cloned().map(yaml_to_value)
}

/// A definition given as JSON text (or as YAML structure).
fn definition(v: &serde_norway::Value) -> Result<Value, String> {
    match v {
        serde_norway::Value::String(s) => amlguard_core::json::parse(s).map_err(|e| e.to_string()),
        other => Ok(yaml_to_value(other.clone())),
    }
}

fn truthy(m: &serde_norway::Mapping, k: &str) -> bool {
    matches!(get(m, k), Some(serde_norway::Value::Bool(true)))
}

/// Run one policy case; `Ok(())` when amlguard agrees with the expectation.
fn run_case(case: &serde_norway::Mapping, file_def: Option<&serde_norway::Value>, catalog: &AliasCatalog) -> Result<(), String> {
    let def_src = get(case, "policy_definition")
        .or_else(|| get(case, "policy_rule"))
        .or(file_def)
        .ok_or("case has no policy")?;
    let want_parse_error = ["want_parse_error", "want_compile_error"].iter().any(|k| truthy(case, k))
        || get(case, "want_parse_error_contains").is_some()
        || get(case, "want_compile_error_contains").is_some();
    let def = match definition(def_src) {
        Ok(d) => d,
        Err(e) => return if want_parse_error { Ok(()) } else { Err(format!("definition is not JSON: {e}")) },
    };
    let policy = match Policy::parse_with(&def, catalog) {
        Ok(p) => p,
        Err(e) => return if want_parse_error { Ok(()) } else { Err(format!("parse error: {e}")) },
    };
    if want_parse_error {
        return Err("expected a parse error, the policy compiled".to_owned());
    }
    let resource = as_value(case, "resource").unwrap_or(Value::Object(Map::new()));
    let params: Map = as_value(case, "parameters").and_then(|v| v.as_object().cloned()).unwrap_or_default();
    let related: Option<Vec<Value>> = get(case, "host_await").and_then(|h| h.as_sequence()).map(|seq| {
        seq.iter()
            .filter_map(|e| e.as_mapping().and_then(|m| get(m, "response")).cloned())
            .map(yaml_to_value)
            .flat_map(|v| match v {
                Value::Array(a) => a,
                Value::Null => Vec::new(),
                other => vec![other],
            })
            .collect()
    });
    let api_version = as_value(case, "api_version")
        .and_then(|v| v.as_str().map(str::to_owned))
        .or_else(|| as_value(case, "request_context").and_then(|v| v.get_ci("apiVersion").and_then(Value::as_str).map(str::to_owned)))
        .or_else(|| {
            as_value(case, "context")
                .and_then(|c| c.get_ci("requestContext").and_then(|r| r.get_ci("apiVersion")).and_then(Value::as_str).map(str::to_owned))
        });
    let host = as_value(case, "context");
    let ctx = EvalContext {
        aliases: catalog,
        host: host.as_ref(),
        related: related.as_deref(),
        api_version: api_version.as_deref(),
        ..EvalContext::default()
    };
    let e = policy.evaluate(&resource, &params, &ctx);
    if let Some(want) = get(case, "want_eval_error_contains") {
        let ok = e.unknown.iter().any(|u| u.contains("cannot be checked offline"));
        return if ok { Ok(()) } else { Err(format!("expected an evaluation error ({want:?}), got {:?}", e.effect)) };
    }
    let want_none = truthy(case, "want_undefined") || matches!(get(case, "want_effect"), Some(serde_norway::Value::Null));
    if want_none {
        return match e.effect {
            None => Ok(()),
            Some(x) => Err(format!("expected no effect, got `{x}` (evidence {:?})", e.evidence)),
        };
    }
    let Some(want) = as_value(case, "want_effect") else { return Err("case has no expectation".to_owned()) };
    let want = want.as_str().unwrap_or_default().to_ascii_lowercase();
    if e.effect.as_deref() != Some(want.as_str()) {
        return Err(format!("expected `{want}`, got {:?} (outcome {:?}, unknown {:?})", e.effect, e.outcome, e.unknown));
    }
    if let Some(wd) = as_value(case, "want_details") {
        // regorus reports a selection of the details (e.g. no `conflictEffect`,
        // no `deployment`); amlguard reports them all: every expected key must
        // be there with an equal value.
        let got = e.details.clone().unwrap_or(Value::Null);
        let ok = match (&wd, &got) {
            (Value::Object(w), Value::Object(g)) => {
                w.iter().all(|(k, v)| g.get(k).is_some_and(|x| x.to_json() == v.to_json()))
            }
            _ => got.to_json() == wd.to_json(),
        };
        if !ok {
            return Err(format!("details differ: expected {wd}, got {got}"));
        }
    }
    Ok(())
}

/// The ARM function name behind a regorus builtin name.
fn function_name(builtin: &str) -> String {
    let short = builtin.rsplit('.').next().unwrap_or(builtin);
    match short {
        "int_div" => "div".to_owned(),
        "int_mod" => "mod".to_owned(),
        "logic_all" => "and".to_owned(),
        "logic_any" => "or".to_owned(),
        other => other.replace('_', ""),
    }
}

fn run_function_case(builtin: &str, case: &serde_norway::Mapping, catalog: &AliasCatalog) -> Result<(), String> {
    let args: Vec<Value> = as_value(case, "args").and_then(|v| v.as_array().map(<[Value]>::to_vec)).unwrap_or_default();
    let ctx = EvalContext { aliases: catalog, ..EvalContext::default() };
    let short = builtin.rsplit('.').next().unwrap_or(builtin);
    let got = match short {
        "get_parameter" => {
            // (user values, declared defaults, name)
            let user = args.first().and_then(Value::as_object).cloned().unwrap_or_default();
            let defaults = args.get(1).and_then(Value::as_object).cloned().unwrap_or_default();
            let name = args.get(2).cloned().unwrap_or(Value::Null);
            let mut params = Map::new();
            for (k, v) in defaults {
                let mut d = Map::new();
                d.insert("defaultValue".to_owned(), v);
                params.insert(k, Value::Object(d));
            }
            let def = serde_json::json!({"parameters": {}, "policyRule": {"if": {"value": true, "equals": true}, "then": {"effect": "audit"}}});
            let mut def = Value::from_json(&def);
            if let Some(m) = def.as_object_mut() {
                m.insert("parameters".to_owned(), Value::Object(params));
            }
            let policy = Policy::parse_with(&def, catalog).map_err(|e| e.to_string())?;
            let mut p = Map::new();
            p.insert("__name".to_owned(), name);
            // user values shadow defaults
            let mut all = user;
            all.extend(p);
            evaluate_expression("[parameters(parameters('__name'))]", &Value::Object(Map::new()), &all, Some(&policy), &ctx)
        }
        "resolve_field" => {
            let resource = args.first().cloned().unwrap_or(Value::Null);
            let mut p = Map::new();
            p.insert("a0".to_owned(), args.get(1).cloned().unwrap_or(Value::Null));
            evaluate_expression("[field(parameters('a0'))]", &resource, &p, None, &ctx)
        }
        _ => {
            let mut p = Map::new();
            let mut call = format!("[{}(", function_name(builtin));
            for (i, a) in args.iter().enumerate() {
                p.insert(format!("a{i}"), a.clone());
                if i > 0 {
                    call.push_str(", ");
                }
                call.push_str(&format!("parameters('a{i}')"));
            }
            call.push_str(")]");
            evaluate_expression(&call, &Value::Object(Map::new()), &p, None, &ctx)
        }
    };
    let undefined = match &got {
        Err(_) => true,
        Ok(v) => v.is_unknown(),
    };
    if truthy(case, "want_undefined") || get(case, "want_error").is_some() {
        return if undefined { Ok(()) } else { Err(format!("expected undefined/error, got {:?}", got)) };
    }
    if truthy(case, "want_null") {
        return match got {
            Ok(Value::Null) => Ok(()),
            other => Err(format!("expected null, got {other:?}")),
        };
    }
    let want = as_value(case, "want").ok_or("case has no expectation")?;
    match got {
        Ok(v) if numeric_eq(&v, &want) => Ok(()),
        other => Err(format!("expected {want}, got {other:?}")),
    }
}

/// JSON equality where 2 and 2.0 are the same number.
fn numeric_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => a.as_f64() == b.as_f64(),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| numeric_eq(p, q)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| numeric_eq(v, w)))
        }
        _ => a == b,
    }
}

fn load_yaml(path: &Path) -> serde_norway::Mapping {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let v: serde_norway::Value =
        serde_norway::from_str(&text).unwrap_or_else(|e| panic!("cannot parse {}: {e}", path.display()));
    v.as_mapping().cloned().unwrap_or_default()
}

fn yaml_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    files
}

#[test]
fn regorus_conformance() {
    let Some(shared) = amlguard_tests::shared_dir() else { return };
    let root = shared.join("conformance/regorus-azure-policy");
    let mut results: Vec<(String, Result<(), String>)> = Vec::new();
    for file in yaml_files(&root.join("cases")) {
        let doc = load_yaml(&file);
        let fname = file.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        let mut catalog = AliasCatalog::embedded().clone();
        if let Some(a) = get(&doc, "aliases").and_then(|v| v.as_str()) {
            let text = std::fs::read_to_string(root.join("aliases").join(a)).expect("alias file");
            let v = amlguard_core::json::parse(&text).expect("alias json");
            catalog.merge(&AliasCatalog::from_json(&v).expect("alias catalog"));
        }
        let file_def = get(&doc, "policy_definition").cloned();
        for case in get(&doc, "cases").and_then(|c| c.as_sequence()).cloned().unwrap_or_default() {
            let Some(m) = case.as_mapping() else { continue };
            let note = get(m, "note").and_then(|n| n.as_str()).unwrap_or("?");
            let id = format!("cases/{fname}#{note}");
            let r = std::panic::catch_unwind(|| run_case(m, file_def.as_ref(), &catalog))
                .unwrap_or_else(|_| Err("panicked".to_owned()));
            results.push((id, r));
        }
    }
    let catalog = AliasCatalog::embedded();
    for file in yaml_files(&root.join("functions")) {
        let doc = load_yaml(&file);
        let fname = file.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        let builtin = get(&doc, "builtin").and_then(|v| v.as_str()).unwrap_or_default().to_owned();
        for case in get(&doc, "cases").and_then(|c| c.as_sequence()).cloned().unwrap_or_default() {
            let Some(m) = case.as_mapping() else { continue };
            let note = get(m, "note").and_then(|n| n.as_str()).unwrap_or("?");
            let id = format!("functions/{fname}#{note}");
            let r = std::panic::catch_unwind(|| run_function_case(&builtin, m, catalog))
                .unwrap_or_else(|_| Err("panicked".to_owned()));
            results.push((id, r));
        }
    }

    let list_path = amlguard_tests::repo_root().join("tests/conformance/regorus.passing");
    let listed: BTreeSet<String> = std::fs::read_to_string(&list_path)
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect();
    let passing: BTreeSet<String> = results.iter().filter(|(_, r)| r.is_ok()).map(|(id, _)| id.clone()).collect();
    let total = results.len();
    println!(
        "conformance: {}/{} pass ({:.1}%)",
        passing.len(),
        total,
        100.0 * passing.len() as f64 / total.max(1) as f64
    );
    if std::env::var_os("AMLGUARD_CONFORMANCE_VERBOSE").is_some() {
        for (id, r) in &results {
            if let Err(e) = r {
                println!("FAIL {id}: {e}");
            }
        }
    }
    let newly: Vec<&String> = passing.difference(&listed).collect();
    if !newly.is_empty() {
        println!("newly passing ({}), add them to tests/conformance/regorus.passing:", newly.len());
        for id in &newly {
            println!("  {id}");
        }
    }
    if std::env::var_os("AMLGUARD_UPDATE_PASSING").is_some() {
        let mut text = String::from("# regorus Azure Policy conformance cases that amlguard passes (one id per line).\n# Regenerate: AMLGUARD_UPDATE_PASSING=1 cargo test -p amlguard-tests --test conformance\n");
        for id in &passing {
            text.push_str(id);
            text.push('\n');
        }
        std::fs::write(&list_path, text).expect("write passing list");
    }
    let regressed: Vec<String> = results
        .iter()
        .filter(|(id, r)| listed.contains(id) && r.is_err())
        .map(|(id, r)| format!("{id}: {}", r.as_ref().err().cloned().unwrap_or_default()))
        .collect();
    let vanished: Vec<&String> = listed.iter().filter(|id| !results.iter().any(|(r, _)| r == *id)).collect();
    assert!(vanished.is_empty(), "listed cases not found in the suite: {vanished:?}");
    assert!(regressed.is_empty(), "{} listed cases regressed:\n{}", regressed.len(), regressed.join("\n"));
}
