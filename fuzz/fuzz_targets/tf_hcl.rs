//! Terraform HCL ingestion: the input is written as `main.tf` of a fresh
//! folder (one per process) and read with `load_hcl_dir`, so modules with
//! `source = "./"` (a module calling itself) are reached too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;

fn dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = std::env::temp_dir().join(format!("amlguard-fuzz-hcl-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&d);
        d
    })
}

fuzz_target!(|data: &[u8]| {
    let d = dir();
    if std::fs::write(d.join("main.tf"), data).is_ok() {
        let _ = amlguard_core::ingest::terraform::load_hcl_dir(d, &[]);
    }
});
