// The Files tool at scale in Chromium, through the e2e harness (`make build` first):
//   node bench/files.mjs [--rows 8660 --cols 8660] [--repeat 3]
// 1. Peak memory opening and analysing a 300 MB float32 safetensors file (8660 x 8660, written here
//    by node): Chromium's proportional set size (PSS: shared pages counted once; the browser's
//    process tree, from /proc/*/smaps_rollup, sampled every 50 ms), the page's JS heap (CDP Performance.getMetrics JSHeapUsedSize) and the worker's wasm
//    memory (it reports its size; wasm memory never shrinks, so that is its peak).
// 2. The analysis time of a 4096 x 4096 float32 tensor in the worker (wasm simd128, in Chromium):
//    the time from its last byte read to its result, best of --repeat, next to the native CLI on
//    the same file (`quantscope file`, release build: read + the same analysis, wall time).
// 3. The llama-shaped 444 MB BF16 file (bench/make_llama.py, made if missing) with the default
//    options, every tensor (the pool of workers, one per core): from the click to the table, and
//    Chromium's peak memory, against the NumPy script on the same file (bench/numpy_baseline.py
//    --file, best of --repeat, run right after).
//   node bench/files.mjs --only llama [--llama FILE]   runs only this part.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { byTestId, openApp, ROOT } from '../e2e/support/browser.mjs';
import { writeSafetensors } from '../e2e/support/safetensors.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const ROWS = arg('rows', 8660);
const COLS = arg('cols', 8660);
const REPEAT = arg('repeat', 3);
const MB = (b) => `${(b / 1e6).toFixed(1)} MB`;

