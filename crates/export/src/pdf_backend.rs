//! A plotters [`DrawingBackend`] that writes PDF path, fill and text operators into a
//! [`pdf_writer::Content`] stream: the charts of the page (`crates/charts`, drawn on a canvas in the
//! browser) are drawn by the same functions into the PDF, as vectors and real text.
//!
//! The chart is laid out in its own units (the pixels it would have on the page, e.g. 800 × 450)
//! and scaled to the room it gets on the paper: one unit is [`PdfBackend::unit`] points. Text uses
//! the base-14 Helvetica (bold for bold styles) and is measured with its AFM widths, so plotters'
//! layout (`estimate_text_size`) matches what the reader draws.

use crate::font::{self, Font};
use crate::pdf::show_text;
use pdf_writer::types::{LineCapStyle, LineJoinStyle};
use pdf_writer::{Content, Name};
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind, FontStyle, FontTransform,
};
use std::collections::BTreeSet;
use std::convert::Infallible;

/// Bézier handle length for a quarter circle.
const KAPPA: f32 = 0.552_284_8;

/// The name of the graphics state for an opacity in percent (`A50`: 50 %).
pub(crate) fn alpha_name(percent: u8) -> String {
    format!("A{percent}")
}

/// Draws into a region of a PDF page.
pub struct PdfBackend<'a> {
    content: &'a mut Content,
    alphas: &'a mut BTreeSet<u8>,
    /// Page coordinates (points, y up) of the region's top-left corner.
    origin: (f32, f32),
    /// Size in chart units.
    size: (u32, u32),
    /// Points per chart unit.
    unit: f32,
}

impl<'a> PdfBackend<'a> {
    /// A backend of `size` chart units whose top-left corner is at `origin` (page points, y up),
    /// one unit being `unit` points. `alphas` collects the opacities used, for the page resources.
    pub(crate) fn new(content: &'a mut Content, alphas: &'a mut BTreeSet<u8>, origin: (f32, f32), size: (u32, u32), unit: f32) -> Self {
        content.save_state();
        // Nothing drawn outside the region.
        let (w, h) = (size.0 as f32 * unit, size.1 as f32 * unit);
        content.rect(origin.0, origin.1 - h, w, h).clip_nonzero().end_path();
        PdfBackend { content, alphas, origin, size, unit }
    }

    /// Points per chart unit.
    pub fn unit(&self) -> f32 {
        self.unit
    }

    fn point(&self, (x, y): BackendCoord) -> (f32, f32) {
        (self.origin.0 + x as f32 * self.unit, self.origin.1 - y as f32 * self.unit)
    }

    /// Sets the colour (and opacity) for a stroke or a fill; returns whether a state was saved.
    fn paint(&mut self, color: BackendColor, stroke: bool) -> bool {
        let (r, g, b) = color.rgb;
        let (r, g, b) = (r as f32 / 255.0, g as f32 / 255.0, b as f32 / 255.0);
        let percent = (color.alpha.clamp(0.0, 1.0) * 100.0).round() as u8;
        let saved = percent < 100;
        if saved {
            self.content.save_state();
            self.alphas.insert(percent);
            self.content.set_parameters(Name(alpha_name(percent).as_bytes()));
        }
        if stroke {
            self.content.set_stroke_rgb(r, g, b);
        } else {
            self.content.set_fill_rgb(r, g, b);
        }
        saved
    }

    fn stroke_setup<S: BackendStyle>(&mut self, style: &S) -> bool {
        let saved = self.paint(style.color(), true);
        self.content.set_line_width(style.stroke_width().max(1) as f32 * self.unit);
        saved
    }

    fn done(&mut self, saved: bool) {
        if saved {
            self.content.restore_state();
        }
    }

    fn font_for(style: &impl BackendTextStyle) -> Font {
        match style.style() {
            FontStyle::Bold => Font::Bold,
            _ => Font::Regular,
        }
    }
}

impl Drop for PdfBackend<'_> {
    fn drop(&mut self) {
        self.content.restore_state();
    }
}

