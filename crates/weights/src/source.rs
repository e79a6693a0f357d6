//! Where the bytes come from: anything that can read a byte range on demand.

use std::io::{self, Read, Seek, SeekFrom};

/// A file's bytes, read by range. The library never asks for more than it has checked exists, and
/// reads tensor data in chunks of [`CHUNK`] bytes.
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
}

/// The largest read the library makes at once while loading tensor data: 1 MiB.
pub const CHUNK: usize = 1 << 20;

fn read_slice(bytes: &[u8], offset: u64, buf: &mut [u8]) -> io::Result<()> {
    let start = usize::try_from(offset).map_err(|_| io::Error::from(io::ErrorKind::UnexpectedEof))?;
    let end = start.checked_add(buf.len()).ok_or_else(|| io::Error::from(io::ErrorKind::UnexpectedEof))?;
    let src = bytes.get(start..end).ok_or_else(|| io::Error::from(io::ErrorKind::UnexpectedEof))?;
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
}

impl Source for Vec<u8> {
    fn len(&self) -> u64 {
        Vec::len(self) as u64
    }
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        read_slice(self, offset, buf)
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
