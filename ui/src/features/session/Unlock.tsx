import { Button, PasswordInput, Text, Title } from '@mantine/core';
import { SessionCard } from './SessionCard';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorState } from '../../components/errors';
import { api } from '../../ipc';

export function Unlock({ dataDir, onUnlocked }: { dataDir: string; onUnlocked: () => void }) {
  const { t } = useTranslation();
  const [pass, setPass] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.unlock(pass);
      setPass('');
      onUnlocked();
    } catch (err) {
      setError(err);
      setPass('');
    } finally {
      setBusy(false);
    }
  };

  return (
    <SessionCard width={440} onSubmit={submit}>
        <Title order={2} data-testid="unlock-title">{t('unlock.title')}</Title>
        <PasswordInput data-testid="unlock-passphrase" label={t('unlock.passphrase')} value={pass} onChange={(e) => setPass(e.currentTarget.value)} autoFocus required />
        <ErrorState error={error} />
        <Button type="submit" loading={busy} data-testid="unlock-submit">
          {t('unlock.unlock')}
        </Button>
        <Text size="xs" c="dimmed">{t('unlock.store', { path: dataDir })}</Text>
    </SessionCard>
  );
}
