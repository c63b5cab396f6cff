//! The template functions ARM templates and Azure Policy rules share (one
//! library, two callers): string, array, object, logical, comparison,
//! numeric, encoding and date functions, and .NET composite formatting.
//!
//! Callers keep only what differs: the ARM evaluator (`ingest::arm`) owns
//! `parameters`/`variables`/`copyIndex`/`reference`/resource ids and the
//! lazy `if`/`and`/`or`/`coalesce`; the policy engine (`policy`) owns
//! `field`/`current`/`parameters`/`requestContext`. Where the two languages
//! are known to differ (rendering booleans and null in `string`/`join`;
//! `and`/`or`/`concat` without arguments) a [`Dialect`] switch decides (see
//! [`text`] and `min_args`).
//!
//! Unknown arguments: a function whose top-level argument is unknown
//! returns that unknown, except `createArray`/`createObject` (the unknown
//! is kept inside), `equals`/`string`/`format` (an unknown anywhere inside
//! an argument makes the result unknown) and `contains` (a known match
//! still answers `true`).

pub(crate) mod datetime;
pub(crate) mod encoding;
pub(crate) mod numfmt;
#[cfg(test)]
mod tests;

use crate::value::{Map, Value};
use std::borrow::Borrow;
use std::cmp::Ordering;

/// Largest string or array a function may build.
pub(crate) const MAX_BUILD: usize = 1 << 20;
/// Deepest object nesting `union` merges.
const MAX_MERGE_DEPTH: usize = 64;

/// Which language calls: where ARM and Azure Policy differ, which one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// ARM templates (and Bicep output).
    Arm,
    /// Azure Policy rules.
    Policy,
}

/// What went wrong in a function call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FnErrorKind {
    /// Wrong number of arguments.
    Arity,
    /// An argument of the wrong type or value.
    Type,
    /// A size or count bound.
    Limit,
}

/// A function that cannot be evaluated; `message` is lowercase with user
/// input in backticks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FnError {
    pub kind: FnErrorKind,
    pub message: String,
}

pub(crate) type FnResult = Result<Value, FnError>;

pub(crate) fn type_error(message: impl Into<String>) -> FnError {
    FnError { kind: FnErrorKind::Type, message: message.into() }
}

fn limit_error(message: impl Into<String>) -> FnError {
    FnError { kind: FnErrorKind::Limit, message: message.into() }
}

pub(crate) fn arity(name: &str, n: usize, min: usize, max: usize) -> Result<(), FnError> {
    if n < min || n > max {
        let want = if min == max {
            format!("{min}")
        } else if max == usize::MAX {
            format!("at least {min}")
        } else {
            format!("{min} to {max}")
        };
        return Err(FnError { kind: FnErrorKind::Arity, message: format!("`{name}` takes {want} argument(s), {n} given") });
    }
    Ok(())
}

fn expects(name: &str, what: &str, v: &Value) -> FnError {
    type_error(format!("`{name}` expects {what}, found {}", v.type_name()))
}

fn s<'v>(name: &str, v: &'v Value) -> Result<&'v str, FnError> {
    v.as_str().ok_or_else(|| expects(name, "a string", v))
}

fn int(name: &str, v: &Value) -> Result<i64, FnError> {
    v.as_i64().ok_or_else(|| expects(name, "an integer", v))
}

/// Text of a value where a string is needed (`string()`, `join`, `padLeft`
/// keys): strings as they are, containers as compact JSON. Booleans and null
/// are where the languages differ: ARM renders .NET's `True`/`False` and an
/// empty string for null (ARM's `string(true())` is `True`, as
/// Azure/PSRule.Rules.Azure#793 verified against Azure), the Azure Policy
/// conformance suite (regorus `string.yaml`, `join.yaml`) wants `true` and
/// `null`.
pub(crate) fn text(v: &Value, d: Dialect) -> String {
    match (v, d) {
        (Value::String(s), _) => s.clone(),
        (Value::Bool(b), Dialect::Arm) => if *b { "True" } else { "False" }.to_owned(),
        (Value::Null, Dialect::Arm) => String::new(),
        (other, _) => other.to_string(),
    }
}

