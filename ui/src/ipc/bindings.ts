// Generated from the Rust types by src-tauri/src/bindings.rs (ts-rs). Do not edit:
// run `PUNKT_UPDATE_BINDINGS=1 cargo test -p punkt-desktop bindings`.
// Counts are JSON numbers on the wire (never above 2^53), so 64-bit integers are `number`.
import type { JsonValue } from './json';

export type UiError = { code: string, 
/**
 * The backend's own words (English), for the details line and support: the UI's main
 * text comes from its catalogue by `code`.
 */
message: string, 
/**
 * For `invalid_input`: which field (`birth_date`, `place.city`, `sex`...), so the UI can
 * name it in the person's language.
 */
field: string | null, };

export type Settings = { language: string, autolock_minutes: number, 
/**
 * SQLCipher wipes every allocation it frees and keeps its memory out of swap
 * (`punkt_store::harden_memory`): for laptops that go into the closed centres. A sync is
 * about three times slower; turning it off takes effect when the app restarts.
 */
hardened_memory: boolean, };

export type AppInfo = { version: string, data_dir: string, store_exists: boolean, unlocked: boolean, settings: Settings, languages: Array<string>, autolock_choices: Array<number>, 
/**
 * Whether SQLCipher's memory security is on in this process now (it stays on after the
 * setting is turned off, until the app restarts).
 */
memory_hardened: boolean, };

export type Intake = { id: string, 
/**
 * Other files that look like the same person (same names and birth date).
 */
likely_same: Array<ClientSummary>, };

export type ConsortiumKey = { key: string, key_id: string, };

export type TallyReceipt = { month: string, people: number, 
/**
 * False when a resend found no tally of the month to replace (nothing was stored).
 */
stored: boolean, };

export type ConsortiumCount = { from: string, to: string, 
/**
 * Per service, and `all`.
 */
services: Array<ServiceCount>, 
/**
 * Which organisation sent which months of the period.
 */
contributions: Array<Contribution>, };

export type ServiceCount = { service: string, 
/**
 * People counted once however many organisations helped them.
 */
unique_people: number, 
/**
 * The organisations' own counts added up.
 */
sum_of_organisations: number, 
/**
 * People helped by two organisations or more.
 */
in_several_organisations: number, 
/**
 * Unique people per organisation.
 */
per_organisation: Array<[string, number]>, };

export type Contribution = { organisation: string, months: Array<string>, missing_months: Array<string>, 
/**
 * When the organisation last sent a month of the period.
 */
last_sent: string | null, };

export type AuditEntry = { at: string, action: string, user: string | null, organisation: string | null, device_id: string | null, doc_id: string | null, detail: string, };

export type Team = { organisation: string, users: Array<TeamUser>, devices: Array<TeamDevice>, pending: Array<PendingApproval>, 
/**
 * In the answer to approving a laptop code: the code, shown once.
 */
issued: EnrolCode | null, };

export type TeamUser = { name: string, role: string, };

export type TeamDevice = { device_id: string, name: string, user: string, role: string, enrolled_at: string, last_seen: string | null, revoked_at: string | null, };

export type EnrolCode = { user: string, role: string, code: string, expires_at: string, 
/**
 * The code works only once a second coordinator approved it.
 */
awaiting_approval: boolean, };

export type HeldErasure = { batch: string, erased_at: string, 
/**
 * When the server deletes the documents for good (no undo after).
 */
final_at: string, user: string, device_id: string, 
/**
 * The client files among the documents (the others are their attachments, restricted
 * sections and referrals).
 */
client_files: Array<string>, documents: number, };

export type PendingApproval = { id: string, action: string, 
/**
 * The person (`add_user`, `enrol_code`) or the laptop's id (`revoke`).
 */
subject: string, role: string | null, requested_by: string, requested_at: string, };

export type KeysWaiting = { check_code: string, waiting: Array<WaitingLaptop>, 
/**
 * This organisation's keys and every other one's as trusted here, to compare by phone.
 */
org_keys: Array<TrustedOrgKey>, };

export type WaitingLaptop = { device_id: string, name: string, user: string, role: string, missing: Array<string>, };

