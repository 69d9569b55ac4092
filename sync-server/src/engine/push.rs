//! A laptop's push: sealed changes and snapshots checked against each document's change graph
//! and the rules of access, keys and merges; and the migration from a protocol 5 server that
//! held files in clear.

use super::*;

impl<S: Storage> Engine<S> {
    pub(super) async fn push(&self, device: &Device, p: Push) -> Result<PushReply, StorageError> {
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
    pub(super) async fn push_or_refuse(
        &self,
        device: &Device,
        d: DocPush,
        compact: &mut Vec<String>,
    ) -> Outcome {
        let doc_id = d.doc_id.clone();
        self.push_doc(device, d, compact).await.unwrap_or_else(|e| {
            tracing::error!("push of {doc_id} failed: {e}");
            Outcome::refused(
                Code::ServerError,
                "the server could not store this document now",
            )
        })
    }

    /// The wrapped keys a push may leave for document `d`: its own organisation's, for scopes
    /// the pushing device's role may hold, of epochs that exist; and for a new referral, one
    /// sealed to the receiving organisation.
    pub(super) async fn acceptable_keys(
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
    pub(super) async fn push_doc(
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
                        return Ok(Outcome::refused(
                            Code::Forbidden,
                            format!(
                                "a device of {} cannot create documents of another organisation",
                                device.organisation
                            ),
                        ));
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
                        return Ok(Outcome::refused(
                            Code::Forbidden,
                            "an organisation's settings are the document org-settings-<its name>, of kind org_settings, and no other",
                        ));
                    }
                    (None, None, d.kind.clone(), d.owner_org.clone())
                }
                Some(sd) => {
                    if !Self::may_access(device, sd) {
                        return Ok(Outcome::refused(
                            Code::Forbidden,
                            "no access to this document",
                        ));
                    }
                    if sd.kind == ERASED_KIND {
                        return Ok(Outcome::Refused(Self::erased()));
                    }
                    if sd.kind != d.kind {
                        return Ok(Outcome::refused(
                            Code::Malformed,
                            "document kind does not match",
                        ));
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
                    None => Outcome::refused(Code::Malformed, "a new document without changes"),
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
                        return Ok(Outcome::refused(
                            Code::Malformed,
                            "a referral must name another member organisation",
                        ))
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
                    return Ok(Outcome::refused(
                        Code::NoKey,
                        "a new document must come with its key wrapped for its organisation \
                         (and, for a referral, sealed to the receiving one)",
                    ));
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
                    return Ok(Outcome::refused(Code::Malformed, why))
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
        Ok(Outcome::refused(
            Code::Busy,
            "the document is being changed by others; try again",
        ))
    }

    /// Replace a document a protocol 5 server stored in clear with a laptop's sealed history
    /// of it: only by a laptop of its organisation whose role may read it, only a whole history
    /// that covers every change stored, with its key wrapped (and, for a referral, sealed to
    /// the organisation it was opened to). The plaintext rows go in the same write.
    pub(super) async fn replace_legacy(
        &self,
        device: &Device,
        d: DocPush,
        sd: &ServerDoc,
        recorded: Vec<[u8; 32]>,
    ) -> Result<Outcome, StorageError> {
        let legacy = |why: &str| {
            Ok(Outcome::refused(
                Code::Legacy,
                format!("this file is still stored in clear by an older server: {why}"),
            ))
        };
        if !d.replaces_legacy {
            return legacy("this laptop's next sync replaces it, then sends its changes");
        }
        if sd.owner_org != device.organisation
            || !access::role_may_write(&sd.kind, &device.role)
            || sd.kind != d.kind
        {
            return Ok(Outcome::refused(
                Code::Forbidden,
                "only a laptop of the file's organisation that may read it replaces it",
            ));
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
            return Ok(Outcome::refused(
                Code::NoKey,
                "the sealed history must come with its key wrapped for its organisation \
                 (and, for a referral, sealed to the receiving one)",
            ));
        };
        let (snapshot, rows) =
            match records::stored_form(None, &graph, &added, &d.changes, d.snapshot.as_ref()) {
                // The plain snapshot and changes go; an empty snapshot, or the laptop's, in place.
                Ok(Form::Append(rows)) => (Vec::new(), rows),
                Ok(Form::Replace { snapshot, rows }) => (snapshot, rows),
                Err(FormError::NeedSync) => return legacy("the history sent is not whole"),
                Err(FormError::Malformed(why)) => {
                    return Ok(Outcome::refused(Code::Malformed, why))
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
            WriteOutcome::Conflict => Ok(Outcome::refused(
                Code::Busy,
                "the document is being changed by others; try again",
            )),
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
}
