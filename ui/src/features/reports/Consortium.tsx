// The consortium count (coordinators): people helped by several member organisations counted
// once. Each laptop sends keyed hashes under a key the coordinators pass on by hand; the server
// answers with numbers only (docs/consortium-counting.md).
import { Alert, Badge, Button, Card, Group, List, PasswordInput, Stack, Table, Text, TextInput } from '@mantine/core';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { CardHead, Confirm, TableHead } from '../../components/layout';
import { ErrorState, useNotify } from '../../components/errors';
import { SecretCopyButton } from '../../components/secrets';
import { api, type ConsortiumCount, type TallyReceipt } from '../../ipc';
import { today } from '../../state';
import { monthPattern, parseMonth, useDateTime } from '../../components/dates';


/** The consortium key: its id shown, a new one made (the key shown once), or one typed in. */
function ConsortiumKeyCard({ keyId, onChanged }: { keyId: string | null; onChanged: (id: string) => void }) {
  const { t } = useTranslation();
  const notify = useNotify();
  const [fresh, setFresh] = useState<string | null>(null);
  const [replace, setReplace] = useState(false);
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<unknown>(null);
  const generate = () => {
    setReplace(false);
    api.newConsortiumKey().then((k) => {
      setError(null);
      setFresh(k.key);
      onChanged(k.key_id);
    }, setError);
  };
  const use = () =>
    api.setConsortiumKey(typed.trim()).then((id) => {
      setTyped('');
      setFresh(null);
      setError(null);
      onChanged(id);
      notify.ok(t('consortium.key_set', { id }));
    }, setError);
  return (
    <Stack gap="xs">
      <Group gap="xs">
        <Text size="sm">{t('consortium.key')}:</Text>
        {keyId
          ? <Badge variant="light" size="lg" ff="monospace" tt="none" data-testid="consortium-key-id">{keyId}</Badge>
          : <Text size="sm" c="dimmed" data-testid="consortium-no-key">{t('consortium.no_key')}</Text>}
      </Group>
      <Text size="xs" c="dimmed">{t('consortium.key_help')}</Text>
      {fresh && (
        <Alert color="orange" title={t('consortium.new_key_title')} data-testid="consortium-new-key">
          <Stack gap="xs">
            <Text size="sm">{t('consortium.new_key_warning')}</Text>
            <Group gap="xs" align="flex-end">
              <TextInput readOnly value={fresh} ff="monospace" style={{ flex: 1 }} aria-label={t('consortium.key')} data-testid="consortium-key-value" onFocus={(e) => e.currentTarget.select()} />
              <SecretCopyButton value={fresh} size="sm" testId="consortium-key-copy" />
            </Group>
            <Group><Button size="xs" variant="default" onClick={() => setFresh(null)} data-testid="consortium-key-hide">{t('consortium.key_noted')}</Button></Group>
          </Stack>
        </Alert>
      )}
      <Group align="flex-end">
        <Button variant="light" onClick={() => (keyId ? setReplace(true) : generate())} data-testid="consortium-new">{t('consortium.new_key')}</Button>
        <PasswordInput label={t('consortium.enter_key')} value={typed} onChange={(e) => setTyped(e.currentTarget.value)} style={{ flex: 1 }} data-testid="consortium-key-input" />
        <Button variant="light" disabled={!typed.trim()} onClick={use} data-testid="consortium-key-set">{t('consortium.use_key')}</Button>
      </Group>
      <ErrorState error={error} />
      <Confirm subject={replace} onClose={() => setReplace(false)} title={t('consortium.replace_title')} action={{ label: t('consortium.new_key'), color: 'orange', onClick: generate, testId: 'consortium-replace' }}>
        {() => <Text size="sm">{t('consortium.replace_warning')}</Text>}
      </Confirm>
    </Stack>
  );
}

