//! Terraform resource → ARM resource, driven by the tables in
//! `core/data/terraform/azurerm.json` (azurerm) and by the azapi resource's
//! own `type`/`body` (azapi).

use crate::model::{provider_suffix, Scope};
use crate::value::{Map, Value};
use indexmap::IndexMap;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The embedded table (azurerm resource type → ARM mapping).
#[cfg(not(feature = "slim"))]
pub const TABLE_JSON: &str = include_str!("../../../data/terraform/azurerm.json");
/// The embedded table (azurerm resource type → ARM mapping); the `slim`
/// build embeds it without layout whitespace (core/build.rs).
#[cfg(feature = "slim")]
pub const TABLE_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/azurerm.json"));

/// Mapping of one azurerm resource type.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TypeMap {
    /// ARM type, e.g. `Microsoft.Storage/storageAccounts`.
    #[serde(rename = "type")]
    pub arm_type: String,
    /// Terraform attributes whose values, joined with `/`, make the ARM name
    /// (default `["name"]`).
    #[serde(default)]
    pub name: Vec<String>,
    /// Attribute holding the parent's ARM id (child resources).
    #[serde(default)]
    pub parent: Option<String>,
    /// With `parent`: type/name segments between the parent and this
    /// resource (`blobServices/default` for a container under an account).
    #[serde(default)]
    pub infix: Option<String>,
    /// Attribute holding an ARM id whose resource group this resource shares
    /// (for types without `resource_group_name`, e.g. an AI Foundry project).
    #[serde(default)]
    pub rg_from: Option<String>,
    /// Attribute holding the scope's ARM id (extension resources).
    #[serde(default)]
    pub scope: Option<String>,
    /// Attribute holding the id of the resource this one modifies; the mapped
    /// properties are merged into that resource instead of being added.
    #[serde(default)]
    pub merge_into: Option<String>,
    /// With `merge_into`: lists are appended to the target's lists instead of
    /// replacing them (e.g. a Key Vault access policy resource adds one policy).
    #[serde(default)]
    pub merge_append: bool,
    /// `resource_group` or `subscription` for those two special scopes.
    #[serde(default)]
    pub kind: Option<String>,
    /// Constant ARM values.
    #[serde(default)]
    pub set: IndexMap<String, serde_json::Value>,
    /// Attribute rules.
    #[serde(default)]
    pub map: Vec<Rule>,
    /// Nested blocks that ARM models as child resources.
    #[serde(default)]
    pub children: Vec<Child>,
    /// Free-text note (documentation only).
    #[serde(default, rename = "$comment")]
    pub comment: Option<String>,
}

/// One attribute rule.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Terraform path (`a.b`; blocks are entered at their first element);
    /// alternatives separated by `|` (first non-null wins, for renamed
    /// arguments across provider versions); or a `{a}_{b}` format.
    pub tf: String,
    /// ARM path (`properties.x.y`, `[n]` allowed).
    pub arm: String,
    /// Value transform (see [`transform`]).
    #[serde(default)]
    pub transform: Option<String>,
    /// azurerm's default when the attribute is not set (applied before the transform).
    #[serde(default)]
    pub default: Option<serde_json::Value>,
    /// Value set when the attribute is present (non-null, not `false`, not empty).
    #[serde(default, rename = "const")]
    pub constant: Option<serde_json::Value>,
    /// Enumeration for `transform: "values"` (case-insensitive keys).
    #[serde(default)]
    pub values: Option<IndexMap<String, serde_json::Value>>,
    /// For a list (repeated block): map each element to an object with these rules.
    #[serde(default)]
    pub each: Vec<Rule>,
    /// For `each`: keep only elements whose attribute equals a value.
    #[serde(default)]
    pub when: Option<When>,
}

/// Element filter of an `each` rule.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct When {
    /// Attribute of the element.
    pub tf: String,
    /// Value it must equal (absent attributes count as `default`).
    pub equals: serde_json::Value,
    /// Value of an absent attribute.
    #[serde(default)]
    pub default: Option<serde_json::Value>,
}

