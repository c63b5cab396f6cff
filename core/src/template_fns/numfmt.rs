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
    // Text between braces is copied a run at a time; `{{`/`}}` are braces.
    let mut out = String::with_capacity(f.len().saturating_add(args.iter().map(|a| a.as_str().map_or(8, str::len)).sum()));
    let mut rest = f;
    // (Byte loops: format strings are short, a searcher costs more.)
    while let Some(at) = rest.bytes().position(|b| b == b'{' || b == b'}') {
        out.push_str(rest.get(..at).unwrap_or_default());
        if out.len() > super::MAX_BUILD {
            return Err(super::limit_error("`format` result is too large"));
        }
        let brace = rest.as_bytes().get(at).copied();
        let after = rest.get(at.saturating_add(1)..).unwrap_or_default();
        match brace {
            Some(b'{') if after.starts_with('{') => {
                out.push('{');
                rest = after.get(1..).unwrap_or_default();
            }
            Some(b'}') if after.starts_with('}') => {
                out.push('}');
                rest = after.get(1..).unwrap_or_default();
            }
            Some(b'{') => {
                let Some(end) = after.bytes().position(|b| b == b'}') else {
                    return Err(type_error(format!("`format`: `{f}` has an unmatched `{{`")));
                };
                let item = after.get(..end).unwrap_or_default();
                rest = after.get(end.saturating_add(1)..).unwrap_or_default();
                // The usual `{0}` of a string: copied as it is. (An index
                // alone, so no `,` or `:`; one digit read directly.)
                let index = match item.as_bytes() {
                    [d @ b'0'..=b'9'] => Some(usize::from(d - b'0')),
                    _ => item.trim().parse::<usize>().ok(),
                };
                match index.and_then(|i| args.get(i)).and_then(|v| v.as_str()) {
                    Some(text) => out.push_str(text),
                    _ => match format_item(item, args) {
                        Ok(piece) => out.push_str(&piece),
                        Err(NoText::Error(e)) => return Err(e),
                        Err(NoText::Unknown(reason)) => return Ok(Value::unknown(reason)),
                    },
                }
            }
            _ => return Err(type_error(format!("`format`: `{f}` has an unmatched `}}`"))),
        }
        if out.len() > super::MAX_BUILD {
            return Err(super::limit_error("`format` result is too large"));
        }
    }
    out.push_str(rest);
    if out.len() > super::MAX_BUILD {
        return Err(super::limit_error("`format` result is too large"));
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
        None => plain(v)?,
        Some(sp) => match v {
            Value::Int(_) | Value::Float(_) => number(v, sp)?,
            // ARM reads JSON with Newtonsoft, whose default turns ISO date-time
            // strings into dates, which are formattable: not known which applies.
            Value::String(s) if super::datetime::looks_like_date_time(s) => {
                return Err(NoText::Unknown(format!(
                    "`format`: `{s}` may be read as a date, so whether `{sp}` applies is not known to amlguard"
                )))
            }
            // Strings, booleans, null are not IFormattable in .NET: the format is ignored.
            other => plain(other)?,
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
/// `G` for doubles), containers as compact JSON.
fn plain(v: &Value) -> Result<String, NoText> {
    Ok(match v {
        Value::String(s) => s.clone(),
        Value::Bool(b) => if *b { "True" } else { "False" }.to_owned(),
        Value::Null => String::new(),
        Value::Float(f) => default_double(*f)?,
        other => other.to_string(),
    })
}

fn runtimes_differ(spec: &str) -> NoText {
    NoText::Unknown(format!(
        "`format`: `{spec}` of this number differs between .NET runtimes (rounding) and is not evaluated by amlguard"
    ))
}

/// A number with a standard or custom numeric format.
fn number(v: &Value, spec: &str) -> Result<String, NoText> {
    let spec_t = spec.trim();
    let mut cs = spec_t.chars();
    let letter = cs.next().unwrap_or('G');
    let rest = cs.as_str();
    let standard = letter.is_ascii_alphabetic() && rest.bytes().all(|b| b.is_ascii_digit());
    if !standard || spec_t.is_empty() {
        return custom(v, spec)
            .ok_or_else(|| NoText::Unknown(format!("`format`: custom format `{spec}` of this number is not evaluated by amlguard")));
    }
    let prec: Option<usize> = if rest.is_empty() { None } else { rest.parse().ok() };
    if prec.is_some_and(|p| p > MAX_PRECISION) || (!rest.is_empty() && prec.is_none()) {
        return Err(NoText::Unknown(format!("`format`: precision in `{spec}` is not evaluated by amlguard")));
    }
    let int = match v {
        Value::Int(i) => Some(*i),
        _ => None,
    };
    let f = v.as_f64().unwrap_or_default();
    let needs_int = || int.ok_or_else(|| NoText::Error(type_error(format!("`format`: `{spec}` needs an integer"))));
    let differ = || runtimes_differ(spec);
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
            let (neg, ip, fp) = fixed(v, prec.unwrap_or(2), 0).ok_or_else(differ)?;
            let ip = if matches!(letter, 'N' | 'n') { group(&ip) } else { ip };
            signed(neg, &ip, &fp)
        }
        'P' | 'p' => {
            // .NET scales by 100 in decimal digits, not in binary.
            let (neg, ip, fp) = fixed(v, prec.unwrap_or(2), 2).ok_or_else(differ)?;
            format!("{} %", signed(neg, &group(&ip), &fp))
        }
        'E' | 'e' => {
            let (neg, digits, exp) = significant(v, prec.unwrap_or(6) + 1).ok_or_else(differ)?;
            let (first, more) = digits.split_at(1.min(digits.len()));
            let frac = if more.is_empty() { String::new() } else { format!(".{more}") };
            let sign = if neg && digits.bytes().any(|b| b != b'0') { "-" } else { "" };
            format!("{sign}{first}{frac}{letter}{}{:03}", if exp < 0 { '-' } else { '+' }, exp.unsigned_abs())
        }
        'G' | 'g' => match (int, prec) {
            (Some(i), None | Some(0)) => i.to_string(),
            (None, None | Some(0)) => default_double(f)?,
            (_, Some(p)) => general(v, p, if letter == 'G' { 'E' } else { 'e' }).ok_or_else(differ)?,
        },
        'R' | 'r' if int.is_none() => default_double(f)?,
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

/// Decimal digits of |x| with the decimal point after `point` digits.
#[derive(Debug, Clone)]
struct Dec {
    digits: Vec<u8>,
    point: i64,
}

/// How a digit string is cut: .NET Core 2.1+ rounds the exact binary value
/// with ties to even; .NET Framework rounds its 15-significant-digit text
/// with ties away from zero (learn.microsoft.com "Standard numeric format
/// strings", precision specifier). Which runtime ARM uses is not documented,
/// so a float is only formatted when both give the same text.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Even,
    Away,
}

impl Dec {
    fn int(i: i64) -> Dec {
        let digits: Vec<u8> = i.unsigned_abs().to_string().bytes().map(|b| b - b'0').collect();
        let point = i64::try_from(digits.len()).unwrap_or(0);
        Dec { digits, point }
    }

    /// The exact value of a double (every double has a finite expansion).
    fn exact(f: f64) -> Dec {
        let s = format!("{:.1100}", f.abs());
        let (ip, fp) = s.split_once('.').unwrap_or((&s, ""));
        let digits = ip.bytes().chain(fp.bytes()).map(|b| b - b'0').collect();
        Dec { digits, point: i64::try_from(ip.len()).unwrap_or(0) }
    }

    /// .NET Framework's 15 significant digits.
    fn fifteen(f: f64) -> Dec {
        let s = format!("{:.14e}", f.abs());
        let (m, x) = s.split_once('e').unwrap_or((&s, "0"));
        let exp: i64 = x.parse().unwrap_or(0);
        Dec { digits: m.bytes().filter(u8::is_ascii_digit).map(|b| b - b'0').collect(), point: exp + 1 }
    }

    /// Keep the first `keep` digits (padding with zeros), rounding by `mode`;
    /// a carry out of the first digit adds one and moves the point.
    fn round(&self, keep: usize, mode: Mode) -> Dec {
        let mut d = self.digits.clone();
        if d.len() <= keep {
            d.resize(keep, 0);
            return Dec { digits: d, point: self.point };
        }
        let next = d.get(keep).copied().unwrap_or(0);
        let rest_nonzero = d.get(keep + 1..).is_some_and(|r| r.iter().any(|x| *x != 0));
        let last_odd = keep.checked_sub(1).and_then(|k| d.get(k)).is_some_and(|x| x % 2 == 1);
        let up = match mode {
            Mode::Away => next >= 5,
            Mode::Even => next > 5 || (next == 5 && (rest_nonzero || last_odd)),
        };
        d.truncate(keep);
        let mut point = self.point;
        if up {
            let mut k = keep;
            loop {
                if k == 0 {
                    d.insert(0, 1);
                    point += 1;
                    break;
                }
                k -= 1;
                match d.get_mut(k) {
                    Some(x) if *x == 9 => *x = 0,
                    Some(x) => {
                        *x += 1;
                        break;
                    }
                    None => break,
                }
            }
        }
        Dec { digits: d, point }
    }

    /// Index of the first non-zero digit.
    fn lead(&self) -> Option<usize> {
        self.digits.iter().position(|x| *x != 0)
    }
}

fn text_of(d: &[u8]) -> String {
    d.iter().map(|x| char::from(b'0' + x)).collect()
}

/// |v|·10^shift with `prec` fraction digits: (negative, integer digits, fraction digits);
/// `None` when the .NET runtimes would print different digits.
fn fixed(v: &Value, prec: usize, shift: i64) -> Option<(bool, String, String)> {
    let cut = |dec: &Dec, mode: Mode| -> Option<(String, String)> {
        let mut dec = dec.clone();
        dec.point += shift;
        if dec.point < 1 {
            let pad = usize::try_from(1 - dec.point).ok()?;
            dec.digits.splice(0..0, std::iter::repeat_n(0, pad));
            dec.point = 1;
        }
        let point = usize::try_from(dec.point).ok()?;
        let r = dec.round(point.checked_add(prec)?, mode);
        let point = usize::try_from(r.point).ok()?;
        let ip = text_of(r.digits.get(..point)?);
        let ip = ip.trim_start_matches('0');
        let ip = if ip.is_empty() { "0".to_owned() } else { ip.to_owned() };
        Some((ip, text_of(r.digits.get(point..)?)))
    };
    match v {
        Value::Int(i) => {
            let (ip, fp) = cut(&Dec::int(*i), Mode::Away)?;
            Some((*i < 0, ip, fp))
        }
        Value::Float(f) if f.is_finite() => {
            let a = cut(&Dec::exact(*f), Mode::Even)?;
            let b = cut(&Dec::fifteen(*f), Mode::Away)?;
            (a == b).then_some((*f < 0.0, a.0, a.1))
        }
        _ => None,
    }
}

/// `n` significant digits of |v| and the decimal exponent of the first:
/// (negative, digits, exponent); `None` when the runtimes differ.
fn significant(v: &Value, n: usize) -> Option<(bool, String, i64)> {
    let sig = |dec: &Dec, mode: Mode| -> (String, i64) {
        let Some(lead) = dec.lead() else { return ("0".repeat(n), 0) };
        let shifted = Dec { digits: dec.digits.get(lead..).unwrap_or_default().to_vec(), point: dec.point - i64::try_from(lead).unwrap_or(0) };
        let r = shifted.round(n, mode);
        let mut digits = r.digits;
        digits.truncate(n);
        (text_of(&digits), r.point - 1)
    };
    match v {
        Value::Int(i) => {
            let (d, e) = sig(&Dec::int(*i), Mode::Away);
            Some((*i < 0, d, e))
        }
        Value::Float(f) if f.is_finite() => {
            let a = sig(&Dec::exact(*f), Mode::Even);
            let b = sig(&Dec::fifteen(*f), Mode::Away);
            (a == b).then_some((*f < 0.0, a.0, a.1))
        }
        _ => None,
    }
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

/// A double without a format (`G`, `R`): .NET Core 3.0+ prints the shortest
/// text that reads back, .NET Framework 15 significant digits; known when both agree.
fn default_double(f: f64) -> Result<String, NoText> {
    let modern = shortest(f);
    let framework = general(&Value::Float(f), 15, 'E');
    match framework {
        Some(fw) if fw == modern => Ok(modern),
        _ => Err(runtimes_differ("G")),
    }
}

/// Shortest text that reads back as `f`, as .NET Core's `double.ToString()`:
/// scientific (`1E+15`, `1E-05`) below 1e-5 or from 1e15.
fn shortest(f: f64) -> String {
    if f == 0.0 {
        return "0".to_owned();
    }
    let s = format!("{f:e}");
    let (m, x) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i64 = x.parse().unwrap_or(0);
    let sign = if m.starts_with('-') { "-" } else { "" };
    let digits: String = m.chars().filter(char::is_ascii_digit).collect();
    notation(sign, &digits, exp, 15, 'E')
}

/// Digits `d1d2…` (value `d1.d2… × 10^exp`): positional when `-5 <= exp < limit`,
/// else `d1.d2…E±XX` (at least two exponent digits), as `G` prints.
fn notation(sign: &str, digits: &str, exp: i64, limit: i64, e: char) -> String {
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    if exp >= limit || exp < -5 {
        let (first, more) = digits.split_at(1.min(digits.len()));
        let frac = if more.is_empty() { String::new() } else { format!(".{more}") };
        return format!("{sign}{first}{frac}{e}{}{:02}", if exp < 0 { '-' } else { '+' }, exp.unsigned_abs());
    }
    let len = i64::try_from(digits.len()).unwrap_or(i64::MAX);
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
fn general(v: &Value, p: usize, e: char) -> Option<String> {
    if v.as_f64() == Some(0.0) {
        return Some("0".to_owned());
    }
    let (neg, digits, exp) = significant(v, p)?;
    Some(notation(if neg { "-" } else { "" }, &digits, exp, i64::try_from(p).unwrap_or(i64::MAX), e))
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
    // A double spans 10^-324..10^308: a larger scale is a hostile pattern.
    if scale.unsigned_abs() > 400 {
        return None;
    }
    let (neg, ip, fp) = fixed(v, max_frac, i64::from(scale))?;
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
