//! Files made in the page and handed to the browser's download: the bytes become a `Blob` (built
//! from pieces, so a large file never has to exist as one buffer in wasm memory), an object URL,
//! and a click on an `<a download>`; the URL is revoked once the click has started the download.
//! Nothing is sent anywhere.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::js_sys::{Array, Promise, Uint8Array};

/// MIME types of the files the app makes.
pub const CSV: &str = "text/csv;charset=utf-8";
pub const JSON: &str = "application/json";
pub const PDF: &str = "application/pdf";

/// How long an object URL outlives the click that downloads it.
const REVOKE_AFTER_MS: i32 = 1_000;

fn error(e: JsValue) -> String {
    e.as_string().or_else(|| e.dyn_ref::<web_sys::js_sys::Error>().map(|e| String::from(e.message()))).unwrap_or_else(|| format!("{e:?}"))
}

/// A file being assembled from pieces of bytes. Each piece is copied out of wasm memory into
/// the JS heap when added, so the wasm side only ever holds the piece being written.
pub struct BlobParts {
    parts: Array,
    bytes: usize,
}

impl Default for BlobParts {
    fn default() -> Self {
        BlobParts::new()
    }
}

impl BlobParts {
    pub fn new() -> Self {
        BlobParts { parts: Array::new(), bytes: 0 }
    }

    /// Appends a copy of `bytes`.
    pub fn push(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        self.parts.push(&Uint8Array::from(bytes));
        self.bytes += bytes.len();
    }

    /// Appends bytes already in the JS heap (a worker's file) without copying them into wasm.
    pub fn push_js(&mut self, bytes: Uint8Array) {
        self.bytes += bytes.length() as usize;
        self.parts.push(&bytes);
    }

    /// Bytes appended so far.
    pub fn len(&self) -> usize {
        self.bytes
    }

    pub fn is_empty(&self) -> bool {
        self.bytes == 0
    }

    /// The file as a `Blob` of type `mime`.
    pub fn into_blob(self, mime: &str) -> Result<web_sys::Blob, String> {
        let options = web_sys::BlobPropertyBag::new();
        options.set_type(mime);
        web_sys::Blob::new_with_u8_array_sequence_and_options(&self.parts, &options).map_err(error)
    }
}

/// A `Blob` of `bytes`.
pub fn blob(bytes: &[u8], mime: &str) -> Result<web_sys::Blob, String> {
    let mut parts = BlobParts::new();
    parts.push(bytes);
    parts.into_blob(mime)
}

/// Starts the browser's download of `blob` as `file_name`: an object URL, a click on a detached
/// `<a download>`, the URL revoked shortly after.
pub fn save(blob: &web_sys::Blob, file_name: &str) -> Result<(), String> {
    let url = object_url(blob)?;
    let clicked = click_download(&url, file_name);
    // The click has handed the URL to the download; revoke it once that has surely read it (or
    // at once when the click failed).
    match clicked {
        Ok(()) => revoke_later(url, REVOKE_AFTER_MS),
        Err(e) => {
            let _ = web_sys::Url::revoke_object_url(&url);
            Err(e)
        }
    }
}

/// A `blob:` URL for `blob` (to be revoked).
pub fn object_url(blob: &web_sys::Blob) -> Result<String, String> {
    web_sys::Url::create_object_url_with_blob(blob).map_err(error)
}

fn click_download(url: &str, file_name: &str) -> Result<(), String> {
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let a: web_sys::HtmlAnchorElement = document.create_element("a").map_err(error)?.unchecked_into();
    a.set_href(url);
    a.set_download(file_name);
    a.set_rel("noopener");
    a.click();
    Ok(())
}

/// Revokes `url` after `ms` milliseconds.
pub fn revoke_later(url: String, ms: i32) -> Result<(), String> {
    let window = web_sys::window().ok_or("no window")?;
    let revoke = wasm_bindgen::closure::Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    window.set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), ms).map(|_| ()).map_err(error)
}

/// Lets the page breathe: resolves on the next macrotask, after pending input, rendering and
/// timers. Long jobs await it between pieces so the page stays responsive.
pub async fn yield_to_page() {
    let promise = Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0);
        }
    });
    let _ = JsFuture::from(promise).await;
}
