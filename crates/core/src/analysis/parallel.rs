//! The parallel split: the tensor's runs grouped into units read together, and units spread over threads.

use crate::rounding::Rounding;
use crate::spec::QuantSpec;
use crate::tensor::{Block, Tensor};
use std::ops::Range;

/// Channels whose runs are read together: consecutive channels and all their runs, in memory order.
pub(super) struct Unit<'a> {
    pub(super) channels: Range<usize>,
    pub(super) blocks: &'a [Block],
    /// How many values ahead the next unit's data lies (0: none follows in memory). The measuring
    /// pass brings it into the cache (`Kernel::next`), so that its range pass reads from the cache.
    pub(super) ahead: usize,
}

impl Unit<'_> {
    /// The next unit's values that lie `ahead` beyond `block`'s, as many as `block` holds or fewer.
    pub(super) fn next_of<'v>(&self, values: &'v [f32], block: &Block) -> &'v [f32] {
        if self.ahead == 0 {
            return &[];
        }
        let start = (block.range.start + self.ahead).min(values.len());
        &values[start..(start + block.range.len()).min(values.len())]
    }
}

/// The tensor's runs as units. With one run per channel (rows, or channels along the first axis)
/// a unit is a few consecutive channels, about 64 KiB of float32 or more: its measuring pass reads
/// them again while they are still in the core's cache, the bookkeeping per unit is small next to
/// the work, and units can go to different threads. Otherwise (channels interleaved in memory) one
/// unit holds every run.
pub(super) fn units<'a>(tensor: &Tensor, blocks: &'a [Block]) -> Vec<Unit<'a>> {
    const UNIT_VALUES: usize = 16 * 1024;
    let channels = tensor.channels();
    if !(blocks.len() == channels && blocks.iter().enumerate().all(|(c, b)| b.channel == c)) {
        return vec![Unit { channels: 0..channels, blocks, ahead: 0 }];
    }
    let mut units = Vec::new();
    let (mut start, mut values) = (0, 0);
    for (c, block) in blocks.iter().enumerate() {
        values += block.range.len();
        if values >= UNIT_VALUES || c + 1 == channels {
            let ahead = if c + 1 == channels { 0 } else { values };
            units.push(Unit { channels: start..c + 1, blocks: &blocks[start..=c], ahead });
            (start, values) = (c + 1, 0);
        }
    }
    units
}

/// Runs `work` on consecutive slices of `items` and returns its results in order. Native builds use
/// `threads` threads, slices of about equal `size`; results do not depend on the split (channels
/// are independent, each summed in its own fixed order). A thread that cannot be started leaves its
/// slice to the calling thread.
pub(crate) fn in_parts<T: Sync, R: Send>(
    items: &[T],
    size: impl Fn(&T) -> usize,
    threads: usize,
    work: impl Fn(&[T]) -> R + Sync,
) -> Vec<R> {
    #[cfg(not(target_arch = "wasm32"))]
    if threads > 1 && items.len() > 1 {
        let total: usize = items.iter().map(&size).sum();
        let mut slices = Vec::with_capacity(threads);
        let (mut start, mut done) = (0, 0);
        for (i, item) in items.iter().enumerate() {
            done += size(item);
            if slices.len() + 1 < threads && i + 1 < items.len() && done * threads >= total * (slices.len() + 1) {
                slices.push(&items[start..=i]);
                start = i + 1;
            }
        }
        slices.push(&items[start..]);
        let work = &work;
        return std::thread::scope(|scope| {
            let handles: Vec<_> = slices[1..]
                .iter()
                .map(|&slice| (slice, std::thread::Builder::new().spawn_scoped(scope, move || work(slice)).ok()))
                .collect();
            let mut out = vec![work(slices[0])];
            for (slice, handle) in handles {
                out.push(match handle.map(|h| h.join()) {
                    Some(Ok(r)) => r,
                    _ => work(slice),
                });
            }
            out
        });
    }
    let _ = (size, threads);
    vec![work(items)]
}

impl Unit<'_> {
    pub(super) fn len(&self) -> usize {
        self.blocks.iter().map(|b| b.range.len()).sum()
    }
}

/// Threads for the passes: every core when the tensor is large enough that starting threads (tens
/// of microseconds) is small next to the work, one when stochastic rounding draws from one sequence.
pub(super) fn threads(tensor: &Tensor, spec: &QuantSpec) -> usize {
    const MIN_PER_THREAD: usize = 1 << 18;
    if spec.rounding == Rounding::Stochastic || tensor.len() < 2 * MIN_PER_THREAD {
        return 1;
    }
    #[cfg(not(target_arch = "wasm32"))]
    return std::thread::available_parallelism().map_or(1, |n| n.get()).min(tensor.len() / MIN_PER_THREAD);
    #[cfg(target_arch = "wasm32")]
    1
}
