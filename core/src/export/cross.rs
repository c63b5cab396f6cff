//! Cross-resource rules (the `related` count of docs/design.md) as
//! `auditIfNotExists`.
//!
//! Azure Policy evaluates one resource at a time, except for
//! `auditIfNotExists`/`deployIfNotExists`: after the `if` matches, Azure
//! looks up resources of `details.type` (children or extension resources of
//! the evaluated one, otherwise in its resource group) and the resource is
//! compliant when one of them satisfies `existenceCondition`. That is exactly
//! the rule shape "no related resource of type T (satisfying W) points to
//! this resource":
//!
//! ```json
//! {"allOf": [ C1, …, {"count": {"related": {"direction": "in", "type": T, "path": P}, "where": W}, "less": 1} ]}
//! ```
//!
//! becomes `if: allOf[C1…]`, `details: {type: T, existenceCondition: allOf[W', link]}`
//! where `W'` is `W` with `source('x')` read as `field('x')` (inside
//! `existenceCondition`, a template `field()` reads the evaluated resource)
//! and `link` says that the related resource references this one through
//! `P` (an alias of T). With `P = "id"` (a child or extension resource) the
//! link is Azure's own lookup and no condition is added.
//!
//! Anything else (the count used positively, `direction: out`, nested
//! counts, several counts) has no Azure Policy equivalent and is reported.

use super::definition::{contains_key, EFFECT_REF};
use super::AliasIndex;
use serde_json::{json, Value as Json};

/// A converted rule.
pub(super) struct CrossExport {
    pub policy_rule: Json,
    pub warnings: Vec<String>,
}

struct Absence<'a> {
    type_: String,
    paths: Vec<String>,
    where_: Option<&'a Json>,
    /// `direction: out` through `id`: the related resource is the evaluated
    /// resource's parent.
    parent: bool,
}

/// One `related` object found in a condition.
struct Found {
    direction: String,
    type_: String,
    path: String,
    nested: bool,
}

fn scan(v: &Json, inside: bool, depth: usize, out: &mut Vec<Found>) {
    if depth > 128 {
        return;
    }
    match v {
        Json::Object(m) => {
            if let Some(r) = m.get("count").and_then(|c| c.get("related")) {
                let path = match r.get("path") {
                    Some(Json::String(s)) => s.clone(),
                    Some(Json::Array(a)) => a.iter().filter_map(Json::as_str).collect::<Vec<_>>().join("`, `"),
                    _ => String::new(),
                };
                out.push(Found {
                    direction: r.get("direction").and_then(Json::as_str).unwrap_or("").to_owned(),
                    type_: r.get("type").and_then(Json::as_str).unwrap_or("any type").to_owned(),
                    path,
                    nested: inside,
                });
                if let Some(w) = m.get("count").and_then(|c| c.get("where")) {
                    scan(w, true, depth.saturating_add(1), out);
                }
                for (k, c) in m {
                    if k != "count" {
                        scan(c, inside, depth.saturating_add(1), out);
                    }
                }
                return;
            }
            for c in m.values() {
                scan(c, inside, depth.saturating_add(1), out);
            }
        }
        Json::Array(a) => {
            for c in a {
                scan(c, inside, depth.saturating_add(1), out);
            }
        }
        _ => {}
    }
}

/// The main reason a rule's relation counts have no Azure Policy form, if
/// it is one Azure cannot express whatever the shape of the condition.
fn fundamental_reason(cond: &Json) -> Option<String> {
    let mut found = Vec::new();
    scan(cond, false, 0, &mut found);
    if let Some(f) = found.iter().find(|f| f.nested) {
        return Some(format!(
            "chains `related` counts (a `{}` related to a related resource): Azure Policy looks at most one step away from the evaluated resource",
            f.type_
        ));
    }
    let to_parent = |f: &&Found| f.direction.eq_ignore_ascii_case("out") && f.path.eq_ignore_ascii_case("id");
    if let Some(f) = found.iter().find(|f| !f.direction.eq_ignore_ascii_case("in") && !to_parent(f)) {
        return Some(format!(
            "follows a reference from the evaluated resource to a `{}` (`direction: {}` through `{}`): Azure Policy's existence check finds children, extension resources or resources in the same resource group, not the target of a property",
            f.type_, f.direction, f.path
        ));
    }
    None
}

