//! The value type every part of amlguard speaks: JSON plus a third kind of
//! value, [`Value::Unknown`], for what cannot be known before deployment
//! (a parameter without a value, `reference()`, `listKeys()`, a Terraform
//! attribute "known after apply"). An `Unknown` carries the reason, so a
//! finding that depends on it can say what is missing.

use hashbrown::HashTable;
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use std::fmt;
use std::hash::BuildHasher;

/// Object map: keeps the document's key order, so output is deterministic
/// and reads like the input. The members sit in one vector (one allocation
/// per non-empty object) and a small map is searched by scanning it, which
/// is cheaper than hashing the key (most ARM objects have a handful of
/// members). A map with more than [`INDEX_LEN`] members also keeps a hash
/// index from key to position, so big objects stay linear to build and
/// constant to search.
///
/// The methods are [`indexmap::IndexMap`]'s, with the same meaning:
/// `insert` of a present key replaces the value in place and keeps its
/// position, `shift_remove` keeps the order of the rest, and two maps are
/// equal when they have the same members in any order.
#[derive(Clone, Default)]
pub struct Map {
    entries: Vec<(String, Value)>,
    /// Present exactly when `entries` has more than [`INDEX_LEN`] members
    /// (rebuilt after removals); positions into `entries`.
    index: Option<Box<Index>>,
}

/// Maps with more members than this get a hash index (below it, a scan of
/// the keys is as fast as hashing one; see docs/performance.md).
const INDEX_LEN: usize = 16;

#[derive(Clone)]
struct Index {
    table: HashTable<usize>,
    hasher: MapHasher,
}

/// The hasher of [`Map`]'s index (and of a few other maps keyed by
/// strings): foldhash, randomly seeded per map; std's SipHash in the
/// size-bound browser build (`slim`), where foldhash's code would add ~700
/// bytes gzip for no gain that matters on one deployment. Seeding is kept
/// out of line (maps are created in many places).
#[derive(Clone, Debug)]
pub struct MapHasher(HasherImpl);

#[cfg(not(feature = "slim"))]
type HasherImpl = foldhash::fast::RandomState;
#[cfg(feature = "slim")]
type HasherImpl = std::collections::hash_map::RandomState;

impl Default for MapHasher {
    #[inline(never)]
    fn default() -> MapHasher {
        MapHasher(HasherImpl::default())
    }
}

impl BuildHasher for MapHasher {
    type Hasher = <HasherImpl as BuildHasher>::Hasher;
    fn build_hasher(&self) -> Self::Hasher {
        self.0.build_hasher()
    }
}

/// The hash of the key at position `i` (for the index's rehashing; every
/// position in the index is in `entries`).
fn hash_at(entries: &[(String, Value)], hasher: &MapHasher, i: usize) -> u64 {
    entries.get(i).map_or(0, |(k, _)| hasher.hash_one(k.as_str()))
}

impl Map {
    /// An empty map.
    pub fn new() -> Map {
        Map::default()
    }

    /// An empty map with room for `n` members.
    pub fn with_capacity(n: usize) -> Map {
        Map { entries: Vec::with_capacity(n), index: None }
    }

    /// A map of `entries`, whose keys the caller knows to be distinct (as
    /// the JSON reader, which rejects duplicate keys, and copies of another
    /// map do): no key is compared or hashed for a small map. If two keys
    /// are equal after all, nothing fails: the members are all kept and
    /// iterated, and a lookup finds one of them.
    pub fn from_distinct(entries: Vec<(String, Value)>) -> Map {
        let mut map = Map { entries, index: None };
        map.reindex();
        map
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// `true` when the map has no members.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Room for `n` more members.
    pub fn reserve(&mut self, n: usize) {
        self.entries.reserve(n);
    }

    /// Position of `key`.
    pub fn get_index_of(&self, key: &str) -> Option<usize> {
        match &self.index {
            None => self.entries.iter().position(|(k, _)| k == key),
            Some(ix) => {
                let hash = ix.hasher.hash_one(key);
                ix.table.find(hash, |&i| self.entries.get(i).is_some_and(|(k, _)| k == key)).copied()
            }
        }
    }

    /// `true` if the map has a member `key`.
    pub fn contains_key(&self, key: &str) -> bool {
        self.get_index_of(key).is_some()
    }

    /// The value of member `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.get_key_value(key).map(|(_, v)| v)
    }

    /// Member `key`, with the map's spelling of the key.
    pub fn get_key_value(&self, key: &str) -> Option<(&String, &Value)> {
        self.get_index(self.get_index_of(key)?)
    }

