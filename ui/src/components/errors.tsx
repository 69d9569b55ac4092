import { Alert, Button, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useTranslation } from 'react-i18next';
import { IpcError, type UiError } from '../ipc';

/** The catalogue key of an input field the backend names (`place.city` -> `fields.place_city`). */
export const fieldKey = (field: string) => `fields.${field.replace(/[ .]/g, '_')}`;

/** What went wrong, in the backend's shape: a failed command (IpcError), any `{ code, message?,
 * field? }` (a summary's error code), or anything else thrown (code `unknown`, its text the details). */
function asUiError(e: unknown): UiError {
  if (e instanceof IpcError) return { code: e.code, message: e.message, field: e.field };
  if (typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string') {
    const { message, field } = e as Partial<UiError>;
    return { code: e.code, message: message ?? '', field: field ?? null };
  }
  return { code: 'unknown', message: String(e), field: null };
}

/** The backend's code of a failed command (`cancelled`, `locked`…), `unknown` for anything else. */
export const errorCode = (e: unknown): string => asUiError(e).code;

/** The person's-language text for a failed command (or an error code a summary carries),
 * chosen by its code (and field): `errors.<code>`, "unknown error" for a code not in the catalogue. */
export function useErrorText() {
  const { t } = useTranslation();
  return (e: unknown): string => {
    const { code, field } = asUiError(e);
    if (code === 'invalid_input' && field) {
      return t('errors.invalid_field', { field: t(fieldKey(field), { defaultValue: field }) });
    }
    return t(`errors.${code}`, { defaultValue: t('errors.unknown') });
  };
}

/** The one way a screen shows a backend error: the translated text, the backend's own words
 * folded away under "Details" (for support, in English). Nothing while there is no error. With
 * `title`, that is the heading and the translated text goes under it; with `onRetry`, a
 * "Try again" button. */
export function ErrorState({ error, title, onRetry }: { error: unknown; title?: string; onRetry?: () => void }) {
  const text = useErrorText();
  const { t } = useTranslation();
  if (!error) return null;
  const e = asUiError(error);
  return (
    <Alert color="red" data-testid="error" data-code={e.code} title={title ?? text(error)}>
      {title !== undefined && <Text size="sm">{text(error)}</Text>}
      <details>
        <summary style={{ fontSize: 12, cursor: 'pointer' }}>{t('common.details')}</summary>
        <span style={{ fontSize: 12, opacity: 0.8 }}>{e.message}</span>
      </details>
      {onRetry && (
        <Button size="xs" variant="light" color="red" mt="xs" onClick={onRetry} data-testid="error-retry">
          {t('common.retry')}
        </Button>
      )}
    </Alert>
  );
}

export function useNotify() {
  const text = useErrorText();
  return {
    ok: (message: string) => notifications.show({ color: 'green', message }),
    info: (message: string) => notifications.show({ color: 'blue', message }),
    error: (e: unknown) => notifications.show({ color: 'red', message: text(e) }),
  };
}