pub(super) fn convert(rule: &Json, aliases: &AliasIndex) -> Result<CrossExport, String> {
    if let Some(reason) = rule.get("if").and_then(fundamental_reason) {
        return Err(reason);
    }
    let then = rule.get("then").ok_or("`policyRule` has no `then`")?;
    if then.get("details").is_some() {
        return Err("combines a `related` count with `then.details`; Azure Policy has one existence check per definition".to_owned());
    }
    let cond = rule.get("if").ok_or("`policyRule` has no `if`")?;
    let conjuncts: Vec<&Json> = match cond.get("allOf").and_then(Json::as_array) {
        Some(items) if cond.as_object().is_some_and(|m| m.len() == 1) => items.iter().collect(),
        _ => vec![cond],
    };
    let mut rest = Vec::new();
    let mut absence = None;
    for c in conjuncts {
        if !contains_key(c, "related", 0) {
            rest.push(c.clone());
            continue;
        }
        if absence.is_some() {
            return Err("uses more than one `related` count; Azure Policy has one existence check per definition".to_owned());
        }
        absence = Some(parse_absence(c)?);
    }
    let absence = absence.ok_or(
        "uses a `related` count below `anyOf`/`not`; only \"no related resource exists\" at the top of the condition maps to auditIfNotExists",
    )?;
    if rest.is_empty() {
        return Err("has no condition on the evaluated resource besides the `related` count".to_owned());
    }

    let mut warnings = Vec::new();
    let mut existence = Vec::new();
    if let Some(w) = absence.where_ {
        existence.push(source_to_field(w, 0)?);
    }
    let links: Vec<&String> = absence.paths.iter().filter(|p| !p.eq_ignore_ascii_case("id")).collect();
    if !links.is_empty() && links.len() != absence.paths.len() {
        return Err("mixes the parent/child relation `id` with property paths".to_owned());
    }
    if !links.is_empty() {
        let mut any = Vec::new();
        for p in links {
            let alias = aliases.alias_for_path(&absence.type_, p).ok_or_else(|| {
                format!("no Azure Policy alias of `{}` addresses the relation path `{p}`", absence.type_)
            })?;
            any.push(link_condition(alias));
        }
        existence.push(if any.len() == 1 { any.remove(0) } else { json!({"anyOf": any}) });
        warnings.push(format!(
            "Azure looks for the related `{}` in the resource group of the evaluated resource (auditIfNotExists lookup); one in another resource group is not seen",
            absence.type_
        ));
    }
    let mut details = serde_json::Map::new();
    details.insert("type".to_owned(), Json::from(absence.type_.clone()));
    if absence.parent {
        // The parent is found by type and name in the evaluated resource's
        // resource group (a child shares its parent's); its name is the
        // first segment of the child's full name. Only a top-level parent
        // of every type the rule targets qualifies.
        let top_level = absence.type_.matches('/').count() == 1;
        let prefix = format!("{}/", absence.type_.to_ascii_lowercase());
        let targets = super::definition::targeted_types(cond);
        let all_children = targets.as_ref().is_some_and(|ts| !ts.is_empty() && ts.iter().all(|t| t.to_ascii_lowercase().starts_with(&prefix)));
        if !top_level || !all_children {
            return Err(format!(
                "reads the parent `{}` of resources whose type the rule does not pin to a direct child of it; Azure Policy can name only a top-level parent",
                absence.type_
            ));
        }
        details.insert("name".to_owned(), Json::from("[first(split(field('fullName'), '/'))]"));
    }
    match existence.len() {
        0 => {}
        1 => {
            details.insert("existenceCondition".to_owned(), existence.remove(0));
        }
        _ => {
            details.insert("existenceCondition".to_owned(), json!({"allOf": existence}));
        }
    }
    let if_ = if rest.len() == 1 { rest.remove(0) } else { json!({"allOf": rest}) };
    Ok(CrossExport {
        policy_rule: json!({"if": if_, "then": {"effect": EFFECT_REF, "details": details}}),
        warnings,
    })
}

/// The related resource references the evaluated one through `alias`
/// (equal id, or an id below it such as a sub-resource).
fn link_condition(alias: &str) -> Json {
    let target = json!({"anyOf": [
        {"field": alias, "equals": "[field('id')]"},
        {"field": alias, "like": "[concat(field('id'), '/*')]"}
    ]});
    match alias.rfind("[*]") {
        Some(i) => {
            let array = alias.get(..i.saturating_add(3)).unwrap_or(alias);
            json!({"count": {"field": array, "where": target}, "greater": 0})
        }
        None => target,
    }
}

fn number(v: &Json) -> Option<f64> {
    v.as_f64().or_else(|| v.as_str().and_then(|s| s.parse().ok()))
}

