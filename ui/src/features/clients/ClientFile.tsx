import type { TFunction } from 'i18next';
import { Alert, Badge, Button, Card, Checkbox, Divider, Group, Image, Loader, Modal, MultiSelect, Select, SimpleGrid, Stack, Table, Tabs, Text, Textarea, TextInput, Timeline, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useCallback, useEffect, useEffectEvent, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { PartProps } from './part';
import { DataTable, TableHead } from '../../components/layout';
import { ErrorState, useNotify } from '../../components/errors';
import { useFetched } from '../../components/loading';
import { ConsultationForm, DeadlineForm, DeadlineRule, isoBefore } from '../../components/forms';
import { PdfView } from '../../components/PdfView';
import { api, type AttachmentData, type ClientInput, type ClientView, type FieldConflict, type IdentifierInput, type IdentifierView, type JsonValue, type MatterView } from '../../ipc';
import { today, useVocab } from '../../state';
import { PersonFields, type PersonDraft } from '../intake/Intake';
import { FileAuditView } from '../protection/Audit';
import { Consents } from './Consents';
import { EraseFile } from '../protection/EraseFile';
import { FileReferrals } from './Referrals';
import { Sections } from './Sections';
import { DateField } from '../../components/DateField';
import { useDateTime } from '../../components/dates';

function show(v: JsonValue): string {
  if (v === null) return '—';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

const FIELD_LABELS: Record<string, string> = {
  'person.given_names': 'intake.given_names',
  'person.family_name': 'intake.family_name',
  'person.given_names_original': 'client.names_original',
  'person.family_name_original': 'client.names_original',
  'person.birth_date': 'client.birth_date',
  'person.sex': 'client.sex',
};

/** A conflicting field's name in the person's language: the field for the person's details,
 * the section (and the raw path) for the rest. */
function fieldLabel(t: TFunction, path: string): string {
  if (FIELD_LABELS[path]) return t(FIELD_LABELS[path]);
  const section = path.split('.')[0];
  return `${t(`vocab.section.${section}`, { defaultValue: section })} (${path})`;
}

/** Concurrent values side by side; one choice settles the field everywhere after sync. */
function Conflicts({ id, conflicts, onResolved }: { id: string; conflicts: FieldConflict[]; onResolved: () => void }) {
  const { t } = useTranslation();
  const notify = useNotify();
  if (conflicts.length === 0) return null;
  return (
    <Alert color="orange" title={t('client.conflicts_title')} data-testid="conflicts">
      <Text size="sm" mb="xs">{t('client.conflicts_help')}</Text>
      <Stack gap="sm">
        {conflicts.map((c) => (
          <div key={c.path} data-testid="conflict">
            <Text size="sm" fw={600}>{t('client.field')}: {fieldLabel(t, c.path)}</Text>
            <SimpleGrid cols={Math.min(c.values.length, 3)}>
              {c.values.map((v, i) => (
                <Card key={i} withBorder p="xs">
                  <Text>{show(v)}</Text>
                  <Button size="xs" mt="xs" data-testid="keep-value" onClick={() => api.resolveConflict(id, c.path, v).then(onResolved, notify.error)}>
                    {t('client.keep_this')}
                  </Button>
                </Card>
              ))}
            </SimpleGrid>
          </div>
        ))}
      </Stack>
    </Alert>
  );
}

function Row({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <Table.Tr>
      <Table.Th w={220}>{label}</Table.Th>
      <Table.Td>{children}</Table.Td>
    </Table.Tr>
  );
}

function Person({ c }: { c: ClientView }) {
  const { t } = useTranslation();
  const { day } = useDateTime();
  const p = c.person;
  const original = [p.given_names_original, p.family_name_original].filter(Boolean).join(' ');
  return (
    <Table data-testid="person">
      <Table.Tbody>
        {original && <Row label={t('client.names_original')}>{original}</Row>}
        <Row label={t('client.birth_date')}>{day(p.birth_date) || '—'}{p.birth_date_approximate ? ` (${t('client.approximate')})` : ''}</Row>
        <Row label={t('client.sex')}>{t(`vocab.sex.${p.sex}`, { defaultValue: p.sex })}</Row>
        <Row label={t('client.citizenships')}>{p.citizenships.join(', ') || '—'}{p.stateless ? ` (${t('client.stateless')})` : ''}</Row>
        <Row label={t('client.languages')}>{p.languages.join(', ') || '—'}{p.interpreter_needed ? ` · ${t('client.interpreter')}` : ''}</Row>
        {Object.entries(p.contact).map(([k, v]) => (
          <Row key={k} label={`${t('client.contact')} (${t(`client.contact_${k}`, { defaultValue: k })})`}>{v}</Row>
        ))}
      </Table.Tbody>
    </Table>
  );
}

/** An access request (GDPR Art. 15) in the language the person reads. */
function AccessRequest({ id }: { id: string }) {
  const { t, i18n } = useTranslation();
  const notify = useNotify();
  const [lang, setLang] = useState<string>(i18n.language);
  return (
    <Group gap={4}>
      <Select size="xs" w={130} data={['pl', 'en', 'uk', 'ru'].map((l) => ({ value: l, label: t(`lang.${l}`) }))} value={lang} onChange={(l) => l && setLang(l)} aria-label={t('client.access_language')} allowDeselect={false} />
      <Button size="xs" variant="light" data-testid="access-request" onClick={() => api.accessRequest(id, lang).then((files) => notify.ok(t('client.access_saved', { path: files.map((f) => f.path).join(', ') })), notify.error)}>
        {t('client.access_request')}
      </Button>
    </Group>
  );
}

function draftOf(c: ClientView): PersonDraft {
  const p = c.person;
  return {
    given: p.given_names,
    family: p.family_name,
    original: [p.given_names_original, p.family_name_original].filter(Boolean).join(' '),
    birth: p.birth_date ?? '',
    birthApprox: p.birth_date_approximate,
    sex: p.sex,
    citizenship: p.citizenships.join(', '),
    languages: p.languages.join(', '),
    phone: p.contact.phone ?? '',
    status: '',
    summary: '',
  };
}

/** The person's details, editable in place (only the keys shown are sent). */
function EditPerson({ c, onSaved, onCancel }: { c: ClientView; onSaved: (v: ClientView) => void; onCancel: () => void }) {
  const { t } = useTranslation();
  const form = useForm<PersonDraft>({ initialValues: draftOf(c) });
  const [error, setError] = useState<unknown>(null);
  const save = (draft: PersonDraft) => {
    // Only what changed: an untouched original-script name is not re-split, and a field
    // emptied by the person is sent as "" (the backend reads null as "leave it").
    const before = draftOf(c);
    const input: ClientInput = {};
    const list = (x: string) => x.split(/[,\s]+/).map((v) => v.trim()).filter(Boolean);
    if (draft.given !== before.given) input.given_names = draft.given;
    if (draft.family !== before.family) input.family_name = draft.family;
    if (draft.original !== before.original) input.names_original = draft.original;
    if (draft.birth !== before.birth) input.birth_date = draft.birth;
    if (draft.birthApprox !== before.birthApprox) input.birth_date_approximate = draft.birthApprox;
    if (draft.sex !== before.sex) input.sex = draft.sex;
    if (draft.citizenship !== before.citizenship) input.citizenships = list(draft.citizenship);
    if (draft.languages !== before.languages) input.languages = list(draft.languages);
    if (draft.phone !== before.phone) input.contact = { phone: draft.phone };
    api.updateClient(c.id, input).then(onSaved, setError);
  };
  return (
    <form onSubmit={form.onSubmit(save)}>
      <Stack>
        <PersonFields value={form.values} onChange={form.setValues} compact />
        <ErrorState error={error} />
        <Group>
          <Button type="submit" data-testid="person-save">{t('common.save')}</Button>
          <Button variant="default" onClick={onCancel}>{t('common.cancel')}</Button>
        </Group>
      </Stack>
    </form>
  );
}

type IdentifierDraft = { kind: string | null; number: string; issuedBy: string; validUntil: string };
const emptyIdentifier: IdentifierDraft = { kind: null, number: '', issuedBy: '', validUntil: '' };

/** Identity documents and case numbers: add one, or correct one (sent with its id, the entry is
 * replaced). The backend keeps every entry: there is no removing one. */
function Identifiers({ c, onSaved }: PartProps) {
  const { t } = useTranslation();
  const { day } = useDateTime();
  const vocab = useVocab();
  const [editing, setEditing] = useState<string | null>(null);
  const form = useForm<IdentifierDraft>({ initialValues: emptyIdentifier });
  const draft = form.values;
  const [error, setError] = useState<unknown>(null);
  const edit = (i: IdentifierView) => {
    setEditing(i.id);
    form.setValues({ kind: i.kind, number: i.number, issuedBy: i.issued_by ?? '', validUntil: i.valid_until ?? '' });
    setError(null);
  };
  const reset = () => {
    setEditing(null);
    form.setValues(emptyIdentifier);
    setError(null);
  };
  const save = (draft: IdentifierDraft) => {
    const input: IdentifierInput = {
      ...(editing ? { id: editing } : {}),
      kind: draft.kind ?? '',
      number: draft.number.trim(),
      issued_by: draft.issuedBy.trim() || null,
      valid_until: draft.validUntil.trim() || null,
    };
    api.updateClient(c.id, { identifiers: [input] }).then((v) => { reset(); onSaved(v); }, setError);
  };
  return (
    <Stack gap="xs">
      {c.person.identifiers.length === 0 ? <Text c="dimmed" size="sm">{t('client.no_identifiers')}</Text> : (
        <Table data-testid="identifiers">
          <TableHead columns={[t('client.kind'), t('client.number'), t('client.issued_by'), t('client.valid_until'), null]} />
          <Table.Tbody>
            {c.person.identifiers.map((i) => (
              <Table.Tr key={i.id} data-testid="identifier" bg={editing === i.id ? 'var(--mantine-color-blue-light)' : undefined}>
                <Table.Td>{t(`vocab.identifier.${i.kind}`, { defaultValue: i.kind })}</Table.Td>
                <Table.Td>{i.number}</Table.Td>
                <Table.Td>{i.issued_by ?? '—'}</Table.Td>
                <Table.Td>
                  {day(i.valid_until) || '—'}
                  {i.valid_until && i.valid_until < today() && <Badge ml="xs" color="red" variant="light">{t('client.expired')}</Badge>}
                </Table.Td>
                <Table.Td><Button size="compact-xs" variant="subtle" onClick={() => edit(i)} data-testid="identifier-edit">{t('client.edit')}</Button></Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <form onSubmit={form.onSubmit(save)}>
        <Stack gap="xs">
          <Group align="flex-end" grow>
            <Select data-testid="identifier-kind" label={t('client.kind')} data={vocab.identifier_kinds.map((k) => ({ value: k, label: t(`vocab.identifier.${k}`, { defaultValue: k }) }))} {...form.getInputProps('kind')} searchable />
            <TextInput data-testid="identifier-number" label={t('client.number')} {...form.getInputProps('number')} />
            <TextInput data-testid="identifier-issued-by" label={t('client.issued_by')} description={t('common.optional')} {...form.getInputProps('issuedBy')} />
            <DateField data-testid="identifier-valid-until" label={t('client.valid_until')} description={t('common.optional')} {...form.getInputProps('validUntil')} />
          </Group>
          <ErrorState error={error} />
          <Group>
            <Button type="submit" disabled={!draft.kind || !draft.number.trim()} data-testid="identifier-save">{editing ? t('common.save') : t('client.add_identifier')}</Button>
            {editing && <Button variant="default" onClick={reset}>{t('common.cancel')}</Button>}
          </Group>
        </Stack>
      </form>
    </Stack>
  );
}

/** Vulnerabilities: the list shown is the whole set. Saved, it replaces what is recorded: a need
 * kept keeps the day it was recorded, a new one gets today, one taken out (recorded by mistake,
 * or no longer so) is removed. */
function Vulnerabilities({ c, onSaved }: PartProps) {
  const { t } = useTranslation();
  const vocab = useVocab();
  const recorded = c.vulnerabilities;
  const [value, setValue] = useState<string[]>(recorded);
  const [error, setError] = useState<unknown>(null);
  const recordedKey = recorded.join(',');
  // What is recorded changed (saved here, or synced): show it.
  const [shownKey, setShownKey] = useState(recordedKey);
  if (recordedKey !== shownKey) {
    setShownKey(recordedKey);
    setValue(recorded);
  }
  // Sensitive flags (health, torture, sexual orientation) are kept in the medical section: a
  // role that does not read it neither sees nor records them, and its saves leave them alone.
  const offered = c.sensitive_visible ? vocab.vulnerabilities : vocab.vulnerabilities.filter((v) => !vocab.sensitive_vulnerabilities.includes(v));
  const data = [...new Set([...offered, ...recorded])].map((v) => ({ value: v, label: `${t(`vocab.vulnerability.${v}`, { defaultValue: v })}${vocab.sensitive_vulnerabilities.includes(v) ? ' 🔒' : ''}` }));
  const removed = recorded.filter((v) => !value.includes(v));
  const changed = removed.length > 0 || value.some((v) => !recorded.includes(v));
  const save = () => api.updateClient(c.id, { vulnerabilities: value }).then((v) => { setError(null); onSaved(v); }, setError);
  return (
    <Stack gap="xs">
      <MultiSelect
        data-testid="vulnerabilities"
        label={t('client.vulnerabilities')}
        description={t('client.vulnerabilities_help')}
        placeholder={value.length === 0 ? t('common.choose') : undefined}
        data={data}
        value={value}
        onChange={setValue}
        searchable
      />
      <Text size="xs" c="dimmed" data-testid="vulnerabilities-sensitive">{t(c.sensitive_visible ? 'client.sensitive_visible' : 'client.sensitive_hidden')}</Text>
      {removed.length > 0 && (
        <Text size="sm" c="orange.8" data-testid="vulnerabilities-removed">
          {t('client.vulnerabilities_removed', { list: removed.map((v) => t(`vocab.vulnerability.${v}`, { defaultValue: v })).join(', ') })}
        </Text>
      )}
      <ErrorState error={error} />
      <Group>
        <Button disabled={!changed} onClick={save} data-testid="vulnerabilities-save">{t('common.save')}</Button>
        {changed && <Button variant="default" onClick={() => { setValue(recorded); setError(null); }} data-testid="vulnerabilities-cancel">{t('common.cancel')}</Button>}
      </Group>
    </Stack>
  );
}

/** Statuses a residence permit's purpose is recorded with (as `LegalStatus::has_purpose`). */
const PURPOSE_STATUSES = ['temporary_residence', 'permanent_residence', 'eu_long_term_residence', 'cukr'];

/** A form that adds one entry to the file: its fields in a row, the error, the button.
 * Saved, `reset` clears what the next entry should not keep. */
function AddEntry({ id, input, reset, onSaved, button, children }: {
  id: string;
  input: () => ClientInput;
  reset: () => void;
  onSaved: () => void;
  button: { label: string; testId: string; disabled: boolean };
  children: ReactNode;
}) {
  const [error, setError] = useState<unknown>(null);
  const save = (e: FormEvent) => {
    e.preventDefault();
    api.updateClient(id, input()).then(() => {
      reset();
      setError(null);
      onSaved();
    }, setError);
  };
  return (
    <form onSubmit={save}>
      <Stack gap="xs">
        <Group align="flex-end" grow>{children}</Group>
        <ErrorState error={error} />
        <Group><Button type="submit" disabled={button.disabled} data-testid={button.testId}>{button.label}</Button></Group>
      </Stack>
    </form>
  );
}

function AddStatus({ id, onSaved }: { id: string; onSaved: () => void }) {
  const { t } = useTranslation();
  const vocab = useVocab();
  const form = useForm({
    initialValues: { status: null as string | null, from: today(), until: '', centre: null as string | null, purpose: null as string | null },
  });
  const { status, from, until, centre, purpose } = form.values;
  const early = isoBefore(until, from);
  const withPurpose = PURPOSE_STATUSES.includes(status ?? '');
  // Statuses grouped by their track: residence and protection, and beside it detention, return
  // and Dublin, which run in parallel (a detained asylum seeker has both).
  const tracks = ['residence', 'detention', 'return', 'dublin'];
  const statuses = tracks.map((tr) => ({
    group: t(`vocab.track.${tr}`),
    items: vocab.legal_statuses.filter((s) => (vocab.status_tracks[s] ?? 'residence') === tr).map((s) => ({ value: s, label: t(`vocab.legal_status.${s}`) })),
  }));
  return (
    <AddEntry
      id={id}
      input={() => ({ legal_status: [{ status: status ?? '', from, until: until.trim() || null, centre: status === 'detained' ? centre : null, ...(withPurpose && purpose ? { purpose } : {}) }] })}
      // The next status usually starts where this one was entered: the start day stays.
      reset={() => form.setValues({ status: null, until: '', centre: null, purpose: null })}
      onSaved={onSaved}
      button={{ label: t('client.add_status'), testId: 'status-save', disabled: !status || early }}
    >
      <Select data-testid="status-new" label={t('client.status')} data={statuses} {...form.getInputProps('status')} searchable />
      <DateField partial data-testid="status-from" label={t('client.from')} {...form.getInputProps('from')} />
      <DateField partial data-testid="status-until" label={t('client.until')} description={t('common.optional')} {...form.getInputProps('until')} error={early ? t('client.until_before_from') : undefined} />
          {status === 'detained' && <Select data-testid="status-centre" label={t('client.centre')} data={vocab.centres} {...form.getInputProps('centre')} searchable />}
          {withPurpose && <Select data-testid="status-purpose" label={t('client.purpose')} description={t('common.optional')} clearable data={vocab.residence_purposes.map((p) => ({ value: p, label: t(`vocab.residence_purpose.${p}`) }))} {...form.getInputProps('purpose')} />}
    </AddEntry>
  );
}

function AddMatter({ id, onSaved }: { id: string; onSaved: () => void }) {
  const { t } = useTranslation();
  const vocab = useVocab();
  const form = useForm({ initialValues: { kind: null as string | null, authority: '', reference: '', opened: today() } });
  const { kind, authority, reference, opened } = form.values;
  return (
    <AddEntry
      id={id}
      input={() => ({ matters: [{ kind: kind ?? '', authority: authority || null, reference: reference || null, opened: opened.trim() || null }] })}
      reset={() => form.setValues({ kind: null, authority: '', reference: '', opened: today() })}
      onSaved={onSaved}
      button={{ label: t('client.add_matter'), testId: 'matter-save', disabled: !kind }}
    >
      <Select data-testid="matter-kind" label={t('client.kind')} data={vocab.matter_kinds.map((k) => ({ value: k, label: t(`vocab.matter_kind.${k}`) }))} {...form.getInputProps('kind')} searchable />
      <TextInput label={t('client.authority')} {...form.getInputProps('authority')} />
      <TextInput label={t('client.reference')} {...form.getInputProps('reference')} />
      <DateField data-testid="matter-opened" label={t('client.opened_on')} {...form.getInputProps('opened')} />
    </AddEntry>
  );
}

/** Statuses that end a matter: it then has a closing day (and no longer keeps the file open). */
const FINAL_STATUSES = ['won', 'lost', 'closed'];

/** A matter's course: its status and the day it closed. The whole matter goes back with its id
 * (the backend replaces the entry, so a field left out would be lost). */
function EditMatter({ clientId, m, onSaved, onCancel }: { clientId: string; m: MatterView; onSaved: (v: ClientView) => void; onCancel: () => void }) {
  const { t } = useTranslation();
  const { day } = useDateTime();
  const vocab = useVocab();
  const form = useForm({ initialValues: { status: m.status, closed: m.closed ?? '' } });
  const { status, closed } = form.values;
  const [error, setError] = useState<unknown>(null);
  const final = FINAL_STATUSES.includes(status);
  const early = final && isoBefore(closed, m.opened);
  const pick = (s: string | null) => {
    if (!s) return;
    form.setValues({ status: s, ...(FINAL_STATUSES.includes(s) && !closed ? { closed: today() } : {}) });
  };
  const save = () =>
    api.updateClient(clientId, {
      matters: [{ id: m.id, kind: m.kind, authority: m.authority, reference: m.reference, status, opened: m.opened, closed: final ? closed.trim() || null : null, note: m.note }],
    }).then(onSaved, setError);
  return (
    <form onSubmit={form.onSubmit(save)}>
      <Stack gap="xs" data-testid="matter-edit-form">
        <Group align="flex-start" grow>
          <Select data-testid="matter-status" label={t('client.matter_status')} data={vocab.matter_statuses.map((s) => ({ value: s, label: t(`vocab.matter_status.${s}`, { defaultValue: s }) }))} value={status} onChange={pick} allowDeselect={false} />
          <DateField data-testid="matter-closed" label={t('client.closed_on')} disabled={!final} {...form.getInputProps('closed')} value={final ? closed : ''} error={early ? t('client.closed_before_opened', { date: day(m.opened) }) : undefined} />
        </Group>
        <ErrorState error={error} />
        <Group>
          <Button type="submit" disabled={(final && !closed.trim()) || early} data-testid="matter-update">{t('common.save')}</Button>
          <Button variant="default" onClick={onCancel}>{t('common.cancel')}</Button>
        </Group>
      </Stack>
    </form>
  );
}

const MATTER_COLOURS: Record<string, string> = { open: 'blue', pending: 'yellow', won: 'green', lost: 'red', closed: 'gray' };

function Matters({ c, onSaved }: PartProps) {
  const { t } = useTranslation();
  const { day } = useDateTime();
  const [editing, setEditing] = useState<string | null>(null);
  if (c.matters.length === 0) return <Text c="dimmed">{t('client.no_entries')}</Text>;
  return (
    <Table data-testid="matters">
      <TableHead columns={[t('client.kind'), t('client.authority'), t('client.reference'), t('client.matter_status'), t('client.opened'), t('client.closed'), null]} />
      <Table.Tbody>
        {c.matters.map((m) => {
          // An ended matter is greyed, but not its button: it can still be changed.
          const dim = FINAL_STATUSES.includes(m.status) && editing !== m.id ? { opacity: 0.6 } : undefined;
          return [
            <Table.Tr key={m.id} data-testid="matter" data-status={m.status}>
              <Table.Td style={dim}>{t(`vocab.matter_kind.${m.kind}`, { defaultValue: m.kind })}</Table.Td>
              <Table.Td style={dim}>{m.authority ?? '—'}</Table.Td>
              <Table.Td style={dim}>{m.reference ?? '—'}</Table.Td>
              <Table.Td style={dim}><Badge variant="light" color={MATTER_COLOURS[m.status] ?? 'gray'} miw="max-content" data-testid="matter-status-badge">{t(`vocab.matter_status.${m.status}`, { defaultValue: m.status })}</Badge></Table.Td>
              <Table.Td style={dim}>{day(m.opened) || '—'}</Table.Td>
              <Table.Td style={dim} data-testid="matter-closed-on">{day(m.closed) || '—'}</Table.Td>
              {/* Hidden, not removed, while the form is open: the columns keep their widths. */}
              <Table.Td ta="right" style={editing === m.id ? { visibility: 'hidden' } : undefined}>
                <Button size="compact-xs" variant="subtle" onClick={() => setEditing(m.id)} data-testid="matter-edit">{t('client.change_matter')}</Button>
              </Table.Td>
            </Table.Tr>,
            editing === m.id && (
              <Table.Tr key={`${m.id}-edit`}>
                <Table.Td colSpan={7} bg="var(--mantine-color-gray-0)"><EditMatter clientId={c.id} m={m} onCancel={() => setEditing(null)} onSaved={(v) => { setEditing(null); onSaved(v); }} /></Table.Td>
              </Table.Tr>
            ),
          ];
        })}
      </Table.Tbody>
    </Table>
  );
}

function Attachments({ c, onAdded }: { c: ClientView; onAdded: () => void }) {
  const { t } = useTranslation();
  const { day } = useDateTime();
  const notify = useNotify();
  const input = useRef<HTMLInputElement>(null);
  const [open, setOpen] = useState<AttachmentData | null>(null);
  const [error, setError] = useState<unknown>(null);

  const add = async (file: File) => {
    try {
      await api.addAttachment(c.id, file);
      setError(null);
      notify.ok(t('client.attachment_added'));
      onAdded();
    } catch (e) {
      setError(e);
    }
  };

  return (
    <Stack>
      <input ref={input} type="file" accept="image/*,application/pdf" hidden data-testid="attachment-input" onChange={(e) => e.currentTarget.files?.[0] && add(e.currentTarget.files[0])} />
      <Group>
        <Button onClick={() => input.current?.click()} data-testid="attachment-add">{t('client.add_attachment')}</Button>
      </Group>
      <ErrorState error={error} />
      {c.attachments.length === 0 && <Text c="dimmed">{t('client.no_entries')}</Text>}
      {c.attachments.map((a) => (
        <Group key={a.id} justify="space-between" data-testid="attachment">
          <Text>{a.name} <Text span c="dimmed" size="sm">· {a.mime} · {Math.ceil(a.size / 1024)} KiB · {day(a.added_at)}</Text></Text>
          <Button size="xs" variant="light" onClick={() => api.attachment(c.id, a.id).then(setOpen, notify.error)} data-testid="attachment-view">{t('client.view')}</Button>
        </Group>
      ))}
      <Modal opened={!!open} onClose={() => setOpen(null)} size="xl" title={open?.attachment.name}>
        {open && open.attachment.mime.startsWith('image/') && (
          <Image src={`data:${open.attachment.mime};base64,${open.data}`} alt={open.attachment.name} data-testid="attachment-image" />
        )}
        {open && open.attachment.mime === 'application/pdf' && <PdfView data={open.data} />}
      </Modal>
    </Stack>
  );
}

function History({ id }: { id: string }) {
  const { t } = useTranslation();
  const { exact } = useDateTime();
  const fetched = useFetched(() => api.clientHistory(id), id);
  const entries = fetched.value;
  if (!entries) return fetched.waiting;
  return (
    <Timeline bulletSize={14} data-testid="history">
      {entries.map((e) => (
        <Timeline.Item key={e.hash} title={exact(e.time)}>
          <Text size="sm">
            {t('client.history_by', { author: e.author ?? t('client.unknown_author'), device: e.this_device ? t('client.this_device') : e.device })}
          </Text>
          {e.sections.length > 0 && (
            <Text size="xs" c="dimmed">{t('client.sections', { sections: e.sections.map((s) => t(`vocab.section.${s}`, { defaultValue: s })).join(', ') })}</Text>
          )}
        </Timeline.Item>
      ))}
    </Timeline>
  );
}

export function ClientFile({ id }: { id: string }) {
  const { t } = useTranslation();
  const { day } = useDateTime();
  const notify = useNotify();
  const [c, setC] = useState<ClientView | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [summary, setSummary] = useState('');
  const [tab, setTab] = useState<string | null>('person');
  const [editing, setEditing] = useState(false);

  const load = useCallback(() => {
    api.client(id).then((v) => {
      // Text typed in the summary and not saved yet stays; otherwise show the stored one.
      setSummary((typed) => (c === null || typed === c.summary ? v.summary : typed));
      setC(v);
    }, setError);
  }, [id, c]);
  // Loaded when another file opens (load reads the summary typed meanwhile).
  const open = useEffectEvent(load);
  useEffect(() => open(), [id]);

  if (error) return <ErrorState error={error} />;
  if (!c) return <Loader />;
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2} data-testid="client-name">{c.display_name}</Title>
        <Group>
          {c.statuses_in_force.map((s) => (
            <Badge key={s} size="lg" variant="light" color={s === c.current_status ? 'blue' : 'orange'} data-testid="status-in-force">{t(`vocab.legal_status.${s}`, { defaultValue: s })}</Badge>
          ))}
          <AccessRequest id={c.id} />
          <EraseFile id={c.id} />
        </Group>
      </Group>
      {c.redirected_from && <Alert color="blue" data-testid="redirected">{t('client.redirected')}</Alert>}
      <Conflicts id={c.id} conflicts={c.conflicts} onResolved={load} />
      {/* Twelve tabs do not fit one line at 1280 px in every language: they stand in a list at
          the side, every one in sight at 1280×800 and 1366×768, in three groups (the person and
          their case; what is shared or restricted; the file's record). */}
      <Tabs value={tab} onChange={setTab} keepMounted={false} orientation="vertical" variant="pills" styles={{ tab: { justifyContent: "flex-start" }, tabLabel: { textAlign: "left" }, panel: { paddingLeft: "var(--mantine-spacing-lg)", minWidth: 0, flex: 1 } }} data-testid="client-tabs">
        <Tabs.List w={210} style={{ flexShrink: 0, alignSelf: 'flex-start' }}>
          <Tabs.Tab value="person" data-testid="tab-person">{t('client.person')}</Tabs.Tab>
          <Tabs.Tab value="status" data-testid="tab-status">{t('client.status')}</Tabs.Tab>
          <Tabs.Tab value="matters" data-testid="tab-matters">{t('client.matters')}</Tabs.Tab>
          <Tabs.Tab value="consultations" data-testid="tab-consultations">{t('client.consultations')} ({c.consultations.length})</Tabs.Tab>
          <Tabs.Tab value="deadlines" data-testid="tab-deadlines">{t('client.deadlines')} ({c.deadlines.filter((d) => !d.done).length})</Tabs.Tab>
          <Tabs.Tab value="attachments" data-testid="tab-attachments">{t('client.attachments')} ({c.attachments.length})</Tabs.Tab>
          <Divider my={4} />
          <Tabs.Tab value="restricted" data-testid="tab-sections">{t('sections.tab')} ({c.sections.length})</Tabs.Tab>
          <Tabs.Tab value="consents" data-testid="tab-consents">{t('consents.tab')} ({c.consents.filter((k) => !k.withdrawn_on).length})</Tabs.Tab>
          <Tabs.Tab value="referrals" data-testid="tab-referrals">{t('referrals.tab')} ({c.referrals.length})</Tabs.Tab>
          <Divider my={4} />
          <Tabs.Tab value="summary" data-testid="tab-summary">{t('client.summary')}</Tabs.Tab>
          <Tabs.Tab value="history" data-testid="tab-history">{t('client.history')}</Tabs.Tab>
          <Tabs.Tab value="audit" data-testid="tab-audit">{t('audit.tab')}</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="person">
          {editing ? (
            <EditPerson c={c} onCancel={() => setEditing(false)} onSaved={(v) => { setC(v); setEditing(false); notify.ok(t('common.saved')); }} />
          ) : (
            <Stack>
              <Person c={c} />
              <Group><Button variant="light" onClick={() => setEditing(true)} data-testid="person-edit">{t('client.edit')}</Button></Group>
              <Card withBorder><Title order={5} mb="xs">{t('client.identifiers')}</Title><Identifiers c={c} onSaved={(v) => { setC(v); notify.ok(t('common.saved')); }} /></Card>
              <Card withBorder><Vulnerabilities c={c} onSaved={(v) => { setC(v); notify.ok(t('common.saved')); }} /></Card>
            </Stack>
          )}
        </Tabs.Panel>
        <Tabs.Panel value="status">
          <Card withBorder mb="md"><AddStatus id={id} onSaved={() => { notify.ok(t('client.status_saved')); load(); }} /></Card>
          {c.legal_status.length === 0 ? <Text c="dimmed">{t('client.no_entries')}</Text> : (
            <Timeline active={c.legal_status.length - 1} data-testid="status-timeline">
              {c.legal_status.map((s) => (
                <Timeline.Item key={s.id} title={t(`vocab.legal_status.${s.status}`, { defaultValue: s.status })}>
                  <Text size="sm" c="dimmed">
                    {t(`vocab.track.${s.track}`)} · {day(s.from) || '?'} – {day(s.until)}{s.centre ? ` · ${s.centre}` : ''}
                    {s.purpose ? ` · ${t(`vocab.residence_purpose.${s.purpose}`, { defaultValue: s.purpose })}` : ''}
                  </Text>
                  {s.note && <Text size="sm">{s.note}</Text>}
                </Timeline.Item>
              ))}
            </Timeline>
          )}
        </Tabs.Panel>
        <Tabs.Panel value="matters">
          <Card withBorder mb="md"><AddMatter id={id} onSaved={() => { notify.ok(t('client.matter_saved')); load(); }} /></Card>
          <Matters c={c} onSaved={(v) => { setC(v); notify.ok(t('client.matter_updated')); }} />
        </Tabs.Panel>
        <Tabs.Panel value="consultations">
          <Stack>
            <DataTable testId="consultations" columns={[t('common.date'), t('client.place'), t('client.services'), t('common.note')]} rows={c.consultations}>
              {(k) => (
                  <Table.Tr key={k.id}>
                    <Table.Td>{day(k.date)}</Table.Td>
                    <Table.Td>{t(`vocab.place.${k.place.kind}`)}{'city' in k.place ? ` · ${k.place.city}` : ''}{'centre' in k.place ? ` · ${k.place.centre}` : ''}</Table.Td>
                    <Table.Td>{k.services.map((s) => t(`vocab.service.${s}`, { defaultValue: s })).join(', ')}{k.project && <Badge ml="xs" variant="light" size="sm" data-testid="consultation-project-badge">{k.project}</Badge>}</Table.Td>
                    <Table.Td>{k.note}</Table.Td>
                  </Table.Tr>
              )}
            </DataTable>
            <Card withBorder><Title order={5} mb="xs">{t('client.add_consultation')}</Title><ConsultationForm clientId={id} onSaved={() => { notify.ok(t('consultation.saved')); load(); }} /></Card>
          </Stack>
        </Tabs.Panel>
        <Tabs.Panel value="deadlines">
          <Stack>
            <DataTable testId="deadlines" columns={[t('client.due'), t('deadline.rule'), t('client.from'), t('client.done')]} rows={c.deadlines}>
              {(d) => (
                  <Table.Tr key={d.id} style={d.done ? { opacity: 0.6 } : undefined}>
                    <Table.Td>
                      {day(d.due)}{d.due_time && ` ${d.due_time}`}{d.uncertain && <Badge ml="xs" color="yellow" variant="outline" title={t('home.uncertain')}>?</Badge>}
                      {d.due_latest && <Text size="xs" c="dimmed" data-testid="deadline-row-latest">{t('deadline.latest_short', { date: day(d.due_latest) })}</Text>}
                    </Table.Td>
                    <Table.Td>
                      <DeadlineRule rule={d.rule} note={d.note} />
                      {d.rules_version && <Text size="xs" c="dimmed" data-testid="deadline-row-version">{t('deadline.counted_with', { version: d.rules_version })}</Text>}
                    </Table.Td>
                    <Table.Td>{day(d.from)}</Table.Td>
                    <Table.Td><Checkbox checked={d.done} aria-label={t('client.done')} onChange={(e) => api.setDeadlineDone(id, d.id, e.currentTarget.checked).then(load, notify.error)} /></Table.Td>
                  </Table.Tr>
              )}
            </DataTable>
            <Card withBorder><Title order={5} mb="xs">{t('client.add_deadline')}</Title><DeadlineForm clientId={id} onSaved={(due) => { notify.ok(t('deadline.saved', { date: day(due) })); load(); }} /></Card>
          </Stack>
        </Tabs.Panel>
        <Tabs.Panel value="attachments"><Attachments c={c} onAdded={load} /></Tabs.Panel>
        <Tabs.Panel value="restricted"><Sections c={c} onChanged={load} /></Tabs.Panel>
        <Tabs.Panel value="consents"><Consents c={c} onChanged={setC} /></Tabs.Panel>
        <Tabs.Panel value="referrals"><FileReferrals c={c} onChanged={load} onRecordConsent={() => setTab('consents')} /></Tabs.Panel>
        <Tabs.Panel value="summary">
          <Stack>
            <Textarea data-testid="summary" autosize minRows={6} value={summary} onChange={(e) => setSummary(e.currentTarget.value)} />
            <Group>
              <Button disabled={summary === c.summary} data-testid="summary-save" onClick={() => api.updateClient(id, { summary }).then((v) => { setC(v); setSummary(v.summary); notify.ok(t('common.saved')); }, notify.error)}>
                {t('client.save_summary')}
              </Button>
            </Group>
          </Stack>
        </Tabs.Panel>
        <Tabs.Panel value="history"><History id={id} /></Tabs.Panel>
        <Tabs.Panel value="audit"><FileAuditView id={id} /></Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
