//! What the server does with a request, whatever carries it: authenticate a device, enrol one,
//! and answer push, pull and reconcile rounds — checking the document's owner and access list
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
    StorageError, TallyMonth, TallyRow, WriteOutcome,
};

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

/// Count unique people per service (and `all`) from the tally rows of a period; which
/// organisation sent which month. `organisations` adds those that sent nothing.
fn count_tallies(
    months: &[String],
    sent: &[TallyMonth],
    rows: Vec<TallyRow>,
    devices: Vec<Device>,
) -> ConsortiumCount {
    // service -> person -> organisations
    let mut by_service: BTreeMap<String, HashMap<[u8; 32], BTreeSet<String>>> = BTreeMap::new();
    for r in rows {
        for service in [r.service.as_str(), "all"] {
            by_service
                .entry(service.to_string())
                .or_default()
                .entry(r.person)
                .or_default()
                .insert(r.organisation.clone());
        }
    }
    let services = by_service
        .into_iter()
        .map(|(service, people)| {
            let mut per_org: BTreeMap<String, u64> = BTreeMap::new();
            let mut several = 0;
            for orgs in people.values() {
                if orgs.len() > 1 {
                    several += 1;
                }
                for o in orgs {
                    *per_org.entry(o.clone()).or_default() += 1;
                }
            }
            ServiceCount {
                service,
                unique_people: people.len() as u64,
                sum_of_organisations: per_org.values().sum(),
                in_several_organisations: several,
                per_organisation: per_org.into_iter().collect(),
            }
        })
        .collect();
    // Expected contributors: organisations with a coordinator's laptop that is not revoked
    // (only coordinators send tallies), and any that sent.
    let mut orgs: BTreeSet<String> = devices
        .into_iter()
        .filter(|d| d.role == "coordinator" && d.revoked_at.is_none())
        .map(|d| d.organisation)
        .collect();
    orgs.extend(sent.iter().map(|m| m.organisation.clone()));
    let contributions = orgs
        .into_iter()
        .map(|org| {
            let mine: Vec<&TallyMonth> = sent.iter().filter(|m| m.organisation == org).collect();
            Contribution {
                months: mine.iter().map(|m| m.month.clone()).collect(),
                missing_months: months
                    .iter()
                    .filter(|m| !mine.iter().any(|s| &s.month == *m))
                    .cloned()
                    .collect(),
                last_sent: mine.iter().map(|m| m.sent_at.clone()).max(),
                organisation: org,
            }
        })
        .collect();
    ConsortiumCount {
        from: String::new(),
        to: String::new(),
        services,
        contributions,
    }
}

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

