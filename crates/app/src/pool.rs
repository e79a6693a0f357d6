//! The Files tool's pool of workers (issue 15): a model-wide analysis of every tensor split over
//! several Web Workers, one per core, each reading its own tensors from the `File` by slices. The
//! page hands out batches of tensors (the largest first, the next batch to whichever worker answers
//! first: [`Schedule`]), sums their progress, and gives their outcomes to one worker that makes the
//! table ([`merge`]): the same rows, in the same order, with the same numbers as one worker reading
//! the file alone and as `quantscope file` (`quantscope_weights::model_table::table`).
//!
//! No `SharedArrayBuffer`: the workers share nothing but the `File` handle and JSON messages, so any
//! static host serves the page (no cross-origin isolation headers needed).

use std::collections::HashMap;
use std::ops::ControlFlow;

use quantscope_weights::model_table::{self, Outcome, Progress, Row, TableOptions};
use quantscope_weights::{Archive, Error, Source, TensorInfo};
use serde::{Deserialize, Serialize};

use crate::protocol::TensorView;

/// At most this many workers, whatever the core count: each holds its own copy of the wasm module
/// and a tensor as float32, and past about 8 the page's file reads, not the analysis, set the pace.
pub const MAX_WORKERS: usize = 8;

/// A worker is worth starting for at least this much tensor data (bytes): below it, starting one
/// (fetching and compiling its wasm) costs more than it saves, and one worker reads the file.
pub const MIN_BYTES_PER_WORKER: u64 = 16 << 20;

/// Tensors smaller than this (bytes) are handed out together, up to this size a batch, so that a
/// file of many small tensors is not one message per tensor.
pub const BATCH_BYTES: u64 = 4 << 20;

/// The bytes of data a tensor has to read: its `bytes` when it is analysed, nothing when it is
/// listed as not analysable or holds no values (its row is a skipped one, written without reading).
fn data_bytes(t: &TensorView) -> u64 {
    if t.not_analysable.is_none() && t.elements > 0 {
        t.bytes
    } else {
        0
    }
}

/// A tensor's values once loaded, as float32 (what a worker holds while it analyses it).
fn loaded_bytes(t: &TensorView) -> u64 {
    if data_bytes(t) > 0 {
        t.elements.saturating_mul(4)
    } else {
        0
    }
}

/// How many workers analyse `tensors` (a file of `file_bytes`) on a machine of `cores` cores
/// (`navigator.hardwareConcurrency`): one per core, at most [`MAX_WORKERS`], at most one per
/// analysable tensor and per [`MIN_BYTES_PER_WORKER`] of data, and few enough that the largest
/// tensors, one loaded in each worker at once, fit in the file's own size (wasm memory never
/// shrinks: each worker keeps the size of the largest tensor it held). 1: the single-worker path.
pub fn worker_count(cores: usize, tensors: &[TensorView], file_bytes: u64) -> usize {
    let mut loaded: Vec<u64> = tensors.iter().map(loaded_bytes).filter(|&b| b > 0).collect();
    loaded.sort_unstable_by(|a, b| b.cmp(a));
    let data: u64 = tensors.iter().map(data_bytes).sum();
    let by_data = usize::try_from(data / MIN_BYTES_PER_WORKER).unwrap_or(usize::MAX);
    let mut n = cores.clamp(1, MAX_WORKERS).min(loaded.len()).min(by_data).max(1);
    let budget = file_bytes.max(loaded.first().copied().unwrap_or(0));
    while n > 1 && loaded[..n].iter().sum::<u64>() > budget {
        n -= 1;
    }
    n
}

/// Tensors handed to one worker in one request.
#[derive(Clone, Debug, PartialEq)]
struct Batch {
    tensors: Vec<String>,
    /// Their [`data_bytes`].
    bytes: u64,
}

