// The long tasks and frames of a million values pasted into the Tensor and Values tools, each with
// the Long Animation Frames API's attribution (the scripts over 5 ms, the render and style/layout
// time): what e2e/large_input.test.mjs bounds, taken apart (docs/large-input.md).
//   node bench/paste_frames.mjs [RUNS] [tensor,values]   (after `make build`; QUANTSCOPE_DIST for another build)
import { openApp } from '../e2e/support/browser.mjs';
import { CHARTS_MARK, chartsDrawn, milestones, millionValues, watchMilestones } from '../e2e/support/long_tasks.mjs';
const runs = Number(process.argv[2] ?? 2);
const tools = (process.argv[3] ?? 'tensor,values').split(',');
const app = await openApp();
const { page } = app;
const text = millionValues();
for (const tool of tools) for (let r = 0; r < runs; r++) {
  await app.goto('#' + tool);
  await page.evaluate((value) => { const d = new DataTransfer(); d.setData('text/plain', value); window.__pasteData = d; }, text);
  await page.evaluate(() => {
    window.__entries = [];
    window.__obs = new PerformanceObserver((list) => { for (const e of list.getEntries()) {
      const o = { type: e.entryType, start: Math.round(e.startTime), dur: Math.round(e.duration) };
      if (e.entryType === 'long-animation-frame') {
        o.render = Math.round(e.renderStart ? e.startTime + e.duration - e.renderStart : 0);
        o.layout = Math.round(e.styleAndLayoutStart ? e.startTime + e.duration - e.styleAndLayoutStart : 0);
        o.scripts = e.scripts.map((s) => `${s.invokerType}:${s.invoker?.slice(0, 30)}:${Math.round(s.duration)}`).join(' | ');
      }
      window.__entries.push(o);
    } });
    window.__obs.observe({ entryTypes: ['longtask', 'long-animation-frame'] });
  });
  await watchMilestones(page, { charts: CHARTS_MARK });
  await page.evaluate((id) => {
    window.__pastedAt = performance.now();
    const area = document.querySelector(`[data-testid="${id}"]`) ?? document.querySelector(`[data-testid="${id}-large"]`);
    area.focus(); area.select?.();
    const paste = new ClipboardEvent('paste', { clipboardData: window.__pasteData, bubbles: true, cancelable: true });
    area.dispatchEvent(paste);
    window.__pasteData = null;
  }, `${tool}-data`);
  await chartsDrawn(page);
  const { charts: elapsed } = await milestones(page);
  const entries = await page.evaluate(async () => { await new Promise((d) => setTimeout(d, 200)); window.__obs.disconnect(); return window.__entries; });
  const longest = Math.max(0, ...entries.map((e) => e.dur));
  const total = entries.reduce((a, e) => a + e.dur, 0);
  console.log(`${tool} run ${r}: charts painted ${elapsed} ms after the paste; longest ${longest}, total ${total}`);
  for (const e of entries) console.log('   ', JSON.stringify(e));
}
await app.close?.();
process.exit(0);
