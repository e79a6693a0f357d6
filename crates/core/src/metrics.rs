//! Error metrics, accumulated in a fixed order so every path (fast or not) gives the same bits.

use serde::{Serialize, Serializer};

/// Number of interleaved accumulators: element `j` of a run goes to lane `j % LANES`.
///
/// The fused kernel and the per-element kernel both feed the same lanes in the same order, so a
/// metric does not depend on whether the per-element values were kept.
pub(crate) const LANES: usize = 8;

/// The float32 conventions sum in float32 over at most this many rows of `LANES` values, then add
/// the partial sums to the f64 totals: fast (SIMD-wide float32) and accurate to about 1e-7.
pub(crate) const ROWS: u32 = 16;

/// Per-lane sums of one precision: float `F`, counts `C`.
#[derive(Clone, Debug, Default)]
pub(crate) struct Sums<F, C> {
    pub x2: [F; LANES],
    pub e2: [F; LANES],
    pub abs_e: [F; LANES],
    pub pct: [F; LANES],
    pub max_abs_e: [F; LANES],
    pub nonzero: [C; LANES],
    pub clipped: [C; LANES],
}

/// float32 partial sums of the current group of rows.
pub(crate) type Partial = Sums<f32, u32>;

impl<F: num_traits::Float + std::ops::AddAssign, C: std::ops::AddAssign + From<bool>> Sums<F, C> {
    /// Adds one element (original `x`, error `e = x̂ - x`) into `lane`. Branch-free, so a row of
    /// `LANES` calls vectorizes.
    #[inline(always)]
    pub fn add(&mut self, lane: usize, x: F, e: F, clipped: bool) {
        let ae = e.abs();
        let ax = x.abs();
        let nonzero = ax != F::zero();
        self.x2[lane] += x * x;
        self.e2[lane] += e * e;
        self.abs_e[lane] += ae;
        self.pct[lane] += if nonzero { ae / ax } else { F::zero() };
        self.nonzero[lane] += C::from(nonzero);
        // max(m, ae) for a running maximum that is never NaN, in one instruction (maxps).
        self.max_abs_e[lane] = if ae > self.max_abs_e[lane] { ae } else { self.max_abs_e[lane] };
        self.clipped[lane] += C::from(clipped);
    }

    /// Adds a row of `LANES` elements, one per lane.
    #[inline(always)]
    pub fn add_row(&mut self, x: &[F; LANES], e: &[F; LANES], clipped: &[bool; LANES]) {
        for lane in 0..LANES {
            self.add(lane, x[lane], e[lane], clipped[lane]);
        }
    }
}

/// Running sums of one channel, one slot per lane.
#[derive(Clone, Debug, Default)]
pub(crate) struct Accumulator {
    /// The totals, in f64.
    pub total: Sums<f64, u64>,
    pub count: u64,
    pub(crate) part: Partial,
    pub(crate) rows: u32,
}

impl Accumulator {
    /// Adds one element into `lane`, in f64 (the textbook convention).
    #[inline(always)]
    pub fn add(&mut self, lane: usize, x: f64, e: f64, clipped: bool) {
        self.total.add(lane, x, e, clipped);
    }

    /// Adds one float32 element into `lane` (the float32 conventions); the last lane ends a row.
    #[inline(always)]
    pub fn add32(&mut self, lane: usize, x: f32, e: f32, clipped: bool) {
        self.part.add(lane, x, e, clipped);
        if lane == LANES - 1 {
            self.end_row();
        }
    }

    /// Adds a whole row of float32 elements, exactly as `LANES` calls of [`Accumulator::add32`] would.
    #[inline(always)]
    pub fn add32_row(&mut self, x: &[f32; LANES], e: &[f32; LANES], clipped: &[bool; LANES]) {
        self.part.add_row(x, e, clipped);
        self.end_row();
    }

    #[inline(always)]
    fn end_row(&mut self) {
        self.rows += 1;
        if self.rows == ROWS {
            self.flush();
        }
    }

    /// Moves the partial counts into the totals (exact integers, so it changes no result): the SIMD
    /// loops then count from zero in 32-bit lanes for a whole run, without flushing them every
    /// `ROWS` rows.
    #[cfg(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128")))]
    pub(crate) fn take_counts(&mut self) {
        let p = &mut self.part;
        for lane in 0..LANES {
            self.total.nonzero[lane] += std::mem::take(&mut p.nonzero[lane]) as u64;
            self.total.clipped[lane] += std::mem::take(&mut p.clipped[lane]) as u64;
        }
    }

