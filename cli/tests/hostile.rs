//! The hostile corpus through the command line, as a user meets it: the
//! files of `tests/hostile/` and the large inputs `amlguard_tests::hostile`
//! generates. Each ends with exit code 2 and an error naming the place
//! (file and line, column or pointer) — in every output format — or with a
//! bounded result (exit 0 or 1); never a crash. The library-level outcomes
//! are pinned in `tests/tests/hostile.rs`; timings are in
//! docs/performance.md (no timed assertions here).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)] // tests: a failure is the point

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// (exit code, stdout, stderr) of `amlguard ARGS` run in `dir`.
fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_amlguard")).current_dir(dir).args(args).output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// One case: the input (relative to its folder), extra arguments, text
/// every output format must show with exit code 2 (on stdout for a
/// diagnostic, on stderr for an input refused as a whole; `None`: a bounded
/// result, exit 0 or 1), and for a diagnostic the line it names (in each
/// format's own way: `file:9`, `"line": 9`, `"startLine": 9`).
type Case = (&'static str, &'static [&'static str], Option<&'static [&'static str]>, Option<u32>);

const FILE_CASES: &[Case] = &[
    ("copy-count.json", &[], Some(&["copy `count` is 1000000; azure accepts 0 to 800", "copy-count.json"]), Some(9)),
    ("duplicate-keys.json", &[], Some(&["duplicate-keys.json: duplicate key `publicNetworkAccess` at line 7, column 7"]), None),
    ("huge-exponent.json", &[], Some(&["huge-exponent.json: number `1e999` is out of range at line 5, column 35"]), None),
    ("infinity.json", &[], Some(&["infinity.json: invalid number at line 5, column 31"]), None),
    ("invalid-utf8.json", &[], Some(&["invalid-utf8.json: invalid utf-8 at line 4, column 16"]), None),
    ("nan.json", &[], Some(&["nan.json: unexpected character `N` at line 5, column 30"]), None),
    ("variable-cycle.json", &[], Some(&["variable `a` depends on itself", "variable-cycle.json"]), Some(6)),
    ("tf-count-huge", &[], Some(&["`count` of `azurerm_machine_learning_compute_instance.ci` is 1000000; only the first 1000 instances are checked", "tf-count-huge/main.tf"]), Some(1)),
    ("tf-hcl-bomb", &[], None, None),
    ("tf-local-cycle", &[], Some(&["local values form a cycle: `local.a` → `local.b` → `local.c` → `local.a`", "tf-local-cycle/main.tf"]), Some(2)),
    ("tf-module-pair", &[], Some(&["module `module.a.module.b.module.a` includes `../a`, which is already being read (circular modules)", "tf-module-pair/b/main.tf"]), Some(1)),
    ("tf-module-self", &[], Some(&["module `module.again` includes `./`, which is already being read (circular modules)", "tf-module-self/main.tf"]), Some(2)),
    ("tf-string-bomb", &[], None, None),
];

/// The policy files go through `policy eval` against a resource with a
/// 20 000-character name.
const POLICY_CASES: &[(&str, Option<&str>)] = &[
    ("like-only-stars.policy.json", Some("cannot be used: more than 64 `*` wildcards (at `/if/like`)")),
    ("like-stars.policy.json", Some("cannot be used: more than 64 `*` wildcards (at `/if/like`)")),
    ("match-long.policy.json", None),
];

const BIG: &str = "max_template_bytes=67108864";

const GENERATED_CASES: &[Case] = &[
    ("deep-array.json", &[], Some(&["deep-array.json: nesting deeper than 256 levels at line 1, column 257"]), None),
    ("deep-object.json", &[], Some(&["deep-object.json: nesting deeper than 256 levels at line 1, column 1281"]), None),
    ("deep-properties-300.json", &[], Some(&["deep-properties-300.json: nesting deeper than 256 levels at line 1, column 1341"]), None),
    ("deep-properties-250.json", &[], None, None),
    ("string-5mb.json", &[], Some(&["string-5mb.json", "azure accepts at most 4194304 bytes"]), None),
    ("string-5mb.json", &["--limit", BIG], None, None),
    ("long-line-error.json", &[], Some(&["long-line-error.json", "azure accepts at most 4194304 bytes"]), None),
    ("long-line-error.json", &["--limit", BIG], Some(&["long-line-error.json: expected `,` or `]` in an array at line 1, column 5242939"]), None),
    ("resources-100k.json", &[], Some(&["resources-100k.json", "azure accepts at most 4194304 bytes"]), None),
    ("resources-100k.json", &["--limit", BIG], Some(&["resources-100k.json:1:133: the template declares 100000 resources; azure accepts at most 800"]), None),
    ("plan-deep-modules.json", &[], Some(&["plan-deep-modules.json: not a Terraform plan: modules nested too deeply at `/planned_values/root_module/child_modules/0/"]), None),
    ("tf-nesting-60", &[], None, None),
    ("tf-deep-brackets", &[], Some(&["tf-deep-brackets/main.tf`: brackets nested deeper than 100 levels at line 2"]), None),
    ("tf-deep-parens", &[], Some(&["tf-deep-parens/main.tf`: brackets nested deeper than 100 levels at line 2"]), None),
    ("tf-deep-blocks", &[], Some(&["tf-deep-blocks/main.tf`: brackets nested deeper than 100 levels at line 101"]), None),
    ("tf-too-large", &[], Some(&["tf-too-large/main.tf`: file larger than 8 MiB"]), None),
];

/// Run one case in every output format; the failures found.
fn check_case(dir: &Path, (name, extra, want, line): &Case) -> Vec<String> {
    let mut failures = Vec::new();
    // An input refused as a whole gives the same message whatever the format.
    let formats: &[&str] = if want.is_some() && line.is_none() { &["text"] } else { &["text", "json", "sarif"] };
    for &format in formats {
        let mut args = vec!["check", name, "--format", format];
        args.extend_from_slice(extra);
        let (code, out, err) = run(dir, &args);
        let label = format!("{name} {extra:?} --format {format}");
        match want {
            None if code == 0 || code == 1 => {}
            None => failures.push(format!("{label}: exit {code}, expected a bounded result (0 or 1): {}", err.trim())),
            Some(parts) => {
                if code != 2 {
                    failures.push(format!("{label}: exit {code}, expected 2"));
                }
                // JSON escapes nothing in these texts but quotes; compare unescaped.
                let shown = format!("{out}\n{err}").replace("\\\"", "\"");
                let at_line = line.map(|l| match format {
                    "text" => format!(":{l} "),
                    "json" => format!("\"line\": {l}"),
                    _ => format!("\"startLine\": {l}"),
                });
                for part in parts.iter().copied().chain(at_line.as_deref()) {
                    if !shown.contains(part) {
                        failures.push(format!("{label}: `{part}` not in the output: {}", shown.chars().take(400).collect::<String>()));
                    }
                }
            }
        }
    }
    failures
}

#[test]
fn hostile_files_through_the_cli() {
    let dir = repo().join("tests/hostile");
    let mut listed: Vec<&str> = FILE_CASES.iter().map(|c| c.0).chain(POLICY_CASES.iter().map(|c| c.0)).collect();
    listed.sort_unstable();
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    on_disk.retain(|n| n != "README.md");
    on_disk.sort();
    assert_eq!(on_disk, listed, "every entry of tests/hostile/ has a command-line expectation here");
    let mut failures: Vec<String> = FILE_CASES.iter().flat_map(|c| check_case(&dir, c)).collect();

    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("cli-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let resource = tmp.join("long-name.json");
    std::fs::write(&resource, format!(r#"{{"type": "Microsoft.Storage/storageAccounts", "name": "{}"}}"#, "a".repeat(20_000))).unwrap();
    for (name, want) in POLICY_CASES {
        let def = dir.join(name);
        let (code, out, err) = run(&dir, &["policy", "eval", "--definition", def.to_str().unwrap(), "--resource", resource.to_str().unwrap()]);
        match want {
            Some(part) if code != 2 || !err.contains(part) || !err.contains(*name) => {
                failures.push(format!("{name}: exit {code}, expected 2 and `{part}` naming the file: {err}"))
            }
            None if code != 0 || !out.contains("\"outcome\"") => failures.push(format!("{name}: exit {code}: {out} {err}")),
            _ => {}
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn generated_hostile_inputs_through_the_cli() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("cli-hostile-gen-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    amlguard_tests::hostile::write_all(&dir).unwrap();
    let mut generated: Vec<String> =
        amlguard_tests::hostile::all().iter().map(|g| g.name.split('/').next().unwrap_or_default().to_owned()).collect();
    generated.sort();
    let mut listed: Vec<String> = GENERATED_CASES.iter().map(|c| c.0.to_owned()).collect();
    listed.sort();
    listed.dedup();
    assert_eq!(generated, listed, "every generated input has a command-line expectation here");
    let failures: Vec<String> = GENERATED_CASES.iter().flat_map(|c| check_case(&dir, c)).collect();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
