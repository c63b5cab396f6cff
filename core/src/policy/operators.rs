//! Condition operators with Azure Policy's comparison rules: strings compare
//! case-insensitively, a numeric string equals the number, `"true"`/`"false"`
//! equal the booleans, `like`/`match` patterns match the whole string.

use crate::value::Value;
use crate::re::Regex;
use std::cmp::Ordering;

/// Compiled patterns larger than this are refused (regex `size_limit`).
pub const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// A condition operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Equals,
    NotEquals,
    Like,
    NotLike,
    Match,
    NotMatch,
    MatchInsensitively,
    NotMatchInsensitively,
    Contains,
    NotContains,
    In,
    NotIn,
    ContainsKey,
    NotContainsKey,
    Less,
    LessOrEquals,
    Greater,
    GreaterOrEquals,
    Exists,
}

const OPS: &[(&str, Op)] = &[
    ("equals", Op::Equals),
    ("notEquals", Op::NotEquals),
    ("like", Op::Like),
    ("notLike", Op::NotLike),
    ("match", Op::Match),
    ("notMatch", Op::NotMatch),
    ("matchInsensitively", Op::MatchInsensitively),
    ("notMatchInsensitively", Op::NotMatchInsensitively),
    ("contains", Op::Contains),
    ("notContains", Op::NotContains),
    ("in", Op::In),
    ("notIn", Op::NotIn),
    ("containsKey", Op::ContainsKey),
    ("notContainsKey", Op::NotContainsKey),
    ("less", Op::Less),
    ("lessOrEquals", Op::LessOrEquals),
    ("greater", Op::Greater),
    ("greaterOrEquals", Op::GreaterOrEquals),
    ("exists", Op::Exists),
];

impl Op {
    /// The operator named `s` (case-insensitive).
    pub fn from_name(s: &str) -> Option<Op> {
        OPS.iter().find(|(n, _)| n.eq_ignore_ascii_case(s)).map(|(_, o)| *o)
    }

    /// Canonical name.
    pub fn name(self) -> &'static str {
        OPS.iter().find(|(_, o)| *o == self).map_or("?", |(n, _)| n)
    }

    /// `(positive operator, negated?)`.
    fn split(self) -> (Op, bool) {
        match self {
            Op::NotEquals => (Op::Equals, true),
            Op::NotLike => (Op::Like, true),
            Op::NotMatch => (Op::Match, true),
            Op::NotMatchInsensitively => (Op::MatchInsensitively, true),
            Op::NotContains => (Op::Contains, true),
            Op::NotIn => (Op::In, true),
            Op::NotContainsKey => (Op::ContainsKey, true),
            other => (other, false),
        }
    }

    /// `true` for operators whose right-hand side is a pattern.
    pub fn is_pattern(self) -> bool {
        matches!(self.split().0, Op::Like | Op::Match | Op::MatchInsensitively)
    }
}

/// `like` patterns with more `*` than this are refused before compiling:
/// each becomes `.*`, and matching costs grow with their number times the
/// subject's length in every regex engine (`regex-lite` in the browser build
/// has no automaton size to trip over). Azure Policy documents one wildcard;
/// real definitions use at most two.
pub const MAX_LIKE_WILDCARDS: usize = 64;

/// [`compile_pattern`] for a pattern only known at evaluation time (a
/// parameter or an expression): the last few are kept per thread, since the
/// same rule meets the same pattern on every resource. (Not in the
/// size-bound browser build, which checks one deployment at a time.)
#[cfg(feature = "slim")]
fn cached_pattern(base: Op, pattern: &str) -> Result<Regex, String> {
    compile_pattern(base, pattern)
}

#[cfg(not(feature = "slim"))]
fn cached_pattern(base: Op, pattern: &str) -> Result<Regex, String> {
    type Cache = std::cell::RefCell<Vec<(Op, String, Result<Regex, String>)>>;
    thread_local! { static CACHE: Cache = const { std::cell::RefCell::new(Vec::new()) }; }
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if let Some((_, _, r)) = c.iter().find(|(o, p, _)| *o == base && p == pattern) {
            return r.clone();
        }
        let r = compile_pattern(base, pattern);
        if c.len() >= 8 {
            c.clear();
        }
        c.push((base, pattern.to_owned(), r.clone()));
        r
    })
}

