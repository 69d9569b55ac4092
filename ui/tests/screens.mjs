import { readFileSync } from 'node:fs';
import { assert, run, test } from './harness.mjs';

const decisionPdf = readFileSync(new URL('./decision.pdf', import.meta.url)).toString('base64');
// A scan as scanners write it: one JPEG 2000 image (decoded by pdf.js's WebAssembly module).
const scanPdf = readFileSync(new URL('./scan-jpx.pdf', import.meta.url)).toString('base64');

const pdfPageDrawn = () => {
  const c = document.querySelector('canvas[data-testid="pdf-page"]');
  if (!c) return false;
  const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  for (let i = 0; i < px.length; i += 4) if (px[i] < 100 && px[i + 3] > 0) return true;
  return false;
};

/** Today as the UI writes it (the local day, YYYY-MM-DD). */
const today = () => {
  const d = new Date();
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
};

/** An ISO day as the Polish interface shows it (07.12.2026). */
const pl = (iso) => iso.split('-').reverse().join('.');

const calls = (page, cmd) => page.evaluate((c) => window.__PUNKT_CALLS__.filter((x) => x.cmd === c), cmd);

/** The backend was asked once to stop, and to stop the work `cmd` started last (by its name),
 * not all work. */
const stoppedLast = async (page, cmd, language) => {
  const stops = await calls(page, 'cancel_work');
  const job = (await calls(page, cmd)).at(-1)?.args.job;
  assert(stops.length === 1, `${language}: the backend was asked to stop ${stops.length} times`);
  assert(job && stops[0].args.job === job, `${language}: Stop named ${stops[0].args.job}, the work was ${job}`);
};

test('first start: create a store with a passphrase, strength shown, mismatch refused', async ({ open, page, shot }) => {
  await open({ storeExists: false, unlocked: false });
  await page.getByTestId('setup-organisation').fill('Fundacja Pomocy');
  await page.getByTestId('setup-passphrase').fill('short');
  await page.getByTestId('strength').waitFor();
  assert((await page.getByText('Co najmniej 12 znaków').count()) === 1, 'too-short hint missing');
  await page.getByTestId('setup-passphrase').fill('a long passphrase for the laptop');
  await page.getByTestId('setup-repeat').fill('a different one');
  assert(await page.getByTestId('setup-create').isDisabled(), 'create allowed with different passphrases');
  await page.getByText('Hasła się różnią').waitFor();
  await page.getByTestId('setup-repeat').fill('a long passphrase for the laptop');
  await shot('setup');
  await page.getByTestId('setup-create').click();
  await page.getByTestId('board').waitFor();
  const created = await calls(page, 'create_store');
  assert(created.length === 1 && created[0].args.organisation === 'Fundacja Pomocy', 'create_store not called with the organisation');
});

test('unlock: a wrong passphrase shows the Polish message, the right one opens home', async ({ open, page, shot }) => {
  await open();
  await page.getByTestId('unlock-passphrase').fill('wrong');
  await page.getByTestId('unlock-submit').click();
  const error = page.getByTestId('error');
  await error.waitFor();
  assert((await error.getAttribute('data-code')) === 'wrong_passphrase', 'error code not shown');
  assert((await error.innerText()).includes('Błędne hasło.'), 'message not in Polish');
  await shot('unlock-wrong');
  await page.getByTestId('unlock-passphrase').fill('correct horse battery');
  await page.getByTestId('unlock-submit').click();
  await page.getByTestId('board').waitFor();
});

test('home: overdue and urgent deadlines stand out, uncertain ones are marked', async ({ open, page, shot }) => {
  await open({ unlocked: true });
  await page.getByTestId('board').waitFor();
  const urgency = await page.getByTestId('board-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-urgency')));
  assert(JSON.stringify(urgency) === JSON.stringify(['overdue', 'urgent', 'later']), `urgency ${urgency}`);
  assert((await page.getByTestId('uncertain').count()) === 1, 'uncertain deadline not marked');
  assert((await page.getByText('po terminie o 2 dn.').count()) === 1, 'overdue text missing');
  await page.getByTestId('recent').waitFor();
  await shot('home');
});

test('home: a long board shows the first 50 and loads more on demand', async ({ open, page }) => {
  await open({ unlocked: true, manyDeadlines: 120 });
  await page.getByTestId('board-shown').getByText('Pokazano 50 z 120').waitFor();
  assert((await page.getByTestId('board-row').count()) === 50, 'not 50 rows');
  await page.getByTestId('board-more').click();
  await page.getByTestId('board-shown').waitFor({ state: 'detached' });
  assert((await page.getByTestId('board-row').count()) === 120, 'rest not loaded');
});

test('search: keyboard only, type, arrow, Enter opens the file', async ({ open, page, shot }) => {
  await open({ unlocked: true });
  await page.getByTestId('board').waitFor();
  await page.keyboard.press('Control+k');
  const input = page.getByTestId('search-input');
  await input.waitFor();
  await input.pressSequentially('Szewczenko');
  await page.getByTestId('search-hit').first().waitFor();
  await shot('search');
  await page.keyboard.press('Enter');
  await page.getByTestId('client-name').waitFor();
  assert((await page.getByTestId('client-name').innerText()).includes('Шевченко'), 'wrong file opened');
});

test('client file: concurrent values side by side, one choice settles them', async ({ open, page, shot }) => {
  await open({ unlocked: true, conflict: true });
  await page.getByTestId('conflicted').getByText('Taras').click();
  await page.getByTestId('conflict').waitFor();
  assert((await page.getByTestId('keep-value').count()) === 2, 'both values not shown');
  await shot('client-conflict');
  await page.getByTestId('keep-value').nth(1).click();
  await page.getByTestId('conflicts').waitFor({ state: 'detached' });
  const resolved = await calls(page, 'resolve_conflict');
  assert(resolved[0].args.value === 'Szewczenko' && resolved[0].args.path === 'person.family_name', 'wrong value resolved');
});

test('client file: history and a rejected attachment show translated text', async ({ open, page }) => {
  await open({ unlocked: true, language: 'en' });
  await page.getByTestId('recent').getByText('Olena').click();
  await page.getByTestId('tab-history').click();
  await page.getByTestId('history').getByText('Anna on device this laptop').waitFor();
  await page.getByTestId('tab-attachments').click();
  await page.getByTestId('attachment-input').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
  const error = page.getByTestId('error');
  await error.waitFor();
  assert((await error.innerText()).includes('Please check what you entered.'), 'attachment error not translated');
});

test('client file: edit the person, add a status change and a matter', async ({ open, page, shot }) => {
  await open({ unlocked: true });
  await page.getByTestId('recent').getByText('Taras').click();
  await page.getByTestId('person-edit').click();
  await page.getByTestId('intake-family').fill('Szewczenko');
  await page.getByTestId('intake-birth').fill('');
  await page.getByTestId('person-save').click();
  await page.getByTestId('client-name').getByText('Taras Szewczenko').waitFor();
  const update = (await calls(page, 'update_client'))[0].args.input;
  // Only what changed goes: the emptied birth date as "" (cleared), the untouched names not at all.
  assert(JSON.stringify(update) === JSON.stringify({ family_name: 'Szewczenko', birth_date: '' }), `edit sent ${JSON.stringify(update)}`);
  assert((await page.getByTestId('person').getByText('1990-03-09').count()) === 0, 'the cleared birth date is still shown');
  await page.getByRole('tab', { name: 'Status prawny', exact: true }).click();
  await page.getByTestId('status-new').click();
  await page.getByRole('option', { name: 'W ośrodku strzeżonym' }).click();
  await page.getByTestId('status-save').click();
  await page.getByTestId('status-timeline').getByText('W ośrodku strzeżonym').waitFor();
  await page.getByRole('tab', { name: 'Sprawy', exact: true }).click();
  await page.getByTestId('matter-kind').click();
  await page.getByRole('option', { name: 'Zobowiązanie do powrotu' }).click();
  await page.getByTestId('matter-save').click();
  await page.getByRole('cell', { name: 'Zobowiązanie do powrotu' }).waitFor();
  await shot('client-matters');
});

test('client file: a document added and corrected, special needs added; what was sent is what shows', async ({ open, page, shot }) => {
  await open({ unlocked: true });
  await page.getByTestId('recent').getByText('Taras').click();
  await page.getByTestId('identifier-kind').click();
  await page.getByRole('option', { name: 'Paszport' }).click();
  await page.getByTestId('identifier-number').fill('FX 123456');
  await page.getByTestId('identifier-issued-by').fill('Ukraina');
  await page.getByTestId('identifier-valid-until').fill('2030-05-01');
  await page.getByTestId('identifier-save').click();
  await page.getByTestId('identifiers').getByText('FX 123456').waitFor();
  let sent = (await calls(page, 'update_client')).at(-1).args.input;
  assert(JSON.stringify(sent) === JSON.stringify({ identifiers: [{ kind: 'passport', number: 'FX 123456', issued_by: 'Ukraina', valid_until: '2030-05-01' }] }), `added ${JSON.stringify(sent)}`);
  assert((await page.getByTestId('identifier-number').inputValue()) === '', 'the form was not emptied after saving');

  // Corrected: sent back with its id and every field, so the backend replaces it.
  await page.getByTestId('identifier-edit').click();
  assert((await page.getByTestId('identifier-number').inputValue()) === 'FX 123456', 'the document is not in the form');
  await page.getByTestId('identifier-number').fill('FX 654321');
  await page.getByTestId('identifier-issued-by').fill('');
  // Enter in a field saves, as the button would.
  await page.getByTestId('identifier-issued-by').press('Enter');
  await page.getByTestId('identifiers').getByText('FX 654321').waitFor();
  const id = await page.evaluate(() => window.__PUNKT_STATE__.clients.c1.person.identifiers[0].id);
  sent = (await calls(page, 'update_client')).at(-1).args.input;
  assert(JSON.stringify(sent) === JSON.stringify({ identifiers: [{ id, kind: 'passport', number: 'FX 654321', issued_by: null, valid_until: '2030-05-01' }] }), `edited ${JSON.stringify(sent)}`);
  assert((await page.getByTestId('identifier').count()) === 1, 'the correction was added as a second document');
  assert((await page.getByTestId('identifier').innerText()).includes('—'), 'the emptied issuer is still shown');

  await page.getByTestId('vulnerabilities').click();
  await page.getByRole('option', { name: 'Ofiara tortur' }).click();
  await page.getByRole('option', { name: 'Samotny rodzic' }).click();
  await page.keyboard.press('Escape');
  await page.getByTestId('vulnerabilities-save').click();
  await page.getByText('Zapisano').first().waitFor();
  sent = (await calls(page, 'update_client')).at(-1).args.input;
  assert(JSON.stringify(sent) === JSON.stringify({ vulnerabilities: ['torture_survivor', 'single_parent'] }), `needs ${JSON.stringify(sent)}`);
  // What is recorded is shown; nothing changed, nothing to save.
  await page.waitForFunction(() => document.querySelectorAll('.mantine-MultiSelect-pill').length === 2);
  assert(await page.getByTestId('vulnerabilities-save').isDisabled(), 'save enabled with nothing changed');
  await page.getByTestId('vulnerabilities').click();
  await page.getByRole('option', { name: 'Osoba starsza' }).click();
  await page.keyboard.press('Escape');
  await page.getByTestId('vulnerabilities-save').click();
  await page.waitForFunction(() => window.__PUNKT_STATE__.clients.c1.vulnerabilities.length === 3);
  // The whole set goes, the recorded ones with the new.
  sent = (await calls(page, 'update_client')).at(-1).args.input;
  assert(JSON.stringify([...sent.vulnerabilities].sort()) === JSON.stringify(['elderly', 'single_parent', 'torture_survivor']), `needs again ${JSON.stringify(sent)}`);

  // One recorded by mistake is taken out: the screen says it goes, the set sent leaves it out.
  const pill = (name) => page.locator('.mantine-MultiSelect-pill', { hasText: name });
  await pill('Ofiara tortur').locator('button').click();
  await page.getByTestId('vulnerabilities-removed').getByText('Po zapisaniu zostaną usunięte z akt: Ofiara tortur.').waitFor();
  assert(!(await page.getByTestId('vulnerabilities-save').isDisabled()), 'a removal cannot be saved');
  await page.mouse.click(1200, 100);
  await shot('person-needs-removing');
  // Cancel brings it back; removed again and saved, it is gone.
  await page.getByTestId('vulnerabilities-cancel').click();
  await pill('Ofiara tortur').waitFor();
  assert(await page.getByTestId('vulnerabilities-save').isDisabled(), 'cancel left a change');
  await pill('Ofiara tortur').locator('button').click();
  await page.getByTestId('vulnerabilities-save').click();
  await page.waitForFunction(() => window.__PUNKT_STATE__.clients.c1.vulnerabilities.join() === 'elderly,single_parent');
  sent = (await calls(page, 'update_client')).at(-1).args.input;
  assert(JSON.stringify([...sent.vulnerabilities].sort()) === JSON.stringify(['elderly', 'single_parent']), `needs after removing ${JSON.stringify(sent)}`);
  await pill('Ofiara tortur').waitFor({ state: 'detached' });
  assert((await page.getByTestId('vulnerabilities-removed').count()) === 0, 'still said to be removed after saving');
  await page.mouse.click(1200, 100);
  await shot('person-documents-needs');
});

test('client file: statuses run on parallel tracks; a residence permit keeps its purpose', async ({ open, page, shot }) => {
  await open({ unlocked: true });
  await page.getByTestId('recent').getByText('Taras').click();
  await page.getByTestId('tab-status').click();
  await page.getByTestId('status-new').click();
  // The choice list is grouped by track.
  await page.getByText('Detencja', { exact: true }).waitFor();
  await page.getByRole('option', { name: 'W ośrodku strzeżonym' }).click();
  await page.getByTestId('status-from').fill('2026-01-10');
  await page.getByTestId('status-centre').click();
  await page.getByRole('option', { name: 'Przemyśl' }).click();
  assert((await page.getByTestId('status-purpose').count()) === 0, 'a purpose offered for detention');
  await page.getByTestId('status-save').click();
  // Still an asylum seeker, and detained: both in force, side by side.
  await page.getByTestId('status-timeline').getByText('Detencja', { exact: false }).waitFor();
  const badges = await page.getByTestId('status-in-force').allInnerTexts();
  assert(badges.length === 2 && badges[0].toLowerCase().includes('wnioskodawca') && badges[1].toLowerCase().includes('strzeżonym'), `in force: ${badges}`);
  // A temporary residence permit for family reunification.
  await page.getByTestId('status-new').click();
  await page.getByRole('option', { name: 'Pobyt czasowy' }).click();
  await page.getByTestId('status-purpose').click();
  await page.getByRole('option', { name: 'połączenie z rodziną' }).click();
  await page.getByTestId('status-save').click();
  await page.getByTestId('status-timeline').getByText('połączenie z rodziną', { exact: false }).waitFor();
  const sent = (await calls(page, 'update_client')).at(-1).args.input.legal_status[0];
  assert(sent.status === 'temporary_residence' && sent.purpose === 'family', `sent ${JSON.stringify(sent)}`);
  await shot('status-tracks');
});

test('client file: a status with its end and guarded centre', async ({ open, page, shot }) => {
  await open({ unlocked: true });
  await page.getByTestId('recent').getByText('Taras').click();
  await page.getByTestId('tab-status').click();
  await page.getByTestId('status-new').click();
  await page.getByRole('option', { name: 'W ośrodku strzeżonym' }).click();
  await page.getByTestId('status-from').fill('2026-01-10');
  await page.getByTestId('status-until').fill('2026-01-05');
  await page.getByText('Koniec jest przed początkiem.').waitFor();
  assert(await page.getByTestId('status-save').isDisabled(), 'a status ending before it began could be saved');
  const before = (await calls(page, 'update_client')).length;
  await page.getByTestId('status-until').press('Enter');
  await page.waitForTimeout(200);
  assert((await calls(page, 'update_client')).length === before, 'Enter saved a status ending before it began');
  await page.getByTestId('status-until').fill('2026-03-10');
  await page.getByTestId('status-centre').click();
  await page.getByRole('option', { name: 'Przemyśl' }).click();
  await page.getByTestId('status-save').click();
  await page.getByTestId('status-timeline').getByText('10.01.2026 – 10.03.2026 · Przemyśl').waitFor();
  const sent = (await calls(page, 'update_client')).at(-1).args.input;
  assert(JSON.stringify(sent) === JSON.stringify({ legal_status: [{ status: 'detained', from: '2026-01-10', until: '2026-03-10', centre: 'Przemyśl' }] }), `status ${JSON.stringify(sent)}`);
  await shot('status-until-centre');
});

test('client file: a matter closed with its date shows as closed', async ({ open, page, shot }) => {
  await open({ unlocked: true });
  await page.getByTestId('recent').getByText('Taras').click();
  await page.getByTestId('tab-matters').click();
  await page.getByTestId('matter-kind').click();
  await page.getByRole('option', { name: 'Zobowiązanie do powrotu' }).click();
  await page.getByTestId('matter-opened').fill('2025-09-01');
  await page.getByTestId('matter-opened').press('Enter');
  await page.locator('[data-testid="matter"][data-status="open"]').waitFor();
  const id = await page.evaluate(() => window.__PUNKT_STATE__.clients.c1.matters[0].id);
  await page.getByTestId('matter-edit').click();
  assert(await page.getByTestId('matter-closed').isDisabled(), 'a closing date for an open matter');
  await page.getByTestId('matter-status').click();
  await page.getByRole('option', { name: 'Zamknięta' }).click();
  assert((await page.getByTestId('matter-closed').inputValue()) === pl(today()), 'the closing date does not default to today');
  await page.getByTestId('matter-closed').fill('2026-02-16');
  await shot('matter-close-form');
  await page.getByTestId('matter-update').click();
  await page.locator('[data-testid="matter"][data-status="closed"]').waitFor();
  const sent = (await calls(page, 'update_client')).at(-1).args.input;
  assert(JSON.stringify(sent) === JSON.stringify({ matters: [{ id, kind: 'return', authority: null, reference: null, status: 'closed', opened: '2025-09-01', closed: '2026-02-16', note: null }] }), `matter ${JSON.stringify(sent)}`);
  assert((await page.getByTestId('matter').count()) === 1, 'the closed matter was added as a second one');
  assert((await page.getByTestId('matter-status-badge').textContent()) === 'Zamknięta', 'not shown as closed');
  assert((await page.getByTestId('matter-closed-on').innerText()) === '16.02.2026', 'closing date not shown');
  await shot('matter-closed');
});

