//! What the server does with a request, whatever carries it: authenticate a device, enrol one,
//! and answer push, pull and keys rounds (the files beside this one, by what a request does) —
//! checking the document's owner and access list
//! on every read and write, and writing each document with compare-and-set on its heads so two
//! requests (or two server instances) never lose each other's changes.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use punkt_sync::access;
use punkt_sync::graph::ChangeGraph;
use punkt_sync::wire::{
    AuditEntry, AuditQuery, ChangedDoc, Code, ConsortiumCount, Contribution, CountQuery, DocData,
    DocPush, DocResult, DocWant, Endorsement, EnrolCode, Erase, HeldErasure, KeyGrant, KeysReply,
    LegacyDoc, LocalEvent, Outcome, Payload, PendingApproval, Pull, PullReply, Push, PushReply,
    PutKeys, Refusal, ScopeEpoch, ServiceCount, ShareRequest, Tally, TallyReceipt, Team,
    TeamDevice, TeamUser, WaitingDevice, WrappedKey, ERASED_KIND, ERASURE_GRACE_SECS,
};
use punkt_sync::Hash;
use punkt_sync::{Request, Response};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::limits::{LimitConfig, Limits};
use crate::records::{self, Form, FormError};
use crate::storage::{
    timestamp, Approval, AuditEvent, Device, DocWrite, Hold, NewDevice, ServerDoc, Storage,
    StorageError, TallyMonth, TallyRow, TallyUpload, WriteOutcome,
};

mod counts;
mod enrolment;
mod erasure;
mod keys;
mod pull;
mod push;
mod team;

/// Most entries of "what changed" in one reply.
const MAX_PAGE: u32 = 1_000;
/// Document keys listed to rewrap in one keys answer.
const REWRAP_PAGE: u32 = 500;
/// A pull reply stops adding documents past this many bytes (the device asks for the rest).
const PULL_BUDGET: usize = 16 * 1024 * 1024;
/// Attempts at a compare-and-set write before giving up on a very busy document.
const WRITE_ATTEMPTS: usize = 20;
/// How long after first pushing a file its author may erase or merge it away without being a
/// coordinator (a file made by mistake, a duplicate entered twice the same day).
pub const AUTHOR_WINDOW_SECS: i64 = 24 * 3600;
/// How long after a revoked laptop's first last push it may send more of it (in batches).
pub const FINAL_PUSH_WINDOW_SECS: i64 = 600;
/// Documents one laptop may erase in 24 hours, unless the server is started with another
/// limit: a stolen or misused laptop cannot wipe out an organisation's files in one sync.
pub const DEFAULT_ERASE_LIMIT: u64 = 2_000;

/// Roles a second coordinator must agree to: those that read restricted sections, and
/// coordinators themselves (a coordinator could otherwise make a second coordinator and
/// approve its own requests).
fn needs_second_coordinator(role: &str) -> bool {
    access::reads_restricted(role) || role == access::COORDINATOR
}

/// Fill `buf` from the operating system's random source (tokens, codes, ids).
fn os_random(buf: &mut [u8]) {
    use rand::TryRng;
    rand::rngs::SysRng
        .try_fill_bytes(buf)
        .expect("the operating system gives no random bytes");
}

pub fn hash_secret(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.trim().as_bytes()).into()
}

/// A one-time enrolment code a person can type: 12 characters of an unambiguous alphabet.
pub fn new_enrol_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 12];
    os_random(&mut bytes);
    let s: String = bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect();
    format!("{}-{}-{}", &s[..4], &s[4..8], &s[8..])
}

