//! Compile a policy definition into an AST once; evaluation never re-parses.

use super::aliases::{Alias, AliasCatalog};
use super::expr::{self, Expr, Tmpl};
use super::operators::{self, Op};
use super::path::{self, Path};
use super::PolicyError;
use crate::value::{Map, Value};
use crate::re::Regex;

/// Deepest condition nesting accepted.
pub const MAX_COND_DEPTH: usize = 128;

/// A compiled condition.
#[derive(Debug, Clone)]
pub(crate) enum Cond {
    All(Vec<Cond>),
    Any(Vec<Cond>),
    Not(Box<Cond>),
    Leaf(Box<Leaf>),
}

/// `field|value|count` + one operator.
#[derive(Debug, Clone)]
pub(crate) struct Leaf {
    pub lhs: Lhs,
    pub op: Op,
    pub rhs: Tmpl,
    /// Precompiled pattern when the right side is a constant string.
    pub pat: Option<Regex>,
    /// The right side is a constant without an unknown in it (not looked
    /// for again on every evaluation).
    pub rhs_known: bool,
}

#[derive(Debug, Clone)]
pub(crate) enum Lhs {
    Field(FieldSpec),
    Value(Tmpl),
    Count(Box<Count>),
}

#[derive(Debug, Clone)]
pub(crate) enum FieldSpec {
    Static(FieldRef),
    Dynamic(Expr),
}

/// A resolved `field` reference.
#[derive(Debug, Clone)]
pub(crate) struct FieldRef {
    /// As written.
    pub text: String,
    pub kind: FieldKind,
}

#[derive(Debug, Clone)]
pub(crate) enum FieldKind {
    /// `name`: the last segment of the resource name.
    Name,
    /// `fullName`.
    FullName,
    /// `apiVersion`: the request's API version (else the resource's).
    ApiVersion,
    /// A plain path (type, location, tags…, or a path that is not an alias).
    Path(Path),
    /// An alias from the catalog (one definition per resource type).
    Alias(Vec<Alias>),
    /// Looks like an alias but the catalog at compile time does not know it;
    /// resolved against the evaluation context's catalog.
    Unresolved(String),
}

#[derive(Debug, Clone)]
pub(crate) struct Count {
    pub src: CountSrc,
    pub name: Option<String>,
    pub where_: Option<Cond>,
}

#[derive(Debug, Clone)]
pub(crate) enum CountSrc {
    Field(FieldRef),
    Value(Tmpl),
    Related(Related),
}

/// The cross-resource relation count (see docs/design.md).
#[derive(Debug, Clone)]
pub(crate) struct Related {
    pub out: bool,
    pub type_: Option<String>,
    pub paths: Vec<String>,
}

/// A declared parameter.
#[derive(Debug, Clone)]
pub(crate) struct ParamDef {
    pub name: String,
    pub default: Option<Value>,
}

/// Compiled `then.details`.
#[derive(Debug, Clone)]
pub(crate) struct Details {
    /// Details with expressions, minus `existenceCondition` and the
    /// deployment template (which are reported as written).
    pub tmpl: Tmpl,
    pub existence: Option<Cond>,
    pub type_: Option<Tmpl>,
    pub name: Option<Tmpl>,
}

/// A compiled policy.
#[derive(Debug, Clone)]
pub struct Policy {
    pub(crate) mode: Option<String>,
    pub(crate) display_name: Option<String>,
    pub(crate) params: Vec<ParamDef>,
    pub(crate) cond: Cond,
    pub(crate) effect: Tmpl,
    pub(crate) details: Option<Details>,
    pub(crate) raw_details: Option<Value>,
    pub(crate) uses_related: bool,
    /// `field('…')` calls with a literal name, resolved once against the
    /// embedded alias catalog (empty when compiled against another one).
    pub(crate) fields: Vec<FieldRef>,
}

