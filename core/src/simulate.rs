//! Deployed-state simulation: Azure defaults and derived properties applied before rules run.
//!
//! Rules judge what Azure will report after deployment, not what the template
//! spells out. Two steps:
//!
//! 1. **Defaults** (`core/data/defaults.json`, data): a property the template
//!    omits gets the value Azure fills in, chosen by resource type, API version
//!    and an optional condition (e.g. only for `computeType` AmlCompute). A few
//!    properties only a deployed resource reports are set to
//!    [`Value::Unknown`] so rules on them come out indeterminate.
//! 2. **Derived properties**: a private endpoint in the deployment makes its
//!    target list the connection under `properties.privateEndpointConnections`
//!    (status `Approved` for automatic connections, `Pending` for manual ones),
//!    as Azure does once the endpoint exists.
//!
//! Relations are recomputed afterwards.

use crate::model::{normalise_id, Deployment};
use crate::policy::AliasCatalog;
use crate::value::{Map, Value};
use std::sync::OnceLock;

const DEFAULTS_JSON: &str = include_str!("../data/defaults.json");

/// One default from the table.
#[derive(Debug, Clone, PartialEq)]
pub struct DefaultEntry {
    /// Resource type (case-insensitive).
    pub type_: String,
    /// Dotted ARM path, e.g. `properties.publicNetworkAccess`.
    pub path: String,
    /// The value Azure fills in (an unknown for runtime-only properties).
    pub value: Value,
    /// Applies to API versions at or after this date.
    pub from: Option<String>,
    /// Applies to API versions before this date.
    pub before: Option<String>,
    /// Only when the property at `when.0` is one of `when.1` (case-insensitive).
    pub when: Option<(String, Vec<String>)>,
    /// Where the fact comes from.
    pub source: String,
}

/// The embedded defaults table (entries that fail to read are skipped; the
/// unit tests assert none do).
pub fn defaults() -> &'static [DefaultEntry] {
    static TABLE: OnceLock<Vec<DefaultEntry>> = OnceLock::new();
    TABLE.get_or_init(|| parse_defaults(DEFAULTS_JSON).unwrap_or_default())
}

fn parse_defaults(text: &str) -> Result<Vec<DefaultEntry>, String> {
    let doc = crate::json::parse(text).map_err(|e| e.to_string())?;
    let items = doc.get("defaults").and_then(Value::as_array).ok_or("`defaults` is missing")?;
    let mut out = Vec::new();
    for (i, e) in items.iter().enumerate() {
        let s = |k: &str| e.get(k).and_then(Value::as_str).map(str::to_owned);
        let type_ = s("type").ok_or(format!("entry {i}: `type` missing"))?;
        let path = s("path").ok_or(format!("entry {i}: `path` missing"))?;
        let source = s("source").ok_or(format!("entry {i}: `source` missing"))?;
        let value = match (e.get("value"), e.get("unknown").and_then(Value::as_str)) {
            (Some(v), None) => v.clone(),
            (None, Some(reason)) => Value::unknown(reason),
            _ => return Err(format!("entry {i}: exactly one of `value` and `unknown`")),
        };
        let versions = e.get("api_versions");
        let when = match e.get("when") {
            Some(w) => {
                let p = w.get("path").and_then(Value::as_str).ok_or(format!("entry {i}: `when.path` missing"))?;
                let vals = w
                    .get("in")
                    .and_then(Value::as_array)
                    .ok_or(format!("entry {i}: `when.in` missing"))?
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect();
                Some((p.to_owned(), vals))
            }
            None => None,
        };
        out.push(DefaultEntry {
            type_,
            path,
            value,
            from: versions.and_then(|v| v.get("from")).and_then(Value::as_str).map(str::to_owned),
            before: versions.and_then(|v| v.get("before")).and_then(Value::as_str).map(str::to_owned),
            when,
            source,
        });
    }
    Ok(out)
}

/// `YYYY-MM-DD` part of an API version (`2024-10-01-preview` → `2024-10-01`).
fn version_date(v: &str) -> &str {
    v.get(..10).unwrap_or(v)
}

fn version_applies(entry: &DefaultEntry, api: Option<&str>) -> bool {
    match api {
        Some(api) => {
            let d = version_date(api);
            entry.from.as_deref().is_none_or(|f| d >= f) && entry.before.as_deref().is_none_or(|b| d < b)
        }
        // Without an API version (Terraform, design JSON) the current behaviour applies.
        None => entry.before.is_none(),
    }
}

