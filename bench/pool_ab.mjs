// A/B of the Files tool on one file (default options, every tensor), runs alternating in one process
// (the machine's load moves between runs), each side in its own browser:
//   node bench/pool_ab.mjs FILE [--rounds 2]
//       one worker (the page told navigator.hardwareConcurrency is 1) against the pool, same build
//       (QUANTSCOPE_DIST or dist/, after `make build`);
//   node bench/pool_ab.mjs FILE --dists A B [--rounds 2] [--cores N]
//       build A's Files tool against build B's (two `trunk build --release --dist` folders, e.g. an
//       old commit's worktree and this one), both with the machine's cores or told they have N.
// Each browser does one run first that is not counted (the wasm compiled and cached, the file in the
// page cache). Prints each round's times (the page's data-elapsed-ms: click to table) and the CPU
// time its browser's processes used meanwhile (/proc: every thread, the workers' and the browser
// process's reads; steadier than the wall time on a loaded machine), the ratios and the load
// average, then the medians.
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { basename } from 'node:path';
import { byTestId, DIST, openApp } from '../e2e/support/browser.mjs';

const file = process.argv[2];
const flag = (name) => process.argv.indexOf(`--${name}`);
const ROUNDS = flag('rounds') > 0 ? Number(process.argv[flag('rounds') + 1]) : 2;
const dists = flag('dists') > 0 ? process.argv.slice(flag('dists') + 1, flag('dists') + 3) : null;
const CORES = flag('cores') > 0 ? Number(process.argv[flag('cores') + 1]) : null;

/** pid -> [parent pid, CPU seconds (user + system)] of every process. */
function processes() {
  const out = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(name), [Number(fields[1]), (Number(fields[11]) + Number(fields[12])) / 100]);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** CPU seconds used so far by `root` and its descendants (those alive). */
function cpuOf(root) {
  const all = processes();
  const tree = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, [ppid]] of all) {
      if (!tree.has(pid) && tree.has(ppid)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  return [...tree].reduce((sum, pid) => sum + (all.get(pid)?.[1] ?? 0), 0);
}

async function run(app) {
  const { page } = app;
  await app.goto('#files');
  await byTestId(page, 'reset').click();
  await byTestId(page, 'files-input').setInputFiles(file);
  await byTestId(page, 'files-tensors').waitFor({ timeout: 120_000 });
  const before = cpuOf(app.pid);
  await byTestId(page, 'files-analyse').click();
  const timing = byTestId(page, 'files-timing');
  await timing.waitFor({ timeout: 600_000 });
  const cpu = cpuOf(app.pid) - before;
  const get = async (a) => Number(await timing.getAttribute(a));
  return { ms: await get('data-elapsed-ms'), compute: await get('data-compute-ms'), workers: await get('data-workers'), cpu };
}

/** Chromium's main processes: children of this process. */
const browsers = () => new Set([...processes()].filter(([, [ppid]]) => ppid === process.pid).map(([pid]) => pid));

/** A browser on `dist` whose page is told it has `cores` cores (null: the machine's). */
async function open(dist, cores) {
  const known = browsers();
  const app = await openApp({ dist });
  app.pid = [...browsers()].find((pid) => !known.has(pid));
  if (cores != null) {
    await app.context.addInitScript((n) => Object.defineProperty(Navigator.prototype, 'hardwareConcurrency', { get: () => n }), cores);
  }
  return app;
}

const sides = dists
  ? dists.map((d) => ({ label: basename(d), dist: d, cores: CORES }))
  : [
      { label: 'one worker', dist: DIST, cores: 1 },
      { label: 'pool', dist: DIST, cores: null },
    ];
const apps = [];
const times = sides.map(() => []);
const cpus = sides.map(() => []);
const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
try {
  for (const side of sides) apps.push(await open(side.dist, side.cores));
  for (const app of apps) await run(app);
  for (let r = 0; r < ROUNDS; r++) {
    const load = loadavg()[0].toFixed(1);
    const results = [];
    // Alternating which side goes first too.
    const order = r % 2 === 0 ? [0, 1] : [1, 0];
    for (const i of order) results[i] = await run(apps[i]);
    results.forEach((x, i) => times[i].push(x.ms));
    results.forEach((x, i) => cpus[i].push(x.cpu));
    const parts = results.map((x, i) => `${sides[i].label} ${s(x.ms)}, CPU ${x.cpu.toFixed(2)} s (${x.workers} workers, last batch ${x.compute.toFixed(0)} ms)`);
    const ratio = `${(results[0].ms / results[1].ms).toFixed(2)} (CPU ${(results[0].cpu / results[1].cpu).toFixed(2)})`;
    console.log(`round ${r + 1} (load ${load}): ${parts.join('; ')}; ${sides[0].label} / ${sides[1].label}: ${ratio}`);
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const [a, b] = times.map(median);
  const [ca, cb] = cpus.map(median);
  console.log(`medians: ${sides[0].label} ${s(a)}, CPU ${ca.toFixed(2)} s; ${sides[1].label} ${s(b)}, CPU ${cb.toFixed(2)} s; ` +
    `ratio ${(a / b).toFixed(2)} (CPU ${(ca / cb).toFixed(2)})`);
} finally {
  for (const app of apps) await app.close();
}
