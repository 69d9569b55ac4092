// The desktop app's figures (issue 4), on a store of 50,000 demo client files: start to an
// interactive unlock screen, unlock to home, a keystroke in search to results on screen, and
// opening a client file. Run by scripts/bench-desktop.sh; results go to docs/benchmarks.md.
//
// Start and unlock are timed from this script (they include WebDriver's own round trips, so
// they are upper bounds); search and open are timed inside the page, from the input or click
// event to the frame after the results or the file are in the DOM.
import { join } from 'node:path';
import { repo, startApp, target, ui } from './lib.mjs';

const data = process.env.PUNKT_BENCH_DATA ?? join(repo, 'bench-data');
const app = process.env.PUNKT_DESKTOP_BIN ?? join(target, 'release/punkt-desktop');
const runs = Number(process.env.PUNKT_BENCH_RUNS ?? 5);
const PASS = 'benchmark passphrase';
const QUERIES = ['Szewczenko', 'Шевченко', 'Mohamad', 'Kowalenko', 'Hassan 1990', 'Nguyen'];

const figures = { start_to_unlock_screen: [], unlock_to_home: [], search_keystroke_to_results: [], open_client_file: [] };

const searchOnce = (browser, query) =>
  browser.executeAsync((q, done) => {
    const input = document.querySelector('[data-testid="search-input"]');
    const results = document.querySelector('[data-testid="search-results"]');
    const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
    setValue.call(input, '');
    input.dispatchEvent(new Event('input', { bubbles: true }));
    setTimeout(() => {
      const t0 = performance.now();
      const seen = () => results.querySelector('[data-testid="search-hit"]');
      const obs = new MutationObserver(() => {
        if (seen()) {
          obs.disconnect();
          requestAnimationFrame(() => done(performance.now() - t0));
        }
      });
      obs.observe(results, { childList: true, subtree: true });
      setValue.call(input, q);
      input.dispatchEvent(new Event('input', { bubbles: true }));
    }, 200);
  }, query);

const openFirstHit = (browser) =>
  browser.executeAsync((done) => {
    const t0 = performance.now();
    const obs = new MutationObserver(() => {
      if (document.querySelector('[data-testid="client-name"]')) {
        obs.disconnect();
        requestAnimationFrame(() => done(performance.now() - t0));
      }
    });
    obs.observe(document.body, { childList: true, subtree: true });
    document.querySelector('[data-testid="search-hit"]').click();
  });

const slowest = [];
for (let run = 0; run < runs; run++) {
  const t0 = performance.now();
  const session = await startApp({ PUNKT_DATA: data }, app);
  const { browser } = session;
  const $ = ui(browser);
  try {
    await $.wait('unlock-passphrase', 30000);
    figures.start_to_unlock_screen.push(performance.now() - t0);
    const field = await $.wait('unlock-passphrase');
    await field.setValue(PASS);
    const t1 = performance.now();
    await $.click('unlock-submit');
    await $.wait('board', 30000);
    figures.unlock_to_home.push(performance.now() - t1);
    for (const q of QUERIES) {
      await $.click('nav-search');
      await $.wait('search-input');
      const ms = await searchOnce(browser, q);
      figures.search_keystroke_to_results.push(ms);
      slowest.push([ms, q, run]);
      figures.open_client_file.push(await openFirstHit(browser));
    }
  } finally {
    await session.stop();
  }
}

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
console.log(`desktop benchmark: ${runs} runs on ${data}`);
slowest.sort((a, b) => b[0] - a[0]);
console.log(`slowest searches: ${slowest.slice(0, 4).map(([ms, q, r]) => `${q} ${ms.toFixed(0)} ms (start ${r + 1})`).join('; ')}`);
console.log('figure                          n   p50 ms   p95 ms   max ms');
for (const [name, xs] of Object.entries(figures)) {
  console.log(`${name.padEnd(30)} ${String(xs.length).padStart(3)} ${pct(xs, 50).toFixed(0).padStart(8)} ${pct(xs, 95).toFixed(0).padStart(8)} ${Math.max(...xs).toFixed(0).padStart(8)}`);
}
