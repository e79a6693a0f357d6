//! The formats large models ship in: block scales, float and lookup-table elements (issue 13).
//!
//! A [`Format`] is one value (token syntax in [`token`]): a preset (GGUF `q8_0 q4_0 q4_1 q5_0 q5_1`,
//! OCP MX `mxfp8-e4m3 mxfp8-e5m2 mxfp6-e3m2 mxfp6-e2m3 mxfp4 mxint8`, `nvfp4`, bitsandbytes `nf4
//! fp4-bnb`), a float element with one float32 scale per tensor, row or group (`fp8-e4m3:per-tensor`),
//! or a PyTorch integer per tensor, row or group (`int4:per-group:128`).
//!
//! Each format family lives in one file whose doc comment gives its formula and its reference
//! (package, version, function), exactly as `../shared/reference/formats.md` states it:
//! [`gguf`], [`mx`], [`nvfp4`], [`bnb`], [`scaled_float`], [`int_group`]. The concepts they share:
//! [`element`] (codecs and grids), [`scale`] (scale storage, `E(v)`, float16), [`preset`] (presets
//! as data), [`block`] (a block's stored scale and error statistics).
//!
//! Blocks and groups run along each row from its first value (the last axis, as GGUF, MX and
//! bitsandbytes lay them out). All arithmetic is float32 with one rounding per operation, never a
//! fused multiply-add; the error statistics are float64.
//!
//! Two entry points: [`quantize_rows`] (and [`quantize`] for a row-major matrix) keeps every
//! dequantized value, code and block; [`compare_rows`] streams a tensor through several formats and
//! keeps only their statistics ([`FormatStats`]), equal bit for bit to the full path's.

pub mod block;
pub mod bnb;
mod decode;
pub mod element;
pub mod error;
pub mod gguf;
pub mod input;
pub mod int_group;
pub mod knobs;
mod lanes;
pub mod mx;
pub mod nvfp4;
pub mod preset;
pub mod round;
pub mod scale;
pub mod scaled_float;
pub mod token;

pub use block::{BlockScale, BlockStats};
pub use element::{ElementType, MiniFloat};
pub use error::{FormatError, FormatWarning};
pub use input::{f32_rows, nearest_f32};
pub use knobs::FormatKnobs;
pub use preset::{Preset, PresetInfo};
pub use scale::ScaleStorage;
pub use token::{FloatElement, Format, IntBits, Scope};

use block::{FullSink, RowSink, Sink};
use bnb::Table;
use element::{E2M1, E2M3, E3M2, E4M3, E5M2};
use gguf::GgufType;
use mx::MxElement;
use serde::Serialize;

/// One block's result.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BlockResult {
    /// Index of the block's first value in its row.
    pub start: usize,
    /// Values in the block.
    pub len: usize,
    /// The scale as stored.
    pub scale: BlockScale,
    /// `max |x|` of the block.
    pub amax: f32,
    /// Error statistics.
    pub stats: BlockStats,
}

/// One row's result.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RowResult {
    /// `x̂`, one per value.
    pub dequantized: Vec<f32>,
    /// The stored codes, as formats.md's JSON `codes` lists them.
    pub codes: Vec<i32>,
    /// The row's blocks (one for per-channel and per-tensor scopes).
    pub blocks: Vec<BlockResult>,
    /// The row's statistics (its blocks' in order).
    pub stats: BlockStats,
}

/// A tensor quantized in one format.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Quantized {
    /// The format.
    pub format: Format,
    /// Bits per weight, scales included (formats.md §0).
    pub bits_per_weight: f64,
    /// Stored bytes (elements, scales and the per-tensor scale; rounded up to whole bytes).
    pub bytes: u64,
    /// NVFP4's float32 per-tensor scale `pts`.
    pub per_tensor_scale: Option<f32>,
    /// One per input row.
    pub channels: Vec<RowResult>,
    /// The tensor's statistics (its blocks' in row-major order).
    pub stats: BlockStats,
    /// What to say next to the numbers.
    pub warnings: Vec<FormatWarning>,
}

impl Quantized {
    /// Mean squared error over the tensor.
    pub fn mse(&self) -> f64 {
        self.stats.mse()
    }

    /// SQNR in dB over the tensor.
    pub fn sqnr_db(&self) -> f64 {
        self.stats.sqnr_db()
    }
}

