//! Property paths as written in aliases and `field` conditions:
//! `properties.ipRules[*].value`, `tags['cost center']`, `items[0]`,
//! `labels["a.b"]`. Keys match ASCII case-insensitively.

use crate::value::Value;

/// One step of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    /// An object member.
    Key(String),
    /// Every element of an array (`[*]`).
    Wild,
    /// One array element (`[0]`).
    Index(usize),
}

/// A parsed path.
pub type Path = Vec<Seg>;

/// Parse a path. Errors are plain messages (the caller adds the location).
/// A subscript with an unclosed quote (`m['a]`) is read as literal text.
pub fn parse(s: &str) -> Result<Path, String> {
    parse_mode(s, false)
}

/// Like [`parse`], but an unclosed quote in a subscript is an error.
pub fn parse_strict(s: &str) -> Result<Path, String> {
    parse_mode(s, true)
}

fn parse_mode(s: &str, strict: bool) -> Result<Path, String> {
    // Works on byte offsets: every delimiter is ASCII, so a slice between
    // delimiters is always on character boundaries.
    let b = s.as_bytes();
    let n = b.len();
    let mut out = Vec::new();
    let mut i = 0usize;
    let mut key: Option<usize> = None; // start of a dotted key being collected
    let take = |from: usize, to: usize| Seg::Key(s.get(from..to).unwrap_or_default().to_owned());
    while i < n {
        match b.get(i) {
            Some(b'.') => {
                match key.take() {
                    Some(k) => out.push(take(k, i)),
                    None if out.is_empty() => return Err(format!("empty segment in path `{s}`")),
                    None => {}
                }
                i += 1;
                // a dot must be followed by a key
                if i >= n {
                    return Err(format!("path `{s}` ends with `.`"));
                }
                if matches!(b.get(i), Some(b'.' | b'[')) {
                    return Err(format!("empty segment in path `{s}`"));
                }
            }
            Some(b'[') => {
                match key.take() {
                    Some(k) => out.push(take(k, i)),
                    None if out.is_empty() => return Err(format!("path `{s}` starts with `[`")),
                    None => {}
                }
                let (seg, next) = parse_bracket(s, i + 1, strict)
                    .ok_or_else(|| format!("bad subscript in path `{s}` (empty tag name or unclosed quote)"))?;
                out.push(seg);
                i = next;
                if let Some(c2) = s.get(i..).and_then(|r| r.chars().next()) {
                    if c2 != '.' && c2 != '[' {
                        return Err(format!("unexpected `{c2}` after `]` in path `{s}`"));
                    }
                }
            }
            _ => {
                key.get_or_insert(i);
                // on to the next delimiter (everything else is key text)
                i = b.get(i..).and_then(|r| r.iter().position(|c| matches!(c, b'.' | b'['))).map_or(n, |p| i + p);
            }
        }
    }
    if let Some(k) = key {
        out.push(take(k, n));
    }
    if out.is_empty() {
        return Err("empty path".to_owned());
    }
    Ok(out)
}

/// Offset of the first character at or after `i` that is not whitespace.
fn skip_ws(s: &str, i: usize) -> usize {
    i + s.get(i..).map_or(0, |r| r.len() - r.trim_start().len())
}

/// Parse the inside of `[...]` starting after `[`; returns the segment and the
/// offset after `]`.
fn parse_bracket(s: &str, start: usize, strict: bool) -> Option<(Seg, usize)> {
    let close = find_close(s, start)?;
    let inner = s.get(start..close)?;
    let trimmed = inner.trim();
    if trimmed.is_empty() {
        return None;
    }
    if trimmed == "*" && inner == "*" {
        return Some((Seg::Wild, close + 1));
    }
    if trimmed.chars().all(|c| c.is_ascii_digit()) && inner == trimmed {
        // An index; one that overflows is neither an index nor a key.
        let idx: usize = trimmed.parse().unwrap_or(usize::MAX);
        return Some((Seg::Index(idx), close + 1));
    }
    let mut cs = trimmed.chars();
    let (first, last) = (cs.next(), cs.next_back());
    // `last` is `None` for a single character
    if strict && matches!(first, Some('\'' | '"')) && last.is_some_and(|l| l != '\'' && l != '"') {
        // `['a]`: a quote that is never closed
        return None;
    }
    if let (Some(q @ ('\'' | '"')), Some(l)) = (first, last) {
        if q == l {
            let body = trimmed.get(1..trimmed.len() - 1)?;
            let body = if q == '\'' { body.replace("''", "'") } else { body.to_owned() };
            if body.is_empty() {
                return None;
            }
            return Some((Seg::Key(body), close + 1));
        }
    }
    Some((Seg::Key(trimmed.to_owned()), close + 1))
}

/// Offset of the `]` closing a subscript that starts at `start`, honouring a
/// quoted key (`['a]b']`).
fn find_close(s: &str, start: usize) -> Option<usize> {
    let b = s.as_bytes();
    let i = skip_ws(s, start);
    if let Some(&q @ (b'\'' | b'"')) = b.get(i) {
        // find the closing quote followed by optional whitespace and `]`
        let mut j = i + 1;
        while j < b.len() {
            if b.get(j) == Some(&q) {
                if q == b'\'' && b.get(j + 1) == Some(&b'\'') {
                    j += 2;
                    continue;
                }
                let k = skip_ws(s, j + 1);
                if b.get(k) == Some(&b']') {
                    return Some(k);
                }
            }
            j += 1;
        }
    }
    s.get(start..)?.find(']').map(|k| start + k)
}

