//! Evaluation of HCL expressions into [`Value`]s, without running Terraform.
//!
//! What only the provider or the cloud can know (a `random_string`'s result,
//! a storage account's endpoint, a data source's attributes) evaluates to
//! [`Value::Unknown`] with the reason. An expression that Terraform itself
//! would reject (an attribute of `null`, a missing variable) evaluates to an
//! unknown whose reason starts with [`ERROR_PREFIX`], so `try()` and `can()`
//! can tell the two apart.

use super::funcs;
use crate::value::{Map, Value};
use hcl::expr::{BinaryOperator, Operation, TemplateExpr, TraversalOperator, UnaryOperator};
use hcl::template::{Directive, Element, Template};
use hcl::{Expression, ObjectKey};
use std::collections::{HashMap, HashSet};
use std::str::FromStr;

/// Reason prefix of unknowns that stand for an evaluation error.
pub const ERROR_PREFIX: &str = "cannot evaluate: ";

/// Key marking an object that stands for a Terraform resource or data source;
/// reading an attribute it does not have gives "known after apply" instead
/// of an error. Removed before a value leaves the evaluator's world.
pub const RESOURCE_MARK: &str = "\u{0}tf-resource";

/// Expressions nested deeper than this evaluate to an error unknown.
const MAX_DEPTH: usize = 128;
/// Largest local file `file()` / `templatefile()` read.
pub const MAX_LOCAL_FILE_BYTES: u64 = 1 << 20;
/// Upper bound on collection sizes built by `range`, `for` and friends.
pub const MAX_ITEMS: usize = 10_000;
/// Largest value one expression may produce (elements, nested ones counted):
/// keeps self-referencing locals (`l1 = [l0, l0]`, `l2 = [l1, l1]`, …) from
/// doubling their way to exhausting memory, or time: every such value is
/// copied and measured, so a chain of doubling locals costs about ten times
/// this in element copies (100 000 keeps it well under a second; ten times
/// [`MAX_ITEMS`], the largest collection `range` or `for` builds).
pub const MAX_VALUE_NODES: usize = 100_000;
/// Largest total text of one value, in bytes (Azure's own template limit is 4 MB).
pub const MAX_VALUE_BYTES: usize = 16 << 20;

/// Whether `v` is larger than [`MAX_VALUE_NODES`] / [`MAX_VALUE_BYTES`];
/// stops counting as soon as it is.
pub fn exceeds_budget(v: &Value) -> bool {
    fn walk(v: &Value, nodes: &mut usize, bytes: &mut usize) -> bool {
        *nodes = nodes.saturating_add(1);
        if *nodes > MAX_VALUE_NODES || *bytes > MAX_VALUE_BYTES {
            return true;
        }
        match v {
            Value::String(s) => {
                *bytes = bytes.saturating_add(s.len());
                *bytes > MAX_VALUE_BYTES
            }
            Value::Array(a) => a.iter().any(|x| walk(x, nodes, bytes)),
            Value::Object(m) => m.iter().any(|(k, x)| {
                *bytes = bytes.saturating_add(k.len());
                walk(x, nodes, bytes)
            }),
            _ => false,
        }
    }
    match v {
        Value::Array(_) | Value::Object(_) => walk(v, &mut 0, &mut 0),
        Value::String(s) => s.len() > MAX_VALUE_BYTES,
        _ => false,
    }
}

/// An error unknown.
pub fn err(msg: impl std::fmt::Display) -> Value {
    Value::unknown(format!("{ERROR_PREFIX}{msg}"))
}

/// `true` for an error unknown.
pub fn is_error(v: &Value) -> bool {
    matches!(v, Value::Unknown(u) if u.reason.starts_with(ERROR_PREFIX))
}

/// A local value: not yet evaluated, being evaluated (a cycle if seen again), or done.
#[derive(Debug, Clone)]
enum LocalState {
    InProgress,
    Done(Value),
}

