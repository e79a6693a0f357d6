// End-to-end: the charts of each tool are drawn (pixels in the plot area), carry their captions,
// follow the column at the three widths, and the hover tooltip shows the right numbers.
// Screenshots of every chart (light and dark): e2e/output/chart-*.png.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { byTestId, OUTPUT, openApp } from './support/browser.mjs';

const CHARTS = {
  channels: ['reconstruction'],
  tensor: ['reconstruction', 'error', 'histogram', 'granularity', 'sweep'],
  values: ['reconstruction', 'error', 'histogram'],
};

// The per-channel vs per-tensor calculator's example (the README's reference calculators).
const SEED_001 = [
  '0.12, -0.33, 0.48, -0.05, 0.91',
  '1.20, 0.95, 1.44, 1.10, 0.88',
  '-1.70, -1.22, -0.94, -1.43, -1.11',
  '0.03, 0.08, -0.02, 0.11, -0.06',
].join('\n');

/** Waits until a chart has drawn (its frame is published) and returns its frame. */
async function frameOf(page, id) {
  const figure = byTestId(page, id);
  await figure.waitFor({ state: 'visible', timeout: 10_000 });
  await page.waitForFunction((id) => document.querySelector(`[data-testid="${id}"]`)?.dataset.frame, id, { timeout: 10_000 });
  const [left, right, top, bottom, x0, x1, y0, y1] = (await figure.getAttribute('data-frame')).split(' ').map(Number);
  return { left, right, top, bottom, x0, x1, y0, y1 };
}

/** Share of the plot area's pixels that differ from the canvas background (its corner pixel). */
async function inkInPlot(page, id) {
  const frame = await frameOf(page, id);
  return byTestId(page, `${id}-canvas`).evaluate((canvas, f) => {
    const ctx = canvas.getContext('2d');
    const dpr = canvas.width / canvas.clientWidth;
    const x = Math.round(f.left * dpr) + 2;
    const y = Math.round(f.top * dpr) + 2;
    const w = Math.round((f.right - f.left) * dpr) - 4;
    const h = Math.round((f.bottom - f.top) * dpr) - 4;
    const bg = ctx.getImageData(1, 1, 1, 1).data;
    const data = ctx.getImageData(x, y, w, h).data;
    let ink = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (Math.abs(data[i] - bg[0]) + Math.abs(data[i + 1] - bg[1]) + Math.abs(data[i + 2] - bg[2]) > 30) ink++;
    }
    return ink / (data.length / 4);
  }, frame);
}

/** The canvas' backing size against its CSS size times the device pixel ratio. */
async function sharpness(page, id) {
  return byTestId(page, `${id}-canvas`).evaluate((canvas) => ({
    width: canvas.width,
    height: canvas.height,
    cssWidth: canvas.getBoundingClientRect().width,
    cssHeight: canvas.getBoundingClientRect().height,
    dpr: window.devicePixelRatio,
    columnWidth: canvas.closest('.chart').getBoundingClientRect().width,
  }));
}

async function shoot(page, id, name) {
  await mkdir(OUTPUT, { recursive: true });
  await byTestId(page, id).screenshot({ path: join(OUTPUT, `${name}.png`) });
}

