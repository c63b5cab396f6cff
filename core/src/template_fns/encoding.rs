//! Encoding functions: `base64`, `base64ToString`, `base64ToJson`,
//! `dataUri`, `dataUriToString`, `uri`, `uriComponent`,
//! `uriComponentToString`. Decoding is strict, as .NET's
//! `Convert.FromBase64String` and `Uri` are: padding is required, a `uri`
//! base must be absolute.

use super::{type_error, FnError, FnResult};
use crate::value::Value;

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub(crate) fn b64_encode(data: &[u8]) -> String {
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

pub(crate) fn b64_decode(s: &str) -> Result<Vec<u8>, FnError> {
    let s = s.trim();
    let bad = || type_error(format!("`{s}` is not valid base64"));
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

fn pct_decode(s: &str) -> Result<String, FnError> {
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
                None => return Err(type_error(format!("`{s}` has a bad percent escape"))),
            }
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| type_error(format!("`{s}` does not decode to utf-8")))
}


fn utf8(name: &str, bytes: Vec<u8>) -> Result<String, FnError> {
    String::from_utf8(bytes).map_err(|_| type_error(format!("`{name}`: the decoded bytes are not utf-8")))
}

/// One encoding function on its string argument `s` (`rel`: `uri`'s second).
pub(crate) fn call(lname: &str, name: &str, s: &str, rel: &Value) -> FnResult {
    Ok(match lname {
        "base64" => Value::String(b64_encode(s.as_bytes())),
        "base64tostring" => Value::String(utf8(name, b64_decode(s)?)?),
        "base64tojson" => {
            let text = utf8(name, b64_decode(s)?)?;
            crate::json::parse(&text).map_err(|e| type_error(format!("`{name}`: the decoded text is not json: {e}")))?
        }
        "datauri" => Value::String(format!("data:text/plain;charset=utf8;base64,{}", b64_encode(s.as_bytes()))),
        "datauritostring" => {
            let bad = || type_error(format!("`{name}`: `{s}` is not a data uri"));
            let rest = s.strip_prefix("data:").ok_or_else(bad)?;
            let (meta, data) = rest.split_once(',').ok_or_else(bad)?;
            if meta.ends_with(";base64") {
                Value::String(utf8(name, b64_decode(data)?)?)
            } else {
                Value::String(pct_decode(data)?)
            }
        }
        "uricomponent" => Value::String(pct_encode(s)),
        "uricomponenttostring" => Value::String(pct_decode(s)?),
        _ => {
            let rel = rel.as_str().ok_or_else(|| type_error(format!("`{name}` expects a string, found {}", rel.type_name())))?;
            Value::String(resolve_uri(name, s, rel)?)
        }
    })
}

/// `uri(base, relative)` as .NET's `new Uri(base, relative)` for the common shapes.
fn resolve_uri(name: &str, base: &str, rel: &str) -> Result<String, FnError> {
    let absolute = |u: &str| {
        u.split_once("://").is_some_and(|(scheme, _)| {
            !scheme.is_empty() && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        })
    };
    if !absolute(base) {
        return Err(type_error(format!("`{name}`: `{base}` is not an absolute uri")));
    }
    if absolute(rel) {
        return Ok(rel.to_owned());
    }
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    if let Some(r) = rel.strip_prefix('/') {
        let host_end = base.get(scheme_end..).and_then(|x| x.find('/')).map_or(base.len(), |i| i + scheme_end);
        return Ok(format!("{}/{r}", base.get(..host_end).unwrap_or(base)));
    }
    Ok(match base.rfind('/') {
        Some(i) if i >= scheme_end => format!("{}{rel}", base.get(..=i).unwrap_or(base)),
        _ => format!("{base}/{rel}"),
    })
}
