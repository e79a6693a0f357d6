//! The Files tool's pool (`quantscope_app::pool`) run natively as the page runs it in the browser:
//! the listing read as the page reads it, the batches handed to 1 to 5 workers (each with its own
//! opened file), their outcomes sent as JSON and merged in the order they come back. The table is
//! the one `quantscope file` prints (`model_table::table`, one reader, the whole file), row for row
//! and in its CSV byte for byte.

use std::ops::ControlFlow;

use quantscope_app::pool::{analyse_batch, merge, worker_count, PartOutcome, Schedule};
use quantscope_app::protocol::{Request, TensorView};
use quantscope_core::calibrate::Calibration;
use quantscope_core::{QuantSpec, SpecOptions};
use quantscope_weights::model_table::{self, Outcome, TableOptions};
use quantscope_weights::Archive;

/// A safetensors file of `tensors` (name, dtype, shape, data).
fn safetensors(tensors: &[(&str, &str, Vec<u64>, Vec<u8>)]) -> Vec<u8> {
    let mut header = serde_json::Map::new();
    let mut data = Vec::new();
    for (name, dtype, shape, bytes) in tensors {
        let start = data.len();
        data.extend_from_slice(bytes);
        header.insert(name.to_string(), serde_json::json!({ "dtype": dtype, "shape": shape, "data_offsets": [start, data.len()] }));
    }
    let header = serde_json::to_vec(&header).unwrap();
    let mut file = (header.len() as u64).to_le_bytes().to_vec();
    file.extend_from_slice(&header);
    file.extend_from_slice(&data);
    file
}

/// `rows` x `cols` values with a spread per row and an outlier row, as float32 bits.
fn values(rows: usize, cols: usize, seed: u32) -> Vec<f32> {
    let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    (0..rows * cols)
        .map(|i| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            let unit = state as f32 / u32::MAX as f32 - 0.5;
            let row = i / cols;
            unit * (0.02 + (row % 7) as f32 * 0.01) * if row == 3 { 8.0 } else { 1.0 }
        })
        .collect()
}

fn f32_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// The top 16 bits (bfloat16 by truncation: any bits will do for a test).
fn bf16_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| ((x.to_bits() >> 16) as u16).to_le_bytes()).collect()
}

/// Tensors under this many bytes are batched together here ([`Schedule::batched`]).
const BATCH: u64 = 16 << 10;

/// A model-like file: two tensors big enough (over [`BATCH`]) to be batches of their own, a
/// mid-sized and small ones batched together, and rows that are skipped (integer data, no values, an axis past a vector's).
fn model() -> Vec<u8> {
    safetensors(&[
        ("embed.weight", "F32", vec![96, 64], f32_bytes(&values(96, 64, 1))),
        ("layer.0.norm", "F32", vec![64], f32_bytes(&values(1, 64, 2))),
        ("layer.0.up.weight", "BF16", vec![160, 64], bf16_bytes(&values(160, 64, 3))),
        ("layer.0.steps", "I32", vec![4], vec![0; 16]),
        ("layer.0.down.weight", "BF16", vec![64, 48], bf16_bytes(&values(64, 48, 4))),
        ("empty", "F32", vec![0, 4], vec![]),
        ("scalar", "F32", vec![], f32_bytes(&[0.5])),
        ("head.weight", "F32", vec![64, 33], f32_bytes(&values(64, 33, 5))),
    ])
}

/// The listing as the page has it: the worker's `TensorInfo` JSON read as `TensorView`.
fn listing(file: &[u8]) -> Vec<TensorView> {
    let archive = Archive::open(file.to_vec(), "model").unwrap();
    serde_json::from_str(&serde_json::to_string(archive.tensors()).unwrap()).unwrap()
}

fn options(axis: usize, spec: &SpecOptions) -> TableOptions {
    TableOptions { tensor: None, axis, spec: QuantSpec::resolve(spec).unwrap(), calibration: Calibration::default(), worst: 3 }
}

/// The pool's table with `workers` workers, the parts merged in the order given by `order`.
fn pooled(file: &[u8], workers: usize, options: &TableOptions, reverse: bool) -> Vec<model_table::Row> {
    let views = listing(file);
    let mut schedule = Schedule::batched(&views, workers, BATCH);
    let mut archives: Vec<_> = (0..workers).map(|_| Archive::open(file.to_vec(), "model").unwrap()).collect();
    // Each worker's JSON answers, in the order they come back (worker by worker, in turn).
    let mut answers: Vec<Vec<u8>> = Vec::new();
    let mut busy = true;
    while busy {
        busy = false;
        for (w, archive) in archives.iter_mut().enumerate() {
            let Some(batch) = schedule.next(w) else { continue };
            busy = true;
            let mut last = 0;
            let outcomes = analyse_batch(archive, &batch, options, &mut |done, _| {
                assert!(done >= last, "progress goes forward");
                last = done;
                schedule.read(w, done);
                ControlFlow::Continue(())
            })
            .unwrap();
            assert!(schedule.done() <= schedule.total());
            schedule.answered(w);
            answers.push(serde_json::to_vec(&outcomes).unwrap());
        }
    }
    assert_eq!(schedule.done(), schedule.total());
    if reverse {
        answers.reverse();
    }
    let parts = answers.iter().flat_map(|json| serde_json::from_slice::<Vec<PartOutcome>>(json).unwrap());
    let infos = Archive::open(file.to_vec(), "model").unwrap().tensors().to_vec();
    merge(&infos, parts).unwrap()
}

