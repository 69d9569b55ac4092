//! Punkt's use cases over the encrypted store: intake and editing of client files,
//! consultations, deadlines, search, reports, import and demo data.
//!
//! Architecture invariants:
//! - every change to a client file goes hydrate → change → reconcile → commit, and the new
//!   Automerge changes are appended together with the file's index rows in one transaction
//!   ([`Punkt::edit_client`]);
//! - lists, search, the deadline board and reports read the index only; a document is loaded
//!   only to show or change that one file;
//! - no SQL here (it lives in `punkt-store`), no terminal or window (that is the front ends').

pub mod clients;
pub mod error;
pub mod intake;
pub mod protection;
pub mod reports;
pub mod sync;

// The modules by their old, flat names, which front ends and tests use.
pub use clients::{
    attachments, conflicts, drafts, dto, duplicates, history, home, indexing, labels, referrals,
    search, sections, vocabulary,
};
pub use intake::{demo, import, visit};
pub use protection::{access, audit, erase, gdpr_records, organisation, processing, retention};
pub use reports::{activities, consortium, report};
pub use sync::{e2e, keys, org_keys, rule_book, team};

use std::path::Path;

use automerge::{transaction::CommitOptions, ActorId, AutoCommit, ChangeHash};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;

use punkt_model::client::{ClientFile, Consultation, Deadline, CLIENT_DOCUMENT_KIND};
use punkt_model::deadlines::{CountOptions, DueDate, LatestDue, RuleBook};
use punkt_model::schema::{migrate_client, read_client};
use punkt_model::{new_id, IsoDate};
use punkt_store::documents::{DocumentUpdate, DocumentWrite, StoredDocument};
use punkt_store::index::IndexRows;
use punkt_store::{KdfParams, Store, StoreError};

pub use dto::{ClientInput, ClientView, ConsultationInput};
pub use error::{CoreError, Result};

/// Where a user's store lives by default: `~/.local/share/punkt` on Linux, the roaming
/// application data folder on Windows, Application Support on macOS.
pub fn default_data_dir() -> Option<std::path::PathBuf> {
    directories::ProjectDirs::from("org", "Punkt", "punkt").map(|d| d.data_dir().to_path_buf())
}

/// Compaction threshold: a file with this many appended changes gets a fresh snapshot.
pub const COMPACT_AFTER_CHANGES: usize = 64;

/// An unlocked Punkt store and what works on it.
pub struct Punkt {
    pub(crate) store: Store,
    rules: RuleBook,
    pub(crate) actor: ActorId,
    /// A fixed "now" for tests and reproducible runs; the system clock when `None`.
    fixed_now: Option<DateTime<Utc>>,
    /// Who works on this laptop, as their changes name them (the commit message).
    author: Option<String>,
}

const META_AUTHOR: &str = "author";

/// Options for a commit at `time` (seconds) by `author`: the history shows who and when.
pub(crate) fn commit_options(author: Option<&str>, time: i64) -> CommitOptions {
    let options = CommitOptions::default().with_time(time);
    match author {
        Some(a) => options.with_message(a.to_string()),
        None => options,
    }
}

/// One entry of the deadline board.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BoardEntry {
    pub client_id: String,
    pub display_name: String,
    pub deadline_id: String,
    pub rule: String,
    pub from: String,
    pub due: String,
    /// For limits in hours: the hour it ends on the due day.
    pub due_time: Option<String>,
    pub uncertain: bool,
    /// What the deadline is for, when noted (always for one the decision or the court set).
    pub note: Option<String>,
    /// Days from today to the due date (negative when overdue).
    pub days_left: i64,
    pub overdue: bool,
}

/// What starts a deadline's count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeadlineStart {
    /// The event itself (delivery, announcement...): the limit runs from the next day.
    Event,
    /// The first notice of a letter not collected: delivery is deemed 14 days later.
    FirstNotice,
}