/// Text of a `concat` operand: null is empty, booleans lower case (both
/// engines agree).
pub(crate) fn concat_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(m) => m.is_empty(),
        _ => false,
    }
}

/// Deep equality as `equals()`: numbers by value, strings exactly, object
/// keys ignoring case.
pub(crate) fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => a.as_f64() == b.as_f64(),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| equal(p, q)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| b.get_ci(k).is_some_and(|w| equal(v, w)))
        }
        _ => a == b,
    }
}

/// Order for `less`/`greater`…: two strings (ordinal) or two numbers.
fn compare(name: &str, a: &Value, b: &Value) -> Result<Ordering, FnError> {
    match (a, b) {
        (Value::String(x), Value::String(y)) => Ok(x.cmp(y)),
        (Value::Int(x), Value::Int(y)) => Ok(x.cmp(y)),
        (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => a
            .as_f64()
            .zip(b.as_f64())
            .and_then(|(x, y)| x.partial_cmp(&y))
            .ok_or_else(|| type_error(format!("`{name}` cannot compare these numbers"))),
        _ => Err(type_error(format!(
            "`{name}` compares two strings or two numbers, found {} and {}",
            a.type_name(),
            b.type_name()
        ))),
    }
}

/// Object union merges nested objects key by key (keys ignore case, the
/// first spelling is kept); array union keeps the first of equal items.
fn union_values(a: &Value, b: &Value, depth: usize) -> Value {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut out = x.clone();
            for (k, v) in y {
                let existing = out.iter().find(|(ek, _)| ek.eq_ignore_ascii_case(k)).map(|(ek, ev)| (ek.clone(), ev.clone()));
                match existing {
                    Some((ek, ev @ Value::Object(_))) if matches!(v, Value::Object(_)) && depth < MAX_MERGE_DEPTH => {
                        out.insert(ek, union_values(&ev, v, depth + 1));
                    }
                    Some((ek, _)) => {
                        out.insert(ek, v.clone());
                    }
                    None => {
                        out.insert(k.clone(), v.clone());
                    }
                }
            }
            Value::Object(out)
        }
        (Value::Array(x), Value::Array(y)) => {
            let mut out: Vec<Value> = Vec::new();
            for v in x.iter().chain(y) {
                if !out.iter().any(|o| equal(o, v)) {
                    out.push(v.clone());
                }
            }
            Value::Array(out)
        }
        _ => b.clone(),
    }
}

/// Functions of this library, lower case (callers use it to tell theirs apart).
pub(crate) const NAMES: &[&str] = &[
    "true", "false", "null", "and", "or", "not", "equals", "less", "lessorequals", "greater", "greaterorequals", "bool",
    "int", "float", "add", "sub", "mul", "div", "mod", "min", "max", "range", "concat", "format", "string", "tolower",
    "toupper", "trim", "replace", "split", "join", "substring", "padleft", "startswith", "endswith", "indexof",
    "lastindexof", "base64", "base64tostring", "base64tojson", "datauri", "datauritostring", "uri", "uricomponent",
    "uricomponenttostring", "json", "createarray", "array", "createobject", "empty", "length", "contains", "first",
    "last", "skip", "take", "union", "intersection", "items", "objectkeys", "flatten", "shallowmerge", "tryget",
    "indexfromend", "tryindexfromend", "datetimeadd", "datetimefromepoch", "datetimetoepoch",
];

/// Functions that look inside their (possibly unknown) arguments themselves.
const NON_STRICT: &[&str] = &["createarray", "createobject", "equals", "string", "format", "contains"];

/// Call shared function `lname` (lower case; `name` as written, for
/// messages). `None` when `lname` is not one of [`NAMES`].
pub(crate) fn call<V: Borrow<Value>>(d: Dialect, lname: &str, name: &str, args: &[V]) -> Option<FnResult> {
    if !NAMES.contains(&lname) {
        return None;
    }
    Some(call_known(d, lname, name, args))
}

