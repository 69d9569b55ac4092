//! Erasure (GDPR Art. 17): a person's file, the documents that hang off it (attachments,
//! restricted sections, referrals made from it) and
//! the files merged into it are deleted from this store for good, and tombstones go to the
//! server with the next sync, which deletes its copies and tells every other laptop to delete
//! theirs. A laptop that comes back with edits to an erased file drops them and says so
//! (`SyncSummary::erased`).
//!
//! Only the organisation that owns a file erases it (each organisation is the controller of its
//! own files). The legal-claims exception (Art. 17(3)(e)) is a person's decision, not the
//! program's: the report lists the open deadlines and matters of what was erased so that the
//! person erasing sees them (front ends ask before calling this).

use std::collections::BTreeSet;

use punkt_sync::wire::HeldErasure;
use punkt_sync::{Request, Response};
use serde::Serialize;

use crate::error::{CoreError, Result};
use crate::sync::Transport;
use crate::team::answer;
use crate::Punkt;

fn erasures_of(r: Response) -> Option<Vec<HeldErasure>> {
    match r {
        Response::Erasures(e) => Some(e),
        _ => None,
    }
}

/// How long after making a file its author may erase it or merge it away without being a
/// coordinator (the server allows the same from when it first received the file).
pub const AUTHOR_WINDOW_HOURS: i64 = 24;

/// What an erasure deleted.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ErasureReport {
    pub client_id: String,
    /// Every document deleted: the file, its attachments, files merged into it.
    pub documents: Vec<String>,
    /// Files that had been merged into this one, erased with it.
    pub merged_files: Vec<String>,
    /// Open matters and deadlines the file had (a reason to keep it may have existed).
    pub open_matters: u32,
    pub open_deadlines: u32,
}

/// What an erasure would delete, for the question before it.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ErasurePlan {
    pub client_id: String,
    pub display_name: String,
    pub documents: u32,
    pub merged_files: u32,
    pub open_matters: u32,
    pub open_deadlines: u32,
}

struct Plan {
    documents: Vec<String>,
    merged_files: Vec<String>,
    display_name: String,
    open_matters: u32,
    open_deadlines: u32,
}

impl Punkt {
    /// Erasing a file, or merging it away, loses it for everyone: only a coordinator (or a
    /// laptop with no role, used alone) may, or the laptop that made the file within
    /// [`AUTHOR_WINDOW_HOURS`] of making it. The server checks the same (`forbidden`); here
    /// the refusal comes before anything is deleted.
    pub(crate) fn may_remove(&self, id: &str, created_at: &str, what: &str) -> Result<()> {
        match self.role()?.as_deref() {
            None | Some(punkt_sync::access::COORDINATOR) => return Ok(()),
            Some(_) => {}
        }
        let recent = chrono::DateTime::parse_from_rfc3339(created_at).is_ok_and(|t| {
            self.now() - t.with_timezone(&chrono::Utc)
                <= chrono::Duration::hours(AUTHOR_WINDOW_HOURS)
        });
        // The document is loaded only when its age leaves the question open.
        if recent && self.made_here(id)? {
            return Ok(());
        }
        Err(CoreError::Forbidden(format!(
            "only a coordinator can {what} a file someone else made, or one made more than \
             {AUTHOR_WINDOW_HOURS} hours ago; nothing was changed"
        )))
    }

    /// Whether this laptop made document `id` (its first change is this laptop's).
    fn made_here(&self, id: &str) -> Result<bool> {
        let stored = self.store.load_document(id)?;
        Ok(crate::load_automerge(&stored)?
            .get_changes(&[])
            .first()
            .is_some_and(|c| *c.actor_id() == self.actor))
    }

    /// The erasures the server can still undo (a coordinator's), oldest first.
    pub fn held_erasures(&self, t: &mut dyn Transport) -> Result<Vec<HeldErasure>> {
        answer(self.ask(t, &Request::Erasures)?, erasures_of)
    }

    /// Undo erasure `batch` on the server (a coordinator's): its documents come back to every
    /// laptop in scope at their next sync. Returns the erasures left.
    pub fn undo_erasure(&self, t: &mut dyn Transport, batch: &str) -> Result<Vec<HeldErasure>> {
        let req = Request::UndoErasure {
            batch: batch.trim().to_string(),
        };
        answer(self.ask(t, &req)?, erasures_of)
    }

