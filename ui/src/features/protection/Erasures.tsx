// Erasures the server still holds (7 days after each), for a coordinator: one row per sync
// that erased something, undone after a confirmation; the files then come back to every
// laptop with its next sync.
import { Button, Table, Text } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Confirm, TableHead } from '../../components/layout';
import { useDateTime } from '../../components/dates';
import { useNotify } from '../../components/errors';
import { OnDemandList, useOnDemand } from '../../components/loading';
import { api, type HeldErasure } from '../../ipc';

export function ErasuresCard() {
  const { t } = useTranslation();
  const { when } = useDateTime();
  const notify = useNotify();
  const list = useOnDemand(api.heldErasures);
  const { setValue: setHeld, setError } = list;
  const [undoing, setUndoing] = useState<HeldErasure | null>(null);
  const undo = () => {
    if (!undoing) return;
    api.undoErasure(undoing.batch).then((left) => {
      setHeld(left);
      setUndoing(null);
      notify.ok(t('erasures.undone'));
    }, setError);
  };
  return (
    <>
      <OnDemandList testId="erasures" title={t('erasures.title')} help={t('erasures.help')} loadLabel={t('erasures.load')} empty={t('erasures.empty')} list={list}>
        {(held) => (
          <Table data-testid="erasures-table">
            <TableHead columns={[t('erasures.when'), t('erasures.who'), t('erasures.files'), t('erasures.documents'), t('erasures.final'), null]} />
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
      </OnDemandList>
      <Confirm subject={undoing} onClose={() => setUndoing(null)} title={t('erasures.undo_title')} action={{ label: t('erasures.undo_do'), onClick: undo, testId: 'erasure-undo-do' }}>
        {(u) => <Text size="sm">{t('erasures.undo_text', { files: u.client_files.length, documents: u.documents })}</Text>}
      </Confirm>
    </>
  );
}
