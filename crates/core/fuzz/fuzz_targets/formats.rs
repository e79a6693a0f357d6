//! Formats chosen by the fuzzer on text or raw float32 bits: a result or an error, never a panic.
//! The token (any text) goes through `Format::from_str`; a valid one quantizes the parsed rows
//! (text) and the raw matrix (bits, NaN/inf/subnormals included), full path and streaming.
#![no_main]
use libfuzzer_sys::fuzz_target;
use quantscope_core::format::{self, FloatElement, Format, FormatKnobs, IntBits, Preset, Scope};
use quantscope_core::parse::parse_tensor;
use quantscope_core::Scheme;

fn chosen(a: u8, b: u8, group: u16) -> Format {
    let scope = match b % 3 {
        0 => Scope::Tensor,
        1 => Scope::Channel,
        _ => Scope::Group(group as usize % 300 + 1),
    };
    match a % 3 {
        0 => Format::Preset(Preset::ALL[(b as usize / 3) % Preset::ALL.len()]),
        1 => Format::Float { element: FloatElement::ALL[(b as usize / 3) % 5], scope },
        _ => Format::Int {
            bits: if b & 64 == 0 { IntBits::Int4 } else { IntBits::Int8 },
            scheme: if b & 128 == 0 { Scheme::Symmetric } else { Scheme::Affine },
            scope,
        },
    }
}

fuzz_target!(|input: (u8, u8, u16, u8, &str, Vec<u32>)| {
    let (a, b, group, cols, text, bits) = input;
    let _ = text.parse::<Format>();
    let _ = FormatKnobs { preset: Some(text.into()), dtype: Some(text.into()), ..FormatKnobs::default() }.resolve();
    let f = chosen(a, b, group);
    assert_eq!(f.to_string().parse::<Format>().ok(), Some(f));
    if let Ok(parsed) = parse_tensor(text, "t") {
        if let Ok(rows) = format::f32_rows(&parsed) {
            let slices: Vec<&[f32]> = rows.iter().map(Vec::as_slice).collect();
            let _ = format::quantize_rows(&f, &slices);
        }
    }
    let data: Vec<f32> = bits.iter().map(|b| f32::from_bits(*b)).collect();
    let cols = (cols as usize).min(data.len());
    let rows = data.len().checked_div(cols).unwrap_or(0);
    let data = &data[..rows * cols];
    let _ = format::quantize(&f, data, rows, cols);
    let _ = format::compare_rows(&[f, Format::Preset(Preset::Nvfp4)], data, rows, cols);
});