export type TrustedOrgKey = { organisation: string, epoch: number, 
/**
 * 32 hexadecimal digits in groups of four (`punkt_e2e::org_fingerprint`).
 */
fingerprint: string, 
/**
 * This laptop's own organisation (its keys derived here, not trusted).
 */
own: boolean, };

export type OrgKeyRefused = { organisation: string, epoch: number, 
/**
 * Why, in English, for logs and `punkt sync`.
 */
message: string, };

export type FileAudit = { id: string, lines: Array<AuditLine>, 
/**
 * Why the server's log is missing, as an error code (`not_enrolled`, `forbidden` for a
 * role other than coordinator, `server_unreachable`...), if it is.
 */
server_unavailable: string | null, };

export type AuditLine = { at: string, 
/**
 * `server` (the server's log), `laptop` (recorded here, not sent yet) or `history` (a
 * change of the file).
 */
source: string, 
/**
 * `read`, `sync`, `refused`, `erase`, `referral`, `export`, `merge`, `retention`, or
 * `change` for the history.
 */
action: string, 
/**
 * The person (the server's user, or the author a laptop wrote into its changes).
 */
who: string | null, organisation: string | null, 
/**
 * A device id (server) or the first digits of an actor id (history).
 */
device: string | null, detail: string, 
/**
 * For a change (history): the parts of the file it touched (`person`, `consultations`...).
 */
parts: Array<string>, };

export type ImportReport = { dry_run: boolean, 
/**
 * True when the accepted rows were written.
 */
imported: boolean, rows: number, clients: number, consultations: number, rejected: Array<RejectedRow>, 
/**
 * Headers that map to no column (their values are not imported).
 */
ignored_columns: Array<string>, };

export type RejectedRow = { row: number, 
/**
 * `unreadable`, `empty`, `no_name`, `unknown_country`, `differs` (from an earlier row of
 * the same person), `already_stored`, or a validation error's code (`invalid_date`,
 * `invalid_input`).
 */
code: string, field: string | null, reason: string, };

export type RetentionRule = { 
/**
 * Years a file stays after it was closed.
 */
closed_years: number, action: RetentionAction, };

export type RetentionAction = "erase" | "anonymise";

export type RetentionReport = { rule: RetentionRule, run_at: string, 
/**
 * Files whose last activity is before this day are due.
 */
cutoff: string, applied: boolean, 
/**
 * This organisation's files looked at (anonymised copies are not).
 */
examined: number, 
/**
 * The files the rule applies to.
 */
due: Array<RetentionItem>, 
/**
 * Files past the cutoff kept because a matter or a deadline is still open.
 */
kept_open: Array<RetentionItem>, erased: Array<string>, anonymised: Array<AnonymisedFile>, 
/**
 * When this laptop last synced (none if it never did): the rule decides on what is here.
 */
last_sync: string | null, 
/**
 * An enrolled laptop must have synced within `SYNC_FRESH_HOURS` to apply the rule.
 */
sync_required: boolean, };

export type RetentionItem = { id: string, last_activity: string, };

export type AnonymisedFile = { from: string, to: string, };

export type AttachmentData = { attachment: AttachmentView, 
/**
 * The bytes, base64.
 */
data: string, };

export type SavedFile = { path: string, bytes: number, };

export type Home = { organisation: string, author: string | null, today: string, 
/**
 * The first [`HOME_BOARD_LIMIT`] deadlines of the board, soonest (most overdue) first.
 */
board: Array<BoardEntry>, 
/**
 * How many deadlines the board has in all (the deadlines screen lists the rest).
 */
board_total: number, 
/**
 * Days within which a deadline counts as urgent.
 */
urgent_days: number, recent: Array<ClientSummary>, conflicted: Array<ClientSummary>, sync: SyncStatus, clients: number, };

export type BoardPage = { entries: Array<BoardEntry>, total: number, };

export type DuplicatePair = { a: ClientSummary, b: ClientSummary, 
/**
 * 0 to 1.
 */
score: number, 
/**
 * `document_number`, `same_names_and_birth_date`, `similar_names`, `shared_name`,
 * `birth_date`, `birth_year`, `different_birth_date`, `citizenship`,
 * `different_citizenship`.
 */
reasons: Array<string>, };

