//! # GGUF: llama.cpp's model files
//!
//! The layout (ggml's `docs/gguf.md`, gguf-py 0.19.0 `gguf/gguf_reader.py`), all little-endian:
//!
//! ```text
//! "GGUF"  u32 version (2 or 3)  u64 tensor_count  u64 metadata_kv_count
//! metadata_kv_count × { string key, u32 value_type, value }       (skipped, but for general.alignment)
//! tensor_count × { string name, u32 n_dims, n_dims × u64 ne, u32 ggml_type, u64 offset }
//! padding to `general.alignment` (default 32), then the tensor data; each offset is relative to it
//! ```
//!
//! A string is a `u64` length and UTF-8 bytes; an array a `u32` element type, a `u64` count and the
//! elements. `ne[0]` is the innermost dimension (the row), so the shape in numpy order is `ne`
//! reversed, and rows are what the block formats split into blocks.
//!
//! Float tensors (F32, F16, BF16, and F64 rounded to float32) are loaded as float32; quantized
//! tensors (Q4_0, Q4_K, IQ2_XS, MXFP4, ...) are listed with their type and bits per weight
//! (`8 · type_size / block_size`, from gguf-py's `GGML_QUANT_SIZES`). Every count and length is
//! checked against the bytes left in the file before anything is allocated from it: a bad file is
//! an [`enum@Error`] naming the byte offset (or the tensor) and what was expected, never a panic.

use crate::dtype::{convert, Element};
use crate::source::{Source, CHUNK};
use std::ops::ControlFlow;
use thiserror::Error;

/// A refused GGUF file, located.
#[derive(Clone, Debug, PartialEq, Error)]
pub enum Error {
    /// The file does not start with `GGUF`.
    #[error("not a GGUF file: it starts with {found} (expected the magic \"GGUF\")")]
    Magic {
        /// The first bytes, escaped.
        found: String,
    },
    /// A version this reader does not know.
    #[error("GGUF version {0} is not supported (expected 2 or 3)")]
    Version(u32),
    /// The file ends inside something.
    #[error("byte {offset}: the {what} needs {needed} bytes but the file has {left} left")]
    Truncated {
        /// Where it starts.
        offset: u64,
        /// What was being read.
        what: String,
        /// Bytes it needs.
        needed: u64,
        /// Bytes left in the file.
        left: u64,
    },
    /// A value that breaks the format.
    #[error("byte {offset}: {what}: found {found}, expected {expected}")]
    Bad {
        /// Where it is.
        offset: u64,
        /// What it is.
        what: String,
        /// The value found.
        found: String,
        /// What the format allows.
        expected: String,
    },
    /// A tensor whose entry does not fit the file.
    #[error("tensor `{name}`: {problem}")]
    Tensor {
        /// The tensor.
        name: String,
        /// What is wrong.
        problem: String,
    },
    /// The source could not be read.
    #[error("cannot read bytes {start}..{end}: {message}")]
    Io {
        /// First byte.
        start: u64,
        /// One past the last.
        end: u64,
        /// The reader's message.
        message: String,
    },
    /// The progress callback asked to stop.
    #[error("cancelled")]
    Cancelled,
}

/// A ggml tensor type: its id, name and block layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GgmlType {
    /// The `ggml_type` id.
    pub id: u32,
    /// `ggml_type_name` (lower case, as llama-quantize accepts it).
    pub name: &'static str,
    /// Values per block.
    pub block_size: u64,
    /// Bytes per block.
    pub type_size: u64,
}

impl GgmlType {
    /// `8 · type_size / block_size`: Q4_0 4.5, Q4_K 4.5, Q6_K 6.5625, BF16 16.
    pub fn bits_per_weight(&self) -> f64 {
        (8 * self.type_size) as f64 / self.block_size as f64
    }
}