    /// The value of member `key`, to change.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        let i = self.get_index_of(key)?;
        self.entries.get_mut(i).map(|(_, v)| v)
    }

    /// The member at position `i`.
    pub fn get_index(&self, i: usize) -> Option<(&String, &Value)> {
        self.entries.get(i).map(|(k, v)| (k, v))
    }

    /// The member at position `i`, its value to change.
    pub fn get_index_mut(&mut self, i: usize) -> Option<(&String, &mut Value)> {
        self.entries.get_mut(i).map(|(k, v)| (&*k, v))
    }

    /// The first member.
    pub fn first(&self) -> Option<(&String, &Value)> {
        self.get_index(0)
    }

    /// The last member.
    pub fn last(&self) -> Option<(&String, &Value)> {
        self.entries.last().map(|(k, v)| (k, v))
    }

    /// Sets member `key` to `value`: a present member keeps its position
    /// and its old value is returned; a new one goes last.
    pub fn insert(&mut self, key: String, value: Value) -> Option<Value> {
        if let Some(i) = self.get_index_of(&key) {
            if let Some((_, slot)) = self.entries.get_mut(i) {
                return Some(std::mem::replace(slot, value));
            }
        }
        self.push_new(key, value);
        None
    }

    /// Appends a member whose key is not in the map; its position.
    fn push_new(&mut self, key: String, value: Value) -> usize {
        let i = self.entries.len();
        if let Some(ix) = &mut self.index {
            let Index { table, hasher } = &mut **ix;
            let entries = &self.entries;
            table.insert_unique(hasher.hash_one(key.as_str()), i, |&j| hash_at(entries, hasher, j));
        }
        self.entries.push((key, value));
        if self.index.is_none() && self.entries.len() > INDEX_LEN {
            self.reindex();
        }
        i
    }

    /// The index back in step with `entries` (after members were removed or
    /// reordered, or were added without it).
    fn reindex(&mut self) {
        if self.entries.len() <= INDEX_LEN {
            self.index = None;
            return;
        }
        let hasher = self.index.take().map_or_else(MapHasher::default, |ix| ix.hasher);
        let entries = &self.entries;
        let mut table = HashTable::with_capacity(entries.len());
        for (i, (k, _)) in entries.iter().enumerate() {
            table.insert_unique(hasher.hash_one(k.as_str()), i, |&j| hash_at(entries, &hasher, j));
        }
        self.index = Some(Box::new(Index { table, hasher }));
    }

    /// Removes member `key`, keeping the order of the others (O(n)); its value.
    pub fn shift_remove(&mut self, key: &str) -> Option<Value> {
        self.shift_remove_entry(key).map(|(_, v)| v)
    }

    /// Removes member `key`, keeping the order of the others (O(n)); the member.
    pub fn shift_remove_entry(&mut self, key: &str) -> Option<(String, Value)> {
        let i = self.get_index_of(key)?;
        // (`i` is a position in `entries`, so `remove` cannot fail)
        let member = (i < self.entries.len()).then(|| self.entries.remove(i))?;
        if self.entries.len() <= INDEX_LEN {
            self.index = None;
        } else if let Some(ix) = &mut self.index {
            // Out of the index without rehashing; later members move up one.
            if let Ok(slot) = ix.table.find_entry(ix.hasher.hash_one(member.0.as_str()), |&j| j == i) {
                slot.remove();
            }
            for j in ix.table.iter_mut() {
                if *j > i {
                    *j -= 1;
                }
            }
        }
        Some(member)
    }

    /// Keeps only the members for which `keep` is true, in order.
    pub fn retain(&mut self, mut keep: impl FnMut(&String, &mut Value) -> bool) {
        let before = self.entries.len();
        self.entries.retain_mut(|(k, v)| keep(k, v));
        if self.entries.len() != before {
            self.reindex();
        }
    }

    /// Removes every member.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.index = None;
    }

    /// The entry for `key`, to read, change or fill in one lookup.
    pub fn entry(&mut self, key: String) -> Entry<'_> {
        match self.get_index_of(&key) {
            Some(index) => Entry::Occupied(OccupiedEntry { map: self, index }),
            None => Entry::Vacant(VacantEntry { map: self, key }),
        }
    }

    /// The members in order.
    pub fn iter(&self) -> Iter<'_> {
        Iter(self.entries.iter())
    }

    /// The members in order, values to change.
    pub fn iter_mut(&mut self) -> IterMut<'_> {
        IterMut(self.entries.iter_mut())
    }

    /// The keys in order.
    pub fn keys(&self) -> Keys<'_> {
        Keys(self.entries.iter())
    }

    /// The values in order.
    pub fn values(&self) -> Values<'_> {
        Values(self.entries.iter())
    }

    /// The values in order, to change.
    pub fn values_mut(&mut self) -> ValuesMut<'_> {
        ValuesMut(self.entries.iter_mut())
    }
}

