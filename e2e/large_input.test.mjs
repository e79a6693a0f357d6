// A million values pasted into the Tensor and Values tools (1000 channels × 1000): the text is
// parsed and analysed in the worker (report::large), so the page's main thread is never blocked
// for long (the Long Tasks API's entries while the results come), and the numbers on the page are
// the CLI's (`quantscope tensor --format json` on the same text).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { byTestId, openApp, ROOT } from './support/browser.mjs';
import { CHARTS_MARK, chartsDrawn, longFrames, longTasks, milestones, millionValues, watchLongTasks, watchMilestones } from './support/long_tasks.mjs';

// Before the worker the longest task was 1.9–2.7 s (docs/large-input.md). Counted until the charts
// are drawn, tasks and frames, on the page's clock. Since every step after the paste has a frame of
// its own (browser::frames: the text's copy, its post, the reply, the tables' first rows, the
// sample, its analysis, the bars, each chart, the further rows), the longest frame was 51–70 ms on
// the 2-core machine of 2026-12-03 15:00 (it was 88–156 ms there before, with two or three steps
// in one frame). The goal is 100 ms; the bound leaves a slower CI machine a fifth more
// (its runs were up to 1.3 times this machine's); what each run reached is logged.
const LONGEST_TASK_MS = 120;

/** The command line of the page's settings file (made in the worker for a large input): its words. */
async function settingsCommand(page, tool) {
  const [file] = await Promise.all([page.waitForEvent('download', { timeout: 120_000 }), byTestId(page, `${tool}-download-settings`).click()]);
  const { command } = JSON.parse(await readFile(await file.path(), 'utf8'));
  // shell_word quotes with '...' ('\'' for a quote inside).
  return command.match(/'(?:[^']|'\\'')*'|\S+/g).map((w) => (w.startsWith("'") ? w.slice(1, -1).replaceAll("'\\''", "'") : w));
}

/** The settings file's command (`quantscope <tool> --options...`) with `--format json` on `text` (stdin), through cargo. */
async function cli(page, tool, text) {
  const [, ...args] = await settingsCommand(page, tool);
  const out = execFileSync(
    'cargo',
    ['run', '-q', '-p', 'quantscope-cli', '--release', '--', ...args, '--format', 'json'],
    { cwd: ROOT, input: text, encoding: 'utf8', maxBuffer: 1 << 30 },
  );
  return JSON.parse(out);
}

/** A summary's SQNR (its metrics may be flattened into it). */
const sqnr = (summary) => num((summary.metrics ?? summary).sqnr_db);

/** Pastes `text` into `tool`'s data field (a paste event, as Ctrl+V makes it) and returns the main
 * thread's long tasks and frames until `done`, and when the `marks` were painted (ms after the paste). */
async function pasteAndWatch(page, tool, text, done, marks = {}) {
  // The paste event's 7.4 MB DataTransfer is built first, in a task of its own: it is the test's
  // work, not the page's, and would otherwise count as the paste's.
  await page.evaluate((value) => {
    const clipboardData = new DataTransfer();
    clipboardData.setData('text/plain', value);
    window.__pasteData = clipboardData;
  }, text);
  await watchLongTasks(page);
  await watchMilestones(page, marks);
  await page.evaluate(
    (id) => {
      window.__pastedAt = performance.now();
      // The text area, or the box that stands for a text too large to draw (a paste there replaces it).
      const area = document.querySelector(`[data-testid="${id}"]`) ?? document.querySelector(`[data-testid="${id}-large"]`);
      // Ctrl+A, then Ctrl+V: the paste replaces the example text.
      area.focus();
      area.select?.();
      const paste = new ClipboardEvent('paste', { clipboardData: window.__pasteData, bubbles: true, cancelable: true });
      area.dispatchEvent(paste);
      // What the page left to the browser, the browser does: pastes into the text area.
      if (!paste.defaultPrevented && area.setRangeText) {
        area.setRangeText(window.__pasteData.getData('text/plain'), area.selectionStart, area.selectionEnd, 'end');
        area.dispatchEvent(new Event('input', { bubbles: true }));
      }
      window.__pasteData = null;
    },
    `${tool}-data`,
  );
  await done();
  const tasks = await longTasks(page, 200);
  const times = await milestones(page);
  const longest = Math.max(0, ...tasks);
  const total = tasks.reduce((a, b) => a + b, 0);
  const shown = Object.entries(times).map(([name, ms]) => `${name} ${ms} ms`).join(', ');
  console.log(`${tool}, 1M values: ${shown} after the paste; ${tasks.length} long task(s) and frame(s), longest ${longest.toFixed(0)} ms, total ${total.toFixed(0)} ms`);
  for (const frame of await longFrames(page)) console.log(`    ${frame}`);
  return { longest, total, times };
}

/** A cell's full value (its title) in `table`, row `row`, column `col`. */
async function full(page, table, row, col) {
  const cell = byTestId(page, `table-${table}`).locator(`tbody tr[data-row="${row}"] [data-col="${col}"]`);
  return (await cell.getAttribute('title')) ?? (await cell.textContent()).trim();
}