    /// Adds the float32 partial sums into the f64 totals. Called every `ROWS` rows and once at the end.
    pub fn flush(&mut self) {
        let p = std::mem::take(&mut self.part);
        for lane in 0..LANES {
            self.total.x2[lane] += p.x2[lane] as f64;
            self.total.e2[lane] += p.e2[lane] as f64;
            self.total.abs_e[lane] += p.abs_e[lane] as f64;
            self.total.pct[lane] += p.pct[lane] as f64;
            self.total.max_abs_e[lane] = self.total.max_abs_e[lane].max(p.max_abs_e[lane] as f64);
            self.total.nonzero[lane] += p.nonzero[lane] as u64;
            self.total.clipped[lane] += p.clipped[lane] as u64;
        }
        self.rows = 0;
    }

    fn sum_lanes(lanes: &[f64; LANES]) -> f64 {
        lanes.iter().sum()
    }

    /// The sums with their lanes added up; the accumulator must be flushed.
    fn lane_totals(&self) -> Totals {
        let t = &self.total;
        Totals {
            x2: Self::sum_lanes(&t.x2),
            e2: Self::sum_lanes(&t.e2),
            abs_e: Self::sum_lanes(&t.abs_e),
            pct: Self::sum_lanes(&t.pct),
            max_abs_e: t.max_abs_e.iter().fold(0.0, |a: f64, &b| a.max(b)),
            nonzero: t.nonzero.iter().sum(),
            clipped: t.clipped.iter().sum(),
            count: self.count,
        }
    }

    /// Flushes, and returns the sums with their lanes added up: all a channel keeps once measured
    /// (an accumulator is 700 bytes, and a tensor can have a hundred thousand channels).
    pub fn totals(&mut self) -> Totals {
        self.flush();
        self.lane_totals()
    }
}

/// A channel's (or a tensor's) sums, each lane's added up in lane order: what the metrics read.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Totals {
    pub x2: f64,
    pub e2: f64,
    pub abs_e: f64,
    pub pct: f64,
    pub max_abs_e: f64,
    pub nonzero: u64,
    pub clipped: u64,
    pub count: u64,
}

impl Totals {
    /// Adds another channel's totals (for the tensor summary), channel after channel.
    pub fn merge(&mut self, other: &Totals) {
        self.x2 += other.x2;
        self.e2 += other.e2;
        self.abs_e += other.abs_e;
        self.pct += other.pct;
        self.max_abs_e = self.max_abs_e.max(other.max_abs_e);
        self.nonzero += other.nonzero;
        self.clipped += other.clipped;
        self.count += other.count;
    }

    /// The metrics, given how many non-finite values were left out.
    pub fn metrics(&self, nonfinite: u64) -> Metrics {
        let n = self.count as f64;
        let has = self.count > 0;
        let mse = has.then(|| self.e2 / n);
        Metrics {
            count: self.count,
            nonfinite,
            mse,
            rmse: mse.map(f64::sqrt),
            mae: has.then(|| self.abs_e / n),
            max_error: has.then_some(self.max_abs_e),
            mean_pct_error: (self.nonzero > 0).then(|| self.pct / self.nonzero as f64 * 100.0),
            pct_error_zeros: self.count - self.nonzero,
            sqnr_db: has.then(|| sqnr_db(self.x2, self.e2)),
            clip_count: self.clipped,
            clip_rate: has.then(|| self.clipped as f64 / n),
            signal_power: self.x2,
            noise_power: self.e2,
        }
    }
}

/// `10 · log10(Σx² / Σe²)`: `+inf` when the error is zero (lossless, including an all-zero signal),
/// `-inf` when the signal is zero but the error is not.
pub fn sqnr_db(signal_power: f64, noise_power: f64) -> f64 {
    if noise_power == 0.0 {
        f64::INFINITY
    } else if signal_power == 0.0 {
        f64::NEG_INFINITY
    } else {
        10.0 * (signal_power / noise_power).log10()
    }
}

