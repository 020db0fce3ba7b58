//! The changegate binary: parse flags, run, map the outcome to an exit code
//! (0 pass, 1 blocked by findings, 2 could not decide).

use std::process::ExitCode;

fn main() -> ExitCode {
    match changegate::cli::run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("changegate: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
