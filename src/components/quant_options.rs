//! The quantization options every tool shares, by their command-line names. The controls a
//! convention decides show the convention's choice until the user changes one; then the spec is
//! "custom" and says which choices differ. Choosing a convention sets all of them back.

use std::sync::OnceLock;

use leptos::prelude::*;
use quantscope_core::format::Preset;
use quantscope_core::{Convention, QuantSpec};

use crate::components::fields::{CheckboxField, SelectField, TextField};
use crate::state::{use_app_state, Commit, Lens};
use quantscope_app::form::{choices, FormState, FormatKind, QuantForm, Tool};
use quantscope_app::options;

/// (value, title) of every convention, from the core.
fn conventions() -> &'static [(&'static str, &'static str)] {
    static LIST: OnceLock<Vec<(&'static str, &'static str)>> = OnceLock::new();
    LIST.get_or_init(|| Convention::ALL.iter().map(|c| (c.name(), c.title())).collect())
}

fn on_off(on: bool) -> String {
    if on { "on" } else { "off" }.to_string()
}

/// The option fields of `tool`'s form, laid out by the surrounding form grid.
#[component]
pub fn QuantOptions(tool: Tool) -> impl IntoView {
    let state = use_app_state();
    let id = move |name: &str| format!("{}-{name}", tool.slug());
    let quant = move |f: &FormState| f.quant(tool).clone();
    let text = move |get: fn(&QuantForm) -> &String, set: fn(&mut QuantForm) -> &mut String, when: Commit| -> Lens<String> {
        state.lens(move |f| get(f.quant(tool)).clone(), move |f, v| *set(f.quant_mut(tool)) = v, when)
    };
    // A choice the convention makes: shows the convention's value until overridden.
    let choice = move |get: fn(&QuantForm) -> &String,
                       set: fn(&mut QuantForm) -> &mut String,
                       default: fn(&QuantSpec) -> &'static str|
          -> Lens<String> {
        state.lens(
            move |f| {
                let q = f.quant(tool);
                match get(q).as_str() {
                    "" => options::convention_defaults(q).map(|s| default(&s).to_string()).unwrap_or_default(),
                    value => value.to_string(),
                }
            },
            move |f, v| *set(f.quant_mut(tool)) = v,
            Commit::Now,
        )
    };
    let flag = move |get: fn(&QuantForm) -> Option<bool>,
                     set: fn(&mut QuantForm) -> &mut Option<bool>,
                     default: fn(&QuantSpec) -> bool|
          -> Lens<bool> {
        state.lens(
            move |f| {
                let q = f.quant(tool);
                get(q).unwrap_or_else(|| options::convention_defaults(q).is_some_and(|s| default(&s)))
            },
            move |f, v| *set(f.quant_mut(tool)) = Some(v),
            Commit::Now,
        )
    };

    let convention = state.lens(
        move |f| f.quant(tool).convention.clone(),
        move |f, v| {
            let q = f.quant_mut(tool);
            q.convention = v;
            q.clear_overrides();
        },
        Commit::Now,
    );
    let resolved = Memo::new(move |_| state.form.with(|f| options::resolve(&quant(f))));
    let defaults = Memo::new(move |_| state.form.with(|f| options::convention_defaults(&quant(f))));
    let summary = Signal::derive(move || {
        let convention: Option<Convention> = convention.value.get().parse().ok();
        convention.map(Convention::summary).unwrap_or_default().to_string()
    });
    // "Custom (PyTorch: half-even)" under a control the convention decides, once overridden.
    let origin = move |name: &'static str, default: fn(&QuantSpec) -> String| {
        Signal::derive(move || {
            let custom = resolved.with(|r| r.as_ref().is_some_and(|s| s.overridden.contains(&name)));
            defaults.with(|d| match d {
                Some(d) if custom => format!("Custom ({}: {})", d.convention.title(), default(d)),
                _ => String::new(),
            })
        })
    };
    let rounding = choice(|q| &q.rounding, |q| &mut q.rounding, |s| s.rounding.name());
    let seed_disabled = Signal::derive(move || rounding.value.get() != "stochastic");
    let kind = Memo::new(move |_| state.form.with(|f| f.quant(tool).format_kind()));
    let integer_types = move || kind.get() == FormatKind::Conventions;

    view! {
        <FormatFields tool=tool />
        <Show when=integer_types>
        <div class="field">
            <SelectField id=id("convention") label="Convention" lens=convention choices=conventions() hint=summary />
            <p class="spec-label" data-testid=id("spec-label")>
                {move || {
                    resolved
                        .get()
                        .map(|spec| format!("Resolved: {} ", spec.label()))
                }}
                <Show when=move || resolved.with(|r| r.as_ref().is_some_and(QuantSpec::is_custom))>
                    <button
                        type="button"
                        class="link-button"
                        data-testid=id("use-convention")
                        on:click=move |_| state.edit_now(|f| f.quant_mut(tool).clear_overrides())
                    >
                        "use the convention's choices"
                    </button>
                </Show>
            </p>
        </div>
        <SelectField
            id=id("dtype")
            label="Integer type (dtype)"
            lens=text(|q| &q.dtype, |q| &mut q.dtype, Commit::Now)
            choices=choices::DTYPES
        />
        <SelectField
            id=id("scheme")
            label="Scheme"
            lens=text(|q| &q.scheme, |q| &mut q.scheme, Commit::Now)
            choices=choices::SCHEMES
        />
        <SelectField
            id=id("rounding")
            label="Rounding"
            lens=rounding
            choices=choices::ROUNDINGS
            hint=origin("rounding", |s| s.rounding.name().to_string())
        />
        <SelectField
            id=id("symmetric-divisor")
            label="Symmetric divisor"
            lens=choice(|q| &q.symmetric_divisor, |q| &mut q.symmetric_divisor, |s| s.symmetric_divisor.name())
            choices=choices::DIVISORS
            hint=Signal::derive(move || {
                let origin = origin("symmetric_divisor", |s| s.symmetric_divisor.name().to_string()).get();
                match resolved.get() {
                    Some(spec) => format!("s = max(|min|, |max|) / {} in symmetric mode. {origin}", spec.divisor_value()),
                    None => origin,
                }
            })
        />
        <TextField
            id=id("seed")
            label="Seed (stochastic rounding)"
            lens=text(|q| &q.seed, |q| &mut q.seed, Commit::Debounced)
            inputmode="numeric"
            disabled=seed_disabled
        />
        <TextField
            id=id("quant-min")
            label="Custom quant min"
            lens=text(|q| &q.quant_min, |q| &mut q.quant_min, Commit::Debounced)
            inputmode="numeric"
            placeholder="dtype's"
            hint=Signal::derive(move || {
                resolved.get().map(|s| format!("Integer range in use: [{}, {}]", s.range.qmin, s.range.qmax)).unwrap_or_default()
            })
        />
        <TextField
            id=id("quant-max")
            label="Custom quant max"
            lens=text(|q| &q.quant_max, |q| &mut q.quant_max, Commit::Debounced)
            inputmode="numeric"
            placeholder="dtype's"
        />
        <div class="field field-checks">
            <CheckboxField
                id=id("reduce-range")
                label="Reduce range (one bit less)"
                lens=state.lens(
                    move |f| f.quant(tool).reduce_range,
                    move |f, v| f.quant_mut(tool).reduce_range = v,
                    Commit::Now,
                )
            />
            <CheckboxField
                id=id("narrow-range")
                label="Narrow range (drop the lowest integer)"
                lens=flag(|q| q.narrow_range, |q| &mut q.narrow_range, |s| s.narrow_range)
                hint=origin("narrow_range", |s| on_off(s.narrow_range))
            />
            <CheckboxField
                id=id("include-zero")
                label="Force 0 into the range"
                lens=flag(|q| q.include_zero, |q| &mut q.include_zero, |s| s.include_zero)
                hint=origin("include_zero", |s| on_off(s.include_zero))
            />
            <CheckboxField
                id=id("clamp-zero-point")
                label="Clamp the zero point"
                lens=flag(|q| q.clamp_zero_point, |q| &mut q.clamp_zero_point, |s| s.clamp_zero_point)
                hint=origin("clamp_zero_point", |s| on_off(s.clamp_zero_point))
            />
        </div>
        </Show>
    }
}