/// Which worker reads which tensors, and the progress summed over the workers. Batches go out
/// largest first (the longest-processing-time order), each to the first worker free, so that no
/// worker is left with a big tensor at the end while the others wait; tensors smaller than
/// [`BATCH_BYTES`] go together.
#[derive(Clone, Debug)]
pub struct Schedule {
    batches: Vec<Batch>,
    /// The next batch to hand out.
    next: usize,
    /// Per worker: the bytes of the batch it reads and how many of them it has read.
    reading: Vec<Option<(u64, u64)>>,
    /// Bytes of the batches answered.
    finished: u64,
    answered: usize,
    total: u64,
}

impl Schedule {
    /// Every tensor of `tensors` (the file's listing, in file order) for `workers` workers.
    pub fn new(tensors: &[TensorView], workers: usize) -> Self {
        Self::batched(tensors, workers, BATCH_BYTES)
    }

    /// [`Schedule::new`] with tensors under `batch_bytes` handed out together (tests use small ones).
    pub fn batched(tensors: &[TensorView], workers: usize, batch_bytes: u64) -> Self {
        let mut order: Vec<&TensorView> = tensors.iter().collect();
        // Stable: equal sizes keep the file order.
        order.sort_by_key(|t| std::cmp::Reverse(data_bytes(t)));
        let mut batches = Vec::new();
        let mut small = Batch { tensors: Vec::new(), bytes: 0 };
        for t in order {
            let bytes = data_bytes(t);
            if bytes >= batch_bytes {
                batches.push(Batch { tensors: vec![t.name.clone()], bytes });
                continue;
            }
            small.tensors.push(t.name.clone());
            small.bytes += bytes;
            if small.bytes >= batch_bytes {
                batches.push(std::mem::replace(&mut small, Batch { tensors: Vec::new(), bytes: 0 }));
            }
        }
        if !small.tensors.is_empty() {
            batches.push(small);
        }
        let total = batches.iter().map(|b| b.bytes).sum();
        Schedule { batches, next: 0, reading: vec![None; workers.max(1)], finished: 0, answered: 0, total }
    }

    /// The workers it was made for.
    pub fn workers(&self) -> usize {
        self.reading.len()
    }

    /// The batches (requests) in all.
    pub fn batches(&self) -> usize {
        self.batches.len()
    }

    /// The next batch for `worker` (free now), `None` when every batch is handed out.
    pub fn next(&mut self, worker: usize) -> Option<Vec<String>> {
        let batch = self.batches.get(self.next)?;
        let slot = self.reading.get_mut(worker)?;
        *slot = Some((batch.bytes, 0));
        self.next += 1;
        Some(batch.tensors.clone())
    }

    /// `worker` has read `done` bytes of its batch; the bytes read by every worker, of [`Schedule::total`].
    pub fn read(&mut self, worker: usize, done: u64) -> u64 {
        if let Some(Some((bytes, read))) = self.reading.get_mut(worker) {
            *read = done.min(*bytes);
        }
        self.done()
    }

    /// `worker` answered its batch; whether every batch is now answered.
    pub fn answered(&mut self, worker: usize) -> bool {
        if let Some((bytes, _)) = self.reading.get_mut(worker).and_then(Option::take) {
            self.finished += bytes;
            self.answered += 1;
        }
        self.answered == self.batches.len()
    }

    /// Bytes read so far by all the workers.
    pub fn done(&self) -> u64 {
        self.finished + self.reading.iter().flatten().map(|(_, read)| read).sum::<u64>()
    }

    /// Bytes of tensor data to read in all (the analysed tensors' bytes).
    pub fn total(&self) -> u64 {
        self.total
    }
}

/// One tensor's row outcome as a pool worker sends it to the worker that merges them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PartOutcome {
    pub tensor: String,
    pub outcome: Outcome,
}

