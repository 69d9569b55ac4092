import { Group, Kbd, Paper, Stack, Text, TextInput, Title, UnstyledButton } from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorState } from '../../components/errors';
import { api, type SearchHit } from '../../ipc';
import { useNav } from '../../state';
import { useDateTime } from '../../components/dates';

/** Search as you type, keyboard only: type, arrows, Enter opens. The latest query wins. */
export function SearchBox({ onOpen, autoFocus = true }: { onOpen: (hit: SearchHit) => void; autoFocus?: boolean }) {
  const { t } = useTranslation();
  const { day } = useDateTime();
  const [query, setQuery] = useState('');
  const [hits, setHits] = useState<SearchHit[]>([]);
  const [selected, setSelected] = useState(0);
  const [error, setError] = useState<unknown>(null);
  const seq = useRef(0);

  // No query, no hits (at once; an answer still on its way is dropped below).
  const blank = !query.trim();
  if (blank && hits.length > 0) setHits([]);
  useEffect(() => {
    const mine = ++seq.current;
    if (blank) return;
    api.search(query, 20).then(
      (h) => {
        if (mine === seq.current) {
          setHits(h);
          setSelected(0);
          setError(null);
        }
      },
      (e) => mine === seq.current && setError(e),
    );
  }, [query, blank]);

  const onKey = (e: React.KeyboardEvent) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setSelected((s) => Math.min(s + 1, hits.length - 1));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setSelected((s) => Math.max(s - 1, 0));
    } else if (e.key === 'Enter' && hits[selected]) {
      e.preventDefault();
      onOpen(hits[selected]);
    }
  };

  return (
    <Stack gap="xs">
      <TextInput
        data-testid="search-input"
        size="md"
        placeholder={t('search.placeholder')}
        value={query}
        onChange={(e) => setQuery(e.currentTarget.value)}
        onKeyDown={onKey}
        autoFocus={autoFocus}
        aria-label={t('search.title')}
      />
      <ErrorState error={error} />
      <Stack gap={2} role="listbox" data-testid="search-results">
        {hits.map((h, i) => (
          <UnstyledButton
            key={h.id}
            role="option"
            aria-selected={i === selected}
            data-testid="search-hit"
            onClick={() => onOpen(h)}
            onMouseEnter={() => setSelected(i)}
            p="xs"
            style={{ borderRadius: 4, background: i === selected ? 'var(--mantine-color-indigo-light)' : undefined }}
          >
            <Group justify="space-between">
              <Text fw={500}>{h.display_name}</Text>
              <Text size="sm" c="dimmed">
                {h.birth_date ? t('search.born', { date: day(h.birth_date) }) : ''} {h.citizenship ?? ''}
              </Text>
            </Group>
          </UnstyledButton>
        ))}
        {query.trim() && hits.length === 0 && !error && <Text c="dimmed">{t('search.no_results')}</Text>}
      </Stack>
    </Stack>
  );
}

export function Search() {
  const { t } = useTranslation();
  const nav = useNav();
  return (
    <Stack maw={760}>
      <Title order={2}>{t('search.title')}</Title>
      <Paper p="md" withBorder>
        <SearchBox onOpen={(h) => nav({ name: 'client', id: h.id })} />
      </Paper>
      <Text size="sm" c="dimmed">
        {t('search.hint')} <Kbd>Ctrl</Kbd>+<Kbd>K</Kbd>
      </Text>
    </Stack>
  );
}
