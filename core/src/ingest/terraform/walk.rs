//! Evaluating a root module and its local modules into resource instances.
//!
//! Terraform orders evaluation by a dependency graph; here every module is
//! evaluated in declaration order, repeatedly, each pass seeing the values of
//! the previous one, until nothing changes (bounded by [`MAX_PASSES`]). A
//! reference to a resource declared later resolves in the next pass.

use super::config::{load_module, Decl, Item, ModuleConfig};
use super::eval::{err, instance_bindings, iter_pairs, to_bool, to_number, to_string, Scope, RESOURCE_MARK};
use super::mapping;
use crate::model::{Diagnostic, DiagnosticLevel, Provenance, Scope as ArmScope};
use crate::value::{Map, Value};
use hcl::{Body, Expression};
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;

/// Passes over the configuration before giving up on convergence.
pub const MAX_PASSES: usize = 12;
/// Module nesting limit.
pub const MAX_MODULE_DEPTH: usize = 16;
/// Instances of one resource block (`count`/`for_each`) limit.
const MAX_INSTANCES: usize = 1_000;

/// Managed resource or data source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `resource`.
    Managed,
    /// `data`.
    Data,
}

/// One resource instance with its evaluated attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    /// Full address, e.g. `module.ml.azurerm_subnet.snet[0]`.
    pub address: String,
    /// Resource type.
    pub tf_type: String,
    /// Managed or data.
    pub mode: Mode,
    /// Attributes; nested blocks are lists of objects.
    pub attrs: Value,
    /// Provenance.
    pub file: String,
    /// Line of the block.
    pub line: Option<u32>,
}

#[derive(Debug, Clone, Default)]
struct State {
    resources: Map,
    data: Map,
    modules: Map,
}

/// One instance of a block: names bound (`count`/`each`) and its key.
type Expanded = (Vec<(String, Value)>, Option<Value>);

/// Evaluates a module tree.
pub struct Walker<'a> {
    arm_scope: &'a ArmScope,
    prev: HashMap<String, State>,
    next: HashMap<String, State>,
    /// Instances of the current pass.
    pub instances: Vec<Instance>,
    /// Diagnostics of the current pass.
    pub diagnostics: Vec<Diagnostic>,
    configs: HashMap<PathBuf, Result<Rc<ModuleConfig>, String>>,
    stack: Vec<PathBuf>,
    root_dir: String,
    /// Module key (`a.b`) → folder, from `.terraform/modules/modules.json`
    /// (written by `terraform init`), so downloaded modules can be followed.
    installed: HashMap<String, PathBuf>,
}

fn info(level: DiagnosticLevel, message: String, file: &str, pointer: &str, line: Option<u32>) -> Diagnostic {
    Diagnostic {
        level,
        message,
        provenance: Provenance { file: Some(file.to_owned()), pointer: pointer.to_owned(), line, column: None },
    }
}