/// A nested block mapped to an ARM child resource.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Child {
    /// Block name.
    pub block: String,
    /// ARM child type.
    #[serde(rename = "type")]
    pub arm_type: String,
    /// Attribute of the block giving the child's name (default `name`).
    #[serde(default)]
    pub name: Option<String>,
    /// Constant ARM values.
    #[serde(default)]
    pub set: IndexMap<String, serde_json::Value>,
    /// Rules relative to the block.
    #[serde(default)]
    pub map: Vec<Rule>,
}

/// The whole table.
#[derive(Debug, Deserialize)]
pub struct Table {
    /// Provenance and licence note.
    #[serde(rename = "$comment")]
    pub comment: String,
    /// azurerm type → mapping.
    pub resources: BTreeMap<String, TypeMap>,
}

/// The embedded table, parsed once (`Err` carries the parse message; a test
/// asserts it parses).
pub fn table() -> Result<&'static Table, &'static str> {
    static T: OnceLock<Result<Table, String>> = OnceLock::new();
    T.get_or_init(parse_table).as_ref().map_err(String::as_str)
}

#[cfg(not(feature = "slim"))]
fn parse_table() -> Result<Table, String> {
    serde_json::from_str(TABLE_JSON).map_err(|e| e.to_string())
}

/// The `slim` (browser) build reads the table with the crate's own JSON
/// reader, so serde_json's text deserializer is not linked in.
#[cfg(feature = "slim")]
fn parse_table() -> Result<Table, String> {
    let doc = crate::json::parse(TABLE_JSON).map_err(|e| e.to_string())?;
    serde_json::from_value(doc.to_json()).map_err(|e| e.to_string())
}

/// What a Terraform resource becomes.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapped {
    /// The ARM resource (or, with `merge_into`, the fragment to merge).
    pub value: Value,
    /// Child resources from nested blocks: (block name, resource).
    pub children: Vec<(String, Value)>,
    /// Id of the resource to merge `value` into.
    pub merge_into: Option<String>,
    /// With `merge_into`: append lists instead of replacing them.
    pub append: bool,
}

/// `true` if the Terraform type has an ARM mapping.
pub fn is_mapped(tf_type: &str) -> bool {
    tf_type == "azapi_resource" || tf_type == "azapi_update_resource" || table().is_ok_and(|t| t.resources.contains_key(tf_type))
}

fn from_json(v: &serde_json::Value) -> Value {
    Value::from(v.clone())
}

/// Value at a Terraform path; blocks (lists) are entered at their first element.
pub fn tf_get(attrs: &Value, path: &str) -> Value {
    let mut cur = attrs.clone();
    for seg in path.split('.') {
        while let Value::Array(a) = cur {
            cur = a.into_iter().next().unwrap_or(Value::Null);
        }
        cur = match cur {
            Value::Object(mut m) => m.shift_remove(seg).unwrap_or(Value::Null),
            u @ Value::Unknown(_) => return u,
            _ => return Value::Null,
        };
    }
    cur
}

fn tf_value(attrs: &Value, spec: &str) -> Value {
    if spec.contains('{') {
        let mut out = String::new();
        let mut rest = spec;
        while let Some(start) = rest.find('{') {
            out.push_str(rest.get(..start).unwrap_or_default());
            let after = rest.get(start.saturating_add(1)..).unwrap_or_default();
            let Some(end) = after.find('}') else { break };
            let name = after.get(..end).unwrap_or_default();
            match tf_get(attrs, name) {
                u @ Value::Unknown(_) => return u,
                Value::Null => return Value::Null,
                v => out.push_str(&super::eval::to_string(&v).unwrap_or_default()),
            }
            rest = after.get(end.saturating_add(1)..).unwrap_or_default();
        }
        out.push_str(rest);
        return Value::String(out);
    }
    for alt in spec.split('|') {
        let v = tf_get(attrs, alt);
        if !v.is_null() {
            return v;
        }
    }
    Value::Null
}

/// Set `path` (`a.b[0].c`) in an object, creating what is missing.
pub fn arm_set(target: &mut Value, path: &str, v: Value) {
    let segs: Vec<&str> = path.split('.').collect();
    set_in(target, &segs, v, 0);
}

