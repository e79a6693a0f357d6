//! Browser glue: everything that touches `window` lives here, behind small functions the
//! components call, so the components stay about the page and these are tested on their own
//! (tests/browser.rs) in a real browser.

pub mod clipboard;
pub mod download;
pub mod fragment;
pub mod frames;
pub mod share_link;
pub mod storage;
pub mod timer;
