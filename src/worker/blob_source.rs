//! `quantscope_weights::Source` over a `Blob` (a dropped `File`) in a Web Worker: `Blob.slice` plus
//! `FileReaderSync`, so only the asked range is ever read. Small reads (headers, zip entries, the
//! inflater's) are served from a read-ahead window of [`quantscope_weights::CHUNK`] bytes; tensor data comes in
//! reads of [`READ_SIZE`] bytes. `FileReaderSync` exists in workers only.

use std::io;

use quantscope_weights::{Source, CHUNK};
use wasm_bindgen::JsValue;
use web_sys::js_sys::Uint8Array;
use web_sys::{Blob, FileReaderSync};

/// The tensor data read at once ([`Source::read_size`]): 16 MiB. Each `FileReaderSync` read is a
/// round trip to the browser's process with a fixed cost; reading 200 MB of the llama-shaped file in
/// a worker took 0.4-0.6 s in 16 MiB reads against 0.7-1.5 s in 1 MiB ones (Chromium, loaded 2-core
/// machine, 2026-12-03), and 64 MiB reads were no faster. The worker holds a buffer of this size,
/// and the read's `ArrayBuffer` until it is collected.
pub const READ_SIZE: usize = 16 << 20;

pub struct BlobSource {
    blob: Blob,
    reader: FileReaderSync,
    len: u64,
    /// Bytes at `window_start..window_start + window.len()`.
    window: Vec<u8>,
    window_start: u64,
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
        Ok(BlobSource { len: blob.size() as u64, reader: FileReaderSync::new()?, blob, window: Vec::new(), window_start: 0 })
    }

    /// Reads `start..start + buf.len()` straight from the blob.
    fn read_direct(&self, start: u64, buf: &mut [u8]) -> io::Result<()> {
        let end = start + buf.len() as u64;
        let slice = self.blob.slice_with_f64_and_f64(start as f64, end as f64).map_err(js_error)?;
        let bytes = Uint8Array::new(&self.reader.read_as_array_buffer(&slice).map_err(js_error)?.into());
        if bytes.length() as usize != buf.len() {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the file changed while being read"));
        }
        bytes.copy_to(buf);
        Ok(())
    }
}

impl Source for BlobSource {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_size(&self) -> usize {
        READ_SIZE
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        let end = offset.checked_add(buf.len() as u64).filter(|&e| e <= self.len);
        let Some(end) = end else {
            return Err(io::Error::from(io::ErrorKind::UnexpectedEof));
        };
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