/// A member of a [`Map`], present or not (see [`Map::entry`]).
pub enum Entry<'a> {
    /// The member is present.
    Occupied(OccupiedEntry<'a>),
    /// The member is absent.
    Vacant(VacantEntry<'a>),
}

/// A present member (see [`Map::entry`]).
pub struct OccupiedEntry<'a> {
    map: &'a mut Map,
    index: usize,
}

/// An absent member (see [`Map::entry`]).
pub struct VacantEntry<'a> {
    map: &'a mut Map,
    key: String,
}

/// The value at position `i` of `map`, to change. Only called with a
/// position the map has; were it not, a detached null is returned rather
/// than a panic.
fn value_at(map: &mut Map, i: usize) -> &mut Value {
    match map.entries.get_mut(i) {
        Some((_, v)) => v,
        None => Box::leak(Box::default()),
    }
}

impl<'a> Entry<'a> {
    /// The member's key.
    pub fn key(&self) -> &String {
        match self {
            Entry::Occupied(e) => e.key(),
            Entry::Vacant(e) => e.key(),
        }
    }

    /// The value, after inserting `default` if the member is absent.
    pub fn or_insert(self, default: Value) -> &'a mut Value {
        self.or_insert_with(|| default)
    }

    /// The value, after inserting `make()` if the member is absent.
    pub fn or_insert_with(self, make: impl FnOnce() -> Value) -> &'a mut Value {
        match self {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => e.insert(make()),
        }
    }

    /// The value, after inserting null if the member is absent.
    pub fn or_default(self) -> &'a mut Value {
        self.or_insert_with(Value::default)
    }
}

impl<'a> OccupiedEntry<'a> {
    /// The member's key.
    pub fn key(&self) -> &String {
        static NONE: String = String::new();
        self.map.entries.get(self.index).map_or(&NONE, |(k, _)| k)
    }

    /// The member's position.
    pub fn index(&self) -> usize {
        self.index
    }

    /// The value.
    pub fn get(&self) -> &Value {
        static NULL: Value = Value::Null;
        self.map.entries.get(self.index).map_or(&NULL, |(_, v)| v)
    }

    /// The value, to change.
    pub fn get_mut(&mut self) -> &mut Value {
        value_at(self.map, self.index)
    }

    /// The value, to change, for as long as the map is borrowed.
    pub fn into_mut(self) -> &'a mut Value {
        value_at(self.map, self.index)
    }

    /// Replaces the value; the old one.
    pub fn insert(&mut self, value: Value) -> Value {
        std::mem::replace(self.get_mut(), value)
    }

    /// Removes the member, keeping the order of the others; its value.
    pub fn shift_remove(self) -> Value {
        let key = self.key().clone();
        self.map.shift_remove(&key).unwrap_or_default()
    }
}

impl<'a> VacantEntry<'a> {
    /// The member's key.
    pub fn key(&self) -> &String {
        &self.key
    }

    /// Adds the member (last); its value, to change.
    pub fn insert(self, value: Value) -> &'a mut Value {
        let i = self.map.push_new(self.key, value);
        value_at(self.map, i)
    }
}

impl PartialEq for Map {
    /// Same members, in any order (as [`indexmap::IndexMap`]).
    fn eq(&self, other: &Map) -> bool {
        self.len() == other.len()
            && self.entries.iter().zip(&other.entries).all(|((k, v), (ok, ov))| {
                // members in the same order compare without a lookup
                if k == ok {
                    v == ov
                } else {
                    other.get(k) == Some(v)
                }
            })
    }
}

