//! The wire format: `PKSY`, a big-endian `u16` version, then the message in postcard (a compact
//! serde binary format; change bytes travel as raw bytes, never base64). Every size is bounded
//! and checked before and after decoding, so a malformed or oversized message is refused with
//! a clear error instead of exhausting memory.

use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;
use thiserror::Error;

pub const MAGIC: [u8; 4] = *b"PKSY";
/// The protocol version this build speaks.
pub const VERSION: u16 = 6;

/// Bounds on what one message may hold.
pub mod limits {
    /// Largest encoded message (a request or a response).
    pub const MAX_MESSAGE_BYTES: usize = 32 * 1024 * 1024;
    /// Documents in one request or response.
    pub const MAX_DOCS: usize = 2_000;
    /// Changes for one document in one message.
    pub const MAX_CHANGES_PER_DOC: usize = 20_000;
    /// Heads of one document.
    pub const MAX_HEADS: usize = 256;
    /// Length of a document id, a kind or an organisation name.
    pub const MAX_NAME: usize = 200;
    /// People in one month's tally of one organisation.
    pub const MAX_TALLY_PEOPLE: usize = 500_000;
    /// Services of one person in one month's tally.
    pub const MAX_SERVICES: usize = 64;
    /// Months one consortium count may span.
    pub const MAX_MONTHS: usize = 120;
    /// Audit entries in one answer.
    pub const MAX_AUDIT: usize = 10_000;
    /// Length of a recorded event's detail.
    pub const MAX_DETAIL: usize = 2_000;
}

/// A change hash (SHA-256 of the change).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Hash(pub [u8; 32]);

/// One change as the blind server keeps it (protocol 6, `docs/e2e.md`): its hash and the
/// hashes it depends on in clear (the server's graph), the change itself sealed under its
/// document's key (`punkt_e2e::seal_change`, bound to the document and the hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedChange {
    pub hash: Hash,
    pub deps: Vec<Hash>,
    pub sealed: ByteBuf,
}

/// A saved document sealed under its key, and the heads it covers (in clear).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedSnapshot {
    pub heads: Vec<Hash>,
    pub sealed: ByteBuf,
}

/// What a device asks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Request {
    Push(Push),
    Pull(Pull),
    /// Erase documents everywhere (version 2).
    Erase(Erase),
    /// One organisation's consortium tally for one month (version 3, coordinators only).
    Tally(Tally),
    /// "How many people did the consortium reach?" (version 3, coordinators only).
    ConsortiumCount(CountQuery),
    /// The audit log of the device's organisation (version 3, coordinators only).
    Audit(AuditQuery),
    /// Things done on the device that the server's audit log should hold: exports, merges,
    /// retention runs (version 3).
    Record(Vec<LocalEvent>),
    /// "Which member organisations are there?" (version 4): what a referral may be addressed
    /// to. Any enrolled device may ask.
    Directory,
    /// The organisation's people and laptops (version 4, coordinators only).
    Team,
    /// Revoke one of the organisation's laptops (version 4, coordinators only): refused from
    /// now on and told to wipe its store. Answered with the team.
    Revoke {
        device_id: String,
    },
    /// A one-time enrolment code for one of the organisation's people, valid for `hours`
    /// (version 4, coordinators only).
    EnrolCode {
        user: String,
        hours: u32,
    },
    /// Add a person to the organisation with a role (version 4, coordinators only). Answered
    /// with the team.
    AddUser {
        name: String,
        role: String,
    },
    /// The organisation's erasures still within the grace period, which the server can undo
    /// (version 5, coordinators only).
    Erasures,
    /// Approve (or decline) something another coordinator of the organisation asked for
    /// (version 5, coordinators only). Answered with the team.
    Approve {
        id: String,
        approve: bool,
    },
    /// What a revoked laptop had not sent yet, pushed once before it wipes its store (version
    /// 5): the only request a revoked laptop may make. Answered with the push's results and
    /// nothing that changed.
    FinalPush(Push),
    /// Undo one erasure (every document one request erased): the server puts the documents
    /// back and every laptop in scope fetches them again (version 5, coordinators only).
    /// Answered with the erasures left.
    UndoErasure {
        batch: String,
    },
    /// "Which keys may I have, which epochs are there, who waits for keys?" (version 6).
    Keys,
    /// Register this device's public key, start a scope's first epoch, give keys to the
    /// organisation's laptops (version 6). Answered with `Keys`.
    PutKeys(PutKeys),
    /// An organisation's published keys of the epochs after `after`, oldest first, at most
    /// [`MAX_ORG_KEYS_PAGE`] (version 6): what a laptop that trusted epoch `after` follows
    /// the rotations by. Answered with `OrgKeys`.
    OrgKeyChain {
        org: String,
        after: u32,
    },
    /// Publish a rule book of deadlines and holidays for every laptop of the consortium
    /// (version 6, coordinators only), signed by the coordinator's organisation. Answered
    /// with `RuleBook`.
    PutRuleBook(SignedRuleBook),
    /// "The newest rule book, please" (version 6): asked when a push answer's `rule_book`
    /// is newer than the one the laptop uses. Answered with `RuleBook`.
    RuleBook,
}

/// The largest rule book a server takes (its JSON text).
pub const MAX_RULE_BOOK: usize = 1 << 20;

/// A rule book of deadlines and holidays (`punkt_model::deadlines::RuleBook`, JSON text) as a
/// coordinator's laptop signed it: with its organisation's signing key of `epoch`
/// (`punkt_e2e::sign_rule_book`), which every laptop of the consortium can check against the
/// organisation's keys it follows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedRuleBook {
    pub org: String,
    pub epoch: u32,
    /// The book's serial, as in its text (the server and laptops check they agree).
    pub serial: u64,
    pub book: String,
    /// Ed25519, 64 bytes.
    pub signature: ByteBuf,
}

/// The most entries one `OrgKeyChain` answer holds.
pub const MAX_ORG_KEYS_PAGE: usize = 100;

/// How long the server holds an erased document's bytes so that a coordinator can undo the
/// erasure (7 days); then they are deleted for good.
pub const ERASURE_GRACE_SECS: i64 = 7 * 24 * 3600;

/// One erasure the server can still undo: the documents one request of one laptop erased.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeldErasure {
    pub batch: String,
    pub erased_at: String,
    /// When the server deletes the documents for good (no undo after).
    pub final_at: String,
    pub user: String,
    pub device_id: String,
    /// The client files among the documents (the others are their attachments, restricted
    /// sections and referrals).
    pub client_files: Vec<String>,
    pub documents: u32,
}

/// Longest an enrolment code made by a coordinator stays valid (30 days).
pub const MAX_CODE_HOURS: u32 = 24 * 30;

/// A person of the organisation, as its coordinator sees them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamUser {
    pub name: String,
    pub role: String,
}

