// Long work that only reads (a report over years, a retention preview): the person may stop
// it. Nothing is written by such work, so stopping loses nothing. Stop asks the backend to end
// that work and no other (`cancel_work` with the work's name: it ends between two of its
// steps) and stops waiting at once; an answer that comes after a stop or after a newer run
// began is dropped.
import { useMemo, useRef, useState } from 'react';
import { api, newJob } from '../ipc';

/** The run of some long work going now, by the name its Stop gives the backend: `start()`
 * names a new run (and returns the name), `stop()` stops the last one started. */
export function useJob() {
  const current = useRef<string | null>(null);
  return useMemo(() => ({
    start: () => (current.current = newJob()),
    stop: () => {
      if (current.current) void api.cancelWork(current.current);
    },
  }), []);
}

export function useStoppable() {
  const current = useRef<string | null>(null);
  const [running, setRunning] = useState(false);
  const [stopped, setStopped] = useState(false);
  /** Start `work` under a name of its own; `done` or `failed` hear of it only if it is still
   * the work wanted. */
  const run = <T,>(work: (job: string) => Promise<T>, done: (value: T) => void, failed: (error: unknown) => void) => {
    const job = newJob();
    current.current = job;
    setRunning(true);
    setStopped(false);
    work(job)
      .then((v) => job === current.current && done(v), (e) => job === current.current && failed(e))
      .finally(() => job === current.current && setRunning(false));
  };
  const stop = () => {
    if (current.current) void api.cancelWork(current.current);
    current.current = null;
    setRunning(false);
    setStopped(true);
  };
  /** Forget that the last run was stopped (other work on the screen has begun). */
  const clear = () => setStopped(false);
  return { running, stopped, run, stop, clear };
}
