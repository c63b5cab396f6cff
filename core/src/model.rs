//! The ARM-shaped deployment model every input format is translated into.
//!
//! A [`Deployment`] is a list of [`Resource`]s, each an ARM-shaped object
//! (`type`, `name`, `id`, `location`, `sku`, `kind`, `identity`, `tags`,
//! `properties`, …) with its [`Provenance`], plus the [`Relation`]s between
//! them. Relations are derived generically: any string anywhere in a resource
//! that equals another resource's id (ignoring case) is an edge labelled by the
//! property path where it was found. No resource type has relation code of its
//! own.

use crate::json::{self, Position};
use crate::value::{Map, Value};
use serde::Serialize;
use std::collections::HashMap;

/// Resource index by normalised id (std's hasher in the size-bound browser
/// build, where it shares code with the crate's other maps of this shape).
#[cfg(not(feature = "slim"))]
type Ids = HashMap<String, usize, crate::value::MapHasher>;
#[cfg(feature = "slim")]
type Ids = HashMap<String, usize>;

/// [`Ids`] and which lengths its keys have: a string of another length is
/// no resource's id, so most prefixes tried by [`match_id_in`] are turned
/// away without hashing them.
#[derive(Default)]
struct IdIndex {
    map: Ids,
    /// `lens[n]`: some id is `n` bytes long.
    lens: Vec<bool>,
    /// The lengths ids have, ascending (each once).
    sorted: Vec<usize>,
}

impl IdIndex {
    fn insert(&mut self, id: String, i: usize) {
        let n = id.len();
        if self.lens.len() <= n {
            self.lens.resize(n + 1, false);
        }
        if let Some(slot) = self.lens.get_mut(n) {
            if !*slot {
                *slot = true;
                let at = self.sorted.partition_point(|&m| m < n);
                self.sorted.insert(at, n);
            }
        }
        self.map.entry(id).or_insert(i);
    }

    /// The resource whose id is the longest `/`-delimited proper prefix of
    /// `norm` (normalised): only the lengths some id has are tried, longest
    /// first.
    fn longest_prefix(&self, norm: &str) -> Option<usize> {
        let bytes = norm.as_bytes();
        let below = self.sorted.partition_point(|&m| m < bytes.len());
        let lens = self.sorted.get(..below).unwrap_or_default();
        lens.iter()
            .rev()
            .filter(|&&n| n > 0 && bytes.get(n) == Some(&b'/'))
            .find_map(|&n| norm.get(..n).and_then(|p| self.map.get(p)).copied())
    }

    fn get(&self, id: &str) -> Option<usize> {
        if !self.lens.get(id.len()).copied().unwrap_or(false) {
            return None;
        }
        self.map.get(id).copied()
    }
}

/// Placeholder scope used where a template does not say where it deploys.
/// The values follow what `resourceGroup()` and `subscription()` return in a
/// what-if of an empty subscription; they are placeholders, never guesses of
/// real ids, and stay constant so generated names are stable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Scope {
    /// Subscription id.
    pub subscription_id: String,
    /// Resource group name.
    pub resource_group: String,
    /// Tenant id.
    pub tenant_id: String,
    /// Location of the resource group (`resourceGroup().location`).
    pub location: String,
}

impl Default for Scope {
    fn default() -> Self {
        Scope {
            subscription_id: "00000000-0000-0000-0000-000000000000".to_owned(),
            resource_group: "amlguard-rg".to_owned(),
            tenant_id: "00000000-0000-0000-0000-000000000000".to_owned(),
            location: "westeurope".to_owned(),
        }
    }
}

impl Scope {
    /// `/subscriptions/{sub}/resourceGroups/{rg}`.
    pub fn resource_group_id(&self) -> String {
        format!("/subscriptions/{}/resourceGroups/{}", self.subscription_id, self.resource_group)
    }

