//! The page's side of the Files tool's pool ([`quantscope_app::pool`]): a model-wide analysis
//! split over several workers, one per core. Each worker gets the `File` (a handle) and a batch of
//! tensors, reads them by slices and answers with their outcomes; the next batch goes to whichever
//! worker answers first. The page sums their progress and, once every batch is answered, hands the
//! outcomes (as the workers wrote them, never read by the page) to the merging worker, which makes
//! and keeps the table as a single worker would have ([`PoolEvent::Parts`]).
//!
//! Cancel terminates every worker of the pool at once. A worker whose memory grew past
//! [`KEEP_MEMORY_BYTES`] (it held a big tensor) is let go when the pool's job ends.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use quantscope_app::pool::Schedule;
use quantscope_core::calibrate::Calibration;
use quantscope_core::SpecOptions;
use wasm_bindgen::JsValue;
use web_sys::File;

use super::client::{FilesWorker, KEEP_MEMORY_BYTES};
use super::protocol::{Reply, Request};

/// What the pool tells the page about its job.
pub enum PoolEvent {
    /// `done` of `total` bytes read by all the workers; `tensor` is one being read.
    Progress { job: u32, done: u64, total: u64, tensor: String },
    /// Every batch answered: each worker's outcomes (the bytes it posted, for `Request::Merge`),
    /// the last batch's time from its last byte read to its outcomes, and the workers' memory.
    Parts { job: u32, parts: Vec<JsValue>, compute_ms: f64, memory_bytes: f64 },
    /// A worker failed or refused the file (the message names the file and the tensor); the
    /// other workers were stopped.
    Failed { job: u32, message: String },
}

/// The options of every batch's `AnalyseSome` request.
#[derive(Clone, Debug)]
pub struct BatchOptions {
    pub axis: usize,
    pub spec: SpecOptions,
    pub calibration: Calibration,
    pub worst: usize,
    /// A format's token: every tensor in that format (`Request::Analyse`'s `format`).
    pub format: Option<String>,
}

/// A job of the pool: what is handed out, and what came back.
struct Job {
    job: u32,
    file: File,
    options: BatchOptions,
    schedule: Schedule,
    parts: Vec<JsValue>,
    /// Each worker's wasm memory, as it last reported it.
    memory: Vec<f64>,
    compute_ms: f64,
}

struct Shared {
    workers: RefCell<Vec<FilesWorker>>,
    job: RefCell<Option<Job>>,
    on_event: Box<dyn Fn(PoolEvent)>,
}

/// The pool's workers (started on demand, kept between jobs unless they grew big).
pub struct FilesPool {
    shared: Rc<Shared>,
}

impl FilesPool {
    pub fn new(on_event: impl Fn(PoolEvent) + 'static) -> Self {
        FilesPool { shared: Rc::new(Shared { workers: RefCell::new(Vec::new()), job: RefCell::new(None), on_event: Box::new(on_event) }) }
    }

    /// The machine's logical cores (`navigator.hardwareConcurrency`; 1 when unknown).
    pub fn cores() -> usize {
        let cores = web_sys::window().map_or(1.0, |w| w.navigator().hardware_concurrency());
        if cores.is_finite() && cores >= 1.0 {
            cores as usize
        } else {
            1
        }
    }

    /// At least `n` workers, their wasm started now (before a job needs them).
    pub fn warm(&self, n: usize) {
        let workers = self.workers(n);
        for worker in workers.iter().take(n) {
            let _ = worker.warm();
        }
    }

