//! How the blind server (protocol 6) keeps a document in the storage's rows: each change as
//! `PKC6` + postcard of its [`SealedChange`] (hash, dependencies, ciphertext), and a laptop's
//! snapshot as `PKS6` + postcard of [`StoredSnapshot`] (ciphertext, the heads it covers, and
//! the hash graph of the changes it replaced). The server reads the hashes, never the content;
//! from them it rebuilds the document's [`ChangeGraph`] to answer what a laptop lacks.

use std::collections::{HashMap, HashSet};

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

/// How many loose changes a document may gather before the server asks the pushing laptop
/// for a snapshot ([`punkt_sync::wire::PushReply::compact`]).
pub const COMPACT_AFTER: usize = 32;

/// What a push does to a document's rows.
#[derive(Debug)]
pub enum Form {
    /// Add these change rows, in order.
    Append(Vec<(Hash, Vec<u8>)>),
    /// Replace the stored snapshot and every change row with these (a laptop's snapshot
    /// compacted the history).
    Replace {
        snapshot: Vec<u8>,
        rows: Vec<(Hash, Vec<u8>)>,
    },
}

impl Form {
    /// How many loose changes the document keeps after this write, given `before` now.
    pub fn loose_after(&self, before: usize) -> usize {
        match self {
            Form::Append(rows) => before + rows.len(),
            Form::Replace { rows, .. } => rows.len(),
        }
    }
}

