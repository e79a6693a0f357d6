//! Per-tensor vs per-channel: SQNR (dB) or MSE per channel for both granularities as grouped bars,
//! with the memory each costs in the legend (as the per-channel vs per-tensor calculator shows it).

use crate::common::{self, Axes, Swatch};
use crate::data::MAX_GROUPS;
use crate::format::{self, count};
use crate::theme::Theme;
use crate::{Area, ChartResult, Drawn};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use quantscope_core::analysis::Comparison;

/// The per-channel figure the bars show.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Metric {
    /// SQNR in dB (higher is better); lossless channels (`+∞`) reach the top, marked `∞`.
    #[default]
    SqnrDb,
    /// MSE on a logarithmic axis (lower is better); zero-error channels sit on the axis, marked `0`.
    Mse,
}

impl Metric {
    fn name(self) -> &'static str {
        match self {
            Metric::SqnrDb => "SQNR",
            Metric::Mse => "MSE",
        }
    }
}

/// One group of bars: a channel (or a run of consecutive channels when there are many).
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    /// First channel's name (and the last's when several share the group).
    pub label: String,
    /// Per-channel figure (the worst of the group).
    pub per_channel: Option<f64>,
    /// Per-tensor figure (the worst of the group).
    pub per_tensor: Option<f64>,
}

/// What the chart will draw.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The metric.
    pub metric: Metric,
    /// The groups, in channel order.
    pub groups: Vec<Group>,
    /// Channels per group (1 unless there are more than [`MAX_GROUPS`]).
    pub per_group: usize,
}

fn worse(metric: Metric, a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(match metric {
            Metric::SqnrDb => a.min(b),
            Metric::Mse => a.max(b),
        }),
        (a, None) => a,
        (None, b) => b,
    }
}

/// Computes the groups.
pub fn plan(comparison: &Comparison, metric: Metric) -> Plan {
    let pick = |m: &quantscope_core::metrics::Metrics| match metric {
        Metric::SqnrDb => m.sqnr_db,
        Metric::Mse => m.mse,
    };
    let pc = &comparison.per_channel.channels;
    let pt = &comparison.per_tensor.channels;
    let n = pc.len();
    let per_group = n.div_ceil(MAX_GROUPS).max(1);
    let groups = (0..n)
        .step_by(per_group)
        .map(|start| {
            let end = (start + per_group).min(n);
            let mut g = Group {
                label: if end - start == 1 { pc[start].name.clone() } else { format!("{}–{}", pc[start].name, pc[end - 1].name) },
                per_channel: None,
                per_tensor: None,
            };
            for (c, ch) in pc.iter().enumerate().take(end).skip(start) {
                g.per_channel = worse(metric, g.per_channel, pick(&ch.metrics));
                g.per_tensor = worse(metric, g.per_tensor, pt.get(c).and_then(|r| pick(&r.metrics)));
            }
            g
        })
        .collect();
    Plan { metric, groups, per_group }
}

fn memory_labels(comparison: &Comparison) -> (String, String) {
    let m = &comparison.memory;
    let over = |total: f64| if m.payload_bytes > 0.0 { format::pct((total - m.payload_bytes) / m.payload_bytes) } else { "–".into() };
    (
        format!("per-channel ({} pairs): {}, +{}", count(m.channels as u64), format::bytes(m.per_channel_bytes), over(m.per_channel_bytes)),
        format!("per-tensor (1 pair): {}, +{}", format::bytes(m.per_tensor_bytes), over(m.per_tensor_bytes)),
    )
}

/// The text alternative.
pub fn caption(comparison: &Comparison, plan: &Plan) -> String {
    let a = &comparison.per_channel;
    let m = &comparison.memory;
    let mut s = format!(
        "{} per channel, per-channel vs per-tensor parameters ({} channels, {} {}, {}): tensor SQNR {} per-channel vs {} per-tensor",
        plan.metric.name(),
        count(m.channels as u64),
        a.spec.dtype,
        a.spec.scheme.name(),
        a.convention,
        format::db(a.summary.metrics.sqnr_db),
        format::db(comparison.per_tensor.summary.metrics.sqnr_db),
    );
    if let Some(g) = comparison.sqnr_gain_db {
        s += &format!(" (gain {})", format::db(Some(g)));
    }
    // The channel that per-tensor parameters hurt most.
    let worst = comparison
        .per_tensor
        .channels
        .iter()
        .zip(&a.channels)
        .filter_map(|(t, c)| Some((t.metrics.sqnr_db?, c.metrics.sqnr_db?, &c.name)))
        .filter(|(t, _, _)| t.is_finite())
        .min_by(|x, y| x.0.total_cmp(&y.0));
    if let Some((t, c, name)) = worst {
        s += &format!("; worst channel {}: {} per-tensor vs {} per-channel", name, format::db(Some(t)), format::db(Some(c)));
    }
    let (pc, pt) = memory_labels(comparison);
    s += &format!(
        ". Memory for {} values at {} bits: payload {}; {}; {}.",
        count(m.elements as u64),
        m.bits,
        format::bytes(m.payload_bytes),
        pc,
        pt
    );
    if plan.per_group > 1 {
        s += &format!(" Grouped: each bar is the worst of {} consecutive channels.", plan.per_group);
    }
    s
}

/// Draws the grouped bars.
pub fn draw<DB: DrawingBackend>(area: &Area<DB>, comparison: &Comparison, metric: Metric, theme: &Theme) -> ChartResult<Drawn, DB> {
    let plan = plan(comparison, metric);
    draw_plan(area, comparison, &plan, theme)
}

