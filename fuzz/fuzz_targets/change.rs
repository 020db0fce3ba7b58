//! A change record (`--change`): YAML or JSON, schema-validated.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = changegate::input::text::decode("change.yaml", data) {
        let _ = changegate::input::change::parse("change-file", "change.yaml", &text, 0);
    }
});
