// Languages as forms offer them: the ones people in Polish refugee and migrant work speak most
// often (from the backend's vocabulary: Dari `prs` apart from Farsi `fa`), named in the
// language of the screen.
import { Select } from '@mantine/core';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { useVocab } from '../state';

/** A language's name in the language of the screen ("ukraiński (uk)"), from the browser's own data. */
export function useLanguageName(): (code: string) => string {
  const { i18n } = useTranslation();
  return useMemo(() => {
    let names: Intl.DisplayNames | null = null;
    try {
      names = new Intl.DisplayNames([i18n.language], { type: 'language' });
    } catch {
      names = null;
    }
    return (code: string) => {
      const name = names?.of(code);
      return name && name !== code ? `${name} (${code})` : code;
    };
  }, [i18n.language]);
}

/** The choices: `first` (the person's own languages), then the common ones. */
export function useLanguageChoices(first: string[] = []): { value: string; label: string }[] {
  const vocab = useVocab();
  const name = useLanguageName();
  return [...new Set([...first, ...vocab.common_languages])].map((l) => ({ value: l, label: name(l) }));
}

/** One language, searchable by name or code. */
export function LanguageSelect({ label, value, onChange, first, testId }: { label: string; value: string; onChange: (v: string) => void; first?: string[]; testId?: string }) {
  const data = useLanguageChoices(value ? [value, ...(first ?? [])] : first);
  return <Select data-testid={testId} label={label} data={data} value={value || null} onChange={(v) => onChange(v ?? '')} searchable clearable />;
}
