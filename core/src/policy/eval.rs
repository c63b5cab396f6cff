//! Evaluation of a compiled policy against one resource, with three-valued
//! logic: a condition that needs an unknown value is unknown, and the result
//! says which value.

use super::aliases::AliasCatalog;
use super::expr::{Expr, Tmpl};
use super::functions;
use super::operators::{self, Op};
use super::parse::{self, Cond, Count, CountSrc, FieldKind, FieldRef, FieldSpec, Leaf, Lhs, Policy};
use super::path::{self, Path, Seg};
use super::{EvalContext, Evaluation, Evidence, Outcome};
use crate::model::{normalise_id, Deployment, PossibleRelation};
use crate::value::{Map, Value};
use std::borrow::Cow;

/// Deepest nesting of counts/expressions during evaluation.
pub const MAX_EVAL_DEPTH: usize = 64;
/// Evidence entries kept per evaluation.
const MAX_EVIDENCE: usize = 64;
/// Larger count ranges than this are not enumerated (the result is unknown).
const MAX_COUNT_SPREAD: i64 = 256;

/// Three-valued truth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tri {
    T,
    F,
    U,
}

impl Tri {
    fn from(b: bool) -> Tri {
        if b {
            Tri::T
        } else {
            Tri::F
        }
    }
    fn not(self) -> Tri {
        match self {
            Tri::T => Tri::F,
            Tri::F => Tri::T,
            Tri::U => Tri::U,
        }
    }
    fn word(self) -> &'static str {
        match self {
            Tri::T => "true",
            Tri::F => "false",
            Tri::U => "unknown",
        }
    }
}

/// A failure inside an expression (wrong argument types, missing parameter
/// declaration…). The condition that needed it becomes unknown.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Fail {
    /// The value is unknown (reason).
    Unknown(String),
    /// The expression cannot be evaluated (message).
    Error(String),
}

pub(crate) type EResult<T> = Result<T, Fail>;

pub(crate) fn err<T>(msg: impl Into<String>) -> EResult<T> {
    Err(Fail::Error(msg.into()))
}

/// An element in scope of a count.
enum Scope<'a> {
    /// Field count: the element of the array at `prefix`.
    FieldElem { prefix: &'a [Seg], text: &'a str, elem: &'a Value, on: &'a Value },
    /// Value count: the element (named or not).
    ValueElem { name: Option<String>, elem: Cow<'a, Value> },
    /// Another resource (related count or existence check): `field`
    /// conditions read `res`, `field()` reads `fn_res`, `source()` reads `outer`.
    Resource { res: &'a Value, index: Option<usize>, fn_res: &'a Value, outer: &'a Value },
}

/// One piece of evidence as recorded: values borrowed from the resource
/// and the policy where possible. Only what is returned becomes an owned
/// [`Evidence`] (most records are dropped by `allOf`/`anyOf` on the way).
struct Rec<'a> {
    field: Cow<'a, str>,
    path: Option<PathText<'a>>,
    value: Option<Cow<'a, Value>>,
    op: Op,
    rhs: Cow<'a, Value>,
    result: Tri,
}

/// The path an evidence entry read: rendered only if the entry is returned.
enum PathText<'a> {
    Text(String),
    Segs(&'a [Seg]),
}

/// The values a field reads: one (without `[*]` after binding) or one per
/// element. `None`: the property does not exist.
enum FieldVals<'a> {
    One(Option<Cow<'a, Value>>),
    Many(Vec<Option<&'a Value>>),
}

impl Rec<'_> {
    fn into_evidence(self) -> Evidence {
        Evidence {
            field: self.field.into_owned(),
            path: self.path.map(|p| match p {
                PathText::Text(t) => t,
                PathText::Segs(s) => path::render(s),
            }),
            value: self.value.map(Cow::into_owned),
            operator: self.op.name().to_owned(),
            expected: self.rhs.into_owned(),
            result: self.result.word().to_owned(),
        }
    }
}

fn owned(recs: Vec<Rec<'_>>) -> Vec<Evidence> {
    recs.into_iter().map(Rec::into_evidence).collect()
}

/// Why a count has a possible (unknown) part, worded when it is reported
/// (most are dropped: the count decides anyway).
enum Why<'a> {
    /// Already worded.
    Text(String),
    /// A relation of `pr.from` hidden behind an unknown value; an outgoing
    /// one is named after `outer`, an incoming one after its resource.
    Relation { pr: &'a PossibleRelation, out: bool, outer: &'a Value, dep: &'a Deployment },
}

impl Why<'_> {
    fn text(self) -> String {
        // (written with `concat`: one allocation each, no formatting machinery)
        match self {
            Why::Text(s) => s,
            Why::Relation { pr, out: true, outer, .. } => {
                let name = match outer.get_ci("name") {
                    Some(Value::String(s)) if !s.is_empty() => ["`", s.as_str(), "`"],
                    _ => ["this resource (name not known)", "", ""],
                };
                ["relation `", &pr.path, "` of ", name[0], name[1], name[2], " is not known: ", &pr.reason].concat()
            }
            Why::Relation { pr, out: false, dep, .. } => {
                let from = match dep.resources.get(pr.from).map(|r| r.name()) {
                    Some(n) if !n.is_empty() => ["`", n, "`"],
                    _ => ["a resource whose name is not known", "", ""],
                };
                ["relation `", &pr.path, "` of ", from[0], from[1], from[2], " is not known: ", &pr.reason].concat()
            }
        }
    }
}

/// The parameter's name when `t` is exactly `[parameters('name')]`.
fn effect_parameter(t: &Tmpl) -> Option<&str> {
    match t {
        Tmpl::Expr(Expr::Call(f, args)) if f == "parameters" => match args.as_slice() {
            [Expr::Lit(Value::String(n))] => Some(n),
            _ => None,
        },
        _ => None,
    }
}

pub(crate) struct Ev<'a> {
    pub policy: &'a Policy,
    pub root: &'a Value,
    pub params: &'a Map,
    pub ctx: &'a EvalContext<'a>,
    scopes: Vec<Scope<'a>>,
    /// Why parts were unknown, in order (worded, deduplicated, only if
    /// the outcome reports them).
    unknown: Vec<Why<'a>>,
    evidence: Vec<Rec<'a>>,
    /// Why `related` counts being evaluated have a possible (unknown) part
    /// (worded only when reported).
    possible: Vec<Why<'a>>,
    record: bool,
    /// While above zero, reasons for unknowns are not kept (they would be
    /// dropped anyway), so they are not formatted either.
    mute: u32,
    depth: usize,
    pub api_version: Option<&'a str>,
    /// The `type` of `root` (read once: every alias lookup on it needs it).
    root_type: &'a str,
}

