//! A client file's use cases: intake (one file or many in one transaction), reading and the
//! view front ends show, every edit (hydrate, change, reconcile, commit with its index rows),
//! a consultation, and the likely duplicates of a file.

use automerge::{ActorId, AutoCommit};
use chrono::{DateTime, Utc};

use punkt_model::client::{ClientFile, Consultation, CLIENT_DOCUMENT_KIND};
use punkt_model::schema::{migrate_client, read_client};
use punkt_model::{new_id, IsoDate};
use punkt_store::documents::{DocumentUpdate, DocumentWrite, StoredDocument};
use punkt_store::StoreError;

use crate::error::{CoreError, Result};
use crate::views::{self, ClientSummary};
use crate::{
    changes_after, commit_options, conflicts, heads_bytes, indexing, load_automerge, sections,
    ClientInput, ClientView, ConsultationInput, Punkt,
};

impl Punkt {
    /// Build a new client file from `input` without storing it.
    pub(crate) fn prepare_client(&self, input: ClientInput) -> Result<ClientFile> {
        let now = self.now_text();
        let mut file = ClientFile::new(new_id(), self.organisation().to_string(), now.clone());
        file.updated_at = now;
        let mut input = input;
        input.default_recorded_by(self.author());
        input.apply(&mut file, true, IsoDate(self.today()))?;
        Ok(file)
    }

    /// Intake: create a client file. Returns its id.
    pub fn add_client(&mut self, mut input: ClientInput) -> Result<String> {
        let sensitive = input.take_sensitive_flags()?;
        if let Some(flags) = &sensitive {
            self.require_sensitive_reader(flags)?;
        }
        let file = self.prepare_client(input)?;
        self.insert_clients(std::slice::from_ref(&file))?;
        if let Some(flags) = sensitive.filter(|f| !f.is_empty()) {
            self.set_sensitive_flags(&file.id, &flags)?;
        }
        Ok(file.id)
    }

    /// Store new client files in one transaction: all or none.
    pub(crate) fn insert_clients(&mut self, files: &[ClientFile]) -> Result<()> {
        self.insert_clients_noting(files, None)
    }

    /// Store new client files and set one meta value, in one transaction.
    pub(crate) fn insert_clients_noting(
        &mut self,
        files: &[ClientFile],
        meta: Option<(&str, &str)>,
    ) -> Result<()> {
        self.insert_clients_with(files, meta, usize::MAX, &mut |_| true)
    }

    /// New client files and a meta value in one transaction, `chunk` files at a time, asking
    /// `progress` (with the number written so far) before each chunk: when it answers false
    /// nothing is stored.
    pub(crate) fn insert_clients_with(
        &mut self,
        files: &[ClientFile],
        meta: Option<(&str, &str)>,
        chunk: usize,
        progress: &mut dyn FnMut(usize) -> bool,
    ) -> Result<()> {
        let now = self.now();
        let author = self.author.clone();
        let chunk = chunk.max(1);
        let mut batch = self.store.batch()?;
        for (i, part) in files.chunks(chunk).enumerate() {
            if !progress(i * chunk) {
                return Err(CoreError::Stopped);
            }
            insert_in(&mut batch, &self.actor, author.as_deref(), now, part)?;
        }
        progress(files.len());
        if let Some((key, value)) = meta {
            batch.set_meta(key, value)?;
        }
        batch.commit()?;
        Ok(())
    }

    pub(crate) fn load_client_doc(&self, id: &str) -> Result<AutoCommit> {
        let stored = self
            .store
            .load_document(id)
            .map_err(|e| self.missing_client(id, e))?;
        open_client_doc(&stored, &self.actor)
    }

    /// Read one client file.
    pub fn client(&self, id: &str) -> Result<ClientFile> {
        let mut doc = self.load_client_doc(id)?;
        // Migrate a copy in memory: reading never writes.
        migrate_client(&mut doc)?;
        Ok(read_client(&doc)?)
    }

