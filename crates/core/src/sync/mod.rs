//! The device side of sync: enrolment, and a sync carried out over a [`Transport`] by the
//! protocol of `punkt-sync` (push what the server lacks, pull what this store lacks, reconcile
//! where histories diverged).
//!
//! Guarantees, and where they come from:
//! - nothing is lost: local changes stay in the store (they are its history); a document is
//!   marked as sent only for the writes the server confirmed (`mark_synced` with the write
//!   sequence read before sending), so an edit made during a sync goes next time;
//! - nothing is duplicated: changes are content-addressed on both sides, so a batch sent twice
//!   after a cut connection changes nothing;
//! - an interrupted sync resumes: every pulled batch is applied in one transaction with its
//!   index rows, and the cursor moves only after a whole page is applied, so the next sync asks
//!   again from the last complete page and skips documents already equal.

pub mod e2e;
pub mod keys;
pub mod org_keys;
pub mod rule_book;
pub mod team;

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::{Duration, Instant};

use automerge::AutoCommit;
use serde::{Deserialize, Serialize};

use punkt_model::client::CLIENT_DOCUMENT_KIND;
use punkt_model::schema::{migrate_client, read_client};
use punkt_store::documents::{DocumentWrite, SyncMark};
use punkt_store::index::IndexRows;
use punkt_sync::docs::{self, heads_from_bytes, heads_to_bytes, sorted, Applied};
use punkt_sync::wire::{
    limits, ChangedDoc, Code, DocData, DocPush, DocWant, Erase, Hash, Outcome, Payload, Pull, Push,
    ERASED_KIND,
};
use punkt_sync::{decode_response, encode_request, Request, Response};
use serde_bytes::ByteBuf;

use crate::error::{CoreError, Result};
use crate::indexing;
use crate::Punkt;

/// Documents per push request (further bounded by [`PUSH_BYTES`]).
const PUSH_DOCS: usize = 500;
/// Change bytes per push request.
const PUSH_BYTES: usize = 8 * 1024 * 1024;
/// Documents asked for per pull request.
const PULL_DOCS: usize = 500;
/// Entries of "what changed" per page.
const PAGE: u32 = 1_000;

/// Carries one request body to the server and brings back the response body.
pub trait Transport {
    fn exchange(&mut self, request: &[u8]) -> std::result::Result<Vec<u8>, TransportError>;
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TransportError {
    #[error("{0}")]
    Unreachable(String),
    #[error("HTTP {status}")]
    Http { status: u16, body: Vec<u8> },
    /// The caller stopped the work (the app was locked while it waited on the server).
    #[error("stopped: the store was closed")]
    Cancelled,
}

fn agent(ca_cert: Option<&Path>, timeout: Duration) -> Result<ureq::Agent> {
    let mut config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(timeout));
    if let Some(path) = ca_cert {
        let pem = std::fs::read(path)?;
        let cert = ureq::tls::Certificate::from_pem(&pem).map_err(|e| {
            CoreError::Invalid(format!("{}: not a PEM certificate ({e})", path.display()))
        })?;
        config = config.tls_config(
            ureq::tls::TlsConfig::builder()
                .root_certs(ureq::tls::RootCerts::new_with_certs(&[cert]))
                .build(),
        );
    }
    Ok(config.build().into())
}

/// HTTPS (or, to a loopback address only, HTTP) to a `punkt-sync-server`.
pub struct HttpTransport {
    agent: ureq::Agent,
    url: String,
    token: String,
    pub bytes_sent: u64,
    pub bytes_received: u64,
}

impl HttpTransport {
    pub fn new(server: &str, token: &str, ca_cert: Option<&Path>) -> Result<Self> {
        Ok(HttpTransport {
            agent: agent(ca_cert, Duration::from_secs(300))?,
            url: format!("{}/v1/sync", server.trim_end_matches('/')),
            token: token.to_string(),
            bytes_sent: 0,
            bytes_received: 0,
        })
    }
}

impl Transport for HttpTransport {
    fn exchange(&mut self, request: &[u8]) -> std::result::Result<Vec<u8>, TransportError> {
        self.bytes_sent += request.len() as u64;
        let mut resp = self
            .agent
            .post(&self.url)
            .header("Authorization", &format!("Bearer {}", self.token))
            .header("Content-Type", "application/x-punkt-sync")
            .send(request)
            .map_err(|e| TransportError::Unreachable(e.to_string()))?;
        let status = resp.status().as_u16();
        let body = resp
            .body_mut()
            .with_config()
            .limit(punkt_sync::wire::limits::MAX_MESSAGE_BYTES as u64)
            .read_to_vec()
            .map_err(|e| TransportError::Unreachable(e.to_string()))?;
        self.bytes_received += body.len() as u64;
        if status == 200 {
            Ok(body)
        } else {
            Err(TransportError::Http { status, body })
        }
    }
}

/// A server address a laptop may use: `https://` anywhere, plain `http://` only to this
/// machine. The URL is parsed and its host compared, so `http://127.0.0.1@evil.example/`
/// (user `127.0.0.1` at host `evil.example`) is not taken for a loopback address; a user name
/// or password in the address is refused altogether.
fn check_server_url(server: &str) -> Result<()> {
    let bad = |why: &str| CoreError::Invalid(format!("'{server}' {why}"));
    let uri: ureq::http::Uri = server
        .parse()
        .map_err(|_| bad("is not an http(s):// URL"))?;
    let authority = uri
        .authority()
        .ok_or_else(|| bad("is not an http(s):// URL"))?;
    if authority.as_str().contains('@') {
        return Err(bad("names a user: give the server's address only"));
    }
    let host = authority
        .host()
        .trim_start_matches('[')
        .trim_end_matches(']');
    match uri.scheme_str().map(str::to_ascii_lowercase).as_deref() {
        Some("https") => Ok(()),
        Some("http") => {
            let loopback = host.eq_ignore_ascii_case("localhost")
                || host
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback());
            if loopback {
                Ok(())
            } else {
                Err(CoreError::Invalid(
                    "plain http:// is only for a server on this machine; use https://".into(),
                ))
            }
        }
        _ => Err(bad("is not an http(s):// URL")),
    }
}

#[cfg(test)]
mod url_tests {
    use super::check_server_url;

    #[test]
    fn plain_http_only_to_this_machine_whatever_the_url_hides() {
        for ok in [
            "https://office.example:8443",
            "http://127.0.0.1:8443",
            "http://127.5.0.1",
            "http://localhost:80/",
            "http://[::1]:8443",
            "HTTP://LOCALHOST:1",
        ] {
            assert!(check_server_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://127.0.0.1@evil.example/",
            "http://127.0.0.1:8443@evil.example:8443",
            "https://user:pw@office.example",
            "http://127.0.0.1.evil.example/",
            "http://localhost.evil.example",
            "http://192.0.2.10:8443",
            "ftp://127.0.0.1",
            "office.example",
            "",
        ] {
            assert!(check_server_url(bad).is_err(), "{bad}");
        }
    }
}

/// What enrolment stored.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Enrolment {
    pub server: String,
    pub device_id: String,
    pub organisation: String,
    pub user: String,
    pub role: String,
}

#[derive(Debug, Clone, Deserialize)]
struct EnrolReply {
    device_id: String,
    token: String,
    organisation: String,
    user: String,
    role: String,
}

/// A document the server would not take or give.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RefusedDocument {
    pub doc_id: String,
    pub code: String,
    pub message: String,
}

/// A document erased by its organisation that was on this laptop: deleted here by the sync.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ErasedNotice {
    pub doc_id: String,
    /// Changes made here that the server never had were dropped with it.
    pub dropped_unsent_changes: bool,
}

