// Long work that goes on when the person leaves its screen (a sync, a register import): it is
// listed in the header on every other screen, with its Stop, and its end is told in a
// notification when its screen is gone.
import { Button, Group, Loader, Text } from '@mantine/core';
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../ipc';
import type { Route } from '../state';

/** One piece of long work: the name its Stop gives the backend, what it is (a catalogue key),
 * and the screen it belongs to. */
export type Work = { job: string; label: string; screen: Route['name'] };

type Works = { works: Work[]; begin: (w: Work) => void; end: (job: string) => void };

const WorkContext = createContext<Works>({ works: [], begin: () => {}, end: () => {} });

export function WorkProvider({ children }: { children: React.ReactNode }) {
  const [works, setWorks] = useState<Work[]>([]);
  const begin = useCallback((w: Work) => setWorks((ws) => [...ws.filter((x) => x.job !== w.job), w]), []);
  const end = useCallback((job: string) => setWorks((ws) => ws.filter((x) => x.job !== job)), []);
  const value = useMemo(() => ({ works, begin, end }), [works, begin, end]);
  return <WorkContext.Provider value={value}>{children}</WorkContext.Provider>;
}

/** Long work of the calling screen: `track(job, label, screen, promise)` lists it until the
 * promise settles; `gone()` says whether the screen has been left meanwhile (its end is then
 * to be told in a notification). */
export function useWork() {
  const { begin, end } = useContext(WorkContext);
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  const track = useCallback(<T,>(job: string, label: string, screen: Route['name'], promise: Promise<T>): Promise<T> => {
    begin({ job, label, screen });
    return promise.finally(() => end(job));
  }, [begin, end]);
  const gone = useCallback(() => !mounted.current, []);
  return { track, gone };
}

/** Long work of `screen` still running from an earlier visit to it, if any: the screen shows it
 * (with its Stop) instead of offering to start it again. */
export function useRunningOn(screen: Route['name']): Work | undefined {
  const { works } = useContext(WorkContext);
  return works.find((w) => w.screen === screen);
}

/** The header's list of long work running for screens other than `here`, each with its Stop. */
export function RunningWork({ here }: { here: Route['name'] }) {
  const { t } = useTranslation();
  const { works } = useContext(WorkContext);
  const elsewhere = works.filter((w) => w.screen !== here);
  if (elsewhere.length === 0) return null;
  return (
    <Group gap="xs" data-testid="running-work">
      {elsewhere.map((w) => (
        <Group key={w.job} gap={6} data-testid="running-work-item">
          <Loader size="xs" />
          <Text size="sm">{t(w.label)}</Text>
          <Button size="compact-xs" variant="default" onClick={() => void api.cancelWork(w.job)} data-testid="running-work-stop">
            {t('sync.cancel')}
          </Button>
        </Group>
      ))}
    </Group>
  );
}
