import type { TFunction } from 'i18next';
import { Alert, Button, Checkbox, Group, NumberInput, SegmentedControl, Select, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type ConsultationInput, type DeadlineInput, type DueDate, type PlaceInput } from '../ipc';
import { today, useVocab } from '../state';
import { ErrorAlert } from './errors';

const ISO = /^\d{4}-\d{2}-\d{2}$/;

/** `a` is a day before `b`, both written YYYY-MM-DD (anything else is for the backend to judge). */
export const isoBefore = (a: string, b: string | null | undefined) => !!b && ISO.test(a.trim()) && ISO.test(b.trim()) && a.trim() < b.trim();

export function ruleOptions(t: TFunction, ids: string[]) {
  return ids.map((id) => ({ value: id, label: t(`vocab.rule.${id}`, { defaultValue: id }) }));
}

/** Why the due date is what it is, in the person's language. */
export function DueExplanation({ due }: { due: DueDate }) {
  const { t } = useTranslation();
  // The backend says "Saturday", "Sunday" or "holiday: <its Polish name>".
  const why = (reason: string) =>
    reason.startsWith('holiday: ') ? `${t('deadline.holiday')}: ${reason.slice(9)}` : t('deadline.weekend');
  const moved = due.moved_over.map((d) => `${d.date} (${why(d.reason)})`);
  return (
    <Alert color={due.uncertain ? 'yellow' : 'blue'} data-testid="due" title={`${t('deadline.due')}: ${due.due}`}>
      <Stack gap={2}>
        {due.deemed_delivery && <Text size="sm">{t('deadline.deemed', { date: due.deemed_delivery })}</Text>}
        <Text size="sm">{t('deadline.limit', { count: due.limit_days })} · {t('deadline.nominal', { date: due.nominal_due })}</Text>
        {moved.length > 0 && <Text size="sm" data-testid="due-moved">{t('deadline.moved', { days: moved.join(', ') })}</Text>}
        {due.uncertain && <Text size="sm">{t('home.uncertain')}</Text>}
      </Stack>
    </Alert>
  );
}

/** Procedure, start date, uncertain: the due date shows as you type. */
export function DeadlineFields({ value, onChange }: { value: DeadlineInput; onChange: (v: DeadlineInput) => void }) {
  const { t } = useTranslation();
  const vocab = useVocab();
  const [due, setDue] = useState<DueDate | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    if (!value.rule || !ISO.test(value.start)) {
      setDue(null);
      setError(null);
      return;
    }
    api.computeDeadline(value).then(
      (d) => live && (setDue(d), setError(null)),
      (e) => live && (setDue(null), setError(e)),
    );
    return () => {
      live = false;
    };
  }, [value]);
  const rule = vocab.deadline_rules.find((r) => r.id === value.rule);
  return (
    <Stack gap="xs">
      <Select
        data-testid="deadline-rule"
        label={t('deadline.rule')}
        data={ruleOptions(t, vocab.deadline_rules.map((r) => r.id))}
        value={value.rule || null}
        onChange={(r) => onChange({ ...value, rule: r ?? '' })}
        searchable
        placeholder={t('common.choose')}
      />
      {rule?.confidence === 'verify' && <Text size="xs" c="orange">{t('deadline.verify')}</Text>}
      <TextInput data-testid="deadline-start" label={t('deadline.start')} placeholder="2026-01-31" value={value.start} onChange={(e) => onChange({ ...value, start: e.currentTarget.value })} />
      <Checkbox data-testid="deadline-first-notice" label={t('deadline.first_notice')} checked={!!value.first_notice} onChange={(e) => onChange({ ...value, first_notice: e.currentTarget.checked })} />
      <Checkbox data-testid="deadline-uncertain" label={t('deadline.uncertain')} checked={!!value.uncertain} onChange={(e) => onChange({ ...value, uncertain: e.currentTarget.checked })} />
      {due && <DueExplanation due={due} />}
      <ErrorAlert error={error} />
    </Stack>
  );
}

export function emptyDeadline(): DeadlineInput {
  return { rule: '', start: today(), first_notice: false, uncertain: false };
}

