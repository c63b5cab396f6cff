//! Terraform's built-in functions that can be computed without the cloud.
//! Functions that read files, the clock or randomness give an unknown with
//! the reason; unknown arguments give unknown results.

use super::eval::{strip_marks, RESOURCE_MARK, dedup_values, equal, err, to_bool, to_number, to_string, MAX_ITEMS};
use crate::value::{Map, Value};

fn int(v: &Value) -> Option<i64> {
    to_number(v).and_then(|n| n.as_i64())
}

fn str_arg(args: &[Value], i: usize) -> Option<String> {
    args.get(i).and_then(to_string)
}

fn list_arg(args: &[Value], i: usize) -> Option<Vec<Value>> {
    match args.get(i) {
        Some(Value::Array(a)) => Some(a.clone()),
        _ => None,
    }
}

fn from_usize(n: usize) -> Value {
    Value::Int(i64::try_from(n).unwrap_or(i64::MAX))
}

/// Values with no unknown anywhere inside (needed by encoders).
fn deep_unknown(v: &Value, depth: usize) -> Option<Value> {
    if depth > 64 {
        return None;
    }
    match v {
        Value::Unknown(_) => Some(v.clone()),
        Value::Array(a) => a.iter().find_map(|x| deep_unknown(x, depth.saturating_add(1))),
        Value::Object(m) => m.values().find_map(|x| deep_unknown(x, depth.saturating_add(1))),
        _ => None,
    }
}

