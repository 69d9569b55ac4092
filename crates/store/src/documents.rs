//! Documents: compacted bytes plus the incremental changes appended since, written together
//! with their index rows in one transaction.
//!
//! An edit reads the document and writes its change inside one `BEGIN IMMEDIATE` transaction
//! ([`Store::edit_document`]), so two processes editing the same store (the desktop app and the
//! `punkt` command) take turns: the second sees the first one's change before making its own,
//! and neither overwrites the other's heads or index rows.

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use crate::error::{Result, StoreError};
use crate::index::IndexRows;
use crate::Store;

/// A document as stored: load the snapshot, then apply the changes in order.
#[derive(Debug, Clone)]
pub struct StoredDocument {
    pub id: String,
    pub kind: String,
    pub owner_org: String,
    pub snapshot: Vec<u8>,
    pub changes: Vec<Vec<u8>>,
    /// The index's count of the file's fields with concurrent values (0 for other kinds).
    pub index_conflicts: u32,
}

/// One write of a document: a new document's first snapshot, or changes to append.
#[derive(Debug, Clone)]
pub struct DocumentWrite<'a> {
    pub id: &'a str,
    pub kind: &'a str,
    pub owner_org: &'a str,
    /// Present for a new document: its first saved bytes.
    pub snapshot: Option<&'a [u8]>,
    /// (change hash, change bytes) to append; a change already stored is skipped.
    pub changes: Vec<(Vec<u8>, Vec<u8>)>,
    /// The document's heads after the write, concatenated 32-byte hashes.
    pub heads: Vec<u8>,
    pub now: &'a str,
    /// Set when the write comes from the server (a pull).
    pub sync: Option<SyncMark>,
}

/// What a write learnt about the server's copy of the document.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncMark {
    /// The server's heads (concatenated 32-byte hashes).
    pub server_heads: Vec<u8>,
    /// The document now equals the server's: nothing of it is waiting to go.
    pub in_sync: bool,
}

/// A document with changes the server has not confirmed.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingDocument {
    pub id: String,
    pub kind: String,
    pub owner_org: String,
    pub local_seq: i64,
    /// The heads the server was last known to have (`None`: never sent).
    pub server_heads: Option<Vec<u8>>,
}

/// The columns [`pending_row`] reads.
const PENDING_COLUMNS: &str = "id, kind, owner_org, local_seq, server_heads";

fn pending_row(r: &rusqlite::Row) -> rusqlite::Result<PendingDocument> {
    Ok(PendingDocument {
        id: r.get(0)?,
        kind: r.get(1)?,
        owner_org: r.get(2)?,
        local_seq: r.get(3)?,
        server_heads: r.get(4)?,
    })
}

/// What an edit of an existing document produced: the changes to append, the new heads and
/// the new index rows.
#[derive(Debug, Clone)]
pub struct DocumentUpdate {
    pub changes: Vec<(Vec<u8>, Vec<u8>)>,
    pub heads: Vec<u8>,
    pub index: Option<IndexRows>,
    pub sync: Option<SyncMark>,
}

fn load_in(conn: &Connection, id: &str) -> Result<StoredDocument> {
    let row = conn
        .prepare_cached(
            "SELECT d.kind, d.owner_org, d.snapshot, coalesce(c.conflicts, 0)
             FROM documents d LEFT JOIN clients c ON c.id = d.id WHERE d.id = ?1",
        )?
        .query_row([id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Vec<u8>>(2)?,
                r.get::<_, u32>(3)?,
            ))
        })
        .optional()?;
    let (kind, owner_org, snapshot, index_conflicts) =
        row.ok_or_else(|| StoreError::NoDocument(id.to_string()))?;
    let mut stmt =
        conn.prepare_cached("SELECT bytes FROM doc_changes WHERE doc_id = ?1 ORDER BY seq")?;
    let changes = stmt
        .query_map([id], |r| r.get::<_, Vec<u8>>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(StoredDocument {
        id: id.to_string(),
        kind,
        owner_org,
        snapshot,
        changes,
        index_conflicts,
    })
}

impl Store {
    /// Load a document's bytes (snapshot and changes read in one transaction, so a compaction
    /// in another process cannot fall between them).
    pub fn load_document(&self, id: &str) -> Result<StoredDocument> {
        let tx = self.conn.unchecked_transaction()?;
        let doc = load_in(&tx, id)?;
        tx.commit()?;
        Ok(doc)
    }

