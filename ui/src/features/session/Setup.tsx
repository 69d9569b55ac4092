import { Button, PasswordInput, Progress, Stack, Text, TextInput, Title } from '@mantine/core';
import { SessionCard } from './SessionCard';
import { useEffect, useEffectEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorState } from '../../components/errors';
import { api, type PassphraseStrength } from '../../ipc';

const COLORS = ['red', 'orange', 'yellow', 'teal', 'green'];

export function StrengthMeter({ passphrase, guessable, onAcceptable }: { passphrase: string; guessable: string[]; onAcceptable?: (ok: boolean) => void }) {
  const { t } = useTranslation();
  const [s, setS] = useState<PassphraseStrength | null>(null);
  // Measured again when the passphrase or the guessable words change (not on every new array).
  const key = guessable.join('\u0000');
  const measure = useEffectEvent((pass: string) => api.passphraseStrength(pass, guessable));
  const acceptable = useEffectEvent((ok: boolean) => onAcceptable?.(ok));
  useEffect(() => {
    let live = true;
    if (!passphrase) acceptable(false);
    void measure(passphrase).then((r) => {
      if (!live) return;
      setS(r);
      acceptable(r.acceptable);
    });
    return () => {
      live = false;
    };
  }, [passphrase, key]);
  if (!passphrase || !s) return null;
  return (
    <Stack gap={4} data-testid="strength" data-score={s.score}>
      <Progress value={(s.score + 1) * 20} color={COLORS[s.score]} aria-label={t('setup.strength')} />
      <Text size="sm">
        {t('setup.strength')}: {t(`setup.strength_${s.score}`)}
        {!s.long_enough && ` · ${t('setup.too_short')}`}
      </Text>
      {s.long_enough && !s.acceptable && <Text size="sm" c="red" data-testid="strength-refused">{t('setup.not_accepted')}</Text>}
    </Stack>
  );
}

export function Setup({ onCreated }: { onCreated: () => void }) {
  const { t } = useTranslation();
  const [organisation, setOrganisation] = useState('');
  const [author, setAuthor] = useState('');
  const [pass, setPass] = useState('');
  const [repeat, setRepeat] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const mismatch = repeat.length > 0 && pass !== repeat;

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (pass !== repeat) return;
    setBusy(true);
    setError(null);
    try {
      await api.createStore(organisation, author, pass);
      onCreated();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <SessionCard width={520} onSubmit={submit}>
        <Title order={2}>{t('setup.title')}</Title>
        <Text size="sm">{t('setup.intro')}</Text>
        <TextInput data-testid="setup-organisation" label={t('setup.organisation')} required value={organisation} onChange={(e) => setOrganisation(e.currentTarget.value)} autoFocus />
        <TextInput data-testid="setup-author" label={t('setup.author')} value={author} onChange={(e) => setAuthor(e.currentTarget.value)} />
        <PasswordInput data-testid="setup-passphrase" label={t('setup.passphrase')} required value={pass} onChange={(e) => setPass(e.currentTarget.value)} />
        <StrengthMeter passphrase={pass} guessable={[organisation, author]} />
        <PasswordInput data-testid="setup-repeat" label={t('setup.repeat')} required value={repeat} onChange={(e) => setRepeat(e.currentTarget.value)} error={mismatch ? t('setup.mismatch') : undefined} />
        <ErrorState error={error} />
        <Button type="submit" loading={busy} disabled={mismatch || !pass || !organisation} data-testid="setup-create">
          {t('setup.create')}
        </Button>
    </SessionCard>
  );
}