impl Policy {
    /// Compile a definition, resolving aliases against the embedded catalog.
    pub fn parse(def: &Value) -> Result<Policy, PolicyError> {
        Self::parse_with(def, AliasCatalog::embedded())
    }

    /// Compile a definition: a full definition (`properties.policyRule`), an
    /// object with `policyRule`, or a bare `{if, then}` rule. Aliases are
    /// resolved against `aliases` now (unknown ones again at evaluation).
    pub fn parse_with(def: &Value, aliases: &AliasCatalog) -> Result<Policy, PolicyError> {
        if def.as_object().is_none() {
            return Err(PolicyError::at("", format!("a policy definition must be an object, found {}", def.type_name())));
        }
        // A definition written as an ARM template resource escapes its
        // expressions (`[[parameters('effect')]`); deploying unescapes them.
        let is_arm_resource = def.get_ci("apiVersion").is_some()
            && def
                .get_ci("type")
                .and_then(Value::as_str)
                .is_some_and(|t| t.eq_ignore_ascii_case("Microsoft.Authorization/policyDefinitions"));
        if is_arm_resource {
            let unescaped = unescape_arm(def, 0);
            return Self::compile(&unescaped, aliases);
        }
        Self::compile(def, aliases)
    }

    fn compile(def: &Value, aliases: &AliasCatalog) -> Result<Policy, PolicyError> {
        let (holder, base): (&Value, &str) = match def.get_ci("properties") {
            Some(p) if p.get_ci("policyRule").is_some() => (p, "/properties"),
            _ => (def, ""),
        };
        let (rule, rule_ptr) = match holder.get_ci("policyRule") {
            Some(r) => (r, format!("{base}/policyRule")),
            None => (def, String::new()),
        };
        let mut params = Vec::new();
        if let Some(ps) = holder.get_ci("parameters").and_then(Value::as_object) {
            for (name, p) in ps {
                params.push(ParamDef { name: name.clone(), default: p.get_ci("defaultValue").cloned() });
            }
        }
        let mode = holder.get_ci("mode").and_then(Value::as_str).map(str::to_owned);
        let display_name = holder.get_ci("displayName").and_then(Value::as_str).map(str::to_owned);
        let Some(rule_obj) = rule.as_object() else {
            return Err(PolicyError::at(&rule_ptr, "`policyRule` must be an object"));
        };
        for k in rule_obj.keys() {
            if !k.eq_ignore_ascii_case("if") && !k.eq_ignore_ascii_case("then") {
                return Err(PolicyError::at(&rule_ptr, format!("unexpected key `{k}` in the policy rule")));
            }
        }
        let iff = rule.get_ci("if").ok_or_else(|| PolicyError::at(&rule_ptr, "the policy rule has no `if`"))?;
        let then = rule.get_ci("then").ok_or_else(|| PolicyError::at(&rule_ptr, "the policy rule has no `then`"))?;
        let mut c = Compiler { aliases, uses_related: false };
        let cond = c.cond(iff, &format!("{rule_ptr}/if"), 0)?;
        let then_ptr = format!("{rule_ptr}/then");
        let effect_v = then
            .get_ci("effect")
            .ok_or_else(|| PolicyError::at(&then_ptr, "`then` has no `effect`"))?;
        let effect = Tmpl::compile(effect_v).map_err(|e| PolicyError::at(&format!("{then_ptr}/effect"), e))?;
        if let Tmpl::Const(v) = &effect {
            if v.as_str().is_none() {
                return Err(PolicyError::at(&format!("{then_ptr}/effect"), "`effect` must be a string"));
            }
        }
        let raw_details = then.get_ci("details").cloned();
        let details = match &raw_details {
            Some(d) => Some(c.details(d, &format!("{then_ptr}/details"))?),
            None => None,
        };
        let mut policy = Policy { mode, display_name, params, cond, effect, details, raw_details, uses_related: c.uses_related, fields: Vec::new() };
        if super::aliases::is_embedded(aliases) {
            let mut names = Vec::new();
            field_names_cond(&policy.cond, &mut names, 0);
            field_names_tmpl(&policy.effect, &mut names, 0);
            if let Some(d) = &policy.details {
                field_names_tmpl(&d.tmpl, &mut names, 0);
                for t in [&d.type_, &d.name].into_iter().flatten() {
                    field_names_tmpl(t, &mut names, 0);
                }
                if let Some(e) = &d.existence {
                    field_names_cond(e, &mut names, 0);
                }
            }
            for n in names {
                if !policy.fields.iter().any(|f| f.text == n) {
                    if let Ok(f) = resolve_field(&n, aliases) {
                        policy.fields.push(f);
                    }
                }
            }
        }
        Ok(policy)
    }

