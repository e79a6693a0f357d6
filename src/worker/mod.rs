//! The Files tool's Web Worker: the same Rust core as the page, in a second wasm entry point
//! (`src/bin/worker.rs`, built by Trunk as `worker.js` + `worker_bg.wasm` with the loader shim
//! `worker_loader.js`). The page posts a request and the `File` (a handle, not its bytes); the
//! worker reads the file by slices ([`blob_source::BlobSource`]), runs the model-wide table of
//! `quantscope_weights::model_table::table` (the one the CLI prints) and posts progress and the rows back as JSON.
//!
//! A model-wide analysis of a big file is split over a pool of workers, one per core
//! ([`pool::FilesPool`], `quantscope_app::pool`); the first worker merges their outcomes into the
//! table and keeps it.
//!
//! Cancel terminates the worker ([`client::FilesWorker::cancel`]): a synchronous analysis cannot
//! read a message until it returns, and terminating frees its memory at once. The next request
//! starts a fresh worker.

pub mod blob_source;
pub mod client;
pub mod compare;
pub mod pool;
pub mod protocol;
pub mod serve;
