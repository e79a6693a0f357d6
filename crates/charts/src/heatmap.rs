//! Compare heatmap: tensors × formats, the SQNR (dB) written in every cell and its colour on a scale
//! with a legend (viridis: perceptually uniform, readable in grey and by colour-blind readers), so colour
//! is never the only signal. Rows stay in the order given (the page sorts them); a cell a format cannot
//! take (a row length that is not a multiple of its block) is hatched and says "n/a". When the rows do not
//! all fit at a readable height, the chart draws those from `first_row` that fit and says which.
//!
//! The page and the PDF fill [`Heatmap`] from `quantscope compare --format json`: one [`Row`] per item of
//! `tensors` (its `name`), one [`Cell`] per item of its `results` in the order of the formats list
//! (`sqnr_db`, or the `reason` when the format could not take the tensor); [`Heatmap::from_compare`] does it from the
//! core's [`CompareReport`].

use crate::common;
use crate::format::{self, count};
use crate::theme::Theme;
use crate::{Area, ChartResult, Drawn, PlotFrame};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use quantscope_core::compare::{CompareReport, Outcome};

/// One cell.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// The SQNR in dB (`+∞`: lossless; `None`: undefined, e.g. an all-zero tensor).
    Sqnr(Option<f64>),
    /// The format cannot take the tensor, and why.
    NotApplicable(String),
}

/// One tensor's row.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The tensor's name.
    pub tensor: String,
    /// One cell per format, in the order of [`Heatmap::formats`] (missing cells are drawn as n/a).
    pub cells: Vec<Cell>,
}

/// What the chart shows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Heatmap {
    /// The model (for the title).
    pub model: String,
    /// The formats, one per column.
    pub formats: Vec<String>,
    /// The tensors, one per row, in the order drawn.
    pub rows: Vec<Row>,
}

impl Heatmap {
    /// A compare report's measured tensors, in its order, one column per format in its order. Tensors kept in
    /// their source type (1-D norms and biases, already quantized ones: no format takes them) are left out.
    pub fn from_compare(model: impl Into<String>, report: &CompareReport) -> Self {
        let rows = report
            .tensors
            .iter()
            .filter(|t| t.kept.is_none())
            .map(|t| Row {
                tensor: t.name.clone(),
                cells: report
                    .formats
                    .iter()
                    .map(|f| match t.result(f).map(|r| &r.outcome) {
                        Some(Outcome::Measured(m)) => Cell::Sqnr(m.sqnr_db),
                        Some(Outcome::Refused { reason }) => Cell::NotApplicable(reason.clone()),
                        None => Cell::NotApplicable("not measured".into()),
                    })
                    .collect(),
            })
            .collect();
        Heatmap { model: model.into(), formats: report.formats.clone(), rows }
    }

    /// The cell of a row and a format (n/a when the row has fewer cells).
    pub fn cell(&self, row: usize, format: usize) -> Cell {
        self.rows.get(row).and_then(|r| r.cells.get(format)).cloned().unwrap_or_else(|| Cell::NotApplicable("no result".into()))
    }
}

/// Smallest row height in unscaled pixels: the cell's number must stay readable.
pub const MIN_ROW_PX: f64 = 16.0;
/// Largest row height in unscaled pixels (few rows do not become tall bands).
pub const MAX_ROW_PX: f64 = 30.0;

/// The colour scale's range: the lowest and highest finite SQNR (`None` when no cell has one).
pub fn range(map: &Heatmap) -> Option<(f64, f64)> {
    let values = map.rows.iter().flat_map(|r| &r.cells).filter_map(|c| match c {
        Cell::Sqnr(Some(v)) if v.is_finite() => Some(*v),
        _ => None,
    });
    values.fold(None, |acc: Option<(f64, f64)>, v| Some(acc.map_or((v, v), |(a, b)| (a.min(v), b.max(v)))))
}

