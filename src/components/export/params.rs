//! "Export parameters": the scales and zero points as JSON, a PyTorch snippet and an ONNX
//! `QuantizeLinear` description (`quantscope_export::params`), each with a copy button. Written in
//! the worker (`ExportFile::Params`: of a large input's results it keeps, or of the committed form's,
//! computed there again), so that the page's wasm links none of their writers.

use leptos::prelude::*;

use crate::browser::clipboard;
use crate::components::export::files::Exportable;
use crate::components::large_input::LargeInput;
use crate::components::tool_panel::ToolRun;
use crate::state::use_app_state;
use crate::worker::protocol::ExportFile;
use quantscope_app::export::PARAMS_SEPARATOR;

/// The three blocks' key and title, in the order of the worker's texts.
const BLOCKS: [(&str, &str); 3] = [("json", "JSON"), ("torch", "PyTorch"), ("onnx", "ONNX QuantizeLinear")];

#[component]
pub fn ParamsExport(exportable: Memo<Option<Exportable>>) -> impl IntoView {
    let state = use_app_state();
    let tool = expect_context::<ToolRun>().tool;
    let slug = tool.slug();
    let large_input = use_context::<LargeInput>();
    // Written only while the section is open, by the worker: the texts, or why they could not be.
    let open = RwSignal::new(false);
    let texts = RwSignal::new(None::<Result<Vec<String>, String>>);
    // Asked again whenever the results change while the section is open; an answer that comes
    // after newer results is dropped (the ask's generation).
    let asked = StoredValue::new(0u32);
    Effect::new(move |_| {
        let results = exportable.with(Option::is_some);
        asked.update_value(|n| *n += 1);
        texts.set(None);
        let (true, true, Some(worker)) = (open.get(), results, large_input) else { return };
        let generation = asked.get_value();
        let form = state.committed.get_untracked();
        worker.text(tool, form, ExportFile::Params, move |reply| {
            if asked.get_value() == generation {
                texts.set(Some(reply.map(|text| text.split(PARAMS_SEPARATOR).map(str::to_string).collect())));
            }
        });
    });
    view! {
        <details
            class="export-params"
            data-testid=format!("{slug}-params")
            on:toggle=move |ev| {
                use wasm_bindgen::JsCast;
                let details = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlDetailsElement>().ok());
                open.set(details.is_some_and(|d| d.open()));
            }
        >
            <summary>"Export parameters (JSON, PyTorch, ONNX)"</summary>
            <p class="hint">
                "The scales and zero points of the results above, printed so that they read back to the very values used."
            </p>
            <p class="export-status" role="status" data-testid=format!("{slug}-params-status")>
                {move || match texts.get() {
                    None if open.get() && exportable.with(Option::is_some) => "Writing the parameters…".to_string(),
                    Some(Err(e)) => format!("Could not write the parameters: {e}"),
                    _ => String::new(),
                }}
            </p>
            <div class="export-grid">
                {move || {
                    texts.get().and_then(Result::ok).map(|texts| {
                        BLOCKS
                            .into_iter()
                            .zip(texts)
                            .map(|((key, title), text)| view! { <ParamsBlock slug=slug key=key title=title text=text /> })
                            .collect_view()
                    })
                }}
            </div>
        </details>
    }
}

#[component]
fn ParamsBlock(slug: &'static str, key: &'static str, title: &'static str, text: String) -> impl IntoView {
    let status = RwSignal::new(String::new());
    let id = format!("{slug}-params-{key}");
    let copy = {
        let text = text.clone();
        move |_| {
            let text = text.clone();
            leptos::task::spawn_local(async move {
                status.set(match clipboard::copy_text(&text).await {
                    Ok(()) => "Copied.".into(),
                    Err(e) => format!("Copy failed: {e}"),
                });
            });
        }
    };
    view! {
        <figure class="export-card export-code">
            <figcaption>
                <span id=format!("{id}-title")>{title}</span>
                <button
                    type="button"
                    class="small-button"
                    data-testid=format!("{id}-copy")
                    aria-label=format!("Copy the {title} text")
                    on:click=copy
                >
                    "Copy"
                </button>
                <span class="copy-status" role="status">{status}</span>
            </figcaption>
            <pre tabindex="0" aria-labelledby=format!("{id}-title") data-testid=id>{text}</pre>
        </figure>
    }
}