/// [`call`] of `lname`, known to be one of [`NAMES`] (an ARM expression
/// resolves its call names when it is parsed).
pub(crate) fn call_known<V: Borrow<Value>>(d: Dialect, lname: &str, name: &str, args: &[V]) -> FnResult {
    if !NON_STRICT.contains(&lname) {
        if let Some(u) = args.iter().map(Borrow::borrow).find(|a| a.is_unknown()) {
            return Ok(u.clone());
        }
    }
    // One non-generic `dispatch` for every caller (ARM passes values, the
    // policy engine references): a single copy in the binary (wasm size).
    // (Up to 8 arguments, the usual case, referenced from the stack.)
    const NULL: Value = Value::Null;
    let mut few: [&Value; 8] = [&NULL; 8];
    if args.len() <= few.len() {
        for (slot, a) in few.iter_mut().zip(args) {
            *slot = a.borrow();
        }
        return dispatch(d, lname, name, few.get(..args.len()).unwrap_or_default());
    }
    let args: Vec<&Value> = args.iter().map(Borrow::borrow).collect();
    dispatch(d, lname, name, &args)
}

fn get<V: Borrow<Value>>(args: &[V], i: usize) -> &Value {
    const NULL: Value = Value::Null;
    args.get(i).map_or(&NULL, Borrow::borrow)
}