export type MergeSummary = { kept: string, merged: string, 
/**
 * Entries the survivor gained, by part of the file.
 */
added: { [key in string]?: number }, };

export type ErasurePlan = { client_id: string, display_name: string, documents: number, merged_files: number, open_matters: number, open_deadlines: number, };

export type ErasureReport = { client_id: string, 
/**
 * Every document deleted: the file, its attachments, files merged into it.
 */
documents: Array<string>, 
/**
 * Files that had been merged into this one, erased with it.
 */
merged_files: Array<string>, 
/**
 * Open matters and deadlines the file had (a reason to keep it may have existed).
 */
open_matters: number, open_deadlines: number, };

export type SectionView = { id: string, client_id: string, section: string, created_at: string, 
/**
 * Oldest first.
 */
notes: Array<SectionNoteView>, };

export type SectionNoteView = { id: string, date: string, text: string, written_at: string, author: string | null, };

export type SectionRefView = { id: string, section: string, created_at: string, created_by: string | null, 
/**
 * This laptop's role may read it.
 */
readable: boolean, };

export type SectionNoteInput = { 
/**
 * YYYY-MM-DD; today when absent.
 */
date?: string | null, text: string, };

export type ReferralView = { id: string, 
/**
 * `outgoing` (this organisation referred) or `incoming`.
 */
direction: string, from_organisation: string, to_organisation: string, service: string, status: string, created_at: string, reason: string, consent_clause: string, consent_given_on: string, given_names: string, family_name: string, names_original: string | null, birth_date: string | null, citizenships: Array<string>, languages: Array<string>, phone: string | null, 
/**
 * Oldest first.
 */
events: Array<ReferralEventView>, };

export type ReferralEventView = { at: string, organisation: string, status: string, note: string, author: string | null, };

export type ReferralRefView = { id: string, to_organisation: string, service: string, created_at: string, };

export type ReferralInput = { to_organisation: string, service: string, 
/**
 * The consent record in the client file the person gave for this referral.
 */
consent_id: string, reason: string, share: ShareInput, };

export type ShareInput = { names_original: boolean, birth_date: boolean, citizenships: boolean, languages: boolean, phone: boolean, };

export type PassphraseStrength = { 
/**
 * 0 (guessed at once) to 4 (very hard to guess), zxcvbn's score.
 */
score: number, 
/**
 * Long enough for the store to take it.
 */
long_enough: boolean, 
/**
 * Guesses needed, as a power of ten.
 */
guesses_log10: number, 
/**
 * The store takes it: long enough and hard enough to guess (a score of at least
 * `punkt_store::keyfile::MIN_PASSPHRASE_SCORE`, with the organisation's and the
 * person's names and common Polish and Ukrainian words counted as guessable).
 */
acceptable: boolean, };

export type BoardEntry = { client_id: string, display_name: string, deadline_id: string, rule: string, from: string, due: string, 
/**
 * For limits in hours: the hour it ends on the due day.
 */
due_time: string | null, uncertain: boolean, 
/**
 * What the deadline is for, when noted (always for one the decision or the court set).
 */
note: string | null, 
/**
 * Days from today to the due date (negative when overdue).
 */
days_left: number, overdue: boolean, };

export type RecordedDeadline = { id: string, client_id: string, rule: string, 
/**
 * The length counted, in `unit`.
 */
limit: number, unit: Unit, shift: Shift, from: string, 
/**
 * The hour of the event, for limits in hours.
 */
from_time: string | null, 
/**
 * The end before any shift.
 */
nominal_due: string, due: string, 
/**
 * The hour the limit ends, for limits in hours.
 */
due_time: string | null, 
/**
 * The days the end of the limit was moved over, in order.
 */
moved_over: Array<SkippedDay>, 
/**
 * True when the start date is not certain: `due` is then the earliest possible deadline.
 */
uncertain: boolean, explanation: string, 
/**
 * Set when the start is a deemed delivery of a letter not collected.
 */
deemed_delivery: string | null, 
/**
 * For a day the authority or the court named, or a limit that never moves: why the due
 * day is not a working day, when it is not (`Saturday`, `Sunday`, `holiday: <name>`, as in
 * `SkippedDay::reason`).
 */
day_off: string | null, 
/**
 * The legal basis of the rule counted.
 */
basis: string, 
/**
 * The rule book it was counted with.
 */
rules_version: string, 
/**
 * When the start is known only within a range: the deadline from its latest day.
 */
latest: LatestDue | null, };