/// A tensor's statistics in one format, without its values (the streaming path). Mergeable.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FormatStats {
    /// The format.
    pub format: Format,
    /// Values.
    pub elements: u64,
    /// Stored bits (elements and scales).
    pub storage_bits: u64,
    /// `storage_bits / elements`.
    pub bits_per_weight: f64,
    /// `storage_bits / 8`, rounded up.
    pub bytes: u64,
    /// `Σ (x̂ − x)²` in float64.
    pub sum_squared_error: f64,
    /// `Σ x²` in float64.
    pub signal_power: f64,
    /// `max |x̂ − x|`.
    pub max_abs_error: f64,
    /// Values beyond their block's largest level.
    pub clipped: u64,
}

impl FormatStats {
    fn new(format: Format, rows: usize, stats: BlockStats) -> FormatStats {
        let storage_bits = format.storage_bits(rows, stats.elements as usize);
        let mut s = FormatStats {
            format,
            elements: 0,
            storage_bits: 0,
            bits_per_weight: 0.0,
            bytes: 0,
            sum_squared_error: stats.sum_squared_error,
            signal_power: stats.signal_power,
            max_abs_error: stats.max_abs_error,
            clipped: stats.clipped,
        };
        s.set_size(stats.elements, storage_bits);
        s
    }

    fn set_size(&mut self, elements: u64, storage_bits: u64) {
        self.elements = elements;
        self.storage_bits = storage_bits;
        self.bytes = storage_bits.div_ceil(8);
        self.bits_per_weight = if elements == 0 { self.format.element_bits() as f64 } else { storage_bits as f64 / elements as f64 };
    }

    /// Mean squared error.
    pub fn mse(&self) -> f64 {
        self.as_block().mse()
    }

    /// SQNR in dB.
    pub fn sqnr_db(&self) -> f64 {
        self.as_block().sqnr_db()
    }

    fn as_block(&self) -> BlockStats {
        BlockStats {
            elements: self.elements,
            sum_squared_error: self.sum_squared_error,
            signal_power: self.signal_power,
            max_abs_error: self.max_abs_error,
            clipped: self.clipped,
        }
    }

    /// Adds another tensor's (or shard's) statistics in the same format.
    pub fn merge(&mut self, other: &FormatStats) {
        let mut b = self.as_block();
        b.merge(&other.as_block());
        (self.sum_squared_error, self.signal_power, self.max_abs_error, self.clipped) =
            (b.sum_squared_error, b.signal_power, b.max_abs_error, b.clipped);
        self.set_size(self.elements + other.elements, self.storage_bits + other.storage_bits);
    }
}

/// The tensor-level numbers some formats need first: its range, from one cheap pass that also
/// finds the first non-finite value ([`tensor_range`]).
#[derive(Clone, Copy, Debug)]
pub struct TensorRange {
    min: f32,
    max: f32,
    amax: f32,
}

/// One pass over the rows: the range, and the first non-finite value (1-based row and column).
fn range_of(rows: &[&[f32]]) -> Result<TensorRange, FormatError> {
    let (mut min, mut max) = (f32::INFINITY, f32::NEG_INFINITY);
    for (r, row) in rows.iter().enumerate() {
        // The in-order `f32::min` / `f32::max` fold's values, in 8 lanes (`round::min_max`), and the
        // count of NaN and ±inf in lanes too: the scalar fold was a third of a one-format compare.
        let (lo, hi) = round::min_max(row);
        let non_finite = row.iter().fold(0u32, |n, v| n + (!v.is_finite()) as u32);
        if non_finite > 0 {
            let c = row.iter().position(|v| !v.is_finite()).unwrap_or(0);
            return Err(FormatError::NonFinite { row: r + 1, column: c + 1, value: format!("{}", row[c]) });
        }
        min = min.min(lo);
        max = max.max(hi);
    }
    if min > max {
        (min, max) = (0.0, 0.0);
    }
    Ok(TensorRange { min, max, amax: min.abs().max(max.abs()) })
}

/// A format resolved for one tensor: what each block needs.
enum Kernel {
    Gguf(GgufType),
    Mx(MxElement),
    Nvfp4(Option<nvfp4::TensorScale>),
    Bnb(Table),
    Float { element: MiniFloat, tensor_scale: Option<f32> },
    Int { spec: Box<crate::spec::QuantSpec>, tensor_params: Option<(f32, i32)> },
}