/// The names an expression of one module instance can see.
#[derive(Debug, Default)]
pub struct Scope {
    /// `var.*`.
    pub vars: Map,
    /// `local.*` expressions (evaluated lazily, memoised).
    pub local_exprs: HashMap<String, Expression>,
    locals: HashMap<String, LocalState>,
    /// Locals being evaluated, outermost first (the path a cycle is reported with).
    local_path: Vec<String>,
    /// Cycles among locals met so far, each as the names along it, first repeated last
    /// (`["a", "b", "a"]`).
    pub local_cycles: Vec<Vec<String>>,
    /// Resource types → name → value (object, list for `count`, map for `for_each`).
    pub resources: Map,
    /// Data source types → name → value.
    pub data: Map,
    /// Module call name → outputs.
    pub modules: Map,
    /// `path.module`, `path.root`, `path.cwd`.
    pub path: Map,
    /// Names bound by `count`, `each`, `for` and `dynamic` blocks (innermost last).
    stack: Vec<(String, Value)>,
    depth: usize,
}

impl Scope {
    /// Evaluate an expression.
    pub fn eval(&mut self, e: &Expression) -> Value {
        if self.depth >= MAX_DEPTH {
            return err("expression nested too deeply");
        }
        self.depth = self.depth.saturating_add(1);
        let v = self.eval_inner(e);
        self.depth = self.depth.saturating_sub(1);
        if exceeds_budget(&v) {
            return err(format!("value larger than {MAX_VALUE_NODES} elements or {MAX_VALUE_BYTES} bytes of text"));
        }
        v
    }

    /// Bind a name (`count`, `each`, a `for` variable) for the duration of `f`.
    pub fn with<T>(&mut self, bindings: Vec<(String, Value)>, f: impl FnOnce(&mut Scope) -> T) -> T {
        let n = bindings.len();
        self.stack.extend(bindings);
        let out = f(self);
        let keep = self.stack.len().saturating_sub(n);
        self.stack.truncate(keep);
        out
    }

    /// Forget memoised locals (their inputs changed).
    pub fn reset_locals(&mut self) {
        self.locals.clear();
    }

