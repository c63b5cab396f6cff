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
//!
//! A line that cannot be used (not JSON, not a resource object with a
//! string `type`, longer than `max_resource_bytes`) does not stop the run:
//! it is reported as an error naming file, line (and column), the other
//! lines are still checked, and the exit code is 2 (part of the input was
//! not checked), as for error diagnostics of every other input. Error
//! diagnostics of the checked chunks are reported the same way.
//!
//! All three passes run their parsing and checking on a small pool of
//! worker threads (available parallelism, at most [`MAX_THREADS`];
//! `AMLGUARD_JSONL_THREADS=n` sets the number). The main thread reads the
//! lines, hands out batches (passes 1 and 2) or chunks (pass 3), and
//! consumes the results in the order it handed them out, so the output is
//! byte-identical whatever the number of threads; at most `2n + 1` batches
//! or chunks are in flight.

use amlguard_core::model::{normalise_id, Diagnostic, DiagnosticLevel, Scope};
use amlguard_core::report::Status;
use amlguard_core::rules::CheckOptions;
use amlguard_core::{Deployment, Provenance, Value};
use std::collections::HashMap;
use std::io::{BufRead, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Resources per chunk: whole groups are added until a chunk holds at
/// least this many.
const CHUNK: usize = 250;
/// A group (resources linked by ids) larger than this is checked in pieces
/// of this size; a note on standard error says so.
const MAX_GROUP: usize = 100_000;
/// At most this many worker threads check chunks.
const MAX_THREADS: usize = 8;

#[derive(Default)]
struct Totals {
    resources: usize,
    failed: usize,
    indeterminate: usize,
    /// Error diagnostics: lines or resources that were not checked.
    errors: usize,
    failing_exit: bool,
}

impl Totals {
    fn add(&mut self, other: &Totals) {
        self.resources = self.resources.saturating_add(other.resources);
        self.failed = self.failed.saturating_add(other.failed);
        self.indeterminate = self.indeterminate.saturating_add(other.indeterminate);
        self.errors = self.errors.saturating_add(other.errors);
        self.failing_exit |= other.failing_exit;
    }
}

/// One chunk's lines, read by the main thread and checked by a worker.
struct Job {
    /// The chunk's lines, one after another.
    bytes: Vec<u8>,
    /// (file index, line number, end of the line in `bytes`) per resource.
    rows: Vec<(u32, u32, usize)>,
}

/// A checked chunk: its output text and its counts.
struct Done {
    text: String,
    totals: Totals,
}

/// Parse and check one chunk; the findings become text (in report order).
fn check_job(job: &Job, names: &[String], format: &str, opts: &CheckOptions) -> Result<Done, String> {
    let mut dep = Deployment::default();
    let mut start = 0;
    for &(fi, line, end) in &job.rows {
        let name = names.get(fi as usize).cloned().unwrap_or_default();
        let bytes = job.bytes.get(start..end).unwrap_or_default();
        start = end;
        let value = amlguard_core::json::parse_bytes(bytes).map_err(|e| format!("{name}:{line}: {e}"))?;
        let prov = Provenance { file: Some(name), pointer: String::new(), line: Some(line), column: None };
        dep.push(value, prov);
    }
    let mut done = Done { text: String::new(), totals: Totals::default() };
    flush(&mut dep, format, opts, &mut done.totals, &mut done.text)?;
    Ok(done)
}

fn flush(dep: &mut Deployment, format: &str, opts: &CheckOptions, totals: &mut Totals, out: &mut String) -> Result<(), String> {
    use std::fmt::Write as _;
    if dep.resources.is_empty() {
        return Ok(());
    }
    // Simulation derives the relations itself (after adding what it adds).
    if !opts.simulate {
        dep.derive_relations();
    }
    let report = amlguard_core::rules::check_owned(amlguard_core::rules::Catalog::embedded(), std::mem::take(dep), opts);
    totals.resources = totals.resources.saturating_add(report.summary.resources);
    // Sized once for the findings' text (about 2 KB each in JSON).
    out.reserve(report.findings.len().saturating_mul(if format == "json" { 2048 } else { 256 }));
    for d in report.input_errors() {
        totals.errors = totals.errors.saturating_add(1);
        write_diagnostic(d, format, out)?;
    }
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
        if format == "json" {
            // Straight into the chunk's text (no string per finding).
            f.write_json(out);
            out.push('\n');
        } else {
            let _ = writeln!(
                out,
                "{}:{} {} {} {} `{}`: {}",
                f.location.file.as_deref().unwrap_or("<input>"),
                f.location.line.unwrap_or(0),
                f.severity.as_str(),
                if f.status == Status::Fail { "fail" } else { "indeterminate" },
                f.rule_id,
                f.resource.name,
                f.message
            );
        }
    }
    Ok(())
}

