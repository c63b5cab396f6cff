//! `ipRangeContains` and the encoding functions (`base64`, `dataUri`, `uri`…).

use super::eval::{err, EResult, Fail};
use crate::value::Value;
use std::borrow::Cow;
use std::net::IpAddr;

fn parse_range(s: &str) -> EResult<(u128, u32, bool)> {
    let (addr, bits) = match s.split_once('/') {
        Some((a, b)) => (a, Some(b)),
        None => (s, None),
    };
    let ip: IpAddr = addr.trim().parse().map_err(|_| Fail::Error(format!("`{s}` is not an IP address or range")))?;
    let (n, width, v6) = match ip {
        IpAddr::V4(v) => (u128::from(u32::from(v)), 32u32, false),
        IpAddr::V6(v) => (u128::from(v), 128u32, true),
    };
    let prefix = match bits {
        Some(b) => b.trim().parse::<u32>().ok().filter(|p| *p <= width).ok_or_else(|| Fail::Error(format!("`{s}` has a bad prefix length")))?,
        None => width,
    };
    Ok((n, width - prefix, v6))
}

/// `ipRangeContains(range, target)`: `target` (an address or a range) lies
/// within `range`; both must be of the same IP family.
pub(crate) fn ip_range_contains(range: &str, target: &str) -> EResult<bool> {
    // text that is not an address is simply not contained
    let (Ok((rn, rhost, r6)), Ok((tn, thost, t6))) = (parse_range(range), parse_range(target)) else {
        return Ok(false);
    };
    if r6 != t6 {
        return err(format!("`{range}` and `{target}` are of different IP families"));
    }
    if thost > rhost {
        return Ok(false);
    }
    let mask = if rhost >= 128 { 0 } else { u128::MAX << rhost };
    Ok(rn & mask == tn & mask)
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn b64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [chunk.first().copied().unwrap_or(0), chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                let idx = ((n >> (18 - 6 * i)) & 63) as usize;
                out.push(char::from(B64.get(idx).copied().unwrap_or(b'A')));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn b64_decode(s: &str) -> EResult<Vec<u8>> {
    let s = s.trim();
    let bad = || Fail::Error(format!("`{s}` is not valid base64"));
    if s.len() % 4 != 0 {
        return Err(bad());
    }
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let bytes = s.as_bytes();
    for (ci, chunk) in bytes.chunks(4).enumerate() {
        let last = ci + 1 == bytes.len() / 4;
        let mut n = 0u32;
        let mut pad = 0;
        for (i, &c) in chunk.iter().enumerate() {
            let v = if c == b'=' {
                if !last || i < 2 {
                    return Err(bad());
                }
                pad += 1;
                0
            } else {
                if pad > 0 {
                    return Err(bad());
                }
                u32::try_from(B64.iter().position(|&x| x == c).ok_or_else(bad)?).unwrap_or(0)
            };
            n = (n << 6) | v;
        }
        let b = n.to_be_bytes();
        out.extend(b.get(1..4 - pad).unwrap_or_default());
    }
    Ok(out)
}

fn pct_encode(s: &str) -> String {
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

fn pct_decode(s: &str) -> EResult<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u8::from_str_radix(h, 16).ok());
            match hex {
                Some(v) => {
                    out.push(v);
                    i += 3;
                }
                None => return err(format!("`{s}` has a bad percent escape")),
            }
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| Fail::Error(format!("`{s}` does not decode to UTF-8")))
}

fn s_arg<'x>(name: &str, args: &'x [Cow<'_, Value>], i: usize) -> EResult<&'x str> {
    match args.get(i).map(AsRef::as_ref) {
        Some(Value::String(s)) => Ok(s),
        Some(other) => err(format!("`{name}` expects a string, found {}", other.type_name())),
        None => err(format!("`{name}` is missing an argument")),
    }
}

/// The encoding functions.
pub(crate) fn encoding<'a>(name: &str, args: &[Cow<'a, Value>]) -> EResult<Cow<'a, Value>> {
    let want = if name == "uri" { 2 } else { 1 };
    if args.len() != want {
        return err(format!("`{name}` takes {want} argument(s)"));
    }
    let s = s_arg(name, args, 0)?;
    let out = match name {
        "base64" => Value::String(b64_encode(s.as_bytes())),
        "base64tostring" => Value::String(String::from_utf8(b64_decode(s)?).map_err(|_| Fail::Error("base64 content is not UTF-8".into()))?),
        "base64tojson" => {
            let text = String::from_utf8(b64_decode(s)?).map_err(|_| Fail::Error("base64 content is not UTF-8".into()))?;
            crate::json::parse(&text).map_err(|e| Fail::Error(format!("base64 content is not JSON: {e}")))?
        }
        "datauri" => Value::String(format!("data:text/plain;charset=utf8;base64,{}", b64_encode(s.as_bytes()))),
        "datauritostring" => {
            let rest = s.strip_prefix("data:").ok_or_else(|| Fail::Error(format!("`{s}` is not a data URI")))?;
            let (meta, data) = rest.split_once(',').ok_or_else(|| Fail::Error(format!("`{s}` is not a data URI")))?;
            if meta.ends_with(";base64") {
                Value::String(String::from_utf8(b64_decode(data)?).map_err(|_| Fail::Error("data URI content is not UTF-8".into()))?)
            } else {
                Value::String(pct_decode(data)?)
            }
        }
        "uricomponent" => Value::String(pct_encode(s)),
        "uricomponenttostring" => Value::String(pct_decode(s)?),
        _ => {
            // uri(base, relative)
            let rel = s_arg(name, args, 1)?;
            if !(s.starts_with("http://") || s.starts_with("https://")) {
                return err(format!("`{s}` is not an absolute URI"));
            }
            if rel.starts_with("http://") || rel.starts_with("https://") {
                Value::String(rel.to_owned())
            } else if let Some(r) = rel.strip_prefix('/') {
                let scheme_end = s.find("://").map_or(0, |i| i + 3);
                let host_end = s.get(scheme_end..).and_then(|x| x.find('/')).map_or(s.len(), |i| i + scheme_end);
                Value::String(format!("{}/{r}", s.get(..host_end).unwrap_or(s)))
            } else {
                let scheme_end = s.find("://").map_or(0, |i| i + 3);
                let cut = match s.rfind('/') {
                    Some(i) if i >= scheme_end => i + 1,
                    _ => {
                        return Ok(Cow::Owned(Value::String(format!("{s}/{rel}"))));
                    }
                };
                Value::String(format!("{}{rel}", s.get(..cut).unwrap_or(s)))
            }
        }
    };
    Ok(Cow::Owned(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_ranges_and_base64() {
        assert!(ip_range_contains("10.0.0.0/8", "10.1.2.3").unwrap());
        assert!(!ip_range_contains("10.0.0.0/8", "11.0.0.1").unwrap());
        assert!(ip_range_contains("10.0.0.0/16", "10.0.4.0/24").unwrap());
        assert!(!ip_range_contains("10.0.4.0/24", "10.0.0.0/16").unwrap());
        assert!(ip_range_contains("fe80::/10", "fe80::1").unwrap());
        assert!(ip_range_contains("10.0.0.0/8", "fe80::1").is_err());
        assert!(!ip_range_contains("not-a-cidr", "10.0.0.1").unwrap());
        assert_eq!(b64_encode(b"hello"), "aGVsbG8=");
        assert_eq!(b64_decode("aGVsbG8=").unwrap(), b"hello");
        assert!(b64_decode("a=bc").is_err());
    }
}
