//! `format()`: .NET composite formatting (`{index[,alignment][:format]}`,
//! `{{`/`}}`) with the invariant culture's numeric formats: the standard
//! ones (`D`, `E`, `F`, `G`, `N`, `P`, `R`, `X`; learn.microsoft.com
//! "Standard numeric format strings") and custom patterns (`0`, `#`, `.`,
//! `,`, `%`, `‰`, sections `;`, quotes and `\` escapes; "Custom numeric
//! format strings"). Ties round away from zero, as .NET formatting does.
//! What depends on the server's culture (`C` currency) or is not
//! implemented (exponents in custom patterns) is an unknown, never a guess.

use super::{type_error, FnError, FnResult};
use crate::value::Value;

/// Widest alignment accepted in a format item.
const MAX_ALIGN: usize = 100_000;
/// Largest precision evaluated (.NET before 7 allowed 0..99).
const MAX_PRECISION: usize = 99;

/// Why a format item gave no text: an error (.NET throws), or not evaluated.
enum NoText {
    Error(FnError),
    Unknown(String),
}

impl From<FnError> for NoText {
    fn from(e: FnError) -> Self {
        NoText::Error(e)
    }
}

/// `format(f, args…)`.
pub(crate) fn composite(f: &str, args: &[&Value]) -> FnResult {
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
                    return Err(type_error(format!("`format`: `{f}` has an unmatched `{{`")));
                }
                match format_item(&item, args) {
                    Ok(piece) => out.push_str(&piece),
                    Err(NoText::Error(e)) => return Err(e),
                    Err(NoText::Unknown(reason)) => return Ok(Value::unknown(reason)),
                }
            }
            '}' => return Err(type_error(format!("`format`: `{f}` has an unmatched `}}`"))),
            other => out.push(other),
        }
        if out.len() > super::MAX_BUILD {
            return Err(super::limit_error("`format` result is too large"));
        }
    }
    Ok(Value::String(out))
}

/// One `{index[,alignment][:format]}` item.
fn format_item(item: &str, args: &[&Value]) -> Result<String, NoText> {
    let (head, spec) = match item.split_once(':') {
        Some((h, s)) => (h, Some(s)),
        None => (item, None),
    };
    let (idx_text, align) = match head.split_once(',') {
        Some((i, a)) => (i, Some(a.trim())),
        None => (head, None),
    };
    let idx: usize =
        idx_text.trim().parse().map_err(|_| type_error(format!("`format`: `{{{item}}}` is not a placeholder")))?;
    let v = args.get(idx).ok_or_else(|| type_error(format!("`format`: placeholder `{{{idx}}}` has no argument")))?;
    if let Some(u) = v.first_unknown() {
        return Err(NoText::Unknown(u.reason.clone()));
    }
    let mut text = match spec {
        None => plain(v),
        Some(sp) => match v {
            Value::Int(_) | Value::Float(_) => number(v, sp)?,
            // Strings, booleans, null are not IFormattable in .NET: the format is ignored.
            other => plain(other),
        },
    };
    if let Some(a) = align {
        let w: i64 = a.parse().map_err(|_| type_error(format!("`format`: `{{{item}}}` has a bad alignment")))?;
        let width = usize::try_from(w.unsigned_abs()).unwrap_or(usize::MAX);
        if width > MAX_ALIGN {
            return Err(NoText::Error(super::limit_error(format!("`format`: alignment {w} is too wide"))));
        }
        let len = text.chars().count();
        if len < width {
            let pad: String = std::iter::repeat_n(' ', width - len).collect();
            text = if w < 0 { format!("{text}{pad}") } else { format!("{pad}{text}") };
        }
    }
    Ok(text)
}

/// A value without a format: .NET's `ToString()` (`True`, empty for null,
/// shortest round-trip for doubles), containers as compact JSON.
fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(b) => if *b { "True" } else { "False" }.to_owned(),
        Value::Null => String::new(),
        Value::Float(f) => shortest(*f),
        other => other.to_string(),
    }
}

