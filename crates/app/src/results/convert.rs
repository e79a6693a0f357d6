//! The core's reports as tables. Only copying and labelling here: every number is a field of the
//! core's report.

use quantscope_core::analysis::{Analysis, ChannelResult};
use quantscope_core::error::QuantError;
use quantscope_core::metrics::Metrics;
use quantscope_core::parse::ValueLocation;
use quantscope_core::tools::{ChannelsReport, TensorReport, ToolError, ValuesReport};
use quantscope_core::Warning;

use std::sync::Arc;

use super::{Cell, Column, Field, InputError, Report, Row, Table};

fn columns(spec: &[(&str, &str)]) -> Vec<Column> {
    spec.iter().map(|(key, label)| Column { key: (*key).into(), label: (*label).into() }).collect()
}

fn warnings(list: &[Warning]) -> Vec<String> {
    list.iter().map(ToString::to_string).collect()
}

fn int(value: u64) -> Cell {
    Cell::Int(i64::try_from(value).unwrap_or(i64::MAX))
}

/// Input values and exact quantities: shown as typed, not padded to the precision.
fn plain(value: Option<f64>) -> Cell {
    value.map_or(Cell::Empty, Cell::Plain)
}

fn fraction(value: Option<f64>) -> Cell {
    value.map_or(Cell::Empty, Cell::Fraction)
}

/// A report's frame: the spec that produced it and its formulas.
fn report(analysis: &Analysis, tables: Vec<Table>, notes: Vec<String>) -> Report {
    Report {
        spec_label: analysis.convention.clone(),
        formulas: analysis.spec.formulas().into_iter().map(|(name, formula)| (name.to_string(), formula)).collect(),
        tables: tables.into_iter().map(Arc::new).collect(),
        notes,
        charts: None,
        format: None,
    }
}

fn nonfinite_note(locations: &[ValueLocation]) -> Option<String> {
    let first = locations.first()?;
    Some(format!(
        "{} non-finite value(s) typed (first at line {}, column {}): flagged and left out of ranges and metrics.",
        locations.len(),
        first.line,
        first.column
    ))
}

const METRIC_COLUMNS: &[(&str, &str)] = &[
    ("values", "Values"),
    ("mse", "MSE"),
    ("rmse", "RMSE"),
    ("mae", "MAE"),
    ("max_error", "Max error"),
    ("mean_pct_error", "Mean % error"),
    ("sqnr_db", "SQNR (dB)"),
    ("clipped", "Clipped"),
    ("clip_rate", "Clip rate"),
];

fn metric_cells(metrics: &Metrics) -> Vec<Cell> {
    vec![
        int(metrics.count),
        metrics.mse.into(),
        metrics.rmse.into(),
        metrics.mae.into(),
        metrics.max_error.into(),
        metrics.mean_pct_error.into(),
        metrics.sqnr_db.into(),
        int(metrics.clip_count),
        fraction(metrics.clip_rate),
    ]
}

/// The metrics (as the per-channel vs per-tensor and the quantization error calculators show them):
/// one row per channel (with its parameters) and the tensor's row.
fn metrics_table(id: &str, caption: &str, analysis: &Analysis) -> Table {
    let mut spec = vec![("channel", "Channel"), ("scale", "Scale"), ("zero_point", "Zero point")];
    spec.extend_from_slice(METRIC_COLUMNS);
    let channel_row = |ch: &ChannelResult| {
        let mut cells = vec![Cell::Text(ch.name.clone()), Cell::Real(ch.scale), Cell::Int(ch.zero_point)];
        cells.extend(metric_cells(&ch.metrics));
        Row { cells, warnings: warnings(&ch.warnings), summary: false }
    };
    let mut rows: Vec<Row> = analysis.channels.iter().map(channel_row).collect();
    let mut cells = vec![Cell::Text(format!("{} (all)", analysis.tensor)), Cell::Empty, Cell::Empty];
    cells.extend(metric_cells(&analysis.summary.metrics));
    rows.push(Row { cells, warnings: warnings(&analysis.summary.warnings), summary: true });
    Table { id: id.into(), caption: caption.into(), columns: columns(&spec), rows }
}

