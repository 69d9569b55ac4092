//! The commands the UI calls: each one line over punkt-core (through [`Desk`]), errors as
//! [`UiError`]. Names and argument names are the IPC contract with `ui/src/ipc/commands.ts`
//! (checked by the bindings test).

use std::path::PathBuf;

use base64::Engine as _;
use serde::Serialize;
use tauri::{AppHandle, Emitter, State};
use zeroize::Zeroizing;

use punkt_core::activities::{ActivityInput, ActivityView};
use punkt_core::attachments::AttachmentView;
use punkt_core::audit::{FileAudit, AUDIT_LIMIT};
use punkt_core::conflicts::FieldConflict;
use punkt_core::dto::DeadlineInput;
use punkt_core::duplicates::{DuplicatePair, MergeSummary};
use punkt_core::erase::{ErasurePlan, ErasureReport};
use punkt_core::history::HistoryEntry;
use punkt_core::home::{passphrase_strength as rate, BoardPage, Home, PassphraseStrength};
use punkt_core::import::{ImportOptions, ImportReport};
use punkt_core::organisation::{ControllerInput, OrgSettingsView, ProjectInput};
use punkt_core::referrals::{ReferralInput, ReferralView};
use punkt_core::report::{Disclosure, Report, ReportFormat, ReportOptions};
use punkt_core::retention::{RetentionReport, RetentionRule};
use punkt_core::search::SearchHit;
use punkt_core::sections::{SectionNoteInput, SectionView};
use punkt_core::sync::{
    Enrolment, ImportSummary, SyncProgress, SyncStatus, SyncSummary, Transport,
};
use punkt_core::views::{
    self, AuditEntry, ClientSummary, ConsortiumCount, EnrolCode, HeldErasure, TallyReceipt, Team,
};
use punkt_core::vocabulary::Vocabulary;
use punkt_core::{ClientInput, ClientView, ConsultationInput, RecordedDeadline};
use punkt_model::deadlines::DueDate;

use crate::desk::Desk;
use crate::error::{UiError, UiResult};
use crate::settings::{Settings, AUTOLOCK_MINUTES, LANGUAGES};