/// `a/b/../c` → `a/c` without touching the file system.
pub fn normalise(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Why a value cannot be used where a number or collection is needed: an
/// unknown's reason, else what it is (`a string`).
fn why_not_usable(v: &Value) -> String {
    match v {
        Value::Unknown(u) => u.reason.clone(),
        other => format!("a {}", other.type_name()),
    }
}

fn key_suffix(k: &Value) -> String {
    match k {
        Value::Int(i) => format!("[{i}]"),
        Value::String(s) => format!("[{}]", serde_json::to_string(s).unwrap_or_default()),
        _ => "[?]".to_owned(),
    }
}

impl<'a> Walker<'a> {
    /// A walker computing ids in `arm_scope`.
    pub fn new(arm_scope: &'a ArmScope, root_dir: &Path) -> Self {
        Walker {
            arm_scope,
            prev: HashMap::new(),
            next: HashMap::new(),
            instances: Vec::new(),
            diagnostics: Vec::new(),
            configs: HashMap::new(),
            stack: Vec::new(),
            root_dir: root_dir.display().to_string(),
            installed: installed_modules(root_dir),
        }
    }

    /// Evaluate the root module until the instances stop changing.
    pub fn run(&mut self, root: Rc<ModuleConfig>, vars: &Map) {
        let mut last: Option<Vec<Instance>> = None;
        for _ in 0..MAX_PASSES {
            self.instances.clear();
            self.diagnostics.clear();
            self.next.clear();
            self.stack.clear();
            self.stack.push(root.dir.clone());
            self.eval_module(&root, "", vars.clone(), 0);
            self.prev = std::mem::take(&mut self.next);
            if last.as_ref() == Some(&self.instances) {
                return;
            }
            last = Some(self.instances.clone());
        }
        self.diagnostics.push(info(
            DiagnosticLevel::Info,
            format!("values still changed after {MAX_PASSES} passes (references may form a cycle)"),
            &self.root_dir,
            "",
            None,
        ));
    }

    fn config(&mut self, dir: &Path) -> Result<Rc<ModuleConfig>, String> {
        if let Some(c) = self.configs.get(dir) {
            return c.clone();
        }
        let c = if super::config::has_tf_files(dir) {
            load_module(dir).map(Rc::new).map_err(|e| e.to_string())
        } else {
            Err(format!("`{}` holds no `.tf` files", dir.display()))
        };
        self.configs.insert(dir.to_path_buf(), c.clone());
        c
    }

    fn eval_module(&mut self, cfg: &ModuleConfig, prefix: &str, vars: Map, depth: usize) -> Map {
        let prev = self.prev.get(prefix).cloned().unwrap_or_default();
        let mut scope = Scope::default();
        scope.vars = vars;
        scope.local_exprs = cfg.locals.clone();
        scope.resources = prev.resources;
        scope.data = prev.data;
        scope.modules = prev.modules;
        let dir = cfg.dir.display().to_string();
        for k in ["module", "root", "cwd"] {
            let v = if k == "module" { dir.clone() } else { self.root_dir.clone() };
            scope.path.insert(k.to_owned(), Value::String(v));
        }
        for item in &cfg.items {
            match item {
                Item::Resource(d) => self.eval_resource(&mut scope, d, prefix, Mode::Managed),
                Item::Data(d) => self.eval_resource(&mut scope, d, prefix, Mode::Data),
                Item::Module(d) => self.eval_module_call(&mut scope, cfg, d, prefix, depth),
            }
        }
        // Every local, used or not, so a cycle among them is reported (Terraform
        // rejects one); each is evaluated once, so this costs nothing when used.
        let mut names: Vec<&String> = cfg.locals.keys().collect();
        names.sort();
        for name in names {
            scope.local(name);
        }
        for cycle in std::mem::take(&mut scope.local_cycles) {
            self.local_cycle(cfg, prefix, &cycle);
        }
        let mut outputs = Map::new();
        for (name, e) in &cfg.outputs {
            let v = scope.eval(e);
            outputs.insert(name.clone(), v);
        }
        self.next.insert(
            prefix.to_owned(),
            State { resources: scope.resources, data: scope.data, modules: scope.modules },
        );
        outputs
    }

    /// An error diagnostic for locals that refer to each other in a cycle, at
    /// the first of them (file and line of its `locals` entry). A module read
    /// several times (`count`, `for_each`) reports the cycle once.
    fn local_cycle(&mut self, cfg: &ModuleConfig, prefix: &str, cycle: &[String]) {
        let Some(first) = cycle.first() else { return };
        let chain = cycle.iter().map(|n| format!("`local.{n}`")).collect::<Vec<_>>().join(" → ");
        let message = if cycle.len() <= 2 {
            format!("local value `local.{first}` refers to itself; it and the values using it are unknown")
        } else {
            format!("local values form a cycle: {chain}; they and the values using them are unknown")
        };
        let (file, line) = cfg.local_sites.get(first).cloned().unwrap_or_else(|| (cfg.dir.display().to_string(), None));
        if self.diagnostics.iter().any(|d| d.message == message && d.provenance.file.as_deref() == Some(file.as_str())) {
            return;
        }
        self.diagnostics.push(info(DiagnosticLevel::Error, message, &file, &format!("{prefix}local.{first}"), line));
    }

    /// The note for a `count`/`for_each` (`meta`) whose value `v` cannot be
    /// used: why, and that one instance stands for all.
    fn one_instance_assumed(&mut self, meta: &str, v: &Value, addr: &str, d: &Decl) {
        let why = why_not_usable(v);
        self.diagnostics.push(info(
            DiagnosticLevel::Info,
            format!("`{meta}` of `{addr}` is not known ({why}); one instance assumed"),
            &d.file,
            addr,
            d.line,
        ));
    }

    /// Instances of a block: `(bindings, address suffix, key)`.
    fn expand(&mut self, scope: &mut Scope, body: &Body, addr: &str, d: &Decl) -> Vec<Expanded> {
        let attr = |k: &str| body.attributes().find(|a| a.key.as_str() == k).map(|a| a.expr.clone());
        if let Some(e) = attr("count") {
            let v = scope.eval(&e);
            let n = match to_number(&v).and_then(|n| n.as_i64()) {
                Some(n) => n,
                None => {
                    self.one_instance_assumed("count", &v, addr, d);
                    1
                }
            };
            let n = usize::try_from(n.max(0)).unwrap_or(0);
            if n > MAX_INSTANCES {
                self.diagnostics.push(info(
                    DiagnosticLevel::Error,
                    format!("`count` of `{addr}` is {n}; only the first {MAX_INSTANCES} instances are checked"),
                    &d.file,
                    addr,
                    d.line,
                ));
            }
            let n = n.min(MAX_INSTANCES);
            return (0..n)
                .map(|i| {
                    let i = i64::try_from(i).unwrap_or(0);
                    (instance_bindings(Some(i), None), Some(Value::Int(i)))
                })
                .collect();
        }
        if let Some(e) = attr("for_each") {
            let v = scope.eval(&e);
            let pairs = match &v {
                Value::Array(a) => Ok(a.iter().map(|x| (x.clone(), x.clone())).collect::<Vec<_>>()),
                other => iter_pairs(other),
            };
            return match pairs {
                Ok(p) => p
                    .into_iter()
                    .take(MAX_INSTANCES)
                    .map(|(k, val)| {
                        let key = Value::String(to_string(&k).unwrap_or_default());
                        (instance_bindings(None, Some((&key, &val))), Some(key))
                    })
                    .collect(),
                Err(u) => {
                    self.one_instance_assumed("for_each", &u, addr, d);
                    let k = Value::unknown(format!("key of `{addr}`"));
                    let val = Value::unknown(format!("`for_each` of `{addr}` is not known"));
                    vec![(instance_bindings(None, Some((&k, &val))), Some(Value::String("?".to_owned())))]
                }
            };
        }
        vec![(Vec::new(), None)]
    }

    fn eval_resource(&mut self, scope: &mut Scope, d: &Decl, prefix: &str, mode: Mode) {
        let local = if mode == Mode::Data { format!("data.{}.{}", d.tf_type, d.name) } else { format!("{}.{}", d.tf_type, d.name) };
        let base_addr = format!("{prefix}{local}");
        let instances = self.expand(scope, &d.body, &base_addr, d);
        let keyed = d.body.attributes().any(|a| a.key.as_str() == "for_each");
        let counted = d.body.attributes().any(|a| a.key.as_str() == "count");
        let mut list = Vec::new();
        let mut map = Map::new();
        for (bindings, key) in instances {
            let addr = match &key {
                Some(k) => format!("{base_addr}{}", key_suffix(k)),
                None => base_addr.clone(),
            };
            let mut attrs = scope.with(bindings, |s| eval_body(s, &d.body, 0));
            let env = self.env_value(&mut attrs, &d.tf_type, &addr, mode);
            match &key {
                Some(Value::String(k)) if keyed => {
                    map.insert(k.clone(), env);
                }
                _ => list.push(env),
            }
            self.instances.push(Instance { address: addr, tf_type: d.tf_type.clone(), mode, attrs, file: d.file.clone(), line: d.line });
        }
        let value = if keyed {
            Value::Object(map)
        } else if counted {
            Value::Array(list)
        } else {
            list.into_iter().next().unwrap_or(Value::Null)
        };
        let table = if mode == Mode::Data { &mut scope.data } else { &mut scope.resources };
        let entry = table.entry(d.tf_type.clone()).or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(m) = entry {
            m.insert(d.name.clone(), value);
        }
    }

    /// The value other expressions see for a resource: its attributes, its
    /// ARM id, and a mark so other attributes read as unknown.
    fn env_value(&self, attrs: &mut Value, tf_type: &str, addr: &str, mode: Mode) -> Value {
        let mut env = attrs.clone();
        if let Value::Object(m) = &mut env {
            let mark = if mode == Mode::Data { format!("data:{addr}") } else { addr.to_owned() };
            m.insert(RESOURCE_MARK.to_owned(), Value::String(mark));
            if let Some((_, name, id)) = mapping::identity_of(tf_type, attrs, self.arm_scope, addr) {
                m.insert("id".to_owned(), Value::String(id));
                if !matches!(m.get("name"), Some(Value::String(_))) {
                    m.insert("name".to_owned(), Value::String(name.rsplit('/').next().unwrap_or(&name).to_owned()));
                }
            }
            mark_blocks(m, addr, 0);
            if tf_type == "azapi_resource" || tf_type == "azapi_data_plane_resource" {
                // azapi's `output` is the response body: what was sent, plus
                // the resource's id, name and type; the rest is known after apply.
                let mut out = match m.get("body") {
                    Some(Value::Object(b)) => Value::Object(b.clone()),
                    Some(Value::String(text)) => crate::json::parse(text).unwrap_or_else(|_| Value::Object(Map::new())),
                    _ => Value::Object(Map::new()),
                };
                if let Value::Object(o) = &mut out {
                    for k in ["id", "name", "type"] {
                        if let Some(v) = m.get(k) {
                            let v = if k == "type" { split_api_version(v) } else { v.clone() };
                            o.insert(k.to_owned(), v);
                        }
                    }
                }
                mark_deep(&mut out, &format!("{addr}.output"), 0);
                m.insert("output".to_owned(), out);
            }
            if mode == Mode::Data {
                match tf_type {
                    "azurerm_subscription" => {
                        let sub = self.arm_scope.subscription_id.clone();
                        m.insert("id".to_owned(), Value::String(format!("/subscriptions/{sub}")));
                        m.insert("subscription_id".to_owned(), Value::String(sub));
                    }
                    "azurerm_client_config" => {
                        m.insert("subscription_id".to_owned(), Value::String(self.arm_scope.subscription_id.clone()));
                    }
                    _ => {}
                }
            }
        }
        env
    }

    fn eval_module_call(&mut self, scope: &mut Scope, cfg: &ModuleConfig, d: &Decl, prefix: &str, depth: usize) {
        let base_addr = format!("{prefix}module.{}", d.name);
        let source = d
            .body
            .attributes()
            .find(|a| a.key.as_str() == "source")
            .and_then(|a| match &a.expr {
                Expression::String(s) => Some(s.clone()),
                e => to_string(&scope.eval(e)),
            })
            .unwrap_or_default();
        let key = module_key(prefix, &d.name);
        let installed = self.installed.get(&key).cloned();
        let local = source.starts_with("./") || source.starts_with("../") || installed.is_some();
        let instances = self.expand(scope, &d.body, &base_addr, d);
        let keyed = d.body.attributes().any(|a| a.key.as_str() == "for_each");
        let counted = d.body.attributes().any(|a| a.key.as_str() == "count");
        let not_followed = |why: String| {
            let mut m = Map::new();
            m.insert(RESOURCE_MARK.to_owned(), Value::String(format!("!{why}")));
            Value::Object(m)
        };
        let mut list = Vec::new();
        let mut map = Map::new();
        for (bindings, key) in instances {
            let addr = match &key {
                Some(k) => format!("{base_addr}{}", key_suffix(k)),
                None => base_addr.clone(),
            };
            let outputs = if !local {
                self.diagnostics.push(info(
                    DiagnosticLevel::Info,
                    format!("module `{addr}` from `{source}` is not followed (only local modules are read)"),
                    &d.file,
                    &addr,
                    d.line,
                ));
                not_followed(format!("outputs of module `{addr}` (source `{source}`, not followed) are not known"))
            } else {
                let dir = match &installed {
                    Some(p) => p.clone(),
                    None => normalise(&cfg.dir.join(&source)),
                };
                if self.stack.contains(&dir) {
                    self.diagnostics.push(info(
                        DiagnosticLevel::Error,
                        format!("module `{addr}` includes `{source}`, which is already being read (circular modules)"),
                        &d.file,
                        &addr,
                        d.line,
                    ));
                    not_followed(format!("module `{addr}` is circular"))
                } else if depth >= MAX_MODULE_DEPTH {
                    self.diagnostics.push(info(
                        DiagnosticLevel::Error,
                        format!("module `{addr}` is nested more than {MAX_MODULE_DEPTH} levels deep; not read"),
                        &d.file,
                        &addr,
                        d.line,
                    ));
                    not_followed(format!("module `{addr}` is nested too deeply"))
                } else {
                    match self.config(&dir) {
                        Ok(child) => {
                            let args = scope.with(bindings, |s| {
                                let mut m = Map::new();
                                for a in d.body.attributes() {
                                    let k = a.key.as_str();
                                    if ["source", "version", "count", "for_each", "providers", "depends_on"].contains(&k) {
                                        continue;
                                    }
                                    m.insert(k.to_owned(), s.eval(&a.expr));
                                }
                                m
                            });
                            let vars = resolve_vars(&child, args, &format!("{addr}."));
                            self.stack.push(dir.clone());
                            let out = self.eval_module(&child, &format!("{addr}."), vars, depth.saturating_add(1));
                            self.stack.pop();
                            Value::Object(out)
                        }
                        Err(e) => {
                            self.diagnostics.push(info(
                                DiagnosticLevel::Error,
                                format!("module `{addr}` from `{source}` could not be read: {e}"),
                                &d.file,
                                &addr,
                                d.line,
                            ));
                            not_followed(format!("module `{addr}` could not be read"))
                        }
                    }
                }
            };
            match &key {
                Some(Value::String(k)) if keyed => {
                    map.insert(k.clone(), outputs);
                }
                _ => list.push(outputs),
            }
        }
        let value = if keyed {
            Value::Object(map)
        } else if counted {
            Value::Array(list)
        } else {
            list.into_iter().next().unwrap_or(Value::Null)
        };
        scope.modules.insert(d.name.clone(), value);
    }
}

/// Mark the objects of nested blocks so their computed attributes read as
/// "known after apply" (e.g. `ip_configuration[0].private_ip_address`).
fn mark_blocks(m: &mut Map, addr: &str, depth: usize) {
    if depth > 16 {
        return;
    }
    for (k, v) in m.iter_mut() {
        if let Value::Array(items) = v {
            for (i, item) in items.iter_mut().enumerate() {
                if let Value::Object(o) = item {
                    let a = format!("{addr}.{k}[{i}]");
                    mark_blocks(o, &a, depth.saturating_add(1));
                    o.insert(RESOURCE_MARK.to_owned(), Value::String(a));
                }
            }
        }
    }
}

/// Mark every object inside `v` (for azapi's `output`).
fn mark_deep(v: &mut Value, addr: &str, depth: usize) {
    if depth > 16 {
        return;
    }
    match v {
        Value::Object(o) => {
            for (k, x) in o.iter_mut() {
                mark_deep(x, &format!("{addr}.{k}"), depth.saturating_add(1));
            }
            o.insert(RESOURCE_MARK.to_owned(), Value::String(addr.to_owned()));
        }
        Value::Array(a) => {
            for (i, x) in a.iter_mut().enumerate() {
                mark_deep(x, &format!("{addr}[{i}]"), depth.saturating_add(1));
            }
        }
        _ => {}
    }
}

fn split_api_version(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(s.split('@').next().unwrap_or_default().to_owned()),
        other => other.clone(),
    }
}

