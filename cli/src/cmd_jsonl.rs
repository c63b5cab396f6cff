//! `amlguard check --jsonl`: JSON Lines inventories (one ARM resource per
//! line, the shape Azure Resource Graph exports), checked in chunks whose
//! findings are written as they are found. Memory is bounded by the chunk
//! size plus a few words per resource, not by the inventory size.
//!
//! Cross-resource rules (`related` counts, existence conditions, subnet
//! capacity, private endpoint connections) only ever look at resources joined
//! by ids: a string in one resource equal to another's id (or starting with
//! it at a `/`), or a resource id under another's. So resources are grouped
//! by those links before checking, and a group is never split across chunks
//! (unless it alone exceeds [`MAX_GROUP`]):
//!
//! 1. Read every line once: validate it, remember where it is, and keep a
//!    64-bit hash of its (normalised) id.
//! 2. Read every line again as bytes: each string that starts with `/` or
//!    `http` is matched against the id hashes the way
//!    `Deployment::derive_relations` matches ids (whole string, then each
//!    shorter prefix ending before a `/`); every match joins the two
//!    resources' groups (union-find). A hash collision can only join groups
//!    that need not be joined, never separate ones that must be together.
//! 3. Pack whole groups, in order of their first line, into chunks of about
//!    [`CHUNK`] resources; read each chunk's lines back (seeking) and check
//!    the chunk as one deployment.
//!
//! A resource therefore meets every resource it is linked to, as when the
//! whole file is checked as one deployment; see docs/design.md.

use amlguard_core::model::{normalise_id, Scope};
use amlguard_core::report::Status;
use amlguard_core::rules::CheckOptions;
use amlguard_core::{Deployment, Provenance, Value};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::io::{BufRead, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Resources per chunk: whole groups are added until a chunk holds at
/// least this many.
const CHUNK: usize = 250;
/// A group (resources linked by ids) larger than this is checked in pieces
/// of this size; a note on standard error says so.
const MAX_GROUP: usize = 100_000;

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
    // Simulation derives the relations itself (after adding what it adds).
    if !opts.simulate {
        dep.derive_relations();
    }
    let report = amlguard_core::rules::check_owned(amlguard_core::rules::Catalog::embedded(), std::mem::take(dep), opts);
    totals.resources = totals.resources.saturating_add(report.summary.resources);
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
    Ok(())
}

/// Where one resource's line is.
#[derive(Debug, Clone, Copy)]
struct Row {
    file: u32,
    line: u32,
    offset: u64,
    len: u32,
    /// The line has no string `id` (it is computed from type and name).
    computed_id: bool,
}

/// 64-bit hash of a normalised id (a fixed hasher: stable within the run).
fn id_hash(norm: &str) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    norm.hash(&mut h);
    h.finish()
}

/// Union-find over resources.
struct Groups {
    parent: Vec<u32>,
}

impl Groups {
    fn find(&mut self, mut x: u32) -> u32 {
        // Path halving; every index is < parent.len() by construction.
        while let Some(&p) = self.parent.get(x as usize) {
            if p == x {
                break;
            }
            let gp = self.parent.get(p as usize).copied().unwrap_or(p);
            if let Some(slot) = self.parent.get_mut(x as usize) {
                *slot = gp;
            }
            x = gp;
        }
        x
    }

    fn union(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            // The earlier resource is the root: groups are ordered by first line.
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            if let Some(slot) = self.parent.get_mut(hi as usize) {
                *slot = lo;
            }
        }
    }
}

/// Every string literal of a JSON line (raw bytes, escapes undone only for
/// `\/`); `None` when a string holds another escape (the caller then reads
/// the line as JSON).
fn raw_strings(line: &[u8]) -> Option<Vec<&[u8]>> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(start) = line.get(i..).and_then(|rest| rest.iter().position(|&b| b == b'"')).map(|p| i + p + 1) {
        let mut j = start;
        loop {
            match line.get(j) {
                None => return Some(out),
                Some(b'"') => break,
                Some(b'\\') => return None,
                Some(_) => j += 1,
            }
        }
        if let Some(s) = line.get(start..j) {
            out.push(s);
        }
        i = j + 1;
    }
    Some(out)
}