test('client file: bad dates and numbers are named in Polish, the form keeps what was typed', async ({ open, page, shot }) => {
  await open({ unlocked: true });
  await page.getByTestId('recent').getByText('Taras').click();
  // A PESEL with a wrong check digit: the backend refuses it, naming the field.
  await page.getByTestId('identifier-kind').click();
  await page.getByRole('option', { name: 'PESEL', exact: true }).click();
  await page.getByTestId('identifier-number').fill('90030912345');
  await page.getByTestId('identifier-save').click();
  const error = page.getByTestId('error');
  await error.waitFor();
  assert((await error.getAttribute('data-code')) === 'invalid_input', 'wrong code');
  assert((await error.innerText()).startsWith('Sprawdź to pole: numer dokumentu.'), `error reads: ${await error.innerText()}`);
  assert((await page.getByTestId('identifier-number').inputValue()) === '90030912345', 'the number typed was lost');
  assert((await page.getByTestId('identifier-kind').inputValue()) === 'PESEL', 'the kind chosen was lost');
  assert((await page.evaluate(() => window.__PUNKT_STATE__.clients.c1.person.identifiers.length)) === 0, 'something was saved');
  await shot('identifier-invalid');

  await page.getByTestId('tab-matters').click();
  await page.getByTestId('matter-kind').click();
  await page.getByRole('option', { name: 'Zobowiązanie do powrotu' }).click();
  await page.getByTestId('matter-opened').fill('2025-09-01');
  await page.getByTestId('matter-save').click();
  await page.getByTestId('matter-edit').click();
  await page.getByTestId('matter-status').click();
  await page.getByRole('option', { name: 'Wygrana' }).click();
  // Closed before it was opened: said at once, not sent.
  await page.getByTestId('matter-closed').fill('2025-08-31');
  await page.getByText('Data zamknięcia jest przed otwarciem sprawy (01.09.2025).').waitFor();
  assert(await page.getByTestId('matter-update').isDisabled(), 'a matter closed before it opened could be saved');
  // Not a day at all: the backend refuses it naming the field, the form stays as typed.
  await page.getByTestId('matter-closed').fill('2026-02-30');
  await page.getByTestId('matter-update').click();
  const dateError = page.getByTestId('matter-edit-form').getByTestId('error');
  await dateError.waitFor();
  assert((await dateError.getAttribute('data-code')) === 'invalid_input', 'wrong code for a date that does not exist');
  assert((await dateError.innerText()).startsWith('Sprawdź to pole: data zamknięcia sprawy.'), `date error reads: ${await dateError.innerText()}`);
  assert((await page.getByTestId('matter-closed').inputValue()) === '2026-02-30', 'the date typed was lost');
  assert((await page.getByTestId('matter-status').inputValue()) === 'Wygrana', 'the status chosen was lost');
  assert((await page.evaluate(() => window.__PUNKT_STATE__.clients.c1.matters[0].status)) === 'open', 'the refused change was applied');
  await shot('matter-invalid-date');
});

for (const [width, height] of [[1280, 800], [1366, 768]]) {
  test(`client file: every tab in sight at ${width}×${height} in all four languages, none scrolled to`, async ({ open, page, shot }) => {
    await page.setViewportSize({ width, height });
    for (const language of ['pl', 'en', 'uk', 'ru']) {
      await open({ unlocked: true, language, consent: true });
      await page.getByTestId('recent').getByText('Taras').click();
      await page.getByTestId('tab-person').waitFor();
      const boxes = await page.getByRole('tab').evaluateAll((ts) => ts.map((t) => { const r = t.getBoundingClientRect(); return { id: t.dataset.testid, left: r.left, right: r.right, top: r.top, bottom: r.bottom }; }));
      assert(boxes.length === 12, `${language}: ${boxes.length} tabs`);
      for (const b of boxes) assert(b.left >= 0 && b.right <= width && b.top >= 0 && b.bottom <= height, `${language} ${width}×${height}: ${b.id} is out of sight (${JSON.stringify(b)})`);
      const sideways = await page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);
      assert(!sideways, `${language} ${width}×${height}: the page scrolls sideways`);
      // The last tab opens at a click, with nothing scrolled.
      await page.getByTestId('tab-audit').click();
      await page.getByTestId('file-audit').waitFor();
      await page.getByTestId('tab-consultations').click();
      await page.getByTestId('consultations').waitFor();
      await shot(`client-tabs-${width}x${height}-${language}`);
    }
  });
}

for (const [width, height] of [[1280, 800], [1366, 768]]) {
  test(`home: an unenrolled laptop with changes waiting is told what to do, with buttons, at ${width}×${height} in four languages`, async ({ open, page, shot }) => {
    await page.setViewportSize({ width, height });
    const texts = { pl: ['Zarejestruj ten laptop', 'Przenieś plikiem'], en: ['Enrol this laptop', 'Move by file'], uk: ['Зареєструвати ноутбук', 'Перенести файлом'], ru: ['Зарегистрировать ноутбук', 'Перенести файлом'] };
    for (const [language, [enrol, byFile]] of Object.entries(texts)) {
      await open({ unlocked: true, language });
      const next = page.getByTestId('home-next-step');
      await next.waitFor();
      assert((await page.getByTestId('home-enrol').innerText()) === enrol, `${language}: the enrol button reads ${await page.getByTestId('home-enrol').innerText()}`);
      assert((await page.getByTestId('home-sync-file').innerText()) === byFile, `${language}: the file button`);
      const box = await page.getByTestId('home-sync-file').boundingBox();
      assert(box && box.x + box.width <= width && box.y + box.height <= height, `${language}: the buttons are out of sight`);
      await shot(`home-next-step-${width}x${height}-${language}`);
    }
    // The enrol button leads to the enrolment form, the file button to the same screen's file card.
    await page.getByTestId('home-enrol').click();
    await page.getByTestId('enroll-server').waitFor();
    await page.getByText('Без сети').waitFor();
  });
}

test('home: an enrolled laptop with changes waiting is offered a sync; nothing is said when nothing waits', async ({ open, page }) => {
  await open({ unlocked: true, enrolment: {} });
  await page.getByTestId('home-next-step').waitFor();
  assert((await page.getByTestId('home-enrol').count()) === 0, 'an enrolled laptop is asked to enrol');
  await page.getByTestId('home-sync-now').click();
  await page.getByTestId('sync-now').waitFor();
});

for (const [width, height] of [[1280, 800], [1366, 768]]) {
  test(`dates: the board and the file show days in the interface language's order, at ${width}×${height} in four languages`, async ({ open, page, shot }) => {
    await page.setViewportSize({ width, height });
    const day = { pl: /\b\d{2}\.\d{2}\.\d{4}\b/, en: /\b\d{2}\/\d{2}\/\d{4}\b/, uk: /\b\d{2}\.\d{2}\.\d{4}\b/, ru: /\b\d{2}\.\d{2}\.\d{4}\b/ };
    const iso = /\b\d{4}-\d{2}-\d{2}\b/;
    for (const [language, order] of Object.entries(day)) {
      await open({ unlocked: true, language });
      const board = await page.getByTestId('board').innerText();
      assert(order.test(board) && !iso.test(board), `${language}: the board reads ${board}`);
      await shot(`dates-board-${width}x${height}-${language}`);
      await page.getByTestId('recent').getByText('Taras').click();
      const person = await page.getByRole('tabpanel').innerText();
      assert(order.test(person) && !iso.test(person), `${language}: the person's tab reads ${person}`);
      await shot(`dates-person-${width}x${height}-${language}`);
    }
  });
}

test('dates: typed as a Pole writes them, in ISO, or picked from the calendar, they are sent as ISO; an impossible day is kept as typed', async ({ open, page, shot }) => {
  await open({ unlocked: true });
  await page.getByTestId('recent').getByText('Taras').click();
  await page.getByTestId('tab-consultations').click();
  const field = page.getByTestId('consultation-date');
  assert(/^\d{2}\.\d{2}\.\d{4}$/.test(await field.inputValue()), `today reads ${await field.inputValue()}`);
  await field.fill('7.12.2026');
  await page.getByTestId('consultation-save').click();
  await page.getByTestId('consultations').getByText('07.12.2026').waitFor();
  assert((await calls(page, 'add_consultation')).at(-1).args.input.date === '2026-12-07', 'the day typed the Polish way was not sent as ISO');
  // ISO is read too, and written out the Polish way once the field is left.
  await field.fill('2026-11-03');
  await field.blur();
  assert((await field.inputValue()) === '03.11.2026', `ISO reads ${await field.inputValue()} after leaving the field`);
  // The calendar, in Polish, Monday first: the 15th of the month shown.
  await page.getByTestId('consultation-date-pick').click();
  const dropdown = page.locator('.mantine-Popover-dropdown');
  await dropdown.getByText('listopad 2026').waitFor();
  const weekdays = await dropdown.locator('.mantine-DatePicker-weekday').allInnerTexts();
  assert(weekdays[0].toLowerCase().startsWith('pn'), `the week starts with ${weekdays[0]}`);
  await page.waitForTimeout(300); // the calendar fades in
  await shot('dates-calendar-pl');
  await dropdown.locator('.mantine-DatePicker-day:not([data-outside])', { hasText: /^15$/ }).click();
  assert((await field.inputValue()) === '15.11.2026', `picked ${await field.inputValue()}`);
  await page.getByTestId('consultation-save').click();
  await page.getByTestId('consultations').getByText('15.11.2026').waitFor();
  assert((await calls(page, 'add_consultation')).at(-1).args.input.date === '2026-11-15', 'the picked day was not sent as ISO');
  // 31 April is no day: it stays as typed and the backend names the field.
  await page.getByTestId('tab-matters').click();
  await page.getByTestId('matter-kind').click();
  await page.getByRole('option', { name: 'Zobowiązanie do powrotu' }).click();
  await page.getByTestId('matter-opened').fill('31.04.2026');
  await page.getByTestId('matter-opened').press('Enter');
  await page.getByText(/Sprawdź to pole/).waitFor();
  assert((await page.getByTestId('matter-opened').inputValue()) === '31.04.2026', 'the impossible day typed was lost');
  assert((await calls(page, 'update_client')).at(-1).args.input.matters[0].opened === '31.04.2026', 'the text typed did not reach the backend to be named');
  await shot('dates-impossible-day-pl');
});

for (const [width, height] of [[1280, 800], [1366, 768]]) {
  test(`keyboard: ? shows every screen's shortcut at ${width}×${height} in four languages; Esc closes it`, async ({ open, page, shot }) => {
    await page.setViewportSize({ width, height });
    const titles = { pl: 'Skróty klawiszowe', en: 'Keyboard shortcuts', uk: 'Клавіатурні скорочення', ru: 'Сочетания клавиш' };
    for (const [language, title] of Object.entries(titles)) {
      await open({ unlocked: true, language });
      await page.getByTestId('board').waitFor();
      await page.keyboard.press('?');
      await page.getByRole('dialog', { name: title }).waitFor();
      for (const [name, key] of [['home', 'H'], ['search', 'S'], ['intake', 'N'], ['visit', 'V'], ['activities', 'G'], ['calculator', 'C'], ['duplicates', 'D'], ['referrals', 'R'], ['reports', 'P'], ['protection', 'O'], ['sync', 'Y'], ['settings', 'U']]) {
        const text = await page.getByTestId(`help-${name}`).innerText();
        assert(text.includes('Alt') && text.trim().endsWith(key), `${language}: ${name} reads ${text}`);
      }
      const box = await page.getByTestId('help-settings').boundingBox();
      assert(box && box.y + box.height <= height, `${language}: the help's last row is out of sight at ${width}×${height}`);
      await page.waitForTimeout(300); // the dialog fades in
      await shot(`keyboard-help-${width}x${height}-${language}`);
      await page.keyboard.press('Escape');
      await page.getByRole('dialog', { name: title }).waitFor({ state: 'hidden' });
    }
  });
}

test('keyboard: Alt with a letter opens every screen, whatever the keyboard layout; focus lands in the first field', async ({ open, page }) => {
  await open({ unlocked: true });
  await page.getByTestId('board').waitFor();
  const focused = () => page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.closest('[data-testid]')?.getAttribute('data-testid') ?? null);
  for (const [name, code, field] of [['search', 'KeyS', 'search-input'], ['intake', 'KeyN', 'intake-given'], ['import', 'KeyI', 'register-choose'], ['visit', 'KeyV', 'visit-centre'], ['activities', 'KeyG', null], ['calculator', 'KeyC', 'deadline-rule'], ['duplicates', 'KeyD', null], ['referrals', 'KeyR', null], ['reports', 'KeyP', null], ['protection', 'KeyO', null], ['sync', 'KeyY', 'enroll-server'], ['settings', 'KeyU', null], ['home', 'KeyH', null]]) {
    // The key's place, not its letter: with a Ukrainian layout Alt+H types "р".
    await page.evaluate((c) => window.dispatchEvent(new KeyboardEvent('keydown', { code: c, key: 'р', altKey: true, bubbles: true })), code);
    await page.locator(`[data-testid="nav-${name}"][data-active]`).waitFor();
    if (field) {
      await page.waitForFunction((f) => document.activeElement?.getAttribute('data-testid') === f, field, { timeout: 3000 }).catch(() => {});
      assert((await focused()) === field, `${name}: focus is on ${await focused()}, not ${field}`);
    }
  }
  // Typing a question mark in a field is a question mark, not the help.
  await page.keyboard.press('Alt+KeyN');
  await page.getByTestId('intake-given').pressSequentially('Ali?');
  assert((await page.getByRole('dialog').count()) === 0, 'a question mark typed opened the help');
  assert((await page.getByTestId('intake-given').inputValue()) === 'Ali?', 'the question mark was not typed');
});

test('keyboard: Esc closes a dialog and leaves the file as it was', async ({ open, page }) => {
  await open({ unlocked: true });
  await page.getByTestId('recent').getByText('Taras').click();
  await page.getByTestId('erase-open').click();
  await page.getByTestId('erase-plan').waitFor();
  await page.keyboard.press('Escape');
  await page.getByTestId('erase-plan').waitFor({ state: 'hidden' });
  assert((await calls(page, 'erase_client')).length === 0, 'Esc erased the file');
  await page.getByTestId('client-name').waitFor();
});

for (const [width, height] of [[1280, 800], [1366, 768]]) {
  test(`long work: a first sync shows what it does with a progress bar and stops at Stop, keeping what came, at ${width}×${height} in four languages`, async ({ open, page, shot }) => {
    await page.setViewportSize({ width, height });
    const texts = {
      pl: ['Zatrzymaj', 'odbieranie 1200/10000', 'zatrzymano na Twoją prośbę'],
      en: ['Stop', '1200/10000', 'stopped at your request'],
      uk: ['Зупинити', '1200/10000', 'зупинено на ваше прохання'],
      ru: ['Остановить', '1200/10000', 'остановлена по вашей просьбе'],
    };
    for (const [language, [stop, doing, stopped]] of Object.entries(texts)) {
      await open({ unlocked: true, language, syncSummary: {}, slowSync: true });
      await page.getByTestId('nav-sync').click();
      await page.getByTestId('sync-now').click();
      await page.getByText(doing).waitFor();
      assert((await page.locator('.mantine-Progress-root').count()) === 1, `${language}: no progress bar`);
      const cancel = page.getByTestId('sync-cancel');
      assert((await cancel.innerText()) === stop, `${language}: the stop button reads ${await cancel.innerText()}`);
      const box = await cancel.boundingBox();
      assert(box && box.x + box.width <= width && box.y + box.height <= height, `${language}: Stop is out of sight`);
      await shot(`long-work-sync-${width}x${height}-${language}`);
      await cancel.click();
      await page.getByTestId('sync-stopped').getByText(stopped).waitFor();
      assert((await page.getByRole('alert').filter({ hasText: stopped }).count()) <= 1, `${language}: the stop is shown twice`);
      await stoppedLast(page, 'sync_now', language);
      assert((await page.getByTestId('sync-cancel').count()) === 0, `${language}: Stop still shown after the sync stopped`);
      assert(await page.getByTestId('sync-now').isEnabled(), `${language}: the next sync cannot be started`);
      await page.waitForTimeout(300); // the button's spinner fades out
      await shot(`long-work-sync-stopped-${width}x${height}-${language}`);
    }
  });
}

for (const [width, height] of [[1280, 800], [1366, 768]]) {
  test(`long work: a report over years says what it counts and can be stopped, nothing changed, at ${width}×${height} in four languages`, async ({ open, page, shot }) => {
    await page.setViewportSize({ width, height });
    const texts = { pl: ['Liczenie raportu za okres 01.01.2020', 'Zatrzymano'], en: ['Counting the report for 01/01/2020', 'Stopped'], uk: ['Підрахунок звіту за період 01.01.2020', 'Зупинено'], ru: ['Подсчёт отчёта за период 01.01.2020', 'Остановлено'] };
    for (const [language, [counting, stopped]] of Object.entries(texts)) {
      await open({ unlocked: true, language, slowReport: 4000 });
      await page.getByTestId('nav-reports').click();
      await page.getByTestId('report-from').fill('2020-01-01');
      await page.getByTestId('report-show').click();
      await page.getByTestId('report-running').getByText(counting).waitFor();
      const box = await page.getByTestId('report-stop').boundingBox();
      assert(box && box.x + box.width <= width && box.y + box.height <= height, `${language}: Stop is out of sight`);
      await shot(`long-work-report-${width}x${height}-${language}`);
      await page.getByTestId('report-stop').click();
      await page.getByTestId('report-stopped').getByText(stopped).waitFor();
      await stoppedLast(page, 'report', language);
      // The answer that comes after the stop is not shown.
      await page.waitForTimeout(4500);
      assert((await page.getByTestId('report').count()) === 0, `${language}: the stopped report was shown`);
      assert(await page.getByTestId('report-show').isEnabled(), `${language}: the report cannot be asked again`);
    }
  });
}

for (const [width, height] of [[1280, 800], [1366, 768]]) {
  test(`long work: a sync file's import says how far it is and stops at Stop, keeping what came, at ${width}×${height} in four languages`, async ({ open, page, shot }) => {
    await page.setViewportSize({ width, height });
    const texts = { pl: ['import pliku 200/1000', 'Import zatrzymano'], en: ['importing the file 200/1000', 'The import was stopped'], uk: ['імпорт файлу 200/1000', 'Імпорт зупинено'], ru: ['импорт файла 200/1000', 'Импорт остановлен'] };
    for (const [language, [doing, stopped]] of Object.entries(texts)) {
      await open({ unlocked: true, language, slowImport: true });
      await page.getByTestId('nav-sync').click();
      await page.getByTestId('sync-file-passphrase').fill('stick passphrase');
      await page.locator('input[type=file]').setInputFiles({ name: 'office.punktsync', mimeType: 'application/octet-stream', buffer: Buffer.from('sealed') });
      await page.getByTestId('import-progress').getByText(doing).waitFor();
      const box = await page.getByTestId('import-cancel').boundingBox();
      assert(box && box.x + box.width <= width && box.y + box.height <= height, `${language}: Stop is out of sight`);
      await shot(`long-work-import-${width}x${height}-${language}`);
      await page.getByTestId('import-cancel').click();
      await page.getByTestId('import-stopped').getByText(stopped).waitFor();
      await stoppedLast(page, 'import_sync_file', language);
      assert((await page.getByTestId('import-cancel').count()) === 0, `${language}: Stop still shown`);
    }
  });
}

for (const [width, height] of [[1280, 800], [1366, 768]]) {
  test(`long work: a retention run says what it does; a preview can be stopped, nothing changed, at ${width}×${height} in four languages`, async ({ open, page, shot }) => {
    await page.setViewportSize({ width, height });
    const texts = { pl: ['Sprawdzanie wszystkich akt', 'Zatrzymano'], en: ["Checking all of the organisation's files", 'Stopped'], uk: ['Перевірка всіх справ', 'Зупинено'], ru: ['Проверка всех дел', 'Остановлено'] };
    for (const [language, [checking, stopped]] of Object.entries(texts)) {
      await open({ unlocked: true, role: 'coordinator', language, slowRetention: 3000, retentionRule: { closed_years: 10, action: 'anonymise' } });
      await page.getByTestId('nav-protection').click();
      await page.getByTestId('retention-preview-run').click();
      await page.getByTestId('retention-running').getByText(checking).waitFor();
      assert(await page.getByTestId('retention-apply-open').isDisabled(), `${language}: apply offered while a preview runs`);
      for (const id of ['retention-stop', 'retention-running']) {
        const box = await page.getByTestId(id).boundingBox();
        assert(box && box.x + box.width <= width && box.y >= 0 && box.y + box.height <= height, `${language}: ${id} is out of sight: ${JSON.stringify(box)}`);
      }
      await shot(`long-work-retention-${width}x${height}-${language}`);
      await page.getByTestId('retention-stop').click();
      await page.getByTestId('retention-stopped').getByText(stopped).waitFor();
      await stoppedLast(page, 'run_retention', language);
      await page.waitForTimeout(3300);
      assert((await page.getByTestId('retention-preview').count()) === 0, `${language}: the stopped preview was shown`);
      assert((await calls(page, 'run_retention')).every((c) => c.args.apply === false), `${language}: something was applied`);
    }
  });
}

