//! # quantscope-app: the web app's logic, without the browser
//!
//! Everything the page (`quantscope-web`, `src/`) and its Web Worker (`src/bin/worker.rs`) share
//! that needs no browser API, so that `cargo test -p quantscope-app` runs it natively:
//!
//! - [`form`]: the form as typed (what localStorage keeps), the tools and the select choices;
//! - [`options`]: the form as the core's [`quantscope_core::tools::ToolOptions`], errors located in
//!   their field;
//! - [`results`]: a tool run on the form and its report as tables of typed cells (large inputs in
//!   [`results::large`], a weight file's charts in [`results::sampled`]);
//! - [`export`]: the files the Export section and the worker make from a report;
//! - [`flags`]: the one two-way mapping between the core's options and the command line's flags
//!   (the CLI parses with it, the page reads its form with it, the settings file writes with it);
//! - [`protocol`]: the messages between the page and the worker;
//! - [`pool`]: a model-wide analysis split over several workers, and its merge into one table;
//! - [`format_file`]: every tensor of a weight file in a block / float / lookup-table format.
//!
//! The page renders these; the worker serves them; neither imports the other.

pub mod compare;
pub mod export;
pub mod flags;
pub mod form;
pub mod format_file;
pub mod options;
pub mod pool;
pub mod protocol;
pub mod results;
