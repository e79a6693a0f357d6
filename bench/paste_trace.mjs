// A CDP trace of a million values pasted into the Tensor tool, every thread (page, worker): the
// top-level tasks over 8 ms and the worker's start, from the paste on. What docs/large-input.md's
// "where the time goes" table comes from.
//   node bench/paste_trace.mjs [tensor|values]   (after `make build`; QUANTSCOPE_DIST for another build)
import { openApp } from '../e2e/support/browser.mjs';
import { chartsDrawn, millionValues } from '../e2e/support/long_tasks.mjs';
const tool = process.argv[2] ?? 'tensor';
const app = await openApp();
const { page, context } = app;
const text = millionValues();
await app.goto('#' + tool);
// `--again`: a first paste (untraced) warms the worker, then another text is pasted and traced.
const again = process.argv.includes('--again');
// The paste event's DataTransfer is built in a task of its own (the test's work, not the page's).
const prepare = (value) =>
  page.evaluate((value) => { const d = new DataTransfer(); d.setData('text/plain', value); window.__pasteData = d; }, value);
const dispatchPaste = () =>
  page.evaluate((id) => {
    const area = document.querySelector(`[data-testid="${id}"]`) ?? document.querySelector(`[data-testid="${id}-large"]`);
    area.focus(); area.select?.();
    area.dispatchEvent(new ClipboardEvent('paste', { clipboardData: window.__pasteData, bubbles: true, cancelable: true }));
    window.__pasteData = null;
  }, `${tool}-data`);
if (again) { await prepare(text.replace('0.0000', '0.0001')); await dispatchPaste(); await chartsDrawn(page); }
await prepare(text);
const cdp = await context.newCDPSession(page);
const events = [];
cdp.on('Tracing.dataCollected', ({ value }) => events.push(...value));
const finished = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
await cdp.send('Tracing.start', {
  traceConfig: { includedCategories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8', 'v8.execute', 'blink.user_timing', '__metadata', 'loading'] },
  transferMode: 'ReportEvents',
});
await page.evaluate(() => performance.mark('paste'));
const t0 = Date.now();
await dispatchPaste();
await chartsDrawn(page);
console.log(`charts drawn ${Date.now() - t0} ms after the paste (wall)`);
await cdp.send('Tracing.end');
await finished;
const names = new Map();
for (const e of events) if (e.ph === 'M' && e.name === 'thread_name') names.set(`${e.pid}:${e.tid}`, e.args.name);
const mark = events.find((e) => e.name === 'paste' && e.cat.includes('user_timing'));
const zero = mark?.ts ?? Math.min(...events.filter((e) => e.ts).map((e) => e.ts));
const rows = events
  .filter((e) => e.ph === 'X' && (e.name === 'RunTask' || e.name === 'ThreadControllerImpl::RunTask') && e.dur > 8000)
  .map((e) => ({ thread: names.get(`${e.pid}:${e.tid}`) ?? `${e.pid}:${e.tid}`, start: (e.ts - zero) / 1000, dur: e.dur / 1000, e }));
// The biggest named child of each task.
for (const r of rows.sort((a, b) => a.start - b.start)) {
  const inner = events
    .filter((c) => c.ph === 'X' && c.pid === r.e.pid && c.tid === r.e.tid && c.ts >= r.e.ts && c.ts + (c.dur ?? 0) <= r.e.ts + r.e.dur && c !== r.e && c.dur > 3000)
    .sort((a, b) => b.dur - a.dur)
    .slice(0, 4)
    .map((c) => `${c.name}${c.args?.data?.url ? '(' + c.args.data.url.split('/').pop() + ')' : ''}${c.args?.data?.functionName ? '(' + c.args.data.functionName + ')' : ''}:${(c.dur / 1000).toFixed(0)}`);
  if (!/CrBrowserMain|Compositor|IO|Chrome_|ThreadPool|VizCompositor/.test(r.thread))
    console.log(`${r.thread.padEnd(22)} +${r.start.toFixed(0).padStart(5)} ms  ${r.dur.toFixed(0).padStart(5)} ms  ${inner.join(' ')}`);
}
const starts = events.filter((e) => /Worker|wasm|Wasm/.test(e.name) && e.ph !== 'M' && (e.dur ?? 0) > 5000);
for (const e of starts.slice(0, 30)) console.log('  ', names.get(`${e.pid}:${e.tid}`), e.name, ((e.ts - zero) / 1000).toFixed(0), ((e.dur ?? 0) / 1000).toFixed(0));
await app.close?.();
process.exit(0);
