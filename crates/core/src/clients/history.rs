//! A client file's history: who changed which part of it, and when, read from the document's
//! own changes (each carries its device's actor id, a time and the author's name).

use std::collections::BTreeSet;

use automerge::{PatchAction, Prop};
use serde::Serialize;

use crate::error::Result;
use crate::Punkt;

/// The most history entries one call returns (newest first).
pub const MAX_HISTORY: usize = 1000;

/// One change of a client file.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct HistoryEntry {
    /// The change's hash (hex).
    pub hash: String,
    /// When it was made, by the clock of the laptop that made it (RFC 3339, UTC).
    pub time: String,
    /// The author's name as that laptop recorded it; `None` if it had none set.
    pub author: Option<String>,
    /// The first eight hex digits of the device's actor id: tells laptops apart.
    pub device: String,
    /// True when this laptop made the change.
    pub this_device: bool,
    /// The parts of the file it touched: `person`, `consultations`, `deadlines`, `summary`...
    pub sections: Vec<String>,
}

/// Keys every edit writes: not worth naming.
const BOOKKEEPING: &[&str] = &["updated_at", "schema_version", "kind"];

impl Punkt {
    /// The history of a client file, newest first (at most [`MAX_HISTORY`] entries).
    pub fn client_history(&self, id: &str) -> Result<Vec<HistoryEntry>> {
        let mut doc = self.load_client_doc(id)?;
        let changes = doc.get_changes(&[]);
        let mut out = Vec::with_capacity(changes.len().min(MAX_HISTORY));
        for change in changes.iter().rev().take(MAX_HISTORY) {
            let mut sections = BTreeSet::new();
            for patch in doc.diff(change.deps(), &[change.hash()]) {
                let key = match (patch.path.first(), &patch.action) {
                    (Some((_, Prop::Map(k))), _) => Some(k.clone()),
                    (None, PatchAction::PutMap { key, .. })
                    | (None, PatchAction::DeleteMap { key }) => Some(key.clone()),
                    (None, PatchAction::Conflict { prop: Prop::Map(k) }) => Some(k.clone()),
                    _ => None,
                };
                if let Some(k) = key.filter(|k| !BOOKKEEPING.contains(&k.as_str())) {
                    sections.insert(k);
                }
            }
            let actor = change.actor_id().to_hex_string();
            out.push(HistoryEntry {
                hash: change.hash().to_string(),
                time: chrono::DateTime::from_timestamp(change.timestamp(), 0)
                    .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                    .unwrap_or_default(),
                author: change.message().map(str::to_string),
                device: actor.chars().take(8).collect(),
                this_device: change.actor_id() == &self.actor,
                sections: sections.into_iter().collect(),
            });
        }
        Ok(out)
    }
}
