//! The evaluator: one template's parameters, variables, user functions and
//! the copy/lambda context, evaluating expressions and template values.

use super::error::{ErrorKind, EvalError};
use super::expr::{self, Expr, Template};
use super::limits::Limits;
use crate::model::Scope;
use crate::value::{Map, Value};
use std::collections::HashMap;

/// A hash map with the object map's fast hasher (foldhash; SipHash in the
/// `slim` build): the evaluator's caches are looked up on every call.
pub type FastMap<K, V> = HashMap<K, V, crate::value::MapHasher>;

/// Deepest recursion through variables, user functions and values.
const MAX_EVAL_DEPTH: usize = 200;

/// Values by lower-cased name, each with whether it read an early output.
type Cache = FastMap<String, (Value, bool)>;

/// Replays run inside an evaluation: only shallow ones (stack).
const MAX_REPLAY_EVAL_DEPTH: usize = 32;
const MAX_REPLAY_DEPLOYMENT_DEPTH: usize = 4;

/// What [`Evaluator::first_pass_record`] found.
enum Step {
    /// Not the deployment looked for (or it records nothing): go on.
    Next,
    /// The answer (`None`: give up).
    Stop(Option<Value>),
}

/// The top-level resources of the evaluator's template, for lookaheads.
pub(crate) struct Decls<'a> {
    pub(crate) entries: std::rc::Rc<Vec<(String, Option<&'a str>, &'a Value)>>,
    pub(crate) src: super::template::Source<'a>,
    pub(crate) set_depth: usize,
    pub(crate) eval_depth: usize,
    pub(crate) info: DeploymentInfo,
    /// One of them may expand an inline template in this template's scope.
    pub(crate) has_outer: bool,
}

/// A user-defined function (`functions` section).
#[derive(Debug, Clone)]
pub struct UserFn<'a> {
    /// Parameter names in order.
    pub params: Vec<String>,
    /// The output value expression (a template value).
    pub output: &'a Value,
}

/// Outputs of nested deployments, keyed by lower-cased deployment resource
/// id, shared between passes so `reference(deployment).outputs` resolves.
pub type OutputTable = FastMap<String, Value>;

/// Parsed expressions by source text, kept for the thread (every template,
/// pass, copy instance and nested deployment evaluates the same texts
/// again, and half the expression texts of a corpus recur in other files).
/// Parsing is a pure function of the text, so a cached tree is the tree a
/// new parse would build. Bounded: emptied when the texts held reach
/// [`MAX_CACHED_EXPR_BYTES`].
#[derive(Default)]
struct ExprCache {
    map: FastMap<Box<str>, std::rc::Rc<Expr>>,
    bytes: usize,
}

/// Source bytes the expression cache holds at most (plus one expression).
/// A tree can take ~40 times its text (`f(1,1,1,…)`: a node per two
/// bytes), so this bounds the cache near 20 MB in the worst case; the ARM
/// corpus's distinct expressions are ~70 KB of text.
const MAX_CACHED_EXPR_BYTES: usize = 512 << 10;

/// Entries the expression cache makes room for on its first insert.
const EXPR_CACHE_ROOM: usize = 1024;

thread_local! {
    static PARSED: std::cell::RefCell<ExprCache> = std::cell::RefCell::new(ExprCache::default());
}

/// The parse of `src`, from the cache or parsed now (and cached).
fn parse_cached(src: &str) -> Result<std::rc::Rc<Expr>, EvalError> {
    let hit = PARSED.with(|c| c.try_borrow().ok().and_then(|c| c.map.get(src).cloned()));
    if let Some(e) = hit {
        return Ok(e);
    }
    let e = std::rc::Rc::new(expr::parse(src)?);
    PARSED.with(|c| {
        if let Ok(mut c) = c.try_borrow_mut() {
            if c.bytes.saturating_add(src.len()) > MAX_CACHED_EXPR_BYTES {
                c.map.clear();
                c.bytes = 0;
            }
            c.bytes = c.bytes.saturating_add(src.len());
            if c.map.capacity() == 0 {
                // (Room for a template's expressions at once, not rehashed
                // on the way: a corpus file has up to ~1,000.)
                c.map.reserve(EXPR_CACHE_ROOM);
            }
            c.map.insert(src.into(), std::rc::Rc::clone(&e));
        }
    });
    Ok(e)
}

/// Where the evaluator is: the scope and identity of the deployment (shared:
/// every pass, lookahead and replay takes a copy; one that changes a part
/// gets its own copy of that part).
#[derive(Debug, Clone)]
pub struct DeploymentInfo {
    /// Placeholder ids.
    pub scope: std::rc::Rc<Scope>,
    /// `deployment().name`.
    pub name: std::rc::Rc<str>,
    /// `deployment().properties.templateLink.uri`: the template's own
    /// location (a `file://` URI for a template read from disk), if linked.
    pub template_uri: Option<std::rc::Rc<str>>,
}

