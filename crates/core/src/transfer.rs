//! The quantizer's transfer curve: which integer `q` each input `x` maps to and the value `x̂` it
//! comes back as, for one channel's parameters. Charts draw it (reconstruction steps, histogram
//! grid, clipping regions); nothing here changes how values are quantized.
//!
//! Levels: `x̂_k = (k - z) · s` for every integer `k` in the saturation range `[qmin, qmax]`,
//! computed in the convention's arithmetic (f64 for textbook, float32 `(k - z) · s` otherwise), so a
//! level equals the `x̂` the analysis gives every value that quantized to `k`.
//!
//! Decision boundaries: `x` quantizes to `k` when `round(x / s) + z = k`, so the steps change where
//! `x / s` crosses the rounding rule's decision point between `j = k - z` and `j + 1`:
//! `(j + 1/2) · s` for the round-to-nearest rules, `(j + 1) · s` for floor, `j · s` for ceil,
//! and for toward-zero `(j + 1) · s` when `j ≥ 0`, `j · s` when `j < 0`. Stochastic rounding has no
//! fixed boundary: the midpoints are given (the expected value of `x̂` is linear between levels).
//! Values below the boundary into `qmin` or above the one out of `qmax` are clipped.

use crate::analysis::ChannelResult;
use crate::rounding::Rounding;
use crate::spec::{Arithmetic, QuantSpec};

/// One channel's quantizer: scale, zero point, saturation range and rounding.
#[derive(Clone, Debug, PartialEq)]
pub struct TransferCurve {
    /// Scale `s`.
    pub scale: f64,
    /// Zero point `z`.
    pub zero_point: i64,
    /// Smallest integer (the saturation range's).
    pub qmin: i64,
    /// Largest integer.
    pub qmax: i64,
    /// The rounding rule that decides the boundaries.
    pub rounding: Rounding,
    /// Whether levels are computed in float32.
    pub float32: bool,
}

/// One step of the curve: every `x` in `[x_start, x_end)` quantizes to `q` and comes back as `x_hat`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Step {
    /// Lower decision boundary (or the start of the requested interval).
    pub x_start: f64,
    /// Upper decision boundary (or the end of the requested interval).
    pub x_end: f64,
    /// The integer.
    pub q: i64,
    /// Its level `(q - z) · s`.
    pub x_hat: f64,
}

impl TransferCurve {
    /// The curve of a spec with the given scale and zero point.
    pub fn new(spec: &QuantSpec, scale: f64, zero_point: i64) -> Self {
        TransferCurve {
            scale,
            zero_point,
            qmin: spec.saturation.qmin as i64,
            qmax: spec.saturation.qmax as i64,
            rounding: spec.rounding,
            float32: spec.arithmetic != Arithmetic::ExactDecimal,
        }
    }

    /// The curve a channel of an analysis was quantized with.
    pub fn of_channel(spec: &QuantSpec, channel: &ChannelResult) -> Self {
        Self::new(spec, channel.scale, channel.zero_point)
    }

    /// Whether the scale is usable (finite and > 0); a zero scale (TFLite on an empty range) maps
    /// every value to the zero point, so it has a single level and no boundaries.
    pub fn is_degenerate(&self) -> bool {
        !(self.scale.is_finite() && self.scale > 0.0)
    }

    /// Number of integer levels, `qmax - qmin + 1`.
    pub fn level_count(&self) -> u64 {
        (self.qmax - self.qmin + 1) as u64
    }

    /// The level `x̂_k = (k - z) · s` in the convention's arithmetic.
    pub fn level(&self, k: i64) -> f64 {
        crate::params::dequantize(k, self.zero_point, self.scale, self.float32)
    }

    /// The `x` where the quantizer steps from integer `k` to `k + 1` (see the module doc).
    pub fn boundary_above(&self, k: i64) -> f64 {
        let j = (k - self.zero_point) as f64;
        let v = match self.rounding {
            Rounding::HalfEven | Rounding::HalfAway | Rounding::HalfUp | Rounding::Stochastic => j + 0.5,
            Rounding::Floor => j + 1.0,
            Rounding::Ceil => j,
            Rounding::TowardZero => {
                if j >= 0.0 {
                    j + 1.0
                } else {
                    j
                }
            }
        };
        v * self.scale
    }

    /// Inputs below this are clipped to `qmin` (`None` for a degenerate scale).
    pub fn clip_below(&self) -> Option<f64> {
        (!self.is_degenerate()).then(|| self.boundary_above(self.qmin - 1))
    }