/// Which outcomes carry their evidence (callers that drop it skip building it).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Keep {
    /// Every outcome.
    All,
    /// `Match` and `Unknown`.
    NotNoMatch,
    /// `Unknown` only.
    Unknown,
}

/// Evaluate `policy` against `resource`; `keep`: which outcomes carry evidence.
pub(crate) fn evaluate(policy: &Policy, resource: &Value, params: &Map, ctx: &EvalContext<'_>, keep: Keep) -> Evaluation {
    let nomatch_evidence = keep == Keep::All;
    let api_version = ctx.api_version.or_else(|| resource.get_ci("apiVersion").and_then(Value::as_str));
    let mut ev = Ev {
        policy,
        root: resource,
        params,
        ctx,
        scopes: Vec::new(),
        unknown: Vec::new(),
        evidence: Vec::new(),
        possible: Vec::new(),
        record: true,
        mute: 0,
        depth: 0,
        api_version,
        root_type: type_of(resource),
    };
    // The effect first: a disabled policy is not evaluated at all. (Compared
    // ignoring case; lowercased only for a match.)
    // (`[parameters('effect')]`, nearly every rule's form, read directly:
    // the same lookup the general path ends in)
    let effect_v = match effect_parameter(&policy.effect) {
        Some(n) => ev.parameter(n),
        None => ev.tmpl(&policy.effect),
    };
    let effect = match effect_v {
        Ok(v) => match v {
            Cow::Borrowed(Value::String(s)) => Ok(Cow::Borrowed(s.as_str())),
            Cow::Owned(Value::String(s)) => Ok(Cow::Owned(s)),
            other => Err(Fail::Error(format!("the effect must be a string, found {}", other.type_name()))),
        },
        Err(f) => Err(f),
    };
    if effect.as_deref().is_ok_and(|e| e.eq_ignore_ascii_case("disabled")) {
        return Evaluation { effect: None, outcome: Outcome::NoMatch, details: None, unknown: Vec::new(), evidence: Vec::new() };
    }
    // Resource Provider modes (`Microsoft.Kubernetes.Data`,
    // `Microsoft.MachineLearningServices.Data`, …) govern data-plane requests,
    // which no deployment contains.
    if let Some(mode) = policy.mode.as_deref().filter(|m| m.contains('.')) {
        return Evaluation {
            effect: None,
            outcome: Outcome::Unknown,
            details: None,
            unknown: vec![format!("policy mode `{mode}` applies to data-plane requests, which are not part of a deployment")],
            evidence: Vec::new(),
        };
    }
    let t = ev.cond(&policy.cond);
    let mut out = Evaluation { effect: None, outcome: Outcome::NoMatch, details: None, unknown: Vec::new(), evidence: Vec::new() };
    match t {
        Tri::F => {}
        Tri::U => out.outcome = Outcome::Unknown,
        Tri::T => match effect {
            Ok(eff) => {
                out.outcome = Outcome::Match;
                out.details = ev.details();
                if eff.eq_ignore_ascii_case("auditifnotexists") || eff.eq_ignore_ascii_case("deployifnotexists") {
                    match ev.existence() {
                        Tri::T => {
                            // a related resource satisfies the existence condition: compliant
                            out.outcome = Outcome::NoMatch;
                            out.details = None;
                            if nomatch_evidence {
                                out.evidence = owned(std::mem::take(&mut ev.evidence));
                                out.unknown = dedup(std::mem::take(&mut ev.unknown));
                            }
                            return out;
                        }
                        Tri::U => out.outcome = Outcome::Unknown,
                        Tri::F => {}
                    }
                }
                if out.outcome == Outcome::Match {
                    out.effect = Some(eff.to_ascii_lowercase());
                }
            }
            Err(Fail::Unknown(r)) => {
                ev.unknown.push(Why::Text(["effect: ", &r].concat()));
                out.outcome = Outcome::Unknown;
            }
            Err(Fail::Error(e)) => {
                ev.unknown.push(Why::Text(["effect: error: ", &e].concat()));
                out.outcome = Outcome::Unknown;
            }
        },
    }
    let kept = match out.outcome {
        Outcome::NoMatch => nomatch_evidence,
        Outcome::Match => keep != Keep::Unknown,
        Outcome::Unknown => true,
    };
    if kept {
        out.evidence = owned(ev.evidence);
    }
    // (reasons are worded only when reported: callers that drop decided
    // outcomes' details drop them too)
    if out.outcome == Outcome::Unknown || nomatch_evidence {
        out.unknown = dedup(ev.unknown);
    }
    out
}

/// Evaluate one compiled template against a resource (for
/// [`super::evaluate_expression`]).
pub(crate) fn eval_template(policy: &Policy, t: &Tmpl, resource: &Value, params: &Map, ctx: &EvalContext<'_>) -> Result<Value, String> {
    let mut ev = Ev {
        policy,
        root: resource,
        params,
        ctx,
        scopes: Vec::new(),
        unknown: Vec::new(),
        evidence: Vec::new(),
        possible: Vec::new(),
        record: false,
        mute: 0,
        depth: 0,
        api_version: ctx.api_version,
        root_type: type_of(resource),
    };
    match ev.tmpl_any(t) {
        Ok(v) => Ok(v.into_owned()),
        Err(Fail::Unknown(r)) => Ok(Value::unknown(r)),
        Err(Fail::Error(e)) => Err(e),
    }
}

/// The resource's `type` (empty when it has no string type).
fn type_of(resource: &Value) -> &str {
    resource.get_ci("type").and_then(Value::as_str).unwrap_or_default()
}

