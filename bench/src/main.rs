//! `amlguard-bench corpus DIR [ROUNDS]`: every `.json` file under DIR read
//! into memory once, then, in the same process and run, (a) `serde_json`
//! parsing the same bytes (the floor) and (b) the whole amlguard pipeline
//! (parse, ingest, Azure defaults, every rule, JSON report); prints both and
//! the ratio.
//!
//! `amlguard-bench regorus BUILTINS_DIR FILE.jsonl [N]`: Azure built-ins
//! evaluated by amlguard and by regorus over the same N resources.
//!
//! `amlguard-bench pipeline DIR [ROUNDS]`: the pipeline alone (for profilers).
//!
//! `amlguard-bench one FILE [N]`: `check` of one resource N times (the Rust
//! side of the Python per-call overhead).
//!
//! `amlguard-bench policy FILE.jsonl [ROUNDS]`: policy evaluation alone —
//! every embedded rule's `policyRule` compiled once, evaluated against every
//! resource of the inventory; prints evaluations per second.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use amlguard_core::policy::{EvalContext, Policy};
use amlguard_core::{CheckOptions, Value};
use std::path::{Path, PathBuf};
use std::time::Instant;

// The same allocator as the `amlguard` CLI, so the pipeline is measured as
// users run it (serde_json's floor uses it too).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            json_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
}

/// Every `.json` file under `dir` as (display name, text); unreadable or
/// non-UTF-8 files are left out.
fn corpus_docs(dir: &Path) -> Vec<(String, String)> {
    let mut files = Vec::new();
    json_files(dir, &mut files);
    files
        .iter()
        .filter_map(|p| Some((p.display().to_string(), String::from_utf8(std::fs::read(p).ok()?).ok()?)))
        .collect()
}

/// `f` on a new thread. Every timed round runs on its own thread, so what the
/// library keeps per thread between calls (parsed ARM expressions, compiled
/// patterns) starts empty in each round, as in one CLI run over the corpus:
/// a round measures one cold pass, never a pass the previous round warmed.
/// Process-wide one-time setup (rule catalog, aliases) stays warm, as in a
/// long-running notebook; `warm_up` pays for it outside every timer.
fn fresh<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| s.spawn(f).join().unwrap())
}

/// One pass over every document, outside every timer: the embedded catalog
/// and alias tables are built on first use. Returns (deployments loaded,
/// findings).
fn warm_up(docs: &[(String, String)]) -> (usize, usize) {
    let opts = CheckOptions::default();
    let load = amlguard_core::ingest::LoadOptions::default();
    let mut loaded = 0;
    let mut findings = 0;
    for (name, text) in docs {
        if let Ok(dep) = amlguard_core::ingest::load_text(text, Some(name), &load) {
            loaded += 1;
            findings += amlguard_core::check(&dep, &opts).findings.len();
        }
    }
    (loaded, findings)
}

fn corpus(dir: &Path, rounds: usize) {
    let docs = corpus_docs(dir);
    let bytes: usize = docs.iter().map(|(_, t)| t.len()).sum();
    let (loaded, findings) = warm_up(&docs);
    // Rounds alternate (floor, pipeline, floor, …), so that a change of load
    // on this shared machine falls on both sides alike.
    let (mut floor, mut pipeline) = (0.0, 0.0);
    let (mut floor_ok, mut out_len) = (0, 0);
    let mut ratios = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let t = Instant::now();
        floor_ok += floor_rounds(&docs, 1);
        let f = t.elapsed().as_secs_f64();
        let t = Instant::now();
        out_len += pipeline_rounds(&docs, 1);
        let p = t.elapsed().as_secs_f64();
        floor += f / rounds as f64;
        pipeline += p / rounds as f64;
        ratios.push(p / f);
    }
    ratios.sort_by(f64::total_cmp);
    println!("corpus_files={} corpus_bytes={bytes} loaded={loaded} findings={findings} serde_ok={}", docs.len(), floor_ok / rounds.max(1));
    println!("serde_json_parse_s={floor:.6}");
    println!("pipeline_s={pipeline:.6}");
    println!("pipeline_vs_parse_ratio={:.2}", pipeline / floor);
    println!("round_ratio_median={:.2}", ratios.get(rounds / 2).copied().unwrap_or(f64::NAN));
    std::hint::black_box(out_len);
    stages(&docs, rounds);
}