/// A pattern compiled for `like` / `match` / `matchInsensitively`.
pub fn compile_pattern(op: Op, pattern: &str) -> Result<Regex, String> {
    let mut re = String::with_capacity(pattern.len() * 2 + 8);
    let (base, _) = op.split();
    if base == Op::Like && pattern.matches('*').count() > MAX_LIKE_WILDCARDS {
        return Err(format!("pattern {} cannot be used: more than {MAX_LIKE_WILDCARDS} `*` wildcards", shown(pattern)));
    }
    let folded = if base == Op::Match { std::borrow::Cow::Borrowed(pattern) } else { fold(pattern) };
    re.push_str(if base == Op::Match { "(?s)^" } else { "(?is)^" });
    for c in folded.chars() {
        match (base, c) {
            (Op::Like, '*') => re.push_str(".*"),
            (Op::Like, '?') => re.push('.'),
            (Op::Match | Op::MatchInsensitively, '#') => re.push_str("[0-9]"),
            (Op::Match | Op::MatchInsensitively, '?') => re.push_str("[a-zA-Z]"),
            (Op::Match | Op::MatchInsensitively, '.') => re.push('.'),
            _ => {
                let mut buf = [0u8; 4];
                re.push_str(&crate::re::escape(c.encode_utf8(&mut buf)));
            }
        }
    }
    re.push('$');
    crate::re::RegexBuilder::new(&re)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| format!("pattern {} cannot be used: {e}", shown(pattern)))
}

/// Can `like` pattern `p` be matched against `s` by [`like_ascii`] with the
/// same answer as its regex? Both ASCII (case-insensitive matching is then
/// ASCII case folding, `?` one byte), the pattern one that compiles (few
/// enough `*`, short), and small enough that backtracking stays cheap.
fn plain_like(s: &str, p: &str) -> bool {
    s.is_ascii()
        && p.is_ascii()
        && p.len() <= 512
        && s.len().saturating_mul(p.len().max(1)) <= 1 << 20
        && p.bytes().filter(|&b| b == b'*').count() <= MAX_LIKE_WILDCARDS
}

/// `like` on ASCII text without a regex: `*` any run, `?` one character,
/// everything else itself ignoring ASCII case (the whole string must match).
fn like_ascii(s: &[u8], p: &[u8]) -> bool {
    let (mut i, mut j) = (0usize, 0usize);
    // after the last `*` seen: (pattern position after it, subject position it absorbs up to)
    let mut star: Option<(usize, usize)> = None;
    while let Some(&c) = s.get(i) {
        match p.get(j) {
            Some(b'*') => {
                j += 1;
                star = Some((j, i));
            }
            Some(&q) if q == b'?' || q.eq_ignore_ascii_case(&c) => {
                i += 1;
                j += 1;
            }
            _ => match star {
                Some((sj, si)) => {
                    j = sj;
                    i = si + 1;
                    star = Some((sj, si + 1));
                }
                None => return false,
            },
        }
    }
    p.get(j..).unwrap_or_default().iter().all(|&b| b == b'*')
}

/// Patterns longer than this are shown by their start and length in errors.
const SHOWN_PATTERN_CHARS: usize = 60;

/// `pattern` in backticks for an error message: whole when short, else its
/// first [`SHOWN_PATTERN_CHARS`] characters and its length.
fn shown(pattern: &str) -> String {
    let n = pattern.chars().count();
    if n <= SHOWN_PATTERN_CHARS {
        return format!("`{pattern}`");
    }
    let head: String = pattern.chars().take(SHOWN_PATTERN_CHARS).collect();
    format!("`{head}…` ({n} characters)")
}