/// Call built-in `name`. `module_dir` is `path.module` (for diagnostics only).
pub fn call(name: &str, mut args: Vec<Value>, _module_dir: Option<&str>) -> Value {
    // Functions see plain values: drop the resource marks at the top level
    // (so `length`, `keys`, `merge` do not count them) and everywhere for encoders.
    for a in &mut args {
        if let Value::Object(m) = a {
            m.shift_remove(RESOURCE_MARK);
        }
        if name == "jsonencode" || name == "yamlencode" {
            strip_marks(a, 0);
        }
    }
    // Functions that accept unknown arguments themselves.
    match name {
        "coalesce" => {
            for a in &args {
                match a {
                    Value::Unknown(_) => return a.clone(),
                    Value::Null => {}
                    Value::String(s) if s.is_empty() => {}
                    _ => return a.clone(),
                }
            }
            return err("`coalesce`: no non-null argument");
        }
        "coalescelist" => {
            for a in &args {
                match a {
                    Value::Unknown(_) => return a.clone(),
                    Value::Array(x) if x.is_empty() => {}
                    Value::Array(_) => return a.clone(),
                    _ => {}
                }
            }
            return err("`coalescelist`: no non-empty list");
        }
        "sensitive" | "nonsensitive" => return args.into_iter().next().unwrap_or(Value::Null),
        "length" => {
            return match args.first() {
                Some(Value::Array(a)) => from_usize(a.len()),
                Some(Value::Object(m)) => from_usize(m.len()),
                Some(Value::String(s)) => from_usize(s.chars().count()),
                Some(u @ Value::Unknown(_)) => u.clone(),
                _ => err("`length` needs a collection or string"),
            }
        }
        "merge" => {
            let mut out = Map::new();
            for a in args {
                match a {
                    Value::Object(m) => out.extend(m),
                    Value::Null => {}
                    u @ Value::Unknown(_) => return u,
                    _ => return err("`merge` needs objects"),
                }
            }
            return Value::Object(out);
        }
        "concat" => {
            let mut out = Vec::new();
            for a in args {
                match a {
                    Value::Array(x) => out.extend(x),
                    u @ Value::Unknown(_) => return u,
                    _ => return err("`concat` needs lists"),
                }
            }
            return Value::Array(out);
        }
        "tolist" | "toset" | "tomap" => {
            return match args.into_iter().next() {
                Some(Value::Array(a)) if name == "toset" => Value::Array(dedup_values(a)),
                Some(v) => v,
                None => err(format!("`{name}` needs one argument")),
            }
        }
        "lookup" => {
            return match (args.first(), args.get(1)) {
                (Some(Value::Object(m)), Some(k)) => match to_string(k) {
                    Some(key) => match m.get(&key) {
                        Some(v) => v.clone(),
                        None => args.get(2).cloned().unwrap_or_else(|| err(format!("`lookup`: no key `{key}`"))),
                    },
                    None => k.clone(),
                },
                (Some(u @ Value::Unknown(_)), _) | (_, Some(u @ Value::Unknown(_))) => u.clone(),
                _ => err("`lookup` needs a map and a key"),
            }
        }
        "jsonencode" | "yamlencode" => {
            return match args.first() {
                Some(v) => match deep_unknown(v, 0) {
                    Some(u) => u,
                    None => match serde_json::to_string(v) {
                        Ok(s) => Value::String(s),
                        Err(e) => err(e),
                    },
                },
                None => err("`jsonencode` needs one argument"),
            };
        }
        "contains" => {
            return match (args.first(), args.get(1)) {
                (Some(Value::Array(a)), Some(x)) => {
                    if x.is_unknown() {
                        return x.clone();
                    }
                    if a.iter().any(|e| equal(e, x)) {
                        Value::Bool(true)
                    } else if let Some(u) = a.iter().find(|e| e.is_unknown()) {
                        u.clone()
                    } else {
                        Value::Bool(false)
                    }
                }
                (Some(u @ Value::Unknown(_)), _) => u.clone(),
                _ => err("`contains` needs a list and a value"),
            }
        }
        "compact" => {
            return match args.first() {
                Some(Value::Array(a)) => Value::Array(
                    a.iter()
                        .filter(|v| !matches!(v, Value::Null) && !matches!(v, Value::String(s) if s.is_empty()))
                        .cloned()
                        .collect(),
                ),
                Some(u @ Value::Unknown(_)) => u.clone(),
                _ => err("`compact` needs a list"),
            }
        }
        "flatten" => {
            return match args.first() {
                Some(v @ Value::Array(_)) => {
                    let mut out = Vec::new();
                    // An unknown element may be a list of any length: the result is unknown.
                    match flatten_into(v, &mut out, 0) {
                        Ok(()) => Value::Array(out),
                        Err(u) => u.clone(),
                    }
                }
                Some(u @ Value::Unknown(_)) => u.clone(),
                _ => err("`flatten` needs a list"),
            }
        }
        "keys" | "values" => {
            return match args.first() {
                Some(Value::Object(m)) => {
                    let mut pairs: Vec<(&String, &Value)> = m.iter().collect();
                    crate::order::sort_by(&mut pairs, |a, b| a.0.cmp(b.0));
                    Value::Array(
                        pairs
                            .into_iter()
                            .map(|(k, v)| if name == "keys" { Value::String(k.clone()) } else { v.clone() })
                            .collect(),
                    )
                }
                Some(u @ Value::Unknown(_)) => u.clone(),
                _ => err(format!("`{name}` needs a map")),
            }
        }
        "element" | "index" | "one" | "slice" | "reverse" | "distinct" | "zipmap" | "alltrue" | "anytrue" => {
            return collection_fn(name, &args);
        }
        _ => {}
    }
    if let Some(u) = args.iter().find(|a| a.is_unknown()) {
        return u.clone();
    }
    match name {
        "format" => match args.split_first() {
            Some((Value::String(f), rest)) => format(f, rest),
            _ => err("`format` needs a format string"),
        },
        "formatlist" => formatlist(&args),
        "lower" | "upper" | "title" | "trimspace" | "chomp" | "tostring" => match args.first() {
            Some(v) => match (name, to_string(v)) {
                ("tostring", _) if v.is_null() => Value::Null,
                (_, Some(s)) => Value::String(match name {
                    "lower" => crate::case::lower(&s),
                    "upper" => crate::case::upper(&s),
                    "title" => title(&s),
                    "trimspace" => s.trim().to_owned(),
                    "chomp" => s.trim_end_matches(['\n', '\r']).to_owned(),
                    _ => s,
                }),
                _ => err(format!("`{name}` needs a string")),
            },
            None => err(format!("`{name}` needs one argument")),
        },
        "tonumber" => match args.first() {
            Some(Value::Null) => Value::Null,
            Some(v) => to_number(v).unwrap_or_else(|| err("`tonumber`: not a number")),
            None => err("`tonumber` needs one argument"),
        },
        "tobool" => match args.first() {
            Some(Value::Null) => Value::Null,
            Some(v) => to_bool(v).map_or_else(|| err("`tobool`: not a bool"), Value::Bool),
            None => err("`tobool` needs one argument"),
        },
        "trimprefix" | "trimsuffix" | "trim" | "startswith" | "endswith" | "strcontains" | "split" => {
            match (str_arg(&args, 0), str_arg(&args, 1)) {
                (Some(s), Some(p)) => match name {
                    "trimprefix" => Value::String(s.strip_prefix(p.as_str()).unwrap_or(&s).to_owned()),
                    "trimsuffix" => Value::String(s.strip_suffix(p.as_str()).unwrap_or(&s).to_owned()),
                    "trim" => Value::String(s.trim_matches(|c| p.contains(c)).to_owned()),
                    "startswith" => Value::Bool(s.starts_with(&p)),
                    "endswith" => Value::Bool(s.ends_with(&p)),
                    "strcontains" => Value::Bool(s.contains(&p)),
                    _ => {
                        // split(separator, string)
                        if p.is_empty() {
                            Value::Array(vec![Value::String(String::new())])
                        } else {
                            Value::Array(p.split(s.as_str()).map(|x| Value::String(x.to_owned())).collect())
                        }
                    }
                },
                _ => err(format!("`{name}` needs two strings")),
            }
        }
        "replace" => match (str_arg(&args, 0), str_arg(&args, 1), str_arg(&args, 2)) {
            (Some(s), Some(from), Some(to)) => {
                if from.len() > 1 && from.starts_with('/') && from.ends_with('/') {
                    let pat = from.get(1..from.len().saturating_sub(1)).unwrap_or_default();
                    match crate::re::Regex::new(pat) {
                        Ok(re) => Value::String(re.replace_all(&s, to.replace("$", "$$").as_str()).into_owned()),
                        Err(e) => err(format!("`replace`: bad pattern: {e}")),
                    }
                } else if from.is_empty() {
                    Value::String(s)
                } else {
                    Value::String(s.replace(&from, &to))
                }
            }
            _ => err("`replace` needs three strings"),
        },
        "substr" => match (str_arg(&args, 0), args.get(1).and_then(int), args.get(2).and_then(int)) {
            (Some(s), Some(off), Some(len)) => {
                let chars: Vec<char> = s.chars().collect();
                let n = i64::try_from(chars.len()).unwrap_or(i64::MAX);
                let start = if off < 0 { n.saturating_add(off).max(0) } else { off.min(n) };
                let end = if len < 0 { n } else { start.saturating_add(len).min(n) };
                let (a, b) = (usize::try_from(start).unwrap_or(0), usize::try_from(end).unwrap_or(0));
                Value::String(chars.get(a..b.max(a)).unwrap_or_default().iter().collect())
            }
            _ => err("`substr` needs a string and two numbers"),
        },
        "join" => match (str_arg(&args, 0), list_arg(&args, 1)) {
            (Some(sep), Some(_)) => {
                let mut parts = Vec::new();
                for l in args.get(1..).unwrap_or_default() {
                    match l {
                        Value::Array(a) => {
                            for v in a {
                                match v {
                                    Value::Unknown(_) => return v.clone(),
                                    _ => match to_string(v) {
                                        Some(s) => parts.push(s),
                                        None => return err("`join` needs a list of strings"),
                                    },
                                }
                            }
                        }
                        _ => return err("`join` needs lists"),
                    }
                }
                Value::String(parts.join(&sep))
            }
            _ => err("`join` needs a separator and a list"),
        },
        "min" | "max" | "sum" => {
            let nums: Vec<Value> = if name == "sum" {
                list_arg(&args, 0).unwrap_or_default()
            } else {
                args.clone()
            };
            let mut acc: Option<f64> = None;
            let mut all_int = true;
            for n in &nums {
                let Some(x) = to_number(n) else { return err(format!("`{name}` needs numbers")) };
                all_int &= matches!(x, Value::Int(_));
                let f = x.as_f64().unwrap_or(0.0);
                acc = Some(match (acc, name) {
                    (None, _) => f,
                    (Some(a), "min") => a.min(f),
                    (Some(a), "max") => a.max(f),
                    (Some(a), _) => a + f,
                });
            }
            match acc {
                #[allow(clippy::cast_possible_truncation)]
                Some(a) if all_int && a.abs() < 9.0e15 => Value::Int(a as i64),
                Some(a) => Value::Float(a),
                None => err(format!("`{name}` needs at least one number")),
            }
        }
        "abs" | "ceil" | "floor" => match args.first().and_then(to_number) {
            Some(Value::Int(i)) => Value::Int(if name == "abs" { i.saturating_abs() } else { i }),
            Some(Value::Float(f)) => {
                let r = match name {
                    "abs" => f.abs(),
                    "ceil" => f.ceil(),
                    _ => f.floor(),
                };
                #[allow(clippy::cast_possible_truncation)]
                if name != "abs" && r.abs() < 9.0e15 {
                    Value::Int(r as i64)
                } else {
                    Value::Float(r)
                }
            }
            _ => err(format!("`{name}` needs a number")),
        },
        "range" => {
            let nums: Vec<i64> = args.iter().filter_map(int).collect();
            let (start, end, step) = match nums.as_slice() {
                [e] => (0, *e, 1),
                [s, e] => (*s, *e, if s <= e { 1 } else { -1 }),
                [s, e, st] => (*s, *e, *st),
                _ => return err("`range` needs one to three numbers"),
            };
            if step == 0 {
                return err("`range` step is zero");
            }
            let mut out = Vec::new();
            let mut i = start;
            while (step > 0 && i < end) || (step < 0 && i > end) {
                if out.len() >= MAX_ITEMS {
                    return err("`range` too large");
                }
                out.push(Value::Int(i));
                i = i.saturating_add(step);
            }
            Value::Array(out)
        }
        "sort" => match list_arg(&args, 0) {
            Some(a) => {
                let mut s: Vec<String> = a.iter().filter_map(to_string).collect();
                s.sort();
                Value::Array(s.into_iter().map(Value::String).collect())
            }
            None => err("`sort` needs a list"),
        },
        "jsondecode" => match str_arg(&args, 0) {
            Some(s) => crate::json::parse(&s).unwrap_or_else(|e| err(format!("`jsondecode`: {e}"))),
            None => err("`jsondecode` needs a string"),
        },
        "base64encode" => match str_arg(&args, 0) {
            Some(s) => Value::String(base64(s.as_bytes())),
            None => err("`base64encode` needs a string"),
        },
        "regex" | "regexall" => match (str_arg(&args, 0), str_arg(&args, 1)) {
            (Some(p), Some(s)) => match crate::re::Regex::new(&p) {
                Ok(re) => {
                    let one = |c: crate::re::Captures<'_>| -> Value {
                        if c.len() == 1 {
                            Value::String(c.get(0).map(|m| m.as_str().to_owned()).unwrap_or_default())
                        } else {
                            Value::Array(
                                c.iter()
                                    .skip(1)
                                    .map(|m| m.map_or(Value::Null, |m| Value::String(m.as_str().to_owned())))
                                    .collect(),
                            )
                        }
                    };
                    if name == "regex" {
                        re.captures(&s).map_or_else(|| err("`regex`: no match"), one)
                    } else {
                        Value::Array(re.captures_iter(&s).take(MAX_ITEMS).map(one).collect())
                    }
                }
                Err(e) => err(format!("`{name}`: bad pattern: {e}")),
            },
            _ => err(format!("`{name}` needs two strings")),
        },
        "cidrsubnet" => match (str_arg(&args, 0), args.get(1).and_then(int), args.get(2).and_then(int)) {
            (Some(prefix), Some(bits), Some(num)) => cidrsubnet(&prefix, bits, num),
            _ => err("`cidrsubnet` needs a prefix and two numbers"),
        },
        "cidrhost" => match (str_arg(&args, 0), args.get(1).and_then(int)) {
            (Some(prefix), Some(num)) => cidrhost(&prefix, num),
            _ => err("`cidrhost` needs a prefix and a number"),
        },
        "basename" | "dirname" | "abspath" | "pathexpand" => match str_arg(&args, 0) {
            Some(s) => Value::String(match name {
                "basename" => s.rsplit('/').next().unwrap_or_default().to_owned(),
                "dirname" => s.rsplit_once('/').map(|(d, _)| d.to_owned()).unwrap_or_else(|| ".".to_owned()),
                _ => s,
            }),
            None => err(format!("`{name}` needs a string")),
        },
        "file" | "filebase64" | "templatefile" | "fileexists" | "fileset" | "filemd5" | "filesha256" => {
            Value::unknown(format!("`{name}()` reads files; amlguard does not read them"))
        }
        "timestamp" | "uuid" | "bcrypt" | "plantimestamp" => {
            Value::unknown(format!("`{name}()` is known only when Terraform runs"))
        }
        "timeadd" | "formatdate" | "md5" | "sha1" | "sha256" | "sha512" | "base64sha256" | "uuidv5" | "base64decode"
        | "urlencode" | "textdecodebase64" | "textencodebase64" | "yamldecode" | "csvdecode" | "setproduct"
        | "setunion" | "setintersection" | "setsubtract" | "chunklist" | "transpose" | "matchkeys" | "type"
        | "cidrnetmask" | "cidrsubnets" | "base64gzip" | "strrev" | "indent" | "parseint" | "pow" | "log"
        | "signum" | "ephemeralasnull" | "issensitive" | "templatestring" => {
            Value::unknown(format!("function `{name}` is not evaluated by amlguard"))
        }
        _ => err(format!("unknown function `{name}`")),
    }
}

