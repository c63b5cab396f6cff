//! ARM template functions: everything that can be known before deployment,
//! computed; everything else (`reference`, `list*`, `newGuid`, `utcNow`, …)
//! an [`Value::Unknown`] that says why. The functions ARM shares with Azure
//! Policy are `crate::template_fns` (ARM dialect); this file keeps the
//! evaluator's own: lazy `if`/`and`/`or`/`coalesce`, `parameters`,
//! `variables`, `copyIndex`, lambdas, scope objects, `reference`, resource
//! ids, `cidr*`, `guid`/`uniqueString`.

use super::error::{ErrorKind, EvalError};
use super::eval::Evaluator;
use super::expr::{Expr, Func};
use super::hash;
use std::borrow::{Borrow, Cow};
use crate::model::provider_suffix;
use crate::template_fns::{self, Dialect, FnErrorKind};
use crate::value::{Map, Value};

type R = Result<Value, EvalError>;

fn err(kind: ErrorKind, message: impl Into<String>) -> EvalError {
    EvalError::new(kind, message)
}

fn arity(name: &str, n: usize, min: usize, max: usize) -> Result<(), EvalError> {
    template_fns::arity(name, n, min, max).map_err(from_fn_error)
}

fn type_err(name: &str, what: &str, v: &Value) -> EvalError {
    err(ErrorKind::Type, format!("`{name}` expects {what}, found {}", v.type_name()))
}

/// The first top-level unknown among the arguments.
fn any_unknown<V: Borrow<Value>>(args: &[V]) -> Option<Value> {
    args.iter().map(Borrow::borrow).find(|a| a.is_unknown()).cloned()
}

fn get<V: Borrow<Value>>(args: &[V], i: usize) -> &Value {
    const NULL: Value = Value::Null;
    args.get(i).map_or(&NULL, Borrow::borrow)
}

fn s<'v>(name: &str, v: &'v Value) -> Result<&'v str, EvalError> {
    v.as_str().ok_or_else(|| type_err(name, "a string", v))
}

fn int(name: &str, v: &Value) -> Result<i64, EvalError> {
    v.as_i64().ok_or_else(|| type_err(name, "an integer", v))
}

/// Text of a value in a resource id (null is empty).
fn text(v: &Value) -> String {
    template_fns::concat_text(v)
}

fn from_fn_error(e: template_fns::FnError) -> EvalError {
    let kind = match e.kind {
        FnErrorKind::Arity => ErrorKind::Arity,
        FnErrorKind::Type => ErrorKind::Type,
        FnErrorKind::Limit => ErrorKind::Limit,
    };
    err(kind, e.message)
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

/// Segments of `/`-separated `t` (counted by bytes: this runs per resource id).
fn segments(t: &str) -> usize {
    t.bytes().filter(|b| *b == b'/').count().saturating_add(1)
}

fn split_type(name: &str, t: &str) -> Result<usize, EvalError> {
    let segments = segments(t);
    // (an empty segment: a leading or trailing `/`, or `//`)
    if segments < 2 || t.starts_with('/') || t.ends_with('/') || t.as_bytes().windows(2).any(|w| w == b"//") {
        return Err(err(ErrorKind::Type, format!("`{name}`: `{t}` is not a resource type")));
    }
    Ok(segments - 1)
}

/// `/providers/{type with names}` for the resource-id functions.
fn typed_suffix(name: &str, t: &str, names: &[Cow<'_, Value>]) -> Result<Result<String, Value>, EvalError> {
    if let Some(u) = any_unknown(names) {
        return Ok(Err(u));
    }
    // The names joined with `/` (null is empty), built in place.
    let mut joined = String::with_capacity(names.iter().map(|n| n.as_str().map_or(8, str::len).saturating_add(1)).sum());
    for (i, n) in names.iter().enumerate() {
        if i > 0 {
            joined.push('/');
        }
        match &**n {
            Value::String(s) => joined.push_str(s),
            Value::Null => {}
            other => {
                use std::fmt::Write;
                let _ = write!(joined, "{other}");
            }
        }
    }
    let want = split_type(name, t)?;
    let have = segments(&joined);
    if want != have {
        return Err(err(
            ErrorKind::Type,
            format!("`{name}`: type `{t}` needs {want} name segment(s), `{joined}` has {have}"),
        ));
    }
    Ok(Ok(provider_suffix(t, &joined)))
}

/// [`text`] borrowed when the value is a string.
fn text_cow(v: &Value) -> Cow<'_, str> {
    match v {
        Value::String(s) => Cow::Borrowed(s),
        other => Cow::Owned(text(other)),
    }
}

/// `parts` concatenated, sized once.
fn joined(parts: &[&str]) -> Value {
    let mut out = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        out.push_str(p);
    }
    Value::String(out)
}

