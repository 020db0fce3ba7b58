//! The changegate binary: parse flags, run, map the outcome to an exit code
//! (0 pass, 1 blocked by findings, 2 could not decide).

mod cli;

use std::process::ExitCode;

// Parsing large plans is allocation-bound; mimalloc is markedly faster than the system
// allocator there (see docs/performance.md). It counts what each thread holds, so that an
// evaluation of custom rules can be held to its memory budget (`changegate::budget`).
#[global_allocator]
static GLOBAL: changegate::budget::Counting = changegate::budget::Counting;

/// `mi_option_purge_delay` in mimalloc 2's `mi_option_e` (the bindings name no constant).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> ExitCode {
    // A run is short: memory it frees is better kept for its next allocations than returned to
    // the system and faulted back in. Purging cost a third of the time of custom rules over a
    // 10,000-change plan (docs/performance.md, Custom rules).
    // SAFETY: sets a process-wide allocator option before any thread is started; mimalloc
    // reads options atomically.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
    match cli::run() {
        Ok(code) => code,
        Err(e) => {
            // Errors pass through the redaction layer too: an HTTP error body may echo a token.
            let message = format!("{e:#}");
            // ... and are made inert: text from the inputs they quote reaches a terminal and a
            // CI log neither as an escape sequence nor as a workflow command.
            eprintln!(
                "changegate: error: {}",
                changegate::model::text::inert_lines(&changegate::redact::redact(&message))
            );
            ExitCode::from(2)
        }
    }
}
