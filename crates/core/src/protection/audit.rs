//! The audit view for a coordinator: who read, changed, exported, merged or erased a file.
//!
//! Three sources, one timeline:
//! - the server's log (reads, syncs, refusals, erasures, referrals, and the events laptops
//!   recorded), which only a coordinator may ask for, and only about their organisation;
//! - events recorded on this laptop and not yet sent (exports, merges, retention runs);
//! - the file's own change history (each change carries its device and author), which says
//!   who changed what even when no server was ever involved.

use serde::Serialize;

use punkt_store::events::LocalEventRow;
use punkt_sync::wire::{AuditEntry, AuditQuery, LocalEvent};
use punkt_sync::{Request, Response};

use crate::error::{CoreError, Result};
use crate::sync::Transport;
use crate::Punkt;

/// Entries of the server's log asked for at once.
pub const AUDIT_LIMIT: u32 = 1_000;

/// Events sent to the server per request.
const EVENTS_PER_REQUEST: usize = 500;

/// One line of a file's audit timeline.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AuditLine {
    pub at: String,
    /// `server` (the server's log), `laptop` (recorded here, not sent yet) or `history` (a
    /// change of the file).
    pub source: String,
    /// `read`, `sync`, `refused`, `erase`, `referral`, `export`, `merge`, `retention`, or
    /// `change` for the history.
    pub action: String,
    /// The person (the server's user, or the author a laptop wrote into its changes).
    pub who: Option<String>,
    pub organisation: Option<String>,
    /// A device id (server) or the first digits of an actor id (history).
    pub device: Option<String>,
    pub detail: String,
    /// For a change (history): the parts of the file it touched (`person`, `consultations`...).
    pub parts: Vec<String>,
}

/// A file's audit timeline, newest first.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FileAudit {
    pub id: String,
    pub lines: Vec<AuditLine>,
    /// Why the server's log is missing, as an error code (`not_enrolled`, `forbidden` for a
    /// role other than coordinator, `server_unreachable`...), if it is.
    pub server_unavailable: Option<String>,
}

impl From<AuditEntry> for AuditLine {
    fn from(e: AuditEntry) -> Self {
        AuditLine {
            at: e.at,
            source: "server".into(),
            action: e.action,
            who: e.user,
            organisation: e.organisation,
            device: e.device_id,
            detail: e.detail,
            parts: Vec::new(),
        }
    }
}

impl Punkt {
    /// Record something done here for the audit log (sent with the next sync). The detail
    /// names no person: ids and kinds only.
    pub fn record_event(&self, action: &str, doc_id: Option<&str>, detail: &str) -> Result<()> {
        self.store
            .record_event(&self.now_text(), action, doc_id, detail)?;
        Ok(())
    }

    /// Events recorded on this laptop, newest first (one file's when `doc_id` is set).
    pub fn local_events(&self, doc_id: Option<&str>, limit: usize) -> Result<Vec<LocalEventRow>> {
        Ok(self.store.local_events(doc_id, limit)?)
    }

    /// The server's audit log about this organisation (only about `doc_ids` when not empty),
    /// newest first. Coordinators only: the server refuses anyone else.
    pub fn server_audit(
        &self,
        t: &mut dyn Transport,
        doc_ids: &[String],
        limit: u32,
    ) -> Result<Vec<AuditEntry>> {
        let q = AuditQuery {
            doc_ids: doc_ids.to_vec(),
            limit: limit.min(punkt_sync::wire::limits::MAX_AUDIT as u32),
        };
        match self.ask(t, &Request::Audit(q))? {
            Response::Audit(entries) => Ok(entries),
            _ => Err(CoreError::Sync(
                "the server answered an audit query with something else".into(),
            )),
        }
    }

    /// The audit timeline of file `id`: the server's log about the file and its attachments,
    /// restricted sections and referrals (when `t` is given and the server answers), events
    /// recorded here and not yet sent, and the file's change history (gone with the file once
    /// it is erased; the server's log keeps the erasure).
    pub fn file_audit(&self, t: Option<&mut dyn Transport>, id: &str) -> Result<FileAudit> {
        let mut lines: Vec<AuditLine> = Vec::new();
        let mut ids = vec![id.to_string()];
        if let Ok(file) = self.client(id) {
            ids.extend(file.attachments.keys().cloned());
            ids.extend(file.sections.keys().cloned());
            ids.extend(file.referrals.keys().cloned());
        }
        let server_unavailable = match t {
            None => Some(CoreError::NotEnrolled.code().to_string()),
            Some(t) => match self.server_audit(t, &ids, AUDIT_LIMIT) {
                Ok(entries) => {
                    lines.extend(entries.into_iter().map(AuditLine::from));
                    None
                }
                Err(e @ (CoreError::SyncRefused { .. } | CoreError::Unreachable(_))) => {
                    Some(e.code().to_string())
                }
                Err(e) => return Err(e),
            },
        };
        for e in self.store.local_events(Some(id), AUDIT_LIMIT as usize)? {
            if !e.synced {
                lines.push(AuditLine {
                    at: e.at,
                    source: "laptop".into(),
                    action: e.action,
                    who: self.author().map(str::to_string),
                    organisation: Some(self.organisation().to_string()),
                    device: None,
                    detail: e.detail,
                    parts: Vec::new(),
                });
            }
        }
        match self.client_history(id) {
            Ok(history) => lines.extend(history.into_iter().map(|h| AuditLine {
                at: h.time,
                source: "history".into(),
                action: "change".into(),
                who: h.author,
                organisation: None,
                device: Some(h.device),
                detail: String::new(),
                parts: h.sections,
            })),
            // An erased file has no history left; its server log says so.
            Err(CoreError::Erased(_)) if !lines.is_empty() => {}
            Err(e) => return Err(e),
        }
        lines.sort_by(|a, b| b.at.cmp(&a.at));
        Ok(FileAudit {
            id: id.to_string(),
            lines,
            server_unavailable,
        })
    }

    /// Send the events recorded here that the server has not confirmed.
    pub(crate) fn send_events(
        &mut self,
        t: &mut dyn Transport,
        summary: &mut crate::sync::SyncSummary,
    ) -> Result<usize> {
        let mut sent = 0;
        loop {
            let rows = self.store.unsynced_events(EVENTS_PER_REQUEST)?;
            if rows.is_empty() {
                return Ok(sent);
            }
            let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
            let events = rows
                .into_iter()
                .map(|r| LocalEvent {
                    id: r.id,
                    at: r.at,
                    action: r.action,
                    doc_id: r.doc_id,
                    detail: r.detail,
                })
                .collect();
            match self.round(t, summary, &Request::Record(events))? {
                Response::Recorded(_) => {}
                _ => {
                    return Err(CoreError::Sync(
                        "the server answered recorded events with something else".into(),
                    ))
                }
            }
            self.store.mark_events_synced(&ids)?;
            sent += ids.len();
        }
    }
}