/// What a sync did, for the person and for scripts.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SyncSummary {
    /// Documents the server confirmed.
    pub sent: u64,
    /// Documents changed here by what the server had.
    pub received: u64,
    /// Of those, documents new to this store.
    pub new_documents: u64,
    /// Documents whose histories had diverged: sent or fetched whole.
    pub reconciled: u64,
    pub refused: Vec<RefusedDocument>,
    /// Erasures this laptop sent that the server confirmed.
    pub erasures_sent: u64,
    /// Documents erased elsewhere and deleted here (with a notice when edits were dropped).
    pub erased: Vec<ErasedNotice>,
    /// Documents back from an erasure: one the server refused (this laptop may not erase
    /// them), or one a coordinator undid.
    pub restored: u64,
    /// Events recorded here (exports, merges) handed to the server's audit log.
    pub events_sent: u64,
    /// Why events could not be handed over this time (an error code); they wait for the next
    /// sync.
    pub events_error: Option<String>,
    /// Why the list of member organisations could not be fetched this time (an error code).
    pub directory_error: Option<String>,
    /// Consortium tallies sent again because someone counted in them was erased.
    pub tallies_resent: u64,
    /// Why those could not be sent again this time (an error code); they wait for the next sync.
    pub tally_error: Option<String>,
    pub round_trips: u64,
    pub bytes_sent: u64,
    pub bytes_received: u64,
    /// Documents still waiting to go (edited during the sync, or refused).
    pub pending_after: u64,
    pub cursor: u64,
    pub duration_ms: u64,
    pub finished_at: String,
    /// This laptop has no keys of its organisation yet (protocol 6): the check code a
    /// coordinator compares before giving them. Nothing else was synced.
    pub awaiting_keys: Option<String>,
    /// Files a protocol 5 server held in clear that this laptop replaced by their sealed
    /// history (the migration to protocol 6).
    pub migrated: u64,
    /// Laptops of the organisation this one gave keys to, because they proved a split code.
    pub keys_given: u64,
    /// Files whose history on the server this laptop replaced by a sealed snapshot, because
    /// the server asked (many changes gathered there).
    pub compacted: u64,
    /// Scope keys this laptop rotated (started their next epoch), because the server asked:
    /// a laptop holding them was revoked, or erased files were purged.
    pub keys_rotated: u64,
    /// Document keys this laptop wrapped under a rotated key's new epoch.
    pub keys_rewrapped: u64,
    /// Laptops of the organisation waiting for keys this one holds (a coordinator compares
    /// their check codes and gives them: `punkt team keys`).
    pub waiting_for_keys: Vec<crate::keys::WaitingLaptop>,
    /// Organisations whose keys the server lists otherwise than this laptop can trust (a
    /// key it did not sign, or one changed since seen): nothing is sealed to them until they
    /// are listed right; their coordinators compare fingerprints by phone.
    pub org_keys_refused: Vec<crate::org_keys::OrgKeyRefused>,
    /// A newer rule book of deadlines this sync brought and this laptop now counts with.
    pub rule_book: Option<punkt_model::deadlines::RuleBookVersion>,
    /// Why the server's newer rule book was refused (the one in use stays).
    pub rule_book_error: Option<String>,
}

/// Where a sync is, for a progress display.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SyncProgress {
    pub phase: &'static str,
    pub done: u64,
    pub total: u64,
}

/// What `punkt sync status` shows.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SyncStatus {
    pub enrolment: Option<Enrolment>,
    pub pending_documents: u64,
    pub cursor: u64,
    pub last_sync: Option<serde_json::Value>,
    /// The six digits a coordinator compares before giving this laptop keys (enrolled only).
    pub check_code: Option<String>,
    /// Whether this laptop holds its organisation's key (it cannot sync files without).
    pub holds_keys: bool,
}

const META_ENROLMENT: &str = "sync_enrolment";
const META_GENERATION: &str = "sync_server_generation";
const META_TOKEN: &str = "sync_token";
const META_CURSOR: &str = "sync_cursor";
const META_LAST: &str = "sync_last";
/// Documents pulled without a key this laptop could open, asked for again at each sync.
const META_AWAITING_KEY: &str = "e2e_awaiting_key";

impl Punkt {
    /// Enrol this store's device with a sync server using a one-time code from a coordinator.
    /// The device token is kept only inside the encrypted store.
    pub fn enroll(
        &mut self,
        server: &str,
        code: &str,
        device_name: &str,
        ca_cert: Option<&Path>,
    ) -> Result<Enrolment> {
        let server = server.trim().trim_end_matches('/').to_string();
        check_server_url(&server)?;
        // Only the part of the code the server knows leaves this laptop; with it goes the
        // public key its organisation's keys will be sealed to.
        let split = punkt_e2e::split_code(code).map_err(|_| {
            CoreError::Invalid(
                "an enrolment code has 12 characters (20 when a coordinator's laptop made it)"
                    .into(),
            )
        })?;
        let pair = self.device_pair()?;
        let public_key = hex::encode(pair.public());
        // A coordinator's split code: proof of the part the server never sees, so that the
        // organisation's laptops give this one its keys without comparing check codes.
        let proof = match split.secret_part {
            Some(_) => Some(hex::encode(
                punkt_e2e::enrolment_mac(&split, pair.public())
                    .map_err(|e| CoreError::Invalid(e.to_string()))?,
            )),
            None => None,
        };
        let body = serde_json::json!({
            "code": split.server_part,
            "device_name": device_name,
            "public_key": public_key,
            "proof": proof,
        })
        .to_string();
        let mut resp = agent(ca_cert, Duration::from_secs(30))?
            .post(&format!("{server}/v1/enroll"))
            .header("Content-Type", "application/json")
            .send(body.as_bytes())
            .map_err(|e| CoreError::Unreachable(e.to_string()))?;
        let status = resp.status().as_u16();
        let text = resp
            .body_mut()
            .with_config()
            .limit(64 * 1024)
            .read_to_string()
            .map_err(|e| CoreError::Unreachable(e.to_string()))?;
        if status != 200 {
            let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
            return Err(CoreError::SyncRefused {
                code: Code::from(v["code"].as_str().unwrap_or("bad_code")),
                message: v["message"]
                    .as_str()
                    .unwrap_or("enrolment refused")
                    .to_string(),
                wipe: false,
            });
        }
        let reply: EnrolReply = serde_json::from_str(&text)
            .map_err(|e| CoreError::Sync(format!("unexpected enrolment answer: {e}")))?;
        if reply.organisation != self.organisation() {
            if self.store.count_clients()? > 0 {
                return Err(CoreError::Invalid(format!(
                    "this store holds files of '{}' but the code enrols a device of '{}'",
                    self.organisation(),
                    reply.organisation
                )));
            }
            self.store.set_organisation(&reply.organisation)?;
        }
        let enrolment = Enrolment {
            server,
            device_id: reply.device_id,
            organisation: reply.organisation,
            user: reply.user,
            role: reply.role,
        };
        self.store.set_meta(
            META_ENROLMENT,
            &serde_json::to_string(&enrolment).expect("serialises"),
        )?;
        self.store.set_meta(META_TOKEN, &reply.token)?;
        // A new server (or a new enrolment) has confirmed nothing yet: send everything. Its
        // key epochs are its own: scope keys of another enrolment are forgotten.
        self.store.forget_scope_keys()?;
        self.store.delete_meta(META_CURSOR)?;
        self.store.delete_meta(META_GENERATION)?;
        self.store.reset_sync_state()?;
        Ok(enrolment)
    }

    pub fn enrolment(&self) -> Result<Option<Enrolment>> {
        Ok(match self.store.meta_value(META_ENROLMENT)? {
            Some(s) => Some(
                serde_json::from_str(&s)
                    .map_err(|e| CoreError::Sync(format!("damaged enrolment record: {e}")))?,
            ),
            None => None,
        })
    }

    /// An HTTP transport to the enrolled server.
    pub fn transport(&self, ca_cert: Option<&Path>) -> Result<HttpTransport> {
        let e = self.enrolment()?.ok_or(CoreError::NotEnrolled)?;
        let token = self
            .store
            .meta_value(META_TOKEN)?
            .ok_or(CoreError::NotEnrolled)?;
        HttpTransport::new(&e.server, &token, ca_cert)
    }

    /// An HTTP transport to `server` with this device's token (a server that moved).
    pub fn transport_to(&self, server: &str, ca_cert: Option<&Path>) -> Result<HttpTransport> {
        check_server_url(server)?;
        let token = self
            .store
            .meta_value(META_TOKEN)?
            .ok_or(CoreError::NotEnrolled)?;
        HttpTransport::new(server, &token, ca_cert)
    }

    pub fn sync_status(&self) -> Result<SyncStatus> {
        Ok(SyncStatus {
            enrolment: self.enrolment()?,
            pending_documents: self.store.count_pending()?,
            cursor: self.cursor()?,
            last_sync: self
                .store
                .meta_value(META_LAST)?
                .and_then(|s| serde_json::from_str(&s).ok()),
            check_code: match self.enrolment()? {
                Some(_) => Some(self.check_code()?),
                None => None,
            },
            holds_keys: self.holds_org_key()?,
        })
    }

    /// When the last sync that reached its end finished (none before the first).
    pub fn last_sync_at(&self) -> Result<Option<String>> {
        let last = self.store.meta_value(META_LAST)?;
        Ok(last.and_then(|s| {
            serde_json::from_str::<serde_json::Value>(&s)
                .ok()?
                .get("finished_at")?
                .as_str()
                .map(str::to_string)
        }))
    }

    fn cursor(&self) -> Result<u64> {
        Ok(self
            .store
            .meta_value(META_CURSOR)?
            .and_then(|s| s.parse().ok())
            .unwrap_or(0))
    }