for (const [width, height] of [[1280, 800], [1366, 768]]) {
  test(`long work: applying the rule can be stopped while it examines, nothing changed; a stop once it writes is too late and said so, at ${width}×${height} in four languages`, async ({ open, page, shot }) => {
    await page.setViewportSize({ width, height });
    const texts = {
      pl: ['dopóki trwa przegląd', 'nic nie usunięto', 'regułę zastosowano do końca'],
      en: ['while the files are examined', 'nothing was erased', 'the rule was applied to the end'],
      uk: ['поки триває перегляд', 'нічого не видалено', 'правило застосовано до кінця'],
      ru: ['пока идёт просмотр', 'ничего не удалено', 'правило применено до конца'],
    };
    const applyNow = async () => {
      await page.getByTestId('retention-apply-open').click();
      await page.getByTestId('retention-confirm').click();
      await page.getByTestId('retention-apply').click();
    };
    for (const [language, [running, stopped, late]] of Object.entries(texts)) {
      await open({ unlocked: true, role: 'coordinator', language, slowApply: { examine: 4000, write: 1500 }, retentionRule: { closed_years: 10, action: 'erase' } });
      await page.getByTestId('nav-protection').click();
      const files = await page.evaluate(() => window.__PUNKT_STATE__.retentionFiles.length);
      await applyNow();
      await page.getByTestId('retention-running').getByText(running).waitFor();
      await page.getByTestId('retention-plan').waitFor({ state: 'detached' });
      await page.waitForTimeout(300); // the dialog fades out
      const box = await page.getByTestId('retention-apply-stop').boundingBox();
      assert(box && box.x + box.width <= width && box.y >= 0 && box.y + box.height <= height, `${language}: Stop is out of sight: ${JSON.stringify(box)}`);
      await shot(`long-work-retention-apply-${width}x${height}-${language}`);
      await page.getByTestId('retention-apply-stop').click();
      await page.getByTestId('retention-apply-stopped').getByText(stopped).waitFor();
      await stoppedLast(page, 'run_retention', language);
      assert((await page.evaluate(() => window.__PUNKT_STATE__.retentionFiles.length)) === files, `${language}: files changed after a stop`);
      assert((await page.getByTestId('retention-applied').count()) === 0, `${language}: shown as applied`);
      // Again, stopped only once it writes: it goes to its end and says why.
      await applyNow();
      await page.waitForTimeout(4300);
      await page.getByTestId('retention-apply-stop').click();
      await page.getByTestId('retention-apply-too-late').getByText(late).waitFor();
      await page.getByTestId('retention-applied').waitFor();
      assert((await page.evaluate(() => window.__PUNKT_STATE__.retentionFiles.length)) < files, `${language}: nothing applied`);
    }
  });
}

const REGISTER = 'nazwisko;imię;data urodzenia;obywatelstwo;data konsultacji;Kolumna własna\nSzewczenko;Taras;12.05.1990;UA;02.03.2026;x\nHaddad;Mohammed;1988;SY;05.05.2026;\nNowak;Jan;;Atlantyda;;\n';
const why = { pl: 'Nieznane obywatelstwo', en: 'Unknown citizenship', uk: 'Невідоме громадянство', ru: 'Неизвестное гражданство' };
const registerFile = (text = REGISTER) => ({ name: 'rejestr-2025.csv', mimeType: 'text/csv', buffer: Buffer.from(text) });

for (const [width, height] of [[1280, 800], [1366, 768]]) {
  test(`register import: checked first, refused rows listed, imported only with them left out, at ${width}×${height} in four languages`, async ({ open, page, shot }) => {
    await page.setViewportSize({ width, height });
    const texts = {
      pl: ['Wierszy: 3 · osób (akt): 2 · konsultacji: 2', 'Odrzucone wiersze: 1', 'Zaimportowano akta osób: 2, konsultacji: 2.'],
      en: ['Rows: 3 · people (files): 2 · consultations: 2', 'Rejected rows: 1', 'Imported: 2 files, 2 consultations.'],
      uk: ['Рядків: 3 · осіб (справ): 2 · консультацій: 2', 'Відхилені рядки: 1', 'Імпортовано справ: 2, консультацій: 2.'],
      ru: ['Строк: 3 · человек (дел): 2 · консультаций: 2', 'Отклонённые строки: 1', 'Импортировано дел: 2, консультаций: 2.'],
    };
    for (const [language, [summary, rejected, done]] of Object.entries(texts)) {
      await open({ unlocked: true, language });
      await page.getByTestId('nav-import').click();
      await page.getByTestId('register-input').setInputFiles(registerFile());
      await page.getByTestId('register-summary').getByText(summary).waitFor();
      await page.getByText(rejected).waitFor();
      assert((await page.getByTestId('register-rejected-row').count()) === 1, `${language}: one refused row`);
      const refused = await page.getByTestId('register-rejected-row').innerText();
      assert(refused.startsWith('4'), `${language}: the refused row is the spreadsheet's row 4`);
      assert(refused.includes(why[language]) && refused.includes("'Atlantyda'"), `${language}: the reason is not in the person's language with its value: ${refused}`);
      assert((await page.getByTestId('register-ignored').innerText()).includes('Kolumna własna'), `${language}: the unknown column is named`);
      // With a refused row nothing is imported until the person chooses to leave it out.
      assert(await page.getByTestId('register-import').isDisabled(), `${language}: import offered with a refused row`);
      const box = await page.getByTestId('register-import').boundingBox();
      assert(box && box.x + box.width <= width && box.y + box.height <= height, `${language}: the import button is out of sight`);
      await shot(`register-checked-${width}x${height}-${language}`);
      await page.getByTestId('register-skip').click();
      await page.getByTestId('register-import').click();
      await page.getByTestId('register-done').getByText(done).waitFor();
      const sent = await calls(page, 'import_register');
      assert(sent.length === 2 && sent[0].args.dryRun === true && sent[1].args.dryRun === false && sent[1].args.skipInvalid === true, `${language}: ${JSON.stringify(sent.map((c) => [c.args.dryRun, c.args.skipInvalid]))}`);
      assert(Buffer.from(sent[1].args.data, 'base64').toString() === REGISTER, `${language}: the file was not sent as it is`);
    }
  });

  test(`long work: a register import says how far it is and Stop leaves nothing written, at ${width}×${height} in four languages`, async ({ open, page, shot }) => {
    await page.setViewportSize({ width, height });
    const texts = { pl: ['zapisywanie akt 1/2', 'Nic nie zostało zapisane'], en: ['writing files 1/2', 'Nothing was written'], uk: ['запис справ 1/2', 'Нічого не записано'], ru: ['запись дел 1/2', 'Ничего не записано'] };
    const clean = 'nazwisko;imię\nSzewczenko;Taras\nHaddad;Mohammed\n';
    for (const [language, [doing, stopped]] of Object.entries(texts)) {
      await open({ unlocked: true, language, slowRegister: true });
      await page.getByTestId('nav-import').click();
      await page.getByTestId('register-input').setInputFiles(registerFile(clean));
      await page.getByTestId('register-import').click();
      await page.getByTestId('register-progress').getByText(doing).waitFor();
      const box = await page.getByTestId('register-stop').boundingBox();
      assert(box && box.x + box.width <= width && box.y + box.height <= height, `${language}: Stop is out of sight`);
      await shot(`long-work-register-${width}x${height}-${language}`);
      await page.getByTestId('register-stop').click();
      await page.getByTestId('register-stopped').getByText(stopped).waitFor();
      await stoppedLast(page, 'import_register', language);
      assert((await page.getByTestId('register-stop').count()) === 0, `${language}: Stop still shown`);
      assert(!(await page.evaluate(() => window.__PUNKT_STATE__.registerImported)), `${language}: something was imported`);
    }
  });
}

test('register import: a person who came meanwhile is refused at the import, nothing written and the refusal shown; a file over 32 MB is refused before it is read', async ({ open, page }) => {
  await open({ unlocked: true, registerTakenMeanwhile: true });
  await page.getByTestId('nav-import').click();
  await page.getByTestId('register-input').setInputFiles(registerFile('nazwisko;imię\nSzewczenko;Taras\nHaddad;Mohammed\n'));
  await page.getByTestId('register-summary').getByText('osób (akt): 2').waitFor();
  await page.getByTestId('register-import').click();
  await page.getByTestId('register-rejected-row').getByText('Ta osoba ma już akta w Punkcie').waitFor();
  assert((await page.getByTestId('register-done').count()) === 0, 'shown as imported');
  assert(await page.getByTestId('register-import').isDisabled(), 'import offered again with a refused row');
  await page.getByTestId('register-input').setInputFiles({ name: 'huge.csv', mimeType: 'text/csv', buffer: Buffer.alloc((32 << 20) + 1, 'a') });
  await page.getByTestId('register-too-big').getByText('ponad 32 MB').waitFor();
  assert((await calls(page, 'import_register')).length === 2, 'the big file was sent');
  assert((await page.getByTestId('register-checked').count()) === 0, 'the last check still shown');
});

for (const [width, height] of [[1280, 800], [1366, 768]]) {
  test(`home: an empty store's first steps, every button in sight; a store with files shows none, at ${width}×${height} in four languages`, async ({ open, page, shot }) => {
    await page.setViewportSize({ width, height });
    const titles = { pl: 'Pierwsze kroki', en: 'First steps', uk: 'Перші кроки', ru: 'Первые шаги' };
    for (const [language, title] of Object.entries(titles)) {
      await open({ unlocked: true, language, clients: {} });
      await page.getByTestId('home-first-steps').getByText(title).waitFor();
      for (const id of ['first-intake', 'first-import', 'first-enrol']) {
        const box = await page.getByTestId(id).boundingBox();
        assert(box && box.x + box.width <= width && box.y + box.height <= height, `${language}: ${id} out of sight`);
      }
      await shot(`home-first-steps-${width}x${height}-${language}`);
      await page.getByTestId('first-intake').click();
      await page.locator('[data-testid="nav-intake"][data-active]').waitFor();
    }
    await open({ unlocked: true });
    await page.getByTestId('board').waitFor();
    assert((await page.getByTestId('home-first-steps').count()) === 0, 'first steps shown with files in the store');
  });

  test(`consortium: the period's months typed and shown as the language writes them, at ${width}×${height} in four languages`, async ({ open, page, shot }) => {
    await page.setViewportSize({ width, height });
    const typed = { pl: ['1.2026', '03.2026', 'MM.RRRR'], en: ['01/2026', '3/2026', 'MM/YYYY'], uk: ['01.2026', '03.2026', 'ММ.РРРР'], ru: ['01.2026', '3.2026', 'ММ.ГГГГ'] };
    for (const [language, [from, to, hint]] of Object.entries(typed)) {
      await open({ unlocked: true, role: 'coordinator', language, consortiumKeyId: '0123456789abcdef' });
      await page.getByTestId('nav-reports').click();
      assert((await page.getByTestId('consortium-from').getAttribute('placeholder')) === hint, `${language}: the month is not hinted as ${hint}`);
      await page.getByTestId('consortium-from').fill(from);
      await page.getByTestId('consortium-to').fill(to);
      await page.getByTestId('consortium-run').click();
      await page.getByTestId('consortium-table').waitFor();
      const sent = (await calls(page, 'consortium_count')).at(-1).args;
      assert(sent.from === '2026-01' && sent.to === '2026-03', `${language}: sent ${JSON.stringify(sent)}`);
      const sep = language === 'en' ? '/' : '.';
      assert((await page.getByTestId('consortium-missing').innerText()).includes(`02${sep}2026, 03${sep}2026`), `${language}: the missing months are not in the language's order`);
      await page.getByTestId('consortium-count').scrollIntoViewIfNeeded();
      await shot(`consortium-months-${width}x${height}-${language}`);
    }
  });
}

test('long work goes on when its screen is left: listed in the header with its Stop, which stops that work; its end is told', async ({ open, page, shot }) => {
  await open({ unlocked: true, slowRegister: true });
  await page.getByTestId('nav-import').click();
  await page.getByTestId('register-input').setInputFiles(registerFile('nazwisko;imię\nSzewczenko;Taras\nHaddad;Mohammed\n'));
  await page.getByTestId('register-import').click();
  await page.getByTestId('register-progress').waitFor();
  assert((await page.getByTestId('running-work').count()) === 0, 'listed in the header on its own screen');
  await page.getByTestId('nav-home').click();
  await page.getByTestId('running-work-item').getByText('Import rejestru').waitFor();
  await shot('long-work-elsewhere');
  // Back on its screen: the import still running is shown, not a new one offered.
  await page.getByTestId('nav-import').click();
  await page.getByTestId('register-earlier').getByText('wciąż trwa').waitFor();
  assert(await page.getByTestId('register-choose').isDisabled(), 'a second import offered while the first runs');
  assert((await page.getByTestId('running-work').count()) === 0, 'listed in the header on its own screen');
  await page.getByTestId('nav-home').click();
  await page.getByTestId('running-work-stop').click();
  await page.getByText('Zatrzymano na Twoją prośbę. Nic nie zostało zapisane').waitFor();
  await page.getByTestId('running-work').waitFor({ state: 'detached' });
  await stoppedLast(page, 'import_register', 'pl');
  assert(!(await page.evaluate(() => window.__PUNKT_STATE__.registerImported)), 'something was imported');
});

test('an import still running from an earlier visit is stopped from its screen, nothing written', async ({ open, page }) => {
  await open({ unlocked: true, slowRegister: true });
  await page.getByTestId('nav-import').click();
  await page.getByTestId('register-input').setInputFiles(registerFile('nazwisko;imię\nSzewczenko;Taras\nHaddad;Mohammed\n'));
  await page.getByTestId('register-import').click();
  await page.getByTestId('register-progress').waitFor();
  await page.getByTestId('nav-search').click();
  await page.getByTestId('nav-import').click();
  await page.getByTestId('register-earlier-stop').click();
  await page.getByText('Zatrzymano na Twoją prośbę. Nic nie zostało zapisane').waitFor();
  await page.getByTestId('register-earlier').waitFor({ state: 'detached' });
  assert(await page.getByTestId('register-choose').isEnabled(), 'no new import offered after the stop');
  await stoppedLast(page, 'import_register', 'pl');
});

test('home: an empty store shows the first steps, and one leads to the register import; a file that is no register is refused in Polish', async ({ open, page }) => {
  await open({ unlocked: true, clients: {} });
  await page.getByTestId('home-first-steps').getByText('Pierwsze kroki').waitFor();
  await page.getByTestId('first-import').click();
  await page.locator('[data-testid="nav-import"][data-active]').waitFor();
  await page.getByTestId('register-input').setInputFiles(registerFile('a;b\n1;2\n'));
  await page.getByTestId('error').getByText('Import odrzucony.').waitFor();
  assert((await page.getByTestId('register-checked').count()) === 0, 'a refused file was shown as checked');
});

test('client file: a bad date is refused naming its field, in the person\'s language', async ({ open, page }) => {
  await open({ unlocked: true, language: 'uk' });
  await page.getByTestId('recent').getByText('Taras').click();
  // A document valid until a day that does not exist.
  await page.getByTestId('identifier-kind').click();
  await page.getByRole('option', { name: 'Паспорт' }).click();
  await page.getByTestId('identifier-number').fill('FX 123456');
  await page.getByTestId('identifier-valid-until').fill('2030-02-31');
  await page.getByTestId('identifier-save').click();
  let error = page.getByTestId('error');
  await error.waitFor();
  assert((await error.innerText()).startsWith('Перевірте це поле: дата закінчення дії документа.'), `document error reads: ${await error.innerText()}`);
  // A consent given on a day that does not exist.
  await page.getByTestId('tab-consents').click();
  await page.getByTestId('consent-clause').fill('Klauzula RODO 2026');
  await page.getByTestId('consent-given-on').fill('31.04.2026');
  await page.getByTestId('consent-save').click();
  error = page.getByTestId('error');
  await error.waitFor();
  assert((await error.innerText()).startsWith('Перевірте це поле: дата надання згоди.'), `consent error reads: ${await error.innerText()}`);
  assert((await page.evaluate(() => window.__PUNKT_STATE__.clients.c1.consents.length)) === 0, 'the refused consent was saved');
});

test('legal bases: consent is one basis among several; a basis of consent ends when the consent is withdrawn', async ({ open, page, shot }) => {
  await open({ unlocked: true, consent: true });
  await page.getByTestId('recent').getByText('Taras').click();
  await page.getByTestId('tab-consents').click();
  await page.getByTestId('processing-none').waitFor();
  // Representation on legal claims: no consent needed.
  await page.getByTestId('basis-purpose').click();
  await page.getByRole('option', { name: 'Reprezentacja przed organami i sądami' }).click();
  await page.getByTestId('basis-save').click();
  await page.getByTestId('basis').getByText('Ustalenie, dochodzenie lub obrona roszczeń', { exact: false }).waitFor();
  await page.getByTestId('processing-none').waitFor({ state: 'detached' });
  // Psychological support on a legitimate interest is refused, naming the field.
  await page.getByTestId('basis-purpose').click();
  await page.getByRole('option', { name: 'Wsparcie psychologiczne' }).click();
  await page.getByTestId('basis-basis').click();
  await page.getByRole('option', { name: /Prawnie uzasadniony interes/ }).click();
  await page.getByTestId('basis-save').click();
  await page.getByTestId('processing').getByTestId('error').waitFor();
  assert((await page.getByTestId('processing').getByTestId('error').innerText()).includes('Podstawa prawna'), 'the field is not named');
  // On consent: the consent must be chosen.
  await page.getByTestId('basis-basis').click();
  await page.getByRole('option', { name: /^Zgoda/ }).click();
  assert(await page.getByTestId('basis-save').isDisabled(), 'a basis of consent without a consent');
  await page.getByTestId('basis-consent').click();
  await page.getByRole('option', { name: /Klauzula RODO 2026/ }).click();
  await page.getByTestId('basis-save').click();
  await page.getByTestId('processing-list').getByText('Wsparcie psychologiczne').waitFor();
  const sent = (await calls(page, 'update_client')).filter((c) => c.args.input.processing).at(-1).args.input.processing[0];
  assert(sent.basis === 'consent' && sent.consent_id === 'k1' && sent.purpose === 'psychological_support', `sent ${JSON.stringify(sent)}`);
  await page.getByTestId('processing').scrollIntoViewIfNeeded();
  await shot('legal-bases');
  // Withdrawing the consent ends the basis resting on it, not the other.
  await page.getByTestId('consent-withdraw').click();
  await page.getByTestId('consent-withdraw-do').click();
  await page.getByTestId('basis-ended').getByText('zgoda wycofana', { exact: false }).waitFor();
  assert((await page.getByTestId('basis-ended').count()) === 1, 'the legal-claims basis ended too');
});

