//! A JUnit XML report (`changegate close --tests FILE`): the tests run after a change.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = changegate::input::text::decode("junit.xml", data) {
        let _ = changegate::input::junit::parse("junit.xml", &text);
    }
});
