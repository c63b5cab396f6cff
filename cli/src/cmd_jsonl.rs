//! `amlguard check --jsonl`: JSON Lines inventories (one ARM resource per
//! line, the shape Azure Resource Graph exports) checked in fixed-size
//! chunks, findings written as they are found. Memory is bounded by the chunk
//! size, not the inventory size.

use amlguard_core::report::Status;
use amlguard_core::rules::CheckOptions;
use amlguard_core::{Deployment, Provenance};
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Resources per chunk: a chunk ends at the first change of subscription or
/// resource group after this many resources (so the resources of one group,
/// contiguous in a Resource Graph export, are checked together), or at
/// [`MAX_CHUNK`] regardless. Some cross-resource checks are quadratic in the
/// chunk (e.g. subnet capacity scans the chunk per subnet), so chunks stay small.
const CHUNK: usize = 1_000;
/// Hard bound on a chunk.
const MAX_CHUNK: usize = 20_000;

/// `subscriptionId/resourceGroup` of an inventory row (or of its id).
fn group_of(v: &amlguard_core::Value) -> String {
    let get = |k: &str| v.get_ci(k).and_then(amlguard_core::Value::as_str).unwrap_or_default().to_ascii_lowercase();
    let (sub, rg) = (get("subscriptionId"), get("resourceGroup"));
    if !rg.is_empty() {
        return format!("{sub}/{rg}");
    }
    let id = get("id");
    id.split("/providers/").next().unwrap_or_default().to_owned()
}

#[derive(Default)]
struct Totals {
    resources: usize,
    failed: usize,
    indeterminate: usize,
    failing_exit: bool,
}

fn flush(dep: &mut Deployment, format: &str, opts: &CheckOptions, totals: &mut Totals, out: &mut impl Write) -> Result<(), String> {
    if dep.resources.is_empty() {
        return Ok(());
    }
    dep.derive_relations();
    let report = amlguard_core::check(dep, opts);
    totals.resources = totals.resources.saturating_add(dep.resources.len());
    for f in report.findings.iter().filter(|f| f.is_active()) {
        match f.status {
            Status::Fail => {
                totals.failed = totals.failed.saturating_add(1);
                if f.severity >= opts.fail_on {
                    totals.failing_exit = true;
                }
            }
            _ => totals.indeterminate = totals.indeterminate.saturating_add(1),
        }
        let line = if format == "json" {
            serde_json::to_string(f).map_err(|e| e.to_string())?
        } else {
            format!(
                "{}:{} {} {} {} `{}`: {}",
                f.location.file.as_deref().unwrap_or("<input>"),
                f.location.line.unwrap_or(0),
                f.severity.as_str(),
                if f.status == Status::Fail { "fail" } else { "indeterminate" },
                f.rule_id,
                f.resource.name,
                f.message
            )
        };
        // A closed pipe (`| head`) ends the output, not the run's verdict.
        let _ = writeln!(out, "{line}");
    }
    *dep = Deployment::default();
    Ok(())
}

/// Check JSON Lines files.
pub fn run(paths: &[PathBuf], format: &str, opts: &CheckOptions) -> Result<ExitCode, String> {
    if !matches!(format, "json" | "text") {
        return Err(format!("`--jsonl` writes `text` or `json`, not `{format}`"));
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut totals = Totals::default();
    let mut dep = Deployment::default();
    let mut buf = Vec::new();
    let mut last_group = String::new();
    for path in paths {
        let name = path.display().to_string();
        let file = std::fs::File::open(path).map_err(|e| format!("cannot read `{name}`: {e}"))?;
        let mut reader = std::io::BufReader::with_capacity(1 << 20, file);
        let mut line_no: u32 = 0;
        loop {
            buf.clear();
            let n = reader.read_until(b'\n', &mut buf).map_err(|e| format!("cannot read `{name}`: {e}"))?;
            if n == 0 {
                break;
            }
            line_no = line_no.saturating_add(1);
            if buf.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let value = amlguard_core::json::parse_bytes(&buf).map_err(|e| format!("{name}:{line_no}: {e}"))?;
            if value.get_ci("type").and_then(amlguard_core::Value::as_str).is_none() {
                return Err(format!("{name}:{line_no}: a line must be one resource object with a string `type`"));
            }
            let group = group_of(&value);
            if (dep.resources.len() >= CHUNK && group != last_group) || dep.resources.len() >= MAX_CHUNK {
                flush(&mut dep, format, opts, &mut totals, &mut out)?;
            }
            last_group = group;
            let prov = Provenance { file: Some(name.clone()), pointer: String::new(), line: Some(line_no), column: None };
            dep.push(value, prov);
        }
    }
    flush(&mut dep, format, opts, &mut totals, &mut out)?;
    let summary = if format == "json" {
        format!(
            "{{\"summary\":{{\"resources\":{},\"failed\":{},\"indeterminate\":{}}}}}",
            totals.resources, totals.failed, totals.indeterminate
        )
    } else {
        format!("{} resources: {} failed, {} indeterminate", totals.resources, totals.failed, totals.indeterminate)
    };
    let _ = writeln!(out, "{summary}");
    let _ = out.flush();
    Ok(if totals.failing_exit { ExitCode::from(1) } else { ExitCode::SUCCESS })
}
