//! The analysis: one pass for the ranges, one fused pass to quantize, dequantize and measure.

use crate::error::QuantError;
use crate::exact::{self, Decimal};
use crate::metrics::{serialize_extended, Accumulator, Metrics, LANES};
use crate::params::{QParams, RangeInput};
use crate::rounding::Rounding;
use crate::spec::{Arithmetic, Granularity, QuantSpec};
use crate::tensor::{Samples, Tensor};
use crate::warning::Warning;
use rand_core::{RngCore, SeedableRng};
use serde::Serialize;

/// Where the parameters come from.
#[derive(Clone, Debug, PartialEq)]
pub enum ParamSource {
    /// min/max of the data itself (finite values).
    Data,
    /// One calibration range for every channel (or for the tensor).
    Range(RangeInput),
    /// One calibration range per channel (per-tensor: their union).
    PerChannelRange(Vec<RangeInput>),
    /// Scale and zero point given by hand, one set per channel (per-tensor: exactly one set).
    Manual(Vec<ManualParams>),
}

/// A hand-typed scale and zero point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ManualParams {
    /// Scale.
    pub scale: f64,
    /// The scale as typed.
    pub scale_exact: Option<Decimal>,
    /// Zero point.
    pub zero_point: i64,
}

/// Per-element results of one channel, in the channel's order. `None` marks a non-finite input.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ChannelElements {
    /// The original values (as the convention sees them: float32 conventions widen `x as f32`).
    pub x: Vec<f64>,
    /// `round(x / s) + z` before clamping.
    pub q_raw: Vec<Option<f64>>,
    /// The quantized integers, clamped to `[qmin, qmax]`.
    pub q: Vec<Option<i64>>,
    /// `x̂ = (q - z) · s`.
    pub dequantized: Vec<Option<f64>>,
    /// `e = x̂ - x`.
    pub error: Vec<Option<f64>>,
    /// Whether the value was clamped.
    pub clipped: Vec<bool>,
}

/// The result for one channel.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ChannelResult {
    /// 0-based index along the channel axis.
    pub index: usize,
    /// Name (from the input, or `ch<i>`).
    pub name: String,
    /// Lower end of the range the parameters came from (given, or the data's min; for manual parameters the data's).
    pub min: Option<f64>,
    /// Upper end of that range.
    pub max: Option<f64>,
    /// `max - min`.
    pub range: Option<f64>,
    /// Smallest finite value in the channel's data.
    pub data_min: Option<f64>,
    /// Largest finite value in the channel's data.
    pub data_max: Option<f64>,
    /// Scale used for this channel.
    pub scale: f64,
    /// Zero point used for this channel.
    pub zero_point: i64,
    /// Reconstruction metrics.
    #[serde(flatten)]
    pub metrics: Metrics,
    /// Flags for this channel.
    pub warnings: Vec<Warning>,
    /// Per-element results, when asked for.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub elements: Option<ChannelElements>,
}

/// The tensor-wide summary.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Summary {
    /// Number of values (finite or not).
    pub elements: usize,
    /// Smallest finite value.
    pub min: Option<f64>,
    /// Largest finite value.
    pub max: Option<f64>,
    /// Metrics over every finite value.
    #[serde(flatten)]
    pub metrics: Metrics,
    /// Tensor-wide flags (per-tensor parameter warnings, totals).
    pub warnings: Vec<Warning>,
}

/// One analysis: the spec it used, one result per channel, and the tensor summary.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Analysis {
    /// Tensor name.
    pub tensor: String,
    /// The convention label, e.g. `pytorch` or `pytorch (custom: rounding)`.
    pub convention: String,
    /// The resolved spec.
    pub spec: QuantSpec,
    /// Per channel or per tensor.
    pub granularity: Granularity,
    /// Shape of the data.
    pub shape: Vec<usize>,
    /// Channel axis.
    pub axis: usize,
    /// Per-channel results (with per-tensor granularity every channel carries the tensor's parameters).
    pub channels: Vec<ChannelResult>,
    /// Whole-tensor results.
    pub summary: Summary,
}