    /// The resolved `field('name')` of a literal name, when it was resolved
    /// at compile time against `catalog` (the same one).
    pub(crate) fn cached_field(&self, name: &str, catalog: &AliasCatalog) -> Option<&FieldRef> {
        if self.fields.is_empty() || !super::aliases::is_embedded(catalog) {
            return None;
        }
        self.fields.iter().find(|f| f.text == name)
    }

    /// The definition's `mode` (e.g. `All`, `Indexed`), if given.
    pub fn mode(&self) -> Option<&str> {
        self.mode.as_deref()
    }

    /// The definition's display name, if given.
    pub fn display_name(&self) -> Option<&str> {
        self.display_name.as_deref()
    }

    /// `true` if the rule uses the cross-resource `related` count (not
    /// expressible as a plain Azure Policy definition).
    pub fn uses_related(&self) -> bool {
        self.uses_related
    }

    /// Names of the declared parameters.
    pub fn parameter_names(&self) -> impl Iterator<Item = &str> {
        self.params.iter().map(|p| p.name.as_str())
    }
}

struct Compiler<'c> {
    aliases: &'c AliasCatalog,
    uses_related: bool,
}

const LOGICAL: [&str; 3] = ["allOf", "anyOf", "not"];

impl Compiler<'_> {
    fn cond(&mut self, v: &Value, ptr: &str, depth: usize) -> Result<Cond, PolicyError> {
        if depth > MAX_COND_DEPTH {
            return Err(PolicyError::at(ptr, "conditions nested too deeply"));
        }
        let Some(m) = v.as_object() else {
            return Err(PolicyError::at(ptr, format!("a condition must be an object, found {}", v.type_name())));
        };
        let find = |name: &str| m.iter().find(|(k, _)| k.eq_ignore_ascii_case(name));
        for logical in LOGICAL {
            if let Some((k, inner)) = find(logical) {
                if m.len() != 1 {
                    return Err(PolicyError::at(ptr, format!("`{k}` must be the only key of its condition")));
                }
                let p = format!("{ptr}/{k}");
                return match logical {
                    "not" => {
                        if !matches!(inner, Value::Object(_)) {
                            return Err(PolicyError::at(&p, "`not` must hold one condition object"));
                        }
                        Ok(Cond::Not(Box::new(self.cond(inner, &p, depth + 1)?)))
                    }
                    _ => {
                        let Some(items) = inner.as_array() else {
                            return Err(PolicyError::at(&p, format!("`{k}` must be an array of conditions")));
                        };
                        let mut out = Vec::with_capacity(items.len());
                        for (i, c) in items.iter().enumerate() {
                            out.push(self.cond(c, &format!("{p}/{i}"), depth + 1)?);
                        }
                        Ok(if logical == "allOf" { Cond::All(out) } else { Cond::Any(out) })
                    }
                };
            }
        }
        // a leaf
        let mut lhs: Option<Lhs> = None;
        let mut op: Option<(Op, &Value, String)> = None;
        for (k, val) in m {
            let p = format!("{ptr}/{}", escape_ptr(k));
            let set_lhs = |lhs: &mut Option<Lhs>, new: Lhs| -> Result<(), PolicyError> {
                if lhs.is_some() {
                    return Err(PolicyError::at(&p, "a condition needs exactly one of `field`, `value`, `count`"));
                }
                *lhs = Some(new);
                Ok(())
            };
            if k.eq_ignore_ascii_case("field") {
                let f = self.field_spec(val, &p)?;
                set_lhs(&mut lhs, Lhs::Field(f))?;
            } else if k.eq_ignore_ascii_case("value") {
                let t = Tmpl::compile(val).map_err(|e| PolicyError::at(&p, e))?;
                set_lhs(&mut lhs, Lhs::Value(t))?;
            } else if k.eq_ignore_ascii_case("count") {
                let c = self.count(val, &p, depth)?;
                set_lhs(&mut lhs, Lhs::Count(Box::new(c)))?;
            } else if let Some(o) = Op::from_name(k) {
                if op.is_some() {
                    return Err(PolicyError::at(&p, "a condition needs exactly one operator"));
                }
                op = Some((o, val, p));
            } else {
                return Err(PolicyError::at(&p, format!("unknown key `{k}` in a condition")));
            }
        }
        let lhs = lhs.ok_or_else(|| PolicyError::at(ptr, "a condition needs one of `field`, `value`, `count`, `allOf`, `anyOf`, `not`"))?;
        let (op, rhs_v, rhs_ptr) = op.ok_or_else(|| PolicyError::at(ptr, "a condition needs an operator such as `equals`"))?;
        let rhs = Tmpl::compile_shallow(rhs_v).map_err(|e| PolicyError::at(&rhs_ptr, e))?;
        let pat = match (&rhs, op.is_pattern()) {
            (Tmpl::Const(Value::String(s)), true) => {
                Some(operators::compile_pattern(op, s).map_err(|e| PolicyError::at(&rhs_ptr, e))?)
            }
            _ => None,
        };
        if op == Op::Exists {
            if let Tmpl::Const(v) = &rhs {
                if operators::truthy(v).is_none() {
                    return Err(PolicyError::at(&rhs_ptr, "`exists` must be true or false"));
                }
            }
        }
        let rhs_known = matches!(&rhs, Tmpl::Const(v) if v.first_unknown().is_none());
        Ok(Cond::Leaf(Box::new(Leaf { lhs, op, rhs, pat, rhs_known })))
    }

    fn field_spec(&mut self, v: &Value, ptr: &str) -> Result<FieldSpec, PolicyError> {
        let Some(s) = v.as_str() else {
            return Err(PolicyError::at(ptr, "`field` must be a string"));
        };
        match expr::compile_str(s).map_err(|e| PolicyError::at(ptr, e))? {
            Some(e) => Ok(FieldSpec::Dynamic(e)),
            None => Ok(FieldSpec::Static(resolve_field(s, self.aliases).map_err(|e| PolicyError::at(ptr, e))?)),
        }
    }

    fn count(&mut self, v: &Value, ptr: &str, depth: usize) -> Result<Count, PolicyError> {
        let Some(m) = v.as_object() else {
            return Err(PolicyError::at(ptr, "`count` must be an object"));
        };
        let mut src: Option<CountSrc> = None;
        let mut name = None;
        let mut where_ = None;
        for (k, val) in m {
            let p = format!("{ptr}/{}", escape_ptr(k));
            let new_src = if k.eq_ignore_ascii_case("field") {
                let Some(s) = val.as_str() else { return Err(PolicyError::at(&p, "`count.field` must be a string")) };
                let f = resolve_field(s, self.aliases).map_err(|e| PolicyError::at(&p, e))?;
                check_count_field(s).map_err(|e| PolicyError::at(&p, e))?;
                Some(CountSrc::Field(f))
            } else if k.eq_ignore_ascii_case("value") {
                Some(CountSrc::Value(Tmpl::compile(val).map_err(|e| PolicyError::at(&p, e))?))
            } else if k.eq_ignore_ascii_case("related") {
                self.uses_related = true;
                Some(CountSrc::Related(related(val, &p)?))
            } else if k.eq_ignore_ascii_case("name") {
                let Some(s) = val.as_str() else { return Err(PolicyError::at(&p, "`count.name` must be a string")) };
                name = Some(s.to_owned());
                None
            } else if k.eq_ignore_ascii_case("where") {
                where_ = Some(self.cond(val, &p, depth + 1)?);
                None
            } else {
                return Err(PolicyError::at(&p, format!("unknown key `{k}` in `count`")));
            };
            if let Some(ns) = new_src {
                if src.is_some() {
                    return Err(PolicyError::at(&p, "`count` needs exactly one of `field`, `value`, `related`"));
                }
                src = Some(ns);
            }
        }
        let src = src.ok_or_else(|| PolicyError::at(ptr, "`count` needs one of `field`, `value`, `related`"))?;
        if name.is_some() && !matches!(src, CountSrc::Value(_)) {
            return Err(PolicyError::at(ptr, "`count.name` is only allowed with `count.value`"));
        }
        Ok(Count { src, name, where_ })
    }

    fn details(&mut self, d: &Value, ptr: &str) -> Result<Details, PolicyError> {
        let mut existence = None;
        let mut type_ = None;
        let mut name = None;
        let tmpl = match d {
            Value::Object(m) => {
                let mut items = Vec::new();
                for (k, v) in m {
                    let p = format!("{ptr}/{}", escape_ptr(k));
                    if k.eq_ignore_ascii_case("existenceCondition") {
                        // evaluated against related resources; not part of the reported details
                        existence = Some(self.cond(v, &p, 0)?);
                    } else if k.eq_ignore_ascii_case("deployment") {
                        items.push((k.clone(), deployment_tmpl(v).map_err(|e| PolicyError::at(&p, e))?));
                    } else {
                        if k.eq_ignore_ascii_case("operations") {
                            self.check_operations(v, &p)?;
                        }
                        let t = expr::compile_details(v).map_err(|e| PolicyError::at(&p, e))?;
                        if k.eq_ignore_ascii_case("type") {
                            type_ = Some(t.clone());
                        } else if k.eq_ignore_ascii_case("name") {
                            name = Some(t.clone());
                        }
                        items.push((k.clone(), t));
                    }
                }
                Tmpl::Object(items)
            }
            other => expr::compile_details(other).map_err(|e| PolicyError::at(ptr, e))?,
        };
        Ok(Details { tmpl, existence, type_, name })
    }

    /// `modify` operations may only change modifiable aliases (when the
    /// catalog records it).
    fn check_operations(&self, ops: &Value, ptr: &str) -> Result<(), PolicyError> {
        for (i, op) in ops.as_array().unwrap_or_default().iter().enumerate() {
            let Some(f) = op.get_ci("field").and_then(Value::as_str) else { continue };
            if f.starts_with('[') {
                continue;
            }
            let defs = self.aliases.get_all(f.trim());
            if !defs.is_empty() && defs.iter().all(|a| a.modifiable == Some(false)) {
                return Err(PolicyError::at(
                    &format!("{ptr}/{i}/field"),
                    format!("alias `{f}` is not modifiable and cannot be used in a modify operation"),
                ));
            }
        }
        Ok(())
    }
}

