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

const calls = (page, cmd) => page.evaluate((c) => window.__PUNKT_CALLS__.filter((x) => x.cmd === c), cmd);

test('first start: create a store with a passphrase, strength shown, mismatch refused', async ({ open, page, shot }) => {
  await open({ storeExists: false, unlocked: false });
  await page.getByTestId('setup-organisation').fill('Fundacja Pomocy');
  await page.getByTestId('setup-passphrase').fill('short');
  await page.getByTestId('strength').waitFor();
  assert((await page.getByText('Co najmniej 8 znaków').count()) === 1, 'too-short hint missing');
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
  assert((await page.getByTestId('due-moved').innerText()).includes('2026-11-21 (weekend)'), 'moved days not explained');
  await shot('calculator');
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
  const consultation = await calls(page, 'add_consultation');
  assert(consultation[0].args.input.place.centre === 'Przemyśl', 'consultation not at the centre');
  assert((await calls(page, 'intake')).length === 1, 'the person was taken in more than once');
});

test('visit mode: a retry after a failed save does not take the person in twice', async ({ open, page }) => {
  const draft = { centre: 'Lesznowola', date: '2026-11-20', started: true, seen: [], current: { mode: 'new', found: null, person: { given: 'Amir', family: 'Karimi', original: '', birth: '1995', birthApprox: false, sex: 'male', citizenship: 'AF', languages: '', phone: '', status: '', summary: '' }, services: ['legal'], note: 'return decision', withDeadline: true, deadline: { rule: 'return-appeal', start: '2026-11-18', first_notice: false, uncertain: false } } };
  await open({ unlocked: true, drafts: { visit: draft }, failDeadlineOnce: true });
  await page.getByTestId('nav-visit').click();
  await page.getByTestId('visit-add').click();
  await page.getByTestId('error').waitFor();
  await page.getByTestId('visit-add').click();
  await page.getByTestId('visit-seen').getByText('Amir Karimi').waitFor();
  assert((await calls(page, 'intake')).length === 1, 'the person was taken in twice');
  assert((await calls(page, 'add_deadline')).length === 2, 'the deadline was not retried');
  assert((await calls(page, 'add_consultation')).length === 1, 'the consultation was saved twice');
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
  assert(tally.includes('wysłać ponownie') && tally.includes('różnymi kluczami'), `tally error: ${tally}`);
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
});

test('sync: tallies sent again after an erasure are reported', async ({ open, page }) => {
  await open({ unlocked: true, syncSummary: { tallies_resent: 2 } });
  await page.getByTestId('nav-sync').click();
  await page.getByTestId('sync-now').click();
  const resent = await page.getByTestId('sync-tallies-resent').innerText();
  assert(resent.includes('(miesiące): 2'), `resent: ${resent}`);
});

test('reports: totals, a breakdown with bars, export path shown', async ({ open, page, shot }) => {
  await open({ unlocked: true });
  await page.getByTestId('nav-reports').click();
  await page.getByTestId('report-show').click();
  await page.getByTestId('report-total').getByText('Unikalne osoby: 3, konsultacje: 5').waitFor();
  assert((await page.getByTestId('report-row').count()) === 2, 'service rows missing');
  await page.getByTestId('report-xlsx').click();
  await page.getByText('/home/test/Downloads/punkt-report.xlsx', { exact: false }).waitFor();
  await shot('reports');
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

  await page.getByTestId('consortium-from').fill('2026-01');
  await page.getByTestId('consortium-to').fill('2026-03');
  await page.getByTestId('consortium-send').click();
  await page.getByTestId('consortium-sent').getByText('Wysłano dane za miesiące: 3').waitFor();
  assert((await page.getByTestId('consortium-sent-months').innerText()).includes('2026-01: 10 · 2026-02: 13 · 2026-03: 16'), 'people per month not shown');
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
  assert((await missing.innerText()).includes('Fundacja B') && (await missing.innerText()).includes('2026-02, 2026-03'), 'the missing months are not listed');
  assert((await page.getByTestId('consortium-incomplete').innerText()).includes('Wynik jest niepełny'), 'no incomplete warning');
  await page.getByTestId('consortium-table').scrollIntoViewIfNeeded();
  await shot('consortium-count');
});

test('consortium: a month range is checked, a refusal is shown in plain words', async ({ open, page }) => {
  await open({ unlocked: true, consortiumKeyId: '3a7f00c1d2e4b5a6', consortiumError: 'key_mismatch' });
  await page.getByTestId('nav-reports').click();
  await page.getByTestId('consortium-key-id').getByText('3a7f00c1d2e4b5a6').waitFor();
  await page.getByTestId('consortium-from').fill('2026-13');
  await page.getByText('Podaj miesiąc jako RRRR-MM').waitFor();
  assert(await page.getByTestId('consortium-run').isDisabled(), 'count allowed with a wrong month');
  await page.getByTestId('consortium-from').fill('2026-05');
  await page.getByTestId('consortium-to').fill('2026-02');
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
  assert(JSON.stringify(due) === JSON.stringify(['c7 2013-02-01', 'c8 2015-06-30']), `due ${JSON.stringify(due)}`);
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
