//! Any text into the tensor parser: a tensor or a located error, never a panic; errors point inside the text.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    match quantscope_core::parse::parse_tensor(text, "t") {
        Ok(p) => assert_eq!(p.tensor.len(), p.tensor.decimals.as_ref().map_or(0, Vec::len)),
        Err(e) => assert!(e.line >= 1 && e.line <= text.split('\n').count() && e.column >= 1),
    }
});