    /// Resource id of a resource of `type_` named `name` in this resource group.
    /// Child types interleave name segments:
    /// `Microsoft.Network/virtualNetworks/subnets` + `vnet/snet` →
    /// `…/providers/Microsoft.Network/virtualNetworks/vnet/subnets/snet`.
    pub fn resource_id(&self, type_: &str, name: &str) -> String {
        // (One sized string: this runs per resource of a template.)
        let suffix = provider_suffix(type_, name);
        let mut id = String::with_capacity(
            self.subscription_id.len().saturating_add(self.resource_group.len()).saturating_add(suffix.len()).saturating_add(32),
        );
        for part in ["/subscriptions/", &self.subscription_id, "/resourceGroups/", &self.resource_group, &suffix] {
            id.push_str(part);
        }
        id
    }
}

/// `/providers/{ns}/{t1}/{n1}/{t2}/{n2}…` for a full type and a full name.
pub fn provider_suffix(type_: &str, name: &str) -> String {
    let mut types = type_.split('/');
    let ns = types.next().unwrap_or_default();
    // (Sized once, without the formatting machinery: this runs per resource id.)
    let mut out = String::with_capacity(type_.len().saturating_add(name.len()).saturating_add(12));
    out.push_str("/providers/");
    out.push_str(ns);
    let mut names = name.split('/');
    for t in types {
        out.push('/');
        out.push_str(t);
        out.push('/');
        out.push_str(names.next().unwrap_or_default());
    }
    // A name with more segments than the type has is kept verbatim.
    for n in names {
        out.push('/');
        out.push_str(n);
    }
    out
}

/// Where a resource (or a finding) comes from in the user's input.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Provenance {
    /// File path as given by the user, if the input was a file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// JSON pointer (or, for Terraform, the resource address) inside the file.
    pub pointer: String,
    /// 1-based line, if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// 1-based column, if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
}

impl Provenance {
    /// Provenance of the value at `pointer` in `text` (line and column looked up).
    pub fn locate(file: Option<&str>, text: &str, pointer: &str) -> Self {
        let pos: Option<Position> = json::locate(text, pointer);
        Provenance {
            file: file.map(str::to_owned),
            pointer: pointer.to_owned(),
            line: pos.map(|p| p.line),
            column: pos.map(|p| p.column),
        }
    }
}

/// One ARM-shaped resource.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Resource {
    /// The resource as ARM would store it: an object with `type`, `name`,
    /// `id`, `properties`, … Values may be [`Value::Unknown`].
    pub value: Value,
    /// Where it was declared.
    pub provenance: Provenance,
}

impl Resource {
    /// A resource from an ARM-shaped object.
    pub fn new(value: Value, provenance: Provenance) -> Self {
        Resource { value, provenance }
    }

    fn str_field(&self, key: &str) -> &str {
        self.value.get_ci(key).and_then(Value::as_str).unwrap_or_default()
    }

    /// Full resource type, e.g. `Microsoft.MachineLearningServices/workspaces`.
    pub fn type_(&self) -> &str {
        self.str_field("type")
    }

    /// Full name, e.g. `vnet/snet-training` for a subnet.
    pub fn name(&self) -> &str {
        self.str_field("name")
    }

    /// Resource id (always set once the resource is in a [`Deployment`]).
    pub fn id(&self) -> &str {
        self.str_field("id")
    }

    /// `true` if the type matches, ignoring case.
    #[inline]
    pub fn is_type(&self, type_: &str) -> bool {
        self.type_().eq_ignore_ascii_case(type_)
    }
}

/// A directed edge: the resource at `from` holds the id of the resource at
/// `to` in the property at `path` (array indexes written as `[*]`, e.g.
/// `properties.privateLinkServiceConnections[*].properties.privateLinkServiceId`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Relation {
    /// Index of the referring resource in [`Deployment::resources`].
    pub from: usize,
    /// Index of the referenced resource.
    pub to: usize,
    /// Property path on `from` where the id was found.
    pub path: String,
}

