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

mod enrol;
mod file;
mod pull;
mod push;
mod transport;

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::{Duration, Instant};

use automerge::AutoCommit;
use serde::{Deserialize, Serialize};

use punkt_model::client::CLIENT_DOCUMENT_KIND;
use punkt_model::schema::{migrate_client, read_client};
use punkt_store::documents::{DocumentWrite, SyncMark};
use punkt_store::index::IndexRows;
use punkt_sync::client::{Event, PushKind, Start, Step, SyncMachine};
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

pub use file::{ExportSummary, ImportSummary};
use pull::*;
use push::*;
use transport::*;
pub use transport::{HttpTransport, Transport, TransportError};

/// Documents per push request (further bounded by [`PUSH_BYTES`]).
const PUSH_DOCS: usize = 500;
/// Change bytes per push request.
const PUSH_BYTES: usize = 8 * 1024 * 1024;
/// Documents asked for per pull request.
const PULL_DOCS: usize = 500;
/// Entries of "what changed" per page.
const PAGE: u32 = 1_000;

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

/// What one sync carries from step to step: its summary so far, the files a protocol 5 server
/// still holds in clear (from the keys round, for the step that replaces them), and the
/// documents this laptop has to send (from the push of changes, for a push of whole histories).
#[derive(Default)]
struct Running {
    summary: SyncSummary,
    legacy: Vec<punkt_sync::wire::LegacyDoc>,
    pending: Vec<punkt_store::documents::PendingDocument>,
}

impl Punkt {
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
            Err(TransportError::Stopped) => return Err(CoreError::Stopped),
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

