//! Erasure: a document's bytes, its changes and its index rows deleted for good, and a
//! tombstone (the id, nothing personal) kept so the erasure reaches the server and so the
//! document is never taken in again from a sync or a sealed file.
//!
//! "For good": `secure_delete` overwrites the freed pages, the full-text index is rewritten
//! (FTS5 keeps a deleted row's terms in older segments until they are merged), and the WAL is
//! checkpointed and truncated, so no copy of the old pages stays in the WAL file either.

use std::collections::BTreeSet;

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use crate::error::Result;
use crate::index::delete_client_rows;
use crate::Store;

/// True when document `id` was erased here (inside the caller's transaction).
pub(crate) fn is_erased(conn: &Connection, id: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM tombstones WHERE id = ?1")?
        .exists([id])?)
}

/// A tombstone: a document erased here or learnt as erased from the server.
#[derive(Debug, Clone, PartialEq)]
pub struct Tombstone {
    pub id: String,
    pub erased_at: String,
    /// The server has the erasure (it told us, or it confirmed ours).
    pub synced: bool,
}

/// What erasing a document found.
#[derive(Debug, Clone, PartialEq)]
pub struct ErasedDocument {
    pub id: String,
    /// The document was here (not only a tombstone written ahead).
    pub was_here: bool,
    /// It had changes the server had not confirmed: they are gone with it.
    pub had_unsent_changes: bool,
    /// The months (`YYYY-MM`) of the file's consultations, read before they went: a consortium
    /// tally already sent for those months still holds the person's hash.
    pub consultation_months: Vec<String>,
}

/// The months (`YYYY-MM`, a JSON array) this laptop sent a consortium tally for.
pub const META_TALLY_SENT: &str = "consortium_sent_months";
/// Of those, the months that held someone erased since: to be sent again. Noted in the
/// erasure's own transaction, so no crash can lose it once the consultations are gone.
pub const META_TALLY_STALE: &str = "consortium_stale_months";

/// A set of strings kept in `meta` under `key` (a JSON array), empty when absent: the
/// consortium months, the files exported from the store.
pub(crate) fn meta_set(conn: &Connection, key: &str) -> Result<BTreeSet<String>> {
    let json: Option<String> = conn
        .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?;
    Ok(json
        .and_then(|j| serde_json::from_str(&j).ok())
        .unwrap_or_default())
}

pub(crate) fn set_meta_set(conn: &Connection, key: &str, months: &BTreeSet<String>) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO meta(key, value) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    )?
    .execute(params![
        key,
        serde_json::to_string(months).expect("serialises")
    ])?;
    Ok(())
}

impl Store {
    /// The consortium months kept under `key` ([`META_TALLY_SENT`], [`META_TALLY_STALE`]).
    pub fn tally_months(&self, key: &str) -> Result<BTreeSet<String>> {
        meta_set(&self.conn, key)
    }

    pub fn set_tally_months(&self, key: &str, months: &BTreeSet<String>) -> Result<()> {
        set_meta_set(&self.conn, key, months)
    }

