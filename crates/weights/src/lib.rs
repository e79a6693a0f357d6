//! # formats: weight files into quantscope's core
//!
//! Reads `.npy`, `.npz` (zip, stored or deflated members) and `.safetensors` from any [`Source`]
//! (a byte slice, a `Read + Seek`, or in the browser a `Blob` read by slices): [`Archive::open`]
//! lists the tensors (name, dtype, shape, size, whether they can be analysed and why not), and
//! [`Archive::load`] turns one into a [`quantscope_core::Tensor`] of float32 with the caller's channel axis.
//!
//! Every number in a header is checked against the real length before anything is allocated from
//! it; a bad file is an [`Error`] naming the tensor and the problem, never a panic. Loading holds one
//! copy of the tensor (its float32 values) plus a 1 MiB read buffer.
//!
//! dtypes: float32 as is; float16 and bfloat16 widened exactly; float64 rounded to float32 (stated in
//! [`TensorInfo::note`]); integer, bool and other dtypes are listed as not analysable.
#![deny(missing_docs)]

mod dtype;
mod error;
pub mod gguf;
pub mod model_table;
pub mod npy;
pub mod safetensors;
pub mod sample;
mod source;

pub use dtype::Element;
pub use error::{Error, Problem};
#[cfg(not(target_arch = "wasm32"))]
pub use source::MappedFile;
pub use source::{ReadSeekSource, Source, CHUNK};

use quantscope_core::{Samples, Tensor};
use serde::Serialize;
use source::SourceReader;
use std::io::Read;
use std::ops::ControlFlow;

/// The container format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// One NumPy array.
    Npy,
    /// A zip of `.npy` members (`numpy.savez`, `savez_compressed`).
    Npz,
    /// Hugging Face safetensors.
    Safetensors,
}

impl Format {
    /// The file extension's name.
    pub fn name(self) -> &'static str {
        match self {
            Format::Npy => "npy",
            Format::Npz => "npz",
            Format::Safetensors => "safetensors",
        }
    }
}

/// Where a tensor's data is.
#[derive(Clone, Debug, PartialEq)]
enum Location {
    /// At an absolute offset of the source.
    Plain { offset: u64 },
    /// In zip member `index`, after `skip` bytes (its npy header).
    Member { index: usize, skip: u64 },
}

/// One tensor of a file.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TensorInfo {
    /// Its name (npz: the member name without `.npy`; a lone `.npy`: the name given to [`Archive::open`]).
    pub name: String,
    /// The dtype as the file writes it (`F32`, `<f4`, ...).
    pub dtype: String,
    /// What the elements are.
    pub element: Element,
    /// The shape.
    pub shape: Vec<u64>,
    /// Number of elements.
    pub elements: u64,
    /// Bytes of data in the file (uncompressed).
    pub bytes: u64,
    /// Why it cannot be analysed, when it cannot.
    pub not_analysable: Option<String>,
    /// What the analysis does to the values (float64 → float32), when it changes them.
    pub note: Option<&'static str>,
    #[serde(skip)]
    location: Location,
    #[serde(skip)]
    little_endian: bool,
}

impl TensorInfo {
    /// Whether [`Archive::load`] can load it.
    pub fn analysable(&self) -> bool {
        self.not_analysable.is_none()
    }
}

enum Backing<S> {
    Plain(S),
    Zip(Box<zip::ZipArchive<SourceReader<S>>>),
}

/// An opened weight file: its tensors, and the source to load them from.
pub struct Archive<S> {
    /// The container format.
    pub format: Format,
    tensors: Vec<TensorInfo>,
    backing: Backing<S>,
    /// A tensor's values handed back by [`Archive::recycle`], whose room the next load reuses: the
    /// operating system then maps and zeroes fresh pages once for the largest tensor, not for every one.
    spare: Vec<f32>,
}

fn io_problem(start: u64, end: u64, e: std::io::Error) -> Problem {
    if e.kind() == std::io::ErrorKind::UnexpectedEof {
        Problem::Truncated { what: "data", start, end, len: start }
    } else {
        Problem::Io { start, end, message: e.to_string() }
    }
}

fn read_at<S: Source>(s: &mut S, offset: u64, len: usize) -> Result<Vec<u8>, Problem> {
    // `len` is always checked against `s.len()` (or bounded by a format limit) by the caller.
    let mut buf = vec![0u8; len];
    s.read_at(offset, &mut buf).map_err(|e| io_problem(offset, offset + len as u64, e))?;
    Ok(buf)
}

