//! Running the catalog over a deployment: simulate, evaluate every selected
//! rule on every resource, turn verdicts into findings, apply suppressions.

use super::adapter::{self, DeploymentIndex, Prepared, Verdict};
use super::checks::{self, CheckOutcome};
use super::{Catalog, Rule, Severity};
use crate::model::{Deployment, Resource};
use crate::report::{Evidence, Finding, Location, Report, ResourceRef, Status, Suppression};
use crate::value::{Map, Value};

/// What to run and how.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckOptions {
    /// Only these rules (ids, or prefixes such as `AML-NET`); empty = all.
    pub rules: Vec<String>,
    /// Skip these rules (ids or prefixes).
    pub skip: Vec<String>,
    /// Rule parameter values: `{"allowedVmSizes": [...]}` applies to every
    /// rule declaring that parameter; `{"AML-CMP-004": {"allowedVmSizes": [...]}}`
    /// to one rule (wins over the plain form).
    pub parameters: Map,
    /// Lowest severity that makes [`Report::exit_code`] return 1 (used by front ends).
    pub fail_on: Severity,
    /// Suppressions from files (`.amlguard.json`, `--suppressions`).
    pub suppressions: Vec<FileSuppression>,
    /// Apply Azure's defaults and derived properties first (on by default).
    pub simulate: bool,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            rules: Vec::new(),
            skip: Vec::new(),
            parameters: Map::new(),
            fail_on: Severity::Low,
            suppressions: Vec::new(),
            simulate: true,
        }
    }
}

/// One suppression read from a suppressions file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSuppression {
    /// Rule id (or prefix, or `*`).
    pub id: String,
    /// Resource name or id it applies to (case-insensitive); `None` = every resource.
    pub resource: Option<String>,
    /// Why (required).
    pub justification: String,
    /// The file it came from.
    pub source: String,
}

/// Read a suppressions file: `{"suppress": [{"id": "AML-NET-001",
/// "resource": "ws", "justification": "…"}]}`. A justification is required.
pub fn parse_suppressions(text: &str, source: &str) -> Result<Vec<FileSuppression>, String> {
    let doc = crate::json::parse(text).map_err(|e| format!("{source}: {e}"))?;
    let items = doc
        .get("suppress")
        .and_then(Value::as_array)
        .ok_or_else(|| format!("{source}: expected an object with a `suppress` array"))?;
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let id = item.get("id").and_then(Value::as_str).ok_or_else(|| format!("{source}: `/suppress/{i}/id` is missing"))?;
        let justification = item
            .get("justification")
            .and_then(Value::as_str)
            .filter(|j| !j.trim().is_empty())
            .ok_or_else(|| format!("{source}: `/suppress/{i}` needs a non-empty `justification`"))?;
        out.push(FileSuppression {
            id: id.to_owned(),
            resource: item.get("resource").and_then(Value::as_str).map(str::to_owned),
            justification: justification.to_owned(),
            source: source.to_owned(),
        });
    }
    Ok(out)
}

pub(crate) fn id_matches(pattern: &str, id: &str) -> bool {
    pattern == "*" || id.eq_ignore_ascii_case(pattern) || id.to_ascii_uppercase().starts_with(&format!("{}-", pattern.to_ascii_uppercase()))
}

fn selected(rule: &Rule, options: &CheckOptions) -> bool {
    (options.rules.is_empty() || options.rules.iter().any(|p| id_matches(p, &rule.id)))
        && !options.skip.iter().any(|p| id_matches(p, &rule.id))
}

/// Parameter values for `rule`: defaults, then plain overrides, then the
/// rule-specific object.
pub fn rule_parameters(rule: &Rule, options: &Map) -> Map {
    let mut merged = Map::new();
    for (k, v) in options {
        if !k.to_ascii_uppercase().starts_with("AML-") {
            merged.insert(k.clone(), v.clone());
        }
    }
    if let Some(Value::Object(specific)) = options.iter().find(|(k, _)| k.eq_ignore_ascii_case(&rule.id)).map(|(_, v)| v) {
        for (k, v) in specific {
            merged.insert(k.clone(), v.clone());
        }
    }
    rule.parameter_values(Some(&merged))
}

