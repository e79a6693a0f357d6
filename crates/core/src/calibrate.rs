//! Calibration: how the range `[min, max]` is chosen before the scale and zero point.
//!
//! Every method returns a range; the convention then turns it into `s` and `z` exactly as it does
//! for min/max ([`crate::params`]). All methods work on the finite float32 values (`x as f32`, the
//! values the float32 conventions quantize) and compute in float32 where the reference does, so a
//! threshold can be compared with the reference implementation's.
//!
//! | method | range | reference |
//! |---|---|---|
//! | [`Method::MinMax`] | `[min(x), max(x)]` | every framework's default |
//! | [`Method::MovingAverage`] | exponential moving average of each batch's min and max, `c = 0.01` | PyTorch `MovingAverageMinMaxObserver`, ONNX Runtime `MinMaxCalibrater(moving_average=True)` |
//! | [`Method::Percentile`] | histogram percentile (2048 bins, 99.999 %) | ONNX Runtime `HistogramCollector` / `PercentileCalibrater` |
//! | [`Method::Mse`] | `amax` minimising the histogram's quantization MSE | NVIDIA pytorch-quantization / ModelOpt `HistogramCalibrator.compute_amax("mse")` |
//! | [`Method::Entropy`] | threshold minimising KL(P‖Q) (2048 bins, 128 quantized bins) | ONNX Runtime `HistogramCollector.get_entropy_threshold`, TensorRT entropy calibration |
//!
//! Per channel, each method runs on each channel's values; per tensor, on all values. The one
//! exception is the moving average, whose batches *are* the channels (see [`moving_average`]).

use crate::analysis::ParamSource;
use crate::params::RangeInput;
#[cfg(target_arch = "x86_64")]
use crate::simd::{self, Level};
use crate::spec::{QuantSpec, Scheme};
use crate::tensor::{Samples, Tensor};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::str::FromStr;

/// PyTorch's and ONNX Runtime's default `averaging_constant`.
pub const AVERAGING_CONSTANT: f32 = 0.01;
/// ONNX Runtime `PercentileCalibrater`'s default `num_bins`.
pub const PERCENTILE_BINS: usize = 2048;
/// ONNX Runtime `PercentileCalibrater`'s default `percentile`.
pub const DEFAULT_PERCENTILE: f64 = 99.999;
/// Histogram bins of the entropy method: TensorRT's 2048 (ONNX Runtime's `EntropyCalibrater`
/// default of 128 equals `num_quantized_bins`, which leaves one candidate: the full range, i.e. min/max).
pub const ENTROPY_BINS: usize = 2048;
/// ONNX Runtime's and TensorRT's `num_quantized_bins`.
pub const ENTROPY_QUANTIZED_BINS: usize = 128;
/// pytorch-quantization / ModelOpt `HistogramCalibrator`'s default `num_bins`.
pub const MSE_BINS: usize = 2048;
/// pytorch-quantization / ModelOpt `compute_amax("mse")`'s default `start_bin`.
pub const MSE_START_BIN: usize = 128;

/// A calibration method.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// The data's own min and max.
    #[default]
    MinMax,
    /// Moving-average min/max over batches (the channels).
    MovingAverage,
    /// Histogram percentile.
    Percentile,
    /// MSE-optimal clipping threshold.
    Mse,
    /// Entropy (KL divergence) threshold.
    Entropy,
}

impl Method {
    /// Every method, in the order the form lists them.
    pub const ALL: [Method; 5] = [Method::MinMax, Method::MovingAverage, Method::Percentile, Method::Mse, Method::Entropy];

    /// The CLI / form name.
    pub fn name(self) -> &'static str {
        match self {
            Method::MinMax => "minmax",
            Method::MovingAverage => "moving-average",
            Method::Percentile => "percentile",
            Method::Mse => "mse",
            Method::Entropy => "entropy",
        }
    }
}

impl FromStr for Method {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "minmax" | "min-max" => Ok(Method::MinMax),
            "moving-average" | "moving-average-minmax" | "ema" => Ok(Method::MovingAverage),
            "percentile" => Ok(Method::Percentile),
            "mse" => Ok(Method::Mse),
            "entropy" | "kl" => Ok(Method::Entropy),
            _ => Err(format!("unknown calibration `{s}` (expected minmax, moving-average, percentile, mse or entropy)")),
        }
    }
}