export type DueDate = { rule: string, 
/**
 * The length counted, in `unit`.
 */
limit: number, unit: Unit, shift: Shift, from: string, 
/**
 * The hour of the event, for limits in hours.
 */
from_time: string | null, 
/**
 * The end before any shift.
 */
nominal_due: string, due: string, 
/**
 * The hour the limit ends, for limits in hours.
 */
due_time: string | null, 
/**
 * The days the end of the limit was moved over, in order.
 */
moved_over: Array<SkippedDay>, 
/**
 * True when the start date is not certain: `due` is then the earliest possible deadline.
 */
uncertain: boolean, explanation: string, 
/**
 * Set when the start is a deemed delivery of a letter not collected.
 */
deemed_delivery: string | null, 
/**
 * For a day the authority or the court named, or a limit that never moves: why the due
 * day is not a working day, when it is not (`Saturday`, `Sunday`, `holiday: <name>`, as in
 * `SkippedDay::reason`).
 */
day_off: string | null, 
/**
 * The legal basis of the rule counted.
 */
basis: string, 
/**
 * The rule book it was counted with.
 */
rules_version: string, 
/**
 * When the start is known only within a range: the deadline from its latest day.
 */
latest: LatestDue | null, };

export type SkippedDay = { date: string, reason: string, };

export type DeadlineRule = { id: string, 
/**
 * The procedure it belongs to: `residence`, `asylum`, `return`, `detention`, `court`,
 * `ukraine`.
 */
track: string, 
/**
 * The length in `unit` (for a limit the decision sets within a range: the longest).
 */
limit: number, unit: Unit, 
/**
 * A limit the decision sets within a range (voluntary departure): the shortest; the days
 * the decision set are asked for.
 */
min?: number | null, 
/**
 * The event that starts the limit: `delivery`, `announcement_or_delivery`, `arrest`...
 */
runs_from: string, shift: Shift, names: RuleNames, basis: string, 
/**
 * `high`, or `verify` where the rule still needs a lawyer's confirmation.
 */
confidence: string, 
/**
 * The first day of events this version counts (YYYY-MM-DD), if the law changed.
 */
in_force_from?: string | null, 
/**
 * The last day of events this version counts.
 */
in_force_until?: string | null, 
/**
 * Unit `date`: the day the law names.
 */
ends_on?: string | null, note?: string | null, };

export type RuleNames = { pl: string, en: string, uk: string, ru: string, };

export type Unit = "days" | "weeks" | "months" | "working_days" | "hours" | "date";

export type Shift = "kpa" | "ppsa" | "kpk" | "none";

export type LatestDue = { from: string, due: string, due_time: string | null, };

export type RuleBookVersion = { version: string, serial: number, published: string, };

export type ClientSummary = { id: string, display_name: string, birth_date: string | null, citizenship: string | null, updated_at: string, };

export type Vocabulary = { sexes: Array<string>, services: Array<string>, legal_statuses: Array<string>, 
/**
 * Each status's track (`residence`, `detention`, `return`, `dublin`).
 */
status_tracks: { [key in string]?: string }, 
/**
 * What a residence permit is given for.
 */
residence_purposes: Array<string>, vulnerabilities: Array<string>, 
/**
 * The vulnerabilities kept in the medical section, seen only by the roles that read it.
 */
sensitive_vulnerabilities: Array<string>, 
/**
 * Kinds of group activity.
 */
activity_kinds: Array<string>, 
/**
 * What a person's data is processed for, and the legal bases it may rest on.
 */
processing_purposes: Array<string>, legal_bases: Array<string>, 
/**
 * Languages offered first (ISO 639-1, and 639-3 where it keeps apart what 639-1 lumps:
 * Dari `prs` and Farsi `fa`); any known code is accepted.
 */
common_languages: Array<string>, matter_kinds: Array<string>, matter_statuses: Array<string>, identifier_kinds: Array<string>, cities: Array<string>, centres: Array<string>, deadline_rules: Array<DeadlineRule>, 
/**
 * The rule book deadlines are counted with now.
 */
rule_book: RuleBookVersion, };

