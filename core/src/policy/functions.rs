//! Template functions available in policy rules: which ones a rule may
//! call, and the policy-only pure ones (`ipRangeContains`, `addDays`). The
//! functions shared with ARM templates are `crate::template_fns`; `field`,
//! `parameters`, `current`, `if`, … need the evaluator and live there.

use super::eval::{err, EResult, Fail};
use crate::template_fns::{self, Dialect};
use crate::value::Value;
use std::borrow::Cow;

type Args<'x, 'a> = &'x [Cow<'a, Value>];

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

/// Call a pure function: the shared template-function library
/// (`crate::template_fns`, policy dialect) plus the policy-only ones.
/// Any unknown argument makes the result unknown.
pub(crate) fn call<'a>(name: &str, args: Args<'_, 'a>) -> EResult<Cow<'a, Value>> {
    if let Some(u) = args.iter().find(|a| a.is_unknown()) {
        if !matches!(name, "createarray" | "createobject") {
            return Ok(u.clone());
        }
    }
    match name {
        "iprangecontains" => {
            arity(name, args, 2, 2)?;
            super::netfn::ip_range_contains(s_arg(name, args, 0)?, s_arg(name, args, 1)?).map(|b| Cow::Owned(Value::Bool(b)))
        }
        "adddays" => {
            let vals: Vec<&Value> = args.iter().map(AsRef::as_ref).collect();
            template_fns::datetime::add_days("addDays", &vals).map(Cow::Owned).map_err(|e| Fail::Error(e.message))
        }
        "guid" | "uniquestring" | "newguid" | "reference" | "list" | "listkeys" | "resourceid" | "deployment" => {
            err(format!("`{name}` is not available in policy rules"))
        }
        _ => match template_fns::call(Dialect::Policy, name, name, args) {
            Some(Ok(v)) => Ok(Cow::Owned(v)),
            Some(Err(e)) => Err(Fail::Error(e.message)),
            None => err(format!("unknown function `{name}`")),
        },
    }
}
