//! The JSON reader: any bytes give a value or a positioned error, and
//! `locate` never panics on what the reader produced.
#![no_main]

use amlguard_core::json;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = json::decode(data) {
        match json::parse(text) {
            Ok(_) => {
                let _ = json::locate(text, "/resources/0/properties");
            }
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }
});
