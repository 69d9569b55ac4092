//! What the server keeps, behind a trait: organisations, people, devices, one-time enrolment
//! codes, documents with their owner and access list, the change sequence, and the audit log.
//! SQLite (`sqlite.rs`) is the embedded default; PostgreSQL (`postgres.rs`) lets several server
//! instances share one database.

pub mod postgres;
pub mod sql;
pub mod sqlite;

use std::future::Future;

use punkt_sync::wire::{KeyGrant, OrgKeys, ScopeEpoch, SharedKey, SignedRuleBook, WrappedKey};
use punkt_sync::Hash;
use serde::Serialize;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum StorageError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Exists(String),
    #[error("{0}")]
    Invalid(String),
    #[error("database error: {0}")]
    Database(String),
}

impl From<rusqlite::Error> for StorageError {
    fn from(e: rusqlite::Error) -> Self {
        StorageError::Database(e.to_string())
    }
}

impl From<tokio_postgres::Error> for StorageError {
    fn from(e: tokio_postgres::Error) -> Self {
        StorageError::Database(e.to_string())
    }
}

pub type Result<T, E = StorageError> = std::result::Result<T, E>;

pub use punkt_sync::access::ROLES;

/// An enrolled device and whose it is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Device {
    pub device_id: String,
    pub name: String,
    pub user: String,
    pub organisation: String,
    pub role: String,
    pub enrolled_at: String,
    pub last_seen: Option<String>,
    pub revoked_at: Option<String>,
    /// Its X25519 public key (protocol 6): what scope keys are sealed to.
    #[serde(skip)]
    pub public_key: Option<Vec<u8>>,
    /// Enrolled with a split code: that code's sealed record (a `CodeRecord` in postcard)
    /// and the laptop's proof of the part the server never saw.
    #[serde(skip)]
    pub code_record: Option<Vec<u8>>,
    #[serde(skip)]
    pub proof: Option<Vec<u8>>,
}

/// A laptop being enrolled: the id and token the server made for it, what it sent.
#[derive(Debug, Clone)]
pub struct NewDevice {
    pub device_id: String,
    pub name: String,
    pub token_hash: [u8; 32],
    pub public_key: Option<[u8; 32]>,
    /// Its proof of a split code's secret part.
    pub proof: Option<Vec<u8>>,
}

/// A document as the server stores it.
#[derive(Debug, Clone)]
pub struct ServerDoc {
    pub id: String,
    pub kind: String,
    pub owner_org: String,
    /// Organisations other than the owner that may read and write it.
    pub access: Vec<String>,
    pub snapshot: Vec<u8>,
    pub changes: Vec<Vec<u8>>,
    pub heads: Vec<Hash>,
    pub seq: u64,
    /// The device that first pushed it, and when (unix seconds); none for documents stored
    /// before the server kept it.
    pub created_by: Option<String>,
    pub created_at: Option<i64>,
}

/// Who erased documents, in which request (`batch`), and when: the server holds the bytes for
/// a grace period, so a coordinator can undo an erasure done by mistake or by a stolen laptop.
#[derive(Debug, Clone)]
pub struct Hold {
    pub batch: String,
    pub device_id: String,
    pub user: String,
    pub at: i64,
}

/// A document erased within the grace period, whose bytes the server still holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HeldDoc {
    pub doc_id: String,
    pub kind: String,
    pub owner_org: String,
    pub batch: String,
    pub erased_at: i64,
    pub device_id: String,
    pub user: String,
}

/// Something waiting for a second coordinator (see `punkt_sync::wire::PendingApproval`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Approval {
    pub id: String,
    pub organisation: String,
    /// `add_user`, `enrol_code` or `revoke`.
    pub action: String,
    pub subject: String,
    pub role: Option<String>,
    /// For `enrol_code`: when the code asked for would expire (it is made at the approval,
    /// valid for as long as was asked).
    pub expires_at: Option<i64>,
    pub requested_by: String,
    pub requested_device: String,
    pub requested_at: i64,
}

