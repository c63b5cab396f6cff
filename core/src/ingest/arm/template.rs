//! One template: declarations, resources (copy, condition, children,
//! extension scopes, symbolic names), outputs.

use super::error::{ErrorKind, EvalError, TemplateError};
use super::eval::{DeploymentInfo, Evaluator, OutputTable, UserFn, VarDecl};
use super::limits::Limits;
use super::nested;
use crate::json::push_pointer;
use crate::model::{provider_suffix, Diagnostic, DiagnosticLevel, Provenance};
use crate::value::{Map, Value};
use std::path::PathBuf;
use std::sync::Arc;

/// Where a template's text comes from (for provenance and linked templates):
/// the text itself is borrowed for the expansion (`'t`), or shared (a linked
/// template read from disk).
#[derive(Debug, Clone, Default)]
pub struct Source<'t> {
    /// File name as given by the user.
    pub file: Option<String>,
    /// Folder for `templateLink.relativePath`.
    pub dir: Option<PathBuf>,
    /// The file's text, for line/column lookups when it has no index (it
    /// does not parse); else the index's (see [`Source::text`]).
    text: Option<&'t str>,
    /// Positions of every value of the text, recorded while parsing (not
    /// one pass over the text per located resource or diagnostic).
    positions: Option<Arc<crate::json::PositionIndex<'t>>>,
}

impl<'t> Source<'t> {
    /// A source for `file` (as the user named it) with its `text` (for
    /// line/column lookups, borrowed) and `dir` (for linked templates).
    pub fn new(file: Option<&str>, text: Option<&'t str>, dir: Option<PathBuf>) -> Self {
        // (Indexed now: a text that does not parse is read per lookup.)
        match text.map(crate::json::PositionIndex::build_borrowed) {
            Some(Ok(index)) => Source::indexed(file, index, dir),
            _ => Source { file: file.map(str::to_owned), text, dir, positions: None },
        }
    }

    /// Parse `text` (JSON with comments) into the template's value and a
    /// source for it whose positions are recorded by that same parse (no
    /// second reading of the text when resources are located; the text is
    /// borrowed, not copied).
    pub fn parse(file: Option<&str>, text: &'t str, dir: Option<PathBuf>) -> Result<(Value, Self), crate::json::JsonError> {
        let (doc, index) = crate::json::parse_indexed_borrowed(text)?;
        Ok((doc, Source::indexed(file, index, dir)))
    }

    /// [`Source::parse`] of a text the source keeps (shared).
    pub(crate) fn parse_shared(file: Option<&str>, text: Arc<str>, dir: Option<PathBuf>) -> Result<(Value, Self), crate::json::JsonError> {
        let (doc, index) = crate::json::parse_indexed(text)?;
        Ok((doc, Source::indexed(file, index, dir)))
    }

    /// A source whose text and positions are those of `index` (from
    /// [`crate::json::parse_indexed`]).
    pub(crate) fn indexed(file: Option<&str>, index: crate::json::PositionIndex<'t>, dir: Option<PathBuf>) -> Self {
        Source { file: file.map(str::to_owned), text: None, dir, positions: Some(Arc::new(index)) }
    }

    /// The template's text, if known.
    pub fn text(&self) -> Option<&str> {
        match &self.positions {
            Some(index) => Some(index.text()),
            None => self.text,
        }
    }

    /// Line and column of the value at `pointer` in the text, if any.
    fn position(&self, pointer: &str) -> Option<crate::json::Position> {
        match &self.positions {
            Some(index) => index.get(pointer),
            None => crate::json::locate(self.text?, pointer),
        }
    }

    pub(crate) fn provenance(&self, pointer: &str) -> Provenance {
        let pos = self.position(pointer);
        Provenance { file: self.file.clone(), pointer: pointer.to_owned(), line: pos.map(|p| p.line), column: pos.map(|p| p.column) }
    }

    pub(crate) fn error(&self, e: EvalError, fallback: &str) -> TemplateError {
        let pointer = e.pointer.unwrap_or_else(|| fallback.to_owned());
        let pos = self.position(&pointer);
        TemplateError {
            kind: e.kind,
            message: e.message,
            file: self.file.clone(),
            pointer,
            line: pos.map(|p| p.line),
            column: pos.map(|p| p.column),
        }
    }

    pub(crate) fn diagnostic(&self, level: DiagnosticLevel, message: String, pointer: &str) -> Diagnostic {
        Diagnostic { level, message, provenance: self.provenance(pointer) }
    }
}

/// What expanding produced.
#[derive(Debug, Default)]
pub struct Sink {
    /// Expanded resources with their provenance.
    pub resources: Vec<(Value, Provenance)>,
    /// Notes and per-resource errors.
    pub diagnostics: Vec<Diagnostic>,
    /// Outputs (of this template and its nested deployments) calling `list*`.
    pub secret_outputs: Vec<crate::model::SecretOutput>,
    /// At most how many resources were passed over unexpanded
    /// ([`Settings::outputs_only`]), for the resource limit.
    pub(crate) skipped: usize,
}