    fn eval_inner(&mut self, e: &Expression) -> Value {
        match e {
            Expression::Null => Value::Null,
            Expression::Bool(b) => Value::Bool(*b),
            Expression::Number(n) => match n.as_i64() {
                Some(i) if !n.is_f64() => Value::Int(i),
                _ => n.as_f64().map_or(Value::Null, Value::Float),
            },
            Expression::String(s) => Value::String(s.clone()),
            Expression::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for i in items {
                    out.push(self.eval(i));
                }
                Value::Array(out)
            }
            Expression::Object(obj) => {
                let mut m = Map::new();
                for (k, v) in obj.iter() {
                    let key = match k {
                        ObjectKey::Identifier(id) => id.as_str().to_owned(),
                        ObjectKey::Expression(Expression::Variable(var)) => var.as_str().to_owned(),
                        ObjectKey::Expression(ke) => match self.eval(ke) {
                            Value::Unknown(u) => return Value::Unknown(u),
                            other => match to_string(&other) {
                                Some(s) => s,
                                None => return err("object key is not a string"),
                            },
                        },
                        _ => return err("unsupported object key"),
                    };
                    let val = self.eval(v);
                    m.insert(key, val);
                }
                Value::Object(m)
            }
            Expression::TemplateExpr(t) => self.eval_template_expr(t),
            Expression::Variable(v) => self.lookup_root(v.as_str(), None).0,
            Expression::Traversal(t) => self.eval_traversal(&t.expr, &t.operators),
            Expression::FuncCall(call) => {
                let name = call.name.name.as_str();
                if call.name.is_namespaced() {
                    return Value::unknown(format!("provider function `{name}` is evaluated by the provider"));
                }
                match name {
                    "try" => {
                        let mut last = err("no argument of `try` could be evaluated");
                        for a in &call.args {
                            let v = self.eval(a);
                            if !is_error(&v) && !contains_error(&v, 0) {
                                return v;
                            }
                            last = v;
                        }
                        last
                    }
                    "can" => match call.args.first().map(|a| self.eval(a)) {
                        Some(v) if is_error(&v) => Value::Bool(false),
                        Some(Value::Unknown(u)) => Value::Unknown(u),
                        Some(_) => Value::Bool(true),
                        None => err("`can` needs one argument"),
                    },
                    _ => {
                        let mut args = Vec::with_capacity(call.args.len());
                        for a in &call.args {
                            args.push(self.eval(a));
                        }
                        if matches!(name, "file" | "fileexists" | "templatefile") && !call.expand_final {
                            return self.file_function(name, args);
                        }
                        if call.expand_final {
                            match args.pop() {
                                Some(Value::Array(rest)) => args.extend(rest),
                                Some(u @ Value::Unknown(_)) => return u,
                                Some(_) => return err(format!("`{name}(...)` expands a value that is not a list")),
                                None => {}
                            }
                        }
                        let base = self.path.get("module").and_then(Value::as_str).map(str::to_owned);
                        funcs::call(name, args, base.as_deref())
                    }
                }
            }
            Expression::Parenthesis(inner) => self.eval(inner),
            Expression::Conditional(c) => match self.eval(&c.cond_expr) {
                Value::Bool(true) => self.eval(&c.true_expr),
                Value::Bool(false) => self.eval(&c.false_expr),
                Value::String(s) if s == "true" => self.eval(&c.true_expr),
                Value::String(s) if s == "false" => self.eval(&c.false_expr),
                u @ Value::Unknown(_) => {
                    // Both branches equal: the condition does not matter.
                    let t = self.eval(&c.true_expr);
                    let f = self.eval(&c.false_expr);
                    if t == f && !t.is_unknown() {
                        t
                    } else {
                        u
                    }
                }
                other => err(format!("condition is {}, not a bool", other.type_name())),
            },
            Expression::Operation(op) => self.eval_operation(op),
            Expression::ForExpr(f) => self.eval_for(f),
            _ => err("unsupported expression"),
        }
    }

    /// `file`, `fileexists`, `templatefile` on local files: relative paths
    /// from `path.root` (Terraform's working directory); only files inside
    /// the root or the current module folder, at most [`MAX_LOCAL_FILE_BYTES`].
    fn file_function(&mut self, name: &str, args: Vec<Value>) -> Value {
        let arg = match args.first() {
            Some(Value::String(s)) => s.clone(),
            Some(u @ Value::Unknown(_)) => return u.clone(),
            _ => return err(format!("`{name}` needs a path")),
        };
        let dir_of = |k: &str| self.path.get(k).and_then(Value::as_str).map(std::path::PathBuf::from);
        let Some(root) = dir_of("root") else {
            return Value::unknown(format!("`{name}(\"{arg}\")` reads a file; no configuration folder is known"));
        };
        let given = std::path::Path::new(&arg);
        let full = if given.is_absolute() { given.to_path_buf() } else { root.join(given) };
        let Ok(real) = full.canonicalize() else {
            return if name == "fileexists" { Value::Bool(false) } else { err(format!("no file `{arg}`")) };
        };
        let inside = [dir_of("root"), dir_of("module")]
            .into_iter()
            .flatten()
            .filter_map(|d| d.canonicalize().ok())
            .any(|d| real.starts_with(d));
        if !inside {
            return Value::unknown(format!("`{name}(\"{arg}\")` reads a file outside the configuration; not read"));
        }
        if name == "fileexists" {
            return Value::Bool(real.is_file());
        }
        match std::fs::metadata(&real) {
            Ok(m) if m.is_file() && m.len() <= MAX_LOCAL_FILE_BYTES => {}
            Ok(m) if m.is_file() => {
                return Value::unknown(format!("`{name}(\"{arg}\")`: file larger than {MAX_LOCAL_FILE_BYTES} bytes; not read"))
            }
            _ => return err(format!("`{arg}` is not a file")),
        }
        let text = match std::fs::read(&real).map(String::from_utf8) {
            Ok(Ok(t)) => t,
            _ => return err(format!("`{arg}` is not readable UTF-8 text")),
        };
        if name == "file" {
            return Value::String(text);
        }
        // templatefile: the template sees only the variables it is given.
        let vars = match args.get(1) {
            Some(Value::Object(m)) => m.clone(),
            None => Map::new(),
            Some(u @ Value::Unknown(_)) => return u.clone(),
            Some(_) => return err("`templatefile` variables must be an object"),
        };
        let tpl = match Template::from_str(&text) {
            Ok(t) => t,
            Err(e) => return err(format!("bad template `{arg}`: {e}")),
        };
        let mut inner = Scope { path: self.path.clone(), depth: self.depth.saturating_add(8), ..Scope::default() };
        let bindings: Vec<(String, Value)> = vars.into_iter().collect();
        inner.with(bindings, |s| s.eval_template(&tpl))
    }

    fn eval_template_expr(&mut self, t: &TemplateExpr) -> Value {
        let raw = match t {
            TemplateExpr::QuotedString(s) => s.clone(),
            TemplateExpr::Heredoc(h) => {
                if matches!(h.strip, hcl::expr::HeredocStripMode::Indent) {
                    dedent(&h.template)
                } else {
                    h.template.clone()
                }
            }
        };
        match Template::from_str(&raw) {
            Ok(tpl) => {
                // A template that is exactly one interpolation keeps the value's type.
                if let [Element::Interpolation(i)] = tpl.elements() {
                    return self.eval(&i.expr);
                }
                self.eval_template(&tpl)
            }
            Err(e) => err(format!("bad template: {e}")),
        }
    }

    fn eval_template(&mut self, tpl: &Template) -> Value {
        let mut out = String::new();
        for el in tpl.elements() {
            match el {
                Element::Literal(s) => out.push_str(s),
                Element::Interpolation(i) => match self.eval(&i.expr) {
                    Value::Unknown(u) => return Value::Unknown(u),
                    v => match to_string(&v) {
                        Some(s) => out.push_str(&s),
                        None => return err(format!("cannot interpolate a {}", v.type_name())),
                    },
                },
                Element::Directive(d) => match d.as_ref() {
                    Directive::If(ifd) => {
                        let part = match self.eval(&ifd.cond_expr) {
                            Value::Bool(true) => self.eval_template(&ifd.true_template),
                            Value::Bool(false) => match &ifd.false_template {
                                Some(f) => self.eval_template(f),
                                None => Value::String(String::new()),
                            },
                            Value::Unknown(u) => return Value::Unknown(u),
                            _ => return err("template `if` condition is not a bool"),
                        };
                        match part {
                            Value::String(s) => out.push_str(&s),
                            other => return other,
                        }
                    }
                    Directive::For(ford) => {
                        let coll = self.eval(&ford.collection_expr);
                        let pairs = match iter_pairs(&coll) {
                            Ok(p) => p,
                            Err(v) => return v,
                        };
                        for (k, v) in pairs {
                            let mut b = vec![(ford.value_var.as_str().to_owned(), v)];
                            if let Some(kv) = &ford.key_var {
                                b.push((kv.as_str().to_owned(), k));
                            }
                            let part = self.with(b, |s| s.eval_template(&ford.template));
                            match part {
                                Value::String(s) => out.push_str(&s),
                                other => return other,
                            }
                            if out.len() > 1 << 20 {
                                return err("template output too large");
                            }
                        }
                    }
                },
            }
        }
        Value::String(out)
    }

    fn eval_operation(&mut self, op: &Operation) -> Value {
        match op {
            Operation::Unary(u) => {
                let v = self.eval(&u.expr);
                match (u.operator, v) {
                    (_, Value::Unknown(x)) => Value::Unknown(x),
                    (UnaryOperator::Not, Value::Bool(b)) => Value::Bool(!b),
                    (UnaryOperator::Neg, Value::Int(i)) => Value::Int(i.saturating_neg()),
                    (UnaryOperator::Neg, Value::Float(f)) => Value::Float(-f),
                    (o, v) => err(format!("cannot apply `{o}` to a {}", v.type_name())),
                }
            }
            Operation::Binary(b) => {
                let l = self.eval(&b.lhs_expr);
                // Short-circuit the boolean operators on a known left side.
                match (b.operator, &l) {
                    (BinaryOperator::And, Value::Bool(false)) => return Value::Bool(false),
                    (BinaryOperator::Or, Value::Bool(true)) => return Value::Bool(true),
                    _ => {}
                }
                let r = self.eval(&b.rhs_expr);
                binary(b.operator, l, r)
            }
        }
    }

    fn eval_for(&mut self, f: &hcl::expr::ForExpr) -> Value {
        let coll = self.eval(&f.collection_expr);
        let pairs = match iter_pairs(&coll) {
            Ok(p) => p,
            Err(v) => return v,
        };
        let mut list = Vec::new();
        let mut obj = Map::new();
        for (k, v) in pairs {
            let mut b = vec![(f.value_var.as_str().to_owned(), v)];
            if let Some(kv) = &f.key_var {
                b.push((kv.as_str().to_owned(), k));
            }
            let step = self.with(b, |s| {
                if let Some(c) = &f.cond_expr {
                    match s.eval(c) {
                        Value::Bool(true) => {}
                        Value::Bool(false) => return Ok(None),
                        u @ Value::Unknown(_) => return Err(u),
                        _ => return Err(err("`for` condition is not a bool")),
                    }
                }
                let key = match &f.key_expr {
                    Some(ke) => match s.eval(ke) {
                        u @ Value::Unknown(_) => return Err(u),
                        kv => match to_string(&kv) {
                            Some(k) => Some(k),
                            None => return Err(err("`for` key is not a string")),
                        },
                    },
                    None => None,
                };
                Ok(Some((key, s.eval(&f.value_expr))))
            });
            match step {
                Ok(None) => {}
                Ok(Some((Some(key), val))) => {
                    if f.grouping {
                        match obj.entry(key).or_insert_with(|| Value::Array(Vec::new())) {
                            Value::Array(a) => a.push(val),
                            _ => return err("`for` grouping"),
                        }
                    } else {
                        obj.insert(key, val);
                    }
                }
                Ok(Some((None, val))) => list.push(val),
                Err(v) => return v,
            }
        }
        if f.key_expr.is_some() {
            Value::Object(obj)
        } else {
            Value::Array(list)
        }
    }

    /// The value of a root name; for `local.x` the next operator is consumed
    /// (returned as `true`) so locals are evaluated one at a time.
    fn lookup_root(&mut self, name: &str, next: Option<&TraversalOperator>) -> (Value, bool) {
        if let Some((_, v)) = self.stack.iter().rev().find(|(n, _)| n == name) {
            return (v.clone(), false);
        }
        match name {
            "var" => (Value::Object(self.vars.clone()), false),
            "local" => match next {
                Some(TraversalOperator::GetAttr(id)) => (self.local(id.as_str()), true),
                _ => (err("`local` must be followed by a name"), true),
            },
            "path" => (Value::Object(self.path.clone()), false),
            "terraform" => {
                let mut m = Map::new();
                m.insert("workspace".to_owned(), Value::String("default".to_owned()));
                (Value::Object(m), false)
            }
            "module" => (Value::Object(self.modules.clone()), false),
            "data" => (Value::Object(self.data.clone()), false),
            "count" | "each" | "self" => (err(format!("`{name}` is not available here")), false),
            _ => match self.resources.get(name) {
                Some(v) => (v.clone(), false),
                None => (err(format!("unknown name `{name}`")), false),
            },
        }
    }

    /// The value of `local.NAME` (evaluated once, then memoised; a cycle gives an
    /// error unknown and is recorded in [`Scope::local_cycles`]).
    pub fn local(&mut self, name: &str) -> Value {
        match self.locals.get(name) {
            Some(LocalState::Done(v)) => return v.clone(),
            Some(LocalState::InProgress) => {
                let start = self.local_path.iter().position(|n| n == name).unwrap_or(0);
                let mut cycle: Vec<String> = self.local_path.get(start..).unwrap_or_default().to_vec();
                cycle.push(name.to_owned());
                let chain = cycle.iter().map(|n| format!("local.{n}")).collect::<Vec<_>>().join(" → ");
                if !self.local_cycles.contains(&cycle) {
                    self.local_cycles.push(cycle);
                }
                return err(format!("`local.{name}` refers to itself through {chain}"));
            }
            None => {}
        }
        let Some(expr) = self.local_exprs.get(name).cloned() else {
            return err(format!("`local.{name}` is not declared"));
        };
        self.locals.insert(name.to_owned(), LocalState::InProgress);
        // Locals are evaluated outside any `count`/`each`/`for` binding.
        let saved = std::mem::take(&mut self.stack);
        self.local_path.push(name.to_owned());
        let v = self.eval(&expr);
        self.local_path.pop();
        self.stack = saved;
        self.locals.insert(name.to_owned(), LocalState::Done(v.clone()));
        v
    }

    fn eval_traversal(&mut self, root: &Expression, ops: &[TraversalOperator]) -> Value {
        let (mut cur, rest) = match root {
            Expression::Variable(v) => {
                let (val, consumed) = self.lookup_root(v.as_str(), ops.first());
                (val, if consumed { ops.get(1..).unwrap_or_default() } else { ops })
            }
            other => (self.eval(other), ops),
        };
        let mut i = 0usize;
        while let Some(op) = rest.get(i) {
            i = i.saturating_add(1);
            match op {
                TraversalOperator::GetAttr(id) => cur = get_attr(&cur, id.as_str()),
                TraversalOperator::Index(ie) => {
                    let idx = self.eval(ie);
                    cur = index(&cur, &idx);
                }
                TraversalOperator::LegacyIndex(n) => {
                    cur = index(&cur, &Value::Int(i64::try_from(*n).unwrap_or(i64::MAX)));
                }
                TraversalOperator::AttrSplat | TraversalOperator::FullSplat => {
                    let full = matches!(op, TraversalOperator::FullSplat);
                    // The operators the splat applies to each element.
                    let start = i;
                    while let Some(next) = rest.get(i) {
                        let ok = match next {
                            TraversalOperator::GetAttr(_) => true,
                            TraversalOperator::Index(_) | TraversalOperator::LegacyIndex(_) => full,
                            _ => false,
                        };
                        if !ok {
                            break;
                        }
                        i = i.saturating_add(1);
                    }
                    let sub = rest.get(start..i).unwrap_or_default();
                    let items = match cur {
                        Value::Array(a) => a,
                        Value::Null => Vec::new(),
                        u @ Value::Unknown(_) => return u,
                        other => vec![other],
                    };
                    let mut out = Vec::with_capacity(items.len());
                    for item in items {
                        let mut v = item;
                        for o in sub {
                            v = match o {
                                TraversalOperator::GetAttr(id) => get_attr(&v, id.as_str()),
                                TraversalOperator::Index(ie) => {
                                    let idx = self.eval(ie);
                                    index(&v, &idx)
                                }
                                TraversalOperator::LegacyIndex(n) => {
                                    index(&v, &Value::Int(i64::try_from(*n).unwrap_or(i64::MAX)))
                                }
                                _ => v,
                            };
                        }
                        out.push(v);
                    }
                    cur = Value::Array(out);
                }
            }
        }
        cur
    }
}

