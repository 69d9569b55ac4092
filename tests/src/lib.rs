//! Helpers for the whole-system tests: a real `punkt-sync-server` on 127.0.0.1:0 (its own
//! tokio runtime, killable without a graceful shutdown) and devices with real encrypted stores.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use punkt_core::sync::{HttpTransport, SyncSummary};
use punkt_core::{ClientInput, ConsultationInput, Punkt};
use punkt_store::KdfParams;
use punkt_sync_server::{Engine, PostgresStorage, SqliteStorage, Storage};

pub const FAST: KdfParams = KdfParams {
    m_kib: 1024,
    t: 1,
    p: 1,
};
pub const PASS: &str = "device passphrase";

/// How the server keeps one document ([`TestServer::stored_form`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredForm {
    pub snapshot: bool,
    pub covered: usize,
    pub loose: usize,
}

/// A sync server running in this process, on a real loopback socket.
pub struct TestServer<S: Storage = Backend> {
    pub url: String,
    pub addr: SocketAddr,
    pub engine: Engine<S>,
    /// The database: SQLite's file, or the path naming a PostgreSQL database
    /// ([`TestBackend`]); empty for a server started on a URL.
    pub db: PathBuf,
    /// Seconds added to the real clock (to expire enrolment codes).
    pub clock_offset: Arc<AtomicI64>,
    rt: Option<tokio::runtime::Runtime>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

/// The stores of laptops holding keys, by server database (its generation: two instances on
/// one PostgreSQL database share it) and organisation: they give keys to laptops enrolled
/// after them ([`Device::receive_keys`]).
static KEYHOLDERS: std::sync::Mutex<Vec<(String, String, PathBuf)>> =
    std::sync::Mutex::new(Vec::new());

/// The server back-end the whole-system suite runs on: SQLite, or PostgreSQL with the
/// `postgres` feature (`scripts/test.sh` runs the suite both ways).
#[cfg(not(feature = "postgres"))]
pub type Backend = SqliteStorage;
/// The server back-end the whole-system suite runs on: SQLite, or PostgreSQL with the
/// `postgres` feature (`scripts/test.sh` runs the suite both ways).
#[cfg(feature = "postgres")]
pub type Backend = PostgresStorage;

/// A value bound to a statement [`TestServer::execute`] runs.
pub enum SqlValue<'a> {
    Text(&'a str),
    Bytes(&'a [u8]),
}

/// A back-end the tests can start a server on by a path, and reach behind the server's back:
/// for SQLite the path is the database file; for PostgreSQL it names a database of the
/// cluster this test process started (the same path, the same database).
pub trait TestBackend: Storage + Sized {
    fn open_at(rt: &tokio::runtime::Runtime, db: &Path) -> Self;
    /// Copy the database of a stopped server (a backup taken, or restored).
    fn copy(from: &Path, to: &Path);
    /// Whether the database's bytes contain `needle`: the SQLite files (with the WAL), or a
    /// `pg_dump` (in text, or as bytea hex).
    fn holds(db: &Path, needle: &[u8]) -> bool;
    /// The first column of every row `sql` returns, as bytes; `None` when the statement fails
    /// (a table this database does not have).
    fn blobs(db: &Path, sql: &str) -> Option<Vec<Vec<u8>>>;
    /// Run one statement (`?1`, `?2`… for parameters); the number of rows changed.
    fn execute(db: &Path, sql: &str, params: &[SqlValue]) -> u64;
}

fn sqlite_files(db: &Path) -> [PathBuf; 3] {
    ["", "-wal", "-shm"].map(|ext| PathBuf::from(format!("{}{ext}", db.display())))
}

impl TestBackend for SqliteStorage {
    fn open_at(_: &tokio::runtime::Runtime, db: &Path) -> Self {
        SqliteStorage::open(db).expect("server db")
    }

    fn copy(from: &Path, to: &Path) {
        for (f, t) in sqlite_files(from).iter().zip(sqlite_files(to).iter()) {
            if f.exists() {
                std::fs::copy(f, t).unwrap();
            } else {
                let _ = std::fs::remove_file(t);
            }
        }
    }

    fn holds(db: &Path, needle: &[u8]) -> bool {
        sqlite_files(db)
            .iter()
            .any(|f| std::fs::read(f).is_ok_and(|b| b.windows(needle.len()).any(|w| w == needle)))
    }

    fn blobs(db: &Path, sql: &str) -> Option<Vec<Vec<u8>>> {
        let conn =
            rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                .unwrap();
        let mut stmt = conn.prepare(sql).ok()?;
        let rows = stmt
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        Some(rows)
    }

    fn execute(db: &Path, sql: &str, params: &[SqlValue]) -> u64 {
        let conn = rusqlite::Connection::open(db).unwrap();
        let values: Vec<rusqlite::types::Value> = params
            .iter()
            .map(|p| match p {
                SqlValue::Text(t) => rusqlite::types::Value::Text(t.to_string()),
                SqlValue::Bytes(b) => rusqlite::types::Value::Blob(b.to_vec()),
            })
            .collect();
        conn.execute(sql, rusqlite::params_from_iter(values))
            .unwrap() as u64
    }
}

/// The PostgreSQL cluster of this test process (started at its first use, stopped when the
/// process ends), and the name of the database a path stands for.
fn shared_cluster() -> &'static TestPostgres {
    static CLUSTER: std::sync::OnceLock<TestPostgres> = std::sync::OnceLock::new();
    CLUSTER.get_or_init(|| {
        let pg = TestPostgres::start();
        pg.stop_with_process();
        pg
    })
}

fn database_name(db: &Path) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    db.hash(&mut h);
    format!("t{:016x}", h.finish())
}

