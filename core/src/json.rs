//! A JSON reader for what ARM accepts: standard JSON plus `//` and `/* */`
//! comments. It reports errors with line and column, refuses duplicate keys
//! and documents nested deeper than a limit, and can find the line and column
//! of any JSON pointer in a document on demand ([`locate`]) so findings can
//! point at the place in the user's file. [`parse_indexed`] also records
//! where every value starts (byte offsets, [`PositionIndex`]) in the same
//! pass, for callers that will locate many values of the document.
//!
//! Lines and columns are not tracked while reading: a position is worked out
//! from a byte offset when one is needed (an error, `locate`), counting line
//! breaks from the last position asked for, so the reader's inner loops only
//! compare bytes.

use crate::value::{Map, Value};
use std::borrow::Cow;
use std::cell::Cell;

/// Deepest nesting of arrays/objects accepted by default.
pub const DEFAULT_MAX_DEPTH: usize = 256;

/// Objects with up to this many members look for duplicate keys by
/// comparing keys; bigger ones are moved into a map while being read.
const SMALL_OBJECT: usize = 16;

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
    let (_, v) = p.read()?;
    Ok(v)
}

/// Parse a document (default depth limit) and, in the same pass, record the
/// [`PositionIndex`] of its text: for callers that will locate values of the
/// document later (provenance), so the text is not read a second time.
pub fn parse_indexed(text: std::sync::Arc<str>) -> Result<(Value, PositionIndex<'static>), JsonError> {
    read_indexed(Text::Shared(text), true)
}

/// [`parse_indexed`] of a text the index borrows (no copy of it: for a
/// load whose positions are all resolved before `text` goes away).
pub(crate) fn parse_indexed_borrowed(text: &str) -> Result<(Value, PositionIndex<'_>), JsonError> {
    read_indexed(Text::Borrowed(text), true)
}

/// Read a document (default depth limit), recording its [`PositionIndex`]
/// and building its value if `keep`.
fn read_indexed(text: Text<'_>, keep: bool) -> Result<(Value, PositionIndex<'_>), JsonError> {
    let (value, root, b) = {
        let mut p = Parser::new(text.as_str(), DEFAULT_MAX_DEPTH, None);
        p.keep = keep;
        p.index = Some(IndexBuilder::for_text(text.as_str().len()));
        let (offset, value) = p.read()?;
        let b = p.index.take().unwrap_or_else(|| IndexBuilder::for_text(0));
        // The root's container, if it is one, is the last to end.
        let container = matches!(p.bytes.get(offset), Some(b'{' | b'[')).then(|| b.containers.len().saturating_sub(1));
        (value, (offset, container), b)
    };
    let lines = std::sync::OnceLock::new();
    Ok((value, PositionIndex { text, root, containers: b.containers, edges: b.edges, lines }))
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
/// re-reading the text ([`locate`] reads it once per call). Only byte
/// offsets are recorded; lines and columns are worked out when asked for.
#[derive(Debug, Clone)]
pub struct PositionIndex<'t> {
    text: Text<'t>,
    /// Offset of the document's value, and its container if it is one.
    root: (usize, Option<usize>),
    containers: Vec<Container>,
    /// Children of every container, contiguous per container.
    edges: Vec<Edge>,
    /// Newlines before each block of [`LINE_BLOCK`] bytes, counted on the
    /// first lookup (an index whose document turns out not to need
    /// positions costs no pass over the text).
    lines: std::sync::OnceLock<Vec<u32>>,
}

/// Offsets, counts and indexes of an index are `u32` (half the bytes to
/// write and copy while reading); a text longer than `u32::MAX` bytes has no
/// positions ([`PositionIndex::get`] answers `None`).
fn narrow(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[derive(Debug, Clone, Copy)]
struct Container {
    object: bool,
    first: u32,
    len: u32,
}

/// One member or element: the byte range of its raw key (objects) and
/// whether that holds escapes, where its value starts, and the value's
/// container if it is one ([`NO_CONTAINER`] if not).
#[derive(Debug, Clone, Copy)]
struct Edge {
    key: (u32, u32),
    escaped: bool,
    offset: u32,
    container: u32,
}

/// [`Edge::container`] of a value that is no container.
const NO_CONTAINER: u32 = u32::MAX;

/// The text of a [`PositionIndex`]: shared, or borrowed for as long as the
/// index lives.
#[derive(Debug, Clone)]
enum Text<'t> {
    Shared(std::sync::Arc<str>),
    Borrowed(&'t str),
}

impl Text<'_> {
    fn as_str(&self) -> &str {
        match self {
            Text::Shared(t) => t,
            Text::Borrowed(t) => t,
        }
    }
}

impl PositionIndex<'static> {
    /// Index `text` (JSON with comments, as [`parse`] reads it) without
    /// keeping values (use [`parse_indexed`] when the value is wanted too:
    /// one pass instead of two). An error if the document does not parse
    /// (then use [`locate`], which finds what comes before the error).
    pub fn build(text: std::sync::Arc<str>) -> Result<Self, JsonError> {
        read_indexed(Text::Shared(text), false).map(|(_, index)| index)
    }
}

impl<'t> PositionIndex<'t> {
    /// [`PositionIndex::build`] of a text the index borrows.
    pub(crate) fn build_borrowed(text: &'t str) -> Result<Self, JsonError> {
        read_indexed(Text::Borrowed(text), false).map(|(_, index)| index)
    }

    /// The text this index locates values in.
    pub fn text(&self) -> &str {
        self.text.as_str()
    }

    /// Where the value at JSON `pointer` starts (the same answer as
    /// [`locate`] on a document that parses).
    pub fn get(&self, pointer: &str) -> Option<Position> {
        if u32::try_from(self.text.as_str().len()).is_err() {
            return None;
        }
        let (mut offset, mut container) = self.root;
        for token in pointer_tokens(pointer) {
            let c = self.containers.get(container?)?;
            let (first, len) = (c.first as usize, c.len as usize);
            let children = self.edges.get(first..first.saturating_add(len))?;
            let edge = if c.object {
                children.iter().find(|e| self.key_is(e, &token))?
            } else {
                // Array indexes are written without sign or leading zeros.
                let index = &*token;
                let canonical = index.bytes().all(|b| b.is_ascii_digit()) && (index == "0" || !index.starts_with('0'));
                if !canonical {
                    return None;
                }
                children.get(index.parse::<usize>().ok()?)?
            };
            offset = edge.offset as usize;
            container = (edge.container != NO_CONTAINER).then_some(edge.container as usize);
        }
        let text = self.text.as_str();
        let bytes = text.as_bytes();
        let block = offset / LINE_BLOCK;
        let before = bytes.get(block.saturating_mul(LINE_BLOCK)..offset).map_or(0, newlines);
        let lines = self.lines.get_or_init(|| newline_blocks(bytes));
        let line = lines.get(block).copied().unwrap_or(0).saturating_add(before).saturating_add(1);
        let line_start = bytes.get(..offset).and_then(|b| b.iter().rposition(|&c| c == b'\n')).map_or(0, |j| j.saturating_add(1));
        Some(position_at(text, line, line_start, offset))
    }

