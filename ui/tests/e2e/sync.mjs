// The app and a second device (the `punkt` command) through a real punkt-sync-server on
// loopback: a person taken in in the app reaches the command after sync; a consultation the
// command adds reaches the app after the app syncs again; the app's coordinator revokes the
// command's laptop, which the server then refuses.
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort, screenshot, startApp, step, summary, target, tempDir, ui, waitForPort } from './lib.mjs';

const data = tempDir('punkt-e2e-sync-');
const serverBin = join(target, 'debug/punkt-sync-server');
const punktBin = join(target, 'debug/punkt');
const db = join(data, 'server.db');
const admin = (...args) => JSON.parse(execFileSync(serverBin, ['admin', '--db', db, ...args], { encoding: 'utf8' }) || 'null');
const cliEnv = { ...process.env, PUNKT_DATA: join(data, 'cli'), PUNKT_PASSPHRASE: 'cli passphrase 123', PUNKT_TEST_FAST_KDF: '1' };
const punkt = (args, input) => execFileSync(punktBin, args, { env: cliEnv, encoding: 'utf8', input });

admin('org', 'add', 'Fundacja A');
// Anna coordinates: her app manages the team (and revokes the command's laptop at the end).
admin('user', 'add', '--org', 'Fundacja A', '--name', 'anna', '--role', 'coordinator');
admin('user', 'add', '--org', 'Fundacja A', '--name', 'piotr', '--role', 'lawyer');
const appCode = admin('enroll', '--user', 'anna').code;
const cliCode = admin('enroll', '--user', 'piotr').code;
const port = await freePort();
const server = spawn(serverBin, ['serve', '--db', db, '--listen', `127.0.0.1:${port}`, '--insecure-http'], { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, RUST_LOG: 'warn' } });
await waitForPort(port);
const url = `http://127.0.0.1:${port}`;

const PASS = 'a long passphrase for e2e';
const app = await startApp({ PUNKT_DATA: join(data, 'app'), PUNKT_TEST_FAST_KDF: '1' });
const $ = ui(app.browser);
let failed = 0;
try {
  await step('the app: create a store and take in a person', async () => {
    await $.type('setup-organisation', 'Fundacja A');
    await $.type('setup-passphrase', PASS);
    await $.type('setup-repeat', PASS);
    await $.click('setup-create');
    await $.click('nav-intake');
    await $.type('intake-original', 'Олена Коваленко');
    await $.type('intake-family', 'Kovalenko');
    await $.type('intake-given', 'Olena');
    await $.type('intake-birth', '1985-07-01');
    await $.click('intake-save');
    await $.wait('client-name');
  });

  await step('the app: enrol with the server and sync', async () => {
    await $.click('nav-sync');
    await $.type('enroll-server', url);
    await $.type('enroll-code', appCode);
    await $.type('enroll-device', 'laptop Anny');
    await $.click('enroll-submit');
    await $.wait('sync-enrolled');
    await $.click('sync-now');
    const result = await $.wait('sync-result');
    if (!(await result.getText()).includes('Wysłano 1')) throw new Error(`sync said: ${await result.getText()}`);
    screenshot('sync-01-app-synced');
  });

  let check;
  await step('the command: enrol; its first sync waits for keys and shows its check code', async () => {
    punkt(['init', '--organisation', 'Fundacja A']);
    punkt(['enroll', '--server', url, '--code', cliCode, '--name', 'cli']);
    const said = punkt(['sync']);
    check = JSON.parse(punkt(['sync', 'status'])).check_code;
    if (!said.includes('no keys') || !said.includes(check)) throw new Error(`the command said: ${said}`);
  });

  await step('the app: the coordinator compares the check code and gives the command\'s laptop keys', async () => {
    await $.click('team-reload');
    await $.wait('team-keys');
    await $.type('team-keys-check', check);
    screenshot('sync-01b-give-keys');
    await $.click('team-keys-give');
    await $.waitGone('team-keys');
  });

  let id;
  await step('the command: sync, find the person, add a consultation, sync', async () => {
    punkt(['sync']);
    const hits = JSON.parse(punkt(['client', 'search', 'Kowalenko']));
    if (hits.length !== 1) throw new Error(`the command found ${hits.length} people`);
    id = hits[0].id;
    punkt(['consultation', 'add', id, '--json', '-'], JSON.stringify({ date: '2026-11-20', place: { kind: 'point', city: 'Lublin' }, services: ['social'], note: 'Added on the second device' }));
    punkt(['sync']);
  });

  await step('the app: sync again and see the consultation from the other device', async () => {
    await $.click('sync-now');
    await $.waitForText('odebrano 1');
    await $.click('nav-search');
    await $.type('search-input', 'Kovalenko');
    await $.wait('search-hit');
    await app.browser.keys(['Enter']);
    await $.click('tab-consultations');
    await $.waitForText('Added on the second device');
    screenshot('sync-02-app-received');
  });

  await step('the app (a coordinator): the team, and the command\'s laptop revoked', async () => {
    await $.click('nav-sync');
    await $.wait('team-laptops');
    const cli = app.browser.$('//*[@data-testid="team-device"][.//*[contains(normalize-space(.), "cli")]]');
    await cli.waitForDisplayed({ timeout: 15000 });
    await $.wait('team-own');
    screenshot('sync-03-team');
    await cli.$('[data-testid="team-revoke"]').click();
    await $.click('team-revoke-confirm');
    await $.click('team-revoke-do');
    await app.browser.waitUntil(async () => (await cli.getAttribute('data-state')) === 'revoked',
      { timeout: 15000, timeoutMsg: 'the laptop does not show as revoked' });
    screenshot('sync-04-revoked');
    // The real server now refuses the command's laptop, which wipes its store.
    let refused = '';
    try { punkt(['sync']); } catch (e) { refused = String(e.stderr); }
    if (!refused.includes('device_revoked')) throw new Error(`the revoked laptop synced: ${refused}`);
    const log = admin('audit');
    if (!log.some((e) => e.action === 'revoke' && e.user === 'anna')) throw new Error('the revocation is not logged as Anna\'s');
  });
} catch {
  failed = 1;
} finally {
  await app.stop();
  server.kill('SIGTERM');
}
process.exit(summary('e2e sync') || failed ? 1 : 0);
