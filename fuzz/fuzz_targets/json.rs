//! The JSON reader: any bytes give a value or a positioned error, and
//! `locate` never panics on what the reader produced. The reader's two
//! other entries agree with it on every input: `parse_indexed` (the load
//! path, which also records positions) gives the same value or error,
//! `PositionIndex::build` (which builds no value) the same error or the
//! same positions, and `skim_bytes` (`check --jsonl`'s first pass, which
//! builds no value either) accepts exactly what the reader accepts and picks
//! the strings `get_ci` would.
#![no_main]

use amlguard_core::json;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let keys = ["type", "id", "name"];
    let full = json::parse_bytes(data);
    match (&full, json::skim_bytes(data, &keys)) {
        (Ok(v), Ok(s)) => {
            assert_eq!(s.object, matches!(v, amlguard_core::Value::Object(_)));
            for (k, got) in keys.iter().zip(&s.strings) {
                assert_eq!(got.as_deref(), v.get_ci(k).and_then(amlguard_core::Value::as_str), "key {k}");
            }
        }
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
        (a, b) => panic!("reader and skim disagree: {:?} / {:?}", a.is_ok(), b.is_ok()),
    }
    if let Ok(text) = json::decode(data) {
        let shared: std::sync::Arc<str> = std::sync::Arc::from(text);
        let indexed = json::parse_indexed(std::sync::Arc::clone(&shared));
        let built = json::PositionIndex::build(shared);
        match (&indexed, &built) {
            (Ok((_, a)), Ok(b)) => {
                for ptr in ["", "/resources", "/resources/0", "/resources/0/properties", "/0", "/0/0", "/a", "/type"] {
                    assert_eq!(a.get(ptr), b.get(ptr), "position of {ptr}");
                }
            }
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
            (a, b) => panic!("parse_indexed and PositionIndex::build disagree: {:?} / {:?}", a.is_ok(), b.is_ok()),
        }
        let indexed = indexed.map(|(v, _)| v).map_err(|e| e.to_string());
        assert_eq!(indexed, full.as_ref().map(Clone::clone).map_err(ToString::to_string));
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