/// One statement on the cluster's own database (creating, copying, dropping databases).
fn cluster_admin(sql: &str) {
    let url = shared_cluster().url.clone();
    pg_blocking(
        &url,
        |c| async move { c.batch_execute(sql).await.map(|_| 0) },
    )
    .unwrap_or_else(|e| panic!("{sql}: {e:?}"));
}

/// A short-lived connection to `url` on a runtime of its own (the tests are synchronous).
fn pg_blocking<F, Fut, T>(url: &str, f: F) -> Result<T, tokio_postgres::Error>
where
    F: FnOnce(tokio_postgres::Client) -> Fut,
    Fut: std::future::Future<Output = Result<T, tokio_postgres::Error>>,
{
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
        let task = tokio::spawn(conn);
        let out = f(client).await;
        task.abort();
        out
    })
}

fn database_url(db: &Path) -> String {
    let cluster = &shared_cluster().url;
    let base = cluster
        .strip_suffix("/postgres")
        .expect("the cluster's URL");
    format!("{base}/{}", database_name(db))
}

impl TestBackend for PostgresStorage {
    fn open_at(rt: &tokio::runtime::Runtime, db: &Path) -> Self {
        let name = database_name(db);
        let exists = pg_blocking(&shared_cluster().url, |c| {
            let name = name.clone();
            async move {
                c.query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
                    .await
                    .map(|r| r.is_some())
            }
        })
        .unwrap();
        if !exists {
            cluster_admin(&format!("CREATE DATABASE {name}"));
        }
        rt.block_on(PostgresStorage::connect(&database_url(db), 4))
            .expect("PostgreSQL")
    }

    fn copy(from: &Path, to: &Path) {
        let (from, to) = (database_name(from), database_name(to));
        // A killed server's connections may linger a moment.
        // (One statement each: a database is not created or dropped within a transaction.)
        cluster_admin(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{from}'"
        ));
        cluster_admin(&format!("DROP DATABASE IF EXISTS {to} WITH (FORCE)"));
        cluster_admin(&format!("CREATE DATABASE {to} TEMPLATE {from}"));
    }

    fn holds(db: &Path, needle: &[u8]) -> bool {
        let dump = shared_cluster().dump_of(&database_url(db));
        let hex_needle = hex::encode(needle).into_bytes();
        [needle, hex_needle.as_slice()]
            .iter()
            .any(|n| dump.windows(n.len()).any(|w| w == *n))
    }

    fn blobs(db: &Path, sql: &str) -> Option<Vec<Vec<u8>>> {
        pg_blocking(&database_url(db), |c| async move {
            let rows = c.query(sql, &[]).await?;
            Ok(rows.iter().map(|r| r.get::<_, Vec<u8>>(0)).collect())
        })
        .ok()
    }

    fn execute(db: &Path, sql: &str, params: &[SqlValue]) -> u64 {
        // `?N` → `$N`.
        let sql = sql.replace('?', "$");
        pg_blocking(&database_url(db), |c| async move {
            let values: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = params
                .iter()
                .map(|p| match p {
                    SqlValue::Text(t) => t as &(dyn tokio_postgres::types::ToSql + Sync),
                    SqlValue::Bytes(b) => b as &(dyn tokio_postgres::types::ToSql + Sync),
                })
                .collect();
            c.execute(&sql, &values).await
        })
        .unwrap()
    }
}