/// Reconstruction metrics of a channel or a tensor (finite values only).
///
/// Error is `e = x̂ - x`. Percentage error is `|e| / |x| · 100`, averaged over the values with
/// `x ≠ 0` (values equal to zero are counted in `pct_error_zeros` and left out: their relative error
/// is undefined). `None` (JSON `null`) where nothing was measured.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Metrics {
    /// Finite values measured.
    pub count: u64,
    /// Non-finite values left out.
    pub nonfinite: u64,
    /// Mean squared error, `mean(e²)`.
    pub mse: Option<f64>,
    /// `sqrt(MSE)`.
    pub rmse: Option<f64>,
    /// Mean absolute error, `mean(|e|)`.
    pub mae: Option<f64>,
    /// `max(|e|)`.
    pub max_error: Option<f64>,
    /// `mean(|e| / |x|) · 100` over `x ≠ 0`.
    pub mean_pct_error: Option<f64>,
    /// Values with `x = 0`, left out of the percentage error.
    pub pct_error_zeros: u64,
    /// `10·log10(Σx²/Σe²)` in dB; `"+inf"` in JSON when the error is zero.
    #[serde(serialize_with = "serialize_extended")]
    pub sqnr_db: Option<f64>,
    /// Values clamped to qmin or qmax.
    pub clip_count: u64,
    /// `clip_count / count`.
    pub clip_rate: Option<f64>,
    /// `Σx²`.
    pub signal_power: f64,
    /// `Σe²`.
    pub noise_power: f64,
}

/// Serializes a float that may be infinite: JSON has no infinity, so it is written as `"+inf"` / `"-inf"`.
pub fn serialize_extended<S: Serializer>(value: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(v) if *v == f64::INFINITY => s.serialize_str("+inf"),
        Some(v) if *v == f64::NEG_INFINITY => s.serialize_str("-inf"),
        Some(v) if v.is_nan() => s.serialize_none(),
        Some(v) => s.serialize_f64(*v),
        None => s.serialize_none(),
    }
}

/// [`serialize_extended`] for each item of a list.
pub fn serialize_extended_vec<S: Serializer>(values: &[Option<f64>], s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeSeq;
    struct Item(Option<f64>);
    impl Serialize for Item {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            serialize_extended(&self.0, s)
        }
    }
    let mut seq = s.serialize_seq(Some(values.len()))?;
    for v in values {
        seq.serialize_element(&Item(*v))?;
    }
    seq.end()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_of_a_small_vector() {
        let mut acc = Accumulator::default();
        // x, e
        let rows = [(1.0, 0.1), (-2.0, -0.2), (0.0, 0.05), (4.0, 0.0)];
        for (j, (x, e)) in rows.iter().enumerate() {
            acc.add(j % LANES, *x, *e, j == 1);
            acc.count += 1;
        }
        let m = acc.totals().metrics(1);
        assert_eq!(m.count, 4);
        assert_eq!(m.nonfinite, 1);
        let mse = (0.01 + 0.04 + 0.0025) / 4.0;
        assert!((m.mse.unwrap() - mse).abs() < 1e-15);
        assert!((m.mae.unwrap() - 0.35 / 4.0).abs() < 1e-15);
        assert_eq!(m.max_error, Some(0.2));
        assert_eq!(m.pct_error_zeros, 1);
        assert!((m.mean_pct_error.unwrap() - (10.0 + 10.0 + 0.0) / 3.0).abs() < 1e-12);
        assert!((m.sqnr_db.unwrap() - 10.0 * (21.0f64 / 0.0525).log10()).abs() < 1e-12);
        assert_eq!(m.clip_count, 1);
        assert_eq!(m.clip_rate, Some(0.25));
    }

    #[test]
    fn sqnr_edges() {
        assert_eq!(sqnr_db(1.0, 0.0), f64::INFINITY);
        assert_eq!(sqnr_db(0.0, 0.0), f64::INFINITY);
        assert_eq!(sqnr_db(0.0, 1.0), f64::NEG_INFINITY);
        assert_eq!(sqnr_db(100.0, 1.0), 20.0);
    }

    #[test]
    fn infinite_sqnr_is_stated_in_json() {
        let m = Accumulator::default().totals().metrics(0);
        assert_eq!(serde_json::to_value(&m).unwrap()["sqnr_db"], serde_json::Value::Null);
        let mut acc = Accumulator::default();
        acc.add(0, 1.0, 0.0, false);
        acc.count += 1;
        assert_eq!(serde_json::to_value(acc.totals().metrics(0)).unwrap()["sqnr_db"], "+inf");
    }
}
