//! The app's components in a real browser: tabs and the fragment, the form and its persistence,
//! debounced and immediate recomputation, reset with undo, located errors and stale results.

mod support;

use leptos::prelude::*;
use quantscope_app::form::{FormState, Tool};
use quantscope_app::results::{Cell, Column, Field, InputError, Report, Row, Table};
use quantscope_web::components::fields::TextAreaField;
use quantscope_web::components::results::{ResultsPanel, FIRST_ROWS, ROWS_PER_FRAME};
use quantscope_web::components::tool_panel::ToolRun;
use quantscope_web::state::{AppState, Commit, DEBOUNCE, STORAGE_KEY};
use quantscope_web::App;
use support::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn debounce_ms() -> i32 {
    DEBOUNCE.as_millis() as i32
}

#[wasm_bindgen_test]
async fn first_visit_shows_the_channels_tool_with_the_examples() {
    clean_slate();
    let root = container();
    let _app = leptos::mount::mount_to(root.clone(), App);
    tick().await;
    assert_eq!(fragment(), "#channels", "the fragment names the open tool");
    assert_eq!(get(&root, "tab-channels").get_attribute("aria-selected").as_deref(), Some("true"));
    assert_eq!(get(&root, "tab-tensor").get_attribute("aria-selected").as_deref(), Some("false"));
    assert!(by_testid(&root, "panel-channels").is_some());
    assert!(by_testid(&root, "panel-tensor").is_none());
    assert_eq!(value(&get(&root, "channels-data")), FormState::examples().channels.data);
    assert_eq!(value(&get(&root, "channels-dtype")), "qint8");
    // Every control has a label.
    let controls = root.query_selector_all("input, select, textarea").unwrap();
    assert!(controls.length() > 10);
    for index in 0..controls.length() {
        let control: web_sys::Element = controls.item(index).unwrap().unchecked_into();
        let id = control.id();
        assert!(root.query_selector(&format!("label[for=\"{id}\"]")).unwrap().is_some(), "control #{id} has no label");
    }
}

fn fragment() -> String {
    win().location().hash().unwrap()
}

#[wasm_bindgen_test]
async fn tabs_follow_clicks_keys_and_the_fragment() {
    clean_slate();
    let root = container();
    let _app = leptos::mount::mount_to(root.clone(), App);
    tick().await;

    click(&get(&root, "tab-tensor"));
    sleep(20).await;
    assert_eq!(fragment(), "#tensor");
    assert!(by_testid(&root, "panel-tensor").is_some());
    assert!(by_testid(&root, "panel-channels").is_none());

    key(&get(&root, "tab-tensor"), "ArrowRight");
    sleep(20).await;
    assert_eq!(fragment(), "#values");
    assert!(by_testid(&root, "panel-values").is_some());
    assert_eq!(doc().active_element().map(|e| e.id()), Some("tab-values".into()), "focus follows");
    assert_eq!(get(&root, "tab-values").get_attribute("tabindex").as_deref(), Some("0"));
    assert_eq!(get(&root, "tab-channels").get_attribute("tabindex").as_deref(), Some("-1"));

    key(&get(&root, "tab-values"), "Home");
    sleep(20).await;
    assert_eq!(fragment(), "#channels");

    // A link or Back/Forward changes the fragment: the page follows.
    win().location().set_hash("values").unwrap();
    sleep(30).await;
    assert!(by_testid(&root, "panel-values").is_some());
}

#[wasm_bindgen_test]
async fn typing_is_saved_after_the_debounce_and_restored_on_the_next_visit() {
    clean_slate();
    let root = container();
    let app = leptos::mount::mount_to(root.clone(), App);
    tick().await;
    type_into(&get(&root, "channels-data"), "conv_a,-1,1,0.5");
    type_into(&get(&root, "channels-tensor-name"), "layer4.weight");
    tick().await;
    assert!(stored_form().is_none(), "nothing saved while typing");
    sleep(debounce_ms() + 60).await;
    let saved = stored_form().expect("saved after the debounce");
    let saved: FormState = serde_json::from_str(&saved).unwrap();
    assert_eq!(saved.channels.data, "conv_a,-1,1,0.5");
    assert_eq!(saved.channels.tensor_name, "layer4.weight");
    drop(app);
    root.remove();

    // A new visit: the same input.
    let root = container();
    let _app = leptos::mount::mount_to(root.clone(), App);
    tick().await;
    assert_eq!(value(&get(&root, "channels-data")), "conv_a,-1,1,0.5");
    assert_eq!(value(&get(&root, "channels-tensor-name")), "layer4.weight");
}