/// A laptop enrolled with the organisation, as its coordinator sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamDevice {
    pub device_id: String,
    pub name: String,
    pub user: String,
    pub role: String,
    pub enrolled_at: String,
    pub last_seen: Option<String>,
    pub revoked_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Team {
    pub organisation: String,
    pub users: Vec<TeamUser>,
    pub devices: Vec<TeamDevice>,
    /// What waits for a second coordinator's approval (version 5).
    pub pending: Vec<PendingApproval>,
    /// In the answer to approving a laptop code: the code, made at the approval and shown
    /// once to the coordinator who approved (version 5).
    pub issued: Option<EnrolCode>,
}

/// Something a coordinator asked for that a second coordinator of the organisation (or the
/// server's administrator) must approve: a person with a role that reads restricted sections
/// (`add_user`), a laptop for such a person (`enrol_code`), revoking a coordinator's laptop
/// (`revoke`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingApproval {
    pub id: String,
    pub action: String,
    /// The person (`add_user`, `enrol_code`) or the laptop's id (`revoke`).
    pub subject: String,
    pub role: Option<String>,
    pub requested_by: String,
    pub requested_at: String,
}

/// A one-time enrolment code: shown once, to be typed on the new laptop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnrolCode {
    pub user: String,
    /// The role of the person it is for (version 6: sealed into the code's record).
    pub role: String,
    pub code: String,
    pub expires_at: String,
    /// The code works only once a second coordinator approved it (version 5): the person's
    /// role reads restricted sections.
    pub awaiting_approval: bool,
}

/// One month of an organisation's contribution to the consortium-wide count: per person a
/// keyed hash of their normalised identity (HMAC-SHA-256 under the consortium key, which the
/// server never has) and the services they received that month. It replaces whatever the
/// organisation sent for that month before, so sending again never counts twice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tally {
    /// Names the consortium key without revealing it (the first bytes of an HMAC of a fixed
    /// text): tallies made under different keys cannot be counted together.
    pub key_id: String,
    /// `YYYY-MM`.
    pub month: String,
    pub people: Vec<TallyPerson>,
    /// Sent again by itself after an erasure: replaces the month only if the organisation's
    /// tally of it is still on the server (one the administrator deleted stays deleted).
    pub resend: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TallyPerson {
    pub person: Hash,
    pub services: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TallyReceipt {
    pub month: String,
    pub people: u32,
    /// False when a resend found no tally of the month to replace (nothing was stored).
    pub stored: bool,
}

/// A period of whole months, `YYYY-MM` to `YYYY-MM` inclusive.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CountQuery {
    pub from: String,
    pub to: String,
}

/// The consortium-wide count: numbers only, never a hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsortiumCount {
    pub from: String,
    pub to: String,
    /// Per service, and `all`.
    pub services: Vec<ServiceCount>,
    /// Which organisation sent which months of the period (a count is complete only when
    /// every organisation sent every month).
    pub contributions: Vec<Contribution>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceCount {
    pub service: String,
    /// People counted once however many organisations helped them.
    pub unique_people: u64,
    /// The organisations' own counts added up (what a consortium figure was before).
    pub sum_of_organisations: u64,
    /// People helped by two organisations or more.
    pub in_several_organisations: u64,
    /// Unique people per organisation.
    pub per_organisation: Vec<(String, u64)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contribution {
    pub organisation: String,
    pub months: Vec<String>,
    pub missing_months: Vec<String>,
    /// When the organisation last sent a month of the period.
    pub last_sent: Option<String>,
}

/// Entries of the audit log about the device's organisation (its people's actions, and
/// anyone's actions on its documents), newest first; only those about `doc_ids` when it is not
/// empty (a client file and its attachments, sections and referrals).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditQuery {
    pub doc_ids: Vec<String>,
    pub limit: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at: String,
    pub action: String,
    pub user: Option<String>,
    pub organisation: Option<String>,
    pub device_id: Option<String>,
    pub doc_id: Option<String>,
    pub detail: String,
}

/// The actions a device may record in the server's log (everything else the server logs
/// itself).
pub const RECORDED_ACTIONS: &[&str] = &["export", "merge", "retention", "rule_book"];

/// Something done on a device, for the server's audit log. `id` makes sending it again
/// harmless.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LocalEvent {
    pub id: String,
    pub at: String,
    pub action: String,
    pub doc_id: Option<String>,
    pub detail: String,
}

/// The kind a tombstone has in "what changed": the document was erased; a device deletes its
/// copy and never pulls it.
pub const ERASED_KIND: &str = "erased";

/// "Erase these documents": the server deletes them and keeps a tombstone (the id, the owner,
/// when) that every device in scope learns from "what changed".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Erase {
    pub docs: Vec<String>,
}

/// Changes the server lacks, and "what changed after my cursor?".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Push {
    /// The server sequence number up to which this device has everything.
    pub cursor: u64,
    /// At most this many entries of `changed` in the reply.
    pub page_limit: u32,
    pub docs: Vec<DocPush>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocPush {
    pub doc_id: String,
    pub kind: String,
    pub owner_org: String,
    /// The heads the device last knew the server to have (empty for a document new to it).
    pub base_heads: Vec<Hash>,
    /// The changes after `base_heads`, sealed under the document's key (version 6).
    pub changes: Vec<SealedChange>,
    /// The document's key, wrapped for the scopes that may read it (a new document; the
    /// server keeps what it does not have yet).
    pub keys: Vec<WrappedKey>,
    /// A new referral: the member organisation it goes to (the server cannot read it from
    /// the document any more, and opens the referral to it).
    pub referral_to: Option<String>,
    /// These changes merge the file away into another (they set its `merged_into`): the
    /// server holds that to the erasure rule.
    pub merges_away: bool,
    /// The document's whole history, sealed, to replace what a protocol 5 server stored of
    /// it in clear (`KeysReply::legacy`): taken only when it covers every change stored.
    pub replaces_legacy: bool,
    /// The whole document saved and sealed, naming the heads it covers: a new document's
    /// first push, or a history the server asked to compact ([`PushReply::compact`]). The
    /// server keeps it in place of every change it covers (and the graph of their hashes);
    /// a change it covers may come with an empty `sealed` (the snapshot holds it). A new
    /// device then loads one snapshot instead of applying every change.
    pub snapshot: Option<SealedSnapshot>,
}

/// A document a protocol 5 server stored in clear, waiting for a laptop of its organisation to
/// replace it with its sealed history (`admin migrate-blind`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegacyDoc {
    pub doc_id: String,
    pub kind: String,
}

/// A document's key wrapped under epoch `epoch` of `org`'s `scope` key, or, with
/// `sealed_to_org`, sealed to that organisation's public key of the epoch (a referral to it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WrappedKey {
    pub org: String,
    pub scope: String,
    pub epoch: u32,
    pub sealed_to_org: bool,
    pub wrapped: ByteBuf,
}

