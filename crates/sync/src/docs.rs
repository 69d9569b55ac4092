//! The document side of a sync, shared by devices and the server: which changes a peer lacks,
//! applying a received batch (idempotently, and all or nothing when a dependency is missing),
//! and one round of Automerge's sync protocol. Pure: documents in memory in, bytes out.

use automerge::{sync::SyncDoc, AutoCommit, Change, ChangeHash};
use serde_bytes::ByteBuf;
use thiserror::Error;

use crate::wire::Hash;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum DocError {
    #[error("malformed change: {0}")]
    MalformedChange(String),
    #[error("malformed sync message: {0}")]
    MalformedSyncMessage(String),
    #[error("malformed document: {0}")]
    MalformedDocument(String),
    /// Bytes that would inflate past [`MAX_INFLATED_DOC`], or a sync message whose filter
    /// would make Automerge allocate without bound: refused before Automerge parses them.
    #[error("{0}")]
    TooLarge(String),
}

/// What one document (its snapshot and changes), one batch of changes or one sync message may
/// come to once inflated. Attachments are at most 16 MiB, so a real file never nears it; a
/// crafted one (DEFLATE reaches ~1000:1) is refused before it can take the memory.
pub const MAX_INFLATED_DOC: usize = 64 * 1024 * 1024;

/// Check `parts` together against [`MAX_INFLATED_DOC`] before Automerge parses any of them.
fn check_inflation<'a>(
    parts: impl IntoIterator<Item = &'a [u8]>,
    malformed: fn(String) -> DocError,
) -> Result<(), DocError> {
    let mut left = MAX_INFLATED_DOC;
    for p in parts {
        match crate::bounds::check_inflated_size(p, left) {
            Ok(n) => left -= n,
            Err(crate::bounds::BoundError::TooLarge { .. }) => {
                return Err(DocError::TooLarge(format!(
                    "the Automerge data would inflate past {} MiB: refused",
                    MAX_INFLATED_DOC >> 20
                )))
            }
            Err(crate::bounds::BoundError::Malformed(m)) => return Err(malformed(m)),
        }
    }
    Ok(())
}

/// Automerge's sync-protocol Bloom filters come with counts it trusts: a filter with entries
/// but no bits divides by zero, and a probe count of billions allocates and loops without
/// bound. Real filters use 10 bits per entry and 7 probes.
fn check_filters(msg: &automerge::sync::Message) -> Result<(), DocError> {
    for have in &msg.have {
        let bytes = have.bloom.to_bytes();
        let mut fields = [0u64; 3];
        let mut rest = bytes.as_slice();
        if rest.is_empty() {
            continue; // an empty filter
        }
        for f in &mut fields {
            let mut value = 0u64;
            let mut shift = 0;
            loop {
                let Some((&b, tail)) = rest.split_first() else {
                    return Err(DocError::MalformedSyncMessage("truncated filter".into()));
                };
                rest = tail;
                value |= u64::from(b & 0x7f) << shift.min(63);
                shift += 7;
                if b & 0x80 == 0 {
                    break;
                }
            }
            *f = value;
        }
        let [entries, bits_per_entry, probes] = fields;
        if entries > 0 && !(1..=64).contains(&bits_per_entry) || !(1..=64).contains(&probes) {
            return Err(DocError::TooLarge(format!(
                "a sync filter with {bits_per_entry} bits per entry and {probes} probes: refused"
            )));
        }
    }
    Ok(())
}

pub fn to_wire(heads: &[ChangeHash]) -> Vec<Hash> {
    heads.iter().map(|h| Hash(h.0)).collect()
}

pub fn from_wire(heads: &[Hash]) -> Vec<ChangeHash> {
    heads.iter().map(|h| ChangeHash(h.0)).collect()
}

/// Heads as stored: concatenated 32-byte hashes.
pub fn heads_to_bytes(heads: &[Hash]) -> Vec<u8> {
    heads.iter().flat_map(|h| h.0).collect()
}

pub fn heads_from_bytes(bytes: &[u8]) -> Vec<Hash> {
    bytes
        .chunks_exact(32)
        .map(|c| Hash(c.try_into().expect("chunks of 32")))
        .collect()
}

/// Sorted, so two sides compare heads regardless of order.
pub fn sorted(mut heads: Vec<Hash>) -> Vec<Hash> {
    heads.sort();
    heads
}

