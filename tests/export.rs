//! The export glue in a real browser: files as Blobs and object URLs (revoked after the
//! download starts), the per-element CSV written in pieces, file names and settings, and the
//! share link's round trip through the URL fragment (restored exactly, never saved unedited).

mod support;

use leptos::prelude::*;
use quantscope_app::form::{FormState, Tool};
use quantscope_app::{options, results};
use quantscope_web::browser::download::{self, BlobParts};
use quantscope_web::browser::{fragment, share_link};
use quantscope_web::components::export::files::{self, Exportable};
use quantscope_web::state::AppState;
use quantscope_web::App;
use std::sync::Arc;
use support::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

async fn blob_text(blob: &web_sys::Blob) -> String {
    JsFuture::from(blob.text()).await.unwrap().as_string().unwrap()
}

/// Fetches `url`; the error when it cannot be read (a revoked object URL).
async fn fetch_text(url: &str) -> Result<String, String> {
    let response = JsFuture::from(win().fetch_with_str(url)).await.map_err(|e| format!("{e:?}"))?;
    let response: web_sys::Response = response.unchecked_into();
    let text = JsFuture::from(response.text().unwrap()).await.map_err(|e| format!("{e:?}"))?;
    Ok(text.as_string().unwrap())
}

/// Puts `fragment` in the address without a history entry or a `hashchange`.
fn set_fragment(fragment: &str) {
    let history = win().history().unwrap();
    history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(fragment)).unwrap();
}

fn exportable(tool: Tool, form: &FormState) -> Exportable {
    let report = results::run(tool, form).unwrap();
    Exportable { tool, report: report.charts.clone().unwrap(), options: Arc::new(options::tool_options(tool, form).unwrap()) }
}

#[wasm_bindgen_test]
async fn pieces_become_one_blob_of_the_given_type() {
    let mut parts = BlobParts::new();
    parts.push(b"a,b\n");
    parts.push(b"");
    parts.push("é,1\n".as_bytes());
    assert_eq!(parts.len(), 9);
    let blob = parts.into_blob(download::CSV).unwrap();
    assert_eq!(blob.size(), 9.0);
    assert_eq!(blob.type_(), download::CSV);
    assert_eq!(blob_text(&blob).await, "a,b\né,1\n");
}

#[wasm_bindgen_test]
async fn an_object_url_reads_the_file_until_it_is_revoked() {
    // (The click on `<a download>` itself is exercised by e2e/export.test.mjs, which captures
    // the downloads; here it would leave files in the test browser's download folder.)
    let blob = download::blob(b"quantscope test file", "text/plain").unwrap();
    let url = download::object_url(&blob).unwrap();
    assert!(url.starts_with("blob:"), "{url}");
    assert_eq!(fetch_text(&url).await.unwrap(), "quantscope test file");
    download::revoke_later(url.clone(), 10).unwrap();
    assert_eq!(fetch_text(&url).await.unwrap(), "quantscope test file", "not yet");
    sleep(50).await;
    assert!(fetch_text(&url).await.is_err(), "the object URL is revoked");
}

#[wasm_bindgen_test]
async fn the_element_csv_in_pieces_is_the_crates_csv() {
    let mut form = FormState::examples();
    // More rows than one piece, so the page is yielded to in between.
    let values: Vec<String> = (0..files::ROWS_PER_PIECE + 1234).map(|i| format!("{}", (i as f64 * 0.37).sin())).collect();
    form.values.data = values.join(", ");
    let ex = exportable(Tool::Values, &form);
    let progress = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let parts = files::elements_csv(&ex, {
        let progress = progress.clone();
        move |written, total| progress.borrow_mut().push((written, total))
    })
    .await
    .unwrap();
    let total = files::ROWS_PER_PIECE + 1234;
    assert_eq!(*progress.borrow(), [(files::ROWS_PER_PIECE, total), (total, total)]);
    let results::ChartData::Values(report) = &ex.report else { panic!("not a values report") };
    let text = blob_text(&parts.into_blob(download::CSV).unwrap()).await;
    assert_eq!(text, quantscope_export::elements_csv(&**report));
}

