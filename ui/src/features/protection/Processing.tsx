// The legal bases of processing a person's data (GDPR Art. 6 and 9), beside their consents:
// for each purpose the basis the organisation relies on. Consent is one basis among several
// (legal claims for representation, a vital interest in an emergency); a basis of consent
// names the consent and ends when it is withdrawn.
import { Alert, Badge, Button, Card, Group, Select, Stack, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { TableHead } from '../../components/layout';
import { ErrorState, useNotify } from '../../components/errors';
import { api, type ClientView, type ProcessingInput, type ProcessingView } from '../../ipc';
import { today, useVocab } from '../../state';
import { DateField } from '../../components/DateField';
import { useDateTime } from '../../components/dates';

function AddBasis({ c, onSaved }: { c: ClientView; onSaved: (v: ClientView) => void }) {
  const { t } = useTranslation();
  const { day } = useDateTime();
  const vocab = useVocab();
  const [purpose, setPurpose] = useState<string | null>('legal_aid');
  const [basis, setBasis] = useState<string | null>('legal_claims');
  const [since, setSince] = useState(today());
  const [consent, setConsent] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const consents = c.consents.filter((k) => !k.withdrawn_on).map((k) => ({ value: k.id, label: `${k.clause} · ${day(k.given_on)}` }));
  const save = () => {
    const input: ProcessingInput = { purpose: purpose ?? '', basis: basis ?? '', since: since.trim(), consent_id: basis === 'consent' ? consent : null };
    api.updateClient(c.id, { processing: [input] }).then((v) => {
      setError(null);
      setConsent(null);
      setSince(today());
      onSaved(v);
    }, setError);
  };
  return (
    <Stack gap="xs">
      <Group grow align="flex-start">
        <Select data-testid="basis-purpose" label={t('processing.purpose')} data={vocab.processing_purposes.map((p) => ({ value: p, label: t(`vocab.processing_purpose.${p}`) }))} value={purpose} onChange={setPurpose} allowDeselect={false} />
        <Select data-testid="basis-basis" label={t('processing.basis')} data={vocab.legal_bases.map((b) => ({ value: b, label: t(`vocab.legal_basis.${b}`) }))} value={basis} onChange={setBasis} allowDeselect={false} />
      </Group>
      <Group grow align="flex-start">
        <DateField data-testid="basis-since" label={t('processing.since')} value={since} onChange={setSince} />
        {basis === 'consent' && (
          <Select data-testid="basis-consent" label={t('processing.consent')} description={consents.length ? undefined : t('processing.no_consent')} data={consents} value={consent} onChange={setConsent} />
        )}
      </Group>
      <ErrorState error={error} />
      <Group><Button onClick={save} disabled={!purpose || !basis || (basis === 'consent' && !consent)} data-testid="basis-save">{t('processing.add')}</Button></Group>
    </Stack>
  );
}

function endInput(b: ProcessingView, on: string): ProcessingInput {
  return { id: b.id, purpose: b.purpose, basis: b.basis, since: b.since, consent_id: b.consent_id, ended_on: on, recorded_by: b.recorded_by, note: b.note };
}

export function ProcessingBases({ c, onChanged }: { c: ClientView; onChanged: (v: ClientView) => void }) {
  const { t } = useTranslation();
  const { day } = useDateTime();
  const notify = useNotify();
  const end = (b: ProcessingView) =>
    api.updateClient(c.id, { processing: [endInput(b, today() < b.since ? b.since : today())] }).then((v) => { notify.ok(t('processing.ended_saved')); onChanged(v); }, notify.error);
  const none = !c.processing.some((b) => b.in_force);
  return (
    <Card withBorder data-testid="processing">
      <Title order={5} mb={4}>{t('processing.title')}</Title>
      <Text size="xs" c="dimmed" mb="sm">{t('processing.intro')}</Text>
      {none && <Alert color="orange" mb="sm" data-testid="processing-none">{t('processing.none_in_force')}</Alert>}
      {c.processing.length > 0 && (
        <Table mb="sm" data-testid="processing-list">
          <TableHead columns={[t('processing.purpose'), t('processing.basis'), t('processing.period'), null, null]} />
          <Table.Tbody>
            {c.processing.map((b) => (
              <Table.Tr key={b.id} data-testid="basis" style={b.in_force ? undefined : { opacity: 0.6 }}>
                <Table.Td>{t(`vocab.processing_purpose.${b.purpose}`, { defaultValue: b.purpose })}</Table.Td>
                <Table.Td>{t(`vocab.legal_basis.${b.basis}`, { defaultValue: b.basis })}</Table.Td>
                <Table.Td>{day(b.since)} – {day(b.ended_on)}</Table.Td>
                <Table.Td>
                  {b.in_force
                    ? <Badge color="green" variant="light" miw="max-content">{t('processing.in_force')}</Badge>
                    : <Badge color="gray" variant="light" miw="max-content" data-testid="basis-ended">{b.consent_withdrawn_on ? t('processing.withdrawn', { date: day(b.consent_withdrawn_on) }) : t('processing.ended')}</Badge>}
                </Table.Td>
                <Table.Td>{b.in_force && <Button size="compact-xs" variant="subtle" color="red" onClick={() => end(b)} data-testid="basis-end">{t('processing.end')}</Button>}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <AddBasis c={c} onSaved={(v) => { notify.ok(t('processing.saved')); onChanged(v); }} />
    </Card>
  );
}