export function DeadlineForm({ clientId, onSaved }: { clientId: string; onSaved: (due: string) => void }) {
  const { t } = useTranslation();
  const [value, setValue] = useState<DeadlineInput>(emptyDeadline());
  const [error, setError] = useState<unknown>(null);
  const save = async () => {
    try {
      const d = await api.addDeadline(clientId, value);
      setValue(emptyDeadline());
      setError(null);
      onSaved(d.due);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <Stack gap="xs">
      <DeadlineFields value={value} onChange={setValue} />
      <ErrorAlert error={error} />
      <Group>
        <Button onClick={save} disabled={!value.rule} data-testid="deadline-save">{t('client.add_deadline')}</Button>
      </Group>
    </Stack>
  );
}

export type ConsultationDraft = {
  date: string;
  placeKind: 'point' | 'centre' | 'remote';
  city: string;
  centre: string;
  services: string[];
  language: string;
  interpreter: boolean;
  duration: number | '';
  note: string;
};

export function emptyConsultation(placeKind: ConsultationDraft['placeKind'] = 'point', where = ''): ConsultationDraft {
  return {
    date: today(),
    placeKind,
    city: placeKind === 'point' ? where : '',
    centre: placeKind === 'centre' ? where : '',
    services: ['legal'],
    language: '',
    interpreter: false,
    duration: '',
    note: '',
  };
}

export function consultationInput(d: ConsultationDraft): ConsultationInput {
  const place: PlaceInput =
    d.placeKind === 'point' ? { kind: 'point', city: d.city } : d.placeKind === 'centre' ? { kind: 'centre', centre: d.centre } : { kind: 'remote' };
  return {
    date: d.date,
    place,
    services: d.services,
    language: d.language || null,
    interpreter: d.interpreter,
    duration_minutes: d.duration === '' ? null : d.duration,
    note: d.note,
  };
}

export function ConsultationFields({ value, onChange, fixedPlace = false }: { value: ConsultationDraft; onChange: (v: ConsultationDraft) => void; fixedPlace?: boolean }) {
  const { t } = useTranslation();
  const vocab = useVocab();
  return (
    <Stack gap="xs">
      <Group grow>
        <TextInput data-testid="consultation-date" label={t('consultation.date')} value={value.date} onChange={(e) => onChange({ ...value, date: e.currentTarget.value })} />
        <NumberInput data-testid="consultation-duration" label={t('consultation.duration')} value={value.duration} min={1} max={1440} onChange={(n) => onChange({ ...value, duration: typeof n === 'number' ? n : '' })} />
      </Group>
      {!fixedPlace && (
        <>
          <SegmentedControl
            data-testid="consultation-place"
            value={value.placeKind}
            onChange={(k) => onChange({ ...value, placeKind: k as ConsultationDraft['placeKind'] })}
            data={(['point', 'centre', 'remote'] as const).map((k) => ({ value: k, label: t(`consultation.${k}`) }))}
          />
          {value.placeKind === 'point' && (
            <Select data-testid="consultation-city" label={t('consultation.city')} data={vocab.cities} value={value.city || null} onChange={(c) => onChange({ ...value, city: c ?? '' })} />
          )}
          {value.placeKind === 'centre' && (
            <Select data-testid="consultation-centre" label={t('consultation.centre')} data={vocab.centres} value={value.centre || null} onChange={(c) => onChange({ ...value, centre: c ?? '' })} />
          )}
        </>
      )}
      <Checkbox.Group label={t('consultation.services')} value={value.services} onChange={(s) => onChange({ ...value, services: s })}>
        <Group gap="sm" mt={4}>
          {vocab.services.map((s) => (
            <Checkbox key={s} value={s} label={t(`vocab.service.${s}`)} data-testid={`service-${s}`} />
          ))}
        </Group>
      </Checkbox.Group>
      <Group grow>
        <TextInput label={t('consultation.language')} placeholder="uk" value={value.language} onChange={(e) => onChange({ ...value, language: e.currentTarget.value })} />
        <Checkbox mt="lg" label={t('consultation.interpreter')} checked={value.interpreter} onChange={(e) => onChange({ ...value, interpreter: e.currentTarget.checked })} />
      </Group>
      <Textarea data-testid="consultation-note" label={t('consultation.note')} autosize minRows={2} value={value.note} onChange={(e) => onChange({ ...value, note: e.currentTarget.value })} />
    </Stack>
  );
}

export function ConsultationForm({ clientId, onSaved }: { clientId: string; onSaved: () => void }) {
  const { t } = useTranslation();
  const [value, setValue] = useState<ConsultationDraft>(emptyConsultation());
  const [error, setError] = useState<unknown>(null);
  const save = async () => {
    try {
      await api.addConsultation(clientId, consultationInput(value));
      setValue(emptyConsultation(value.placeKind, value.placeKind === 'point' ? value.city : value.centre));
      setError(null);
      onSaved();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <Stack gap="xs">
      <ConsultationFields value={value} onChange={setValue} />
      <ErrorAlert error={error} />
      <Group>
        <Button onClick={save} data-testid="consultation-save">{t('client.add_consultation')}</Button>
      </Group>
    </Stack>
  );
}
