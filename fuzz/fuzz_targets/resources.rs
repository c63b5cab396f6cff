//! Resource lists / ARM-shaped documents into a Deployment (ids, relations,
//! provenance lines).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = amlguard_core::deployment_from_json_text(text, Some("fuzz.json"));
    }
});
