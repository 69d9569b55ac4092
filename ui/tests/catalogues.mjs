// Every string is in the catalogues: the four languages have the same keys, every key the code
// uses exists, and every error code and vocabulary value the backend can send has a name.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const repo = join(root, '..');
const langs = ['pl', 'en', 'uk', 'ru'];
// The UI's catalogue plus the names shared with punkt-core (vocabularies, document labels).
const cats = Object.fromEntries(
  langs.map((l) => [
    l,
    {
      ...JSON.parse(readFileSync(join(root, 'src/i18n/locales', `${l}.json`), 'utf8')),
      ...JSON.parse(readFileSync(join(root, '../crates/model/data/names', `${l}.json`), 'utf8')),
    },
  ]),
);
const problems = [];

function keys(obj, prefix = '') {
  return Object.entries(obj).flatMap(([k, v]) => (typeof v === 'object' ? keys(v, `${prefix}${k}.`) : [`${prefix}${k}`]));
}
const has = (cat, key) => key.split('.').reduce((o, k) => (o && typeof o === 'object' ? o[k] : undefined), cat) !== undefined;

const base = new Set(keys(cats.pl));
for (const l of langs) {
  const ks = new Set(keys(cats[l]));
  for (const k of base) if (!ks.has(k)) problems.push(`${l}: missing ${k}`);
  for (const k of ks) if (!base.has(k)) problems.push(`${l}: ${k} is not in pl`);
  for (const k of ks) if (!String(k.split('.').reduce((o, p) => o[p], cats[l])).trim()) problems.push(`${l}: ${k} is empty`);
}

// Keys used in the code as literals: t('a.b') and t(`a.b`) without interpolation.
function walk(dir) {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : /\.tsx?$/.test(n) ? [p] : [];
  });
}
for (const file of walk(join(root, 'src'))) {
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(/\bt\(\s*['"`]([a-z_]+(?:\.[a-z0-9_-]+)+)['"`]/g)) {
    if (!has(cats.pl, m[1])) problems.push(`${file.slice(root.length)} uses ${m[1]}, which is not in the catalogue`);
  }
}

// What the backend sends as codes.
const errorSources = ['crates/core/src/error.rs', 'crates/model/src/error.rs'].map((f) => readFileSync(join(repo, f), 'utf8')).join('\n');
const codes = new Set([...errorSources.matchAll(/=>\s*"([a-z_]+)"/g)].map((m) => m[1]));
['locked', 'internal'].forEach((c) => codes.add(c));
for (const c of codes) for (const l of langs) if (!has(cats[l], `errors.${c}`)) problems.push(`${l}: no text for error code ${c}`);

// Fields an invalid_input error can name.
const vocabSource = readFileSync(join(repo, 'crates/model/src/vocab.rs'), 'utf8');
// A field is named wherever a refusal is made (dto.rs, the deadline calculator, group activities,
// projects, reports...): every source file of the two crates, whichever module it moves to.
const rustFiles = (dir) => readdirSync(dir).flatMap((n) => {
  const p = join(dir, n);
  return statSync(p).isDirectory() ? rustFiles(p) : n.endsWith('.rs') ? [p] : [];
});
// The file's inputs (clients/dto/): dates and codes named by their field.
const dtoSource = rustFiles(join(repo, 'crates/core/src/clients/dto')).map((f) => readFileSync(f, 'utf8')).join('\n');
const refusalSources = ['crates/core/src', 'crates/model/src'].flatMap((d) => rustFiles(join(repo, d)))
  .map((f) => readFileSync(f, 'utf8')).join('\n');
const fieldNames = new Set([
  ...[...refusalSources.matchAll(/(?:ModelError::field|\bmissing)\(\s*"([^"]+)"/g)].map((m) => m[1]),
  // Dates named by the field they are in, and dates out of order.
  ...[...dtoSource.matchAll(/\b(?:at|not_before)\(\s*"([^"]+)"/g)].map((m) => m[1]),
  ...[...dtoSource.matchAll(/codes\(\s*\w+,\s*"([^"]+)"/g)].map((m) => m[1]),
  ...[...vocabSource.matchAll(/^\s*\w+, "([a-z ]+)" \{/gm)].map((m) => m[1]),
  'deadline rules',
]);
for (const f of fieldNames) for (const l of langs) if (!has(cats[l], `fields.${f.replace(/[ .]/g, '_')}`)) problems.push(`${l}: no name for the field ${f}`);

const vocab = vocabSource;
const groups = { Sex: 'sex', Service: 'service', PlaceKind: 'place', LegalStatus: 'legal_status', Vulnerability: 'vulnerability', MatterKind: 'matter_kind', MatterStatus: 'matter_status', IdentifierKind: 'identifier', Track: 'track', ResidencePurpose: 'residence_purpose', ActivityKind: 'activity_kind', ProcessingPurpose: 'processing_purpose', LegalBasis: 'legal_basis' };
for (const m of vocab.matchAll(/vocabulary!\(\s*(?:\/\/\/[^\n]*\n\s*)*(\w+),\s*"[^"]*"\s*\{([^}]*)\}/g)) {
  const group = groups[m[1]];
  if (!group) {
    problems.push(`vocabulary ${m[1]} has no catalogue group: add it to tests/catalogues.mjs`);
    continue;
  }
  for (const v of m[2].matchAll(/=\s*"([a-z_]+)"/g)) for (const l of langs) if (!has(cats[l], `vocab.${group}.${v[1]}`)) problems.push(`${l}: no name for ${group} ${v[1]}`);
}
const dupSource = readFileSync(join(repo, 'crates/core/src/clients/duplicates.rs'), 'utf8');
for (const m of dupSource.matchAll(/add\(-?[0-9.]+, "([a-z_]+)"\)/g)) for (const l of langs) if (!has(cats[l], `duplicates.reason.${m[1]}`)) problems.push(`${l}: no text for duplicate reason ${m[1]}`);
// Deadline rules carry their names in the rule book (a server may bring a newer one); the
// procedures they are grouped by are named here.
const book = JSON.parse(readFileSync(join(repo, 'crates/model/data/rule-book.json'), 'utf8'));
for (const r of book.rules) {
  for (const l of langs) if (!r.names?.[l]?.trim()) problems.push(`${l}: no name for deadline rule ${r.id}`);
  for (const l of langs) if (!has(cats[l], `deadline.track.${r.track}`)) problems.push(`${l}: no name for procedure ${r.track}`);
  for (const l of langs) if (!has(cats[l], `deadline.limit_${r.unit}`)) problems.push(`${l}: no text for unit ${r.unit}`);
}

if (problems.length) {
  console.error(problems.join('\n'));
  console.error(`catalogues: ${problems.length} problems`);
  process.exit(1);
}
console.log(`catalogues: ${base.size} keys in each of ${langs.join(', ')}; ${codes.size} error codes and ${fieldNames.size} fields named`);