/// A deadline to record.
#[derive(Debug, Clone)]
pub struct DeadlineRequest {
    pub rule: String,
    pub start: IsoDate,
    pub start_kind: DeadlineStart,
    pub uncertain: bool,
    /// The latest day the start could be, when it is known only within a range: both
    /// deadlines are shown, the earliest recorded as due.
    pub start_latest: Option<IsoDate>,
    /// The hour of the event, for limits in hours.
    pub time: Option<chrono::NaiveTime>,
    pub matter_id: Option<String>,
    pub note: Option<String>,
    /// For `custom-days`, or a rule the decision sets within a range (voluntary departure):
    /// the limit in days the decision or the court set.
    pub days: Option<u32>,
    /// For `custom-date`: the day the authority or the court named.
    pub due: Option<IsoDate>,
}

impl DeadlineRequest {
    /// A deadline counted from an event on `start`.
    pub fn from_event(rule: &str, start: IsoDate, uncertain: bool) -> Self {
        DeadlineRequest {
            rule: rule.to_string(),
            start,
            start_kind: DeadlineStart::Event,
            uncertain,
            start_latest: None,
            time: None,
            matter_id: None,
            note: None,
            days: None,
            due: None,
        }
    }
}

/// A deadline just recorded.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RecordedDeadline {
    pub id: String,
    pub client_id: String,
    #[serde(flatten)]
    pub due: DueDate,
}

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
    /// Create a store in `dir` and open it.
    pub fn init(dir: &Path, passphrase: &str, organisation: &str) -> Result<Punkt> {
        Self::init_with(dir, passphrase, organisation, KdfParams::default())
    }

    /// As [`Punkt::init`] with chosen key-derivation costs (tests use cheap ones).
    pub fn init_with(
        dir: &Path,
        passphrase: &str,
        organisation: &str,
        kdf: KdfParams,
    ) -> Result<Punkt> {
        let organisation = organisation.trim();
        if organisation.is_empty() {
            return Err(CoreError::Invalid("the organisation name is empty".into()));
        }
        let mut punkt = Self::from_store(Store::create(dir, passphrase, organisation, kdf)?);
        punkt.finish_migrations()?;
        Ok(punkt)
    }

    /// Open and unlock the store in `dir`.
    pub fn open(dir: &Path, passphrase: &str) -> Result<Punkt> {
        let mut punkt = Self::from_store(Store::open(dir, passphrase)?);
        punkt.finish_migrations()?;
        Ok(punkt)
    }

    /// What a store migration left for punkt-core, which can read the documents: after 5 -> 6,
    /// the files with deadlines are reindexed once, so their notes reach the board.
    fn finish_migrations(&mut self) -> Result<()> {
        // After 7 -> 8, every index row is rebuilt (which the 5 -> 6 reindex is part of).
        if self.store.reindex_all_due()? {
            self.rebuild_index()?;
            self.store.reindexed_all()?;
        }

        let Some(ids) = self.store.deadline_reindex_due()? else {
            return Ok(());
        };
        let rows = self.index_rows(&ids)?;
        Ok(self.store.reindexed_deadline_notes(rows)?)
    }

    fn from_store(store: Store) -> Punkt {
        let actor = hex_actor(&store.info().actor_id);
        let author = store.meta_value(META_AUTHOR).ok().flatten();
        let rules = rule_book::book_in_use(Punkt::installed_rule_book(&store));
        Punkt {
            store,
            rules,
            actor,
            fixed_now: None,
            author,
        }
    }

    /// The same store through a second connection, for work that waits on the network (a
    /// sync, a question to the server) while this one goes on serving the person at the
    /// keyboard: both may write, and neither loses the other's changes (see
    /// `punkt_store::Store::open_again`).
    pub fn open_again(&self) -> Result<Punkt> {
        let mut again = Self::from_store(self.store.open_again()?);
        again.fixed_now = self.fixed_now;
        Ok(again)
    }

    /// Read again what this handle keeps from the store (the rule book in use, the author's
    /// name) after another connection may have changed it: a sync that brought a newer rule
    /// book.
    pub fn reload(&mut self) {
        self.author = self.store.meta_value(META_AUTHOR).ok().flatten();
        self.rules = rule_book::book_in_use(Punkt::installed_rule_book(&self.store));
    }

    /// The name this laptop's changes carry (shown in a file's history).
    pub fn author(&self) -> Option<&str> {
        self.author.as_deref()
    }

    /// Set the name this laptop's changes carry; empty clears it.
    pub fn set_author(&mut self, name: &str) -> Result<()> {
        let name = name.trim();
        if name.chars().count() > 120 {
            return Err(CoreError::Invalid(
                "the name is longer than 120 characters".into(),
            ));
        }
        if name.is_empty() {
            self.store.delete_meta(META_AUTHOR)?;
            self.author = None;
        } else {
            self.store.set_meta(META_AUTHOR, name)?;
            self.author = Some(name.to_string());
        }
        Ok(())
    }

    /// Fix the clock (tests, reproducible demo data).
    pub fn set_now(&mut self, now: DateTime<Utc>) {
        self.fixed_now = Some(now);
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.fixed_now.unwrap_or_else(Utc::now)
    }

    /// Today on this computer's calendar (Polish time on the consortium's laptops): a
    /// deadline that ended yesterday must not show as due today between midnight and 2 a.m.
    pub fn today(&self) -> NaiveDate {
        self.now().with_timezone(&chrono::Local).date_naive()
    }

    fn now_text(&self) -> String {
        self.now()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Destroy this store (a revoked device must): see `Store::wipe`.
    pub fn wipe(self) -> Result<()> {
        Ok(self.store.wipe()?)
    }

    pub fn rules(&self) -> &RuleBook {
        &self.rules
    }

    pub fn organisation(&self) -> &str {
        &self.store.info().organisation
    }

    // ---- client files ---------------------------------------------------------------------

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
        let now = self.now();
        let author = self.author.clone();
        let mut batch = self.store.batch()?;
        insert_in(&mut batch, &self.actor, author.as_deref(), now, files)?;
        if let Some((key, value)) = meta {
            batch.set_meta(key, value)?;
        }
        batch.commit()?;
        Ok(())
    }

    fn load_client_doc(&self, id: &str) -> Result<AutoCommit> {
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

    /// The error for a client file that could not be loaded: erased, unknown, or the store's.
    pub(crate) fn missing_client(&self, id: &str, e: StoreError) -> CoreError {
        match self.store.tombstone(id) {
            Ok(Some(_)) => CoreError::Erased(id.to_string()),
            _ => unknown_client(id, e),
        }
    }

    /// Other client files with the same normalised names and birth date: likely the same person
    /// entered twice (intake shows them as a warning).
    pub fn likely_same_person(&self, id: &str) -> Result<Vec<punkt_store::index::ClientSummary>> {
        let file = self.client(id)?;
        let Some(key) = indexing::identity_key(&file) else {
            return Ok(Vec::new());
        };
        Ok(self
            .store
            .clients_with_identity(&key)?
            .into_iter()
            .filter(|c| c.id != id)
            .collect())
    }

    /// Files already in the store with the same normalised names and birth date as the person
    /// about to be taken in (intake warns before saving).
    pub fn likely_same_as(
        &self,
        input: &ClientInput,
    ) -> Result<Vec<punkt_store::index::ClientSummary>> {
        let file = self.prepare_client(input.clone())?;
        match indexing::identity_key(&file) {
            Some(key) => Ok(self.store.clients_with_identity(&key)?),
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
        let cid = new_id();
        let key = cid.clone();
        self.edit_client(client_id, move |file, _| {
            if let Some(m) = &consultation.matter_id {
                if !file.matters.contains_key(m) {
                    return Err(CoreError::Invalid(format!("no matter {m} in this file")));
                }
            }
            file.consultations.insert(key, consultation);
            Ok(())
        })?;
        Ok(cid)
    }

    /// The calculator: when a deadline falls, and why, without recording it.
    pub fn compute_deadline(&self, request: &DeadlineRequest) -> Result<DueDate> {
        compute_deadline_with(&self.rules, request)
    }

    /// Compute and record a deadline on a client file.
    pub fn add_deadline(
        &mut self,
        client_id: &str,
        request: DeadlineRequest,
    ) -> Result<RecordedDeadline> {
        let (deadline, due) = self.deadline_of(&request)?;
        let id = new_id();
        let key = id.clone();
        self.edit_client(client_id, move |file, _| {
            if let Some(m) = &deadline.matter_id {
                if !file.matters.contains_key(m) {
                    return Err(CoreError::Invalid(format!("no matter {m} in this file")));
                }
            }
            file.deadlines.insert(key, deadline);
            Ok(())
        })?;
        Ok(RecordedDeadline {
            id,
            client_id: client_id.to_string(),
            due,
        })
    }

    /// A deadline as recorded, and its due date: counted now, kept as counted.
    pub(crate) fn deadline_of(&self, request: &DeadlineRequest) -> Result<(Deadline, DueDate)> {
        let due = self.compute_deadline(request)?;
        let from: IsoDate = due.from.parse()?;
        let deadline = Deadline {
            rule: request.rule.clone(),
            from,
            uncertain: due.uncertain,
            due: due.due_date,
            due_time: due.due_time.clone(),
            from_time: due.from_time.clone(),
            from_latest: request.start_latest,
            due_latest: due.latest.as_ref().and_then(|l| l.due.parse().ok()),
            rules_version: Some(due.rules_version.clone()),
            matter_id: request.matter_id.clone(),
            note: request.note.clone(),
            done: false,
        };
        Ok((deadline, due))
    }

    /// Mark a deadline as met (or reopen it).
    pub fn set_deadline_done(
        &mut self,
        client_id: &str,
        deadline_id: &str,
        done: bool,
    ) -> Result<()> {
        self.edit_client(client_id, |file, _| {
            let d = file.deadlines.get_mut(deadline_id).ok_or_else(|| {
                CoreError::Invalid(format!("no deadline {deadline_id} in this file"))
            })?;
            d.done = done;
            Ok(())
        })?;
        Ok(())
    }

    /// The deadline board: open deadlines, overdue ones included, due within `within_days` of
    /// today (all when `None`), soonest first.
    pub fn deadline_board(&self, within_days: Option<u32>) -> Result<Vec<BoardEntry>> {
        Ok(self.deadline_board_page(within_days, None)?.0)
    }

    /// The first `limit` entries of the board, and how many there are in all.
    pub fn deadline_board_page(
        &self,
        within_days: Option<u32>,
        limit: Option<usize>,
    ) -> Result<(Vec<BoardEntry>, u64)> {
        let today = self.today();
        let until = within_days.map(|d| (today + Duration::days(i64::from(d))).to_string());
        let rows = self.store.open_deadlines(until.as_deref(), limit)?;
        let total = match limit {
            Some(l) if rows.len() >= l => self.store.count_open_deadlines(until.as_deref())?,
            _ => rows.len() as u64,
        };
        let entries = self.board_entries(rows, today);
        Ok((entries, total))
    }

    fn board_entries(
        &self,
        rows: Vec<punkt_store::index::BoardDeadline>,
        today: NaiveDate,
    ) -> Vec<BoardEntry> {
        rows.into_iter()
            .map(|b| {
                let due = NaiveDate::parse_from_str(&b.row.due, "%Y-%m-%d").unwrap_or(today);
                let days_left = (due - today).num_days();
                BoardEntry {
                    client_id: b.client_id,
                    display_name: b.display_name,
                    deadline_id: b.row.id,
                    rule: b.row.rule,
                    from: b.row.from_date,
                    due: b.row.due,
                    due_time: b.row.due_time,
                    uncertain: b.row.uncertain,
                    note: b.row.note,
                    days_left,
                    overdue: days_left < 0,
                }
            })
            .collect()
    }

    // ---- maintenance ----------------------------------------------------------------------

    /// Rebuild the whole index from the documents, one document at a time.
    pub fn rebuild_index(&mut self) -> Result<u64> {
        let ids = self.store.document_ids(CLIENT_DOCUMENT_KIND)?;
        let mut rows: Vec<IndexRows> = self
            .index_rows(&ids)?
            .into_iter()
            .map(IndexRows::from)
            .collect();
        for id in self
            .store
            .document_ids(punkt_model::activity::GROUP_ACTIVITY_KIND)?
        {
            let doc = load_automerge(&self.store.load_document(&id)?)?;
            rows.push(activities::activity_index(&doc, &id)?);
        }
        let medical = punkt_sync::access::section_kind(punkt_sync::access::SENSITIVE_FLAGS_SECTION);
        for id in self.store.document_ids(&medical)? {
            let doc = load_automerge(&self.store.load_document(&id)?)?;
            rows.push(sections::section_index(&doc, &id)?);
        }
        Ok(self.store.rebuild_index(rows)?)
    }

    /// The index rows of client files `ids`, read from their documents (migrated in memory).
    fn index_rows(&self, ids: &[String]) -> Result<Vec<punkt_store::index::ClientIndex>> {
        ids.iter()
            .map(|id| {
                let mut doc = self.load_client_doc(id)?;
                migrate_client(&mut doc)?;
                Ok(indexing::client_index_in(&doc, &read_client(&doc)?))
            })
            .collect()
    }

    /// Give files with many appended changes a fresh snapshot. Returns how many were compacted.
    pub fn compact(&mut self, min_changes: usize) -> Result<usize> {
        let ids = self.store.documents_to_compact(min_changes)?;
        for id in &ids {
            let actor = self.actor.clone();
            self.store
                .compact_document(id, |stored| -> Result<Vec<u8>> {
                    Ok(open_client_doc(&stored, &actor)?.save())
                })?;
        }
        Ok(ids.len())
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

fn hex_actor(hex_id: &str) -> ActorId {
    // The store wrote this id itself; a damaged one still gives a usable (random) actor.
    match hex::decode(hex_id) {
        Ok(bytes) if !bytes.is_empty() => ActorId::from(bytes),
        _ => ActorId::random(),
    }
}

/// The due date of `request` under `rules`: a rule of the book, or a limit the decision or the
/// court set (`custom-days`, `custom-date`, which need a note). What the calculator, the
/// `punkt deadline compute` command (no store needed) and recording a deadline all use. When
/// the start is known only within a range, the deadline from its latest day comes too.
pub fn compute_deadline_with(rules: &RuleBook, request: &DeadlineRequest) -> Result<DueDate> {
    let start = request.start.plausible()?;
    let latest = match request.start_latest {
        None => return compute_one(rules, request, start, request.uncertain),
        Some(l) => l.plausible().map_err(|e| {
            CoreError::Model(punkt_model::ModelError::field(
                "start_latest",
                e.to_string(),
            ))
        })?,
    };
    if latest.0 < start.0 {
        return Err(CoreError::Model(punkt_model::ModelError::field(
            "start_latest",
            format!("{latest} is before the earliest possible start ({start})"),
        )));
    }
    let mut due = compute_one(rules, request, start, true)?;
    if latest != start {
        let last = compute_one(rules, request, latest, true)?;
        due.explanation.push_str(&format!(
            "; from the latest possible start {} it is {}{}",
            last.from,
            last.due,
            last.due_time
                .as_deref()
                .map(|t| format!(" {t}"))
                .unwrap_or_default()
        ));
        due.latest = Some(LatestDue {
            from: last.from,
            due: last.due,
            due_time: last.due_time,
        });
    }
    Ok(due)
}

fn compute_one(
    rules: &RuleBook,
    request: &DeadlineRequest,
    start: IsoDate,
    uncertain: bool,
) -> Result<DueDate> {
    use punkt_model::deadlines::{fixed_due, from_notice, CUSTOM_DATE, CUSTOM_DAYS};
    let custom = request.rule == CUSTOM_DAYS || request.rule == CUSTOM_DATE;
    if custom && request.note.as_deref().is_none_or(|n| n.trim().is_empty()) {
        return Err(CoreError::Model(punkt_model::ModelError::field(
            "note",
            "say what this deadline is for",
        )));
    }
    let options = CountOptions {
        uncertain,
        time: request.time,
        days: request.days,
    };
    let missing = |field: &str, what: &str| {
        CoreError::Model(punkt_model::ModelError::field(field, what.to_string()))
    };
    Ok(match (request.rule.as_str(), request.start_kind) {
        (CUSTOM_DATE, DeadlineStart::FirstNotice) => {
            return Err(missing(
                "first_notice",
                "a named day does not run from a deemed delivery: give the day the letter came",
            ))
        }
        (CUSTOM_DATE, DeadlineStart::Event) => {
            let due = request
                .due
                .ok_or_else(|| missing("due", "the day the authority or court set"))?;
            let due = due
                .plausible()
                .map_err(|e| missing("due", &e.to_string()))?;
            fixed_due(rules, start, due, uncertain)?
        }
        (CUSTOM_DAYS, kind) => {
            let days = request
                .days
                .ok_or_else(|| missing("days", "the limit in days the decision set"))?;
            let count = |from| rules.compute_days(days, from, &options);
            match kind {
                DeadlineStart::Event => count(start)?,
                DeadlineStart::FirstNotice => from_notice(start, count)?,
            }
        }
        (rule, DeadlineStart::Event) => rules.compute(rule, start, &options)?,
        (rule, DeadlineStart::FirstNotice) => rules.compute_from_notice(rule, start, &options)?,
    })
}

#[cfg(test)]
mod old_schema_tests {
    use super::*;

    /// A file written by an older release (client schema 2, a demo file made by the first
    /// release: no `sections`, no `referrals`) is migrated by its first edit, in the same write,
    /// and the edit is kept. Before the migration was committed apart, this edit failed with
    /// "the data to be reconciled is stale".
    #[test]
    fn a_file_of_an_older_schema_is_migrated_by_its_first_edit() {
        let dir = tempfile::tempdir().unwrap();
        let fast = KdfParams {
            m_kib: 1024,
            t: 1,
            p: 1,
        };
        let mut p = Punkt::init_with(&dir.path().join("s"), "pass phrase 1", "Org", fast).unwrap();
        let bytes = include_bytes!("../tests/data/client-schema2.automerge");
        let mut doc = AutoCommit::load(bytes).unwrap();
        assert_eq!(punkt_model::schema::schema_version(&doc).unwrap(), 2);
        let id = "01m81r0ca602y4ga02zdjzf4q9";
        p.store_new_document(
            id,
            CLIENT_DOCUMENT_KIND,
            "Fundacja Pomocy Prawnej",
            &mut doc,
        )
        .unwrap();

        p.update_client(
            id,
            ClientInput::from_json(r#"{"contact":{"phone":"+48 600 000 000"}}"#).unwrap(),
        )
        .unwrap();
        let edited = p.client(id).unwrap();
        assert_eq!(
            edited.schema_version,
            punkt_model::client::CLIENT_SCHEMA_VERSION
        );
        assert_eq!(
            edited.person.contact.phone.as_deref(),
            Some("+48 600 000 000")
        );
        assert_eq!(edited.person.family_name, "Vasilevskii");
        // And the next edit needs no migration.
        p.update_client(
            id,
            ClientInput::from_json(r#"{"given_names":"Tatiana Ivanivna"}"#).unwrap(),
        )
        .unwrap();
    }
}