/// The reasons worded, each once (in order of first occurrence).
fn dedup(v: Vec<Why<'_>>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(v.len());
    for s in v.into_iter().map(Why::text) {
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

impl<'a> Ev<'a> {
    // ---------- resources in scope ----------

    fn cur_resource(&self) -> &'a Value {
        for s in self.scopes.iter().rev() {
            if let Scope::Resource { res, .. } = s {
                return res;
            }
        }
        self.root
    }

    fn fn_resource(&self) -> &'a Value {
        for s in self.scopes.iter().rev() {
            if let Scope::Resource { fn_res, .. } = s {
                return fn_res;
            }
        }
        self.root
    }

    fn cur_index(&self) -> Option<usize> {
        for s in self.scopes.iter().rev() {
            if let Scope::Resource { index, .. } = s {
                return *index;
            }
        }
        self.ctx.resource_index
    }

    fn catalog(&self) -> &'a AliasCatalog {
        self.ctx.aliases
    }

    // ---------- conditions ----------

    pub(crate) fn cond(&mut self, c: &'a Cond) -> Tri {
        match c {
            Cond::All(items) => self.junction(items, Tri::F),
            Cond::Any(items) => self.junction(items, Tri::T),
            Cond::Not(inner) => self.cond(inner).not(),
            Cond::Leaf(l) => self.leaf(l),
        }
    }

    /// `allOf` (`decisive` = false) and `anyOf` (`decisive` = true): the
    /// first member with the decisive value decides, and only its evidence
    /// is kept; otherwise unknown if a member is unknown, else the opposite
    /// of `decisive` (Kleene logic).
    fn junction(&mut self, items: &'a [Cond], decisive: Tri) -> Tri {
        let mark = self.evidence.len();
        let mut res = decisive.not();
        for it in items {
            let before = self.evidence.len();
            match self.cond(it) {
                t if t == decisive => {
                    // keep only what decided
                    self.move_evidence(mark, before);
                    return decisive;
                }
                Tri::U => res = Tri::U,
                _ => {}
            }
        }
        res
    }

    /// Drop evidence between `mark` and `from` (keep what came after `from`).
    fn move_evidence(&mut self, mark: usize, from: usize) {
        if from > mark && from <= self.evidence.len() {
            self.evidence.drain(mark..from);
        }
    }

    fn leaf(&mut self, l: &'a Leaf) -> Tri {
        let rhs = match self.tmpl(&l.rhs) {
            Ok(v) => v,
            Err(f) => return self.fail("operand", f),
        };
        if let Some(u) = if l.rhs_known { None } else { rhs.first_unknown() } {
            let r = &u.reason;
            self.say(|| [l.op.name(), " operand: ", r].concat());
            self.note(&l.lhs, None, None, l.op, rhs, Tri::U);
            return Tri::U;
        }
        match &l.lhs {
            Lhs::Field(spec) => {
                let fref;
                let f: &FieldRef = match spec {
                    FieldSpec::Static(f) => f,
                    FieldSpec::Dynamic(e) => match self.expr(e) {
                        Ok(v) => match v.as_str() {
                            Some(s) => match parse::resolve_field(s, self.catalog()) {
                                Ok(r) => {
                                    let wild = match &r.kind {
                                        FieldKind::Path(p) => path::has_wild(p),
                                        FieldKind::Alias(a) => a.iter().any(|x| path::has_wild(x.path())),
                                        _ => false,
                                    };
                                    if wild {
                                        // a computed field with `[*]` reads like `field()`: the array of values
                                        let name = s.to_owned();
                                        let v = match self.field_fn(&name) {
                                            Ok(v) => v,
                                            Err(fl) => return self.fail(&name, fl),
                                        };
                                        let t = self.apply(l, Some(&v), &rhs, &name);
                                        self.note_field(Cow::Owned(name), None, Some(v), l.op, rhs, t);
                                        return t;
                                    }
                                    fref = r;
                                    &fref
                                }
                                Err(_) => return Tri::F,
                            },
                            None => return self.fail("field", Fail::Error("`field` expression must give a string".into())),
                        },
                        Err(f) => return self.fail("field", f),
                    },
                };
                // Evidence texts borrow from the policy when the field is
                // static (rendered only if the evidence is returned).
                let (got, field_text, path_text): (_, Cow<'a, str>, Option<PathText<'a>>) = match spec {
                    FieldSpec::Static(sf) => match self.field_values(sf) {
                        Ok((v, p)) => (v, Cow::Borrowed(sf.text.as_str()), p.map(|p| PathText::Segs(p.as_slice()))),
                        Err(fl) => return self.fail(&sf.text, fl),
                    },
                    FieldSpec::Dynamic(_) => match self.field_values(f) {
                        Ok((v, p)) => {
                            let keep = self.keeps_evidence();
                            (v, Cow::Owned(f.text.clone()), p.filter(|_| keep).map(|p| PathText::Text(path::render(p))))
                        }
                        Err(fl) => return self.fail(&f.text, fl),
                    },
                };
                match got {
                    FieldVals::One(v) => {
                        let t = self.apply(l, v.as_deref(), &rhs, &f.text);
                        self.note_field(field_text, path_text, v, l.op, rhs, t);
                        t
                    }
                    FieldVals::Many(vals) => {
                        // every element must satisfy the condition
                        let mut res = Tri::T;
                        let mut decided: Option<Option<&'a Value>> = None;
                        for v in vals {
                            let t = self.apply(l, v, &rhs, &f.text);
                            match t {
                                Tri::F => {
                                    res = Tri::F;
                                    decided = Some(v);
                                    break;
                                }
                                Tri::U => res = Tri::U,
                                Tri::T => {}
                            }
                        }
                        let shown = decided.flatten().map(Cow::Borrowed);
                        self.note_field(field_text, path_text, shown, l.op, rhs, res);
                        res
                    }
                }
            }
            Lhs::Value(t) => {
                let v = match self.tmpl(t) {
                    Ok(v) => v,
                    Err(f) => return self.fail("value", f),
                };
                let r = self.apply(l, Some(&v), &rhs, "value");
                self.note(&l.lhs, None, Some(v), l.op, rhs, r);
                r
            }
            Lhs::Count(c) => {
                let mark = self.possible.len();
                // Without evidence to show the range, the count may stop as
                // soon as its comparison is decided (see `possibly_related`).
                let goal = if self.keeps_evidence() { None } else { Some((l, rhs.as_ref())) };
                let counted = self.count(c, goal);
                let (lo, hi) = match counted {
                    Ok(x) => x,
                    Err(f) => {
                        self.possible.truncate(mark);
                        return self.fail("count", f);
                    }
                };
                let r = if hi - lo > MAX_COUNT_SPREAD {
                    Tri::U
                } else {
                    let mut seen: Option<Tri> = None;
                    for n in lo..=hi {
                        let t = self.apply(l, Some(&Value::Int(n)), &rhs, "count");
                        seen = match seen {
                            None => Some(t),
                            Some(s) if s == t => Some(s),
                            Some(_) => Some(Tri::U),
                        };
                    }
                    seen.unwrap_or(Tri::U)
                };
                if r == Tri::U {
                    // (duplicates go when the reasons are worded)
                    self.unknown.extend(self.possible.drain(mark..));
                } else {
                    self.possible.truncate(mark);
                }
                if self.keeps_evidence() {
                    let shown = if lo == hi { Value::Int(lo) } else { Value::unknown(format!("between {lo} and {hi}")) };
                    self.note(&l.lhs, None, Some(Cow::Owned(shown)), l.op, rhs, r);
                }
                r
            }
        }
    }

    /// Keep the reason for an unknown (formatted only when kept).
    fn say(&mut self, reason: impl FnOnce() -> String) {
        if self.mute == 0 {
            self.unknown.push(Why::Text(reason()));
        }
    }

    fn fail(&mut self, what: &str, f: Fail) -> Tri {
        match f {
            Fail::Unknown(r) => self.say(|| [what, ": ", &r].concat()),
            Fail::Error(e) => self.say(|| [what, ": error: ", &e].concat()),
        }
        Tri::U
    }

    fn apply(&mut self, l: &Leaf, lhs: Option<&Value>, rhs: &Value, what: &str) -> Tri {
        if let Some(v) = lhs {
            if let Value::Unknown(u) = v {
                if l.op == Op::Exists {
                    // the property is set; only its value is unknown
                    return match operators::truthy(rhs) {
                        Some(want) => Tri::from(want),
                        None => Tri::U,
                    };
                }
                self.say(|| [what, ": ", &u.reason].concat());
                return Tri::U;
            }
            // `exists` and the key operators do not look inside the value
            // (only containers can hold one: a scalar is not searched)
            if !matches!(l.op, Op::Exists | Op::ContainsKey | Op::NotContainsKey) && matches!(v, Value::Array(_) | Value::Object(_)) {
                if let Some(u) = v.first_unknown() {
                    self.say(|| [what, ": ", &u.reason].concat());
                    return Tri::U;
                }
            }
        }
        match operators::apply(l.op, lhs, rhs, l.pat.as_ref()) {
            Ok(b) => Tri::from(b),
            Err(e) => {
                self.say(|| [what, ": error: ", &e].concat());
                Tri::U
            }
        }
    }

    fn keeps_evidence(&self) -> bool {
        self.record && self.evidence.len() < MAX_EVIDENCE
    }

    fn note(&mut self, lhs: &'a Lhs, path: Option<PathText<'a>>, v: Option<Cow<'a, Value>>, op: Op, rhs: Cow<'a, Value>, r: Tri) {
        if !self.keeps_evidence() {
            return;
        }
        let field = match lhs {
            Lhs::Field(FieldSpec::Static(f)) => f.text.as_str(),
            Lhs::Field(FieldSpec::Dynamic(_)) => "field",
            Lhs::Value(_) => "value",
            Lhs::Count(_) => "count",
        };
        self.push_evidence(Cow::Borrowed(field), path, v, op, rhs, r);
    }

    fn note_field(&mut self, field: Cow<'a, str>, path: Option<PathText<'a>>, v: Option<Cow<'a, Value>>, op: Op, rhs: Cow<'a, Value>, r: Tri) {
        if self.keeps_evidence() {
            self.push_evidence(field, path, v, op, rhs, r);
        }
    }

    fn push_evidence(&mut self, field: Cow<'a, str>, path: Option<PathText<'a>>, value: Option<Cow<'a, Value>>, op: Op, rhs: Cow<'a, Value>, result: Tri) {
        if self.keeps_evidence() {
            self.evidence.push(Rec { field, path, value, op, rhs, result });
        }
    }

    // ---------- fields ----------

    /// Values of a field, and the property path read (for a path or alias).
    fn field_values<'f>(&mut self, f: &'f FieldRef) -> EResult<(FieldVals<'a>, Option<&'f Path>)>
    where
        'a: 'f,
    {
        let res = self.cur_resource();
        self.field_values_on(f, res)
    }

    fn field_values_on<'f>(&mut self, f: &'f FieldRef, res: &'a Value) -> EResult<(FieldVals<'a>, Option<&'f Path>)>
    where
        'a: 'f,
    {
        match &f.kind {
            FieldKind::Name => {
                let n = res.get_ci("name").map(|v| match v.as_str() {
                    Some(s) => Cow::Owned(Value::String(s.rsplit('/').next().unwrap_or(s).to_owned())),
                    None => Cow::Borrowed(v),
                });
                Ok((FieldVals::One(n), None))
            }
            FieldKind::FullName => {
                let n = res.get_ci("fullName").or_else(|| res.get_ci("name")).map(Cow::Borrowed);
                Ok((FieldVals::One(n), None))
            }
            FieldKind::ApiVersion => {
                let v = match self.api_version {
                    Some(v) => Some(Cow::Owned(Value::String(v.to_owned()))),
                    None => res.get_ci("apiVersion").map(Cow::Borrowed),
                };
                Ok((FieldVals::One(v), None))
            }
            FieldKind::Path(p) => Ok((self.path_values(res, p), Some(p))),
            FieldKind::Alias(_) | FieldKind::Unresolved(_) => {
                let p = self.alias_path(f, res)?;
                Ok((self.path_values(res, p), Some(p)))
            }
        }
    }

    /// The path of an alias for the type of `res` and the API version.
    fn alias_path<'x>(&self, f: &'x FieldRef, res: &Value) -> EResult<&'x Path>
    where
        'a: 'x,
    {
        let rtype = if std::ptr::eq(res, self.root) { self.root_type } else { type_of(res) };
        let a = match &f.kind {
            FieldKind::Alias(defs) => super::aliases::pick(defs, rtype),
            FieldKind::Unresolved(n) => self.catalog().resolve(n, rtype),
            _ => None,
        };
        match a {
            Some(a) => Ok(a.path_for(self.api_version)),
            None => Err(Fail::Unknown(format!("alias `{}` is not in the alias catalog", f.text))),
        }
    }

    /// Follow a path on `res`, binding to the innermost field-count element
    /// whose array path is a prefix.
    fn path_values(&self, res: &'a Value, p: &Path) -> FieldVals<'a> {
        let (base, rest) = self.bind(res, p);
        if path::has_wild(rest) {
            let mut found = Vec::new();
            path::collect(base, rest, &mut found);
            FieldVals::Many(found)
        } else {
            // (what `collect` finds without `[*]`: exactly one entry)
            FieldVals::One(path::get(base, rest).map(Cow::Borrowed))
        }
    }

    /// Bind `p` to the innermost field-count element over `res` whose array
    /// path is a prefix of `p`.
    fn bind<'p>(&self, res: &'a Value, p: &'p [Seg]) -> (&'a Value, &'p [Seg]) {
        for s in self.scopes.iter().rev() {
            if let Scope::FieldElem { prefix, elem, on, .. } = s {
                if std::ptr::eq(*on, res) && path::starts_with(p, prefix) {
                    return (elem, p.get(prefix.len()..).unwrap_or_default());
                }
            }
        }
        (res, p)
    }

    /// `field('x')` in an expression: the value, `null` when missing, an
    /// array of the existing values when the path has `[*]`.
    pub(crate) fn field_fn(&mut self, name: &str) -> EResult<Cow<'a, Value>> {
        let policy: &'a Policy = self.policy;
        let fresh;
        let f: &FieldRef = match policy.cached_field(name, self.catalog()) {
            Some(f) => f,
            None => {
                fresh = parse::resolve_field(name, self.catalog()).map_err(Fail::Error)?;
                &fresh
            }
        };
        // field() reads the evaluated resource, except inside a count over the
        // related resource (bound elements win).
        let res = self.fn_resource();
        let (vals, multi) = match &f.kind {
            FieldKind::Name | FieldKind::FullName | FieldKind::ApiVersion => {
                return Ok(match self.field_values_on(f, res)?.0 {
                    FieldVals::One(v) => v.unwrap_or(Cow::Owned(Value::Null)),
                    FieldVals::Many(_) => Cow::Owned(Value::Null),
                });
            }
            FieldKind::Path(p) => self.fn_path(res, p),
            FieldKind::Alias(_) | FieldKind::Unresolved(_) => {
                let p = self.alias_path(f, res)?;
                self.fn_path(res, p)
            }
        };
        if multi {
            Ok(Cow::Owned(Value::Array(vals.into_iter().flatten().map(Cow::into_owned).collect())))
        } else {
            Ok(vals.into_iter().next().flatten().unwrap_or(Cow::Owned(Value::Null)))
        }
    }

    #[allow(clippy::type_complexity)]
    fn fn_path(&self, res: &'a Value, p: &Path) -> (Vec<Option<Cow<'a, Value>>>, bool) {
        let (base, rest) = self.bind(res, p);
        let mut found = Vec::new();
        path::collect(base, rest, &mut found);
        (found.into_iter().map(|f| f.map(Cow::Borrowed)).collect(), path::has_wild(p))
    }

    /// `source('x')`: a field of the resource one level out of a related count.
    pub(crate) fn source_fn(&mut self, name: &str) -> EResult<Cow<'a, Value>> {
        let pos = self.scopes.iter().rposition(|s| matches!(s, Scope::Resource { .. }));
        let Some(pos) = pos else {
            return err("`source()` is only available inside a `related` count");
        };
        let outer = match self.scopes.get(pos) {
            Some(Scope::Resource { outer, .. }) => *outer,
            _ => return err("`source()` is only available inside a `related` count"),
        };
        // evaluate the field against the outer resource with the scopes outside this count
        let saved: Vec<Scope<'a>> = self.scopes.drain(pos..).collect();
        let pushed = !std::ptr::eq(outer, self.cur_resource());
        if pushed {
            self.scopes.push(Scope::Resource { res: outer, index: None, fn_res: outer, outer });
        }
        let r = self.field_fn(name);
        if pushed {
            self.scopes.pop();
        }
        self.scopes.extend(saved);
        r
    }

    /// `current('name')` / `current()`.
    pub(crate) fn current_fn(&self, name: Option<&str>) -> EResult<Cow<'a, Value>> {
        for s in self.scopes.iter().rev() {
            match (s, name) {
                (Scope::ValueElem { elem, .. }, None) => return Ok(elem.clone()),
                (Scope::FieldElem { elem, .. }, None) => return Ok(Cow::Borrowed(*elem)),
                (Scope::ValueElem { name: Some(n), elem }, Some(want)) if n.eq_ignore_ascii_case(want) => {
                    return Ok(elem.clone())
                }
                (Scope::FieldElem { text, elem, prefix, .. }, Some(want)) => {
                    if text.eq_ignore_ascii_case(want) {
                        return Ok(Cow::Borrowed(*elem));
                    }
                    if let Ok(f) = parse::resolve_field(want, self.catalog()) {
                        let p = match &f.kind {
                            FieldKind::Alias(_) => self.alias_path(&f, self.cur_resource()).ok().cloned(),
                            FieldKind::Path(p) => Some(p.clone()),
                            _ => None,
                        };
                        if let Some(p) = p {
                            if path::starts_with(&p, prefix) {
                                let rest = p.get(prefix.len()..).unwrap_or_default();
                                if rest.is_empty() {
                                    return Ok(Cow::Borrowed(*elem));
                                }
                                let mut found = Vec::new();
                                path::collect(elem, rest, &mut found);
                                if path::has_wild(rest) {
                                    return Ok(Cow::Owned(Value::Array(found.into_iter().flatten().cloned().collect())));
                                }
                                return Ok(found.into_iter().next().flatten().map_or(Cow::Owned(Value::Null), Cow::Borrowed));
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        match name {
            Some(n) => err(format!("`current('{n}')` is not inside a count over `{n}`")),
            None => err("`current()` is not inside a count"),
        }
    }

    // ---------- counts ----------

    fn enter(&mut self) -> EResult<()> {
        self.depth += 1;
        if self.depth > MAX_EVAL_DEPTH {
            self.depth -= 1;
            return err("evaluation nested too deeply");
        }
        Ok(())
    }

    /// The count as a range `(definitely, possibly)`.
    /// `goal`: the comparison the count feeds (leaf and operand), when the
    /// exact upper bound need not be known once the comparison is decided.
    fn count(&mut self, c: &'a Count, goal: Option<(&Leaf, &Value)>) -> EResult<(i64, i64)> {
        self.enter()?;
        let saved_record = self.record;
        self.record = false;
        let r = self.count_inner(c, goal);
        self.record = saved_record;
        self.depth -= 1;
        r
    }

    fn count_inner(&mut self, c: &'a Count, goal: Option<(&Leaf, &Value)>) -> EResult<(i64, i64)> {
        let mut lo = 0i64;
        let mut hi = 0i64;
        match &c.src {
            CountSrc::Field(f) => {
                let res = self.cur_resource();
                let p: &'a Path = match &f.kind {
                    FieldKind::Path(p) => p,
                    FieldKind::Alias(_) | FieldKind::Unresolved(_) => self.alias_path(f, res)?,
                    _ => return err("`count.field` must be an array alias"),
                };
                let (base, rest) = self.bind(res, p);
                let mut found = Vec::new();
                path::collect(base, rest, &mut found);
                // Elements of known arrays (an unknown among them is one
                // element; an unknown array may hold any number). Collected
                // only when an unknown is found.
                let mut arrays: Option<Vec<Option<&Value>>> = None;
                for el in found.into_iter().flatten() {
                    if let Value::Unknown(u) = el {
                        let arrays = arrays.get_or_insert_with(|| {
                            let mut arrays = Vec::new();
                            if let Some((Seg::Wild, parent)) = rest.split_last() {
                                path::collect(base, parent, &mut arrays);
                            }
                            arrays
                        });
                        let is_element =
                            arrays.iter().flatten().filter_map(|a| a.as_array()).any(|a| a.iter().any(|x| std::ptr::eq(x, el)));
                        if !is_element {
                            return Err(Fail::Unknown([&f.text, ": ", &u.reason].concat()));
                        }
                        // The element exists; whether it satisfies `where`
                        // is not known.
                        self.possible.push(Why::Text([&f.text, ": ", &u.reason].concat()));
                        tally(Tri::U, &mut lo, &mut hi);
                        continue;
                    }
                    self.scopes.push(Scope::FieldElem { prefix: p, text: &f.text, elem: el, on: res });
                    let t = self.where_(c);
                    self.scopes.pop();
                    tally(t, &mut lo, &mut hi);
                }
            }
            CountSrc::Value(t) => {
                let v = self.tmpl(t)?;
                match v {
                    Cow::Borrowed(Value::Array(a)) => {
                        for el in a {
                            self.scopes.push(Scope::ValueElem { name: c.name.clone(), elem: Cow::Borrowed(el) });
                            let t = self.where_(c);
                            self.scopes.pop();
                            tally(t, &mut lo, &mut hi);
                        }
                    }
                    Cow::Owned(Value::Array(a)) => {
                        for el in a {
                            self.scopes.push(Scope::ValueElem { name: c.name.clone(), elem: Cow::Owned(el) });
                            let t = self.where_(c);
                            self.scopes.pop();
                            tally(t, &mut lo, &mut hi);
                        }
                    }
                    ref other => {
                        if let Value::Unknown(u) = other.as_ref() {
                            return Err(Fail::Unknown(u.reason.clone()));
                        }
                        return err(format!("`count.value` must be an array, found {}", other.type_name()));
                    }
                }
            }
            CountSrc::Related(rel) => {
                let Some(dep) = self.ctx.deployment else { return Ok((0, 0)) };
                let Some(idx) = self.cur_index() else { return Ok((0, 0)) };
                let outer = self.cur_resource();
                let mut targets: Vec<usize> = Vec::new();
                for p in &rel.paths {
                    if rel.out {
                        targets.extend(dep.targets(idx, p));
                    } else {
                        targets.extend(dep.sources(idx, p));
                    }
                }
                crate::order::sort_unstable(&mut targets);
                targets.dedup();
                for &t in &targets {
                    let Some(r) = dep.resources.get(t) else { continue };
                    if let Some(ty) = &rel.type_ {
                        if !r.is_type(ty) {
                            continue;
                        }
                    }
                    self.scopes.push(Scope::Resource { res: &r.value, index: Some(t), fn_res: &r.value, outer });
                    let tr = self.where_(c);
                    self.scopes.pop();
                    tally(tr, &mut lo, &mut hi);
                }
                hi = hi.saturating_add(self.possibly_related(c, rel, (dep, idx, outer), &targets, (lo, hi), goal));
            }
        }
        Ok((lo, hi))
    }

    /// The upper part of a `related` count: resources that relations
    /// hidden behind unknown values may add (besides the `known` ones:
    /// sorted, each once).
    /// A candidate counts when the `where` condition is not false for it;
    /// the reasons go to `self.possible` (reported if the count decides
    /// nothing). `(dep, idx, outer)`: the deployment and the resource whose
    /// relations are counted; `(lo, hi)`: the count over the `known`
    /// related resources. With a `goal`, candidates stop once the goal's
    /// comparison is [decided](Ev::decided): a smaller upper bound that
    /// gives the same comparison (only when the range is not shown).
    fn possibly_related(
        &mut self,
        c: &'a Count,
        rel: &'a parse::Related,
        (dep, idx, outer): (&'a Deployment, usize, &'a Value),
        known: &[usize],
        (lo, hi): (i64, i64),
        goal: Option<(&Leaf, &Value)>,
    ) -> i64 {
        // (candidates, how many of them the unknowns can stand for; None = all)
        let mut candidates: Vec<usize> = Vec::new();
        let mut capacity: Option<usize> = Some(0);
        let mut reasons: Vec<Why<'a>> = Vec::new();
        for pr in &dep.possible_relations {
            // outgoing: only this resource's unknowns; incoming: only others'
            if rel.out != (pr.from == idx) {
                continue;
            }
            let cap = rel.paths.iter().try_fold(0usize, |acc, p| pr.capacity(p).map(|b| acc.saturating_add(b)));
            if cap == Some(0) {
                continue;
            }
            if rel.out {
                capacity = capacity.zip(cap).map(|(a, b)| a.saturating_add(b));
                reasons.push(Why::Relation { pr, out: true, outer, dep });
            } else {
                candidates.push(pr.from);
                reasons.push(Why::Relation { pr, out: false, outer, dep });
            }
        }
        // Outgoing: every other resource (a range, nothing collected).
        let mut others = 0..0;
        if rel.out {
            if capacity == Some(0) {
                return 0;
            }
            others = 0..dep.resources.len();
        } else {
            capacity = None;
            crate::order::sort_unstable(&mut candidates);
            candidates.dedup();
        }
        let saved = self.unknown.len();
        // Nothing said on the way counts (see the truncation below).
        self.mute += 1;
        let mut n = 0usize;
        for t in others.filter(|&t| t != idx).chain(candidates) {
            if capacity.is_some_and(|cap| n >= cap) {
                break; // more cannot raise `n.min(cap)`
            }
            // (`known`: sorted, each once)
            if known.binary_search(&t).is_ok() {
                continue;
            }
            let Some(r) = dep.resources.get(t) else { continue };
            if rel.type_.as_deref().is_some_and(|ty| !r.is_type(ty)) {
                continue;
            }
            self.scopes.push(Scope::Resource { res: &r.value, index: Some(t), fn_res: &r.value, outer });
            let tr = self.where_(c);
            self.scopes.pop();
            if tr != Tri::F {
                n = n.saturating_add(1);
                let upper = hi.saturating_add(i64::try_from(capacity.map_or(n, |cap| n.min(cap))).unwrap_or(i64::MAX));
                if goal.is_some_and(|(l, rhs)| self.decided(l, rhs, lo, upper)) {
                    break; // more candidates cannot change the comparison
                }
            }
        }
        // What the `where` condition could not decide on a resource that may
        // not even be related is not the reason; the unknown relation is.
        self.mute -= 1;
        self.unknown.truncate(saved);
        let n = capacity.map_or(n, |cap| n.min(cap));
        if n > 0 {
            self.possible.extend(reasons);
        }
        i64::try_from(n).unwrap_or(i64::MAX)
    }

    /// Is the comparison of a count ranging over `lo..=hi` settled for every
    /// larger upper bound too? Yes when it is unknown already (the two ends
    /// disagree, or the range is too wide to enumerate), or when it holds at
    /// `lo` for `greater`/`greaterOrEquals` a number (it then holds for
    /// every larger count) or fails at `lo` for `less`/`lessOrEquals`.
    /// Called with reasons muted: the comparisons say nothing.
    fn decided(&mut self, l: &Leaf, rhs: &Value, lo: i64, hi: i64) -> bool {
        if hi.saturating_sub(lo) > MAX_COUNT_SPREAD {
            return true;
        }
        let at_lo = self.apply(l, Some(&Value::Int(lo)), rhs, "count");
        if at_lo != self.apply(l, Some(&Value::Int(hi)), rhs, "count") {
            return true;
        }
        let number = matches!(rhs, Value::Int(_) | Value::Float(_));
        match l.op {
            Op::Greater | Op::GreaterOrEquals => number && at_lo == Tri::T,
            Op::Less | Op::LessOrEquals => number && at_lo == Tri::F,
            _ => false,
        }
    }

    fn where_(&mut self, c: &'a Count) -> Tri {
        match &c.where_ {
            None => Tri::T,
            Some(w) => {
                if self.enter().is_err() {
                    self.unknown.push(Why::Text("count: evaluation nested too deeply".to_owned()));
                    return Tri::U;
                }
                let t = self.cond(w);
                self.depth -= 1;
                t
            }
        }
    }

    // ---------- expressions ----------

    pub(crate) fn tmpl(&mut self, t: &'a Tmpl) -> EResult<Cow<'a, Value>> {
        self.tmpl_any(t)
    }

    fn tmpl_any(&mut self, t: &'a Tmpl) -> EResult<Cow<'a, Value>> {
        match t {
            Tmpl::Const(v) => Ok(Cow::Borrowed(v)),
            Tmpl::Expr(e) => self.expr(e),
            Tmpl::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for it in items {
                    out.push(self.tmpl_any(it)?.into_owned());
                }
                Ok(Cow::Owned(Value::Array(out)))
            }
            Tmpl::Object(items) => {
                let mut out = Map::new();
                for (k, it) in items {
                    out.insert(k.clone(), self.tmpl_any(it)?.into_owned());
                }
                Ok(Cow::Owned(Value::Object(out)))
            }
        }
    }

    pub(crate) fn expr(&mut self, e: &'a Expr) -> EResult<Cow<'a, Value>> {
        self.enter()?;
        let r = self.expr_inner(e);
        self.depth -= 1;
        r
    }

    fn expr_inner(&mut self, e: &'a Expr) -> EResult<Cow<'a, Value>> {
        match e {
            Expr::Lit(v) => Ok(Cow::Borrowed(v)),
            Expr::Prop(base, name) => {
                let b = self.expr(base)?;
                if let Value::Unknown(_) = b.as_ref() {
                    return Ok(b);
                }
                project(b, |v| v.get_ci(name).ok_or_else(|| Fail::Error(format!("property `{name}` does not exist"))))
            }
            Expr::Index(base, idx) => {
                let b = self.expr(base)?;
                let i = self.expr(idx)?;
                if let Value::Unknown(_) = b.as_ref() {
                    return Ok(b);
                }
                if let Value::Unknown(_) = i.as_ref() {
                    return Ok(i);
                }
                let i = i.into_owned();
                project(b, |v| index_value(v, &i))
            }
            Expr::Call(name, args) => self.call(name, args),
        }
    }

    fn call(&mut self, name: &str, args: &'a [Expr]) -> EResult<Cow<'a, Value>> {
        // functions that need the context or lazy arguments
        match name {
            "if" => {
                let [c, a, b] = args else { return err("`if` takes 3 arguments") };
                let cv = self.expr(c)?;
                return match cv.as_ref() {
                    Value::Bool(true) => self.expr(a),
                    Value::Bool(false) => self.expr(b),
                    Value::Unknown(_) => Ok(cv),
                    other => err(format!("`if` needs a boolean condition, found {}", other.type_name())),
                };
            }
            "parameters" => {
                let [a] = args else { return err("`parameters` takes 1 argument") };
                let n = self.expr(a)?;
                let Some(n) = n.as_str() else { return err("`parameters` needs a string") };
                return self.parameter(n);
            }
            "field" => {
                let [a] = args else { return err("`field` takes 1 argument") };
                let n = self.expr(a)?;
                let Some(n) = n.as_str() else { return err("`field` needs a string") };
                return self.field_fn(n);
            }
            "source" => {
                let [a] = args else { return err("`source` takes 1 argument") };
                let n = self.expr(a)?;
                let Some(n) = n.as_str() else { return err("`source` needs a string") };
                let n = n.to_owned();
                return self.source_fn(&n);
            }
            "current" => {
                return match args {
                    [] => self.current_fn(None),
                    [a] => {
                        let n = self.expr(a)?;
                        let Some(n) = n.as_str() else { return err("`current` needs a string") };
                        let n = n.to_owned();
                        self.current_fn(Some(&n))
                    }
                    _ => err("`current` takes at most 1 argument"),
                };
            }
            "requestcontext" => {
                if !args.is_empty() {
                    return err("`requestContext` takes no arguments");
                }
                let mut m = Map::new();
                let v = match self.api_version {
                    Some(v) => Value::String(v.to_owned()),
                    None => Value::unknown("the request's api version is not known offline"),
                };
                m.insert("apiVersion".to_owned(), v);
                return Ok(Cow::Owned(self.host_override("requestContext", m)));
            }
            "resourcegroup" | "subscription" => {
                let scope = self.ctx.deployment.map(|d| d.scope.clone()).unwrap_or_default();
                let mut m = Map::new();
                if name == "resourcegroup" {
                    m.insert("id".to_owned(), Value::String(scope.resource_group_id()));
                    m.insert("name".to_owned(), Value::String(scope.resource_group.clone()));
                    m.insert("location".to_owned(), Value::String(scope.location.clone()));
                    m.insert("type".to_owned(), Value::String("Microsoft.Resources/resourceGroups".to_owned()));
                } else {
                    m.insert("id".to_owned(), Value::String(format!("/subscriptions/{}", scope.subscription_id)));
                    m.insert("subscriptionId".to_owned(), Value::String(scope.subscription_id.clone()));
                    m.insert("tenantId".to_owned(), Value::String(scope.tenant_id.clone()));
                    m.insert("displayName".to_owned(), Value::unknown("the subscription name is not known offline"));
                }
                let key = if name == "resourcegroup" { "resourceGroup" } else { "subscription" };
                return Ok(Cow::Owned(self.host_override(key, m)));
            }
            "policy" => {
                let mut m = Map::new();
                for k in ["assignmentId", "definitionId", "setDefinitionId", "definitionReferenceId"] {
                    m.insert(k.to_owned(), Value::unknown("policy assignment ids are not known offline"));
                }
                return Ok(Cow::Owned(self.host_override("policy", m)));
            }
            "utcnow" => return Err(Fail::Unknown("`utcNow()` depends on the time of evaluation".to_owned())),
            "coalesce" => {
                for a in args {
                    let v = self.expr(a)?;
                    if !v.is_null() {
                        return Ok(v);
                    }
                }
                return Ok(Cow::Owned(Value::Null));
            }
            _ => {}
        }
        let mut vals: Vec<Cow<'a, Value>> = Vec::with_capacity(args.len());
        for a in args {
            let v = self.expr(a)?;
            vals.push(v);
        }
        functions::call(name, &vals)
    }

    /// Placeholder object `m` with the host's values for `key` laid over it.
    fn host_override(&self, key: &str, mut m: Map) -> Value {
        if let Some(Value::Object(h)) = self.ctx.host.and_then(|h| h.get_ci(key)) {
            for (k, v) in h {
                match m.iter_mut().find(|(mk, _)| mk.eq_ignore_ascii_case(k)) {
                    Some((_, slot)) => *slot = v.clone(),
                    None => {
                        m.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        Value::Object(m)
    }

    fn parameter(&mut self, name: &str) -> EResult<Cow<'a, Value>> {
        if let Some((_, v)) = self.params.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)) {
            return Ok(Cow::Borrowed(v));
        }
        let policy = self.policy;
        match policy.params.iter().find(|p| p.name.eq_ignore_ascii_case(name)) {
            Some(p) => match &p.default {
                Some(d) => Ok(Cow::Borrowed(d)),
                None => Ok(Cow::Owned(Value::unknown(format!("parameter `{name}` has no value")))),
            },
            None => Ok(Cow::Owned(Value::unknown(format!("parameter `{name}` has no value and is not declared")))),
        }
    }

    // ---------- effects ----------

    fn details(&mut self) -> Option<Value> {
        let d = self.policy.details.as_ref()?;
        match self.tmpl_any(&d.tmpl) {
            Ok(v) => Some(v.into_owned()),
            Err(_) => self.policy.raw_details.clone(),
        }
    }

    /// `T` if a related resource satisfies the existence condition, `F` if
    /// none does, `U` if it cannot be told.
    fn existence(&mut self) -> Tri {
        let Some(d) = self.policy.details.as_ref() else { return Tri::F };
        let type_ = match &d.type_ {
            Some(t) => match self.tmpl_any(t) {
                Ok(v) => v.as_str().map(str::to_owned),
                Err(_) => None,
            },
            None => None,
        };
        let mut name_unknown = None;
        let name = match &d.name {
            Some(t) => match self.tmpl_any(t) {
                Ok(v) => {
                    if let Value::Unknown(u) = v.as_ref() {
                        name_unknown = Some(u.reason.clone());
                    }
                    v.as_str().map(str::to_owned)
                }
                Err(_) => None,
            },
            None => None,
        };
        let candidates: Vec<&'a Value> = if let Some(list) = self.ctx.related {
            list.iter().collect()
        } else if let Some(dep) = self.ctx.deployment {
            let Some(ty) = type_.as_deref() else {
                self.unknown.push(Why::Text("existence check: `details.type` is not known".to_owned()));
                return Tri::U;
            };
            let own_id = normalise_id(self.root.get_ci("id").and_then(Value::as_str).unwrap_or_default());
            let prefix = format!("{own_id}/");
            let child = self
                .root
                .get_ci("type")
                .and_then(Value::as_str)
                .is_some_and(|t| ty.to_ascii_lowercase().starts_with(&format!("{}/", t.to_ascii_lowercase())));
            dep.resources
                .iter()
                .filter(|r| r.is_type(ty))
                .filter(|r| {
                    let rid = normalise_id(r.id());
                    // children and extension resources (an id with a nested
                    // `/providers/`) must belong to the evaluated resource
                    let extension = rid.matches("/providers/").count() >= 2;
                    if child || extension {
                        !own_id.is_empty() && rid.starts_with(&prefix)
                    } else {
                        true
                    }
                })
                .filter(|r| match &name {
                    Some(n) => {
                        let rn = r.name();
                        rn.eq_ignore_ascii_case(n) || rn.rsplit('/').next().is_some_and(|x| x.eq_ignore_ascii_case(n))
                    }
                    None => true,
                })
                .map(|r| &r.value)
                .collect()
        } else {
            self.unknown.push(Why::Text(format!(
                "existence of related `{}` resources cannot be checked offline without a deployment",
                type_.as_deref().unwrap_or("?")
            )));
            return Tri::F;
        };
        let mut res = Tri::F;
        for c in candidates {
            let t = match &d.existence {
                None => Tri::T,
                Some(cond) => {
                    self.scopes.push(Scope::Resource { res: c, index: None, fn_res: self.root, outer: self.root });
                    let saved = self.record;
                    self.record = false;
                    let t = self.cond(cond);
                    self.record = saved;
                    self.scopes.pop();
                    t
                }
            };
            match t {
                // With `details.name` unknown, a satisfying resource may
                // not be the one the name stands for.
                Tri::T if name_unknown.is_none() => return Tri::T,
                Tri::T | Tri::U => res = Tri::U,
                Tri::F => {}
            }
        }
        if let (Tri::U, Some(reason)) = (res, name_unknown) {
            self.unknown.push(Why::Text(format!("existence check: `details.name` is not known: {reason}")));
        }
        res
    }
}

fn tally(t: Tri, lo: &mut i64, hi: &mut i64) {
    match t {
        Tri::T => {
            *lo += 1;
            *hi += 1;
        }
        Tri::U => *hi += 1,
        Tri::F => {}
    }
}

/// Apply a borrowing projection to a Cow, keeping borrows when possible.
fn project<'a>(b: Cow<'a, Value>, f: impl for<'x> Fn(&'x Value) -> EResult<&'x Value>) -> EResult<Cow<'a, Value>> {
    match b {
        Cow::Borrowed(v) => Ok(Cow::Borrowed(f(v)?)),
        Cow::Owned(v) => Ok(Cow::Owned(f(&v)?.clone())),
    }
}

fn index_value<'v>(v: &'v Value, i: &Value) -> EResult<&'v Value> {
    match (v, i) {
        (Value::Array(a), _) => {
            let n = i.as_i64().ok_or_else(|| Fail::Error("an array index must be an integer".into()))?;
            let idx = usize::try_from(n).map_err(|_| Fail::Error(format!("index {n} is out of range")))?;
            a.get(idx).ok_or_else(|| Fail::Error(format!("index {n} is out of range")))
        }
        (Value::Object(_), Value::String(k)) => v.get_ci(k).ok_or_else(|| Fail::Error(format!("property `{k}` does not exist"))),
        _ => err(format!("cannot index {} with {}", v.type_name(), i.type_name())),
    }
}