/// The same pipeline cut into its stages, each timed on its own over every
/// document (the inputs of a stage are prepared by the previous ones, outside
/// its timer): read (our JSON reader), ARM expansion (format detection,
/// expressions, copy loops, nested deployments, provenance), relations,
/// simulate (Azure defaults, on a clone as `check` does), check (every rule,
/// including its own clone and simulate, which are subtracted), report (JSON).
fn stages(docs: &[(String, String)], rounds: usize) {
    let load = amlguard_core::ingest::LoadOptions::default();
    let opts = CheckOptions::default();
    let mut t_read = 0.0;
    let mut t_expand = 0.0;
    let mut t_rel = 0.0;
    let mut t_sim = 0.0;
    let mut t_check = 0.0;
    let mut t_report = 0.0;
    let mut sink = 0usize;
    for _ in 0..rounds {
        // (one round per thread: see `fresh`)
        let (read, expand, rel, sim, check, report, out) = fresh(|| stage_round(docs, &load, &opts));
        t_read += read;
        t_expand += expand;
        t_rel += rel;
        t_sim += sim;
        t_check += check;
        t_report += report;
        sink += out;
    }
    std::hint::black_box(sink);
    let t_check = (t_check - t_sim).max(0.0);
    let all = [("read", t_read), ("expand", t_expand), ("relations", t_rel), ("simulate", t_sim), ("check", t_check), ("report", t_report)];
    let total: f64 = all.iter().map(|(_, s)| s).sum();
    for (stage, s) in all {
        println!("stage_{stage}_s={:.6} share={:.1}%", s / rounds as f64, 100.0 * s / total);
    }
}

/// One round of [`stages`]: seconds per stage over every document, and the
/// output length.
fn stage_round(docs: &[(String, String)], load: &amlguard_core::ingest::LoadOptions, opts: &CheckOptions) -> (f64, f64, f64, f64, f64, f64, usize) {
    use amlguard_core::ingest::{self, arm, Format};
    let (mut t_read, mut t_expand, mut t_rel, mut t_sim, mut t_check, mut t_report) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    let mut sink = 0usize;
    {
        for (name, text) in docs {
            let t = Instant::now();
            // As `load_text` reads: the parse also records the positions.
            let Ok((doc, src)) = arm::Source::parse(Some(name), text, Path::new(name).parent().map(Path::to_path_buf)) else {
                continue;
            };
            t_read += t.elapsed().as_secs_f64();
            let t = Instant::now();
            let dep = match ingest::detect(&doc) {
                Format::ArmTemplate => {
                    let mut dep = amlguard_core::Deployment::default();
                    if arm::expand_into(&mut dep, &doc, &src, arm::parameter_values(&[]), &load.limits).is_err() {
                        continue;
                    }
                    arm::drop_shadowed_existing(&mut dep);
                    dep
                }
                // Other formats are few in the corpus; their reading is counted here.
                _ => match ingest::load_value(&doc, Some(name), load) {
                    Ok(mut d) => {
                        d.relations.clear();
                        d.possible_relations.clear();
                        d
                    }
                    Err(_) => continue,
                },
            };
            t_expand += t.elapsed().as_secs_f64();
            let mut dep = std::hint::black_box(dep);
            let t = Instant::now();
            dep.derive_relations();
            t_rel += t.elapsed().as_secs_f64();
            let t = Instant::now();
            let mut copy = dep.clone();
            sink += amlguard_core::simulate::apply_recording(&mut copy).len();
            t_sim += t.elapsed().as_secs_f64();
            std::hint::black_box(copy);
            let t = Instant::now();
            let report = amlguard_core::check(&dep, opts);
            t_check += t.elapsed().as_secs_f64();
            let t = Instant::now();
            sink += report.to_json().len();
            t_report += t.elapsed().as_secs_f64();
        }
    }
    (t_read, t_expand, t_rel, t_sim, t_check, t_report, sink)
}

