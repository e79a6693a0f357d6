//! The planner against brute force on random small models (≤ 8 tensors × ≤ 5 formats, with
//! pinned tensors, kept tensors and formats that refuse a tensor), and a merged report's plan
//! against the whole's.

use proptest::prelude::*;
use quantscope_core::compare::plan::{plan, Budget, Method, Pin, Plan, PlanError, PlanOptions, EXACT_LIMIT};
use quantscope_core::compare::{CompareReport, FormatResult, Measured, Outcome, TensorCompare};

/// Bits per weight of the presets (whole bits for every size used here, a multiple of 64).
const BPW: [f64; 6] = [4.25, 4.5, 5.0, 5.5, 6.0, 8.5];

#[derive(Clone, Debug)]
struct Case {
    report: CompareReport,
    pins: Vec<Pin>,
    /// Budget as a fraction between the smallest and the largest size.
    fraction: f64,
}

fn case() -> impl Strategy<Value = Case> {
    (1usize..=5, 1usize..=8)
        .prop_flat_map(|(formats, tensors)| {
            let bpw = proptest::collection::vec(0usize..BPW.len(), formats);
            let tensor = (
                1u64..=4,                                                                                           // size in units of 64
                proptest::collection::vec(prop_oneof![1 => Just(None), 6 => (0u32..1000).prop_map(Some)], formats), // sse per format
                prop_oneof![8 => Just(false), 1 => Just(true)],                                                     // kept
                prop_oneof![6 => Just(None), 1 => (0..formats).prop_map(Some)],                                     // pinned format
            );
            (bpw, proptest::collection::vec(tensor, tensors), 0.0f64..1.2)
        })
        .prop_map(|(bpw, tensors, fraction)| {
            let formats: Vec<String> = (0..bpw.len()).map(|f| format!("f{f}")).collect();
            let mut pins = Vec::new();
            let tensors = tensors
                .into_iter()
                .enumerate()
                .map(|(i, (units, sse, kept, pin))| {
                    let elements = units * 64;
                    let name = format!("t{i}");
                    let results: Vec<FormatResult> = sse
                        .iter()
                        .zip(&bpw)
                        .enumerate()
                        .map(|(f, (s, &b))| FormatResult {
                            format: formats[f].clone(),
                            outcome: match (kept, s) {
                                (false, Some(s)) => Outcome::Measured(Measured::new(elements, BPW[b], *s as f64 / 8.0, 1e3, 1.0, 0)),
                                _ => Outcome::Refused { reason: "refused".into() },
                            },
                        })
                        .collect();
                    if let Some(f) = pin {
                        if results[f].measured().is_some() {
                            pins.push(Pin { pattern: format!("^{name}$"), format: formats[f].clone() });
                        }
                    }
                    TensorCompare {
                        name,
                        shape: vec![units, 64],
                        elements,
                        dtype: "bf16".into(),
                        source_bits: elements * 16,
                        kept: kept.then(|| "1-D".into()),
                        results,
                    }
                })
                .collect();
            Case { report: CompareReport::new(vec![], formats, tensors), pins, fraction }
        })
}

/// Every assignment: (bits, sse) of the best one within `budget`, and the smallest size.
fn brute_force(case: &Case, budget: u64) -> (Option<(u64, f64)>, u64) {
    let r = &case.report;
    let mut choices: Vec<Vec<(u64, f64)>> = Vec::new();
    for t in &r.tensors {
        let pinned = case.pins.iter().rev().find(|p| p.pattern == format!("^{}$", t.name));
        let options: Vec<(u64, f64)> = match pinned {
            Some(p) => {
                let m = t.result(&p.format).and_then(FormatResult::measured).unwrap();
                vec![(m.bits, m.sum_squared_error)]
            }
            None => {
                let measured: Vec<(u64, f64)> =
                    t.results.iter().filter_map(FormatResult::measured).map(|m| (m.bits, m.sum_squared_error)).collect();
                if t.kept.is_some() || measured.is_empty() {
                    vec![(t.source_bits, 0.0)]
                } else {
                    measured
                }
            }
        };
        choices.push(options);
    }
    let smallest = choices.iter().map(|o| o.iter().map(|c| c.0).min().unwrap()).sum();
    let mut best: Option<(u64, f64)> = None;
    let mut index = vec![0usize; choices.len()];
    loop {
        let bits: u64 = index.iter().zip(&choices).map(|(&k, o)| o[k].0).sum();
        let sse: f64 = index.iter().zip(&choices).map(|(&k, o)| o[k].1).sum();
        if bits <= budget && best.is_none_or(|(_, b)| sse < b) {
            best = Some((bits, sse));
        }
        // Next assignment (odometer).
        let mut t = 0;
        loop {
            if t == index.len() {
                return (best, smallest);
            }
            index[t] += 1;
            if index[t] < choices[t].len() {
                break;
            }
            index[t] = 0;
            t += 1;
        }
    }
}

fn budget_of(case: &Case) -> u64 {
    let elements: u64 = case.report.tensors.iter().map(|t| t.elements).sum();
    let (_, smallest) = brute_force(case, 0);
    let largest = elements * 17;
    smallest.saturating_sub(64) + ((largest - smallest) as f64 * case.fraction * 0.6) as u64
}