/** pid -> { ppid, rss bytes } of every process. */
async function processes() {
  const out = new Map();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = await readFile(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // PSS: shared pages (libraries, shared memory between Chromium's processes) counted once.
      const rollup = await readFile(`/proc/${name}/smaps_rollup`, 'utf8');
      const rss = Number(/^Pss:\s+(\d+) kB/m.exec(rollup)?.[1] ?? 0) * 1024;
      out.set(Number(name), { ppid: Number(fields[1]), rss });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Resident bytes of Chromium: every descendant of this node process. */
async function chromiumRss() {
  const all = await processes();
  const mine = new Set([process.pid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, p] of all) {
      if (!mine.has(pid) && mine.has(p.ppid)) {
        mine.add(pid);
        grew = true;
      }
    }
  }
  mine.delete(process.pid);
  let sum = 0;
  for (const pid of mine) sum += all.get(pid).rss;
  return sum;
}

async function jsHeap(cdp) {
  const { metrics } = await cdp.send('Performance.getMetrics');
  return metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0;
}

/** Opens `path`, analyses all its tensors, returns the worker's figures (and peaks if sampling). */
async function analyse(app, cdp, path, sample, convention = 'textbook') {
  const { page } = app;
  await app.goto('#files');
  await byTestId(page, 'reset').click();
  await byTestId(page, 'files-convention').selectOption(convention);
  await byTestId(page, 'files-input').setInputFiles(path);
  await byTestId(page, 'files-tensors').waitFor({ timeout: 120_000 });
  let peakRss = 0;
  let peakHeap = 0;
  let sampling = sample;
  const sampler = (async () => {
    while (sampling) {
      peakRss = Math.max(peakRss, await chromiumRss());
      peakHeap = Math.max(peakHeap, await jsHeap(cdp));
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  await byTestId(page, 'files-analyse').click();
  const timing = byTestId(page, 'files-timing');
  await timing.waitFor({ timeout: 300_000 });
  sampling = false;
  await sampler;
  const get = async (a) => Number(await timing.getAttribute(a));
  return {
    elapsed: await get('data-elapsed-ms'),
    compute: await get('data-compute-ms'),
    memory: await get('data-memory-bytes'),
    workers: await get('data-workers'),
    peakRss,
    peakHeap,
  };
}

const ONLY = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : null;
const LLAMA = process.argv.includes('--llama')
  ? process.argv[process.argv.indexOf('--llama') + 1]
  : join(ROOT, 'bench', 'output', 'llama_bf16.safetensors');

/** Part 3: the llama-shaped file, default options, against NumPy. */
async function llama(app, cdp) {
  if (!existsSync(LLAMA)) execFileSync('python3', [join(ROOT, 'bench', 'make_llama.py'), LLAMA], { stdio: 'inherit' });
  const size = statSync(LLAMA).size;
  await app.goto('#files');
  const idle = await chromiumRss();
  // Timed without the memory sampler (reading every process's smaps_rollup every 50 ms slowed the
  // workers by half), then one run sampled for the peak memory.
  const runs = [];
  for (let i = 0; i < REPEAT; i++) runs.push(await analyse(app, cdp, LLAMA, false, 'textbook'));
  const best = runs.reduce((a, b) => (b.elapsed < a.elapsed ? b : a));
  const peak = (await analyse(app, cdp, LLAMA, true, 'textbook')).peakRss;
  // One worker (the page told it has one core), for the pool's own gain; the last run of the page.
  await app.context.addInitScript(() => Object.defineProperty(Navigator.prototype, 'hardwareConcurrency', { get: () => 1 }));
  const single = await analyse(app, cdp, LLAMA, false, 'textbook');
  const out = execFileSync('python3', [join(ROOT, 'bench', 'numpy_baseline.py'), '--file', LLAMA, '--repeat', String(REPEAT)], { encoding: 'utf8' });
  const numpy = JSON.parse(out.trim().split('\n').pop());
  console.log(`llama-shaped BF16 safetensors (${MB(size)}, 33 tensors), default options (textbook), every tensor, best of ${REPEAT}:`);
  console.log(`  Files tool in Chromium, ${best.workers} worker(s): ${(best.elapsed / 1000).toFixed(2)} s from the click to the table ` +
    `(runs: ${runs.map((r) => (r.elapsed / 1000).toFixed(2)).join(', ')} s)`);
  console.log(`  the same with one worker (navigator.hardwareConcurrency = 1): ${(single.elapsed / 1000).toFixed(2)} s; pool / one worker: ` +
    `${(single.elapsed / best.elapsed).toFixed(2)}x faster`);
  console.log(`  Chromium memory (PSS): idle ${MB(idle)}, peak ${MB(peak)} (${(peak / size).toFixed(2)} x the file); workers' wasm memory ${MB(best.memory)}`);
  console.log(`  NumPy script (bench/numpy_baseline.py --file): ${numpy.best_s.toFixed(2)} s; NumPy / Files tool: ${(numpy.best_s * 1000 / best.elapsed).toFixed(2)}x ` +
    `(one worker: ${(numpy.best_s * 1000 / single.elapsed).toFixed(2)}x)`);
}

const tmp = await mkdtemp(join(tmpdir(), 'quantscope-bench-files-'));
const app = await openApp();
try {
  const cdp = await app.context.newCDPSession(app.page);
  await cdp.send('Performance.enable');
  if (ONLY !== 'llama') await others(app, cdp);
  await llama(app, cdp);
} finally {
  await app.close();
  await rm(tmp, { recursive: true, force: true });
}

/** Parts 1 and 2. */
async function others(app, cdp) {
  await app.goto('#files');
  const idleRss = await chromiumRss();

  const big = join(tmp, 'big.safetensors');
  const size = await writeSafetensors(big, ROWS, COLS);
  const r = await analyse(app, cdp, big, true);
  // The worker is let go after a big tensor (wasm memory never shrinks): memory back near idle.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const afterRss = await chromiumRss();
  console.log(`${ROWS} x ${COLS} float32 safetensors (${MB(size)}) in Chromium:`);
  console.log(`  read + analysed in the worker: ${(r.elapsed / 1000).toFixed(2)} s`);
  console.log(`  Chromium memory (PSS): idle ${MB(idleRss)}, peak ${MB(r.peakRss)} (${(r.peakRss / size).toFixed(2)} x the file), 1 s after the results ${MB(afterRss)}`);
  console.log(`  page JS heap peak: ${MB(r.peakHeap)}; worker wasm memory: ${MB(r.memory)}`);
  await rm(big);

  const mid = join(tmp, 'w4096.safetensors');
  await writeSafetensors(mid, 4096, 4096, 'w');
  const cli = join(process.env.CARGO_TARGET_DIR ?? join(ROOT, 'target'), 'release', 'quantscope');
  execFileSync('cargo', ['build', '-q', '-p', 'quantscope-cli', '--release'], { cwd: ROOT });
  console.log(`4096 x 4096 float32 (64 MB), per-channel and per-tensor, minmax, best of ${REPEAT}:`);
  // pytorch: the convention of the criterion benchmark (the fused kernel); textbook: the default.
  for (const convention of ['pytorch', 'textbook']) {
    const runs = [];
    for (let i = 0; i < REPEAT; i++) runs.push(await analyse(app, cdp, mid, false, convention));
    const best = Math.min(...runs.map((x) => x.compute));
    const bestAll = Math.min(...runs.map((x) => x.elapsed));
    const native = [];
    for (let i = 0; i < REPEAT; i++) {
      const t0 = process.hrtime.bigint();
      spawnSync(cli, ['file', mid, '--format', 'json', '--convention', convention], { stdio: 'ignore' });
      native.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    console.log(`  ${convention}: worker (wasm simd128, Chromium) analysis ${best.toFixed(1)} ms after the last byte read, ` +
      `read + analysis ${bestAll.toFixed(0)} ms; native CLI read + analysis ${Math.min(...native).toFixed(0)} ms wall (process start included)`);
  }
}
