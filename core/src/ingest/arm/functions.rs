//! ARM template functions: everything that can be known before deployment,
//! computed; everything else (`reference`, `list*`, `newGuid`, `utcNow`, …)
//! an [`Value::Unknown`] that says why.

use super::error::{ErrorKind, EvalError};
use super::eval::Evaluator;
use super::expr::Expr;
use super::hash;
use crate::model::provider_suffix;
use crate::value::{Map, Value};

type R = Result<Value, EvalError>;

fn err(kind: ErrorKind, message: impl Into<String>) -> EvalError {
    EvalError::new(kind, message)
}

fn arity(name: &str, n: usize, min: usize, max: usize) -> Result<(), EvalError> {
    if n < min || n > max {
        let want = if min == max {
            format!("{min}")
        } else if max == usize::MAX {
            format!("at least {min}")
        } else {
            format!("{min} to {max}")
        };
        return Err(err(ErrorKind::Arity, format!("`{name}` takes {want} argument(s), {n} given")));
    }
    Ok(())
}

fn type_err(name: &str, what: &str, v: &Value) -> EvalError {
    err(ErrorKind::Type, format!("`{name}` expects {what}, found {}", v.type_name()))
}

/// The first top-level unknown among the arguments.
fn any_unknown(args: &[Value]) -> Option<Value> {
    args.iter().find(|a| a.is_unknown()).cloned()
}

fn get(args: &[Value], i: usize) -> &Value {
    const NULL: Value = Value::Null;
    args.get(i).unwrap_or(&NULL)
}

fn s<'v>(name: &str, v: &'v Value) -> Result<&'v str, EvalError> {
    v.as_str().ok_or_else(|| type_err(name, "a string", v))
}

fn int(name: &str, v: &Value) -> Result<i64, EvalError> {
    v.as_i64().ok_or_else(|| type_err(name, "an integer", v))
}

fn checked(name: &str, v: Option<i64>) -> R {
    v.map(Value::Int).ok_or_else(|| err(ErrorKind::Type, format!("`{name}`: integer overflow or division by zero")))
}

/// Text of a value as `concat`/`format` produce it.
fn text(v: &Value, bool_title: bool) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(b) if bool_title => if *b { "True".into() } else { "False".into() },
        Value::Null => String::new(),
        other => other.to_json().to_string(),
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

/// Deep equality as ARM: numbers by value, strings exactly, object keys ignoring case.
pub fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => a.as_f64() == b.as_f64(),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| equal(p, q)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| b.get_ci(k).is_some_and(|w| equal(v, w)))
        }
        _ => a == b,
    }
}

fn compare(name: &str, a: &Value, b: &Value) -> Result<std::cmp::Ordering, EvalError> {
    match (a, b) {
        (Value::String(x), Value::String(y)) => Ok(x.cmp(y)),
        _ => match (a.as_f64(), b.as_f64()) {
            (Some(x), Some(y)) => x.partial_cmp(&y).ok_or_else(|| type_err(name, "comparable numbers", a)),
            _ => Err(err(
                ErrorKind::Type,
                format!("`{name}` compares two integers or two strings, found {} and {}", a.type_name(), b.type_name()),
            )),
        },
    }
}

