// The one typed gateway to the backend: every command the desktop app registers
// (src-tauri/src/lib.rs), with the types generated from Rust in ./bindings.ts. Only this folder
// imports @tauri-apps/* (scripts/check-ipc-imports.mjs enforces it); a test in src-tauri checks
// that the names called here are exactly the registered ones.
import { invoke } from '@tauri-apps/api/core';
import type {
  AppInfo, AttachmentData, BoardPage, AttachmentView, ClientInput, ClientSummary, ClientView, ConsultationInput,
  DeadlineInput, DueDate, DuplicatePair, MergeSummary, Enrolment, FieldConflict, HistoryEntry, Home, ImportReport, ImportSummary, Intake,
  PassphraseStrength, RecordedDeadline, Report, SavedFile, SearchHit, Settings, SyncStatus,
  SyncSummary, UiError, Vocabulary, ErasurePlan, ErasureReport, SectionView, SectionNoteInput, ReferralView, ReferralInput,
  ConsortiumKey, TallyReceipt, ConsortiumCount, RetentionRule, RetentionReport, FileAudit, AuditEntry,
  Team, EnrolCode, HeldErasure, KeysWaiting, RuleBookVersion, ReportOptions, Disclosure, OrgSettingsView, ProjectInput, ControllerInput,
  ActivityInput, ActivityView, VisitInput, VisitRecorded,
} from './bindings';
import type { JsonValue } from './json';

/** A failed command: decide by `code`, show the translation of `errors.<code>`. */
export class IpcError extends Error {
  readonly code: string;
  readonly field: string | null;
  constructor(e: Omit<UiError, 'field'> & { field?: string | null }) {
    super(e.message);
    this.code = e.code;
    this.field = e.field ?? null;
  }
}

function isUiError(e: unknown): e is UiError {
  return typeof e === 'object' && e !== null && 'code' in e && 'message' in e;
}

const lockedListeners = new Set<() => void>();

/** Called when a command is refused because the store is locked (the screen must follow). */
export function onLockedCommand(listener: () => void): () => void {
  lockedListeners.add(listener);
  return () => lockedListeners.delete(listener);
}

async function command<T>(name: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(name, args);
  } catch (e) {
    if (isUiError(e)) {
      if (e.code === 'locked') lockedListeners.forEach((l) => l());
      throw new IpcError(e);
    }
    throw new IpcError({ code: 'internal', message: String(e) });
  }
}


/** A file's bytes as the commands take them (base64 in the JSON of the IPC). */
let jobs = 0;
/** A name for one piece of long work, so that its Stop (`cancelWork`) stops it and no other. */
export function newJob(): string {
  jobs += 1;
  return `${Date.now().toString(36)}-${jobs}`;
}

async function fileBase64(file: File): Promise<string> {
  const buf = new Uint8Array(await file.arrayBuffer());
  let bin = '';
  for (let i = 0; i < buf.length; i += 0x8000) bin += String.fromCharCode(...buf.subarray(i, i + 0x8000));
  return btoa(bin);
}