/// Seed 001's memory estimate.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MemoryEstimate {
    /// Number of values.
    pub elements: usize,
    /// Storage bits per value.
    pub bits: u32,
    /// `elements · bits / 8` bytes.
    pub payload_bytes: f64,
    /// `payload + 8` bytes (one scale/zero-point pair).
    pub per_tensor_bytes: f64,
    /// `payload + channels · 8` bytes.
    pub per_channel_bytes: f64,
    /// Number of channels.
    pub channels: usize,
}

impl MemoryEstimate {
    /// `payload = elements · bits / 8`; per-tensor adds 8 bytes, per-channel `channels · 8` bytes.
    pub fn new(elements: usize, bits: u32, channels: usize) -> Self {
        let payload = elements as f64 * bits as f64 / 8.0;
        MemoryEstimate {
            elements,
            bits,
            payload_bytes: payload,
            per_tensor_bytes: payload + 8.0,
            per_channel_bytes: payload + channels as f64 * 8.0,
            channels,
        }
    }
}

/// Per-channel and per-tensor on the same tensor, side by side.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    /// Per-channel analysis.
    pub per_channel: Analysis,
    /// Per-tensor analysis.
    pub per_tensor: Analysis,
    /// Memory of each.
    pub memory: MemoryEstimate,
    /// `SQNR(per-channel) - SQNR(per-tensor)` in dB (`null` when undefined, e.g. both lossless).
    #[serde(serialize_with = "serialize_extended")]
    pub sqnr_gain_db: Option<f64>,
    /// `MSE(per-tensor) / MSE(per-channel)`.
    #[serde(serialize_with = "serialize_extended")]
    pub mse_ratio: Option<f64>,
}

/// Observed range of a channel.
#[derive(Clone, Debug, Default)]
struct Scan {
    min: Option<(f64, usize)>,
    max: Option<(f64, usize)>,
    nonfinite: u64,
    first_nonfinite: Option<usize>,
    inexact: u64,
    seen: usize,
}

impl Scan {
    fn range(&self, tensor: &Tensor) -> Option<RangeInput> {
        let (min, imin) = self.min?;
        let (max, imax) = self.max?;
        Some(RangeInput { min, max, min_exact: tensor.decimal(imin), max_exact: tensor.decimal(imax) })
    }
}

/// Whether a value can be quantized in this arithmetic: finite, and for the float32 conventions
/// finite in float32 too (`1e300` is `inf` to `torch.tensor`).
#[inline]
fn usable(x: f64, arithmetic: Arithmetic) -> bool {
    if arithmetic == Arithmetic::ExactDecimal { x.is_finite() } else { (x as f32).is_finite() }
}

fn scan(tensor: &Tensor, arithmetic: Arithmetic) -> Vec<Scan> {
    let mut scans = vec![Scan::default(); tensor.channels()];
    for block in tensor.blocks() {
        let s = &mut scans[block.channel];
        let start = block.range.start;
        let (lo, hi, bad) = match &tensor.data {
            Samples::F32(v) => block_range(&v[block.range.clone()], |x| x.is_finite()),
            Samples::F64(v) if arithmetic == Arithmetic::ExactDecimal => block_range(&v[block.range.clone()], |x| x.is_finite()),
            Samples::F64(v) => block_range(&v[block.range.clone()], |x| (x as f32).is_finite()),
        };
        // Indices matter only for the typed decimals of the ends, and for the rare non-finite values.
        let position = |value: f64| {
            block.range.clone().find(|&i| tensor.data.get(i) == value && usable(value, arithmetic)).unwrap_or(start)
        };
        if lo.is_finite() && s.min.is_none_or(|(m, _)| lo < m) {
            s.min = Some((lo, if tensor.decimals.is_some() { position(lo) } else { start }));
        }
        if hi.is_finite() && s.max.is_none_or(|(m, _)| hi > m) {
            s.max = Some((hi, if tensor.decimals.is_some() { position(hi) } else { start }));
        }
        if bad > 0 {
            s.nonfinite += bad;
            if s.first_nonfinite.is_none() {
                let first = block.range.clone().position(|i| !usable(tensor.data.get(i), arithmetic)).unwrap_or(0);
                s.first_nonfinite = Some(s.seen + first);
            }
        }
        if tensor.decimals.is_some() {
            s.inexact += block
                .range
                .clone()
                .filter(|&i| usable(tensor.data.get(i), arithmetic) && tensor.decimal(i).is_none())
                .count() as u64;
        }
        s.seen += block.range.len();
    }
    scans
}