/// Evaluation state for one template.
pub struct Evaluator<'a> {
    pub(crate) params_decl: Option<&'a Map>,
    pub(crate) params_supplied: Option<&'a Map>,
    /// Parameter and variable values by lower-cased name, each with whether
    /// reading it counts as a read of an early output (see `hits`).
    params_cache: Cache,
    /// Variables by name; `vars_base` is the pointer of `variables`.
    pub(crate) vars_decl: indexmap::IndexMap<&'a str, VarDecl<'a>>,
    pub(crate) vars_base: String,
    vars_cache: Cache,
    /// The caches of a pass in which every `reference()` to a nested
    /// deployment misses (swapped in while a deployment is replayed).
    miss_caches: (Cache, Cache),
    in_progress: Vec<Mark<'a>>,
    pub(crate) functions: FastMap<String, UserFn<'a>>,
    pub(crate) info: DeploymentInfo,
    pub(crate) limits: &'a Limits,
    /// Copy loops in force: (loop name, index). The resource loop is first.
    pub(crate) copies: Vec<(String, i64)>,
    /// Name of the resource-level copy loop, if any (for `copyIndex()`).
    pub(crate) resource_copy: Option<String>,
    lambdas: Vec<(String, Value)>,
    fn_args: Vec<Map>,
    depth: usize,
    /// Known nested deployment outputs.
    pub(crate) outputs: &'a OutputTable,
    /// Deployment ids whose outputs were asked for but not known yet.
    pub(crate) missed_outputs: Vec<String>,
    /// Outputs of the nested deployments expanded in this pass.
    pub(crate) found: OutputTable,
    /// `reference()` may read `found` (see `nested::expand`); `hits` counts
    /// those reads (and reads of cached values computed with one).
    /// `tainted` are outputs whose own deployment read one: they may differ
    /// from what the first of the repeated passes records, so a read of one
    /// gets that value by replaying the deployment with every output unknown
    /// (`replays`, results in `replayed`). `inexact` is set when the pass
    /// cannot stand: an output recorded twice, a deployment whose id,
    /// condition, type or copy count read an early output, or a replay that
    /// cannot be done.
    pub(crate) early: bool,
    pub(crate) hits: usize,
    tainted: std::collections::HashSet<String, crate::value::MapHasher>,
    /// Ids whose recorded outputs (`found`) this pass read.
    read_found: std::collections::HashSet<String, crate::value::MapHasher>,
    /// Ids a lookahead showed no resource records (the repeated passes miss
    /// them too), and how many misses of them are in `missed_outputs`.
    absent: std::collections::HashSet<String, crate::value::MapHasher>,
    pub(crate) absent_misses: usize,
    replays: FastMap<String, Replay<'a>>,
    replayed: FastMap<String, Value>,
    /// A nested outer-scope template added symbolic names: no replays.
    pub(crate) no_replay: bool,
    /// A lookahead gave up (the pass is doomed): no more of them.
    no_lookahead: bool,
    /// This template's resources (early pass), for lookaheads.
    pub(crate) decls: Option<std::rc::Rc<Decls<'a>>>,
    /// How many times `template::walk` ran on this evaluator.
    pub(crate) walks: usize,
    /// The expansion's shared state (for replays).
    pub(crate) shared: Option<&'a super::template::Shared>,
    pub(crate) inexact: bool,
    /// Symbolic resource names (languageVersion 2.0) → resource id.
    pub(crate) symbols: FastMap<String, String>,
}

fn lower(s: &str) -> String {
    s.to_ascii_lowercase()
}

/// `s` in ASCII lower case, borrowed when it already is.
fn lower_cow(s: &str) -> std::borrow::Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        s.to_ascii_lowercase().into()
    } else {
        s.into()
    }
}

impl<'a> Evaluator<'a> {
    /// A new evaluator for a template with these declarations.
    pub fn new(info: DeploymentInfo, limits: &'a Limits, outputs: &'a OutputTable) -> Self {
        Evaluator {
            params_decl: None,
            params_supplied: None,
            params_cache: FastMap::default(),
            vars_decl: indexmap::IndexMap::new(),
            vars_base: String::new(),
            vars_cache: FastMap::default(),
            miss_caches: (FastMap::default(), FastMap::default()),
            in_progress: Vec::new(),
            functions: FastMap::default(),
            info,
            limits,
            copies: Vec::new(),
            resource_copy: None,
            lambdas: Vec::new(),
            fn_args: Vec::new(),
            depth: 0,
            outputs,
            missed_outputs: Vec::new(),
            found: OutputTable::default(),
            early: false,
            hits: 0,
            tainted: std::collections::HashSet::default(),
            read_found: std::collections::HashSet::default(),
            absent: std::collections::HashSet::default(),
            absent_misses: 0,
            replays: FastMap::default(),
            replayed: FastMap::default(),
            no_replay: false,
            no_lookahead: false,
            decls: None,
            walks: 0,
            shared: None,
            inexact: false,
            symbols: FastMap::default(),
        }
    }

    pub(crate) fn enter(&mut self) -> Result<(), EvalError> {
        // (Refused before counting: a caller that fails here never calls
        // `leave`, so the depth must not have moved.)
        if self.depth >= MAX_EVAL_DEPTH {
            return Err(EvalError::new(
                ErrorKind::Limit,
                format!("evaluation nested deeper than {MAX_EVAL_DEPTH} levels"),
            ));
        }
        self.depth = self.depth.saturating_add(1);
        Ok(())
    }

    /// The evaluation depth (nesting of values, expressions and calls).
    pub(crate) fn eval_depth(&self) -> usize {
        self.depth
    }

    pub(crate) fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// The depth check of one level more, for a value read without
    /// evaluating it (a literal, a shared value): the limit is the same as
    /// if it were evaluated.
    pub(crate) fn touch(&mut self) -> Result<(), EvalError> {
        self.enter()?;
        self.leave();
        Ok(())
    }

    /// Evaluate a template value: strings that are expressions are
    /// evaluated, objects and arrays recursively, property `copy` arrays
    /// expanded. `pointer` locates errors.
    pub fn value(&mut self, v: &Value, pointer: &str) -> Result<Value, EvalError> {
        self.value_at(v, &Ptr::Base(pointer))
    }

    /// [`Evaluator::value`] of member `key` of the value at `pointer` (the
    /// member's pointer is built only if an error needs it).
    pub fn value_of(&mut self, v: &Value, pointer: &str, key: &str) -> Result<Value, EvalError> {
        self.value_at(v, &Ptr::Key(&Ptr::Base(pointer), key))
    }