fn collection_fn(name: &str, args: &[Value]) -> Value {
    match name {
        "element" => match (args.first(), args.get(1)) {
            (Some(Value::Array(a)), Some(i)) => match int(i) {
                Some(n) if !a.is_empty() => {
                    let len = i64::try_from(a.len()).unwrap_or(i64::MAX);
                    let idx = usize::try_from(n.rem_euclid(len)).unwrap_or(0);
                    a.get(idx).cloned().unwrap_or(Value::Null)
                }
                _ if i.is_unknown() => i.clone(),
                _ => err("`element` needs a non-empty list and a number"),
            },
            (Some(u @ Value::Unknown(_)), _) => u.clone(),
            _ => err("`element` needs a list and a number"),
        },
        "index" => match (args.first(), args.get(1)) {
            (Some(Value::Array(a)), Some(x)) => {
                a.iter().position(|e| equal(e, x)).map_or_else(|| err("`index`: not found"), from_usize)
            }
            (Some(u @ Value::Unknown(_)), _) => u.clone(),
            _ => err("`index` needs a list and a value"),
        },
        "one" => match args.first() {
            Some(Value::Array(a)) => match a.as_slice() {
                [] => Value::Null,
                [x] => x.clone(),
                _ => err("`one`: more than one element"),
            },
            Some(u @ Value::Unknown(_)) => u.clone(),
            _ => err("`one` needs a list"),
        },
        "slice" => match (args.first(), args.get(1).and_then(int), args.get(2).and_then(int)) {
            (Some(Value::Array(a)), Some(s), Some(e)) => {
                let (s, e) = (usize::try_from(s).unwrap_or(0), usize::try_from(e).unwrap_or(0));
                a.get(s..e).map_or_else(|| err("`slice` out of range"), |x| Value::Array(x.to_vec()))
            }
            (Some(u @ Value::Unknown(_)), _, _) => u.clone(),
            _ => err("`slice` needs a list and two numbers"),
        },
        "reverse" => match args.first() {
            Some(Value::Array(a)) => Value::Array(a.iter().rev().cloned().collect()),
            Some(u @ Value::Unknown(_)) => u.clone(),
            _ => err("`reverse` needs a list"),
        },
        "distinct" => match args.first() {
            Some(Value::Array(a)) => Value::Array(dedup_values(a.clone())),
            Some(u @ Value::Unknown(_)) => u.clone(),
            _ => err("`distinct` needs a list"),
        },
        "zipmap" => match (args.first(), args.get(1)) {
            (Some(Value::Array(k)), Some(Value::Array(v))) => {
                let mut m = Map::new();
                for (kk, vv) in k.iter().zip(v) {
                    match to_string(kk) {
                        Some(s) => {
                            m.insert(s, vv.clone());
                        }
                        None => return err("`zipmap` keys must be strings"),
                    }
                }
                Value::Object(m)
            }
            (Some(u @ Value::Unknown(_)), _) | (_, Some(u @ Value::Unknown(_))) => u.clone(),
            _ => err("`zipmap` needs two lists"),
        },
        _ => match args.first() {
            // alltrue / anytrue
            Some(Value::Array(a)) => {
                let want_all = name == "alltrue";
                let mut unknown = None;
                for v in a {
                    match to_bool(v) {
                        Some(b) if b != want_all => return Value::Bool(!want_all),
                        Some(_) => {}
                        None if v.is_unknown() => unknown = Some(v.clone()),
                        None => return err(format!("`{name}` needs bools")),
                    }
                }
                unknown.unwrap_or(Value::Bool(want_all))
            }
            Some(u @ Value::Unknown(_)) => u.clone(),
            _ => err(format!("`{name}` needs a list")),
        },
    }
}