/// The changes `doc` has and a peer at `their_heads` lacks, encoded; `None` when `their_heads`
/// names a change `doc` does not know (then only the sync protocol can find the difference).
pub fn changes_since(doc: &mut AutoCommit, their_heads: &[Hash]) -> Option<Vec<ByteBuf>> {
    let theirs = from_wire(their_heads);
    if theirs.iter().any(|h| doc.get_change_by_hash(h).is_none()) {
        return None;
    }
    Some(
        doc.get_changes(&theirs)
            .into_iter()
            .map(|mut c| ByteBuf::from(c.bytes().into_owned()))
            .collect(),
    )
}

/// The result of applying received changes.
#[derive(Debug, Clone, PartialEq)]
pub enum Applied {
    /// Applied; the changes that were new here (hash, bytes) and the new heads.
    Done {
        new_changes: Vec<(Hash, Vec<u8>)>,
        heads: Vec<Hash>,
    },
    /// A change depends on one this side lacks: nothing should be stored, and the caller
    /// should discard `doc` (it holds the incomplete changes in its queue).
    MissingDependencies,
}

/// Apply encoded changes to `doc`. A change `doc` already has is a no-op, so a retried batch
/// changes nothing.
pub fn apply_changes(doc: &mut AutoCommit, changes: &[ByteBuf]) -> Result<Applied, DocError> {
    check_inflation(
        changes.iter().map(|c| c.as_slice()),
        DocError::MalformedChange,
    )?;
    let before = doc.get_heads();
    let mut decoded = Vec::with_capacity(changes.len());
    for c in changes {
        decoded.push(
            Change::from_bytes(c.to_vec()).map_err(|e| DocError::MalformedChange(e.to_string()))?,
        );
    }
    doc.apply_changes(decoded)
        .map_err(|e| DocError::MalformedChange(e.to_string()))?;
    if !doc.get_missing_deps(&[]).is_empty() {
        return Ok(Applied::MissingDependencies);
    }
    Ok(Applied::Done {
        new_changes: new_changes_since(doc, &before),
        heads: to_wire(&doc.get_heads()),
    })
}

/// The changes `doc` gained after `before` (hash, bytes).
pub fn new_changes_since(doc: &mut AutoCommit, before: &[ChangeHash]) -> Vec<(Hash, Vec<u8>)> {
    doc.get_changes(before)
        .into_iter()
        .map(|mut c| (Hash(c.hash().0), c.bytes().into_owned()))
        .collect()
}

/// Load a document from its stored form: a saved document and changes after it.
pub fn load(snapshot: &[u8], changes: &[impl AsRef<[u8]>]) -> Result<AutoCommit, DocError> {
    check_inflation(
        std::iter::once(snapshot).chain(changes.iter().map(|c| c.as_ref())),
        DocError::MalformedDocument,
    )?;
    let mut doc =
        AutoCommit::load(snapshot).map_err(|e| DocError::MalformedDocument(e.to_string()))?;
    for c in changes {
        doc.load_incremental(c.as_ref())
            .map_err(|e| DocError::MalformedDocument(e.to_string()))?;
    }
    Ok(doc)
}

