//! Reverse alias lookup for the exporter: which alias addresses an ARM
//! property path of a type. Built from the alias catalog in the format of
//! `az provider list --expand resourceTypes/aliases`.

use crate::value::Value;
use std::collections::BTreeMap;

/// `type (lower-case) → [(alias name, default path)]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AliasIndex {
    types: BTreeMap<String, Vec<(String, String)>>,
}

impl AliasIndex {
    /// An index with no aliases (cross-resource rules that link by a
    /// property path are then not exported).
    pub fn empty() -> AliasIndex {
        AliasIndex::default()
    }

    /// Read either alias catalog format the engine reads: amlguard's compact
    /// form (`{"types": {type: {suffix: "" | path | {"path": …}}}}`, see
    /// `core/data/derive_aliases.py`; `""` means `properties.<suffix>`) or the
    /// `az provider list` form ([`AliasIndex::from_az_json`]).
    pub fn from_json(doc: &Value) -> AliasIndex {
        let Some(types) = doc.get("types").and_then(Value::as_object) else {
            return AliasIndex::from_az_json(doc);
        };
        let mut out: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
        for (t, entries) in types {
            let entry = out.entry(t.to_ascii_lowercase()).or_default();
            for (suffix, e) in entries.as_object().map(|m| m.iter().collect::<Vec<_>>()).unwrap_or_default() {
                let path = match e {
                    Value::String(p) if p.is_empty() => format!("properties.{suffix}"),
                    Value::String(p) => p.clone(),
                    other => match other.get("path").and_then(Value::as_str) {
                        Some(p) if !p.is_empty() => p.to_owned(),
                        _ => format!("properties.{suffix}"),
                    },
                };
                entry.push((format!("{t}/{suffix}"), path));
            }
        }
        AliasIndex { types: out }
    }

    /// Every `(type, [(alias name, default path)])`, types lower-case.
    pub fn types(&self) -> impl Iterator<Item = (&str, &[(String, String)])> {
        self.types.iter().map(|(t, a)| (t.as_str(), a.as_slice()))
    }

    /// Read `[{namespace, resourceTypes: [{resourceType, aliases: [{name, defaultPath}]}]}]`
    /// (or the same inside `{"value": [...]}`). Entries missing a field are skipped.
    pub fn from_az_json(doc: &Value) -> AliasIndex {
        let providers = doc.get("value").unwrap_or(doc).as_array().unwrap_or(&[]);
        let mut types: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
        for p in providers {
            let Some(ns) = p.get("namespace").and_then(Value::as_str) else { continue };
            for rt in p.get("resourceTypes").and_then(Value::as_array).unwrap_or(&[]) {
                let Some(t) = rt.get("resourceType").and_then(Value::as_str) else { continue };
                let entry = types.entry(format!("{ns}/{t}").to_ascii_lowercase()).or_default();
                for a in rt.get("aliases").and_then(Value::as_array).unwrap_or(&[]) {
                    if let (Some(name), Some(path)) =
                        (a.get("name").and_then(Value::as_str), a.get("defaultPath").and_then(Value::as_str))
                    {
                        entry.push((name.to_owned(), path.to_owned()));
                    }
                }
            }
        }
        AliasIndex { types }
    }

    /// Number of resource types known.
    pub fn len(&self) -> usize {
        self.types.len()
    }

    /// True when no type is known.
    pub fn is_empty(&self) -> bool {
        self.types.is_empty()
    }

    /// The alias of `type_` whose default path is `path` (both
    /// case-insensitive). Several aliases can share a path (polymorphic
    /// names); the shortest name wins, then the first in order.
    pub fn alias_for_path(&self, type_: &str, path: &str) -> Option<&str> {
        self.types
            .get(&type_.to_ascii_lowercase())?
            .iter()
            .filter(|(_, p)| p.eq_ignore_ascii_case(path))
            .min_by_key(|(n, _)| n.len())
            .map(|(n, _)| n.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_compact_form_of_the_embedded_catalog() {
        let doc = crate::json::parse(
            r#"{"types": {"Microsoft.Network/privateEndpoints": {"subnet.id": "", "x[*].y": "properties.x[*].properties.y", "m": {"path": "sku.m", "modifiable": true}}}}"#,
        )
        .unwrap();
        let idx = AliasIndex::from_json(&doc);
        assert_eq!(idx.alias_for_path("Microsoft.Network/privateEndpoints", "properties.subnet.id"), Some("Microsoft.Network/privateEndpoints/subnet.id"));
        assert_eq!(idx.alias_for_path("Microsoft.Network/privateEndpoints", "properties.x[*].properties.y"), Some("Microsoft.Network/privateEndpoints/x[*].y"));
        assert_eq!(idx.alias_for_path("Microsoft.Network/privateEndpoints", "sku.m"), Some("Microsoft.Network/privateEndpoints/m"));
        // The embedded catalog has the private endpoint link alias.
        assert!(super::super::embedded_aliases()
            .alias_for_path("Microsoft.Network/privateEndpoints", "properties.privateLinkServiceConnections[*].properties.privateLinkServiceId")
            .is_some());
    }

    #[test]
    fn finds_the_alias_of_a_path_case_insensitively() {
        let doc = crate::json::parse(
            r#"[{"namespace":"Microsoft.Network","resourceTypes":[{"resourceType":"privateEndpoints","aliases":[
                {"name":"Microsoft.Network/privateEndpoints/privateLinkServiceConnections[*].privateLinkServiceId",
                 "defaultPath":"properties.privateLinkServiceConnections[*].properties.privateLinkServiceId"},
                {"name":"Microsoft.Network/privateEndpoints/subnet.id","defaultPath":"properties.subnet.id"}]}]}]"#,
        )
        .map_err(|e| e.to_string());
        let idx = AliasIndex::from_az_json(&doc.unwrap_or(Value::Null));
        assert_eq!(idx.len(), 1);
        assert_eq!(
            idx.alias_for_path("microsoft.network/PRIVATEENDPOINTS", "Properties.Subnet.Id"),
            Some("Microsoft.Network/privateEndpoints/subnet.id")
        );
        assert_eq!(idx.alias_for_path("Microsoft.Network/privateEndpoints", "properties.nope"), None);
        assert_eq!(idx.alias_for_path("Microsoft.Network/other", "properties.subnet.id"), None);
    }
}