test('sensitive flags: a lawyer records torture (kept in the medical section); a counsellor neither sees nor can set it, and the report says so', async ({ open, page, shot }) => {
  await open({ unlocked: true, role: 'lawyer' });
  await page.getByTestId('recent').getByText('Taras').click();
  await page.getByTestId('vulnerabilities').click();
  await page.getByRole('option', { name: 'Ofiara tortur 🔒' }).click();
  await page.getByRole('option', { name: 'Samotny rodzic' }).click();
  await page.keyboard.press('Escape');
  await page.getByTestId('vulnerabilities-save').click();
  await page.getByTestId('vulnerabilities-sensitive').getByText('widzą je tylko prawnik i psycholog', { exact: false }).waitFor();
  await page.waitForFunction(() => window.__PUNKT_STATE__.clients.c1.vulnerabilities.includes('torture_survivor'));
  await page.getByTestId('vulnerabilities').scrollIntoViewIfNeeded();
  await shot('sensitive-flags-lawyer');
});

test('sensitive flags: hidden from a counsellor, whose save keeps them', async ({ open, page, shot }) => {
  await open({ unlocked: true, role: 'counsellor' });
  await page.evaluate(() => { window.__PUNKT_STATE__.clients.c1.vulnerabilities = ['single_parent', 'torture_survivor']; });
  await page.getByTestId('recent').getByText('Taras').click();
  await page.getByTestId('vulnerabilities-sensitive').getByText('widzą i zapisują tylko prawnik i psycholog', { exact: false }).waitFor();
  assert(!(await page.getByTestId('vulnerabilities').locator('..').innerText()).includes('Ofiara tortur'), 'a counsellor sees the torture flag');
  await page.getByTestId('vulnerabilities').click();
  assert((await page.getByRole('option', { name: /Ofiara tortur/ }).count()) === 0, 'a counsellor is offered a sensitive flag');
  await page.getByRole('option', { name: 'Osoba starsza' }).click();
  await page.keyboard.press('Escape');
  await page.getByTestId('vulnerabilities-save').click();
  await page.waitForFunction(() => window.__PUNKT_STATE__.clients.c1.vulnerabilities.includes('elderly'));
  const kept = await page.evaluate(() => window.__PUNKT_STATE__.clients.c1.vulnerabilities);
  assert(kept.includes('torture_survivor'), `the counsellor's save removed the hidden flag: ${kept}`);
  await shot('sensitive-flags-counsellor');
  await page.getByTestId('nav-reports').click();
  await page.getByTestId('report-show').click();
  await page.getByTestId('report-sensitive-not-counted').waitFor();
});

test('consents: recorded without saying by whom, the laptop\'s author recorded it', async ({ open, page }) => {
  await open({ unlocked: true, author: 'Ola' });
  await page.getByTestId('recent').getByText('Taras').click();
  await page.getByTestId('tab-consents').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="consent-recorded-by"]').value === 'Ola');
  await page.getByTestId('consent-clause').fill('Klauzula RODO 2026');
  await page.getByTestId('consent-recorded-by').fill('');
  await page.getByTestId('consent-save').click();
  await page.getByTestId('consent').waitFor();
  const sent = (await calls(page, 'update_client')).at(-1).args.input;
  assert(sent.consents[0].recorded_by === null, `recorded_by sent ${JSON.stringify(sent)}`);
  assert((await page.getByTestId('consent').textContent()).includes('Ola'), 'the author was not filled in');
});

for (const [kind, pdf] of [['text', decisionPdf], ['JPEG 2000 scan', scanPdf]]) {
  test(`client file: a PDF decision (${kind}) is drawn in the app under its CSP`, async ({ open, page, shot }) => {
    await open({ unlocked: true, pdf });
    await page.getByTestId('recent').getByText('Taras').click();
    await page.getByTestId('tab-attachments').click();
    await page.getByTestId('attachment-view').click();
    await page.locator('canvas[data-testid="pdf-page"]').waitFor();
    // Drawn: some pixels are dark (the word, the scanned rectangle), not a blank canvas.
    await page.waitForFunction(pdfPageDrawn);
    assert((await page.getByTestId('pdf-failed').count()) === 0, 'pdf.js reported a failure');
    await shot(`attachment-pdf-${kind.replace(/\W+/g, '-')}`);
  });
}

test('client file: an access request in the language chosen, saved where it says', async ({ open, page }) => {
  await open({ unlocked: true, language: 'uk' });
  await page.getByTestId('recent').getByText('Taras').click();
  await page.getByTestId('access-request').click();
  await page.getByText('punkt-access-uk.html', { exact: false }).waitFor();
  const req = await calls(page, 'access_request');
  assert(req[0].args.lang === 'uk' && req[0].args.id === 'c1', 'wrong request');
});

test('client file: erasure shows what goes and asks twice before erasing', async ({ open, page, shot }) => {
  await open({ unlocked: true });
  await page.getByTestId('recent').getByText('Taras').click();
  await page.getByTestId('erase-open').click();
  await page.getByTestId('erase-plan').waitFor();
  assert((await page.getByTestId('erase-open-matters').textContent()).includes('art. 17'), 'legal-claims warning missing');
  assert(await page.getByTestId('erase-do').isDisabled(), 'erase possible without confirming');
  await page.waitForTimeout(500); // the modal fades in
  await shot('erase-plan');
  await page.getByTestId('erase-confirm').click();
  await page.getByTestId('erase-do').click();
  await page.getByTestId('board').waitFor();
  const erased = await calls(page, 'erase_client');
  assert(erased.length === 1 && erased[0].args.id === 'c1', 'wrong erasure');
});

test('client file: a restricted section shows it exists, locked for this role, open for another', async ({ open, page, shot }) => {
  const sections = [
    { id: 's1', section: 'psychological', created_at: '2026-11-03T10:00:00Z', created_by: 'Pola', readable: false },
    { id: 's2', section: 'medical', created_at: '2026-11-03T10:00:00Z', created_by: 'Pola', readable: true },
  ];
  await open({ unlocked: true, sections });
  await page.getByTestId('recent').getByText('Taras').click();
  await page.getByTestId('tab-sections').click();
  await page.getByTestId('section-locked').waitFor();
  assert((await page.getByTestId('section-row').count()) === 2, 'both sections listed');
  assert((await page.getByTestId('section-locked').count()) === 1, 'only the psychological one locked');
  await page.getByTestId('section-open').click();
  await page.getByTestId('section-notes').getByText('sleeping better').waitFor();
  // Writing into a section this role may not: the refusal is shown in Polish.
  await page.getByTestId('section-text').fill('x');
  await page.getByTestId('section-add').click();
  await page.getByText('Niedozwolone dla Twojej organizacji lub roli', { exact: false }).first().waitFor();
  await shot('sections');
});

test('referrals: refer with consent from the file; answer an incoming one', async ({ open, page, shot }) => {
  const incoming = { id: 'r9', direction: 'incoming', from_organisation: 'Fundacja A', to_organisation: 'Fundacja', service: 'psychological', status: 'sent', created_at: '2026-11-02T10:00:00Z', reason: 'trauma after detention', consent_clause: 'Klauzula RODO 2026', consent_given_on: '2026-11-02', given_names: 'Amina', family_name: 'Haidari', names_original: null, birth_date: '1994-02-11', citizenships: [], languages: ['fa'], phone: null, events: [] };
  await open({ unlocked: true, consent: true, referrals: [incoming] });
  await page.getByTestId('recent').getByText('Taras').click();
  await page.getByTestId('tab-referrals').click();
  await page.getByTestId('referral-to').fill('Fundacja B');
  await page.getByTestId('referral-reason').fill('potrzebna pomoc psychologiczna');
  await page.getByTestId('referral-send').click();
  await page.getByTestId('file-referrals').getByText('Fundacja B').waitFor();
  const sent = await calls(page, 'refer');
  assert(sent[0].args.input.consent_id === 'k1' && sent[0].args.input.to_organisation === 'Fundacja B', 'wrong referral');
  await page.getByTestId('nav-referrals').click();
  await page.getByTestId('referral').getByText('Amina Haidari').waitFor();
  await page.getByTestId('referral-accept').click();
  await page.getByTestId('referral-status').getByText('przyjęte').waitFor();
  await shot('referrals');
});

test('consents: recorded in the file, a referral rests on it; withdrawn, it is marked and no longer offered', async ({ open, page, shot }) => {
  await open({ unlocked: true });
  await page.getByTestId('recent').getByText('Taras').click();
  // No consent yet: the referral form says so and leads to the consents tab.
  await page.getByTestId('tab-referrals').click();
  await page.getByTestId('referral-no-consent').waitFor();
  await shot('referral-no-consent');
  await page.getByTestId('referral-record-consent').click();
  await page.getByTestId('consents-empty').waitFor();
  // The organisation's usual clause is offered.
  await page.getByTestId('consent-clause').click();
  await page.getByRole('option', { name: 'Zgoda na przekazanie danych innej organizacji członkowskiej (skierowanie)' }).click();
  assert((await page.getByTestId('consent-language').inputValue()) === 'ukraiński (uk)', 'the person\'s language is not the default');
  assert((await page.getByTestId('consent-given-on').inputValue()) === pl(today()), 'given on does not default to today');
  await page.getByTestId('consent-basis').fill('art. 6 ust. 1 lit. a RODO');
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => document.querySelector('[data-testid="consent-recorded-by"]').value === 'Anna');
  await page.getByTestId('consent-save').click();
  await page.getByTestId('consent').waitFor();
  let sent = (await calls(page, 'update_client')).at(-1).args.input;
  const clause = 'Zgoda na przekazanie danych innej organizacji członkowskiej (skierowanie)';
  assert(JSON.stringify(sent) === JSON.stringify({ consents: [{ clause, language: 'uk', given_on: today(), recorded_by: 'Anna', legal_basis: 'art. 6 ust. 1 lit. a RODO' }] }), `consent ${JSON.stringify(sent)}`);
  const row = await page.getByTestId('consent').textContent();
  assert(row.includes(clause) && row.includes('ukraiński (uk)') && row.includes('Anna') && row.includes('obowiązuje'), `row ${row}`);
  assert((await page.getByTestId('tab-consents').innerText()).includes('(1)'), 'the tab does not count the consent');
  await shot('consents');

  // The referral form now offers it.
  const consentId = await page.evaluate(() => window.__PUNKT_STATE__.clients.c1.consents[0].id);
  await page.getByTestId('tab-referrals').click();
  await page.getByTestId('referral-to').fill('Fundacja B');
  await page.getByTestId('referral-reason').fill('potrzebna pomoc psychologiczna');
  await page.getByTestId('referral-send').click();
  await page.getByTestId('file-referrals').getByText('Fundacja B').waitFor();
  assert((await calls(page, 'refer'))[0].args.input.consent_id === consentId, 'the referral does not rest on the recorded consent');

  // Withdrawn: sent whole with its id, marked, and no referral can rest on it.
  await page.getByTestId('tab-consents').click();
  await page.getByTestId('consent-withdraw').click();
  await page.getByTestId('consent-withdraw-form').waitFor();
  assert((await page.getByTestId('consent-withdrawn-on').inputValue()) === pl(today()), 'withdrawal does not default to today');
  await page.waitForTimeout(300); // the modal fades in
  await shot('consent-withdraw');
  await page.getByTestId('consent-withdraw-do').click();
  await page.locator('[data-testid="consent"][data-withdrawn="true"]').waitFor();
  sent = (await calls(page, 'update_client')).at(-1).args.input;
  assert(JSON.stringify(sent) === JSON.stringify({ consents: [{ id: consentId, clause, language: 'uk', given_on: today(), recorded_by: 'Anna', legal_basis: 'art. 6 ust. 1 lit. a RODO', withdrawn_on: today() }] }), `withdrawal ${JSON.stringify(sent)}`);
  assert((await page.getByTestId('consent').count()) === 1, 'the withdrawal was added as a second consent');
  assert((await page.getByTestId('consent-withdrawn').textContent()) === `cofnięta ${pl(today())}`, 'not marked withdrawn');
  assert((await page.getByTestId('consent-withdraw').count()) === 0, 'a withdrawn consent can be withdrawn again');
  await page.waitForTimeout(300);
  await shot('consent-withdrawn');
  await page.getByTestId('tab-referrals').click();
  await page.getByTestId('referral-no-consent').waitFor();
  assert((await page.getByTestId('referral-send').count()) === 0, 'a referral could still be made');
});

test('referrals: once the server listed the members, the organisation is picked from them', async ({ open, page, shot }) => {
  await open({ unlocked: true, consent: true, organisations: ['Fundacja', 'Fundacja B', 'Stowarzyszenie C'] });
  await page.getByTestId('recent').getByText('Taras').click();
  await page.getByTestId('tab-referrals').click();
  await page.getByTestId('referral-to').click();
  const options = await page.getByRole('option').allInnerTexts();
  assert(options.join('|') === 'Fundacja B|Stowarzyszenie C', `own organisation offered or list wrong: ${options}`);
  await page.getByRole('option', { name: 'Stowarzyszenie C' }).click();
  await page.getByTestId('referral-reason').fill('pomoc prawna');
  await page.getByTestId('referral-send').click();
  await page.getByTestId('file-referrals').getByText('Stowarzyszenie C').waitFor();
  await shot('referral-members');
});

test('referrals: a server that lists no other member says so instead of a name field', async ({ open, page }) => {
  await open({ unlocked: true, consent: true, organisations: ['Fundacja'] });
  await page.getByTestId('recent').getByText('Taras').click();
  await page.getByTestId('tab-referrals').click();
  const note = await page.getByTestId('referral-no-members').innerText();
  assert(note.includes('nie zna jeszcze innych organizacji'), `note ${note}`);
  assert((await page.getByTestId('referral-to').count()) === 0, 'a name field with nowhere to refer');
});

test('retention: a laptop that never synced is told so, not given a date', async ({ open, page }) => {
  await open({ unlocked: true, role: 'coordinator', retentionRule: { closed_years: 10, action: 'erase' }, retentionSyncRequired: true });
  await page.getByTestId('nav-protection').click();
  await page.getByTestId('retention-preview-run').click();
  const warn = await page.getByTestId('retention-sync-first').innerText();
  assert(warn.includes('nie był jeszcze synchronizowany'), `warning ${warn}`);
});

test('referrals: one the server never took is taken back; one it took is refused', async ({ open, page }) => {
  await open({ unlocked: true, consent: true });
  await page.getByTestId('recent').getByText('Taras').click();
  await page.getByTestId('tab-referrals').click();
  for (const to of ['Fundacja Nieznana', 'Fundacja B']) {
    await page.getByTestId('referral-to').fill(to);
    await page.getByTestId('referral-reason').fill('pomoc prawna');
    await page.getByTestId('referral-send').click();
    await page.getByTestId('file-referrals').getByText(to).waitFor();
  }
  const rows = page.getByTestId('file-referral');
  await rows.filter({ hasText: 'Fundacja Nieznana' }).getByTestId('referral-discard').click();
  await page.getByText('Skierowanie cofnięte').waitFor();
  await page.getByTestId('file-referrals').getByText('Fundacja Nieznana').waitFor({ state: 'detached' });
  const asked = await calls(page, 'discard_referral');
  assert(asked[0].args.clientId === 'c1' && asked[0].args.referralId.startsWith('r'), `asked ${JSON.stringify(asked[0].args)}`);
  await rows.filter({ hasText: 'Fundacja B' }).getByTestId('referral-discard').click();
  await page.getByText('wycofaj je zamiast cofać', { exact: false }).first().waitFor();
  assert((await rows.count()) === 1, 'the referral the server took is still listed');
});

test('intake: a likely duplicate is shown before saving', async ({ open, page, shot }) => {
  await open({ unlocked: true, likelySame: [{ id: 'c1', display_name: 'Taras Shevchenko (Тарас Шевченко)', birth_date: '1990-03-09', citizenship: 'UA', updated_at: '2026-01-01' }] });
  await page.getByTestId('nav-intake').click();
  await page.getByTestId('intake-original').fill('Тарас Шевченко');
  await page.getByTestId('intake-family').fill('Shevchenko');
  await page.getByTestId('intake-birth').fill('1990-03-09');
  await page.getByTestId('duplicate-warning').waitFor();
  await shot('intake-duplicate');
  await page.getByTestId('intake-save').click();
  await page.getByTestId('client-name').waitFor();
  const intake = await calls(page, 'intake');
  assert(intake[0].args.input.names_original === 'Тарас Шевченко', 'original names not sent');
});

test('intake: an invalid field is named in the person\'s language, nothing saved', async ({ open, page, shot }) => {
  await open({ unlocked: true });
  await page.getByTestId('nav-intake').click();
  await page.getByTestId('intake-family').fill('Bondar');
  await page.getByTestId('intake-citizenship').fill('Ukraina');
  await page.getByTestId('intake-save').click();
  const error = page.getByTestId('error');
  await error.waitFor();
  assert((await error.innerText()).startsWith('Sprawdź to pole: obywatelstwo (kod ISO, np. UA).'), `error reads: ${await error.innerText()}`);
  assert(!(await error.innerText()).includes('ISO 3166 alpha-2'), 'the English detail is shown unfolded');
  assert((await page.getByTestId('intake-family').inputValue()) === 'Bondar', 'the form lost what was typed');
  await shot('intake-invalid-field');
});

test('deadline calculator: due date with the days it moved over', async ({ open, page, shot }) => {
  await open({ unlocked: true });
  await page.getByTestId('nav-calculator').click();
  await page.getByTestId('deadline-rule').click();
  await page.getByRole('option', { name: /Rady do Spraw Uchodźców/ }).click();
  await page.getByTestId('deadline-start').fill('2026-11-07');
  await page.getByTestId('due').waitFor();
  assert((await page.getByTestId('due-moved').innerText()).includes('21.11.2026 (weekend)'), 'moved days not explained');
  await shot('calculator');
});

const COURT_ORDER = 'Uiszczenie wpisu od skargi (wezwanie WSA)';

test('deadlines: a limit of 30 days a court set moves off a Sunday and is listed with its note', async ({ open, page, shot }) => {
  await open({ unlocked: true });
  await page.getByTestId('recent').getByText('Taras').click();
  await page.getByTestId('tab-deadlines').click();
  await page.getByTestId('deadline-rule').click();
  await page.getByRole('option', { name: 'Termin wyznaczony w decyzji lub przez sąd (w dniach)' }).waitFor();
  await shot('deadline-rules-grouped');
  await page.getByRole('option', { name: 'Termin wyznaczony w decyzji lub przez sąd (w dniach)' }).click();
  await page.getByTestId('deadline-needs').waitFor();
  await page.getByTestId('deadline-note').fill(COURT_ORDER);
  await page.getByTestId('deadline-days').fill('30');
  await page.getByTestId('deadline-start').fill('2026-11-06');
  // 30 days from 6 November end on Sunday 6 December: the deadline is Monday.
  await page.getByTestId('due').getByText('Termin upływa: 07.12.2026').waitFor();
  assert((await page.getByTestId('due').innerText()).includes('30 dni'), 'the limit is not shown');
  assert((await page.getByTestId('due-moved').innerText()).includes('06.12.2026 (weekend)'), 'the Sunday is not explained');
  assert((await page.getByTestId('deadline-first-notice').count()) === 1, 'the first notice is not offered for a limit in days');
  await page.getByTestId('due').scrollIntoViewIfNeeded();
  await shot('deadline-custom-days');
  await page.getByTestId('deadline-save').click();
  const row = page.getByTestId('deadlines').locator('tr', { hasText: COURT_ORDER });
  await row.waitFor();
  assert((await row.innerText()).includes('07.12.2026'), `row reads: ${await row.innerText()}`);
  assert((await row.innerText()).includes('Termin wyznaczony w decyzji lub przez sąd (w dniach)'), 'the rule name is missing');
  const sent = await calls(page, 'add_deadline');
  assert(sent.length === 1, 'not saved once');
  const input = sent[0].args.input;
  assert(input.rule === 'custom-days' && input.days === 30 && input.note === COURT_ORDER && input.due === null && input.start === '2026-11-06' && input.first_notice === false, `sent ${JSON.stringify(input)}`);
  await shot('deadlines-custom');
});

