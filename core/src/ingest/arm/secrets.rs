//! Template outputs that hand out secrets: an output whose value calls a
//! `list*` function (`listKeys`, `listSecrets`, `listConnectionStrings`, …)
//! returns keys to anyone who can read the deployment's history. Found from
//! the declarations (not the evaluated values: a `list*` result is unknown
//! before deployment, like any other unknown).

use super::expr::{self, Expr, Template};
use super::template::Source;
use crate::json::push_pointer;
use crate::model::SecretOutput;
use crate::value::Value;

/// Nesting bound for walking an output's value (objects, arrays, calls).
const MAX_DEPTH: usize = 64;

/// The outputs of template `t` (at JSON pointer `base` in `src`) whose value
/// (or copy `input`) calls a `list*` function. `condition` evaluates an
/// output's `condition` (value, pointer); an output whose condition is known
/// to be false is never emitted, so it is not reported (an unknown condition
/// still is: the template can hand the keys out).
pub fn secret_outputs(t: &Value, base: &str, src: &Source<'_>, condition: &mut dyn FnMut(&Value, &str) -> Option<bool>) -> Vec<SecretOutput> {
    let Some(decl) = t.get_ci("outputs").and_then(Value::as_object) else { return Vec::new() };
    let mut out = Vec::new();
    for (name, o) in decl {
        if let Some(c) = o.get_ci("condition") {
            let at = push_pointer(&format!("{base}/outputs"), name) + "/condition";
            if condition(c, &at) == Some(false) {
                continue;
            }
        }
        let value = o.get_ci("value").or_else(|| o.get_ci("copy").and_then(|c| c.get_ci("input")));
        if let Some(function) = value.and_then(|v| list_call_in_value(v, 0)) {
            let pointer = push_pointer(&format!("{base}/outputs"), name);
            out.push(SecretOutput { name: name.clone(), function, provenance: src.provenance(&pointer) });
        }
    }
    out
}

/// The first `list*` function called by an expression anywhere in `v`.
fn list_call_in_value(v: &Value, depth: usize) -> Option<String> {
    if depth > MAX_DEPTH {
        return None;
    }
    match v {
        Value::String(s) => match expr::classify(s) {
            // (Parsed only when the text can name a `list*` function.)
            Template::Expression(src) if super::template::has_word_ci(src.as_bytes(), b"list") => {
                expr::parse(src).ok().and_then(|e| list_call(&e, 0))
            }
            Template::Expression(_) => None,
            Template::Literal(_) => None,
        },
        Value::Array(a) => a.iter().find_map(|x| list_call_in_value(x, depth.saturating_add(1))),
        Value::Object(m) => m.values().find_map(|x| list_call_in_value(x, depth.saturating_add(1))),
        _ => None,
    }
}

/// `true` for ARM's `list{Value}` resource functions (`list`, `listKeys`, …);
/// user functions (`ns.name`) never match.
fn is_list_function(name: &str) -> bool {
    name.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("list")) && !name.contains('.')
}

fn list_call(e: &Expr, depth: usize) -> Option<String> {
    if depth > MAX_DEPTH {
        return None;
    }
    let d = depth.saturating_add(1);
    match e {
        Expr::Call { name, args, .. } => {
            if is_list_function(name) {
                return Some(name.to_string());
            }
            args.iter().find_map(|a| list_call(a, d))
        }
        Expr::Member(b, _) => list_call(b, d),
        Expr::Index(b, i) => list_call(b, d).or_else(|| list_call(i, d)),
        Expr::Str(_) | Expr::Int(_) | Expr::Float(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(t: serde_json::Value) -> Vec<(String, String, String)> {
        let v = Value::from_json(&t);
        let mut condition = |c: &Value, _: &str| c.as_bool();
        secret_outputs(&v, "", &Source::default(), &mut condition).into_iter().map(|s| (s.name, s.function, s.provenance.pointer)).collect()
    }

    #[test]
    fn outputs_calling_list_functions_are_found() {
        let t = serde_json::json!({"outputs": {
            "key": {"type": "string", "value": "[listKeys(resourceId('Microsoft.Storage/storageAccounts', 'st'), '2023-01-01').keys[0].value]"},
            "conn": {"type": "object", "value": {"a": ["[concat('k=', listSecrets('x', '2020-01-01').value)]"]}},
            "copied": {"type": "array", "copy": {"count": 2, "input": "[listAccountSas('st', '2023-01-01', variables('p')).accountSasToken]"}},
            "index": {"type": "string", "value": "[variables('m')[listKeys('st', '1').keys[0].value]]"},
            "id": {"type": "string", "value": "[resourceId('Microsoft.Storage/storageAccounts', 'st')]"},
            "text": {"type": "string", "value": "listKeys() in plain text"},
            "escaped": {"type": "string", "value": "[[listKeys('st', '1')]"},
            "user": {"type": "string", "value": "[my.listThings('a')]"},
            "literal": {"type": "string", "value": "[concat('listKeys(', 'x')]"},
            "off": {"type": "string", "condition": false, "value": "[listKeys('st', '1').keys[0].value]"},
            "maybe": {"type": "string", "condition": "[parameters('p')]", "value": "[listKeys('st', '1').keys[0].value]"}
        }});
        assert_eq!(
            names(t),
            vec![
                ("key".to_owned(), "listKeys".to_owned(), "/outputs/key".to_owned()),
                ("conn".to_owned(), "listSecrets".to_owned(), "/outputs/conn".to_owned()),
                ("copied".to_owned(), "listAccountSas".to_owned(), "/outputs/copied".to_owned()),
                ("index".to_owned(), "listKeys".to_owned(), "/outputs/index".to_owned()),
                ("maybe".to_owned(), "listKeys".to_owned(), "/outputs/maybe".to_owned()),
            ]
        );
    }

    #[test]
    fn a_template_without_outputs_has_none() {
        assert!(names(serde_json::json!({"resources": []})).is_empty());
        assert!(names(serde_json::json!({"outputs": []})).is_empty());
    }
}