    /// Sync with the server over `t`. Told that this laptop was revoked (`wipe`), it first
    /// hands the server what it had not sent (the error says how much), so the caller's wipe
    /// loses no one's work.
    pub fn sync_with(
        &mut self,
        t: &mut dyn Transport,
        progress: &mut dyn FnMut(SyncProgress),
    ) -> Result<SyncSummary> {
        match self.sync_once(t, progress) {
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

    /// Where this laptop stands as a sync starts, for the machine that orders it.
    fn sync_start(&self) -> Result<Start> {
        let tag = self.store.meta_value(crate::keys::META_KEYS_TAG)?;
        Ok(Start {
            cursor: self.cursor()?,
            pending: self.store.count_pending()? > 0,
            keys_stale: tag.is_none()
                || tag != self.store.meta_value(crate::keys::META_SERVER_KEYS_TAG)?,
            holds_key: self.holds_org_key()?,
        })
    }

    /// One sync, in the order [`SyncMachine`] gives (`punkt_sync::client`: which round comes
    /// after which is decided there, without I/O); each step is carried out here, over `t`
    /// and on the store.
    fn sync_once(
        &mut self,
        t: &mut dyn Transport,
        progress: &mut dyn FnMut(SyncProgress),
    ) -> Result<SyncSummary> {
        let started = Instant::now();
        let mut run = Running::default();
        let mut machine = SyncMachine::new(self.sync_start()?);
        loop {
            let step = machine.next();
            let done = match step {
                Step::Finish { cursor } => return self.finish(run.summary, cursor, started),
                // The server was behind again after starting over: something else is wrong.
                Step::Fail => return Err(CoreError::ServerBehind),
                Step::Restart => {
                    // The server forgot what it had confirmed (restored from a backup): send
                    // everything again; changes it still has are no-ops.
                    self.store.reset_sync_state()?;
                    self.store.delete_meta(META_CURSOR)?;
                    self.store.delete_meta(META_GENERATION)?;
                    run.summary = SyncSummary::default();
                    machine.restarted(self.sync_start()?);
                    continue;
                }
                step => self.sync_step(t, step, machine.cursor(), &mut run, progress),
            };
            machine.on(match done {
                Err(CoreError::ServerBehind) => Event::ServerBehind,
                r => r?,
            });
        }
    }

    /// Carry out one step of a sync; what came of it, for the machine.
    fn sync_step(
        &mut self,
        t: &mut dyn Transport,
        step: Step,
        cursor: u64,
        run: &mut Running,
        progress: &mut dyn FnMut(SyncProgress),
    ) -> Result<Event> {
        let Running {
            summary,
            legacy,
            pending,
        } = run;
        Ok(match step {
            // Erasures first: the server deletes its copies before anything else moves.
            Step::SendErasures => {
                self.send_erasures(t, summary)?;
                Event::Done
            }
            // Without its organisation's key a laptop can neither send nor open a file; it
            // waits for a coordinator to compare its check code and give it keys.
            Step::Keys => {
                (summary.waiting_for_keys, *legacy) = self.sync_keys(t, summary)?;
                Event::Keys {
                    holds_key: self.holds_org_key()?,
                    legacy: !legacy.is_empty(),
                }
            }
            Step::AwaitKeys => {
                summary.awaiting_keys = Some(self.check_code()?);
                Event::Done
            }
            // Files a protocol 5 server still holds in clear: fetched (the last plain
            // transfer), merged, and replaced by their sealed history, before anything else.
            Step::ReplaceLegacy => {
                let mut cursor = cursor;
                self.replace_legacy(t, summary, std::mem::take(legacy), &mut cursor)?;
                Event::Pushed {
                    more: None,
                    need_whole: Vec::new(),
                    compact: Vec::new(),
                    cursor,
                }
            }
            // What the server lacks; each answer also lists what changed there.
            Step::Push(kind) => {
                let mut cursor = cursor;
                let (entries, mode) = match &kind {
                    PushKind::Changes => {
                        *pending = self.store.pending_documents()?;
                        (pending.clone(), PushMode::Changes)
                    }
                    PushKind::Whole(ids) => (
                        pending
                            .iter()
                            .filter(|p| ids.contains(&p.id))
                            .cloned()
                            .collect(),
                        PushMode::Whole,
                    ),
                    PushKind::Compact(ids) => (self.store.sync_entries(ids)?, PushMode::Compact),
                };
                let pushed =
                    self.push_pending(t, summary, &entries, mode, &mut cursor, progress)?;
                if mode == PushMode::Whole {
                    // Those the server could not take even whole stay here for a later sync.
                    summary.reconciled += (entries.len() - pushed.need_whole.len()) as u64;
                    for id in &pushed.need_whole {
                        summary.refused.push(RefusedDocument {
                            doc_id: id.clone(),
                            code: "not_reconciled".into(),
                            message: "the server could not take this file's history; it stays \
                                      here and goes with a later sync"
                                .into(),
                        });
                    }
                }
                Event::Pushed {
                    more: pushed.more,
                    need_whole: pushed.need_whole,
                    compact: pushed.compact,
                    cursor,
                }
            }
            // The rest of what changed on the server.
            Step::Page { cursor } => {
                let reply = self.push_round(
                    t,
                    summary,
                    Push {
                        cursor,
                        page_limit: PAGE,
                        docs: Vec::new(),
                    },
                )?;
                self.keys_if_changed(t, summary)?;
                let cursor =
                    self.apply_page(t, summary, reply.changed, reply.next_cursor, progress)?;
                Event::Paged {
                    more: reply.more,
                    cursor,
                }
            }
            Step::RetryAwaitingKeys => {
                self.retry_awaiting_keys(t, summary, cursor, progress)?;
                Event::Done
            }
            // Keys changed on the server meanwhile (a laptop waits for keys, a grant to
            // share): acted on now rather than next time.
            Step::KeysIfChanged => {
                self.keys_if_changed(t, summary)?;
                Event::Done
            }
            Step::Housekeeping => {
                self.housekeeping(t, summary);
                Event::Done
            }
            Step::Finish { .. } | Step::Fail | Step::Restart => {
                unreachable!("handled by the sync loop")
            }
        })
    }

    /// Documents that came without a key this laptop could open: asked for again.
    fn retry_awaiting_keys(
        &mut self,
        t: &mut dyn Transport,
        summary: &mut SyncSummary,
        cursor: u64,
        progress: &mut dyn FnMut(SyncProgress),
    ) -> Result<()> {
        let retry = self.awaiting_key()?;
        if retry.is_empty() {
            return Ok(());
        }
        for id in &retry {
            self.note_awaiting_key(id, false)?;
        }
        let again = retry
            .into_iter()
            .map(|doc_id| asked_for(doc_id, String::new()))
            .collect();
        self.apply_page(t, summary, again, cursor, progress)?;
        Ok(())
    }

    /// What follows the documents; none of it can fail the sync.
    fn housekeeping(&mut self, t: &mut dyn Transport, summary: &mut SyncSummary) {
        // What was done here for the audit log (exports, merges), once the documents it
        // names are on the server; the events wait for the next sync if this fails.
        match self.send_events(t, summary) {
            Ok(n) => summary.events_sent = n as u64,
            Err(e) => summary.events_error = Some(e.code().to_string()),
        }
        // The member organisations, for the referral form, when the server's list changed
        // (or was never fetched); the last list stays if this fails.
        if let Err(e) = self.fetch_directory_if_changed(t, summary) {
            summary.directory_error = Some(e.code().to_string());
        }
        // A coordinator's laptop sends again the consortium tallies of months that still
        // hold the hash of someone erased since; they stay noted for next time on failure.
        match self.resend_stale_tallies(t, summary) {
            Ok(n) => summary.tallies_resent = n as u64,
            Err(e) => summary.tally_error = Some(e.code().to_string()),
        }
        // A newer rule book of deadlines on the server: fetched, checked and used; the book
        // in use stays on failure.
        if let Err(e) = self.follow_rule_book(t, summary) {
            summary.rule_book_error = Some(e.to_string());
        }
        // Sensitive flags still in client files move to the medical section, now that the
        // sections other laptops made are here; a few hundred a sync, sent with the next one.
        // A file not moved now is moved later.
        let _ = self.move_sensitive_flags(MOVE_SENSITIVE_PER_SYNC);
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
            .map(|l| asked_for(l.doc_id.clone(), l.kind.clone()))
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
}

/// An entry of "what changed" that asks for document `doc_id` by its id alone (of `kind` when
/// known): one this laptop wants whatever heads the server has (a key that came late, an
/// erasure undone, a file held in clear).
fn asked_for(doc_id: String, kind: String) -> ChangedDoc {
    ChangedDoc {
        doc_id,
        kind,
        owner_org: String::new(),
        heads: Vec::new(),
        seq: 0,
        undone: false,
    }
}

/// Files whose old sensitive flags a sync moves to their medical section, at most.
const MOVE_SENSITIVE_PER_SYNC: usize = 300;