impl TestServer<Backend> {
    pub fn start(dir: &Path) -> TestServer {
        Self::start_with(&dir.join("server.db"), Arc::new(AtomicI64::new(0)))
    }

    pub fn start_with(db: &Path, clock_offset: Arc<AtomicI64>) -> TestServer {
        Self::start_limited(
            db,
            clock_offset,
            punkt_sync_server::engine::DEFAULT_ERASE_LIMIT,
        )
    }

    /// A server that lets each laptop erase at most `erase_limit` documents a day.
    pub fn start_limited(db: &Path, clock_offset: Arc<AtomicI64>, erase_limit: u64) -> TestServer {
        let rt = runtime();
        let storage = Backend::open_at(&rt, db);
        let mut s = TestServer::serve(rt, storage, clock_offset, erase_limit);
        s.db = db.to_path_buf();
        s
    }
}

/// Copy the database of a stopped server at `from` to `to` (a backup, or a restore).
pub fn copy_server_db(from: &Path, to: &Path) {
    Backend::copy(from, to)
}

impl TestServer<SqliteStorage> {
    /// A server on SQLite whatever the suite's back-end (for what only SQLite has: its files).
    pub fn start_sqlite(dir: &Path) -> TestServer<SqliteStorage> {
        let rt = runtime();
        let db = dir.join("server.db");
        let storage = SqliteStorage::open(&db).expect("server db");
        let mut s = TestServer::serve(
            rt,
            storage,
            Arc::new(AtomicI64::new(0)),
            punkt_sync_server::engine::DEFAULT_ERASE_LIMIT,
        );
        s.db = db;
        s
    }
}

impl TestServer<PostgresStorage> {
    /// Whether the server's connection to PostgreSQL is encrypted.
    pub fn database_encrypted(&self) -> bool {
        self.block(self.engine.store.connection_encrypted())
            .unwrap()
    }

    /// A server instance on a PostgreSQL database (several may share one).
    pub fn start_postgres(url: &str) -> TestServer<PostgresStorage> {
        let rt = runtime();
        let storage = rt
            .block_on(PostgresStorage::connect(url, 4))
            .expect("PostgreSQL");
        TestServer::serve(
            rt,
            storage,
            Arc::new(AtomicI64::new(0)),
            punkt_sync_server::engine::DEFAULT_ERASE_LIMIT,
        )
    }
}

impl<S: TestBackend> TestServer<S> {
    /// Whether this server's database holds `needle` in its bytes ([`TestBackend::holds`]).
    pub fn holds(&self, needle: &[u8]) -> bool {
        S::holds(&self.db, needle)
    }

    /// The first column of every row `sql` returns (`None` when the statement fails).
    pub fn blobs(&self, sql: &str) -> Option<Vec<Vec<u8>>> {
        S::blobs(&self.db, sql)
    }