export type SearchHit = { id: string, display_name: string, score: number, birth_date: string | null, citizenship: string | null, };

export type HistoryEntry = { 
/**
 * The change's hash (hex).
 */
hash: string, 
/**
 * When it was made, by the clock of the laptop that made it (RFC 3339, UTC).
 */
time: string, 
/**
 * The author's name as that laptop recorded it; `None` if it had none set.
 */
author: string | null, 
/**
 * The first eight hex digits of the device's actor id: tells laptops apart.
 */
device: string, 
/**
 * True when this laptop made the change.
 */
this_device: boolean, 
/**
 * The parts of the file it touched: `person`, `consultations`, `deadlines`, `summary`...
 */
sections: Array<string>, };

export type AttachmentView = { id: string, name: string, mime: string, size: number, added_at: string, added_by: string | null, };

export type FieldConflict = { 
/**
 * Dotted path from the file's root: `person.family_name`, `consultations.<id>.date`.
 */
path: string, 
/**
 * Every value, the one the file currently shows first.
 */
values: Array<JsonValue>, };

export type ClientView = { id: string, organisation: string, created_at: string, updated_at: string, display_name: string, person: PersonView, 
/**
 * The residence or protection status in force today.
 */
current_status: string | null, 
/**
 * Every track's status in force today (residence, detention, return, Dublin).
 */
statuses_in_force: Array<string>, legal_status: Array<LegalStatusView>, 
/**
 * The file's vulnerability flags, and the sensitive ones (health, torture, sexual
 * orientation: kept in the medical section) when this laptop's role reads them.
 */
vulnerabilities: Array<string>, 
/**
 * Whether this laptop's role sees and records sensitive flags.
 */
sensitive_visible: boolean, consents: Array<ConsentView>, 
/**
 * The legal bases of processing, and whether each is in force today.
 */
processing: Array<ProcessingView>, matters: Array<MatterView>, consultations: Array<ConsultationView>, deadlines: Array<DeadlineView>, summary: string, attachments: Array<AttachmentView>, 
/**
 * Restricted sections: that they exist, and whether this laptop's role may open them.
 */
sections: Array<SectionRefView>, 
/**
 * Referrals made from this file to other organisations.
 */
referrals: Array<ReferralRefView>, 
/**
 * Set when the id asked for was merged into this file: the id asked for.
 */
redirected_from: string | null, 
/**
 * Fields two people set at the same time on different laptops: every value kept, the
 * shown one first. Settle with `punkt client resolve`.
 */
conflicts: Array<FieldConflict>, };

export type PersonView = { given_names: string, family_name: string, given_names_original: string | null, family_name_original: string | null, birth_date: string | null, birth_date_approximate: boolean, sex: string, citizenships: Array<string>, stateless: boolean, languages: Array<string>, interpreter_needed: boolean, contact: { [key in string]?: string }, identifiers: Array<IdentifierView>, };

export type IdentifierView = { id: string, kind: string, number: string, issued_by: string | null, valid_until: string | null, };

export type LegalStatusView = { id: string, status: string, 
/**
 * `residence`, `detention`, `return` or `dublin`: tracks run side by side.
 */
track: string, from: string | null, until: string | null, centre: string | null, purpose: string | null, note: string | null, };

export type ConsentView = { id: string, clause: string, language: string, given_on: string, recorded_by: string | null, legal_basis: string | null, withdrawn_on: string | null, };

export type MatterView = { id: string, kind: string, authority: string | null, reference: string | null, status: string, opened: string | null, closed: string | null, note: string | null, };

