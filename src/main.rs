//! The changegate binary: parse flags, run, map the outcome to an exit code
//! (0 pass, 1 blocked by findings, 2 could not decide).

mod cli;

use std::process::ExitCode;

// Parsing large plans is allocation-bound; mimalloc is markedly faster than the system
// allocator there (see docs/performance.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    match cli::run() {
        Ok(code) => code,
        Err(e) => {
            // Errors pass through the redaction layer too: an HTTP error body may echo a token.
            let message = format!("{e:#}");
            eprintln!(
                "changegate: error: {}",
                changegate::redact::redact(&message)
            );
            ExitCode::from(2)
        }
    }
}
