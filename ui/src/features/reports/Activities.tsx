// Group activities: courses, trainings, information sessions, hotline shifts, interventions at
// the border, outreach. Recorded as a headcount (never a list of people), tagged with a
// project, counted in donor reports.
import { Autocomplete, Badge, Button, Card, Group, NumberInput, Paper, SegmentedControl, Select, Stack, Table, Text, Textarea, TextInput, Title } from '@mantine/core';
import { useCallback, useEffect, useEffectEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Confirm, TableHead } from '../../components/layout';
import { ErrorState, useNotify } from '../../components/errors';
import { ProjectSelect } from '../../components/projects';
import { api, type ActivityInput, type ActivityView, type PlaceInput } from '../../ipc';
import { today, useVocab } from '../../state';
import { DateField } from '../../components/DateField';
import { useDateTime } from '../../components/dates';

type Count = number | '';

type Draft = {
  kind: string;
  date: string;
  placeKind: 'point' | 'centre' | 'remote';
  city: string;
  centre: string;
  topic: string;
  participants: Count;
  female: Count;
  male: Count;
  children: Count;
  duration: Count;
  project: string;
  staff: string;
  note: string;
};

function emptyDraft(): Draft {
  return { kind: 'training', date: today(), placeKind: 'point', city: '', centre: '', topic: '', participants: '', female: '', male: '', children: '', duration: '', project: '', staff: '', note: '' };
}

function draftOf(a: ActivityView): Draft {
  const n = (v: number | null): Count => (v === null ? '' : v);
  return {
    kind: a.kind,
    date: a.date,
    placeKind: a.place.kind,
    city: a.place.kind === 'point' ? a.place.city : '',
    centre: a.place.kind === 'centre' ? a.place.centre : '',
    topic: a.topic,
    participants: a.participants,
    female: n(a.female),
    male: n(a.male),
    children: n(a.children),
    duration: n(a.duration_minutes),
    project: a.project ?? '',
    staff: a.staff ?? '',
    note: a.note,
  };
}

function inputOf(d: Draft): ActivityInput {
  const n = (v: Count) => (v === '' ? null : v);
  const place: PlaceInput = d.placeKind === 'point' ? { kind: 'point', city: d.city } : d.placeKind === 'centre' ? { kind: 'centre', centre: d.centre } : { kind: 'remote' };
  return {
    kind: d.kind,
    date: d.date.trim(),
    place,
    project: d.project || null,
    topic: d.topic,
    participants: d.participants === '' ? 0 : d.participants,
    female: n(d.female),
    male: n(d.male),
    children: n(d.children),
    duration_minutes: n(d.duration),
    staff: d.staff.trim() || null,
    note: d.note,
  };
}