fn escape(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "nothing (an empty file)".into();
    }
    bytes.iter().flat_map(|&b| std::ascii::escape_default(b)).map(char::from).collect()
}

/// Why an npy array of this header cannot be analysed, if it cannot.
fn npy_reason(h: &npy::Header) -> Option<String> {
    match &h.element {
        Element::Other { reason } => Some(reason.clone()),
        _ if h.fortran_order => Some("Fortran (column-major) order is not supported: save with numpy.ascontiguousarray".into()),
        _ => None,
    }
}

/// Checks an npy header against the bytes that follow it (`available`), naming `name`.
fn npy_info(name: &str, h: npy::Header, available: u64, location: Location) -> Result<TensorInfo, Error> {
    let fail = |p| Error::tensor(name, p);
    let elements =
        h.shape.iter().try_fold(1u64, |a, &d| a.checked_mul(d)).ok_or_else(|| fail(Problem::ShapeOverflow { shape: h.shape.clone() }))?;
    let bytes = match h.itemsize {
        Some(size) => {
            let needed = elements.checked_mul(size).ok_or_else(|| fail(Problem::ShapeOverflow { shape: h.shape.clone() }))?;
            if needed != available {
                return Err(fail(if needed > available {
                    Problem::Truncated { what: "array data", start: 0, end: needed, len: available }
                } else {
                    Problem::SizeMismatch { shape: h.shape.clone(), dtype: h.descr.clone(), needed, declared: available }
                }));
            }
            needed
        }
        None => available,
    };
    let not_analysable = npy_reason(&h);
    Ok(TensorInfo {
        name: name.to_string(),
        dtype: h.descr,
        note: h.element.note(),
        element: h.element,
        shape: h.shape,
        elements,
        bytes,
        not_analysable,
        location,
        little_endian: h.little_endian,
    })
}

/// The largest factor by which deflate can expand: a member cannot hold more than this many bytes
/// per compressed byte (plus a little), so a header claiming more is a lie.
const DEFLATE_MAX_RATIO: u64 = 1032;

fn zip_problem(e: zip::result::ZipError) -> Problem {
    Problem::Zip(e.to_string())
}

