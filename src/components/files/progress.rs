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

#[component]
pub fn ProgressBar() -> impl IntoView {
    let files = use_files_state();
    move || match files.job.get() {
        Job::Running { done, total, tensor, started } => {
            let text = if total == 0 {
                "Starting…".to_string()
            } else {
                let now = web_sys::js_sys::Date::now();
                format!("{} of {} read · {} · {tensor}", bytes(done), bytes(total), time_left(done, total, now - started))
            };
            view! {
                <div class="files-progress" data-testid="files-progress">
                    <progress
                        max=total.max(1).to_string()
                        value=done.to_string()
                        data-done=done.to_string()
                        data-total=total.to_string()
                        aria-label="Bytes read"
                    ></progress>
                    // Cancel before the text, whose width changes with each report: it stays under
                    // the pointer. (Each report draws this view again; being the same view, it is
                    // updated in place, so the button is not replaced under a click.)
                    <button type="button" class="small-button" data-testid="files-cancel" on:click=move |_| files.cancel()>
                        "Cancel"
                    </button>
                    <span role="status" data-testid="files-progress-text">{text}</span>
                </div>
            }
            .into_any()
        }
        Job::Cancelled => view! {
            <p class="files-status" role="status" data-testid="files-cancelled">"Cancelled."</p>
        }
        .into_any(),
        _ => ().into_any(),
    }
}