/// Resource types a rule's `if` names at the top level (`field: type` with
/// `equals`/`in`), for counting how many resources a rule applies to.
/// Empty means "any type".
pub fn rule_types(rule: &Rule) -> Vec<String> {
    fn walk(c: &Value, out: &mut Vec<String>, depth: usize) {
        if depth > 3 {
            return;
        }
        if c.get("field").and_then(Value::as_str).is_some_and(|f| f.eq_ignore_ascii_case("type")) {
            if let Some(s) = c.get("equals").and_then(Value::as_str) {
                out.push(s.to_ascii_lowercase());
            }
            for s in c.get("in").and_then(Value::as_array).unwrap_or_default() {
                if let Some(s) = s.as_str() {
                    out.push(s.to_ascii_lowercase());
                }
            }
        }
        for key in ["allOf", "anyOf"] {
            for sub in c.get(key).and_then(Value::as_array).unwrap_or_default() {
                walk(sub, out, depth.saturating_add(1));
            }
        }
    }
    let mut out = Vec::new();
    if let Some(c) = rule.policy_rule.get("if") {
        walk(c, &mut out, 0);
    }
    out
}

fn template_suppression(resource: &Resource, rule_id: &str) -> Option<Suppression> {
    let list = resource.value.get_ci("metadata")?.get_ci("amlguard")?.get_ci("suppress")?.as_array()?;
    list.iter().find_map(|s| {
        let id = s.get_ci("id")?.as_str()?;
        if !id_matches(id, rule_id) {
            return None;
        }
        let justification = s.get_ci("justification").and_then(Value::as_str).filter(|j| !j.trim().is_empty());
        Some(Suppression {
            justification: justification.unwrap_or("(no justification given)").to_owned(),
            source: "template".to_owned(),
        })
    })
}

fn file_suppression(resource: &Resource, rule_id: &str, list: &[FileSuppression]) -> Option<Suppression> {
    list.iter()
        .find(|s| {
            id_matches(&s.id, rule_id)
                && s.resource.as_deref().is_none_or(|r| {
                    r == "*" || r.eq_ignore_ascii_case(resource.name()) || r.eq_ignore_ascii_case(resource.id())
                })
        })
        .map(|s| Suppression { justification: s.justification.clone(), source: s.source.clone() })
}

/// The resource's name, or what stands in for it when the name is not a
/// string (a name built from a parameter without value).
fn display_name(r: &Resource) -> String {
    match r.value.get_ci("name") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        Some(other @ Value::Unknown(_)) => other.to_string(),
        _ => format!("<unnamed {}>", r.type_()),
    }
}

/// The title inside a sentence: first letter lowered unless it starts an
/// acronym (`TLS`, `SSH`), appended to `out`.
fn push_in_sentence(out: &mut String, title: &str) {
    let mut cs = title.chars();
    match (cs.next(), cs.next()) {
        // (an ASCII first letter: the rest copied as one slice)
        (Some(a), Some(b)) if b.is_lowercase() && a.is_ascii() => {
            out.push(a.to_ascii_lowercase());
            out.push_str(title.get(1..).unwrap_or_default());
        }
        (Some(a), Some(b)) if b.is_lowercase() => out.extend(crate::case::lower_char(a).chain(title.chars().skip(1))),
        _ => out.push_str(title),
    }
}

/// A message naming the resource and the rule's title:
/// `` `name`{before}"title in a sentence"{after} ``, written into one
/// string sized up front (`extra`: bytes appended afterwards).
fn titled_message(name: &str, before: &str, title: &str, after: &str, extra: usize) -> String {
    let mut m = String::with_capacity(name.len() + before.len() + title.len() + after.len() + 4 + extra);
    m.push('`');
    m.push_str(name);
    m.push_str(before);
    m.push('"');
    push_in_sentence(&mut m, title);
    m.push('"');
    m.push_str(after);
    m
}

fn finding(rule: &Rule, resource: &Resource, status: Status, message: String, evidence: Vec<Value>, unknown: Vec<String>) -> Finding {
    let evidence = evidence.into_iter().map(Evidence::Other).collect();
    named_finding(rule, resource, display_name(resource), status, message, evidence, unknown)
}

