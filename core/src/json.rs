//! A JSON reader for what ARM accepts: standard JSON plus `//` and `/* */`
//! comments. It reports errors with line and column, refuses duplicate keys
//! and documents nested deeper than a limit, and can find the line and column
//! of any JSON pointer in a document on demand ([`locate`]) so findings can
//! point at the place in the user's file without tracking positions for every
//! value during the main parse.

use crate::value::{Map, Value};

/// Deepest nesting of arrays/objects accepted by default.
pub const DEFAULT_MAX_DEPTH: usize = 256;

/// A 1-based line and column (column counted in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct Position {
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
}

/// Why a document could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} at line {}, column {}", position.line, position.column)]
pub struct JsonError {
    /// What is wrong, lowercase, user input in backticks.
    pub message: String,
    /// Where.
    pub position: Position,
    /// JSON pointer of the value being read when the error happened.
    pub pointer: String,
}

/// Parse a document with the default depth limit.
pub fn parse(text: &str) -> Result<Value, JsonError> {
    parse_with_depth(text, DEFAULT_MAX_DEPTH)
}

/// Parse a document, refusing nesting deeper than `max_depth`.
pub fn parse_with_depth(text: &str, max_depth: usize) -> Result<Value, JsonError> {
    let mut p = Parser::new(text, max_depth, None);
    let v = p.document()?;
    Ok(v)
}

/// Parse bytes: invalid UTF-8 is an error with its position; a UTF-8 byte
/// order mark is skipped.
pub fn parse_bytes(bytes: &[u8]) -> Result<Value, JsonError> {
    parse(decode(bytes)?)
}

/// Decode bytes as UTF-8 (skipping a BOM), with a positioned error.
pub fn decode(bytes: &[u8]) -> Result<&str, JsonError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| {
        let valid = bytes.get(..e.valid_up_to()).unwrap_or_default();
        let text = std::str::from_utf8(valid).unwrap_or_default();
        JsonError {
            message: "invalid utf-8".to_owned(),
            position: end_position(text),
            pointer: String::new(),
        }
    })
}

/// Line and column where the value at JSON `pointer` starts in `text`, if the
/// document parses up to there and the pointer exists.
pub fn locate(text: &str, pointer: &str) -> Option<Position> {
    let target: Vec<String> = split_pointer(pointer);
    let mut p = Parser::new(text, DEFAULT_MAX_DEPTH, Some(target));
    match p.document() {
        Ok(_) | Err(_) => p.found,
    }
}

/// Line and column where each element of the array (or each member of the
/// object) at JSON `pointer` starts, in document order, found in one pass —
/// for provenance of every resource of a large list without re-reading the
/// document per resource.
pub fn locate_children(text: &str, pointer: &str) -> Vec<Position> {
    let target: Vec<String> = split_pointer(pointer);
    let mut p = Parser::new(text, DEFAULT_MAX_DEPTH, Some(target));
    p.children = Some(Vec::new());
    match p.document() {
        Ok(_) | Err(_) => p.children.unwrap_or_default(),
    }
}

/// Start positions of every value of a document, found in one pass that
/// keeps no values, so any number of JSON pointers can be located without
/// re-reading the text ([`locate`] reads it once per call). Columns are
/// counted only when a position is asked for.
#[derive(Debug, Clone)]
pub struct PositionIndex {
    text: std::sync::Arc<str>,
    nodes: Vec<Node>,
    /// Children of every container, contiguous per container; object
    /// members carry the byte range of their raw (still escaped) key.
    edges: Vec<Edge>,
}

#[derive(Debug, Clone, Copy)]
struct Node {
    offset: usize,
    line: u32,
    line_start: usize,
    object: bool,
    first: usize,
    len: usize,
}

#[derive(Debug, Clone, Copy)]
struct Edge {
    key: (usize, usize),
    node: usize,
}

