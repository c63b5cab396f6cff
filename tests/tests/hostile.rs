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

use amlguard_core::ingest::{terraform, LoadOptions};
use amlguard_core::{json, CheckOptions, Value};
use std::path::{Path, PathBuf};

fn hostile_dir() -> PathBuf {
    amlguard_tests::repo_root().join("tests/hostile")
}

/// What happened, as one line that the table below matches.
fn outcome_of_list(text: &str, file: &str) -> String {
    outcome_with(text, file, &LoadOptions::default())
}

/// Azure's limits, except a 64 MB template size, so the generated megabyte
/// inputs reach the JSON reader and the template limits behind it.
fn big_limits() -> LoadOptions {
    let mut o = LoadOptions::default();
    o.limits.max_template_bytes = 64 << 20;
    o
}

fn outcome_with(text: &str, file: &str, load: &LoadOptions) -> String {
    match amlguard_core::ingest::load_text(text, Some(file), load) {
        Err(e) => format!("error: {e}"),
        Ok(dep) => {
            let report = amlguard_core::check(&dep, &CheckOptions::default());
            let diags: Vec<String> = dep
                .diagnostics
                .iter()
                .map(|d| format!("{} (at `{}`)", d.message, d.provenance.pointer))
                .collect();
            format!("ok: {} resources, {} findings; diagnostics: {}", dep.resources.len(), report.findings.len(), diags.join(" | "))
        }
    }
}

