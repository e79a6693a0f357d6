//! # The plan: one format per tensor under a size budget, with the least total squared error
//!
//! Given a [`CompareReport`], choose for every tensor `t` (of `n_t` values) one format `f` among
//! those it took, to
//!
//! ```text
//! minimise  Σ_t sse_t(f_t)          (sse = n·MSE, the tensor's total squared error)
//! subject to Σ_t bits_t(f_t) ≤ budget   (budget = ⌊B · Σ_t n_t⌋ bits, or 8 · BYTES)
//! ```
//!
//! a multiple-choice knapsack. `bits_t(f) = n_t · bpw_f` is an integer for every format, so the
//! problem is exact in integers:
//!
//! - **Pinned** tensors (`--pin REGEX=FORMAT`, the last matching pin wins) keep their format;
//!   **kept** tensors (1-D, already quantized, or taken by none of the formats) keep their source
//!   type. Both count toward the budget with their fixed size and add their own error (0 for a
//!   kept tensor: it is not changed).
//! - Every other tensor's options are shifted by its cheapest option's bits (the rest of the
//!   budget is what is *spare*), options that cost more for no less error are dropped, and the
//!   shifted costs are divided by their greatest common divisor `g`, an exact integer unit
//!   (llama-shaped models have `g` in the thousands of bits).
//! - **Exact** ([`Method::Exact`]): when `tensors × (spare/g + 1)` is at most
//!   [`PlanOptions::exact_limit`] cells (and `spare/g + 1` at most 4 Mi states), dynamic programming over the spare capacity in units of
//!   `g` (`dp[c] = min_f dp'[c − w_f] + sse_f`, every tensor in turn) gives an optimal
//!   assignment: `optimal` is `true` and the gap is 0.
//! - **Lagrangian** ([`Method::Lagrangian`]) past that limit: the LP relaxation of the knapsack is
//!   solved exactly by the convex-hull greedy (each tensor's lower convex hull of (bits, sse), the
//!   hull segments taken in order of error saved per bit until the budget is spent; the last
//!   one fractionally); its value is a **lower bound** on every assignment's error, the
//!   Lagrangian dual bound `max_λ Σ_t min_f (sse + λ·bits) − λ·budget`. The integer assignment
//!   is the greedy's whole segments, then single-tensor upgrades that still fit. `gap_bound`
//!   (error − lower bound) bounds how far it can be from optimal.
//!
//! Tensors are solved in name order, so the plan of a model does not depend on the order of its
//! files or shards: a [merged](CompareReport::merge) report gives the same plan as the whole.

use super::{CompareReport, TensorCompare};
use regex::Regex;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The size budget.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Budget {
    /// Bits per weight over the whole model (every tensor's values counted): `⌊B · Σn⌋` bits.
    BitsPerWeight(f64),
    /// Bytes of tensor data (file headers and metadata not counted): `8 · BYTES` bits.
    Bytes(u64),
}

/// A tensor whose format is fixed: every tensor whose name matches `pattern` (a regular
/// expression searched anywhere in the name, as llama.cpp's `--tensor-type` does) gets `format`.
#[derive(Clone, Debug, PartialEq)]
pub struct Pin {
    /// The regular expression.
    pub pattern: String,
    /// The format's token.
    pub format: String,
}

impl std::str::FromStr for Pin {
    type Err = String;
    /// `REGEX=FORMAT`, split at the last `=` (a regular expression may contain `=`).
    fn from_str(s: &str) -> Result<Self, String> {
        match s.rsplit_once('=') {
            Some((pattern, format)) if !pattern.is_empty() && !format.is_empty() => {
                Ok(Pin { pattern: pattern.to_string(), format: format.to_string() })
            }
            _ => Err(format!("expected REGEX=FORMAT (e.g. 'lm_head|embed=q8_0'), found `{s}`")),
        }
    }
}