#[wasm_bindgen_test]
async fn enter_and_choices_commit_at_once() {
    clean_slate();
    let root = container();
    let _app = leptos::mount::mount_to(root.clone(), App);
    tick().await;
    let name = get(&root, "channels-tensor-name");
    type_into(&name, "fc2.weight");
    key(&name, "Enter");
    tick().await;
    let saved: FormState = serde_json::from_str(&stored_form().expect("Enter saves at once")).unwrap();
    assert_eq!(saved.channels.tensor_name, "fc2.weight");

    select(&get(&root, "channels-scheme"), "symmetric");
    tick().await;
    let saved: FormState = serde_json::from_str(&stored_form().unwrap()).unwrap();
    assert_eq!(saved.channels.quant.scheme, "symmetric");

    // Enter in the text area is a new line, not a commit.
    let data = get(&root, "channels-data");
    type_into(&data, "a,-1,1,0");
    key(&data, "Enter");
    tick().await;
    let saved: FormState = serde_json::from_str(&stored_form().unwrap()).unwrap();
    assert_eq!(saved.channels.data, FormState::examples().channels.data);
}

#[wasm_bindgen_test]
async fn the_seed_for_stochastic_rounding_is_enabled_only_for_stochastic() {
    clean_slate();
    let root = container();
    let _app = leptos::mount::mount_to(root.clone(), App);
    tick().await;
    let seed = || get(&root, "channels-seed").unchecked_into::<web_sys::HtmlInputElement>();
    assert!(seed().disabled());
    select(&get(&root, "channels-rounding"), "stochastic");
    tick().await;
    assert!(!seed().disabled());
}

#[wasm_bindgen_test]
async fn reset_restores_the_examples_and_undo_brings_the_input_back() {
    clean_slate();
    let root = container();
    let _app = leptos::mount::mount_to(root.clone(), App);
    tick().await;
    type_into(&get(&root, "channels-data"), "mine,-2,2,1");
    sleep(debounce_ms() + 60).await;

    click(&get(&root, "reset"));
    tick().await;
    assert_eq!(value(&get(&root, "channels-data")), FormState::examples().channels.data);
    assert!(by_testid(&root, "reset-status").is_some());

    click(&get(&root, "undo-reset"));
    tick().await;
    assert_eq!(value(&get(&root, "channels-data")), "mine,-2,2,1");
    assert!(by_testid(&root, "reset-status").is_none());
    let saved: FormState = serde_json::from_str(&stored_form().unwrap()).unwrap();
    assert_eq!(saved.channels.data, "mine,-2,2,1");
}

#[wasm_bindgen_test]
async fn an_unreadable_saved_form_is_kept_aside_and_said() {
    clean_slate();
    let storage = win().local_storage().unwrap().unwrap();
    storage.set_item(STORAGE_KEY, "{\"channels\": 42").unwrap();
    let root = container();
    let _app = leptos::mount::mount_to(root.clone(), App);
    tick().await;
    assert!(text(&root, "storage-note").contains("could not be read"));
    assert_eq!(storage.get_item(quantscope_web::state::UNREADABLE_KEY).unwrap().as_deref(), Some("{\"channels\": 42"));
    assert_eq!(value(&get(&root, "channels-data")), FormState::examples().channels.data);
}