    fn key_is(&self, edge: &Edge, token: &str) -> bool {
        let (start, end) = (edge.key.0 as usize, edge.key.1 as usize);
        let text = self.text.as_str();
        if !edge.escaped {
            // (Lengths first: most keys differ in length.)
            return end.wrapping_sub(start) == token.len() && text.as_bytes().get(start..end) == Some(token.as_bytes());
        }
        let mut p = Parser::new(text, DEFAULT_MAX_DEPTH, None);
        p.i = start.saturating_sub(1);
        p.string().is_ok_and(|k| k == token)
    }
}

/// What [`Parser`] records for a [`PositionIndex`] while it reads.
struct IndexBuilder {
    /// Containers in the order they end (children before their parent).
    containers: Vec<Container>,
    edges: Vec<Edge>,
    /// Children of the containers being read (innermost last).
    scratch: Vec<Edge>,
}

impl IndexBuilder {
    /// Sized for a pretty-printed document of `len` bytes (about one value
    /// per 32 bytes, one container per 8 values).
    fn for_text(len: usize) -> Self {
        let values = len / 32;
        IndexBuilder { containers: Vec::with_capacity(values / 8), edges: Vec::with_capacity(values), scratch: Vec::with_capacity(64) }
    }

    /// A member (`key`: raw byte range; `(0, 0)` for an element) whose value
    /// started at `offset` and was just read; `containers_before`: the
    /// number of containers before it was read (more now if it was one).
    fn child(&mut self, key: (usize, usize), escaped: bool, offset: usize, containers_before: usize) {
        let n = self.containers.len();
        let container = if n > containers_before { narrow(n.saturating_sub(1)) } else { NO_CONTAINER };
        self.scratch.push(Edge { key: (narrow(key.0), narrow(key.1)), escaped, offset: narrow(offset), container });
    }

    /// The container whose children were recorded from `mark` on ended.
    fn close(&mut self, mark: usize, object: bool) {
        let first = narrow(self.edges.len());
        let children = self.scratch.get(mark..).unwrap_or_default();
        let len = narrow(children.len());
        self.edges.extend_from_slice(children);
        self.scratch.truncate(mark);
        self.containers.push(Container { object, first, len });
    }
}

/// Escape one reference token for a JSON pointer (`~` → `~0`, `/` → `~1`).
pub fn escape_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Append a token to a JSON pointer.
pub fn push_pointer(pointer: &str, token: &str) -> String {
    let mut out = String::with_capacity(pointer.len().saturating_add(token.len()).saturating_add(1));
    out.push_str(pointer);
    out.push('/');
    if token.bytes().any(|b| b == b'~' || b == b'/') {
        out.push_str(&escape_token(token));
    } else {
        out.push_str(token);
    }
    out
}

fn split_pointer(pointer: &str) -> Vec<String> {
    pointer_tokens(pointer).map(std::borrow::Cow::into_owned).collect()
}

/// The decoded tokens of a JSON pointer (borrowed unless they hold a `~`).
fn pointer_tokens(pointer: &str) -> impl Iterator<Item = std::borrow::Cow<'_, str>> {
    // (Split by a byte loop: tokens are short, a searcher costs more than
    // it saves.)
    let mut rest = (!pointer.is_empty()).then(|| pointer.trim_start_matches('/'));
    std::iter::from_fn(move || {
        let r = rest?;
        let (t, next) = match r.bytes().position(|b| b == b'/') {
            Some(i) => (r.get(..i).unwrap_or_default(), r.get(i.saturating_add(1)..)),
            None => (r, None),
        };
        rest = next;
        Some(if t.bytes().any(|b| b == b'~') {
            std::borrow::Cow::Owned(t.replace("~1", "/").replace("~0", "~"))
        } else {
            std::borrow::Cow::Borrowed(t)
        })
    })
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

/// Position of byte `offset` on line `line` starting at byte `line_start`
/// (column 1 when `offset` is not at a character boundary).
fn position_at(text: &str, line: u32, line_start: usize, offset: usize) -> Position {
    let col_text = text.get(line_start..offset).unwrap_or_default();
    let column = u32::try_from(col_text.chars().count()).unwrap_or(u32::MAX).saturating_add(1);
    Position { line, column }
}

#[cfg(not(target_arch = "wasm32"))]
/// Offset of the first `"` or `\` at or after `from` (the length if none),
/// looking at eight bytes at a time.
fn string_end(bytes: &[u8], from: usize) -> usize {
    let rest = bytes.get(from..).unwrap_or_default();
    let mut chunks = rest.chunks_exact(8);
    let mut at = from;
    for chunk in &mut chunks {
        let w = word(chunk);
        let q = w ^ (ONES * u64::from(b'"'));
        let s = w ^ (ONES * u64::from(b'\\'));
        // The lowest flagged byte of each is exactly its first zero byte.
        let hit = (q.wrapping_sub(ONES) & !q | s.wrapping_sub(ONES) & !s) & HIGH;
        if hit != 0 {
            return at.saturating_add((hit.trailing_zeros() / 8) as usize);
        }
        at = at.saturating_add(8);
    }
    let tail = chunks.remainder();
    at.saturating_add(tail.iter().position(|&b| b == b'"' || b == b'\\').unwrap_or(tail.len()))
}

#[cfg(not(target_arch = "wasm32"))]
const ONES: u64 = 0x0101_0101_0101_0101;
#[cfg(not(target_arch = "wasm32"))]
const HIGH: u64 = 0x8080_8080_8080_8080;

#[cfg(not(target_arch = "wasm32"))]
/// Eight bytes of `chunk` (a slice of exactly eight) as one word.
fn word(chunk: &[u8]) -> u64 {
    u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]))
}