/// [`finding`] with the resource's [`display_name`] already worked out.
fn named_finding(rule: &Rule, resource: &Resource, name: String, status: Status, message: String, evidence: Vec<Evidence>, unknown: Vec<String>) -> Finding {
    Finding {
        rule_id: rule.id.clone(),
        title: rule.title.clone(),
        severity: rule.severity,
        status,
        resource: ResourceRef { type_: resource.type_().to_owned(), name, id: resource.id().to_owned() },
        location: Location {
            file: resource.provenance.file.clone(),
            pointer: resource.provenance.pointer.clone(),
            line: resource.provenance.line,
        },
        message,
        evidence,
        unknown,
        remediation: rule.remediation_text(),
        suppressed: None,
    }
}

/// Evaluate one rule on one resource of a (simulated) deployment.
/// `None` = pass or not applicable.
pub fn evaluate_rule(rule: &Rule, index: usize, deployment: &Deployment, params: &Map) -> Option<Finding> {
    let dx = DeploymentIndex::new(deployment);
    evaluate_prepared(&Prepared::new(rule), index, deployment, params, &dx, &mut checks::Indexes::default())
}

fn evaluate_prepared(
    p: &Prepared<'_>,
    index: usize,
    deployment: &Deployment,
    params: &Map,
    dx: &DeploymentIndex,
    cx: &mut checks::Indexes,
) -> Option<Finding> {
    let rule = p.rule();
    let resource = deployment.resources.get(index)?;
    let name = || display_name(resource);
    // (a match of a rule with a named check is judged by the check: its
    // evidence is not needed)
    match adapter::evaluate_prepared_keep(p, index, deployment, params, dx, rule.check.is_none()) {
        Verdict::NoMatch => None,
        Verdict::Unknown { unknown, evidence } => {
            let name = name();
            let message = titled_message(&name, "`: cannot tell before deployment whether ", &rule.title, " holds", 0);
            Some(named_finding(rule, resource, name, Status::Indeterminate, message, evidence, unknown))
        }
        Verdict::Match { evidence } => match &rule.check {
            None => {
                let name = name();
                let mut message = titled_message(&name, "` does not meet ", &rule.title, "", 96);
                adapter::describe_into(&mut message, &evidence);
                Some(named_finding(rule, resource, name, Status::Fail, message, evidence, Vec::new()))
            }
            Some(check) => checks::run_indexed(check, deployment, index, params, cx)
                .and_then(|outcome| check_finding(rule, resource, outcome, |m| ["`", &name(), "`: ", &m].concat())),
        },
        Verdict::Error(e) => {
            let name = name();
            let message = format!("rule could not be evaluated on `{name}`: {e}");
            Some(named_finding(rule, resource, name, Status::Indeterminate, message, Vec::new(), vec![e]))
        }
    }
}

/// The finding of a named check's outcome on `subject` (`None`: it passed);
/// `unknown_message` words an indeterminate outcome's message.
fn check_finding(rule: &Rule, subject: &Resource, outcome: CheckOutcome, unknown_message: impl FnOnce(String) -> String) -> Option<Finding> {
    match outcome {
        CheckOutcome::Pass => None,
        CheckOutcome::Fail { message, evidence } => Some(finding(rule, subject, Status::Fail, message, evidence, Vec::new())),
        CheckOutcome::Unknown { message, unknown } => {
            Some(finding(rule, subject, Status::Indeterminate, unknown_message(message), Vec::new(), unknown))
        }
    }
}

/// Run the catalog over `deployment`. Never fails: anything that cannot be
/// decided becomes an indeterminate finding.
pub fn check_with(catalog: &Catalog, deployment: &Deployment, options: &CheckOptions) -> Report {
    check_owned(catalog, deployment.clone(), options)
}

