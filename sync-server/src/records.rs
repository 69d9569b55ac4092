//! How the blind server (protocol 6) keeps a document in the storage's rows: each change as
//! `PKC6` + postcard of its [`SealedChange`] (hash, dependencies, ciphertext), and a laptop's
//! snapshot as `PKS6` + postcard of [`StoredSnapshot`] (ciphertext, the heads it covers, and
//! the hash graph of the changes it replaced). The server reads the hashes, never the content;
//! from them it rebuilds the document's [`ChangeGraph`] to answer what a laptop lacks.

use punkt_sync::graph::ChangeGraph;
use punkt_sync::wire::{Payload, SealedChange, SealedSnapshot};
use punkt_sync::Hash;
use serde::{Deserialize, Serialize};

use crate::storage::{ServerDoc, StorageError};

const CHANGE_MAGIC: &[u8; 4] = b"PKC6";
const SNAPSHOT_MAGIC: &[u8; 4] = b"PKS6";

/// A snapshot a laptop uploaded, with the graph of the changes it replaced.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredSnapshot {
    pub snapshot: SealedSnapshot,
    /// The replaced changes, in causal order, with their dependencies.
    pub covered: Vec<(Hash, Vec<Hash>)>,
}

pub fn encode_change(c: &SealedChange) -> Vec<u8> {
    let mut out = CHANGE_MAGIC.to_vec();
    out.extend(postcard::to_stdvec(c).expect("a sealed change serialises"));
    out
}

fn decode<T: for<'a> Deserialize<'a>>(magic: &[u8; 4], bytes: &[u8]) -> Option<T> {
    bytes
        .strip_prefix(magic.as_slice())
        .and_then(|rest| postcard::from_bytes(rest).ok())
}

pub fn encode_snapshot(s: &StoredSnapshot) -> Vec<u8> {
    let mut out = SNAPSHOT_MAGIC.to_vec();
    out.extend(postcard::to_stdvec(s).expect("a stored snapshot serialises"));
    out
}

/// A stored document, read back: its graph, its snapshot if any, its changes after it.
pub struct Stored {
    pub graph: ChangeGraph,
    pub snapshot: Option<StoredSnapshot>,
    pub changes: Vec<SealedChange>,
}

fn damaged(sd: &ServerDoc, what: &str) -> StorageError {
    StorageError::Database(format!("stored document {} is damaged: {what}", sd.id))
}

impl Stored {
    pub fn of(sd: &ServerDoc) -> Result<Stored, StorageError> {
        let snapshot: Option<StoredSnapshot> = if sd.snapshot.is_empty() {
            None
        } else {
            Some(decode(SNAPSHOT_MAGIC, &sd.snapshot).ok_or_else(|| {
                damaged(
                    sd,
                    "not a sealed snapshot (a document stored in clear by an older server?)",
                )
            })?)
        };
        let changes: Vec<SealedChange> = sd
            .changes
            .iter()
            .map(|c| decode(CHANGE_MAGIC, c))
            .collect::<Option<_>>()
            .ok_or_else(|| damaged(sd, "not a sealed change"))?;
        let graph = ChangeGraph::from_ordered(
            snapshot
                .iter()
                .flat_map(|s| s.covered.iter().cloned())
                .chain(changes.iter().map(|c| (c.hash, c.deps.clone()))),
        )
        .ok_or_else(|| damaged(sd, "a change depends on one the server never had"))?;
        Ok(Stored {
            graph,
            snapshot,
            changes,
        })
    }

    fn full(&self) -> Payload {
        Payload::Full {
            snapshot: self.snapshot.as_ref().map(|s| s.snapshot.clone()),
            changes: self.changes.clone(),
        }
    }

    /// What a laptop whose heads are `have` lacks: exactly the changes, or, when it lacks
    /// something a snapshot replaced (or its heads are unknown here), everything.
    pub fn payload_for(&self, have: &[Hash]) -> Payload {
        if have.is_empty() {
            return self.full();
        }
        let Some(lacking) = self.graph.lacking(have) else {
            return self.full();
        };
        let loose: std::collections::HashMap<Hash, &SealedChange> =
            self.changes.iter().map(|c| (c.hash, c)).collect();
        let mut out = Vec::with_capacity(lacking.len());
        for h in lacking {
            match loose.get(&h) {
                Some(c) => out.push((*c).clone()),
                None => return self.full(),
            }
        }
        if out.len() > punkt_sync::wire::limits::MAX_CHANGES_PER_DOC {
            return self.full();
        }
        Payload::Changes(out)
    }
}
