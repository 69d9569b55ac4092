//! Punkt's encrypted local store.
//!
//! One SQLCipher database per laptop holds every Automerge document (its compacted bytes plus
//! the incremental changes appended since) and the index derived from them: clients, matters,
//! consultations, deadlines, search keys and an FTS5 table. The index is written in the same
//! transaction as the change it derives from.
//!
//! Architecture invariants:
//! - all SQL of the desktop and the CLI lives in this crate;
//! - the store never hydrates domain structs: it stores bytes and the plain index rows that
//!   `punkt-core` derives from documents ([`index::ClientIndex`]);
//! - nothing personal reaches the disk unencrypted: the database and its WAL are encrypted by
//!   SQLCipher, temporary tables and sorts stay in memory (`temp_store = MEMORY`), deleted pages
//!   are overwritten (`secure_delete`), and the only plaintext file, the key file, holds no
//!   personal data.

pub mod documents;
pub mod erase;
pub mod error;
pub mod events;
pub mod index;
pub mod keyfile;
pub mod keys;
pub mod sealed;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{params, Connection, OpenFlags, OptionalExtension};

pub use error::{Result, StoreError};
pub use keyfile::KdfParams;

/// The schema version of the database this build writes.
pub const STORE_SCHEMA_VERSION: i64 = 8;

/// Migrations from each older schema version to the next: `MIGRATIONS[v - 1]` takes a store of
/// version `v` to `v + 1`. A new store gets `schema.sql` (version 1) and then all of them, so
/// new and migrated stores are built by the same statements.
const MIGRATIONS: &[&str] = &[
    // 1 -> 2: sync bookkeeping. `synced_seq` is the `local_seq` the server last confirmed; a
    // document is waiting to go when `local_seq > synced_seq` (a partial index keeps that cheap).
    "ALTER TABLE documents ADD COLUMN server_heads BLOB;
     ALTER TABLE documents ADD COLUMN synced_seq INTEGER NOT NULL DEFAULT 0;
     CREATE INDEX documents_pending ON documents(local_seq) WHERE local_seq > synced_seq;",
    // 2 -> 3: files with unsettled concurrent values, for the desktop's home screen.
    "ALTER TABLE clients ADD COLUMN conflicts INTEGER NOT NULL DEFAULT 0;
     CREATE INDEX clients_conflicts ON clients(updated_at) WHERE conflicts > 0;",
    // 3 -> 4: erasure. A tombstone per erased document (its id only: nothing personal), sent
    // to the server until `synced`; merged-away files and their survivor, so erasing a person
    // erases the files merged into theirs too. Files merged before this version are listed
    // when next written or when the index is rebuilt.
    "CREATE TABLE tombstones (
        id        TEXT PRIMARY KEY,
        erased_at TEXT NOT NULL,
        synced    INTEGER NOT NULL DEFAULT 0
     ) WITHOUT ROWID;
     CREATE TABLE merged_files (
        id      TEXT PRIMARY KEY,
        into_id TEXT NOT NULL
     ) WITHOUT ROWID;
     CREATE INDEX merged_files_into ON merged_files(into_id);",
    // 4 -> 5: what was done here that the server's audit log should hold (exports, merges,
    // retention runs), sent with the next sync. Ids and short descriptions only: no names.
    // Anonymised files (what a retention rule leaves of a closed file) are marked in the index
    // so the rule passes them over.
    "CREATE TABLE local_events (
        seq     INTEGER PRIMARY KEY,
        id      TEXT NOT NULL UNIQUE,
        at      TEXT NOT NULL,
        action  TEXT NOT NULL,
        doc_id  TEXT,
        detail  TEXT NOT NULL,
        synced  INTEGER NOT NULL DEFAULT 0
     );
     CREATE INDEX local_events_unsynced ON local_events(seq) WHERE synced = 0;
     CREATE INDEX local_events_doc ON local_events(doc_id);
     ALTER TABLE clients ADD COLUMN anonymised INTEGER NOT NULL DEFAULT 0;",
    // 5 -> 6: a deadline's note on the board (what a deadline the decision or the court set is
    // for). Deadlines indexed before have none until their file is written or reindexed.
    "ALTER TABLE deadlines ADD COLUMN note TEXT;
     INSERT OR REPLACE INTO meta(key, value) VALUES ('reindex_deadline_notes', '1');",
    // 6 -> 7: end-to-end encryption's keys (docs/e2e.md), inside the encrypted database only:
    // the scope keys this laptop was given or made (per organisation, scope and epoch), and
    // each document's key. An erasure deletes the document's key with it.
    "CREATE TABLE scope_keys (
        org    TEXT NOT NULL,
        scope  TEXT NOT NULL,
        epoch  INTEGER NOT NULL,
        key    BLOB NOT NULL,
        PRIMARY KEY (org, scope, epoch)
     ) WITHOUT ROWID;
     CREATE TABLE doc_keys (
        doc_id TEXT PRIMARY KEY,
        key    BLOB NOT NULL
     ) WITHOUT ROWID;",
    // 7 -> 8: donor reports (issue 14). A consultation's project and the person's first
    // language beside each service; each person's vulnerability flags, and apart, the sensitive
    // ones a restricted section holds (on laptops whose role reads it); group activities, one
    // row per activity document; a deadline's hour on the board. Every index row is rebuilt
    // once from the documents (`Store::reindex_all_due`).
    "ALTER TABLE consultation_services ADD COLUMN project TEXT;
     ALTER TABLE consultation_services ADD COLUMN language TEXT;
     ALTER TABLE deadlines ADD COLUMN due_time TEXT;
     CREATE TABLE client_vulnerabilities (
        client_id   TEXT NOT NULL,
        flag        TEXT NOT NULL,
        recorded_on TEXT,
        PRIMARY KEY (client_id, flag)
     ) WITHOUT ROWID;
     CREATE TABLE group_activities (
        id               TEXT PRIMARY KEY,
        organisation     TEXT NOT NULL,
        kind             TEXT NOT NULL,
        date             TEXT NOT NULL,
        place_kind       TEXT NOT NULL,
        place            TEXT NOT NULL,
        project          TEXT,
        topic            TEXT NOT NULL,
        participants     INTEGER NOT NULL,
        female           INTEGER,
        male             INTEGER,
        children         INTEGER,
        duration_minutes INTEGER
     ) WITHOUT ROWID;
     CREATE INDEX group_activities_date ON group_activities(date);
     CREATE TABLE client_sensitive_flags (
        section_id  TEXT NOT NULL,
        client_id   TEXT NOT NULL,
        flag        TEXT NOT NULL,
        recorded_on TEXT,
        PRIMARY KEY (section_id, flag)
     ) WITHOUT ROWID;
     CREATE INDEX client_sensitive_flags_client ON client_sensitive_flags(client_id);
     INSERT OR REPLACE INTO meta(key, value) VALUES ('reindex_all', '1');",
];

