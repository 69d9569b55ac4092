import type { TFunction } from 'i18next';
import { Alert, Badge, Button, Card, Checkbox, Group, Paper, Progress, Select, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { TableHead } from '../../components/layout';
import { ErrorState, useNotify } from '../../components/errors';
import { useStoppable } from '../../components/stoppable';
import { useLanguageName } from '../../components/languages';
import { projectLabel, useOrgSettings } from '../../components/projects';
import { api, type OrgSettingsView, type ProjectInput, type Report, type ReportOptions } from '../../ipc';
import { today } from '../../state';
import { Consortium } from './Consortium';
import { DateField } from '../../components/DateField';
import { useDateTime } from '../../components/dates';

const DIMENSIONS = ['service', 'sex', 'age_band', 'citizenship', 'language', 'place', 'organisation', 'project', 'legal_status', 'procedure', 'vulnerability'];
const ACTIVITY_DIMENSIONS = ['activity_kind', 'place', 'organisation', 'project'];

/** Age bands donors ask for, by their lower bounds; "custom" takes typed ones. */
const BAND_PRESETS: Record<string, number[]> = {
  unhcr: [0, 5, 12, 18, 60],
  children_adults: [0, 18],
  detailed: [0, 5, 12, 18, 25, 35, 45, 60],
};


/** A value of a breakdown in the person's language where Punkt has a name for it. */
function useLabel(t: TFunction) {
  const languageName = useLanguageName();
  return (dim: string, value: string): string => {
    if (value === 'unknown') return t('reports.unknown');
    if (value === 'none') return dim === 'procedure' ? t('reports.no_procedure') : dim === 'project' ? t('reports.no_project') : t('reports.none');
    if (dim === 'language') return languageName(value);
    if (dim === 'place' && value.endsWith(' (centre)')) return `${value.slice(0, -9)} (${t('activities.place_centre')})`;
    const vocab: Record<string, string> = { service: 'service', sex: 'sex', place: 'place', legal_status: 'legal_status', procedure: 'legal_status', vulnerability: 'vulnerability', activity_kind: 'activity_kind' };
    return vocab[dim] ? t(`vocab.${vocab[dim]}.${value}`, { defaultValue: value }) : value;
  };
}

/** The organisation's projects: the list, and for a coordinator a form to add or change one. */
function ProjectsCard({ settings, onChanged }: { settings: OrgSettingsView | null; onChanged: (v: OrgSettingsView) => void }) {
  const { t } = useTranslation();
  const { period } = useDateTime();
  const notify = useNotify();
  const empty: ProjectInput = { code: '', name: '', funder: null, from: null, until: null, archived: false };
  const [p, setP] = useState<ProjectInput>(empty);
  const [error, setError] = useState<unknown>(null);
  if (!settings) return null;
  const save = () =>
    api.putProject({ ...p, funder: p.funder?.trim() || null, from: p.from?.trim() || null, until: p.until?.trim() || null }).then((v) => {
      onChanged(v);
      setP(empty);
      setError(null);
      notify.ok(t('projects.saved', { code: p.code.trim() }));
    }, setError);
  return (
    <Card withBorder data-testid="projects">
      <Title order={4} mb="xs">{t('projects.title')}</Title>
      <Text size="sm" c="dimmed" mb="sm">{t('projects.intro')}</Text>
      {settings.projects.length === 0 ? (
        <Text size="sm" data-testid="projects-empty">{t('projects.empty')}</Text>
      ) : (
        <Table mb="sm">
          <TableHead columns={[t('projects.code'), t('projects.name'), t('projects.funder'), t('projects.period'), t('projects.used'), null]} />
          <Table.Tbody>
            {settings.projects.map((x) => (
              <Table.Tr key={x.code} data-testid="project-row" style={{ opacity: x.archived ? 0.6 : 1 }}>
                <Table.Td><Text ff="monospace" size="sm">{x.code}</Text></Table.Td>
                <Table.Td>{x.name} {x.archived && <Badge color="gray" size="xs">{t('projects.archived')}</Badge>}</Table.Td>
                <Table.Td>{x.funder}</Table.Td>
                <Table.Td>{x.from || x.until ? period(x.from, x.until) : ''}</Table.Td>
                <Table.Td>{x.used}</Table.Td>
                <Table.Td>
                  {settings.editable && (
                    <Button size="xs" variant="subtle" onClick={() => setP({ code: x.code, name: x.name, funder: x.funder, from: x.from, until: x.until, archived: x.archived })}>{t('projects.edit')}</Button>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {settings.editable ? (
        <Stack gap="xs">
          <Group grow align="flex-start">
            <TextInput data-testid="project-code" label={t('projects.code')} description={t('projects.code_help')} value={p.code} onChange={(e) => setP({ ...p, code: e.currentTarget.value })} />
            <TextInput data-testid="project-name" label={t('projects.name')} value={p.name} onChange={(e) => setP({ ...p, name: e.currentTarget.value })} />
            <TextInput data-testid="project-funder" label={t('projects.funder')} value={p.funder ?? ''} onChange={(e) => setP({ ...p, funder: e.currentTarget.value })} />
          </Group>
          <Group align="flex-end">
            <DateField data-testid="project-from" label={t('projects.from')} value={p.from} onChange={(from) => setP({ ...p, from })} />
            <DateField data-testid="project-until" label={t('projects.until')} value={p.until} onChange={(until) => setP({ ...p, until })} />
            <Checkbox mb={8} label={t('projects.archive')} checked={p.archived} onChange={(e) => setP({ ...p, archived: e.currentTarget.checked })} />
            <Button onClick={save} disabled={!p.code.trim() || !p.name.trim()} data-testid="project-save">{t('projects.save')}</Button>
          </Group>
          <ErrorState error={error} />
        </Stack>
      ) : (
        <Text size="xs" c="dimmed" data-testid="projects-readonly">{t('projects.coordinator_only')}</Text>
      )}
    </Card>
  );
}

export function Reports() {
  const { t, i18n } = useTranslation();
  const notify = useNotify();
  const label = useLabel(t);
  const [settings, , setSettings] = useOrgSettings();
  const [from, setFrom] = useState(today(12));
  const [to, setTo] = useState(today());
  const [bands, setBands] = useState('unhcr');
  const [customBands, setCustomBands] = useState('0, 18, 60');
  const [project, setProject] = useState<string | null>(null);
  const [internal, setInternal] = useState(false);
  const [dim, setDim] = useState('service');
  const [service, setService] = useState('all');
  const [report, setReport] = useState<Report | null>(null);
  const [error, setError] = useState<unknown>(null);
  // A report over years takes a while: what is counted is shown, and Stop drops the wait (the
  // report only reads, so nothing is lost; its answer, when it comes, is not shown).
  const { running, stopped, run: start, stop } = useStoppable();
  const { day } = useDateTime();

  const customValid = /^\s*\d+(\s*,\s*\d+)*\s*$/.test(customBands);
  const options = (): ReportOptions => ({
    age_bands: bands === 'custom' ? customBands.split(',').map((x) => Number(x.trim())) : BAND_PRESETS[bands],
    project,
  });
  const run = () =>
    start((job) => api.report(from, to, options(), job), (r) => {
      setReport(r);
      setError(null);
      // A service the new report does not have would leave the table empty.
      if (!r.rows.some((x) => x.service === service)) setService('all');
    }, setError);
  const exportAs = (format: 'csv' | 'xlsx') =>
    api.exportReport(from, to, options(), format, internal ? 'internal' : 'external', i18n.language).then((f) => notify.ok(t(internal ? 'reports.exported' : 'reports.exported_suppressed', { path: f.path })), notify.error);

  const rows = report ? report.rows.filter((r) => r.dimension === dim && (dim === 'service' || r.service === service)) : [];
  const max = Math.max(1, ...rows.map((r) => r.people));
  const services = report ? Array.from(new Set(report.rows.map((r) => r.service))) : ['all'];
  const bandChoices = [
    ...Object.entries(BAND_PRESETS).map(([k, b]) => ({ value: k, label: `${t(`reports.bands.${k}`)}: ${bandText(b)}` })),
    { value: 'custom', label: t('reports.bands.custom') },
  ];

  return (
    <Stack>
      <Title order={2}>{t('reports.title')}</Title>
      <Paper withBorder p="md">
        <Stack gap="sm">
          <Group align="flex-end">
            <DateField data-testid="report-from" label={t('reports.from')} value={from} onChange={setFrom} />
            <DateField data-testid="report-to" label={t('reports.to')} value={to} onChange={setTo} />
            <Select data-testid="report-project" label={t('projects.project')} placeholder={t('reports.all_projects')} clearable data={(settings?.projects ?? []).map((p) => ({ value: p.code, label: projectLabel(p) }))} value={project} onChange={setProject} w={260} />
            <Select data-testid="report-bands" label={t('reports.age_bands')} data={bandChoices} value={bands} onChange={(b) => setBands(b ?? 'unhcr')} allowDeselect={false} w={300} />
            {bands === 'custom' && (
              <TextInput data-testid="report-bands-custom" label={t('reports.bands_custom')} description={t('reports.bands_custom_help')} value={customBands} onChange={(e) => setCustomBands(e.currentTarget.value)} error={customValid ? undefined : t('reports.bands_custom_help')} w={180} />
            )}
          </Group>
          <Group align="center">
            <Button onClick={run} data-testid="report-show" loading={running} disabled={bands === 'custom' && !customValid}>{t('reports.show')}</Button>
            {running && <Button variant="default" onClick={stop} data-testid="report-stop">{t('sync.cancel')}</Button>}
            <Button variant="light" onClick={() => exportAs('xlsx')} data-testid="report-xlsx" disabled={bands === 'custom' && !customValid}>{t('reports.export_xlsx')}</Button>
            <Button variant="light" onClick={() => exportAs('csv')} data-testid="report-csv" disabled={bands === 'custom' && !customValid}>{t('reports.export_csv')}</Button>
            <Checkbox data-testid="report-internal" label={t('reports.internal')} description={t('reports.internal_help')} checked={internal} onChange={(e) => setInternal(e.currentTarget.checked)} />
          </Group>
          {!internal && <Text size="xs" c="dimmed" data-testid="report-suppression-note">{t('reports.suppression_note')}</Text>}
          {internal && <Alert color="orange" data-testid="report-internal-warning">{t('reports.internal_warning')}</Alert>}
        </Stack>
      </Paper>
      {running && (
        <Stack gap={4} data-testid="report-running">
          <Text size="sm">{t('reports.running', { from: day(from), to: day(to) })}</Text>
          <Progress value={100} striped animated />
        </Stack>
      )}
      {stopped && <Alert color="blue" icon={null} data-testid="report-stopped">{t('reports.stopped')}</Alert>}
      <ErrorState error={error} />
      {report && !running && (
        <Card withBorder data-testid="report">
          <Text fw={600} mb={4} data-testid="report-total">{t('reports.total', { people: report.total.people, consultations: report.total.consultations })}</Text>
          <Text size="xs" c="dimmed" mb="sm">
            {report.project ? `${t('projects.project')}: ${report.project} · ` : ''}
            {t('reports.age_bands')}: {report.age_bands.join(', ')}
          </Text>
          {!report.sensitive_counted && <Alert color="gray" mb="sm" data-testid="report-sensitive-not-counted">{t('reports.sensitive_not_counted')}</Alert>}
          <Group mb="sm">
            <Select data-testid="report-dimension" label={t('reports.breakdown')} data={DIMENSIONS.map((d) => ({ value: d, label: t(`reports.dim.${d}`) }))} value={dim} onChange={(d) => setDim(d ?? 'service')} />
            {dim !== 'service' && (
              <Select label={t('reports.service')} data={services.map((s) => ({ value: s, label: s === 'all' ? t('reports.all') : t(`vocab.service.${s}`, { defaultValue: s }) }))} value={service} onChange={(s) => setService(s ?? 'all')} />
            )}
          </Group>
          <Table>
            <TableHead columns={[t('reports.value'), t('reports.people'), { w: '40%' }, t('reports.consultations')]} />
            <Table.Tbody>
              {rows.map((r) => (
                <Table.Tr key={`${r.value}/${r.service}`} data-testid="report-row">
                  <Table.Td>{label(dim, r.value)}</Table.Td>
                  <Table.Td>{r.people}</Table.Td>
                  <Table.Td><Progress value={(100 * r.people) / max} aria-label={`${r.people}`} /></Table.Td>
                  <Table.Td>{r.consultations}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Card>
      )}
      {report && (
        <Card withBorder data-testid="report-activities">
          <Title order={4} mb={4}>{t('reports.activities_title')}</Title>
          <Text size="xs" c="dimmed" mb="sm">{t('reports.activities_note')}</Text>
          <SimpleGrid cols={5} mb="sm" data-testid="report-activities-total">
            {(['activities', 'participants', 'female', 'male', 'children'] as const).map((k) => (
              <div key={k}>
                <Text size="xs" c="dimmed">{t(`reports.activity.${k}`)}</Text>
                <Text fw={700} size="lg">{report.activities[k]}</Text>
              </div>
            ))}
          </SimpleGrid>
          {report.activity_rows.length > 0 && (
            <Table>
              <TableHead columns={[t('reports.value'), ...(['activities', 'participants', 'female', 'male', 'children'] as const).map((k) => t(`reports.activity.${k}`))]} />
              <Table.Tbody>
                {ACTIVITY_DIMENSIONS.flatMap((d) =>
                  report.activity_rows
                    .filter((r) => r.dimension === d)
                    .map((r) => (
                      <Table.Tr key={`${d}/${r.value}`} data-testid="report-activity-row">
                        <Table.Td>{t(`reports.dim.${d}`)}: {label(d, r.value)}</Table.Td>
                        <Table.Td>{r.count.activities}</Table.Td>
                        <Table.Td>{r.count.participants}</Table.Td>
                        <Table.Td>{r.count.female}</Table.Td>
                        <Table.Td>{r.count.male}</Table.Td>
                        <Table.Td>{r.count.children}</Table.Td>
                      </Table.Tr>
                    )),
                )}
              </Table.Tbody>
            </Table>
          )}
        </Card>
      )}
      <ProjectsCard settings={settings} onChanged={setSettings} />
      <Consortium />
    </Stack>
  );
}

/** Bands by their lower bounds as people read them: "0–4, 5–11, 12–17, 18–59, 60+". */
function bandText(b: number[]): string {
  return b.map((lo, i) => (i + 1 < b.length ? (b[i + 1] - 1 === lo ? `${lo}` : `${lo}–${b[i + 1] - 1}`) : `${lo}+`)).join(', ');
}
