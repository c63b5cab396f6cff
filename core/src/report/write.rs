//! A small JSON writer for reports: strings are escaped straight into one
//! output buffer (no `serde_json::Value` tree, no intermediate strings).
//! Output is byte-identical to serde_json's: `to_string_pretty` layout
//! (two-space indent, `": "`, `[]`/`{}` for empty containers) or the
//! compact `to_string` layout, and serde_json's string escapes (`\"` `\\`
//! `\n` `\r` `\t` `\b` `\f`, `\u00xx` with lowercase hex for the other
//! control bytes; everything else, non-ASCII included, verbatim).
//! Tests compare it with serde_json on generated strings and whole reports.

use super::{Evidence, Finding, Report};
use crate::model::{Diagnostic, DiagnosticLevel, Provenance};
use crate::value::{Value, UNKNOWN_KEY};

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Non-zero when some byte of `v` is below `n` (`n` <= 128).
#[inline]
fn has_less(v: u64, n: u64) -> u64 {
    v.wrapping_sub(ONES.wrapping_mul(n)) & !v & HIGHS
}

/// The 8 bytes at `at` as a little-endian word (`None` past the end).
#[inline]
fn word(bytes: &[u8], at: usize) -> Option<u64> {
    let chunk = bytes.get(at..at.checked_add(8)?)?;
    <[u8; 8]>::try_from(chunk).ok().map(u64::from_le_bytes)
}

/// Bits set (at the top of a byte) for bytes that may need an escape; the
/// lowest set bit always marks one that does (carries only spread upwards).
#[inline]
fn escape_mask(v: u64) -> u64 {
    has_less(v, 0x20) | has_less(v ^ (ONES * u64::from(b'"')), 1) | has_less(v ^ (ONES * u64::from(b'\\')), 1)
}

#[inline]
fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// Append `s` as a JSON string literal (quotes included).
pub(crate) fn push_str_lit(out: &mut String, s: &str) {
    out.reserve(s.len().saturating_add(2));
    out.push('"');
    let bytes = s.as_bytes();
    let n = bytes.len();
    // `start`: first byte not yet copied; `i`: first byte not yet looked at.
    let (mut start, mut i) = (0usize, 0usize);
    let escape_at = |out: &mut String, start: &mut usize, at: usize| {
        // `start` and `at` sit next to ASCII bytes: both are char boundaries.
        out.push_str(s.get(*start..at).unwrap_or_default());
        push_escape(out, bytes.get(at).copied().unwrap_or_default());
        *start = at.saturating_add(1);
    };
    // Whole words from `i`: clean ones are skipped; otherwise the lowest
    // marked byte is escaped and the scan goes on right after it.
    while let Some(v) = word(bytes, i) {
        let m = escape_mask(v);
        if m == 0 {
            i = i.saturating_add(8);
            continue;
        }
        let at = i.saturating_add((m.trailing_zeros() / 8) as usize);
        escape_at(out, &mut start, at);
        i = at.saturating_add(1);
    }
    if n >= 8 {
        // The last word, overlapping what was looked at: bytes below `i`
        // are masked off, and a mark is checked (a byte below `i` that was
        // escaped can mark the one above it).
        let base = n.saturating_sub(8);
        while i < n {
            let skip = i.saturating_sub(base).saturating_mul(8);
            let m = word(bytes, base).map_or(0, escape_mask) & (u64::MAX.checked_shl(skip as u32).unwrap_or(0));
            if m == 0 {
                break;
            }
            let at = base.saturating_add((m.trailing_zeros() / 8) as usize);
            if bytes.get(at).is_some_and(|&b| needs_escape(b)) {
                escape_at(out, &mut start, at);
            }
            i = at.saturating_add(1);
        }
    } else {
        for (at, &b) in bytes.iter().enumerate() {
            if needs_escape(b) {
                escape_at(out, &mut start, at);
            }
        }
    }
    out.push_str(s.get(start..).unwrap_or_default());
    out.push('"');
}