/// serde_json parsing every document `rounds` times (the floor); returns how
/// many parsed. Comments, which ARM allows, are not serde_json's job.
#[inline(never)]
fn floor_rounds(docs: &[(String, String)], rounds: usize) -> usize {
    let mut ok = 0;
    for _ in 0..rounds {
        // (a thread per round, as the pipeline's: see `fresh`)
        ok += fresh(|| floor_rounds_pass(docs));
    }
    ok
}

/// One round of [`floor_rounds`] (named `*floor_rounds*` too, so
/// callgrind's `--toggle-collect` also counts it on its own thread).
#[inline(never)]
fn floor_rounds_pass(docs: &[(String, String)]) -> usize {
    docs.iter().filter(|(_, text)| serde_json::from_str::<serde_json::Value>(text).is_ok()).count()
}

/// Per document: pipeline time against the parse floor, the costliest first.
fn per_file(dir: &Path, rounds: usize) {
    let docs = corpus_docs(dir);
    let opts = CheckOptions::default();
    let load = amlguard_core::ingest::LoadOptions::default();
    let mut rows = Vec::new();
    warm_up(&docs);
    for (name, text) in &docs {
        let t = Instant::now();
        for _ in 0..rounds {
            std::hint::black_box(serde_json::from_str::<serde_json::Value>(text).is_ok());
        }
        let floor = t.elapsed().as_secs_f64() / rounds as f64;
        let mut n = 0;
        let mut ours = 0.0;
        for _ in 0..rounds {
            // (each round cold, on its own thread: see `fresh`; timed inside it)
            let (res, secs) = fresh(|| {
                let t = Instant::now();
                let mut res = 0;
                if let Ok(dep) = amlguard_core::ingest::load_text(text, Some(name), &load) {
                    res = dep.resources.len();
                    // (the deployment handed over, as the CLI's check_path does)
                    std::hint::black_box(amlguard_core::rules::check_owned(amlguard_core::rules::Catalog::embedded(), dep, &opts).to_json().len());
                }
                (res, t.elapsed().as_secs_f64())
            });
            n = res;
            ours += secs / rounds as f64;
        }
        rows.push((ours, floor, n, text.len(), name));
    }
    rows.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (ours, floor, n, len, name) in rows {
        println!("{:8.3} ms {:6.2}x {n:4} res {len:8} B {name}", ours * 1e3, ours / floor);
    }
}

/// Only the whole pipeline, `rounds` times after one warm-up round (for
/// profilers: no floor, no stages; `--toggle-collect=*pipeline_rounds` leaves
/// the one-time setup out).
fn pipeline_only(dir: &Path, rounds: usize) {
    let docs = corpus_docs(dir);
    warm_up(&docs);
    println!("report_bytes={}", pipeline_rounds(&docs, rounds));
}

#[inline(never)]
fn pipeline_rounds(docs: &[(String, String)], rounds: usize) -> usize {
    let opts = CheckOptions::default();
    let load = amlguard_core::ingest::LoadOptions::default();
    let mut out_len = 0usize;
    for _ in 0..rounds {
        // (a cold pass per round, on its own thread: see `fresh`)
        out_len += fresh(|| pipeline_rounds_pass(docs, &load, &opts));
    }
    out_len
}

/// One round of [`pipeline_rounds`]: the report bytes written (named
/// `*pipeline_rounds*` too, so callgrind's `--toggle-collect` also counts
/// it on its own thread).
#[inline(never)]
fn pipeline_rounds_pass(docs: &[(String, String)], load: &amlguard_core::ingest::LoadOptions, opts: &CheckOptions) -> usize {
    let mut n = 0;
    for (name, text) in docs {
        if let Ok(dep) = amlguard_core::ingest::load_text(text, Some(name), load) {
            // (the deployment handed over, as the CLI's check_path does)
            n += amlguard_core::rules::check_owned(amlguard_core::rules::Catalog::embedded(), dep, opts).to_json().len();
        }
    }
    n
}

