//! The page's state, provided through context: the form as typed, the form the results were last
//! computed from (the debounced copy), and the open tool.

use std::time::Duration;

use leptos::prelude::*;

use crate::browser::{fragment, share_link, storage, timer::Debouncer};
use quantscope_app::form::{FormState, Tool};

/// localStorage key of the whole form. Bump the version only for an incompatible change; new
/// fields need no bump (`#[serde(default)]`).
pub const STORAGE_KEY: &str = "quantscope.form.v1";
/// Where an unreadable saved form is moved, so it is never silently destroyed.
pub const UNREADABLE_KEY: &str = "quantscope.form.unreadable";
/// Quiet time after the last keystroke before results are recomputed and the form saved.
pub const DEBOUNCE: Duration = Duration::from_millis(150);
/// Data texts up to this size are kept in localStorage with the form (a browser keeps about 5 MB per
/// page); larger ones (pasted megabytes, analysed in the worker) are left out, the rest kept.
pub const STORED_TEXT_BYTES: usize = quantscope_app::results::large::LARGE_INPUT_BYTES;

#[derive(Clone, Copy)]
pub struct AppState {
    /// Everything as the user typed it, updated on every keystroke.
    pub form: RwSignal<FormState>,
    /// The form results are computed from: `form` once typing paused (or Enter was pressed).
    pub committed: RwSignal<FormState>,
    pub tool: RwSignal<Tool>,
    /// Why the saved form could not be restored, if it could not.
    pub restore_note: RwSignal<Option<String>>,
    /// Why the last save failed (no storage, quota), until a save succeeds.
    pub save_error: RwSignal<Option<String>>,
    debouncer: Debouncer,
}

impl AppState {
    /// The state for a page load: the saved form (or the examples) and the tool named by the URL
    /// fragment (or Channels).
    pub fn restore() -> Self {
        let (form, note) = match storage::load::<FormState>(STORAGE_KEY) {
            storage::Loaded::Found(form) => (form, None),
            storage::Loaded::Missing => (FormState::examples(), None),
            storage::Loaded::Unreadable { raw, error } => {
                let _ = storage::save_raw(UNREADABLE_KEY, &raw);
                let note = format!(
                    "The saved form could not be read ({error}); the examples are shown. \
                     The unreadable copy is kept in localStorage under \"{UNREADABLE_KEY}\"."
                );
                (FormState::examples(), Some(note))
            }
        };
        // A share link in the address shows its form (unsaved) instead.
        let (form, note, linked) = share_link::open_at_load(form, note);
        let tool = linked.or_else(|| Tool::from_fragment(&fragment::current())).unwrap_or(Tool::Channels);
        AppState {
            form: RwSignal::new(form.clone()),
            committed: RwSignal::new(form),
            tool: RwSignal::new(tool),
            restore_note: RwSignal::new(note),
            save_error: RwSignal::new(None),
            debouncer: Debouncer::new(DEBOUNCE),
        }
    }

    /// Changes the form as typed; results follow after the debounce.
    pub fn edit(&self, change: impl FnOnce(&mut FormState)) {
        self.form.update(change);
        let state = *self;
        self.debouncer.schedule(move || state.commit());
    }

    /// Changes the form and recomputes at once (selects, checkboxes, buttons).
    pub fn edit_now(&self, change: impl FnOnce(&mut FormState)) {
        self.form.update(change);
        self.commit();
    }

    /// Recomputes from the form as typed now (Enter, page hide) and saves it.
    pub fn commit(&self) {
        self.debouncer.cancel();
        let Some(form) = self.form.try_get_untracked() else {
            return;
        };
        // A link's form, not edited, is shown but not saved over the user's own.
        if share_link::should_save(*self, &form) {
            let (kept, left_out) = form.for_storage(STORED_TEXT_BYTES);
            let save_error = storage::save(STORAGE_KEY, &kept).err().or_else(|| {
                let texts: Vec<String> = left_out
                    .iter()
                    .map(|(tool, bytes)| format!("the {} tool's text ({:.1} MB)", tool.title(), *bytes as f64 / 1e6))
                    .collect();
                (!texts.is_empty())
                    .then(|| format!("{}: too large for this browser's storage; the rest of the form is kept", texts.join(" and ")))
            });
            if self.save_error.with_untracked(|e| *e != save_error) {
                self.save_error.set(save_error);
            }
        }
        if self.committed.with_untracked(|c| *c != form) {
            self.committed.set(form);
        }
    }

    /// Whether typing is waiting for the debounce (results are about to change).
    pub fn is_pending(&self) -> bool {
        self.debouncer.is_pending()
    }

    /// Puts back the seed examples (every tool) and keeps the display preferences.
    pub fn reset(&self) {
        self.edit_now(|form| {
            let display = form.display.clone();
            *form = FormState::examples();
            form.display = display;
        });
    }

    /// Opens a tool: the URL fragment follows (and the fragment's listener sets `tool`).
    pub fn open(&self, tool: Tool) {
        self.tool.set(tool);
        fragment::set(tool.slug());
    }

    /// A read/write view of one field of the form: a memo (views re-render only when that field
    /// changes) and a setter that edits through [`AppState::edit`] (debounced) or
    /// [`AppState::edit_now`].
    pub fn lens<T>(
        &self,
        get: impl Fn(&FormState) -> T + Send + Sync + 'static,
        set: impl Fn(&mut FormState, T) + Copy + Send + Sync + 'static,
        when: Commit,
    ) -> Lens<T>
    where
        T: Clone + PartialEq + Send + Sync + 'static,
    {
        let form = self.form;
        let state = *self;
        Lens {
            value: Memo::new(move |_| form.with(&get)).into(),
            set: Callback::new(move |value: T| match when {
                Commit::Debounced => state.edit(|form| set(form, value)),
                Commit::Now => state.edit_now(|form| set(form, value)),
            }),
        }
    }
}

/// When a lens's edits reach the results.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Commit {
    /// Text typed: after the debounce.
    Debounced,
    /// Discrete choices: at once.
    Now,
}

/// One field of the form, readable and writable.
pub struct Lens<T: Send + Sync + 'static> {
    pub value: Signal<T>,
    pub set: Callback<T>,
}

impl<T: Send + Sync + 'static> Clone for Lens<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Lens<T> {}

/// The app state from context (provided by [`crate::App`]).
pub fn use_app_state() -> AppState {
    expect_context::<AppState>()
}