impl Kernel {
    fn new(format: &Format, range: &TensorRange) -> Result<Kernel, FormatError> {
        Ok(match *format {
            Format::Preset(p) => match p {
                Preset::Q8_0 => Kernel::Gguf(GgufType::Q8_0),
                Preset::Q4_0 => Kernel::Gguf(GgufType::Q4_0),
                Preset::Q4_1 => Kernel::Gguf(GgufType::Q4_1),
                Preset::Q5_0 => Kernel::Gguf(GgufType::Q5_0),
                Preset::Q5_1 => Kernel::Gguf(GgufType::Q5_1),
                Preset::Mxfp8E4m3 => Kernel::Mx(MxElement::Float(E4M3)),
                Preset::Mxfp8E5m2 => Kernel::Mx(MxElement::Float(E5M2)),
                Preset::Mxfp6E3m2 => Kernel::Mx(MxElement::Float(E3M2)),
                Preset::Mxfp6E2m3 => Kernel::Mx(MxElement::Float(E2M3)),
                Preset::Mxfp4 => Kernel::Mx(MxElement::Float(E2M1)),
                Preset::Mxint8 => Kernel::Mx(MxElement::Int8),
                Preset::Nvfp4 => Kernel::Nvfp4(nvfp4::TensorScale::new(range.amax)),
                Preset::Nf4 => Kernel::Bnb(Table::Nf4),
                Preset::Fp4Bnb => Kernel::Bnb(Table::Fp4),
            },
            Format::Float { element, scope } => {
                let element = element.minifloat();
                let tensor_scale = (scope == Scope::Tensor).then(|| scaled_float::scale_of(element, range.amax));
                Kernel::Float { element, tensor_scale }
            }
            Format::Int { bits, scheme, scope } => {
                let spec = int_group::spec(bits.bits(), scheme).map_err(|e| FormatError::Options {
                    option: format.to_string(),
                    problem: e.to_string(),
                    expected: "int4 or int8".into(),
                })?;
                let tensor_params = if scope == Scope::Tensor {
                    let params = int_group::params_of(&spec, range.min, range.max).map_err(|reason| FormatError::Range {
                        row: 1,
                        start: 1,
                        end: 1,
                        reason,
                    })?;
                    Some(params)
                } else {
                    None
                };
                Kernel::Int { spec: Box::new(spec), tensor_params }
            }
        })
    }

    /// Whether the kernel starts from its block's amax (`round::amax`) on blocks of 32 or 64, which
    /// compare takes once per block of 32 for every such format.
    fn shares_amax(&self) -> bool {
        matches!(self, Kernel::Gguf(GgufType::Q8_0 | GgufType::Q4_0 | GgufType::Q5_0) | Kernel::Mx(_) | Kernel::Bnb(_))
    }

    /// Quantizes one block (`amax`: the block's `round::amax` if already taken); `row` (0-based)
    /// and `start` only locate an error.
    #[inline(always)]
    fn block<S: Sink>(&self, x: &[f32], amax: Option<f32>, sink: &mut S, row: usize, start: usize) -> Result<BlockScale, FormatError> {
        Ok(match self {
            Kernel::Gguf(kind) => gguf::block(*kind, x, amax, sink),
            Kernel::Mx(element) => mx::block(*element, x, amax, sink),
            Kernel::Nvfp4(Some(tensor)) => nvfp4::block(*tensor, x, sink),
            Kernel::Nvfp4(None) => nvfp4::zero_block(x, sink),
            Kernel::Bnb(table) => bnb::block(*table, x, amax, sink),
            Kernel::Float { element, tensor_scale } => {
                let scale = match tensor_scale {
                    Some(s) => *s,
                    None => scaled_float::scale_of(*element, x.iter().fold(0.0f32, |m, v| m.max(v.abs()))),
                };
                scaled_float::block(*element, scale, x, sink)
            }
            Kernel::Int { spec, tensor_params } => {
                let (scale, zero_point) = match tensor_params {
                    Some(p) => *p,
                    None => {
                        let (lo, hi) = x.iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
                        let (lo, hi) = if x.is_empty() { (0.0, 0.0) } else { (lo, hi) };
                        int_group::params_of(spec, lo, hi).map_err(|reason| FormatError::Range {
                            row: row + 1,
                            start: start + 1,
                            end: start + x.len(),
                            reason,
                        })?
                    }
                };
                int_group::block(spec, scale, zero_point, x, sink)
            }
        })
    }
}

/// Checks every row's length against the format's block size.
fn check_rows(format: &Format, rows: &[&[f32]]) -> Result<(), FormatError> {
    if let Some(block) = format.block_size() {
        if let Some((r, row)) = rows.iter().enumerate().find(|(_, row)| row.len() % block != 0) {
            return Err(FormatError::RowLength { row: r + 1, length: row.len(), block, format: format.to_string() });
        }
    }
    Ok(())
}

/// The block length of a row: the format's, or the whole row.
#[inline(always)]
fn block_len(format: &Format, row: &[f32]) -> usize {
    format.block_size().unwrap_or(row.len()).max(1)
}

