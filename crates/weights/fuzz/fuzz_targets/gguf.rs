//! GGUF files: the first input byte picks raw bytes (after the magic and version 3) or the test
//! file tiny.gguf patched by (offset, offset, value) triples. Opening and loading every float
//! tensor never panics, and a loaded tensor has the elements its entry promised.
#![no_main]
use libfuzzer_sys::fuzz_target;
use quantscope_weights::gguf::Gguf;

const TINY: &[u8] = include_bytes!("../../tests/data/tiny.gguf");

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let file = if pick % 2 == 0 {
        let mut f = b"GGUF\x03\x00\x00\x00".to_vec();
        f.extend_from_slice(rest);
        f
    } else {
        let mut f = TINY.to_vec();
        for p in rest.chunks_exact(3) {
            let at = u16::from_le_bytes([p[0], p[1]]) as usize % f.len();
            f[at] = p[2];
        }
        f
    };
    let Ok(mut g) = Gguf::open(file) else { return };
    let listed = g.tensors().to_vec();
    for t in listed.iter().filter(|t| t.element().is_some()) {
        if let Ok(values) = g.load(&t.name) {
            assert_eq!(values.len() as u64, t.elements);
        }
    }
});