/// Set `value` at dotted `path` if absent or null. Creates intermediate
/// objects; leaves the resource alone when a step is unknown or not an object.
fn set_default(v: &mut Value, path: &str, value: &Value) -> bool {
    let mut cur = v;
    let (parents, last) = match path.rsplit_once('.') {
        Some((p, l)) => (Some(p), l),
        None => (None, path),
    };
    for seg in parents.into_iter().flat_map(|p| p.split('.')) {
        let Value::Object(m) = cur else { return false };
        // The first key spelt like `seg` in any case, else a new one.
        let entry = match m.iter().position(|(k, _)| k.eq_ignore_ascii_case(seg)) {
            Some(i) => match m.get_index_mut(i) {
                Some((_, v)) => v,
                None => return false,
            },
            None => m.entry(seg.to_owned()).or_insert_with(|| Value::Object(Map::new())),
        };
        if entry.is_null() {
            *entry = Value::Object(Map::new());
        }
        cur = entry;
    }
    let Value::Object(m) = cur else { return false };
    match m.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case(last)) {
        Some((_, existing)) if existing.is_null() => {
            *existing = value.clone();
            true
        }
        Some(_) => false,
        None => {
            m.insert(last.to_owned(), value.clone());
            true
        }
    }
}

/// Apply defaults and derived properties, then bring relations up to date.
///
/// The deployment's `relations` and `possible_relations` must be those of its
/// resources (as every loader and [`Deployment::from_resources`] leave them):
/// only the edges of the resources simulation changes in a way that can
/// matter (an unknown or id-like value set, a private endpoint connection
/// added) are derived again. A deployment with neither relations nor
/// possible relations gets all of them derived.
pub fn apply(deployment: &mut Deployment) {
    apply_recording(deployment);
}

/// [`apply`], returning which defaults were filled in: `(resource index,
/// dotted path)`, so findings can say a value is Azure's default.
pub fn apply_recording(deployment: &mut Deployment) -> Vec<(usize, String)> {
    let table = defaults();
    let mut filled = Vec::new();
    // Resources changed in a way that can change their edges (ascending).
    let mut changed: Vec<usize> = Vec::new();
    for (index, r) in deployment.resources.iter_mut().enumerate() {
        let type_ = r.type_().to_owned();
        let api = r.value.get_ci("apiVersion").and_then(Value::as_str).map(str::to_owned);
        for e in table.iter().filter(|e| e.type_.eq_ignore_ascii_case(&type_)) {
            if !version_applies(e, api.as_deref()) {
                continue;
            }
            if let Some((p, vals)) = &e.when {
                let actual = r.value.get_path_ci(p).and_then(Value::as_str).unwrap_or_default();
                if !vals.iter().any(|v| v.eq_ignore_ascii_case(actual)) {
                    continue;
                }
            }
            if set_default(&mut r.value, &e.path, &e.value) {
                filled.push((index, e.path.clone()));
                if may_relate(&e.value) && changed.last() != Some(&index) {
                    changed.push(index);
                }
            }
        }
    }
    derive_private_endpoint_connections(deployment, &mut changed);
    // (the browser build derives them all again: less code)
    if cfg!(feature = "slim") || (deployment.relations.is_empty() && deployment.possible_relations.is_empty()) {
        deployment.derive_relations();
    } else {
        changed.sort_unstable();
        changed.dedup();
        deployment.refresh_relations(&changed);
    }
    filled
}

/// Whether `v` holds anything relation derivation reads: an unknown or a
/// string that may be a resource id (see [`Deployment::derive_relations`]).
fn may_relate(v: &Value) -> bool {
    match v {
        Value::String(s) => crate::model::may_be_id(s),
        Value::Unknown(_) => true,
        Value::Array(a) => a.iter().any(may_relate),
        Value::Object(m) => m.values().any(may_relate),
        _ => false,
    }
}