    /// True when a document with `id` is stored.
    pub fn has_document(&self, id: &str) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached("SELECT 1 FROM documents WHERE id = ?1")?
            .exists([id])?)
    }

    /// Edit a stored document: `edit` receives its current bytes, inside a write-locked
    /// transaction, and returns the update to store (or `None` when nothing changed) and a
    /// value for the caller. The update and its index rows are written before the lock is
    /// released. Returns the caller's value.
    pub fn edit_document<T, E, F>(&mut self, id: &str, now: &str, edit: F) -> Result<T, E>
    where
        E: From<StoreError>,
        F: FnOnce(StoredDocument) -> Result<(Option<DocumentUpdate>, T), E>,
    {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(StoreError::from)?;
        let stored = load_in(&tx, id)?;
        let (kind, owner_org) = (stored.kind.clone(), stored.owner_org.clone());
        let (update, value) = edit(stored)?;
        if let Some(u) = update {
            write_in(
                &tx,
                &DocumentWrite {
                    id,
                    kind: &kind,
                    owner_org: &owner_org,
                    snapshot: None,
                    changes: u.changes,
                    heads: u.heads,
                    now,
                    sync: u.sync,
                },
                u.index.as_ref(),
            )?;
        }
        tx.commit().map_err(StoreError::from)?;
        Ok(value)
    }

    /// Store a write and, when given, replace the document's index rows — atomically.
    /// Returns the store-wide sequence number of the write.
    pub fn write_document(
        &mut self,
        w: &DocumentWrite<'_>,
        index: Option<&IndexRows>,
    ) -> Result<i64> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let seq = write_in(&tx, w, index)?;
        tx.commit()?;
        Ok(seq)
    }

    /// Start a batch of writes that commits all together or not at all (imports, demo data).
    pub fn batch(&mut self) -> Result<Batch<'_>> {
        Ok(Batch {
            tx: self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?,
        })
    }

    /// Give a document a fresh snapshot made by `compact` from its current bytes, and drop the
    /// appended changes — under the write lock, so no change can arrive in between.
    pub fn compact_document<E, F>(&mut self, id: &str, compact: F) -> Result<(), E>
    where
        E: From<StoreError>,
        F: FnOnce(StoredDocument) -> Result<Vec<u8>, E>,
    {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(StoreError::from)?;
        let stored = load_in(&tx, id)?;
        if stored.changes.is_empty() {
            return Ok(());
        }
        let snapshot = compact(stored)?;
        tx.execute(
            "UPDATE documents SET snapshot = ?2 WHERE id = ?1",
            params![id, snapshot],
        )
        .map_err(StoreError::from)?;
        tx.execute("DELETE FROM doc_changes WHERE doc_id = ?1", [id])
            .map_err(StoreError::from)?;
        tx.commit().map_err(StoreError::from)?;
        Ok(())
    }

    /// Documents whose latest writes the server has not confirmed, oldest write first.
    pub fn pending_documents(&self) -> Result<Vec<PendingDocument>> {
        let sql = format!(
            "SELECT {PENDING_COLUMNS} FROM documents WHERE local_seq > synced_seq ORDER BY local_seq"
        );
        self.rows(&sql, [], pending_row)
    }

    /// The sync state of documents `ids` (those stored here), as [`Store::pending_documents`]
    /// gives it: for sending documents the server named (a history to compact, a file to
    /// migrate) whether or not they have unsent changes.
    pub fn sync_entries(&self, ids: &[String]) -> Result<Vec<PendingDocument>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {PENDING_COLUMNS} FROM documents WHERE id = ?1"
        ))?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.extend(stmt.query_row([id], pending_row).optional()?);
        }
        Ok(out)
    }

    /// Number of documents waiting to go to the server.
    pub fn count_pending(&self) -> Result<u64> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM documents WHERE local_seq > synced_seq",
            [],
            |r| r.get::<_, i64>(0),
        )? as u64)
    }

    /// A document's heads and write sequence, if it is stored.
    pub fn document_heads(&self, id: &str) -> Result<Option<(Vec<u8>, i64)>> {
        Ok(self
            .conn
            .prepare_cached("SELECT heads, local_seq FROM documents WHERE id = ?1")?
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    }

    /// True when the server confirmed having (some version of) document `id`.
    pub fn server_has(&self, id: &str) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached("SELECT server_heads IS NOT NULL FROM documents WHERE id = ?1")?
            .query_row([id], |r| r.get::<_, bool>(0))
            .optional()?
            .unwrap_or(false))
    }

    /// The server confirmed it has `server_heads`, which include every write up to `seq`.
    pub fn mark_synced(&self, id: &str, server_heads: &[u8], seq: i64) -> Result<()> {
        self.conn
            .prepare_cached(
                "UPDATE documents SET server_heads = ?2, synced_seq = MAX(synced_seq, ?3) WHERE id = ?1",
            )?
            .execute(params![id, server_heads, seq])?;
        Ok(())
    }

    /// Forget what the server was known to have: every document waits to go again (after the
    /// server was restored from an older backup).
    pub fn reset_sync_state(&self) -> Result<()> {
        self.conn.execute(
            "UPDATE documents SET server_heads = NULL, synced_seq = 0",
            [],
        )?;
        Ok(())
    }

    /// Ids of documents with at least `min_changes` appended changes.
    pub fn documents_to_compact(&self, min_changes: usize) -> Result<Vec<String>> {
        let sql = "SELECT doc_id FROM doc_changes GROUP BY doc_id HAVING count(*) >= ?1";
        self.rows(sql, [min_changes as i64], |r| r.get(0))
    }

    /// Whether document `id` is in the store.
    pub fn document_exists(&self, id: &str) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached("SELECT 1 FROM documents WHERE id = ?1")?
            .exists([id])?)
    }

    /// Ids of every document of `kind`, in id order.
    pub fn document_ids(&self, kind: &str) -> Result<Vec<String>> {
        let sql = "SELECT id FROM documents WHERE kind = ?1 ORDER BY id";
        self.rows(sql, [kind], |r| r.get(0))
    }

    /// Number of documents of `kind`.
    pub fn count_documents(&self, kind: &str) -> Result<u64> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM documents WHERE kind = ?1",
            [kind],
            |r| r.get::<_, i64>(0),
        )? as u64)
    }
}

