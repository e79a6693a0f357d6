//! Copying text (full-precision numbers, whole tables as TSV) to the clipboard.

use wasm_bindgen_futures::JsFuture;

/// Writes `text` to the clipboard. The error is for the user ("copy failed: ..."), e.g. when the
/// page is not in a secure context or the browser denies the permission.
pub async fn copy_text(text: &str) -> Result<(), String> {
    let window = web_sys::window().ok_or("no window")?;
    let promise = window.navigator().clipboard().write_text(text);
    JsFuture::from(promise).await.map(|_| ()).map_err(|e| e.as_string().unwrap_or_else(|| format!("{e:?}")))
}