/// `{count: {related, where}, less: 1}` and its equivalents.
fn parse_absence(c: &Json) -> Result<Absence<'_>, String> {
    let positive = || {
        let mut found = Vec::new();
        scan(c, false, 0, &mut found);
        let what = found.first().map(|f| format!("a `{}` referencing it through `{}`", f.type_, f.path)).unwrap_or_default();
        format!("selects or flags resources by the presence of a related resource ({what}), or counts them; Azure Policy's auditIfNotExists can only express \"no such related resource exists\"")
    };
    let m = c.as_object().ok_or_else(positive)?;
    if let Some(inner) = m.get("not") {
        // not(count > 0) / not(count >= 1)
        let im = inner.as_object().ok_or_else(positive)?;
        let count = im.get("count").ok_or_else(positive)?;
        let ok = im.len() == 2
            && (im.get("greater").and_then(number) == Some(0.0) || im.get("greaterOrEquals").and_then(number) == Some(1.0));
        return if ok { parse_count(count) } else { Err(positive()) };
    }
    let count = m.get("count").ok_or_else(positive)?;
    let ok = m.len() == 2
        && (m.get("equals").and_then(number) == Some(0.0)
            || m.get("less").and_then(number) == Some(1.0)
            || m.get("lessOrEquals").and_then(number) == Some(0.0));
    if ok {
        parse_count(count)
    } else {
        Err(positive())
    }
}

fn parse_count(count: &Json) -> Result<Absence<'_>, String> {
    let related = count.get("related").ok_or("a `count` inside the condition is not a `related` count")?;
    let where_ = count.get("where");
    if where_.is_some_and(|w| contains_key(w, "related", 0)) {
        return Err("nests `related` counts (a chain across three resources); Azure Policy can look one step away only".to_owned());
    }
    let direction = related.get("direction").and_then(Json::as_str).unwrap_or("");
    let parent = direction.eq_ignore_ascii_case("out")
        && matches!(related.get("path"), Some(Json::String(p)) if p.eq_ignore_ascii_case("id"));
    if !direction.eq_ignore_ascii_case("in") && !parent {
        return Err(format!(
            "follows a reference from the evaluated resource to another (`direction: {direction}`); Azure Policy's existence check finds children, extension resources or resources in the same resource group, not the target of a property"
        ));
    }
    let type_ = related
        .get("type")
        .and_then(Json::as_str)
        .ok_or("a `related` count without `type`; auditIfNotExists needs the related resource type")?
        .to_owned();
    let paths = match related.get("path") {
        Some(Json::String(s)) => vec![s.clone()],
        Some(Json::Array(a)) => a.iter().filter_map(Json::as_str).map(str::to_owned).collect(),
        _ => Vec::new(),
    };
    if paths.is_empty() {
        return Err("a `related` count without `path`".to_owned());
    }
    Ok(Absence { type_, paths, where_, parent })
}

/// Copy `w`, reading the amlguard `source('x')` as Azure's `field('x')`.
fn source_to_field(w: &Json, depth: usize) -> Result<Json, String> {
    if depth > 128 {
        return Err("condition nested too deeply".to_owned());
    }
    Ok(match w {
        Json::String(s) if s.starts_with('[') => Json::String(replace_ci(s, "source(", "field(")),
        Json::Object(m) => {
            let mut out = serde_json::Map::new();
            for (k, v) in m {
                out.insert(k.clone(), source_to_field(v, depth.saturating_add(1))?);
            }
            Json::Object(out)
        }
        Json::Array(a) => Json::Array(a.iter().map(|v| source_to_field(v, depth.saturating_add(1))).collect::<Result<_, _>>()?),
        other => other.clone(),
    })
}

