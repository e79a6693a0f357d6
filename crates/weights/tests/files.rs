//! Real files written by NumPy and the safetensors package (`tests/data/make_files.py`), read back
//! bit for bit; files written here read back by NumPy; and damaged files refused with a message.

use quantscope_core::{Samples, Tensor};
use quantscope_weights::{Archive, Element, Format, Problem, ReadSeekSource};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)
}

fn bytes(name: &str) -> Vec<u8> {
    std::fs::read(data(name)).unwrap()
}

/// `make_files.py`'s `exact(shape)`.
fn exact(shape: &[usize]) -> Vec<f32> {
    let n: usize = shape.iter().product();
    let row = n / shape[0];
    (0..n)
        .map(|i| {
            let v = (((i * 37) % 101) as f64 - 50.0) / 64.0;
            let scale = if shape.len() >= 2 { 2f64.powi(((i / row) % 4) as i32) } else { 1.0 };
            (v * scale) as f32
        })
        .collect()
}

/// `make_files.py`'s `lcg(n)`.
fn lcg(n: usize) -> Vec<f32> {
    let mut state: u64 = 7;
    (0..n)
        .map(|_| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((state >> 40) as f64 / (1u64 << 24) as f64 * 2.0 - 1.0) as f32
        })
        .collect()
}

fn values(t: &Tensor) -> Vec<u32> {
    match &t.data {
        Samples::F32(v) => v.iter().map(|x| x.to_bits()).collect(),
        Samples::F64(_) => panic!("files load as float32"),
    }
}

fn bits(v: Vec<f32>) -> Vec<u32> {
    v.into_iter().map(f32::to_bits).collect()
}

#[test]
fn safetensors_every_dtype() {
    let mut a = Archive::open(bytes("model.safetensors"), "unused").unwrap();
    assert_eq!(a.format, Format::Safetensors);
    let listed: Vec<(&str, &str, bool)> = a.tensors().iter().map(|t| (t.name.as_str(), t.dtype.as_str(), t.analysable())).collect();
    assert_eq!(listed.len(), 7);
    for (name, dtype, ok) in [
        ("conv.weight", "F32", true),
        ("fc.weight", "F16", true),
        ("emb.weight", "BF16", true),
        ("double.weight", "F64", true),
        ("quantized.weight", "I8", false),
    ] {
        assert!(listed.contains(&(name, dtype, ok)), "{name}: {listed:?}");
    }
    let conv = a.info("conv.weight").unwrap();
    assert_eq!((conv.shape.clone(), conv.elements, conv.bytes), (vec![8, 3, 3, 3], 216, 864));
    assert_eq!(a.info("double.weight").unwrap().note, Some("float64 rounded to float32 for the analysis"));
    assert_eq!(values(&a.load("conv.weight", 0).unwrap()), bits(exact(&[8, 3, 3, 3])));
    assert_eq!(values(&a.load("fc.weight", 0).unwrap()), bits(exact(&[16, 32])));
    assert_eq!(values(&a.load("emb.weight", 0).unwrap()), bits(exact(&[10, 8])));
    assert_eq!(values(&a.load("double.weight", 0).unwrap()), bits(exact(&[4, 5])));
    assert_eq!(values(&a.load("fc.bias", 0).unwrap()), bits(lcg(16)));
    assert_eq!(values(&a.load("head.weight", 0).unwrap()), bits(lcg(240)));
    let t = a.load("conv.weight", 1).unwrap();
    assert_eq!((t.channels(), t.shape()), (3, vec![8, 3, 3, 3]));
    let e = a.load("quantized.weight", 0).unwrap_err();
    assert_eq!(e.to_string(), "tensor `quantized.weight`: I8 is not analysable: integer data (already quantized?) is not analysed");
    let e = a.load("conv.weight", 4).unwrap_err();
    assert!(e.to_string().starts_with("tensor `conv.weight`: "), "{e}");
    assert!(matches!(a.load("nope", 0).unwrap_err().problem, Problem::NoSuchTensor { .. }));
}

#[test]
fn npz_stored_and_deflated() {
    for file in ["weights.npz", "weights_compressed.npz"] {
        let mut a = Archive::open(bytes(file), "unused").unwrap();
        assert_eq!(a.format, Format::Npz);
        let names: Vec<&str> = a.tensors().iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["w1", "w2", "w3", "big_endian", "fortran", "counts", "scalar"], "{file}");
        assert_eq!(values(&a.load("w1", 0).unwrap()), bits(exact(&[6, 4])), "{file}");
        assert_eq!(values(&a.load("w2", 0).unwrap()), bits(exact(&[3, 2, 2])), "{file}");
        assert_eq!(values(&a.load("w3", 0).unwrap()), bits(exact(&[5, 3])), "{file}");
        assert_eq!(values(&a.load("big_endian", 1).unwrap()), bits(exact(&[4, 3])), "{file}");
        assert_eq!(a.info("w2").unwrap().element, Element::F16);
        assert!(!a.info("fortran").unwrap().analysable());
        assert!(!a.info("counts").unwrap().analysable());
        let s = a.load("scalar", 0).unwrap();
        assert_eq!((values(&s), s.shape()), (vec![0.75f32.to_bits()], vec![1]));
    }
}

