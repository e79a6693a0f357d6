//! "Copy link": the whole form (every field, the three inputs, the open tool) in the URL
//! fragment (`browser::share_link`), copied to the clipboard and shown in a read-only field. The
//! fragment is compressed in the worker (`ExportFile::ShareLink`), so that the page's wasm links
//! no deflate.

use leptos::prelude::*;

use crate::browser::{clipboard, share_link};
use crate::components::large_input::LargeInput;
use crate::components::tool_panel::ToolRun;
use crate::state::use_app_state;
use crate::worker::protocol::ExportFile;

/// What the last click gave.
#[derive(Clone, Debug, PartialEq)]
enum Outcome {
    None,
    /// The worker is making the link.
    Making,
    /// The link, and what copying it to the clipboard said.
    Link {
        url: String,
        copied: Result<(), String>,
    },
    /// The form cannot become a link (too large: the share module's message), or the worker
    /// could not make it.
    Refused(String),
}

#[component]
pub fn CopyLink() -> impl IntoView {
    let state = use_app_state();
    let slug = expect_context::<ToolRun>().tool.slug();
    let large_input = use_context::<LargeInput>();
    let outcome = RwSignal::new(Outcome::None);
    let copy = move |_| {
        let Some(worker) = large_input else { return };
        // The form as typed (a pending edit included), with the open tool.
        let tool = state.tool.get_untracked();
        let form = state.form.get_untracked();
        outcome.set(Outcome::Making);
        worker.text(tool, form, ExportFile::ShareLink, move |fragment| match fragment {
            Err(error) => outcome.set(Outcome::Refused(error)),
            Ok(fragment) => {
                let url = share_link::url_with(&fragment);
                outcome.set(Outcome::Link { url: url.clone(), copied: Ok(()) });
                leptos::task::spawn_local(async move {
                    let copied = clipboard::copy_text(&url).await;
                    outcome.set(Outcome::Link { url, copied });
                });
            }
        });
    };
    let link = move || match outcome.get() {
        Outcome::Link { url, .. } => Some(url),
        _ => None,
    };
    let message = move || match outcome.get() {
        Outcome::None => String::new(),
        Outcome::Making => "Making the link…".into(),
        Outcome::Link { copied: Ok(()), .. } => "Link copied. Opening it restores this form exactly.".into(),
        Outcome::Link { copied: Err(e), .. } => {
            format!("Copying failed ({e}); select the link below and copy it.")
        }
        Outcome::Refused(why) => format!("No link: this form is {why}."),
    };
    let refused = move || matches!(outcome.get(), Outcome::Refused(_));
    let field_id = format!("{slug}-share-link");
    view! {
        <div class="export-card" data-testid=format!("{slug}-share")>
            <h4>"Share"</h4>
            <p class="hint">"The whole form in the link's fragment (after #), which browsers never send to a server."</p>
            <div class="export-actions">
                <button type="button" data-testid=format!("{slug}-copy-link") on:click=copy>"Copy link"</button>
            </div>
            <p
                class="export-status"
                class:export-error=refused
                role="status"
                data-testid=format!("{slug}-share-status")
            >
                {message}
            </p>
            <Show when=move || link().is_some()>
                <div class="field">
                    <label for=field_id.clone()>"Link to this form"</label>
                    <input
                        type="text"
                        readonly
                        id=field_id.clone()
                        data-testid=field_id.clone()
                        prop:value=move || link().unwrap_or_default()
                        on:focus=move |ev| {
                            use wasm_bindgen::JsCast;
                            if let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                                input.select();
                            }
                        }
                    />
                </div>
            </Show>
        </div>
    }
}
