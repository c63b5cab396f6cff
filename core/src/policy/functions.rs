//! Template functions available in policy rules (the pure ones; `field`,
//! `parameters`, `current`, `if`, … need the evaluator and live there).

use super::eval::{err, EResult, Fail};
use super::operators::{self, str_eq_ci};
use crate::value::{Map, Value};
use std::borrow::Cow;

/// Largest string or array a function may build.
const MAX_BUILD: usize = 1 << 20;

type Args<'x, 'a> = &'x [Cow<'a, Value>];

fn own<'a>(v: Value) -> EResult<Cow<'a, Value>> {
    Ok(Cow::Owned(v))
}

fn arity(name: &str, args: &[Cow<'_, Value>], min: usize, max: usize) -> EResult<()> {
    if args.len() < min || args.len() > max {
        return err(if min == max {
            format!("`{name}` takes {min} argument(s), found {}", args.len())
        } else {
            format!("`{name}` takes {min} to {max} arguments, found {}", args.len())
        });
    }
    Ok(())
}

fn arg<'x>(args: &'x [Cow<'_, Value>], i: usize) -> EResult<&'x Value> {
    args.get(i).map(AsRef::as_ref).ok_or_else(|| Fail::Error("missing argument".to_owned()))
}

fn s_arg<'x>(name: &str, args: &'x [Cow<'_, Value>], i: usize) -> EResult<&'x str> {
    match arg(args, i)? {
        Value::String(s) => Ok(s),
        other => err(format!("`{name}` expects a string as argument {}, found {}", i + 1, other.type_name())),
    }
}

fn i_arg(name: &str, args: &[Cow<'_, Value>], i: usize) -> EResult<i64> {
    match arg(args, i)? {
        Value::Int(n) => Ok(*n),
        v @ Value::Float(_) => v.as_i64().ok_or_else(|| Fail::Error(format!("`{name}` expects an integer as argument {}", i + 1))),
        other => err(format!("`{name}` expects an integer as argument {}, found {}", i + 1, other.type_name())),
    }
}

fn a_arg<'x>(name: &str, args: &'x [Cow<'_, Value>], i: usize) -> EResult<&'x [Value]> {
    match arg(args, i)? {
        Value::Array(a) => Ok(a),
        other => err(format!("`{name}` expects an array as argument {}, found {}", i + 1, other.type_name())),
    }
}

fn to_usize(n: i64, what: &str) -> EResult<usize> {
    usize::try_from(n).map_err(|_| Fail::Error(format!("{what} must not be negative")))
}

/// Display form used by `concat` and `createObject` keys (null is empty).
pub(crate) fn stringify(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        other => json_string(other),
    }
}

/// `string()`: a string as is, anything else as compact JSON.
pub(crate) fn json_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `format()` arguments render as .NET does (`True`, empty for null).
fn net_string(v: &Value) -> String {
    match v {
        Value::Bool(true) => "True".to_owned(),
        Value::Bool(false) => "False".to_owned(),
        other => stringify(other),
    }
}

/// Functions a policy rule may call, lower-case.
const KNOWN: &[&str] = &[
    "if", "parameters", "field", "source", "current", "requestcontext", "resourcegroup", "subscription", "policy",
    "utcnow", "coalesce", "true", "false", "null", "concat", "and", "or", "not", "equals", "less", "lessorequals",
    "greater", "greaterorequals", "empty", "length", "tolower", "toupper", "trim", "split", "replace", "substring",
    "contains", "startswith", "endswith", "indexof", "lastindexof", "first", "last", "skip", "take", "union",
    "intersection", "createarray", "array", "createobject", "string", "int", "float", "bool", "json", "add", "sub",
    "mul", "div", "mod", "max", "min", "join", "padleft", "range", "items", "tryget", "indexfromend",
    "tryindexfromend", "format", "iprangecontains", "base64", "base64tostring", "base64tojson", "datauri",
    "datauritostring", "uri", "uricomponent", "uricomponenttostring", "datetimeadd", "adddays",
    "datetimefromepoch", "datetimetoepoch",
];

/// Functions that take any number of arguments; the others take at most 8.
const VARIADIC: &[&str] = &["concat", "createarray", "createobject", "coalesce"];

/// Check an expression once, at compile time: known functions, argument counts.
pub(crate) fn validate(e: &super::expr::Expr) -> Result<(), String> {
    use super::expr::Expr;
    match e {
        Expr::Lit(_) => Ok(()),
        Expr::Prop(b, _) => validate(b),
        Expr::Index(b, i) => {
            validate(b)?;
            validate(i)
        }
        Expr::Call(name, args) => {
            if !KNOWN.contains(&name.as_str()) {
                return Err(format!("function `{name}` is not available in policy rules"));
            }
            for a in args {
                validate(a)?;
            }
            if args.len() > 8 && !VARIADIC.contains(&name.as_str()) {
                return Err(format!("{name}() does not support more than 8 arguments (got {})", args.len()));
            }
            Ok(())
        }
    }
}

/// Call a pure function. Any unknown argument makes the result unknown.
pub(crate) fn call<'a>(name: &str, args: Args<'_, 'a>) -> EResult<Cow<'a, Value>> {
    if let Some(u) = args.iter().find(|a| a.is_unknown()) {
        if !matches!(name, "empty" | "createarray" | "createobject" | "array") {
            return Ok(u.clone());
        }
    }
    match name {
        "true" => { arity(name, args, 0, 0)?; own(Value::Bool(true)) }
        "false" => { arity(name, args, 0, 0)?; own(Value::Bool(false)) }
        "null" => { arity(name, args, 0, 0)?; own(Value::Null) }
        "concat" => concat(args),
        "and" | "or" => {
            let mut acc = name == "and";
            for (i, a) in args.iter().enumerate() {
                let b = a.as_bool().ok_or_else(|| Fail::Error(format!("`{name}` expects booleans (argument {})", i + 1)))?;
                if name == "and" { acc &= b } else { acc |= b }
            }
            own(Value::Bool(acc))
        }
        "not" => {
            arity(name, args, 1, 1)?;
            let b = arg(args, 0)?.as_bool().ok_or_else(|| Fail::Error("`not` expects a boolean".into()))?;
            own(Value::Bool(!b))
        }
        "equals" => { arity(name, args, 2, 2)?; own(Value::Bool(arm_equals(arg(args, 0)?, arg(args, 1)?))) }
        "less" | "lessorequals" | "greater" | "greaterorequals" => {
            arity(name, args, 2, 2)?;
            let (a, b) = (arg(args, 0)?, arg(args, 1)?);
            let o = match (a, b) {
                (Value::String(x), Value::String(y)) => x.cmp(y),
                (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => operators::compare(a, b)
                    .ok_or_else(|| Fail::Error(format!("`{name}` cannot compare these numbers")))?,
                _ => return err(format!("`{name}` compares two strings or two numbers, found {} and {}", a.type_name(), b.type_name())),
            };
            use std::cmp::Ordering::*;
            own(Value::Bool(match name {
                "less" => o == Less,
                "lessorequals" => o != Greater,
                "greater" => o == Greater,
                _ => o != Less,
            }))
        }
        "empty" => {
            arity(name, args, 1, 1)?;
            own(Value::Bool(match arg(args, 0)? {
                Value::Null => true,
                Value::String(s) => s.is_empty(),
                Value::Array(a) => a.is_empty(),
                Value::Object(m) => m.is_empty(),
                Value::Unknown(u) => return own(Value::Unknown(u.clone())),
                _ => false,
            }))
        }
        "length" => {
            arity(name, args, 1, 1)?;
            let n = match arg(args, 0)? {
                Value::String(s) => s.chars().count(),
                Value::Array(a) => a.len(),
                Value::Object(m) => m.len(),
                Value::Null => 0,
                other => return err(format!("`length` expects a string, array or object, found {}", other.type_name())),
            };
            own(Value::Int(i64::try_from(n).unwrap_or(i64::MAX)))
        }
        "tolower" => { arity(name, args, 1, 1)?; own(Value::String(s_arg(name, args, 0)?.to_lowercase())) }
        "toupper" => { arity(name, args, 1, 1)?; own(Value::String(s_arg(name, args, 0)?.to_uppercase())) }
        "trim" => { arity(name, args, 1, 1)?; own(Value::String(s_arg(name, args, 0)?.trim().to_owned())) }
        "split" => {
            arity(name, args, 2, 2)?;
            let s = s_arg(name, args, 0)?;
            let delims: Vec<String> = match arg(args, 1)? {
                Value::String(d) => vec![d.clone()],
                Value::Array(a) => a.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect(),
                _ => return err("`split` expects a string or an array of delimiters"),
            };
            let mut parts = vec![s.to_owned()];
            for d in delims.iter().filter(|d| !d.is_empty()) {
                parts = parts.iter().flat_map(|p| p.split(d.as_str()).map(str::to_owned).collect::<Vec<_>>()).collect();
            }
            own(Value::Array(parts.into_iter().map(Value::String).collect()))
        }
        "replace" => {
            arity(name, args, 3, 3)?;
            let (s, a, b) = (s_arg(name, args, 0)?, s_arg(name, args, 1)?, s_arg(name, args, 2)?);
            if a.is_empty() {
                return own(Value::String(s.to_owned()));
            }
            let out = s.replace(a, b);
            if out.len() > MAX_BUILD { return err("`replace` result too large"); }
            own(Value::String(out))
        }
        "substring" => {
            arity(name, args, 2, 3)?;
            let s: Vec<char> = s_arg(name, args, 0)?.chars().collect();
            let start = to_usize(i_arg(name, args, 1)?, "the start index")?;
            let len = if args.len() == 3 { to_usize(i_arg(name, args, 2)?, "the length")? } else { s.len().saturating_sub(start) };
            let end = start.checked_add(len).filter(|e| *e <= s.len()).ok_or_else(|| Fail::Error("`substring` range is out of bounds".into()))?;
            own(Value::String(s.get(start..end).unwrap_or_default().iter().collect()))
        }
        "contains" => {
            arity(name, args, 2, 2)?;
            let (c, x) = (arg(args, 0)?, arg(args, 1)?);
            own(Value::Bool(match c {
                Value::String(s) => s.contains(stringify(x).as_str()),
                Value::Array(a) => a.iter().any(|e| arm_equals(e, x)),
                Value::Object(m) => x.as_str().is_some_and(|k| m.keys().any(|mk| mk.eq_ignore_ascii_case(k))),
                Value::Null => false,
                _ => return err("`contains` expects a string, array or object"),
            }))
        }
        "startswith" | "endswith" => {
            arity(name, args, 2, 2)?;
            let (s, p) = (s_arg(name, args, 0)?.to_lowercase(), s_arg(name, args, 1)?.to_lowercase());
            own(Value::Bool(if name == "startswith" { s.starts_with(&p) } else { s.ends_with(&p) }))
        }
        "indexof" | "lastindexof" => {
            arity(name, args, 2, 2)?;
            match arg(args, 0)? {
                Value::String(s) => {
                    let (s, p) = (operators::fold(s).into_owned(), operators::fold(s_arg(name, args, 1)?).into_owned());
                    let pos = if name == "indexof" { s.find(&p) } else { s.rfind(&p) };
                    let n = pos.map_or(-1, |b| i64::try_from(s.get(..b).unwrap_or_default().chars().count()).unwrap_or(-1));
                    own(Value::Int(n))
                }
                Value::Array(a) => {
                    let x = arg(args, 1)?;
                    let it = a.iter().enumerate();
                    let pos = if name == "indexof" {
                        it.clone().find(|(_, e)| arm_equals(e, x)).map(|(i, _)| i)
                    } else {
                        it.rev().find(|(_, e)| arm_equals(e, x)).map(|(i, _)| i)
                    };
                    own(Value::Int(pos.and_then(|p| i64::try_from(p).ok()).unwrap_or(-1)))
                }
                _ => err(format!("`{name}` expects a string or an array")),
            }
        }
        "first" | "last" => {
            arity(name, args, 1, 1)?;
            match arg(args, 0)? {
                Value::Array(a) => {
                    let e = if name == "first" { a.first() } else { a.last() };
                    own(e.cloned().unwrap_or(Value::Null))
                }
                Value::String(s) => {
                    let c = if name == "first" { s.chars().next() } else { s.chars().last() };
                    own(Value::String(c.map(String::from).unwrap_or_default()))
                }
                Value::Null => own(Value::Null),
                _ => err(format!("`{name}` expects an array or a string")),
            }
        }
        "skip" | "take" => {
            arity(name, args, 2, 2)?;
            let n = i_arg(name, args, 1)?.max(0);
            let n = usize::try_from(n).unwrap_or(usize::MAX);
            match arg(args, 0)? {
                Value::Array(a) => {
                    let n = n.min(a.len());
                    let part = if name == "skip" { a.get(n..) } else { a.get(..n) };
                    own(Value::Array(part.unwrap_or_default().to_vec()))
                }
                Value::String(s) => {
                    let it = s.chars();
                    own(Value::String(if name == "skip" { it.skip(n).collect() } else { it.take(n).collect() }))
                }
                _ => err(format!("`{name}` expects an array or a string")),
            }
        }
        "union" | "intersection" => set_op(name, args),
        "createarray" => own(Value::Array(args.iter().map(|a| a.as_ref().clone()).collect())),
        "array" => { arity(name, args, 1, 1)?; match arg(args, 0)? { Value::Array(a) => own(Value::Array(a.clone())), other => own(Value::Array(vec![other.clone()])) } }
        "createobject" => {
            if args.len() % 2 != 0 {
                return err("`createObject` takes key/value pairs");
            }
            let mut m = Map::new();
            for pair in args.chunks(2) {
                if let [k, v] = pair {
                    let k = match k.as_ref() {
                        Value::String(s) => s.clone(),
                        Value::Int(_) | Value::Float(_) => stringify(k),
                        _ => return err("`createObject` keys must be strings"),
                    };
                    m.insert(k, v.as_ref().clone());
                }
            }
            own(Value::Object(m))
        }
        "string" => { arity(name, args, 1, 1)?; own(Value::String(json_string(arg(args, 0)?))) }
        "int" => {
            arity(name, args, 1, 1)?;
            match arg(args, 0)? {
                Value::Int(n) => own(Value::Int(*n)),
                Value::Float(f) if f.is_finite() && f.abs() < 9.2e18 => {
                    #[allow(clippy::cast_possible_truncation)]
                    own(Value::Int(f.trunc() as i64))
                }
                Value::String(s) => match s.trim().parse::<i64>() {
                    Ok(n) => own(Value::Int(n)),
                    Err(_) => match s.trim().parse::<f64>() {
                        Ok(f) if f.is_finite() && f.abs() < 9.2e18 => {
                            #[allow(clippy::cast_possible_truncation)]
                            own(Value::Int(f.trunc() as i64))
                        }
                        _ => err(format!("`int` cannot convert `{s}`")),
                    },
                },
                other => err(format!("`int` cannot convert {}", other.type_name())),
            }
        }
        "float" => {
            arity(name, args, 1, 1)?;
            match arg(args, 0)? {
                v @ (Value::Int(_) | Value::Float(_)) => own(Value::Float(v.as_f64().unwrap_or_default())),
                Value::String(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()).map(|f| Cow::Owned(Value::Float(f))).ok_or_else(|| Fail::Error(format!("`float` cannot convert `{s}`"))),
                other => err(format!("`float` cannot convert {}", other.type_name())),
            }
        }
        "bool" => {
            arity(name, args, 1, 1)?;
            match arg(args, 0)? {
                Value::Bool(b) => own(Value::Bool(*b)),
                Value::Int(n) => own(Value::Bool(*n != 0)),
                Value::String(s) if s.trim() == "1" => own(Value::Bool(true)),
                Value::String(s) if s.trim() == "0" => own(Value::Bool(false)),
                v @ Value::String(_) => operators::truthy(v).map(|b| Cow::Owned(Value::Bool(b))).ok_or_else(|| Fail::Error("`bool` expects `true` or `false`".into())),
                other => err(format!("`bool` cannot convert {}", other.type_name())),
            }
        }
        "json" => {
            arity(name, args, 1, 1)?;
            let s = s_arg(name, args, 0)?;
            crate::json::parse(s).map(Cow::Owned).map_err(|e| Fail::Error(format!("`json` cannot parse its argument: {e}")))
        }
        "add" | "sub" | "mul" | "div" | "mod"
            if args.iter().any(|a| matches!(a.as_ref(), Value::Float(_))) && args.iter().all(|a| a.as_f64().is_some()) =>
        {
            arity(name, args, 2, 2)?;
            let (a, b) = (arg(args, 0)?.as_f64().unwrap_or_default(), arg(args, 1)?.as_f64().unwrap_or_default());
            let r = match name {
                "add" => a + b,
                "sub" => a - b,
                "mul" => a * b,
                "div" => if b == 0.0 { return err("division by zero") } else { a / b },
                _ => if b == 0.0 { return err("division by zero") } else { a % b },
            };
            if !r.is_finite() {
                return err(format!("`{name}` overflows"));
            }
            own(Value::Float(r))
        }
        "add" | "sub" | "mul" | "div" | "mod" => {
            arity(name, args, 2, 2)?;
            let (a, b) = (i_arg(name, args, 0)?, i_arg(name, args, 1)?);
            let r = match name {
                "add" => a.checked_add(b),
                "sub" => a.checked_sub(b),
                "mul" => a.checked_mul(b),
                "div" => if b == 0 { return err("division by zero") } else { a.checked_div(b) },
                _ => if b == 0 { return err("division by zero") } else { a.checked_rem(b) },
            };
            r.map(|n| Cow::Owned(Value::Int(n))).ok_or_else(|| Fail::Error(format!("`{name}` overflows")))
        }
        "max" | "min" => {
            let items: Vec<&Value> = match args {
                [one] => match one.as_ref() {
                    Value::Array(a) => a.iter().collect(),
                    v => vec![v],
                },
                many => many.iter().map(AsRef::as_ref).collect(),
            };
            let mut best: Option<&Value> = None;
            for v in items {
                if !matches!(v, Value::Int(_) | Value::Float(_)) {
                    return err(format!("`{name}` expects numbers"));
                }
                best = match best {
                    None => Some(v),
                    Some(b) => {
                        let o = operators::compare(v, b).unwrap_or(std::cmp::Ordering::Equal);
                        if (name == "max" && o == std::cmp::Ordering::Greater) || (name == "min" && o == std::cmp::Ordering::Less) { Some(v) } else { Some(b) }
                    }
                };
            }
            best.cloned().map(Cow::Owned).ok_or_else(|| Fail::Error(format!("`{name}` needs at least one number")))
        }
        "join" => {
            arity(name, args, 2, 2)?;
            let a = a_arg(name, args, 0)?;
            let d = s_arg(name, args, 1)?;
            let mut parts = Vec::with_capacity(a.len());
            for x in a {
                match x {
                    Value::String(_) | Value::Int(_) | Value::Float(_) | Value::Bool(_) => parts.push(stringify(x)),
                    Value::Null => parts.push("null".to_owned()),
                    _ => return err("`join` expects an array of strings"),
                }
            }
            own(Value::String(parts.join(d)))
        }
        "padleft" => {
            arity(name, args, 2, 3)?;
            let s = stringify(arg(args, 0)?);
            let n = to_usize(i_arg(name, args, 1)?, "the total length")?;
            if n > MAX_BUILD { return err("`padLeft` length too large"); }
            let pad = if args.len() == 3 { s_arg(name, args, 2)?.chars().next().unwrap_or(' ') } else { ' ' };
            let len = s.chars().count();
            let mut out: String = std::iter::repeat_n(pad, n.saturating_sub(len)).collect();
            out.push_str(&s);
            own(Value::String(out))
        }
        "range" => {
            arity(name, args, 2, 2)?;
            let (start, count) = (i_arg(name, args, 0)?, i_arg(name, args, 1)?);
            let count = to_usize(count, "the count")?;
            if count > 10_000 { return err("`range` count too large"); }
            let last = start.saturating_add(i64::try_from(count).unwrap_or(i64::MAX)).saturating_sub(1);
            if i32::try_from(start).is_err() || (count > 0 && i32::try_from(last).is_err()) {
                return err("`range` goes beyond the 32-bit integer range");
            }
            let mut out = Vec::with_capacity(count);
            for i in 0..count {
                let n = start.checked_add(i64::try_from(i).unwrap_or(i64::MAX)).ok_or_else(|| Fail::Error("`range` overflows".into()))?;
                out.push(Value::Int(n));
            }
            own(Value::Array(out))
        }
        "items" => {
            arity(name, args, 1, 1)?;
            let Some(m) = arg(args, 0)?.as_object() else { return err("`items` expects an object") };
            let mut keys: Vec<(&String, &Value)> = m.iter().collect();
            keys.sort_by(|a, b| a.0.cmp(b.0));
            own(Value::Array(keys.into_iter().map(|(k, v)| {
                let mut e = Map::new();
                e.insert("key".to_owned(), Value::String(k.clone()));
                e.insert("value".to_owned(), v.clone());
                Value::Object(e)
            }).collect()))
        }
        "tryget" => {
            arity(name, args, 2, usize::MAX)?;
            let mut cur: &Value = arg(args, 0)?;
            for k in args.get(1..).unwrap_or_default() {
                let next = match (cur, k.as_ref()) {
                    (Value::Object(_), Value::String(key)) => cur.get_ci(key),
                    (Value::Array(a), i) => i.as_i64().and_then(|n| usize::try_from(n).ok()).and_then(|n| a.get(n)),
                    _ => None,
                };
                match next {
                    Some(n) => cur = n,
                    None => return own(Value::Null),
                }
            }
            own(cur.clone())
        }
        "indexfromend" | "tryindexfromend" => {
            arity(name, args, 2, 2)?;
            if name == "tryindexfromend" && !matches!(arg(args, 0)?, Value::Array(_)) {
                return own(Value::Null);
            }
            let a = a_arg(name, args, 0)?;
            let n = i_arg(name, args, 1)?;
            let got = usize::try_from(n).ok().filter(|n| *n >= 1).and_then(|n| a.len().checked_sub(n)).and_then(|i| a.get(i));
            match got {
                Some(v) => own(v.clone()),
                None if name == "tryindexfromend" => own(Value::Null),
                None => err("`indexFromEnd` index out of range"),
            }
        }
        "format" => format_fn(args),
        "ipRangeContains" | "iprangecontains" => {
            arity(name, args, 2, 2)?;
            super::netfn::ip_range_contains(s_arg(name, args, 0)?, s_arg(name, args, 1)?).map(|b| Cow::Owned(Value::Bool(b)))
        }
        "base64" | "base64tostring" | "base64tojson" | "datauri" | "datauritostring" | "uri" | "uricomponent"
        | "uricomponenttostring" => super::netfn::encoding(name, args),
        "datetimeadd" | "adddays" | "datetimefromepoch" | "datetimetoepoch" => super::timefn::call(name, args),
        "guid" | "uniquestring" | "newguid" | "reference" | "list" | "listkeys" | "resourceid" | "deployment" => {
            err(format!("`{name}` is not available in policy rules"))
        }
        _ => err(format!("unknown function `{name}`")),
    }
}

/// ARM `equals()`: deep, strings case-sensitive.
fn arm_equals(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => a.as_f64() == b.as_f64(),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| arm_equals(p, q)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.iter().any(|(k2, v2)| str_eq_ci(k, k2) && arm_equals(v, v2)))
        }
        _ => a == b,
    }
}

fn concat<'a>(args: Args<'_, 'a>) -> EResult<Cow<'a, Value>> {
    if args.first().is_some_and(|a| matches!(a.as_ref(), Value::Array(_))) {
        let mut out = Vec::new();
        for a in args {
            match a.as_ref() {
                Value::Array(x) => out.extend(x.iter().cloned()),
                Value::Null => {}
                other => return err(format!("`concat` cannot mix arrays and {}", other.type_name())),
            }
            if out.len() > MAX_BUILD { return err("`concat` result too large"); }
        }
        return own(Value::Array(out));
    }
    let mut s = String::new();
    for a in args {
        match a.as_ref() {
            Value::Array(_) | Value::Object(_) => return err("`concat` cannot mix strings and arrays or objects"),
            other => s.push_str(&stringify(other)),
        }
        if s.len() > MAX_BUILD { return err("`concat` result too large"); }
    }
    own(Value::String(s))
}

fn set_op<'a>(name: &str, args: Args<'_, 'a>) -> EResult<Cow<'a, Value>> {
    arity(name, args, 1, usize::MAX)?;
    match arg(args, 0)? {
        Value::Array(_) => {
            let mut out: Vec<Value> = Vec::new();
            if name == "union" {
                for a in args {
                    let Value::Array(x) = a.as_ref() else { return err("`union` expects arrays only") };
                    for v in x {
                        if !out.iter().any(|o| arm_equals(o, v)) {
                            out.push(v.clone());
                        }
                    }
                }
            } else {
                let first = a_arg(name, args, 0)?;
                let rest: Vec<&[Value]> = args.get(1..).unwrap_or_default().iter().map(|a| a.as_array().ok_or(())).collect::<Result<_, _>>().map_err(|()| Fail::Error("`intersection` expects arrays only".into()))?;
                for v in first {
                    if rest.iter().all(|r| r.iter().any(|o| arm_equals(o, v))) && !out.iter().any(|o| arm_equals(o, v)) {
                        out.push(v.clone());
                    }
                }
            }
            own(Value::Array(out))
        }
        Value::Object(_) => {
            let mut out = Map::new();
            if name == "union" {
                for a in args {
                    let Value::Object(m) = a.as_ref() else { return err("`union` expects objects only") };
                    for (k, v) in m {
                        merge_into(&mut out, k, v, 0);
                    }
                }
            } else {
                let Some(first) = arg(args, 0)?.as_object() else { return err("`intersection` expects objects") };
                for (k, v) in first {
                    let all = args.get(1..).unwrap_or_default().iter().all(|a| a.get(k).is_some_and(|o| arm_equals(o, v)));
                    if all {
                        out.insert(k.clone(), v.clone());
                    }
                }
            }
            own(Value::Object(out))
        }
        other => err(format!("`{name}` expects arrays or objects, found {}", other.type_name())),
    }
}

/// Union of objects merges nested objects key by key.
fn merge_into(out: &mut Map, k: &str, v: &Value, depth: usize) {
    if let (Some(Value::Object(existing)), Value::Object(new), true) = (out.get_mut(k), v, depth < 32) {
        for (nk, nv) in new {
            merge_into(existing, nk, nv, depth + 1);
        }
        return;
    }
    out.insert(k.to_owned(), v.clone());
}

fn format_fn<'a>(args: Args<'_, 'a>) -> EResult<Cow<'a, Value>> {
    let f = s_arg("format", args, 0)?;
    let rest = args.get(1..).unwrap_or_default();
    let mut out = String::new();
    let mut chars = f.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '{' => {
                let mut item = String::new();
                let mut closed = false;
                for d in chars.by_ref() {
                    if d == '}' {
                        closed = true;
                        break;
                    }
                    item.push(d);
                }
                if !closed {
                    return err("unmatched opening brace in format string");
                }
                out.push_str(&format_item(&item, rest)?);
            }
            '}' => return err("unmatched closing brace in format string"),
            other => out.push(other),
        }
        if out.len() > MAX_BUILD {
            return err("`format` result too large");
        }
    }
    own(Value::String(out))
}

