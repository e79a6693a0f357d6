//! The worker's progress: a bar with the bytes read, the estimated time left, and Cancel.

use leptos::prelude::*;

use crate::components::files::bytes;
use crate::components::files::files_tool::{use_files_state, Job};

/// "about 3 s left" from the rate so far.
pub fn time_left(done: u64, total: u64, elapsed_ms: f64) -> String {
    if done == 0 || elapsed_ms <= 0.0 {
        return "estimating the time left".into();
    }
    let left = (total - done.min(total)) as f64 * elapsed_ms / done as f64 / 1000.0;
    if left < 1.0 {
        "less than a second left".into()
    } else if left < 90.0 {
        format!("about {left:.0} s left")
    } else {
        format!("about {:.0} min left", left / 60.0)
    }
}

/// What a bar shows of a running job: bytes done, total, the tensor being read, the start time (ms,
/// `Date.now()`).
#[derive(Clone, PartialEq)]
pub struct Reading {
    /// Bytes read so far.
    pub done: u64,
    /// Bytes to read in all (0 until the worker has said).
    pub total: u64,
    /// The tensor being read.
    pub tensor: String,
    /// When the job started.
    pub started: f64,
}

/// A bar with the bytes read, its text and Cancel, shown while `reading` is `Some`.
///
/// The elements are made once per run and only their attributes and text follow the progress
/// messages: a pool of workers reports many times a second, and a button rebuilt on each report
/// would swallow a click that lands between two of them. Cancel sits before the text, whose width
/// changes, so it does not move under the pointer.
#[component]
pub fn ReadingProgress(
    /// The progress, `None` when no job runs.
    #[prop(into)]
    reading: Signal<Option<Reading>>,
    /// The bar's `data-testid` (its text's is `{testid}-text`).
    testid: &'static str,
    /// Cancel's `data-testid`.
    cancel_testid: &'static str,
    /// The bar's accessible name.
    label: &'static str,
    /// Stops the job.
    on_cancel: Callback<()>,
) -> impl IntoView {
    let running = Memo::new(move |_| reading.with(Option::is_some));
    let field = move |f: fn(&Reading) -> u64| move || reading.with(|r| r.as_ref().map_or(0, f).to_string());
    let text = move || {
        let Some(Reading { done, total, tensor, started }) = reading.get() else { return String::new() };
        if total == 0 {
            "Starting…".to_string()
        } else {
            let now = web_sys::js_sys::Date::now();
            format!("{} of {} read · {} · {tensor}", bytes(done), bytes(total), time_left(done, total, now - started))
        }
    };
    move || {
        running.get().then(|| {
            view! {
                <div class="files-progress" data-testid=testid>
                    <progress
                        max=field(|r| r.total.max(1))
                        value=field(|r| r.done)
                        data-done=field(|r| r.done)
                        data-total=field(|r| r.total)
                        aria-label=label
                    ></progress>
                    <button type="button" class="small-button" data-testid=cancel_testid on:click=move |_| on_cancel.run(())>
                        "Cancel"
                    </button>
                    <span role="status" data-testid=format!("{testid}-text")>{text}</span>
                </div>
            }
        })
    }
}

/// The Files tool's job: its progress while it runs, "Cancelled." after Cancel.
#[component]
pub fn ProgressBar() -> impl IntoView {
    let files = use_files_state();
    let reading = Memo::new(move |_| match files.job.get() {
        Job::Running { done, total, tensor, started } => Some(Reading { done, total, tensor, started }),
        _ => None,
    });
    let cancelled = Memo::new(move |_| matches!(files.job.get(), Job::Cancelled));
    view! {
        <ReadingProgress
            reading=reading
            testid="files-progress"
            cancel_testid="files-cancel"
            label="Bytes read"
            on_cancel=Callback::new(move |()| files.cancel())
        />
        {move || cancelled.get().then(|| view! {
            <p class="files-status" role="status" data-testid="files-cancelled">"Cancelled."</p>
        })}
    }
}
