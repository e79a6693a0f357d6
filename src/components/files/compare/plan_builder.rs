//! The plan builder: a budget (bits per weight, or a size in `--target-size` syntax), pins
//! (`REGEX=FORMAT`, one per line), solved in the worker by `quantscope plan`'s planner; the
//! assignment table, the total size and error, whether it is optimal (or its gap bound); the
//! downloads: the compare report (JSON, CSV), the plan (JSON, CSV), the llama.cpp tensor-type
//! file, the llm-compressor recipe and the PDF report; and the command that gives the same plan.

use std::sync::Arc;

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use quantscope_app::compare::{self, BudgetUnit, FieldError, PlanForm};
use quantscope_core::compare::plan::Method;
use quantscope_core::compare::recipe::Unwritten;
use quantscope_export::Paper;

use super::{use_compare_state, Compared, Planned};
use crate::browser::download;

fn field_message(errors: &Option<Vec<FieldError>>, field: &str) -> Option<String> {
    errors.as_ref()?.iter().find(|e| e.field == field).map(|e| e.message.clone())
}

/// Saves `text` as `name`; a failure is shown where the downloads are.
fn save_text(text: &str, name: &str, mime: &str, status: RwSignal<Option<String>>) {
    match download::blob(text.as_bytes(), mime).and_then(|b| download::save(&b, name)) {
        Ok(()) => status.set(None),
        Err(e) => status.set(Some(format!("{name}: {e}"))),
    }
}

fn unwritten_note(tool: &'static str, list: &[Unwritten]) -> Option<impl IntoView> {
    (!list.is_empty()).then(|| {
        let items = list.iter().map(|u| view! { <li>{format!("{} ({}): {}", u.name, u.format, u.reason)}</li> }).collect_view();
        view! {
            <details class="compare-unwritten">
                <summary>{format!("{} tensor(s) not in the {tool} file: {tool} cannot take them as planned", list.len())}</summary>
                <ul>{items}</ul>
            </details>
        }
    })
}