/// A calibration method and its setting.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Calibration {
    /// The method.
    pub method: Method,
    /// The percentile of [`Method::Percentile`], in (0, 100].
    pub percentile: f64,
}

impl Default for Calibration {
    fn default() -> Self {
        Calibration { method: Method::MinMax, percentile: DEFAULT_PERCENTILE }
    }
}

/// Moving-average min/max (PyTorch `MovingAverageMinMaxObserver`, ONNX Runtime
/// `MinMaxCalibrater(moving_average=True)`), in float32:
///
/// first batch: `min = min(x₀)`, `max = max(x₀)`; batch `k > 0`:
/// `min ← min + c · (min(x_k) - min)`, `max ← max + c · (max(x_k) - max)`, `c = 0.01`.
///
/// quantscope has no batches of activations; the batches are the channels (rows of a pasted tensor,
/// slices along the channel axis of a weight), in order. Each item is one batch's `(min, max)`;
/// batches without finite values are skipped (the observers' `min` of an empty batch is undefined).
pub fn moving_average(batches: impl IntoIterator<Item = (f32, f32)>, c: f32) -> Option<(f32, f32)> {
    let mut state: Option<(f32, f32)> = None;
    for (lo, hi) in batches {
        state = Some(match state {
            None => (lo, hi),
            Some((m, n)) => (m + c * (lo - m), n + c * (hi - n)),
        });
    }
    state
}

/// `numpy.histogram(values, bins, range=(first, last))` on float32 data, bit for bit: edges
/// `e_i = f32(f32(i · step) + first)` with `step = f32(last - first) / bins` (`numpy.linspace` in
/// float32), `e_bins = last`; each value goes to `trunc((x - first) / (last - first) · bins)`
/// corrected by one against the edges; values outside `[first, last]` are dropped.
///
/// `None` where NumPy refuses ("too many bins for data range": edges not increasing).
pub fn histogram(values: &[f32], bins: usize, first: f32, last: f32) -> Option<(Vec<u64>, Vec<f32>)> {
    histogram_of(values, |x| x, bins, first, last)
}

/// [`histogram`] of `f(x)` for each value (`|x|`), with no array of `f(x)`: a tensor's values are
/// read where they are.
fn histogram_of(values: &[f32], f: impl Fn(f32) -> f32, bins: usize, first: f32, last: f32) -> Option<(Vec<u64>, Vec<f32>)> {
    let (first, last) = if first == last { (first - 0.5, last + 0.5) } else { (first, last) };
    let delta = last - first;
    let step = delta / bins as f32;
    let mut edges: Vec<f32> =
        (0..=bins).map(|i| if step == 0.0 { (i as f32 / bins as f32) * delta + first } else { i as f32 * step + first }).collect();
    edges[bins] = last;
    if edges.windows(2).any(|w| w[0] >= w[1]) {
        return None;
    }
    let mut counts = vec![0u64; bins];
    let n = bins as f32;
    for x in values.iter().map(|&x| f(x)) {
        if !(x >= first && x <= last) {
            continue;
        }
        let mut i = (((x - first) / delta) * n) as usize;
        if i >= bins {
            i = bins - 1;
        }
        if x < edges[i] {
            i -= 1;
        } else if i != bins - 1 && x >= edges[i + 1] {
            i += 1;
        }
        counts[i] += 1;
    }
    Some((counts, edges))
}

fn min_max(values: &[f32]) -> Option<(f32, f32)> {
    min_max_of(values, |x| x)
}

/// [`min_max`] of `f(x)` for each value.
fn min_max_of(values: &[f32], f: impl Fn(f32) -> f32) -> Option<(f32, f32)> {
    values.iter().map(|&x| f(x)).fold(None, |acc, x| match acc {
        None => Some((x, x)),
        Some((lo, hi)) => Some((lo.min(x), hi.max(x))),
    })
}