/// Smallest and largest usable value of a run (±inf when there is none) and how many are not usable:
/// one read, in independent lanes of the sample's own precision, so that it vectorizes. On x86_64 it
/// runs as AVX2 code when the CPU has it.
fn block_range<T: Sample + num_traits::Float>(xs: &[T], usable: impl Fn(T) -> bool + Copy) -> (f64, f64, u64) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2, checked just above.
            return unsafe { block_range_avx2(xs, usable) };
        }
    }
    block_range_generic(xs, usable)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn block_range_avx2<T: Sample + num_traits::Float>(xs: &[T], usable: impl Fn(T) -> bool + Copy) -> (f64, f64, u64) {
    block_range_generic(xs, usable)
}

#[inline(always)]
fn block_range_generic<T: Sample + num_traits::Float>(xs: &[T], usable: impl Fn(T) -> bool + Copy) -> (f64, f64, u64) {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    if let Some(floats) = T::as_f32(xs) {
        // float32 data: usable means finite, whatever the convention.
        let (lo, hi, bad) = crate::simd_wasm::range_f32(floats);
        return (lo as f64, hi as f64, bad);
    }
    const W: usize = 16;
    let mut lo = [T::infinity(); W];
    let mut hi = [T::neg_infinity(); W];
    let mut bad = [0u32; W];
    let mut fold = |lane: usize, x: T| {
        let ok = usable(x);
        lo[lane] = if ok && x < lo[lane] { x } else { lo[lane] };
        hi[lane] = if ok && x > hi[lane] { x } else { hi[lane] };
        bad[lane] += !ok as u32;
    };
    let mut chunks = xs.chunks_exact(W);
    for chunk in &mut chunks {
        for (lane, &x) in chunk.iter().enumerate() {
            fold(lane, x);
        }
    }
    for (lane, &x) in chunks.remainder().iter().enumerate() {
        fold(lane, x);
    }
    (
        lo.iter().map(|v| v.f64()).fold(f64::INFINITY, f64::min),
        hi.iter().map(|v| v.f64()).fold(f64::NEG_INFINITY, f64::max),
        bad.iter().map(|&b| b as u64).sum(),
    )
}

/// A channel's parameters prepared for the per-element formula.
struct Quantizer {
    arithmetic: Arithmetic,
    rounding: Rounding,
    scale: f64,
    scale32: f32,
    /// float32 conventions: `Some(m)` quantizes as `x · m`, `None` as `x / s`.
    multiplier: Option<f32>,
    zero_point: i64,
    qmin: i64,
    qmax: i64,
    exact_scale: Option<num_rational::BigRational>,
}

/// One element's results. For the float32 conventions `x`, `x_hat` and `error` are float32 values
/// (widened exactly): `e = x̂ - x` is taken in float32, as the frameworks do.
struct Element {
    x: f64,
    raw: f64,
    q: i64,
    x_hat: f64,
    error: f64,
}

