// The organisation's people and laptops, for its coordinator (protocol version 4), on the Sync
// screen: who has which laptop and when it was last seen, a person added, a one-time code to
// enrol a new laptop (shown once), and a lost or stolen laptop revoked. All of it is on the
// server, which checks that the asker is a coordinator and logs every act.
import { Alert, Badge, Button, Card, Checkbox, Group, Loader, Modal, NumberInput, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { TableHead } from '../../components/layout';
import { ErrorState, useNotify } from '../../components/errors';
import { useDateTime } from '../../components/dates';
import { SecretCopyButton } from '../../components/secrets';
import { api, type EnrolCode, type KeysWaiting, type Team, type TeamDevice, type WaitingLaptop } from '../../ipc';
import { ROLES } from '../session/Settings';
import { useReloadVocab, useVocab } from '../../state';

/** How long a new code is valid by default, and the most the server allows (30 days). */
const DEFAULT_HOURS = 48;
const MAX_HOURS = 720;

/** Revoking asks first, saying plainly what follows. */
function Revoke({ device, onClose, onRevoked }: { device: TeamDevice | null; onClose: () => void; onRevoked: (team: Team) => void }) {
  const { t } = useTranslation();
  const [sure, setSure] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  // Another laptop: asked again, no error.
  const [shownId, setShownId] = useState(device?.device_id);
  if (device?.device_id !== shownId) {
    setShownId(device?.device_id);
    setSure(false);
    setError(null);
  }
  const revoke = () => {
    if (!device) return;
    setBusy(true);
    api.revokeDevice(device.device_id).then(onRevoked, setError).finally(() => setBusy(false));
  };
  return (
    <Modal opened={device !== null} onClose={onClose} title={t('team.revoke_title')} size="lg">
      {device && (
        <Stack data-testid="team-revoke-form">
          <Text fw={600}>{t('team.revoke_which', { name: device.name, user: device.user })}</Text>
          <Stack gap={4}>
            <Text size="sm">{t('team.revoke_refused')}</Text>
            <Text size="sm">{t('team.revoke_wiped')}</Text>
            <Text size="sm" fw={600} c="red.8">{t('team.revoke_lost')}</Text>
            <Text size="sm" c="dimmed">{t('team.revoke_final')}</Text>
          </Stack>
          <Checkbox label={t('team.revoke_confirm')} checked={sure} onChange={(e) => setSure(e.currentTarget.checked)} data-testid="team-revoke-confirm" />
          <ErrorState error={error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>{t('common.cancel')}</Button>
            <Button color="red" disabled={!sure} loading={busy} onClick={revoke} data-testid="team-revoke-do">{t('team.revoke_do')}</Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}

function Laptops({ team, ownDevice, onChanged }: { team: Team; ownDevice: string; onChanged: (team: Team) => void }) {
  const { t } = useTranslation();
  const notify = useNotify();
  const { when, day } = useDateTime();
  const [revoking, setRevoking] = useState<TeamDevice | null>(null);
  // Laptops in use first; revoked ones after, greyed.
  const devices = [...team.devices].sort((a, b) => Number(!!a.revoked_at) - Number(!!b.revoked_at));
  if (devices.length === 0) return <Text size="sm" c="dimmed">{t('team.no_laptops')}</Text>;
  return (
    <>
      <Table data-testid="team-laptops" verticalSpacing="xs">
        <TableHead columns={[t('team.person'), t('team.laptop'), t('team.enrolled_at'), t('team.last_seen'), t('team.state'), null]} />
        <Table.Tbody>
          {devices.map((d) => {
            const own = d.device_id === ownDevice;
            return (
              <Table.Tr key={d.device_id} data-testid="team-device" data-device-id={d.device_id} data-state={d.revoked_at ? 'revoked' : 'active'} c={d.revoked_at ? 'dimmed' : undefined}>
                <Table.Td>
                  <Text size="sm">{d.user}</Text>
                  <Text size="xs" c="dimmed">{t(`roles.${d.role}`, { defaultValue: d.role })}</Text>
                </Table.Td>
                <Table.Td>{d.name}</Table.Td>
                <Table.Td style={{ whiteSpace: 'nowrap' }}>{when(d.enrolled_at)}</Table.Td>
                <Table.Td style={{ whiteSpace: 'nowrap' }}>{d.last_seen ? when(d.last_seen) : t('team.never_seen')}</Table.Td>
                <Table.Td data-testid="team-device-state">
                  {d.revoked_at ? (
                    <>
                      <Badge color="red" variant="light" miw="max-content">{t('team.revoked')}</Badge>
                      <Text size="xs" c="dimmed" style={{ whiteSpace: 'nowrap' }}>{day(d.revoked_at)}</Text>
                    </>
                  ) : <Badge color="green" variant="light" miw="max-content">{t('team.active')}</Badge>}
                </Table.Td>
                <Table.Td ta="right">
                  {own
                    ? <Badge size="sm" variant="outline" miw="max-content" data-testid="team-own">{t('team.this_laptop')}</Badge>
                    : !d.revoked_at && <Button size="compact-sm" variant="subtle" color="red" onClick={() => setRevoking(d)} data-testid="team-revoke">{t('team.revoke')}</Button>}
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
      <Revoke
        device={revoking}
        onClose={() => setRevoking(null)}
        onRevoked={(next) => {
          notify.ok(t('team.revoked_saved', { name: revoking?.name ?? '' }));
          setRevoking(null);
          onChanged(next);
        }}
      />
    </>
  );
}

function People({ team, onChanged }: { team: Team; onChanged: (team: Team) => void }) {
  const { t } = useTranslation();
  const notify = useNotify();
  const [name, setName] = useState('');
  const [role, setRole] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const roles = ROLES.map((r) => ({ value: r, label: t(`roles.${r}`) }));
  const add = () =>
    api.addTeamUser(name.trim(), role ?? '').then((next) => {
      const added = next.users.some((u) => u.name === name.trim());
      notify.ok(t(added ? 'team.person_added' : 'team.person_waits', { name: name.trim() }));
      setName('');
      setRole(null);
      setError(null);
      onChanged(next);
    }, setError);
  const active = (user: string) => team.devices.filter((d) => d.user === user && !d.revoked_at).length;
  return (
    <Stack gap="xs">
      {team.users.length === 0 ? <Text size="sm" c="dimmed">{t('team.no_people')}</Text> : (
        <Table data-testid="team-people" verticalSpacing={4}>
          <TableHead columns={[t('team.user_name'), t('team.role'), t('team.laptops_in_use')]} />
          <Table.Tbody>
            {team.users.map((u) => (
              <Table.Tr key={u.name} data-testid="team-person">
                <Table.Td>{u.name}</Table.Td>
                <Table.Td>{t(`roles.${u.role}`, { defaultValue: u.role })}</Table.Td>
                <Table.Td>{active(u.name)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Group align="flex-end" grow>
        <TextInput data-testid="team-add-name" label={t('team.user_name')} description={t('team.user_name_help')} value={name} onChange={(e) => setName(e.currentTarget.value)} />
        <Select data-testid="team-add-role" label={t('team.role')} description={t('team.role_help')} placeholder={t('common.choose')} data={roles} value={role} onChange={setRole} allowDeselect={false} />
      </Group>
      <ErrorState error={error} />
      <Group><Button variant="light" disabled={!name.trim() || !role} onClick={add} data-testid="team-add">{t('team.add_person')}</Button></Group>
    </Stack>
  );
}

/** A one-time code for a person to enrol a new laptop with: shown once, then gone. Another is
 * made only once this one is put away, so a double click does not leave two live codes. */
function NewCode({ team, server }: { team: Team; server: string }) {
  const { t } = useTranslation();
  const [user, setUser] = useState<string | null>(null);
  const [hours, setHours] = useState<number | string>(DEFAULT_HOURS);
  const [code, setCode] = useState<EnrolCode | null>(null);
  const [error, setError] = useState<unknown>(null);
  const h = typeof hours === 'number' ? hours : Number.NaN;
  const hoursOk = Number.isInteger(h) && h >= 1 && h <= MAX_HOURS;
  const make = () =>
    user && api.makeEnrolCode(user, h).then((c) => {
      setError(null);
      setCode(c);
    }, setError);
  return (
    <Stack gap="xs">
      <Group align="flex-start" grow>
        <Select
          data-testid="team-code-user"
          label={t('team.code_for')}
          description={t('team.code_for_help')}
          placeholder={t('common.choose')}
          data={team.users.map((u) => ({ value: u.name, label: `${u.name} (${t(`roles.${u.role}`, { defaultValue: u.role })})` }))}
          value={user}
          onChange={(u) => { setUser(u); setCode(null); }}
          searchable
          allowDeselect={false}
        />
        <NumberInput
          data-testid="team-code-hours"
          label={t('team.code_hours')}
          description={t('team.code_hours_help', { max: MAX_HOURS })}
          value={hours}
          onChange={setHours}
          min={1}
          max={MAX_HOURS}
          allowDecimal={false}
          allowNegative={false}
          error={hoursOk ? undefined : t('team.code_hours_range', { max: MAX_HOURS })}
        />
      </Group>
      <ErrorState error={error} />
      <Group><Button variant="light" disabled={!user || !hoursOk || code !== null} onClick={make} data-testid="team-code-make">{t('team.code_make')}</Button></Group>
      {code && code.awaiting_approval && (
        <Alert color="orange" title={t('team.code_title', { user: code.user })} data-testid="team-code-awaiting">
          <Stack gap="xs">
            <Text size="sm" fw={600}>{t('team.code_awaiting')}</Text>
            <Group><Button size="xs" variant="default" onClick={() => setCode(null)}>{t('team.code_noted')}</Button></Group>
          </Stack>
        </Alert>
      )}
      {code && !code.awaiting_approval && <CodeShown code={code} server={server} onDone={() => setCode(null)} />}
    </Stack>
  );
}

/** A one-time code, shown once: to the coordinator who made it, or who approved it. */
function CodeShown({ code, server, onDone }: { code: EnrolCode; server: string; onDone: () => void }) {
  const { t } = useTranslation();
  const { when } = useDateTime();
  return (
    <Alert color="orange" title={t('team.code_title', { user: code.user })} data-testid="team-code-shown">
      <Stack gap="xs">
        <Group gap="sm" align="center">
          <Text ff="monospace" fz={32} fw={700} lts={2} data-testid="team-code">{code.code}</Text>
          <SecretCopyButton value={code.code} testId="team-code-copy" />
        </Group>
        <Text size="sm" data-testid="team-code-expires">{t('team.code_expires', { when: when(code.expires_at) })}</Text>
        <Text size="sm">{t('team.code_where', { screen: t('sync.title'), button: t('sync.enroll'), server })}</Text>
        <Text size="sm" fw={600}>{t('team.code_once')}</Text>
        <Group><Button size="xs" variant="default" onClick={onDone} data-testid="team-code-hide">{t('team.code_noted')}</Button></Group>
      </Stack>
    </Alert>
  );
}

/** What waits for a second coordinator: approved or declined here (the server refuses the
 * one who asked). */
function Pending({ team, ownDevice, server, onChanged }: { team: Team; ownDevice: string; server: string; onChanged: (team: Team) => void }) {
  const { t } = useTranslation();
  const notify = useNotify();
  const { when } = useDateTime();
  const [error, setError] = useState<unknown>(null);
  const [issued, setIssued] = useState<EnrolCode | null>(null);
  const me = team.devices.find((d) => d.device_id === ownDevice)?.user;
  const laptop = (id: string) => team.devices.find((d) => d.device_id === id)?.name ?? id;
  const decide = (id: string, approve: boolean) =>
    api.approve(id, approve).then((next) => {
      setError(null);
      setIssued(next.issued);
      onChanged(next);
      notify.ok(t(approve ? 'team.approved_saved' : 'team.declined_saved'));
    }, setError);
  return (
    <Stack gap="xs" data-testid="team-pending">
      <Text size="sm" c="dimmed">{t('team.pending_help')}</Text>
      {team.pending.map((p) => (
        <Group key={p.id} justify="space-between" wrap="nowrap" data-testid="team-pending-item" data-action={p.action}>
          <div>
            <Text fw={600}>{t(`team.pending_${p.action}`, { subject: p.action === 'revoke' ? laptop(p.subject) : p.subject, role: p.role ? t(`roles.${p.role}`, { defaultValue: p.role }) : '' })}</Text>
            <Text size="sm" c="dimmed">{t('team.asked_by', { user: p.requested_by, when: when(p.requested_at) })}</Text>
            {p.requested_by === me && <Text size="sm" c="dimmed">{t('team.own_request')}</Text>}
          </div>
          <Group gap="xs" wrap="nowrap">
            <Button size="xs" disabled={p.requested_by === me} onClick={() => void decide(p.id, true)} data-testid="team-approve">{t('team.approve')}</Button>
            <Button size="xs" variant="default" onClick={() => void decide(p.id, false)} data-testid="team-decline">{t('team.decline')}</Button>
          </Group>
        </Group>
      ))}
      <ErrorState error={error} />
      {issued && <CodeShown code={issued} server={server} onDone={() => setIssued(null)} />}
    </Stack>
  );
}

/** One laptop waiting for keys: the coordinator types the check code that laptop shows; keys
 * go only when it matches (the server could otherwise have put in a key of its own). */
function GiveKeys({ laptop, onGiven }: { laptop: WaitingLaptop; onGiven: () => void }) {
  const { t } = useTranslation();
  const notify = useNotify();
  const [check, setCheck] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const give = () => {
    setBusy(true);
    api.giveKeys(laptop.device_id, check).then(() => {
      notify.ok(t('team.keys_given', { name: laptop.name }));
      setError(null);
      onGiven();
    }, setError).finally(() => setBusy(false));
  };
  return (
    <Stack gap={4} data-testid="team-keys-item" data-device-id={laptop.device_id}>
      <Group justify="space-between" align="flex-end" wrap="nowrap">
        <div>
          <Text fw={600}>{t('team.keys_laptop', { name: laptop.name, user: laptop.user })}</Text>
          <Text size="sm" c="dimmed">{t(`roles.${laptop.role}`, { defaultValue: laptop.role })}</Text>
        </div>
        <Group gap="xs" align="flex-end" wrap="nowrap">
          <TextInput size="xs" label={t('team.keys_check')} placeholder="123 456" value={check} onChange={(e) => setCheck(e.currentTarget.value)} data-testid="team-keys-check" />
          <Button size="xs" disabled={check.replace(/\D/g, '').length !== 6} loading={busy} onClick={give} data-testid="team-keys-give">{t('team.keys_give')}</Button>
        </Group>
      </Group>
      <ErrorState error={error} />
    </Stack>
  );
}

/** Laptops of the organisation waiting for keys this one holds (protocol 6). */
function WaitingForKeys({ keys, onChanged }: { keys: KeysWaiting; onChanged: () => void }) {
  const { t } = useTranslation();
  return (
    <Card withBorder data-testid="team-keys">
      <Title order={5}>{t('team.keys_title')}</Title>
      <Text size="sm" c="dimmed" mb="xs">{t('team.keys_help')}</Text>
      <Stack gap="sm">
        {keys.waiting.map((w) => <GiveKeys key={w.device_id} laptop={w} onGiven={onChanged} />)}
      </Stack>
    </Card>
  );
}

/** Every organisation's keys as this laptop trusts them, with fingerprints for coordinators
 * to compare by phone (a server that put in a key of its own shows another fingerprint). */
/** The rule book of deadlines the consortium counts with: its version here, and a newer one a
 * coordinator publishes from a file (signed with the organisation's key; every laptop checks
 * it at its next sync). */
function RuleBookCard() {
  const { t } = useTranslation();
  const { day } = useDateTime();
  const vocab = useVocab();
  const notify = useNotify();
  const file = useRef<HTMLInputElement>(null);
  const reloadVocab = useReloadVocab();
  const [version, setVersion] = useState(vocab.rule_book);
  const [error, setError] = useState<unknown>(null);
  const publish = async (f: File) => {
    try {
      const v = await api.publishRuleBook(await f.text());
      setVersion(v);
      reloadVocab();
      setError(null);
      notify.ok(t('team.rule_book_published', { version: v.version }));
    } catch (e) {
      setError(e);
    }
  };
  return (
    <Card withBorder data-testid="team-rule-book">
      <Title order={5}>{t('team.rule_book_title')}</Title>
      <Text size="sm" data-testid="rule-book-version">{t('team.rule_book_in_use', { version: version.version, published: day(version.published) })}</Text>
      <Text size="sm" c="dimmed" mb="xs">{t('team.rule_book_help')}</Text>
      <Group>
        <Button variant="light" data-testid="rule-book-publish" onClick={() => file.current?.click()}>{t('team.rule_book_publish')}</Button>
        <input ref={file} type="file" accept="application/json,.json" hidden data-testid="rule-book-file" onChange={(e) => { const f = e.currentTarget.files?.[0]; if (f) void publish(f); e.currentTarget.value = ''; }} />
      </Group>
      <ErrorState error={error} />
    </Card>
  );
}

function OrgKeys({ keys }: { keys: KeysWaiting }) {
  const { t } = useTranslation();
  return (
    <Card withBorder data-testid="team-org-keys">
      <Title order={5}>{t('team.org_keys_title')}</Title>
      <Text size="sm" c="dimmed" mb="xs">{t('team.org_keys_help')}</Text>
      {keys.org_keys.length === 0 ? <Text size="sm">{t('team.org_keys_none')}</Text> : (
        <Table verticalSpacing="xs">
          <Table.Tbody>
            {keys.org_keys.map((k) => (
              <Table.Tr key={k.organisation} data-testid="org-key">
                <Table.Td>
                  {k.organisation} {k.own && <Badge size="sm" variant="light">{t('team.org_keys_own')}</Badge>}
                </Table.Td>
                <Table.Td><Text size="sm" c="dimmed">{t('team.org_keys_epoch', { epoch: k.epoch })}</Text></Table.Td>
                <Table.Td><Text ff="monospace" size="sm" data-testid="org-key-fingerprint">{k.fingerprint}</Text></Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Card>
  );
}

/** The Team section of the Sync screen, for a coordinator's enrolled laptop. */
export function TeamSection({ ownDevice, server }: { ownDevice: string; server: string }) {
  const { t } = useTranslation();
  const [team, setTeam] = useState<Team | null>(null);
  const [keys, setKeys] = useState<KeysWaiting | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const loadKeys = useCallback(() => api.keysWaiting().then(setKeys, setError), []);
  // The team and the keys waiting; `loading` (on from the start) goes off when the team has come.
  const fetchTeam = useCallback(() => {
    api.team().then((next) => { setTeam(next); setError(null); }, setError).finally(() => setLoading(false));
    void loadKeys();
  }, [loadKeys]);
  const load = () => {
    setLoading(true);
    fetchTeam();
  };
  useEffect(fetchTeam, [fetchTeam]);
  return (
    <Stack data-testid="team">
      <Group justify="space-between" align="flex-start" wrap="nowrap">
        <div style={{ flex: 1 }}>
          <Title order={3}>{team ? t('team.title_of', { organisation: team.organisation }) : t('team.title')}</Title>
          <Text size="sm" c="dimmed">{t('team.help')}</Text>
        </div>
        <Button variant="subtle" size="xs" onClick={load} loading={loading && team !== null} data-testid="team-reload">{t('team.reload')}</Button>
      </Group>
      <ErrorState error={error} />
      {!team ? (loading && <Loader size="sm" />) : (
        <>
          {keys && keys.waiting.length > 0 && <WaitingForKeys keys={keys} onChanged={() => void loadKeys()} />}
          {(team.pending.length > 0 || team.issued) && (
            <Card withBorder>
              <Title order={5} mb="xs">{t('team.pending')}</Title>
              <Pending team={team} ownDevice={ownDevice} server={server} onChanged={setTeam} />
            </Card>
          )}
          <Card withBorder>
            <Title order={5} mb="xs">{t('team.laptops')}</Title>
            <Laptops team={team} ownDevice={ownDevice} onChanged={setTeam} />
          </Card>
          <Card withBorder>
            <Title order={5} mb="xs">{t('team.people')}</Title>
            <People team={team} onChanged={setTeam} />
          </Card>
          <Card withBorder>
            <Title order={5}>{t('team.new_code')}</Title>
            <Text size="sm" c="dimmed" mb="xs">{t('team.new_code_help')}</Text>
            <NewCode team={team} server={server} />
          </Card>
          {keys && <OrgKeys keys={keys} />}
          <RuleBookCard />
        </>
      )}
    </Stack>
  );
}