#[cfg(not(target_arch = "wasm32"))]
/// Offset of the first byte after a run of spaces starting at `from`
/// (eight bytes at a time; most runs, indentation included, end in the
/// first word or two).
#[cfg_attr(not(debug_assertions), inline(always))]
fn spaces_end(bytes: &[u8], from: usize) -> usize {
    let mut at = from;
    while let Some(chunk) = bytes.get(at..).and_then(<[u8]>::first_chunk::<8>) {
        let other = u64::from_le_bytes(*chunk) ^ (ONES * u64::from(b' '));
        if other != 0 {
            return at.saturating_add((other.trailing_zeros() / 8) as usize);
        }
        at = at.saturating_add(8);
    }
    let tail = bytes.get(at..).unwrap_or_default();
    at.saturating_add(tail.iter().position(|&b| b != b' ').unwrap_or(tail.len()))
}


// The size-optimised wasm build scans a byte at a time (less code).
#[cfg(target_arch = "wasm32")]
fn spaces_end(bytes: &[u8], from: usize) -> usize {
    let rest = bytes.get(from..).unwrap_or_default();
    from.saturating_add(rest.iter().position(|&b| b != b' ').unwrap_or(rest.len()))
}

#[cfg(target_arch = "wasm32")]
fn string_end(bytes: &[u8], from: usize) -> usize {
    let rest = bytes.get(from..).unwrap_or_default();
    from.saturating_add(rest.iter().position(|&b| b == b'"' || b == b'\\').unwrap_or(rest.len()))
}

/// Bytes per entry of [`PositionIndex`]'s line table.
const LINE_BLOCK: usize = 256;

/// Bytes counted with one-byte counters (fewer than 256, a power of two so
/// that a line block is a whole number of them).
const COUNT_CHUNK: usize = 128;

/// How many `\n` come before each block of [`LINE_BLOCK`] bytes (a plain
/// count per block, which the compiler vectorises).
fn newline_blocks(bytes: &[u8]) -> Vec<u32> {
    let mut out = Vec::with_capacity(bytes.len() / LINE_BLOCK + 1);
    let mut n: u32 = 0;
    for block in bytes.chunks(LINE_BLOCK) {
        out.push(n);
        n = n.saturating_add(newlines(block));
    }
    out
}

#[cfg(not(target_arch = "wasm32"))]
fn newlines(bytes: &[u8]) -> u32 {
    // Per whole chunk of COUNT_CHUNK bytes a one-byte count, which the
    // compiler turns into unrolled vector compares and adds; the rest byte
    // by byte.
    let mut chunks = bytes.chunks_exact(COUNT_CHUNK);
    let mut n = 0u32;
    for chunk in &mut chunks {
        let k = chunk.iter().fold(0u8, |k, &b| k.wrapping_add(u8::from(b == b'\n')));
        n = n.saturating_add(u32::from(k));
    }
    let k = chunks.remainder().iter().fold(0u8, |k, &b| k.wrapping_add(u8::from(b == b'\n')));
    n.saturating_add(u32::from(k))
}

#[cfg(target_arch = "wasm32")]
fn newlines(bytes: &[u8]) -> u32 {
    u32::try_from(bytes.iter().filter(|&&b| b == b'\n').count()).unwrap_or(u32::MAX)
}

/// Drop `v`, a value read without keeping values: a scalar, so nothing to
/// free (the check saves an out-of-line call to drop a `Value` for each).
#[inline(always)]
fn discard(v: Value) {
    match v {
        Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_) => std::mem::forget(v),
        _ => drop(v),
    }
}

/// What the reader's steps give: errors are boxed, so that a step's
/// result is small (most steps give `Ok(())` or a `Value`).
type Res<T> = Result<T, Box<JsonError>>;

/// The members of a top-level object: name, and value if it is a string.
type TopMembers<'a> = Vec<(Cow<'a, str>, Option<Cow<'a, str>>)>;

/// One step of the path to the value being read: an object member (byte
/// offset of its key's opening quote; the key is decoded only for an error
/// message) or an array element.
#[derive(Clone, Copy)]
enum Seg {
    Key(usize),
    Index(usize),
}

/// The members seen so far of an object too big to compare keys one by one:
/// a map of the values (when values are kept) or a set of the keys.
enum Big<'a> {
    Values(Map),
    Keys(std::collections::HashSet<Cow<'a, str>>),
}

/// The one reader of the grammar. What it keeps is chosen at run time
/// (one copy of the code, not one per mode): values (`keep`, for [`parse`]
/// and [`parse_indexed`]) or nothing (a check that the document parses, for
/// [`PositionIndex::build`] and [`skim_bytes`], and the `locate` modes);
/// where every value starts (`index`); the top-level string members
/// (`top`, for [`skim_bytes`]); the position of a JSON pointer (`target`).
/// Errors, the depth limit and the duplicate-key rule are the same in every
/// mode (the `locate` modes, which stop at their target, do not look for
/// duplicate keys).
struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    i: usize,
    max_depth: usize,
    /// Values are built (else every value read is a scalar).
    keep: bool,
    /// `path` is kept up to date: in `locate` modes, and when a document is
    /// read again for an error's pointer ([`Parser::read`]).
    track: bool,
    path: Vec<Seg>,
    target: Option<Vec<String>>,
    /// How many leading segments of `path` equal `target` (`locate` modes).
    matched: usize,
    found: Option<Position>,
    /// When set, positions of the direct children of `target` are collected.
    children: Option<Vec<Position>>,
    /// The last position worked out: (byte offset, its line, where that
    /// line starts), so positions asked for in order cost one pass in all.
    last: Cell<(usize, u32, usize)>,
    /// Elements of the arrays being read (innermost last).
    items: Vec<Value>,
    /// Members of the small objects being read (innermost last).
    members: Vec<(String, Value)>,
    /// Keys of the small objects being read when values are not kept.
    names: Vec<Cow<'a, str>>,
    /// Set by [`parse_indexed`] and [`PositionIndex::build`]: where every
    /// value starts is recorded too.
    index: Option<IndexBuilder>,
    /// Set by [`skim_bytes`]: every member of the top-level object, with
    /// its value when that is a string.
    top: Option<TopMembers<'a>>,
}

impl<'a> Parser<'a> {
    /// A reader of `text`; it keeps values unless it looks for `target`.
    fn new(text: &'a str, max_depth: usize, target: Option<Vec<String>>) -> Self {
        Parser {
            text,
            bytes: text.as_bytes(),
            i: 0,
            max_depth,
            keep: target.is_none(),
            track: target.is_some(),
            path: Vec::new(),
            target,
            matched: 0,
            found: None,
            children: None,
            last: Cell::new((0, 1, 0)),
            items: Vec::new(),
            members: Vec::new(),
            names: Vec::new(),
            index: None,
            top: None,
        }
    }

