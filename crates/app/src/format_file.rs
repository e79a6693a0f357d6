//! Every tensor of a weight file in a block, float-element or lookup-table format (issue 13): what
//! `quantscope file --preset NAME` prints and what the Files tool shows when a format is chosen.
//! The CLI reads the whole file with [`analyse`]; the page's workers each read a batch of tensors
//! with the same function and one of them puts the answers back in file order with [`merge`]. The
//! table and its CSV are `quantscope_export::format_tables::file`'s, so the page and the CLI write
//! the same bytes.
//!
//! Per tensor: rows are the product of every axis but the last, blocks run along the last axis
//! from its first value (GGUF, MX and bitsandbytes lay them out so), and the core's streaming
//! [`format::compare_rows`] gives the statistics (bit for bit those of `quantize_rows`). A tensor
//! the format refuses (a row length not a multiple of the block, a non-finite value) or the reader
//! cannot read as floats is a skipped row with the reason.

use std::collections::HashMap;
use std::ops::ControlFlow;

use quantscope_core::format::{self, Format};
use quantscope_core::Samples;
use quantscope_export::format_tables::{FileStats, FileTensor, WorstRow};
use quantscope_weights::{Archive, Error, Source, TensorInfo};

use crate::form::Tool;
use crate::results::format::{FormatData, FormatView};

/// The rows × columns a tensor of `shape` is quantized as: its last axis is a row.
pub fn rows_and_cols(info: &TensorInfo) -> (usize, usize) {
    let cols = info.shape.last().copied().unwrap_or(1) as usize;
    let rows = (info.elements as usize).checked_div(cols).unwrap_or(0);
    (rows, cols)
}

/// One tensor of `archive` in `format`. `progress(bytes done, bytes total)` of its load; `Break`
/// cancels (an error). A file error is an error; what the format refuses is a skipped row.
pub fn analyse_one<S: Source>(
    archive: &mut Archive<S>,
    info: &TensorInfo,
    format: &Format,
    worst: usize,
    progress: &mut dyn FnMut(u64, u64) -> ControlFlow<()>,
) -> Result<FileTensor, Error> {
    let (rows, cols) = rows_and_cols(info);
    let mut row =
        FileTensor { name: info.name.clone(), shape: info.shape.clone(), rows, cols, stats: None, skipped: None, worst_rows: Vec::new() };
    if let Some(reason) = &info.not_analysable {
        row.skipped = Some(reason.clone());
        return Ok(row);
    }
    let loaded = archive.load_with_progress(&info.name, 0, progress)?;
    let data: Vec<f32> = match loaded.data {
        Samples::F32(v) => v,
        Samples::F64(v) => v.into_iter().map(|x| x as f32).collect(),
    };
    match format::compare_rows(std::slice::from_ref(format), &data, rows, cols).pop() {
        Some(Ok(stats)) => {
            row.stats = Some(FileStats::from(&stats));
            row.worst_rows = worst_rows(format, &data, cols, worst);
        }
        Some(Err(e)) => row.skipped = Some(e.to_string()),
        None => row.skipped = Some("no result".into()),
    }
    archive.recycle_values(data);
    Ok(row)
}

/// Values of one tensor the Files tool's format charts are drawn from: its first rows, up to this
/// many values (at least one row).
pub const CHART_VALUES: usize = 1 << 18;

/// The format charts' data of one tensor picked in the Files tool ([`FormatView`]: the values on
/// the format's grid, the block scales, the sweep), from its first rows up to [`CHART_VALUES`]
/// values (the label says how many rows when not all); `None` when the format or the reader
/// refuses it (the table says why).
pub fn chart_view<S: Source>(archive: &mut Archive<S>, info: &TensorInfo, format: &Format) -> Result<Option<FormatView>, Error> {
    let (rows, cols) = rows_and_cols(info);
    if info.not_analysable.is_some() || rows == 0 || cols == 0 {
        return Ok(None);
    }
    let loaded = archive.load_with_progress(&info.name, 0, &mut |_, _| ControlFlow::Continue(()))?;
    let data: Vec<f32> = match loaded.data {
        Samples::F32(v) => v,
        Samples::F64(v) => v.into_iter().map(|x| x as f32).collect(),
    };
    let take = (CHART_VALUES / cols).clamp(1, rows);
    let input: Vec<Vec<f32>> = data.chunks(cols).take(take).map(<[f32]>::to_vec).collect();
    archive.recycle_values(data);
    let slices: Vec<&[f32]> = input.iter().map(Vec::as_slice).collect();
    let Ok(quantized) = format::quantize_rows(format, &slices) else { return Ok(None) };
    let tensor = if take < rows { format!("{} (first {take} of {rows} rows)", info.name) } else { info.name.clone() };
    let names = (0..take).map(|i| i.to_string()).collect();
    Ok(Some(FormatData { tool: Tool::Files, tensor, quantized, input, names }.view()))
}

/// The `worst` rows of lowest SQNR in `format` (`quantize_rows`' per-row statistics), lowest first,
/// ties by index; none when `worst` is 0.
fn worst_rows(format: &Format, data: &[f32], cols: usize, worst: usize) -> Vec<WorstRow> {
    if worst == 0 || cols == 0 {
        return Vec::new();
    }
    let rows: Vec<&[f32]> = data.chunks(cols).collect();
    let Ok(q) = format::quantize_rows(format, &rows) else { return Vec::new() };
    let mut all: Vec<WorstRow> = q.channels.iter().enumerate().map(|(index, r)| WorstRow { index, sqnr_db: r.stats.sqnr_db() }).collect();
    all.sort_by(|a, b| a.sqnr_db.total_cmp(&b.sqnr_db).then(a.index.cmp(&b.index)));
    all.truncate(worst);
    all
}

