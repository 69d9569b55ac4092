import { Alert } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useTranslation } from 'react-i18next';
import { IpcError } from '../ipc';

/** The person's-language text for a failed command, chosen by its code. */
export function useErrorText() {
  const { t } = useTranslation();
  return (e: unknown): string => {
    const code = e instanceof IpcError ? e.code : 'unknown';
    return t(`errors.${code}`, { defaultValue: t('errors.unknown') });
  };
}

/** An error under a form: the translated text, and the backend's detail in small print. */
export function ErrorAlert({ error }: { error: unknown }) {
  const text = useErrorText();
  if (!error) return null;
  const detail = error instanceof IpcError ? error.message : String(error);
  return (
    <Alert color="red" data-testid="error" data-code={error instanceof IpcError ? error.code : 'unknown'} title={text(error)}>
      <span style={{ fontSize: 12, opacity: 0.8 }}>{detail}</span>
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