/// Shared settings for one expansion.
pub struct Settings<'a> {
    /// Limits.
    pub limits: &'a Limits,
    /// Current nesting depth of deployments.
    pub depth: usize,
    /// What one top-level expansion remembers across its passes.
    pub shared: &'a Shared,
    /// Only the outputs of the expansion are wanted (a lookahead or replay
    /// of a nested deployment, whose resources are thrown away): resources
    /// that cannot affect them are passed over (see `skippable`).
    pub outputs_only: bool,
}

/// Kept for one top-level expansion (parsed expressions are cached per
/// thread in `eval`).
#[derive(Default)]
pub struct Shared {
    /// An outputs-only expansion passed over so many resources that the
    /// resource limit may or may not have been reached: its result is not
    /// to be trusted (whoever asked for it gives up).
    pub(crate) unsure: std::cell::Cell<bool>,
}

const DEPLOYMENTS: &str = "Microsoft.Resources/deployments";

fn obj<'v>(v: &'v Value, key: &str) -> Option<&'v Map> {
    v.get_ci(key).and_then(Value::as_object)
}

/// Check the shape and the declaration limits of a template.
pub fn check_declarations(t: &Value, src: &Source<'_>, base: &str, limits: &Limits) -> Result<(), TemplateError> {
    let fail = |kind: ErrorKind, msg: String, p: &str| src.error(EvalError::new(kind, msg), p);
    if t.as_object().is_none() {
        return Err(fail(ErrorKind::Structure, format!("a template must be an object, found {}", t.type_name()), base));
    }
    for (key, max, what) in [
        ("parameters", limits.max_parameters, "parameters"),
        ("variables", limits.max_variables, "variables"),
        ("outputs", limits.max_outputs, "outputs"),
    ] {
        // (The pointer only for an error.)
        let p = || format!("{base}/{key}");
        match t.get_ci(key) {
            None | Some(Value::Null) => {}
            Some(Value::Object(m)) => {
                let mut count = m.len();
                if key == "variables" {
                    if let Some(Value::Array(c)) = m.get("copy") {
                        count = count.saturating_sub(1).saturating_add(c.len());
                    }
                }
                if count > max {
                    return Err(fail(
                        ErrorKind::Limit,
                        format!("the template declares {count} {what}; azure accepts at most {max}"),
                        &p(),
                    ));
                }
            }
            Some(other) => {
                return Err(fail(ErrorKind::Structure, format!("`{key}` must be an object, found {}", other.type_name()), &p()));
            }
        }
    }
    match t.get_ci("resources") {
        None | Some(Value::Array(_) | Value::Object(_)) => Ok(()),
        Some(other) => Err(fail(
            ErrorKind::Structure,
            format!("`resources` must be an array (or an object of symbolic names), found {}", other.type_name()),
            &format!("{base}/resources"),
        )),
    }
}

/// Build an evaluator with a template's declarations (borrowed from `t`).
pub fn evaluator<'a>(
    t: &'a Value,
    base: &str,
    supplied: &'a Map,
    info: DeploymentInfo,
    limits: &'a Limits,
    outputs: &'a OutputTable,
    shared: &'a Shared,
) -> Result<Evaluator<'a>, EvalError> {
    static NULL: Value = Value::Null;
    let mut ev = Evaluator::new(info, limits, outputs);
    ev.shared = Some(shared);
    ev.params_decl = obj(t, "parameters");
    ev.params_supplied = Some(supplied);
    if let Some(vars) = obj(t, "variables") {
        ev.vars_base = format!("{base}/variables");
        for (k, v) in vars {
            if k.eq_ignore_ascii_case("copy") {
                if let Value::Array(items) = v {
                    for (i, item) in items.iter().enumerate() {
                        let name = item.get_ci("name").and_then(Value::as_str).ok_or_else(|| {
                            EvalError::new(ErrorKind::Structure, "variable copy needs a string `name`")
                                .at(&format!("{}/{i}", push_pointer(&ev.vars_base, k)))
                        })?;
                        ev.vars_decl.insert(name, VarDecl::Copy(k, i, item));
                    }
                    continue;
                }
            }
            ev.vars_decl.insert(k, VarDecl::Plain(k, v));
        }
    }
    if let Some(Value::Array(groups)) = t.get_ci("functions") {
        for g in groups {
            let ns = g.get_ci("namespace").and_then(Value::as_str).unwrap_or_default();
            if let Some(members) = obj(g, "members") {
                for (fname, f) in members {
                    let params = f
                        .get_ci("parameters")
                        .and_then(Value::as_array)
                        .unwrap_or_default()
                        .iter()
                        .filter_map(|p| p.get_ci("name").and_then(Value::as_str).map(str::to_owned))
                        .collect();
                    let output = f.get_ci("output").and_then(|o| o.get_ci("value")).unwrap_or(&NULL);
                    ev.functions.insert(format!("{ns}.{fname}").to_ascii_lowercase(), UserFn { params, output });
                }
            }
        }
    }
    Ok(ev)
}