    /// Change the database behind the server's back (what an operator could do).
    pub fn execute(&self, sql: &str, params: &[SqlValue]) -> u64 {
        S::execute(&self.db, sql, params)
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

impl<S: Storage> TestServer<S> {
    fn serve(
        rt: tokio::runtime::Runtime,
        storage: S,
        clock_offset: Arc<AtomicI64>,
        erase_limit: u64,
    ) -> TestServer<S> {
        let offset = clock_offset.clone();
        let engine = Engine::new(storage)
            .with_erase_limit(erase_limit)
            .with_clock(move || chrono::Utc::now().timestamp() + offset.load(Ordering::SeqCst));
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind");
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let e = engine.clone();
        rt.spawn(async move {
            let _ = punkt_sync_server::http::serve_http(e, listener, async {
                let _ = rx.await;
            })
            .await;
        });
        TestServer {
            url: format!("http://{addr}"),
            addr,
            engine,
            db: PathBuf::new(),
            clock_offset,
            rt: Some(rt),
            shutdown: Some(tx),
        }
    }

    pub fn block<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.as_ref().expect("running").block_on(f)
    }

    pub fn org(&self, name: &str) {
        self.block(self.engine.store.add_org(name)).unwrap();
    }

    pub fn user(&self, org: &str, name: &str, role: &str) {
        self.block(self.engine.store.add_user(org, name, role))
            .unwrap();
    }

    /// People, as (organisation, user, role); an organisation is added the first time it is
    /// named.
    pub fn people(&self, people: &[(&str, &str, &str)]) {
        for (org, user, role) in people {
            if !self.block(self.engine.store.org_exists(org)).unwrap() {
                self.org(org);
            }
            self.user(org, user, role);
        }
    }

    /// Let organisation `org` read and write document `id` (what `admin grant` does).
    pub fn grant(&self, id: &str, org: &str) {
        self.block(self.engine.grant(id, org)).unwrap();
    }

    pub fn code(&self, user: &str) -> String {
        self.block(self.engine.make_enrol_code(user, 24)).unwrap()
    }

    /// What `punkt-sync-server admin revoke` does (logged).
    pub fn revoke(&self, device_id: &str) {
        self.block(self.engine.revoke(device_id)).unwrap();
    }

    /// What the server's hourly task does: delete the erasures past their grace period.
    pub fn purge_erasures(&self) -> u64 {
        self.block(self.engine.purge_due()).unwrap()
    }

    /// Move the server's clock `secs` seconds ahead.
    pub fn advance_clock(&self, secs: i64) {
        self.clock_offset.fetch_add(secs, Ordering::SeqCst);
    }

    /// The erasures the server holds (any organisation's), as an administrator sees them.
    pub fn held_erasures(&self) -> Vec<punkt_sync::wire::HeldErasure> {
        self.block(self.engine.held_erasures(None)).unwrap()
    }

    /// What `admin approve ID` does (the administrator approves).
    /// The ids of what waits for approval in `org`.
    pub fn approvals_of(&self, org: &str) -> Vec<String> {
        self.block(self.engine.approvals(Some(org)))
            .unwrap()
            .into_iter()
            .map(|a| a.id)
            .collect()
    }

    pub fn approve(&self, id: &str) -> Option<String> {
        self.block(self.engine.decide(None, id, true))
            .unwrap()
            .1
            .map(|c| c.code)
    }

    /// What an administrator runs after restoring the database from a backup.
    /// `admin migrate-blind`: a protocol 5 database moves to the blind form.
    pub fn migrate_blind(&self) -> punkt_sync_server::engine::MigrationReport {
        self.block(self.engine.migrate_blind()).unwrap()
    }

    /// What is still in clear: organisation → kind → count.
    pub fn migration_status(
        &self,
    ) -> std::collections::BTreeMap<String, std::collections::BTreeMap<String, u64>> {
        self.block(self.engine.migration_status()).unwrap()
    }

    pub fn restored(&self) {
        self.block(self.engine.restored()).unwrap();
    }

    /// What `admin delete-tallies --before MONTH` does.
    pub fn delete_tallies_before(&self, month: &str) -> u64 {
        self.block(self.engine.delete_tallies_before(month))
            .unwrap()
    }

    pub fn audit(&self) -> Vec<punkt_sync_server::storage::AuditEvent> {
        self.block(self.engine.store.audit_log(1000)).unwrap()
    }

    /// A document as the server stores it: its kind and how many bytes it holds.
    pub fn stored(&self, id: &str) -> Option<(String, usize)> {
        self.block(self.engine.store.load_doc(id))
            .unwrap()
            .map(|d| {
                let bytes = d.snapshot.len() + d.changes.iter().map(Vec::len).sum::<usize>();
                (d.kind, bytes)
            })
    }

    /// How the server keeps a document: whether a laptop's snapshot holds (part of) it, how
    /// many changes that snapshot replaced, and how many are loose.
    pub fn stored_form(&self, id: &str) -> StoredForm {
        let sd = self
            .block(self.engine.store.load_doc(id))
            .unwrap()
            .expect("the server has the document");
        let stored = punkt_sync_server::records::Stored::of(&sd).expect("a sealed document");
        StoredForm {
            snapshot: stored.snapshot.is_some(),
            covered: stored.snapshot.map_or(0, |s| s.covered.len()),
            loose: stored.changes.len(),
        }
    }

    pub fn doc_count(&self) -> usize {
        self.block(self.engine.store.changed_since("Fundacja A", 0, 100_000))
            .unwrap()
            .len()
    }

    /// Stop as a crash would: no graceful shutdown, connections dropped mid-request. Database
    /// calls already running finish (as a committed or an uncommitted transaction would on a
    /// real crash), so the files can then be copied as a consistent backup.
    pub fn kill(mut self) {
        self.shutdown.take();
        if let Some(rt) = self.rt.take() {
            rt.shutdown_timeout(std::time::Duration::from_secs(10));
        }
    }
}

impl<S: Storage> Drop for TestServer<S> {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

/// A laptop: an encrypted store enrolled with the server.
pub struct Device {
    pub punkt: Punkt,
    pub device_id: String,
    _dir: tempfile::TempDir,
}

impl Device {
    /// A laptop enrolled with an administrator's code, holding its organisation's keys: the
    /// first laptop of an organisation (or of a role) starts them; for a later one, the
    /// laptops enrolled before it compare its check code and give it theirs, as a
    /// coordinator would from the Team card.
    pub fn enrolled<S: Storage>(server: &TestServer<S>, org: &str, user: &str) -> Device {
        let d = Device::enrolled_without_keys(server, org, user);
        d.receive_keys(server);
        d
    }

