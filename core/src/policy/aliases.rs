//! The alias catalog: Azure Policy alias names → ARM property paths. Data, not
//! code: the embedded catalog is `core/data/aliases.json` (see
//! `core/data/ALIASES-NOTICE.md`); callers may merge catalogs in the
//! `az provider list --expand resourceTypes/aliases` format.

use super::path::{self, Path};
use super::PolicyError;
use crate::value::Value;
use crate::value::MapHasher;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

/// The embedded catalog; the `slim` (browser) build embeds only the aliases
/// the rules use (written by `core/build.rs`).
#[cfg(not(feature = "slim"))]
pub(crate) const EMBEDDED: &str = include_str!("../../data/aliases.json");
#[cfg(feature = "slim")]
pub(crate) const EMBEDDED: &str = include_str!(concat!(env!("OUT_DIR"), "/aliases.json"));

/// The embedded catalog once loaded (see [`AliasCatalog::embedded`]).
static EMBEDDED_CATALOG: OnceLock<AliasCatalog> = OnceLock::new();

/// Is `c` the embedded catalog? (Does not load it.)
pub(crate) fn is_embedded(c: &AliasCatalog) -> bool {
    EMBEDDED_CATALOG.get().is_some_and(|e| std::ptr::eq(e, c))
}

/// One alias.
///
/// The paths are parsed when first used ([`Alias::path`],
/// [`Alias::path_for`]): the embedded catalog has thousands of aliases and
/// the rules use a few dozen. Catalogs read with [`AliasCatalog::from_json`] /
/// [`AliasCatalog::add_json`] are still checked when read (an invalid path is
/// an error there); the embedded catalog is checked by a test.
#[derive(Debug, Clone)]
pub struct Alias {
    /// Name as written in the catalog.
    pub name: String,
    /// The resource type the alias belongs to (one name may be defined for
    /// several types, e.g. `Microsoft.Compute/imagePublisher`).
    pub resource_type: String,
    /// Default path as text.
    pub path_text: String,
    /// Usable by `modify` (metadata attribute `Modifiable`); `None` when the
    /// catalog does not record it.
    pub modifiable: Option<bool>,
    /// Paths (as text) that differ from the default for some API versions.
    version_texts: Vec<(String, Vec<String>)>,
    /// The parsed default path and versioned paths, on first use.
    parsed: OnceLock<Parsed>,
}

/// An alias's paths, parsed.
#[derive(Debug, Clone)]
struct Parsed {
    path: Path,
    versions: Vec<(Path, Vec<String>)>,
}

impl PartialEq for Alias {
    /// Equal when the catalog entries are equal (whether the paths have been
    /// parsed yet does not matter).
    fn eq(&self, o: &Self) -> bool {
        self.name == o.name
            && self.resource_type == o.resource_type
            && self.path_text == o.path_text
            && self.modifiable == o.modifiable
            && self.version_texts == o.version_texts
    }
}

impl Alias {
    fn new(
        name: String,
        resource_type: String,
        path_text: String,
        version_texts: Vec<(String, Vec<String>)>,
        modifiable: Option<bool>,
    ) -> Self {
        Alias { name, resource_type, path_text, modifiable, version_texts, parsed: OnceLock::new() }
    }

    /// Parse every path now (an invalid path is an error).
    fn parse_now(&self) -> Result<&Parsed, String> {
        if let Some(p) = self.parsed.get() {
            return Ok(p);
        }
        let mut versions = Vec::with_capacity(self.version_texts.len());
        for (t, vs) in &self.version_texts {
            versions.push((path::parse(t)?, vs.clone()));
        }
        let parsed = Parsed { path: path::parse(&self.path_text)?, versions };
        Ok(self.parsed.get_or_init(|| parsed))
    }

