//! A GitHub event payload (`GITHUB_EVENT_PATH`): the pull request's body, labels, author, head,
//! and the commit range.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(event) = changegate::platform::parse_github_event("event.json", data)
        && let Some(body) = event.pull_request.and_then(|pr| pr.body)
    {
        let _ = changegate::input::description::parse_description("github:pull_request", &body);
    }
});