    /// One request outside a sync (consortium tallies, the audit log): the server's answer,
    /// a refusal as `SyncRefused`.
    pub(crate) fn ask(&self, t: &mut dyn Transport, req: &Request) -> Result<Response> {
        self.round(t, &mut SyncSummary::default(), req)
    }

    pub(crate) fn round(
        &self,
        t: &mut dyn Transport,
        summary: &mut SyncSummary,
        req: &Request,
    ) -> Result<Response> {
        let body = encode_request(req);
        summary.round_trips += 1;
        summary.bytes_sent += body.len() as u64;
        let answer = match t.exchange(&body) {
            Ok(b) => b,
            Err(TransportError::Unreachable(e)) => return Err(CoreError::Unreachable(e)),
            Err(TransportError::Cancelled) => return Err(CoreError::Cancelled),
            Err(TransportError::Http { status, body }) => match decode_response(&body) {
                Ok(Response::Refused(r)) => {
                    return Err(CoreError::SyncRefused {
                        code: r.code,
                        message: r.message,
                        wipe: r.wipe,
                    })
                }
                _ => {
                    let code = match status {
                        413 => Code::TooLarge,
                        401 => Code::Unauthorized,
                        _ => Code::Http,
                    };
                    return Err(CoreError::SyncRefused {
                        code,
                        message: format!("the server answered HTTP {status}"),
                        wipe: false,
                    });
                }
            },
        };
        summary.bytes_received += answer.len() as u64;
        match decode_response(&answer) {
            Ok(Response::Refused(r)) => Err(CoreError::SyncRefused {
                code: r.code,
                message: r.message,
                wipe: r.wipe,
            }),
            Ok(r) => Ok(r),
            Err(e) => Err(CoreError::Sync(format!(
                "unreadable answer from the server: {e}"
            ))),
        }
    }

    /// One push round: the server's answer, checked.
    fn push_round(
        &self,
        t: &mut dyn Transport,
        summary: &mut SyncSummary,
        push: Push,
    ) -> Result<punkt_sync::wire::PushReply> {
        let cursor = push.cursor;
        let Response::Push(reply) = self.round(t, summary, &Request::Push(push))? else {
            return Err(CoreError::Sync(
                "the server answered a push with something else".into(),
            ));
        };
        if cursor > reply.server_seq {
            return Err(CoreError::ServerBehind);
        }
        match self.store.meta_value(META_GENERATION)? {
            Some(g) if g != reply.generation => return Err(CoreError::ServerBehind),
            Some(_) => {}
            None => self.store.set_meta(META_GENERATION, &reply.generation)?,
        }
        self.note_directory_tag(&reply.directory)?;
        self.store
            .set_meta(crate::keys::META_SERVER_KEYS_TAG, &reply.keys)?;
        self.store.set_meta(
            crate::rule_book::META_SERVER_RULE_BOOK,
            &reply.rule_book.to_string(),
        )?;
        Ok(reply)
    }

    /// The next batch of `pending` (from `*i`) to push: what the server lacks of each document
    /// (by its last confirmed heads; the whole history when this laptop does not know them, or
    /// with `whole`), sealed. A document this laptop cannot seal yet (no key of its scope, or
    /// a referral to an organisation without a key) waits, reported. Returns the pushes and
    /// each document's write sequence.
    fn push_batch(
        &self,
        pending: &[punkt_store::documents::PendingDocument],
        i: &mut usize,
        mode: PushMode,
        summary: &mut SyncSummary,
    ) -> Result<(Vec<DocPush>, HashMap<String, i64>)> {
        let mut docs = Vec::new();
        let mut seqs: HashMap<String, i64> = HashMap::new();
        let mut bytes = 0;
        while *i < pending.len() && docs.len() < PUSH_DOCS && bytes < PUSH_BYTES {
            let p = &pending[*i];
            *i += 1;
            let stored = self.store.load_document(&p.id)?;
            let server_heads = match mode {
                PushMode::Whole | PushMode::Legacy => None,
                PushMode::Changes | PushMode::Compact => p.server_heads.as_deref(),
            };
            // A document new to the server goes as one snapshot (a new laptop loads it
            // instead of applying every change); a history sent whole after a refusal goes
            // change by change, which the server can always take.
            let snapshot = match mode {
                PushMode::Changes => p.server_heads.is_none(),
                PushMode::Whole => false,
                PushMode::Compact | PushMode::Legacy => true,
            };
            match self.seal_unsent(stored, server_heads, snapshot)? {
                Sealing::Ready(mut d) => {
                    // This laptop did not know the heads the server was said to have: the
                    // whole history goes (a diverged history, sent whole).
                    if server_heads.is_some_and(|h| !h.is_empty()) && d.base_heads.is_empty() {
                        summary.reconciled += 1;
                    }
                    d.replaces_legacy = mode == PushMode::Legacy;
                    bytes += d.changes.iter().map(|c| c.sealed.len()).sum::<usize>()
                        + d.snapshot.as_ref().map_or(0, |s| s.sealed.len());
                    seqs.insert(p.id.clone(), p.local_seq);
                    docs.push(*d);
                }
                // Compaction is the server's wish, not this laptop's work: it waits quietly.
                Sealing::NoKey(_) if mode == PushMode::Compact => {}
                Sealing::NoKey(why) => summary.refused.push(RefusedDocument {
                    doc_id: p.id.clone(),
                    code: Code::NoKey.to_string(),
                    message: why,
                }),
            }
        }
        Ok((docs, seqs))
    }

    /// A stored document's changes the server lacks (see [`unsent`]), sealed under its key,
    /// with its wraps when the server may not have them, and what the server must know of
    /// them in clear (a referral's receiver, a merge). With `snapshot`, the whole document
    /// goes sealed as one snapshot, and the changes only as their hashes.
    fn seal_unsent(
        &self,
        stored: punkt_store::documents::StoredDocument,
        server_heads: Option<&[u8]>,
        snapshot: bool,
    ) -> Result<Sealing> {
        let mut u = unsent(stored, server_heads)?;
        let new_on_server = server_heads.is_none() || u.base_heads.is_empty();
        let referral_to = (new_on_server && u.kind == punkt_sync::access::REFERRAL_KIND)
            .then(|| crate::root_text(&u.doc, "to_organisation"))
            .flatten();
        let merged_now = crate::root_text(&u.doc, "merged_into").is_some();
        let merged_before = !u.base_heads.is_empty() && {
            use automerge::ReadDoc;
            let at = docs::from_wire(&u.base_heads);
            matches!(
                u.doc.get_at(automerge::ROOT, "merged_into", &at),
                Ok(Some(_))
            )
        };
        let Some((key, keys)) =
            self.doc_key_for_push(&u.id, &u.kind, new_on_server, referral_to.as_deref())?
        else {
            return Ok(Sealing::NoKey(match &referral_to {
                Some(to) => format!(
                    "waits until {to} has a key (one of its laptops syncs) and this laptop knows it"
                ),
                None => "waits until this laptop has its organisation's keys".into(),
            }));
        };
        let (changes, snapshot) = if snapshot {
            (
                crate::e2e::graph_of(&mut u.changes),
                Some(crate::e2e::seal_snapshot(&key, &u.id, &mut u.doc)),
            )
        } else {
            (crate::e2e::seal_changes(&key, &u.id, &mut u.changes), None)
        };
        Ok(Sealing::Ready(Box::new(DocPush {
            doc_id: u.id,
            kind: u.kind,
            owner_org: u.owner_org,
            base_heads: u.base_heads,
            changes,
            keys,
            referral_to,
            merges_away: merged_now && !merged_before,
            replaces_legacy: false,
            snapshot,
        })))
    }

    /// This laptop was revoked: hand the server what was not sent yet (whole histories where
    /// the base is unknown), once, before the store is wiped. Returns how many documents the
    /// server took. Errors are the caller's to ignore: the wipe goes ahead regardless.
    fn final_push(&mut self, t: &mut dyn Transport) -> Result<u64> {
        let pending = self.store.pending_documents()?;
        let mut taken = 0;
        let mut i = 0;
        let mut summary = SyncSummary::default();
        while i < pending.len() {
            let (docs, _) = self.push_batch(&pending, &mut i, PushMode::Changes, &mut summary)?;
            let req = Request::FinalPush(Push {
                cursor: 0,
                page_limit: 1,
                docs,
            });
            if let Response::Push(reply) = self.ask(t, &req)? {
                taken += reply
                    .results
                    .iter()
                    .filter(|r| matches!(r.outcome, Outcome::Applied { .. }))
                    .count() as u64;
            }
        }
        Ok(taken)
    }

