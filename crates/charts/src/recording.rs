//! A [`DrawingBackend`] that records what is drawn (lines, rectangles, paths, circles, polygons,
//! texts) instead of rasterizing it, so tests can assert positions, counts and labels.

use plotters_backend::{BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind, FontTransform};
use std::cell::RefCell;
use std::convert::Infallible;
use std::rc::Rc;

/// A colour with its opacity, as drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rgba {
    /// Red, green, blue.
    pub rgb: (u8, u8, u8),
    /// Opacity in [0, 1].
    pub alpha: f64,
}

impl From<BackendColor> for Rgba {
    fn from(c: BackendColor) -> Self {
        Rgba { rgb: c.rgb, alpha: c.alpha }
    }
}

/// One drawing operation.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    /// A single pixel.
    Pixel {
        /// Position.
        at: BackendCoord,
        /// Colour.
        color: Rgba,
    },
    /// A straight line.
    Line {
        /// Start.
        from: BackendCoord,
        /// End.
        to: BackendCoord,
        /// Colour.
        color: Rgba,
        /// Stroke width.
        width: u32,
    },
    /// A rectangle.
    Rect {
        /// Upper-left corner.
        from: BackendCoord,
        /// Bottom-right corner.
        to: BackendCoord,
        /// Colour.
        color: Rgba,
        /// Filled or outlined.
        fill: bool,
    },
    /// A polyline.
    Path {
        /// Its points.
        points: Vec<BackendCoord>,
        /// Colour.
        color: Rgba,
        /// Stroke width.
        width: u32,
    },
    /// A circle.
    Circle {
        /// Centre.
        center: BackendCoord,
        /// Radius.
        radius: u32,
        /// Colour.
        color: Rgba,
        /// Filled or outlined.
        fill: bool,
    },
    /// A filled polygon.
    Polygon {
        /// Its vertices.
        points: Vec<BackendCoord>,
        /// Colour.
        color: Rgba,
    },
    /// A text.
    Text {
        /// The text.
        text: String,
        /// Anchor position.
        at: BackendCoord,
        /// Colour.
        color: Rgba,
        /// Font size in pixels.
        size: f64,
        /// Rotated (axis titles along y).
        rotated: bool,
    },
}

/// Records every operation; `width × height` pixels. The backend moves into a plotters
/// `DrawingArea`, so keep its [`Log`] (taken before) to read what was drawn.
#[derive(Clone, Debug, Default)]
pub struct RecordingBackend {
    size: (u32, u32),
    ops: Rc<RefCell<Vec<Op>>>,
}

/// What a [`RecordingBackend`] drew, shared with it.
#[derive(Clone, Debug, Default)]
pub struct Log(Rc<RefCell<Vec<Op>>>);

impl RecordingBackend {
    /// A backend of the given size.
    pub fn new(width: u32, height: u32) -> Self {
        RecordingBackend { size: (width, height), ops: Rc::default() }
    }

    /// A handle on the operations drawn (now and later).
    pub fn log(&self) -> Log {
        Log(self.ops.clone())
    }

    fn push(&self, op: Op) {
        self.ops.borrow_mut().push(op);
    }
}

impl Log {
    /// Every operation so far.
    pub fn ops(&self) -> Vec<Op> {
        self.0.borrow().clone()
    }

    /// Every text drawn.
    pub fn texts(&self) -> Vec<String> {
        self.0
            .borrow()
            .iter()
            .filter_map(|op| match op {
                Op::Text { text, .. } => Some(text.clone()),
                _ => None,
            })
            .collect()
    }

