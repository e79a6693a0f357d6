//! The real test files with bytes overwritten: the first input byte picks the file, each following
//! (offset, offset, value) triple overwrites one byte. Reaches deep into valid npz/zip and
//! safetensors structure that random bytes rarely form. Never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

const FILES: [&[u8]; 5] = [
    include_bytes!("../../tests/data/model.safetensors"),
    include_bytes!("../../tests/data/weights.npz"),
    include_bytes!("../../tests/data/weights_compressed.npz"),
    include_bytes!("../../tests/data/single.npy"),
    include_bytes!("../../tests/data/single_f16.npy"),
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, patches)) = data.split_first() else { return };
    let mut file = FILES[pick as usize % FILES.len()].to_vec();
    for p in patches.chunks_exact(3) {
        let at = u16::from_le_bytes([p[0], p[1]]) as usize;
        // Offsets past the end truncate the file there instead.
        if at < file.len() {
            file[at] = p[2];
        } else if p[2] == 0xff {
            file.truncate(at % (file.len() + 1));
        }
    }
    common::exercise(file);
});