/// Writes that commit together ([`Store::batch`]); dropped without [`Batch::commit`], none of
/// them is stored.
pub struct Batch<'a> {
    tx: rusqlite::Transaction<'a>,
}

impl Batch<'_> {
    /// A document's bytes as this transaction sees them.
    pub fn load(&self, id: &str) -> Result<Option<StoredDocument>> {
        match load_in(&self.tx, id) {
            Ok(d) => Ok(Some(d)),
            Err(StoreError::NoDocument(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub fn write(&mut self, w: &DocumentWrite<'_>, index: Option<&IndexRows>) -> Result<i64> {
        write_in(&self.tx, w, index)
    }

    /// True when document `id` was erased here.
    pub fn is_erased(&self, id: &str) -> Result<bool> {
        crate::erase::is_erased(&self.tx, id)
    }

    /// Set a bookkeeping value in the same transaction.
    pub fn set_meta(&mut self, key: &str, value: &str) -> Result<()> {
        self.tx.execute(
            "INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    pub fn commit(self) -> Result<()> {
        self.tx.commit()?;
        Ok(())
    }
}

fn write_in(
    tx: &rusqlite::Transaction<'_>,
    w: &DocumentWrite<'_>,
    index: Option<&IndexRows>,
) -> Result<i64> {
    // A write that brings no change (a pull of what is already here, an import of nothing new)
    // must not look like a local edit: it keeps the document's write sequence.
    if w.snapshot.is_none() && w.changes.is_empty() {
        let seq: i64 = tx
            .prepare_cached("SELECT local_seq FROM documents WHERE id = ?1")?
            .query_row([w.id], |r| r.get(0))
            .optional()?
            .ok_or_else(|| StoreError::NoDocument(w.id.to_string()))?;
        return finish_write(tx, w, index, seq);
    }
    let seq = Store::next_seq(tx)?;
    match w.snapshot {
        Some(snapshot) => {
            // An erased document never comes back (from a sync, a sealed file or an import).
            if crate::erase::is_erased(tx, w.id)? {
                return Err(StoreError::Erased(w.id.to_string()));
            }
            tx.prepare_cached(
                "INSERT INTO documents(id, kind, owner_org, snapshot, heads, local_seq, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
            )?
            .execute(params![w.id, w.kind, w.owner_org, snapshot, w.heads, seq, w.now])?;
        }
        None => {
            let n = tx
                .prepare_cached(
                    "UPDATE documents SET heads = ?2, local_seq = ?3, updated_at = ?4 WHERE id = ?1",
                )?
                .execute(params![w.id, w.heads, seq, w.now])?;
            if n == 0 {
                return Err(StoreError::NoDocument(w.id.to_string()));
            }
        }
    }
    if !w.changes.is_empty() {
        let mut next: i64 = tx
            .prepare_cached("SELECT COALESCE(MAX(seq), 0) + 1 FROM doc_changes WHERE doc_id = ?1")?
            .query_row([w.id], |r| r.get(0))?;
        let mut ins = tx.prepare_cached(
            "INSERT INTO doc_changes(doc_id, seq, hash, bytes) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(doc_id, hash) DO NOTHING",
        )?;
        for (hash, bytes) in &w.changes {
            if ins.execute(params![w.id, next, hash, bytes])? > 0 {
                next += 1;
            }
        }
    }
    finish_write(tx, w, index, seq)
}

/// The end of every write: what the server confirmed, and the document's index rows.
fn finish_write(
    tx: &rusqlite::Transaction<'_>,
    w: &DocumentWrite<'_>,
    index: Option<&IndexRows>,
    seq: i64,
) -> Result<i64> {
    if let Some(mark) = &w.sync {
        tx.prepare_cached(
            "UPDATE documents SET server_heads = ?2,
                synced_seq = CASE WHEN ?3 THEN ?4 ELSE synced_seq END WHERE id = ?1",
        )?
        .execute(params![w.id, mark.server_heads, mark.in_sync, seq])?;
    }
    if let Some(rows) = index {
        crate::index::replace_rows(tx, rows)?;
    }
    Ok(seq)
}
