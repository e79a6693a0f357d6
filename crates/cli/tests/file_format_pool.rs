//! `quantscope file --preset NAME`: the Files tool's format path (a pool of workers each analysing
//! a batch of tensors with `quantscope_app::format_file::analyse`, their answers sent as JSON and
//! merged by another, which posts the table to the page) writes the CLI's CSV byte for byte;
//! `--axis` and `--worst` with a format; a format's token read back by the worker.

mod common;
use common::run;
use quantscope_app::format_file;
use quantscope_app::protocol::{Reply, Sent};
use quantscope_export::format_tables::{self, FileTensor};
use quantscope_weights::{Archive, ReadSeekSource};
use std::ops::ControlFlow;

/// A small safetensors file of float32 tensors (name, shape), values from a fixed sequence.
fn safetensors(tensors: &[(&str, &[u64])]) -> Vec<u8> {
    let mut header = serde_json::Map::new();
    let mut data = Vec::new();
    let mut k = 0u32;
    for (name, shape) in tensors {
        let n: u64 = shape.iter().product();
        let start = data.len();
        for _ in 0..n {
            k = k.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let v = ((k >> 8) as f32 / (1u32 << 24) as f32 - 0.5) * 3.0;
            data.extend_from_slice(&v.to_le_bytes());
        }
        header.insert(name.to_string(), serde_json::json!({"dtype": "F32", "shape": shape, "data_offsets": [start, data.len()]}));
    }
    let header = serde_json::to_vec(&header).unwrap();
    let mut out = (header.len() as u64).to_le_bytes().to_vec();
    out.extend(header);
    out.extend(data);
    out
}

const TENSORS: &[(&str, &[u64])] = &[("attn.q", &[4, 64]), ("mlp.up", &[2, 128]), ("odd", &[3, 5]), ("norm", &[64]), ("conv", &[2, 2, 64])];

fn write_file() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("small.safetensors");
    std::fs::write(&path, safetensors(TENSORS)).unwrap();
    let shown = path.display().to_string();
    (dir, shown)
}

fn archive(path: &str) -> Archive<ReadSeekSource<std::io::BufReader<std::fs::File>>> {
    let source = ReadSeekSource::new(std::io::BufReader::new(std::fs::File::open(path).unwrap())).unwrap();
    Archive::open(source, "small").unwrap()
}

/// The pool's way: each batch in its own worker (archive), its answer as JSON, merged in file order.
fn pooled(path: &str, preset: &str, batches: &[&[&str]]) -> String {
    let format = preset.parse().unwrap();
    let mut parts: Vec<FileTensor> = Vec::new();
    for batch in batches.iter().rev() {
        let names: Vec<String> = batch.iter().map(|s| s.to_string()).collect();
        let answer = format_file::analyse(&mut archive(path), Some(&names), &format, 0, &mut |_, _| ControlFlow::Continue(())).unwrap();
        let json = serde_json::to_vec(&answer).unwrap();
        parts.extend(serde_json::from_slice::<Vec<FileTensor>>(&json).unwrap());
    }
    let merged = format_file::merge(archive(path).tensors(), parts).unwrap();
    // The merging worker posts `Done` with the table and its CSV; the page reads it back.
    let table = format_tables::file(preset, &merged);
    let csv = format_tables::file_csv(preset, &merged).unwrap();
    let sent = Sent::Done {
        job: 1,
        rows: &[],
        csv: csv.clone(),
        sample: None,
        elapsed_ms: 1.0,
        compute_ms: 1.0,
        memory_bytes: 0.0,
        format_table: Some(&table),
        format_view: None,
    };
    let Reply::<()>::Done { csv: read_csv, format_table: Some(read), .. } =
        serde_json::from_str(&serde_json::to_string(&sent).unwrap()).unwrap()
    else {
        panic!("not a format table")
    };
    assert_eq!(read_csv, csv);
    // The page's table is the table the worker made (its CSV the same bytes).
    assert_eq!(read, table);
    let mut page = Vec::new();
    read.write_csv(&mut page).unwrap();
    assert_eq!(String::from_utf8(page).unwrap(), csv);
    // The PDF the worker makes of it names the file and the format.
    let pdf = quantscope_export::format_pdf::file_pdf("small.safetensors", preset, &merged, &Default::default());
    assert!(pdf.starts_with(b"%PDF"));
    assert!(String::from_utf8_lossy(&pdf).contains(&format!("small.safetensors ({preset})")), "{preset}");
    csv
}