    /// A client file as front ends show it, with its conflicting fields. A file merged into
    /// another shows the survivor (with `redirected_from` set).
    pub fn client_view(&self, id: &str) -> Result<ClientView> {
        // Each document is loaded once: the one asked for, then the survivors it was merged
        // into (merges of merges), at most a few hops.
        let mut current = id.to_string();
        for _ in 0..16 {
            let mut doc = self.load_client_doc(&current)?;
            let conflicts = conflicts::conflicts_in(&doc);
            migrate_client(&mut doc)?;
            let file = read_client(&doc)?;
            if let Some(next) = file.merged_into {
                current = next;
                continue;
            }
            let mut view = ClientView::from_file(&file, self.today());
            view.conflicts = conflicts;
            view.sensitive_visible = self.may_read_sensitive()?;
            if !view.sensitive_visible {
                // Flags an older release wrote into the file, until a reader's laptop moves
                // them: not shown to a role that may not see them.
                view.vulnerabilities
                    .retain(|v| punkt_model::vocab::Vulnerability::is_ordinary_code(v));
            }
            view.vulnerabilities.extend(self.sensitive_flags_of(&file)?);
            view.vulnerabilities.sort();
            view.vulnerabilities.dedup();
            let role = self.role()?;
            view.sections = file
                .sections
                .iter()
                .map(|(id, r)| sections::SectionRefView::of(id, r, role.as_deref()))
                .collect();
            if current != id {
                view.redirected_from = Some(id.to_string());
            }
            return Ok(view);
        }
        Err(CoreError::Invalid(format!(
            "the file {id} is merged in a loop"
        )))
    }

    /// Change a client file: hydrate, let `edit` change it, reconcile, and append the new
    /// changes with the updated index rows — all under the store's write lock, so an edit made
    /// meanwhile by another process is never overwritten.
    pub fn edit_client<F>(&mut self, id: &str, edit: F) -> Result<ClientFile>
    where
        F: FnOnce(&mut ClientFile, IsoDate) -> Result<()>,
    {
        let now = self.now();
        let now_text = self.now_text();
        let today = IsoDate(self.today());
        let actor = self.actor.clone();
        let options = commit_options(self.author.as_deref(), now.timestamp());
        let author = self.author.clone();
        let result = self.store.edit_document(id, &now_text, |stored| {
            // A local edit never adds concurrent values, it can only settle some: a file with
            // none needs no walk of the document to count them.
            let had_conflicts = stored.index_conflicts > 0;
            let mut doc = open_client_doc(&stored, &actor)?;
            let before = doc.get_heads();
            if migrate_client(&mut doc)? {
                // The migration is a change of its own. Hydrating reads the document as of its
                // last change, so with the migration still open the reconcile below would find
                // the document changed under it ("stale heads") and refuse the edit.
                doc.commit_with(commit_options(author.as_deref(), now.timestamp()));
            }
            let mut file = read_client(&doc)?;
            if let Some(into) = &file.merged_into {
                return Err(CoreError::Invalid(format!(
                    "the file {id} was merged into {into}: change that one"
                )));
            }
            let original = file.clone();
            edit(&mut file, today)?;
            if file == original && doc.get_heads() == before {
                return Ok((None, file));
            }
            file.updated_at = now_text.clone();
            autosurgeon::reconcile(&mut doc, &file).map_err(|e| CoreError::Document {
                id: id.to_string(),
                reason: e.to_string(),
            })?;
            doc.commit_with(options);
            let changes = changes_after(&mut doc, &before);
            let update = DocumentUpdate {
                changes,
                heads: heads_bytes(&doc.get_heads()),
                index: Some(
                    if had_conflicts {
                        indexing::client_index_in(&doc, &file)
                    } else {
                        indexing::client_index(&file)
                    }
                    .into(),
                ),
                sync: None,
            };
            Ok((Some(update), file))
        });
        result.map_err(|e| match e {
            CoreError::Store(e) => self.missing_client(id, e),
            e => e,
        })
    }

    /// The error for a client file that could not be loaded: erased, unknown, or the store's.
    pub(crate) fn missing_client(&self, id: &str, e: StoreError) -> CoreError {
        match self.store.tombstone(id) {
            Ok(Some(_)) => CoreError::Erased(id.to_string()),
            _ => unknown_client(id, e),
        }
    }

    /// Other client files with the same normalised names and birth date: likely the same person
    /// entered twice (intake shows them as a warning).
    pub fn likely_same_person(&self, id: &str) -> Result<Vec<ClientSummary>> {
        let file = self.client(id)?;
        let Some(key) = indexing::identity_key(&file) else {
            return Ok(Vec::new());
        };
        Ok(self
            .store
            .clients_with_identity(&key)?
            .into_iter()
            .filter(|c| c.id != id)
            .map(ClientSummary::from)
            .collect())
    }

    /// Files already in the store with the same normalised names and birth date as the person
    /// about to be taken in (intake warns before saving).
    pub fn likely_same_as(&self, input: &ClientInput) -> Result<Vec<ClientSummary>> {
        let file = self.prepare_client(input.clone())?;
        match indexing::identity_key(&file) {
            Some(key) => Ok(views::all(self.store.clients_with_identity(&key)?)),
            None => Ok(Vec::new()),
        }
    }

