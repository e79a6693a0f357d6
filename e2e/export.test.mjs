// End-to-end: the Export section. Every download captured through Playwright's download event
// and read back (CSV numbers at full precision, spreadsheet injection, settings JSON, the PDF
// through poppler), the share link opened in a fresh browser, the parameters, the layout, and a
// million-value CSV built without freezing the page. Nothing may leave 127.0.0.1.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { byTestId, DESKTOP, OUTPUT, openApp, PHONE } from './support/browser.mjs';
import { chartsDrawn, longTasks, millionValues, watchLongTasks } from './support/long_tasks.mjs';

// The Channels tool's example (the per-channel calculator's) plus a channel whose name a spreadsheet would run as a
// formula; the example is read from the page.
const INJECTION = '=cmd(),-1,1,0.5';
let CHANNELS = '';

/** RFC 4180 CSV into rows of cells (quoted fields, doubled quotes, CRLF or LF). */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell !== '' || row.length) rows.push([...row, cell]);
  return rows;
}

/** The CSV as objects keyed by the header. */
function records(text) {
  const [header, ...rows] = parseCsv(text);
  return rows.map((row) => Object.fromEntries(header.map((key, i) => [key, row[i]])));
}

/** Clicks `testid` (or, with `keyboard`, focuses it and presses Enter) and returns the download it starts: { name, path }. */
async function download(page, testid, { keyboard = false } = {}) {
  const press = keyboard ? byTestId(page, testid).press('Enter') : byTestId(page, testid).click();
  const [file] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), press]);
  return { name: file.suggestedFilename(), path: await file.path() };
}

/** The rows of a results table as arrays of cell texts (all columns). */
async function tableRows(page, table) {
  return byTestId(page, `table-${table}`).evaluate((element) =>
    [...element.querySelectorAll('tbody tr[data-row]')].map((row) => [...row.children].map((cell) => cell.textContent.trim())),
  );
}

const pdftotext = (path) => execFileSync('pdftotext', ['-layout', path, '-'], { encoding: 'utf8' });

/** Clicks `testid`, checks the PDF's file name, keeps it as e2e/output/<kept> and returns its path and text. */
async function downloadPdf(page, testid, name, kept) {
  const file = await download(page, testid);
  assert.equal(file.name, name);
  const path = join(OUTPUT, kept);
  await copyFile(file.path, path);
  return { path, text: pdftotext(path) };
}
const pdfinfo = (path) => execFileSync('pdfinfo', [path], { encoding: 'utf8' });

