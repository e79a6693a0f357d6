//! The results: one row per analysed tensor, per-channel and per-tensor side by side (SQNR, MSE,
//! clip rate, worst channels), sorted by the `formats` crate most sensitive first; tensors not
//! analysed are listed below with the reason. Cells carry the full value in `data-value`.

use leptos::prelude::*;
use quantscope_export::Paper;

use crate::browser::download::{self, BlobParts};
use crate::components::files::files_tool::{use_files_state, Job};
use crate::components::files::scroll_table::ScrollTable;
use crate::components::files::shape;
use crate::state::use_app_state;
use crate::worker::protocol::RowView;
use quantscope_app::results::{Cell, Table};

const COLUMNS: [(&str, &str); 12] = [
    ("tensor", "Tensor"),
    ("dtype", "dtype"),
    ("shape", "Shape"),
    ("per_channel_sqnr_db", "SQNR per-channel (dB)"),
    ("per_tensor_sqnr_db", "SQNR per-tensor (dB)"),
    ("sqnr_gain_db", "Gain (dB)"),
    ("per_channel_mse", "MSE per-channel"),
    ("per_tensor_mse", "MSE per-tensor"),
    ("per_channel_clip_rate", "Clip rate per-channel"),
    ("per_tensor_clip_rate", "Clip rate per-tensor"),
    ("channels", "Channels"),
    ("worst_channels", "Worst channels (SQNR dB)"),
];

fn value(v: Option<f64>) -> String {
    match v {
        Some(v) if v == f64::INFINITY => "+inf".into(),
        Some(v) if v == f64::NEG_INFINITY => "-inf".into(),
        Some(v) => v.to_string(),
        None => String::new(),
    }
}

fn cell(v: Option<f64>, fraction: bool, precision: u8) -> String {
    match v {
        None => Cell::Empty.display(precision),
        Some(v) if fraction => Cell::Fraction(v).display(precision),
        Some(v) => Cell::Real(v).display(precision),
    }
}

fn row_view(row: &RowView, precision: u8) -> Option<AnyView> {
    let r = row.result.as_ref()?;
    let worst = r.worst_channels.iter().map(|w| format!("{} {}", w.name, cell(w.sqnr_db, false, 2))).collect::<Vec<_>>().join(", ");
    let numbers = [
        (COLUMNS[3].0, r.per_channel_sqnr_db, false),
        (COLUMNS[4].0, r.per_tensor_sqnr_db, false),
        (COLUMNS[5].0, r.sqnr_gain_db, false),
        (COLUMNS[6].0, r.per_channel_mse, false),
        (COLUMNS[7].0, r.per_tensor_mse, false),
        (COLUMNS[8].0, r.per_channel_clip_rate, true),
        (COLUMNS[9].0, r.per_tensor_clip_rate, true),
    ]
    .into_iter()
    .map(|(key, v, fraction)| {
        view! { <td class="num" data-col=key data-value=value(v) title=value(v)>{cell(v, fraction, precision)}</td> }
    })
    .collect_view();
    let dtype = match &row.info.note {
        Some(_) => format!("{} → f32", row.info.dtype),
        None => row.info.dtype.clone(),
    };
    Some(
        view! {
            <tr data-tensor=row.info.name.clone()>
                <th scope="row" data-col="tensor">{row.info.name.clone()}</th>
                <td data-col="dtype">{dtype}</td>
                <td data-col="shape">{shape(&row.info.shape)}</td>
                {numbers}
                <td class="num" data-col="channels">{r.channels}</td>
                <td data-col="worst_channels">{worst}</td>
            </tr>
        }
        .into_any(),
    )
}