fn push_escape(out: &mut String, b: u8) {
    let short = match b {
        b'"' => "\\\"",
        b'\\' => "\\\\",
        b'\n' => "\\n",
        b'\r' => "\\r",
        b'\t' => "\\t",
        0x08 => "\\b",
        0x0c => "\\f",
        _ => "",
    };
    if !short.is_empty() {
        out.push_str(short);
        return;
    }
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push_str("\\u00");
    out.push(char::from(HEX.get(usize::from(b >> 4)).copied().unwrap_or(b'0')));
    out.push(char::from(HEX.get(usize::from(b & 0xf)).copied().unwrap_or(b'0')));
}

/// Append a decimal integer.
pub(crate) fn push_int(out: &mut String, n: i64) {
    if n < 0 {
        out.push('-');
    }
    push_u64(out, n.unsigned_abs());
}

fn push_u64(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at = at.saturating_sub(1);
        if let Some(d) = digits.get_mut(at) {
            // `n % 10` < 10: the cast cannot truncate.
            *d = b'0'.saturating_add((n % 10) as u8);
        }
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in digits.get(at..).unwrap_or_default() {
        out.push(char::from(d));
    }
}

/// A JSON writer into a `String`, pretty (serde_json's `to_string_pretty`)
/// or compact (`to_string`).
pub(crate) struct Writer {
    pub(crate) out: String,
    pretty: bool,
    depth: usize,
    /// The innermost open container has a member already.
    has: bool,
}

impl Writer {
    /// A writer with room for `capacity` bytes.
    pub(crate) fn new(pretty: bool, capacity: usize) -> Writer {
        Writer { out: String::with_capacity(capacity), pretty, depth: 0, has: false }
    }

    /// A writer appending to `out`.
    pub(crate) fn append(pretty: bool, out: String) -> Writer {
        Writer { out, pretty, depth: 0, has: false }
    }

    /// Before a member of the open container: comma, line break, indent
    /// (written as runs of constant length, which compile to plain stores
    /// instead of a copy call).
    fn sep(&mut self) {
        match (self.pretty, self.has) {
            (false, false) => return,
            (false, true) => {
                self.out.push(',');
                return;
            }
            (true, false) => self.out.push('\n'),
            (true, true) => self.out.push_str(",\n"),
        }
        let mut n = self.depth;
        while n >= 4 {
            self.out.push_str("        ");
            n = n.saturating_sub(4);
        }
        match n {
            1 => self.out.push_str("  "),
            2 => self.out.push_str("    "),
            3 => self.out.push_str("      "),
            _ => {}
        }
    }

    /// Open an object (`{`) or array (`[`) as the next value.
    pub(crate) fn open(&mut self, c: char) {
        self.out.push(c);
        self.depth = self.depth.saturating_add(1);
        self.has = false;
    }

    /// Close the innermost container with `}` or `]`.
    pub(crate) fn close(&mut self, c: char) {
        self.depth = self.depth.saturating_sub(1);
        if self.has && self.pretty {
            // A line break and indent: `sep` without the comma.
            self.has = false;
            self.sep();
        }
        self.out.push(c);
        self.has = true;
    }

    /// An object key; the value follows.
    pub(crate) fn key(&mut self, k: &str) {
        self.sep();
        push_str_lit(&mut self.out, k);
        self.out.push_str(if self.pretty { ": " } else { ":" });
    }

    /// A key written as is: for the report's own keys, none of which has a
    /// character that needs an escape.
    pub(crate) fn name(&mut self, k: &str) {
        self.sep();
        self.out.push('"');
        self.out.push_str(k);
        self.out.push_str(if self.pretty { "\": " } else { "\":" });
    }

    /// Before an array element.
    pub(crate) fn item(&mut self) {
        self.sep();
    }

    /// A string value.
    pub(crate) fn str(&mut self, s: &str) {
        push_str_lit(&mut self.out, s);
        self.has = true;
    }