/// [`check_with`] on a deployment the caller hands over (simulation then
/// works on it in place instead of on a copy).
pub fn check_owned(catalog: &Catalog, deployment: Deployment, options: &CheckOptions) -> Report {
    let mut dep = deployment;
    let defaulted = if options.simulate { crate::simulate::apply_recording(&mut dep) } else { Vec::new() };
    let mut report = Report { diagnostics: dep.diagnostics.clone(), ..Report::default() };
    report.summary.resources = dep.resources.len();
    // Computed once per deployment, shared by every rule.
    let dx = DeploymentIndex::new(&dep);
    let mut cx = checks::Indexes::default();
    let embedded = std::ptr::eq(catalog, Catalog::embedded());
    let mut by_type: Vec<(bool, bool)> = Vec::with_capacity(dx.type_names.len());
    for (i, rule) in catalog.rules().iter().enumerate().filter(|(_, r)| selected(r, options)) {
        let prepared = if embedded { Prepared::embedded(rule, i) } else { Prepared::new(rule) };
        let params = if options.parameters.is_empty() {
            std::borrow::Cow::Borrowed(prepared.default_parameters())
        } else {
            std::borrow::Cow::Owned(rule_parameters(rule, &options.parameters))
        };
        if params.get("effect").and_then(Value::as_str).is_some_and(|e| e.eq_ignore_ascii_case("disabled")) {
            continue;
        }
        report.summary.rules += 1;
        let types = prepared.types();
        let type_applies = |t: &str| types.is_empty() || types.iter().any(|x| x.eq_ignore_ascii_case(t));
        // Per interned type: does the rule count it (`applies`), can its
        // `if` hold on it (`may`, see `Prepared::may_match`)? (Both sides
        // are ASCII lowercase: plain comparison; the buffers are reused.)
        by_type.clear();
        by_type.extend(dx.type_names.iter().map(|t| (types.is_empty() || types.iter().any(|x| x == t), prepared.may_match_type(t))));
        for (index, resource) in dep.resources.iter().enumerate() {
            let (applies, may) = match dx.type_of.get(index).copied().flatten() {
                Some(t) => by_type.get(t).copied().unwrap_or((false, false)),
                None => (type_applies(resource.type_()), true),
            };
            // A resource whose type the rule's `if` excludes cannot match:
            // skipping it gives the same (empty) result without evaluating.
            let found = if may {
                evaluate_prepared(&prepared, index, &dep, &params, &dx, &mut cx)
            } else {
                None
            };
            if applies {
                report.summary.checks += 1;
            }
            match found {
                Some(mut f) => {
                    note_defaults(&mut f, index, &defaulted);
                    f.suppressed = template_suppression(resource, &rule.id)
                        .or_else(|| file_suppression(resource, &rule.id, &options.suppressions));
                    report.findings.push(f);
                }
                None if applies => report.summary.passed += 1,
                None => {}
            }
        }
        for (subject, outcome) in rule.check.as_deref().map(|c| checks::on_deployment(c, &dep)).unwrap_or_default() {
            report.summary.checks += 1;
            match check_finding(rule, &subject, outcome, |m| m) {
                Some(mut f) => {
                    f.suppressed = file_suppression(&subject, &rule.id, &options.suppressions);
                    report.findings.push(f);
                }
                None => report.summary.passed += 1,
            }
        }
    }
    report.finish();
    report
}

/// Say so when the evidence rests on a value Azure fills in, not one the
/// input wrote.
fn note_defaults(f: &mut Finding, index: usize, defaulted: &[(usize, String)]) {
    let paths: Vec<&str> = f.evidence.iter().filter_map(Evidence::path).collect();
    // `defaulted` is in resource order: only this resource's range is read.
    let start = defaulted.partition_point(|(i, _)| *i < index);
    let end = defaulted.partition_point(|(i, _)| *i <= index);
    let used: Vec<&str> = defaulted
        .get(start..end)
        .unwrap_or_default()
        .iter()
        .filter(|(_, p)| paths.iter().any(|e| e.eq_ignore_ascii_case(p)))
        .map(|(_, p)| p.as_str())
        .collect();
    if !used.is_empty() {
        f.message.push_str("; not set in the input, so Azure's default applies to ");
        for (i, p) in used.iter().enumerate() {
            f.message.push_str(if i == 0 { "`" } else { ", `" });
            f.message.push_str(p);
            f.message.push('`');
        }
    }
}

