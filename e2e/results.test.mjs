// End-to-end: the numbers on the page, read back from the tables, against the seeds' golden
// values; errors; conventions.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { byTestId, DESKTOP, openApp, PHONE, screenshot } from './support/browser.mjs';

// The per-channel calculator's example (the README's reference calculators, numbered 000 to 003).
const SEED_000 = [
  'filter_0,-1.2,1,0.73',
  'filter_1,-0.8,0.9,-0.21',
  'filter_2,-1.5,1.7,1.11',
  'filter_3,-0.45,0.6,0.18',
].join('\n');

// The per-channel calculator's example table: channel, min, max, sample, scale, zero point, quantized, dequantized.
const SEED_000_GOLDEN = [
  ['filter_0', '-1.2', '1', '0.73', '0.00862745', '11', '96', '0.73333333'],
  ['filter_1', '-0.8', '0.9', '-0.21', '0.00666667', '-8', '-40', '-0.21333333'],
  ['filter_2', '-1.5', '1.7', '1.11', '0.01254902', '-8', '80', '1.10431373'],
  ['filter_3', '-0.45', '0.6', '0.18', '0.00411765', '-19', '25', '0.18117647'],
];
const GOLDEN_COLUMNS = ['channel', 'min', 'max', 'sample', 'scale', 'zero_point', 'q', 'dequantized'];

// The per-channel vs per-tensor calculator's example.
const SEED_001 = [
  '0.12, -0.33, 0.48, -0.05, 0.91',
  '1.20, 0.95, 1.44, 1.10, 0.88',
  '-1.70, -1.22, -0.94, -1.43, -1.11',
  '0.03, 0.08, -0.02, 0.11, -0.06',
].join('\n');

// The per-channel vs per-tensor calculator's example table: local min, local max, local range per channel.
const SEED_001_LOCAL = [
  ['-0.33', '0.91', '1.24'],
  ['0.88', '1.44', '0.56'],
  ['-1.7', '-0.94', '0.76'],
  ['-0.06', '0.11', '0.17'],
];

/** The rows of a results table as arrays of cell texts, in the given columns. */
async function readTable(page, table, columns) {
  return byTestId(page, `table-${table}`).evaluate(
    (element, columns) =>
      [...element.querySelectorAll('tbody tr[data-row]')].map((row) =>
        columns.map((column) => row.querySelector(`[data-col="${column}"]`)?.textContent.trim()),
      ),
    columns,
  );
}

/** Waits until a table cell reads `expected` (results follow typing after the debounce). */
async function waitForCell(page, table, row, column, expected) {
  const cell = byTestId(page, `table-${table}`).locator(`tbody tr[data-row="${row}"] [data-col="${column}"]`);
  await cell.filter({ hasText: expected }).waitFor({ timeout: 5_000 });
}