    /// Erase documents `ids` in one transaction, then rewrite what keeps deleted bytes around.
    /// `synced`: the erasure came from the server (nothing to send).
    pub fn erase_documents(
        &mut self,
        ids: &[String],
        now: &str,
        synced: bool,
    ) -> Result<Vec<ErasedDocument>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let found: Option<(i64, i64)> = tx
                .prepare_cached("SELECT local_seq, synced_seq FROM documents WHERE id = ?1")?
                .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            let consultation_months = tx
                .prepare_cached(
                    "SELECT DISTINCT substr(date, 1, 7) FROM consultation_services
                     WHERE client_id = ?1 ORDER BY 1",
                )?
                .query_map([id], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<String>>>()?;
            delete_client_rows(&tx, id)?;
            // The rows of other kinds of document: a medical section's flags (erased with the
            // person's file, by either id), a group activity.
            tx.prepare_cached(
                "DELETE FROM client_sensitive_flags WHERE section_id = ?1 OR client_id = ?1",
            )?
            .execute([id])?;
            tx.prepare_cached("DELETE FROM group_activities WHERE id = ?1")?
                .execute([id])?;
            tx.prepare_cached("DELETE FROM merged_files WHERE id = ?1")?
                .execute([id])?;
            tx.prepare_cached("DELETE FROM doc_changes WHERE doc_id = ?1")?
                .execute([id])?;
            tx.prepare_cached("DELETE FROM documents WHERE id = ?1")?
                .execute([id])?;
            // Its key too: any copy of its ciphertext (the server's, a backup) stays unreadable
            // here.
            tx.prepare_cached("DELETE FROM doc_keys WHERE doc_id = ?1")?
                .execute([id])?;
            // A draft that names the file (visit mode) goes with it.
            tx.prepare_cached(
                "DELETE FROM meta WHERE key LIKE 'draft:%' AND instr(value, ?1) > 0",
            )?
            .execute([id])?;
            tx.prepare_cached(
                "INSERT INTO tombstones(id, erased_at, synced) VALUES (?1, ?2, ?3)
                 ON CONFLICT(id) DO UPDATE SET synced = max(synced, excluded.synced)",
            )?
            .execute(params![id, now, synced])?;
            out.push(ErasedDocument {
                id: id.clone(),
                was_here: found.is_some(),
                had_unsent_changes: found.is_some_and(|(local, synced)| local > synced),
                consultation_months,
            });
        }
        let sent = meta_set(&tx, META_TALLY_SENT)?;
        if !sent.is_empty() {
            let mut stale = meta_set(&tx, META_TALLY_STALE)?;
            let before = stale.len();
            stale.extend(
                out.iter()
                    .flat_map(|e| &e.consultation_months)
                    .filter(|m| sent.contains(*m))
                    .cloned(),
            );
            if stale.len() != before {
                set_meta_set(&tx, META_TALLY_STALE, &stale)?;
            }
        }
        tx.commit()?;
        self.scrub()?;
        Ok(out)
    }

    /// Rewrite the full-text index and empty the WAL, so deleted rows leave no copy behind.
    fn scrub(&self) -> Result<()> {
        self.conn
            .execute("INSERT INTO client_fts(client_fts) VALUES ('optimize')", [])?;
        self.checkpoint()
    }

    /// The tombstone of `id`, if it was erased.
    pub fn tombstone(&self, id: &str) -> Result<Option<Tombstone>> {
        Ok(self
            .conn
            .prepare_cached("SELECT id, erased_at, synced FROM tombstones WHERE id = ?1")?
            .query_row([id], |r| {
                Ok(Tombstone {
                    id: r.get(0)?,
                    erased_at: r.get(1)?,
                    synced: r.get(2)?,
                })
            })
            .optional()?)
    }

    /// Erasures the server has not confirmed yet.
    pub fn unsynced_tombstones(&self) -> Result<Vec<String>> {
        let sql = "SELECT id FROM tombstones WHERE synced = 0 ORDER BY id";
        self.rows(sql, [], |r| r.get(0))
    }

    /// The server confirmed the erasure of `id`.
    pub fn mark_tombstone_synced(&self, id: &str) -> Result<()> {
        self.conn
            .prepare_cached("UPDATE tombstones SET synced = 1 WHERE id = ?1")?
            .execute([id])?;
        Ok(())
    }

    /// Drop the tombstone of `id`: the server refused its erasure, or a coordinator undid it,
    /// and the document is to be fetched again.
    pub fn forget_tombstone(&self, id: &str) -> Result<()> {
        self.conn
            .prepare_cached("DELETE FROM tombstones WHERE id = ?1")?
            .execute([id])?;
        Ok(())
    }

    /// Files merged into `id` (directly), from the index.
    pub fn merged_into(&self, id: &str) -> Result<Vec<String>> {
        let sql = "SELECT id FROM merged_files WHERE into_id = ?1 ORDER BY id";
        self.rows(sql, [id], |r| r.get(0))
    }
}
