//! Erasure on the server: who may erase what (the owner organisation; a coordinator, or the
//! author within a day), the daily limit, erasures held for a grace period, undone or purged.

use super::*;

impl<S: Storage> Engine<S> {
    /// A role writing what it may not: a restricted section not its own, or the organisation's
    /// settings when it is not a coordinator.
    pub(super) fn write_refusal(device: &Device, kind: &str) -> Refusal {
        if kind == access::ORG_SETTINGS_KIND {
            Refusal::new(
                Code::Forbidden,
                format!(
                    "only a coordinator changes the organisation's settings, not a {}",
                    device.role
                ),
            )
        } else {
            Refusal::new(
                Code::Forbidden,
                format!("a {} cannot write this restricted section", device.role),
            )
        }
    }

    pub(super) fn merge_refusal() -> Refusal {
        Refusal::new(
            Code::Forbidden,
            "only a coordinator can merge away a file someone else made (its author could only \
             within 24 hours of making it)",
        )
    }

    pub(super) fn erased() -> Refusal {
        Refusal::new(
            Code::Erased,
            "this file was erased by its organisation; changes to it are dropped",
        )
    }

    /// Did `device` push `doc` first, less than [`AUTHOR_WINDOW_SECS`] ago?
    pub(super) fn recent_author(&self, device: &Device, doc: &ServerDoc) -> bool {
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
    pub(super) async fn erase(
        &self,
        device: &Device,
        e: Erase,
    ) -> Result<Vec<DocResult>, StorageError> {
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
                    Outcome::refused(code, message)
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

    pub(super) async fn erasures_request(&self, device: &Device) -> Result<Response, StorageError> {
        Ok(Response::Erasures(
            self.held_erasures(Some(&device.organisation)).await?,
        ))
    }

    pub(super) async fn undo_request(
        &self,
        device: &Device,
        batch: &str,
    ) -> Result<Response, StorageError> {
        match self
            .undo_erasure(Some(device), Some(&device.organisation), batch)
            .await
        {
            Ok(_) => self.erasures_request(device).await,
            Err(StorageError::NotFound(m)) => Ok(Response::refused(Code::NotFound, m)),
            Err(e) => Err(e),
        }
    }
}