    /// The paths, parsed on first use. A path that does not parse (only
    /// possible for the embedded catalog, which a test checks, since read
    /// catalogs are checked when read) reads as one key that no resource has.
    fn parsed(&self) -> &Parsed {
        self.parsed.get_or_init(|| {
            let one = |t: &str| path::parse(t).unwrap_or_else(|_| vec![path::Seg::Key(t.to_owned())]);
            Parsed {
                path: one(&self.path_text),
                versions: self.version_texts.iter().map(|(t, vs)| (one(t), vs.clone())).collect(),
            }
        })
    }

    /// Default path, parsed (formerly the public field `path`).
    pub fn path(&self) -> &Path {
        &self.parsed().path
    }

    /// Paths that differ from the default for some API versions, parsed,
    /// with their API versions (formerly the public field `versions`).
    pub fn versions(&self) -> &[(Path, Vec<String>)] {
        &self.parsed().versions
    }

    /// The path for an API version (the default when none is listed).
    pub fn path_for(&self, api_version: Option<&str>) -> &Path {
        let p = self.parsed();
        if let Some(v) = api_version {
            for (path, versions) in &p.versions {
                if versions.iter().any(|x| x.eq_ignore_ascii_case(v)) {
                    return path;
                }
            }
        }
        &p.path
    }
}

/// Alias names (case-insensitive) → paths.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AliasCatalog {
    aliases: HashMap<String, Vec<Alias>, MapHasher>,
    types: HashSet<String, MapHasher>,
}

