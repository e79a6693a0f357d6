//! The analysis: one pass for the ranges, one fused pass to quantize, dequantize and measure.

use crate::error::QuantError;
use crate::exact::{self, Decimal};
use crate::metrics::{serialize_extended, Accumulator, Metrics, Totals, LANES};
use crate::params::{QParams, RangeInput};
use crate::rounding::Rounding;
use crate::spec::{Arithmetic, Granularity, QuantSpec};
use crate::tensor::{Block, Samples, Tensor};
use crate::warning::Warning;
use rand_core::{RngCore, SeedableRng};
use serde::Serialize;
use std::ops::Range;

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
    if arithmetic == Arithmetic::ExactDecimal {
        x.is_finite()
    } else {
        (x as f32).is_finite()
    }
}

/// The ranges of a unit's channels.
fn scan(tensor: &Tensor, arithmetic: Arithmetic, unit: &Unit) -> Vec<Scan> {
    let mut scans = vec![Scan::default(); unit.channels.len()];
    for block in unit.blocks {
        let s = &mut scans[block.channel - unit.channels.start];
        let start = block.range.start;
        let (lo, hi, bad) = match &tensor.data {
            Samples::F32(v) => block_range(&v[block.range.clone()], |x| x.is_finite()),
            Samples::F64(v) if arithmetic == Arithmetic::ExactDecimal => block_range(&v[block.range.clone()], |x| x.is_finite()),
            Samples::F64(v) => block_range(&v[block.range.clone()], |x| (x as f32).is_finite()),
        };
        // Indices matter only for the typed decimals of the ends, and for the rare non-finite values.
        let position =
            |value: f64| block.range.clone().find(|&i| tensor.data.get(i) == value && usable(value, arithmetic)).unwrap_or(start);
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
            s.inexact +=
                block.range.clone().filter(|&i| usable(tensor.data.get(i), arithmetic) && tensor.decimal(i).is_none()).count() as u64;
        }
        s.seen += block.range.len();
    }
    scans
}

/// Channels whose runs are read together: consecutive channels and all their runs, in memory order.
struct Unit<'a> {
    channels: Range<usize>,
    blocks: &'a [Block],
    /// How many values ahead the next unit's data lies (0: none follows in memory). The measuring
    /// pass brings it into the cache (`Kernel::next`), so that its range pass reads from the cache.
    ahead: usize,
}

impl Unit<'_> {
    /// The next unit's values that lie `ahead` beyond `block`'s, as many as `block` holds or fewer.
    fn next_of<'v>(&self, values: &'v [f32], block: &Block) -> &'v [f32] {
        if self.ahead == 0 {
            return &[];
        }
        let start = (block.range.start + self.ahead).min(values.len());
        &values[start..(start + block.range.len()).min(values.len())]
    }
}

/// The tensor's runs as units. With one run per channel (rows, or channels along the first axis)
/// a unit is a few consecutive channels, about 64 KiB of float32 or more: its measuring pass reads
/// them again while they are still in the core's cache, the bookkeeping per unit is small next to
/// the work, and units can go to different threads. Otherwise (channels interleaved in memory) one
/// unit holds every run.
fn units<'a>(tensor: &Tensor, blocks: &'a [Block]) -> Vec<Unit<'a>> {
    const UNIT_VALUES: usize = 16 * 1024;
    let channels = tensor.channels();
    if !(blocks.len() == channels && blocks.iter().enumerate().all(|(c, b)| b.channel == c)) {
        return vec![Unit { channels: 0..channels, blocks, ahead: 0 }];
    }
    let mut units = Vec::new();
    let (mut start, mut values) = (0, 0);
    for (c, block) in blocks.iter().enumerate() {
        values += block.range.len();
        if values >= UNIT_VALUES || c + 1 == channels {
            let ahead = if c + 1 == channels { 0 } else { values };
            units.push(Unit { channels: start..c + 1, blocks: &blocks[start..=c], ahead });
            (start, values) = (c + 1, 0);
        }
    }
    units
}