/// Evaluate a template's outputs (best effort: an output that fails is unknown).
pub fn outputs(ev: &mut Evaluator<'_>, t: &Value, base: &str) -> Value {
    // (The declarations' keys are distinct: collected as they are, sized once.)
    let mut out = Vec::new();
    if let Some(decl) = obj(t, "outputs") {
        out.reserve_exact(decl.len());
        for (k, o) in decl {
            let v = if let Some(c) = o.get_ci("copy") {
                let p = push_pointer(&format!("{base}/outputs"), k);
                match ev.copy_count(c, &format!("{p}/copy")) {
                    Ok(Some(n)) => {
                        let input = c.get_ci("input").cloned().unwrap_or(Value::Null);
                        let mut arr = Vec::new();
                        let mut failed = None;
                        for i in 0..n {
                            ev.copies.push((k.clone(), i));
                            let r = ev.value(&input, &format!("{p}/copy/input"));
                            ev.copies.pop();
                            match r {
                                Ok(v) => arr.push(v),
                                Err(e) => {
                                    failed = Some(e);
                                    break;
                                }
                            }
                        }
                        match failed {
                            None => Value::Array(arr),
                            Some(e) => Value::unknown(format!("output `{k}` could not be computed: {}", e.message)),
                        }
                    }
                    Ok(None) => Value::unknown(format!("the length of output `{k}` is not known")),
                    Err(e) => Value::unknown(format!("output `{k}` could not be computed: {}", e.message)),
                }
            } else {
                match o.get_ci("value") {
                    Some(v) => ev
                        .value_in(v, base, &["outputs", k, "value"])
                        .unwrap_or_else(|e| Value::unknown(format!("output `{k}` could not be computed: {}", e.message))),
                    None => Value::Null,
                }
            };
            let mut entry = Vec::with_capacity(2);
            if let Some(ty) = o.get_ci("type") {
                entry.push(("type".into(), ty.clone()));
            }
            entry.push(("value".into(), v));
            out.push((k.clone(), Value::Object(Map::from_distinct(entry))));
        }
    }
    Value::Object(Map::from_distinct(out))
}

/// `prefix` followed by `i` in decimal (a pointer to an array item, one
/// sized string: one per resource declaration and walk; the digits written
/// directly, not through the formatter).
fn index_pointer(prefix: &str, i: usize) -> String {
    let mut digits = [0u8; 20];
    let mut n = i;
    let mut len = 0;
    for d in &mut digits {
        // (digits in reverse; `n % 10` fits a byte)
        *d = b'0'.saturating_add(u8::try_from(n % 10).unwrap_or(0));
        n /= 10;
        len += 1;
        if n == 0 {
            break;
        }
    }
    let mut out = String::with_capacity(prefix.len().saturating_add(len));
    out.push_str(prefix);
    out.extend(digits.iter().take(len).rev().map(|&d| char::from(d)));
    out
}

/// The full id of a resource of `type_`/`name`, optionally at an extension `scope`.
pub fn resource_id(info: &DeploymentInfo, type_: &str, name: &str, scope: Option<&str>) -> String {
    match scope {
        Some(s) if s.starts_with('/') => format!("{}{}", s.trim_end_matches('/'), provider_suffix(type_, name)),
        Some(s) if !s.is_empty() => {
            format!("{}/providers/{}{}", info.scope.resource_group_id(), s.trim_matches('/'), provider_suffix(type_, name))
        }
        _ => info.scope.resource_id(type_, name),
    }
}

/// A resource's full type and name given its parent (for nested `resources`);
/// taken as they are when already full.
fn qualify(type_: String, name: String, parent: Option<&(String, String)>) -> (String, String) {
    let Some((pt, pn)) = parent else { return (type_, name) };
    let is_full = type_.split('/').next().is_some_and(|ns| ns.contains('.'));
    let full_type = if is_full { type_ } else { format!("{pt}/{type_}") };
    let want_segments = full_type.split('/').count().saturating_sub(1);
    let full_name = if name.split('/').count() >= want_segments { name } else { format!("{pn}/{name}") };
    (full_type, full_name)
}

