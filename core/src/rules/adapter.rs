//! The one place the catalog talks to the policy engine: evaluate a rule's
//! `policyRule` on one resource (with the deployment, for `related` counts
//! and auditIfNotExists) and reduce the engine's answer to a [`Verdict`].

use super::Rule;
use crate::model::{normalise_id, Deployment};
use crate::policy::{EvalContext, Outcome, Policy};
use crate::report::Evidence;
use crate::value::{Map, Value};
use std::collections::HashMap;
use std::sync::OnceLock;

/// The rule's condition on one resource.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// The condition holds (the resource breaks the rule), with evidence.
    Match {
        /// What the engine compared.
        evidence: Vec<Evidence>,
    },
    /// The condition does not hold.
    NoMatch,
    /// The condition depends on unknown values.
    Unknown {
        /// What is unknown.
        unknown: Vec<String>,
        /// What the engine compared.
        evidence: Vec<Evidence>,
    },
    /// The rule could not be evaluated (a bug in the rule or the engine).
    Error(String),
}

/// The rule as an Azure Policy definition (what the engine compiles).
pub fn definition(rule: &Rule) -> Value {
    let mut props = Map::new();
    props.insert("mode".into(), Value::from(rule.mode.as_deref().unwrap_or("All")));
    props.insert("parameters".into(), Value::Object(rule.parameters.clone()));
    props.insert("policyRule".into(), rule.policy_rule.clone());
    let mut def = Map::new();
    def.insert("properties".into(), Value::Object(props));
    Value::Object(def)
}

fn compile(rule: &Rule) -> Result<Policy, String> {
    Policy::parse(&definition(rule)).map_err(|e| format!("rule `{}` does not compile: {e}", rule.id))
}

/// What a rule needs before it runs, worked out once: the compiled policy
/// (or why not), the type guard of its `if` and the types it counts.
#[derive(Debug)]
struct Ready {
    policy: Result<Policy, String>,
    guard: Option<Vec<String>>,
    types: Vec<String>,
    /// Parameter values when the caller sets none.
    defaults: Map,
}

impl Ready {
    fn new(rule: &Rule) -> Ready {
        let policy = compile(rule);
        // A policy that does not compile gives an error on every resource, and
        // a data-plane mode an unknown: no type can be skipped for those.
        let guard = match &policy {
            Ok(pol) if !pol.mode.as_deref().is_some_and(|m| m.contains('.')) => rule.policy_rule.get("if").and_then(|c| type_guard(c, 0)),
            _ => None,
        };
        Ready { policy, guard, types: super::run::rule_types(rule), defaults: super::run::rule_parameters(rule, &Map::new()) }
    }
}

/// The embedded catalog's rules prepared, in catalog order: (the
/// `policyRule` prepared, what was prepared), and each rule id's position.
/// The `policyRule` is the embedded catalog's own, so a rule of that
/// catalog is recognised by address without comparing the trees.
struct Compiled {
    ready: Vec<(&'static Value, Ready)>,
    by_id: HashMap<String, usize, crate::value::MapHasher>,
}

/// Prepared rules of the embedded catalog (prepared once).
fn compiled() -> &'static Compiled {
    static CACHE: OnceLock<Compiled> = OnceLock::new();
    CACHE.get_or_init(|| {
        let rules = super::Catalog::embedded().rules();
        Compiled {
            ready: rules.iter().map(|r| (&r.policy_rule, Ready::new(r))).collect(),
            by_id: rules.iter().enumerate().map(|(i, r)| (r.id.clone(), i)).collect(),
        }
    })
}

/// What [`evaluate_prepared`] needs about a deployment, computed once per
/// deployment instead of once per rule and resource: each resource's type
/// (interned, lowercase), the resources of each type, and which resources
/// point to which.
#[derive(Debug, Default)]
pub struct DeploymentIndex {
    /// Lowercase type names, indexed by type id.
    pub type_names: Vec<String>,
    /// Type id of each resource; `None` when its `type` is not an ASCII string
    /// (unknown, missing, or non-ASCII: such resources meet every rule).
    pub type_of: Vec<Option<usize>>,
    /// Resources of each type id, in resource order.
    by_type: Vec<Vec<usize>>,
    /// `(from, to)` of every relation, sorted.
    edges: Vec<(usize, usize)>,
}