/// Quantizes rows (of any lengths, each a multiple of the block size) in one format, keeping every
/// dequantized value, code and block.
///
/// Errors: a row length that is not a multiple of the block or group size (naming the row, its
/// length and the block size), a non-finite value (row and position), a range too wide for float32.
pub fn quantize_rows(format: &Format, rows: &[&[f32]]) -> Result<Quantized, FormatError> {
    check_rows(format, rows)?;
    let range = range_of(rows)?;
    let kernel = Kernel::new(format, &range)?;
    let mut warnings = Vec::new();
    let mut per_tensor_scale = None;
    if let Kernel::Nvfp4(t) = &kernel {
        per_tensor_scale = Some(t.map_or(0.0, |t| t.pts));
        if t.is_none() {
            warnings.push(FormatWarning::ZeroTensor);
        }
    }
    let mut stats = BlockStats::default();
    let mut channels = Vec::with_capacity(rows.len());
    for (r, row) in rows.iter().enumerate() {
        let len = block_len(format, row);
        let (mut dequantized, mut codes) = (Vec::with_capacity(row.len()), Vec::with_capacity(row.len()));
        let mut blocks = Vec::with_capacity(row.len() / len);
        let mut row_stats = BlockStats::default();
        let mut sink = FullSink { acc: Default::default(), dequantized: &mut dequantized, codes: &mut codes };
        for (b, x) in row.chunks(len).enumerate() {
            let scale = kernel.block(x, None, &mut sink, r, b * len)?;
            let block_stats = sink.acc.finish_block();
            row_stats.merge(&block_stats);
            stats.merge(&block_stats);
            let amax = x.iter().fold(0.0f32, |m, v| m.max(v.abs()));
            blocks.push(BlockResult { start: b * len, len: x.len(), scale, amax, stats: block_stats });
        }
        channels.push(RowResult { dequantized, codes, blocks, stats: row_stats });
    }
    let elements: usize = rows.iter().map(|r| r.len()).sum();
    let storage_bits = format.storage_bits(rows.len(), elements);
    let bits_per_weight = if elements == 0 { format.element_bits() as f64 } else { storage_bits as f64 / elements as f64 };
    Ok(Quantized { format: *format, bits_per_weight, bytes: storage_bits.div_ceil(8), per_tensor_scale, channels, stats, warnings })
}

/// Splits a row-major matrix into rows, checking its size.
fn matrix_rows(data: &[f32], rows: usize, cols: usize) -> Result<Vec<&[f32]>, FormatError> {
    if rows.checked_mul(cols) != Some(data.len()) {
        return Err(FormatError::Shape { rows, cols, len: data.len() });
    }
    Ok(if cols == 0 { vec![&data[..0]; rows] } else { data.chunks_exact(cols).collect() })
}

/// [`quantize_rows`] of a row-major `rows × cols` matrix.
pub fn quantize(format: &Format, data: &[f32], rows: usize, cols: usize) -> Result<Quantized, FormatError> {
    quantize_rows(format, &matrix_rows(data, rows, cols)?)
}

/// Streams a row-major `rows × cols` matrix through every format at once: each row is quantized in
/// every format while it is in cache (one read of the tensor, after one range pass when a format
/// needs the tensor's amax), and only statistics are kept, no dequantized array.
///
/// Each result equals, bit for bit, the statistics of [`quantize`] in that format (the same
/// kernels, the same order of sums). A format that refuses the tensor gets its error.
pub fn compare_rows(formats: &[Format], data: &[f32], rows: usize, cols: usize) -> Vec<Result<FormatStats, FormatError>> {
    compare_rows_ranged(formats, data, rows, cols, &tensor_range(data, rows, cols))
}

/// The range pass of a row-major `rows × cols` matrix (its minimum, maximum and amax, or the shape's
/// error or the first non-finite value), which several calls of [`compare_rows_ranged`] on the same
/// tensor (groups of formats on several threads) can share.
pub fn tensor_range(data: &[f32], rows: usize, cols: usize) -> Result<TensorRange, FormatError> {
    range_of(&matrix_rows(data, rows, cols)?)
}

/// [`compare_rows`] after the range pass: `range` is [`tensor_range`] of the same matrix.
pub fn compare_rows_ranged(
    formats: &[Format],
    data: &[f32],
    rows: usize,
    cols: usize,
    range: &Result<TensorRange, FormatError>,
) -> Vec<Result<FormatStats, FormatError>> {
    #[cfg(target_arch = "x86_64")]
    if crate::simd::level() >= crate::simd::Level::Avx2 {
        if let Some(avx2) = lanes::Avx2::new() {
            // SAFETY: the CPU supports AVX2, as `level` and `Avx2::new` found.
            return unsafe { compare_rows_avx2(avx2, formats, data, rows, cols, range) };
        }
    }
    compare_rows_in(lanes::Portable, formats, data, rows, cols, range)
}