/// Every tensor in the chosen format: `quantscope file --preset NAME`'s table
/// (`quantscope_export::format_tables::file`), each cell by the one formatter, its full value in
/// `data-value`.
fn format_table_view(table: &Table, precision: u8) -> AnyView {
    let head = table.columns.iter().map(|c| view! { <th scope="col" data-col=c.key.clone()>{c.label.clone()}</th> }).collect_view();
    let body = table
        .rows
        .iter()
        .map(|row| {
            let tensor = row.cells.get(1).map(Cell::full).unwrap_or_default();
            let cells = row
                .cells
                .iter()
                .zip(&table.columns)
                .map(|(cell, column)| {
                    let key = column.key.clone();
                    let shown = cell.display(precision);
                    if key == "tensor" {
                        view! { <th scope="row" data-col=key>{shown}</th> }.into_any()
                    } else {
                        let class = if cell.is_numeric() { "num" } else { "" };
                        view! { <td class=class data-col=key data-value=cell.full()>{shown}</td> }.into_any()
                    }
                })
                .collect_view();
            view! { <tr data-tensor=tensor>{cells}</tr> }
        })
        .collect_view();
    view! {
        <div class="table-scroll" tabindex="0" role="region" aria-label="Results by tensor in the format" data-testid="files-format-table">
            <table>
                <thead>
                    <tr>{head}</tr>
                </thead>
                <tbody>{body}</tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
pub fn ResultsTable() -> impl IntoView {
    let files = use_files_state();
    let state = use_app_state();
    move || {
        let Job::Done { rows, csv, all, elapsed_ms, compute_ms, memory_bytes, workers, format_table, .. } = files.job.get() else {
            return ().into_any();
        };
        let precision = state.form.with(|f| f.display.precision);
        let body = rows.iter().filter_map(|r| row_view(r, precision)).collect_view();
        let skipped = rows
            .iter()
            .filter_map(|r| r.skipped.as_ref().map(|reason| (r, reason)))
            .map(|(r, reason)| {
                view! {
                    <li data-tensor=r.info.name.clone()>
                        <code>{r.info.name.clone()}</code>
                        {format!(" ({} {}): {reason}", r.info.dtype, shape(&r.info.shape))}
                    </li>
                }
            })
            .collect_view();
        let any_skipped = rows.iter().any(|r| r.skipped.is_some());
        let analysed = rows.iter().filter(|r| r.result.is_some()).count();
        let caption = if let Some(table) = &format_table {
            table.caption.clone()
        } else if all {
            format!("Model-wide: {analysed} of {} tensor(s) analysed, most sensitive (lowest per-channel SQNR) first", rows.len())
        } else {
            "The tensor, per channel and per tensor".to_string()
        };
        let file_stem = files
            .listing
            .with_untracked(|l| l.as_ref().map(|l| l.file_name.rsplit_once('.').map_or(l.file_name.clone(), |(s, _)| s.to_string())))
            .unwrap_or_else(|| "weights".into());
        let download_status = RwSignal::new(String::new());
        let save = move |bytes: &[u8], mime: &str, name: String| {
            let saved = download::blob(bytes, mime).and_then(|b| download::save(&b, &name));
            download_status.set(match saved {
                Ok(()) => String::new(),
                Err(e) => format!("Not downloaded: {e}"),
            });
        };
        let csv_stem = file_stem.clone();
        let download = move |_| save(csv.as_bytes(), "text/csv", format!("{csv_stem}-quantscope.csv"));
        let paper = RwSignal::new(Paper::A4);
        let making_pdf = RwSignal::new(false);
        // The worker lays the PDF out now, from the table it kept (not after every analysis).
        let download_pdf = move |_| {
            let paper = paper.get_untracked();
            let name = format!("{file_stem}-quantscope-{}.pdf", paper.name());
            let started = web_sys::js_sys::Date::now();
            making_pdf.set(true);
            download_status.set(String::new());
            let again = files.pdf(paper, precision, move |reply| {
                download_status.set(match reply {
                    Ok((bytes, _)) => {
                        let mut parts = BlobParts::new();
                        parts.push_js(bytes);
                        match parts.into_blob(download::PDF).and_then(|b| download::save(&b, &name)) {
                            Ok(()) => format!("Saved {name} (made in {:.0} ms).", web_sys::js_sys::Date::now() - started),
                            Err(e) => format!("Not downloaded: {e}"),
                        }
                    }
                    Err(e) => format!("Could not make the PDF: {e}"),
                });
                making_pdf.set(false);
            });
            if making_pdf.get_untracked() {
                download_status.set(if again {
                    "Making the PDF in the background worker (reading the file again: the worker that analysed it was let go to free its memory)…".into()
                } else {
                    "Making the PDF in the background worker…".into()
                });
            }
        };
        view! {
            <section
                class="results files-results"
                aria-labelledby="files-results-title"
                data-testid="files-results"
                data-all=all.to_string()
            >
                <h2 id="files-results-title">"Results"</h2>
                <figure class="table-block" data-testid="table-files">
                    <figcaption>
                        {caption} " "
                        <button type="button" class="small-button" data-testid="files-csv" on:click=download>
                            "Download CSV"
                        </button>
                        " "
                        <button
                            type="button"
                            class="small-button"
                            data-testid="files-pdf"
                            disabled=move || making_pdf.get()
                            aria-busy=move || making_pdf.get().to_string()
                            on:click=download_pdf
                        >
                            "Download PDF"
                        </button>
                        " "
                        <label for="files-paper" class="visually-hidden">"Paper of the PDF"</label>
                        <select
                            id="files-paper"
                            data-testid="files-paper"
                            on:change=move |ev| paper.set(if event_target_value(&ev) == "letter" { Paper::Letter } else { Paper::A4 })
                        >
                            <option value="a4" selected=move || paper.get() == Paper::A4>"A4"</option>
                            <option value="letter" selected=move || paper.get() == Paper::Letter>"Letter"</option>
                        </select>
                        <span class="copy-status" role="status" data-testid="files-download-status">{move || download_status.get()}</span>
                    </figcaption>
                    {match &format_table {
                        Some(table) => format_table_view(table, precision),
                        None => view! { <ScrollTable label="Results by tensor" columns=COLUMNS.to_vec()>{body}</ScrollTable> }.into_any(),
                    }}
                </figure>
                {any_skipped.then(|| view! {
                    <div class="files-not-analysed" data-testid="files-skipped">
                        <h3>"Not analysed"</h3>
                        <ul>{skipped}</ul>
                    </div>
                })}
                <p
                    class="hint"
                    data-testid="files-timing"
                    data-elapsed-ms=elapsed_ms.to_string()
                    data-compute-ms=compute_ms.to_string()
                    data-memory-bytes=memory_bytes.to_string()
                    data-workers=workers.to_string()
                >
                    {format!(
                        "Read and analysed in {:.0} ms in {} ({:.0} ms of analysis after the last byte read; worker memory {}).",
                        elapsed_ms,
                        if workers > 1 { format!("{workers} background workers") } else { "a background worker".into() },
                        compute_ms,
                        crate::components::files::bytes(memory_bytes as u64),
                    )}
                </p>
            </section>
        }
        .into_any()
    }
}
