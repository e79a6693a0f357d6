// End-to-end: accessibility of the release build. axe-core (the npm package) finds no violation
// of WCAG 2.2 A/AA or of its best practices in any of the four tools, light and dark
// (prefers-color-scheme) and 1400 and 380 px wide, with the results, charts and formulas shown;
// and the page works from the keyboard alone: the tool tabs (the WAI-ARIA tabs pattern), the
// disclosures, the file picker, the downloads, each with a visible focus.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { byTestId, DESKTOP, openApp, ROOT } from './support/browser.mjs';

const TOOLS = ['channels', 'tensor', 'values', 'files'];
// WCAG 2.0, 2.1 and 2.2 at levels A and AA, and axe's best practices.
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa', 'best-practice'];
const NARROW = { width: 380, height: 844 };
const MODEL = join(ROOT, 'crates', 'weights', 'tests', 'data', 'model.safetensors');

// The page's Content-Security-Policy refuses injected script elements, so axe's source is
// evaluated through the DevTools protocol, which the policy does not govern.
const AXE_SOURCE = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe's violations on the page as it is, one line each (rule, impact, help, first elements). */
async function violations(page) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const found = await page.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }),
    TAGS,
  );
  return found.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help}: ${v.nodes.slice(0, 4).map((n) => n.target.join(' ')).join(', ')}`,
  );
}

/** Opens every disclosure (formulas, export parameters) so that axe reads what they hold. */
async function openDisclosures(page) {
  await page.evaluate(() => document.querySelectorAll('details').forEach((d) => (d.open = true)));
}

/** The Files tool with the test model analysed, all tensors: its tensor list and results table. */
async function analyseModel(app) {
  const { page } = app;
  await byTestId(page, 'files-input').setInputFiles(MODEL);
  await byTestId(page, 'files-tensors').waitFor();
  await byTestId(page, 'files-analyse').click();
  await byTestId(page, 'files-results').waitFor();
}

/** Then one tensor of it: its results and its charts, drawn. */
async function analyseOneTensor(app) {
  const { page } = app;
  await byTestId(page, 'files-tensor').selectOption('fc.weight');
  await byTestId(page, 'files-analyse').click();
  await page.locator('[data-testid="files-results"][data-all="false"]').waitFor();
  await page.waitForFunction(() => document.querySelector('[data-testid="files-chart-histogram"]')?.dataset.drawMs);
}

/** Then the Compare formats view on the same model: its table, charts and a plan (a size budget). */
async function compareModel(app) {
  const { page } = app;
  await byTestId(page, 'compare-input').setInputFiles(MODEL);
  await byTestId(page, 'compare-run').click();
  await byTestId(page, 'compare-table').waitFor({ timeout: 60_000 });
  await byTestId(page, 'compare-budget-unit').selectOption('size');
  await byTestId(page, 'compare-budget').fill('1g');
  await byTestId(page, 'compare-plan').click();
  await byTestId(page, 'compare-plan-summary').waitFor({ timeout: 60_000 });
  await page.waitForFunction(() => document.querySelector('[data-testid="compare-pareto"]')?.dataset.drawMs);
}

/** What has the focus: its test id (or tag) and whether a focus indicator is drawn around it. */
async function focused(page) {
  return page.evaluate(() => {
    const element = document.activeElement;
    const style = getComputedStyle(element);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
    return {
      id: element.dataset.testid || element.id || element.tagName,
      tag: element.tagName.toLowerCase(),
      role: element.getAttribute('role'),
      scrolls: element.scrollWidth > element.clientWidth,
      visible: outline || style.boxShadow !== 'none',
      focusVisible: element.matches(':focus-visible'),
    };
  });
}

/** Presses Tab until `predicate(focused)` holds (at most `limit` times); returns what has focus. */
async function tabTo(page, predicate, limit = 80) {
  for (let presses = 0; presses < limit; presses++) {
    await page.keyboard.press('Tab');
    const now = await focused(page);
    if (predicate(now)) return now;
  }
  throw new Error(`Tab never reached the element (${limit} presses)`);
}

describe('accessibility', () => {
  let app;
  before(async () => {
    app = await openApp();
  });
  after(async () => {
    await app?.close();
  });

  for (const scheme of ['light', 'dark']) {
    for (const viewport of [DESKTOP, NARROW]) {
      test(`axe: no violation in any tool, ${scheme}, ${viewport.width} px`, async () => {
        const { page } = app;
        await page.emulateMedia({ colorScheme: scheme });
        await page.setViewportSize(viewport);
        const report = [];
        for (const tool of TOOLS) {
          await app.goto(`#${tool}`);
          await byTestId(page, `panel-${tool}`).waitFor();
          if (tool === 'files') {
            await analyseModel(app);
            for (const line of await violations(page)) report.push(`files, all tensors: ${line}`);
            // Every tensor in a format: `quantscope file --preset`'s table.
            await byTestId(page, 'files-format').selectOption('q8_0');
            await byTestId(page, 'files-analyse').click();
            await byTestId(page, 'files-format-table').waitFor();
            for (const line of await violations(page)) report.push(`files, in a format: ${line}`);
            // One tensor in that format: its format charts (the worker's data).
            await byTestId(page, 'files-tensor').selectOption('fc.weight');
            await byTestId(page, 'files-analyse').click();
            await page.waitForFunction(() => document.querySelector('[data-testid="files-chart-format-sweep"]')?.dataset.drawMs);
            for (const line of await violations(page)) report.push(`files, one tensor in a format: ${line}`);
            await byTestId(page, 'files-tensor').selectOption('');
            await byTestId(page, 'files-format').selectOption('');
            await analyseOneTensor(app);
            await compareModel(app);
          } else {
            await byTestId(page, `${tool}-results`).locator('table').first().waitFor();
          }
          await openDisclosures(page);
          for (const line of await violations(page)) report.push(`${tool}: ${line}`);
        }
        await page.emulateMedia({ colorScheme: null });
        await page.setViewportSize(DESKTOP);
        assert.deepEqual(report, []);
      });
    }
  }

  test('axe: no violation with a format chosen (preset, float element), its fields, tables, charts and formulas', async () => {
    const { page } = app;
    await app.goto('#tensor');
    const row = Array.from({ length: 32 }, (_, i) => ((i - 15.5) / 9).toFixed(4)).join(', ');
    await byTestId(page, 'tensor-data').fill(`${row}\n${row}`);
    await byTestId(page, 'tensor-format').selectOption('mxfp4');
    await byTestId(page, 'table-format-blocks').waitFor({ timeout: 10_000 });
    await page.waitForFunction(() => document.querySelector('[data-testid="tensor-chart-format-sweep"]')?.dataset.drawMs, null, { timeout: 10_000 });
    await openDisclosures(page);
    const report = (await violations(page)).map((line) => `tensor mxfp4: ${line}`);
    await byTestId(page, 'tensor-format').selectOption('fp8-e4m3');
    await byTestId(page, 'tensor-format-granularity').selectOption('per-group');
    await byTestId(page, 'tensor-group-size').waitFor();
    await byTestId(page, 'table-format-summary').locator('[data-col="format"]').filter({ hasText: 'fp8-e4m3:per-group:32' }).waitFor();
    for (const line of await violations(page)) report.push(`tensor fp8-e4m3 per-group: ${line}`);
    await app.goto('#values');
    await byTestId(page, 'values-format').selectOption('int-groups');
    await byTestId(page, 'values-group-size').fill('5');
    await byTestId(page, 'table-format-summary').waitFor({ timeout: 10_000 });
    for (const line of await violations(page)) report.push(`values int groups: ${line}`);
    assert.deepEqual(report, []);
    // Back to the examples' forms for the other tests.
    await page.evaluate(() => localStorage.clear());
    await app.goto('#tensor');
  });

  test('axe: no violation with a located input error shown', async () => {
    const { page } = app;
    await app.goto('#values');
    const data = byTestId(page, 'values-data');
    await data.fill('0.5, 1.2x, 3');
    await data.press('Enter');
    await byTestId(page, 'input-error').waitFor();
    assert.deepEqual(await violations(page), []);
  });

  test('keyboard: the tool tabs follow the WAI-ARIA tabs pattern (arrows, Home, End, one tab stop)', async () => {
    const { page } = app;
    await app.goto('#channels');
    // The open tab is the first stop of the page; the others are out of the Tab order.
    let now = await tabTo(page, (f) => f.id.startsWith('tab-'), 5);
    assert.equal(now.id, 'tab-channels');
    assert.ok(now.visible && now.focusVisible, 'the focused tab shows its focus');
    const tabIndexes = await page.locator('[role="tab"]').evaluateAll((tabs) => tabs.map((t) => t.tabIndex));
    assert.deepEqual(tabIndexes, [0, -1, -1, -1]);

    const expectOpen = async (tool) => {
      await byTestId(page, `panel-${tool}`).waitFor();
      assert.equal((await focused(page)).id, `tab-${tool}`, `focus on the ${tool} tab`);
      assert.equal(await byTestId(page, `tab-${tool}`).getAttribute('aria-selected'), 'true');
      assert.equal(new URL(page.url()).hash, `#${tool}`);
      const stops = await page.locator('[role="tab"][tabindex="0"]').count();
      assert.equal(stops, 1, 'one tab in the Tab order');
    };
    await page.keyboard.press('ArrowRight');
    await expectOpen('tensor');
    await page.keyboard.press('End');
    await expectOpen('files');
    await page.keyboard.press('ArrowRight');
    await expectOpen('channels');
    await page.keyboard.press('ArrowLeft');
    await expectOpen('files');
    await page.keyboard.press('Home');
    await expectOpen('channels');
    // Tab leaves the tab list for the open panel's first control.
    await page.keyboard.press('Tab');
    now = await focused(page);
    assert.ok(!now.id.startsWith('tab-'), `Tab left the tab list (focus on ${now.id})`);
    assert.ok(await byTestId(page, 'panel-channels').evaluate((panel) => panel.contains(document.activeElement)));
  });

  test('keyboard: the formulas open with Enter, and a scrolled table region takes the focus', async () => {
    const { page } = app;
    await app.goto('#tensor');
    const how = byTestId(page, 'tensor-how');
    await how.waitFor();
    const summary = await tabTo(page, (f) => f.tag === 'summary');
    assert.ok(summary.visible, 'the disclosure shows its focus');
    assert.equal(await how.evaluate((d) => d.open), false);
    await page.keyboard.press('Enter');
    assert.equal(await how.evaluate((d) => d.open), true);
    await page.keyboard.press('Space');
    assert.equal(await how.evaluate((d) => d.open), false);
    // Tables wider than the screen scroll in a focusable, named region.
    await page.setViewportSize(NARROW);
    await app.goto('#tensor');
    const region = await tabTo(page, (f) => f.role === 'region' && f.scrolls);
    assert.ok(region.visible, 'the table region shows its focus');
    const name = await page.evaluate(() => document.activeElement.getAttribute('aria-label') ?? document.activeElement.getAttribute('aria-labelledby'));
    assert.ok(name, 'the region is named');
    assert.equal(await page.evaluate(() => document.activeElement.scrollLeft), 0);
    await page.keyboard.press('ArrowRight');
    // (Chromium scrolls smoothly: the position moves over a few frames.)
    await page.waitForFunction(() => document.activeElement.scrollLeft > 0, null, { timeout: 5_000 });
    await page.setViewportSize(DESKTOP);
  });

  test('keyboard: the file picker opens with Enter, and the analysis runs from the keyboard', async () => {
    const { page } = app;
    await app.goto('#files');
    // Waited for before the keys: Playwright turns on its file-chooser interception when the first
    // waiter comes, and a chooser opened before that is a real dialog, never reported.
    const chooserOpened = page.waitForEvent('filechooser');
    await tabTo(page, (f) => f.id === 'files-input');
    // The input itself is visually hidden: its drop zone draws the focus.
    const zone = await byTestId(page, 'files-drop').evaluate((zone) => getComputedStyle(zone).outlineStyle);
    assert.notEqual(zone, 'none', 'the drop zone shows the focus of its file input');
    await page.keyboard.press('Enter');
    const chooser = await chooserOpened;
    await chooser.setFiles(MODEL);
    await byTestId(page, 'files-tensors').waitFor();
    const analyse = await tabTo(page, (f) => f.id === 'files-analyse');
    assert.ok(analyse.visible);
    await page.keyboard.press('Enter');
    await byTestId(page, 'files-results').waitFor();
    const csv = await tabTo(page, (f) => f.id === 'files-csv');
    assert.ok(csv.visible);
    const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
    assert.equal(download.suggestedFilename(), 'model-quantscope.csv');
  });

  test('keyboard: every download of a tool starts with Enter or Space', async () => {
    const { page } = app;
    await app.goto('#channels');
    for (const [id, key, name] of [
      ['channels-download-results', 'Enter', /\.csv$/],
      ['channels-download-elements', 'Space', /\.csv$/],
      ['channels-download-settings', 'Enter', /\.json$/],
      ['channels-download-pdf', 'Space', /\.pdf$/],
    ]) {
      const button = await tabTo(page, (f) => f.id === id, 200);
      assert.ok(button.visible, `${id} shows its focus`);
      const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press(key)]);
      assert.match(download.suggestedFilename(), name, id);
    }
  });

  test('charts keep their text captions, tied to the canvas', async () => {
    const { page } = app;
    await app.goto('#tensor');
    const canvases = page.locator('canvas[role="img"]');
    await canvases.first().waitFor();
    const described = await canvases.evaluateAll((all) =>
      all.map((canvas) => ({
        label: canvas.getAttribute('aria-label'),
        caption: document.getElementById(canvas.getAttribute('aria-describedby') ?? '')?.textContent.trim() ?? '',
      })),
    );
    assert.ok(described.length >= 4, `${described.length} charts`);
    for (const { label, caption } of described) {
      assert.ok(label, 'the chart is named');
      assert.ok(caption.length > 20, `${label}: a caption in words (${caption})`);
    }
  });
});