    /// Sync with the server over `t`. Told that this laptop was revoked (`wipe`), it first
    /// hands the server what it had not sent (the error says how much), so the caller's wipe
    /// loses no one's work.
    pub fn sync_with(
        &mut self,
        t: &mut dyn Transport,
        progress: &mut dyn FnMut(SyncProgress),
    ) -> Result<SyncSummary> {
        match self.sync_revocable(t, progress) {
            Err(CoreError::SyncRefused {
                code,
                message,
                wipe: true,
            }) => {
                let handed = match self.final_push(t) {
                    Ok(0) => String::new(),
                    Ok(n) => {
                        format!("; {n} documents not sent yet were handed to the server first")
                    }
                    Err(e) => format!(
                        "; what was not sent yet could not be handed over ({})",
                        e.code()
                    ),
                };
                Err(CoreError::SyncRefused {
                    code,
                    message: format!("{message}{handed}"),
                    wipe: true,
                })
            }
            r => r,
        }
    }

    fn sync_revocable(
        &mut self,
        t: &mut dyn Transport,
        progress: &mut dyn FnMut(SyncProgress),
    ) -> Result<SyncSummary> {
        match self.sync_once(t, progress) {
            Err(CoreError::ServerBehind) => {
                // The server forgot what it had confirmed (restored from a backup): send
                // everything again; changes it still has are no-ops.
                self.store.reset_sync_state()?;
                self.store.delete_meta(META_CURSOR)?;
                self.store.delete_meta(META_GENERATION)?;
                self.sync_once(t, progress)
            }
            r => r,
        }
    }

    fn sync_once(
        &mut self,
        t: &mut dyn Transport,
        progress: &mut dyn FnMut(SyncProgress),
    ) -> Result<SyncSummary> {
        let started = Instant::now();
        let mut summary = SyncSummary::default();
        let mut cursor = self.cursor()?;

        // 0. Erasures first: the server deletes its copies before anything else moves.
        self.send_erasures(t, &mut summary)?;

        // 1. Keys (protocol 6): without its organisation's key a laptop can neither send nor
        // open a file; it waits for a coordinator to compare its check code and give it keys.
        // Asked before sending anything (a referral needs the receiver's current key), or
        // when the last push answer announced a change; a sync with nothing to send and no
        // news costs no keys round.
        let pending = self.store.pending_documents()?;
        let keys_stale = self.store.meta_value(crate::keys::META_KEYS_TAG)?
            != self.store.meta_value(crate::keys::META_SERVER_KEYS_TAG)?
            || self.store.meta_value(crate::keys::META_KEYS_TAG)?.is_none();
        let mut legacy = Vec::new();
        if !pending.is_empty() || keys_stale || !self.holds_org_key()? {
            (summary.waiting_for_keys, legacy) = self.sync_keys(t, &mut summary)?;
        }
        if !self.holds_org_key()? {
            summary.awaiting_keys = Some(self.check_code()?);
            return self.finish(summary, cursor, started);
        }
        // 1b. Files a protocol 5 server still holds in clear: fetched (the last plain
        // transfer), merged, and replaced by their sealed history, before anything else goes.
        if !legacy.is_empty() {
            self.replace_legacy(t, &mut summary, legacy, &mut cursor)?;
        }
        let pending = self.store.pending_documents()?;

        // 2. Push what the server lacks; each answer also lists what changed there.
        let pushed = self.push_pending(
            t,
            &mut summary,
            &pending,
            PushMode::Changes,
            &mut cursor,
            progress,
        )?;
        let mut more = pushed.more.unwrap_or(true);
        let mut compact = pushed.compact;
        // Documents of which the server lacks changes this laptop thought it had (a lost
        // answer, a restored server): their whole history, which the server can always take.
        if !pushed.need_whole.is_empty() {
            let again: Vec<_> = pending
                .iter()
                .filter(|p| pushed.need_whole.contains(&p.id))
                .cloned()
                .collect();
            let whole = self.push_pending(
                t,
                &mut summary,
                &again,
                PushMode::Whole,
                &mut cursor,
                progress,
            )?;
            more = whole.more.unwrap_or(more);
            compact.extend(whole.compact);
            let still = whole.need_whole;
            summary.reconciled += (again.len() - still.len()) as u64;
            for id in still {
                summary.refused.push(RefusedDocument {
                    doc_id: id,
                    code: "not_reconciled".into(),
                    message: "the server could not take this file's history; it stays here and \
                              goes with a later sync"
                        .into(),
                });
            }
        }

        // 2b. Histories the server asked to compact: a sealed snapshot of each replaces the
        // changes it covers there.
        if !compact.is_empty() {
            let entries = self.store.sync_entries(&compact)?;
            let done = self.push_pending(
                t,
                &mut summary,
                &entries,
                PushMode::Compact,
                &mut cursor,
                progress,
            )?;
            more = done.more.unwrap_or(more);
        }

        // 3. Page through the rest of what changed on the server.
        while more {
            let reply = self.push_round(
                t,
                &mut summary,
                Push {
                    cursor,
                    page_limit: PAGE,
                    docs: Vec::new(),
                },
            )?;
            self.keys_if_changed(t, &mut summary)?;
            cursor =
                self.apply_page(t, &mut summary, reply.changed, reply.next_cursor, progress)?;
            more = reply.more;
        }

        // Documents that came without a key this laptop could open: asked for again.
        let retry = self.awaiting_key()?;
        if !retry.is_empty() {
            for id in &retry {
                self.note_awaiting_key(id, false)?;
            }
            let again = retry
                .into_iter()
                .map(|doc_id| ChangedDoc {
                    doc_id,
                    kind: String::new(),
                    owner_org: String::new(),
                    heads: Vec::new(),
                    seq: 0,
                    undone: false,
                })
                .collect();
            self.apply_page(t, &mut summary, again, cursor, progress)?;
        }

        // Keys changed on the server meanwhile (a laptop waits for keys, a grant to share):
        // act on it now rather than next time.
        self.keys_if_changed(t, &mut summary)?;

        // 4. What was done here for the audit log (exports, merges), once the documents it
        // names are on the server.
        // Not fatal: the documents are synced; the events wait for the next sync.
        match self.send_events(t, &mut summary) {
            Ok(n) => summary.events_sent = n as u64,
            Err(e) => summary.events_error = Some(e.code().to_string()),
        }
        // 5. The member organisations, for the referral form, when the server's list changed
        // (or was never fetched). Not fatal either: the last list stays.
        if let Err(e) = self.fetch_directory_if_changed(t, &mut summary) {
            summary.directory_error = Some(e.code().to_string());
        }
        // 6. A coordinator's laptop sends again the consortium tallies of months that still
        // hold the hash of someone erased since. Not fatal: they stay noted for next time.
        match self.resend_stale_tallies(t, &mut summary) {
            Ok(n) => summary.tallies_resent = n as u64,
            Err(e) => summary.tally_error = Some(e.code().to_string()),
        }
        // 7. A newer rule book of deadlines on the server: fetched, checked and used. Not
        // fatal: the book in use stays.
        if let Err(e) = self.follow_rule_book(t, &mut summary) {
            summary.rule_book_error = Some(e.to_string());
        }
        // 8. Sensitive flags still in client files move to the medical section, now that the
        // sections other laptops made are here; a few hundred a sync, sent with the next one.
        // Not fatal: a file not moved now is moved later.
        let _ = self.move_sensitive_flags(MOVE_SENSITIVE_PER_SYNC);
        self.finish(summary, cursor, started)
    }

    /// A keys round when the last push answer's keys tag differs from the one this laptop
    /// last acted on (keys given to it, a laptop waiting, a rotation).
    fn keys_if_changed(&mut self, t: &mut dyn Transport, summary: &mut SyncSummary) -> Result<()> {
        if self.store.meta_value(crate::keys::META_KEYS_TAG)?
            != self.store.meta_value(crate::keys::META_SERVER_KEYS_TAG)?
        {
            summary.waiting_for_keys = self.sync_keys(t, summary)?.0;
        }
        Ok(())
    }

    /// Replace documents a protocol 5 server stored in clear (`legacy`) by their sealed
    /// whole histories: each is first fetched (in clear, as the old server stored it) and
    /// merged here, so the history sent covers everything the server had; the server takes it
    /// only then. One that cannot be sealed yet (a referral to an organisation without a key)
    /// waits for a later sync.
    fn replace_legacy(
        &mut self,
        t: &mut dyn Transport,
        summary: &mut SyncSummary,
        legacy: Vec<punkt_sync::wire::LegacyDoc>,
        cursor: &mut u64,
    ) -> Result<()> {
        let fetch = legacy
            .iter()
            .map(|l| ChangedDoc {
                doc_id: l.doc_id.clone(),
                kind: l.kind.clone(),
                owner_org: String::new(),
                heads: Vec::new(),
                seq: 0,
                undone: false,
            })
            .collect();
        self.apply_page(t, summary, fetch, *cursor, &mut |_| {})?;
        let ids: Vec<String> = legacy.into_iter().map(|l| l.doc_id).collect();
        let entries = self.store.sync_entries(&ids)?;
        self.push_pending(t, summary, &entries, PushMode::Legacy, cursor, &mut |_| {})?;
        Ok(())
    }

