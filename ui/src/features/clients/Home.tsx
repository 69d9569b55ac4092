import type { TFunction } from 'i18next';
import { Anchor, Badge, Button, Card, Group, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { TableHead } from '../../components/layout';
import { useFetched } from '../../components/loading';
import { DeadlineRule } from '../../components/forms';
import { api, type BoardEntry, type ClientSummary, type Home } from '../../ipc';
import { useNav } from '../../state';
import { useDateTime } from '../../components/dates';

export function dueText(t: TFunction, days: number): string {
  if (days < 0) return t('home.overdue', { count: -days });
  if (days === 0) return t('home.due_today');
  return t('home.days_left', { count: days });
}

function urgency(e: BoardEntry, urgentDays: number): 'overdue' | 'urgent' | 'later' {
  if (e.overdue) return 'overdue';
  return e.days_left <= urgentDays ? 'urgent' : 'later';
}

const URGENCY_COLOR = { overdue: 'red', urgent: 'orange', later: 'gray' } as const;

const PAGE = 100;

function Board({ home }: { home: Home }) {
  const { t } = useTranslation();
  const { day } = useDateTime();
  const nav = useNav();
  const [entries, setEntries] = useState<BoardEntry[]>(home.board);
  const [total, setTotal] = useState(home.board_total);
  const more = () =>
    api.deadlineBoard(HOME_BOARD_DAYS, entries.length + PAGE).then((p) => {
      setEntries(p.entries);
      setTotal(p.total);
    });
  if (entries.length === 0) return <Text c="dimmed">{t('home.no_deadlines')}</Text>;
  return (
    <Stack gap="xs">
    <Table striped highlightOnHover data-testid="board">
      <TableHead columns={[t('home.due'), t('home.person'), t('home.rule')]} />
      <Table.Tbody>
        {entries.map((e) => {
          const u = urgency(e, home.urgent_days);
          return (
            <Table.Tr key={e.deadline_id} data-testid="board-row" data-urgency={u} style={u !== 'later' ? { fontWeight: 600 } : undefined}>
              <Table.Td>
                <Group gap="xs">
                  <Text fw={u !== 'later' ? 700 : 400}>{day(e.due)}{e.due_time ? ` ${e.due_time}` : ''}</Text>
                  <Badge color={URGENCY_COLOR[u]} variant={u === 'later' ? 'light' : 'filled'}>{dueText(t, e.days_left)}</Badge>
                  {e.uncertain && (
                    <Badge color="yellow" variant="outline" title={t('home.uncertain')} data-testid="uncertain">?</Badge>
                  )}
                </Group>
              </Table.Td>
              <Table.Td>
                <Anchor component="button" onClick={() => nav({ name: 'client', id: e.client_id })}>{e.display_name}</Anchor>
              </Table.Td>
              <Table.Td><DeadlineRule rule={e.rule} note={e.note} /></Table.Td>
            </Table.Tr>
          );
        })}
      </Table.Tbody>
    </Table>
      {total > entries.length && (
        <Group>
          <Text size="sm" c="dimmed" data-testid="board-shown">{t('home.shown_of', { shown: entries.length, total })}</Text>
          {entries.length < 500 && <Button size="xs" variant="light" onClick={more} data-testid="board-more">{t('home.show_more')}</Button>}
        </Group>
      )}
    </Stack>
  );
}

/** The home board's window: overdue deadlines and those due within this many days. */
const HOME_BOARD_DAYS = 14;

function ClientList({ items, empty, testid }: { items: ClientSummary[]; empty: string; testid: string }) {
  const { day } = useDateTime();
  const nav = useNav();
  if (items.length === 0) return <Text c="dimmed" size="sm">{empty}</Text>;
  return (
    <Stack gap={4} data-testid={testid}>
      {items.map((c) => (
        <Anchor key={c.id} component="button" ta="left" onClick={() => nav({ name: 'client', id: c.id })}>
          {c.display_name}
          {c.birth_date ? <Text span c="dimmed" size="sm"> · {day(c.birth_date)}</Text> : null}
        </Anchor>
      ))}
    </Stack>
  );
}

export function lastSyncTime(last: unknown, language: string): string | null {
  if (last && typeof last === 'object' && 'finished_at' in last) {
    const f = (last as { finished_at?: unknown }).finished_at;
    return typeof f === 'string' && f ? new Date(f).toLocaleString(language) : null;
  }
  return null;
}

/** What to do about changes that have not left this laptop: enrol it or move them by file when
 * it is not enrolled, sync when it is. Nothing when nothing waits. */
function NextStep({ home }: { home: Home }) {
  const { t } = useTranslation();
  const nav = useNav();
  if (home.sync.pending_documents === 0) return null;
  return (
    <Stack gap="xs" mt="xs" data-testid="home-next-step">
      <Text size="sm" c="orange.8">{t(home.sync.enrolment ? 'home.next_unsynced' : 'home.next_unenrolled')}</Text>
      <Group gap="xs">
        {home.sync.enrolment ? (
          <Button size="xs" onClick={() => nav({ name: 'sync' })} data-testid="home-sync-now">{t('sync.sync_now')}</Button>
        ) : (
          <>
            <Button size="xs" onClick={() => nav({ name: 'sync' })} data-testid="home-enrol">{t('sync.enroll')}</Button>
            <Button size="xs" variant="light" onClick={() => nav({ name: 'sync' })} data-testid="home-sync-file">{t('home.sync_by_file')}</Button>
          </>
        )}
      </Group>
    </Stack>
  );
}

/** An empty store's first steps: the first person, the register kept before Punkt, the server. */
function FirstSteps({ home }: { home: Home }) {
  const { t } = useTranslation();
  const nav = useNav();
  if (home.clients > 0) return null;
  return (
    <Card withBorder data-testid="home-first-steps">
      <Title order={4} mb={4}>{t('home.first_title')}</Title>
      <Text size="sm" mb="sm">{t('home.first_help')}</Text>
      <Group gap="xs">
        <Button size="xs" onClick={() => nav({ name: 'intake' })} data-testid="first-intake">{t('nav.intake')}</Button>
        <Button size="xs" variant="light" onClick={() => nav({ name: 'import' })} data-testid="first-import">{t('nav.import')}</Button>
        {!home.sync.enrolment && (
          <Button size="xs" variant="light" onClick={() => nav({ name: 'sync' })} data-testid="first-enrol">{t('sync.enroll')}</Button>
        )}
      </Group>
    </Card>
  );
}

export function HomeScreen() {
  const { t, i18n } = useTranslation();
  const fetched = useFetched(api.home);
  const home = fetched.value;
  if (!home) return fetched.waiting;
  const last = lastSyncTime(home.sync.last_sync, i18n.language);
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t('home.title')}</Title>
        <Text c="dimmed">{home.organisation} · {t('home.clients', { count: home.clients })}</Text>
      </Group>
      <FirstSteps home={home} />
      <Card withBorder>
        <Title order={4} mb="sm">{t('home.board')}</Title>
        <Board home={home} />
      </Card>
      <SimpleGrid cols={3}>
        <Card withBorder>
          <Title order={5} mb="xs">{t('home.recent')}</Title>
          <ClientList items={home.recent} empty={t('client.no_entries')} testid="recent" />
        </Card>
        <Card withBorder>
          <Title order={5} mb="xs">{t('home.conflicts')}</Title>
          <ClientList items={home.conflicted} empty={t('home.no_conflicts')} testid="conflicted" />
        </Card>
        <Card withBorder data-testid="home-sync">
          <Title order={5} mb="xs">{t('home.last_sync')}</Title>
          {home.sync.enrolment ? (
            <Text size="sm">{last ?? t('home.never_synced')}</Text>
          ) : (
            <Text size="sm" c="dimmed">{t('home.not_enrolled')}</Text>
          )}
          <Text size="sm">{t('home.pending', { count: home.sync.pending_documents })}</Text>
          <NextStep home={home} />
        </Card>
      </SimpleGrid>
    </Stack>
  );
}
