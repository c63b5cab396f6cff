//! Nested deployments (`Microsoft.Resources/deployments`): inline templates
//! with `inner` or `outer` expression scope, and linked templates by
//! `templateLink.relativePath`.

use super::error::{ErrorKind, EvalError};
use super::eval::{DeploymentInfo, Evaluator, OutputTable, Replay};
use super::template::{self, resource_id, Settings, Sink, Source};
use crate::model::DiagnosticLevel;
use crate::value::{Map, Value};
use std::borrow::Cow;

fn field<'v>(v: &'v Value, key: &str) -> Option<&'v Value> {
    v.get_ci(key)
}

/// Expand one nested deployment resource into `sink`, recording its outputs
/// in `table` under the deployment's id.
pub fn deployment<'a>(
    ev: &mut Evaluator<'a>,
    r: &'a Value,
    pointer: &str,
    src: &Source<'a>,
    set: &Settings<'_>,
    sink: &mut Sink,
) -> Result<(), EvalError> {
    // Early outputs read from here on (see `Evaluator::known_outputs`).
    let since = ev.hits;
    let eval_depth = ev.eval_depth();
    let replay = |ev: &Evaluator<'a>| Replay {
        r,
        pointer: pointer.to_owned(),
        src: src.clone(),
        set_depth: set.depth,
        eval_depth,
        copies: ev.copies.clone(),
        resource_copy: ev.resource_copy.clone(),
        info: ev.info.clone(),
    };
    let (name, mut info, id_key) = target(ev, r, pointer, set)?;
    if ev.hits > since {
        // Which deployment this is depends on an early output.
        ev.inexact = true;
    }
    let empty = Value::Object(Map::new());
    let props = field(r, "properties").unwrap_or(&empty);
    let pp = format!("{pointer}/properties");
    let inner_scope = inner_scope(ev, props, &pp)?;
    // The template: inline or linked.
    let inline: Option<&'a Value> = field(r, "properties").and_then(|p| field(p, "template"));
    let (tmpl, tsrc, base, linked) = if let Some(t) = inline {
        (Cow::Borrowed(t), src.clone(), format!("{pp}/template"), false)
    } else if let Some(link) = field(props, "templateLink") {
        let link = ev.value_of(link, &pp, "templateLink")?;
        match link.get_ci("relativePath") {
            Some(Value::String(rel)) => {
                let (t, s) = read_linked(src, rel, set).map_err(|e| e.at(&format!("{pp}/templateLink/relativePath")))?;
                if let Some(f) = &s.file {
                    info.template_uri = super::file_uri(f).map(Into::into);
                }
                (Cow::Owned(t), s, String::new(), true)
            }
            _ if local_link(src, &link).is_some() => {
                let rel = local_link(src, &link).unwrap_or_default();
                let (t, s) = read_linked(src, &rel, set).map_err(|e| e.at(&format!("{pp}/templateLink/uri")))?;
                if let Some(f) = &s.file {
                    info.template_uri = super::file_uri(f).map(Into::into);
                }
                (Cow::Owned(t), s, String::new(), true)
            }
            _ => {
                let what = if link.get_ci("id").is_some() { "a template spec" } else { "a uri" };
                sink.diagnostics.push(src.diagnostic(
                    DiagnosticLevel::Info,
                    format!("nested deployment `{name}` links to {what}; linked templates are followed only by `relativePath`"),
                    &format!("{pp}/templateLink"),
                ));
                return Ok(());
            }
        }
    } else {
        return Err(EvalError::new(ErrorKind::Structure, format!("nested deployment `{name}` has neither `template` nor `templateLink`")).at(&pp));
    };
    if field(props, "parametersLink").is_some() {
        sink.diagnostics.push(src.diagnostic(
            DiagnosticLevel::Info,
            format!("nested deployment `{name}` reads parameters from a link, which is not followed; those parameters are unknown"),
            &format!("{pp}/parametersLink"),
        ));
    }
    let inner_set = Settings { limits: set.limits, depth: set.depth.saturating_add(1), shared: set.shared, outputs_only: set.outputs_only };
    if inner_scope || linked {
        // (The parameters' keys are distinct: collected as they are, sized once.)
        let mut supplied = Vec::new();
        if let Some(Value::Object(params)) = field(props, "parameters") {
            supplied.reserve_exact(params.len());
            for (k, p) in params {
                // The entry may itself be an expression producing `{value: …}`.
                let evaluated;
                let entry = match p {
                    Value::String(_) => {
                        evaluated = ev.value_in(p, &pp, &["parameters", k])?;
                        &evaluated
                    }
                    _ => p,
                };
                let v = if entry.is_unknown() {
                    entry.clone()
                } else if let Some(v) = field(entry, "value") {
                    if matches!(p, Value::String(_)) { v.clone() } else { ev.value_in(v, &pp, &["parameters", k, "value"])? }
                } else if field(entry, "reference").is_some() {
                    Value::unknown(format!("parameter `{k}` is a key vault secret reference"))
                } else {
                    Value::unknown(format!("parameter `{k}` has no value"))
                };
                supplied.push((k.clone(), v));
            }
        }
        match expand(&tmpl, &tsrc, &base, Map::from_distinct(supplied), info, &inner_set) {
            Ok((inner_sink, outputs)) => {
                sink.resources.extend(inner_sink.resources);
                sink.skipped = sink.skipped.saturating_add(inner_sink.skipped);
                sink.diagnostics.extend(inner_sink.diagnostics);
                sink.secret_outputs.extend(inner_sink.secret_outputs);
                ev.record_outputs(id_key, outputs, since, replay);
            }
            Err(te) => sink.diagnostics.push(crate::model::Diagnostic {
                level: DiagnosticLevel::Error,
                message: format!("nested deployment `{name}` not expanded: {}", te.message),
                provenance: crate::model::Provenance { file: te.file, pointer: te.pointer, line: te.line, column: te.column },
            }),
        }
    } else {
        // Outer scope: the inner template's expressions see this template's
        // parameters and variables.
        // (Not linked: the template is the inline one.)
        let Cow::Borrowed(tmpl) = tmpl else {
            return Err(EvalError::new(ErrorKind::Structure, format!("nested deployment `{name}` has no inline `template`")).at(&pp));
        };
        template::check_declarations(tmpl, &tsrc, &base, set.limits).map_err(|te| EvalError::new(te.kind, te.message).at(&te.pointer))?;
        let saved = std::mem::replace(&mut ev.info, info);
        let walked = template::walk(ev, tmpl, &base, &tsrc, &inner_set, sink);
        let outputs = template::outputs(ev, tmpl, &base);
        sink.secret_outputs.extend(super::secrets::secret_outputs(tmpl, &base, &tsrc, &mut |c, at| ev.value(c, at).ok()?.as_bool()));
        ev.info = saved;
        walked.map_err(|te| EvalError::new(te.kind, te.message).at(&te.pointer))?;
        ev.record_outputs(id_key, outputs, since, replay);
    }
    Ok(())
}