/// A pool worker's side: the rows' outcomes of the tensors `tensors` (a batch of [`Schedule`]), each
/// read and analysed as `quantscope_weights::model_table::table` does it for the whole file (a
/// tensor the core refuses is a skipped row; a file error ends the batch). `progress(bytes read of
/// the batch, tensor)` after every chunk read; `Break` cancels.
pub fn analyse_batch<S: Source>(
    archive: &mut Archive<S>,
    tensors: &[String],
    options: &TableOptions,
    progress: &mut dyn FnMut(u64, &str) -> ControlFlow<()>,
) -> Result<Vec<PartOutcome>, Error> {
    let mut outcomes = Vec::with_capacity(tensors.len());
    let mut before = 0;
    for name in tensors {
        let one = TableOptions { tensor: Some(name.clone()), ..options.clone() };
        let mut read = 0;
        let rows = model_table::table(archive, &one, &mut |p: Progress| {
            read = p.done;
            progress(before + p.done, p.tensor)
        })?;
        before += read;
        // One tensor asked for: one row (the name was listed, or `table` failed above).
        for row in rows {
            outcomes.push(PartOutcome { tensor: row.info.name, outcome: row.outcome });
        }
    }
    Ok(outcomes)
}

/// The merging worker's side: the model-wide table of the file listed as `infos` from every
/// tensor's outcome (the parts, in any order): the rows in file order, then sorted by
/// [`model_table::sort`], as `table` builds them. A tensor without an outcome, or one not in the
/// file, is an error (a worker's answer went missing).
pub fn merge(infos: &[TensorInfo], parts: impl IntoIterator<Item = PartOutcome>) -> Result<Vec<Row>, String> {
    let mut outcomes: HashMap<String, Outcome> = HashMap::new();
    for part in parts {
        if infos.iter().all(|i| i.name != part.tensor) {
            return Err(format!("a worker answered for tensor `{}`, which is not in the file", part.tensor));
        }
        outcomes.insert(part.tensor, part.outcome);
    }
    let mut rows = Vec::with_capacity(infos.len());
    for info in infos {
        let outcome = outcomes.remove(&info.name).ok_or_else(|| format!("no worker answered for tensor `{}`", info.name))?;
        rows.push(Row { info: info.clone(), outcome });
    }
    model_table::sort(&mut rows);
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(name: &str, elements: u64, bytes_per_value: u64, analysable: bool) -> TensorView {
        TensorView {
            name: name.into(),
            dtype: "BF16".into(),
            shape: vec![elements],
            elements,
            bytes: elements * bytes_per_value,
            not_analysable: (!analysable).then(|| "integer data".into()),
            note: None,
        }
    }

    const MB: u64 = 1 << 20;

    /// The llama-shaped benchmark file's sizes (bench/make_llama.py), BF16.
    fn llama() -> Vec<TensorView> {
        let mut t = vec![view("embed", 16576 * 2048, 2, true)];
        for layer in 0..3 {
            for p in ["q", "k", "v", "o"] {
                t.push(view(&format!("{layer}.{p}"), 2048 * 2048, 2, true));
            }
            t.push(view(&format!("{layer}.inv_freq"), 64, 2, true));
            for p in ["gate", "up", "down"] {
                t.push(view(&format!("{layer}.{p}"), 5632 * 2048, 2, true));
            }
            t.push(view(&format!("{layer}.in_norm"), 2048, 2, true));
            t.push(view(&format!("{layer}.post_norm"), 2048, 2, true));
        }
        t.push(view("norm", 2048, 2, true));
        t.push(view("lm_head", 16576 * 2048, 2, true));
        t
    }

    #[test]
    fn one_worker_per_core_within_the_caps() {
        let t = llama();
        let file = 444_104_768;
        assert_eq!(worker_count(1, &t, file), 1);
        assert_eq!(worker_count(2, &t, file), 2);
        assert_eq!(worker_count(4, &t, file), 4);
        // 16 cores: capped by memory (the 8 largest tensors as float32 would be 1.5x the file).
        let n = worker_count(16, &t, file);
        assert!((4..MAX_WORKERS).contains(&n), "{n}");
        let mut loaded: Vec<u64> = t.iter().map(loaded_bytes).collect();
        loaded.sort_unstable_by(|a, b| b.cmp(a));
        assert!(loaded[..n].iter().sum::<u64>() <= file);
        assert!(loaded[..n + 1].iter().sum::<u64>() > file);
        // 0 cores reported (an old browser): one.
        assert_eq!(worker_count(0, &t, file), 1);
    }

    #[test]
    fn small_files_and_single_tensors_stay_on_one_worker() {
        // 10 MiB of data: not worth a second worker.
        let small = vec![view("a", 5 * MB / 4, 4, true), view("b", 5 * MB / 4, 4, true)];
        assert_eq!(worker_count(8, &small, 10 * MB), 1);
        // One big tensor: one worker, whatever the cores.
        assert_eq!(worker_count(8, &[view("w", 100 * MB, 4, true)], 400 * MB), 1);
        // Two equal BF16 tensors: both as float32 are twice the file; one worker keeps within it.
        let bf16 = vec![view("a", 50 * MB, 2, true), view("b", 50 * MB, 2, true)];
        assert_eq!(worker_count(8, &bf16, 200 * MB), 1);
        // The same as float32: each worker holds what the file holds; two.
        let f32s = vec![view("a", 50 * MB, 4, true), view("b", 50 * MB, 4, true)];
        assert_eq!(worker_count(8, &f32s, 400 * MB), 2);
        // Not analysable tensors do not count.
        let ints = vec![view("a", 50 * MB, 4, true), view("q", 50 * MB, 4, false)];
        assert_eq!(worker_count(8, &ints, 400 * MB), 1);
        assert_eq!(worker_count(8, &[], 0), 1);
    }

    #[test]
    fn batches_go_largest_first_to_whichever_worker_is_free_and_progress_sums() {
        let t = llama();
        let mut s = Schedule::new(&t, 2);
        assert_eq!(s.total(), t.iter().map(|t| t.bytes).sum::<u64>());
        assert_eq!(s.workers(), 2);
        // The two embeddings first, then the nine MLP weights, the twelve attention weights, and
        // the eleven small tensors together.
        assert_eq!(s.batches(), 2 + 9 + 12 + 1);
        assert_eq!(s.next(0), Some(vec!["embed".to_string()]));
        assert_eq!(s.next(1), Some(vec!["lm_head".to_string()]));
        assert_eq!(s.read(0, 1000), 1000);
        assert_eq!(s.read(1, 500), 1500);
        // Read counts never pass a batch's size.
        assert_eq!(s.read(1, u64::MAX), 1000 + t[32].bytes);
        assert!(!s.answered(1));
        assert_eq!(s.done(), 1000 + t[32].bytes);
        assert_eq!(s.next(1), Some(vec!["0.gate".to_string()]));
        assert_eq!(s.done(), 1000 + t[32].bytes);
        // The workers answer in turn until every batch is out and answered.
        let mut handed = vec!["embed".to_string(), "lm_head".to_string(), "0.gate".to_string()];
        let mut worker = 0;
        while !s.answered(worker) {
            assert!(s.done() < s.total(), "every byte counted before every batch was answered");
            handed.extend(s.next(worker).unwrap_or_default());
            worker = 1 - worker;
        }
        assert_eq!(s.done(), s.total());
        assert_eq!(s.next(0), None);
        // Every tensor handed out once.
        let mut names: Vec<String> = t.iter().map(|t| t.name.clone()).collect();
        names.sort();
        handed.sort();
        assert_eq!(handed, names);
    }

    #[test]
    fn small_tensors_are_batched_up_to_the_batch_size() {
        let t: Vec<TensorView> = (0..10).map(|i| view(&format!("t{i}"), MB / 2, 4, i != 3)).collect();
        let mut s = Schedule::new(&t, 3);
        // 2 MiB each, 4 MiB a batch: t0,t1 / t2,t4 / ... and the not analysable t3 (0 bytes) last.
        let batches: Vec<Vec<String>> = std::iter::from_fn(|| s.next(0)).collect();
        assert_eq!(batches[0], ["t0", "t1"]);
        assert_eq!(batches[1], ["t2", "t4"]);
        assert_eq!(batches.last().unwrap().last().unwrap(), "t3");
        assert_eq!(batches.iter().map(Vec::len).sum::<usize>(), 10);
        assert_eq!(s.total(), 9 * 2 * MB);
    }
}
