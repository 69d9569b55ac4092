//! How use cases read and write Automerge documents in the store: loading, the changes an edit
//! made, new documents with or without index rows, and edits of shared documents under the
//! write lock.

use automerge::{AutoCommit, ChangeHash};

use punkt_store::documents::{DocumentUpdate, DocumentWrite, StoredDocument};
use punkt_store::index::IndexRows;

use crate::error::{CoreError, Result};
use crate::{commit_options, Punkt};

pub(crate) fn load_automerge(stored: &StoredDocument) -> Result<AutoCommit> {
    let bad = |e: automerge::AutomergeError| CoreError::Document {
        id: stored.id.clone(),
        reason: e.to_string(),
    };
    let mut doc = AutoCommit::load(&stored.snapshot).map_err(bad)?;
    for c in &stored.changes {
        doc.load_incremental(c).map_err(bad)?;
    }
    Ok(doc)
}

/// The changes `doc` gained after `before`, as the store keeps them: (hash, bytes).
pub(crate) fn changes_after(
    doc: &mut AutoCommit,
    before: &[ChangeHash],
) -> Vec<(Vec<u8>, Vec<u8>)> {
    punkt_sync::docs::new_changes_since(doc, before)
        .into_iter()
        .map(|(h, b)| (h.0.to_vec(), b))
        .collect()
}

/// A text field of a document's root (`to_organisation` of a referral, `merged_into` of a
/// client file).
pub(crate) fn root_text(doc: &AutoCommit, key: &str) -> Option<String> {
    use automerge::ReadDoc;
    match doc.get(automerge::ROOT, key).ok()?? {
        (automerge::Value::Scalar(s), _) => match s.as_ref() {
            automerge::ScalarValue::Str(t) => Some(t.to_string()),
            _ => None,
        },
        _ => None,
    }
}

pub(crate) fn heads_bytes(heads: &[ChangeHash]) -> Vec<u8> {
    heads.iter().flat_map(|h| h.0).collect()
}

impl Punkt {
    /// Document `id`, of `kind`, loaded: refused as unknown ("no `what` `id` on this laptop")
    /// when this laptop holds none, or holds another kind of document under the id.
    pub(crate) fn load_of_kind(&self, id: &str, kind: &str, what: &str) -> Result<AutoCommit> {
        let unknown = || CoreError::Invalid(format!("no {what} {id} on this laptop"));
        let stored = self.store.load_document(id).map_err(|e| match e {
            punkt_store::StoreError::NoDocument(_) => unknown(),
            e => e.into(),
        })?;
        if stored.kind != kind {
            return Err(unknown());
        }
        load_automerge(&stored)
    }

    /// Store a new document other than a client file (an attachment, a section, a referral):
    /// `doc` holds its first, committed change.
    pub(crate) fn store_new_document(
        &mut self,
        id: &str,
        kind: &str,
        owner_org: &str,
        doc: &mut AutoCommit,
    ) -> Result<()> {
        self.store_new_indexed(id, kind, owner_org, doc, None)
    }

    /// [`Punkt::store_new_document`] with the document's index rows, written with it.
    pub(crate) fn store_new_indexed(
        &mut self,
        id: &str,
        kind: &str,
        owner_org: &str,
        doc: &mut AutoCommit,
        index: Option<IndexRows>,
    ) -> Result<()> {
        let now_text = self.now_text();
        self.store.write_document(
            &DocumentWrite {
                id,
                kind,
                owner_org,
                snapshot: Some(&doc.save()),
                changes: Vec::new(),
                heads: heads_bytes(&doc.get_heads()),
                now: &now_text,
                sync: None,
            },
            index.as_ref(),
        )?;
        Ok(())
    }

    /// A new document made from `value`, committed by this laptop and stored.
    pub(crate) fn create_document<T: autosurgeon::Reconcile>(
        &mut self,
        id: &str,
        kind: &str,
        owner_org: &str,
        value: &T,
    ) -> Result<()> {
        self.create_indexed(id, kind, owner_org, value, None)
    }

    /// [`Punkt::create_document`] with the document's index rows, written with it.
    pub(crate) fn create_indexed<T: autosurgeon::Reconcile>(
        &mut self,
        id: &str,
        kind: &str,
        owner_org: &str,
        value: &T,
        index: Option<IndexRows>,
    ) -> Result<()> {
        let mut doc = AutoCommit::new().with_actor(self.actor.clone());
        autosurgeon::reconcile(&mut doc, value).map_err(|e| CoreError::Document {
            id: id.to_string(),
            reason: e.to_string(),
        })?;
        doc.commit_with(commit_options(self.author(), self.now().timestamp()));
        self.store_new_indexed(id, kind, owner_org, &mut doc, index)
    }

    /// Change a document other than a client file (root kind `root_kind`) under the store's
    /// write lock: hydrate, `edit`, reconcile, commit, append. `edit` may refuse (nothing is
    /// written) and gives the document's new index rows when it has some. Returns the changed
    /// value.
    pub(crate) fn edit_shared<T, F>(
        &mut self,
        id: &str,
        root_kind: &str,
        kind_of: fn(&T) -> &str,
        edit: F,
    ) -> Result<T>
    where
        T: autosurgeon::Hydrate + autosurgeon::Reconcile,
        F: FnOnce(&mut T) -> Result<Option<IndexRows>>,
    {
        let now = self.now();
        let now_text = self.now_text();
        let options = commit_options(self.author(), now.timestamp());
        let actor = self.actor.clone();
        self.store.edit_document(id, &now_text, |stored| {
            let mut doc = load_automerge(&stored)?.with_actor(actor);
            let before = doc.get_heads();
            let mut value: T = punkt_model::shared::read_shared(&doc, root_kind, kind_of)?;
            let index = edit(&mut value)?;
            autosurgeon::reconcile(&mut doc, &value).map_err(|e| CoreError::Document {
                id: stored.id.clone(),
                reason: e.to_string(),
            })?;
            doc.commit_with(options);
            let update = DocumentUpdate {
                changes: changes_after(&mut doc, &before),
                heads: heads_bytes(&doc.get_heads()),
                index,
                sync: None,
            };
            Ok::<_, CoreError>((Some(update), value))
        })
    }
}