fn set_in(target: &mut Value, segs: &[&str], v: Value, depth: usize) {
    let Some((first, rest)) = segs.split_first() else {
        *target = v;
        return;
    };
    if depth > 32 {
        return;
    }
    let (key, idx) = match first.split_once('[') {
        Some((k, i)) => (k, i.trim_end_matches(']').parse::<usize>().ok()),
        None => (*first, None),
    };
    if !matches!(target, Value::Object(_)) {
        *target = Value::Object(Map::new());
    }
    let Value::Object(m) = target else { return };
    let slot = m.entry(key.to_owned()).or_insert(Value::Null);
    let slot = match idx {
        Some(i) => {
            if !matches!(slot, Value::Array(_)) {
                *slot = Value::Array(Vec::new());
            }
            let Value::Array(a) = slot else { return };
            while a.len() <= i && a.len() < 1024 {
                a.push(Value::Null);
            }
            match a.get_mut(i) {
                Some(s) => s,
                None => return,
            }
        }
        None => slot,
    };
    set_in(slot, rest, v, depth.saturating_add(1));
}

fn present(v: &Value) -> bool {
    match v {
        Value::Null | Value::Bool(false) => false,
        Value::Array(a) => !a.is_empty(),
        Value::String(s) => !s.is_empty(),
        _ => true,
    }
}

/// Apply a named transform. Unknown values pass through untouched.
pub fn transform(name: &str, v: Value, values: Option<&IndexMap<String, serde_json::Value>>) -> Value {
    if v.is_unknown() {
        return v;
    }
    let (name, arg) = name.split_once(':').unwrap_or((name, ""));
    match (name, &v) {
        ("enabled_disabled", Value::Bool(b)) => Value::String(if *b { "Enabled" } else { "Disabled" }.to_owned()),
        ("disabled_enabled", Value::Bool(b)) => Value::String(if *b { "Disabled" } else { "Enabled" }.to_owned()),
        ("enabled_disabled_lower", Value::Bool(b)) => Value::String(if *b { "enabled" } else { "disabled" }.to_owned()),
        ("not", Value::Bool(b)) => Value::Bool(!b),
        ("id", _) => {
            let mut m = Map::new();
            m.insert("id".to_owned(), v);
            Value::Object(m)
        }
        ("ids", Value::Array(a)) => Value::Array(a.iter().map(|x| transform("id", x.clone(), None)).collect()),
        ("objects", Value::Array(a)) => Value::Array(
            a.iter()
                .map(|x| {
                    let mut o = Value::Object(Map::new());
                    arm_set(&mut o, if arg.is_empty() { "value" } else { arg }, x.clone());
                    o
                })
                .collect(),
        ),
        ("join_comma", Value::Array(a)) => {
            if let Some(u) = a.iter().find(|x| x.is_unknown()) {
                return u.clone();
            }
            Value::String(a.iter().filter_map(super::eval::to_string).collect::<Vec<_>>().join(", "))
        }
        ("list", Value::Array(_)) => v,
        ("list", _) => Value::Array(vec![v]),
        ("first", Value::Array(a)) => a.first().cloned().unwrap_or(Value::Null),
        ("lower", Value::String(s)) => Value::String(crate::case::lower(s)),
        ("string", _) => super::eval::to_string(&v).map_or(v, Value::String),
        ("values", _) => {
            let key = super::eval::to_string(&v).unwrap_or_default();
            values
                .and_then(|m| m.iter().find(|(k, _)| k.eq_ignore_ascii_case(&key)))
                .map_or(v, |(_, x)| from_json(x))
        }
        ("id_name", Value::String(s)) => {
            // The name following `/<arg>/` in an ARM id.
            let lower = s.to_ascii_lowercase();
            let pat = format!("/{}/", arg.to_ascii_lowercase());
            match lower.rfind(&pat) {
                Some(pos) => {
                    let start = pos.saturating_add(pat.len());
                    let rest = s.get(start..).unwrap_or_default();
                    Value::String(rest.split('/').next().unwrap_or_default().to_owned())
                }
                None => Value::unknown(format!("`{s}` is not an id containing `{arg}`")),
            }
        }
        ("role_name", Value::String(s)) => {
            Value::unknown(format!("the id of role `{s}` is looked up by the provider"))
        }
        ("json", Value::String(s)) => crate::json::parse(s).unwrap_or(v),
        ("identity", _) => identity(&v),
        _ => v,
    }
}