    /// A laptop enrolled, its keys not given yet (it waits, showing its check code).
    pub fn enrolled_without_keys<S: Storage>(
        server: &TestServer<S>,
        org: &str,
        user: &str,
    ) -> Device {
        let dir = tempfile::tempdir().unwrap();
        let mut punkt = Punkt::init_with(&dir.path().join("store"), PASS, org, FAST).unwrap();
        let e = punkt
            .enroll(
                &server.url,
                &server.code(user),
                &format!("{user}'s laptop"),
                None,
            )
            .unwrap();
        Device {
            punkt,
            device_id: e.device_id,
            _dir: dir,
        }
    }

    /// Start this laptop's keys, or have the laptops enrolled before it give it theirs.
    pub fn receive_keys<S: Storage>(&self, server: &TestServer<S>) {
        let org = self.punkt.organisation().to_string();
        let mut me = Punkt::open(&self.store_dir(), PASS).unwrap();
        let mut t = me.transport_to(&server.url, None).unwrap();
        me.exchange_keys(&mut t).unwrap();
        let check = me.check_code().unwrap();
        let generation = server.block(server.engine.store.generation()).unwrap();
        let holders: Vec<std::path::PathBuf> = KEYHOLDERS
            .lock()
            .unwrap()
            .iter()
            .filter(|(g, o, _)| *g == generation && *o == org)
            .map(|(_, _, p)| p.clone())
            .collect();
        for dir in holders {
            // A laptop dropped by its test has no store any more.
            let Ok(mut holder) = Punkt::open(&dir, PASS) else {
                continue;
            };
            let mut ht = holder.transport_to(&server.url, None).unwrap();
            if holder.exchange_keys(&mut ht).is_err() {
                continue;
            }
            let _ = holder.give_keys(&mut ht, &self.device_id, &check);
        }
        me.exchange_keys(&mut t).unwrap();
        KEYHOLDERS
            .lock()
            .unwrap()
            .push((generation, org, self.store_dir()));
    }

    pub fn store_dir(&self) -> PathBuf {
        self._dir.path().join("store")
    }

    pub fn transport<S: Storage>(&self, server: &TestServer<S>) -> HttpTransport {
        self.punkt.transport_to(&server.url, None).unwrap()
    }

    /// One raw request through this laptop's transport; the decoded answer (a refusal too).
    pub fn ask<S: Storage>(
        &self,
        server: &TestServer<S>,
        req: punkt_sync::Request,
    ) -> punkt_sync::Response {
        use punkt_core::sync::Transport;
        let mut t = self.transport(server);
        // A refusal comes back with an HTTP error status and the refusal as its body.
        let answer = match t.exchange(&punkt_sync::encode_request(&req)) {
            Ok(answer) => answer,
            Err(punkt_core::sync::TransportError::Http { body, .. }) => body,
            Err(e) => panic!("{e:?}"),
        };
        punkt_sync::decode_response(&answer).unwrap()
    }

    pub fn sync<S: Storage>(&mut self, server: &TestServer<S>) -> SyncSummary {
        let mut t = self.transport(server);
        self.punkt.sync_with(&mut t, &mut |_| {}).expect("sync")
    }

    pub fn add(&mut self, json: &str) -> String {
        self.punkt
            .add_client(ClientInput::from_json(json).unwrap())
            .unwrap()
    }