    /// Documents that came without a key this laptop could open.
    fn awaiting_key(&self) -> Result<Vec<String>> {
        Ok(self
            .store
            .meta_value(META_AWAITING_KEY)?
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default())
    }

    fn note_awaiting_key(&self, id: &str, waiting: bool) -> Result<()> {
        let mut ids = self.awaiting_key()?;
        ids.retain(|i| i != id);
        if waiting {
            ids.push(id.to_string());
        }
        Ok(self.store.set_meta(
            META_AWAITING_KEY,
            &serde_json::to_string(&ids).expect("serialises"),
        )?)
    }

    /// The summary's last figures, kept for `punkt sync status`.
    fn finish(
        &self,
        mut summary: SyncSummary,
        cursor: u64,
        started: Instant,
    ) -> Result<SyncSummary> {
        summary.cursor = cursor;
        summary.pending_after = self.store.count_pending()?;
        summary.duration_ms = started.elapsed().as_millis() as u64;
        summary.finished_at = self.now_text();
        self.store.set_meta(
            META_LAST,
            &serde_json::to_string(&summary).expect("serialises"),
        )?;
        Ok(summary)
    }

    /// Push `pending` in batches, as `mode` says, applying each answer's page of what changed.
    fn push_pending(
        &mut self,
        t: &mut dyn Transport,
        summary: &mut SyncSummary,
        pending: &[punkt_store::documents::PendingDocument],
        mode: PushMode,
        cursor: &mut u64,
        progress: &mut dyn FnMut(SyncProgress),
    ) -> Result<Pushed> {
        let total = pending.len() as u64;
        let mut pushed = Pushed::default();
        let mut i = 0;
        while i < pending.len() {
            let (docs, seqs) = self.push_batch(pending, &mut i, mode, summary)?;
            if docs.is_empty() {
                continue;
            }
            let reply = self.push_round(
                t,
                summary,
                Push {
                    cursor: *cursor,
                    page_limit: PAGE,
                    docs,
                },
            )?;
            let mut erased = Vec::new();
            for r in reply.results {
                match r.outcome {
                    Outcome::Applied { heads } => {
                        if let Some(seq) = seqs.get(&r.doc_id) {
                            self.store
                                .mark_synced(&r.doc_id, &heads_to_bytes(&heads), *seq)?;
                            match mode {
                                PushMode::Changes | PushMode::Whole => summary.sent += 1,
                                PushMode::Compact => summary.compacted += 1,
                                PushMode::Legacy => summary.migrated += 1,
                            }
                        }
                    }
                    Outcome::NeedSync => match mode {
                        PushMode::Changes | PushMode::Whole => pushed.need_whole.push(r.doc_id),
                        // Not in step with the server after all: compacted another time.
                        PushMode::Compact | PushMode::Legacy => {}
                    },
                    Outcome::Refused(why) if why.code == Code::Erased => erased.push(r.doc_id),
                    // A snapshot the server did not take changes nothing here: the history
                    // stays as it is there, and the server asks again.
                    Outcome::Refused(_) if mode == PushMode::Compact => {}
                    Outcome::Refused(why) => summary.refused.push(RefusedDocument {
                        doc_id: r.doc_id,
                        code: why.code.to_string(),
                        message: why.message,
                    }),
                }
            }
            if mode != PushMode::Compact {
                pushed.compact.extend(reply.compact);
            }
            self.drop_erased(summary, &erased)?;
            progress(SyncProgress {
                phase: "send",
                done: i as u64,
                total,
            });
            // New keys (a rotation's next epoch given to this laptop) before what needs them.
            self.keys_if_changed(t, summary)?;
            *cursor = self.apply_page(t, summary, reply.changed, reply.next_cursor, progress)?;
            pushed.more = Some(reply.more);
        }
        Ok(pushed)
    }

    /// Send the erasures made here that the server has not confirmed.
    fn send_erasures(&mut self, t: &mut dyn Transport, summary: &mut SyncSummary) -> Result<()> {
        let ids = self.store.unsynced_tombstones()?;
        for chunk in ids.chunks(limits::MAX_DOCS) {
            let req = Request::Erase(Erase {
                docs: chunk.to_vec(),
            });
            let Response::Erase(results) = self.round(t, summary, &req)? else {
                return Err(CoreError::Sync(
                    "the server answered an erasure with something else".into(),
                ));
            };
            let mut take_back = Vec::new();
            for r in results {
                match r.outcome {
                    Outcome::Applied { .. } => summary.erasures_sent += 1,
                    // Over the server's daily limit: the tombstone stays, sent again later.
                    Outcome::Refused(why) if why.code == Code::RateLimited => {
                        summary.refused.push(RefusedDocument {
                            doc_id: r.doc_id.clone(),
                            code: why.code.to_string(),
                            message: why.message,
                        });
                        continue;
                    }
                    // Not this laptop's to erase (a coordinator's decision): the file is still
                    // on the server, so it comes back here; nothing is lost.
                    Outcome::Refused(why) if why.code == Code::Forbidden => {
                        take_back.push(r.doc_id.clone());
                        summary.refused.push(RefusedDocument {
                            doc_id: r.doc_id.clone(),
                            code: why.code.to_string(),
                            message: why.message,
                        });
                        continue;
                    }
                    // Any other refusal is final: reported, not retried.
                    Outcome::Refused(why) => summary.refused.push(RefusedDocument {
                        doc_id: r.doc_id.clone(),
                        code: why.code.to_string(),
                        message: why.message,
                    }),
                    Outcome::NeedSync => continue,
                }
                self.store.mark_tombstone_synced(&r.doc_id)?;
            }
            self.take_back(t, summary, take_back)?;
        }
        Ok(())
    }