describe('charts in Chromium', () => {
  let app;
  before(async () => {
    app = await openApp();
  });
  after(async () => {
    await app?.close();
  });

  for (const [tool, charts] of Object.entries(CHARTS)) {
    test(`${tool}: every chart is drawn, has its caption, and is saved as a screenshot (light and dark)`, async () => {
      const { page } = app;
      for (const scheme of ['light', 'dark']) {
        await page.emulateMedia({ colorScheme: scheme });
        await app.goto(`#${tool}`);
        if (tool === 'tensor') {
          await byTestId(page, 'tensor-data').fill(SEED_001);
          await byTestId(page, `tensor-chart-granularity-caption`).filter({ hasText: '4 channels' }).waitFor({ timeout: 10_000 });
        }
        await byTestId(page, `${tool}-charts`).waitFor({ timeout: 10_000 });
        for (const chart of charts) {
          const id = `${tool}-chart-${chart}`;
          const ink = await inkInPlot(page, id);
          assert.ok(ink > 0.01, `${id}: ${(ink * 100).toFixed(2)} % of the plot area drawn`);
          const caption = await byTestId(page, `${id}-caption`).textContent();
          assert.ok(caption.length > 40, `${id} caption: ${caption}`);
          const label = await byTestId(page, `${id}-canvas`).getAttribute('aria-label');
          assert.ok(label.length > 10);
          await shoot(page, id, `chart-${tool}-${chart}-${scheme}`);
        }
      }
      await page.emulateMedia({ colorScheme: 'light' });
    });
  }

  test('captions carry the key figures from the core', async () => {
    const { page } = app;
    await app.goto('#values');
    // The quantization error calculator: symmetric int8 over -1.5:1.5, s = 1.5 / 127, 10 values.
    const rec = await byTestId(page, 'values-chart-reconstruction-caption').textContent();
    assert.match(rec, /10 values; s = 0\.01181, z = 0; 256 levels from -1\.512 to 1\.5/);
    const hist = await byTestId(page, 'values-chart-histogram-caption').textContent();
    assert.match(hist, /clip thresholds min = -1\.5, max = 1\.5/);
    assert.match(hist, /clipped mass 0 %/);
    await app.goto('#tensor');
    await byTestId(page, 'tensor-data').fill(SEED_001);
    const bars = byTestId(page, 'tensor-chart-granularity-caption');
    await bars.filter({ hasText: '4 channels' }).waitFor({ timeout: 10_000 });
    assert.match(await bars.textContent(), /Memory for 20 values at 8 bits: payload 20 B; per-channel \(4 pairs\): 52 B, \+160\.0 %; per-tensor \(1 pair\): 28 B, \+40\.0 %/);
    const sweep = await byTestId(page, 'tensor-chart-sweep-caption').textContent();
    assert.match(sweep, /SQNR vs bit width, 2–16 bits \(signed\): at the current 8 bits per-channel [\d.]+ dB, per-tensor [\d.]+ dB/);
  });

  test('the histogram sets every calibration method side by side; the chosen one gives the CLI\'s range', async () => {
    const { page } = app;
    await app.goto('#values');
    const caption = byTestId(page, 'values-chart-histogram-caption');
    // The quantization error calculator's typed range: every method's range over the ten values, none of them used.
    assert.match(
      await caption.textContent(),
      /calibration ranges over these values: minmax \[-1\.25, 1\.46\], moving average \[-1\.25, 1\.46\], percentile 99\.999 \[[-\d.]+, [-\d.]+\], MSE \[[-\d.]+, [-\d.]+\], entropy \(KL\) \[[-\d.]+, [-\d.]+\]; the parameters use the given range/,
    );
    await byTestId(page, 'values-range-mode').selectOption('derived');
    await byTestId(page, 'values-calibration').selectOption('percentile');
    await byTestId(page, 'values-percentile').fill('80');
    await caption.filter({ hasText: 'the parameters use percentile 80' }).waitFor({ timeout: 10_000 });
    const text = await caption.textContent();
    const row = text.match(/percentile 80 \[([-\d.]+), ([-\d.]+)\]/);
    assert.ok(row, text);
    await shoot(page, 'values-chart-histogram', 'chart-values-histogram-methods');
    // The page's parameters are the CLI's for the same calibration.
    const values = '-1.25, -0.92, -0.51, -0.10, 0, 0.14, 0.37, 0.79, 1.12, 1.46';
    const cli = JSON.parse(
      execFileSync(
        'cargo',
        ['run', '-q', '-p', 'quantscope-cli', '--release', '--', 'values', '--scheme', 'symmetric',
          '--rounding', 'half-even', '--symmetric-divisor', 'qmax', '--calibration', 'percentile', '--percentile', '80',
          '--format', 'json', '-'],
        { input: values, encoding: 'utf8' },
      ),
    );
    const cell = (col) => byTestId(page, 'table-parameters').locator(`tbody tr[data-row] [data-col="${col}"]`).first().getAttribute('title');
    const [min, max, scale] = [Number(await cell('min')), Number(await cell('max')), Number(await cell('scale'))];
    const ch = cli.channels[0];
    assert.deepEqual([min, max, scale], [ch.min, ch.max, ch.scale]);
    // The caption's percentile row is that range (4 significant digits).
    assert.ok(Math.abs(Number(row[1]) - ch.min) <= Math.abs(ch.min) * 1e-3 && Math.abs(Number(row[2]) - ch.max) <= Math.abs(ch.max) * 1e-3, `${row} vs ${ch.min}, ${ch.max}`);
    // Back to the quantization error calculator's form for the tests after this one.
    await byTestId(page, 'values-percentile').fill('');
    await byTestId(page, 'values-calibration').selectOption('minmax');
    await byTestId(page, 'values-range-mode').selectOption('custom');
  });

  test('charts follow their column at 1400, 900 and 380 px, sharp at the device pixel ratio', async () => {
    const { page } = app;
    await app.goto('#values');
    const widths = [];
    for (const width of [1400, 900, 380]) {
      await page.setViewportSize({ width, height: 1000 });
      const id = 'values-chart-histogram';
      await page.waitForFunction(
        (id) => {
          const c = document.querySelector(`[data-testid="${id}-canvas"]`);
          return c && Math.abs(c.width - Math.round(c.getBoundingClientRect().width * devicePixelRatio)) <= 1;
        },
        id,
        { timeout: 5_000 },
      );
      const s = await sharpness(page, id);
      assert.ok(Math.abs(s.width - s.cssWidth * s.dpr) <= 1, JSON.stringify(s));
      assert.ok(Math.abs(s.height - s.cssHeight * s.dpr) <= 1, JSON.stringify(s));
      assert.ok(s.cssWidth <= width, `${id} fits in ${width} px: ${s.cssWidth}`);
      assert.ok((await inkInPlot(page, id)) > 0.01);
      widths.push(s.cssWidth);
      for (const chart of CHARTS.values) await shoot(page, `values-chart-${chart}`, `chart-values-${chart}-${width}px`);
    }
    assert.ok(widths[2] < widths[1], `narrower at 380 px than at 900 px: ${widths}`);
    await page.setViewportSize({ width: 1400, height: 1000 });
  });

  test('high-DPI: a device pixel ratio of 2 draws twice the pixels', async () => {
    const { page, context } = app;
    const cdp = await context.newCDPSession(page);
    await cdp.send('Emulation.setDeviceMetricsOverride', { width: 1000, height: 900, deviceScaleFactor: 2, mobile: false });
    try {
      await app.goto('#values');
      const id = 'values-chart-reconstruction';
      await frameOf(page, id);
      const s = await sharpness(page, id);
      assert.equal(s.dpr, 2);
      assert.ok(Math.abs(s.width - 2 * s.cssWidth) <= 1, JSON.stringify(s));
      assert.ok((await inkInPlot(page, id)) > 0.01);
      await shoot(page, id, 'chart-values-reconstruction-dpr2');
    } finally {
      await cdp.send('Emulation.clearDeviceMetricsOverride');
      await cdp.detach();
      await page.setViewportSize({ width: 1400, height: 1000 });
    }
  });

  test('hovering a sample shows its channel, index, x, q, x̂ and error', async () => {
    const { page } = app;
    await app.goto('#values');
    // The quantization error calculator's first value: x = -1.25 → q = -106, x̂ = -106 · 1.5/127 = -1.251969, error -0.001969.
    const id = 'values-chart-reconstruction';
    const f = await frameOf(page, id);
    const px = f.left + ((-1.25 - f.x0) / (f.x1 - f.x0)) * (f.right - f.left);
    const py = f.bottom - ((-1.2519685 - f.y0) / (f.y1 - f.y0)) * (f.bottom - f.top);
    await byTestId(page, `${id}-canvas`).hover({ position: { x: px, y: py } });
    const tip = byTestId(page, `${id}-tooltip`);
    await tip.waitFor({ timeout: 5_000 });
    assert.equal((await tip.textContent()).trim(), 'activations #0 · x = -1.25 · q = -106 · x̂ = -1.252 · error = -0.001969');
    await shoot(page, id, 'chart-values-reconstruction-hover');

    // The error chart: element 0 at (0, -0.001969).
    const eid = 'values-chart-error';
    const e = await frameOf(page, eid);
    const ex = e.left + ((0 - e.x0) / (e.x1 - e.x0)) * (e.right - e.left);
    const ey = e.bottom - ((-0.0019685 - e.y0) / (e.y1 - e.y0)) * (e.bottom - e.top);
    await byTestId(page, `${eid}-canvas`).hover({ position: { x: ex + 1, y: ey } });
    const etip = byTestId(page, `${eid}-tooltip`);
    await etip.waitFor({ timeout: 5_000 });
    assert.match(await etip.textContent(), /^activations #0 · x = -1\.25 · q = -106 · x̂ = -1\.252 · error = -0\.001969/);

    // The histogram: the bin and the quantization step under the pointer.
    const hid = 'values-chart-histogram';
    const h = await frameOf(page, hid);
    const hx = h.left + ((0.0 - h.x0) / (h.x1 - h.x0)) * (h.right - h.left);
    await byTestId(page, `${hid}-canvas`).hover({ position: { x: hx, y: (h.top + h.bottom) / 2 } });
    const htip = byTestId(page, `${hid}-tooltip`);
    await htip.waitFor({ timeout: 5_000 });
    assert.match(await htip.textContent(), /· q = 0 · x̂ = 0$/);
    // Leaving the canvas hides the tooltip.
    await page.mouse.move(2, 2);
    await htip.waitFor({ state: 'detached', timeout: 5_000 });
  });

  test('the channels tool shows each channel over its own transfer curve', async () => {
    const { page } = app;
    await app.goto('#channels');
    const caption = byTestId(page, 'channels-chart-reconstruction-caption');
    await caption.filter({ hasText: 'channel filter_0' }).waitFor({ timeout: 10_000 });
    // The list shows the channel drawn (one effect sets the select's value; its options are plain).
    const select = byTestId(page, 'channels-chart-channel');
    assert.equal(await select.inputValue(), '0');
    await select.selectOption('2');
    await caption.filter({ hasText: 'channel filter_2' }).waitFor({ timeout: 10_000 });
    assert.equal(await select.inputValue(), '2');
    assert.match(await caption.textContent(), /s = 0\.01255, z = -8/);
    await shoot(page, 'channels-chart-reconstruction', 'chart-channels-reconstruction-filter_2');
  });

  test('no console errors along the way', () => {
    assert.deepEqual(app.consoleErrors, []);
    assert.deepEqual(app.pageErrors, []);
  });
});