fn outcome_of_tf(dir: &Path) -> String {
    match terraform::load_hcl_dir(dir, &[]) {
        Err(e) => format!("error: {e}"),
        Ok(dep) => {
            let report = amlguard_core::check(&dep, &CheckOptions::default());
            let diags: Vec<String> = dep
                .diagnostics
                .iter()
                .map(|d| {
                    let file = d.provenance.file.as_deref().and_then(|f| Path::new(f).file_name()).map(|f| f.to_string_lossy());
                    match (file, d.provenance.line) {
                        (Some(f), Some(l)) => format!("{} ({f}:{l})", d.message),
                        _ => d.message.clone(),
                    }
                })
                .collect();
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

/// Each case: a file (or folder) and the outcomes accepted, as substrings
/// of the outcome line (any one of the alternatives; every `&` part of an
/// alternative must appear).
const FILE_CASES: &[(&str, &[&str])] = &[
    // ARM allows `copy.count` up to 800; expanding 10^6 copies must not happen:
    // the resource is dropped with a diagnostic naming the place (or refused).
    ("copy-count.json", &["ok: 0 resources&copy `count` is 1000000; azure accepts 0 to 800&/resources/0", "error: copy-count.json&copy `count` is 1000000"]),
    ("duplicate-keys.json", &["error: duplicate-keys.json: duplicate key `publicNetworkAccess` at line 7, column 7"]),
    ("huge-exponent.json", &["error: huge-exponent.json: number `1e999` is out of range at line 5, column 35"]),
    ("infinity.json", &["error: infinity.json: invalid number at line 5, column 31"]),
    ("invalid-utf8.json", &["error: invalid utf-8 at line 4, column 16"]),
    ("like-only-stars.policy.json", &["error: <policy>: pattern `***&cannot be used&(at `/if/like`)"]),
    ("like-stars.policy.json", &["error: <policy>: pattern `*a*a&cannot be used&(at `/if/like`)"]),
    ("match-long.policy.json", &["ok: NoMatch None"]),
    ("nan.json", &["error: nan.json: unexpected character `N` at line 5, column 30"]),
    (
        "tf-count-huge",
        &["ok: 1000 resources&`count` of `azurerm_machine_learning_compute_instance.ci` is 1000000; only the first 1000 instances are checked"],
    ),
    ("tf-hcl-bomb", &["ok: 1 resources"]),
    (
        "tf-local-cycle",
        &["ok: 1 resources&local values form a cycle: `local.a` → `local.b` → `local.c` → `local.a`; they and the values using them are unknown (main.tf:2)"],
    ),
    ("tf-module-pair", &["ok: 1 resources&module `module.a.module.b.module.a` includes `../a`, which is already being read (circular modules)"]),
    ("tf-module-self", &["module `module.again.module.again` includes `./`, which is already being read (circular modules)"]),
    ("tf-string-bomb", &["ok: 1 resources"]),
    ("variable-cycle.json", &["ok: 0 resources&depends on itself", "error: variable-cycle.json&depends on itself"]),
];

const GENERATED_CASES: &[(&str, &[&str])] = &[
    ("deep-array.json", &["error: deep-array.json: nesting deeper than 256 levels at line 1, column 257"]),
    ("deep-object.json", &["error: deep-object.json: nesting deeper than 256 levels at line 1, column 1281"]),
    ("deep-properties-300.json", &["error: deep-properties-300.json: nesting deeper than 256 levels at line 1, column 1341"]),
    ("deep-properties-250.json", &["ok: 1 resources"]),
    ("string-5mb.json", &["ok: 1 resources"]),
    ("long-line-error.json", &["error: long-line-error.json: expected `,` or `]` in an array at line 1, column 5242939"]),
    // ARM allows 800 resources per template (the generated inputs are read
    // with the template size limit raised to 64 MB; see `big_limits`).
    ("resources-100k.json", &["error: resources-100k.json&the template declares 100000 resources; azure accepts at most 800"]),
    ("plan-deep-modules.json", &["error: plan-deep-modules.json: not a Terraform plan: modules nested too deeply at `/planned_values/root_module/child_modules/0/"]),
    ("tf-nesting-60/main.tf", &["ok: 0 resources"]),
    ("tf-deep-brackets/main.tf", &["error:&main.tf&brackets nested deeper than 100 levels at line 2"]),
    ("tf-deep-parens/main.tf", &["error:&main.tf&brackets nested deeper than 100 levels at line 2"]),
    ("tf-deep-blocks/main.tf", &["error:&main.tf&brackets nested deeper than 100 levels at line 101"]),
    ("tf-too-large/main.tf", &["error:&main.tf"]),
];

fn accepted(outcome: &str, alternatives: &[&str]) -> bool {
    alternatives.iter().any(|alt| alt.split('&').all(|part| outcome.contains(part)))
}

fn long_name_resource() -> Value {
    Value::Object(
        [
            ("type".to_owned(), Value::String("Microsoft.Storage/storageAccounts".into())),
            ("name".to_owned(), Value::String("a".repeat(20_000))),
        ]
        .into_iter()
        .collect(),
    )
}

fn run_file(path: &Path) -> String {
    let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    if path.is_dir() {
        return outcome_of_tf(path);
    }
    if name.ends_with(".policy.json") {
        return outcome_of_policy(&std::fs::read_to_string(path).unwrap_or_default(), &long_name_resource());
    }
    let bytes = std::fs::read(path).unwrap_or_default();
    match json::decode(&bytes) {
        Err(e) => format!("error: {e}"),
        Ok(t) => outcome_of_list(t, &name),
    }
}

fn assert_memory_bounded() {
    // Every input here is handled in well under 1.5 GB; the bombs expanded would take many times that.
    if let Some(mb) = peak_rss_mb() {
        assert!(mb < 1536, "peak resident memory {mb} MB");
    }
}

#[test]
fn hostile_files() {
    let dir = hostile_dir();
    let mut on_disk: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().to_string()).collect();
    on_disk.retain(|n| n != "README.md");
    on_disk.sort();
    let mut listed: Vec<String> = FILE_CASES.iter().map(|(n, _)| (*n).to_owned()).collect();
    listed.sort();
    assert_eq!(on_disk, listed, "every file in tests/hostile/ has an expectation here");
    let mut failures = Vec::new();
    for (name, alternatives) in FILE_CASES {
        let outcome = run_file(&dir.join(name));
        println!("{name}: {}", outcome.chars().take(300).collect::<String>());
        if !accepted(&outcome, alternatives) {
            failures.push(format!("{name}: got `{}`, expected one of {alternatives:?}", outcome.chars().take(600).collect::<String>()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_memory_bounded();
}

#[test]
fn hostile_generated() {
    let gen = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("hostile");
    let _ = std::fs::remove_dir_all(&gen);
    amlguard_tests::hostile::write_all(&gen).unwrap();
    let all = amlguard_tests::hostile::all();
    assert_eq!(all.len(), GENERATED_CASES.len(), "every generated input has an expectation");
    let mut failures = Vec::new();
    for g in all {
        let alternatives = GENERATED_CASES.iter().find(|(n, _)| *n == g.name).map(|(_, a)| *a).unwrap_or(&[]);
        let p = gen.join(g.name);
        let text = std::str::from_utf8(&g.bytes).unwrap();
        let outcome = if g.name.contains('/') {
            outcome_of_tf(p.parent().unwrap())
        } else if g.name.starts_with("plan") {
            match terraform::load_plan_text(text, Some(g.name)) {
                Err(e) => format!("error: {e}"),
                Ok(d) => format!(
                    "ok: {} resources; diagnostics: {}",
                    d.resources.len(),
                    d.diagnostics.iter().map(|x| x.message.as_str()).collect::<Vec<_>>().join(" | ")
                ),
            }
        } else {
            outcome_with(text, g.name, &big_limits())
        };
        println!("{}: {}", g.name, outcome.chars().take(300).collect::<String>());
        if !accepted(&outcome, alternatives) {
            failures.push(format!("{}: got `{}`, expected one of {alternatives:?}", g.name, outcome.chars().take(600).collect::<String>()));
        }
    }
    // With Azure's default limits, a document over 4 MB is refused before it is parsed.
    let big = amlguard_tests::hostile::all().into_iter().find(|g| g.name == "string-5mb.json").map(|g| g.bytes).unwrap_or_default();
    let outcome = outcome_of_list(std::str::from_utf8(&big).unwrap(), "string-5mb.json");
    if !accepted(&outcome, &["error:&string-5mb.json&azure accepts at most 4194304 bytes"]) {
        failures.push(format!("string-5mb.json with default limits: got `{outcome}`"));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_memory_bounded();
}

/// A large list of resources (no template limits apply to a plain list)
/// is read with every position found in one pass.
#[test]
fn large_resource_list_positions() {
    let mut text = String::from("[");
    for i in 0..20_000 {
        if i > 0 {
            text.push_str(",\n");
        }
        text.push_str(&format!(r#"{{"type":"Microsoft.Storage/storageAccounts","name":"st{i}","properties":{{}}}}"#));
    }
    text.push(']');
    let dep = amlguard_core::deployment_from_json_text(&text, Some("list.json")).unwrap();
    assert_eq!(dep.resources.len(), 20_000);
    let last = dep.resources.last().unwrap();
    assert_eq!((last.provenance.line, last.provenance.column), (Some(20_000), Some(1)));
    assert_eq!(dep.resources[1].provenance.line, Some(2));
}

/// Inputs found by fuzzing (fuzz/regressions/<target>/) replayed through the
/// same entry points as the fuzz targets: none may panic.
#[test]
fn fuzz_regressions() {
    let root = amlguard_tests::repo_root().join("fuzz/regressions");
    let hcl_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fuzz-regressions-hcl");
    let mut n = 0;
    for target in ["json", "resources", "check", "policy", "tf_plan", "tf_hcl"] {
        let Ok(entries) = std::fs::read_dir(root.join(target)) else { continue };
        for e in entries.flatten() {
            let bytes = std::fs::read(e.path()).unwrap();
            let text = String::from_utf8_lossy(&bytes);
            match target {
                "json" => drop(json::parse_bytes(&bytes)),
                "resources" | "check" => drop(outcome_of_list(&text, "fuzz.json")),
                "tf_plan" => drop(terraform::load_plan_text(&text, None)),
                "tf_hcl" => {
                    // As the fuzz target does: the input is `main.tf` of a folder of its own.
                    let _ = std::fs::remove_dir_all(&hcl_dir);
                    std::fs::create_dir_all(&hcl_dir).unwrap();
                    std::fs::write(hcl_dir.join("main.tf"), &bytes).unwrap();
                    drop(outcome_of_tf(&hcl_dir));
                }
                _ => {
                    if let Ok(doc) = json::parse(&text) {
                        let def = doc.get("policy").cloned().unwrap_or(doc.clone());
                        let res = doc.get("resource").cloned().unwrap_or(Value::Null);
                        drop(amlguard_core::evaluate_policy(&def, &res, doc.get("parameters")));
                    }
                }
            }
            n += 1;
        }
    }
    println!("{n} fuzz regression inputs replayed");
}
