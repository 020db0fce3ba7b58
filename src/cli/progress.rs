//! A spinner on standard error for work that takes more than a second (large manifests, long
//! git ranges, the audit), only where someone watches: a terminal, not CI, not `--quiet`.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Work in progress; [`Progress::finish`] (or drop) clears the spinner.
pub struct Progress {
    done: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

/// Whether progress may be shown: standard error is a terminal, not in CI, not quiet.
pub fn wanted(quiet: bool) -> bool {
    !quiet && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none()
}

impl Progress {
    /// Shows `message` with a spinner if the work is still running after a second.
    pub fn start(message: &str, enabled: bool) -> Progress {
        let done = Arc::new(AtomicBool::new(false));
        if !enabled {
            return Progress { done, handle: None };
        }
        let flag = Arc::clone(&done);
        let message = message.to_string();
        let handle = std::thread::spawn(move || {
            let start = Instant::now();
            while start.elapsed() < Duration::from_secs(1) {
                if flag.load(Ordering::Acquire) {
                    return;
                }
                std::thread::park_timeout(Duration::from_millis(50));
            }
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_message(message);
            bar.enable_steady_tick(Duration::from_millis(100));
            while !flag.load(Ordering::Acquire) {
                std::thread::park_timeout(Duration::from_millis(50));
            }
            bar.finish_and_clear();
        });
        Progress {
            done,
            handle: Some(handle),
        }
    }

    pub fn finish(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        self.done.store(true, Ordering::Release);
        if let Some(h) = self.handle.take() {
            h.thread().unpark();
            let _ = h.join();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.stop();
    }
}