/// `numpy.searchsorted(cdf, v)` (side left): the first index with `cdf[i] >= v`.
fn search_sorted(cdf: &[f64], v: f64) -> usize {
    cdf.partition_point(|&c| c < v)
}

/// Percentile range (ONNX Runtime `HistogramCollector`, method `percentile`).
///
/// Affine (`symmetric = false`): histogram of `x` with 2048 bins on `[-t, t]`, `t = max(|min|, |max|)`;
/// `cdf = cumsum(hist / total)`; `cut = (100 - p) / 200`;
/// range `[edges[searchsorted(cdf, cut)], edges[searchsorted(cdf, 1 - cut)]]`.
/// Symmetric: histogram of `|x|` with 2048 bins on `[min |x|, max |x|]`;
/// range `[-e, e]` with `e = edges[searchsorted(cdf, p / 100)]`.
/// Both: the ends are clamped to the data's `[min, max]` (`within`).
pub fn percentile(values: &[f32], percentile: f64, symmetric: bool) -> Option<(f32, f32)> {
    let (min, max) = min_max(values)?;
    let (hist, edges) = if symmetric {
        let (lo, hi) = min_max_of(values, f32::abs)?;
        histogram_of(values, f32::abs, PERCENTILE_BINS, lo, hi)?
    } else {
        let t = min.abs().max(max.abs());
        histogram(values, PERCENTILE_BINS, -t, t)?
    };
    let total: u64 = hist.iter().sum();
    let mut acc = 0.0f64;
    let cdf: Vec<f64> = hist
        .iter()
        .map(|&h| {
            acc += h as f64 / total as f64;
            acc
        })
        .collect();
    let (lo, hi) = if symmetric {
        let e = edges[search_sorted(&cdf, percentile / 100.0)];
        (-e, e)
    } else {
        let cut = (100.0 - percentile) / 200.0;
        (edges[search_sorted(&cdf, cut)], edges[search_sorted(&cdf, 1.0 - cut)])
    };
    Some(within(lo, hi, min, max))
}

/// A threshold pair clamped into the data's `[min, max]`, both ends: ONNX Runtime clamps only
/// `lo` up to `min` and `hi` down to `max`, which inverts the range when both thresholds fall on
/// one side of the data (one value, or values in part of one bin far from zero, lie above the
/// bin's lower edge); here such a range is `[min, min]` or `[max, max]`, a zero range the
/// conventions handle. Otherwise the same as ONNX Runtime's.
fn within(lo: f32, hi: f32, min: f32, max: f32) -> (f32, f32) {
    let (lo, hi) = (lo.clamp(min, max), hi.clamp(min, max));
    (lo.min(hi), hi)
}

/// NumPy's pairwise float32 sum (`numpy.sum` of a contiguous float32 array).
fn pairwise_sum(a: &[f32]) -> f32 {
    let n = a.len();
    if n < 8 {
        let mut s = 0.0f32;
        for &x in a {
            s += x;
        }
        s
    } else if n <= 128 {
        let mut r = [0f32; 8];
        r.copy_from_slice(&a[..8]);
        let mut i = 8;
        while i < n - (n % 8) {
            for (k, rk) in r.iter_mut().enumerate() {
                *rk += a[i + k];
            }
            i += 8;
        }
        let mut s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for &x in &a[i..] {
            s += x;
        }
        s
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        pairwise_sum(&a[..n2]) + pairwise_sum(&a[n2..])
    }
}

/// ONNX Runtime `smooth_distribution` (eps = 0.0001, float32): zeros become `eps`, every non-zero
/// loses `eps · zeros / nonzeros`. `None` when every entry is 0.
fn smooth(p: &[f32]) -> Option<Vec<f32>> {
    const EPS: f32 = 0.0001;
    let zeros = p.iter().filter(|&&v| v == 0.0).count();
    let nonzeros = p.len() - zeros;
    if nonzeros == 0 {
        return None;
    }
    let eps1 = (0.0001f64 * zeros as f64 / nonzeros as f64) as f32;
    Some(p.iter().map(|&v| if v == 0.0 { v + EPS } else { v + -eps1 }).collect())
}

