//! The worker's side of the Files tool's *Compare formats* view: [`CompareRequest`]s (a message
//! type of their own beside [`quantscope_app::protocol::Request`]). The files posted beside a
//! `Compare` request are one model (shards, an index naming them, `.npz`/`.npy`, GGUF), read tensor
//! by tensor by [`quantscope_app::compare::compare_model`], the function `quantscope compare` runs;
//! plans and the PDF come from the same functions as `quantscope plan` and its writers.

use quantscope_app::compare::{self, CompareRequest};
use quantscope_app::protocol::Sent;
use quantscope_export::number::Precision;
use quantscope_export::PdfOptions;
use quantscope_weights::Source;
use wasm_bindgen::JsCast;
use web_sys::File;

use super::blob_source::BlobSource;

/// Answers `text` if it is a compare request (the files beside it in `message`); whether it was.
pub fn handle(text: &str, message: &web_sys::js_sys::Array) -> bool {
    let Ok(request) = serde_json::from_str::<CompareRequest>(text) else {
        return false;
    };
    let job = request.job();
    if let Err(message) = answer(request, message) {
        post(&Sent::Failed { job, message });
    }
    true
}

/// The text of a small file (an index), read through its blob.
fn text_of(file: &File) -> Result<String, String> {
    let name = file.name();
    let mut source = BlobSource::new(file.clone().into()).map_err(|e| format!("{name}: cannot read the file: {e:?}"))?;
    let mut bytes = vec![0u8; source.len().min(64 << 20) as usize];
    source.read_at(0, &mut bytes).map_err(|e| format!("{name}: {e}"))?;
    String::from_utf8(bytes).map_err(|e| format!("{name}: not UTF-8 text: {e}"))
}

fn answer(request: CompareRequest, message: &web_sys::js_sys::Array) -> Result<(), String> {
    let started = web_sys::js_sys::Date::now();
    match request {
        CompareRequest::Compare { job, formats } => {
            let formats = compare::parse_formats(&formats).map_err(|e| e.message)?;
            let dropped: Vec<File> = (1..message.length()).filter_map(|i| message.get(i).dyn_into::<File>().ok()).collect();
            let names: Vec<String> = dropped.iter().map(File::name).collect();
            let index = match names.iter().position(|n| compare::is_index(n)) {
                Some(i) => Some((names[i].clone(), text_of(&dropped[i])?)),
                None => None,
            };
            let order = compare::dropped_model(&names, index.as_ref().map(|(n, t)| (n.as_str(), t.as_str())))?;
            let mut files = Vec::with_capacity(order.len());
            for i in order {
                let source =
                    BlobSource::new(dropped[i].clone().into()).map_err(|e| format!("{}: cannot read the file: {e:?}", names[i]))?;
                files.push(compare::open(&names[i], source)?);
            }
            let total = compare::bytes_to_read(&files);
            // At most one progress message per 50 ms (and the last chunk): the page redraws on each.
            let mut last_post = 0.0;
            let report = compare::compare_model(files, &formats, &mut |done, tensor| {
                let now = web_sys::js_sys::Date::now();
                if now - last_post >= 50.0 || done == total {
                    last_post = now;
                    post(&Sent::Progress { job, done, total, tensor });
                }
            })?;
            let json = quantscope_export::compare::compare_json(&report).map_err(|e| e.to_string())?;
            let csv = quantscope_export::compare::compare_csv(&report).map_err(|e| e.to_string())?;
            let elapsed_ms = web_sys::js_sys::Date::now() - started;
            post_reply(&compare::CompareReply::Compared { job, json, csv, elapsed_ms, memory_bytes: memory_bytes() });
        }
        CompareRequest::Plan { job, report, form } => {
            let report = serde_json::from_str(&report).map_err(|e| format!("not a compare report: {e}"))?;
            let (_, files) = compare::plan_files(&report, &form)?;
            post_reply(&compare::CompareReply::Planned { job, files });
        }
        CompareRequest::ComparePdf { job, report, plan, model, paper, date, decimals } => {
            let options = PdfOptions { paper, date, precision: Precision::Decimals(usize::from(decimals)), ..PdfOptions::default() };
            let pdf = compare::compare_pdf(&report, plan.as_ref(), &model, &options)?;
            let reply: compare::CompareReply = compare::CompareReply::Pdf { job, bytes: () };
            let Ok(json) = serde_json::to_string(&reply) else { return Err("the reply could not be written".into()) };
            post_with_file(&json, &pdf);
        }
    }
    Ok(())
}

fn scope() -> web_sys::DedicatedWorkerGlobalScope {
    web_sys::js_sys::global().unchecked_into()
}

/// The worker's own messages (`Failed`, `Progress`), as the Files tool's requests get them.
fn post(sent: &Sent) {
    if let Ok(json) = serde_json::to_string(sent) {
        let _ = scope().post_message(&json.into());
    }
}

fn post_reply(reply: &compare::CompareReply) {
    if let Ok(json) = serde_json::to_string(reply) {
        let _ = scope().post_message(&json.into());
    }
}

/// `[json, bytes]`, the bytes' buffer transferred (not copied).
fn post_with_file(json: &str, bytes: &[u8]) {
    let message = web_sys::js_sys::Array::of1(&json.into());
    let array = web_sys::js_sys::Uint8Array::from(bytes);
    let transfer = web_sys::js_sys::Array::of1(&array.buffer());
    message.push(&array);
    let _ = scope().post_message_with_transfer(&message, &transfer);
}

/// The worker's wasm memory now (it never shrinks: its peak).
fn memory_bytes() -> f64 {
    let memory: web_sys::js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    memory.buffer().unchecked_into::<web_sys::js_sys::ArrayBuffer>().byte_length() as f64
}
