//! Reviewed findings for every corpus template: each folder of
//! `../shared/corpus/{arm,terraform}` is checked with the full catalog and
//! the findings (status, severity, rule, resource, place) must match
//! `tests/snapshots/findings/<kind>/<folder>.txt`. A changed verdict is
//! then a reviewed diff, not an accident. `AMLGUARD_BLESS=1` rewrites the
//! snapshots (review them before committing).

use amlguard_core::{CheckOptions, Deployment, Report};
use amlguard_tests::{repo_root, shared_dir};
use std::path::{Path, PathBuf};

fn sorted_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir).into_iter().flatten().flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
    v.sort();
    v
}

fn tf_dirs(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = {
        let mut v: Vec<PathBuf> = std::fs::read_dir(dir).into_iter().flatten().flatten().map(|e| e.path()).collect();
        v.sort();
        v
    };
    if entries.iter().any(|p| p.extension().is_some_and(|x| x == "tf")) {
        out.push(dir.to_path_buf());
    }
    for p in entries.iter().filter(|p| p.is_dir()) {
        tf_dirs(p, out);
    }
}

/// One line per finding, paths relative to the corpus, sorted.
fn render(report: &Report, base: &Path) -> String {
    let base = format!("{}/", base.display());
    let s = &report.summary;
    let mut out = format!(
        "# {} resources; {} failed, {} indeterminate, {} suppressed, {} passed checks\n",
        s.resources, s.failed, s.indeterminate, s.suppressed, s.passed
    );
    let mut lines: Vec<String> = report
        .findings
        .iter()
        .map(|f| {
            let file = f.location.file.as_deref().map(|p| p.strip_prefix(&base).unwrap_or(p).to_owned()).unwrap_or_default();
            let place = match f.location.line {
                Some(l) => format!("{file}:{l}"),
                None => format!("{file} {}", f.location.pointer),
            };
            let status = if f.suppressed.is_some() { "suppressed" } else { f.status.as_str() };
            format!("{status} {} {} {} `{}` {place}", f.severity, f.rule_id, f.resource.type_, f.resource.name)
        })
        .collect();
    lines.sort();
    for l in lines {
        out.push_str(&l);
        out.push('\n');
    }
    out
}

fn compare(kind: &str, name: &str, got: &str, bless: bool, failures: &mut Vec<String>) {
    let path = repo_root().join("tests/snapshots/findings").join(kind).join(format!("{}.txt", name.replace('/', "__")));
    let want = std::fs::read_to_string(&path).ok();
    if want.as_deref() == Some(got) {
        return;
    }
    if bless {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, got).unwrap();
    } else {
        failures.push(format!("{kind}/{name}: findings differ from {} (AMLGUARD_BLESS=1 to accept after review)\n{got}", path.display()));
    }
}

fn check(dep: &Deployment) -> Report {
    amlguard_core::check(dep, &CheckOptions::default())
}

#[test]
fn arm_corpus_findings_match_the_reviewed_snapshots() {
    let Some(shared) = shared_dir() else { return };
    let bless = std::env::var("AMLGUARD_BLESS").is_ok_and(|v| v == "1");
    let base = shared.join("corpus/arm").canonicalize().unwrap();
    let dirs = sorted_dirs(&base);
    assert!(dirs.len() >= 20, "expected ARM corpus folders, found {}", dirs.len());
    let mut failures = Vec::new();
    let load = amlguard_core::ingest::LoadOptions::default();
    for dir in &dirs {
        let rel = dir.strip_prefix(&base).unwrap().display().to_string();
        let got = match amlguard_core::check_path(&[dir.as_path()], &load, &CheckOptions::default()) {
            Ok(report) => render(&report, &base),
            Err(e) => format!("# error: {}\n", e.to_string().replace(&format!("{}/", base.display()), "")),
        };
        compare("arm", &rel, &got, bless, &mut failures);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn terraform_corpus_findings_match_the_reviewed_snapshots() {
    let Some(shared) = shared_dir() else { return };
    let bless = std::env::var("AMLGUARD_BLESS").is_ok_and(|v| v == "1");
    let base = shared.join("corpus/terraform").canonicalize().unwrap();
    let mut dirs = Vec::new();
    tf_dirs(&base, &mut dirs);
    assert!(dirs.len() >= 20, "expected Terraform folders, found {}", dirs.len());
    let mut failures = Vec::new();
    for dir in &dirs {
        let rel = dir.strip_prefix(&base).unwrap().display().to_string();
        let got = match amlguard_core::ingest::terraform::load_hcl_dir(dir, &[]) {
            Ok(dep) => render(&check(&dep), &base),
            Err(e) => format!("# error: {e}\n"),
        };
        compare("terraform", &rel, &got, bless, &mut failures);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