    /// Drop the tombstones of `ids` and fetch the documents again from the server: an erasure
    /// it refused, or one a coordinator undid.
    fn take_back(
        &mut self,
        t: &mut dyn Transport,
        summary: &mut SyncSummary,
        ids: Vec<String>,
    ) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        for id in &ids {
            self.store.forget_tombstone(id)?;
        }
        summary.restored += ids.len() as u64;
        let wanted = ids
            .into_iter()
            .map(|doc_id| ChangedDoc {
                doc_id,
                kind: String::new(),
                owner_org: String::new(),
                heads: Vec::new(),
                seq: 0,
                undone: false,
            })
            .collect();
        let cursor = self.cursor()?;
        self.apply_page(t, summary, wanted, cursor, &mut |_| {})?;
        Ok(())
    }

    /// Delete documents the server says were erased; note the ones that were here.
    fn drop_erased(&mut self, summary: &mut SyncSummary, ids: &[String]) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let now = self.now_text();
        for e in self.store.erase_documents(ids, &now, true)? {
            if e.was_here {
                summary.erased.push(ErasedNotice {
                    doc_id: e.id,
                    dropped_unsent_changes: e.had_unsent_changes,
                });
            }
        }
        Ok(())
    }

    /// Bring in one page of "what changed" and move the cursor past it.
    fn apply_page(
        &mut self,
        t: &mut dyn Transport,
        summary: &mut SyncSummary,
        changed: Vec<ChangedDoc>,
        next_cursor: u64,
        progress: &mut dyn FnMut(SyncProgress),
    ) -> Result<u64> {
        let mut wants: Vec<DocWant> = Vec::new();
        let erased: Vec<String> = changed
            .iter()
            .filter(|c| c.kind == ERASED_KIND)
            .map(|c| c.doc_id.clone())
            .collect();
        self.drop_erased(summary, &erased)?;
        for c in changed.iter().filter(|c| c.kind != ERASED_KIND) {
            match self.store.tombstone(&c.doc_id)? {
                // The server had the erasure and says a coordinator undid it within its grace
                // period: the document comes back.
                Some(t) if t.synced && c.undone => {
                    self.store.forget_tombstone(&c.doc_id)?;
                    summary.restored += 1;
                }
                // Erased here, the server hears of it with the next sync; or listed by a
                // server restored from a backup older than the erasure: it stays erased.
                Some(_) => continue,
                None => {}
            }
            match self.store.document_heads(&c.doc_id)? {
                Some((heads, seq))
                    if sorted(heads_from_bytes(&heads)) == sorted(c.heads.clone()) =>
                {
                    self.store.mark_synced(&c.doc_id, &heads, seq)?;
                }
                Some((heads, _)) => wants.push(DocWant {
                    doc_id: c.doc_id.clone(),
                    have_heads: heads_from_bytes(&heads),
                    need_key: self.store.doc_key(&c.doc_id)?.is_none(),
                }),
                None => wants.push(DocWant {
                    doc_id: c.doc_id.clone(),
                    have_heads: Vec::new(),
                    need_key: self.store.doc_key(&c.doc_id)?.is_none(),
                }),
            }
        }
        let total = wants.len() as u64;
        let mut done = 0;
        // Documents whose changes did not apply here (a dependency missing): asked for whole,
        // once.
        let mut asked_whole: HashSet<String> = HashSet::new();
        while !wants.is_empty() {
            let ask: Vec<DocWant> = wants.drain(..wants.len().min(PULL_DOCS)).collect();
            let Response::Pull(reply) =
                self.round(t, summary, &Request::Pull(Pull { docs: ask.clone() }))?
            else {
                return Err(CoreError::Sync(
                    "the server answered a pull with something else".into(),
                ));
            };
            let mut answered: HashSet<String> =
                reply.docs.iter().map(|d| d.doc_id.clone()).collect();
            let mut erased = Vec::new();
            for r in reply.refused {
                answered.insert(r.doc_id.clone());
                match r.outcome {
                    Outcome::Refused(why) if why.code == Code::Erased => erased.push(r.doc_id),
                    Outcome::Refused(why) => summary.refused.push(RefusedDocument {
                        doc_id: r.doc_id,
                        code: why.code.to_string(),
                        message: why.message,
                    }),
                    _ => {}
                }
            }
            self.drop_erased(summary, &erased)?;
            if answered.is_empty() {
                return Err(CoreError::Sync(
                    "the server sent none of the documents asked for".into(),
                ));
            }
            done += reply.docs.len() as u64;
            let mut opened = Vec::with_capacity(reply.docs.len());
            let mut keys = Vec::new();
            for d in reply.docs {
                match self.open_pulled(d)? {
                    Ok(o) => {
                        if let Some(k) = o.fresh_key {
                            keys.push((o.data.doc_id.clone(), k));
                        }
                        opened.push(o.data)
                    }
                    Err(Refused(r)) => {
                        // Its key comes later (a grant to share, keys not given yet): asked
                        // for again at the next sync, though the cursor moves on.
                        if r.code == Code::NoKey.as_str() {
                            self.note_awaiting_key(&r.doc_id, true)?;
                        }
                        summary.refused.push(r)
                    }
                }
            }
            self.store.put_doc_keys(&keys)?;
            let mut missing = Vec::new();
            self.apply_pulled(true, summary, &mut missing, opened)?;
            // What did not fit in the answer is asked for again.
            let mut rest: Vec<DocWant> = ask
                .into_iter()
                .filter(|w| !answered.contains(&w.doc_id))
                .collect();
            for id in missing {
                if asked_whole.insert(id.clone()) {
                    summary.reconciled += 1;
                    rest.push(DocWant {
                        doc_id: id,
                        have_heads: Vec::new(),
                        need_key: false,
                    });
                } else {
                    summary.refused.push(RefusedDocument {
                        doc_id: id,
                        code: "not_reconciled".into(),
                        message: "changes from the server depend on changes it does not have"
                            .into(),
                    });
                }
            }
            rest.append(&mut wants);
            wants = rest;
            progress(SyncProgress {
                phase: "receive",
                done,
                total,
            });
        }
        self.store.set_meta(META_CURSOR, &next_cursor.to_string())?;
        Ok(next_cursor)
    }

    /// Apply documents from the server (`from_server`) or from a sealed file in one
    /// transaction, with their index rows. Only the server's copies mark what the server has.
    fn apply_pulled(
        &mut self,
        from_server: bool,
        summary: &mut SyncSummary,
        diverged: &mut Vec<String>,
        docs_in: Vec<PlainData>,
    ) -> Result<()> {
        let now = self.now_text();
        let actor = self.actor.clone();
        let mut batch = self.store.batch()?;
        // Documents new here are prepared (loaded, hydrated, indexed) on every core at once:
        // that is most of a first sync's time.
        let mut fresh = Vec::new();
        let mut known = Vec::new();
        for d in docs_in {
            if batch.is_erased(&d.doc_id)? {
                // Erased here, not yet told to the server: it never comes back.
                continue;
            }
            match batch.load(&d.doc_id)? {
                None => fresh.push(d),
                Some(stored) => known.push((d, stored)),
            }
        }
        for prepared in prepare_all(fresh) {
            let p = match prepared {
                Ok(Prepared::Ready(p)) => p,
                Ok(Prepared::MissingDependencies(id)) => {
                    diverged.push(id);
                    continue;
                }
                // One damaged document is reported and skipped; it never stops the rest.
                Err(Refused(r)) => {
                    summary.refused.push(r);
                    continue;
                }
            };
            if let Some(why) = &p.index_error {
                summary.refused.push(RefusedDocument {
                    doc_id: p.data.doc_id.clone(),
                    code: "not_indexed".into(),
                    message: why.clone(),
                });
            }
            batch.write(
                &DocumentWrite {
                    id: &p.data.doc_id,
                    kind: &p.data.kind,
                    owner_org: &p.data.owner_org,
                    snapshot: Some(&p.snapshot),
                    changes: p.changes,
                    heads: heads_to_bytes(&p.heads),
                    now: &now,
                    sync: from_server.then(|| SyncMark {
                        server_heads: heads_to_bytes(&sorted(p.data.heads.clone())),
                        in_sync: sorted(p.heads.clone()) == sorted(p.data.heads.clone()),
                    }),
                },
                p.index.as_ref(),
            )?;
            summary.received += 1;
            summary.new_documents += 1;
        }
        for (d, stored) in known {
            let server_heads = sorted(d.heads.clone());
            // A document that cannot be read or merged is reported and skipped: one bad
            // document never stops the rest of a sync.
            type Merged = Option<(AutoCommit, Vec<automerge::ChangeHash>)>;
            let merged = (|| -> std::result::Result<Merged, Refused> {
                let mut doc = docs::load(&stored.snapshot, &stored.changes)
                    .map_err(|e| damaged(&d.doc_id, e))?;
                doc.set_actor(actor.clone());
                let before = doc.get_heads();
                match &d.payload {
                    PlainPayload::Changes(changes) => {
                        match docs::apply_changes(&mut doc, changes)
                            .map_err(|e| damaged(&d.doc_id, e))?
                        {
                            Applied::MissingDependencies => return Ok(None),
                            Applied::Done { .. } => {}
                        }
                    }
                    PlainPayload::Parsed(changes) => {
                        doc.apply_changes(changes.iter().cloned())
                            .map_err(|e| damaged(&d.doc_id, e))?;
                        if !doc.get_missing_deps(&[]).is_empty() {
                            return Ok(None);
                        }
                    }
                    PlainPayload::Snapshot(opened) => {
                        let mut theirs = opened.load().map_err(|e| damaged(&d.doc_id, e))?;
                        doc.merge(&mut theirs).map_err(|e| damaged(&d.doc_id, e))?;
                    }
                    PlainPayload::Full { snapshot, changes } => {
                        let mut theirs =
                            docs::load(snapshot, changes).map_err(|e| damaged(&d.doc_id, e))?;
                        doc.merge(&mut theirs).map_err(|e| damaged(&d.doc_id, e))?;
                    }
                }
                Ok(Some((doc, before)))
            })();
            let (mut doc, before) = match merged {
                Ok(Some(m)) => m,
                Ok(None) => {
                    diverged.push(d.doc_id.clone());
                    continue;
                }
                Err(Refused(r)) => {
                    summary.refused.push(r);
                    continue;
                }
            };
            let new_changes = crate::changes_after(&mut doc, &before);
            let heads = docs::to_wire(&doc.get_heads());
            let index = if new_changes.is_empty() {
                None
            } else {
                match index_of(&d.kind, &mut doc, &d.doc_id) {
                    Ok(i) => i,
                    Err(e) => {
                        summary.refused.push(RefusedDocument {
                            doc_id: d.doc_id.clone(),
                            code: "not_indexed".into(),
                            message: e.to_string(),
                        });
                        None
                    }
                }
            };
            if !new_changes.is_empty() {
                summary.received += 1;
            }
            batch.write(
                &DocumentWrite {
                    id: &d.doc_id,
                    kind: &stored.kind,
                    owner_org: &stored.owner_org,
                    snapshot: None,
                    changes: new_changes,
                    heads: heads_to_bytes(&heads),
                    now: &now,
                    sync: from_server.then(|| SyncMark {
                        server_heads: heads_to_bytes(&server_heads),
                        in_sync: sorted(heads) == server_heads,
                    }),
                },
                index.as_ref(),
            )?;
        }
        batch.commit()?;
        Ok(())
    }
}

