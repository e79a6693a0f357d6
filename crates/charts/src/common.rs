//! Shared drawing: background, axes with titles and readable ticks, legend, frame, messages.

use crate::format;
use crate::theme::Theme;
use crate::{Area, ChartResult, Drawn, PlotFrame};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

pub(crate) type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

pub(crate) fn text<'a>(theme: &Theme, size: f64, color: &RGBColor) -> TextStyle<'a> {
    (theme.font_family, theme.font_px(size)).into_font().color(color)
}

/// Axis titles and their ranges.
pub(crate) struct Axes<'s> {
    pub title: &'s str,
    pub x: (f64, f64),
    pub y: (f64, f64),
    pub x_desc: &'s str,
    pub y_desc: &'s str,
    /// Formats x ticks (default: by the axis span).
    pub x_fmt: Option<&'s dyn Fn(&f64) -> String>,
    pub y_fmt: Option<&'s dyn Fn(&f64) -> String>,
    pub x_labels: usize,
    pub y_labels: usize,
}

impl<'s> Axes<'s> {
    pub fn new(title: &'s str, x: (f64, f64), y: (f64, f64), x_desc: &'s str, y_desc: &'s str) -> Self {
        Axes { title, x, y, x_desc, y_desc, x_fmt: None, y_fmt: None, x_labels: 8, y_labels: 6 }
    }
}

/// How a legend entry is drawn.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Swatch {
    /// A line of a stroke width.
    Line(RGBColor, f64),
    /// A dashed line.
    Dashed(RGBColor),
    /// A filled box.
    Box(RGBAColor),
    /// A wide translucent line of a stroke width.
    Band(RGBAColor, f64),
    /// A dot.
    Dot(RGBColor),
    /// A cross.
    Cross(RGBColor),
    /// A marker shape, filled.
    Marker(RGBColor, Marker),
    /// A box hatched with diagonal lines (cells with no value).
    Hatch(RGBColor, RGBColor),
}

/// The shape of a point, paired with a colour so series differ by more than colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Marker {
    Circle,
    Square,
    TriangleUp,
    Diamond,
    TriangleDown,
    Plus,
    Cross,
    Hexagon,
}

impl Marker {
    const ALL: [Marker; 8] = [
        Marker::Circle,
        Marker::Square,
        Marker::TriangleUp,
        Marker::Diamond,
        Marker::TriangleDown,
        Marker::Plus,
        Marker::Cross,
        Marker::Hexagon,
    ];

    /// The `i`-th series' marker; with the palette's 8 colours (`i % 8`), the first 64 series all differ.
    pub fn nth(i: usize) -> Marker {
        Marker::ALL[(i + i / Marker::ALL.len()) % Marker::ALL.len()]
    }

    /// The shape's outline in pixels around its centre (`None`: a circle), radius `r`.
    pub fn outline(self, r: i32) -> Option<Vec<(i32, i32)>> {
        let t = (r / 3).max(1);
        Some(match self {
            Marker::Circle => return None,
            Marker::Square => vec![(-r, -r), (r, -r), (r, r), (-r, r)],
            Marker::TriangleUp => vec![(0, -r - 1), (r + 1, r), (-r - 1, r)],
            Marker::TriangleDown => vec![(0, r + 1), (r + 1, -r), (-r - 1, -r)],
            Marker::Diamond => vec![(0, -r - 1), (r + 1, 0), (0, r + 1), (-r - 1, 0)],
            Marker::Plus => {
                vec![(-t, -r), (t, -r), (t, -t), (r, -t), (r, t), (t, t), (t, r), (-t, r), (-t, t), (-r, t), (-r, -t), (-t, -t)]
            }
            Marker::Cross => vec![
                (-r, -r + t),
                (-r + t, -r),
                (0, -t),
                (r - t, -r),
                (r, -r + t),
                (t, 0),
                (r, r - t),
                (r - t, r),
                (0, t),
                (-r + t, r),
                (-r, r - t),
                (-t, 0),
            ],
            Marker::Hexagon => {
                let h = r * 7 / 8;
                vec![(-r / 2, -h), (r / 2, -h), (r, 0), (r / 2, h), (-r / 2, h), (-r, 0)]
            }
        })
    }
}