impl Quantizer {
    fn new(spec: &QuantSpec, p: &QParams) -> Self {
        let multiplier = match spec.arithmetic {
            Arithmetic::TorchF32 => Some(1.0f32 / p.scale as f32),
            _ => p.multiplier,
        };
        Quantizer {
            arithmetic: spec.arithmetic,
            rounding: spec.rounding,
            scale: p.scale,
            scale32: p.scale as f32,
            multiplier,
            zero_point: p.zero_point,
            qmin: spec.saturation.qmin as i64,
            qmax: spec.saturation.qmax as i64,
            exact_scale: p.exact_scale.clone(),
        }
    }

    /// `q = clamp(round(x / s) + z, qmin, qmax)`, `x̂ = (q - z) · s`, in the convention's arithmetic.
    #[inline]
    fn quantize(&self, x: f64, decimal: impl FnOnce() -> Option<Decimal>, u: f64) -> Element {
        let z = self.zero_point;
        match self.arithmetic {
            Arithmetic::ExactDecimal => {
                let v = x / self.scale;
                let r = match &self.exact_scale {
                    Some(s) if self.rounding.near_boundary(v) => {
                        let exact_v = exact::exact_value(x, decimal()) / s;
                        num_traits::ToPrimitive::to_f64(&self.rounding.round_exact(&exact_v)).unwrap_or(v)
                    }
                    _ => self.rounding.round_f64(v, u),
                };
                let raw = r + z as f64;
                let q = raw.clamp(self.qmin as f64, self.qmax as f64) as i64;
                let x_hat = crate::params::dequantize(q, z, self.scale, false);
                Element { x, raw, q, x_hat, error: x_hat - x }
            }
            _ => {
                let x32 = x as f32;
                let v = match self.multiplier {
                    Some(m) => x32 * m,
                    None => x32 / self.scale32,
                };
                let r = self.rounding.round_f32(v, u as f32);
                let raw = r as f64 + z as f64;
                let q = raw.clamp(self.qmin as f64, self.qmax as f64) as i64;
                let x_hat = crate::params::dequantize(q, z, self.scale, true) as f32;
                Element { x: x32 as f64, raw, q, x_hat: x_hat as f64, error: (x_hat - x32) as f64 }
            }
        }
    }

    /// Whether the fused float32 kernel gives the same results as [`Quantizer::quantize`].
    fn fused_ok(&self) -> bool {
        self.arithmetic != Arithmetic::ExactDecimal && self.rounding == Rounding::HalfEven
    }
}

/// Values that convert to float32 for the fused kernel.
trait Sample: Copy {
    fn f32(self) -> f32;
    fn f64(self) -> f64;
    /// The run itself when it is float32 (the SIMD loops read float32 only).
    #[cfg_attr(not(all(target_arch = "wasm32", target_feature = "simd128")), allow(dead_code))]
    fn as_f32(xs: &[Self]) -> Option<&[f32]>;
}
impl Sample for f32 {
    #[inline(always)]
    fn f32(self) -> f32 {
        self
    }
    #[inline(always)]
    fn f64(self) -> f64 {
        self as f64
    }
    fn as_f32(xs: &[Self]) -> Option<&[f32]> {
        Some(xs)
    }
}
impl Sample for f64 {
    #[inline(always)]
    fn f32(self) -> f32 {
        self as f32
    }
    #[inline(always)]
    fn f64(self) -> f64 {
        self
    }
    fn as_f32(_: &[Self]) -> Option<&[f32]> {
        None
    }
}

