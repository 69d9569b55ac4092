// The audit view (coordinators): one file's timeline (the server's log, events recorded here
// and not sent yet, the file's change history) and the organisation's log on the server.
import { Alert, Badge, Stack, Table, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { TableHead } from '../../components/layout';
import { useErrorText } from '../../components/errors';
import { OnDemandList, useFetched, useOnDemand } from '../../components/loading';
import { api } from '../../ipc';
import { useDateTime } from '../../components/dates';

/** Newest first, whatever order the backend sent. */
function newestFirst<T extends { at: string }>(xs: T[]): T[] {
  return [...xs].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
}

const SOURCE_COLOR: Record<string, string> = { server: 'blue', laptop: 'orange', history: 'gray' };

/** The "Audit" tab of a client file, newest first. */
export function FileAuditView({ id }: { id: string }) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const { exact: when } = useDateTime();
  const fetched = useFetched(() => api.fileAudit(id), id);
  const audit = fetched.value;
  if (!audit) return fetched.waiting;
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
          <TableHead columns={[t('audit.when'), t('audit.source'), t('audit.action_label'), t('audit.who'), t('audit.device'), t('audit.detail')]} />
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
  const { exact: when } = useDateTime();
  const list = useOnDemand(api.serverAudit);
  return (
    <OnDemandList testId="org-audit" title={t('audit.org_title')} help={t('audit.org_help')} loadLabel={t('audit.load')} empty={t('audit.empty')} list={list}>
      {(entries) => (
          <Table data-testid="org-audit-table">
            <TableHead columns={[t('audit.when'), t('audit.action_label'), t('audit.who'), t('audit.device'), t('audit.file'), t('audit.detail')]} />
            <Table.Tbody>
              {newestFirst(entries).map((e, i) => (
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
    </OnDemandList>
  );
}
