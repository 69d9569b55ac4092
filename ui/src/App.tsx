import { AppShell, Button, Center, Group, Kbd, Loader, Modal, NavLink, ScrollArea, Stack, Table, Text, Title } from '@mantine/core';
import { useHotkeys } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { setLanguage } from './i18n';
import { api, onLocked, onLockedCommand, type AppInfo, type Vocabulary } from './ipc';
import { NavContext, ReloadVocabContext, type Route, VocabContext } from './state';
import { RunningWork, WorkProvider } from './components/work';
import { Calculator, ClientFile, Duplicates, HomeScreen, ReferralsScreen, Search } from './features/clients';
import { ImportRegister, Intake, Visit } from './features/intake';
import { DataProtectionScreen } from './features/protection';
import { Activities, Reports } from './features/reports';
import { SettingsScreen, Setup, Unlock } from './features/session';
import { SyncScreen } from './features/sync';

type Phase = 'loading' | 'setup' | 'locked' | 'unlocked';

const NAV: Route['name'][] = ['home', 'search', 'intake', 'import', 'visit', 'activities', 'calculator', 'duplicates', 'referrals', 'reports', 'protection', 'sync', 'settings'];

/** Every screen's shortcut: Alt with a key, matched by its place on the keyboard (KeyboardEvent
 * code), so it works the same with a Polish, Ukrainian or Russian layout. */
const SHORTCUTS: Partial<Record<Route['name'], string>> = {
  home: 'KeyH', search: 'KeyS', intake: 'KeyN', import: 'KeyI', visit: 'KeyV', activities: 'KeyG', calculator: 'KeyC',
  duplicates: 'KeyD', referrals: 'KeyR', reports: 'KeyP', protection: 'KeyO', sync: 'KeyY', settings: 'KeyU',
};
const keyName = (code: string) => code.replace(/^Key/, '');