/// One error diagnostic as an output line: `{"diagnostic": …}` in JSON,
/// `error: MESSAGE (FILE:LINE[:COLUMN] [POINTER])` in text.
fn write_diagnostic(d: &Diagnostic, format: &str, out: &mut String) -> Result<(), String> {
    use std::fmt::Write as _;
    if format == "json" {
        out.push_str("{\"diagnostic\":");
        amlguard_core::report::write_diagnostic_json(d, out);
        out.push_str("}\n");
        return Ok(());
    }
    let p = &d.provenance;
    let mut place = p.file.clone().unwrap_or_else(|| "<input>".to_owned());
    if let Some(line) = p.line {
        let _ = write!(place, ":{line}");
        if let Some(column) = p.column {
            let _ = write!(place, ":{column}");
        }
    }
    if !p.pointer.is_empty() {
        let _ = write!(place, " {}", p.pointer);
    }
    let level = if d.level == DiagnosticLevel::Error { "error" } else { "note" };
    let _ = writeln!(out, "{level}: {} ({place})", d.message);
    Ok(())
}

/// Worker threads for pass 3: `AMLGUARD_JSONL_THREADS` if set (at least 1),
/// else the available parallelism, at most [`MAX_THREADS`].
fn thread_count() -> usize {
    if let Some(n) = std::env::var("AMLGUARD_JSONL_THREADS").ok().and_then(|v| v.trim().parse::<usize>().ok()) {
        return n.clamp(1, MAX_THREADS);
    }
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get).clamp(1, MAX_THREADS)
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

/// 64-bit hash of a normalised id (foldhash with a fixed seed: stable
/// within the run, and several times cheaper than SipHash on ids).
fn id_hash(norm: &str) -> u64 {
    use std::hash::BuildHasher as _;
    foldhash::fast::FixedState::with_seed(0x5851_f42d_4c95_7f2d).hash_one(norm)
}

/// Maps keyed by id hashes or row indexes (foldhash, seeded per run).
type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Bits set (at the top of each byte) where a byte of `v` is zero; the
/// lowest set bit is the first zero byte (little-endian).
#[inline]
fn zero_bytes(v: u64) -> u64 {
    v.wrapping_sub(ONES) & !v & HIGHS
}