    pub fn update(&mut self, id: &str, json: &str) {
        self.punkt
            .update_client(id, ClientInput::from_json(json).unwrap())
            .unwrap();
    }

    pub fn consult(&mut self, id: &str, note: &str) {
        let json = format!(
            r#"{{"date":"2026-11-02","place":{{"kind":"point","city":"Lublin"}},"services":["legal"],"note":"{note}"}}"#
        );
        self.punkt
            .add_consultation(id, ConsultationInput::from_json(&json).unwrap())
            .unwrap();
    }

    /// Every client file as JSON (with its conflicts), by id: what a person could see.
    pub fn contents(&self) -> std::collections::BTreeMap<String, serde_json::Value> {
        let ids = self.punkt.store().document_ids("client_file").unwrap();
        ids.into_iter()
            .map(|id| {
                let mut v = serde_json::to_value(self.punkt.client_view(&id).unwrap()).unwrap();
                // What this laptop's role may see, not what the file holds.
                v.as_object_mut().unwrap().remove("sensitive_visible");
                (id, v)
            })
            .collect()
    }

    /// Heads of every document, sorted.
    pub fn heads(&self) -> std::collections::BTreeMap<String, Vec<u8>> {
        let ids = self.punkt.store().document_ids("client_file").unwrap();
        ids.into_iter()
            .map(|id| {
                let (h, _) = self.punkt.store().document_heads(&id).unwrap().unwrap();
                let mut chunks: Vec<&[u8]> = h.chunks(32).collect();
                chunks.sort();
                (id, chunks.concat())
            })
            .collect()
    }
}

/// Every file under `dir` whose bytes contain `needle` (the erasure and consortium tests
/// search whole data directories for what must not be there).
pub fn files_containing(dir: &Path, needle: &[u8]) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(bytes) = std::fs::read(&p) {
                if bytes.windows(needle.len()).any(|w| w == needle) {
                    found.push(p.display().to_string());
                }
            }
        }
    }
    found
}

/// A server with organisation "Fundacja A" and two laptops enrolled in it (anna, a lawyer;
/// bartek, a counsellor).
pub fn two_laptops() -> (tempfile::TempDir, TestServer, Device, Device) {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    server.org("Fundacja A");
    server.user("Fundacja A", "anna", "lawyer");
    server.user("Fundacja A", "bartek", "counsellor");
    let a = Device::enrolled(&server, "Fundacja A", "anna");
    let b = Device::enrolled(&server, "Fundacja A", "bartek");
    (dir, server, a, b)
}

/// Assert that every device holds the same documents with the same heads and content.
pub fn assert_converged(devices: &[&Device]) {
    let first = devices[0];
    for d in &devices[1..] {
        assert_eq!(d.heads(), first.heads(), "heads differ between devices");
        assert_eq!(
            d.contents(),
            first.contents(),
            "contents differ between devices"
        );
    }
}

/// A private PostgreSQL cluster for one test, started from Debian's packages (which
/// `scripts/test.sh` installs) and stopped when dropped.
pub struct TestPostgres {
    pub url: String,
    /// With TLS: the self-signed certificate the cluster serves (PEM), to trust as the root.
    pub ca_pem: Option<PathBuf>,
    bin: PathBuf,
    data: PathBuf,
    opts: String,
    log: PathBuf,
    as_postgres: bool,
    _dir: tempfile::TempDir,
}

fn postgres_bin() -> PathBuf {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.path().join("bin"))
                .collect()
        })
        .unwrap_or_default();
    versions.retain(|p| p.join("initdb").exists());
    versions.sort();
    versions.pop().expect(
        "PostgreSQL is not installed: ./scripts/test.sh installs it (Debian package postgresql)",
    )
}

impl TestPostgres {
    pub fn start() -> TestPostgres {
        Self::start_with(None)
    }

    /// A cluster that serves TLS with a self-signed certificate for 127.0.0.1 (`ca_pem`).
    pub fn start_tls() -> TestPostgres {
        Self::start_with(Some(&["127.0.0.1", "localhost"]))
    }

    /// Over TLS, with a certificate for these host names only (its own certificate
    /// authority, `ca_pem`).
    pub fn start_tls_for(names: &[&str]) -> TestPostgres {
        Self::start_with(Some(names))
    }

