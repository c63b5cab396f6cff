//! Date functions that do not depend on the current time: `dateTimeAdd`
//! (with .NET standard and custom output formats, invariant culture),
//! `dateTimeFromEpoch`, `dateTimeToEpoch`, and policy's `addDays`.

use super::{arity, type_error, FnError, FnResult};
use crate::value::Value;

type EResult<T> = Result<T, FnError>;

fn err<T>(message: impl Into<String>) -> EResult<T> {
    Err(type_error(message))
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ => {
            if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 {
                29
            } else {
                28
            }
        }
    }
}

/// A parsed timestamp: seconds since the epoch (UTC), the fraction as
/// written, and the offset it was written with (kept for output).
#[derive(Debug, Clone)]
struct Ts {
    secs: i64,
    nanos: u32,
    frac: String,
    offset: i64,
}

fn num(s: &str) -> Option<i64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// An ISO 8601 date-time text (`2020-04-07T14:53:14Z`), which a JSON reader
/// with date handling (Newtonsoft's default) turns into a date value.
pub(crate) fn looks_like_date_time(s: &str) -> bool {
    s.contains(['T', 't']) && parse_ts(s).is_ok()
}

fn parse_ts(s: &str) -> EResult<Ts> {
    let bad = || type_error(format!("`{s}` is not an ISO 8601 date-time"));
    let (date, time) = match s.split_once(['T', 't', ' ']) {
        Some((d, t)) => (d, Some(t)),
        None => (s, None),
    };
    let mut dp = date.split('-');
    let y = dp.next().and_then(num).ok_or_else(bad)?;
    let m = dp.next().and_then(num).ok_or_else(bad)?;
    let d = dp.next().and_then(num).ok_or_else(bad)?;
    // .NET's DateTime covers the years 1 to 9999.
    if dp.next().is_some() || !(1..=9999).contains(&y) || !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return Err(bad());
    }
    let mut secs = days_from_civil(y, m, d) * 86_400;
    let mut nanos = 0u32;
    let mut frac_text = String::new();
    let mut offset_secs = 0i64;
    if let Some(t) = time {
        let (clock, offset) = split_offset(t).ok_or_else(bad)?;
        let mut cp = clock.split(':');
        let hh = cp.next().and_then(num).ok_or_else(bad)?;
        let mm = cp.next().and_then(num).ok_or_else(bad)?;
        let ss_txt = cp.next().unwrap_or("0");
        if cp.next().is_some() {
            return Err(bad());
        }
        let (ss, frac) = match ss_txt.split_once('.') {
            Some((a, f)) => (num(a).ok_or_else(bad)?, Some(f)),
            None => (num(ss_txt).ok_or_else(bad)?, None),
        };
        if hh > 23 || mm > 59 || ss > 59 {
            return Err(bad());
        }
        if let Some(f) = frac {
            if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            let digits: String = f.chars().chain(std::iter::repeat('0')).take(9).collect();
            nanos = digits.parse().map_err(|_| bad())?;
            frac_text = f.to_owned();
        }
        secs += hh * 3600 + mm * 60 + ss - offset;
        offset_secs = offset;
    }
    Ok(Ts { secs, nanos, frac: frac_text, offset: offset_secs })
}

/// Split `HH:MM:SS[.f]` from a `Z` / `+hh:mm` suffix; returns the offset in seconds.
fn split_offset(t: &str) -> Option<(&str, i64)> {
    if let Some(c) = t.strip_suffix(['Z', 'z']) {
        return Some((c, 0));
    }
    if let Some(pos) = t.rfind(['+', '-']) {
        let (c, off) = t.split_at(pos);
        let sign = if off.starts_with('-') { -1 } else { 1 };
        let body = off.get(1..)?;
        let (h, m) = body.split_once(':').unwrap_or((body.get(..2)?, body.get(2..).unwrap_or("0")));
        let (h, m) = (num(h).filter(|h| *h <= 14)?, num(m).unwrap_or(0));
        if m > 59 {
            return None;
        }
        return Some((c, sign * (h * 3600 + m * 60)));
    }
    Some((t, 0))
}

/// Civil fields of a timestamp shifted by `offset` seconds.
fn fields(secs: i64, offset: i64) -> (i64, i64, i64, i64, i64, i64, i64) {
    let local = secs + offset;
    let days = local.div_euclid(86_400);
    let rem = local.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    // weekday: 1970-01-01 was a Thursday (4)
    let wd = (days + 4).rem_euclid(7);
    (y, m, d, rem / 3600, rem % 3600 / 60, rem % 60, wd)
}

