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
