//! Terraform source (`--tf`): one `.tf` file through hcl-rs and changegate's scan, and the same
//! bytes as a `.tf.json` file through the JSON configuration syntax.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = changegate::input::text::decode("main.tf", data) {
        let _ = changegate::input::hcl::parse_source("main.tf", &text);
        let _ = changegate::input::hcl::parse_source("main.tf.json", &text);
    }
});