/// A number with a standard or custom numeric format.
fn number(v: &Value, spec: &str) -> Result<String, NoText> {
    let spec_t = spec.trim();
    let mut cs = spec_t.chars();
    let letter = cs.next().unwrap_or('G');
    let rest = cs.as_str();
    let standard = letter.is_ascii_alphabetic() && rest.bytes().all(|b| b.is_ascii_digit());
    if !standard || spec_t.is_empty() {
        return custom(v, spec).ok_or_else(|| NoText::Unknown(format!("`format`: custom format `{spec}` is not evaluated by amlguard")));
    }
    let prec: Option<usize> = if rest.is_empty() { None } else { rest.parse().ok() };
    if prec.is_some_and(|p| p > MAX_PRECISION) || (!rest.is_empty() && prec.is_none()) {
        return Err(NoText::Unknown(format!("`format`: precision in `{spec}` is not evaluated by amlguard")));
    }
    let f = v.as_f64().unwrap_or_default();
    let int = match v {
        Value::Int(i) => Some(*i),
        _ => None,
    };
    let needs_int = || int.ok_or_else(|| NoText::Error(type_error(format!("`format`: `{spec}` needs an integer"))));
    Ok(match letter {
        'D' | 'd' => {
            let i = needs_int()?;
            let digits = format!("{:0w$}", i.unsigned_abs(), w = prec.unwrap_or(1));
            if i < 0 { format!("-{digits}") } else { digits }
        }
        'X' | 'x' => {
            // .NET prints negative integers in two's complement.
            let i = needs_int()?;
            let hex = if letter == 'X' { format!("{i:X}") } else { format!("{i:x}") };
            format!("{hex:0>w$}", w = prec.unwrap_or(1))
        }
        'F' | 'f' | 'N' | 'n' => {
            let (neg, ip, fp) = fixed(v, prec.unwrap_or(2));
            let ip = if matches!(letter, 'N' | 'n') { group(&ip) } else { ip };
            signed(neg, &ip, &fp)
        }
        'P' | 'p' => {
            let scaled = match int {
                Some(i) => i.checked_mul(100).map_or(Value::Float(f * 100.0), Value::Int),
                None => Value::Float(f * 100.0),
            };
            let (neg, ip, fp) = fixed(&scaled, prec.unwrap_or(2));
            format!("{} %", signed(neg, &group(&ip), &fp))
        }
        'E' | 'e' => scientific(f, prec.unwrap_or(6), letter, 3),
        'G' | 'g' => match (int, prec) {
            (Some(i), None) => i.to_string(),
            (None, None) | (None, Some(0)) => shortest(f),
            (Some(i), Some(0)) => i.to_string(),
            (_, Some(p)) => general(f, p, if letter == 'G' { 'E' } else { 'e' }),
        },
        'R' | 'r' if int.is_none() => shortest(f),
        'C' | 'c' => {
            return Err(NoText::Unknown(format!(
                "`format`: currency `{spec}` depends on the server's culture and is not evaluated by amlguard"
            )))
        }
        _ => return Err(NoText::Error(type_error(format!("`format`: `{spec}` is not a valid numeric format")))),
    })
}

fn signed(neg: bool, ip: &str, fp: &str) -> String {
    let zero = ip.bytes().chain(fp.bytes()).all(|b| !b.is_ascii_digit() || b == b'0');
    let sign = if neg && !zero { "-" } else { "" };
    if fp.is_empty() {
        format!("{sign}{ip}")
    } else {
        format!("{sign}{ip}.{fp}")
    }
}

