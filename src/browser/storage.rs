//! localStorage as JSON. Storage can be missing (blocked cookies, some private modes) or full:
//! every function degrades to "nothing kept" instead of failing the page.

use serde::{de::DeserializeOwned, Serialize};

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// What [`load`] found under a key.
#[derive(Debug, PartialEq)]
pub enum Loaded<T> {
    /// Nothing stored (or no storage at all).
    Missing,
    Found(T),
    /// Something is stored but does not parse as `T`; the raw text is returned so it can be kept.
    Unreadable {
        raw: String,
        error: String,
    },
}

pub fn load<T: DeserializeOwned>(key: &str) -> Loaded<T> {
    let Some(raw) = local_storage().and_then(|s| s.get_item(key).ok().flatten()) else {
        return Loaded::Missing;
    };
    match serde_json::from_str(&raw) {
        Ok(value) => Loaded::Found(value),
        Err(error) => Loaded::Unreadable { raw, error: error.to_string() },
    }
}

/// Stores `value` as JSON; the error says why it could not be kept (no storage, quota).
pub fn save<T: Serialize>(key: &str, value: &T) -> Result<(), String> {
    let json = serde_json::to_string(value).map_err(|e| e.to_string())?;
    save_raw(key, &json)
}

pub fn save_raw(key: &str, text: &str) -> Result<(), String> {
    let storage = local_storage().ok_or_else(|| "localStorage is not available".to_string())?;
    storage.set_item(key, text).map_err(|e| format!("localStorage refused to store {key}: {e:?}"))
}

pub fn remove(key: &str) {
    if let Some(storage) = local_storage() {
        let _ = storage.remove_item(key);
    }
}