/// The deployment of a deployIfNotExists: only `properties.parameters`
/// holds policy expressions; the template keeps its own ARM expressions.
fn deployment_tmpl(v: &Value) -> Result<Tmpl, String> {
    let Some(m) = v.as_object() else { return Ok(Tmpl::Const(v.clone())) };
    let mut items = Vec::new();
    for (k, val) in m {
        if k.eq_ignore_ascii_case("properties") {
            if let Some(pm) = val.as_object() {
                let mut inner = Vec::new();
                for (pk, pv) in pm {
                    if pk.eq_ignore_ascii_case("parameters") {
                        inner.push((pk.clone(), Tmpl::compile(pv)?));
                    } else {
                        inner.push((pk.clone(), Tmpl::Const(pv.clone())));
                    }
                }
                items.push((k.clone(), Tmpl::Object(inner)));
                continue;
            }
        }
        items.push((k.clone(), Tmpl::Const(val.clone())));
    }
    Ok(Tmpl::Object(items))
}

fn related(v: &Value, ptr: &str) -> Result<Related, PolicyError> {
    let Some(m) = v.as_object() else { return Err(PolicyError::at(ptr, "`related` must be an object")) };
    let mut out = None;
    let mut type_ = None;
    let mut paths = Vec::new();
    for (k, val) in m {
        let p = format!("{ptr}/{}", escape_ptr(k));
        match k.to_ascii_lowercase().as_str() {
            "direction" => {
                out = match val.as_str().map(str::to_ascii_lowercase).as_deref() {
                    Some("out") => Some(true),
                    Some("in") => Some(false),
                    _ => return Err(PolicyError::at(&p, "`direction` must be `in` or `out`")),
                }
            }
            "type" => {
                type_ = Some(val.as_str().ok_or_else(|| PolicyError::at(&p, "`type` must be a string"))?.to_owned());
            }
            "path" => match val {
                Value::String(s) => paths.push(s.clone()),
                Value::Array(a) => {
                    for (i, x) in a.iter().enumerate() {
                        let s = x.as_str().ok_or_else(|| PolicyError::at(&format!("{p}/{i}"), "`path` entries must be strings"))?;
                        paths.push(s.to_owned());
                    }
                }
                _ => return Err(PolicyError::at(&p, "`path` must be a string or an array of strings")),
            },
            _ => return Err(PolicyError::at(&p, format!("unknown key `{k}` in `related`"))),
        }
    }
    let out = out.ok_or_else(|| PolicyError::at(ptr, "`related` needs `direction`"))?;
    if paths.is_empty() {
        return Err(PolicyError::at(ptr, "`related` needs `path`"));
    }
    Ok(Related { out, type_, paths })
}