#[allow(clippy::too_many_lines)]
fn dispatch(d: Dialect, lname: &str, name: &str, args: &[&Value]) -> FnResult {
    let n = args.len();
    let a0 = get(args, 0);
    let a1 = get(args, 1);
    let all = || args.iter().copied();
    match lname {
        "true" | "false" | "null" => {
            arity(name, n, 0, 0)?;
            Ok(match lname {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => Value::Null,
            })
        }
        // ---- logic and comparison
        "and" | "or" => {
            arity(name, n, min_args(d), usize::MAX)?;
            let mut acc = lname == "and";
            for v in all() {
                let b = v.as_bool().ok_or_else(|| expects(name, "booleans", v))?;
                acc = if lname == "and" { acc && b } else { acc || b };
            }
            Ok(Value::Bool(acc))
        }
        "not" => {
            arity(name, n, 1, 1)?;
            a0.as_bool().map(|b| Value::Bool(!b)).ok_or_else(|| expects(name, "a bool", a0))
        }
        "equals" => {
            arity(name, n, 2, 2)?;
            if let Some(u) = a0.first_unknown().or_else(|| a1.first_unknown()) {
                return Ok(Value::Unknown(u.clone()));
            }
            Ok(Value::Bool(equal(a0, a1)))
        }
        "less" | "lessorequals" | "greater" | "greaterorequals" => {
            arity(name, n, 2, 2)?;
            let o = compare(name, a0, a1)?;
            Ok(Value::Bool(match lname {
                "less" => o == Ordering::Less,
                "lessorequals" => o != Ordering::Greater,
                "greater" => o == Ordering::Greater,
                _ => o != Ordering::Less,
            }))
        }
        "bool" => {
            arity(name, n, 1, 1)?;
            match a0 {
                Value::Bool(b) => Ok(Value::Bool(*b)),
                Value::Int(i) => Ok(Value::Bool(*i != 0)),
                Value::String(t) => match t.trim() {
                    x if x.eq_ignore_ascii_case("true") || x == "1" => Ok(Value::Bool(true)),
                    x if x.eq_ignore_ascii_case("false") || x == "0" => Ok(Value::Bool(false)),
                    _ => Err(type_error(format!("`{name}` cannot convert `{t}` to a bool"))),
                },
                other => Err(expects(name, "a bool, a string or an integer", other)),
            }
        }
        // ---- numbers
        "int" => {
            arity(name, n, 1, 1)?;
            match a0 {
                Value::Int(i) => Ok(Value::Int(*i)),
                Value::Float(f) => float_to_int(name, *f),
                Value::String(t) => match t.trim().parse::<i64>() {
                    Ok(i) => Ok(Value::Int(i)),
                    Err(_) => match t.trim().parse::<f64>() {
                        Ok(f) => float_to_int(name, f),
                        Err(_) => Err(type_error(format!("`{name}` cannot convert `{t}` to an integer"))),
                    },
                },
                other => Err(expects(name, "a number or a string", other)),
            }
        }
        "float" => {
            arity(name, n, 1, 1)?;
            let f = match a0 {
                Value::String(t) => t.trim().parse::<f64>().ok(),
                other => other.as_f64(),
            };
            f.filter(|f| f.is_finite())
                .map(Value::Float)
                .ok_or_else(|| type_error(format!("`{name}` cannot convert `{}` to a number", concat_text(a0))))
        }
        "add" | "sub" | "mul" | "div" | "mod" => {
            arity(name, n, 2, 2)?;
            arithmetic(lname, name, a0, a1)
        }
        "min" | "max" => {
            arity(name, n, 1, usize::MAX)?;
            let items: Vec<&Value> = match (n, a0) {
                (1, Value::Array(arr)) => arr.iter().collect(),
                _ => all().collect(),
            };
            if let Some(u) = items.iter().find(|v| v.is_unknown()) {
                return Ok((*u).clone());
            }
            let mut best: Option<&Value> = None;
            for v in items {
                if !matches!(v, Value::Int(_) | Value::Float(_)) {
                    return Err(expects(name, "numbers", v));
                }
                best = Some(match best {
                    None => v,
                    Some(b) => {
                        let o = compare(name, v, b)?;
                        if (lname == "max" && o == Ordering::Greater) || (lname == "min" && o == Ordering::Less) {
                            v
                        } else {
                            b
                        }
                    }
                });
            }
            best.cloned().ok_or_else(|| type_error(format!("`{name}` of an empty array")))
        }
        "range" => {
            arity(name, n, 2, 2)?;
            // Learn: count at most 10,000; start + count within a 32-bit integer.
            let (start, count) = (int(name, a0)?, int(name, a1)?);
            if !(0..=10_000).contains(&count) {
                return Err(limit_error(format!("`{name}` count {count} is outside 0..10000")));
            }
            if i32::try_from(start).is_err() || i32::try_from(start.saturating_add(count)).is_err() {
                return Err(limit_error(format!("`{name}` goes beyond the 32-bit integer range")));
            }
            Ok(Value::Array((0..count).map(|i| Value::Int(start + i)).collect()))
        }
        // ---- strings
        "concat" => {
            arity(name, n, min_args(d), usize::MAX)?;
            if all().any(|v| matches!(v, Value::Array(_))) {
                let mut out = Vec::new();
                for v in all() {
                    match v {
                        Value::Array(items) => out.extend(items.iter().cloned()),
                        Value::Null => {}
                        other => return Err(expects(name, "all arrays or all strings", other)),
                    }
                    if out.len() > MAX_BUILD {
                        return Err(limit_error(format!("`{name}` result is too large")));
                    }
                }
                return Ok(Value::Array(out));
            }
            let mut out = String::new();
            for v in all() {
                if matches!(v, Value::Object(_)) {
                    return Err(expects(name, "all arrays or all strings", v));
                }
                out.push_str(&concat_text(v));
                if out.len() > MAX_BUILD {
                    return Err(limit_error(format!("`{name}` result is too large")));
                }
            }
            Ok(Value::String(out))
        }
        "format" => {
            arity(name, n, 1, usize::MAX)?;
            if a0.is_unknown() {
                return Ok(a0.clone());
            }
            let f = s(name, a0)?;
            // (the arguments after the format, as they are: no new vector)
            numfmt::composite(f, args.get(1..).unwrap_or_default())
        }
        "string" => {
            arity(name, n, 1, 1)?;
            if let Some(u) = a0.first_unknown() {
                return Ok(Value::Unknown(u.clone()));
            }
            Ok(Value::String(text(a0, d)))
        }
        "tolower" => {
            arity(name, n, 1, 1)?;
            Ok(crate::case::lower(s(name, a0)?).into())
        }
        "toupper" => {
            arity(name, n, 1, 1)?;
            Ok(crate::case::upper(s(name, a0)?).into())
        }
        "trim" => {
            arity(name, n, 1, 1)?;
            Ok(s(name, a0)?.trim().into())
        }
        "replace" => {
            arity(name, n, 3, 3)?;
            let (t, from, to) = (s(name, a0)?, s(name, a1)?, s(name, get(args, 2))?);
            if from.is_empty() {
                return Ok(t.into());
            }
            let out = t.replace(from, to);
            if out.len() > MAX_BUILD {
                return Err(limit_error(format!("`{name}` result is too large")));
            }
            Ok(out.into())
        }
        "split" => {
            arity(name, n, 2, 2)?;
            let t = s(name, a0)?;
            let delims: Vec<&str> = match a1 {
                Value::String(x) => vec![x.as_str()],
                Value::Array(ds) => ds.iter().map(|x| s(name, x)).collect::<Result<_, _>>()?,
                other => return Err(expects(name, "a delimiter string or an array of them", other)),
            };
            let mut parts = vec![t.to_owned()];
            for dl in delims.iter().filter(|x| !x.is_empty()) {
                parts = parts.iter().flat_map(|p| p.split(dl).map(str::to_owned).collect::<Vec<_>>()).collect();
            }
            Ok(Value::Array(parts.into_iter().map(Value::String).collect()))
        }
        "join" => {
            arity(name, n, 2, 2)?;
            let Value::Array(items) = a0 else { return Err(expects(name, "an array", a0)) };
            if let Some(u) = items.iter().find(|v| v.is_unknown()) {
                return Ok(u.clone());
            }
            let sep = s(name, a1)?;
            let mut parts = Vec::with_capacity(items.len());
            for v in items {
                match v {
                    Value::Array(_) | Value::Object(_) => return Err(expects(name, "an array of strings", v)),
                    other => parts.push(match (other, d) {
                        (Value::Null, Dialect::Policy) => "null".to_owned(),
                        _ => concat_text(other),
                    }),
                }
            }
            Ok(parts.join(sep).into())
        }
        "substring" => {
            arity(name, n, 2, 3)?;
            let t: Vec<char> = s(name, a0)?.chars().collect();
            let total = i64::try_from(t.len()).unwrap_or(i64::MAX);
            let start = int(name, a1)?;
            let len = match args.get(2) {
                Some(l) => int(name, l.borrow())?,
                None => total.saturating_sub(start),
            };
            if start < 0 || len < 0 || start.saturating_add(len) > total {
                return Err(type_error(format!(
                    "`{name}`: start {start} and length {len} fall outside a string of length {total}"
                )));
            }
            let st = usize::try_from(start).unwrap_or(0);
            let ln = usize::try_from(len).unwrap_or(0);
            Ok(t.iter().skip(st).take(ln).collect::<String>().into())
        }
        "padleft" => {
            arity(name, n, 2, 3)?;
            let t = match a0 {
                Value::String(x) => x.clone(),
                Value::Int(_) | Value::Float(_) => a0.to_string(),
                other => return Err(expects(name, "a string or an integer", other)),
            };
            let width = usize::try_from(int(name, a1)?)
                .map_err(|_| type_error(format!("`{name}`: the total length must not be negative")))?;
            if width > MAX_BUILD {
                return Err(limit_error(format!("`{name}`: total length {width} is too large")));
            }
            let pad = match args.get(2) {
                Some(p) => s(name, p.borrow())?.chars().next().unwrap_or(' '),
                None => ' ',
            };
            let len = t.chars().count();
            let mut out: String = std::iter::repeat_n(pad, width.saturating_sub(len)).collect();
            out.push_str(&t);
            Ok(out.into())
        }
        "startswith" | "endswith" => {
            arity(name, n, 2, 2)?;
            let (t, p) = (crate::case::lower(s(name, a0)?), crate::case::lower(s(name, a1)?));
            Ok(Value::Bool(if lname == "startswith" { t.starts_with(&p) } else { t.ends_with(&p) }))
        }
        "indexof" | "lastindexof" => {
            arity(name, n, 2, 2)?;
            let pos: Option<usize> = match a0 {
                Value::String(t) => {
                    let fold = crate::policy::operators::fold;
                    let (t, p) = (fold(t).into_owned(), fold(s(name, a1)?).into_owned());
                    let byte = if lname == "indexof" { t.find(&p) } else { t.rfind(&p) };
                    byte.map(|b| t.get(..b).map_or(0, |pre| pre.chars().count()))
                }
                Value::Array(items) => {
                    if lname == "indexof" {
                        items.iter().position(|v| equal(v, a1))
                    } else {
                        items.iter().rposition(|v| equal(v, a1))
                    }
                }
                other => return Err(expects(name, "a string or an array", other)),
            };
            Ok(Value::Int(pos.and_then(|p| i64::try_from(p).ok()).unwrap_or(-1)))
        }
        "base64" | "base64tostring" | "base64tojson" | "datauri" | "datauritostring" | "uri" | "uricomponent"
        | "uricomponenttostring" => {
            let want = if lname == "uri" { 2 } else { 1 };
            arity(name, n, want, want)?;
            encoding::call(lname, name, s(name, a0)?, a1)
        }
        "json" => {
            arity(name, n, 1, 1)?;
            let t = s(name, a0)?;
            crate::json::parse(t).map_err(|e| type_error(format!("`{name}`: `{t}` is not json: {e}")))
        }
        // ---- arrays and objects
        "createarray" => Ok(Value::Array(all().cloned().collect())),
        "array" => {
            arity(name, n, 1, 1)?;
            Ok(match a0 {
                Value::Array(_) => a0.clone(),
                other => Value::Array(vec![other.clone()]),
            })
        }
        "createobject" => {
            if n % 2 != 0 {
                return Err(FnError {
                    kind: FnErrorKind::Arity,
                    message: format!("`{name}` takes pairs of key and value, {n} argument(s) given"),
                });
            }
            let mut m = Map::new();
            for pair in args.chunks_exact(2) {
                if let [k, v] = pair {
                    let key = match k {
                        Value::Unknown(_) => return Ok((*k).clone()),
                        Value::String(x) => x.clone(),
                        Value::Int(_) | Value::Float(_) => k.to_string(),
                        other => return Err(expects(name, "string keys", other)),
                    };
                    m.insert(key, (*v).clone());
                }
            }
            Ok(Value::Object(m))
        }
        "empty" => {
            arity(name, n, 1, 1)?;
            Ok(Value::Bool(is_empty(a0)))
        }
        "length" => {
            arity(name, n, 1, 1)?;
            let len = match a0 {
                Value::String(t) => t.chars().count(),
                Value::Array(x) => x.len(),
                Value::Object(m) => m.len(),
                Value::Null => 0,
                other => return Err(expects(name, "a string, an array or an object", other)),
            };
            Ok(Value::Int(i64::try_from(len).unwrap_or(i64::MAX)))
        }
        "contains" => {
            arity(name, n, 2, 2)?;
            if let Some(u) = [a0, a1].into_iter().find(|v| v.is_unknown()) {
                return Ok(u.clone());
            }
            match a0 {
                Value::String(t) => Ok(Value::Bool(t.contains(&concat_text(a1)))),
                Value::Array(items) => {
                    if items.iter().any(|v| v.first_unknown().is_none() && equal(v, a1)) {
                        return Ok(Value::Bool(true));
                    }
                    match items.iter().find_map(Value::first_unknown) {
                        Some(u) => Ok(Value::Unknown(u.clone())),
                        None => Ok(Value::Bool(false)),
                    }
                }
                Value::Object(_) => Ok(Value::Bool(a0.get_ci(&concat_text(a1)).is_some())),
                Value::Null => Ok(Value::Bool(false)),
                other => Err(expects(name, "a string, an array or an object", other)),
            }
        }
        "first" | "last" => {
            arity(name, n, 1, 1)?;
            match a0 {
                Value::Array(items) => Ok(if lname == "first" { items.first() } else { items.last() }.cloned().unwrap_or(Value::Null)),
                Value::String(t) => Ok(if lname == "first" { t.chars().next() } else { t.chars().last() }
                    .map_or(String::new(), String::from)
                    .into()),
                Value::Null => Ok(Value::Null),
                other => Err(expects(name, "an array or a string", other)),
            }
        }
        "skip" | "take" => {
            arity(name, n, 2, 2)?;
            let k = usize::try_from(int(name, a1)?.max(0)).unwrap_or(usize::MAX);
            match a0 {
                Value::Array(items) => Ok(Value::Array(if lname == "skip" {
                    items.iter().skip(k).cloned().collect()
                } else {
                    items.iter().take(k).cloned().collect()
                })),
                Value::String(t) => {
                    Ok(if lname == "skip" { t.chars().skip(k).collect::<String>() } else { t.chars().take(k).collect::<String>() }
                        .into())
                }
                other => Err(expects(name, "an array or a string", other)),
            }
        }
        "union" => {
            arity(name, n, 1, usize::MAX)?;
            let mut acc = a0.clone();
            if !matches!(acc, Value::Array(_) | Value::Object(_)) {
                return Err(expects(name, "arrays or objects", &acc));
            }
            for v in all().skip(1) {
                if std::mem::discriminant(v) != std::mem::discriminant(&acc) {
                    return Err(expects(name, "arguments of one kind (arrays or objects)", v));
                }
                acc = union_values(&acc, v, 0);
            }
            Ok(acc)
        }
        "intersection" => {
            arity(name, n, 1, usize::MAX)?;
            let rest: Vec<&Value> = all().skip(1).collect();
            match a0 {
                Value::Array(first) => {
                    let others: Vec<&[Value]> =
                        rest.iter().map(|o| o.as_array().ok_or_else(|| expects(name, "arrays only", o))).collect::<Result<_, _>>()?;
                    let mut out: Vec<Value> = Vec::new();
                    for v in first {
                        if others.iter().all(|arr| arr.iter().any(|w| equal(v, w))) && !out.iter().any(|o| equal(o, v)) {
                            out.push(v.clone());
                        }
                    }
                    Ok(Value::Array(out))
                }
                Value::Object(first) => {
                    if let Some(o) = rest.iter().find(|o| !matches!(o, Value::Object(_))) {
                        return Err(expects(name, "objects only", o));
                    }
                    let out: Map = first
                        .iter()
                        .filter(|(k, v)| rest.iter().all(|o| o.get_ci(k).is_some_and(|w| equal(v, w))))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect();
                    Ok(Value::Object(out))
                }
                other => Err(expects(name, "arrays or objects", other)),
            }
        }
        "items" => {
            arity(name, n, 1, 1)?;
            let Value::Object(m) = a0 else { return Err(expects(name, "an object", a0)) };
            // Learn (JSON object ordering note): `items()` "sorts the objects in the
            // alphabetical order". Case is ignored first (ARM keys are case-insensitive;
            // the policy suite's keys are all lower case), then ordinal.
            let mut keys: Vec<(&String, &Value)> = m.iter().collect();
            crate::order::sort_by(&mut keys, |x, y| crate::case::lower(x.0).cmp(&crate::case::lower(y.0)).then_with(|| x.0.cmp(y.0)));
            Ok(Value::Array(
                keys.into_iter()
                    .map(|(k, v)| {
                        let mut e = Map::new();
                        e.insert("key".into(), Value::String(k.clone()));
                        e.insert("value".into(), v.clone());
                        Value::Object(e)
                    })
                    .collect(),
            ))
        }
        "objectkeys" => {
            arity(name, n, 1, 1)?;
            let Value::Object(m) = a0 else { return Err(expects(name, "an object", a0)) };
            Ok(Value::Array(m.keys().map(|k| Value::String(k.clone())).collect()))
        }
        "flatten" => {
            arity(name, n, 1, 1)?;
            let Value::Array(items) = a0 else { return Err(expects(name, "an array of arrays", a0)) };
            let mut out = Vec::new();
            for v in items {
                match v {
                    Value::Array(inner) => out.extend(inner.iter().cloned()),
                    Value::Unknown(_) => return Ok(v.clone()),
                    other => return Err(expects(name, "an array of arrays", other)),
                }
            }
            Ok(Value::Array(out))
        }
        "shallowmerge" => {
            arity(name, n, 1, 1)?;
            let Value::Array(items) = a0 else { return Err(expects(name, "an array of objects", a0)) };
            let mut out = Map::new();
            for v in items {
                match v {
                    Value::Object(m) => out.extend(m.iter().map(|(k, v)| (k.clone(), v.clone()))),
                    Value::Unknown(_) => return Ok(v.clone()),
                    other => return Err(expects(name, "an array of objects", other)),
                }
            }
            Ok(Value::Object(out))
        }
        "tryget" => {
            arity(name, n, 2, usize::MAX)?;
            let mut cur: &Value = a0;
            for k in all().skip(1) {
                let next = match (cur, k) {
                    (Value::Object(_), Value::String(key)) => cur.get_ci(key),
                    (Value::Array(items), i) => i.as_i64().and_then(|i| usize::try_from(i).ok()).and_then(|i| items.get(i)),
                    _ => None,
                };
                match next {
                    Some(v) if v.is_unknown() => return Ok(v.clone()),
                    Some(v) => cur = v,
                    None => return Ok(Value::Null),
                }
            }
            Ok(cur.clone())
        }
        "indexfromend" | "tryindexfromend" => {
            arity(name, n, 2, 2)?;
            let tolerant = lname == "tryindexfromend";
            let Value::Array(items) = a0 else {
                return if tolerant { Ok(Value::Null) } else { Err(expects(name, "an array", a0)) };
            };
            let k = int(name, a1)?;
            let got = usize::try_from(k).ok().filter(|k| *k >= 1).and_then(|k| items.len().checked_sub(k)).and_then(|i| items.get(i));
            match got {
                Some(v) => Ok(v.clone()),
                None if tolerant => Ok(Value::Null),
                None => Err(type_error(format!("`{name}`: index {k} is out of range"))),
            }
        }
        // ---- dates
        _ => datetime::call(lname, name, &all().collect::<Vec<_>>()),
    }
}

