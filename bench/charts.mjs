// Chart draw time at a million values in Chromium, through the e2e harness (`make build` first):
//   node bench/charts.mjs [--values 1000000] [--channels 1000]
// Pastes a channels × (values / channels) tensor into the Tensor tool, waits for the results and the
// charts, and prints each chart's plan time (the pass over the data: binning, downsampling) and draw
// time (canvas), as the page measured them (performance.now around each), then the bit-width sweep
// (30 analyses, computed on request above 100 000 values) and a redraw after a resize.
import { byTestId, openApp } from '../e2e/support/browser.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const N = arg('values', 1_000_000);
const CHANNELS = arg('channels', 1000);
const PER = Math.floor(N / CHANNELS);
const CHARTS = ['reconstruction', 'error', 'histogram', 'granularity', 'sweep'];

// Deterministic pseudo-normal values, 5 decimals, channel c scaled by 0.2 + (c % 7) / 5.
function tensorText() {
  let state = 12345;
  const next = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 4294967296;
  };
  const lines = [];
  for (let c = 0; c < CHANNELS; c++) {
    const s = 0.2 + (c % 7) / 5;
    const row = new Array(PER);
    for (let i = 0; i < PER; i++) row[i] = ((next() + next() + next() + next() - 2) * s).toFixed(5);
    lines.push(row.join(' '));
  }
  return lines.join('\n');
}

async function times(page, chart) {
  const figure = byTestId(page, `tensor-chart-${chart}`);
  return { draw: Number(await figure.getAttribute('data-draw-ms')), plan: Number(await figure.getAttribute('data-plan-ms')) };
}

const app = await openApp();
const { page } = app;
try {
  await app.goto('#tensor');
  const text = tensorText();
  const t0 = Date.now();
  await byTestId(page, 'tensor-data').evaluate((el, text) => {
    el.value = text;
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }, text);
  const elements = `${N}`;
  // Captions group thousands with a thin space.
  const channels = new RegExp(`\\(${String(CHANNELS).replace(/\B(?=(\d{3})+$)/g, '\u2009')} channels`);
  await byTestId(page, 'tensor-chart-granularity-caption').filter({ hasText: channels }).waitFor({ timeout: 600_000 });
  await page.waitForFunction(
    (charts) => charts.slice(0, 4).every((c) => document.querySelector(`[data-testid="tensor-chart-${c}"]`)?.dataset.drawMs),
    CHARTS,
    { timeout: 600_000 },
  );
  console.log(`${elements} values (${CHANNELS} channels × ${PER}), results and charts after ${((Date.now() - t0) / 1000).toFixed(1)} s (parse, both analyses, tables, charts)`);
  // The element charts show the whole tensor.
  await byTestId(page, 'tensor-chart-channel').selectOption('all');
  await page.waitForTimeout(1500);
  const rows = [];
  for (const chart of CHARTS.slice(0, 4)) rows.push({ chart, ...(await times(page, chart)) });
  const run = byTestId(page, 'tensor-chart-sweep-run');
  if (await run.count()) {
    const s0 = Date.now();
    await run.click();
    await page.waitForFunction(() => document.querySelector('[data-testid="tensor-chart-sweep"]')?.dataset.drawMs, null, { timeout: 600_000 });
    console.log(`bit-width sweep (30 analyses of ${elements} values): ${((Date.now() - s0) / 1000).toFixed(2)} s`);
  }
  rows.push({ chart: 'sweep', ...(await times(page, 'sweep')) });
  for (const r of rows) {
    const total = r.plan + r.draw;
    console.log(`${r.chart.padEnd(15)} plan ${r.plan.toFixed(1).padStart(7)} ms  draw ${r.draw.toFixed(1).padStart(7)} ms  total ${total.toFixed(1).padStart(7)} ms${total < 200 ? '' : '  (over 200 ms)'}`);
  }
  // A resize redraws from the plans: draw time only.
  await page.setViewportSize({ width: 900, height: 1000 });
  await page.waitForTimeout(1000);
  const redraw = [];
  for (const chart of CHARTS) redraw.push(`${chart} ${(await times(page, chart)).draw.toFixed(1)} ms`);
  console.log(`redraw after a resize: ${redraw.join(', ')}`);
  if (app.consoleErrors.length || app.pageErrors.length) console.log('errors:', app.consoleErrors, app.pageErrors);
} finally {
  await app.close();
}
