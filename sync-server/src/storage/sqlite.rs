//! SQLite storage, the embedded default: one file, one writer at a time. Calls run on tokio's
//! blocking pool so the async server never waits on the disk.

use std::path::Path;
use std::sync::{Arc, Mutex};

use punkt_sync::docs::{heads_from_bytes, heads_to_bytes, sorted};
use punkt_sync::wire::ERASED_KIND;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use punkt_sync::wire::{KeyGrant, OrgKeys, ScopeEpoch, SharedKey, SignedRuleBook, WrappedKey};

use super::sql::{self, lite, APPROVAL_SELECT, DEVICE_SELECT, ORG_KEYS_SELECT};
use crate::storage::{
    check_role, timestamp, usable_code, Approval, AuditEvent, Changed, Device, DocWrite, HeldDoc,
    Hold, NewDevice, Result, ServerDoc, Storage, StorageError, TallyMonth, TallyRow, TallyUpload,
    WriteOutcome,
};

/// What only SQLite writes so: the first values, and the audit log (its id the row id).
const SCHEMA: &str = "
INSERT OR IGNORE INTO counters(name, value) VALUES ('seq', 0);
INSERT OR IGNORE INTO server_meta(key, value) VALUES ('generation', lower(hex(randomblob(16))));
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY, at TEXT NOT NULL, action TEXT NOT NULL, device_id TEXT,
    user_name TEXT, organisation TEXT, doc_id TEXT, detail TEXT NOT NULL, event_id TEXT);
";

/// Columns added after the first release ([`sql::ADDED_COLUMNS`]) and renamed, for databases
/// made before them.
fn upgrade(conn: &Connection) -> Result<()> {
    // The person's column is `user_name`, as in PostgreSQL (where `user` is a reserved word), so
    // both back-ends run the same statements (`sql.rs`); databases made before are renamed.
    for table in ["enrol_codes", "devices", "audit", "held_docs"] {
        let old = conn
            .prepare(&format!(
                "SELECT 1 FROM pragma_table_info('{table}') WHERE name = 'user'"
            ))?
            .exists([])?;
        if old {
            conn.execute_batch(&format!(
                "ALTER TABLE {table} RENAME COLUMN user TO user_name;"
            ))?;
        }
    }
    for (table, column, kind) in sql::ADDED_COLUMNS {
        let has = conn
            .prepare(&format!(
                "SELECT 1 FROM pragma_table_info('{table}') WHERE name = ?1"
            ))?
            .exists([column])?;
        if !has {
            conn.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {column} {kind};"))?;
        }
    }
    Ok(())
}

#[derive(Clone)]
pub struct SqliteStorage {
    conn: Arc<Mutex<Connection>>,
}

