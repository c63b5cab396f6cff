//! Validation of [`CheckOptions`] against the catalog, shared by every front
//! end (CLI, Python, wasm): rule ids and prefixes, suppression ids, rule
//! parameter names, types and allowed values.

use super::run::CheckOptions;
use super::{Catalog, Rule};
use crate::value::{Map, Value};

/// Why check options cannot be used. Messages name the bad id or parameter
/// in backticks and, when one is close, suggest what was probably meant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OptionsError {
    /// An id in `rules`, `skip` or a suppression matches no rule.
    #[error("no rule matches `{id}` in {place}{}", did_you_mean(suggestion))]
    UnknownRule {
        /// The id or prefix as given.
        id: String,
        /// Where it was given (`rules`, `skip`, a suppressions file).
        place: String,
        /// A close rule id or area prefix.
        suggestion: Option<String>,
    },
    /// A rule parameter no rule (or not the named rule) declares.
    #[error("{} `{name}`{}", rule.as_deref().map_or_else(|| "no rule has a parameter".to_owned(), |r| format!("rule `{r}` has no parameter")), did_you_mean(suggestion))]
    UnknownParameter {
        /// The parameter name as given.
        name: String,
        /// The rule it was given for (`None` for a plain parameter).
        rule: Option<String>,
        /// A close parameter name.
        suggestion: Option<String>,
    },
    /// The parameters given for one rule are not an object.
    #[error("rule parameters for `{rule}` must be an object, found {found}")]
    NotAnObject {
        /// The rule.
        rule: String,
        /// JSON type found.
        found: &'static str,
    },
    /// A parameter value of the wrong type or outside its allowed values.
    #[error("parameter `{name}` of rule `{rule}`: {message}")]
    BadParameter {
        /// The parameter name.
        name: String,
        /// The rule whose declaration it fails.
        rule: String,
        /// What is wrong.
        message: String,
    },
}

fn did_you_mean(s: &Option<String>) -> String {
    s.as_deref().map(|s| format!("; did you mean `{s}`?")).unwrap_or_default()
}

/// Edit distance (ASCII case-insensitive), for suggestions.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<u8> = a.bytes().map(|c| c.to_ascii_lowercase()).collect();
    let b: Vec<u8> = b.bytes().map(|c| c.to_ascii_lowercase()).collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i.saturating_add(1)];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(usize::MAX).saturating_add(usize::from(ca != cb));
            let del = prev.get(j.saturating_add(1)).copied().unwrap_or(usize::MAX).saturating_add(1);
            let ins = cur.last().copied().unwrap_or(usize::MAX).saturating_add(1);
            cur.push(sub.min(del).min(ins));
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or(0)
}

/// The candidate closest to `given`, if it is close (within a third of its
/// length, or one starts with the other).
fn suggest<'a>(given: &str, candidates: impl Iterator<Item = &'a str>) -> Option<String> {
    let limit = (given.len() / 3).max(1);
    let lower = given.to_ascii_lowercase();
    candidates
        .map(|c| (distance(given, c), c))
        .filter(|(d, c)| {
            let c = c.to_ascii_lowercase();
            *d <= limit || (lower.len() >= 4 && (c.starts_with(&lower) || lower.starts_with(&c)))
        })
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c.to_owned())
}

/// `true` when `pattern` (an id, an area prefix such as `AML-NET`, or `*`)
/// names at least one rule.
fn matches_some(catalog: &Catalog, pattern: &str) -> bool {
    catalog.rules().iter().any(|r| super::run::id_matches(pattern, &r.id))
}

fn unknown_rule(catalog: &Catalog, id: &str, place: &str) -> OptionsError {
    let mut names: Vec<String> = catalog.rules().iter().map(|r| r.id.clone()).collect();
    for r in catalog.rules() {
        if let Some((area, _)) = r.id.rsplit_once('-') {
            if !names.iter().any(|n| n == area) {
                names.push(area.to_owned());
            }
        }
    }
    OptionsError::UnknownRule {
        id: id.to_owned(),
        place: place.to_owned(),
        suggestion: suggest(id, names.iter().map(String::as_str)),
    }
}