/// Resources of one template (array or symbolic-name object) → the sink.
pub fn walk<'a>(ev: &mut Evaluator<'a>, t: &'a Value, base: &str, src: &Source<'a>, set: &Settings<'_>, sink: &mut Sink) -> Result<(), TemplateError> {
    // The first walk is the template's own; later ones are nested templates
    // with outer scope.
    ev.walks = ev.walks.saturating_add(1);
    let late = ev.walks > 1;
    let entries: Vec<(String, Option<&str>, &Value)> = match t.get_ci("resources") {
        Some(Value::Array(a)) => {
            let prefix = format!("{base}/resources/");
            a.iter().enumerate().map(|(i, r)| (index_pointer(&prefix, i), None, r)).collect()
        }
        Some(Value::Object(m)) => {
            let prefix = format!("{base}/resources");
            m.iter().map(|(k, r)| (push_pointer(&prefix, k), Some(k.as_str()), r)).collect()
        }
        _ => Vec::new(),
    };
    // Refuse an over-long resource list before expanding it (expansion
    // records a position per resource: quadratic on a huge template).
    if entries.len() > set.limits.max_resources {
        return Err(src.error(
            EvalError::new(
                ErrorKind::Limit,
                format!("the template declares {} resources; azure accepts at most {}", entries.len(), set.limits.max_resources),
            ),
            &format!("{base}/resources"),
        ));
    }
    // Symbolic names → ids, so `reference('sym')` finds module outputs.
    for (_, sym, r) in &entries {
        if let Some(sym) = sym {
            if r.get_ci("copy").is_none() {
                let since = ev.hits;
                if let Some(id) = plain_id(ev, r) {
                    ev.symbols.insert(sym.to_ascii_lowercase(), id);
                    ev.no_replay |= late;
                }
                if ev.hits > since {
                    ev.inexact = true;
                }
            }
        }
    }
    // (Shared with the lookaheads of an early pass.)
    let entries = std::rc::Rc::new(entries);
    if !late && ev.early {
        let info = ev.info.clone();
        let eval_depth = ev.eval_depth();
        // (Outer scope: an inline template not said to be `inner` as such.)
        let has_outer = entries.iter().any(|(_, _, r)| {
            let props = r.get_ci("properties");
            props.and_then(|p| p.get_ci("template")).is_some_and(super::nested::may_record)
                && !matches!(props.and_then(|p| p.get_ci("expressionEvaluationOptions")).and_then(|o| o.get_ci("scope")),
                    Some(Value::String(s)) if s.eq_ignore_ascii_case("inner"))
        });
        let entries = std::rc::Rc::clone(&entries);
        ev.decls = Some(std::rc::Rc::new(super::eval::Decls { entries, src: src.clone(), set_depth: set.depth, eval_depth, info, has_outer }));
    }
    let before = sink.resources.len().saturating_add(sink.skipped);
    let may_skip = set.outputs_only && !decls_may_read_outputs(ev);
    let mut w = Walk { ev, src, set, sink, may_skip };
    for (pointer, symbol, r) in entries.iter() {
        if w.ev.doomed() {
            break;
        }
        resource(&mut w, &Decl { r, pointer, symbol: *symbol, parent: None });
    }
    let produced = w.sink.resources.len().saturating_add(w.sink.skipped).saturating_sub(before);
    if produced > set.limits.max_resources {
        if set.outputs_only {
            set.shared.unsure.set(true);
        }
        return Err(src.error(
            EvalError::new(
                ErrorKind::Limit,
                format!("the template expands to {produced} resources; azure accepts at most {}", set.limits.max_resources),
            ),
            &format!("{base}/resources"),
        ));
    }
    Ok(())
}

/// What every resource of one template is expanded with: the evaluator,
/// where the template came from, the settings, and where results go.
struct Walk<'w, 'a> {
    ev: &'w mut Evaluator<'a>,
    src: &'w Source<'a>,
    set: &'w Settings<'w>,
    sink: &'w mut Sink,
    /// Outputs only, and this template's parameters, variables and
    /// functions cannot read a nested deployment's outputs.
    may_skip: bool,
}

/// One resource declaration: its value, JSON pointer, symbolic name
/// (languageVersion 2.0) and parent (type, name) when it is a child resource.
struct Decl<'d, 'a> {
    r: &'a Value,
    pointer: &'d str,
    symbol: Option<&'d str>,
    parent: Option<&'d (String, String)>,
}

fn plain_id(ev: &mut Evaluator<'_>, r: &Value) -> Option<String> {
    let t = ev.value(r.get_ci("type")?, "").ok()?;
    let n = ev.value(r.get_ci("name")?, "").ok()?;
    let scope = match r.get_ci("scope") {
        Some(s) => Some(ev.value(s, "").ok()?.as_str()?.to_owned()),
        None => None,
    };
    Some(resource_id(&ev.info, t.as_str()?, n.as_str()?, scope.as_deref()))
}

/// Whether a resource declaration may be a nested deployment (its `type` is
/// that or an expression).
pub(crate) fn may_be_deployment(r: &Value) -> bool {
    match r.get_ci("type") {
        Some(Value::String(t)) => t.eq_ignore_ascii_case(DEPLOYMENTS) || t.starts_with('['),
        _ => true,
    }
}