impl<S: Source> Archive<S> {
    /// Opens a file: detects the format by its first bytes, reads and checks every header.
    /// `npy_name` names the array of a lone `.npy` file (e.g. the file's stem).
    pub fn open(mut source: S, npy_name: &str) -> Result<Self, Error> {
        let len = source.len();
        let head = read_at(&mut source, 0, len.min(12) as usize).map_err(Error::file)?;
        if head.starts_with(b"\x93NUMPY") {
            let pre = npy::prelude(&head, len).map_err(|p| Error::tensor(npy_name, p))?;
            let text = read_at(&mut source, pre.start, pre.len as usize).map_err(Error::file)?;
            let h = npy::header(&text).map_err(|reason| Error::tensor(npy_name, Problem::BadHeader { format: "npy", reason }))?;
            let offset = pre.start + pre.len;
            let info = npy_info(npy_name, h, len - offset, Location::Plain { offset })?;
            return Ok(Archive { format: Format::Npy, tensors: vec![info], backing: Backing::Plain(source), spare: Vec::new() });
        }
        if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
            return Self::open_npz(source);
        }
        if head.len() >= 9 && head[8] == b'{' {
            let mut first8 = [0u8; 8];
            first8.copy_from_slice(&head[..8]);
            let n = crate::safetensors::header_len(first8, len).map_err(Error::file)?;
            let json = read_at(&mut source, 8, n as usize).map_err(Error::file)?;
            let data_start = 8 + n;
            let entries = crate::safetensors::entries(&json, len - data_start)?;
            let tensors = entries
                .into_iter()
                .map(|e| TensorInfo {
                    not_analysable: match &e.element {
                        Element::Other { reason } => Some(reason.clone()),
                        _ => None,
                    },
                    note: e.element.note(),
                    bytes: e.end - e.start,
                    location: Location::Plain { offset: data_start + e.start },
                    name: e.name,
                    dtype: e.dtype,
                    element: e.element,
                    shape: e.shape,
                    elements: e.elements,
                    little_endian: true,
                })
                .collect();
            return Ok(Archive { format: Format::Safetensors, tensors, backing: Backing::Plain(source), spare: Vec::new() });
        }
        Err(Error::file(Problem::UnknownFormat { found: escape(&head) }))
    }

    fn open_npz(source: S) -> Result<Self, Error> {
        let len = source.len();
        let mut zip = zip::ZipArchive::new(SourceReader::new(source)).map_err(|e| Error::file(zip_problem(e)))?;
        let mut tensors = Vec::with_capacity(zip.len());
        for index in 0..zip.len() {
            let mut member = zip.by_index(index).map_err(|e| Error::file(zip_problem(e)))?;
            let raw_name = member.name().to_string();
            if member.is_dir() {
                continue;
            }
            let name = raw_name.strip_suffix(".npy").unwrap_or(&raw_name).to_string();
            if tensors.iter().any(|t: &TensorInfo| t.name == name) {
                return Err(Error::tensor(&name, Problem::DuplicateName));
            }
            let size = member.size();
            let compressed = member.compressed_size();
            let end = member.data_start().saturating_add(compressed);
            if end > len {
                return Err(Error::tensor(&name, Problem::Truncated { what: "zip member", start: member.data_start(), end, len }));
            }
            let stored = member.compression() == zip::CompressionMethod::Stored;
            if stored && size != compressed {
                return Err(Error::tensor(
                    &name,
                    Problem::Zip(format!("a stored member of {compressed} bytes claims {size} bytes uncompressed")),
                ));
            }
            if !stored && size > compressed.saturating_mul(DEFLATE_MAX_RATIO).saturating_add(1024) {
                return Err(Error::tensor(
                    &name,
                    Problem::Zip(format!("the member claims {size} bytes, more than deflate can expand {compressed} bytes to")),
                ));
            }
            let fail = |p| Error::tensor(&name, p);
            let mut head = [0u8; npy::PRELUDE];
            let got = read_up_to(&mut member, &mut head).map_err(|e| fail(Problem::Zip(e.to_string())))?;
            if !raw_name.ends_with(".npy") || !head[..got].starts_with(b"\x93NUMPY") {
                tensors.push(TensorInfo {
                    name,
                    dtype: "?".into(),
                    element: Element::Other { reason: "not an .npy member".into() },
                    shape: vec![],
                    elements: 0,
                    bytes: size,
                    not_analysable: Some("not an .npy member".into()),
                    note: None,
                    location: Location::Member { index, skip: 0 },
                    little_endian: true,
                });
                continue;
            }
            let pre = npy::prelude(&head[..got], size).map_err(fail)?;
            // The dict starts at 10 or 12: keep what was read past it.
            let mut text = head[pre.start as usize..got].to_vec();
            let rest = (pre.len as usize).saturating_sub(text.len());
            text.truncate(pre.len as usize);
            let mut more = vec![0u8; rest];
            member.read_exact(&mut more).map_err(|e| fail(Problem::Zip(format!("cannot read the npy header: {e}"))))?;
            text.extend_from_slice(&more);
            let h = npy::header(&text).map_err(|reason| fail(Problem::BadHeader { format: "npy", reason }))?;
            let skip = pre.start + pre.len;
            tensors.push(npy_info(&name, h, size - skip, Location::Member { index, skip })?);
        }
        Ok(Archive { format: Format::Npz, tensors, backing: Backing::Zip(Box::new(zip)), spare: Vec::new() })
    }

    /// The tensors, in file order (safetensors: by data offset).
    pub fn tensors(&self) -> &[TensorInfo] {
        &self.tensors
    }

    /// The tensor named `name`.
    pub fn info(&self, name: &str) -> Option<&TensorInfo> {
        self.tensors.iter().find(|t| t.name == name)
    }

    /// Hands a loaded tensor back once it is analysed: the next [`Archive::load`] reuses its room
    /// (float32 values) when it is large enough. Memory then stays at the largest tensor loaded.
    pub fn recycle(&mut self, tensor: Tensor) {
        if let Samples::F32(values) = tensor.data {
            self.recycle_values(values);
        }
    }

    /// [`Archive::recycle`] for values already taken out of their tensor.
    pub fn recycle_values(&mut self, values: Vec<f32>) {
        if values.capacity() > self.spare.capacity() {
            self.spare = values;
        }
    }

    /// Loads a tensor as float32 with channel axis `axis` (0: output channels of Linear `[out, in]`
    /// and Conv `[O, I, kH, kW]`).
    pub fn load(&mut self, name: &str, axis: usize) -> Result<Tensor, Error> {
        self.load_with_progress(name, axis, &mut |_, _| ControlFlow::Continue(()))
    }

    /// [`Archive::load`], calling `progress(bytes done, bytes total)` after every chunk of at most
    /// [`Source::read_size`] bytes ([`CHUNK`] in a zip member); `ControlFlow::Break` cancels ([`Problem::Cancelled`]).
    pub fn load_with_progress(
        &mut self,
        name: &str,
        axis: usize,
        progress: &mut dyn FnMut(u64, u64) -> ControlFlow<()>,
    ) -> Result<Tensor, Error> {
        let info = self.info(name).cloned().ok_or_else(|| Error::file(Problem::NoSuchTensor { name: name.to_string() }))?;
        let fail = |p| Error::tensor(name, p);
        if let Some(reason) = &info.not_analysable {
            return Err(fail(Problem::NotAnalysable { dtype: info.dtype.clone(), reason: reason.clone() }));
        }
        let size = info.element.size().unwrap_or(1) as u64;
        // `bytes` was checked against the file (or member) length when the file was opened.
        let elements = usize::try_from(info.elements).map_err(|_| fail(Problem::ShapeOverflow { shape: info.shape.clone() }))?;
        if let (Backing::Zip(zip), Location::Member { index, .. }) = (&mut self.backing, &info.location) {
            // A deflated member's real size is known only once inflated: inflate it once without
            // keeping anything (this also checks its CRC-32) before allocating from its header.
            let mut member = zip.by_index(*index).map_err(|e| fail(zip_problem(e)))?;
            if member.compression() != zip::CompressionMethod::Stored {
                let claimed = member.size();
                let real = std::io::copy(&mut member, &mut std::io::sink())
                    .map_err(|e| fail(Problem::Zip(format!("the member does not inflate: {e}"))))?;
                if real != claimed {
                    return Err(fail(Problem::Zip(format!("the member inflates to {real} bytes, not the {claimed} it claims"))));
                }
            }
        }
        // The room of the last recycled tensor if it is large enough (then no new pages), else new room.
        let mut out = std::mem::take(&mut self.spare);
        out.clear();
        if out.capacity() < elements {
            out = Vec::new();
        }
        out.try_reserve_exact(elements).map_err(|e| {
            fail(Problem::Io { start: 0, end: info.bytes, message: format!("cannot allocate {} float32 values: {e}", info.elements) })
        })?;
        // Reads of the source's size from a plain file; an archive member's inflater reads its own.
        let read_size = match &self.backing {
            Backing::Plain(source) => source.read_size().max(1),
            Backing::Zip(_) => CHUNK,
        };
        let chunk = (read_size as u64 / size * size).max(size);
        let mut buf = vec![0u8; chunk.min(info.bytes) as usize];
        let total = info.bytes;
        let mut done = 0u64;
        match (&mut self.backing, &info.location) {
            (Backing::Plain(source), Location::Plain { offset }) if in_memory(source, *offset, total, elements, size) => {
                convert_in_place(source, &info, *offset, elements, &mut out, progress).map_err(fail)?;
            }
            (Backing::Plain(source), Location::Plain { offset }) => {
                source.reading(*offset, total);
                while done < total {
                    let take = chunk.min(total - done) as usize;
                    let at = offset + done;
                    source.read_at(at, &mut buf[..take]).map_err(|e| fail(io_problem(at, at + take as u64, e)))?;
                    dtype::convert(&info.element, info.little_endian, &buf[..take], &mut out);
                    done += take as u64;
                    if progress(done, total).is_break() {
                        return Err(fail(Problem::Cancelled));
                    }
                }
            }
            (Backing::Zip(zip), Location::Member { index, skip }) => {
                let mut member = zip.by_index(*index).map_err(|e| fail(zip_problem(e)))?;
                std::io::copy(&mut (&mut member).take(*skip), &mut std::io::sink()).map_err(|e| fail(Problem::Zip(e.to_string())))?;
                while done < total {
                    let take = chunk.min(total - done) as usize;
                    member
                        .read_exact(&mut buf[..take])
                        .map_err(|e| fail(Problem::Zip(format!("member data after {done} of {total} bytes: {e}"))))?;
                    dtype::convert(&info.element, info.little_endian, &buf[..take], &mut out);
                    done += take as u64;
                    if progress(done, total).is_break() {
                        return Err(fail(Problem::Cancelled));
                    }
                }
                // Reading to the end makes the zip reader check the member's CRC-32.
                let mut tail = [0u8; 1];
                match member.read(&mut tail) {
                    Ok(0) => {}
                    Ok(_) => return Err(fail(Problem::Zip("bytes after the array data".into()))),
                    Err(e) => return Err(fail(Problem::Zip(e.to_string()))),
                }
            }
            _ => return Err(fail(Problem::Zip("inconsistent location".into()))),
        }
        let shape: Vec<usize> = info.shape.iter().map(|&d| d as usize).collect();
        // A 0-d array is one value: analyse it as shape [1].
        let shape = if shape.is_empty() { vec![1] } else { shape };
        Tensor::dense(name, Samples::F32(out), shape, axis).map_err(|e| fail(Problem::Quant(e)))
    }
}

