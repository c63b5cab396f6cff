//! Every Azure Policy definition in `../shared/azure-policy/builtins/`
//! (Machine Learning built-ins, the Azure Government variant, the monitoring
//! diagnostic-settings built-ins) and `alz-custom/` (Azure Landing Zones
//! custom definitions, written as ARM resources) compiles and evaluates
//! against a resource of its type without an evaluation error, and every
//! alias it uses is in the embedded catalog.

use amlguard_core::policy::{EvalContext, Outcome, Policy};
use amlguard_core::{Deployment, Map, Value};
use std::path::{Path, PathBuf};

fn definitions(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n != "policySetDefinitions") {
                definitions(&p, out);
            }
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
}

/// The resource types a rule's `if` tests with `field: type` (`equals`/`in`).
fn types_in(cond: &Value, out: &mut Vec<String>) {
    match cond {
        Value::Object(m) => {
            let is_type = m.iter().any(|(k, v)| k.eq_ignore_ascii_case("field") && v.as_str().is_some_and(|s| s.eq_ignore_ascii_case("type")));
            if is_type {
                for (k, v) in m {
                    match (k.to_ascii_lowercase().as_str(), v) {
                        ("equals", Value::String(s)) => out.push(s.clone()),
                        ("in", Value::Array(a)) => out.extend(a.iter().filter_map(|x| x.as_str().map(str::to_owned))),
                        _ => {}
                    }
                }
            }
            for (k, v) in m {
                if !k.eq_ignore_ascii_case("existenceCondition") {
                    types_in(v, out);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| types_in(x, out)),
        _ => {}
    }
}

fn resource_of(type_: &str) -> Value {
    let segments = type_.split('/').count().saturating_sub(1).max(1);
    let name: Vec<String> = (0..segments).map(|i| format!("r{i}")).collect();
    Value::from_json(&serde_json::json!({
        "type": type_, "name": name.join("/"), "location": "westeurope", "apiVersion": "2024-04-01",
        "properties": {}, "tags": {}
    }))
}

#[test]
fn builtin_definitions_compile_and_evaluate() {
    let Some(shared) = amlguard_tests::shared_dir() else { return };
    let mut files = Vec::new();
    definitions(&shared.join("azure-policy/builtins"), &mut files);
    definitions(&shared.join("azure-policy/alz-custom"), &mut files);
    files.sort();
    let mut checked = 0;
    let mut rp_mode = 0;
    let mut defs = 0;
    let mut problems = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).expect("read definition");
        let def = amlguard_core::json::parse(&text).expect("definition is JSON");
        let props = def.get_ci("properties").cloned().unwrap_or(Value::Null);
        if props.get_ci("policyDefinitions").is_some() {
            continue; // an initiative
        }
        let name = f.strip_prefix(&shared).unwrap_or(f).display().to_string();
        defs += 1;
        let policy = match Policy::parse(&def) {
            Ok(p) => p,
            Err(e) => {
                problems.push(format!("{name}: {e}"));
                continue;
            }
        };
        let mut types = Vec::new();
        types_in(props.get_ci("policyRule").and_then(|r| r.get_ci("if")).unwrap_or(&Value::Null), &mut types);
        if let Some(mode) = policy.mode().filter(|m| m.contains('.')) {
            // a Resource Provider mode (data plane): never decided on an ARM resource
            let e = policy.evaluate(&resource_of("Microsoft.MachineLearningServices/workspaces"), &Map::new(), &EvalContext::default());
            assert_eq!(e.outcome, Outcome::Unknown, "{name}");
            assert!(e.unknown.iter().any(|u| u.contains(mode)), "{name}: {:?}", e.unknown);
            rp_mode += 1;
            continue;
        }
        assert!(!types.is_empty(), "{name}: no `type` condition found");
        for t in &types {
            let res = resource_of(t);
            // alone, and inside a deployment (existence checks look there)
            let dep = Deployment::from_resources(&Value::Array(vec![res.clone()]), None, None).expect("deployment");
            let alone = policy.evaluate(&res, &Map::new(), &EvalContext::default());
            let in_dep = policy.evaluate(&dep.resources[0].value, &Map::new(), &EvalContext::for_resource(&dep, 0));
            for e in [&alone, &in_dep] {
                for u in &e.unknown {
                    if u.contains("error:") || u.contains("not in the alias catalog") {
                        problems.push(format!("{name} on `{t}`: {u}"));
                    }
                }
                if e.outcome == Outcome::Match {
                    assert!(e.effect.is_some(), "{name}: a match must carry its effect");
                }
            }
            if std::env::var_os("AMLGUARD_VERBOSE").is_some() {
                println!("{name} on `{t}`: {:?} {:?} {:?}", in_dep.outcome, in_dep.effect, in_dep.unknown);
            }
            checked += 1;
        }
    }
    println!("{} definitions, {checked} evaluations, {rp_mode} data-plane (Resource Provider mode) definitions", files.len());
    assert!(defs >= 40, "expected the ML built-ins, found {defs} definitions");
    assert!(checked >= defs - rp_mode, "every ARM-mode definition is evaluated at least once");
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
}