/// Draws the chart from a plan computed before.
pub fn draw_plan<DB: DrawingBackend>(area: &Area<DB>, comparison: &Comparison, plan: &Plan, theme: &Theme) -> ChartResult<Drawn, DB> {
    let title = match plan.metric {
        Metric::SqnrDb => "SQNR per channel · per-channel vs per-tensor",
        Metric::Mse => "MSE per channel · per-channel vs per-tensor",
    };
    let n = plan.groups.len();
    if n == 0 {
        return common::nothing(area, theme, title, "no channels", "No channels to compare.".into());
    }
    // Bar heights in axis units: dB, or log10(MSE).
    let to_axis = |v: Option<f64>| -> Option<f64> {
        let v = v?;
        match plan.metric {
            Metric::SqnrDb => Some(v),
            Metric::Mse => Some(if v > 0.0 { v.log10() } else { f64::NEG_INFINITY }),
        }
    };
    let finite: Vec<f64> =
        plan.groups.iter().flat_map(|g| [to_axis(g.per_channel), to_axis(g.per_tensor)]).flatten().filter(|v| v.is_finite()).collect();
    let (lo, hi) = match (finite.iter().copied().reduce(f64::min), finite.iter().copied().reduce(f64::max)) {
        (Some(a), Some(b)) => (a, b),
        _ => (0.0, 1.0),
    };
    let y = match plan.metric {
        Metric::SqnrDb => (lo.min(0.0), if hi > 0.0 { hi * 1.08 } else { 1.0 }),
        Metric::Mse => ((lo - 0.5).floor(), (hi + 0.3).ceil()),
    };
    let x = (-0.5, n as f64 - 0.5);
    let names: Vec<&str> = plan.groups.iter().map(|g| g.label.as_str()).collect();
    let xf = |v: &f64| {
        let i = v.round();
        if (v - i).abs() < 1e-9 && i >= 0.0 && (i as usize) < names.len() {
            names[i as usize].to_string()
        } else {
            String::new()
        }
    };
    let yf_mse = |v: &f64| if (v - v.round()).abs() < 1e-9 { format!("1e{}", v.round() as i64) } else { String::new() };
    let y_desc = match plan.metric {
        Metric::SqnrDb => "SQNR (dB), higher is better",
        Metric::Mse => "MSE (value units², log), lower is better",
    };
    let x_desc = if plan.per_group > 1 { format!("channel (worst of {} per group)", plan.per_group) } else { "channel".into() };
    let (pc_label, pt_label) = memory_labels(comparison);
    let overall = |a: &quantscope_core::analysis::Analysis| match plan.metric {
        Metric::SqnrDb => format!(" · tensor {}", format::db(a.summary.metrics.sqnr_db)),
        Metric::Mse => format!(" · tensor MSE {}", format::opt(a.summary.metrics.mse)),
    };
    let legend = vec![
        common::entry(Swatch::Box(theme.primary.mix(1.0)), format!("{pc_label}{}", overall(&comparison.per_channel))),
        common::entry(Swatch::Box(theme.secondary.mix(1.0)), format!("{pt_label}{}", overall(&comparison.per_tensor))),
    ];
    let mut axes = Axes::new(title, x, y, &x_desc, y_desc);
    axes.x_fmt = Some(&xf);
    axes.x_labels = n.min(12);
    if plan.metric == Metric::Mse {
        axes.y_fmt = Some(&yf_mse);
    }
    let mut chart = common::chart(area, theme, &axes, &legend)?;
    let base = y.0.max(if plan.metric == Metric::SqnrDb { 0.0 } else { y.0 });
    let top = y.1;
    let bar = |i: usize, side: f64, v: Option<f64>| -> Option<(f64, f64, f64, f64)> {
        let v = to_axis(v)?;
        let h = if v == f64::INFINITY {
            top * 0.96
        } else if v == f64::NEG_INFINITY {
            base
        } else {
            v
        };
        let c = i as f64;
        let (a, b) = if side < 0.0 { (c - 0.40, c - 0.02) } else { (c + 0.02, c + 0.40) };
        Some((a, b, base.min(h), base.max(h)))
    };
    let mut primitives = 0;
    let mut markers = Vec::new();
    for (side, color, get) in
        [(-1.0, theme.primary, (|g: &Group| g.per_channel) as fn(&Group) -> Option<f64>), (1.0, theme.secondary, |g: &Group| g.per_tensor)]
    {
        let rects: Vec<_> = plan
            .groups
            .iter()
            .enumerate()
            .filter_map(|(i, g)| {
                let v = get(g);
                if let Some(v) = to_axis(v).filter(|v| v.is_infinite()) {
                    markers.push((i as f64 + side * 0.21, v));
                }
                bar(i, side, v)
            })
            .map(|(a, b, y0, y1)| Rectangle::new([(a, y0), (b, y1)], color.filled()))
            .collect();
        primitives += rects.len();
        chart.draw_series(rects)?;
    }
    // ∞ (lossless SQNR) and 0 (zero MSE) marks.
    let font = common::text(theme, 11.0, &theme.foreground).pos(Pos::new(HPos::Center, VPos::Bottom));
    for (xm, v) in markers {
        let (label, at) = if v > 0.0 { ("∞", top * 0.96) } else { ("0", base) };
        chart.draw_series(std::iter::once(Text::new(label, (xm, at), font.clone())))?;
    }
    let frame = common::frame(&chart, x, y, false);
    Ok(Drawn { caption: caption(comparison, plan), frame: Some(frame), primitives })
}
