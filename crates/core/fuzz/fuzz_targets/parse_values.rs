//! Any text into the flat value-list parser and the range parser.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Err(e) = quantscope_core::parse::parse_values(text, "v") {
        assert!(e.line >= 1 && e.column >= 1);
    }
    if let Ok(r) = quantscope_core::parse::parse_range(text) {
        assert!(r.min <= r.max);
    }
});