/// Name, scope and lower-cased id of a deployment resource `r`.
fn target(ev: &mut Evaluator<'_>, r: &Value, pointer: &str, set: &Settings<'_>) -> Result<(String, DeploymentInfo, String), EvalError> {
    let name = match field(r, "name") {
        Some(n) => ev.value_of(n, pointer, "name")?,
        None => return Err(EvalError::new(ErrorKind::Structure, "a deployment needs a `name`").at(pointer)),
    };
    let name = match name {
        Value::String(s) => s,
        Value::Unknown(_) => "unnamed-deployment".to_owned(),
        other => {
            return Err(EvalError::new(ErrorKind::Type, format!("`name` must be a string, found {}", other.type_name()))
                .at(&format!("{pointer}/name")))
        }
    };
    if set.depth.saturating_add(1) > set.limits.max_deployment_depth {
        return Err(EvalError::new(
            ErrorKind::Limit,
            format!("nested deployment `{name}` is more than {} levels deep", set.limits.max_deployment_depth),
        )
        .at(pointer));
    }
    // Where the inner deployment goes.
    let mut info = ev.info.clone();
    for (key, slot) in [("subscriptionId", 0), ("resourceGroup", 1)] {
        if let Some(v) = field(r, key) {
            match ev.value_of(v, pointer, key)? {
                Value::String(s) if slot == 0 => std::rc::Rc::make_mut(&mut info.scope).subscription_id = s,
                Value::String(s) => std::rc::Rc::make_mut(&mut info.scope).resource_group = s,
                _ => {}
            }
        }
    }
    info.name = name.as_str().into();
    info.template_uri = None;
    let id_key = crate::model::normalise_id(&resource_id(&info, "Microsoft.Resources/deployments", &name, None));
    Ok((name, info, id_key))
}