/// Viridis (matplotlib's default colormap, van der Walt & Smith 2015) at 9 stops, interpolated linearly.
const VIRIDIS: [(u8, u8, u8); 9] = [
    (0x44, 0x01, 0x54),
    (0x48, 0x28, 0x78),
    (0x3e, 0x49, 0x89),
    (0x31, 0x68, 0x8e),
    (0x26, 0x82, 0x8e),
    (0x1f, 0x9e, 0x89),
    (0x35, 0xb7, 0x79),
    (0x6d, 0xcd, 0x59),
    (0xfd, 0xe7, 0x25),
];

/// The colour of a position `t` in [0, 1] on the scale (clamped; NaN is the low end).
pub fn color_at(t: f64) -> RGBColor {
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    let f = t * (VIRIDIS.len() - 1) as f64;
    let i = (f.floor() as usize).min(VIRIDIS.len() - 2);
    let u = f - i as f64;
    let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
    let mix = |p: u8, q: u8| (p as f64 + (q as f64 - p as f64) * u).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Black or white, whichever reads better on `c` (WCAG relative luminance against 0.179).
pub fn text_on(c: RGBColor) -> RGBColor {
    let lin = |v: u8| {
        let v = v as f64 / 255.0;
        if v <= 0.04045 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    let l = 0.2126 * lin(c.0) + 0.7152 * lin(c.1) + 0.0722 * lin(c.2);
    if l > 0.179 {
        RGBColor(0, 0, 0)
    } else {
        RGBColor(0xff, 0xff, 0xff)
    }
}

/// An SQNR with one decimal (`17.3`); in significant digits when that would be long (`1e12`, `+∞`, `–` for NaN).
fn one_decimal(v: f64) -> String {
    if v.abs() < 1e6 {
        format!("{v:.1}")
    } else {
        format::sig(v, 3)
    }
}

/// The number written in a cell.
pub fn cell_text(cell: &Cell) -> String {
    match cell {
        Cell::Sqnr(Some(v)) => one_decimal(*v),
        Cell::Sqnr(None) => "–".into(),
        Cell::NotApplicable(_) => "n/a".into(),
    }
}

/// `model.layers.0.mlp.down_proj.weight` cut in the middle to `max` characters (`model.lay…down_proj.weight`).
pub fn shorten(name: &str, max: usize) -> String {
    let chars: Vec<char> = name.chars().collect();
    if chars.len() <= max || max < 5 {
        return name.to_string();
    }
    let tail = (max - 1) * 3 / 5;
    let head = max - 1 - tail;
    format!("{}…{}", chars[..head].iter().collect::<String>(), chars[chars.len() - tail..].iter().collect::<String>())
}

/// Lengths in bytes of the prefix and suffix, ending and starting at a `.`, that every name shares (none for a
/// single name), so rows show only what tells them apart: `model.layers.` and `.weight` of
/// `model.layers.0.self_attn.q_proj.weight`. At least one character of each name is left.
pub fn common_affixes<'a>(names: impl Iterator<Item = &'a str> + Clone) -> (usize, usize) {
    let mut all = names.clone();
    let Some(first) = all.next() else { return (0, 0) };
    if all.next().is_none() {
        return (0, 0);
    }
    let shortest = names.clone().map(str::len).min().unwrap_or(0);
    let same_prefix = |n: usize| names.clone().all(|s| s.as_bytes().get(..n) == first.as_bytes().get(..n));
    let same_suffix = |n: usize| names.clone().all(|s| s.len() >= n && s.as_bytes()[s.len() - n..] == first.as_bytes()[first.len() - n..]);
    // Cut at dots only (never inside a word or a multi-byte character), leaving something of every name.
    let prefix = first.match_indices('.').map(|(i, _)| i + 1).filter(|&n| n < shortest && same_prefix(n)).max().unwrap_or(0);
    let suffix =
        first.rmatch_indices('.').map(|(i, _)| first.len() - i).filter(|&n| prefix + n < shortest && same_suffix(n)).max().unwrap_or(0);
    (prefix, suffix)
}

/// The text alternative: the size, the rows shown, the SQNR range, and per format its worst tensor and n/a count.
pub fn caption(map: &Heatmap, rows: std::ops::Range<usize>) -> String {
    let mut s =
        format!("SQNR heatmap of {}: {} tensors × {} formats", map.model, count(map.rows.len() as u64), count(map.formats.len() as u64));
    if rows.len() < map.rows.len() {
        s += &format!(" (rows {}–{} shown, in the order given)", rows.start + 1, rows.end);
    }
    if let Some((lo, hi)) = range(map) {
        s += &format!(
            "; SQNR from {} to {}, the number in each cell, colour from dark (low) to yellow (high)",
            format::db(Some(lo)),
            format::db(Some(hi))
        );
    }
    let per_format: Vec<String> = map
        .formats
        .iter()
        .enumerate()
        .map(|(f, name)| {
            let cells: Vec<(usize, Cell)> = (0..map.rows.len()).map(|r| (r, map.cell(r, f))).collect();
            let worst = cells
                .iter()
                .filter_map(|(r, c)| match c {
                    Cell::Sqnr(Some(v)) if !v.is_nan() => Some((*r, *v)),
                    _ => None,
                })
                .min_by(|a, b| a.1.total_cmp(&b.1));
            let na = cells.iter().filter(|(_, c)| matches!(c, Cell::NotApplicable(_))).count();
            let mut t = match worst {
                Some((r, v)) => format!("{name} worst {} ({})", map.rows[r].tensor, format::db(Some(v))),
                None => format!("{name} no SQNR"),
            };
            if na > 0 {
                t += &format!(", {} n/a", count(na as u64));
            }
            t
        })
        .collect();
    if !per_format.is_empty() {
        s += &format!("; {}", per_format.join("; "));
    }
    s += ".";
    s
}

/// The (row, format) under a backend pixel of a drawn heatmap (its [`Drawn::frame`]).
pub fn cell_at(frame: &PlotFrame, px: f64, py: f64) -> Option<(usize, usize)> {
    if !frame.contains(px, py) {
        return None;
    }
    let (col, row) = (frame.data_x(px), frame.data_y(py));
    (col >= 0.0 && row >= 0.0).then(|| (row.floor() as usize, col.floor() as usize))
}

/// Draws the heatmap: the rows from `first_row` that fit at [`MIN_ROW_PX`] or more.
///
/// The returned frame maps x to the format's column (`0..formats`) and y to the row index (top row
/// `first_row`), for [`cell_at`].
pub fn draw<DB: DrawingBackend>(area: &Area<DB>, map: &Heatmap, first_row: usize, theme: &Theme) -> ChartResult<Drawn, DB> {
    let title = format!("SQNR per tensor and format · {}", map.model);
    let first_row = first_row.min(map.rows.len().saturating_sub(1));
    if map.rows.is_empty() || map.formats.is_empty() {
        let msg = "no tensors or no formats to compare";
        return common::nothing(area, theme, &title, msg, format!("SQNR heatmap of {}: {msg}.", map.model));
    }
    area.fill(&theme.background)?;
    let (w, h) = area.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    let px = |n: f64| theme.px(n) as i32;
    let pad = px(8.0);
    let fg = theme.foreground;
    let title_style = common::text(theme, 14.0, &fg).pos(Pos::new(HPos::Left, VPos::Top));
    area.draw(&Text::new(title.clone(), (pad, pad), title_style))?;

    // Legend strip: the colour bar with its ends and middle, then the n/a swatch.
    let legend_y = pad + px(26.0);
    let label_style = common::text(theme, 11.0, &fg);
    let bar_w = px(180.0).min(w / 3);
    let bar_h = px(10.0);
    let scale = range(map);
    let mut x = pad;
    let lead = "SQNR (dB), higher is better:";
    let (lead_w, _) = area.estimate_text_size(lead, &label_style)?;
    area.draw(&Text::new(lead, (x, legend_y + bar_h / 2), label_style.clone().pos(Pos::new(HPos::Left, VPos::Center))))?;
    x += lead_w as i32 + px(8.0);
    let steps = 48;
    for i in 0..steps {
        let a = x + bar_w * i / steps;
        let b = x + bar_w * (i + 1) / steps;
        area.draw(&Rectangle::new([(a, legend_y), (b, legend_y + bar_h)], color_at((i as f64 + 0.5) / steps as f64).filled()))?;
    }
    if let Some((lo, hi)) = scale {
        let tick_style = common::text(theme, 10.0, &fg).pos(Pos::new(HPos::Center, VPos::Top));
        for (t, v) in [(0.0, lo), (0.5, (lo + hi) / 2.0), (1.0, hi)] {
            let tx = x + (bar_w as f64 * t).round() as i32;
            area.draw(&PathElement::new(vec![(tx, legend_y + bar_h), (tx, legend_y + bar_h + px(3.0))], ShapeStyle::from(fg)))?;
            area.draw(&Text::new(one_decimal(v), (tx, legend_y + bar_h + px(4.0)), tick_style.clone()))?;
        }
    }
    x += bar_w + px(24.0);
    let na_w = px(22.0);
    let na_label = "n/a: the format cannot take the tensor";
    let (na_text_w, _) = area.estimate_text_size(na_label, &label_style)?;
    // On a narrow chart the n/a entry goes below the colour bar's numbers.
    let mut na_y = legend_y;
    if x + na_w + px(6.0) + na_text_w as i32 > w - pad {
        x = pad;
        na_y = legend_y + bar_h + px(20.0);
    }
    area.draw(&Rectangle::new([(x, na_y), (x + na_w, na_y + bar_h)], theme.grid.filled()))?;
    let hatch = ShapeStyle::from(theme.muted).stroke_width(theme.px(1.0));
    for [a, b] in common::hatch_lines((x, na_y), (x + na_w, na_y + bar_h), px(4.0)) {
        area.draw(&PathElement::new(vec![a, b], hatch))?;
    }
    area.draw(&Text::new(na_label, (x + na_w + px(6.0), na_y + bar_h / 2), label_style.clone().pos(Pos::new(HPos::Left, VPos::Center))))?;

    // Layout: row labels on the left, format names above the columns.
    let header_top = na_y + bar_h + px(22.0);
    let header_h = px(20.0);
    let top = header_top + header_h;
    let bottom = h - pad;
    let name_style = common::text(theme, 11.0, &fg);
    // Row labels without what every name shares (`model.layers.` … `.weight`), which the header names once.
    let (prefix, suffix) = common_affixes(map.rows.iter().map(|r| r.tensor.as_str()));
    let names: Vec<&str> = map.rows.iter().map(|r| &r.tensor[prefix..r.tensor.len() - suffix]).collect();
    let longest_name = names.iter().copied().max_by_key(|n| n.chars().count()).unwrap_or("");
    let (longest_w, _) = area.estimate_text_size(longest_name, &name_style)?;
    let char_w = (longest_w as f64 / longest_name.chars().count().max(1) as f64).max(1.0);
    let max_chars = ((w as f64 * 0.4 / char_w) as usize).max(8);
    let longest = longest_name.chars().count().min(max_chars);
    // Over the row labels, what the names share; under the cells, which rows are shown when not all fit.
    let first = map.rows.first().map_or("", |r| r.tensor.as_str());
    let shared = if prefix + suffix > 0 { format!("{}…{}", &first[..prefix], &first[first.len() - suffix..]) } else { String::new() };
    let note_style = common::text(theme, 10.0, &theme.muted);
    let (shared_w, _) = area.estimate_text_size(&shared, &note_style)?;
    let label_w = ((char_w * longest as f64).ceil() as i32).max(px(40.0)).max((shared_w as i32).min(w * 2 / 5));
    let footer = px(16.0);
    let fit = |bottom: i32| (((bottom - top) as f64 / (MIN_ROW_PX * theme.scale)).floor() as usize).max(1);
    let all_fit = first_row + fit(bottom) >= map.rows.len() && first_row == 0;
    let bottom = if all_fit { bottom } else { bottom - footer };
    let end = (first_row + fit(bottom)).min(map.rows.len());
    let left = pad + label_w + px(8.0);
    let right = w - pad;
    let room = (bottom - top).max(1);
    let shown = first_row..end;
    let row_h = (room as f64 / shown.len() as f64).min(MAX_ROW_PX * theme.scale);
    let col_w = (right - left) as f64 / map.formats.len() as f64;
    let row_px = |r: usize| top + ((r - first_row) as f64 * row_h).round() as i32;
    let col_px = |c: usize| left + (c as f64 * col_w).round() as i32;

    let head_style = common::text(theme, 11.0, &fg).pos(Pos::new(HPos::Center, VPos::Center));
    let col_chars = ((col_w / char_w) as usize).max(4);
    for (c, f) in map.formats.iter().enumerate() {
        let cx = (col_px(c) + col_px(c + 1)) / 2;
        area.draw(&Text::new(shorten(f, col_chars), (cx, header_top + header_h / 2), head_style.clone()))?;
    }
    let row_style = common::text(theme, 11.0, &fg).pos(Pos::new(HPos::Right, VPos::Center));
    let cell_size = (row_h / theme.scale * 0.62).clamp(9.0, 12.0);
    let mut primitives = 0;
    for r in shown.clone() {
        let (y0, y1) = (row_px(r), row_px(r + 1));
        area.draw(&Text::new(shorten(names[r], longest), (left - px(6.0), (y0 + y1) / 2), row_style.clone()))?;
        for c in 0..map.formats.len() {
            let (x0, x1) = (col_px(c), col_px(c + 1));
            let cell = map.cell(r, c);
            let (fill, ink) = match (&cell, scale) {
                (Cell::Sqnr(Some(v)), Some((lo, hi))) if !v.is_nan() => {
                    let t = if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
                    let fill = color_at(if *v == f64::INFINITY { 1.0 } else { t });
                    (fill, text_on(fill))
                }
                _ => (theme.grid, theme.foreground),
            };
            // One pixel of background between cells keeps them apart in print.
            area.draw(&Rectangle::new([(x0, y0), (x1 - 1, y1 - 1)], fill.filled()))?;
            if matches!(cell, Cell::NotApplicable(_)) {
                for [a, b] in common::hatch_lines((x0, y0), (x1 - 1, y1 - 1), px(6.0)) {
                    area.draw(&PathElement::new(vec![a, b], hatch))?;
                }
            }
            let style = common::text(theme, cell_size, &ink).pos(Pos::new(HPos::Center, VPos::Center));
            let (cx, cy) = ((x0 + x1) / 2, (y0 + y1) / 2);
            if matches!(cell, Cell::NotApplicable(_)) {
                // The hatch stops around the text so "n/a" reads clearly.
                let (tw, th) = area.estimate_text_size("n/a", &style)?;
                let (tw, th) = (tw as i32 / 2 + px(3.0), th as i32 / 2 + 1);
                area.draw(&Rectangle::new([(cx - tw, cy - th), (cx + tw, cy + th)], fill.filled()))?;
            }
            area.draw(&Text::new(cell_text(&cell), (cx, cy), style))?;
            primitives += 1;
        }
    }
    // The shared part, cut in the middle until it fits over the labels.
    let mut keep = shared.chars().count();
    let mut cut = shared.clone();
    while keep > 5 && area.estimate_text_size(&cut, &note_style)?.0 as i32 > label_w {
        keep -= 1;
        cut = shorten(&shared, keep);
    }
    let right_mid = Pos::new(HPos::Right, VPos::Center);
    area.draw(&Text::new(cut, (left - px(6.0), header_top + header_h / 2), note_style.clone().pos(right_mid)))?;
    if !all_fit {
        let note = format!("rows {}–{} of {}", shown.start + 1, shown.end, count(map.rows.len() as u64));
        area.draw(&Text::new(note, (left, bottom + footer / 2), note_style.pos(Pos::new(HPos::Left, VPos::Center))))?;
    }
    // The frame is in backend pixels, like the other charts' (the area may be a part of the backend).
    let (bx, by) = area.get_base_pixel();
    let frame = PlotFrame {
        left: bx + col_px(0),
        right: bx + col_px(map.formats.len()),
        top: by + row_px(shown.start),
        bottom: by + row_px(shown.end),
        x: (0.0, map.formats.len() as f64),
        y: (shown.end as f64, shown.start as f64),
        y_log: false,
    };
    Ok(Drawn { caption: caption(map, shown), frame: Some(frame), primitives })
}