/// The channels tool: the per-channel calculator's table (one row per sample), then the metrics.
pub fn channels(r: &ChannelsReport) -> Report {
    let a = &r.analysis;
    let spec = [
        ("channel", "Channel"),
        ("min", "Min"),
        ("max", "Max"),
        ("sample", "Sample"),
        ("scale", "Scale"),
        ("zero_point", "Zero point"),
        ("q_raw", "Raw q"),
        ("q", "Quantized"),
        ("dequantized", "Dequantized"),
        ("clipped", "Clipped"),
        ("abs_error", "Abs error"),
        ("pct_error", "% error"),
        ("sqnr_db", "SQNR (dB)"),
    ];
    // The core lists each channel's samples in channel order: a channel's warnings go on its
    // last sample's row.
    let mut rows = Vec::with_capacity(r.rows.len());
    let mut samples = r.rows.iter();
    for ch in &a.channels {
        let count = ch.elements.as_ref().map_or(0, |e| e.x.len());
        for (i, s) in samples.by_ref().take(count).enumerate() {
            rows.push(Row {
                cells: vec![
                    Cell::Text(s.channel.clone()),
                    plain(s.min),
                    plain(s.max),
                    Cell::Plain(s.sample),
                    Cell::Real(s.scale),
                    Cell::Int(s.zero_point),
                    s.q_raw.map_or(Cell::Empty, Cell::Plain),
                    s.q.map_or(Cell::Empty, Cell::Int),
                    s.dequantized.into(),
                    Cell::Flag(s.clipped),
                    s.abs_error.into(),
                    s.pct_error.into(),
                    s.sqnr_db.into(),
                ],
                warnings: if i + 1 == count { warnings(&ch.warnings) } else { Vec::new() },
                summary: false,
            });
        }
    }
    let samples = Table {
        id: "samples".into(),
        caption: format!("{} (channel axis {}): per sample", a.tensor, a.axis),
        columns: columns(&spec),
        rows,
    };
    let metrics = metrics_table("metrics", "Errors per channel and for the tensor", a);
    report(a, vec![samples, metrics], nonfinite_note(&r.nonfinite).into_iter().collect())
}