/// gguf-py 0.19.0 `GGML_QUANT_SIZES`: (id, name, block size, bytes per block).
const TYPES: [(u32, &str, u64, u64); 34] = [
    (0, "f32", 1, 4),
    (1, "f16", 1, 2),
    (2, "q4_0", 32, 18),
    (3, "q4_1", 32, 20),
    (6, "q5_0", 32, 22),
    (7, "q5_1", 32, 24),
    (8, "q8_0", 32, 34),
    (9, "q8_1", 32, 40),
    (10, "q2_k", 256, 84),
    (11, "q3_k", 256, 110),
    (12, "q4_k", 256, 144),
    (13, "q5_k", 256, 176),
    (14, "q6_k", 256, 210),
    (15, "q8_k", 256, 292),
    (16, "iq2_xxs", 256, 66),
    (17, "iq2_xs", 256, 74),
    (18, "iq3_xxs", 256, 98),
    (19, "iq1_s", 256, 50),
    (20, "iq4_nl", 32, 18),
    (21, "iq3_s", 256, 110),
    (22, "iq2_s", 256, 82),
    (23, "iq4_xs", 256, 136),
    (24, "i8", 1, 1),
    (25, "i16", 1, 2),
    (26, "i32", 1, 4),
    (27, "i64", 1, 8),
    (28, "f64", 1, 8),
    (29, "iq1_m", 256, 56),
    (30, "bf16", 1, 2),
    (34, "tq1_0", 256, 54),
    (35, "tq2_0", 256, 66),
    (39, "mxfp4", 32, 17),
    (40, "nvfp4", 64, 36),
    (41, "q1_0", 128, 18),
];

/// The ggml type of an id.
pub fn ggml_type(id: u32) -> Option<GgmlType> {
    TYPES.iter().find(|t| t.0 == id).map(|&(id, name, block_size, type_size)| GgmlType { id, name, block_size, type_size })
}

/// One tensor of a GGUF file.
#[derive(Clone, Debug, PartialEq)]
pub struct GgufTensor {
    /// Its name (`blk.0.attn_q.weight`, ...).
    pub name: String,
    /// Its type.
    pub ggml_type: GgmlType,
    /// The shape in numpy order (outermost first: `ne` reversed).
    pub shape: Vec<u64>,
    /// Number of values.
    pub elements: u64,
    /// Bytes of data.
    pub bytes: u64,
    /// Absolute offset of its data in the file.
    pub offset: u64,
}

impl GgufTensor {
    /// What its values load as: F32, F16, BF16 and F64 (rounded to float32) load; other types
    /// (quantized, integer) are listed only.
    pub fn element(&self) -> Option<Element> {
        match self.ggml_type.id {
            0 => Some(Element::F32),
            1 => Some(Element::F16),
            30 => Some(Element::Bf16),
            28 => Some(Element::F64),
            _ => None,
        }
    }

    /// Its stored bits (`bytes · 8`).
    pub fn bits(&self) -> u64 {
        self.bytes * 8
    }
}

/// An opened GGUF file: its tensors, and the source to load them from.
pub struct Gguf<S> {
    /// The format version (2 or 3).
    pub version: u32,
    /// The data alignment (`general.alignment`, default 32).
    pub alignment: u64,
    /// `general.architecture`, when the file says it.
    pub architecture: Option<String>,
    /// Absolute offset of the tensor data.
    pub data_start: u64,
    tensors: Vec<GgufTensor>,
    source: S,
}

/// Whether `head` (a file's first bytes) is a GGUF file's.
pub fn is_gguf(head: &[u8]) -> bool {
    head.starts_with(b"GGUF")
}

/// The longest string read (a key, a tensor name, `general.architecture`): 1 MiB.
const MAX_STRING: u64 = 1 << 20;
/// ggml's `GGML_MAX_DIMS`.
const MAX_DIMS: u32 = 4;

/// Reads the header in order through a buffer of at most [`CHUNK`] bytes.
struct Cursor<'a, S> {
    source: &'a mut S,
    len: u64,
    pos: u64,
    buf: Vec<u8>,
    buf_start: u64,
}

impl<'a, S: Source> Cursor<'a, S> {
    fn new(source: &'a mut S) -> Self {
        let len = source.len();
        Cursor { source, len, pos: 0, buf: Vec::new(), buf_start: 0 }
    }

    fn left(&self) -> u64 {
        self.len.saturating_sub(self.pos)
    }

