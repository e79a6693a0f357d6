//! The heatmap's numbers as a table: one row per measured tensor, one column per format, the SQNR
//! (dB) written in every cell (`n/a` with the reason when the format cannot take the tensor) on the
//! heatmap's colour (viridis, text in black or white for contrast): colour is never the only
//! signal. Column headers are buttons that sort by that column (lowest first, then highest first),
//! with `aria-sort`. Cells carry the full value in `data-value`.

use std::sync::Arc;

use leptos::prelude::*;
use quantscope_app::compare::{sorted_rows, Order};
use quantscope_charts::heatmap::{self, Cell, Heatmap};

use super::Compared;
use crate::components::files::shape;

/// The sort: `None` is the report's order; `Some((None, _))` by name; `Some((Some(column), _))` by a format.
type Sort = Option<(Option<usize>, Order)>;

fn aria_sort(sort: Sort, column: Option<usize>) -> &'static str {
    match sort {
        Some((c, Order::Ascending)) if c == column => "ascending",
        Some((c, Order::Descending)) if c == column => "descending",
        _ => "none",
    }
}

/// The next sort after a click on `column`: ascending, then descending, then ascending again.
fn next(sort: Sort, column: Option<usize>) -> Sort {
    match sort {
        Some((c, Order::Ascending)) if c == column => Some((column, Order::Descending)),
        _ => Some((column, Order::Ascending)),
    }
}

fn full(v: Option<f64>) -> String {
    match v {
        Some(v) if v == f64::INFINITY => "+inf".into(),
        Some(v) if v == f64::NEG_INFINITY => "-inf".into(),
        Some(v) => v.to_string(),
        None => String::new(),
    }
}

