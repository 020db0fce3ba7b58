//! Terraform plan JSON (`--plan`): decoding (BOM, UTF-16) and the plan parser.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = changegate::input::text::decode("plan.json", data) {
        let _ = changegate::input::plan::parse("plan.json", &text, String::new());
    }
});
