//! Sending what the server lacks: changes sealed per document in batches, whole histories
//! when the server lost track, snapshots for compaction, erasures, and a revoked laptop's last
//! push of its unsent work.

use super::*;

impl Punkt {
    /// One push round: the server's answer, checked.
    pub(super) fn push_round(
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
    pub(super) fn push_batch(
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
    pub(super) fn seal_unsent(
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
    pub(super) fn final_push(&mut self, t: &mut dyn Transport) -> Result<u64> {
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

    /// Push `pending` in batches, as `mode` says, applying each answer's page of what changed.
    pub(super) fn push_pending(
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
    pub(super) fn send_erasures(
        &mut self,
        t: &mut dyn Transport,
        summary: &mut SyncSummary,
    ) -> Result<()> {
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
    pub(super) fn take_back(
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
            .map(|doc_id| asked_for(doc_id, String::new()))
            .collect();
        let cursor = self.cursor()?;
        self.apply_page(t, summary, wanted, cursor, &mut |_| {})?;
        Ok(())
    }

    /// Delete documents the server says were erased; note the ones that were here.
    pub(super) fn drop_erased(&mut self, summary: &mut SyncSummary, ids: &[String]) -> Result<()> {
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
}

/// A document's changes the server lacks, by the heads it last confirmed (`server_heads`):
/// the changes after them, or the whole history when this laptop does not know them (the
/// server keeps what it already has).
pub(super) struct Unsent {
    pub(super) id: String,
    pub(super) kind: String,
    pub(super) owner_org: String,
    pub(super) base_heads: Vec<Hash>,
    pub(super) changes: Vec<automerge::Change>,
    pub(super) doc: AutoCommit,
}

pub(super) fn unsent(
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
pub(super) enum PushMode {
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
pub(super) struct Pushed {
    /// The server lacked a base: to send whole.
    pub(super) need_whole: Vec<String>,
    /// The server asks for snapshots of these.
    pub(super) compact: Vec<String>,
    /// The last answer's `more`, if any batch went.
    pub(super) more: Option<bool>,
}

/// What sealing a document's unsent changes came to.
pub(super) enum Sealing {
    Ready(Box<DocPush>),
    /// This laptop lacks a key it needs; why.
    NoKey(String),
}

/// A document's changes in clear: what a sync file carries (the layout of protocol 5's push,
/// so files written before still import).
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct PlainPush {
    pub(super) doc_id: String,
    pub(super) kind: String,
    pub(super) owner_org: String,
    pub(super) base_heads: Vec<Hash>,
    pub(super) changes: Vec<ByteBuf>,
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