/// A string with a `/` whose first segment holds a `.` (`Ns.Provider/type`).
fn looks_like_type(v: &Value) -> bool {
    v.as_str().is_some_and(|s| {
        let b = s.as_bytes();
        b.iter().position(|&c| c == b'/').is_some_and(|i| b.get(..i).is_some_and(|ns| ns.contains(&b'.')))
    })
}

/// Members of `resourceGroup()`, `subscription()` and `tenant()`, in order.
const RESOURCE_GROUP_KEYS: &[&str] = &["id", "name", "type", "location", "tags", "managedBy", "properties"];
const SUBSCRIPTION_KEYS: &[&str] = &["id", "subscriptionId", "tenantId", "displayName"];
const TENANT_KEYS: &[&str] = &["id", "tenantId", "countryCode", "displayName"];

/// The members of scope function `lname` (`resourcegroup`, `subscription`,
/// else `tenant`), in order.
fn scope_keys(lname: &str) -> &'static [&'static str] {
    match lname {
        "resourcegroup" => RESOURCE_GROUP_KEYS,
        "subscription" => SUBSCRIPTION_KEYS,
        _ => TENANT_KEYS,
    }
}

/// Functions evaluated by [`Evaluator::call_lazy`].
const LAZY: &[&str] = &[
    "if", "and", "or", "coalesce", "parameters", "variables", "lambdavariables", "copyindex", "lambda", "filter", "map",
    "sort", "groupby", "mapvalues", "reduce", "toobject",
];

/// What call name `name` resolves to (see [`Func`]), in the order the
/// evaluator looks: its lazy functions, user functions (`ns.name`), the
/// shared library, then its own.
#[cfg(test)]
pub(crate) fn resolve(name: &str, args: &[Expr]) -> Func {
    resolve_call(name, args).0
}

/// [`resolve`], and whether `name` is spelled in lower case.
pub(crate) fn resolve_call(name: &str, args: &[Expr]) -> (Func, bool) {
    // `parameters('p')` and `variables('v')`, spelled so, are a third of all
    // calls: found without lower-casing or hashing the name.
    match (name, args) {
        ("parameters", [Expr::Str(Value::String(k))]) => return (Func::Parameter(k.to_ascii_lowercase().into()), true),
        ("variables", [Expr::Str(Value::String(k))]) => return (Func::Variable(k.to_ascii_lowercase().into()), true),
        _ => {}
    }
    let already = !name.bytes().any(|b| b.is_ascii_uppercase());
    // Lower case without allocating for the usual short names.
    let mut buf = [0u8; 32];
    let lower: Cow<'_, str> = match buf.get_mut(..name.len()) {
        // (Already lower case, as many names are: used as it is.)
        _ if already => name.into(),
        Some(b) => {
            b.copy_from_slice(name.as_bytes());
            b.make_ascii_lowercase();
            std::str::from_utf8(b).map_or_else(|_| name.to_ascii_lowercase().into(), Into::into)
        }
        None => name.to_ascii_lowercase().into(),
    };
    let lname: &str = &lower;
    let func = match known().get(lname) {
        // `parameters('p')`, `variables('v')`: the key, lower-cased once.
        Some(Known::Lazy(l)) => match (*l, args) {
            ("parameters", [Expr::Str(Value::String(k))]) => Func::Parameter(k.to_ascii_lowercase().into()),
            ("variables", [Expr::Str(Value::String(k))]) => Func::Variable(k.to_ascii_lowercase().into()),
            _ => Func::Lazy(l),
        },
        Some(Known::Shared(n)) => Func::Shared(n),
        Some(Known::Own(n)) => Func::Other(Cow::Borrowed(n)),
        None if lname.contains('.') => Func::User,
        None => Func::Other(Cow::Owned(lname.to_owned())),
    };
    (func, already)
}

