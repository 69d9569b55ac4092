import type { TFunction } from 'i18next';
import { Alert, Button, Checkbox, Group, NumberInput, SegmentedControl, Select, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type ConsultationInput, type DeadlineInput, type DeadlineRule as Rule, type DueDate, type PlaceInput, type RuleNames } from '../ipc';
import { today, useVocab } from '../state';
import { ErrorState } from './errors';
import { LanguageSelect } from './languages';
import { ProjectSelect } from './projects';
import { DateField } from './DateField';
import { useDateTime } from './dates';

const ISO = /^\d{4}-\d{2}-\d{2}$/;

/** `a` is a day before `b`, both written YYYY-MM-DD (anything else is for the backend to judge). */
export const isoBefore = (a: string, b: string | null | undefined) => !!b && ISO.test(a.trim()) && ISO.test(b.trim()) && a.trim() < b.trim();

/** A rule's name in the interface language: from the rule book (which a server may bring
 * newer than this build), or the catalogue for the limits a decision or court sets. */
export function useRuleName(): (id: string) => string {
  const { t, i18n } = useTranslation();
  const vocab = useVocab();
  return (id: string) => {
    const r = vocab.deadline_rules.find((x) => x.id === id);
    if (!r) return t(`vocab.rule.${id}`, { defaultValue: id });
    const lang = i18n.language.slice(0, 2) as keyof RuleNames;
    return r.names[lang] ?? r.names.en;
  };
}

/** The rule book's rules to choose from, grouped by procedure, then the limits a decision or a
 * court sets. */
export function ruleGroups(t: TFunction, rules: Rule[], name: (id: string) => string) {
  const tracks = ['residence', 'asylum', 'return', 'detention', 'court', 'ukraine'];
  const order = (tr: string) => (tracks.indexOf(tr) < 0 ? tracks.length : tracks.indexOf(tr));
  const byTrack = [...new Set(rules.map((r) => r.track))].sort((a, b) => order(a) - order(b));
  return [
    ...byTrack.map((track) => ({
      group: t(`deadline.track.${track}`, { defaultValue: track }),
      items: rules.filter((r) => r.track === track).map((r) => ({ value: r.id, label: name(r.id) })),
    })),
    { group: t('deadline.group_set'), items: [CUSTOM_DAYS, CUSTOM_DATE].map((id) => ({ value: id, label: name(id) })) },
  ];
}

/** A limit in days the decision or the court set (voluntary departure, a court's order to
 * complete a complaint): counted like the rule book's limits. */
export const CUSTOM_DAYS = 'custom-days';
/** A day the authority or the court named: kept as named. */
export const CUSTOM_DATE = 'custom-date';
/** Deadlines outside the rule book: the backend wants a note saying what each is for. */
export const isCustomRule = (rule: string) => rule === CUSTOM_DAYS || rule === CUSTOM_DATE;

/** What the form sends: `days` and `due` only for the rule they belong to, the note only where
 * the form asks for it (a note typed for a custom deadline stays in the form, not in a
 * deadline of the rule book chosen afterwards). */
export function deadlineInput(v: DeadlineInput, rule?: Rule): DeadlineInput {
  const uncertain = v.rule !== CUSTOM_DATE && !!v.uncertain;
  return {
    ...v,
    first_notice: v.rule !== CUSTOM_DATE && !!v.first_notice,
    // A named day is what the letter says: "uncertain" (earliest possible deadline) has no
    // meaning for it.
    uncertain,
    start_latest: uncertain && v.start_latest?.trim() ? v.start_latest.trim() : null,
    time: rule?.unit === 'hours' ? (v.time ?? null) : null,
    note: isCustomRule(v.rule) ? (v.note ?? null) : null,
    days: v.rule === CUSTOM_DAYS || rule?.min != null ? (v.days ?? null) : null,
    due: v.rule === CUSTOM_DATE ? (v.due ?? null) : null,
  };
}

