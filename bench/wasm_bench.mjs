// Times the core's per-channel analysis compiled to wasm (bench/wasm, built by bench/wasm_bench.sh)
// under Node. Prints one JSON line per convention.
//   node bench/wasm_bench.mjs --wasm bench/output/wasm-on.wasm [--data FILE.f32] [--rows R --cols C]
//                              [--repeat N] [--which 0|1|2 (PyTorch affine, symmetric, ORT affine; default all)]
// Without --data the values are pseudo-normal (sum of three uniforms), a spread per row.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const opt = { rows: 4096, cols: 4096, repeat: 10 };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) opt[argv[i].replace(/^--/, '')] = argv[i + 1];
const [rows, cols, repeat] = [Number(opt.rows), Number(opt.cols), Number(opt.repeat)];
const { instance } = await WebAssembly.instantiate(readFileSync(opt.wasm), {});
const { memory, buffer, analyse } = instance.exports;
const len = rows * cols;
const ptr = buffer(len);
const values = new Float32Array(memory.buffer, ptr, len);
if (opt.data) {
  // Straight into wasm memory: one copy of the tensor in the process.
  const fd = openSync(opt.data, 'r');
  const view = new Uint8Array(memory.buffer, ptr, len * 4);
  for (let done = 0, n; done < view.length; done += n) {
    n = readSync(fd, view, done, view.length - done, done);
    if (n <= 0) throw new Error(`${opt.data}: shorter than ${rows} x ${cols} float32`);
  }
  closeSync(fd);
} else {
  let s = 0x2545f491;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  for (let r = 0; r < rows; r++) {
    const spread = 0.01 + (r % 17) * 0.05;
    for (let c = 0; c < cols; c++) values[r * cols + c] = (next() + next() + next() - 1.5) * spread;
  }
}
const names = ['pytorch/affine', 'pytorch/symmetric', 'onnxruntime/affine'];
for (const which of opt.which === undefined ? [0, 1, 2] : [Number(opt.which)]) {
  const sqnr = analyse(ptr, rows, cols, which); // warm-up (compilation tiers)
  const times = [];
  for (let i = 0; i < repeat; i++) {
    const t = performance.now();
    analyse(ptr, rows, cols, which);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  console.log(JSON.stringify({
    impl: `wasm (node ${process.version})`, wasm: opt.wasm.split('/').pop(), convention: names[which], rows, cols,
    best_s: +(times[0] / 1000).toFixed(6), median_s: +(times[times.length >> 1] / 1000).toFixed(6),
    sqnr_db: sqnr, peak_memory_bytes: memory.buffer.byteLength,
  }));
}
