// The organisation's GDPR documents: who the controller is (a coordinator sets it; the record
// and the information given to people name it), the record of processing activities (Art. 30)
// and a starting template for the impact assessment (Art. 35), saved as HTML to complete.
import { Button, Card, Group, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorState, useNotify } from '../../components/errors';
import { useOrgSettings } from '../../components/projects';
import { api, type ControllerInput } from '../../ipc';

export function GdprDocumentsCard() {
  const { t, i18n } = useTranslation();
  const notify = useNotify();
  const [settings, , setSettings] = useOrgSettings();
  const [c, setC] = useState<ControllerInput>({ legal_name: '', address: null, contact: null, registry: null, dpo: null });
  const [error, setError] = useState<unknown>(null);
  // The form shows the stored controller whenever the settings are (re)loaded or saved.
  const [shown, setShown] = useState<typeof settings>(null);
  if (settings !== shown) {
    setShown(settings);
    if (settings) setC(settings.controller);
  }
  const field = (k: keyof ControllerInput) => (e: React.ChangeEvent<HTMLInputElement>) => setC({ ...c, [k]: e.currentTarget.value });
  const save = () =>
    api.putController({ ...c, address: c.address?.trim() || null, contact: c.contact?.trim() || null, registry: c.registry?.trim() || null, dpo: c.dpo?.trim() || null }).then((v) => {
      setSettings(v);
      setError(null);
      notify.ok(t('gdpr.saved'));
    }, setError);
  const write = (which: 'record' | 'dpia') => api.gdprDocument(which, i18n.language).then((f) => notify.ok(t('gdpr.written', { path: f.path })), notify.error);
  const editable = settings?.editable ?? false;
  return (
    <Card withBorder data-testid="gdpr">
      <Title order={4} mb={4}>{t('gdpr.title')}</Title>
      <Text size="sm" c="dimmed" mb="sm">{t('gdpr.intro')}</Text>
      <Stack gap="xs">
        <Group grow align="flex-start">
          <TextInput data-testid="gdpr-name" label={t('gdpr.legal_name')} placeholder={settings?.organisation} value={c.legal_name} onChange={field('legal_name')} disabled={!editable} />
          <TextInput data-testid="gdpr-registry" label={t('gdpr.registry')} value={c.registry ?? ''} onChange={field('registry')} disabled={!editable} />
        </Group>
        <TextInput data-testid="gdpr-address" label={t('gdpr.address')} value={c.address ?? ''} onChange={field('address')} disabled={!editable} />
        <Group grow align="flex-start">
          <TextInput data-testid="gdpr-contact" label={t('gdpr.contact')} value={c.contact ?? ''} onChange={field('contact')} disabled={!editable} />
          <TextInput data-testid="gdpr-dpo" label={t('gdpr.dpo')} description={t('gdpr.dpo_help')} value={c.dpo ?? ''} onChange={field('dpo')} disabled={!editable} />
        </Group>
        <ErrorState error={error} />
        <Group>
          {editable ? <Button onClick={save} data-testid="gdpr-save">{t('gdpr.save')}</Button> : <Text size="xs" c="dimmed" data-testid="gdpr-readonly">{t('gdpr.coordinator_only')}</Text>}
          <Button variant="light" onClick={() => write('record')} data-testid="gdpr-record">{t('gdpr.record')}</Button>
          <Button variant="light" onClick={() => write('dpia')} data-testid="gdpr-dpia">{t('gdpr.dpia')}</Button>
        </Group>
      </Stack>
    </Card>
  );
}