/// azurerm / azapi `identity` block → ARM `identity`.
fn identity(v: &Value) -> Value {
    let block = match v {
        Value::Array(a) => a.first().cloned().unwrap_or(Value::Null),
        other => other.clone(),
    };
    let Value::Object(b) = block else { return Value::Null };
    let mut out = Map::new();
    let ty = b.get("type").cloned().unwrap_or(Value::Null);
    let ty = match ty {
        Value::String(s) => Value::String(s.split(',').map(str::trim).collect::<Vec<_>>().join(",")),
        other => other,
    };
    out.insert("type".to_owned(), ty);
    match b.get("identity_ids") {
        Some(Value::Array(ids)) if !ids.is_empty() => {
            let mut m = Map::new();
            for (i, id) in ids.iter().enumerate() {
                match id {
                    Value::String(s) => {
                        m.insert(s.clone(), Value::Object(Map::new()));
                    }
                    other => {
                        m.insert(format!("(unknown identity {i})"), other.clone());
                    }
                }
            }
            out.insert("userAssignedIdentities".to_owned(), Value::Object(m));
        }
        Some(u @ Value::Unknown(_)) => {
            out.insert("userAssignedIdentities".to_owned(), u.clone());
        }
        _ => {}
    }
    Value::Object(out)
}

fn apply_rules(rules: &[Rule], attrs: &Value, out: &mut Value) {
    for r in rules {
        let raw = tf_value(attrs, &r.tf);
        if !r.each.is_empty() {
            let items = match raw {
                Value::Array(a) => a,
                Value::Null => continue,
                u @ Value::Unknown(_) => {
                    arm_set(out, &r.arm, u);
                    continue;
                }
                other => vec![other],
            };
            let mut list = Vec::new();
            for item in items {
                if let Some(w) = &r.when {
                    let got = match tf_get(&item, &w.tf) {
                        Value::Null => w.default.as_ref().map(from_json).unwrap_or(Value::Null),
                        x => x,
                    };
                    if !super::eval::equal(&got, &from_json(&w.equals)) {
                        continue;
                    }
                }
                let mut o = Value::Object(Map::new());
                apply_rules(&r.each, &item, &mut o);
                list.push(o);
            }
            if !list.is_empty() {
                arm_set(out, &r.arm, Value::Array(list));
            }
            continue;
        }
        if let Some(c) = &r.constant {
            if raw.is_unknown() {
                arm_set(out, &r.arm, raw);
            } else if present(&raw) {
                arm_set(out, &r.arm, from_json(c));
            } else if let Some(d) = &r.default {
                arm_set(out, &r.arm, from_json(d));
            }
            continue;
        }
        let v = match raw {
            Value::Null => match &r.default {
                Some(d) => from_json(d),
                None => continue,
            },
            v => v,
        };
        let v = match &r.transform {
            Some(t) => transform(t, v, r.values.as_ref()),
            None => v,
        };
        if !v.is_null() {
            arm_set(out, &r.arm, v);
        }
    }
}

/// Name segments of an ARM id after its last `/providers/{namespace}`:
/// `…/virtualNetworks/v/subnets/s` → `v/s`.
pub fn arm_name_of(id: &str) -> Option<String> {
    let lower = id.to_ascii_lowercase();
    let pos = lower.rfind("/providers/")?;
    let rest = id.get(pos.saturating_add("/providers/".len())..)?;
    let segs: Vec<&str> = rest.split('/').skip(1).collect();
    let names: Vec<&str> = segs.iter().skip(1).step_by(2).copied().collect();
    (!names.is_empty()).then(|| names.join("/"))
}

