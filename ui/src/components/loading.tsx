// What a screen fetches from the backend: while it comes, a loader; if it fails, the error.
import { Button, Card, Loader, Stack, Text } from '@mantine/core';
import { useEffect, useState, type ReactNode } from 'react';
import { ErrorState } from './errors';
import { CardHead } from './layout';

/** Fetched when the screen opens and again when `key` changes (an answer to an earlier key
 * is dropped). `value` is `null` until it has come; `waiting` is what to show meanwhile: the
 * loader, or the error. `set` replaces it, with what an action on it answered. */
export function useFetched<T>(fetch: () => Promise<T>, key: unknown = null) {
  const [got, setGot] = useState<{ key: unknown; value: T | null; error: unknown }>({ key, value: null, error: null });
  useEffect(() => {
    let live = true;
    fetch().then(
      (value) => live && setGot({ key, value, error: null }),
      (error: unknown) => live && setGot({ key, value: null, error }),
    );
    return () => {
      live = false;
    };
    // `fetch` is written anew at each render; what it fetches is named by `key`.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  const current = got.key === key;
  const value = current ? got.value : null;
  const error = current ? got.error : null;
  const waiting: ReactNode = error ? <ErrorState error={error} /> : <Loader />;
  return { value, error, waiting, set: (v: T) => setGot({ key, value: v, error: null }) };
}

/** Fetched when asked (a "Load" button): `loading` while it comes; on an error the value
 * fetched before is dropped, so that nothing stale is acted on. */
export function useOnDemand<T>(fetch: () => Promise<T>) {
  const [value, setValue] = useState<T | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const load = () => {
    setLoading(true);
    fetch()
      .then((v) => { setValue(v); setError(null); }, (e: unknown) => { setValue(null); setError(e); })
      .finally(() => setLoading(false));
  };
  return { value, setValue, loading, error, setError, load };
}

/** A card whose list is fetched when asked: its title and help, the "Load" button, the error,
 * "nothing" (`empty`) for an empty list, else the list as `children` shows it. Test ids are
 * `testId`, `testId-load` and `testId-empty`. */
export function OnDemandList<T>({ testId, title, help, loadLabel, empty, list, children }: {
  testId: string;
  title: ReactNode;
  help: ReactNode;
  loadLabel: ReactNode;
  empty: ReactNode;
  list: ReturnType<typeof useOnDemand<T[]>>;
  children: (items: T[]) => ReactNode;
}) {
  const items = list.value;
  return (
    <Card withBorder data-testid={testId}>
      <Stack>
        <CardHead
          title={title}
          help={help}
          action={<Button variant="light" loading={list.loading} onClick={list.load} data-testid={`${testId}-load`}>{loadLabel}</Button>}
        />
        <ErrorState error={list.error} />
        {items && items.length === 0 && <Text c="dimmed" data-testid={`${testId}-empty`}>{empty}</Text>}
        {items && items.length > 0 && children(items)}
      </Stack>
    </Card>
  );
}
