//! Automerge data sealed for the blind server and opened from it (protocol 6,
//! `docs/e2e.md`). Sealing binds each change to its document and hash; opening checks, before
//! anything is applied, that the change inflates within bounds, parses, and really is the
//! change the hash and dependencies in clear said (the server's graph is built from those, so
//! a laptop that lied about them would mislead every other laptop's sync): a mismatch refuses
//! the whole batch.

use automerge::{AutoCommit, Change};
use punkt_e2e::SecretKey;
use punkt_sync::docs::{sorted, to_wire, MAX_INFLATED_DOC};
use punkt_sync::wire::{Hash, SealedChange, SealedSnapshot};
use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum SealError {
    #[error("the document's data does not open with its key: {0}")]
    Open(#[from] punkt_e2e::E2eError),
    #[error("the data is not what it claims to be: {0}")]
    Mismatch(String),
    #[error("malformed document data: {0}")]
    Malformed(String),
    #[error("the document's data would inflate past {} MiB: refused", MAX_INFLATED_DOC >> 20)]
    TooLarge,
}

fn hash_of(c: &Change) -> Hash {
    Hash(c.hash().0)
}

fn deps_of(c: &Change) -> Vec<Hash> {
    sorted(c.deps().iter().map(|d| Hash(d.0)).collect())
}

/// Seal `changes` of document `doc_id` under its key, in the order given.
pub fn seal_changes(key: &SecretKey, doc_id: &str, changes: &mut [Change]) -> Vec<SealedChange> {
    changes
        .iter_mut()
        .map(|c| {
            let hash = hash_of(c);
            SealedChange {
                hash,
                deps: deps_of(c),
                sealed: punkt_e2e::seal_change(key, doc_id, &hash.0, &c.bytes()).into(),
            }
        })
        .collect()
}

/// The hashes and dependencies of `changes`, without their content: what goes beside a
/// snapshot that holds them ([`punkt_sync::wire::DocPush::snapshot`]).
pub fn graph_of(changes: &mut [Change]) -> Vec<SealedChange> {
    changes
        .iter_mut()
        .map(|c| SealedChange {
            hash: hash_of(c),
            deps: deps_of(c),
            sealed: Vec::new().into(),
        })
        .collect()
}

/// Shared by one batch or one snapshot with its changes: what all of it may inflate to.
struct Budget(usize);

impl Budget {
    fn check(&mut self, bytes: &[u8]) -> Result<(), SealError> {
        match punkt_sync::bounds::check_inflated_size(bytes, self.0) {
            Ok(n) => {
                self.0 -= n;
                Ok(())
            }
            Err(punkt_sync::bounds::BoundError::TooLarge { .. }) => Err(SealError::TooLarge),
            Err(punkt_sync::bounds::BoundError::Malformed(m)) => Err(SealError::Malformed(m)),
        }
    }
}

/// Open a batch of sealed changes of `doc_id`: the changes, checked, in the order given.
pub fn open_changes(
    key: &SecretKey,
    doc_id: &str,
    sealed: &[SealedChange],
) -> Result<Vec<Change>, SealError> {
    let mut budget = Budget(MAX_INFLATED_DOC);
    open_within(key, doc_id, sealed, &mut budget)
}

fn open_within(
    key: &SecretKey,
    doc_id: &str,
    sealed: &[SealedChange],
    budget: &mut Budget,
) -> Result<Vec<Change>, SealError> {
    let mut out = Vec::with_capacity(sealed.len());
    for s in sealed {
        let bytes = punkt_e2e::open_change(key, doc_id, &s.hash.0, &s.sealed)?;
        budget.check(&bytes)?;
        let change = Change::from_bytes(bytes).map_err(|e| SealError::Malformed(e.to_string()))?;
        if hash_of(&change) != s.hash {
            return Err(SealError::Mismatch(format!(
                "a change of {doc_id} does not have the hash it came under"
            )));
        }
        if deps_of(&change) != sorted(s.deps.clone()) {
            return Err(SealError::Mismatch(format!(
                "a change of {doc_id} came with dependencies it does not have"
            )));
        }
        out.push(change);
    }
    Ok(out)
}

/// Seal the whole of `doc` (document `doc_id`), naming the heads it covers.
pub fn seal_snapshot(key: &SecretKey, doc_id: &str, doc: &mut AutoCommit) -> SealedSnapshot {
    let heads = sorted(to_wire(&doc.get_heads()));
    let raw: Vec<[u8; 32]> = heads.iter().map(|h| h.0).collect();
    SealedSnapshot {
        sealed: punkt_e2e::seal_snapshot(key, doc_id, &raw, &doc.save()).into(),
        heads,
    }
}

/// An opened snapshot, not loaded yet (loading is most of a first sync's time, and runs on
/// every core: [`OpenedSnapshot::load`]): the saved document as it came (to store as it is),
/// the heads it names, and the changes after it, each checked.
pub struct OpenedSnapshot {
    pub saved: Vec<u8>,
    pub heads: Vec<Hash>,
    pub after: Vec<Change>,
}

/// Open a snapshot of `doc_id` and the changes after it, within one inflation budget.
pub fn open_snapshot(
    key: &SecretKey,
    doc_id: &str,
    snapshot: &SealedSnapshot,
    changes: &[SealedChange],
) -> Result<OpenedSnapshot, SealError> {
    let raw: Vec<[u8; 32]> = snapshot.heads.iter().map(|h| h.0).collect();
    let saved = punkt_e2e::open_snapshot(key, doc_id, &raw, &snapshot.sealed)?;
    let mut budget = Budget(MAX_INFLATED_DOC);
    budget.check(&saved)?;
    let after = open_within(key, doc_id, changes, &mut budget)?;
    Ok(OpenedSnapshot {
        saved,
        heads: snapshot.heads.clone(),
        after,
    })
}

impl OpenedSnapshot {
    /// The document: the snapshot loaded, checked to have exactly the heads it named, then
    /// the changes after it applied.
    pub fn load(&self) -> Result<AutoCommit, SealError> {
        let mut doc =
            AutoCommit::load(&self.saved).map_err(|e| SealError::Malformed(e.to_string()))?;
        if sorted(to_wire(&doc.get_heads())) != sorted(self.heads.clone()) {
            return Err(SealError::Mismatch(
                "a snapshot does not cover the heads it names".into(),
            ));
        }
        doc.apply_changes(self.after.iter().cloned())
            .map_err(|e| SealError::Malformed(e.to_string()))?;
        Ok(doc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;
    use automerge::{ReadDoc, ROOT};

    fn doc_with(edits: usize) -> AutoCommit {
        let mut doc = AutoCommit::new();
        for i in 0..edits {
            doc.put(ROOT, "family_name", format!("Haidari {i}"))
                .unwrap();
            doc.commit();
        }
        doc
    }

    #[test]
    fn changes_sealed_here_open_there_and_apply() {
        let key = SecretKey::random();
        let mut doc = doc_with(3);
        let sealed = seal_changes(&key, "d1", &mut doc.get_changes(&[]));
        assert_eq!(sealed.len(), 3);
        // Nothing of the content shows in what travels.
        for s in &sealed {
            assert!(!s.sealed.windows(7).any(|w| w == b"Haidari"));
        }
        let opened = open_changes(&key, "d1", &sealed).unwrap();
        let mut there = AutoCommit::new();
        there.apply_changes(opened).unwrap();
        assert_eq!(there.get_heads(), doc.get_heads());
        // Another document's key or id: refused, nothing returned.
        assert!(matches!(
            open_changes(&SecretKey::random(), "d1", &sealed),
            Err(SealError::Open(_))
        ));
        assert!(matches!(
            open_changes(&key, "d2", &sealed),
            Err(SealError::Open(_))
        ));
    }

    #[test]
    fn a_change_whose_clear_hash_or_dependencies_lie_is_refused() {
        let key = SecretKey::random();
        let mut doc = doc_with(2);
        let mut changes = doc.get_changes(&[]);
        // A laptop sealing change 2 under change 1's hash (bound correctly, so it opens).
        let mut lying = seal_changes(&key, "d", &mut changes);
        let first = lying[0].hash;
        lying[1].hash = first;
        lying[1].sealed = punkt_e2e::seal_change(&key, "d", &first.0, &changes[1].bytes()).into();
        assert!(matches!(
            open_changes(&key, "d", &lying[1..]),
            Err(SealError::Mismatch(_))
        ));
        // Or declaring dependencies the change does not have.
        let mut deps = seal_changes(&key, "d", &mut changes);
        deps[1].deps = Vec::new();
        assert!(matches!(
            open_changes(&key, "d", &deps),
            Err(SealError::Mismatch(_))
        ));
        // Bytes that are not a change at all.
        let junk_hash = Hash([3; 32]);
        let junk = SealedChange {
            hash: junk_hash,
            deps: Vec::new(),
            sealed: punkt_e2e::seal_change(&key, "d", &junk_hash.0, b"not a change").into(),
        };
        assert!(matches!(
            open_changes(&key, "d", &[junk]),
            Err(SealError::Malformed(_))
        ));
        // A compression bomb sealed by an enrolled laptop: refused before Automerge sees it.
        let bomb = punkt_sync::bounds::hostile::compressed_change(MAX_INFLATED_DOC + 1);
        let bomb_hash = Hash([5; 32]);
        let bomb = SealedChange {
            hash: bomb_hash,
            deps: Vec::new(),
            sealed: punkt_e2e::seal_change(&key, "d", &bomb_hash.0, &bomb).into(),
        };
        assert_eq!(open_changes(&key, "d", &[bomb]), Err(SealError::TooLarge));
    }

    #[test]
    fn a_snapshot_and_the_changes_after_it_give_the_document_back() {
        let key = SecretKey::random();
        let mut doc = doc_with(4);
        let snap = seal_snapshot(&key, "d", &mut doc);
        let before = doc.get_heads();
        doc.put(ROOT, "given_names", "Amina").unwrap();
        doc.commit();
        let after = seal_changes(&key, "d", &mut doc.get_changes(&before));
        let mut there = open_snapshot(&key, "d", &snap, &after)
            .unwrap()
            .load()
            .unwrap();
        assert_eq!(there.get_heads(), doc.get_heads());
        assert_eq!(
            there
                .get(ROOT, "given_names")
                .unwrap()
                .unwrap()
                .0
                .into_string()
                .unwrap(),
            "Amina"
        );
        // A snapshot passed off as covering other heads does not even open.
        let mut wrong = snap.clone();
        wrong.heads = Vec::new();
        assert!(matches!(
            open_snapshot(&key, "d", &wrong, &[]),
            Err(SealError::Open(_))
        ));
        // A laptop that sealed a snapshot under heads it does not cover: opens, refused.
        let lie = SealedSnapshot {
            heads: vec![Hash([4; 32])],
            sealed: punkt_e2e::seal_snapshot(&key, "d", &[[4; 32]], &doc.save()).into(),
        };
        assert!(matches!(
            open_snapshot(&key, "d", &lie, &[]).unwrap().load(),
            Err(SealError::Mismatch(_))
        ));
    }
}