/// ARM type of an id: `Microsoft.Network/virtualNetworks/subnets` for a subnet id.
pub fn arm_type_of(id: &str) -> Option<String> {
    let lower = id.to_ascii_lowercase();
    let pos = lower.rfind("/providers/")?;
    let rest = id.get(pos.saturating_add("/providers/".len())..)?;
    let mut segs = rest.split('/');
    let ns = segs.next()?;
    let types: Vec<&str> = segs.step_by(2).collect();
    Some(std::iter::once(ns).chain(types).collect::<Vec<_>>().join("/"))
}

/// Resource group name in an ARM id.
fn rg_of_id(id: &str) -> Option<String> {
    let mut segs = id.split('/');
    while let Some(s) = segs.next() {
        if s.eq_ignore_ascii_case("resourceGroups") {
            return segs.next().filter(|n| !n.is_empty()).map(str::to_owned);
        }
    }
    None
}

fn str_of(v: &Value) -> Option<&str> {
    v.as_str().filter(|s| !s.is_empty())
}

/// Type, ARM name and id of a Terraform resource of a mapped type.
/// `placeholder` stands in for a name that is not known.
pub fn identity_of(tf_type: &str, attrs: &Value, scope: &Scope, placeholder: &str) -> Option<(String, String, String)> {
    if tf_type == "azapi_resource" {
        return azapi_identity(attrs, scope, placeholder);
    }
    let t = table().ok()?.resources.get(tf_type)?;
    let own = tf_get(attrs, "name");
    let own_name = str_of(&own).unwrap_or(placeholder).to_owned();
    let rg_attr = tf_get(attrs, "resource_group_name");
    let rg_of_ref = t.rg_from.as_deref().and_then(|a| match tf_value(attrs, a) {
        Value::String(id) => rg_of_id(&id),
        _ => None,
    });
    let rg = str_of(&rg_attr).or(rg_of_ref.as_deref()).unwrap_or(&scope.resource_group);
    let rg_id = format!("/subscriptions/{}/resourceGroups/{rg}", scope.subscription_id);
    let leaf = t.arm_type.rsplit('/').next().unwrap_or_default();
    match t.kind.as_deref() {
        Some("resource_group") => {
            return Some((t.arm_type.clone(), own_name.clone(), format!("/subscriptions/{}/resourceGroups/{own_name}", scope.subscription_id)))
        }
        Some("subscription") => {
            let id = format!("/subscriptions/{}", scope.subscription_id);
            return Some((t.arm_type.clone(), scope.subscription_id.clone(), id));
        }
        _ => {}
    }
    if let Some(p) = &t.parent {
        let pv = tf_value(attrs, p);
        let parent = str_of(&pv).map_or_else(|| format!("{rg_id}/providers/(unknown parent of {placeholder})"), str::to_owned);
        let parent_name = arm_name_of(&parent).unwrap_or_else(|| "(unknown)".to_owned());
        let (infix_path, infix_names) = match &t.infix {
            Some(i) => {
                let names: Vec<&str> = i.split('/').skip(1).step_by(2).collect();
                (format!("/{i}"), format!("/{}", names.join("/")))
            }
            None => (String::new(), String::new()),
        };
        let id = format!("{}{infix_path}/{leaf}/{own_name}", parent.trim_end_matches('/'));
        return Some((t.arm_type.clone(), format!("{parent_name}{infix_names}/{own_name}"), id));
    }
    if let Some(s) = &t.scope {
        let sv = tf_value(attrs, s);
        let sc = str_of(&sv).map_or(rg_id, str::to_owned);
        let id = format!("{}/providers/{}/{own_name}", sc.trim_end_matches('/'), t.arm_type);
        return Some((t.arm_type.clone(), own_name, id));
    }
    let parts: Vec<String> = if t.name.is_empty() {
        vec![own_name]
    } else {
        t.name
            .iter()
            .map(|n| {
                if let Some(lit) = n.strip_prefix('=') {
                    return lit.to_owned();
                }
                let v = tf_value(attrs, n);
                str_of(&v).map_or_else(|| format!("({placeholder}.{n})"), str::to_owned)
            })
            .collect()
    };
    let name = parts.join("/");
    let id = format!("{rg_id}{}", provider_suffix(&t.arm_type, &name));
    Some((t.arm_type.clone(), name, id))
}