/// ONNX Runtime `entropy(p, q)`: `Σ p̂ · ln(p̂ / q̂)` with `p̂ = p / Σp`, `q̂ = q / Σq`, in float32.
fn kl_divergence(p: &[f32], q: &[f32]) -> f32 {
    let sp = pairwise_sum(p);
    let sq = pairwise_sum(q);
    let terms: Vec<f32> = p
        .iter()
        .zip(q)
        .map(|(&p, &q)| {
            let (p, q) = (1.0 * p / sp, 1.0 * q / sq);
            if p > 0.0 && q > 0.0 {
                p * (p / q).ln()
            } else {
                f32::INFINITY
            }
        })
        .collect();
    pairwise_sum(&terms)
}

/// Entropy calibration (ONNX Runtime `HistogramCollector.get_entropy_threshold`, after TensorRT's
/// KL-divergence calibration).
///
/// Histogram `H` of `x` with `B = 2048` bins on `[-t, t]`, `t = max(|min|, |max|)`; with
/// `zero = B / 2` and `h = Q / 2` (`Q = 128` quantized bins), for every `i` in `h..=zero`:
/// the candidate keeps bins `[zero - i, zero + i + 1)`; `P` is that slice with the outliers added to
/// its first and last bins; the slice is merged into `Q` bins of `m = len / Q` bins (the remainder
/// into the last), and each merged count is spread back as `trunc(count / nonzero bins of P in the
/// group)` over the group (integers, as ONNX Runtime does); both are smoothed
/// (`smooth_distribution`, eps = 0.0001) and compared by `KL(P‖Q) = Σ p̂ ln(p̂ / q̂)`. The range is the
/// candidate `[edges[zero - i], edges[zero + i + 1]]` with the smallest divergence (first on ties),
/// clamped to `[min, max]`.
pub fn entropy(values: &[f32], num_bins: usize, num_quantized_bins: usize) -> Option<(f32, f32)> {
    let (min, max) = min_max(values)?;
    let t = min.abs().max(max.abs());
    let (hist, edges) = histogram(values, num_bins, -t, t)?;
    let zero = num_bins / 2;
    let half = num_quantized_bins / 2;
    if half > zero {
        return Some((min, max));
    }
    // prefix[i] = Σ hist[..i], for the outlier counts.
    let mut prefix = Vec::with_capacity(num_bins + 1);
    prefix.push(0u64);
    for &h in &hist {
        prefix.push(prefix.last().copied().unwrap_or(0) + h);
    }
    let total = prefix[num_bins];
    let mut best: Option<(f32, (f32, f32))> = None;
    let mut q_ints = vec![0i64; num_bins];
    for i in half..=zero {
        let start = zero - i;
        let end = (zero + i + 1).min(num_bins);
        let sliced = &hist[start..end];
        let mut p: Vec<f32> = sliced.iter().map(|&v| v as f32).collect();
        let left = prefix[start];
        let right = total - prefix[end];
        // ONNX Runtime adds the outliers to the int64 counts, then casts to float32.
        p[0] = (sliced[0] + left) as f32;
        let last = p.len() - 1;
        p[last] = (sliced[last] + right + if last == 0 { left } else { 0 }) as f32;
        let merged = sliced.len() / num_quantized_bins;
        let q = &mut q_ints[..sliced.len()];
        q.fill(0);
        for index in 0..num_quantized_bins {
            let (s, e) = (index * merged, index * merged + merged);
            let mut count: u64 = sliced[s..e].iter().sum();
            if index == num_quantized_bins - 1 {
                count += sliced[num_quantized_bins * merged..].iter().sum::<u64>();
            }
            let norm = p[s..e].iter().filter(|&&v| v != 0.0).count() as u64;
            if norm != 0 {
                q[s..e].fill((count as f64 / norm as f64) as i64);
            }
        }
        let q: Vec<f32> = q.iter().map(|&v| v as f32).collect();
        let div = match (smooth(&p), smooth(&q)) {
            (Some(p), Some(q)) => kl_divergence(&p, &q),
            _ => f32::INFINITY,
        };
        let candidate = (edges[start], edges[end]);
        if best.is_none_or(|(d, _)| div < d) {
            best = Some((div, candidate));
        }
    }
    let (_, (lo, hi)) = best?;
    Some(within(lo, hi, min, max))
}