/// Codes are compared without dashes, spaces or case.
pub fn normalise_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnrolRequest {
    pub code: String,
    pub device_name: String,
    /// The laptop's X25519 public key, in hex (protocol 6).
    #[serde(default)]
    pub public_key: Option<String>,
    /// With a split code: the laptop's proof of the code's secret part over its public key,
    /// in hex (`punkt_e2e::enrolment_mac`).
    #[serde(default)]
    pub proof: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnrolReply {
    pub device_id: String,
    pub token: String,
    pub organisation: String,
    pub user: String,
    pub role: String,
}

/// What `admin migrate-blind` did, and what is still in clear (organisation → kind → count).
#[derive(Debug, Clone, Serialize)]
pub struct MigrationReport {
    pub held_erasures_purged: u64,
    pub documents_in_clear: BTreeMap<String, BTreeMap<String, u64>>,
}

/// The server's behaviour over a storage backend.
pub struct Engine<S> {
    pub store: Arc<S>,
    clock: Arc<dyn Fn() -> i64 + Send + Sync>,
    erase_limit: u64,
    limits: Arc<Limits>,
    /// Erase requests one at a time, so that concurrent ones cannot each spend a laptop's
    /// whole daily allowance (per instance).
    erasing: Arc<tokio::sync::Mutex<()>>,
}

impl<S> Clone for Engine<S> {
    fn clone(&self) -> Self {
        Engine {
            store: self.store.clone(),
            clock: self.clock.clone(),
            erase_limit: self.erase_limit,
            limits: self.limits.clone(),
            erasing: self.erasing.clone(),
        }
    }
}

/// Why a request was not authenticated; a revoked laptop's comes with the laptop.
#[derive(Debug)]
pub struct AuthRefusal {
    pub refusal: Refusal,
    pub revoked: Option<Device>,
}

impl From<Refusal> for AuthRefusal {
    fn from(refusal: Refusal) -> Self {
        AuthRefusal {
            refusal,
            revoked: None,
        }
    }
}

impl<S: Storage> Engine<S> {
    pub fn new(store: S) -> Self {
        Engine {
            store: Arc::new(store),
            clock: Arc::new(|| chrono::Utc::now().timestamp()),
            erase_limit: DEFAULT_ERASE_LIMIT,
            limits: Arc::new(Limits::new(LimitConfig::default())),
            erasing: Arc::new(tokio::sync::Mutex::new(())),
        }
    }

    /// Other rate limits than the defaults.
    pub fn with_limits(mut self, config: LimitConfig) -> Self {
        self.limits = Arc::new(Limits::new(config));
        self
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Documents one laptop may erase in 24 hours.
    pub fn with_erase_limit(mut self, limit: u64) -> Self {
        self.erase_limit = limit;
        self
    }

    /// Replace the clock (tests of expiry).
    pub fn with_clock(mut self, clock: impl Fn() -> i64 + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    pub fn now(&self) -> i64 {
        (self.clock)()
    }

    async fn audit(
        &self,
        action: &str,
        device: Option<&Device>,
        doc_id: Option<&str>,
        mut detail: String,
    ) {
        // A request with no valid token is nobody's: a flood of them must not fill the log.
        if device.is_none() && matches!(action, "refused" | "enrol_refused") {
            match self.limits.anonymous_audit(self.now()) {
                None => return,
                Some(0) => {}
                Some(n) => detail.push_str(&format!(" ({n} more such requests were not logged)")),
            }
        }
        let e = AuditEvent {
            at: timestamp(self.now()),
            action: action.to_string(),
            device_id: device.map(|d| d.device_id.clone()),
            user: device.map(|d| d.user.clone()),
            organisation: device.map(|d| d.organisation.clone()),
            doc_id: doc_id.map(str::to_string),
            detail,
            event_id: None,
        };
        if let Err(err) = self.store.audit(e).await {
            tracing::error!("audit log write failed: {err}");
        }
    }

    /// An audit record of an administrator's action (no device made the request).
    fn admin_event(
        &self,
        action: &str,
        device_id: Option<&str>,
        organisation: Option<&str>,
        doc_id: Option<&str>,
        detail: String,
    ) -> AuditEvent {
        AuditEvent {
            at: timestamp(self.now()),
            action: action.to_string(),
            device_id: device_id.map(str::to_string),
            user: None,
            organisation: organisation.map(str::to_string),
            doc_id: doc_id.map(str::to_string),
            detail,
            event_id: None,
        }
    }

    /// Record a refused request of an authenticated device.
    pub async fn audit_refusal(&self, device: &Device, why: &str) {
        self.audit("refused", Some(device), None, why.to_string())
            .await;
    }

    /// Mark the database as restored from a backup: devices will send everything again.
    pub async fn restored(&self) -> Result<String, StorageError> {
        let g = self.store.new_generation().await?;
        let detail = format!("database marked as restored from a backup; generation {g}");
        let e = self.admin_event("restored", None, None, None, detail);
        self.store.audit(e).await?;
        Ok(g)
    }

    /// Let organisation `org` read and write document `id`; logged.
    pub async fn grant(&self, id: &str, org: &str) -> Result<(), StorageError> {
        self.store.grant(id, org).await?;
        let detail = format!("access granted to {org}");
        let e = self.admin_event("grant", None, Some(org), Some(id), detail);
        self.store.audit(e).await.map(drop)
    }

    /// Answer one request of an authenticated device.
    pub async fn handle(&self, device: &Device, req: Request) -> Response {
        if let Some(what) = coordinators_only(&req) {
            if let Some(r) = self.coordinator_only(device, what).await {
                return Response::Refused(r);
            }
        }
        let result = match req {
            Request::Push(p) => self.push(device, p).await.map(Response::Push),
            Request::Pull(p) => self.pull(device, p).await.map(Response::Pull),
            Request::Erase(e) => self.erase(device, e).await.map(Response::Erase),
            Request::Tally(t) => self.tally(device, t).await,
            Request::ConsortiumCount(q) => self.consortium_count(device, q).await,
            Request::Audit(q) => self.audit_view(device, q).await,
            Request::Record(events) => self.record(device, events).await.map(Response::Recorded),
            Request::Directory => self.store.organisations().await.map(Response::Directory),
            Request::Team => self.team_request(device).await,
            Request::Revoke { device_id } => self.revoke_request(device, &device_id).await,
            Request::EnrolCode { user, hours } => self.code_request(device, &user, hours).await,
            Request::AddUser { name, role } => self.add_user_request(device, &name, &role).await,
            Request::Erasures => self.erasures_request(device).await,
            Request::Approve { id, approve } => self.approve_request(device, &id, approve).await,
            // A laptop that is not revoked pushes as usual.
            Request::FinalPush(p) => self.push(device, p).await.map(Response::Push),
            Request::UndoErasure { batch } => self.undo_request(device, &batch).await,
            Request::Keys => self.keys(device).await.map(Response::Keys),
            Request::PutKeys(k) => self.put_keys(device, k).await,
            Request::OrgKeyChain { org, after } => self
                .store
                .org_key_chain(&org, after, punkt_sync::wire::MAX_ORG_KEYS_PAGE as u32)
                .await
                .map(Response::OrgKeys),
            Request::PutRuleBook(b) => self.put_rule_book(device, b).await,
            Request::RuleBook => self.store.rule_book().await.map(Response::RuleBook),
        };
        result.unwrap_or_else(|e| Response::refused(Code::ServerError, e.to_string()))
    }

    /// The organisation check, and for restricted sections the role check too (sections never
    /// go beyond the owner organisation).
    fn may_access(device: &Device, doc: &ServerDoc) -> bool {
        if access::is_section(&doc.kind) {
            return doc.owner_org == device.organisation
                && access::role_may_read(&doc.kind, &device.role);
        }
        doc.owner_org == device.organisation || doc.access.contains(&device.organisation)
    }

    /// The person's organisation and role, if the server knows them (user names are unique
    /// across the server).
    async fn user(&self, name: &str) -> Result<Option<(String, String)>, StorageError> {
        let users = self.store.users().await?;
        Ok(users
            .into_iter()
            .find(|(n, _, _)| n == name)
            .map(|(_, org, role)| (org, role)))
    }

    /// The laptop, if the server knows it.
    async fn device(&self, id: &str) -> Result<Option<Device>, StorageError> {
        let devices = self.store.devices().await?;
        Ok(devices.into_iter().find(|d| d.device_id == id))
    }

    /// `None` for a coordinator; otherwise the refusal, logged (see [`coordinators_only`]).
    async fn coordinator_only(&self, device: &Device, what: &str) -> Option<Refusal> {
        if device.role == "coordinator" {
            return None;
        }
        let why = format!("{what}: the role '{}' is not a coordinator", device.role);
        self.audit_refusal(device, &why).await;
        Some(Refusal::new(
            Code::Forbidden,
            format!("only a coordinator may use the {what}"),
        ))
    }
}

/// What only a coordinator may ask for, by the name a refusal gives it; `None` for what every
/// enrolled laptop may ask.
fn coordinators_only(req: &Request) -> Option<&'static str> {
    Some(match req {
        Request::Tally(_) => "consortium tally",
        Request::ConsortiumCount(_) => "consortium count",
        Request::Audit(_) => "audit log",
        Request::PutRuleBook(_) => "rule book",
        Request::Team
        | Request::Revoke { .. }
        | Request::EnrolCode { .. }
        | Request::AddUser { .. }
        | Request::Approve { .. } => "team",
        Request::Erasures | Request::UndoErasure { .. } => "erasures",
        Request::Push(_)
        | Request::Pull(_)
        | Request::Erase(_)
        | Request::Record(_)
        | Request::Directory
        | Request::FinalPush(_)
        | Request::Keys
        | Request::PutKeys(_)
        | Request::OrgKeyChain { .. }
        | Request::RuleBook => return None,
    })
}