/// The fused float32 kernel (half-even rounding, finite values, per-element results not kept):
/// one read of the data, no intermediate arrays.
///
/// Rounds with `(v + 1.5·2^23) - 1.5·2^23`, exact half-to-even for |v| < 2^22, after clamping `v`
/// to `[qmin - z - 1, qmax - z + 1]` (integers, so clamping first changes no clamped result).
/// On x86_64 it runs as AVX2 code when the CPU has it: the same operations per lane, the same bits.
fn fused_f32<T: Sample>(xs: &[T], qz: &Quantizer, acc: &mut Accumulator) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") && std::arch::is_x86_feature_detected!("avx512vl") {
            // SAFETY: the CPU supports AVX-512F/VL, checked just above.
            return unsafe { fused_f32_avx512(xs, qz, acc) };
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2, checked just above.
            return unsafe { fused_f32_avx2(xs, qz, acc) };
        }
    }
    fused_f32_generic(xs, qz, acc)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl,avx2")]
unsafe fn fused_f32_avx512<T: Sample>(xs: &[T], qz: &Quantizer, acc: &mut Accumulator) {
    fused_f32_generic(xs, qz, acc)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn fused_f32_avx2<T: Sample>(xs: &[T], qz: &Quantizer, acc: &mut Accumulator) {
    fused_f32_generic(xs, qz, acc)
}

#[inline(always)]
fn fused_f32_generic<T: Sample>(xs: &[T], qz: &Quantizer, acc: &mut Accumulator) {
    // x · m (PyTorch, TFLite weights) or x / s (ONNX Runtime): a separate loop for each.
    match qz.multiplier {
        Some(m) => fused_loop::<T, true>(xs, qz, m, acc),
        None => fused_loop::<T, false>(xs, qz, qz.scale32, acc),
    }
}

#[inline(always)]
fn fused_loop<T: Sample, const MUL: bool>(xs: &[T], qz: &Quantizer, m: f32, acc: &mut Accumulator) {
    const MAGIC: f32 = 12_582_912.0;
    let z = qz.zero_point as f32;
    let lo = (qz.qmin - qz.zero_point - 1) as f32;
    let hi = (qz.qmax - qz.zero_point + 1) as f32;
    let (qmin, qmax) = (qz.qmin as f32, qz.qmax as f32);
    let s = qz.scale32;
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    let xs = match T::as_f32(xs) {
        Some(floats) => {
            let k = crate::simd_wasm::Constants { m, lo, hi, z, qmin, qmax, s };
            let done = crate::simd_wasm::fused_rows::<MUL>(floats, &k, acc);
            acc.count += done as u64;
            &xs[done..]
        }
        None => xs,
    };
    let mul = MUL;
    #[inline(always)]
    #[allow(clippy::too_many_arguments)] // a plain function of scalars, so the loop above vectorizes
    fn one(x: f32, mul: bool, m: f32, lo: f32, hi: f32, z: f32, qmin: f32, qmax: f32, s: f32) -> (f32, f32, bool) {
        let v = if mul { x * m } else { x / m };
        let r = (v.clamp(lo, hi) + MAGIC) - MAGIC;
        let q = r + z;
        let qc = q.clamp(qmin, qmax);
        ((qc - z) * s, x, q != qc)
    }
    let mut chunks = xs.chunks_exact(LANES);
    for chunk in &mut chunks {
        let mut error = [0f32; LANES];
        let mut x = [0f32; LANES];
        let mut clipped = [false; LANES];
        for lane in 0..LANES {
            let x_hat;
            (x_hat, x[lane], clipped[lane]) = one(chunk[lane].f32(), mul, m, lo, hi, z, qmin, qmax, s);
            error[lane] = x_hat - x[lane];
        }
        acc.add32_row(&x, &error, &clipped);
    }
    for (lane, &v) in chunks.remainder().iter().enumerate() {
        let (x_hat, x, clipped) = one(v.f32(), mul, m, lo, hi, z, qmin, qmax, s);
        acc.add32(lane, x, x_hat - x, clipped);
    }
    acc.count += xs.len() as u64;
}

/// Uniform draws in [0, 1) for stochastic rounding, reproducible from the seed.
struct Draws(Option<rand_pcg::Pcg64Mcg>);

impl Draws {
    fn new(spec: &QuantSpec) -> Self {
        Draws((spec.rounding == Rounding::Stochastic).then(|| rand_pcg::Pcg64Mcg::seed_from_u64(spec.seed)))
    }
    #[inline]
    fn next(&mut self) -> f64 {
        match &mut self.0 {
            Some(rng) => (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64),
            None => 0.0,
        }
    }
}

fn channel_error(tensor: &Tensor, channel: usize, range: &RangeInput, reason: String) -> QuantError {
    QuantError::BadRange {
        channel,
        name: tensor.channel_names.get(channel).cloned().unwrap_or_default(),
        min: range.min,
        max: range.max,
        reason,
    }
}

fn union(ranges: &[RangeInput]) -> Option<RangeInput> {
    let mut it = ranges.iter();
    let mut out = *it.next()?;
    for r in it {
        if r.min < out.min {
            out.min = r.min;
            out.min_exact = r.min_exact;
        }
        if r.max > out.max {
            out.max = r.max;
            out.max_exact = r.max_exact;
        }
    }
    Some(out)
}

/// Analyses a tensor: parameters per channel (or one set), then every value quantized, dequantized
/// and measured.
///
/// With `keep_elements` the per-element results are returned too (for tables, charts, `--values`);
/// the metrics are bit-for-bit the same either way.
pub fn analyse(
    tensor: &Tensor,
    spec: &QuantSpec,
    granularity: Granularity,
    source: &ParamSource,
    keep_elements: bool,
) -> Result<Analysis, QuantError> {
    let channels = tensor.channels();
    if channels == 0 {
        return Err(QuantError::Empty);
    }
    let scans = scan(tensor, spec.arithmetic);

    // Per-channel calibration ranges (None: no finite data).
    let ranges: Vec<Option<RangeInput>> = match source {
        ParamSource::Data | ParamSource::Manual(_) => scans.iter().map(|s| s.range(tensor)).collect(),
        ParamSource::Range(r) => vec![Some(*r); channels],
        ParamSource::PerChannelRange(rs) => {
            if rs.len() != channels {
                return Err(QuantError::ParamCount { given: rs.len(), channels });
            }
            rs.iter().copied().map(Some).collect()
        }
    };

    // Parameters: one per channel, or one for the tensor.
    let mut channel_warnings: Vec<Vec<Warning>> = vec![Vec::new(); channels];
    let mut tensor_warnings = Vec::new();
    let fallback = RangeInput::new(0.0, 0.0);
    let mut tensor_range = None;
    let params: Vec<QParams> = match (source, granularity) {
        (ParamSource::Manual(m), Granularity::PerChannel) => {
            if m.len() != channels {
                return Err(QuantError::ParamCount { given: m.len(), channels });
            }
            m.iter()
                .enumerate()
                .map(|(c, p)| QParams::manual(spec, c, &tensor.channel_names[c], p.scale, p.scale_exact, p.zero_point))
                .collect::<Result<_, _>>()?
        }
        (ParamSource::Manual(m), Granularity::PerTensor) => {
            if m.len() != 1 {
                return Err(QuantError::ParamCount { given: m.len(), channels: 1 });
            }
            let p = QParams::manual(spec, 0, &tensor.name, m[0].scale, m[0].scale_exact, m[0].zero_point)?;
            vec![p; channels]
        }
        (_, Granularity::PerChannel) => (0..channels)
            .map(|c| {
                let range = ranges[c].unwrap_or(fallback);
                if ranges[c].is_none() {
                    channel_warnings[c].push(Warning::NoFiniteValues);
                }
                let (p, w) = QParams::from_range(spec, &range).map_err(|e| channel_error(tensor, c, &range, e))?;
                channel_warnings[c].extend(w);
                Ok(p)
            })
            .collect::<Result<_, QuantError>>()?,
        (_, Granularity::PerTensor) => {
            let present: Vec<RangeInput> = ranges.iter().flatten().copied().collect();
            tensor_range = union(&present);
            if tensor_range.is_none() {
                tensor_warnings.push(Warning::NoFiniteValues);
            }
            let range = tensor_range.unwrap_or(fallback);
            let (p, w) = QParams::from_range(spec, &range).map_err(|e| channel_error(tensor, 0, &range, e))?;
            tensor_warnings.extend(w);
            vec![p; channels]
        }
    };

    let quantizers: Vec<Quantizer> = params.iter().map(|p| Quantizer::new(spec, p)).collect();
    let mut accs = vec![Accumulator::default(); channels];
    let mut elements: Vec<ChannelElements> = if keep_elements {
        (0..channels)
            .map(|c| {
                let n = tensor.channel_len(c);
                ChannelElements {
                    x: Vec::with_capacity(n),
                    q_raw: Vec::with_capacity(n),
                    q: Vec::with_capacity(n),
                    dequantized: Vec::with_capacity(n),
                    error: Vec::with_capacity(n),
                    clipped: Vec::with_capacity(n),
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    let mut draws = Draws::new(spec);
    let mut lane_offset = vec![0usize; channels];

    for block in tensor.blocks() {
        let c = block.channel;
        let qz = &quantizers[c];
        let acc = &mut accs[c];
        // Lanes continue across a channel's blocks, so the sums do not depend on the layout's run length.
        let start_lane = lane_offset[c];
        lane_offset[c] = (start_lane + block.range.len()) % LANES;
        if !keep_elements && scans[c].nonfinite == 0 && qz.fused_ok() && start_lane == 0 {
            match &tensor.data {
                Samples::F32(v) => fused_f32(&v[block.range.clone()], qz, acc),
                Samples::F64(v) => fused_f32(&v[block.range.clone()], qz, acc),
            }
            continue;
        }
        for (j, i) in block.range.enumerate() {
            let lane = (start_lane + j) % LANES;
            let x = tensor.data.get(i);
            if !usable(x, spec.arithmetic) {
                if let Some(el) = elements.get_mut(c) {
                    el.x.push(x);
                    el.q_raw.push(None);
                    el.q.push(None);
                    el.dequantized.push(None);
                    el.error.push(None);
                    el.clipped.push(false);
                }
                continue;
            }
            let u = draws.next();
            let e = qz.quantize(x, || tensor.decimal(i), u);
            let clipped = e.raw < qz.qmin as f64 || e.raw > qz.qmax as f64;
            let err = e.error;
            if qz.arithmetic == Arithmetic::ExactDecimal {
                acc.add(lane, e.x, err, clipped);
            } else {
                acc.add32(lane, e.x as f32, err as f32, clipped);
            }
            acc.count += 1;
            if let Some(el) = elements.get_mut(c) {
                el.x.push(e.x);
                el.q_raw.push(Some(e.raw));
                el.q.push(Some(e.q));
                el.dequantized.push(Some(e.x_hat));
                el.error.push(Some(err));
                el.clipped.push(clipped);
            }
        }
    }

    let mut total = Accumulator::default();
    let mut results = Vec::with_capacity(channels);
    let mut total_nonfinite = 0;
    let mut elements = elements.into_iter();
    for c in 0..channels {
        accs[c].flush();
        total.merge(&accs[c]);
        let s = &scans[c];
        total_nonfinite += s.nonfinite;
        let metrics = accs[c].metrics(s.nonfinite);
        let mut warnings = std::mem::take(&mut channel_warnings[c]);
        if let Some(first_index) = s.first_nonfinite {
            warnings.push(Warning::NonFinite { count: s.nonfinite, first_index });
        }
        if metrics.clip_count > 0 {
            warnings.push(Warning::Clipping { count: metrics.clip_count, rate: metrics.clip_rate.unwrap_or(0.0) });
        }
        if s.inexact > 0 {
            warnings.push(Warning::InexactDecimals { count: s.inexact });
        }
        // The range the parameters came from: the channel's, or the tensor's for per-tensor.
        let given = match source {
            ParamSource::Manual(_) => None,
            _ if granularity == Granularity::PerTensor => tensor_range,
            _ => ranges[c],
        };
        let (min, max) = match given {
            Some(r) => (Some(r.min), Some(r.max)),
            None => (s.min.map(|m| m.0), s.max.map(|m| m.0)),
        };
        results.push(ChannelResult {
            index: c,
            name: tensor.channel_names[c].clone(),
            min,
            max,
            range: min.zip(max).map(|(a, b)| b - a),
            data_min: s.min.map(|m| m.0),
            data_max: s.max.map(|m| m.0),
            scale: params[c].scale,
            zero_point: params[c].zero_point,
            metrics,
            warnings,
            elements: elements.next(),
        });
    }
    let metrics = total.metrics(total_nonfinite);
    if metrics.clip_count > 0 {
        tensor_warnings.push(Warning::Clipping { count: metrics.clip_count, rate: metrics.clip_rate.unwrap_or(0.0) });
    }
    if total_nonfinite > 0 {
        let first = scans.iter().find_map(|s| s.first_nonfinite).unwrap_or(0);
        tensor_warnings.push(Warning::NonFinite { count: total_nonfinite, first_index: first });
    }
    let summary = Summary {
        elements: tensor.len(),
        min: results.iter().filter_map(|r| r.data_min).reduce(f64::min),
        max: results.iter().filter_map(|r| r.data_max).reduce(f64::max),
        metrics,
        warnings: tensor_warnings,
    };
    Ok(Analysis {
        tensor: tensor.name.clone(),
        convention: spec.label(),
        spec: spec.clone(),
        granularity,
        shape: tensor.shape(),
        axis: tensor.axis(),
        channels: results,
        summary,
    })
}

/// Per-channel and per-tensor analyses of the same tensor, the memory estimate and the gain.
pub fn compare(tensor: &Tensor, spec: &QuantSpec, source: &ParamSource, keep_elements: bool) -> Result<Comparison, QuantError> {
    let per_tensor_source = match source {
        // Hand-typed per-channel parameters have no per-tensor counterpart: use the data's range.
        ParamSource::Manual(_) => ParamSource::Data,
        other => other.clone(),
    };
    compare_sources(tensor, spec, source, &per_tensor_source, keep_elements)
}

/// [`compare`] with a different source for each granularity: a calibration method
/// ([`crate::calibrate::sources`]) computes one range per channel and another over the whole tensor.
pub fn compare_sources(
    tensor: &Tensor,
    spec: &QuantSpec,
    per_channel_source: &ParamSource,
    per_tensor_source: &ParamSource,
    keep_elements: bool,
) -> Result<Comparison, QuantError> {
    let per_channel = analyse(tensor, spec, Granularity::PerChannel, per_channel_source, keep_elements)?;
    let per_tensor = analyse(tensor, spec, Granularity::PerTensor, per_tensor_source, keep_elements)?;
    let memory = MemoryEstimate::new(tensor.len(), spec.dtype.bits as u32, tensor.channels());
    let gain = match (per_channel.summary.metrics.sqnr_db, per_tensor.summary.metrics.sqnr_db) {
        (Some(a), Some(b)) if (a - b).is_finite() => Some(a - b),
        (Some(a), Some(b)) if a.is_infinite() && b.is_finite() => Some(a),
        _ => None,
    };
    let ratio = match (per_tensor.summary.metrics.mse, per_channel.summary.metrics.mse) {
        (Some(t), Some(c)) if c > 0.0 => Some(t / c),
        (Some(t), Some(_)) if t > 0.0 => Some(f64::INFINITY),
        _ => None,
    };
    Ok(Comparison { per_channel, per_tensor, memory, sqnr_gain_db: gain, mse_ratio: ratio })
}
