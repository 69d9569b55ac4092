// Helpers for the end-to-end tests of the real app: the built punkt-desktop binary in a real
// window under Xvfb, driven through tauri-driver (WebDriver) + WebKitWebDriver, screenshots of
// the whole X display taken with ImageMagick's `import` while the app is open.
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { remote } from 'webdriverio';

export const repo = new URL('../../../', import.meta.url).pathname;
export const target = process.env.CARGO_TARGET_DIR ?? join(repo, 'target');
export const shotsDir = process.env.PUNKT_E2E_SHOTS ?? join(repo, 'ui/test-output/e2e');
mkdirSync(shotsDir, { recursive: true });

export function tempDir(prefix) {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export async function waitForPort(port, ms = 20000) {
  const { connect } = await import('node:net');
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const ok = await new Promise((r) => {
      const c = connect(port, '127.0.0.1', () => (c.end(), r(true)));
      c.on('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listens on ${port}`);
}

export function screenshot(name) {
  const path = join(shotsDir, `${name}.png`);
  // WebKitGTK paints a moment after the DOM changes (software rendering under Xvfb): wait for
  // it, or the picture shows the frame before.
  execFileSync('sleep', ['0.5']);
  execFileSync('import', ['-window', 'root', path]);
  return path;
}

/** Start the app with its own data folder; returns the WebDriver session and a stop function. */
export async function startApp(env, application = join(target, 'debug/punkt-desktop')) {
  const port = await freePort();
  const nativePort = await freePort();
  const driverBin = process.env.TAURI_DRIVER ?? join(process.env.HOME, '.cargo/bin/tauri-driver');
  const driver = spawn(driverBin, ['--port', String(port), '--native-port', String(nativePort)], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, ...env },
  });
  await waitForPort(port);
  const browser = await remote({
    hostname: '127.0.0.1',
    port,
    logLevel: 'warn',
    capabilities: {
      browserName: 'wry',
      'wdio:enforceWebDriverClassic': true,
      'tauri:options': { application },
    },
  });
  await browser.setTimeout({ implicit: 0 });
  return {
    browser,
    async stop() {
      await browser.deleteSession().catch(() => {});
      driver.kill('SIGTERM');
    },
  };
}

export function ui(browser) {
  const byTestId = (id) => browser.$(`[data-testid="${id}"]`);
  return {
    byTestId,
    async wait(id, ms = 15000) {
      const el = byTestId(id);
      await el.waitForDisplayed({ timeout: ms });
      return el;
    },
    async type(id, text) {
      const el = await this.wait(id);
      await el.click();
      await el.setValue(text);
    },
    async click(id) {
      const el = await this.wait(id);
      await el.click();
    },
    async choose(id, optionText) {
      await this.click(id);
      const opt = browser.$(`//*[@role="option"][contains(normalize-space(.), "${optionText}")]`);
      await opt.waitForDisplayed({ timeout: 5000 });
      await opt.click();
    },
    async waitGone(id, ms = 15000) {
      await byTestId(id).waitForExist({ timeout: ms, reverse: true });
    },
    async textOf(id) {
      return (await this.wait(id)).getText();
    },
    async waitForText(text, ms = 15000) {
      const el = browser.$(`//*[contains(normalize-space(.), "${text}") and not(*[contains(normalize-space(.), "${text}")])]`);
      await el.waitForDisplayed({ timeout: ms });
      return el;
    },
  };
}

export function isoDaysFromToday(n) {
  const d = new Date(Date.now() + n * 86400000);
  const p = (x) => String(x).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

const results = [];
export async function step(name, fn) {
  const started = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    results.push({ name, ok: false });
    console.log(`FAIL ${name}: ${e.message.split('\n')[0]}`);
    try {
      screenshot(`FAILED-${name.replace(/\W+/g, '-')}`);
    } catch {
      // No screenshot: the test's own failure is what gets reported.
    }
    throw e;
  }
}

export function summary(label) {
  const failed = results.filter((r) => !r.ok).length;
  console.log(`${label}: ${results.length - failed} passed, ${failed} failed`);
  return failed;
}
