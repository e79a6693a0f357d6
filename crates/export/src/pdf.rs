//! A small page-layout layer over `pdf-writer`: running text, headings, key/value lists, tables
//! paginated with a repeated header row and right-aligned numbers, and chart regions drawn through
//! [`PdfBackend`]. Text is real text in the base-14 Helvetica (WinAnsi; maths in Symbol; see
//! [`crate::font`]), so it can be selected, searched and extracted.
//!
//! The report itself (what goes on the pages) is in [`crate::tool_pdf`].

use crate::font::{self, Font};
use crate::pdf_backend::{alpha_name, PdfBackend};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use plotters::coord::Shift;
use plotters::prelude::{DrawingArea, IntoDrawingArea};
use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

/// Paper size.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Paper {
    /// ISO A4, 210 × 297 mm.
    #[default]
    A4,
    /// US Letter, 8.5 × 11 in.
    Letter,
}

impl Paper {
    /// Width and height in points.
    pub fn size(self) -> (f32, f32) {
        match self {
            Paper::A4 => (595.276, 841.89),
            Paper::Letter => (612.0, 792.0),
        }
    }

    /// `a4` or `letter`.
    pub fn name(self) -> &'static str {
        match self {
            Paper::A4 => "a4",
            Paper::Letter => "letter",
        }
    }
}

impl fmt::Display for Paper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Paper {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "a4" => Ok(Paper::A4),
            "letter" | "us-letter" => Ok(Paper::Letter),
            _ => Err(format!("unknown paper `{s}` (expected a4 or letter)")),
        }
    }
}

/// Horizontal alignment of a table column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    /// Text.
    Left,
    /// Numbers.
    Right,
}

/// A table: column titles with their alignment, and rows of cells (already formatted).
#[derive(Clone, Debug, Default)]
pub struct Table {
    /// Column titles and alignment.
    pub columns: Vec<(String, Align)>,
    /// Rows of cells, one per column.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these columns and no rows.
    pub fn new(columns: &[(&str, Align)]) -> Self {
        Table { columns: columns.iter().map(|(t, a)| (t.to_string(), *a)).collect(), rows: Vec::new() }
    }

    /// Adds a row.
    pub fn row(&mut self, cells: Vec<String>) {
        debug_assert_eq!(cells.len(), self.columns.len());
        self.rows.push(cells);
    }
}

const MARGIN_X: f32 = 48.0;
const MARGIN_TOP: f32 = 54.0;
const MARGIN_BOTTOM: f32 = 54.0;
/// Body text size.
pub const BODY: f32 = 9.0;
const TABLE_SIZE: f32 = 8.0;
const MIN_TABLE_SIZE: f32 = 5.0;
const CELL_PAD: f32 = 3.0;
const GRAY: f32 = 0.42;
const RULE: (f32, f32, f32) = (0.16, 0.35, 0.6);

/// Writes `text` with its baseline start at the text matrix's translation.
pub(crate) fn show_text(content: &mut Content, text: &str, base: Font, size: f32, matrix: [f32; 6]) {
    let runs = font::encode(text, base);
    if runs.is_empty() {
        return;
    }
    content.begin_text();
    content.set_text_matrix(matrix);
    for run in &runs {
        content.set_font(Name(run.font.resource()), size);
        if run.kerns.is_empty() {
            content.show(Str(&run.bytes));
            continue;
        }
        let mut positioned = content.show_positioned();
        let mut items = positioned.items();
        let mut start = 0;
        for &(at, amount) in &run.kerns {
            if at > start {
                items.show(Str(&run.bytes[start..at]));
            }
            items.adjust(amount);
            start = at;
        }
        if start < run.bytes.len() {
            items.show(Str(&run.bytes[start..]));
        }
    }
    content.end_text();
}

/// Splits `text` into lines no wider than `width` points (words longer than a line are cut).
pub fn wrap(text: &str, font: Font, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split(' ') {
            let candidate = if line.is_empty() { word.to_string() } else { format!("{line} {word}") };
            if font::text_width(&candidate, font, size) <= width {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            // A word wider than the line: cut it.
            let mut piece = String::new();
            for c in word.chars() {
                piece.push(c);
                if font::text_width(&piece, font, size) > width && piece.chars().count() > 1 {
                    piece.pop();
                    lines.push(std::mem::take(&mut piece));
                    piece.push(c);
                }
            }
            line = piece;
        }
        lines.push(line);
    }
    lines
}