/// A relation that may exist: resource `from` has an unknown value at
/// `path`, so it may point to any resource (through that path or, when the
/// unknown stands for a whole object or array, any path below it).
/// Derived by [`Deployment::derive_relations`]; `related` counts use it as an
/// upper bound.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct PossibleRelation {
    /// Index of the resource with the unknown value.
    pub from: usize,
    /// Property path of the unknown value (`[*]` for array elements).
    pub path: String,
    /// Why the value is unknown.
    pub reason: String,
}

impl PossibleRelation {
    /// How many resources this unknown can stand for through relation path
    /// `path`: `Some(1)` when it sits exactly at `path` (one id), `None`
    /// (unbounded) when it is an enclosing object or array, `Some(0)` when
    /// it is elsewhere.
    #[inline]
    pub fn capacity(&self, path: &str) -> Option<usize> {
        let (p, q) = (self.path.as_bytes(), path.as_bytes());
        if p.eq_ignore_ascii_case(q) {
            return Some(1);
        }
        match (q.get(..p.len()), q.get(p.len())) {
            (Some(head), Some(b'.' | b'[')) if head.eq_ignore_ascii_case(p) => None,
            _ => Some(0),
        }
    }
}

/// Something worth telling the user about the input that is not a finding:
/// a resource that could not be expanded, a file skipped, a module not followed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// `error` (something was lost) or `info` (something was skipped on purpose).
    pub level: DiagnosticLevel,
    /// What happened, lowercase, user input in backticks.
    pub message: String,
    /// Where.
    pub provenance: Provenance,
}

/// Severity of a [`Diagnostic`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DiagnosticLevel {
    /// Informational: skipped on purpose.
    Info,
    /// Part of the input could not be used.
    Error,
}

/// A template output whose value calls a `list*` function (`listKeys`,
/// `listSecrets`, …): whoever can read the deployment can read the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecretOutput {
    /// Output name.
    pub name: String,
    /// The `list*` function called, as spelt in the template.
    pub function: String,
    /// Where the output is declared (`…/outputs/<name>`).
    pub provenance: Provenance,
}

/// A set of ARM-shaped resources and the relations between them.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Deployment {
    /// Resources in input order.
    pub resources: Vec<Resource>,
    /// Edges derived by [`Deployment::derive_relations`].
    pub relations: Vec<Relation>,
    /// Relations that may exist: unknown values where an id could be
    /// (derived by [`Deployment::derive_relations`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub possible_relations: Vec<PossibleRelation>,
    /// Notes about the input (skipped parts, resources that failed to expand).
    pub diagnostics: Vec<Diagnostic>,
    /// Template outputs (of the template or its nested deployments) whose
    /// value calls a `list*` function: they return keys or secrets.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub secret_outputs: Vec<SecretOutput>,
    /// Placeholder scope ids were computed in.
    pub scope: Scope,
}

/// Why resources could not be read from a plain resource list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    /// The document is neither an array of resources nor `{"resources": [...]}`.
    #[error("expected an array of resources or an object with `resources`, found {found}")]
    NotAResourceList {
        /// JSON type found.
        found: &'static str,
    },
    /// An element is not an object with a string `type`.
    #[error("resource at `{pointer}` must be an object with a string `type`")]
    BadResource {
        /// JSON pointer of the element.
        pointer: String,
    },
}

impl Deployment {
    /// Build from a JSON array of ARM resources, a single resource object, an
    /// object `{"resources": [...]}`, or an Azure Resource Graph result
    /// `{"data": [...]}` (resources already expanded: no
    /// template expressions are evaluated here). Missing ids are computed from
    /// type and name in the placeholder scope; relations are derived.
    /// `text` (the source document) and `file` are used for provenance.
    pub fn from_resources(
        doc: &Value,
        file: Option<&str>,
        text: Option<&str>,
    ) -> Result<Deployment, ModelError> {
        // Positions of all resources in one pass (one `locate` per resource
        // would re-read the document each time: quadratic in list length).
        let mut positions: Option<Vec<Position>> = None;
        Self::from_resource_list(doc, file, |i, base, pointer| {
            let t = text?;
            let all = positions.get_or_insert_with(|| base.map(|b| json::locate_children(t, b)).unwrap_or_default());
            match all.get(i) {
                Some(pos) => Some(*pos),
                None => json::locate(t, pointer),
            }
        })
    }