/** The keyboard help: every screen's shortcut and the keys every screen shares. */
function KeyboardHelp({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const row = (what: string, keys: string[], id?: string) => (
    <Table.Tr key={what} data-testid={id}>
      <Table.Td>{what}</Table.Td>
      <Table.Td>{keys.map((k, i) => <span key={k}>{i > 0 && ' + '}<Kbd>{k}</Kbd></span>)}</Table.Td>
    </Table.Tr>
  );
  return (
    <Modal opened={opened} onClose={onClose} title={t('help.title')} size="lg" data-testid="keyboard-help">
      <Table withRowBorders={false} verticalSpacing={4}>
        <Table.Tbody>
          {NAV.map((n) => row(t(`nav.${n}`), ['Alt', keyName(SHORTCUTS[n] ?? '')], `help-${n}`))}
          {row(t('help.search'), ['Ctrl', 'K'])}
          {row(t('help.new_person'), ['Ctrl', 'N'])}
          {row(t('help.lock'), ['Ctrl', 'L'])}
          {row(t('help.submit'), ['Enter'])}
          {row(t('help.close'), ['Esc'])}
          {row(t('help.help'), ['?'])}
        </Table.Tbody>
      </Table>
    </Modal>
  );
}

export function App() {
  const { t } = useTranslation();
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [phase, setPhase] = useState<Phase>('loading');

  const refreshInfo = useCallback(
    () =>
      api.appInfo().then((i) => {
        setLanguage(i.settings.language);
        setInfo(i);
        return i;
      }),
    [],
  );

  useEffect(() => {
    refreshInfo().then((i) => setPhase(!i.store_exists ? 'setup' : i.unlocked ? 'unlocked' : 'locked'));
  }, [refreshInfo]);

  // Locked by the backend (idle, or a revoked laptop's store wiped), or a command refused
  // because the store is locked: drop everything shown, names in notifications included.
  useEffect(() => {
    const locked = () => {
      notifications.clean();
      setPhase('locked');
      void refreshInfo().then((i) => {
        if (!i.store_exists) setPhase('setup');
      });
      notifications.show({ message: t('app.locked_notice') });
    };
    const p = onLocked(locked);
    const stop = onLockedCommand(locked);
    return () => {
      stop();
      void p.then((un) => un());
    };
  }, [t, refreshInfo]);

  if (phase === 'loading' || !info) {
    return (
      <Center h="100vh">
        <Loader aria-label={t('app.loading')} />
      </Center>
    );
  }
  if (phase === 'setup') return <Setup onCreated={() => setPhase('unlocked')} />;
  if (phase === 'locked') return <Unlock dataDir={info.data_dir} onUnlocked={() => setPhase('unlocked')} />;
  return (
    <Shell
      info={info}
      onLock={() => {
        // The screen first: a sync holding the store must not keep names on screen.
        notifications.clean();
        setPhase('locked');
        void api.lock();
      }}
      onSettingsChanged={refreshInfo}
    />
  );
}

/** Everything shown while unlocked: dropped as a whole (and with it every file's data) on lock. */
function Shell({ info, onLock, onSettingsChanged }: { info: AppInfo; onLock: () => void; onSettingsChanged: () => Promise<AppInfo> }) {
  const { t } = useTranslation();
  const [route, setRoute] = useState<Route>({ name: 'home' });
  const [vocab, setVocab] = useState<Vocabulary | null>(null);
  const lastTouch = useRef(0);

  const reloadVocab = useCallback(() => {
    void api.vocabulary().then(setVocab, () => {});
  }, []);
  useEffect(reloadVocab, [reloadVocab]);

  // Activity keeps the store open; the backend locks it after the chosen idle time.
  useEffect(() => {
    const touch = () => {
      const now = Date.now();
      if (now - lastTouch.current > 15_000) {
        lastTouch.current = now;
        void api.touch().catch(() => {});
      }
    };
    window.addEventListener('keydown', touch);
    window.addEventListener('pointerdown', touch);
    return () => {
      window.removeEventListener('keydown', touch);
      window.removeEventListener('pointerdown', touch);
    };
  }, []);

  useHotkeys([
    ['mod+K', () => setRoute({ name: 'search' })],
    ['mod+L', () => onLock()],
    ['mod+N', () => setRoute({ name: 'intake' })],
  ], []);
  const [help, setHelp] = useState(false);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.altKey && !e.ctrlKey && !e.metaKey && !e.shiftKey) {
        const screen = NAV.find((n) => SHORTCUTS[n] === e.code);
        if (screen) {
          e.preventDefault();
          setHelp(false);
          setRoute({ name: screen } as Route);
        }
        return;
      }
      // "?" opens the help, except while typing (a question mark in a note); F1 always.
      const typing = e.target instanceof HTMLElement && (e.target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(e.target.tagName));
      if ((e.key === '?' && !typing) || e.key === 'F1') {
        e.preventDefault();
        setHelp(true);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  if (!vocab) {
    return (
      <Center h="100vh">
        <Loader aria-label={t('app.loading')} />
      </Center>
    );
  }

  return (
    <WorkProvider>
    <NavContext.Provider value={setRoute}>
      <VocabContext.Provider value={vocab}>
       <ReloadVocabContext.Provider value={reloadVocab}>
        <AppShell navbar={{ width: 230, breakpoint: 0 }} header={{ height: 52 }} padding="md">
          <AppShell.Header>
            <Group h="100%" px="md" justify="space-between">
              <Title order={3}>{t('app.name')}</Title>
              <Group gap="xs">
                <RunningWork here={route.name} />
                <Button variant="subtle" color="gray" onClick={() => setHelp(true)} aria-label={t('help.title')} title={t('help.title')} data-testid="help">
                  ?
                </Button>
                <Button variant="light" color="gray" onClick={onLock} data-testid="lock">
                  {t('app.lock')}
                </Button>
              </Group>
            </Group>
          </AppShell.Header>
          <AppShell.Navbar p="xs">
            <ScrollArea>
              <Stack gap={2}>
                {NAV.map((name) => (
                  <NavLink
                    key={name}
                    component="button"
                    data-testid={`nav-${name}`}
                    label={t(`nav.${name}`)}
                    active={route.name === name}
                    onClick={() => setRoute({ name } as Route)}
                  />
                ))}
              </Stack>
            </ScrollArea>
          </AppShell.Navbar>
          <AppShell.Main>
            <Screen route={route} info={info} onSettingsChanged={onSettingsChanged} />
          </AppShell.Main>
          <KeyboardHelp opened={help} onClose={() => setHelp(false)} />
        </AppShell>
       </ReloadVocabContext.Provider>
      </VocabContext.Provider>
    </NavContext.Provider>
    </WorkProvider>
  );
}

function Screen({ route, info, onSettingsChanged }: { route: Route; info: AppInfo; onSettingsChanged: () => Promise<AppInfo> }) {
  switch (route.name) {
    case 'home':
      return <HomeScreen />;
    case 'search':
      return <Search />;
    case 'intake':
      return <Intake />;
    case 'import':
      return <ImportRegister />;
    case 'visit':
      return <Visit />;
    case 'activities':
      return <Activities />;
    case 'calculator':
      return <Calculator />;
    case 'reports':
      return <Reports />;
    case 'duplicates':
      return <Duplicates />;
    case 'referrals':
      return <ReferralsScreen />;
    case 'protection':
      return <DataProtectionScreen />;
    case 'sync':
      return <SyncScreen />;
    case 'settings':
      return <SettingsScreen info={info} onChanged={onSettingsChanged} />;
    case 'client':
      return <ClientFile key={route.id} id={route.id} />;
  }
}

export function Muted({ children }: { children: React.ReactNode }) {
  return <Text c="dimmed" size="sm">{children}</Text>;
}
