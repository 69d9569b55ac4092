//! PostgreSQL storage: several server instances share one database. Per-document writes are
//! serialised by `SELECT … FOR UPDATE` plus compare-and-set on the heads; the change sequence
//! is one counter row updated inside each write's transaction, so sequence numbers become
//! visible in order and "what changed since" never skips a write committed late.

use std::sync::Arc;

use punkt_sync::docs::{heads_from_bytes, heads_to_bytes, sorted};
use punkt_sync::wire::ERASED_KIND;

use punkt_sync::wire::{KeyGrant, OrgKeys, ScopeEpoch, SharedKey, SignedRuleBook, WrappedKey};

use super::sql::{self, APPROVAL_SELECT, DEVICE_SELECT, ORG_KEYS_SELECT};
use crate::storage::{
    check_role, timestamp, usable_code, Approval, AuditEvent, Changed, Device, DocWrite, HeldDoc,
    Hold, NewDevice, Result, ServerDoc, Storage, StorageError, TallyMonth, TallyRow, TallyUpload,
    WriteOutcome,
};

/// What only PostgreSQL writes so: the first values, and the audit log (its id a sequence).
const SCHEMA: &str = "
INSERT INTO counters(name, value) VALUES ('seq', 0) ON CONFLICT DO NOTHING;
INSERT INTO server_meta(key, value) VALUES ('generation', md5(random()::text || clock_timestamp()::text))
    ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS audit (
    id BIGSERIAL PRIMARY KEY, at TEXT NOT NULL, action TEXT NOT NULL, device_id TEXT,
    user_name TEXT, organisation TEXT, doc_id TEXT, detail TEXT NOT NULL);
";

/// How the connection to PostgreSQL is protected: libpq's `sslmode` values, read from the
/// URL (`?sslmode=verify-full&sslrootcert=/etc/punkt/db-ca.pem`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// Plain TCP (only sensible on the same machine).
    Disable,
    /// TLS when the server offers it, plain otherwise; the certificate is not checked.
    Prefer,
    /// TLS or nothing; the certificate is not checked (checked against `sslrootcert` if given,
    /// as libpq does).
    Require,
    /// TLS, the certificate chain checked against `sslrootcert` (or the public roots).
    VerifyCa,
    /// TLS, the chain and the host name checked.
    VerifyFull,
}