/// Draws a marker on a chart at a data point, moved `offset` pixels; filled, or outlined when `filled` is false.
pub(crate) fn draw_marker<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    at: (f64, f64),
    offset: (i32, i32),
    marker: Marker,
    r: i32,
    style: ShapeStyle,
) -> ChartResult<(), DB> {
    draw_markers(chart, std::iter::once(at), offset, marker, r, style)
}

/// Draws the same marker at many data points in one series (one pass of plotters' drawing machinery).
pub(crate) fn draw_markers<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    points: impl IntoIterator<Item = (f64, f64)>,
    (dx, dy): (i32, i32),
    marker: Marker,
    r: i32,
    style: ShapeStyle,
) -> ChartResult<(), DB> {
    match marker.outline(r) {
        None => {
            chart.draw_series(points.into_iter().map(|at| EmptyElement::at(at) + Circle::new((dx, dy), r, style)))?;
        }
        Some(outline) => {
            let mut shape: Vec<(i32, i32)> = outline.into_iter().map(|(x, y)| (x + dx, y + dy)).collect();
            if style.filled {
                chart.draw_series(points.into_iter().map(|at| EmptyElement::at(at) + Polygon::new(shape.clone(), style)))?;
            } else {
                shape.push(shape[0]);
                chart.draw_series(points.into_iter().map(|at| EmptyElement::at(at) + PathElement::new(shape.clone(), style)))?;
            }
        }
    }
    Ok(())
}

/// The diagonal hatch lines (45°, `gap` pixels apart) clipped to the box `[x0, x1] × [y0, y1]` (pixels).
pub(crate) fn hatch_lines((x0, y0): (i32, i32), (x1, y1): (i32, i32), gap: i32) -> Vec<[(i32, i32); 2]> {
    let gap = gap.max(2);
    let (w, h) = (x1 - x0, y1 - y0);
    let mut lines = Vec::new();
    if w <= 0 || h <= 0 {
        return lines;
    }
    // Lines x - x0 + (y1 - y) = c, for c = gap, 2·gap, ... < w + h, from the lower-left corner.
    let mut c = gap;
    while c < w + h {
        let (ax, ay) = if c <= w { (x0 + c, y1) } else { (x1, y1 - (c - w)) };
        let (bx, by) = if c <= h { (x0, y1 - c) } else { (x0 + (c - h), y0) };
        lines.push([(ax, ay), (bx, by)]);
        c += gap;
    }
    lines
}

/// One legend entry.
pub(crate) struct Entry {
    pub swatch: Swatch,
    pub label: String,
}

pub(crate) fn entry(swatch: Swatch, label: impl Into<String>) -> Entry {
    Entry { swatch, label: label.into() }
}

/// Title and legend laid out in rows above the plot: where each entry goes and the strip's height.
fn layout<DB: DrawingBackend>(area: &Area<DB>, theme: &Theme, legend: &[Entry]) -> ChartResult<(Vec<(i32, i32)>, u32), DB> {
    let (w, _) = area.dim_in_pixel();
    let pad = theme.px(8.0) as i32;
    let row = theme.px(17.0) as i32;
    let swatch = theme.px(22.0) as i32;
    let gap = theme.px(16.0) as i32;
    let style = text(theme, 11.0, &theme.foreground);
    let mut at = Vec::with_capacity(legend.len());
    let top = pad + theme.px(20.0) as i32;
    let (mut x, mut y) = (pad, top);
    for e in legend {
        let (tw, _) = area.estimate_text_size(&e.label, &style)?;
        let width = swatch + tw as i32;
        if x > pad && x + width > w as i32 - pad {
            x = pad;
            y += row;
        }
        at.push((x, y));
        x += width + gap;
    }
    let height = if legend.is_empty() { top } else { y + row } + theme.px(4.0) as i32;
    Ok((at, height as u32))
}