/// Resolve a field name: the resource's own fields, then an alias, then a
/// plain property path.
pub(crate) fn resolve_field(s: &str, aliases: &AliasCatalog) -> Result<FieldRef, String> {
    let text = s.to_owned();
    let s = s.trim();
    let lower = s.to_ascii_lowercase();
    let kind = match lower.as_str() {
        "name" => FieldKind::Name,
        "fullname" => FieldKind::FullName,
        "apiversion" => FieldKind::ApiVersion,
        _ => {
            let defs = aliases.get_all(s);
            if !defs.is_empty() {
                FieldKind::Alias(defs.to_vec())
            } else if looks_like_alias(s) {
                FieldKind::Unresolved(s.to_owned())
            } else {
                FieldKind::Path(path::parse(s)?)
            }
        }
    };
    Ok(FieldRef { text, kind })
}

/// Literal names of `field('…')` calls in a condition (bounded depth).
fn field_names_cond(c: &Cond, out: &mut Vec<String>, depth: usize) {
    if depth > MAX_COND_DEPTH * 2 {
        return;
    }
    let d = depth.saturating_add(1);
    match c {
        Cond::All(items) | Cond::Any(items) => items.iter().for_each(|x| field_names_cond(x, out, d)),
        Cond::Not(inner) => field_names_cond(inner, out, d),
        Cond::Leaf(l) => {
            field_names_tmpl(&l.rhs, out, d);
            match &l.lhs {
                Lhs::Field(FieldSpec::Dynamic(e)) => field_names_expr(e, out, d),
                Lhs::Field(FieldSpec::Static(_)) => {}
                Lhs::Value(t) => field_names_tmpl(t, out, d),
                Lhs::Count(cnt) => {
                    if let CountSrc::Value(t) = &cnt.src {
                        field_names_tmpl(t, out, d);
                    }
                    if let Some(w) = &cnt.where_ {
                        field_names_cond(w, out, d);
                    }
                }
            }
        }
    }
}