/// A scope key sealed to one device (`punkt_e2e::grant_context`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyGrant {
    pub device_id: String,
    pub scope: String,
    pub epoch: u32,
    pub sealed: ByteBuf,
    /// The giving laptop's word that the device and its public key were checked
    /// (`punkt_e2e::endorse` under this key): what lets a rotation give the next epoch to the
    /// device without a person.
    pub endorsement: ByteBuf,
}

/// An endorsement a device holds ([`KeyGrant::endorsement`]), shown to laptops that may give
/// it a newer epoch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endorsement {
    pub scope: String,
    pub epoch: u32,
    pub mac: ByteBuf,
}

/// An epoch of an organisation's scope key; for the `org` scope, the organisation's public
/// key of that epoch (referrals are sealed to it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScopeEpoch {
    pub org: String,
    pub scope: String,
    pub epoch: u32,
    pub public_key: Option<ByteBuf>,
}

/// A split code's record (`punkt_e2e::seal_code_record`): its parts, user and role, sealed
/// under an epoch of the organisation's key, stored by the server beside the code's hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeRecord {
    pub code_hash: Hash,
    pub epoch: u32,
    pub sealed: ByteBuf,
}

/// A laptop of the asker's organisation that lacks scope keys its role may hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitingDevice {
    pub device_id: String,
    pub name: String,
    pub user: String,
    pub role: String,
    pub public_key: ByteBuf,
    /// Enrolled with a split code: the record of that code, and the laptop's proof that it
    /// knew the part the server never saw (`punkt_e2e::enrolment_mac`). With both, any
    /// laptop of the organisation gives it keys without a person comparing check codes.
    pub code_record: Option<CodeRecord>,
    pub proof: Option<ByteBuf>,
    /// The scopes (of the newest epochs) it may hold and was not given.
    pub missing: Vec<String>,
    /// Endorsements of the earlier epochs it holds of those scopes: a laptop that verifies
    /// one gives it the newest epoch (a rotation) without a person comparing check codes.
    pub endorsements: Vec<Endorsement>,
}

/// What a device needs to open its organisation's documents (`Request::Keys`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeysReply {
    /// The scope keys sealed to the asking device.
    pub grants: Vec<KeyGrant>,
    /// Its organisation's epochs, and every organisation's `org` epochs with their public
    /// keys (for referrals).
    pub epochs: Vec<ScopeEpoch>,
    /// Its organisation's laptops waiting for keys the asker holds a scope for.
    pub waiting: Vec<WaitingDevice>,
    /// Whether the server has the asking device's public key.
    pub registered: bool,
    /// Documents of the asker's organisation another organisation was given access to
    /// (`admin grant`) whose key was never sealed to it: a laptop holding the key seals it.
    pub to_share: Vec<ShareRequest>,
    /// Documents of the asker's organisation (that its role may read) still stored in clear
    /// by a protocol 5 server: the laptop replaces them with their sealed history.
    pub legacy: Vec<LegacyDoc>,
    /// Scopes of the asker's organisation whose key is to be rotated now (a laptop that held
    /// it was revoked, or erased documents were purged): the asker starts the next epoch.
    pub rotate: Vec<String>,
    /// Document keys still wrapped only under an older epoch of a scope the asker holds the
    /// newest epoch of: the asker unwraps each and wraps it under the newest
    /// ([`PutKeys::rewrapped`]). Once none is left, the server drops the older epochs.
    pub rewrap: Vec<SharedKey>,
    /// Every organisation's published keys of the `org` epochs listed in `epochs` (an epoch
    /// none of its laptops published yet has none).
    pub org_keys: Vec<OrgKeys>,
}

/// One epoch of an organisation's published keys (`punkt_e2e::OrgEpochKeys`): the public key
/// referrals are sealed to, the key the next epoch is signed with, and this epoch signed by
/// the previous one. The server keeps every epoch's, retired or not, so that a laptop that
/// trusted an old one can follow the chain; it cannot make a link up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgKeys {
    pub org: String,
    pub epoch: u32,
    pub public_key: ByteBuf,
    pub signing_key: ByteBuf,
    /// The previous epoch's signature (64 bytes); empty when there was none to sign with (the
    /// organisation's first epoch, or one whose previous key the publishing laptop lacks).
    pub link: ByteBuf,
}

/// A document to seal the key of to another organisation (its `org` key of `epoch`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareRequest {
    pub doc_id: String,
    pub org: String,
    pub epoch: u32,
    pub public_key: ByteBuf,
}

/// A document's key sealed to another organisation (`PutKeys::shared`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedKey {
    pub doc_id: String,
    pub key: WrappedKey,
}

/// Keys a device hands the server (`Request::PutKeys`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PutKeys {
    /// The asking device's public key, when the server does not have it (a laptop enrolled
    /// before version 6).
    pub public_key: Option<ByteBuf>,
    /// New epochs of the asking device's organisation (the first key of a scope).
    pub new_epochs: Vec<ScopeEpoch>,
    /// Scope keys sealed to devices of its organisation.
    pub grants: Vec<KeyGrant>,
    /// Keys of its organisation's documents sealed to organisations given access to them.
    pub shared: Vec<SharedKey>,
    /// Records of codes this laptop made (split codes).
    pub code_records: Vec<CodeRecord>,
    /// Document keys wrapped under the newest epoch of their scope, in place of the older
    /// wraps ([`KeysReply::rewrap`]).
    pub rewrapped: Vec<SharedKey>,
    /// Its organisation's keys of epochs it holds that the server has none published for.
    pub org_keys: Vec<OrgKeys>,
}

