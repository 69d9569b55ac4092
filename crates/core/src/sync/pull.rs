//! Taking in what changed on the server: pages of "what changed", documents opened and
//! checked, new ones prepared on every core, and everything applied with its index rows in one
//! transaction per page.

use super::*;

impl Punkt {
    /// Bring in one page of "what changed" and move the cursor past it.
    pub(super) fn apply_page(
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
    pub(super) fn apply_pulled(
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
pub(super) struct NewDocument {
    pub(super) data: PlainData,
    pub(super) snapshot: Vec<u8>,
    pub(super) changes: Vec<(Vec<u8>, Vec<u8>)>,
    pub(super) heads: Vec<punkt_sync::Hash>,
    pub(super) index: Option<IndexRows>,
    /// Why the document has no index rows (made by a newer Punkt: stored, shown after an
    /// update and `punkt index rebuild`).
    pub(super) index_error: Option<String>,
}

/// A document received but not stored, and why.
pub(super) struct Refused(pub(super) RefusedDocument);

pub(super) fn damaged(id: &str, e: impl std::fmt::Display) -> Refused {
    Refused(RefusedDocument {
        doc_id: id.to_string(),
        code: "damaged".into(),
        message: format!("the document could not be read: {e}"),
    })
}

/// A pulled document once opened, and its key when it was unwrapped just now (kept with the
/// page's others in one transaction).
pub(super) struct Opened {
    pub(super) data: PlainData,
    pub(super) fresh_key: Option<punkt_store::keys::KeyBytes>,
}

/// A pulled document once opened (or a sync file's), ready to apply.
pub(super) struct PlainData {
    pub(super) doc_id: String,
    pub(super) kind: String,
    pub(super) owner_org: String,
    /// The server's heads (none for a sync file's).
    pub(super) heads: Vec<Hash>,
    pub(super) payload: PlainPayload,
}

pub(super) enum PlainPayload {
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
    pub(super) fn open_pulled(&self, d: DocData) -> Result<std::result::Result<Opened, Refused>> {
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

pub(super) enum Prepared {
    Ready(Box<NewDocument>),
    MissingDependencies(String),
}

pub(super) fn prepare_new(mut d: PlainData) -> std::result::Result<Prepared, Refused> {
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
pub(super) fn finish_new(
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
pub(super) fn prepare_all(docs_in: Vec<PlainData>) -> Vec<std::result::Result<Prepared, Refused>> {
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

/// The index rows of a document of `kind`: client files, group activities and the medical
/// section (its sensitive flags) have some.
pub(super) fn index_of(kind: &str, doc: &mut AutoCommit, id: &str) -> Result<Option<IndexRows>> {
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