    /// [`Deployment::from_resources`] with the positions `index` recorded
    /// while the document was parsed (no further reading of its text).
    pub(crate) fn from_resources_indexed(doc: &Value, file: Option<&str>, index: &json::PositionIndex) -> Result<Deployment, ModelError> {
        Self::from_resource_list(doc, file, |_, _, pointer| index.get(pointer))
    }

    /// The resources of a list; `position(i, base, pointer)` locates the
    /// `i`th at `pointer` (`base`: the list's pointer, `None` for a single
    /// resource).
    fn from_resource_list(
        doc: &Value,
        file: Option<&str>,
        mut position: impl FnMut(usize, Option<&str>, &str) -> Option<Position>,
    ) -> Result<Deployment, ModelError> {
        let (items, base): (&[Value], &str) = match doc {
            Value::Array(a) => (a, ""),
            Value::Object(m) => match (m.get("resources"), m.get("data")) {
                (Some(Value::Array(a)), _) => (a, "/resources"),
                // Azure Resource Graph query results (`az graph query`).
                (None, Some(Value::Array(a))) => (a, "/data"),
                _ if m.contains_key("type") => (std::slice::from_ref(doc), ""),
                _ => return Err(ModelError::NotAResourceList { found: "object" }),
            },
            other => return Err(ModelError::NotAResourceList { found: other.type_name() }),
        };
        let single = matches!(doc, Value::Object(m) if !m.contains_key("resources") && !matches!(m.get("data"), Some(Value::Array(_))));
        let mut dep = Deployment::default();
        dep.resources.reserve(items.len());
        for (i, item) in items.iter().enumerate() {
            let pointer = if single { String::new() } else { format!("{base}/{i}") };
            if item.get_ci("type").and_then(Value::as_str).is_none() {
                return Err(ModelError::BadResource { pointer });
            }
            let pos = position(i, (!single).then_some(base), &pointer);
            let provenance = Provenance { file: file.map(str::to_owned), pointer, line: pos.map(|p| p.line), column: pos.map(|p| p.column) };
            dep.push(item.clone(), provenance);
        }
        dep.derive_relations();
        Ok(dep)
    }

    /// Add everything `other` holds (resources, diagnostics, secret outputs)
    /// after this deployment's own; call [`Deployment::derive_relations`]
    /// once all parts are in.
    pub fn append(&mut self, other: Deployment) {
        self.resources.extend(other.resources);
        self.diagnostics.extend(other.diagnostics);
        self.secret_outputs.extend(other.secret_outputs);
    }

    /// Add a resource, filling in `id` from type and name if it has none.
    pub fn push(&mut self, mut value: Value, provenance: Provenance) {
        if let Value::Object(m) = &mut value {
            let has_id = m.iter().any(|(k, v)| k.eq_ignore_ascii_case("id") && v.as_str().is_some());
            if !has_id {
                let t = m.iter().find(|(k, _)| k.eq_ignore_ascii_case("type")).and_then(|(_, v)| v.as_str());
                let n = m.iter().find(|(k, _)| k.eq_ignore_ascii_case("name")).and_then(|(_, v)| v.as_str());
                if let (Some(t), Some(n)) = (t, n) {
                    let id = self.scope.resource_id(t, n);
                    m.insert("id".to_owned(), Value::String(id));
                } else if let (false, Some((_, Value::Unknown(u)))) =
                    (m.keys().any(|k| k.eq_ignore_ascii_case("id")), m.iter().find(|(k, _)| k.eq_ignore_ascii_case("name")))
                {
                    let id = Value::unknown(format!("the resource id depends on its name: {}", u.reason));
                    m.insert("id".to_owned(), id);
                }
            }
        }
        self.resources.push(Resource::new(value, provenance));
    }

