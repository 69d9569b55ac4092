// Data protection for the organisation (coordinators): the retention rule (GDPR Art. 5(1)(e):
// files closed N years are erased or anonymised), run on demand, and the organisation's audit
// log on the server.
import { Alert, Anchor, Button, Card, Checkbox, Group, NumberInput, Progress, SegmentedControl, Stack, Table, Text, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { CardHead, Confirm, TableHead } from '../../components/layout';
import { ErrorState, errorCode, useNotify } from '../../components/errors';
import { useJob, useStoppable } from '../../components/stoppable';
import { api, type RetentionAction, type RetentionItem, type RetentionReport, type RetentionRule } from '../../ipc';
import { useNav } from '../../state';
import { OrganisationAudit } from './Audit';
import { ErasuresCard } from './Erasures';
import { GdprDocumentsCard } from './GdprDocuments';
import { useDateTime } from '../../components/dates';

const MAX_YEARS = 50;

function Items({ items, testid }: { items: RetentionItem[]; testid: string }) {
  const { t } = useTranslation();
  const { day } = useDateTime();
  const nav = useNav();
  if (items.length === 0) return <Text size="sm" c="dimmed">{t('common.none')}</Text>;
  return (
    <Table data-testid={testid}>
      <TableHead columns={[t('retention.file'), t('retention.last_activity')]} />
      <Table.Tbody>
        {items.map((i) => (
          <Table.Tr key={i.id} data-testid={`${testid}-row`}>
            <Table.Td ff="monospace"><Anchor component="button" size="sm" onClick={() => nav({ name: 'client', id: i.id })}>{i.id}</Anchor></Table.Td>
            <Table.Td>{day(i.last_activity)}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

/** An enrolled laptop must have synced lately to apply the rule: work done on other laptops
 * would otherwise not count. Says when it last synced, with a way to the Sync screen. */
function SyncFirst({ r }: { r: RetentionReport }) {
  const { t, i18n } = useTranslation();
  const nav = useNav();
  if (!r.sync_required) return null;
  const text = r.last_sync
    ? t('retention.sync_first', { last: new Date(r.last_sync).toLocaleString(i18n.language) })
    : t('retention.sync_first_never');
  return (
    <Alert color="orange" data-testid="retention-sync-first">
      <Text size="sm">{text}</Text>
      <Anchor component="button" size="sm" onClick={() => nav({ name: 'sync' })}>{t('retention.go_sync')}</Anchor>
    </Alert>
  );
}

/** What a run found (a preview) or did (applied). */
function Report({ r }: { r: RetentionReport }) {
  const { t } = useTranslation();
  const { day } = useDateTime();
  return (
    <Card withBorder data-testid={r.applied ? 'retention-applied' : 'retention-preview'}>
      <Stack gap="sm">
        <Title order={5}>{r.applied ? t('retention.applied_title') : t('retention.preview_title')}</Title>
        <Text size="sm" data-testid="retention-summary">
          {t('retention.summary', { cutoff: day(r.cutoff), examined: r.examined, due: r.due.length, kept: r.kept_open.length })}
        </Text>
        {!r.applied && <SyncFirst r={r} />}
        {r.applied && r.rule.action === 'anonymise' && (
          <>
            <Text size="sm" fw={600}>{t('retention.anonymised', { count: r.anonymised.length })}</Text>
            {r.anonymised.length > 0 && (
              <Table data-testid="retention-anonymised">
                <TableHead columns={[t('retention.original'), t('retention.copy')]} />
                <Table.Tbody>
                  {r.anonymised.map((a) => (
                    <Table.Tr key={a.from} data-testid="retention-anonymised-row"><Table.Td ff="monospace">{a.from}</Table.Td><Table.Td ff="monospace">{a.to}</Table.Td></Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
          </>
        )}
        {r.applied && r.rule.action === 'erase' && (
          <>
            <Text size="sm" fw={600}>{t('retention.erased', { count: r.erased.length })}</Text>
            {r.erased.length > 0 && <Text size="sm" ff="monospace" data-testid="retention-erased">{r.erased.join(', ')}</Text>}
          </>
        )}
        {!r.applied && (
          <>
            <Text size="sm" fw={600}>{t('retention.due', { count: r.due.length })}</Text>
            <Items items={r.due} testid="retention-due" />
          </>
        )}
        <Text size="sm" fw={600}>{t('retention.kept_open', { count: r.kept_open.length })}</Text>
        <Text size="xs" c="dimmed">{t('retention.kept_open_help')}</Text>
        <Items items={r.kept_open} testid="retention-kept" />
      </Stack>
    </Card>
  );
}

/** The organisation's retention rule: set, cleared, previewed and applied. */
export function RetentionCard() {
  const { t } = useTranslation();
  const { day } = useDateTime();
  const notify = useNotify();
  const [rule, setRule] = useState<RetentionRule | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [years, setYears] = useState<number | string>(10);
  const [action, setAction] = useState<RetentionAction>('anonymise');
  const [report, setReport] = useState<RetentionReport | null>(null);
  const [plan, setPlan] = useState<RetentionReport | null>(null);
  const [sure, setSure] = useState(false);
  const [error, setError] = useState<unknown>(null);
  // Long work: a preview only reads (Stop ends it and nothing changes). Applying first examines
  // the files, when a Stop ends it with nothing changed; then writes the copies and erases the
  // originals as a whole, when a Stop is too late and the run goes to its end (and says so).
  const previewing = useStoppable();
  const [applying, setApplying] = useState(false);
  const [applyStop, setApplyStop] = useState<'asked' | 'stopped' | 'too_late' | null>(null);
  const busy = previewing.running ? 'preview' : applying ? 'apply' : null;

  useEffect(() => {
    api.retentionRule().then((r) => {
      setRule(r);
      if (r) { setYears(r.closed_years); setAction(r.action); }
      setLoaded(true);
    }, setError);
  }, []);

  const n = typeof years === 'number' ? years : Number(years);
  const yearsOk = Number.isInteger(n) && n >= 1 && n <= MAX_YEARS;
  const changed = !rule || rule.closed_years !== n || rule.action !== action;

  // Setting the rule (or clearing it, `null`) drops a preview made under the one before.
  const put = (next: RetentionRule | null, said: string) =>
    api.setRetentionRule(next).then(() => {
      setRule(next);
      setReport(null);
      setError(null);
      notify.ok(said);
    }, setError);
  const save = () => put({ closed_years: n, action }, t('common.saved'));
  const clear = () => put(null, t('retention.cleared'));
  const preview = () => {
    setApplyStop(null);
    previewing.run((job) => api.runRetention(false, job), (r) => { setReport(r); setError(null); }, setError);
  };
  // Applying asks first, with what is due now (a preview run just before).
  const openApply = () => api.runRetention(false).then((r) => { setSure(false); setPlan(r); setError(null); }, setError);
  const applyJob = useJob();
  const apply = () => {
    setPlan(null);
    setApplying(true);
    setApplyStop(null);
    previewing.clear();
    api.runRetention(true, applyJob.start()).then((r) => {
      setReport(r);
      setError(null);
      setApplyStop((s) => (s === 'asked' ? 'too_late' : null));
      notify.ok(t('retention.done', { count: r.erased.length + r.anonymised.length }));
    }, (e) => {
      if (errorCode(e) === 'cancelled') setApplyStop('stopped');
      else setError(e);
    }).finally(() => setApplying(false));
  };
  const stopApply = () => {
    setApplyStop('asked');
    applyJob.stop();
  };

  return (
    <Card withBorder data-testid="retention">
      <Stack>
        <CardHead title={t('retention.title')} help={t('retention.help')} />
        {loaded && (
          <Text size="sm" data-testid="retention-current">
            {rule ? t(`retention.current_${rule.action}`, { count: rule.closed_years }) : t('retention.no_rule')}
          </Text>
        )}
        <Group align="flex-end">
          <NumberInput
            label={t('retention.years')}
            min={1}
            max={MAX_YEARS}
            allowDecimal={false}
            allowNegative={false}
            clampBehavior="none"
            value={years}
            onChange={setYears}
            error={yearsOk ? undefined : t('retention.years_range', { max: MAX_YEARS })}
            w={260}
            data-testid="retention-years"
          />
          <Stack gap={4}>
            <Text size="sm" fw={500}>{t('retention.action_label')}</Text>
            <SegmentedControl
              value={action}
              onChange={(v) => setAction(v as RetentionAction)}
              data={[
                { value: 'anonymise', label: t('retention.action.anonymise') },
                { value: 'erase', label: t('retention.action.erase') },
              ]}
              data-testid="retention-action"
            />
          </Stack>
          <Button disabled={!yearsOk || !changed} onClick={save} data-testid="retention-save">{t('common.save')}</Button>
          <Button variant="default" disabled={!rule} onClick={clear} data-testid="retention-clear">{t('retention.clear')}</Button>
        </Group>
        <Text size="xs" c="dimmed">{t(`retention.explain.${action}`)}</Text>
        <Group>
          <Button variant="light" disabled={!rule || busy !== null} loading={busy === 'preview'} onClick={preview} data-testid="retention-preview-run">{t('retention.preview')}</Button>
          {busy === 'preview' && <Button variant="default" onClick={previewing.stop} data-testid="retention-stop">{t('sync.cancel')}</Button>}
          <Button color="red" variant="light" disabled={!rule || busy !== null} loading={busy === 'apply'} onClick={openApply} data-testid="retention-apply-open">{t('retention.apply')}</Button>
          {busy === 'apply' && <Button variant="default" disabled={applyStop === 'asked'} onClick={stopApply} data-testid="retention-apply-stop">{t('sync.cancel')}</Button>}
        </Group>
        {busy && (
          <Stack gap={4} data-testid="retention-running" ref={(el) => el?.scrollIntoView({ block: "center" })}>
            <Text size="sm">{t(busy === 'preview' ? 'retention.checking' : 'retention.applying')}</Text>
            <Progress value={100} striped animated />
          </Stack>
        )}
        {previewing.stopped && !busy && <Alert color="blue" icon={null} data-testid="retention-stopped">{t('retention.stopped')}</Alert>}
        {applyStop === 'stopped' && !busy && <Alert color="blue" icon={null} data-testid="retention-apply-stopped">{t('retention.apply_stopped')}</Alert>}
        {applyStop === 'too_late' && !busy && <Alert color="orange" icon={null} data-testid="retention-apply-too-late">{t('retention.apply_too_late')}</Alert>}
        <ErrorState error={error} />
        {report && <Report r={report} />}
      </Stack>
      <Confirm
        subject={plan}
        onClose={() => setPlan(null)}
        title={t('retention.confirm_title')}
        size="lg"
        testId="retention-plan"
        action={{ label: t('retention.apply_do'), color: 'red', disabled: !sure || !plan || plan.due.length === 0 || plan.sync_required, onClick: apply, testId: 'retention-apply' }}
      >
        {(p) => (
          <>
            <Text>{t(`retention.confirm_what_${p.rule.action}`, { count: p.due.length, cutoff: day(p.cutoff) })}</Text>
            {p.kept_open.length > 0 && <Text size="sm">{t('retention.kept_open', { count: p.kept_open.length })}</Text>}
            <Text size="sm" c="dimmed">{t('retention.everywhere')}</Text>
            <SyncFirst r={p} />
            <Checkbox label={t('erase.confirm')} checked={sure} onChange={(e) => setSure(e.currentTarget.checked)} data-testid="retention-confirm" />
          </>
        )}
      </Confirm>
    </Card>
  );
}

/** The "Data protection" screen: the retention rule and the organisation's audit log. */
export function DataProtectionScreen() {
  const { t } = useTranslation();
  return (
    <Stack maw={960}>
      <Title order={2}>{t('protection.title')}</Title>
      <GdprDocumentsCard />
      <RetentionCard />
      <ErasuresCard />
      <OrganisationAudit />
    </Stack>
  );
}