/// One resource declaration (with its copies and children).
fn resource<'a>(w: &mut Walk<'_, 'a>, d: &Decl<'_, 'a>) {
    let Decl { r, pointer, .. } = *d;
    if r.as_object().is_none() {
        w.sink.diagnostics.push(w.src.diagnostic(
            DiagnosticLevel::Error,
            format!("a resource must be an object, found {}", r.type_name()),
            pointer,
        ));
        return;
    }
    if w.may_skip && skippable(r) {
        // At most this many resources (the copy count as the loop below
        // reads it, times the resource and its children).
        let n = match r.get_ci("copy") {
            None => 1,
            Some(copy) => match w.ev.copy_count(copy, &format!("{pointer}/copy")) {
                Ok(Some(n)) => usize::try_from(n).unwrap_or(usize::MAX),
                _ => 0,
            },
        };
        w.sink.skipped = w.sink.skipped.saturating_add(n.saturating_mul(declarations(r)));
        return;
    }
    let Some(copy) = r.get_ci("copy") else {
        instance(w, d);
        return;
    };
    let copy_pointer = format!("{pointer}/copy");
    let name = copy.get_ci("name").and_then(Value::as_str).unwrap_or("copy").to_owned();
    let since = w.ev.hits;
    let count = w.ev.copy_count(copy, &copy_pointer);
    if w.ev.hits > since && may_be_deployment(r) {
        // How many deployments there are depends on an early output.
        w.ev.inexact = true;
    }
    match count {
        Err(e) => w.sink.diagnostics.push(Diagnostic {
            level: DiagnosticLevel::Error,
            message: format!("resource not expanded: {}", e.message),
            provenance: w.src.provenance(e.pointer.as_deref().unwrap_or(&copy_pointer)),
        }),
        Ok(None) => w.sink.diagnostics.push(w.src.diagnostic(
            DiagnosticLevel::Info,
            format!("copy loop `{name}` has a count that is only known at deployment; its resources are not listed"),
            &copy_pointer,
        )),
        Ok(Some(count)) => {
            let saved = w.ev.resource_copy.replace(name.clone());
            for i in 0..count {
                w.ev.copies.push((name.clone(), i));
                instance(w, d);
                w.ev.copies.pop();
            }
            w.ev.resource_copy = saved;
        }
    }
}

/// Whether an outputs-only expansion may pass over resource declaration `r`
/// (when its template's declarations cannot read outputs either): it is
/// an object that is no nested deployment (nor may be one), none of its
/// children has a copy loop (the count of what is passed over is then
/// known), and no expression in it mentions `reference`, the only way the
/// evaluation of a resource can read (or miss) a nested deployment's
/// outputs. Expanding it would then change nothing but the resources and
/// diagnostics thrown away.
fn skippable(r: &Value) -> bool {
    fn children_plain(r: &Value) -> bool {
        match r.get_ci("resources") {
            Some(Value::Array(children)) => children.iter().all(|c| c.get_ci("copy").is_none() && children_plain(c)),
            _ => true,
        }
    }
    r.as_object().is_some() && !may_be_deployment(r) && children_plain(r) && !mentions_reference(r)
}

/// A resource declaration and its child declarations (nested `resources`).
fn declarations(r: &Value) -> usize {
    match r.get_ci("resources") {
        Some(Value::Array(children)) => children.iter().fold(1usize, |n, c| n.saturating_add(declarations(c))),
        _ => 1,
    }
}

/// Whether an expression in `v` mentions `reference` (any case).
fn mentions_reference(v: &Value) -> bool {
    match v {
        Value::String(s) => s.starts_with('[') && has_word_ci(s.as_bytes(), b"reference"),
        Value::Array(a) => a.iter().any(mentions_reference),
        Value::Object(m) => m.values().any(mentions_reference),
        _ => false,
    }
}

/// Whether `hay` holds `word` (lower-case ASCII letters) in any case: each
/// window's first byte tested alone before the whole word (most windows
/// fail there).
pub(crate) fn has_word_ci(hay: &[u8], word: &[u8]) -> bool {
    let Some(&first) = word.first() else { return false };
    hay.windows(word.len()).any(|w| w.first().is_some_and(|&c| c | 0x20 == first) && w.eq_ignore_ascii_case(word))
}

/// Whether evaluating a parameter default, a variable or a user function
/// of `ev`'s template may read a nested deployment's outputs.
fn decls_may_read_outputs(ev: &Evaluator<'_>) -> bool {
    ev.params_decl.is_some_and(|m| m.values().any(mentions_reference))
        || ev.vars_decl.values().any(|d| match d {
            super::eval::VarDecl::Plain(_, v) | super::eval::VarDecl::Copy(_, _, v) => mentions_reference(v),
        })
        || ev.functions.values().any(|f| mentions_reference(f.output))
}

const SKIP_KEYS: [&str; 4] = ["copy", "condition", "resources", "dependsOn"];