/// Does `v` fit the Azure Policy parameter `type` (`String`, `Array`,
/// `Object`, `Boolean`, `Integer`, `Float`, `DateTime`)? Unknown types pass.
fn type_fits(type_: &str, v: &Value) -> bool {
    match type_.to_ascii_lowercase().as_str() {
        "string" | "datetime" => matches!(v, Value::String(_)),
        "array" => matches!(v, Value::Array(_)),
        "object" => matches!(v, Value::Object(_)),
        "boolean" => matches!(v, Value::Bool(_)),
        "integer" => matches!(v, Value::Int(_)),
        "float" => matches!(v, Value::Int(_) | Value::Float(_)),
        _ => true,
    }
}

fn check_value(rule: &Rule, name: &str, v: &Value) -> Result<(), OptionsError> {
    let Some(decl) = rule.parameters.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, d)| d) else {
        return Ok(());
    };
    let bad = |message: String| OptionsError::BadParameter { name: name.to_owned(), rule: rule.id.clone(), message };
    if let Some(t) = decl.get("type").and_then(Value::as_str) {
        if !type_fits(t, v) {
            return Err(bad(format!("expected {t}, found {}", v.type_name())));
        }
    }
    if let Some(allowed) = decl.get("allowedValues").and_then(Value::as_array) {
        let ok = |x: &Value| {
            allowed.iter().any(|a| match (a, x) {
                (Value::String(a), Value::String(x)) => a.eq_ignore_ascii_case(x),
                _ => a == x,
            })
        };
        let fits = match v {
            Value::Array(items) if !decl.get("type").and_then(Value::as_str).is_some_and(|t| t.eq_ignore_ascii_case("array")) => {
                items.iter().all(ok)
            }
            Value::Array(items) => items.iter().all(ok) || ok(v),
            other => ok(other),
        };
        if !fits {
            let list: Vec<String> = allowed.iter().map(|a| format!("`{}`", plain(a))).collect();
            return Err(bad(format!("`{}` is not one of {}", plain(v), list.join(", "))));
        }
    }
    Ok(())
}

/// A value as the user wrote it (strings without quotes).
fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn declares(rule: &Rule, name: &str) -> bool {
    rule.parameters.keys().any(|k| k.eq_ignore_ascii_case(name))
}

fn validate_parameters(catalog: &Catalog, parameters: &Map) -> Result<(), OptionsError> {
    for (key, value) in parameters {
        if let Some(rule) = catalog.get(key) {
            let Value::Object(specific) = value else {
                return Err(OptionsError::NotAnObject { rule: rule.id.clone(), found: value.type_name() });
            };
            for (name, v) in specific {
                if !declares(rule, name) {
                    return Err(OptionsError::UnknownParameter {
                        name: name.clone(),
                        rule: Some(rule.id.clone()),
                        suggestion: suggest(name, rule.parameters.keys().map(String::as_str)),
                    });
                }
                check_value(rule, name, v)?;
            }
        } else if key.to_ascii_uppercase().starts_with("AML-") {
            return Err(unknown_rule(catalog, key, "rule parameters"));
        } else {
            let mut found = false;
            for rule in catalog.rules().iter().filter(|r| declares(r, key)) {
                found = true;
                check_value(rule, key, value)?;
            }
            if !found {
                return Err(OptionsError::UnknownParameter {
                    name: key.clone(),
                    rule: None,
                    suggestion: suggest(key, catalog.rules().iter().flat_map(|r| r.parameters.keys().map(String::as_str))),
                });
            }
        }
    }
    Ok(())
}

impl CheckOptions {
    /// Check the options against the embedded catalog: every id in `rules`
    /// and `skip` names a rule or an area prefix, every suppression id too
    /// (or `*`), and every rule parameter is declared by the rule(s) it is
    /// for, with a value of the declared type and among its allowed values.
    pub fn validate(&self) -> Result<(), crate::Error> {
        self.validate_with(Catalog::embedded()).map_err(crate::Error::from)
    }

