//! Any text as the dict of a version-1 .npy header (then the rest as data): never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let split = data.iter().position(|&b| b == b'\n').map_or(data.len(), |p| p + 1);
    let (dict, rest) = data.split_at(split);
    let mut file = b"\x93NUMPY\x01\x00".to_vec();
    file.extend((dict.len().min(u16::MAX as usize) as u16).to_le_bytes());
    file.extend(dict);
    file.extend(rest);
    common::exercise(file);
});