describe('results in Chromium', () => {
  let app;
  before(async () => {
    app = await openApp();
  });
  after(async () => {
    await app?.close();
  });

  test("pasting the per-channel calculator's example gives its golden table, all eight columns", async () => {
    const { page } = app;
    await app.goto('#channels');
    await byTestId(page, 'channels-data').fill('x,-1,1,0.5');
    await waitForCell(page, 'samples', 0, 'channel', 'x');
    await byTestId(page, 'channels-data').fill(SEED_000);
    await waitForCell(page, 'samples', 3, 'channel', 'filter_3');
    assert.deepEqual(await readTable(page, 'samples', GOLDEN_COLUMNS), SEED_000_GOLDEN);
    // Full precision on hover.
    const scale = byTestId(page, 'table-samples').locator('tr[data-row="0"] [data-col="scale"]');
    assert.match(await scale.getAttribute('title'), /^0\.0086274509803921\d*$/);
    assert.equal(await byTestId(page, 'channels-results-convention').textContent(), 'convention: textbook');
    // The channel axis of the original tensor is a label carried into the report.
    await byTestId(page, 'channels-axis').fill('1');
    await byTestId(page, 'table-samples').locator('figcaption').filter({ hasText: '(channel axis 1)' }).waitFor({ timeout: 5_000 });
    await byTestId(page, 'channels-axis').fill('0');
    await byTestId(page, 'table-samples').locator('figcaption').filter({ hasText: '(channel axis 0)' }).waitFor({ timeout: 5_000 });
  });

  test("pasting the per-channel vs per-tensor calculator's example gives its local ranges and the memory figures", async () => {
    const { page } = app;
    await app.goto('#tensor');
    await byTestId(page, 'tensor-data').fill('1 2; 3 4');
    await waitForCell(page, 'memory', 0, 'elements', '4');
    await byTestId(page, 'tensor-data').fill(SEED_001);
    await waitForCell(page, 'memory', 0, 'elements', '20');
    assert.deepEqual(await readTable(page, 'local', ['min', 'max', 'range']), SEED_001_LOCAL);
    assert.deepEqual(await readTable(page, 'memory', ['elements', 'bits', 'payload_bytes', 'per_tensor_bytes', 'per_channel_bytes']), [
      ['20', '8', '20', '28', '52'],
    ]);
    const perChannel = await readTable(page, 'comparison', ['channel', 'pc_scale', 'pc_zero_point']);
    assert.equal(perChannel.length, 4);
    assert.deepEqual(await readTable(page, 'granularity', ['granularity', 'parameter_sets']), [
      ['Per channel', '4'],
      ['Per tensor', '1'],
    ]);
    const gain = (await readTable(page, 'memory', ['sqnr_gain_db']))[0][0];
    assert.ok(Number(gain) > 0, `per channel gains SQNR here (got ${gain})`);
    // The per-channel PTQ exercise's output: every value quantized and dequantized (the same numbers as
    // `quantscope tensor --values --format json`: ch0 q = -35 -128 39 -70 127).
    const elements = await readTable(page, 'elements', ['channel', 'index', 'x', 'pc_q', 'pc_dequantized']);
    assert.equal(elements.length, 20);
    assert.deepEqual(elements.slice(0, 5).map((row) => row[3]), ['-35', '-128', '39', '-70', '127']);
    assert.deepEqual(elements[0], ['ch0', '0', '0.12', '-35', '0.12156863']);
  });

  test('the quantization error calculator: symmetric 8-bit over -1.5:1.5 with scale 1.5 / 127', async () => {
    const { page } = app;
    await app.goto('#values');
    assert.deepEqual(await readTable(page, 'parameters', ['min', 'max', 'data_min', 'data_max', 'scale', 'zero_point']), [
      ['-1.5', '1.5', '-1.25', '1.46', '0.01181102', '0'],
    ]);
    const rows = await readTable(page, 'values', ['x', 'q', 'dequantized']);
    assert.equal(rows.length, 10);
    assert.deepEqual(rows[0], ['-1.25', '-106', '-1.2519685']);
    assert.deepEqual(rows[4], ['0', '0', '0']);
  });

  test('bad input: a located error at the field, the bad text marked, the last results kept greyed', async () => {
    const { page } = app;
    await app.goto('#channels');
    await byTestId(page, 'channels-data').fill(SEED_000);
    await waitForCell(page, 'samples', 3, 'channel', 'filter_3');
    await byTestId(page, 'channels-data').fill(SEED_000.replace('filter_1,-0.8,0.9', 'filter_1,-0.8,abc'));
    await byTestId(page, 'input-error').waitFor();
    assert.equal(await byTestId(page, 'input-error-location').textContent(), 'line 2, column 15');
    assert.equal(await byTestId(page, 'input-error-text').textContent(), 'abc');
    assert.equal(await byTestId(page, 'input-error-line').locator('mark').textContent(), 'abc');
    assert.equal(await byTestId(page, 'channels-data').getAttribute('aria-invalid'), 'true');
    assert.equal(await byTestId(page, 'channels-results').getAttribute('data-stale'), 'true');
    assert.match(await byTestId(page, 'channels-stale-note').textContent(), /line 2, column 15/);
    // The last good results are still there, greyed.
    assert.deepEqual(await readTable(page, 'samples', GOLDEN_COLUMNS), SEED_000_GOLDEN);
    // Greyed by colour and a dashed frame, not by opacity (which failed the text's contrast).
    const greyed = await byTestId(page, 'table-samples').evaluate((e) => {
      const style = getComputedStyle(e);
      return { filter: style.filter, outline: style.outlineStyle, opacity: style.opacity };
    });
    assert.deepEqual(greyed, { filter: 'grayscale(1)', outline: 'dashed', opacity: '1' }, 'stale results are greyed');
    await screenshot(page, 'channels-error-desktop');
    await page.setViewportSize(PHONE);
    await screenshot(page, 'channels-error-phone');
    await page.setViewportSize(DESKTOP);
    // Fixed: fresh results, no error.
    await byTestId(page, 'channels-data').fill(SEED_000);
    await page.locator('[data-testid="channels-results"][data-stale="false"]').waitFor();
    assert.equal(await byTestId(page, 'input-error').count(), 0);
  });

  test('an option error shows at its field', async () => {
    const { page } = app;
    await app.goto('#values');
    await byTestId(page, 'values-range').fill('-1.5;1.5');
    await byTestId(page, 'values-range-error').waitFor();
    assert.match(await byTestId(page, 'values-range-error').textContent(), /MIN:MAX/);
    assert.equal(await byTestId(page, 'values-range').getAttribute('aria-invalid'), 'true');
    await byTestId(page, 'values-range').fill('-1.5:1.5');
    await page.locator('[data-testid="values-results"][data-stale="false"]').waitFor();
  });

  test('a convention sets its choices; changing one says custom; Enter recomputes at once', async () => {
    const { page } = app;
    await app.goto('#channels');
    await byTestId(page, 'channels-convention').selectOption('pytorch');
    await byTestId(page, 'channels-results-convention').filter({ hasText: 'convention: pytorch' }).waitFor();
    assert.equal(await byTestId(page, 'channels-rounding').inputValue(), 'half-even');
    assert.equal(await byTestId(page, 'channels-include-zero').isChecked(), true);
    await byTestId(page, 'channels-rounding').selectOption('half-up');
    await byTestId(page, 'channels-results-convention').filter({ hasText: 'custom: rounding' }).waitFor();
    assert.match(await byTestId(page, 'channels-spec-label').textContent(), /pytorch \(custom: rounding\)/);
    // Choosing a convention again puts its choices back.
    await byTestId(page, 'channels-convention').selectOption('textbook');
    await byTestId(page, 'channels-results-convention').filter({ hasText: /^convention: textbook$/ }).waitFor();
    assert.equal(await byTestId(page, 'channels-include-zero').isChecked(), false);
    // "How it is computed" shows the resolved formulas.
    await byTestId(page, 'channels-how').locator('summary').click();
    assert.match(await byTestId(page, 'channels-how').textContent(), /q = clamp\(half-even\(x \/ s\) \+ z, -128, 127\)/);
    // Enter in a one-line field recomputes without waiting.
    await byTestId(page, 'channels-tensor-name').fill('layer9.weight');
    await byTestId(page, 'channels-tensor-name').press('Enter');
    assert.match(await byTestId(page, 'table-samples').locator('figcaption').textContent(), /layer9\.weight/);
  });

  test('no console errors and nothing fetched from elsewhere along the way', () => {
    assert.deepEqual(app.pageErrors, []);
    assert.deepEqual(app.consoleErrors, []);
    assert.deepEqual(app.foreignRequests, []);
  });
});