test('deadline calculator: a day the court named on a Sunday is kept as named and flagged', async ({ open, page, shot }) => {
  await open({ unlocked: true });
  await page.getByTestId('nav-calculator').click();
  await page.getByTestId('deadline-rule').click();
  await page.getByRole('option', { name: 'Termin na dzień wskazany przez organ lub sąd' }).click();
  assert((await page.getByTestId('deadline-first-notice').count()) === 0, 'the first notice is offered for a named day');
  await page.getByText('Data otrzymania pisma').waitFor();
  await page.getByTestId('deadline-note').fill('Wezwanie WSA do uzupełnienia braków skargi');
  await page.getByTestId('deadline-due').fill('2026-11-29');
  await page.getByTestId('deadline-start').fill('2026-11-16');
  await page.getByTestId('due').getByText('Termin upływa: 29.11.2026').waitFor();
  assert((await page.getByTestId('due-day-off').innerText()).startsWith('29.11.2026 to dzień wolny od pracy (niedziela)'), `flag reads: ${await page.getByTestId('due-day-off').innerText()}`);
  assert((await page.getByTestId('due-moved').count()) === 0, 'a named day was moved');
  assert((await page.getByTestId('due').innerText()).includes('pismo otrzymano 16.11.2026'), 'the letter day is not shown');
  const named = (await calls(page, 'compute_deadline')).at(-1).args.input;
  assert(named.rule === 'custom-date' && named.due === '2026-11-29' && named.days === null && named.first_notice === false, `sent ${JSON.stringify(named)}`);
  assert(named.uncertain === false && (await page.getByTestId('deadline-uncertain').count()) === 0, 'a named day offered as uncertain');
  await shot('calculator-custom-date');
  // A holiday the backend names.
  await page.getByTestId('deadline-due').fill('2026-12-25');
  await page.getByTestId('due-day-off').getByText('święto: Boże Narodzenie (pierwszy dzień)', { exact: false }).waitFor();
  // A day before the letter is refused, naming the field.
  await page.getByTestId('deadline-due').fill('2026-11-10');
  await page.getByTestId('error').getByText('Sprawdź to pole: dzień wyznaczony przez organ lub sąd.').waitFor();
  // Back to a rule of the law: no day, no days, no note goes with it.
  await page.getByTestId('deadline-rule').click();
  await page.getByRole('option', { name: 'Odwołanie od decyzji o zobowiązaniu do powrotu' }).click();
  await page.getByTestId('due').getByText('Termin upływa: 23.11.2026').waitFor();
  const law = (await calls(page, 'compute_deadline')).at(-1).args.input;
  assert(law.rule === 'return-appeal' && law.due === null && law.days === null && law.note === null, `sent ${JSON.stringify(law)}`);
});

test('deadline calculator: voluntary departure takes the days the decision set, 8 to 30, and never moves off a holiday', async ({ open, page, shot }) => {
  await open({ unlocked: true });
  await page.getByTestId('nav-calculator').click();
  await page.getByTestId('deadline-rule').click();
  await page.getByRole('option', { name: 'Termin dobrowolnego wyjazdu wyznaczony w decyzji (8–30 dni)' }).click();
  assert((await page.getByTestId('deadline-no-shift').innerText()).includes('nie przesuwa się'), 'no warning that it does not move');
  assert((await page.getByTestId('deadline-basis').innerText()) === 'u.o.c. art. 315 ust. 1', 'basis not shown');
  const days = page.getByTestId('deadline-decision-days');
  assert((await page.getByText('Liczba dni wyznaczona w decyzji (8–30)').count()) === 1, 'the range is not named');
  await page.getByTestId('deadline-start').fill('2025-12-16');
  assert((await page.getByTestId('due').count()) === 0, 'counted before the days were given');
  await days.fill('5');
  await page.getByTestId('error').getByText('liczba dni', { exact: false }).waitFor();
  await days.fill('8');
  await page.getByTestId('due').getByText('Termin upływa: 24.12.2025').waitFor();
  const stays = await page.getByTestId('due-stays').innerText();
  assert(stays.includes('ale ten termin się nie przesuwa') && stays.includes('Wigilia'), `stays: ${stays}`);
  assert((await page.getByTestId('due-basis').innerText()).includes('zasady w wersji 2026.1'), 'no rule book version');
  const sent = (await calls(page, 'compute_deadline')).at(-1).args.input;
  assert(sent.rule === 'voluntary-departure' && sent.days === 8 && sent.time === null, `sent ${JSON.stringify(sent)}`);
  await shot('calculator-voluntary-departure');
});

test('deadline calculator: a limit in hours asks for the hour and ends at an hour', async ({ open, page, shot }) => {
  await open({ unlocked: true });
  await page.getByTestId('nav-calculator').click();
  await page.getByTestId('deadline-rule').click();
  await page.getByRole('option', { name: 'Zatrzymanie cudzoziemca: najdłużej 48 godzin' }).click();
  await page.getByTestId('deadline-start').fill('2026-12-24');
  assert((await page.getByTestId('due').count()) === 0, 'counted without the hour');
  await page.getByTestId('deadline-time').fill('10:30');
  await page.getByTestId('due').getByText('Termin upływa: 26.12.2026 10:30').waitFor();
  assert((await page.getByTestId('due').innerText()).includes('48 godz.'), 'the limit in hours not said');
  await shot('calculator-hours');
});

test('deadline calculator: a start known only between two days shows both deadlines', async ({ open, page, shot }) => {
  await open({ unlocked: true });
  await page.getByTestId('nav-calculator').click();
  await page.getByTestId('deadline-rule').click();
  await page.getByRole('option', { name: 'Odwołanie do Rady do Spraw Uchodźców' }).click();
  await page.getByTestId('deadline-start').fill('2026-03-02');
  await page.getByTestId('deadline-uncertain').check();
  await page.getByTestId('deadline-start-latest').fill('2026-03-06');
  await page.getByTestId('due').getByText('Termin upływa: 16.03.2026').waitFor();
  const latest = await page.getByTestId('due-latest').innerText();
  assert(latest.includes('06.03.2026') && latest.includes('20.03.2026'), `latest: ${latest}`);
  const sent = (await calls(page, 'compute_deadline')).at(-1).args.input;
  assert(sent.uncertain === true && sent.start_latest === '2026-03-06', `sent ${JSON.stringify(sent)}`);
  await shot('calculator-range');
});

test('deadline calculator: rules are named and grouped in English from the rule book', async ({ open, page }) => {
  await open({ unlocked: true, language: 'en' });
  await page.getByTestId('nav-calculator').click();
  await page.getByTestId('deadline-rule').click();
  await page.getByRole('option', { name: 'Voluntary departure period set in the decision (8–30 days)' }).waitFor();
  assert((await page.getByText('Return and leaving').count()) === 1, 'the procedure group is not named');
});

test('deadlines: one the decision set without a note is refused, the field named in Polish, nothing saved', async ({ open, page, shot }) => {
  await open({ unlocked: true });
  await page.getByTestId('recent').getByText('Taras').click();
  await page.getByTestId('tab-deadlines').click();
  await page.getByTestId('deadline-rule').click();
  await page.getByRole('option', { name: 'Termin wyznaczony w decyzji lub przez sąd (w dniach)' }).click();
  await page.getByTestId('deadline-days').fill('7');
  await page.getByTestId('deadline-start').fill('2026-11-16');
  await page.getByTestId('deadline-save').click();
  const error = page.getByTestId('error');
  await error.waitFor();
  assert((await error.innerText()).startsWith('Sprawdź to pole: czego dotyczy termin.'), `error reads: ${await error.innerText()}`);
  assert((await page.evaluate(() => window.__PUNKT_STATE__.clients.c1.deadlines.length)) === 0, 'a deadline without a note was saved');
  assert((await page.getByTestId('deadline-days').inputValue()) === '7', 'the form lost what was typed');
  assert((await page.getByTestId('deadlines').locator('tbody tr').count()) === 0, 'a deadline is listed');
  await shot('deadline-note-missing');
});

test('home: a deadline the decision set shows its note on the board', async ({ open, page, shot }) => {
  const board = [
    { client_id: 'c1', display_name: 'Taras Shevchenko', deadline_id: 'dv', rule: 'custom-days', from: '2026-11-06', due: '2026-12-07', uncertain: false, note: COURT_ORDER, days_left: 2, overdue: false },
    { client_id: 'c2', display_name: 'Olena Kovalenko', deadline_id: 'd3', rule: 'wsa-complaint', from: '2026-11-01', due: '2026-12-10', uncertain: false, note: null, days_left: 10, overdue: false },
  ];
  await open({ unlocked: true, board });
  const row = page.getByTestId('board-row').first();
  await row.getByText(COURT_ORDER).waitFor();
  assert((await row.innerText()).includes('Termin wyznaczony w decyzji lub przez sąd (w dniach)'), 'the rule name is missing');
  // The note comes with the board (from the index): no file is opened for it.
  assert((await calls(page, 'client')).length === 0, 'a file was read for the board');
  await shot('home-custom-deadline');
});

test('visit mode: a deadline the court named goes with its day and note only', async ({ open, page, shot }) => {
  const deadline = { rule: 'custom-date', start: '2026-11-20', due: '2026-11-27', note: 'Uzupełnienie braków skargi (wezwanie WSA)', days: 5, first_notice: true, uncertain: false };
  const draft = { centre: 'Lesznowola', date: '2026-11-20', started: true, seen: [], current: { mode: 'found', found: { id: 'c1', name: 'Taras Shevchenko' }, person: { given: '', family: '', original: '', birth: '', birthApprox: false, sex: '', citizenship: '', languages: '', phone: '', status: '', summary: '' }, services: ['legal'], note: 'court letter', withDeadline: true, deadline } };
  await open({ unlocked: true, drafts: { visit: draft } });
  await page.getByTestId('nav-visit').click();
  await page.getByTestId('due').getByText('Termin upływa: 27.11.2026').waitFor();
  await page.getByTestId('due').scrollIntoViewIfNeeded();
  await shot('visit-custom-date');
  await page.getByTestId('visit-add').click();
  await page.getByTestId('visit-seen').getByText('Taras Shevchenko').waitFor();
  const input = (await calls(page, 'record_visit'))[0].args.input.deadline;
  assert(input.due === '2026-11-27' && input.days === null && input.first_notice === false && input.note === 'Uzupełnienie braków skargi (wezwanie WSA)', `sent ${JSON.stringify(input)}`);
});

test('visit mode: a visit in progress comes back after the app was closed', async ({ open, page, shot }) => {
  const draft = { centre: 'Przemyśl', date: '2026-11-20', started: true, seen: [{ id: 'c1', name: 'Taras Shevchenko' }], current: { mode: 'new', found: null, person: { given: 'Ali', family: 'Hassan', original: '', birth: '1999', birthApprox: true, sex: 'male', citizenship: 'SY', languages: '', phone: '', status: '', summary: '' }, services: ['legal'], note: 'half-typed note', withDeadline: false, deadline: { rule: '', start: '2026-11-20' } } };
  await open({ unlocked: true, drafts: { visit: draft } });
  await page.getByTestId('nav-visit').click();
  await page.getByTestId('visit-restored').waitFor();
  assert((await page.getByTestId('intake-family').inputValue()) === 'Hassan', 'draft person lost');
  assert((await page.getByTestId('visit-note').inputValue()) === 'half-typed note', 'draft note lost');
  await page.getByTestId('visit-note').fill('half-typed note, finished');
  await page.waitForFunction(() => window.__PUNKT_STATE__.drafts.visit?.current.note === 'half-typed note, finished');
  await shot('visit');
  await page.getByTestId('visit-add').click();
  await page.getByTestId('visit-seen').getByText('Ali Hassan').waitFor();
  const sent = (await calls(page, 'record_visit'))[0].args.input;
  assert(sent.centre === 'Przemyśl' && sent.person.family_name === 'Hassan' && sent.client_id === null, `sent ${JSON.stringify(sent)}`);
  assert((await calls(page, 'record_visit')).length === 1, 'the person was recorded more than once');
  const hassan = await page.evaluate(() => Object.values(window.__PUNKT_STATE__.clients).filter((c) => c.person.family_name === 'Hassan'));
  assert(hassan.length === 1 && hassan[0].consultations[0].place.centre === 'Przemyśl', 'consultation not at the centre');
});

test('visit mode: a retry after a failed save does not take the person in twice', async ({ open, page }) => {
  const draft = { centre: 'Lesznowola', date: '2026-11-20', started: true, seen: [], current: { mode: 'new', found: null, person: { given: 'Amir', family: 'Karimi', original: '', birth: '1995', birthApprox: false, sex: 'male', citizenship: 'AF', languages: '', phone: '', status: '', summary: '' }, services: ['legal'], note: 'return decision', withDeadline: true, deadline: { rule: 'return-appeal', start: '2026-11-18', first_notice: false, uncertain: false } } };
  await open({ unlocked: true, drafts: { visit: draft }, failDeadlineOnce: true });
  await page.getByTestId('nav-visit').click();
  await page.getByTestId('visit-add').click();
  await page.getByTestId('error').waitFor();
  await page.getByTestId('visit-add').click();
  await page.getByTestId('visit-seen').getByText('Amir Karimi').waitFor();
  assert((await calls(page, 'record_visit')).length === 2, 'not retried');
  const amir = await page.evaluate(() => Object.values(window.__PUNKT_STATE__.clients).filter((c) => c.person.family_name === 'Karimi'));
  assert(amir.length === 1, 'the person was taken in twice');
  assert(amir[0].consultations.length === 1 && amir[0].deadlines.length === 1, 'the consultation or deadline was saved twice');
});

test('duplicates: pairs with translated reasons, a merge asks first', async ({ open, page, shot }) => {
  await open({ unlocked: true });
  await page.getByTestId('nav-duplicates').click();
  const pair = page.getByTestId('duplicate-pair');
  await pair.waitFor();
  assert((await pair.textContent()).includes('podobne imiona i nazwisko'), 'reason not translated');
  await shot('duplicates');
  await page.getByTestId('merge-into-a').click();
  await page.getByTestId('merge-confirm').click();
  await pair.waitFor({ state: 'detached' });
  const merged = await calls(page, 'merge_clients');
  assert(merged.length === 1 && merged[0].args.keep === 'c1' && merged[0].args.other === 'c2', 'wrong merge');
});

test('settings: switching to Ukrainian translates the app', async ({ open, page, shot }) => {
  await open({ unlocked: true });
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-language').click();
  await page.getByRole('option', { name: 'Українська' }).click();
  await page.getByTestId('nav-home').getByText('Головна').waitFor();
  await shot('settings-uk');
});

test('settings: hardened memory for the centres is a switch; turned off, it says a restart is needed', async ({ open, page, shot }) => {
  await open({ unlocked: true });
  await page.getByTestId('nav-settings').click();
  const toggle = page.getByTestId('settings-hardened');
  await page.getByText('Wzmocniona ochrona pamięci').waitFor();
  assert(!(await toggle.isChecked()), 'hardened memory is on by default');
  assert((await page.getByTestId('settings-hardened-restart').count()) === 0, 'a restart note with nothing to restart for');
  // Mantine's switch hides its checkbox behind the drawn track: clicked as a person would, by
  // its label.
  await page.getByLabel('Wzmocniona ochrona pamięci').click({ force: true });
  await page.waitForFunction(() => document.querySelector('[data-testid="settings-hardened"]')?.checked === true);
  let saved = await calls(page, 'save_settings');
  assert(saved.at(-1).args.settings.hardened_memory === true, 'the switch did not save the setting');
  await shot('settings-hardened');
  await page.getByLabel('Wzmocniona ochrona pamięci').click({ force: true });
  await page.getByTestId('settings-hardened-restart').waitFor();
  saved = await calls(page, 'save_settings');
  assert(saved.at(-1).args.settings.hardened_memory === false, 'turning it off was not saved');
  assert(saved.at(-1).args.settings.language === 'pl' && saved.at(-1).args.settings.autolock_minutes === 10, 'other settings changed');
});

test('auto-lock: the locked event drops the files from the screen', async ({ open, page }) => {
  await open({ unlocked: true });
  await page.getByTestId('board').waitFor();
  await page.evaluate(() => window.__PUNKT_EMIT__('punkt://locked', null));
  await page.getByTestId('unlock-title').waitFor();
  assert((await page.getByText('Shevchenko').count()) === 0, 'a name is still on screen after locking');
});

test('errors: an unknown code falls back to the generic message, sync errors in plain words', async ({ open, page }) => {
  await open({ unlocked: true });
  await page.getByTestId('nav-sync').click();
  await page.getByTestId('enroll-server').fill('https://sync.example.org');
  await page.getByTestId('enroll-code').fill('ABCD-1234');
  await page.getByTestId('enroll-submit').click();
  const error = page.getByTestId('error');
  await error.waitFor();
  assert((await error.innerText()).includes('Brak połączenia z serwerem synchronizacji'), 'sync error not in plain words');
});

test('sync: what did not go this time is said, in the person\'s language', async ({ open, page, shot }) => {
  await open({ unlocked: true, syncSummary: { events_error: 'server_unreachable', directory_error: 'forbidden', tally_error: 'key_mismatch', tallies_resent: 0 } });
  await page.getByTestId('nav-sync').click();
  await page.getByTestId('sync-now').click();
  await page.getByTestId('sync-result').waitFor();
  const events = await page.getByTestId('sync-events-error').innerText();
  assert(events.includes('Zostanie wysłany przy następnej synchronizacji') && events.includes('Brak połączenia z serwerem synchronizacji'), `events error: ${events}`);
  const dir = await page.getByTestId('sync-directory-error').innerText();
  assert(dir.includes('organizacji członkowskich'), `directory error: ${dir}`);
  const tally = await page.getByTestId('sync-tally-error').innerText();
  assert(tally.includes('wysłać ponownie') && tally.includes('Danych konsorcjum') && tally.includes('różnymi kluczami'), `tally error: ${tally}`);
  await shot('sync-partial');
});

test('sync: a clean sync shows no warning', async ({ open, page }) => {
  await open({ unlocked: true, syncSummary: {} });
  await page.getByTestId('nav-sync').click();
  await page.getByTestId('sync-now').click();
  await page.getByTestId('sync-result').waitFor();
  assert((await page.getByTestId('sync-events-error').count()) === 0, 'a warning on a clean sync');
  assert((await page.getByTestId('sync-directory-error').count()) === 0, 'a warning on a clean sync');
  assert((await page.getByTestId('sync-tally-error').count()) === 0, 'a warning on a clean sync');
  assert((await page.getByTestId('sync-org-key-changed').count()) === 0, 'a warning on a clean sync');
});