/// Apply `op` to a left value (`None` = the field does not exist) and the
/// right value. `pat` is the precompiled pattern for pattern operators.
/// Errors are operands of the wrong shape (e.g. `in` without an array).
pub fn apply(op: Op, lhs: Option<&Value>, rhs: &Value, pat: Option<&Regex>) -> Result<bool, String> {
    let (base, neg) = op.split();
    let r = match base {
        Op::Exists => {
            let want = truthy(rhs).ok_or_else(|| format!("`exists` expects true or false, found {rhs}"))?;
            let present = lhs.is_some_and(|v| !v.is_null());
            return Ok(present == want);
        }
        Op::Equals => match lhs {
            None => rhs.is_null(),
            Some(l) => loose_eq(l, rhs),
        },
        Op::Like | Op::Match | Op::MatchInsensitively => match lhs.and_then(Value::as_str) {
            None => false,
            Some(s) if base == Op::Like && rhs.as_str().is_some_and(|p| plain_like(s, p)) => {
                like_ascii(s.as_bytes(), rhs.as_str().unwrap_or_default().as_bytes())
            }
            Some(s) => {
                let s = if base == Op::Match { std::borrow::Cow::Borrowed(s) } else { fold(s) };
                let s = s.as_ref();
                match pat {
                    Some(p) => p.is_match(s),
                    None => match rhs.as_str() {
                        Some(ps) => cached_pattern(base, ps)?.is_match(s),
                        None => false,
                    },
                }
            }
        },
        Op::Contains => match lhs {
            Some(Value::String(s)) => match rhs {
                Value::String(sub) => contains_ci(s, sub),
                other => scalar_string(other).is_some_and(|sub| contains_ci(s, &sub)),
            },
            Some(Value::Array(a)) => a.iter().any(|x| loose_eq(x, rhs)),
            Some(Value::Object(m)) => rhs.as_str().is_some_and(|k| m.keys().any(|x| x.eq_ignore_ascii_case(k))),
            _ => false,
        },
        Op::In => match rhs {
            Value::Array(a) => match lhs {
                None => a.iter().any(Value::is_null),
                Some(l) => a.iter().any(|x| loose_eq(l, x)),
            },
            other => return Err(format!("`in` expects an array, found {}", other.type_name())),
        },
        Op::ContainsKey => match (lhs, rhs.as_str()) {
            (Some(Value::Object(m)), Some(k)) => m.keys().any(|x| x.eq_ignore_ascii_case(k)),
            _ => false,
        },
        Op::Less | Op::LessOrEquals | Op::Greater | Op::GreaterOrEquals => {
            let Some(l) = lhs else { return Ok(false) };
            match compare(l, rhs) {
                None => false,
                Some(o) => match base {
                    Op::Less => o == Ordering::Less,
                    Op::LessOrEquals => o != Ordering::Greater,
                    Op::Greater => o == Ordering::Greater,
                    _ => o != Ordering::Less,
                },
            }
        }
        _ => false,
    };
    Ok(r != neg)
}

/// `true`/`false`, also from the strings `"true"`/`"false"`.
pub fn truthy(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::Int(_) | Value::Float(_) | Value::Bool(_) => Some(v.to_string()),
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

/// Case folding for comparisons: lower case plus the full foldings that
/// change length (`ß` → `ss`, ligatures), so `Straße` equals `STRASSE`.
pub fn fold(s: &str) -> std::borrow::Cow<'_, str> {
    if s.is_ascii() {
        if s.bytes().any(|b| b.is_ascii_uppercase()) {
            return std::borrow::Cow::Owned(s.to_ascii_lowercase());
        }
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    for c in crate::case::lower(s).chars() {
        match c {
            'ß' | 'ẞ' => out.push_str("ss"),
            'ﬀ' => out.push_str("ff"),
            'ﬁ' => out.push_str("fi"),
            'ﬂ' => out.push_str("fl"),
            'ﬃ' => out.push_str("ffi"),
            'ﬄ' => out.push_str("ffl"),
            'ﬅ' | 'ﬆ' => out.push_str("st"),
            'ς' => out.push('σ'),
            other => out.push(other),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Case-insensitive string equality (with [`fold`]).
pub fn str_eq_ci(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        fold(a) == fold(b)
    }
}

fn contains_ci(s: &str, sub: &str) -> bool {
    fold(s).contains(fold(sub).as_ref())
}

fn num_of_str(s: &str) -> Option<f64> {
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    t.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// Equality with Azure Policy's coercions.
pub fn loose_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) => str_eq_ci(x, y),
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => a.as_f64() == b.as_f64(),
        (Value::String(s), n @ (Value::Int(_) | Value::Float(_))) | (n @ (Value::Int(_) | Value::Float(_)), Value::String(s)) => {
            num_of_str(s).is_some_and(|x| Some(x) == n.as_f64())
        }
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::String(s), Value::Bool(bv)) | (Value::Bool(bv), Value::String(s)) => truthy(&Value::String(s.clone())) == Some(*bv),
        (Value::Null, Value::Null) => true,
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| loose_eq(p, q)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter().all(|(k, v)| {
                    y.iter().find(|(k2, _)| k2.eq_ignore_ascii_case(k)).is_some_and(|(_, v2)| loose_eq(v, v2))
                })
        }
        _ => false,
    }
}

