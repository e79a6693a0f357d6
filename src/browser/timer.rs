//! Time on the page: its clock ([`page_ms`]) and a debouncer (many calls in a burst, one run
//! after the burst has been quiet for `delay`).

use std::time::Duration;

use leptos::leptos_dom::helpers::{set_timeout_with_handle, TimeoutHandle};
use leptos::prelude::*;

/// Milliseconds since the page started (`performance.now()`; 0 where there is none).
pub fn page_ms() -> f64 {
    window().performance().map_or(0.0, |p| p.now())
}

/// Runs the last scheduled callback once no other was scheduled for `delay`. `Copy`, so event
/// handlers can share it. The pending timer is cancelled when the owning reactive scope is dropped.
#[derive(Clone, Copy)]
pub struct Debouncer {
    delay: Duration,
    pending: StoredValue<Option<TimeoutHandle>>,
}

impl Debouncer {
    pub fn new(delay: Duration) -> Self {
        let pending = StoredValue::new(None::<TimeoutHandle>);
        on_cleanup(move || {
            if let Some(Some(handle)) = pending.try_update_value(Option::take) {
                handle.clear();
            }
        });
        Debouncer { delay, pending }
    }

    pub fn delay(&self) -> Duration {
        self.delay
    }

    /// Schedules `run` after the delay, cancelling the one scheduled before it, if any.
    pub fn schedule(&self, run: impl FnOnce() + 'static) {
        self.cancel();
        let pending = self.pending;
        let handle = set_timeout_with_handle(
            move || {
                pending.try_set_value(None);
                run();
            },
            self.delay,
        );
        // Without a timer (no window) there is nothing to wait for: run nothing, keep nothing.
        if let Ok(handle) = handle {
            self.pending.set_value(Some(handle));
        }
    }

    /// Cancels the scheduled callback; returns whether one was pending.
    pub fn cancel(&self) -> bool {
        match self.pending.try_update_value(Option::take).flatten() {
            Some(handle) => {
                handle.clear();
                true
            }
            None => false,
        }
    }

    pub fn is_pending(&self) -> bool {
        self.pending.try_with_value(Option::is_some).unwrap_or(false)
    }
}
