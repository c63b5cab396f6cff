//! `terraform show -json` plans.
//!
//! Resources come from `planned_values` (root and every child module);
//! attributes `after_unknown` marks in `resource_changes` become unknowns
//! ("known after apply"). A new resource's `id` is unknown in a plan, so
//! references are recovered from `configuration`: an unknown attribute whose
//! expression references `azurerm_subnet.x.id` (directly, or through module
//! variables and outputs) gets the subnet's ARM id computed in the placeholder
//! scope, and relations form as they do for HCL.

use super::walk::{Instance, Mode};
use super::{mapping, TerraformError};
use crate::json::PositionIndex;
use crate::model::{Deployment, Provenance, Scope};
use crate::value::{Map, Value};
use crate::Error;
use std::collections::HashMap;

const MAX_MODULE_DEPTH: usize = 32;
const MAX_REF_DEPTH: usize = 16;

fn bad(file: Option<&str>, pointer: &str, message: &str) -> TerraformError {
    TerraformError::Plan { file: file.unwrap_or("<input>").to_owned(), pointer: pointer.to_owned(), message: message.to_owned() }
}

/// `true` if the document looks like a plan (`planned_values` or
/// `format_version` + `resource_changes`).
pub fn is_plan(doc: &Value) -> bool {
    doc.get("planned_values").is_some() || (doc.get("format_version").is_some() && doc.get("resource_changes").is_some())
}

#[derive(Debug, Clone)]
struct Planned {
    address: String,
    module: String,
    mode: Mode,
    tf_type: String,
    /// Configuration address inside its module (`azurerm_subnet.x`).
    local: String,
    values: Value,
    /// JSON pointer of the resource in the plan document.
    pointer: String,
}

fn collect(module: &Value, out: &mut Vec<Planned>, pointer: &str, file: Option<&str>, depth: usize) -> Result<(), TerraformError> {
    if depth > MAX_MODULE_DEPTH {
        return Err(bad(file, pointer, "modules nested too deeply"));
    }
    let module_addr = module.get("address").and_then(Value::as_str).unwrap_or_default().to_owned();
    if let Some(rs) = module.get("resources") {
        let Some(rs) = rs.as_array() else { return Err(bad(file, &format!("{pointer}/resources"), "`resources` is not an array")) };
        for (i, r) in rs.iter().enumerate() {
            let p = format!("{pointer}/resources/{i}");
            let s = |k: &str| r.get(k).and_then(Value::as_str).map(str::to_owned);
            let (Some(address), Some(tf_type), Some(name)) = (s("address"), s("type"), s("name")) else {
                return Err(bad(file, &p, "a resource needs `address`, `type` and `name`"));
            };
            let mode = if s("mode").as_deref() == Some("data") { Mode::Data } else { Mode::Managed };
            let local = if mode == Mode::Data { format!("data.{tf_type}.{name}") } else { format!("{tf_type}.{name}") };
            let values = match r.get("values") {
                Some(v @ Value::Object(_)) => v.clone(),
                _ => Value::Object(Map::new()),
            };
            out.push(Planned { address, module: module_addr.clone(), mode, tf_type, local, values, pointer: p });
        }
    }
    if let Some(children) = module.get("child_modules").and_then(Value::as_array) {
        for (i, c) in children.iter().enumerate() {
            collect(c, out, &format!("{pointer}/child_modules/{i}"), file, depth.saturating_add(1))?;
        }
    }
    Ok(())
}

/// Put unknowns where `after_unknown` says `true`.
fn overlay(values: &mut Value, unknown: &Value, path: &str, depth: usize) {
    if depth > 32 {
        return;
    }
    match unknown {
        Value::Bool(true) => *values = Value::unknown(format!("`{path}` is known after apply")),
        Value::Object(u) => {
            if !matches!(values, Value::Object(_)) {
                *values = Value::Object(Map::new());
            }
            if let Value::Object(m) = values {
                for (k, x) in u {
                    let slot = m.entry(k.clone()).or_insert(Value::Null);
                    overlay(slot, x, &format!("{path}.{k}"), depth.saturating_add(1));
                }
            }
        }
        Value::Array(u) => {
            if !matches!(values, Value::Array(_)) {
                *values = Value::Array(Vec::new());
            }
            if let Value::Array(a) = values {
                for (i, x) in u.iter().enumerate() {
                    while a.len() <= i && a.len() < 10_000 {
                        a.push(Value::Null);
                    }
                    if let Some(slot) = a.get_mut(i) {
                        overlay(slot, x, &format!("{path}[{i}]"), depth.saturating_add(1));
                    }
                }
            }
        }
        _ => {}
    }
}