/// One instance of a resource (one copy iteration).
fn instance<'a>(w: &mut Walk<'_, 'a>, d: &Decl<'_, 'a>) {
    let Decl { r, pointer, symbol, parent } = *d;
    let Walk { ev, src, set, sink, .. } = w;
    let (src, set) = (*src, *set);
    let fail = |sink: &mut Sink, e: EvalError| {
        let te = src.error(e, pointer);
        sink.diagnostics.push(Diagnostic {
            level: DiagnosticLevel::Error,
            message: format!("resource not expanded: {}", te.message),
            provenance: Provenance { file: te.file, pointer: te.pointer, line: te.line, column: te.column },
        });
    };
    // Whether this is a nested deployment, and which, must not depend on an
    // early output (see `Evaluator::known_outputs`).
    let since = ev.hits;
    let check = |ev: &mut Evaluator<'_>| {
        if ev.hits > since && may_be_deployment(r) {
            ev.inexact = true;
        }
    };
    // condition
    let mut condition_unknown = None;
    if let Some(c) = r.get_ci("condition") {
        let v = ev.value_of(c, pointer, "condition");
        check(ev);
        match v {
            Ok(Value::Bool(false)) => return,
            Ok(Value::Bool(true)) => {}
            Ok(u @ Value::Unknown(_)) => condition_unknown = Some(u),
            Ok(other) => {
                return fail(
                    sink,
                    EvalError::new(ErrorKind::Type, format!("`condition` must be a bool, found {}", other.type_name()))
                        .at(&format!("{pointer}/condition")),
                )
            }
            Err(e) => return fail(sink, e),
        }
    }
    let Some(m) = r.as_object() else { return };
    // (Evaluated once: the members below pass over this entry.)
    let type_entry = m.iter().enumerate().find(|(_, (k, _))| k.eq_ignore_ascii_case("type"));
    let type_at = type_entry.map(|(i, _)| i);
    let type_v = type_entry.map(|(_, (_, v))| ev.value_of(v, pointer, "type"));
    check(ev);
    let type_raw = match type_v {
        Some(t) => match t {
            Ok(Value::String(t)) => t,
            Ok(other) => {
                return fail(sink, EvalError::new(ErrorKind::Type, format!("`type` must be a string, found {}", other.type_name())).at(&format!("{pointer}/type")))
            }
            Err(e) => return fail(sink, e),
        },
        None => return fail(sink, EvalError::new(ErrorKind::Structure, "a resource needs a `type`").at(pointer)),
    };
    if type_raw.eq_ignore_ascii_case(DEPLOYMENTS) && parent.is_none() {
        if let Err(e) = nested::deployment(ev, r, pointer, src, set, sink) {
            fail(sink, e);
        }
        return;
    }
    // The resource as listed: `type`, `name` and `id` first (set below),
    // then the declared members in order (built in place, not copied over).
    // (Distinct keys: those of `m` other than these three and the skipped
    // ones, ignoring case; none is looked up in the others.)
    let mut members = Vec::with_capacity(m.len().saturating_add(4));
    for k in ["type", "name", "id"] {
        members.push((k.into(), Value::Null));
    }
    // (The declared `name`: an exact key wins, else the first ignoring case.)
    let mut name_v = None;
    for (i, (k, v)) in m.iter().enumerate() {
        if SKIP_KEYS.iter().any(|s| s.eq_ignore_ascii_case(k)) || Some(i) == type_at {
            continue;
        }
        let val = match ev.value_of(v, pointer, k) {
            Ok(val) => val,
            Err(e) => return fail(sink, e),
        };
        if ["type", "name", "id"].iter().any(|s| s.eq_ignore_ascii_case(k)) {
            if k == "name" || (name_v.is_none() && k.eq_ignore_ascii_case("name")) {
                name_v = Some(val);
            }
            continue;
        }
        members.push((k.clone(), val));
    }
    let mut value = Map::from_distinct(members);
    if let Some(d) = m.iter().find(|(k, _)| k.eq_ignore_ascii_case("dependsOn")).map(|(_, v)| v) {
        // Best effort: dependencies are informative only.
        let v = ev.value_of(d, pointer, "dependsOn").unwrap_or_else(|_| d.clone());
        value.insert("dependsOn".into(), v);
    }
    let member = |value: &Map, key: &str| value.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v.clone());
    // (The type and name are moved through, not copied.)
    let mut full_type = type_raw;
    let mut full_name = None;
    let mut name_slot = Value::Null;
    let mut id = None;
    match name_v {
        Some(Value::String(n)) => {
            let (t, nm) = qualify(full_type, n, parent);
            let scope = member(&value, "scope");
            let (t, nm, scope) = legacy_extension(t, nm, ev, scope);
            full_type = t;
            // A relative scope (`Ns/type/name`) is in this resource group.
            let scope = match scope {
                Some(Value::String(s)) if !s.starts_with('/') => Some(Value::String(format!(
                    "{}/providers/{}",
                    ev.info.scope.resource_group_id(),
                    s.trim_matches('/')
                ))),
                other => other,
            };
            match &scope {
                Some(Value::Unknown(_)) => {}
                Some(Value::String(s)) => id = Some(resource_id(&ev.info, &full_type, &nm, Some(s))),
                _ => {
                    // An `existing` resource (2.0) may live in another
                    // resource group or subscription.
                    let place = |key: &str| value.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v);
                    let (sub, rg) = (place("subscriptionId"), place("resourceGroup"));
                    if !matches!(sub, Some(Value::Unknown(_))) && !matches!(rg, Some(Value::Unknown(_))) {
                        let (sub, rg) = (sub.and_then(Value::as_str), rg.and_then(Value::as_str));
                        id = Some(if sub.is_none() && rg.is_none() {
                            resource_id(&ev.info, &full_type, &nm, None)
                        } else {
                            let mut info = ev.info.clone();
                            if let Some(s) = sub {
                                std::rc::Rc::make_mut(&mut info.scope).subscription_id = s.to_owned();
                            }
                            if let Some(r) = rg {
                                std::rc::Rc::make_mut(&mut info.scope).resource_group = r.to_owned();
                            }
                            resource_id(&info, &full_type, &nm, None)
                        });
                    }
                }
            }
            if let Some(sv) = scope {
                value.retain(|k, _| !k.eq_ignore_ascii_case("scope"));
                value.insert("scope".into(), sv);
            }
            full_name = Some(nm);
        }
        Some(u @ Value::Unknown(_)) => name_slot = u,
        Some(other) => {
            return fail(sink, EvalError::new(ErrorKind::Type, format!("`name` must be a string, found {}", other.type_name())).at(&format!("{pointer}/name")))
        }
        None => return fail(sink, EvalError::new(ErrorKind::Structure, "a resource needs a `name`").at(pointer)),
    }
    // Children need the type and name after the value is stored: copied
    // only then.
    let children = match m.iter().find(|(k, _)| k.eq_ignore_ascii_case("resources")).map(|(_, v)| v) {
        Some(Value::Array(children)) => Some(children),
        _ => None,
    };
    let parent_key = match (children, &full_name) {
        (Some(_), Some(n)) => Some((full_type.clone(), n.clone())),
        _ => None,
    };
    if let Some(t) = value.get_mut("type") {
        *t = full_type.into();
    }
    if let Some(n) = value.get_mut("name") {
        *n = full_name.map_or(name_slot, Value::String);
    }
    if let Some(slot) = value.get_mut("id") {
        *slot = match id {
            Some(i) => i.into(),
            None => Value::unknown("the resource id depends on values known only at deployment"),
        };
    }
    if let Some(u) = condition_unknown {
        value.insert("condition".into(), u);
    }
    if let Some(sym) = symbol {
        value.insert("symbolicName".into(), sym.into());
    }
    let value = Value::Object(value);
    // The exact size (serialising) only when a cheap upper bound is over the limit.
    let size = if json_len_bound(&value) > set.limits.max_resource_bytes { value.to_json().to_string().len() } else { 0 };
    if size > set.limits.max_resource_bytes {
        return fail(
            sink,
            EvalError::new(
                ErrorKind::Limit,
                format!("the expanded resource is {size} bytes; azure accepts at most {} per resource (1 MB)", set.limits.max_resource_bytes),
            )
            .at(pointer),
        );
    }
    sink.resources.push((value, src.provenance(pointer)));
    // Children.
    if let Some(children) = children {
        if let Some(parent_key) = parent_key {
            for (i, c) in children.iter().enumerate() {
                let child_pointer = format!("{pointer}/resources/{i}");
                resource(w, &Decl { r: c, pointer: &child_pointer, symbol: None, parent: Some(&parent_key) });
            }
        }
    }
}