/// Fewest arguments of `and`/`or`/`concat`: ARM documents a required
/// first argument; the policy conformance suite (regorus `logic_all.yaml`,
/// `logic_any.yaml`, `parse_errors.yaml`) accepts none (`true`, `false`, `""`).
fn min_args(d: Dialect) -> usize {
    match d {
        Dialect::Arm => 1,
        Dialect::Policy => 0,
    }
}

fn float_to_int(name: &str, f: f64) -> FnResult {
    if f.is_finite() && f.abs() < 9.2e18 {
        #[allow(clippy::cast_possible_truncation)]
        Ok(Value::Int(f.trunc() as i64))
    } else {
        Err(type_error(format!("`{name}`: `{f}` does not fit an integer")))
    }
}

/// `add`…`mod`: integers (checked), or floats when either side is one.
fn arithmetic(lname: &str, name: &str, a: &Value, b: &Value) -> FnResult {
    if let (Value::Int(x), Value::Int(y)) = (a, b) {
        let (x, y) = (*x, *y);
        if matches!(lname, "div" | "mod") && y == 0 {
            return Err(type_error(format!("`{name}`: division by zero")));
        }
        let r = match lname {
            "add" => x.checked_add(y),
            "sub" => x.checked_sub(y),
            "mul" => x.checked_mul(y),
            "div" => x.checked_div(y),
            _ => x.checked_rem(y),
        };
        return r.map(Value::Int).ok_or_else(|| type_error(format!("`{name}`: integer overflow")));
    }
    let (Some(x), Some(y)) = (a.as_f64().filter(|_| matches!(a, Value::Int(_) | Value::Float(_))), b.as_f64().filter(|_| matches!(b, Value::Int(_) | Value::Float(_)))) else {
        let bad = if matches!(a, Value::Int(_) | Value::Float(_)) { b } else { a };
        return Err(expects(name, "an integer or a number", bad));
    };
    if matches!(lname, "div" | "mod") && y == 0.0 {
        return Err(type_error(format!("`{name}`: division by zero")));
    }
    let r = match lname {
        "add" => x + y,
        "sub" => x - y,
        "mul" => x * y,
        "div" => x / y,
        _ => x % y,
    };
    if r.is_finite() {
        Ok(Value::Float(r))
    } else {
        Err(type_error(format!("`{name}` overflows")))
    }
}