fn azapi_identity(attrs: &Value, scope: &Scope, placeholder: &str) -> Option<(String, String, String)> {
    let ty = tf_get(attrs, "type");
    let arm_type = str_of(&ty)?.split('@').next().unwrap_or_default().to_owned();
    let nv = tf_get(attrs, "name");
    let own_name = str_of(&nv).unwrap_or(placeholder).to_owned();
    let pv = tf_get(attrs, "parent_id");
    let rg_id = scope.resource_group_id();
    let parent = str_of(&pv).map_or(rg_id, str::to_owned);
    let parent = parent.trim_end_matches('/');
    let segs: Vec<&str> = parent.split('/').filter(|s| !s.is_empty()).collect();
    let is_rg = segs.len() == 4 && segs.get(2).is_some_and(|s| s.eq_ignore_ascii_case("resourceGroups"));
    let is_sub = segs.len() == 2 && segs.first().is_some_and(|s| s.eq_ignore_ascii_case("subscriptions"));
    if is_rg || is_sub {
        let id = format!("{parent}{}", provider_suffix(&arm_type, &own_name));
        return Some((arm_type, own_name, id));
    }
    let parent_type = arm_type_of(parent).unwrap_or_default();
    if !parent_type.is_empty()
        && arm_type.len() > parent_type.len()
        && arm_type.to_ascii_lowercase().starts_with(&format!("{}/", parent_type.to_ascii_lowercase()))
    {
        let leaf = arm_type.rsplit('/').next().unwrap_or_default();
        let pname = arm_name_of(parent).unwrap_or_default();
        return Some((arm_type.clone(), format!("{pname}/{own_name}"), format!("{parent}/{leaf}/{own_name}")));
    }
    let id = format!("{parent}/providers/{arm_type}/{own_name}");
    Some((arm_type, own_name, id))
}

fn common(out: &mut Map, arm_type: &str, name: &str, id: &str, attrs: &Value) {
    out.insert("type".to_owned(), Value::String(arm_type.to_owned()));
    out.insert("name".to_owned(), Value::String(name.to_owned()));
    out.insert("id".to_owned(), Value::String(id.to_owned()));
    for key in ["location", "tags"] {
        let v = tf_get(attrs, key);
        if !v.is_null() {
            out.insert(key.to_owned(), v);
        }
    }
    let ident = tf_get(attrs, "identity");
    if !ident.is_null() {
        let idv = match attrs.get("identity") {
            Some(full) => transform("identity", full.clone(), None),
            None => Value::Null,
        };
        if !idv.is_null() {
            out.insert("identity".to_owned(), idv);
        }
    }
}

/// Deep merge `src` into `dst` (objects merge, everything else replaces).
pub fn deep_merge(dst: &mut Value, src: Value, depth: usize) {
    merge_values(dst, src, false, depth);
}

/// [`deep_merge`], with `append`: lists on both sides are concatenated.
pub fn merge_values(dst: &mut Value, src: Value, append: bool, depth: usize) {
    match (dst, src) {
        (Value::Object(d), Value::Object(s)) if depth < 32 => {
            for (k, v) in s {
                match d.get_mut(&k) {
                    Some(slot) => merge_values(slot, v, append, depth.saturating_add(1)),
                    None => {
                        d.insert(k, v);
                    }
                }
            }
        }
        (Value::Array(d), Value::Array(s)) if append => d.extend(s),
        (d, s) => *d = s,
    }
}

