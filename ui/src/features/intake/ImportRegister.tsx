// The register an organisation kept before Punkt (a spreadsheet saved as CSV), brought in once:
// checked first (nothing written), then imported as a whole, with how far it is and a Stop that
// leaves nothing written (crates/core/src/intake/import).
import { Alert, Button, Card, Checkbox, Group, Stack, Table, Text, Title } from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { TableHead } from '../../components/layout';
import { ErrorState, errorCode, fieldKey, useErrorText, useNotify } from '../../components/errors';
import { ProgressLine } from '../../components/ProgressLine';
import { useRunningOn, useWork } from '../../components/work';
import { useJob } from '../../components/stoppable';
import { api, onSyncProgress, type ImportReport, type RejectedRow, type SyncProgress } from '../../ipc';
import { useNav } from '../../state';

type Step = 'check' | 'write';

/** The largest register the backend takes (crates/core's MAX_REGISTER_BYTES). */
const MAX_BYTES = 32 << 20;

const KINDS = ['unreadable', 'empty', 'no_name', 'unknown_country', 'differs', 'already_stored', 'invalid_date'];

/** Why a row was refused, in the person's language by its kind (and field), with the
 * backend's own words under it: they carry the value at fault (in English). */
function Why({ r }: { r: RejectedRow }) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  // A field differing between two rows is named as the file names it (Citizenship); a wrong
  // value as a form names it (with how to write it).
  const field = !r.field ? '' : r.code === 'differs' ? t(`client.${r.field}`, { defaultValue: r.field }) : t(fieldKey(r.field), { defaultValue: r.field });
  return (
    <>
      <Text size="sm">{KINDS.includes(r.code) ? t(`register.why.${r.code}`, { field }) : errorText(r)}</Text>
      <Text size="xs" c="dimmed">{r.reason}</Text>
    </>
  );
}

/** A check or import under way: `note` above, how far it is (or `waiting` before the first
 * progress), and its Stop. */
function Running({ progress, note, waiting, onStop, testid, stopTestid }: {
  progress: SyncProgress | null; note?: string; waiting?: string; onStop: () => void; testid: string; stopTestid: string;
}) {
  const { t } = useTranslation();
  return (
    <Card withBorder data-testid={testid}>
      <Stack gap="xs">
        {note && <Text size="sm">{note}</Text>}
        {progress ? <ProgressLine progress={progress} group="register" testid="register-progress" /> : waiting && <Text size="sm">{waiting}</Text>}
        <Group>
          <Button variant="default" onClick={onStop} data-testid={stopTestid}>{t('sync.cancel')}</Button>
          <Text size="xs" c="dimmed">{t('register.stop_help')}</Text>
        </Group>
      </Stack>
    </Card>
  );
}