impl fmt::Debug for Map {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl FromIterator<(String, Value)> for Map {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Map {
        let iter = iter.into_iter();
        let mut map = Map::with_capacity(iter.size_hint().0);
        map.extend(iter);
        map
    }
}

impl Extend<(String, Value)> for Map {
    fn extend<I: IntoIterator<Item = (String, Value)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

macro_rules! map_iter {
    ($(#[$doc:meta])* $name:ident $(<$a:lifetime>)?, $inner:ty, $item:ty, $f:expr) => {
        $(#[$doc])*
        pub struct $name$(<$a>)?($inner);

        impl$(<$a>)? Iterator for $name$(<$a>)? {
            type Item = $item;
            fn next(&mut self) -> Option<$item> {
                self.0.next().map($f)
            }
            fn size_hint(&self) -> (usize, Option<usize>) {
                self.0.size_hint()
            }
        }

        impl$(<$a>)? DoubleEndedIterator for $name$(<$a>)? {
            fn next_back(&mut self) -> Option<$item> {
                self.0.next_back().map($f)
            }
        }

        impl$(<$a>)? ExactSizeIterator for $name$(<$a>)? {}
        impl$(<$a>)? std::iter::FusedIterator for $name$(<$a>)? {}
    };
}

map_iter!(
    /// The members of a [`Map`] in order.
    Iter<'a>, std::slice::Iter<'a, (String, Value)>, (&'a String, &'a Value), |(k, v)| (k, v)
);
map_iter!(
    /// The members of a [`Map`] in order, values to change.
    IterMut<'a>, std::slice::IterMut<'a, (String, Value)>, (&'a String, &'a mut Value), |(k, v)| (&*k, v)
);
map_iter!(
    /// The members of a [`Map`] in order, by value.
    IntoIter, std::vec::IntoIter<(String, Value)>, (String, Value), |kv| kv
);
map_iter!(
    /// The keys of a [`Map`] in order.
    Keys<'a>, std::slice::Iter<'a, (String, Value)>, &'a String, |(k, _)| k
);
map_iter!(
    /// The values of a [`Map`] in order.
    Values<'a>, std::slice::Iter<'a, (String, Value)>, &'a Value, |(_, v)| v
);
map_iter!(
    /// The values of a [`Map`] in order, to change.
    ValuesMut<'a>, std::slice::IterMut<'a, (String, Value)>, &'a mut Value, |(_, v)| v
);

impl<'a> Clone for Iter<'a> {
    fn clone(&self) -> Self {
        Iter(self.0.clone())
    }
}

impl<'a> Clone for Keys<'a> {
    fn clone(&self) -> Self {
        Keys(self.0.clone())
    }
}

impl<'a> Clone for Values<'a> {
    fn clone(&self) -> Self {
        Values(self.0.clone())
    }
}

impl IntoIterator for Map {
    type Item = (String, Value);
    type IntoIter = IntoIter;
    fn into_iter(self) -> IntoIter {
        IntoIter(self.entries.into_iter())
    }
}

impl<'a> IntoIterator for &'a Map {
    type Item = (&'a String, &'a Value);
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl<'a> IntoIterator for &'a mut Map {
    type Item = (&'a String, &'a mut Value);
    type IntoIter = IterMut<'a>;
    fn into_iter(self) -> IterMut<'a> {
        self.iter_mut()
    }
}

impl Serialize for Map {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.len()))?;
        for (k, v) in self {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> serde::Deserialize<'de> for Map {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct MapVisitor;
        impl<'de> serde::de::Visitor<'de> for MapVisitor {
            type Value = Map;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Map, A::Error> {
                read_map(map)
            }
        }
        d.deserialize_map(MapVisitor)
    }
}

/// The members of a serde map, a later duplicate key replacing the value
/// (as `serde_json` and [`indexmap::IndexMap`] read them).
fn read_map<'de, A: serde::de::MapAccess<'de>>(mut map: A) -> Result<Map, A::Error> {
    let mut out = Map::with_capacity(map.size_hint().unwrap_or(0).min(4096));
    while let Some((k, v)) = map.next_entry::<String, Value>()? {
        out.insert(k, v);
    }
    Ok(out)
}

/// Key under which an [`Value::Unknown`] is written when a value is
/// serialised to plain JSON (for `amlguard ingest` and the bindings).
pub const UNKNOWN_KEY: &str = "$unknown";

/// A JSON value that may also be unknown.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    /// JSON `null`.
    #[default]
    Null,
    /// JSON `true` / `false`.
    Bool(bool),
    /// An integer that fits in 64 bits.
    Int(i64),
    /// Any other number.
    Float(f64),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Value>),
    /// An object; keys keep their spelling, lookups may ignore case (see [`Value::get_ci`]).
    Object(Map),
    /// A value that cannot be known before deployment, with the reason.
    Unknown(Unknown),
}

/// Why a value is unknown.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Unknown {
    /// Human-readable reason, e.g. "parameter `adminPassword` has no value".
    pub reason: String,
}

impl Unknown {
    /// A new unknown with the given reason.
    pub fn new(reason: impl Into<String>) -> Self {
        Self { reason: reason.into() }
    }
}

