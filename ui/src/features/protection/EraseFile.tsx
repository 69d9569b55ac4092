// Erasing a client file for good (GDPR Art. 17), after showing what goes with it (as
// crates/core/src/protection/erase.rs).
import { Alert, Button, Checkbox, Group, Modal, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNotify } from '../../components/errors';
import { api, type ErasurePlan } from '../../ipc';
import { useNav } from '../../state';

/** Erase the file for good, after showing what goes with it and asking once more. */
export function EraseFile({ id }: { id: string }) {
  const { t } = useTranslation();
  const notify = useNotify();
  const nav = useNav();
  const [plan, setPlan] = useState<ErasurePlan | null>(null);
  const [sure, setSure] = useState(false);
  const open = () => api.erasurePlan(id).then((p) => { setSure(false); setPlan(p); }, notify.error);
  const erase = () =>
    api.eraseClient(id).then((r) => {
      setPlan(null);
      notify.ok(t('erase.done', { count: r.documents.length }));
      nav({ name: 'home' });
    }, notify.error);
  return (
    <>
      <Button size="xs" color="red" variant="subtle" data-testid="erase-open" onClick={open}>{t('erase.button')}</Button>
      <Modal opened={plan !== null} onClose={() => setPlan(null)} title={t('erase.title')} size="lg">
        {plan && (
          <Stack data-testid="erase-plan">
            <Text>{t('erase.what', { name: plan.display_name, count: plan.documents })}</Text>
            {plan.merged_files > 0 && <Text size="sm">{t('erase.merged', { count: plan.merged_files })}</Text>}
            {(plan.open_matters > 0 || plan.open_deadlines > 0) && (
              <Alert color="orange" data-testid="erase-open-matters">{t('erase.legal_claims', { matters: plan.open_matters, deadlines: plan.open_deadlines })}</Alert>
            )}
            <Text size="sm" c="dimmed">{t('erase.everywhere')}</Text>
            <Checkbox label={t('erase.confirm')} checked={sure} onChange={(e) => setSure(e.currentTarget.checked)} data-testid="erase-confirm" />
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setPlan(null)}>{t('common.cancel')}</Button>
              <Button color="red" disabled={!sure} onClick={erase} data-testid="erase-do">{t('erase.do')}</Button>
            </Group>
          </Stack>
        )}
      </Modal>
    </>
  );
}