/// One step of Automerge's sync protocol with a peer that keeps no state between requests
/// (the server): receive the peer's message, if any, and produce the answer, if any.
pub fn sync_step(
    doc: &mut AutoCommit,
    state: &mut automerge::sync::State,
    incoming: Option<&[u8]>,
) -> Result<Option<ByteBuf>, DocError> {
    if let Some(bytes) = incoming {
        let msg = automerge::sync::Message::decode(bytes)
            .map_err(|e| DocError::MalformedSyncMessage(e.to_string()))?;
        check_filters(&msg)?;
        check_inflation(msg.changes.iter(), DocError::MalformedSyncMessage)?;
        doc.sync()
            .receive_sync_message(state, msg)
            .map_err(|e| DocError::MalformedSyncMessage(e.to_string()))?;
    }
    Ok(doc
        .sync()
        .generate_sync_message(state)
        .map(|m| ByteBuf::from(m.encode())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::{transaction::Transactable, ActorId, ROOT};

    fn doc_with(actor: u8, key: &str, value: &str) -> AutoCommit {
        let mut d = AutoCommit::new().with_actor(ActorId::from(vec![actor; 16]));
        d.put(ROOT, key, value).unwrap();
        d.commit();
        d
    }

    #[test]
    fn missing_changes_apply_once_and_a_retry_changes_nothing() {
        let mut a = doc_with(1, "name", "Olena");
        let mut b = a.fork().with_actor(ActorId::from(vec![2; 16]));
        let base = to_wire(&b.get_heads());
        a.put(ROOT, "city", "Lublin").unwrap();
        a.commit();
        let missing = changes_since(&mut a, &base).unwrap();
        assert_eq!(missing.len(), 1);
        let first = apply_changes(&mut b, &missing).unwrap();
        let Applied::Done { new_changes, heads } = first else {
            panic!("applied")
        };
        assert_eq!(new_changes.len(), 1);
        assert_eq!(sorted(heads.clone()), sorted(to_wire(&a.get_heads())));
        // The same batch again: nothing new.
        assert_eq!(
            apply_changes(&mut b, &missing).unwrap(),
            Applied::Done {
                new_changes: vec![],
                heads
            }
        );
    }

    #[test]
    fn unknown_heads_and_missing_dependencies_are_reported() {
        let mut a = doc_with(1, "x", "1");
        let mut other = doc_with(3, "y", "2");
        assert!(changes_since(&mut a, &to_wire(&other.get_heads())).is_none());
        // A change whose parent the receiver lacks.
        let base = a.get_heads();
        a.put(ROOT, "x", "2").unwrap();
        a.commit();
        let second = changes_since(&mut a, &to_wire(&base)).unwrap();
        assert_eq!(
            apply_changes(&mut other, &second).unwrap(),
            Applied::MissingDependencies
        );
        assert!(matches!(
            apply_changes(&mut other, &[ByteBuf::from(vec![1, 2, 3])]),
            Err(DocError::MalformedChange(_))
        ));
    }

    #[test]
    fn bombs_and_hostile_filters_are_refused_before_automerge_sees_them() {
        let bomb = crate::bounds::hostile::compressed_change(MAX_INFLATED_DOC + (1 << 20));
        let mut doc = doc_with(1, "name", "Olena");
        let heads = doc.get_heads();
        assert!(matches!(
            apply_changes(&mut doc, &[ByteBuf::from(bomb.clone())]),
            Err(DocError::TooLarge(_))
        ));
        assert_eq!(doc.get_heads(), heads, "nothing applied");
        // Many small ones share one budget.
        let part = crate::bounds::hostile::compressed_change(MAX_INFLATED_DOC / 4);
        let parts = vec![ByteBuf::from(part); 5];
        assert!(matches!(
            apply_changes(&mut doc, &parts),
            Err(DocError::TooLarge(_))
        ));
        assert!(matches!(
            load(&doc.save(), &[bomb]),
            Err(DocError::TooLarge(_))
        ));

        // A sync message whose filter has entries but no bits (Automerge would divide by
        // zero) or billions of probes.
        let mut device = doc_with(2, "a", "1");
        let mut state = automerge::sync::State::new();
        let honest = device.sync().generate_sync_message(&mut state).unwrap();
        for filter in [
            [1u8, 0, 7].as_slice(),
            &[1, 10, 0xff, 0xff, 0xff, 0xff, 0x0f, 0, 0],
        ] {
            let mut msg = honest.clone();
            msg.have = vec![automerge::sync::Have {
                last_sync: vec![],
                bloom: automerge::sync::BloomFilter::try_from(filter).unwrap(),
            }];
            let mut server = doc_with(3, "b", "2");
            let mut fresh = automerge::sync::State::new();
            assert!(matches!(
                sync_step(&mut server, &mut fresh, Some(&msg.encode())),
                Err(DocError::TooLarge(_))
            ));
        }
        // An honest message still goes through.
        let mut server = doc_with(3, "b", "2");
        let mut fresh = automerge::sync::State::new();
        assert!(sync_step(&mut server, &mut fresh, Some(&honest.encode())).is_ok());
    }

    #[test]
    fn the_sync_protocol_converges_with_a_stateless_server() {
        let mut device = doc_with(1, "a", "1");
        let mut server = device.fork().with_actor(ActorId::from(vec![9; 16]));
        device.put(ROOT, "b", "device").unwrap();
        device.commit();
        server.put(ROOT, "c", "server").unwrap();
        server.commit();
        let mut state = automerge::sync::State::new();
        let mut incoming: Option<ByteBuf> = None;
        for _ in 0..10 {
            let out = sync_step(
                &mut device,
                &mut state,
                incoming.as_ref().map(|m| m.as_slice()),
            )
            .unwrap();
            let Some(out) = out else { break };
            // The server starts from a fresh state every round.
            let mut fresh = automerge::sync::State::new();
            incoming = sync_step(&mut server, &mut fresh, Some(&out)).unwrap();
        }
        assert_eq!(
            sorted(to_wire(&device.get_heads())),
            sorted(to_wire(&server.get_heads()))
        );
    }
}