#[component]
pub fn HeatmapTable(compared: Arc<Compared>) -> impl IntoView {
    let sort = RwSignal::new(None::<(Option<usize>, Order)>);
    let map = Arc::new(Heatmap::from_compare("", &compared.report));
    let range = heatmap::range(&map);
    let formats = compared.report.formats.clone();
    // Row index of the report's tensors in the heatmap's rows (it leaves out the kept ones).
    let rows_of: Vec<Option<usize>> = {
        let mut next_row = 0;
        compared
            .report
            .tensors
            .iter()
            .map(|t| {
                t.kept.is_none().then(|| {
                    next_row += 1;
                    next_row - 1
                })
            })
            .collect()
    };
    let header = {
        let formats = formats.clone();
        move || {
            let s = sort.get();
            let mut cells = vec![view! {
                <th scope="col" aria-sort=aria_sort(s, None)>
                    <button type="button" class="sort-button" data-testid="compare-sort-tensor" on:click=move |_| sort.update(|v| *v = next(*v, None))>
                        "Tensor"
                    </button>
                </th>
            }
            .into_any()];
            cells.push(view! { <th scope="col">"Shape"</th> }.into_any());
            for (i, f) in formats.iter().enumerate() {
                let label = format!("{f} SQNR (dB)");
                cells.push(
                    view! {
                        <th scope="col" aria-sort=aria_sort(s, Some(i)) data-format=f.clone()>
                            <button
                                type="button"
                                class="sort-button"
                                data-testid=format!("compare-sort-{f}")
                                on:click=move |_| sort.update(|v| *v = next(*v, Some(i)))
                            >
                                {label}
                            </button>
                        </th>
                    }
                    .into_any(),
                );
            }
            cells.collect_view()
        }
    };
    let body = {
        let compared = compared.clone();
        move || {
            let order = sorted_rows(&compared.report, sort.get());
            order
                .into_iter()
                .map(|i| {
                    let t = &compared.report.tensors[i];
                    let row = rows_of[i].unwrap_or(0);
                    let cells = (0..formats.len())
                        .map(|f| {
                            let cell = map.cell(row, f);
                            let text = heatmap::cell_text(&cell);
                            match &cell {
                                Cell::Sqnr(v) => {
                                    // Set through the CSSOM (`style:`), which the page's CSP allows (no inline style attribute).
                                    let (bg, fg) = match (v, range) {
                                        (Some(v), Some((lo, hi))) => {
                                            let t = if v.is_infinite() { 1.0 } else if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
                                            let bg = heatmap::color_at(t);
                                            let fg = heatmap::text_on(bg);
                                            (format!("rgb({}, {}, {})", bg.0, bg.1, bg.2), format!("rgb({}, {}, {})", fg.0, fg.1, fg.2))
                                        }
                                        _ => (String::new(), String::new()),
                                    };
                                    view! { <td class="num compare-cell" style:background-color=bg style:color=fg data-value=full(*v)>{text}</td> }.into_any()
                                }
                                Cell::NotApplicable(reason) => view! {
                                    <td class="num compare-cell compare-na" title=reason.clone() data-value="" data-reason=reason.clone()>
                                        <abbr title=reason.clone()>{text}</abbr>
                                    </td>
                                }
                                .into_any(),
                            }
                        })
                        .collect_view();
                    view! {
                        <tr data-tensor=t.name.clone()>
                            <th scope="row">{t.name.clone()}</th>
                            <td>{shape(&t.shape)}</td>
                            {cells}
                        </tr>
                    }
                })
                .collect_view()
        }
    };
    let kept: Vec<String> = compared.report.tensors.iter().filter_map(|t| t.kept.as_ref().map(|k| format!("{}: {k}", t.name))).collect();
    let kept_count = kept.len();
    view! {
        <h4 id="compare-table-heading">"SQNR per tensor and format"</h4>
        <p class="hint">
            "Higher is better. Each cell's colour follows its number (viridis, lowest to highest SQNR of the table); "
            "n/a: the format cannot take the tensor (hover for the reason). Sort by a column with its header."
        </p>
        <div class="table-scroll" tabindex="0" role="region" aria-labelledby="compare-table-heading">
            <table data-testid="compare-table">
                <thead>
                    <tr>{header}</tr>
                </thead>
                <tbody>{body}</tbody>
            </table>
        </div>
        <Show when=move || { kept_count > 0 }>
            <details class="compare-kept" data-testid="compare-kept">
                <summary>{format!("{kept_count} tensor(s) kept in their source type")}</summary>
                <ul>{kept.iter().map(|k| view! { <li>{k.clone()}</li> }).collect_view()}</ul>
            </details>
        </Show>
        <TotalsTable compared=compared />
    }
}

/// Each format's totals over the tensors it took (the CLI's totals table).
#[component]
fn TotalsTable(compared: Arc<Compared>) -> impl IntoView {
    let rows = compared
        .report
        .totals
        .iter()
        .map(|t| {
            view! {
                <tr data-format=t.format.clone()>
                    <th scope="row">{t.format.clone()}</th>
                    <td class="num" data-value=t.bits_per_weight.to_string()>{format!("{:.4}", t.bits_per_weight)}</td>
                    <td class="num" data-value=t.bytes.to_string()>{crate::components::files::bytes(t.bytes)}</td>
                    <td class="num" data-value=full(t.sqnr_db)>{t.sqnr_db.map_or_else(|| "–".into(), |v| format!("{v:.2}"))}</td>
                    <td class="num" data-value=t.mse.to_string()>{format!("{:.4e}", t.mse)}</td>
                    <td class="num">{t.tensors}</td>
                    <td class="num">{t.refused}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <h4 id="compare-totals-heading">"The model in each format"</h4>
        <div class="table-scroll" tabindex="0" role="region" aria-labelledby="compare-totals-heading">
            <table data-testid="compare-totals">
                <thead>
                    <tr>
                        <th scope="col">"Format"</th>
                        <th scope="col">"Bits/weight"</th>
                        <th scope="col">"Size"</th>
                        <th scope="col">"SQNR (dB)"</th>
                        <th scope="col">"MSE"</th>
                        <th scope="col">"Tensors"</th>
                        <th scope="col">"Refused"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}