/// Whether a tensor's `total` bytes at `offset` are in memory as `elements` whole values of `size`
/// bytes (a byte slice, a memory-mapped file), for [`convert_in_place`].
fn in_memory<S: Source>(source: &S, offset: u64, total: u64, elements: usize, size: u64) -> bool {
    let whole = (elements as u64).checked_mul(size) == Some(total);
    whole && usize::try_from(total).is_ok_and(|len| source.bytes_at(offset, len).is_some())
}

/// Bytes converted by one thread between two progress reports: 8 MiB.
const BLOCK: usize = 8 << 20;

/// Threads that convert a tensor held in memory: every core on native builds, one on wasm.
fn threads() -> usize {
    #[cfg(not(target_arch = "wasm32"))]
    return std::thread::available_parallelism().map_or(1, |n| n.get());
    #[cfg(target_arch = "wasm32")]
    1
}

/// Converts the `elements` values at `offset` of a source that holds them in memory
/// ([`Source::bytes_at`]) into `out` (empty, with room for them), without copying the bytes first:
/// in rounds of one [`BLOCK`] per thread, the blocks of a round converted on separate threads
/// (values are independent, so the result does not depend on the split). After each round the
/// source lets those bytes go ([`Source::done_with`]) and `progress(bytes done, bytes total)` is
/// called; `Break` cancels. [`in_memory`] has checked the range and the sizes.
fn convert_in_place<S: Source>(
    source: &mut S,
    info: &TensorInfo,
    offset: u64,
    elements: usize,
    out: &mut Vec<f32>,
    progress: &mut dyn FnMut(u64, u64) -> ControlFlow<()>,
) -> Result<(), Problem> {
    let size = info.element.size().unwrap_or(1);
    let threads = threads();
    let values_per_block = (BLOCK / size).max(1);
    let total = (elements * size) as u64;
    let mut done_values = 0;
    while done_values < elements {
        let round = (values_per_block * threads).min(elements - done_values);
        let (start, len) = (offset + (done_values * size) as u64, round * size);
        let bytes =
            source.bytes_at(start, len).ok_or(Problem::Truncated { what: "data", start, end: start + len as u64, len: source.len() })?;
        // The room after the `done_values` values already written.
        let spare = &mut out.spare_capacity_mut()[..round];
        let convert =
            |(bytes, out): (&[u8], &mut [std::mem::MaybeUninit<f32>])| dtype::convert_into(&info.element, info.little_endian, bytes, out);
        let mut parts = bytes.chunks(values_per_block * size).zip(spare.chunks_mut(values_per_block));
        let written = match parts.next() {
            Some(first) if threads > 1 => std::thread::scope(|scope| {
                // A part whose thread cannot be started (or fails) is missing from `written`: an error below.
                let others: Vec<_> =
                    parts.map(|part| std::thread::Builder::new().spawn_scoped(scope, move || convert(part)).map_err(|_| ())).collect();
                let mut written = convert(first);
                for other in others {
                    written += other.ok().and_then(|h| h.join().ok()).unwrap_or(0);
                }
                written
            }),
            Some(first) => convert(first) + parts.map(convert).sum::<usize>(),
            None => 0,
        };
        if written != round {
            let message = format!("converted {written} of {round} values (a conversion thread could not run)");
            return Err(Problem::Io { start, end: start + len as u64, message });
        }
        done_values += round;
        // SAFETY: the first `done_values` values were all written (`written == round` per round).
        unsafe { out.set_len(done_values) };
        source.done_with(start, len as u64);
        if progress((done_values * size) as u64, total).is_break() {
            return Err(Problem::Cancelled);
        }
    }
    Ok(())
}

/// Reads until `buf` is full or the reader ends; returns the bytes read.
fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}