impl Value {
    /// A new unknown value with the given reason.
    pub fn unknown(reason: impl Into<String>) -> Self {
        Value::Unknown(Unknown::new(reason))
    }

    /// The JSON type name, as used in error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
            Value::Unknown(_) => "unknown",
        }
    }

    /// `Some(&str)` if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// `Some(bool)` if this is a boolean.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// `Some(i64)` if this is an integer (or a float with an integral value).
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            Value::Float(f) if f.fract() == 0.0 && f.is_finite() && f.abs() < 9.0e15 => {
                // Exact for |f| < 2^53; the guard keeps the cast lossless.
                #[allow(clippy::cast_possible_truncation)]
                Some(*f as i64)
            }
            _ => None,
        }
    }

    /// `Some(f64)` if this is a number.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            #[allow(clippy::cast_precision_loss)]
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }

    /// `Some(&[Value])` if this is an array.
    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    /// `Some(&Map)` if this is an object.
    pub fn as_object(&self) -> Option<&Map> {
        match self {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// Mutable object map, if this is an object.
    pub fn as_object_mut(&mut self) -> Option<&mut Map> {
        match self {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// `true` for [`Value::Unknown`].
    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown(_))
    }

    /// `true` for [`Value::Null`].
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Object member by exact key.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object()?.get(key)
    }

    /// Object member by key, ignoring ASCII case (ARM property names are
    /// case-insensitive). An exact match wins over a case-folded one.
    pub fn get_ci(&self, key: &str) -> Option<&Value> {
        let map = self.as_object()?;
        if map.index.is_none() {
            // A small object: one pass (it would be scanned for `get` anyway).
            let mut folded = None;
            for (k, v) in map {
                if k == key {
                    return Some(v);
                }
                if folded.is_none() && k.eq_ignore_ascii_case(key) {
                    folded = Some(v);
                }
            }
            return folded;
        }
        map.get(key)
            .or_else(|| map.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v))
    }

    /// Follow a dotted path of object keys (case-insensitive), e.g.
    /// `properties.publicNetworkAccess`. No array wildcards; see the policy
    /// module for alias paths.
    pub fn get_path_ci(&self, dotted: &str) -> Option<&Value> {
        dotted.split('.').try_fold(self, |v, seg| v.get_ci(seg))
    }

    /// The first unknown found anywhere in this value (depth first).
    pub fn first_unknown(&self) -> Option<&Unknown> {
        match self {
            Value::Unknown(u) => Some(u),
            Value::Array(a) => a.iter().find_map(Value::first_unknown),
            Value::Object(m) => m.values().find_map(Value::first_unknown),
            _ => None,
        }
    }

    /// Convert to plain JSON; an unknown becomes `{"$unknown": reason}`.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Int(i) => serde_json::Value::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map_or(serde_json::Value::Null, serde_json::Value::Number),
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::Array(a) => serde_json::Value::Array(a.iter().map(Value::to_json).collect()),
            Value::Object(m) => serde_json::Value::Object(
                m.iter().map(|(k, v)| (k.clone(), v.to_json())).collect(),
            ),
            Value::Unknown(u) => {
                let mut m = serde_json::Map::new();
                m.insert(UNKNOWN_KEY.to_owned(), serde_json::Value::String(u.reason.clone()));
                serde_json::Value::Object(m)
            }
        }
    }

    /// Convert from plain JSON; `{"$unknown": reason}` (exactly that one key
    /// with a string) becomes [`Value::Unknown`], so values survive a round trip
    /// through the bindings.
    pub fn from_json(v: &serde_json::Value) -> Value {
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => n
                .as_i64()
                .map(Value::Int)
                .or_else(|| n.as_f64().map(Value::Float))
                .unwrap_or(Value::Null),
            serde_json::Value::String(s) => Value::String(s.clone()),
            serde_json::Value::Array(a) => Value::Array(a.iter().map(Value::from_json).collect()),
            serde_json::Value::Object(m) => {
                if m.len() == 1 {
                    if let Some(serde_json::Value::String(reason)) = m.get(UNKNOWN_KEY) {
                        return Value::unknown(reason.clone());
                    }
                }
                Value::Object(m.iter().map(|(k, v)| (k.clone(), Value::from_json(v))).collect())
            }
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_owned())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}
impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}
impl From<Map> for Value {
    fn from(m: Map) -> Self {
        Value::Object(m)
    }
}
impl From<Vec<Value>> for Value {
    fn from(a: Vec<Value>) -> Self {
        Value::Array(a)
    }
}
impl From<serde_json::Value> for Value {
    fn from(v: serde_json::Value) -> Self {
        Value::from_json(&v)
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Int(i) => s.serialize_i64(*i),
            Value::Float(f) => {
                if f.is_finite() {
                    s.serialize_f64(*f)
                } else {
                    s.serialize_unit()
                }
            }
            Value::String(v) => s.serialize_str(v),
            Value::Array(a) => {
                let mut seq = s.serialize_seq(Some(a.len()))?;
                for v in a {
                    seq.serialize_element(v)?;
                }
                seq.end()
            }
            Value::Object(m) => {
                let mut map = s.serialize_map(Some(m.len()))?;
                for (k, v) in m {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
            Value::Unknown(u) => {
                let mut map = s.serialize_map(Some(1))?;
                map.serialize_entry(UNKNOWN_KEY, &u.reason)?;
                map.end()
            }
        }
    }
}

impl<'de> serde::Deserialize<'de> for Value {
    /// Built directly (no `serde_json::Value` in between), with the same
    /// result as [`Value::from_json`] of what `serde_json::Value` reads:
    /// integers beyond `i64` and all floats are floats, a non-finite float
    /// is null, and `{"$unknown": reason}` is unknown.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> serde::de::Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any valid JSON value")
    }
    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }
    fn visit_i64<E>(self, i: i64) -> Result<Value, E> {
        Ok(Value::Int(i))
    }
    fn visit_u64<E>(self, u: u64) -> Result<Value, E> {
        #[allow(clippy::cast_precision_loss)]
        Ok(i64::try_from(u).map_or(Value::Float(u as f64), Value::Int))
    }
    fn visit_i128<E: serde::de::Error>(self, i: i128) -> Result<Value, E> {
        match (i64::try_from(i), u64::try_from(i)) {
            (Ok(i), _) => Ok(Value::Int(i)),
            (_, Ok(u)) => self.visit_u64(u),
            _ => Err(E::custom("JSON number out of range")),
        }
    }
    fn visit_u128<E: serde::de::Error>(self, u: u128) -> Result<Value, E> {
        match u64::try_from(u) {
            Ok(u) => self.visit_u64(u),
            Err(_) => Err(E::custom("JSON number out of range")),
        }
    }
    fn visit_f64<E>(self, f: f64) -> Result<Value, E> {
        Ok(if f.is_finite() { Value::Float(f) } else { Value::Null })
    }
    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_owned()))
    }
    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        serde::Deserialize::deserialize(d)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(v) = seq.next_element()? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Value, A::Error> {
        let mut out = read_map(map)?;
        if out.len() == 1 {
            if let Some(Value::String(reason)) = out.get_mut(UNKNOWN_KEY) {
                return Ok(Value::unknown(std::mem::take(reason)));
            }
        }
        Ok(Value::Object(out))
    }
}

