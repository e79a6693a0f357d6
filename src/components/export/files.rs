//! What the Export section hands out is made by [`quantscope_app::export`] (the worker makes a
//! large input's files with the same functions); here only what needs the browser: the per-element
//! CSV written in pieces into the JS heap, yielding to the page in between, and today's date.

use quantscope_export::ElementRows;

use crate::browser::download::{self, BlobParts};

pub use quantscope_app::export::{file_safe, Exportable, SETTINGS_INPUT_LIMIT};

/// Per-element rows written between two yields to the page (a few milliseconds of work).
pub const ROWS_PER_PIECE: usize = 20_000;

/// The per-element table of `exportable`, written [`ROWS_PER_PIECE`] rows at a time: each piece
/// goes to the JS heap at once and the page gets to run between pieces; `progress(rows written,
/// total)` after each piece.
pub async fn elements_csv(exportable: &Exportable, progress: impl Fn(usize, usize)) -> Result<BlobParts, String> {
    let mut rows = ElementRows::new(exportable.analysis());
    let total = rows.total();
    let mut parts = BlobParts::new();
    let mut piece = Vec::new();
    loop {
        let more = rows.write(&mut piece, ROWS_PER_PIECE).map_err(|e| e.to_string())?;
        parts.push(&piece);
        piece.clear();
        progress(rows.written(), total);
        if !more {
            return Ok(parts);
        }
        download::yield_to_page().await;
    }
}

/// Today's date (UTC) as `YYYY-MM-DD`, for the PDF.
pub fn today() -> String {
    let iso = String::from(web_sys::js_sys::Date::new_0().to_iso_string());
    iso.chars().take(10).collect()
}
