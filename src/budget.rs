//! What one evaluation of custom rules may spend: the memory it may hold and the time it may
//! take. regorus checks its execution timer between steps, but one builtin call
//! (`numbers.range(1, 1e12)`, `net.cidr_expand("0.0.0.0/0")`, `strings.replace` that multiplies
//! a string) can allocate or loop for as long as it likes inside a single step. The vendored
//! regorus asks a limit hook (`vendor/regorus/PATCHES.md`) inside every such builtin and
//! evaluation loop, and before any large one-off allocation; this module is that hook. Each
//! evaluation runs [`within`] a [`Budget`] on its own thread; the bytes the thread holds are
//! counted by the process's allocator ([`Counting`], which the binary installs).

use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;
use std::time::{Duration, Instant};

use regorus::utils::limits::LimitError;

/// The memory and time one evaluation may spend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Bytes the evaluation may hold beyond what its thread held when it started.
    pub memory: u64,
    /// How long it may run.
    pub time: Duration,
}

/// The default memory budget of one evaluation (`rego.memory`).
pub const DEFAULT_MEMORY: u64 = 512 << 20;

impl Default for Budget {
    fn default() -> Self {
        Budget {
            memory: DEFAULT_MEMORY,
            time: Duration::from_secs(5),
        }
    }
}

/// mimalloc, counting the bytes each thread allocates and frees.
pub struct Counting;

thread_local! {
    /// Bytes allocated minus bytes freed on this thread.
    static LIVE: Cell<i64> = const { Cell::new(0) };
    /// The evaluation running on this thread, if any.
    static SCOPE: Cell<Option<Scope>> = const { Cell::new(None) };
}

#[derive(Clone, Copy)]
struct Scope {
    base: i64,
    budget: Budget,
    started: Instant,
    /// Checks since the clock was last read.
    ticks: u32,
}

fn count(delta: i64) {
    // `try_with`: an allocation while the thread's locals are being torn down is not counted.
    let _ = LIVE.try_with(|l| l.set(l.get().wrapping_add(delta)));
}

fn size(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

// SAFETY: every call is forwarded to mimalloc unchanged; the counting only reads the layout.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        let p = unsafe { mimalloc::MiMalloc.alloc(layout) };
        if !p.is_null() {
            count(size(layout.size()));
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        let p = unsafe { mimalloc::MiMalloc.alloc_zeroed(layout) };
        if !p.is_null() {
            count(size(layout.size()));
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract, passed on.
        unsafe { mimalloc::MiMalloc.dealloc(ptr, layout) };
        count(-size(layout.size()));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        let p = unsafe { mimalloc::MiMalloc.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            count(size(new_size) - size(layout.size()));
        }
        p
    }
}

/// Installs the limit hook in regorus (once per process; later calls do nothing).
pub fn install() {
    let _ = regorus::utils::limits::set_limit_hook(hook);
}

/// Runs `f` (one evaluation, on this thread) within `budget`: from inside regorus, the hook
/// stops it with a memory or time limit error when it holds or asks for more than
/// `budget.memory` bytes, or runs past `budget.time`.
pub fn within<R>(budget: Budget, f: impl FnOnce() -> R) -> R {
    install();
    let outer = SCOPE.with(|s| {
        s.replace(Some(Scope {
            base: LIVE.with(Cell::get),
            budget,
            started: Instant::now(),
            ticks: 0,
        }))
    });
    let out = f();
    SCOPE.with(|s| s.set(outer));
    out
}

/// The clock is read once every this many checks (a check is a few nanoseconds, the clock tens).
const CLOCK_EVERY: u32 = 256;

fn hook(reserve: u64) -> Result<(), LimitError> {
    let Some(mut scope) = SCOPE.with(Cell::get) else {
        return Ok(());
    };
    let held = u64::try_from(LIVE.with(Cell::get).saturating_sub(scope.base)).unwrap_or(0);
    let wanted = held.saturating_add(reserve);
    if wanted > scope.budget.memory {
        return Err(LimitError::MemoryLimitExceeded {
            usage: wanted,
            limit: scope.budget.memory,
        });
    }
    scope.ticks += 1;
    if scope.ticks >= CLOCK_EVERY || reserve > 0 {
        scope.ticks = 0;
        let elapsed = scope.started.elapsed();
        if elapsed > scope.budget.time {
            return Err(LimitError::TimeLimitExceeded {
                elapsed,
                limit: scope.budget.time,
            });
        }
    }
    SCOPE.with(|s| s.set(Some(scope)));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reservation_over_the_budget_is_refused_and_time_is_kept() {
        let budget = Budget {
            memory: 1 << 20,
            time: Duration::from_secs(60),
        };
        within(budget, || {
            assert!(hook(1 << 10).is_ok());
            assert!(matches!(
                hook(2 << 20),
                Err(LimitError::MemoryLimitExceeded { .. })
            ));
        });
        let short = Budget {
            memory: 1 << 20,
            time: Duration::ZERO,
        };
        within(short, || {
            std::thread::sleep(Duration::from_millis(2));
            assert!(matches!(hook(1), Err(LimitError::TimeLimitExceeded { .. })));
        });
        // Outside an evaluation nothing is limited.
        assert!(hook(u64::MAX).is_ok());
    }
}