/// Runs `work` on consecutive slices of `items` and returns its results in order. Native builds use
/// `threads` threads, slices of about equal `size`; results do not depend on the split (channels
/// are independent, each summed in its own fixed order). A thread that cannot be started leaves its
/// slice to the calling thread.
pub(crate) fn in_parts<T: Sync, R: Send>(
    items: &[T],
    size: impl Fn(&T) -> usize,
    threads: usize,
    work: impl Fn(&[T]) -> R + Sync,
) -> Vec<R> {
    #[cfg(not(target_arch = "wasm32"))]
    if threads > 1 && items.len() > 1 {
        let total: usize = items.iter().map(&size).sum();
        let mut slices = Vec::with_capacity(threads);
        let (mut start, mut done) = (0, 0);
        for (i, item) in items.iter().enumerate() {
            done += size(item);
            if slices.len() + 1 < threads && i + 1 < items.len() && done * threads >= total * (slices.len() + 1) {
                slices.push(&items[start..=i]);
                start = i + 1;
            }
        }
        slices.push(&items[start..]);
        let work = &work;
        return std::thread::scope(|scope| {
            let handles: Vec<_> = slices[1..]
                .iter()
                .map(|&slice| (slice, std::thread::Builder::new().spawn_scoped(scope, move || work(slice)).ok()))
                .collect();
            let mut out = vec![work(slices[0])];
            for (slice, handle) in handles {
                out.push(match handle.map(|h| h.join()) {
                    Some(Ok(r)) => r,
                    _ => work(slice),
                });
            }
            out
        });
    }
    let _ = (size, threads);
    vec![work(items)]
}

impl Unit<'_> {
    fn len(&self) -> usize {
        self.blocks.iter().map(|b| b.range.len()).sum()
    }
}

/// Threads for the passes: every core when the tensor is large enough that starting threads (tens
/// of microseconds) is small next to the work, one when stochastic rounding draws from one sequence.
fn threads(tensor: &Tensor, spec: &QuantSpec) -> usize {
    const MIN_PER_THREAD: usize = 1 << 18;
    if spec.rounding == Rounding::Stochastic || tensor.len() < 2 * MIN_PER_THREAD {
        return 1;
    }
    #[cfg(not(target_arch = "wasm32"))]
    return std::thread::available_parallelism().map_or(1, |n| n.get()).min(tensor.len() / MIN_PER_THREAD);
    #[cfg(target_arch = "wasm32")]
    1
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
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    if let Some(floats) = T::as_f32(xs) {
        // float32 data: usable means finite, whatever the convention.
        return match finite_range_f32(floats) {
            Some((lo, hi)) => (lo, hi, 0),
            None => lanes_range::<T, true>(xs, usable),
        };
    }
    // Plain min/max first (a NaN never wins a comparison, an infinity would): exact when every
    // value is usable, as they nearly always are; otherwise the run is read again, masked.
    match lanes_range::<T, false>(xs, usable) {
        (lo, hi, 0) => (lo, hi, 0),
        _ => lanes_range::<T, true>(xs, usable),
    }
}

/// Min and max of a float32 run in which every value is finite, or `None` if one is not (the
/// caller then reads it again, masked). `x - x` is +0 (no bit set) for a finite `x` and NaN for ±inf
/// and NaN, so or-ing their bits flags a non-finite value in two instructions a vector where
/// checking |x| < inf and counting takes four. Same lanes and comparisons as [`lanes_range`], so
/// the same min and max.
#[cfg_attr(all(target_arch = "wasm32", target_feature = "simd128"), allow(dead_code))]
#[allow(clippy::eq_op)] // `x - x` is the test, not a slip
#[inline(always)]
fn finite_range_f32(xs: &[f32]) -> Option<(f64, f64)> {
    const W: usize = 16;
    let mut lo = [f32::INFINITY; W];
    let mut hi = [f32::NEG_INFINITY; W];
    let mut flag = [0u32; W];
    let fold = |lane: usize, x: f32| {
        lo[lane] = if x < lo[lane] { x } else { lo[lane] };
        hi[lane] = if x > hi[lane] { x } else { hi[lane] };
        flag[lane] |= (x - x).to_bits();
    };
    each_lane::<_, W>(xs, fold);
    if flag.iter().any(|&f| f != 0) {
        return None;
    }
    Some((lo.iter().map(|&v| v as f64).fold(f64::INFINITY, f64::min), hi.iter().map(|&v| v as f64).fold(f64::NEG_INFINITY, f64::max)))
}

