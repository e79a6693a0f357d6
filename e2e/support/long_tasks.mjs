// The main thread's long tasks (over 50 ms, the Long Tasks API) while a test makes the page work,
// and the million-value input the large-input tests paste (1000 channels × 1000 values).

/** Starts recording the page's long tasks. */
export async function watchLongTasks(page) {
  await page.evaluate(() => {
    window.__longTasks = [];
    window.__longObserver = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.__longTasks.push(entry.duration);
    });
    window.__longObserver.observe({ type: 'longtask' });
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