/// Column widths and sizes of a table being drawn.
struct TableLayout {
    titles: Vec<Vec<String>>,
    widths: Vec<f32>,
    size: f32,
    pad: f32,
    head_h: f32,
    total_w: f32,
}

struct PageBuf {
    content: Content,
    alphas: BTreeSet<u8>,
}

/// A document being laid out, page by page, top to bottom.
pub struct Document {
    paper: Paper,
    pages: Vec<PageBuf>,
    /// Baseline cursor: the top of the next block, in points from the bottom.
    y: f32,
    /// Shown at the top of every page but the first.
    running_head: String,
    /// Shown at the bottom left of every page.
    footer: String,
}

impl Document {
    /// An empty document with one page.
    pub fn new(paper: Paper, running_head: &str, footer: &str) -> Self {
        let mut doc = Document { paper, pages: Vec::new(), y: 0.0, running_head: running_head.to_string(), footer: footer.to_string() };
        doc.new_page();
        doc
    }

    /// Width available between the margins.
    pub fn text_width(&self) -> f32 {
        self.paper.size().0 - 2.0 * MARGIN_X
    }

    /// Height left on the current page.
    pub fn room(&self) -> f32 {
        self.y - MARGIN_BOTTOM
    }

    fn content(&mut self) -> &mut Content {
        &mut self.pages.last_mut().expect("a page").content
    }

    /// Starts a new page.
    pub fn new_page(&mut self) {
        self.pages.push(PageBuf { content: Content::new(), alphas: BTreeSet::new() });
        let (w, h) = self.paper.size();
        self.y = h - MARGIN_TOP;
        if self.pages.len() > 1 && !self.running_head.is_empty() {
            let head = self.running_head.clone();
            let c = self.content();
            c.set_fill_gray(GRAY);
            show_text(c, &head, Font::Regular, 7.5, [1.0, 0.0, 0.0, 1.0, MARGIN_X, h - 30.0]);
            c.set_stroke_gray(0.8).set_line_width(0.4).move_to(MARGIN_X, h - 34.0).line_to(w - MARGIN_X, h - 34.0).stroke();
            c.set_fill_gray(0.0);
        }
    }

    /// Makes sure `height` points are left on the page, starting a new one if not.
    pub fn ensure(&mut self, height: f32) {
        if self.room() < height {
            self.new_page();
        }
    }

    /// Vertical space.
    pub fn space(&mut self, height: f32) {
        self.y -= height;
    }

    /// One line of text at `x`, its top at the cursor; the cursor moves below it.
    pub fn line(&mut self, text: &str, font: Font, size: f32, x: f32) {
        let lead = size * 1.3;
        self.ensure(lead);
        let y = self.y - font::ASCENT * size - (lead - size) / 2.0;
        show_text(self.content(), text, font, size, [1.0, 0.0, 0.0, 1.0, MARGIN_X + x, y]);
        self.y -= lead;
    }

    /// The document title.
    pub fn title(&mut self, text: &str) {
        self.line(text, Font::Bold, 18.0, 0.0);
        self.space(2.0);
    }

    /// A section heading with a rule under it.
    pub fn heading(&mut self, text: &str) {
        // Keep a heading with at least a few lines of what follows.
        self.ensure(60.0);
        self.space(8.0);
        self.line(text, Font::Bold, 12.0, 0.0);
        let (w, y) = (self.paper.size().0, self.y + 1.0);
        let c = self.content();
        c.set_stroke_rgb(RULE.0, RULE.1, RULE.2).set_line_width(0.6).move_to(MARGIN_X, y).line_to(w - MARGIN_X, y).stroke();
        self.space(5.0);
    }

    /// A paragraph wrapped to the text width.
    pub fn paragraph(&mut self, text: &str, size: f32) {
        for l in wrap(text, Font::Regular, size, self.text_width()) {
            self.line(&l, Font::Regular, size, 0.0);
        }
    }

    /// A gray note, wrapped.
    pub fn note(&mut self, text: &str) {
        self.content().set_fill_gray(GRAY);
        for l in wrap(text, Font::Regular, 8.0, self.text_width()) {
            self.line(&l, Font::Regular, 8.0, 0.0);
        }
        self.content().set_fill_gray(0.0);
    }