/// `module.a[0].module.b.` + `c` → `a.b.c` (the key `terraform init` uses).
fn module_key(prefix: &str, name: &str) -> String {
    let mut parts: Vec<String> = prefix
        .split("module.")
        .map(|p| {
            let p = p.trim_end_matches('.');
            p.split('[').next().unwrap_or_default().to_owned()
        })
        .filter(|p| !p.is_empty())
        .collect();
    parts.push(name.to_owned());
    parts.join(".")
}

/// Read `.terraform/modules/modules.json` under the root, if present.
fn installed_modules(root: &Path) -> HashMap<String, PathBuf> {
    let mut out = HashMap::new();
    let Ok(text) = super::config::read_text(&root.join(".terraform/modules/modules.json")) else { return out };
    let Ok(doc) = crate::json::parse(&text) else { return out };
    for m in doc.get("Modules").and_then(Value::as_array).unwrap_or_default() {
        if let (Some(k), Some(d)) = (m.get("Key").and_then(Value::as_str), m.get("Dir").and_then(Value::as_str)) {
            if !k.is_empty() {
                out.insert(k.to_owned(), normalise(&root.join(d)));
            }
        }
    }
    out
}

/// Values of a module's variables: given values (converted to the declared
/// primitive type), else defaults, else unknown.
pub fn resolve_vars(cfg: &ModuleConfig, given: Map, addr_prefix: &str) -> Map {
    let mut out = Map::new();
    let mut empty = Scope::default();
    for (name, decl) in &cfg.variables {
        let v = match given.get(name) {
            Some(v) if !v.is_null() => v.clone(),
            _ => match &decl.default {
                Some(e) => empty.eval(e),
                None => Value::unknown(format!("variable `{addr_prefix}var.{name}` has no value")),
            },
        };
        let v = match &decl.type_expr {
            Some(t) => convert_typed(v, t, 0),
            None => v,
        };
        out.insert(name.clone(), v);
    }
    out
}