test('sync: keys of another organisation the laptop cannot trust are said, with what to do', async ({ open, page, shot }) => {
  await open({ unlocked: true, syncSummary: { org_keys_refused: [{ organisation: 'Stowarzyszenie Interwencji Prawnej', epoch: 3, message: 'the server lists keys of Stowarzyszenie Interwencji Prawnej (epoch 3) that differ from those trusted here: referrals to it wait; tell the coordinators' }] } });
  await page.getByTestId('nav-sync').click();
  await page.getByTestId('sync-now').click();
  await page.getByTestId('sync-result').waitFor();
  const said = page.getByTestId('sync-org-key-changed');
  assert((await said.count()) === 1, 'one warning per organisation');
  const text = await said.innerText();
  assert(text.includes('Stowarzyszenie Interwencji Prawnej') && text.includes('klucz nr 3') && text.includes('Skierowania do niej czekają') && text.includes('przez telefon'), `warning: ${text}`);
  assert((await page.getByTestId('sync-refused').count()) === 0, 'counted as refused files');
  await shot('sync-org-key-changed');
});

test('sync: tallies sent again after an erasure are reported', async ({ open, page }) => {
  await open({ unlocked: true, syncSummary: { tallies_resent: 2 } });
  await page.getByTestId('nav-sync').click();
  await page.getByTestId('sync-now').click();
  const resent = await page.getByTestId('sync-tallies-resent').innerText();
  assert(resent.includes('(miesiące): 2'), `resent: ${resent}`);
});

const TEAM = {
  organisation: 'Fundacja',
  users: [{ name: 'anna', role: 'coordinator' }, { name: 'marek', role: 'lawyer' }, { name: 'pola', role: 'psychologist' }],
  devices: [
    { device_id: 'd1', name: 'biuro-anna', user: 'anna', role: 'coordinator', enrolled_at: '2026-09-01T08:00:00Z', last_seen: '2026-11-20T16:45:00Z', revoked_at: null },
    { device_id: 'd3', name: 'stary-laptop', user: 'pola', role: 'psychologist', enrolled_at: '2026-03-01T10:00:00Z', last_seen: '2026-06-01T10:00:00Z', revoked_at: '2026-06-15T09:00:00Z' },
    { device_id: 'd2', name: 'teren-marek', user: 'marek', role: 'lawyer', enrolled_at: '2026-09-03T09:30:00Z', last_seen: '2026-11-19T12:10:00Z', revoked_at: null },
    { device_id: 'd4', name: 'pola-nowy', user: 'pola', role: 'psychologist', enrolled_at: '2026-06-16T10:00:00Z', last_seen: null, revoked_at: null },
  ],
};
const device = (page, id) => page.locator(`[data-testid="team-device"][data-device-id="${id}"]`);

test('team: a coordinator sees the laptops and people; their own laptop cannot be revoked', async ({ open, page, shot }) => {
  await open({ unlocked: true, team: TEAM });
  await page.getByTestId('nav-sync').click();
  await page.getByTestId('team-laptops').waitFor();
  assert((await page.getByTestId('team').getByRole('heading', { name: 'Zespół: Fundacja' }).count()) === 1, 'no team heading');
  const ids = await page.getByTestId('team-device').evaluateAll((rs) => rs.map((r) => `${r.dataset.deviceId}:${r.dataset.state}`));
  assert(JSON.stringify(ids) === JSON.stringify(['d1:active', 'd2:active', 'd4:active', 'd3:revoked']), `laptops ${ids}`);
  // This laptop is marked and has no revoke button; the others in use have one.
  assert((await device(page, 'd1').getByTestId('team-own').innerText()).toLowerCase() === 'ten laptop', 'own laptop not marked');
  assert((await device(page, 'd1').getByTestId('team-revoke').count()) === 0, 'the laptop can revoke itself');
  assert((await device(page, 'd2').getByTestId('team-revoke').count()) === 1, 'no revoke button on another laptop');
  assert((await device(page, 'd3').getByTestId('team-revoke').count()) === 0, 'a revoked laptop can be revoked again');
  const d2 = await device(page, 'd2').innerText();
  assert(d2.includes('marek') && d2.includes('teren-marek') && d2.includes('Prawnik') && d2.includes('2026'), `row ${d2}`);
  assert((await device(page, 'd4').innerText()).includes('jeszcze nie'), 'a laptop never seen is not said so');
  const revoked = (await device(page, 'd3').getByTestId('team-device-state').innerText()).toLowerCase();
  assert(revoked.includes('unieważniony') && revoked.includes('2026'), `revoked badge ${revoked}`);
  const people = await page.getByTestId('team-person').evaluateAll((rs) => rs.map((r) => r.innerText.replace(/\s+/g, ' ').trim()));
  assert(JSON.stringify(people) === JSON.stringify(['anna Koordynator 1', 'marek Prawnik 1', 'pola Psycholog 1']), `people ${JSON.stringify(people)}`);
  await page.getByTestId('team').scrollIntoViewIfNeeded();
  await shot('team');
});

test('team: a person added, a code made for them is shown once with its expiry', async ({ open, page, shot }) => {
  await open({ unlocked: true, team: TEAM });
  await page.getByTestId('nav-sync').click();
  await page.getByTestId('team-add-name').fill(' olga ');
  await page.getByTestId('team-add-role').click();
  await page.getByRole('option', { name: 'Doradca' }).click();
  await page.getByTestId('team-add').click();
  await page.getByTestId('team-person').filter({ hasText: 'olga' }).waitFor();
  const added = await calls(page, 'add_team_user');
  assert(added.length === 1 && added[0].args.name === 'olga' && added[0].args.role === 'counsellor', `added ${JSON.stringify(added)}`);
  assert((await page.getByTestId('team-add-name').inputValue()) === '', 'the form was not emptied');

  await page.getByTestId('team-code-user').click();
  await page.getByRole('option', { name: 'olga (Doradca)' }).click();
  assert((await page.getByTestId('team-code-hours').inputValue()) === '48', 'not 48 hours by default');
  await page.getByTestId('team-code-hours').fill('0');
  await page.getByText('Podaj liczbę godzin od 1 do 720.').waitFor();
  assert(await page.getByTestId('team-code-make').isDisabled(), 'a code for 0 hours could be asked');
  await page.getByTestId('team-code-hours').fill('72');
  await page.getByTestId('team-code-make').click();
  const code = await page.getByTestId('team-code').innerText();
  assert(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/.test(code), `code shown ${code}`);
  const made = await calls(page, 'make_enrol_code');
  assert(made.length === 1 && made[0].args.user === 'olga' && made[0].args.hours === 72, `asked ${JSON.stringify(made)}`);
  const expires = await page.getByTestId('team-code-expires').innerText();
  const year = String(new Date(Date.now() + 72 * 3600000).getFullYear());
  assert(expires.startsWith('Ważny do ') && expires.includes(year), `expiry ${expires}`);
  const shown = await page.getByTestId('team-code-shown').innerText();
  assert(shown.includes('Synchronizacja → Zarejestruj ten laptop') && shown.includes('https://sync.example.org') && shown.includes('nie zostanie pokazany ponownie'), `how to use it: ${shown}`);
  assert((await page.getByTestId('team-code').evaluate((e) => getComputedStyle(e).fontFamily)).includes('mono'), 'the code is not in a monospace font');
  await page.getByTestId('team-code-shown').scrollIntoViewIfNeeded();
  await shot('team-code');
  // Hidden, it is gone for good.
  await page.getByTestId('team-code-hide').click();
  await page.getByTestId('team-code-shown').waitFor({ state: 'detached' });
  assert(!(await page.locator('body').innerText()).includes(code), 'the code is still on screen');
});

test('settings: a weak new passphrase is refused; a strong one changes the passphrase and the data key, with progress', async ({ open, page, shot }) => {
  await open({ unlocked: true });
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-old').fill('correct horse battery');
  await page.getByTestId('settings-new').fill('krotkie1234');
  await page.getByTestId('settings-repeat').fill('krotkie1234');
  await page.getByText('Co najmniej 12 znaków').waitFor();
  assert(await page.getByTestId('settings-change').isDisabled(), 'a short passphrase could be sent');
  await page.getByTestId('settings-new').fill('hasło123456789');
  await page.getByTestId('settings-repeat').fill('hasło123456789');
  await page.getByTestId('strength-refused').waitFor();
  assert((await page.getByTestId('strength-refused').innerText()).includes('Za łatwe do odgadnięcia'), 'no reason given');
  assert(await page.getByTestId('settings-change').isDisabled(), 'a guessable passphrase could be sent');
  const strong = 'zielony parasol nad Wisłą';
  await page.getByTestId('settings-new').fill(strong);
  await page.getByTestId('settings-repeat').fill(strong);
  assert(await page.getByTestId('settings-rotate').isChecked(), 'the data key is not replaced by default');
  await page.waitForFunction(() => !document.querySelector('[data-testid="settings-change"]').disabled);
  await page.getByTestId('settings-change').click();
  await page.locator('[data-testid="settings-rotation"][data-phase="reencrypt"]').waitFor();
  assert((await page.getByTestId('settings-rotation').innerText()).includes('Szyfrowanie magazynu nowym kluczem (50 MB)'), 'the phase is not named');
  await shot('settings-key-rotation');
  await page.getByText('Hasło i klucz danych zostały zmienione').waitFor();
  const sent = await calls(page, 'change_passphrase');
  assert(sent.length === 1 && sent[0].args.rotateKey === true && sent[0].args.new === strong, `sent ${JSON.stringify(sent)}`);
  assert((await page.getByTestId('settings-new').inputValue()) === '', 'the form kept the passphrase');
});

test('team: a psychologist, a lawyer\'s laptop and a coordinator\'s revocation wait for a second coordinator', async ({ open, page, shot }) => {
  const team = { ...TEAM, pending: [{ id: 'ap-ewa', action: 'add_user', subject: 'zofia', role: 'psychologist', requested_by: 'ewa', requested_at: '2026-12-03T09:00:00Z' }] };
  await open({ unlocked: true, team });
  await page.getByTestId('nav-sync').click();
  const pending = page.getByTestId('team-pending-item');
  await pending.first().waitFor();
  assert((await pending.first().innerText()).includes('Dodać zofia jako Psycholog'), `asked: ${await pending.first().innerText()}`);
  // Anna asks for a psychologist herself: it waits, and she cannot approve it.
  await page.getByTestId('team-add-name').fill('pola2');
  await page.getByTestId('team-add-role').click();
  await page.getByRole('option', { name: 'Psycholog' }).click();
  await page.getByTestId('team-add').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="team-pending-item"]').length === 2);
  await page.getByText('pola2: czeka na zatwierdzenie drugiego koordynatora').waitFor();
  assert(!(await page.getByTestId('team-people').innerText()).includes('pola2'), 'added without approval');
  const own = pending.filter({ hasText: 'pola2' });
  assert((await own.innerText()).includes('Twoja prośba'), 'own request not marked');
  assert(await own.getByTestId('team-approve').isDisabled(), 'she could approve her own request');
  // Ewa's request, approved by Anna: Zofia is in the team.
  await pending.filter({ hasText: 'zofia' }).getByTestId('team-approve').click();
  await page.getByTestId('team-person').filter({ hasText: 'zofia' }).waitFor();
  // A laptop code for a lawyer: shown, but says it waits.
  await page.getByTestId('team-code-user').click();
  await page.getByRole('option', { name: 'marek (Prawnik)' }).click();
  await page.getByTestId('team-code-make').click();
  await page.getByTestId('team-code-awaiting').waitFor();
  assert(!(await page.getByTestId('team-code-awaiting').innerText()).match(/[A-Z2-9]{4}-[A-Z2-9]{4}/), 'a code was shown to the one who asked');
  await shot('team-pending');
  // A code Ewa asked for, approved here: the code is shown to Anna, once.
  await page.evaluate(() => window.__PUNKT_STATE__.team.pending.push({ id: 'ap-code', action: 'enrol_code', subject: 'marek', role: 'lawyer', requested_by: 'ewa', requested_at: '2026-12-04T09:00:00Z' }));
  await page.getByTestId('team-reload').click();
  await pending.filter({ hasText: 'Kod rejestracji laptopa dla marek' }).filter({ hasText: 'Prosi ewa' }).getByTestId('team-approve').click();
  await page.getByText('QWER-TYUP-ASDF').waitFor();
  const approvals = await calls(page, 'approve');
  assert(approvals.length === 2 && approvals[0].args.id === 'ap-ewa' && approvals[0].args.approve === true, `approve ${JSON.stringify(approvals)}`);
});

test('data protection: an erasure the server still holds is undone after confirming', async ({ open, page, shot }) => {
  const erasures = [
    { batch: 'b1', erased_at: '2026-12-02T10:00:00Z', final_at: '2026-12-09T10:00:00Z', user: 'marek', device_id: 'd2', client_files: ['c1', 'c2'], documents: 5 },
    { batch: 'b2', erased_at: '2026-12-03T11:00:00Z', final_at: '2026-12-10T11:00:00Z', user: 'anna', device_id: 'd1', client_files: ['c3'], documents: 1 },
  ];
  await open({ unlocked: true, team: TEAM, erasures });
  await page.getByTestId('nav-protection').click();
  await page.getByTestId('erasures-load').click();
  await page.getByTestId('erasures-table').waitFor();
  assert((await page.getByTestId('erasure').count()) === 2, 'two erasures listed');
  await page.locator('[data-testid="erasure"][data-batch="b1"]').getByTestId('erasure-undo').click();
  await page.getByText('(2 akt, 5 dokumentów)').waitFor();
  await shot('erasure-undo');
  await page.getByTestId('erasure-undo-do').click();
  await page.getByText('Usunięcie cofnięte').waitFor();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="erasure"]').length === 1);
  const undone = await calls(page, 'undo_erasure');
  assert(undone.length === 1 && undone[0].args.batch === 'b1', `undo ${JSON.stringify(undone)}`);
});

test('secrets: a copied enrolment code leaves the clipboard after 30 seconds, something copied since stays', async ({ open, page }) => {
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.clock.install();
  await open({ unlocked: true, team: { ...TEAM, users: [...TEAM.users, { name: 'olek', role: 'counsellor' }] } });
  await page.getByTestId('nav-sync').click();
  const makeCode = async () => {
    await page.getByTestId('team-code-user').click();
    await page.getByRole('option', { name: 'olek (Doradca)' }).click();
    await page.getByTestId('team-code-make').click();
    return page.getByTestId('team-code').innerText();
  };
  const clipboard = () => page.evaluate(() => navigator.clipboard.readText());
  const code = await makeCode();
  await page.getByTestId('team-code-copy').click();
  await page.getByText('Skopiowano — schowek zostanie wyczyszczony za 30 s').waitFor();
  assert((await clipboard()) === code, 'the code was not copied');
  await page.clock.fastForward(29_000);
  assert((await clipboard()) === code, 'cleared too early');
  await page.clock.fastForward(2_000);
  await page.waitForFunction(() => navigator.clipboard.readText().then((t) => t === ''));
  // Copied again, then something else copied by the person: theirs is left alone.
  await page.getByTestId('team-code-copy').click();
  await page.evaluate(() => navigator.clipboard.writeText('adres klienta'));
  await page.clock.fastForward(31_000);
  await page.waitForTimeout(100);
  assert((await clipboard()) === 'adres klienta', 'the person\'s own copy was cleared');
});

test('team: a laptop is revoked only after confirming, then shown as revoked', async ({ open, page, shot }) => {
  await open({ unlocked: true, team: TEAM });
  await page.getByTestId('nav-sync').click();
  await device(page, 'd2').getByTestId('team-revoke').click();
  const form = page.getByTestId('team-revoke-form');
  await form.waitFor();
  const text = await form.innerText();
  assert(text.includes('teren-marek') && text.includes('marek'), `which laptop: ${text}`);
  assert(text.includes('odmawia') && text.includes('wymazany') && text.includes('przepadnie'), `what happens is not said: ${text}`);
  assert(await page.getByTestId('team-revoke-do').isDisabled(), 'revoking possible without confirming');
  await page.waitForTimeout(500); // the modal fades in
  await shot('team-revoke');
  await page.getByTestId('team-revoke-confirm').click();
  await page.getByTestId('team-revoke-do').click();
  await page.locator('[data-testid="team-device"][data-device-id="d2"][data-state="revoked"]').waitFor();
  const revoked = await calls(page, 'revoke_device');
  assert(revoked.length === 1 && revoked[0].args.deviceId === 'd2', `revoked ${JSON.stringify(revoked)}`);
  assert((await device(page, 'd2').getByTestId('team-device-state').innerText()).toLowerCase().includes('unieważniony'), 'not shown as revoked');
  assert((await device(page, 'd2').getByTestId('team-revoke').count()) === 0, 'a revoked laptop can still be revoked');
  await form.waitFor({ state: 'detached' });
});

test('team: a laptop waiting for keys gets them only with the check code it shows', async ({ open, page, shot }) => {
  const waiting = [{ device_id: 'd4', name: 'pola-nowy', user: 'pola', role: 'psychologist', check_code: '305 118', missing: ['org'] }];
  await open({ unlocked: true, team: TEAM, waitingForKeys: waiting });
  await page.getByTestId('nav-sync').click();
  const card = page.getByTestId('team-keys');
  await card.waitFor();
  const text = await card.innerText();
  assert(text.includes('pola-nowy') && text.includes('Psycholog') && text.includes('kod kontrolny'), `card: ${text}`);
  assert(!text.includes('305'), 'the check code to compare is shown here, so nothing is compared');
  const give = page.getByTestId('team-keys-give');
  assert(await give.isDisabled(), 'keys can be given without a check code');
  // A wrong code: refused, said plainly, nothing given.
  await page.getByTestId('team-keys-check').fill('305 119');
  await give.click();
  const refused = await card.getByTestId('error').innerText();
  assert(refused.includes('Kod kontrolny nie zgadza się') && refused.includes('nie przekazano'), `refusal: ${refused}`);
  assert((await page.getByTestId('team-keys-item').count()) === 1, 'the laptop left the list');
  await card.scrollIntoViewIfNeeded();
  await shot('team-keys');
  // The right one, typed without the space: given, and the card goes.
  await page.getByTestId('team-keys-check').fill('305118');
  await give.click();
  await card.waitFor({ state: 'detached' });
  const given = await calls(page, 'give_keys');
  assert(given.length === 2 && given[1].args.deviceId === 'd4' && given[1].args.checkCode === '305118', `given ${JSON.stringify(given)}`);
});

test('team: the keys of every organisation are listed with a fingerprint to compare by phone', async ({ open, page, shot }) => {
  await open({ unlocked: true, team: TEAM });
  await page.getByTestId('nav-sync').click();
  const card = page.getByTestId('team-org-keys');
  await card.waitFor();
  const text = await card.innerText();
  assert(text.includes('Klucze organizacji') && text.includes('przez telefon'), `card: ${text}`);
  const rows = card.getByTestId('org-key');
  assert((await rows.count()) === 2, 'two organisations');
  const own = await rows.nth(0).innerText();
  assert(own.includes('Fundacja') && own.toLowerCase().includes('nasza') && own.includes('klucz nr 2'), `own: ${own}`);
  const other = await rows.nth(1).innerText();
  assert(other.includes('Stowarzyszenie Interwencji Prawnej') && !other.toLowerCase().includes('nasza'), `other: ${other}`);
  const print = await rows.nth(1).getByTestId('org-key-fingerprint').innerText();
  assert(/^([0-9a-f]{4} ){7}[0-9a-f]{4}$/.test(print), `fingerprint ${print}`);
  await card.scrollIntoViewIfNeeded();
  await shot('team-org-keys');
});