fn refusal(code: Code, message: impl Into<String>) -> Refusal {
    Refusal::new(code, message)
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

    /// Revoke a device: refused from now on, told to wipe; logged.
    pub async fn revoke(&self, device_id: &str) -> Result<(), StorageError> {
        self.store.revoke(device_id, self.now()).await?;
        // The device's organisation goes in the entry, so its coordinator sees the revocation
        // in their log.
        let device = self
            .store
            .devices()
            .await?
            .into_iter()
            .find(|d| d.device_id == device_id);
        // The log's user is who acted (an administrator, unnamed): the laptop's user goes in
        // the detail.
        let detail = match &device {
            Some(d) => format!(
                "{}'s laptop \"{}\" revoked by an administrator",
                d.user, d.name
            ),
            None => "revoked by an administrator".to_string(),
        };
        let org = device.as_ref().map(|d| d.organisation.as_str());
        let e = self.admin_event("revoke", Some(device_id), org, None, detail);
        self.store.audit(e).await.map(drop)
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

    /// Delete the consortium tallies of the months before `before` (`YYYY-MM`); logged.
    pub async fn delete_tallies_before(&self, before: &str) -> Result<u64, StorageError> {
        punkt_sync::wire::parse_month(before).map_err(|e| StorageError::Invalid(e.to_string()))?;
        let n = self.store.delete_tallies_before(before).await?;
        self.store.scrub_tallies().await?;
        let detail = format!("{n} organisation-months of tallies before {before} deleted");
        let e = self.admin_event("tally_delete", None, None, None, detail);
        self.store.audit(e).await?;
        Ok(n)
    }

    /// Make a one-time enrolment code for `user`, valid for `hours`.
    pub async fn make_enrol_code(&self, user: &str, hours: u32) -> Result<String, StorageError> {
        Ok(self.issue_code(None, user, hours).await?.code)
    }

    /// A one-time code for `user`, valid for `hours`, made by an administrator (`by` none) or
    /// a coordinator's laptop; the server keeps only its hash. Logged.
    async fn issue_code(
        &self,
        by: Option<&Device>,
        user: &str,
        hours: u32,
    ) -> Result<EnrolCode, StorageError> {
        let code = new_enrol_code();
        let expires = self.now() + i64::from(hours) * 3600;
        self.store
            .add_enrol_code(user, hash_secret(&normalise_code(&code)), expires)
            .await?;
        let detail = format!("code made for user {user}, valid {hours} h");
        self.audit("enrol_code", by, None, detail).await;
        let role = self
            .store
            .users()
            .await?
            .into_iter()
            .find(|(name, _, _)| name == user)
            .map(|(_, _, role)| role)
            .unwrap_or_default();
        Ok(EnrolCode {
            user: user.to_string(),
            role,
            code,
            expires_at: timestamp(expires),
            awaiting_approval: false,
        })
    }

    /// Ask a second coordinator to approve `action` on `subject`; logged.
    async fn ask_approval(
        &self,
        by: &Device,
        action: &str,
        subject: &str,
        role: Option<&str>,
        expires_at: Option<i64>,
    ) -> Result<String, StorageError> {
        let mut id = [0u8; 8];
        os_random(&mut id);
        let id = hex::encode(id);
        self.store
            .add_approval(Approval {
                id: id.clone(),
                organisation: by.organisation.clone(),
                action: action.to_string(),
                subject: subject.to_string(),
                role: role.map(str::to_string),
                expires_at,
                requested_by: by.user.clone(),
                requested_device: by.device_id.clone(),
                requested_at: self.now(),
            })
            .await?;
        let detail = format!(
            "{action} {subject}{} waits for a second coordinator (approval {id})",
            role.map(|r| format!(" as {r}")).unwrap_or_default()
        );
        self.audit("approval_asked", Some(by), None, detail).await;
        Ok(id)
    }

    /// What waits for approval, of `org` when set.
    pub async fn approvals(&self, org: Option<&str>) -> Result<Vec<Approval>, StorageError> {
        self.store.approvals(org).await
    }

    /// Approve or decline approval `id`: a coordinator of its organisation other than the one
    /// who asked (`by`), or the administrator (`by` none). Approved, it is carried out: the
    /// person added, the code made usable, the laptop revoked. Logged.
    pub async fn decide(
        &self,
        by: Option<&Device>,
        id: &str,
        approve: bool,
    ) -> Result<(Approval, Option<EnrolCode>), StorageError> {
        let mut issued = None;
        let pending = self
            .store
            .approvals(by.map(|d| d.organisation.as_str()))
            .await?
            .into_iter()
            .find(|a| a.id == id)
            .ok_or_else(|| StorageError::NotFound(format!("no approval {id} waiting")))?;
        if let Some(d) = by {
            if approve && d.user == pending.requested_by {
                return Err(StorageError::Invalid(
                    "a second coordinator must approve what you asked for".into(),
                ));
            }
            // The person whose laptop is to be revoked decides nothing about it (a stolen
            // coordinator's laptop must not decline its own revocation).
            if pending.action == "revoke" {
                let subject = self
                    .store
                    .devices()
                    .await?
                    .into_iter()
                    .find(|x| x.device_id == pending.subject);
                if subject.is_some_and(|s| s.user == d.user) {
                    return Err(StorageError::Invalid(
                        "another coordinator decides about revoking your laptop".into(),
                    ));
                }
            }
        }
        let Some(a) = self.store.take_approval(id).await? else {
            return Err(StorageError::NotFound(format!("no approval {id} waiting")));
        };
        if approve {
            match a.action.as_str() {
                "add_user" => {
                    let role = a.role.as_deref().unwrap_or_default();
                    self.store
                        .add_user(&a.organisation, &a.subject, role)
                        .await?;
                }
                "enrol_code" => {
                    // The code is made now and goes to the coordinator who approved.
                    let hours = a
                        .expires_at
                        .map(|e| ((e - a.requested_at) / 3600).clamp(1, 24 * 30) as u32)
                        .unwrap_or(24);
                    issued = Some(self.issue_code(by, &a.subject, hours).await?);
                }
                "revoke" => self.store.revoke(&a.subject, self.now()).await?,
                other => return Err(StorageError::Invalid(format!("unknown approval '{other}'"))),
            }
        }
        let verdict = if approve { "approved" } else { "declined" };
        let detail = format!(
            "{} {} (asked by {}) {verdict}{}",
            a.action,
            a.subject,
            a.requested_by,
            if by.is_none() {
                " by an administrator"
            } else {
                ""
            }
        );
        match by {
            Some(d) => self.audit(verdict, Some(d), None, detail).await,
            None => {
                let e = self.admin_event(verdict, None, Some(&a.organisation), None, detail);
                self.store.audit(e).await?;
            }
        }
        Ok((a, issued))
    }

    /// Enrol a device with a one-time code: returns its token (the server keeps only a hash).
    pub async fn enrol(&self, req: EnrolRequest) -> Result<EnrolReply, Refusal> {
        let name = req.device_name.trim();
        if name.is_empty() || name.len() > 200 {
            return Err(refusal(
                Code::Malformed,
                "the device name is empty or too long",
            ));
        }
        let mut id = [0u8; 16];
        os_random(&mut id);
        let device_id = hex::encode(id);
        let mut secret = [0u8; 32];
        os_random(&mut secret);
        let token = hex::encode(secret);
        let code_hash = hash_secret(&normalise_code(&req.code));
        let public_key = match req.public_key.as_deref().map(hex::decode) {
            None => None,
            Some(Ok(k)) if k.len() == 32 => Some(<[u8; 32]>::try_from(k.as_slice()).expect("32")),
            Some(_) => {
                return Err(refusal(
                    Code::Malformed,
                    "the public key is not 32 bytes of hex",
                ))
            }
        };
        let proof = match req.proof.as_deref().map(hex::decode) {
            None => None,
            Some(Ok(p)) if p.len() == 32 => Some(p),
            Some(_) => return Err(refusal(Code::Malformed, "the proof is not 32 bytes of hex")),
        };
        match self
            .store
            .enrol(
                code_hash,
                self.now(),
                NewDevice {
                    device_id: device_id.clone(),
                    name: name.to_string(),
                    token_hash: hash_secret(&token),
                    public_key,
                    proof,
                },
            )
            .await
        {
            Ok(d) => {
                self.audit("enrol", Some(&d), None, format!("device '{name}' enrolled"))
                    .await;
                Ok(EnrolReply {
                    device_id: d.device_id,
                    token,
                    organisation: d.organisation,
                    user: d.user,
                    role: d.role,
                })
            }
            Err(StorageError::Invalid(why)) => {
                self.audit("enrol_refused", None, None, why.clone()).await;
                Err(refusal(Code::BadCode, why))
            }
            Err(e) => Err(refusal(Code::ServerError, e.to_string())),
        }
    }

    /// The device a bearer token belongs to, or why it is refused. For a request from an
    /// address over its failure allowance (`blocked`), a valid token is served as ever;
    /// anything else is refused with `rate_limited` and writes nothing. A revoked laptop's
    /// refusal carries the laptop, for its last push ([`Engine::final_push`]).
    pub async fn authenticate(
        &self,
        token: Option<&str>,
        blocked: bool,
    ) -> Result<Device, AuthRefusal> {
        let slow_down = || {
            AuthRefusal::from(refusal(
                Code::RateLimited,
                "too many failed attempts from this address: wait a minute and try again",
            ))
        };
        let Some(token) = token else {
            if blocked {
                return Err(slow_down());
            }
            self.audit("refused", None, None, "no device token".into())
                .await;
            return Err(refusal(
                Code::Unauthorized,
                "no device token: enrol this device first",
            )
            .into());
        };
        match self.store.device_by_token(hash_secret(token)).await {
            Ok(Some(d)) if d.revoked_at.is_some() => {
                // A revoked laptop that keeps asking is logged at its request rate.
                if self.limits.device_request(&d.device_id) {
                    self.audit("refused", Some(&d), None, "revoked device".into())
                        .await;
                }
                Err(AuthRefusal {
                    refusal: Self::revoked(),
                    revoked: Some(d),
                })
            }
            Ok(Some(d)) => {
                let _ = self.store.touch_device(&d.device_id, self.now()).await;
                Ok(d)
            }
            Ok(None) if blocked => Err(slow_down()),
            Ok(None) => {
                self.audit("refused", None, None, "unknown device token".into())
                    .await;
                Err(refusal(Code::Unauthorized, "unknown device token").into())
            }
            Err(e) => Err(refusal(Code::ServerError, e.to_string()).into()),
        }
    }

    /// What a revoked laptop is told: refused, and to wipe its store.
    fn revoked() -> Refusal {
        Refusal {
            code: Code::DeviceRevoked,
            message: "this device was revoked: its store must be wiped".into(),
            wipe: true,
        }
    }

    /// A revoked laptop's last push of what it had not sent, before it wipes its store: the
    /// documents are taken as any push's (same access checks), nothing is listed back, and
    /// the log says so. Its work is not lost with the wipe.
    pub async fn final_push(&self, device: &Device, p: Push) -> Response {
        // Once: within a few minutes of the first (a laptop with much unsent work sends it in
        // several batches), and at the laptop's request rate. A stolen laptop cannot keep
        // writing after its revocation.
        let now = self.now();
        let started = self
            .store
            .final_push_started(&device.device_id, now)
            .await
            .ok()
            .flatten();
        if started.is_none_or(|t| now - t > FINAL_PUSH_WINDOW_SECS)
            || !self.limits.device_request(&device.device_id)
        {
            return Response::Refused(Self::revoked());
        }
        let n = p.docs.len();
        let mut results = Vec::with_capacity(n);
        let mut applied = 0;
        for d in p.docs {
            let doc_id = d.doc_id.clone();
            // No new referral: it would open a document to another organisation.
            if d.kind == access::REFERRAL_KIND && d.base_heads.is_empty() {
                results.push(DocResult {
                    doc_id,
                    outcome: Outcome::Refused(refusal(
                        Code::Forbidden,
                        "a revoked laptop cannot send a new referral",
                    )),
                });
                continue;
            }
            let outcome = self.push_or_refuse(device, d, &mut Vec::new()).await;
            if matches!(outcome, Outcome::Applied { .. }) {
                applied += 1;
            }
            results.push(DocResult { doc_id, outcome });
        }
        let detail =
            format!("revoked laptop's last push before its wipe: {applied} of {n} documents taken");
        self.audit("final_push", Some(device), None, detail).await;
        let (server_seq, generation) = match (
            self.store.current_seq().await,
            self.store.generation().await,
        ) {
            (Ok(s), Ok(g)) => (s, g),
            _ => (0, String::new()),
        };
        Response::Push(PushReply {
            results,
            changed: Vec::new(),
            next_cursor: p.cursor,
            more: false,
            server_seq,
            generation,
            directory: String::new(),
            keys: String::new(),
            compact: Vec::new(),
            rule_book: 0,
        })
    }

    /// Answer one request of an authenticated device.
    pub async fn handle(&self, device: &Device, req: Request) -> Response {
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
        result.unwrap_or_else(|e| Response::Refused(refusal(Code::ServerError, e.to_string())))
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

    /// `None` for a coordinator; otherwise the refusal, logged.
    async fn coordinator_only(&self, device: &Device, what: &str) -> Option<Refusal> {
        if device.role == "coordinator" {
            return None;
        }
        let why = format!("{what}: the role '{}' is not a coordinator", device.role);
        self.audit_refusal(device, &why).await;
        Some(refusal(
            Code::Forbidden,
            format!("only a coordinator may use the {what}"),
        ))
    }

    /// The device's organisation's people and laptops.
    async fn team(&self, org: &str) -> Result<Team, StorageError> {
        let users = self
            .store
            .users()
            .await?
            .into_iter()
            .filter(|(_, o, _)| o == org)
            .map(|(name, _, role)| TeamUser { name, role })
            .collect();
        let devices = self
            .store
            .devices()
            .await?
            .into_iter()
            .filter(|d| d.organisation == org)
            .map(|d| TeamDevice {
                device_id: d.device_id,
                name: d.name,
                user: d.user,
                role: d.role,
                enrolled_at: d.enrolled_at,
                last_seen: d.last_seen,
                revoked_at: d.revoked_at,
            })
            .collect();
        let pending = self
            .store
            .approvals(Some(org))
            .await?
            .into_iter()
            .map(|a| PendingApproval {
                id: a.id,
                action: a.action,
                subject: a.subject,
                role: a.role,
                requested_by: a.requested_by,
                requested_at: timestamp(a.requested_at),
            })
            .collect();
        Ok(Team {
            organisation: org.to_string(),
            users,
            devices,
            pending,
            issued: None,
        })
    }

    /// Another organisation's person or laptop is answered like an unknown one: nothing is
    /// learnt of it. Logged as a refusal.
    async fn not_ours(&self, device: &Device, what: &str, name: &str) -> Response {
        self.audit_refusal(device, &format!("team: unknown {what} {name}"))
            .await;
        Response::Refused(refusal(
            Code::NotFound,
            format!("no {what} {name} in {}", device.organisation),
        ))
    }

    /// A coordinator publishes a rule book of deadlines and holidays for the consortium: it
    /// must read as one (`RuleBook::from_json`), carry the serial it says, be newer than the
    /// newest kept, and be signed by the coordinator's organisation with the signing key it
    /// published for `epoch`. Laptops check the signature again against the keys they follow;
    /// these checks keep a bad book from being handed out at all.
    async fn put_rule_book(
        &self,
        device: &Device,
        b: punkt_sync::wire::SignedRuleBook,
    ) -> Result<Response, StorageError> {
        if let Some(r) = self.coordinator_only(device, "rule book").await {
            return Ok(Response::Refused(r));
        }
        let bad = |code: Code, why: String| Ok(Response::Refused(refusal(code, why)));
        if b.org != device.organisation {
            return bad(
                Code::Forbidden,
                format!(
                    "a rule book signed for {} from a laptop of {}",
                    b.org, device.organisation
                ),
            );
        }
        let book = match punkt_model::deadlines::RuleBook::from_json(&b.book) {
            Ok(book) => book,
            Err(e) => return bad(Code::Malformed, e.to_string()),
        };
        if book.serial != b.serial {
            return bad(
                Code::Malformed,
                format!(
                    "the book says serial {}, the message {}",
                    book.serial, b.serial
                ),
            );
        }
        let signing = self
            .store
            .org_key_chain(&b.org, b.epoch.saturating_sub(1), 1)
            .await?
            .into_iter()
            .next()
            .filter(|k| k.epoch == b.epoch)
            .and_then(|k| <[u8; 32]>::try_from(k.signing_key.as_slice()).ok());
        let signed = signing.is_some_and(|key| {
            punkt_e2e::verify_rule_book(&key, &b.org, b.epoch, b.serial, &b.book, &b.signature)
        });
        if !signed {
            self.audit_refusal(device, "rule book: the signature does not check")
                .await;
            return bad(
                Code::Forbidden,
                format!(
                    "the rule book is not signed with the keys {} published for epoch {}",
                    b.org, b.epoch
                ),
            );
        }
        let (version, serial) = (book.version.clone(), b.serial);
        if !self
            .store
            .publish_rule_book(b, &device.device_id, self.now())
            .await?
        {
            return bad(
                Code::NotNewer,
                format!("rule book serial {serial} is not newer than the one the server holds"),
            );
        }
        self.audit(
            "rule_book",
            Some(device),
            None,
            format!("rule book {version} (serial {serial}) published"),
        )
        .await;
        Ok(Response::RuleBook(self.store.rule_book().await?))
    }

    async fn team_request(&self, device: &Device) -> Result<Response, StorageError> {
        if let Some(r) = self.coordinator_only(device, "team").await {
            return Ok(Response::Refused(r));
        }
        Ok(Response::Team(self.team(&device.organisation).await?))
    }

    /// A coordinator revokes one of their organisation's laptops (not their own: that is done
    /// from another laptop, or by the administrator). Logged with the coordinator as actor.
    async fn revoke_request(
        &self,
        device: &Device,
        device_id: &str,
    ) -> Result<Response, StorageError> {
        if let Some(r) = self.coordinator_only(device, "team").await {
            return Ok(Response::Refused(r));
        }
        let target = self
            .store
            .devices()
            .await?
            .into_iter()
            .find(|d| d.device_id == device_id && d.organisation == device.organisation);
        let Some(target) = target else {
            return Ok(self.not_ours(device, "laptop", device_id).await);
        };
        if target.device_id == device.device_id {
            return Ok(Response::Refused(refusal(
                Code::Invalid,
                "a laptop cannot revoke itself: do it from another coordinator's laptop",
            )));
        }
        // A coordinator's laptop is revoked only when a second coordinator agrees: one
        // coordinator alone cannot lock the others out and wipe their unsent work.
        if target.role == access::COORDINATOR && target.revoked_at.is_none() {
            self.ask_approval(device, "revoke", &target.device_id, None, None)
                .await?;
        } else if target.revoked_at.is_none() {
            self.store.revoke(device_id, self.now()).await?;
            let detail = format!("{}'s laptop \"{}\" revoked", target.user, target.name);
            self.audit("revoke", Some(device), None, detail).await;
        }
        Ok(Response::Team(self.team(&device.organisation).await?))
    }

    async fn code_request(
        &self,
        device: &Device,
        user: &str,
        hours: u32,
    ) -> Result<Response, StorageError> {
        if let Some(r) = self.coordinator_only(device, "team").await {
            return Ok(Response::Refused(r));
        }
        let role = self
            .store
            .users()
            .await?
            .into_iter()
            .find(|(name, org, _)| name == user && org == &device.organisation)
            .map(|(_, _, role)| role);
        let Some(role) = role else {
            return Ok(self.not_ours(device, "user", user).await);
        };
        if needs_second_coordinator(&role) {
            // A laptop for someone who reads restricted notes, or for a coordinator (who could
            // approve the next request): made only when a second coordinator approves, and
            // given to that coordinator, so no coordinator alone holds such a code.
            let expires = self.now() + i64::from(hours) * 3600;
            self.ask_approval(device, "enrol_code", user, Some(&role), Some(expires))
                .await?;
            return Ok(Response::EnrolCode(EnrolCode {
                user: user.to_string(),
                role: role.clone(),
                code: String::new(),
                expires_at: timestamp(expires),
                awaiting_approval: true,
            }));
        }
        Ok(Response::EnrolCode(
            self.issue_code(Some(device), user, hours).await?,
        ))
    }

    async fn add_user_request(
        &self,
        device: &Device,
        name: &str,
        role: &str,
    ) -> Result<Response, StorageError> {
        if let Some(r) = self.coordinator_only(device, "team").await {
            return Ok(Response::Refused(r));
        }
        let name = name.trim();
        if needs_second_coordinator(role) {
            // Someone who reads restricted notes: added once a second coordinator approves.
            if name.is_empty() {
                return Ok(Response::Refused(refusal(
                    Code::Invalid,
                    "give the person's user name",
                )));
            }
            if self.store.users().await?.iter().any(|(n, _, _)| n == name) {
                return Ok(Response::Refused(refusal(
                    Code::Exists,
                    format!("the user name '{name}' is taken: choose another"),
                )));
            }
            self.ask_approval(device, "add_user", name, Some(role), None)
                .await?;
            return Ok(Response::Team(self.team(&device.organisation).await?));
        }
        match self.store.add_user(&device.organisation, name, role).await {
            Ok(()) => {}
            Err(StorageError::Invalid(m)) => {
                return Ok(Response::Refused(refusal(Code::Invalid, m)));
            }
            // User names are the server's, across organisations: say only that it is taken.
            Err(StorageError::Exists(_)) => {
                return Ok(Response::Refused(refusal(
                    Code::Exists,
                    format!("the user name '{name}' is taken: choose another"),
                )));
            }
            Err(e) => return Err(e),
        }
        self.audit(
            "user_add",
            Some(device),
            None,
            format!("user {name} added as {role}"),
        )
        .await;
        Ok(Response::Team(self.team(&device.organisation).await?))
    }

    /// Store one month of the device's organisation's consortium tally, replacing the last.
    async fn tally(&self, device: &Device, t: Tally) -> Result<Response, StorageError> {
        if let Some(r) = self.coordinator_only(device, "consortium tally").await {
            return Ok(Response::Refused(r));
        }
        // Services are the vocabulary's codes: free text would reach every coordinator's screen,
        // and "all" is the total's name.
        if let Some(bad) = t
            .people
            .iter()
            .flat_map(|p| &p.services)
            .find(|s| s.parse::<punkt_model::vocab::Service>().is_err())
        {
            return Ok(Response::Refused(refusal(
                Code::Malformed,
                format!("'{bad}' is not a service"),
            )));
        }
        let n = t.people.len();
        let people = t
            .people
            .into_iter()
            .map(|p| (p.person.0, p.services))
            .collect();
        let at = timestamp(self.now());
        let stored = self
            .store
            .replace_tally(
                &device.organisation,
                &t.month,
                &t.key_id,
                &at,
                people,
                t.resend,
            )
            .await?;
        if stored {
            // A month sent again after an erasure must not leave the erased person's hash in
            // the database's files.
            self.store.scrub_tallies().await?;
        }
        let detail = match (stored, t.resend) {
            (true, false) => format!("{}: {n} people", t.month),
            (true, true) => format!("{}: {n} people, sent again after an erasure", t.month),
            (false, _) => format!("{}: not sent again (no tally of it here)", t.month),
        };
        self.audit("tally", Some(device), None, detail).await;
        Ok(Response::Tally(TallyReceipt {
            month: t.month,
            people: if stored {
                u32::try_from(n).unwrap_or(u32::MAX)
            } else {
                0
            },
            stored,
        }))
    }

    /// Count the people the consortium reached in a period, each once, from the organisations'
    /// tallies. Only numbers leave the server.
    async fn consortium_count(
        &self,
        device: &Device,
        q: CountQuery,
    ) -> Result<Response, StorageError> {
        if let Some(r) = self.coordinator_only(device, "consortium count").await {
            return Ok(Response::Refused(r));
        }
        let months = match punkt_sync::wire::months(&q.from, &q.to) {
            Ok(m) => m,
            Err(e) => return Ok(Response::Refused(refusal(Code::Malformed, e.to_string()))),
        };
        let (sent, rows) = self.store.tallies(&q.from, &q.to).await?;
        let mut keys: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for m in &sent {
            keys.entry(&m.key_id).or_default().insert(&m.organisation);
        }
        if keys.len() > 1 {
            let groups: Vec<String> = keys
                .iter()
                .map(|(k, orgs)| {
                    format!(
                        "key {k}: {}",
                        orgs.iter().copied().collect::<Vec<_>>().join(", ")
                    )
                })
                .collect();
            return Ok(Response::Refused(refusal(
                Code::KeyMismatch,
                format!(
                    "the tallies of this period were made with different consortium keys ({}); \
                     every organisation must send them again with the same key",
                    groups.join("; ")
                ),
            )));
        }
        let count = count_tallies(&months, &sent, rows, self.store.devices().await?);
        self.audit(
            "consortium_count",
            Some(device),
            None,
            format!("{}..{}", q.from, q.to),
        )
        .await;
        Ok(Response::ConsortiumCount(ConsortiumCount {
            from: q.from,
            to: q.to,
            ..count
        }))
    }

    /// The audit log as the device's organisation's coordinator may see it.
    async fn audit_view(&self, device: &Device, q: AuditQuery) -> Result<Response, StorageError> {
        if let Some(r) = self.coordinator_only(device, "audit log").await {
            return Ok(Response::Refused(r));
        }
        let events = self
            .store
            .audit_for(&device.organisation, &q.doc_ids, q.limit)
            .await?;
        // Reading the log is itself logged.
        self.audit(
            "audit",
            Some(device),
            q.doc_ids.first().map(String::as_str),
            format!(
                "{} entries read about {} documents",
                events.len(),
                q.doc_ids.len()
            ),
        )
        .await;
        Ok(Response::Audit(
            events
                .into_iter()
                .map(|e| AuditEntry {
                    at: e.at,
                    action: e.action,
                    user: e.user,
                    organisation: e.organisation,
                    device_id: e.device_id,
                    doc_id: e.doc_id,
                    detail: e.detail,
                })
                .collect(),
        ))
    }

    /// Log what a device did on its own (exports, merges, retention runs). An event about a
    /// document the device may not access is not logged (it could not have done it, and must
    /// not write into another organisation's log); one sent before is logged once.
    async fn record(&self, device: &Device, events: Vec<LocalEvent>) -> Result<u32, StorageError> {
        let mut new = 0;
        for e in events {
            if let Some(id) = &e.doc_id {
                if let Some(sd) = self.store.load_doc(id).await? {
                    if !Self::may_access(device, &sd) {
                        self.audit_refusal(
                            device,
                            &format!("record {}: no access to {id}", e.action),
                        )
                        .await;
                        continue;
                    }
                }
            }
            let ev = AuditEvent {
                at: timestamp(self.now()),
                action: e.action,
                device_id: Some(device.device_id.clone()),
                user: Some(device.user.clone()),
                organisation: Some(device.organisation.clone()),
                doc_id: e.doc_id,
                detail: format!("{} (on the device at {})", e.detail, e.at),
                event_id: Some(format!("{}:{}", device.device_id, e.id)),
            };
            if self.store.audit(ev).await? {
                new += 1;
            }
        }
        Ok(new)
    }

    /// A role writing what it may not: a restricted section not its own, or the organisation's
    /// settings when it is not a coordinator.
    fn write_refusal(device: &Device, kind: &str) -> Refusal {
        if kind == access::ORG_SETTINGS_KIND {
            refusal(
                Code::Forbidden,
                format!(
                    "only a coordinator changes the organisation's settings, not a {}",
                    device.role
                ),
            )
        } else {
            refusal(
                Code::Forbidden,
                format!("a {} cannot write this restricted section", device.role),
            )
        }
    }

    fn merge_refusal() -> Refusal {
        refusal(
            Code::Forbidden,
            "only a coordinator can merge away a file someone else made (its author could only \
             within 24 hours of making it)",
        )
    }

    fn erased() -> Refusal {
        refusal(
            Code::Erased,
            "this file was erased by its organisation; changes to it are dropped",
        )
    }

    /// Did `device` push `doc` first, less than [`AUTHOR_WINDOW_SECS`] ago?
    fn recent_author(&self, device: &Device, doc: &ServerDoc) -> bool {
        doc.created_by.as_deref() == Some(device.device_id.as_str())
            && doc
                .created_at
                .is_some_and(|at| self.now() - at <= AUTHOR_WINDOW_SECS)
    }

    /// Erase documents of the device's organisation: each becomes a tombstone that every
    /// device in scope learns of, and the server holds its bytes for the grace period
    /// ([`ERASURE_GRACE_SECS`]) so a coordinator can undo it. Only the owner organisation
    /// erases; only a coordinator, or the laptop that pushed the document within
    /// [`AUTHOR_WINDOW_SECS`]; at most `erase_limit` documents per laptop in 24 hours (the
    /// rest are refused with `rate_limited` and the laptop sends them again later). Erasing
    /// twice is fine.
    async fn erase(&self, device: &Device, e: Erase) -> Result<Vec<DocResult>, StorageError> {
        let _one_at_a_time = self.erasing.lock().await;
        self.purge_due().await?;
        let now = self.now();
        let coordinator = device.role == access::COORDINATOR;
        let used = self
            .store
            .erased_since(&device.device_id, now - 24 * 3600)
            .await?;
        let mut allowance = self.erase_limit.saturating_sub(used);
        let mut batch = [0u8; 12];
        os_random(&mut batch);
        let hold = Hold {
            batch: hex::encode(batch),
            device_id: device.device_id.clone(),
            user: device.user.clone(),
            at: now,
        };
        let mut results = Vec::with_capacity(e.docs.len());
        for doc_id in e.docs {
            let existing = self.store.load_doc(&doc_id).await?;
            let refused = match &existing {
                Some(sd) if sd.owner_org != device.organisation => Some((
                    Code::Forbidden,
                    "erase: not the owner organisation".to_string(),
                    "only the organisation that owns a file can erase it".to_string(),
                )),
                Some(sd) if sd.kind == ERASED_KIND => {
                    results.push(DocResult {
                        doc_id,
                        outcome: Outcome::Applied { heads: Vec::new() },
                    });
                    continue;
                }
                Some(sd) if !coordinator && !self.recent_author(device, sd) => Some((
                    Code::Forbidden,
                    format!(
                        "erase: a {} may erase only what they made in the last 24 hours",
                        device.role
                    ),
                    "only a coordinator can erase this file (its author could only within \
                     24 hours of making it); nothing was erased on the server"
                        .to_string(),
                )),
                Some(_) if allowance == 0 => Some((
                    Code::RateLimited,
                    format!(
                        "erase: over the limit of {} documents a day",
                        self.erase_limit
                    ),
                    format!(
                        "this laptop erased {} documents in the last 24 hours, the most the \
                         server allows; the rest go with a later sync",
                        self.erase_limit
                    ),
                )),
                _ => None,
            };
            let outcome = match refused {
                Some((code, logged, message)) => {
                    self.audit("refused", Some(device), Some(&doc_id), logged)
                        .await;
                    Outcome::Refused(refusal(code, message))
                }
                // A document the server never had, erased by someone who is not a coordinator:
                // nothing to erase here, and no tombstone that could block its author's push.
                None if existing.is_none() && !coordinator => {
                    Outcome::Applied { heads: Vec::new() }
                }
                None => {
                    let kind = match &existing {
                        Some(sd) => {
                            allowance -= 1;
                            sd.kind.clone()
                        }
                        None => "unknown".into(),
                    };
                    let seq = self
                        .store
                        .erase_doc(&doc_id, &device.organisation, &hold)
                        .await?;
                    self.audit(
                        "erase",
                        Some(device),
                        Some(&doc_id),
                        format!(
                            "{kind} document erased (tombstone {seq}, erasure {}; final after 7 days)",
                            hold.batch
                        ),
                    )
                    .await;
                    Outcome::Applied { heads: Vec::new() }
                }
            };
            results.push(DocResult { doc_id, outcome });
        }
        Ok(results)
    }

    /// Delete for good the erasures held past the grace period, and scrub the database's files
    /// of them; logged. Runs before each erasure, each listing, and hourly (`serve`).
    pub async fn purge_due(&self) -> Result<u64, StorageError> {
        let n = self
            .store
            .purge_held(self.now() - ERASURE_GRACE_SECS)
            .await?;
        if n > 0 {
            self.store.scrub().await?;
            let detail = format!("{n} erased documents deleted for good after the grace period");
            let e = self.admin_event("erase_final", None, None, None, detail);
            self.store.audit(e).await?;
        }
        Ok(n)
    }

    /// The erasures the server still holds, of `org` when set, one entry per request.
    pub async fn held_erasures(&self, org: Option<&str>) -> Result<Vec<HeldErasure>, StorageError> {
        self.purge_due().await?;
        let mut out: Vec<HeldErasure> = Vec::new();
        for d in self.store.held(org).await? {
            if out.last().is_none_or(|h| h.batch != d.batch) {
                out.push(HeldErasure {
                    batch: d.batch.clone(),
                    erased_at: timestamp(d.erased_at),
                    final_at: timestamp(d.erased_at + ERASURE_GRACE_SECS),
                    user: d.user.clone(),
                    device_id: d.device_id.clone(),
                    client_files: Vec::new(),
                    documents: 0,
                });
            }
            let h = out.last_mut().expect("pushed above");
            h.documents += 1;
            if d.kind == punkt_model::client::CLIENT_DOCUMENT_KIND {
                h.client_files.push(d.doc_id);
            }
        }
        Ok(out)
    }

    /// Undo erasure `batch` of organisation `org` (any organisation's when `None`: the
    /// administrator): its documents come back, and every laptop in scope fetches them again.
    /// Returns the documents restored; logged with `by` (a coordinator's laptop) as actor.
    pub async fn undo_erasure(
        &self,
        by: Option<&Device>,
        org: Option<&str>,
        batch: &str,
    ) -> Result<Vec<String>, StorageError> {
        let ours = self
            .held_erasures(org)
            .await?
            .into_iter()
            .any(|h| h.batch == batch);
        if !ours {
            return Err(StorageError::NotFound(format!(
                "no erasure {batch} to undo (the grace period may be over)"
            )));
        }
        let ids = self.store.restore_held(batch).await?;
        let detail = format!("erasure {batch} undone: {} documents restored", ids.len());
        match by {
            Some(d) => self.audit("erase_undone", Some(d), None, detail).await,
            None => {
                let e = self.admin_event("erase_undone", None, org, None, detail);
                self.store.audit(e).await?;
            }
        }
        Ok(ids)
    }

    async fn approve_request(
        &self,
        device: &Device,
        id: &str,
        approve: bool,
    ) -> Result<Response, StorageError> {
        if let Some(r) = self.coordinator_only(device, "team").await {
            return Ok(Response::Refused(r));
        }
        match self.decide(Some(device), id, approve).await {
            Ok((_, issued)) => {
                let mut team = self.team(&device.organisation).await?;
                team.issued = issued;
                Ok(Response::Team(team))
            }
            Err(StorageError::NotFound(m)) => Ok(Response::Refused(refusal(Code::NotFound, m))),
            Err(StorageError::Invalid(m)) => {
                self.audit_refusal(device, &format!("approve {id}: {m}"))
                    .await;
                Ok(Response::Refused(refusal(Code::Forbidden, m)))
            }
            Err(StorageError::Exists(m)) => Ok(Response::Refused(refusal(Code::Exists, m))),
            Err(e) => Err(e),
        }
    }

    async fn erasures_request(&self, device: &Device) -> Result<Response, StorageError> {
        if let Some(r) = self.coordinator_only(device, "erasures").await {
            return Ok(Response::Refused(r));
        }
        Ok(Response::Erasures(
            self.held_erasures(Some(&device.organisation)).await?,
        ))
    }

    async fn undo_request(&self, device: &Device, batch: &str) -> Result<Response, StorageError> {
        if let Some(r) = self.coordinator_only(device, "erasures").await {
            return Ok(Response::Refused(r));
        }
        match self
            .undo_erasure(Some(device), Some(&device.organisation), batch)
            .await
        {
            Ok(_) => self.erasures_request(device).await,
            Err(StorageError::NotFound(m)) => Ok(Response::Refused(refusal(Code::NotFound, m))),
            Err(e) => Err(e),
        }
    }

    async fn push(&self, device: &Device, p: Push) -> Result<PushReply, StorageError> {
        let n = p.docs.len();
        let mut results = Vec::with_capacity(n);
        let mut compact = Vec::new();
        let (mut applied, mut refused, mut replaced) = (0, 0, 0);
        for d in p.docs {
            let doc_id = d.doc_id.clone();
            let replacing = d.replaces_legacy;
            let outcome = self.push_or_refuse(device, d, &mut compact).await;
            match &outcome {
                Outcome::Applied { .. } => {
                    applied += 1;
                    replaced += u32::from(replacing);
                }
                Outcome::Refused(r) => {
                    refused += 1;
                    self.audit(
                        "refused",
                        Some(device),
                        Some(&doc_id),
                        format!("push: {}", r.message),
                    )
                    .await;
                }
                Outcome::NeedSync => {}
            }
            results.push(DocResult { doc_id, outcome });
        }
        // Plaintext a migration replaced: out of the database's files now, not at the next
        // purge.
        if replaced > 0 {
            self.store.scrub().await?;
        }
        let limit = p.page_limit.clamp(1, MAX_PAGE);
        let changed = self
            .store
            .changed_since(&device.organisation, p.cursor, limit)
            .await?;
        let more = changed.len() as u32 == limit;
        let server_seq = self.store.current_seq().await?;
        let generation = self.store.generation().await?;
        let directory = punkt_sync::wire::directory_tag(&self.store.organisations().await?);
        let keys = punkt_sync::wire::keys_tag(&self.keys(device).await?);
        let next_cursor = changed.last().map(|c| c.seq).unwrap_or(p.cursor);
        // Restricted sections are listed only to the roles that may read them (the storage
        // lists by organisation; the cursor still moves past the ones left out).
        let changed: Vec<_> = changed
            .into_iter()
            .filter(|c| {
                !access::is_section(&c.kind) || access::role_may_read(&c.kind, &device.role)
            })
            .collect();
        if !results.is_empty() || !changed.is_empty() {
            self.audit(
                "sync",
                Some(device),
                None,
                format!(
                    "push: {applied} applied, {refused} refused; {} changed listed",
                    changed.len()
                ),
            )
            .await;
        }
        Ok(PushReply {
            results,
            changed: changed
                .into_iter()
                .map(|c| ChangedDoc {
                    doc_id: c.id,
                    kind: c.kind,
                    owner_org: c.owner_org,
                    heads: c.heads,
                    seq: c.seq,
                    undone: c.undone,
                })
                .collect(),
            next_cursor,
            more,
            server_seq,
            generation,
            directory,
            keys,
            compact,
            rule_book: self.store.rule_book_serial().await?,
        })
    }

    /// [`Engine::push_doc`], a storage failure refusing that document only (one document's
    /// trouble refuses that document, not the whole request).
    async fn push_or_refuse(
        &self,
        device: &Device,
        d: DocPush,
        compact: &mut Vec<String>,
    ) -> Outcome {
        let doc_id = d.doc_id.clone();
        self.push_doc(device, d, compact).await.unwrap_or_else(|e| {
            tracing::error!("push of {doc_id} failed: {e}");
            Outcome::Refused(refusal(
                Code::ServerError,
                "the server could not store this document now",
            ))
        })
    }

    /// The wrapped keys a push may leave for document `d`: its own organisation's, for scopes
    /// the pushing device's role may hold, of epochs that exist; and for a new referral, one
    /// sealed to the receiving organisation.
    async fn acceptable_keys(
        &self,
        device: &Device,
        d: &DocPush,
        referred_to: Option<&str>,
    ) -> Result<Vec<WrappedKey>, StorageError> {
        let epochs = self.store.key_epochs().await?;
        let exists = |org: &str, scope: &str, epoch: u32| {
            epochs
                .iter()
                .any(|e| e.org == org && e.scope == scope && e.epoch == epoch)
        };
        let scope = access::key_scope(&d.kind);
        Ok(d.keys
            .iter()
            .filter(|k| {
                let own = !k.sealed_to_org
                    && k.org == device.organisation
                    && k.scope == scope
                    && access::role_may_hold(&k.scope, &device.role);
                let to_receiver = k.sealed_to_org
                    && Some(k.org.as_str()) == referred_to
                    && k.scope == access::ORG_SCOPE;
                (own || to_receiver) && exists(&k.org, &k.scope, k.epoch)
            })
            .cloned()
            .collect())
    }

    /// Store push `d` of one document; when the document then keeps many loose changes, its id
    /// goes in `compact` (the laptop is asked for a snapshot).
    async fn push_doc(
        &self,
        device: &Device,
        d: DocPush,
        compact: &mut Vec<String>,
    ) -> Result<Outcome, StorageError> {
        for _ in 0..WRITE_ATTEMPTS {
            let existing = self.store.load_doc(&d.doc_id).await?;
            let (stored, expected, kind, owner) = match &existing {
                None => {
                    if d.owner_org != device.organisation {
                        return Ok(Outcome::Refused(refusal(
                            Code::Forbidden,
                            format!(
                                "a device of {} cannot create documents of another organisation",
                                device.organisation
                            ),
                        )));
                    }
                    if !access::role_may_write(&d.kind, &device.role) {
                        return Ok(Outcome::Refused(Self::write_refusal(device, &d.kind)));
                    }
                    // An organisation's settings have one id, theirs: neither another kind
                    // under it (to plant settings), nor settings under another id.
                    let settings = access::is_org_settings_id(&d.doc_id)
                        || d.kind == access::ORG_SETTINGS_KIND;
                    if settings
                        && (d.kind != access::ORG_SETTINGS_KIND
                            || d.doc_id != access::org_settings_id(&device.organisation))
                    {
                        return Ok(Outcome::Refused(refusal(
                            Code::Forbidden,
                            "an organisation's settings are the document org-settings-<its name>, of kind org_settings, and no other",
                        )));
                    }
                    (None, None, d.kind.clone(), d.owner_org.clone())
                }
                Some(sd) => {
                    if !Self::may_access(device, sd) {
                        return Ok(Outcome::Refused(refusal(
                            Code::Forbidden,
                            "no access to this document",
                        )));
                    }
                    if sd.kind == ERASED_KIND {
                        return Ok(Outcome::Refused(Self::erased()));
                    }
                    if sd.kind != d.kind {
                        return Ok(Outcome::Refused(refusal(
                            Code::Malformed,
                            "document kind does not match",
                        )));
                    }
                    if !access::role_may_write(&sd.kind, &device.role) {
                        return Ok(Outcome::Refused(Self::write_refusal(device, &sd.kind)));
                    }
                    let stored = match records::Stored::of(sd) {
                        Ok(stored) => stored,
                        Err(e) => match self.store.legacy_hashes(&sd.id).await? {
                            Some(hashes) => {
                                return self.replace_legacy(device, d, sd, hashes).await
                            }
                            None => return Err(e),
                        },
                    };
                    (
                        Some(stored),
                        Some(sd.heads.clone()),
                        sd.kind.clone(),
                        sd.owner_org.clone(),
                    )
                }
            };
            let mut graph = stored.as_ref().map(|s| s.graph.clone()).unwrap_or_default();
            // The server cannot read a change: a laptop declares that its changes merge the
            // file away, and the rule is applied to the declaration.
            if let (true, Some(sd)) = (d.merges_away, &existing) {
                if sd.kind == punkt_model::client::CLIENT_DOCUMENT_KIND
                    && device.role != access::COORDINATOR
                    && !self.recent_author(device, sd)
                {
                    return Ok(Outcome::Refused(Self::merge_refusal()));
                }
            }
            let batch: Vec<(Hash, Vec<Hash>)> =
                d.changes.iter().map(|c| (c.hash, c.deps.clone())).collect();
            let added = match graph.add_batch(&batch) {
                Err(_missing) => return Ok(Outcome::NeedSync),
                Ok(added) => added,
            };
            let new_doc = existing.is_none();
            if added.is_empty() && (d.snapshot.is_none() || new_doc) {
                // "Nothing new" only counts if the device's base is here too: otherwise the
                // device has changes the server never got.
                if !d.base_heads.iter().all(|h| graph.contains(h)) {
                    return Ok(Outcome::NeedSync);
                }
                return Ok(match existing {
                    Some(sd) => {
                        self.keep_keys(device, &d, None).await?;
                        Outcome::Applied { heads: sd.heads }
                    }
                    None => {
                        Outcome::Refused(refusal(Code::Malformed, "a new document without changes"))
                    }
                });
            }
            // A new referral opens itself to the organisation it is addressed to (declared by
            // the laptop: the server cannot read the document), a member other than the sender.
            let referred_to = if new_doc && kind == access::REFERRAL_KIND {
                match &d.referral_to {
                    Some(to) if *to != device.organisation && self.store.org_exists(to).await? => {
                        Some(to.clone())
                    }
                    _ => {
                        return Ok(Outcome::Refused(refusal(
                            Code::Malformed,
                            "a referral must name another member organisation",
                        )))
                    }
                }
            } else {
                None
            };
            if new_doc {
                let opened = self
                    .keys_to_open(
                        device,
                        &d,
                        &owner,
                        referred_to.as_deref(),
                        referred_to.is_some(),
                    )
                    .await?;
                if opened.is_none() {
                    return Ok(Outcome::Refused(refusal(
                        Code::NoKey,
                        "a new document must come with its key wrapped for its organisation \
                         (and, for a referral, sealed to the receiving one)",
                    )));
                }
            }
            let form = match records::stored_form(
                stored.as_ref(),
                &graph,
                &added,
                &d.changes,
                d.snapshot.as_ref(),
            ) {
                Ok(form) => form,
                Err(FormError::NeedSync) => return Ok(Outcome::NeedSync),
                Err(FormError::Malformed(why)) => {
                    return Ok(Outcome::Refused(refusal(Code::Malformed, why)))
                }
            };
            let heads = graph.heads();
            let loose_before = stored.as_ref().map_or(0, |s| s.changes.len());
            let loose_after = form.loose_after(loose_before);
            let (snapshot, rows) = match form {
                // A snapshot older than the stored one, nothing new: nothing to write.
                Form::Append(rows) if rows.is_empty() => {
                    self.keep_keys(device, &d, None).await?;
                    return Ok(Outcome::Applied { heads });
                }
                Form::Append(rows) => (None, rows),
                Form::Replace { snapshot, rows } => (Some(snapshot), rows),
            };
            let write = DocWrite {
                id: d.doc_id.clone(),
                kind,
                owner_org: owner,
                expected_heads: expected,
                snapshot,
                changes: rows,
                heads: heads.clone(),
                created_by: device.device_id.clone(),
                created_at: self.now(),
            };
            match self.store.write_doc(write).await? {
                WriteOutcome::Stored(_) => {
                    if loose_after >= records::COMPACT_AFTER {
                        compact.push(d.doc_id.clone());
                    }
                    self.keep_keys(device, &d, referred_to.as_deref()).await?;
                    if let Some(to) = referred_to {
                        self.store.grant(&d.doc_id, &to).await?;
                        self.audit(
                            "referral",
                            Some(device),
                            Some(&d.doc_id),
                            format!("referral opened to {to}"),
                        )
                        .await;
                    }
                    return Ok(Outcome::Applied { heads });
                }
                WriteOutcome::Conflict => continue,
            }
        }
        Ok(Outcome::Refused(refusal(
            Code::Busy,
            "the document is being changed by others; try again",
        )))
    }

    /// Replace a document a protocol 5 server stored in clear with a laptop's sealed history
    /// of it: only by a laptop of its organisation whose role may read it, only a whole history
    /// that covers every change stored, with its key wrapped (and, for a referral, sealed to
    /// the organisation it was opened to). The plaintext rows go in the same write.
    async fn replace_legacy(
        &self,
        device: &Device,
        d: DocPush,
        sd: &ServerDoc,
        recorded: Vec<[u8; 32]>,
    ) -> Result<Outcome, StorageError> {
        let legacy = |why: &str| {
            Ok(Outcome::Refused(refusal(
                Code::Legacy,
                format!("this file is still stored in clear by an older server: {why}"),
            )))
        };
        if !d.replaces_legacy {
            return legacy("this laptop's next sync replaces it, then sends its changes");
        }
        if sd.owner_org != device.organisation
            || !access::role_may_write(&sd.kind, &device.role)
            || sd.kind != d.kind
        {
            return Ok(Outcome::Refused(refusal(
                Code::Forbidden,
                "only a laptop of the file's organisation that may read it replaces it",
            )));
        }
        let mut graph = ChangeGraph::new();
        let batch: Vec<(Hash, Vec<Hash>)> =
            d.changes.iter().map(|c| (c.hash, c.deps.clone())).collect();
        let Ok(added) = graph.add_batch(&batch) else {
            return legacy("the history sent is not whole");
        };
        if !recorded.iter().all(|h| graph.contains(&Hash(*h))) {
            return legacy("the history sent lacks changes the server has: fetch it first");
        }
        let opened = self
            .keys_to_open(
                device,
                &d,
                &sd.owner_org,
                sd.access.first().map(String::as_str),
                sd.kind == access::REFERRAL_KIND,
            )
            .await?;
        let Some(keys) = opened else {
            return Ok(Outcome::Refused(refusal(
                Code::NoKey,
                "the sealed history must come with its key wrapped for its organisation \
                 (and, for a referral, sealed to the receiving one)",
            )));
        };
        let (snapshot, rows) =
            match records::stored_form(None, &graph, &added, &d.changes, d.snapshot.as_ref()) {
                // The plain snapshot and changes go; an empty snapshot, or the laptop's, in place.
                Ok(Form::Append(rows)) => (Vec::new(), rows),
                Ok(Form::Replace { snapshot, rows }) => (snapshot, rows),
                Err(FormError::NeedSync) => return legacy("the history sent is not whole"),
                Err(FormError::Malformed(why)) => {
                    return Ok(Outcome::Refused(refusal(Code::Malformed, why)))
                }
            };
        let heads = graph.heads();
        let write = DocWrite {
            id: sd.id.clone(),
            kind: sd.kind.clone(),
            owner_org: sd.owner_org.clone(),
            expected_heads: Some(sd.heads.clone()),
            snapshot: Some(snapshot),
            changes: rows,
            heads: heads.clone(),
            created_by: device.device_id.clone(),
            created_at: self.now(),
        };
        match self.store.write_doc(write).await? {
            WriteOutcome::Stored(_) => {
                self.store.put_doc_keys(&sd.id, keys).await?;
                self.store.forget_legacy(&sd.id).await?;
                self.audit(
                    "migrated",
                    Some(device),
                    Some(&sd.id),
                    "stored in clear by an older server; replaced by its sealed history".into(),
                )
                .await;
                Ok(Outcome::Applied { heads })
            }
            WriteOutcome::Conflict => Ok(Outcome::Refused(refusal(
                Code::Busy,
                "the document is being changed by others; try again",
            ))),
        }
    }

    /// Move a protocol 5 server's database to the blind form (`admin migrate-blind`): held
    /// erasures (kept in clear) are purged at once, and every document still in clear is
    /// noted with its change hashes, for laptops to replace with their sealed histories.
    /// The one place the server reads Automerge, once, offline. Idempotent.
    pub async fn migrate_blind(&self) -> Result<MigrationReport, StorageError> {
        let held_purged = self.store.purge_held(i64::MAX).await?;
        let mut noted = 0;
        for id in self.store.doc_ids().await? {
            let Some(sd) = self.store.load_doc(&id).await? else {
                continue;
            };
            if records::Stored::of(&sd).is_ok() {
                continue;
            }
            let mut doc = punkt_sync::docs::load(&sd.snapshot, &sd.changes).map_err(|e| {
                StorageError::Database(format!("stored document {id} is damaged: {e}"))
            })?;
            let hashes: Vec<[u8; 32]> = doc.get_changes(&[]).iter().map(|c| c.hash().0).collect();
            self.store.mark_legacy(&id, hashes).await?;
            noted += 1;
        }
        self.store.scrub().await?;
        let _ = self
            .store
            .audit(AuditEvent {
                at: timestamp(self.now()),
                action: "migrate_blind".into(),
                device_id: None,
                user: None,
                organisation: None,
                doc_id: None,
                detail: format!(
                    "{noted} documents in clear wait for laptops to seal them; {held_purged} held erasures purged"
                ),
                event_id: None,
            })
            .await;
        Ok(MigrationReport {
            held_erasures_purged: held_purged,
            documents_in_clear: self.migration_status().await?,
        })
    }

    /// Documents still in clear, by organisation and kind.
    pub async fn migration_status(
        &self,
    ) -> Result<BTreeMap<String, BTreeMap<String, u64>>, StorageError> {
        let mut out: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
        for (id, kind) in self.store.legacy(None, u32::MAX).await? {
            let org = match self.store.load_doc(&id).await? {
                Some(sd) => sd.owner_org,
                None => continue,
            };
            *out.entry(org).or_default().entry(kind).or_default() += 1;
        }
        Ok(out)
    }

    /// The acceptable wrapped keys of `d` (see [`Engine::acceptable_keys`]; `receiver` is the
    /// organisation a sealed wrap may be for), when they let some laptop open the document:
    /// one wrapped for `owner` under the scope of its kind, and, with `receiver_required`, one
    /// sealed to `receiver`. `None` otherwise: without them no laptop could ever open it.
    async fn keys_to_open(
        &self,
        device: &Device,
        d: &DocPush,
        owner: &str,
        receiver: Option<&str>,
        receiver_required: bool,
    ) -> Result<Option<Vec<WrappedKey>>, StorageError> {
        let keys = self.acceptable_keys(device, d, receiver).await?;
        let scope = access::key_scope(&d.kind);
        let own = keys
            .iter()
            .any(|k| !k.sealed_to_org && k.scope == scope && k.org == owner);
        let theirs = !receiver_required
            || receiver.is_some_and(|to| keys.iter().any(|k| k.sealed_to_org && k.org == to));
        Ok((own && theirs).then_some(keys))
    }

    /// Keep the acceptable wrapped keys a push brought (a rotation's new wraps, or a new
    /// document's).
    async fn keep_keys(
        &self,
        device: &Device,
        d: &DocPush,
        referred_to: Option<&str>,
    ) -> Result<(), StorageError> {
        if d.keys.is_empty() {
            return Ok(());
        }
        let keys = self.acceptable_keys(device, d, referred_to).await?;
        self.store.put_doc_keys(&d.doc_id, keys).await
    }

    async fn pull(&self, device: &Device, p: Pull) -> Result<PullReply, StorageError> {
        let mut docs_out = Vec::new();
        let mut refused = Vec::new();
        let mut bytes = 0usize;
        for DocWant {
            doc_id,
            have_heads,
            need_key,
        } in p.docs
        {
            let sd = match self.store.load_doc(&doc_id).await {
                Ok(Some(sd)) => sd,
                Ok(None) => {
                    refused.push(DocResult {
                        doc_id,
                        outcome: Outcome::Refused(refusal(Code::NotFound, "no such document")),
                    });
                    continue;
                }
                Err(e) => {
                    tracing::error!("pull of {doc_id} failed: {e}");
                    refused.push(DocResult {
                        doc_id,
                        outcome: Outcome::Refused(refusal(
                            Code::ServerError,
                            "the server could not read this document now",
                        )),
                    });
                    continue;
                }
            };
            if !Self::may_access(device, &sd) {
                self.audit(
                    "refused",
                    Some(device),
                    Some(&doc_id),
                    "pull: no access".into(),
                )
                .await;
                refused.push(DocResult {
                    doc_id,
                    outcome: Outcome::Refused(refusal(
                        Code::Forbidden,
                        "no access to this document",
                    )),
                });
                continue;
            }
            if sd.kind == ERASED_KIND {
                refused.push(DocResult {
                    doc_id,
                    outcome: Outcome::Refused(Self::erased()),
                });
                continue;
            }
            let stored = match records::Stored::of(&sd) {
                Ok(s) => Some(s),
                // Stored in clear by a protocol 5 server, not yet replaced: sent as it is, so
                // the laptop can merge it and replace it sealed.
                Err(_) if self.store.legacy_hashes(&doc_id).await?.is_some() => None,
                Err(e) => {
                    tracing::error!("stored document {doc_id} is damaged: {e}");
                    refused.push(DocResult {
                        doc_id,
                        outcome: Outcome::Refused(refusal(
                            Code::ServerError,
                            "the server's copy of this document is damaged",
                        )),
                    });
                    continue;
                }
            };
            let payload = match &stored {
                Some(stored) => stored.payload_for(&have_heads),
                None => Payload::Legacy {
                    snapshot: sd.snapshot.clone().into(),
                    changes: sd.changes.iter().map(|c| c.clone().into()).collect(),
                },
            };
            let size = match &payload {
                Payload::Full { snapshot, changes } => {
                    snapshot.as_ref().map_or(0, |s| s.sealed.len())
                        + changes.iter().map(|c| c.sealed.len()).sum::<usize>()
                }
                Payload::Changes(c) => c.iter().map(|c| c.sealed.len()).sum(),
                Payload::Legacy { snapshot, changes } => {
                    snapshot.len() + changes.iter().map(|c| c.len()).sum::<usize>()
                }
            };
            // Stop before the budget, not after: the device asks again for what is left.
            if !docs_out.is_empty() && bytes + size > PULL_BUDGET {
                break;
            }
            bytes += size;
            let keys = if need_key {
                let scope = access::key_scope(&sd.kind);
                self.store
                    .doc_keys(&doc_id)
                    .await?
                    .into_iter()
                    .filter(|k| {
                        k.org == device.organisation
                            && k.scope == scope
                            && access::role_may_hold(&k.scope, &device.role)
                    })
                    .collect()
            } else {
                Vec::new()
            };
            docs_out.push(DocData {
                doc_id: sd.id.clone(),
                kind: sd.kind.clone(),
                owner_org: sd.owner_org.clone(),
                heads: sd.heads.clone(),
                payload,
                keys,
            });
        }
        let sent: Vec<(&str, String)> = docs_out
            .iter()
            .map(|d| (d.doc_id.as_str(), format!("{} sent to the device", d.kind)))
            .collect();
        self.log_reads(device, sent).await;
        Ok(PullReply {
            docs: docs_out,
            refused,
        })
    }

    /// Log one `read` per document sent to `device` (pull), in one write, so a coordinator
    /// sees whose laptop received which file.
    async fn log_reads(&self, device: &Device, docs: Vec<(&str, String)>) {
        if docs.is_empty() {
            return;
        }
        let at = timestamp(self.now());
        let events = docs
            .into_iter()
            .map(|(id, detail)| AuditEvent {
                at: at.clone(),
                action: "read".into(),
                device_id: Some(device.device_id.clone()),
                user: Some(device.user.clone()),
                organisation: Some(device.organisation.clone()),
                doc_id: Some(id.to_string()),
                detail,
                event_id: None,
            })
            .collect();
        if let Err(err) = self.store.audit_many(events).await {
            tracing::error!("audit log write failed: {err}");
        }
    }

    /// What the asking device needs to open its organisation's documents: its grants, the
    /// epochs, the laptops of its organisation waiting for keys it can give.
    async fn keys(&self, device: &Device) -> Result<KeysReply, StorageError> {
        let epochs: Vec<ScopeEpoch> = self
            .store
            .key_epochs()
            .await?
            .into_iter()
            .filter(|e| e.org == device.organisation || e.scope == access::ORG_SCOPE)
            .collect();
        let grants = self.store.grants(&device.organisation).await?;
        let mine: Vec<KeyGrant> = grants
            .iter()
            .filter(|g| g.device_id == device.device_id)
            .cloned()
            .collect();
        let newest = |scope: &str| {
            epochs
                .iter()
                .filter(|e| e.org == device.organisation && e.scope == scope)
                .map(|e| e.epoch)
                .max()
        };
        let holds = |id: &str, scope: &str, epoch: u32| {
            grants
                .iter()
                .any(|g| g.device_id == id && g.scope == scope && g.epoch == epoch)
        };
        let mut waiting = Vec::new();
        for d in self.store.devices().await? {
            let Some(pk) = &d.public_key else { continue };
            if d.organisation != device.organisation
                || d.revoked_at.is_some()
                || d.device_id == device.device_id
            {
                continue;
            }
            let missing: Vec<String> = access::scopes_for_role(&d.role)
                .into_iter()
                .filter(|s| {
                    newest(s).is_some_and(|e| {
                        !holds(&d.device_id, s, e) && holds(&device.device_id, s, e)
                    })
                })
                .collect();
            if !missing.is_empty() {
                // Its endorsements of earlier epochs the asker holds too (a rotation): the
                // asker can check them and give it the newest without a person.
                let endorsements = grants
                    .iter()
                    .filter(|g| {
                        g.device_id == d.device_id
                            && missing.contains(&g.scope)
                            && g.endorsement.len() == 32
                            && holds(&device.device_id, &g.scope, g.epoch)
                    })
                    .map(|g| Endorsement {
                        scope: g.scope.clone(),
                        epoch: g.epoch,
                        mac: g.endorsement.clone(),
                    })
                    .collect();
                waiting.push(WaitingDevice {
                    device_id: d.device_id.clone(),
                    name: d.name.clone(),
                    user: d.user.clone(),
                    role: d.role.clone(),
                    public_key: pk.clone().into(),
                    code_record: d
                        .code_record
                        .as_deref()
                        .and_then(|r| postcard::from_bytes(r).ok()),
                    proof: d.proof.clone().map(Into::into),
                    missing,
                    endorsements,
                });
            }
        }
        // Documents given to another organisation (`admin grant`) whose key only a laptop
        // can seal to it.
        let mut to_share = Vec::new();
        for (doc_id, org) in self.store.unshared(&device.organisation).await? {
            let newest = epochs
                .iter()
                .filter(|e| e.org == org && e.scope == access::ORG_SCOPE)
                .max_by_key(|e| e.epoch);
            if let Some(ScopeEpoch {
                epoch,
                public_key: Some(pk),
                ..
            }) = newest
            {
                to_share.push(ShareRequest {
                    doc_id,
                    org,
                    epoch: *epoch,
                    public_key: pk.clone(),
                });
            }
        }
        // Documents still in clear from a protocol 5 server, that this laptop may replace.
        let legacy = self
            .store
            .legacy(
                Some(&device.organisation),
                punkt_sync::wire::limits::MAX_DOCS as u32,
            )
            .await?
            .into_iter()
            .filter(|(_, kind)| access::role_may_read(kind, &device.role))
            .map(|(doc_id, kind)| LegacyDoc { doc_id, kind })
            .collect();
        // Rotation: scopes to start the next epoch of, asked of the laptops holding the newest;
        // then the document keys still wrapped only under older epochs, for such a laptop to
        // wrap under the newest (one wrap per document, of an epoch it holds).
        let holds_newest =
            |scope: &str| newest(scope).is_some_and(|e| holds(&device.device_id, scope, e));
        let rotate: Vec<String> = self
            .store
            .rotations(&device.organisation)
            .await?
            .into_iter()
            .filter(|s| access::role_may_hold(s, &device.role) && holds_newest(s))
            .collect();
        let mut rewrap = Vec::new();
        for scope in access::scopes_for_role(&device.role) {
            let Some(n) = newest(&scope) else { continue };
            let older = epochs
                .iter()
                .any(|e| e.org == device.organisation && e.scope == scope && e.epoch < n);
            if !older || !holds(&device.device_id, &scope, n) {
                continue;
            }
            let mut seen = std::collections::HashSet::new();
            for sk in self
                .store
                .stale_wraps(&device.organisation, &scope, n, REWRAP_PAGE)
                .await?
            {
                if holds(&device.device_id, &scope, sk.key.epoch) && seen.insert(sk.doc_id.clone())
                {
                    rewrap.push(sk);
                }
            }
        }
        Ok(KeysReply {
            grants: mine,
            epochs,
            waiting,
            registered: device.public_key.is_some(),
            to_share,
            legacy,
            rotate,
            rewrap,
            org_keys: self.store.org_keys().await?,
        })
    }

    /// Register the device's public key, start first epochs, keep grants: each checked
    /// against the organisation and roles (the server cannot check what is sealed).
    async fn put_keys(&self, device: &Device, k: PutKeys) -> Result<Response, StorageError> {
        let mut device = device.clone();
        if let Some(pk) = &k.public_key {
            let pk: [u8; 32] = pk.as_slice().try_into().expect("checked by the wire");
            if !self.store.set_public_key(&device.device_id, pk).await?
                && device.public_key.as_deref() != Some(pk.as_slice())
            {
                return Ok(Response::Refused(refusal(
                    Code::Exists,
                    "this laptop registered another public key already",
                )));
            }
            device.public_key = Some(pk.to_vec());
            self.audit("keys", Some(&device), None, "public key registered".into())
                .await;
        }
        let epochs = self.store.key_epochs().await?;
        let mut started: Vec<(String, u32)> = Vec::new();
        for e in k.new_epochs {
            if e.org != device.organisation || !access::role_may_hold(&e.scope, &device.role) {
                return Ok(Response::Refused(refusal(
                    Code::Forbidden,
                    format!("a {} cannot start keys of {}", device.role, e.scope),
                )));
            }
            let newest = epochs
                .iter()
                .filter(|x| x.org == e.org && x.scope == e.scope)
                .map(|x| x.epoch)
                .max()
                .unwrap_or(0);
            if e.epoch != newest + 1 || (e.scope == access::ORG_SCOPE) != e.public_key.is_some() {
                return Ok(Response::Refused(refusal(
                    Code::Exists,
                    format!("epoch {} of {} cannot start now", e.epoch, e.scope),
                )));
            }
            // A rotation is started by a laptop holding the newest key (it rewraps the
            // documents' keys and vouches for the laptops it gives the next one to).
            if newest > 0 {
                let held = self.store.grants(&device.organisation).await?;
                if !held.iter().any(|g| {
                    g.device_id == device.device_id && g.scope == e.scope && g.epoch == newest
                }) {
                    return Ok(Response::Refused(refusal(
                        Code::Forbidden,
                        format!(
                            "only a laptop holding epoch {newest} of {} rotates it",
                            e.scope
                        ),
                    )));
                }
            }
            let detail = format!("epoch {} of {} started", e.epoch, e.scope);
            started.push((e.scope.clone(), e.epoch));
            if !self
                .store
                .add_epoch(e, &device.device_id, self.now())
                .await?
            {
                return Ok(Response::Refused(refusal(
                    Code::Exists,
                    "another laptop started that epoch first",
                )));
            }
            self.audit("keys", Some(&device), None, detail).await;
        }
        if !k.grants.is_empty() {
            let epochs = self.store.key_epochs().await?;
            let held = self.store.grants(&device.organisation).await?;
            let team = self.store.devices().await?;
            for g in &k.grants {
                let target = team.iter().find(|d| {
                    d.device_id == g.device_id
                        && d.organisation == device.organisation
                        && d.revoked_at.is_none()
                        && d.public_key.is_some()
                });
                let ok = target.is_some_and(|t| access::role_may_hold(&g.scope, &t.role))
                    && epochs.iter().any(|e| {
                        e.org == device.organisation && e.scope == g.scope && e.epoch == g.epoch
                    })
                    // A laptop gives itself only the key it just started; others, only keys
                    // it holds.
                    && (started.iter().any(|(s, e)| {
                        g.device_id == device.device_id && *s == g.scope && *e == g.epoch
                    }) || held.iter().any(|h| {
                            h.device_id == device.device_id
                                && h.scope == g.scope
                                && h.epoch == g.epoch
                        }));
                if !ok {
                    return Ok(Response::Refused(refusal(
                        Code::Forbidden,
                        format!(
                            "keys of {} cannot be given to laptop {}",
                            g.scope, g.device_id
                        ),
                    )));
                }
            }
            let given: Vec<String> = k.grants.iter().map(|g| g.device_id.clone()).collect();
            self.store
                .add_grants(&device.organisation, k.grants)
                .await?;
            self.audit(
                "keys",
                Some(&device),
                None,
                format!("keys given to {}", given.join(", ")),
            )
            .await;
        }
        for r in &k.code_records {
            let bytes = postcard::to_stdvec(r).expect("a code record serialises");
            if !self
                .store
                .put_code_record(r.code_hash.0, &device.organisation, bytes)
                .await?
            {
                return Ok(Response::Refused(refusal(
                    Code::Forbidden,
                    "a code record only for an unused code of the organisation's people",
                )));
            }
        }
        if !k.shared.is_empty() {
            let wanted = self.store.unshared(&device.organisation).await?;
            let mut n = 0;
            for sk in k.shared {
                let asked = wanted
                    .iter()
                    .any(|(d, o)| *d == sk.doc_id && *o == sk.key.org);
                if !asked || !sk.key.sealed_to_org || sk.key.scope != access::ORG_SCOPE {
                    return Ok(Response::Refused(refusal(
                        Code::Forbidden,
                        format!("document {} is not shared with {}", sk.doc_id, sk.key.org),
                    )));
                }
                self.store.put_doc_keys(&sk.doc_id, vec![sk.key]).await?;
                n += 1;
            }
            self.audit(
                "keys",
                Some(&device),
                None,
                format!("{n} document keys sealed to organisations given access"),
            )
            .await;
        }
        if !k.rewrapped.is_empty() {
            if let Some(refused) = self.take_rewrapped(&device, k.rewrapped).await? {
                return Ok(Response::Refused(refused));
            }
        }
        for o in k.org_keys {
            if let Some(refused) = self.take_org_keys(&device, o).await? {
                return Ok(Response::Refused(refused));
            }
        }
        self.retire_epochs(&device).await?;
        self.keys(&device).await.map(Response::Keys)
    }

    /// Keep an epoch's keys a laptop of the organisation published: only its own
    /// organisation's, of an epoch it holds, with the public key the epoch was started with;
    /// never in place of keys published before. (The link is the laptops' to check.)
    async fn take_org_keys(
        &self,
        device: &Device,
        o: punkt_sync::wire::OrgKeys,
    ) -> Result<Option<Refusal>, StorageError> {
        let listed = self.store.key_epochs().await?.into_iter().any(|e| {
            e.org == o.org
                && e.scope == access::ORG_SCOPE
                && e.epoch == o.epoch
                && e.public_key.as_ref() == Some(&o.public_key)
        });
        let held = self
            .store
            .grants(&device.organisation)
            .await?
            .iter()
            .any(|g| {
                g.device_id == device.device_id
                    && g.scope == access::ORG_SCOPE
                    && g.epoch == o.epoch
            });
        if o.org != device.organisation || !listed || !held {
            return Ok(Some(refusal(
                Code::Forbidden,
                format!(
                    "keys of epoch {} of {} cannot be published by this laptop",
                    o.epoch, o.org
                ),
            )));
        }
        let epoch = o.epoch;
        if !self
            .store
            .publish_org_keys(o.clone(), &device.device_id, self.now())
            .await?
        {
            let kept = self
                .store
                .org_key_chain(&o.org, epoch.saturating_sub(1), 1)
                .await?
                .into_iter()
                .next();
            if kept.as_ref() != Some(&o) {
                return Ok(Some(refusal(
                    Code::Exists,
                    format!("keys of epoch {epoch} were published already, and differ"),
                )));
            }
            return Ok(None);
        }
        self.audit(
            "keys",
            Some(device),
            None,
            format!("organisation keys of epoch {epoch} published"),
        )
        .await;
        Ok(None)
    }

    /// Keep document keys a laptop wrapped under the newest epoch of their scope in place of
    /// their older wraps (a rotation): only its organisation's, of a scope its role may hold,
    /// under the newest epoch, which it holds, of documents its organisation had a key of.
    async fn take_rewrapped(
        &self,
        device: &Device,
        rewrapped: Vec<punkt_sync::wire::SharedKey>,
    ) -> Result<Option<Refusal>, StorageError> {
        let epochs = self.store.key_epochs().await?;
        let held = self.store.grants(&device.organisation).await?;
        let n = rewrapped.len();
        for sk in rewrapped {
            let k = &sk.key;
            let newest = epochs
                .iter()
                .filter(|e| e.org == k.org && e.scope == k.scope)
                .map(|e| e.epoch)
                .max();
            let had =
                self.store.doc_keys(&sk.doc_id).await?.iter().any(|w| {
                    w.org == device.organisation && w.scope == k.scope && w.epoch < k.epoch
                });
            let ok = k.org == device.organisation
                && !k.sealed_to_org
                && access::role_may_hold(&k.scope, &device.role)
                && newest == Some(k.epoch)
                && held.iter().any(|g| {
                    g.device_id == device.device_id && g.scope == k.scope && g.epoch == k.epoch
                })
                && had;
            if !ok {
                return Ok(Some(refusal(
                    Code::Forbidden,
                    format!(
                        "the key of {} cannot be rewrapped under epoch {} of {}",
                        sk.doc_id, k.epoch, k.scope
                    ),
                )));
            }
            self.store.rewrap(&sk.doc_id, sk.key).await?;
        }
        self.audit(
            "keys",
            Some(device),
            None,
            format!("{n} document keys wrapped under a new epoch"),
        )
        .await;
        Ok(None)
    }

    /// Drop the older epochs of each scope of the device's organisation once a rotation is
    /// done: no document key is wrapped only under them, and every laptop (not revoked) that
    /// held one holds the newest. Laptops then forget them; a backup made before holds
    /// nothing any laptop can open.
    async fn retire_epochs(&self, device: &Device) -> Result<(), StorageError> {
        let org = &device.organisation;
        let epochs: Vec<ScopeEpoch> = self
            .store
            .key_epochs()
            .await?
            .into_iter()
            .filter(|e| e.org == *org)
            .collect();
        let mut grants = None;
        let mut devices = None;
        for scope in epochs
            .iter()
            .map(|e| e.scope.clone())
            .collect::<BTreeSet<_>>()
        {
            let of_scope = epochs.iter().filter(|e| e.scope == scope);
            let (Some(oldest), Some(newest)) = (
                of_scope.clone().map(|e| e.epoch).min(),
                of_scope.map(|e| e.epoch).max(),
            ) else {
                continue;
            };
            if oldest == newest
                || !self
                    .store
                    .stale_wraps(org, &scope, newest, 1)
                    .await?
                    .is_empty()
            {
                continue;
            }
            if grants.is_none() {
                grants = Some(self.store.grants(org).await?);
                devices = Some(self.store.devices().await?);
            }
            let (grants, devices) = (grants.as_ref().unwrap(), devices.as_ref().unwrap());
            let lagging = devices.iter().any(|d| {
                d.organisation == *org
                    && d.revoked_at.is_none()
                    && grants
                        .iter()
                        .any(|g| g.device_id == d.device_id && g.scope == scope && g.epoch < newest)
                    && !grants.iter().any(|g| {
                        g.device_id == d.device_id && g.scope == scope && g.epoch == newest
                    })
            });
            if lagging {
                continue;
            }
            self.store.retire_epochs(org, &scope, newest).await?;
            self.audit(
                "keys",
                Some(device),
                None,
                format!("epochs of {scope} before {newest} retired"),
            )
            .await;
        }
        Ok(())
    }
}