export type ConsultationView = { id: string, date: string, place: PlaceInput, services: Array<string>, organisation: string, language: string | null, interpreter: boolean, duration_minutes: number | null, staff: string | null, matter_id: string | null, note: string, project: string | null, };

export type DeadlineView = { id: string, rule: string, from: string, due: string, uncertain: boolean, 
/**
 * For limits in hours: the hour it ends.
 */
due_time: string | null, 
/**
 * When the start is known only within a range: the deadline from its latest day.
 */
due_latest: string | null, 
/**
 * The rule book it was counted with.
 */
rules_version: string | null, done: boolean, matter_id: string | null, note: string | null, };

export type ClientInput = { given_names?: string | null, family_name?: string | null, names_original?: OriginalNamesInput | null, birth_date?: string | null, birth_date_approximate?: boolean | null, sex?: string | null, citizenships?: Array<string> | null, stateless?: boolean | null, languages?: Array<string> | null, interpreter_needed?: boolean | null, contact?: ContactInput | null, identifiers?: Array<IdentifierInput> | null, legal_status?: Array<LegalStatusInput> | null, vulnerabilities?: Array<string> | null, consents?: Array<ConsentInput> | null, 
/**
 * The legal bases of processing (see `processing.rs`).
 */
processing?: Array<ProcessingInput> | null, matters?: Array<MatterInput> | null, summary?: string | null, };

export type OriginalNamesInput = string | { given_names: string | null, family_name: string | null, };

export type ContactInput = { phone?: string | null, email?: string | null, address?: string | null, note?: string | null, };

export type IdentifierInput = { id?: string | null, kind: string, number: string, issued_by?: string | null, valid_until?: string | null, };

export type LegalStatusInput = { id?: string | null, status: string, from?: string | null, until?: string | null, centre?: string | null, 
/**
 * For a residence permit (temporary, permanent, EU long-term, CUKR): what it was given
 * for (`work`, `family`, `study`...).
 */
purpose?: string | null, note?: string | null, };

export type ConsentInput = { id?: string | null, clause: string, language: string, given_on: string, recorded_by?: string | null, legal_basis?: string | null, withdrawn_on?: string | null, };

export type MatterInput = { id?: string | null, kind: string, authority?: string | null, reference?: string | null, status?: string | null, opened?: string | null, closed?: string | null, note?: string | null, };

export type PlaceInput = { "kind": "point", city: string, } | { "kind": "centre", centre: string, } | { "kind": "remote" };

export type ConsultationInput = { date: string, place: PlaceInput, services: Array<string>, language?: string | null, interpreter: boolean, duration_minutes?: number | null, staff?: string | null, matter_id?: string | null, note: string, 
/**
 * Defaults to the store's organisation.
 */
organisation?: string | null, 
/**
 * A project code of the organisation's settings.
 */
project?: string | null, };

export type DeadlineInput = { rule: string, 
/**
 * The day of the event (delivery, announcement) or of the first notice.
 */
start: string, 
/**
 * `start` is the first notice of a letter not collected: delivery is deemed 14 days later.
 */
first_notice: boolean, 
/**
 * The start date is not certain (the person does not remember exactly).
 */
uncertain: boolean, 
/**
 * The start is known only within a range: its latest possible day (the earliest is
 * `start`); both deadlines are shown.
 */
start_latest?: string | null, 
/**
 * For limits in hours: the hour of the event, "HH:MM".
 */
time?: string | null, matter_id?: string | null, note?: string | null, 
/**
 * `rule` `custom-days` (a limit in days the court set), or a rule the decision sets
 * within a range (voluntary departure: 8 to 30 days since 7 April 2023).
 */
days?: number | null, 
/**
 * `rule` `custom-date`: the day the authority or the court named.
 */
due?: string | null, };

export type Report = { from: string, to: string, 
/**
 * The age bands' names, in order.
 */
age_bands: Array<string>, 
/**
 * The project the report is limited to.
 */
project: string | null, total: Count, 
/**
 * Per service (and "all"), then per dimension value and service.
 */
rows: Array<ReportRow>, activities: ActivityCount, activity_rows: Array<ActivityRowCount>, 
/**
 * Whether the sensitive vulnerabilities (health, torture, sexual orientation) are counted:
 * only on a laptop whose role reads the medical section they are kept in.
 */
sensitive_counted: boolean, };