    /// Recompute [`Deployment::relations`]: every string value (outside the
    /// resource's own `id`) equal to another resource's id, ignoring case and a
    /// trailing slash, becomes an edge labelled by its property path. A
    /// resource's own `id` links it to its parent — the resource whose id is
    /// the longest proper prefix of it — with the path `id`. Strings
    /// that merely start with a resource id (a child id such as
    /// `…/vaults/kv/keys/k`) link to that resource too, so a key URI or a
    /// subnet id of a VNet declared inline still connects. Unknown values
    /// (outside `id`) become [`Deployment::possible_relations`].
    pub fn derive_relations(&mut self) {
        self.rederive(None);
    }

    /// [`Deployment::derive_relations`] after only the resources at
    /// `changed` (ascending) were changed, none of them in its `id`: their
    /// edges are derived again, the others' kept. The result is the same as
    /// deriving all again provided `relations` and `possible_relations`
    /// were those of the resources before the change.
    pub(crate) fn refresh_relations(&mut self, changed: &[usize]) {
        if !changed.is_empty() {
            self.rederive(Some(changed));
        }
    }

    /// Derive the edges of every resource (`only`: of those resources, keeping the others').
    fn rederive(&mut self, only: Option<&[usize]>) {
        let ids = self.id_index();
        let redo = |i: usize| only.is_none_or(|c| c.binary_search(&i).is_ok());
        let mut out: Vec<Relation> = std::mem::take(&mut self.relations);
        out.retain(|r| !redo(r.from));
        let mut possible: Vec<PossibleRelation> = std::mem::take(&mut self.possible_relations);
        possible.retain(|p| !redo(p.from));
        let mut walk = Walk::default();
        for (from, r) in self.resources.iter().enumerate() {
            if redo(from) {
                walk.resource(from, &r.value, &ids, &mut out, &mut possible);
            }
        }
        crate::order::sort(&mut out);
        out.dedup();
        self.relations = out;
        crate::order::sort(&mut possible);
        possible.dedup();
        self.possible_relations = possible;
    }

    /// Every resource's normalised id (ids are long; foldhash hashes them
    /// several times faster than SipHash).
    fn id_index(&self) -> IdIndex {
        let mut ids = IdIndex::default();
        for (i, r) in self.resources.iter().enumerate() {
            let id = normalise_id(r.id());
            if !id.is_empty() {
                ids.insert(id, i);
            }
        }
        ids
    }

    /// Resources that `from` points to through `path` (exact path match,
    /// ASCII case-insensitive).
    pub fn targets<'a>(&'a self, from: usize, path: &'a str) -> impl Iterator<Item = usize> + 'a {
        self.relations
            .iter()
            .filter(move |r| r.from == from && r.path.eq_ignore_ascii_case(path))
            .map(|r| r.to)
    }

    /// Resources that point to `to` through `path`.
    pub fn sources<'a>(&'a self, to: usize, path: &'a str) -> impl Iterator<Item = usize> + 'a {
        self.relations
            .iter()
            .filter(move |r| r.to == to && r.path.eq_ignore_ascii_case(path))
            .map(|r| r.from)
    }

    /// Index of the resource whose id equals `id` (ignoring case).
    pub fn find_by_id(&self, id: &str) -> Option<usize> {
        let want = normalise_id(id);
        self.resources.iter().position(|r| normalise_id(r.id()) == want)
    }