fn draw_swatch<DB: DrawingBackend>(area: &Area<DB>, theme: &Theme, swatch: Swatch, (x, y): (i32, i32)) -> ChartResult<(), DB> {
    let w = theme.px(16.0) as i32;
    match swatch {
        Swatch::Line(c, width) => {
            area.draw(&PathElement::new(vec![(x, y), (x + w, y)], ShapeStyle::from(c).stroke_width(theme.px(width))))?
        }
        Swatch::Dashed(c) => {
            let seg = theme.px(4.0) as i32;
            let style = ShapeStyle::from(c).stroke_width(theme.px(1.5));
            let mut a = x;
            while a < x + w {
                area.draw(&PathElement::new(vec![(a, y), ((a + seg).min(x + w), y)], style))?;
                a += 2 * seg;
            }
        }
        Swatch::Band(c, width) => {
            area.draw(&PathElement::new(vec![(x, y), (x + w, y)], ShapeStyle::from(c).stroke_width(theme.px(width))))?
        }
        Swatch::Box(c) => {
            let h = theme.px(5.0) as i32;
            area.draw(&Rectangle::new([(x, y - h), (x + w, y + h)], c.filled()))?
        }
        Swatch::Dot(c) => area.draw(&Circle::new((x + w / 2, y), theme.px(3.5), c.filled()))?,
        Swatch::Cross(c) => area.draw(&Cross::new((x + w / 2, y), theme.px(4.0), ShapeStyle::from(c).stroke_width(theme.px(1.5))))?,
        Swatch::Marker(c, marker) => {
            let (r, at) = (theme.px(4.0) as i32, (x + w / 2, y));
            match marker.outline(r) {
                None => area.draw(&Circle::new(at, r, c.filled()))?,
                Some(points) => {
                    area.draw(&Polygon::new(points.into_iter().map(|(a, b)| (a + at.0, b + at.1)).collect::<Vec<_>>(), c.filled()))?
                }
            }
        }
        Swatch::Hatch(fill, line) => {
            let h = theme.px(6.0) as i32;
            area.draw(&Rectangle::new([(x, y - h), (x + w, y + h)], fill.filled()))?;
            let style = ShapeStyle::from(line).stroke_width(theme.px(1.0));
            for [a, b] in hatch_lines((x, y - h), (x + w, y + h), theme.px(4.0) as i32) {
                area.draw(&PathElement::new(vec![a, b], style))?;
            }
        }
    }
    Ok(())
}

/// Fills the background, writes the title and the legend in rows above the plot, and sets up a
/// cartesian chart below them with its mesh, axis titles and tick labels. The legend never covers data.
pub(crate) fn chart<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    theme: &Theme,
    axes: &Axes<'_>,
    legend: &[Entry],
) -> ChartResult<Chart<'a, DB>, DB> {
    area.fill(&theme.background)?;
    let (w, _) = area.dim_in_pixel();
    // Fewer ticks on narrow areas so labels never collide.
    let narrow = (w as f64) < 480.0 * theme.scale;
    let (at, strip) = layout(area, theme, legend)?;
    let xspan = axes.x.1 - axes.x.0;
    let yspan = axes.y.1 - axes.y.0;
    let xf = move |v: &f64| format::tick(*v, xspan);
    let yf = move |v: &f64| format::tick(*v, yspan);
    let y_fmt: &dyn Fn(&f64) -> String = axes.y_fmt.unwrap_or(&yf);
    // Room for the longest y tick label, the tick and the rotated axis title.
    let longest = (0..=10).map(|i| y_fmt(&(axes.y.0 + yspan * i as f64 / 10.0)).chars().count()).max().unwrap_or(4);
    let y_area = 30.0 + 6.6 * longest as f64;
    // Half the last x tick label must fit right of the plot.
    let x_fmt: &dyn Fn(&f64) -> String = axes.x_fmt.unwrap_or(&xf);
    let last_x = (0..=4).map(|i| x_fmt(&(axes.x.1 - xspan * i as f64 / 40.0)).chars().count()).max().unwrap_or(3);
    let right = (3.6 * last_x as f64).max(16.0);
    let mut builder = ChartBuilder::on(area);
    builder
        .margin(theme.px(8.0))
        .margin_top(strip)
        .margin_right(theme.px(right))
        .x_label_area_size(theme.px(42.0))
        .y_label_area_size(theme.px(y_area));
    let mut chart = builder.build_cartesian_2d(axes.x.0..axes.x.1, axes.y.0..axes.y.1)?;
    let x_labels = if narrow { (axes.x_labels / 2).max(3) } else { axes.x_labels };
    chart
        .configure_mesh()
        .bold_line_style(theme.grid)
        .light_line_style(TRANSPARENT)
        .axis_style(ShapeStyle::from(theme.muted).stroke_width(theme.px(1.0)))
        .set_all_tick_mark_size(theme.px(4.0))
        .x_labels(x_labels)
        .y_labels(axes.y_labels)
        .x_label_formatter(x_fmt)
        .y_label_formatter(y_fmt)
        .label_style(text(theme, 11.0, &theme.foreground))
        .axis_desc_style(text(theme, 12.0, &theme.foreground))
        .x_desc(axes.x_desc)
        .y_desc(axes.y_desc)
        .draw()?;
    // Title and legend.
    let pad = theme.px(8.0) as i32;
    let title_style = text(theme, 14.0, &theme.foreground).pos(Pos::new(HPos::Left, VPos::Top));
    area.draw(&Text::new(axes.title.to_string(), (pad, pad), title_style))?;
    let label_style = text(theme, 11.0, &theme.foreground).pos(Pos::new(HPos::Left, VPos::Center));
    for (e, &(x, y)) in legend.iter().zip(&at) {
        draw_swatch(area, theme, e.swatch, (x, y))?;
        area.draw(&Text::new(e.label.clone(), (x + theme.px(22.0) as i32, y), label_style.clone()))?;
    }
    Ok(chart)
}

