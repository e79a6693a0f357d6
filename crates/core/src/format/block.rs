//! What a block's quantization leaves behind: its stored scale ([`BlockScale`]) and its error
//! statistics ([`BlockStats`]), and the `Sink` each format family writes every element to.
//!
//! The family kernels are generic over the sink, so one kernel serves the full path (dequantized
//! values and codes kept) and the streaming statistics of `compare_rows` (nothing kept): both add
//! the same numbers in the same order, so their sums agree bit for bit.

use super::lanes::{Lanes, Portable};
use serde::Serialize;

/// A block's scale, as the format stores it.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum BlockScale {
    /// GGUF: `f16(d)` (and `f16(min)` for `Q*_1`), as floats.
    F16 {
        /// `f16(d)`.
        d: f32,
        /// `f16(min)` (Q4_1, Q5_1).
        min: Option<f32>,
    },
    /// OCP MX: the E8M0 byte `b`; the scale is `2^(b − 127)`.
    E8M0 {
        /// Biased exponent byte.
        byte: u8,
    },
    /// NVFP4: the block's E4M3 scale (value and bits); the tensor's float32 scale is separate.
    E4M3 {
        /// The E4M3 value as a float.
        value: f32,
        /// Its bit pattern.
        bits: u8,
    },
    /// bitsandbytes: the float32 absmax.
    Absmax {
        /// Block amax, unmodified.
        absmax: f32,
    },
    /// One float32 scale (fp8/fp6/fp4 elements).
    F32 {
        /// The scale.
        scale: f32,
    },
    /// PyTorch integer groups: float32 scale and integer zero point.
    Int {
        /// The scale.
        scale: f32,
        /// The zero point.
        zero_point: i32,
    },
}

impl BlockScale {
    /// The stored numbers under the names of formats.md's JSON `expected` fields
    /// (`scales_f16`, `mins_f16`, `scales_e8m0`, `scales_e4m3`, `scales_e4m3_bits`, `absmax`,
    /// `scales`, `zero_points`).
    pub fn named(&self) -> Vec<(&'static str, f64)> {
        match *self {
            BlockScale::F16 { d, min: None } => vec![("scales_f16", d as f64)],
            BlockScale::F16 { d, min: Some(m) } => vec![("scales_f16", d as f64), ("mins_f16", m as f64)],
            BlockScale::E8M0 { byte } => vec![("scales_e8m0", byte as f64)],
            BlockScale::E4M3 { value, bits } => vec![("scales_e4m3", value as f64), ("scales_e4m3_bits", bits as f64)],
            BlockScale::Absmax { absmax } => vec![("absmax", absmax as f64)],
            BlockScale::F32 { scale } => vec![("scales", scale as f64)],
            BlockScale::Int { scale, zero_point } => vec![("scales", scale as f64), ("zero_points", zero_point as f64)],
        }
    }

    /// The multiplier of the block's grid in float32 (`f16(d)`, `2^e`, `s8` without the tensor
    /// scale, absmax, the scale): the histogram draws the grid times this.
    pub fn multiplier(&self) -> f32 {
        match *self {
            BlockScale::F16 { d, .. } => d,
            BlockScale::E8M0 { byte } => super::scale::e8m0_value(byte),
            BlockScale::E4M3 { value, .. } => value,
            BlockScale::Absmax { absmax } => absmax,
            BlockScale::F32 { scale } | BlockScale::Int { scale, .. } => scale,
        }
    }
}

/// Error statistics of a block (or, summed block by block, of a row or a tensor).
///
/// All sums are float64 (`Σ (x̂ − x)²`, `Σ x²`): within a block in the fixed order of the
/// kernels' accumulator (chunks of 64, four interleaved partial sums), then block after block.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct BlockStats {
    /// Values.
    pub elements: u64,
    /// `Σ (x̂ − x)²` in float64.
    pub sum_squared_error: f64,
    /// `Σ x²` in float64.
    pub signal_power: f64,
    /// `max |x̂ − x|`.
    pub max_abs_error: f64,
    /// Values beyond the block's largest level (saturated or clamped codes).
    pub clipped: u64,
}

impl BlockStats {
    /// Adds one element (in the order of the call; the kernels sum in chunks instead).
    #[inline(always)]
    pub fn add(&mut self, x: f32, xhat: f32, clipped: bool) {
        let x = x as f64;
        let e = xhat as f64 - x;
        self.elements += 1;
        self.sum_squared_error += e * e;
        self.signal_power += x * x;
        self.max_abs_error = self.max_abs_error.max(e.abs());
        self.clipped += clipped as u64;
    }

    /// Adds a later block's statistics (sums in this order: first self, then `other`).
    #[inline(always)]
    pub fn merge(&mut self, other: &BlockStats) {
        self.elements += other.elements;
        self.sum_squared_error += other.sum_squared_error;
        self.signal_power += other.signal_power;
        self.max_abs_error = self.max_abs_error.max(other.max_abs_error);
        self.clipped += other.clipped;
    }

