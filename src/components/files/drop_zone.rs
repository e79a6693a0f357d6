//! Where a file comes in: dropped on the zone or picked with the (visually hidden, focusable)
//! file input. Nothing is uploaded: the `File` goes to the worker as a handle. A refused file's
//! error (naming the file and the tensor) is shown here.

use leptos::ev::{DragEvent, Event};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{File, FileList, HtmlInputElement};

use crate::components::files::bytes;
use crate::components::files::files_tool::{use_files_state, Job};

fn first(list: Option<FileList>) -> Option<File> {
    list.and_then(|l| l.get(0))
}

#[component]
pub fn DropZone() -> impl IntoView {
    let files = use_files_state();
    let over = RwSignal::new(false);
    let on_drop = move |ev: DragEvent| {
        ev.prevent_default();
        over.set(false);
        if let Some(file) = first(ev.data_transfer().and_then(|d| d.files())) {
            files.open(file);
        }
    };
    let on_change = move |ev: Event| {
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok()) else {
            return;
        };
        if let Some(file) = first(input.files()) {
            files.open(file);
        }
        // Picking the same file again (after fixing it on disk) opens it again.
        input.set_value("");
    };
    let opened = move || files.file.with(|f| f.as_ref().map(|f| format!("{} ({})", f.name(), bytes(f.size() as u64))));
    view! {
        <div
            class="files-drop"
            class:files-drop-over=move || over.get()
            data-testid="files-drop"
            on:dragover=move |ev: DragEvent| {
                ev.prevent_default();
                over.set(true);
            }
            on:dragleave=move |_| over.set(false)
            on:drop=on_drop
        >
            <input
                type="file"
                id="files-input"
                class="visually-hidden"
                accept=".npy,.npz,.safetensors"
                data-testid="files-input"
                aria-describedby="files-drop-hint"
                on:change=on_change
            />
            <label for="files-input" class="files-drop-label">
                "Drop a " <code>".npy"</code> ", " <code>".npz"</code> " or " <code>".safetensors"</code>
                " file here, or " <span class="files-choose">"choose a file"</span>
            </label>
            <p class="hint" id="files-drop-hint">
                "Read in this browser, by slices, in a background worker: nothing is uploaded."
            </p>
            {move || opened().map(|name| view! { <p class="files-opened" data-testid="files-opened">"Opened: " {name}</p> })}
            {move || {
                files.job.with(|j| matches!(j, Job::Listing)).then(|| view! {
                    <p class="files-status" role="status" data-testid="files-listing">"Reading the headers…"</p>
                })
            }}
            {move || files.error.get().map(|e| view! {
                <p class="field-error files-error" role="alert" data-testid="files-error">{e}</p>
            })}
        </div>
    }
}
