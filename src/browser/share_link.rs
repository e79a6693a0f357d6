//! Share links: the whole form in the URL fragment, next to the tool's own fragment:
//! `#tensor&share=1.<data>` (see docs/export.md). `<data>` is `quantscope_export::share`'s encoding of a
//! [`SharedForm`] (JSON, deflate, base64url); the first part names the tool as every fragment
//! does, so the tabs keep working. `#share=1.<data>` alone opens the tool the state names.
//!
//! A link's form is shown without being saved: the form saved in this browser stays as it was
//! until the user changes something ([`should_save`]), and the first change takes the share part
//! out of the address (the link no longer describes the page).

use std::cell::RefCell;

use leptos::prelude::*;
use quantscope_export::share::{self, ShareError};
use serde::{Deserialize, Serialize};

use crate::browser::fragment;
use crate::state::AppState;
use quantscope_app::form::{FormState, Tool};

/// What a link carries: the open tool and every field of the form (inputs as typed).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SharedForm {
    /// `channels`, `tensor` or `values`.
    pub tool: String,
    pub form: FormState,
}

thread_local! {
    /// The form a link opened, while it has not been edited.
    static OPENED: RefCell<Option<FormState>> = const { RefCell::new(None) };
}

/// The fragment (without `#`) of a link to `form` with `tool` open; too large a form gives the
/// share module's error (`too large for a link: ...`).
pub fn fragment_for(tool: Tool, form: &FormState) -> Result<String, ShareError> {
    let state = SharedForm { tool: tool.slug().into(), form: form.clone() };
    Ok(format!("{}&{}", tool.slug(), share::encode(&state)?))
}

/// The page's address with `fragment`.
pub fn url_with(fragment: &str) -> String {
    let href = web_sys::window().and_then(|w| w.location().href().ok()).unwrap_or_default();
    let base = href.split('#').next().unwrap_or_default();
    format!("{base}#{fragment}")
}

/// The share part of a fragment (`share=1.…`), if it has one.
pub fn share_part(fragment: &str) -> Option<&str> {
    fragment.trim_start_matches('#').split('&').find(|part| share::is_share(part))
}

/// The tool and form a fragment carries: `None` for a plain fragment (`#values`), the share
/// module's error for a damaged link. The fragment's first part names the tool; without one, the
/// state's tool.
pub fn decode(fragment: &str) -> Option<Result<(Tool, FormState), ShareError>> {
    let part = share_part(fragment)?;
    Some(share::decode::<SharedForm>(part).map(|shared| {
        let tool = Tool::from_fragment(fragment).or_else(|| Tool::from_fragment(&shared.tool)).unwrap_or(Tool::Channels);
        (tool, shared.form)
    }))
}

const OPENED_NOTE: &str =
    "Opened from a link: this is the linked form. The form saved in this browser is kept until you change something here.";

fn broken_note(error: &ShareError) -> String {
    format!("This link could not be opened ({error}).")
}

/// Page load: the form and tool of a share link in the address, if there is one (with a note
/// saying so, or why the link could not be opened, in which case the saved form stays).
pub fn open_at_load(saved: FormState, note: Option<String>) -> (FormState, Option<String>, Option<Tool>) {
    OPENED.with_borrow_mut(|opened| *opened = None);
    match decode(&fragment::current()) {
        None => (saved, note, None),
        Some(Ok((tool, form))) => {
            OPENED.with_borrow_mut(|opened| *opened = Some(form.clone()));
            (form, Some(OPENED_NOTE.into()), Some(tool))
        }
        Some(Err(error)) => {
            let note = [note, Some(broken_note(&error))].into_iter().flatten().collect::<Vec<_>>().join(" ");
            (saved, Some(note), None)
        }
    }
}

/// A new fragment while the page is open (a link pasted in this tab, Back to a link): shows the
/// link's form, unsaved. Plain fragments do nothing here.
pub fn follow(state: AppState, fragment: &str) {
    match decode(fragment) {
        None => {}
        Some(Ok((tool, form))) => {
            OPENED.with_borrow_mut(|opened| *opened = Some(form.clone()));
            state.form.set(form.clone());
            state.committed.set(form);
            state.tool.set(tool);
            state.restore_note.set(Some(OPENED_NOTE.into()));
        }
        Some(Err(error)) => state.restore_note.set(Some(broken_note(&error))),
    }
}

/// Whether a link's form is on screen, unedited.
pub fn is_open() -> bool {
    OPENED.with_borrow(Option::is_some)
}

/// Whether `form` should be saved: not while it is still exactly the form a link opened. The
/// first edit ends the link: the share part leaves the address, the note goes, saving resumes.
pub fn should_save(state: AppState, form: &FormState) -> bool {
    let unedited = OPENED.with_borrow(|opened| opened.as_ref().map(|o| o == form));
    match unedited {
        None => true,
        Some(true) => false,
        Some(false) => {
            OPENED.with_borrow_mut(|opened| *opened = None);
            if share_part(&fragment::current()).is_some() {
                fragment::replace(state.tool.get_untracked().slug());
            }
            if state.restore_note.with_untracked(|n| n.as_deref() == Some(OPENED_NOTE)) {
                state.restore_note.set(None);
            }
            true
        }
    }
}