/// The lower-case name `func` stands for, when it is one of the tables'
/// (a call spelled so keeps it as its name, borrowed).
pub(crate) fn spelling(func: &Func) -> Option<&'static str> {
    match func {
        Func::Lazy(l) | Func::Shared(l) | Func::Other(Cow::Borrowed(l)) => Some(l),
        Func::Parameter(_) => Some("parameters"),
        Func::Variable(_) => Some("variables"),
        Func::Other(Cow::Owned(_)) | Func::User => None,
    }
}

/// Which table a known function name is in.
#[derive(Clone, Copy)]
enum Known {
    Lazy(&'static str),
    Shared(&'static str),
    Own(&'static str),
}

/// Every known function name (lower case) and its table, built once: the
/// lazy functions win over the shared ones (`and`, `or` are in both).
fn known() -> &'static super::eval::FastMap<&'static str, Known> {
    static KNOWN: std::sync::OnceLock<super::eval::FastMap<&'static str, Known>> = std::sync::OnceLock::new();
    KNOWN.get_or_init(|| {
        let mut m = super::eval::FastMap::default();
        m.extend(template_fns::NAMES.iter().map(|n| (*n, Known::Shared(n))));
        m.extend(OWN.iter().map(|n| (*n, Known::Own(n))));
        m.extend(LAZY.iter().map(|n| (*n, Known::Lazy(n))));
        m
    })
}

/// ARM's own functions (`builtin`), lower case, the usual ones first: a call
/// to one names it without an allocation.
const OWN: &[&str] = &[
    "resourceid", "reference", "resourcegroup", "uniquestring", "environment", "subscriptionresourceid", "subscription",
    "guid", "extensionresourceid", "deployment", "tenantresourceid", "tenant", "managementgroupresourceid",
    "managementgroup", "newguid", "utcnow", "parsecidr", "cidrsubnet", "cidrhost", "pickzones", "providers", "references",
];

impl Evaluator<'_> {
    fn eval_args(&mut self, args: &[Expr]) -> Result<Vec<Value>, EvalError> {
        // (Sized once: a collected `Result` would start from room for four.)
        let mut vals = Vec::with_capacity(args.len());
        for a in args {
            vals.push(self.eval(a)?);
        }
        Ok(vals)
    }

    fn lambda<'e>(&self, name: &str, e: Option<&'e Expr>, params: usize) -> Result<(Vec<String>, &'e Expr), EvalError> {
        match e {
            Some(Expr::Call { func: Func::Lazy("lambda"), args, .. }) => {
                let (body, names) = args
                    .split_last()
                    .ok_or_else(|| err(ErrorKind::Arity, "`lambda` needs at least a body"))?;
                let mut out = Vec::new();
                for n in names {
                    match n {
                        Expr::Str(Value::String(s)) => out.push(s.clone()),
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

    /// Call function `name` (resolved to `func`) with unevaluated `args`.
    /// Kept small: it is on the recursion path of nested calls, so its
    /// stack frame bounds how deep an expression can nest.
    pub fn call(&mut self, name: &str, func: &Func, args: &[Expr]) -> R {
        match func {
            Func::Lazy(l) => self.call_lazy(l, name, args),
            Func::Parameter(key) | Func::Variable(key) => {
                // (as `call_lazy` does for a literal name: one level deeper)
                self.touch()?;
                let literal = match args.first() {
                    Some(Expr::Str(Value::String(k))) => k.as_str(),
                    _ => "",
                };
                if matches!(func, Func::Parameter(_)) {
                    self.parameter_keyed(literal, key)
                } else {
                    self.variable_keyed(literal, key)
                }
            }
            Func::Shared(l) => self.call_shared(l, name, args),
            Func::User => {
                let vals = self.eval_args(args)?;
                self.user_function(name, vals)
            }
            Func::Other(l) => self.with_args(args, |ev, v| ev.builtin(l, name, v)),
        }
    }

    /// `f` of the evaluated `args` (these functions only read them): up to
    /// three (most calls) in an array on the stack, not a new vector, and
    /// string literals lent, not copied.
    fn with_args(&mut self, args: &[Expr], f: impl FnOnce(&mut Self, &[Cow<'_, Value>]) -> R) -> R {
        match args {
            [a] => {
                let v = [self.lend(a)?];
                f(self, &v)
            }
            [a, b] => {
                let v = [self.lend(a)?, self.lend(b)?];
                f(self, &v)
            }
            [a, b, c] => {
                let v = [self.lend(a)?, self.lend(b)?, self.lend(c)?];
                f(self, &v)
            }
            _ => {
                let mut v = Vec::with_capacity(args.len());
                for a in args {
                    v.push(self.lend(a)?);
                }
                f(self, &v)
            }
        }
    }

    /// A shared function (see [`Evaluator::with_args`]).
    #[inline(never)]
    fn call_shared(&mut self, l: &str, name: &str, args: &[Expr]) -> R {
        self.with_args(args, |_, v| template_fns::call_known(Dialect::Arm, l, name, v).map_err(from_fn_error))
    }

    /// `e` evaluated, a string literal lent as it is (at the depth an
    /// evaluation would check).
    fn lend<'e>(&mut self, e: &'e Expr) -> Result<Cow<'e, Value>, EvalError> {
        match e {
            Expr::Str(v) => {
                self.touch()?;
                Ok(Cow::Borrowed(v))
            }
            other => self.eval(other).map(Cow::Owned),
        }
    }

    /// Functions that control the evaluation of their arguments.
    #[inline(never)]
    fn call_lazy(&mut self, lname: &str, name: &str, args: &[Expr]) -> R {
        let n = args.len();
        // Functions that control evaluation of their arguments.
        match lname {
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
                let owned;
                let key = match args.first() {
                    // A literal name (the usual case) is used as it is.
                    Some(Expr::Str(Value::String(k))) => {
                        self.touch()?;
                        k.as_str()
                    }
                    other => {
                        owned = self.eval(other.unwrap_or(&Expr::Int(0)))?;
                        s(name, &owned)?
                    }
                };
                match lname {
                    "parameters" => self.parameter(key),
                    "variables" => self.variable(key),
                    _ => self.lambda_variable(key),
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
                let max_params = match lname {
                    "map" | "filter" => 2,
                    "sort" => 2,
                    _ => 1,
                };
                let (names, body) = self.lambda(name, args.get(1), max_params)?;
                self.lambda_fn(lname, name, coll, &names, body)
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
        let keys = scope_keys(lname);
        let mut m = Map::with_capacity(keys.len());
        for k in keys {
            m.insert((*k).into(), self.scope_entry(lname, k));
        }
        Value::Object(m)
    }

    /// Member `key` (one of the scope's keys, as spelled there) of
    /// `resourceGroup()`, `subscription()` or `tenant()` (`lname`).
    fn scope_entry(&self, lname: &str, key: &str) -> Value {
        let sc = &self.info.scope;
        match (lname, key) {
            ("resourcegroup", "id") => sc.resource_group_id().into(),
            ("resourcegroup", "name") => sc.resource_group.clone().into(),
            ("resourcegroup", "type") => "Microsoft.Resources/resourceGroups".into(),
            ("resourcegroup", "location") => sc.location.clone().into(),
            ("resourcegroup", "tags") => Value::Object(Map::new()),
            ("resourcegroup", "managedBy") => Value::unknown("the resource group's `managedBy` is not known before deployment"),
            ("resourcegroup", _) => {
                let mut p = Map::new();
                p.insert("provisioningState".into(), "Succeeded".into());
                Value::Object(p)
            }
            ("subscription", "id") => format!("/subscriptions/{}", sc.subscription_id).into(),
            ("subscription", "subscriptionId") => sc.subscription_id.clone().into(),
            (_, "tenantId") => sc.tenant_id.clone().into(),
            ("subscription", _) => Value::unknown("the subscription's display name is not known before deployment"),
            (_, "id") => format!("/tenants/{}", sc.tenant_id).into(),
            (_, "countryCode") => Value::unknown("the tenant's country is not known before deployment"),
            _ => Value::unknown("the tenant's display name is not known before deployment"),
        }
    }

    fn deployment_value(&self) -> Value {
        let mut props = Map::new();
        let mut template = Map::new();
        template.insert("contentVersion".into(), "1.0.0.0".into());
        props.insert("template".into(), Value::Object(template));
        match &self.info.template_uri {
            Some(uri) => {
                let mut link = Map::new();
                link.insert("uri".into(), Value::String(uri.to_string()));
                link.insert("contentVersion".into(), "1.0.0.0".into());
                props.insert("templateLink".into(), Value::Object(link));
            }
            None => {
                props.insert("templateLink".into(), Value::unknown("the deployment's template link is not known before deployment"));
            }
        }
        props.insert("mode".into(), "Incremental".into());
        let mut m = Map::new();
        m.insert("name".into(), Value::String(self.info.name.to_string()));
        m.insert("properties".into(), Value::Object(props));
        m.insert("location".into(), Value::unknown("the deployment location is not known before deployment"));
        Value::Object(m)
    }

    /// Look up `reference(x)`: the outputs of a nested deployment expanded in
    /// an earlier pass, or unknown.
    fn reference(&mut self, target: &Value, call: &str) -> Value {
        self.with_reference(target, call, |r| match r {
            Ok(outputs) => {
                let mut m = Map::new();
                m.insert("outputs".into(), outputs.clone());
                m.insert("provisioningState".into(), Value::unknown("known after deployment"));
                Value::Object(m)
            }
            Err(u) => u,
        })
    }

    /// `f` of what `reference(target)` finds: the known outputs of a nested
    /// deployment (borrowed), or the unknown that stands for the result.
    fn with_reference<T>(&mut self, target: &Value, call: &str, f: impl FnOnce(Result<&Value, Value>) -> T) -> T {
        let Some(t) = target.as_str() else {
            return f(Err(Value::unknown(format!("`{call}` is only known after deployment"))));
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
        if super::template::find_at_slash(&key, "/providers/microsoft.resources/deployments/", false).is_some() {
            if let Some(outputs) = self.known_outputs(&key) {
                return f(Ok(outputs));
            }
            self.missed_outputs.push(key);
            if t.contains('/') || self.symbols.contains_key(&t.to_ascii_lowercase()) {
                return f(Err(Value::unknown(format!(
                    "outputs of nested deployment `{}` are not known",
                    id.rsplit('/').next().unwrap_or(t)
                ))));
            }
        }
        f(Err(Value::unknown(format!("`reference('{t}')` is only known after deployment"))))
    }

    /// `reference(args…).outputs.path…` (`path` outermost last): the member
    /// read in place from the known outputs instead of a copy of all of
    /// them. `levels` is how many member accesses the expression nests
    /// (the evaluation depth the call would be at).
    pub(crate) fn reference_outputs_path(&mut self, name: &str, args: &[Expr], path: &[&str], levels: usize) -> R {
        let mut entered = 0usize;
        let r = (|| {
            for _ in 0..levels {
                self.enter()?;
                entered += 1;
            }
            let a = self.eval_args(args)?;
            arity(name, a.len(), 1, 3)?;
            self.with_reference(get(&a, 0), name, |r| match r {
                Ok(outputs) => {
                    let mut cur = outputs;
                    for key in path {
                        match cur {
                            Value::Object(_) => {
                                cur = cur.get_ci(key).ok_or_else(|| {
                                    err(ErrorKind::Type, format!("the object has no property `{key}`"))
                                })?;
                            }
                            other => return super::eval::member(other, key),
                        }
                    }
                    Ok(cur.clone())
                }
                Err(u) => Ok(u),
            })
        })();
        for _ in 0..entered {
            self.leave();
        }
        r
    }

    /// `resourceGroup().x`, `subscription().x`, `tenant().x`: that one member.
    pub(crate) fn scope_member(&self, lname: &str, name: &str) -> R {
        match scope_keys(lname).iter().find(|k| k.eq_ignore_ascii_case(name)) {
            Some(k) => Ok(self.scope_entry(lname, k)),
            None => Err(err(ErrorKind::Type, format!("the object has no property `{name}`"))),
        }
    }

    /// ARM's own functions (`lname`, lower case, is none of the shared ones).
    #[allow(clippy::too_many_lines)]
    #[inline(never)]
    fn builtin(&mut self, lname: &str, name: &str, a: &[Cow<'_, Value>]) -> R {
        let n = a.len();
        // Functions whose result cannot be known before deployment.
        if lname.starts_with("list") || matches!(lname, "pickzones" | "providers" | "references") {
            return Ok(Value::unknown(format!("`{name}()` is only known after deployment")));
        }
        match lname {
            "reference" => {
                arity(name, n, 1, 3)?;
                return Ok(self.reference(get(a, 0), name));
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
            _ => {}
        }
        // (The shared functions never get here: their names resolve to
        // `Func::Shared` when parsed.)
        // The ARM-only functions below are strict in their arguments.
        if let Some(u) = any_unknown(a) {
            return Ok(u);
        }
        let a0 = get(a, 0);
        let a1 = get(a, 1);
        match lname {
            "guid" | "uniquestring" => {
                arity(name, n, 1, usize::MAX)?;
                let parts: Vec<&str> = a.iter().map(|v| s(name, v)).collect::<Result<_, _>>()?;
                Ok(if lname == "guid" { hash::guid(&parts) } else { hash::unique_string(&parts) }.into())
            }
            // ---- resource ids
            "resourceid" => {
                arity(name, n, 2, usize::MAX)?;
                let tpos = a.iter().position(|v| looks_like_type(v)).ok_or_else(|| {
                    err(ErrorKind::Type, format!("`{name}`: no argument is a resource type like `Microsoft.Ns/type`"))
                })?;
                let t = s(name, get(a, tpos))?;
                let scope = &self.info.scope;
                let (sub, rg) = match tpos {
                    0 => (Cow::Borrowed(scope.subscription_id.as_str()), Cow::Borrowed(scope.resource_group.as_str())),
                    1 => (Cow::Borrowed(scope.subscription_id.as_str()), text_cow(a0)),
                    2 => (text_cow(a0), text_cow(a1)),
                    _ => return Err(err(ErrorKind::Arity, format!("`{name}`: too many arguments before the resource type"))),
                };
                if let Some(u) = any_unknown(a.get(..tpos).unwrap_or_default()) {
                    return Ok(u);
                }
                match typed_suffix(name, t, a.get(tpos + 1..).unwrap_or_default())? {
                    Err(u) => Ok(u),
                    Ok(suffix) => Ok(joined(&["/subscriptions/", &sub, "/resourceGroups/", &rg, &suffix])),
                }
            }
            "subscriptionresourceid" => {
                arity(name, n, 2, usize::MAX)?;
                let tpos = a.iter().position(|v| looks_like_type(v)).ok_or_else(|| {
                    err(ErrorKind::Type, format!("`{name}`: no argument is a resource type like `Microsoft.Ns/type`"))
                })?;
                let sub = match tpos {
                    0 => Cow::Borrowed(self.info.scope.subscription_id.as_str()),
                    1 => text_cow(a0),
                    _ => return Err(err(ErrorKind::Arity, format!("`{name}`: too many arguments before the resource type"))),
                };
                let t = s(name, get(a, tpos))?;
                match typed_suffix(name, t, a.get(tpos + 1..).unwrap_or_default())? {
                    Err(u) => Ok(u),
                    Ok(suffix) => Ok(joined(&["/subscriptions/", &sub, &suffix])),
                }
            }
            "tenantresourceid" => {
                arity(name, n, 2, usize::MAX)?;
                let t = s(name, a0)?;
                match typed_suffix(name, t, a.get(1..).unwrap_or_default())? {
                    Err(u) => Ok(u),
                    Ok(suffix) => Ok(suffix.into()),
                }
            }
            "managementgroupresourceid" => {
                arity(name, n, 2, usize::MAX)?;
                let tpos = a.iter().position(|v| looks_like_type(v)).ok_or_else(|| {
                    err(ErrorKind::Type, format!("`{name}`: no argument is a resource type like `Microsoft.Ns/type`"))
                })?;
                if tpos == 0 {
                    return Ok(Value::unknown("the management group is not known for a resource group deployment"));
                }
                let mg = text_cow(a0);
                let t = s(name, get(a, tpos))?;
                match typed_suffix(name, t, a.get(tpos + 1..).unwrap_or_default())? {
                    Err(u) => Ok(u),
                    Ok(suffix) => Ok(joined(&["/providers/Microsoft.Management/managementGroups/", &mg, &suffix])),
                }
            }
            "extensionresourceid" => {
                arity(name, n, 3, usize::MAX)?;
                let base = s(name, a0)?.trim_end_matches('/');
                let t = s(name, a1)?;
                match typed_suffix(name, t, a.get(2..).unwrap_or_default())? {
                    Err(u) => Ok(u),
                    Ok(suffix) => Ok(joined(&[base, &suffix])),
                }
            }
            "parsecidr" | "cidrsubnet" | "cidrhost" => {
                arity(name, n, if lname == "parsecidr" { 1 } else { 2 }, if lname == "cidrsubnet" { 3 } else { 2 })?;
                let net_text = s(name, a0)?;
                let Some((addr, prefix)) = parse_cidr4(net_text) else {
                    return match parse_cidr6(net_text) {
                        Some((addr6, prefix6)) => cidr6(name, lname, addr6, prefix6, a1, get(a, 2)),
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
                        let index = int(name, get(a, 2))?;
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
            _ => Err(err(ErrorKind::UnknownFunction, format!("unknown function `{name}`"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{evaluate_expression, expand_template, parameter_values, Limits, Source};
    use crate::value::Value;
    use serde_json::json;

    fn eval(e: &str) -> Result<Value, String> {
        evaluate_expression(e).map_err(|e| e.to_string())
    }

    #[test]
    fn names_resolve_to_their_tables() {
        use super::super::expr::Func;
        use super::{resolve, LAZY, OWN};
        use crate::template_fns::NAMES;
        for n in LAZY {
            assert_eq!(resolve(&n.to_ascii_uppercase(), &[]), Func::Lazy(n), "{n}");
        }
        for n in NAMES.iter().filter(|n| !LAZY.contains(n)) {
            assert_eq!(resolve(n, &[]), Func::Shared(n), "{n}");
        }
        for n in OWN {
            assert!(!NAMES.contains(n) && !LAZY.contains(n), "{n} is in one table only");
            assert_eq!(resolve(n, &[]), Func::Other(std::borrow::Cow::Borrowed(n)), "{n}");
            // every one of them is a function `builtin` knows
            let r = evaluate_expression(&format!("[{n}()]"));
            assert!(r.as_ref().err().is_none_or(|e| e.kind != super::ErrorKind::UnknownFunction), "{n}: {r:?}");
        }
        assert_eq!(resolve("noSuchFunction", &[]), Func::Other("nosuchfunction".into()));
        assert_eq!(resolve("ns.F", &[]), Func::User);
        assert_eq!(resolve(&"a".repeat(40), &[]), Func::Other("a".repeat(40).into()));
    }

    #[test]
    fn scope_members_are_the_members_of_the_whole_object() {
        for (call, keys) in [
            ("resourceGroup()", super::RESOURCE_GROUP_KEYS),
            ("subscription()", super::SUBSCRIPTION_KEYS),
            ("tenant()", super::TENANT_KEYS),
        ] {
            let whole = eval(&format!("[{call}]")).unwrap();
            assert_eq!(whole.as_object().unwrap().len(), keys.len(), "{call}");
            for k in keys.iter().copied().chain(["ID", "Location", "nope"]) {
                // `x.k` takes the shortcut, `x['k']` reads the whole object
                let member = eval(&format!("[{call}.{k}]"));
                let indexed = eval(&format!("[{call}['{k}']]"));
                assert_eq!(member, indexed, "{call}.{k}");
                if keys.iter().any(|key| key.eq_ignore_ascii_case(k)) {
                    assert_eq!(member.as_ref().ok(), whole.get_ci(k), "{call}.{k}");
                } else {
                    assert!(member.is_err(), "{call}.{k}");
                }
            }
        }
    }

    #[test]
    fn reference_outputs_paths_read_in_place_as_the_whole_value_would() {
        let inner = json!({"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            "contentVersion": "1.0.0.0", "resources": [],
            "outputs": {"obj": {"type": "object", "value": {"a": {"b": 7}, "s": "str"}}, "id": {"type": "string", "value": "x"}}});
        // each pair: the member path (shortcut) and the same through an index (whole value)
        let pairs = [
            ("reference('net').outputs.obj.value.a.b", "reference('net')['outputs'].obj.value.a.b"),
            ("reference('net').Outputs.OBJ.value", "reference('net')['outputs'].OBJ.value"),
            ("reference('net').outputs.id.value", "reference('net')['outputs'].id.value"),
            ("reference('other').outputs.id.value", "reference('other')['outputs'].id.value"),
            ("reference(resourceId('Microsoft.Resources/deployments', 'net')).outputs.obj.value.s",
             "reference(resourceId('Microsoft.Resources/deployments', 'net'))['outputs'].obj.value.s"),
        ];
        let mut props = serde_json::Map::new();
        for (i, (a, b)) in pairs.iter().enumerate() {
            props.insert(format!("a{i}"), json!(format!("[{a}]")));
            props.insert(format!("b{i}"), json!(format!("[{b}]")));
        }
        let t = json!({"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            "contentVersion": "1.0.0.0", "resources": [
                {"type": "Microsoft.Storage/storageAccounts", "name": "st", "properties": props},
                {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "net",
                 "properties": {"expressionEvaluationOptions": {"scope": "inner"}, "mode": "Incremental", "template": inner}}]});
        let text = t.to_string();
        let doc = crate::json::parse(&text).unwrap();
        let d = expand_template(&doc, &Source::default(), parameter_values(&[]), &Limits::default()).unwrap();
        let st = d.resources.iter().find(|r| r.name() == "st").unwrap();
        let props = st.value.get_ci("properties").unwrap();
        for i in 0..pairs.len() {
            assert_eq!(props.get_ci(&format!("a{i}")), props.get_ci(&format!("b{i}")), "{:?}", pairs.get(i));
        }
        assert_eq!(props.get_ci("a0"), Some(&Value::Int(7)));
        assert_eq!(props.get_ci("a4"), Some(&Value::from(json!("str"))));
        assert!(props.get_ci("a3").is_some_and(Value::is_unknown));
        // a missing member is the same error either way
        for (a, b) in [(".outputs.obj.value.nope", "['outputs'].obj.value.nope"), (".outputs.id.value.x", "['outputs'].id.value.x")] {
            let fail = |path: &str| {
                let mut t = t.clone();
                t["resources"][0]["properties"] = json!({"p": format!("[reference('net'){path}]")});
                let text = t.to_string();
                let doc = crate::json::parse(&text).unwrap();
                let d = expand_template(&doc, &Source::default(), parameter_values(&[]), &Limits::default());
                match d {
                    Ok(d) => format!("{:?}", d.diagnostics),
                    Err(e) => e.to_string(),
                }
            };
            let (fa, fb) = (fail(a), fail(b));
            assert_eq!(fa, fb);
            assert!(fa.contains("nope") || fa.contains("cannot read property"), "{fa}");
        }
    }
}
