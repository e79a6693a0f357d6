//! Work spread over frames: a queue of jobs, one job per frame, so that the page's heavy steps
//! (a large input's tables, its charts' analysis, each chart's drawing, a long table's further
//! rows) never share a frame. Run from separate timers, two of them could fire before the same
//! frame and block it together: a million pasted values' frames reached 99–137 ms that way on the
//! 2-core machine of 2026-12-03 (e2e/large_input), while no single step took more than 60 ms.
//!
//! Two lanes: [`soon`] for the steps of results on their way to the screen (a large input's
//! charts), and [`later`] for what can wait behind them (a long table's rows after its first
//! ones). A job runs in a task of its own after a frame was drawn; what it sets off (Leptos'
//! effects, queued as microtasks) runs in that same task.

use std::cell::RefCell;
use std::collections::VecDeque;

use leptos::prelude::*;

type Job = Box<dyn FnOnce()>;

#[derive(Default)]
struct Queue {
    soon: VecDeque<Job>,
    later: VecDeque<Job>,
    /// Whether a frame is awaited to run the next job.
    armed: bool,
}

thread_local! {
    static QUEUE: RefCell<Queue> = RefCell::default();
}

/// Runs `job` in a frame of its own, before any [`later`] job.
pub fn soon(job: impl FnOnce() + 'static) {
    QUEUE.with_borrow_mut(|q| q.soon.push_back(Box::new(job)));
    arm();
}

/// Runs `job` in a frame of its own once no [`soon`] job waits.
pub fn later(job: impl FnOnce() + 'static) {
    QUEUE.with_borrow_mut(|q| q.later.push_back(Box::new(job)));
    arm();
}

/// Runs `task` in a task of its own after the next frame (a timeout set from the frame's callback
/// runs after that frame is drawn), so its work and the work before it are not one frame.
pub fn after_next_frame(task: impl FnOnce() + 'static) {
    request_animation_frame(move || set_timeout(task, std::time::Duration::ZERO));
}

fn arm() {
    let arm = QUEUE.with_borrow_mut(|q| !std::mem::replace(&mut q.armed, true));
    if arm {
        after_next_frame(run_one);
    }
}

/// Runs the next job (taken out of the queue first: a job may queue more) and waits for another
/// frame if any is left.
fn run_one() {
    let job = QUEUE.with_borrow_mut(|q| {
        q.armed = false;
        q.soon.pop_front().or_else(|| q.later.pop_front())
    });
    if let Some(job) = job {
        job();
    }
    if QUEUE.with_borrow(|q| !q.soon.is_empty() || !q.later.is_empty()) {
        arm();
    }
}

/// `source`'s value, taken over in a [`soon`] frame of its own after each change when `heavy` says
/// the value is (a chart's plan and drawing of a large input's sample), at once otherwise: each such
/// view of the same source then updates in its own frame. It starts empty (`T::default()`), so that
/// views made together (a panel of charts appearing) are drawn apart too; the value taken over is the
/// source's when the frame comes, so a change undone meanwhile leaves the view as it is.
pub fn in_own_frame<T>(source: Memo<T>, heavy: fn(&T) -> bool) -> Memo<T>
where
    T: Clone + Default + PartialEq + Send + Sync + 'static,
{
    let shown = RwSignal::new(T::default());
    let take = move || {
        let Some(value) = source.try_get_untracked() else { return };
        shown.try_maybe_update(|shown| {
            let changed = *shown != value;
            if changed {
                *shown = value;
            }
            (changed, ())
        });
    };
    Effect::new(move |_| {
        let (same, is_heavy) = source.with(|value| (shown.with_untracked(|shown| shown == value), heavy(value)));
        match (same, is_heavy) {
            (true, _) => {}
            (false, true) => soon(take),
            (false, false) => take(),
        }
    });
    Memo::new(move |_| shown.get())
}