fn dedent(s: &str) -> String {
    let min = s
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len().saturating_sub(l.trim_start().len()))
        .min()
        .unwrap_or(0);
    let mut out = String::new();
    for l in s.split_inclusive('\n') {
        out.push_str(l.get(min..).unwrap_or(l.trim_start_matches([' ', '\t'])));
    }
    out
}

/// Attribute of an object (resources answer "known after apply" for
/// attributes they do not have).
pub fn get_attr(v: &Value, name: &str) -> Value {
    match v {
        Value::Object(m) => match m.get(name) {
            Some(x) => x.clone(),
            None => match m.get(RESOURCE_MARK) {
                Some(Value::String(mark)) => Value::unknown(mark_reason(mark, name)),
                _ => err(format!("no attribute `{name}`")),
            },
        },
        Value::Unknown(u) => Value::Unknown(u.clone()),
        Value::Null => err(format!("attribute `{name}` of null")),
        Value::Array(_) => err(format!("attribute `{name}` of a list (use an index or `[*]`)")),
        other => err(format!("attribute `{name}` of a {}", other.type_name())),
    }
}

/// Why attribute `name` of the object marked `mark` is unknown. Marks are
/// `addr` (a managed resource), `data:addr` (a data source) or `!reason`.
pub fn mark_reason(mark: &str, name: &str) -> String {
    if let Some(r) = mark.strip_prefix('!') {
        r.to_owned()
    } else if let Some(a) = mark.strip_prefix("data:") {
        format!("`{a}.{name}` is read from Azure by the data source when Terraform runs")
    } else {
        format!("`{mark}.{name}` is known after apply")
    }
}