/// "Send me what I lack of these documents."
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pull {
    pub docs: Vec<DocWant>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocWant {
    pub doc_id: String,
    /// The device's heads (empty: it does not have the document).
    pub have_heads: Vec<Hash>,
    /// The device has no key for the document: send its wraps.
    pub need_key: bool,
}

/// What the server answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Response {
    Push(PushReply),
    Pull(PullReply),
    /// The whole request was refused.
    Refused(Refusal),
    /// Per document: `Applied` (erased now or before) or `Refused`.
    Erase(Vec<DocResult>),
    Tally(TallyReceipt),
    ConsortiumCount(ConsortiumCount),
    Audit(Vec<AuditEntry>),
    /// How many of the events were new to the log.
    Recorded(u32),
    /// The consortium's member organisations, sorted by name.
    Directory(Vec<String>),
    Team(Team),
    EnrolCode(EnrolCode),
    /// The erasures the server can still undo (version 5), oldest first.
    Erasures(Vec<HeldErasure>),
    /// Version 6: the asker's keys, epochs and the laptops waiting for keys.
    Keys(KeysReply),
    /// Version 6: an organisation's published keys (`Request::OrgKeyChain`).
    OrgKeys(Vec<OrgKeys>),
    /// Version 6: the newest rule book the server holds, if any.
    RuleBook(Option<SignedRuleBook>),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushReply {
    pub results: Vec<DocResult>,
    /// Documents in the device's scope changed after its cursor, oldest change first.
    pub changed: Vec<ChangedDoc>,
    /// The cursor to send next time once every document in `changed` is applied.
    pub next_cursor: u64,
    /// More changed documents follow after `next_cursor`.
    pub more: bool,
    /// The server's latest sequence number. A device whose cursor is past it is talking to a
    /// server restored from an older backup, and must send everything again.
    pub server_seq: u64,
    /// The server's database generation: an administrator gives the database a new one after
    /// restoring a backup, and a device that sees it change sends everything again.
    pub generation: String,
    /// The member list's tag ([`directory_tag`]): a device whose list has another tag asks
    /// for the list (`Directory`); one whose list is current makes no extra round trip.
    pub directory: String,
    /// A tag of what a `Keys` request would answer this device (version 6): a device whose
    /// last answer had another tag asks again.
    pub keys: String,
    /// Documents of this push whose history the server keeps as many loose changes: the
    /// device, once in step with the server, sends a sealed snapshot of each
    /// ([`DocPush::snapshot`]) to replace them.
    pub compact: Vec<String>,
    /// The serial of the newest rule book the server holds (0: none): a laptop using an
    /// older one asks for it (`RuleBook`).
    pub rule_book: u64,
}

/// A short tag of the member organisations (sorted names), for telling whether a device's
/// list is current: the first 8 bytes of SHA-256, in hex.
pub fn directory_tag(names: &[String]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for n in names {
        h.update(n.as_bytes());
        h.update([0]);
    }
    hex::encode(&h.finalize()[..8])
}

/// A short tag of a `Keys` answer (version 6): every push answer carries the tag of what a
/// `Keys` request would answer, and a laptop asks again only when it differs from the last
/// answer it had.
pub fn keys_tag(reply: &KeysReply) -> String {
    use sha2::{Digest, Sha256};
    let bytes = postcard::to_stdvec(reply).expect("a keys answer serialises");
    hex::encode(&Sha256::digest(bytes)[..8])
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocResult {
    pub doc_id: String,
    pub outcome: Outcome,
}

impl DocResult {
    /// A document refused, with its code and why.
    pub fn refused(doc_id: String, code: Code, message: impl Into<String>) -> DocResult {
        DocResult {
            doc_id,
            outcome: Outcome::refused(code, message),
        }
    }
}

impl Outcome {
    /// Not accepted, with its code and why.
    pub fn refused(code: Code, message: impl Into<String>) -> Outcome {
        Outcome::Refused(Refusal::new(code, message))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Outcome {
    /// Stored (or already there); the server's heads now.
    Applied { heads: Vec<Hash> },
    /// The changes depend on changes the server lacks: run the sync protocol for this document.
    NeedSync,
    /// Not accepted (no access, malformed change...).
    Refused(Refusal),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangedDoc {
    pub doc_id: String,
    pub kind: String,
    pub owner_org: String,
    pub heads: Vec<Hash>,
    pub seq: u64,
    /// A coordinator undid the erasure of this document (version 5): a laptop that holds a
    /// tombstone for it takes it back. A document listed again without it (a server restored
    /// from a backup made before the erasure) stays erased on the laptop.
    pub undone: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullReply {
    pub docs: Vec<DocData>,
    pub refused: Vec<DocResult>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocData {
    pub doc_id: String,
    pub kind: String,
    pub owner_org: String,
    /// The server's heads after `payload`.
    pub heads: Vec<Hash>,
    pub payload: Payload,
    /// The document's key wrapped for scopes of the device's organisation (when asked).
    pub keys: Vec<WrappedKey>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Payload {
    /// The whole document as the server stores it: a sealed snapshot, if a laptop made one,
    /// and the changes after it.
    Full {
        snapshot: Option<SealedSnapshot>,
        changes: Vec<SealedChange>,
    },
    /// Exactly the changes the device lacks.
    Changes(Vec<SealedChange>),
    /// A document a protocol 5 server stored in clear and no laptop has replaced yet: its
    /// saved form and changes, as stored (the migration's last plain transfer).
    Legacy {
        snapshot: ByteBuf,
        changes: Vec<ByteBuf>,
    },
}

/// The stable code of a refusal, decided by in code (never by a message's words). On the wire it
/// travels as its text ([`Code::as_str`]), so a server newer than this laptop may send one it
/// does not know: that reads as [`Code::Other`] and is shown, never misread.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Code {
    /// `unauthorized`: the token is unknown or expired.
    Unauthorized,
    /// `device_revoked`: a coordinator revoked this laptop; it is to wipe its store.
    DeviceRevoked,
    /// `forbidden`: the role or organisation may not do this.
    Forbidden,
    /// `too_large`: the request is over a limit.
    TooLarge,
    /// `malformed`: not a well-formed request.
    Malformed,
    /// `version`: another protocol version.
    Version,
    /// `bad_code`: an enrolment code unknown, used or expired.
    BadCode,
    /// `rate_limited`: too many requests: wait and try again.
    RateLimited,
    /// `server_error`: the server failed; nothing was written.
    ServerError,
    /// `not_found`: what was named does not exist.
    NotFound,
    /// `exists`: what was to be made exists already.
    Exists,
    /// `invalid`: a value the server does not accept.
    Invalid,
    /// `key_mismatch`: a document's key is not the one the server holds.
    KeyMismatch,
    /// `no_key`: no key this laptop can open came with a document.
    NoKey,
    /// `busy`: the server is doing something that has to finish first.
    Busy,
    /// `legacy`: a file the server still holds in clear is to be replaced first.
    Legacy,
    /// `not_newer`: a rule book not newer than the one in use.
    NotNewer,
    /// `erased`: the document was erased by its organisation: the laptop drops its copy (and any edits it made to it) and tells the person.
    Erased,
    /// `http`: an HTTP error that carried no refusal from Punkt (a proxy, a gateway); made by
    /// a laptop, never sent by the server.
    Http,
    /// A code this side does not know (a newer peer's).
    Other(String),
}

impl Code {
    pub fn as_str(&self) -> &str {
        match self {
            Code::Unauthorized => "unauthorized",
            Code::DeviceRevoked => "device_revoked",
            Code::Forbidden => "forbidden",
            Code::TooLarge => "too_large",
            Code::Malformed => "malformed",
            Code::Version => "version",
            Code::BadCode => "bad_code",
            Code::RateLimited => "rate_limited",
            Code::ServerError => "server_error",
            Code::NotFound => "not_found",
            Code::Exists => "exists",
            Code::Invalid => "invalid",
            Code::KeyMismatch => "key_mismatch",
            Code::NoKey => "no_key",
            Code::Busy => "busy",
            Code::Legacy => "legacy",
            Code::NotNewer => "not_newer",
            Code::Erased => "erased",
            Code::Http => "http",
            Code::Other(s) => s,
        }
    }
}

impl From<&str> for Code {
    fn from(s: &str) -> Code {
        match s {
            "unauthorized" => Code::Unauthorized,
            "device_revoked" => Code::DeviceRevoked,
            "forbidden" => Code::Forbidden,
            "too_large" => Code::TooLarge,
            "malformed" => Code::Malformed,
            "version" => Code::Version,
            "bad_code" => Code::BadCode,
            "rate_limited" => Code::RateLimited,
            "server_error" => Code::ServerError,
            "not_found" => Code::NotFound,
            "exists" => Code::Exists,
            "invalid" => Code::Invalid,
            "key_mismatch" => Code::KeyMismatch,
            "no_key" => Code::NoKey,
            "busy" => Code::Busy,
            "legacy" => Code::Legacy,
            "not_newer" => Code::NotNewer,
            "erased" => Code::Erased,
            "http" => Code::Http,
            other => Code::Other(other.to_string()),
        }
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Code, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(d)?;
        Ok(Code::from(text.as_ref()))
    }
}

/// A refusal with a stable [`Code`]. `wipe` tells a revoked device to erase its store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Refusal {
    pub code: Code,
    pub message: String,
    pub wipe: bool,
}

impl Refusal {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Refusal {
            code,
            message: message.into(),
            wipe: false,
        }
    }
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum WireError {
    #[error("not a Punkt sync message")]
    NotPunkt,
    #[error(
        "sync protocol version {0} is not supported (this side speaks {VERSION}); update Punkt"
    )]
    Version(u16),
    #[error("message of {0} bytes is over the limit of {max} bytes", max = limits::MAX_MESSAGE_BYTES)]
    TooLarge(usize),
    #[error("malformed sync message: {0}")]
    Malformed(String),
}

fn encode<T: Serialize>(msg: &T) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&VERSION.to_be_bytes());
    postcard::to_io(msg, &mut out).expect("writing to a Vec cannot fail");
    out
}

fn decode<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, WireError> {
    if bytes.len() > limits::MAX_MESSAGE_BYTES {
        return Err(WireError::TooLarge(bytes.len()));
    }
    if bytes.len() < 6 || bytes[..4] != MAGIC {
        return Err(WireError::NotPunkt);
    }
    let version = u16::from_be_bytes([bytes[4], bytes[5]]);
    if version != VERSION {
        return Err(WireError::Version(version));
    }
    let (msg, rest) = postcard::take_from_bytes::<T>(&bytes[6..])
        .map_err(|e| WireError::Malformed(e.to_string()))?;
    if !rest.is_empty() {
        return Err(WireError::Malformed(format!(
            "{} bytes after the message",
            rest.len()
        )));
    }
    Ok(msg)
}

pub fn encode_request(r: &Request) -> Vec<u8> {
    encode(r)
}

pub fn encode_response(r: &Response) -> Vec<u8> {
    encode(r)
}

/// Decode and check a request's bounds.
pub fn decode_request(bytes: &[u8]) -> Result<Request, WireError> {
    let r: Request = decode(bytes)?;
    r.check()?;
    Ok(r)
}

/// Decode and check a response's bounds.
pub fn decode_response(bytes: &[u8]) -> Result<Response, WireError> {
    let r: Response = decode(bytes)?;
    r.check()?;
    Ok(r)
}

fn bound(what: &str, n: usize, max: usize) -> Result<(), WireError> {
    if n > max {
        Err(WireError::Malformed(format!(
            "{n} {what}, at most {max} allowed"
        )))
    } else {
        Ok(())
    }
}

fn name(what: &str, s: &str) -> Result<(), WireError> {
    if s.is_empty() || s.len() > limits::MAX_NAME {
        Err(WireError::Malformed(format!("{what} is empty or too long")))
    } else {
        Ok(())
    }
}

fn changes(n: usize) -> Result<(), WireError> {
    bound("changes for one document", n, limits::MAX_CHANGES_PER_DOC)
}

/// Wrapped keys of one document, epochs in one request.
const MAX_KEYS: usize = 16;

fn key_len(what: &str, k: &[u8], len: usize) -> Result<(), WireError> {
    if k.len() != len {
        return Err(WireError::Malformed(format!(
            "a {what} of {} bytes",
            k.len()
        )));
    }
    Ok(())
}

fn wrapped(k: &WrappedKey) -> Result<(), WireError> {
    name("organisation", &k.org)?;
    name("scope", &k.scope)?;
    bound("bytes of a wrapped key", k.wrapped.len(), 256)
}

fn grant(g: &KeyGrant) -> Result<(), WireError> {
    name("device id", &g.device_id)?;
    name("scope", &g.scope)?;
    key_len("endorsement", &g.endorsement, 32)?;
    bound("bytes of a sealed key", g.sealed.len(), 256)
}

fn epoch(e: &ScopeEpoch) -> Result<(), WireError> {
    name("organisation", &e.org)?;
    name("scope", &e.scope)?;
    if let Some(pk) = &e.public_key {
        key_len("public key", pk, 32)?;
    }
    Ok(())
}

fn org_keys(list: &[OrgKeys], most: usize) -> Result<(), WireError> {
    bound("organisations' keys", list.len(), most)?;
    for k in list {
        name("organisation", &k.org)?;
        key_len("public key", &k.public_key, 32)?;
        key_len("signing key", &k.signing_key, 32)?;
        if !k.link.is_empty() {
            key_len("link", &k.link, 64)?;
        }
    }
    Ok(())
}

fn rule_book(b: &SignedRuleBook) -> Result<(), WireError> {
    name("organisation", &b.org)?;
    bound("rule book bytes", b.book.len(), MAX_RULE_BOOK)?;
    key_len("signature", &b.signature, 64)
}

fn heads(h: &[Hash]) -> Result<(), WireError> {
    bound("heads", h.len(), limits::MAX_HEADS)
}

/// A month as `YYYY-MM`: (year, month).
pub fn parse_month(s: &str) -> Result<(i32, u32), WireError> {
    let bad = || WireError::Malformed(format!("'{s}' is not a month (YYYY-MM)"));
    let (y, m) = s.split_once('-').ok_or_else(bad)?;
    // Digits only: `u32::parse` would take "+1", and a month is stored and compared as text.
    if y.len() != 4 || m.len() != 2 || !(y.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit())) {
        return Err(bad());
    }
    let y: i32 = y.parse().map_err(|_| bad())?;
    let m: u32 = m.parse().map_err(|_| bad())?;
    if !(1..=12).contains(&m) || !(1900..=2999).contains(&y) {
        return Err(bad());
    }
    Ok((y, m))
}

fn month(s: &str) -> Result<(), WireError> {
    parse_month(s).map(|_| ())
}

/// The months from `from` to `to` inclusive, as `YYYY-MM`; an error when `to` is before `from`.
pub fn months(from: &str, to: &str) -> Result<Vec<String>, WireError> {
    let (mut y, mut m) = parse_month(from)?;
    let end = parse_month(to)?;
    if end < (y, m) {
        return Err(WireError::Malformed(format!("{to} is before {from}")));
    }
    let mut out = Vec::new();
    while (y, m) <= end && out.len() <= limits::MAX_MONTHS {
        out.push(format!("{y:04}-{m:02}"));
        (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    }
    Ok(out)
}

fn months_between(from: &str, to: &str) -> Result<usize, WireError> {
    months(from, to).map(|m| m.len())
}

impl Request {
    fn check(&self) -> Result<(), WireError> {
        match self {
            Request::Push(p) | Request::FinalPush(p) => {
                bound("documents", p.docs.len(), limits::MAX_DOCS)?;
                for d in &p.docs {
                    name("document id", &d.doc_id)?;
                    name("document kind", &d.kind)?;
                    name("organisation", &d.owner_org)?;
                    heads(&d.base_heads)?;
                    changes(d.changes.len())?;
                    for c in &d.changes {
                        heads(&c.deps)?;
                    }
                    bound("keys", d.keys.len(), MAX_KEYS)?;
                    for k in &d.keys {
                        wrapped(k)?;
                    }
                    if let Some(to) = &d.referral_to {
                        name("organisation", to)?;
                    }
                    if let Some(s) = &d.snapshot {
                        heads(&s.heads)?;
                        if s.heads.is_empty() {
                            return Err(WireError::Malformed(
                                "a snapshot that covers no change".into(),
                            ));
                        }
                    }
                }
            }
            Request::Pull(p) => {
                bound("documents", p.docs.len(), limits::MAX_DOCS)?;
                for d in &p.docs {
                    name("document id", &d.doc_id)?;
                    heads(&d.have_heads)?;
                }
            }
            Request::Erase(e) => {
                bound("documents", e.docs.len(), limits::MAX_DOCS)?;
                for d in &e.docs {
                    name("document id", d)?;
                }
            }
            Request::Tally(t) => {
                name("key id", &t.key_id)?;
                month(&t.month)?;
                bound("people", t.people.len(), limits::MAX_TALLY_PEOPLE)?;
                for p in &t.people {
                    bound("services", p.services.len(), limits::MAX_SERVICES)?;
                    for s in &p.services {
                        name("service", s)?;
                    }
                }
            }
            Request::ConsortiumCount(q) => {
                let n = months_between(&q.from, &q.to)?;
                bound("months", n, limits::MAX_MONTHS)?;
            }
            Request::Audit(q) => {
                bound("documents", q.doc_ids.len(), limits::MAX_DOCS)?;
                for d in &q.doc_ids {
                    name("document id", d)?;
                }
                bound("entries", q.limit as usize, limits::MAX_AUDIT)?;
            }
            Request::Record(events) => {
                bound("events", events.len(), limits::MAX_DOCS)?;
                for e in events {
                    name("event id", &e.id)?;
                    name("time", &e.at)?;
                    if !RECORDED_ACTIONS.contains(&e.action.as_str()) {
                        return Err(WireError::Malformed(format!(
                            "'{}' is not an action a device records",
                            e.action
                        )));
                    }
                    if let Some(d) = &e.doc_id {
                        name("document id", d)?;
                    }
                    bound("characters of detail", e.detail.len(), limits::MAX_DETAIL)?;
                }
            }
            Request::Directory | Request::Team => {}
            Request::Revoke { device_id } => name("device id", device_id)?,
            Request::EnrolCode { user, hours } => {
                name("user", user)?;
                if *hours == 0 || *hours > MAX_CODE_HOURS {
                    return Err(WireError::Malformed(format!(
                        "a code is valid for 1 to {MAX_CODE_HOURS} hours"
                    )));
                }
            }
            Request::AddUser { name: user, role } => {
                name("user", user)?;
                name("role", role)?;
            }
            Request::Erasures => {}
            Request::Approve { id, .. } => name("approval", id)?,

            Request::UndoErasure { batch } => name("erasure", batch)?,
            Request::Keys => {}
            Request::PutKeys(k) => {
                if let Some(pk) = &k.public_key {
                    key_len("public key", pk, 32)?;
                }
                bound("epochs", k.new_epochs.len(), MAX_KEYS)?;
                for e in &k.new_epochs {
                    epoch(e)?;
                }
                bound("grants", k.grants.len(), limits::MAX_DOCS)?;
                for g in &k.grants {
                    grant(g)?;
                }
                bound("code records", k.code_records.len(), MAX_KEYS)?;
                for r in &k.code_records {
                    bound("bytes of a code record", r.sealed.len(), 1024)?;
                }
                bound("shared keys", k.shared.len(), limits::MAX_DOCS)?;
                bound("rewrapped keys", k.rewrapped.len(), limits::MAX_DOCS)?;
                for sk in k.shared.iter().chain(&k.rewrapped) {
                    name("document id", &sk.doc_id)?;
                    wrapped(&sk.key)?;
                }
                org_keys(&k.org_keys, MAX_KEYS)?;
            }
            Request::OrgKeyChain { org, .. } => name("organisation", org)?,
            Request::PutRuleBook(b) => rule_book(b)?,
            Request::RuleBook => {}
        }
        Ok(())
    }
}

impl Response {
    /// A request refused, with its code and why.
    pub fn refused(code: Code, message: impl Into<String>) -> Response {
        Response::Refused(Refusal::new(code, message))
    }

    fn check(&self) -> Result<(), WireError> {
        match self {
            Response::Push(p) => {
                bound("results", p.results.len(), limits::MAX_DOCS)?;
                bound("changed documents", p.changed.len(), limits::MAX_DOCS * 10)?;
                for c in &p.changed {
                    heads(&c.heads)?;
                }
            }
            Response::Pull(p) => {
                bound("documents", p.docs.len(), limits::MAX_DOCS)?;
                for d in &p.docs {
                    heads(&d.heads)?;
                    match &d.payload {
                        Payload::Full { changes: c, .. } | Payload::Changes(c) => changes(c.len())?,
                        Payload::Legacy { changes: c, .. } => changes(c.len())?,
                    }
                    bound("keys", d.keys.len(), MAX_KEYS)?;
                    for k in &d.keys {
                        wrapped(k)?;
                    }
                }
            }
            Response::Keys(k) => {
                bound("grants", k.grants.len(), limits::MAX_DOCS)?;
                for g in &k.grants {
                    grant(g)?;
                }
                bound("epochs", k.epochs.len(), limits::MAX_DOCS)?;
                for e in &k.epochs {
                    epoch(e)?;
                }
                bound("documents to share", k.to_share.len(), limits::MAX_DOCS)?;
                bound("documents in clear", k.legacy.len(), limits::MAX_DOCS)?;
                bound("waiting devices", k.waiting.len(), limits::MAX_DOCS)?;
                for w in &k.waiting {
                    name("device id", &w.device_id)?;
                    key_len("public key", &w.public_key, 32)?;
                    bound("endorsements", w.endorsements.len(), MAX_KEYS)?;
                }
                bound("scopes to rotate", k.rotate.len(), MAX_KEYS)?;
                bound("keys to rewrap", k.rewrap.len(), limits::MAX_DOCS)?;
                for sk in &k.rewrap {
                    wrapped(&sk.key)?;
                }
                org_keys(&k.org_keys, limits::MAX_DOCS)?;
            }
            Response::OrgKeys(k) => org_keys(k, MAX_ORG_KEYS_PAGE)?,
            Response::RuleBook(b) => {
                if let Some(b) = b {
                    rule_book(b)?;
                }
            }
            Response::Erase(r) => bound("documents", r.len(), limits::MAX_DOCS)?,
            Response::Audit(a) => bound("entries", a.len(), limits::MAX_AUDIT)?,
            Response::ConsortiumCount(c) => {
                bound("services", c.services.len(), limits::MAX_DOCS)?;
                bound("organisations", c.contributions.len(), limits::MAX_DOCS)?;
            }
            Response::Directory(orgs) => {
                bound("organisations", orgs.len(), limits::MAX_DOCS)?;
                for o in orgs {
                    name("organisation", o)?;
                }
            }
            Response::Team(t) => {
                bound("people", t.users.len(), limits::MAX_DOCS)?;
                bound("laptops", t.devices.len(), limits::MAX_DOCS)?;
                bound("approvals", t.pending.len(), limits::MAX_DOCS)?;
            }
            Response::Erasures(e) => {
                bound("erasures", e.len(), limits::MAX_DOCS * 10)?;
                for h in e {
                    bound("client files", h.client_files.len(), limits::MAX_DOCS)?;
                }
            }
            Response::Refused(_)
            | Response::Tally(_)
            | Response::Recorded(_)
            | Response::EnrolCode(_) => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusal_codes_travel_as_their_text_and_unknown_ones_are_kept() {
        // The same bytes as when the code was a plain string: the protocol did not change.
        #[derive(Serialize)]
        struct Before {
            code: String,
            message: String,
            wipe: bool,
        }
        let now = Refusal::new(Code::DeviceRevoked, "revoked");
        let before = Before {
            code: "device_revoked".into(),
            message: "revoked".into(),
            wipe: false,
        };
        assert_eq!(
            postcard::to_allocvec(&now).unwrap(),
            postcard::to_allocvec(&before).unwrap()
        );
        // Every known code reads back as itself; a newer peer's code is kept, not misread.
        for code in [
            Code::Unauthorized,
            Code::DeviceRevoked,
            Code::Forbidden,
            Code::TooLarge,
            Code::Malformed,
            Code::Version,
            Code::BadCode,
            Code::RateLimited,
            Code::ServerError,
            Code::NotFound,
            Code::Exists,
            Code::Invalid,
            Code::KeyMismatch,
            Code::NoKey,
            Code::Busy,
            Code::Legacy,
            Code::NotNewer,
            Code::Erased,
            Code::Http,
        ] {
            let r = Refusal::new(code.clone(), "x");
            let back: Refusal = postcard::from_bytes(&postcard::to_allocvec(&r).unwrap()).unwrap();
            assert_eq!(back.code, code);
            assert!(!matches!(Code::from(code.as_str()), Code::Other(_)));
        }
        let newer = Before {
            code: "quota_exceeded".into(),
            message: "x".into(),
            wipe: false,
        };
        let read: Refusal = postcard::from_bytes(&postcard::to_allocvec(&newer).unwrap()).unwrap();
        assert_eq!(read.code, Code::Other("quota_exceeded".into()));
        assert_eq!(read.code.to_string(), "quota_exceeded");
    }
    use proptest::prelude::*;

    fn org_keys_of(epoch: u32) -> OrgKeys {
        OrgKeys {
            org: "Fundacja A".into(),
            epoch,
            public_key: ByteBuf::from(vec![1; 32]),
            signing_key: ByteBuf::from(vec![2; 32]),
            link: ByteBuf::from(vec![3; 64]),
        }
    }

    fn sample() -> Request {
        Request::Push(Push {
            cursor: 42,
            page_limit: 500,
            docs: vec![DocPush {
                doc_id: "01abc".into(),
                kind: "client_file".into(),
                owner_org: "Fundacja".into(),
                base_heads: vec![Hash([7; 32])],
                changes: vec![sealed(vec![1, 2, 3])],
                keys: vec![WrappedKey {
                    org: "Fundacja".into(),
                    scope: "org".into(),
                    epoch: 1,
                    sealed_to_org: false,
                    wrapped: ByteBuf::from(vec![9; 73]),
                }],
                referral_to: None,
                merges_away: false,
                replaces_legacy: false,
                snapshot: None,
            }],
        })
    }

    fn sealed(bytes: Vec<u8>) -> SealedChange {
        SealedChange {
            hash: Hash([1; 32]),
            deps: vec![Hash([2; 32])],
            sealed: ByteBuf::from(bytes),
        }
    }

    #[test]
    fn round_trip_and_compactness() {
        let bytes = encode_request(&sample());
        assert_eq!(&bytes[..4], b"PKSY");
        assert_eq!(decode_request(&bytes).unwrap(), sample());
        // An empty push (the "nothing changed" resync) is a few bytes.
        let empty = encode_request(&Request::Push(Push {
            cursor: 123_456,
            page_limit: 500,
            docs: vec![],
        }));
        assert!(empty.len() < 16, "{} bytes", empty.len());
        // Sealed change bytes travel raw: 1 KB of change costs ~1 KB with its hash and one
        // dependency.
        let big = Request::Push(Push {
            cursor: 0,
            page_limit: 1,
            docs: vec![DocPush {
                doc_id: "d".into(),
                kind: "k".into(),
                owner_org: "o".into(),
                base_heads: vec![],
                changes: vec![sealed(vec![0xAB; 1024])],
                keys: vec![],
                referral_to: None,
                merges_away: false,
                replaces_legacy: false,
                snapshot: None,
            }],
        });
        assert!(encode_request(&big).len() < 1024 + 64 + 32);
        // A public key of the wrong length, or a wrapped key past its bound: refused.
        for bad in [
            Request::PutKeys(PutKeys {
                public_key: Some(ByteBuf::from(vec![1; 31])),
                ..PutKeys::default()
            }),
            Request::PutKeys(PutKeys {
                grants: vec![KeyGrant {
                    device_id: "d".into(),
                    scope: "org".into(),
                    epoch: 1,
                    sealed: ByteBuf::from(vec![0; 257]),
                    endorsement: ByteBuf::from(vec![0; 32]),
                }],
                ..PutKeys::default()
            }),
            // An endorsement of the wrong length.
            Request::PutKeys(PutKeys {
                grants: vec![KeyGrant {
                    device_id: "d".into(),
                    scope: "org".into(),
                    epoch: 1,
                    sealed: ByteBuf::from(vec![0; 80]),
                    endorsement: ByteBuf::from(vec![0; 31]),
                }],
                ..PutKeys::default()
            }),
            // An organisation's keys: a short public or signing key, a link neither empty nor
            // 64 bytes, more than a request holds.
            Request::PutKeys(PutKeys {
                org_keys: vec![OrgKeys {
                    public_key: ByteBuf::from(vec![0; 31]),
                    ..org_keys_of(1)
                }],
                ..PutKeys::default()
            }),
            Request::PutKeys(PutKeys {
                org_keys: vec![OrgKeys {
                    signing_key: ByteBuf::from(vec![0; 33]),
                    ..org_keys_of(1)
                }],
                ..PutKeys::default()
            }),
            Request::PutKeys(PutKeys {
                org_keys: vec![OrgKeys {
                    link: ByteBuf::from(vec![0; 32]),
                    ..org_keys_of(1)
                }],
                ..PutKeys::default()
            }),
            Request::PutKeys(PutKeys {
                org_keys: (1..=MAX_KEYS as u32 + 1).map(org_keys_of).collect(),
                ..PutKeys::default()
            }),
        ] {
            assert!(matches!(
                decode_request(&encode_request(&bad)),
                Err(WireError::Malformed(_))
            ));
        }
        // Well-formed organisation keys pass, with or without a link; a chain page past its
        // bound is refused.
        for ok in [
            org_keys_of(1),
            OrgKeys {
                link: ByteBuf::new(),
                ..org_keys_of(1)
            },
        ] {
            let put = Request::PutKeys(PutKeys {
                org_keys: vec![ok],
                ..PutKeys::default()
            });
            assert_eq!(decode_request(&encode_request(&put)).unwrap(), put);
        }
        let page = Response::OrgKeys(
            (1..=MAX_ORG_KEYS_PAGE as u32 + 1)
                .map(org_keys_of)
                .collect(),
        );
        assert!(matches!(
            decode_response(&encode_response(&page)),
            Err(WireError::Malformed(_))
        ));
        // The directory: a unit request, a list of names back; a name past the limit is refused.
        let ask = encode_request(&Request::Directory);
        assert_eq!(decode_request(&ask).unwrap(), Request::Directory);
        let orgs = Response::Directory(vec!["Fundacja A".into(), "Stowarzyszenie B".into()]);
        assert_eq!(decode_response(&encode_response(&orgs)).unwrap(), orgs);
        for bad in [
            Request::EnrolCode {
                user: "anna".into(),
                hours: 0,
            },
            Request::EnrolCode {
                user: "anna".into(),
                hours: MAX_CODE_HOURS + 1,
            },
            Request::EnrolCode {
                user: "".into(),
                hours: 2,
            },
            Request::Revoke {
                device_id: "d".repeat(limits::MAX_NAME + 1),
            },
            Request::AddUser {
                name: "".into(),
                role: "lawyer".into(),
            },
        ] {
            assert!(
                matches!(
                    decode_request(&encode_request(&bad)),
                    Err(WireError::Malformed(_))
                ),
                "{bad:?}"
            );
        }
        let long = Response::Directory(vec!["x".repeat(limits::MAX_NAME + 1)]);
        assert!(matches!(
            decode_response(&encode_response(&long)),
            Err(WireError::Malformed(_))
        ));
    }

    #[test]
    fn bad_messages_are_refused_clearly() {
        assert_eq!(decode_request(b"GET / HTTP/1.1"), Err(WireError::NotPunkt));
        let mut other = encode_request(&sample());
        other[5] = VERSION as u8 + 1;
        assert_eq!(decode_request(&other), Err(WireError::Version(VERSION + 1)));
        // Devices of version 1 (before erasure), 2 (before consortium counts and the audit
        // view), 3 (before the directory of organisations) and 4 (before erasures could be
        // undone and were limited to coordinators) are told to update.
        for old in [1, 2, 3, 4] {
            other[5] = old as u8;
            assert_eq!(decode_request(&other), Err(WireError::Version(old)));
        }
        let bytes = encode_request(&sample());
        assert!(matches!(
            decode_request(&bytes[..bytes.len() - 2]),
            Err(WireError::Malformed(_))
        ));
        let mut extra = bytes.clone();
        extra.push(0);
        assert!(matches!(
            decode_request(&extra),
            Err(WireError::Malformed(_))
        ));
        let huge = vec![0u8; limits::MAX_MESSAGE_BYTES + 1];
        assert_eq!(
            decode_request(&huge),
            Err(WireError::TooLarge(limits::MAX_MESSAGE_BYTES + 1))
        );
        // A document id past the limit.
        let long = Request::Pull(Pull {
            docs: vec![DocWant {
                doc_id: "x".repeat(500),
                have_heads: vec![],
                need_key: false,
            }],
        });
        assert!(matches!(
            decode_request(&encode_request(&long)),
            Err(WireError::Malformed(_))
        ));
    }

    #[test]
    fn months_and_tallies_are_checked() {
        assert_eq!(
            months("2025-11", "2026-02").unwrap(),
            ["2025-11", "2025-12", "2026-01", "2026-02"]
        );
        assert!(months("2026-02", "2026-01").is_err());
        for bad in [
            "2026-13", "2026-1", "26-01", "2026/01", "", "2026-00", "2026-+1", "+202-01",
        ] {
            assert!(parse_month(bad).is_err(), "{bad}");
        }
        let tally = |month: &str, services: Vec<String>| {
            Request::Tally(Tally {
                key_id: "k1".into(),
                resend: false,
                month: month.into(),
                people: vec![TallyPerson {
                    person: Hash([1; 32]),
                    services,
                }],
            })
        };
        let ok = tally("2026-03", vec!["legal".into()]);
        assert_eq!(decode_request(&encode_request(&ok)).unwrap(), ok);
        for bad in [
            tally("March", vec!["legal".into()]),
            tally("2026-03", vec![String::new()]),
            tally("2026-03", vec!["legal".into(); limits::MAX_SERVICES + 1]),
            Request::ConsortiumCount(CountQuery {
                from: "2000-01".into(),
                to: "2026-01".into(),
            }),
            Request::Record(vec![LocalEvent {
                id: "e1".into(),
                at: "2026-11-22T10:00:00Z".into(),
                action: "erase".into(),
                doc_id: None,
                detail: String::new(),
            }]),
        ] {
            assert!(
                matches!(
                    decode_request(&encode_request(&bad)),
                    Err(WireError::Malformed(_))
                ),
                "{bad:?}"
            );
        }
    }

    proptest! {
        /// Garbage after a valid header never panics and never allocates past the input.
        #[test]
        fn garbage_is_an_error_not_a_crash(body in proptest::collection::vec(any::<u8>(), 0..512)) {
            let mut bytes = b"PKSY\0\x01".to_vec();
            bytes.extend(body);
            let _ = decode_request(&bytes);
            let _ = decode_response(&bytes);
        }
    }
}
