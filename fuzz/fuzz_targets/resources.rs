//! Format detection and ingestion of JSON documents: ARM templates (expression
//! evaluation, copy loops, nested deployments), resource lists, plan JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = amlguard_core::ingest::load_text(text, Some("fuzz.json"), &amlguard_core::ingest::LoadOptions::default());
    }
});
