// Secrets shown once (an enrolment code, the consortium key) are copied to the clipboard for at
// most 30 seconds: after that the clipboard is emptied, unless something else was copied since.
import { Button, type ButtonProps } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

/** How long a copied secret stays on the clipboard. */
export const CLIPBOARD_SECONDS = 30;

let clearing: ReturnType<typeof setTimeout> | undefined;

export async function copySecret(value: string): Promise<void> {
  await navigator.clipboard.writeText(value);
  clearTimeout(clearing);
  clearing = setTimeout(async () => {
    try {
      // Another thing copied since is the person's: leave it.
      if ((await navigator.clipboard.readText()) !== value) return;
    } catch {
      // The clipboard cannot be read here: empty it all the same.
    }
    await navigator.clipboard.writeText('').catch(() => undefined);
  }, CLIPBOARD_SECONDS * 1000);
}

export function SecretCopyButton({ value, testId, size = 'xs' }: { value: string; testId?: string; size?: ButtonProps['size'] }) {
  const { t } = useTranslation();
  const [copied, setCopied] = useState(false);
  return (
    <Button size={size} variant="light" data-testid={testId} onClick={() => void copySecret(value).then(() => setCopied(true))}>
      {copied ? t('secret.copied', { seconds: CLIPBOARD_SECONDS }) : t('secret.copy')}
    </Button>
  );
}