/// What to plan.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanOptions {
    /// The formats the plan may choose from (each must be in the report); empty: all of the report's.
    pub formats: Vec<String>,
    /// The size budget.
    pub budget: Budget,
    /// Pinned tensors.
    pub pins: Vec<Pin>,
    /// The most cells (`tensors × capacity states`) the exact dynamic program may use (one byte
    /// each) before the Lagrangian method is used instead.
    pub exact_limit: u64,
}

/// The most budget states of the exact method (two rows of f64: 64 MiB), whatever the cell limit.
const MAX_STATES: u64 = 1 << 22;

/// The default [`PlanOptions::exact_limit`]: 64 Mi cells (64 MiB of choices).
pub const EXACT_LIMIT: u64 = 64 << 20;

/// How the plan was solved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Dynamic programming over an exact integer cost: optimal.
    Exact,
    /// LP/Lagrangian lower bound and a greedy assignment: within `gap_bound` of optimal.
    Lagrangian,
}

/// Why a tensor has its format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Choice {
    /// Chosen by the planner.
    Planned,
    /// Fixed by a `--pin`.
    Pinned,
    /// Kept in its source type (see `reason`).
    Kept,
}

/// One tensor's format in the plan.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Assignment {
    /// The tensor.
    pub name: String,
    /// The format's token, or the source type (`bf16`, `q4_k`, ...) of a kept tensor.
    pub format: String,
    /// Planned, pinned or kept.
    pub choice: Choice,
    /// Why a tensor is kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Its values.
    pub elements: u64,
    /// Its bits in that format.
    pub bits: u64,
    /// Its bits per weight.
    pub bits_per_weight: f64,
    /// Its squared error in that format (0 when kept).
    pub sum_squared_error: f64,
    /// `sum_squared_error / elements`.
    pub mse: f64,
}

/// A plan.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// One item per tensor, in the report's order.
    pub assignment: Vec<Assignment>,
    /// `bits / elements`.
    pub bits_per_weight: f64,
    /// `⌈bits / 8⌉`: the tensor data, without file headers.
    pub bytes: u64,
    /// `Σ sse` over the tensors.
    pub total_squared_error: f64,
    /// Whether the assignment is proven optimal (exact method, or a zero gap).
    pub optimal: bool,
    /// How it was solved.
    pub method: Method,
    /// `total_squared_error − lower_bound` (0 when exact): how far from optimal it can be.
    pub gap_bound: f64,
    /// A lower bound on the total squared error of every assignment within the budget.
    pub lower_bound: f64,
    /// Values of the model.
    pub elements: u64,
    /// Bits of the plan.
    pub bits: u64,
    /// The budget in bits.
    pub budget_bits: u64,
    /// The smallest size any assignment reaches, in bits.
    pub smallest_bits: u64,
}

/// Why there is no plan.
#[derive(Clone, Debug, PartialEq, Error)]
pub enum PlanError {
    /// A pin's regular expression does not parse.
    #[error("--pin `{pattern}`: not a regular expression: {message}")]
    BadPattern {
        /// The pattern.
        pattern: String,
        /// The regex crate's message.
        message: String,
    },
    /// A pin matches no tensor.
    #[error("--pin `{pattern}={format}` matches no tensor")]
    PinMatchesNothing {
        /// The pattern.
        pattern: String,
        /// Its format.
        format: String,
    },
    /// A format not in the report.
    #[error("{what} `{format}` is not in the compare report (its formats: {known})")]
    UnknownFormat {
        /// `--formats` or `--pin`.
        what: &'static str,
        /// The format.
        format: String,
        /// The report's formats.
        known: String,
    },
    /// A pinned tensor the pinned format cannot take.
    #[error("--pin gives tensor `{name}` the format {format}, which cannot take it: {reason}")]
    PinRefused {
        /// The tensor.
        name: String,
        /// The format.
        format: String,
        /// Why.
        reason: String,
    },
    /// The budget is below the smallest size.
    #[error(
        "the budget of {budget_bits} bits ({:.4} bits per weight, {} bytes) is below the smallest size any assignment reaches: \
         {smallest_bits} bits ({:.4} bits per weight, {} bytes)",
        *budget_bits as f64 / (*elements).max(1) as f64, budget_bits / 8,
        *smallest_bits as f64 / (*elements).max(1) as f64, smallest_bits.div_ceil(8)
    )]
    Infeasible {
        /// The budget.
        budget_bits: u64,
        /// The smallest achievable size.
        smallest_bits: u64,
        /// Values of the model.
        elements: u64,
    },
    /// A budget that is not a positive finite number.
    #[error("the target bits per weight must be a positive finite number, found {0}")]
    BadBudget(f64),
    /// More formats than the exact method's one-byte choices hold.
    #[error("at most 255 formats can be planned over, found {0}")]
    TooManyFormats(usize),
}

