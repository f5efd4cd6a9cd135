//! Progress on a terminal: `scanning 1234/5000 files` on standard error, only for scans that
//! last longer than a second (a quick scan should not flicker), and only when standard error
//! is a terminal and `CI` is unset (logs must not fill with carriage returns).

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::Duration;

/// How long a scan runs before progress shows.
const DELAY: Duration = Duration::from_secs(1);
const TICK: Duration = Duration::from_millis(100);

/// Whether progress may be drawn in this process.
pub fn wanted() -> bool {
    std::io::stderr().is_terminal()
        && std::env::var_os("CI").is_none_or(|v| v.is_empty())
        && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
}

/// A running progress line. Dropping it (or [`Progress::finish`]) stops it and clears the line.
pub struct Progress {
    done: Arc<AtomicUsize>,
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Progress {
    /// Starts counting towards `total` files; the line appears after a second.
    pub fn start(total: usize) -> Progress {
        let done = Arc::new(AtomicUsize::new(0));
        let (stop, stopped) = mpsc::channel::<()>();
        let counter = done.clone();
        // A thread of its own, so drawing never waits on the scan's workers or slows them.
        let thread = std::thread::Builder::new()
            .name("slsguard-progress".into())
            .spawn(move || {
                // The channel wakes the thread as soon as the scan ends, so a quick scan costs
                // no wait at all.
                if !matches!(stopped.recv_timeout(DELAY), Err(RecvTimeoutError::Timeout)) {
                    return;
                }
                let mut err = std::io::stderr();
                loop {
                    let n = counter.load(Ordering::Relaxed).min(total);
                    let _ = write!(err, "\r\x1b[2Kscanning {n}/{total} files");
                    let _ = err.flush();
                    if !matches!(stopped.recv_timeout(TICK), Err(RecvTimeoutError::Timeout)) {
                        break;
                    }
                }
                let _ = write!(err, "\r\x1b[2K");
                let _ = err.flush();
            })
            .ok();
        Progress { done, stop: Some(stop), thread }
    }

    /// The counter the scan increments once per file.
    pub fn counter(&self) -> Arc<AtomicUsize> {
        self.done.clone()
    }

    pub fn finish(mut self) {
        self.stop_now();
    }

    fn stop_now(&mut self) {
        // Dropping the sender disconnects the channel, which ends the thread's wait.
        self.stop.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.stop_now();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quick_scan_stops_at_once() {
        let started = std::time::Instant::now();
        let p = Progress::start(10);
        p.counter().fetch_add(10, Ordering::Relaxed);
        p.finish();
        assert!(started.elapsed() < Duration::from_millis(500));
    }
}