    /// Checks that `needed` bytes are left for `what`.
    fn need(&self, needed: u64, what: &dyn Fn() -> String) -> Result<(), Error> {
        if needed > self.left() {
            return Err(Error::Truncated { offset: self.pos, what: what(), needed, left: self.left() });
        }
        Ok(())
    }

    fn bytes(&mut self, n: usize, what: &dyn Fn() -> String) -> Result<&[u8], Error> {
        self.need(n as u64, what)?;
        let end = self.pos + n as u64;
        if self.pos < self.buf_start || end > self.buf_start + self.buf.len() as u64 {
            let take = (CHUNK as u64).max(n as u64).min(self.len - self.pos) as usize;
            self.buf.resize(take, 0);
            self.source.read_at(self.pos, &mut self.buf).map_err(|e| Error::Io {
                start: self.pos,
                end: self.pos + take as u64,
                message: e.to_string(),
            })?;
            self.buf_start = self.pos;
        }
        let at = (self.pos - self.buf_start) as usize;
        self.pos = end;
        Ok(&self.buf[at..at + n])
    }

    fn array<const N: usize>(&mut self, what: &dyn Fn() -> String) -> Result<[u8; N], Error> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.bytes(N, what)?);
        Ok(a)
    }

    fn u32(&mut self, what: &dyn Fn() -> String) -> Result<u32, Error> {
        Ok(u32::from_le_bytes(self.array(what)?))
    }

    fn u64(&mut self, what: &dyn Fn() -> String) -> Result<u64, Error> {
        Ok(u64::from_le_bytes(self.array(what)?))
    }

    fn skip(&mut self, n: u64, what: &dyn Fn() -> String) -> Result<(), Error> {
        self.need(n, what)?;
        self.pos += n;
        Ok(())
    }

    /// A string of at most [`MAX_STRING`] bytes.
    fn string(&mut self, what: &dyn Fn() -> String) -> Result<String, Error> {
        let at = self.pos;
        let n = self.u64(&|| format!("length of the {}", what()))?;
        if n > MAX_STRING {
            return Err(Error::Bad {
                offset: at,
                what: format!("length of the {}", what()),
                found: n.to_string(),
                expected: format!("at most {MAX_STRING}"),
            });
        }
        let bytes = self.bytes(n as usize, what)?;
        String::from_utf8(bytes.to_vec()).map_err(|e| Error::Bad {
            offset: at + 8,
            what: what(),
            found: format!("bytes that are not UTF-8 (at {})", e.utf8_error().valid_up_to()),
            expected: "UTF-8 text".into(),
        })
    }

    /// Skips a string of any length.
    fn skip_string(&mut self, what: &dyn Fn() -> String) -> Result<(), Error> {
        let n = self.u64(what)?;
        self.skip(n, what)
    }

    /// Skips a metadata value of `kind`; `depth` bounds nested arrays.
    fn skip_value(&mut self, kind: u32, depth: u32, what: &dyn Fn() -> String) -> Result<(), Error> {
        let at = self.pos;
        match kind {
            0 | 1 | 7 => self.skip(1, what),
            2 | 3 => self.skip(2, what),
            4..=6 => self.skip(4, what),
            10..=12 => self.skip(8, what),
            8 => self.skip_string(what),
            9 => {
                let inner = self.u32(what)?;
                let count = self.u64(what)?;
                let fixed = match inner {
                    0 | 1 | 7 => Some(1),
                    2 | 3 => Some(2),
                    4..=6 => Some(4),
                    10..=12 => Some(8),
                    _ => None,
                };
                match fixed {
                    Some(size) => {
                        let bytes = count.checked_mul(size).ok_or_else(|| Error::Bad {
                            offset: at + 4,
                            what: format!("count of the array {}", what()),
                            found: count.to_string(),
                            expected: "a size that fits the file".into(),
                        })?;
                        self.skip(bytes, what)
                    }
                    None if depth >= 8 => Err(Error::Bad {
                        offset: at,
                        what: format!("array {}", what()),
                        found: "arrays nested 8 deep".into(),
                        expected: "less nesting".into(),
                    }),
                    None => {
                        // Every element takes at least 8 bytes (a string's length, an array's count).
                        self.need(count.saturating_mul(8), &|| format!("elements of the array {}", what()))?;
                        for _ in 0..count {
                            self.skip_value(inner, depth + 1, what)?;
                        }
                        Ok(())
                    }
                }
            }
            other => Err(Error::Bad {
                offset: at.saturating_sub(4),
                what: format!("value type of {}", what()),
                found: other.to_string(),
                expected: "0 to 12".into(),
            }),
        }
    }
}

