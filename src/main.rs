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

/// libgit2's allocations through mimalloc as well (`GIT_OPT_SET_ALLOCATOR`). With the system
/// allocator, reading 10,000 commits on two threads spent a fifth of its time waiting on the
/// allocator's lock (docs/performance.md, Git ranges).
mod git_alloc {
    use std::ffi::{c_char, c_int, c_void};

    /// libgit2's `git_allocator` (include/git2/sys/alloc.h).
    #[repr(C)]
    struct GitAllocator {
        gmalloc: unsafe extern "C" fn(usize, *const c_char, c_int) -> *mut c_void,
        grealloc: unsafe extern "C" fn(*mut c_void, usize, *const c_char, c_int) -> *mut c_void,
        gfree: unsafe extern "C" fn(*mut c_void),
    }

    unsafe extern "C" fn gmalloc(n: usize, _: *const c_char, _: c_int) -> *mut c_void {
        // SAFETY: mimalloc's malloc, for any size.
        unsafe { libmimalloc_sys::mi_malloc(n) }
    }

    unsafe extern "C" fn grealloc(
        p: *mut c_void,
        n: usize,
        _: *const c_char,
        _: c_int,
    ) -> *mut c_void {
        // SAFETY: `p` is null or was allocated by `gmalloc`/`grealloc` (libgit2 frees and
        // reallocates only what its allocator gave it).
        unsafe { libmimalloc_sys::mi_realloc(p, n) }
    }

    unsafe extern "C" fn gfree(p: *mut c_void) {
        // SAFETY: as for `grealloc`.
        unsafe { libmimalloc_sys::mi_free(p) }
    }

    static ALLOCATOR: GitAllocator = GitAllocator {
        gmalloc,
        grealloc,
        gfree,
    };

    /// Sets it; before libgit2 is initialised, so that nothing it allocated before is freed
    /// by another allocator (libgit2 keeps an allocator set before `git_libgit2_init`).
    pub fn install() {
        // SAFETY: called once, first thing in `main`, before any thread starts and before any
        // libgit2 call; libgit2 copies the structure.
        unsafe {
            libgit2_sys::git_libgit2_opts(
                libgit2_sys::GIT_OPT_SET_ALLOCATOR as std::ffi::c_int,
                &raw const ALLOCATOR,
            );
        }
    }
}

fn main() -> ExitCode {
    git_alloc::install();
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
