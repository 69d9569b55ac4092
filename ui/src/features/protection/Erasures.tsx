// Erasures the server still holds (7 days after each), for a coordinator: one row per sync
// that erased something, undone after a confirmation; the files then come back to every
// laptop with its next sync.
import { Button, Card, Group, Modal, Stack, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useDateTime } from '../../components/dates';
import { ErrorState, useNotify } from '../../components/errors';
import { api, type HeldErasure } from '../../ipc';

export function ErasuresCard() {
  const { t } = useTranslation();
  const { when } = useDateTime();
  const notify = useNotify();
  const [held, setHeld] = useState<HeldErasure[] | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [undoing, setUndoing] = useState<HeldErasure | null>(null);
  const load = () => {
    setLoading(true);
    api.heldErasures()
      .then((h) => { setHeld(h); setError(null); }, setError)
      .finally(() => setLoading(false));
  };
  const undo = () => {
    if (!undoing) return;
    api.undoErasure(undoing.batch).then((left) => {
      setHeld(left);
      setUndoing(null);
      notify.ok(t('erasures.undone'));
    }, setError);
  };
  return (
    <Card withBorder data-testid="erasures">
      <Stack>
        <Group justify="space-between" align="flex-start" wrap="nowrap">
          <div>
            <Title order={4}>{t('erasures.title')}</Title>
            <Text size="sm" c="dimmed">{t('erasures.help')}</Text>
          </div>
          <Button variant="light" style={{ flexShrink: 0 }} loading={loading} onClick={load} data-testid="erasures-load">{t('erasures.load')}</Button>
        </Group>
        <ErrorState error={error} />
        {held && held.length === 0 && <Text c="dimmed" data-testid="erasures-empty">{t('erasures.empty')}</Text>}
        {held && held.length > 0 && (
          <Table data-testid="erasures-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('erasures.when')}</Table.Th>
                <Table.Th>{t('erasures.who')}</Table.Th>
                <Table.Th>{t('erasures.files')}</Table.Th>
                <Table.Th>{t('erasures.documents')}</Table.Th>
                <Table.Th>{t('erasures.final')}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {held.map((h) => (
                <Table.Tr key={h.batch} data-testid="erasure" data-batch={h.batch}>
                  <Table.Td>{when(h.erased_at)}</Table.Td>
                  <Table.Td>{h.user}</Table.Td>
                  <Table.Td>{h.client_files.length}</Table.Td>
                  <Table.Td>{h.documents}</Table.Td>
                  <Table.Td>{when(h.final_at)}</Table.Td>
                  <Table.Td><Button size="xs" variant="light" onClick={() => setUndoing(h)} data-testid="erasure-undo">{t('erasures.undo')}</Button></Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Stack>
      <Modal opened={undoing !== null} onClose={() => setUndoing(null)} title={t('erasures.undo_title')}>
        {undoing && (
          <Stack>
            <Text size="sm">{t('erasures.undo_text', { files: undoing.client_files.length, documents: undoing.documents })}</Text>
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setUndoing(null)}>{t('common.cancel')}</Button>
              <Button onClick={undo} data-testid="erasure-undo-do">{t('erasures.undo_do')}</Button>
            </Group>
          </Stack>
        )}
      </Modal>
    </Card>
  );
}
