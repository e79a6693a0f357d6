//! quantscope's web app: four quantization tools in one page, on the shared core
//! (`quantscope-core`). `App` provides the [`state::AppState`] through context; each tool is a
//! component under `components/`; everything that touches the browser is in `browser/`. What needs
//! no browser (the form, its options, the result tables, the export files, the worker's messages)
//! is the `quantscope-app` crate, which the page and the worker both use.

pub mod browser;
pub mod components;
pub mod state;
pub mod worker;

use leptos::ev;
use leptos::leptos_dom::helpers::window_event_listener;
use leptos::prelude::*;

use crate::browser::fragment;
use crate::components::channels_tool::ChannelsTool;
use crate::components::files::files_tool::FilesTool;
use crate::components::tab_bar::TabBar;
use crate::components::tensor_tool::TensorTool;
use crate::components::values_tool::ValuesTool;
use crate::state::AppState;
use quantscope_app::form::{FormState, Tool};

#[cfg(test)]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[component]
pub fn App() -> impl IntoView {
    let state = AppState::restore();
    provide_context(state);

    // The fragment names the open tool: show it from the start, follow it (links, Back, Forward).
    if !browser::share_link::is_open() {
        fragment::replace(state.tool.get_untracked().slug());
    }
    let on_hash = fragment::on_change(move |slug| {
        browser::share_link::follow(state, &slug);
        if let Some(tool) = Tool::from_fragment(&slug) {
            state.tool.set(tool);
        }
    });
    // Leaving the page while typing: save now rather than lose the last keystrokes.
    let on_hide = window_event_listener(ev::pagehide, move |_| {
        if state.is_pending() {
            state.commit();
        }
    });
    on_cleanup(move || {
        on_hash.remove();
        on_hide.remove();
    });

    view! {
        <header class="app-header">
            <h1>"quantscope"</h1>
            <p class="tagline">
                "Quantization workbench: scales, zero points, quantized integers, error and SQNR, computed in your browser."
            </p>
        </header>
        <TabBar />
        <main id="main" class="app-main">
            {move || match state.tool.get() {
                Tool::Channels => view! { <ChannelsTool /> }.into_any(),
                Tool::Tensor => view! { <TensorTool /> }.into_any(),
                Tool::Values => view! { <ValuesTool /> }.into_any(),
                Tool::Files => view! { <FilesTool /> }.into_any(),
            }}
        </main>
        <AppFooter />
    }
}

/// Reset (with undo) and the storage status.
#[component]
fn AppFooter() -> impl IntoView {
    let state = state::use_app_state();
    // The form as it was before the last reset, for "undo".
    let before_reset = RwSignal::new(None::<FormState>);
    let reset = move |_| {
        before_reset.set(Some(state.form.get_untracked()));
        state.reset();
    };
    let undo = move |_| {
        if let Some(form) = before_reset.get_untracked() {
            state.edit_now(|f| *f = form);
        }
        before_reset.set(None);
    };
    view! {
        <footer class="app-footer">
            <div class="footer-actions">
                <button type="button" data-testid="reset" on:click=reset>
                    "Reset to the examples"
                </button>
                <Show when=move || before_reset.with(Option::is_some)>
                    <span role="status" data-testid="reset-status">
                        "Examples restored. "
                        <button type="button" class="link-button" data-testid="undo-reset" on:click=undo>
                            "Undo"
                        </button>
                    </span>
                </Show>
            </div>
            {move || state.restore_note.get().map(|note| view! { <p class="storage-note" role="status" data-testid="storage-note">{note}</p> })}
            {move || {
                state.save_error.get().map(|error| view! {
                    <p class="storage-note" role="status" data-testid="save-error">"Not saved in this browser: " {error}</p>
                })
            }}
            <p class="footnote">
                "Everything runs in this page; your input stays in this browser (localStorage). "
                "Numbers come from the quant core shared with the quantscope command line."
            </p>
        </footer>
    }
}