export type ReportRow = { dimension: string, value: string, 
/**
 * A service, or "all".
 */
service: string, people: number, consultations: number, };

export type Count = { people: number, consultations: number, };

export type ReportOptions = { 
/**
 * Lower bounds of the age bands ([`DEFAULT_AGE_BANDS`] when absent).
 */
age_bands?: Array<number> | null, 
/**
 * Count only what was tagged with this project.
 */
project?: string | null, };

export type Disclosure = "external" | "internal";

export type ActivityCount = { activities: number, participants: number, 
/**
 * Women, men and children where recorded.
 */
female: number, male: number, children: number, };

export type ActivityRowCount = { 
/**
 * One of [`ACTIVITY_DIMENSIONS`].
 */
dimension: string, value: string, count: ActivityCount, };

export type ProjectInput = { code: string, name: string, funder: string | null, from: string | null, until: string | null, archived: boolean, };

export type ControllerInput = { legal_name: string, address?: string | null, contact?: string | null, registry?: string | null, dpo?: string | null, };

export type ProjectView = { code: string, name: string, funder: string | null, from: string | null, until: string | null, archived: boolean, 
/**
 * Consultations and group activities tagged with it, on this laptop.
 */
used: number, };

export type OrgSettingsView = { organisation: string, projects: Array<ProjectView>, controller: ControllerInput, 
/**
 * Whether this laptop may change them (a coordinator's, or one used alone).
 */
editable: boolean, };

export type ActivityInput = { 
/**
 * `course`, `training`, `info_session`, `hotline`, `border_intervention`, `outreach`, `other`.
 */
kind: string, date: string, place: PlaceInput, project?: string | null, topic: string, 
/**
 * How many took part (for a hotline: the calls answered).
 */
participants: number, female?: number | null, male?: number | null, 
/**
 * Under 18.
 */
children?: number | null, duration_minutes?: number | null, staff?: string | null, note: string, };

export type ActivityView = { id: string, organisation: string, kind: string, date: string, place: PlaceInput, project: string | null, topic: string, participants: number, female: number | null, male: number | null, children: number | null, duration_minutes: number | null, 
/**
 * Only when read from the document (not in lists).
 */
staff: string | null, note: string, };

export type ProcessingInput = { id?: string | null, 
/**
 * `legal_aid`, `representation`, `social_support`, `psychological_support`, `referral`,
 * `contact`.
 */
purpose: string, 
/**
 * `consent`, `contract`, `legal_obligation`, `vital_interest`, `legitimate_interest`,
 * `legal_claims`.
 */
basis: string, since: string, 
/**
 * For a basis of consent: the consent record's id.
 */
consent_id?: string | null, ended_on?: string | null, recorded_by?: string | null, note?: string | null, };

export type VisitInput = { 
/**
 * The guarded centre.
 */
centre: string, 
/**
 * The day of the visit.
 */
date: string, 
/**
 * A person already on file; otherwise `person` is taken in, detained at the centre
 * since the visit's day.
 */
client_id?: string | null, person?: ClientInput | null, services: Array<string>, note: string, 
/**
 * From a decision or letter the person shows.
 */
deadline?: DeadlineInput | null, };

export type VisitRecorded = { client_id: string, consultation_id: string, deadline: RecordedDeadline | null, 
/**
 * For a person taken in: files that may be the same person.
 */
likely_same: Array<ClientSummary>, };

export type ProcessingView = { id: string, purpose: string, basis: string, 
/**
 * The GDPR articles it rests on ("Art. 6(1)(f), 9(2)(f)").
 */
articles: string, since: string, consent_id: string | null, ended_on: string | null, 
/**
 * In force today (started, not ended, its consent not withdrawn).
 */
in_force: boolean, 
/**
 * Ended because the consent it rests on was withdrawn (on that day).
 */
consent_withdrawn_on: string | null, recorded_by: string | null, note: string | null, };