/// Set by the 7 -> 8 migration: every index row is rebuilt once from the documents, so the
/// columns it added are filled (`Store::reindex_all_due`).
pub const META_REINDEX_ALL: &str = "reindex_all";

/// Set by the 5 -> 6 migration: the files with deadlines are reindexed once, so the notes of
/// deadlines recorded before reach the board (`Store::take_deadline_reindex`).
pub const META_REINDEX_DEADLINE_NOTES: &str = "reindex_deadline_notes";

fn migrate(conn: &Connection, from: i64) -> Result<()> {
    for (i, sql) in MIGRATIONS.iter().enumerate() {
        let version = i as i64 + 1;
        if version < from {
            continue;
        }
        let tx = conn.unchecked_transaction()?;
        tx.execute_batch(sql)?;
        tx.execute(
            "UPDATE meta SET value = ?1 WHERE key = 'schema_version'",
            [(version + 1).to_string()],
        )?;
        tx.commit()?;
    }
    Ok(())
}

/// Files exported from the store (a JSON array of paths), removed by a wipe.
const META_EXPORTS: &str = "exported_files";
const DB_FILE: &str = "punkt.db";
const KEY_FILE: &str = "punkt.key";
/// A key rotation's re-encrypted copy and new key file, until they replace the originals.
const REKEY_DB_FILE: &str = "punkt.db.rekey";
const NEW_KEY_FILE: &str = "punkt.key.new";

/// Where a key rotation is ([`Store::rotate_key`]): `unlock`, `reencrypt` (the database's
/// `bytes`), `key_file`, `done`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct KeyRotation {
    pub phase: &'static str,
    pub bytes: u64,
}

impl KeyRotation {
    fn phase(phase: &'static str, bytes: u64) -> Self {
        KeyRotation { phase, bytes }
    }
}

/// Fill `buf` from the operating system's random source (keys, salts, nonces, ids).
pub fn os_random(buf: &mut [u8]) {
    use rand::TryRng;
    rand::rngs::SysRng
        .try_fill_bytes(buf)
        .expect("the operating system gives no random bytes");
}

/// Overwrite the file at `path`, if there is one, with zeros of its length (before removing
/// it: what the file system frees may otherwise still hold the bytes).
fn overwrite(path: &Path) {
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = std::fs::write(path, vec![0u8; meta.len() as usize]);
    }
}

