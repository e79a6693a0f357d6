//! Colours, fonts and sizes, passed in by the caller so a chart follows the page's scheme.

use plotters::style::RGBColor;

/// The colours and sizes a chart is drawn with.
///
/// `scale` multiplies every size (fonts, strokes, margins, markers): pass the device pixel ratio
/// when the backend's pixels are device pixels, so a chart is as large on a high-DPI screen and sharp.
#[derive(Clone, Debug, PartialEq)]
pub struct Theme {
    /// Whether this is a dark scheme (for the few choices a colour alone does not settle).
    pub dark: bool,
    /// Background fill.
    pub background: RGBColor,
    /// Text, axes and tick labels.
    pub foreground: RGBColor,
    /// Secondary text (legend notes) and the identity line.
    pub muted: RGBColor,
    /// Tick grid lines.
    pub grid: RGBColor,
    /// Samples, and per-channel series.
    pub primary: RGBColor,
    /// Per-tensor series.
    pub secondary: RGBColor,
    /// The transfer curve and the quantization levels.
    pub curve: RGBColor,
    /// Clipping: shaded regions, clipped markers, thresholds.
    pub clip: RGBColor,
    /// The calibration methods' rows in the histogram, in [`quantscope_core::calibrate::Method::ALL`]'s order
    /// (minmax, moving average, percentile, MSE, entropy): colours no other series uses.
    pub methods: [RGBColor; 5],
    /// Series told apart by name (the formats on the bits-per-weight charts): the Okabe–Ito colour-blind-safe palette
    /// (Okabe & Ito 2008, "Color Universal Design"), adjusted for contrast on this background; each chart pairs a colour
    /// with a marker shape and a label, so colour is never the only signal.
    pub categories: [RGBColor; 8],
    /// Font family for every text (the backend draws it: canvas and SVG use the page's fonts).
    pub font_family: &'static str,
    /// Size multiplier (device pixel ratio).
    pub scale: f64,
}

impl Theme {
    /// The light scheme.
    pub fn light() -> Self {
        Theme {
            dark: false,
            background: RGBColor(0xff, 0xff, 0xff),
            foreground: RGBColor(0x1f, 0x23, 0x28),
            muted: RGBColor(0x65, 0x6d, 0x76),
            grid: RGBColor(0xe1, 0xe4, 0xe8),
            primary: RGBColor(0x09, 0x69, 0xda),
            secondary: RGBColor(0xbc, 0x4c, 0x00),
            curve: RGBColor(0x82, 0x50, 0xdf),
            clip: RGBColor(0xcf, 0x22, 0x2e),
            methods: [
                RGBColor(0x57, 0x60, 0x6a),
                RGBColor(0x1a, 0x7f, 0x37),
                RGBColor(0x05, 0x50, 0xae),
                RGBColor(0x95, 0x38, 0x00),
                RGBColor(0xbf, 0x39, 0x89),
            ],
            categories: [
                RGBColor(0x00, 0x72, 0xb2),
                RGBColor(0xd5, 0x5e, 0x00),
                RGBColor(0x00, 0x9e, 0x73),
                RGBColor(0xcc, 0x79, 0xa7),
                RGBColor(0xb0, 0x78, 0x00),
                RGBColor(0x3a, 0x9a, 0xd9),
                RGBColor(0x6e, 0x5f, 0x00),
                RGBColor(0x33, 0x33, 0x33),
            ],
            font_family: "sans-serif",
            scale: 1.0,
        }
    }

    /// The dark scheme.
    pub fn dark() -> Self {
        Theme {
            dark: true,
            background: RGBColor(0x0d, 0x11, 0x17),
            foreground: RGBColor(0xe6, 0xed, 0xf3),
            muted: RGBColor(0x8b, 0x94, 0x9e),
            grid: RGBColor(0x26, 0x2c, 0x36),
            primary: RGBColor(0x58, 0xa6, 0xff),
            secondary: RGBColor(0xf0, 0x88, 0x3e),
            curve: RGBColor(0xd2, 0xa8, 0xff),
            clip: RGBColor(0xff, 0x7b, 0x72),
            methods: [
                RGBColor(0xb1, 0xba, 0xc4),
                RGBColor(0x3f, 0xb9, 0x50),
                RGBColor(0x79, 0xc0, 0xff),
                RGBColor(0xff, 0xa6, 0x57),
                RGBColor(0xff, 0x80, 0xc8),
            ],
            categories: [
                RGBColor(0x4d, 0xa3, 0xe0),
                RGBColor(0xff, 0x8c, 0x42),
                RGBColor(0x2e, 0xc4, 0x96),
                RGBColor(0xe0, 0x9c, 0xc8),
                RGBColor(0xf0, 0xb4, 0x29),
                RGBColor(0x8f, 0xd3, 0xff),
                RGBColor(0xf0, 0xe4, 0x42),
                RGBColor(0xd0, 0xd7, 0xde),
            ],
            font_family: "sans-serif",
            scale: 1.0,
        }
    }

    /// The same theme with every size multiplied by `scale` (e.g. the device pixel ratio).
    pub fn scaled(mut self, scale: f64) -> Self {
        self.scale = if scale.is_finite() && scale > 0.0 { scale } else { 1.0 };
        self
    }

    /// A size in backend pixels: `n · scale`, at least 1.
    pub fn px(&self, n: f64) -> u32 {
        (n * self.scale).round().max(1.0) as u32
    }

    /// A font size in backend pixels.
    pub fn font_px(&self, n: f64) -> f64 {
        n * self.scale
    }
}

impl Default for Theme {
    fn default() -> Self {
        Theme::light()
    }
}