    /// The deployment as plain JSON (what `amlguard ingest` prints).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

/// Lower-case, without a trailing `/`.
pub fn normalise_id(id: &str) -> String {
    id.trim_end_matches('/').to_ascii_lowercase()
}

/// Objects nested deeper than this are not searched for ids (resources are
/// shallow; this bounds work on hostile input).
const MAX_RELATION_DEPTH: usize = 64;

/// Buffers reused for every value while relations are derived: the path
/// being walked, and a string lowercased for lookup.
#[derive(Default)]
struct Walk<'v> {
    path: PathSegs<'v>,
    lower: String,
}

impl<'v> Walk<'v> {
    /// The edges (and possible edges) of the resource at `from`, whose value is `value`.
    fn resource(&mut self, from: usize, value: &'v Value, ids: &IdIndex, out: &mut Vec<Relation>, possible: &mut Vec<PossibleRelation>) {
        let Value::Object(m) = value else { return };
        for (k, v) in m {
            if k.eq_ignore_ascii_case("id") {
                // A child (or extension) resource points to the nearest
                // resource whose id encloses its own: compute →
                // workspace, subnet → virtual network, DNS link → zone.
                if let Some(to) = v.as_str().and_then(|s| match_parent(s, ids)) {
                    if to != from {
                        out.push(Relation { from, to, path: k.to_ascii_lowercase() });
                    }
                }
                // An id not known before deployment may place the
                // resource under any parent.
                if let Value::Unknown(u) = v {
                    possible.push(PossibleRelation { from, path: k.to_ascii_lowercase(), reason: u.reason.clone() });
                }
                continue;
            }
            let mut sink = Edges { from, ids, out, possible, lower: &mut self.lower };
            self.path.clear();
            self.path.push(Some(k));
            sink.collect(v, &mut self.path, 0);
        }
    }
}

/// Where [`Deployment::derive_relations`] puts what it finds on one resource.
struct Edges<'a> {
    from: usize,
    ids: &'a IdIndex,
    out: &'a mut Vec<Relation>,
    possible: &'a mut Vec<PossibleRelation>,
    /// Scratch for the lowercased string being looked up.
    lower: &'a mut String,
}

impl Edges<'_> {
    /// Walk `v`, found at `path` (segments pushed and popped on the way;
    /// the path is written out only for what is found).
    fn collect<'v>(&mut self, v: &'v Value, path: &mut PathSegs<'v>, depth: usize) {
        if depth > MAX_RELATION_DEPTH {
            return;
        }
        match v {
            Value::String(s) if may_be_id(s) => {
                if let Some(to) = match_id_in(s, self.ids, self.lower) {
                    if to != self.from {
                        self.out.push(Relation { from: self.from, to, path: render_path(path) });
                    }
                }
            }
            Value::Unknown(u) => self.possible.push(PossibleRelation {
                from: self.from,
                path: render_path(path),
                reason: u.reason.clone(),
            }),
            Value::Array(a) => {
                path.push(None);
                for item in a.iter().filter(|x| may_hold_edge(x)) {
                    self.collect(item, path, depth.saturating_add(1));
                }
                path.pop();
            }
            Value::Object(m) => {
                for (k, item) in m.iter().filter(|(_, x)| may_hold_edge(x)) {
                    path.push(Some(k));
                    self.collect(item, path, depth.saturating_add(1));
                    path.pop();
                }
            }
            _ => {}
        }
    }
}

/// Whether [`Edges::collect`] can find anything in `v` (the others are
/// passed over without a call or a path segment).
fn may_hold_edge(v: &Value) -> bool {
    match v {
        Value::String(s) => may_be_id(s),
        Value::Unknown(_) | Value::Array(_) | Value::Object(_) => true,
        _ => false,
    }
}

/// Whether `s` may name a resource by its id (a path from the root, or a
/// URL): the strings relation derivation looks up.
pub(crate) fn may_be_id(s: &str) -> bool {
    s.starts_with('/') || s.starts_with("http")
}

/// A property path being walked: keys, `None` for `[*]`.
pub(crate) type PathSegs<'v> = Vec<Option<&'v str>>;