fn field_names_tmpl(t: &Tmpl, out: &mut Vec<String>, depth: usize) {
    if depth > MAX_COND_DEPTH * 2 {
        return;
    }
    let d = depth.saturating_add(1);
    match t {
        Tmpl::Const(_) => {}
        Tmpl::Expr(e) => field_names_expr(e, out, d),
        Tmpl::Array(items) => items.iter().for_each(|x| field_names_tmpl(x, out, d)),
        Tmpl::Object(items) => items.iter().for_each(|(_, x)| field_names_tmpl(x, out, d)),
    }
}

fn field_names_expr(e: &Expr, out: &mut Vec<String>, depth: usize) {
    if depth > MAX_COND_DEPTH * 2 {
        return;
    }
    let d = depth.saturating_add(1);
    match e {
        Expr::Lit(_) => {}
        Expr::Call(name, args) => {
            if let (true, [Expr::Lit(Value::String(s))]) = (name == "field", args.as_slice()) {
                out.push(s.clone());
            }
            args.iter().for_each(|x| field_names_expr(x, out, d));
        }
        Expr::Prop(base, _) => field_names_expr(base, out, d),
        Expr::Index(base, idx) => {
            field_names_expr(base, out, d);
            field_names_expr(idx, out, d);
        }
    }
}

