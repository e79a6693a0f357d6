//! Labelled form controls bound to a [`Lens`]. Each control's `id` is also its `data-testid`, and
//! its label is a real `<label for>`; hints are tied with `aria-describedby`.

use leptos::prelude::*;

use crate::components::tool_panel::ToolRun;
use crate::model::Tool;
use crate::report::{Field, InputError};
use crate::state::Lens;

fn hint_id(id: &str) -> String {
    format!("{id}-hint")
}

fn error_id(id: &str) -> String {
    format!("{id}-error")
}

/// The open tool's error when `concerns` says it is about this control.
fn tool_error(
    concerns: impl Fn(Tool, Field) -> bool + Send + Sync + 'static,
) -> Memo<Option<InputError>> {
    let run = use_context::<ToolRun>();
    Memo::new(move |_| {
        let run = run?;
        run.outcome.with(|outcome| {
            outcome
                .as_ref()
                .err()
                .filter(|e| concerns(run.tool, e.field))
                .cloned()
        })
    })
}

/// The open tool's error when it concerns the option field `id` (`<tool>-<option>`).
fn option_error(id: &str) -> Memo<Option<InputError>> {
    let id = id.to_string();
    tool_error(
        move |tool, field| matches!(field, Field::Option(key) if id == format!("{}-{key}", tool.slug())),
    )
}

/// The ids a control is described by: its hint (when there is one) and its error (when shown).
fn described_by(
    id: &str,
    hint: MaybeProp<String>,
    error: Memo<Option<InputError>>,
) -> impl Fn() -> Option<String> {
    let (hint_id, error_id) = (hint_id(id), error_id(id));
    move || {
        let ids: Vec<&str> = [
            hint.get()
                .is_some_and(|h| !h.is_empty())
                .then_some(hint_id.as_str()),
            error.with(Option::is_some).then_some(error_id.as_str()),
        ]
        .into_iter()
        .flatten()
        .collect();
        (!ids.is_empty()).then(|| ids.join(" "))
    }
}

/// The hint and the error under a control.
#[component]
fn HintAndError(
    id: String,
    hint: MaybeProp<String>,
    error: Memo<Option<InputError>>,
) -> impl IntoView {
    let hint_id = hint_id(&id);
    let error_id = error_id(&id);
    view! {
        {move || {
            hint.get().filter(|h| !h.is_empty()).map(|h| view! { <p class="hint" id=hint_id.clone()>{h}</p> })
        }}
        {move || {
            error.get().map(|error| {
                view! {
                    <p class="field-error" id=error_id.clone() role="alert" data-testid=error_id.clone()>
                        <strong>"Error: "</strong>
                        {error.to_string()}
                    </p>
                }
            })
        }}
    }
}

/// A one-line text input. `inputmode` hints the phone keyboard (`decimal`, `numeric`, `text`).
#[component]
pub fn TextField(
    id: String,
    label: &'static str,
    lens: Lens<String>,
    #[prop(into, optional)] hint: MaybeProp<String>,
    #[prop(default = "text")] inputmode: &'static str,
    #[prop(default = "")] placeholder: &'static str,
    #[prop(optional)] disabled: Option<Signal<bool>>,
) -> impl IntoView {
    let disabled = disabled.unwrap_or_else(|| Signal::stored(false));
    let error = option_error(&id);
    view! {
        <div class="field" class:field-disabled=disabled class:field-invalid=move || error.with(Option::is_some)>
            <label for=id.clone()>{label}</label>
            <input
                type="text"
                id=id.clone()
                name=id.clone()
                data-testid=id.clone()
                inputmode=inputmode
                placeholder=placeholder
                autocomplete="off"
                spellcheck="false"
                aria-describedby=described_by(&id, hint, error)
                aria-invalid=move || error.with(Option::is_some).to_string()
                disabled=disabled
                prop:value=lens.value
                on:input=move |ev| lens.set.run(event_target_value(&ev))
            />
            <HintAndError id=id hint=hint error=error />
        </div>
    }
}