function CountTable({ count }: { count: ConsortiumCount }) {
  const { t } = useTranslation();
  const { day } = useDateTime();
  // "all" first, then the services as the server lists them.
  const services = [...count.services.filter((s) => s.service === 'all'), ...count.services.filter((s) => s.service !== 'all')];
  const incomplete = count.contributions.filter((c) => c.missing_months.length > 0);
  return (
    <Stack data-testid="consortium-count">
      <Text fw={600}>{t('consortium.period', { from: day(count.from), to: day(count.to) })}</Text>
      {incomplete.length > 0 ? (
        <Alert color="orange" title={t('consortium.incomplete')} data-testid="consortium-incomplete">
          <List size="sm">
            {incomplete.map((c) => (
              <List.Item key={c.organisation} data-testid="consortium-missing">
                <b>{c.organisation}</b>: {t('consortium.missing', { months: c.missing_months.map(day).join(', ') })}
                {' · '}{c.last_sent ? t('consortium.last_sent', { when: day(c.last_sent) }) : t('consortium.never_sent')}
              </List.Item>
            ))}
          </List>
        </Alert>
      ) : (
        <Text size="sm" c="dimmed" data-testid="consortium-complete">{t('consortium.complete', { count: count.contributions.length })}</Text>
      )}
      <Table data-testid="consortium-table">
        <TableHead columns={[t('reports.service'), t('consortium.unique'), t('consortium.sum'), t('consortium.several')]} />
        <Table.Tbody>
          {services.map((s) => (
            <Table.Tr key={s.service} data-testid="consortium-row" data-service={s.service}>
              <Table.Td>
                <Text size="sm" fw={s.service === 'all' ? 600 : undefined}>{s.service === 'all' ? t('reports.all') : t(`vocab.service.${s.service}`, { defaultValue: s.service })}</Text>
                {s.per_organisation.length > 0 && (
                  <Text size="xs" c="dimmed">{s.per_organisation.map(([org, n]) => `${org}: ${n}`).join(' · ')}</Text>
                )}
              </Table.Td>
              <Table.Td data-testid="consortium-unique">{s.unique_people}</Table.Td>
              <Table.Td data-testid="consortium-sum">{s.sum_of_organisations}</Table.Td>
              <Table.Td data-testid="consortium-several">{s.in_several_organisations}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}

/** The "Consortium" card of the Reports screen. */
export function Consortium() {
  const { t, i18n } = useTranslation();
  const language = i18n.language;
  const { day } = useDateTime();
  const [keyId, setKeyId] = useState<string | null>(null);
  // Typed as the interface writes months (03.2026), or in ISO; sent as ISO.
  // January of this year to this month (the local day's), as the interface writes months.
  const [fromText, setFrom] = useState(() => day(`${today().slice(0, 4)}-01`));
  const [toText, setTo] = useState(() => day(today().slice(0, 7)));
  const from = parseMonth(fromText);
  const to = parseMonth(toText);
  const monthHint = monthPattern(language, { month: t('dates.mm'), year: t('dates.yyyy') });
  const [sent, setSent] = useState<TallyReceipt[] | null>(null);
  const [count, setCount] = useState<ConsortiumCount | null>(null);
  const [busy, setBusy] = useState<'send' | 'count' | null>(null);
  const [error, setError] = useState<unknown>(null);

  // Months that held someone erased since they were sent: the next sync sends them again.
  const [stale, setStale] = useState<string[]>([]);
  const loadStale = () => api.staleTallyMonths().then(setStale, () => setStale([]));
  useEffect(() => {
    api.consortiumKeyId().then(setKeyId, setError);
    void loadStale();
  }, []);

  const fromBad = from === null;
  const toBad = to === null;
  const period = from !== null && to !== null && from <= to ? { from, to } : null;
  const orderBad = !fromBad && !toBad && !period;

  const send = () => {
    if (!period) return;
    setBusy('send');
    api.sendConsortiumTally(period.from, period.to)
      .then((r) => { setSent(r); setError(null); }, (e) => { setSent(null); setError(e); })
      .finally(() => { setBusy(null); void loadStale(); });
  };
  const run = () => {
    if (!period) return;
    setBusy('count');
    api.consortiumCount(period.from, period.to)
      .then((c) => { setCount(c); setError(null); }, (e) => { setCount(null); setError(e); })
      .finally(() => setBusy(null));
  };

  return (
    <Card withBorder data-testid="consortium">
      <Stack>
        <CardHead title={t('consortium.title')} help={t('consortium.help')} />
        <ConsortiumKeyCard keyId={keyId} onChanged={setKeyId} />
        {stale.length > 0 && (
          <Alert color="yellow" data-testid="consortium-stale">
            <Text size="sm">{t('consortium.stale', { months: stale.map(day).join(', ') })}</Text>
          </Alert>
        )}
        <Group align="flex-start">
          <TextInput data-testid="consortium-from" label={t('consortium.from')} placeholder={monthHint} value={fromText} onChange={(e) => setFrom(e.currentTarget.value)} error={fromBad ? t('consortium.bad_month', { pattern: monthHint }) : orderBad ? t('consortium.bad_order') : undefined} w={160} />
          <TextInput data-testid="consortium-to" label={t('consortium.to')} placeholder={monthHint} value={toText} onChange={(e) => setTo(e.currentTarget.value)} error={toBad ? t('consortium.bad_month', { pattern: monthHint }) : undefined} w={160} />
          <Button mt={25} variant="light" disabled={!period || !keyId} loading={busy === 'send'} onClick={send} data-testid="consortium-send">{t('consortium.send')}</Button>
          <Button mt={25} disabled={!period} loading={busy === 'count'} onClick={run} data-testid="consortium-run">{t('consortium.count')}</Button>
        </Group>
        <ErrorState error={error} />
        {sent && (
          <Alert color="green" data-testid="consortium-sent">
            <Text size="sm" fw={600}>{t('consortium.sent', { count: sent.length })}</Text>
            <Text size="sm" data-testid="consortium-sent-months">{t('consortium.people_per_month')}: {sent.map((r) => `${day(r.month)}: ${r.people}`).join(' · ')}</Text>
          </Alert>
        )}
        {count && <CountTable count={count} />}
      </Stack>
    </Card>
  );
}