/// Flush a directory's entries (the renames of a key rotation) to disk.
fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Open the database with the key file's key; if that fails and a key rotation left
/// `punkt.key.new` (a crash between its two renames), open it with that and finish the
/// rotation.
fn open_or_finish_rotation(dir: &Path, passphrase: &str) -> Result<(Connection, keyfile::DataKey)> {
    let new_kp = dir.join(NEW_KEY_FILE);
    let first = keyfile::unlock(&key_path(dir), passphrase)
        .and_then(|key| Ok((open_connection(&db_path(dir), &key, false)?, key)));
    match first {
        // Leftovers of a rotation that never replaced the database stay until the next
        // rotation or a wipe: removing them here could race a rotation running in another
        // process (the app and the `punkt` command share a store).
        Ok(opened) => Ok(opened),
        Err(e) if new_kp.exists() => {
            let Ok(key) = keyfile::unlock(&new_kp, passphrase) else {
                return Err(e);
            };
            let conn = open_connection(&db_path(dir), &key, false).map_err(|_| e)?;
            std::fs::rename(&new_kp, key_path(dir))?;
            sync_dir(dir);
            Ok((conn, key))
        }
        Err(e) => Err(e),
    }
}

/// What the store knows about itself.
#[derive(Debug, Clone)]
pub struct StoreInfo {
    pub store_id: String,
    pub organisation: String,
    /// This device's Automerge actor id (hex).
    pub actor_id: String,
    pub created_at: String,
    pub path: PathBuf,
}

/// An open, unlocked store.
pub struct Store {
    conn: Connection,
    info: StoreInfo,
    /// The data key, for a second connection ([`Store::open_again`]); wiped when dropped.
    key: keyfile::DataKey,
}

fn db_path(dir: &Path) -> PathBuf {
    dir.join(DB_FILE)
}

fn key_path(dir: &Path) -> PathBuf {
    dir.join(KEY_FILE)
}

fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn random_hex(n: usize) -> String {
    let mut b = vec![0u8; n];
    os_random(&mut b);
    hex::encode(b)
}

impl Store {
    /// True when `dir` holds a store (its key file and database).
    pub fn exists(dir: &Path) -> bool {
        key_path(dir).is_file() && db_path(dir).is_file()
    }

    /// Create a new store in `dir` for `organisation`.
    pub fn create(
        dir: &Path,
        passphrase: &str,
        organisation: &str,
        kdf: KdfParams,
    ) -> Result<Store> {
        if key_path(dir).exists() {
            return Err(StoreError::AlreadyExists(dir.display().to_string()));
        }
        if db_path(dir).exists() {
            // A database without its key file: an init that crashed before its last step (the
            // key file is written last), or a store whose key file was lost — unreadable
            // either way, and never overwritten silently.
            return Err(StoreError::Corrupt(format!(
                "{} has no key file beside it: it cannot be opened; move it away to create a new store",
                db_path(dir).display()
            )));
        }
        keyfile::check_strength(passphrase)?;
        std::fs::create_dir_all(dir)?;
        restrict_permissions(dir, 0o700);
        let key = keyfile::DataKey::random();
        // The database first, the key file last: a store "exists" only with both, so a crash
        // in between leaves something `create` can clean up, never a store that half opens.
        let created = (|| -> Result<Store> {
            let conn = open_connection(&db_path(dir), &key, true)?;
            restrict_permissions(&db_path(dir), 0o600);
            conn.execute_batch(include_str!("schema.sql"))?;
            let info = StoreInfo {
                store_id: random_hex(16),
                organisation: organisation.to_string(),
                actor_id: random_hex(16),
                created_at: now_rfc3339(),
                path: dir.to_path_buf(),
            };
            for (k, v) in [
                ("schema_version", "1".to_string()),
                ("store_id", info.store_id.clone()),
                ("organisation", info.organisation.clone()),
                ("actor_id", info.actor_id.clone()),
                ("created_at", info.created_at.clone()),
                ("local_seq", "0".to_string()),
            ] {
                conn.execute(
                    "INSERT INTO meta(key, value) VALUES (?1, ?2)",
                    params![k, v],
                )?;
            }
            migrate(&conn, 1)?;
            keyfile::write(&key_path(dir), passphrase, &key, kdf)?;
            restrict_permissions(&key_path(dir), 0o600);
            Ok(Store {
                conn,
                info,
                key: key.clone(),
            })
        })();
        if created.is_err() {
            // Leave nothing half-made behind.
            for f in [KEY_FILE, DB_FILE, "punkt.db-wal", "punkt.db-shm"] {
                let _ = std::fs::remove_file(dir.join(f));
            }
        }
        created
    }