    /// At least `n` workers in the pool; each one's replies come back to the pool with its index.
    fn workers(&self, n: usize) -> std::cell::Ref<'_, Vec<FilesWorker>> {
        {
            let mut workers = self.shared.workers.borrow_mut();
            while workers.len() < n {
                let index = workers.len();
                let shared = Rc::downgrade(&self.shared);
                workers.push(FilesWorker::new(move |reply| on_reply(&shared, index, reply)));
            }
        }
        self.shared.workers.borrow()
    }

    /// Analyses every tensor of `file` as `schedule` splits them (one batch to each of its workers
    /// now, the next as each answers); what comes back goes to `on_event`. A job still running is
    /// stopped first (its workers terminated); idle ones serve this job.
    pub fn run(&self, job: u32, file: &File, options: BatchOptions, mut schedule: Schedule) -> Result<(), String> {
        // Idle workers (started by `warm`) are kept: only a running job's are stopped.
        if self.shared.job.borrow().is_some() {
            self.cancel();
        }
        let n = schedule.workers();
        let first: Vec<(usize, Vec<String>)> = (0..n).filter_map(|w| schedule.next(w).map(|batch| (w, batch))).collect();
        *self.shared.job.borrow_mut() = Some(Job {
            job,
            file: file.clone(),
            options: options.clone(),
            schedule,
            parts: Vec::new(),
            memory: vec![0.0; n],
            compute_ms: 0.0,
        });
        let workers = self.workers(n);
        for (w, tensors) in first {
            if let Err(e) = workers[w].send(&batch_request(job, tensors, &options), file) {
                drop(workers);
                self.cancel();
                return Err(e);
            }
        }
        Ok(())
    }

    /// Stops the job, if any: every worker of the pool is terminated (new ones start on the next job).
    pub fn cancel(&self) {
        self.shared.job.borrow_mut().take();
        for worker in self.shared.workers.borrow().iter() {
            worker.cancel();
        }
    }
}

impl Drop for FilesPool {
    fn drop(&mut self) {
        self.cancel();
    }
}

fn batch_request(job: u32, tensors: Vec<String>, o: &BatchOptions) -> Request {
    Request::AnalyseSome {
        job,
        tensors,
        axis: o.axis,
        spec: o.spec.clone(),
        calibration: o.calibration,
        worst: o.worst,
        format: o.format.clone(),
    }
}

/// Worker `index`'s reply: its progress summed with the others', its outcomes kept and its next
/// batch sent, or its failure ending the job.
fn on_reply(shared: &Weak<Shared>, index: usize, reply: Reply) {
    let Some(shared) = shared.upgrade() else { return };
    let event = {
        let mut slot = shared.job.borrow_mut();
        let Some(job) = slot.as_mut() else { return };
        // Replies of an older job (a cancelled run) are dropped; job 0: the worker itself failed.
        if reply.job().is_some_and(|j| j != 0 && j != job.job) {
            return;
        }
        match reply {
            Reply::Progress { done, tensor, .. } => {
                let done = job.schedule.read(index, done);
                Some(PoolEvent::Progress { job: job.job, done, total: job.schedule.total(), tensor })
            }
            Reply::Analysed { outcomes, compute_ms, memory_bytes, .. } => {
                let Some(outcomes) = outcomes.0 else {
                    return fail(&shared, slot, "a worker sent no outcomes".into());
                };
                job.parts.push(outcomes.into());
                job.memory[index] = memory_bytes;
                job.compute_ms = compute_ms;
                if job.schedule.answered(index) {
                    let job = slot.take().expect("matched above");
                    let workers = shared.workers.borrow();
                    for (worker, memory) in workers.iter().zip(&job.memory) {
                        if *memory > KEEP_MEMORY_BYTES {
                            worker.cancel();
                        }
                    }
                    let memory_bytes = job.memory.iter().sum();
                    Some(PoolEvent::Parts { job: job.job, parts: job.parts, compute_ms: job.compute_ms, memory_bytes })
                } else {
                    if let Some(tensors) = job.schedule.next(index) {
                        let request = batch_request(job.job, tensors, &job.options);
                        let sent = shared.workers.borrow().get(index).map(|w| w.send(&request, &job.file));
                        if let Some(Err(e)) = sent {
                            return fail(&shared, slot, e);
                        }
                    }
                    // Its bytes count in the next progress message.
                    None
                }
            }
            Reply::Failed { message, .. } => return fail(&shared, slot, message),
            _ => None,
        }
    };
    if let Some(event) = event {
        (shared.on_event)(event);
    }
}

/// Ends the job held in `slot`: every worker stopped, the page told why.
fn fail(shared: &Shared, mut slot: std::cell::RefMut<'_, Option<Job>>, message: String) {
    let Some(job) = slot.take() else { return };
    drop(slot);
    for worker in shared.workers.borrow().iter() {
        worker.cancel();
    }
    (shared.on_event)(PoolEvent::Failed { job: job.job, message });
}
