//! Labelled form controls bound to a [`Lens`]. Each control's `id` is also its `data-testid`, and
//! its label is a real `<label for>`; hints are tied with `aria-describedby`.

use leptos::prelude::*;
use wasm_bindgen::prelude::wasm_bindgen;

use crate::browser::frames;
use crate::components::tool_panel::ToolRun;
use crate::state::{use_app_state, Lens};
use quantscope_app::form::Tool;
use quantscope_app::results::large::LARGE_INPUT_BYTES;
use quantscope_app::results::{Field, InputError};

/// Text over this size is not drawn in a text area: Chromium lays a text area's text out whole, and
/// the 7.4 MB of a million values took it 1.2 s of layout in one frame (measured with a trace), the
/// page frozen meanwhile. Such text is analysed in the worker anyway (`results::large`).
pub const DRAWN_TEXT_BYTES: usize = LARGE_INPUT_BYTES;

/// The byte offset in `text` of the UTF-16 offset `utf16` (what `selectionStart` gives).
fn byte_offset(text: &str, utf16: u32) -> usize {
    let mut units = 0u32;
    for (at, c) in text.char_indices() {
        if units >= utf16 {
            return at;
        }
        units += c.len_utf16() as u32;
    }
    text.len()
}

/// `text` with its UTF-16 range `start..end` (a text area's selection) replaced by `pasted`, as the
/// browser's own paste would leave it.
pub fn paste_into(text: &str, start: u32, end: u32, pasted: &str) -> String {
    let (start, end) = (byte_offset(text, start), byte_offset(text, end.max(start)));
    [&text[..start], pasted, &text[end..]].concat()
}

/// "7.4 MB of text, 1000 lines": what a text too large to draw holds.
fn text_summary(text: &str) -> String {
    format!("{:.1} MB of text, {} lines", text.len() as f64 / 1e6, text.lines().count())
}

fn hint_id(id: &str) -> String {
    format!("{id}-hint")
}

fn error_id(id: &str) -> String {
    format!("{id}-error")
}

/// The open tool's error when `concerns` says it is about this control.
fn tool_error(concerns: impl Fn(Tool, Field) -> bool + Send + Sync + 'static) -> Memo<Option<InputError>> {
    let run = use_context::<ToolRun>();
    Memo::new(move |_| {
        let run = run?;
        run.outcome.with(|outcome| outcome.as_ref().err().filter(|e| concerns(run.tool, e.field)).cloned())
    })
}

/// The open tool's error when it concerns the option field `id` (`<tool>-<option>`).
fn option_error(id: &str) -> Memo<Option<InputError>> {
    let id = id.to_string();
    tool_error(move |tool, field| matches!(field, Field::Option(key) if id == format!("{}-{key}", tool.slug())))
}

