import { Button, Card, Checkbox, Group, PasswordInput, Progress, Select, Stack, Switch, Text, TextInput, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorState, useNotify } from '../../components/errors';
import { api, onKeyRotation, type AppInfo, type KeyRotation } from '../../ipc';
import { StrengthMeter } from './Setup';

export const ROLES = ['lawyer', 'counsellor', 'psychologist', 'coordinator'] as const;

/** The role of the person using this laptop: set here for a laptop without a server; once
 * enrolled, the role the server gave applies (and is what `role()` answers). */
function LocalRole() {
  const { t } = useTranslation();
  const notify = useNotify();
  const [role, setRole] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const load = () => api.role().then((r) => { setRole(r); setLoaded(true); }, setError);
  useEffect(() => { load(); }, []);
  const choose = (r: string) =>
    api.setLocalRole(r).then(() => {
      setError(null);
      notify.ok(t('common.saved'));
      return load();
    }, setError);
  return (
    <Card withBorder data-testid="settings-role-card">
      <Title order={5} mb="xs">{t('settings.role')}</Title>
      <Stack gap="xs">
        {loaded && (
          <Text size="sm" data-testid="settings-role-current">
            {role ? t('settings.role_current', { role: t(`roles.${role}`, { defaultValue: role }) }) : t('settings.role_none')}
          </Text>
        )}
        <Select
          data-testid="settings-role"
          label={t('settings.role_choose')}
          placeholder={t('common.choose')}
          data={ROLES.map((r) => ({ value: r, label: t(`roles.${r}`) }))}
          value={role && (ROLES as readonly string[]).includes(role) ? role : null}
          onChange={(r) => r && choose(r)}
          allowDeselect={false}
        />
        <Text size="xs" c="dimmed">{t('settings.role_help')}</Text>
        <ErrorState error={error} />
      </Stack>
    </Card>
  );
}

/** A new passphrase, and by default a new data key with its progress shown. */
function PassphraseChange() {
  const { t } = useTranslation();
  const notify = useNotify();
  const [old, setOld] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [acceptable, setAcceptable] = useState(false);
  const [rotate, setRotate] = useState(true);
  const [phase, setPhase] = useState<KeyRotation | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    const off = onKeyRotation(setPhase);
    return () => void off.then((f) => f());
  }, []);
  const change = async () => {
    setBusy(true);
    setError(null);
    setPhase(null);
    try {
      await api.changePassphrase(old, next, rotate);
      setOld('');
      setNext('');
      setRepeat('');
      notify.ok(t(rotate ? 'settings.changed_rotated' : 'settings.changed'));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const steps = ['unlock', 'reencrypt', 'key_file', 'done'];
  return (
    <Card withBorder>
      <Title order={5} mb="xs">{t('settings.passphrase')}</Title>
      <Stack gap="xs">
        <PasswordInput label={t('settings.old')} value={old} onChange={(e) => setOld(e.currentTarget.value)} data-testid="settings-old" />
        <PasswordInput label={t('settings.new')} value={next} onChange={(e) => setNext(e.currentTarget.value)} data-testid="settings-new" />
        <StrengthMeter passphrase={next} guessable={[]} onAcceptable={setAcceptable} />
        <PasswordInput label={t('settings.repeat')} value={repeat} onChange={(e) => setRepeat(e.currentTarget.value)} error={repeat && repeat !== next ? t('setup.mismatch') : undefined} data-testid="settings-repeat" />
        <Checkbox label={t('settings.rotate_key')} checked={rotate} onChange={(e) => setRotate(e.currentTarget.checked)} data-testid="settings-rotate" />
        {busy && rotate && phase && (
          <Stack gap={4} data-testid="settings-rotation" data-phase={phase.phase}>
            <Progress value={((steps.indexOf(phase.phase) + 1) / steps.length) * 100} animated={phase.phase !== 'done'} aria-label={t('settings.rotate_key')} />
            <Text size="sm">{t(`settings.rotation.${phase.phase}`, { size: `${Math.max(1, Math.round(phase.bytes / 1048576))} MB` })}</Text>
          </Stack>
        )}
        <ErrorState error={error} />
        <Group>
          <Button loading={busy} disabled={!old || !acceptable || next !== repeat} data-testid="settings-change" onClick={() => void change()}>{t('settings.change')}</Button>
        </Group>
      </Stack>
    </Card>
  );
}

export function SettingsScreen({ info, onChanged }: { info: AppInfo; onChanged: () => Promise<AppInfo> }) {
  const { t } = useTranslation();
  const notify = useNotify();
  const [author, setAuthor] = useState('');
  // The name changes carry now, so saving the field never clears it by accident.
  useEffect(() => {
    api.home().then((h) => setAuthor(h.author ?? ''), () => {});
  }, []);

  const save = (patch: Partial<AppInfo['settings']>) =>
    api.saveSettings({ ...info.settings, ...patch }).then(() => onChanged(), notify.error);

  return (
    <Stack maw={640}>
      <Title order={2}>{t('settings.title')}</Title>
      <Card withBorder>
        <Stack gap="xs">
          <Select
            data-testid="settings-language"
            label={t('settings.language')}
            data={info.languages.map((l) => ({ value: l, label: t(`lang.${l}`) }))}
            value={info.settings.language}
            onChange={(l) => l && save({ language: l })}
            allowDeselect={false}
          />
          <Select
            data-testid="settings-autolock"
            label={t('settings.autolock')}
            data={info.autolock_choices.map((m) => ({ value: String(m), label: t('settings.minutes', { count: m }) }))}
            value={String(info.settings.autolock_minutes)}
            onChange={(m) => m && save({ autolock_minutes: Number(m) })}
            allowDeselect={false}
          />
          <Switch
            data-testid="settings-hardened"
            label={t('settings.hardened')}
            description={t('settings.hardened_help')}
            checked={info.settings.hardened_memory}
            onChange={(e) => save({ hardened_memory: e.currentTarget.checked })}
          />
          {!info.settings.hardened_memory && info.memory_hardened && (
            <Text size="sm" c="dimmed" data-testid="settings-hardened-restart">{t('settings.hardened_restart')}</Text>
          )}
          <Group align="flex-end">
            <TextInput label={t('settings.author')} value={author} onChange={(e) => setAuthor(e.currentTarget.value)} />
            <Button variant="light" onClick={() => api.setAuthor(author).then(() => notify.ok(t('common.saved')), notify.error)}>{t('common.save')}</Button>
          </Group>
        </Stack>
      </Card>
      <LocalRole />
      <PassphraseChange />
      <Card withBorder>
        <Title order={5} mb="xs">{t('settings.about')}</Title>
        <Text size="sm">{t('settings.version', { version: info.version })}</Text>
        <Text size="sm" data-testid="settings-store">{t('settings.store', { path: info.data_dir })}</Text>
      </Card>
    </Stack>
  );
}