/// Reading a typed structure straight out of a [`Value`] (as
/// `serde_json::from_value` would from its plain JSON, with its errors; an
/// unknown reads as `{"$unknown": reason}`).
impl<'de> serde::Deserializer<'de> for &'de Value {
    type Error = serde_json::Error;

    fn deserialize_any<V: serde::de::Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
        use serde::de::value::{MapDeserializer, SeqDeserializer};
        match self {
            Value::Null => v.visit_unit(),
            Value::Bool(b) => v.visit_bool(*b),
            Value::Int(i) => v.visit_i64(*i),
            Value::Float(f) if f.is_finite() => v.visit_f64(*f),
            Value::Float(_) => v.visit_unit(),
            Value::String(s) => v.visit_borrowed_str(s),
            Value::Array(a) => {
                let mut seq = SeqDeserializer::new(a.iter());
                let out = v.visit_seq(&mut seq)?;
                seq.end()?;
                Ok(out)
            }
            Value::Object(m) => {
                let mut map = MapDeserializer::new(m.iter().map(|(k, x)| (k.as_str(), x)));
                let out = v.visit_map(&mut map)?;
                map.end()?;
                Ok(out)
            }
            Value::Unknown(u) => {
                let mut map = MapDeserializer::new(std::iter::once((UNKNOWN_KEY, u.reason.as_str())));
                let out = v.visit_map(&mut map)?;
                map.end()?;
                Ok(out)
            }
        }
    }

    fn deserialize_option<V: serde::de::Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
        match self {
            Value::Null => v.visit_none(),
            _ => v.visit_some(self),
        }
    }

    fn deserialize_enum<V: serde::de::Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, Self::Error> {
        use serde::de::IntoDeserializer;
        match self {
            Value::String(s) => v.visit_enum(s.as_str().into_deserializer()),
            Value::Object(m) if m.len() == 1 => {
                let mut map = serde::de::value::MapDeserializer::new(m.iter().map(|(k, x)| (k.as_str(), x)));
                let out = v.visit_enum(serde::de::value::MapAccessDeserializer::new(&mut map))?;
                map.end()?;
                Ok(out)
            }
            other => {
                let _ = (name, variants);
                let unexpected = match other {
                    Value::Null => serde::de::Unexpected::Unit,
                    Value::Bool(b) => serde::de::Unexpected::Bool(*b),
                    Value::Int(i) => serde::de::Unexpected::Signed(*i),
                    Value::Float(f) => serde::de::Unexpected::Float(*f),
                    Value::Array(_) => serde::de::Unexpected::Seq,
                    _ => serde::de::Unexpected::Map,
                };
                Err(serde::de::Error::invalid_type(unexpected, &"string or map"))
            }
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct identifier ignored_any
    }
}

