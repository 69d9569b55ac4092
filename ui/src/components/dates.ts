// Dates as people read and type them. The backend keeps ISO dates (2026-12-07), partial dates
// (1990, 1990-05) and RFC 3339 times (UTC); the screens show them in the interface language's
// order (07.12.2026 in Polish, Ukrainian and Russian, 07/12/2026 in English, as in the UK and in
// Poland's English-language papers), and a date typed either way, or in ISO, is read back to ISO.
import { useTranslation } from 'react-i18next';

const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_MONTH = /^(\d{4})-(\d{2})$/;
const YEAR = /^\d{4}$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T/;

const pad = (n: number) => String(n).padStart(2, '0');

/** The separator of day, month and year in `language`. */
function separator(language: string): string {
  return language.startsWith('en') ? '/' : '.';
}

/** The locale of the calendar (month and weekday names, Monday first) for `language`. */
export function calendarLocale(language: string): string {
  return language.startsWith('en') ? 'en-gb' : language.slice(0, 2);
}

/** A date of the backend in `language`'s order: a day (2026-12-07 → 07.12.2026), a month
 * (1990-05 → 05.1990), a year as it is, a time as its local day. Anything else (a date the
 * person typed that is not one) is shown as it is, so nothing typed is hidden. */
export function formatDay(value: string | null | undefined, language: string): string {
  if (!value) return '';
  const s = separator(language);
  let m = ISO_DAY.exec(value);
  if (m) return `${m[3]}${s}${m[2]}${s}${m[1]}`;
  m = ISO_MONTH.exec(value);
  if (m) return `${m[2]}${s}${m[1]}`;
  if (ISO_TIME.test(value)) {
    const d = new Date(value);
    if (!Number.isNaN(d.getTime())) return `${pad(d.getDate())}${s}${pad(d.getMonth() + 1)}${s}${d.getFullYear()}`;
  }
  return value;
}

function realDay(y: number, m: number, d: number): boolean {
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}


/** A date typed by a person, as ISO: `2026-12-07`, `7.12.2026`, `07/12/2026` or `7-12-2026`
 * (day first, as in Poland and the UK); with `partial`, also a year (`1990`) or a month
 * (`1990-05`, `5.1990`, `05/1990`). `null` when the text is not such a date (31.04.2026 is not),
 * so the caller keeps the text and the backend names the field that is wrong. */
export function parseDay(text: string, partial = false): string | null {
  const t = text.trim();
  let m = ISO_DAY.exec(t);
  if (m) return realDay(+m[1], +m[2], +m[3]) ? t : null;
  m = /^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$/.exec(t);
  if (m) return realDay(+m[3], +m[2], +m[1]) ? `${m[3]}-${pad(+m[2])}-${pad(+m[1])}` : null;
  if (!partial) return null;
  if (YEAR.test(t)) return t;
  return parseMonth(t);
}

/** A month typed by a person, as ISO (`2026-03`): `03.2026`, `3.2026`, `03/2026` or `2026-03`;
 * `null` when it is not one. */
export function parseMonth(text: string): string | null {
  const t = text.trim();
  let m = ISO_MONTH.exec(t);
  if (m) return +m[2] >= 1 && +m[2] <= 12 ? t : null;
  m = /^(\d{1,2})[./](\d{4})$/.exec(t);
  if (m) return +m[1] >= 1 && +m[1] <= 12 ? `${m[2]}-${pad(+m[1])}` : null;
  return null;
}

/** How a date is typed in `language`, for placeholders: DD.MM.RRRR in Polish. */
export function dayPattern(language: string, letters: { day: string; month: string; year: string }): string {
  const s = separator(language);
  return `${letters.day}${s}${letters.month}${s}${letters.year}`;
}

/** How a month is typed in `language`, for placeholders: MM.RRRR in Polish. */
export function monthPattern(language: string, letters: { month: string; year: string }): string {
  return `${letters.month}${separator(language)}${letters.year}`;
}

/** Dates in the person's language: `day` for the backend's dates (days, months, years, times as
 * their day) and `period` for two of them; `when` for the server's times (RFC 3339, UTC) with
 * the hour, in the local time zone, a time it could not write (an empty text) shown as a dash,
 * not as "Invalid Date". */
export function useDateTime() {
  const { i18n } = useTranslation();
  const language = i18n.language;
  const show = (s: string, o: Intl.DateTimeFormatOptions) => {
    const d = new Date(s);
    return Number.isNaN(d.getTime()) ? '—' : d.toLocaleString(language, o);
  };
  return {
    when: (s: string) => show(s, { dateStyle: 'medium', timeStyle: 'short' }),
    /** `when` to the second: for the audit and a file's history. */
    exact: (s: string) => show(s, { dateStyle: 'medium', timeStyle: 'medium' }),
    day: (s: string | null | undefined) => formatDay(s, language),
    /** A period `from – until`, either end open. */
    period: (from: string | null | undefined, until: string | null | undefined) => `${formatDay(from, language) || '…'} – ${formatDay(until, language) || '…'}`,
  };
}