fn options(case: &Case, budget_bits: u64, exact_limit: u64) -> PlanOptions {
    PlanOptions { formats: vec![], budget: Budget::Bytes(budget_bits / 8), pins: case.pins.clone(), exact_limit }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

fn check_feasible(p: &Plan, budget: u64) {
    assert!(p.bits <= budget, "{} bits over the budget {budget}", p.bits);
    assert_eq!(p.bits, p.assignment.iter().map(|a| a.bits).sum::<u64>());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn exact_plan_equals_brute_force(case in case()) {
        let budget = budget_of(&case) / 8 * 8;
        let (best, smallest) = brute_force(&case, budget);
        match (plan(&case.report, &options(&case, budget, EXACT_LIMIT)), best) {
            (Ok(p), Some((_, sse))) => {
                check_feasible(&p, budget);
                prop_assert_eq!(p.method, Method::Exact);
                prop_assert!(p.optimal);
                prop_assert!(close(p.total_squared_error, sse), "plan {} vs brute force {}", p.total_squared_error, sse);
                prop_assert_eq!(p.smallest_bits, smallest);
            }
            (Err(PlanError::Infeasible { smallest_bits, .. }), None) => prop_assert_eq!(smallest_bits, smallest),
            (other, best) => prop_assert!(false, "plan {:?} but brute force {:?}", other, best),
        }
    }

    #[test]
    fn lagrangian_plan_is_feasible_and_within_its_gap(case in case()) {
        let budget = budget_of(&case) / 8 * 8;
        let (best, _) = brute_force(&case, budget);
        match (plan(&case.report, &options(&case, budget, 0)), best) {
            (Ok(p), Some((_, sse))) => {
                check_feasible(&p, budget);
                prop_assert!(p.lower_bound <= sse + 1e-9 * sse.max(1.0), "bound {} above the optimum {}", p.lower_bound, sse);
                prop_assert!(p.total_squared_error >= sse - 1e-9 * sse.max(1.0));
                prop_assert!(close(p.total_squared_error - p.lower_bound, p.gap_bound) || p.gap_bound == 0.0);
                if p.method == Method::Lagrangian && p.optimal {
                    prop_assert!(close(p.total_squared_error, sse));
                }
            }
            (Err(PlanError::Infeasible { .. }), None) => {}
            (other, best) => prop_assert!(false, "plan {:?} but brute force {:?}", other, best),
        }
    }

    #[test]
    fn merged_plan_equals_the_plan_of_the_whole(case in case(), split in any::<proptest::sample::Index>(), shuffle in any::<bool>()) {
        let r = &case.report;
        let at = split.index(r.tensors.len() + 1);
        let (a, b) = r.tensors.split_at(at);
        let mut parts = vec![
            CompareReport::new(vec!["shard-1".into()], r.formats.clone(), a.to_vec()),
            CompareReport::new(vec!["shard-2".into()], r.formats.clone(), b.to_vec()),
        ];
        if shuffle {
            parts.reverse();
        }
        let merged = CompareReport::merge(parts).unwrap();
        prop_assert_eq!(&merged.totals, &r.totals);
        let budget = budget_of(&case) / 8 * 8;
        for limit in [EXACT_LIMIT, 0] {
            let whole = plan(r, &options(&case, budget, limit));
            let shards = plan(&merged, &options(&case, budget, limit));
            match (whole, shards) {
                (Ok(w), Ok(s)) => {
                    let mut wa = w.assignment.clone();
                    let mut sa = s.assignment.clone();
                    wa.sort_by(|x, y| x.name.cmp(&y.name));
                    sa.sort_by(|x, y| x.name.cmp(&y.name));
                    prop_assert_eq!(wa, sa);
                    prop_assert_eq!(w.total_squared_error.to_bits(), s.total_squared_error.to_bits());
                    prop_assert_eq!(w.bits, s.bits);
                }
                (Err(w), Err(s)) => prop_assert_eq!(w, s),
                (w, s) => prop_assert!(false, "whole {:?}, shards {:?}", w, s),
            }
        }
    }
}

#[test]
fn lagrangian_is_used_past_the_limit_and_says_so() {
    let formats = vec!["q4_0".to_string(), "q8_0".to_string(), "nvfp4".to_string()];
    // NVFP4's 32 bits per tensor make the unit 32 bits: 2 tensors × (spare / 32 + 1) cells.
    let t = |name: &str, sse: [f64; 3]| TensorCompare {
        name: name.into(),
        shape: vec![64, 64],
        elements: 4096,
        dtype: "bf16".into(),
        source_bits: 4096 * 16,
        kept: None,
        results: formats
            .iter()
            .zip([4.5, 8.5, 4.5 + 32.0 / 4096.0])
            .zip(sse)
            .map(|((f, bpw), s)| FormatResult { format: f.clone(), outcome: Outcome::Measured(Measured::new(4096, bpw, s, 1e4, 0.1, 0)) })
            .collect(),
    };
    let r = CompareReport::new(vec![], formats.clone(), vec![t("a", [40.0, 1.0, 30.0]), t("b", [20.0, 0.5, 10.0])]);
    let o = |limit| PlanOptions { formats: vec![], budget: Budget::BitsPerWeight(6.5), pins: vec![], exact_limit: limit };
    let exact = plan(&r, &o(EXACT_LIMIT)).unwrap();
    let relaxed = plan(&r, &o(4)).unwrap();
    assert_eq!((exact.method, relaxed.method), (Method::Exact, Method::Lagrangian));
    assert!(relaxed.total_squared_error >= exact.total_squared_error);
    assert!(relaxed.lower_bound <= exact.total_squared_error);
    assert!(relaxed.gap_bound >= relaxed.total_squared_error - exact.total_squared_error);
    let json = serde_json::to_value(&relaxed).unwrap();
    assert_eq!(json["method"], "lagrangian");
    assert!(json["gap_bound"].is_number() && json["optimal"].is_boolean());
    assert_eq!(json["assignment"][0]["name"], "a");
}