    /// `key  value` lines: keys in bold in one column, values wrapped beside them.
    pub fn key_values(&mut self, items: &[(String, String)]) {
        let size = BODY;
        let key_width =
            items.iter().map(|(k, _)| font::text_width(k, Font::Bold, size)).fold(0.0, f32::max).min(self.text_width() * 0.35) + 10.0;
        let value_width = self.text_width() - key_width;
        for (k, v) in items {
            let lines = wrap(v, Font::Regular, size, value_width);
            self.ensure(size * 1.3 * lines.len().min(3) as f32);
            let top = self.y;
            self.line(k, Font::Bold, size, 0.0);
            self.y = top;
            for l in &lines {
                self.line(l, Font::Regular, size, key_width);
            }
        }
    }

    /// A table at the left margin, shrunk to the text width if it is wider (text columns wrap
    /// instead), split across pages with its header row repeated.
    pub fn table(&mut self, table: &Table) {
        let n = table.columns.len();
        if n == 0 {
            return;
        }
        let text_cap = self.text_width() * 0.3;
        // Natural widths at the table size: the widest cell (text columns at most `text_cap`), or
        // the widest word of the title.
        let mut widths: Vec<f32> = table
            .columns
            .iter()
            .map(|(title, _)| title.split(' ').map(|w| font::text_width(w, Font::Bold, TABLE_SIZE)).fold(0.0, f32::max))
            .collect();
        for row in &table.rows {
            for ((w, cell), (_, align)) in widths.iter_mut().zip(row).zip(&table.columns) {
                let cw = font::text_width(cell, Font::Regular, TABLE_SIZE);
                *w = w.max(if *align == Align::Left { cw.min(text_cap) } else { cw });
            }
        }
        let natural: f32 = widths.iter().sum::<f32>() + 2.0 * CELL_PAD * n as f32;
        let scale = (self.text_width() / natural).min(1.0);
        let size = (TABLE_SIZE * scale).max(MIN_TABLE_SIZE);
        let pad = CELL_PAD * scale.max(0.6);
        let widths: Vec<f32> = widths.iter().map(|w| w * size / TABLE_SIZE + 2.0 * pad).collect();
        let titles: Vec<Vec<String>> =
            table.columns.iter().zip(&widths).map(|((t, _), w)| wrap(t, Font::Bold, size, w - 2.0 * pad + 0.01)).collect();
        let line_h = size * 1.25;
        let head_lines = titles.iter().map(Vec::len).max().unwrap_or(1);
        let head_h = head_lines as f32 * line_h + size * 0.6;
        let total_w: f32 = widths.iter().sum();
        let layout = TableLayout { titles, widths, size, pad, head_h, total_w };

        // A short table stays on one page; a long one starts with at least a few rows.
        let short = table.rows.len() <= 12;
        let full_h = head_h + size * 1.6 * table.rows.len() as f32;
        let page_h = self.paper.size().1 - MARGIN_TOP - MARGIN_BOTTOM;
        self.ensure(if short && full_h < page_h { full_h } else { head_h + size * 1.6 * 3.0 });
        self.table_head(table, &layout);
        for (i, row) in table.rows.iter().enumerate() {
            let cells: Vec<Vec<String>> = row
                .iter()
                .zip(&layout.widths)
                .zip(&table.columns)
                .map(|((cell, w), (_, align))| match align {
                    Align::Left => wrap(cell, Font::Regular, size, w - 2.0 * pad + 0.01),
                    Align::Right => vec![cell.clone()],
                })
                .collect();
            let lines = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
            let row_h = (lines - 1) as f32 * line_h + size * 1.6;
            if self.room() < row_h {
                self.new_page();
                self.table_head(table, &layout);
            }
            let top = self.y;
            let c = self.content();
            if i % 2 == 1 {
                c.set_fill_gray(0.95).rect(MARGIN_X, top - row_h, total_w, row_h).fill_nonzero().set_fill_gray(0.0);
            }
            let first = top - size * 0.3 - font::ASCENT * size - (size * 1.6 - size * 1.3) / 2.0;
            let mut x = MARGIN_X;
            for ((cell, w), (_, align)) in cells.iter().zip(&layout.widths).zip(&table.columns) {
                for (j, l) in cell.iter().enumerate() {
                    let tx = match align {
                        Align::Left => x + pad,
                        Align::Right => x + w - pad - font::text_width(l, Font::Regular, size),
                    };
                    show_text(c, l, Font::Regular, size, [1.0, 0.0, 0.0, 1.0, tx, first - j as f32 * line_h]);
                }
                x += w;
            }
            self.y -= row_h;
        }
        let (y, c) = (self.y, self.content());
        c.set_stroke_gray(0.6).set_line_width(0.5).move_to(MARGIN_X, y).line_to(MARGIN_X + total_w, y).stroke();
        self.space(6.0);
    }