    fn position(&self) -> Position {
        self.position_of(self.i)
    }

    /// Line and column of byte `offset` (lines counted from the last
    /// position asked for when it is not after `offset`).
    fn position_of(&self, offset: usize) -> Position {
        let (mut from, mut line, mut line_start) = self.last.get();
        if offset < from {
            (from, line, line_start) = (0, 1, 0);
        }
        let seen = self.bytes.get(from..offset).unwrap_or_default();
        for (k, _) in seen.iter().enumerate().filter(|&(_, &b)| b == b'\n') {
            line = line.saturating_add(1);
            line_start = from.saturating_add(k).saturating_add(1);
        }
        self.last.set((offset, line, line_start));
        position_at(self.text, line, line_start, offset)
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
        if !self.track {
            return;
        }
        if hit {
            self.matched = self.path.len().saturating_add(1);
        }
        self.path.push(seg);
    }

    fn pop_seg(&mut self) {
        if !self.track {
            return;
        }
        self.path.pop();
        self.matched = self.matched.min(self.path.len());
    }

    fn err<T>(&self, message: impl Into<String>) -> Res<T> {
        Err(Box::new(JsonError { message: message.into(), position: self.position(), pointer: self.pointer() }))
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.i).copied()
    }

    /// The next byte, consumed (the offset moves past the end only once).
    fn bump(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.i = self.i.saturating_add(1);
        Some(b)
    }

    /// [`Parser::document`], and on an error the document read again with
    /// the path tracked, for the error's pointer (reads stop at their first
    /// error, so both stop at the same one; only the second knows the path
    /// to it, which costs every read a little to keep up to date).
    fn read(&mut self) -> Result<(usize, Value), JsonError> {
        match self.document() {
            Ok(read) => Ok(read),
            Err(e) if self.track => Err(*e),
            Err(e) => {
                let mut again = Parser::new(self.text, self.max_depth, None);
                again.keep = self.keep;
                again.track = true;
                Err(*again.document().err().unwrap_or(e))
            }
        }
    }

    /// The whole document: the offset where its value starts, and the value.
    fn document(&mut self) -> Res<(usize, Value)> {
        // Room for the keys of typical lines of an inventory up front (a
        // check per line would otherwise grow the stack a few times).
        if !self.keep {
            self.names.reserve(32);
        }
        self.skip_ws()?;
        if self.peek().is_none() {
            return self.err("empty document");
        }
        let start = self.i;
        let v = self.value(0)?;
        self.skip_ws()?;
        if self.peek().is_some() {
            return self.err("unexpected content after the end of the document");
        }
        Ok((start, v))
    }

    /// Skip whitespace and comments (most calls find none: kept inline,
    /// except in the size-optimised wasm build and in debug builds, where
    /// inlined copies would enlarge the reader's recursive stack frames).
    #[cfg_attr(all(not(target_arch = "wasm32"), not(debug_assertions)), inline(always))]
    fn skip_ws(&mut self) -> Res<()> {
        match self.peek() {
            #[cfg(not(target_arch = "wasm32"))]
            Some(b' ' | b'\n') => {
                // The common shapes (a space after `:`, a line break and the
                // next line's indentation) without a call.
                self.i = spaces_end(self.bytes, self.i.saturating_add(1));
                match self.peek() {
                    Some(b' ' | b'\n' | b'\r' | b'\t' | b'/') => self.skip_ws_run(),
                    _ => Ok(()),
                }
            }
            #[cfg(not(target_arch = "wasm32"))]
            Some(b'\r' | b'\t' | b'/') => self.skip_ws_run(),
            #[cfg(target_arch = "wasm32")]
            Some(b' ' | b'\n' | b'\r' | b'\t' | b'/') => self.skip_ws_run(),
            _ => Ok(()),
        }
    }

    fn skip_ws_run(&mut self) -> Res<()> {
        loop {
            match self.peek() {
                // The common shapes, in one step each: a space (after `:`),
                // or a line break with the next line's indentation.
                Some(b' ' | b'\n') => self.i = spaces_end(self.bytes, self.i.saturating_add(1)),
                Some(b'\r' | b'\t') => self.i = self.i.saturating_add(1),
                Some(b'/') => self.comment()?,
                _ => return Ok(()),
            }
        }
    }

    /// A `//` or `/* */` comment (at a `/`).
    fn comment(&mut self) -> Res<()> {
        let start = self.i;
        let after = self.bytes.get(start.saturating_add(2)..).unwrap_or_default();
        match self.bytes.get(start.saturating_add(1)) {
            Some(b'/') => {
                let n = after.iter().position(|&b| b == b'\n').unwrap_or(after.len());
                self.i = start.saturating_add(2).saturating_add(n);
            }
            Some(b'*') => match after.windows(2).position(|w| w == b"*/") {
                Some(n) => self.i = start.saturating_add(4).saturating_add(n),
                None => {
                    return Err(Box::new(JsonError {
                        message: "unterminated `/*` comment".to_owned(),
                        position: self.position_of(start),
                        pointer: self.pointer(),
                    }))
                }
            },
            _ => return self.err("unexpected `/`"),
        }
        Ok(())
    }

    fn value(&mut self, depth: usize) -> Res<Value> {
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
            Some(b'"') if self.keep => self.string().map(|s| Value::String(s.into_owned())),
            Some(b'"') => {
                if !self.skip_plain_string() {
                    self.string()?;
                }
                Ok(Value::Null)
            }
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

    #[inline]
    fn literal(&mut self, word: &str, v: Value) -> Res<Value> {
        if self.bytes.get(self.i..self.i.saturating_add(word.len())) == Some(word.as_bytes()) {
            self.i = self.i.saturating_add(word.len());
            Ok(v)
        } else {
            self.err(format!("invalid literal, expected `{word}`"))
        }
    }

    #[inline]
    fn enter(&self, depth: usize) -> Res<usize> {
        let d = depth.saturating_add(1);
        if d > self.max_depth {
            return self.err(format!("nesting deeper than {} levels", self.max_depth));
        }
        Ok(d)
    }

    /// Where the children of a container about to be read are recorded
    /// from, when indexing.
    fn index_mark(&self) -> usize {
        self.index.as_ref().map_or(0, |b| b.scratch.len())
    }

    /// Before reading a member or element: the container count, when indexing.
    fn index_before(&self) -> usize {
        self.index.as_ref().map_or(0, |b| b.containers.len())
    }

    fn index_child(&mut self, key: (usize, usize), escaped: bool, offset: usize, before: usize) {
        if let Some(b) = self.index.as_mut() {
            b.child(key, escaped, offset, before);
        }
    }

    fn index_close(&mut self, mark: usize, object: bool) {
        if let Some(b) = self.index.as_mut() {
            b.close(mark, object);
        }
    }

    /// When no values are kept and no pointer is looked for: skip the
    /// string at the reader's offset if it has no escapes (nothing to decode
    /// or check; without a call to [`Parser::value`] for the commonest
    /// value). `false` when it must be read by [`Parser::string`] (or it is
    /// not a string).
    #[inline(always)]
    fn skip_plain_string(&mut self) -> bool {
        if self.keep || self.target.is_some() || self.peek() != Some(b'"') {
            return false;
        }
        let end = string_end(self.bytes, self.i.saturating_add(1));
        let plain = self.bytes.get(end) == Some(&b'"');
        if plain {
            self.i = end.saturating_add(1);
        }
        plain
    }

    /// The value of a member of the top-level object, which [`skim_bytes`]
    /// records (its string, if it is one).
    fn top_member(&mut self, name: Cow<'a, str>, depth: usize) -> Res<Value> {
        let s = if self.peek() == Some(b'"') { Some(self.string()?) } else { self.value(depth).map(discard).map(|()| None)? };
        if let Some(top) = self.top.as_mut() {
            top.push((name, s));
        }
        Ok(Value::Null)
    }

    fn object(&mut self, depth: usize) -> Res<Value> {
        let depth = self.enter(depth)?;
        self.bump();
        let imark = self.index_mark();
        self.skip_ws()?;
        if self.peek() == Some(b'}') {
            self.bump();
            self.index_close(imark, true);
            return Ok(if self.keep { Value::Object(Map::default()) } else { Value::Null });
        }
        // Members go to `self.members` until the object is known to be big,
        // then into a map (or a set of keys): one allocation of the right
        // size for most objects.
        let mark = if self.keep { self.members.len() } else { self.names.len() };
        let mut big: Option<Big<'a>> = None;
        loop {
            self.skip_ws()?;
            if self.peek() != Some(b'"') {
                return self.err("expected a string key");
            }
            let key_at = self.i;
            let key = self.string()?;
            let key_end = self.i.saturating_sub(1);
            self.skip_ws()?;
            if self.peek() != Some(b':') {
                return self.err("expected `:` after an object key");
            }
            self.bump();
            self.skip_ws()?;
            let hit = self.on_target(|tok| tok == key);
            self.push_seg(Seg::Key(key_at), hit);
            let (offset, before) = (self.i, self.index_before());
            let v = if depth == 1 && self.top.is_some() {
                let name = match &key {
                    Cow::Borrowed(k) => Cow::Borrowed(*k),
                    Cow::Owned(k) => Cow::Owned(k.clone()),
                };
                self.top_member(name, depth)?
            } else if self.skip_plain_string() {
                Value::Null
            } else {
                self.value(depth)?
            };
            // (A key with escapes is shorter decoded than in the text.)
            let escaped = key.len() != key_end.saturating_sub(key_at).saturating_sub(1);
            self.index_child((key_at.saturating_add(1), key_end), escaped, offset, before);
            self.pop_seg();
            // In `locate` modes nothing is kept, so keys need not be checked.
            if self.target.is_none() {
                if let Some(key) = self.add_member(mark, &mut big, key, v) {
                    return Err(Box::new(JsonError {
                        message: format!("duplicate key `{key}`"),
                        position: self.position_of(key_at),
                        pointer: self.pointer(),
                    }));
                }
            }
            self.skip_ws()?;
            match self.bump() {
                Some(b',') => {
                    // ARM tolerates a trailing comma; so do we.
                    self.skip_ws()?;
                    if self.peek() == Some(b'}') {
                        self.bump();
                        break;
                    }
                }
                Some(b'}') => break,
                _ => return self.err("expected `,` or `}` in an object"),
            }
        }
        self.index_close(imark, true);
        if !self.keep {
            self.names.truncate(mark);
            return Ok(Value::Null);
        }
        let map = match big {
            Some(Big::Values(map)) => map,
            _ => {
                // (keys already checked distinct by `add_member`; `split_off`
                // allocates exactly the members it moves, in one copy)
                Map::from_distinct(self.members.split_off(mark))
            }
        };
        Ok(Value::Object(map))
    }

    /// The duplicate-key rule: records member `key` (value `v`) of the
    /// object whose members are recorded from `mark` on (in `big` once it
    /// has more than [`SMALL_OBJECT`]); the key back if the object already
    /// has a member so named.
    fn add_member(&mut self, mark: usize, big: &mut Option<Big<'a>>, key: Cow<'a, str>, v: Value) -> Option<String> {
        if self.keep {
            let key = key.into_owned();
            if let Some(Big::Values(map)) = big {
                return match map.entry(key) {
                    crate::value::Entry::Occupied(e) => Some(e.key().clone()),
                    crate::value::Entry::Vacant(e) => {
                        e.insert(v);
                        None
                    }
                };
            }
            let small = self.members.get(mark..).unwrap_or_default();
            if small.iter().any(|(k, _)| *k == key) {
                return Some(key);
            }
            let count = small.len();
            self.members.push((key, v));
            if count >= SMALL_OBJECT {
                let mut members = Vec::with_capacity(SMALL_OBJECT * 4);
                members.extend(self.members.drain(mark..));
                *big = Some(Big::Values(Map::from_distinct(members)));
            }
        } else {
            discard(v);
            if let Some(Big::Keys(set)) = big {
                if set.contains(&key) {
                    return Some(key.into_owned());
                }
                set.insert(key);
                return None;
            }
            let small = self.names.get(mark..).unwrap_or_default();
            if small.iter().any(|k| k.len() == key.len() && *k == key) {
                return Some(key.into_owned());
            }
            let count = small.len();
            self.names.push(key);
            if count >= SMALL_OBJECT {
                *big = Some(Big::Keys(self.names.drain(mark..).collect()));
            }
        }
        None
    }

    fn array(&mut self, depth: usize) -> Res<Value> {
        let depth = self.enter(depth)?;
        self.bump();
        let imark = self.index_mark();
        self.skip_ws()?;
        if self.peek() == Some(b']') {
            self.bump();
            self.index_close(imark, false);
            return Ok(Value::Array(Vec::new()));
        }
        // Elements go to `self.items` and are moved into an array of the
        // right size at the end.
        let mark = self.items.len();
        let mut n: usize = 0;
        loop {
            self.skip_ws()?;
            let hit = self.on_target(|tok| tok == n.to_string());
            self.push_seg(Seg::Index(n), hit);
            let (offset, before) = (self.i, self.index_before());
            let v = if self.skip_plain_string() { Value::Null } else { self.value(depth)? };
            self.index_child((0, 0), false, offset, before);
            self.pop_seg();
            n = n.saturating_add(1);
            if self.keep {
                self.items.push(v);
            } else {
                discard(v);
            }
            self.skip_ws()?;
            match self.bump() {
                Some(b',') => {
                    self.skip_ws()?;
                    if self.peek() == Some(b']') {
                        self.bump();
                        break;
                    }
                }
                Some(b']') => break,
                _ => return self.err("expected `,` or `]` in an array"),
            }
        }
        self.index_close(imark, false);
        if !self.keep {
            return Ok(Value::Null);
        }
        // (`split_off` allocates exactly the elements it moves.)
        Ok(Value::Array(self.items.split_off(mark)))
    }

    /// A string (at its opening quote): borrowed from the text unless it
    /// holds escapes or values are kept.
    fn string(&mut self) -> Res<Cow<'a, str>> {
        self.bump(); // opening quote
        let start = self.i;
        let end = string_end(self.bytes, start);
        // Fast path: no escapes (control characters, line breaks included,
        // are kept as they are: Newtonsoft (ARM) accepts them inside strings,
        // and templates use multi-line expressions).
        if self.bytes.get(end) == Some(&b'"') {
            self.i = end.saturating_add(1);
            let s = self.text.get(start..end).unwrap_or_default();
            // (Copied here when values are kept: the copy then only moves.)
            return Ok(if self.keep { Cow::Owned(s.to_owned()) } else { Cow::Borrowed(s) });
        }
        let mut out = String::new();
        loop {
            let start = self.i;
            let end = string_end(self.bytes, start);
            out.push_str(self.text.get(start..end).unwrap_or_default());
            self.i = end;
            match self.bump() {
                Some(b'"') => return Ok(Cow::Owned(out)),
                Some(_) => {
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
                None => return self.err("unterminated string"),
            }
        }
    }

    fn hex4(&mut self) -> Res<u32> {
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

    fn unicode_escape(&mut self) -> Res<char> {
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

    /// Skip ASCII digits; `true` if there was at least one.
    fn digits(&mut self) -> bool {
        let rest = self.bytes.get(self.i..).unwrap_or_default();
        let n = rest.iter().position(|b| !b.is_ascii_digit()).unwrap_or(rest.len());
        self.i = self.i.saturating_add(n);
        n > 0
    }

    fn number(&mut self) -> Res<Value> {
        let start = self.i;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.bump();
        }
        // The integer part, its value worked out on the way (exact while
        // it has at most 18 digits).
        let int_start = self.i;
        let mut n: i64 = 0;
        while let Some(d) = self.peek().filter(u8::is_ascii_digit) {
            n = n.wrapping_mul(10).wrapping_add(i64::from(d.wrapping_sub(b'0')));
            self.i = self.i.saturating_add(1);
        }
        let int_digits = self.i.saturating_sub(int_start);
        if int_digits == 0 {
            return self.err("invalid number");
        }
        let mut is_float = false;
        if self.peek() == Some(b'.') {
            is_float = true;
            self.bump();
            if !self.digits() {
                return self.err("invalid number");
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            is_float = true;
            self.bump();
            if let Some(b'+' | b'-') = self.peek() {
                self.bump();
            }
            if !self.digits() {
                return self.err("invalid number");
            }
        }
        if !is_float && int_digits <= 18 {
            return Ok(if !self.keep {
                Value::Null
            } else if negative {
                Value::Int(n.wrapping_neg())
            } else {
                Value::Int(n)
            });
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

/// What [`skim_bytes`] found: whether the document is an object and, per
/// key asked for, the string value of the top-level member
/// [`Value::get_ci`] would pick (`None` when that member is missing or not
/// a string).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skim<'a> {
    /// The document is an object (else `strings` are all `None`).
    pub object: bool,
    /// One entry per key asked for, in the same order.
    pub strings: Vec<Option<std::borrow::Cow<'a, str>>>,
}

/// Check that `bytes` is a document [`parse_bytes`] accepts, without
/// building its [`Value`], and pick the string members `keys` of the
/// top-level object as [`Value::get_ci`] and [`Value::as_str`] would. The
/// same reader as [`parse_bytes`] in a mode that builds no values: an
/// error is the one [`parse_bytes`] gives.
pub fn skim_bytes<'a>(bytes: &'a [u8], keys: &[&str]) -> Result<Skim<'a>, JsonError> {
    let text = decode(bytes)?;
    let mut p = Parser::new(text, DEFAULT_MAX_DEPTH, None);
    p.keep = false;
    p.top = Some(Vec::with_capacity(16));
    let (start, _) = p.read()?;
    let top = p.top.take().unwrap_or_default();
    let strings = keys
        .iter()
        .map(|k| {
            // As `get_ci`: the member named exactly so, else the first whose
            // name differs only in ASCII case.
            let exact = top.iter().find(|(name, _)| name == k);
            exact.or_else(|| top.iter().find(|(name, _)| name.eq_ignore_ascii_case(k))).and_then(|(_, s)| s.clone())
        })
        .collect();
    Ok(Skim { object: p.bytes.get(start) == Some(&b'{'), strings })
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
    fn duplicate_keys_in_small_and_big_objects() {
        for size in [3, SMALL_OBJECT, SMALL_OBJECT + 1, 40] {
            let members: Vec<String> = (0..size).map(|i| format!("\"k{i}\": {i}")).collect();
            let ok = format!("{{\n  {}\n}}", members.join(", "));
            let v = parse(&ok).unwrap();
            let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
            assert_eq!(keys.len(), size);
            assert_eq!(keys.last().map(|k| k.as_str()), Some(format!("k{}", size - 1).as_str()));
            let dup = format!("{{\n  {}, \"k{}\": 1}}", members.join(", "), size / 2);
            let e = parse(&dup).unwrap_err();
            assert_eq!(e.message, format!("duplicate key `k{}`", size / 2));
            let column = dup.rfind('"').and_then(|end| dup.get(..end)).and_then(|s| s.rfind('"')).unwrap() - dup.find('\n').unwrap();
            assert_eq!(e.position, Position { line: 2, column: u32::try_from(column).unwrap() }, "{dup}");
        }
    }

    #[test]
    fn strings_with_and_without_escapes() {
        let v = parse("[\"plain text that is longer than eight\", \"a\\\"b\\u0041\\n c\", \"two\nlines\u{1}\", \"\"]").unwrap();
        let got: Vec<&str> = v.as_array().unwrap().iter().filter_map(Value::as_str).collect();
        assert_eq!(got, ["plain text that is longer than eight", "a\"bA\n c", "two\nlines\u{1}", ""]);
        let e = parse(&format!("{{\n{}\"a\": tru}}", " ".repeat(21))).unwrap_err();
        assert_eq!(e.position, Position { line: 2, column: 27 });
        assert_eq!(parse("[1, \"ab").unwrap_err().message, "unterminated string");
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
    fn pointer_tokens_split_as_rfc6901_reads_them() {
        // (the definition: leading slashes trimmed, split on every `/`, `~1` then `~0` decoded)
        let by_split = |p: &str| -> Vec<String> {
            if p.is_empty() {
                return Vec::new();
            }
            p.trim_start_matches('/').split('/').map(|t| t.replace("~1", "/").replace("~0", "~")).collect()
        };
        for p in ["", "/", "//", "/a", "a", "/a/", "/a//b", "//a/b/0", "/resources/3/properties", "/a~1b/~0c/~01", "/é/ü~1/x"] {
            let got: Vec<String> = pointer_tokens(p).map(Cow::into_owned).collect();
            assert_eq!(got, by_split(p), "pointer {p:?}");
        }
    }

    #[test]
    fn parse_indexed_keeps_the_value_errors_and_positions_of_parse() {
        let docs = [
            "{\n  \"a\": {},\n  \"b\": [],\n  \"c\": [ {}, [[]], {\"d\": [1, {\"e\": null}]} ],\n  \"f\": \"x\"\n}",
            "[\n\t{\"k\\\"q\": 1},\r\n  2,\n  [3, [4, [5]]]\n]",
            "  7 ",
            "\"s\"",
            "{\"a\":1,\"a\":2}",
            "{\n  \"a\": [1,\n  ",
            "{\"a\": {\"b\": tru}}",
        ];
        for text in docs {
            let indexed = parse_indexed(std::sync::Arc::from(text));
            match (parse(text), indexed) {
                (Ok(v), Ok((w, idx))) => {
                    assert_eq!(v, w, "{text}");
                    let mut pointers = vec![String::new(), "/zz".to_owned(), "/0/9".to_owned()];
                    let mut stack = vec![(String::new(), &v)];
                    while let Some((at, v)) = stack.pop() {
                        match v {
                            Value::Object(m) => stack.extend(m.iter().map(|(k, c)| (push_pointer(&at, k), c))),
                            Value::Array(a) => stack.extend(a.iter().enumerate().map(|(i, c)| (format!("{at}/{i}"), c))),
                            _ => {}
                        }
                        pointers.push(at);
                    }
                    let scanned = PositionIndex::build(std::sync::Arc::from(text)).unwrap();
                    for ptr in &pointers {
                        assert_eq!(idx.get(ptr), locate(text, ptr), "{text} {ptr}");
                        assert_eq!(scanned.get(ptr), idx.get(ptr), "{text} {ptr}");
                    }
                    assert!(pointers.len() > 3 || !text.contains('{'));
                }
                (Err(e), Err(f)) => assert_eq!(e, f, "{text}"),
                (a, b) => panic!("{text}: parse gave {a:?}, parse_indexed {:?}", b.map(|(v, _)| v)),
            }
        }
        let (_, idx) = parse_indexed(std::sync::Arc::from(docs[0])).unwrap();
        assert_eq!(idx.get("/c/2/d/1/e"), Some(Position { line: 4, column: 36 }));
        assert_eq!(idx.get("/c/1/0"), Some(Position { line: 4, column: 15 }));
        assert_eq!(idx.get("/b"), Some(Position { line: 3, column: 8 }));
        assert_eq!(idx.get("/b/0"), None);
    }

    #[test]
    fn position_index_lines_across_blocks() {
        // Lines of every length around the 64-byte line blocks, a string with
        // raw line breaks, non-ASCII text before values, CRLF.
        let mut text = String::from("{\"a\": [\n");
        for n in 0..150 {
            let (pad, e) = (" ".repeat(n * 7 % 131), "é".repeat(n % 7));
            let sep = match n % 5 {
                0 => "",
                1 | 3 => "\r\n",
                _ => "\n",
            };
            text.push_str(&format!("{pad}\"v{n}\nw{e}\", {sep}"));
        }
        text.push_str("0]}");
        let idx = PositionIndex::build(std::sync::Arc::from(text.as_str())).unwrap();
        for k in 0..=150 {
            let ptr = format!("/a/{k}");
            assert_eq!(idx.get(&ptr), locate(&text, &ptr), "{ptr}");
        }
        assert_eq!(idx.get("/a/1").map(|p| p.line), Some(3));
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
        // Integers of every length around the 18 digits worked out while
        // scanning, as `str::parse` reads them (or as floats past i64).
        for digits in ["0", "7", "00", "0012", "123456789012345678", "999999999999999999", "9223372036854775807", "9223372036854775808", "12345678901234567890"] {
            for sign in ["", "-"] {
                let s = format!("{sign}{digits}");
                let want = s.parse::<i64>().map_or_else(|_| Value::Float(s.parse::<f64>().unwrap()), Value::Int);
                assert_eq!(parse(&s).unwrap(), want, "{s}");
                assert_eq!(parse(&format!("[{s}]")).unwrap(), Value::Array(vec![want]), "{s}");
            }
        }
        assert_eq!(parse("-9223372036854775808").unwrap(), Value::Int(i64::MIN));
    }
}

#[cfg(test)]
mod skim_tests {
    use super::*;

    const KEYS: [&str; 3] = ["type", "id", "name"];

    /// `skim_bytes`, `PositionIndex::build` and `parse_indexed` agree with
    /// `parse_bytes` on `bytes`: same acceptance, same error; the skim picks
    /// the strings `get_ci` would, the two indexes give the same positions.
    fn agree(bytes: &[u8]) {
        let shown = String::from_utf8_lossy(bytes);
        let parsed = parse_bytes(bytes);
        if let Ok(text) = decode(bytes) {
            let shared: std::sync::Arc<str> = std::sync::Arc::from(text);
            match (PositionIndex::build(std::sync::Arc::clone(&shared)), parse_indexed(shared), &parsed) {
                (Ok(built), Ok((v, indexed)), Ok(w)) => {
                    assert_eq!(&v, w, "{shown:?}");
                    for ptr in ["", "/type", "/a", "/a/0", "/a/b", "/0", "/1", "/k3", "/s", "/n", "/m"] {
                        assert_eq!(built.get(ptr), indexed.get(ptr), "{shown:?} {ptr}");
                    }
                }
                (Err(a), Err(b), Err(c)) => {
                    assert_eq!(&a, c, "{shown:?}");
                    assert_eq!(&b, c, "{shown:?}");
                }
                (a, b, c) => panic!("build {:?}, parse_indexed {:?}, parse {:?} on {shown:?}", a.is_ok(), b.is_ok(), c.is_ok()),
            }
        }
        match (skim_bytes(bytes, &KEYS), parsed) {
            (Ok(skim), Ok(v)) => {
                assert_eq!(skim.object, v.as_object().is_some(), "{shown:?}");
                let want: Vec<Option<&str>> = KEYS.iter().map(|k| v.get_ci(k).and_then(Value::as_str)).collect();
                let got: Vec<Option<&str>> = skim.strings.iter().map(|s| s.as_deref()).collect();
                assert_eq!(got, want, "{shown:?}");
            }
            (Err(a), Err(b)) => assert_eq!(a, b, "{shown:?}"),
            (a, b) => panic!("skim {a:?} but parse {b:?} on {shown:?}"),
        }
    }

    #[test]
    fn skim_agrees_with_parse_on_whole_and_truncated_documents() {
        let deep_ok = format!("{}{}", "[".repeat(DEFAULT_MAX_DEPTH), "]".repeat(DEFAULT_MAX_DEPTH));
        let deep_bad = format!("{}{}", "[".repeat(DEFAULT_MAX_DEPTH + 1), "]".repeat(DEFAULT_MAX_DEPTH + 1));
        let deep_obj = format!("{{\"type\":\"t\",\"a\":{}1{}}}", "{\"b\":".repeat(DEFAULT_MAX_DEPTH - 2), "}".repeat(DEFAULT_MAX_DEPTH - 2));
        let deep_obj_bad = format!("{{\"type\":\"t\",\"a\":{}1{}}}", "{\"b\":".repeat(DEFAULT_MAX_DEPTH), "}".repeat(DEFAULT_MAX_DEPTH));
        let big: String = (0..40).map(|i| format!("\"k{i}\": {i}, ")).collect();
        let big_dup = format!("{{{big}\"k3\": 1}}");
        let big_ok = format!("{{{big}\"type\": \"x\"}}");
        let mut docs: Vec<Vec<u8>> = [
            r#"{"type": "Microsoft.Storage/storageAccounts", "id": "/subscriptions/s/x", "name": "a", "properties": {"n": [1, 2.5, -3e2, true, false, null, {}, []]}}"#,
            "// c\n{\"type\": \"t\", /* c */ \"name\": \"n\",}\n",
            "{\"Type\": \"a\", \"type\": \"b\", \"NAME\": \"c\", \"Name\": \"d\", \"ID\": 5}",
            "{\"TYPE\": 1, \"type\": \"exact\"}",
            "{\"ty\\u0070e\": \"esc\\\"aped\\n\", \"id\": \"\\/a\\/b\"}",
            "{\"type\": \"t\", \"type\": \"u\"}",
            "{\"a\": 1, \"\\u0061\": 2}",
            "{\"a\": {\"b\": 1, \"b\": 2}}",
            "{\"a\": [{\"b\": 1}, {\"b\": 2}], \"c\": {\"b\": 3}}",
            "{\"s\": \"\\ud83d\\ude00 \\ud800x \\ud800\\u0041 \\udc00\"}",
            "{\"s\": \"\\ud800\\uzzzz\"}",
            "{\"s\": \"\\x\"}",
            "{\"s\": \"\\u12g4\"}",
            "{\"s\": \"tab\tand\nline\"}",
            "{\"n\": 1e999}",
            "{\"n\": -1e999}",
            "{\"n\": 123456789012345678901234567890}",
            "{\"n\": 9223372036854775807, \"m\": -9223372036854775808, \"o\": 9223372036854775808}",
            "{\"n\": 01, \"m\": -0}",
            "{\"n\": 1., \"m\": .5}",
            "{\"n\": 1e+, \"m\": -}",
            "{\"n\": tru}",
            "{\"n\": nul, \"o\": falsey}",
            "[1, 2,]",
            "[1,, 2]",
            "{,}",
            "{\"a\" 1}",
            "{\"a\": 1 \"b\": 2}",
            "{a: 1}",
            "\"just a string\"",
            "  42  ",
            "",
            "   ",
            "{} {}",
            "{}/",
            "{}/x",
            "{} /* open",
            "{} // line comment",
            "\u{feff}{\"type\": \"bom\"}",
            "{\"type\": \"t\"}\r\n",
            "{\"é\": \"ü\", \"type\": \"ﬁ\"}",
            "{\"type\": [\"t\"], \"id\": {\"x\": 1}}",
            "@",
        ]
        .iter()
        .map(|d| d.as_bytes().to_vec())
        .collect();
        for d in [deep_ok, deep_bad, deep_obj, deep_obj_bad, big_dup, big_ok] {
            docs.push(d.into_bytes());
        }
        docs.push(b"{\"type\": \"\xff\"}".to_vec());
        docs.push(b"{\"type\": \"a\xc3\"}".to_vec());
        docs.push(b"\xef\xbb\xbf\xef\xbb\xbf{}".to_vec());
        for d in &docs {
            agree(d);
            // Every truncation, and every single byte left out.
            for n in 0..d.len() {
                agree(d.get(..n).unwrap_or_default());
                if d.len() < 400 {
                    let mut cut = d.clone();
                    cut.remove(n);
                    agree(&cut);
                }
            }
        }
    }

    #[test]
    fn skim_picks_members_as_get_ci_does() {
        let s = skim_bytes(b"{\"NAME\": \"c\", \"Type\": \"a\", \"name\": \"n\", \"iD\": 7}", &KEYS).unwrap();
        assert!(s.object);
        assert_eq!(s.strings, vec![Some("a".into()), None, Some("n".into())]);
        let s = skim_bytes(b"[1]", &KEYS).unwrap();
        assert!(!s.object);
        assert_eq!(s.strings, vec![None, None, None]);
        let e = skim_bytes(b"{\"type\": \"a\",\n \"type\": 1}", &KEYS).unwrap_err();
        assert_eq!(e.message, "duplicate key `type`");
        assert_eq!(e.position, Position { line: 2, column: 2 });
    }
}
