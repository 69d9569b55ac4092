//! Punkt's use cases over the encrypted store, by domain: `clients/` (the person's file, its
//! sections, deadlines, search and the board), `intake/` (imports, visits, demo data),
//! `protection/` (GDPR documents, erasure, retention, the organisation's settings),
//! `reports/` (donor reports, activities, consortium counts) and `sync/` (the sync client, keys,
//! sync by file). This file holds only [`Punkt`], the handle on an unlocked store.
//!
//! Architecture invariants:
//! - every change to a client file goes hydrate → change → reconcile → commit, and the new
//!   Automerge changes are appended together with the file's index rows in one transaction
//!   ([`Punkt::edit_client`]);
//! - lists, search, the deadline board and reports read the index only; a document is loaded
//!   only to show or change that one file;
//! - no SQL here (it lives in `punkt-store`), no terminal or window (that is the front ends').

pub mod clients;
mod documents;
pub mod error;
mod input;
pub mod intake;
pub mod protection;
pub mod reports;
pub mod sync;
pub mod views;

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

use automerge::{transaction::CommitOptions, ActorId};
use chrono::{DateTime, NaiveDate, Utc};

use punkt_model::client::CLIENT_DOCUMENT_KIND;
use punkt_model::deadlines::RuleBook;
use punkt_model::schema::{migrate_client, read_client};
use punkt_store::index::IndexRows;
use punkt_store::{KdfParams, Store};

pub use dto::{ClientInput, ClientView, ConsultationInput};
pub use error::{CoreError, Result};

pub use clients::deadlines::{
    compute_deadline_with, BoardEntry, DeadlineRequest, DeadlineStart, RecordedDeadline,
};
pub(crate) use clients::file::{insert_in, open_client_doc};
pub(crate) use documents::{changes_after, heads_bytes, load_automerge, root_text};

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

fn hex_actor(hex_id: &str) -> ActorId {
    // The store wrote this id itself; a damaged one still gives a usable (random) actor.
    match hex::decode(hex_id) {
        Ok(bytes) if !bytes.is_empty() => ActorId::from(bytes),
        _ => ActorId::random(),
    }
}

#[cfg(test)]
mod old_schema_tests {
    use super::*;
    use automerge::AutoCommit;

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
