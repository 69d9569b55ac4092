// Restricted sections of a client file: notes only some roles read, kept in documents of their
// own (as crates/core/src/clients/sections.rs).
import { Badge, Button, Card, Group, Select, Stack, Table, Text, Textarea, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorState, useNotify } from '../../components/errors';
import { api, type ClientView, type SectionView } from '../../ipc';
import { today } from '../../state';
import { useDateTime } from '../../components/dates';

const SECTIONS = ['psychological', 'medical'];

/** Restricted sections: everyone sees that they exist; only the roles allowed open them. */
export function Sections({ c, onChanged }: { c: ClientView; onChanged: () => void }) {
  const { t } = useTranslation();
  const { day } = useDateTime();
  const notify = useNotify();
  const [open, setOpen] = useState<SectionView | null>(null);
  const [openError, setOpenError] = useState<unknown>(null);
  const [section, setSection] = useState<string>('psychological');
  const [text, setText] = useState('');
  const show = (sid: string) => { setOpenError(null); api.section(c.id, sid).then(setOpen, setOpenError); };
  const add = () =>
    api.addSectionNote(c.id, section, { date: today(), text }).then((v) => {
      setText('');
      setOpen(v);
      notify.ok(t('common.saved'));
      onChanged();
    }, notify.error);
  return (
    <Stack>
      <Text size="sm" c="dimmed">{t('sections.help')}</Text>
      {c.sections.length === 0 ? <Text c="dimmed">{t('client.no_entries')}</Text> : (
        <Table data-testid="sections">
          <Table.Tbody>
            {c.sections.map((s) => (
              <Table.Tr key={s.id} data-testid="section-row">
                <Table.Td>{t(`sections.kind.${s.section}`, { defaultValue: s.section })}</Table.Td>
                <Table.Td>{day(s.created_at)}{s.created_by ? ` · ${s.created_by}` : ''}</Table.Td>
                <Table.Td>
                  {s.readable
                    ? <Button size="xs" variant="light" onClick={() => show(s.id)} data-testid="section-open">{t('sections.open')}</Button>
                    : <Badge color="gray" variant="outline" data-testid="section-locked">{t('sections.locked')}</Badge>}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {openError !== null && <ErrorState error={openError} />}
      {open && (
        <Card withBorder data-testid="section-notes">
          <Title order={5} mb="xs">{t(`sections.kind.${open.section}`, { defaultValue: open.section })}</Title>
          {open.notes.map((n) => (
            <Text key={n.id} size="sm" mb={4}><b>{day(n.date)}</b>{n.author ? ` · ${n.author}` : ''}: {n.text}</Text>
          ))}
        </Card>
      )}
      <Card withBorder>
        <Group align="flex-end">
          <Select label={t('sections.section')} data={SECTIONS.map((s) => ({ value: s, label: t(`sections.kind.${s}`) }))} value={section} onChange={(v) => v && setSection(v)} allowDeselect={false} w={200} />
          <Textarea label={t('sections.note')} value={text} onChange={(e) => setText(e.currentTarget.value)} autosize minRows={2} style={{ flex: 1 }} data-testid="section-text" />
          <Button disabled={!text.trim()} onClick={add} data-testid="section-add">{t('sections.add')}</Button>
        </Group>
      </Card>
    </Stack>
  );
}
