//! Text and options chosen by the fuzzer through the channels, tensor and values tools: a report or an error, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use quantscope_core::tools::{self, ToolOptions};
use quantscope_core::{Convention, Dtype, Granularity, Rounding, Scheme};

fuzz_target!(|input: (u8, u8, u8, u8, &str)| {
    let (a, b, c, d, text) = input;
    let mut options = ToolOptions::default();
    options.spec.convention = Convention::ALL[(a % 4) as usize];
    options.spec.dtype = Dtype::new(b & 1 == 1, 2 + (b as u32 >> 1) % 15).unwrap();
    options.spec.scheme = if c & 1 == 0 { Scheme::Affine } else { Scheme::Symmetric };
    options.spec.reduce_range = c & 2 != 0;
    options.spec.rounding = Some(Rounding::ALL[(d % 7) as usize]);
    options.granularity = if c & 4 == 0 { Granularity::PerChannel } else { Granularity::PerTensor };
    options.axis = ((c >> 3) & 1) as usize;
    options.keep_values = c & 16 != 0;
    if c & 32 != 0 {
        options.range = "-1.5:2.5".into();
    }
    let _ = tools::channels(text, &options);
    let _ = tools::tensor(text, &options);
    let _ = tools::values(text, &options);
});
