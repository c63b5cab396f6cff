//! Input adapters: every format becomes a [`crate::Deployment`].
//!
//! `arm` owns ARM templates (and plain resource lists); `terraform` owns plan
//! JSON and HCL folders. This module detects the format of a path or document
//! and dispatches.
//!
//! Folders: the templates of a folder (and of `prereq*` subfolders, the
//! quickstart convention for prerequisites) are merged into one
//! [`Deployment`] in the same placeholder resource group, so a main template
//! that uses resources created by its prerequisites links to them. In each
//! folder `azuredeploy.json` is the template when present (a `main.json` next
//! to it is the same deployment compiled from Bicep and is skipped);
//! otherwise `main.json`, otherwise every JSON file that is a deployment
//! template. `X.parameters.json` next to `X.json` supplies its parameters
//! (other parameters files, e.g. `X.parameters.us.json`, are reported and
//! not applied). Everything skipped is recorded as an info diagnostic.
//! A folder holding `.tf` files, or a `.tf` file (read with its folder), is a
//! Terraform module and goes to [`terraform::load_path`] instead.

pub mod arm;
pub mod terraform;

pub use arm::Limits;

use crate::error::Error;
use crate::model::{Deployment, Diagnostic, DiagnosticLevel, Provenance};
use crate::json::PositionIndex;
use crate::value::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How to read inputs.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Parameter documents applied to ARM templates, in order (later win):
    /// ARM parameters files or plain `{name: value}` objects. Applied after a
    /// template's sibling parameters file.
    pub parameters: Vec<Value>,
    /// Terraform variables (`name`, `value`).
    pub tf_vars: Vec<(String, String)>,
    /// Template limits (Azure's by default).
    pub limits: Limits,
}

/// What kind of document a JSON input is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// An ARM deployment template.
    ArmTemplate,
    /// An ARM parameters file (not an input on its own).
    ArmParameters,
    /// A Terraform plan (`terraform show -json`).
    TerraformPlan,
    /// A list of already expanded ARM resources.
    ResourceList,
}

/// Detect the format of a JSON document.
pub fn detect(doc: &Value) -> Format {
    if arm::is_parameters_file(doc) {
        Format::ArmParameters
    } else if arm::is_template(doc) {
        Format::ArmTemplate
    } else if terraform::is_plan(doc) {
        Format::TerraformPlan
    } else {
        Format::ResourceList
    }
}

/// The source of an ARM template: with the positions its parse recorded
/// (`index`), if any.
fn source<'t>(file: Option<&str>, text: Option<&'t str>, index: Option<PositionIndex<'t>>, dir: Option<PathBuf>) -> arm::Source<'t> {
    match index {
        Some(index) => arm::Source::indexed(file, index, dir),
        None => arm::Source::new(file, text, dir),
    }
}

/// Read a document (format detected from content) into a [`Deployment`].
pub fn load_value(doc: &Value, file: Option<&str>, opts: &LoadOptions) -> Result<Deployment, Error> {
    load_doc(doc, None, None, file, None, &[], opts)
}

/// Parse text (JSON with comments) and read it like [`load_value`].
pub fn load_text(text: &str, file: Option<&str>, opts: &LoadOptions) -> Result<Deployment, Error> {
    if text.len() > opts.limits.max_template_bytes {
        return Err(too_big(file, text.len(), &opts.limits));
    }
    // Positions are recorded by this parse, for provenance (ARM templates);
    // the index borrows the text (every position is resolved before this
    // returns: provenance holds lines and columns, not the text).
    let (doc, index) = crate::json::parse_indexed_borrowed(text).map_err(|e| Error::json(file, e))?;
    load_doc(&doc, Some(text), Some(index), file, None, &[], opts)
}

fn too_big(file: Option<&str>, size: usize, limits: &Limits) -> Error {
    Error::Template(arm::TemplateError {
        kind: arm::ErrorKind::Limit,
        message: format!("the template is {size} bytes; {}", over_limit(limits.max_template_bytes)),
        file: file.map(str::to_owned),
        pointer: String::new(),
        line: None,
        column: None,
    })
}