    fn start_with(tls_names: Option<&[&str]>) -> TestPostgres {
        let bin = postgres_bin();
        let dir = tempfile::Builder::new()
            .prefix("punkt-pg")
            .tempdir()
            .unwrap();
        let data = dir.path().join("data");
        let mut ssl_opts = String::new();
        let mut ca_pem = None;
        if let Some(names) = tls_names {
            use std::os::unix::fs::PermissionsExt;
            let names = names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
            let key = rcgen::generate_simple_self_signed(names).unwrap();
            let (crt, pem) = (dir.path().join("server.crt"), dir.path().join("server.key"));
            std::fs::write(&crt, key.cert.pem()).unwrap();
            std::fs::write(&pem, key.key_pair.serialize_pem()).unwrap();
            std::fs::set_permissions(&pem, std::fs::Permissions::from_mode(0o600)).unwrap();
            ssl_opts = format!(
                " -c ssl=on -c ssl_cert_file={} -c ssl_key_file={}",
                crt.display(),
                pem.display()
            );
            ca_pem = Some(crt);
        }
        let root = std::process::Command::new("id")
            .arg("-u")
            .output()
            .map(|o| o.stdout == b"0\n")
            .unwrap_or(false);
        if root {
            // initdb refuses to run as root: the cluster belongs to Debian's postgres user.
            let ok = std::process::Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path())
                .status()
                .unwrap();
            assert!(ok.success(), "chown to postgres failed");
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let opts = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300{ssl_opts}",
            dir.path().display()
        );
        let log = dir.path().join("log");
        let pg = TestPostgres {
            url: format!("postgres://punkt@127.0.0.1:{port}/postgres"),
            ca_pem,
            bin,
            data,
            opts,
            log,
            as_postgres: root,
            _dir: dir,
        };
        pg.run(
            "initdb",
            &[
                "-D",
                pg.data.to_str().unwrap(),
                "-U",
                "punkt",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        );
        pg.pg_ctl("start");
        pg
    }

    fn pg_ctl(&self, action: &str) {
        self.run(
            "pg_ctl",
            &[
                "-D",
                self.data.to_str().unwrap(),
                "-l",
                self.log.to_str().unwrap(),
                "-o",
                &self.opts,
                "-m",
                "fast",
                "-w",
                action,
            ],
        );
    }

    /// Stop and start the database as an operator's restart would: every connection to it
    /// is cut.
    pub fn restart(&self) {
        self.pg_ctl("stop");
        self.pg_ctl("start");
    }

    /// A plain-text dump of the database (`pg_dump`), as a backup would be made.
    pub fn dump(&self) -> Vec<u8> {
        self.dump_of(&self.url)
    }

    /// A plain-text dump of another database of this cluster.
    pub fn dump_of(&self, url: &str) -> Vec<u8> {
        let out = std::process::Command::new(self.bin.join("pg_dump"))
            .arg(format!("--dbname={url}"))
            .output()
            .expect("pg_dump");
        assert!(
            out.status.success(),
            "pg_dump failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let exe = self.bin.join(tool);
        let out = if self.as_postgres {
            std::process::Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(&exe)
                .args(args)
                .output()
        } else {
            std::process::Command::new(&exe).args(args).output()
        }
        .unwrap_or_else(|e| panic!("{tool}: {e}"));
        assert!(
            out.status.success(),
            "{tool} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl TestPostgres {
    /// Stop the cluster and delete its files when this process ends, however it ends (a
    /// cluster kept in a static is never dropped): a watcher process waits for it.
    #[allow(
        clippy::zombie_processes,
        reason = "the watcher outlives this process on purpose"
    )]
    fn stop_with_process(&self) {
        let stop = format!(
            "{} {} -D {} -m immediate stop",
            if self.as_postgres {
                "runuser -u postgres --"
            } else {
                ""
            },
            self.bin.join("pg_ctl").display(),
            self.data.display()
        );
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 0.2; done; {stop}; rm -rf {dir}",
            pid = std::process::id(),
            dir = self._dir.path().display()
        );
        std::process::Command::new("sh")
            .args(["-c", &script])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("the cluster's watcher");
    }
}

impl Drop for TestPostgres {
    fn drop(&mut self) {
        let exe = self.bin.join("pg_ctl");
        let args = [
            "-D",
            self.data.to_str().unwrap_or(""),
            "-m",
            "immediate",
            "stop",
        ];
        let _ = if self.as_postgres {
            std::process::Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(&exe)
                .args(args)
                .output()
        } else {
            std::process::Command::new(&exe).args(args).output()
        };
    }
}
