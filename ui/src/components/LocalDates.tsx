// The calendars' language follows the interface's: month and weekday names, Monday first.
import { DatesProvider } from '@mantine/dates';
import 'dayjs/locale/en-gb';
import 'dayjs/locale/pl';
import 'dayjs/locale/ru';
import 'dayjs/locale/uk';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { calendarLocale } from './dates';

export function LocalDates({ children }: { children: ReactNode }) {
  const { i18n } = useTranslation();
  return <DatesProvider settings={{ locale: calendarLocale(i18n.language), firstDayOfWeek: 1 }}>{children}</DatesProvider>;
}