/// Convert a value to a declared type constraint as Terraform does:
/// primitives convert, `object({...})` attributes missing from the value are
/// filled from `optional(type, default)` (or null) and undeclared ones dropped,
/// collections convert element by element.
pub fn convert_typed(v: Value, t: &Expression, depth: usize) -> Value {
    if depth > 32 || v.is_unknown() || v.is_null() {
        return v;
    }
    match t {
        Expression::Variable(name) => convert(v, Some(name.as_str())),
        Expression::FuncCall(f) => {
            let arg = f.args.first();
            match (f.name.name.as_str(), arg) {
                ("optional", Some(inner)) => convert_typed(v, inner, depth.saturating_add(1)),
                ("list" | "set", Some(inner)) => match v {
                    Value::Array(a) => Value::Array(a.into_iter().map(|x| convert_typed(x, inner, depth.saturating_add(1))).collect()),
                    other => other,
                },
                ("map", Some(inner)) => match v {
                    Value::Object(m) => Value::Object(
                        m.into_iter().map(|(k, x)| (k, convert_typed(x, inner, depth.saturating_add(1)))).collect(),
                    ),
                    other => other,
                },
                ("tuple", Some(Expression::Array(types))) => match v {
                    Value::Array(a) => Value::Array(
                        a.into_iter()
                            .enumerate()
                            .map(|(i, x)| match types.get(i) {
                                Some(ty) => convert_typed(x, ty, depth.saturating_add(1)),
                                None => x,
                            })
                            .collect(),
                    ),
                    other => other,
                },
                ("object", Some(Expression::Object(attrs))) => match v {
                    Value::Object(mut m) => {
                        let mut out = Map::new();
                        for (k, at) in attrs.iter() {
                            let key = match k {
                                hcl::ObjectKey::Identifier(id) => id.as_str().to_owned(),
                                hcl::ObjectKey::Expression(Expression::Variable(var)) => var.as_str().to_owned(),
                                hcl::ObjectKey::Expression(Expression::String(s)) => s.clone(),
                                _ => continue,
                            };
                            let given = m.shift_remove(&key).unwrap_or(Value::Null);
                            let val = match (&given, at) {
                                (Value::Null, Expression::FuncCall(of)) if of.name.name.as_str() == "optional" => {
                                    match of.args.get(1) {
                                        Some(d) => Scope::default().eval(d),
                                        None => Value::Null,
                                    }
                                }
                                _ => given,
                            };
                            out.insert(key, convert_typed(val, at, depth.saturating_add(1)));
                        }
                        Value::Object(out)
                    }
                    other => other,
                },
                _ => v,
            }
        }
        _ => v,
    }
}