/// `segs` as text: keys joined by `.`, `[*]` for array elements
/// (`properties.rules[*].id`).
pub(crate) fn render_path(segs: &[Option<&str>]) -> String {
    let mut p = String::with_capacity(segs.iter().map(|s| s.map_or(3, |k| k.len() + 1)).sum());
    for (i, s) in segs.iter().enumerate() {
        match s {
            Some(k) => {
                if i > 0 {
                    p.push('.');
                }
                p.push_str(k);
            }
            None => p.push_str("[*]"),
        }
    }
    p
}

/// The resource a string refers to: the longest resource id that equals the
/// string or is a `/`-delimited prefix of it. `norm` is scratch space for
/// [`normalise_id`] of `s`.
fn match_id_in(s: &str, ids: &IdIndex, norm: &mut String) -> Option<usize> {
    norm.clear();
    norm.push_str(s.trim_end_matches('/'));
    norm.make_ascii_lowercase();
    let norm = norm.as_str();
    if let Some(i) = ids.get(norm) {
        return Some(i);
    }
    // Back over `/` boundaries: `…/vaults/kv/keys/k` → `…/vaults/kv/keys` → `…/vaults/kv`.
    ids.longest_prefix(norm)
}

/// The resource whose id is the longest proper `/`-prefix of `id` (its parent,
/// or the resource an extension resource is attached to).
fn match_parent(id: &str, ids: &IdIndex) -> Option<usize> {
    ids.longest_prefix(&normalise_id(id))
}

