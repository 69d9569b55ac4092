import type { TFunction } from 'i18next';
import { Button, Card, Group, Paper, Progress, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorAlert, useNotify } from '../components/errors';
import { api, type Report } from '../ipc';
import { today } from '../state';
import { Consortium } from './Consortium';

const DIMENSIONS = ['service', 'sex', 'age_band', 'citizenship', 'place', 'organisation', 'legal_status', 'procedure'];

function yearAgo(): string {
  const d = new Date();
  d.setFullYear(d.getFullYear() - 1);
  return d.toISOString().slice(0, 10);
}

/** A value of a breakdown in the person's language where Punkt has a name for it. */
function label(t: TFunction, dim: string, value: string): string {
  if (dim === 'procedure' && value === 'none') return t('reports.no_procedure');
  const vocab: Record<string, string> = { service: 'service', sex: 'sex', place: 'place', legal_status: 'legal_status', procedure: 'legal_status' };
  return vocab[dim] ? t(`vocab.${vocab[dim]}.${value}`, { defaultValue: value }) : value;
}

export function Reports() {
  const { t, i18n } = useTranslation();
  const notify = useNotify();
  const [from, setFrom] = useState(yearAgo());
  const [to, setTo] = useState(today());
  const [dim, setDim] = useState('service');
  const [service, setService] = useState('all');
  const [report, setReport] = useState<Report | null>(null);
  const [error, setError] = useState<unknown>(null);

  const run = () => api.report(from, to).then((r) => (setReport(r), setError(null)), setError);
  const exportAs = (format: 'csv' | 'xlsx') =>
    api.exportReport(from, to, format, i18n.language).then((f) => notify.ok(t('reports.exported', { path: f.path })), notify.error);

  const rows = report ? report.rows.filter((r) => r.dimension === dim && (dim === 'service' || r.service === service)) : [];
  const max = Math.max(1, ...rows.map((r) => r.people));
  const services = report ? Array.from(new Set(report.rows.map((r) => r.service))) : ['all'];

  return (
    <Stack>
      <Title order={2}>{t('reports.title')}</Title>
      <Paper withBorder p="md">
        <Group align="flex-end">
          <TextInput data-testid="report-from" label={t('reports.from')} value={from} onChange={(e) => setFrom(e.currentTarget.value)} />
          <TextInput data-testid="report-to" label={t('reports.to')} value={to} onChange={(e) => setTo(e.currentTarget.value)} />
          <Button onClick={run} data-testid="report-show">{t('reports.show')}</Button>
          <Button variant="light" onClick={() => exportAs('xlsx')} data-testid="report-xlsx">{t('reports.export_xlsx')}</Button>
          <Button variant="light" onClick={() => exportAs('csv')} data-testid="report-csv">{t('reports.export_csv')}</Button>
        </Group>
      </Paper>
      <ErrorAlert error={error} />
      {report && (
        <Card withBorder data-testid="report">
          <Text fw={600} mb="sm" data-testid="report-total">{t('reports.total', { people: report.total.people, consultations: report.total.consultations })}</Text>
          <Group mb="sm">
            <Select label={t('reports.breakdown')} data={DIMENSIONS.map((d) => ({ value: d, label: t(`reports.dim.${d}`) }))} value={dim} onChange={(d) => setDim(d ?? 'service')} />
            {dim !== 'service' && (
              <Select label={t('reports.service')} data={services.map((s) => ({ value: s, label: s === 'all' ? t('reports.all') : t(`vocab.service.${s}`, { defaultValue: s }) }))} value={service} onChange={(s) => setService(s ?? 'all')} />
            )}
          </Group>
          <Table>
            <Table.Thead><Table.Tr><Table.Th>{t('reports.value')}</Table.Th><Table.Th>{t('reports.people')}</Table.Th><Table.Th w="40%" /><Table.Th>{t('reports.consultations')}</Table.Th></Table.Tr></Table.Thead>
            <Table.Tbody>
              {rows.map((r) => (
                <Table.Tr key={`${r.value}/${r.service}`} data-testid="report-row">
                  <Table.Td>{label(t, dim, r.value)}</Table.Td>
                  <Table.Td>{r.people}</Table.Td>
                  <Table.Td><Progress value={(100 * r.people) / max} aria-label={`${r.people}`} /></Table.Td>
                  <Table.Td>{r.consultations}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Card>
      )}
      <Consortium />
    </Stack>
  );
}