impl<'de> serde::de::IntoDeserializer<'de, serde_json::Error> for &'de Value {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}

impl fmt::Display for Value {
    /// Compact JSON; unknowns print as `<unknown: reason>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Unknown(u) => write!(f, "<unknown: {}>", u.reason),
            // Scalars print as `to_json` would, without building it.
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            other => write!(f, "{}", other.to_json()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_round_trips_through_json() {
        let v = Value::Array(vec![Value::unknown("no value"), Value::Int(3)]);
        let j = v.to_json();
        assert_eq!(j.to_string(), r#"[{"$unknown":"no value"},3]"#);
        assert_eq!(Value::from_json(&j), v);
    }

    #[test]
    fn scalars_display_as_their_json() {
        let cases = [Value::Null, Value::Bool(false), Value::Int(i64::MIN), Value::Int(42), Value::from("a\"b\\c\n\u{1}é\u{2028}")];
        for v in cases {
            assert_eq!(v.to_string(), v.to_json().to_string(), "{v:?}");
        }
    }

    #[test]
    fn deserializing_matches_the_plain_json_route() {
        use serde::Deserialize;
        let texts = [
            r#"{"a": [1, -2, 18446744073709551615, 1.5, 1e3, "s", null, true, {"$unknown": "r"}, {"$unknown": 1}], "b": {}}"#,
            r#"[{"$unknown": "x", "y": 2}, 9223372036854775807, -9223372036854775808]"#,
        ];
        for t in texts {
            let direct: Value = serde_json::from_str(t).unwrap();
            let via: Value = Value::from_json(&serde_json::from_str::<serde_json::Value>(t).unwrap());
            assert_eq!(direct, via, "{t}");
            // and back out of a Value, as `serde_json::from_value` reads it
            let again: Value = serde::Deserialize::deserialize(&direct).unwrap();
            assert_eq!(again, direct, "{t}");
            let plain: serde_json::Value = serde::Deserialize::deserialize(&direct).unwrap();
            assert_eq!(plain, direct.to_json(), "{t}");
        }
        #[derive(serde::Deserialize, Debug, PartialEq)]
        #[serde(deny_unknown_fields)]
        struct S {
            n: Option<u8>,
            e: E,
        }
        #[derive(serde::Deserialize, Debug, PartialEq)]
        #[serde(rename_all = "lowercase")]
        enum E {
            Low,
        }
        for (t, ok) in [(r#"{"n": null, "e": "low"}"#, true), (r#"{"n": 300, "e": "low"}"#, false), (r#"{"e": "x"}"#, false), (r#"{"e": "low", "z": 1}"#, false), (r#"{"e": null}"#, false)] {
            let v: Value = serde_json::from_str(t).unwrap();
            let direct = S::deserialize(&v).map_err(|e| e.to_string());
            let via = serde_json::from_value::<S>(v.to_json()).map_err(|e| e.to_string());
            assert_eq!(direct, via, "{t}");
            assert_eq!(direct.is_ok(), ok, "{t}");
        }
    }

    /// The map against [`indexmap::IndexMap`] as a model: the same
    /// operations give the same answers and the same members in the same
    /// order, on both sides of the size where the hash index starts.
    #[test]
    fn map_behaves_as_indexmap() {
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        for keys in [3, INDEX_LEN, INDEX_LEN + 1, 4 * INDEX_LEN] {
            let mut map = Map::new();
            let mut model: indexmap::IndexMap<String, Value> = indexmap::IndexMap::new();
            for step in 0..2000_i64 {
                let key = format!("k{}", next(keys as u64));
                match next(10) {
                    0..=4 => assert_eq!(map.insert(key.clone(), Value::Int(step)), model.insert(key, Value::Int(step))),
                    5 => assert_eq!(map.shift_remove(&key), model.shift_remove(&key)),
                    6 => {
                        let e = map.entry(key.clone()).or_insert(Value::Int(-step));
                        assert_eq!(e, model.entry(key).or_insert(Value::Int(-step)));
                    }
                    7 => {
                        map.retain(|k, _| !k.ends_with('3'));
                        model.retain(|k, _| !k.ends_with('3'));
                    }
                    _ => {
                        assert_eq!(map.get(&key), model.get(&key));
                        assert_eq!(map.get_index_of(&key), model.get_index_of(&key));
                    }
                }
                assert_eq!(map.len(), model.len());
                assert!(map.iter().eq(model.iter()), "{keys} keys, step {step}");
                assert_eq!(map.index.is_some(), map.len() > INDEX_LEN);
            }
            for (i, (k, v)) in model.iter().enumerate() {
                assert_eq!(map.get_index(i), Some((k, v)));
                assert_eq!(map.get(k), Some(v));
            }
            // a copy from distinct members reads the same
            let copy = Map::from_distinct(map.iter().map(|(k, v)| (k.clone(), v.clone())).collect());
            assert!(copy.iter().eq(map.iter()));
            assert!(map.keys().all(|k| copy.get(k) == map.get(k)));
        }
    }

    #[test]
    fn map_equality_ignores_order_and_debug_keeps_it() {
        let ab: Map = [("a".to_owned(), Value::Int(1)), ("b".to_owned(), Value::Int(2))].into_iter().collect();
        let ba: Map = [("b".to_owned(), Value::Int(2)), ("a".to_owned(), Value::Int(1))].into_iter().collect();
        let ab3: Map = [("a".to_owned(), Value::Int(1)), ("b".to_owned(), Value::Int(3))].into_iter().collect();
        assert_eq!(ab, ba);
        assert_ne!(ab, ab3);
        assert_ne!(ab, Map::new());
        assert_eq!(format!("{ab:?}"), r#"{"a": Int(1), "b": Int(2)}"#);
        assert_eq!(format!("{ba:?}"), r#"{"b": Int(2), "a": Int(1)}"#);
        // a later duplicate replaces the value and keeps the first position
        let dup: Map = [("a".to_owned(), Value::Int(1)), ("b".to_owned(), Value::Int(2)), ("a".to_owned(), Value::Int(3))].into_iter().collect();
        assert_eq!(serde_json::to_string(&dup).unwrap(), r#"{"a":3,"b":2}"#);
        // keys wrongly promised distinct: all kept, a lookup finds one, no panic
        for n in [2, 2 * INDEX_LEN] {
            let twice = Map::from_distinct((0..n).map(|i| ("a".to_owned(), Value::Int(i as i64))).collect());
            assert_eq!(twice.len(), n);
            assert!(matches!(twice.get("a"), Some(Value::Int(i)) if (0..n as i64).contains(i)));
            assert_eq!(twice.get("b"), None);
        }
        // a value stays one word bigger than a string at most
        assert!(std::mem::size_of::<Value>() <= 32);
    }

    #[test]
    fn get_ci_prefers_exact_key() {
        let v: Value = serde_json::json!({"Name": 1, "name": 2, "Type": 3}).into();
        assert_eq!(v.get_ci("name"), Some(&Value::Int(2)));
        assert_eq!(v.get_ci("TYPE"), Some(&Value::Int(3)));
        assert_eq!(v.get_ci("kind"), None);
        // the same answers from an object too large to be scanned
        let mut big: Map = (0..2 * INDEX_LEN).map(|i| (format!("k{i}"), Value::Int(-1))).collect();
        big.insert("NAME".into(), Value::Int(1));
        big.insert("Name".into(), Value::Int(3));
        big.insert("name".into(), Value::Int(2));
        let big = Value::Object(big);
        assert_eq!(big.get_ci("name"), Some(&Value::Int(2)));
        assert_eq!(big.get_ci("nAme"), Some(&Value::Int(1)));
        assert_eq!(v.get_ci("nAme"), Some(&Value::Int(1)));
        assert_eq!(big.get_ci("kind"), None);
        // `get` is exact, scanned (small) or hashed (large)
        assert_eq!(v.get("name"), Some(&Value::Int(2)));
        assert_eq!(v.get("NAME"), None);
        assert_eq!(big.get("NAME"), Some(&Value::Int(1)));
        assert_eq!(big.get("nAme"), None);
        assert_eq!(Value::Int(1).get("name"), None);
    }
}
