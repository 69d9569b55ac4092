import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import en from './locales/en.json';
import pl from './locales/pl.json';
import ru from './locales/ru.json';
import uk from './locales/uk.json';
// The names of the closed vocabularies (services, legal statuses, deadline rules...) are shared
// with punkt-core, which writes access-request documents in the person's language with them.
import namesEn from '../../../crates/model/data/names/en.json';
import namesPl from '../../../crates/model/data/names/pl.json';
import namesRu from '../../../crates/model/data/names/ru.json';
import namesUk from '../../../crates/model/data/names/uk.json';

export const LANGUAGES = ['pl', 'en', 'uk', 'ru'] as const;
export type Language = (typeof LANGUAGES)[number];

void i18n.use(initReactI18next).init({
  resources: {
    pl: { translation: { ...pl, vocab: namesPl.vocab } },
    en: { translation: { ...en, vocab: namesEn.vocab } },
    uk: { translation: { ...uk, vocab: namesUk.vocab } },
    ru: { translation: { ...ru, vocab: namesRu.vocab } },
  },
  lng: 'pl',
  fallbackLng: 'pl',
  interpolation: { escapeValue: false },
  returnNull: false,
});

export function setLanguage(lang: string) {
  const l = (LANGUAGES as readonly string[]).includes(lang) ? lang : 'pl';
  void i18n.changeLanguage(l);
  document.documentElement.lang = l;
}

export default i18n;
