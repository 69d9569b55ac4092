// Referrals to other member organisations (as crates/core/src/clients/referrals.rs): sending one
// from a file, with the person's consent and only the details they agreed to share, and the list
// of referrals sent and received.
import { Alert, Badge, Button, Card, Checkbox, Group, Select, Stack, Table, Text, Textarea, TextInput, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorState, useNotify } from '../../components/errors';
import { api, type ClientView, type ReferralView } from '../../ipc';
import { useVocab } from '../../state';
import { useDateTime } from '../../components/dates';

const SHARE = ['names_original', 'birth_date', 'citizenships', 'languages', 'phone'] as const;
type Share = Record<(typeof SHARE)[number], boolean>;

/** Refer the person to another member organisation, with their recorded consent. */
export function FileReferrals({ c, onChanged, onRecordConsent }: { c: ClientView; onChanged: () => void; onRecordConsent: () => void }) {
  const { t } = useTranslation();
  const { day } = useDateTime();
  const notify = useNotify();
  const vocab = useVocab();
  const consents = c.consents.filter((k) => !k.withdrawn_on);
  const [to, setTo] = useState('');
  // The member organisations the server listed at the last sync; before the first sync the name
  // is typed (and the server decides).
  // `listed` is null before the first sync (no list yet); after it, the other members.
  const [listed, setListed] = useState<string[] | null>(null);
  useEffect(() => {
    api.organisations().then((o) => setListed(o.length ? o.filter((x) => x !== c.organisation) : null), () => setListed(null));
  }, [c.organisation]);
  const members = listed ?? [];
  const [service, setService] = useState<string | null>('psychological');
  const [consent, setConsent] = useState<string | null>(consents[0]?.id ?? null);
  const [reason, setReason] = useState('');
  const [share, setShare] = useState<Share>({ names_original: false, birth_date: false, citizenships: false, languages: false, phone: false });
  const discard = (referralId: string) =>
    api.discardReferral(c.id, referralId).then(() => {
      notify.ok(t('referrals.discarded'));
      onChanged();
    }, notify.error);
  const send = () =>
    api.refer(c.id, { to_organisation: to, service: service ?? '', consent_id: consent ?? '', reason, share }).then(() => {
      notify.ok(t('referrals.sent'));
      setReason('');
      onChanged();
    }, notify.error);
  return (
    <Stack>
      {c.referrals.length > 0 && (
        <Table data-testid="file-referrals">
          <Table.Tbody>
            {c.referrals.map((r) => (
              <Table.Tr key={r.id} data-testid="file-referral">
                <Table.Td>{r.to_organisation}</Table.Td>
                <Table.Td>{t(`vocab.service.${r.service}`, { defaultValue: r.service })}</Table.Td>
                <Table.Td>{day(r.created_at)}</Table.Td>
                <Table.Td>
                  <Button size="compact-xs" variant="subtle" color="gray" title={t('referrals.discard_help')} onClick={() => discard(r.id)} data-testid="referral-discard">
                    {t('referrals.discard')}
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Card withBorder>
        <Title order={5} mb="xs">{t('referrals.new')}</Title>
        {listed !== null && listed.length === 0 ? (
          <Alert color="gray" data-testid="referral-no-members">
            <Text size="sm">{t('referrals.no_members')}</Text>
          </Alert>
        ) : consents.length === 0 ? (
          <Alert color="orange" data-testid="referral-no-consent">
            <Text size="sm">{t('referrals.no_consent')}</Text>
            <Button mt="xs" size="xs" variant="light" color="orange" onClick={onRecordConsent} data-testid="referral-record-consent">{t('referrals.record_consent')}</Button>
          </Alert>
        ) : (
          <Stack gap="xs">
            <Group grow>
              {members.length > 0 ? (
                <Select label={t('referrals.to')} data={members} value={to || null} onChange={(v) => setTo(v ?? '')} searchable data-testid="referral-to" />
              ) : (
                <TextInput label={t('referrals.to')} description={t('referrals.to_unlisted')} value={to} onChange={(e) => setTo(e.currentTarget.value)} data-testid="referral-to" />
              )}
              <Select label={t('client.services')} data={vocab.services.map((s) => ({ value: s, label: t(`vocab.service.${s}`, { defaultValue: s }) }))} value={service} onChange={setService} />
              <Select label={t('referrals.consent')} data={consents.map((k) => ({ value: k.id, label: `${k.clause} (${day(k.given_on)})` }))} value={consent} onChange={setConsent} />
            </Group>
            <Textarea label={t('referrals.reason')} value={reason} onChange={(e) => setReason(e.currentTarget.value)} autosize minRows={2} data-testid="referral-reason" />
            <Text size="sm">{t('referrals.share')}</Text>
            <Group>
              {SHARE.map((k) => (
                <Checkbox key={k} label={t(`referrals.field.${k}`)} checked={share[k]} onChange={(e) => { const on = e.currentTarget.checked; setShare((s) => ({ ...s, [k]: on })); }} />
              ))}
            </Group>
            <Group><Button disabled={!to.trim() || !reason.trim()} onClick={send} data-testid="referral-send">{t('referrals.send')}</Button></Group>
          </Stack>
        )}
      </Card>
    </Stack>
  );
}

/** Every referral on this laptop: answer incoming ones, follow outgoing ones. */
export function ReferralsScreen() {
  const { t } = useTranslation();
  const { day } = useDateTime();
  const notify = useNotify();
  const [list, setList] = useState<ReferralView[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [notes, setNotes] = useState<Record<string, string>>({});
  const load = () => api.referrals().then(setList, setError);
  useEffect(() => { load(); }, []);
  const respond = (id: string, status: string) =>
    api.respondReferral(id, status, notes[id] ?? '').then(() => { notify.ok(t('common.saved')); load(); }, notify.error);
  if (error) return <ErrorState error={error} />;
  if (!list) return null;
  return (
    <Stack>
      <Title order={2}>{t('referrals.title')}</Title>
      {list.length === 0 && <Text c="dimmed" data-testid="referrals-empty">{t('referrals.none')}</Text>}
      {list.map((r) => {
        const open = r.status === 'sent' || r.status === 'accepted';
        return (
          <Card key={r.id} withBorder data-testid="referral">
            <Group justify="space-between">
              <Text fw={600}>{r.given_names} {r.family_name}{r.names_original ? ` (${r.names_original})` : ''}</Text>
              <Badge variant="light" data-testid="referral-status">{t(`referrals.status.${r.status}`, { defaultValue: r.status })}</Badge>
            </Group>
            <Text size="sm" c="dimmed">
              {r.direction === 'incoming' ? t('referrals.from_org', { org: r.from_organisation }) : t('referrals.to_org', { org: r.to_organisation })}
              {' · '}{t(`vocab.service.${r.service}`, { defaultValue: r.service })}{' · '}{day(r.created_at)}
            </Text>
            <Text size="sm" mt={4}>{r.reason}</Text>
            <Text size="xs" c="dimmed">
              {[day(r.birth_date), r.citizenships.join(', '), r.languages.join(', '), r.phone].filter(Boolean).join(' · ')}
              {' — '}{t('referrals.consent_given', { clause: r.consent_clause, date: day(r.consent_given_on) })}
            </Text>
            {r.events.filter((e) => e.note).map((e, i) => (
              <Text key={i} size="sm" mt={4}><b>{e.organisation}</b> ({t(`referrals.status.${e.status}`, { defaultValue: e.status })}): {e.note}</Text>
            ))}
            {open && (
              <Group mt="xs" align="flex-end">
                <TextInput style={{ flex: 1 }} size="xs" placeholder={t('referrals.note')} value={notes[r.id] ?? ''} onChange={(e) => { const v = e.currentTarget.value; setNotes((n) => ({ ...n, [r.id]: v })); }} />
                {r.direction === 'incoming' && r.status === 'sent' && (
                  <>
                    <Button size="xs" onClick={() => respond(r.id, 'accepted')} data-testid="referral-accept">{t('referrals.accept')}</Button>
                    <Button size="xs" variant="default" onClick={() => respond(r.id, 'declined')}>{t('referrals.decline')}</Button>
                  </>
                )}
                {r.direction === 'incoming' && r.status === 'accepted' && (
                  <Button size="xs" onClick={() => respond(r.id, 'closed')} data-testid="referral-close">{t('referrals.close')}</Button>
                )}
                {r.direction === 'outgoing' && (
                  <Button size="xs" variant="default" onClick={() => respond(r.id, 'withdrawn')}>{t('referrals.withdraw')}</Button>
                )}
              </Group>
            )}
          </Card>
        );
      })}
    </Stack>
  );
}