/// Index of the first byte of `hay` that is `a` or `b`, 8 bytes at a time.
fn find2(hay: &[u8], a: u8, b: u8) -> Option<usize> {
    let (pa, pb) = (ONES.wrapping_mul(u64::from(a)), ONES.wrapping_mul(u64::from(b)));
    let mut words = hay.chunks_exact(8);
    let mut at = 0usize;
    for w in &mut words {
        let Ok(bytes) = <[u8; 8]>::try_from(w) else { break };
        let v = u64::from_le_bytes(bytes);
        let hit = zero_bytes(v ^ pa) | zero_bytes(v ^ pb);
        if hit != 0 {
            return Some(at.saturating_add((hit.trailing_zeros() / 8) as usize));
        }
        at = at.saturating_add(8);
    }
    words.remainder().iter().position(|&c| c == a || c == b).map(|p| at.saturating_add(p))
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
    let mut i = 0usize;
    while let Some(p) = line.get(i..).and_then(|rest| find2(rest, b'"', b'"')) {
        let start = i.saturating_add(p).saturating_add(1);
        let rest = line.get(start..).unwrap_or_default();
        let Some(k) = find2(rest, b'"', b'\\') else { return Some(out) };
        if rest.get(k) == Some(&b'\\') {
            return None;
        }
        out.push(rest.get(..k).unwrap_or_default());
        i = start.saturating_add(k).saturating_add(1);
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
fn linked(s: &str, ids: &FastMap<u64, u32>, out: &mut Vec<u32>) {
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

/// Read one line (with its `\n`) into `buf`, keeping at most `max` bytes
/// of content: a longer line is read to its end but not kept. Returns the
/// bytes read (0 at the end of the file) and whether the line was too long.
fn read_line(reader: &mut impl BufRead, buf: &mut Vec<u8>, max: usize) -> std::io::Result<(u64, bool)> {
    let keep = max.saturating_add(2); // room for `\r\n`
    let (mut n, mut over) = (0u64, false);
    loop {
        let avail = reader.fill_buf()?;
        if avail.is_empty() {
            break;
        }
        let (take, done) = match find2(avail, b'\n', b'\n') {
            Some(p) => (p.saturating_add(1), true),
            None => (avail.len(), false),
        };
        if !over {
            buf.extend_from_slice(avail.get(..take).unwrap_or_default());
            if buf.len() > keep {
                over = true;
                buf.clear();
            }
        }
        reader.consume(take);
        n = n.saturating_add(take as u64);
        if done {
            break;
        }
    }
    if !over {
        let content = buf.iter().rposition(|&b| b != b'\n' && b != b'\r').map_or(0, |p| p.saturating_add(1));
        over = content > max;
        if over {
            buf.clear();
        }
    }
    Ok((n, over))
}

/// Call `each(file, line_no, offset, len, bytes)` for every non-blank line;
/// `bytes` is `None` for a line longer than `max_line` bytes (not kept).
fn lines(
    paths: &[PathBuf],
    max_line: usize,
    mut each: impl FnMut(u32, u32, u64, u64, Option<&[u8]>) -> Result<(), String>,
) -> Result<(), String> {
    let mut buf = Vec::new();
    for (fi, path) in paths.iter().enumerate() {
        let fi = u32::try_from(fi).map_err(|_| "too many files".to_owned())?;
        let mut reader = open(path)?;
        let (mut line_no, mut offset): (u32, u64) = (0, 0);
        loop {
            buf.clear();
            let (n, over) = read_line(&mut reader, &mut buf, max_line).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
            if n == 0 {
                break;
            }
            line_no = line_no.saturating_add(1);
            if over {
                each(fi, line_no, offset, n, None)?;
            } else if !buf.iter().all(u8::is_ascii_whitespace) {
                each(fi, line_no, offset, n, Some(&buf))?;
            }
            offset = offset.saturating_add(n);
        }
    }
    Ok(())
}

/// Run `work` on `threads` worker threads over the jobs `produce` submits,
/// and hand the results to `consume` in submission order. At most
/// `2 × threads + 1` jobs are in flight (submitted, not yet consumed), so
/// memory stays bounded whatever the pace of the workers.
fn ordered_pool<J: Send, R: Send>(
    threads: usize,
    work: impl Fn(J) -> R + Sync,
    produce: impl FnOnce(&mut dyn FnMut(J) -> Result<(), String>) -> Result<(), String>,
    mut consume: impl FnMut(R) -> Result<(), String>,
) -> Result<(), String> {
    let threads = threads.max(1);
    let max_in_flight = u64::try_from(threads.saturating_mul(2).saturating_add(1)).unwrap_or(u64::MAX);
    let (job_tx, job_rx) = std::sync::mpsc::channel::<(u64, J)>();
    // `None`: the work panicked (a bug); the run then ends with an error
    // instead of waiting for a result that never comes.
    let (done_tx, done_rx) = std::sync::mpsc::channel::<(u64, Option<R>)>();
    let job_rx = std::sync::Mutex::new(job_rx);
    let work = &work;
    std::thread::scope(|s| -> Result<(), String> {
        for _ in 0..threads {
            let (job_rx, done_tx) = (&job_rx, done_tx.clone());
            s.spawn(move || loop {
                let job = match job_rx.lock() {
                    Ok(rx) => rx.recv(),
                    Err(_) => return,
                };
                let Ok((seq, job)) = job else { return };
                let done = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(job))).ok();
                if done_tx.send((seq, done)).is_err() {
                    return;
                }
            });
        }
        drop(done_tx);
        let mut pending: std::collections::BTreeMap<u64, R> = std::collections::BTreeMap::new();
        let (mut next_seq, mut next_out): (u64, u64) = (0, 0);
        // Consume every result that is next in order; with `wait`, first
        // wait for one more.
        let mut drain = |pending: &mut std::collections::BTreeMap<u64, R>, next_out: &mut u64, wait: bool| -> Result<(), String> {
            if wait {
                let (seq, done) = done_rx.recv().map_err(|_| "a checking thread stopped".to_owned())?;
                let done = done.ok_or_else(|| format!("internal error while checking part {seq} of the input"))?;
                pending.insert(seq, done);
            }
            while let Some(done) = pending.remove(next_out) {
                *next_out = next_out.saturating_add(1);
                consume(done)?;
            }
            Ok(())
        };
        let produced = {
            // Dropped at the end of this block however `produce` ends, so
            // the workers' channel closes and they stop.
            let job_tx = job_tx;
            let mut submit = |job: J| -> Result<(), String> {
                job_tx.send((next_seq, job)).map_err(|_| "the checking threads stopped".to_owned())?;
                next_seq = next_seq.saturating_add(1);
                while next_seq.saturating_sub(next_out) >= max_in_flight {
                    drain(&mut pending, &mut next_out, true)?;
                }
                drain(&mut pending, &mut next_out, false)
            };
            produce(&mut submit)
        };
        produced?;
        while next_out < next_seq {
            drain(&mut pending, &mut next_out, true)?;
        }
        Ok(())
    })
}

/// Where a line of a batch is: file, line number, offset in the file, its
/// length in the file, and end of the line in the batch's bytes (`None`:
/// the line is too long and was not kept).
type LineAt = (u32, u32, u64, u64, Option<usize>);

/// Lines read together and handed to one worker.
struct Batch {
    /// Index (among all non-blank lines) of the batch's first line.
    first: u32,
    bytes: Vec<u8>,
    lines: Vec<LineAt>,
}

/// Lines per batch in the first two passes.
const BATCH: usize = 2_000;

/// Like [`lines`], with `map(index, bytes)` run on worker threads (`bytes`
/// is `None` for a line over the limit); `each` gets
/// `(file, line_no, offset, len, result)` in line order.
fn par_lines<T: Send>(
    paths: &[PathBuf],
    threads: usize,
    max_line: usize,
    map: impl Fn(u32, Option<&[u8]>) -> T + Sync,
    mut each: impl FnMut(u32, u32, u64, u64, T) -> Result<(), String>,
) -> Result<(), String> {
    let work = |batch: Batch| -> (Vec<LineAt>, Vec<T>) {
        let mut start = 0;
        let mut out = Vec::with_capacity(batch.lines.len());
        for (n, &(_, _, _, _, end)) in batch.lines.iter().enumerate() {
            let index = batch.first.saturating_add(u32::try_from(n).unwrap_or(u32::MAX));
            match end {
                Some(end) => {
                    out.push(map(index, Some(batch.bytes.get(start..end).unwrap_or_default())));
                    start = end;
                }
                None => out.push(map(index, None)),
            }
        }
        (batch.lines, out)
    };
    let produce = |submit: &mut dyn FnMut(Batch) -> Result<(), String>| -> Result<(), String> {
        let mut count: u32 = 0;
        let mut batch = Batch { first: 0, bytes: Vec::new(), lines: Vec::new() };
        lines(paths, max_line, |fi, line_no, offset, len, bytes| {
            let end = bytes.map(|b| {
                batch.bytes.extend_from_slice(b);
                batch.bytes.len()
            });
            batch.lines.push((fi, line_no, offset, len, end));
            count = count.saturating_add(1);
            if batch.lines.len() >= BATCH {
                // The next batch is sized like this one (no regrowing).
                let bytes = Vec::with_capacity(batch.bytes.len().saturating_add(batch.bytes.len() / 8));
                let full = std::mem::replace(&mut batch, Batch { first: count, bytes, lines: Vec::with_capacity(BATCH) });
                submit(full)?;
            }
            Ok(())
        })?;
        if !batch.lines.is_empty() {
            submit(batch)?;
        }
        Ok(())
    };
    ordered_pool(threads, work, produce, |(at, results)| {
        for (&(fi, line_no, offset, len, _), result) in at.iter().zip(results) {
            each(fi, line_no, offset, len, result)?;
        }
        Ok(())
    })
}

/// Why pass 1 could not use a line: message and, for JSON errors, column.
type LineError = (String, Option<u32>);

/// Pass 1 on one line: `(computed id, id hash)`, or why it is not a resource.
fn read_row(bytes: Option<&[u8]>, scope: &Scope, max_line: usize) -> Result<(bool, Option<u64>), LineError> {
    let Some(bytes) = bytes else {
        return Err((
            format!("line longer than {max_line} bytes, azure's limit for one resource (`--limit max_resource_bytes=N` to change it)"),
            None,
        ));
    };
    // Validated without building the value (the check pass reads it).
    let skim = amlguard_core::json::skim_bytes(bytes, &["type", "id", "name"]).map_err(|_| {
        // Again without the line break, so the position is on the line.
        match amlguard_core::json::parse_bytes(bytes.trim_ascii_end()) {
            Err(e) if e.position.line == 1 => (e.message, Some(e.position.column)),
            Err(e) => (e.to_string(), None),
            Ok(_) => ("not a json document".to_owned(), None),
        }
    })?;
    let mut strings = skim.strings.into_iter();
    let (Some(Some(type_)), Some(own), Some(name)) = (strings.next(), strings.next(), strings.next()) else {
        return Err(("a line must be one resource object with a string `type`".to_owned(), None));
    };
    let computed_id = own.is_none();
    let id = own.map(std::borrow::Cow::into_owned).or_else(|| name.map(|n| scope.resource_id(&type_, &n)));
    let hash = id.map(|id| normalise_id(&id)).filter(|norm| !norm.is_empty()).map(|norm| id_hash(&norm));
    Ok((computed_id, hash))
}

/// Check JSON Lines files; a line may be at most `max_line` bytes.
pub fn run(paths: &[PathBuf], format: &str, opts: &CheckOptions, max_line: usize) -> Result<ExitCode, String> {
    if !matches!(format, "json" | "text") {
        return Err(format!("`--jsonl` writes `text` or `json`, not `{format}`"));
    }
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let name_of = |fi: u32| names.get(fi as usize).cloned().unwrap_or_default();
    let scope = Scope::default();

    let threads = thread_count();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut totals = Totals::default();

    // Pass 1: validate, locate, hash ids (lines parsed on the worker threads).
    // A line that is not a resource is reported at once (so memory does not
    // grow with them) and left out; `skipped` holds its index among the
    // non-blank lines, for pass 2.
    let mut rows: Vec<Row> = Vec::new();
    let mut ids: FastMap<u64, u32> = FastMap::default();
    let mut skipped: Vec<u32> = Vec::new();
    let mut ordinal: u32 = 0;
    let scope_ref = &scope;
    par_lines(
        paths,
        threads,
        max_line,
        |_, bytes| read_row(bytes, scope_ref, max_line),
        |fi, line_no, offset, len, info| {
            let this = ordinal;
            ordinal = ordinal.saturating_add(1);
            let len = u32::try_from(len).map_err(|_| ("line longer than 4 GiB".to_owned(), None));
            let (computed_id, hash, len) = match info.and_then(|(c, h)| Ok((c, h, len?))) {
                Ok(row) => row,
                Err((message, column)) => {
                    let d = Diagnostic {
                        level: DiagnosticLevel::Error,
                        message: format!("line not checked: {message}"),
                        provenance: Provenance { file: Some(name_of(fi)), pointer: String::new(), line: Some(line_no), column },
                    };
                    let mut text = String::new();
                    write_diagnostic(&d, format, &mut text)?;
                    let _ = out.write_all(text.as_bytes());
                    totals.errors = totals.errors.saturating_add(1);
                    skipped.push(this);
                    return Ok(());
                }
            };
            let index = u32::try_from(rows.len()).map_err(|_| "more than 4 billion resources".to_owned())?;
            if let Some(hash) = hash {
                // The first resource with an id stands for it (as in `derive_relations`).
                ids.entry(hash).or_insert(index);
            }
            rows.push(Row { file: fi, line: line_no, offset, len, computed_id });
            Ok(())
        },
    )?;

    // Pass 2: join resources linked by ids (links found on the worker threads).
    let total = u32::try_from(rows.len()).map_err(|_| "more than 4 billion resources".to_owned())?;
    let mut groups = Groups { parent: (0..total).collect() };
    let mut index: u32 = 0;
    let (rows_ref, ids_ref, skipped_ref) = (&rows, &ids, &skipped);
    par_lines(
        paths,
        threads,
        max_line,
        |ordinal, bytes| -> Result<Option<Vec<u32>>, String> {
            // Lines pass 1 left out have no row; the others' row index is
            // their ordinal less the left-out lines before them.
            let (Some(bytes), Err(before)) = (bytes, skipped_ref.binary_search(&ordinal)) else {
                return Ok(None);
            };
            let index = ordinal.saturating_sub(u32::try_from(before).unwrap_or(u32::MAX));
            let mut found = Vec::new();
            let computed = rows_ref.get(index as usize).is_some_and(|r| r.computed_id);
            match raw_strings(bytes).filter(|_| !computed) {
                Some(strings) => {
                    // (Only strings that can name an id: see `linked`.)
                    for s in strings.into_iter().filter(|s| s.starts_with(b"/") || s.starts_with(b"http")) {
                        if let Ok(s) = std::str::from_utf8(s) {
                            linked(s, ids_ref, &mut found);
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
                            strings.push(scope_ref.resource_id(t, n));
                        }
                    }
                    for s in &strings {
                        linked(s, ids_ref, &mut found);
                    }
                }
            }
            Ok(Some(found))
        },
        |_, _, _, _, found| {
            let Some(found) = found? else { return Ok(()) };
            for other in found {
                groups.union(index, other);
            }
            index = index.saturating_add(1);
            Ok(())
        },
    )?;
    drop(skipped);

    // Pass 3: whole groups into chunks, in order of first line.
    let mut members: FastMap<u32, Vec<u32>> = FastMap::default();
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

    let produce = |submit: &mut dyn FnMut(Job) -> Result<(), String>| -> Result<(), String> {
        let mut readers = paths.iter().map(open).collect::<Result<Vec<_>, _>>()?;
        let mut positions: Vec<u64> = vec![0; readers.len()];
        let mut chunk: Vec<u32> = Vec::new();
        let mut send_chunk = |chunk: &mut Vec<u32>| -> Result<(), String> {
            if chunk.is_empty() {
                return Ok(());
            }
            chunk.sort_unstable();
            let size = chunk.iter().filter_map(|&i| rows.get(i as usize)).fold(0usize, |n, r| n.saturating_add(r.len as usize));
            let mut job = Job { bytes: Vec::with_capacity(size), rows: Vec::with_capacity(chunk.len()) };
            for &i in chunk.iter() {
                let Some(row) = rows.get(i as usize) else { continue };
                let fi = row.file as usize;
                let (Some(reader), Some(pos)) = (readers.get_mut(fi), positions.get_mut(fi)) else { continue };
                let delta = i64::try_from(row.offset).unwrap_or(i64::MAX).saturating_sub(i64::try_from(*pos).unwrap_or(i64::MAX));
                if delta != 0 {
                    reader.seek_relative(delta).map_err(|e| format!("cannot read `{}`: {e}", name_of(row.file)))?;
                }
                let start = job.bytes.len();
                job.bytes.resize(start.saturating_add(row.len as usize), 0);
                let dest = job.bytes.get_mut(start..).unwrap_or_default();
                reader.read_exact(dest).map_err(|e| format!("cannot read `{}`: {e}", name_of(row.file)))?;
                *pos = row.offset.saturating_add(u64::from(row.len));
                job.rows.push((row.file, row.line, job.bytes.len()));
            }
            chunk.clear();
            submit(job)
        };
        for root in order {
            let Some(list) = members.remove(&root) else { continue };
            if list.len() > MAX_GROUP {
                let first = list.first().and_then(|&i| rows.get(i as usize)).map(|r| format!("{}:{}", name_of(r.file), r.line)).unwrap_or_default();
                eprintln!(
                    "note: {} resources linked by ids (starting at {first}) are checked in parts of {MAX_GROUP}; cross-resource rules see only their part",
                    list.len()
                );
                send_chunk(&mut chunk)?;
                for part in list.chunks(MAX_GROUP) {
                    chunk.extend_from_slice(part);
                    send_chunk(&mut chunk)?;
                }
                continue;
            }
            chunk.extend(list);
            if chunk.len() >= CHUNK {
                send_chunk(&mut chunk)?;
            }
        }
        send_chunk(&mut chunk)
    };
    let names_ref = &names;
    ordered_pool(threads, |job: Job| check_job(&job, names_ref, format, opts), produce, |done: Result<Done, String>| {
        let done = done?;
        // A closed pipe (`| head`) ends the output, not the run's verdict.
        let _ = out.write_all(done.text.as_bytes());
        totals.add(&done.totals);
        Ok(())
    })?;
    let summary = if format == "json" {
        format!(
            "{{\"summary\":{{\"resources\":{},\"failed\":{},\"indeterminate\":{},\"errors\":{}}}}}",
            totals.resources, totals.failed, totals.indeterminate, totals.errors
        )
    } else if totals.errors > 0 {
        format!(
            "{} resources: {} failed, {} indeterminate; {} errors (part of the input was not checked)",
            totals.resources, totals.failed, totals.indeterminate, totals.errors
        )
    } else {
        format!("{} resources: {} failed, {} indeterminate", totals.resources, totals.failed, totals.indeterminate)
    };
    let _ = writeln!(out, "{summary}");
    let _ = out.flush();
    // As `Report::exit_code`: 2 when part of the input was not checked.
    Ok(if totals.errors > 0 {
        ExitCode::from(2)
    } else if totals.failing_exit {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)] // tests: a failure is the point
mod tests {
    use super::{ordered_pool, read_line};

    /// Every line `read_line` returns: (bytes read, too long, kept bytes),
    /// through a 3-byte buffer so lines span many refills.
    fn read_all(input: &[u8], max: usize) -> Vec<(u64, bool, Vec<u8>)> {
        let mut reader = std::io::BufReader::with_capacity(3, input);
        let mut out = Vec::new();
        loop {
            let mut buf = Vec::new();
            let (n, over) = read_line(&mut reader, &mut buf, max).unwrap();
            if n == 0 {
                return out;
            }
            out.push((n, over, buf));
        }
    }

    /// `raw_strings` as it was written byte by byte (the reference).
    fn raw_strings_bytewise(line: &[u8]) -> Option<Vec<&[u8]>> {
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
            out.push(&line[start..j]);
            i = j + 1;
        }
        Some(out)
    }

    #[test]
    fn word_at_a_time_search_matches_the_bytewise_one() {
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let alphabet = b"ab/\"\\\n:{}x\xc3\xa9";
        for n in 0..5_000 {
            let len = n % 40;
            let line: Vec<u8> = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    // Mostly plain bytes, so runs of 8 and more occur.
                    if seed % 3 == 0 { alphabet[(seed >> 8) as usize % alphabet.len()] } else { b'a' }
                })
                .collect();
            assert_eq!(super::raw_strings(&line), raw_strings_bytewise(&line), "{:?}", String::from_utf8_lossy(&line));
            assert_eq!(super::find2(&line, b'\n', b'\n'), line.iter().position(|&b| b == b'\n'));
            assert_eq!(super::find2(&line, b'"', b'\\'), line.iter().position(|&b| b == b'"' || b == b'\\'));
        }
    }

    #[test]
    fn lines_over_the_limit_are_read_past_but_not_kept() {
        let input = b"abcd\nabcde\r\nabcdefgh\nab";
        let got = read_all(input, 5);
        assert_eq!(
            got,
            vec![(5, false, b"abcd\n".to_vec()), (7, false, b"abcde\r\n".to_vec()), (9, true, Vec::new()), (2, false, b"ab".to_vec())]
        );
        // The byte counts add up to the input, so offsets stay right.
        assert_eq!(got.iter().map(|g| g.0).sum::<u64>(), input.len() as u64);
        // A limit of 0 keeps only blank lines.
        assert_eq!(read_all(b"\nx\n", 0), vec![(1, false, b"\n".to_vec()), (2, true, Vec::new())]);
    }

    fn run(threads: usize, bad: Option<u32>) -> Result<Vec<u32>, String> {
        let mut out = Vec::new();
        ordered_pool(
            threads,
            |j: u32| {
                if Some(j) == bad {
                    panic!("a bug in the work");
                }
                j * 2
            },
            |submit| (0..50).try_for_each(submit),
            |r| {
                out.push(r);
                Ok(())
            },
        )?;
        Ok(out)
    }

    #[test]
    fn results_come_back_in_submission_order() {
        let want: Vec<u32> = (0..50).map(|j| j * 2).collect();
        for threads in [1, 2, 5] {
            assert_eq!(run(threads, None).unwrap(), want);
        }
    }

    #[test]
    fn a_panicking_job_ends_the_run_with_an_error_instead_of_a_hang() {
        for threads in [1, 3] {
            let e = run(threads, Some(7)).unwrap_err();
            assert!(e.contains("internal error while checking part 7"), "{e}");
        }
    }
}
