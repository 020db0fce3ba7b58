//! A maintenance record (`changegate verify RECORD`): JSON, schema marker and digest.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = changegate::input::text::decode("record.json", data)
        && let Ok(r) = changegate::evidence::parse_record("record.json", &text)
    {
        let _ = r.intact();
        let _ = changegate::evidence::findings_of(&r.value);
    }
});