/** What serialize_extended writes, as a number. */
const num = (v) => (v === '+inf' ? Infinity : v === '-inf' ? -Infinity : v === null ? NaN : Number(v));

describe('a million values pasted', () => {
  let app;
  const text = millionValues();
  before(async () => {
    app = await openApp();
  });
  after(() => app?.close());

  test('Tensor tool: the page stays responsive and its numbers are the CLI’s', async () => {
    const { page } = app;
    await app.goto('#tensor');
    // Watched until the charts are drawn: the page draws them after the tables, from the sample.
    const { longest } = await pasteAndWatch(page, 'tensor', text, async () => {
      await byTestId(page, 'table-memory').locator('tbody tr[data-row="0"] [data-col="elements"]').filter({ hasText: '1000000' }).waitFor({ timeout: 120_000 });
      await chartsDrawn(page);
    }, { tables: { selector: '[data-testid="table-memory"] tbody tr[data-row="0"] [data-col="elements"]', text: '1000000' }, charts: CHARTS_MARK });
    assert.ok(longest < LONGEST_TASK_MS, `the main thread was blocked for ${longest} ms in one go`);
    // The text is not laid out in the text area: a summary stands in its place.
    assert.match(await byTestId(page, 'tensor-data-large-summary').textContent(), /^7\.\d MB of text, 1000 lines$/);
    assert.equal(await byTestId(page, 'tensor-data').count(), 0, 'no text area holds the text');
    // The charts show channel 0 of the thousand, and the channel list says so.
    assert.equal(await byTestId(page, 'tensor-chart-channel').inputValue(), '0');
    assert.equal(await byTestId(page, 'tensor-chart-channel').locator('option').count(), 1001);
    // The form is still saved, without the text the browser's storage cannot hold.
    await byTestId(page, 'save-error').filter({ hasText: "the Tensor tool's text" }).waitFor();
    const json = await cli(page, 'tensor', text);
    const pc = json.comparison.per_channel;
    // The table draws its first rows; the rest on request.
    await byTestId(page, 'table-comparison-show-all').click();
    for (const c of [0, 1, 499, 999]) {
      assert.equal(Number(await full(page, 'comparison', c, 'pc_scale')), pc.scales[c], `channel ${c} scale`);
      assert.equal(Number(await full(page, 'comparison', c, 'pc_zero_point')), pc.zero_points[c], `channel ${c} zero point`);
      assert.equal(Number(await full(page, 'comparison', c, 'pc_sqnr_db')), num(pc.channel_sqnr_db[c]), `channel ${c} SQNR`);
    }
    assert.equal(Number(await full(page, 'granularity', 0, 'sqnr_db')), sqnr(pc.summary), 'per-channel SQNR of the tensor');
    assert.equal(Number(await full(page, 'granularity', 1, 'sqnr_db')), sqnr(json.comparison.per_tensor.summary), 'per-tensor SQNR');
  });

  test('Values tool: the page stays responsive and its numbers are the CLI’s', async () => {
    const { page } = app;
    await app.goto('#values');
    const { longest } = await pasteAndWatch(page, 'values', text, async () => {
      await byTestId(page, 'table-metrics').locator('tbody tr[data-row="0"] [data-col="values"]').filter({ hasText: '1000000' }).waitFor({ timeout: 120_000 });
      await chartsDrawn(page);
    }, { tables: { selector: '[data-testid="table-metrics"] tbody tr[data-row="0"] [data-col="values"]', text: '1000000' }, charts: CHARTS_MARK });
    assert.ok(longest < LONGEST_TASK_MS, `the main thread was blocked for ${longest} ms in one go`);
    const json = await cli(page, 'values', text);
    const channel = json.channels[0];
    assert.equal(Number(await full(page, 'parameters', 0, 'scale')), channel.scale, 'scale');
    assert.equal(Number(await full(page, 'parameters', 0, 'zero_point')), channel.zero_point, 'zero point');
    assert.equal(Number(await full(page, 'metrics', 0, 'sqnr_db')), sqnr(json.summary), 'SQNR');
  });

  test('a located error of a large input is shown at the field', async () => {
    const { page } = app;
    await app.goto('#tensor');
    await pasteAndWatch(page, 'tensor', text.replace(/^(\S+ \S+ )\S+/m, '$1abc'), () =>
      byTestId(page, 'tensor-stale-note').filter({ hasText: '"abc"' }).waitFor({ timeout: 120_000 }),
    { error: { selector: '[data-testid="tensor-stale-note"]', text: '"abc"' } });
    assert.match(await byTestId(page, 'tensor-stale-note').textContent(), /"abc"/);
  });

  test('nothing failed', () => {
    assert.deepEqual(app.foreignRequests, []);
    assert.deepEqual(app.pageErrors, []);
    assert.deepEqual(app.consoleErrors, []);
  });
});