    /// Open and unlock the store in `dir`.
    pub fn open(dir: &Path, passphrase: &str) -> Result<Store> {
        if !Store::exists(dir) {
            return Err(StoreError::NoStore(dir.display().to_string()));
        }
        let (conn, key) = open_or_finish_rotation(dir, passphrase)?;
        let meta = |k: &str| -> Result<String> {
            conn.query_row("SELECT value FROM meta WHERE key = ?1", [k], |r| r.get(0))
                .optional()?
                .ok_or_else(|| StoreError::Corrupt(format!("meta '{k}' missing")))
        };
        let version: i64 = meta("schema_version")?
            .parse()
            .map_err(|_| StoreError::Corrupt("schema_version is not a number".into()))?;
        if version > STORE_SCHEMA_VERSION {
            return Err(StoreError::TooNew {
                found: version,
                supported: STORE_SCHEMA_VERSION,
            });
        }
        if version < STORE_SCHEMA_VERSION {
            migrate(&conn, version)?;
        }
        let info = StoreInfo {
            store_id: meta("store_id")?,
            organisation: meta("organisation")?,
            actor_id: meta("actor_id")?,
            created_at: meta("created_at")?,
            path: dir.to_path_buf(),
        };
        Ok(Store { conn, info, key })
    }

    /// Every row of `sql` with `params`, each made into a `T` by `row`.
    pub(crate) fn rows<T, P: rusqlite::Params>(
        &self,
        sql: &str,
        params: P,
        row: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>> {
        let mut st = self.conn.prepare_cached(sql)?;
        let rows = st.query_map(params, row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// A second connection to this open store, with the same key and nothing to migrate: for
    /// work that waits on the network (a sync) while the first one goes on serving the person
    /// at the keyboard. Writes of both take turns by SQLite's write lock; every edit reads and
    /// writes in one `BEGIN IMMEDIATE` transaction ([`Store::edit_document`]), so neither
    /// loses the other's changes (the same rule that lets the app and the `punkt` command share
    /// a store). Fails if the store was re-keyed or removed since.
    pub fn open_again(&self) -> Result<Store> {
        let conn = open_connection(&db_path(&self.info.path), &self.key, false)?;
        Ok(Store {
            conn,
            info: self.info.clone(),
            key: self.key.clone(),
        })
    }

    /// After the 7 -> 8 migration: the whole index is to be rebuilt from the documents.
    pub fn reindex_all_due(&self) -> Result<bool> {
        Ok(self.meta_value(META_REINDEX_ALL)?.is_some())
    }

    /// The whole index was rebuilt: clear the flags that asked for it.
    pub fn reindexed_all(&mut self) -> Result<()> {
        self.conn.execute(
            "DELETE FROM meta WHERE key IN (?1, ?2)",
            [META_REINDEX_ALL, META_REINDEX_DEADLINE_NOTES],
        )?;
        Ok(())
    }

    /// After the 5 -> 6 migration: the files whose deadlines must be reindexed (once; the flag
    /// is cleared by `reindexed_deadline_notes`).
    pub fn deadline_reindex_due(&self) -> Result<Option<Vec<String>>> {
        if self.meta_value(META_REINDEX_DEADLINE_NOTES)?.is_none() {
            return Ok(None);
        }
        let ids = self
            .conn
            .prepare("SELECT DISTINCT client_id FROM deadlines ORDER BY client_id")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(Some(ids))
    }

    /// Replace these files' index rows, and clear the reindex flag, in one transaction.
    pub fn reindexed_deadline_notes(&mut self, rows: Vec<index::ClientIndex>) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        for r in &rows {
            index::replace_client_rows(&tx, r)?;
        }
        tx.execute(
            "DELETE FROM meta WHERE key = ?1",
            [META_REINDEX_DEADLINE_NOTES],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Replace the passphrase: only the key file is rewritten, the database stays as it is.
    pub fn change_passphrase(dir: &Path, old: &str, new: &str) -> Result<()> {
        if !Store::exists(dir) {
            return Err(StoreError::NoStore(dir.display().to_string()));
        }
        let kp = key_path(dir);
        let key = keyfile::unlock(&kp, old)?;
        let params = keyfile::params_of(&kp)?;
        keyfile::write(&kp, new, &key, params)
    }

    /// Replace the passphrase *and* the data key: the whole database is re-encrypted under a
    /// new random key, so a copy of the old key file, even with the old passphrase, no longer
    /// opens the store. The store must not be open elsewhere (the app closes its session; the
    /// `punkt` command must not run meanwhile). `progress` hears each phase.
    ///
    /// Crash-safe: the re-encrypted copy and the new key file (`punkt.key.new`) are written
    /// beside the store first; then the copy replaces the database and the new key file the
    /// old one. A crash between those two renames leaves a database only the new key opens,
    /// and [`Store::open`] then takes `punkt.key.new` and finishes the rotation.
    pub fn rotate_key(
        dir: &Path,
        old: &str,
        new: &str,
        progress: &mut dyn FnMut(KeyRotation),
    ) -> Result<()> {
        if !Store::exists(dir) {
            return Err(StoreError::NoStore(dir.display().to_string()));
        }
        keyfile::check_strength(new)?;
        let kp = key_path(dir);
        progress(KeyRotation::phase("unlock", 0));
        let old_key = keyfile::unlock(&kp, old)?;
        let params = keyfile::params_of(&kp)?;
        let conn = open_connection(&db_path(dir), &old_key, false)?;
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        let bytes = std::fs::metadata(db_path(dir))
            .map(|m| m.len())
            .unwrap_or(0);
        let copy = dir.join(REKEY_DB_FILE);
        let _ = std::fs::remove_file(&copy);
        // An empty file is an empty database to SQLite; made here, it is the owner's alone (the
        // store's connection may not create files).
        std::fs::File::create(&copy)?;
        restrict_permissions(&copy, 0o600);
        let new_key = keyfile::DataKey::random();
        progress(KeyRotation::phase("reencrypt", bytes));
        {
            let attach = zeroize::Zeroizing::new(format!(
                "ATTACH DATABASE ?1 AS rekeyed KEY \"{}\"",
                new_key.sqlcipher_literal().as_str()
            ));
            conn.execute(&attach, [copy.to_string_lossy()])?;
            conn.query_row("SELECT sqlcipher_export('rekeyed')", [], |_| Ok(()))?;
            conn.execute("DETACH DATABASE rekeyed", [])?;
        }
        drop(conn);
        {
            // The copy opens with the new key and holds the store.
            let c = open_connection(&copy, &new_key, false)?;
            let _: String =
                c.query_row("SELECT value FROM meta WHERE key = 'store_id'", [], |r| {
                    r.get(0)
                })?;
            c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        }
        for f in [
            format!("{REKEY_DB_FILE}-wal"),
            format!("{REKEY_DB_FILE}-shm"),
        ] {
            let _ = std::fs::remove_file(dir.join(f));
        }
        progress(KeyRotation::phase("key_file", bytes));
        let new_kp = dir.join(NEW_KEY_FILE);
        keyfile::write(&new_kp, new, &new_key, params)?;
        restrict_permissions(&new_kp, 0o600);
        for f in ["punkt.db-wal", "punkt.db-shm"] {
            let _ = std::fs::remove_file(dir.join(f));
        }
        std::fs::rename(&copy, db_path(dir))?;
        sync_dir(dir);
        std::fs::rename(&new_kp, &kp)?;
        sync_dir(dir);
        progress(KeyRotation::phase("done", bytes));
        Ok(())
    }

    pub fn info(&self) -> &StoreInfo {
        &self.info
    }

    /// Bytes of the store's files on disk (database, WAL, key file).
    pub fn disk_bytes(&self) -> u64 {
        let dir = &self.info.path;
        [DB_FILE, "punkt.db-wal", "punkt.db-shm", KEY_FILE]
            .iter()
            .filter_map(|f| std::fs::metadata(dir.join(f)).ok())
            .map(|m| m.len())
            .sum()
    }

    /// Fold the WAL back into the database file (for measurements and before copying the store).
    pub fn checkpoint(&self) -> Result<()> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// A value of the store's own bookkeeping (`meta` table).
    pub fn meta_value(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    /// Set a value of the store's own bookkeeping.
    pub fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    /// Change the organisation new files are made for (when a device is enrolled into one).
    pub fn set_organisation(&mut self, organisation: &str) -> Result<()> {
        self.set_meta("organisation", organisation)?;
        self.info.organisation = organisation.to_string();
        Ok(())
    }

    /// Remove a bookkeeping value.
    pub fn delete_meta(&self, key: &str) -> Result<()> {
        self.conn
            .execute("DELETE FROM meta WHERE key = ?1", [key])?;
        Ok(())
    }

    /// Destroy the store in `dir`: the key file is overwritten and removed first (without it
    /// the database can never be decrypted again), then the database and its WAL. For a
    /// device that was revoked, or a person's explicit wish.
    pub fn wipe(self) -> Result<()> {
        let dir = self.info.path.clone();
        let exports = self.exported_files().unwrap_or_default();
        drop(self);
        // What was exported from this store outside it (access requests with the person's
        // documents, reports) goes too: overwritten, then removed.
        for f in exports {
            overwrite(Path::new(&f));
            let _ = std::fs::remove_file(&f);
        }
        overwrite(&key_path(&dir));
        for f in [
            KEY_FILE,
            DB_FILE,
            "punkt.db-wal",
            "punkt.db-shm",
            NEW_KEY_FILE,
            REKEY_DB_FILE,
        ] {
            match std::fs::remove_file(dir.join(f)) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
                _ => {}
            }
        }
        Ok(())
    }

    /// Note a file written outside the store from its contents (an access request, a report),
    /// so that [`Store::wipe`] removes it with the store.
    pub fn record_export(&self, path: &Path) -> Result<()> {
        let mut files = self.exported_files()?;
        if files.insert(path.display().to_string()) {
            erase::set_meta_set(&self.conn, META_EXPORTS, &files)?;
        }
        Ok(())
    }

    /// The files exported from this store that a wipe removes.
    pub fn exported_files(&self) -> Result<std::collections::BTreeSet<String>> {
        erase::meta_set(&self.conn, META_EXPORTS)
    }

    /// Run SQLite's integrity check; `Ok(())` when the database is sound.
    pub fn integrity_check(&self) -> Result<()> {
        let r: String = self
            .conn
            .query_row("PRAGMA quick_check", [], |r| r.get(0))?;
        if r == "ok" {
            Ok(())
        } else {
            Err(StoreError::Corrupt(r))
        }
    }

    /// The next store-wide write sequence number (bumped inside the caller's transaction).
    pub(crate) fn next_seq(tx: &rusqlite::Transaction<'_>) -> Result<i64> {
        let seq: i64 = tx.query_row(
            "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'local_seq' RETURNING CAST(value AS INTEGER)",
            [],
            |r| r.get(0),
        )?;
        Ok(seq)
    }
}

/// Owner-only access to the store's directory and files (on Unix).
fn restrict_permissions(path: &Path, mode: u32) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode));
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
}

/// SQLCipher sets up its crypto provider the first time a key is used. Two threads doing that
/// at once can fail with "An error occurred with PRAGMA key or rekey" (seen once in the test
/// suite, whose tests open stores on several threads at the same moment): key one in-memory
/// connection, once, before any real store is opened.
fn sqlcipher_ready() {
    static READY: std::sync::Once = std::sync::Once::new();
    READY.call_once(|| {
        if let Ok(c) = Connection::open_in_memory() {
            let _ = c.execute_batch(
                "PRAGMA cipher_log_level = NONE;
                 PRAGMA key = \"x'0000000000000000000000000000000000000000000000000000000000000000'\";
                 SELECT count(*) FROM sqlite_master;",
            );
        }
    });
}

/// Turn on SQLCipher's memory security for the rest of this process: every allocation it
/// frees (decrypted pages, key material) is wiped, and its memory is locked out of swap. It
/// costs a first sync of 10,000 files about three times the time (docs/benchmarks.md), so it
/// is off by default and a setting for laptops that go into the closed centres; SQLCipher
/// cannot turn it off again before the process ends. Without it, Punkt still zeroes the key
/// material it holds itself, and a locked app drops the store and every document it read.
pub fn harden_memory() -> Result<()> {
    sqlcipher_ready();
    Connection::open_in_memory()?.execute_batch("PRAGMA cipher_memory_security = ON;")?;
    Ok(())
}

/// Whether SQLCipher's memory security is on in this process ([`harden_memory`]).
pub fn memory_hardened() -> Result<bool> {
    sqlcipher_ready();
    let on: String =
        Connection::open_in_memory()?.query_row("PRAGMA cipher_memory_security", [], |r| {
            r.get::<_, rusqlite::types::Value>(0).map(|v| match v {
                rusqlite::types::Value::Integer(i) => i.to_string(),
                rusqlite::types::Value::Text(t) => t,
                _ => String::new(),
            })
        })?;
    Ok(on == "1" || on.eq_ignore_ascii_case("on"))
}

/// For the erasure tests only: stores created or opened on this thread while the guard
/// `plaintext_stores()` returns is alive are plain SQLite files (no `PRAGMA key`), everything
/// else alike, so a search of their bytes for a name finds what deletion left, not ciphertext.
/// Per thread, so the other tests of the same test binary (each on its own thread) keep real
/// SQLCipher stores; the guard switches it off again when the test ends. Never in a release
/// build, whatever features a workspace build unifies.
#[cfg(all(feature = "plaintext-for-tests", debug_assertions))]
pub mod testing {
    use std::cell::Cell;