/// Element of a list (by number) or of an object (by key).
pub fn index(v: &Value, idx: &Value) -> Value {
    match (v, idx) {
        (_, Value::Unknown(u)) | (Value::Unknown(u), _) => Value::Unknown(u.clone()),
        (Value::Array(a), i) => match i.as_i64().or_else(|| i.as_str().and_then(|s| s.parse().ok())) {
            Some(n) => usize::try_from(n)
                .ok()
                .and_then(|n| a.get(n))
                .cloned()
                .unwrap_or_else(|| err(format!("index {n} out of range"))),
            None => err("list index is not a number"),
        },
        (Value::Object(_), k) => match to_string(k) {
            Some(key) => get_attr(v, &key),
            None => err("object key is not a string"),
        },
        (Value::Null, _) => err("index of null"),
        (other, _) => err(format!("index of a {}", other.type_name())),
    }
}

/// Pairs (key, value) of a list (keys are indexes) or an object.
pub fn iter_pairs(coll: &Value) -> Result<Vec<(Value, Value)>, Value> {
    match coll {
        Value::Array(a) => Ok(a
            .iter()
            .take(MAX_ITEMS)
            .enumerate()
            .map(|(i, v)| (Value::Int(i64::try_from(i).unwrap_or(i64::MAX)), v.clone()))
            .collect()),
        Value::Object(m) => Ok(m
            .iter()
            .filter(|(k, _)| k.as_str() != RESOURCE_MARK)
            .take(MAX_ITEMS)
            .map(|(k, v)| (Value::String(k.clone()), v.clone()))
            .collect()),
        Value::Null => Ok(Vec::new()),
        u @ Value::Unknown(_) => Err(u.clone()),
        other => Err(err(format!("cannot iterate over a {}", other.type_name()))),
    }
}