/// A write of a document, applied only if the stored heads are still `expected_heads`
/// (per-document serialisation that also holds across server instances).
#[derive(Debug, Clone)]
pub struct DocWrite {
    pub id: String,
    pub kind: String,
    pub owner_org: String,
    /// `None`: the document must not exist yet.
    pub expected_heads: Option<Vec<Hash>>,
    /// For a new document, or a compaction: the snapshot replacing the stored one (and its
    /// changes).
    pub snapshot: Option<Vec<u8>>,
    /// Changes to append (hash, bytes).
    pub changes: Vec<(Hash, Vec<u8>)>,
    pub heads: Vec<Hash>,
    /// For a new document: the device pushing it, and when (unix seconds).
    pub created_by: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteOutcome {
    /// Stored with this sequence number.
    Stored(u64),
    /// The document changed meanwhile (or exists / does not exist against expectation):
    /// reload and try again.
    Conflict,
}

/// One entry of "what changed since".
#[derive(Debug, Clone, PartialEq)]
pub struct Changed {
    pub id: String,
    pub kind: String,
    pub owner_org: String,
    pub heads: Vec<Hash>,
    pub seq: u64,
    /// Put back by [`Storage::restore_held`] (an erasure undone), not erased since.
    pub undone: bool,
}

/// An audit event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEvent {
    pub at: String,
    /// `enrol`, `enrol_refused`, `revoke`, `sync`, `refused`, `read`...
    pub action: String,
    pub device_id: Option<String>,
    pub user: Option<String>,
    pub organisation: Option<String>,
    pub doc_id: Option<String>,
    pub detail: String,
    /// For events a device recorded (exports, merges): its id, so a retry logs it once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
}

/// One organisation's tally of one month, as the server keeps it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TallyMonth {
    pub organisation: String,
    pub month: String,
    pub key_id: String,
    pub people: u64,
    pub sent_at: String,
}

/// One organisation's tally of one month as a laptop sends it ([`Storage::replace_tally`]).
#[derive(Debug, Clone, PartialEq)]
pub struct TallyUpload {
    pub org: String,
    pub month: String,
    pub key_id: String,
    pub sent_at: String,
    /// Each person (a keyed hash) with their services.
    pub people: Vec<([u8; 32], Vec<String>)>,
    /// Only when the organisation has a tally of that month already (a month sent again).
    pub only_if_present: bool,
}

/// One person (a keyed hash) given one service by one organisation in a period.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TallyRow {
    pub organisation: String,
    pub person: [u8; 32],
    pub service: String,
}

/// The checks both back-ends make before they write.
///
/// A role a person may be given; the refusal names the roles there are.
pub fn check_role(role: &str) -> Result<()> {
    if ROLES.contains(&role) {
        Ok(())
    } else {
        Err(StorageError::Invalid(format!(
            "unknown role '{role}': one of {}",
            ROLES.join(", ")
        )))
    }
}

/// Whom a one-time enrolment code was made for, if it may still be used at `now`: `found` is
/// its row (the person, when it expires, when it was used), `None` when no code has that hash.
pub fn usable_code(found: Option<(String, i64, Option<i64>)>, now: i64) -> Result<String> {
    match found {
        None => Err(StorageError::Invalid("unknown enrolment code".into())),
        Some((_, _, Some(_))) => Err(StorageError::Invalid(
            "this enrolment code was already used".into(),
        )),
        Some((_, expires_at, None)) if expires_at < now => Err(StorageError::Invalid(
            "this enrolment code has expired".into(),
        )),
        Some((user, _, None)) => Ok(user),
    }
}

