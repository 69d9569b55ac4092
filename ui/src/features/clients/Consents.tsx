// The person's consents (GDPR Art. 7: the organisation must be able to show what the person agreed
// to, when, and in which language they were told): the list, recording one, withdrawing one.
// A referral needs an active consent from here.
import { Autocomplete, Badge, Button, Card, Group, Modal, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { PartProps } from './part';
import { TableHead } from '../../components/layout';
import { ErrorState, useNotify } from '../../components/errors';
import { isoBefore } from '../../components/forms';
import { api, type ClientView, type ConsentInput, type ConsentView } from '../../ipc';
import { today } from '../../state';
import { useLanguageChoices, useLanguageName } from '../../components/languages';
import { ProcessingBases } from '../protection/Processing';
import { DateField } from '../../components/DateField';
import { useDateTime } from '../../components/dates';

/** A consent as sent back to replace it (`update_client` merges entries by id). */
export function consentInput(k: ConsentView): ConsentInput {
  return { id: k.id, clause: k.clause, language: k.language, given_on: k.given_on, recorded_by: k.recorded_by, legal_basis: k.legal_basis, withdrawn_on: k.withdrawn_on };
}

/** Withdraw a consent: on the day the person said so (today unless told otherwise). */
function Withdraw({ c, consent, onClose, onSaved }: { c: ClientView; consent: ConsentView | null; onClose: () => void; onSaved: (v: ClientView) => void }) {
  const { t } = useTranslation();
  const { day } = useDateTime();
  const form = useForm({ initialValues: { date: today() } });
  const { date } = form.values;
  const [error, setError] = useState<unknown>(null);
  // Another consent: start again from today, no error.
  const [shownId, setShownId] = useState(consent?.id);
  if (consent?.id !== shownId) {
    setShownId(consent?.id);
    form.setValues({ date: today() });
    setError(null);
  }
  const early = consent !== null && isoBefore(date, consent.given_on);
  const save = () => {
    if (consent) api.updateClient(c.id, { consents: [{ ...consentInput(consent), withdrawn_on: date }] }).then(onSaved, setError);
  };
  return (
    <Modal opened={consent !== null} onClose={onClose} title={t('consents.withdraw_title')}>
      {consent && (
        <form onSubmit={form.onSubmit(save)}>
          <Stack data-testid="consent-withdraw-form">
            <Text size="sm">{t('consents.withdraw_what', { clause: consent.clause, date: day(consent.given_on) })}</Text>
            <DateField data-testid="consent-withdrawn-on" label={t('consents.withdrawn_on')} data-autofocus {...form.getInputProps('date')} error={early ? t('consents.withdrawn_before_given') : undefined} />
            <Text size="xs" c="dimmed">{t('consents.withdraw_help')}</Text>
            <ErrorState error={error} />
            <Group justify="flex-end">
              <Button variant="default" onClick={onClose}>{t('common.cancel')}</Button>
              <Button type="submit" color="red" disabled={!date.trim() || early} data-testid="consent-withdraw-do">{t('consents.withdraw')}</Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}

/** Record a consent: the clause the person was given, in which language, on which day. */
function AddConsent({ c, onSaved }: PartProps) {
  const { t } = useTranslation();
  const form = useForm({
    initialValues: { clause: '', language: (c.person.languages[0] ?? 'pl') as string | null, givenOn: today(), basis: '', recordedBy: '' },
  });
  const { clause, language, givenOn } = form.values;
  const [error, setError] = useState<unknown>(null);
  // Who records it: the name this laptop writes into its changes, unless someone else took it.
  const { setFieldValue } = form;
  useEffect(() => {
    api.home().then((h) => setFieldValue('recordedBy', (typed) => typed || (h.author ?? '')), () => {});
  }, [setFieldValue]);
  // The organisation's usual clause first, then the clauses already given in this file.
  const clauses = [...new Set([t('consents.usual_clause'), t('consents.referral_clause'), ...c.consents.map((k) => k.clause)])];
  const languages = useLanguageChoices(c.person.languages);
  const bases = [t('consents.basis_consent'), t('consents.basis_special')];
  const save = ({ clause, language, givenOn, recordedBy, basis }: typeof form.values) => {
    const input: ConsentInput = { clause: clause.trim(), language: language ?? '', given_on: givenOn.trim(), recorded_by: recordedBy.trim() || null, legal_basis: basis.trim() || null };
    api.updateClient(c.id, { consents: [input] }).then((v) => {
      form.setValues({ clause: '', basis: '', givenOn: today() });
      setError(null);
      onSaved(v);
    }, setError);
  };
  return (
    <form onSubmit={form.onSubmit(save)}>
      <Stack gap="xs">
        <Autocomplete data-testid="consent-clause" label={t('consents.clause')} description={t('consents.clause_help')} data={clauses} {...form.getInputProps('clause')} required />
        <Group align="flex-start" grow>
          <Select data-testid="consent-language" label={t('consents.language')} data={languages} {...form.getInputProps('language')} searchable allowDeselect={false} required />
          <DateField data-testid="consent-given-on" label={t('consents.given_on')} {...form.getInputProps('givenOn')} required />
        </Group>
        <Group align="flex-start" grow>
          <Autocomplete data-testid="consent-basis" label={t('consents.legal_basis')} description={t('common.optional')} data={bases} {...form.getInputProps('basis')} />
          <TextInput data-testid="consent-recorded-by" label={t('consents.recorded_by')} description={t('common.optional')} {...form.getInputProps('recordedBy')} />
        </Group>
        <ErrorState error={error} />
        <Group><Button type="submit" disabled={!clause.trim() || !language || !givenOn.trim()} data-testid="consent-save">{t('consents.add')}</Button></Group>
      </Stack>
    </form>
  );
}

export function Consents({ c, onChanged }: { c: ClientView; onChanged: (v: ClientView) => void }) {
  const { t } = useTranslation();
  const { day } = useDateTime();
  const notify = useNotify();
  const languageName = useLanguageName();
  const [withdrawing, setWithdrawing] = useState<ConsentView | null>(null);
  // Active ones first, the most recent first.
  const list = [...c.consents].sort((a, b) => Number(!!a.withdrawn_on) - Number(!!b.withdrawn_on) || b.given_on.localeCompare(a.given_on));
  return (
    <Stack>
      {list.length === 0 ? <Text c="dimmed" data-testid="consents-empty">{t('consents.none')}</Text> : (
        <Table data-testid="consents" verticalSpacing="xs">
          <TableHead columns={[t('consents.clause'), t('consents.language_column'), t('consents.given_on'), t('consents.recorded_by'), t('consents.legal_basis'), t('consents.state'), null]} />
          <Table.Tbody>
            {list.map((k) => (
              <Table.Tr key={k.id} data-testid="consent" data-withdrawn={k.withdrawn_on ? 'true' : 'false'} style={k.withdrawn_on ? { opacity: 0.6 } : undefined}>
                <Table.Td style={k.withdrawn_on ? { textDecoration: 'line-through' } : undefined}>{k.clause}</Table.Td>
                <Table.Td>{languageName(k.language)}</Table.Td>
                <Table.Td>{day(k.given_on)}</Table.Td>
                <Table.Td>{k.recorded_by ?? '—'}</Table.Td>
                <Table.Td>{k.legal_basis ?? '—'}</Table.Td>
                <Table.Td>
                  {k.withdrawn_on
                    ? <Badge color="red" variant="light" miw="max-content" data-testid="consent-withdrawn">{t('consents.withdrawn', { date: day(k.withdrawn_on) })}</Badge>
                    : <Badge color="green" variant="light" miw="max-content">{t('consents.active')}</Badge>}
                </Table.Td>
                <Table.Td>
                  {!k.withdrawn_on && (
                    <Button size="compact-xs" variant="subtle" color="red" onClick={() => setWithdrawing(k)} data-testid="consent-withdraw">{t('consents.withdraw')}</Button>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Card withBorder>
        <Title order={5} mb="xs">{t('consents.new')}</Title>
        <AddConsent c={c} onSaved={(v) => { notify.ok(t('consents.saved')); onChanged(v); }} />
      </Card>
      <ProcessingBases c={c} onChanged={onChanged} />
      <Withdraw c={c} consent={withdrawing} onClose={() => setWithdrawing(null)} onSaved={(v) => { setWithdrawing(null); notify.ok(t('consents.withdrawn_saved')); onChanged(v); }} />
    </Stack>
  );
}
