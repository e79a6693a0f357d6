//! The measuring pass: each channel's parameters, then every value quantized, dequantized and measured.

use super::parallel::Unit;
use super::quantize::{fused_f32, fused_f64, Draws, Quantizer, Run};
use super::scan::{usable, Scan};
use super::types::{ChannelElements, ParamSource};
use crate::error::QuantError;
use crate::metrics::{Accumulator, Totals, LANES};
use crate::params::{QParams, RangeInput};
use crate::spec::{Arithmetic, QuantSpec};
use crate::tensor::{Samples, Tensor};
use crate::warning::Warning;

pub(super) fn channel_error(tensor: &Tensor, channel: usize, range: &RangeInput, reason: String) -> QuantError {
    QuantError::BadRange {
        channel,
        name: tensor.channel_names.get(channel).cloned().unwrap_or_default(),
        min: range.min,
        max: range.max,
        reason,
    }
}

pub(super) fn union(ranges: &[RangeInput]) -> Option<RangeInput> {
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
pub(super) struct Channel {
    pub(super) scan: Scan,
    pub(super) params: QParams,
    pub(super) warnings: Vec<Warning>,
    pub(super) totals: Totals,
    pub(super) elements: Option<ChannelElements>,
}

/// What every unit of one analysis shares.
pub(super) struct Pass<'a> {
    pub(super) tensor: &'a Tensor,
    pub(super) spec: &'a QuantSpec,
    pub(super) source: &'a ParamSource,
    pub(super) keep_elements: bool,
}

impl Pass<'_> {
    /// Channel `c`'s calibration range (None: no finite data).
    pub(super) fn range(&self, c: usize, scan: &Scan) -> Option<RangeInput> {
        match self.source {
            ParamSource::Data | ParamSource::Manual(_) => scan.range(self.tensor),
            ParamSource::Range(r) => Some(*r),
            ParamSource::PerChannelRange(rs) => rs.get(c).copied(),
        }
    }

    /// Channel `c`'s own parameters and their warnings (per-channel granularity).
    pub(super) fn channel_params(&self, c: usize, scan: &Scan) -> Result<(QParams, Vec<Warning>), QuantError> {
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
    pub(super) fn measure(
        &self,
        unit: &Unit,
        scans: Vec<Scan>,
        params: Vec<(QParams, Vec<Warning>)>,
        draws: &mut Draws,
        out: &mut Vec<Channel>,
    ) {
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
                let decimal = |j: usize| tensor.decimal(block.range.start + j);
                let range64 = scan.min.zip(scan.max).map(|((lo, _), (hi, _))| (lo, hi));
                match (&tensor.data, qz.arithmetic) {
                    (Samples::F32(v), Arithmetic::ExactDecimal) => {
                        let run = Run { range: range64, next: unit.next_of(v, block), decimal: &decimal };
                        fused_f64(&v[block.range.clone()], qz, &run, acc)
                    }
                    // The SIMD loops bring in float32 only.
                    (Samples::F64(v), Arithmetic::ExactDecimal) => {
                        fused_f64(&v[block.range.clone()], qz, &Run { range: range64, next: &[], decimal: &decimal }, acc)
                    }
                    (Samples::F32(v), _) => fused_f32(&v[block.range.clone()], qz, range, unit.next_of(v, block), acc),
                    // The SIMD loops, which would bring the next unit in, take float32 only.
                    (Samples::F64(v), _) => fused_f32(&v[block.range.clone()], qz, range, &[], acc),
                }
                continue;
            }
            measure_block(tensor, spec, block.range.clone(), start_lane, qz, acc, draws, elements.get_mut(c));
        }
        for (ch, mut acc) in channels.iter_mut().zip(accs) {
            ch.totals = acc.totals();
        }
        for (ch, el) in channels.iter_mut().zip(elements) {
            ch.elements = Some(el);
        }
    }
}

/// One block of the per-element pass: each value quantized, measured into `acc` from lane
/// `start_lane`, and its results appended to `elements` when they are kept.
///
/// Not inlined into [`Pass::measure`], which runs once per unit: a browser's wasm engine (V8)
/// starts a function in its baseline compiler and moves it to its optimizing one for the calls
/// after it has run a while, never within a call. Called once per block, the loop runs optimized
/// after the first blocks of a fresh worker's first paste (in one call it took 131 ms of a CPU
/// profile's samples on a million pasted values there, 47 ms in the same worker's second paste).
#[inline(never)]
#[allow(clippy::too_many_arguments)]
fn measure_block(
    tensor: &Tensor,
    spec: &QuantSpec,
    range: std::ops::Range<usize>,
    start_lane: usize,
    qz: &Quantizer,
    acc: &mut Accumulator,
    draws: &mut Draws,
    mut elements: Option<&mut ChannelElements>,
) {
    for (j, i) in range.enumerate() {
        let lane = (start_lane + j) % LANES;
        let x = tensor.data.get(i);
        if !usable(x, spec.arithmetic) {
            if let Some(el) = elements.as_deref_mut() {
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
        if let Some(el) = elements.as_deref_mut() {
            el.x.push(e.x);
            el.q_raw.push(Some(e.raw));
            el.q.push(Some(e.q));
            el.dequantized.push(Some(e.x_hat));
            el.error.push(Some(err));
            el.clipped.push(clipped);
        }
    }
}
