//! The results of the open tool: its tables (numbers right-aligned, full precision on hover and
//! copy), its notes, and, while the input is bad, the last good results greyed.

use std::sync::Arc;

use leptos::prelude::*;

use crate::browser::{clipboard, frames};
use crate::components::charts::format::FormatCharts;
use crate::components::charts::ChartsPanel;
use crate::components::tool_panel::ToolRun;
use crate::state::{use_app_state, Commit};
use quantscope_app::form::DisplayForm;
use quantscope_app::results::{Report, Row, Table};

/// A table whose rows do not match its columns: a bug in the conversion from the core's report,
/// caught by the error boundary instead of drawing a misaligned table.
#[derive(Clone, Debug)]
pub struct TableShapeError {
    pub table: String,
    pub row: usize,
    pub cells: usize,
    pub columns: usize,
}

impl std::fmt::Display for TableShapeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "table \"{}\": row {} has {} cells for {} columns", self.table, self.row, self.cells, self.columns)
    }
}

impl std::error::Error for TableShapeError {}

pub fn check_shape(table: &Table) -> Result<(), TableShapeError> {
    match table.rows.iter().position(|row| row.cells.len() != table.columns.len()) {
        None => Ok(()),
        Some(row) => Err(TableShapeError {
            table: table.caption.clone(),
            row: row + 1,
            cells: table.rows[row].cells.len(),
            columns: table.columns.len(),
        }),
    }
}

/// The results of the tool whose [`ToolRun`] is in context.
#[component]
pub fn ResultsPanel() -> impl IntoView {
    let run = expect_context::<ToolRun>();
    let slug = run.tool.slug();
    // The last report that computed, kept while the input is bad.
    let last_good = Memo::new(move |previous: Option<&Option<Report>>| match &*run.outcome.read() {
        Ok(report) => Some(report.clone()),
        Err(_) => previous.cloned().flatten(),
    });
    let stale = move || run.outcome.with(Result::is_err);
    let error = Memo::new(move |_| run.outcome.with(|o| o.as_ref().err().cloned()));
    let label = Memo::new(move |_| {
        last_good.with(|r| r.as_ref().map(|r| (if r.format.is_some() { "format: " } else { "convention: " }, r.spec_label.clone())))
    });
    let format_data = Memo::new(move |_| last_good.with(|r| r.as_ref().and_then(|r| r.format.clone())));
    let chart_data = Memo::new(move |_| last_good.with(|r| r.as_ref().and_then(|r| r.charts.clone())));
    // The tables apart from the charts: a large input's charts come a moment after its tables
    // (results::large), and adding them must not draw a thousand rows again.
    let tables = Memo::new(move |_| last_good.with(|r| r.as_ref().map(Report::without_charts)));
    view! {
        <section
            class="results"
            class:results-stale=stale
            aria-labelledby=format!("{slug}-results-title")
            data-testid=format!("{slug}-results")
            data-stale=move || stale().to_string()
        >
            <div class="results-head">
                <h2 id=format!("{slug}-results-title")>"Results"</h2>
                {move || {
                    label.get().map(|(kind, label)| view! {
                        <span class="spec-badge" data-testid=format!("{slug}-results-convention")>
                            {kind} {label}
                        </span>
                    })
                }}
                <PrecisionControl id=format!("{slug}-precision") />
            </div>
            {move || {
                error.get().map(|error| {
                    let kept = last_good.with(Option::is_some);
                    view! {
                        <p class="stale-note" role="status" data-testid=format!("{slug}-stale-note")>
                            <strong>"Input error: "</strong>
                            {error.to_string()}
                            {if kept {
                                ". The results below are the last ones that computed (greyed) until it is fixed."
                            } else {
                                "."
                            }}
                        </p>
                    }
                })
            }}
            <ErrorBoundary fallback=|errors| {
                view! {
                    <div class="render-error" role="alert" data-testid="render-error">
                        <p>"These results could not be drawn:"</p>
                        <ul>
                            {move || {
                                errors
                                    .get()
                                    .into_iter()
                                    .map(|(_, error)| view! { <li>{error.to_string()}</li> })
                                    .collect_view()
                            }}
                        </ul>
                    </div>
                }
            }>
                {move || tables.get().map(|report| view! { <ReportView report=report /> })}
            </ErrorBoundary>
            <ChartsPanel tool=run.tool data=chart_data />
            <FormatCharts slug=slug data=format_data />
            <HowItIsComputed tool_slug=slug last_good=last_good />
        </section>
    }
}

