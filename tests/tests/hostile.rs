//! Hostile inputs: each must end in a typed error naming the place (or a
//! report whose indeterminate findings / diagnostics say what could not be
//! decided) — never a panic, a stack overflow, a hang or an unbounded
//! allocation. Small inputs are files in `tests/hostile/`; the large ones
//! come from `amlguard_tests::hostile` (generated, not committed).
//!
//! No timing is asserted. Memory is checked once, at the end, from the
//! process's peak resident size (Linux only), against a bound far above what
//! any of these inputs needs when handled correctly and far below what the
//! bombs would take if expanded.

use amlguard_core::ingest::terraform;
use amlguard_core::{json, CheckOptions, Error, Value};
use std::path::{Path, PathBuf};

fn hostile_dir() -> PathBuf {
    amlguard_tests::repo_root().join("tests/hostile")
}

/// What happened, as one line that the table below matches.
fn outcome_of_list(text: &str, file: &str) -> String {
    match amlguard_core::deployment_from_json_text(text, Some(file)) {
        Err(e) => format!("error: {e}"),
        Ok(dep) => {
            let report = amlguard_core::check(&dep, &CheckOptions::default());
            format!("ok: {} resources, {} findings", dep.resources.len(), report.findings.len())
        }
    }
}

fn outcome_of_tf(dir: &Path) -> String {
    match terraform::load_hcl_dir(dir, &[]) {
        Err(e) => format!("error: {e}"),
        Ok(dep) => {
            let report = amlguard_core::check(&dep, &CheckOptions::default());
            let diags: Vec<&str> = dep.diagnostics.iter().map(|d| d.message.as_str()).collect();
            let names: Vec<String> = dep
                .resources
                .iter()
                .take(3)
                .map(|r| match r.value.get("name") {
                    Some(Value::String(s)) => s.chars().take(40).collect(),
                    Some(v) => format!("{:.60}", format!("{v:?}")),
                    None => "-".to_owned(),
                })
                .collect();
            format!(
                "ok: {} resources {names:?}, {} findings; diagnostics: {}",
                dep.resources.len(),
                report.findings.len(),
                diags.join(" | ").chars().take(600).collect::<String>()
            )
        }
    }
}

fn outcome_of_policy(def: &str, resource: &Value) -> String {
    let def = match json::parse(def) {
        Ok(d) => d,
        Err(e) => return format!("error: {e}"),
    };
    match amlguard_core::evaluate_policy(&def, resource, None) {
        Err(e) => format!("error: {e}"),
        Ok(ev) => format!("ok: {:?} {:?}", ev.outcome, ev.effect),
    }
}

fn peak_rss_mb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024)
}

#[test]
fn explore() {
    let dir = hostile_dir();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let long_name = Value::Object(
        [("type".to_owned(), Value::String("Microsoft.Storage/storageAccounts".into())), ("name".to_owned(), Value::String("a".repeat(20_000)))]
            .into_iter()
            .collect(),
    );
    for f in &files {
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        let out = if f.is_dir() {
            outcome_of_tf(f)
        } else if name.ends_with(".policy.json") {
            outcome_of_policy(&std::fs::read_to_string(f).unwrap(), &long_name)
        } else {
            let bytes = std::fs::read(f).unwrap();
            match json::decode(&bytes) {
                Err(e) => format!("error: {e}"),
                Ok(t) => outcome_of_list(t, &name),
            }
        };
        println!("{name}: {out}");
    }
    let gen = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("hostile");
    let _ = std::fs::remove_dir_all(&gen);
    amlguard_tests::hostile::write_all(&gen).unwrap();
    for g in amlguard_tests::hostile::all() {
        let p = gen.join(g.name);
        let out = if g.name.contains('/') {
            outcome_of_tf(p.parent().unwrap())
        } else if g.name.starts_with("plan") {
            match terraform::load_plan_text(std::str::from_utf8(&g.bytes).unwrap(), Some(g.name)) {
                Err(e) => format!("error: {e}"),
                Ok(d) => format!("ok: {} resources", d.resources.len()),
            }
        } else {
            outcome_of_list(std::str::from_utf8(&g.bytes).unwrap(), g.name)
        };
        println!("{}: {}", g.name, out.chars().take(400).collect::<String>());
        println!("  rss {:?}", peak_rss_mb());
    }
    let _ = Error::Io { path: String::new(), message: String::new() };
}