/// Calls `fold(lane, x)` for the values of `xs` in order, lane `i % W` for the `i`-th (the range
/// passes' independent lanes, which the compiler turns into vector registers).
#[inline(always)]
fn each_lane<T: Copy, const W: usize>(xs: &[T], mut fold: impl FnMut(usize, T)) {
    let mut chunks = xs.chunks_exact(W);
    for chunk in &mut chunks {
        for (lane, &x) in chunk.iter().enumerate() {
            fold(lane, x);
        }
    }
    for (lane, &x) in chunks.remainder().iter().enumerate() {
        fold(lane, x);
    }
}

/// The range over 16 independent lanes; `MASKED` leaves unusable values out of the min/max.
#[inline(always)]
fn lanes_range<T: Sample + num_traits::Float, const MASKED: bool>(xs: &[T], usable: impl Fn(T) -> bool + Copy) -> (f64, f64, u64) {
    const W: usize = 16;
    let mut lo = [T::infinity(); W];
    let mut hi = [T::neg_infinity(); W];
    let mut bad = [0u32; W];
    let fold = |lane: usize, x: T| {
        let ok = usable(x);
        let take = ok || !MASKED;
        lo[lane] = if take && x < lo[lane] { x } else { lo[lane] };
        hi[lane] = if take && x > hi[lane] { x } else { hi[lane] };
        bad[lane] += !ok as u32;
    };
    each_lane::<_, W>(xs, fold);
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
/// Rounds with the CPU's own round-half-to-even (`vroundps`, wasm `f32.nearest`) and no clamp before
/// it: for `v` beyond `[qmin - z, qmax - z]`, `round(v) + z` lies beyond `[qmin, qmax]` too (rounding
/// is monotone and the bounds are integers), so the clamp after it gives the same `q` and `clipped`.
/// On x86_64 it runs as AVX2 (or AVX-512) code when the CPU has it: the same operations per lane, the same bits.
fn fused_f32<T: Sample>(xs: &[T], qz: &Quantizer, range: Option<(f32, f32)>, next: &[f32], acc: &mut Accumulator) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") && std::arch::is_x86_feature_detected!("avx512vl") {
            // SAFETY: the CPU supports AVX-512F/VL, checked just above.
            return unsafe { fused_f32_avx512(xs, qz, range, next, acc) };
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2, checked just above.
            return unsafe { fused_f32_avx2(xs, qz, range, next, acc) };
        }
    }
    fused_f32_generic(xs, qz, range, next, acc)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl,avx2")]
unsafe fn fused_f32_avx512<T: Sample>(xs: &[T], qz: &Quantizer, range: Option<(f32, f32)>, next: &[f32], acc: &mut Accumulator) {
    fused_f32_generic(xs, qz, range, next, acc)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn fused_f32_avx2<T: Sample>(xs: &[T], qz: &Quantizer, range: Option<(f32, f32)>, next: &[f32], acc: &mut Accumulator) {
    fused_f32_generic(xs, qz, range, next, acc)
}

#[inline(always)]
fn fused_f32_generic<T: Sample>(xs: &[T], qz: &Quantizer, range: Option<(f32, f32)>, next: &[f32], acc: &mut Accumulator) {
    // x · m (PyTorch, TFLite weights) or x / s (ONNX Runtime): a separate loop for each.
    match qz.multiplier {
        Some(m) => fused_loop::<T, true>(xs, &Kernel::new::<true>(qz, m, range, next), acc),
        None => fused_loop::<T, false>(xs, &Kernel::new::<false>(qz, qz.scale32, range, next), acc),
    }
}

/// A channel's quantizer as the float32 constants of the fused kernel (the wasm SIMD loop reads them too).
#[derive(Clone, Copy)]
pub(crate) struct Kernel<'a> {
    /// The multiplier (`x · m`) or the scale (`x / m`).
    pub(crate) m: f32,
    /// Zero point.
    pub(crate) z: f32,
    /// Smallest integer.
    pub(crate) qmin: f32,
    /// Largest integer.
    pub(crate) qmax: f32,
    /// Scale.
    pub(crate) s: f32,
    /// Whether any value can clip; when none can, the SIMD loops leave out the clamp and the clip
    /// count (they would change nothing).
    pub(crate) clamp: bool,
    /// The next unit's values, from the one as far ahead of this run's first value as the unit is
    /// long (at most as many as the run; empty: none). The SIMD loops bring them into the cache
    /// while they compute, so that the next range pass reads from the cache instead of waiting on
    /// memory: x86_64 with a prefetch, wasm (which has none) by reading one value per cache line.
    #[cfg_attr(not(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128"))), allow(dead_code))]
    pub(crate) next: &'a [f32],
}

