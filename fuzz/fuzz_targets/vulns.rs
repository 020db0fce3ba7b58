//! A scanner's vulnerability report (`--vulns`): Trivy, Grype, SARIF or GitLab JSON.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = changegate::input::text::decode("report.json", data) {
        let _ = changegate::input::vulns::parse("report.json", &text, String::new());
    }
});