/// Strip `[...]` indexes: `module.a[0].module.b["k"]` → `module.a.module.b`.
fn strip_indexes(s: &str) -> String {
    let mut out = String::new();
    let mut depth = 0u32;
    for c in s.chars() {
        match c {
            '[' => depth = depth.saturating_add(1),
            ']' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// Configuration of one module: resources' expressions, module calls, outputs.
#[derive(Default)]
struct ConfModule {
    resources: HashMap<String, Value>,
    calls: HashMap<String, Value>,
    outputs: HashMap<String, Value>,
}

fn collect_config(m: &Value, path: &str, out: &mut HashMap<String, ConfModule>, depth: usize) {
    if depth > MAX_MODULE_DEPTH {
        return;
    }
    let mut cm = ConfModule::default();
    for r in m.get("resources").and_then(Value::as_array).unwrap_or_default() {
        if let (Some(addr), Some(e)) = (r.get("address").and_then(Value::as_str), r.get("expressions")) {
            cm.resources.insert(addr.to_owned(), e.clone());
        }
    }
    if let Some(Value::Object(outs)) = m.get("outputs") {
        for (k, o) in outs {
            if let Some(e) = o.get("expression") {
                cm.outputs.insert(k.clone(), e.clone());
            }
        }
    }
    if let Some(Value::Object(calls)) = m.get("module_calls") {
        for (name, c) in calls {
            cm.calls.insert(name.clone(), c.get("expressions").cloned().unwrap_or(Value::Null));
            if let Some(child) = c.get("module") {
                let p = if path.is_empty() { format!("module.{name}") } else { format!("{path}.module.{name}") };
                collect_config(child, &p, out, depth.saturating_add(1));
            }
        }
    }
    out.insert(path.to_owned(), cm);
}

struct Resolver<'a> {
    config: &'a HashMap<String, ConfModule>,
    /// Planned address → (ARM id, ARM name leaf).
    ids: &'a HashMap<String, (String, String)>,
}

impl Resolver<'_> {
    /// What a reference like `azurerm_subnet.x.id` made in module instance
    /// `module` (e.g. `module.a[0]`) evaluates to, if it is an id or a name.
    fn resolve(&self, reference: &str, module: &str, depth: usize) -> Option<Value> {
        if depth > MAX_REF_DEPTH {
            return None;
        }
        let prefix = if module.is_empty() { String::new() } else { format!("{module}.") };
        if let Some(rest) = reference.strip_prefix("var.") {
            // Follow the variable to the calling module's argument.
            let var = rest.split(['.', '[']).next()?;
            let (parent, call) = module.rsplit_once("module.").map(|(p, c)| (p.trim_end_matches('.'), c))?;
            let call_name = strip_indexes(call);
            let conf = self.config.get(&strip_indexes(parent))?;
            let expr = conf.calls.get(&call_name)?.get(var)?;
            return self.resolve_expr(expr, parent, depth.saturating_add(1));
        }
        if let Some(rest) = reference.strip_prefix("module.") {
            let mut parts = rest.splitn(2, '.');
            let call = parts.next()?;
            let output = parts.next()?.split(['.', '[']).next()?;
            let child = format!("{prefix}module.{call}");
            let conf = self.config.get(&strip_indexes(&child))?;
            let expr = conf.outputs.get(output)?;
            return self.resolve_expr(expr, &child, depth.saturating_add(1));
        }
        let (target, attr) = reference.rsplit_once('.')?;
        if attr != "id" && attr != "name" {
            return None;
        }
        let full = format!("{prefix}{target}");
        let hit = self.ids.get(&full).or_else(|| self.ids.get(&format!("{full}[0]")))?;
        Some(Value::String(if attr == "id" { hit.0.clone() } else { hit.1.clone() }))
    }

    fn resolve_expr(&self, expr: &Value, module: &str, depth: usize) -> Option<Value> {
        let refs = expr.get("references").and_then(Value::as_array)?;
        refs.iter().filter_map(Value::as_str).find_map(|r| self.resolve(r, module, depth))
    }

    /// Fill unknown attributes of `values` from the expressions' references.
    fn fill(&self, values: &mut Value, exprs: &Value, module: &str, depth: usize) {
        let (Value::Object(vals), Value::Object(ex)) = (values, exprs) else { return };
        if depth > 16 {
            return;
        }
        for (k, e) in ex {
            match e {
                Value::Array(blocks) => {
                    if let Some(Value::Array(vb)) = vals.get_mut(k) {
                        for (v, b) in vb.iter_mut().zip(blocks) {
                            self.fill(v, b, module, depth.saturating_add(1));
                        }
                    }
                }
                Value::Object(_) if e.get("references").is_some() => {
                    let refs: Vec<&str> = e
                        .get("references")
                        .and_then(Value::as_array)
                        .unwrap_or_default()
                        .iter()
                        .filter_map(Value::as_str)
                        .collect();
                    let slot = vals.entry(k.clone()).or_insert(Value::Null);
                    match slot {
                        Value::Unknown(_) | Value::Null => {
                            let resolved: Vec<Value> = refs
                                .iter()
                                .filter(|r| r.ends_with(".id") || r.ends_with(".name") || r.starts_with("var.") || r.starts_with("module."))
                                .filter_map(|r| self.resolve(r, module, 0))
                                .collect();
                            if let [one] = resolved.as_slice() {
                                *slot = one.clone();
                            }
                        }
                        Value::Array(items) => {
                            let mut resolved = refs
                                .iter()
                                .filter(|r| r.ends_with(".id") || r.ends_with(".name"))
                                .filter_map(|r| self.resolve(r, module, 0));
                            for item in items.iter_mut() {
                                if item.is_unknown() {
                                    match resolved.next() {
                                        Some(v) => *item = v,
                                        None => break,
                                    }
                                }
                            }
                        }
                        _ => {}
                    }
                }
                _ => {}
            }
        }
    }
}

/// Read a plan document (`terraform show -json plan.out`). `file` names it in
/// provenance and errors.
pub fn load_plan(doc: &Value, file: Option<&str>) -> Result<Deployment, Error> {
    load_plan_indexed(doc, file, None)
}

/// Like [`load_plan`] from the document's text, so findings also carry the
/// line of each resource in the plan file.
pub fn load_plan_text(text: &str, file: Option<&str>) -> Result<Deployment, Error> {
    let (doc, index) = crate::json::parse_indexed(std::sync::Arc::from(text)).map_err(|e| Error::json(file, e))?;
    load_plan_indexed(&doc, file, Some(&index))
}

/// [`load_plan`] with the positions the document's parse recorded, if any
/// (lines of resources are looked up there, not by reading the text again).
pub(crate) fn load_plan_indexed(doc: &Value, file: Option<&str>, positions: Option<&PositionIndex>) -> Result<Deployment, Error> {
    let mut planned = Vec::new();
    match doc.get("planned_values").and_then(|p| p.get("root_module")) {
        Some(root) => collect(root, &mut planned, "/planned_values/root_module", file, 0)?,
        None if doc.get("planned_values").is_some() => {}
        None if is_plan(doc) => {}
        None => return Err(bad(file, "", "no `planned_values`").into()),
    }
    // after_unknown by address.
    let mut unknowns: HashMap<String, Value> = HashMap::new();
    for rc in doc.get("resource_changes").and_then(Value::as_array).unwrap_or_default() {
        if let (Some(a), Some(u)) = (
            rc.get("address").and_then(Value::as_str),
            rc.get("change").and_then(|c| c.get("after_unknown")),
        ) {
            unknowns.insert(a.to_owned(), u.clone());
        }
    }
    for p in &mut planned {
        if let Some(u) = unknowns.get(&p.address) {
            overlay(&mut p.values, u, &p.address, 0);
        }
    }
    let mut config = HashMap::new();
    if let Some(root) = doc.get("configuration").and_then(|c| c.get("root_module")) {
        collect_config(root, "", &mut config, 0);
    }
    let mut dep = Deployment::default();
    let scope = dep.scope.clone();
    // Two rounds: names filled in the first round change ids in the second.
    for _ in 0..2 {
        let ids = identities(&planned, &scope);
        let resolver = Resolver { config: &config, ids: &ids };
        for p in &mut planned {
            let module_conf = config.get(&strip_indexes(&p.module));
            if let Some(exprs) = module_conf.and_then(|m| m.resources.get(&p.local)) {
                resolver.fill(&mut p.values, exprs, &p.module, 0);
            }
        }
    }
    let instances = planned
        .into_iter()
        .filter(|p| p.mode == Mode::Managed)
        .map(|p| {
            let line = positions.and_then(|i| i.get(&p.pointer)).map(|pos| pos.line);
            let prov = Provenance { file: file.map(str::to_owned), pointer: p.address.clone(), line, column: None };
            let inst = Instance { address: p.address, tf_type: p.tf_type, mode: p.mode, attrs: p.values, file: file.unwrap_or_default().to_owned(), line };
            (inst, prov)
        })
        .collect();
    let mut diags = Vec::new();
    super::build(&mut dep, instances, &mut diags);
    dep.diagnostics = diags;
    Ok(dep)
}

fn identities(planned: &[Planned], scope: &Scope) -> HashMap<String, (String, String)> {
    let mut ids = HashMap::new();
    for p in planned {
        let known_id = p.values.get("id").and_then(Value::as_str).filter(|s| s.starts_with('/'));
        let ident = mapping::identity_of(&p.tf_type, &p.values, scope, &p.address);
        let id = known_id.map(str::to_owned).or_else(|| ident.as_ref().map(|i| i.2.clone()));
        let name = match p.values.get("name") {
            Some(Value::String(s)) => Some(s.clone()),
            _ => ident.as_ref().map(|i| i.1.rsplit('/').next().unwrap_or(&i.1).to_owned()),
        };
        if let (Some(id), Some(name)) = (id, name) {
            ids.insert(p.address.clone(), (id, name));
        }
    }
    ids
}
