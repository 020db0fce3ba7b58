//! The record log (`verify --log`): JSON lines, each line's digest, the hash chain, the sequence.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = changegate::input::text::decode("log.jsonl", data) {
        let _ = changegate::evidence::parse_log(&text);
    }
});