/// A document new to this store, ready to write.
struct NewDocument {
    data: PlainData,
    snapshot: Vec<u8>,
    changes: Vec<(Vec<u8>, Vec<u8>)>,
    heads: Vec<punkt_sync::Hash>,
    index: Option<IndexRows>,
    /// Why the document has no index rows (made by a newer Punkt: stored, shown after an
    /// update and `punkt index rebuild`).
    index_error: Option<String>,
}

/// A document received but not stored, and why.
struct Refused(RefusedDocument);

fn damaged(id: &str, e: impl std::fmt::Display) -> Refused {
    Refused(RefusedDocument {
        doc_id: id.to_string(),
        code: "damaged".into(),
        message: format!("the document could not be read: {e}"),
    })
}

/// A document's changes the server lacks, by the heads it last confirmed (`server_heads`):
/// the changes after them, or the whole history when this laptop does not know them (the
/// server keeps what it already has).
struct Unsent {
    id: String,
    kind: String,
    owner_org: String,
    base_heads: Vec<Hash>,
    changes: Vec<automerge::Change>,
    doc: AutoCommit,
}

fn unsent(
    stored: punkt_store::documents::StoredDocument,
    server_heads: Option<&[u8]>,
) -> Result<Unsent> {
    let mut doc =
        docs::load(&stored.snapshot, &stored.changes).map_err(|e| CoreError::Document {
            id: stored.id.clone(),
            reason: e.to_string(),
        })?;
    let base = server_heads.map(heads_from_bytes).unwrap_or_default();
    let known = docs::from_wire(&base)
        .iter()
        .all(|h| doc.get_change_by_hash(h).is_some());
    let base_heads = if known { base } else { Vec::new() };
    let changes = doc.get_changes(&docs::from_wire(&base_heads));
    Ok(Unsent {
        id: stored.id,
        kind: stored.kind,
        owner_org: stored.owner_org,
        base_heads,
        changes,
        doc,
    })
}

/// How [`Punkt::push_pending`] sends documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PushMode {
    /// What the server lacks, by the heads it last confirmed; a document new to it as one
    /// snapshot.
    Changes,
    /// Whole histories, change by change (the server lacked a base this laptop assumed).
    Whole,
    /// With a snapshot each, replacing the changes the server keeps (it asked).
    Compact,
    /// Whole, with a snapshot, replacing what a protocol 5 server stored in clear.
    Legacy,
}

/// What pushing came to, besides the summary.
#[derive(Default)]
struct Pushed {
    /// The server lacked a base: to send whole.
    need_whole: Vec<String>,
    /// The server asks for snapshots of these.
    compact: Vec<String>,
    /// The last answer's `more`, if any batch went.
    more: Option<bool>,
}

/// What sealing a document's unsent changes came to.
enum Sealing {
    Ready(Box<DocPush>),
    /// This laptop lacks a key it needs; why.
    NoKey(String),
}

/// A document's changes in clear: what a sync file carries (the layout of protocol 5's push,
/// so files written before still import).
#[derive(Debug, Serialize, Deserialize)]
struct PlainPush {
    doc_id: String,
    kind: String,
    owner_org: String,
    base_heads: Vec<Hash>,
    changes: Vec<ByteBuf>,
}

impl From<Unsent> for PlainPush {
    fn from(mut u: Unsent) -> Self {
        PlainPush {
            changes: u
                .changes
                .iter_mut()
                .map(|c| ByteBuf::from(c.bytes().into_owned()))
                .collect(),
            doc_id: u.id,
            kind: u.kind,
            owner_org: u.owner_org,
            base_heads: u.base_heads,
        }
    }
}

/// A pulled document once opened, and its key when it was unwrapped just now (kept with the
/// page's others in one transaction).
struct Opened {
    data: PlainData,
    fresh_key: Option<punkt_store::keys::KeyBytes>,
}

/// A pulled document once opened (or a sync file's), ready to apply.
struct PlainData {
    doc_id: String,
    kind: String,
    owner_org: String,
    /// The server's heads (none for a sync file's).
    heads: Vec<Hash>,
    payload: PlainPayload,
}

enum PlainPayload {
    /// A saved document and changes after it, in clear (as a protocol 5 server stored it).
    Full {
        snapshot: ByteBuf,
        changes: Vec<ByteBuf>,
    },
    /// Encoded changes (a sync file's; checked when applied).
    Changes(Vec<ByteBuf>),
    /// Changes already opened and checked (`crate::e2e::open_changes`), in causal order.
    Parsed(Vec<automerge::Change>),
    /// A snapshot opened and checked (`crate::e2e::open_snapshot`), loaded where it is
    /// applied (on every core, for documents new here).
    Snapshot(Box<crate::e2e::OpenedSnapshot>),
}

impl Punkt {
    /// Open a pulled document: its key (kept here, or unwrapped from what came with it), its
    /// sealed snapshot and changes, each checked (`crate::e2e`). A document that does not
    /// open is refused, never applied.
    fn open_pulled(&self, d: DocData) -> Result<std::result::Result<Opened, Refused>> {
        let DocData {
            doc_id,
            kind,
            owner_org,
            heads,
            payload,
            keys,
        } = d;
        let data = |payload| PlainData {
            doc_id: doc_id.clone(),
            kind: kind.clone(),
            owner_org: owner_org.clone(),
            heads: heads.clone(),
            payload,
        };
        let (snapshot, changes) = match payload {
            // Stored in clear by a protocol 5 server (the migration's last plain transfer).
            Payload::Legacy { snapshot, changes } => {
                return Ok(Ok(Opened {
                    data: data(PlainPayload::Full { snapshot, changes }),
                    fresh_key: None,
                }))
            }
            Payload::Full { snapshot, changes } => (snapshot, changes),
            Payload::Changes(changes) => (None, changes),
        };
        let Some((key, fresh)) = self.doc_key_from(&doc_id, &kind, &keys)? else {
            return Ok(Err(Refused(RefusedDocument {
                doc_id,
                code: Code::NoKey.to_string(),
                message: "this laptop has no key for the document (yet)".into(),
            })));
        };
        let opened = match &snapshot {
            Some(snap) => crate::e2e::open_snapshot(&key, &doc_id, snap, &changes)
                .map(|o| PlainPayload::Snapshot(Box::new(o))),
            None => crate::e2e::open_changes(&key, &doc_id, &changes).map(PlainPayload::Parsed),
        };
        Ok(match opened {
            Ok(payload) => Ok(Opened {
                fresh_key: fresh.then(|| punkt_store::keys::KeyBytes::new(*key.as_bytes())),
                data: data(payload),
            }),
            Err(e) => Err(damaged(&doc_id, e)),
        })
    }
}

enum Prepared {
    Ready(Box<NewDocument>),
    MissingDependencies(String),
}

fn prepare_new(mut d: PlainData) -> std::result::Result<Prepared, Refused> {
    let payload = std::mem::replace(&mut d.payload, PlainPayload::Parsed(Vec::new()));
    let bad = |e: &dyn std::fmt::Display| damaged(&d.doc_id, e);
    let kept = |c: &automerge::Change| (c.hash().0.to_vec(), c.raw_bytes().to_vec());
    // Each form is stored as it came: a snapshot as saved, changes after an empty snapshot
    // (saving would compress the document only to load it back).
    let (snapshot, changes, mut doc) = match payload {
        PlainPayload::Snapshot(opened) => {
            let doc = opened.load().map_err(|e| bad(&e))?;
            let changes = opened.after.iter().map(kept).collect();
            (opened.saved, changes, doc)
        }
        PlainPayload::Parsed(parsed) => {
            let mut doc = AutoCommit::new();
            doc.apply_changes(parsed.iter().cloned())
                .map_err(|e| bad(&e))?;
            (
                AutoCommit::new().save(),
                parsed.iter().map(kept).collect(),
                doc,
            )
        }
        PlainPayload::Changes(raw) => {
            let mut doc = AutoCommit::new();
            match docs::apply_changes(&mut doc, &raw) {
                Err(e) => return Err(bad(&e)),
                Ok(Applied::MissingDependencies) => {
                    return Ok(Prepared::MissingDependencies(d.doc_id))
                }
                Ok(Applied::Done { .. }) => {}
            }
            (doc.save(), Vec::new(), doc)
        }
        PlainPayload::Full { snapshot, changes } => {
            let raw: Vec<Vec<u8>> = changes.iter().map(|c| c.to_vec()).collect();
            let doc = docs::load(&snapshot, &raw).map_err(|e| bad(&e))?;
            let mut kept = Vec::with_capacity(raw.len());
            for c in raw {
                let change = automerge::Change::from_bytes(c.clone()).map_err(|e| bad(&e))?;
                kept.push((change.hash().0.to_vec(), c));
            }
            (snapshot.to_vec(), kept, doc)
        }
    };
    if !doc.get_missing_deps(&[]).is_empty() {
        return Ok(Prepared::MissingDependencies(d.doc_id));
    }
    Ok(Prepared::Ready(Box::new(finish_new(
        d, snapshot, changes, doc,
    ))))
}

