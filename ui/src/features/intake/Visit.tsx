import { Alert, Anchor, Badge, Button, Card, Checkbox, Group, Paper, SegmentedControl, Select, Stack, Text, Textarea, Title } from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorState, useNotify } from '../../components/errors';
import { DeadlineFields, deadlineInput, emptyDeadline } from '../../components/forms';
import { api, type DeadlineInput, type JsonValue } from '../../ipc';
import { today, useNav, useVocab } from '../../state';
import { DuplicateWarning, emptyPerson, PersonFields, personInput, type PersonDraft, useLikelySame } from './Intake';
import { SearchBox } from '../clients/Search';
import { DateField } from '../../components/DateField';
import { useDateTime } from '../../components/dates';

const DRAFT = 'visit';

type Current = {
  mode: 'new' | 'found';
  found: { id: string; name: string } | null;
  person: PersonDraft;
  services: string[];
  note: string;
  withDeadline: boolean;
  deadline: DeadlineInput;
};

type VisitDraft = {
  centre: string;
  date: string;
  started: boolean;
  current: Current;
  seen: { id: string; name: string }[];
};

function freshCurrent(): Current {
  return { mode: 'new', found: null, person: emptyPerson(), services: ['legal'], note: '', withDeadline: false, deadline: emptyDeadline() };
}

function freshVisit(): VisitDraft {
  return { centre: '', date: today(), started: false, current: freshCurrent(), seen: [] };
}

/** A day in a guarded centre: people one after another, everything kept as a draft in the
 * encrypted store while typing, so a laptop closed mid-entry loses nothing. */