/// Ordering for `less`/`greater`: numbers (numeric strings coerced), else
/// strings compared ignoring case.
pub fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    let num = |v: &Value| match v {
        Value::Int(_) | Value::Float(_) => v.as_f64(),
        Value::String(s) => num_of_str(s),
        _ => None,
    };
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Some(x.cmp(y)),
        (Value::String(x), Value::String(y)) => {
            if let (Some(p), Some(q)) = (num_of_str(x), num_of_str(y)) {
                return p.partial_cmp(&q);
            }
            Some(fold(x).cmp(&fold(y)))
        }
        _ => num(a)?.partial_cmp(&num(b)?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(j: serde_json::Value) -> Value {
        j.into()
    }

    #[test]
    fn ascii_like_agrees_with_the_regex() {
        // every pattern on every subject: the regex-free path gives the
        // regex's answer (both sides folded as `apply` folds them)
        let subjects = ["", "a", "ab", "abc", "ABC", "aXbXc", "prod-server", "/subscriptions/x/privateDnsZones/privatelink.api.azureml.ms", "aaa", "a*b", "a?b", "x.y", "abab"];
        let patterns = ["", "*", "**", "a", "A*", "*c", "a*c", "a?c", "?", "??", "*?*", "a*b*c", "*b*", "*ab", "a**b", "prod-*", "*/privatednszones/*", "*.api.azureml.ms", "a\\*b", "x.y", "[a]", "*a*a*a"];
        for subject in subjects {
            for pattern in patterns {
                assert!(plain_like(subject, pattern));
                let want = compile_pattern(Op::Like, pattern).unwrap().is_match(&fold(subject));
                assert_eq!(like_ascii(subject.as_bytes(), pattern.as_bytes()), want, "`{subject}` like `{pattern}`");
            }
        }
        // outside the fast path: non-ASCII, or too many wildcards
        assert!(!plain_like("café", "*"));
        assert!(!plain_like("a", &"*".repeat(MAX_LIKE_WILDCARDS + 1)));
        assert!(apply(Op::Like, Some(&v("a".into())), &v("*".repeat(MAX_LIKE_WILDCARDS + 1).into()), None).is_err());
        assert!(apply(Op::Like, Some(&v("STRASSE".into())), &v("stra*e".into()), None).unwrap());
    }

    #[test]
    fn coercions_follow_azure() {
        let t = |op: Op, l: serde_json::Value, r: serde_json::Value| apply(op, Some(&v(l)), &v(r), None).unwrap();
        assert!(t(Op::Equals, "80".into(), 80.into()));
        assert!(t(Op::Equals, "TRUE".into(), true.into()));
        assert!(!t(Op::Equals, "yes".into(), true.into()));
        assert!(t(Op::Equals, "MÜNCHEN".into(), "münchen".into()));
        assert!(t(Op::Greater, "8080".into(), 1024.into()));
        assert!(t(Op::In, "443".into(), serde_json::json!([80, 443])));
        assert!(t(Op::Like, "prod-server".into(), "PROD-*".into()));
        assert!(t(Op::Match, "vm-01".into(), "vm-##".into()));
        assert!(!t(Op::Match, "VM-01".into(), "vm-##".into()));
        assert!(t(Op::MatchInsensitively, "VM-01".into(), "vm-##".into()));
        assert!(t(Op::Contains, "my-café".into(), "CAFÉ".into()));
        assert!(t(Op::ContainsKey, serde_json::json!({"Env": 1}), "env".into()));
        assert!(apply(Op::NotEquals, None, &v("x".into()), None).unwrap());
        assert!(apply(Op::Exists, None, &v("false".into()), None).unwrap());
        assert!(apply(Op::In, Some(&v(1.into())), &v(1.into()), None).is_err());
        // a pattern too large to compile is named by its start, not echoed whole
        let long = "*a".repeat(20_000);
        let e = compile_pattern(Op::Like, &long).unwrap_err();
        assert!(e.starts_with("pattern `*a*a"), "{e}");
        assert!(e.contains("…` (40000 characters) cannot be used"), "{e}");
        assert!(e.len() < 400, "{}", e.len());
        // many wildcards are refused before any regex engine sees them (the
        // browser build's engine would accept them and match for seconds)
        let limit = "*a".repeat(MAX_LIKE_WILDCARDS);
        assert!(compile_pattern(Op::Like, &limit).is_ok());
        let over = format!("{limit}*");
        let e = compile_pattern(Op::NotLike, &over).unwrap_err();
        assert!(e.ends_with("cannot be used: more than 64 `*` wildcards"), "{e}");
        // `match` has no repetition: long patterns stay linear and are accepted
        assert!(compile_pattern(Op::Match, &"#".repeat(5_000)).is_ok());
    }
}