/// A primitive as Terraform would print it in a template.
pub fn to_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Int(i) => Some(i.to_string()),
        Value::Float(f) => Some(format_float(*f)),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A float without a trailing `.0` when integral.
pub fn format_float(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{f:.0}")
    } else {
        f.to_string()
    }
}

/// A number from a number or a numeric string.
pub fn to_number(v: &Value) -> Option<Value> {
    match v {
        Value::Int(_) | Value::Float(_) => Some(v.clone()),
        Value::String(s) => s
            .trim()
            .parse::<i64>()
            .map(Value::Int)
            .ok()
            .or_else(|| s.trim().parse::<f64>().ok().filter(|f| f.is_finite()).map(Value::Float)),
        _ => None,
    }
}

/// A bool from a bool or `"true"`/`"false"`.
pub fn to_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s == "true" => Some(true),
        Value::String(s) if s == "false" => Some(false),
        _ => None,
    }
}

/// Equality as Terraform sees it (numbers by value).
pub fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => a.as_f64() == b.as_f64(),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| equal(p, q)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| equal(v, w)))
        }
        _ => a == b,
    }
}

fn contains_error(v: &Value, depth: usize) -> bool {
    if depth > 32 {
        return false;
    }
    match v {
        Value::Array(a) => a.iter().any(|x| is_error(x) || contains_error(x, depth.saturating_add(1))),
        Value::Object(m) => m.values().any(|x| is_error(x) || contains_error(x, depth.saturating_add(1))),
        _ => false,
    }
}

