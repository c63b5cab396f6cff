//! Terraform ingestion: plan JSON and HCL folders, mapped to ARM shape by data tables.
//!
//! - [`load_hcl_dir`]: a folder of `.tf` files read without running
//!   Terraform (variables, locals, `count`/`for_each`, local modules,
//!   references between resources, common functions). What only the provider
//!   or Azure knows is [`Value::Unknown`] with the reason.
//! - [`load_plan`]: `terraform show -json` output; values from
//!   `planned_values`, unknowns from `after_unknown`, ids of referenced
//!   resources from `configuration` references.
//!
//! Both map resources to ARM with `core/data/terraform/azurerm.json` (azurerm)
//! or the resource's own `type`/`body` (azapi), compute ARM ids in the
//! placeholder [`crate::model::Scope`], and derive relations from the ids.

pub mod config;
pub mod eval;
pub mod funcs;
pub mod mapping;
pub mod plan;
pub mod walk;

use crate::model::{Deployment, Diagnostic, DiagnosticLevel, Provenance};
use crate::value::{Map, Value};
use crate::Error;
use std::path::Path;
use std::rc::Rc;

pub use plan::{is_plan, load_plan, load_plan_text};
pub(crate) use plan::load_plan_indexed;

/// A Terraform input by path: a folder of `.tf` files (or a `.tf` file, read
/// with its folder), or a plan JSON file (`terraform show -json`).
pub fn load_path(path: &Path, vars: &[(String, String)]) -> Result<Deployment, Error> {
    if path.is_dir() {
        return load_hcl_dir(path, vars);
    }
    if path.extension().is_some_and(|x| x == "tf") {
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        return load_hcl_dir(dir, vars);
    }
    let text = config::read_text(path)?;
    load_plan_text(&text, Some(&path.display().to_string()))
}

/// Why Terraform input could not be used at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TerraformError {
    /// A file or folder could not be read.
    #[error("cannot read `{path}`: {message}")]
    Io {
        /// Path.
        path: String,
        /// Operating system message.
        message: String,
    },
    /// A `.tf` or `.tfvars` file is not valid HCL.
    #[error("{file}: invalid HCL: {message}")]
    Hcl {
        /// File.
        file: String,
        /// Parser message (with line and column).
        message: String,
    },
    /// Input beyond the size limits.
    #[error("`{path}`: {what}")]
    TooLarge {
        /// Path.
        path: String,
        /// Which limit.
        what: String,
    },
    /// A folder without `.tf` files.
    #[error("`{path}` holds no `.tf` files")]
    NoTfFiles {
        /// Path.
        path: String,
    },
    /// A plan document of the wrong shape.
    #[error("{file}: not a Terraform plan: {message} at `{pointer}`")]
    Plan {
        /// File (or `<input>`).
        file: String,
        /// JSON pointer.
        pointer: String,
        /// What is wrong.
        message: String,
    },
}

impl From<TerraformError> for Error {
    fn from(source: TerraformError) -> Self {
        Error::Terraform { source }
    }
}