    /// Inputs above this are clipped to `qmax` (`None` for a degenerate scale).
    pub fn clip_above(&self) -> Option<f64> {
        (!self.is_degenerate()).then(|| self.boundary_above(self.qmax))
    }

    /// The integers whose levels lie in `[lo, hi]`, as an inclusive range (empty when none do).
    pub fn levels_within(&self, lo: f64, hi: f64) -> std::ops::RangeInclusive<i64> {
        if self.is_degenerate() {
            let z = self.zero_point.clamp(self.qmin, self.qmax);
            // An empty inclusive range: its start is past its end.
            #[allow(clippy::reversed_empty_ranges)]
            let none = 1..=0;
            return if lo <= 0.0 && 0.0 <= hi { z..=z } else { none };
        }
        let first = ((lo / self.scale).ceil() as i64).saturating_add(self.zero_point).max(self.qmin);
        let last = ((hi / self.scale).floor() as i64).saturating_add(self.zero_point).min(self.qmax);
        // The level in the convention's arithmetic may differ from j · s by an ulp: settle the ends.
        let (mut first, mut last) = (first, last);
        while first <= last && self.level(first) < lo {
            first += 1;
        }
        while first <= last && self.level(last) > hi {
            last -= 1;
        }
        first..=last
    }

    /// The steps of the curve over `[lo, hi]`, in order: the clipped ends included (as the steps
    /// of `qmin` and `qmax` extended to the interval's ends). A degenerate scale gives one step at
    /// the zero point's level.
    pub fn steps(&self, lo: f64, hi: f64) -> Vec<Step> {
        if lo.partial_cmp(&hi) != Some(std::cmp::Ordering::Less) {
            return Vec::new();
        }
        if self.is_degenerate() {
            let q = self.zero_point.clamp(self.qmin, self.qmax);
            return vec![Step { x_start: lo, x_end: hi, q, x_hat: self.level(q) }];
        }
        // First integer: the one whose step contains lo.
        let mut k = self.qmin;
        if lo > self.boundary_above(self.qmin) {
            let guess = ((lo / self.scale).floor() as i64).saturating_add(self.zero_point).clamp(self.qmin, self.qmax);
            k = guess.saturating_sub(1).max(self.qmin);
            while k < self.qmax && self.boundary_above(k) <= lo {
                k += 1;
            }
        }
        let mut steps = Vec::new();
        let mut start = lo;
        loop {
            let end = if k < self.qmax { self.boundary_above(k).min(hi) } else { hi };
            steps.push(Step { x_start: start, x_end: end, q: k, x_hat: self.level(k) });
            if end >= hi || k >= self.qmax {
                break;
            }
            start = end;
            k += 1;
        }
        steps
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{Convention, SpecOptions};

    fn curve(convention: Convention, rounding: Option<Rounding>, scale: f64, zero_point: i64) -> TransferCurve {
        let spec = QuantSpec::resolve(&SpecOptions { convention, rounding, ..SpecOptions::default() }).unwrap();
        TransferCurve::new(&spec, scale, zero_point)
    }

    #[test]
    fn levels_and_boundaries_of_a_known_quantizer() {
        // int8 [-128, 127], s = 0.25, z = 3: x̂_k = (k - 3) / 4.
        let c = curve(Convention::Textbook, None, 0.25, 3);
        assert_eq!(c.level_count(), 256);
        assert_eq!(c.level(-128), -32.75);
        assert_eq!(c.level(127), 31.0);
        assert_eq!(c.level(3), 0.0);
        assert_eq!(c.boundary_above(3), 0.125);
        assert_eq!(c.clip_below(), Some(-32.875));
        assert_eq!(c.clip_above(), Some(31.125));
        assert_eq!(c.levels_within(-0.5, 0.5), 1..=5);
        assert_eq!(c.levels_within(-0.4, 0.3), 2..=4);
        assert_eq!(c.levels_within(-100.0, 100.0), -128..=127);
    }

    #[test]
    fn boundaries_follow_the_rounding_rule() {
        // z = 0, s = 2: j = 1 → 2 steps at 3 (nearest), 4 (floor), 2 (ceil); j = -2 → -1 toward zero at -4.
        assert_eq!(curve(Convention::Textbook, Some(Rounding::HalfAway), 2.0, 0).boundary_above(1), 3.0);
        assert_eq!(curve(Convention::Textbook, Some(Rounding::Floor), 2.0, 0).boundary_above(1), 4.0);
        assert_eq!(curve(Convention::Textbook, Some(Rounding::Ceil), 2.0, 0).boundary_above(1), 2.0);
        let tz = curve(Convention::Textbook, Some(Rounding::TowardZero), 2.0, 0);
        assert_eq!(tz.boundary_above(1), 4.0);
        assert_eq!(tz.boundary_above(-2), -4.0);
        assert_eq!(tz.boundary_above(-1), -2.0);
    }

    #[test]
    fn steps_cover_the_interval_and_saturate() {
        let c = curve(Convention::Textbook, None, 0.25, 3);
        let steps = c.steps(-0.3, 0.2);
        // Boundaries at -0.375, -0.125, 0.125: steps q = 2 [-0.3, -0.125), 3 [-0.125, 0.125), 4 [0.125, 0.2).
        assert_eq!(steps.len(), 3);
        assert_eq!((steps[0].x_start, steps[0].x_end, steps[0].q, steps[0].x_hat), (-0.3, -0.125, 2, -0.25));
        assert_eq!((steps[1].x_start, steps[1].x_end, steps[1].q, steps[1].x_hat), (-0.125, 0.125, 3, 0.0));
        assert_eq!((steps[2].x_start, steps[2].x_end, steps[2].q, steps[2].x_hat), (0.125, 0.2, 4, 0.25));
        // Past the clip threshold the last step runs to the end.
        let tail = c.steps(30.0, 40.0);
        assert_eq!(tail.last().unwrap().q, 127);
        assert_eq!(tail.last().unwrap().x_end, 40.0);
        assert_eq!(tail.last().unwrap().x_start, 30.875);
        let head = c.steps(-40.0, -32.5);
        assert_eq!((head[0].q, head[0].x_start, head[0].x_end), (-128, -40.0, -32.625));
    }

    #[test]
    fn float32_levels_match_the_float32_dequantize() {
        let c = curve(Convention::Pytorch, None, 0.1, 0);
        assert!(c.float32);
        assert_eq!(c.level(3), (3.0f32 * 0.1f64 as f32) as f64);
    }

    #[test]
    fn a_zero_scale_has_one_level() {
        let c = curve(Convention::Textbook, None, 0.0, 0);
        assert!(c.is_degenerate());
        assert_eq!(c.clip_below(), None);
        let steps = c.steps(-1.0, 1.0);
        assert_eq!(steps.len(), 1);
        assert_eq!(steps[0].x_hat, 0.0);
        assert_eq!(c.levels_within(-1.0, 1.0), 0..=0);
    }

    #[test]
    fn the_curve_agrees_with_the_analysis() {
        use crate::analysis::{analyse, ParamSource};
        use crate::params::RangeInput;
        use crate::spec::Granularity;
        use crate::tensor::Tensor;
        let xs: Vec<f64> = (0..2001).map(|i| -1.37 + i as f64 * 0.00137 * 1.7).collect();
        let t = Tensor::from_rows("t", vec!["a".into()], vec![xs]);
        for convention in Convention::ALL {
            for rounding in [None, Some(Rounding::Floor), Some(Rounding::TowardZero)] {
                let spec = QuantSpec::resolve(&SpecOptions { convention, rounding, ..SpecOptions::default() }).unwrap();
                // A calibration range narrower than the data, so both ends clip.
                let source = ParamSource::Range(RangeInput::new(-0.9, 1.1));
                let a = analyse(&t, &spec, Granularity::PerTensor, &source, true).unwrap();
                let ch = &a.channels[0];
                let c = TransferCurve::of_channel(&spec, ch);
                let el = ch.elements.as_ref().unwrap();
                for i in 0..el.x.len() {
                    let (x, q) = (el.x[i], el.q[i].unwrap());
                    assert_eq!(el.dequantized[i], Some(c.level(q)), "{convention} {rounding:?} x = {x}");
                    let margin = 1e-6 * c.scale;
                    if x < c.clip_below().unwrap() - margin || x > c.clip_above().unwrap() + margin {
                        assert!(el.clipped[i], "{convention} {rounding:?} x = {x} should clip");
                    }
                    if x > c.clip_below().unwrap() + margin && x < c.clip_above().unwrap() - margin {
                        assert!(!el.clipped[i], "{convention} {rounding:?} x = {x} should not clip");
                        let step = c.steps(x - margin, x + margin);
                        if step.len() == 1 {
                            assert_eq!(step[0].q, q, "{convention} {rounding:?} x = {x}");
                        }
                    }
                }
                assert!(el.clipped.iter().filter(|c| **c).count() > 10);
            }
        }
    }
}