fn load_doc(
    doc: &Value,
    text: Option<&str>,
    index: Option<PositionIndex>,
    file: Option<&str>,
    dir: Option<PathBuf>,
    sibling_params: &[Value],
    opts: &LoadOptions,
) -> Result<Deployment, Error> {
    let mut dep = Deployment::default();
    add_doc(&mut dep, doc, text, index, file, dir, sibling_params, opts)?;
    arm::drop_shadowed_existing(&mut dep);
    dep.derive_relations();
    Ok(dep)
}

#[allow(clippy::too_many_arguments)]
fn add_doc(
    dep: &mut Deployment,
    doc: &Value,
    text: Option<&str>,
    index: Option<PositionIndex>,
    file: Option<&str>,
    dir: Option<PathBuf>,
    sibling_params: &[Value],
    opts: &LoadOptions,
) -> Result<(), Error> {
    match detect(doc) {
        Format::ArmTemplate => {
            let mut docs: Vec<Value> = sibling_params.to_vec();
            docs.extend(opts.parameters.iter().cloned());
            let params = arm::parameter_values(&docs);
            arm::expand_into(dep, doc, &source(file, text, index, dir), params, &opts.limits)?;
            Ok(())
        }
        Format::ArmParameters => Err(Error::Template(arm::TemplateError {
            kind: arm::ErrorKind::Structure,
            message: "this is an ARM parameters file, not a template; pass it with `--parameters`".to_owned(),
            file: file.map(str::to_owned),
            pointer: String::new(),
            line: None,
            column: None,
        })),
        // Terraform plan JSON: the Terraform adapter (owner: terraform).
        // (Lines from the positions this document's parse recorded.)
        Format::TerraformPlan => {
            let d = terraform::load_plan_indexed(doc, file, index.as_ref())?;
            dep.resources.extend(d.resources);
            dep.diagnostics.extend(d.diagnostics);
            Ok(())
        }
        Format::ResourceList => {
            // (Lines from the positions this document's parse recorded.)
            let d = match &index {
                Some(index) => Deployment::from_resources_indexed(doc, file, index),
                None => Deployment::from_resources(doc, file, text),
            }
            .map_err(|source| Error::Model { file: file.map(str::to_owned), source })?;
            dep.resources.extend(d.resources);
            Ok(())
        }
    }
}

/// A file over a size limit, for messages: `"is N bytes"` when the file
/// system knows its size, else `"is larger than MAX bytes"` (an endless file
/// such as `/dev/zero`, whose reading stopped just past the limit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooLarge {
    /// The limit, in bytes.
    pub max: usize,
    /// The file's size, when the file system reports one over the limit.
    pub size: Option<u64>,
}

impl std::fmt::Display for TooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.size {
            Some(size) => write!(f, "is {size} bytes"),
            None => write!(f, "is larger than {} bytes", self.max),
        }
    }
}

/// The bytes of `path` if it holds at most `max` bytes, else [`TooLarge`]:
/// a larger file (or an endless one such as `/dev/zero`) is refused after
/// reading `max + 1` bytes, never loaded whole. Every front end reads
/// user-named files through this.
pub fn read_at_most(path: &Path, max: usize) -> std::io::Result<Result<Vec<u8>, TooLarge>> {
    use std::io::Read as _;
    let mut bytes = Vec::new();
    let cap = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    std::fs::File::open(path)?.take(cap).read_to_end(&mut bytes)?;
    if bytes.len() <= max {
        return Ok(Ok(bytes));
    }
    let size = std::fs::metadata(path).ok().map(|m| m.len()).filter(|&n| n >= cap);
    Ok(Err(TooLarge { max, size }))
}

/// Largest file amlguard reads for which Azure sets no limit (suppressions,
/// rule parameters, policy definitions, alias catalogs): amlguard's own bound,
/// so a wrong path such as `/dev/zero` is refused instead of filling memory.
pub const MAX_OTHER_FILE_BYTES: usize = 64 << 20;

/// What a size limit is, for messages: Azure's 4 MB for templates and
/// parameters files unless the caller changed it.
fn over_limit(max: usize) -> String {
    if max == Limits::default().max_template_bytes {
        format!("azure accepts at most {max} bytes (4 MB)")
    } else {
        format!("the limit is {max} bytes")
    }
}

/// Read a UTF-8 text file (BOM skipped) of at most `max` bytes; a larger
/// one is refused without being loaded (see [`read_at_most`]).
pub fn read_text(path: &Path, max: usize) -> Result<String, Error> {
    read_decoded(path, max, str::to_owned)
}