export const api = {
  appInfo: () => command<AppInfo>("app_info"),
  saveSettings: (settings: Settings) => command<null>("save_settings", { settings }),
  passphraseStrength: (passphrase: string, guessable: string[]) =>
    command<PassphraseStrength>("passphrase_strength", { passphrase, guessable }),
  createStore: (organisation: string, author: string, passphrase: string) =>
    command<null>("create_store", { organisation, author, passphrase }),
  unlock: (passphrase: string) => command<null>("unlock", { passphrase }),
  lock: () => command<null>("lock"),
  touch: () => command<null>("touch"),
  changePassphrase: (old: string, next: string, rotateKey: boolean) => command<null>("change_passphrase", { old, new: next, rotateKey }),
  setAuthor: (name: string) => command<null>("set_author", { name }),

  home: () => command<Home>("home"),
  deadlineBoard: (withinDays: number | null, limit: number) =>
    command<BoardPage>("deadline_board", { withinDays, limit }),
  vocabulary: () => command<Vocabulary>("vocabulary"),
  search: (query: string, limit: number) => command<SearchHit[]>("search", { query, limit }),
  client: (id: string) => command<ClientView>("client", { id }),
  clientHistory: (id: string) => command<HistoryEntry[]>("client_history", { id }),
  likelySameAs: (input: ClientInput) => command<ClientSummary[]>("likely_same_as", { input }),
  computeDeadline: (input: DeadlineInput) => command<DueDate>("compute_deadline", { input }),

  intake: (input: ClientInput) => command<Intake>("intake", { input }),
  /** One person of a visit to a guarded centre: taken in (or found), the consultation and a
   * deadline, in one write. */
  recordVisit: (input: VisitInput) => command<VisitRecorded>("record_visit", { input }),
  updateClient: (id: string, input: ClientInput) => command<ClientView>("update_client", { id, input }),
  addConsultation: (id: string, input: ConsultationInput) => command<string>("add_consultation", { id, input }),
  addDeadline: (id: string, input: DeadlineInput) => command<RecordedDeadline>("add_deadline", { id, input }),
  setDeadlineDone: (id: string, deadlineId: string, done: boolean) =>
    command<null>("set_deadline_done", { id, deadlineId, done }),
  resolveConflict: (id: string, path: string, value: JsonValue) =>
    command<FieldConflict[]>("resolve_conflict", { id, path, value }),
  addAttachment: async (id: string, file: File) =>
    command<AttachmentView>("add_attachment", { id, name: file.name, data: await fileBase64(file) }),
  attachment: (id: string, attachmentId: string) => command<AttachmentData>("attachment", { id, attachmentId }),
  duplicates: (limit: number) => command<DuplicatePair[]>("duplicates", { limit }),
  mergeClients: (keep: string, other: string) => command<MergeSummary>("merge_clients", { keep, other }),
  accessRequest: (id: string, lang: string) => command<SavedFile[]>("access_request", { id, lang }),
  erasurePlan: (id: string) => command<ErasurePlan>("erasure_plan", { id }),
  eraseClient: (id: string) => command<ErasureReport>("erase_client", { id }),
  role: () => command<string | null>("role"),
  setLocalRole: (role: string) => command<null>("set_local_role", { role }),
  section: (clientId: string, sectionId: string) => command<SectionView>("section", { clientId, sectionId }),
  addSectionNote: (clientId: string, section: string, input: SectionNoteInput) => command<SectionView>("add_section_note", { clientId, section, input }),
  referrals: () => command<ReferralView[]>("referrals"),
  refer: (clientId: string, input: ReferralInput) => command<ReferralView>("refer", { clientId, input }),
  respondReferral: (id: string, status: string, note: string) => command<ReferralView>("respond_referral", { id, status, note }),
  organisations: () => command<string[]>("organisations"),

  // The organisation's people and laptops (coordinators), on the server.
  team: () => command<Team>("team"),
  revokeDevice: (deviceId: string) => command<Team>("revoke_device", { deviceId }),
  // End-to-end keys (protocol 6): who waits for them, and giving them after the check code.
  keysWaiting: () => command<KeysWaiting>("keys_waiting"),
  giveKeys: (deviceId: string, checkCode: string) => command<string[]>("give_keys", { deviceId, checkCode }),
  // A rule book of deadlines for the consortium (coordinators), signed and sent to the server.
  publishRuleBook: (book: string) => command<RuleBookVersion>("publish_rule_book", { book }),
  heldErasures: () => command<HeldErasure[]>("held_erasures"),
  approve: (id: string, approve: boolean) => command<Team>("approve", { id, approve }),
  undoErasure: (batch: string) => command<HeldErasure[]>("undo_erasure", { batch }),
  makeEnrolCode: (user: string, hours: number) => command<EnrolCode>("make_enrol_code", { user, hours }),
  addTeamUser: (name: string, role: string) => command<Team>("add_team_user", { name, role }),

  discardReferral: (clientId: string, referralId: string) => command<null>("discard_referral", { clientId, referralId }),

  // The consortium count (coordinators): the key stays on the laptops, the server counts hashes.
  consortiumKeyId: () => command<string | null>("consortium_key_id"),
  staleTallyMonths: () => command<string[]>("stale_tally_months"),
  newConsortiumKey: () => command<ConsortiumKey>("new_consortium_key"),
  setConsortiumKey: (key: string) => command<string>("set_consortium_key", { key }),
  sendConsortiumTally: (from: string, to: string) => command<TallyReceipt[]>("send_consortium_tally", { from, to }),
  consortiumCount: (from: string, to: string) => command<ConsortiumCount>("consortium_count", { from, to }),

  // Retention (a coordinator's rule) and the audit view.
  retentionRule: () => command<RetentionRule | null>("retention_rule"),
  setRetentionRule: (rule: RetentionRule | null) => command<null>("set_retention_rule", { rule }),
  runRetention: (apply: boolean, job?: string) => command<RetentionReport>("run_retention", { apply, job: job ?? null }),
  fileAudit: (id: string) => command<FileAudit>("file_audit", { id }),
  serverAudit: () => command<AuditEntry[]>("server_audit"),

  saveDraft: (name: string, draft: JsonValue) => command<null>("save_draft", { name, draft }),
  draft: (name: string) => command<JsonValue | null>("draft", { name }),
  deleteDraft: (name: string) => command<null>("delete_draft", { name }),

  report: (from: string, to: string, options: ReportOptions, job?: string) => command<Report>("report", { from, to, options, job: job ?? null }),
  /** `disclosure`: `external` (leaving the organisation: counts of 1 to 4 people as "<5") or
   * `internal` (exact); `lang`: the language of an XLSX report's headings and names. */
  exportReport: (from: string, to: string, options: ReportOptions, format: 'csv' | 'xlsx', disclosure: Disclosure, lang: string) =>
    command<SavedFile>("export_report", { from, to, options, format, disclosure, lang }),

  // The organisation's projects (a coordinator's) and group activities.
  orgSettings: () => command<OrgSettingsView>("org_settings"),
  putProject: (input: ProjectInput) => command<OrgSettingsView>("put_project", { input }),
  putController: (input: ControllerInput) => command<OrgSettingsView>("put_controller", { input }),
  /** The record of processing (Art. 30) or the impact assessment template (Art. 35), as HTML. */
  gdprDocument: (which: 'record' | 'dpia', lang: string) => command<SavedFile>("gdpr_document", { which, lang }),
  activities: (from: string, to: string) => command<ActivityView[]>("activities", { from, to }),
  activity: (id: string) => command<ActivityView>("activity", { id }),
  recordActivity: (input: ActivityInput) => command<ActivityView>("record_activity", { input }),
  updateActivity: (id: string, input: ActivityInput) => command<ActivityView>("update_activity", { id, input }),
  removeActivity: (id: string) => command<null>("remove_activity", { id }),

  syncStatus: () => command<SyncStatus>("sync_status"),
  enroll: (server: string, code: string, deviceName: string) =>
    command<Enrolment>("enroll", { server, code, deviceName }),
  syncNow: (job?: string) => command<SyncSummary>("sync_now", { job: job ?? null }),
  /** Stop the running sync at its next exchange; what it stored stays. Whether one ran. */
  /** Stop the long work started with `job` (and no other). */
  cancelWork: (job: string) => command<boolean>("cancel_work", { job }),
  exportSyncFile: (passphrase: string, all: boolean) => command<SavedFile>("export_sync_file", { passphrase, all }),
  importSyncFile: async (file: File, passphrase: string, job?: string) =>
    command<ImportSummary>("import_sync_file", { data: await fileBase64(file), passphrase, job: job ?? null }),
  importRegister: async (file: File, dryRun: boolean, skipInvalid: boolean, job?: string) =>
    command<ImportReport>("import_register", { data: await fileBase64(file), dryRun, skipInvalid, job: job ?? null }),
};