impl DeploymentIndex {
    /// Index `deployment` (after simulation: relations as they will be read).
    pub fn new(deployment: &Deployment) -> DeploymentIndex {
        let mut ids: HashMap<String, usize, crate::value::MapHasher> = HashMap::default();
        let mut idx = DeploymentIndex::default();
        for (i, r) in deployment.resources.iter().enumerate() {
            let t = match r.value.get_ci("type") {
                Some(Value::String(s)) if s.is_ascii() => {
                    let lower = s.to_ascii_lowercase();
                    let next = idx.type_names.len();
                    let id = *ids.entry(lower.clone()).or_insert(next);
                    if id == next {
                        idx.type_names.push(lower);
                        idx.by_type.push(Vec::new());
                    }
                    if let Some(list) = idx.by_type.get_mut(id) {
                        list.push(i);
                    }
                    Some(id)
                }
                _ => None,
            };
            idx.type_of.push(t);
        }
        idx.edges = deployment.relations.iter().map(|r| (r.from, r.to)).collect();
        crate::order::sort_unstable(&mut idx.edges);
        idx.edges.dedup();
        idx
    }

    /// Resources whose type (lowercase) is `lower`.
    fn of_type(&self, lower: &str) -> &[usize] {
        self.type_names.iter().position(|t| t == lower).and_then(|i| self.by_type.get(i)).map_or(&[], Vec::as_slice)
    }

    fn has_edge(&self, from: usize, to: usize) -> bool {
        self.edges.binary_search(&(from, to)).is_ok()
    }
}

/// Resources of `type_` that belong to resource `index`: extension resources
/// whose `scope` (or any property) points at it, whose id is under
/// `<id>/providers/`, or nested-name forms such as
/// `<parent type>/providers/diagnosticSettings` named `ws/Microsoft.Insights/x`.
fn existence_candidates(deployment: &Deployment, index: usize, type_: &str, dx: &DeploymentIndex) -> Vec<Value> {
    let Some(me) = deployment.resources.get(index) else { return Vec::new() };
    let own = normalise_id(me.id());
    let under = format!("{own}/providers/");
    let leaf = type_.rsplit('/').next().unwrap_or(type_).to_ascii_lowercase();
    let nested_type = format!("{}/providers/{leaf}", me.type_().to_ascii_lowercase());
    let name_prefix = format!("{}/", me.name().to_ascii_lowercase());
    // Candidates of either type, in resource order (as a scan would find them).
    let lower = type_.to_ascii_lowercase();
    let same = nested_type == lower;
    let mut candidates: Vec<(usize, bool)> = dx.of_type(&lower).iter().map(|&i| (i, same)).collect();
    if !same {
        candidates.extend(dx.of_type(&nested_type).iter().map(|&i| (i, true)));
        crate::order::sort_unstable(&mut candidates);
    }
    candidates
        .into_iter()
        .filter_map(|(i, nested)| {
            let r = deployment.resources.get(i)?;
            let belongs = dx.has_edge(i, index)
                || normalise_id(r.id()).starts_with(&under)
                || (nested && r.name().to_ascii_lowercase().starts_with(&name_prefix));
            belongs.then(|| r.value.clone())
        })
        .collect()
}

/// A rule ready to run on many resources: its compiled policy, the type of
/// its existence condition, and the resource types it can match at all.
#[derive(Debug)]
pub struct Prepared<'r> {
    rule: &'r Rule,
    ready: Held,
    details_type: Option<&'r str>,
}