/// The tensors named `names` (every tensor of the file when `None`), in file order, in `format`,
/// each with its `worst` rows of lowest SQNR.
/// `progress(bytes read of these tensors, tensor)` after every chunk; `Break` cancels.
pub fn analyse<S: Source>(
    archive: &mut Archive<S>,
    names: Option<&[String]>,
    format: &Format,
    worst: usize,
    progress: &mut dyn FnMut(u64, &str) -> ControlFlow<()>,
) -> Result<Vec<FileTensor>, Error> {
    let infos: Vec<TensorInfo> = archive.tensors().iter().filter(|t| names.is_none_or(|names| names.contains(&t.name))).cloned().collect();
    let mut out = Vec::with_capacity(infos.len());
    let mut before = 0;
    for info in &infos {
        let mut read = 0;
        out.push(analyse_one(archive, info, format, worst, &mut |done, _| {
            read = done;
            progress(before + done, &info.name)
        })?);
        before += read;
    }
    Ok(out)
}

/// The merging worker's side: the tensors of the file listed as `infos` from every worker's
/// answers (in any order), in file order. A tensor without an answer, or one not in the file, is
/// an error (a worker's answer went missing).
pub fn merge(infos: &[TensorInfo], parts: impl IntoIterator<Item = FileTensor>) -> Result<Vec<FileTensor>, String> {
    let mut answered: HashMap<String, FileTensor> = HashMap::new();
    for part in parts {
        if infos.iter().all(|i| i.name != part.name) {
            return Err(format!("a worker answered for tensor `{}`, which is not in the file", part.name));
        }
        answered.insert(part.name.clone(), part);
    }
    infos.iter().map(|i| answered.remove(&i.name).ok_or_else(|| format!("no worker answered for tensor `{}`", i.name))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A safetensors file of float32 tensors `[name, shape]`, value `i` of each `sin(i)`.
    fn safetensors(tensors: &[(&str, &[u64])]) -> Vec<u8> {
        let mut header = serde_json::Map::new();
        let mut data = Vec::new();
        for (name, shape) in tensors {
            let start = data.len();
            for i in 0..shape.iter().product::<u64>() {
                data.extend_from_slice(&(i as f32).sin().to_le_bytes());
            }
            header.insert(name.to_string(), serde_json::json!({"dtype": "F32", "shape": shape, "data_offsets": [start, data.len()]}));
        }
        let header = serde_json::to_vec(&header).unwrap();
        let mut out = (header.len() as u64).to_le_bytes().to_vec();
        out.extend(header);
        out.extend(data);
        out
    }

    #[test]
    fn batches_merge_in_file_order_and_a_missing_answer_is_an_error() {
        let file = safetensors(&[("a", &[2, 32]), ("b", &[3, 7]), ("c", &[64])]);
        let mut archive = Archive::open(file, "m").unwrap();
        let q8: Format = "q8_0".parse().unwrap();
        let all = analyse(&mut archive, None, &q8, 1, &mut |_, _| ControlFlow::Continue(())).unwrap();
        assert_eq!(all.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["a", "b", "c"]);
        // Rows of 7 values: refused with the reason, the others measured (8.5 bits per weight).
        assert!(all[1].stats.is_none() && all[1].skipped.as_deref().unwrap().contains("length 7"), "{:?}", all[1]);
        assert_eq!(all[0].stats.as_ref().unwrap().bits_per_weight, 8.5);
        assert_eq!((all[2].rows, all[2].cols), (1, 64));
        assert_eq!(all[0].worst_rows.len(), 1);
        let infos = archive.tensors().to_vec();
        let reversed: Vec<FileTensor> = all.iter().rev().cloned().collect();
        assert_eq!(merge(&infos, reversed).unwrap(), all);
        let missing = merge(&infos, all[..2].to_vec()).unwrap_err();
        assert!(missing.contains("no worker answered for tensor `c`"), "{missing}");
        let mut foreign = all.clone();
        foreign[0].name = "z".into();
        assert!(merge(&infos, foreign).unwrap_err().contains("`z`, which is not in the file"));
    }

    #[test]
    fn one_tensors_chart_view_is_its_first_rows_in_the_format() {
        let file = safetensors(&[("a", &[2, 64]), ("b", &[3, 7]), ("big", &[9000, 64])]);
        let mut archive = Archive::open(file, "m").unwrap();
        let nf4: Format = "nf4".parse().unwrap();
        let infos = archive.tensors().to_vec();
        let view = chart_view(&mut archive, &infos[0], &nf4).unwrap().expect("a view");
        assert_eq!(
            (view.tensor.as_str(), view.format.as_str(), view.elements, view.scales.len(), view.grid.len()),
            ("a", "nf4", 128, 2, 16)
        );
        assert!(view.sweep.iter().any(|p| p.format == "q8_0" && p.sqnr_db.is_some()));
        // The page reads it as the worker writes it.
        assert_eq!(serde_json::from_str::<FormatView>(&serde_json::to_string(&view).unwrap()).unwrap(), view);
        // Refused by the format (rows of 7): no view, the table says why.
        assert_eq!(chart_view(&mut archive, &infos[1], &nf4).unwrap(), None);
        // A large tensor: its first rows up to CHART_VALUES values.
        let view = chart_view(&mut archive, &infos[2], &nf4).unwrap().expect("a view");
        assert_eq!(view.elements, CHART_VALUES);
        assert_eq!(view.tensor, "big (first 4096 of 9000 rows)");
    }
}
