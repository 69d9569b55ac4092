//! Things done on this laptop that leave no trace in a document but belong in the audit log:
//! exports (an access request, a report, a sync file), merges, retention runs. They wait here
//! until a sync hands them to the server, and stay for the laptop's own view.

use rusqlite::params;

use crate::{Result, Store};

/// One event recorded on this laptop.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LocalEventRow {
    pub id: String,
    pub at: String,
    pub action: String,
    pub doc_id: Option<String>,
    pub detail: String,
    pub synced: bool,
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<LocalEventRow> {
    Ok(LocalEventRow {
        id: r.get(0)?,
        at: r.get(1)?,
        action: r.get(2)?,
        doc_id: r.get(3)?,
        detail: r.get(4)?,
        synced: r.get(5)?,
    })
}

impl Store {
    /// Record an event; returns its id.
    pub fn record_event(
        &self,
        at: &str,
        action: &str,
        doc_id: Option<&str>,
        detail: &str,
    ) -> Result<String> {
        let mut id = [0u8; 16];
        crate::os_random(&mut id);
        let id = hex::encode(id);
        self.conn
            .prepare_cached(
                "INSERT INTO local_events(id, at, action, doc_id, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![id, at, action, doc_id, detail])?;
        Ok(id)
    }

    /// Events not yet confirmed by the server, oldest first, at most `limit`.
    pub fn unsynced_events(&self, limit: usize) -> Result<Vec<LocalEventRow>> {
        let sql = "SELECT id, at, action, doc_id, detail, synced FROM local_events
                   WHERE synced = 0 ORDER BY seq LIMIT ?1";
        self.rows(sql, [limit as i64], row)
    }

    pub fn mark_events_synced(&self, ids: &[String]) -> Result<()> {
        let mut s = self
            .conn
            .prepare_cached("UPDATE local_events SET synced = 1 WHERE id = ?1")?;
        for id in ids {
            s.execute([id])?;
        }
        Ok(())
    }

    /// Events recorded here, newest first (in the order they were recorded, whatever the clock); one document's when `doc_id` is set.
    pub fn local_events(&self, doc_id: Option<&str>, limit: usize) -> Result<Vec<LocalEventRow>> {
        let sql = "SELECT id, at, action, doc_id, detail, synced FROM local_events
                   WHERE (?1 IS NULL OR doc_id = ?1) ORDER BY seq DESC LIMIT ?2";
        self.rows(sql, params![doc_id, limit as i64], row)
    }
}
