//! The model-wide PDF report of a weight file (`quantscope_export::file_table::pdf`), checked with poppler
//! (`pdfinfo`, `pdftotext`) when it is installed; the files go to `target/pdf-previews/`.

use std::ops::ControlFlow;

use quantscope_core::calibrate::{Calibration, Method};
use quantscope_core::{QuantSpec, SpecOptions};
use quantscope_export::file_table::{self, FileTable};
use quantscope_export::number::{Num, Precision};
use quantscope_export::{Paper, PdfOptions};
use quantscope_weights::model_table::{self, Outcome, Row, TableOptions};
use quantscope_weights::Archive;

mod poppler;

fn pages(info: &str) -> usize {
    info.lines().find_map(|l| l.strip_prefix("Pages:")).unwrap().trim().parse().unwrap()
}

fn rows_of(file: &[u8], spec: &QuantSpec, calibration: Calibration) -> Vec<Row> {
    let mut archive = Archive::open(file, "model").unwrap();
    let options = TableOptions { tensor: None, axis: 0, spec: spec.clone(), calibration, worst: 3 };
    model_table::table(&mut archive, &options, &mut |_| ControlFlow::Continue(())).unwrap()
}

/// A safetensors file of `count` float32 tensors `layer<i>.weight` of shape [4, 16], each a sine
/// with its own amplitude and an outlier growing with `i` (so their SQNRs differ).
fn many_tensors(count: usize) -> Vec<u8> {
    let per = 4 * 16;
    let mut header = serde_json::Map::new();
    let mut data = Vec::new();
    for i in 0..count {
        let start = data.len();
        for j in 0..per {
            let mut v = ((j as f32) * 0.37 + i as f32).sin() * (1.0 + i as f32 * 0.1);
            if j == 5 {
                v += i as f32 * 0.5;
            }
            data.extend_from_slice(&v.to_le_bytes());
        }
        header.insert(
            format!("layer{i:03}.weight"),
            serde_json::json!({ "dtype": "F32", "shape": [4, 16], "data_offsets": [start, data.len()] }),
        );
    }
    let header = serde_json::to_vec(&header).unwrap();
    let mut out = (header.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(&header);
    out.extend_from_slice(&data);
    out
}

fn table<'a>(file: &'a str, spec: &'a QuantSpec, calibration: Calibration, rows: &'a [Row]) -> FileTable<'a> {
    FileTable { file, format: "safetensors", spec, calibration, axis: 0, worst: 3, rows }
}

#[test]
fn the_report_has_the_file_the_options_and_every_row() {
    let spec = QuantSpec::resolve(&SpecOptions { convention: quantscope_core::Convention::Pytorch, ..SpecOptions::default() }).unwrap();
    let calibration = Calibration { method: Method::Percentile, percentile: 99.9 };
    let file = std::fs::read(std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../weights/tests/data/model.safetensors")).unwrap();
    let rows = rows_of(&file, &spec, calibration);
    let o = PdfOptions { paper: Paper::A4, date: "2026-11-23".into(), precision: Precision::Decimals(4), ..PdfOptions::default() };
    let bytes = file_table::pdf(&table("model.safetensors", &spec, calibration, &rows), &o);
    let Some((info, text)) = poppler::check("file-table-a4", &bytes, &[], 60) else { return };
    assert!(info.contains("A4"), "{info}");
    assert!(
        info.lines().any(|l| l.starts_with("Title:") && l.ends_with("quantscope model-wide report: model.safetensors (pytorch)")),
        "{info}"
    );
    for expected in [
        "model.safetensors",
        "safetensors",
        "2026-11-23",
        "7 listed, 6 analysed",
        "percentile 99.9",
        "channel axis",
        "qint8",
        "reduce range",
    ] {
        assert!(text.contains(expected), "`{expected}` is not in the text:\n{text}");
    }
    // Every analysed row's numbers, as the human table formats them, in the table's order.
    let human = file_table::table(&rows, Num(Precision::Decimals(4))).shown(Num(Precision::Decimals(4)));
    assert_eq!(human.len(), 6);
    let mut at = 0;
    for row in &human {
        let name = text[at..].find(&row[0]).unwrap_or_else(|| panic!("{} not after byte {at}:\n{text}", row[0]));
        at += name;
        for cell in &row[4..11] {
            assert!(text[at..].contains(cell.as_str()), "{}: `{cell}` is missing:\n{text}", row[0]);
        }
    }
    // The most sensitive tensor comes first; the tensor not analysed is listed with its reason.
    let Outcome::Result(first) = &rows[0].outcome else { panic!("analysed rows first") };
    let Outcome::Result(second) = &rows[1].outcome else { panic!("analysed rows first") };
    assert!(first.per_channel_sqnr_db <= second.per_channel_sqnr_db);
    assert!(text.find(&rows[0].info.name).unwrap() < text.find(&rows[1].info.name).unwrap());
    assert!(text.contains("quantized.weight (I8 [4, 6]): integer data (already quantized?) is not analysed"), "{text}");
    assert!(text.contains("float64 tensors are rounded to float32"), "{text}");
}

#[test]
fn a_long_table_paginates_with_its_header_repeated() {
    let spec = QuantSpec::resolve(&SpecOptions::default()).unwrap();
    let calibration = Calibration::default();
    let rows = rows_of(&many_tensors(150), &spec, calibration);
    assert_eq!(rows.len(), 150);
    let o = PdfOptions { paper: Paper::Letter, date: "2026-11-23".into(), ..PdfOptions::default() };
    let bytes = file_table::pdf(&table("many.safetensors", &spec, calibration, &rows), &o);
    let Some((info, text)) = poppler::check("file-table-letter", &bytes, &[], 60) else { return };
    assert!(info.contains("612 x 792 pts (letter)"), "{info}");
    let n = pages(&info);
    assert!(n >= 4, "{n} pages for 150 rows");
    // One header row per page the table spans (the first page holds the options).
    let headers = text.matches("worst channels").count();
    assert!(headers >= n - 1, "{headers} header rows on {n} pages");
    for p in 1..=n {
        assert!(text.contains(&format!("page {p} of {n}")), "page {p}");
    }
    for i in 0..150 {
        assert_eq!(text.matches(&format!("layer{i:03}.weight")).count(), 1, "layer{i:03} once");
    }
    // Sorted by per-channel SQNR: the order of the names in the text is the rows' order.
    let positions: Vec<usize> = rows.iter().map(|r| text.find(&r.info.name).unwrap()).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "the rows keep the table's order");
}