/// Append the leaves of `v`; the first unknown met is the error.
fn flatten_into<'a>(v: &'a Value, out: &mut Vec<Value>, depth: usize) -> Result<(), &'a Value> {
    match v {
        Value::Array(a) if depth < 32 => {
            for x in a {
                flatten_into(x, out, depth.saturating_add(1))?;
            }
        }
        u @ Value::Unknown(_) => return Err(u),
        other => out.push(other.clone()),
    }
    Ok(())
}

fn title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut start = true;
    for c in s.chars() {
        if start {
            out.extend(crate::case::upper_char(c));
        } else {
            out.push(c);
        }
        start = !c.is_alphanumeric();
    }
    out
}

/// `format`: verbs `%s %d %v %q %f %t %%`, with optional width/precision digits.
pub fn format(f: &str, args: &[Value]) -> Value {
    let mut out = String::new();
    let mut it = f.chars().peekable();
    let mut next_arg = args.iter();
    while let Some(c) = it.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut spec = String::new();
        while let Some(&d) = it.peek() {
            if d.is_ascii_digit() || d == '.' || d == '-' || d == '+' || d == '#' || d == ' ' {
                spec.push(d);
                it.next();
            } else {
                break;
            }
        }
        let Some(verb) = it.next() else { return err("`format`: dangling `%`") };
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(a) = next_arg.next() else { return err("`format`: too few arguments") };
        if a.is_unknown() {
            return a.clone();
        }
        let piece = match verb {
            's' | 'v' | 't' => match to_string(a) {
                Some(s) => s,
                None if verb == 'v' => serde_json::to_string(a).unwrap_or_default(),
                None => return err("`format` %s needs a primitive"),
            },
            'd' => match to_number(a) {
                Some(Value::Int(i)) => i.to_string(),
                #[allow(clippy::cast_possible_truncation)]
                Some(Value::Float(x)) => (x.trunc() as i64).to_string(),
                _ => return err("`format` %d needs a number"),
            },
            'f' => match to_number(a).and_then(|n| n.as_f64()) {
                Some(x) => {
                    let prec = spec.split_once('.').and_then(|(_, p)| p.parse::<usize>().ok()).unwrap_or(6);
                    format!("{x:.prec$}")
                }
                None => return err("`format` %f needs a number"),
            },
            'q' => match to_string(a) {
                Some(s) => serde_json::to_string(&s).unwrap_or_default(),
                None => return err("`format` %q needs a string"),
            },
            _ => return err(format!("`format`: unsupported verb `%{verb}`")),
        };
        // Zero-padding width for %d / %s (e.g. `%03d`).
        let width: usize = spec.trim_start_matches(['-', '+', '#', ' ']).split('.').next().and_then(|w| w.parse().ok()).unwrap_or(0);
        let len = piece.chars().count();
        if width > len && width < 1024 {
            let pad: String = std::iter::repeat_n(if spec.starts_with('0') { '0' } else { ' ' }, width.saturating_sub(len)).collect();
            if spec.starts_with('-') {
                out.push_str(&piece);
                out.push_str(&pad);
            } else {
                out.push_str(&pad);
                out.push_str(&piece);
            }
        } else {
            out.push_str(&piece);
        }
    }
    Value::String(out)
}