/// The embedded catalog's preparation, or one made for this rule.
#[derive(Debug)]
enum Held {
    Cached(&'static Ready),
    Fresh(Box<Ready>),
}

impl<'r> Prepared<'r> {
    /// Compile (or find the compiled form of) `rule`.
    pub fn new(rule: &'r Rule) -> Prepared<'r> {
        let c = compiled();
        Prepared::with(rule, c.by_id.get(&rule.id).and_then(|&i| c.ready.get(i)))
    }

    /// [`Prepared::new`] for rule `i` of the embedded catalog (found by
    /// position instead of id).
    pub(crate) fn embedded(rule: &'r Rule, i: usize) -> Prepared<'r> {
        Prepared::with(rule, compiled().ready.get(i))
    }

    fn with(rule: &'r Rule, cached: Option<&'static (&'static Value, Ready)>) -> Prepared<'r> {
        let ready = match cached {
            Some((pr, r)) if std::ptr::eq(*pr, &rule.policy_rule) || **pr == rule.policy_rule => Held::Cached(r),
            _ => Held::Fresh(Box::new(Ready::new(rule))),
        };
        let details_type = rule
            .policy_rule
            .get("then")
            .and_then(|t| t.get("details"))
            .and_then(|d| d.get("type"))
            .and_then(Value::as_str);
        Prepared { rule, ready, details_type }
    }

    /// The rule.
    pub fn rule(&self) -> &'r Rule {
        self.rule
    }

    fn ready(&self) -> &Ready {
        match &self.ready {
            Held::Cached(r) => r,
            Held::Fresh(r) => r,
        }
    }

    fn policy(&self) -> &Result<Policy, String> {
        &self.ready().policy
    }

    /// Lowercase types of which a resource must be for the `if` to hold
    /// (see [`type_guard`]); `None` = any resource may match.
    pub fn guard(&self) -> Option<&[String]> {
        self.ready().guard.as_deref()
    }

    /// [`super::run::rule_parameters`] of the rule with no values given.
    pub fn default_parameters(&self) -> &Map {
        &self.ready().defaults
    }

    /// The rule's [`super::run::rule_types`] (empty = any type).
    pub fn types(&self) -> &[String] {
        &self.ready().types
    }

    /// Can the `if` of this rule hold on resource `i`? `false` only when the
    /// resource's type is a known string outside [`Prepared::guard`]: its
    /// `field: type` condition is then false, and so is the whole `if`.
    pub fn may_match(&self, dx: &DeploymentIndex, i: usize) -> bool {
        match dx.type_of.get(i).copied().flatten() {
            Some(t) => dx.type_names.get(t).is_some_and(|name| self.may_match_type(name)),
            None => true,
        }
    }

    /// [`Prepared::may_match`] for a resource of the interned (lowercase)
    /// type `name`.
    pub(crate) fn may_match_type(&self, name: &str) -> bool {
        self.guard().is_none_or(|g| g.iter().any(|x| x == name))
    }
}

/// Lowercase resource types a condition requires: `{"field": "type",
/// "equals": T}` / `"in": [T…]` (literal ASCII strings, not expressions),
/// the first such guard among the direct members of an `allOf` (Kleene
/// logic: one false member makes the `allOf` false, whatever the others),
/// or the union over an `anyOf` whose members all have guards. `None` when
/// no such guard exists (the rule may match any type).
pub fn type_guard(c: &Value, depth: usize) -> Option<Vec<String>> {
    if depth > 8 {
        return None;
    }
    let m = c.as_object()?;
    let literal = |v: &Value| v.as_str().filter(|s| s.is_ascii() && !s.starts_with('[')).map(str::to_ascii_lowercase);
    if m.len() == 2 && m.get("field").and_then(Value::as_str).is_some_and(|f| f.eq_ignore_ascii_case("type")) {
        if let Some(v) = m.get("equals") {
            return literal(v).map(|t| vec![t]);
        }
        if let Some(Value::Array(items)) = m.get("in") {
            return items.iter().map(literal).collect();
        }
        return None;
    }
    if m.len() != 1 {
        return None;
    }
    if let Some(Value::Array(items)) = m.get("allOf") {
        return items.iter().find_map(|x| type_guard(x, depth.saturating_add(1)));
    }
    if let Some(Value::Array(items)) = m.get("anyOf") {
        let mut out = Vec::new();
        for x in items {
            out.extend(type_guard(x, depth.saturating_add(1))?);
        }
        return Some(out);
    }
    None
}

/// Evaluate `rule` on resource `index` of `deployment`.
pub fn evaluate(rule: &Rule, index: usize, deployment: &Deployment, params: &Map) -> Verdict {
    evaluate_prepared(&Prepared::new(rule), index, deployment, params, &DeploymentIndex::new(deployment))
}

/// [`evaluate`] with the rule prepared and the deployment indexed once.
pub fn evaluate_prepared(p: &Prepared<'_>, index: usize, deployment: &Deployment, params: &Map, dx: &DeploymentIndex) -> Verdict {
    evaluate_prepared_keep(p, index, deployment, params, dx, true)
}

/// [`evaluate_prepared`]; `keep_match`: whether a match carries its
/// evidence (not needed when the rule's named check decides).
pub(crate) fn evaluate_prepared_keep(p: &Prepared<'_>, index: usize, deployment: &Deployment, params: &Map, dx: &DeploymentIndex, keep_match: bool) -> Verdict {
    let Some(resource) = deployment.resources.get(index) else { return Verdict::NoMatch };
    let policy = match p.policy() {
        Ok(p) => p,
        Err(e) => return Verdict::Error(e.clone()),
    };
    let related = p.details_type.map(|t| existence_candidates(deployment, index, t, dx));
    let mut ctx = EvalContext::for_resource(deployment, index);
    ctx.related = related.as_deref();
    let ev = policy.evaluate_quiet(&resource.value, params, &ctx, keep_match);
    // Evidence is converted only for the verdicts that carry it.
    let evidence = |e: Vec<crate::policy::Evidence>| -> Vec<Evidence> { e.into_iter().map(condition).collect() };
    match ev.outcome {
        Outcome::NoMatch => Verdict::NoMatch,
        Outcome::Unknown => Verdict::Unknown { unknown: ev.unknown, evidence: evidence(ev.evidence) },
        Outcome::Match => Verdict::Match { evidence: evidence(ev.evidence) },
    }
}

/// One evidence entry of the engine, its values as they read back after
/// serialising (what a report's reader sees).
fn condition(mut e: crate::policy::Evidence) -> Evidence {
    e.value = e.value.map(as_json);
    e.expected = as_json(e.expected);
    Evidence::Condition(e)
}

/// `v` as it reads back after serialising: non-finite numbers become null,
/// and an object holding only the unknown marker becomes unknown.
fn as_json(v: Value) -> Value {
    match v {
        Value::Float(f) if !f.is_finite() => Value::Null,
        Value::Array(mut a) => {
            for x in &mut a {
                *x = as_json(std::mem::take(x));
            }
            Value::Array(a)
        }
        Value::Object(mut m) => {
            if m.len() == 1 {
                if let Some(Value::String(reason)) = m.get_mut(crate::value::UNKNOWN_KEY) {
                    return Value::unknown(std::mem::take(reason));
                }
            }
            for x in m.values_mut() {
                *x = as_json(std::mem::take(x));
            }
            Value::Object(m)
        }
        other => other,
    }
}

/// A short parenthesised description of the evidence for messages:
/// ` (properties.publicNetworkAccess is "Enabled")` (from the conditions
/// that held; other facts are not described).
pub fn describe(evidence: &[Evidence]) -> String {
    let mut out = String::new();
    describe_into(&mut out, evidence);
    out
}

/// [`describe`], appended to `out`.
pub(crate) fn describe_into(out: &mut String, evidence: &[Evidence]) {
    // Written into one string; a value as its `Display` (compact JSON,
    // strings through the report's escaper, which is serde_json's).
    fn push_value(out: &mut String, v: &Value) {
        match v {
            Value::String(s) => crate::report::push_str_lit(out, s),
            v => {
                use std::fmt::Write as _;
                let _ = write!(out, "{v}");
            }
        }
    }
    let mut parts = 0;
    for e in evidence {
        let c = match e {
            Evidence::Condition(c) if c.result == "true" => c,
            _ => continue,
        };
        let what = c.path.as_deref().unwrap_or(&c.field);
        let value = c.value.as_ref().unwrap_or(&Value::Null);
        let count = what.eq_ignore_ascii_case("count");
        if !count && (what.eq_ignore_ascii_case("type") || what.starts_with('[')) {
            continue;
        }
        out.push_str(if parts == 0 { " (" } else { "; " });
        if count {
            push_value(out, value);
            out.push_str(" matching item(s) where the rule wants ");
            out.push_str(&c.operator);
            out.push(' ');
            push_value(out, &c.expected);
        } else {
            out.push('`');
            out.push_str(what);
            out.push_str("` is ");
            match value {
                Value::Null => out.push_str("absent"),
                v => push_value(out, v),
            }
        }
        parts += 1;
        if parts == 3 {
            break;
        }
    }
    if parts > 0 {
        out.push(')');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Evidence;

    #[test]
    fn evidence_reads_as_its_serde_round_trip() {
        let v = |j: serde_json::Value| Value::from(j);
        let mut odd = Map::new();
        odd.insert(crate::value::UNKNOWN_KEY.into(), Value::from("marker"));
        let cases = [
            Evidence { field: "type".into(), path: None, value: None, operator: "equals".into(), expected: v(serde_json::json!("a/b")), result: "true".into() },
            Evidence {
                field: "x".into(),
                path: Some("properties.x".into()),
                value: Some(Value::Array(vec![Value::Float(f64::NAN), Value::Float(2.5), Value::Int(3), Value::unknown("later"), Value::Object(odd)])),
                operator: "in".into(),
                expected: v(serde_json::json!({"z": 1, "a": [null, true, "s"]})),
                result: "unknown".into(),
            },
        ];
        for e in &cases {
            let via_serde = Value::from(serde_json::to_value(e).unwrap());
            let got = condition(e.clone());
            // The same JSON, and values in memory as they read back from it.
            assert_eq!(Value::from(serde_json::to_value(&got).unwrap()), via_serde);
            assert_eq!(serde_json::to_string(&got).unwrap(), serde_json::to_string(e).unwrap());
            let crate::report::Evidence::Condition(c) = got else { panic!("not a condition") };
            assert_eq!(c.value.as_ref().unwrap_or(&Value::Null), via_serde.get("value").unwrap());
            assert_eq!(&c.expected, via_serde.get("expected").unwrap());
        }
    }

    #[test]
    fn describe_names_up_to_three_conditions_that_held() {
        let c = |field: &str, path: Option<&str>, value: Option<Value>, expected: Value, result: &str| {
            crate::report::Evidence::Condition(Evidence {
                field: field.into(),
                path: path.map(str::to_owned),
                value,
                operator: "equals".into(),
                expected,
                result: result.into(),
            })
        };
        let quoted = Value::from("a \"b\"\n");
        let cases = [
            (vec![], ""),
            (vec![c("type", None, Some(Value::from("x")), Value::from("x"), "true")], ""),
            (vec![c("[field('x')]", None, None, Value::Null, "true")], ""),
            (vec![c("a", Some("properties.a"), Some(quoted.clone()), Value::Null, "true")], " (`properties.a` is \"a \\\"b\\\"\\n\")"),
            (vec![c("a", None, None, Value::Null, "true"), c("b", None, Some(Value::Null), Value::Null, "false")], " (`a` is absent)"),
            (
                vec![c("count", None, Some(Value::Int(2)), Value::Array(vec![Value::Int(1), quoted]), "true")],
                " (2 matching item(s) where the rule wants equals [1,\"a \\\"b\\\"\\n\"])",
            ),
            (
                vec![
                    c("type", None, None, Value::Null, "true"),
                    c("a", None, Some(Value::Bool(true)), Value::Null, "true"),
                    c("b", None, Some(Value::unknown("later")), Value::Null, "true"),
                    c("c", None, Some(Value::Float(0.5)), Value::Null, "true"),
                    c("d", None, Some(Value::Int(4)), Value::Null, "true"),
                ],
                " (`a` is true; `b` is <unknown: later>; `c` is 0.5)",
            ),
            (vec![crate::report::Evidence::Other(Value::from("result"))], ""),
        ];
        for (evidence, want) in cases {
            assert_eq!(describe(&evidence), want, "{evidence:?}");
        }
    }
}