export type SyncStatus = { enrolment: Enrolment | null, pending_documents: number, cursor: number, last_sync: JsonValue | null, 
/**
 * The six digits a coordinator compares before giving this laptop keys (enrolled only).
 */
check_code: string | null, 
/**
 * Whether this laptop holds its organisation's key (it cannot sync files without).
 */
holds_keys: boolean, };

export type Enrolment = { server: string, device_id: string, organisation: string, user: string, role: string, };

export type SyncSummary = { 
/**
 * Documents the server confirmed.
 */
sent: number, 
/**
 * Documents changed here by what the server had.
 */
received: number, 
/**
 * Of those, documents new to this store.
 */
new_documents: number, 
/**
 * Documents whose histories had diverged: sent or fetched whole.
 */
reconciled: number, refused: Array<RefusedDocument>, 
/**
 * Erasures this laptop sent that the server confirmed.
 */
erasures_sent: number, 
/**
 * Documents erased elsewhere and deleted here (with a notice when edits were dropped).
 */
erased: Array<ErasedNotice>, 
/**
 * Documents back from an erasure: one the server refused (this laptop may not erase
 * them), or one a coordinator undid.
 */
restored: number, 
/**
 * Events recorded here (exports, merges) handed to the server's audit log.
 */
events_sent: number, 
/**
 * Why events could not be handed over this time (an error code); they wait for the next
 * sync.
 */
events_error: string | null, 
/**
 * Why the list of member organisations could not be fetched this time (an error code).
 */
directory_error: string | null, 
/**
 * Consortium tallies sent again because someone counted in them was erased.
 */
tallies_resent: number, 
/**
 * Why those could not be sent again this time (an error code); they wait for the next sync.
 */
tally_error: string | null, round_trips: number, bytes_sent: number, bytes_received: number, 
/**
 * Documents still waiting to go (edited during the sync, or refused).
 */
pending_after: number, cursor: number, duration_ms: number, finished_at: string, 
/**
 * This laptop has no keys of its organisation yet (protocol 6): the check code a
 * coordinator compares before giving them. Nothing else was synced.
 */
awaiting_keys: string | null, 
/**
 * Files a protocol 5 server held in clear that this laptop replaced by their sealed
 * history (the migration to protocol 6).
 */
migrated: number, 
/**
 * Laptops of the organisation this one gave keys to, because they proved a split code.
 */
keys_given: number, 
/**
 * Files whose history on the server this laptop replaced by a sealed snapshot, because
 * the server asked (many changes gathered there).
 */
compacted: number, 
/**
 * Scope keys this laptop rotated (started their next epoch), because the server asked:
 * a laptop holding them was revoked, or erased files were purged.
 */
keys_rotated: number, 
/**
 * Document keys this laptop wrapped under a rotated key's new epoch.
 */
keys_rewrapped: number, 
/**
 * Laptops of the organisation waiting for keys this one holds (a coordinator compares
 * their check codes and gives them: `punkt team keys`).
 */
waiting_for_keys: Array<WaitingLaptop>, 
/**
 * Organisations whose keys the server lists otherwise than this laptop can trust (a
 * key it did not sign, or one changed since seen): nothing is sealed to them until they
 * are listed right; their coordinators compare fingerprints by phone.
 */
org_keys_refused: Array<OrgKeyRefused>, 
/**
 * A newer rule book of deadlines this sync brought and this laptop now counts with.
 */
rule_book: RuleBookVersion | null, 
/**
 * Why the server's newer rule book was refused (the one in use stays).
 */
rule_book_error: string | null, };

export type SyncProgress = { phase: string, done: number, total: number, };

export type KeyRotation = { phase: string, bytes: number, };

export type RefusedDocument = { doc_id: string, code: string, message: string, };

export type ErasedNotice = { doc_id: string, 
/**
 * Changes made here that the server never had were dropped with it.
 */
dropped_unsent_changes: boolean, };

export type ImportSummary = { documents: number, 
/**
 * Documents changed here.
 */
changed: number, new_documents: number, 
/**
 * Documents that could not be applied (this machine lacks earlier changes: sync it with
 * the server first), or of another organisation.
 */
refused: Array<RefusedDocument>, };