/// The tensor tool: the per-channel vs per-tensor calculator's local ranges, per-channel and per-tensor side by side, memory.
pub fn tensor(r: &TensorReport) -> Report {
    let c = &r.comparison;
    let names: Vec<&str> = r.full.per_channel.channels.iter().map(|ch| ch.name.as_str()).collect();
    let mut tables = Vec::new();
    if !r.local.is_empty() {
        let rows = r
            .local
            .iter()
            .map(|l| Row {
                cells: vec![Cell::Text(l.channel.clone()), Cell::Int(l.count as i64), plain(l.min), plain(l.max), plain(l.range)],
                ..Row::default()
            })
            .collect();
        tables.push(Table {
            id: "local".into(),
            caption: "Local ranges".into(),
            columns: columns(&[
                ("channel", "Channel"),
                ("values", "Values"),
                ("min", "Local min"),
                ("max", "Local max"),
                ("range", "Local range"),
            ]),
            rows,
        });
    }

    let rows = names
        .iter()
        .enumerate()
        .map(|(i, name)| Row {
            cells: vec![
                Cell::Text((*name).to_string()),
                Cell::Real(c.per_channel.scales[i]),
                Cell::Int(c.per_channel.zero_points[i]),
                c.per_channel.channel_mse[i].into(),
                c.per_channel.channel_sqnr_db[i].into(),
                c.per_tensor.channel_mse[i].into(),
                c.per_tensor.channel_sqnr_db[i].into(),
            ],
            warnings: warnings(&r.full.per_channel.channels[i].warnings),
            summary: false,
        })
        .collect();
    tables.push(Table {
        id: "comparison".into(),
        caption: "Per channel vs per tensor, channel by channel".into(),
        columns: columns(&[
            ("channel", "Channel"),
            ("pc_scale", "Scale (per channel)"),
            ("pc_zero_point", "Zero point (per channel)"),
            ("pc_mse", "MSE (per channel)"),
            ("pc_sqnr_db", "SQNR dB (per channel)"),
            ("pt_mse", "MSE (per tensor)"),
            ("pt_sqnr_db", "SQNR dB (per tensor)"),
        ]),
        rows,
    });

    let side = |label: &str, view: &quantscope_core::tools::GranularityView, single: bool, bytes: f64| {
        let s = &view.summary.metrics;
        Row {
            cells: vec![
                Cell::Text(label.into()),
                Cell::Int(view.parameter_sets as i64),
                if single { view.scales.first().copied().into() } else { Cell::Empty },
                if single { view.zero_points.first().map_or(Cell::Empty, |z| Cell::Int(*z)) } else { Cell::Empty },
                s.mse.into(),
                s.rmse.into(),
                s.mae.into(),
                s.max_error.into(),
                s.sqnr_db.into(),
                fraction(s.clip_rate),
                Cell::Plain(bytes),
            ],
            warnings: warnings(&view.summary.warnings),
            summary: false,
        }
    };
    tables.push(Table {
        id: "granularity".into(),
        caption: "Whole tensor: per channel and per tensor".into(),
        columns: columns(&[
            ("granularity", "Granularity"),
            ("parameter_sets", "Parameter sets"),
            ("scale", "Scale"),
            ("zero_point", "Zero point"),
            ("mse", "MSE"),
            ("rmse", "RMSE"),
            ("mae", "MAE"),
            ("max_error", "Max error"),
            ("sqnr_db", "SQNR (dB)"),
            ("clip_rate", "Clip rate"),
            ("bytes", "Total bytes"),
        ]),
        rows: vec![
            side("Per channel", &c.per_channel, false, c.memory.per_channel_bytes),
            side("Per tensor", &c.per_tensor, true, c.memory.per_tensor_bytes),
        ],
    });

    let m = &c.memory;
    tables.push(Table {
        id: "memory".into(),
        caption: "Memory estimate and what per channel gains".into(),
        columns: columns(&[
            ("elements", "Elements"),
            ("bits", "Bits"),
            ("payload_bytes", "Payload bytes"),
            ("per_tensor_bytes", "Per-tensor total"),
            ("per_channel_bytes", "Per-channel total"),
            ("sqnr_gain_db", "SQNR gain (dB)"),
            ("mse_ratio", "MSE ratio (tensor / channel)"),
        ]),
        rows: vec![Row {
            cells: vec![
                Cell::Int(m.elements as i64),
                Cell::Int(i64::from(m.bits)),
                Cell::Plain(m.payload_bytes),
                Cell::Plain(m.per_tensor_bytes),
                Cell::Plain(m.per_channel_bytes),
                c.sqnr_gain_db.into(),
                c.mse_ratio.into(),
            ],
            ..Row::default()
        }],
    });
    let mut notes: Vec<String> = nonfinite_note(&r.nonfinite).into_iter().collect();
    // The per-channel PTQ exercise's output: every value's integer and reconstruction, under both granularities.
    let pairs = r.full.per_channel.channels.iter().zip(&r.full.per_tensor.channels);
    let mut rows = Vec::new();
    for (pc, pt) in pairs {
        let (Some(a), Some(b)) = (&pc.elements, &pt.elements) else { continue };
        for i in 0..a.x.len().min(MAX_ELEMENT_ROWS - rows.len()) {
            rows.push(Row {
                cells: vec![
                    Cell::Text(pc.name.clone()),
                    Cell::Int(i as i64),
                    Cell::Plain(a.x[i]),
                    a.q[i].map_or(Cell::Empty, Cell::Int),
                    a.dequantized[i].into(),
                    a.error[i].into(),
                    Cell::Flag(a.clipped[i]),
                    b.q[i].map_or(Cell::Empty, Cell::Int),
                    b.dequantized[i].into(),
                    b.error[i].into(),
                    Cell::Flag(b.clipped[i]),
                ],
                ..Row::default()
            });
        }
    }
    if !rows.is_empty() {
        notes.extend(truncation_note(rows.len(), r.full.per_channel.summary.elements));
        tables.push(Table {
            id: "elements".into(),
            caption: "Every value: quantized and dequantized".into(),
            columns: columns(&[
                ("channel", "Channel"),
                ("index", "Index"),
                ("x", "Value"),
                ("pc_q", "q (per channel)"),
                ("pc_dequantized", "x̂ (per channel)"),
                ("pc_error", "Error (per channel)"),
                ("pc_clipped", "Clipped (per channel)"),
                ("pt_q", "q (per tensor)"),
                ("pt_dequantized", "x̂ (per tensor)"),
                ("pt_error", "Error (per tensor)"),
                ("pt_clipped", "Clipped (per tensor)"),
            ]),
            rows,
        });
    }
    report(&r.full.per_channel, tables, notes)
}