/// MSE-optimal clipping (NVIDIA pytorch-quantization / ModelOpt `HistogramCalibrator`,
/// `compute_amax("mse", stride=1, start_bin=128)`).
///
/// Histogram of `|x|` with 2048 bins on `[0, max |x|]`, bin centers `c_j`; the search grid is every
/// center from the 128th on: for `a = c_i`, `i = 128..2047`, fake-quantize the centers symmetrically on
/// `b` bits with the narrow range (`s = (2^(b-1) - 1) / a`, `ĉ = clamp(round(c · s), -(2^(b-1) - 1),
/// 2^(b-1) - 1) / s`, float32, half-even) and take `MSE(a) = mean((ĉ - c)² · count)`; `amax` is the
/// first minimiser. The range is the data's range clipped to `[-amax, amax]`:
/// `[max(min, -amax), min(max, amax)]` (the clipping threshold applied to either scheme).
pub fn mse(values: &[f32], bits: u8) -> Option<(f32, f32)> {
    let (min, max) = min_max(values)?;
    let amax = values.iter().fold(0.0f32, |a, &b| a.max(b.abs()));
    if amax == 0.0 {
        return Some((min, max));
    }
    let (hist, edges) = histogram_of(values, f32::abs, MSE_BINS, 0.0, amax)?;
    let centers: Vec<f32> = edges.windows(2).map(|w| (w[1] + w[0]) / 2.0).collect();
    let bound = ((1i64 << (bits.clamp(2, 16) - 1)) - 1) as f32;
    // Empty bins add +0.0 to a sum of non-negative terms, which leaves it as it is: only the others
    // are visited (the search is bins × candidates per channel, most of a file's MSE calibration).
    let filled: Vec<(f32, f64)> = centers.iter().zip(&hist).filter(|(_, &n)| n > 0).map(|(&c, &n)| (c, n as f64)).collect();
    let mut best: Option<(f64, f32)> = None;
    // Eight candidates at a time, each with its own sum: eight independent chains of additions
    // instead of one (each sum still takes its terms in bin order, so the figures are the same).
    const AT_ONCE: usize = 8;
    for group in centers[MSE_START_BIN.min(centers.len() - 1)..].chunks(AT_ONCE) {
        let mut scales = [1.0f32; AT_ONCE];
        for (s, &a) in scales.iter_mut().zip(group) {
            *s = bound / a;
        }
        let sums = mse_sums(&filled, &scales, bound);
        for (&sum, &a) in sums.iter().zip(group) {
            let m = sum / centers.len() as f64;
            if best.is_none_or(|(b, _)| m < b) {
                best = Some((m, a));
            }
        }
    }
    let (_, amax) = best?;
    Some((min.max(-amax), max.min(amax)))
}