    /// [`Evaluator::value`] of the value at `pointer` followed by `keys` (the
    /// pointer built only if an error needs it).
    pub fn value_in(&mut self, v: &Value, pointer: &str, keys: &[&str]) -> Result<Value, EvalError> {
        fn go(ev: &mut Evaluator<'_>, v: &Value, at: &Ptr<'_>, keys: &[&str]) -> Result<Value, EvalError> {
            match keys.split_first() {
                None => ev.value_at(v, at),
                Some((k, rest)) => go(ev, v, &Ptr::Key(at, k), rest),
            }
        }
        go(self, v, &Ptr::Base(pointer), keys)
    }

    /// [`Evaluator::value`] with the pointer built only if an error needs it.
    fn value_at(&mut self, v: &Value, pointer: &Ptr<'_>) -> Result<Value, EvalError> {
        self.enter()?;
        let r = self.value_inner(v, pointer);
        self.leave();
        r.map_err(|e| if e.pointer.is_none() { e.at(&pointer.render()) } else { e })
    }

    fn value_inner(&mut self, v: &Value, pointer: &Ptr<'_>) -> Result<Value, EvalError> {
        match v {
            Value::String(s) => self.string(s),
            Value::Array(a) => {
                let mut out = Vec::with_capacity(a.len());
                for (i, item) in a.iter().enumerate() {
                    out.push(self.value_at(item, &Ptr::Index(pointer, i))?);
                }
                Ok(Value::Array(out))
            }
            Value::Object(m) => {
                let is_copy = |k: &str, item: &Value| k.eq_ignore_ascii_case("copy") && item.as_array().is_some();
                if !m.iter().any(|(k, item)| is_copy(k, item)) {
                    // The keys of a map are distinct: the members are
                    // collected as they are, none looked up in the others.
                    let mut out = Vec::with_capacity(m.len());
                    for (k, item) in m {
                        out.push((k.clone(), self.value_at(item, &Ptr::Key(pointer, k))?));
                    }
                    return Ok(Value::Object(Map::from_distinct(out)));
                }
                let mut out = Map::with_capacity(m.len());
                for (k, item) in m {
                    if k.eq_ignore_ascii_case("copy") && item.as_array().is_some() {
                        let p = Ptr::Key(pointer, k).render();
                        self.property_copy(item, &p, &mut out)?;
                        continue;
                    }
                    out.insert(k.clone(), self.value_at(item, &Ptr::Key(pointer, k))?);
                }
                Ok(Value::Object(out))
            }
            other => Ok(other.clone()),
        }
    }

    /// Evaluate a JSON string: an expression or a literal.
    pub fn string(&mut self, s: &str) -> Result<Value, EvalError> {
        match expr::classify(s) {
            Template::Literal(t) => Ok(Value::String(t.into_owned())),
            Template::Expression(src) => {
                // (Bytes bound characters: count them only when the bytes exceed the limit.)
                if src.len() > self.limits.max_expression_chars && src.chars().count() > self.limits.max_expression_chars {
                    return Err(EvalError::new(
                        ErrorKind::Limit,
                        format!(
                            "expression is {} characters long; azure accepts at most {}",
                            src.chars().count(),
                            self.limits.max_expression_chars
                        ),
                    ));
                }
                let e = parse_cached(src)?;
                self.eval(&e)
            }
        }
    }

    /// Property-level `copy`: `[{name, count, input}]` adds `name: [input…]`.
    fn property_copy(&mut self, spec: &Value, pointer: &str, out: &mut Map) -> Result<(), EvalError> {
        for (i, item) in spec.as_array().unwrap_or_default().iter().enumerate() {
            let p = format!("{pointer}/{i}");
            let name = item
                .get_ci("name")
                .and_then(Value::as_str)
                .ok_or_else(|| EvalError::new(ErrorKind::Structure, "property copy needs a string `name`").at(&p))?
                .to_owned();
            let count = self.copy_count(item, &p)?;
            let input = item
                .get_ci("input")
                .ok_or_else(|| EvalError::new(ErrorKind::Structure, format!("property copy `{name}` needs an `input`")).at(&p))?;
            let value = match count {
                Some(n) => {
                    let mut arr = Vec::new();
                    for idx in 0..n {
                        self.copies.push((name.clone(), idx));
                        let r = self.value(input, &format!("{p}/input"));
                        self.copies.pop();
                        arr.push(r?);
                    }
                    Value::Array(arr)
                }
                None => Value::unknown(format!("the number of `{name}` entries is not known before deployment")),
            };
            out.insert(name, value);
        }
        Ok(())
    }

    /// `count` of a copy object: `Some(n)`, `None` if unknown; errors if not
    /// an integer, negative or above the limit.
    pub fn copy_count(&mut self, spec: &Value, pointer: &str) -> Result<Option<i64>, EvalError> {
        let raw = spec.get_ci("count").ok_or_else(|| {
            EvalError::new(ErrorKind::Structure, "copy needs a `count`").at(pointer)
        })?;
        let count = self.value(raw, &format!("{pointer}/count"))?;
        match count {
            Value::Unknown(_) => Ok(None),
            other => {
                let n = other.as_i64().ok_or_else(|| {
                    EvalError::new(ErrorKind::Type, format!("copy `count` must be an integer, found {}", other.type_name()))
                        .at(&format!("{pointer}/count"))
                })?;
                let max = i64::try_from(self.limits.max_copy_count).unwrap_or(i64::MAX);
                if !(0..=max).contains(&n) {
                    return Err(EvalError::new(
                        ErrorKind::Limit,
                        format!("copy `count` is {n}; azure accepts 0 to {max}"),
                    )
                    .at(&format!("{pointer}/count")));
                }
                Ok(Some(n))
            }
        }
    }

