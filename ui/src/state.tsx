import { createContext, useContext } from 'react';
import type { Vocabulary } from './ipc';

export type Route =
  | { name: 'home' }
  | { name: 'search' }
  | { name: 'intake' }
  | { name: 'import' }
  | { name: 'visit' }
  | { name: 'activities' }
  | { name: 'calculator' }
  | { name: 'reports' }
  | { name: 'duplicates' }
  | { name: 'referrals' }
  | { name: 'protection' }
  | { name: 'sync' }
  | { name: 'settings' }
  | { name: 'client'; id: string };

export const NavContext = createContext<(r: Route) => void>(() => {});
export const VocabContext = createContext<Vocabulary | null>(null);
/** Read the vocabulary again: after a newer rule book arrived (at sync, or published here),
 * so its rules are offered at once. */
export const ReloadVocabContext = createContext<() => void>(() => {});

export function useReloadVocab() {
  return useContext(ReloadVocabContext);
}

export function useNav() {
  return useContext(NavContext);
}

export function useVocab(): Vocabulary {
  const v = useContext(VocabContext);
  if (!v) throw new Error('vocabulary not loaded');
  return v;
}

/** The local day `monthsBack` months ago (today by default), as ISO: the person's calendar day,
 * not UTC's, which in Poland is the day before until 1 or 2 a.m. */
export function today(monthsBack = 0): string {
  const d = new Date();
  if (monthsBack) d.setMonth(d.getMonth() - monthsBack);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}