impl PositionIndex {
    /// Index `text` (JSON with comments, as [`parse`] reads it). An error
    /// if the document does not parse (then use [`locate`], which finds
    /// what comes before the error).
    pub fn build(text: std::sync::Arc<str>) -> Result<Self, JsonError> {
        let (nodes, edges) = {
            let mut p = Parser::new(&text, DEFAULT_MAX_DEPTH, None);
            let mut b = IndexBuilder { nodes: Vec::new(), edges: Vec::new(), scratch: Vec::new() };
            p.skip_ws()?;
            if p.peek().is_none() {
                return p.err("empty document");
            }
            p.index_value(0, &mut b)?;
            p.skip_ws()?;
            if p.peek().is_some() {
                return p.err("unexpected content after the end of the document");
            }
            (b.nodes, b.edges)
        };
        Ok(PositionIndex { text, nodes, edges })
    }

    /// Where the value at JSON `pointer` starts (the same answer as
    /// [`locate`] on a document that parses).
    pub fn get(&self, pointer: &str) -> Option<Position> {
        let mut node = self.nodes.first()?;
        for token in split_pointer(pointer) {
            let children = self.edges.get(node.first..node.first.saturating_add(node.len))?;
            let edge = if node.object {
                children.iter().find(|e| self.key_is(e.key, &token))?
            } else {
                let n: usize = token.parse().ok()?;
                if n.to_string() != token {
                    return None;
                }
                children.get(n)?
            };
            node = self.nodes.get(edge.node)?;
        }
        let p = Parser::new(&self.text, DEFAULT_MAX_DEPTH, None);
        Some(p.position_at(node.line, node.line_start, node.offset))
    }

    /// `true` if this index was built from this very text (the same allocation).
    pub fn is_for(&self, text: &std::sync::Arc<str>) -> bool {
        std::sync::Arc::ptr_eq(&self.text, text)
    }

    fn key_is(&self, (start, end): (usize, usize), token: &str) -> bool {
        let raw = self.text.get(start..end).unwrap_or_default();
        if !raw.contains('\\') {
            return raw == token;
        }
        let mut p = Parser::new(&self.text, DEFAULT_MAX_DEPTH, None);
        p.i = start.saturating_sub(1);
        p.string().is_ok_and(|k| k == token)
    }
}

struct IndexBuilder {
    nodes: Vec<Node>,
    edges: Vec<Edge>,
    /// Children of the containers being read (innermost last).
    scratch: Vec<Edge>,
}

/// Escape one reference token for a JSON pointer (`~` → `~0`, `/` → `~1`).
pub fn escape_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Append a token to a JSON pointer.
pub fn push_pointer(pointer: &str, token: &str) -> String {
    format!("{pointer}/{}", escape_token(token))
}

fn split_pointer(pointer: &str) -> Vec<String> {
    if pointer.is_empty() {
        return Vec::new();
    }
    pointer
        .trim_start_matches('/')
        .split('/')
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect()
}

fn end_position(text: &str) -> Position {
    let mut pos = Position { line: 1, column: 1 };
    for c in text.chars() {
        if c == '\n' {
            pos.line = pos.line.saturating_add(1);
            pos.column = 1;
        } else {
            pos.column = pos.column.saturating_add(1);
        }
    }
    pos
}