    /// Evaluate a parsed expression.
    pub fn eval(&mut self, e: &Expr) -> Result<Value, EvalError> {
        self.enter()?;
        let r = self.eval_inner(e);
        self.leave();
        r
    }

    fn eval_inner(&mut self, e: &Expr) -> Result<Value, EvalError> {
        match e {
            Expr::Str(v) => Ok(v.clone()),
            Expr::Int(i) => Ok(Value::Int(*i)),
            Expr::Float(f) => Ok(Value::Float(*f)),
            Expr::Call { name, func, args } => self.call(name, func, args),
            // (The base is owned: the member is moved out, not cloned.)
            Expr::Member(base, name) => match &**base {
                // `environment().x`: one member of the shared value.
                Expr::Call { func: expr::Func::Other(f), args, .. } if args.is_empty() && &**f == "environment" => {
                    self.touch()?;
                    member(super::environment_ref(), name)
                }
                // `resourceGroup().location`: that member alone.
                Expr::Call { func: expr::Func::Other(f), args, .. }
                    if args.is_empty() && matches!(&**f, "resourcegroup" | "subscription" | "tenant") =>
                {
                    self.touch()?;
                    self.scope_member(f, name)
                }
                _ => match reference_outputs_chain(e) {
                    // `reference(x).outputs.a.b`: read in place, not copied whole.
                    Some((call, args, levels)) => {
                        let mut path = Vec::with_capacity(levels);
                        let mut cur = e;
                        while let Expr::Member(b, n) = cur {
                            path.push(n.as_str());
                            cur = b;
                        }
                        // (outermost first; the innermost is `outputs`)
                        path.pop();
                        path.reverse();
                        self.reference_outputs_path(call, args, &path, levels)
                    }
                    None => take_member(self.eval(base)?, name),
                },
            },
            Expr::Index(base, idx) => {
                let b = self.eval(base)?;
                let i = self.eval(idx)?;
                match (b, &i) {
                    (Value::Object(m), Value::String(k)) => take_member(Value::Object(m), k),
                    (Value::Array(mut a), Value::Int(n)) if usize::try_from(*n).is_ok_and(|n| n < a.len()) => {
                        Ok(usize::try_from(*n).ok().and_then(|n| a.get_mut(n)).map(std::mem::take).unwrap_or_default())
                    }
                    (b, _) => index(&b, &i),
                }
            }
        }
    }

    /// An early pass that cannot stand (see `nested::expand`).
    pub(crate) fn doomed(&self) -> bool {
        self.early && (self.inexact || self.missed_outputs.len() > self.absent_misses)
    }

    /// Record the outputs of nested deployment `key` expanded in this pass;
    /// `replay` says how to compute them again, and is kept when the
    /// deployment read early outputs (`hits` grew since `since`).
    ///
    /// A second record of the same id (e.g. two deployments whose names are
    /// known only at deployment, both `unnamed-deployment`) leaves the early
    /// pass exact unless this pass already read that id's recorded outputs:
    /// later reads get the last record, as the repeated passes' second pass
    /// does (and a read followed by another record makes it inexact).
    pub(crate) fn record_outputs(&mut self, key: String, outputs: Value, since: usize, replay: impl FnOnce(&Self) -> Replay<'a>) {
        let again = self.found.contains_key(&key);
        if self.early {
            if self.hits > since {
                if self.absent_misses > 0 {
                    // (See `known_outputs`: a miss stands only without such records.)
                    self.inexact = true;
                }
                let r = replay(self);
                self.replays.insert(key.clone(), r);
                self.tainted.insert(key.clone());
            } else if again {
                // (This record's outputs are the first pass's own.)
                self.tainted.remove(&key);
                self.replays.remove(&key);
            }
            if again && self.read_found.contains(&key) {
                self.inexact = true;
            }
        } else if again {
            self.inexact = true;
        }
        self.found.insert(key, outputs);
    }

    /// Outputs of nested deployment `key`: from an earlier pass, or (early
    /// pass) from earlier in this one, as the first of the repeated passes
    /// records them.
    pub(crate) fn known_outputs(&mut self, key: &str) -> Option<&Value> {
        if self.outputs.contains_key(key) {
            return self.outputs.get(key);
        }
        if !self.early {
            return None;
        }
        if !self.found.contains_key(key) {
            if !self.replayed.contains_key(key) {
                // A miss of an id no resource records is what the repeated
                // passes give too, and they stop at their second pass (whose
                // reads this pass gives) when no recorded outputs change from
                // the first to the second: when no deployment read early
                // outputs (`tainted` stays empty, else the pass is inexact).
                if self.absent.contains(key) {
                    self.absent_misses = self.absent_misses.saturating_add(1);
                    return None;
                }
                match self.lookahead(key) {
                    Ok(v) => {
                        self.replayed.insert(key.to_owned(), v);
                    }
                    Err(absent) => {
                        if absent {
                            if !self.tainted.is_empty() {
                                self.inexact = true;
                            }
                            self.absent.insert(key.to_owned());
                            self.absent_misses = self.absent_misses.saturating_add(1);
                        }
                        return None;
                    }
                }
            }
            self.hits = self.hits.saturating_add(1);
            return self.replayed.get(key);
        }
        self.hits = self.hits.saturating_add(1);
        if !self.read_found.contains(key) {
            self.read_found.insert(key.to_owned());
        }
        if !self.tainted.contains(key) {
            return self.found.get(key);
        }
        if !self.replayed.contains_key(key) {
            match self.replay(key) {
                Some(v) => {
                    self.replayed.insert(key.to_owned(), v);
                }
                None => {
                    self.inexact = true;
                    return self.found.get(key);
                }
            }
        }
        self.replayed.get(key)
    }