/// Map a Terraform resource (its evaluated attributes, blocks as lists of
/// objects) to ARM. `None` if the type is not mapped.
pub fn map_resource(tf_type: &str, attrs: &Value, scope: &Scope, placeholder: &str) -> Option<Mapped> {
    if tf_type == "azapi_resource" || tf_type == "azapi_update_resource" {
        return map_azapi(tf_type, attrs, scope, placeholder);
    }
    let t = table().ok()?.resources.get(tf_type)?;
    let (arm_type, name, id) = identity_of(tf_type, attrs, scope, placeholder)?;
    let mut out = Map::new();
    if t.merge_into.is_none() {
        common(&mut out, &arm_type, &name, &id, attrs);
    }
    let mut v = Value::Object(out);
    for (k, c) in &t.set {
        arm_set(&mut v, k, from_json(c));
    }
    apply_rules(&t.map, attrs, &mut v);
    let merge_into = match &t.merge_into {
        Some(attr) => match tf_value(attrs, attr) {
            Value::String(s) => Some(s),
            _ => Some(String::new()),
        },
        None => None,
    };
    let mut children = Vec::new();
    for c in &t.children {
        let blocks = match attrs.get(&c.block) {
            Some(Value::Array(a)) => a.clone(),
            _ => Vec::new(),
        };
        for b in blocks {
            let nattr = c.name.as_deref().unwrap_or("name");
            let cname = tf_get(&b, nattr);
            let cname = str_of(&cname).unwrap_or("default").to_owned();
            let leaf = c.arm_type.rsplit('/').next().unwrap_or_default();
            let mut m = Map::new();
            m.insert("type".to_owned(), Value::String(c.arm_type.clone()));
            m.insert("name".to_owned(), Value::String(format!("{name}/{cname}")));
            m.insert("id".to_owned(), Value::String(format!("{id}/{leaf}/{cname}")));
            let mut cv = Value::Object(m);
            for (k, x) in &c.set {
                arm_set(&mut cv, k, from_json(x));
            }
            apply_rules(&c.map, &b, &mut cv);
            children.push((c.block.clone(), cv));
        }
    }
    Some(Mapped { value: v, children, merge_into, append: t.merge_append })
}

fn strip_nulls(v: &mut Value, depth: usize) {
    if depth > 64 {
        return;
    }
    match v {
        Value::Object(m) => {
            m.retain(|_, x| !x.is_null());
            for x in m.values_mut() {
                strip_nulls(x, depth.saturating_add(1));
            }
        }
        Value::Array(a) => {
            for x in a {
                strip_nulls(x, depth.saturating_add(1));
            }
        }
        _ => {}
    }
}