#[test]
fn the_pools_format_table_is_the_clis_csv_byte_for_byte() {
    let (_dir, path) = write_file();
    for preset in ["q4_0", "nf4", "mxfp4", "q8_0", "nvfp4"] {
        let cli = run(&["file", "--preset", preset, "--format", "csv", &path], "");
        let cli = cli.ok();
        for batches in [&[&["attn.q", "mlp.up", "odd", "norm", "conv"][..]][..], &[&["mlp.up"], &["attn.q", "conv"], &["odd", "norm"]]] {
            assert_eq!(pooled(&path, preset, batches), cli, "{preset} {batches:?}");
        }
        // Five tensors: the one whose rows are 5 long is refused with its reason, the others measured.
        let lines: Vec<&str> = cli.lines().collect();
        assert_eq!(lines.len(), 6, "{cli}");
        assert_eq!(lines[0], "format,tensor,shape,bits_per_weight,bytes,mse,sqnr_db,max_error,clipped,skipped");
        assert!(lines[3].starts_with(&format!("{preset},odd,3x5,,")) && lines[3].contains("not a multiple of the block size"), "{cli}");
        assert!(lines[1].starts_with(&format!("{preset},attn.q,4x64,")), "{cli}");
    }
    // q4_0: 18 bytes per block of 32 (4.5 bits per weight); nf4: 4 bits and a float32 absmax per 64 (4.5).
    let q4 = run(&["file", "--preset", "q4_0", "--format", "json", &path], "").json();
    assert_eq!(q4["tensors"][0]["bits_per_weight"], 4.5);
    assert_eq!(q4["tensors"][0]["bytes"], 256 / 32 * 18);
    let nf4 = run(&["file", "--preset", "nf4", "--format", "json", &path], "").json();
    assert_eq!(nf4["tensors"][1]["bits_per_weight"], 4.5);
    // --pdf: the Files tool's PDF in the format, written beside the output.
    let pdf = std::path::Path::new(&path).with_extension("pdf");
    let out = run(&["file", "--preset", "nf4", "--pdf", pdf.to_str().unwrap(), "--paper", "letter", &path], "");
    assert!(out.ok().contains("every tensor in format nf4"));
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF") && String::from_utf8_lossy(&bytes).contains("small.safetensors (nf4)"));
}

#[test]
fn axis_must_be_the_last_and_worst_lists_rows() {
    let (_dir, path) = write_file();
    let ok = run(&["file", "--preset", "q4_0", "--tensor", "attn.q", "--axis", "1", "--worst", "2", "--format", "json", &path], "");
    let v = ok.json();
    let worst = v["tensors"][0]["worst_rows"].as_array().unwrap();
    assert_eq!(worst.len(), 2);
    assert!(worst[0]["sqnr_db"].as_f64().unwrap() <= worst[1]["sqnr_db"].as_f64().unwrap());
    let e = run(&["file", "--preset", "q4_0", "--tensor", "attn.q", "--axis", "0", &path], "");
    assert_eq!(e.code, 2);
    assert!(e.stderr.contains("--axis 0") && e.stderr.contains("`attn.q`") && e.stderr.contains("expected: --axis 1"), "{}", e.stderr);
    // Every tensor: `norm` is 1-D, so no one axis is the last of all.
    let e = run(&["file", "--preset", "q4_0", "--axis", "1", &path], "");
    assert_eq!(e.code, 2);
    assert!(e.stderr.contains("`norm`"), "{}", e.stderr);
}

#[test]
fn the_page_sends_a_format_the_worker_reads_back() {
    // The page sends `Format`'s own text (flags::format_of's); the worker parses it back.
    for token in ["q4_0", "q5_1", "mxfp6-e2m3", "nvfp4", "nf4", "fp4-bnb"] {
        let format: quantscope_core::format::Format = token.parse().unwrap();
        assert_eq!(format.to_string().parse::<quantscope_core::format::Format>().unwrap(), format, "{token}");
    }
    let knobs = quantscope_core::format::FormatKnobs {
        dtype: Some("int4".into()),
        scheme: Some("affine".into()),
        granularity: Some("per-group".into()),
        group_size: Some(64),
        convention: Some("pytorch".into()),
        ..Default::default()
    };
    let format = knobs.resolve().unwrap();
    assert_eq!(format.to_string().parse::<quantscope_core::format::Format>().unwrap(), format);
    let fp8 = quantscope_core::format::FormatKnobs {
        dtype: Some("fp8-e4m3".into()),
        granularity: Some("per-channel".into()),
        ..Default::default()
    };
    let format = fp8.resolve().unwrap();
    assert_eq!(format.to_string().parse::<quantscope_core::format::Format>().unwrap(), format);
}