    /// An integer value.
    pub(crate) fn int(&mut self, n: i64) {
        push_int(&mut self.out, n);
        self.has = true;
    }

    /// A count.
    pub(crate) fn count(&mut self, n: usize) {
        push_u64(&mut self.out, u64::try_from(n).unwrap_or(u64::MAX));
        self.has = true;
    }

    /// `true` / `false`.
    pub(crate) fn bool(&mut self, b: bool) {
        self.out.push_str(if b { "true" } else { "false" });
        self.has = true;
    }

    /// `null`.
    pub(crate) fn null(&mut self) {
        self.out.push_str("null");
        self.has = true;
    }

    /// `"key": "value"` (`key` one of the report's own, see [`Writer::name`]).
    pub(crate) fn field(&mut self, k: &str, v: &str) {
        self.name(k);
        self.str(v);
    }

    /// A string or `null`.
    fn opt_str(&mut self, s: Option<&str>) {
        match s {
            Some(s) => self.str(s),
            None => self.null(),
        }
    }

    /// A [`Value`] as `Value`'s `Serialize` writes it.
    pub(crate) fn value(&mut self, v: &Value) {
        match v {
            Value::Null => self.null(),
            Value::Bool(b) => self.bool(*b),
            Value::Int(i) => self.int(*i),
            Value::Float(f) => {
                // Rare: serde_json's float formatting, so digits match.
                let text = if f.is_finite() { serde_json::to_string(f).unwrap_or_default() } else { String::new() };
                if text.is_empty() {
                    self.null();
                } else {
                    self.out.push_str(&text);
                    self.has = true;
                }
            }
            Value::String(s) => self.str(s),
            Value::Array(a) => {
                self.open('[');
                for x in a {
                    self.item();
                    self.value(x);
                }
                self.close(']');
            }
            Value::Object(m) => {
                self.open('{');
                for (k, x) in m {
                    self.key(k);
                    self.value(x);
                }
                self.close('}');
            }
            Value::Unknown(u) => {
                self.open('{');
                self.field(UNKNOWN_KEY, &u.reason);
                self.close('}');
            }
        }
    }

    /// A [`Finding`] (its `Serialize` shape).
    pub(crate) fn finding(&mut self, f: &Finding) {
        self.open('{');
        self.field("rule_id", &f.rule_id);
        self.field("title", &f.title);
        self.field("severity", f.severity.as_str());
        self.field("status", f.status.as_str());
        self.name("resource");
        self.open('{');
        self.field("type", &f.resource.type_);
        self.field("name", &f.resource.name);
        self.field("id", &f.resource.id);
        self.close('}');
        self.name("location");
        self.open('{');
        self.name("file");
        self.opt_str(f.location.file.as_deref());
        self.field("pointer", &f.location.pointer);
        self.name("line");
        match f.location.line {
            Some(l) => self.int(i64::from(l)),
            None => self.null(),
        }
        self.close('}');
        self.field("message", &f.message);
        self.name("evidence");
        self.open('[');
        for e in &f.evidence {
            self.item();
            self.evidence(e);
        }
        self.close(']');
        if !f.unknown.is_empty() {
            self.name("unknown");
            self.open('[');
            for u in &f.unknown {
                self.item();
                self.str(u);
            }
            self.close(']');
        }
        self.field("remediation", &f.remediation);
        if let Some(s) = &f.suppressed {
            self.name("suppressed");
            self.open('{');
            self.field("justification", &s.justification);
            self.field("source", &s.source);
            self.close('}');
        }
        self.close('}');
    }

    /// An [`Evidence`] (its `Serialize` shape): a condition's members
    /// written by name, no object built.
    fn evidence(&mut self, e: &Evidence) {
        let c = match e {
            Evidence::Condition(c) => c,
            Evidence::Other(v) => return self.value(v),
        };
        self.open('{');
        self.field("field", &c.field);
        if let Some(p) = &c.path {
            self.field("path", p);
        }
        self.name("value");
        match &c.value {
            Some(v) => self.value(v),
            None => self.null(),
        }
        self.field("operator", &c.operator);
        self.name("expected");
        self.value(&c.expected);
        self.field("result", &c.result);
        self.close('}');
    }

