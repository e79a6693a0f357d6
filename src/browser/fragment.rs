//! The URL fragment (`#channels`, `#tensor`, `#values`) that names the open tool.

use leptos::ev;
use leptos::leptos_dom::helpers::{window_event_listener, WindowListenerHandle};

/// The current fragment without its `#` (empty when there is none).
pub fn current() -> String {
    web_sys::window().and_then(|w| w.location().hash().ok()).map(|hash| hash.trim_start_matches('#').to_string()).unwrap_or_default()
}

/// Navigates to `#slug` (a history entry, so Back returns to the previous tool). Does nothing when
/// the fragment is already `slug`.
pub fn set(slug: &str) {
    if current() == slug {
        return;
    }
    if let Some(window) = web_sys::window() {
        let _ = window.location().set_hash(slug);
    }
}

/// Rewrites the fragment to `#slug` without a history entry and without a `hashchange` event
/// (used on start-up to show which tool is open).
pub fn replace(slug: &str) {
    if current() == slug {
        return;
    }
    if let Some(window) = web_sys::window() {
        if let Ok(history) = window.history() {
            let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&format!("#{slug}")));
        }
    }
}

/// Calls `on_change` with the new fragment (without `#`) whenever it changes.
pub fn on_change(on_change: impl Fn(String) + 'static) -> WindowListenerHandle {
    window_event_listener(ev::hashchange, move |_| on_change(current()))
}
