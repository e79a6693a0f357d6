//! Labelled form controls bound to a [`Lens`]. Each control's `id` is also its `data-testid`, and
//! its label is a real `<label for>`; hints are tied with `aria-describedby`.

use leptos::prelude::*;

use crate::components::tool_panel::ToolRun;
use crate::report::{Field, InputError};
use crate::state::Lens;

fn hint_id(id: &str) -> String {
    format!("{id}-hint")
}

/// Hint text under a control (nothing when empty).
#[component]
fn Hint(id: String, text: &'static str) -> impl IntoView {
    (!text.is_empty()).then(|| {
        view! { <p class="hint" id=hint_id(&id)>{text}</p> }
    })
}

fn described_by(id: &str, hint: &str) -> Option<String> {
    (!hint.is_empty()).then(|| hint_id(id))
}

/// A one-line text input. `inputmode` hints the phone keyboard (`decimal`, `numeric`, `text`).
#[component]
pub fn TextField(
    id: String,
    label: &'static str,
    lens: Lens<String>,
    #[prop(default = "")] hint: &'static str,
    #[prop(default = "text")] inputmode: &'static str,
    #[prop(default = "")] placeholder: &'static str,
    #[prop(optional)] disabled: Option<Signal<bool>>,
) -> impl IntoView {
    let disabled = disabled.unwrap_or_else(|| Signal::stored(false));
    view! {
        <div class="field" class:field-disabled=disabled>
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
                aria-describedby=described_by(&id, hint)
                disabled=disabled
                prop:value=lens.value
                on:input=move |ev| lens.set.run(event_target_value(&ev))
            />
            <Hint id=id text=hint />
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
    #[prop(default = "")] hint: &'static str,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <select
                id=id.clone()
                name=id.clone()
                data-testid=id.clone()
                aria-describedby=described_by(&id, hint)
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
            <Hint id=id text=hint />
        </div>
    }
}

/// A checkbox with its label beside it.
#[component]
pub fn CheckboxField(
    id: String,
    label: &'static str,
    lens: Lens<bool>,
    #[prop(default = "")] hint: &'static str,
) -> impl IntoView {
    view! {
        <div class="field field-check">
            <input
                type="checkbox"
                id=id.clone()
                name=id.clone()
                data-testid=id.clone()
                aria-describedby=described_by(&id, hint)
                prop:checked=lens.value
                on:change=move |ev| lens.set.run(event_target_checked(&ev))
            />
            <label for=id.clone()>{label}</label>
            <Hint id=id text=hint />
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
    #[prop(into)] hint: Signal<&'static str>,
    #[prop(default = 6)] rows: u32,
) -> impl IntoView {
    let run = use_context::<ToolRun>();
    let error = Memo::new(move |_| {
        run.and_then(|run| {
            run.outcome.with(|outcome| {
                outcome
                    .as_ref()
                    .err()
                    .filter(|e| e.field == Field::Data)
                    .cloned()
            })
        })
    });
    let hint_id = hint_id(&id);
    let error_id = format!("{id}-error");
    let described_by = {
        let (hint_id, error_id) = (hint_id.clone(), error_id.clone());
        move || {
            if error.with(Option::is_some) {
                format!("{hint_id} {error_id}")
            } else {
                hint_id.clone()
            }
        }
    };
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
    let line = text.with(|text| {
        text.lines()
            .nth(error.line.saturating_sub(1))
            .map(str::to_owned)
    });
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
                <span data-testid="input-error-location">
                    {format!("line {}, column {}", error.line, error.column)}
                </span>
                ": found "
                <code data-testid="input-error-text">{error.text.clone()}</code>
                ", expected "
                <span data-testid="input-error-expected">{error.expected.clone()}</span>
                "."
            </p>
            {line.is_some().then(|| view! {
                <pre class="error-line" data-testid="input-error-line">
                    <span class="error-line-number" aria-hidden="true">{format!("{:>3} | ", error.line)}</span>
                    {before}<mark>{marked}</mark>{after}
                </pre>
            })}
            <button type="button" class="link-button" on:click=select_bad_text>
                {format!("Select it in the text (line {})", error.line)}
            </button>
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