    /// Horizontal lines or two-point paths of a colour (ignoring opacity): their ends' x and their y.
    pub fn horizontal_lines(&self, rgb: (u8, u8, u8)) -> Vec<(i32, i32, i32)> {
        self.0
            .borrow()
            .iter()
            .filter_map(|op| match op {
                Op::Line { from, to, color, .. } if color.rgb == rgb && from.1 == to.1 && from.0 != to.0 => Some((from.0, to.0, from.1)),
                Op::Path { points, color, .. }
                    if color.rgb == rgb && points.len() == 2 && points[0].1 == points[1].1 && points[0].0 != points[1].0 =>
                {
                    Some((points[0].0, points[1].0, points[0].1))
                }
                _ => None,
            })
            .collect()
    }

    /// Vertical lines or two-point paths of a colour (ignoring opacity): their x.
    pub fn vertical_lines(&self, rgb: (u8, u8, u8)) -> Vec<i32> {
        self.0
            .borrow()
            .iter()
            .filter_map(|op| match op {
                Op::Line { from, to, color, .. } if color.rgb == rgb && from.0 == to.0 && from.1 != to.1 => Some(from.0),
                Op::Path { points, color, .. }
                    if color.rgb == rgb && points.len() == 2 && points[0].0 == points[1].0 && points[0].1 != points[1].1 =>
                {
                    Some(points[0].0)
                }
                _ => None,
            })
            .collect()
    }

    /// Filled rectangles of a colour (ignoring opacity).
    pub fn filled_rects(&self, rgb: (u8, u8, u8)) -> Vec<(BackendCoord, BackendCoord)> {
        self.0
            .borrow()
            .iter()
            .filter_map(|op| match op {
                Op::Rect { from, to, color, fill: true } if color.rgb == rgb => Some((*from, *to)),
                _ => None,
            })
            .collect()
    }

    /// Circles of a colour: their centres.
    pub fn circles(&self, rgb: (u8, u8, u8)) -> Vec<BackendCoord> {
        self.0
            .borrow()
            .iter()
            .filter_map(|op| match op {
                Op::Circle { center, color, .. } if color.rgb == rgb => Some(*center),
                _ => None,
            })
            .collect()
    }

    /// Number of operations.
    pub fn len(&self) -> usize {
        self.0.borrow().len()
    }

    /// Whether nothing was drawn.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl DrawingBackend for RecordingBackend {
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

    fn draw_pixel(&mut self, at: BackendCoord, color: BackendColor) -> Result<(), DrawingErrorKind<Infallible>> {
        self.push(Op::Pixel { at, color: color.into() });
        Ok(())
    }

    fn draw_line<S: BackendStyle>(&mut self, from: BackendCoord, to: BackendCoord, style: &S) -> Result<(), DrawingErrorKind<Infallible>> {
        self.push(Op::Line { from, to, color: style.color().into(), width: style.stroke_width() });
        Ok(())
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Infallible>> {
        self.push(Op::Rect { from, to, color: style.color().into(), fill });
        Ok(())
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Infallible>> {
        self.push(Op::Path { points: path.into_iter().collect(), color: style.color().into(), width: style.stroke_width() });
        Ok(())
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Infallible>> {
        self.push(Op::Circle { center, radius, color: style.color().into(), fill });
        Ok(())
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Infallible>> {
        self.push(Op::Polygon { points: vert.into_iter().collect(), color: style.color().into() });
        Ok(())
    }

    fn draw_text<T: BackendTextStyle>(&mut self, text: &str, style: &T, at: BackendCoord) -> Result<(), DrawingErrorKind<Infallible>> {
        let rotated = !matches!(style.transform(), FontTransform::None);
        self.push(Op::Text { text: text.to_string(), at, color: style.color().into(), size: style.size(), rotated });
        Ok(())
    }

    fn estimate_text_size<T: BackendTextStyle>(&self, text: &str, style: &T) -> Result<(u32, u32), DrawingErrorKind<Infallible>> {
        // The same crude estimate plotters uses without a font engine: 0.6 em per character.
        let size = style.size();
        Ok(((size * 0.6 * text.chars().count() as f64).ceil() as u32, size.ceil() as u32))
    }
}