    fn erasure_plan_of(&self, id: &str) -> Result<Plan> {
        let stored = self
            .store
            .load_document(id)
            .map_err(|e| self.missing_client(id, e))?;
        if stored.kind != punkt_model::client::CLIENT_DOCUMENT_KIND {
            return Err(CoreError::UnknownClient(id.to_string()));
        }
        if stored.owner_org != self.organisation() {
            return Err(CoreError::Forbidden(format!(
                "the file {id} belongs to {}: only that organisation can erase it",
                stored.owner_org
            )));
        }
        let file = self.client(id)?;
        self.may_remove(id, &file.created_at, "erase")?;
        let display_name = file.display_name();
        let mut documents = BTreeSet::new();
        let mut merged_files = Vec::new();
        let (mut open_matters, mut open_deadlines) = (0, 0);
        // The file, then every file merged into it (merges of merges too).
        let mut queue = vec![(id.to_string(), file)];
        while let Some((fid, f)) = queue.pop() {
            if !documents.insert(fid.clone()) {
                continue;
            }
            documents.extend(f.attachments.keys().cloned());
            // Restricted sections go too, even when this laptop may not read them (the
            // server erases them as the owner organisation's); and the referrals made from the
            // file, which the receiving organisation then loses as well.
            documents.extend(f.sections.keys().cloned());
            documents.extend(f.referrals.keys().cloned());
            open_matters += f.matters.values().filter(|m| m.closed.is_none()).count() as u32;
            open_deadlines += f.deadlines.values().filter(|d| !d.done).count() as u32;
            for merged in self.store.merged_into(&fid)? {
                if documents.contains(&merged) {
                    continue;
                }
                match self.client(&merged) {
                    Ok(m) => {
                        merged_files.push(merged.clone());
                        queue.push((merged, m));
                    }
                    // A merged file listed but gone (erased already): nothing more to do.
                    Err(CoreError::UnknownClient(_) | CoreError::Erased(_)) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(Plan {
            documents: documents.into_iter().collect(),
            merged_files,
            display_name,
            open_matters,
            open_deadlines,
        })
    }

    /// What erasing `id` would delete (nothing is changed).
    pub fn erasure_plan(&self, id: &str) -> Result<ErasurePlan> {
        let p = self.erasure_plan_of(id)?;
        Ok(ErasurePlan {
            client_id: id.to_string(),
            display_name: p.display_name,
            documents: p.documents.len() as u32,
            merged_files: p.merged_files.len() as u32,
            open_matters: p.open_matters,
            open_deadlines: p.open_deadlines,
        })
    }

    /// Erase client file `id` here, and (with the next sync) on the server and every laptop.
    pub fn erase_client(&mut self, id: &str) -> Result<ErasureReport> {
        let mut reports = self.erase_clients(&[id.to_string()])?;
        Ok(reports.remove(0))
    }

    /// Erase several client files in one transaction, with one rewrite of the full-text index
    /// (it costs ~0.15 s on 50,000 files: a retention run must not pay it per file).
    pub fn erase_clients(&mut self, ids: &[String]) -> Result<Vec<ErasureReport>> {
        let (reports, documents) = self.plan_erasures(ids)?;
        self.erase_planned(&documents)?;
        Ok(reports)
    }

    /// What erasing `ids` deletes: a report per file and every document, once.
    pub(crate) fn plan_erasures(
        &self,
        ids: &[String],
    ) -> Result<(Vec<ErasureReport>, Vec<String>)> {
        let mut reports = Vec::with_capacity(ids.len());
        let mut documents = Vec::new();
        for id in ids {
            let plan = self.erasure_plan_of(id)?;
            documents.extend(plan.documents.iter().cloned());
            reports.push(ErasureReport {
                client_id: id.to_string(),
                documents: plan.documents,
                merged_files: plan.merged_files,
                open_matters: plan.open_matters,
                open_deadlines: plan.open_deadlines,
            });
        }
        documents.sort();
        documents.dedup();
        Ok((reports, documents))
    }

    pub(crate) fn erase_planned(&mut self, documents: &[String]) -> Result<()> {
        let now = self.now_text();
        self.store.erase_documents(documents, &now, false)?;
        Ok(())
    }
}