    /// The outputs the first of the repeated passes (every `reference()` to
    /// a nested deployment unknown) records for deployment `key`: its
    /// declaration expanded again in that pass's state, with that pass's
    /// parameter and variable caches. `None` if it cannot be done here.
    fn replay(&mut self, key: &str) -> Option<Value> {
        if self.no_replay || self.depth > MAX_REPLAY_EVAL_DEPTH {
            return None;
        }
        let shared = self.shared?;
        let rp = self.replays.remove(key)?;
        if rp.set_depth > MAX_REPLAY_DEPLOYMENT_DEPTH {
            return None;
        }
        let (r, pointer, src, set_depth) = (rp.r, rp.pointer, rp.src, rp.set_depth);
        // (Outputs only: give up if that may differ from a full expansion.)
        let unsure = shared.unsure.replace(false);
        let out = self.in_first_pass(rp.copies, rp.resource_copy, rp.info, rp.eval_depth, |ev| {
            let set = super::template::Settings { limits: ev.limits, depth: set_depth, shared, outputs_only: true };
            let mut sink = super::template::Sink::default();
            let r = super::nested::deployment(ev, r, &pointer, &src, &set, &mut sink);
            if r.is_ok() { ev.found.remove(key) } else { None }
        });
        let tripped = shared.unsure.get();
        shared.unsure.set(unsure || tripped);
        if tripped { None } else { out }
    }

    /// Run `f` in the state of the first of the repeated passes (every
    /// `reference()` to a nested deployment misses, that pass's caches, an
    /// empty record of outputs) with this copy context, deployment and
    /// evaluation depth; then restore everything.
    fn in_first_pass<T>(
        &mut self,
        copies: Vec<(String, i64)>,
        resource_copy: Option<String>,
        info: DeploymentInfo,
        eval_depth: usize,
        f: impl FnOnce(&mut Self) -> T,
    ) -> T {
        let early = std::mem::replace(&mut self.early, false);
        let found = std::mem::take(&mut self.found);
        let missed = self.missed_outputs.len();
        let (inexact, hits) = (self.inexact, self.hits);
        std::mem::swap(&mut self.params_cache, &mut self.miss_caches.0);
        std::mem::swap(&mut self.vars_cache, &mut self.miss_caches.1);
        let copies = std::mem::replace(&mut self.copies, copies);
        let resource_copy = std::mem::replace(&mut self.resource_copy, resource_copy);
        let lambdas = std::mem::take(&mut self.lambdas);
        let fn_args = std::mem::take(&mut self.fn_args);
        let in_progress = std::mem::take(&mut self.in_progress);
        let info = std::mem::replace(&mut self.info, info);
        let depth = std::mem::replace(&mut self.depth, eval_depth);
        let out = f(self);
        self.early = early;
        self.found = found;
        self.missed_outputs.truncate(missed);
        self.inexact = inexact;
        self.hits = hits;
        std::mem::swap(&mut self.params_cache, &mut self.miss_caches.0);
        std::mem::swap(&mut self.vars_cache, &mut self.miss_caches.1);
        self.copies = copies;
        self.resource_copy = resource_copy;
        self.lambdas = lambdas;
        self.fn_args = fn_args;
        self.in_progress = in_progress;
        self.info = info;
        self.depth = depth;
        out
    }

    /// Outputs of nested deployment `key`, not expanded yet in this early
    /// pass, as the first of the repeated passes records them: the last of
    /// this template's top-level resources that deployment would be in that
    /// pass and that records it, expanded in that pass's state. `Err(true)`
    /// if no resource records `key`; `Err(false)` (give up) if one of those
    /// resources expands an outer-scope template or it cannot be done here.
    fn lookahead(&mut self, key: &str) -> Result<Value, bool> {
        if self.no_replay || self.no_lookahead || self.depth > MAX_REPLAY_EVAL_DEPTH {
            return Err(false);
        }
        let Some(shared) = self.shared else { return Err(false) };
        let Some(decls) = self.decls.as_ref().map(std::rc::Rc::clone) else { return Err(false) };
        if decls.has_outer || decls.set_depth > MAX_REPLAY_DEPLOYMENT_DEPTH {
            return Err(false);
        }
        // (Outputs only: give up if that may differ from a full expansion.)
        let unsure = shared.unsure.replace(false);
        let out = self.in_first_pass(Vec::new(), None, decls.info.clone(), decls.eval_depth, |ev| {
            let set = super::template::Settings { limits: ev.limits, depth: decls.set_depth, shared, outputs_only: true };
            for (pointer, _, r) in decls.entries.iter().rev() {
                if !super::template::may_be_deployment(r) {
                    continue;
                }
                let Some(copy) = r.get_ci("copy") else {
                    ev.copies.clear();
                    ev.resource_copy = None;
                    match ev.first_pass_record(r, pointer, key, &decls.src, &set) {
                        Step::Next => continue,
                        Step::Stop(v) => return v.ok_or(false),
                    }
                };
                let name = copy.get_ci("name").and_then(Value::as_str).unwrap_or("copy").to_owned();
                ev.copies.clear();
                ev.resource_copy = None;
                let Ok(Some(count)) = ev.copy_count(copy, &format!("{pointer}/copy")) else { continue };
                ev.resource_copy = Some(name.clone());
                for i in (0..count).rev() {
                    ev.copies.clear();
                    ev.copies.push((name.clone(), i));
                    match ev.first_pass_record(r, pointer, key, &decls.src, &set) {
                        Step::Next => {}
                        Step::Stop(v) => return v.ok_or(false),
                    }
                }
            }
            Err(true)
        });
        let tripped = shared.unsure.get();
        shared.unsure.set(unsure || tripped);
        let out = if tripped { Err(false) } else { out };
        if out == Err(false) {
            self.no_lookahead = true;
        }
        out
    }

