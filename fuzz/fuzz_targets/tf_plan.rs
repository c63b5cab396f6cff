//! Terraform plan JSON (`terraform show -json`) ingestion.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = amlguard_core::ingest::terraform::load_plan_text(text, Some("fuzz.tfplan.json"));
    }
});
