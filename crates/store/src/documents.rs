//! Documents: compacted bytes plus the incremental changes appended since, written together
//! with their index rows in one transaction.

use rusqlite::{params, OptionalExtension};

use crate::error::{Result, StoreError};
use crate::index::ClientIndex;
use crate::Store;

/// A document as stored: load the snapshot, then apply the changes in order.
#[derive(Debug, Clone)]
pub struct StoredDocument {
    pub id: String,
    pub kind: String,
    pub owner_org: String,
    pub snapshot: Vec<u8>,
    pub changes: Vec<Vec<u8>>,
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
}

impl Store {
    /// Load a document's bytes.
    pub fn load_document(&self, id: &str) -> Result<StoredDocument> {
        let row = self
            .conn
            .query_row(
                "SELECT kind, owner_org, snapshot FROM documents WHERE id = ?1",
                [id],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, Vec<u8>>(2)?,
                    ))
                },
            )
            .optional()?;
        let (kind, owner_org, snapshot) =
            row.ok_or_else(|| StoreError::NoDocument(id.to_string()))?;
        let mut stmt = self
            .conn
            .prepare_cached("SELECT bytes FROM doc_changes WHERE doc_id = ?1 ORDER BY seq")?;
        let changes = stmt
            .query_map([id], |r| r.get::<_, Vec<u8>>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(StoredDocument {
            id: id.to_string(),
            kind,
            owner_org,
            snapshot,
            changes,
        })
    }

    /// True when a document with `id` is stored.
    pub fn has_document(&self, id: &str) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached("SELECT 1 FROM documents WHERE id = ?1")?
            .exists([id])?)
    }

    /// Store a write and, when given, replace the document's index rows — atomically.
    /// Returns the store-wide sequence number of the write.
    pub fn write_document(
        &mut self,
        w: &DocumentWrite<'_>,
        index: Option<&ClientIndex>,
    ) -> Result<i64> {
        let tx = self.conn.transaction()?;
        let seq = write_in(&tx, w, index)?;
        tx.commit()?;
        Ok(seq)
    }

    /// Store many writes in one transaction: all of them or none (imports, demo data).
    pub fn write_documents(
        &mut self,
        writes: &[(DocumentWrite<'_>, Option<ClientIndex>)],
    ) -> Result<()> {
        let tx = self.conn.transaction()?;
        for (w, index) in writes {
            write_in(&tx, w, index.as_ref())?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Replace a document's snapshot by `snapshot` (which includes every stored change) and drop
    /// the appended changes. Run off the hot path.
    pub fn compact_document(
        &mut self,
        id: &str,
        snapshot: &[u8],
        change_count: usize,
    ) -> Result<()> {
        let tx = self.conn.transaction()?;
        let stored: i64 = tx.query_row(
            "SELECT count(*) FROM doc_changes WHERE doc_id = ?1",
            [id],
            |r| r.get(0),
        )?;
        // A change appended after the caller loaded the document would be lost: refuse.
        if stored as usize != change_count {
            return Ok(());
        }
        tx.execute(
            "UPDATE documents SET snapshot = ?2 WHERE id = ?1",
            params![id, snapshot],
        )?;
        tx.execute("DELETE FROM doc_changes WHERE doc_id = ?1", [id])?;
        tx.commit()?;
        Ok(())
    }

    /// Ids of documents with at least `min_changes` appended changes.
    pub fn documents_to_compact(&self, min_changes: usize) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT doc_id FROM doc_changes GROUP BY doc_id HAVING count(*) >= ?1")?;
        let ids = stmt
            .query_map([min_changes as i64], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(ids)
    }

    /// Ids of every document of `kind`, in id order.
    pub fn document_ids(&self, kind: &str) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id FROM documents WHERE kind = ?1 ORDER BY id")?;
        let ids = stmt
            .query_map([kind], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(ids)
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

fn write_in(
    tx: &rusqlite::Transaction<'_>,
    w: &DocumentWrite<'_>,
    index: Option<&ClientIndex>,
) -> Result<i64> {
    let seq = Store::next_seq(tx)?;
    match w.snapshot {
        Some(snapshot) => {
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
    if let Some(rows) = index {
        crate::index::replace_client_rows(tx, rows)?;
    }
    Ok(seq)
}