/// Run the embedded catalog (see [`check_with`]).
pub fn check(deployment: &Deployment, options: &CheckOptions) -> Report {
    check_with(Catalog::embedded(), deployment, options)
}

/// Run one rule's examples; returns a description of each example whose
/// verdict differs from what the rule file says (empty = all agree).
pub fn run_examples(rule: &Rule) -> Vec<String> {
    let mut problems = Vec::new();
    for (expected, ex) in rule.all_examples() {
        let doc = Value::Array(ex.resources.clone());
        let dep = match Deployment::from_resources(&doc, Some(&format!("{}#{}", rule.id, ex.name)), None) {
            Ok(d) => d,
            Err(e) => {
                problems.push(format!("{} / {}: {e}", rule.id, ex.name));
                continue;
            }
        };
        let mut params = Map::new();
        if let Some(p) = &ex.parameters {
            params.insert(rule.id.clone(), Value::Object(p.clone()));
        }
        let options = CheckOptions { rules: vec![rule.id.clone()], parameters: params, ..CheckOptions::default() };
        let cat = Catalog { rules: vec![rule.clone()], errors: Vec::new() };
        let report = check_with(&cat, &dep, &options);
        let fails = report.findings.iter().filter(|f| f.status == Status::Fail).count();
        let ind = report.findings.iter().filter(|f| f.status == Status::Indeterminate).count();
        let ok = match expected {
            "pass" => fails == 0 && ind == 0,
            "fail" => fails > 0,
            _ => fails == 0 && ind > 0,
        };
        if !ok {
            let got: Vec<String> = report.findings.iter().map(|f| format!("{} {}: {}", f.status.as_str(), f.resource.name, f.message)).collect();
            problems.push(format!("{} / {} (expected {expected}): got {:?}", rule.id, ex.name, got));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suppressions_files_need_justifications() {
        let ok = parse_suppressions(r#"{"suppress": [{"id": "AML-NET-001", "resource": "ws", "justification": "demo"}]}"#, ".amlguard.json").unwrap();
        assert_eq!(ok.len(), 1);
        let e = parse_suppressions(r#"{"suppress": [{"id": "AML-NET-001"}]}"#, "s.json").unwrap_err();
        assert!(e.contains("justification"), "{e}");
    }

    #[test]
    #[cfg_attr(feature = "slim", ignore = "needs the rules' examples; the slim build embeds rules without them")]
    fn resources_skipped_by_type_never_match() {
        // Every rule on every example resource of every rule (simulated):
        // whenever the type guard skips a resource, evaluating it anyway
        // gives no match, so skipping changes nothing.
        let cat = Catalog::embedded();
        let mut deps = Vec::new();
        for r in cat.rules() {
            for (_, ex) in r.all_examples() {
                if let Ok(mut d) = Deployment::from_resources(&Value::Array(ex.resources.clone()), None, None) {
                    crate::simulate::apply(&mut d);
                    deps.push(d);
                }
            }
        }
        let (mut skipped, mut kept) = (0, 0);
        for rule in cat.rules() {
            let p = Prepared::new(rule);
            let params = rule.parameter_values(None);
            for d in &deps {
                let dx = DeploymentIndex::new(d);
                for i in 0..d.resources.len() {
                    if p.may_match(&dx, i) {
                        kept += 1;
                        continue;
                    }
                    skipped += 1;
                    assert_eq!(adapter::evaluate(rule, i, d, &params), Verdict::NoMatch, "{} on {}", rule.id, d.resources[i].type_());
                }
            }
        }
        assert!(skipped > 1_000 && kept > 100, "{skipped} skipped, {kept} kept");
    }

    #[test]
    fn type_guards_are_literal_and_unknown_types_are_never_skipped() {
        let g = |j: serde_json::Value| adapter::type_guard(&Value::from(j), 0);
        assert_eq!(g(serde_json::json!({"field": "type", "equals": "A/B"})), Some(vec!["a/b".to_owned()]));
        assert_eq!(
            g(serde_json::json!({"allOf": [{"field": "name", "equals": "x"}, {"field": "type", "in": ["A/B", "c/d"]}]})),
            Some(vec!["a/b".to_owned(), "c/d".to_owned()])
        );
        assert_eq!(
            g(serde_json::json!({"anyOf": [{"field": "type", "equals": "A"}, {"allOf": [{"field": "type", "equals": "B"}]}]})),
            Some(vec!["a".to_owned(), "b".to_owned()])
        );
        // one member without a guard: any type may match
        assert_eq!(g(serde_json::json!({"anyOf": [{"field": "type", "equals": "A"}, {"field": "name", "equals": "x"}]})), None);
        assert_eq!(g(serde_json::json!({"not": {"field": "type", "equals": "A"}})), None);
        assert_eq!(g(serde_json::json!({"field": "type", "notEquals": "A"})), None);
        assert_eq!(g(serde_json::json!({"field": "type", "equals": "[parameters('t')]"})), None);
        // a resource whose type is unknown meets every rule
        let mut d = Deployment::default();
        d.push(Value::from(serde_json::json!({"name": "x"})), crate::model::Provenance::default());
        if let Value::Object(m) = &mut d.resources[0].value {
            m.insert("type".into(), Value::unknown("type from a parameter"));
        }
        let dx = DeploymentIndex::new(&d);
        let rule = Catalog::embedded().get("AML-NET-001").unwrap();
        let p = Prepared::new(rule);
        assert!(p.guard().is_some());
        assert!(p.may_match(&dx, 0));
        assert!(matches!(adapter::evaluate(rule, 0, &d, &rule.parameter_values(None)), Verdict::Unknown { .. }));
    }

    #[test]
    fn ids_match_exactly_or_by_area_prefix() {
        assert!(id_matches("AML-NET", "AML-NET-001"));
        assert!(id_matches("aml-net-001", "AML-NET-001"));
        assert!(!id_matches("AML-NE", "AML-NET-001"));
        assert!(id_matches("*", "AML-NET-001"));
    }

    #[test]
    fn rule_specific_parameters_win() {
        let rule = Catalog::embedded().get("AML-CMP-002").unwrap();
        let mut o = Map::new();
        o.insert("maxMinNodeCount".into(), Value::Int(1));
        assert_eq!(rule_parameters(rule, &o).get("maxMinNodeCount"), Some(&Value::Int(1)));
        o.insert("AML-CMP-002".into(), Value::Object([("maxMinNodeCount".to_owned(), Value::Int(2))].into_iter().collect()));
        assert_eq!(rule_parameters(rule, &o).get("maxMinNodeCount"), Some(&Value::Int(2)));
    }

    #[test]
    fn rule_types_are_read_from_the_condition() {
        let rule = Catalog::embedded().get("AML-IAM-001").unwrap();
        assert_eq!(rule_types(rule), vec!["microsoft.machinelearningservices/workspaces/computes".to_owned()]);
    }

    #[test]
    fn template_and_file_suppressions_keep_the_finding() {
        let doc: Value = serde_json::json!([
            {"type": "Microsoft.Network/privateEndpoints", "name": "a"},
            {"type": "Microsoft.KeyVault/vaults/secrets", "name": "kv/s", "properties": {"value": "literal"},
             "metadata": {"amlguard": {"suppress": [{"id": "AML-DATA-006", "justification": "test fixture"}]}}},
            {"type": "Microsoft.KeyVault/vaults/secrets", "name": "kv/t", "properties": {"value": "literal"}}
        ])
        .into();
        let dep = Deployment::from_resources(&doc, None, None).unwrap();
        let opts = CheckOptions {
            rules: vec!["AML-DATA-006".into()],
            suppressions: parse_suppressions(r#"{"suppress": [{"id": "AML-DATA", "resource": "kv/t", "justification": "rotated"}]}"#, "x.json").unwrap(),
            ..CheckOptions::default()
        };
        let r = check(&dep, &opts);
        assert_eq!(r.findings.len(), 2, "{:#?}", r.findings);
        assert_eq!(r.findings[0].suppressed.as_ref().map(|s| s.source.as_str()), Some("template"));
        assert_eq!(r.findings[1].suppressed.as_ref().map(|s| s.justification.as_str()), Some("rotated"));
        assert_eq!(r.exit_code(Severity::Low), 0);
        assert_eq!(r.summary.suppressed, 2);
    }
}