/// Every string value of a parsed resource (for lines with escapes).
fn value_strings(v: &Value, out: &mut Vec<String>, depth: usize) {
    if depth > 64 {
        return;
    }
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| value_strings(x, out, depth + 1)),
        Value::Object(m) => {
            for (k, x) in m {
                out.push(k.clone());
                value_strings(x, out, depth + 1);
            }
        }
        _ => {}
    }
}

/// Resources whose id a string names: the whole string, the longest id that
/// is a `/`-prefix of it (as relations are matched), and the longest proper
/// prefix (as a resource's parent is found from its id).
fn linked(s: &str, ids: &HashMap<u64, u32>, out: &mut Vec<u32>) {
    if !(s.starts_with('/') || s.starts_with("http")) {
        return;
    }
    let norm = normalise_id(s);
    if let Some(&i) = ids.get(&id_hash(&norm)) {
        out.push(i);
    }
    let mut end = norm.len();
    while let Some(pos) = norm.get(..end).and_then(|p| p.rfind('/')) {
        if pos == 0 {
            break;
        }
        if let Some(&i) = norm.get(..pos).and_then(|p| ids.get(&id_hash(p))) {
            out.push(i);
            break;
        }
        end = pos;
    }
}

fn open(path: &PathBuf) -> Result<std::io::BufReader<std::fs::File>, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    Ok(std::io::BufReader::with_capacity(1 << 20, file))
}

/// Call `each(file, line_no, offset, bytes)` for every non-blank line.
fn lines(paths: &[PathBuf], mut each: impl FnMut(u32, u32, u64, &[u8]) -> Result<(), String>) -> Result<(), String> {
    let mut buf = Vec::new();
    for (fi, path) in paths.iter().enumerate() {
        let fi = u32::try_from(fi).map_err(|_| "too many files".to_owned())?;
        let mut reader = open(path)?;
        let (mut line_no, mut offset): (u32, u64) = (0, 0);
        loop {
            buf.clear();
            let n = reader.read_until(b'\n', &mut buf).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
            if n == 0 {
                break;
            }
            line_no = line_no.saturating_add(1);
            if !buf.iter().all(u8::is_ascii_whitespace) {
                each(fi, line_no, offset, &buf)?;
            }
            offset = offset.saturating_add(n as u64);
        }
    }
    Ok(())
}