describe('export in Chromium', () => {
  let app;
  before(async () => {
    app = await openApp();
    await mkdir(OUTPUT, { recursive: true });
    await app.goto('#channels');
    CHANNELS = `${await byTestId(app.page, 'channels-data').inputValue()}\n${INJECTION}`;
    assert.match(CHANNELS, /^filter_0,-1\.2,1,0\.73\n/);
    await byTestId(app.page, 'channels-data').fill(CHANNELS);
    await byTestId(app.page, 'table-samples').locator('tbody tr[data-row="4"]').waitFor({ timeout: 5_000 });
  });
  after(async () => {
    await app?.close();
  });

  test("CSV (results): the per-channel calculator's example at full precision, named for the tensor, tool and convention, injection escaped", async () => {
    const file = await download(app.page, 'channels-download-results');
    assert.equal(file.name, 'conv1.weight_channels_textbook_qint8_affine.csv');
    const rows = records(await readFile(file.path, 'utf8'));
    assert.equal(rows.length, 6, 'five channels and the tensor row');
    const f0 = rows[0];
    assert.equal(f0.channel, 'filter_0');
    assert.equal(f0.convention, 'textbook');
    assert.ok(f0.scale.startsWith('0.00862745') && f0.scale.length > 15, `full precision: ${f0.scale}`);
    assert.equal(Number(f0.scale), 2.2 / 255, 'the scale reads back to the very float');
    assert.equal(f0.zero_point, '11');
    assert.equal(rows[4].channel, "'=cmd()", 'a formula-like name is escaped');
    assert.equal(rows[5].row, 'tensor');
  });

  test('CSV (every value): q 96 and x̂ 0.73333333 for filter_0, the injection escaped', async () => {
    const file = await download(app.page, 'channels-download-elements');
    assert.equal(file.name, 'conv1.weight_channels_textbook_qint8_affine_elements.csv');
    const rows = records(await readFile(file.path, 'utf8'));
    assert.deepEqual(Object.keys(rows[0]), ['channel', 'index', 'x', 'q_raw', 'q', 'x_hat', 'error', 'clipped']);
    assert.equal(rows.length, 5);
    assert.equal(rows[0].q, '96');
    assert.ok(rows[0].x_hat.startsWith('0.73333333') && rows[0].x_hat.length > 12, rows[0].x_hat);
    assert.equal(Number(rows[0].x_hat), 0.7333333333333334);
    assert.equal(rows[4].channel, "'=cmd()");
    assert.match(await byTestId(app.page, 'channels-download-status').textContent(), /Saved .*_elements\.csv \(5 rows/);
  });

  test('settings (from the keyboard): JSON naming the convention and every option', async () => {
    const file = await download(app.page, 'channels-download-settings', { keyboard: true });
    assert.equal(file.name, 'conv1.weight_channels_textbook_qint8_affine_settings.json');
    const settings = JSON.parse(await readFile(file.path, 'utf8'));
    assert.equal(settings.tool, 'channels');
    assert.equal(settings.convention, 'textbook');
    assert.equal(settings.options.convention, 'textbook');
    assert.equal(settings.options.dtype, 'qint8');
    assert.equal(settings.options.granularity, 'per-channel');
    assert.equal(settings.input, CHANNELS);
    assert.match(settings.command, /^quantscope channels --convention=textbook --dtype=qint8 --scheme=affine/);
  });

  test('PDF (A4): the golden numbers and the convention, as text poppler reads', async () => {
    const { path, text } = await downloadPdf(app.page, 'channels-download-pdf', 'conv1.weight_channels_textbook_qint8_affine_a4.pdf', 'export-channels-a4.pdf');
    for (const golden of ['0.00862745', '11', '96', '0.73333333', 'textbook', 'conv1.weight']) {
      assert.ok(text.includes(golden), `the PDF has ${golden}`);
    }
    assert.ok(text.includes("=cmd()"), 'the odd channel name is printed as text');
    assert.match(pdfinfo(path), /Page size:\s+595\.\d* x 841\.\d* pts \(A4\)/);
  });

  test('export parameters: JSON with the scales, PyTorch and ONNX snippets', async () => {
    const { page } = app;
    await byTestId(page, 'channels-params').locator('summary').click();
    const json = JSON.parse(await byTestId(page, 'channels-params-json').textContent());
    assert.equal(json.scales.length, 5);
    assert.equal(json.scales[0], 2.2 / 255);
    assert.deepEqual(json.zero_points.slice(0, 4), [11, -8, -8, -19]);
    assert.match(await byTestId(page, 'channels-params-torch').textContent(), /torch\.quantize_per_channel\(w, scales, zero_points, 0, torch\.qint8\)/);
    const onnx = await byTestId(page, 'channels-params-onnx').textContent();
    assert.match(onnx, /QuantizeLinear/);
    assert.ok(onnx.includes('0.008627451'), 'the ONNX float32 scale');
  });

  test('the export section: 3, 2 and 1 columns, no sideways scroll, light and dark (screenshots)', async () => {
    const { page } = app;
    const columns = () =>
      byTestId(page, 'channels-export')
        .locator('.export-grid')
        .first()
        .evaluate((grid) => getComputedStyle(grid).gridTemplateColumns.split(' ').filter(Boolean).length);
    for (const [width, expected] of [
      [1400, 3],
      [900, 2],
      [380, 1],
    ]) {
      await page.setViewportSize({ width, height: 900 });
      assert.equal(await columns(), expected, `columns at ${width}px`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `scrolls sideways by ${overflow}px at ${width}px`);
    }
    await byTestId(page, 'channels-copy-link').click();
    await byTestId(page, 'channels-share-link').waitFor();
    for (const [name, viewport, scheme] of [
      ['desktop', DESKTOP, 'light'],
      ['phone', PHONE, 'light'],
      ['desktop-dark', DESKTOP, 'dark'],
    ]) {
      await page.setViewportSize(viewport);
      await page.emulateMedia({ colorScheme: scheme });
      await byTestId(page, 'channels-export').screenshot({ path: join(OUTPUT, `export-${name}.png`) });
    }
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize(DESKTOP);
  });

  test('copy link: a fresh browser opening it shows the same results, and saves nothing until an edit', async () => {
    const { page } = app;
    await app.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.server.url });
    await byTestId(page, 'channels-copy-link').click();
    await byTestId(page, 'channels-share-status').filter({ hasText: 'Link copied' }).waitFor();
    const link = await byTestId(page, 'channels-share-link').inputValue();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), link);
    const fragment = new URL(link).hash;
    assert.match(fragment, /^#channels&share=1\.[A-Za-z0-9_-]+$/);
    const original = await tableRows(page, 'samples');

    const fresh = await openApp();
    try {
      await fresh.goto(fragment);
      const restored = fresh.page;
      await byTestId(restored, 'table-samples').locator('tbody tr[data-row="4"]').waitFor({ timeout: 5_000 });
      assert.deepEqual(await tableRows(restored, 'samples'), original);
      assert.equal(await byTestId(restored, 'channels-data').inputValue(), CHANNELS);
      assert.match(await byTestId(restored, 'storage-note').textContent(), /Opened from a link/);
      assert.equal(await restored.evaluate(() => localStorage.getItem('quantscope.form.v1')), null, 'nothing saved yet');
      assert.equal(new URL(restored.url()).hash, fragment, 'the link stays in the address');
      await byTestId(restored, 'channels-tensor-name').fill('edited');
      await restored.waitForFunction(() => localStorage.getItem('quantscope.form.v1')?.includes('"edited"'));
      assert.equal(new URL(restored.url()).hash, '#channels', 'an edit ends the link');
      assert.deepEqual(fresh.foreignRequests, []);
    } finally {
      await fresh.close();
    }
  });

  test('too large for a link: the share module says so next to the button, no broken link', async () => {
    const { page } = app;
    await byTestId(page, 'tab-values').click();
    const values = Array.from({ length: 4000 }, (_, i) => (Math.sin(i * 12.9898) * 43758.5453 % 1).toFixed(6)).join(', ');
    await byTestId(page, 'values-data').fill(values);
    await byTestId(page, 'values-copy-link').click();
    const status = byTestId(page, 'values-share-status');
    await status.filter({ hasText: 'too large for a link' }).waitFor();
    assert.match(await status.textContent(), /too large for a link: \d+ characters \(at most 8000\); use Export instead/);
    assert.equal(await byTestId(page, 'values-share-link').count(), 0);
  });

  test('PDF of the values tool: its values and charts', async () => {
    const { text } = await downloadPdf(app.page, 'values-download-pdf', 'activations_values_textbook-custom_qint8_symmetric_a4.pdf', 'export-values-a4.pdf');
    for (const words of ['activations', 'textbook (custom: symmetric_divisor)', 'Reconstruction', 'Error', 'Histogram']) {
      assert.ok(text.includes(words), `the PDF has ${words}`);
    }
  });

  test('PDF (US Letter) of the tensor tool, with its charts and the bit-width sweep', async () => {
    const { page } = app;
    await byTestId(page, 'tab-tensor').click();
    await byTestId(page, 'tensor-export-paper').selectOption('letter');
    const { path, text } = await downloadPdf(page, 'tensor-download-pdf', 'fc.weight_tensor_textbook_qint8_affine_letter.pdf', 'export-tensor-letter.pdf');
    for (const words of ['fc.weight', 'textbook', 'Per-tensor vs per-channel', 'Bit-width sweep', 'Histogram']) {
      assert.ok(text.includes(words), `the PDF has ${words}`);
    }
    assert.match(pdfinfo(path), /Page size:\s+612 x 792 pts \(letter\)/);
  });

  test('a million values: the per-element CSV is built in pieces and the page keeps running', async () => {
    const { page } = app;
    await byTestId(page, 'tab-tensor').click();
    // 1000 channels of 1000 values, typed into the text area in one go.
    await page.evaluate((text) => {
      const area = document.querySelector('[data-testid="tensor-data"]');
      area.value = text;
      area.dispatchEvent(new Event('input', { bubbles: true }));
    }, millionValues());
    await byTestId(page, 'table-memory').locator('tbody tr[data-row="0"] [data-col="elements"]').filter({ hasText: '1000000' }).waitFor({ timeout: 60_000 });
    // The charts come after the tables; their drawing is the input's work, not the export's.
    await chartsDrawn(page);
    // The page's long tasks (over 50 ms of the main thread) while the CSV is written.
    await watchLongTasks(page);
    const started = Date.now();
    const file = await download(page, 'tensor-download-elements');
    const elapsed = Date.now() - started;
    const tasks = await longTasks(page);
    const longest = Math.max(0, ...tasks);
    const text = await readFile(file.path, 'utf8');
    let lines = 0;
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines++;
    assert.equal(lines, 1_000_001, 'the header and a million rows');
    const status = await byTestId(page, 'tensor-download-status').textContent();
    console.log(`1M-value CSV: ${(text.length / 1e6).toFixed(1)} MB in ${elapsed} ms; ${tasks.length} long task(s), the longest ${longest.toFixed(0)} ms; "${status}"`);
    // Generous: the machine's two cores are shared with builds; unloaded, the longest is ~60 ms.
    assert.ok(longest < 500, `the page was busy for ${longest} ms in one go`);
    // A link of a million values is refused at once (compression stops early).
    const before = Date.now();
    await byTestId(page, 'tensor-copy-link').click();
    await byTestId(page, 'tensor-share-status').filter({ hasText: 'too large for a link: more than' }).waitFor();
    assert.ok(Date.now() - before < 1000, `refused in ${Date.now() - before} ms`);
  });

  test('nothing left 127.0.0.1 and nothing failed', () => {
    assert.deepEqual(app.foreignRequests, []);
    assert.deepEqual(app.pageErrors, []);
    assert.deepEqual(app.consoleErrors, []);
  });
});