/// For each of the candidates' scales `s`, `Σ (ĉ - c)² · n` over the filled bins `(c, n)` in bin order,
/// `ĉ = clamp(round(c · s), -bound, bound) / s`. Clamped before it is rounded (the same for integer
/// bounds, rounding being monotone), so the rounding is always the exact small-value one, and the
/// loop has no branch: on x86_64 it runs as AVX2 code when the CPU has it, eight candidates a vector.
fn mse_sums(filled: &[(f32, f64)], scales: &[f32; 8], bound: f32) -> [f64; 8] {
    #[cfg(target_arch = "x86_64")]
    if simd::level() >= Level::Avx2 {
        // SAFETY: the CPU supports AVX2, checked just above.
        return unsafe { mse_sums_avx2(filled, scales, bound) };
    }
    mse_sums_portable(filled, scales, bound)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn mse_sums_avx2(filled: &[(f32, f64)], scales: &[f32; 8], bound: f32) -> [f64; 8] {
    mse_sums_portable(filled, scales, bound)
}

#[inline(always)]
fn mse_sums_portable(filled: &[(f32, f64)], scales: &[f32; 8], bound: f32) -> [f64; 8] {
    let mut sums = [0.0f64; 8];
    for &(c, n) in filled {
        for (sum, &s) in sums.iter_mut().zip(scales) {
            let q = round_small((c * s).clamp(-bound, bound)) / s;
            let e = (q - c) as f64;
            *sum += e * e * n;
        }
    }
    sums
}

/// `v.round_ties_even()` for `|v| < 2^22` (a clamped quantized value), without the library call
/// x86_64 makes of it when the CPU's rounding instruction (SSE4.1) is not assumed: adding and
/// subtracting 1.5 · 2^23 rounds to the nearest integer, ties to even, exactly (float32 has a
/// spacing of 1 there); on |v|, the sign put back (-0.4 rounds to -0).
#[inline(always)]
fn round_small(v: f32) -> f32 {
    const SHIFT: f32 = 12_582_912.0; // 1.5 · 2^23
    ((v.abs() + SHIFT) - SHIFT).copysign(v)
}

/// One set of finite float32 values per channel (non-finite values left out, as in the analysis):
/// the tensor's own values where a channel is one run of finite float32 values (a weight file's
/// channels along axis 0), a copy otherwise.
fn channel_values(tensor: &Tensor) -> Vec<Cow<'_, [f32]>> {
    if let Samples::F32(v) = &tensor.data {
        let blocks: Vec<_> = tensor.blocks().collect();
        let one_run_each = blocks.len() == tensor.channels() && blocks.iter().enumerate().all(|(c, b)| b.channel == c);
        if one_run_each && v.iter().all(|x| x.is_finite()) {
            return blocks.into_iter().map(|b| Cow::Borrowed(&v[b.range])).collect();
        }
    }
    let mut out: Vec<Vec<f32>> = (0..tensor.channels()).map(|c| Vec::with_capacity(tensor.channel_len(c))).collect();
    for block in tensor.blocks() {
        let dst = &mut out[block.channel];
        match &tensor.data {
            Samples::F32(v) => dst.extend(v[block.range].iter().copied().filter(|x| x.is_finite())),
            Samples::F64(v) => dst.extend(v[block.range].iter().map(|&x| x as f32).filter(|x| x.is_finite())),
        }
    }
    out.into_iter().map(Cow::Owned).collect()
}

/// One range from a set of values with a histogram/search method (not min/max nor moving average).
fn range_of(values: &[f32], spec: &QuantSpec, calibration: &Calibration) -> Option<(f32, f32)> {
    match calibration.method {
        Method::MinMax | Method::MovingAverage => min_max(values),
        Method::Percentile => percentile(values, calibration.percentile, spec.scheme == Scheme::Symmetric),
        Method::Mse => mse(values, spec.dtype.bits),
        Method::Entropy => entropy(values, ENTROPY_BINS, ENTROPY_QUANTIZED_BINS),
    }
}

fn input((lo, hi): (f32, f32)) -> RangeInput {
    RangeInput::new(lo as f64, hi as f64)
}

/// One calibration method's range over a set of values.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct MethodRange {
    /// The method.
    pub method: Method,
    /// The range's lower end.
    pub min: f32,
    /// The range's upper end.
    pub max: f32,
}

/// Every method's range over the same values (one channel, or the whole tensor), so a view can set
/// them side by side and show why they differ: the same ranges [`sources`] would pick, method by
/// method, with `percentile` for [`Method::Percentile`] (an invalid percentile leaves it out).
///
/// `values` are the finite float32 values of the channel or tensor shown. `batches` are every
/// channel's finite `(min, max)` in channel order: the moving average's batches, so its range is the
/// tensor's one range whatever is shown (as [`sources`] uses it for both granularities).
/// A method without a result (no finite values) is left out.
pub fn every_method(values: &[f32], batches: impl IntoIterator<Item = (f32, f32)>, spec: &QuantSpec, percentile: f64) -> Vec<MethodRange> {
    let moving = moving_average(batches, AVERAGING_CONSTANT);
    Method::ALL
        .into_iter()
        .filter_map(|method| {
            let range = match method {
                Method::MovingAverage => moving,
                Method::Percentile if !(percentile > 0.0 && percentile <= 100.0) => None,
                _ => range_of(values, spec, &Calibration { method, percentile }),
            };
            range.map(|(min, max)| MethodRange { method, min, max })
        })
        .collect()
}

