// The audit view (coordinators): one file's timeline (the server's log, events recorded here
// and not sent yet, the file's change history) and the organisation's log on the server.
import { Alert, Badge, Button, Card, Group, Loader, Stack, Table, Text, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorState, useErrorText } from '../../components/errors';
import { api, type AuditEntry, type FileAudit } from '../../ipc';

/** Newest first, whatever order the backend sent. */
function newestFirst<T extends { at: string }>(xs: T[]): T[] {
  return [...xs].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
}

const SOURCE_COLOR: Record<string, string> = { server: 'blue', laptop: 'orange', history: 'gray' };

function useWhen() {
  const { i18n } = useTranslation();
  return (at: string) => {
    const d = new Date(at);
    return Number.isNaN(d.getTime()) ? at : d.toLocaleString(i18n.language);
  };
}

/** The "Audit" tab of a client file, newest first. */
export function FileAuditView({ id }: { id: string }) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const when = useWhen();
  const [audit, setAudit] = useState<FileAudit | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api.fileAudit(id).then(setAudit, setError);
  }, [id]);
  if (error) return <ErrorState error={error} />;
  if (!audit) return <Loader />;
  const lines = newestFirst(audit.lines);
  return (
    <Stack>
      <Text size="sm" c="dimmed">{t('audit.file_help')}</Text>
      {audit.server_unavailable !== null && (
        <Alert color="gray" title={t('audit.server_unavailable')} data-testid="audit-unavailable">
          <Text size="sm">{audit.server_unavailable === 'not_enrolled' ? t('audit.no_server') : t('audit.server_reason')}</Text>
          {audit.server_unavailable !== 'not_enrolled' && (
            <Text size="xs" c="dimmed" data-testid="audit-unavailable-reason">
              {errorText({ code: audit.server_unavailable })}
            </Text>
          )}
        </Alert>
      )}
      {lines.length === 0 ? <Text c="dimmed">{t('audit.empty')}</Text> : (
        <Table data-testid="file-audit">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('audit.when')}</Table.Th>
              <Table.Th>{t('audit.source')}</Table.Th>
              <Table.Th>{t('audit.action_label')}</Table.Th>
              <Table.Th>{t('audit.who')}</Table.Th>
              <Table.Th>{t('audit.device')}</Table.Th>
              <Table.Th>{t('audit.detail')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {lines.map((l, i) => (
              <Table.Tr key={`${l.at}/${l.source}/${i}`} data-testid="audit-line" data-source={l.source} data-action={l.action}>
                <Table.Td style={{ whiteSpace: 'nowrap' }}>{when(l.at)}</Table.Td>
                <Table.Td><Badge variant="light" miw="max-content" color={SOURCE_COLOR[l.source] ?? 'gray'}>{t(`audit.sources.${l.source}`, { defaultValue: l.source })}</Badge></Table.Td>
                <Table.Td>{t(`audit.action.${l.action}`, { defaultValue: l.action })}</Table.Td>
                <Table.Td>{l.who ?? '—'}{l.organisation ? <Text span size="xs" c="dimmed"> · {l.organisation}</Text> : null}</Table.Td>
                <Table.Td ff="monospace">{l.device ?? '—'}</Table.Td>
                <Table.Td>
                  <Text size="sm">
                    {l.parts.length > 0 ? l.parts.map((p) => t(`vocab.section.${p}`, { defaultValue: p })).join(', ') : l.detail}
                  </Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}

/** The organisation's audit log on the server, loaded on demand (coordinators). */
export function OrganisationAudit() {
  const { t } = useTranslation();
  const when = useWhen();
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const load = () => {
    setLoading(true);
    api.serverAudit()
      .then((e) => { setEntries(e); setError(null); }, (e) => { setEntries(null); setError(e); })
      .finally(() => setLoading(false));
  };
  const sorted = entries ? newestFirst(entries) : [];
  return (
    <Card withBorder data-testid="org-audit">
      <Stack>
        <Group justify="space-between">
          <div>
            <Title order={4}>{t('audit.org_title')}</Title>
            <Text size="sm" c="dimmed">{t('audit.org_help')}</Text>
          </div>
          <Button variant="light" loading={loading} onClick={load} data-testid="org-audit-load">{t('audit.load')}</Button>
        </Group>
        <ErrorState error={error} />
        {entries && entries.length === 0 && <Text c="dimmed">{t('audit.empty')}</Text>}
        {entries && entries.length > 0 && (
          <Table data-testid="org-audit-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('audit.when')}</Table.Th>
                <Table.Th>{t('audit.action_label')}</Table.Th>
                <Table.Th>{t('audit.who')}</Table.Th>
                <Table.Th>{t('audit.device')}</Table.Th>
                <Table.Th>{t('audit.file')}</Table.Th>
                <Table.Th>{t('audit.detail')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {sorted.map((e, i) => (
                <Table.Tr key={`${e.at}/${i}`} data-testid="org-audit-row" data-action={e.action}>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>{when(e.at)}</Table.Td>
                  <Table.Td>{t(`audit.action.${e.action}`, { defaultValue: e.action })}</Table.Td>
                  <Table.Td>{e.user ?? '—'}</Table.Td>
                  <Table.Td ff="monospace">{e.device_id ?? '—'}</Table.Td>
                  <Table.Td ff="monospace">{e.doc_id ?? '—'}</Table.Td>
                  <Table.Td><Text size="sm">{e.detail}</Text></Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Stack>
    </Card>
  );
}
