// The organisation's projects as forms offer them: consultations and group activities are
// tagged with one, and donor reports are made for one. Set up by a coordinator on the Reports
// screen (ProjectsCard).
import { Select } from '@mantine/core';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type OrgSettingsView, type ProjectView } from '../ipc';

/** The organisation's settings, loaded once per screen; `null` until read. */
export function useOrgSettings(): [OrgSettingsView | null, () => void, (v: OrgSettingsView) => void] {
  const [settings, setSettings] = useState<OrgSettingsView | null>(null);
  const load = useCallback(() => {
    api.orgSettings().then(setSettings, () => setSettings(null));
  }, []);
  useEffect(load, [load]);
  return [settings, load, setSettings];
}

/** A project as a choice reads: "AMIF-26 · Pomoc prawna (AMIF)". */
export function projectLabel(p: ProjectView): string {
  return `${p.code} · ${p.name}${p.funder ? ` (${p.funder})` : ''}`;
}

/** Whether project `p` runs on `date` (YYYY-MM-DD; any day when empty). */
function runsOn(p: ProjectView, date: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return true;
  return (!p.from || p.from <= date) && (!p.until || p.until >= date);
}

/** The project a piece of work was done under: the projects not archived and running on
 * `date`, or none. Hidden while the organisation has no project. */
export function ProjectSelect({ value, onChange, date, testId }: { value: string; onChange: (v: string) => void; date: string; testId: string }) {
  const { t } = useTranslation();
  const [settings] = useOrgSettings();
  const open = (settings?.projects ?? []).filter((p) => !p.archived && (runsOn(p, date) || p.code === value));
  if (open.length === 0 && !value) return null;
  return (
    <Select
      data-testid={testId}
      label={t('projects.project')}
      description={t('projects.project_help')}
      placeholder={t('projects.none')}
      clearable
      data={open.map((p) => ({ value: p.code, label: projectLabel(p) }))}
      value={value || null}
      onChange={(v) => onChange(v ?? '')}
    />
  );
}
