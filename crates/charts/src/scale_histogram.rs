//! Histogram of block scales: how the per-block scales of a tensor spread, on a log2 axis. Power-of-two
//! scales (OCP MX's E8M0 byte `b`, the scale `2^(b−127)`, formats.md §3) get one bar per exponent; other
//! scales (GGUF's float16 `d`, NVFP4's E4M3 `s8`, NF4's float32 absmax, a group's float32 scale) get
//! equal-width bins of `log2 |s|`. Zero scales (all-zero blocks) have no logarithm: they are counted
//! apart, in the legend and the caption; so are negative ones (GGUF Q4_0/Q5_0's `d` is negative when a
//! block's largest element is positive), which are binned by magnitude.
//!
//! The page and the PDF fill [`Scales`] from the block results of a block format: the scales as stored
//! and read back (`2^e`, `f16(d)`, `s8`, `absmax`), in block order; [`Storage::of`] maps the core's
//! [`ScaleStorage`] to the bins.

use crate::common::{self, Axes, Swatch};
use crate::data;
use crate::format::{self, count, num};
use crate::theme::Theme;
use crate::{Area, ChartResult, Drawn};
use plotters::prelude::*;
use quantscope_core::format::ScaleStorage;

/// How the scales are stored, which decides the bins.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Storage {
    /// Powers of two (E8M0): one bin per exponent.
    PowerOfTwo,
    /// Any positive number (float16, E4M3, float32): equal-width bins of `log2 |s|`.
    #[default]
    Continuous,
}

impl Storage {
    /// How a format stores its block scales (E8M0: powers of two; float16, E4M3, float32: continuous).
    pub fn of(storage: ScaleStorage) -> Self {
        match storage {
            ScaleStorage::E8M0 => Storage::PowerOfTwo,
            _ => Storage::Continuous,
        }
    }
}

/// The scales to draw.
#[derive(Clone, Copy, Debug)]
pub struct Scales<'a> {
    /// What they belong to (`blk.0.attn_q.weight`).
    pub label: &'a str,
    /// The format and its scale type (`MXFP4: E8M0 scale per 32 values`).
    pub format: &'a str,
    /// One scale per block, as dequantization uses it.
    pub scales: &'a [f64],
    /// How they are stored.
    pub storage: Storage,
}

/// What the chart will draw.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// The x range (log2 of the scale).
    pub x: (f64, f64),
    /// Each bin: its log2 range and its count (empty bins included).
    pub bins: Vec<(f64, f64, u64)>,
    /// Scales binned (finite, nonzero).
    pub binned: u64,
    /// Zero scales.
    pub zeros: u64,
    /// Negative scales (binned by magnitude).
    pub negative: u64,
    /// Non-finite scales (left out).
    pub not_finite: u64,
    /// Smallest, median and largest |scale| of the binned ones.
    pub summary: Option<(f64, f64, f64)>,
}

/// `floor(log2 v)` of a positive finite `v`, from its bits (exact, no float logarithm: formats.md §1's `E(v)`).
pub fn exponent(v: f64) -> i32 {
    let bits = v.abs().to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    if biased == 0 {
        // Subnormal: the exponent of its leading mantissa bit.
        let mantissa = bits & ((1u64 << 52) - 1);
        -1074 + 63 - mantissa.leading_zeros() as i32
    } else {
        biased - 1023
    }
}