impl<'a> Kernel<'a> {
    /// The kernel for values within `range` (the run's finite min and max, if known).
    ///
    /// No value clips when neither end does: for `m > 0`, `x ↦ round(x · m) + z` (or `x / m`) is
    /// monotone in float32 too (each step rounds monotonically), so every `q` lies between the ends'.
    fn new<const MUL: bool>(qz: &Quantizer, m: f32, range: Option<(f32, f32)>, next: &'a [f32]) -> Kernel<'a> {
        let mut k = Kernel { m, z: qz.zero_point as f32, qmin: qz.qmin as f32, qmax: qz.qmax as f32, s: qz.scale32, clamp: true, next };
        // Integers below 2^24 in magnitude are exact in float32, so without a clamp the SIMD loops
        // may take round(v) for (round(v) + z) - z: q = round(v) + z lies in [qmin, qmax], so the
        // exact sum is representable and nothing rounds (only the sign of a zero x̂ can differ,
        // which changes neither e², |e| nor |e|/|x|, masked at x = 0). Wider grids keep the clamp.
        const EXACT: f32 = 16_777_216.0;
        let small = [k.qmin, k.qmax, k.z].iter().all(|v| v.abs() < EXACT);
        if let Some((lo, hi)) = range {
            // NaN compares false: a NaN end keeps the clamp.
            k.clamp = !(small && m > 0.0 && k.unclamped::<MUL>(lo) >= k.qmin && k.unclamped::<MUL>(hi) <= k.qmax);
        }
        k
    }

    /// `round(x / s) + z` before clamping.
    #[inline(always)]
    fn unclamped<const MUL: bool>(&self, x: f32) -> f32 {
        let v = if MUL { x * self.m } else { x / self.m };
        v.round_ties_even() + self.z
    }

    /// One element: the error `e = x̂ - x` and whether it was clamped.
    #[inline(always)]
    fn one<const MUL: bool>(&self, x: f32) -> (f32, bool) {
        let q = self.unclamped::<MUL>(x);
        let qc = q.clamp(self.qmin, self.qmax);
        let x_hat = (qc - self.z) * self.s;
        (x_hat - x, q != qc)
    }

    /// One row of `LANES` elements.
    #[inline(always)]
    fn row<T: Sample, const MUL: bool>(&self, row: &[T]) -> ([f32; LANES], [f32; LANES], [bool; LANES]) {
        let mut x = [0f32; LANES];
        let mut error = [0f32; LANES];
        let mut clipped = [false; LANES];
        for lane in 0..LANES {
            x[lane] = row[lane].f32();
            (error[lane], clipped[lane]) = self.one::<MUL>(x[lane]);
        }
        (x, error, clipped)
    }
}

#[inline(always)]
fn fused_loop<T: Sample, const MUL: bool>(xs: &[T], k: &Kernel, acc: &mut Accumulator) {
    // float32 data runs through the hand-written SIMD loops (whole rows), the rest here.
    let done = match T::as_f32(xs) {
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        Some(floats) => crate::simd_wasm::fused_rows::<MUL>(floats, k, acc),
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the CPU supports AVX2, checked in the same condition.
        Some(floats) if std::arch::is_x86_feature_detected!("avx2") => unsafe { crate::simd_x86::fused_rows::<MUL>(floats, k, acc) },
        _ => 0,
    };
    let (rows, tail) = xs[done..].split_at((xs.len() - done) / LANES * LANES);
    for row in rows.chunks_exact(LANES) {
        let (x, e, clipped) = k.row::<T, MUL>(row);
        acc.add32_row(&x, &e, &clipped);
    }
    for (lane, &v) in tail.iter().enumerate() {
        let x = v.f32();
        let (e, clipped) = k.one::<MUL>(x);
        acc.add32(lane, x, e, clipped);
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

/// One channel's results before the summary.
struct Channel {
    scan: Scan,
    params: QParams,
    warnings: Vec<Warning>,
    totals: Totals,
    elements: Option<ChannelElements>,
}

/// What every unit of one analysis shares.
struct Pass<'a> {
    tensor: &'a Tensor,
    spec: &'a QuantSpec,
    source: &'a ParamSource,
    keep_elements: bool,
}

impl Pass<'_> {
    /// Channel `c`'s calibration range (None: no finite data).
    fn range(&self, c: usize, scan: &Scan) -> Option<RangeInput> {
        match self.source {
            ParamSource::Data | ParamSource::Manual(_) => scan.range(self.tensor),
            ParamSource::Range(r) => Some(*r),
            ParamSource::PerChannelRange(rs) => rs.get(c).copied(),
        }
    }

    /// Channel `c`'s own parameters and their warnings (per-channel granularity).
    fn channel_params(&self, c: usize, scan: &Scan) -> Result<(QParams, Vec<Warning>), QuantError> {
        let (tensor, spec) = (self.tensor, self.spec);
        if let ParamSource::Manual(m) = self.source {
            let p = m.get(c).ok_or(QuantError::ParamCount { given: m.len(), channels: tensor.channels() })?;
            return Ok((QParams::manual(spec, c, &tensor.channel_names[c], p.scale, p.scale_exact, p.zero_point)?, Vec::new()));
        }
        let mut warnings = Vec::new();
        let range = self.range(c, scan);
        if range.is_none() {
            warnings.push(Warning::NoFiniteValues);
        }
        let range = range.unwrap_or(RangeInput::new(0.0, 0.0));
        let (p, w) = QParams::from_range(spec, &range).map_err(|e| channel_error(tensor, c, &range, e))?;
        warnings.extend(w);
        Ok((p, warnings))
    }

    /// The measuring pass over a unit: every usable value quantized, dequantized and measured; one
    /// [`Channel`] per channel of the unit onto `out` (measured in place: an accumulator is large).
    fn measure(&self, unit: &Unit, scans: Vec<Scan>, params: Vec<(QParams, Vec<Warning>)>, draws: &mut Draws, out: &mut Vec<Channel>) {
        let (tensor, spec) = (self.tensor, self.spec);
        let quantizers: Vec<Quantizer> = params.iter().map(|(p, _)| Quantizer::new(spec, p)).collect();
        let first = out.len();
        out.extend(scans.into_iter().zip(params).map(|(scan, (params, warnings))| Channel {
            scan,
            params,
            warnings,
            totals: Totals::default(),
            elements: None,
        }));
        let channels = &mut out[first..];
        // The unit's accumulators, while its blocks are measured; each channel then keeps its totals.
        let mut accs = vec![Accumulator::default(); unit.channels.len()];
        let mut elements: Vec<ChannelElements> = if self.keep_elements {
            unit.channels
                .clone()
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
        let mut lane_offset = vec![0usize; unit.channels.len()];
        for block in unit.blocks {
            let c = block.channel - unit.channels.start;
            let qz = &quantizers[c];
            let (scan, acc) = (&channels[c].scan, &mut accs[c]);
            // Lanes continue across a channel's blocks, so the sums do not depend on the layout's run length.
            let start_lane = lane_offset[c];
            lane_offset[c] = (start_lane + block.range.len()) % LANES;
            if !self.keep_elements && scan.nonfinite == 0 && qz.fused_ok() && start_lane == 0 {
                // The channel's ends as float32 (the conversion is monotone too).
                let range = scan.min.zip(scan.max).map(|((lo, _), (hi, _))| (lo as f32, hi as f32));
                match &tensor.data {
                    Samples::F32(v) => fused_f32(&v[block.range.clone()], qz, range, unit.next_of(v, block), acc),
                    // The SIMD loops, which would bring the next unit in, take float32 only.
                    Samples::F64(v) => fused_f32(&v[block.range.clone()], qz, range, &[], acc),
                }
                continue;
            }
            for (j, i) in block.range.clone().enumerate() {
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
        for (ch, mut acc) in channels.iter_mut().zip(accs) {
            ch.totals = acc.totals();
        }
        for (ch, el) in channels.iter_mut().zip(elements) {
            ch.elements = Some(el);
        }
    }
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
    analyse_in(tensor, spec, granularity, source, keep_elements, threads(tensor, spec))
}

/// [`analyse`] on `threads` threads.
fn analyse_in(
    tensor: &Tensor,
    spec: &QuantSpec,
    granularity: Granularity,
    source: &ParamSource,
    keep_elements: bool,
    threads: usize,
) -> Result<Analysis, QuantError> {
    let channels = tensor.channels();
    if channels == 0 {
        return Err(QuantError::Empty);
    }
    match (source, granularity) {
        (ParamSource::PerChannelRange(rs), _) if rs.len() != channels => return Err(QuantError::ParamCount { given: rs.len(), channels }),
        (ParamSource::Manual(m), Granularity::PerChannel) if m.len() != channels => {
            return Err(QuantError::ParamCount { given: m.len(), channels })
        }
        (ParamSource::Manual(m), Granularity::PerTensor) if m.len() != 1 => {
            return Err(QuantError::ParamCount { given: m.len(), channels: 1 })
        }
        _ => {}
    }
    let blocks: Vec<Block> = tensor.blocks().collect();
    let units = units(tensor, &blocks);
    let pass = Pass { tensor, spec, source, keep_elements };

    let mut tensor_warnings = Vec::new();
    let mut tensor_range = None;
    let done: Vec<Vec<Channel>> = match granularity {
        // Each unit on its own: range, parameters, then the measuring pass while the data is in cache.
        Granularity::PerChannel => {
            let parts = in_parts(&units, Unit::len, threads, |units| {
                let mut draws = Draws::new(spec);
                let mut out = Vec::with_capacity(units.iter().map(|u| u.channels.len()).sum());
                for unit in units {
                    let scans = scan(tensor, spec.arithmetic, unit);
                    let params = unit.channels.clone().zip(&scans).map(|(c, s)| pass.channel_params(c, s)).collect::<Result<_, _>>()?;
                    pass.measure(unit, scans, params, &mut draws, &mut out);
                }
                Ok(out)
            });
            parts.into_iter().collect::<Result<Vec<Vec<Channel>>, QuantError>>()?
        }
        // Every range first, then one set of parameters, then the measuring pass.
        Granularity::PerTensor => {
            let scans =
                in_parts(&units, Unit::len, threads, |units| units.iter().map(|u| scan(tensor, spec.arithmetic, u)).collect::<Vec<_>>());
            let work: Vec<(&Unit, Vec<Scan>)> = units.iter().zip(scans.into_iter().flatten()).collect();
            let p = match source {
                ParamSource::Manual(m) => QParams::manual(spec, 0, &tensor.name, m[0].scale, m[0].scale_exact, m[0].zero_point)?,
                _ => {
                    let scans = work.iter().flat_map(|(_, s)| s);
                    let present: Vec<RangeInput> = scans.enumerate().filter_map(|(c, s)| pass.range(c, s)).collect();
                    tensor_range = union(&present);
                    if tensor_range.is_none() {
                        tensor_warnings.push(Warning::NoFiniteValues);
                    }
                    let range = tensor_range.unwrap_or(RangeInput::new(0.0, 0.0));
                    let (p, w) = QParams::from_range(spec, &range).map_err(|e| channel_error(tensor, 0, &range, e))?;
                    tensor_warnings.extend(w);
                    p
                }
            };
            let parts = in_parts(
                &work,
                |(u, _)| u.len(),
                threads,
                |work| {
                    let mut draws = Draws::new(spec);
                    let mut out = Vec::with_capacity(work.iter().map(|(u, _)| u.channels.len()).sum());
                    for (unit, scans) in work {
                        let params = vec![(p.clone(), Vec::new()); scans.len()];
                        pass.measure(unit, scans.clone(), params, &mut draws, &mut out);
                    }
                    out
                },
            );
            parts
        }
    };

    let mut total = Totals::default();
    let mut results = Vec::with_capacity(channels);
    let mut total_nonfinite = 0;
    let mut first_nonfinite = None;
    for (c, ch) in done.into_iter().flatten().enumerate() {
        let Channel { scan: s, params, mut warnings, totals, elements } = ch;
        total.merge(&totals);
        total_nonfinite += s.nonfinite;
        first_nonfinite = first_nonfinite.or(s.first_nonfinite);
        let metrics = totals.metrics(s.nonfinite);
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
            _ => pass.range(c, &s),
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
            scale: params.scale,
            zero_point: params.zero_point,
            metrics,
            warnings,
            elements,
        });
    }
    let metrics = total.metrics(total_nonfinite);
    if metrics.clip_count > 0 {
        tensor_warnings.push(Warning::Clipping { count: metrics.clip_count, rate: metrics.clip_rate.unwrap_or(0.0) });
    }
    if total_nonfinite > 0 {
        tensor_warnings.push(Warning::NonFinite { count: total_nonfinite, first_index: first_nonfinite.unwrap_or(0) });
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{Convention, SpecOptions};

    proptest::proptest! {
        /// The float32 range pass (plain min/max with the `x - x` flag, else a masked second read)
        /// gives the finite values' min and max and counts the rest, wherever NaN and ±inf fall.
        #[test]
        fn float32_range_leaves_out_and_counts_non_finite_values(
            values in proptest::collection::vec(
                proptest::prop_oneof![
                    8 => -1e6f32..1e6f32,
                    1 => proptest::sample::select(vec![f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 0.0, -0.0, f32::MAX, f32::MIN, f32::MIN_POSITIVE / 4.0]),
                ],
                0..100,
            )
        ) {
            let finite: Vec<f64> = values.iter().filter(|x| x.is_finite()).map(|&x| x as f64).collect();
            let min = finite.iter().copied().fold(f64::INFINITY, f64::min);
            let max = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let (lo, hi, bad) = block_range(&values, |x: f32| x.is_finite());
            proptest::prop_assert_eq!(lo, min);
            proptest::prop_assert_eq!(hi, max);
            proptest::prop_assert_eq!(bad as usize, values.len() - finite.len());
        }
    }

    /// The thread count changes no bit: uneven rows, channels along a later axis, both granularities.
    #[test]
    fn results_do_not_depend_on_threads() {
        let value = |i: usize| ((i * 7919 % 10007) as f64 / 10007.0 - 0.5) * (1 + i % 13) as f64;
        let rows: Vec<Vec<f64>> = (0..37).map(|r| (0..(r * 977 % 3001)).map(|i| value(r * 5000 + i)).collect()).collect();
        let names = (0..rows.len()).map(|c| format!("ch{c}")).collect();
        let strided = Samples::F32((0..6 * 50 * 331).map(|i| value(i) as f32).collect());
        let tensors = [Tensor::from_rows("rows", names, rows), Tensor::dense("conv", strided, vec![6, 50, 331], 1).unwrap()];
        for convention in [Convention::Pytorch, Convention::Onnxruntime, Convention::Textbook] {
            let spec = QuantSpec::resolve(&SpecOptions { convention, ..SpecOptions::default() }).unwrap();
            for tensor in &tensors {
                for granularity in [Granularity::PerChannel, Granularity::PerTensor] {
                    let one = analyse_in(tensor, &spec, granularity, &ParamSource::Data, false, 1).unwrap();
                    for threads in [2, 3, 64] {
                        assert_eq!(analyse_in(tensor, &spec, granularity, &ParamSource::Data, false, threads).unwrap(), one);
                    }
                }
            }
        }
    }

    /// With a range narrower than the data the fused kernel clamps and counts like the per-element path.
    #[test]
    fn fused_kernel_clips_like_per_element_path() {
        let data: Vec<f32> = (0..4 * 1000).map(|i| ((i * 7919 % 10007) as f32 / 10007.0 - 0.5) * 2.0).collect();
        let tensor = Tensor::dense("t", Samples::F32(data), vec![4, 1000], 0).unwrap();
        for convention in [Convention::Pytorch, Convention::Onnxruntime, Convention::Tflite] {
            let spec = QuantSpec::resolve(&SpecOptions { convention, ..SpecOptions::default() }).unwrap();
            for source in [ParamSource::Range(RangeInput::new(-0.3, 0.2)), ParamSource::Data] {
                for granularity in [Granularity::PerChannel, Granularity::PerTensor] {
                    let fast = analyse(&tensor, &spec, granularity, &source, false).unwrap();
                    let slow = analyse(&tensor, &spec, granularity, &source, true).unwrap();
                    for (f, s) in fast.channels.iter().zip(&slow.channels) {
                        assert_eq!(f.metrics, s.metrics);
                    }
                    assert_eq!(fast.summary.metrics, slow.summary.metrics);
                    if matches!(source, ParamSource::Range(_)) {
                        assert!(fast.summary.metrics.clip_count > 0);
                    }
                }
            }
        }
    }
}
