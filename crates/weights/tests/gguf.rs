//! The GGUF reader on a file written by gguf-py 0.19.0 (`tests/data/make_gguf.py`): every tensor
//! listed as gguf-py's reader lists it, float tensors read back bit for bit (against the same
//! values saved by NumPy), quantized ones listed with their bits per weight; damaged files refused
//! with a located message and never a panic.

use quantscope_weights::gguf::{self, Error, Gguf};
use quantscope_weights::{Archive, Element};
use std::path::Path;

fn bytes(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)).unwrap()
}

#[test]
fn lists_what_gguf_py_lists() {
    let g = Gguf::open(bytes("tiny.gguf")).unwrap();
    assert_eq!((g.version, g.alignment, g.architecture.as_deref()), (3, 64, Some("llama")));
    let listed: Vec<(&str, &str, Vec<u64>, u64, u64)> =
        g.tensors().iter().map(|t| (t.name.as_str(), t.ggml_type.name, t.shape.clone(), t.offset, t.bytes)).collect();
    // gguf-py's GGUFReader: name, type, shape (ne reversed), data_offset, n_bytes.
    assert_eq!(
        listed,
        [
            ("token_embd.weight", "f32", vec![8, 64], 896, 2048),
            ("blk.0.attn_q.weight", "f16", vec![4, 64], 2944, 512),
            ("blk.0.attn_norm.weight", "f32", vec![64], 3456, 256),
            ("blk.0.ffn_down.weight", "bf16", vec![2, 96], 3712, 384),
            ("blk.0.attn_k.weight", "q4_0", vec![2, 64], 4096, 72),
            ("blk.0.attn_v.weight", "q4_k", vec![2, 256], 4224, 288),
        ]
    );
    let bpw: Vec<f64> = g.tensors().iter().map(|t| t.ggml_type.bits_per_weight()).collect();
    assert_eq!(bpw, [32.0, 16.0, 32.0, 16.0, 4.5, 4.5]);
    assert_eq!(g.tensors()[1].element(), Some(Element::F16));
    assert_eq!(g.tensors()[4].element(), None);
}

#[test]
fn float_tensors_read_back_bit_for_bit() {
    let mut g = Gguf::open(bytes("tiny.gguf")).unwrap();
    let mut npz = Archive::open(bytes("tiny_floats.npz"), "x").unwrap();
    for name in ["token_embd.weight", "blk.0.attn_q.weight", "blk.0.attn_norm.weight", "blk.0.ffn_down.weight"] {
        let ours = g.load(name).unwrap();
        let numpy = npz.load(name, 0).unwrap();
        let numpy: Vec<u32> = (0..numpy.len()).map(|i| (numpy.data.get(i) as f32).to_bits()).collect();
        assert_eq!(ours.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), numpy, "{name}");
    }
    let e = g.load("blk.0.attn_v.weight").unwrap_err();
    assert!(e.to_string().contains("q4_k (4.5 bits per weight) is not a float type"), "{e}");
    assert!(g.load("nope").is_err());
    // Cancelling stops the load.
    let e = g.load_with_progress("token_embd.weight", &mut |_, _| std::ops::ControlFlow::Break(())).unwrap_err();
    assert_eq!(e, Error::Cancelled);
}

#[test]
fn every_truncation_is_refused() {
    let file = bytes("tiny.gguf");
    // The last tensor's data ends at 4512; gguf-py pads the file to the alignment after it.
    for len in 0..4512 {
        let e = Gguf::open(file[..len].to_vec()).err();
        assert!(e.is_some(), "a file cut at {len} bytes was accepted");
    }
    let e = Gguf::open(file[..4300].to_vec()).err().unwrap();
    assert_eq!(
        e.to_string(),
        "tensor `blk.0.attn_v.weight`: its 288 bytes at data offset 3328 reach past the end of the file (3404 bytes of data)"
    );
}

/// Writes a GGUF header by hand: (name, ne, type, offset) entries and no metadata.
fn handmade(version: u32, tensors: &[(&str, &[u64], u32, u64)], data: usize) -> Vec<u8> {
    let mut f = b"GGUF".to_vec();
    f.extend(version.to_le_bytes());
    f.extend((tensors.len() as u64).to_le_bytes());
    f.extend(0u64.to_le_bytes());
    for (name, ne, ty, offset) in tensors {
        f.extend((name.len() as u64).to_le_bytes());
        f.extend(name.as_bytes());
        f.extend((ne.len() as u32).to_le_bytes());
        for d in *ne {
            f.extend(d.to_le_bytes());
        }
        f.extend(ty.to_le_bytes());
        f.extend(offset.to_le_bytes());
    }
    f.resize(f.len().div_ceil(32) * 32 + data, 0);
    f
}

#[test]
fn bad_headers_are_located() {
    let ok = handmade(3, &[("w", &[32, 2], 0, 0)], 256);
    assert_eq!(Gguf::open(ok).unwrap().tensors()[0].shape, [2, 32]);
    let cases: [(Vec<u8>, &str); 8] = [
        (b"GGML\x03\0\0\0".to_vec(), "not a GGUF file: it starts with GGML"),
        (handmade(1, &[], 0), "GGUF version 1 is not supported (expected 2 or 3)"),
        (handmade(3, &[("w", &[32, 2], 77, 0)], 256), "byte 53: type of tensor `w`: found 77, expected a ggml type id"),
        (handmade(3, &[("w", &[1, 1, 1, 1, 1], 0, 0)], 256), "byte 33: dimension count of tensor `w`: found 5, expected at most 4"),
        (handmade(3, &[("w", &[33, 2], 2, 0)], 256), "tensor `w`: its row of 33 values is not a multiple of q4_0's block of 32"),
        (handmade(3, &[("w", &[32, 2], 0, 8)], 256), "tensor `w`: its data offset 8 is not a multiple of the alignment 32"),
        (handmade(3, &[("w", &[u64::MAX, 2], 0, 0)], 256), "tensor `w`: the dimensions [18446744073709551615, 2] overflow"),
        (handmade(3, &[("w", &[32], 0, 0), ("w", &[32], 0, 128)], 256), "tensor `w`: the name appears twice"),
    ];
    for (file, expected) in cases {
        let e = Gguf::open(file).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.starts_with(expected), "{e:?} does not start with {expected:?}");
    }
    // A count that the file cannot hold is refused before anything is allocated.
    let mut huge = handmade(3, &[], 0);
    huge[8..16].copy_from_slice(&u64::MAX.to_le_bytes());
    let e = Gguf::open(huge).err().unwrap().to_string();
    assert!(e.starts_with("byte 8: tensor count: found 18446744073709551615, expected at most"), "{e}");
}

#[test]
fn damaged_files_never_panic() {
    let file = bytes("tiny.gguf");
    // A fixed pseudo-random sequence of single-byte and 8-byte overwrites over the header.
    let mut state = 0x9e3779b97f4a7c15u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..3000 {
        let mut f = file.clone();
        let at = (next() % 900) as usize;
        if next() % 2 == 0 {
            f[at] = next() as u8;
        } else {
            let end = (at + 8).min(f.len());
            f[at..end].copy_from_slice(&next().to_le_bytes()[..end - at]);
        }
        if let Ok(mut g) = Gguf::open(f) {
            let names: Vec<String> = g.tensors().iter().map(|t| t.name.clone()).collect();
            for name in names {
                if let Ok(values) = g.load(&name) {
                    assert_eq!(values.len() as u64, g.info(&name).unwrap().elements);
                }
            }
        }
    }
    assert!(gguf::is_gguf(&file));
}