/// Computes the bins.
pub fn plan(input: &Scales<'_>) -> Plan {
    let not_finite = input.scales.iter().filter(|s| !s.is_finite()).count() as u64;
    let zeros = input.scales.iter().filter(|s| **s == 0.0).count() as u64;
    let negative = input.scales.iter().filter(|s| s.is_finite() && **s < 0.0).count() as u64;
    let mut magnitudes: Vec<f64> = input.scales.iter().filter(|s| s.is_finite() && **s != 0.0).map(|s| s.abs()).collect();
    magnitudes.sort_by(f64::total_cmp);
    let binned = magnitudes.len() as u64;
    let summary = (!magnitudes.is_empty()).then(|| (magnitudes[0], magnitudes[magnitudes.len() / 2], magnitudes[magnitudes.len() - 1]));
    let bins = match (input.storage, summary) {
        (_, None) => Vec::new(),
        (Storage::PowerOfTwo, Some((lo, _, hi))) => {
            let (e0, e1) = (exponent(lo), exponent(hi));
            let mut counts = vec![0u64; (e1 - e0 + 1) as usize];
            for &m in &magnitudes {
                counts[(exponent(m) - e0) as usize] += 1;
            }
            counts.into_iter().enumerate().map(|(i, c)| ((e0 + i as i32) as f64 - 0.5, (e0 + i as i32) as f64 + 0.5, c)).collect()
        }
        (Storage::Continuous, Some((lo, _, hi))) => {
            let (a, b) = (lo.log2(), hi.log2());
            let (a, b) = if b > a { (a, b) } else { (a - 0.5, a + 0.5) };
            let n = data::bin_count(magnitudes.len());
            let counts = data::histogram(magnitudes.iter().map(|m| m.log2()), a, b, n);
            let w = (b - a) / n as f64;
            counts.into_iter().enumerate().map(|(i, c)| (a + i as f64 * w, a + (i + 1) as f64 * w, c)).collect()
        }
    };
    let x = match (bins.first(), bins.last()) {
        (Some(f), Some(l)) => data::pad(f.0, l.1, 0.04),
        _ => (-1.0, 1.0),
    };
    Plan { x, bins, binned, zeros, negative, not_finite, summary }
}

/// `2^k` for an integer tick, nothing between them.
fn power_tick(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("2^{}", v.round() as i64)
    } else {
        String::new()
    }
}

/// The text alternative: how many scales, their range and median, the zero and negative ones, the bins.
pub fn caption(input: &Scales<'_>, plan: &Plan) -> String {
    let total = input.scales.len() as u64;
    let mut s = format!("Block scales of {} ({}): {} blocks", input.label, input.format, count(total));
    if let Some((lo, mid, hi)) = plan.summary {
        s += &format!("; |scale| from {} to {}, median {}", num(lo), num(hi), num(mid));
        s += &match input.storage {
            Storage::PowerOfTwo => {
                let busiest = plan.bins.iter().max_by_key(|b| b.2).map(|b| ((b.0 + b.1) / 2.0).round() as i64);
                format!(
                    "; powers of two from 2^{} to 2^{}, one bar per exponent{}",
                    exponent(lo),
                    exponent(hi),
                    busiest.map_or(String::new(), |e| format!(", most blocks at 2^{e}"))
                )
            }
            Storage::Continuous => format!("; {} bins of log2 |scale|", plan.bins.len()),
        };
    }
    if plan.zeros > 0 {
        s += &format!("; {} zero (all-zero blocks, not on the log axis)", count(plan.zeros));
    }
    if plan.negative > 0 {
        s += &format!("; {} negative (binned by magnitude)", count(plan.negative));
    }
    if plan.not_finite > 0 {
        s += &format!("; {} not finite (left out)", count(plan.not_finite));
    }
    s += ".";
    s
}

/// Draws the scales' histogram (computes the [`plan`] first).
pub fn draw<DB: DrawingBackend>(area: &Area<DB>, input: &Scales<'_>, theme: &Theme) -> ChartResult<Drawn, DB> {
    draw_plan(area, input, &plan(input), theme)
}

