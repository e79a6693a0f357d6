//! The quantization options every tool shares, by their command-line names.

use leptos::prelude::*;

use crate::components::fields::{CheckboxField, SelectField, TextField};
use crate::model::{choices, QuantForm, Tool};
use crate::state::{use_app_state, Commit, Lens};

/// What each convention changes, in one line (shown under the convention select).
// TODO(core): take this text from the core's convention docs once `quant::tools` exposes them.
pub fn convention_summary(convention: &str) -> &'static str {
    match convention {
        "textbook" => "The seed pages' formulas in exact decimal arithmetic: the range as given (zero not forced in), \
                       the zero point not clamped (flagged when outside), the symmetric divisor selectable.",
        "pytorch" => "torch.ao observers: zero forced into the range, float32 scales of at least eps, zero point clamped, \
                      symmetric divides by (qmax - qmin) / 2, round half to even.",
        "onnxruntime" => "ONNX Runtime quant_utils: zero forced into the range, int8 symmetric on [-127, 127], \
                          scale stored as float32, round half to even.",
        "tflite" => "TFLite / LiteRT: int8 symmetric weights on [-127, 127] with zero point 0; \
                     affine activations with zero in the range.",
        _ => "",
    }
}

/// The option fields of `tool`'s form, laid out by the surrounding form grid.
#[component]
pub fn QuantOptions(tool: Tool) -> impl IntoView {
    let state = use_app_state();
    let id = move |name: &str| format!("{}-{name}", tool.slug());
    let text = move |get: fn(&QuantForm) -> &String,
                     set: fn(&mut QuantForm) -> &mut String,
                     when: Commit|
          -> Lens<String> {
        state.lens(
            move |f| get(f.quant(tool)).clone(),
            move |f, v| *set(f.quant_mut(tool)) = v,
            when,
        )
    };
    let flag =
        move |get: fn(&QuantForm) -> bool, set: fn(&mut QuantForm) -> &mut bool| -> Lens<bool> {
            state.lens(
                move |f| get(f.quant(tool)),
                move |f, v| *set(f.quant_mut(tool)) = v,
                Commit::Now,
            )
        };

    let convention = text(|q| &q.convention, |q| &mut q.convention, Commit::Now);
    let rounding = text(|q| &q.rounding, |q| &mut q.rounding, Commit::Now);
    let seed_disabled = Signal::derive(move || rounding.value.get() != "stochastic");

    view! {
        <div class="field">
            <SelectField
                id=id("convention")
                label="Convention"
                lens=convention
                choices=choices::CONVENTIONS
            />
            <p class="hint" data-testid=id("convention-summary")>
                {move || convention_summary(&convention.value.get())}
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
        <SelectField id=id("rounding") label="Rounding" lens=rounding choices=choices::ROUNDINGS />
        <TextField
            id=id("seed")
            label="Seed (stochastic rounding)"
            lens=text(|q| &q.seed, |q| &mut q.seed, Commit::Debounced)
            inputmode="numeric"
            disabled=seed_disabled
        />
        <TextField
            id=id("symmetric-divisor")
            label="Symmetric divisor"
            lens=text(|q| &q.symmetric_divisor, |q| &mut q.symmetric_divisor, Commit::Debounced)
            inputmode="decimal"
            placeholder="convention's"
            hint="Divides max(|min|, |max|) in symmetric mode; empty for the convention's."
        />
        <TextField
            id=id("quant-min")
            label="Custom quant min"
            lens=text(|q| &q.quant_min, |q| &mut q.quant_min, Commit::Debounced)
            inputmode="numeric"
            placeholder="dtype's"
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
                lens=flag(|q| q.reduce_range, |q| &mut q.reduce_range)
            />
            <CheckboxField
                id=id("narrow-range")
                label="Narrow range (drop the lowest integer)"
                lens=flag(|q| q.narrow_range, |q| &mut q.narrow_range)
            />
        </div>
    }
}