    /// Mean squared error (0 for no elements).
    pub fn mse(&self) -> f64 {
        if self.elements == 0 {
            0.0
        } else {
            self.sum_squared_error / self.elements as f64
        }
    }

    /// `10 · log10(Σx² / Σ(x̂ − x)²)` in dB: +∞ for an exact result, −∞ for a zero signal with error.
    pub fn sqnr_db(&self) -> f64 {
        if self.sum_squared_error == 0.0 {
            f64::INFINITY
        } else {
            10.0 * (self.signal_power / self.sum_squared_error).log10()
        }
    }
}

/// Values buffered before their statistics are summed.
const CHUNK: usize = 64;

/// A block's statistics, summed in one fixed order that both paths share: chunk by chunk (64
/// values from the block's start), each chunk in 4 interleaved partial sums (value i in lane
/// i mod 4) combined as `(l0 + l1) + (l2 + l3)` and added to the block's total.
///
/// The full path sums each block as its kernel hands it over; the streaming path
/// ([`compare_rows`](super::compare_rows)) keeps a row's `x̂` ([`RowSink`]) and sums the row at once
/// ([`Lanes::row_errors`]), and takes `Σ x²` once per block length for every format of that length
/// ([`Lanes::row_power`]): the same chunks, lanes and order, so the same bits.
pub(crate) struct Accumulator {
    xs: [f32; CHUNK],
    xhats: [f32; CHUNK],
    len: usize,
    stats: BlockStats,
}

impl Default for Accumulator {
    fn default() -> Self {
        Accumulator { xs: [0.0; CHUNK], xhats: [0.0; CHUNK], len: 0, stats: BlockStats::default() }
    }
}

impl Accumulator {
    #[inline(always)]
    fn put(&mut self, x: f32, xhat: f32, clipped: bool) {
        // `len < CHUNK` always holds here: a full chunk is summed at once.
        self.xs[self.len & (CHUNK - 1)] = x;
        self.xhats[self.len & (CHUNK - 1)] = xhat;
        self.len += 1;
        self.stats.clipped += clipped as u64;
        if self.len == CHUNK {
            self.flush();
        }
    }

    /// A run of values: copied into the chunk, summed whenever it fills.
    #[inline(always)]
    fn put_run(&mut self, xs: &[f32], xhats: &[f32], clipped: u64) {
        let mut done = 0;
        while done < xs.len() {
            let take = (CHUNK - self.len).min(xs.len() - done);
            self.xs[self.len..self.len + take].copy_from_slice(&xs[done..done + take]);
            self.xhats[self.len..self.len + take].copy_from_slice(&xhats[done..done + take]);
            self.len += take;
            done += take;
            if self.len == CHUNK {
                self.flush();
            }
        }
        self.stats.clipped += clipped;
    }

    #[inline(always)]
    fn flush(&mut self) {
        let n = self.len;
        sum_chunk(&mut self.stats, &self.xs[..n], &self.xhats[..n]);
        self.len = 0;
    }

    /// The block's statistics; the accumulator starts the next block.
    #[inline(always)]
    pub fn finish_block(&mut self) -> BlockStats {
        if self.len > 0 {
            self.flush();
        }
        std::mem::take(&mut self.stats)
    }
}

/// One chunk's sums (at most [`CHUNK`] values) added to `s`.
#[inline(always)]
fn sum_chunk(s: &mut BlockStats, xs: &[f32], xhats: &[f32]) {
    let n = xs.len().min(xhats.len());
    let (sse, max) = chunk_errors(Portable, &xs[..n], &xhats[..n]);
    s.elements += n as u64;
    s.sum_squared_error += sse;
    s.signal_power += chunk_power(Portable, &xs[..n]);
    s.max_abs_error = s.max_abs_error.max(max);
}

/// A chunk's `(Σ e², max |e|)`: value i in lane i mod 4, the lanes combined as `(l0 + l1) + (l2 +
/// l3)` ([`lanes`](super::lanes)). Whole chunks of 32 and 64 values (every block format's) go to `L`.
#[inline(always)]
pub(crate) fn chunk_errors<L: Lanes>(lanes: L, xs: &[f32], xhats: &[f32]) -> (f64, f64) {
    if let (Ok(x), Ok(h)) = (<&[f32; 32]>::try_from(xs), <&[f32; 32]>::try_from(xhats)) {
        lanes.errors(x, h)
    } else if let (Ok(x), Ok(h)) = (<&[f32; 64]>::try_from(xs), <&[f32; 64]>::try_from(xhats)) {
        lanes.errors(x, h)
    } else {
        super::lanes::errors(xs, xhats)
    }
}

/// A chunk's `Σ x²`, in the same lanes.
#[inline(always)]
pub(crate) fn chunk_power<L: Lanes>(lanes: L, xs: &[f32]) -> f64 {
    if let Ok(x) = <&[f32; 32]>::try_from(xs) {
        lanes.power(x)
    } else if let Ok(x) = <&[f32; 64]>::try_from(xs) {
        lanes.power(x)
    } else {
        super::lanes::power(xs)
    }
}