/// Draws the chart from a plan computed before.
pub fn draw_plan<DB: DrawingBackend>(area: &Area<DB>, input: &Scales<'_>, plan: &Plan, theme: &Theme) -> ChartResult<Drawn, DB> {
    let title = format!("Block scales · {}", input.label);
    if plan.bins.is_empty() {
        let msg = if plan.zeros > 0 { "every block scale is zero" } else { "no block scales" };
        return common::nothing(area, theme, &title, msg, caption(input, plan));
    }
    let peak = plan.bins.iter().map(|b| b.2).max().unwrap_or(1).max(1) as f64;
    let y = (0.0, peak * 1.1);
    let bar = theme.primary.mix(0.7);
    let kind = match input.storage {
        Storage::PowerOfTwo => "one bar per power of two",
        Storage::Continuous => "bins of log2 |scale|",
    };
    let mut legend = vec![common::entry(Swatch::Box(bar), format!("blocks ({}, {kind})", count(plan.binned)))];
    if let Some((lo, mid, hi)) = plan.summary {
        legend.push(common::entry(Swatch::Dashed(theme.foreground), format!("median {} (range {} to {})", num(mid), num(lo), num(hi))));
    }
    if plan.zeros > 0 {
        legend.push(common::entry(
            Swatch::Box(theme.muted.mix(0.5)),
            format!("{} zero scales (all-zero blocks, off the log axis)", count(plan.zeros)),
        ));
    }
    if plan.negative > 0 {
        legend.push(common::entry(Swatch::Box(theme.muted.mix(0.5)), format!("{} negative (by magnitude)", count(plan.negative))));
    }
    let mut axes = Axes::new(&title, plan.x, y, "block scale (log2 axis)", "count (blocks)");
    // Powers of two at whole exponents; over less than three octaves of continuous scales, the scales themselves.
    let octaves = plan.x.1 - plan.x.0;
    let xf = |v: &f64| if input.storage == Storage::PowerOfTwo || octaves >= 3.0 { power_tick(*v) } else { format::sig(v.exp2(), 3) };
    axes.x_fmt = Some(&xf);
    let span = (plan.x.1 - plan.x.0).round().max(1.0) as usize;
    axes.x_labels = span.min(12) + 1;
    let yf = |v: &f64| if v.fract() == 0.0 && *v <= peak { count(*v as u64) } else { String::new() };
    axes.y_fmt = Some(&yf);
    axes.y_labels = (peak as usize + 2).min(6);
    let mut chart = common::chart(area, theme, &axes, &legend)?;
    let gap = match input.storage {
        Storage::PowerOfTwo => 0.08,
        Storage::Continuous => 0.0,
    };
    let bars: Vec<_> = plan
        .bins
        .iter()
        .filter(|b| b.2 > 0)
        .map(|&(a, b, c)| Rectangle::new([(a + gap, 0.0), (b - gap, c as f64)], bar.filled()))
        .collect();
    let mut primitives = bars.len();
    chart.draw_series(bars)?;
    // Counts over the bars of a power-of-two histogram (few bars, each an exponent).
    if input.storage == Storage::PowerOfTwo && plan.bins.len() <= 24 {
        let font = common::text(theme, 10.0, &theme.foreground).pos(plotters::style::text_anchor::Pos::new(
            plotters::style::text_anchor::HPos::Center,
            plotters::style::text_anchor::VPos::Bottom,
        ));
        chart.draw_series(
            plan.bins.iter().filter(|b| b.2 > 0).map(|&(a, b, c)| Text::new(count(c), ((a + b) / 2.0, c as f64), font.clone())),
        )?;
    }
    if let Some((_, mid, _)) = plan.summary {
        let m = mid.log2();
        let style = ShapeStyle::from(theme.foreground).stroke_width(theme.px(1.5));
        let dash = (y.1 - y.0) / 40.0;
        let mut v = 0.0;
        while v < y.1 {
            chart.draw_series(std::iter::once(PathElement::new(vec![(m, v), (m, (v + dash).min(y.1))], style)))?;
            v += 2.0 * dash;
        }
        primitives += 1;
    }
    let frame = common::frame(&chart, plan.x, y, false);
    Ok(Drawn { caption: caption(input, plan), frame: Some(frame), primitives })
}