/// The formulas of the spec that produced the results, so a number can be checked by hand.
#[component]
fn HowItIsComputed(tool_slug: &'static str, last_good: Memo<Option<Report>>) -> impl IntoView {
    let formulas = Memo::new(move |_| last_good.with(|r| r.as_ref().map(|r| (r.spec_label.clone(), r.formulas.clone()))));
    move || {
        formulas.get().map(|(label, formulas)| {
            view! {
                <details class="how" data-testid=format!("{tool_slug}-how")>
                    <summary>"How it is computed (" {label} ")"</summary>
                    <dl>
                        {formulas
                            .into_iter()
                            .map(|(name, formula)| view! {
                                <div class="formula">
                                    <dt>{name}</dt>
                                    <dd><code>{formula}</code></dd>
                                </div>
                            })
                            .collect_view()}
                    </dl>
                    <p class="hint">
                        "Every number above comes from quantscope's core (the same code as the command line), \
                         with these choices. Hover a number for its full precision; \"Copy table\" copies full precision."
                    </p>
                </details>
            }
        })
    }
}

/// The precision control: digits after the decimal point in every table.
#[component]
fn PrecisionControl(id: String) -> impl IntoView {
    let state = use_app_state();
    let precision = state.lens(|f| f.display.precision, |f, v| f.display.precision = v.min(DisplayForm::MAX_PRECISION), Commit::Now);
    let options = [2u8, 4, 6, 8, 10, 12, DisplayForm::MAX_PRECISION];
    view! {
        <div class="precision">
            <label for=id.clone()>"Decimals"</label>
            <select
                id=id.clone()
                data-testid=id
                on:change=move |ev| {
                    if let Ok(value) = event_target_value(&ev).parse::<u8>() {
                        precision.set.run(value);
                    }
                }
            >
                {options
                    .into_iter()
                    .map(|digits| {
                        view! {
                            <option value=digits.to_string() selected=move || precision.value.get() == digits>
                                {digits.to_string()}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </div>
    }
}

#[component]
pub fn ReportView(report: Report) -> impl IntoView {
    let tables = report
        .tables
        .into_iter()
        .map(|table| check_shape(&table).map(|()| view! { <TableView table=table /> }))
        .collect::<Result<Vec<_>, _>>();
    view! {
        {(!report.notes.is_empty()).then(|| view! {
            <ul class="notes" data-testid="results-notes">
                {report.notes.into_iter().map(|note| view! { <li>{note}</li> }).collect_view()}
            </ul>
        })}
        {tables}
    }
}

/// Rows a table draws before "Show all".
pub const FIRST_ROWS: usize = 100;

/// Rows a table draws at once, and then per frame (`frames::later`) up to [`FIRST_ROWS`] or, after
/// "Show all", to its end. A million pasted values' tables (the first 100 rows of three 1000-row
/// tables) took 60–99 ms of script and layout in one frame, 2-core machine.
pub const ROWS_PER_FRAME: usize = 25;

/// One row of a results table (and its warnings, on a row of their own), its numbers shown with
/// `precision` decimals. The cells are plain text, not reactive: a change of precision draws the
/// rows again, which costs what updating a signal per cell did, while a reactive cell per number
/// made drawing the first rows of five 1000-channel tables slower.
fn table_row(index: usize, row: &Row, keys: &[String], precision: u8) -> impl IntoView + use<> {
    let warned = !row.warnings.is_empty();
    let cells = row
        .cells
        .iter()
        .zip(keys.iter().cloned())
        .enumerate()
        .map(|(column, (cell, key))| {
            let numeric = cell.is_numeric();
            let full = cell.full();
            let text = cell.display(precision);
            if column == 0 {
                view! { <th scope="row" data-col=key title=full>{text}</th> }.into_any()
            } else {
                view! { <td class:num=numeric data-col=key title=full>{text}</td> }.into_any()
            }
        })
        .collect_view();
    let warnings = warned.then(|| {
        view! {
            <tr class="row-warnings" data-testid=format!("row-{index}-warnings")>
                <td colspan=keys.len().to_string()>
                    <ul>
                        {row.warnings.iter().map(|w| view! { <li><span aria-hidden="true">"⚠ "</span>{w.clone()}</li> }).collect_view()}
                    </ul>
                </td>
            </tr>
        }
    });
    view! {
        <tr class:row-summary=row.summary class:row-warned=warned data-row=index.to_string()>
            {cells}
        </tr>
        {warnings}
    }
}

#[component]
pub fn TableView(table: Arc<Table>) -> impl IntoView {
    let state = use_app_state();
    let precision = Memo::new(move |_| state.form.with(|f| f.display.precision));
    let copy_status = RwSignal::new(String::new());
    let caption = table.caption.clone();
    let id = table.id.clone();
    let columns_view =
        table.columns.iter().map(|column| view! { <th scope="col" data-col=column.key.clone()>{column.label.clone()}</th> }).collect_view();
    let keys: Vec<String> = table.columns.iter().map(|c| c.key.clone()).collect();
    let total = table.rows.len();
    // Thousands of rows of reactive cells would block the page for seconds: the first rows (and
    // the summary rows) are drawn, the rest when asked for; and those a block of rows per frame.
    let show_all = RwSignal::new(total <= FIRST_ROWS);
    let wanted = move || if show_all.get() { total } else { total.min(FIRST_ROWS) };
    let drawn = RwSignal::new(ROWS_PER_FRAME);
    Effect::new(move |_| {
        if drawn.get() < wanted() {
            frames::later(move || {
                drawn.try_update(|drawn| *drawn += ROWS_PER_FRAME);
            });
        }
    });
    let table = StoredValue::new(table);
    let keys = StoredValue::new(keys);
    // The full-precision text is written when asked, not on every draw of a thousand rows.
    let copy = move |_| {
        let tsv = table.with_value(|table| table.to_tsv());
        leptos::task::spawn_local(async move {
            copy_status.set(match clipboard::copy_text(&tsv).await {
                Ok(()) => "Copied (full precision, tab-separated).".into(),
                Err(error) => format!("Copy failed: {error}"),
            });
        });
    };
    // One view per block of rows, drawn when the block is reached (its summary rows at once):
    // a block added draws its own rows only.
    let rows_view = (0..total.div_ceil(ROWS_PER_FRAME))
        .map(|block| {
            let start = block * ROWS_PER_FRAME;
            let end = total.min(start + ROWS_PER_FRAME);
            let open = Memo::new(move |_| start < drawn.get().min(wanted()));
            move || {
                let open = open.get();
                let precision = precision.get();
                keys.with_value(|keys| {
                    table.with_value(|table| {
                        table.rows[start..end]
                            .iter()
                            .enumerate()
                            .filter(|(_, row)| open || row.summary)
                            .map(|(offset, row)| table_row(start + offset, row, keys, precision))
                            .collect_view()
                    })
                })
            }
        })
        .collect::<Vec<_>>();
    let show_all_id = format!("table-{id}-show-all");
    let caption_id = format!("table-{id}-caption");
    let more = move || {
        (!show_all.get()).then(|| {
            view! {
                <p class="table-more">
                    {format!("The first {FIRST_ROWS} of {total} rows (and the summary) are shown; copy and the downloads have them all. ")}
                    <button
                        type="button"
                        class="small-button"
                        data-testid=show_all_id.clone()
                        on:click=move |_| show_all.set(true)
                    >
                        {format!("Show all {total} rows")}
                    </button>
                </p>
            }
        })
    };
    view! {
        <figure class="table-block" data-testid=format!("table-{id}")>
            <figcaption>
                <span id=caption_id.clone()>{caption}</span>
                <button type="button" class="small-button" on:click=copy>"Copy table"</button>
                <span class="copy-status" role="status">{copy_status}</span>
            </figcaption>
            // Named by its caption: every table's region is a landmark, and landmarks of one kind
            // need names of their own (axe's `landmark-unique`).
            <div class="table-scroll" tabindex="0" role="region" aria-labelledby=caption_id.clone()>
                <table aria-labelledby=caption_id.clone()>
                    <thead><tr>{columns_view}</tr></thead>
                    <tbody>{rows_view}</tbody>
                </table>
            </div>
            {more}
        </figure>
    }
}