/// A new document's heads and index rows, ready to write.
fn finish_new(
    d: PlainData,
    snapshot: Vec<u8>,
    changes: Vec<(Vec<u8>, Vec<u8>)>,
    mut doc: AutoCommit,
) -> NewDocument {
    let heads = docs::to_wire(&doc.get_heads());
    let (index, index_error) = match index_of(&d.kind, &mut doc, &d.doc_id) {
        Ok(i) => (i, None),
        Err(e) => (None, Some(e.to_string())),
    };
    NewDocument {
        data: d,
        snapshot,
        changes,
        heads,
        index,
        index_error,
    }
}

/// [`prepare_new`] over all documents, on as many threads as there are cores, in order.
fn prepare_all(docs_in: Vec<PlainData>) -> Vec<std::result::Result<Prepared, Refused>> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(8);
    if threads < 2 || docs_in.len() < 16 {
        return docs_in.into_iter().map(prepare_new).collect();
    }
    let chunk = docs_in.len().div_ceil(threads);
    let mut chunks: Vec<Vec<PlainData>> = Vec::new();
    let mut it = docs_in.into_iter().peekable();
    while it.peek().is_some() {
        chunks.push(it.by_ref().take(chunk).collect());
    }
    std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|c| s.spawn(move || c.into_iter().map(prepare_new).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a preparing thread panicked"))
            .collect()
    })
}

/// Files whose old sensitive flags a sync moves to their medical section, at most.
const MOVE_SENSITIVE_PER_SYNC: usize = 300;

/// The index rows of a document of `kind`: client files, group activities and the medical
/// section (its sensitive flags) have some.
fn index_of(kind: &str, doc: &mut AutoCommit, id: &str) -> Result<Option<IndexRows>> {
    if kind == punkt_model::activity::GROUP_ACTIVITY_KIND {
        return crate::activities::activity_index(doc, id).map(Some);
    }
    if kind == punkt_sync::access::section_kind(punkt_sync::access::SENSITIVE_FLAGS_SECTION) {
        return crate::sections::section_index(doc, id).map(Some);
    }
    if kind != CLIENT_DOCUMENT_KIND {
        return Ok(None);
    }
    let err = |e: punkt_model::ModelError| CoreError::Document {
        id: id.to_string(),
        reason: e.to_string(),
    };
    // Migrate a copy only when the document is old: most are current, and a copy costs.
    let current = punkt_model::schema::schema_version(doc).map_err(err)?
        == punkt_model::client::CLIENT_SCHEMA_VERSION;
    let file = if current {
        read_client(doc).map_err(err)?
    } else {
        let mut copy = doc.fork();
        migrate_client(&mut copy).map_err(err)?;
        read_client(&copy).map_err(err)?
    };
    Ok(Some(indexing::client_index_in(doc, &file).into()))
}

/// The content of a sealed sync file: the changes of one store the server has not confirmed.
#[derive(Debug, Serialize, Deserialize)]
struct Bundle {
    format: u32,
    store_id: String,
    organisation: String,
    created_at: String,
    docs: Vec<PlainPush>,
}

/// What an export wrote.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ExportSummary {
    pub documents: u64,
    pub bytes: u64,
}

/// What an import did.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ImportSummary {
    pub documents: u64,
    /// Documents changed here.
    pub changed: u64,
    pub new_documents: u64,
    /// Documents that could not be applied (this machine lacks earlier changes: sync it with
    /// the server first), or of another organisation.
    pub refused: Vec<RefusedDocument>,
}

impl Punkt {
    /// Seal the changes the server has not confirmed (or every document with `all`) into bytes
    /// for a file, under `passphrase`. Nothing is marked as sent: the changes also go with the
    /// next sync, where the copy that arrives second changes nothing.
    pub fn export_changes(
        &self,
        passphrase: &str,
        all: bool,
        kdf: punkt_store::KdfParams,
    ) -> Result<(Vec<u8>, ExportSummary)> {
        let mut docs_out = Vec::new();
        // (id, heads the server was last known to have); kind and owner come with the bytes.
        let targets: Vec<(String, Option<Vec<u8>>)> = if all {
            let mut ids = self.store.document_ids(CLIENT_DOCUMENT_KIND)?;
            ids.extend(
                self.store
                    .document_ids(punkt_model::client::ATTACHMENT_DOCUMENT_KIND)?,
            );
            ids.into_iter().map(|id| (id, None)).collect()
        } else {
            self.store
                .pending_documents()?
                .into_iter()
                .map(|p| (p.id, p.server_heads))
                .collect()
        };
        // A restricted section leaves only with a role that may read it: a sync file must not
        // carry psychological notes past the roles the server would give them to.
        let role = self.role()?;
        let may_pass_on = |kind: &str| {
            !punkt_sync::access::is_section(kind)
                || role
                    .as_deref()
                    .is_some_and(|r| punkt_sync::access::role_may_read(kind, r))
        };
        for (id, server_heads) in targets {
            let stored = self.store.load_document(&id)?;
            if may_pass_on(&stored.kind) {
                docs_out.push(PlainPush::from(unsent(stored, server_heads.as_deref())?));
            }
        }
        let bundle = Bundle {
            format: 1,
            store_id: self.store.info().store_id.clone(),
            organisation: self.organisation().to_string(),
            created_at: self.now_text(),
            docs: docs_out,
        };
        let plain = postcard::to_stdvec(&bundle).map_err(|e| CoreError::Sync(e.to_string()))?;
        let sealed = punkt_store::sealed::seal(passphrase, &plain, kdf)?;
        let summary = ExportSummary {
            documents: bundle.docs.len() as u64,
            bytes: sealed.len() as u64,
        };
        self.record_event(
            "export",
            None,
            &format!("encrypted sync file with {} documents", summary.documents),
        )?;
        Ok((sealed, summary))
    }

    /// Apply a sealed sync file made on another machine. What it brings waits here to go to
    /// the server with this store's next sync.
    pub fn import_changes(&mut self, sealed: &[u8], passphrase: &str) -> Result<ImportSummary> {
        let plain = punkt_store::sealed::unseal(passphrase, sealed).map_err(|e| match e {
            punkt_store::StoreError::WrongPassphrase => CoreError::Invalid(
                "wrong passphrase for this sync file, or the file was damaged".into(),
            ),
            e => CoreError::Invalid(format!("not a Punkt sync file: {e}")),
        })?;
        let bundle: Bundle = postcard::from_bytes(&plain)
            .map_err(|e| CoreError::Invalid(format!("the sync file's content is damaged: {e}")))?;
        if bundle.format != 1 {
            return Err(CoreError::Invalid(format!(
                "sync file format {} is not supported; update Punkt",
                bundle.format
            )));
        }
        let mut refused = Vec::new();
        let mut incoming = Vec::new();
        let role = self.role()?;
        for d in bundle.docs {
            let readable = role
                .as_deref()
                .is_some_and(|r| punkt_sync::access::role_may_read(&d.kind, r));
            if punkt_sync::access::is_section(&d.kind) && !readable {
                refused.push(RefusedDocument {
                    doc_id: d.doc_id,
                    code: "forbidden".into(),
                    message: format!(
                        "a restricted section ({}) this laptop's role may not hold",
                        d.kind
                    ),
                });
                continue;
            }
            if d.owner_org != self.organisation() {
                refused.push(RefusedDocument {
                    doc_id: d.doc_id,
                    code: "forbidden".into(),
                    message: format!(
                        "a file of {}, not of this store's organisation",
                        d.owner_org
                    ),
                });
                continue;
            }
            incoming.push(PlainData {
                doc_id: d.doc_id,
                kind: d.kind,
                owner_org: d.owner_org,
                heads: Vec::new(),
                payload: PlainPayload::Changes(d.changes),
            });
        }
        let documents = incoming.len() as u64 + refused.len() as u64;
        let mut summary = SyncSummary::default();
        let mut missing = Vec::new();
        self.apply_pulled(false, &mut summary, &mut missing, incoming)?;
        for id in missing {
            refused.push(RefusedDocument {
                doc_id: id,
                code: "missing_dependencies".into(),
                message: "this machine lacks earlier changes of the file: sync it with the server, then import again".into(),
            });
        }
        Ok(ImportSummary {
            documents,
            changed: summary.received,
            new_documents: summary.new_documents,
            refused,
        })
    }
}
