//! A document's history as the blind server knows it (protocol version 6, `docs/e2e.md`):
//! change hashes and the hashes each depends on, nothing of what the changes say. Enough to
//! answer what Automerge answers with the document in hand: the heads, whether a batch's
//! dependencies are all there, and which changes a peer at given heads lacks.

use std::collections::{HashMap, HashSet};

use crate::wire::Hash;

/// The hash graph of one document. Changes are kept in the order they were added, which is
/// causal (a change is added only once its dependencies are), so "in order" is also an order a
/// peer can apply.
#[derive(Debug, Clone, Default)]
pub struct ChangeGraph {
    order: Vec<Hash>,
    deps: HashMap<Hash, Vec<Hash>>,
}

impl ChangeGraph {
    pub fn new() -> ChangeGraph {
        ChangeGraph::default()
    }

    /// A graph from changes in causal order (as stored). `None` when one names a dependency
    /// that comes neither before it nor at all: the stored history is damaged.
    pub fn from_ordered(changes: impl IntoIterator<Item = (Hash, Vec<Hash>)>) -> Option<Self> {
        let mut g = ChangeGraph::new();
        for (h, d) in changes {
            if !d.iter().all(|x| g.contains(x)) {
                return None;
            }
            g.insert(h, d);
        }
        Some(g)
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    pub fn contains(&self, h: &Hash) -> bool {
        self.deps.contains_key(h)
    }

    /// Add a change (a no-op when it is there already).
    fn insert(&mut self, h: Hash, deps: Vec<Hash>) -> bool {
        if self.deps.contains_key(&h) {
            return false;
        }
        self.order.push(h);
        self.deps.insert(h, deps);
        true
    }

    /// The changes no other change depends on, sorted.
    pub fn heads(&self) -> Vec<Hash> {
        let depended: HashSet<&Hash> = self.deps.values().flatten().collect();
        let mut heads: Vec<Hash> = self
            .order
            .iter()
            .filter(|h| !depended.contains(h))
            .copied()
            .collect();
        heads.sort();
        heads
    }

    /// Add a batch of changes, in any order. All or nothing: when one depends on a change
    /// that is neither in the graph nor in the batch, nothing is added and the missing hashes
    /// are returned. Otherwise returns the hashes that were new, in the causal order they were
    /// added.
    pub fn add_batch(&mut self, batch: &[(Hash, Vec<Hash>)]) -> Result<Vec<Hash>, Vec<Hash>> {
        let in_batch: HashSet<&Hash> = batch.iter().map(|(h, _)| h).collect();
        let mut missing: Vec<Hash> = batch
            .iter()
            .flat_map(|(_, d)| d)
            .filter(|d| !self.contains(d) && !in_batch.contains(d))
            .copied()
            .collect();
        if !missing.is_empty() {
            missing.sort();
            missing.dedup();
            return Err(missing);
        }
        // Order the batch causally: repeatedly take what has its dependencies in place. A
        // cycle (impossible for real hashes) leaves changes behind: refused as missing.
        let mut pending: Vec<&(Hash, Vec<Hash>)> =
            batch.iter().filter(|(h, _)| !self.contains(h)).collect();
        let mut added = Vec::new();
        let mut trial = self.clone();
        while !pending.is_empty() {
            let before = pending.len();
            pending.retain(|(h, d)| {
                if d.iter().all(|x| trial.contains(x)) {
                    if trial.insert(*h, d.clone()) {
                        added.push(*h);
                    }
                    false
                } else {
                    true
                }
            });
            if pending.len() == before {
                let mut stuck: Vec<Hash> = pending.iter().map(|(h, _)| *h).collect();
                stuck.sort();
                return Err(stuck);
            }
        }
        *self = trial;
        Ok(added)
    }

    /// Every change `from` depends on, directly or not, and `from` itself. `None` when one of
    /// `from` is not in the graph (the peer has something this graph lacks).
    pub fn ancestors(&self, from: &[Hash]) -> Option<HashSet<Hash>> {
        let mut seen: HashSet<Hash> = HashSet::new();
        let mut stack: Vec<Hash> = Vec::new();
        for h in from {
            if !self.contains(h) {
                return None;
            }
            stack.push(*h);
        }
        while let Some(h) = stack.pop() {
            if seen.insert(h) {
                stack.extend(self.deps[&h].iter().filter(|d| !seen.contains(*d)));
            }
        }
        Some(seen)
    }

    /// What a peer whose heads are `have` lacks, in causal order. `None` when one of `have` is
    /// unknown here.
    pub fn lacking(&self, have: &[Hash]) -> Option<Vec<Hash>> {
        let known = self.ancestors(have)?;
        Some(
            self.order
                .iter()
                .filter(|h| !known.contains(h))
                .copied()
                .collect(),
        )
    }

    /// Every change with its dependencies, in the causal order they were added.
    pub fn ordered(&self) -> Vec<(Hash, Vec<Hash>)> {
        self.order
            .iter()
            .map(|h| (*h, self.deps[h].clone()))
            .collect()
    }

    /// The dependencies of `h`.
    pub fn deps(&self, h: &Hash) -> Option<&[Hash]> {
        self.deps.get(h).map(Vec::as_slice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ROOT};
    use proptest::prelude::*;

    fn hash(c: &automerge::Change) -> Hash {
        Hash(c.hash().0)
    }

    fn graph_of(doc: &mut AutoCommit) -> ChangeGraph {
        ChangeGraph::from_ordered(
            doc.get_changes(&[])
                .iter()
                .map(|c| (hash(c), c.deps().iter().map(|d| Hash(d.0)).collect())),
        )
        .expect("Automerge's own order is causal")
    }

    fn wire(hs: &[automerge::ChangeHash]) -> Vec<Hash> {
        let mut v: Vec<Hash> = hs.iter().map(|h| Hash(h.0)).collect();
        v.sort();
        v
    }

    /// Three laptops editing one document, forking and merging as `script` says.
    fn history(script: &[(u8, u8)]) -> (AutoCommit, Vec<Vec<automerge::ChangeHash>>) {
        let mut base = AutoCommit::new();
        base.put(ROOT, "n", 0).unwrap();
        base.commit();
        let mut peers = [base.fork(), base.fork(), base.fork()];
        let mut seen_heads = vec![base.get_heads()];
        for (i, (who, action)) in script.iter().enumerate() {
            let w = (*who % 3) as usize;
            if action % 3 == 0 {
                let other = (w + 1) % 3;
                let mut o = peers[other].fork();
                peers[w].merge(&mut o).unwrap();
            } else {
                peers[w]
                    .put(ROOT, format!("k{}", action % 5), i as i64)
                    .unwrap();
                peers[w].commit();
            }
            seen_heads.push(peers[w].get_heads());
        }
        let mut all = peers[0].fork();
        for p in peers.iter_mut().skip(1) {
            all.merge(p).unwrap();
        }
        (all, seen_heads)
    }

    proptest! {
        #[test]
        fn what_a_peer_lacks_and_the_heads_agree_with_automerge(
            script in proptest::collection::vec((0u8..3, 0u8..9), 1..40),
        ) {
            let (mut doc, seen) = history(&script);
            let g = graph_of(&mut doc);
            prop_assert_eq!(g.heads(), wire(&doc.get_heads()));
            for have in &seen {
                let lacking: HashSet<Hash> =
                    g.lacking(&wire(have)).expect("known heads").into_iter().collect();
                let theirs: HashSet<Hash> =
                    doc.get_changes(have).iter().map(hash).collect::<HashSet<Hash>>();
                prop_assert_eq!(lacking, theirs);
            }
        }

        #[test]
        fn a_batch_in_any_order_is_added_in_an_order_a_peer_can_apply(
            script in proptest::collection::vec((0u8..3, 0u8..9), 1..30),
            seed in any::<u64>(),
        ) {
            let (mut doc, _) = history(&script);
            let mut changes: Vec<(Hash, Vec<Hash>)> = doc
                .get_changes(&[])
                .iter()
                .map(|c| (hash(c), c.deps().iter().map(|d| Hash(d.0)).collect()))
                .collect();
            // Shuffle deterministically.
            let n = changes.len();
            let mut s = seed;
            for i in (1..n).rev() {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                changes.swap(i, (s >> 33) as usize % (i + 1));
            }
            let mut g = ChangeGraph::new();
            let added = g.add_batch(&changes).expect("complete");
            prop_assert_eq!(added.len(), n);
            let mut placed = HashSet::new();
            for h in &added {
                prop_assert!(g.deps(h).unwrap().iter().all(|d| placed.contains(d)));
                placed.insert(*h);
            }
            prop_assert_eq!(g.heads(), wire(&doc.get_heads()));
            // Again: nothing new.
            prop_assert_eq!(g.add_batch(&changes).unwrap(), Vec::<Hash>::new());
        }
    }

    #[test]
    fn a_batch_with_a_missing_dependency_adds_nothing_and_names_it() {
        let mut doc = AutoCommit::new();
        for i in 0..3 {
            doc.put(ROOT, "n", i).unwrap();
            doc.commit();
        }
        let changes: Vec<(Hash, Vec<Hash>)> = doc
            .get_changes(&[])
            .iter()
            .map(|c| (hash(c), c.deps().iter().map(|d| Hash(d.0)).collect()))
            .collect();
        let mut g = ChangeGraph::new();
        assert_eq!(g.add_batch(&changes[1..]), Err(vec![changes[0].0]));
        assert!(g.is_empty());
        assert_eq!(g.add_batch(&changes[..1]).unwrap(), vec![changes[0].0]);
        assert_eq!(g.add_batch(&changes[1..]).unwrap().len(), 2);
        assert_eq!(g.heads(), vec![changes[2].0]);
        // Heads the graph has never seen: it cannot say what the peer lacks.
        assert_eq!(g.lacking(&[Hash([9; 32])]), None);
        assert_eq!(g.lacking(&[]).unwrap().len(), 3);
        assert_eq!(g.lacking(&[changes[2].0]).unwrap(), Vec::<Hash>::new());
        // A stored history out of order is damaged.
        assert!(ChangeGraph::from_ordered(changes.iter().rev().cloned()).is_none());
    }

    #[test]
    fn a_cycle_is_refused() {
        let (a, b) = (Hash([1; 32]), Hash([2; 32]));
        let mut g = ChangeGraph::new();
        assert_eq!(g.add_batch(&[(a, vec![b]), (b, vec![a])]), Err(vec![a, b]));
        assert!(g.is_empty());
    }
}