/// Render a path back to text (for evidence and scope matching).
pub fn render(p: &[Seg]) -> String {
    let mut s = String::with_capacity(p.iter().map(|seg| if let Seg::Key(k) = seg { k.len() + 1 } else { 4 }).sum());
    for seg in p {
        match seg {
            Seg::Key(k) => {
                if k.bytes().any(|b| matches!(b, b'.' | b'[' | b']')) || k.trim().len() != k.len() {
                    s.push_str("['");
                    s.push_str(&k.replace('\'', "''"));
                    s.push_str("']");
                } else {
                    if !s.is_empty() {
                        s.push('.');
                    }
                    s.push_str(k);
                }
            }
            Seg::Wild => s.push_str("[*]"),
            Seg::Index(i) => {
                s.push('[');
                s.push_str(&i.to_string());
                s.push(']');
            }
        }
    }
    s
}

/// `true` if the path has a `[*]`.
pub fn has_wild(p: &[Seg]) -> bool {
    p.iter().any(|s| matches!(s, Seg::Wild))
}

/// `true` if `prefix` is a prefix of `p` (keys compared ignoring ASCII case).
pub fn starts_with(p: &[Seg], prefix: &[Seg]) -> bool {
    p.len() >= prefix.len() && p.iter().zip(prefix).all(|(a, b)| seg_eq(a, b))
}

fn seg_eq(a: &Seg, b: &Seg) -> bool {
    match (a, b) {
        (Seg::Key(x), Seg::Key(y)) => x.eq_ignore_ascii_case(y),
        (Seg::Wild, Seg::Wild) => true,
        (Seg::Index(x), Seg::Index(y)) => x == y,
        _ => false,
    }
}

/// One value found by [`collect`]: `None` when the path leads nowhere.
pub type Found<'a> = Option<&'a Value>;

/// Follow `p` from `root`, pushing one entry per value reached: exactly one
/// without `[*]`, one per element with `[*]` (none for an empty array). A
/// path that leads nowhere (a missing key, an index out of range, a `[*]`
/// over something that is not an array) pushes `None`. An unknown met on the
/// way is returned as the value.
pub fn collect<'a>(root: &'a Value, p: &[Seg], out: &mut Vec<Found<'a>>) {
    let Some((first, rest)) = p.split_first() else {
        out.push(Some(root));
        return;
    };
    if root.is_unknown() {
        out.push(Some(root));
        return;
    }
    match first {
        Seg::Key(k) => match root.get_ci(k) {
            Some(v) => collect(v, rest, out),
            None => out.push(None),
        },
        Seg::Index(i) => match root.as_array().and_then(|a| a.get(*i)) {
            Some(v) => collect(v, rest, out),
            None => out.push(None),
        },
        Seg::Wild => match root.as_array() {
            Some(a) => {
                for v in a {
                    collect(v, rest, out);
                }
            }
            None => out.push(None),
        },
    }
}

/// Follow a path without `[*]` (a `[*]` yields `None`).
pub fn get<'a>(root: &'a Value, p: &[Seg]) -> Found<'a> {
    let mut cur = root;
    for seg in p {
        if cur.is_unknown() {
            return Some(cur);
        }
        cur = match seg {
            Seg::Key(k) => cur.get_ci(k)?,
            Seg::Index(i) => cur.as_array()?.get(*i)?,
            Seg::Wild => return None,
        };
    }
    Some(cur)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(s: &str) -> Seg {
        Seg::Key(s.to_owned())
    }

    #[test]
    fn parses_the_spellings_policies_use() {
        let cases: Vec<(&str, Path)> = vec![
            ("properties.ipRules[*].value", vec![k("properties"), k("ipRules"), Seg::Wild, k("value")]),
            ("tags['cost center']", vec![k("tags"), k("cost center")]),
            ("tags[ env ]", vec![k("tags"), k("env")]),
            ("tags[\"a.b\"]", vec![k("tags"), k("a.b")]),
            ("labels['a]b']", vec![k("labels"), k("a]b")]),
            ("items[0].name", vec![k("items"), Seg::Index(0), k("name")]),
            ("tags[ ' ]", vec![k("tags"), k("'")]),
            ("items[*]['123']", vec![k("items"), Seg::Wild, k("123")]),
        ];
        for (s, want) in cases {
            assert_eq!(parse(s).unwrap(), want, "{s}");
        }
        for bad in ["", "a..b", "a.", "tags[ ]", "tags['']"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn renders_back_to_the_canonical_spelling() {
        for s in ["properties.ipRules[*].value", "tags['a.b']", "items[0].name", "tags[' x']", "m['a]b''c']", "a[*][*]"] {
            assert_eq!(render(&parse(s).unwrap()), s);
        }
        assert_eq!(render(&parse("tags[\"a b\"].x").unwrap()), "tags.a b.x");
    }

    #[test]
    fn collects_through_wildcards() {
        let v: Value = serde_json::json!({"g": [{"m": [{"n": 1}, {"n": 2}]}, {"x": 1}]}).into();
        let mut out = Vec::new();
        collect(&v, &parse("g[*].m[*].n").unwrap(), &mut out);
        assert_eq!(out, vec![Some(&Value::Int(1)), Some(&Value::Int(2)), None]);
        let mut out = Vec::new();
        collect(&v, &parse("g[*].x").unwrap(), &mut out);
        assert_eq!(out, vec![None, Some(&Value::Int(1))]);
    }
}