/// [`compare_rows`] compiled for AVX2: the block kernels (inlined) then work on 8 float32 lanes
/// instead of SSE2's 4. The same operations in the same order (Rust never fuses or reorders float
/// arithmetic), so the same bits.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn compare_rows_avx2(
    avx2: lanes::Avx2,
    formats: &[Format],
    data: &[f32],
    rows: usize,
    cols: usize,
    range: &Result<TensorRange, FormatError>,
) -> Vec<Result<FormatStats, FormatError>> {
    compare_rows_in(avx2, formats, data, rows, cols, range)
}

#[inline(always)]
fn compare_rows_in<L: lanes::Lanes>(
    lanes: L,
    formats: &[Format],
    data: &[f32],
    rows: usize,
    cols: usize,
    range: &Result<TensorRange, FormatError>,
) -> Vec<Result<FormatStats, FormatError>> {
    let all_fail = |e: FormatError| formats.iter().map(|_| Err(e.clone())).collect();
    let row_slices = match matrix_rows(data, rows, cols) {
        Ok(r) => r,
        Err(e) => return all_fail(e),
    };
    let range = match range {
        Ok(r) => *r,
        Err(e) => return all_fail(e.clone()),
    };
    let mut states: Vec<Result<(Kernel, BlockStats), FormatError>> = formats
        .iter()
        .map(|f| {
            check_rows(f, &row_slices)?;
            Ok((Kernel::new(f, &range)?, BlockStats::default()))
        })
        .collect();
    // `Σ x²` depends only on the block length: taken once per length for all its formats.
    let mut powers: Vec<(usize, f64)> = Vec::new();
    for (format, state) in formats.iter().zip(&states) {
        let len = block_len(format, row_slices.first().copied().unwrap_or(&[]));
        if state.is_ok() && !powers.iter().any(|(l, _)| *l == len) {
            powers.push((len, 0.0));
        }
    }
    // Each format's x̂ of a row, summed once the row is done (`Lanes::row_errors`: one call per
    // row, the blocks' sums in the order the full path adds them).
    let mut xhats: Vec<f32> = vec![0.0; cols];
    // The amax of each block of 32, taken once per row when two formats or more start from it (a block
    // of 64's is the larger of its halves': the maximum of |v| does not depend on the order, every
    // value being finite here). The same bits as each kernel's own `round::amax`.
    let sharing = states.iter().filter(|s| matches!(s, Ok((k, _)) if k.shares_amax())).count();
    let mut amax32: Vec<f32> = if sharing >= 2 && cols.is_multiple_of(32) { vec![0.0; cols / 32] } else { Vec::new() };
    for (r, row) in row_slices.iter().enumerate() {
        for (len, total) in powers.iter_mut() {
            lanes.row_power(row, *len, total);
        }
        for (a, x) in amax32.iter_mut().zip(row.chunks_exact(32)) {
            *a = round::amax(x);
        }
        for (format, state) in formats.iter().zip(states.iter_mut()) {
            let Ok((kernel, stats)) = state else { continue };
            let len = block_len(format, row);
            let shared = !amax32.is_empty() && kernel.shares_amax();
            let mut failed = None;
            let mut sink = RowSink { xhats: &mut xhats, len: 0, clipped: 0 };
            for (b, x) in row.chunks(len).enumerate() {
                let amax = match (shared, len) {
                    (true, 32) => amax32.get(b).copied(),
                    (true, 64) => amax32.get(2 * b).zip(amax32.get(2 * b + 1)).map(|(a, c)| a.max(*c)),
                    _ => None,
                };
                if let Err(e) = kernel.block(x, amax, &mut sink, r, b * len) {
                    failed = Some(e);
                    break;
                }
            }
            let (clipped, put) = (sink.clipped, sink.len.min(xhats.len()));
            if let Some(e) = failed {
                *state = Err(e);
                continue;
            }
            lanes.row_errors(row, &xhats[..put], len, stats);
            stats.clipped += clipped;
        }
    }
    formats
        .iter()
        .zip(states)
        .map(|(format, state)| {
            state.map(|(_, mut stats)| {
                let len = block_len(format, row_slices.first().copied().unwrap_or(&[]));
                stats.signal_power = powers.iter().find(|(l, _)| *l == len).map_or(0.0, |(_, p)| *p);
                FormatStats::new(*format, rows, stats)
            })
        })
        .collect()
}