impl SqliteStorage {
    /// Open (or create) the database at `path`. A new file is made readable by its owner only
    /// (0600; SQLite gives its WAL and shared-memory files the same mode); an existing one that
    /// other users of the machine may read is refused: the server holds people's files.
    pub fn open(path: &Path) -> Result<Self> {
        private_file(path)?;
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;
             PRAGMA secure_delete = ON; PRAGMA temp_store = MEMORY;",
        )?;
        conn.execute_batch(sql::TABLES)?;
        conn.execute_batch(SCHEMA)?;
        upgrade(&conn)?;
        conn.execute_batch(sql::INDEXES)?;
        Ok(SqliteStorage {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    async fn run<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut c = conn
                .lock()
                .map_err(|_| StorageError::Database("poisoned lock".into()))?;
            f(&mut c)
        })
        .await
        .map_err(|e| StorageError::Database(e.to_string()))?
    }

    /// Every row of `sql` (the shared spelling, see [`lite`]) with `params`, each made into a
    /// `T` by `row`.
    async fn all<T, P>(
        &self,
        sql: &str,
        params: P,
        row: fn(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>>
    where
        T: Send + 'static,
        P: rusqlite::Params + Send + 'static,
    {
        let sql = lite(sql);
        self.run(move |c| {
            let mut st = c.prepare_cached(&sql)?;
            let rows = st.query_map(params, row)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }

    /// `sql` run for each of `items`, with the parameters `params` makes of it, in one
    /// transaction.
    async fn insert_each<T, P>(
        &self,
        sql: &'static str,
        items: Vec<T>,
        params: impl Fn(&T) -> P + Send + 'static,
    ) -> Result<()>
    where
        T: Send + 'static,
        P: rusqlite::Params,
    {
        self.run(move |c| {
            let tx = c.transaction()?;
            {
                let mut ins = tx.prepare_cached(sql)?;
                for item in &items {
                    ins.execute(params(item))?;
                }
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }
}

/// Create `path` with mode 0600 if it does not exist; refuse it, and its `-wal` and `-shm`
/// companions, when the group or other users may read or write them.
#[cfg(unix)]
fn private_file(path: &Path) -> Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    if !path.exists() {
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .map_err(|e| {
                StorageError::Database(format!("cannot create {}: {e}", path.display()))
            })?;
    }
    for suffix in ["", "-wal", "-shm"] {
        let file = std::path::PathBuf::from(format!("{}{suffix}", path.display()));
        let Ok(meta) = std::fs::metadata(&file) else {
            continue;
        };
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(StorageError::Invalid(format!(
                "{} can be read by other users of this machine (mode {mode:04o}); the server \
                 database holds people's files: run `chmod 600 {}` and start again",
                file.display(),
                file.display()
            )));
        }
    }
    Ok(())
}

#[cfg(not(unix))]
fn private_file(_path: &Path) -> Result<()> {
    Ok(())
}

/// The next number of the change sequence, inside the caller's transaction.
fn next_seq(tx: &Connection) -> rusqlite::Result<i64> {
    tx.query_row(&lite(sql::NEXT_SEQ), [], |r| r.get(0))
}

fn device_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Device> {
    Ok(Device {
        device_id: r.get(0)?,
        name: r.get(1)?,
        user: r.get(2)?,
        organisation: r.get(3)?,
        role: r.get(4)?,
        enrolled_at: timestamp(r.get(5)?),
        last_seen: r.get::<_, Option<i64>>(6)?.map(timestamp),
        revoked_at: r.get::<_, Option<i64>>(7)?.map(timestamp),
        public_key: r.get(8)?,
        code_record: r.get(9)?,
        proof: r.get(10)?,
    })
}

fn org_keys_row(r: &rusqlite::Row) -> rusqlite::Result<OrgKeys> {
    Ok(OrgKeys {
        org: r.get(0)?,
        epoch: r.get(1)?,
        public_key: r.get::<_, Vec<u8>>(2)?.into(),
        signing_key: r.get::<_, Vec<u8>>(3)?.into(),
        link: r.get::<_, Vec<u8>>(4)?.into(),
    })
}

impl Storage for SqliteStorage {
    async fn add_org(&self, name: &str) -> Result<()> {
        let name = name.to_string();
        self.run(move |c| {
            let n = c.execute("INSERT OR IGNORE INTO orgs(name) VALUES (?1)", [&name])?;
            if n == 0 {
                return Err(StorageError::Exists(format!(
                    "organisation '{name}' already exists"
                )));
            }
            Ok(())
        })
        .await
    }

    async fn add_user(&self, org: &str, name: &str, role: &str) -> Result<()> {
        check_role(role)?;
        let (org, name, role) = (org.to_string(), name.to_string(), role.to_string());
        self.run(move |c| {
            let known: bool = c.prepare(&lite(sql::ORG_EXISTS))?.exists([&org])?;
            if !known {
                return Err(StorageError::NotFound(format!("no organisation '{org}'")));
            }
            let n = c.execute(
                "INSERT OR IGNORE INTO users(name, org, role) VALUES (?1, ?2, ?3)",
                params![name, org, role],
            )?;
            if n == 0 {
                return Err(StorageError::Exists(format!(
                    "user '{name}' already exists"
                )));
            }
            Ok(())
        })
        .await
    }

    async fn add_enrol_code(&self, user: &str, code_hash: [u8; 32], expires_at: i64) -> Result<()> {
        let user = user.to_string();
        self.run(move |c| {
            let known: bool = c.prepare(&lite(sql::USER_EXISTS))?.exists([&user])?;
            if !known {
                return Err(StorageError::NotFound(format!("no user '{user}'")));
            }
            c.execute(
                &lite(sql::INSERT_ENROL_CODE),
                params![code_hash.to_vec(), user, expires_at],
            )?;
            Ok(())
        })
        .await
    }

    async fn enrol(&self, code_hash: [u8; 32], now: i64, new: NewDevice) -> Result<Device> {
        let NewDevice {
            device_id,
            name: device_name,
            token_hash,
            public_key,
            proof,
        } = new;
        let public_key = public_key.map(|k| k.to_vec());
        self.run(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let code: Option<(String, i64, Option<i64>)> = tx
                .query_row(
                    "SELECT user_name, expires_at, used_at FROM enrol_codes WHERE code_hash = ?1",
                    [code_hash.to_vec()],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            let user = usable_code(code, now)?;
            tx.execute(&lite(sql::USE_ENROL_CODE), params![code_hash.to_vec(), now])?;
            tx.execute(
                &lite(sql::INSERT_DEVICE),
                params![
                    device_id,
                    device_name,
                    user,
                    token_hash.to_vec(),
                    now,
                    public_key,
                    proof,
                    code_hash.to_vec()
                ],
            )?;
            let d = tx.query_row(
                &format!("{DEVICE_SELECT} WHERE d.device_id = ?1"),
                [&device_id],
                device_row,
            )?;
            tx.commit()?;
            Ok(d)
        })
        .await
    }

    async fn put_code_record(
        &self,
        code_hash: [u8; 32],
        org: &str,
        record: Vec<u8>,
    ) -> Result<bool> {
        let org = org.to_string();
        self.run(move |c| {
            let n = c.execute(
                &lite(sql::PUT_CODE_RECORD),
                params![code_hash.to_vec(), org, record],
            )?;
            Ok(n > 0)
        })
        .await
    }

    async fn set_public_key(&self, device_id: &str, public_key: [u8; 32]) -> Result<bool> {
        let device_id = device_id.to_string();
        self.run(move |c| {
            let n = c.execute(
                &lite(sql::SET_PUBLIC_KEY),
                params![device_id, public_key.to_vec()],
            )?;
            Ok(n > 0)
        })
        .await
    }

    async fn put_doc_keys(&self, doc_id: &str, keys: Vec<WrappedKey>) -> Result<()> {
        let doc_id = doc_id.to_string();
        let sql =
            "INSERT OR IGNORE INTO doc_keys(doc_id, org, scope, epoch, sealed_to_org, wrapped)
                   VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
        self.insert_each(sql, keys, move |k| {
            let wrapped = k.wrapped.to_vec();
            (
                doc_id.clone(),
                k.org.clone(),
                k.scope.clone(),
                k.epoch,
                k.sealed_to_org,
                wrapped,
            )
        })
        .await
    }

    async fn doc_keys(&self, doc_id: &str) -> Result<Vec<WrappedKey>> {
        self.all(sql::DOC_KEYS, [doc_id.to_string()], |r| {
            Ok(WrappedKey {
                org: r.get(0)?,
                scope: r.get(1)?,
                epoch: r.get(2)?,
                sealed_to_org: r.get(3)?,
                wrapped: r.get::<_, Vec<u8>>(4)?.into(),
            })
        })
        .await
    }

    async fn key_epochs(&self) -> Result<Vec<ScopeEpoch>> {
        self.all(sql::KEY_EPOCHS, (), |r| {
            Ok(ScopeEpoch {
                org: r.get(0)?,
                scope: r.get(1)?,
                epoch: r.get(2)?,
                public_key: r.get::<_, Option<Vec<u8>>>(3)?.map(Into::into),
            })
        })
        .await
    }

    async fn org_keys(&self) -> Result<Vec<OrgKeys>> {
        let sql = format!(
            "{ORG_KEYS_SELECT} JOIN key_epochs e
               ON e.org = k.org AND e.scope = 'org' AND e.epoch = k.epoch
             ORDER BY k.org, k.epoch"
        );
        self.all(&sql, (), org_keys_row).await
    }

    async fn org_key_chain(&self, org: &str, after: u32, limit: u32) -> Result<Vec<OrgKeys>> {
        let sql = format!(
            "{ORG_KEYS_SELECT} WHERE k.org = ?1 AND k.epoch > ?2 ORDER BY k.epoch LIMIT ?3"
        );
        self.all(&sql, (org.to_string(), after, limit), org_keys_row)
            .await
    }

    async fn rule_book(&self) -> Result<Option<SignedRuleBook>> {
        self.run(move |c| {
            Ok(c.prepare_cached(&lite(sql::NEWEST_RULE_BOOK))?
                .query_row([], |r| {
                    Ok(SignedRuleBook {
                        org: r.get(0)?,
                        epoch: r.get(1)?,
                        serial: r.get::<_, i64>(2)? as u64,
                        book: r.get(3)?,
                        signature: r.get::<_, Vec<u8>>(4)?.into(),
                    })
                })
                .optional()?)
        })
        .await
    }

    async fn rule_book_serial(&self) -> Result<u64> {
        self.run(move |c| {
            Ok(c.prepare_cached(&lite(sql::RULE_BOOK_SERIAL))?
                .query_row([], |r| r.get::<_, i64>(0))? as u64)
        })
        .await
    }

    async fn publish_rule_book(
        &self,
        b: SignedRuleBook,
        published_by: &str,
        now: i64,
    ) -> Result<bool> {
        let published_by = published_by.to_string();
        self.run(move |c| {
            let tx = c.transaction()?;
            let newest: i64 = tx.query_row(&lite(sql::RULE_BOOK_SERIAL), [], |r| r.get(0))?;
            if b.serial as i64 <= newest {
                return Ok(false);
            }
            tx.execute(
                &lite(sql::INSERT_RULE_BOOK),
                params![
                    b.serial as i64,
                    b.org,
                    b.epoch,
                    b.book,
                    b.signature.into_vec(),
                    published_by,
                    now
                ],
            )?;
            tx.commit()?;
            Ok(true)
        })
        .await
    }

    async fn publish_org_keys(&self, k: OrgKeys, created_by: &str, now: i64) -> Result<bool> {
        let created_by = created_by.to_string();
        self.run(move |c| {
            let n = c.execute(
                "INSERT OR IGNORE INTO org_keys(org, epoch, public_key, signing_key, link,
                     created_by, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    k.org,
                    k.epoch,
                    k.public_key.into_vec(),
                    k.signing_key.into_vec(),
                    k.link.into_vec(),
                    created_by,
                    now
                ],
            )?;
            Ok(n > 0)
        })
        .await
    }

    async fn add_epoch(&self, e: ScopeEpoch, created_by: &str, now: i64) -> Result<bool> {
        let created_by = created_by.to_string();
        self.run(move |c| {
            let tx = c.transaction()?;
            let n = tx.execute(
                "INSERT OR IGNORE INTO key_epochs(org, scope, epoch, public_key, created_by, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    e.org,
                    e.scope,
                    e.epoch,
                    e.public_key.map(|k| k.into_vec()),
                    created_by,
                    now
                ],
            )?;
            if n > 0 {
                tx.execute(
                    &lite(sql::DELETE_KEY_ROTATION),
                    params![e.org, e.scope],
                )?;
            }
            tx.commit()?;
            Ok(n > 0)
        })
        .await
    }

    async fn unshared(&self, org: &str) -> Result<Vec<(String, String)>> {
        let params = (org.to_string(), ERASED_KIND);
        self.all(sql::UNSHARED_KEYS, params, |r| Ok((r.get(0)?, r.get(1)?)))
            .await
    }

    async fn doc_ids(&self) -> Result<Vec<String>> {
        self.all(sql::DOC_IDS, [ERASED_KIND], |r| r.get(0)).await
    }

    async fn mark_legacy(&self, id: &str, hashes: Vec<[u8; 32]>) -> Result<()> {
        let id = id.to_string();
        self.run(move |c| {
            c.execute(
                "INSERT OR REPLACE INTO legacy_docs(id, hashes) VALUES (?1, ?2)",
                params![id, hashes.concat()],
            )?;
            Ok(())
        })
        .await
    }

    async fn legacy(&self, org: Option<&str>, limit: u32) -> Result<Vec<(String, String)>> {
        // CROSS JOIN: from the (usually empty) list of documents in clear, never a scan of
        // every document (this runs for the keys tag of every push).
        let sql = "SELECT d.id, d.kind FROM legacy_docs l CROSS JOIN documents d ON d.id = l.id
                   WHERE ?1 IS NULL OR d.owner_org = ?1 ORDER BY d.id LIMIT ?2";
        let params = (org.map(str::to_string), limit);
        self.all(sql, params, |r| Ok((r.get(0)?, r.get(1)?))).await
    }

    async fn legacy_hashes(&self, id: &str) -> Result<Option<Vec<[u8; 32]>>> {
        let id = id.to_string();
        self.run(move |c| {
            let b: Option<Vec<u8>> = c
                .query_row(&lite(sql::LEGACY_HASHES), [id], |r| r.get(0))
                .optional()?;
            Ok(b.map(|b| {
                b.chunks_exact(32)
                    .map(|h| h.try_into().expect("32 bytes"))
                    .collect()
            }))
        })
        .await
    }

    async fn forget_legacy(&self, id: &str) -> Result<()> {
        let id = id.to_string();
        self.run(move |c| {
            c.execute(&lite(sql::DELETE_LEGACY_DOC), [id])?;
            Ok(())
        })
        .await
    }

    async fn grants(&self, org: &str) -> Result<Vec<KeyGrant>> {
        self.all(sql::GRANTS_OF_ORG, [org.to_string()], |r| {
            Ok(KeyGrant {
                device_id: r.get(0)?,
                scope: r.get(1)?,
                epoch: r.get(2)?,
                sealed: r.get::<_, Vec<u8>>(3)?.into(),
                endorsement: r.get::<_, Option<Vec<u8>>>(4)?.unwrap_or_default().into(),
            })
        })
        .await
    }

    async fn add_grants(&self, org: &str, grants: Vec<KeyGrant>) -> Result<()> {
        let org = org.to_string();
        let sql =
            "INSERT OR IGNORE INTO key_grants(org, device_id, scope, epoch, sealed, endorsement)
                   VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
        self.insert_each(sql, grants, move |g| {
            let (sealed, endorsement) = (g.sealed.to_vec(), g.endorsement.to_vec());
            (
                org.clone(),
                g.device_id.clone(),
                g.scope.clone(),
                g.epoch,
                sealed,
                endorsement,
            )
        })
        .await
    }

    async fn rotations(&self, org: &str) -> Result<Vec<String>> {
        self.all(sql::ROTATIONS_OF_ORG, [org.to_string()], |r| r.get(0))
            .await
    }

    async fn stale_wraps(
        &self,
        org: &str,
        scope: &str,
        newest: u32,
        limit: u32,
    ) -> Result<Vec<SharedKey>> {
        let params = (org.to_string(), scope.to_string(), newest, limit);
        self.all(sql::STALE_WRAPS, params, |r| {
            Ok(SharedKey {
                doc_id: r.get(0)?,
                key: WrappedKey {
                    org: r.get(1)?,
                    scope: r.get(2)?,
                    epoch: r.get(3)?,
                    sealed_to_org: r.get(4)?,
                    wrapped: r.get::<_, Vec<u8>>(5)?.into(),
                },
            })
        })
        .await
    }

    async fn rewrap(&self, doc_id: &str, key: WrappedKey) -> Result<()> {
        let doc_id = doc_id.to_string();
        self.run(move |c| {
            let tx = c.transaction()?;
            tx.execute(
                "INSERT OR IGNORE INTO doc_keys(doc_id, org, scope, epoch, sealed_to_org, wrapped)
                 VALUES (?1, ?2, ?3, ?4, 0, ?5)",
                params![doc_id, key.org, key.scope, key.epoch, key.wrapped.to_vec()],
            )?;
            tx.execute(
                &lite(sql::DELETE_OLDER_WRAPS),
                params![doc_id, key.org, key.scope, key.epoch],
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn retire_epochs(&self, org: &str, scope: &str, before: u32) -> Result<()> {
        let (org, scope) = (org.to_string(), scope.to_string());
        self.run(move |c| {
            let tx = c.transaction()?;
            for table in ["key_grants", "key_epochs"] {
                tx.execute(
                    &format!("DELETE FROM {table} WHERE org = ?1 AND scope = ?2 AND epoch < ?3"),
                    params![org, scope, before],
                )?;
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn revoke(&self, device_id: &str, now: i64) -> Result<()> {
        let device_id = device_id.to_string();
        self.run(move |c| {
            let tx = c.transaction()?;
            let n = tx.execute(&lite(sql::REVOKE_DEVICE), params![device_id, now])?;
            if n == 0 {
                return Err(StorageError::NotFound(format!("no device '{device_id}'")));
            }
            tx.execute(
                "INSERT OR IGNORE INTO key_rotations(org, scope, reason)
                 SELECT DISTINCT org, scope, 'a laptop holding it was revoked' FROM key_grants
                 WHERE device_id = ?1",
                [&device_id],
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn users(&self) -> Result<Vec<(String, String, String)>> {
        self.all(sql::USERS, (), |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .await
    }

    async fn devices(&self) -> Result<Vec<Device>> {
        let sql = format!("{DEVICE_SELECT} ORDER BY d.enrolled_at, d.device_id");
        self.all(&sql, (), device_row).await
    }

    async fn device_by_token(&self, token_hash: [u8; 32]) -> Result<Option<Device>> {
        self.run(move |c| {
            Ok(c.query_row(
                &format!("{DEVICE_SELECT} WHERE d.token_hash = ?1"),
                [token_hash.to_vec()],
                device_row,
            )
            .optional()?)
        })
        .await
    }

    async fn touch_device(&self, device_id: &str, now: i64) -> Result<()> {
        let device_id = device_id.to_string();
        self.run(move |c| {
            c.execute(&lite(sql::TOUCH_DEVICE), params![device_id, now])?;
            Ok(())
        })
        .await
    }

    async fn load_doc(&self, id: &str) -> Result<Option<ServerDoc>> {
        let id = id.to_string();
        self.run(move |c| {
            let tx = c.transaction()?;
            type Row = (
                String,
                String,
                Vec<u8>,
                Vec<u8>,
                i64,
                Option<String>,
                Option<i64>,
            );
            let row: Option<Row> = tx
                .query_row(&lite(sql::LOAD_DOC), [&id], |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                    ))
                })
                .optional()?;
            let Some((kind, owner_org, snapshot, heads, seq, created_by, created_at)) = row else {
                return Ok(None);
            };
            let changes = tx
                .prepare_cached(&lite(sql::CHANGES_OF_DOC))?
                .query_map([&id], |r| r.get::<_, Vec<u8>>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let access = tx
                .prepare_cached(&lite(sql::ACCESS_OF_DOC))?
                .query_map([&id], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            tx.commit()?;
            Ok(Some(ServerDoc {
                id,
                kind,
                owner_org,
                access,
                snapshot,
                changes,
                heads: heads_from_bytes(&heads),
                seq: seq as u64,
                created_by,
                created_at,
            }))
        })
        .await
    }

    async fn write_doc(&self, w: DocWrite) -> Result<WriteOutcome> {
        self.run(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let current: Option<Vec<u8>> = tx
                .query_row("SELECT heads FROM documents WHERE id = ?1", [&w.id], |r| r.get(0))
                .optional()?;
            let matches = match (&w.expected_heads, &current) {
                (None, None) => true,
                (Some(exp), Some(cur)) => sorted(exp.clone()) == sorted(heads_from_bytes(cur)),
                _ => false,
            };
            if !matches {
                return Ok(WriteOutcome::Conflict);
            }
            let seq = next_seq(&tx)?;
            let heads = heads_to_bytes(&w.heads);
            match (&current, &w.snapshot) {
                (None, snapshot) => {
                    tx.execute(
                        "INSERT INTO documents(id, kind, owner_org, snapshot, heads, seq, created_by, created_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                        params![w.id, w.kind, w.owner_org, snapshot.clone().unwrap_or_default(), heads, seq,
                                w.created_by, w.created_at],
                    )?;
                }
                (Some(_), Some(snapshot)) => {
                    tx.execute(
                        &lite(sql::SET_DOC_SNAPSHOT),
                        params![w.id, snapshot, heads, seq],
                    )?;
                    tx.execute(&lite(sql::DELETE_DOC_CHANGES), [&w.id])?;
                }
                (Some(_), None) => {
                    tx.execute(
                        &lite(sql::SET_DOC_HEADS),
                        params![w.id, heads, seq],
                    )?;
                }
            }
            if !w.changes.is_empty() {
                let mut n: i64 = tx.query_row(
                    &lite(sql::NEXT_CHANGE_NUMBER),
                    [&w.id],
                    |r| r.get(0),
                )?;
                let mut ins = tx.prepare_cached(
                    "INSERT INTO doc_changes(doc_id, n, hash, bytes) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT(doc_id, hash) DO NOTHING",
                )?;
                for (h, bytes) in &w.changes {
                    if ins.execute(params![w.id, n, h.0.to_vec(), bytes])? > 0 {
                        n += 1;
                    }
                }
            }
            tx.commit()?;
            Ok(WriteOutcome::Stored(seq as u64))
        })
        .await
    }

    async fn erase_doc(&self, id: &str, owner_org: &str, hold: &Hold) -> Result<u64> {
        let (id, owner_org, hold) = (id.to_string(), owner_org.to_string(), hold.clone());
        self.run(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let seq = next_seq(&tx)?;
            let held = tx.execute(
                "INSERT INTO held_docs(id, kind, owner_org, snapshot, heads, created_by, created_at,
                                       batch, erased_at, device_id, user_name)
                 SELECT id, kind, owner_org, snapshot, heads, created_by, created_at,
                        ?2, ?3, ?4, ?5
                 FROM documents WHERE id = ?1 AND kind != ?6
                 ON CONFLICT(id) DO NOTHING",
                params![id, hold.batch, hold.at, hold.device_id, hold.user, ERASED_KIND],
            )?;
            if held > 0 {
                tx.execute(&lite(sql::HOLD_CHANGES), [&id])?;
            }
            tx.execute(&lite(sql::DELETE_DOC_CHANGES), [&id])?;
            tx.execute(
                "INSERT INTO documents(id, kind, owner_org, snapshot, heads, seq)
                 VALUES (?1, ?2, ?3, x'', x'', ?4)
                 ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, snapshot = x'',
                    heads = x'', seq = excluded.seq, undone = 0",
                params![id, ERASED_KIND, owner_org, seq],
            )?;
            tx.commit()?;
            Ok(seq as u64)
        })
        .await
    }

    async fn held(&self, org: Option<&str>) -> Result<Vec<HeldDoc>> {
        let sql =
            "SELECT id, kind, owner_org, batch, erased_at, device_id, user_name FROM held_docs
                   WHERE ?1 IS NULL OR owner_org = ?1 ORDER BY erased_at, batch, id";
        self.all(sql, [org.map(str::to_string)], |r| {
            Ok(HeldDoc {
                doc_id: r.get(0)?,
                kind: r.get(1)?,
                owner_org: r.get(2)?,
                batch: r.get(3)?,
                erased_at: r.get(4)?,
                device_id: r.get(5)?,
                user: r.get(6)?,
            })
        })
        .await
    }

    async fn restore_held(&self, batch: &str) -> Result<Vec<String>> {
        let batch = batch.to_string();
        self.run(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let ids = tx
                .prepare("SELECT id FROM held_docs WHERE batch = ?1 ORDER BY id")?
                .query_map([&batch], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            for id in &ids {
                let seq = next_seq(&tx)?;
                tx.execute(
                    "UPDATE documents SET (kind, snapshot, heads, created_by, created_at, seq, undone) =
                        (SELECT kind, snapshot, heads, created_by, created_at, ?2, 1
                         FROM held_docs WHERE id = ?1)
                     WHERE id = ?1",
                    params![id, seq],
                )?;
                tx.execute(
                    "INSERT OR IGNORE INTO doc_changes(doc_id, n, hash, bytes)
                     SELECT doc_id, n, hash, bytes FROM held_changes WHERE doc_id = ?1",
                    [id],
                )?;
                tx.execute(&lite(sql::DELETE_HELD_CHANGES), [id])?;
                tx.execute(&lite(sql::DELETE_HELD_DOC), [id])?;
            }
            tx.commit()?;
            Ok(ids)
        })
        .await
    }

    async fn purge_held(&self, before: i64) -> Result<u64> {
        self.run(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "INSERT OR IGNORE INTO key_rotations(org, scope, reason)
                 SELECT DISTINCT org, scope, 'erased documents were purged' FROM doc_keys
                 WHERE doc_id IN (SELECT id FROM held_docs WHERE erased_at < ?1)",
                [before],
            )?;
            tx.execute(&lite(sql::DELETE_PURGED_DOC_KEYS), [before])?;
            tx.execute(&lite(sql::DELETE_PURGED_HELD_CHANGES), [before])?;
            let n = tx.execute(&lite(sql::DELETE_PURGED_HELD_DOCS), [before])?;
            tx.commit()?;
            Ok(n as u64)
        })
        .await
    }

    async fn erased_since(&self, device_id: &str, since: i64) -> Result<u64> {
        let device_id = device_id.to_string();
        self.run(move |c| {
            Ok(c.query_row(
                &lite(sql::ERASED_BY_DEVICE_SINCE),
                params![device_id, since],
                |r| r.get::<_, i64>(0),
            )? as u64)
        })
        .await
    }

    async fn scrub(&self) -> Result<()> {
        self.run(|c| {
            c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
            Ok(())
        })
        .await
    }

    async fn changed_since(&self, org: &str, cursor: u64, limit: u32) -> Result<Vec<Changed>> {
        let params = (org.to_string(), cursor as i64, limit);
        self.all(sql::CHANGED_SINCE, params, |r| {
            Ok(Changed {
                id: r.get(0)?,
                kind: r.get(1)?,
                owner_org: r.get(2)?,
                heads: heads_from_bytes(&r.get::<_, Vec<u8>>(3)?),
                seq: r.get::<_, i64>(4)? as u64,
                undone: r.get(5)?,
            })
        })
        .await
    }

    async fn generation(&self) -> Result<String> {
        self.run(|c| Ok(c.query_row(&lite(sql::GENERATION), [], |r| r.get(0))?))
            .await
    }

    async fn new_generation(&self) -> Result<String> {
        self.run(|c| {
            Ok(c.query_row(
                "UPDATE server_meta SET value = lower(hex(randomblob(16))) WHERE key = 'generation' RETURNING value",
                [],
                |r| r.get(0),
            )?)
        })
        .await
    }

    async fn current_seq(&self) -> Result<u64> {
        self.run(|c| Ok(c.query_row(&lite(sql::CURRENT_SEQ), [], |r| r.get::<_, i64>(0))? as u64))
            .await
    }

    async fn org_exists(&self, name: &str) -> Result<bool> {
        let name = name.to_string();
        self.run(move |c| Ok(c.prepare_cached(&lite(sql::ORG_EXISTS))?.exists([&name])?))
            .await
    }

    async fn organisations(&self) -> Result<Vec<String>> {
        self.all(sql::ORGANISATIONS, (), |r| r.get(0)).await
    }

    async fn final_push_started(&self, device_id: &str, now: i64) -> Result<Option<i64>> {
        let device_id = device_id.to_string();
        self.run(move |c| {
            Ok(c.query_row(
                &lite(sql::FINAL_PUSH_STARTED),
                params![device_id, now],
                |r| r.get(0),
            )
            .optional()?)
        })
        .await
    }

    async fn add_approval(&self, a: Approval) -> Result<()> {
        self.run(move |c| {
            c.execute(
                &lite(sql::INSERT_APPROVAL),
                params![
                    a.id,
                    a.organisation,
                    a.action,
                    a.subject,
                    a.role,
                    a.expires_at,
                    a.requested_by,
                    a.requested_device,
                    a.requested_at
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn approvals(&self, org: Option<&str>) -> Result<Vec<Approval>> {
        let sql =
            format!("{APPROVAL_SELECT} WHERE ?1 IS NULL OR org = ?1 ORDER BY requested_at, id");
        self.all(&sql, [org.map(str::to_string)], approval_row)
            .await
    }

    async fn take_approval(&self, id: &str) -> Result<Option<Approval>> {
        let id = id.to_string();
        self.run(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let a = tx
                .query_row(
                    &format!("{APPROVAL_SELECT} WHERE id = ?1"),
                    [&id],
                    approval_row,
                )
                .optional()?;
            tx.execute("DELETE FROM approvals WHERE id = ?1", [&id])?;
            tx.commit()?;
            Ok(a)
        })
        .await
    }

    async fn grant(&self, id: &str, org: &str) -> Result<()> {
        let (id, org) = (id.to_string(), org.to_string());
        self.run(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let known: bool = tx
                .prepare("SELECT 1 FROM documents WHERE id = ?1")?
                .exists([&id])?;
            if !known {
                return Err(StorageError::NotFound(format!("no document '{id}'")));
            }
            if !tx.prepare(&lite(sql::ORG_EXISTS))?.exists([&org])? {
                return Err(StorageError::NotFound(format!("no organisation '{org}'")));
            }
            tx.execute(
                "INSERT OR IGNORE INTO doc_access(doc_id, org) VALUES (?1, ?2)",
                params![id, org],
            )?;
            // The grantee must see the document as changed.
            let seq = next_seq(&tx)?;
            tx.execute(&lite(sql::SET_DOC_SEQ), params![id, seq])?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn replace_tally(&self, tally: TallyUpload) -> Result<bool> {
        let TallyUpload {
            org,
            month,
            key_id,
            sent_at,
            people,
            only_if_present,
        } = tally;
        self.run(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            if only_if_present
                && !tx
                    .prepare(&lite(sql::TALLY_MONTH_EXISTS))?
                    .exists(params![org, month])?
            {
                return Ok(false);
            }
            tx.execute(
                &lite(sql::DELETE_TALLY_OF_MONTH),
                params![org, month],
            )?;
            {
                let mut ins = tx.prepare(
                    "INSERT OR IGNORE INTO tally(org, month, person, service) VALUES (?1, ?2, ?3, ?4)",
                )?;
                for (person, services) in &people {
                    for s in services {
                        ins.execute(params![org, month, &person[..], s])?;
                    }
                }
            }
            tx.execute(
                "INSERT OR REPLACE INTO tally_months(org, month, key_id, people, sent_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![org, month, key_id, people.len() as i64, sent_at],
            )?;
            tx.commit()?;
            Ok(true)
        })
        .await
    }

    async fn tallies(&self, from: &str, to: &str) -> Result<(Vec<TallyMonth>, Vec<TallyRow>)> {
        let (from, to) = (from.to_string(), to.to_string());
        self.run(move |c| {
            let months = c
                .prepare(&lite(sql::TALLY_MONTHS_BETWEEN))?
                .query_map(params![from, to], |r| {
                    Ok(TallyMonth {
                        organisation: r.get(0)?,
                        month: r.get(1)?,
                        key_id: r.get(2)?,
                        people: r.get::<_, i64>(3)? as u64,
                        sent_at: r.get(4)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let rows = c
                .prepare(&lite(sql::TALLY_ROWS_BETWEEN))?
                .query_map(params![from, to], |r| {
                    let person: Vec<u8> = r.get(1)?;
                    Ok(TallyRow {
                        organisation: r.get(0)?,
                        person: person.try_into().unwrap_or([0; 32]),
                        service: r.get(2)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok((months, rows))
        })
        .await
    }

    async fn delete_tallies_before(&self, before: &str) -> Result<u64> {
        let before = before.to_string();
        self.run(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(&lite(sql::DELETE_TALLY_BEFORE), [&before])?;
            let n = tx.execute(&lite(sql::DELETE_TALLY_MONTHS_BEFORE), [&before])?;
            tx.commit()?;
            Ok(n as u64)
        })
        .await
    }

    async fn audit(&self, e: AuditEvent) -> Result<bool> {
        self.run(move |c| insert_audit(c, &e)).await
    }

    async fn audit_many(&self, events: Vec<AuditEvent>) -> Result<()> {
        self.run(move |c| {
            let tx = c.transaction()?;
            for e in &events {
                insert_audit(&tx, e)?;
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn audit_query(
        &self,
        org: Option<&str>,
        doc_ids: &[String],
        limit: u32,
    ) -> Result<Vec<AuditEvent>> {
        let org = org.map(str::to_string);
        // The ids as one JSON array, read back with json_each: one statement for any number.
        let ids = serde_json::to_string(doc_ids).expect("strings serialise");
        let sql = "SELECT at, action, device_id, user_name, organisation, doc_id, detail, event_id
                   FROM audit
                   WHERE (?1 IS NULL OR organisation = ?1
                          OR doc_id IN (SELECT id FROM documents WHERE owner_org = ?1))
                     AND (?2 = '[]' OR doc_id IN (SELECT value FROM json_each(?2)))
                   ORDER BY id DESC LIMIT ?3";
        self.all(sql, (org, ids, limit), |r| {
            Ok(AuditEvent {
                at: r.get(0)?,
                action: r.get(1)?,
                device_id: r.get(2)?,
                user: r.get(3)?,
                organisation: r.get(4)?,
                doc_id: r.get(5)?,
                detail: r.get(6)?,
                event_id: r.get(7)?,
            })
        })
        .await
    }
}

fn approval_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Approval> {
    Ok(Approval {
        id: r.get(0)?,
        organisation: r.get(1)?,
        action: r.get(2)?,
        subject: r.get(3)?,
        role: r.get(4)?,
        expires_at: r.get(5)?,
        requested_by: r.get(6)?,
        requested_device: r.get(7)?,
        requested_at: r.get(8)?,
    })
}

/// Insert one audit event; false when its `event_id` was logged before.
fn insert_audit(c: &Connection, e: &AuditEvent) -> Result<bool> {
    let n = c
        .prepare_cached(
            "INSERT OR IGNORE INTO audit(at, action, device_id, user_name, organisation, doc_id,
                                         detail, event_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(params![
            e.at,
            e.action,
            e.device_id,
            e.user,
            e.organisation,
            e.doc_id,
            e.detail,
            e.event_id
        ])?;
    Ok(n == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tables of the first release, as it made them.
    const FIRST_RELEASE: &str = "
        CREATE TABLE orgs (name TEXT PRIMARY KEY);
        CREATE TABLE users (
            name TEXT PRIMARY KEY, org TEXT NOT NULL REFERENCES orgs(name), role TEXT NOT NULL);
        CREATE TABLE enrol_codes (
            code_hash BLOB PRIMARY KEY, user TEXT NOT NULL REFERENCES users(name),
            expires_at INTEGER NOT NULL, used_at INTEGER);
        CREATE TABLE devices (
            device_id TEXT PRIMARY KEY, name TEXT NOT NULL, user TEXT NOT NULL REFERENCES users(name),
            token_hash BLOB NOT NULL UNIQUE, enrolled_at INTEGER NOT NULL, last_seen INTEGER,
            revoked_at INTEGER);
        CREATE TABLE documents (
            id TEXT PRIMARY KEY, kind TEXT NOT NULL, owner_org TEXT NOT NULL,
            snapshot BLOB NOT NULL, heads BLOB NOT NULL, seq INTEGER NOT NULL);
        CREATE INDEX documents_seq ON documents(seq);
        CREATE TABLE doc_changes (
            doc_id TEXT NOT NULL, n INTEGER NOT NULL, hash BLOB NOT NULL, bytes BLOB NOT NULL,
            PRIMARY KEY (doc_id, n)) WITHOUT ROWID;
        CREATE UNIQUE INDEX doc_changes_hash ON doc_changes(doc_id, hash);
        CREATE TABLE doc_access (
            doc_id TEXT NOT NULL, org TEXT NOT NULL, PRIMARY KEY (doc_id, org)) WITHOUT ROWID;
        CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
        INSERT INTO counters(name, value) VALUES ('seq', 7);
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY, at TEXT NOT NULL, action TEXT NOT NULL, device_id TEXT,
            user TEXT, organisation TEXT, doc_id TEXT, detail TEXT NOT NULL);
        INSERT INTO orgs VALUES ('Fundacja A');
        INSERT INTO users VALUES ('anna', 'Fundacja A', 'counsellor');
        INSERT INTO documents VALUES ('doc-1', 'client', 'Fundacja A', x'00', x'', 7);
        INSERT INTO audit(at, action, detail) VALUES ('2025-01-01T00:00:00Z', 'sync', 'old');
    ";

    /// A database the first release made, opened by this one, gains every table, column and
    /// index of this release (`sql::TABLES`, `sql::ADDED_COLUMNS`, `sql::INDEXES`) and keeps
    /// what it held.
    #[test]
    fn a_first_release_database_gains_this_releases_tables_columns_and_indexes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.db");
        Connection::open(&path)
            .unwrap()
            .execute_batch(FIRST_RELEASE)
            .unwrap();
        std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o600))
            .unwrap();
        let s = SqliteStorage::open(&path).unwrap();
        drop(s);
        let c = Connection::open(&path).unwrap();
        let has = |table: &str, column: &str| -> bool {
            c.prepare(&format!(
                "SELECT 1 FROM pragma_table_info('{table}') WHERE name = ?1"
            ))
            .unwrap()
            .exists([column])
            .unwrap()
        };
        for (table, column, _) in sql::ADDED_COLUMNS {
            assert!(has(table, column), "{table}.{column} missing");
        }
        for statement in sql::TABLES.split(';').chain(sql::INDEXES.split(';')) {
            let words: Vec<&str> = statement.split_whitespace().collect();
            let Some(at) = words.iter().position(|w| *w == "EXISTS") else {
                continue;
            };
            let name = words[at + 1].trim_end_matches('(');
            let found: bool = c
                .prepare("SELECT 1 FROM sqlite_master WHERE name = ?1")
                .unwrap()
                .exists([name])
                .unwrap();
            assert!(found, "{name} missing");
        }
        let (seq, undone): (i64, bool) = c
            .query_row(
                "SELECT seq, undone FROM documents WHERE id = 'doc-1'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((seq, undone), (7, false), "the document kept, not undone");
        let detail: String = c
            .query_row("SELECT detail FROM audit", [], |r| r.get(0))
            .unwrap();
        assert_eq!(detail, "old");
    }

    /// A database made before the person's column was `user_name` (it was `user`): opened by
    /// this release, the columns are renamed and everything in them is still there.
    #[test]
    fn a_database_with_the_old_user_columns_is_renamed_and_keeps_its_people() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.db");
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let s = SqliteStorage::open(&path).unwrap();
            s.add_org("Fundacja A").await.unwrap();
            s.add_user("Fundacja A", "anna", "counsellor")
                .await
                .unwrap();
            s.add_enrol_code("anna", [1; 32], i64::MAX).await.unwrap();
        });
        {
            // Back to the old layout, as an older release left it.
            let c = Connection::open(&path).unwrap();
            for table in ["enrol_codes", "devices", "audit", "held_docs"] {
                c.execute_batch(&format!(
                    "ALTER TABLE {table} RENAME COLUMN user_name TO user;"
                ))
                .unwrap();
            }
        }
        rt.block_on(async {
            let s = SqliteStorage::open(&path).unwrap();
            let new = NewDevice {
                device_id: "dev-a".into(),
                name: "laptop".into(),
                token_hash: [7; 32],
                public_key: None,
                proof: None,
            };
            let device = s.enrol([1; 32], 0, new).await.unwrap();
            assert_eq!(device.user, "anna");
            assert_eq!(s.devices().await.unwrap()[0].user, "anna");
        });
        let c = Connection::open(&path).unwrap();
        for table in ["enrol_codes", "devices", "audit", "held_docs"] {
            let old: bool = c
                .prepare(&format!(
                    "SELECT 1 FROM pragma_table_info('{table}') WHERE name = 'user'"
                ))
                .unwrap()
                .exists([])
                .unwrap();
            assert!(!old, "{table} still has a `user` column");
        }
    }
}
