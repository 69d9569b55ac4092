// One date field for every form: typed in the interface language's order (07.12.2026) or in ISO,
// shown in that order, picked from a calendar if the person prefers. The value going in and out
// stays the backend's: ISO when the text is a date; the text itself when it is not, so the
// backend refuses it naming the field and nothing the person typed is lost.
import { ActionIcon, Popover, TextInput, type TextInputProps } from '@mantine/core';
import { DatePicker } from '@mantine/dates';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { dayPattern, formatDay, parseDay } from './dates';

type Props = Omit<TextInputProps, 'value' | 'onChange' | 'rightSection'> & {
  value?: string | null;
  onChange: (value: string) => void;
  /** Also a year (1990) or a month (05.1990): a birth date, a status's start. */
  partial?: boolean;
  'data-testid'?: string;
};

function CalendarIcon() {
  return (
    <svg width="16" height="16" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
      <rect x="3" y="5" width="18" height="16" rx="2" />
      <path d="M16 3v4M8 3v4M3 11h18" />
    </svg>
  );
}

export function DateField({ value, onChange, partial = false, disabled, placeholder, ...rest }: Props) {
  const { t, i18n } = useTranslation();
  const language = i18n.language;
  const incoming = value ?? '';
  const [text, setText] = useState(() => formatDay(incoming, language));
  // The value changed from outside (a form reset, a date picked, another language): show it,
  // unless it is what the text already says.
  const [shown, setShown] = useState({ value: incoming, language });
  if (shown.value !== incoming || shown.language !== language) {
    setShown({ value: incoming, language });
    if ((parseDay(text, partial) ?? text) !== incoming || shown.language !== language) setText(formatDay(incoming, language));
  }
  const [open, setOpen] = useState(false);
  const type = (next: string) => {
    setText(next);
    const out = parseDay(next, partial) ?? next;
    setShown({ value: out, language });
    onChange(out);
  };
  const letters = { day: t('dates.dd'), month: t('dates.mm'), year: t('dates.yyyy') };
  const picked = parseDay(text, false);
  return (
    <TextInput
      {...rest}
      disabled={disabled}
      value={text}
      placeholder={placeholder ?? (partial ? `${dayPattern(language, letters)} / ${letters.year}` : dayPattern(language, letters))}
      onChange={(e) => type(e.currentTarget.value)}
      // Typed in ISO or with one digit: written out in the language's order once the field is left.
      onBlur={() => {
        const iso = parseDay(text, partial);
        if (iso) setText(formatDay(iso, language));
      }}
      rightSection={
        <Popover opened={open} onChange={setOpen} position="bottom-end" shadow="md" trapFocus returnFocus>
          <Popover.Target>
            <ActionIcon variant="subtle" color="gray" disabled={disabled} onClick={() => setOpen((o) => !o)} aria-label={t('dates.pick')} data-testid={rest['data-testid'] ? `${rest['data-testid']}-pick` : undefined}>
              <CalendarIcon />
            </ActionIcon>
          </Popover.Target>
          <Popover.Dropdown>
            <DatePicker
              value={picked}
              defaultDate={picked ?? undefined}
              onChange={(d) => {
                if (!d) return;
                setOpen(false);
                type(formatDay(d, language));
              }}
            />
          </Popover.Dropdown>
        </Popover>
      }
    />
  );
}
