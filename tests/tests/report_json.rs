//! The report's JSON is written by hand (core/src/report/write.rs) for
//! speed; on every folder of the ARM and Terraform corpora it must be
//! byte-identical to what serde_json writes from the `Serialize` shape:
//! `Report::to_json` as `to_string_pretty`, `Finding::write_json` and
//! `report::write_diagnostic_json` as `to_string`.

use amlguard_core::report::write_diagnostic_json;
use amlguard_core::{CheckOptions, Report};
use amlguard_tests::shared_dir;
use std::path::{Path, PathBuf};

fn dirs(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).into_iter().flatten().flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
    entries.sort();
    for p in entries {
        out.push(p.clone());
        dirs(&p, out);
    }
}

fn assert_serde_identical(report: &Report, place: &str) {
    assert_eq!(report.to_json(), serde_json::to_string_pretty(report).unwrap(), "{place}");
    let (mut mine, mut want) = (String::new(), String::new());
    for f in &report.findings {
        f.write_json(&mut mine);
        want.push_str(&serde_json::to_string(f).unwrap());
    }
    for d in &report.diagnostics {
        write_diagnostic_json(d, &mut mine);
        want.push_str(&serde_json::to_string(d).unwrap());
    }
    assert_eq!(mine, want, "{place}");
}

#[test]
fn report_json_is_what_serde_json_writes_on_the_corpora() {
    let Some(shared) = shared_dir() else { return };
    let load = amlguard_core::ingest::LoadOptions::default();
    let (mut checked, mut findings) = (0, 0);
    for kind in ["arm", "terraform"] {
        let mut all = Vec::new();
        dirs(&shared.join("corpus").join(kind), &mut all);
        for dir in &all {
            // Folders without a template are an error here; they are covered elsewhere.
            let Ok(report) = amlguard_core::check_path(&[dir.as_path()], &load, &CheckOptions::default()) else { continue };
            assert_serde_identical(&report, &dir.display().to_string());
            checked += 1;
            findings += report.findings.len();
        }
    }
    assert!(checked >= 20 && findings >= 100, "only {checked} folders with {findings} findings checked");
}