    fn table_head(&mut self, table: &Table, l: &TableLayout) {
        let (top, size) = (self.y, l.size);
        let c = self.content();
        c.set_fill_rgb(0.9, 0.93, 0.97).rect(MARGIN_X, top - l.head_h, l.total_w, l.head_h).fill_nonzero().set_fill_gray(0.0);
        let mut x = MARGIN_X;
        for ((lines, w), (_, align)) in l.titles.iter().zip(&l.widths).zip(&table.columns) {
            // Titles sit on the bottom of the header cell, aligned as their column.
            let first = top - l.head_h + size * 0.3 + font::DESCENT * size + (lines.len() - 1) as f32 * size * 1.25;
            for (j, t) in lines.iter().enumerate() {
                let tx = match align {
                    Align::Left => x + l.pad,
                    Align::Right => x + w - l.pad - font::text_width(t, Font::Bold, size),
                };
                show_text(c, t, Font::Bold, size, [1.0, 0.0, 0.0, 1.0, tx, first - j as f32 * size * 1.25]);
            }
            x += w;
        }
        let y = top - l.head_h;
        c.set_stroke_gray(0.55).set_line_width(0.5).move_to(MARGIN_X, y).line_to(MARGIN_X + l.total_w, y).stroke();
        self.y -= l.head_h;
    }

    /// The height in points of a chart of `size` units drawn as wide as the text.
    pub fn chart_height(&self, size: (u32, u32)) -> f32 {
        size.1 as f32 * self.text_width() / size.0 as f32
    }