/// Digits of |v| rounded to `prec` fraction digits, ties away from zero:
/// (negative, integer digits, fraction digits).
fn fixed(v: &Value, prec: usize) -> (bool, String, String) {
    if let Value::Int(i) = v {
        return (*i < 0, i.unsigned_abs().to_string(), "0".repeat(prec));
    }
    let f = v.as_f64().unwrap_or_default();
    // 25 extra digits of the exact binary value decide the rounding.
    let long = format!("{:.*}", prec + 25, f.abs());
    let (ip, fp) = long.split_once('.').unwrap_or((&long, ""));
    let mut digits: Vec<u8> = ip.bytes().chain(fp.bytes().take(prec)).map(|b| b - b'0').collect();
    let round_up = fp.as_bytes().get(prec).is_some_and(|b| *b >= b'5');
    let mut int_len = ip.len();
    if round_up {
        let mut k = digits.len();
        loop {
            if k == 0 {
                digits.insert(0, 1);
                int_len += 1;
                break;
            }
            k -= 1;
            match digits.get_mut(k) {
                Some(d) if *d == 9 => *d = 0,
                Some(d) => {
                    *d += 1;
                    break;
                }
                None => break,
            }
        }
    }
    let text: String = digits.iter().map(|d| char::from(b'0' + d)).collect();
    let (i, fr) = text.split_at(int_len.min(text.len()));
    (f < 0.0, i.to_owned(), fr.to_owned())
}

