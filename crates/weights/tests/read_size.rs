//! A source that asks for bigger (or smaller) reads (`Source::read_size`) gets reads of at most that
//! size, of whole elements, one progress call each, and the same bits as the default 1 MiB reads;
//! it is told the tensor's data range before (`Source::reading`: the browser's source reads ahead
//! within it).

mod support;
use quantscope_core::Samples;
use quantscope_weights::{Archive, ReadSeekSource, Source, CHUNK};
use std::cell::RefCell;
use std::io::Cursor;
use std::ops::ControlFlow;
use std::rc::Rc;
use support::{noise, safetensors};

/// A `Read + Seek` source that asks for reads of `size` bytes and records every read's length.
struct Sized {
    inner: ReadSeekSource<Cursor<Vec<u8>>>,
    size: usize,
    reads: Rc<RefCell<Vec<usize>>>,
    /// The ranges announced by `reading`.
    announced: Rc<RefCell<Vec<(u64, u64)>>>,
}

impl Source for Sized {
    fn len(&self) -> u64 {
        self.inner.len()
    }
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
        self.reads.borrow_mut().push(buf.len());
        self.inner.read_at(offset, buf)
    }
    fn read_size(&self) -> usize {
        self.size
    }
    fn reading(&mut self, offset: u64, len: u64) {
        self.announced.borrow_mut().push((offset, len));
    }
}

/// The tensor's bits, the data reads' lengths and the progress calls, with reads of `size`.
fn load(file: &[u8], size: usize) -> (Vec<u32>, Vec<usize>, Vec<(u64, u64)>) {
    let reads = Rc::new(RefCell::new(Vec::new()));
    let announced = Rc::new(RefCell::new(Vec::new()));
    let inner = ReadSeekSource::new(Cursor::new(file.to_vec())).unwrap();
    let source = Sized { inner, size, reads: reads.clone(), announced: announced.clone() };
    let mut archive = Archive::open(source, "t").unwrap();
    let header_reads = reads.borrow().len();
    let mut seen = Vec::new();
    let tensor = archive
        .load_with_progress("t", 0, &mut |done, total| {
            seen.push((done, total));
            ControlFlow::Continue(())
        })
        .unwrap();
    let Samples::F32(values) = tensor.data else { panic!("files load as float32") };
    let data_reads = reads.borrow()[header_reads..].to_vec();
    // The tensor's data range, announced once, before its reads: after the header.
    let data = data_reads.iter().sum::<usize>() as u64;
    assert_eq!(*announced.borrow(), [(file.len() as u64 - data, data)]);
    (values.into_iter().map(f32::to_bits).collect(), data_reads, seen)
}

#[test]
fn reads_of_the_sources_size_give_the_same_bits() {
    // 3.5 MiB of BF16: 4 reads of 1 MiB by default, one of 16 MiB, 7 of 512 KiB (and an odd size:
    // whole elements, 2 bytes each, so 999 bytes reads 998).
    let data = noise(7 << 19);
    let file = safetensors("BF16", data.len() / 2, &data);
    let (default_bits, default_reads, default_progress) = load(&file, CHUNK);
    assert_eq!(default_reads, vec![CHUNK, CHUNK, CHUNK, CHUNK / 2]);
    assert_eq!(default_progress.len(), 4);
    for (size, reads) in [(16 << 20, 1), (CHUNK / 2, 7), (999, data.len().div_ceil(998))] {
        let (bits, lens, progress) = load(&file, size);
        assert_eq!(bits, default_bits, "read size {size}");
        assert_eq!(lens.len(), reads, "read size {size}");
        assert!(lens.iter().all(|&n| n <= size && n % 2 == 0), "read size {size}: {lens:?}");
        assert_eq!(progress.len(), reads);
        assert_eq!(progress.last(), Some(&(data.len() as u64, data.len() as u64)));
    }
    // A source asking for reads of 0 bytes still reads (one element at a time).
    let small = safetensors("BF16", 8, &data[..16]);
    assert_eq!(load(&small, 0).0, load(&small, CHUNK).0);
}