/// A private endpoint's connections as `(target id or why it is unknown,
/// group ids, status)`.
#[allow(clippy::type_complexity)]
fn endpoint_connections(pe: &Value) -> Vec<(Result<String, String>, Value, &'static str)> {
    let mut out = Vec::new();
    for (key, status) in [("privateLinkServiceConnections", "Approved"), ("manualPrivateLinkServiceConnections", "Pending")] {
        let conns = pe.get_path_ci(&format!("properties.{key}")).and_then(Value::as_array).unwrap_or_default();
        for c in conns {
            let target = match c.get_path_ci("properties.privateLinkServiceId") {
                Some(Value::String(s)) => Ok(s.clone()),
                Some(Value::Unknown(u)) => Err(u.reason.clone()),
                _ => continue,
            };
            let groups = c.get_path_ci("properties.groupIds").cloned().unwrap_or(Value::Array(Vec::new()));
            out.push((target, groups, status));
        }
    }
    out
}

/// The resource's `properties.privateEndpointConnections` list (whatever
/// the case of its key), created empty when absent or null; `None` when the
/// resource or its properties are not objects or the list is not an array.
fn connections_of(t: &mut crate::model::Resource) -> Option<&mut Vec<Value>> {
    let Value::Object(root) = &mut t.value else { return None };
    let props = root.entry("properties".to_owned()).or_insert_with(|| Value::Object(Map::new()));
    let Value::Object(pm) = props else { return None };
    let key = pm.keys().find(|k| k.eq_ignore_ascii_case("privateEndpointConnections")).cloned().unwrap_or_else(|| "privateEndpointConnections".to_owned());
    let list = pm.entry(key).or_insert_with(|| Value::Array(Vec::new()));
    if list.is_null() {
        *list = Value::Array(Vec::new());
    }
    match list {
        Value::Array(items) => Some(items),
        _ => None,
    }
}