/// Thousands separators every three digits.
fn group(int_digits: &str) -> String {
    let n = int_digits.len();
    let mut out = String::with_capacity(n + n / 3);
    for (k, c) in int_digits.chars().enumerate() {
        if k > 0 && (n - k) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `d.ddddE+ddd` with `prec` fraction digits and at least `exp_digits` exponent digits.
fn scientific(f: f64, prec: usize, e: char, exp_digits: usize) -> String {
    let s = format!("{:.*e}", prec, f);
    let (m, x) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = x.parse().unwrap_or(0);
    // Rust rounds ties to even here; redo the mantissa with ties away from zero.
    let mantissa = if f == 0.0 {
        m.to_owned()
    } else {
        let scaled = f / 10f64.powi(exp);
        let (neg, ip, fp) = fixed(&Value::Float(scaled), prec);
        if ip.len() > 1 {
            // rounding carried into a new digit (9.99… → 10.0): keep Rust's.
            m.to_owned()
        } else {
            signed(neg, &ip, &fp)
        }
    };
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{mantissa}{e}{sign}{:0w$}", exp.unsigned_abs(), w = exp_digits)
}

/// Shortest text that reads back as `f`, as .NET Core's `double.ToString()`:
/// scientific (`1E+15`, `1E-05`) below 1e-5 or from 1e15.
fn shortest(f: f64) -> String {
    if f == 0.0 {
        return "0".to_owned();
    }
    let s = format!("{f:e}");
    let (m, x) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = x.parse().unwrap_or(0);
    let neg = m.starts_with('-');
    let digits: String = m.chars().filter(char::is_ascii_digit).collect();
    let sign = if neg { "-" } else { "" };
    if !(-5..15).contains(&exp) {
        let (first, more) = digits.split_at(1.min(digits.len()));
        let frac = if more.is_empty() { String::new() } else { format!(".{more}") };
        let es = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{first}{frac}E{es}{:02}", exp.unsigned_abs());
    }
    positional(sign, &digits, exp)
}

/// Digits `d1d2…` with value `d1.d2… × 10^exp` written without an exponent.
fn positional(sign: &str, digits: &str, exp: i32) -> String {
    let len = i32::try_from(digits.len()).unwrap_or(i32::MAX);
    if exp < 0 {
        let zeros = "0".repeat(usize::try_from(-exp - 1).unwrap_or(0));
        return format!("{sign}0.{zeros}{digits}");
    }
    let int_len = exp + 1;
    if int_len >= len {
        let zeros = "0".repeat(usize::try_from(int_len - len).unwrap_or(0));
        format!("{sign}{digits}{zeros}")
    } else {
        let (a, b) = digits.split_at(usize::try_from(int_len).unwrap_or(0));
        format!("{sign}{a}.{b}")
    }
}

/// `G<p>`: `p` significant digits; scientific when the exponent is ≥ `p` or < -5.
fn general(f: f64, p: usize, e: char) -> String {
    if f == 0.0 {
        return "0".to_owned();
    }
    let s = format!("{:.*e}", p.saturating_sub(1), f);
    let (m, x) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = x.parse().unwrap_or(0);
    let neg = m.starts_with('-');
    let digits: String = m.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    let sign = if neg { "-" } else { "" };
    if exp >= i32::try_from(p).unwrap_or(i32::MAX) || exp < -5 {
        let (first, more) = digits.split_at(1.min(digits.len()));
        let frac = if more.is_empty() { String::new() } else { format!(".{more}") };
        let es = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{first}{frac}{e}{es}{:02}", exp.unsigned_abs());
    }
    positional(sign, digits, exp)
}

/// One piece of a custom pattern section.
#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Zero,
    Hash,
    Point,
    Comma,
    Lit(String),
}

/// A custom numeric pattern (`000`, `#,0.00`, `0.0%`, `##;(##);zero`).
/// `None` for what is not evaluated (exponent notation).
fn custom(v: &Value, spec: &str) -> Option<String> {
    let sections = split_sections(spec);
    let f = v.as_f64()?;
    let (section, use_abs) = match (sections.as_slice(), f) {
        ([_, neg, ..], x) if x < 0.0 && !neg.is_empty() => (neg.clone(), true),
        ([pos, _, zero, ..], x) if x == 0.0 && !zero.is_empty() => (zero.clone(), true),
        ([first, ..], _) => (first.clone(), false),
        ([], _) => return None,
    };
    let toks = tokens(&section)?;
    // Scaling: `%` ×100, `‰` ×1000, commas right before the point (or the end) ÷1000 each.
    let mut scale: i32 = 0;
    for t in &toks {
        if let Tok::Lit(l) = t {
            scale += 2 * i32::try_from(l.matches('%').count()).unwrap_or(0);
            scale += 3 * i32::try_from(l.matches('‰').count()).unwrap_or(0);
        }
    }
    let point = toks.iter().position(|t| *t == Tok::Point);
    let int_part = toks.get(..point.unwrap_or(toks.len())).unwrap_or_default();
    let frac_part = point.and_then(|p| toks.get(p + 1..)).unwrap_or_default();
    let last_digit = int_part.iter().rposition(|t| matches!(t, Tok::Zero | Tok::Hash));
    let trailing_commas = match last_digit {
        Some(ld) => int_part.iter().skip(ld + 1).take_while(|t| **t == Tok::Comma).count(),
        None => 0,
    };
    scale -= 3 * i32::try_from(trailing_commas).unwrap_or(0);
    let grouping = last_digit.is_some_and(|ld| {
        int_part.iter().take(ld).enumerate().any(|(i, t)| *t == Tok::Comma && int_part.iter().take(i).any(|x| matches!(x, Tok::Zero | Tok::Hash)))
    });
    let min_int = int_part.iter().position(|t| *t == Tok::Zero).map_or(0, |first_zero| {
        int_part.iter().skip(first_zero).filter(|t| matches!(t, Tok::Zero | Tok::Hash)).count()
    });
    let max_frac = frac_part.iter().filter(|t| matches!(t, Tok::Zero | Tok::Hash)).count();
    let min_frac = frac_part
        .iter()
        .filter(|t| matches!(t, Tok::Zero | Tok::Hash))
        .collect::<Vec<_>>()
        .iter()
        .rposition(|t| **t == Tok::Zero)
        .map_or(0, |p| p + 1);
    let scaled = match v {
        Value::Int(i) if scale >= 0 => i.checked_mul(10i64.checked_pow(scale.unsigned_abs())?).map_or(Value::Float(f * 10f64.powi(scale)), Value::Int),
        _ => Value::Float(f * 10f64.powi(scale)),
    };
    let (neg, ip, fp) = fixed(&scaled, max_frac);
    let ip = ip.trim_start_matches('0');
    let ip = if ip.len() < min_int { format!("{}{ip}", "0".repeat(min_int - ip.len())) } else { ip.to_owned() };
    let mut fp = fp;
    while fp.len() > min_frac && fp.ends_with('0') {
        fp.pop();
    }
    let is_zero = ip.bytes().chain(fp.bytes()).all(|b| b == b'0');
    let mut out = String::new();
    if neg && !use_abs && !is_zero {
        out.push('-');
    }
    // Integer part: digits right-aligned into the placeholders; extra digits
    // go with the first placeholder (with separators when grouping).
    let placeholders = int_part.iter().filter(|t| matches!(t, Tok::Zero | Tok::Hash)).count();
    let digits: Vec<char> = ip.chars().collect();
    let extra = digits.len().saturating_sub(placeholders);
    let mut di = 0usize;
    let mut seen = 0usize;
    for t in int_part {
        match t {
            Tok::Zero | Tok::Hash => {
                let slot_from_right = placeholders - seen;
                seen += 1;
                if grouping {
                    if seen == 1 {
                        out.push_str(&group(&ip));
                    }
                    continue;
                }
                if seen == 1 {
                    for c in digits.iter().take(extra) {
                        out.push(*c);
                    }
                    di = extra;
                }
                if slot_from_right <= digits.len() {
                    if let Some(c) = digits.get(di) {
                        out.push(*c);
                    }
                    di += 1;
                }
            }
            Tok::Comma => {}
            Tok::Lit(l) => out.push_str(l),
            Tok::Point => {}
        }
    }
    if !fp.is_empty() {
        out.push('.');
    }
    let fdigits: Vec<char> = fp.chars().collect();
    let mut k = 0usize;
    for t in frac_part {
        match t {
            Tok::Zero | Tok::Hash => {
                if let Some(c) = fdigits.get(k) {
                    out.push(*c);
                }
                k += 1;
            }
            Tok::Lit(l) => out.push_str(l),
            Tok::Comma | Tok::Point => {}
        }
    }
    Some(out)
}

/// Sections separated by unquoted, unescaped `;`.
fn split_sections(spec: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in spec.chars() {
        let cur = out.last_mut();
        match (quote, escaped, c) {
            (_, true, _) => {
                escaped = false;
                if let Some(s) = cur {
                    s.push(c);
                }
            }
            (None, false, '\\') => {
                escaped = true;
                if let Some(s) = cur {
                    s.push(c);
                }
            }
            (None, false, '\'' | '"') => {
                quote = Some(c);
                if let Some(s) = cur {
                    s.push(c);
                }
            }
            (Some(q), false, x) if x == q => {
                quote = None;
                if let Some(s) = cur {
                    s.push(c);
                }
            }
            (None, false, ';') => out.push(String::new()),
            _ => {
                if let Some(s) = cur {
                    s.push(c);
                }
            }
        }
    }
    out
}

fn tokens(section: &str) -> Option<Vec<Tok>> {
    let mut out = Vec::new();
    let mut lit = String::new();
    let mut chars = section.chars().peekable();
    let mut seen_point = false;
    let flush = |lit: &mut String, out: &mut Vec<Tok>| {
        if !lit.is_empty() {
            out.push(Tok::Lit(std::mem::take(lit)));
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '0' | '#' => {
                flush(&mut lit, &mut out);
                out.push(if c == '0' { Tok::Zero } else { Tok::Hash });
            }
            '.' if !seen_point => {
                flush(&mut lit, &mut out);
                seen_point = true;
                out.push(Tok::Point);
            }
            '.' => {}
            ',' => {
                flush(&mut lit, &mut out);
                out.push(Tok::Comma);
            }
            'E' | 'e' if matches!(chars.peek(), Some('0' | '+' | '-')) => return None,
            '\\' => {
                if let Some(n) = chars.next() {
                    lit.push(n);
                }
            }
            '\'' | '"' => {
                for n in chars.by_ref() {
                    if n == c {
                        break;
                    }
                    lit.push(n);
                }
            }
            other => lit.push(other),
        }
    }
    flush(&mut lit, &mut out);
    Some(out)
}