#[component]
pub fn PlanBuilder(compared: Arc<Compared>) -> impl IntoView {
    let state = use_compare_state();
    let formats = compared.report.formats.clone();
    let errors = Memo::new(move |_| state.plan_form.with(|f| compare::plan_options(&formats, f).err()));
    let can_plan = move || errors.with(Option::is_none) && !state.busy();
    let status = RwSignal::new(None::<String>);
    let pdf_busy = RwSignal::new(false);
    let paper = RwSignal::new(Paper::A4);
    let set = move |f: fn(&mut PlanForm, String)| move |ev| state.plan_form.update(|form| f(form, event_target_value(&ev)));
    let budget_error = move || errors.with(|e| field_message(e, "budget"));
    let pins_error = move || errors.with(|e| field_message(e, "pins"));
    let unit = move || state.plan_form.with(|f| f.unit);
    let budget_hint = move || match unit() {
        BudgetUnit::BitsPerWeight => "Bits per weight over the whole model (every tensor's values counted), e.g. 4.5.",
        BudgetUnit::Size => "Bytes of tensor data, or with k, m, g, t (powers of 1024, as --target-size): 0.25g, 4GiB.",
    };
    let report_downloads = {
        let compared = compared.clone();
        view! {
            <button type="button" class="small-button" data-testid="compare-download-json"
                on:click={
                    let c = compared.clone();
                    move |_| save_text(&c.json, "compare.json", download::JSON, status)
                }>"Compare JSON"</button>
            <button type="button" class="small-button" data-testid="compare-download-csv"
                on:click={
                    let c = compared.clone();
                    move |_| save_text(&c.csv, "compare.csv", download::CSV, status)
                }>"Compare CSV"</button>
        }
    };
    let make_pdf = move |_| {
        pdf_busy.set(true);
        state.pdf(paper.get_untracked(), move |outcome| {
            pdf_busy.set(false);
            let saved = outcome.and_then(|bytes| {
                let mut parts = download::BlobParts::new();
                parts.push_js(bytes);
                parts.into_blob(download::PDF).and_then(|b| download::save(&b, "compare-report.pdf"))
            });
            status.set(saved.err().map(|e| format!("compare-report.pdf: {e}")));
        });
    };
    let result = move || {
        state.planned.get().map(|p: Arc<Planned>| {
            let plan = &p.plan;
            let method = match plan.method {
                Method::Exact => "exact (dynamic programming): optimal".to_string(),
                Method::Lagrangian => format!(
                    "Lagrangian: within {:.6e} of optimal (lower bound {:.6e}){}",
                    plan.gap_bound,
                    plan.lower_bound,
                    if plan.optimal { ", proven optimal" } else { "" }
                ),
            };
            let rows = plan
                .assignment
                .iter()
                .map(|a| {
                    let why = match &a.reason {
                        Some(r) => format!("{}: {r}", quantscope_export::compare::choice_name(a.choice)),
                        None => quantscope_export::compare::choice_name(a.choice).to_string(),
                    };
                    view! {
                        <tr data-tensor=a.name.clone() data-format=a.format.clone()>
                            <th scope="row">{a.name.clone()}</th>
                            <td>{a.format.clone()}</td>
                            <td>{why}</td>
                            <td class="num" data-value=a.bits_per_weight.to_string()>{format!("{:.4}", a.bits_per_weight)}</td>
                            <td class="num" data-value=a.mse.to_string()>{format!("{:.4e}", a.mse)}</td>
                        </tr>
                    }
                })
                .collect_view();
            let files = p.files.clone();
            let (j, c, t, r) = (files.json.clone(), files.csv.clone(), files.tensor_types.clone(), files.recipe.clone());
            let command = state.command(&p.form);
            view! {
                <dl
                    class="compare-plan-summary"
                    data-testid="compare-plan-summary"
                    data-bits-per-weight=plan.bits_per_weight.to_string()
                    data-bytes=plan.bytes.to_string()
                    data-error=plan.total_squared_error.to_string()
                    data-optimal=plan.optimal.to_string()
                    data-method=if plan.method == Method::Exact { "exact" } else { "lagrangian" }
                >
                    <dt>"Bits per weight"</dt>
                    <dd>{format!("{:.4}", plan.bits_per_weight)}</dd>
                    <dt>"Size"</dt>
                    <dd>{format!("{} ({} bytes of tensor data)", crate::components::files::bytes(plan.bytes), plan.bytes)}</dd>
                    <dt>"Total squared error"</dt>
                    <dd>{format!("{:.6e}", plan.total_squared_error)}</dd>
                    <dt>"Method"</dt>
                    <dd data-testid="compare-plan-method">{method}</dd>
                </dl>
                <p class="hint">"The same plan on the command line:"</p>
                <pre class="compare-command" data-testid="compare-command"><code>{command}</code></pre>
                <div class="table-scroll" tabindex="0" role="region" aria-labelledby="compare-plan-heading">
                    <table data-testid="compare-plan-table">
                        <thead>
                            <tr>
                                <th scope="col">"Tensor"</th>
                                <th scope="col">"Format"</th>
                                <th scope="col">"Why"</th>
                                <th scope="col">"Bits/weight"</th>
                                <th scope="col">"MSE"</th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
                {unwritten_note("llama.cpp", &files.tensor_types_unwritten)}
                {unwritten_note("llm-compressor", &files.recipe_unwritten)}
                <div class="compare-downloads" role="group" aria-label="Plan downloads">
                    <button type="button" class="small-button" data-testid="compare-download-plan-json"
                        on:click=move |_| save_text(&j, "plan.json", download::JSON, status)>"Plan JSON"</button>
                    <button type="button" class="small-button" data-testid="compare-download-plan-csv"
                        on:click=move |_| save_text(&c, "plan.csv", download::CSV, status)>"Plan CSV"</button>
                    <button type="button" class="small-button" data-testid="compare-download-tensor-types"
                        on:click=move |_| save_text(&t, "tensor-types.txt", "text/plain;charset=utf-8", status)>
                        "llama.cpp tensor types"
                    </button>
                    <button type="button" class="small-button" data-testid="compare-download-recipe"
                        on:click=move |_| save_text(&r, "recipe.yaml", "application/yaml", status)>
                        "llm-compressor recipe"
                    </button>
                </div>
            }
        })
    };
    view! {
        <h4 id="compare-plan-heading">"Plan a mixed-precision recipe"</h4>
        <form
            class="form-grid"
            data-testid="compare-plan-form"
            aria-label="Plan options"
            on:submit=move |ev: SubmitEvent| {
                ev.prevent_default();
                if can_plan() {
                    state.plan();
                }
            }
        >
            <div class="field" class:field-invalid=move || budget_error().is_some()>
                <label for="compare-budget">"Budget"</label>
                <input
                    type="text"
                    id="compare-budget"
                    data-testid="compare-budget"
                    inputmode="decimal"
                    autocomplete="off"
                    aria-describedby="compare-budget-hint compare-budget-error"
                    aria-invalid=move || budget_error().is_some().to_string()
                    prop:value=move || state.plan_form.with(|f| f.budget.clone())
                    on:input=set(|f, v| f.budget = v)
                />
                <p class="hint" id="compare-budget-hint">{budget_hint}</p>
                <p class="field-error" id="compare-budget-error" role="alert" data-testid="compare-budget-error">{budget_error}</p>
            </div>
            <div class="field">
                <label for="compare-budget-unit">"Budget in"</label>
                <select
                    id="compare-budget-unit"
                    data-testid="compare-budget-unit"
                    on:change=move |ev| {
                        let size = event_target_value(&ev) == "size";
                        state.plan_form.update(|f| f.unit = if size { BudgetUnit::Size } else { BudgetUnit::BitsPerWeight });
                    }
                >
                    <option value="bpw" selected=move || unit() == BudgetUnit::BitsPerWeight>"bits per weight"</option>
                    <option value="size" selected=move || unit() == BudgetUnit::Size>"size (bytes, k, m, g: GiB)"</option>
                </select>
            </div>
            <div class="field field-wide" class:field-invalid=move || pins_error().is_some()>
                <label for="compare-pins">"Pins"</label>
                <textarea
                    id="compare-pins"
                    data-testid="compare-pins"
                    rows="2"
                    spellcheck="false"
                    aria-describedby="compare-pins-hint compare-pins-error"
                    aria-invalid=move || pins_error().is_some().to_string()
                    prop:value=move || state.plan_form.with(|f| f.pins.clone())
                    on:input=set(|f, v| f.pins = v)
                ></textarea>
                <p class="hint" id="compare-pins-hint">
                    "One " <code>"REGEX=FORMAT"</code> " per line (as " <code>"--pin"</code>
                    "): every tensor whose name matches keeps that format, e.g. " <code>"lm_head|embed=q8_0"</code> "."
                </p>
                <p class="field-error" id="compare-pins-error" role="alert" data-testid="compare-pins-error">{pins_error}</p>
            </div>
            <div class="field field-wide files-actions">
                <button type="submit" data-testid="compare-plan" disabled=move || !can_plan()>
                    "Plan"
                </button>
            </div>
        </form>
        {move || state.plan_error.get().map(|e| view! { <p class="field-error" role="alert" data-testid="compare-plan-error">{e}</p> })}
        {result}
        <div class="compare-downloads" role="group" aria-label="Comparison downloads">
            {report_downloads}
            <label for="compare-paper">"Paper"</label>
            <select
                id="compare-paper"
                on:change=move |ev| paper.set(if event_target_value(&ev) == "letter" { Paper::Letter } else { Paper::A4 })
            >
                <option value="a4">"A4"</option>
                <option value="letter">"US Letter"</option>
            </select>
            <button type="button" class="small-button" data-testid="compare-download-pdf" disabled=move || pdf_busy.get() on:click=make_pdf>
                {move || if pdf_busy.get() { "Making the PDF…" } else { "PDF report" }}
            </button>
        </div>
        {move || status.get().map(|e| view! { <p class="field-error" role="alert" data-testid="compare-download-error">{e}</p> })}
    }
}