/// An upper bound of the length of `v` written as compact JSON (every
/// character of a string escaped as `\uXXXX` at worst).
fn json_len_bound(v: &Value) -> usize {
    let text = |s: &str| s.len().saturating_mul(6).saturating_add(2);
    match v {
        Value::Null | Value::Bool(_) => 5,
        Value::Int(_) | Value::Float(_) => 32,
        Value::String(s) => text(s),
        Value::Unknown(u) => text(&u.reason).saturating_add(16),
        Value::Array(a) => a.iter().fold(2usize, |n, x| n.saturating_add(json_len_bound(x)).saturating_add(1)),
        Value::Object(m) => m
            .iter()
            .fold(2usize, |n, (k, x)| n.saturating_add(text(k)).saturating_add(json_len_bound(x)).saturating_add(2)),
    }
}

/// The older extension form: type `Ns/parents/providers/extType`, name
/// `parentName/ExtNs/extName` → type `ExtNs/extType`, name `extName`, scope the parent id.
/// (Taken as they are when not of that form.)
fn legacy_extension(type_: String, name: String, ev: &Evaluator<'_>, scope: Option<Value>) -> (String, String, Option<Value>) {
    let Some(pos) = find_at_slash(&type_, "/providers/", true) else { return (type_, name, scope) };
    let base_type = type_.get(..pos).unwrap_or_default();
    let ext_tail = type_.get(pos + "/providers/".len()..).unwrap_or_default();
    let base_segments = base_type.split('/').count().saturating_sub(1);
    let names: Vec<&str> = name.split('/').collect();
    let (base_names, rest) = names.split_at(base_segments.min(names.len()));
    let Some((ns, ext_names)) = rest.split_first() else { return (type_.clone(), name.clone(), scope) };
    let base_id = ev.info.scope.resource_id(base_type, &base_names.join("/"));
    (format!("{ns}/{ext_tail}"), ext_names.join("/"), Some(Value::String(base_id)))
}

