//! One chart on a canvas: sized to its column by a ResizeObserver, drawn at the device pixel ratio
//! (sharp on high-DPI screens), in the page's colour scheme, redrawn in place (no flicker) when its
//! data, size or scheme changes; a hover tooltip and the caption as the text alternative.

use std::sync::Arc;

use leptos::html;
use leptos::prelude::*;
use plotters::coord::Shift;
use plotters::prelude::{DrawingArea, IntoDrawingArea};
use plotters_backend::{BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind};
use plotters_canvas::CanvasBackend;
use quantscope_charts::{Drawn, PlotFrame, Scope, Subject, Theme};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

use crate::browser::timer::page_ms as now;
use quantscope_app::results::ChartData;

/// The backend the charts draw on: plotters' canvas backend, with text measured by the canvas
/// itself (plotters would measure it with a styled DOM element, which the page's CSP forbids and
/// which forces a layout per label).
pub struct Canvas {
    inner: CanvasBackend,
    context: CanvasRenderingContext2d,
}

type CanvasResult = Result<(), DrawingErrorKind<<CanvasBackend as DrawingBackend>::ErrorType>>;

impl DrawingBackend for Canvas {
    type ErrorType = <CanvasBackend as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }
    fn ensure_prepared(&mut self) -> CanvasResult {
        self.inner.ensure_prepared()
    }
    fn present(&mut self) -> CanvasResult {
        self.inner.present()
    }
    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> CanvasResult {
        self.inner.draw_pixel(point, color)
    }
    fn draw_line<S: BackendStyle>(&mut self, from: BackendCoord, to: BackendCoord, style: &S) -> CanvasResult {
        self.inner.draw_line(from, to, style)
    }
    fn draw_rect<S: BackendStyle>(&mut self, upper_left: BackendCoord, bottom_right: BackendCoord, style: &S, fill: bool) -> CanvasResult {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }
    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(&mut self, path: I, style: &S) -> CanvasResult {
        self.inner.draw_path(path, style)
    }
    fn draw_circle<S: BackendStyle>(&mut self, center: BackendCoord, radius: u32, style: &S, fill: bool) -> CanvasResult {
        self.inner.draw_circle(center, radius, style, fill)
    }
    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(&mut self, vert: I, style: &S) -> CanvasResult {
        self.inner.fill_polygon(vert, style)
    }
    fn draw_text<S: BackendTextStyle>(&mut self, text: &str, style: &S, pos: BackendCoord) -> CanvasResult {
        self.inner.draw_text(text, style, pos)
    }
    fn estimate_text_size<S: BackendTextStyle>(&self, text: &str, style: &S) -> Result<(u32, u32), DrawingErrorKind<Self::ErrorType>> {
        self.context.set_font(&format!("{} {}px {}", style.style().as_str(), style.size(), style.family().as_str()));
        let width = self.context.measure_text(text).map(|m| m.width()).unwrap_or(0.0);
        Ok((width.ceil() as u32, style.size().ceil() as u32))
    }
}

/// The area a chart component draws on.
pub type Area = DrawingArea<Canvas, Shift>;

/// A chart to draw, compared by identity (a new one comes with new data).
#[derive(Clone)]
pub struct ChartRef(pub Arc<dyn CanvasChart>);

impl PartialEq for ChartRef {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl ChartRef {
    /// Wraps a chart.
    pub fn new(chart: impl CanvasChart) -> Self {
        ChartRef(Arc::new(chart))
    }
}

/// A chart a [`ChartCanvas`] can draw: its data, already planned (one pass over the values), so a
/// resize or a change of scheme redraws without touching the data again.
pub trait CanvasChart: Send + Sync + 'static {
    /// Draws the chart; `None` when the backend failed (the caption then says nothing was drawn).
    fn draw(&self, area: &Area, theme: &Theme) -> Option<Drawn>;
    /// The tooltip for a backend pixel (device pixels), if the chart has one there.
    fn hover(&self, _frame: &PlotFrame, _px: f64, _py: f64) -> Option<String> {
        None
    }
    /// The caption before the chart is drawn (and if drawing fails).
    fn caption(&self) -> String;
    /// How long the plan (the pass over the data) took, in ms.
    fn plan_ms(&self) -> f64 {
        0.0
    }
}

