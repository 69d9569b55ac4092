import { Box, Button, Group, Modal, Stack, Table, Text, Title, type ModalProps, type TableThProps } from '@mantine/core';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

/** One column's heading: its text, `null` for a column without one (its buttons), or the text
 * with the column's width. */
export type Column = ReactNode | { label?: ReactNode; w: TableThProps['w'] };

const isSized = (c: Column): c is { label?: ReactNode; w: TableThProps['w'] } => typeof c === 'object' && c !== null && 'w' in c;

/** A table's heading row, a cell a column. */
export function TableHead({ columns }: { columns: Column[] }) {
  return (
    <Table.Thead>
      <Table.Tr>
        {columns.map((c, i) => (isSized(c) ? <Table.Th key={i} w={c.w}>{c.label}</Table.Th> : <Table.Th key={i}>{c}</Table.Th>))}
      </Table.Tr>
    </Table.Thead>
  );
}

/** A table of `rows`, a row each as `children` draws it, under the columns' headings. */
export function DataTable<T>({ testId, columns, rows, children }: { testId: string; columns: Column[]; rows: T[]; children: (row: T) => ReactNode }) {
  return (
    <Table data-testid={testId}>
      <TableHead columns={columns} />
      <Table.Tbody>{rows.map(children)}</Table.Tbody>
    </Table>
  );
}

/** A card's title and the line under it that says what the card is for; `action` (a button)
 * stands on the right. */
export function CardHead({ title, help, action }: { title: ReactNode; help: ReactNode; action?: ReactNode }) {
  const head = (
    <div>
      <Title order={4}>{title}</Title>
      <Text size="sm" c="dimmed">{help}</Text>
    </div>
  );
  if (!action) return head;
  return (
    <Group justify="space-between" align="flex-start" wrap="nowrap">
      {head}
      <Box style={{ flexShrink: 0 }}>{action}</Box>
    </Group>
  );
}

/** The button that does what a `Confirm` asks about. */
export type ConfirmAction = { label: ReactNode; onClick: () => void; testId: string; color?: string; disabled?: boolean };

/** The question asked before an action: open while `subject` (what it is about) is set, its
 * text made by `children` from it, then Cancel and the action's button. */
export function Confirm<T>({ subject, onClose, title, size, testId, action, children }: {
  subject: T | null | false;
  onClose: () => void;
  title: ReactNode;
  size?: ModalProps['size'];
  testId?: string;
  action: ConfirmAction;
  children: (subject: T) => ReactNode;
}) {
  const { t } = useTranslation();
  const open = subject !== null && subject !== false;
  return (
    <Modal opened={open} onClose={onClose} title={title} size={size}>
      {open && (
        <Stack data-testid={testId}>
          {children(subject)}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>{t('common.cancel')}</Button>
            <Button color={action.color} disabled={action.disabled} onClick={action.onClick} data-testid={action.testId}>{action.label}</Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
