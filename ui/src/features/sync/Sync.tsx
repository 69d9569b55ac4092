import { Alert, Box, Button, Card, Checkbox, Group, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorState, errorCode, useErrorText, useNotify } from '../../components/errors';
import { api, IpcError, onSyncProgress, type SyncProgress, type SyncStatus, type SyncSummary } from '../../ipc';
import { useReloadVocab } from '../../state';
import { ProgressLine } from '../../components/ProgressLine';
import { useWork } from '../../components/work';
import { useJob } from '../../components/stoppable';
import { lastSyncTime } from '../clients/Home';
import { TeamSection } from './Team';

export function SyncScreen() {
  const { t, i18n } = useTranslation();
  const notify = useNotify();
  const errorText = useErrorText();
  const reloadVocab = useReloadVocab();
  const [status, setStatus] = useState<SyncStatus | null>(null);
  const [server, setServer] = useState('');
  const [code, setCode] = useState('');
  const [device, setDevice] = useState('');
  const [progress, setProgress] = useState<SyncProgress | null>(null);
  const [result, setResult] = useState<SyncSummary | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [running, setRunning] = useState(false);
  // Stopped at the person's request: said plainly, not as an error.
  const [stopped, setStopped] = useState(false);
  const [filePass, setFilePass] = useState('');
  const [importing, setImporting] = useState(false);
  const [importStopped, setImportStopped] = useState(false);
  const [all, setAll] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  // The sync and the file import (they may run together), each with its own Stop.
  const syncJob = useJob();
  const importJob = useJob();

  // Work goes on when the person leaves this screen: it is listed in the header meanwhile,
  // and its end is told in a notification if the screen is gone by then.
  const { track, gone } = useWork();
  const load = () => api.syncStatus().then(setStatus, setError);
  useEffect(() => {
    void load();
    const un = onSyncProgress(setProgress);
    return () => void un.then((f) => f());
  }, []);

  const enroll = () =>
    api.enroll(server, code, device).then(() => (setCode(''), setError(null), load()), setError);

  const syncNow = async () => {
    setRunning(true);
    setError(null);
    setStopped(false);
    setProgress(null);
    try {
      const job = syncJob.start();
      const r = await track(job, 'nav.sync', 'sync', api.syncNow(job));
      setResult(r);
      if (gone()) notify.ok(t('sync.result', { sent: r.sent, received: r.received, new: r.new_documents, pending: r.pending_after }));
      // A newer rule book: its rules are offered at once, not after a restart.
      if (r.rule_book) reloadVocab();
    } catch (e) {
      if (errorCode(e) === 'cancelled') setStopped(true);
      else setError(e);
      if (gone() && errorCode(e) === 'cancelled') notify.info(t('errors.cancelled'));
      else if (gone()) notify.error(e);
    } finally {
      setRunning(false);
      void load();
    }
  };

  const importFile = (file: File) => {
    setImporting(true);
    setImportStopped(false);
    setProgress(null);
    const job = importJob.start();
    track(job, 'nav.sync', 'sync', api.importSyncFile(file, filePass, job)).then((r) => {
      notify.ok(t('sync.imported', { changed: r.changed, new: r.new_documents }));
      if (r.refused.length > 0) notify.error(new IpcError({ code: 'import_refused', message: t('sync.refused', { count: r.refused.length }) }));
    }, (e) => {
      if (errorCode(e) === 'cancelled') setImportStopped(true);
      else notify.error(e);
    }).finally(() => {
      setImporting(false);
      void load();
    });
  };

  const last = status ? lastSyncTime(status.last_sync, i18n.language) : null;
  // A coordinator's enrolled laptop also manages the organisation's people and laptops.
  const coordinator = status?.enrolment?.role === 'coordinator' ? status.enrolment : null;
  return (
    <Stack gap="xl">
      <Stack maw={760}>
        <Title order={2}>{t('sync.title')}</Title>
        {status?.enrolment ? (
          <Card withBorder>
            <Text data-testid="sync-enrolled">{t('sync.enrolled', { server: status.enrolment.server, user: status.enrolment.user, organisation: status.enrolment.organisation })}</Text>
            <Text size="sm" c="dimmed">{last ? t('sync.last', { when: last }) : t('sync.never')}</Text>
            <Text size="sm" data-testid="sync-pending">{t('sync.pending', { count: status.pending_documents })}</Text>
            {!status.holds_keys && status.check_code && (
              <Text size="sm" c="orange" fw={600} mt="xs" data-testid="sync-awaiting-keys">{t('sync.awaiting_keys', { check: status.check_code })}</Text>
            )}
            <Group mt="sm">
              <Button onClick={syncNow} loading={running} data-testid="sync-now">{t('sync.sync_now')}</Button>
              {running && <Button variant="default" onClick={syncJob.stop} data-testid="sync-cancel">{t('sync.cancel')}</Button>}
            </Group>
            {stopped && !running && <Alert color="blue" icon={null} mt="sm" data-testid="sync-stopped">{t('errors.cancelled')}</Alert>}
            {running && progress && <ProgressLine progress={progress} mt="sm" />}
            {result && !running && result.awaiting_keys === null && (
              <Stack gap={2} mt="sm">
                <Text data-testid="sync-result">{t('sync.result', { sent: result.sent, received: result.received, new: result.new_documents, pending: result.pending_after })}</Text>
                {result.refused.length > 0 && <Text c="orange" data-testid="sync-refused">{t('sync.refused', { count: result.refused.length })}</Text>}
                {result.rule_book && <Text data-testid="sync-rule-book">{t('sync.rule_book', { version: result.rule_book.version })}</Text>}
                {result.rule_book_error && (
                  <Alert color="red" icon={null} data-testid="sync-rule-book-error">{t('sync.rule_book_error', { why: result.rule_book_error })}</Alert>
                )}
                {result.org_keys_refused.map((k) => (
                  <Alert key={k.organisation} color="red" icon={null} data-testid="sync-org-key-changed">
                    {t('sync.org_key_changed', { organisation: k.organisation, epoch: k.epoch })}
                  </Alert>
                ))}
                {result.erased.length > 0 && (
                  <Text c="orange" data-testid="sync-erased">
                    {t('sync.erased', { count: result.erased.length })}
                    {result.erased.some((e) => e.dropped_unsent_changes) && ` ${t('sync.erased_dropped', { count: result.erased.filter((e) => e.dropped_unsent_changes).length })}`}
                  </Text>
                )}
                {result.events_error && (
                  <Text c="orange" data-testid="sync-events-error">{t('sync.events_error', { why: errorText({ code: result.events_error }) })}</Text>
                )}
                {result.tallies_resent > 0 && <Text data-testid="sync-tallies-resent">{t('sync.tallies_resent', { count: result.tallies_resent })}</Text>}
                {result.tally_error && (
                  <Text c="orange" data-testid="sync-tally-error">{t('sync.tally_error', { why: errorText({ code: result.tally_error }) })}</Text>
                )}
                {result.directory_error && (
                  <Text c="orange" data-testid="sync-directory-error">{t('sync.directory_error', { why: errorText({ code: result.directory_error }) })}</Text>
                )}
              </Stack>
            )}
          </Card>
        ) : (
          <Card withBorder>
            <Stack gap="xs">
              <TextInput data-testid="enroll-server" autoFocus label={t('sync.server')} placeholder="https://sync.example.org" value={server} onChange={(e) => setServer(e.currentTarget.value)} />
              <TextInput data-testid="enroll-code" label={t('sync.code')} value={code} onChange={(e) => setCode(e.currentTarget.value)} />
              <TextInput data-testid="enroll-device" label={t('sync.device_name')} value={device} onChange={(e) => setDevice(e.currentTarget.value)} />
              <Group><Button onClick={enroll} disabled={!server || !code} data-testid="enroll-submit">{t('sync.enroll')}</Button></Group>
            </Stack>
          </Card>
        )}
        <ErrorState error={error} />
        <Card withBorder>
          <Title order={5}>{t('sync.file_title')}</Title>
          <Text size="sm" mb="xs">{t('sync.file_help')}</Text>
          <Stack gap="xs">
            <PasswordInput data-testid="sync-file-passphrase" label={t('sync.file_passphrase')} value={filePass} onChange={(e) => setFilePass(e.currentTarget.value)} />
            <Checkbox label={t('sync.export_all')} checked={all} onChange={(e) => setAll(e.currentTarget.checked)} />
            <Group>
              <Button variant="light" disabled={!filePass} onClick={() => api.exportSyncFile(filePass, all).then((f) => notify.ok(t('sync.exported', { path: f.path })), notify.error)}>{t('sync.export')}</Button>
              <Button variant="light" disabled={!filePass} loading={importing} onClick={() => fileInput.current?.click()} data-testid="sync-import">{t('sync.import')}</Button>
              {importing && <Button variant="default" onClick={importJob.stop} data-testid="import-cancel">{t('sync.cancel')}</Button>}
              <input ref={fileInput} type="file" hidden onChange={(e) => e.currentTarget.files?.[0] && importFile(e.currentTarget.files[0])} />
            </Group>
            {importing && progress?.phase === 'import' && <ProgressLine progress={progress} testid="import-progress" />}
            {importStopped && <Alert color="blue" icon={null} data-testid="import-stopped">{t('sync.import_stopped')}</Alert>}
          </Stack>
        </Card>
      </Stack>
      {coordinator && <Box maw={1100}><TeamSection ownDevice={coordinator.device_id} server={coordinator.server} /></Box>}
    </Stack>
  );
}