#[test]
fn npy_files_and_a_read_seek_source() {
    let mut a = Archive::open(bytes("single.npy"), "single").unwrap();
    assert_eq!((a.format, a.tensors()[0].name.as_str()), (Format::Npy, "single"));
    assert_eq!(values(&a.load("single", 0).unwrap()), bits(lcg(24)));
    let file = std::fs::File::open(data("single_f16.npy")).unwrap();
    let mut a = Archive::open(ReadSeekSource::new(file).unwrap(), "h").unwrap();
    assert_eq!(values(&a.load("h", 0).unwrap()), bits(exact(&[2, 5])));
}

#[test]
fn progress_and_cancel() {
    let mut a = Archive::open(bytes("model.safetensors"), "").unwrap();
    let mut seen = Vec::new();
    a.load_with_progress("head.weight", 0, &mut |done, total| {
        seen.push((done, total));
        ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(seen, vec![(960, 960)]);
    let e = a.load_with_progress("head.weight", 0, &mut |_, _| ControlFlow::Break(())).unwrap_err();
    assert_eq!(e.problem, Problem::Cancelled);
}

/// Every damaged variant of the real files is refused with a message, never a panic.
#[test]
fn damaged_files_are_refused() {
    let st = bytes("model.safetensors");
    let n = u64::from_le_bytes(st[..8].try_into().unwrap()) as usize;
    let mut cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty", vec![], "not a .npy, .npz or .safetensors file (it starts with nothing (an empty file))"),
        ("wrong magic", b"GIF89a.........".to_vec(), "not a .npy, .npz or .safetensors file"),
        ("truncated data", st[..st.len() - 10].to_vec(), "past the end of the data section"),
        ("truncated header", st[..n / 2].to_vec(), "truncated: the safetensors header needs bytes 8.."),
    ];
    let mut huge = st.clone();
    huge[..8].copy_from_slice(&(u64::MAX - 3).to_le_bytes());
    cases.push(("huge header length", huge, "header length 18446744073709551612 exceeds the limit"));
    let mut trailing = st.clone();
    trailing.extend([0u8; 4]);
    cases.push(("trailing bytes", trailing, "the shape [] of data section needs"));
    let npy = bytes("single.npy");
    cases.push(("npy truncated", npy[..npy.len() - 4].to_vec(), "tensor `x`: truncated: the array data needs bytes 0..96"));
    let mut npy_huge = npy.clone();
    npy_huge[6] = 2;
    npy_huge[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
    cases.push(("npy huge header", npy_huge, "the npy header length 4294967295 exceeds the limit of 10000 bytes"));
    let at = npy.windows(6).position(|w| w == b"(6, 4)").unwrap();
    let mut npy_lie = npy.clone();
    npy_lie[at + 4] = b'9';
    cases.push(("npy shape lie", npy_lie, "tensor `x`: truncated"));
    let npz = bytes("weights.npz");
    cases.push(("npz truncated", npz[..npz.len() / 2].to_vec(), "bad .npz (zip) container"));
    for (what, file, message) in cases {
        let got = match Archive::open(file, "x") {
            Ok(_) => panic!("{what}: accepted"),
            Err(e) => e.to_string(),
        };
        assert!(got.contains(message), "{what}: `{got}` does not contain `{message}`");
    }
    // A lie inside one tensor's entry names the tensor.
    let header = String::from_utf8(st[8..8 + n].to_vec()).unwrap();
    let lied = header.replacen("[8,3,3,3]", "[8,3,3,4]", 1);
    assert_ne!(lied, header);
    let mut file = st[..8].to_vec();
    file.extend(lied.as_bytes());
    file.extend(&st[8 + n..]);
    let e = Archive::open(file, "").err().unwrap();
    assert_eq!(e.tensor.as_deref(), Some("conv.weight"), "{e}");
    // A corrupted deflated member fails on load (inflate or CRC), naming the tensor; flipping any
    // byte of the file never panics and never changes a value silently.
    let z = bytes("weights_compressed.npz");
    let mut bad = z.clone();
    bad[30 + 6 + 20 + 100] ^= 0x55; // inside w1.npy's deflated data (local header 30 + name 6 + zip64 extra 20)
    let mut a = Archive::open(bad, "").unwrap();
    let e = a.load("w1", 0).unwrap_err();
    assert_eq!(e.tensor.as_deref(), Some("w1"), "{e}");
    for i in 0..z.len() {
        let mut flipped = z.clone();
        flipped[i] ^= 0x01;
        let Ok(mut a) = Archive::open(flipped, "") else { continue };
        if let Ok(t) = a.load("w1", 0) {
            assert_eq!(values(&t), bits(exact(&[6, 4])), "byte {i} changed w1 silently");
        }
    }
}

/// Files written here (safetensors crate, a hand-written .npy) read back by NumPy, when Python with
/// numpy and safetensors is on the machine (`make_files.py --verify`); skipped otherwise.
#[test]
fn numpy_reads_rust_written_files() {
    let dir = std::env::temp_dir().join(format!("quantscope-formats-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f32s = exact(&[3, 4]);
    let f16s: Vec<half::f16> = exact(&[2, 3]).into_iter().map(half::f16::from_f32).collect();
    let lcgs = lcg(10);
    let le = |v: &[f32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
    let (a, b, c) = (le(&f32s), f16s.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>(), le(&lcgs));
    let views = [
        ("rust.f32", safetensors::tensor::TensorView::new(safetensors::Dtype::F32, vec![3, 4], &a).unwrap()),
        ("rust.f16", safetensors::tensor::TensorView::new(safetensors::Dtype::F16, vec![2, 3], &b).unwrap()),
        ("rust.lcg", safetensors::tensor::TensorView::new(safetensors::Dtype::F32, vec![10], &c).unwrap()),
    ];
    let st = safetensors::serialize(views, None).unwrap();
    // Our reader agrees with the crate's on what the crate wrote.
    let mut ours = Archive::open(st.clone(), "").unwrap();
    assert_eq!(values(&ours.load("rust.lcg", 0).unwrap()), bits(lcgs.clone()));
    let path = dir.join("rust.safetensors");
    std::fs::write(&path, &st).unwrap();
    let mut npy = b"\x93NUMPY\x01\x00".to_vec();
    let mut dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }".to_string();
    while !(10 + dict.len() + 1).is_multiple_of(64) {
        dict.push(' ');
    }
    dict.push('\n');
    npy.extend((dict.len() as u16).to_le_bytes());
    npy.extend(dict.as_bytes());
    npy.extend(&a);
    std::fs::write(dir.join("rust.npy"), &npy).unwrap();
    assert_eq!(values(&Archive::open(npy, "n").unwrap().load("n", 0).unwrap()), bits(f32s));
    let script = data("make_files.py");
    match std::process::Command::new("python3").arg(&script).arg("--verify").arg(&path).output() {
        Ok(out) if out.status.success() => {
            assert!(String::from_utf8_lossy(&out.stdout).contains("ok"));
        }
        Ok(out) => {
            let err = String::from_utf8_lossy(&out.stderr);
            if err.contains("ModuleNotFoundError") {
                eprintln!("skipped: python3 lacks numpy/safetensors");
            } else {
                panic!("numpy disagrees: {err}");
            }
        }
        Err(_) => eprintln!("skipped: no python3"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The model-wide table (what the CLI prints and the app's worker posts): progress over the bytes
/// of every analysed tensor, in order, ending at the total; a `Break` cancels; the rows are sorted.
#[test]
fn table_progress_cancel_and_order() {
    use quantscope_weights::model_table::{self, Outcome, TableOptions};
    let options = TableOptions {
        tensor: None,
        axis: 0,
        spec: quantscope_core::QuantSpec::resolve(&quantscope_core::SpecOptions::default()).unwrap(),
        calibration: quantscope_core::calibrate::Calibration::default(),
        worst: 3,
    };
    let file = bytes("model.safetensors");
    let mut archive = Archive::open(file.as_slice(), "model").unwrap();
    let expected: u64 = archive.tensors().iter().filter(|t| t.analysable()).map(|t| t.bytes).sum();
    let mut seen = Vec::new();
    let rows = model_table::table(&mut archive, &options, &mut |p| {
        seen.push((p.done, p.total, p.tensor.to_string()));
        ControlFlow::Continue(())
    })
    .unwrap();
    assert!(seen.windows(2).all(|w| w[0].0 <= w[1].0), "progress only grows");
    assert!(seen.iter().all(|s| s.1 == expected));
    assert_eq!(seen.last().unwrap().0, expected);
    let sqnr: Vec<f64> = rows
        .iter()
        .filter_map(|r| match &r.outcome {
            Outcome::Result(t) => t.per_channel_sqnr_db,
            Outcome::Skipped(_) => None,
        })
        .collect();
    assert!(sqnr.windows(2).all(|w| w[0] <= w[1]), "most sensitive first: {sqnr:?}");
    assert!(matches!(rows.last().unwrap().outcome, Outcome::Skipped(_)), "skipped rows last");

    // One tensor only, and a cancel after the first chunk.
    let one = TableOptions { tensor: Some("fc.weight".into()), ..options.clone() };
    assert_eq!(model_table::table(&mut archive, &one, &mut |_| ControlFlow::Continue(())).unwrap().len(), 1);
    let err = model_table::table(&mut archive, &options, &mut |_| ControlFlow::Break(())).unwrap_err();
    assert_eq!(err.problem, Problem::Cancelled);
    assert!(err.tensor.is_some());
    let missing = TableOptions { tensor: Some("nope".into()), ..options };
    assert!(matches!(
        model_table::table(&mut archive, &missing, &mut |_| ControlFlow::Continue(())).unwrap_err().problem,
        Problem::NoSuchTensor { .. }
    ));
}
