//! `quantscope_weights::Source` over a `Blob` (a dropped `File`) in a Web Worker: `Blob.slice` plus
//! `FileReaderSync`, so only the asked range is ever read. Small reads (headers, zip entries, the
//! inflater's) are served from a read-ahead window of [`quantscope_weights::CHUNK`] bytes in wasm
//! memory. Tensor data (the library reads it in chunks of `CHUNK`, having said which range it will
//! read: [`Source::reading`]) comes from reads of up to [`READ_AHEAD`] bytes kept on the JS side, each
//! chunk copied from there into wasm memory as it is asked for. `FileReaderSync` exists in workers only.

use std::io;

use quantscope_weights::{Source, CHUNK};
use wasm_bindgen::JsValue;
use web_sys::js_sys::Uint8Array;
use web_sys::{Blob, FileReaderSync};

/// The most tensor data read at once: 16 MiB. Each `FileReaderSync` read is a round trip to the
/// browser's process with a fixed cost: reading 200 MB of the llama-shaped file in a worker took
/// 0.4-0.6 s in 16 MiB reads against 0.7-1.5 s in 1 MiB ones, and 64 MiB reads were no faster
/// (Chromium, loaded 2-core machine, 2026-12-03). The bytes stay in the read's `ArrayBuffer` and go
/// into wasm memory a 1 MiB chunk at a time, each converted to float32 while it is in the cache (a
/// 16 MiB buffer in wasm memory made the conversion that reads it about twice as slow).
pub const READ_AHEAD: u64 = 16 << 20;

pub struct BlobSource {
    blob: Blob,
    reader: FileReaderSync,
    len: u64,
    /// Bytes at `window_start..window_start + window.len()`.
    window: Vec<u8>,
    window_start: u64,
    /// The range the library said it reads next (tensor data), where reads ahead stop.
    reading: std::ops::Range<u64>,
    /// A read ahead in that range: its start and its bytes (on the JS side).
    ahead: Option<(u64, Uint8Array)>,
}

fn js_error(e: JsValue) -> io::Error {
    let text = e
        .dyn_ref::<web_sys::js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| format!("{e:?}"));
    io::Error::other(text)
}

use wasm_bindgen::JsCast;

impl BlobSource {
    /// Fails outside a worker (no `FileReaderSync`).
    pub fn new(blob: Blob) -> Result<Self, JsValue> {
        Ok(BlobSource {
            len: blob.size() as u64,
            reader: FileReaderSync::new()?,
            blob,
            window: Vec::new(),
            window_start: 0,
            reading: 0..0,
            ahead: None,
        })
    }

    /// The bytes at `start..end` of the blob, as the read returned them (JS side).
    fn read_js(&self, start: u64, end: u64) -> io::Result<Uint8Array> {
        let slice = self.blob.slice_with_f64_and_f64(start as f64, end as f64).map_err(js_error)?;
        let bytes = Uint8Array::new(&self.reader.read_as_array_buffer(&slice).map_err(js_error)?.into());
        if u64::from(bytes.length()) != end - start {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the file changed while being read"));
        }
        Ok(bytes)
    }

    /// Reads `start..start + buf.len()` straight from the blob.
    fn read_direct(&self, start: u64, buf: &mut [u8]) -> io::Result<()> {
        self.read_js(start, start + buf.len() as u64)?.copy_to(buf);
        Ok(())
    }

    /// Fills `buf` from `start` out of a read ahead of up to [`READ_AHEAD`] bytes, made now if the
    /// one held does not cover it. `start..end` is within `self.reading`.
    fn read_ahead(&mut self, start: u64, end: u64, buf: &mut [u8]) -> io::Result<()> {
        let covered = |(at, bytes): &(u64, Uint8Array)| start >= *at && end <= at + u64::from(bytes.length());
        if !self.ahead.as_ref().is_some_and(covered) {
            // The previous read's bytes first: two need not be held at once.
            self.ahead = None;
            let stop = self.reading.end.min(start.saturating_add(READ_AHEAD)).max(end);
            self.ahead = Some((start, self.read_js(start, stop)?));
        }
        let Some((at, bytes)) = &self.ahead else { return Err(io::Error::other("no read ahead")) };
        bytes.subarray((start - at) as u32, (end - at) as u32).copy_to(buf);
        Ok(())
    }
}

impl Source for BlobSource {
    fn len(&self) -> u64 {
        self.len
    }

    fn reading(&mut self, offset: u64, len: u64) {
        self.reading = offset..offset.saturating_add(len).min(self.len);
        self.ahead = None;
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        let end = offset.checked_add(buf.len() as u64).filter(|&e| e <= self.len);
        let Some(end) = end else {
            return Err(io::Error::from(io::ErrorKind::UnexpectedEof));
        };
        if offset >= self.reading.start && end <= self.reading.end {
            return self.read_ahead(offset, end, buf);
        }
        if buf.len() >= CHUNK / 2 {
            return self.read_direct(offset, buf);
        }
        let in_window = offset >= self.window_start && end <= self.window_start + self.window.len() as u64;
        if !in_window {
            let size = (self.len - offset).min(CHUNK as u64) as usize;
            let mut window = std::mem::take(&mut self.window);
            window.resize(size, 0);
            self.read_direct(offset, &mut window)?;
            self.window = window;
            self.window_start = offset;
        }
        let at = (offset - self.window_start) as usize;
        buf.copy_from_slice(&self.window[at..at + buf.len()]);
        Ok(())
    }
}
