import { Alert, Anchor, Button, Checkbox, Group, Paper, Select, SimpleGrid, Stack, Textarea, TextInput, Title } from '@mantine/core';
import { useEffect, useEffectEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorState, useNotify } from '../../components/errors';
import { api, type ClientInput, type ClientSummary } from '../../ipc';
import { today, useNav, useVocab } from '../../state';
import { DateField } from '../../components/DateField';
import { useDateTime } from '../../components/dates';

export type PersonDraft = {
  given: string;
  family: string;
  original: string;
  birth: string;
  birthApprox: boolean;
  sex: string;
  citizenship: string;
  languages: string;
  phone: string;
  status: string;
  summary: string;
};

export function emptyPerson(): PersonDraft {
  return { given: '', family: '', original: '', birth: '', birthApprox: false, sex: 'unknown', citizenship: '', languages: '', phone: '', status: '', summary: '' };
}

const list = (s: string) => s.split(/[,\s]+/).map((x) => x.trim()).filter(Boolean);

export function personInput(p: PersonDraft): ClientInput {
  return {
    given_names: p.given || null,
    family_name: p.family || null,
    names_original: p.original ? p.original : null,
    birth_date: p.birth || null,
    birth_date_approximate: p.birthApprox,
    sex: p.sex,
    citizenships: list(p.citizenship),
    languages: list(p.languages),
    contact: p.phone ? { phone: p.phone } : null,
    legal_status: p.status ? [{ status: p.status, from: today() }] : null,
    summary: p.summary || null,
  };
}

/** Warns, before saving, that the person may already have a file (same names and birth date). */
export function useLikelySame(p: PersonDraft): ClientSummary[] {
  const [same, setSame] = useState<ClientSummary[]>([]);
  const complete = Boolean((p.family || p.original) && p.birth);
  if (!complete && same.length > 0) setSame([]);
  // Asked again when the names or the birth date change (with the rest of the person as it is then).
  const ask = useEffectEvent(() => api.likelySameAs(personInput({ ...p, summary: '' })));
  useEffect(() => {
    if (!complete) return;
    let live = true;
    const timer = setTimeout(() => {
      ask().then((s) => live && setSame(s), () => live && setSame([]));
    }, 150);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [complete, p.given, p.family, p.original, p.birth]);
  return same;
}

export function DuplicateWarning({ same }: { same: ClientSummary[] }) {
  const { t } = useTranslation();
  const { day } = useDateTime();
  const nav = useNav();
  if (same.length === 0) return null;
  return (
    <Alert color="yellow" title={t('intake.duplicate_title')} data-testid="duplicate-warning">
      {t('intake.duplicate_help')}{' '}
      {same.map((c) => (
        <Anchor key={c.id} component="button" mr="sm" onClick={() => nav({ name: 'client', id: c.id })}>
          {c.display_name}{c.birth_date ? ` (${day(c.birth_date)})` : ''}
        </Anchor>
      ))}
    </Alert>
  );
}

export function PersonFields({ value, onChange, compact = false }: { value: PersonDraft; onChange: (p: PersonDraft) => void; compact?: boolean }) {
  const { t } = useTranslation();
  const vocab = useVocab();
  const set = (k: keyof PersonDraft) => (e: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => onChange({ ...value, [k]: e.currentTarget.value });
  return (
    <Stack gap="xs">
      <SimpleGrid cols={2}>
        <TextInput data-testid="intake-given" label={t('intake.given_names')} value={value.given} onChange={set('given')} autoFocus />
        <TextInput data-testid="intake-family" label={t('intake.family_name')} value={value.family} onChange={set('family')} />
      </SimpleGrid>
      <TextInput data-testid="intake-original" label={t('intake.names_original')} value={value.original} onChange={set('original')} />
      <SimpleGrid cols={3}>
        <DateField partial data-testid="intake-birth" label={t('intake.birth_date')} value={value.birth} onChange={(birth) => onChange({ ...value, birth })} />
        <Select data-testid="intake-sex" label={t('intake.sex')} data={vocab.sexes.map((s) => ({ value: s, label: t(`vocab.sex.${s}`) }))} value={value.sex} onChange={(s) => onChange({ ...value, sex: s ?? 'unknown' })} />
        <TextInput data-testid="intake-citizenship" label={t('intake.citizenship')} value={value.citizenship} onChange={set('citizenship')} />
      </SimpleGrid>
      <Checkbox label={t('intake.birth_approximate')} checked={value.birthApprox} onChange={(e) => onChange({ ...value, birthApprox: e.currentTarget.checked })} />
      {!compact && (
        <>
          <SimpleGrid cols={3}>
            <TextInput label={t('intake.languages')} value={value.languages} onChange={set('languages')} />
            <TextInput label={t('intake.phone')} value={value.phone} onChange={set('phone')} />
            <Select label={t('intake.status')} clearable data={vocab.legal_statuses.map((s) => ({ value: s, label: t(`vocab.legal_status.${s}`) }))} value={value.status || null} onChange={(s) => onChange({ ...value, status: s ?? '' })} />
          </SimpleGrid>
          <Textarea label={t('intake.summary')} autosize minRows={3} value={value.summary} onChange={set('summary')} />
        </>
      )}
    </Stack>
  );
}

export function Intake() {
  const { t } = useTranslation();
  const nav = useNav();
  const notify = useNotify();
  const [p, setP] = useState<PersonDraft>(emptyPerson());
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const same = useLikelySame(p);

  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      const r = await api.intake(personInput(p));
      notify.ok(t('intake.saved'));
      nav({ name: 'client', id: r.id });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Stack maw={900}>
      <Title order={2}>{t('intake.title')}</Title>
      <Paper withBorder p="md">
        <form onSubmit={save}>
          <Stack>
            <PersonFields value={p} onChange={setP} />
            <DuplicateWarning same={same} />
            <ErrorState error={error} />
            <Group>
              <Button type="submit" loading={busy} disabled={!p.family && !p.original} data-testid="intake-save">{t('intake.save')}</Button>
            </Group>
          </Stack>
        </form>
      </Paper>
    </Stack>
  );
}
