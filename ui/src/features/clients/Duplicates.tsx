import { Anchor, Badge, Button, Card, Group, Loader, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Confirm } from '../../components/layout';
import { ErrorState, useNotify } from '../../components/errors';
import { api, type ClientSummary, type DuplicatePair } from '../../ipc';
import { useNav } from '../../state';
import { useDateTime } from '../../components/dates';

function Person({ c }: { c: ClientSummary }) {
  const { day } = useDateTime();
  const nav = useNav();
  return (
    <Stack gap={0}>
      <Anchor component="button" ta="left" onClick={() => nav({ name: 'client', id: c.id })}>{c.display_name}</Anchor>
      <Text size="sm" c="dimmed">{[day(c.birth_date), c.citizenship].filter(Boolean).join(' · ')}</Text>
    </Stack>
  );
}

/** Likely duplicate people, best first, with why; a merge keeps everything of both files. */
export function Duplicates() {
  const { t } = useTranslation();
  const notify = useNotify();
  const [pairs, setPairs] = useState<DuplicatePair[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [confirm, setConfirm] = useState<{ keep: ClientSummary; other: ClientSummary } | null>(null);

  const load = () => api.duplicates(100).then(setPairs, setError);
  useEffect(() => {
    void load();
  }, []);

  const merge = async () => {
    if (!confirm) return;
    try {
      await api.mergeClients(confirm.keep.id, confirm.other.id);
      notify.ok(t('duplicates.merged', { name: confirm.keep.display_name }));
      setConfirm(null);
      void load();
    } catch (e) {
      setConfirm(null);
      setError(e);
    }
  };

  return (
    <Stack maw={980}>
      <Title order={2}>{t('duplicates.title')}</Title>
      <Text size="sm">{t('duplicates.help')}</Text>
      <ErrorState error={error} />
      {pairs === null && <Loader />}
      {pairs?.length === 0 && <Text c="dimmed">{t('duplicates.none')}</Text>}
      {pairs?.map((p) => (
        <Card key={`${p.a.id}/${p.b.id}`} withBorder data-testid="duplicate-pair">
          <SimpleGrid cols={3}>
            <Person c={p.a} />
            <Stack gap={4} align="center">
              <Badge size="lg" color={p.score >= 0.8 ? 'red' : 'orange'}>{Math.round(p.score * 100)}%</Badge>
              <Group gap={4} justify="center" maw={360}>
                {p.reasons.map((r) => <Badge key={r} variant="light" size="sm">{t(`duplicates.reason.${r}`, { defaultValue: r })}</Badge>)}
              </Group>
            </Stack>
            <Stack align="flex-end"><Person c={p.b} /></Stack>
          </SimpleGrid>
          <Group justify="space-between" mt="sm">
            <Button size="xs" variant="light" data-testid="merge-into-a" onClick={() => setConfirm({ keep: p.a, other: p.b })}>{t('duplicates.keep_this')}</Button>
            <Button size="xs" variant="light" data-testid="merge-into-b" onClick={() => setConfirm({ keep: p.b, other: p.a })}>{t('duplicates.keep_this')}</Button>
          </Group>
        </Card>
      ))}
      <Confirm subject={confirm} onClose={() => setConfirm(null)} title={t('duplicates.confirm_title')} action={{ label: t('duplicates.merge'), color: 'red', onClick: merge, testId: 'merge-confirm' }}>
        {(c) => <Text>{t('duplicates.confirm', { keep: c.keep.display_name, other: c.other.display_name })}</Text>}
      </Confirm>
    </Stack>
  );
}