fn formatlist(args: &[Value]) -> Value {
    let Some((Value::String(f), rest)) = args.split_first() else { return err("`formatlist` needs a format string") };
    let n = rest.iter().filter_map(|a| a.as_array().map(<[Value]>::len)).max().unwrap_or(1);
    let mut out = Vec::new();
    for i in 0..n.min(MAX_ITEMS) {
        let row: Vec<Value> = rest
            .iter()
            .map(|a| match a {
                Value::Array(x) => x.get(i).cloned().unwrap_or(Value::Null),
                other => other.clone(),
            })
            .collect();
        out.push(format(f, &row));
    }
    Value::Array(out)
}

fn base64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [chunk.first().copied().unwrap_or(0), chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4usize {
            if k <= chunk.len() {
                let idx = usize::try_from((n >> (18 - 6 * k)) & 63).unwrap_or(0);
                out.push(char::from(T.get(idx).copied().unwrap_or(b'A')));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn parse_cidr(prefix: &str) -> Option<(u32, u32)> {
    let (addr, len) = prefix.split_once('/')?;
    let len: u32 = len.parse().ok()?;
    if len > 32 {
        return None;
    }
    let mut n: u32 = 0;
    let mut parts = 0;
    for p in addr.split('.') {
        let b: u8 = p.parse().ok()?;
        n = (n << 8) | u32::from(b);
        parts += 1;
    }
    (parts == 4).then_some((n, len))
}

fn ip_string(n: u32) -> String {
    format!("{}.{}.{}.{}", n >> 24, (n >> 16) & 255, (n >> 8) & 255, n & 255)
}

fn cidrsubnet(prefix: &str, newbits: i64, netnum: i64) -> Value {
    let Some((base, len)) = parse_cidr(prefix) else {
        return Value::unknown(format!("`cidrsubnet` of `{prefix}` (IPv6 or malformed) is not evaluated"));
    };
    let Ok(newbits) = u32::try_from(newbits) else { return err("`cidrsubnet`: negative bits") };
    let new_len = len.saturating_add(newbits);
    let Ok(netnum) = u32::try_from(netnum) else { return err("`cidrsubnet`: bad network number") };
    if new_len > 32 || (newbits < 32 && netnum >= (1u32 << newbits)) {
        return err(format!("`cidrsubnet`: {newbits} bits cannot hold network {netnum}"));
    }
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    let shift = 32 - new_len;
    let n = (base & mask) | netnum.checked_shl(shift).unwrap_or(0);
    Value::String(format!("{}/{}", ip_string(n), new_len))
}

fn cidrhost(prefix: &str, hostnum: i64) -> Value {
    let Some((base, len)) = parse_cidr(prefix) else {
        return Value::unknown(format!("`cidrhost` of `{prefix}` is not evaluated"));
    };
    let size: i64 = 1i64 << (32 - len);
    let h = if hostnum < 0 { size.saturating_add(hostnum) } else { hostnum };
    if h < 0 || h >= size {
        return err("`cidrhost`: host number out of range");
    }
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    let Ok(h) = u32::try_from(h) else { return err("`cidrhost`: out of range") };
    Value::String(ip_string((base & mask) | h))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Value {
        Value::String(x.to_owned())
    }

    #[test]
    fn cidr_functions_match_terraform() {
        assert_eq!(cidrsubnet("10.0.0.0/16", 8, 2), s("10.0.2.0/24"));
        assert_eq!(cidrsubnet("172.16.0.0/12", 4, 15), s("172.31.0.0/16"));
        assert!(super::super::eval::is_error(&cidrsubnet("10.0.0.0/24", 2, 4)));
        assert_eq!(cidrhost("10.12.112.0/20", 16), s("10.12.112.16"));
        assert_eq!(cidrhost("10.0.0.0/24", -1), s("10.0.0.255"));
    }

    #[test]
    fn format_verbs() {
        assert_eq!(format("%s-%03d-%q %%", &[s("a"), Value::Int(7), s("x")]), s("a-007-\"x\" %"));
        assert_eq!(format("%.2f", &[Value::Float(1.5)]), s("1.50"));
        assert!(format("%s", &[Value::unknown("u")]).is_unknown());
    }

    #[test]
    fn flatten_of_an_unknown_element_is_unknown() {
        let list = |v: Vec<Value>| Value::Array(v);
        let known = list(vec![list(vec![s("a"), list(vec![s("b")])]), s("c")]);
        assert_eq!(call("flatten", vec![known], None), list(vec![s("a"), s("b"), s("c")]));
        // The unknown element may be a list of any length (e.g. a value cut
        // short by the size cap), so the length is not known either.
        let partly = list(vec![list(vec![s("a"), Value::unknown("too large")]), s("c")]);
        assert!(call("flatten", vec![partly], None).is_unknown());
    }

    #[test]
    fn base64_pads() {
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"abc"), "YWJj");
    }
}