#[wasm_bindgen_test]
fn file_names_carry_the_tensor_tool_convention_and_key_options() {
    let mut form = FormState::examples();
    form.channels.quant.convention = "pytorch".into();
    let ex = exportable(Tool::Channels, &form);
    assert_eq!(ex.results_name(), "conv1.weight_channels_pytorch_qint8_affine.csv");
    assert_eq!(ex.elements_name(), "conv1.weight_channels_pytorch_qint8_affine_elements.csv");
    assert_eq!(ex.settings_name(), "conv1.weight_channels_pytorch_qint8_affine_settings.json");
    assert_eq!(ex.pdf_name(quantscope_export::Paper::Letter), "conv1.weight_channels_pytorch_qint8_affine_letter.pdf");
    form.channels.granularity = "per-tensor".into();
    form.channels.quant.rounding = "floor".into();
    form.channels.tensor_name = "../evil name/=x".into();
    assert_eq!(
        exportable(Tool::Channels, &form).results_name(),
        "_evil_name_=x_channels_pytorch-custom_qint8_affine_per-tensor.csv".replace('=', "_")
    );
    assert_eq!(files::file_safe(" .. "), "tensor");
    // The values tool is always per tensor: not repeated in its names.
    let values = exportable(Tool::Values, &FormState::examples());
    assert_eq!(values.results_name(), "activations_values_textbook-custom_qint8_symmetric.csv");
}

#[wasm_bindgen_test]
fn the_settings_name_the_convention_and_every_option() {
    let form = FormState::examples();
    let ex = exportable(Tool::Values, &form);
    let json: serde_json::Value = serde_json::from_str(&ex.settings_json(&form)).unwrap();
    assert_eq!(json["tool"], "values");
    assert_eq!(json["convention"], "textbook (custom: symmetric_divisor)");
    assert_eq!(json["options"]["range"], "-1.5:1.5");
    assert_eq!(json["options"]["rounding"], "half-even");
    assert_eq!(json["form"]["range_mode"], "custom");
    assert_eq!(json["input"], form.values.data.as_str());
    assert_eq!(
        json["command"],
        "quantscope values --convention=textbook --dtype=qint8 --scheme=symmetric --rounding=half-even \
         --symmetric-divisor=qmax --range=-1.5:1.5 --name=activations"
    );
    assert_eq!(json["files"][0], ex.results_name());
}

#[wasm_bindgen_test]
fn a_link_carries_the_whole_form_and_the_tool() {
    let mut form = FormState::examples();
    form.tensor.data = "a: 1, 2, 3\n=cmd(): -1, 0.5, 0.25".into();
    form.tensor.quant.convention = "onnxruntime".into();
    form.values.range = "-2:2".into();
    form.display.precision = 4;
    let fragment = share_link::fragment_for(Tool::Tensor, &form).unwrap();
    assert!(fragment.starts_with("tensor&share=1."), "{fragment}");
    assert_eq!(Tool::from_fragment(&fragment), Some(Tool::Tensor), "the tab part still names the tool");
    assert_eq!(share_link::decode(&format!("#{fragment}")), Some(Ok((Tool::Tensor, form.clone()))));
    // Without the tab part, the state's tool.
    let bare = share_link::share_part(&fragment).unwrap();
    assert_eq!(share_link::decode(bare), Some(Ok((Tool::Tensor, form))));
    assert_eq!(share_link::decode("#values"), None);
    let damaged = share_link::decode(&fragment[..fragment.len() - 20]).unwrap().unwrap_err();
    assert!(damaged.to_string().starts_with("not a quantscope link"), "{damaged}");
}

