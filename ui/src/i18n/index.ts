import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import en from './locales/en.json';
import pl from './locales/pl.json';
import ru from './locales/ru.json';
import uk from './locales/uk.json';

export const LANGUAGES = ['pl', 'en', 'uk', 'ru'] as const;
export type Language = (typeof LANGUAGES)[number];

void i18n.use(initReactI18next).init({
  resources: { pl: { translation: pl }, en: { translation: en }, uk: { translation: uk }, ru: { translation: ru } },
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