/// What the chosen format decides, under the format choice.
fn format_hint(quant: &QuantForm) -> String {
    match quant.format_kind() {
        FormatKind::Conventions => "Integer types with one scale (and zero point) per channel or tensor, by convention.".into(),
        FormatKind::Preset => {
            let info = Preset::ALL.into_iter().find(|p| p.name() == quant.format.trim()).map(Preset::info);
            match info {
                Some(i) => format!(
                    "{} values share one {} scale; the preset decides block size, element type and scale, so no other field applies.                      Blocks run along each row. Used by {}.",
                    i.block_size,
                    i.scale.name(),
                    i.used_by
                ),
                None => String::new(),
            }
        }
        FormatKind::FloatElement => "Symmetric, one float32 scale amax / fmax per tensor, row or group (torch / ml_dtypes casts).".into(),
        FormatKind::IntGroups => "PyTorch's observers per group of values along each row (the pytorch convention).".into(),
    }
}

/// The format choice (docs/formats.md), and the fields a format that is not a preset takes: a float
/// element's scope, integer groups' type and scheme, the group size.
#[component]
fn FormatFields(tool: Tool) -> impl IntoView {
    let state = use_app_state();
    let id = move |name: &str| format!("{}-{name}", tool.slug());
    let text = move |get: fn(&QuantForm) -> &String, set: fn(&mut QuantForm) -> &mut String, when: Commit| -> Lens<String> {
        state.lens(move |f| get(f.quant(tool)).clone(), move |f, v| *set(f.quant_mut(tool)) = v, when)
    };
    let kind = Memo::new(move |_| state.form.with(|f| f.quant(tool).format_kind()));
    let group_size = Memo::new(move |_| state.form.with(|f| f.quant(tool).uses_group_size()));
    let hint = Signal::derive(move || state.form.with(|f| format_hint(f.quant(tool))));
    // Integer groups take int4 or int8: a conventions' type they cannot take becomes int4.
    let format = state.lens(
        move |f| f.quant(tool).format.clone(),
        move |f, v| {
            let q = f.quant_mut(tool);
            q.format = v;
            if q.format_kind() == FormatKind::IntGroups && !choices::GROUP_DTYPES.iter().any(|(d, _)| *d == q.dtype) {
                q.dtype = "int4".into();
            }
        },
        Commit::Now,
    );
    view! {
        <SelectField id=id("format") label="Format" lens=format choices=choices::FORMATS hint=hint />
        <Show when=move || kind.get() == FormatKind::FloatElement>
            <SelectField
                id=id("format-granularity")
                label="Scale per"
                lens=text(|q| &q.format_granularity, |q| &mut q.format_granularity, Commit::Now)
                choices=choices::FORMAT_GRANULARITIES
            />
        </Show>
        <Show when=move || kind.get() == FormatKind::IntGroups>
            <SelectField
                id=id("dtype")
                label="Integer type (dtype)"
                lens=text(|q| &q.dtype, |q| &mut q.dtype, Commit::Now)
                choices=choices::GROUP_DTYPES
            />
            <SelectField
                id=id("scheme")
                label="Scheme"
                lens=text(|q| &q.scheme, |q| &mut q.scheme, Commit::Now)
                choices=choices::SCHEMES
            />
        </Show>
        <Show when=move || group_size.get()>
            <TextField
                id=id("group-size")
                label="Group size"
                lens=text(|q| &q.group_size, |q| &mut q.group_size, Commit::Debounced)
                inputmode="numeric"
                placeholder="32"
                hint="Values per group along each row; each row's length must be a multiple of it."
            />
        </Show>
    }
}