/// At most this many per-value rows go into a page table, so a million pasted values do not
/// become a million table rows; the summary tables still cover every value.
pub const MAX_ELEMENT_ROWS: usize = 2000;

fn truncation_note(shown: usize, total: usize) -> Option<String> {
    (shown < total).then(|| format!("The per-value table shows the first {shown} of {total} values; every other table covers all of them."))
}

/// The values tool: parameters, every value, metrics (the quantization error calculator's).
pub fn values(r: &ValuesReport) -> Report {
    let a = &r.analysis;
    let mut tables = Vec::new();
    let source = if r.range_source == "custom" { "custom" } else { "derived from the values" };
    let parameters = a.channels.iter().map(|ch| Row {
        cells: vec![
            Cell::Text(ch.name.clone()),
            Cell::Text(source.into()),
            plain(ch.min),
            plain(ch.max),
            plain(ch.data_min),
            plain(ch.data_max),
            Cell::Real(ch.scale),
            Cell::Int(ch.zero_point),
        ],
        ..Row::default()
    });
    tables.push(Table {
        id: "parameters".into(),
        caption: "Parameters".into(),
        columns: columns(&[
            ("tensor", "Tensor"),
            ("range_source", "Range"),
            ("min", "Range min"),
            ("max", "Range max"),
            ("data_min", "Data min"),
            ("data_max", "Data max"),
            ("scale", "Scale"),
            ("zero_point", "Zero point"),
        ]),
        rows: parameters.collect(),
    });
    let mut notes: Vec<String> = nonfinite_note(&r.nonfinite).into_iter().collect();
    for ch in &a.channels {
        let Some(e) = &ch.elements else { continue };
        notes.extend(truncation_note(e.x.len().min(MAX_ELEMENT_ROWS), e.x.len()));
        let rows = (0..e.x.len().min(MAX_ELEMENT_ROWS))
            .map(|i| Row {
                cells: vec![
                    Cell::Int(i as i64 + 1),
                    Cell::Plain(e.x[i]),
                    e.q_raw[i].map_or(Cell::Empty, Cell::Plain),
                    e.q[i].map_or(Cell::Empty, Cell::Int),
                    e.dequantized[i].into(),
                    e.error[i].into(),
                    Cell::Flag(e.clipped[i]),
                ],
                ..Row::default()
            })
            .collect();
        tables.push(Table {
            id: "values".into(),
            caption: "Every value".into(),
            columns: columns(&[
                ("index", "#"),
                ("x", "Value"),
                ("q_raw", "Raw q"),
                ("q", "Quantized"),
                ("dequantized", "Dequantized"),
                ("error", "Error (x̂ − x)"),
                ("clipped", "Clipped"),
            ]),
            rows,
        });
    }
    tables.push(metrics_table("metrics", "Errors", a));
    report(a, tables, notes)
}

/// The core's refusal as an error on the field it concerns.
pub fn tool_error(error: ToolError) -> InputError {
    match error {
        ToolError::Input(e) => {
            InputError { field: Field::Data, line: e.line, column: e.column, text: e.text, problem: e.problem, expected: e.expected }
        }
        ToolError::Option { field, error: e } => InputError {
            field: Field::Option(field),
            line: e.line,
            column: e.column,
            text: e.text,
            problem: e.problem,
            expected: e.expected,
        },
        ToolError::Quant(e) => {
            let field = match &e {
                QuantError::UnknownDtype { .. } | QuantError::BitWidth { .. } => Field::Option("dtype"),
                QuantError::QuantRange { .. } => Field::Option("quant-min"),
                QuantError::Unsupported { .. } => Field::Option("reduce-range"),
                _ => Field::Data,
            };
            InputError { field, line: 0, column: 0, text: String::new(), problem: e.to_string(), expected: String::new() }
        }
    }
}