fn map_azapi(tf_type: &str, attrs: &Value, scope: &Scope, placeholder: &str) -> Option<Mapped> {
    let mut body = match tf_get(attrs, "body") {
        Value::String(s) => crate::json::parse(&s).unwrap_or(Value::Null),
        other => other,
    };
    // azapi leaves null attributes out of the request body.
    strip_nulls(&mut body, 0);
    if tf_type == "azapi_update_resource" {
        let target = match tf_get(attrs, "resource_id") {
            Value::String(s) => s,
            _ => match azapi_identity(attrs, scope, placeholder) {
                Some((_, _, id)) => id,
                None => String::new(),
            },
        };
        let v = match body {
            Value::Object(_) | Value::Unknown(_) => body,
            _ => Value::Object(Map::new()),
        };
        return Some(Mapped { value: v, children: Vec::new(), merge_into: Some(target), append: false });
    }
    let (arm_type, name, id) = azapi_identity(attrs, scope, placeholder)?;
    let mut out = Map::new();
    common(&mut out, &arm_type, &name, &id, attrs);
    let mut v = Value::Object(out);
    match body {
        Value::Object(b) => {
            for (k, x) in b {
                if !["type", "name", "id"].contains(&k.as_str()) {
                    if let Value::Object(m) = &mut v {
                        m.insert(k, x);
                    }
                }
            }
        }
        u @ Value::Unknown(_) => arm_set(&mut v, "properties", u),
        _ => {}
    }
    Some(Mapped { value: v, children: Vec::new(), merge_into: None, append: false })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn j(v: serde_json::Value) -> Value {
        Value::from(v)
    }

    #[test]
    fn table_parses_and_names_real_arm_types() {
        let t = table().unwrap();
        assert!(t.resources.len() >= 40, "{}", t.resources.len());
        for (k, m) in &t.resources {
            assert!(k.starts_with("azurerm_"), "{k}");
            assert!(m.arm_type.contains('/') && m.arm_type.starts_with(char::is_uppercase), "{k}: {}", m.arm_type);
        }
    }

    #[test]
    fn ids_and_names_in_the_placeholder_scope() {
        let s = Scope::default();
        let (_, n, id) = identity_of(
            "azurerm_subnet",
            &j(serde_json::json!({"name": "snet", "virtual_network_name": "vnet", "resource_group_name": "rg"})),
            &s,
            "x",
        )
        .unwrap();
        assert_eq!(n, "vnet/snet");
        assert_eq!(id, "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/snet");
        let ws = s.resource_id("Microsoft.MachineLearningServices/workspaces", "ws");
        let (t, n, id) = identity_of(
            "azurerm_machine_learning_compute_instance",
            &j(serde_json::json!({"name": "ci", "machine_learning_workspace_id": ws})),
            &s,
            "x",
        )
        .unwrap();
        assert_eq!(t, "Microsoft.MachineLearningServices/workspaces/computes");
        assert_eq!(n, "ws/ci");
        assert_eq!(id, format!("{ws}/computes/ci"));
        let (_, _, id) = identity_of("azurerm_role_assignment", &j(serde_json::json!({"scope": ws})), &s, "ra").unwrap();
        assert_eq!(id, format!("{ws}/providers/Microsoft.Authorization/roleAssignments/ra"));
    }

    #[test]
    fn azapi_child_and_extension_ids() {
        let s = Scope::default();
        let ws = s.resource_id("Microsoft.MachineLearningServices/workspaces", "ws");
        let (t, n, id) = azapi_identity(
            &j(serde_json::json!({"type": "Microsoft.MachineLearningServices/workspaces/outboundRules@2024-04-01", "name": "r", "parent_id": ws})),
            &s,
            "p",
        )
        .unwrap();
        assert_eq!((t.as_str(), n.as_str(), id), ("Microsoft.MachineLearningServices/workspaces/outboundRules", "ws/r", format!("{ws}/outboundRules/r")));
        let (_, _, id) = azapi_identity(
            &j(serde_json::json!({"type": "Microsoft.Authorization/locks@2020-05-01", "name": "l", "parent_id": ws})),
            &s,
            "p",
        )
        .unwrap();
        assert_eq!(id, format!("{ws}/providers/Microsoft.Authorization/locks/l"));
    }

    #[test]
    fn transforms() {
        assert_eq!(transform("enabled_disabled", Value::Bool(false), None), Value::String("Disabled".into()));
        assert_eq!(transform("disabled_enabled", Value::Bool(true), None), Value::String("Disabled".into()));
        assert_eq!(transform("not", Value::Bool(true), None), Value::Bool(false));
        assert_eq!(transform("join_comma", j(serde_json::json!(["AzureServices", "Logging"])), None), Value::String("AzureServices, Logging".into()));
        assert_eq!(transform("objects:properties.x", j(serde_json::json!(["a"])), None), j(serde_json::json!([{"properties": {"x": "a"}}])));
        assert_eq!(transform("id_name:storageAccounts", Value::String("/s/1/providers/Microsoft.Storage/storageAccounts/st/blobServices/default/containers/c".into()), None), Value::String("st".into()));
        assert!(transform("not", Value::unknown("u"), None).is_unknown());
        assert_eq!(
            transform("identity", j(serde_json::json!([{"type": "SystemAssigned, UserAssigned", "identity_ids": ["/id/1"]}])), None),
            j(serde_json::json!({"type": "SystemAssigned,UserAssigned", "userAssignedIdentities": {"/id/1": {}}}))
        );
    }

    #[test]
    fn arm_name_and_type_of_ids() {
        let id = "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/v/subnets/x";
        assert_eq!(arm_name_of(id).as_deref(), Some("v/x"));
        assert_eq!(arm_type_of(id).as_deref(), Some("Microsoft.Network/virtualNetworks/subnets"));
    }
}