/// Adds to `changed` the index of every resource that gets a connection.
fn derive_private_endpoint_connections(deployment: &mut Deployment, changed: &mut Vec<usize>) {
    let mut additions: Vec<(usize, Value)> = Vec::new();
    let mut unknown_additions: Vec<(usize, Value)> = Vec::new();
    // Resource index by normalised id (first wins, as `find_by_id`), built
    // only when there is an endpoint to resolve.
    let mut by_id: Option<std::collections::HashMap<String, usize, crate::value::MapHasher>> = None;
    // Resources that can have private endpoint connections (per the alias
    // catalog), worked out on the first endpoint whose target is unknown.
    let mut connectable: Option<Vec<bool>> = None;
    for (pi, pe) in deployment.resources.iter().enumerate().filter(|(_, r)| r.is_type("Microsoft.Network/privateEndpoints")) {
        let pe_id = pe.id().to_owned();
        let pe_name = pe.name().rsplit('/').next().unwrap_or_default().to_owned();
        for (target, groups, status) in endpoint_connections(&pe.value) {
            let target = match target {
                Ok(t) => t,
                Err(reason) => {
                    // The endpoint may connect to any resource that can have
                    // private endpoint connections (per the alias catalog):
                    // each gets a connection whose content is unknown.
                    let who = if pe_name.is_empty() { "a private endpoint of unknown name".to_owned() } else { format!("private endpoint `{pe_name}`") };
                    let conn = Value::unknown(format!("{who} may connect to this resource: its `privateLinkServiceId` is not known: {reason}"));
                    let can = connectable.get_or_insert_with(|| {
                        deployment
                            .resources
                            .iter()
                            .map(|t| AliasCatalog::embedded().get(&[t.type_(), "/privateEndpointConnections[*]"].concat()).is_some())
                            .collect()
                    });
                    for (ti, ok) in can.iter().enumerate() {
                        if ti != pi && *ok {
                            unknown_additions.push((ti, conn.clone()));
                        }
                    }
                    continue;
                }
            };
            let ids = by_id.get_or_insert_with(|| {
                let mut m = std::collections::HashMap::with_capacity_and_hasher(deployment.resources.len(), crate::value::MapHasher::default());
                for (i, r) in deployment.resources.iter().enumerate() {
                    m.entry(normalise_id(r.id())).or_insert(i);
                }
                m
            });
            let Some(&ti) = ids.get(&normalise_id(&target)) else { continue };
            let Some(t) = deployment.resources.get(ti) else { continue };
            let mut state = Map::new();
            state.insert("status".into(), Value::from(status));
            state.insert("description".into(), Value::from(if status == "Approved" { "Auto-Approved" } else { "Awaiting approval" }));
            let mut props = Map::new();
            props.insert("privateEndpoint".into(), Value::Object([("id".to_owned(), Value::from(pe_id.as_str()))].into_iter().collect()));
            props.insert("privateLinkServiceConnectionState".into(), Value::Object(state));
            props.insert("groupIds".into(), groups);
            props.insert("provisioningState".into(), Value::from("Succeeded"));
            let mut conn = Map::new();
            conn.insert("id".into(), Value::from(format!("{}/privateEndpointConnections/{pe_name}", t.id())));
            conn.insert("name".into(), Value::from(pe_name.as_str()));
            conn.insert("type".into(), Value::from(format!("{}/privateEndpointConnections", t.type_())));
            conn.insert("properties".into(), Value::Object(props));
            additions.push((ti, Value::Object(conn)));
        }
    }
    for (ti, conn) in additions {
        let pe_id = conn.get_path_ci("properties.privateEndpoint.id").and_then(Value::as_str).map(normalise_id).unwrap_or_default();
        let Some(items) = deployment.resources.get_mut(ti).and_then(connections_of) else { continue };
        let present = items.iter().any(|c| {
            c.get_path_ci("properties.privateEndpoint.id").and_then(Value::as_str).map(normalise_id).as_deref() == Some(pe_id.as_str())
        });
        if !present {
            items.push(conn);
            changed.push(ti);
        }
    }
    for (ti, conn) in unknown_additions {
        if let Some(items) = deployment.resources.get_mut(ti).and_then(connections_of) {
            if !items.contains(&conn) {
                items.push(conn);
                changed.push(ti);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dep(v: serde_json::Value) -> Deployment {
        Deployment::from_resources(&v.into(), None, None).unwrap()
    }

    #[test]
    fn the_table_reads_and_every_entry_has_a_source() {
        let t = parse_defaults(DEFAULTS_JSON).unwrap();
        assert!(t.len() >= 20);
        assert!(t.iter().all(|e| e.source.starts_with("https://")));
        assert_eq!(defaults().len(), t.len());
    }

    #[test]
    fn defaults_fill_only_what_is_missing_and_respect_conditions_and_versions() {
        let mut d = dep(serde_json::json!([
            {"type": "Microsoft.MachineLearningServices/workspaces", "name": "ws", "properties": {"hbiWorkspace": true}},
            {"type": "Microsoft.MachineLearningServices/workspaces/computes", "name": "ws/c", "properties": {"computeType": "AmlCompute"}},
            {"type": "Microsoft.MachineLearningServices/workspaces/computes", "name": "ws/a", "properties": {"computeType": "AKS"}},
            {"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2021-09-01", "name": "old"},
            {"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-05-01", "name": "new", "properties": {"allowBlobPublicAccess": null}},
            {"type": "Microsoft.KeyVault/vaults", "apiVersion": "2026-02-01", "name": "kv", "properties": {}}
        ]));
        let filled = apply_recording(&mut d);
        assert!(filled.contains(&(0, "properties.publicNetworkAccess".to_owned())));
        assert!(!filled.contains(&(0, "properties.hbiWorkspace".to_owned())));
        let get = |i: usize, p: &str| d.resources[i].value.get_path_ci(p).cloned();
        assert_eq!(get(0, "properties.publicNetworkAccess"), Some(Value::from("Enabled")));
        assert_eq!(get(0, "properties.hbiWorkspace"), Some(Value::Bool(true)));
        assert_eq!(get(1, "properties.properties.enableNodePublicIp"), Some(Value::Bool(true)));
        assert_eq!(get(2, "properties.properties.enableNodePublicIp"), None);
        assert_eq!(get(3, "properties.allowBlobPublicAccess"), Some(Value::Bool(true)));
        assert_eq!(get(4, "properties.allowBlobPublicAccess"), Some(Value::Bool(false)));
        assert_eq!(get(5, "properties.enableRbacAuthorization"), Some(Value::Bool(true)));
    }

    /// `apply` refreshes only the relations of the resources it changed: the
    /// result must equal deriving every relation again, on every example
    /// deployment of the embedded rules and on deployments with unknown
    /// defaults and private endpoints of unknown target.
    #[test]
    #[cfg_attr(feature = "slim", ignore = "needs the rules' examples; the slim build embeds rules without them")]
    fn refreshed_relations_equal_a_full_derivation() {
        let mut deps: Vec<Deployment> = Vec::new();
        for r in crate::rules::Catalog::embedded().rules() {
            for (_, ex) in r.all_examples() {
                if let Ok(d) = Deployment::from_resources(&Value::Array(ex.resources.clone()), None, None) {
                    deps.push(d);
                }
            }
        }
        let s = crate::model::Scope::default();
        let ws = s.resource_id("Microsoft.MachineLearningServices/workspaces", "ws");
        let mut extra = dep(serde_json::json!([
            {"type": "Microsoft.MachineLearningServices/workspaces", "name": "ws", "properties": {"storageAccount": s.resource_id("Microsoft.Storage/storageAccounts", "st")}},
            {"type": "Microsoft.Storage/storageAccounts", "name": "st"},
            {"type": "Microsoft.KeyVault/vaults", "name": "kv", "properties": {"privateEndpointConnections": null}},
            {"type": "Microsoft.MachineLearningServices/workspaces/computes", "name": "ws/ci", "properties": {"computeType": "ComputeInstance"}},
            {"type": "Microsoft.Network/privateEndpoints", "name": "pe", "properties": {
                "privateLinkServiceConnections": [{"name": "c", "properties": {"privateLinkServiceId": ws, "groupIds": ["amlworkspace"]}}]}},
            {"type": "Microsoft.Network/privateEndpoints", "name": "pe2", "properties": {
                "privateLinkServiceConnections": [{"name": "c", "properties": {"privateLinkServiceId": "x", "groupIds": ["vault"]}}]}}
        ]));
        // (an endpoint whose target is not known)
        let Value::Object(pe2) = &mut extra.resources[5].value else { panic!() };
        let Some(Value::Object(props)) = pe2.get_mut("properties") else { panic!() };
        let Some(Value::Array(conns)) = props.get_mut("privateLinkServiceConnections") else { panic!() };
        let Some(Value::Object(c)) = conns.get_mut(0) else { panic!() };
        let Some(Value::Object(cp)) = c.get_mut("properties") else { panic!() };
        cp.insert("privateLinkServiceId".to_owned(), Value::unknown("a parameter without value"));
        extra.derive_relations();
        deps.push(extra);
        let mut changed = 0;
        for mut d in deps {
            let before = (d.relations.clone(), d.possible_relations.clone());
            apply(&mut d);
            let mut full = d.clone();
            full.derive_relations();
            assert_eq!(d.relations, full.relations);
            assert_eq!(d.possible_relations, full.possible_relations);
            if (d.relations.clone(), d.possible_relations.clone()) != before {
                changed += 1;
            }
        }
        // (the simulation did change relations somewhere, so refreshing was exercised)
        assert!(changed > 0);
    }

    #[test]
    fn runtime_only_properties_become_unknown() {
        let mut d = dep(serde_json::json!([
            {"type": "Microsoft.MachineLearningServices/workspaces/computes", "name": "ws/ci", "properties": {"computeType": "ComputeInstance"}}
        ]));
        apply(&mut d);
        assert!(d.resources[0].value.get_path_ci("properties.properties.osImageMetadata.isLatestOsImageVersion").unwrap().is_unknown());
    }

    #[test]
    fn a_private_endpoint_appears_on_its_target() {
        let s = crate::model::Scope::default();
        let ws = s.resource_id("Microsoft.MachineLearningServices/workspaces", "ws");
        let mut d = dep(serde_json::json!([
            {"type": "Microsoft.MachineLearningServices/workspaces", "name": "ws"},
            {"type": "Microsoft.Network/privateEndpoints", "name": "pe", "properties": {
                "privateLinkServiceConnections": [{"name": "c", "properties": {"privateLinkServiceId": ws, "groupIds": ["amlworkspace"]}}]}},
            {"type": "Microsoft.Network/privateEndpoints", "name": "pe2", "properties": {
                "manualPrivateLinkServiceConnections": [{"name": "c", "properties": {"privateLinkServiceId": ws, "groupIds": ["amlworkspace"]}}]}}
        ]));
        apply(&mut d);
        apply(&mut d); // idempotent
        let conns = d.resources[0].value.get_path_ci("properties.privateEndpointConnections").and_then(Value::as_array).unwrap();
        assert_eq!(conns.len(), 2);
        assert_eq!(conns[0].get_path_ci("properties.privateLinkServiceConnectionState.status"), Some(&Value::from("Approved")));
        assert_eq!(conns[1].get_path_ci("properties.privateLinkServiceConnectionState.status"), Some(&Value::from("Pending")));
        assert!(d.relations.iter().any(|r| r.from == 0 && r.to == 1));
    }
}