#[wasm_bindgen_test]
fn too_large_a_form_is_refused_with_the_share_modules_message() {
    let mut form = FormState::examples();
    // Values that do not compress well (the fractional digits of a sine).
    let values: Vec<String> = (0..4000).map(|i| format!("{:.6}", (f64::from(i) * 12.9898).sin())).collect();
    form.values.data = values.join(", ");
    let error = share_link::fragment_for(Tool::Values, &form).unwrap_err().to_string();
    assert!(error.starts_with("too large for a link: ") && error.ends_with("use Export instead"), "{error}");
}

#[wasm_bindgen_test]
async fn opening_a_link_restores_its_form_unsaved_until_edited() {
    clean_slate();
    let mut saved = FormState::examples();
    saved.values.data = "9, 8, 7".into();
    quantscope_web::browser::storage::save(quantscope_web::state::STORAGE_KEY, &saved).unwrap();
    let saved_json = stored_form().unwrap();

    let mut linked = FormState::examples();
    linked.values.data = "0.5, -0.25, 1".into();
    linked.values.tensor_name = "linked".into();
    let fragment = share_link::fragment_for(Tool::Values, &linked).unwrap();
    set_fragment(&format!("#{fragment}"));

    let root = container();
    let _app = leptos::mount::mount_to(root.clone(), App);
    tick().await;
    assert_eq!(value(&get(&root, "values-data")), "0.5, -0.25, 1");
    assert_eq!(value(&get(&root, "values-tensor-name")), "linked");
    assert_eq!(get(&root, "tab-values").get_attribute("aria-selected").as_deref(), Some("true"));
    assert!(text(&root, "storage-note").contains("Opened from a link"));
    assert_eq!(fragment::current(), fragment, "the link stays in the address until an edit");
    assert!(share_link::is_open());
    // Enter (a commit without a change) saves nothing.
    key(&get(&root, "values-tensor-name"), "Enter");
    tick().await;
    assert_eq!(stored_form().unwrap(), saved_json, "the saved form is untouched");

    // The first edit saves, ends the link and its note.
    type_into(&get(&root, "values-tensor-name"), "edited");
    key(&get(&root, "values-tensor-name"), "Enter");
    tick().await;
    assert!(stored_form().unwrap().contains("\"edited\""));
    assert_eq!(fragment::current(), "values");
    assert!(by_testid(&root, "storage-note").is_none());
    assert!(!share_link::is_open());
    root.remove();
}

#[wasm_bindgen_test]
async fn copy_link_asks_the_worker_and_the_workers_link_is_the_form() {
    // Since 38761ec the link is compressed in the worker (ExportFile::ShareLink, which calls
    // share_link::fragment_for), which this test page cannot start: the click says the link is being
    // made and shows no link yet; e2e/export.test.mjs checks the link and the clipboard on the real page.
    clean_slate();
    let root = container();
    let _app = leptos::mount::mount_to(root.clone(), App);
    tick().await;
    click(&get(&root, "channels-copy-link"));
    tick().await;
    assert_eq!(text(&root, "channels-share-status"), "Making the link…");
    assert!(by_testid(&root, "channels-share-link").is_none());
    // What the worker answers for this form: a link that opens it again.
    let fragment = share_link::fragment_for(Tool::Channels, &FormState::examples()).unwrap();
    let link = share_link::url_with(&fragment);
    let fragment = link.split_once('#').unwrap().1;
    assert_eq!(share_link::decode(fragment), Some(Ok((Tool::Channels, FormState::examples()))));
    root.remove();
}

#[wasm_bindgen_test]
fn a_damaged_link_keeps_the_saved_form_and_says_why() {
    clean_slate();
    set_fragment("#tensor&share=1.AAAA");
    let owner = Owner::new();
    owner.with(|| {
        let state = AppState::restore();
        assert_eq!(state.form.get_untracked(), FormState::examples());
        assert_eq!(state.tool.get_untracked(), Tool::Tensor);
        let note = state.restore_note.get_untracked().unwrap();
        assert!(note.contains("This link could not be opened (not a quantscope link"), "{note}");
        assert!(!share_link::is_open());
    });
}