    /// A [`Provenance`] (its `Serialize` shape).
    fn provenance(&mut self, p: &Provenance) {
        self.open('{');
        if let Some(file) = &p.file {
            self.field("file", file);
        }
        self.field("pointer", &p.pointer);
        if let Some(line) = p.line {
            self.name("line");
            self.int(i64::from(line));
        }
        if let Some(column) = p.column {
            self.name("column");
            self.int(i64::from(column));
        }
        self.close('}');
    }

    /// A [`Diagnostic`] (its `Serialize` shape).
    pub(crate) fn diagnostic(&mut self, d: &Diagnostic) {
        self.open('{');
        self.field("level", if d.level == DiagnosticLevel::Error { "error" } else { "info" });
        self.field("message", &d.message);
        self.name("provenance");
        self.provenance(&d.provenance);
        self.close('}');
    }

    /// A whole [`Report`] (its `Serialize` shape).
    pub(crate) fn report(&mut self, r: &Report) {
        self.open('{');
        self.name("findings");
        self.open('[');
        for f in &r.findings {
            self.item();
            self.finding(f);
        }
        self.close(']');
        let s = &r.summary;
        self.name("summary");
        self.open('{');
        for (k, n) in [
            ("resources", s.resources),
            ("rules", s.rules),
            ("checks", s.checks),
            ("passed", s.passed),
            ("failed", s.failed),
            ("indeterminate", s.indeterminate),
            ("suppressed", s.suppressed),
        ] {
            self.name(k);
            self.count(n);
        }
        self.name("by_severity");
        self.open('{');
        for (k, n) in &s.by_severity {
            self.key(k);
            self.count(*n);
        }
        self.close('}');
        self.close('}');
        if !r.diagnostics.is_empty() {
            self.name("diagnostics");
            self.open('[');
            for d in &r.diagnostics {
                self.item();
                self.diagnostic(d);
            }
            self.close(']');
        }
        self.close('}');
    }
}

/// Bytes a finding's pretty JSON takes, roughly but not below what it
/// takes (to size the output once: a report that outgrows its buffer
/// copies everything written so far).
pub(crate) fn finding_size_hint(f: &Finding) -> usize {
    let strings = f.rule_id.len()
        + f.title.len()
        + f.resource.type_.len()
        + f.resource.name.len()
        + f.resource.id.len()
        + f.location.file.as_ref().map_or(0, String::len)
        + f.location.pointer.len()
        + f.message.len()
        + f.remediation.len()
        + f.unknown.iter().map(|u| u.len().saturating_add(16)).sum::<usize>();
    let evidence = f.evidence.iter().map(evidence_size_hint).fold(0usize, usize::saturating_add);
    // (keys, quotes and indents of the finding's own members: ~440 bytes;
    // escapes are rare and covered by the margin)
    strings.saturating_add(evidence).saturating_add(512)
}

/// Bytes a diagnostic's pretty JSON takes in a report, roughly.
pub(crate) fn diagnostic_size_hint(d: &Diagnostic) -> usize {
    let p = &d.provenance;
    (d.message.len() + p.file.as_ref().map_or(0, String::len) + p.pointer.len()).saturating_add(220)
}

/// [`finding_size_hint`] of one evidence entry (at depth 4).
fn evidence_size_hint(e: &Evidence) -> usize {
    match e {
        Evidence::Condition(c) => {
            let texts = c.field.len() + c.path.as_ref().map_or(0, String::len) + c.operator.len() + c.result.len();
            let values = value_size_hint(c.value.as_ref().unwrap_or(&Value::Null), 5)
                .saturating_add(value_size_hint(&c.expected, 5));
            // six members: indent 10, key and punctuation ~16 each
            texts.saturating_add(values).saturating_add(170)
        }
        Evidence::Other(v) => value_size_hint(v, 4).saturating_add(16),
    }
}

