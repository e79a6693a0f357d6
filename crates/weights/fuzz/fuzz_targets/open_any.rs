//! Any bytes as a weight file: a listing and tensors, or an error; never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| common::exercise(data.to_vec()));