/// Convert a value to a declared primitive type, as Terraform does.
pub fn convert(v: Value, type_: Option<&str>) -> Value {
    match (type_, &v) {
        (Some("number"), Value::String(_)) => to_number(&v).unwrap_or_else(|| err("not a number")),
        (Some("bool"), Value::String(_)) => to_bool(&v).map_or_else(|| err("not a bool"), Value::Bool),
        (Some("string"), Value::Int(_) | Value::Float(_) | Value::Bool(_)) => to_string(&v).map_or(v, Value::String),
        _ => v,
    }
}

/// Evaluate a block body into an object; nested blocks become lists of
/// objects under their name; `dynamic` blocks are expanded.
pub fn eval_body(scope: &mut Scope, body: &Body, depth: usize) -> Value {
    let mut m = Map::new();
    if depth > 32 {
        return err("blocks nested too deeply");
    }
    for a in body.attributes() {
        let k = a.key.as_str();
        if ["count", "for_each", "depends_on", "provider"].contains(&k) {
            continue;
        }
        m.insert(k.to_owned(), scope.eval(&a.expr));
    }
    for b in body.blocks() {
        let id = b.identifier.as_str();
        match id {
            "lifecycle" | "provisioner" | "connection" | "precondition" | "postcondition" | "timeouts" => {}
            "dynamic" => {
                let name = b.labels.first().map(|l| l.as_str().to_owned()).unwrap_or_default();
                let iter_name = b
                    .body
                    .attributes()
                    .find(|a| a.key.as_str() == "iterator")
                    .and_then(|a| match &a.expr {
                        Expression::Variable(v) => Some(v.as_str().to_owned()),
                        _ => None,
                    })
                    .unwrap_or_else(|| name.clone());
                let coll = match b.body.attributes().find(|a| a.key.as_str() == "for_each") {
                    Some(a) => scope.eval(&a.expr),
                    None => Value::Array(Vec::new()),
                };
                let content = b.body.blocks().find(|c| c.identifier.as_str() == "content").map(|c| c.body.clone());
                let slot = m.entry(name.clone()).or_insert_with(|| Value::Array(Vec::new()));
                match (iter_pairs(&coll), content) {
                    (Ok(pairs), Some(content)) => {
                        for (k, v) in pairs {
                            let mut it = Map::new();
                            it.insert("key".to_owned(), k);
                            it.insert("value".to_owned(), v);
                            let obj = scope.with(vec![(iter_name.clone(), Value::Object(it))], |s| {
                                eval_body(s, &content, depth.saturating_add(1))
                            });
                            if let Value::Array(list) = slot {
                                list.push(obj);
                            }
                        }
                    }
                    (Err(u), _) => *slot = u,
                    (Ok(_), None) => {}
                }
            }
            _ => {
                let obj = eval_body(scope, &b.body, depth.saturating_add(1));
                let slot = m.entry(id.to_owned()).or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(list) = slot {
                    list.push(obj);
                }
            }
        }
    }
    Value::Object(m)
}
