//! A PR/MR description (`--description`, the platform's body): Markdown, `changegate` blocks,
//! `Key: value` lines and sections.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = changegate::input::text::decode("pr.md", data) {
        let _ = changegate::input::description::parse_description("pr.md", &text);
    }
});
