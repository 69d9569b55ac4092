import { Progress, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { SyncProgress } from '../ipc';

/** What long work (a sync, an import) is doing, and how far it is, with a bar: the catalogue's
 * `{group}.running` line, its phase named by `{group}.phase.*`. */
export function ProgressLine({ progress, group = 'sync', mt, testid }: { progress: SyncProgress; group?: string; mt?: string; testid?: string }) {
  const { t } = useTranslation();
  return (
    <Stack gap={2} mt={mt} data-testid={testid}>
      <Text size="sm">{t(`${group}.running`, { phase: t(`${group}.phase.${progress.phase}`, { defaultValue: progress.phase }), done: progress.done, total: progress.total })}</Text>
      <Progress value={progress.total ? (100 * progress.done) / progress.total : 100} animated />
    </Stack>
  );
}
