// Copyright (c) Microsoft Corporation.
// Licensed under the MIT License.

//! Helpers for cooperative execution time and memory limits.

#![allow(dead_code)]

mod error;
mod length;
#[cfg(all(feature = "allocator-memory-limits", not(miri)))]
mod memory;
mod time;

#[allow(unused_imports)]
pub use error::LimitError;

#[allow(unused_imports)]
#[cfg(all(feature = "allocator-memory-limits", not(miri)))]
#[cfg_attr(docsrs, doc(cfg(feature = "allocator-memory-limits")))]
pub use memory::{
    check_global_memory_limit, enforce_memory_limit, flush_thread_memory_counters,
    global_memory_limit, set_global_memory_limit, set_thread_flush_threshold_override,
    thread_memory_flush_threshold, MemoryBudgetConfig,
};
#[cfg(all(feature = "rvm", feature = "allocator-memory-limits", not(miri)))]
pub(crate) use memory::{
    current_memory_budget_usage, current_thread_live_bytes, with_memory_budget_usage_scope,
    MemoryBudgetUsage,
};

#[allow(unused_imports)]
pub use time::{
    fallback_execution_timer_config, monotonic_now, set_fallback_execution_timer_config,
    ExecutionTimer, ExecutionTimerConfig, TimeSource,
};

pub use length::PolicyLengthConfig;
pub(crate) use length::{DEFAULT_MAX_COL, DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_LINES};

#[cfg(all(feature = "allocator-memory-limits", not(miri)))]
#[inline]
pub(crate) fn without_memory_budget_scope<R>(operation: impl FnOnce() -> R) -> R {
    mimalloc::limits::with_unowned_memory_budget_scope(operation)
}

#[cfg(any(miri, not(feature = "allocator-memory-limits")))]
#[inline]
pub(crate) fn without_memory_budget_scope<R>(operation: impl FnOnce() -> R) -> R {
    operation()
}

/// Run a binding-side read-only operation without attributing its allocations
/// to an active VM execution budget.
///
/// This doc-hidden bridge is needed by the separately compiled FFI crate,
/// which cannot call the crate-private selector helper. Process-global
/// allocation accounting remains enabled.
#[doc(hidden)]
#[inline]
pub fn with_unowned_memory_budget_scope_for_ffi<R>(operation: impl FnOnce() -> R) -> R {
    without_memory_budget_scope(operation)
}

#[cfg(test)]
pub use time::acquire_limits_test_lock;

#[cfg(any(test, not(feature = "std")))]
#[allow(unused_imports)]
pub use time::{set_time_source, TimeSourceRegistrationError};

#[cfg(all(feature = "allocator-memory-limits", not(miri)))]
#[inline]
pub fn check_memory_limit_if_needed() -> core::result::Result<(), LimitError> {
    memory::check_memory_limit_if_needed()
}

// changegate patch: an embedding program's own limit check. regorus checks its memory limit
// (`allocator-memory-limits`, which needs regorus's own allocator) in every evaluation loop and in
// every builtin that grows a value element by element; without that feature those checks call
// the hook the program set, if any, so that a program with its own allocator can hold an
// evaluation to a memory budget and a deadline even inside one builtin call. `reserve` is the
// size (bytes) a builtin is about to allocate at once (0 at a plain check).

/// A limit check of the embedding program: `Err` stops the evaluation with that error.
#[cfg(feature = "std")]
pub type LimitHook = fn(reserve: u64) -> core::result::Result<(), LimitError>;

#[cfg(feature = "std")]
static LIMIT_HOOK: std::sync::OnceLock<LimitHook> = std::sync::OnceLock::new();

/// Sets the process's limit hook (once; `false` when one was set already).
#[cfg(feature = "std")]
pub fn set_limit_hook(hook: LimitHook) -> bool {
    LIMIT_HOOK.set(hook).is_ok()
}

#[cfg(feature = "std")]
#[inline]
fn run_limit_hook(reserve: u64) -> core::result::Result<(), LimitError> {
    match LIMIT_HOOK.get() {
        Some(hook) => hook(reserve),
        None => Ok(()),
    }
}

#[cfg(not(feature = "std"))]
#[inline]
const fn run_limit_hook(_reserve: u64) -> core::result::Result<(), LimitError> {
    Ok(())
}

/// Asks the limit hook whether `bytes` more may be allocated at once (a builtin about to build a
/// large string or collection).
#[inline]
pub fn check_reserve(bytes: u64) -> core::result::Result<(), LimitError> {
    run_limit_hook(bytes)
}

#[cfg(any(miri, not(feature = "allocator-memory-limits")))]
#[inline]
pub fn enforce_memory_limit() -> core::result::Result<(), LimitError> {
    run_limit_hook(0)
}

#[cfg(any(miri, not(feature = "allocator-memory-limits")))]
#[inline]
pub fn check_memory_limit_if_needed() -> core::result::Result<(), LimitError> {
    run_limit_hook(0)
}