fn escape(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "nothing (an empty file)".into();
    }
    bytes.iter().flat_map(|&b| std::ascii::escape_default(b)).map(char::from).collect()
}

impl<S: Source> Gguf<S> {
    /// Reads and checks the header and every tensor entry.
    pub fn open(mut source: S) -> Result<Self, Error> {
        let mut c = Cursor::new(&mut source);
        let head_len = c.left().min(4) as usize;
        let magic = c.bytes(head_len, &|| "magic".into())?.to_vec();
        if magic != b"GGUF" {
            return Err(Error::Magic { found: escape(&magic) });
        }
        let version = c.u32(&|| "version".into())?;
        if !(2..=3).contains(&version) {
            return Err(Error::Version(version));
        }
        let at = c.pos;
        let tensor_count = c.u64(&|| "tensor count".into())?;
        let kv_count = c.u64(&|| "metadata count".into())?;
        // A key-value pair takes at least 13 bytes, a tensor entry at least 24.
        for (count, least, what, offset) in [(kv_count, 13u64, "metadata count", at + 8), (tensor_count, 24, "tensor count", at)] {
            if count.saturating_mul(least) > c.left() {
                return Err(Error::Bad {
                    offset,
                    what: what.into(),
                    found: count.to_string(),
                    expected: format!("at most {} for the {} bytes left", c.left() / least, c.left()),
                });
            }
        }
        let mut alignment = 32u64;
        let mut architecture = None;
        for i in 0..kv_count {
            let key = c.string(&|| format!("key of metadata item {i}"))?;
            let what = || format!("metadata `{key}`");
            let kind_at = c.pos;
            let kind = c.u32(&what)?;
            match (key.as_str(), kind) {
                ("general.alignment", 4) => {
                    let a = c.u32(&what)? as u64;
                    if a == 0 || !a.is_power_of_two() {
                        return Err(Error::Bad {
                            offset: kind_at + 4,
                            what: what(),
                            found: a.to_string(),
                            expected: "a power of two".into(),
                        });
                    }
                    alignment = a;
                }
                ("general.architecture", 8) => architecture = Some(c.string(&what)?),
                _ => c.skip_value(kind, 0, &what)?,
            }
        }
        let mut tensors: Vec<GgufTensor> = Vec::new();
        for i in 0..tensor_count {
            let name = c.string(&|| format!("name of tensor {i}"))?;
            let what = |field: &str| format!("{field} of tensor `{name}`");
            let dims_at = c.pos;
            let n_dims = c.u32(&|| what("dimension count"))?;
            if n_dims > MAX_DIMS {
                return Err(Error::Bad {
                    offset: dims_at,
                    what: what("dimension count"),
                    found: n_dims.to_string(),
                    expected: format!("at most {MAX_DIMS}"),
                });
            }
            let mut ne = Vec::with_capacity(n_dims as usize);
            for _ in 0..n_dims {
                ne.push(c.u64(&|| what("dimensions"))?);
            }
            let type_at = c.pos;
            let id = c.u32(&|| what("type"))?;
            let ggml_type = ggml_type(id).ok_or_else(|| Error::Bad {
                offset: type_at,
                what: what("type"),
                found: id.to_string(),
                expected: "a ggml type id (0-30, 34, 35, 39-41)".into(),
            })?;
            let offset = c.u64(&|| what("data offset"))?;
            let fail = |problem: String| Error::Tensor { name: name.clone(), problem };
            let elements =
                ne.iter().try_fold(1u64, |a, &d| a.checked_mul(d)).ok_or_else(|| fail(format!("the dimensions {ne:?} overflow")))?;
            let row = ne.first().copied().unwrap_or(1);
            if row % ggml_type.block_size != 0 {
                return Err(fail(format!(
                    "its row of {row} values is not a multiple of {}'s block of {}",
                    ggml_type.name, ggml_type.block_size
                )));
            }
            let bytes = (elements / ggml_type.block_size)
                .checked_mul(ggml_type.type_size)
                .ok_or_else(|| fail(format!("the dimensions {ne:?} overflow")))?;
            if offset % alignment != 0 {
                return Err(fail(format!("its data offset {offset} is not a multiple of the alignment {alignment}")));
            }
            if tensors.iter().any(|t| t.name == name) {
                return Err(fail("the name appears twice".into()));
            }
            let shape = ne.iter().rev().copied().collect();
            tensors.push(GgufTensor { name, ggml_type, shape, elements, bytes, offset });
        }
        let data_start = c.pos.div_ceil(alignment).saturating_mul(alignment);
        let len = c.len;
        for t in &mut tensors {
            let start = data_start.checked_add(t.offset);
            let end = start.and_then(|s| s.checked_add(t.bytes));
            match (start, end) {
                (Some(start), Some(end)) if end <= len => t.offset = start,
                _ => {
                    return Err(Error::Tensor {
                        name: t.name.clone(),
                        problem: format!(
                            "its {} bytes at data offset {} reach past the end of the file ({} bytes of data)",
                            t.bytes,
                            t.offset,
                            len.saturating_sub(data_start)
                        ),
                    })
                }
            }
        }
        Ok(Gguf { version, alignment, architecture, data_start, tensors, source })
    }

