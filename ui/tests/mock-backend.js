// A fake of the desktop backend for the screen tests: it stands in for Tauri's IPC
// (window.__TAURI_INTERNALS__), so the real ui/src/ipc code runs against it. Each test seeds
// it through window.__PUNKT_SCENARIO__ and reads window.__PUNKT_CALLS__ to see what was sent.
(() => {
  const scenario = window.__PUNKT_SCENARIO__ || {};
  const calls = (window.__PUNKT_CALLS__ = []);
  const callbacks = new Map();
  const listeners = new Map(); // event -> [callback id]
  let nextId = 1;

  const err = (code, message) => ({ code, message });
  const today = new Date().toISOString().slice(0, 10);
  const addDays = (n) => new Date(Date.now() + n * 86400000).toISOString().slice(0, 10);

  const state = {
    storeExists: scenario.storeExists ?? true,
    unlocked: scenario.unlocked ?? false,
    passphrase: 'correct horse battery',
    settings: { language: scenario.language ?? 'pl', autolock_minutes: 10, hardened_memory: false },
    // SQLCipher's memory security in the (mock) process: on once asked, until a restart.
    memoryHardened: false,
    // The name this laptop writes into its changes (settings, `set_author`).
    author: scenario.author === undefined ? 'Anna' : scenario.author,
    drafts: scenario.drafts ?? {},
    clients: scenario.clients ?? {
      c1: client('c1', 'Taras', 'Shevchenko', 'Тарас Шевченко', '1990-03-09'),
      c2: client('c2', 'Olena', 'Kovalenko', 'Олена Коваленко', '1985-07-01'),
    },
    likelySame: scenario.likelySame ?? [],
  };

  function client(id, given, family, original, birth) {
    const [go, fo] = original.split(' ');
    return {
      id, organisation: 'Fundacja', created_at: today, updated_at: today,
      display_name: `${given} ${family} (${original})`,
      person: { given_names: given, family_name: family, given_names_original: go, family_name_original: fo, birth_date: birth, birth_date_approximate: false, sex: 'male', citizenships: ['UA'], stateless: false, languages: ['uk'], interpreter_needed: false, contact: {}, identifiers: [] },
      current_status: 'asylum_seeker', statuses_in_force: ['asylum_seeker'], legal_status: [{ id: 's1', status: 'asylum_seeker', track: 'residence', from: '2025-01-10', until: null, centre: null, purpose: null, note: null }],
      vulnerabilities: [], sensitive_visible: true, consents: [], processing: [], matters: [], consultations: [], deadlines: [], summary: '', attachments: [], conflicts: [],
      sections: [], referrals: [],
    };
  }
  if (scenario.pdf) state.clients.c1.attachments = [{ id: 'a1', name: 'decyzja.pdf', mime: 'application/pdf', size: 400, added_at: `${today}T10:00:00Z`, added_by: 'Anna' }];
  if (scenario.sections) state.clients.c1.sections = scenario.sections;
  if (scenario.deadlines) state.clients.c1.deadlines = scenario.deadlines;
  if (scenario.consent) state.clients.c1.consents = [{ id: 'k1', clause: 'Klauzula RODO 2026', language: 'uk', given_on: '2026-11-02', recorded_by: null, legal_basis: null, withdrawn_on: null }];
  state.referrals = scenario.referrals ?? [];
  if (scenario.conflict) state.clients.c1.conflicts = [{ path: 'person.family_name', values: ['Shevchenko', 'Szewczenko'] }];
  // The enrolment with a sync server: a sync summary to give, a team (the laptop is then its
  // coordinator's) or an enrolment of its own (`enrolment: { role: 'counsellor' }`) enrols it.
  state.enrolment = scenario.syncSummary || scenario.team || scenario.enrolment
    ? { server: 'https://sync.example.org', device_id: 'd1', organisation: 'Fundacja', user: 'anna', role: scenario.team ? 'coordinator' : 'lawyer', ...scenario.enrolment }
    : null;
  // The organisation's people and laptops on the server (`team`), and user names other
  // organisations hold there (`takenNames`): names are the server's, across organisations.
  state.team = scenario.team ? { organisation: 'Fundacja', users: [], devices: [], pending: [], issued: null, ...scenario.team } : null;
  // Erasures the server still holds (`erasures`), for the Data protection screen.
  state.erasures = scenario.erasures ?? [];
  // Roles that read restricted sections: giving one waits for a second coordinator, as on the server.
  const RESTRICTED = ['psychologist', 'lawyer'];
  const ask = (team, action, subject, role) => {
    team.pending.push({ id: `ap${nextId++}`, action, subject, role, requested_by: state.enrolment.user, requested_at: '2026-12-04T10:00:00Z' });
    return team;
  };
  // Consortium, retention, audit and the local role.
  state.role = scenario.role ?? state.enrolment?.role ?? null;
  state.consortiumKeyId = scenario.consortiumKeyId ?? null;
  state.retentionRule = scenario.retentionRule ?? null;
  // Files of this organisation as the retention rule sees them: two closed long ago, one old
  // with an open matter, two recent.
  state.retentionFiles = [
    { id: 'c7', last_activity: '2013-02-01', open: false },
    { id: 'c8', last_activity: '2015-06-30', open: false },
    { id: 'c3', last_activity: '2012-09-14', open: true },
    { id: 'c1', last_activity: today, open: false },
    { id: 'c2', last_activity: today, open: false },
  ];
  const ROLES = ['lawyer', 'counsellor', 'psychologist', 'coordinator'];
  const months = (from, to) => {
    const out = [];
    let [y, m] = from.split('-').map(Number);
    const [ty, tm] = to.split('-').map(Number);
    while (y < ty || (y === ty && m <= tm)) {
      out.push(`${y}-${String(m).padStart(2, '0')}`);
      if (++m > 12) { m = 1; y++; }
    }
    return out;
  };
  const monthOk = (s) => /^\d{4}-(0[1-9]|1[0-2])$/.test(s);
  const keyIdOf = (key) => key.slice(0, 4) + key.slice(-12);
  /** The team as the server gives it to its coordinator; anyone else is refused. */
  const teamOf = () => {
    if (!state.enrolment) throw err('not_enrolled', 'not enrolled');
    if (scenario.teamError) throw err(scenario.teamError, `the team: ${scenario.teamError}`);
    if (state.enrolment.role !== 'coordinator') throw err('forbidden', 'the sync server refused: only a coordinator may use the team');
    return state.team;
  };
  const coordinatorOnly = () => {
    if (state.role && state.role !== 'coordinator') throw err('forbidden', `not allowed: only a coordinator may do this (this laptop's role is ${state.role})`);
  };

  const summary = (c) => ({ id: c.id, display_name: c.display_name, birth_date: c.person.birth_date, citizenship: 'UA', updated_at: c.updated_at });
  const many = (n) => Array.from({ length: n }, (_, i) => ({ client_id: 'c1', display_name: 'Taras Shevchenko', deadline_id: `m${i}`, rule: 'return-appeal', from: addDays(-30), due: addDays(-20 + (i % 30)), uncertain: false, days_left: -20 + (i % 30), overdue: -20 + (i % 30) < 0 }));
  const board = scenario.manyDeadlines ? many(scenario.manyDeadlines) : scenario.board ?? [
    { client_id: 'c1', display_name: 'Taras Shevchenko', deadline_id: 'd1', rule: 'refugee-board-appeal', from: addDays(-16), due: addDays(-2), uncertain: false, days_left: -2, overdue: true },
    { client_id: 'c2', display_name: 'Olena Kovalenko', deadline_id: 'd2', rule: 'return-appeal', from: addDays(-5), due: addDays(2), uncertain: true, days_left: 2, overdue: false },
    { client_id: 'c2', display_name: 'Olena Kovalenko', deadline_id: 'd3', rule: 'wsa-complaint', from: addDays(-20), due: addDays(10), uncertain: false, days_left: 10, overdue: false },
  ];
  // A few rules of crates/model/data/rule-book.json, in its shape.
  const names = (pl, en) => ({ pl, en, uk: `${en} (uk)`, ru: `${en} (ru)` });
  const rule = (id, track, limit, unit, shift, n, basis, extra = {}) => ({ id, track, limit, unit, runs_from: 'delivery', shift, names: n, basis, confidence: 'high', ...extra });
  const rules = [
    rule('refugee-board-appeal', 'asylum', 14, 'days', 'kpa', names('Odwołanie do Rady do Spraw Uchodźców', 'Appeal to the Refugee Board'), 'KPA art. 129 §2'),
    rule('return-appeal', 'return', 7, 'days', 'kpa', names('Odwołanie od decyzji o zobowiązaniu do powrotu', 'Appeal against a return decision'), 'u.o.c. art. 321 ust. 1–2'),
    rule('voluntary-departure', 'return', 30, 'days', 'none', names('Termin dobrowolnego wyjazdu wyznaczony w decyzji (8–30 dni)', 'Voluntary departure period set in the decision (8–30 days)'), 'u.o.c. art. 315 ust. 1', { min: 8 }),
    rule('arrest-48h', 'detention', 48, 'hours', 'none', names('Zatrzymanie cudzoziemca: najdłużej 48 godzin', 'Arrest of a foreigner: at most 48 hours'), 'u.o.c. art. 394 ust. 1'),
    rule('wsa-complaint', 'court', 30, 'days', 'ppsa', names('Skarga do WSA na decyzję ostateczną', 'Complaint to the administrative court'), 'PPSA art. 53 §1', { confidence: 'verify' }),
  ];
  const RULES_VERSION = '2026.1';

  // The closed vocabularies and checks update_client applies, as crates/core/src/dto.rs does.
  // Tracks and purposes as crates/model/src/vocab.rs has them.
  const TRACKS = { detained: 'detention', return_procedure: 'return', dublin_transfer: 'dublin' };
  const PURPOSE_STATUSES = ['temporary_residence', 'permanent_residence', 'eu_long_term_residence', 'cukr'];
  const RESIDENCE_PURPOSES = ['work', 'single_permit', 'family', 'study', 'other'];
  const VULNERABILITIES = ['illness_or_disability', 'torture_survivor', 'violence_victim', 'trafficking_victim', 'lgbt', 'single_parent', 'pregnancy', 'unaccompanied_minor', 'elderly'];
  const MATTER_STATUSES = ['open', 'pending', 'won', 'lost', 'closed'];
  const IDENTIFIER_KINDS = ['passport', 'national_id', 'pesel', 'pesel_ukr', 'tztc', 'residence_card', 'udsc_file', 'border_guard_file', 'voivode_file', 'court_file', 'other'];
  const LEGAL_STATUSES = ['asylum_seeker', 'refugee_status', 'subsidiary_protection', 'humanitarian_stay', 'tolerated_stay', 'temporary_protection', 'temporary_residence', 'permanent_residence', 'eu_long_term_residence', 'return_procedure', 'dublin_transfer', 'detained', 'irregular', 'visa', 'citizen', 'other'];
  const LANGUAGE_CODES = 'aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu'.split(' ');
  const CENTRES = ['Lesznowola', 'Przemyśl'];
  const invalidField = (field, reason) => ({ code: 'invalid_input', message: `invalid ${field}: ${reason}`, field });
  const text = (s) => (typeof s === 'string' && s.trim() ? s.trim() : null);
  /** A vocabulary value read leniently ("Matter status", "matter-status"), or refused naming the field. */
  const oneOf = (list, field, s) => {
    const v = String(s ?? '').trim().toLowerCase().replace(/[ -]/g, '_');
    if (!list.includes(v)) throw invalidField(field, `'${s}' is not one of: ${list.join(', ')}`);
    return v;
  };
  /** A typed day: YYYY-MM-DD or the Polish DD.MM.YYYY, a real day between 1900 and 2200. */
  const day = (s) => {
    const t = String(s).trim();
    const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t);
    const pl = /^(\d{2})\.(\d{2})\.(\d{4})$/.exec(t);
    const [y, mo, d] = iso ? iso.slice(1) : pl ? [pl[3], pl[2], pl[1]] : [];
    const date = y && new Date(Date.UTC(+y, +mo - 1, +d));
    if (!date || date.getUTCMonth() !== +mo - 1 || date.getUTCDate() !== +d || +y < 1900 || +y > 2200) {
      throw { code: 'invalid_date', message: `invalid date '${t}': expected YYYY-MM-DD (or YYYY, YYYY-MM for a birth date)`, field: null };
    }
    return `${y}-${mo}-${d}`;
  };
  const optDay = (s) => (text(s) === null ? null : day(s));
  /** A partial date (a status timeline's from and until): YYYY, YYYY-MM or a day. */
  const optPartial = (s) => (text(s) === null ? null : /^\d{4}(-\d{2})?$/.test(s.trim()) ? s.trim() : day(s));
  /** As the backend's `at`: a bad date in a named field is refused naming the field. */
  const at = (field, read) => {
    try {
      return read();
    } catch (e) {
      if (e.code === 'invalid_date') throw invalidField(field, e.message);
      throw e;
    }
  };
  /** As the backend's `not_before`: `later` may not come before `earlier`, both whole days. */
  const notBefore = (field, earlier, later) => {
    if (earlier && later && earlier.length === 10 && later.length === 10 && later < earlier) throw invalidField(field, `${later} is before ${earlier}`);
  };
  const validPesel = (s) => {
    if (!/^\d{11}$/.test(s)) return false;
    const w = [1, 3, 7, 9, 1, 3, 7, 9, 1, 3];
    const sum = w.reduce((a, x, i) => a + x * +s[i], 0);
    return (10 - (sum % 10)) % 10 === +s[10];
  };
  // The deadline calculator, as crates/model/src/deadlines.rs and holidays.rs count: the limit
  // runs from the day after the event and an end on a Saturday, Sunday or Polish public holiday
  // moves to the next working day; a day the authority or the court named is kept as named.
  const plus = (iso, n) => new Date(Date.parse(`${iso}T00:00:00Z`) + n * 86400000).toISOString().slice(0, 10);
  const easter = (y) => {
    const a = y % 19, b = Math.floor(y / 100), c = y % 100, d = Math.floor(b / 4), e = b % 4, f = Math.floor((b + 8) / 25), g = Math.floor((b - f + 1) / 3);
    const h = (19 * a + b - d - g + 15) % 30, i = Math.floor(c / 4), k = c % 4, l = (32 + 2 * e + 2 * i - h - k) % 7, m = Math.floor((a + 11 * h + 22 * l) / 451);
    const month = Math.floor((h + l - 7 * m + 114) / 31), dayOf = ((h + l - 7 * m + 114) % 31) + 1;
    return `${y}-${String(month).padStart(2, '0')}-${String(dayOf).padStart(2, '0')}`;
  };
  const holidays = (y) => {
    const e = easter(y);
    const list = { [`${y}-01-01`]: 'Nowy Rok', [e]: 'Wielkanoc', [plus(e, 1)]: 'Poniedziałek Wielkanocny', [`${y}-05-01`]: 'Święto Pracy', [`${y}-05-03`]: 'Święto Konstytucji 3 Maja', [plus(e, 49)]: 'Zielone Świątki', [plus(e, 60)]: 'Boże Ciało', [`${y}-08-15`]: 'Wniebowzięcie NMP', [`${y}-11-01`]: 'Wszystkich Świętych', [`${y}-11-11`]: 'Narodowe Święto Niepodległości', [`${y}-12-25`]: 'Boże Narodzenie (pierwszy dzień)', [`${y}-12-26`]: 'Boże Narodzenie (drugi dzień)' };
    if (y >= 2011) list[`${y}-01-06`] = 'Trzech Króli';
    if (y >= 2025) list[`${y}-12-24`] = 'Wigilia Bożego Narodzenia';
    return list;
  };
  const nonWorking = (iso) => {
    const h = holidays(+iso.slice(0, 4))[iso];
    if (h) return `holiday: ${h}`;
    const wd = new Date(`${iso}T00:00:00Z`).getUTCDay();
    return wd === 6 ? 'Saturday' : wd === 0 ? 'Sunday' : null;
  };
  const countDays = (rule, limit, from, uncertain, shift = 'kpa', basis = '') => {
    const nominal = plus(from, limit);
    let due = nominal;
    const moved = [];
    const base = { rule, limit, unit: 'days', shift, from, from_time: null, nominal_due: nominal, due_time: null, basis, rules_version: RULES_VERSION, latest: null, deemed_delivery: null, day_off: null };
    if (shift === 'none') {
      const off = nonWorking(due);
      return { ...base, due, moved_over: [], uncertain, explanation: `${limit} days from ${from} end on ${due}${off ? ', and this limit does not move to the next working day' : ''}`, day_off: off };
    }
    for (let reason; (reason = nonWorking(due)); due = plus(due, 1)) moved.push({ date: due, reason });
    let explanation = `${limit} days from ${from} (counted from the next day) end on ${nominal}`;
    if (moved.length) explanation += `; moved to the next working day ${due} because ${moved.map((m) => `${m.date} is a ${m.reason.replace('holiday: ', 'holiday ')}`).join(', ')}`;
    if (uncertain) explanation += '; the start date is uncertain: this is the earliest possible deadline, counted from the earliest possible start';
    return { ...base, due, moved_over: moved, uncertain, explanation };
  };
  /** compute_deadline and add_deadline: refusals name the field (note, days, due) as the backend's do. */
  const computeDeadline = (input) => {
    const start = day(input.start);
    const named = at('due', () => optDay(input.due));
    const uncertain = !!input.uncertain;
    const custom = input.rule === 'custom-days' || input.rule === 'custom-date';
    if (custom && !text(input.note)) throw invalidField('note', 'say what this deadline is for');
    if (input.rule === 'custom-date') {
      if (!named) throw invalidField('due', 'the day the authority or court set');
      if (named < start) throw invalidField('due', `${named} is before the letter (${start})`);
      const off = nonWorking(named);
      let explanation = `the day set by the authority or the court: ${named}`;
      if (off) explanation += `; it is a ${off.replace('holiday: ', 'holiday ')}: check whether it moves to the next working day`;
      if (uncertain) explanation += '; the date is uncertain';
      return { rule: 'custom-date', limit: Math.round((Date.parse(named) - Date.parse(start)) / 86400000), unit: 'date', shift: 'none', from: start, from_time: null, nominal_due: named, due: named, due_time: null, moved_over: [], uncertain, explanation, deemed_delivery: null, day_off: off ?? null, basis: 'as named by the authority or the court', rules_version: RULES_VERSION, latest: null };
    }
    let count;
    if (input.rule === 'custom-days') {
      const days = input.days;
      if (days === null || days === undefined) throw invalidField('days', 'the limit in days the decision set');
      if (!Number.isInteger(days) || days < 1 || days > 366) throw invalidField('days', 'a limit of 1 to 366 days');
      count = (from) => countDays('custom-days', days, from, uncertain);
    } else {
      const rule = rules.find((r) => r.id === input.rule);
      if (!rule) throw err('unknown_rule', `unknown deadline rule '${input.rule}'`);
      if (rule.unit === 'hours') {
        if (!/^\d{1,2}:\d{2}$/.test(input.time ?? '')) throw invalidField('time', 'the hour of the event: a limit in hours runs from it');
        const end = new Date(Date.parse(`${start}T${input.time.padStart(5, '0')}:00Z`) + rule.limit * 3600000).toISOString();
        const [endDay, endTime] = [end.slice(0, 10), end.slice(11, 16)];
        return { rule: rule.id, limit: rule.limit, unit: 'hours', shift: 'none', from: start, from_time: input.time, nominal_due: endDay, due: endDay, due_time: endTime, moved_over: [], uncertain, explanation: `${rule.limit} hours from ${start} ${input.time} end on ${endDay} at ${endTime}`, deemed_delivery: null, day_off: null, basis: rule.basis, rules_version: RULES_VERSION, latest: null };
      }
      let limit = rule.limit;
      if (rule.min != null) {
        if (!Number.isInteger(input.days)) throw invalidField('days', `the days the decision set (${rule.min} to ${rule.limit})`);
        if (input.days < rule.min || input.days > rule.limit) throw invalidField('days', `${input.days} days: the decision sets ${rule.min} to ${rule.limit} days`);
        limit = input.days;
      }
      count = (from) => countDays(rule.id, limit, from, uncertain, rule.shift, rule.basis);
    }
    if (input.start_latest) {
      const latest = day(input.start_latest);
      const first = count(start);
      const last = count(latest);
      return { ...first, uncertain: true, latest: { from: last.from, due: last.due, due_time: last.due_time } };
    }
    if (!input.first_notice) return count(start);
    const delivered = plus(start, 14);
    const due = count(delivered);
    return { ...due, explanation: `letter not collected: first notice ${start}, deemed delivered ${delivered} (KPA art. 44 §4, 14 days at the post office); ${due.explanation}`, deemed_delivery: delivered };
  };
  /** Collections given in an update are merged: an entry with a known id replaces it, one without is added. */
  const merge = (list, entry) => {
    const i = list.findIndex((x) => x.id === entry.id);
    if (i >= 0) list[i] = entry;
    else list.push(entry);
  };

  function needUnlocked() {
    if (!state.unlocked) throw err('locked', 'the store is locked');
  }

  // The organisation's projects and group activities (crates/core/src/organisation.rs,
  // activities.rs): a project must exist, not be archived and run on the day.
  state.projects = scenario.projects ?? [];
  state.activities = scenario.activities ?? [];
  const SENSITIVE = ['illness_or_disability', 'torture_survivor', 'lgbt', 'pregnancy'];
  const sensitiveVisible = () => state.role === null || ['lawyer', 'psychologist'].includes(state.role);
  const PROCESSING_PURPOSES = ['legal_aid', 'representation', 'social_support', 'psychological_support', 'referral', 'contact'];
  const LEGAL_BASES = ['consent', 'contract', 'legal_obligation', 'vital_interest', 'legitimate_interest', 'legal_claims'];
  const ACTIVITY_KINDS = ['course', 'training', 'info_session', 'hotline', 'border_intervention', 'outreach', 'other'];
  const COMMON_LANGUAGES = ['pl', 'uk', 'ru', 'en', 'be', 'ka', 'prs', 'fa', 'ps', 'ar'];
  const mayChangeSettings = () => state.role === null || state.role === 'coordinator';
  state.controller = scenario.controller ?? { legal_name: '', address: null, contact: null, registry: null, dpo: null };
  const orgSettings = () => ({ organisation: 'Fundacja', controller: state.controller, projects: state.projects.map((p) => ({ ...p, used: state.activities.filter((a) => a.project === p.code).length })), editable: mayChangeSettings() });
  const checkProject = (code, date) => {
    if (!code) return;
    const p = state.projects.find((x) => x.code === code);
    if (!p) throw invalidField('project', `'${code}' is not a project of this organisation`);
    if (p.archived) throw invalidField('project', `project '${code}' is archived`);
    if ((p.from && date < p.from) || (p.until && date > p.until)) throw invalidField('project', `project '${code}' runs ${p.from ?? ''} – ${p.until ?? ''}, not on ${date}`);
  };
  const activityOf = (input, id) => {
    if (!ACTIVITY_KINDS.includes(input.kind)) throw invalidField('activity kind', `'${input.kind}' is not one of: ${ACTIVITY_KINDS.join(', ')}`);
    if (!input.topic.trim()) throw invalidField('topic', 'is empty');
    if (!(input.participants >= 1 && input.participants <= 5000)) throw invalidField('headcount.participants', 'must be between 1 and 5000');
    if ((input.female ?? 0) + (input.male ?? 0) > input.participants) throw invalidField('headcount.female', 'women and men are more than all participants');
    if ((input.children ?? 0) > input.participants) throw invalidField('headcount.children', 'more children than participants');
    if (input.place.kind === 'point' && !input.place.city.trim()) throw invalidField('place.city', 'is empty');
    checkProject(input.project, input.date);
    return { id, organisation: 'Fundacja', kind: input.kind, date: input.date, place: input.place, project: input.project, topic: input.topic.trim(), participants: input.participants, female: input.female, male: input.male, children: input.children, duration_minutes: input.duration_minutes, staff: input.staff, note: input.note };
  };

  const handlers = {
    app_info: () => ({ version: '0.1.0', data_dir: '/home/test/.local/share/punkt', store_exists: state.storeExists, unlocked: state.unlocked, settings: state.settings, languages: ['pl', 'en', 'uk', 'ru'], autolock_choices: [1, 2, 5, 10, 15, 30, 60], memory_hardened: state.memoryHardened }),
    save_settings: ({ settings }) => { state.settings = settings; state.memoryHardened ||= settings.hardened_memory; return null; },
    // As the real one: 12 characters and a score of 3 (here: the length stands for it).
    passphrase_strength: ({ passphrase }) => {
      const score = Math.min(4, Math.floor(passphrase.length / 5));
      return { score, long_enough: passphrase.length >= 12, guesses_log10: passphrase.length, acceptable: passphrase.length >= 12 && score >= 3 };
    },
    create_store: ({ passphrase }) => {
      if (passphrase.length < 15) throw err('weak_passphrase', 'passphrase too weak');
      state.storeExists = true; state.unlocked = true; state.passphrase = passphrase; return null;
    },
    unlock: ({ passphrase }) => {
      if (passphrase !== state.passphrase) throw err('wrong_passphrase', 'wrong passphrase');
      state.unlocked = true; return null;
    },
    lock: () => { state.unlocked = false; return null; },
    touch: () => null,
    change_passphrase: ({ old, new: next, rotateKey }) => {
      if (old !== state.passphrase) throw err('wrong_passphrase', 'wrong passphrase');
      if (next.length < 15) throw err('weak_passphrase', 'passphrase too weak');
      state.passphrase = next; state.keyRotated = !!rotateKey;
      if (!rotateKey) return null;
      // The phases as the real rotation reports them, a moment apart.
      return ['unlock', 'reencrypt', 'key_file', 'done'].reduce(
        (p, phase) => p.then(() => { window.__PUNKT_EMIT__('punkt://key-rotation', { phase, bytes: 52428800 }); return new Promise((r) => setTimeout(r, 500)); }),
        Promise.resolve(),
      ).then(() => null);
    },
    set_author: ({ name }) => { state.author = text(name); return null; },
    home: () => { needUnlocked(); return { organisation: 'Fundacja', author: state.author, today, board: board.slice(0, 50), board_total: board.length, urgent_days: 3, recent: Object.values(state.clients).map(summary), conflicted: Object.values(state.clients).filter((c) => c.conflicts.length).map(summary), sync: { enrolment: state.enrolment, pending_documents: 2, cursor: 0, last_sync: null }, clients: Object.keys(state.clients).length }; },
    deadline_board: ({ limit }) => ({ entries: board.slice(0, limit), total: board.length }),
    vocabulary: () => ({ sexes: ['female', 'male', 'other', 'unknown'], services: ['legal', 'psychological', 'social'], legal_statuses: ['asylum_seeker', 'detained', 'refugee_status', 'temporary_residence', 'return_procedure'], status_tracks: TRACKS, residence_purposes: RESIDENCE_PURPOSES, vulnerabilities: VULNERABILITIES, sensitive_vulnerabilities: SENSITIVE, activity_kinds: ACTIVITY_KINDS, processing_purposes: PROCESSING_PURPOSES, legal_bases: LEGAL_BASES, common_languages: COMMON_LANGUAGES, matter_kinds: ['return'], matter_statuses: MATTER_STATUSES, identifier_kinds: IDENTIFIER_KINDS, cities: ['Lublin', 'Warszawa'], centres: CENTRES, deadline_rules: rules, rule_book: { version: RULES_VERSION, serial: 1, published: '2026-12-05' } }),
    search: ({ query }) => {
      needUnlocked();
      const q = query.toLowerCase();
      // The real search folds scripts and spellings; the fake knows two spellings of each.
      const spellings = { c1: ['taras', 'shevchenko', 'szewczenko', 'шевченко', 'тарас'], c2: ['olena', 'kovalenko', 'коваленко'] };
      return Object.values(state.clients)
        .filter((c) => (spellings[c.id] ?? [c.person.family_name.toLowerCase()]).some((s) => s.startsWith(q) || q.split(' ').some((w) => w && s.startsWith(w))))
        .map((c) => ({ id: c.id, display_name: c.display_name, score: 1, birth_date: c.person.birth_date, citizenship: 'UA' }));
    },
    client: ({ id }) => {
      needUnlocked();
      const c = state.clients[id];
      if (!c) throw err('unknown_client', `no client file with id ${id}`);
      // Sensitive flags are in the medical section: only its roles see them (sections.rs).
      const visible = sensitiveVisible();
      return { ...c, sensitive_visible: visible, vulnerabilities: visible ? c.vulnerabilities : c.vulnerabilities.filter((v) => !SENSITIVE.includes(v)) };
    },
    client_history: () => [{ hash: 'h1', time: `${today}T10:00:00Z`, author: 'Anna', device: 'ab12cd34', this_device: true, sections: ['person', 'consultations'] }],
    likely_same_as: () => state.likelySame,
    compute_deadline: ({ input }) => computeDeadline(input),
    intake: ({ input }) => {
      const bad = (input.citizenships ?? []).find((c) => !/^[A-Z]{2}$/.test(c));
      if (bad) throw { code: 'invalid_input', message: `invalid citizenships: '${bad}' is not an ISO 3166 alpha-2 country code`, field: 'citizenships' };
      const id = `c${Object.keys(state.clients).length + 1}`;
      state.clients[id] = client(id, input.given_names ?? '', input.family_name ?? '', input.names_original ?? '- -', input.birth_date ?? '');
      return { id, likely_same: state.likelySame };
    },
    update_client: ({ id, input }) => {
      const c = state.clients[id];
      // As the backend: a key that is absent or null leaves the field; "" clears it.
      // Checked and built whole before any of it is applied: a refused update changes nothing.
      const identifiers = (input.identifiers ?? []).map((i) => {
        const number = String(i.number ?? '').trim();
        if (!number) throw invalidField('identifiers.number', 'is empty');
        const kind = oneOf(IDENTIFIER_KINDS, 'identifier kind', i.kind);
        if (kind === 'pesel' && !validPesel(number)) throw invalidField('identifiers.number', 'not a valid PESEL (11 digits with a check digit)');
        return { id: i.id ?? `i${nextId++}`, kind, number, issued_by: text(i.issued_by), valid_until: at('identifiers.valid_until', () => optDay(i.valid_until)) };
      });
      const statuses = (input.legal_status ?? []).map((s) => {
        const centre = text(s.centre);
        if (centre && !CENTRES.includes(centre)) throw invalidField('centre', `'${centre}' is not a known guarded centre`);
        const from = at('legal_status.from', () => optPartial(s.from));
        const until = at('legal_status.until', () => optPartial(s.until));
        notBefore('legal_status.until', from, until);
        const status = oneOf(LEGAL_STATUSES, 'legal status', s.status);
        const purpose = text(s.purpose);
        if (purpose && !PURPOSE_STATUSES.includes(status)) throw invalidField('legal_status.purpose', `a purpose is recorded for a residence permit, not for '${status}'`);
        return { id: s.id ?? `s${nextId++}`, status, track: TRACKS[status] ?? 'residence', from, until, centre, purpose: purpose ? oneOf(RESIDENCE_PURPOSES, 'residence purpose', purpose) : null, note: text(s.note) };
      });
      // Given, the list is the whole set (those left out are removed); absent, nothing changes.
      const vulnerabilities = input.vulnerabilities == null ? null : input.vulnerabilities.map((v) => oneOf(VULNERABILITIES, 'vulnerability', v));
      const consents = (input.consents ?? []).map((k) => {
        const language = String(k.language ?? '').trim().toLowerCase();
        if (!LANGUAGE_CODES.includes(language)) throw invalidField('consents.language', `'${k.language}' is not an ISO 639-1 language code`);
        const clause = String(k.clause ?? '').trim();
        if (!clause) throw invalidField('consents.clause', 'say which clause the person was given');
        const givenOn = at('consents.given_on', () => day(k.given_on ?? ''));
        const withdrawnOn = at('consents.withdrawn_on', () => optDay(k.withdrawn_on));
        notBefore('consents.withdrawn_on', givenOn, withdrawnOn);
        // As the backend: a new consent recorded without saying by whom was recorded by this
        // laptop's author; one sent with its id keeps what was sent.
        const recordedBy = text(k.recorded_by) ?? (k.id ? null : state.author);
        return { id: k.id ?? `k${nextId++}`, clause, language, given_on: givenOn, recorded_by: recordedBy, legal_basis: text(k.legal_basis), withdrawn_on: withdrawnOn };
      });
      // Legal bases of processing, checked as crates/core/src/processing.rs does.
      const processing = (input.processing ?? []).map((b) => {
        const purpose = oneOf(PROCESSING_PURPOSES, 'processing purpose', b.purpose);
        const basis = oneOf(LEGAL_BASES, 'legal basis', b.basis);
        const since = at('processing.since', () => day(b.since ?? ''));
        const endedOn = at('processing.ended_on', () => optDay(b.ended_on));
        if (endedOn && endedOn < since) throw invalidField('processing.ended_on', 'ends before it starts');
        const consentId = text(b.consent_id);
        if (basis === 'consent' && !consentId) throw invalidField('processing.consent_id', 'a basis of consent names the consent the person gave');
        if (basis !== 'consent' && consentId) throw invalidField('processing.consent_id', 'only a basis of consent names a consent');
        const consent = consentId ? c.consents.find((k) => k.id === consentId) : null;
        if (consentId && !consent) throw invalidField('processing.consent_id', `no consent ${consentId} in this file`);
        if (purpose === 'psychological_support' && !['consent', 'vital_interest', 'legal_claims'].includes(basis)) throw invalidField('processing.basis', 'psychological support processes health data');
        return { id: b.id ?? `b${nextId++}`, purpose, basis, articles: '', since, consent_id: consentId, ended_on: endedOn, recorded_by: text(b.recorded_by), note: text(b.note) };
      });
      const matters = (input.matters ?? []).map((m) => {
        const id = m.id ?? `m${nextId++}`;
        const opened = at('matters.opened', () => optDay(m.opened));
        const closed = at('matters.closed', () => optDay(m.closed));
        notBefore('matters.closed', opened, closed);
        // Sent without a status, a known matter keeps its state and a new one is open.
        const status = m.status == null ? (c.matters.find((x) => x.id === id)?.status ?? 'open') : oneOf(MATTER_STATUSES, 'matter status', m.status);
        return { id, kind: m.kind, authority: text(m.authority), reference: text(m.reference), status, opened, closed, note: text(m.note) };
      });
      if (typeof input.summary === 'string') c.summary = input.summary;
      if (typeof input.family_name === 'string') c.person.family_name = input.family_name;
      if (typeof input.given_names === 'string') c.person.given_names = input.given_names;
      if (typeof input.birth_date === 'string') c.person.birth_date = input.birth_date || null;
      c.display_name = `${c.person.given_names} ${c.person.family_name}`;
      identifiers.forEach((i) => merge(c.person.identifiers, i));
      statuses.forEach((s) => merge(c.legal_status, s));
      // Each track's entry in force today: started, not ended, the latest start (client.rs).
      const inForce = (tr) => c.legal_status.filter((s) => s.track === tr && (s.from ?? '') <= today && !(s.until && s.until < today)).sort((a, b) => (a.from ?? '').localeCompare(b.from ?? '')).at(-1)?.status;
      c.statuses_in_force = ['residence', 'detention', 'return', 'dublin'].map(inForce).filter(Boolean);
      c.current_status = inForce('residence') ?? null;
      // The set given replaces the recorded one (a kept flag keeps its record, in the backend).
      if (vulnerabilities && !sensitiveVisible()) {
        const asked = vulnerabilities.filter((v) => SENSITIVE.includes(v));
        if (asked.length) throw err('forbidden', `${asked.join(', ')} are recorded only by psychologist, lawyer`);
        vulnerabilities.push(...c.vulnerabilities.filter((v) => SENSITIVE.includes(v)));
      }
      if (vulnerabilities) c.vulnerabilities = [...new Set(vulnerabilities)].sort(); // a map by code there
      consents.forEach((k) => merge(c.consents, k));
      processing.forEach((b) => merge(c.processing, b));
      for (const b of c.processing) {
        const withdrawn = b.consent_id ? c.consents.find((k) => k.id === b.consent_id)?.withdrawn_on ?? null : null;
        b.consent_withdrawn_on = withdrawn;
        b.in_force = b.since <= today && !(b.ended_on && b.ended_on < today) && !(withdrawn && withdrawn <= today);
      }
      matters.forEach((m) => merge(c.matters, m));
      return handlers.client({ id });
    },
    add_consultation: ({ id, input }) => { checkProject(input.project, input.date); state.clients[id].consultations.push({ id: `k${nextId++}`, organisation: 'Fundacja', staff: null, matter_id: null, language: null, duration_minutes: null, ...input }); return 'k'; },
    add_deadline: ({ id, input }) => {
      if (scenario.failDeadlineOnce && !state.deadlineFailed) {
        state.deadlineFailed = true;
        throw err('io', 'disk full');
      }
      const due = computeDeadline(input);
      const file = state.clients[id];
      if (!file) throw err('unknown_client', `no client file with id ${id}`);
      const deadline = { id: `d${nextId++}`, rule: due.rule, from: due.from, due: due.due, uncertain: due.uncertain, due_time: due.due_time, due_latest: due.latest?.due ?? null, rules_version: due.rules_version, done: false, matter_id: input.matter_id ?? null, note: text(input.note) };
      file.deadlines.push(deadline);
      file.deadlines.sort((a, b) => a.due.localeCompare(b.due) || a.id.localeCompare(b.id));
      return { id: deadline.id, client_id: id, ...due };
    },
    // One person of a visit, as crates/core/src/visit.rs: checked whole first, then one write.
    record_visit: ({ input }) => {
      if (input.deadline) {
        if (scenario.failDeadlineOnce && !state.deadlineFailed) {
          state.deadlineFailed = true;
          throw err('io', 'disk full');
        }
        computeDeadline(input.deadline);
      }
      if (!CENTRES.includes(input.centre)) throw invalidField('place.centre', `'${input.centre}' is not a known guarded centre`);
      let id = input.client_id;
      let likely_same = [];
      if (!id) {
        ({ id, likely_same } = handlers.intake({ input: { ...input.person, legal_status: [{ status: 'detained', from: input.date, centre: input.centre }] } }));
      }
      const consultation_id = `k${nextId++}`;
      state.clients[id].consultations.push({ id: consultation_id, organisation: 'Fundacja', staff: null, matter_id: null, language: null, duration_minutes: null, interpreter: false, project: null, date: input.date, place: { kind: 'centre', centre: input.centre }, services: input.services, note: input.note });
      const deadline = input.deadline ? handlers.add_deadline({ id, input: input.deadline }) : null;
      return { client_id: id, consultation_id, deadline, likely_same };
    },
    set_deadline_done: () => null,
    duplicates: () => (state.merged ? [] : [{ a: summary(state.clients.c1), b: summary(state.clients.c2), score: 0.85, reasons: ['similar_names', 'birth_date'] }]),
    access_request: ({ lang }) => [{ path: `/home/test/Downloads/punkt-access.json`, bytes: 10 }, { path: `/home/test/Downloads/punkt-access-${lang}.html`, bytes: 10 }],
    merge_clients: ({ keep, other }) => { state.merged = { keep, other }; return { kept: keep, merged: other, added: { consultations: 1 } }; },
    erasure_plan: ({ id }) => ({ client_id: id, display_name: state.clients[id].display_name, documents: 3, merged_files: 0, open_matters: 1, open_deadlines: 2 }),
    erase_client: ({ id }) => { delete state.clients[id]; return { client_id: id, documents: [id, 'a1', 's1'], merged_files: [], open_matters: 1, open_deadlines: 2 }; },
    role: () => state.role,
    set_local_role: ({ role }) => {
      if (scenario.enrolled) throw err('forbidden', 'not allowed: this laptop is enrolled: its role is the one the server gave');
      if (!ROLES.includes(role)) throw err('invalid_input', `unknown role '${role}'`);
      state.role = role;
      return null;
    },
    section: ({ sectionId }) => {
      const s = state.clients.c1.sections.find((x) => x.id === sectionId);
      if (!s || !s.readable) throw err('forbidden', 'not allowed: the psychological section is for psychologist only');
      return { id: s.id, client_id: 'c1', section: s.section, created_at: s.created_at, notes: [{ id: 'n1', date: '2026-11-03', text: 'sleeping better', written_at: '2026-11-03T10:00:00Z', author: 'Pola' }] };
    },
    add_section_note: () => { throw err('forbidden', 'not allowed: the psychological section is for psychologist only'); },
    stale_tally_months: () => scenario.staleMonths ?? [],
    referrals: () => state.referrals,
    organisations: () => scenario.organisations ?? [],
    refer: ({ clientId, input }) => {
      const members = scenario.organisations ?? [];
      if (members.length && !members.includes(input.to_organisation)) throw err('invalid_input', `invalid input: to_organisation: '${input.to_organisation}' is not a member organisation (members: ${members.join(', ')})`);
      const consent = state.clients[clientId].consents.find((k) => k.id === input.consent_id);
      if (!consent) throw err('invalid_input', "invalid input: consent_id: record the person's consent to the referral in the file first");
      if (consent.withdrawn_on) throw err('invalid_input', 'invalid input: consent_id: that consent was withdrawn');
      const r = { id: `r${nextId++}`, to_organisation: input.to_organisation, service: input.service, created_at: `${today}T10:00:00Z` };
      state.clients[clientId].referrals.push(r);
      return { ...r, direction: 'outgoing', from_organisation: 'Fundacja', status: 'sent', reason: input.reason, consent_clause: consent.clause, consent_given_on: consent.given_on, given_names: 'Taras', family_name: 'Shevchenko', names_original: null, birth_date: null, citizenships: [], languages: [], phone: null, events: [] };
    },
    discard_referral: ({ clientId, referralId }) => {
      const refs = state.clients[clientId].referrals;
      const r = refs.find((x) => x.id === referralId);
      if (!r) throw err('invalid_input', `invalid input: the file ${clientId} made no referral ${referralId}`);
      if (r.to_organisation !== 'Fundacja Nieznana') throw err('referral_on_server', `the server has referral ${referralId}, so the other organisation may have it: withdraw it instead`);
      state.clients[clientId].referrals = refs.filter((x) => x.id !== referralId);
      return null;
    },
    respond_referral: ({ id, status, note }) => {
      const r = state.referrals.find((x) => x.id === id);
      r.status = status;
      r.events.push({ at: `${today}T11:00:00Z`, organisation: r.to_organisation, status, note, author: null });
      return r;
    },
    consortium_key_id: () => state.consortiumKeyId,
    new_consortium_key: () => {
      const key = Array.from({ length: 64 }, (_, i) => '0123456789abcdef'[(i * 7 + 3) % 16]).join('');
      state.consortiumKeyId = keyIdOf(key);
      return { key, key_id: state.consortiumKeyId };
    },
    set_consortium_key: ({ key }) => {
      if (!/^[0-9a-f]{64}$/.test(key)) throw err('invalid_input', 'a consortium key is 64 hexadecimal digits (0-9, a-f)');
      state.consortiumKeyId = keyIdOf(key);
      return state.consortiumKeyId;
    },
    send_consortium_tally: ({ from, to }) => {
      if (!state.consortiumKeyId) throw err('invalid_input', 'no consortium key on this laptop');
      if (!monthOk(from) || !monthOk(to) || from > to) throw err('invalid_input', 'months are YYYY-MM, from before to');
      if (scenario.consortiumError) throw err(scenario.consortiumError, `the server refused: ${scenario.consortiumError}`);
      return months(from, to).map((month, i) => ({ month, people: 10 + ((i * 3) % 7) }));
    },
    consortium_count: ({ from, to }) => {
      if (!monthOk(from) || !monthOk(to) || from > to) throw err('invalid_input', 'months are YYYY-MM, from before to');
      if (scenario.consortiumError) throw err(scenario.consortiumError, `the server refused: ${scenario.consortiumError}`);
      const all = months(from, to);
      return {
        from, to,
        // As the server sends them: by service name, "all" among them.
        services: [
          { service: 'legal', unique_people: 41, sum_of_organisations: 47, in_several_organisations: 6, per_organisation: [['Fundacja', 30], ['Fundacja B', 17]] },
          { service: 'all', unique_people: 52, sum_of_organisations: 61, in_several_organisations: 8, per_organisation: [['Fundacja', 35], ['Fundacja B', 20], ['Stowarzyszenie C', 6]] },
          { service: 'psychological', unique_people: 12, sum_of_organisations: 14, in_several_organisations: 2, per_organisation: [['Fundacja B', 8], ['Stowarzyszenie C', 6]] },
        ],
        contributions: [
          { organisation: 'Fundacja', months: all, missing_months: [], last_sent: `${today}T09:00:00Z` },
          { organisation: 'Fundacja B', months: all.slice(0, -2), missing_months: all.slice(-2), last_sent: '2026-03-02T12:00:00Z' },
          { organisation: 'Stowarzyszenie C', months: all, missing_months: [], last_sent: '2026-04-01T08:00:00Z' },
        ],
      };
    },
    retention_rule: () => state.retentionRule,
    set_retention_rule: ({ rule }) => {
      coordinatorOnly();
      if (rule && (rule.closed_years < 1 || rule.closed_years > 50)) throw err('invalid_input', 'a retention period is 1 to 50 years');
      if (rule && !['erase', 'anonymise'].includes(rule.action)) throw err('invalid_input', 'unknown action');
      state.retentionRule = rule;
      return null;
    },
    run_retention: async ({ apply }) => {
      // A large store: the run takes a while (a preview's stop is the UI's).
      if (scenario.slowRetention) await new Promise((r) => setTimeout(r, scenario.slowRetention));
      const rule = state.retentionRule;
      if (!rule) throw err('invalid_input', 'no retention rule is set for this organisation');
      if (apply) coordinatorOnly();
      const d = new Date();
      d.setFullYear(d.getFullYear() - rule.closed_years);
      const cutoff = d.toISOString().slice(0, 10);
      const old = state.retentionFiles.filter((f) => f.last_activity < cutoff);
      const item = (f) => ({ id: f.id, last_activity: f.last_activity });
      const due = old.filter((f) => !f.open).map(item);
      const report = { rule, run_at: `${today}T12:00:00Z`, cutoff, applied: apply, examined: state.retentionFiles.length, due, kept_open: old.filter((f) => f.open).map(item), erased: [], anonymised: [], last_sync: scenario.retentionLastSync ?? null, sync_required: !!scenario.retentionSyncRequired };
      if (apply && report.sync_required) throw err('sync_first', 'sync first: the rule decides on the files on this laptop');
      if (apply && scenario.slowApply) {
        // As the backend: a Stop while the files are examined ends the run with nothing
        // changed; once it writes, a Stop is heard but the run goes to its end.
        const stopped = await new Promise((resolve) => {
          state.cancelSync = () => resolve(true);
          setTimeout(() => resolve(false), scenario.slowApply.examine);
        });
        state.cancelSync = null;
        if (stopped) throw err('cancelled', 'stopped at your request; what was done is kept, the rest comes next time');
        state.cancelSync = () => {};
        await new Promise((resolve) => setTimeout(resolve, scenario.slowApply.write));
        state.cancelSync = null;
      }
      if (apply) {
        for (const f of due) {
          if (rule.action === 'anonymise') report.anonymised.push({ from: f.id, to: `anon-${f.id}` });
          else report.erased.push(f.id);
        }
        const gone = new Set(due.map((f) => f.id));
        state.retentionFiles = state.retentionFiles.filter((f) => !gone.has(f.id));
      }
      return report;
    },
    file_audit: ({ id }) => {
      needUnlocked();
      if (!state.clients[id]) throw err('unknown_client', `no client file with id ${id}`);
      const server = [
        { at: '2026-11-03T09:15:00Z', source: 'server', action: 'read', who: 'pola', organisation: 'Fundacja', device: 'dev-7f3a', detail: 'received by device dev-7f3a', parts: [] },
        { at: '2026-11-05T14:02:00Z', source: 'server', action: 'export', who: 'anna', organisation: 'Fundacja', device: 'dev-1b2c', detail: 'access request (uk)', parts: [] },
      ];
      const laptop = [{ at: '2026-11-06T08:30:00Z', source: 'laptop', action: 'merge', who: 'Anna', organisation: 'Fundacja', device: null, detail: `merged c9 into ${id}`, parts: [] }];
      const history = [{ at: '2026-11-01T10:00:00Z', source: 'history', action: 'change', who: 'Anna', organisation: null, device: 'ab12cd34', detail: '', parts: ['person', 'consultations'] }];
      // Not in order: the screen shows the newest first whatever it gets.
      const lines = scenario.auditUnavailable ? [...history, ...laptop] : [...history, ...server, ...laptop];
      return { id, lines, server_unavailable: scenario.auditUnavailable ?? null };
    },
    server_audit: () => {
      if (scenario.serverAuditError) throw err(scenario.serverAuditError, `refused: ${scenario.serverAuditError}`);
      return [
        { at: '2026-11-04T11:00:00Z', action: 'sync', user: 'anna', organisation: 'Fundacja', device_id: 'dev-1b2c', doc_id: null, detail: 'sent 3, received 5' },
        { at: '2026-11-06T16:20:00Z', action: 'refused', user: 'marek', organisation: 'Fundacja', device_id: 'dev-99aa', doc_id: 'c2', detail: 'psychological section for psychologist only' },
        { at: '2026-11-05T10:00:00Z', action: 'consortium_count', user: 'anna', organisation: 'Fundacja', device_id: 'dev-1b2c', doc_id: null, detail: '2026-01..2026-10' },
      ];
    },
    resolve_conflict: ({ id }) => { state.clients[id].conflicts = []; return []; },
    add_attachment: () => { throw err('invalid_input', 'the file is not a photo or scan Punkt can keep'); },
    attachment: ({ attachmentId }) => {
      if (!scenario.pdf) throw err('not_received', 'not here yet');
      return { attachment: { id: attachmentId, name: 'decyzja.pdf', mime: 'application/pdf', size: 400, added_at: `${today}T10:00:00Z`, added_by: 'Anna' }, data: scenario.pdf };
    },
    save_draft: ({ name, draft }) => { state.drafts[name] = draft; return null; },
    draft: ({ name }) => state.drafts[name] ?? null,
    delete_draft: ({ name }) => { delete state.drafts[name]; return null; },
    report: async ({ options }) => {
      // A report over years that takes a while (the stop is the UI's).
      if (scenario.slowReport) await new Promise((r) => setTimeout(r, scenario.slowReport));
      const bounds = options.age_bands ?? [0, 5, 12, 18, 60];
      if (bounds[0] !== 0) throw invalidField('age_bands', 'the first band starts at 0');
      const labels = bounds.map((lo, i) => (i + 1 < bounds.length ? `${lo}-${bounds[i + 1] - 1}` : `${lo}+`));
      const acts = state.activities.filter((a) => !options.project || a.project === options.project);
      const sum = (k) => acts.reduce((s, a) => s + (a[k] ?? 0), 0);
      const byKind = [...new Set(acts.map((a) => a.kind))].map((k) => {
        const of = acts.filter((a) => a.kind === k);
        const n = (f) => of.reduce((s, a) => s + (a[f] ?? 0), 0);
        return { dimension: 'activity_kind', value: k, count: { activities: of.length, participants: n('participants'), female: n('female'), male: n('male'), children: n('children') } };
      });
      return { sensitive_counted: !['counsellor', 'coordinator'].includes(state.role), from: '2025-01-01', to: today, age_bands: labels, project: options.project ?? null, total: { people: 3, consultations: 5 }, rows: [
        { dimension: 'service', value: 'legal', service: 'legal', people: 3, consultations: 4 },
        { dimension: 'service', value: 'social', service: 'social', people: 1, consultations: 1 },
        { dimension: 'sex', value: 'female', service: 'all', people: 1, consultations: 2 },
        { dimension: 'age_band', value: labels[1] ?? labels[0], service: 'all', people: 2, consultations: 3 },
        { dimension: 'language', value: 'prs', service: 'all', people: 2, consultations: 3 },
        { dimension: 'language', value: 'fa', service: 'all', people: 1, consultations: 2 },
        { dimension: 'vulnerability', value: 'torture_survivor', service: 'all', people: 1, consultations: 2 },
        { dimension: 'vulnerability', value: 'none', service: 'all', people: 2, consultations: 3 },
      ], activities: { activities: acts.length, participants: sum('participants'), female: sum('female'), male: sum('male'), children: sum('children') }, activity_rows: byKind };
    },
    org_settings: () => orgSettings(),
    put_project: ({ input }) => {
      if (!mayChangeSettings()) throw err('forbidden', "only a coordinator changes the organisation's projects");
      if (!/^[A-Za-z0-9._-]{1,32}$/.test(input.code.trim())) throw invalidField('project.code', "use 1 to 32 letters, digits, '-', '_' or '.'");
      if (!input.name.trim()) throw invalidField('project.name', 'is empty');
      if (input.from && input.until && input.until < input.from) throw invalidField('project.until', 'ends before it starts');
      const p = { code: input.code.trim(), name: input.name.trim(), funder: input.funder, from: input.from, until: input.until, archived: input.archived };
      state.projects = [...state.projects.filter((x) => x.code !== p.code), p].sort((a, b) => a.code.localeCompare(b.code));
      return orgSettings();
    },
    put_controller: ({ input }) => {
      if (!mayChangeSettings()) throw err('forbidden', "only a coordinator changes the organisation's settings");
      state.controller = { ...input };
      return orgSettings();
    },
    gdpr_document: ({ which, lang }) => {
      if (!['record', 'dpia'].includes(which)) throw err('invalid_input', `'${which}' is not record or dpia`);
      return { path: `/home/test/Downloads/punkt-${which === 'record' ? 'rejestr-czynnosci-przetwarzania' : 'ocena-skutkow-dpia'}-${lang}.html`, bytes: 2000 };
    },
    activities: ({ from, to }) => state.activities.filter((a) => a.date >= from && a.date <= to).sort((a, b) => b.date.localeCompare(a.date)).map((a) => ({ ...a, staff: null, note: '' })),
    activity: ({ id }) => {
      const a = state.activities.find((x) => x.id === id);
      if (!a) throw err('invalid_input', `no group activity ${id}`);
      return a;
    },
    record_activity: ({ input }) => {
      const a = activityOf(input, `act${nextId++}`);
      state.activities.push(a);
      return a;
    },
    update_activity: ({ id, input }) => {
      const a = activityOf(input, id);
      state.activities = state.activities.map((x) => (x.id === id ? a : x));
      return a;
    },
    remove_activity: ({ id }) => { state.activities = state.activities.filter((x) => x.id !== id); return null; },
    export_report: ({ format, options }) => ({ path: `/home/test/Downloads/punkt-report${options.project ? `-${options.project}` : ''}.${format}`, bytes: 100 }),
    sync_status: () => ({ enrolment: state.enrolment, pending_documents: 2, cursor: 0, last_sync: null, check_code: state.enrolment ? '482 913' : null, holds_keys: !scenario.noKeys }),
    enroll: () => { throw err('server_unreachable', 'cannot reach the sync server: connection refused'); },
    sync_now: async () => {
      if (!scenario.syncSummary) throw err('not_enrolled', 'not enrolled');
      // A first sync that takes long: it says what it does, and waits until cancelled.
      if (scenario.slowSync) {
        window.__PUNKT_EMIT__('punkt://sync-progress', { phase: 'receive', done: 1200, total: 10000 });
        await new Promise((resolve) => { state.cancelSync = resolve; });
        state.cancelSync = null;
        throw err('cancelled', 'stopped at your request; what was done is kept, the rest comes next time');
      }
      // A newer rule book brought by the sync adds its rules to what the laptop offers.
      if (scenario.syncSummary.rule_book && !rules.some((r) => r.id === 'pesel-ukr-absence')) {
        rules.push(rule('pesel-ukr-absence', 'ukraine', 30, 'days', 'none', names('Wyjazd z Polski na ponad 30 dni: utrata statusu UKR', 'Leaving Poland for over 30 days: UKR status lost'), 'ustawa o pomocy obywatelom Ukrainy art. 11 ust. 2'));
      }
      return { sent: 1, received: 0, new_documents: 0, reconciled: 0, refused: [], erasures_sent: 0, erased: [], events_sent: 0, events_error: null, directory_error: null, tallies_resent: 0, tally_error: null, round_trips: 3, bytes_sent: 100, bytes_received: 100, pending_after: 0, cursor: 7, duration_ms: 40, finished_at: `${today}T12:00:00Z`, awaiting_keys: null, migrated: 0, keys_given: 0, compacted: 0, keys_rotated: 0, keys_rewrapped: 0, waiting_for_keys: [], org_keys_refused: [], rule_book: null, rule_book_error: null, ...scenario.syncSummary };
    },
    // Team management (coordinators), answered as the server does (crates/core/src/team.rs).
    team: () => teamOf(),
    // End-to-end keys (crates/core/src/keys.rs): laptops waiting, given only with their code.
    keys_waiting: () => ({ check_code: '482 913', org_keys: [
      { organisation: 'Fundacja', epoch: 2, fingerprint: '3f9a 0c21 77e4 b810 5d2e 9a6c 01f7 e3b2', own: true },
      { organisation: 'Stowarzyszenie Interwencji Prawnej', epoch: 1, fingerprint: 'a41c 6e09 d2f3 8b75 0e6a 4c19 b7d2 55f0', own: false },
    ], waiting: state.waitingForKeys ?? (state.waitingForKeys = [...(scenario.waitingForKeys ?? [])]) }),
    // A rule book published as crates/core/src/rule_book.rs does: it must read, and be newer.
    publish_rule_book: ({ book }) => {
      let parsed;
      try {
        parsed = JSON.parse(book);
      } catch (e) {
        throw invalidField('rule book', e.message);
      }
      if (typeof parsed.serial !== 'number' || !parsed.version) throw invalidField('rule book', 'missing field `serial`');
      const current = state.ruleBook ?? { version: RULES_VERSION, serial: 1, published: '2026-12-05' };
      if (parsed.serial <= current.serial) throw err('rule_book_not_newer', `rule book serial ${parsed.serial} is not newer than the one the server holds`);
      state.ruleBook = { version: parsed.version, serial: parsed.serial, published: parsed.published };
      return state.ruleBook;
    },
    give_keys: ({ deviceId, checkCode }) => {
      const waiting = state.waitingForKeys ?? [];
      const w = waiting.find((x) => x.device_id === deviceId);
      if (!w) throw err('invalid_input', `laptop ${deviceId} is not waiting for keys this laptop holds`);
      if (w.check_code.replace(/\D/g, '') !== checkCode.replace(/\D/g, '')) throw err('check_code_mismatch', 'the check code does not match the laptop\'s key: no keys were given');
      state.waitingForKeys = waiting.filter((x) => x !== w);
      return w.missing;
    },
    revoke_device: ({ deviceId }) => {
      const team = teamOf();
      const d = team.devices.find((x) => x.device_id === deviceId.trim());
      if (!d) throw err('not_found', `the sync server refused: no laptop ${deviceId} in ${team.organisation}`);
      if (d.device_id === state.enrolment.device_id) throw err('invalid_input', 'the sync server refused: a laptop cannot revoke itself: do it from another coordinator\'s laptop');
      if (d.role === 'coordinator' && !d.revoked_at) return ask(team, 'revoke', d.device_id, null);
      d.revoked_at ??= new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      return team;
    },
    approve: ({ id, approve }) => {
      const team = teamOf();
      const p = team.pending.find((x) => x.id === id);
      if (!p) throw err('not_found', `the sync server refused: no approval ${id} waiting`);
      if (approve && p.requested_by === state.enrolment.user) throw err('forbidden', 'the sync server refused: a second coordinator must approve what you asked for');
      team.pending = team.pending.filter((x) => x.id !== id);
      if (approve && p.action === 'add_user') team.users.push({ name: p.subject, role: p.role });
      if (approve && p.action === 'revoke') team.devices.find((d) => d.device_id === p.subject).revoked_at = '2026-12-04T10:05:00Z';
      const issued = approve && p.action === 'enrol_code' ? { user: p.subject, code: 'QWER-TYUP-ASDF', expires_at: '2026-12-06T10:00:00Z', awaiting_approval: false } : null;
      return { ...team, issued };
    },
    held_erasures: () => { teamOf(); return state.erasures; },
    undo_erasure: ({ batch }) => {
      teamOf();
      if (!state.erasures.some((e) => e.batch === batch)) throw err('not_found', `the sync server refused: no erasure ${batch} to undo`);
      state.erasures = state.erasures.filter((e) => e.batch !== batch);
      return state.erasures;
    },
    make_enrol_code: ({ user, hours }) => {
      if (!Number.isInteger(hours) || hours < 1 || hours > 720) throw err('invalid_input', 'invalid input: hours: a code is valid for 1 to 720 hours');
      const team = teamOf();
      if (!team.users.some((u) => u.name === user.trim())) throw err('not_found', `the sync server refused: no user ${user} in ${team.organisation}`);
      const letters = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
      const s = Array.from({ length: 12 }, (_, i) => letters[(i * 7 + nextId * 5) % letters.length]).join('');
      nextId++;
      const expires = new Date(Date.now() + hours * 3600000).toISOString().replace(/\.\d+Z$/, 'Z');
      const role = team.users.find((u) => u.name === user.trim()).role;
      // As on the server: for a restricted role or a coordinator, no code until approved.
      if (RESTRICTED.includes(role) || role === 'coordinator') {
        ask(team, 'enrol_code', user.trim(), role);
        return { user: user.trim(), code: '', expires_at: expires, awaiting_approval: true };
      }
      return { user: user.trim(), code: `${s.slice(0, 4)}-${s.slice(4, 8)}-${s.slice(8)}`, expires_at: expires, awaiting_approval: false };
    },
    add_team_user: ({ name, role }) => {
      const n = name.trim();
      if (!n) throw err('invalid_input', "invalid input: name: give the person's user name");
      if (!ROLES.includes(role)) throw err('invalid_input', `invalid input: role: one of ${ROLES.join(', ')}`);
      const team = teamOf();
      if (team.users.some((u) => u.name === n) || (scenario.takenNames ?? []).includes(n)) throw err('name_taken', `the sync server refused: the user name '${n}' is taken: choose another`);
      if (RESTRICTED.includes(role)) return ask(team, 'add_user', n, role);
      team.users.push({ name: n, role });
      return team;
    },
    cancel_work: () => {
      if (!state.cancelSync) return false;
      state.cancelSync();
      return true;
    },
    // A register: one person a row, a row naming Atlantyda refused (as the real check does an
    // unknown citizenship); `slowRegister` makes the writing wait until stopped.
    import_register: async ({ data, dryRun, skipInvalid }) => {
      const text = new TextDecoder().decode(Uint8Array.from(atob(data), (c) => c.charCodeAt(0)));
      const lines = text.split(/\r?\n/).filter((l) => l.trim());
      if (lines.length === 0 || !/nazwisko|family_name/i.test(lines[0])) {
        throw err('import_refused', 'the file could not be imported: no name column: the header needs family_name/nazwisko or given_names/imię (see docs/import.md)');
      }
      const rows = lines.slice(1);
      const rejected = rows.flatMap((l, i) => l.includes('Atlantyda') ? [{ row: i + 2, code: 'unknown_country', field: 'citizenships', reason: "unknown citizenship 'Atlantyda': use an ISO code such as UA or a country name" }] : []);
      const clients = rows.length - rejected.length;
      const report = { dry_run: dryRun, imported: false, rows: rows.length, clients, consultations: clients, rejected, ignored_columns: lines[0].includes('Kolumna własna') ? ['Kolumna własna'] : [] };
      window.__PUNKT_EMIT__('punkt://sync-progress', { phase: 'check', done: 0, total: rows.length });
      if (dryRun || (rejected.length > 0 && !skipInvalid)) return report;
      // A colleague's sync brought the first person between the check and the import.
      if (scenario.registerTakenMeanwhile) {
        return { ...report, clients: clients - 1, rejected: [...rejected, { row: 2, code: 'already_stored', field: null, reason: 'this person is already in the store (client c9): add the consultation there' }] };
      }
      if (scenario.slowRegister) {
        window.__PUNKT_EMIT__('punkt://sync-progress', { phase: 'write', done: 1, total: clients });
        await new Promise((resolve) => { state.cancelSync = resolve; });
        state.cancelSync = null;
        throw err('cancelled', 'stopped at your request; what was done is kept, the rest comes next time');
      }
      state.registerImported = (state.registerImported ?? 0) + clients;
      return { ...report, imported: true };
    },
    export_sync_file: () => ({ path: '/tmp/x.punktsync', bytes: 1 }),
    import_sync_file: async () => {
      // A big file: it says how far it is, and waits until stopped.
      if (scenario.slowImport) {
        window.__PUNKT_EMIT__('punkt://sync-progress', { phase: 'import', done: 200, total: 1000 });
        await new Promise((resolve) => { state.cancelSync = resolve; });
        state.cancelSync = null;
        throw err('cancelled', 'stopped at your request; what was done is kept, the rest comes next time');
      }
      throw err('import_refused', 'bad file');
    },
  };

  window.__PUNKT_EMIT__ = (event, payload) => {
    for (const id of listeners.get(event) ?? []) callbacks.get(id)?.({ event, id, payload });
  };
  window.__PUNKT_STATE__ = state;

  window.__TAURI_EVENT_PLUGIN_INTERNALS__ = { unregisterListener: () => {} };
  window.__TAURI_INTERNALS__ = {
    metadata: { currentWindow: { label: 'main' }, currentWebview: { windowLabel: 'main', label: 'main' } },
    transformCallback(cb) { const id = nextId++; callbacks.set(id, cb); return id; },
    unregisterCallback(id) { callbacks.delete(id); },
    convertFileSrc: (p) => p,
    async invoke(cmd, args = {}) {
      if (cmd === 'plugin:event|listen') {
        const list = listeners.get(args.event) ?? [];
        list.push(args.handler);
        listeners.set(args.event, list);
        return args.handler;
      }
      if (cmd === 'plugin:event|unlisten') return null;
      calls.push({ cmd, args: JSON.parse(JSON.stringify(args)) });
      const h = handlers[cmd];
      if (!h) throw err('internal', `the fake backend has no ${cmd}`);
      // Like the real IPC, every answer is a fresh copy (JSON), never shared state.
      const out = await h(args);
      return out === undefined ? null : JSON.parse(JSON.stringify(out));
    },
  };
})();