fn cli_table(file: &[u8], options: &TableOptions) -> Vec<model_table::Row> {
    let mut archive = Archive::open(file.to_vec(), "model").unwrap();
    model_table::table(&mut archive, options, &mut |_| ControlFlow::Continue(())).unwrap()
}

#[test]
fn the_pool_gives_the_cli_table_for_any_number_of_workers() {
    let file = model();
    let views = listing(&file);
    assert_eq!(Schedule::batched(&views, 2, BATCH).batches(), 3, "two big tensors alone, the rest together");
    let textbook = SpecOptions::default();
    let pytorch = SpecOptions { convention: quantscope_core::Convention::Pytorch, ..SpecOptions::default() };
    for (axis, spec) in [(0, &textbook), (1, &textbook), (0, &pytorch)] {
        let options = options(axis, spec);
        let expected = cli_table(&file, &options);
        assert!(expected.iter().filter(|r| matches!(r.outcome, Outcome::Result(_))).count() >= 4);
        assert!(expected.iter().any(|r| matches!(&r.outcome, Outcome::Skipped(s) if s.contains("integer"))));
        let csv = quantscope_export::file_table::csv(&expected).unwrap();
        for workers in 1..=5 {
            for reverse in [false, true] {
                let rows = pooled(&file, workers, &options, reverse);
                assert_eq!(rows, expected, "axis {axis}, {workers} workers");
                assert_eq!(quantscope_export::file_table::csv(&rows).unwrap(), csv);
            }
        }
    }
}

#[test]
fn the_weight_readers_test_model_gives_the_cli_table() {
    let file = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../weights/tests/data/model.safetensors")).unwrap();
    let options = options(0, &SpecOptions::default());
    let expected = cli_table(&file, &options);
    for workers in 1..=3 {
        assert_eq!(pooled(&file, workers, &options, true), expected);
    }
}

#[test]
fn a_missing_or_foreign_answer_is_an_error_not_a_short_table() {
    let file = model();
    let infos = Archive::open(file.clone(), "model").unwrap().tensors().to_vec();
    let mut archive = Archive::open(file.clone(), "model").unwrap();
    let names: Vec<String> = infos.iter().map(|i| i.name.clone()).collect();
    let options = options(0, &SpecOptions::default());
    let mut parts = analyse_batch(&mut archive, &names, &options, &mut |_, _| ControlFlow::Continue(())).unwrap();
    assert_eq!(merge(&infos, parts.clone()).unwrap(), cli_table(&file, &options));
    let last = parts.pop().unwrap();
    assert_eq!(merge(&infos, parts.clone()).unwrap_err(), format!("no worker answered for tensor `{}`", last.tensor));
    parts.push(PartOutcome { tensor: "other".into(), outcome: last.outcome });
    assert!(merge(&infos, parts).unwrap_err().contains("`other`, which is not in the file"));
}

#[test]
fn a_batch_reports_its_bytes_read_and_stops_when_told() {
    let file = model();
    let mut archive = Archive::open(file.clone(), "model").unwrap();
    let options = options(0, &SpecOptions::default());
    let batch = vec!["layer.0.down.weight".to_string(), "layer.0.steps".to_string(), "head.weight".to_string()];
    let mut last = (0, String::new());
    let outcomes = analyse_batch(&mut archive, &batch, &options, &mut |done, tensor| {
        last = (done, tensor.to_string());
        ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(outcomes.iter().map(|o| o.tensor.as_str()).collect::<Vec<_>>(), ["layer.0.down.weight", "layer.0.steps", "head.weight"]);
    assert_eq!(last, (64 * 48 * 2 + 64 * 33 * 4, "head.weight".to_string()));
    let stopped = analyse_batch(&mut archive, &batch, &options, &mut |_, _| ControlFlow::Break(()));
    assert!(stopped.unwrap_err().to_string().contains("cancel"));
}

#[test]
fn a_small_file_stays_on_one_worker() {
    let views = listing(&model());
    assert_eq!(worker_count(2, &views, 1 << 20), 1, "64 KiB of data: not worth a second worker");
}

#[test]
fn pool_requests_read_back() {
    for request in [
        Request::AnalyseSome {
            job: 3,
            tensors: vec!["a".into(), "b".into()],
            axis: 1,
            spec: SpecOptions::default(),
            calibration: Calibration::default(),
            worst: 3,
            format: Some("q4_0".into()),
        },
        Request::Merge {
            job: 4,
            axis: 0,
            spec: SpecOptions::default(),
            calibration: Calibration::default(),
            worst: 3,
            started: 1.5e12,
            compute_ms: 12.25,
            format: None,
        },
    ] {
        let json = serde_json::to_string(&request).unwrap();
        assert_eq!(serde_json::from_str::<Request>(&json).unwrap(), request);
    }
}
