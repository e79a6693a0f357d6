//! The *Compare formats* view's worker: the same `worker` binary as the Files tool's, started on
//! the first request and after a cancel, asked [`CompareRequest`]s (the files of the model posted
//! beside a `Compare`), its [`CompareReply`]s handed to a callback. Requests made before its wasm
//! runs wait in a queue until it says `Ready`.

use std::cell::RefCell;
use std::rc::Rc;

use quantscope_app::compare::{CompareReply, CompareRequest};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{File, MessageEvent, Worker};

use crate::worker::client::WORKER_URL;
use crate::worker::protocol::{read_json_message, JsBytes};

/// A reply as the page holds it: a PDF's bytes beside it, in the JS heap.
pub type Reply = CompareReply<JsBytes>;

/// A reply: its JSON, or `[json, bytes]` (the PDF beside its JSON).
fn read_reply(data: JsValue) -> Option<Reply> {
    if data.as_string().is_some() {
        return read_json_message(&data);
    }
    // `[json, bytes?]`; the worker's `Ready` comes as its other messages do (`[bytes of json]`).
    let parts: web_sys::js_sys::Array = data.dyn_into().ok()?;
    let mut reply: Reply = read_json_message(&parts.get(0))?;
    if let CompareReply::Pdf { bytes, .. } = &mut reply {
        *bytes = JsBytes(parts.get(1).dyn_into().ok());
    }
    Some(reply)
}

struct Running {
    worker: Worker,
    ready: bool,
    dead: bool,
    queue: Vec<JsValue>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

/// One worker at a time.
pub struct CompareWorker {
    running: Rc<RefCell<Option<Running>>>,
    on_reply: Rc<dyn Fn(Reply)>,
    next_job: u32,
}

impl CompareWorker {
    pub fn new(on_reply: impl Fn(Reply) + 'static) -> Self {
        CompareWorker { running: Rc::new(RefCell::new(None)), on_reply: Rc::new(on_reply), next_job: 0 }
    }

    /// A number for the next request.
    pub fn job(&mut self) -> u32 {
        self.next_job += 1;
        self.next_job
    }

    fn start(&self) -> Result<Running, String> {
        let worker = Worker::new(WORKER_URL).map_err(|e| format!("cannot start the worker: {e:?}"))?;
        let running = Rc::downgrade(&self.running);
        let on_reply = self.on_reply.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
            let Some(reply) = read_reply(ev.data()) else { return };
            if reply == CompareReply::Ready {
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
            on_reply(reply);
        });
        let on_reply = self.on_reply.clone();
        let running = Rc::downgrade(&self.running);
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |ev: web_sys::Event| {
            let message = ev.dyn_ref::<web_sys::ErrorEvent>().map(|e| e.message()).unwrap_or_else(|| "the worker failed".into());
            if let Some(cell) = running.upgrade() {
                if let Some(r) = cell.borrow_mut().as_mut() {
                    r.worker.terminate();
                    r.dead = true;
                }
            }
            on_reply(CompareReply::Failed { job: 0, message: format!("the comparison stopped: {message}") });
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(Running { worker, ready: false, dead: false, queue: Vec::new(), _on_message: on_message, _on_error: on_error })
    }

    /// Posts `request` with `files` beside it.
    pub fn send(&self, request: &CompareRequest, files: &[File]) -> Result<(), String> {
        let json = serde_json::to_string(request).map_err(|e| e.to_string())?;
        let message = web_sys::js_sys::Array::of1(&JsValue::from_str(&json));
        for file in files {
            message.push(file);
        }
        let message: JsValue = message.into();
        let mut slot = self.running.borrow_mut();
        if slot.as_ref().is_none_or(|r| r.dead) {
            *slot = Some(self.start()?);
        }
        let Some(running) = slot.as_mut() else { return Err("the worker did not start".into()) };
        if running.ready {
            running.worker.post_message(&message).map_err(|e| format!("{e:?}"))?;
        } else {
            running.queue.push(message);
        }
        Ok(())
    }

    /// Stops whatever the worker is doing, at once (the next request starts a new one).
    pub fn cancel(&self) {
        if let Some(running) = self.running.borrow_mut().take() {
            running.worker.terminate();
        }
    }
}

impl Drop for CompareWorker {
    fn drop(&mut self) {
        self.cancel();
    }
}