/** What the check found: how many rows, people and consultations, and the rows refused. */
function Checked({ r }: { r: ImportReport }) {
  const { t } = useTranslation();
  return (
    <Stack gap="xs" data-testid="register-checked">
      <Text size="sm" data-testid="register-summary">
        {t('register.summary', { rows: r.rows, clients: r.clients, consultations: r.consultations })}
      </Text>
      {r.ignored_columns.length > 0 && (
        <Text size="sm" c="dimmed" data-testid="register-ignored">{t('register.ignored', { columns: r.ignored_columns.join(', ') })}</Text>
      )}
      {r.rejected.length > 0 && (
        <>
          <Text size="sm" fw={600} c="orange">{t('register.rejected', { count: r.rejected.length })}</Text>
          <Table data-testid="register-rejected">
            <TableHead columns={[{ label: t('register.row'), w: 90 }, t('register.reason')]} />
            <Table.Tbody>
              {r.rejected.map((x) => (
                <Table.Tr key={x.row} data-testid="register-rejected-row"><Table.Td>{x.row}</Table.Td><Table.Td><Why r={x} /></Table.Td></Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </>
      )}
    </Stack>
  );
}

export function ImportRegister() {
  const { t } = useTranslation();
  const nav = useNav();
  const input = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<File | null>(null);
  const [checked, setChecked] = useState<ImportReport | null>(null);
  const [done, setDone] = useState<ImportReport | null>(null);
  const [skip, setSkip] = useState(false);
  const [busy, setBusy] = useState<Step | null>(null);
  const [stopped, setStopped] = useState<Step | null>(null);
  const [progress, setProgress] = useState<SyncProgress | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [tooBig, setTooBig] = useState(false);
  const job = useJob();

  // Work goes on when the person leaves this screen: it is listed in the header meanwhile,
  // and its end is told in a notification if the screen is gone by then.
  const { track, gone } = useWork();
  const notify = useNotify();
  // An import started on an earlier visit, still running: shown with its Stop, its end told
  // in a notification.
  const earlier = useRunningOn('import');
  const before = busy === null && earlier ? earlier : null;
  useEffect(() => {
    const un = onSyncProgress(setProgress);
    return () => void un.then((f) => f());
  }, []);
  // A sync's progress comes on the same channel: only the register's phases are shown.
  const ours = progress && (progress.phase === 'check' || progress.phase === 'write') ? progress : null;

  const run = (step: Step, f: File, then: (r: ImportReport) => void) => {
    setBusy(step);
    setStopped(null);
    setError(null);
    setProgress(null);
    const name = job.start();
    track(name, 'nav.import', 'import', api.importRegister(f, step === 'check', skip, name)).then((r) => {
      then(r);
      if (gone() && r.imported) notify.ok(t('register.done', { clients: r.clients, consultations: r.consultations }));
      else if (gone() && !r.dry_run) notify.error({ code: 'import_refused' });
    }, (e) => {
      if (errorCode(e) === 'cancelled') setStopped(step);
      else setError(e);
      if (gone() && errorCode(e) === 'cancelled') notify.info(t('register.stopped'));
      else if (gone()) notify.error(e);
    }).finally(() => setBusy(null));
  };

  const choose = (f: File) => {
    setFile(f);
    setChecked(null);
    setDone(null);
    setSkip(false);
    setStopped(null);
    // Refused here, before the file is read into the window: the backend would refuse it too.
    setTooBig(f.size > MAX_BYTES);
    if (f.size > MAX_BYTES) return;
    run('check', f, setChecked);
  };
  // What the import found may differ from the check (a colleague's sync brought one of the
  // people meanwhile): then nothing was written, and its refusals are shown as a check's.
  const importNow = () => file && run('write', file, (r) => {
    if (r.imported) {
      setDone(r);
      setChecked(null);
    } else {
      setChecked(r);
    }
  });

  const blocked = !checked || checked.clients === 0 || (checked.rejected.length > 0 && !skip);
  return (
    <Stack maw={860}>
      <Title order={2}>{t('register.title')}</Title>
      <Text size="sm">{t('register.help')}</Text>
      <Text size="sm" c="dimmed" data-testid="register-columns">{t('register.columns')}</Text>
      <Group>
        <Button onClick={() => input.current?.click()} disabled={busy !== null || before !== null} autoFocus data-testid="register-choose">
          {t('register.choose')}
        </Button>
        {file && <Text size="sm" data-testid="register-file">{file.name}</Text>}
        <input ref={input} type="file" accept=".csv,text/csv" hidden data-testid="register-input"
          onChange={(e) => { const f = e.currentTarget.files?.[0]; e.currentTarget.value = ''; if (f) choose(f); }} />
      </Group>
      {before && <Running progress={ours} note={t('register.earlier')} onStop={() => void api.cancelWork(before.job)} testid="register-earlier" stopTestid="register-earlier-stop" />}
      {busy && <Running progress={ours} waiting={`${t(`register.phase.${busy}`)}…`} onStop={job.stop} testid="register-busy" stopTestid="register-stop" />}
      {stopped && <Alert color="blue" icon={null} data-testid="register-stopped">{t('register.stopped')}</Alert>}
      {tooBig && <Alert color="red" icon={null} data-testid="register-too-big">{t('register.too_big', { mb: MAX_BYTES >> 20 })}</Alert>}
      <ErrorState error={error} />
      {checked && !busy && (
        <Card withBorder>
          <Stack>
            <Checked r={checked} />
            {checked.rejected.length > 0 && (
              <Checkbox checked={skip} onChange={(e) => setSkip(e.currentTarget.checked)} label={t('register.skip_invalid')} data-testid="register-skip" />
            )}
            <Group>
              <Button onClick={importNow} disabled={blocked} data-testid="register-import">
                {t('register.import', { count: checked.clients })}
              </Button>
              {checked.rejected.length > 0 && !skip && <Text size="xs" c="dimmed">{t('register.fix_or_skip')}</Text>}
            </Group>
          </Stack>
        </Card>
      )}
      {done && (
        <Alert color="green" icon={null} data-testid="register-done">
          <Text size="sm">{t('register.done', { clients: done.clients, consultations: done.consultations })}</Text>
          {done.rejected.length > 0 && <Text size="sm">{t('register.done_skipped', { count: done.rejected.length })}</Text>}
          <Button size="xs" variant="light" mt="xs" onClick={() => nav({ name: 'search' })} data-testid="register-to-search">{t('register.to_search')}</Button>
        </Alert>
      )}
    </Stack>
  );
}