    /// One instance of a top-level resource in [`Evaluator::lookahead`].
    fn first_pass_record(&mut self, r: &'a Value, pointer: &str, key: &str, src: &super::template::Source<'a>, set: &super::template::Settings<'_>) -> Step {
        match super::nested::first_pass_target(self, r, pointer, set) {
            None => Step::Next,
            Some((_, true)) => Step::Stop(None),
            Some((k, false)) if k != key => Step::Next,
            Some(_) => {
                let mut sink = super::template::Sink::default();
                let done = super::nested::deployment(self, r, pointer, src, set, &mut sink);
                if set.shared.unsure.get() {
                    return Step::Stop(None);
                }
                match done.ok().and_then(|()| self.found.remove(key)) {
                    Some(v) => Step::Stop(Some(v)),
                    None => Step::Next,
                }
            }
        }
    }

    /// Count a read of a cached value computed with early outputs.
    fn cached(&mut self, hit: bool) {
        if hit {
            self.hits = self.hits.saturating_add(1);
        }
    }

    /// `parameters(name)`.
    pub fn parameter(&mut self, name: &str) -> Result<Value, EvalError> {
        self.parameter_keyed(name, &lower_cow(name))
    }

    /// [`Evaluator::parameter`] with `key`, `name` in lower case (found when
    /// the expression was parsed).
    pub(crate) fn parameter_keyed(&mut self, name: &str, key: &str) -> Result<Value, EvalError> {
        if let Some(args) = self.fn_args.last() {
            return args
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
                .ok_or_else(|| EvalError::new(ErrorKind::Reference, format!("function parameter `{name}` is not declared")));
        }
        if let Some((v, hit)) = self.params_cache.get(key) {
            let (v, hit) = (v.clone(), *hit);
            self.cached(hit);
            return Ok(v);
        }
        let since = self.hits;
        let (decl_name, decl) = self
            .params_decl
            .into_iter()
            .flatten()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .ok_or_else(|| EvalError::new(ErrorKind::Reference, format!("parameter `{name}` is not declared")))?;
        let supplied = self.params_supplied.into_iter().flatten().find(|(k, _)| k.eq_ignore_ascii_case(name));
        if let Some((_, v)) = supplied {
            // A supplied value is read where it is (no evaluation, no early
            // output read): not copied into the cache as well.
            return Ok(v.clone());
        }
        let v = match decl.get_ci("defaultValue") {
            Some(d) => {
                self.begin(Mark::Param(decl_name))?;
                let saved = self.take_context();
                let r = self.value_in(d, "", &["parameters", decl_name, "defaultValue"]);
                self.restore_context(saved);
                self.in_progress.pop();
                r?
            }
            // languageVersion 2.0 (`param x type?`): a nullable parameter without a value is null.
            None if decl.get_ci("nullable").and_then(Value::as_bool) == Some(true) => Value::Null,
            None => Value::unknown(format!("parameter `{decl_name}` has no value")),
        };
        if self.params_cache.capacity() == 0 {
            // (Room for every declared parameter at once, not grown on the way.)
            self.params_cache.reserve(self.params_decl.map_or(0, Map::len));
        }
        self.params_cache.insert(key.to_owned(), (v.clone(), self.hits > since));
        Ok(v)
    }

    /// Mark a parameter default or variable as being evaluated; a cycle
    /// error if it already is.
    fn begin(&mut self, marker: Mark<'a>) -> Result<(), EvalError> {
        if self.in_progress.contains(&marker) {
            let (what, name) = match marker {
                Mark::Param(n) => ("parameter", n),
                Mark::Var(n) => ("variable", n),
            };
            return Err(EvalError::new(
                ErrorKind::Cycle,
                format!("{what} `{name}` depends on itself through {}", self.cycle_path(&marker)),
            ));
        }
        self.in_progress.push(marker);
        Ok(())
    }

    fn cycle_path(&self, marker: &Mark<'_>) -> String {
        let start = self.in_progress.iter().position(|m| m == marker).unwrap_or(0);
        let mut names: Vec<String> = self.in_progress.iter().skip(start).map(|m| format!("`{m}`")).collect();
        names.push(format!("`{marker}`"));
        names.join(" → ")
    }

    /// `variables(name)`.
    pub fn variable(&mut self, name: &str) -> Result<Value, EvalError> {
        self.variable_keyed(name, &lower_cow(name))
    }