/// `expressionEvaluationOptions.scope` is `inner`.
fn inner_scope(ev: &mut Evaluator<'_>, props: &Value, pp: &str) -> Result<bool, EvalError> {
    Ok(match field(props, "expressionEvaluationOptions").and_then(|o| field(o, "scope")) {
        Some(s) => matches!(ev.value_in(s, pp, &["expressionEvaluationOptions", "scope"])?, Value::String(ref x) if x.eq_ignore_ascii_case("inner")),
        None => false,
    })
}

/// For a top-level resource `r` (copy instance set in `ev`) that the first
/// of the repeated passes would expand as a nested deployment: its id and
/// whether it expands an inline template with resources in this template's
/// scope (whose own nested deployments record outputs too). `None` if it is
/// not one.
pub(crate) fn first_pass_target(ev: &mut Evaluator<'_>, r: &Value, pointer: &str, set: &Settings<'_>) -> Option<(String, bool)> {
    let m = r.as_object()?;
    if let Some(c) = r.get_ci("condition") {
        match ev.value_of(c, pointer, "condition") {
            Ok(Value::Bool(true) | Value::Unknown(_)) => {}
            _ => return None,
        }
    }
    let t = m.iter().find(|(k, _)| k.eq_ignore_ascii_case("type")).map(|(_, v)| v)?;
    match ev.value_of(t, pointer, "type") {
        Ok(Value::String(t)) if t.eq_ignore_ascii_case("Microsoft.Resources/deployments") => {}
        _ => return None,
    }
    let (_, _, id_key) = target(ev, r, pointer, set).ok()?;
    let empty = Value::Object(Map::new());
    let props = field(r, "properties").unwrap_or(&empty);
    // (An error here fails the deployment: then it records nothing, and
    // saying "outer" only makes the caller give up.)
    let outer = field(props, "template").is_some_and(may_record) && !inner_scope(ev, props, &format!("{pointer}/properties")).unwrap_or(false);
    Some((id_key, outer))
}

/// An inline template whose expansion may record nested deployment
/// outputs: one with resources (an empty one records only its own).
pub(crate) fn may_record(t: &Value) -> bool {
    match t.get_ci("resources") {
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(m)) => !m.is_empty(),
        None => false,
        Some(_) => true,
    }
}

/// A `templateLink.uri` that points into the parent template's own folder
/// (built from `deployment().properties.templateLink.uri` of a local file):
/// the path relative to that folder, without a query string.
fn local_link(src: &Source<'_>, link: &Value) -> Option<String> {
    let uri = link.get_ci("uri")?.as_str()?;
    let path = uri.strip_prefix("file://")?;
    let path = path.split('?').next()?;
    let dir = std::fs::canonicalize(src.dir.as_ref()?).ok()?;
    let dir = format!("{}/", dir.to_str()?.replace('\\', "/"));
    let rel = path.strip_prefix(&dir).or_else(|| path.strip_prefix('/').and_then(|p| p.strip_prefix(&dir)))?;
    if rel.split('/').any(|seg| seg == "..") {
        return None;
    }
    Some(rel.to_owned())
}