impl AliasCatalog {
    /// The catalog embedded in the binary (loaded once).
    pub fn embedded() -> &'static AliasCatalog {
        EMBEDDED_CATALOG.get_or_init(|| {
            // paths are parsed on first use (a test checks that all parse)
            #[cfg(not(feature = "slim"))]
            if let Some(cat) = AliasCatalog::read_compact_text(EMBEDDED) {
                return cat;
            }
            let mut cat = AliasCatalog::default();
            match crate::json::parse(EMBEDDED).map(|v| cat.add_value(&v, true)) {
                Ok(Ok(())) => cat,
                _ => AliasCatalog::default(),
            }
        })
    }

    /// An empty catalog.
    pub fn new() -> Self {
        Self::default()
    }

    /// Read a catalog: the `az provider` format (an array of providers, or
    /// `{"value": [...]}`), or amlguard's compact form (`{"types": {...}}`).
    pub fn from_json(v: &Value) -> Result<AliasCatalog, PolicyError> {
        let mut cat = AliasCatalog::default();
        cat.add_json(v)?;
        Ok(cat)
    }

    /// Merge another catalog document into this one (later entries win).
    pub fn add_json(&mut self, v: &Value) -> Result<(), PolicyError> {
        self.add_value(v, false)
    }

    /// [`Self::add_json`]; with `lazy`, paths are parsed on first use
    /// instead of now (for the embedded catalog).
    fn add_value(&mut self, v: &Value, lazy: bool) -> Result<(), PolicyError> {
        if let Some(types) = v.get("types").and_then(Value::as_object) {
            return self.add_compact(types, lazy);
        }
        let providers = match v {
            Value::Array(a) => a.as_slice(),
            Value::Object(_) => v.get_ci("value").and_then(Value::as_array).ok_or_else(|| {
                PolicyError::at("", "an alias catalog must be an array of providers or an object with `types`")
            })?,
            other => {
                return Err(PolicyError::at("", format!("an alias catalog must be an array, found {}", other.type_name())))
            }
        };
        for (pi, p) in providers.iter().enumerate() {
            let ns = p.get_ci("namespace").and_then(Value::as_str).unwrap_or_default();
            let rts = p.get_ci("resourceTypes").and_then(Value::as_array).unwrap_or_default();
            for (ti, rt) in rts.iter().enumerate() {
                let Some(rtype) = rt.get_ci("resourceType").and_then(Value::as_str) else { continue };
                self.types.insert(format!("{ns}/{rtype}").to_ascii_lowercase());
                let aliases = rt.get_ci("aliases").and_then(Value::as_array).unwrap_or_default();
                for (ai, a) in aliases.iter().enumerate() {
                    let ptr = format!("/{pi}/resourceTypes/{ti}/aliases/{ai}");
                    let name = a.get_ci("name").and_then(Value::as_str).ok_or_else(|| PolicyError::at(&ptr, "alias without a `name`"))?;
                    let default = a.get_ci("defaultPath").and_then(Value::as_str).ok_or_else(|| {
                        PolicyError::at(&ptr, format!("alias `{name}` has no `defaultPath`"))
                    })?;
                    let mut modifiable = is_modifiable(a.get_ci("defaultMetadata"));
                    let mut versions = Vec::new();
                    for pv in a.get_ci("paths").and_then(Value::as_array).unwrap_or_default() {
                        if let Some(m) = is_modifiable(pv.get_ci("metadata")) {
                            modifiable = Some(modifiable.unwrap_or(false) || m);
                        }
                        let Some(pt) = pv.get_ci("path").and_then(Value::as_str) else { continue };
                        if pt == default {
                            continue;
                        }
                        let vs = pv
                            .get_ci("apiVersions")
                            .and_then(Value::as_array)
                            .unwrap_or_default()
                            .iter()
                            .filter_map(|x| x.as_str().map(str::to_owned))
                            .collect();
                        versions.push((pt.to_owned(), vs));
                    }
                    let alias = Alias::new(
                        name.to_owned(),
                        format!("{ns}/{rtype}"),
                        default.to_owned(),
                        versions,
                        modifiable,
                    );
                    self.insert(alias, lazy, &|| ptr.clone())?;
                }
            }
        }
        Ok(())
    }

    fn add_compact(&mut self, types: &crate::value::Map, lazy: bool) -> Result<(), PolicyError> {
        self.types.reserve(types.len());
        self.aliases.reserve(types.values().filter_map(Value::as_object).map(|e| e.len()).sum());
        for (t, entries) in types {
            self.types.insert(t.to_ascii_lowercase());
            let Some(entries) = entries.as_object() else { continue };
            for (suffix, e) in entries {
                let entry = match e {
                    Value::String(p) => Entry::Path(p),
                    Value::Object(_) => Entry::Object(e),
                    _ => Entry::Other,
                };
                self.add_entry(t, suffix, entry, lazy)?;
            }
        }
        Ok(())
    }

    /// One entry `suffix` of type `t` of the compact form.
    fn add_entry(&mut self, t: &str, suffix: &str, e: Entry<'_>, lazy: bool) -> Result<(), PolicyError> {
        let mut name = String::with_capacity(t.len() + 1 + suffix.len());
        name.push_str(t);
        name.push('/');
        name.push_str(suffix);
        let ptr = || format!("/types/{t}/{suffix}");
        match e {
            Entry::Path(p) => {
                let path_text = if p.is_empty() {
                    let mut full = String::with_capacity(11 + suffix.len());
                    full.push_str("properties.");
                    full.push_str(suffix);
                    full
                } else {
                    p.to_owned()
                };
                self.insert(Alias::new(name, t.to_owned(), path_text, Vec::new(), None), lazy, &ptr)
            }
            Entry::Object(e) => {
                let p = e.get("path").and_then(Value::as_str).unwrap_or_default();
                // the compact form records `modifiable: true` only; absence is "not recorded"
                let modifiable = e.get("modifiable").and_then(Value::as_bool).filter(|m| *m);
                let mut versions = Vec::new();
                for pv in e.get("paths").and_then(Value::as_array).unwrap_or_default() {
                    let Some(pt) = pv.get("path").and_then(Value::as_str) else { continue };
                    let vs = pv
                        .get("apiVersions")
                        .and_then(Value::as_array)
                        .unwrap_or_default()
                        .iter()
                        .filter_map(|x| x.as_str().map(str::to_owned))
                        .collect();
                    versions.push((pt.to_owned(), vs));
                }
                self.insert(Alias::new(name, t.to_owned(), p.to_owned(), versions, modifiable), lazy, &ptr)
            }
            Entry::Other => Err(PolicyError::at(&ptr(), "alias entry must be a string or an object")),
        }
    }

    /// Add `alias` (replacing the one of the same name and type); unless
    /// `lazy`, its paths are parsed now (`ptr` locates an error).
    fn insert(&mut self, alias: Alias, lazy: bool, ptr: &dyn Fn() -> String) -> Result<(), PolicyError> {
        if !lazy {
            alias.parse_now().map_err(|e| PolicyError::at(&ptr(), e))?;
        }
        self.put(alias.name.to_ascii_lowercase(), alias);
        Ok(())
    }

    fn put(&mut self, key: String, alias: Alias) {
        use std::collections::hash_map::Entry as Slot;
        let list = match self.aliases.entry(key) {
            Slot::Vacant(v) => {
                // most names have one definition: no room for more
                v.insert(vec![alias]);
                return;
            }
            Slot::Occupied(o) => o.into_mut(),
        };
        match list.iter_mut().find(|a| a.resource_type.eq_ignore_ascii_case(&alias.resource_type)) {
            Some(slot) => *slot = alias,
            None => list.push(alias),
        }
    }

    /// Merge `other` into this catalog (its aliases win).
    pub fn merge(&mut self, other: &AliasCatalog) {
        for (k, list) in &other.aliases {
            for a in list {
                self.put(k.clone(), a.clone());
            }
        }
        self.types.extend(other.types.iter().cloned());
    }

    /// Every definition of the alias named `name` (case-insensitive), one per
    /// resource type that has it.
    pub fn get_all(&self, name: &str) -> &[Alias] {
        let found = if name.bytes().any(|b| b.is_ascii_uppercase()) {
            self.aliases.get(&name.to_ascii_lowercase())
        } else {
            self.aliases.get(name)
        };
        found.map_or(&[], Vec::as_slice)
    }

    /// The alias named `name` (case-insensitive); for a name defined on
    /// several types, the first.
    pub fn get(&self, name: &str) -> Option<&Alias> {
        self.get_all(name).first()
    }

    /// The alias named `name` as defined for `resource_type` (else the first).
    pub fn resolve(&self, name: &str, resource_type: &str) -> Option<&Alias> {
        pick(self.get_all(name), resource_type)
    }

    /// `true` if the catalog knows the resource type.
    pub fn has_type(&self, type_: &str) -> bool {
        self.types.contains(&type_.to_ascii_lowercase())
    }

    /// Number of aliases (a name defined on several types counts once per type).
    pub fn len(&self) -> usize {
        self.aliases.values().map(Vec::len).sum()
    }

    /// `true` when empty.
    pub fn is_empty(&self) -> bool {
        self.aliases.is_empty()
    }
}

