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
