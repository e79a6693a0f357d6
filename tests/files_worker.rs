//! The Files tool's worker glue in a real dedicated worker (FileReaderSync exists only there):
//! `BlobSource` reads a `Blob` by slices exactly as a byte slice is read, and the worker's JSON
//! (the `formats` crate's rows) reads back into the page's view types, and the PDF's request
//! survives its JSON.

use std::ops::ControlFlow;

use quantscope_core::calibrate::Calibration;
use quantscope_core::{QuantSpec, SpecOptions};
use quantscope_web::worker::blob_source::BlobSource;
use quantscope_web::worker::protocol::{ExportFile, Reply, Request, RowView};
use quantscope_weights::model_table::{self, TableOptions};
use quantscope_weights::{Archive, Source};
use wasm_bindgen_test::*;
use web_sys::js_sys::{Array, Uint8Array};
use web_sys::Blob;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

const MODEL: &[u8] = include_bytes!("../crates/weights/tests/data/model.safetensors");
const NPZ: &[u8] = include_bytes!("../crates/weights/tests/data/weights_compressed.npz");

fn blob(bytes: &[u8]) -> Blob {
    let parts = Array::of1(&Uint8Array::from(bytes));
    Blob::new_with_u8_array_sequence(&parts).unwrap()
}

fn table<S: Source>(source: S) -> Vec<model_table::Row> {
    let mut archive = Archive::open(source, "array").unwrap();
    let options = TableOptions {
        tensor: None,
        axis: 0,
        spec: QuantSpec::resolve(&SpecOptions::default()).unwrap(),
        calibration: Calibration::default(),
        worst: 3,
    };
    model_table::table(&mut archive, &options, &mut |_| ControlFlow::Continue(())).unwrap()
}

#[wasm_bindgen_test]
fn blob_source_reads_ranges_like_a_slice() {
    let mut source = BlobSource::new(blob(MODEL)).unwrap();
    assert_eq!(source.len(), MODEL.len() as u64);
    for (offset, len) in [(0, 8), (3, 100), (MODEL.len() - 17, 17), (1, MODEL.len() - 1), (0, 0)] {
        let mut buf = vec![0u8; len];
        source.read_at(offset as u64, &mut buf).unwrap();
        assert_eq!(buf, &MODEL[offset..offset + len], "{offset}+{len}");
    }
    let mut past = [0u8; 4];
    assert!(source.read_at(MODEL.len() as u64 - 2, &mut past).is_err());
}

#[wasm_bindgen_test]
fn blob_files_give_the_same_table_as_bytes() {
    for bytes in [MODEL, NPZ] {
        let from_blob = table(BlobSource::new(blob(bytes)).unwrap());
        assert_eq!(from_blob, table(bytes));
        assert!(from_blob.iter().any(|r| matches!(r.outcome, model_table::Outcome::Result(_))));
    }
}

#[wasm_bindgen_test]
fn the_rows_json_reads_back_into_the_page_view() {
    let rows = table(MODEL);
    let json = serde_json::json!({ "done": { "job": 7, "rows": rows, "elapsed_ms": 1.5, "compute_ms": 0.5 } });
    let Reply::Done { job, rows: views, .. } = serde_json::from_value::<Reply>(json).unwrap() else {
        panic!("not a Done reply");
    };
    assert_eq!(job, 7);
    assert_eq!(views.len(), rows.len());
    for (row, view) in rows.iter().zip(&views) {
        let RowView { info, result, skipped } = view;
        assert_eq!(info.name, row.info.name);
        assert_eq!(info.shape, row.info.shape);
        match &row.outcome {
            model_table::Outcome::Result(r) => {
                let v = result.as_ref().unwrap();
                assert_eq!(v.per_channel_sqnr_db, r.per_channel_sqnr_db);
                assert_eq!(v.per_tensor_mse, r.per_tensor_mse);
                assert_eq!(v.worst_channels.len(), r.worst_channels.len());
            }
            model_table::Outcome::Skipped(reason) => assert_eq!(skipped.as_deref(), Some(reason.as_str())),
        }
    }
}

#[wasm_bindgen_test]
fn the_analysis_and_its_pdf_request_survive_their_json() {
    let requests = [
        Request::Analyse {
            job: 3,
            tensor: Some("fc.weight".into()),
            axis: 1,
            spec: SpecOptions::default(),
            calibration: Calibration::default(),
            worst: 3,
            format: Some("nf4".into()),
        },
        Request::Export {
            job: 4,
            of: 3,
            file: ExportFile::FilePdf { paper: quantscope_export::Paper::Letter, date: "2026-01-02".into(), decimals: 6 },
        },
    ];
    for request in requests {
        let json = serde_json::to_string(&request).unwrap();
        assert_eq!(serde_json::from_str::<Request>(&json).unwrap(), request, "{json}");
    }
    // The worker's answer: the bytes beside the JSON, which alone has no file.
    let Reply::File { job, bytes, rows } = serde_json::from_str(r#"{"file":{"job":4,"rows":0}}"#).unwrap() else {
        panic!("not a File reply");
    };
    assert_eq!((job, rows, bytes.0.is_none()), (4, 0, true));
}