fn binary(op: BinaryOperator, l: Value, r: Value) -> Value {
    use BinaryOperator as B;
    match op {
        B::Eq | B::NotEq => {
            if let Value::Unknown(u) = &l {
                return Value::Unknown(u.clone());
            }
            if let Value::Unknown(u) = &r {
                return Value::Unknown(u.clone());
            }
            let eq = equal(&l, &r);
            Value::Bool(if matches!(op, B::Eq) { eq } else { !eq })
        }
        B::And | B::Or => match (to_bool(&l), to_bool(&r), &l, &r) {
            (Some(a), Some(b), _, _) => Value::Bool(if matches!(op, B::And) { a && b } else { a || b }),
            (_, _, Value::Unknown(u), _) | (_, _, _, Value::Unknown(u)) => Value::Unknown(u.clone()),
            _ => err(format!("`{op}` needs bools")),
        },
        _ => {
            if let Value::Unknown(u) = &l {
                return Value::Unknown(u.clone());
            }
            if let Value::Unknown(u) = &r {
                return Value::Unknown(u.clone());
            }
            let (Some(a), Some(b)) = (to_number(&l), to_number(&r)) else {
                return err(format!("`{op}` needs numbers"));
            };
            arith(op, &a, &b)
        }
    }
}

fn arith(op: BinaryOperator, a: &Value, b: &Value) -> Value {
    use BinaryOperator as B;
    if let (Value::Int(x), Value::Int(y)) = (a, b) {
        let (x, y) = (*x, *y);
        return match op {
            B::Plus => Value::Int(x.saturating_add(y)),
            B::Minus => Value::Int(x.saturating_sub(y)),
            B::Mul => Value::Int(x.saturating_mul(y)),
            B::Div if y == 0 => err("division by zero"),
            B::Div if x.checked_rem(y) == Some(0) => Value::Int(x.checked_div(y).unwrap_or(0)),
            B::Div => a.as_f64().zip(b.as_f64()).map_or(Value::Null, |(p, q)| Value::Float(p / q)),
            B::Mod if y == 0 => err("modulo by zero"),
            B::Mod => Value::Int(x.checked_rem(y).unwrap_or(0)),
            B::Less => Value::Bool(x < y),
            B::LessEq => Value::Bool(x <= y),
            B::Greater => Value::Bool(x > y),
            B::GreaterEq => Value::Bool(x >= y),
            _ => err(format!("`{op}` on numbers")),
        };
    }
    let (Some(x), Some(y)) = (a.as_f64(), b.as_f64()) else {
        return err("not a number");
    };
    match op {
        B::Plus => Value::Float(x + y),
        B::Minus => Value::Float(x - y),
        B::Mul => Value::Float(x * y),
        B::Div if y == 0.0 => err("division by zero"),
        B::Div => Value::Float(x / y),
        B::Mod if y == 0.0 => err("modulo by zero"),
        B::Mod => Value::Float(x % y),
        B::Less => Value::Bool(x < y),
        B::LessEq => Value::Bool(x <= y),
        B::Greater => Value::Bool(x > y),
        B::GreaterEq => Value::Bool(x >= y),
        _ => err(format!("`{op}` on numbers")),
    }
}

