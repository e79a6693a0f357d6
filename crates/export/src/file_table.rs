//! The model-wide table of a weight file as CSV (`quantscope file --format csv` and the app's Files
//! tool): one row per tensor of `formats::report::table`, in its order.

use formats::report::{Outcome, Row};

use crate::{format_f64, safe_text};

/// The CSV columns, in order.
pub const CSV_HEADER: [&str; 15] = [
    "tensor",
    "dtype",
    "shape",
    "elements",
    "analysed",
    "per_channel_sqnr_db",
    "per_tensor_sqnr_db",
    "sqnr_gain_db",
    "per_channel_mse",
    "per_tensor_mse",
    "per_channel_clip_rate",
    "per_tensor_clip_rate",
    "worst_channels",
    "note",
    "reason",
];

/// `[64, 3, 3, 3]`.
pub fn shape(s: &[u64]) -> String {
    format!("[{}]", s.iter().map(u64::to_string).collect::<Vec<_>>().join(", "))
}

/// The rows as CSV (text cells made safe for spreadsheets, numbers at full precision).
pub fn csv(rows: &[Row]) -> Result<String, Box<dyn std::error::Error>> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    w.write_record(CSV_HEADER)?;
    let num = |v: Option<f64>| v.map(format_f64).unwrap_or_default();
    for row in rows {
        let i = &row.info;
        let mut cells = vec![safe_text(&i.name).into_owned(), safe_text(&i.dtype).into_owned(), shape(&i.shape), i.elements.to_string()];
        match &row.outcome {
            Outcome::Result(t) => {
                let worst = t.worst_channels.iter().map(|w| format!("{}:{}", w.index, num(w.sqnr_db))).collect::<Vec<_>>().join(" ");
                cells.extend([
                    "true".into(),
                    num(t.per_channel_sqnr_db),
                    num(t.per_tensor_sqnr_db),
                    num(t.sqnr_gain_db),
                    num(t.per_channel_mse),
                    num(t.per_tensor_mse),
                    num(t.per_channel_clip_rate),
                    num(t.per_tensor_clip_rate),
                    worst,
                    i.note.unwrap_or("").into(),
                    String::new(),
                ]);
            }
            Outcome::Skipped(reason) => {
                cells.push("false".into());
                cells.extend(std::iter::repeat_n(String::new(), 9));
                cells.push(safe_text(reason).into_owned());
            }
        }
        w.write_record(&cells)?;
    }
    w.flush()?;
    Ok(String::from_utf8(w.into_inner()?)?)
}