fn sample_report(scale: f64) -> Report {
    Report {
        charts: None,
        format: None,
        spec_label: "textbook".into(),
        formulas: vec![("dequantize".into(), "x̂ = (q - z) · s".into())],
        tables: vec![std::sync::Arc::new(Table {
            id: "channels".into(),
            caption: "Per channel".into(),
            columns: vec![
                Column { key: "channel".into(), label: "Channel".into() },
                Column { key: "scale".into(), label: "Scale".into() },
                Column { key: "zero_point".into(), label: "Zero point".into() },
            ],
            rows: vec![
                Row { cells: vec![Cell::Text("filter_0".into()), Cell::Real(scale), Cell::Int(11)], ..Row::default() },
                Row {
                    cells: vec![Cell::Text("filter_1".into()), Cell::Real(0.5), Cell::Int(300)],
                    warnings: vec!["zero point 300 is outside [-128, 127]".into()],
                    summary: false,
                },
            ],
        })],
        notes: vec![],
    }
}

/// The results panel and the data field of a tool, driven by an outcome the test controls.
#[component]
fn Harness(outcome: RwSignal<Result<Report, InputError>>) -> impl IntoView {
    let state = AppState::restore();
    provide_context(state);
    let outcome = Memo::new(move |_| outcome.get());
    provide_context(ToolRun { tool: Tool::Channels, outcome });
    let data = state.lens(|f| f.channels.data.clone(), |f, v| f.channels.data = v, Commit::Debounced);
    view! {
        <TextAreaField id="channels-data".into() label="Channels" lens=data hint="hint" />
        <ResultsPanel />
    }
}

#[wasm_bindgen_test]
async fn results_show_numbers_with_precision_full_values_and_row_warnings() {
    clean_slate();
    let outcome = RwSignal::new(Ok(sample_report(2.2 / 255.0)));
    let root = container();
    let _view = leptos::mount::mount_to(root.clone(), move || view! { <Harness outcome=outcome /> });
    tick().await;
    let scale = root.query_selector("[data-row=\"0\"] [data-col=\"scale\"]").unwrap().unwrap();
    assert_eq!(scale.text_content().unwrap(), "0.00862745");
    assert_eq!(scale.get_attribute("title").unwrap(), (2.2f64 / 255.0).to_string());
    assert!(scale.class_list().contains("num"));
    assert!(text(&root, "row-1-warnings").contains("outside [-128, 127]"));

    select(&get(&root, "channels-precision"), "4");
    tick().await;
    assert_eq!(scale.text_content().unwrap(), "0.0086");
}

#[wasm_bindgen_test]
async fn a_long_table_draws_its_first_rows_and_the_summary_then_all_on_request() {
    clean_slate();
    let total = FIRST_ROWS + 50;
    let mut report = sample_report(0.25);
    let table = std::sync::Arc::make_mut(&mut report.tables[0]);
    table.rows = (0..total)
        .map(|i| Row {
            cells: vec![Cell::Text(format!("ch{i}")), Cell::Real(i as f64), Cell::Int(0)],
            summary: i == total - 1,
            ..Row::default()
        })
        .collect();
    let outcome = RwSignal::new(Ok(report));
    let root = container();
    let _view = leptos::mount::mount_to(root.clone(), move || view! { <Harness outcome=outcome /> });
    tick().await;
    let rows = || root.query_selector_all("[data-testid=\"table-channels\"] tbody tr[data-row]").unwrap().length() as usize;
    // The first block of rows and the summary row (the last one) at once, then a block per frame
    // up to the first rows.
    let first = rows();
    assert!((ROWS_PER_FRAME + 1..=FIRST_ROWS + 1).contains(&first), "{first} rows at first");
    assert_eq!((first - 1) % ROWS_PER_FRAME, 0, "whole blocks: {first}");
    until("the first rows drawn", || rows() == FIRST_ROWS + 1).await;
    sleep(50).await;
    assert_eq!(rows(), FIRST_ROWS + 1);
    assert!(root.query_selector(&format!("[data-row=\"{}\"]", total - 1)).unwrap().is_some());
    assert!(root.query_selector(&format!("[data-row=\"{FIRST_ROWS}\"]")).unwrap().is_none());
    let more = get(&root, "table-channels-show-all");
    assert_eq!(more.text_content().unwrap(), format!("Show all {total} rows"));
    click(&more);
    until("every row drawn", || rows() == total).await;
    assert!(by_testid(&root, "table-channels-show-all").is_none());
}

