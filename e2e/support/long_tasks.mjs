// The main thread's long tasks while a test makes the page work, and the million-value input the
// large-input tests paste (1000 channels × 1000 values).
//
// Two kinds of entry, both over 50 ms: the Long Tasks API's tasks (script and what it runs) and the
// Long Animation Frames API's frames, which also count the frame's style, layout and paint: a task
// API alone missed the 1.2 s of layout Chromium spent on a 7.4 MB text area (a trace showed it).

/** Starts recording the page's long tasks and long animation frames. */
export async function watchLongTasks(page) {
  await page.evaluate(() => {
    window.__longTasks = [];
    window.__longObserver = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.__longTasks.push(entry.duration);
    });
    window.__longObserver.observe({ entryTypes: ['longtask', 'long-animation-frame'] });
  });
}

/** Stops recording (after `settleMs` for the last entries) and returns the durations, ms. */
export async function longTasks(page, settleMs = 100) {
  return page.evaluate(async (settle) => {
    await new Promise((done) => setTimeout(done, settle));
    window.__longObserver.disconnect();
    return window.__longTasks;
  }, settleMs);
}

/** Waits until a large input's charts are drawn from the worker's sample (their note says so) and
 * the page has had `settleMs` more: what the page does after the tables is the input's work too. */
export async function chartsDrawn(page, elements = 1_000_000, settleMs = 300) {
  // Looked for in the charts' captions only: a text search of the whole page runs on its main
  // thread, and its polling would count as the page's long tasks.
  await page.locator('figcaption').filter({ hasText: new RegExp(`Drawn from a strided sample of \\d+ of ${elements} values`) }).first().waitFor({ timeout: 60_000 });
  await page.evaluate((settle) => new Promise((done) => requestAnimationFrame(() => setTimeout(done, settle))), settleMs);
}

/** 1000 lines of 1000 values, as text. */
export function millionValues() {
  const lines = [];
  for (let c = 0; c < 1000; c++) {
    const row = new Array(1000);
    for (let i = 0; i < 1000; i++) row[i] = (Math.sin(c * 1000 + i) * 2).toFixed(4);
    lines.push(row.join(' '));
  }
  return lines.join('\n');
}