/// One of the element charts (reconstruction, error, histogram): planned once from the analysis
/// and a scope, then drawn (and hovered) from the plan.
pub trait ElementKind: Send + Sync + 'static {
    /// What the pass over the data leaves for drawing.
    type Plan: Send + Sync + 'static;
    fn plan(subject: &Subject<'_>) -> Self::Plan;
    fn draw(area: &Area, subject: &Subject<'_>, plan: &Self::Plan, theme: &Theme) -> Option<Drawn>;
    fn hover(subject: &Subject<'_>, plan: &Self::Plan, frame: &PlotFrame, px: f64, py: f64) -> Option<String>;
    fn caption(subject: &Subject<'_>, plan: &Self::Plan) -> String;
}

/// An element chart with its data, scope and plan.
pub struct ElementChart<K: ElementKind> {
    data: ChartData,
    scope: Scope,
    plan: K::Plan,
    plan_ms: f64,
}

impl<K: ElementKind> ElementChart<K> {
    pub fn new(data: ChartData, scope: Scope) -> Self {
        let (plan, plan_ms) = timed(|| K::plan(&Subject::new(data.analysis(), scope).with_range_choice(data.range_choice())));
        ElementChart { data, scope, plan, plan_ms }
    }

    fn subject(&self) -> Subject<'_> {
        Subject::new(self.data.analysis(), self.scope).with_range_choice(self.data.range_choice())
    }
}

impl<K: ElementKind> CanvasChart for ElementChart<K> {
    fn draw(&self, area: &Area, theme: &Theme) -> Option<Drawn> {
        K::draw(area, &self.subject(), &self.plan, theme)
    }
    fn hover(&self, frame: &PlotFrame, px: f64, py: f64) -> Option<String> {
        K::hover(&self.subject(), &self.plan, frame, px, py)
    }
    fn caption(&self) -> String {
        K::caption(&self.subject(), &self.plan)
    }
    fn plan_ms(&self) -> f64 {
        self.plan_ms
    }
}

/// The chart of kind `K` for the data and scope, replanned when either changes.
pub fn element_chart<K: ElementKind>(data: Memo<Option<ChartData>>, scope: Signal<Scope>) -> Memo<Option<ChartRef>> {
    Memo::new(move |_| data.get().map(|d| ChartRef::new(ElementChart::<K>::new(d, scope.get()))))
}

/// Runs `f` and says how long it took (ms).
pub fn timed<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let start = now();
    let out = f();
    (out, now() - start)
}

/// The page's scheme: dark when the system asks for it (the stylesheet follows the same query).
fn prefers_dark() -> bool {
    window().match_media("(prefers-color-scheme: dark)").ok().flatten().is_some_and(|m| m.matches())
}

/// `#rrggbb` from a CSS custom property of `element`.
fn css_color(element: &web_sys::Element, name: &str) -> Option<plotters::style::RGBColor> {
    let style = window().get_computed_style(element).ok()??;
    let value = style.get_property_value(name).ok()?;
    let hex = value.trim().strip_prefix('#')?;
    if hex.len() != 6 {
        return None;
    }
    let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
    Some(plotters::style::RGBColor(byte(0)?, byte(2)?, byte(4)?))
}

/// The chart theme for the page's scheme: the chart palette, with the page's own surface, text and
/// muted colours so a chart sits on its card seamlessly.
fn page_theme(element: &web_sys::Element, dark: bool, dpr: f64) -> Theme {
    let mut theme = if dark { Theme::dark() } else { Theme::light() };
    if let Some(c) = css_color(element, "--surface") {
        theme.background = c;
    }
    if let Some(c) = css_color(element, "--text") {
        theme.foreground = c;
    }
    if let Some(c) = css_color(element, "--muted") {
        theme.muted = c;
    }
    theme.font_family = "system-ui, -apple-system, Segoe UI, Roboto, Noto Sans, DejaVu Sans, sans-serif";
    theme.scaled(dpr)
}

/// A chart on a canvas, with its caption and hover tooltip. On the figure, `data-draw-ms`: the last
/// draw's time; `data-plan-ms`: its plan's (binning, downsampling: paid once per change of data). `testid` names the figure
/// (`<testid>`, `<testid>-canvas`, `<testid>-caption`, `<testid>-tooltip`).
#[component]
pub fn ChartCanvas(
    testid: String,
    /// Accessible name of the canvas.
    label: String,
    chart: Memo<Option<ChartRef>>,
) -> impl IntoView {
    let canvas = NodeRef::<html::Canvas>::new();
    // CSS size of the canvas (content box), set by the ResizeObserver.
    let size = RwSignal::new((0.0f64, 0.0f64));
    let dark = RwSignal::new(prefers_dark());
    let caption = RwSignal::new(String::new());
    // The last draw's time and its plan's (the pass over the data, once per change of data), ms.
    let draw_ms = RwSignal::new(None::<(f64, f64)>);
    let frame = StoredValue::new(None::<PlotFrame>);
    // The plot's frame in CSS pixels and data units, for tests and tools: "left right top bottom x0 x1 y0 y1".
    let frame_attr = RwSignal::new(None::<String>);
    let tooltip = RwSignal::new(None::<(String, f64, f64)>);

    // Size: follow the column.
    Effect::new(move |_| {
        let Some(element) = canvas.get() else { return };
        let on_resize = Closure::<dyn Fn(js_sys::Array)>::new(move |entries: js_sys::Array| {
            if let Some(entry) = entries.get(0).dyn_ref::<web_sys::ResizeObserverEntry>() {
                let rect = entry.content_rect();
                size.set((rect.width(), rect.height()));
            }
        });
        if let Ok(observer) = web_sys::ResizeObserver::new(on_resize.as_ref().unchecked_ref()) {
            observer.observe(&element);
            on_resize.forget();
            let observer = send_wrapper::SendWrapper::new(observer);
            on_cleanup(move || observer.disconnect());
        }
    });
    // Scheme: follow the system's light/dark switch.
    Effect::new(move |_| {
        if let Ok(Some(query)) = window().match_media("(prefers-color-scheme: dark)") {
            let on_change = Closure::<dyn Fn()>::new(move || dark.set(prefers_dark()));
            query.set_onchange(Some(on_change.as_ref().unchecked_ref()));
            on_change.forget();
        }
    });
    // Draw whenever the data, the size or the scheme changes, in place on the same canvas.
    Effect::new(move |_| {
        let (w, h) = size.get();
        let is_dark = dark.get();
        let Some(element) = canvas.get() else { return };
        let current = chart.get();
        let Some(ChartRef(chart)) = current else {
            caption.set(String::new());
            return;
        };
        if w < 1.0 || h < 1.0 {
            caption.set(chart.caption());
            return;
        }
        let dpr = window().device_pixel_ratio().max(1.0);
        let canvas_el: &HtmlCanvasElement = &element;
        let (pw, ph) = ((w * dpr).round() as u32, (h * dpr).round() as u32);
        if canvas_el.width() != pw || canvas_el.height() != ph {
            canvas_el.set_width(pw);
            canvas_el.set_height(ph);
        }
        let theme = page_theme(canvas_el, is_dark, dpr);
        let start = now();
        let context = canvas_el.get_context("2d").ok().flatten().and_then(|c| c.dyn_into::<CanvasRenderingContext2d>().ok());
        let drawn = context.and_then(|context| {
            let inner = CanvasBackend::with_canvas_object(canvas_el.clone())?;
            let area = Canvas { inner, context }.into_drawing_area();
            let drawn = chart.draw(&area, &theme);
            area.present().ok();
            drawn
        });
        draw_ms.set(Some((now() - start, chart.plan_ms())));
        match drawn {
            Some(d) => {
                frame_attr.set(d.frame.as_ref().map(|f| {
                    format!(
                        "{} {} {} {} {} {} {} {}",
                        f.left as f64 / dpr,
                        f.right as f64 / dpr,
                        f.top as f64 / dpr,
                        f.bottom as f64 / dpr,
                        f.x.0,
                        f.x.1,
                        f.y.0,
                        f.y.1
                    )
                }));
                frame.set_value(d.frame.clone());
                caption.set(d.caption);
            }
            None => {
                frame.set_value(None);
                caption.set(format!("{} (the chart could not be drawn)", chart.caption()));
            }
        }
        tooltip.set(None);
    });

    let on_move = move |ev: web_sys::PointerEvent| {
        let dpr = window().device_pixel_ratio().max(1.0);
        let (x, y) = (ev.offset_x() as f64, ev.offset_y() as f64);
        let text = frame.with_value(|f| {
            let f = f.as_ref()?;
            chart.with_untracked(|c| c.as_ref()?.0.hover(f, x * dpr, y * dpr))
        });
        tooltip.set(text.map(|t| (t, x, y)));
    };
    let caption_id = format!("{testid}-caption");
    let tooltip_id = format!("{testid}-tooltip");
    view! {
        <figure class="chart" data-testid=testid.clone() data-draw-ms=move || draw_ms.get().map(|(ms, _)| format!("{ms:.1}"))
            data-plan-ms=move || draw_ms.get().map(|(_, ms)| format!("{ms:.1}")) data-frame=move || frame_attr.get()>
            <div class="chart-plot">
                <canvas
                    node_ref=canvas
                    class="chart-canvas"
                    role="img"
                    aria-label=label
                    aria-describedby=caption_id.clone()
                    data-testid=format!("{testid}-canvas")
                    on:pointermove=on_move
                    on:pointerleave=move |_| tooltip.set(None)
                ></canvas>
                {move || tooltip.get().map(|(text, x, y)| view! {
                    <div
                        class="chart-tooltip"
                        role="status"
                        data-testid=tooltip_id.clone()
                        style:left=format!("{}px", x + 12.0)
                        style:top=format!("{}px", y + 12.0)
                    >
                        {text}
                    </div>
                })}
            </div>
            <figcaption id=caption_id data-testid=format!("{testid}-caption")>{move || caption.get()}</figcaption>
        </figure>
    }
}