impl DrawingBackend for PdfBackend<'_> {
    type ErrorType = Infallible;

    fn get_size(&self) -> (u32, u32) {
        self.size
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Infallible>> {
        Ok(())
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<Infallible>> {
        Ok(())
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Result<(), DrawingErrorKind<Infallible>> {
        if color.alpha == 0.0 {
            return Ok(());
        }
        let saved = self.paint(color, false);
        let (x, y) = self.point(point);
        self.content.rect(x, y - self.unit, self.unit, self.unit).fill_nonzero();
        self.done(saved);
        Ok(())
    }

    fn draw_line<S: BackendStyle>(&mut self, from: BackendCoord, to: BackendCoord, style: &S) -> Result<(), DrawingErrorKind<Infallible>> {
        if style.color().alpha == 0.0 {
            return Ok(());
        }
        let saved = self.stroke_setup(style);
        let (a, b) = (self.point(from), self.point(to));
        self.content.set_line_cap(LineCapStyle::ButtCap).move_to(a.0, a.1).line_to(b.0, b.1).stroke();
        self.done(saved);
        Ok(())
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Infallible>> {
        if style.color().alpha == 0.0 {
            return Ok(());
        }
        let (a, b) = (self.point(upper_left), self.point(bottom_right));
        let (x, y, w, h) = (a.0.min(b.0), a.1.min(b.1), (b.0 - a.0).abs(), (b.1 - a.1).abs());
        if fill {
            // A filled rect covers its last row and column of pixels, as the canvas does.
            let saved = self.paint(style.color(), false);
            self.content.rect(x, y - self.unit, w + self.unit, h + self.unit).fill_nonzero();
            self.done(saved);
        } else {
            let saved = self.stroke_setup(style);
            self.content.rect(x, y, w, h).stroke();
            self.done(saved);
        }
        Ok(())
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Infallible>> {
        if style.color().alpha == 0.0 {
            return Ok(());
        }
        let points: Vec<(f32, f32)> = path.into_iter().map(|p| self.point(p)).collect();
        if points.len() < 2 {
            return Ok(());
        }
        let saved = self.stroke_setup(style);
        self.content.set_line_join(LineJoinStyle::RoundJoin).set_line_cap(LineCapStyle::RoundCap);
        self.content.move_to(points[0].0, points[0].1);
        for p in &points[1..] {
            self.content.line_to(p.0, p.1);
        }
        self.content.stroke();
        self.done(saved);
        Ok(())
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Infallible>> {
        if style.color().alpha == 0.0 {
            return Ok(());
        }
        let saved = if fill { self.paint(style.color(), false) } else { self.stroke_setup(style) };
        let (cx, cy) = self.point(center);
        let r = radius as f32 * self.unit;
        let k = r * KAPPA;
        let c = &mut *self.content;
        c.move_to(cx + r, cy);
        c.cubic_to(cx + r, cy + k, cx + k, cy + r, cx, cy + r);
        c.cubic_to(cx - k, cy + r, cx - r, cy + k, cx - r, cy);
        c.cubic_to(cx - r, cy - k, cx - k, cy - r, cx, cy - r);
        c.cubic_to(cx + k, cy - r, cx + r, cy - k, cx + r, cy);
        c.close_path();
        if fill {
            c.fill_nonzero();
        } else {
            c.stroke();
        }
        self.done(saved);
        Ok(())
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Infallible>> {
        if style.color().alpha == 0.0 {
            return Ok(());
        }
        let points: Vec<(f32, f32)> = vert.into_iter().map(|p| self.point(p)).collect();
        if points.len() < 3 {
            return Ok(());
        }
        let saved = self.paint(style.color(), false);
        self.content.move_to(points[0].0, points[0].1);
        for p in &points[1..] {
            self.content.line_to(p.0, p.1);
        }
        self.content.close_path().fill_nonzero();
        self.done(saved);
        Ok(())
    }

    fn draw_text<T: BackendTextStyle>(&mut self, text: &str, style: &T, pos: BackendCoord) -> Result<(), DrawingErrorKind<Infallible>> {
        let color = style.color();
        if color.alpha == 0.0 || text.is_empty() {
            return Ok(());
        }
        let font = Self::font_for(style);
        let size = style.size() as f32;
        let width = font::text_width(text, font, size);
        // The baseline's start in the text's own frame (x along the text, y down), from the anchor.
        let dx = match style.anchor().h_pos {
            HPos::Left => 0.0,
            HPos::Center => -width / 2.0,
            HPos::Right => -width,
        };
        let dy = match style.anchor().v_pos {
            VPos::Top => font::ASCENT * size,
            VPos::Center => font::ASCENT * size / 2.0,
            VPos::Bottom => -font::DESCENT * size,
        };
        // Rotated into the chart's frame (y down), then to page points (y up).
        let (rx, ry, cos, sin) = match style.transform() {
            FontTransform::None => (dx, dy, 1.0, 0.0),
            FontTransform::Rotate90 => (-dy, dx, 0.0, -1.0),
            FontTransform::Rotate180 => (-dx, -dy, -1.0, 0.0),
            FontTransform::Rotate270 => (dy, -dx, 0.0, 1.0),
        };
        let x = self.origin.0 + (pos.0 as f32 + rx) * self.unit;
        let y = self.origin.1 - (pos.1 as f32 + ry) * self.unit;
        let saved = self.paint(color, false);
        show_text(self.content, text, font, size * self.unit, [cos, sin, -sin, cos, x, y]);
        self.done(saved);
        Ok(())
    }

    fn estimate_text_size<T: BackendTextStyle>(&self, text: &str, style: &T) -> Result<(u32, u32), DrawingErrorKind<Infallible>> {
        let size = style.size() as f32;
        let width = font::text_width(text, Self::font_for(style), size);
        Ok((width.ceil() as u32, ((font::ASCENT + font::DESCENT) * size).ceil() as u32))
    }
}