/// Check JSON Lines files.
pub fn run(paths: &[PathBuf], format: &str, opts: &CheckOptions) -> Result<ExitCode, String> {
    if !matches!(format, "json" | "text") {
        return Err(format!("`--jsonl` writes `text` or `json`, not `{format}`"));
    }
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let name_of = |fi: u32| names.get(fi as usize).cloned().unwrap_or_default();
    let scope = Scope::default();

    // Pass 1: validate, locate, hash ids.
    let mut rows: Vec<Row> = Vec::new();
    let mut ids: HashMap<u64, u32> = HashMap::new();
    lines(paths, |fi, line_no, offset, bytes| {
        let value = amlguard_core::json::parse_bytes(bytes).map_err(|e| format!("{}:{line_no}: {e}", name_of(fi)))?;
        let Some(type_) = value.get_ci("type").and_then(Value::as_str) else {
            return Err(format!("{}:{line_no}: a line must be one resource object with a string `type`", name_of(fi)));
        };
        let index = u32::try_from(rows.len()).map_err(|_| "more than 4 billion resources".to_owned())?;
        let own = value.get_ci("id").and_then(Value::as_str).map(str::to_owned);
        let computed_id = own.is_none();
        let id = own.or_else(|| value.get_ci("name").and_then(Value::as_str).map(|n| scope.resource_id(type_, n)));
        if let Some(id) = id {
            let norm = normalise_id(&id);
            if !norm.is_empty() {
                // The first resource with an id stands for it (as in `derive_relations`).
                ids.entry(id_hash(&norm)).or_insert(index);
            }
        }
        let len = u32::try_from(bytes.len()).map_err(|_| format!("{}:{line_no}: line longer than 4 GiB", name_of(fi)))?;
        rows.push(Row { file: fi, line: line_no, offset, len, computed_id });
        Ok(())
    })?;

    // Pass 2: join resources linked by ids.
    let total = u32::try_from(rows.len()).map_err(|_| "more than 4 billion resources".to_owned())?;
    let mut groups = Groups { parent: (0..total).collect() };
    let mut index: u32 = 0;
    let mut found = Vec::new();
    lines(paths, |_, _, _, bytes| {
        found.clear();
        let computed = rows.get(index as usize).is_some_and(|r| r.computed_id);
        match raw_strings(bytes).filter(|_| !computed) {
            Some(strings) => {
                for s in strings {
                    if let Ok(s) = std::str::from_utf8(s) {
                        linked(s, &ids, &mut found);
                    }
                }
            }
            None => {
                let value = amlguard_core::json::parse_bytes(bytes).map_err(|e| e.to_string())?;
                let mut strings = Vec::new();
                value_strings(&value, &mut strings, 0);
                if computed {
                    let t = value.get_ci("type").and_then(Value::as_str).unwrap_or_default();
                    if let Some(n) = value.get_ci("name").and_then(Value::as_str) {
                        strings.push(scope.resource_id(t, n));
                    }
                }
                for s in &strings {
                    linked(s, &ids, &mut found);
                }
            }
        }
        for &other in &found {
            groups.union(index, other);
        }
        index = index.saturating_add(1);
        Ok(())
    })?;

    // Pass 3: whole groups into chunks, in order of first line.
    let mut members: HashMap<u32, Vec<u32>> = HashMap::new();
    let mut order: Vec<u32> = Vec::new();
    for i in 0..total {
        let root = groups.find(i);
        let list = members.entry(root).or_insert_with(|| {
            order.push(root);
            Vec::new()
        });
        list.push(i);
    }
    drop(groups);
    drop(ids);

    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut totals = Totals::default();
    let mut readers = paths.iter().map(open).collect::<Result<Vec<_>, _>>()?;
    let mut positions: Vec<u64> = vec![0; readers.len()];
    let mut chunk: Vec<u32> = Vec::new();
    let mut buf = Vec::new();
    let mut check_chunk = |chunk: &mut Vec<u32>, out: &mut std::io::BufWriter<std::io::StdoutLock<'_>>| -> Result<(), String> {
        chunk.sort_unstable();
        let mut dep = Deployment::default();
        for &i in chunk.iter() {
            let Some(row) = rows.get(i as usize) else { continue };
            let fi = row.file as usize;
            let (Some(reader), Some(pos)) = (readers.get_mut(fi), positions.get_mut(fi)) else { continue };
            let name = name_of(row.file);
            let delta = i64::try_from(row.offset).unwrap_or(i64::MAX).saturating_sub(i64::try_from(*pos).unwrap_or(i64::MAX));
            if delta != 0 {
                reader.seek_relative(delta).map_err(|e| format!("cannot read `{name}`: {e}"))?;
            }
            buf.resize(row.len as usize, 0);
            reader.read_exact(&mut buf).map_err(|e| format!("cannot read `{name}`: {e}"))?;
            *pos = row.offset.saturating_add(u64::from(row.len));
            let value = amlguard_core::json::parse_bytes(&buf).map_err(|e| format!("{name}:{}: {e}", row.line))?;
            let prov = Provenance { file: Some(name), pointer: String::new(), line: Some(row.line), column: None };
            dep.push(value, prov);
        }
        chunk.clear();
        flush(&mut dep, format, opts, &mut totals, out)
    };
    for root in order {
        let Some(list) = members.remove(&root) else { continue };
        if list.len() > MAX_GROUP {
            let first = list.first().and_then(|&i| rows.get(i as usize)).map(|r| format!("{}:{}", name_of(r.file), r.line)).unwrap_or_default();
            eprintln!(
                "note: {} resources linked by ids (starting at {first}) are checked in parts of {MAX_GROUP}; cross-resource rules see only their part",
                list.len()
            );
            check_chunk(&mut chunk, &mut out)?;
            for part in list.chunks(MAX_GROUP) {
                chunk.extend_from_slice(part);
                check_chunk(&mut chunk, &mut out)?;
            }
            continue;
        }
        chunk.extend(list);
        if chunk.len() >= CHUNK {
            check_chunk(&mut chunk, &mut out)?;
        }
    }
    check_chunk(&mut chunk, &mut out)?;
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