/// [`read_text`] into the shared text a parse with positions keeps (one
/// copy of the bytes, not two).
fn read_shared(path: &Path, max: usize) -> Result<Arc<str>, Error> {
    read_decoded(path, max, |s: &str| Arc::from(s))
}

fn read_decoded<T>(path: &Path, max: usize, own: impl FnOnce(&str) -> T) -> Result<T, Error> {
    let shown = path.display().to_string();
    let bytes = read_at_most(path, max)
        .map_err(|e| Error::io(&shown, &e))?
        .map_err(|big| Error::Io { path: shown.clone(), message: format!("file {big}; {}", over_limit(max)) })?;
    crate::json::decode(&bytes).map(own).map_err(|e| Error::json(Some(&shown), e))
}

/// Read a file or a folder (see the module documentation for what a folder
/// contributes) into one [`Deployment`].
pub fn load_path(path: &Path, opts: &LoadOptions) -> Result<Deployment, Error> {
    // Terraform (owner: terraform): a folder holding `.tf` files is one
    // Terraform module; a `.tf` file is read with the rest of its module
    // (its folder), as Terraform would.
    let is_tf_file = path.is_file() && path.extension().is_some_and(|x| x.eq_ignore_ascii_case("tf"));
    if is_tf_file || (path.is_dir() && terraform::config::has_tf_files(path)) {
        return terraform::load_path(path, &opts.tf_vars);
    }
    let mut dep = Deployment::default();
    if path.is_dir() {
        load_dir(&mut dep, path, opts, true)?;
    } else {
        add_file(&mut dep, path, opts)?;
    }
    arm::drop_shadowed_existing(&mut dep);
    dep.derive_relations();
    Ok(dep)
}

/// `X.parameters.json` for `X.json`.
fn sibling_parameters(path: &Path) -> Option<PathBuf> {
    let stem = path.file_stem()?.to_str()?;
    let p = path.with_file_name(format!("{stem}.parameters.json"));
    p.is_file().then_some(p)
}

fn add_file(dep: &mut Deployment, path: &Path, opts: &LoadOptions) -> Result<(), Error> {
    let shown = path.display().to_string();
    let text = read_shared(path, opts.limits.max_template_bytes)?;
    let (doc, index) = crate::json::parse_indexed(text).map_err(|e| Error::json(Some(&shown), e))?;
    add_parsed(dep, path, &doc, index, opts)
}

/// [`add_file`] for a file already read and parsed (`doc`, with the
/// positions of its text in `index`).
fn add_parsed(dep: &mut Deployment, path: &Path, doc: &Value, index: PositionIndex, opts: &LoadOptions) -> Result<(), Error> {
    let shown = path.display().to_string();
    let mut siblings = Vec::new();
    if detect(doc) == Format::ArmTemplate {
        if let Some(p) = sibling_parameters(path) {
            let ptext = read_text(&p, opts.limits.max_parameters_file_bytes)?;
            let pshown = p.display().to_string();
            siblings.push(crate::json::parse(&ptext).map_err(|e| Error::json(Some(&pshown), e))?);
            dep.diagnostics.push(info(format!("parameters for `{shown}` read from `{pshown}`"), &pshown));
        }
    }
    let dir = path.parent().map(Path::to_path_buf);
    // (The text is the index's.)
    add_doc(dep, doc, None, Some(index), Some(&shown), dir, &siblings, opts)
}

fn info(message: String, file: &str) -> Diagnostic {
    Diagnostic {
        level: DiagnosticLevel::Info,
        message,
        provenance: Provenance { file: Some(file.to_owned()), pointer: String::new(), line: None, column: None },
    }
}