fn union_values(a: &Value, b: &Value) -> Value {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut out = x.clone();
            for (k, v) in y {
                let existing = out.iter().find(|(ek, _)| ek.eq_ignore_ascii_case(k)).map(|(ek, ev)| (ek.clone(), ev.clone()));
                match existing {
                    Some((ek, ev @ Value::Object(_))) if matches!(v, Value::Object(_)) => {
                        out.insert(ek, union_values(&ev, v));
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

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [chunk.first().copied().unwrap_or(0), chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                let idx = ((n >> (18 - 6 * i)) & 63) as usize;
                out.push(B64.get(idx).map_or('A', |c| char::from(*c)));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn base64_decode(name: &str, s: &str) -> Result<Vec<u8>, EvalError> {
    let mut out = Vec::new();
    let mut acc: u32 = 0;
    let mut bits = 0;
    for c in s.bytes().filter(|c| !c.is_ascii_whitespace() && *c != b'=') {
        let v = B64
            .iter()
            .position(|b| *b == c)
            .ok_or_else(|| err(ErrorKind::Type, format!("`{name}`: `{s}` is not base64")))?;
        acc = (acc << 6) | u32::try_from(v).unwrap_or(0);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
        }
    }
    Ok(out)
}

fn utf8(name: &str, bytes: Vec<u8>) -> Result<String, EvalError> {
    String::from_utf8(bytes).map_err(|_| err(ErrorKind::Type, format!("`{name}`: decoded bytes are not utf-8")))
}

fn uri_escape(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn uri_unescape(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(v) = hex {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// .NET composite formatting: `{0}`, `{1:spec}`, `{{`, `}}`.
fn format_string(fmt: &str, args: &[Value]) -> R {
    let mut out = String::new();
    let mut chars = fmt.chars().peekable();
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
                let mut spec = String::new();
                for d in chars.by_ref() {
                    if d == '}' {
                        break;
                    }
                    spec.push(d);
                }
                let (head, fmt_spec) = match spec.split_once(':') {
                    Some((h, f)) => (h, Some(f)),
                    None => (spec.as_str(), None),
                };
                let (idx_text, align) = match head.split_once(',') {
                    Some((i, a)) => (i.trim(), Some(a.trim())),
                    None => (head.trim(), None),
                };
                let idx: usize = idx_text
                    .parse()
                    .map_err(|_| err(ErrorKind::Type, format!("`format`: `{{{spec}}}` is not a placeholder")))?;
                let v = args.get(idx).ok_or_else(|| {
                    err(ErrorKind::Type, format!("`format`: placeholder `{{{idx}}}` has no argument"))
                })?;
                if v.is_unknown() {
                    return Ok(v.clone());
                }
                let piece = match fmt_spec {
                    None => text(v, true),
                    Some(f) => match format_spec(v, f) {
                        Some(p) => p,
                        None => {
                            return Ok(Value::unknown(format!(
                                "`format`: specifier `{f}` for `{}` is not evaluated by amlguard",
                                text(v, true)
                            )))
                        }
                    },
                };
                match align {
                    None => out.push_str(&piece),
                    Some(a) => {
                        let w: i64 = a
                            .parse()
                            .map_err(|_| err(ErrorKind::Type, format!("`format`: `{{{spec}}}` has a bad alignment")))?;
                        let width = usize::try_from(w.unsigned_abs()).unwrap_or(0).min(1024);
                        if w < 0 {
                            out.push_str(&format!("{piece:<width$}"));
                        } else {
                            out.push_str(&format!("{piece:>width$}"));
                        }
                    }
                }
            }
            other => out.push(other),
        }
    }
    Ok(Value::String(out))
}

/// .NET standard numeric format strings for integers (invariant culture):
/// `D`/`d` (zero-padded), `N`/`n` (thousands separators), `X`/`x` (hex), `F`/`f`
/// (fixed decimals). Anything else → `None` (the caller yields Unknown, never a guess).
fn format_spec(v: &Value, f: &str) -> Option<String> {
    let Value::Int(i) = v else { return None };
    let i = *i;
    let mut chars = f.trim().chars();
    let kind = chars.next()?;
    let prec_text = chars.as_str();
    let prec: Option<usize> = if prec_text.is_empty() {
        None
    } else {
        Some(prec_text.parse::<usize>().ok().filter(|p| *p <= 99)?)
    };
    let sign = if i < 0 { "-" } else { "" };
    let abs = i.unsigned_abs();
    match kind {
        'D' | 'd' => Some(format!("{sign}{abs:0>w$}", w = prec.unwrap_or(0))),
        'X' | 'x' => {
            // .NET prints negative numbers in two's complement.
            let hex = if kind == 'X' { format!("{i:X}") } else { format!("{i:x}") };
            Some(format!("{hex:0>w$}", w = prec.unwrap_or(0)))
        }
        'N' | 'n' | 'F' | 'f' => {
            let digits = abs.to_string();
            let grouped = if matches!(kind, 'N' | 'n') {
                let mut g = String::new();
                for (k, c) in digits.chars().enumerate() {
                    if k > 0 && (digits.len() - k) % 3 == 0 {
                        g.push(',');
                    }
                    g.push(c);
                }
                g
            } else {
                digits
            };
            let p = prec.unwrap_or(2);
            let frac = if p == 0 { String::new() } else { format!(".{}", "0".repeat(p)) };
            Some(format!("{sign}{grouped}{frac}"))
        }
        _ => None,
    }
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// (year, month, day) → days since 1970-01-01.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `YYYY-MM-DDTHH:MM:SS[.fff]Z` (or with a space) → seconds since the epoch.
fn parse_utc(t: &str) -> Option<i64> {
    let t = t.trim().strip_suffix('Z').or_else(|| t.trim().strip_suffix("+00:00"))?;
    let (date, time) = t.split_once(['T', ' '])?;
    let mut dp = date.split('-').map(|x| x.parse::<i64>().ok());
    let (y, m, d) = (dp.next()??, dp.next()??, dp.next()??);
    let time = time.split('.').next()?;
    let mut tp = time.split(':').map(|x| x.parse::<i64>().ok());
    let (hh, mm, ss) = (tp.next()??, tp.next()??, tp.next().unwrap_or(Some(0))?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    Some(days_from_civil(y, m, d) * 86_400 + hh * 3600 + mm * 60 + ss)
}

/// ISO 8601 duration `[-]P[nY][nM][nW][nD][T[nH][nM][nS]]` → seconds. As Learn documents
/// for `dateTimeAdd`, a year is 365 days and a month 30 days (no calendar arithmetic).
fn parse_duration(t: &str) -> Option<i64> {
    let t = t.trim();
    let (sign, rest) = match t.strip_prefix('-') {
        Some(r) => (-1, r),
        None => (1, t.strip_prefix('+').unwrap_or(t)),
    };
    let rest = rest.strip_prefix(['P', 'p'])?;
    if rest.is_empty() {
        return None;
    }
    let mut total: i64 = 0;
    let mut in_time = false;
    let mut num = String::new();
    let mut any = false;
    for c in rest.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let c = c.to_ascii_uppercase();
        if c == 'T' {
            if in_time || !num.is_empty() {
                return None;
            }
            in_time = true;
            continue;
        }
        let unit: i64 = match (in_time, c) {
            (false, 'Y') => 365 * 86_400,
            (false, 'M') => 30 * 86_400,
            (false, 'W') => 7 * 86_400,
            (false, 'D') => 86_400,
            (true, 'H') => 3600,
            (true, 'M') => 60,
            (true, 'S') => 1,
            _ => return None,
        };
        if num.is_empty() || num.len() > 12 {
            return None;
        }
        let v: i64 = num.parse().ok()?;
        total = total.checked_add(v.checked_mul(unit)?)?;
        num.clear();
        any = true;
    }
    (any && num.is_empty()).then_some(sign * total)
}

/// `a.b.c.d/n` → (address, prefix).
fn parse_cidr4(t: &str) -> Option<(u32, u8)> {
    let (ip, prefix) = t.split_once('/')?;
    let prefix: u8 = prefix.parse().ok().filter(|p| *p <= 32)?;
    let mut addr: u32 = 0;
    let mut parts = 0;
    for octet in ip.split('.') {
        addr = (addr << 8) | u32::from(octet.parse::<u8>().ok()?);
        parts += 1;
    }
    (parts == 4).then_some((addr, prefix))
}

/// `x:y::z/n` → (address, prefix).
fn parse_cidr6(t: &str) -> Option<(u128, u8)> {
    let (ip, prefix) = t.split_once('/')?;
    let prefix: u8 = prefix.parse().ok().filter(|p| *p <= 128)?;
    let addr: std::net::Ipv6Addr = ip.parse().ok()?;
    Some((u128::from(addr), prefix))
}

fn ip6(a: u128) -> String {
    std::net::Ipv6Addr::from(a).to_string()
}

/// IPv6 forms of `parseCidr`, `cidrSubnet` and `cidrHost`, as Learn documents them:
/// no `broadcast`, `firstUsable` is the network address, host index 0 is network + 1.
fn cidr6(name: &str, lname: &str, addr: u128, prefix: u8, a1: &Value, a2: &Value) -> R {
    let host_bits = 128 - u32::from(prefix);
    let mask: u128 = u128::MAX.checked_shl(host_bits).unwrap_or(0);
    let network = addr & mask;
    let last = network | !mask;
    match lname {
        "parsecidr" => {
            let mut m = Map::new();
            m.insert("network".into(), ip6(network).into());
            m.insert("netmask".into(), ip6(mask).into());
            m.insert("firstUsable".into(), ip6(network).into());
            m.insert("lastUsable".into(), ip6(last).into());
            m.insert("cidr".into(), Value::Int(i64::from(prefix)));
            Ok(Value::Object(m))
        }
        "cidrsubnet" => {
            let new_prefix = int(name, a1)?;
            let index = int(name, a2)?;
            if !(i64::from(prefix)..=128).contains(&new_prefix) {
                return Err(err(ErrorKind::Type, format!("`{name}`: new prefix /{new_prefix} does not fit in /{prefix}")));
            }
            let new_bits = u32::try_from(128 - new_prefix).unwrap_or(0);
            let extra_bits = u32::try_from(new_prefix - i64::from(prefix)).unwrap_or(0);
            let count: Option<u128> = 1u128.checked_shl(extra_bits).filter(|_| extra_bits < 128);
            let idx = u128::try_from(index)
                .ok()
                .filter(|i| count.is_none_or(|c| *i < c))
                .ok_or_else(|| err(ErrorKind::Type, format!("`{name}`: subnet index {index} is outside the range")))?;
            let start = network | idx.checked_shl(new_bits).unwrap_or(0);
            Ok(format!("{}/{new_prefix}", ip6(start)).into())
        }
        _ => {
            let index = int(name, a1)?;
            let idx = u128::try_from(index).ok();
            let host = idx
                .and_then(|i| i.checked_add(1))
                .filter(|off| host_bits >= 128 || *off <= (!mask))
                .ok_or_else(|| err(ErrorKind::Type, format!("`{name}`: host index {index} is outside the range")))?;
            Ok(ip6(network | host).into())
        }
    }
}

fn ip4(a: u32) -> String {
    let [w, x, y, z] = a.to_be_bytes();
    format!("{w}.{x}.{y}.{z}")
}

fn split_type(name: &str, t: &str) -> Result<usize, EvalError> {
    let segments = t.split('/').count();
    if segments < 2 || t.split('/').any(str::is_empty) {
        return Err(err(ErrorKind::Type, format!("`{name}`: `{t}` is not a resource type")));
    }
    Ok(segments - 1)
}

/// `/providers/{type with names}` for the resource-id functions.
fn typed_suffix(name: &str, t: &str, names: &[Value]) -> Result<Result<String, Value>, EvalError> {
    if let Some(u) = any_unknown(names) {
        return Ok(Err(u));
    }
    let mut parts = Vec::new();
    for n in names {
        parts.push(text(n, false));
    }
    let joined = parts.join("/");
    let want = split_type(name, t)?;
    let have = joined.split('/').count();
    if want != have {
        return Err(err(
            ErrorKind::Type,
            format!("`{name}`: type `{t}` needs {want} name segment(s), `{joined}` has {have}"),
        ));
    }
    Ok(Ok(provider_suffix(t, &joined)))
}

fn looks_like_type(v: &Value) -> bool {
    v.as_str().is_some_and(|s| s.contains('/') && s.split('/').next().is_some_and(|ns| ns.contains('.')))
}

/// Functions evaluated by [`Evaluator::call_lazy`].
const LAZY: &[&str] = &[
    "if", "and", "or", "coalesce", "parameters", "variables", "lambdavariables", "copyindex", "lambda", "filter", "map",
    "sort", "groupby", "mapvalues", "reduce", "toobject",
];

impl Evaluator<'_> {
    fn eval_args(&mut self, args: &[Expr]) -> Result<Vec<Value>, EvalError> {
        args.iter().map(|a| self.eval(a)).collect()
    }

    fn lambda<'e>(&self, name: &str, e: Option<&'e Expr>, params: usize) -> Result<(Vec<String>, &'e Expr), EvalError> {
        match e {
            Some(Expr::Call { name: l, args }) if l.eq_ignore_ascii_case("lambda") => {
                let (body, names) = args
                    .split_last()
                    .ok_or_else(|| err(ErrorKind::Arity, "`lambda` needs at least a body"))?;
                let mut out = Vec::new();
                for n in names {
                    match n {
                        Expr::Str(s) => out.push(s.clone()),
                        _ => return Err(err(ErrorKind::Type, "`lambda` parameter names must be string literals")),
                    }
                }
                if out.len() > params || out.is_empty() {
                    return Err(err(
                        ErrorKind::Arity,
                        format!("the lambda given to `{name}` takes {} parameter(s); at most {params} allowed", out.len()),
                    ));
                }
                Ok((out, body))
            }
            _ => Err(err(ErrorKind::Type, format!("`{name}` expects a `lambda(...)` argument"))),
        }
    }

    fn truthy(&self, name: &str, v: &Value) -> Result<Option<bool>, EvalError> {
        match v {
            Value::Bool(b) => Ok(Some(*b)),
            Value::Unknown(_) => Ok(None),
            other => Err(type_err(name, "a bool", other)),
        }
    }

    /// Call function `name` with unevaluated `args`. Kept small: it is on
    /// the recursion path of nested calls, so its stack frame bounds how
    /// deep an expression can nest.
    pub fn call(&mut self, name: &str, args: &[Expr]) -> R {
        let lname = name.to_ascii_lowercase();
        if LAZY.contains(&lname.as_str()) {
            return self.call_lazy(&lname, name, args);
        }
        let mut vals = Vec::with_capacity(args.len());
        for a in args {
            vals.push(self.eval(a)?);
        }
        if lname.contains('.') {
            return self.user_function(name, vals);
        }
        self.builtin(&lname, name, vals)
    }

    /// Functions that control the evaluation of their arguments.
    #[inline(never)]
    fn call_lazy(&mut self, lname: &str, name: &str, args: &[Expr]) -> R {
        let lname = lname.to_owned();
        let n = args.len();
        // Functions that control evaluation of their arguments.
        match lname.as_str() {
            "if" => {
                arity(name, n, 3, 3)?;
                let c = self.eval(args.first().unwrap_or(&Expr::Int(0)))?;
                match self.truthy(name, &c)? {
                    Some(true) => self.eval(args.get(1).unwrap_or(&Expr::Int(0))),
                    Some(false) => self.eval(args.get(2).unwrap_or(&Expr::Int(0))),
                    None => Ok(c),
                }
            }
            "and" | "or" => {
                arity(name, n, 2, usize::MAX)?;
                let short = lname == "or";
                let mut unknown = None;
                for a in args {
                    let v = self.eval(a)?;
                    match self.truthy(name, &v)? {
                        Some(b) if b == short => return Ok(Value::Bool(short)),
                        Some(_) => {}
                        None => unknown = unknown.or(Some(v)),
                    }
                }
                Ok(unknown.unwrap_or(Value::Bool(!short)))
            }
            "coalesce" => {
                arity(name, n, 1, usize::MAX)?;
                for a in args {
                    let v = self.eval(a)?;
                    if !v.is_null() {
                        return Ok(v);
                    }
                }
                Ok(Value::Null)
            }
            "parameters" | "variables" | "lambdavariables" => {
                arity(name, n, 1, 1)?;
                let v = self.eval(args.first().unwrap_or(&Expr::Int(0)))?;
                let key = s(name, &v)?.to_owned();
                match lname.as_str() {
                    "parameters" => self.parameter(&key),
                    "variables" => self.variable(&key),
                    _ => self.lambda_variable(&key),
                }
            }
            "copyindex" => {
                arity(name, n, 0, 2)?;
                let vals = self.eval_args(args)?;
                let (loop_name, offset) = match (vals.first(), vals.get(1)) {
                    (None, _) => (None, 0),
                    (Some(Value::String(l)), None) => (Some(l.clone()), 0),
                    (Some(Value::String(l)), Some(o)) => (Some(l.clone()), int(name, o)?),
                    (Some(o), None) => (None, int(name, o)?),
                    (Some(o), Some(_)) => return Err(type_err(name, "a loop name first", o)),
                };
                self.copy_index(loop_name.as_deref(), offset)
            }
            "lambda" => Err(err(ErrorKind::Type, "`lambda` can only be an argument of a lambda function")),
            "filter" | "map" | "sort" | "groupby" | "mapvalues" => {
                arity(name, n, 2, 2)?;
                let coll = self.eval(args.first().unwrap_or(&Expr::Int(0)))?;
                if coll.is_unknown() {
                    return Ok(coll);
                }
                let max_params = match lname.as_str() {
                    "map" | "filter" => 2,
                    "sort" => 2,
                    _ => 1,
                };
                let (names, body) = self.lambda(name, args.get(1), max_params)?;
                self.lambda_fn(&lname, name, coll, &names, body)
            }
            "reduce" => {
                arity(name, n, 3, 3)?;
                let coll = self.eval(args.first().unwrap_or(&Expr::Int(0)))?;
                let mut acc = self.eval(args.get(1).unwrap_or(&Expr::Int(0)))?;
                let (names, body) = self.lambda(name, args.get(2), 3)?;
                let Value::Array(items) = coll else {
                    return if coll.is_unknown() { Ok(coll) } else { Err(type_err(name, "an array", &coll)) };
                };
                for (i, item) in items.into_iter().enumerate() {
                    let mut vals = vec![acc, item];
                    vals.push(Value::Int(i64::try_from(i).unwrap_or(i64::MAX)));
                    vals.truncate(names.len());
                    acc = self.with_lambda(&names, vals, body)?;
                }
                Ok(acc)
            }
            "toobject" => {
                arity(name, n, 2, 3)?;
                let coll = self.eval(args.first().unwrap_or(&Expr::Int(0)))?;
                let (kn, kb) = self.lambda(name, args.get(1), 1)?;
                let vf = match args.get(2) {
                    Some(e) => Some(self.lambda(name, Some(e), 1)?),
                    None => None,
                };
                let Value::Array(items) = coll else {
                    return if coll.is_unknown() { Ok(coll) } else { Err(type_err(name, "an array", &coll)) };
                };
                let mut out = Map::new();
                for item in items {
                    let k = self.with_lambda(&kn, vec![item.clone()], kb)?;
                    if k.is_unknown() {
                        return Ok(k);
                    }
                    let key = s(name, &k)?.to_owned();
                    let v = match &vf {
                        Some((vn, vb)) => self.with_lambda(vn, vec![item], vb)?,
                        None => item,
                    };
                    out.insert(key, v);
                }
                Ok(Value::Object(out))
            }
            _ => Err(err(ErrorKind::UnknownFunction, format!("unknown function `{name}`"))),
        }
    }

    fn lambda_fn(&mut self, lname: &str, name: &str, coll: Value, names: &[String], body: &Expr) -> R {
        if lname == "mapvalues" {
            let Value::Object(m) = coll else { return Err(type_err(name, "an object", &coll)) };
            let mut out = Map::new();
            for (k, v) in m {
                out.insert(k, self.with_lambda(names, vec![v], body)?);
            }
            return Ok(Value::Object(out));
        }
        let Value::Array(items) = coll else { return Err(type_err(name, "an array", &coll)) };
        match lname {
            "map" | "filter" => {
                let mut out = Vec::new();
                for (i, item) in items.into_iter().enumerate() {
                    let mut vals = vec![item.clone(), Value::Int(i64::try_from(i).unwrap_or(i64::MAX))];
                    vals.truncate(names.len());
                    let r = self.with_lambda(names, vals, body)?;
                    if lname == "map" {
                        out.push(r);
                    } else {
                        match self.truthy(name, &r)? {
                            Some(true) => out.push(item),
                            Some(false) => {}
                            None => return Ok(r),
                        }
                    }
                }
                Ok(Value::Array(out))
            }
            "sort" => {
                // Insertion sort: the comparator is an expression that may fail.
                let mut out: Vec<Value> = Vec::new();
                for item in items {
                    let mut pos = out.len();
                    for (i, existing) in out.iter().enumerate() {
                        let r = self.with_lambda(names, vec![item.clone(), existing.clone()], body)?;
                        match self.truthy(name, &r)? {
                            Some(true) => {
                                pos = i;
                                break;
                            }
                            Some(false) => {}
                            None => return Ok(r),
                        }
                    }
                    out.insert(pos, item);
                }
                Ok(Value::Array(out))
            }
            _ => {
                // groupBy
                let mut out = Map::new();
                for item in items {
                    let k = self.with_lambda(names, vec![item.clone()], body)?;
                    if k.is_unknown() {
                        return Ok(k);
                    }
                    let key = s(name, &k)?.to_owned();
                    if let Some(Value::Array(group)) = out.get_mut(&key) {
                        group.push(item);
                    } else {
                        out.insert(key, Value::Array(vec![item]));
                    }
                }
                Ok(Value::Object(out))
            }
        }
    }

    fn scope_values(&self, lname: &str) -> Value {
        let sc = &self.info.scope;
        let mut m = Map::new();
        match lname {
            "resourcegroup" => {
                m.insert("id".into(), sc.resource_group_id().into());
                m.insert("name".into(), sc.resource_group.clone().into());
                m.insert("type".into(), "Microsoft.Resources/resourceGroups".into());
                m.insert("location".into(), sc.location.clone().into());
                m.insert("tags".into(), Value::Object(Map::new()));
                m.insert("managedBy".into(), Value::unknown("the resource group's `managedBy` is not known before deployment"));
                let mut p = Map::new();
                p.insert("provisioningState".into(), "Succeeded".into());
                m.insert("properties".into(), Value::Object(p));
            }
            "subscription" => {
                m.insert("id".into(), format!("/subscriptions/{}", sc.subscription_id).into());
                m.insert("subscriptionId".into(), sc.subscription_id.clone().into());
                m.insert("tenantId".into(), sc.tenant_id.clone().into());
                m.insert("displayName".into(), Value::unknown("the subscription's display name is not known before deployment"));
            }
            _ => {
                m.insert("id".into(), format!("/tenants/{}", sc.tenant_id).into());
                m.insert("tenantId".into(), sc.tenant_id.clone().into());
                m.insert("countryCode".into(), Value::unknown("the tenant's country is not known before deployment"));
                m.insert("displayName".into(), Value::unknown("the tenant's display name is not known before deployment"));
            }
        }
        Value::Object(m)
    }

    fn deployment_value(&self) -> Value {
        let mut props = Map::new();
        let mut template = Map::new();
        template.insert("contentVersion".into(), "1.0.0.0".into());
        props.insert("template".into(), Value::Object(template));
        match &self.info.template_uri {
            Some(uri) => {
                let mut link = Map::new();
                link.insert("uri".into(), uri.clone().into());
                link.insert("contentVersion".into(), "1.0.0.0".into());
                props.insert("templateLink".into(), Value::Object(link));
            }
            None => {
                props.insert("templateLink".into(), Value::unknown("the deployment's template link is not known before deployment"));
            }
        }
        props.insert("mode".into(), "Incremental".into());
        let mut m = Map::new();
        m.insert("name".into(), self.info.name.clone().into());
        m.insert("properties".into(), Value::Object(props));
        m.insert("location".into(), Value::unknown("the deployment location is not known before deployment"));
        Value::Object(m)
    }

    /// Look up `reference(x)`: the outputs of a nested deployment expanded in
    /// an earlier pass, or unknown.
    fn reference(&mut self, target: &Value, call: &str) -> Value {
        let Some(t) = target.as_str() else {
            return Value::unknown(format!("`{call}` is only known after deployment"));
        };
        let id = if t.starts_with('/') {
            t.to_owned()
        } else if let Some(id) = self.symbols.get(&t.to_ascii_lowercase()) {
            id.clone()
        } else if !t.contains('/') {
            // `reference('name')`: a resource of this template by name; for
            // nested deployments that is the deployment's outputs.
            self.info.scope.resource_id("Microsoft.Resources/deployments", t)
        } else {
            t.to_owned()
        };
        let key = crate::model::normalise_id(&id);
        if key.contains("/providers/microsoft.resources/deployments/") {
            if let Some(outputs) = self.outputs.get(&key) {
                let mut m = Map::new();
                m.insert("outputs".into(), outputs.clone());
                m.insert("provisioningState".into(), Value::unknown("known after deployment"));
                return Value::Object(m);
            }
            self.missed_outputs.push(key);
            if t.contains('/') || self.symbols.contains_key(&t.to_ascii_lowercase()) {
                return Value::unknown(format!(
                    "outputs of nested deployment `{}` are not known",
                    id.rsplit('/').next().unwrap_or(t)
                ));
            }
        }
        Value::unknown(format!("`reference('{t}')` is only known after deployment"))
    }

    #[allow(clippy::too_many_lines)]
    #[inline(never)]
    fn builtin(&mut self, lname: &str, name: &str, a: Vec<Value>) -> R {
        let n = a.len();
        // Functions whose result cannot be known before deployment.
        if lname.starts_with("list") || matches!(lname, "pickzones" | "providers" | "references") {
            return Ok(Value::unknown(format!("`{name}()` is only known after deployment")));
        }
        match lname {
            "reference" => {
                arity(name, n, 1, 3)?;
                return Ok(self.reference(get(&a, 0), name));
            }
            "newguid" => return Ok(Value::unknown("`newGuid()` is a new value at each deployment")),
            "utcnow" => return Ok(Value::unknown("`utcNow()` is the time of deployment")),
            "managementgroup" => return Ok(Value::unknown("`managementGroup()` is not known for a resource group deployment")),
            "resourcegroup" | "subscription" | "tenant" => {
                arity(name, n, 0, 0)?;
                return Ok(self.scope_values(lname));
            }
            "deployment" => {
                arity(name, n, 0, 0)?;
                return Ok(self.deployment_value());
            }
            "environment" => {
                arity(name, n, 0, 0)?;
                return Ok(super::environment());
            }
            "true" | "false" | "null" => {
                arity(name, n, 0, 0)?;
                return Ok(match lname {
                    "true" => Value::Bool(true),
                    "false" => Value::Bool(false),
                    _ => Value::Null,
                });
            }
            _ => {}
        }
        // Everything below is strict in its top-level arguments, except the
        // few that look inside containers (handled per function).
        let strict = !matches!(lname, "createarray" | "createobject" | "array" | "empty" | "length" | "json" | "string" | "equals" | "union" | "concat" | "tryget" | "contains" | "items" | "first" | "last" | "skip" | "take" | "shallowmerge" | "objectkeys" | "flatten" | "indexof" | "lastindexof");
        if strict {
            if let Some(u) = any_unknown(&a) {
                return Ok(u);
            }
        }
        let a0 = get(&a, 0);
        let a1 = get(&a, 1);
        match lname {
            // ---- comparison and logic
            "equals" => {
                arity(name, n, 2, 2)?;
                // An unknown anywhere inside either side makes the answer unknown.
                if let Some(u) = a0.first_unknown().or_else(|| a1.first_unknown()) {
                    return Ok(Value::Unknown(u.clone()));
                }
                Ok(Value::Bool(equal(a0, a1)))
            }
            "not" => {
                arity(name, n, 1, 1)?;
                a0.as_bool().map(|b| Value::Bool(!b)).ok_or_else(|| type_err(name, "a bool", a0))
            }
            "bool" => {
                arity(name, n, 1, 1)?;
                match a0 {
                    Value::Bool(b) => Ok(Value::Bool(*b)),
                    Value::String(t) if t.eq_ignore_ascii_case("true") => Ok(Value::Bool(true)),
                    Value::String(t) if t.eq_ignore_ascii_case("false") => Ok(Value::Bool(false)),
                    Value::Int(i) => Ok(Value::Bool(*i != 0)),
                    other => Err(type_err(name, "a bool, `true`/`false` or an integer", other)),
                }
            }
            "greater" | "greaterorequals" | "less" | "lessorequals" => {
                arity(name, n, 2, 2)?;
                let o = compare(name, a0, a1)?;
                use std::cmp::Ordering::*;
                Ok(Value::Bool(match lname {
                    "greater" => o == Greater,
                    "greaterorequals" => o != Less,
                    "less" => o == Less,
                    _ => o != Greater,
                }))
            }
            // ---- numbers
            "add" | "sub" | "mul" | "div" | "mod" => {
                arity(name, n, 2, 2)?;
                let (x, y) = (int(name, a0)?, int(name, a1)?);
                checked(
                    name,
                    match lname {
                        "add" => x.checked_add(y),
                        "sub" => x.checked_sub(y),
                        "mul" => x.checked_mul(y),
                        "div" => x.checked_div(y),
                        _ => x.checked_rem(y),
                    },
                )
            }
            "int" => {
                arity(name, n, 1, 1)?;
                match a0 {
                    Value::String(t) => t.trim().parse::<i64>().map(Value::Int).map_err(|_| type_err(name, "an integer string", a0)),
                    Value::Float(f) if f.is_finite() => {
                        #[allow(clippy::cast_possible_truncation)]
                        Ok(Value::Int(f.trunc() as i64))
                    }
                    other => int(name, other).map(Value::Int),
                }
            }
            "float" => {
                arity(name, n, 1, 1)?;
                match a0 {
                    Value::String(t) => t.trim().parse::<f64>().map(Value::Float).map_err(|_| type_err(name, "a number string", a0)),
                    other => other.as_f64().map(Value::Float).ok_or_else(|| type_err(name, "a number", other)),
                }
            }
            "min" | "max" => {
                arity(name, n, 1, usize::MAX)?;
                let items: Vec<Value> = match (n, a0) {
                    (1, Value::Array(arr)) => arr.clone(),
                    _ => a.clone(),
                };
                if let Some(u) = any_unknown(&items) {
                    return Ok(u);
                }
                let mut best: Option<i64> = None;
                for v in &items {
                    let x = int(name, v)?;
                    best = Some(match best {
                        None => x,
                        Some(b) if lname == "min" => b.min(x),
                        Some(b) => b.max(x),
                    });
                }
                best.map(Value::Int).ok_or_else(|| err(ErrorKind::Type, format!("`{name}` of an empty array")))
            }
            "range" => {
                arity(name, n, 2, 2)?;
                let (start, count) = (int(name, a0)?, int(name, a1)?);
                let max = i64::try_from(self.limits.max_copy_count.max(10_000)).unwrap_or(10_000);
                if !(0..=max).contains(&count) {
                    return Err(err(ErrorKind::Limit, format!("`range` count {count} is outside 0..{max}")));
                }
                Ok(Value::Array((0..count).map(|i| Value::Int(start.saturating_add(i))).collect()))
            }
            // ---- strings
            "concat" => {
                arity(name, n, 1, usize::MAX)?;
                if let Some(u) = any_unknown(&a) {
                    return Ok(u);
                }
                if a.iter().all(|v| matches!(v, Value::Array(_))) {
                    let mut out = Vec::new();
                    for v in a {
                        if let Value::Array(items) = v {
                            out.extend(items);
                        }
                    }
                    return Ok(Value::Array(out));
                }
                let mut out = String::new();
                for v in &a {
                    if matches!(v, Value::Array(_) | Value::Object(_)) {
                        return Err(type_err(name, "all strings or all arrays", v));
                    }
                    out.push_str(&text(v, false));
                }
                Ok(Value::String(out))
            }
            "format" => {
                arity(name, n, 1, usize::MAX)?;
                let f = s(name, a0)?;
                format_string(f, a.get(1..).unwrap_or_default())
            }
            "string" => {
                arity(name, n, 1, 1)?;
                if let Some(u) = a0.first_unknown() {
                    return Ok(Value::Unknown(u.clone()));
                }
                Ok(Value::String(text(a0, false)))
            }
            "tolower" => { arity(name, n, 1, 1)?; Ok(s(name, a0)?.to_lowercase().into()) }
            "toupper" => { arity(name, n, 1, 1)?; Ok(s(name, a0)?.to_uppercase().into()) }
            "trim" => { arity(name, n, 1, 1)?; Ok(s(name, a0)?.trim().into()) }
            "replace" => {
                arity(name, n, 3, 3)?;
                let (t, from, to) = (s(name, a0)?, s(name, a1)?, s(name, get(&a, 2))?);
                if from.is_empty() {
                    return Ok(t.into());
                }
                Ok(t.replace(from, to).into())
            }
            "split" => {
                arity(name, n, 2, 2)?;
                let t = s(name, a0)?;
                let delims: Vec<String> = match a1 {
                    Value::String(d) => vec![d.clone()],
                    Value::Array(ds) => ds.iter().map(|d| s(name, d).map(str::to_owned)).collect::<Result<_, _>>()?,
                    other => return Err(type_err(name, "a delimiter string or array", other)),
                };
                let mut parts = vec![t.to_owned()];
                for d in delims.iter().filter(|d| !d.is_empty()) {
                    parts = parts.iter().flat_map(|p| p.split(d.as_str()).map(str::to_owned).collect::<Vec<_>>()).collect();
                }
                Ok(Value::Array(parts.into_iter().map(Value::String).collect()))
            }
            "join" => {
                arity(name, n, 2, 2)?;
                let Value::Array(items) = a0 else { return Err(type_err(name, "an array", a0)) };
                if let Some(u) = any_unknown(items) {
                    return Ok(u);
                }
                let d = s(name, a1)?;
                Ok(items.iter().map(|v| text(v, false)).collect::<Vec<_>>().join(d).into())
            }
            "substring" => {
                arity(name, n, 2, 3)?;
                let t: Vec<char> = s(name, a0)?.chars().collect();
                let start = int(name, a1)?;
                let len = match a.get(2) {
                    Some(l) => int(name, l)?,
                    None => i64::try_from(t.len()).unwrap_or(0).saturating_sub(start),
                };
                let total = i64::try_from(t.len()).unwrap_or(0);
                if start < 0 || len < 0 || start.saturating_add(len) > total {
                    return Err(err(
                        ErrorKind::Type,
                        format!("`substring`: start {start} and length {len} fall outside a string of length {total}"),
                    ));
                }
                let st = usize::try_from(start).unwrap_or(0);
                let ln = usize::try_from(len).unwrap_or(0);
                Ok(t.iter().skip(st).take(ln).collect::<String>().into())
            }
            "padleft" => {
                arity(name, n, 2, 3)?;
                let t = text(a0, false);
                let width = usize::try_from(int(name, a1)?).unwrap_or(0).min(16_384);
                let pad = match a.get(2) {
                    Some(p) => s(name, p)?.chars().next().unwrap_or(' '),
                    None => ' ',
                };
                let len = t.chars().count();
                let mut out: String = std::iter::repeat_n(pad, width.saturating_sub(len)).collect();
                out.push_str(&t);
                Ok(out.into())
            }
            "startswith" | "endswith" => {
                arity(name, n, 2, 2)?;
                let (t, p) = (s(name, a0)?.to_lowercase(), s(name, a1)?.to_lowercase());
                Ok(Value::Bool(if lname == "startswith" { t.starts_with(&p) } else { t.ends_with(&p) }))
            }
            "indexof" | "lastindexof" => {
                arity(name, n, 2, 2)?;
                if let Some(u) = any_unknown(&a) {
                    return Ok(u);
                }
                let pos: Option<usize> = match a0 {
                    Value::String(t) => {
                        let (t, p) = (t.to_lowercase(), s(name, a1)?.to_lowercase());
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
                    other => return Err(type_err(name, "a string or an array", other)),
                };
                Ok(Value::Int(pos.and_then(|p| i64::try_from(p).ok()).unwrap_or(-1)))
            }
            "base64" => { arity(name, n, 1, 1)?; Ok(base64_encode(s(name, a0)?.as_bytes()).into()) }
            "base64tostring" => { arity(name, n, 1, 1)?; Ok(utf8(name, base64_decode(name, s(name, a0)?)?)?.into()) }
            "base64tojson" => {
                arity(name, n, 1, 1)?;
                let t = utf8(name, base64_decode(name, s(name, a0)?)?)?;
                crate::json::parse(&t).map_err(|e| err(ErrorKind::Type, format!("`{name}`: {e}")))
            }
            "datauri" => {
                arity(name, n, 1, 1)?;
                Ok(format!("data:text/plain;charset=utf8;base64,{}", base64_encode(text(a0, false).as_bytes())).into())
            }
            "datauritostring" => {
                arity(name, n, 1, 1)?;
                let t = s(name, a0)?;
                let data = t.split_once(',').map(|(_, d)| d).ok_or_else(|| type_err(name, "a data URI", a0))?;
                if t.contains(";base64,") {
                    Ok(utf8(name, base64_decode(name, data)?)?.into())
                } else {
                    Ok(uri_unescape(data).into())
                }
            }
            "uricomponent" => { arity(name, n, 1, 1)?; Ok(uri_escape(s(name, a0)?).into()) }
            "uricomponenttostring" => { arity(name, n, 1, 1)?; Ok(uri_unescape(s(name, a0)?).into()) }
            "uri" => {
                arity(name, n, 2, 2)?;
                let (base, rel) = (s(name, a0)?, s(name, a1)?);
                if rel.contains("://") {
                    return Ok(rel.into());
                }
                let scheme_end = base.find("://").map_or(0, |i| i + 3);
                let host_end = base.get(scheme_end..).and_then(|r| r.find('/')).map_or(base.len(), |i| i + scheme_end);
                let out = if rel.starts_with('/') {
                    format!("{}{}", base.get(..host_end).unwrap_or(base), rel)
                } else {
                    let dir_end = base.rfind('/').filter(|i| *i >= host_end).map_or(base.len(), |i| i + 1);
                    let prefix = base.get(..dir_end).unwrap_or(base);
                    if dir_end == base.len() && !prefix.ends_with('/') {
                        format!("{prefix}/{rel}")
                    } else {
                        format!("{prefix}{rel}")
                    }
                };
                Ok(out.into())
            }
            "guid" | "uniquestring" => {
                arity(name, n, 1, usize::MAX)?;
                let parts: Vec<&str> = a.iter().map(|v| s(name, v)).collect::<Result<_, _>>()?;
                Ok(if lname == "guid" { hash::guid(&parts) } else { hash::unique_string(&parts) }.into())
            }
            "json" => {
                arity(name, n, 1, 1)?;
                if a0.is_unknown() {
                    return Ok(a0.clone());
                }
                let t = s(name, a0)?;
                crate::json::parse(t).map_err(|e| err(ErrorKind::Type, format!("`json`: `{t}` is not json: {e}")))
            }
            // ---- arrays and objects
            "createarray" => Ok(Value::Array(a)),
            "array" => {
                arity(name, n, 1, 1)?;
                Ok(match a0 {
                    Value::Array(_) | Value::Unknown(_) => a0.clone(),
                    other => Value::Array(vec![other.clone()]),
                })
            }
            "createobject" => {
                if n % 2 != 0 {
                    return Err(err(ErrorKind::Arity, format!("`{name}` takes pairs of key and value, {n} argument(s) given")));
                }
                let mut m = Map::new();
                for pair in a.chunks_exact(2) {
                    if let [k, v] = pair {
                        if k.is_unknown() {
                            return Ok(k.clone());
                        }
                        m.insert(s(name, k)?.to_owned(), v.clone());
                    }
                }
                Ok(Value::Object(m))
            }
            "empty" => {
                arity(name, n, 1, 1)?;
                if a0.is_unknown() {
                    return Ok(a0.clone());
                }
                Ok(Value::Bool(is_empty(a0)))
            }
            "length" => {
                arity(name, n, 1, 1)?;
                let len = match a0 {
                    Value::String(t) => t.chars().count(),
                    Value::Array(x) => x.len(),
                    Value::Object(m) => m.len(),
                    Value::Unknown(_) => return Ok(a0.clone()),
                    other => return Err(type_err(name, "a string, an array or an object", other)),
                };
                Ok(Value::Int(i64::try_from(len).unwrap_or(i64::MAX)))
            }
            "contains" => {
                arity(name, n, 2, 2)?;
                if let Some(u) = any_unknown(&a) {
                    return Ok(u);
                }
                match a0 {
                    Value::String(t) => Ok(Value::Bool(t.contains(&text(a1, false)))),
                    Value::Array(items) => {
                        if items.iter().any(|v| v.first_unknown().is_none() && equal(v, a1)) {
                            return Ok(Value::Bool(true));
                        }
                        match items.iter().find_map(Value::first_unknown) {
                            Some(u) => Ok(Value::Unknown(u.clone())),
                            None => Ok(Value::Bool(false)),
                        }
                    }
                    Value::Object(_) => Ok(Value::Bool(a0.get_ci(&text(a1, false)).is_some())),
                    other => Err(type_err(name, "a string, an array or an object", other)),
                }
            }
            "first" | "last" => {
                arity(name, n, 1, 1)?;
                match a0 {
                    Value::Array(items) => Ok(if lname == "first" { items.first() } else { items.last() }.cloned().unwrap_or(Value::Null)),
                    Value::String(t) => Ok(if lname == "first" { t.chars().next() } else { t.chars().last() }
                        .map_or(String::new(), String::from)
                        .into()),
                    Value::Unknown(_) => Ok(a0.clone()),
                    other => Err(type_err(name, "an array or a string", other)),
                }
            }
            "skip" | "take" => {
                arity(name, n, 2, 2)?;
                if a0.is_unknown() || a1.is_unknown() {
                    return Ok(if a0.is_unknown() { a0.clone() } else { a1.clone() });
                }
                let k = usize::try_from(int(name, a1)?.max(0)).unwrap_or(0);
                match a0 {
                    Value::Array(items) => Ok(Value::Array(if lname == "skip" {
                        items.iter().skip(k).cloned().collect()
                    } else {
                        items.iter().take(k).cloned().collect()
                    })),
                    Value::String(t) => Ok(if lname == "skip" {
                        t.chars().skip(k).collect::<String>()
                    } else {
                        t.chars().take(k).collect::<String>()
                    }
                    .into()),
                    other => Err(type_err(name, "an array or a string", other)),
                }
            }
            "union" => {
                arity(name, n, 1, usize::MAX)?;
                if let Some(u) = any_unknown(&a) {
                    return Ok(u);
                }
                let mut acc = a0.clone();
                if !matches!(acc, Value::Array(_) | Value::Object(_)) {
                    return Err(type_err(name, "arrays or objects", &acc));
                }
                for v in a.iter().skip(1) {
                    if std::mem::discriminant(v) != std::mem::discriminant(&acc) {
                        return Err(type_err(name, "arguments of one kind (arrays or objects)", v));
                    }
                    acc = union_values(&acc, v);
                }
                Ok(acc)
            }
            "intersection" => {
                arity(name, n, 2, usize::MAX)?;
                match a0 {
                    Value::Array(first) => {
                        let out: Vec<Value> = first
                            .iter()
                            .filter(|v| a.iter().skip(1).all(|o| o.as_array().is_some_and(|arr| arr.iter().any(|w| equal(v, w)))))
                            .cloned()
                            .collect();
                        Ok(Value::Array(out))
                    }
                    Value::Object(first) => {
                        let out: Map = first
                            .iter()
                            .filter(|(k, v)| a.iter().skip(1).all(|o| o.get_ci(k).is_some_and(|w| equal(v, w))))
                            .map(|(k, v)| (k.clone(), v.clone()))
                            .collect();
                        Ok(Value::Object(out))
                    }
                    other => Err(type_err(name, "arrays or objects", other)),
                }
            }
            "flatten" => {
                arity(name, n, 1, 1)?;
                let Value::Array(items) = a0 else {
                    return if a0.is_unknown() { Ok(a0.clone()) } else { Err(type_err(name, "an array of arrays", a0)) };
                };
                let mut out = Vec::new();
                for v in items {
                    match v {
                        Value::Array(inner) => out.extend(inner.iter().cloned()),
                        Value::Unknown(_) => return Ok(v.clone()),
                        other => return Err(type_err(name, "an array of arrays", other)),
                    }
                }
                Ok(Value::Array(out))
            }
            "items" => {
                arity(name, n, 1, 1)?;
                let Value::Object(m) = a0 else {
                    return if a0.is_unknown() { Ok(a0.clone()) } else { Err(type_err(name, "an object", a0)) };
                };
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort_by_key(|k| k.to_lowercase());
                Ok(Value::Array(
                    keys.into_iter()
                        .map(|k| {
                            let mut e = Map::new();
                            e.insert("key".into(), k.clone().into());
                            e.insert("value".into(), m.get(k).cloned().unwrap_or(Value::Null));
                            Value::Object(e)
                        })
                        .collect(),
                ))
            }
            "objectkeys" => {
                arity(name, n, 1, 1)?;
                let Value::Object(m) = a0 else {
                    return if a0.is_unknown() { Ok(a0.clone()) } else { Err(type_err(name, "an object", a0)) };
                };
                Ok(Value::Array(m.keys().map(|k| Value::String(k.clone())).collect()))
            }
            "shallowmerge" => {
                arity(name, n, 1, 1)?;
                let Value::Array(items) = a0 else {
                    return if a0.is_unknown() { Ok(a0.clone()) } else { Err(type_err(name, "an array of objects", a0)) };
                };
                let mut out = Map::new();
                for v in items {
                    match v {
                        Value::Object(m) => out.extend(m.iter().map(|(k, v)| (k.clone(), v.clone()))),
                        Value::Unknown(_) => return Ok(v.clone()),
                        other => return Err(type_err(name, "an array of objects", other)),
                    }
                }
                Ok(Value::Object(out))
            }
            "tryget" => {
                arity(name, n, 2, usize::MAX)?;
                let mut cur = a0.clone();
                for k in a.iter().skip(1) {
                    cur = match (&cur, k) {
                        (Value::Unknown(_), _) => return Ok(cur),
                        (_, Value::Unknown(_)) => return Ok(k.clone()),
                        (Value::Object(_), Value::String(key)) => cur.get_ci(key).cloned().unwrap_or(Value::Null),
                        (Value::Array(items), idx) => match idx.as_i64().and_then(|i| usize::try_from(i).ok()) {
                            Some(i) => items.get(i).cloned().unwrap_or(Value::Null),
                            None => Value::Null,
                        },
                        _ => Value::Null,
                    };
                }
                Ok(cur)
            }
            "indexfromend" | "tryindexfromend" => {
                arity(name, n, 2, 2)?;
                let Value::Array(items) = a0 else { return Err(type_err(name, "an array", a0)) };
                let k = int(name, a1)?;
                let len = i64::try_from(items.len()).unwrap_or(0);
                let got = usize::try_from(len.saturating_sub(k)).ok().filter(|_| k >= 1).and_then(|i| items.get(i)).cloned();
                match got {
                    Some(v) => Ok(v),
                    None if lname == "tryindexfromend" => Ok(Value::Null),
                    None => Err(err(ErrorKind::Type, format!("`{name}`: index {k} is out of range"))),
                }
            }
            // ---- resource ids
            "resourceid" => {
                arity(name, n, 2, usize::MAX)?;
                let tpos = a.iter().position(looks_like_type).ok_or_else(|| {
                    err(ErrorKind::Type, format!("`{name}`: no argument is a resource type like `Microsoft.Ns/type`"))
                })?;
                let t = s(name, get(&a, tpos))?.to_owned();
                let (sub, rg) = match tpos {
                    0 => (self.info.scope.subscription_id.clone(), Some(self.info.scope.resource_group.clone())),
                    1 => (self.info.scope.subscription_id.clone(), Some(text(a0, false))),
                    2 => (text(a0, false), Some(text(a1, false))),
                    _ => return Err(err(ErrorKind::Arity, format!("`{name}`: too many arguments before the resource type"))),
                };
                if let Some(u) = any_unknown(a.get(..tpos).unwrap_or_default()) {
                    return Ok(u);
                }
                match typed_suffix(name, &t, a.get(tpos + 1..).unwrap_or_default())? {
                    Err(u) => Ok(u),
                    Ok(suffix) => Ok(match rg {
                        Some(rg) => format!("/subscriptions/{sub}/resourceGroups/{rg}{suffix}"),
                        None => format!("/subscriptions/{sub}{suffix}"),
                    }
                    .into()),
                }
            }
            "subscriptionresourceid" => {
                arity(name, n, 2, usize::MAX)?;
                let tpos = a.iter().position(looks_like_type).ok_or_else(|| {
                    err(ErrorKind::Type, format!("`{name}`: no argument is a resource type like `Microsoft.Ns/type`"))
                })?;
                let sub = match tpos {
                    0 => self.info.scope.subscription_id.clone(),
                    1 => text(a0, false),
                    _ => return Err(err(ErrorKind::Arity, format!("`{name}`: too many arguments before the resource type"))),
                };
                let t = s(name, get(&a, tpos))?.to_owned();
                match typed_suffix(name, &t, a.get(tpos + 1..).unwrap_or_default())? {
                    Err(u) => Ok(u),
                    Ok(suffix) => Ok(format!("/subscriptions/{sub}{suffix}").into()),
                }
            }
            "tenantresourceid" => {
                arity(name, n, 2, usize::MAX)?;
                let t = s(name, a0)?.to_owned();
                match typed_suffix(name, &t, a.get(1..).unwrap_or_default())? {
                    Err(u) => Ok(u),
                    Ok(suffix) => Ok(suffix.into()),
                }
            }
            "managementgroupresourceid" => {
                arity(name, n, 2, usize::MAX)?;
                let tpos = a.iter().position(looks_like_type).ok_or_else(|| {
                    err(ErrorKind::Type, format!("`{name}`: no argument is a resource type like `Microsoft.Ns/type`"))
                })?;
                if tpos == 0 {
                    return Ok(Value::unknown("the management group is not known for a resource group deployment"));
                }
                let mg = text(a0, false);
                let t = s(name, get(&a, tpos))?.to_owned();
                match typed_suffix(name, &t, a.get(tpos + 1..).unwrap_or_default())? {
                    Err(u) => Ok(u),
                    Ok(suffix) => Ok(format!("/providers/Microsoft.Management/managementGroups/{mg}{suffix}").into()),
                }
            }
            "extensionresourceid" => {
                arity(name, n, 3, usize::MAX)?;
                let base = s(name, a0)?.trim_end_matches('/').to_owned();
                let t = s(name, a1)?.to_owned();
                match typed_suffix(name, &t, a.get(2..).unwrap_or_default())? {
                    Err(u) => Ok(u),
                    Ok(suffix) => Ok(format!("{base}{suffix}").into()),
                }
            }
            "parsecidr" | "cidrsubnet" | "cidrhost" => {
                arity(name, n, if lname == "parsecidr" { 1 } else { 2 }, if lname == "cidrsubnet" { 3 } else { 2 })?;
                let net_text = s(name, a0)?;
                let Some((addr, prefix)) = parse_cidr4(net_text) else {
                    return match parse_cidr6(net_text) {
                        Some((addr6, prefix6)) => cidr6(name, lname, addr6, prefix6, a1, get(&a, 2)),
                        None => Err(err(ErrorKind::Type, format!("`{name}`: `{net_text}` is not an IPv4 or IPv6 range in CIDR notation"))),
                    };
                };
                let size: u64 = 1u64 << (32 - u32::from(prefix));
                let mask: u32 = if prefix == 0 { 0 } else { u32::MAX << (32 - u32::from(prefix)) };
                let network = addr & mask;
                match lname {
                    "parsecidr" => {
                        let broadcast = network | !mask;
                        let mut m = Map::new();
                        m.insert("network".into(), ip4(network).into());
                        m.insert("netmask".into(), ip4(mask).into());
                        m.insert("broadcast".into(), ip4(broadcast).into());
                        let (first, last) = if prefix >= 31 { (network, broadcast) } else { (network + 1, broadcast - 1) };
                        m.insert("firstUsable".into(), ip4(first).into());
                        m.insert("lastUsable".into(), ip4(last).into());
                        m.insert("cidr".into(), Value::Int(i64::from(prefix)));
                        Ok(Value::Object(m))
                    }
                    "cidrsubnet" => {
                        let new_prefix = int(name, a1)?;
                        let index = int(name, get(&a, 2))?;
                        if !(i64::from(prefix)..=32).contains(&new_prefix) {
                            return Err(err(ErrorKind::Type, format!("`{name}`: new prefix /{new_prefix} does not fit in /{prefix}")));
                        }
                        let sub_size = 1u64 << (32 - new_prefix);
                        let count = size / sub_size;
                        let idx = u64::try_from(index).ok().filter(|i| *i < count).ok_or_else(|| {
                            err(ErrorKind::Type, format!("`{name}`: subnet index {index} is outside 0..{count}"))
                        })?;
                        let start = u64::from(network) + idx * sub_size;
                        Ok(format!("{}/{new_prefix}", ip4(u32::try_from(start).unwrap_or(0))).into())
                    }
                    _ => {
                        let index = int(name, a1)?;
                        let usable = if prefix >= 31 { size } else { size.saturating_sub(2) };
                        let idx = u64::try_from(index).ok().filter(|i| *i < usable).ok_or_else(|| {
                            err(ErrorKind::Type, format!("`{name}`: host index {index} is outside the range"))
                        })?;
                        let offset = if prefix >= 31 { 0 } else { 1 };
                        Ok(ip4(u32::try_from(u64::from(network) + offset + idx).unwrap_or(0)).into())
                    }
                }
            }
            "datetimefromepoch" => {
                arity(name, n, 1, 1)?;
                let secs = int(name, a0)?;
                let days = secs.div_euclid(86_400);
                let rem = secs.rem_euclid(86_400);
                let (y, m, d) = civil_from_days(days);
                Ok(format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60).into())
            }
            "datetimetoepoch" => {
                arity(name, n, 1, 1)?;
                let t = s(name, a0)?;
                parse_utc(t)
                    .map(Value::Int)
                    .ok_or_else(|| err(ErrorKind::Type, format!("`{name}`: `{t}` is not a UTC date-time like `2023-05-02T15:16:13Z`")))
            }
            "datetimeadd" => {
                arity(name, n, 2, 3)?;
                let t = s(name, a0)?;
                let d = s(name, a1)?;
                let base = parse_utc(t)
                    .ok_or_else(|| err(ErrorKind::Type, format!("`{name}`: `{t}` is not a UTC date-time like `2023-05-02T15:16:13Z`")))?;
                let delta = parse_duration(d)
                    .ok_or_else(|| err(ErrorKind::Type, format!("`{name}`: `{d}` is not an ISO 8601 duration like `P1DT2H`")))?;
                if n == 3 {
                    return Ok(Value::unknown(format!("`{name}` with an output format is not evaluated by amlguard")));
                }
                let secs = checked(name, base.checked_add(delta))?;
                let Value::Int(secs) = secs else { return Ok(secs) };
                let days = secs.div_euclid(86_400);
                let rem = secs.rem_euclid(86_400);
                let (y, m, dd) = civil_from_days(days);
                Ok(format!("{y:04}-{m:02}-{dd:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60).into())
            }
            _ => Err(err(ErrorKind::UnknownFunction, format!("unknown function `{name}`"))),
        }
    }
}