/// An entry of the compact form: a path (empty: `properties.<suffix>`), an
/// object (`path`, `modifiable`, `paths`), or something else (an error).
enum Entry<'x> {
    Path(&'x str),
    Object(&'x Value),
    Other,
}

#[cfg(not(feature = "slim"))]
impl AliasCatalog {
    /// Read the compact form straight from its text in one pass, with lazily
    /// parsed paths, for the embedded catalog: no document tree in between
    /// (which costs about as much again). `None` when the text is not read
    /// this way (e.g. a string with an escape, which is not borrowed, or any
    /// other surprise): the caller then reads it as a document. A test checks
    /// that both ways give the same catalog.
    fn read_compact_text(text: &str) -> Option<AliasCatalog> {
        use serde::de::DeserializeSeed;
        let mut cat = AliasCatalog::default();
        // the embedded catalog has about one alias per 140 bytes
        cat.aliases.reserve(text.len() / 140);
        let mut de = serde_json::Deserializer::from_str(text);
        Top(&mut cat).deserialize(&mut de).ok()?;
        de.end().ok()?;
        Some(cat)
    }
}

#[cfg(not(feature = "slim"))]
/// The compact document: `types` is read, other members skipped.
struct Top<'c>(&'c mut AliasCatalog);
#[cfg(not(feature = "slim"))]
/// `types`: type name → entries.
struct Types<'c>(&'c mut AliasCatalog);
#[cfg(not(feature = "slim"))]
/// One type's entries: suffix → entry.
struct Entries<'c, 't>(&'c mut AliasCatalog, &'t str);