/// One step of the path to the value being read: an object member (byte
/// offset of its key's opening quote; the key is decoded only for an error
/// message) or an array element.
#[derive(Clone, Copy)]
enum Seg {
    Key(usize),
    Index(usize),
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    i: usize,
    line: u32,
    line_start: usize,
    max_depth: usize,
    path: Vec<Seg>,
    target: Option<Vec<String>>,
    /// How many leading segments of `path` equal `target` (`locate` modes).
    matched: usize,
    found: Option<Position>,
    /// When set, positions of the direct children of `target` are collected.
    children: Option<Vec<Position>>,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str, max_depth: usize, target: Option<Vec<String>>) -> Self {
        Parser {
            text,
            bytes: text.as_bytes(),
            i: 0,
            line: 1,
            line_start: 0,
            max_depth,
            path: Vec::new(),
            target,
            matched: 0,
            found: None,
            children: None,
        }
    }

    fn position(&self) -> Position {
        self.position_at(self.line, self.line_start, self.i)
    }

    /// Position of byte `offset` on line `line` starting at byte `line_start`.
    /// Counting characters is only done when a position is needed (errors,
    /// `locate`), so one-line documents stay linear to parse.
    fn position_at(&self, line: u32, line_start: usize, offset: usize) -> Position {
        let col_text = self.text.get(line_start..offset).unwrap_or_default();
        let column = u32::try_from(col_text.chars().count()).unwrap_or(u32::MAX).saturating_add(1);
        Position { line, column }
    }

    fn pointer(&self) -> String {
        let mut out = String::new();
        for seg in &self.path {
            match *seg {
                Seg::Key(at) => {
                    let mut p = Parser::new(self.text, self.max_depth, None);
                    p.i = at;
                    out = push_pointer(&out, &p.string().unwrap_or_default());
                }
                Seg::Index(n) => out = format!("{out}/{n}"),
            }
        }
        out
    }

    /// `true` when the path so far matches the target and its next token
    /// satisfies `is`: the member or element about to be entered is on the
    /// way to the target.
    fn on_target(&self, is: impl FnOnce(&str) -> bool) -> bool {
        let depth = self.path.len();
        match &self.target {
            Some(t) if self.matched == depth => t.get(depth).is_some_and(|tok| is(tok)),
            _ => false,
        }
    }

    /// Enter a member or element (`hit`: see [`Parser::on_target`]).
    fn push_seg(&mut self, seg: Seg, hit: bool) {
        if hit {
            self.matched = self.path.len().saturating_add(1);
        }
        self.path.push(seg);
    }

    fn pop_seg(&mut self) {
        self.path.pop();
        self.matched = self.matched.min(self.path.len());
    }

    fn err<T>(&self, message: impl Into<String>) -> Result<T, JsonError> {
        Err(JsonError { message: message.into(), position: self.position(), pointer: self.pointer() })
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.i).copied()
    }

    fn bump(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.i = self.i.saturating_add(1);
        if b == b'\n' {
            self.line = self.line.saturating_add(1);
            self.line_start = self.i;
        }
        Some(b)
    }

    fn document(&mut self) -> Result<Value, JsonError> {
        self.skip_ws()?;
        if self.peek().is_none() {
            return self.err("empty document");
        }
        let v = self.value(0)?;
        self.skip_ws()?;
        if self.peek().is_some() {
            return self.err("unexpected content after the end of the document");
        }
        Ok(v)
    }

    fn skip_ws(&mut self) -> Result<(), JsonError> {
        loop {
            match self.peek() {
                Some(b' ' | b'\t' | b'\n' | b'\r') => {
                    self.bump();
                }
                Some(b'/') => match self.bytes.get(self.i.saturating_add(1)) {
                    Some(b'/') => {
                        while let Some(b) = self.peek() {
                            if b == b'\n' {
                                break;
                            }
                            self.bump();
                        }
                    }
                    Some(b'*') => {
                        let start = self.position();
                        self.bump();
                        self.bump();
                        loop {
                            match self.bump() {
                                Some(b'*') if self.peek() == Some(b'/') => {
                                    self.bump();
                                    break;
                                }
                                Some(_) => {}
                                None => {
                                    return Err(JsonError {
                                        message: "unterminated `/*` comment".to_owned(),
                                        position: start,
                                        pointer: self.pointer(),
                                    })
                                }
                            }
                        }
                    }
                    _ => return self.err("unexpected `/`"),
                },
                _ => return Ok(()),
            }
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, JsonError> {
        if let Some(t) = &self.target {
            let depth_now = self.path.len();
            if self.children.is_some() {
                // A direct child of the target: the parent path matches it.
                if depth_now == t.len().saturating_add(1) && self.matched >= t.len() {
                    let pos = self.position();
                    if let Some(c) = self.children.as_mut() {
                        c.push(pos);
                    }
                }
            } else if self.found.is_none() && depth_now == t.len() && self.matched == depth_now {
                self.found = Some(self.position());
                // Found: `locate` needs nothing after this point.
                return self.err("found");
            }
        }
        match self.peek() {
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => self.string().map(Value::String),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => {
                let c = self.text.get(self.i..).and_then(|s| s.chars().next()).unwrap_or('?');
                self.err(format!("unexpected character `{c}`"))
            }
            None => self.err("unexpected end of document"),
        }
    }

    fn literal(&mut self, word: &str, v: Value) -> Result<Value, JsonError> {
        if self.bytes.get(self.i..self.i.saturating_add(word.len())) == Some(word.as_bytes()) {
            for _ in 0..word.len() {
                self.bump();
            }
            Ok(v)
        } else {
            self.err(format!("invalid literal, expected `{word}`"))
        }
    }

    fn enter(&self, depth: usize) -> Result<usize, JsonError> {
        let d = depth.saturating_add(1);
        if d > self.max_depth {
            return self.err(format!("nesting deeper than {} levels", self.max_depth));
        }
        Ok(d)
    }

    fn object(&mut self, depth: usize) -> Result<Value, JsonError> {
        let depth = self.enter(depth)?;
        self.bump();
        let mut map = Map::new();
        self.skip_ws()?;
        if self.peek() == Some(b'}') {
            self.bump();
            return Ok(Value::Object(map));
        }
        loop {
            self.skip_ws()?;
            if self.peek() != Some(b'"') {
                return self.err("expected a string key");
            }
            let key_at = (self.line, self.line_start, self.i);
            let key = self.string()?;
            self.skip_ws()?;
            if self.peek() != Some(b':') {
                return self.err("expected `:` after an object key");
            }
            self.bump();
            self.skip_ws()?;
            let hit = self.on_target(|tok| tok == key);
            self.push_seg(Seg::Key(key_at.2), hit);
            let v = self.value(depth)?;
            self.pop_seg();
            if self.target.is_some() {
                // `locate` mode: values are not kept, so keys need not be checked.
            } else {
                match map.entry(key) {
                    indexmap::map::Entry::Occupied(e) => {
                        return Err(JsonError {
                            message: format!("duplicate key `{}`", e.key()),
                            position: self.position_at(key_at.0, key_at.1, key_at.2),
                            pointer: self.pointer(),
                        });
                    }
                    indexmap::map::Entry::Vacant(e) => {
                        e.insert(v);
                    }
                }
            }
            self.skip_ws()?;
            match self.bump() {
                Some(b',') => {
                    // ARM tolerates a trailing comma; so do we.
                    self.skip_ws()?;
                    if self.peek() == Some(b'}') {
                        self.bump();
                        return Ok(Value::Object(map));
                    }
                }
                Some(b'}') => return Ok(Value::Object(map)),
                _ => return self.err("expected `,` or `}` in an object"),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, JsonError> {
        let depth = self.enter(depth)?;
        self.bump();
        let mut items = Vec::new();
        self.skip_ws()?;
        if self.peek() == Some(b']') {
            self.bump();
            return Ok(Value::Array(items));
        }
        let mut n: usize = 0;
        loop {
            self.skip_ws()?;
            let hit = self.on_target(|tok| tok == n.to_string());
            self.push_seg(Seg::Index(n), hit);
            let v = self.value(depth)?;
            self.pop_seg();
            n = n.saturating_add(1);
            if self.target.is_none() {
                items.push(v);
            }
            self.skip_ws()?;
            match self.bump() {
                Some(b',') => {
                    self.skip_ws()?;
                    if self.peek() == Some(b']') {
                        self.bump();
                        return Ok(Value::Array(items));
                    }
                }
                Some(b']') => return Ok(Value::Array(items)),
                _ => return self.err("expected `,` or `]` in an array"),
            }
        }
    }

    fn string(&mut self) -> Result<String, JsonError> {
        self.bump(); // opening quote
        let mut out = String::new();
        loop {
            let start = self.i;
            // Fast path: copy a run of plain characters at once.
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.i = self.i.saturating_add(1);
            }
            out.push_str(self.text.get(start..self.i).unwrap_or_default());
            match self.peek() {
                Some(b'"') => {
                    self.bump();
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.bump();
                    let c = match self.bump() {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => self.unicode_escape()?,
                        _ => return self.err("invalid escape in a string"),
                    };
                    out.push(c);
                }
                Some(_) => {
                    // Other control characters, line breaks included: Newtonsoft
                    // (ARM) accepts them inside strings, and templates use
                    // multi-line expressions.
                    if let Some(b) = self.bump() {
                        out.push(char::from(b));
                    }
                }
                None => return self.err("unterminated string"),
            }
        }
    }

    /// Skip a string (after checking it is terminated); returns the byte
    /// range of its raw contents.
    fn skip_string(&mut self) -> Result<(usize, usize), JsonError> {
        self.bump(); // opening quote
        let start = self.i;
        loop {
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || b == b'\n' {
                    break;
                }
                self.i = self.i.saturating_add(1);
            }
            match self.peek() {
                Some(b'"') => {
                    let end = self.i;
                    self.bump();
                    return Ok((start, end));
                }
                Some(b'\\') => {
                    self.bump();
                    if self.bump().is_none() {
                        return self.err("unterminated string");
                    }
                }
                Some(_) => {
                    self.bump();
                }
                None => return self.err("unterminated string"),
            }
        }
    }

    /// [`Parser::value`] for [`PositionIndex::build`]: records where every
    /// value starts and keeps none. Returns the node's index.
    fn index_value(&mut self, depth: usize, b: &mut IndexBuilder) -> Result<usize, JsonError> {
        let id = b.nodes.len();
        b.nodes.push(Node { offset: self.i, line: self.line, line_start: self.line_start, object: false, first: 0, len: 0 });
        let (close, object) = match self.peek() {
            Some(b'{') => (b'}', true),
            Some(b'[') => (b']', false),
            Some(b'"') => {
                self.skip_string()?;
                return Ok(id);
            }
            _ => {
                self.value(depth)?;
                return Ok(id);
            }
        };
        let depth = self.enter(depth)?;
        self.bump(); // the opening bracket
        let mark = b.scratch.len();
        self.skip_ws()?;
        if self.peek() != Some(close) {
            loop {
                self.skip_ws()?;
                let mut key = (0, 0);
                if object {
                    if self.peek() != Some(b'"') {
                        return self.err("expected a string key");
                    }
                    key = self.skip_string()?;
                    self.skip_ws()?;
                    if self.peek() != Some(b':') {
                        return self.err("expected `:` after an object key");
                    }
                    self.bump();
                    self.skip_ws()?;
                }
                let node = self.index_value(depth, b)?;
                b.scratch.push(Edge { key, node });
                self.skip_ws()?;
                match self.peek() {
                    Some(b',') => {
                        self.bump();
                        self.skip_ws()?;
                        if self.peek() == Some(close) {
                            break;
                        }
                    }
                    Some(c) if c == close => break,
                    _ if object => return self.err("expected `,` or `}` in an object"),
                    _ => return self.err("expected `,` or `]` in an array"),
                }
            }
        }
        self.bump(); // the closing bracket
        let first = b.edges.len();
        let len = b.scratch.len().saturating_sub(mark);
        b.edges.extend(b.scratch.drain(mark..));
        if let Some(n) = b.nodes.get_mut(id) {
            n.object = object;
            n.first = first;
            n.len = len;
        }
        Ok(id)
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let mut n: u32 = 0;
        for _ in 0..4 {
            let d = match self.bump() {
                Some(b) => char::from(b).to_digit(16),
                None => None,
            };
            match d {
                Some(d) => n = n.saturating_mul(16).saturating_add(d),
                None => return self.err("invalid `\\u` escape"),
            }
        }
        Ok(n)
    }

    fn unicode_escape(&mut self) -> Result<char, JsonError> {
        let hi = self.hex4()?;
        if (0xD800..0xDC00).contains(&hi) {
            if self.peek() == Some(b'\\') && self.bytes.get(self.i.saturating_add(1)) == Some(&b'u') {
                self.bump();
                self.bump();
                let lo = self.hex4()?;
                if (0xDC00..0xE000).contains(&lo) {
                    let c = 0x10000u32
                        .saturating_add((hi.saturating_sub(0xD800)) << 10)
                        .saturating_add(lo.saturating_sub(0xDC00));
                    return Ok(char::from_u32(c).unwrap_or('\u{FFFD}'));
                }
            }
            return Ok('\u{FFFD}');
        }
        Ok(char::from_u32(hi).unwrap_or('\u{FFFD}'))
    }

    fn number(&mut self) -> Result<Value, JsonError> {
        let start = self.i;
        let mut is_float = false;
        if self.peek() == Some(b'-') {
            self.bump();
        }
        let digits_start = self.i;
        while let Some(b'0'..=b'9') = self.peek() {
            self.bump();
        }
        if self.i == digits_start {
            return self.err("invalid number");
        }
        if self.peek() == Some(b'.') {
            is_float = true;
            self.bump();
            let frac = self.i;
            while let Some(b'0'..=b'9') = self.peek() {
                self.bump();
            }
            if self.i == frac {
                return self.err("invalid number");
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            is_float = true;
            self.bump();
            if let Some(b'+' | b'-') = self.peek() {
                self.bump();
            }
            let exp = self.i;
            while let Some(b'0'..=b'9') = self.peek() {
                self.bump();
            }
            if self.i == exp {
                return self.err("invalid number");
            }
        }
        let s = self.text.get(start..self.i).unwrap_or_default();
        if !is_float {
            if let Ok(i) = s.parse::<i64>() {
                return Ok(Value::Int(i));
            }
        }
        match s.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(Value::Float(f)),
            _ => self.err(format!("number `{s}` is out of range")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_comments_and_trailing_commas() {
        let v = parse("// head\n{ /* a */ \"a\": [1, 2.5, ], \"b\": null, }").unwrap();
        assert_eq!(v.get("a").unwrap().as_array().unwrap().len(), 2);
        assert_eq!(v.get("b"), Some(&Value::Null));
    }

    #[test]
    fn errors_carry_line_and_column() {
        let e = parse("{\n  \"a\": tru\n}").unwrap_err();
        assert_eq!(e.position, Position { line: 2, column: 8 });
        assert_eq!(e.pointer, "/a");
        let e = parse("{\"a\":1,\"a\":2}").unwrap_err();
        assert!(e.message.contains("duplicate key `a`"), "{e}");
    }

    #[test]
    fn depth_limit_is_an_error_not_a_stack_overflow() {
        let deep = "[".repeat(100_000);
        let e = parse(&deep).unwrap_err();
        assert!(e.message.contains("nesting deeper"), "{e}");
    }

    #[test]
    fn locate_finds_pointer() {
        let text = "{\n \"resources\": [\n  {\"type\": \"x\"},\n  {\"type\": \"y\"}\n ]\n}";
        assert_eq!(locate(text, "/resources/1"), Some(Position { line: 4, column: 3 }));
        assert_eq!(locate(text, "/resources/1/type"), Some(Position { line: 4, column: 12 }));
        assert_eq!(locate(text, "/nope"), None);
        assert_eq!(locate(text, ""), Some(Position { line: 1, column: 1 }));
    }

    #[test]
    fn locate_children_finds_every_element() {
        let text = "{\n \"resources\": [\n  {\"type\": \"x\"},\n  {\"type\": \"y\"}\n ]\n}";
        let all = locate_children(text, "/resources");
        assert_eq!(all, vec![Position { line: 3, column: 3 }, Position { line: 4, column: 3 }]);
        assert_eq!(locate_children("[1,\n2]", ""), vec![Position { line: 1, column: 2 }, Position { line: 2, column: 1 }]);
    }

    #[test]
    fn position_index_agrees_with_locate() {
        let text = "// c\n{\n \"resources\": [\n  {\"type\": \"x\", \"a/b\": [1, {\"k~\": 2}]},\n  {\"ty\\u0070e\": \"y\",},\n ],\n \"0\": {\"01\": true}, \"n\": null\n}";
        let idx = PositionIndex::build(std::sync::Arc::from(text)).unwrap();
        for ptr in [
            "", "/resources", "/resources/0", "/resources/1", "/resources/2", "/resources/0/type", "/resources/0/a~1b",
            "/resources/0/a~1b/1/k~0", "/resources/0/a~1b/01", "/resources/1/type", "/0", "/0/01", "/n", "/n/x", "/nope",
            "/resources/-1", "/resources/0/type/0",
        ] {
            assert_eq!(idx.get(ptr), locate(text, ptr), "{ptr}");
        }
        assert_eq!(idx.get("/resources/1/type"), Some(Position { line: 5, column: 17 }));
        assert!(PositionIndex::build(std::sync::Arc::from("{\"a\": [1,")).is_err());
    }

    #[test]
    fn invalid_utf8_is_positioned() {
        let e = parse_bytes(b"{\n\"a\": \"\xff\"}").unwrap_err();
        assert_eq!(e.position.line, 2);
    }

    #[test]
    fn large_numbers() {
        assert_eq!(parse("9223372036854775807").unwrap(), Value::Int(i64::MAX));
        assert!(matches!(parse("1e400").unwrap_err().message.as_str(), m if m.contains("out of range")));
        assert_eq!(parse("1e3").unwrap(), Value::Float(1000.0));
    }
}