fn offset_text(offset: i64) -> String {
    if offset == 0 {
        return "Z".to_owned();
    }
    let sign = if offset < 0 { '-' } else { '+' };
    let a = offset.abs();
    format!("{sign}{:02}:{:02}", a / 3600, a % 3600 / 60)
}

/// ISO 8601 in the offset the input was written with, fraction as written.
fn format_ts(ts: &Ts) -> String {
    let (y, m, d, hh, mi, ss, _) = fields(ts.secs, ts.offset);
    let frac = if ts.frac.is_empty() {
        if ts.nanos == 0 { String::new() } else { format!(".{}", format!("{:09}", ts.nanos).trim_end_matches('0')) }
    } else {
        format!(".{}", ts.frac)
    };
    format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mi:02}:{ss:02}{frac}{}", offset_text(ts.offset))
}

const DAYS: [&str; 7] = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS: [&str; 12] =
    ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

/// .NET date format (invariant culture, as ARM's `utcNow`/`dateTimeAdd`
/// documentation shows: `d` is `MM/dd/yyyy`): a standard one-letter format
/// or a custom pattern. Standard formats are expanded to their invariant
/// custom patterns; `u`, `U`, `r` and `R` render UTC.
fn format_with(ts: &Ts, f: &str) -> EResult<String> {
    let mut chars = f.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        let (pattern, utc) = match c {
            'd' => ("MM/dd/yyyy", false),
            'D' => ("dddd, dd MMMM yyyy", false),
            'f' => ("dddd, dd MMMM yyyy HH:mm", false),
            'F' => ("dddd, dd MMMM yyyy HH:mm:ss", false),
            'g' => ("MM/dd/yyyy HH:mm", false),
            'G' => ("MM/dd/yyyy HH:mm:ss", false),
            'm' | 'M' => ("MMMM dd", false),
            'o' | 'O' => ("yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK", false),
            'r' | 'R' => ("ddd, dd MMM yyyy HH':'mm':'ss 'GMT'", true),
            's' => ("yyyy'-'MM'-'dd'T'HH':'mm':'ss", false),
            't' => ("HH:mm", false),
            'T' => ("HH:mm:ss", false),
            'u' => ("yyyy'-'MM'-'dd HH':'mm':'ss'Z'", true),
            'U' => ("dddd, dd MMMM yyyy HH:mm:ss", true),
            'y' | 'Y' => ("yyyy MMMM", false),
            other => return err(format!("`{other}` is not a .NET standard date format")),
        };
        let shown = if utc { Ts { offset: 0, ..ts.clone() } } else { ts.clone() };
        return custom(&shown, pattern);
    }
    custom(ts, f.strip_prefix('%').filter(|r| r.chars().count() == 1).unwrap_or(f))
}

