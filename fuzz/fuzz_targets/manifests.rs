//! Kubernetes manifests (`--manifests`, `--live`): multi-document YAML/JSON into objects, and
//! the object diff and drift comparison of the same objects as rendered and live.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = changegate::input::text::decode("m.yaml", data) else {
        return;
    };
    let Ok((objects, _)) = changegate::input::kube::parse("m.yaml", &text) else {
        return;
    };
    static POLICY: std::sync::OnceLock<changegate::policy::Policy> = std::sync::OnceLock::new();
    let policy = POLICY.get_or_init(|| {
        changegate::input::policy::load(None).expect("the built-in policy compiles")
    });
    let _ = changegate::load::kube::build(
        objects.clone(),
        Some(&objects),
        Some(&objects),
        &policy.file.kubernetes,
    );
});
