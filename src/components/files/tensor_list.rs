//! The opened file's tensors (name, dtype, shape, size, analysable or why not), and the select
//! that picks one of them or all.

use leptos::prelude::*;

use crate::components::files::files_tool::use_files_state;
use crate::components::files::scroll_table::ScrollTable;
use crate::components::files::{bytes, shape};

const COLUMNS: [(&str, &str); 5] = [("name", "Tensor"), ("dtype", "dtype"), ("shape", "Shape"), ("size", "Size"), ("status", "Analysis")];

#[component]
pub fn TensorList() -> impl IntoView {
    let files = use_files_state();
    move || {
        files.listing.get().map(|listing| {
            let count = listing.tensors.len();
            let rows = listing
                .tensors
                .into_iter()
                .map(|t| {
                    let dtype = match &t.note {
                        Some(note) => format!("{} ({note})", t.dtype),
                        None => t.dtype.clone(),
                    };
                    let status = match &t.not_analysable {
                        None => "analysable".to_string(),
                        Some(reason) => format!("not analysed: {reason}"),
                    };
                    let analysable = t.not_analysable.is_none();
                    view! {
                        <tr data-tensor=t.name.clone() class:files-skipped=!analysable>
                            <th scope="row" data-col="name">{t.name.clone()}</th>
                            <td data-col="dtype">{dtype}</td>
                            <td data-col="shape">{shape(&t.shape)}</td>
                            <td class="num" data-col="size" title=format!("{} bytes, {} elements", t.bytes, t.elements)>{bytes(t.bytes)}</td>
                            <td data-col="status">{status}</td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <figure class="table-block files-tensors" data-testid="files-tensors">
                    <figcaption>
                        {format!("{} · {} · {count} tensor(s)", listing.file_name, listing.format)}
                    </figcaption>
                    <ScrollTable label="Tensors of the file" columns=COLUMNS.to_vec()>{rows}</ScrollTable>
                </figure>
            }
        })
    }
}

/// "All tensors" or one analysable tensor of the file.
#[component]
pub fn TensorSelect() -> impl IntoView {
    let files = use_files_state();
    let options = move || {
        files.listing.with(|l| {
            l.as_ref()
                .map(|l| l.tensors.iter().filter(|t| t.not_analysable.is_none()).map(|t| t.name.clone()).collect::<Vec<_>>())
                .unwrap_or_default()
        })
    };
    view! {
        <div class="field">
            <label for="files-tensor">"Tensor"</label>
            <select
                id="files-tensor"
                name="files-tensor"
                data-testid="files-tensor"
                disabled=move || files.listing.with(Option::is_none)
                prop:value=move || files.tensor.get()
                on:change=move |ev| files.tensor.set(event_target_value(&ev))
            >
                <option value="">"All tensors (model-wide table)"</option>
                {move || {
                    let picked = files.tensor.get_untracked();
                    options()
                        .into_iter()
                        .map(|name| view! { <option value=name.clone() selected=name == picked>{name.clone()}</option> })
                        .collect_view()
                }}
            </select>
        </div>
    }
}
