//! # charts: quantscope's charts, drawn on any plotters backend
//!
//! Five charts, each making one thing obvious, each a function of the core's results, a [`Theme`]
//! and a plotters [`DrawingArea`] over any [`DrawingBackend`] (a canvas on the page, SVG in tests, a
//! PDF backend in the export):
//!
//! | chart | function | shows |
//! |---|---|---|
//! | reconstruction | [`reconstruction::draw`] | the transfer curve's steps, the samples on it, the identity line, clipping regions shaded |
//! | error | [`error_plot::draw`] | `x̂ - x` per element inside the ±s/2 band, clipped elements marked |
//! | histogram | [`histogram::draw`] | the values' distribution under the integer grid, the min/max thresholds, the clipped mass |
//! | per-tensor vs per-channel | [`granularity::draw`] | SQNR (dB) or MSE per channel for both, memory in the legend |
//! | bit-width sweep | [`sweep::draw`] | SQNR vs bits 2..16 for both granularities, the 6 dB/bit guide |
//! | values on a format's grid | [`grid_histogram::draw`] | the values under the element type's representable values (non-uniform for FP4, FP8, NF4), clipped values marked |
//! | block scales | [`scale_histogram::draw`] | the per-block scales on a log2 axis (one bar per power of two for E8M0) |
//! | bits per weight vs SQNR | [`format_sweep::draw`] | one labelled point per format for one tensor, the chosen one highlighted, the frontier |
//! | compare heatmap | [`heatmap::draw`] | tensors × formats, the SQNR in each cell on a colour scale, n/a cells hatched |
//! | Pareto | [`pareto::draw`] | bits per weight vs SQNR per tensor and format, the model's totals and their frontier, the plan |
//!
//! The last five take plain data structs of this crate (filled by the page and the PDF from the core's format
//! and compare results; each module says how), so they do not depend on how a format is computed.
//!
//! Every number comes from the core (`quant`): levels, boundaries and clip thresholds from
//! [`quantscope_core::transfer`], the sweep from [`quantscope_core::sweep`], metrics from the analysis. This crate only
//! bins, downsamples and draws; each chart also has a `caption` function giving its text alternative
//! with the key figures (and saying when the data was binned or downsampled).
//!
//! Performance: whatever the number of values, a chart draws at most a few thousand primitives
//! ([`data::MAX_POINTS`], [`data::ENVELOPE_BUCKETS`], [`data::MAX_BINS`], [`data::MAX_GRID_LINES`]).
#![deny(missing_docs)]

pub mod data;
pub mod error_plot;
pub mod format;
pub mod format_sweep;
pub mod granularity;
pub mod grid_histogram;
pub mod heatmap;
pub mod histogram;
pub mod hover;
pub mod pareto;
pub mod reconstruction;
pub mod recording;
pub mod scale_histogram;
pub mod sweep;
pub mod theme;
pub mod tradeoff;

mod common;

pub use data::{RangeChoice, Scope, Subject};
pub use theme::Theme;

use plotters::coord::Shift;
use plotters::drawing::DrawingAreaErrorKind;
pub use plotters::prelude::{DrawingArea, DrawingBackend};

/// What a chart function returns when it fails: the backend's error.
pub type ChartResult<T, DB> = Result<T, DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// The area every chart function draws on.
pub type Area<DB> = DrawingArea<DB, Shift>;

/// Where the plot went on the backend, to map a pointer back to data (hover).
#[derive(Clone, Debug, PartialEq)]
pub struct PlotFrame {
    /// Backend pixel of the x axis' lower end.
    pub left: i32,
    /// Backend pixel of the x axis' upper end.
    pub right: i32,
    /// Backend pixel of the y axis' upper end.
    pub top: i32,
    /// Backend pixel of the y axis' lower end.
    pub bottom: i32,
    /// Data range along x (lower, upper).
    pub x: (f64, f64),
    /// Data range along y (lower, upper).
    pub y: (f64, f64),
    /// Whether y is logarithmic (base 10).
    pub y_log: bool,
}

impl PlotFrame {
    /// Whether a backend pixel lies inside the plot.
    pub fn contains(&self, px: f64, py: f64) -> bool {
        px >= self.left as f64 && px <= self.right as f64 && py >= self.top as f64 && py <= self.bottom as f64
    }

    /// The data x under a backend pixel column.
    pub fn data_x(&self, px: f64) -> f64 {
        let t = (px - self.left as f64) / (self.right - self.left).max(1) as f64;
        self.x.0 + t * (self.x.1 - self.x.0)
    }

    /// The data y under a backend pixel row.
    pub fn data_y(&self, py: f64) -> f64 {
        let t = (self.bottom as f64 - py) / (self.bottom - self.top).max(1) as f64;
        if self.y_log {
            10f64.powf(self.y.0.log10() + t * (self.y.1.log10() - self.y.0.log10()))
        } else {
            self.y.0 + t * (self.y.1 - self.y.0)
        }
    }

    /// The backend pixel column of a data x.
    pub fn pixel_x(&self, x: f64) -> f64 {
        self.left as f64 + (x - self.x.0) / (self.x.1 - self.x.0) * (self.right - self.left) as f64
    }

    /// The backend pixel row of a data y.
    pub fn pixel_y(&self, y: f64) -> f64 {
        let t = if self.y_log {
            (y.log10() - self.y.0.log10()) / (self.y.1.log10() - self.y.0.log10())
        } else {
            (y - self.y.0) / (self.y.1 - self.y.0)
        };
        self.bottom as f64 - t * (self.bottom - self.top) as f64
    }
}

/// A drawn chart: its text alternative and where its plot is.
#[derive(Clone, Debug, PartialEq)]
pub struct Drawn {
    /// The caption (text alternative) with the key figures.
    pub caption: String,
    /// The plot's frame (`None` when there was nothing to plot).
    pub frame: Option<PlotFrame>,
    /// Data primitives drawn (points, bars, segments), not counting axes and labels.
    pub primitives: usize,
}