    /// A chart region as wide as the text, `size` chart units (the pixels the chart has on the
    /// page) scaled to fit; `draw` draws it with plotters (e.g. a `crates/charts` function).
    pub fn chart<T, E>(&mut self, size: (u32, u32), draw: impl FnOnce(DrawingArea<PdfBackend<'_>, Shift>) -> Result<T, E>) -> Result<T, E> {
        let width = self.text_width();
        let unit = width / size.0 as f32;
        let height = self.chart_height(size);
        self.ensure(height + 4.0);
        let origin = (MARGIN_X, self.y);
        let page = self.pages.last_mut().expect("a page");
        let backend = PdfBackend::new(&mut page.content, &mut page.alphas, origin, size, unit);
        let result = draw(backend.into_drawing_area());
        self.y -= height + 6.0;
        result
    }

    /// Number of pages so far.
    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    /// Writes the document: footers with page numbers, fonts, info dictionary (`title`,
    /// `date` as `YYYY-MM-DD` when it is one), compressed content streams.
    pub fn finish(mut self, title: &str, date: &str) -> Vec<u8> {
        let (w, _) = self.paper.size();
        let count = self.pages.len();
        let footer = self.footer.clone();
        for (i, page) in self.pages.iter_mut().enumerate() {
            let c = &mut page.content;
            c.set_fill_gray(GRAY);
            show_text(c, &footer, Font::Regular, 7.5, [1.0, 0.0, 0.0, 1.0, MARGIN_X, 30.0]);
            let number = format!("page {} of {count}", i + 1);
            let nw = font::text_width(&number, Font::Regular, 7.5);
            show_text(c, &number, Font::Regular, 7.5, [1.0, 0.0, 0.0, 1.0, w - MARGIN_X - nw, 30.0]);
        }

        let mut pdf = Pdf::new();
        let mut next = 1;
        let mut alloc = || {
            let r = Ref::new(next);
            next += 1;
            r
        };
        let catalog = alloc();
        let tree = alloc();
        let info = alloc();
        let fonts: Vec<(Font, Ref)> = Font::ALL.iter().map(|f| (*f, alloc())).collect();
        let alphas: BTreeSet<u8> = self.pages.iter().flat_map(|p| p.alphas.iter().copied()).collect();
        let alpha_refs: Vec<(u8, Ref)> = alphas.iter().map(|a| (*a, alloc())).collect();
        let page_refs: Vec<(Ref, Ref)> = (0..count).map(|_| (alloc(), alloc())).collect();

        pdf.catalog(catalog).pages(tree);
        pdf.pages(tree).kids(page_refs.iter().map(|(p, _)| *p)).count(count as i32);
        let (pw, ph) = self.paper.size();
        for (page, (page_ref, content_ref)) in self.pages.into_iter().zip(&page_refs) {
            let mut p = pdf.page(*page_ref);
            p.parent(tree).media_box(Rect::new(0.0, 0.0, pw, ph)).contents(*content_ref);
            let mut resources = p.resources();
            let mut f = resources.fonts();
            for (font, r) in &fonts {
                f.pair(Name(font.resource()), *r);
            }
            f.finish();
            if !page.alphas.is_empty() {
                let mut g = resources.ext_g_states();
                for (a, r) in alpha_refs.iter().filter(|(a, _)| page.alphas.contains(a)) {
                    g.pair(Name(alpha_name(*a).as_bytes()), *r);
                }
                g.finish();
            }
            resources.finish();
            p.finish();
            let raw = page.content.finish();
            let compressed = miniz_oxide::deflate::compress_to_vec_zlib(&raw, 6);
            pdf.stream(*content_ref, &compressed).filter(Filter::FlateDecode);
        }
        for (font, r) in &fonts {
            let mut t = pdf.type1_font(*r);
            t.base_font(Name(font.base_font()));
            if *font != Font::Symbol {
                t.encoding_predefined(Name(b"WinAnsiEncoding"));
            }
        }
        for (a, r) in &alpha_refs {
            let v = *a as f32 / 100.0;
            pdf.ext_graphics(*r).non_stroking_alpha(v).stroking_alpha(v);
        }
        let mut i = pdf.document_info(info);
        i.title(TextStr(title)).creator(TextStr("quantscope")).producer(TextStr("quantscope (pdf-writer)"));
        if let Some(d) = parse_date(date) {
            i.creation_date(d);
        }
        i.finish();
        pdf.finish()
    }
}

/// `YYYY-MM-DD` (anything after the day is ignored) as a PDF date.
fn parse_date(date: &str) -> Option<pdf_writer::Date> {
    let mut parts = date.get(..10)?.split('-');
    let y: u16 = parts.next()?.parse().ok()?;
    let m: u8 = parts.next()?.parse().ok()?;
    let d: u8 = parts.next()?.parse().ok()?;
    Some(pdf_writer::Date::new(y).month(m).day(d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_every_word_and_fits() {
        let text = "q = clamp(round(x / s) + z, -128, 127) with a_very_long_identifier_that_cannot_fit_on_one_line_at_all";
        let lines = wrap(text, Font::Regular, 9.0, 120.0);
        assert!(lines.len() > 2);
        for l in &lines {
            assert!(font::text_width(l, Font::Regular, 9.0) <= 120.0 + 1e-3, "{l}");
        }
        assert_eq!(lines.join(" ").replace(' ', ""), text.replace(' ', ""));
    }

    #[test]
    fn paper_names() {
        assert_eq!("A4".parse::<Paper>(), Ok(Paper::A4));
        assert_eq!("letter".parse::<Paper>(), Ok(Paper::Letter));
        assert!("a5".parse::<Paper>().is_err());
    }

    #[test]
    fn long_tables_repeat_their_header_on_every_page() {
        let mut doc = Document::new(Paper::A4, "head", "foot");
        let mut t = Table::new(&[("index", Align::Right), ("value", Align::Right)]);
        for i in 0..300 {
            t.row(vec![i.to_string(), format!("{}", i as f64 / 7.0)]);
        }
        doc.table(&t);
        let pages = doc.page_count();
        assert!(pages >= 4, "{pages}");
        let bytes = doc.finish("t", "2026-01-02");
        assert!(bytes.starts_with(b"%PDF-"));
    }
}