    /// [`Evaluator::variable`] with `key`, `name` in lower case (found when
    /// the expression was parsed).
    pub(crate) fn variable_keyed(&mut self, name: &str, key: &str) -> Result<Value, EvalError> {
        if !self.fn_args.is_empty() {
            return Err(EvalError::new(ErrorKind::Reference, "user-defined functions cannot use `variables()`"));
        }
        if let Some((v, hit)) = self.vars_cache.get(key) {
            let (v, hit) = (v.clone(), *hit);
            self.cached(hit);
            return Ok(v);
        }
        let since = self.hits;
        let (decl_name, decl) = self
            .vars_decl
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(k, v)| (*k, *v))
            .ok_or_else(|| EvalError::new(ErrorKind::Reference, format!("variable `{name}` is not declared")))?;
        self.begin(Mark::Var(decl_name))?;
        let saved = self.take_context();
        let r = match decl {
            VarDecl::Plain(key, v) => {
                let pointer = crate::json::push_pointer(&self.vars_base, key);
                self.value(v, &pointer)
            }
            VarDecl::Copy(key, i, spec) => {
                let pointer = format!("{}/{i}", crate::json::push_pointer(&self.vars_base, key));
                self.variable_copy(decl_name, spec, &pointer)
            }
        };
        self.restore_context(saved);
        self.in_progress.pop();
        let v = r?;
        if self.vars_cache.capacity() == 0 {
            self.vars_cache.reserve(self.vars_decl.len());
        }
        self.vars_cache.insert(key.to_owned(), (v.clone(), self.hits > since));
        Ok(v)
    }

    fn variable_copy(&mut self, name: &str, spec: &Value, pointer: &str) -> Result<Value, EvalError> {
        let count = self.copy_count(spec, pointer)?;
        let input = spec
            .get_ci("input")
            .ok_or_else(|| EvalError::new(ErrorKind::Structure, format!("variable copy `{name}` needs an `input`")).at(pointer))?;
        let Some(n) = count else {
            return Ok(Value::unknown(format!("the length of variable `{name}` is not known before deployment")));
        };
        let mut arr = Vec::new();
        for idx in 0..n {
            self.copies.push((name.to_owned(), idx));
            let r = self.value(input, &format!("{pointer}/input"));
            self.copies.pop();
            arr.push(r?);
        }
        Ok(Value::Array(arr))
    }

    fn take_context(&mut self) -> SavedContext {
        (
            std::mem::take(&mut self.copies),
            self.resource_copy.take(),
            std::mem::take(&mut self.lambdas),
        )
    }

    fn restore_context(&mut self, saved: SavedContext) {
        self.copies = saved.0;
        self.resource_copy = saved.1;
        self.lambdas = saved.2;
    }

    /// `copyIndex([name], [offset])`.
    pub fn copy_index(&self, name: Option<&str>, offset: i64) -> Result<Value, EvalError> {
        let found = match name {
            Some(n) => self.copies.iter().rev().find(|(k, _)| k.eq_ignore_ascii_case(n)),
            None => match &self.resource_copy {
                Some(rc) => self.copies.iter().find(|(k, _)| k == rc),
                None => None,
            },
        };
        match found {
            Some((_, i)) => Ok(Value::Int(i.saturating_add(offset))),
            None => Err(EvalError::new(
                ErrorKind::Reference,
                match name {
                    Some(n) => format!("`copyIndex('{n}')` is used outside a copy loop named `{n}`"),
                    None => "`copyIndex()` is used outside a resource copy loop".to_owned(),
                },
            )),
        }
    }

    /// Run `body` with lambda variables bound.
    pub fn with_lambda(&mut self, names: &[String], values: Vec<Value>, body: &Expr) -> Result<Value, EvalError> {
        let n = names.len();
        for (k, v) in names.iter().zip(values) {
            self.lambdas.push((k.clone(), v));
        }
        let r = self.eval(body);
        for _ in 0..n {
            self.lambdas.pop();
        }
        r
    }

    /// `lambdaVariables(name)`.
    pub fn lambda_variable(&self, name: &str) -> Result<Value, EvalError> {
        self.lambdas
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .ok_or_else(|| EvalError::new(ErrorKind::Reference, format!("lambda variable `{name}` is not in scope")))
    }

    /// Call a user-defined function.
    pub fn user_function(&mut self, name: &str, args: Vec<Value>) -> Result<Value, EvalError> {
        let f = self
            .functions
            .get(lower(name).as_str())
            .cloned()
            .ok_or_else(|| EvalError::new(ErrorKind::UnknownFunction, format!("unknown function `{name}`")))?;
        if f.params.len() != args.len() {
            return Err(EvalError::new(
                ErrorKind::Arity,
                format!("function `{name}` takes {} argument(s), {} given", f.params.len(), args.len()),
            ));
        }
        let frame: Map = f.params.iter().cloned().zip(args).collect();
        self.fn_args.push(frame);
        let saved = self.take_context();
        let r = self.value(f.output, "");
        self.restore_context(saved);
        self.fn_args.pop();
        r
    }
}

/// Copy loops, resource loop name and lambda variables, saved while a
/// variable or function body is evaluated in a clean context.
type SavedContext = (Vec<(String, i64)>, Option<String>, Vec<(String, Value)>);

/// A JSON pointer built on demand: evaluating a value visits every member,
/// and only an error needs the text of its place.
enum Ptr<'p> {
    Base(&'p str),
    Key(&'p Ptr<'p>, &'p str),
    Index(&'p Ptr<'p>, usize),
}

impl Ptr<'_> {
    fn render(&self) -> String {
        match self {
            Ptr::Base(p) => (*p).to_owned(),
            Ptr::Key(parent, k) => crate::json::push_pointer(&parent.render(), k),
            Ptr::Index(parent, i) => format!("{}/{i}", parent.render()),
        }
    }
}

/// How to expand a nested deployment again (see `Evaluator::replay`): its
/// declaration and the state it was expanded in.
pub(crate) struct Replay<'a> {
    pub(crate) r: &'a Value,
    pub(crate) pointer: String,
    pub(crate) src: super::template::Source<'a>,
    /// `Settings::depth` and the evaluation depth.
    pub(crate) set_depth: usize,
    pub(crate) eval_depth: usize,
    pub(crate) copies: Vec<(String, i64)>,
    pub(crate) resource_copy: Option<String>,
    pub(crate) info: DeploymentInfo,
}

/// A parameter default or variable being evaluated (cycle detection).
#[derive(Debug, Clone, Copy)]
enum Mark<'a> {
    /// Declared name (compared ignoring case).
    Param(&'a str),
    /// Declared name.
    Var(&'a str),
}

impl PartialEq for Mark<'_> {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Mark::Param(a), Mark::Param(b)) => a.eq_ignore_ascii_case(b),
            (Mark::Var(a), Mark::Var(b)) => a == b,
            _ => false,
        }
    }
}

impl std::fmt::Display for Mark<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Mark::Param(n) => write!(f, "parameters/{}", n.to_ascii_lowercase()),
            Mark::Var(n) => write!(f, "variables/{n}"),
        }
    }
}

