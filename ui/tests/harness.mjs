// A small runner for the screen tests: the built UI served from ui/dist on 127.0.0.1, Debian's
// Chromium driven by playwright-core, the fake backend (mock-backend.js) in every page.
import { createServer } from 'node:http';
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import { chromium } from 'playwright-core';

const dist = process.env.PUNKT_UI_DIST ?? new URL('../dist/', import.meta.url).pathname;
const mock = new URL('./mock-backend.js', import.meta.url).pathname;
export const shots = new URL('../test-output/screens/', import.meta.url).pathname;
// The app's own Content-Security-Policy (src-tauri/tauri.conf.json), so a screen that works
// here also works under the real app's policy.
const csp = JSON.parse(readFileSync(new URL('../../src-tauri/tauri.conf.json', import.meta.url), 'utf8')).app.security.csp;
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.woff2': 'font/woff2', '.wasm': 'application/wasm' };

const tests = [];
export function test(name, fn) {
  tests.push({ name, fn });
}

export function assert(cond, message) {
  if (!cond) throw new Error(message);
}

export async function run() {
  if (!existsSync(join(dist, 'index.html'))) throw new Error('ui/dist is missing: run `npm run build` first');
  mkdirSync(shots, { recursive: true });
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^\/+/, '');
    const file = join(dist, path || 'index.html');
    if (!file.startsWith(dist) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    const headers = { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' };
    if (file.endsWith('.html')) headers['content-security-policy'] = csp;
    res.writeHead(200, headers).end(readFileSync(file));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}/index.html`;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  let passed = 0;
  let failed = 0;
  const only = process.env.PUNKT_SCREENS_ONLY;
  for (const t of tests.filter((x) => !only || x.name.includes(only))) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const open = async (scenario = {}) => {
      await page.addInitScript((s) => { window.__PUNKT_SCENARIO__ = s; }, scenario);
      await page.addInitScript({ path: mock });
      await page.goto(url);
      return page;
    };
    try {
      await t.fn({ open, page, shot: (name) => page.screenshot({ path: join(shots, `${name}.png`), animations: 'disabled' }) });
      assert(errors.length === 0, `errors in the page: ${errors.join('; ')}`);
      passed++;
      console.log(`ok   ${t.name}`);
    } catch (e) {
      failed++;
      console.log(`FAIL ${t.name}\n     ${e.message.split('\n')[0]}`);
      await page.screenshot({ path: join(shots, `FAILED-${t.name.replace(/\W+/g, '-')}.png`) }).catch(() => {});
    }
    await context.close();
  }
  await browser.close();
  server.close();
  console.log(`ui screens: ${passed} passed, ${failed} failed`);
  if (failed) process.exit(1);
}