/** Everything the due date depends on is typed (a half-typed date would only bring refusals). */
function readyToCompute(v: DeadlineInput, rule?: Rule): boolean {
  if (!v.rule || !ISO.test(v.start)) return false;
  if (rule?.min != null && typeof v.days !== 'number') return false;
  if (rule?.unit === 'hours' && !/^\d{1,2}:\d{2}$/.test(v.time ?? '')) return false;
  if (!isCustomRule(v.rule)) return true;
  if (!v.note?.trim()) return false;
  return v.rule === CUSTOM_DAYS ? typeof v.days === 'number' : ISO.test(v.due ?? '');
}

/** A deadline as lists show it: its rule, and its note, which is what tells apart the deadlines
 * the decision or the court set (they all share two rule names). */
export function DeadlineRule({ rule, note }: { rule: string; note?: string | null }) {
  const name = useRuleName();
  return (
    <Stack gap={0}>
      <Text size="sm">{name(rule)}</Text>
      {note && <Text size="sm" fw={600} data-testid="deadline-row-note">{note}</Text>}
    </Stack>
  );
}

/** Why a day an authority or a court named is not a working day (in the person's language), or
 * null: the backend says "Saturday", "Sunday" or "holiday: <its Polish name>" in `day_off`. */
function dayOff(t: TFunction, due: DueDate): string | null {
  const off = due.day_off;
  if (!off) return null;
  if (off.startsWith('holiday: ')) return `${t('deadline.holiday')}: ${off.slice(9)}`;
  return off === 'Sunday' ? t('deadline.sunday') : off === 'Saturday' ? t('deadline.saturday') : off;
}

/** Why the due date is what it is, in the person's language. */
export function DueExplanation({ due }: { due: DueDate }) {
  const { t } = useTranslation();
  const { day } = useDateTime();
  // The backend says "Saturday", "Sunday" or "holiday: <its Polish name>".
  const why = (reason: string) =>
    reason.startsWith('holiday: ') ? `${t('deadline.holiday')}: ${reason.slice(9)}` : t('deadline.weekend');
  const moved = due.moved_over.map((d) => `${day(d.date)} (${why(d.reason)})`);
  const named = due.rule === CUSTOM_DATE;
  const off = dayOff(t, due);
  const when = (date: string, time: string | null) => (time ? `${day(date)} ${time}` : day(date));
  return (
    <Alert color={due.uncertain || off ? 'yellow' : 'blue'} data-testid="due" title={`${t('deadline.due')}: ${when(due.due, due.due_time)}`}>
      <Stack gap={2}>
        {due.deemed_delivery && <Text size="sm">{t('deadline.deemed', { date: day(due.deemed_delivery) })}</Text>}
        {named ? (
          <Text size="sm">{t('deadline.set_day', { date: day(due.from) })}</Text>
        ) : due.unit === 'date' ? (
          <Text size="sm">{t('deadline.law_day')}</Text>
        ) : (
          <Text size="sm">{t(`deadline.limit_${due.unit}`, { count: due.limit })} · {t('deadline.nominal', { date: when(due.nominal_due, due.due_time) })}</Text>
        )}
        {off && named && <Text size="sm" fw={600} data-testid="due-day-off">{t('deadline.day_off', { date: day(due.due), why: off })}</Text>}
        {off && !named && <Text size="sm" fw={600} data-testid="due-stays">{t('deadline.stays', { date: day(due.due), why: off })}</Text>}
        {moved.length > 0 && <Text size="sm" data-testid="due-moved">{t('deadline.moved', { days: moved.join(', ') })}</Text>}
        {due.latest && (
          <Text size="sm" fw={600} data-testid="due-latest">{t('deadline.latest', { from: day(due.latest.from), due: when(due.latest.due, due.latest.due_time) })}</Text>
        )}
        {due.uncertain && <Text size="sm">{t('home.uncertain')}</Text>}
        <Text size="xs" c="dimmed" data-testid="due-basis">{t('deadline.basis', { basis: due.basis, version: due.rules_version })}</Text>
      </Stack>
    </Alert>
  );
}

/** Procedure, start date, uncertain: the due date shows as you type. For a deadline the decision
 * or the court set, also what it is for and its days or its day. */
