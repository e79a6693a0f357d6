//! Bit-width sweep: SQNR (dB) against bits 2..16 for per-channel and per-tensor parameters, with
//! the 6.02 dB/bit rule as a faint guide through the per-channel point at the current width.

use crate::common::{self, Axes, Swatch};
use crate::format;
use crate::theme::Theme;
use crate::{Area, ChartResult, Drawn};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use quantscope_core::sweep::{BitSweep, DB_PER_BIT};

fn series(sweep: &BitSweep, per_channel: bool) -> Vec<(u32, f64)> {
    sweep.points.iter().filter_map(|p| Some((p.bits, if per_channel { p.per_channel_sqnr_db? } else { p.per_tensor_sqnr_db? }))).collect()
}

/// Average dB per bit of a series between its first and last finite points.
fn slope(points: &[(u32, f64)]) -> Option<(u32, u32, f64)> {
    let finite: Vec<&(u32, f64)> = points.iter().filter(|p| p.1.is_finite()).collect();
    let (a, b) = (finite.first()?, finite.last()?);
    (b.0 > a.0).then(|| (a.0, b.0, (b.1 - a.1) / (b.0 - a.0) as f64))
}

/// The text alternative.
pub fn caption(sweep: &BitSweep) -> String {
    let pc = series(sweep, true);
    let pt = series(sweep, false);
    let (lo, hi) = match (sweep.points.first(), sweep.points.last()) {
        (Some(a), Some(b)) => (a.bits, b.bits),
        _ => return "Bit-width sweep: no width could be computed.".into(),
    };
    let mut s = format!("SQNR vs bit width, {lo}–{hi} bits ({}):", if sweep.signed { "signed" } else { "unsigned" });
    if let Some(p) = sweep.at(sweep.current_bits) {
        s += &format!(
            " at the current {} bits per-channel {}, per-tensor {}",
            p.bits,
            format::db(p.per_channel_sqnr_db),
            format::db(p.per_tensor_sqnr_db)
        );
    }
    for (name, points) in [("per-channel", &pc), ("per-tensor", &pt)] {
        if let Some((a, b, d)) = slope(points) {
            s += &format!("; {name} gains {d:.2} dB per bit from {a} to {b} bits");
        }
    }
    s += &format!(" (guide: {DB_PER_BIT:.2} dB per bit)");
    if sweep.dropped_custom_range {
        s += ". The custom quant_min/quant_max applies to one width only: the sweep uses each width's full range";
    }
    if sweep.calibrated_from_data {
        s += ". Hand-typed parameters belong to one width: the sweep calibrates from the data";
    }
    for (bits, why) in &sweep.skipped {
        s += &format!(". {bits} bits skipped: {why}");
    }
    s += ".";
    s
}

/// Draws the sweep.
pub fn draw<DB: DrawingBackend>(area: &Area<DB>, sweep: &BitSweep, theme: &Theme) -> ChartResult<Drawn, DB> {
    let title = "SQNR vs bit width · per-channel and per-tensor";
    if sweep.points.is_empty() {
        return common::nothing(area, theme, title, "no bit width could be computed", caption(sweep));
    }
    let pc = series(sweep, true);
    let pt = series(sweep, false);
    let bits_lo = sweep.points.first().map_or(2, |p| p.bits);
    let bits_hi = sweep.points.last().map_or(16, |p| p.bits);
    let finite: Vec<f64> = pc.iter().chain(&pt).map(|p| p.1).filter(|v| v.is_finite()).collect();
    let ymin = finite.iter().copied().fold(f64::INFINITY, f64::min);
    let ymax = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (ymin, ymax) = if ymin.is_finite() { (ymin.min(0.0), ymax.max(1.0)) } else { (0.0, 100.0) };
    let y = (ymin, ymax + (ymax - ymin) * 0.06);
    let x = (bits_lo as f64 - 0.5, bits_hi as f64 + 0.5);
    let xf = |v: &f64| if (v - v.round()).abs() < 1e-9 { format!("{}", v.round() as i64) } else { String::new() };
    let at = sweep.at(sweep.current_bits);
    let label = |name: &str, v: Option<f64>| match v {
        Some(v) => format!("{name} ({} at {} bits)", format::db(Some(v)), sweep.current_bits),
        None => name.to_string(),
    };
    let mut legend = vec![
        common::entry(Swatch::Line(theme.primary, 2.0), label("per-channel", at.and_then(|p| p.per_channel_sqnr_db))),
        common::entry(Swatch::Line(theme.secondary, 2.0), label("per-tensor", at.and_then(|p| p.per_tensor_sqnr_db))),
    ];
    let guide: Vec<(f64, f64)> =
        (bits_lo..=bits_hi).filter_map(|b| sweep.guide_db(b).map(|g| (b as f64, g))).filter(|(_, g)| *g >= y.0 && *g <= y.1).collect();
    if guide.len() >= 2 {
        legend.push(common::entry(Swatch::Band(theme.muted.mix(0.28), 8.0), format!("guide: {:.2} dB per bit", DB_PER_BIT)));
    }
    let mut axes = Axes::new(title, x, y, "bit width (bits)", "SQNR (dB), higher is better");
    axes.x_fmt = Some(&xf);
    axes.x_labels = (bits_hi - bits_lo + 1) as usize;
    let mut chart = common::chart(area, theme, &axes, &legend)?;
    let mut primitives = 0;
    let top = y.1 - (y.1 - y.0) * 0.03;
    let clamp = |v: f64| {
        if v.is_finite() {
            v
        } else if v > 0.0 {
            top
        } else {
            y.0
        }
    };

    // The 6 dB/bit guide: a wide faint band under the lines, so a series that follows the rule runs inside it.
    if guide.len() >= 2 {
        let style = ShapeStyle::from(theme.muted.mix(0.28)).stroke_width(theme.px(8.0));
        primitives += 1;
        chart.draw_series(std::iter::once(PathElement::new(vec![guide[0], guide[guide.len() - 1]], style)))?;
    }

    // Current width.
    let cur = sweep.current_bits as f64;
    if cur >= x.0 && cur <= x.1 {
        let style = ShapeStyle::from(theme.foreground.mix(0.35)).stroke_width(theme.px(1.0));
        chart.draw_series(std::iter::once(PathElement::new(vec![(cur, y.0), (cur, y.1)], style)))?;
        let font = common::text(theme, 11.0, &theme.muted).pos(Pos::new(HPos::Left, VPos::Bottom));
        chart.draw_series(std::iter::once(Text::new(
            format!(" {} bits (current)", sweep.current_bits),
            (cur, y.0 + (y.1 - y.0) * 0.02),
            font,
        )))?;
    }

    let r = theme.px(3.5);
    for (points, color) in [(&pc, theme.primary), (&pt, theme.secondary)] {
        let line: Vec<(f64, f64)> = points.iter().map(|&(b, v)| (b as f64, clamp(v))).collect();
        primitives += 1 + line.len();
        chart.draw_series(std::iter::once(PathElement::new(line.clone(), ShapeStyle::from(color).stroke_width(theme.px(2.0)))))?;
        chart.draw_series(line.iter().map(|&p| Circle::new(p, r, color.filled())))?;
        let font = common::text(theme, 11.0, &color).pos(Pos::new(HPos::Center, VPos::Bottom));
        let inf: Vec<_> = points.iter().filter(|p| p.1 == f64::INFINITY).map(|p| Text::new("∞", (p.0 as f64, top), font.clone())).collect();
        chart.draw_series(inf)?;
    }

    let frame = common::frame(&chart, x, y, false);
    Ok(Drawn { caption: caption(sweep), frame: Some(frame), primitives })
}