/// One option of a tensor: its bits, its error, and the format's index in the report.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Opt {
    bits: u64,
    sse: f64,
    format: usize,
}

/// `⌊b · n⌋` exactly, for the f64 `b` (no rounding of the product).
fn floor_product(b: f64, n: u64) -> u64 {
    let bits = b.to_bits();
    let exponent = ((bits >> 52) & 0x7ff) as i64;
    let mantissa = if exponent == 0 { bits & ((1 << 52) - 1) } else { (bits & ((1 << 52) - 1)) | (1 << 52) };
    // b = mantissa · 2^(exponent − 1075)
    let shift = exponent.max(1) - 1075;
    let product = mantissa as u128 * n as u128;
    let value =
        if shift >= 0 { product.checked_shl(shift as u32).unwrap_or(u128::MAX) } else { product.checked_shr((-shift) as u32).unwrap_or(0) };
    value.min(u64::MAX as u128) as u64
}

/// The plan of `report` under `options`.
pub fn plan(report: &CompareReport, options: &PlanOptions) -> Result<Plan, PlanError> {
    let known = || report.formats.join(",");
    let allowed: Vec<usize> = if options.formats.is_empty() {
        (0..report.formats.len()).collect()
    } else {
        options
            .formats
            .iter()
            .map(|f| {
                report.formats.iter().position(|g| g == f).ok_or_else(|| PlanError::UnknownFormat {
                    what: "--formats",
                    format: f.clone(),
                    known: known(),
                })
            })
            .collect::<Result<_, _>>()?
    };
    if allowed.len() > 255 {
        return Err(PlanError::TooManyFormats(allowed.len()));
    }
    let mut pins = Vec::with_capacity(options.pins.len());
    for pin in &options.pins {
        let regex = Regex::new(&pin.pattern).map_err(|e| PlanError::BadPattern { pattern: pin.pattern.clone(), message: e.to_string() })?;
        let format = report.formats.iter().position(|g| *g == pin.format).ok_or_else(|| PlanError::UnknownFormat {
            what: "--pin",
            format: pin.format.clone(),
            known: known(),
        })?;
        if !report.tensors.iter().any(|t| regex.is_match(&t.name)) {
            return Err(PlanError::PinMatchesNothing { pattern: pin.pattern.clone(), format: pin.format.clone() });
        }
        pins.push((regex, format));
    }
    let elements: u64 = report.tensors.iter().map(|t| t.elements).sum();
    let budget_bits = match options.budget {
        Budget::BitsPerWeight(b) if b.is_finite() && b > 0.0 => floor_product(b, elements),
        Budget::BitsPerWeight(b) => return Err(PlanError::BadBudget(b)),
        Budget::Bytes(bytes) => bytes.saturating_mul(8),
    };

    // Each tensor: fixed (pinned or kept) or free with its options.
    enum Slot {
        Fixed(Assignment),
        Free(usize),
    }
    let mut slots = Vec::with_capacity(report.tensors.len());
    let mut free: Vec<(&TensorCompare, Vec<Opt>)> = Vec::new();
    for t in &report.tensors {
        let assigned = |format: String, choice, reason, bits, sse: f64| Assignment {
            name: t.name.clone(),
            format,
            choice,
            reason,
            elements: t.elements,
            bits,
            bits_per_weight: if t.elements == 0 { 0.0 } else { bits as f64 / t.elements as f64 },
            sum_squared_error: sse,
            mse: if t.elements == 0 { 0.0 } else { sse / t.elements as f64 },
        };
        if let Some(&(_, f)) = pins.iter().rev().find(|(r, _)| r.is_match(&t.name)) {
            let format = report.formats[f].clone();
            let measured = t.results.get(f).and_then(|r| r.measured());
            let Some(m) = measured else {
                let reason = t.kept.clone().or_else(|| match t.results.get(f).map(|r| &r.outcome) {
                    Some(super::Outcome::Refused { reason }) => Some(reason.clone()),
                    _ => None,
                });
                return Err(PlanError::PinRefused { name: t.name.clone(), format, reason: reason.unwrap_or_else(|| "no result".into()) });
            };
            slots.push(Slot::Fixed(assigned(format, Choice::Pinned, None, m.bits, m.sum_squared_error)));
            continue;
        }
        let opts: Vec<Opt> = allowed
            .iter()
            .filter_map(|&f| t.results.get(f).and_then(|r| r.measured()).map(|m| Opt { bits: m.bits, sse: m.sum_squared_error, format: f }))
            .filter(|o| o.sse.is_finite())
            .collect();
        if t.kept.is_some() || opts.is_empty() {
            let reason = t.kept.clone().unwrap_or_else(|| "none of the formats can take it".into());
            slots.push(Slot::Fixed(assigned(t.dtype.clone(), Choice::Kept, Some(reason), t.source_bits, 0.0)));
            continue;
        }
        slots.push(Slot::Free(free.len()));
        free.push((t, opts));
    }

    // Solve in name order: the plan does not depend on the order of files or shards.
    let mut order: Vec<usize> = (0..free.len()).collect();
    order.sort_by(|&a, &b| free[a].0.name.cmp(&free[b].0.name));
    let items: Vec<Vec<Opt>> = order.iter().map(|&i| prune(&free[i].1)).collect();
    let fixed_bits: u64 = slots
        .iter()
        .map(|s| match s {
            Slot::Fixed(a) => a.bits,
            Slot::Free(_) => 0,
        })
        .sum();
    let base_bits: u64 = items.iter().map(|opts| opts[0].bits).sum();
    let smallest_bits = fixed_bits + base_bits;
    if smallest_bits > budget_bits {
        return Err(PlanError::Infeasible { budget_bits, smallest_bits, elements });
    }
    let spare = budget_bits - smallest_bits;
    let (picks, method, lower_bound_free) = match exact(&items, spare, options.exact_limit) {
        Some(picks) => (picks, Method::Exact, None),
        None => {
            let (picks, bound) = relaxed(&items, spare);
            (picks, Method::Lagrangian, Some(bound))
        }
    };
    let mut chosen: Vec<Option<Opt>> = vec![None; free.len()];
    for (k, &i) in order.iter().enumerate() {
        chosen[i] = Some(items[k][picks[k]]);
    }
    let assignment: Vec<Assignment> = slots
        .into_iter()
        .map(|s| match s {
            Slot::Fixed(a) => a,
            Slot::Free(i) => {
                // Every free tensor got an option above.
                let o = chosen[i].unwrap_or(free[i].1[0]);
                let t = free[i].0;
                Assignment {
                    name: t.name.clone(),
                    format: report.formats[o.format].clone(),
                    choice: Choice::Planned,
                    reason: None,
                    elements: t.elements,
                    bits: o.bits,
                    bits_per_weight: if t.elements == 0 { 0.0 } else { o.bits as f64 / t.elements as f64 },
                    sum_squared_error: o.sse,
                    mse: if t.elements == 0 { 0.0 } else { o.sse / t.elements as f64 },
                }
            }
        })
        .collect();
    // Sums in name order, as solved.
    let mut by_name: Vec<&Assignment> = assignment.iter().collect();
    by_name.sort_by(|a, b| a.name.cmp(&b.name));
    let total_squared_error: f64 = by_name.iter().map(|a| a.sum_squared_error).sum();
    let fixed_sse: f64 = by_name.iter().filter(|a| a.choice != Choice::Planned).map(|a| a.sum_squared_error).sum();
    let bits: u64 = assignment.iter().map(|a| a.bits).sum();
    let lower_bound = match lower_bound_free {
        None => total_squared_error,
        Some(b) => (fixed_sse + b).min(total_squared_error),
    };
    let gap_bound = (total_squared_error - lower_bound).max(0.0);
    Ok(Plan {
        assignment,
        bits_per_weight: if elements == 0 { 0.0 } else { bits as f64 / elements as f64 },
        bytes: bits.div_ceil(8),
        total_squared_error,
        optimal: method == Method::Exact || gap_bound == 0.0,
        method,
        gap_bound,
        lower_bound,
        elements,
        bits,
        budget_bits,
        smallest_bits,
    })
}