    /// Set the keys given in `input` on a client file.
    pub fn update_client(&mut self, id: &str, mut input: ClientInput) -> Result<ClientFile> {
        input.default_recorded_by(self.author());
        // Sensitive flags go to the medical section; a laptop whose role does not read it
        // sends the flags it sees, and the ones it does not see stay as they are.
        let sensitive = input.take_sensitive_flags()?;
        let reader = self.may_read_sensitive()?;
        if let Some(flags) = &sensitive {
            self.require_sensitive_reader(flags)?;
        }
        let moving = reader && sensitive.is_some();
        if moving {
            // Check the whole change first: the section is written before the file, and a
            // refusal must leave both as they were.
            let mut probe = self.client(id).map_err(|e| match e {
                CoreError::Store(e) => self.missing_client(id, e),
                e => e,
            })?;
            input
                .clone()
                .apply(&mut probe, false, IsoDate(self.today()))?;
            self.set_sensitive_flags(id, sensitive.as_deref().unwrap_or_default())?;
        }
        self.edit_client(id, |file, today| {
            input.apply(file, false, today)?;
            if moving {
                // The set given is in the section now: none stays in the file.
                file.vulnerabilities.retain(|_, v| !v.flag.is_sensitive());
            }
            Ok(())
        })
    }

    /// Record a consultation. Returns its id.
    pub fn add_consultation(
        &mut self,
        client_id: &str,
        input: ConsultationInput,
    ) -> Result<String> {
        let org = self.organisation().to_string();
        let consultation: Consultation = input.into_consultation(&org)?;
        if let Some(p) = &consultation.project {
            self.check_project(p, consultation.date)?;
        }
        let matter = consultation.matter_id.clone();
        self.add_entry(client_id, matter, |f| &mut f.consultations, consultation)
    }

    /// Add `entry` to one of the file's lists (`list` picks it), under `matter` when it names
    /// one, which must be in the file. Returns the entry's new id.
    pub(crate) fn add_entry<T>(
        &mut self,
        client_id: &str,
        matter: Option<String>,
        list: fn(&mut ClientFile) -> &mut std::collections::BTreeMap<String, T>,
        entry: T,
    ) -> Result<String> {
        let id = new_id();
        let key = id.clone();
        self.edit_client(client_id, move |file, _| {
            if let Some(m) = matter.filter(|m| !file.matters.contains_key(m)) {
                return Err(CoreError::Invalid(format!("no matter {m} in this file")));
            }
            list(file).insert(key, entry);
            Ok(())
        })?;
        Ok(id)
    }
}

/// A stored document as a client file's Automerge document, writing as `actor`.
pub(crate) fn open_client_doc(stored: &StoredDocument, actor: &ActorId) -> Result<AutoCommit> {
    if stored.kind != CLIENT_DOCUMENT_KIND {
        return Err(CoreError::UnknownClient(stored.id.clone()));
    }
    let mut doc = load_automerge(stored)?;
    doc.set_actor(actor.clone());
    Ok(doc)
}

pub(crate) fn unknown_client(id: &str, e: StoreError) -> CoreError {
    match e {
        StoreError::NoDocument(_) => CoreError::UnknownClient(id.to_string()),
        e => e.into(),
    }
}

/// Write new client files into `batch`: each a new document with its index rows.
pub(crate) fn insert_in(
    batch: &mut punkt_store::documents::Batch<'_>,
    actor: &ActorId,
    author: Option<&str>,
    now: DateTime<Utc>,
    files: &[ClientFile],
) -> Result<()> {
    let now_text = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    for f in files {
        let mut doc = AutoCommit::new().with_actor(actor.clone());
        autosurgeon::reconcile(&mut doc, f).map_err(|e| CoreError::Document {
            id: f.id.clone(),
            reason: e.to_string(),
        })?;
        doc.commit_with(commit_options(author, now.timestamp()));
        let heads = heads_bytes(&doc.get_heads());
        let snapshot = doc.save();
        batch.write(
            &DocumentWrite {
                id: &f.id,
                kind: CLIENT_DOCUMENT_KIND,
                owner_org: &f.organisation,
                snapshot: Some(&snapshot),
                changes: Vec::new(),
                heads,
                now: &now_text,
                sync: None,
            },
            Some(&indexing::client_index(f).into()),
        )?;
    }
    Ok(())
}