    thread_local! {
        static PLAINTEXT: Cell<bool> = const { Cell::new(false) };
    }

    /// Switches encryption off for stores opened on this thread until it is dropped.
    #[must_use = "encryption comes back when the guard is dropped"]
    pub struct Plaintext(());

    impl Drop for Plaintext {
        fn drop(&mut self) {
            PLAINTEXT.with(|p| p.set(false));
        }
    }

    pub fn plaintext_stores() -> Plaintext {
        PLAINTEXT.with(|p| p.set(true));
        Plaintext(())
    }

    pub(crate) fn plaintext() -> bool {
        PLAINTEXT.with(Cell::get)
    }
}

#[cfg(all(feature = "plaintext-for-tests", debug_assertions))]
fn encrypted() -> bool {
    !testing::plaintext()
}

#[cfg(not(all(feature = "plaintext-for-tests", debug_assertions)))]
fn encrypted() -> bool {
    true
}

/// Prepared statements a connection keeps: more than the store has, so none is parsed twice.
const STATEMENT_CACHE: usize = 512;

fn open_connection(path: &Path, key: &keyfile::DataKey, create: bool) -> Result<Connection> {
    sqlcipher_ready();
    let flags = if create {
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE
    };
    let conn = Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    // Indexing one client file runs some thirty distinct statements. rusqlite keeps 16
    // prepared statements by default, and cycling through more than that in LRU order means
    // every statement misses the cache and is parsed anew. Each parse makes many small
    // allocations, and with hardened memory every allocation costs an mlock and munlock
    // (docs/benchmarks.md, issue 15).
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    // SQLCipher logs decryption failures to stderr by default; Punkt reports them itself, as
    // one classified error, and never lets a library write to the terminal or a log file.
    conn.execute_batch("PRAGMA cipher_log_level = NONE;")?;
    // Hardened memory for this process when asked by the environment (the `punkt` command,
    // benchmarks); the app asks from its settings before unlocking ([`harden_memory`]).
    if std::env::var("PUNKT_CIPHER_MEMORY_SECURITY").as_deref() == Ok("1") {
        harden_memory()?;
    }
    let pragma = zeroize::Zeroizing::new(format!(
        "PRAGMA key = \"{}\";",
        key.sqlcipher_literal().as_str()
    ));
    if encrypted() {
        conn.execute_batch(&pragma)?;
    }
    // The first read proves the key: with a wrong key or a damaged file SQLCipher reports
    // "file is not a database".
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })
    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = NORMAL;
         PRAGMA temp_store = MEMORY;
         PRAGMA secure_delete = ON;
         PRAGMA foreign_keys = ON;
         PRAGMA cache_size = -16000;",
    )?;
    if create {
        let _: String = conn.query_row("PRAGMA cipher_version", [], |r| r.get(0))?;
    }
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) const FAST: KdfParams = KdfParams {
        m_kib: 1024,
        t: 1,
        p: 1,
    };

    /// A write that waits longer than the busy timeout for another connection's write is
    /// refused as busy, writing nothing; once the other commits, it goes through.
    #[test]
    fn a_write_kept_waiting_by_another_connection_is_refused_as_busy() {
        let dir = tempfile::tempdir().unwrap();
        let a = Store::create(
            &dir.path().join("store"),
            "passphrase-1",
            "Fundacja A",
            FAST,
        )
        .unwrap();
        let b = a.open_again().unwrap();
        b.conn.busy_timeout(Duration::from_millis(50)).unwrap();
        a.conn.execute_batch("BEGIN IMMEDIATE").unwrap();
        let e = b.set_meta("k", "v").unwrap_err();
        assert!(e.is_busy(), "{e}");
        assert!(!StoreError::NoDocument("x".into()).is_busy());
        a.conn.execute_batch("COMMIT").unwrap();
        assert_eq!(b.meta_value("k").unwrap(), None, "nothing written");
        b.set_meta("k", "v").unwrap();
        assert_eq!(a.meta_value("k").unwrap().as_deref(), Some("v"));
    }

    #[test]
    fn create_open_and_refuse() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("store");
        assert!(matches!(
            Store::open(&d, "whatever1"),
            Err(StoreError::NoStore(_))
        ));
        let s = Store::create(&d, "passphrase-1", "Fundacja A", FAST).unwrap();
        let id = s.info().store_id.clone();
        drop(s);
        assert!(matches!(
            Store::create(&d, "passphrase-1", "X", FAST),
            Err(StoreError::AlreadyExists(_))
        ));
        assert!(matches!(
            Store::open(&d, "passphrase-2"),
            Err(StoreError::WrongPassphrase)
        ));
        let s = Store::open(&d, "passphrase-1").unwrap();
        assert_eq!(s.info().store_id, id);
        assert_eq!(s.info().organisation, "Fundacja A");
        drop(s);
        Store::change_passphrase(&d, "passphrase-1", "passphrase-2").unwrap();
        assert!(matches!(
            Store::open(&d, "passphrase-1"),
            Err(StoreError::WrongPassphrase)
        ));
        Store::open(&d, "passphrase-2")
            .unwrap()
            .integrity_check()
            .unwrap();
    }

    /// After a key rotation the old key file, even with the old passphrase, opens nothing;
    /// the store opens with the new passphrase, everything in it; a rotation cut between its
    /// two renames is finished by the next open.
    #[test]
    fn a_rotated_key_leaves_old_key_files_useless_and_survives_a_crash() {
        const OLD: &str = "kasztan wiosna rower 1987";
        const NEW: &str = "zielony parasol nad Wisłą";
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("store");
        let s = Store::create(&d, OLD, "Fundacja A", FAST).unwrap();
        s.set_meta("note", "Olena Bondar, Lublin").unwrap();
        drop(s);
        let old_key_file = std::fs::read(d.join(KEY_FILE)).unwrap();
        let mut phases = Vec::new();
        assert!(matches!(
            Store::rotate_key(&d, NEW, NEW, &mut |p| phases.push(p.phase)),
            Err(StoreError::WrongPassphrase)
        ));
        assert!(matches!(
            Store::rotate_key(&d, OLD, "short one", &mut |_| {}),
            Err(StoreError::WeakPassphrase(_))
        ));
        phases.clear();
        Store::rotate_key(&d, OLD, NEW, &mut |p| phases.push(p.phase)).unwrap();
        assert_eq!(phases, ["unlock", "reencrypt", "key_file", "done"]);
        let s = Store::open(&d, NEW).unwrap();
        assert_eq!(
            s.meta_value("note").unwrap().as_deref(),
            Some("Olena Bondar, Lublin")
        );
        s.integrity_check().unwrap();
        drop(s);
        assert!(matches!(
            Store::open(&d, OLD),
            Err(StoreError::WrongPassphrase)
        ));
        for leftover in [NEW_KEY_FILE, REKEY_DB_FILE] {
            assert!(!d.join(leftover).exists(), "{leftover} left behind");
        }
        // A copy of the old key file put back, with the old passphrase: the database does
        // not open (its key is gone).
        let current = std::fs::read(d.join(KEY_FILE)).unwrap();
        std::fs::write(d.join(KEY_FILE), &old_key_file).unwrap();
        assert!(matches!(Store::open(&d, OLD), Err(StoreError::Corrupt(_))));
        std::fs::write(d.join(KEY_FILE), &current).unwrap();

        // A crash after the database was replaced, before the key file was: the new key file
        // is still `punkt.key.new` beside an old `punkt.key`.
        const NEWER: &str = "trzy koty na dachu w maju";
        Store::rotate_key(&d, NEW, NEWER, &mut |_| {}).unwrap();
        std::fs::rename(d.join(KEY_FILE), d.join(NEW_KEY_FILE)).unwrap();
        std::fs::write(d.join(KEY_FILE), &current).unwrap();
        let s = Store::open(&d, NEWER).unwrap();
        assert_eq!(
            s.meta_value("note").unwrap().as_deref(),
            Some("Olena Bondar, Lublin")
        );
        drop(s);
        assert!(!d.join(NEW_KEY_FILE).exists(), "the rotation was finished");
        Store::open(&d, NEWER).unwrap();
    }

    /// A wipe (a revoked laptop) removes what was exported from the store too: an access
    /// request left in Downloads would otherwise outlive the store it came from.
    #[test]
    fn a_wipe_removes_the_files_exported_from_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("store");
        let downloads = dir.path().join("Downloads");
        std::fs::create_dir_all(&downloads).unwrap();
        let s = Store::create(&d, "kasztan wiosna rower 1987", "Fundacja A", FAST).unwrap();
        let export = downloads.join("punkt-access-20261204.json");
        std::fs::write(&export, b"{\"name\":\"Olena Bondar\"}").unwrap();
        s.record_export(&export).unwrap();
        s.record_export(&export).unwrap();
        let handed_over = downloads.join("already-deleted.html");
        s.record_export(&handed_over).unwrap();
        let other = downloads.join("someone-elses.pdf");
        std::fs::write(&other, b"not ours").unwrap();
        assert_eq!(s.exported_files().unwrap().len(), 2);
        s.wipe().unwrap();
        assert!(!export.exists(), "the export outlived the wipe");
        assert!(other.exists(), "a file the store never wrote was removed");
        assert!(!d.join(KEY_FILE).exists());
    }

    #[test]
    fn a_damaged_database_is_reported_as_such() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("store");
        Store::create(&d, "passphrase-1", "A", FAST).unwrap();
        let db = d.join(DB_FILE);
        let mut bytes = std::fs::read(&db).unwrap();
        for b in bytes.iter_mut().take(64) {
            *b ^= 0x5a;
        }
        std::fs::write(&db, bytes).unwrap();
        assert!(matches!(
            Store::open(&d, "passphrase-1"),
            Err(StoreError::Corrupt(_))
        ));
    }
}
