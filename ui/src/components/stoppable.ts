// Long work that only reads (a report over years, a retention preview): the person may stop
// it. Nothing is written by such work, so stopping loses nothing. Stop asks the backend to end
// it (`cancel_work`: it ends between two of its steps) and stops waiting at once; an answer
// that comes after a stop or after a newer run began is dropped.
import { useRef, useState } from 'react';
import { api } from '../ipc';

export function useStoppable() {
  const current = useRef(0);
  const [running, setRunning] = useState(false);
  const [stopped, setStopped] = useState(false);
  /** Start `work`; `done` or `failed` hear of it only if it is still the work wanted. */
  const run = <T,>(work: () => Promise<T>, done: (value: T) => void, failed: (error: unknown) => void) => {
    const id = ++current.current;
    setRunning(true);
    setStopped(false);
    work()
      .then((v) => id === current.current && done(v), (e) => id === current.current && failed(e))
      .finally(() => id === current.current && setRunning(false));
  };
  const stop = () => {
    void api.cancelWork();
    current.current++;
    setRunning(false);
    setStopped(true);
  };
  return { running, stopped, run, stop };
}
