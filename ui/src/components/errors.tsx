import { Alert } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useTranslation } from 'react-i18next';
import { IpcError } from '../ipc';

/** The catalogue key of an input field the backend names (`place.city` -> `fields.place_city`). */
export const fieldKey = (field: string) => `fields.${field.replace(/[ .]/g, '_')}`;

/** The person's-language text for a failed command, chosen by its code (and field). */
export function useErrorText() {
  const { t } = useTranslation();
  return (e: unknown): string => {
    if (e instanceof IpcError && e.code === 'invalid_input' && e.field) {
      return t('errors.invalid_field', { field: t(fieldKey(e.field), { defaultValue: e.field }) });
    }
    const code = e instanceof IpcError ? e.code : 'unknown';
    return t(`errors.${code}`, { defaultValue: t('errors.unknown') });
  };
}

/** An error under a form: the translated text; the backend's own words folded away under
 * "Details" (for support, in English). */
export function ErrorAlert({ error }: { error: unknown }) {
  const text = useErrorText();
  const { t } = useTranslation();
  if (!error) return null;
  const detail = error instanceof IpcError ? error.message : String(error);
  return (
    <Alert color="red" data-testid="error" data-code={error instanceof IpcError ? error.code : 'unknown'} title={text(error)}>
      <details>
        <summary style={{ fontSize: 12, cursor: 'pointer' }}>{t('common.details')}</summary>
        <span style={{ fontSize: 12, opacity: 0.8 }}>{detail}</span>
      </details>
    </Alert>
  );
}

export function useNotify() {
  const text = useErrorText();
  return {
    ok: (message: string) => notifications.show({ color: 'green', message }),
    error: (e: unknown) => notifications.show({ color: 'red', message: text(e) }),
  };
}