/// Why a push cannot be stored as sent.
#[derive(Debug, PartialEq, Eq)]
pub enum FormError {
    /// The snapshot cannot replace what is stored (it lacks changes a stored snapshot holds)
    /// and some change came without content: the laptop sends its changes sealed instead.
    NeedSync,
    Malformed(&'static str),
}

/// How the server keeps a push: `graph` is the document's hash graph with the push's new
/// changes `added` (in order) in it, `old` what was stored (none for a new document),
/// `changes` and `snapshot` what the laptop sent.
///
/// Without a snapshot every new change must carry its ciphertext. With one, the snapshot
/// replaces every change it covers (its heads and their ancestors) provided it covers what a
/// stored snapshot covered; changes it does not cover stay (or are added) loose. The server
/// cannot read the snapshot: a laptop opening it checks that it has exactly the heads named.
pub fn stored_form(
    old: Option<&Stored>,
    graph: &ChangeGraph,
    added: &[Hash],
    changes: &[SealedChange],
    snapshot: Option<&SealedSnapshot>,
) -> Result<Form, FormError> {
    let sent: HashMap<Hash, &SealedChange> = changes.iter().map(|c| (c.hash, c)).collect();
    let with_content = |h: &Hash| sent.get(h).copied().filter(|c| !c.sealed.is_empty());
    let append = || -> Result<Form, FormError> {
        added
            .iter()
            .map(|h| with_content(h).map(|c| (*h, encode_change(c))))
            .collect::<Option<Vec<_>>>()
            .map(Form::Append)
            .ok_or(FormError::NeedSync)
    };
    let Some(snapshot) = snapshot else {
        return append().map_err(|_| FormError::Malformed("a change came without its content"));
    };
    let covered: HashSet<Hash> = graph
        .ancestors(&snapshot.heads)
        .ok_or(FormError::Malformed(
            "the snapshot names changes the document lacks",
        ))?;
    // The heads named are the covered changes' heads: none depends on another.
    let depended: HashSet<&Hash> = covered
        .iter()
        .flat_map(|h| graph.deps(h).unwrap_or_default())
        .collect();
    if snapshot.heads.iter().any(|h| depended.contains(h)) {
        return Err(FormError::Malformed(
            "the snapshot names as a head a change another depends on",
        ));
    }
    let old_snapshot = old.and_then(|o| o.snapshot.as_ref());
    if old_snapshot.is_some_and(|s| !s.snapshot.heads.iter().all(|h| covered.contains(h))) {
        // Older than what is stored (a laptop behind the server): its changes only.
        return append();
    }
    let loose: HashMap<Hash, &SealedChange> = old
        .map(|o| o.changes.iter().map(|c| (c.hash, c)).collect())
        .unwrap_or_default();
    let mut kept = Vec::new();
    let mut rows = Vec::new();
    for (h, deps) in graph.ordered() {
        if covered.contains(&h) {
            kept.push((h, deps));
        } else {
            let c =
                loose
                    .get(&h)
                    .copied()
                    .or_else(|| with_content(&h))
                    .ok_or(FormError::Malformed(
                        "a change the snapshot does not cover came without content",
                    ))?;
            rows.push((h, encode_change(c)));
        }
    }
    Ok(Form::Replace {
        snapshot: encode_snapshot(&StoredSnapshot {
            snapshot: snapshot.clone(),
            covered: kept,
        }),
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(n: u8) -> Hash {
        Hash([n; 32])
    }

    fn change(n: u8, deps: &[u8], content: bool) -> SealedChange {
        SealedChange {
            hash: h(n),
            deps: deps.iter().map(|d| h(*d)).collect(),
            sealed: if content {
                vec![n; 40].into()
            } else {
                Vec::new().into()
            },
        }
    }

    fn snapshot(heads: &[u8]) -> SealedSnapshot {
        SealedSnapshot {
            heads: heads.iter().map(|d| h(*d)).collect(),
            sealed: vec![0xAB; 64].into(),
        }
    }

    /// The graph after `sent` joins `old`'s, and what was added.
    fn graph_with(old: Option<&Stored>, sent: &[SealedChange]) -> (ChangeGraph, Vec<Hash>) {
        let mut g = old.map(|o| o.graph.clone()).unwrap_or_default();
        let batch: Vec<(Hash, Vec<Hash>)> = sent.iter().map(|c| (c.hash, c.deps.clone())).collect();
        let added = g.add_batch(&batch).expect("a whole batch");
        (g, added)
    }

    fn row_hashes(rows: &[(Hash, Vec<u8>)]) -> Vec<Hash> {
        rows.iter().map(|(h, _)| *h).collect()
    }

    /// What a replacing form keeps, read back as the storage would.
    fn read_back(form: Form) -> (StoredSnapshot, Vec<Hash>) {
        let Form::Replace { snapshot, rows } = form else {
            panic!("expected a replacement, got {form:?}");
        };
        let s: StoredSnapshot = decode(SNAPSHOT_MAGIC, &snapshot).expect("a stored snapshot");
        (s, row_hashes(&rows))
    }

    // 1 <- 2 <- 3, and 4 on 2 (two heads: 3 and 4).
    fn history(content: bool) -> Vec<SealedChange> {
        vec![
            change(1, &[], content),
            change(2, &[1], content),
            change(3, &[2], content),
            change(4, &[2], content),
        ]
    }

    #[test]
    fn changes_without_a_snapshot_are_appended_and_must_carry_their_content() {
        let sent = history(true);
        let (g, added) = graph_with(None, &sent);
        match stored_form(None, &g, &added, &sent, None).unwrap() {
            Form::Append(rows) => assert_eq!(row_hashes(&rows), vec![h(1), h(2), h(3), h(4)]),
            other => panic!("{other:?}"),
        }
        let mut empty = history(true);
        empty[2].sealed = Vec::new().into();
        let (g, added) = graph_with(None, &empty);
        assert_eq!(
            stored_form(None, &g, &added, &empty, None).unwrap_err(),
            FormError::Malformed("a change came without its content")
        );
    }

    #[test]
    fn a_new_documents_snapshot_replaces_every_change_it_covers() {
        let sent = history(false);
        let (g, added) = graph_with(None, &sent);
        let (s, rows) =
            read_back(stored_form(None, &g, &added, &sent, Some(&snapshot(&[3, 4]))).unwrap());
        assert!(rows.is_empty());
        assert_eq!(s.covered, g.ordered());
        assert_eq!(s.snapshot.heads, vec![h(3), h(4)]);
    }

    #[test]
    fn changes_a_snapshot_does_not_cover_stay_loose_and_need_their_content() {
        let mut sent = history(false);
        sent[3].sealed = vec![4; 40].into();
        let (g, added) = graph_with(None, &sent);
        let (s, rows) =
            read_back(stored_form(None, &g, &added, &sent, Some(&snapshot(&[3]))).unwrap());
        assert_eq!(rows, vec![h(4)]);
        assert_eq!(s.covered.len(), 3);

        let sent = history(false);
        let (g, added) = graph_with(None, &sent);
        assert!(matches!(
            stored_form(None, &g, &added, &sent, Some(&snapshot(&[3]))),
            Err(FormError::Malformed(_))
        ));
    }

    #[test]
    fn a_snapshot_must_name_the_heads_of_what_it_covers() {
        let sent = history(false);
        let (g, added) = graph_with(None, &sent);
        for heads in [&[2u8, 3][..], &[3, 9][..]] {
            assert!(
                matches!(
                    stored_form(None, &g, &added, &sent, Some(&snapshot(heads))),
                    Err(FormError::Malformed(_))
                ),
                "{heads:?}"
            );
        }
    }

    #[test]
    fn compaction_replaces_loose_changes_and_a_stale_snapshot_is_left_aside() {
        // Stored: a snapshot of 1..3, then 4 and 5 loose.
        let old = Stored {
            graph: ChangeGraph::from_ordered(
                [
                    (1, vec![]),
                    (2, vec![1]),
                    (3, vec![2]),
                    (4, vec![3]),
                    (5, vec![4]),
                ]
                .into_iter()
                .map(|(n, d): (u8, Vec<u8>)| (h(n), d.into_iter().map(h).collect())),
            )
            .unwrap(),
            snapshot: Some(StoredSnapshot {
                snapshot: snapshot(&[3]),
                covered: vec![],
            }),
            changes: vec![change(4, &[3], true), change(5, &[4], true)],
        };
        // A laptop in step compacts everything, sending nothing new.
        let (g, added) = graph_with(Some(&old), &[]);
        let (s, rows) =
            read_back(stored_form(Some(&old), &g, &added, &[], Some(&snapshot(&[5]))).unwrap());
        assert!(rows.is_empty());
        assert_eq!(s.covered.len(), 5);
        // A snapshot up to 4 keeps 5 loose, from the stored row.
        let (_, rows) =
            read_back(stored_form(Some(&old), &g, &added, &[], Some(&snapshot(&[4]))).unwrap());
        assert_eq!(rows, vec![h(5)]);
        // One that does not cover the stored snapshot's heads is left aside: a new change with
        // content is appended, one without waits for a push with content.
        let sent = vec![change(6, &[5], true)];
        let (g, added) = graph_with(Some(&old), &sent);
        match stored_form(Some(&old), &g, &added, &sent, Some(&snapshot(&[2]))).unwrap() {
            Form::Append(rows) => assert_eq!(row_hashes(&rows), vec![h(6)]),
            other => panic!("{other:?}"),
        }
        let sent = vec![change(6, &[5], false)];
        let (g, added) = graph_with(Some(&old), &sent);
        assert_eq!(
            stored_form(Some(&old), &g, &added, &sent, Some(&snapshot(&[2]))).unwrap_err(),
            FormError::NeedSync
        );
    }

    #[test]
    fn after_compaction_a_laptop_behind_the_snapshot_gets_it_whole() {
        let sent = history(false);
        let (g, added) = graph_with(None, &sent);
        let Form::Replace {
            snapshot: bytes, ..
        } = stored_form(None, &g, &added, &sent, Some(&snapshot(&[3, 4]))).unwrap()
        else {
            panic!("a replacement")
        };
        let stored = Stored {
            graph: g,
            snapshot: decode(SNAPSHOT_MAGIC, &bytes),
            changes: vec![],
        };
        assert!(matches!(
            stored.payload_for(&[h(2)]),
            Payload::Full {
                snapshot: Some(_),
                ..
            }
        ));
        assert!(matches!(stored.payload_for(&[h(3), h(4)]), Payload::Changes(c) if c.is_empty()));
    }
}
