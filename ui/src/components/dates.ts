// Times the server writes (RFC 3339, UTC), shown in the person's language and time zone.
import { useTranslation } from 'react-i18next';

/** The server's times (RFC 3339, UTC) in the person's language and time zone; one it could not
 * write (an empty text) shows as a dash, not as "Invalid Date". */
export function useDateTime() {
  const { i18n } = useTranslation();
  const show = (s: string, o: Intl.DateTimeFormatOptions) => {
    const d = new Date(s);
    return Number.isNaN(d.getTime()) ? '—' : d.toLocaleString(i18n.language, o);
  };
  return {
    when: (s: string) => show(s, { dateStyle: 'medium', timeStyle: 'short' }),
    day: (s: string) => show(s, { dateStyle: 'medium' }),
  };
}