#[wasm_bindgen_test]
async fn a_located_error_is_shown_at_its_field_and_the_last_results_stay_greyed() {
    clean_slate();
    let outcome = RwSignal::new(Ok(sample_report(0.25)));
    let root = container();
    let _view = leptos::mount::mount_to(root.clone(), move || view! { <Harness outcome=outcome /> });
    tick().await;
    type_into(&get(&root, "channels-data"), "filter_0,-1.2,1,0.73\nfilter_1,-0.8,abc,-0.21");
    outcome.set(Err(InputError {
        field: Field::Data,
        line: 2,
        column: 15,
        text: "abc".into(),
        problem: "not a number".into(),
        expected: "a number (max)".into(),
    }));
    tick().await;

    assert_eq!(text(&root, "input-error-location"), "line 2, column 15");
    assert_eq!(text(&root, "input-error-text"), "abc");
    assert_eq!(text(&root, "input-error-expected"), "a number (max)");
    let line = get(&root, "input-error-line");
    assert_eq!(line.query_selector("mark").unwrap().unwrap().text_content().unwrap(), "abc");
    assert_eq!(get(&root, "channels-data").get_attribute("aria-invalid").as_deref(), Some("true"));

    let results = get(&root, "channels-results");
    assert_eq!(results.get_attribute("data-stale").as_deref(), Some("true"));
    assert!(by_testid(&root, "channels-stale-note").is_some());
    let scale = root.query_selector("[data-row=\"0\"] [data-col=\"scale\"]").unwrap().unwrap();
    assert_eq!(scale.text_content().unwrap(), "0.25", "the last good results are kept");

    // "Select it" puts the selection on the bad text.
    click(&root.query_selector(".input-error button").unwrap().unwrap());
    let area: web_sys::HtmlTextAreaElement = get(&root, "channels-data").unchecked_into();
    let (start, end) = (area.selection_start().unwrap().unwrap(), area.selection_end().unwrap().unwrap());
    assert_eq!(&area.value()[start as usize..end as usize], "abc");

    // Fixed: the error goes, fresh results are not greyed.
    outcome.set(Ok(sample_report(0.5)));
    tick().await;
    assert!(by_testid(&root, "input-error").is_none());
    assert_eq!(get(&root, "channels-results").get_attribute("data-stale").as_deref(), Some("false"));
    let scale = root.query_selector("[data-row=\"0\"] [data-col=\"scale\"]").unwrap().unwrap();
    assert_eq!(scale.text_content().unwrap(), "0.5");
}

#[wasm_bindgen_test]
async fn a_misshapen_table_is_caught_by_the_error_boundary() {
    clean_slate();
    let mut report = sample_report(0.25);
    std::sync::Arc::make_mut(&mut report.tables[0]).rows[0].cells.pop();
    let outcome = RwSignal::new(Ok(report));
    let root = container();
    let _view = leptos::mount::mount_to(root.clone(), move || view! { <Harness outcome=outcome /> });
    tick().await;
    assert!(text(&root, "render-error").contains("row 1 has 2 cells for 3 columns"));
}

#[wasm_bindgen_test]
async fn an_error_the_core_cannot_locate_is_shown_without_a_quoted_line() {
    clean_slate();
    let outcome = RwSignal::new(Err(InputError {
        field: Field::Data,
        line: 0,
        column: 0,
        text: String::new(),
        problem: "channel 1 (`filter_1`): range [1, -1] is invalid: min > max".into(),
        expected: String::new(),
    }));
    let root = container();
    let _view = leptos::mount::mount_to(root.clone(), move || view! { <Harness outcome=outcome /> });
    tick().await;
    assert!(text(&root, "input-error-problem").contains("filter_1"));
    assert!(by_testid(&root, "input-error-location").is_none());
    assert!(by_testid(&root, "input-error-line").is_none());
    assert_eq!(get(&root, "channels-results").get_attribute("data-stale").as_deref(), Some("true"));
}