/// Bytes `v` takes written pretty at `depth` (an upper estimate).
fn value_size_hint(v: &Value, depth: usize) -> usize {
    let indent = depth.saturating_mul(2).saturating_add(8);
    match v {
        Value::Null | Value::Bool(_) => 5,
        Value::Int(_) | Value::Float(_) => 24,
        Value::String(s) => s.len().saturating_add(8),
        Value::Array(a) => a
            .iter()
            .map(|x| value_size_hint(x, depth.saturating_add(1)).saturating_add(indent))
            .fold(indent, usize::saturating_add),
        Value::Object(m) => m
            .iter()
            .map(|(k, x)| value_size_hint(x, depth.saturating_add(1)).saturating_add(indent).saturating_add(k.len()))
            .fold(indent, usize::saturating_add),
        Value::Unknown(u) => u.reason.len().saturating_add(indent).saturating_add(32),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic pseudo-random strings over an alphabet full of
    /// characters that need escapes, in runs long and short.
    fn generated(n: usize) -> Vec<String> {
        let alphabet: Vec<char> = "abcXYZ09 #/.-_\"\\\n\r\t\u{8}\u{c}\u{0}\u{1}\u{1f}\u{7f}é€😀`{}[]:,"
            .chars()
            .collect();
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        (0..n)
            .map(|_| {
                let len = (next() % 70) as usize;
                let dirty = next() % 4; // sometimes long clean runs
                (0..len)
                    .map(|_| {
                        let r = next() as usize;
                        if dirty == 0 {
                            *alphabet.get(r % 5).unwrap()
                        } else {
                            *alphabet.get(r % alphabet.len()).unwrap()
                        }
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let mut all = generated(20_000);
        // Every single byte value below 0x80 on its own and inside runs.
        for b in 0u8..0x80 {
            let c = char::from(b);
            all.push(c.to_string());
            all.push(format!("abcdefgh{c}ijklmnop"));
            all.push(format!("abcdefg{c}"));
        }
        // An escaped byte followed by the byte the word-at-a-time test can
        // mark after it, at every offset of strings around a word long.
        for pair in ["\"#", "\\]", "\u{1} ", "\u{0}\u{1}", "\"\"", "\n\u{b}"] {
            for len in 2..20 {
                for at in 0..len - 1 {
                    let mut t: String = "x".repeat(at);
                    t.push_str(pair);
                    t.push_str(&"y".repeat(len - at - 2));
                    all.push(t);
                }
            }
        }
        for s in &all {
            let mut mine = String::new();
            push_str_lit(&mut mine, s);
            assert_eq!(mine, serde_json::to_string(s).unwrap(), "{s:?}");
        }
    }

    #[test]
    fn integers_are_written_in_decimal() {
        for n in [0, 1, 9, 10, 99, 100, 12345, -1, -10, i64::MAX, i64::MIN] {
            let mut s = String::new();
            push_int(&mut s, n);
            assert_eq!(s, n.to_string());
        }
    }

    #[test]
    fn values_match_serde_json_pretty_and_compact() {
        let v = crate::json::parse(
            r#"{"a": [], "b": {}, "c": [1, -2, 2.5, 1e300, true, null, "x\ty"], "d": {"e": {"f": [[], [{}]]}}, "é": "😀"}"#,
        )
        .unwrap();
        let mut items = vec![v, Value::Float(f64::NAN), Value::Unknown(crate::value::Unknown { reason: "parameter `p`".into() })];
        items.push(Value::Array(items.clone()));
        for v in &items {
            for pretty in [true, false] {
                let mut w = Writer::new(pretty, 0);
                w.value(v);
                let want = if pretty { serde_json::to_string_pretty(v) } else { serde_json::to_string(v) }.unwrap();
                assert_eq!(w.out, want);
            }
        }
    }
}