/// A .NET custom date and time format pattern.
fn custom(ts: &Ts, f: &str) -> EResult<String> {
    let (y, m, d, hh, mi, ss, wd) = fields(ts.secs, ts.offset);
    let mut out = String::new();
    let cs: Vec<char> = f.chars().collect();
    let mut i = 0;
    while let Some(&c) = cs.get(i) {
        // quoted literal text and backslash escapes
        if c == '\'' || c == '"' {
            let lit: String = cs.iter().skip(i + 1).take_while(|&&x| x != c).collect();
            out.push_str(&lit);
            i += lit.chars().count() + 2;
            continue;
        }
        if c == '\\' {
            if let Some(&next) = cs.get(i + 1) {
                out.push(next);
            }
            i += 2;
            continue;
        }
        let run = cs.get(i..).unwrap_or_default().iter().take_while(|&&x| x == c).count();
        let h12 = if hh % 12 == 0 { 12 } else { hh % 12 };
        let piece = match (c, run) {
            ('y', 1) => format!("{}", y % 100),
            ('y', 2) => format!("{:02}", y % 100),
            ('y', n) => format!("{y:0n$}"),
            ('M', 1) => format!("{m}"),
            ('M', 2) => format!("{m:02}"),
            ('M', 3) => month_name(m).chars().take(3).collect(),
            ('M', _) => month_name(m).to_owned(),
            ('d', 1) => format!("{d}"),
            ('d', 2) => format!("{d:02}"),
            ('d', 3) => day_name(wd).chars().take(3).collect(),
            ('d', _) => day_name(wd).to_owned(),
            ('H', 1) => format!("{hh}"),
            ('H', _) => format!("{hh:02}"),
            ('h', 1) => format!("{h12}"),
            ('h', _) => format!("{h12:02}"),
            ('m', 1) => format!("{mi}"),
            ('m', _) => format!("{mi:02}"),
            ('s', 1) => format!("{ss}"),
            ('s', _) => format!("{ss:02}"),
            ('t', 1) => if hh < 12 { "A" } else { "P" }.to_owned(),
            ('t', _) => if hh < 12 { "AM" } else { "PM" }.to_owned(),
            ('f', n) if n <= 7 => format!("{:09}", ts.nanos).chars().take(n).collect(),
            ('F', n) if n <= 7 => {
                let digits: String = format!("{:09}", ts.nanos).chars().take(n).collect();
                let kept = digits.trim_end_matches('0');
                if kept.is_empty() && out.ends_with('.') {
                    out.pop();
                }
                kept.to_owned()
            }
            ('K', _) => offset_text(ts.offset),
            ('z', 1) => format!("{:+}", ts.offset / 3600),
            ('z', 2) => {
                let h = ts.offset / 3600;
                format!("{}{:02}", if h < 0 { '-' } else { '+' }, h.abs())
            }
            ('z', _) => {
                let a = ts.offset.abs();
                format!("{}{:02}:{:02}", if ts.offset < 0 { '-' } else { '+' }, a / 3600, a % 3600 / 60)
            }
            ('g', _) => if y > 0 { "A.D." } else { "B.C." }.to_owned(),
            ('f' | 'F', _) => return err(format!("`{f}`: more than 7 fraction digits")),
            (':' | '/', _) => std::iter::repeat_n(c, run).collect(),
            (x, _) if x.is_ascii_alphabetic() => std::iter::repeat_n(c, run).collect(),
            _ => std::iter::repeat_n(c, run).collect(),
        };
        out.push_str(&piece);
        i += run;
    }
    Ok(out)
}

fn day_name(wd: i64) -> &'static str {
    usize::try_from(wd).ok().and_then(|i| DAYS.get(i)).copied().unwrap_or("?")
}

fn month_name(m: i64) -> &'static str {
    usize::try_from(m - 1).ok().and_then(|i| MONTHS.get(i)).copied().unwrap_or("?")
}

/// Add an ISO 8601 duration (`P1Y2M3DT4H5M6S`, optionally negative).
fn add_duration(ts: Ts, dur: &str) -> EResult<Ts> {
    let bad = || type_error(format!("`{dur}` is not an ISO 8601 duration"));
    let (neg, body) = match dur.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, dur),
    };
    let body = body.strip_prefix(['P', 'p']).ok_or_else(bad)?;
    let (date_part, time_part) = match body.split_once(['T', 't']) {
        Some((a, b)) => (a, Some(b)),
        None => (body, None),
    };
    let sign = if neg { -1 } else { 1 };
    let (mut years, mut months, mut days, mut secs) = (0i64, 0i64, 0i64, 0i64);
    let mut any = false;
    let mut take = |part: &str, is_time: bool| -> EResult<()> {
        let mut n = String::new();
        for c in part.chars() {
            if c.is_ascii_digit() {
                n.push(c);
                continue;
            }
            // at most 12 digits a part: no overflow below, and far beyond 9999 years
            let v: i64 = if n.len() <= 12 { n.parse().map_err(|_| bad())? } else { return Err(bad()) };
            n.clear();
            any = true;
            match (c.to_ascii_uppercase(), is_time) {
                ('Y', false) => years += v,
                ('M', false) => months += v,
                ('W', false) => days += v * 7,
                ('D', false) => days += v,
                ('H', true) => secs += v * 3600,
                ('M', true) => secs += v * 60,
                ('S', true) => secs += v,
                _ => return Err(bad()),
            }
            if [years, months, days, secs].iter().any(|x| x.unsigned_abs() > 1 << 50) {
                return Err(bad());
            }
        }
        if n.is_empty() { Ok(()) } else { Err(bad()) }
    };
    take(date_part, false)?;
    if let Some(t) = time_part {
        if t.is_empty() {
            return Err(bad());
        }
        take(t, true)?;
    }
    if !any {
        return Err(bad());
    }
    // a year is 365 days and a month 30 (a duration, not a calendar step)
    let total_days = years * 365 + months * 30 + days;
    let delta = total_days
        .checked_mul(86_400)
        .and_then(|d| d.checked_add(secs))
        .and_then(|d| d.checked_mul(sign))
        .ok_or_else(bad)?;
    let secs = ts.secs.checked_add(delta).ok_or_else(bad)?;
    if !(MIN_SECS..=MAX_SECS).contains(&secs) {
        return err(format!("adding `{dur}` leaves the years 1 to 9999"));
    }
    Ok(Ts { secs, ..ts })
}

/// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z, .NET's DateTime range.
const MIN_SECS: i64 = -62_135_596_800;
const MAX_SECS: i64 = 253_402_300_799;

fn s_arg<'x>(name: &str, args: &[&'x Value], i: usize) -> EResult<&'x str> {
    match args.get(i) {
        Some(Value::String(s)) => Ok(s),
        Some(other) => err(format!("`{name}` expects a string as argument {}, found {}", i + 1, other.type_name())),
        None => err(format!("`{name}` is missing argument {}", i + 1)),
    }
}

/// `dateTimeAdd`, `dateTimeFromEpoch`, `dateTimeToEpoch` (arguments known).
pub(crate) fn call(lname: &str, name: &str, args: &[&Value]) -> FnResult {
    Ok(match lname {
        "datetimeadd" => {
            arity(name, args.len(), 2, 3)?;
            let ts = add_duration(parse_ts(s_arg(name, args, 0)?)?, s_arg(name, args, 1)?)?;
            match args.get(2) {
                Some(_) => Value::String(format_with(&ts, s_arg(name, args, 2)?)?),
                None => Value::String(format_ts(&ts)),
            }
        }
        "datetimefromepoch" => {
            arity(name, args.len(), 1, 1)?;
            let n = args.first().and_then(|v| v.as_i64()).ok_or_else(|| type_error(format!("`{name}` expects an integer")))?;
            if !(MIN_SECS..=MAX_SECS).contains(&n) {
                return err(format!("`{name}`: {n} is out of range"));
            }
            Value::String(format_ts(&Ts { secs: n, nanos: 0, frac: String::new(), offset: 0 }))
        }
        "datetimetoepoch" => {
            arity(name, args.len(), 1, 1)?;
            Value::Int(parse_ts(s_arg(name, args, 0)?)?.secs)
        }
        _ => return err(format!("unknown function `{name}`")),
    })
}

/// Policy's `addDays(dateTime, days)`.
pub(crate) fn add_days(name: &str, args: &[&Value]) -> FnResult {
    arity(name, args.len(), 2, 2)?;
    let ts = parse_ts(s_arg(name, args, 0)?)?;
    let n = match args.get(1) {
        Some(Value::Int(n)) => *n,
        _ => return err(format!("`{name}` expects an integer number of days")),
    };
    let secs = n
        .checked_mul(86_400)
        .and_then(|d| ts.secs.checked_add(d))
        .filter(|s| (MIN_SECS..=MAX_SECS).contains(s))
        .ok_or_else(|| type_error(format!("`{name}` leaves the years 1 to 9999")))?;
    Ok(Value::String(format_ts(&Ts { secs, ..ts })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        let ts = parse_ts("2024-02-28T00:00:00Z").unwrap();
        assert_eq!(format_ts(&add_duration(ts.clone(), "P1D").unwrap()), "2024-02-29T00:00:00Z");
        assert_eq!(format_ts(&add_duration(ts.clone(), "P1Y").unwrap()), "2025-02-27T00:00:00Z");
        assert_eq!(format_ts(&add_duration(ts, "-PT1H").unwrap()), "2024-02-27T23:00:00Z");
        let off = parse_ts("2024-01-15T12:00:00.50+05:30").unwrap();
        assert_eq!(format_ts(&off), "2024-01-15T12:00:00.50+05:30");
        assert_eq!(format_with(&off, "u").unwrap(), "2024-01-15 06:30:00Z");
        assert_eq!(format_with(&off, "yyyy-MM-dd").unwrap(), "2024-01-15");
        assert_eq!(parse_ts("1970-01-01T00:00:10Z").unwrap().secs, 10);
        assert!(parse_ts("2023-02-29").is_err());
    }
}