#[cfg(not(feature = "slim"))]
/// An entry as read: a borrowed path, or an object read as a [`Value`].
enum ReadEntry<'de> {
    Path(&'de str),
    Object(Value),
}

#[cfg(not(feature = "slim"))]
impl<'de> serde::Deserialize<'de> for ReadEntry<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = ReadEntry<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an alias path or an alias object")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<ReadEntry<'de>, E> {
                Ok(ReadEntry::Path(s))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<ReadEntry<'de>, A::Error> {
                use serde::Deserialize;
                Value::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(ReadEntry::Object)
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(not(feature = "slim"))]
impl<'de> serde::de::DeserializeSeed<'de> for Top<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

#[cfg(not(feature = "slim"))]
impl<'de> serde::de::Visitor<'de> for Top<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an alias catalog in compact form")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = false;
        while let Some(k) = map.next_key::<&'de str>()? {
            if k == "types" && !seen {
                seen = true;
                map.next_value_seed(Types(&mut *self.0))?;
            } else {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        if seen {
            Ok(())
        } else {
            Err(serde::de::Error::missing_field("types"))
        }
    }
}

#[cfg(not(feature = "slim"))]
impl<'de> serde::de::DeserializeSeed<'de> for Types<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

#[cfg(not(feature = "slim"))]
impl<'de> serde::de::Visitor<'de> for Types<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("resource types")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(t) = map.next_key::<&'de str>()? {
            self.0.types.insert(t.to_ascii_lowercase());
            map.next_value_seed(Entries(&mut *self.0, t))?;
        }
        Ok(())
    }
}

#[cfg(not(feature = "slim"))]
impl<'de> serde::de::DeserializeSeed<'de> for Entries<'_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

#[cfg(not(feature = "slim"))]
impl<'de> serde::de::Visitor<'de> for Entries<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("aliases of a resource type")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(suffix) = map.next_key::<&'de str>()? {
            let read = map.next_value::<ReadEntry<'de>>()?;
            let entry = match &read {
                ReadEntry::Path(p) => Entry::Path(p),
                ReadEntry::Object(v) => Entry::Object(v),
            };
            self.0.add_entry(self.1, suffix, entry, true).map_err(serde::de::Error::custom)?;
        }
        Ok(())
    }
}

/// The definition of an alias for `resource_type` among several (else the first).
pub fn pick<'c>(list: &'c [Alias], resource_type: &str) -> Option<&'c Alias> {
    list.iter().find(|a| a.resource_type.eq_ignore_ascii_case(resource_type)).or_else(|| list.first())
}

fn is_modifiable(meta: Option<&Value>) -> Option<bool> {
    let m = meta?;
    Some(m.get_ci("attributes").and_then(Value::as_str).is_some_and(|a| a.to_ascii_lowercase().contains("modifiable")))
}


