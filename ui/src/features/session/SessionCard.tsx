import { Center, Paper, Stack } from '@mantine/core';

/** The card a locked app shows alone on the window (creating the store, unlocking it): one
 * form, centred. */
export function SessionCard({ width, onSubmit, children }: { width: number; onSubmit: (e: React.FormEvent) => void; children: React.ReactNode }) {
  return (
    <Center mih="100vh" p="md">
      <Paper withBorder shadow="sm" p="xl" w={width}>
        <form onSubmit={onSubmit}>
          <Stack>{children}</Stack>
        </form>
      </Paper>
    </Center>
  );
}