/// A variable declaration: a plain value or a top-level `copy` entry.
#[derive(Debug, Clone, Copy)]
pub enum VarDecl<'a> {
    /// Key under `variables` and value.
    Plain(&'a str, &'a Value),
    /// Key (`copy` as spelled), index in its array and the copy object.
    Copy(&'a str, usize, &'a Value),
}

/// For `reference(args…).outputs…` (member accesses only): the call's
/// name, its arguments and how many member accesses there are.
fn reference_outputs_chain(e: &Expr) -> Option<(&str, &[Expr], usize)> {
    let mut levels = 0usize;
    let mut cur = e;
    let mut innermost = "";
    while let Expr::Member(b, n) = cur {
        levels = levels.saturating_add(1);
        innermost = n;
        cur = b;
    }
    match cur {
        Expr::Call { name, func: expr::Func::Other(f), args } if &**f == "reference" && innermost.eq_ignore_ascii_case("outputs") => {
            Some((&**name, &**args, levels))
        }
        _ => None,
    }
}

/// `base.name` (case-insensitive, as ARM).
pub fn member(base: &Value, name: &str) -> Result<Value, EvalError> {
    match base {
        Value::Unknown(_) => Ok(base.clone()),
        Value::Object(_) => base.get_ci(name).cloned().ok_or_else(|| {
            EvalError::new(ErrorKind::Type, format!("the object has no property `{name}`"))
        }),
        other => Err(EvalError::new(
            ErrorKind::Type,
            format!("cannot read property `{name}` of a value of type {}", other.type_name()),
        )),
    }
}

/// [`member`] of an owned `base`: the member is moved out (same choice of
/// key as [`Value::get_ci`]: an exact match, else the first ignoring case).
fn take_member(mut base: Value, name: &str) -> Result<Value, EvalError> {
    if let Value::Object(m) = &mut base {
        let at = m.get_index_of(name).or_else(|| m.keys().position(|k| k.eq_ignore_ascii_case(name)));
        if let Some((_, v)) = at.and_then(|i| m.get_index_mut(i)) {
            return Ok(std::mem::take(v));
        }
    }
    member(&base, name)
}

/// `base[index]`.
pub fn index(base: &Value, idx: &Value) -> Result<Value, EvalError> {
    match (base, idx) {
        (Value::Unknown(_), _) => Ok(base.clone()),
        (_, Value::Unknown(_)) => Ok(idx.clone()),
        (Value::Array(a), i) => {
            let n = i.as_i64().ok_or_else(|| {
                EvalError::new(ErrorKind::Type, format!("an array index must be an integer, found {}", i.type_name()))
            })?;
            usize::try_from(n).ok().and_then(|n| a.get(n)).cloned().ok_or_else(|| {
                EvalError::new(ErrorKind::Type, format!("index {n} is out of range for an array of length {}", a.len()))
            })
        }
        (Value::Object(_), Value::String(k)) => member(base, k),
        (b, i) => Err(EvalError::new(
            ErrorKind::Type,
            format!("cannot index a value of type {} with {}", b.type_name(), i.type_name()),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_enter_leaves_the_depth_where_it_was() {
        let (limits, table) = (Limits::default(), OutputTable::default());
        let info = DeploymentInfo { scope: std::rc::Rc::default(), name: "d".into(), template_uri: None };
        let mut ev = Evaluator::new(info, &limits, &table);
        for _ in 0..MAX_EVAL_DEPTH {
            ev.enter().unwrap();
        }
        for _ in 0..3 {
            assert_eq!(ev.enter().unwrap_err().kind, ErrorKind::Limit);
            assert_eq!(ev.eval_depth(), MAX_EVAL_DEPTH);
        }
        for _ in 0..MAX_EVAL_DEPTH {
            ev.leave();
        }
        assert_eq!(ev.eval_depth(), 0);
        // An evaluation that hits the limit part-way (100 levels of
        // expression, 150 already entered) leaves the depth as it found it.
        for _ in 0..150 {
            ev.enter().unwrap();
        }
        let deep = expr::parse(&format!("{}'x'{}", "string(".repeat(100), ")".repeat(100))).unwrap();
        assert_eq!(ev.eval(&deep).unwrap_err().kind, ErrorKind::Limit);
        assert_eq!(ev.eval_depth(), 150);
        for _ in 0..150 {
            ev.leave();
        }
        assert_eq!(ev.eval(&deep).unwrap(), Value::from("x"));
        assert_eq!(ev.eval_depth(), 0);
    }

    #[test]
    fn expression_cache_gives_the_parse_and_stays_bounded() {
        let a = parse_cached("concat('a', parameters('P'))").unwrap();
        let b = parse_cached("concat('a', parameters('P'))").unwrap();
        assert!(std::rc::Rc::ptr_eq(&a, &b), "the second read is the cached tree");
        assert_eq!(*a, expr::parse("concat('a', parameters('P'))").unwrap());
        // errors are not cached: each read reports the error again
        assert!(parse_cached("concat('a'").is_err());
        assert!(parse_cached("concat('a'").is_err());
        // 20,000 distinct texts (~1.1 MB) pass the bound: the cache empties and refills
        let mut emptied = false;
        let mut last = 0;
        for i in 0..20_000 {
            let src = format!("concat('{}', '{i}')", "x".repeat(40));
            assert_eq!(*parse_cached(&src).unwrap(), expr::parse(&src).unwrap());
            let entries = PARSED.with(|c| c.borrow().map.len());
            emptied |= entries < last;
            last = entries;
            if i % 1000 == 999 {
                let bytes: usize = PARSED.with(|c| c.borrow().map.keys().map(|k| k.len()).sum());
                assert!(bytes <= MAX_CACHED_EXPR_BYTES, "{bytes} bytes in {entries} entries");
                assert_eq!(bytes, PARSED.with(|c| c.borrow().bytes));
            }
        }
        assert!(emptied);
    }
}