/// Where `needle` (which starts with `/`) first occurs in `hay`, ignoring
/// ASCII case if `ci`: `hay.find(needle)` (of the lower-cased texts if
/// `ci`) without a searcher's setup or a lower-cased copy (ids and types are
/// short and hold few slashes).
pub(crate) fn find_at_slash(hay: &str, needle: &str, ci: bool) -> Option<usize> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    h.iter().enumerate().filter(|&(_, &b)| b == b'/').map(|(i, _)| i).find(|&i| {
        h.get(i..i.saturating_add(n.len())).is_some_and(|w| if ci { w.eq_ignore_ascii_case(n) } else { w == n })
    })
}

#[cfg(test)]
#[test]
fn index_pointers_are_prefix_and_decimal() {
    for i in [0, 1, 9, 10, 99, 100, 12345, usize::MAX] {
        assert_eq!(index_pointer("/resources/", i), format!("/resources/{i}"));
    }
}

#[cfg(test)]
#[test]
fn has_word_ci_is_a_case_blind_search() {
    for (hay, word, want) in [
        ("[reference('x')]", "reference", true),
        ("[REFERENCE('x')]", "reference", true),
        ("[concat(Reference('x').id)]", "reference", true),
        ("[referenc('x')]", "reference", false),
        ("[listKeys(x)]", "list", true),
        ("[LISTkeys(x)]", "list", true),
        ("[lis]", "list", false),
        ("", "list", false),
        ("[Lost(x)]", "list", false),
    ] {
        assert_eq!(has_word_ci(hay.as_bytes(), word.as_bytes()), want, "{hay:?} {word:?}");
    }
}

#[cfg(test)]
#[test]
fn find_at_slash_finds_what_find_finds() {
    let hays = ["", "/", "a/providers/b", "Microsoft.Web/sites/providers/Microsoft.Insights/x", "x/PROVIDERS/y", "/providers/", "/provider", "ab/providers", "é/Providers/ü"];
    for hay in hays {
        for needle in ["/providers/", "/providers"] {
            assert_eq!(find_at_slash(hay, needle, false), hay.find(needle), "{hay:?} {needle:?}");
            assert_eq!(find_at_slash(hay, needle, true), hay.to_ascii_lowercase().find(needle), "{hay:?} {needle:?} ignoring case");
        }
    }
}

#[cfg(test)]
mod skip_tests {
    use super::{declarations, skippable};

    #[test]
    fn outputs_only_expansions_pass_over_only_what_cannot_read_outputs() {
        let storage = r##"{"type": "Microsoft.Storage/storageAccounts", "name": "[parameters('p')]""##;
        let cases = [
            (format!("{storage}}}"), true, 1),
            (format!("{storage}, \"properties\": {{\"x\": [\"[toUpper('a')]\"]}}, \"resources\": [{{\"type\": \"blobServices\", \"name\": \"d\", \"resources\": [{{\"type\": \"containers\", \"name\": \"c\"}}]}}]}}"), true, 3),
            (format!("{storage}, \"copy\": {{\"name\": \"s\", \"count\": 2}}}}"), true, 1),
            // Reads (or may read) a nested deployment's outputs.
            (format!("{storage}, \"properties\": {{\"x\": \"[REFERENCE('m').outputs.y.value]\"}}}}"), false, 1),
            (format!("{storage}, \"resources\": [{{\"type\": \"blobServices\", \"name\": \"[reference('m').outputs.n.value]\"}}]}}"), false, 2),
            // A literal mentioning the word is no expression.
            (format!("{storage}, \"tags\": {{\"note\": \"reference architecture\"}}}}"), true, 1),
            // A child in a copy loop: how many is not known up front.
            (format!("{storage}, \"resources\": [{{\"type\": \"blobServices\", \"name\": \"d\", \"copy\": {{\"name\": \"c\", \"count\": 2}}}}]}}"), false, 2),
            // Nested deployments, or what may be one.
            (r#"{"type": "Microsoft.Resources/deployments", "name": "m"}"#.to_owned(), false, 1),
            (r#"{"type": "[variables('t')]", "name": "m"}"#.to_owned(), false, 1),
            (r#"{"name": "m"}"#.to_owned(), false, 1),
            ("[1]".to_owned(), false, 1),
        ];
        for (text, skip, n) in cases {
            let r = crate::json::parse(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(skippable(&r), skip, "{text}");
            assert_eq!(declarations(&r), n, "{text}");
        }
    }
}
