//! The frame every tool shares: heading, the form grid (children), results.

use leptos::ev::{KeyboardEvent, SubmitEvent};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::components::export::ExportPanel;
use crate::components::large_input::{LargeInput, LargeJob};
use crate::components::results::ResultsPanel;
use crate::components::tab_bar::{panel_id, tab_id};
use crate::state::use_app_state;
use quantscope_app::form::{FormState, Tool};
use quantscope_app::results::{self, large, InputError, Report};

/// The open tool's latest outcome, provided to the fields of its form (a located error is shown
/// next to the field it names) and to its results.
#[derive(Clone, Copy)]
pub struct ToolRun {
    pub tool: Tool,
    pub outcome: Memo<Result<Report, InputError>>,
}

/// Enter in a one-line field (or Ctrl/Cmd+Enter in a text area) recomputes at once.
fn commits_now(ev: &KeyboardEvent) -> bool {
    if ev.key() != "Enter" || ev.is_composing() {
        return false;
    }
    let in_text_area =
        ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).is_some_and(|e| e.tag_name().eq_ignore_ascii_case("textarea"));
    !in_text_area || ev.ctrl_key() || ev.meta_key()
}

#[component]
pub fn ToolPanel(tool: Tool, children: Children) -> impl IntoView {
    let state = use_app_state();
    let inputs = Memo::new(move |_| state.committed.with(FormState::inputs));
    // A large input is parsed and analysed in the worker (results::large): until its outcome comes,
    // the previous results stay (greyed by nothing: the status line says what is computing).
    let large_input = LargeInput::new();
    let outcome = Memo::new(move |previous: Option<&Result<Report, InputError>>| {
        inputs.with(|form| {
            // A format's results too are the worker's (the page does not link the formats' arithmetic).
            if large::in_worker(tool, form) {
                large_input.outcome().or_else(|| previous.cloned()).unwrap_or_else(|| Ok(Report::default()))
            } else {
                results::run_without_formats(tool, form)
            }
        })
    });
    Effect::new(move || {
        inputs.with(|form| {
            if large::in_worker(tool, form) {
                large_input.submit(tool, form);
            } else {
                large_input.forget();
            }
        })
    });
    on_cleanup(move || large_input.forget());
    provide_context(ToolRun { tool, outcome });
    provide_context(large_input);
    let slug = tool.slug();
    let computing = move || match large_input.job.get() {
        LargeJob::Computing { bytes, .. } if bytes <= large::LARGE_INPUT_BYTES => {
            Some("Computing the format in the background worker…".to_string())
        }
        LargeJob::Computing { bytes, .. } => {
            Some(format!("Computing {:.1} MB of input in the background worker… (the page stays usable)", bytes as f64 / 1e6))
        }
        _ => None,
    };
    view! {
        <section
            class="tool-panel"
            id=panel_id(tool)
            role="tabpanel"
            aria-labelledby=tab_id(tool)
            data-testid=panel_id(tool)
        >
            <p class="tool-summary">{tool.summary()}</p>
            <form
                class="form-grid"
                data-testid=format!("{slug}-form")
                aria-label=format!("{} options", tool.title())
                on:submit=move |ev: SubmitEvent| {
                    ev.prevent_default();
                    state.commit();
                }
                on:keydown=move |ev: KeyboardEvent| {
                    if commits_now(&ev) {
                        ev.prevent_default();
                        state.commit();
                    }
                }
            >
                {children()}
            </form>
            <p class="large-input-status" role="status" aria-live="polite" data-testid=format!("{slug}-computing")>
                {computing}
            </p>
            <ResultsPanel />
            <ExportPanel />
        </section>
    }
}