/// Widest alignment accepted in a format item.
const MAX_ALIGN: usize = 100_000;

/// One `{index[,alignment][:format]}` item, .NET composite formatting.
fn format_item(item: &str, args: &[Cow<'_, Value>]) -> EResult<String> {
    let (head, spec) = match item.split_once(':') {
        Some((h, s)) => (h, Some(s)),
        None => (item, None),
    };
    let (idx_txt, align) = match head.split_once(',') {
        Some((i, a)) => (i, Some(a)),
        None => (head, None),
    };
    let idx: usize = idx_txt
        .trim()
        .parse()
        .map_err(|_| Fail::Error(format!("invalid placeholder `{{{item}}}` in format string")))?;
    let v = args
        .get(idx)
        .ok_or_else(|| Fail::Error(format!("placeholder {{{idx}}} references argument index {idx}, which is not given")))?;
    let mut text = match spec {
        Some(sp) => format_value(v, sp)?,
        None => net_string(v),
    };
    if let Some(a) = align {
        let a = a.trim_start();
        if a.is_empty() {
            return err("empty alignment value in format item");
        }
        let n: i64 = a.trim_end().parse().map_err(|_| Fail::Error(format!("invalid alignment `{a}` in format item")))?;
        let width = usize::try_from(n.unsigned_abs()).unwrap_or(usize::MAX);
        if width > MAX_ALIGN {
            return err(format!("alignment {n} exceeds maximum allowed ({MAX_ALIGN})"));
        }
        let len = text.chars().count();
        if len < width {
            let pad: String = std::iter::repeat_n(' ', width - len).collect();
            text = if n < 0 { format!("{text}{pad}") } else { format!("{pad}{text}") };
        }
    }
    Ok(text)
}

/// A number with a .NET standard numeric format (`F2`, `N0`, `X`, `D5`, `P1`, `G`).
fn format_value(v: &Value, spec: &str) -> EResult<String> {
    let Some(f) = v.as_f64() else { return Ok(net_string(v)) };
    let mut cs = spec.chars();
    let letter = cs.next().unwrap_or('G');
    let prec_txt: String = cs.collect();
    let prec: Option<usize> = if prec_txt.is_empty() {
        None
    } else {
        Some(prec_txt.parse().ok().filter(|p| *p <= 99).ok_or_else(|| Fail::Error(format!("invalid numeric format specifier `{spec}`")))?)
    };
    let int = || v.as_i64().ok_or_else(|| Fail::Error(format!("format `{spec}` needs an integer")));
    Ok(match letter {
        'F' | 'f' => format!("{f:.*}", prec.unwrap_or(2)),
        'N' | 'n' => group_thousands(&format!("{f:.*}", prec.unwrap_or(2))),
        'P' | 'p' => format!("{:.*} %", prec.unwrap_or(2), f * 100.0),
        'D' | 'd' => {
            let n = int()?;
            let digits = format!("{:0w$}", n.unsigned_abs(), w = prec.unwrap_or(1));
            if n < 0 { format!("-{digits}") } else { digits }
        }
        'X' => format!("{:0w$X}", int()?, w = prec.unwrap_or(1)),
        'x' => format!("{:0w$x}", int()?, w = prec.unwrap_or(1)),
        'G' | 'g' => net_string(v),
        'E' | 'e' => {
            let s = format!("{f:.*e}", prec.unwrap_or(6));
            let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
            let exp: i32 = e.parse().unwrap_or(0);
            let sign = if exp < 0 { '-' } else { '+' };
            let e_char = if letter == 'E' { 'E' } else { 'e' };
            format!("{m}{e_char}{sign}{:03}", exp.unsigned_abs())
        }
        _ => return err(format!("invalid numeric format specifier `{spec}`")),
    })
}

fn group_thousands(s: &str) -> String {
    let (sign, body) = match s.strip_prefix('-') {
        Some(b) => ("-", b),
        None => ("", s),
    };
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let mut grouped = String::new();
    let n = int.len();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (n - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}