/// The database URL split into what tokio-postgres reads and what Punkt handles itself:
/// `sslmode` (tokio-postgres knows only disable/prefer/require) and `sslrootcert`. Without
/// `sslmode`, a database on this machine is `prefer` and one elsewhere `require`: the people's
/// files never cross a network in clear.
pub fn tls_settings(url: &str) -> Result<(String, TlsMode, Option<std::path::PathBuf>)> {
    let invalid = |m: String| StorageError::Invalid(m);
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut mode = None;
    let mut root = None;
    let mut rest = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        match k {
            "sslmode" => {
                mode = Some(match v {
                    "disable" => TlsMode::Disable,
                    "prefer" | "allow" => TlsMode::Prefer,
                    "require" => TlsMode::Require,
                    "verify-ca" => TlsMode::VerifyCa,
                    "verify-full" => TlsMode::VerifyFull,
                    other => {
                        return Err(invalid(format!(
                        "sslmode={other}: use disable, prefer, require, verify-ca or verify-full"
                    )))
                    }
                })
            }
            "sslrootcert" => root = Some(std::path::PathBuf::from(percent_decode(v))),
            _ => rest.push(pair),
        }
    }
    let parsed: tokio_postgres::Config = base
        .parse()
        .map_err(|e| invalid(format!("not a PostgreSQL URL: {e}")))?;
    let local = parsed.get_hosts().iter().all(|h| match h {
        tokio_postgres::config::Host::Tcp(name) => {
            name == "localhost"
                || name
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
        #[cfg(unix)]
        tokio_postgres::config::Host::Unix(_) => true,
    });
    let mode = mode.unwrap_or(if local {
        TlsMode::Prefer
    } else {
        TlsMode::Require
    });
    let mut url = base.to_string();
    if !rest.is_empty() {
        url.push('?');
        url.push_str(&rest.join("&"));
    }
    Ok((url, mode, root))
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

mod verify {
    //! Certificate checks for the weaker `sslmode`s: rustls always verifies, so `require`
    //! (encrypt, do not authenticate) and `verify-ca` (the chain, not the name) need verifiers
    //! of their own.
    use std::sync::Arc;

    use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
    use rustls::client::WebPkiServerVerifier;
    use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
    use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
    use rustls::{CertificateError, DigitallySignedStruct, Error, SignatureScheme};

    /// Checks the handshake signatures, and the certificate as the `sslmode` says: with
    /// `chain`, against the roots but not the host name (`verify-ca`); without, not at all
    /// (`require`).
    #[derive(Debug)]
    pub struct Weaker {
        pub provider: Arc<CryptoProvider>,
        pub chain: Option<Arc<WebPkiServerVerifier>>,
    }

    impl ServerCertVerifier for Weaker {
        fn verify_server_cert(
            &self,
            end: &CertificateDer<'_>,
            intermediates: &[CertificateDer<'_>],
            name: &ServerName<'_>,
            ocsp: &[u8],
            now: UnixTime,
        ) -> Result<ServerCertVerified, Error> {
            let Some(chain) = &self.chain else {
                return Ok(ServerCertVerified::assertion());
            };
            match chain.verify_server_cert(end, intermediates, name, ocsp, now) {
                Err(Error::InvalidCertificate(
                    CertificateError::NotValidForName
                    | CertificateError::NotValidForNameContext { .. },
                )) => Ok(ServerCertVerified::assertion()),
                r => r,
            }
        }
        fn verify_tls12_signature(
            &self,
            m: &[u8],
            c: &CertificateDer<'_>,
            d: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, Error> {
            verify_tls12_signature(m, c, d, &self.provider.signature_verification_algorithms)
        }
        fn verify_tls13_signature(
            &self,
            m: &[u8],
            c: &CertificateDer<'_>,
            d: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, Error> {
            verify_tls13_signature(m, c, d, &self.provider.signature_verification_algorithms)
        }
        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.provider
                .signature_verification_algorithms
                .supported_schemes()
        }
    }
}

fn tls_connector(
    mode: TlsMode,
    root: Option<&std::path::Path>,
) -> Result<tokio_postgres_rustls::MakeRustlsConnect> {
    use rustls::pki_types::{pem::PemObject, CertificateDer};
    let bad = |m: String| StorageError::Invalid(m);
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let roots = || -> Result<rustls::RootCertStore> {
        let mut r = rustls::RootCertStore::empty();
        match root {
            Some(p) => {
                let certs = CertificateDer::pem_file_iter(p)
                    .map_err(|e| bad(format!("sslrootcert {}: {e}", p.display())))?;
                for c in certs {
                    let c = c.map_err(|e| bad(format!("sslrootcert {}: {e}", p.display())))?;
                    r.add(c)
                        .map_err(|e| bad(format!("sslrootcert {}: {e}", p.display())))?;
                }
            }
            None => r.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
        }
        Ok(r)
    };
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| bad(e.to_string()))?;
    // `require` with a root certificate checks the chain, as libpq does.
    let mode = match (mode, root) {
        (TlsMode::Require, Some(_)) => TlsMode::VerifyCa,
        (m, _) => m,
    };
    let config = match mode {
        TlsMode::VerifyFull => builder.with_root_certificates(roots()?),
        _ => {
            let chain = match mode {
                TlsMode::VerifyCa => Some(
                    rustls::client::WebPkiServerVerifier::builder_with_provider(
                        Arc::new(roots()?),
                        provider.clone(),
                    )
                    .build()
                    .map_err(|e| bad(e.to_string()))?,
                ),
                _ => None,
            };
            let weaker = verify::Weaker { provider, chain };
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(weaker))
        }
    }
    .with_no_client_auth();
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

/// The columns added since the first release ([`sql::ADDED_COLUMNS`]), for databases made
/// before them.
fn added_columns() -> String {
    sql::ADDED_COLUMNS
        .iter()
        .map(|(table, column, kind)| {
            sql::postgres(&format!(
                "ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column} {kind};"
            ))
        })
        .collect()
}

/// A pool of connections: one broken by a database restart is found on checkout (a round
/// trip checks it) and replaced, so the server carries on once PostgreSQL is back.
#[derive(Clone)]
pub struct PostgresStorage {
    pool: deadpool_postgres::Pool,
}

impl PostgresStorage {
    /// Connect with up to `connections` connections, over TLS as the URL's `sslmode` says,
    /// and create the schema if missing.
    pub async fn connect(url: &str, connections: usize) -> Result<Self> {
        use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
        let (url, mode, root) = tls_settings(url)?;
        let mut config: tokio_postgres::Config = url
            .parse()
            .map_err(|e| StorageError::Invalid(format!("not a PostgreSQL URL: {e}")))?;
        config.connect_timeout(std::time::Duration::from_secs(10));
        config.ssl_mode(match mode {
            TlsMode::Disable => tokio_postgres::config::SslMode::Disable,
            TlsMode::Prefer => tokio_postgres::config::SslMode::Prefer,
            _ => tokio_postgres::config::SslMode::Require,
        });
        let manager_config = ManagerConfig {
            recycling_method: RecyclingMethod::Verified,
        };
        let manager = if mode == TlsMode::Disable {
            Manager::from_config(config, tokio_postgres::NoTls, manager_config)
        } else {
            Manager::from_config(
                config,
                tls_connector(mode, root.as_deref())?,
                manager_config,
            )
        };
        let pool = Pool::builder(manager)
            .max_size(connections.max(1))
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(std::time::Duration::from_secs(30)))
            .create_timeout(Some(std::time::Duration::from_secs(10)))
            .build()
            .map_err(|e| StorageError::Database(e.to_string()))?;
        let s = PostgresStorage { pool };
        {
            let c = s.client().await?;
            // Two instances starting at once must not race on CREATE TABLE.
            c.batch_execute(&format!(
                "BEGIN; SELECT pg_advisory_xact_lock(4242); {} {SCHEMA} {} {} COMMIT;",
                sql::postgres(sql::TABLES),
                added_columns(),
                sql::INDEXES
            ))
            .await?;
        }
        Ok(s)
    }

    /// Every row of `sql` with `params`, each made into a `T` by `row`.
    async fn all<T>(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
        row: impl Fn(&tokio_postgres::Row) -> T,
    ) -> Result<Vec<T>> {
        let rows = self.client().await?.query(sql, params).await?;
        Ok(rows.iter().map(row).collect())
    }

    /// `sql` run for each of `items`, with the parameters `params` makes of it, in one
    /// transaction.
    async fn insert_each<T>(
        &self,
        sql: &str,
        items: &[T],
        params: impl Fn(&T) -> Vec<Owned>,
    ) -> Result<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        let statement = tx.prepare(sql).await?;
        for item in items {
            tx.execute_raw(&statement, params(item)).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn client(&self) -> Result<deadpool_postgres::Object> {
        self.pool.get().await.map_err(|e| {
            // The cause (a certificate not trusted, a refused connection) is in the chain.
            let mut why = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                why.push_str(": ");
                why.push_str(&s.to_string());
                source = s.source();
            }
            StorageError::Database(format!("PostgreSQL is not reachable: {why}"))
        })
    }

    /// Whether this instance's connection to the database is encrypted (for tests and the
    /// start-up log).
    pub async fn connection_encrypted(&self) -> Result<bool> {
        let c = self.client().await?;
        let row = c
            .query_opt(
                "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                &[],
            )
            .await?;
        Ok(row.is_some_and(|r| r.get::<_, bool>(0)))
    }
}

/// One parameter of a statement, owned (see [`PostgresStorage::insert_each`]).
type Owned = Box<dyn tokio_postgres::types::ToSql + Sync + Send>;

fn approval_row(r: &tokio_postgres::Row) -> Approval {
    Approval {
        id: r.get(0),
        organisation: r.get(1),
        action: r.get(2),
        subject: r.get(3),
        role: r.get(4),
        expires_at: r.get(5),
        requested_by: r.get(6),
        requested_device: r.get(7),
        requested_at: r.get(8),
    }
}

/// The next number of the change sequence, inside the caller's transaction (so numbers become
/// visible in the order their writes commit).
async fn next_seq(tx: &tokio_postgres::Transaction<'_>) -> Result<i64> {
    Ok(tx.query_one(sql::NEXT_SEQ, &[]).await?.get(0))
}

fn device_row(r: &tokio_postgres::Row) -> Device {
    Device {
        device_id: r.get(0),
        name: r.get(1),
        user: r.get(2),
        organisation: r.get(3),
        role: r.get(4),
        enrolled_at: timestamp(r.get(5)),
        last_seen: r.get::<_, Option<i64>>(6).map(timestamp),
        revoked_at: r.get::<_, Option<i64>>(7).map(timestamp),
        public_key: r.get(8),
        code_record: r.get(9),
        proof: r.get(10),
    }
}

fn org_keys_row(r: &tokio_postgres::Row) -> OrgKeys {
    OrgKeys {
        org: r.get(0),
        epoch: r.get::<_, i64>(1) as u32,
        public_key: r.get::<_, Vec<u8>>(2).into(),
        signing_key: r.get::<_, Vec<u8>>(3).into(),
        link: r.get::<_, Vec<u8>>(4).into(),
    }
}

impl Storage for PostgresStorage {
    async fn add_org(&self, name: &str) -> Result<()> {
        let c = self.client().await?;
        let n = c
            .execute(
                "INSERT INTO orgs(name) VALUES ($1) ON CONFLICT DO NOTHING",
                &[&name],
            )
            .await?;
        if n == 0 {
            return Err(StorageError::Exists(format!(
                "organisation '{name}' already exists"
            )));
        }
        Ok(())
    }

    async fn add_user(&self, org: &str, name: &str, role: &str) -> Result<()> {
        check_role(role)?;
        let c = self.client().await?;
        if c.query_opt(sql::ORG_EXISTS, &[&org]).await?.is_none() {
            return Err(StorageError::NotFound(format!("no organisation '{org}'")));
        }
        let n = c
            .execute(
                "INSERT INTO users(name, org, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                &[&name, &org, &role],
            )
            .await?;
        if n == 0 {
            return Err(StorageError::Exists(format!(
                "user '{name}' already exists"
            )));
        }
        Ok(())
    }

    async fn add_enrol_code(&self, user: &str, code_hash: [u8; 32], expires_at: i64) -> Result<()> {
        let c = self.client().await?;
        if c.query_opt(sql::USER_EXISTS, &[&user]).await?.is_none() {
            return Err(StorageError::NotFound(format!("no user '{user}'")));
        }
        c.execute(
            sql::INSERT_ENROL_CODE,
            &[&code_hash.as_slice(), &user, &expires_at],
        )
        .await?;
        Ok(())
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
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        let code = tx
            .query_opt(
                "SELECT user_name, expires_at, used_at FROM enrol_codes WHERE code_hash = $1 FOR UPDATE",
                &[&code_hash.as_slice()],
            )
            .await?;
        let user = usable_code(code.map(|r| (r.get(0), r.get(1), r.get(2))), now)?;
        tx.execute(sql::USE_ENROL_CODE, &[&code_hash.as_slice(), &now])
            .await?;
        tx.execute(
            sql::INSERT_DEVICE,
            &[
                &device_id,
                &device_name,
                &user,
                &token_hash.as_slice(),
                &now,
                &public_key,
                &proof,
                &code_hash.as_slice(),
            ],
        )
        .await?;
        let row = tx
            .query_one(
                &format!("{DEVICE_SELECT} WHERE d.device_id = $1"),
                &[&device_id],
            )
            .await?;
        tx.commit().await?;
        Ok(device_row(&row))
    }

    async fn put_code_record(
        &self,
        code_hash: [u8; 32],
        org: &str,
        record: Vec<u8>,
    ) -> Result<bool> {
        let c = self.client().await?;
        let n = c
            .execute(
                sql::PUT_CODE_RECORD,
                &[&code_hash.as_slice(), &org, &record],
            )
            .await?;
        Ok(n > 0)
    }

    async fn set_public_key(&self, device_id: &str, public_key: [u8; 32]) -> Result<bool> {
        let c = self.client().await?;
        let n = c
            .execute(sql::SET_PUBLIC_KEY, &[&device_id, &public_key.as_slice()])
            .await?;
        Ok(n > 0)
    }

    async fn put_doc_keys(&self, doc_id: &str, keys: Vec<WrappedKey>) -> Result<()> {
        let sql = "INSERT INTO doc_keys(doc_id, org, scope, epoch, sealed_to_org, wrapped)
                   VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING";
        self.insert_each(sql, &keys, |k| {
            vec![
                Box::new(doc_id.to_string()),
                Box::new(k.org.clone()),
                Box::new(k.scope.clone()),
                Box::new(i64::from(k.epoch)),
                Box::new(k.sealed_to_org),
                Box::new(k.wrapped.to_vec()),
            ]
        })
        .await
    }

    async fn doc_keys(&self, doc_id: &str) -> Result<Vec<WrappedKey>> {
        self.all(sql::DOC_KEYS, &[&doc_id], |r| WrappedKey {
            org: r.get(0),
            scope: r.get(1),
            epoch: r.get::<_, i64>(2) as u32,
            sealed_to_org: r.get(3),
            wrapped: r.get::<_, Vec<u8>>(4).into(),
        })
        .await
    }

    async fn key_epochs(&self) -> Result<Vec<ScopeEpoch>> {
        self.all(sql::KEY_EPOCHS, &[], |r| ScopeEpoch {
            org: r.get(0),
            scope: r.get(1),
            epoch: r.get::<_, i64>(2) as u32,
            public_key: r.get::<_, Option<Vec<u8>>>(3).map(Into::into),
        })
        .await
    }

    async fn org_keys(&self) -> Result<Vec<OrgKeys>> {
        self.all(
            &format!(
                "{ORG_KEYS_SELECT} JOIN key_epochs e
                       ON e.org = k.org AND e.scope = 'org' AND e.epoch = k.epoch
                     ORDER BY k.org, k.epoch"
            ),
            &[],
            org_keys_row,
        )
        .await
    }

    async fn org_key_chain(&self, org: &str, after: u32, limit: u32) -> Result<Vec<OrgKeys>> {
        self.all(
            &format!(
                "{ORG_KEYS_SELECT} WHERE k.org = $1 AND k.epoch > $2 ORDER BY k.epoch LIMIT $3"
            ),
            &[&org, &(after as i64), &(limit as i64)],
            org_keys_row,
        )
        .await
    }

    async fn rule_book(&self) -> Result<Option<SignedRuleBook>> {
        let c = self.client().await?;
        let row = c.query_opt(sql::NEWEST_RULE_BOOK, &[]).await?;
        Ok(row.map(|r| SignedRuleBook {
            org: r.get(0),
            epoch: r.get::<_, i64>(1) as u32,
            serial: r.get::<_, i64>(2) as u64,
            book: r.get(3),
            signature: r.get::<_, Vec<u8>>(4).into(),
        }))
    }

    async fn rule_book_serial(&self) -> Result<u64> {
        let c = self.client().await?;
        let row = c.query_one(sql::RULE_BOOK_SERIAL, &[]).await?;
        Ok(row.get::<_, i64>(0) as u64)
    }

    async fn publish_rule_book(
        &self,
        b: SignedRuleBook,
        published_by: &str,
        now: i64,
    ) -> Result<bool> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        // One publisher at a time: the serial check and the insert are one step.
        tx.execute("LOCK TABLE rule_books IN EXCLUSIVE MODE", &[])
            .await?;
        let newest: i64 = tx.query_one(sql::RULE_BOOK_SERIAL, &[]).await?.get(0);
        if b.serial as i64 <= newest {
            return Ok(false);
        }
        tx.execute(
            sql::INSERT_RULE_BOOK,
            &[
                &(b.serial as i64),
                &b.org,
                &(b.epoch as i64),
                &b.book,
                &b.signature.as_slice(),
                &published_by,
                &now,
            ],
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn publish_org_keys(&self, k: OrgKeys, created_by: &str, now: i64) -> Result<bool> {
        let c = self.client().await?;
        let n = c
            .execute(
                "INSERT INTO org_keys(org, epoch, public_key, signing_key, link, created_by,
                     created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
                &[
                    &k.org,
                    &(k.epoch as i64),
                    &k.public_key.as_slice(),
                    &k.signing_key.as_slice(),
                    &k.link.as_slice(),
                    &created_by,
                    &now,
                ],
            )
            .await?;
        Ok(n > 0)
    }

    async fn add_epoch(&self, e: ScopeEpoch, created_by: &str, now: i64) -> Result<bool> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        let pk = e.public_key.map(|k| k.into_vec());
        let n = tx
            .execute(
                "INSERT INTO key_epochs(org, scope, epoch, public_key, created_by, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
                &[&e.org, &e.scope, &(e.epoch as i64), &pk, &created_by, &now],
            )
            .await?;
        if n > 0 {
            tx.execute(sql::DELETE_KEY_ROTATION, &[&e.org, &e.scope])
                .await?;
        }
        tx.commit().await?;
        Ok(n > 0)
    }

    async fn unshared(&self, org: &str) -> Result<Vec<(String, String)>> {
        self.all(sql::UNSHARED_KEYS, &[&org, &ERASED_KIND], |r| {
            (r.get(0), r.get(1))
        })
        .await
    }

    async fn doc_ids(&self) -> Result<Vec<String>> {
        self.all(sql::DOC_IDS, &[&ERASED_KIND], |r| r.get(0)).await
    }

    async fn mark_legacy(&self, id: &str, hashes: Vec<[u8; 32]>) -> Result<()> {
        let c = self.client().await?;
        c.execute(
            "INSERT INTO legacy_docs(id, hashes) VALUES ($1, $2)
             ON CONFLICT (id) DO UPDATE SET hashes = excluded.hashes",
            &[&id, &hashes.concat()],
        )
        .await?;
        Ok(())
    }

    async fn legacy(&self, org: Option<&str>, limit: u32) -> Result<Vec<(String, String)>> {
        self.all(
            "SELECT d.id, d.kind FROM legacy_docs l JOIN documents d ON d.id = l.id
                 WHERE $1::TEXT IS NULL OR d.owner_org = $1 ORDER BY d.id LIMIT $2",
            &[&org, &(limit as i64)],
            |r| (r.get(0), r.get(1)),
        )
        .await
    }

    async fn legacy_hashes(&self, id: &str) -> Result<Option<Vec<[u8; 32]>>> {
        let c = self.client().await?;
        let row = c.query_opt(sql::LEGACY_HASHES, &[&id]).await?;
        Ok(row.map(|r| {
            r.get::<_, Vec<u8>>(0)
                .chunks_exact(32)
                .map(|h| h.try_into().expect("32 bytes"))
                .collect()
        }))
    }

    async fn forget_legacy(&self, id: &str) -> Result<()> {
        let c = self.client().await?;
        c.execute(sql::DELETE_LEGACY_DOC, &[&id]).await?;
        Ok(())
    }

    async fn grants(&self, org: &str) -> Result<Vec<KeyGrant>> {
        self.all(sql::GRANTS_OF_ORG, &[&org], |r| KeyGrant {
            device_id: r.get(0),
            scope: r.get(1),
            epoch: r.get::<_, i64>(2) as u32,
            sealed: r.get::<_, Vec<u8>>(3).into(),
            endorsement: r.get::<_, Option<Vec<u8>>>(4).unwrap_or_default().into(),
        })
        .await
    }

    async fn add_grants(&self, org: &str, grants: Vec<KeyGrant>) -> Result<()> {
        let sql = "INSERT INTO key_grants(org, device_id, scope, epoch, sealed, endorsement)
                   VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING";
        self.insert_each(sql, &grants, |g| {
            vec![
                Box::new(org.to_string()),
                Box::new(g.device_id.clone()),
                Box::new(g.scope.clone()),
                Box::new(i64::from(g.epoch)),
                Box::new(g.sealed.to_vec()),
                Box::new(g.endorsement.to_vec()),
            ]
        })
        .await
    }

    async fn rotations(&self, org: &str) -> Result<Vec<String>> {
        self.all(sql::ROTATIONS_OF_ORG, &[&org], |r| r.get(0)).await
    }

    async fn stale_wraps(
        &self,
        org: &str,
        scope: &str,
        newest: u32,
        limit: u32,
    ) -> Result<Vec<SharedKey>> {
        self.all(
            sql::STALE_WRAPS,
            &[&org, &scope, &(newest as i64), &(limit as i64)],
            |r| SharedKey {
                doc_id: r.get(0),
                key: WrappedKey {
                    org: r.get(1),
                    scope: r.get(2),
                    epoch: r.get::<_, i64>(3) as u32,
                    sealed_to_org: r.get(4),
                    wrapped: r.get::<_, Vec<u8>>(5).into(),
                },
            },
        )
        .await
    }

    async fn rewrap(&self, doc_id: &str, key: WrappedKey) -> Result<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        tx.execute(
            "INSERT INTO doc_keys(doc_id, org, scope, epoch, sealed_to_org, wrapped)
             VALUES ($1, $2, $3, $4, FALSE, $5) ON CONFLICT DO NOTHING",
            &[
                &doc_id,
                &key.org,
                &key.scope,
                &(key.epoch as i64),
                &key.wrapped.as_slice(),
            ],
        )
        .await?;
        tx.execute(
            sql::DELETE_OLDER_WRAPS,
            &[&doc_id, &key.org, &key.scope, &(key.epoch as i64)],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn retire_epochs(&self, org: &str, scope: &str, before: u32) -> Result<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        for table in ["key_grants", "key_epochs"] {
            tx.execute(
                &format!("DELETE FROM {table} WHERE org = $1 AND scope = $2 AND epoch < $3"),
                &[&org, &scope, &(before as i64)],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn revoke(&self, device_id: &str, now: i64) -> Result<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        let n = tx.execute(sql::REVOKE_DEVICE, &[&device_id, &now]).await?;
        if n == 0 {
            return Err(StorageError::NotFound(format!("no device '{device_id}'")));
        }
        tx.execute(
            "INSERT INTO key_rotations(org, scope, reason)
             SELECT DISTINCT org, scope, 'a laptop holding it was revoked' FROM key_grants
             WHERE device_id = $1 ON CONFLICT DO NOTHING",
            &[&device_id],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn users(&self) -> Result<Vec<(String, String, String)>> {
        self.all(sql::USERS, &[], |r| (r.get(0), r.get(1), r.get(2)))
            .await
    }

    async fn devices(&self) -> Result<Vec<Device>> {
        self.all(
            &format!("{DEVICE_SELECT} ORDER BY d.enrolled_at, d.device_id"),
            &[],
            device_row,
        )
        .await
    }

    async fn device_by_token(&self, token_hash: [u8; 32]) -> Result<Option<Device>> {
        let c = self.client().await?;
        Ok(c.query_opt(
            &format!("{DEVICE_SELECT} WHERE d.token_hash = $1"),
            &[&token_hash.as_slice()],
        )
        .await?
        .map(|r| device_row(&r)))
    }

    async fn touch_device(&self, device_id: &str, now: i64) -> Result<()> {
        let c = self.client().await?;
        c.execute(sql::TOUCH_DEVICE, &[&device_id, &now]).await?;
        Ok(())
    }

    async fn load_doc(&self, id: &str) -> Result<Option<ServerDoc>> {
        let mut c = self.client().await?;
        // One snapshot for the row, its changes and its access list.
        let tx = c
            .build_transaction()
            .read_only(true)
            .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
            .start()
            .await?;
        let Some(row) = tx.query_opt(sql::LOAD_DOC, &[&id]).await? else {
            return Ok(None);
        };
        let changes = tx
            .query(sql::CHANGES_OF_DOC, &[&id])
            .await?
            .iter()
            .map(|r| r.get::<_, Vec<u8>>(0))
            .collect();
        let access = tx
            .query(sql::ACCESS_OF_DOC, &[&id])
            .await?
            .iter()
            .map(|r| r.get::<_, String>(0))
            .collect();
        tx.commit().await?;
        Ok(Some(ServerDoc {
            id: id.to_string(),
            kind: row.get(0),
            owner_org: row.get(1),
            access,
            snapshot: row.get(2),
            changes,
            heads: heads_from_bytes(&row.get::<_, Vec<u8>>(3)),
            seq: row.get::<_, i64>(4) as u64,
            created_by: row.get(5),
            created_at: row.get(6),
        }))
    }

    async fn write_doc(&self, w: DocWrite) -> Result<WriteOutcome> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        let current: Option<Vec<u8>> = tx
            .query_opt(
                "SELECT heads FROM documents WHERE id = $1 FOR UPDATE",
                &[&w.id],
            )
            .await?
            .map(|r| r.get(0));
        let matches = match (&w.expected_heads, &current) {
            (None, None) => true,
            (Some(exp), Some(cur)) => sorted(exp.clone()) == sorted(heads_from_bytes(cur)),
            _ => false,
        };
        if !matches {
            return Ok(WriteOutcome::Conflict);
        }
        let seq = next_seq(&tx).await?;
        let heads = heads_to_bytes(&w.heads);
        match (&current, &w.snapshot) {
            (None, snapshot) => {
                let snapshot = snapshot.clone().unwrap_or_default();
                let n = tx
                    .execute(
                        "INSERT INTO documents(id, kind, owner_org, snapshot, heads, seq, created_by, created_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                         ON CONFLICT (id) DO NOTHING",
                        &[&w.id, &w.kind, &w.owner_org, &snapshot, &heads, &seq, &w.created_by, &w.created_at],
                    )
                    .await?;
                if n == 0 {
                    // Another instance created it meanwhile.
                    return Ok(WriteOutcome::Conflict);
                }
            }
            (Some(_), Some(snapshot)) => {
                tx.execute(sql::SET_DOC_SNAPSHOT, &[&w.id, snapshot, &heads, &seq])
                    .await?;
                tx.execute(sql::DELETE_DOC_CHANGES, &[&w.id]).await?;
            }
            (Some(_), None) => {
                tx.execute(sql::SET_DOC_HEADS, &[&w.id, &heads, &seq])
                    .await?;
            }
        }
        if !w.changes.is_empty() {
            let mut n: i64 = tx
                .query_one(sql::NEXT_CHANGE_NUMBER, &[&w.id])
                .await?
                .get(0);
            for (h, bytes) in &w.changes {
                let inserted = tx
                    .execute(
                        "INSERT INTO doc_changes(doc_id, n, hash, bytes) VALUES ($1, $2, $3, $4)
                         ON CONFLICT (doc_id, hash) DO NOTHING",
                        &[&w.id, &n, &h.0.as_slice(), bytes],
                    )
                    .await?;
                if inserted > 0 {
                    n += 1;
                }
            }
        }
        tx.commit().await?;
        Ok(WriteOutcome::Stored(seq as u64))
    }

    async fn erase_doc(&self, id: &str, owner_org: &str, hold: &Hold) -> Result<u64> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        // Serialise with writes of the same document.
        tx.execute("SELECT 1 FROM documents WHERE id = $1 FOR UPDATE", &[&id])
            .await?;
        let seq = next_seq(&tx).await?;
        let held = tx
            .execute(
                "INSERT INTO held_docs(id, kind, owner_org, snapshot, heads, created_by, created_at,
                                       batch, erased_at, device_id, user_name)
                 SELECT id, kind, owner_org, snapshot, heads, created_by, created_at,
                        $2, $3, $4, $5
                 FROM documents WHERE id = $1 AND kind <> $6
                 ON CONFLICT (id) DO NOTHING",
                &[
                    &id,
                    &hold.batch,
                    &hold.at,
                    &hold.device_id,
                    &hold.user,
                    &ERASED_KIND,
                ],
            )
            .await?;
        if held > 0 {
            tx.execute(sql::HOLD_CHANGES, &[&id]).await?;
        }
        tx.execute(sql::DELETE_DOC_CHANGES, &[&id]).await?;
        let empty: Vec<u8> = Vec::new();
        tx.execute(
            "INSERT INTO documents(id, kind, owner_org, snapshot, heads, seq)
             VALUES ($1, $2, $3, $4, $4, $5)
             ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, snapshot = excluded.snapshot,
                heads = excluded.heads, seq = excluded.seq, undone = FALSE",
            &[&id, &ERASED_KIND, &owner_org, &empty, &seq],
        )
        .await?;
        tx.commit().await?;
        Ok(seq as u64)
    }

    async fn held(&self, org: Option<&str>) -> Result<Vec<HeldDoc>> {
        self.all(
            "SELECT id, kind, owner_org, batch, erased_at, device_id, user_name FROM held_docs
                 WHERE $1::TEXT IS NULL OR owner_org = $1 ORDER BY erased_at, batch, id",
            &[&org],
            |r| HeldDoc {
                doc_id: r.get(0),
                kind: r.get(1),
                owner_org: r.get(2),
                batch: r.get(3),
                erased_at: r.get(4),
                device_id: r.get(5),
                user: r.get(6),
            },
        )
        .await
    }

    async fn restore_held(&self, batch: &str) -> Result<Vec<String>> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        let ids: Vec<String> = tx
            .query(
                "SELECT id FROM held_docs WHERE batch = $1 ORDER BY id FOR UPDATE",
                &[&batch],
            )
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
        for id in &ids {
            tx.execute("SELECT 1 FROM documents WHERE id = $1 FOR UPDATE", &[id])
                .await?;
            let seq = next_seq(&tx).await?;
            tx.execute(
                "UPDATE documents d SET kind = h.kind, snapshot = h.snapshot, heads = h.heads,
                    created_by = h.created_by, created_at = h.created_at, seq = $2, undone = TRUE
                 FROM held_docs h WHERE h.id = $1 AND d.id = $1",
                &[id, &seq],
            )
            .await?;
            tx.execute(
                "INSERT INTO doc_changes(doc_id, n, hash, bytes)
                 SELECT doc_id, n, hash, bytes FROM held_changes WHERE doc_id = $1
                 ON CONFLICT DO NOTHING",
                &[id],
            )
            .await?;
            tx.execute(sql::DELETE_HELD_CHANGES, &[id]).await?;
            tx.execute(sql::DELETE_HELD_DOC, &[id]).await?;
        }
        tx.commit().await?;
        Ok(ids)
    }

    async fn purge_held(&self, before: i64) -> Result<u64> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        tx.execute(
            "INSERT INTO key_rotations(org, scope, reason)
             SELECT DISTINCT org, scope, 'erased documents were purged' FROM doc_keys
             WHERE doc_id IN (SELECT id FROM held_docs WHERE erased_at < $1)
             ON CONFLICT DO NOTHING",
            &[&before],
        )
        .await?;
        tx.execute(sql::DELETE_PURGED_DOC_KEYS, &[&before]).await?;
        tx.execute(sql::DELETE_PURGED_HELD_CHANGES, &[&before])
            .await?;
        let n = tx.execute(sql::DELETE_PURGED_HELD_DOCS, &[&before]).await?;
        tx.commit().await?;
        Ok(n)
    }

    async fn erased_since(&self, device_id: &str, since: i64) -> Result<u64> {
        let c = self.client().await?;
        let n: i64 = c
            .query_one(sql::ERASED_BY_DEVICE_SINCE, &[&device_id, &since])
            .await?
            .get(0);
        Ok(n as u64)
    }

    /// PostgreSQL keeps an updated row's old version until VACUUM reclaims it, and even then
    /// the bytes stay in the table's files until reused: plain VACUUM here makes the space
    /// reusable soon; only `VACUUM FULL` (an exclusive rewrite, left to the operator) or
    /// encrypted storage removes them from disk at once (ARCHITECTURE.md, "Erasure").
    async fn scrub(&self) -> Result<()> {
        let c = self.client().await?;
        c.batch_execute("VACUUM documents, doc_changes, held_docs, held_changes")
            .await?;
        Ok(())
    }

    async fn scrub_tallies(&self) -> Result<()> {
        let c = self.client().await?;
        c.batch_execute("VACUUM tally, tally_months").await?;
        Ok(())
    }

    async fn changed_since(&self, org: &str, cursor: u64, limit: u32) -> Result<Vec<Changed>> {
        self.all(
            sql::CHANGED_SINCE,
            &[&org, &(cursor as i64), &i64::from(limit)],
            |r| Changed {
                id: r.get(0),
                kind: r.get(1),
                owner_org: r.get(2),
                heads: heads_from_bytes(&r.get::<_, Vec<u8>>(3)),
                seq: r.get::<_, i64>(4) as u64,
                undone: r.get(5),
            },
        )
        .await
    }

    async fn generation(&self) -> Result<String> {
        let c = self.client().await?;
        Ok(c.query_one(sql::GENERATION, &[]).await?.get(0))
    }

    async fn new_generation(&self) -> Result<String> {
        let c = self.client().await?;
        Ok(c.query_one(
            "UPDATE server_meta SET value = md5(random()::text || clock_timestamp()::text) WHERE key = 'generation' RETURNING value",
            &[],
        )
        .await?
        .get(0))
    }

    async fn current_seq(&self) -> Result<u64> {
        let c = self.client().await?;
        Ok(c.query_one(sql::CURRENT_SEQ, &[]).await?.get::<_, i64>(0) as u64)
    }

    async fn org_exists(&self, name: &str) -> Result<bool> {
        let c = self.client().await?;
        Ok(c.query_opt(sql::ORG_EXISTS, &[&name]).await?.is_some())
    }

    async fn organisations(&self) -> Result<Vec<String>> {
        self.all(sql::ORGANISATIONS, &[], |r| r.get(0)).await
    }

    async fn final_push_started(&self, device_id: &str, now: i64) -> Result<Option<i64>> {
        let c = self.client().await?;
        let row = c
            .query_opt(sql::FINAL_PUSH_STARTED, &[&device_id, &now])
            .await?;
        Ok(row.and_then(|r| r.get(0)))
    }

    async fn add_approval(&self, a: Approval) -> Result<()> {
        let c = self.client().await?;
        c.execute(
            sql::INSERT_APPROVAL,
            &[
                &a.id,
                &a.organisation,
                &a.action,
                &a.subject,
                &a.role,
                &a.expires_at,
                &a.requested_by,
                &a.requested_device,
                &a.requested_at,
            ],
        )
        .await?;
        Ok(())
    }

    async fn approvals(&self, org: Option<&str>) -> Result<Vec<Approval>> {
        self.all(
            &format!(
                "{APPROVAL_SELECT} WHERE $1::TEXT IS NULL OR org = $1 ORDER BY requested_at, id"
            ),
            &[&org],
            approval_row,
        )
        .await
    }

    async fn take_approval(&self, id: &str) -> Result<Option<Approval>> {
        let c = self.client().await?;
        let row = c
            .query_opt(
                "DELETE FROM approvals WHERE id = $1 RETURNING id, org, action, subject, role,
                    expires_at, requested_by, requested_device, requested_at",
                &[&id],
            )
            .await?;
        Ok(row.as_ref().map(approval_row))
    }

    async fn grant(&self, id: &str, org: &str) -> Result<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        if tx
            .query_opt("SELECT 1 FROM documents WHERE id = $1 FOR UPDATE", &[&id])
            .await?
            .is_none()
        {
            return Err(StorageError::NotFound(format!("no document '{id}'")));
        }
        if tx.query_opt(sql::ORG_EXISTS, &[&org]).await?.is_none() {
            return Err(StorageError::NotFound(format!("no organisation '{org}'")));
        }
        tx.execute(
            "INSERT INTO doc_access(doc_id, org) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            &[&id, &org],
        )
        .await?;
        let seq = next_seq(&tx).await?;
        tx.execute(sql::SET_DOC_SEQ, &[&id, &seq]).await?;
        tx.commit().await?;
        Ok(())
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
        let mut persons: Vec<Vec<u8>> = Vec::new();
        let mut services: Vec<String> = Vec::new();
        for (p, ss) in &people {
            for s in ss {
                persons.push(p.to_vec());
                services.push(s.clone());
            }
        }
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        // Two sends of one organisation's month, through two instances, must not leave the
        // union of both: one waits for the other.
        tx.execute(
            "SELECT pg_advisory_xact_lock(hashtext($1 || '/' || $2))",
            &[&org, &month],
        )
        .await?;
        if only_if_present
            && tx
                .query_opt(sql::TALLY_MONTH_EXISTS, &[&org, &month])
                .await?
                .is_none()
        {
            return Ok(false);
        }
        tx.execute(sql::DELETE_TALLY_OF_MONTH, &[&org, &month])
            .await?;
        tx.execute(
            "INSERT INTO tally(org, month, person, service)
             SELECT $1, $2, p, s FROM UNNEST($3::bytea[], $4::text[]) AS t(p, s)
             ON CONFLICT DO NOTHING",
            &[&org, &month, &persons, &services],
        )
        .await?;
        tx.execute(
            "INSERT INTO tally_months(org, month, key_id, people, sent_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (org, month) DO UPDATE
             SET key_id = EXCLUDED.key_id, people = EXCLUDED.people, sent_at = EXCLUDED.sent_at",
            &[&org, &month, &key_id, &(people.len() as i64), &sent_at],
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn tallies(&self, from: &str, to: &str) -> Result<(Vec<TallyMonth>, Vec<TallyRow>)> {
        let c = self.client().await?;
        let months = c
            .query(sql::TALLY_MONTHS_BETWEEN, &[&from, &to])
            .await?
            .iter()
            .map(|r| TallyMonth {
                organisation: r.get(0),
                month: r.get(1),
                key_id: r.get(2),
                people: r.get::<_, i64>(3) as u64,
                sent_at: r.get(4),
            })
            .collect();
        let rows = c
            .query(sql::TALLY_ROWS_BETWEEN, &[&from, &to])
            .await?
            .iter()
            .map(|r| {
                let person: Vec<u8> = r.get(1);
                TallyRow {
                    organisation: r.get(0),
                    person: person.try_into().unwrap_or([0; 32]),
                    service: r.get(2),
                }
            })
            .collect();
        Ok((months, rows))
    }

    async fn delete_tallies_before(&self, before: &str) -> Result<u64> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        tx.execute(sql::DELETE_TALLY_BEFORE, &[&before]).await?;
        let n = tx
            .execute(sql::DELETE_TALLY_MONTHS_BEFORE, &[&before])
            .await?;
        tx.commit().await?;
        Ok(n)
    }

    async fn audit(&self, e: AuditEvent) -> Result<bool> {
        let c = self.client().await?;
        let n = c
            .execute(
                "INSERT INTO audit(at, action, device_id, user_name, organisation, doc_id, detail,
                                   event_id)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
                &[
                    &e.at,
                    &e.action,
                    &e.device_id,
                    &e.user,
                    &e.organisation,
                    &e.doc_id,
                    &e.detail,
                    &e.event_id,
                ],
            )
            .await?;
        Ok(n == 1)
    }

    async fn audit_many(&self, events: Vec<AuditEvent>) -> Result<()> {
        // One statement for the lot: a first sync sends thousands of documents.
        let col = |f: fn(&AuditEvent) -> Option<String>| -> Vec<Option<String>> {
            events.iter().map(f).collect()
        };
        let at = col(|e| Some(e.at.clone()));
        let action = col(|e| Some(e.action.clone()));
        let device = col(|e| e.device_id.clone());
        let user = col(|e| e.user.clone());
        let org = col(|e| e.organisation.clone());
        let doc = col(|e| e.doc_id.clone());
        let detail = col(|e| Some(e.detail.clone()));
        let c = self.client().await?;
        c.execute(
            "INSERT INTO audit(at, action, device_id, user_name, organisation, doc_id, detail)
             SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
                                  $6::text[], $7::text[])",
            &[&at, &action, &device, &user, &org, &doc, &detail],
        )
        .await?;
        Ok(())
    }

    async fn audit_query(
        &self,
        org: Option<&str>,
        doc_ids: &[String],
        limit: u32,
    ) -> Result<Vec<AuditEvent>> {
        self.all(
            "SELECT at, action, device_id, user_name, organisation, doc_id, detail, event_id
                 FROM audit
                 WHERE ($1::text IS NULL OR organisation = $1
                        OR doc_id IN (SELECT id FROM documents WHERE owner_org = $1))
                   AND (cardinality($2::text[]) = 0 OR doc_id = ANY($2))
                 ORDER BY id DESC LIMIT $3",
            &[&org, &doc_ids, &i64::from(limit)],
            |r| AuditEvent {
                at: r.get(0),
                action: r.get(1),
                device_id: r.get(2),
                user: r.get(3),
                organisation: r.get(4),
                doc_id: r.get(5),
                detail: r.get(6),
                event_id: r.get(7),
            },
        )
        .await
    }
}
