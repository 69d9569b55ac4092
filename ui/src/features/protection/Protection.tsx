// Data protection and the consortium (issue 5): erasing a file, restricted sections (notes only
// some roles read), and referrals to other member organisations.
import { Alert, Badge, Button, Card, Checkbox, Group, Modal, Select, Stack, Table, Text, Textarea, TextInput, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorState, useNotify } from '../../components/errors';
import { api, type ClientView, type ErasurePlan, type ReferralView, type SectionView } from '../../ipc';
import { today, useNav, useVocab } from '../../state';

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

const SECTIONS = ['psychological', 'medical'];

/** Restricted sections: everyone sees that they exist; only the roles allowed open them. */
export function Sections({ c, onChanged }: { c: ClientView; onChanged: () => void }) {
  const { t } = useTranslation();
  const notify = useNotify();
  const [open, setOpen] = useState<SectionView | null>(null);
  const [openError, setOpenError] = useState<unknown>(null);
  const [section, setSection] = useState<string>('psychological');
  const [text, setText] = useState('');
  const show = (sid: string) => { setOpenError(null); api.section(c.id, sid).then(setOpen, setOpenError); };
  const add = () =>
    api.addSectionNote(c.id, section, { date: today(), text }).then((v) => {
      setText('');
      setOpen(v);
      notify.ok(t('common.saved'));
      onChanged();
    }, notify.error);
  return (
    <Stack>
      <Text size="sm" c="dimmed">{t('sections.help')}</Text>
      {c.sections.length === 0 ? <Text c="dimmed">{t('client.no_entries')}</Text> : (
        <Table data-testid="sections">
          <Table.Tbody>
            {c.sections.map((s) => (
              <Table.Tr key={s.id} data-testid="section-row">
                <Table.Td>{t(`sections.kind.${s.section}`, { defaultValue: s.section })}</Table.Td>
                <Table.Td>{s.created_at.slice(0, 10)}{s.created_by ? ` · ${s.created_by}` : ''}</Table.Td>
                <Table.Td>
                  {s.readable
                    ? <Button size="xs" variant="light" onClick={() => show(s.id)} data-testid="section-open">{t('sections.open')}</Button>
                    : <Badge color="gray" variant="outline" data-testid="section-locked">{t('sections.locked')}</Badge>}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {openError !== null && <ErrorState error={openError} />}
      {open && (
        <Card withBorder data-testid="section-notes">
          <Title order={5} mb="xs">{t(`sections.kind.${open.section}`, { defaultValue: open.section })}</Title>
          {open.notes.map((n) => (
            <Text key={n.id} size="sm" mb={4}><b>{n.date}</b>{n.author ? ` · ${n.author}` : ''}: {n.text}</Text>
          ))}
        </Card>
      )}
      <Card withBorder>
        <Group align="flex-end">
          <Select label={t('sections.section')} data={SECTIONS.map((s) => ({ value: s, label: t(`sections.kind.${s}`) }))} value={section} onChange={(v) => v && setSection(v)} allowDeselect={false} w={200} />
          <Textarea label={t('sections.note')} value={text} onChange={(e) => setText(e.currentTarget.value)} autosize minRows={2} style={{ flex: 1 }} data-testid="section-text" />
          <Button disabled={!text.trim()} onClick={add} data-testid="section-add">{t('sections.add')}</Button>
        </Group>
      </Card>
    </Stack>
  );
}

const SHARE = ['names_original', 'birth_date', 'citizenships', 'languages', 'phone'] as const;
type Share = Record<(typeof SHARE)[number], boolean>;

/** Refer the person to another member organisation, with their recorded consent. */
export function FileReferrals({ c, onChanged, onRecordConsent }: { c: ClientView; onChanged: () => void; onRecordConsent: () => void }) {
  const { t } = useTranslation();
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
                <Table.Td>{r.created_at.slice(0, 10)}</Table.Td>
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
              <Select label={t('referrals.consent')} data={consents.map((k) => ({ value: k.id, label: `${k.clause} (${k.given_on})` }))} value={consent} onChange={setConsent} />
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
              {' · '}{t(`vocab.service.${r.service}`, { defaultValue: r.service })}{' · '}{r.created_at.slice(0, 10)}
            </Text>
            <Text size="sm" mt={4}>{r.reason}</Text>
            <Text size="xs" c="dimmed">
              {[r.birth_date, r.citizenships.join(', '), r.languages.join(', '), r.phone].filter(Boolean).join(' · ')}
              {' — '}{t('referrals.consent_given', { clause: r.consent_clause, date: r.consent_given_on })}
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