/// A select over `(value, label)` choices.
#[component]
pub fn SelectField(
    id: String,
    label: &'static str,
    lens: Lens<String>,
    choices: &'static [(&'static str, &'static str)],
    #[prop(into, optional)] hint: MaybeProp<String>,
) -> impl IntoView {
    let error = option_error(&id);
    view! {
        <div class="field" class:field-invalid=move || error.with(Option::is_some)>
            <label for=id.clone()>{label}</label>
            <select
                id=id.clone()
                name=id.clone()
                data-testid=id.clone()
                aria-describedby=described_by(&id, hint, error)
                aria-invalid=move || error.with(Option::is_some).to_string()
                prop:value=lens.value
                on:change=move |ev| lens.set.run(event_target_value(&ev))
            >
                {choices
                    .iter()
                    .map(|(value, text)| {
                        view! {
                            <option value=*value selected=move || lens.value.get() == *value>
                                {*text}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
            <HintAndError id=id hint=hint error=error />
        </div>
    }
}

/// A checkbox with its label beside it.
#[component]
pub fn CheckboxField(
    id: String,
    label: &'static str,
    lens: Lens<bool>,
    #[prop(into, optional)] hint: MaybeProp<String>,
) -> impl IntoView {
    let error = option_error(&id);
    view! {
        <div class="field field-check" class:field-invalid=move || error.with(Option::is_some)>
            <input
                type="checkbox"
                id=id.clone()
                name=id.clone()
                data-testid=id.clone()
                aria-describedby=described_by(&id, hint, error)
                aria-invalid=move || error.with(Option::is_some).to_string()
                prop:checked=lens.value
                on:change=move |ev| lens.set.run(event_target_checked(&ev))
            />
            <label for=id.clone()>{label}</label>
            <HintAndError id=id hint=hint error=error />
        </div>
    }
}

/// A multi-line text area for pasted data, spanning the whole form row. When the open tool's
/// last run failed on this field, the located error is shown under it with the bad line quoted
/// and marked, and a button that selects the bad text in the text area.
#[component]
pub fn TextAreaField(
    id: String,
    label: &'static str,
    lens: Lens<String>,
    #[prop(into)] hint: Signal<String>,
    #[prop(default = 6)] rows: u32,
) -> impl IntoView {
    let error = tool_error(|_, field| field == Field::Data);
    let hint_id = hint_id(&id);
    let error_id = error_id(&id);
    let described_by = described_by(&id, hint.into(), error);
    let text_area = NodeRef::<leptos::html::Textarea>::new();
    view! {
        <div class="field field-wide" class:field-invalid=move || error.with(Option::is_some)>
            <label for=id.clone()>{label}</label>
            <textarea
                id=id.clone()
                name=id.clone()
                data-testid=id.clone()
                node_ref=text_area
                rows=rows
                autocomplete="off"
                spellcheck="false"
                aria-describedby=described_by
                aria-invalid=move || error.with(Option::is_some).to_string()
                prop:value=lens.value
                on:input=move |ev| lens.set.run(event_target_value(&ev))
            ></textarea>
            <p class="hint" id=hint_id>{hint}</p>
            {move || {
                error.get().map(|error| {
                    view! { <InputErrorNote id=error_id.clone() error=error text=lens.value text_area=text_area /> }
                })
            }}
        </div>
    }
}

/// The located error under a text area: where, what was found, what was expected, and the line
/// itself with the offending text marked.
#[component]
pub fn InputErrorNote(
    id: String,
    error: InputError,
    /// The field's text, to quote the bad line.
    text: Signal<String>,
    text_area: NodeRef<leptos::html::Textarea>,
) -> impl IntoView {
    let line = if error.is_located() {
        text.with(|text| text.split('\n').nth(error.line - 1).map(str::to_owned))
    } else {
        None
    };
    let (before, marked, after) = match &line {
        Some(line) => split_at_error(line, error.column, &error.text),
        None => (String::new(), String::new(), String::new()),
    };
    let select_bad_text = {
        let error = error.clone();
        move |_| {
            if let Some(area) = text_area.get() {
                let (start, end) =
                    text.with(|t| utf16_range(t, error.line, error.column, &error.text));
                let _ = area.focus();
                let _ = area.set_selection_range(start, end);
            }
        }
    };
    view! {
        <div class="input-error" id=id role="alert" data-testid="input-error">
            <p>
                <strong>"Error: "</strong>
                {error.is_located().then(|| view! {
                    <span data-testid="input-error-location">{error.location()}</span>
                    ": "
                })}
                <span data-testid="input-error-problem">{error.problem.clone()}</span>
                {(!error.text.is_empty()).then(|| view! {
                    " "
                    <code data-testid="input-error-text">{error.text.clone()}</code>
                })}
                {(!error.expected.is_empty()).then(|| view! {
                    " (expected "
                    <span data-testid="input-error-expected">{error.expected.clone()}</span>
                    ")"
                })}
            </p>
            {line.is_some().then(|| view! {
                <pre class="error-line" data-testid="input-error-line">
                    <span class="error-line-number" aria-hidden="true">{format!("{:>3} | ", error.line)}</span>
                    {before}<mark>{marked}</mark>{after}
                </pre>
            })}
            {line.is_some().then(|| view! {
                <button type="button" class="link-button" on:click=select_bad_text>
                    {format!("Select it in the text (line {})", error.line)}
                </button>
            })}
        </div>
    }
}

/// Splits `line` around the error: the text before the 1-based char `column`, the offending text
/// (`found`, or one char when it is empty), and the rest.
pub fn split_at_error(line: &str, column: usize, found: &str) -> (String, String, String) {
    let chars: Vec<char> = line.chars().collect();
    let start = column.saturating_sub(1).min(chars.len());
    let len = found.chars().count().max(1);
    let end = (start + len).min(chars.len());
    (
        chars[..start].iter().collect(),
        chars[start..end].iter().collect(),
        chars[end..].iter().collect(),
    )
}

/// The UTF-16 offsets (what `setSelectionRange` takes) of the error in the whole text.
pub fn utf16_range(text: &str, line: usize, column: usize, found: &str) -> (u32, u32) {
    let mut offset = 0usize;
    for (index, line_text) in text.split('\n').enumerate() {
        if index + 1 == line {
            let (before, marked, _) = split_at_error(line_text, column, found);
            let start = offset + before.encode_utf16().count();
            let end = start + marked.encode_utf16().count();
            return (start as u32, end as u32);
        }
        offset += line_text.encode_utf16().count() + 1;
    }
    (offset as u32, offset as u32)
}