/// Commands that are one call on the unlocked store ([`Desk::with`]): each
/// `fn name(arg: Type, …) -> Answer = |p| call;` is the command `name`, taking those arguments
/// and answering `UiResult<Answer>`, that runs `call` with `p` the store.
macro_rules! store_commands {
    ($($(#[$attr:meta])* fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty = |$p:ident| $call:expr;)*) => {
        $(
            $(#[$attr])*
            #[tauri::command]
            pub async fn $name(desk: State<'_, Desk>, $($arg: $ty),*) -> UiResult<$ret> {
                desk.with(|$p| Ok($call?))
            }
        )*
    };
}

/// Event sent when the store locked itself (idle) so the UI drops what it shows.
pub const EVENT_LOCKED: &str = "punkt://locked";
/// Event sent while a sync runs.
pub const EVENT_SYNC_PROGRESS: &str = "punkt://sync-progress";
/// Where a key rotation is (`punkt_store::KeyRotation`).
pub const EVENT_KEY_ROTATION: &str = "punkt://key-rotation";

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct AppInfo {
    pub version: String,
    pub data_dir: String,
    pub store_exists: bool,
    pub unlocked: bool,
    pub settings: Settings,
    pub languages: Vec<String>,
    pub autolock_choices: Vec<u32>,
    /// Whether SQLCipher's memory security is on in this process now (it stays on after the
    /// setting is turned off, until the app restarts).
    pub memory_hardened: bool,
}

/// A consortium key made on this laptop: shown once, to be given to the other coordinators.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ConsortiumKey {
    pub key: String,
    pub key_id: String,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Intake {
    pub id: String,
    /// Other files that look like the same person (same names and birth date).
    pub likely_same: Vec<ClientSummary>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct AttachmentData {
    pub attachment: AttachmentView,
    /// The bytes, base64.
    pub data: String,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct SavedFile {
    pub path: String,
    pub bytes: u64,
}

/// The certificate authority a test server's certificate is signed by, when the environment
/// names one (tests and a consortium's own CA); the system's roots otherwise.
fn ca_cert() -> Option<PathBuf> {
    std::env::var_os("PUNKT_CA_CERT").map(PathBuf::from)
}

/// Run `work` on a blocking thread: it waits on the network or on the key derivation, which
/// must not hold an async worker. A thread that did not finish (it panicked) is reported with
/// the error `code`.
async fn blocking<T: Send + 'static>(
    code: &'static str,
    work: impl FnOnce() -> UiResult<T> + Send + 'static,
) -> UiResult<T> {
    tauri::async_runtime::spawn_blocking(work)
        .await
        .map_err(|e| UiError::new(code, e.to_string()))?
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

fn decode(data: &str) -> UiResult<Vec<u8>> {
    b64().decode(data).map_err(|e| {
        UiError::new(
            "invalid_input",
            format!("the file did not arrive whole: {e}"),
        )
    })
}

fn date(s: &str) -> UiResult<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| UiError::new("invalid_input", format!("'{s}' is not a date (YYYY-MM-DD)")))
}

/// Where exports go: the user's Downloads folder, else `exports` beside the store.
fn exports_dir(desk: &Desk) -> PathBuf {
    if let Ok(dir) = std::env::var("PUNKT_EXPORTS") {
        return PathBuf::from(dir);
    }
    directories::UserDirs::new()
        .and_then(|u| u.download_dir().map(|d| d.to_path_buf()))
        .unwrap_or_else(|| desk.dir().join("exports"))
}

fn save(desk: &Desk, name: &str, bytes: &[u8]) -> UiResult<SavedFile> {
    let dir = exports_dir(desk);
    let path = dir.join(name);
    std::fs::create_dir_all(&dir)
        .and_then(|_| std::fs::write(&path, bytes))
        .map_err(|e| UiError::new("io", format!("cannot write {}: {e}", path.display())))?;
    // A revoked laptop's wipe removes what was exported from it too.
    desk.with(|p| Ok(p.store().record_export(&path)?))?;
    Ok(SavedFile {
        path: path.display().to_string(),
        bytes: bytes.len() as u64,
    })
}

// ---- session -------------------------------------------------------------------------------

#[tauri::command]
pub async fn app_info(desk: State<'_, Desk>) -> UiResult<AppInfo> {
    Ok(AppInfo {
        version: env!("CARGO_PKG_VERSION").to_string(),
        data_dir: desk.dir().display().to_string(),
        store_exists: desk.store_exists(),
        unlocked: desk.is_unlocked(),
        settings: desk.settings(),
        languages: LANGUAGES.iter().map(|l| l.to_string()).collect(),
        autolock_choices: AUTOLOCK_MINUTES.to_vec(),
        memory_hardened: punkt_store::memory_hardened().unwrap_or(false),
    })
}

#[tauri::command]
pub async fn save_settings(desk: State<'_, Desk>, settings: Settings) -> UiResult<()> {
    desk.save_settings(settings)
}

#[tauri::command]
pub async fn passphrase_strength(
    passphrase: String,
    guessable: Vec<String>,
) -> UiResult<PassphraseStrength> {
    Ok(rate(
        &passphrase,
        &guessable.iter().map(String::as_str).collect::<Vec<_>>(),
    ))
}

#[tauri::command]
pub async fn create_store(
    desk: State<'_, Desk>,
    organisation: String,
    author: String,
    passphrase: String,
) -> UiResult<()> {
    let passphrase = Zeroizing::new(passphrase);
    desk.create(&organisation, &author, &passphrase)
}

#[tauri::command]
pub async fn unlock(desk: State<'_, Desk>, passphrase: String) -> UiResult<()> {
    let passphrase = Zeroizing::new(passphrase);
    desk.unlock(&passphrase)
}

#[tauri::command]
pub async fn lock(desk: State<'_, Desk>) -> UiResult<()> {
    desk.lock();
    Ok(())
}

/// Stop the long work the screen named `job` (a sync, an import, a report, a retention run) at
/// its next step, and no other: a sync keeps what it stored and goes on from there next time,
/// a sync file's import keeps the batches it imported, a register's import writes nothing.
/// Whether that work was running (a Stop that comes before it starts is kept for it).
///
/// Not `async`: it runs on the main thread, so it is heard even when every async worker waits
/// for the session that long work holds.
#[tauri::command]
pub fn cancel_work(desk: State<'_, Desk>, job: String) -> UiResult<bool> {
    Ok(desk.stop(&job))
}

/// Run long work that the person may stop (named `job`) off the async workers and beside the
/// session ([`Desk::aside`]): other screens go on meanwhile. `work` asks its `go_on` between
/// its steps.
async fn long_work<T: Send + 'static>(
    desk: &State<'_, Desk>,
    job: Option<String>,
    work: impl FnOnce(&mut punkt_core::Punkt, &dyn Fn() -> bool) -> punkt_core::Result<T>
        + Send
        + 'static,
) -> UiResult<T> {
    let desk = desk.inner().clone();
    blocking("unknown", move || desk.aside(&desk.job(job), work)).await
}

#[tauri::command]
pub async fn touch(desk: State<'_, Desk>) -> UiResult<()> {
    desk.touch();
    Ok(())
}

/// Change the passphrase; with `rotate_key` the data key too (the whole store re-encrypted,
/// progress as [`EVENT_KEY_ROTATION`] events), off the async workers.
#[tauri::command]
pub async fn change_passphrase(
    app: AppHandle,
    desk: State<'_, Desk>,
    old: String,
    new: String,
    rotate_key: bool,
) -> UiResult<()> {
    let (old, new) = (Zeroizing::new(old), Zeroizing::new(new));
    let desk = desk.inner().clone();
    blocking("key_rotation_failed", move || {
        desk.change_passphrase(&old, &new, rotate_key, &mut |p| {
            let _ = app.emit(EVENT_KEY_ROTATION, views::KeyRotation::from(p));
        })
    })
    .await
}

store_commands! {
    fn set_author(name: String) -> () = |p| p.set_author(&name);
}

// ---- reading -------------------------------------------------------------------------------

store_commands! {
    fn home() -> Home = |p| p.home(12);

    fn deadline_board(within_days: Option<u32>, limit: u32) -> BoardPage = |p|
        p.board_page(within_days, limit as usize);
}

#[tauri::command]
pub async fn vocabulary(desk: State<'_, Desk>) -> UiResult<Vocabulary> {
    desk.with(|p| Ok(p.vocabulary()))
}

store_commands! {
    fn search(query: String, limit: u32) -> Vec<SearchHit> = |p| p.search(&query, limit as usize);

    fn client(id: String) -> ClientView = |p| p.client_view(&id);

    fn client_history(id: String) -> Vec<HistoryEntry> = |p| p.client_history(&id);

    fn likely_same_as(input: ClientInput) -> Vec<ClientSummary> = |p| p.likely_same_as(&input);

    fn compute_deadline(input: DeadlineInput) -> DueDate = |p|
        p.compute_deadline(&input.into_request()?);
}

// ---- writing -------------------------------------------------------------------------------

#[tauri::command]
pub async fn intake(desk: State<'_, Desk>, input: ClientInput) -> UiResult<Intake> {
    desk.with(|p| {
        let id = p.add_client(input)?;
        Ok(Intake {
            likely_same: p.likely_same_person(&id)?,
            id,
        })
    })
}

store_commands! {
    /// One person of a visit to a guarded centre, in one write (`punkt_core::visit`).
    fn record_visit(input: punkt_core::visit::VisitInput) -> punkt_core::visit::VisitRecorded = |p|
        p.record_visit(input);

    fn update_client(id: String, input: ClientInput) -> ClientView = |p| {
        p.update_client(&id, input)?;
        p.client_view(&id)
    };

    fn add_consultation(id: String, input: ConsultationInput) -> String = |p|
        p.add_consultation(&id, input);

    fn add_deadline(id: String, input: DeadlineInput) -> RecordedDeadline = |p|
        p.add_deadline(&id, input.into_request()?);

    fn set_deadline_done(id: String, deadline_id: String, done: bool) -> () = |p|
        p.set_deadline_done(&id, &deadline_id, done);

    fn resolve_conflict(id: String, path: String, value: serde_json::Value)
        -> Vec<FieldConflict> = |p| {
        p.resolve_conflict(&id, &path, &value)?;
        p.conflicts(&id)
    };
}

#[tauri::command]
pub async fn add_attachment(
    desk: State<'_, Desk>,
    id: String,
    name: String,
    data: String,
) -> UiResult<AttachmentView> {
    let bytes = decode(&data)?;
    desk.with(|p| Ok(p.add_attachment(&id, &name, &bytes)?))
}

#[tauri::command]
pub async fn attachment(
    desk: State<'_, Desk>,
    id: String,
    attachment_id: String,
) -> UiResult<AttachmentData> {
    desk.with(|p| {
        let content = p.attachment(&id, &attachment_id)?;
        Ok(AttachmentData {
            attachment: content.view,
            data: b64().encode(&content.bytes),
        })
    })
}

store_commands! {
    fn duplicates(limit: u32) -> Vec<DuplicatePair> = |p| p.duplicates(limit as usize);

    fn merge_clients(keep: String, other: String) -> MergeSummary = |p|
        p.merge_clients(&keep, &other);

    /// What erasing a file would delete, for the question before it.
    fn erasure_plan(id: String) -> ErasurePlan = |p| p.erasure_plan(&id);

    /// Erase a person's file for good (GDPR Art. 17), here and, after sync, everywhere.
    fn erase_client(id: String) -> ErasureReport = |p| p.erase_client(&id);

    /// The role of the person on this laptop (the server's once enrolled).
    fn role() -> Option<String> = |p| p.role();

    fn set_local_role(role: String) -> () = |p| p.set_local_role(&role);

    fn section(client_id: String, section_id: String) -> SectionView = |p|
        p.section(&client_id, &section_id);

    fn add_section_note(client_id: String, section: String, input: SectionNoteInput)
        -> SectionView = |p|
        p.add_section_note(&client_id, &section, input);

    fn referrals() -> Vec<ReferralView> = |p| p.referrals();

    /// The member organisations a referral may go to, as the server listed them at the last sync
    /// (empty before the first).
    fn organisations() -> Vec<String> = |p| p.organisations();

    fn refer(client_id: String, input: ReferralInput) -> ReferralView = |p|
        p.refer(&client_id, input);

    fn respond_referral(id: String, status: String, note: String) -> ReferralView = |p|
        p.respond_referral(&id, &status, &note);
}

// ---- consortium, retention, audit ----------------------------------------------------------

/// Run `f` with a transport to the enrolled server, off the async workers and on a second
/// connection to the store, so the session is not held while it waits on the network
/// ([`Desk::online`]).
async fn with_server<T: Send + 'static>(
    desk: &State<'_, Desk>,
    f: impl FnOnce(&mut punkt_core::Punkt, &mut dyn Transport) -> punkt_core::Result<T> + Send + 'static,
) -> UiResult<T> {
    let desk = desk.inner().clone();
    blocking("sync_failed", move || {
        let ca = ca_cert();
        desk.online(&desk.job(None), |p| p.transport(ca.as_deref()), f)
    })
    .await
}

store_commands! {
    fn consortium_key_id() -> Option<String> = |p| p.consortium_key_id();

    /// The months whose tallies wait to be sent again (someone counted in them was erased).
    fn stale_tally_months() -> Vec<String> = |p| p.stale_tally_months();
}

/// Make a new consortium key and keep it here; the key is shown once.
#[tauri::command]
pub async fn new_consortium_key(desk: State<'_, Desk>) -> UiResult<ConsortiumKey> {
    desk.with(|p| {
        let key = punkt_core::consortium::new_key();
        let key_id = p.set_consortium_key(&key)?;
        Ok(ConsortiumKey { key, key_id })
    })
}

#[tauri::command]
pub async fn set_consortium_key(desk: State<'_, Desk>, key: String) -> UiResult<String> {
    let key = Zeroizing::new(key);
    desk.with(|p| Ok(p.set_consortium_key(&key)?))
}

#[tauri::command]
pub async fn send_consortium_tally(
    desk: State<'_, Desk>,
    from: String,
    to: String,
) -> UiResult<Vec<TallyReceipt>> {
    with_server(&desk, move |p, t| {
        p.send_consortium_tally(t, &from, &to).map(views::all)
    })
    .await
}

#[tauri::command]
pub async fn consortium_count(
    desk: State<'_, Desk>,
    from: String,
    to: String,
) -> UiResult<ConsortiumCount> {
    with_server(&desk, move |p, t| {
        p.consortium_count(t, &from, &to).map(Into::into)
    })
    .await
}

store_commands! {
    fn retention_rule() -> Option<RetentionRule> = |p| p.retention_rule();

    fn set_retention_rule(rule: Option<RetentionRule>) -> () = |p| p.set_retention_rule(rule);
}

/// What the retention rule would do (`apply` false) or did.
#[tauri::command]
pub async fn run_retention(
    desk: State<'_, Desk>,
    apply: bool,
    job: Option<String>,
) -> UiResult<RetentionReport> {
    // Stop (`cancel_work`) ends it while it examines the files, before anything is written.
    long_work(&desk, job, move |p, go_on| {
        p.run_retention_with(apply, &mut || go_on())
    })
    .await
}

/// A file's audit timeline: the server's log when this laptop is enrolled (a coordinator's),
/// events recorded here, and the file's history.
#[tauri::command]
pub async fn file_audit(desk: State<'_, Desk>, id: String) -> UiResult<FileAudit> {
    let enrolled = desk.with(|p| Ok(p.enrolment()?.is_some()))?;
    if !enrolled {
        return desk.with(|p| Ok(p.file_audit(None, &id)?));
    }
    with_server(&desk, move |p, t| p.file_audit(Some(t), &id)).await
}

/// The organisation's audit log on the server (coordinators).
#[tauri::command]
pub async fn server_audit(desk: State<'_, Desk>) -> UiResult<Vec<AuditEntry>> {
    with_server(&desk, move |p, t| {
        p.server_audit(t, &[], AUDIT_LIMIT).map(views::all)
    })
    .await
}

/// The organisation's people and laptops (coordinators).
#[tauri::command]
pub async fn team(desk: State<'_, Desk>) -> UiResult<Team> {
    with_server(&desk, move |p, t| p.team(t).map(Into::into)).await
}

/// Approve or decline what another coordinator asked for (coordinators).
#[tauri::command]
pub async fn approve(desk: State<'_, Desk>, id: String, approve: bool) -> UiResult<Team> {
    with_server(&desk, move |p, t| {
        p.approve(t, &id, approve).map(Into::into)
    })
    .await
}

/// The erasures the server can still undo (coordinators).
#[tauri::command]
pub async fn held_erasures(desk: State<'_, Desk>) -> UiResult<Vec<HeldErasure>> {
    with_server(&desk, move |p, t| p.held_erasures(t).map(views::all)).await
}

/// Undo one erasure within its grace period (coordinators); the erasures left.
#[tauri::command]
pub async fn undo_erasure(desk: State<'_, Desk>, batch: String) -> UiResult<Vec<HeldErasure>> {
    with_server(&desk, move |p, t| p.undo_erasure(t, &batch).map(views::all)).await
}

/// Revoke one of the organisation's laptops (coordinators).
#[tauri::command]
pub async fn revoke_device(desk: State<'_, Desk>, device_id: String) -> UiResult<Team> {
    with_server(&desk, move |p, t| {
        p.revoke_device(t, &device_id).map(Into::into)
    })
    .await
}

/// Publish a rule book of deadlines (the JSON file's text) for the consortium (coordinators):
/// signed with the organisation's key, used here from now on.
#[tauri::command]
pub async fn publish_rule_book(
    desk: State<'_, Desk>,
    book: String,
) -> UiResult<punkt_model::deadlines::RuleBookVersion> {
    with_server(&desk, move |p, t| p.publish_rule_book(t, &book)).await
}

/// This laptop's check code and the organisation's laptops waiting for keys it holds.
#[tauri::command]
pub async fn keys_waiting(desk: State<'_, Desk>) -> UiResult<punkt_core::keys::KeysWaiting> {
    with_server(&desk, move |p, t| p.keys_waiting(t)).await
}

/// Give this laptop's keys to a laptop of the organisation, once a person compared the check
/// code it shows; the scopes given.
#[tauri::command]
pub async fn give_keys(
    desk: State<'_, Desk>,
    device_id: String,
    check_code: String,
) -> UiResult<Vec<String>> {
    with_server(&desk, move |p, t| p.give_keys(t, &device_id, &check_code)).await
}

/// A one-time enrolment code for one of the organisation's people (coordinators).
#[tauri::command]
pub async fn make_enrol_code(
    desk: State<'_, Desk>,
    user: String,
    hours: u32,
) -> UiResult<EnrolCode> {
    with_server(&desk, move |p, t| {
        p.enrol_code(t, &user, hours).map(Into::into)
    })
    .await
}

/// Add a person to the organisation (coordinators).
#[tauri::command]
pub async fn add_team_user(desk: State<'_, Desk>, name: String, role: String) -> UiResult<Team> {
    with_server(&desk, move |p, t| {
        p.add_team_user(t, &name, &role).map(Into::into)
    })
    .await
}

store_commands! {
    /// Take back a referral the server never took (an organisation it does not know).
    fn discard_referral(client_id: String, referral_id: String) -> () = |p|
        p.discard_referral(&client_id, &referral_id);
}

/// An access request (GDPR Art. 15): the JSON with the attachments' bytes and the readable
/// document in `lang`, both written to the export folder (they hold personal data).
#[tauri::command]
pub async fn access_request(
    desk: State<'_, Desk>,
    id: String,
    lang: String,
) -> UiResult<Vec<SavedFile>> {
    let (json, html) = desk.with(|p| {
        let json = serde_json::to_vec_pretty(&p.access_request(&id)?)
            .map_err(|e| UiError::new("export_failed", e.to_string()))?;
        Ok((json, p.access_document(&id, &lang)?))
    })?;
    let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S");
    Ok(vec![
        save(&desk, &format!("punkt-access-{stamp}.json"), &json)?,
        save(
            &desk,
            &format!("punkt-access-{stamp}.html"),
            html.as_bytes(),
        )?,
    ])
}

// ---- drafts --------------------------------------------------------------------------------

store_commands! {
    fn save_draft(name: String, draft: serde_json::Value) -> () = |p| p.save_draft(&name, &draft);

    fn draft(name: String) -> Option<serde_json::Value> = |p| p.draft(&name);

    fn delete_draft(name: String) -> () = |p| p.delete_draft(&name);
}

// ---- reports -------------------------------------------------------------------------------

#[tauri::command]
pub async fn report(
    desk: State<'_, Desk>,
    from: String,
    to: String,
    options: ReportOptions,
    job: Option<String>,
) -> UiResult<Report> {
    let (from, to) = (date(&from)?, date(&to)?);
    // Stop (`cancel_work`) ends it between two of its steps; it only reads.
    long_work(&desk, job, move |p, go_on| {
        p.report_with(from, to, &options, &mut || go_on())
    })
    .await
}

/// `disclosure`: `external` (leaving the organisation: counts of 1 to 4 people as "<5") or
/// `internal` (exact).
#[tauri::command]
pub async fn export_report(
    desk: State<'_, Desk>,
    from: String,
    to: String,
    options: ReportOptions,
    format: String,
    disclosure: Disclosure,
    lang: String,
) -> UiResult<SavedFile> {
    let (from, to) = (date(&from)?, date(&to)?);
    let fmt: ReportFormat = format.parse().map_err(UiError::from)?;
    let (report, bytes) =
        desk.with(|p| Ok(p.export_report(from, to, &options, fmt, disclosure, &lang)?))?;
    let project = report.project.map(|p| format!("-{p}")).unwrap_or_default();
    save(
        &desk,
        &format!("punkt-report{project}-{from}-{to}.{format}"),
        &bytes,
    )
}

// ---- the organisation's projects, group activities -------------------------------------------

store_commands! {
    fn org_settings() -> OrgSettingsView = |p| p.org_settings_view();

    fn put_project(input: ProjectInput) -> OrgSettingsView = |p| p.put_project(input);

    fn put_controller(input: ControllerInput) -> OrgSettingsView = |p| p.put_controller(input);
}

/// The record of processing activities (GDPR Art. 30) or the impact assessment template
/// (Art. 35), `which` = `record` or `dpia`, in `lang`, saved as an HTML file to complete.
#[tauri::command]
pub async fn gdpr_document(
    desk: State<'_, Desk>,
    which: String,
    lang: String,
) -> UiResult<SavedFile> {
    let html = desk.with(|p| {
        Ok(match which.as_str() {
            "record" => p.processing_record(&lang)?,
            "dpia" => p.dpia_template(&lang)?,
            other => {
                return Err(UiError::new(
                    "invalid_input",
                    format!("'{other}' is not record or dpia"),
                ))
            }
        })
    })?;
    let name = if which == "record" {
        "rejestr-czynnosci-przetwarzania"
    } else {
        "ocena-skutkow-dpia"
    };
    save(&desk, &format!("punkt-{name}-{lang}.html"), html.as_bytes())
}

#[tauri::command]
pub async fn activities(
    desk: State<'_, Desk>,
    from: String,
    to: String,
) -> UiResult<Vec<ActivityView>> {
    let (from, to) = (date(&from)?, date(&to)?);
    desk.with(|p| Ok(p.activities(from, to)?))
}

store_commands! {
    fn activity(id: String) -> ActivityView = |p| p.activity(&id);

    fn record_activity(input: ActivityInput) -> ActivityView = |p| p.record_activity(input);

    fn update_activity(id: String, input: ActivityInput) -> ActivityView = |p|
        p.update_activity(&id, input);

    fn remove_activity(id: String) -> () = |p| p.remove_activity(&id);
}

// ---- sync ----------------------------------------------------------------------------------

store_commands! {
    fn sync_status() -> SyncStatus = |p| p.sync_status();
}

#[tauri::command]
pub async fn enroll(
    desk: State<'_, Desk>,
    server: String,
    code: String,
    device_name: String,
) -> UiResult<Enrolment> {
    let ca = ca_cert();
    desk.with(|p| Ok(p.enroll(&server, &code, &device_name, ca.as_deref())?))
}

/// Sync with the enrolled server. Runs off the async workers and on a second connection to
/// the store ([`Desk::sync`]): the person goes on working, and Lock stops it. Progress goes out
/// as [`EVENT_SYNC_PROGRESS`] events; a laptop the server revoked is wiped and locked.
#[tauri::command]
pub async fn sync_now(
    app: AppHandle,
    desk: State<'_, Desk>,
    job: Option<String>,
) -> UiResult<SyncSummary> {
    let desk = desk.inner().clone();
    blocking("sync_failed", move || {
        let ca = ca_cert();
        let progress_app = app.clone();
        let result = desk.sync(
            &desk.job(job),
            |p| p.transport(ca.as_deref()),
            move |p, t| {
                let mut progress = |s: SyncProgress| {
                    let _ = progress_app.emit(EVENT_SYNC_PROGRESS, s);
                };
                p.sync_with(t, &mut progress)
            },
        );
        if result.is_err() && !desk.is_unlocked() {
            // Locked meanwhile, or wiped on the server's word: the window shows the lock.
            let _ = app.emit(EVENT_LOCKED, ());
        }
        result
    })
    .await
}

#[tauri::command]
pub async fn export_sync_file(
    desk: State<'_, Desk>,
    passphrase: String,
    all: bool,
) -> UiResult<SavedFile> {
    let passphrase = Zeroizing::new(passphrase);
    let kdf = punkt_store::KdfParams::from_env();
    let (bytes, _summary) = desk.with(|p| Ok(p.export_changes(&passphrase, all, kdf)?))?;
    let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S");
    save(&desk, &format!("punkt-sync-{stamp}.punktsync"), &bytes)
}

/// Import a CSV register (`data`, base64) kept before Punkt. A dry run only checks; otherwise
/// every accepted row goes in one transaction, or none when a row is rejected and
/// `skip_invalid` is false. Progress as a sync's (phases `check`, `write`); Stop
/// (`cancel_work`) ends it with nothing written.
#[tauri::command]
pub async fn import_register(
    app: AppHandle,
    desk: State<'_, Desk>,
    data: String,
    dry_run: bool,
    skip_invalid: bool,
    job: Option<String>,
) -> UiResult<ImportReport> {
    let bytes = decode(&data)?;
    let opts = ImportOptions {
        dry_run,
        skip_invalid,
    };
    long_work(&desk, job, move |p, go_on| {
        p.import_csv_with(&bytes, opts, &mut told(&app, go_on))
    })
    .await
}

/// A progress callback for long work: each step told to the window as a sync's progress, and
/// whether to go on (`go_on`: not stopped, not locked).
fn told<'a>(
    app: &'a AppHandle,
    go_on: &'a dyn Fn() -> bool,
) -> impl FnMut(SyncProgress) -> bool + 'a {
    move |s| {
        let _ = app.emit(EVENT_SYNC_PROGRESS, &s);
        go_on()
    }
}

#[tauri::command]
pub async fn import_sync_file(
    app: AppHandle,
    desk: State<'_, Desk>,
    data: String,
    passphrase: String,
    job: Option<String>,
) -> UiResult<ImportSummary> {
    let passphrase = Zeroizing::new(passphrase);
    let bytes = decode(&data)?;
    // Progress as a sync's (phase `import`); Stop (`cancel_work`) ends it between two batches,
    // keeping the batches imported.
    long_work(&desk, job, move |p, go_on| {
        p.import_changes_with(&bytes, &passphrase, &mut told(&app, go_on))
    })
    .await
}