fn read_linked(src: &Source<'_>, rel: &str, set: &Settings<'_>) -> Result<(Value, Source<'static>), EvalError> {
    let Some(dir) = &src.dir else {
        return Err(EvalError::new(
            ErrorKind::Io,
            format!("linked template `{rel}` cannot be found: the parent template was not read from a file"),
        ));
    };
    let path = dir.join(rel);
    let shown = path.display().to_string();
    let max = set.limits.max_template_bytes;
    let bytes = crate::ingest::read_at_most(&path, max)
        .map_err(|e| EvalError::new(ErrorKind::Io, format!("cannot read linked template `{shown}`: {e}")))?
        .map_err(|big| EvalError::new(ErrorKind::Limit, format!("linked template `{shown}` {big}; azure accepts at most {max}")))?;
    let text = crate::json::decode(&bytes).map_err(|e| EvalError::new(ErrorKind::Syntax, format!("`{shown}`: {e}")))?;
    let dir = path.parent().map(std::path::Path::to_path_buf);
    Source::parse_shared(Some(&shown), std::sync::Arc::from(text), dir).map_err(|e| EvalError::new(ErrorKind::Syntax, format!("`{shown}`: {e}")))
}

/// Expand a template with its own scope. First one pass in which
/// `reference()` also sees the outputs of nested deployments expanded earlier
/// in that pass; it stands when it is exact (nothing missed, nothing read
/// that an earlier output could have changed), which is what the passes below
/// give. Otherwise: passes that each see the previous pass's outputs,
/// re-running while nested deployment outputs become known (module outputs
/// feeding other modules).
pub fn expand(
    t: &Value,
    src: &Source<'_>,
    base: &str,
    supplied: Map,
    info: DeploymentInfo,
    set: &Settings<'_>,
) -> Result<(Sink, Value), super::error::TemplateError> {
    const MAX_PASSES: usize = 8;
    template::check_declarations(t, src, base, set.limits)?;
    let mut known = OutputTable::default();
    let mut early = !no_early_pass();
    let mut pass = 0;
    loop {
        pass += 1;
        let mut sink = Sink::default();
        // Another pass follows when a `reference()` (in the resources or the
        // outputs) missed module outputs that this pass found; secret
        // outputs are looked for on the last pass only.
        let (last, found) = {
            let mut ev = template::evaluator(t, base, &supplied, info.clone(), set.limits, &known, set.shared)
                .map_err(|e| src.error(e, base))?;
            ev.early = early;
            let walked = template::walk(&mut ev, t, base, src, set, &mut sink);
            if let (Err(e), false) = (&walked, early) {
                return Err(e.clone());
            }
            let outs = if ev.doomed() { Value::Null } else { template::outputs(&mut ev, t, base) };
            let found = std::mem::take(&mut ev.found);
            let grew = found.keys().any(|k| !known.contains_key(k)) || found.iter().any(|(k, v)| known.get(k) != Some(v));
            let again = !ev.missed_outputs.is_empty() && grew && pass < MAX_PASSES;
            let last = if (early && !ev.doomed()) || (!early && !again) {
                sink.secret_outputs.extend(super::secrets::secret_outputs(t, base, src, &mut |c, at| ev.value(c, at).ok()?.as_bool()));
                // (`doomed` counts the misses the repeated passes make too.)
                let exact = walked.is_ok() && !ev.doomed();
                (!early || exact).then_some(outs)
            } else {
                None
            };
            (last, found)
        };
        match last {
            Some(outs) => return Ok((sink, outs)),
            None if early => {
                early = false;
                pass = 0;
            }
            None => known.extend(found),
        }
    }
}

#[cfg(test)]
thread_local! {
    /// Tests: expand through the repeated passes only (the reference the
    /// early pass must equal).
    pub(crate) static NO_EARLY_PASS: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

#[cfg(test)]
fn no_early_pass() -> bool {
    NO_EARLY_PASS.with(std::cell::Cell::get)
}

#[cfg(not(test))]
fn no_early_pass() -> bool {
    false
}