export function Visit() {
  const { t } = useTranslation();
  const { day } = useDateTime();
  const vocab = useVocab();
  const nav = useNav();
  const notify = useNotify();
  const [v, setV] = useState<VisitDraft | null>(null);
  const [restored, setRestored] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const same = useLikelySame(v?.current.person ?? emptyPerson());

  useEffect(() => {
    api.draft(DRAFT).then(
      (d) => {
        if (d && typeof d === 'object') {
          setV(d as unknown as VisitDraft);
          setRestored(true);
        } else setV(freshVisit());
      },
      () => setV(freshVisit()),
    );
  }, []);

  // Keep the draft as the person types (a quarter of a second after the last keystroke); a
  // draft still waiting when the screen closes is saved at once.
  const pending = useRef<VisitDraft | null>(null);
  const flush = () => {
    clearTimeout(timer.current);
    const d = pending.current;
    pending.current = null;
    if (d) void api.saveDraft(DRAFT, d as unknown as JsonValue).catch(() => {});
  };
  const update = (next: VisitDraft) => {
    setV(next);
    pending.current = next;
    clearTimeout(timer.current);
    timer.current = setTimeout(flush, 250);
  };
  useEffect(() => flush, []);

  if (!v) return null;
  const c = v.current;
  const setC = (patch: Partial<Current>) => update({ ...v, current: { ...c, ...patch } });

  // One call records the person: taken in (or found), the consultation and the deadline, in
  // one write. A refused call writes nothing, so trying again cannot double anything.
  const addPerson = async () => {
    setBusy(true);
    setError(null);
    try {
      const found = c.mode === 'found' ? c.found : null;
      const rule = vocab.deadline_rules.find((r) => r.id === c.deadline.rule);
      const r = await api.recordVisit({
        centre: v.centre,
        date: v.date,
        client_id: found?.id ?? null,
        person: found ? null : personInput(c.person),
        services: c.services,
        note: c.note,
        deadline: c.withDeadline && c.deadline.rule ? deadlineInput(c.deadline, rule) : null,
      });
      const name = found?.name ?? ([c.person.given, c.person.family].filter(Boolean).join(' ') || c.person.original);
      const next = { ...v, current: freshCurrent(), seen: [...v.seen, { id: r.client_id, name }] };
      update(next);
      await api.saveDraft(DRAFT, next as unknown as JsonValue);
      notify.ok(t('visit.saved_person', { name }));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const finish = async () => {
    clearTimeout(timer.current);
    pending.current = null;
    await api.deleteDraft(DRAFT);
    setV(freshVisit());
    setRestored(false);
  };

  if (!v.started) {
    return (
      <Stack maw={600}>
        <Title order={2}>{t('visit.title')}</Title>
        <Text size="sm">{t('visit.intro')}</Text>
        <Paper withBorder p="md">
          <Stack>
            <Select data-testid="visit-centre" autoFocus label={t('visit.centre')} data={vocab.centres} value={v.centre || null} onChange={(x) => update({ ...v, centre: x ?? '' })} />
            <DateField data-testid="visit-date" label={t('visit.date')} value={v.date} onChange={(date) => update({ ...v, date })} />
            <Group><Button disabled={!v.centre} onClick={() => update({ ...v, started: true })} data-testid="visit-start">{t('visit.start')}</Button></Group>
          </Stack>
        </Paper>
      </Stack>
    );
  }

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t('visit.title')}: {v.centre} · {day(v.date)}</Title>
        <Button variant="light" onClick={finish} data-testid="visit-finish">{t('visit.finish')}</Button>
      </Group>
      {restored && <Alert color="blue" data-testid="visit-restored">{t('visit.draft_restored')}</Alert>}
      <Group align="flex-start" grow>
        <Paper withBorder p="md" style={{ flex: 2 }}>
          <Stack>
            <SegmentedControl value={c.mode} onChange={(m) => setC({ mode: m as Current['mode'] })} data={[{ value: 'new', label: t('visit.new_person') }, { value: 'found', label: t('visit.find') }]} />
            {c.mode === 'found' ? (
              c.found ? (
                <Group><Badge size="lg">{c.found.name}</Badge><Anchor component="button" onClick={() => setC({ found: null })}>{t('common.cancel')}</Anchor></Group>
              ) : (
                <SearchBox autoFocus={false} onOpen={(h) => setC({ found: { id: h.id, name: h.display_name } })} />
              )
            ) : (
              <>
                <PersonFields compact value={c.person} onChange={(p) => setC({ person: p })} />
                <DuplicateWarning same={same} />
              </>
            )}
            <Checkbox.Group label={t('visit.services')} value={c.services} onChange={(s) => setC({ services: s })}>
              <Group gap="sm" mt={4}>{vocab.services.map((s) => <Checkbox key={s} value={s} label={t(`vocab.service.${s}`)} />)}</Group>
            </Checkbox.Group>
            <Textarea data-testid="visit-note" label={t('visit.note')} autosize minRows={2} value={c.note} onChange={(e) => setC({ note: e.currentTarget.value })} />
            <Checkbox label={t('visit.decision')} checked={c.withDeadline} onChange={(e) => setC({ withDeadline: e.currentTarget.checked })} />
            {c.withDeadline && <DeadlineFields value={c.deadline} onChange={(d) => setC({ deadline: d })} />}
            <ErrorState error={error} />
            <Group>
              <Button loading={busy} onClick={addPerson} disabled={c.mode === 'found' ? !c.found : !c.person.family && !c.person.original} data-testid="visit-add">{t('visit.add_person')}</Button>
            </Group>
          </Stack>
        </Paper>
        <Card withBorder style={{ flex: 1 }}>
          <Title order={5} mb="xs">{t('visit.seen')} ({v.seen.length})</Title>
          {v.seen.length === 0 && <Text c="dimmed" size="sm">{t('visit.empty')}</Text>}
          <Stack gap={4} data-testid="visit-seen">
            {v.seen.map((s) => <Anchor key={s.id} component="button" ta="left" onClick={() => nav({ name: 'client', id: s.id })}>{s.name}</Anchor>)}
          </Stack>
        </Card>
      </Group>
    </Stack>
  );
}
