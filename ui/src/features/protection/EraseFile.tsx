// Erasing a client file for good (GDPR Art. 17), after showing what goes with it (as
// crates/core/src/protection/erase.rs).
import { Alert, Button, Checkbox, Text } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Confirm } from '../../components/layout';
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
      <Confirm subject={plan} onClose={() => setPlan(null)} title={t('erase.title')} size="lg" testId="erase-plan" action={{ label: t('erase.do'), color: 'red', disabled: !sure, onClick: erase, testId: 'erase-do' }}>
        {(p) => (
          <>
            <Text>{t('erase.what', { name: p.display_name, count: p.documents })}</Text>
            {p.merged_files > 0 && <Text size="sm">{t('erase.merged', { count: p.merged_files })}</Text>}
            {(p.open_matters > 0 || p.open_deadlines > 0) && (
              <Alert color="orange" data-testid="erase-open-matters">{t('erase.legal_claims', { matters: p.open_matters, deadlines: p.open_deadlines })}</Alert>
            )}
            <Text size="sm" c="dimmed">{t('erase.everywhere')}</Text>
            <Checkbox label={t('erase.confirm')} checked={sure} onChange={(e) => setSure(e.currentTarget.checked)} data-testid="erase-confirm" />
          </>
        )}
      </Confirm>
    </>
  );
}
