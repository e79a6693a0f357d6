//! The large-input messages (`quantscope_app::results::large`, `quantscope_app::protocol`): what the worker posts for the
//! Tensor and Values tools reads back on the page as the very tables the page computes itself,
//! non-finite cells and located errors included, and requests survive their JSON.

use quantscope_app::form::{FormState, Tool};
use quantscope_app::results::large::{self, LargeReport, LARGE_INPUT_BYTES};
use quantscope_app::results::{run, Cell, Field, InputError};
use quantscope_web::worker::protocol::{ExportFile, Reply, Request};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The worker's `Text` reply as JSON (the shape `worker::serve` writes).
fn text_reply(job: u32, outcome: &Result<LargeReport, InputError>) -> Reply {
    let json = serde_json::json!({ "text": { "job": job, "outcome": outcome, "elapsed_ms": 1.5 } });
    serde_json::from_value(json).expect("the page reads the worker's reply")
}

#[wasm_bindgen_test]
fn the_workers_tables_are_the_pages_own() {
    for tool in [Tool::Tensor, Tool::Values] {
        let form = FormState::examples();
        let (posted, _full) = large::analyse(tool, &form).expect("the example computes");
        let Reply::Text { job, outcome: Ok(read), .. } = text_reply(7, &Ok(posted.clone())) else { panic!("not a text reply") };
        assert_eq!(job, 7);
        assert_eq!(read, posted);
        let on_page = run(tool, &form).unwrap();
        assert_eq!(read.report.tables, on_page.tables, "{tool:?}");
        assert_eq!(read.report.notes, on_page.notes);
        // The page draws the charts from the sample: every value of a small input.
        let report = read.into_report(large::SampleSettings::of(tool, &form), || 0.0);
        assert!(report.charts.is_some());
    }
}

#[wasm_bindgen_test]
fn non_finite_cells_and_located_errors_read_back() {
    for cell in [Cell::Real(f64::INFINITY), Cell::Plain(f64::NEG_INFINITY), Cell::Fraction(0.25)] {
        let json = serde_json::to_string(&cell).unwrap();
        assert_eq!(serde_json::from_str::<Cell>(&json).unwrap(), cell, "{json}");
    }
    let nan: Cell = serde_json::from_str(&serde_json::to_string(&Cell::Real(f64::NAN)).unwrap()).unwrap();
    assert!(matches!(nan, Cell::Real(v) if v.is_nan()));

    let mut form = FormState::examples();
    form.tensor.data = "1 2 3\n4 abc 6".into();
    let error = large::analyse(Tool::Tensor, &form).unwrap_err();
    let Reply::Text { outcome: Err(read), .. } = text_reply(2, &Err(error.clone())) else { panic!("not an error") };
    assert_eq!(read, error);
    assert_eq!((read.field, read.line, read.column, read.text.as_str()), (Field::Data, 2, 3, "abc"));

    form.tensor.quant.quant_min = "10".into();
    form.tensor.quant.quant_max = "5".into();
    let error = large::analyse(Tool::Tensor, &form).unwrap_err();
    let Reply::Text { outcome: Err(read), .. } = text_reply(3, &Err(error.clone())) else { panic!("not an error") };
    assert_eq!(read.field, Field::Option("quant-min"));
}

#[wasm_bindgen_test]
fn requests_survive_their_json_and_the_threshold_is_by_size() {
    let form = FormState::examples();
    let requests = [
        Request::Text { job: 4, tool: Tool::Values, form: form.clone() },
        Request::Export { job: 5, of: 4, file: ExportFile::ElementsCsv },
        Request::Export {
            job: 6,
            of: 4,
            file: ExportFile::Pdf { paper: quantscope_export::Paper::Letter, date: "2026-01-02".into(), decimals: 6 },
        },
        Request::Export { job: 7, of: 4, file: ExportFile::Settings { form: form.clone() } },
    ];
    for request in requests {
        let json = serde_json::to_string(&request).unwrap();
        assert_eq!(serde_json::from_str::<Request>(&json).unwrap(), request, "{json}");
    }
    assert!(!large::is_large(Tool::Tensor, &form));
    let mut big = form.clone();
    big.tensor.data = "0.5 ".repeat(LARGE_INPUT_BYTES / 4 + 1);
    assert!(large::is_large(Tool::Tensor, &big));
    // The Channels tool stays on the page (its lines are parameters, not bulk values).
    big.channels.data = big.tensor.data.clone();
    assert!(!large::is_large(Tool::Channels, &big));
}

/// A large paste replaces the text area's selection (UTF-16 offsets, as `selectionStart` gives them)
/// as the browser's own paste would.
#[wasm_bindgen_test]
fn a_paste_replaces_the_selection() {
    use quantscope_web::components::fields::paste_into;
    assert_eq!(paste_into("1, 2, 3", 3, 4, "9 9"), "1, 9 9, 3");
    assert_eq!(paste_into("", 0, 0, "5"), "5");
    // "é" is one UTF-16 unit and two bytes; "𝑥" two units and four bytes.
    assert_eq!(paste_into("é𝑥: 1", 3, 3, "y"), "é𝑥y: 1");
    assert_eq!(paste_into("ab", 1, 0, "-"), "a-b", "an inverted selection is an insertion point");
    assert_eq!(paste_into("ab", 7, 9, "-"), "ab-", "offsets past the end append");
}

/// localStorage keeps the form without a text too large for it, and says which was left out.
#[wasm_bindgen_test]
fn the_stored_form_leaves_out_large_texts_only() {
    let mut form = FormState::examples();
    form.tensor.data = "0.5 ".repeat(LARGE_INPUT_BYTES / 4 + 1);
    form.values.quant.dtype = "quint8".into();
    let (kept, left_out) = form.for_storage(LARGE_INPUT_BYTES);
    assert_eq!(left_out, vec![(Tool::Tensor, form.tensor.data.len())]);
    assert_eq!(kept.tensor.data, "");
    assert_eq!(kept.values, form.values, "the other tools' fields are kept");
    assert_eq!(kept.channels.data, FormState::examples().channels.data);
    let (same, none) = FormState::examples().for_storage(LARGE_INPUT_BYTES);
    assert_eq!((same, none), (FormState::examples(), vec![]));
}