fn load_dir(dep: &mut Deployment, dir: &Path, opts: &LoadOptions, top: bool) -> Result<(), Error> {
    let shown_dir = dir.display().to_string();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(&shown_dir, &e))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    let has_azuredeploy = entries.iter().any(|p| file_name(p).eq_ignore_ascii_case("azuredeploy.json"));
    let mut subdirs = Vec::new();
    let mut templates = Vec::new();
    for p in &entries {
        let name = file_name(p);
        let shown = p.display().to_string();
        let lname = name.to_ascii_lowercase();
        if p.is_dir() {
            if lname.starts_with('.') {
                continue;
            }
            if top && lname.starts_with("prereq") {
                subdirs.push(p.clone());
            } else {
                dep.diagnostics.push(info(
                    format!("folder `{shown}` not searched (only `prereq*` subfolders are); pass it explicitly to check it"),
                    &shown,
                ));
            }
            continue;
        }
        if !lname.ends_with(".json") {
            let why = if lname.ends_with(".bicep") || lname.ends_with(".bicepparam") {
                "bicep source is not read; the compiled json template is (`az bicep build`)"
            } else {
                "not a json template"
            };
            dep.diagnostics.push(info(format!("skipped `{shown}`: {why}"), &shown));
            continue;
        }
        if lname.contains(".parameters") || lname.starts_with("params") {
            let stem_ok = p
                .file_name()
                .and_then(|f| f.to_str())
                .and_then(|f| f.strip_suffix(".parameters.json"))
                .map(|stem| dir.join(format!("{stem}.json")).is_file())
                .unwrap_or(false);
            if !stem_ok {
                dep.diagnostics.push(info(
                    format!("parameters file `{shown}` not applied (only `X.parameters.json` beside `X.json` is; pass others with `--parameters`)"),
                    &shown,
                ));
            }
            continue;
        }
        if matches!(lname.as_str(), "metadata.json" | "bicepconfig.json" | "version.json" | "package.json") {
            dep.diagnostics.push(info(format!("skipped `{shown}`: not a template"), &shown));
            continue;
        }
        if lname == "main.json" && has_azuredeploy {
            dep.diagnostics.push(info(
                format!("skipped `{shown}`: `azuredeploy.json` in the same folder is taken as the deployment"),
                &shown,
            ));
            continue;
        }
        templates.push(p.clone());
    }
    for p in templates {
        let shown = p.display().to_string();
        let text = read_shared(&p, opts.limits.max_template_bytes)?;
        let parsed = crate::json::parse_indexed(text).ok();
        match parsed.map(|(d, index)| (detect(&d), d, index)) {
            Some((Format::ArmTemplate | Format::TerraformPlan, d, index)) => add_parsed(dep, &p, &d, index, opts)?,
            Some((Format::ResourceList, d, index)) => match resource_list_len(&d) {
                Ok(n) => {
                    add_parsed(dep, &p, &d, index, opts)?;
                    dep.diagnostics.push(info(format!("read `{shown}` as a list of {n} ARM resource(s), taken as deployed (no template expressions)"), &shown));
                }
                Err(why) => dep.diagnostics.push(info(format!("skipped `{shown}`: not a deployment template, Terraform plan or resource list ({why})"), &shown)),
            },
            Some((Format::ArmParameters, ..)) => dep.diagnostics.push(info(format!("skipped `{shown}`: a parameters file (pass it with `--parameters`)"), &shown)),
            None => dep.diagnostics.push(info(format!("skipped `{shown}`: not valid json"), &shown)),
        }
    }
    for d in subdirs {
        load_dir(dep, &d, opts, false)?;
    }
    Ok(())
}

/// How many resources a folder file holds when it is a plain resource list
/// (an array of ARM resources, `{"resources": [...]}`, `{"data": [...]}` as
/// Azure Resource Graph returns, or one resource): every element an object
/// whose `type` is an ARM type (`Namespace/type`). Otherwise why not.
fn resource_list_len(doc: &Value) -> Result<usize, String> {
    let items: &[Value] = match doc {
        Value::Array(a) => a,
        Value::Object(m) => match m.get("resources").or_else(|| m.get("data")) {
            Some(Value::Array(a)) => a,
            _ if m.contains_key("type") => std::slice::from_ref(doc),
            _ => return Err("an object without `resources`, `data` or `type`".to_owned()),
        },
        other => return Err(format!("a json {}", other.type_name())),
    };
    if items.is_empty() {
        return Err("no resources".to_owned());
    }
    let arm_type = |v: &Value| v.get_ci("type").and_then(Value::as_str).is_some_and(|t| t.contains('/') && t.contains('.'));
    match items.iter().position(|v| !arm_type(v)) {
        Some(_) if matches!(doc, Value::Object(m) if m.contains_key("type")) => Err("its `type` is not an ARM resource type".to_owned()),
        Some(i) => Err(format!("element {i} has no ARM resource `type`")),
        None => Ok(items.len()),
    }
}

fn file_name(p: &Path) -> String {
    p.file_name().and_then(|f| f.to_str()).unwrap_or_default().to_owned()
}