/// `count.field` must end with an unquoted `[*]` and must not be a tag.
fn check_count_field(s: &str) -> Result<(), String> {
    let t = s.trim();
    let segs = path::parse_strict(t)?;
    if !matches!(segs.last(), Some(path::Seg::Wild)) {
        return Err(format!("`count.field` must end with an unquoted [*], found `{s}`"));
    }
    if t.get(..5).is_some_and(|p| p.eq_ignore_ascii_case("tags.")) {
        return Err(format!("count over a tag field is not supported (`{s}`)"));
    }
    Ok(())
}

/// An alias name has a namespace with a dot and a `/` before any bracket.
fn looks_like_alias(s: &str) -> bool {
    let head = s.split('[').next().unwrap_or_default();
    match head.split_once('/') {
        Some((ns, _)) => ns.contains('.') && !ns.starts_with("tags"),
        None => false,
    }
}

/// `[[x` → `[x` in every string (what ARM does when it deploys a resource).
fn unescape_arm(v: &Value, depth: usize) -> Value {
    if depth > MAX_COND_DEPTH * 2 {
        return v.clone();
    }
    match v {
        Value::String(s) if s.starts_with("[[") => Value::String(s.get(1..).unwrap_or_default().to_owned()),
        Value::Array(a) => Value::Array(a.iter().map(|x| unescape_arm(x, depth + 1)).collect()),
        Value::Object(m) => Value::Object(m.iter().map(|(k, x)| (k.clone(), unescape_arm(x, depth + 1))).collect()),
        other => other.clone(),
    }
}

/// Escape a key for a JSON pointer.
pub(crate) fn escape_ptr(k: &str) -> String {
    k.replace('~', "~0").replace('/', "~1")
}

/// Parameter values given as `{name: value}` or as an ARM parameters file
/// (`{"parameters": {name: {"value": v}}}`), as a plain map.
pub fn parameter_values(v: &Value) -> Map {
    let inner = match v.get("parameters").and_then(Value::as_object) {
        Some(p) if v.get("$schema").is_some() || p.values().all(|x| x.get("value").is_some() || x.get("reference").is_some()) => p,
        _ => return v.as_object().cloned().unwrap_or_default(),
    };
    inner
        .iter()
        .map(|(k, x)| {
            let val = match x.get("value") {
                Some(v) => v.clone(),
                None => Value::unknown(format!("parameter `{k}` is a Key Vault reference")),
            };
            (k.clone(), val)
        })
        .collect()
}