/// A row's error statistics, its blocks of `block_len` values in order, added to `stats` as the
/// full path adds its blocks: each block's chunks of 64 summed from 0, then the block's sum added.
#[inline(always)]
pub(crate) fn row_errors<L: Lanes>(lanes: L, xs: &[f32], xhats: &[f32], block_len: usize, stats: &mut BlockStats) {
    let n = xs.len().min(xhats.len());
    for (xb, hb) in xs[..n].chunks(block_len.max(1)).zip(xhats[..n].chunks(block_len.max(1))) {
        let (mut sse, mut max) = (0.0f64, 0.0f64);
        for (xc, hc) in xb.chunks(CHUNK).zip(hb.chunks(CHUNK)) {
            let (s, m) = chunk_errors(lanes, xc, hc);
            sse += s;
            max = max.max(m);
        }
        stats.sum_squared_error += sse;
        stats.max_abs_error = stats.max_abs_error.max(max);
    }
    stats.elements += n as u64;
}

/// `Σ x²` of a row cut into blocks of `block_len` values, added to `total` as the statistics of
/// every format of that block length add it: each block's chunks of 64 from 0, then the block's
/// sum added to `total`, block after block.
#[inline(always)]
pub(crate) fn row_power<L: Lanes>(lanes: L, row: &[f32], block_len: usize, total: &mut f64) {
    for block in row.chunks(block_len.max(1)) {
        let mut sum = 0.0f64;
        for chunk in block.chunks(CHUNK) {
            sum += chunk_power(lanes, chunk);
        }
        *total += sum;
    }
}

/// Where a kernel writes each element: the value, its dequantized value, its stored code and
/// whether it was clipped.
pub(crate) trait Sink {
    /// One element, in row order.
    fn put(&mut self, x: f32, xhat: f32, code: i32, clipped: bool);

    /// A run of elements in row order (`xs`, `xhats` and `codes` of one length), `clipped` of them
    /// clipped: the same as putting them one by one.
    fn put_run(&mut self, xs: &[f32], xhats: &[f32], codes: &[i32], clipped: u64);

    /// A run that ends the block (the kernel puts nothing more before the block is finished): the
    /// same as [`Sink::put_run`].
    #[inline(always)]
    fn put_block(&mut self, xs: &[f32], xhats: &[f32], codes: &[i32], clipped: u64) {
        self.put_run(xs, xhats, codes, clipped);
    }
}

/// Keeps a row's `x̂` and its count of clipped values (the streaming path, which sums the row's
/// statistics at once: [`Lanes::row_errors`]). `xhats` is as long as the row; whole blocks of 32 and
/// 64 are copied as fixed-size arrays (no call to `memcpy` per block).
pub(crate) struct RowSink<'a> {
    pub xhats: &'a mut [f32],
    pub len: usize,
    pub clipped: u64,
}

impl Sink for RowSink<'_> {
    #[inline(always)]
    fn put(&mut self, _x: f32, xhat: f32, _code: i32, clipped: bool) {
        if let Some(slot) = self.xhats.get_mut(self.len) {
            *slot = xhat;
        }
        self.len += 1;
        self.clipped += clipped as u64;
    }

    #[inline(always)]
    fn put_run(&mut self, _xs: &[f32], xhats: &[f32], _codes: &[i32], clipped: u64) {
        let end = (self.len + xhats.len()).min(self.xhats.len());
        let to = &mut self.xhats[self.len.min(end)..end];
        if let (Ok(to), Ok(from)) = (<&mut [f32; 32]>::try_from(&mut *to), <&[f32; 32]>::try_from(xhats)) {
            *to = *from;
        } else if let (Ok(to), Ok(from)) = (<&mut [f32; 64]>::try_from(&mut *to), <&[f32; 64]>::try_from(xhats)) {
            *to = *from;
        } else {
            let n = to.len();
            to.copy_from_slice(&xhats[..n]);
        }
        self.len += xhats.len();
        self.clipped += clipped;
    }
}

/// Keeps statistics, dequantized values and codes (the full path).
pub(crate) struct FullSink<'a> {
    pub acc: Accumulator,
    pub dequantized: &'a mut Vec<f32>,
    pub codes: &'a mut Vec<i32>,
}

impl Sink for FullSink<'_> {
    #[inline(always)]
    fn put(&mut self, x: f32, xhat: f32, code: i32, clipped: bool) {
        self.acc.put(x, xhat, clipped);
        self.dequantized.push(xhat);
        self.codes.push(code);
    }

    #[inline(always)]
    fn put_run(&mut self, xs: &[f32], xhats: &[f32], codes: &[i32], clipped: u64) {
        self.acc.put_run(xs, xhats, clipped);
        self.dequantized.extend_from_slice(xhats);
        self.codes.extend_from_slice(codes);
    }
}