export function DeadlineFields({ value, onChange, autoFocus = false }: { value: DeadlineInput; onChange: (v: DeadlineInput) => void; autoFocus?: boolean }) {
  const { t } = useTranslation();
  const vocab = useVocab();
  const [due, setDue] = useState<DueDate | null>(null);
  const [error, setError] = useState<unknown>(null);
  const rule = vocab.deadline_rules.find((r) => r.id === value.rule);
  const ready = readyToCompute(value, rule);
  const name = useRuleName();
  // Until the fields are complete there is nothing to show: the last answer goes at once.
  if (!ready && (due !== null || error !== null)) {
    setDue(null);
    setError(null);
  }
  useEffect(() => {
    if (!ready) return;
    let live = true;
    api.computeDeadline(deadlineInput(value, rule)).then(
      (d) => live && (setDue(d), setError(null)),
      (e) => live && (setDue(null), setError(e)),
    );
    return () => {
      live = false;
    };
  }, [value, ready, rule]);
  const custom = isCustomRule(value.rule);
  const rules = ruleGroups(t, vocab.deadline_rules, name);
  return (
    <Stack gap="xs">
      <Select
        data-testid="deadline-rule"
        autoFocus={autoFocus}
        label={t('deadline.rule')}
        data={rules}
        value={value.rule || null}
        onChange={(r) => onChange({ ...value, rule: r ?? '' })}
        searchable
        placeholder={t('common.choose')}
      />
      {rule && <Text size="xs" c="dimmed" data-testid="deadline-basis">{rule.basis}</Text>}
      {rule?.confidence === 'verify' && <Text size="xs" c="orange">{t('deadline.verify')}</Text>}
      {rule?.shift === 'none' && rule.unit !== 'hours' && <Text size="xs" c="orange" data-testid="deadline-no-shift">{t('deadline.no_shift')}</Text>}
      {rule?.min != null && (
        <NumberInput
          data-testid="deadline-decision-days"
          label={t('deadline.decision_days', { min: rule.min, max: rule.limit })}
          withAsterisk
          min={rule.min}
          max={rule.limit}
          allowDecimal={false}
          allowNegative={false}
          value={value.days ?? ''}
          onChange={(n) => onChange({ ...value, days: typeof n === 'number' ? n : null })}
        />
      )}
      {custom && (
        <TextInput data-testid="deadline-note" label={t('deadline.note')} description={t('deadline.note_help')} withAsterisk value={value.note ?? ''} onChange={(e) => onChange({ ...value, note: e.currentTarget.value })} />
      )}
      {value.rule === CUSTOM_DAYS && (
        <NumberInput
          data-testid="deadline-days"
          label={t('deadline.days')}
          description={t('deadline.days_help')}
          withAsterisk
          min={1}
          max={366}
          allowDecimal={false}
          allowNegative={false}
          value={value.days ?? ''}
          onChange={(n) => onChange({ ...value, days: typeof n === 'number' ? n : null })}
        />
      )}
      {value.rule === CUSTOM_DATE && (
        <DateField data-testid="deadline-due" label={t('deadline.named_day')} description={t('deadline.named_day_help')} withAsterisk value={value.due} onChange={(due) => onChange({ ...value, due })} />
      )}
      <DateField data-testid="deadline-start" label={value.rule === CUSTOM_DATE ? t('deadline.letter_came') : t('deadline.start')} value={value.start} onChange={(start) => onChange({ ...value, start })} />
      {value.rule !== CUSTOM_DATE && (
        <Checkbox data-testid="deadline-first-notice" label={t('deadline.first_notice')} checked={!!value.first_notice} onChange={(e) => onChange({ ...value, first_notice: e.currentTarget.checked })} />
      )}
      {rule?.unit === 'hours' && (
        <TextInput data-testid="deadline-time" label={t('deadline.time')} description={t('deadline.time_help')} withAsterisk placeholder="10:30" value={value.time ?? ''} onChange={(e) => onChange({ ...value, time: e.currentTarget.value })} />
      )}
      {value.rule !== CUSTOM_DATE && (
        <Checkbox data-testid="deadline-uncertain" label={t('deadline.uncertain')} checked={!!value.uncertain} onChange={(e) => onChange({ ...value, uncertain: e.currentTarget.checked })} />
      )}
      {value.rule !== CUSTOM_DATE && value.uncertain && (
        <DateField data-testid="deadline-start-latest" label={t('deadline.start_latest')} description={t('deadline.start_latest_help')} value={value.start_latest} onChange={(start_latest) => onChange({ ...value, start_latest })} />
      )}
      {custom && !ready && <Text size="xs" c="dimmed" data-testid="deadline-needs">{t('deadline.preview_needs')}</Text>}
      {due && <DueExplanation due={due} />}
      <ErrorState error={error} />
    </Stack>
  );
}