/// Remove the resource marks from a value (for output).
pub fn strip_marks(v: &mut Value, depth: usize) {
    if depth > 64 {
        return;
    }
    match v {
        Value::Object(m) => {
            m.shift_remove(RESOURCE_MARK);
            for x in m.values_mut() {
                strip_marks(x, depth.saturating_add(1));
            }
        }
        Value::Array(a) => {
            for x in a {
                strip_marks(x, depth.saturating_add(1));
            }
        }
        _ => {}
    }
}

/// Names of `count`/`each` bindings for one instance.
pub fn instance_bindings(count: Option<i64>, each: Option<(&Value, &Value)>) -> Vec<(String, Value)> {
    let mut b = Vec::new();
    if let Some(i) = count {
        let mut m = Map::new();
        m.insert("index".to_owned(), Value::Int(i));
        b.push(("count".to_owned(), Value::Object(m)));
    }
    if let Some((k, v)) = each {
        let mut m = Map::new();
        m.insert("key".to_owned(), k.clone());
        m.insert("value".to_owned(), v.clone());
        b.push(("each".to_owned(), Value::Object(m)));
    }
    b
}

/// Set of strings (used by `toset` and `distinct`).
pub fn dedup_values(items: Vec<Value>) -> Vec<Value> {
    let mut seen: HashSet<String> = HashSet::new();
    let mut out = Vec::new();
    for v in items {
        let key = format!("{v:?}");
        if seen.insert(key) {
            out.push(v);
        }
    }
    out
}