fn replace_ci(s: &str, from: &str, to: &str) -> String {
    let lower = s.to_ascii_lowercase();
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    for (i, _) in lower.match_indices(from) {
        out.push_str(s.get(last..i).unwrap_or(""));
        out.push_str(to);
        last = i.saturating_add(from.len());
    }
    out.push_str(s.get(last..).unwrap_or(""));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(count_cond: Json) -> Json {
        json!({"if": {"allOf": [
            {"field": "type", "equals": "Microsoft.MachineLearningServices/workspaces"},
            count_cond
        ]}, "then": {"effect": "[parameters('effect')]"}})
    }

    fn pe_aliases() -> AliasIndex {
        let doc = crate::json::parse(
            r#"[{"namespace":"Microsoft.Network","resourceTypes":[{"resourceType":"privateEndpoints","aliases":[
                {"name":"Microsoft.Network/privateEndpoints/privateLinkServiceConnections[*].privateLinkServiceId",
                 "defaultPath":"properties.privateLinkServiceConnections[*].properties.privateLinkServiceId"}]}]}]"#,
        )
        .unwrap();
        AliasIndex::from_az_json(&doc)
    }

    #[test]
    fn a_child_absence_becomes_audit_if_not_exists_without_link() {
        let r = rule(json!({"count": {"related": {"direction": "in", "type": "Microsoft.Insights/diagnosticSettings", "path": "id"},
            "where": {"field": "location", "equals": "[source('location')]"}}, "less": 1}));
        let c = convert(&r, &AliasIndex::empty()).unwrap();
        assert_eq!(c.policy_rule["if"], json!({"field": "type", "equals": "Microsoft.MachineLearningServices/workspaces"}));
        let d = &c.policy_rule["then"]["details"];
        assert_eq!(d["type"], "Microsoft.Insights/diagnosticSettings");
        assert_eq!(d["existenceCondition"], json!({"field": "location", "equals": "[field('location')]"}));
        assert!(c.warnings.is_empty());
    }

    #[test]
    fn a_property_link_becomes_a_count_over_the_alias() {
        let r = rule(json!({"not": {"count": {"related": {"direction": "in", "type": "Microsoft.Network/privateEndpoints",
            "path": ["properties.privateLinkServiceConnections[*].properties.privateLinkServiceId"]}}, "greater": 0}}));
        let c = convert(&r, &pe_aliases()).unwrap();
        let e = &c.policy_rule["then"]["details"]["existenceCondition"];
        assert_eq!(e["count"]["field"], "Microsoft.Network/privateEndpoints/privateLinkServiceConnections[*]");
        assert_eq!(e["greater"], 0);
        assert_eq!(c.warnings.len(), 1);
        // Without the alias the rule is not exported, with the reason.
        let err = convert(&r, &AliasIndex::empty()).err().unwrap();
        assert!(err.contains("no Azure Policy alias"), "{err}");
    }

    #[test]
    fn a_parent_absence_names_the_parent() {
        let r = json!({"if": {"allOf": [
            {"field": "type", "equals": "Microsoft.MachineLearningServices/workspaces/computes"},
            {"count": {"related": {"direction": "out", "type": "Microsoft.MachineLearningServices/workspaces", "path": "id"},
                "where": {"field": "Microsoft.MachineLearningServices/workspaces/managedNetwork.isolationMode", "equals": "AllowOnlyApprovedOutbound"}}, "equals": 0}
        ]}, "then": {"effect": "[parameters('effect')]"}});
        let c = convert(&r, &AliasIndex::empty()).unwrap();
        let d = &c.policy_rule["then"]["details"];
        assert_eq!(d["type"], "Microsoft.MachineLearningServices/workspaces");
        assert_eq!(d["name"], "[first(split(field('fullName'), '/'))]");
        assert_eq!(d["existenceCondition"]["equals"], "AllowOnlyApprovedOutbound");
        // Without a type pinned to a child of the parent, no name can be given.
        let mut loose = r.clone();
        loose["if"]["allOf"][0] = json!({"field": "location", "equals": "x"});
        assert!(convert(&loose, &AliasIndex::empty()).err().unwrap().contains("top-level parent"));
    }

    #[test]
    fn shapes_azure_cannot_express_are_refused_with_a_reason() {
        let out = rule(json!({"count": {"related": {"direction": "out", "type": "Microsoft.Storage/storageAccounts", "path": "properties.storageAccount"}}, "greater": 0}));
        assert!(convert(&out, &AliasIndex::empty()).err().unwrap().contains("direction: out"));
        let positive = rule(json!({"count": {"related": {"direction": "in", "type": "Microsoft.MachineLearningServices/workspaces", "path": "properties.storageAccount"}}, "greater": 0}));
        let e = convert(&positive, &AliasIndex::empty()).err().unwrap();
        assert!(e.contains("presence of a related resource (a `Microsoft.MachineLearningServices/workspaces` referencing it through `properties.storageAccount`)"), "{e}");
        let nested = rule(json!({"count": {"related": {"direction": "in", "type": "T", "path": "id"},
            "where": {"count": {"related": {"direction": "in", "type": "U", "path": "id"}}, "greater": 0}}, "less": 1}));
        assert!(convert(&nested, &AliasIndex::empty()).err().unwrap().contains("chains"));
        let below_any = json!({"if": {"anyOf": [{"field": "type", "equals": "x"},
            {"count": {"related": {"direction": "in", "type": "T", "path": "id"}}, "less": 1}]}, "then": {"effect": "audit"}});
        assert!(convert(&below_any, &AliasIndex::empty()).is_err());
    }

    #[test]
    fn source_is_replaced_case_insensitively() {
        assert_eq!(replace_ci("[concat(Source('name'), source('x'))]", "source(", "field("), "[concat(field('name'), field('x'))]");
    }
}