/// Convenience for tests and bindings: an object map from pairs.
pub fn object<I: IntoIterator<Item = (&'static str, Value)>>(pairs: I) -> Value {
    Value::Object(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect::<Map>())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dep(doc: serde_json::Value) -> Deployment {
        Deployment::from_resources(&doc.into(), None, None).unwrap()
    }

    #[test]
    fn ids_are_filled_and_child_names_interleave() {
        let d = dep(serde_json::json!([
            {"type": "Microsoft.Network/virtualNetworks/subnets", "name": "vnet/snet"}
        ]));
        assert_eq!(
            d.resources[0].id(),
            "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/amlguard-rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/snet"
        );
    }

    #[test]
    fn relations_are_derived_from_any_id_string() {
        let s = Scope::default();
        let ws = s.resource_id("Microsoft.MachineLearningServices/workspaces", "ws");
        let d = dep(serde_json::json!({"resources": [
            {"type": "Microsoft.MachineLearningServices/workspaces", "name": "ws",
             "properties": {"storageAccount": s.resource_id("Microsoft.Storage/storageAccounts", "st")}},
            {"type": "Microsoft.Storage/storageAccounts", "name": "st"},
            {"type": "Microsoft.Network/privateEndpoints", "name": "pe",
             "properties": {"privateLinkServiceConnections": [
                {"name": "c", "properties": {"privateLinkServiceId": ws.to_ascii_uppercase(), "groupIds": ["amlworkspace"]}}]}},
            {"type": "Microsoft.KeyVault/vaults", "name": "kv"},
            {"type": "Microsoft.MachineLearningServices/workspaces/computes", "name": "ws/c",
             "properties": {"keyUri": format!("{}/keys/k", s.resource_id("Microsoft.KeyVault/vaults", "kv"))}}
        ]}));
        assert_eq!(
            d.relations,
            vec![
                Relation { from: 0, to: 1, path: "properties.storageAccount".into() },
                Relation {
                    from: 2,
                    to: 0,
                    path: "properties.privateLinkServiceConnections[*].properties.privateLinkServiceId".into()
                },
                // the compute's own id starts with the workspace id: its parent edge;
                // the key URI links to the vault by prefix.
                Relation { from: 4, to: 0, path: "id".into() },
                Relation { from: 4, to: 3, path: "properties.keyUri".into() },
            ]
        );
        assert_eq!(d.sources(0, "properties.privateLinkServiceConnections[*].properties.privateLinkServiceId").collect::<Vec<_>>(), vec![2]);
    }

    #[test]
    fn walked_paths_are_written_as_dotted_text() {
        assert_eq!(render_path(&[Some("properties"), Some("rules"), None, Some("id")]), "properties.rules[*].id");
        assert_eq!(render_path(&[Some("tags"), None, None]), "tags[*][*]");
        // empty keys keep their dots, as the walk's own buffer did
        assert_eq!(render_path(&[Some(""), Some("a")]), ".a");
        assert_eq!(render_path(&[]), "");
    }

    #[test]
    fn child_resources_link_to_their_nearest_parent() {
        let d = dep(serde_json::json!([
            {"type": "Microsoft.Network/virtualNetworks", "name": "vnet"},
            {"type": "Microsoft.Network/virtualNetworks/subnets", "name": "vnet/snet"},
            {"type": "Microsoft.Network/privateDnsZones/virtualNetworkLinks", "name": "zone/link"},
            {"type": "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments", "name": "ws/ep/blue"},
            {"type": "Microsoft.MachineLearningServices/workspaces", "name": "ws"}
        ]));
        let parents: Vec<(usize, usize)> =
            d.relations.iter().filter(|r| r.path == "id").map(|r| (r.from, r.to)).collect();
        // the subnet's parent is the VNet; the link's zone is absent; the
        // deployment skips the absent endpoint and reaches the workspace.
        assert_eq!(parents, vec![(1, 0), (3, 4)]);
    }

    #[test]
    fn resource_lists_are_located_by_the_parse_index_as_by_the_text() {
        // Arrays, `resources`, Resource Graph `data`, a single resource; one
        // element on a shared line, comments and an escaped key before it.
        let texts = [
            "[\n  {\"type\": \"Microsoft.Storage/storageAccounts\", \"name\": \"a\"},\n  {\"type\": \"Microsoft.KeyVault/vaults\", \"name\": \"b\"}, {\"type\": \"Microsoft.KeyVault/vaults\", \"name\": \"c\"}\n]",
            "{\"x\\u0041\": 1, // note\n \"resources\": [\n\n    {\"type\": \"Microsoft.Storage/storageAccounts\", \"name\": \"é\"},\n    /* b */ {\"type\": \"Microsoft.KeyVault/vaults\", \"name\": \"b\"}]}",
            "{\"data\": [{\"type\": \"Microsoft.Storage/storageAccounts\", \"name\": \"a\"},\n{\"type\": \"Microsoft.KeyVault/vaults\", \"name\": \"b\"}]}",
            "\n\n  {\"type\": \"Microsoft.Storage/storageAccounts\", \"name\": \"a\"}",
        ];
        for text in texts {
            let (doc, index) = json::parse_indexed(std::sync::Arc::from(text)).unwrap();
            let by_text = Deployment::from_resources(&doc, Some("f.json"), Some(text)).unwrap();
            let by_index = Deployment::from_resources_indexed(&doc, Some("f.json"), &index).unwrap();
            let places = |d: &Deployment| d.resources.iter().map(|r| r.provenance.clone()).collect::<Vec<_>>();
            assert_eq!(places(&by_text), places(&by_index), "{text}");
            assert!(places(&by_index).iter().all(|p| p.line.is_some() && p.column.is_some()), "{text}");
            assert_eq!(by_text.resources.len(), by_index.resources.len(), "{text}");
        }
    }

    #[test]
    fn bad_shapes_are_typed_errors() {
        let e = Deployment::from_resources(&Value::Int(1), None, None).unwrap_err();
        assert_eq!(e, ModelError::NotAResourceList { found: "int" });
        let e = Deployment::from_resources(&serde_json::json!([{"name": "x"}]).into(), None, None).unwrap_err();
        assert_eq!(e, ModelError::BadResource { pointer: "/0".into() });
    }
}