/// The clipped share beside each threshold `a` (below) and `b` (above), at height `at`: on its clipped side,
/// or inside with an arrow when that side is too narrow for the label (← and →: the PDF's Symbol font has them).
pub(crate) fn clip_labels<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    theme: &Theme,
    (a, b): (f64, f64),
    (x0, x1): (f64, f64),
    at: f64,
    (below, above): (f64, f64),
) -> ChartResult<(), DB> {
    let font = text(theme, 11.0, &theme.clip);
    let gap = (x1 - x0) * 0.006;
    let room = 0.16 * (x1 - x0);
    let (below, above) = (format::pct(below), format::pct(above));
    let labels = [
        if a - x0 >= room {
            (a - gap, format!("{below} clipped"), HPos::Right)
        } else {
            (a + gap, format!("← {below} clipped"), HPos::Left)
        },
        if x1 - b >= room {
            (b + gap, format!("{above} clipped"), HPos::Left)
        } else {
            (b - gap, format!("{above} clipped →"), HPos::Right)
        },
    ];
    for (x, label, h) in labels {
        chart.draw_series(std::iter::once(Text::new(label, (x, at), font.clone().pos(Pos::new(h, VPos::Bottom)))))?;
    }
    Ok(())
}

/// The plot's frame on the backend.
pub(crate) fn frame<DB: DrawingBackend>(chart: &Chart<'_, DB>, x: (f64, f64), y: (f64, f64), y_log: bool) -> PlotFrame {
    let (left, bottom) = chart.backend_coord(&(x.0, y.0));
    let (right, top) = chart.backend_coord(&(x.1, y.1));
    PlotFrame { left, right, top, bottom, x, y, y_log }
}

/// Fills the area and writes a message in its middle (nothing to plot).
pub(crate) fn message<DB: DrawingBackend>(area: &Area<DB>, theme: &Theme, title: &str, msg: &str) -> ChartResult<(), DB> {
    area.fill(&theme.background)?;
    let (w, h) = area.dim_in_pixel();
    let style = text(theme, 13.0, &theme.muted).pos(plotters::style::text_anchor::Pos::new(
        plotters::style::text_anchor::HPos::Center,
        plotters::style::text_anchor::VPos::Center,
    ));
    if !title.is_empty() {
        area.draw(&Text::new(
            title.to_string(),
            (w as i32 / 2, theme.px(16.0) as i32),
            text(theme, 14.0, &theme.foreground).pos(plotters::style::text_anchor::Pos::new(
                plotters::style::text_anchor::HPos::Center,
                plotters::style::text_anchor::VPos::Center,
            )),
        ))?;
    }
    area.draw(&Text::new(msg.to_string(), (w as i32 / 2, h as i32 / 2), style))?;
    Ok(())
}

/// Nothing to plot: the message in the middle, the caption saying so, no frame.
pub(crate) fn nothing<DB: DrawingBackend>(
    area: &Area<DB>,
    theme: &Theme,
    title: &str,
    msg: &str,
    caption: String,
) -> ChartResult<Drawn, DB> {
    message(area, theme, title, msg)?;
    Ok(Drawn { caption, frame: None, primitives: 0 })
}
