//! The page's side: starts the worker, posts requests (with the `File`, for the Files tool), hands
//! replies to a callback.
//! Requests made before the worker's wasm is running wait in a queue until it says `Ready`.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{File, MessageEvent, Worker};

use super::protocol::{json_message, read_json_message, JsBytes, Reply, Request};

/// The worker's script: Trunk's loader shim for `data-bin="worker"` (unhashed: a worker's name is
/// fixed at run time), next to index.html.
pub const WORKER_URL: &str = "./worker_loader.js";

/// A worker whose wasm memory grew past this is let go once it has answered everything asked of
/// it: wasm memory never shrinks, so it would hold a big tensor's size for the page's lifetime.
pub const KEEP_MEMORY_BYTES: f64 = 128.0 * 1024.0 * 1024.0;

/// A reply: `[json]`, or `[json, bytes]` (an export file beside the `File` JSON, a pool worker's
/// outcomes beside the `Analysed` JSON, the charts' sample beside the `Text` JSON), the JSON as
/// bytes ([`json_message`]).
fn read_reply(data: JsValue) -> Option<Reply> {
    let parts: web_sys::js_sys::Array = data.dyn_into().ok()?;
    let mut reply: Reply = read_json_message(&parts.get(0))?;
    if let Reply::File { bytes, .. } | Reply::Analysed { outcomes: bytes, .. } | Reply::Text { sample: bytes, .. } = &mut reply {
        *bytes = JsBytes(parts.get(1).dyn_into().ok());
    }
    Some(reply)
}

struct Running {
    worker: Worker,
    ready: bool,
    /// Failed (panic, out of memory) or let go: replaced on the next request.
    dead: bool,
    /// Requests posted and not answered yet.
    pending: usize,
    /// Its memory grew past [`KEEP_MEMORY_BYTES`]: let go once `pending` is 0 (a request queued
    /// behind the big analysis, such as its PDF, is answered first).
    fat: bool,
    queue: Vec<JsValue>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

/// One worker at a time, started on the first request and after a cancel.
pub struct FilesWorker {
    running: Rc<RefCell<Option<Running>>>,
    on_reply: Rc<dyn Fn(Reply)>,
    next_job: u32,
}

impl FilesWorker {
    pub fn new(on_reply: impl Fn(Reply) + 'static) -> Self {
        FilesWorker { running: Rc::new(RefCell::new(None)), on_reply: Rc::new(on_reply), next_job: 0 }
    }

    /// A number for the next request (replies carry it; older jobs' replies can be ignored).
    pub fn job(&mut self) -> u32 {
        self.next_job += 1;
        self.next_job
    }

    fn start(&self) -> Result<Running, String> {
        let worker = Worker::new(WORKER_URL).map_err(|e| format!("cannot start the worker: {e:?}"))?;
        let running = Rc::downgrade(&self.running);
        let on_reply = self.on_reply.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
            let Some(reply) = read_reply(ev.data()) else {
                return;
            };
            if reply == Reply::Ready {
                if let Some(cell) = running.upgrade() {
                    if let Some(r) = cell.borrow_mut().as_mut() {
                        r.ready = true;
                        for message in r.queue.drain(..) {
                            let _ = r.worker.post_message(&message);
                        }
                    }
                }
                return;
            }
            if let Some(cell) = running.upgrade() {
                if let Some(r) = cell.borrow_mut().as_mut() {
                    if let Reply::Done { memory_bytes, .. } = &reply {
                        r.fat |= *memory_bytes > KEEP_MEMORY_BYTES;
                    }
                    if !matches!(reply, Reply::Progress { .. }) {
                        r.pending = r.pending.saturating_sub(1);
                    }
                    if r.fat && r.pending == 0 {
                        r.worker.terminate();
                        r.dead = true;
                    }
                }
            }
            on_reply(reply);
        });
        let on_reply = self.on_reply.clone();
        let running = Rc::downgrade(&self.running);
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |ev: web_sys::Event| {
            let message = ev.dyn_ref::<web_sys::ErrorEvent>().map(|e| e.message()).unwrap_or_else(|| "the worker failed".into());
            // The worker is gone (a panic, out of memory): the next request starts a new one.
            if let Some(cell) = running.upgrade() {
                if let Some(r) = cell.borrow_mut().as_mut() {
                    r.worker.terminate();
                    r.dead = true;
                }
            }
            on_reply(Reply::Failed { job: 0, message: format!("the analysis stopped: {message}") });
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(Running {
            worker,
            ready: false,
            dead: false,
            pending: 0,
            fat: false,
            queue: Vec::new(),
            _on_message: on_message,
            _on_error: on_error,
        })
    }

    /// Posts `request` with `file`.
    pub fn send(&self, request: &Request, file: &File) -> Result<(), String> {
        self.post(request, Some(file), &[])
    }

    /// Posts `request` alone (the large-input jobs: the text is in the request's form).
    pub fn send_alone(&self, request: &Request) -> Result<(), String> {
        self.post(request, None, &[])
    }

    /// Posts `request` with `parts` after it (a large input's text, for `Text`).
    pub fn send_with_parts(&self, request: &Request, parts: &[JsValue]) -> Result<(), String> {
        self.post(request, None, parts)
    }

    /// Posts `request` with `file` and `extra` after it (the pool's outcomes, for `Merge`).
    pub fn send_with(&self, request: &Request, file: &File, extra: &[JsValue]) -> Result<(), String> {
        self.post(request, Some(file), extra)
    }

    /// Starts the worker now if none runs, so that its wasm is compiled and running before the
    /// first request (a pool's workers, while the user picks the options).
    pub fn warm(&self) -> Result<(), String> {
        self.slot().map(|_| ())
    }

    /// The running worker, started if there is none (or it failed or was let go).
    fn slot(&self) -> Result<std::cell::RefMut<'_, Running>, String> {
        let mut slot = self.running.borrow_mut();
        if slot.as_ref().is_none_or(|r| r.dead) {
            *slot = Some(self.start()?);
        }
        std::cell::RefMut::filter_map(slot, Option::as_mut).map_err(|_| "the worker did not start".to_string())
    }

    fn post(&self, request: &Request, file: Option<&File>, extra: &[JsValue]) -> Result<(), String> {
        let json = json_message(request).ok_or("the request could not be written")?;
        let message = web_sys::js_sys::Array::of1(&json);
        if let Some(file) = file {
            message.push(file);
        }
        for part in extra {
            message.push(part);
        }
        let message: JsValue = message.into();
        let mut running = self.slot()?;
        if running.ready {
            running.worker.post_message(&message).map_err(|e| format!("{e:?}"))?;
        } else {
            running.queue.push(message);
        }
        running.pending += 1;
        Ok(())
    }

    /// Whether the worker that answered the last requests still runs, with what it keeps (not
    /// failed, cancelled or let go for its memory).
    pub fn alive(&self) -> bool {
        self.running.borrow().as_ref().is_some_and(|r| !r.dead)
    }

    /// Stops whatever the worker is doing, at once (it is terminated; the next request starts a
    /// new one).
    pub fn cancel(&self) {
        if let Some(running) = self.running.borrow_mut().take() {
            // Detached first: a message it posted before it was terminated may still be queued on
            // the page, and must not reach the closures dropped here (a pool cancels several
            // workers that all post progress).
            running.worker.set_onmessage(None);
            running.worker.set_onerror(None);
            running.worker.terminate();
        }
    }
}

impl Drop for FilesWorker {
    fn drop(&mut self) {
        self.cancel();
    }
}