/// `check` of one resource (a JSON file holding one ARM resource) `n` times,
/// in process: the Rust side of the Python per-call overhead figure.
fn one(file: &Path, n: usize) {
    let doc = amlguard_core::json::parse(&std::fs::read_to_string(file).unwrap()).unwrap();
    let load = amlguard_core::ingest::LoadOptions::default();
    let opts = CheckOptions::default();
    let findings = amlguard_core::check_value(&doc, &load, &opts).unwrap().findings.len();
    let mut best = f64::INFINITY;
    for _ in 0..3 {
        let t = Instant::now();
        for _ in 0..n {
            std::hint::black_box(amlguard_core::check_value(std::hint::black_box(&doc), &load, &opts).unwrap());
        }
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!("rust_calls={n} findings_per_call={findings}");
    println!("rust_check_us={:.1}", best * 1e6 / n as f64);
}

fn policy(file: &Path, rounds: usize) {
    let text = std::fs::read_to_string(file).unwrap();
    let resources: Vec<Value> = text.lines().filter(|l| !l.trim().is_empty()).map(|l| amlguard_core::json::parse(l).unwrap()).collect();
    let compiled: Vec<(Policy, amlguard_core::Map)> = amlguard_core::rules()
        .iter()
        .filter_map(|r| {
            let mut def = amlguard_core::Map::new();
            def.insert("policyRule".to_owned(), r.policy_rule.clone());
            def.insert("parameters".to_owned(), Value::Object(r.parameters.clone()));
            let p = Policy::parse(&Value::Object(def)).ok()?;
            Some((p, r.parameter_values(None)))
        })
        .collect();
    let ctx = EvalContext::default();
    let t = Instant::now();
    let mut n = 0usize;
    let mut matched = 0usize;
    for _ in 0..rounds {
        for r in &resources {
            for (p, params) in &compiled {
                let e = p.evaluate(r, params, &ctx);
                n += 1;
                if e.effect.is_some() {
                    matched += 1;
                }
            }
        }
    }
    let s = t.elapsed().as_secs_f64();
    println!("policies={} resources={} evaluations={n} matched={}", compiled.len(), resources.len(), matched / rounds);
    println!("policy_eval_s={s:.6}");
    println!("policy_eval_ns_each={:.0}", s * 1e9 / n as f64);
}

/// Azure's built-in definitions (without existence conditions) evaluated by
/// amlguard's engine and by regorus (azure_policy feature) over the same
/// resources, each definition compiled once per engine; resources normalised
/// through the same alias catalog for regorus as Azure's front end does.
fn regorus_cmp(builtins: &Path, file: &Path, limit: usize) {
    use regorus::languages::azure_policy::aliases::{normalizer, AliasRegistry};
    use regorus::languages::azure_policy::{compiler, parser};
    use regorus::rvm::RegoVM;
    // Alias catalog for regorus, from amlguard's embedded one.
    let idx = amlguard_core::export::embedded_aliases();
    let mut providers: std::collections::BTreeMap<String, Vec<serde_json::Value>> = Default::default();
    for (t, aliases) in idx.types() {
        let Some((ns, rt)) = t.split_once('/') else { continue };
        let list: Vec<serde_json::Value> =
            aliases.iter().map(|(n, p)| serde_json::json!({"name": n, "defaultPath": p, "paths": []})).collect();
        providers.entry(ns.to_owned()).or_default().push(serde_json::json!({"resourceType": rt, "aliases": list}));
    }
    let doc: Vec<serde_json::Value> =
        providers.into_iter().map(|(ns, types)| serde_json::json!({"namespace": ns, "resourceTypes": types})).collect();
    let mut reg = AliasRegistry::new();
    reg.load_from_json(&serde_json::Value::Array(doc).to_string()).unwrap();
    let reg = regorus::Rc::new(reg);

    let lines: Vec<String> = std::fs::read_to_string(file).unwrap().lines().filter(|l| !l.trim().is_empty()).take(limit).map(str::to_owned).collect();
    let mut defs = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(builtins).unwrap().flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let text = std::fs::read_to_string(&p).unwrap();
        let j: serde_json::Value = serde_json::from_str(&text).unwrap();
        let rule = j.pointer("/properties/policyRule");
        if rule.is_none() || j.pointer("/properties/policyRule/then/details/type").is_some() {
            continue; // existence conditions need a host; not compared here
        }
        let mut params = serde_json::Map::new();
        if let Some(serde_json::Value::Object(ps)) = j.pointer("/properties/parameters") {
            for (k, v) in ps {
                if let Some(d) = v.get("defaultValue") {
                    params.insert(k.clone(), d.clone());
                }
            }
        }
        let ours = Policy::parse(&amlguard_core::json::parse(&text).unwrap()).ok();
        let source = regorus::Source::from_contents("definition".into(), text.clone()).unwrap();
        let theirs = parser::parse_policy_definition(&source)
            .ok()
            .and_then(|d| compiler::compile_policy_definition_with_aliases(&d, regorus::Rc::clone(&reg)).ok());
        if let (Some(o), Some(t)) = (ours, theirs) {
            defs.push((p.file_name().unwrap().to_string_lossy().to_string(), o, t, serde_json::Value::Object(params)));
        }
    }
    let ours_res: Vec<Value> = lines.iter().map(|l| amlguard_core::json::parse(l).unwrap()).collect();
    let ctx = EvalContext::default();
    let t = Instant::now();
    let mut our_matches = 0usize;
    for (_, p, _, params) in &defs {
        let pm = match amlguard_core::json::parse(&params.to_string()).unwrap() {
            Value::Object(m) => m,
            _ => amlguard_core::Map::new(),
        };
        for r in &ours_res {
            if p.evaluate(r, &pm, &ctx).effect.is_some() {
                our_matches += 1;
            }
        }
    }
    let ours_s = t.elapsed().as_secs_f64();
    let context = regorus::Value::from_json_str(
        r#"{"resourceGroup":{"name":"rg","location":"westeurope"},"subscription":{"subscriptionId":"00000000-0000-0000-0000-000000000000"}}"#,
    )
    .unwrap();
    let t = Instant::now();
    let mut their_matches = 0usize;
    let mut their_errors = 0usize;
    for (_, _, program, params) in &defs {
        let params = regorus::Value::from_json_str(&params.to_string()).unwrap();
        let mut vm = RegoVM::new();
        vm.load_program(program.clone());
        vm.set_context(context.clone());
        for l in &lines {
            let raw = regorus::Value::from_json_str(l).unwrap();
            let api = None;
            let resource = normalizer::normalize(&raw, Some(&reg), api);
            let mut input = regorus::Value::new_object();
            if let Ok(m) = input.as_object_mut() {
                m.insert(regorus::Value::from("resource"), resource);
                m.insert(regorus::Value::from("parameters"), params.clone());
            }
            vm.set_input(input);
            match vm.execute_entry_point_by_name("main") {
                Ok(out) if out != regorus::Value::Undefined => their_matches += 1,
                Ok(_) => {}
                Err(_) => their_errors += 1,
            }
        }
    }
    let theirs_s = t.elapsed().as_secs_f64();
    let n = defs.len() * lines.len();
    println!("builtins_compared={} resources={} evaluations={n}", defs.len(), lines.len());
    println!("amlguard_policy_s={ours_s:.6} matches={our_matches}");
    println!("regorus_policy_s={theirs_s:.6} matches={their_matches} errors={their_errors}");
    println!("regorus_vs_amlguard_ratio={:.2}", theirs_s / ours_s);
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let rounds = args.get(3).and_then(|r| r.parse().ok()).unwrap_or(20);
    match args.get(1).map(String::as_str) {
        Some("corpus") => corpus(Path::new(&args[2]), rounds),
        Some("one") => one(Path::new(&args[2]), rounds),
        Some("files") => per_file(Path::new(&args[2]), rounds),
        Some("pipeline") => pipeline_only(Path::new(&args[2]), rounds),
        Some("policy") => policy(Path::new(&args[2]), rounds),
        Some("regorus") => regorus_cmp(Path::new(&args[2]), Path::new(&args[3]), args.get(4).and_then(|n| n.parse().ok()).unwrap_or(10_000)),
        _ => eprintln!("usage: amlguard-bench corpus DIR [ROUNDS] | pipeline DIR [ROUNDS] | files DIR [ROUNDS] | one FILE [N] | policy FILE.jsonl [ROUNDS]"),
    }
}