/// A tensor's options without the dominated ones, by bits ascending and error strictly
/// descending (of equal options, the first format in the report's order is kept).
fn prune(opts: &[Opt]) -> Vec<Opt> {
    let mut sorted = opts.to_vec();
    sorted.sort_by(|a, b| a.bits.cmp(&b.bits).then(a.sse.total_cmp(&b.sse)).then(a.format.cmp(&b.format)));
    let mut kept: Vec<Opt> = Vec::with_capacity(sorted.len());
    for o in sorted {
        if kept.last().is_none_or(|last| o.sse < last.sse) {
            kept.push(o);
        }
    }
    kept
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// The exact dynamic program, or `None` when it would need more than `limit` cells. Returns the
/// index of each item's option.
fn exact(items: &[Vec<Opt>], spare: u64, limit: u64) -> Option<Vec<usize>> {
    let unit = items.iter().flat_map(|opts| opts.iter().map(move |o| o.bits - opts[0].bits)).fold(0, gcd);
    if unit == 0 {
        // Every tensor has one option (after pruning): nothing to choose.
        return Some(vec![0; items.len()]);
    }
    let most: u64 = items.iter().map(|opts| (opts[opts.len() - 1].bits - opts[0].bits) / unit).sum();
    let capacity = (spare / unit).min(most);
    let states = capacity.checked_add(1)?;
    let cells = states.checked_mul(items.len() as u64)?;
    if cells > limit || states > MAX_STATES {
        return None;
    }
    let states = usize::try_from(states).ok()?;
    let mut dp = vec![0.0f64; states];
    let mut next = vec![0.0f64; states];
    let mut choice = vec![0u8; items.len() * states];
    for (t, opts) in items.iter().enumerate() {
        let weights: Vec<usize> = opts.iter().map(|o| ((o.bits - opts[0].bits) / unit) as usize).collect();
        let row = &mut choice[t * states..(t + 1) * states];
        for c in 0..states {
            let mut best = f64::INFINITY;
            let mut pick = 0u8;
            for (k, (o, &w)) in opts.iter().zip(&weights).enumerate() {
                if w > c {
                    break;
                }
                let v = dp[c - w] + o.sse;
                if v < best {
                    best = v;
                    pick = k as u8;
                }
            }
            next[c] = best;
            row[c] = pick;
        }
        std::mem::swap(&mut dp, &mut next);
    }
    let mut picks = vec![0usize; items.len()];
    let mut c = states - 1;
    for t in (0..items.len()).rev() {
        let k = choice[t * states + c] as usize;
        picks[t] = k;
        c -= ((items[t][k].bits - items[t][0].bits) / unit) as usize;
    }
    Some(picks)
}

/// The convex-hull greedy: an assignment within `spare` and the LP lower bound on the error.
fn relaxed(items: &[Vec<Opt>], spare: u64) -> (Vec<usize>, f64) {
    // Each item's lower convex hull (indices into its pruned options).
    let hulls: Vec<Vec<usize>> = items
        .iter()
        .map(|opts| {
            let mut hull: Vec<usize> = Vec::new();
            for (k, o) in opts.iter().enumerate() {
                while hull.len() >= 2 {
                    let (a, b) = (&opts[hull[hull.len() - 2]], &opts[hull[hull.len() - 1]]);
                    // Drop b when it lies on or above the segment a → o.
                    let left = (b.sse - a.sse) * (o.bits - a.bits) as f64;
                    let right = (o.sse - a.sse) * (b.bits - a.bits) as f64;
                    if left >= right {
                        hull.pop();
                    } else {
                        break;
                    }
                }
                hull.push(k);
            }
            hull
        })
        .collect();
    struct Segment {
        item: usize,
        step: usize,
        bits: u64,
        saved: f64,
    }
    let mut segments: Vec<Segment> = Vec::new();
    for (item, hull) in hulls.iter().enumerate() {
        for step in 1..hull.len() {
            let (a, b) = (&items[item][hull[step - 1]], &items[item][hull[step]]);
            segments.push(Segment { item, step, bits: b.bits - a.bits, saved: a.sse - b.sse });
        }
    }
    // Most error saved per bit first (ties: item, then step, so each hull is walked in order).
    segments.sort_by(|x, y| {
        (y.saved / y.bits as f64).total_cmp(&(x.saved / x.bits as f64)).then(x.item.cmp(&y.item)).then(x.step.cmp(&y.step))
    });

    let start: f64 = items.iter().map(|opts| opts[0].sse).sum();
    let mut lower = start;
    let mut left = spare;
    for s in &segments {
        if s.bits <= left {
            left -= s.bits;
            lower -= s.saved;
        } else {
            lower -= s.saved * (left as f64 / s.bits as f64);
            break;
        }
    }

    let mut step = vec![0usize; items.len()];
    let mut blocked = vec![false; items.len()];
    let mut left = spare;
    for s in &segments {
        if blocked[s.item] {
            continue;
        }
        if step[s.item] + 1 == s.step && s.bits <= left {
            left -= s.bits;
            step[s.item] = s.step;
        } else {
            blocked[s.item] = true;
        }
    }
    let mut picks: Vec<usize> = step.iter().zip(&hulls).map(|(&s, hull)| hull[s]).collect();
    // Upgrades that still fit, the largest error saving first, until none is left.
    loop {
        let mut best: Option<(usize, usize, f64)> = None;
        for (i, opts) in items.iter().enumerate() {
            let now = opts[picks[i]];
            for (k, o) in opts.iter().enumerate() {
                if o.bits > now.bits && o.bits - now.bits <= left && o.sse < now.sse {
                    let saved = now.sse - o.sse;
                    if best.is_none_or(|(_, _, b)| saved > b) {
                        best = Some((i, k, saved));
                    }
                }
            }
        }
        let Some((i, k, _)) = best else { break };
        left -= items[i][k].bits - items[i][picks[i]].bits;
        picks[i] = k;
    }
    (picks, lower)
}

#[cfg(test)]
mod tests {
    use super::super::tests::tensor;
    use super::*;

    fn report(tensors: Vec<TensorCompare>) -> CompareReport {
        let formats = tensors[0].results.iter().map(|r| r.format.clone()).collect();
        CompareReport::new(vec![], formats, tensors)
    }

    fn options(budget: Budget) -> PlanOptions {
        PlanOptions { formats: vec![], budget, pins: vec![], exact_limit: EXACT_LIMIT }
    }

    #[test]
    fn the_budget_decides_the_format() {
        let r = report(vec![
            tensor("a", 64, &[("q4_0", Some((4.5, 10.0))), ("q8_0", Some((8.5, 1.0)))]),
            tensor("b", 64, &[("q4_0", Some((4.5, 3.0))), ("q8_0", Some((8.5, 0.5)))]),
        ]);
        // 6.5 bits per weight: one tensor can take q8_0, and `a` gains more from it.
        let p = plan(&r, &options(Budget::BitsPerWeight(6.5))).unwrap();
        let formats: Vec<&str> = p.assignment.iter().map(|a| a.format.as_str()).collect();
        assert_eq!(formats, ["q8_0", "q4_0"]);
        assert_eq!((p.bits, p.total_squared_error, p.optimal, p.method), (832, 4.0, true, Method::Exact));
        assert_eq!(p.bits_per_weight, 6.5);
        // Budget in bytes: 4.5 bits per weight exactly.
        let p = plan(&r, &options(Budget::Bytes(72))).unwrap();
        assert!(p.assignment.iter().all(|a| a.format == "q4_0"));
        let e = plan(&r, &options(Budget::Bytes(71))).unwrap_err();
        assert_eq!(e, PlanError::Infeasible { budget_bits: 568, smallest_bits: 576, elements: 128 });
        assert!(e.to_string().contains("576 bits (4.5000 bits per weight, 72 bytes)"), "{e}");
    }

    #[test]
    fn pins_and_kept_tensors_count_toward_the_budget() {
        let mut norm = tensor("norm", 64, &[("q4_0", None), ("q8_0", None)]);
        norm.kept = Some("1-D tensor (norm or bias): kept in its source type".into());
        let r = report(vec![
            tensor("a", 64, &[("q4_0", Some((4.5, 10.0))), ("q8_0", Some((8.5, 1.0)))]),
            tensor("b", 64, &[("q4_0", Some((4.5, 3.0))), ("q8_0", Some((8.5, 0.5)))]),
            norm,
        ]);
        let mut o = options(Budget::BitsPerWeight(10.0));
        o.pins = vec!["^b$=q8_0".parse().unwrap()];
        let p = plan(&r, &o).unwrap();
        // 192 values at 10 bits: 1920 bits; the norm takes 1024 and b 544, so a gets q4_0 (288), not q8_0 (544).
        assert_eq!(p.assignment[0].format, "q4_0");
        assert_eq!((p.assignment[1].format.as_str(), p.assignment[1].choice), ("q8_0", Choice::Pinned));
        assert_eq!((p.assignment[2].format.as_str(), p.assignment[2].choice), ("bf16", Choice::Kept));
        assert_eq!(p.bits, 288 + 544 + 1024);
        o.pins = vec!["^norm$=q8_0".parse().unwrap()];
        assert!(matches!(plan(&r, &o), Err(PlanError::PinRefused { .. })));
        o.pins = vec!["nothing=q8_0".parse().unwrap()];
        assert!(matches!(plan(&r, &o), Err(PlanError::PinMatchesNothing { .. })));
        o.pins = vec!["(=q8_0".parse().unwrap()];
        assert!(matches!(plan(&r, &o), Err(PlanError::BadPattern { .. })));
        o.pins = vec!["a=nf4".parse().unwrap()];
        assert!(matches!(plan(&r, &o), Err(PlanError::UnknownFormat { what: "--pin", .. })));
        assert!("no-equals".parse::<Pin>().is_err());
        assert_eq!("a=b=q8_0".parse::<Pin>().unwrap(), Pin { pattern: "a=b".into(), format: "q8_0".into() });
    }

    #[test]
    fn the_budget_product_is_exact() {
        assert_eq!(floor_product(4.5, 1 << 40), 9 << 39);
        assert_eq!(floor_product(0.1, 10), 1); // 0.1 is a little above 1/10
        assert_eq!(floor_product(0.3, 10), 2); // 0.3 is a little below 3/10
        assert_eq!(floor_product(1e-320, 3), 0);
        assert_eq!(floor_product(1e300, 3), u64::MAX);
    }
}