#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::path::Seg;

    #[test]
    #[cfg_attr(feature = "slim", ignore = "needs the full alias catalog; the slim build embeds only the aliases the rules use")]
    fn embedded_catalog_resolves_irregular_paths() {
        let c = AliasCatalog::embedded();
        assert!(c.len() > 7000, "{}", c.len());
        let compute = c.get("microsoft.machinelearningservices/workspaces/computes/enableNodePublicIp").unwrap();
        assert_eq!(compute.path_text, "properties.properties.enableNodePublicIp");
        let logs = c.get("Microsoft.Insights/diagnosticSettings/logs.enabled").unwrap();
        assert_eq!(logs.path_text, "properties.logs[*].enabled");
        let kv = c.get("Microsoft.KeyVault/vaults/enableRbacAuthorization").unwrap();
        assert_eq!(kv.path_text, "properties.enableRbacAuthorization");
        let sku = c.get("Microsoft.Storage/storageAccounts/sku.name").unwrap();
        assert_eq!(*sku.path(), vec![Seg::Key("sku".into()), Seg::Key("name".into())]);
        assert_eq!(
            path::render(sku.path_for(Some("2015-06-15"))),
            "properties.accountType",
            "versioned path for an old api version"
        );
        assert!(c.has_type("MICROSOFT.MACHINELEARNINGSERVICES/WORKSPACES"));
    }

    /// The embedded catalog parses its paths on first use: every one of them
    /// must parse (read catalogs are checked when read).
    #[test]
    fn embedded_catalog_paths_all_parse() {
        let c = AliasCatalog::embedded();
        assert!(!c.is_empty());
        let mut n = 0;
        for list in c.aliases.values() {
            for a in list {
                assert!(a.parse_now().is_ok(), "alias `{}` path `{}`", a.name, a.path_text);
                n += 1;
            }
        }
        assert_eq!(n, c.len());
    }

    #[test]
    #[cfg(not(feature = "slim"))]
    fn the_embedded_text_reads_alike_in_one_pass_and_as_a_document() {
        let mut doc = AliasCatalog::default();
        doc.add_value(&crate::json::parse(EMBEDDED).unwrap(), true).unwrap();
        let direct = AliasCatalog::read_compact_text(EMBEDDED).expect("read in one pass");
        assert!(direct.len() == doc.len() && !direct.is_empty());
        assert_eq!(direct, doc);
        assert_eq!(AliasCatalog::embedded(), &doc);
        // an escaped string is not borrowed: the document route reads it
        let t = r#"{"types": {"Microsoft.X/y": {"a": "properties.\u0061"}}}"#;
        assert!(AliasCatalog::read_compact_text(t).is_none());
        let t = r#"{"about": {"x": [1, "two"]}, "types": {"Microsoft.X/y": {"a": "", "b": {"path": "properties.c", "modifiable": true}}}}"#;
        let direct = AliasCatalog::read_compact_text(t).unwrap();
        assert_eq!(direct, AliasCatalog::from_json(&crate::json::parse(t).unwrap()).unwrap());
        assert_eq!(direct.get("microsoft.x/y/b").unwrap().modifiable, Some(true));
        assert!(direct.has_type("microsoft.x/Y"));
    }

    #[test]
    fn read_catalog_rejects_a_bad_path_and_parses_lazily_equal() {
        let bad = crate::json::parse(r#"{"types": {"Microsoft.X/y": {"a": "properties..a"}}}"#).unwrap();
        let e = AliasCatalog::from_json(&bad).unwrap_err().to_string();
        assert!(e.contains("/types/Microsoft.X/y/a"), "{e}");
        let good = crate::json::parse(
            r#"{"types": {"Microsoft.X/y": {"a": "", "b": {"path": "properties.b", "paths": [{"path": "properties.old.b", "apiVersions": ["2020-01-01"]}]}}}}"#,
        )
        .unwrap();
        let read = AliasCatalog::from_json(&good).unwrap();
        let mut lazy = AliasCatalog::default();
        lazy.add_value(&good, true).unwrap();
        assert_eq!(read, lazy, "parsed or not, the entries compare equal");
        let b = lazy.get("microsoft.x/Y/B").unwrap();
        assert_eq!(path::render(b.path_for(Some("2020-01-01"))), "properties.old.b");
        assert_eq!(path::render(b.path_for(None)), "properties.b");
        assert_eq!(b.versions().len(), 1);
        assert_eq!(path::render(lazy.get("Microsoft.X/y/a").unwrap().path()), "properties.a");
    }
}
