//! The page <-> worker messages are [`quantscope_app::protocol`] (tested natively there); here the
//! page's reading of a reply, whose export file's bytes stay in the JS heap.

pub use quantscope_app::protocol::*;

/// A file's bytes as they arrived, in the JS heap (none: the reply had no file beside it).
#[derive(Clone, Debug, Default)]
pub struct JsBytes(pub Option<web_sys::js_sys::Uint8Array>);

/// The same JS array (not equal contents: comparing a million values' CSV would cost a pass).
impl PartialEq for JsBytes {
    fn eq(&self, other: &Self) -> bool {
        let js = |b: &JsBytes| b.0.as_ref().map(|a| wasm_bindgen::JsValue::from(a.clone()));
        js(self) == js(other)
    }
}

/// A reply as the page holds it: an export file's bytes beside it, in the JS heap.
pub type Reply = quantscope_app::protocol::Reply<JsBytes>;

/// A message's JSON as the bytes of a `Uint8Array` (its buffer can be transferred). A large
/// input's request (7.4 MB of text for a million values) and its reply (1.6 MB) cross between the
/// page's wasm and the worker's as bytes, copied once each way; as a JS string they were decoded
/// from UTF-8 on one side and encoded again on the other, on the page's main thread too.
pub fn json_message<T: serde::Serialize>(value: &T) -> Option<web_sys::js_sys::Uint8Array> {
    let json = serde_json::to_vec(value).ok()?;
    Some(web_sys::js_sys::Uint8Array::from(json.as_slice()))
}

/// A message's JSON: the bytes of a [`json_message`], or a string (the Compare view's messages).
pub fn read_json_message<T: serde::de::DeserializeOwned>(part: &wasm_bindgen::JsValue) -> Option<T> {
    use wasm_bindgen::JsCast;
    if let Some(text) = part.as_string() {
        return serde_json::from_str(&text).ok();
    }
    // Read as a `str` (its UTF-8 checked first, about a millisecond for a large reply), as the
    // string messages are: one reader type for each message type (`from_slice` would build the
    // whole `Reply` deserializer a second time, 13 KB gzip of the page's wasm).
    let text = String::from_utf8(part.dyn_ref::<web_sys::js_sys::Uint8Array>()?.to_vec()).ok()?;
    serde_json::from_str(&text).ok()
}
