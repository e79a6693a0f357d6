//! Sources that hold a file in memory (a byte slice, a memory-mapped file) are converted in place, in
//! rounds spread over threads; a `Read + Seek` source is copied in 1 MiB chunks. Both must give the
//! same bits for every dtype and byte order, report the same progress, and cancel the same way.

mod support;
use proptest::prelude::*;
use quantscope_core::Samples;
use quantscope_weights::{Archive, MappedFile, Problem, ReadSeekSource, Source};
use std::io::{Cursor, Write};
use std::ops::ControlFlow;
use support::{noise, safetensors};

/// A one-array `.npy` file of `descr` (`<f4`, `>f2`, ...) holding `data` as it is.
fn npy(descr: &str, elements: usize, data: &[u8]) -> Vec<u8> {
    let mut header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': ({elements},), }}");
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut file = b"\x93NUMPY\x01\x00".to_vec();
    file.extend_from_slice(&(header.len() as u16).to_le_bytes());
    file.extend_from_slice(header.as_bytes());
    file.extend_from_slice(data);
    file
}

/// The tensor's bits and the progress calls, loading tensor `name` from `source`.
fn load<S: Source>(source: S, name: &str) -> (Vec<u32>, Vec<(u64, u64)>) {
    let mut archive = Archive::open(source, name).unwrap();
    let mut seen = Vec::new();
    let tensor = archive
        .load_with_progress(name, 0, &mut |done, total| {
            seen.push((done, total));
            ControlFlow::Continue(())
        })
        .unwrap();
    match tensor.data {
        Samples::F32(v) => (v.into_iter().map(f32::to_bits).collect(), seen),
        Samples::F64(_) => panic!("files load as float32"),
    }
}

/// Bits from the in-place path (a `Vec<u8>` source) and from the chunked copy (a `Read + Seek`).
fn both(file: Vec<u8>, name: &str) -> (Vec<u32>, Vec<u32>) {
    let chunked = load(ReadSeekSource::new(Cursor::new(file.clone())).unwrap(), name).0;
    let in_place = load(file, name).0;
    (in_place, chunked)
}

proptest! {
    /// Any bytes of every dtype and byte order: the in-place conversion gives the chunked copy's bits.
    #[test]
    fn in_place_matches_the_chunked_copy(
        descr in proptest::sample::select(vec!["<f4", ">f4", "<f2", ">f2", "<f8", ">f8"]),
        data in proptest::collection::vec(any::<u8>(), 0..4096),
    ) {
        let size: usize = descr[2..].parse().unwrap();
        let elements = data.len() / size;
        let file = npy(descr, elements, &data[..elements * size]);
        let (in_place, chunked) = both(file, "a");
        prop_assert_eq!(in_place.len(), elements);
        prop_assert_eq!(in_place, chunked);
    }

    /// bfloat16 (safetensors): NaN payloads are widened as `half` widens them, on both paths.
    #[test]
    fn bf16_in_place_matches_the_chunked_copy(data in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let elements = data.len() / 2;
        let (in_place, chunked) = both(safetensors("BF16", elements, &data[..elements * 2]), "t");
        let widened: Vec<u32> =
            data.chunks_exact(2).map(|c| half::bf16::from_le_bytes([c[0], c[1]]).to_f32().to_bits()).collect();
        prop_assert_eq!(&in_place, &widened);
        prop_assert_eq!(in_place, chunked);
    }
}

/// A tensor of several threads' blocks (8 MiB each): the same bits as the chunked
/// copy, progress rising to the total, and a cancel in the middle refused as `Cancelled`.
#[test]
fn large_tensors_in_rounds_over_threads() {
    for (dtype, size) in [("F32", 4), ("BF16", 2)] {
        // 17 MiB and a bit: two 8 MiB blocks a round on two cores (two rounds on one), a short last part.
        let elements = (17 << 20) / size + 3;
        let file = safetensors(dtype, elements, &noise(elements * size));
        let chunked = load(ReadSeekSource::new(Cursor::new(file.clone())).unwrap(), "t").0;
        let (in_place, seen) = load(file.clone(), "t");
        assert_eq!(in_place, chunked, "{dtype}");
        let total = (elements * size) as u64;
        assert!(seen.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 == total), "{dtype}: {seen:?}");
        assert_eq!(seen.last(), Some(&(total, total)), "{dtype}");

        let mut archive = Archive::open(file, "t").unwrap();
        let mut calls = 0;
        let e = archive
            .load_with_progress("t", 0, &mut |_, _| {
                calls += 1;
                if calls == 2 {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            })
            .unwrap_err();
        assert_eq!(e.problem, Problem::Cancelled, "{dtype}");
    }
}

/// A memory-mapped file reads as its bytes do, and again after its pages were let go.
#[test]
fn mapped_files_read_like_their_bytes() {
    let elements = (9 << 20) / 2 + 1;
    let bytes = safetensors("BF16", elements, &noise(elements * 2));
    let path = std::env::temp_dir().join(format!("quantscope-mapped-{}.safetensors", std::process::id()));
    std::fs::File::create(&path).and_then(|mut f| f.write_all(&bytes)).unwrap();
    let file = std::fs::File::open(&path).unwrap();
    let mapped = MappedFile::new(&file).unwrap();
    assert_eq!(mapped.len(), bytes.len() as u64);
    let mut archive = Archive::open(mapped, "t").unwrap();
    let expected = load(bytes, "t").0;
    for _ in 0..2 {
        let Samples::F32(v) = archive.load("t", 0).unwrap().data else { panic!("float32") };
        assert_eq!(v.into_iter().map(f32::to_bits).collect::<Vec<_>>(), expected);
    }
    drop(archive);
    std::fs::remove_file(&path).unwrap();
}
