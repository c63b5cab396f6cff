//! The value type every part of amlguard speaks: JSON plus a third kind of
//! value, [`Value::Unknown`], for what cannot be known before deployment
//! (a parameter without a value, `reference()`, `listKeys()`, a Terraform
//! attribute "known after apply"). An `Unknown` carries the reason, so a
//! finding that depends on it can say what is missing.

use indexmap::IndexMap;
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use std::fmt;

/// Object map: keeps the document's key order, so output is deterministic
/// and reads like the input. An [`IndexMap`] (every map method is reached
/// through `Deref`) with foldhash instead of SipHash: keys are hashed on
/// every insert and lookup, and SipHash cost ~8 % of a whole check (see
/// docs/design.md, "Object map hasher").
#[derive(Clone, Default, PartialEq)]
pub struct Map(Box<IndexMap<String, Value, MapHasher>>);

/// The hasher of [`Map`]: foldhash, randomly seeded per map; std's SipHash
/// in the size-bound browser build (`slim`), where foldhash's code would add
/// ~700 bytes gzip for no gain that matters on one deployment. Seeding is
/// kept out of line (maps are created in many places).
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

impl std::hash::BuildHasher for MapHasher {
    type Hasher = <HasherImpl as std::hash::BuildHasher>::Hasher;
    fn build_hasher(&self) -> Self::Hasher {
        self.0.build_hasher()
    }
}

impl Map {
    /// An empty map.
    pub fn new() -> Map {
        Map::default()
    }

    /// An empty map with room for `n` members.
    pub fn with_capacity(n: usize) -> Map {
        Map(Box::new(IndexMap::with_capacity_and_hasher(n, MapHasher::default())))
    }
}

impl std::ops::Deref for Map {
    type Target = IndexMap<String, Value, MapHasher>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl std::ops::DerefMut for Map {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl fmt::Debug for Map {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromIterator<(String, Value)> for Map {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Map {
        Map(Box::new(IndexMap::from_iter(iter)))
    }
}

impl Extend<(String, Value)> for Map {
    fn extend<I: IntoIterator<Item = (String, Value)>>(&mut self, iter: I) {
        self.0.extend(iter);
    }
}

impl IntoIterator for Map {
    type Item = (String, Value);
    type IntoIter = indexmap::map::IntoIter<String, Value>;
    fn into_iter(self) -> Self::IntoIter {
        (*self.0).into_iter()
    }
}

impl<'a> IntoIterator for &'a Map {
    type Item = (&'a String, &'a Value);
    type IntoIter = indexmap::map::Iter<'a, String, Value>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<'a> IntoIterator for &'a mut Map {
    type Item = (&'a String, &'a mut Value);
    type IntoIter = indexmap::map::IterMut<'a, String, Value>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter_mut()
    }
}

impl Serialize for Map {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> serde::Deserialize<'de> for Map {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        IndexMap::deserialize(d).map(|m| Map(Box::new(m)))
    }
}

/// Objects up to this many members are searched by [`Value::get_ci`] with
/// one scan instead of a hash lookup (most ARM objects are this small).
const SCAN_LEN: usize = 8;

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
        let map = self.as_object()?;
        // (as in `get_ci`: one pass over a small object is cheaper than
        // hashing the key; not in the size-bound browser build)
        if cfg!(not(feature = "slim")) && map.len() <= SCAN_LEN {
            return map.iter().find(|(k, _)| k.as_str() == key).map(|(_, v)| v);
        }
        map.get(key)
    }

    /// Object member by key, ignoring ASCII case (ARM property names are
    /// case-insensitive). An exact match wins over a case-folded one.
    pub fn get_ci(&self, key: &str) -> Option<&Value> {
        let map = self.as_object()?;
        // (not in the size-bound browser build)
        if cfg!(not(feature = "slim")) && map.len() <= SCAN_LEN {
            // One pass over a small object is cheaper than hashing the key.
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
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::with_capacity(map.size_hint().unwrap_or(0).min(4096));
        while let Some((k, v)) = map.next_entry::<String, Value>()? {
            out.insert(k, v);
        }
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

    #[test]
    fn get_ci_prefers_exact_key() {
        let v: Value = serde_json::json!({"Name": 1, "name": 2, "Type": 3}).into();
        assert_eq!(v.get_ci("name"), Some(&Value::Int(2)));
        assert_eq!(v.get_ci("TYPE"), Some(&Value::Int(3)));
        assert_eq!(v.get_ci("kind"), None);
        // the same answers from an object too large to be scanned
        let mut big: Map = (0..2 * SCAN_LEN).map(|i| (format!("k{i}"), Value::Int(-1))).collect();
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