test('sync: a laptop without keys says so with its check code', async ({ open, page, shot }) => {
  await open({ unlocked: true, enrolment: { role: 'lawyer' }, noKeys: true });
  await page.getByTestId('nav-sync').click();
  const said = await page.getByTestId('sync-awaiting-keys').innerText();
  assert(said.includes('482 913') && said.includes('koordynator'), `said: ${said}`);
  await shot('sync-awaiting-keys');
});

test('team: a coordinator publishes a newer rule book from a file; an older one is refused', async ({ open, page, shot }) => {
  await open({ unlocked: true, team: TEAM });
  await page.getByTestId('nav-sync').click();
  const card = page.getByTestId('team-rule-book');
  await card.waitFor();
  assert((await card.getByTestId('rule-book-version').innerText()).includes('wersja 2026.1'), 'version in use not shown');
  await card.getByTestId('rule-book-file').setInputFiles({ name: 'rules.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify({ format: 1, version: '2026.2', serial: 2, published: '2026-12-05', holidays: [], rules: [] })) });
  await card.getByText('wersja 2026.2', { exact: false }).waitFor();
  const sent = (await calls(page, 'publish_rule_book')).at(-1).args.book;
  assert(JSON.parse(sent).serial === 2, 'the file was not sent whole');
  await card.getByTestId('rule-book-file').setInputFiles({ name: 'old.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify({ format: 1, version: '2026.1', serial: 1, published: '2026-12-01' })) });
  const error = await card.getByTestId('error').innerText();
  assert(error.includes('podnieś numer'), `error: ${error}`);
  assert((await card.getByTestId('rule-book-version').innerText()).includes('wersja 2026.2'), 'a refused book replaced the one in use');
  await card.scrollIntoViewIfNeeded();
  await shot('team-rule-book');
});

test('sync: a new rule book brought by the sync is said, and one refused says why', async ({ open, page }) => {
  await open({ unlocked: true, syncSummary: { rule_book: { version: '2026.2', serial: 2, published: '2026-12-05' }, rule_book_error: null } });
  await page.getByTestId('nav-sync').click();
  await page.getByTestId('sync-now').click();
  assert((await page.getByTestId('sync-rule-book').innerText()).includes('wersja 2026.2'), 'new book not said');
  assert((await page.getByTestId('sync-rule-book-error').count()) === 0, 'an error on a good book');
  // Its rules are offered at once, without a restart.
  await page.waitForFunction(() => window.__PUNKT_CALLS__.filter((c) => c.cmd === 'vocabulary').length === 2);
  await page.getByTestId('nav-calculator').click();
  await page.getByTestId('deadline-rule').click();
  await page.getByRole('option', { name: /utrata statusu UKR/ }).waitFor();
});

test('sync: a rule book the laptop refused is said in red with the reason', async ({ open, page, shot }) => {
  await open({ unlocked: true, syncSummary: { rule_book_error: 'rule book serial 3: the signature of Fundacja A does not check; the book was changed after it was signed' } });
  await page.getByTestId('nav-sync').click();
  await page.getByTestId('sync-now').click();
  const said = await page.getByTestId('sync-rule-book-error').innerText();
  assert(said.includes('Nie przyjęto nowych zasad terminów') && said.includes('does not check') && said.includes('dotychczasowych'), `said: ${said}`);
  await shot('sync-rule-book-refused');
});

test('team: an enrolled laptop of another role has no Team card', async ({ open, page }) => {
  await open({ unlocked: true, enrolment: { role: 'counsellor' } });
  await page.getByTestId('nav-sync').click();
  await page.getByTestId('sync-enrolled').waitFor();
  await page.waitForTimeout(200);
  assert((await page.getByTestId('team').count()) === 0, 'a counsellor sees the team');
  assert((await calls(page, 'team')).length === 0, 'the team was asked for');
  // The server would refuse it anyway.
  const refused = await page.evaluate(() => window.__TAURI_INTERNALS__.invoke('team').then(() => null, (e) => e.code));
  assert(refused === 'forbidden', `a counsellor asking for the team: ${refused}`);
});

test('team: a user name taken on the server is refused in Polish; an unreachable server is said', async ({ open, page }) => {
  await open({ unlocked: true, team: TEAM, takenNames: ['kasia'] });
  await page.getByTestId('nav-sync').click();
  await page.getByTestId('team-add-name').fill('kasia');
  await page.getByTestId('team-add-role').click();
  await page.getByRole('option', { name: 'Prawnik' }).click();
  await page.getByTestId('team-add').click();
  const error = page.getByTestId('team').getByTestId('error');
  await error.waitFor();
  assert((await error.getAttribute('data-code')) === 'name_taken', 'wrong code');
  assert((await error.innerText()).startsWith('Ta nazwa użytkownika jest już zajęta na serwerze: wybierz inną.'), `error reads ${await error.innerText()}`);
  assert((await page.getByTestId('team-add-name').inputValue()) === 'kasia', 'the name typed was lost');
  assert((await page.getByTestId('team-person').count()) === 3, 'the person was added');
});

test('team: when the server cannot be reached, the card says so', async ({ open, page }) => {
  await open({ unlocked: true, team: TEAM, teamError: 'server_unreachable' });
  await page.getByTestId('nav-sync').click();
  const error = page.getByTestId('team').getByTestId('error');
  await error.waitFor();
  assert((await error.innerText()).includes('Brak połączenia z serwerem synchronizacji'), `error reads ${await error.innerText()}`);
  assert((await page.getByTestId('team-laptops').count()) === 0, 'a team although unreachable');
});

test('consortium: months waiting to be sent again after an erasure are named', async ({ open, page }) => {
  await open({ unlocked: true, role: 'coordinator', consortiumKeyId: '0123456789abcdef', staleMonths: ['2026-03', '2026-04'] });
  await page.getByTestId('nav-reports').click();
  const note = await page.getByTestId('consortium-stale').innerText();
  assert(note.includes('03.2026, 04.2026') && note.includes('najbliższej synchronizacji'), `note ${note}`);
});

test('consortium: nothing waiting, no note', async ({ open, page }) => {
  await open({ unlocked: true, role: 'coordinator', consortiumKeyId: '0123456789abcdef' });
  await page.getByTestId('nav-reports').click();
  await page.getByTestId('consortium').waitFor();
  assert((await page.getByTestId('consortium-stale').count()) === 0, 'a note with nothing waiting');
});

test('reports: totals, a breakdown with bars, export path shown', async ({ open, page, shot }) => {
  await open({ unlocked: true });
  await page.getByTestId('nav-reports').click();
  await page.getByTestId('report-show').click();
  await page.getByTestId('report-total').getByText('Unikalne osoby: 3, konsultacje: 5').waitFor();
  assert((await page.getByTestId('report-row').count()) === 2, 'service rows missing');
  await page.getByTestId('report-xlsx').click();
  await page.getByText('/home/test/Downloads/punkt-report.xlsx', { exact: false }).waitFor();
  const sent = await calls(page, 'export_report');
  assert(sent[0].args.lang === 'pl' && sent[0].args.format === 'xlsx', `export asked ${JSON.stringify(sent[0].args)}`);
  await shot('reports');
});

test('reports: a coordinator sets up a project; a project report with bands, languages, vulnerabilities and group activities; small counts hidden unless asked', async ({ open, page, shot }) => {
  await open({ unlocked: true, activities: [
    { id: 'a1', organisation: 'Fundacja', kind: 'training', date: today(), place: { kind: 'point', city: 'Lublin' }, project: 'AMIF-26', topic: 'zezwolenia na pracę', participants: 14, female: 9, male: 5, children: 0, duration_minutes: 90, staff: null, note: '' },
    { id: 'a2', organisation: 'Fundacja', kind: 'border_intervention', date: today(), place: { kind: 'point', city: 'Michałowo' }, project: null, topic: 'ludzie w lesie', participants: 3, female: null, male: null, children: 1, duration_minutes: null, staff: null, note: '' },
  ] });
  await page.getByTestId('nav-reports').click();
  await page.getByTestId('projects-empty').waitFor();
  // A code with a space is refused by the backend, named by its field.
  await page.getByTestId('project-code').fill('AMIF 26');
  await page.getByTestId('project-name').fill('Pomoc prawna dla cudzoziemców');
  await page.getByTestId('project-save').click();
  await page.getByTestId('projects').getByTestId('error').waitFor();
  assert((await page.getByTestId('projects').getByTestId('error').innerText()).includes('Kod projektu'), 'the field is not named');
  await page.getByTestId('project-code').fill('AMIF-26');
  await page.getByTestId('project-funder').fill('AMIF');
  await page.getByTestId('project-from').fill('2026-01-01');
  await page.getByTestId('project-save').click();
  await page.getByTestId('project-row').getByText('AMIF-26').waitFor();
  assert((await page.getByTestId('projects').getByTestId('error').count()) === 0, 'the error stayed');

  await page.getByTestId('report-project').click();
  await page.getByRole('option', { name: 'AMIF-26 · Pomoc prawna dla cudzoziemców (AMIF)' }).click();
  await page.getByTestId('report-bands').click();
  await page.getByRole('option', { name: 'Dzieci i dorośli: 0–17, 18+' }).click();
  await page.getByTestId('report-show').click();
  await page.getByTestId('report').getByText('Przedziały wieku: 0-17, 18+').waitFor();
  const asked = (await calls(page, 'report')).at(-1).args.options;
  assert(JSON.stringify(asked) === JSON.stringify({ age_bands: [0, 18], project: 'AMIF-26' }), `report asked ${JSON.stringify(asked)}`);
  // Languages by name, Dari apart from Farsi; vulnerabilities by name.
  await page.getByTestId('report-dimension').click();
  await page.getByRole('option', { name: 'Język' }).click();
  const langs = await page.getByTestId('report-row').allInnerTexts();
  assert(langs.some((r) => r.includes('(prs)')) && langs.some((r) => r.includes('(fa)')), `languages ${langs}`);
  assert(!langs.some((r) => r.startsWith('prs')), `Dari not named: ${langs}`);
  await page.getByTestId('report-dimension').click();
  await page.getByRole('option', { name: 'Szczególna wrażliwość' }).click();
  await page.getByTestId('report-row').getByText('Ofiara tortur').waitFor();
  await page.getByTestId('report-row').getByText('brak').waitFor();
  // Only the project's activities.
  const acts = await page.getByTestId('report-activities-total').innerText();
  assert(acts.includes('14') && !acts.includes('17'), `activities ${acts}`);
  await page.getByTestId('report-activity-row').getByText('Rodzaj działania: Szkolenie').waitFor();

  // Exports leave the organisation by default: small counts hidden.
  assert((await page.getByTestId('report-suppression-note').innerText()).includes('<5'), 'no suppression note');
  await page.getByTestId('report-csv').click();
  await page.getByText('/home/test/Downloads/punkt-report-AMIF-26.csv (małe liczby ukryte)', { exact: false }).waitFor();
  let sent = (await calls(page, 'export_report')).at(-1).args;
  assert(sent.disclosure === 'external' && sent.options.project === 'AMIF-26', `export ${JSON.stringify(sent)}`);
  await page.getByTestId('report-internal').click();
  await page.getByTestId('report-internal-warning').waitFor();
  await page.getByTestId('report-xlsx').click();
  sent = (await calls(page, 'export_report')).at(-1).args;
  assert(sent.disclosure === 'internal' && sent.format === 'xlsx', `export ${JSON.stringify(sent)}`);
  await page.getByTestId('report-internal').click();
  await page.getByTestId('report-activities').scrollIntoViewIfNeeded();
  await shot('reports-project');

  // Own bands, checked as typed.
  await page.getByTestId('report-bands').click();
  await page.getByRole('option', { name: 'Własne…' }).click();
  await page.getByTestId('report-bands-custom').fill('0, x');
  assert(await page.getByTestId('report-show').isDisabled(), 'bad bands allowed');
  await page.getByTestId('report-bands-custom').fill('0, 16, 65');
  await page.getByTestId('report-show').click();
  await page.getByTestId('report').getByText('0-15, 16-64, 65+', { exact: false }).waitFor();
});

test('reports: the projects card and group activities in English, Ukrainian and Russian', async ({ open, page, shot }) => {
  for (const [lang, title, none] of [['en', 'Projects and donors', 'UNHCR standard'], ['uk', 'Проєкти та донори', 'Стандарт УВКБ ООН'], ['ru', 'Проекты и доноры', 'Стандарт УВКБ ООН']]) {
    await open({ unlocked: true, language: lang, projects: [{ code: 'UNHCR-26', name: 'Legal counselling', funder: 'UNHCR', from: '2026-01-01', until: '2026-12-31', archived: false }], activities: [
      { id: 'a1', organisation: 'Fundacja', kind: 'hotline', date: today(), place: { kind: 'remote' }, project: 'UNHCR-26', topic: 'night shift', participants: 40, female: null, male: null, children: null, duration_minutes: 480, staff: null, note: '' },
    ] });
    await page.getByTestId('nav-reports').click();
    await page.getByTestId('projects').getByText(title).waitFor();
    assert((await page.getByTestId('report-bands').inputValue()).startsWith(none), `bands in ${lang}`);
    await page.getByTestId('report-show').click();
    await page.getByTestId('report-activities').waitFor();
    await page.getByTestId('report-activities').scrollIntoViewIfNeeded();
    await shot(`reports-activities-${lang}`);
  }
});

test('reports: another role sees the projects but cannot change them', async ({ open, page }) => {
  await open({ unlocked: true, role: 'lawyer', projects: [{ code: 'AMIF-26', name: 'Pomoc prawna', funder: null, from: null, until: null, archived: false }] });
  await page.getByTestId('nav-reports').click();
  await page.getByTestId('projects-readonly').waitFor();
  assert((await page.getByTestId('project-save').count()) === 0, 'a lawyer may edit projects');
  assert((await page.getByTestId('project-row').count()) === 1, 'the project is not listed');
});

test('group activities: recorded with a project, a headcount that does not add up refused, corrected, removed', async ({ open, page, shot }) => {
  await open({ unlocked: true, projects: [
    { code: 'AMIF-26', name: 'Pomoc prawna', funder: 'AMIF', from: null, until: null, archived: false },
    { code: 'OLD-25', name: 'Stary projekt', funder: null, from: null, until: null, archived: true },
  ] });
  await page.getByTestId('nav-activities').click();
  await page.getByText('Brak działań w tym okresie.').waitFor();
  await page.getByTestId('activity-kind').click();
  await page.getByRole('option', { name: 'Interwencja na granicy' }).click();
  await page.getByTestId('activity-topic').fill('rodzina w lesie koło Michałowa');
  await page.getByTestId('activity-city').fill('Michałowo');
  await page.getByTestId('activity-participants').fill('6');
  await page.getByTestId('activity-female').fill('4');
  await page.getByTestId('activity-male').fill('3');
  await page.getByText('Kobiet i mężczyzn razem więcej niż uczestników').waitFor();
  assert(await page.getByTestId('activity-save').isDisabled(), 'a headcount that does not add up can be saved');
  await page.getByTestId('activity-male').fill('2');
  await page.getByTestId('activity-children').fill('3');
  // Archived projects are not offered.
  await page.getByTestId('activity-project').click();
  assert((await page.getByRole('option', { name: /OLD-25/ }).count()) === 0, 'an archived project offered');
  await page.getByRole('option', { name: /AMIF-26/ }).click();
  await page.getByTestId('activity-save').click();
  await page.getByTestId('activity-row').getByText('rodzina w lesie koło Michałowa').waitFor();
  const sent = (await calls(page, 'record_activity'))[0].args.input;
  assert(sent.kind === 'border_intervention' && sent.participants === 6 && sent.female === 4 && sent.children === 3 && sent.project === 'AMIF-26' && sent.place.city === 'Michałowo', `sent ${JSON.stringify(sent)}`);
  assert((await page.getByTestId('activities-total').innerText()).includes('6'), 'total not shown');
  assert((await page.getByTestId('activity-row').innerText()).includes('Michałowo'), 'the place is not listed');
  await page.getByTestId('activities').scrollIntoViewIfNeeded();
  await shot('activities');

  // Corrected: the form comes back filled, the change is sent to update_activity.
  await page.getByTestId('activity-edit').click();
  await page.getByText('Popraw działanie').waitFor();
  assert((await page.getByTestId('activity-participants').inputValue()) === '6', 'the form is not filled');
  await page.getByTestId('activity-participants').fill('7');
  await page.getByTestId('activity-save').click();
  await page.getByText('Poprawiono: rodzina w lesie koło Michałowa').waitFor();
  assert((await calls(page, 'update_activity'))[0].args.input.participants === 7, 'the correction was not sent');

  // Removed, after asking.
  await page.getByTestId('activity-remove').click();
  await page.getByTestId('activity-remove-confirm').click();
  await page.getByText('Brak działań w tym okresie.').waitFor();
  assert((await calls(page, 'remove_activity')).length === 1, 'not removed');
});

test('group activities: the screen in English, Ukrainian and Russian', async ({ open, page, shot }) => {
  for (const [lang, title] of [['en', 'Group activities'], ['uk', 'Групові заходи'], ['ru', 'Групповые мероприятия']]) {
    await open({ unlocked: true, language: lang, activities: [
      { id: 'a1', organisation: 'Fundacja', kind: 'course', date: today(), place: { kind: 'point', city: 'Lublin' }, project: null, topic: 'Polish A1', participants: 12, female: 8, male: 4, children: 2, duration_minutes: 90, staff: null, note: '' },
    ] });
    await page.getByTestId('nav-activities').click();
    await page.getByRole('heading', { name: title, exact: true }).first().waitFor();
    await page.getByTestId('activity-row').getByText('Polish A1').waitFor();
    await page.getByTestId('activity-kind').scrollIntoViewIfNeeded();
    await shot(`activities-form-${lang}`);
    await page.getByTestId('activities').scrollIntoViewIfNeeded();
    await shot(`activities-${lang}`);
  }
});

test('consultation: tagged with a project, the language chosen by name (Dari apart from Farsi)', async ({ open, page, shot }) => {
  await open({ unlocked: true, projects: [{ code: 'AMIF-26', name: 'Pomoc prawna', funder: 'AMIF', from: '2020-01-01', until: '2099-12-31', archived: false }] });
  await page.getByTestId('recent').getByText('Taras').click();
  await page.getByTestId('tab-consultations').click();
  await page.getByTestId('consultation-city').click();
  await page.getByRole('option', { name: 'Lublin' }).click();
  await page.getByTestId('consultation-language').click();
  await page.getByTestId('consultation-language').fill('dari');
  await page.getByRole('option', { name: /\(prs\)/ }).click();
  await page.getByTestId('consultation-project').click();
  await page.getByRole('option', { name: /AMIF-26/ }).click();
  await page.getByTestId('consultation-save').click();
  await page.getByTestId('consultation-project-badge').getByText('AMIF-26').waitFor();
  const sent = (await calls(page, 'add_consultation'))[0].args.input;
  assert(sent.project === 'AMIF-26' && sent.language === 'prs', `sent ${JSON.stringify(sent)}`);
  await shot('consultation-project');
});

test('consortium: a new key is shown once, our tally sent, the count per service with missing months', async ({ open, page, shot }) => {
  await open({ unlocked: true, role: 'coordinator' });
  await page.getByTestId('nav-reports').click();
  await page.getByTestId('consortium-no-key').waitFor();
  assert(await page.getByTestId('consortium-send').isDisabled(), 'sending allowed without a key');
  await page.getByTestId('consortium-new').click();
  const key = await page.getByTestId('consortium-key-value').inputValue();
  assert(/^[0-9a-f]{64}$/.test(key), `the new key is not shown: ${key}`);
  assert((await calls(page, 'new_consortium_key')).length === 1, 'no key made');
  const id = await page.evaluate(() => window.__PUNKT_STATE__.consortiumKeyId);
  assert((await page.getByTestId('consortium-key-id').textContent()) === id, 'the key id is not shown');
  assert((await page.getByTestId('consortium-new-key').innerText()).includes('nie pokaże go ponownie'), 'no warning to pass the key on by hand');
  await shot('consortium-new-key');
  await page.getByTestId('consortium-key-hide').click();
  await page.getByTestId('consortium-new-key').waitFor({ state: 'detached' });
  // Shown once: gone from the screen, and not back when the screen is opened again.
  await page.getByTestId('nav-home').click();
  await page.getByTestId('nav-reports').click();
  await page.getByTestId('consortium-key-id').getByText(id).waitFor();
  assert(!(await page.locator('body').innerText()).includes(key), 'the key is on screen again');
  // A second "new key" asks before replacing the one the other coordinators hold.
  await page.getByTestId('consortium-new').click();
  await page.getByTestId('consortium-replace').waitFor();
  await page.keyboard.press('Escape');
  await page.getByTestId('consortium-replace').waitFor({ state: 'detached' });
  assert((await calls(page, 'new_consortium_key')).length === 1, 'a key replaced without asking');

  // A month typed as a Pole writes it, or in ISO; both are sent as ISO.
  await page.getByTestId('consortium-from').fill('01.2026');
  await page.getByTestId('consortium-to').fill('2026-03');
  await page.getByTestId('consortium-send').click();
  await page.getByTestId('consortium-sent').getByText('Wysłano dane za miesiące: 3').waitFor();
  assert((await page.getByTestId('consortium-sent-months').innerText()).includes('01.2026: 10 · 02.2026: 13 · 03.2026: 16'), 'people per month not shown');
  const sent = await calls(page, 'send_consortium_tally');
  assert(sent[0].args.from === '2026-01' && sent[0].args.to === '2026-03', 'wrong period sent');

  await page.getByTestId('consortium-run').click();
  await page.getByTestId('consortium-table').waitFor();
  const rows = await page.getByTestId('consortium-row').evaluateAll((rs) => rs.map((r) => [r.dataset.service, ...[...r.querySelectorAll('td')].slice(1).map((td) => td.textContent)]));
  assert(JSON.stringify(rows) === JSON.stringify([['all', '52', '61', '8'], ['legal', '41', '47', '6'], ['psychological', '12', '14', '2']]), `count rows ${JSON.stringify(rows)}`);
  const first = page.getByTestId('consortium-row').first();
  assert((await first.innerText()).includes('Wszystkie usługi'), '"all" not named');
  assert((await page.getByTestId('consortium-row').nth(1).innerText()).includes('Prawna'), 'service not translated');
  const missing = page.getByTestId('consortium-missing');
  assert((await missing.count()) === 1, 'only Fundacja B has months missing');
  assert((await missing.innerText()).includes('Fundacja B') && (await missing.innerText()).includes('02.2026, 03.2026'), 'the missing months are not listed');
  assert((await page.getByTestId('consortium-incomplete').innerText()).includes('Wynik jest niepełny'), 'no incomplete warning');
  await page.getByTestId('consortium-table').scrollIntoViewIfNeeded();
  await shot('consortium-count');
});

test('consortium: a month range is checked, a refusal is shown in plain words', async ({ open, page }) => {
  await open({ unlocked: true, consortiumKeyId: '3a7f00c1d2e4b5a6', consortiumError: 'key_mismatch' });
  await page.getByTestId('nav-reports').click();
  await page.getByTestId('consortium-key-id').getByText('3a7f00c1d2e4b5a6').waitFor();
  // The months start as the interface writes them: January and this month of this year.
  const year = new Date().getFullYear();
  assert((await page.getByTestId('consortium-from').inputValue()) === `01.${year}`, 'the first month is not shown as MM.RRRR');
  await page.getByTestId('consortium-from').fill('13.2026');
  await page.getByText('Podaj miesiąc jako MM.RRRR (albo RRRR-MM)').waitFor();
  assert(await page.getByTestId('consortium-run').isDisabled(), 'count allowed with a wrong month');
  await page.getByTestId('consortium-from').fill('5.2026');
  await page.getByTestId('consortium-to').fill('02.2026');
  await page.getByText('Początek jest po końcu okresu').waitFor();
  assert(await page.getByTestId('consortium-send').isDisabled(), 'send allowed with the period reversed');
  await page.getByTestId('consortium-to').fill('2026-06');
  await page.getByTestId('consortium-run').click();
  const error = page.getByTestId('consortium').getByTestId('error');
  await error.waitFor();
  assert((await error.getAttribute('data-code')) === 'key_mismatch', 'wrong error code');
  assert((await error.innerText()).includes('różnymi kluczami konsorcjum'), 'key mismatch not in Polish');
  // A typed key that is not one is refused with the form's message.
  await page.getByTestId('consortium-key-input').fill('not a key');
  await page.getByTestId('consortium-key-set').click();
  await page.getByTestId('consortium').getByText('Sprawdź wprowadzone dane.').waitFor();
  await page.getByTestId('consortium-key-input').fill('ab'.repeat(32));
  await page.getByTestId('consortium-key-set').click();
  await page.getByTestId('consortium-key-id').getByText('abab' + 'ab'.repeat(6)).waitFor();
  assert((await calls(page, 'set_consortium_key')).at(-1).args.key === 'ab'.repeat(32), 'the typed key was not sent');
});

test('GDPR documents: the controller set by a coordinator; the record and the DPIA template saved in the app language', async ({ open, page, shot }) => {
  await open({ unlocked: true });
  await page.getByTestId('nav-protection').click();
  await page.getByTestId('gdpr').waitFor();
  await page.getByTestId('gdpr-name').fill('Fundacja Pomocy Prawnej w Lublinie');
  await page.getByTestId('gdpr-registry').fill('0000123456');
  await page.getByTestId('gdpr-address').fill('ul. Narutowicza 1, 20-001 Lublin');
  await page.getByTestId('gdpr-contact').fill('rodo@fpp.example.org');
  await page.getByTestId('gdpr-save').click();
  await page.getByText('Zapisano dane administratora').waitFor();
  const sent = (await calls(page, 'put_controller'))[0].args.input;
  assert(sent.legal_name === 'Fundacja Pomocy Prawnej w Lublinie' && sent.registry === '0000123456' && sent.dpo === null, `sent ${JSON.stringify(sent)}`);
  await page.getByTestId('gdpr-record').click();
  await page.getByText('punkt-rejestr-czynnosci-przetwarzania-pl.html', { exact: false }).waitFor();
  await page.getByTestId('gdpr-dpia').click();
  await page.getByText('punkt-ocena-skutkow-dpia-pl.html', { exact: false }).waitFor();
  assert((await calls(page, 'gdpr_document')).map((c) => c.args.which).join() === 'record,dpia', 'documents not asked for');
  await shot('gdpr-documents');
});

test('GDPR documents: another role reads the controller, cannot change it, and in Ukrainian', async ({ open, page, shot }) => {
  await open({ unlocked: true, role: 'lawyer', language: 'uk', controller: { legal_name: 'Fundacja B', address: null, contact: 'rodo@b.example.org', registry: null, dpo: null } });
  await page.getByTestId('nav-protection').click();
  await page.getByTestId('gdpr-readonly').waitFor();
  assert(await page.getByTestId('gdpr-name').isDisabled(), 'a lawyer may edit the controller');
  assert((await page.getByTestId('gdpr-contact').inputValue()) === 'rodo@b.example.org', 'the contact is not shown');
  await page.getByTestId('gdpr').getByText('Адміністратор даних і документи GDPR').waitFor();
  await page.getByTestId('gdpr-record').click();
  await page.getByText('punkt-rejestr-czynnosci-przetwarzania-uk.html', { exact: false }).waitFor();
  await shot('gdpr-documents-uk');
});

test('retention: a rule saved, a preview lists what is due, applying asks first and reports', async ({ open, page, shot }) => {
  await open({ unlocked: true, role: 'coordinator' });
  await page.getByTestId('nav-protection').click();
  await page.getByTestId('retention-current').getByText('Organizacja nie ma jeszcze zasady przechowywania.').waitFor();
  assert(await page.getByTestId('retention-preview-run').isDisabled(), 'preview without a rule');
  await page.getByTestId('retention-years').fill('60');
  await page.getByText('Od 1 do 50 lat').waitFor();
  assert(await page.getByTestId('retention-save').isDisabled(), 'a 60-year rule could be saved');
  await page.getByTestId('retention-years').fill('10');
  await page.getByTestId('retention').getByText('Usuń', { exact: true }).click();
  await page.getByTestId('retention-save').click();
  await page.getByTestId('retention-current').getByText('usuwanie akt zamkniętych; okres przechowywania (w latach): 10').waitFor();
  const saved = await calls(page, 'set_retention_rule');
  assert(JSON.stringify(saved[0].args.rule) === JSON.stringify({ closed_years: 10, action: 'erase' }), `rule sent ${JSON.stringify(saved[0].args)}`);

  await page.getByTestId('retention-preview-run').click();
  await page.getByTestId('retention-preview').waitFor();
  const due = await page.getByTestId('retention-due-row').evaluateAll((rs) => rs.map((r) => r.innerText.replace(/\s+/g, ' ').trim()));
  assert(JSON.stringify(due) === JSON.stringify(['c7 01.02.2013', 'c8 30.06.2015']), `due ${JSON.stringify(due)}`);
  assert((await page.getByTestId('retention-kept-row').innerText()).includes('c3'), 'the file with an open matter is not listed as kept');
  assert((await page.getByTestId('retention-summary').innerText()).includes('Przejrzane akta: 5; objęte zasadą: 2; zachowane z powodu otwartych spraw: 1'), 'summary wrong');
  assert((await calls(page, 'run_retention')).every((c) => c.args.apply === false), 'the preview applied the rule');
  await shot('retention-preview');

  await page.getByTestId('retention-apply-open').click();
  await page.getByTestId('retention-plan').getByText('zostaną usunięte na zawsze: 2').waitFor();
  assert(await page.getByTestId('retention-apply').isDisabled(), 'applying possible without confirming');
  await page.waitForTimeout(500); // the modal fades in
  await shot('retention-confirm');
  await page.getByTestId('retention-confirm').click();
  await page.getByTestId('retention-apply').click();
  await page.getByTestId('retention-applied').waitFor();
  assert((await page.getByTestId('retention-erased').innerText()) === 'c7, c8', 'erased files not reported');
  const applied = (await calls(page, 'run_retention')).filter((c) => c.args.apply === true);
  assert(applied.length === 1, 'the rule was not applied exactly once');

  // Cleared: no rule any more.
  await page.getByTestId('retention-clear').click();
  await page.getByTestId('retention-current').getByText('Organizacja nie ma jeszcze zasady przechowywania.').waitFor();
  assert((await calls(page, 'set_retention_rule')).at(-1).args.rule === null, 'clearing did not send null');
});

test('retention: anonymising reports the new files; another role is refused', async ({ open, page }) => {
  await open({ unlocked: true, role: 'coordinator', retentionRule: { closed_years: 12, action: 'anonymise' }, language: 'en' });
  await page.getByTestId('nav-protection').click();
  await page.getByTestId('retention-current').getByText('Current rule: anonymise closed files; retention period (years): 12.').waitFor();
  assert((await page.getByTestId('retention-years').inputValue()) === '12', 'the saved years are not in the form');
  await page.getByTestId('retention-apply-open').click();
  await page.getByTestId('retention-plan').getByText('will be anonymised and their originals erased for good: 1').waitFor();
  await page.getByTestId('retention-confirm').click();
  await page.getByTestId('retention-apply').click();
  await page.getByTestId('retention-anonymised-row').waitFor();
  const row = await page.getByTestId('retention-anonymised-row').innerText();
  assert(row.includes('c7') && row.includes('anon-c7'), `anonymised row ${row}`);
  await page.evaluate(() => { window.__PUNKT_STATE__.role = 'lawyer'; });
  await page.getByTestId('retention-clear').click();
  const error = page.getByTestId('retention').getByTestId('error');
  await error.waitFor();
  assert((await error.getAttribute('data-code')) === 'forbidden' && (await error.innerText()).includes('Not allowed for your organisation or role.'), 'refusal not shown');
});

test('retention: an enrolled laptop that has not synced lately is told to sync first, and cannot apply', async ({ open, page, shot }) => {
  await open({ unlocked: true, role: 'coordinator', retentionRule: { closed_years: 10, action: 'erase' }, retentionSyncRequired: true, retentionLastSync: '2026-10-01T08:00:00Z' });
  await page.getByTestId('nav-protection').click();
  await page.getByTestId('retention-preview-run').click();
  const warn = await page.getByTestId('retention-preview').getByTestId('retention-sync-first').innerText();
  assert(warn.includes('ostatnia synchronizacja była') && warn.includes('2026'), `warning ${warn}`);
  await shot('retention-sync-first');
  await page.getByTestId('retention-apply-open').click();
  await page.getByTestId('retention-plan').getByTestId('retention-sync-first').waitFor();
  await page.getByTestId('retention-confirm').click();
  assert(await page.getByTestId('retention-apply').isDisabled(), 'apply enabled without a recent sync');
  assert((await calls(page, 'run_retention')).every((c) => c.args.apply === false), 'the rule was applied');
  await page.getByTestId('retention-plan').getByText('Przejdź do synchronizacji').click();
  await page.getByTestId('sync-now').or(page.getByTestId('enroll-server')).waitFor();
});

test('audit: the file tab shows the timeline newest first, translated', async ({ open, page, shot }) => {
  await open({ unlocked: true });
  await page.getByTestId('recent').getByText('Taras').click();
  await page.getByTestId('tab-audit').click();
  await page.getByTestId('file-audit').waitFor();
  const lines = await page.getByTestId('audit-line').evaluateAll((rs) => rs.map((r) => `${r.dataset.source}/${r.dataset.action}`));
  assert(JSON.stringify(lines) === JSON.stringify(['laptop/merge', 'server/export', 'server/read', 'history/change']), `order ${lines}`);
  const text = await page.getByTestId('audit-line').evaluateAll((rs) => rs.map((r) => r.textContent));
  assert(text[0].includes('ten laptop') && text[0].includes('scalenie') && text[0].includes('merged c9 into c1'), `laptop line ${text[0]}`);
  assert(text[1].includes('serwer') && text[1].includes('eksport') && text[1].includes('anna') && text[1].includes('dev-1b2c'), `server line ${text[1]}`);
  assert(text[2].includes('odczyt') && text[2].includes('pola'), `read line ${text[2]}`);
  assert(text[3].includes('historia zmian') && text[3].includes('zmiana') && text[3].includes('ab12cd34'), `history line ${text[3]}`);
  assert(text[3].includes('osoba, konsultacje'), `the parts a change touched are named in Polish: ${text[3]}`);
  assert((await page.getByTestId('audit-unavailable').count()) === 0, 'a note although the server answered');
  assert((await calls(page, 'file_audit'))[0].args.id === 'c1', 'wrong file asked');
  await shot('file-audit');
});

test('audit: without the server log a note says why; the organisation log loads for coordinators', async ({ open, page }) => {
  await open({ unlocked: true, auditUnavailable: 'not_enrolled' });
  await page.getByTestId('recent').getByText('Taras').click();
  await page.getByTestId('tab-audit').click();
  const note = page.getByTestId('audit-unavailable');
  await note.waitFor();
  assert((await note.innerText()).includes('Ten laptop nie jest zarejestrowany na serwerze synchronizacji'), 'no-server note not translated');
  assert((await page.getByTestId('audit-line').count()) === 2, 'laptop and history lines missing');
  assert((await page.locator('[data-testid="audit-line"][data-source="server"]').count()) === 0, 'server lines without a server');

  await page.getByTestId('nav-protection').click();
  await page.getByTestId('org-audit-load').click();
  await page.getByTestId('org-audit-table').waitFor();
  const rows = await page.getByTestId('org-audit-row').evaluateAll((rs) => rs.map((r) => r.dataset.action));
  assert(JSON.stringify(rows) === JSON.stringify(['refused', 'consortium_count', 'sync']), `organisation log order ${rows}`);
  const refused = await page.getByTestId('org-audit-row').first().innerText();
  assert(refused.includes('odmowa') && refused.includes('marek') && refused.includes('c2'), `refused row ${refused}`);
  assert((await page.getByTestId('org-audit-row').nth(1).innerText()).includes('liczenie konsorcjum'), 'action not translated');
});

test('audit: an unreachable server names the reason; the organisation log refused', async ({ open, page }) => {
  await open({ unlocked: true, auditUnavailable: 'server_unreachable', serverAuditError: 'forbidden' });
  await page.getByTestId('recent').getByText('Olena').click();
  await page.getByTestId('tab-audit').click();
  await page.getByTestId('audit-unavailable').waitFor();
  assert((await page.getByTestId('audit-unavailable-reason').innerText()).includes("Brak połączenia z serwerem synchronizacji. Twoja praca jest bezpieczna na tym laptopie."), 'reason not shown in Polish');
  assert((await page.getByTestId('audit-unavailable').innerText()).includes('Serwer nie udostępnił swojego dziennika'), 'note not in Polish');
  await page.getByTestId('nav-protection').click();
  await page.getByTestId('org-audit-load').click();
  const error = page.getByTestId('org-audit').getByTestId('error');
  await error.waitFor();
  assert((await error.getAttribute('data-code')) === 'forbidden', 'refusal code not shown');
  assert((await page.getByTestId('org-audit-table').count()) === 0, 'a table although refused');
});

test('settings: the role of this laptop is shown and set; an enrolled laptop keeps the server\'s', async ({ open, page, shot }) => {
  await open({ unlocked: true });
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-role-current').getByText('Nie ustawiono roli.').waitFor();
  await page.getByTestId('settings-role').click();
  await page.getByRole('option', { name: 'Koordynator' }).click();
  await page.getByTestId('settings-role-current').getByText('Obecna rola: Koordynator').waitFor();
  const set = await calls(page, 'set_local_role');
  assert(set.length === 1 && set[0].args.role === 'coordinator', 'wrong role sent');
  assert((await page.getByTestId('settings-role').inputValue()) === 'Koordynator', 'select does not show the role');
  await shot('settings-role');
});

test('settings: an enrolled laptop shows the server\'s role and refuses a local one', async ({ open, page }) => {
  await open({ unlocked: true, role: 'psychologist', enrolled: true, language: 'uk' });
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-role-current').getByText('Поточна роль: Психолог').waitFor();
  await page.getByTestId('settings-role').click();
  await page.getByRole('option', { name: 'Юрист' }).click();
  const error = page.getByTestId('settings-role-card').getByTestId('error');
  await error.waitFor();
  assert((await error.innerText()).includes('Не дозволено для вашої організації чи ролі.'), 'refusal not in Ukrainian');
  assert((await page.getByTestId('settings-role-current').innerText()).includes('Психолог'), 'the server\'s role was replaced');
});

await run();