    /// [`CheckOptions::validate`] against another catalog.
    pub fn validate_with(&self, catalog: &Catalog) -> Result<(), OptionsError> {
        for (list, place) in [(&self.rules, "`rules`"), (&self.skip, "`skip`")] {
            if let Some(id) = list.iter().find(|id| !matches_some(catalog, id)) {
                return Err(unknown_rule(catalog, id, place));
            }
        }
        if let Some(s) = self.suppressions.iter().find(|s| !matches_some(catalog, &s.id)) {
            return Err(unknown_rule(catalog, &s.id, &format!("suppressions `{}`", s.source)));
        }
        validate_parameters(catalog, &self.parameters)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::FileSuppression;

    fn params(v: serde_json::Value) -> Map {
        match Value::from_json(&v) {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    fn err(o: CheckOptions) -> String {
        o.validate().map(|()| "valid".to_owned()).unwrap_or_else(|e| e.to_string())
    }

    #[test]
    fn valid_options_pass() {
        let o = CheckOptions {
            rules: vec!["AML-NET".into(), "aml-iam-001".into()],
            skip: vec!["AML-DATA-006".into()],
            parameters: params(serde_json::json!({"allowedVmSizes": ["Standard_DS3_v2"], "AML-CMP-002": {"maxMinNodeCount": 1}, "effect": "Disabled"})),
            suppressions: vec![FileSuppression { id: "*".into(), resource: None, justification: "x".into(), source: "s.json".into() }],
            ..CheckOptions::default()
        };
        assert_eq!(err(o), "valid");
        assert_eq!(err(CheckOptions::default()), "valid");
    }

    #[test]
    fn bad_ids_are_named_with_a_suggestion() {
        let table: &[(CheckOptions, &str)] = &[
            (CheckOptions { rules: vec!["AML-NET-01".into()], ..CheckOptions::default() }, "no rule matches `AML-NET-01` in `rules`; did you mean `AML-NET-001`?"),
            (CheckOptions { skip: vec!["AML-NOPE-999".into()], ..CheckOptions::default() }, "no rule matches `AML-NOPE-999` in `skip`"),
            (CheckOptions { rules: vec!["AML-NTE".into()], ..CheckOptions::default() }, "no rule matches `AML-NTE` in `rules`; did you mean `AML-NET`?"),
            (
                CheckOptions {
                    suppressions: vec![FileSuppression { id: "AML-DAT-006".into(), resource: None, justification: "x".into(), source: ".amlguard.json".into() }],
                    ..CheckOptions::default()
                },
                "no rule matches `AML-DAT-006` in suppressions `.amlguard.json`; did you mean `AML-DATA-006`?",
            ),
        ];
        for (o, want) in table {
            assert_eq!(&err(o.clone()), want);
        }
    }

    #[test]
    fn bad_parameters_are_named() {
        let table = [
            (serde_json::json!({"allowedVmSize": []}), "no rule has a parameter `allowedVmSize`; did you mean `allowedVmSizes`?"),
            (serde_json::json!({"AML-CMP-002": {"maxMinNodeCnt": 1}}), "rule `AML-CMP-002` has no parameter `maxMinNodeCnt`; did you mean `maxMinNodeCount`?"),
            (serde_json::json!({"AML-CMP-002": 1}), "rule parameters for `AML-CMP-002` must be an object, found int"),
            (serde_json::json!({"AML-CMP-999": {}}), "no rule matches `AML-CMP-999` in rule parameters; did you mean `AML-CMP-001`?"),
            (serde_json::json!({"allowedVmSizes": "Standard_DS3_v2"}), "parameter `allowedVmSizes` of rule `AML-CMP-004`: expected Array, found string"),
            (serde_json::json!({"effect": "Audit"}), "parameter `effect` of rule `AML-MON-001`: `Audit` is not one of `AuditIfNotExists`, `Disabled`"),
            (serde_json::json!({"effect": "Block"}), "parameter `effect` of rule `AML-CMP-001`: `Block` is not one of `Audit`, `Deny`, `Disabled`"),
        ];
        for (p, want) in table {
            let o = CheckOptions { parameters: params(p.clone()), ..CheckOptions::default() };
            let got = err(o);
            assert_eq!(got, want, "{p}");
        }
    }

    #[test]
    fn distance_counts_edits() {
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("AML-NET-01", "aml-net-001"), 1);
        assert_eq!(distance("", "abc"), 3);
    }
}
