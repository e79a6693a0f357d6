//! Where the bytes come from: anything that can read a byte range on demand.

use std::io::{self, Read, Seek, SeekFrom};

/// A file's bytes, read by range. The library never asks for more than it has checked exists, and
/// reads tensor data in chunks of [`Source::read_size`] bytes ([`CHUNK`] unless the source says).
///
/// Implemented for byte slices and vectors, and for any `Read + Seek` through [`ReadSeekSource`]
/// (a native file). In the browser a Web Worker implements it over `Blob.slice` with
/// `FileReaderSync`, so a file is never read into memory whole.
pub trait Source {
    /// Total length in bytes.
    fn len(&self) -> u64;
    /// Whether the source is empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Fills `buf` with the bytes at `offset..offset + buf.len()` (always within `len()`).
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<()>;
    /// The bytes at `offset..offset + len` in place, when the source holds them in memory (a byte
    /// slice, a [`MappedFile`]): the library converts them without copying them first. `None` (the
    /// default): it reads them with [`Source::read_at`].
    fn bytes_at(&self, offset: u64, len: usize) -> Option<&[u8]> {
        let _ = (offset, len);
        None
    }
    /// The library is done with the bytes at `offset..offset + len` (after [`Source::bytes_at`]): a
    /// [`MappedFile`] lets their pages go, so that reading a file never holds more of it in memory
    /// than the part being converted. The default does nothing.
    fn done_with(&mut self, offset: u64, len: u64) {
        let _ = (offset, len);
    }
    /// The most bytes the library asks of [`Source::read_at`] at once while loading tensor data
    /// (whole elements within it): [`CHUNK`] by default. The library holds a buffer of this size
    /// while it loads a tensor, and converts each chunk as it comes (a chunk that fits in the CPU's
    /// cache converts faster: a source whose reads have a fixed cost reads ahead instead, see
    /// [`Source::reading`]).
    fn read_size(&self) -> usize {
        CHUNK
    }
    /// The library is about to read the bytes at `offset..offset + len` (a tensor's data) in order,
    /// by chunks: a source whose every read has a fixed cost may read more than a chunk at once
    /// within that range (the browser's `FileReaderSync` source reads 16 MiB, a round trip to the
    /// browser's process each). The default does nothing.
    fn reading(&mut self, offset: u64, len: u64) {
        let _ = (offset, len);
    }
}

/// The largest read the library makes at once while loading tensor data: 1 MiB.
pub const CHUNK: usize = 1 << 20;

/// `bytes[offset..offset + len]`, `None` when that is not inside `bytes`.
fn slice_at(bytes: &[u8], offset: u64, len: usize) -> Option<&[u8]> {
    let start = usize::try_from(offset).ok()?;
    bytes.get(start..start.checked_add(len)?)
}

fn read_slice(bytes: &[u8], offset: u64, buf: &mut [u8]) -> io::Result<()> {
    let src = slice_at(bytes, offset, buf.len()).ok_or_else(|| io::Error::from(io::ErrorKind::UnexpectedEof))?;
    buf.copy_from_slice(src);
    Ok(())
}

impl Source for &[u8] {
    fn len(&self) -> u64 {
        <[u8]>::len(self) as u64
    }
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        read_slice(self, offset, buf)
    }
    fn bytes_at(&self, offset: u64, len: usize) -> Option<&[u8]> {
        slice_at(self, offset, len)
    }
}

impl Source for Vec<u8> {
    fn len(&self) -> u64 {
        Vec::len(self) as u64
    }
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        read_slice(self, offset, buf)
    }
    fn bytes_at(&self, offset: u64, len: usize) -> Option<&[u8]> {
        slice_at(self, offset, len)
    }
}

/// A file on disk, memory-mapped (`memmap2`): tensor data is converted straight from the OS's page
/// cache, without a copy into a read buffer, and the pages of converted data are let go
/// ([`Source::done_with`], `madvise(MADV_DONTNEED)`), so the process holds at most the part being
/// converted, not the whole file. Native builds only.
///
/// Like every memory map, it assumes the file is not truncated or rewritten while it is read (a
/// truncated file would end the process with SIGBUS, as with ripgrep or safetensors' own reader).
#[cfg(not(target_arch = "wasm32"))]
pub struct MappedFile {
    map: memmap2::Mmap,
}

#[cfg(not(target_arch = "wasm32"))]
impl MappedFile {
    /// Maps `file` read-only. Fails for what cannot be mapped (a pipe, a character device, ...):
    /// read those through [`ReadSeekSource`].
    pub fn new(file: &std::fs::File) -> io::Result<Self> {
        // SAFETY: the map is read-only and private to this process; the file changing under it is
        // the caveat stated on the type (the same every memory-mapped reader accepts).
        let map = unsafe { memmap2::Mmap::map(file)? };
        // Tensors are read front to back: let the kernel read ahead.
        let _ = map.advise(memmap2::Advice::Sequential);
        Ok(MappedFile { map })
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl Source for MappedFile {
    fn len(&self) -> u64 {
        self.map.len() as u64
    }
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        read_slice(&self.map, offset, buf)
    }
    fn bytes_at(&self, offset: u64, len: usize) -> Option<&[u8]> {
        slice_at(&self.map, offset, len)
    }
    fn done_with(&mut self, offset: u64, len: u64) {
        let (Ok(offset), Ok(len)) = (usize::try_from(offset), usize::try_from(len)) else { return };
        if offset.checked_add(len).is_some_and(|end| end <= self.map.len()) && len > 0 {
            // SAFETY: MADV_DONTNEED on a read-only file mapping only drops this process's copy of
            // the pages (memmap2 widens the range to whole pages); a later read of them reads the
            // file again, so no data is lost or changed. A failure only leaves the pages mapped.
            let _ = unsafe { self.map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, offset, len) };
        }
    }
}

/// Any `Read + Seek` (e.g. a `std::fs::File`) as a [`Source`].
pub struct ReadSeekSource<R> {
    inner: R,
    len: u64,
}

impl<R: Read + Seek> ReadSeekSource<R> {
    /// Wraps `inner`, measuring its length by seeking to the end.
    pub fn new(mut inner: R) -> io::Result<Self> {
        let len = inner.seek(SeekFrom::End(0))?;
        Ok(ReadSeekSource { inner, len })
    }
}

impl<R: Read + Seek> Source for ReadSeekSource<R> {
    fn len(&self) -> u64 {
        self.len
    }
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        self.inner.seek(SeekFrom::Start(offset))?;
        self.inner.read_exact(buf)
    }
}

/// A [`Source`] as `Read + Seek` (for the zip reader). Reads past the end return 0 bytes.
pub(crate) struct SourceReader<S> {
    pub(crate) source: S,
    pos: u64,
}

impl<S: Source> SourceReader<S> {
    pub(crate) fn new(source: S) -> Self {
        SourceReader { source, pos: 0 }
    }
}

impl<S: Source> Read for SourceReader<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let len = self.source.len();
        if self.pos >= len {
            return Ok(0);
        }
        let n = (len - self.pos).min(buf.len() as u64) as usize;
        self.source.read_at(self.pos, &mut buf[..n])?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl<S: Source> Seek for SourceReader<S> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let target = match pos {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::End(d) => self.source.len().checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        match target {
            Some(p) => {
                self.pos = p;
                Ok(p)
            }
            None => Err(io::Error::new(io::ErrorKind::InvalidInput, "seek before the start of the file")),
        }
    }
}