/// The ids a control is described by: its hint (when there is one) and its error (when shown).
fn described_by(id: &str, hint: MaybeProp<String>, error: Memo<Option<InputError>>) -> impl Fn() -> Option<String> {
    let (hint_id, error_id) = (hint_id(id), error_id(id));
    move || {
        let ids: Vec<&str> = [
            hint.get().is_some_and(|h| !h.is_empty()).then_some(hint_id.as_str()),
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
fn HintAndError(id: String, hint: MaybeProp<String>, error: Memo<Option<InputError>>) -> impl IntoView {
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
pub fn CheckboxField(id: String, label: &'static str, lens: Lens<bool>, #[prop(into, optional)] hint: MaybeProp<String>) -> impl IntoView {
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
    // A signal (Copy), for the two branches that draw the field.
    let described_by = Signal::derive(described_by(&id, hint.into(), error));
    let text_area = NodeRef::<leptos::html::Textarea>::new();
    let state = use_app_state();
    // The user asked to see a text too large to draw (and was told it is slow).
    let drawn_anyway = RwSignal::new(false);
    let too_large = Memo::new(move |_| lens.value.with(|v| v.len() > DRAWN_TEXT_BYTES));
    let drawn = move || !too_large.get() || drawn_anyway.get();
    // Large pasted text goes to the form from the event: the browser would lay it out in the text
    // area first. The selection (if the text area is drawn) is replaced, as by the browser's paste.
    let on_paste = move |ev: web_sys::ClipboardEvent| {
        let Some(pasted) = ev.clipboard_data().map(|data| text_of(&data)) else {
            return;
        };
        // UTF-16 units: a text over the bound in units is over it in UTF-8 bytes too.
        if pasted.length() as usize <= DRAWN_TEXT_BYTES {
            return;
        }
        ev.prevent_default();
        let selection = text_area
            .get_untracked()
            .filter(|_| drawn())
            .map(|area| (area.selection_start().ok().flatten().unwrap_or(0), area.selection_end().ok().flatten().unwrap_or(0)));
        // Three tasks, each after a frame, so that no frame holds two of them: this one took the text from the
        // clipboard (the browser's 30 ms for a million values' 7.4 MB), the next copies it into
        // the form (20 ms), the last posts it to the worker. A paste is one change, not a stream
        // of keystrokes: its results start at once, not after the typing debounce.
        frames::after_next_frame(move || {
            let pasted = String::from(pasted);
            let text = match selection {
                Some((start, end)) => lens.value.with_untracked(|current| paste_into(current, start, end, &pasted)),
                None => pasted,
            };
            drawn_anyway.set(false);
            lens.set.run(text);
            frames::after_next_frame(move || state.commit());
        });
    };
    let summary = move || lens.value.with(|v| text_summary(v));
    view! {
        <div class="field field-wide" class:field-invalid=move || error.with(Option::is_some)>
            <label for=id.clone()>{label}</label>
            <Show
                when=drawn
                fallback={
                    let id = id.clone();
                    move || view! {
                        <div
                            class="large-text"
                            id=id.clone()
                            data-testid=format!("{id}-large")
                            tabindex="0"
                            role="group"
                            aria-describedby=described_by
                            on:paste=on_paste
                        >
                            <p>
                                <strong data-testid=format!("{id}-large-summary")>{summary}</strong>
                                ": too large to draw here without freezing the page for seconds; it is analysed in the background. Paste here to replace it."
                            </p>
                            <p class="large-text-actions">
                                <button type="button" class="small-button" data-testid=format!("{id}-large-show") on:click=move |_| drawn_anyway.set(true)>
                                    "Show the text (slow)"
                                </button>
                                <button type="button" class="small-button" data-testid=format!("{id}-large-clear") on:click=move |_| lens.set.run(String::new())>
                                    "Clear"
                                </button>
                            </p>
                        </div>
                    }
                }
            >
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
                    on:paste=on_paste
                ></textarea>
            </Show>
            <p class="hint" id=hint_id>{hint}</p>
            {move || {
                error.get().map(|error| {
                    view! { <InputErrorNote id=error_id.clone() error=error text=lens.value text_area=text_area reveal=drawn_anyway /> }
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
    /// Set to draw a text area that is too large to draw by default (see [`DRAWN_TEXT_BYTES`]).
    #[prop(optional)]
    reveal: Option<RwSignal<bool>>,
) -> impl IntoView {
    let line = if error.is_located() { text.with(|text| text.split('\n').nth(error.line - 1).map(str::to_owned)) } else { None };
    let (before, marked, after) = match &line {
        Some(line) => split_at_error(line, error.column, &error.text),
        None => (String::new(), String::new(), String::new()),
    };
    let select_bad_text = {
        let error = error.clone();
        move |_| {
            let (start, end) = text.with(|t| utf16_range(t, error.line, error.column, &error.text));
            let select = move || {
                if let Some(area) = text_area.get_untracked() {
                    let _ = area.focus();
                    let _ = area.set_selection_range(start, end);
                }
            };
            match reveal {
                // Drawn first (slow for such a text), selected once it is in the page.
                Some(reveal) if text_area.get_untracked().is_none() => {
                    reveal.set(true);
                    set_timeout(select, std::time::Duration::from_millis(0));
                }
                _ => select(),
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
    (chars[..start].iter().collect(), chars[start..end].iter().collect(), chars[end..].iter().collect())
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

#[wasm_bindgen]
extern "C" {
    /// A `DataTransfer` whose `getData` leaves the text in the JS heap: web-sys' `get_data` copies
    /// it into the page's wasm in the paste's own task (20 ms more for a million values' 7.4 MB).
    type ClipboardText;
    #[wasm_bindgen(method, js_name = getData)]
    fn get_data(this: &ClipboardText, format: &str) -> web_sys::js_sys::JsString;
}

/// The clipboard's text, in the JS heap.
fn text_of(data: &web_sys::DataTransfer) -> web_sys::js_sys::JsString {
    use wasm_bindgen::JsCast;
    data.unchecked_ref::<ClipboardText>().get_data("text")
}