function ActivityForm({ editing, onSaved, onCancel }: { editing: ActivityView | null; onSaved: (a: ActivityView) => void; onCancel: () => void }) {
  const { t } = useTranslation();
  const vocab = useVocab();
  const [d, setD] = useState<Draft>(editing ? draftOf(editing) : emptyDraft());
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof Draft>(k: K) => (v: Draft[K]) => setD((x) => ({ ...x, [k]: v }));
  const count = (k: 'participants' | 'female' | 'male' | 'children' | 'duration') => (v: string | number) => set(k)(typeof v === 'number' ? v : '');
  const save = async () => {
    setBusy(true);
    try {
      const a = editing ? await api.updateActivity(editing.id, inputOf(d)) : await api.recordActivity(inputOf(d));
      setError(null);
      setD({ ...emptyDraft(), kind: d.kind, placeKind: d.placeKind, city: d.city, centre: d.centre, project: d.project });
      onSaved(a);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const sexes = (d.female === '' ? 0 : d.female) + (d.male === '' ? 0 : d.male);
  const tooMany = d.participants !== '' && sexes > d.participants;
  return (
    <Stack gap="xs" data-testid="activity-form">
      <Group grow align="flex-start">
        <Select data-testid="activity-kind" label={t('activities.kind')} data={vocab.activity_kinds.map((k) => ({ value: k, label: t(`vocab.activity_kind.${k}`) }))} value={d.kind} onChange={(k) => set('kind')(k ?? 'training')} allowDeselect={false} />
        <DateField data-testid="activity-date" label={t('common.date')} value={d.date} onChange={set('date')} />
        <NumberInput data-testid="activity-duration" label={t('consultation.duration')} value={d.duration} min={1} max={1440} onChange={count('duration')} />
      </Group>
      <TextInput data-testid="activity-topic" label={t('activities.topic')} placeholder={t('activities.topic_placeholder')} value={d.topic} onChange={(e) => set('topic')(e.currentTarget.value)} required />
      <SegmentedControl
        data-testid="activity-place"
        value={d.placeKind}
        onChange={(k) => set('placeKind')(k as Draft['placeKind'])}
        data={(['point', 'centre', 'remote'] as const).map((k) => ({ value: k, label: t(`activities.place_${k}`) }))}
      />
      {d.placeKind === 'point' && <Autocomplete data-testid="activity-city" label={t('activities.city')} description={t('activities.city_help')} data={vocab.cities} value={d.city} onChange={set('city')} />}
      {d.placeKind === 'centre' && <Select data-testid="activity-centre" label={t('consultation.centre')} data={vocab.centres} value={d.centre || null} onChange={(c) => set('centre')(c ?? '')} />}
      <Group grow align="flex-start">
        <NumberInput data-testid="activity-participants" label={d.kind === 'hotline' ? t('activities.calls') : t('activities.participants')} value={d.participants} min={1} max={5000} onChange={count('participants')} required />
        <NumberInput data-testid="activity-female" label={t('activities.female')} value={d.female} min={0} onChange={count('female')} error={tooMany ? t('activities.too_many') : undefined} />
        <NumberInput data-testid="activity-male" label={t('activities.male')} value={d.male} min={0} onChange={count('male')} />
        <NumberInput data-testid="activity-children" label={t('activities.children')} value={d.children} min={0} onChange={count('children')} />
      </Group>
      <Text size="xs" c="dimmed">{t('activities.headcount_help')}</Text>
      <ProjectSelect testId="activity-project" date={d.date} value={d.project} onChange={set('project')} />
      <Group grow>
        <TextInput label={t('activities.staff')} value={d.staff} onChange={(e) => set('staff')(e.currentTarget.value)} />
      </Group>
      <Textarea label={t('common.note')} description={t('activities.note_help')} autosize minRows={2} value={d.note} onChange={(e) => set('note')(e.currentTarget.value)} />
      <ErrorState error={error} />
      <Group>
        <Button loading={busy} onClick={save} disabled={!d.topic.trim() || d.participants === '' || tooMany} data-testid="activity-save">{editing ? t('activities.save_changes') : t('activities.record')}</Button>
        {editing && <Button variant="subtle" onClick={onCancel}>{t('common.cancel')}</Button>}
      </Group>
    </Stack>
  );
}

function placeText(t: (k: string) => string, p: PlaceInput): string {
  if (p.kind === 'point') return p.city;
  if (p.kind === 'centre') return `${p.centre} (${t('activities.place_centre')})`;
  return t('activities.place_remote');
}

export function Activities() {
  const { t } = useTranslation();
  const { day } = useDateTime();
  const notify = useNotify();
  const [from, setFrom] = useState(today(3));
  const [to, setTo] = useState(today());
  const [list, setList] = useState<ActivityView[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [editing, setEditing] = useState<ActivityView | null>(null);
  const [removing, setRemoving] = useState<ActivityView | null>(null);
  const load = useCallback(() => {
    api.activities(from, to).then((l) => (setList(l), setError(null)), setError);
  }, [from, to]);
  // The list of the default period on opening; a period chosen later shows on "Show".
  const loadFirst = useEffectEvent(load);
  useEffect(() => loadFirst(), []);

  const edit = (a: ActivityView) => api.activity(a.id).then(setEditing, notify.error);
  const remove = async () => {
    if (!removing) return;
    try {
      await api.removeActivity(removing.id);
      notify.ok(t('activities.removed'));
      setRemoving(null);
      load();
    } catch (e) {
      notify.error(e);
    }
  };
  const total = (list ?? []).reduce((s, a) => s + a.participants, 0);

  return (
    <Stack>
      <Title order={2}>{t('activities.title')}</Title>
      <Text size="sm" c="dimmed">{t('activities.intro')}</Text>
      <Card withBorder>
        <Title order={5} mb="xs">{editing ? t('activities.edit_title') : t('activities.add_title')}</Title>
        <ActivityForm
          key={editing?.id ?? 'new'}
          editing={editing}
          onCancel={() => setEditing(null)}
          onSaved={(a) => {
            notify.ok(t(editing ? 'activities.updated' : 'activities.saved', { topic: a.topic }));
            setEditing(null);
            load();
          }}
        />
      </Card>
      <Paper withBorder p="md">
        <Group align="flex-end">
          <DateField data-testid="activities-from" label={t('reports.from')} value={from} onChange={setFrom} />
          <DateField data-testid="activities-to" label={t('reports.to')} value={to} onChange={setTo} />
          <Button variant="light" onClick={load} data-testid="activities-show">{t('reports.show')}</Button>
        </Group>
      </Paper>
      <ErrorState error={error} />
      {list && (
        <Card withBorder>
          <Text fw={600} mb="sm" data-testid="activities-total">{t('activities.total', { n: list.length, participants: total })}</Text>
          {list.length === 0 ? (
            <Text c="dimmed" size="sm">{t('activities.empty')}</Text>
          ) : (
            <Table data-testid="activities">
              <TableHead columns={[t('common.date'), t('activities.kind'), t('activities.topic'), t('activities.place'), t('activities.participants'), t('projects.project'), null]} />
              <Table.Tbody>
                {list.map((a) => (
                  <Table.Tr key={a.id} data-testid="activity-row">
                    <Table.Td>{day(a.date)}</Table.Td>
                    <Table.Td>{t(`vocab.activity_kind.${a.kind}`, { defaultValue: a.kind })}</Table.Td>
                    <Table.Td>{a.topic}</Table.Td>
                    <Table.Td>{placeText(t, a.place)}</Table.Td>
                    <Table.Td>
                      {a.participants}
                      {(a.female !== null || a.male !== null || a.children !== null) && (
                        <Text span size="xs" c="dimmed"> ({t('activities.split', { female: a.female ?? '–', male: a.male ?? '–', children: a.children ?? '–' })})</Text>
                      )}
                    </Table.Td>
                    <Table.Td>{a.project ? <Badge variant="light">{a.project}</Badge> : null}</Table.Td>
                    <Table.Td>
                      <Group gap={4} wrap="nowrap">
                        <Button size="xs" variant="subtle" onClick={() => edit(a)} data-testid="activity-edit">{t('activities.edit')}</Button>
                        <Button size="xs" variant="subtle" color="red" onClick={() => setRemoving(a)} data-testid="activity-remove">{t('activities.remove')}</Button>
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Card>
      )}
      <Confirm subject={removing} onClose={() => setRemoving(null)} title={t('activities.remove_title')} action={{ label: t('activities.remove'), color: 'red', onClick: remove, testId: 'activity-remove-confirm' }}>
        {(r) => <Text size="sm">{t('activities.remove_text', { topic: r.topic, date: day(r.date) })}</Text>}
      </Confirm>
    </Stack>
  );
}