/// The parameter sources of a calibration: `(per-channel, per-tensor)`.
///
/// Min/max is [`ParamSource::Data`] for both (the analysis's own scan). Percentile, MSE and entropy
/// run on each channel's values (per-channel, [`ParamSource::PerChannelRange`]) and on all values
/// (per-tensor, [`ParamSource::Range`]); the moving average gives one range from the channels as
/// batches, used by both granularities. A channel (or tensor) without finite values falls back to
/// `[0, 0]`. Errors: a percentile outside (0, 100].
pub fn sources(tensor: &Tensor, spec: &QuantSpec, calibration: &Calibration) -> Result<(ParamSource, ParamSource), String> {
    if calibration.method == Method::MinMax {
        return Ok((ParamSource::Data, ParamSource::Data));
    }
    if calibration.method == Method::Percentile && !(calibration.percentile > 0.0 && calibration.percentile <= 100.0) {
        return Err(format!("the percentile {} is outside (0, 100]", calibration.percentile));
    }
    let channels = channel_values(tensor);
    let empty = (0.0f32, 0.0f32);
    if calibration.method == Method::MovingAverage {
        let r = input(moving_average(channels.iter().filter_map(|v| min_max(v)), AVERAGING_CONSTANT).unwrap_or(empty));
        return Ok((ParamSource::Range(r), ParamSource::Range(r)));
    }
    // Channels are independent: native builds search them on every core (MSE and entropy search
    // hundreds of thresholds per channel).
    let threads = if channels.iter().map(|c| c.len()).sum::<usize>() >= 1 << 16 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        1
    };
    let per_channel = crate::analysis::in_parts(
        &channels,
        |c| c.len(),
        threads,
        |part| part.iter().map(|v| input(range_of(v, spec, calibration).unwrap_or(empty))).collect::<Vec<_>>(),
    )
    .into_iter()
    .flatten()
    .collect();
    // Every value in channel order: the tensor's own array when the channels are slices of it, in order.
    let all: Cow<[f32]> = match (&tensor.data, channels.iter().all(|c| matches!(c, Cow::Borrowed(_)))) {
        (Samples::F32(v), true) => Cow::Borrowed(v),
        _ => Cow::Owned(channels.iter().flat_map(|c| c.iter().copied()).collect()),
    };
    drop(channels);
    let per_tensor = input(range_of(&all, spec, calibration).unwrap_or(empty));
    Ok((ParamSource::PerChannelRange(per_channel), ParamSource::Range(per_tensor)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_method_gives_the_ranges_sources_picks() {
        let rows: Vec<Vec<f32>> =
            (0..3).map(|r| (0..500).map(|i| ((i as f32) * 0.37 + r as f32).sin() * (1.0 + r as f32)).collect()).collect();
        let mut flat: Vec<f32> = rows.concat();
        flat[7] = 9.5; // an outlier, so the methods disagree
        let tensor = Tensor::dense("t", Samples::F32(flat.clone()), vec![3, 500], 0).unwrap();
        let spec = QuantSpec::resolve(&crate::spec::SpecOptions::default()).unwrap();
        let batches: Vec<(f32, f32)> = flat.chunks(500).filter_map(min_max).collect();
        let all = every_method(&flat, batches, &spec, 99.9);
        assert_eq!(all.iter().map(|m| m.method).collect::<Vec<_>>(), Method::ALL.to_vec());
        let lowest = flat.iter().copied().fold(f32::INFINITY, f32::min);
        assert_eq!((all[0].min, all[0].max), (lowest, 9.5), "min/max: the data's own");
        for m in &all[1..] {
            match sources(&tensor, &spec, &Calibration { method: m.method, percentile: 99.9 }).unwrap() {
                (_, ParamSource::Range(r)) => assert_eq!((m.min as f64, m.max as f64), (r.min, r.max), "{:?}", m.method),
                other => panic!("{:?}: {other:?}", m.method),
            }
        }
        assert!(all[2].max < 9.5, "the percentile clips the outlier: {:?}", all[2]);
        assert!(every_method(&flat, [], &spec, 120.0).iter().all(|m| m.method != Method::Percentile && m.method != Method::MovingAverage));
        assert!(every_method(&[], [], &spec, 99.0).is_empty());
    }

    /// What `mse_sums` relies on: clamping to integer bounds and then rounding with the small-value
    /// method gives `round_ties_even` then the clamp, bit for bit, for every float32 (NaN included).
    #[test]
    fn clamped_small_rounding_is_round_ties_even_clamped() {
        let mut x = 0x1234_5678u32;
        let specials = [
            0.5f32,
            1.5,
            2.5,
            -0.5,
            -1.5,
            -2.5,
            0.49999997,
            126.5,
            127.5,
            -127.5,
            32766.5,
            1e9,
            -0.0,
            0.0,
            f32::INFINITY,
            f32::MIN_POSITIVE,
        ];
        let randoms = (0..200_000).map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            f32::from_bits(x) // every magnitude
        });
        for v in specials.into_iter().chain(randoms) {
            for bound in [1.0f32, 7.0, 127.0, 32767.0] {
                let (got, want) = (round_small(v.clamp(-bound, bound)), v.round_ties_even().clamp(-bound, bound));
                assert!(got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()), "{v} within {bound}: {got} vs {want}");
            }
        }
    }

    #[test]
    fn moving_average_recurrence() {
        assert_eq!(moving_average([(-1.0, 1.0)], 0.01), Some((-1.0, 1.0)));
        let (lo, hi) = moving_average([(-1.0, 1.0), (-3.0, 2.0)], 0.01).unwrap();
        assert_eq!((lo, hi), (-1.0 + 0.01 * -2.0, 1.0 + 0.01 * 1.0));
        assert_eq!(moving_average(std::iter::empty(), 0.01), None);
    }

    #[test]
    fn histogram_matches_numpy_rules() {
        // numpy.histogram([0, 0.5, 1, 1], 2, range=(0, 1)) -> [1, 3]: the last edge is inclusive.
        let (h, e) = histogram(&[0.0, 0.5, 1.0, 1.0, 2.0], 2, 0.0, 1.0).unwrap();
        assert_eq!(h, vec![1, 3]);
        assert_eq!(e, vec![0.0, 0.5, 1.0]);
        // An empty range is widened by 0.5 on each side.
        let (h, _) = histogram(&[3.0], 4, 3.0, 3.0).unwrap();
        assert_eq!(h.iter().sum::<u64>(), 1);
    }

    #[test]
    fn pairwise_sum_is_exact_on_integers() {
        let v: Vec<f32> = (0..1000).map(|i| i as f32).collect();
        assert_eq!(pairwise_sum(&v), 499_500.0);
    }

    #[test]
    fn methods_clip_outliers() {
        let mut v: Vec<f32> = (0..10_000).map(|i| ((i as f32) * 0.7).sin()).collect();
        v.push(50.0);
        let (_, hi) = percentile(&v, 99.9, false).unwrap();
        assert!(hi < 2.0, "{hi}");
        let (_, hi) = mse(&v, 8).unwrap();
        assert!(hi < 50.0, "{hi}");
        let (_, hi) = entropy(&v, 2048, 128).unwrap();
        assert!(hi < 50.0, "{hi}");
        assert_eq!(percentile(&[], 99.0, false), None);
        // One value far from zero sits in part of the last bin, whose lower edge is below it.
        let x = 0.911_319_f32;
        assert_eq!(percentile(&[x], 99.9, false), Some((x, x)));
        let (lo, hi) = percentile(&[0.91, 0.9113], 99.9, false).unwrap();
        assert!(0.91 <= lo && lo <= hi && hi <= 0.9113, "{lo} {hi}");
        // All negative, thresholds symmetric about zero and narrower than the data: not inverted.
        let v: Vec<f32> = (0..1000).map(|i| -1.0 + (i as f32) * 1e-4).collect();
        let (lo, hi) = entropy(&v, 2048, 128).unwrap();
        assert!(lo <= hi && -1.0 <= lo && hi <= v[999], "{lo} {hi}");
        assert_eq!(percentile(&[1.0; 5], 99.0, true), Some((1.0, 1.0)));
    }
}
