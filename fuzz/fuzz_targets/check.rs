//! The whole pipeline on a resource list: ingestion, Azure defaults, every
//! embedded rule, every report format. Never fails on a valid deployment.
#![no_main]

use amlguard_core::CheckOptions;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(dep) = amlguard_core::ingest::load_text(text, Some("fuzz.json"), &amlguard_core::ingest::LoadOptions::default()) else { return };
    let report = amlguard_core::check(&dep, &CheckOptions::default());
    let _ = report.to_json();
    let _ = report.to_sarif();
    let _ = report.to_text();
});
