//! Commit messages and their trailers: the `commit-msg` hook's check, and the change-record
//! fields that trailers supply (`Ticket:`, `Approved-by:`, `Window:`, ...).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let message = String::from_utf8_lossy(data);
    static POLICY: std::sync::OnceLock<changegate::policy::Policy> = std::sync::OnceLock::new();
    let policy = POLICY.get_or_init(|| {
        changegate::input::policy::load(None).expect("the built-in policy compiles")
    });
    let _ = changegate::commitmsg::check(policy, &message);
    let (subject, body, trailers) = changegate::input::git::message_parts(&message);
    let who = changegate::model::Person {
        name: "A U Thor".into(),
        email: "author@example.com".into(),
        time: chrono::DateTime::UNIX_EPOCH.fixed_offset(),
    };
    let commit = changegate::model::Commit {
        id: "0123456789abcdef0123456789abcdef01234567".into(),
        author: who.clone(),
        committer: who,
        subject,
        body,
        trailers,
        parents: Vec::new(),
        signature: None,
        paths: Vec::new(),
    };
    let _ = changegate::input::git::record_from_commits(
        ".",
        &[commit],
        &policy.ticket,
        policy.ticket_finder(),
    );
});