/// Variable values for the root module, in Terraform's order of precedence
/// (later wins): declared defaults, other `*.tfvars` files in the folder
/// (alphabetical; Terraform itself reads them only with `-var-file`, so a
/// diagnostic says so), `terraform.tfvars`, `terraform.tfvars.json`,
/// `*.auto.tfvars(.json)` (alphabetical), then `overrides` (`-var name=value`).
pub fn root_vars(
    cfg: &config::ModuleConfig,
    overrides: &[(String, String)],
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<Map, TerraformError> {
    let dir = &cfg.dir;
    let files = config::files_in(dir, |n| n.ends_with(".tfvars") || n.ends_with(".tfvars.json"))?;
    let rank = |p: &Path| {
        let n = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if n == "terraform.tfvars" {
            1
        } else if n == "terraform.tfvars.json" {
            2
        } else if n.ends_with(".auto.tfvars") || n.ends_with(".auto.tfvars.json") {
            3
        } else {
            0
        }
    };
    let mut ordered: Vec<_> = files.iter().map(|p| (rank(p), p)).collect();
    crate::order::sort(&mut ordered);
    let mut given = Map::new();
    for (r, p) in ordered {
        let file = p.display().to_string();
        let text = config::read_text(p)?;
        if r == 0 {
            diagnostics.push(Diagnostic {
                level: DiagnosticLevel::Info,
                message: format!("`{file}` read as if given with `-var-file` (Terraform reads only `terraform.tfvars` and `*.auto.tfvars` by itself)"),
                provenance: Provenance { file: Some(file.clone()), ..Provenance::default() },
            });
        }
        if file.ends_with(".json") {
            let doc = crate::json::parse(&text)
                .map_err(|e| TerraformError::Hcl { file: file.clone(), message: e.to_string() })?;
            if let Value::Object(m) = doc {
                given.extend(m);
            }
        } else {
            let body = config::parse_hcl(&text, &file)?;
            let mut s = eval::Scope::default();
            for a in body.attributes() {
                given.insert(a.key.as_str().to_owned(), s.eval(&a.expr));
            }
        }
    }
    for (k, text) in overrides {
        let ty = cfg.variables.get(k).and_then(|d| d.type_.clone());
        let v = if matches!(ty.as_deref(), Some("string") | None) {
            Value::String(text.clone())
        } else {
            parse_cli_value(text).unwrap_or_else(|| Value::String(text.clone()))
        };
        given.insert(k.clone(), v);
    }
    for k in given.keys() {
        if !cfg.variables.contains_key(k) {
            diagnostics.push(Diagnostic {
                level: DiagnosticLevel::Info,
                message: format!("a value is given for `{k}`, which the root module does not declare"),
                provenance: Provenance { file: Some(dir.display().to_string()), ..Provenance::default() },
            });
        }
    }
    Ok(walk::resolve_vars(cfg, given, ""))
}

/// A `-var` value written as an HCL expression (`["a","b"]`, `{a=1}`, `3`).
fn parse_cli_value(text: &str) -> Option<Value> {
    let body = hcl::parse(&format!("v = {text}\n")).ok()?;
    let attr = body.attributes().next()?;
    let v = eval::Scope::default().eval(&attr.expr);
    (!eval::is_error(&v)).then_some(v)
}

/// Read a folder of `.tf` files (the root module) and the local modules it
/// calls. `vars` are `-var`-style overrides (`name`, text value).
pub fn load_hcl_dir(path: &Path, vars: &[(String, String)]) -> Result<Deployment, Error> {
    if !config::has_tf_files(path) {
        return Err(TerraformError::NoTfFiles { path: path.display().to_string() }.into());
    }
    let root = Rc::new(config::load_module(path)?);
    let mut dep = Deployment::default();
    let mut diags = Vec::new();
    let vars = root_vars(&root, vars, &mut diags)?;
    let scope = dep.scope.clone();
    let mut walker = walk::Walker::new(&scope, path);
    walker.run(root, &vars);
    diags.append(&mut walker.diagnostics);
    let instances: Vec<(walk::Instance, Provenance)> = walker
        .instances
        .into_iter()
        .filter(|i| i.mode == walk::Mode::Managed)
        .map(|i| {
            let prov = Provenance { file: Some(i.file.clone()), pointer: i.address.clone(), line: i.line, column: None };
            (i, prov)
        })
        .collect();
    build(&mut dep, instances, &mut diags);
    dep.diagnostics = diags;
    Ok(dep)
}

/// Map instances to ARM resources, apply merges (association resources,
/// `azapi_update_resource`), derive relations.
pub(crate) fn build(dep: &mut Deployment, instances: Vec<(walk::Instance, Provenance)>, diags: &mut Vec<Diagnostic>) {
    let mut merges: Vec<(String, Value, bool, Provenance)> = Vec::new();
    for (inst, prov) in instances {
        let mut attrs = inst.attrs;
        eval::strip_marks(&mut attrs, 0);
        match mapping::map_resource(&inst.tf_type, &attrs, &dep.scope, &inst.address) {
            Some(m) => {
                if let Some(target) = m.merge_into {
                    merges.push((target, m.value, m.append, prov));
                    continue;
                }
                let mut value = m.value;
                // A plan knows the real id of an existing resource; keep it.
                if let (Some(id), Value::Object(o)) = (attrs.get("id").and_then(Value::as_str).filter(|s| s.starts_with('/')), &mut value) {
                    o.insert("id".to_owned(), Value::String(id.to_owned()));
                }
                dep.push(value, prov.clone());
                for (block, child) in m.children {
                    let p = Provenance { pointer: format!("{}.{block}", prov.pointer), ..prov.clone() };
                    dep.push(child, p);
                }
            }
            None => {
                if inst.tf_type.starts_with("azurerm_") || inst.tf_type.starts_with("azapi_") {
                    diags.push(Diagnostic {
                        level: DiagnosticLevel::Info,
                        message: format!("`{}` (type `{}`) has no ARM mapping yet; not checked", inst.address, inst.tf_type),
                        provenance: prov,
                    });
                }
            }
        }
    }
    for (target, value, append, prov) in merges {
        match dep.find_by_id(&target).and_then(|i| dep.resources.get_mut(i)) {
            Some(r) => mapping::merge_values(&mut r.value, value, append, 0),
            None => diags.push(Diagnostic {
                level: DiagnosticLevel::Info,
                message: format!(
                    "`{}` modifies `{}`, which is not declared in this configuration; not applied",
                    prov.pointer,
                    if target.is_empty() { "(unknown)" } else { &target }
                ),
                provenance: prov,
            }),
        }
    }
    dep.derive_relations();
}

#[cfg(test)]
mod tests;
