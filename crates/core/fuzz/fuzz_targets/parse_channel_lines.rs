//! Any text into the `channel,min,max,sample` parser, in both modes.
#![no_main]
use libfuzzer_sys::fuzz_target;
use quantscope_core::parse::{parse_channel_lines, LineMode};

fuzz_target!(|text: &str| {
    for mode in [LineMode::MinMax, LineMode::Manual] {
        if let Err(e) = parse_channel_lines(text, mode, "t") {
            assert!(e.line >= 1 && e.column >= 1);
        }
    }
});