export function emptyDeadline(): DeadlineInput {
  return { rule: '', start: today(), first_notice: false, uncertain: false };
}

export function DeadlineForm({ clientId, onSaved }: { clientId: string; onSaved: (due: string) => void }) {
  const { t } = useTranslation();
  const vocab = useVocab();
  const form = useForm<DeadlineInput>({ initialValues: emptyDeadline() });
  const value = form.values;
  const [error, setError] = useState<unknown>(null);
  const save = async (value: DeadlineInput) => {
    try {
      const d = await api.addDeadline(clientId, deadlineInput(value, vocab.deadline_rules.find((r) => r.id === value.rule)));
      form.setValues(emptyDeadline());
      setError(null);
      onSaved(d.due);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <form onSubmit={form.onSubmit(save)}>
      <Stack gap="xs">
        <DeadlineFields value={value} onChange={form.setValues} />
        <ErrorState error={error} />
        <Group>
          <Button type="submit" disabled={!value.rule} data-testid="deadline-save">{t('client.add_deadline')}</Button>
        </Group>
      </Stack>
    </form>
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
  /** A project code of the organisation, or ''. */
  project: string;
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
    project: '',
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
    project: d.project || null,
  };
}

export function ConsultationFields({ value, onChange, fixedPlace = false }: { value: ConsultationDraft; onChange: (v: ConsultationDraft) => void; fixedPlace?: boolean }) {
  const { t } = useTranslation();
  const vocab = useVocab();
  return (
    <Stack gap="xs">
      <Group grow>
        <DateField data-testid="consultation-date" label={t('consultation.date')} value={value.date} onChange={(date) => onChange({ ...value, date })} />
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
        <LanguageSelect testId="consultation-language" label={t('consultation.language')} value={value.language} onChange={(l) => onChange({ ...value, language: l })} />
        <Checkbox mt="lg" label={t('consultation.interpreter')} checked={value.interpreter} onChange={(e) => onChange({ ...value, interpreter: e.currentTarget.checked })} />
      </Group>
      <ProjectSelect testId="consultation-project" date={value.date} value={value.project} onChange={(p) => onChange({ ...value, project: p })} />
      <Textarea data-testid="consultation-note" label={t('consultation.note')} autosize minRows={2} value={value.note} onChange={(e) => onChange({ ...value, note: e.currentTarget.value })} />
    </Stack>
  );
}

export function ConsultationForm({ clientId, onSaved }: { clientId: string; onSaved: () => void }) {
  const { t } = useTranslation();
  const form = useForm<ConsultationDraft>({ initialValues: emptyConsultation() });
  const [error, setError] = useState<unknown>(null);
  const save = async (value: ConsultationDraft) => {
    try {
      await api.addConsultation(clientId, consultationInput(value));
      form.setValues({ ...emptyConsultation(value.placeKind, value.placeKind === 'point' ? value.city : value.centre), project: value.project });
      setError(null);
      onSaved();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <form onSubmit={form.onSubmit(save)}>
      <Stack gap="xs">
        <ConsultationFields value={form.values} onChange={form.setValues} />
        <ErrorState error={error} />
        <Group>
          <Button type="submit" data-testid="consultation-save">{t('client.add_consultation')}</Button>
        </Group>
      </Stack>
    </form>
  );
}
