//! `amlguard-bench corpus DIR [ROUNDS]`: every `.json` file under DIR read
//! into memory once, then, in the same process and run, (a) `serde_json`
//! parsing the same bytes (the floor) and (b) the whole amlguard pipeline
//! (parse, ingest, Azure defaults, every rule, JSON report); prints both and
//! the ratio.
//!
//! `amlguard-bench policy FILE.jsonl [ROUNDS]`: policy evaluation alone —
//! every embedded rule's `policyRule` compiled once, evaluated against every
//! resource of the inventory; prints evaluations per second.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use amlguard_core::policy::{EvalContext, Policy};
use amlguard_core::{CheckOptions, Value};
use std::path::{Path, PathBuf};
use std::time::Instant;

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

fn corpus(dir: &Path, rounds: usize) {
    let mut files = Vec::new();
    json_files(dir, &mut files);
    let docs: Vec<(String, String)> = files
        .iter()
        .filter_map(|p| Some((p.display().to_string(), String::from_utf8(std::fs::read(p).ok()?).ok()?)))
        .collect();
    let bytes: usize = docs.iter().map(|(_, t)| t.len()).sum();
    let opts = CheckOptions::default();
    // Warm up (embedded catalog and alias tables are built on first use).
    let mut loaded = 0;
    let mut findings = 0;
    for (name, text) in &docs {
        if let Ok(dep) = amlguard_core::deployment_from_json_text(text, Some(name)) {
            loaded += 1;
            findings += amlguard_core::check(&dep, &opts).findings.len();
        }
    }
    let t = Instant::now();
    let mut floor_ok = 0usize;
    for _ in 0..rounds {
        for (_, text) in &docs {
            // Strip comments the way ARM does is not serde_json's job; count what it parses.
            if serde_json::from_str::<serde_json::Value>(text).is_ok() {
                floor_ok += 1;
            }
        }
    }
    let floor = t.elapsed().as_secs_f64() / rounds as f64;
    let t = Instant::now();
    let mut out_len = 0usize;
    for _ in 0..rounds {
        for (name, text) in &docs {
            if let Ok(dep) = amlguard_core::deployment_from_json_text(text, Some(name)) {
                out_len += amlguard_core::check(&dep, &opts).to_json().len();
            }
        }
    }
    let pipeline = t.elapsed().as_secs_f64() / rounds as f64;
    println!("corpus_files={} corpus_bytes={bytes} loaded={loaded} findings={findings} serde_ok={}", docs.len(), floor_ok / rounds);
    println!("serde_json_parse_s={floor:.6}");
    println!("pipeline_s={pipeline:.6}");
    println!("pipeline_vs_parse_ratio={:.2}", pipeline / floor);
    std::hint::black_box(out_len);
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

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let rounds = args.get(3).and_then(|r| r.parse().ok()).unwrap_or(20);
    match args.get(1).map(String::as_str) {
        Some("corpus") => corpus(Path::new(&args[2]), rounds),
        Some("policy") => policy(Path::new(&args[2]), rounds),
        _ => eprintln!("usage: amlguard-bench corpus DIR [ROUNDS] | policy FILE.jsonl [ROUNDS]"),
    }
}
