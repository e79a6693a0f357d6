//! Any text as a .safetensors JSON header (then the rest as data). Never a panic; and whenever
//! quantscope accepts a file whose dtypes the safetensors crate knows, the crate accepts it too
//! and agrees on every tensor's shape and bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let split = data.iter().position(|&b| b == 0).unwrap_or(data.len());
    let (json, rest) = data.split_at(split);
    let mut file = (json.len() as u64).to_le_bytes().to_vec();
    file.extend(json);
    file.extend(rest.iter().skip(1));
    if let Ok(archive) = quantscope_weights::Archive::open(file.clone(), "x") {
        let known = archive.tensors().iter().all(|t| !t.not_analysable.as_deref().unwrap_or("").starts_with("unknown dtype"));
        if known {
            let theirs = safetensors::SafeTensors::deserialize(&file).expect("the crate refuses a file quantscope accepts");
            for t in archive.tensors() {
                let view = theirs.tensor(&t.name).expect("the crate lacks a tensor");
                assert_eq!(view.shape().iter().map(|&d| d as u64).collect::<Vec<_>>(), t.shape);
                assert_eq!(view.data().len() as u64, t.bytes);
            }
        }
    }
    common::exercise(file);
});