/// The server's storage. Generic (not `dyn`): the server is built for one backend.
pub trait Storage: Send + Sync + 'static {
    fn add_org(&self, name: &str) -> impl Future<Output = Result<()>> + Send;
    fn add_user(
        &self,
        org: &str,
        name: &str,
        role: &str,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Store a one-time enrolment code (its hash) for `user`, valid until `expires_at`.
    fn add_enrol_code(
        &self,
        user: &str,
        code_hash: [u8; 32],
        expires_at: i64,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Consume a code and enrol a device with `token_hash`, atomically. `Ok(None)` when the code
    /// is unknown, used or expired (the reason is in the error text of `Err(Invalid)`).
    fn enrol(
        &self,
        code_hash: [u8; 32],
        now: i64,
        new: NewDevice,
    ) -> impl Future<Output = Result<Device>> + Send;
    /// Keep a split code's sealed record beside the code (`code_hash`), only for an unused
    /// code of a person of `org` that has none yet; false otherwise.
    fn put_code_record(
        &self,
        code_hash: [u8; 32],
        org: &str,
        record: Vec<u8>,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// Register `device_id`'s public key; false (nothing written) when it has one already.
    fn set_public_key(
        &self,
        device_id: &str,
        public_key: [u8; 32],
    ) -> impl Future<Output = Result<bool>> + Send;
    /// Keep wrapped keys of document `doc_id` (one per organisation, scope and epoch; a
    /// second wrap of the same is ignored).
    fn put_doc_keys(
        &self,
        doc_id: &str,
        keys: Vec<WrappedKey>,
    ) -> impl Future<Output = Result<()>> + Send;
    fn doc_keys(&self, doc_id: &str) -> impl Future<Output = Result<Vec<WrappedKey>>> + Send;
    /// Every organisation's key epochs, by organisation, scope and epoch.
    fn key_epochs(&self) -> impl Future<Output = Result<Vec<ScopeEpoch>>> + Send;
    /// Start an epoch (clearing a rotation asked of its scope); false when that epoch of that
    /// scope exists already.
    fn add_epoch(
        &self,
        epoch: ScopeEpoch,
        created_by: &str,
        now: i64,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// Documents owned by `org` (not restricted sections, not erased) that another
    /// organisation was given access to and whose key was never sealed to it: (document,
    /// organisation given access).
    fn unshared(&self, org: &str) -> impl Future<Output = Result<Vec<(String, String)>>> + Send;
    /// Every document's id (not tombstones), for the migration.
    fn doc_ids(&self) -> impl Future<Output = Result<Vec<String>>> + Send;
    /// Note document `id` as stored in clear by a protocol 5 server, with the hashes of every
    /// change it holds (the migration: a laptop's sealed history must cover them).
    fn mark_legacy(
        &self,
        id: &str,
        hashes: Vec<[u8; 32]>,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Documents owned by `org` still in clear: (id, kind), at most `limit`.
    fn legacy(
        &self,
        org: Option<&str>,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<(String, String)>>> + Send;
    /// The change hashes recorded for legacy document `id`, if it is one.
    fn legacy_hashes(&self, id: &str)
        -> impl Future<Output = Result<Option<Vec<[u8; 32]>>>> + Send;
    /// Document `id` is no longer in clear.
    fn forget_legacy(&self, id: &str) -> impl Future<Output = Result<()>> + Send;
    /// The scope keys sealed to devices of `org`.
    fn grants(&self, org: &str) -> impl Future<Output = Result<Vec<KeyGrant>>> + Send;
    /// Keep scope keys sealed to devices of `org` (a second grant of the same is ignored).
    fn add_grants(
        &self,
        org: &str,
        grants: Vec<KeyGrant>,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Revoke a device; every scope it was given a key of is to be rotated.
    fn revoke(&self, device_id: &str, now: i64) -> impl Future<Output = Result<()>> + Send;
    /// Scopes of `org` whose key is to be rotated (a laptop holding it was revoked, erased
    /// documents were purged: both note it); [`Storage::add_epoch`] clears it.
    fn rotations(&self, org: &str) -> impl Future<Output = Result<Vec<String>>> + Send;
    /// Document keys wrapped for `org`'s `scope` (or, for the organisation scope, sealed to
    /// it) only under epochs before `newest`: at most `limit` wraps, newest epoch first for
    /// each document.
    fn stale_wraps(
        &self,
        org: &str,
        scope: &str,
        newest: u32,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<SharedKey>>> + Send;
    /// Keep `key` (a wrap under a newer epoch) of document `doc_id`, and drop the wraps for
    /// the same organisation and scope under older epochs.
    fn rewrap(&self, doc_id: &str, key: WrappedKey) -> impl Future<Output = Result<()>> + Send;
    /// Drop the epochs of `org`'s `scope` before `before`, and their grants.
    fn retire_epochs(
        &self,
        org: &str,
        scope: &str,
        before: u32,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Every user: (name, organisation, role), sorted by name.
    /// Every organisation's published keys of the `org` epochs still in use.
    fn org_keys(&self) -> impl Future<Output = Result<Vec<OrgKeys>>> + Send;
    /// One organisation's published keys of the epochs after `after`, oldest first, at most
    /// `limit` (retired epochs too).
    fn org_key_chain(
        &self,
        org: &str,
        after: u32,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<OrgKeys>>> + Send;
    /// Keep an epoch's published keys unless some are kept already (never replaced): false
    /// when they were.
    fn publish_org_keys(
        &self,
        keys: OrgKeys,
        created_by: &str,
        now: i64,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// The newest rule book published (the largest serial), if any.
    fn rule_book(&self) -> impl Future<Output = Result<Option<SignedRuleBook>>> + Send;
    /// The serial of the newest rule book published (0: none), for every push answer.
    fn rule_book_serial(&self) -> impl Future<Output = Result<u64>> + Send;
    /// Keep a rule book unless one with its serial or a larger one is kept: false when so.
    fn publish_rule_book(
        &self,
        book: SignedRuleBook,
        published_by: &str,
        now: i64,
    ) -> impl Future<Output = Result<bool>> + Send;
    fn users(&self) -> impl Future<Output = Result<Vec<(String, String, String)>>> + Send;
    fn devices(&self) -> impl Future<Output = Result<Vec<Device>>> + Send;
    fn device_by_token(
        &self,
        token_hash: [u8; 32],
    ) -> impl Future<Output = Result<Option<Device>>> + Send;
    fn touch_device(&self, device_id: &str, now: i64) -> impl Future<Output = Result<()>> + Send;

    fn load_doc(&self, id: &str) -> impl Future<Output = Result<Option<ServerDoc>>> + Send;
    fn write_doc(&self, w: DocWrite) -> impl Future<Output = Result<WriteOutcome>> + Send;
    /// Documents readable by `org` with a sequence number above `cursor`, in sequence order,
    /// at most `limit`.
    fn changed_since(
        &self,
        org: &str,
        cursor: u64,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<Changed>>> + Send;
    /// This database's generation (see `PushReply::generation`).
    fn generation(&self) -> impl Future<Output = Result<String>> + Send;
    /// Give the database a new generation (after restoring a backup); returns it.
    fn new_generation(&self) -> impl Future<Output = Result<String>> + Send;
    /// The latest sequence number handed out.
    fn current_seq(&self) -> impl Future<Output = Result<u64>> + Send;
    /// Erase document `id`: its row becomes a tombstone (kind `erased`, no bytes, no heads)
    /// with a new sequence number, so every device in scope learns of it from "what changed".
    /// Its bytes and changes move, in the same transaction, to the held erasures (`hold`) until
    /// [`Storage::purge_held`] deletes them or [`Storage::restore_held`] puts them back. A
    /// document the server never had gets a tombstone owned by `owner_org`. Returns the
    /// tombstone's sequence number.
    fn erase_doc(
        &self,
        id: &str,
        owner_org: &str,
        hold: &Hold,
    ) -> impl Future<Output = Result<u64>> + Send;
    /// The held erasures, of organisation `org` when set, oldest first.
    fn held(&self, org: Option<&str>) -> impl Future<Output = Result<Vec<HeldDoc>>> + Send;
    /// Put back every document of erasure `batch` (each with a new sequence number, so every
    /// device in scope fetches it again); returns their ids.
    fn restore_held(&self, batch: &str) -> impl Future<Output = Result<Vec<String>>> + Send;
    /// Delete for good the held erasures made before `before` (unix seconds), their wrapped
    /// keys with them, noting the scopes those keys were wrapped under as to be rotated (so
    /// that a backup made before cannot be opened with keys laptops still hold); returns how
    /// many documents went. The caller scrubs.
    fn purge_held(&self, before: i64) -> impl Future<Output = Result<u64>> + Send;
    /// Documents held for the erasures `device_id` made since `since` (the per-device limit).
    fn erased_since(&self, device_id: &str, since: i64)
        -> impl Future<Output = Result<u64>> + Send;
    /// After erasures: make sure no copy of the deleted bytes stays in the database's files
    /// (SQLite: the WAL is checkpointed and truncated; freed pages are already overwritten.
    /// PostgreSQL: `VACUUM`, which frees dead rows for reuse but leaves their bytes until
    /// overwritten; see ARCHITECTURE.md).
    fn scrub(&self) -> impl Future<Output = Result<()>> + Send;
    /// After a tally was replaced: the same for the tally tables only.
    fn scrub_tallies(&self) -> impl Future<Output = Result<()>> + Send {
        self.scrub()
    }
    fn org_exists(&self, name: &str) -> impl Future<Output = Result<bool>> + Send;
    /// The member organisations, sorted by name.
    fn organisations(&self) -> impl Future<Output = Result<Vec<String>>> + Send;
    /// A revoked device's last push: note its first one (at `now`) and return when that was.
    fn final_push_started(
        &self,
        device_id: &str,
        now: i64,
    ) -> impl Future<Output = Result<Option<i64>>> + Send;
    fn add_approval(&self, a: Approval) -> impl Future<Output = Result<()>> + Send;
    /// What waits for approval, of `org` when set, oldest first.
    fn approvals(&self, org: Option<&str>) -> impl Future<Output = Result<Vec<Approval>>> + Send;
    /// Remove approval `id` and return it (once: a second call finds nothing).
    fn take_approval(&self, id: &str) -> impl Future<Output = Result<Option<Approval>>> + Send;
    /// Let `org` read and write document `id` too.
    fn grant(&self, id: &str, org: &str) -> impl Future<Output = Result<()>> + Send;

    /// Replace an organisation's tally of a month (see [`TallyUpload`]); returns whether it
    /// stored anything.
    fn replace_tally(&self, tally: TallyUpload) -> impl Future<Output = Result<bool>> + Send;
    /// The tallies of the months `from..=to` (`YYYY-MM`): which organisation sent which month,
    /// and each (organisation, person, service) once.
    fn tallies(
        &self,
        from: &str,
        to: &str,
    ) -> impl Future<Output = Result<(Vec<TallyMonth>, Vec<TallyRow>)>> + Send;

    /// Delete the tallies of months before `before`; returns the organisation-months deleted.
    fn delete_tallies_before(&self, before: &str) -> impl Future<Output = Result<u64>> + Send;

    /// Log an event; one with an `event_id` already logged is skipped (returns false).
    fn audit(&self, e: AuditEvent) -> impl Future<Output = Result<bool>> + Send;
    /// Log several events at once (one per document of a pull).
    fn audit_many(&self, events: Vec<AuditEvent>) -> impl Future<Output = Result<()>> + Send;
    /// Log entries newest first, at most `limit`: about organisation `org` when set (what its
    /// people did, and what anyone did to its documents), about the documents `doc_ids` when
    /// not empty.
    fn audit_query(
        &self,
        org: Option<&str>,
        doc_ids: &[String],
        limit: u32,
    ) -> impl Future<Output = Result<Vec<AuditEvent>>> + Send;
    /// The whole log, newest first (the administrator's).
    fn audit_log(&self, limit: u32) -> impl Future<Output = Result<Vec<AuditEvent>>> + Send {
        self.audit_query(None, &[], limit)
    }
    /// The log as `org`'s coordinator sees it: what its people did, and what anyone did to its
    /// documents (a refused request from another organisation included); newest first.
    fn audit_for(
        &self,
        org: &str,
        doc_ids: &[String],
        limit: u32,
    ) -> impl Future<Output = Result<Vec<AuditEvent>>> + Send {
        self.audit_query(Some(org), doc_ids, limit)
    }
}

/// Time as text for records.
pub fn timestamp(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}