    /// The tensors, in file order.
    pub fn tensors(&self) -> &[GgufTensor] {
        &self.tensors
    }

    /// The tensor named `name`.
    pub fn info(&self, name: &str) -> Option<&GgufTensor> {
        self.tensors.iter().find(|t| t.name == name)
    }

    /// Loads a float tensor as float32, in memory order (rows of `ne[0]` values).
    pub fn load(&mut self, name: &str) -> Result<Vec<f32>, Error> {
        self.load_with_progress(name, &mut |_, _| ControlFlow::Continue(()))
    }

    /// [`Gguf::load`], calling `progress(bytes done, bytes total)` after every chunk of at most
    /// [`Source::read_size`] bytes; `ControlFlow::Break` cancels.
    pub fn load_with_progress(&mut self, name: &str, progress: &mut dyn FnMut(u64, u64) -> ControlFlow<()>) -> Result<Vec<f32>, Error> {
        let t = self
            .info(name)
            .cloned()
            .ok_or_else(|| Error::Tensor { name: name.into(), problem: "no tensor of that name in the file".into() })?;
        let element = t.element().ok_or_else(|| Error::Tensor {
            name: name.into(),
            problem: format!(
                "{} ({} bits per weight) is not a float type: it is listed, not loaded",
                t.ggml_type.name,
                t.ggml_type.bits_per_weight()
            ),
        })?;
        let size = t.ggml_type.type_size;
        let elements = usize::try_from(t.elements)
            .map_err(|_| Error::Tensor { name: name.into(), problem: "too many values for this machine".into() })?;
        let mut out: Vec<f32> = Vec::new();
        out.try_reserve_exact(elements)
            .map_err(|e| Error::Tensor { name: name.into(), problem: format!("cannot allocate {elements} float32 values: {e}") })?;
        let chunk = (self.source.read_size().max(1) as u64 / size * size).max(size);
        let mut buf = vec![0u8; chunk.min(t.bytes) as usize];
        let mut done = 0u64;
        self.source.reading(t.offset, t.bytes);
        while done < t.bytes {
            let take = chunk.min(t.bytes - done) as usize;
            let at = t.offset + done;
            self.source.read_at(at, &mut buf[..take]).map_err(|e| Error::Io {
                start: at,
                end: at + take as u64,
                message: e.to_string(),
            })?;
            convert(&element, true, &buf[..take], &mut out);
            done += take as u64;
            if progress(done, t.bytes).is_break() {
                return Err(Error::Cancelled);
            }
        }
        Ok(out)
    }
}
