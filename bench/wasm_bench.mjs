// Times the core's per-channel analysis compiled to wasm (bench/wasm, built by bench/wasm_bench.sh)
// under Node. Prints one JSON line per convention. bench/wasm_chromium.mjs runs the same timing in
// Chromium.
//   node bench/wasm_bench.mjs --wasm bench/output/wasm-on.wasm [--data FILE.f32] [--rows R --cols C]
//                              [--repeat N] [--which 0|1|2 (PyTorch affine, symmetric, ORT affine; default all)]
// Without --data the values are pseudo-normal (sum of three uniforms), a spread per row.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { fillSynthetic, timeAnalysis } from './wasm_timing.mjs';

const opt = { rows: 4096, cols: 4096, repeat: 10 };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) opt[argv[i].replace(/^--/, '')] = argv[i + 1];
const [rows, cols, repeat] = [Number(opt.rows), Number(opt.cols), Number(opt.repeat)];
const { instance } = await WebAssembly.instantiate(readFileSync(opt.wasm), {});
const { memory, buffer } = instance.exports;
const len = rows * cols;
const ptr = buffer(len);
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
  fillSynthetic(new Float32Array(memory.buffer, ptr, len), rows, cols);
}
const which = opt.which === undefined ? [0, 1, 2] : [Number(opt.which)];
for (const result of timeAnalysis(instance.exports, ptr, rows, cols, repeat, which, `wasm (node ${process.version})`)) {
  console.log(JSON.stringify({ ...result, wasm: opt.wasm.split('/').pop() }));
}
