//! `changegate commit-msg FILE`: the `commit-msg` git hook.

use std::path::Path;
use std::process::ExitCode;

use changegate::error::Error;
use changegate::input::limits::LimitKind;
use changegate::input::policy::PolicySource;
use changegate::input::text;

use super::output::note;

pub fn run(policy: Option<&Path>, file: &Path) -> Result<ExitCode, Error> {
    let policy = PolicySource::from_flag(policy).load(&super::current_dir()?)?;
    let message = text::read(file, LimitKind::CommitMessage)?;
    match changegate::commitmsg::check(&policy, &message.text) {
        None => Ok(ExitCode::SUCCESS),
        Some(reason) => {
            note(&reason);
            Ok(ExitCode::from(1))
        }
    }
}
