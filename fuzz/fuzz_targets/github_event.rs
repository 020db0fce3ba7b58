//! A GitHub event payload (`GITHUB_EVENT_PATH`): the pull request's body, labels, author, head.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(Some(pr)) = changegate::platform::parse_github_event("event.json", data)
        && let Some(body) = pr.body
    {
        let _ = changegate::input::description::parse_description("github:pull_request", &body);
    }
});
