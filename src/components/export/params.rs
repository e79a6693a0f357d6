//! "Export parameters": the scales and zero points as JSON, a PyTorch snippet and an ONNX
//! `QuantizeLinear` description (`quantscope_export::params`), each with a copy button.

use leptos::prelude::*;

use crate::browser::clipboard;
use crate::components::export::files::Exportable;
use crate::components::tool_panel::ToolRun;

/// The three texts, in order: (key, title, text).
fn texts(ex: &Exportable) -> [(&'static str, &'static str, String); 3] {
    let params = ex.params();
    [("json", "JSON", params.to_json()), ("torch", "PyTorch", params.to_torch()), ("onnx", "ONNX QuantizeLinear", params.to_onnx())]
}

#[component]
pub fn ParamsExport(exportable: Memo<Option<Exportable>>) -> impl IntoView {
    let slug = expect_context::<ToolRun>().tool.slug();
    // Written only while the section is open.
    let open = RwSignal::new(false);
    let blocks = Memo::new(move |_| {
        if !open.get() {
            return None;
        }
        exportable.with(|ex| ex.as_ref().map(texts))
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
            <div class="export-grid">
                {move || {
                    blocks.get().map(|blocks| {
                        blocks
                            .into_iter()
                            .map(|(key, title, text)| view! { <ParamsBlock slug=slug key=key title=title text=text /> })
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
