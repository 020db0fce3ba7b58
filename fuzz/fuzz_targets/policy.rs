//! The policy file (`changegate.yaml`): YAML, schema validation and compilation (cron, time
//! zones, durations, exceptions).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = changegate::input::text::decode("changegate.yaml", data) {
        let _ = changegate::input::policy::compile_text("changegate.yaml", data, &text);
    }
});
