//! Two server instances on one PostgreSQL database (started by the test), devices syncing
//! through either, at the same time: all converge.

use punkt_sync_server::PostgresStorage;
use punkt_system_tests::{assert_converged, Device, TestPostgres, TestServer};

#[test]
fn two_instances_on_one_database_converge() {
    let pg = TestPostgres::start();
    let one: TestServer<PostgresStorage> = TestServer::start_postgres(&pg.url);
    let two: TestServer<PostgresStorage> = TestServer::start_postgres(&pg.url);
    one.org("Fundacja A");
    for u in ["anna", "bartek", "celina"] {
        one.user("Fundacja A", u, "counsellor");
    }
    // Codes made on one instance work on the other.
    let mut a = Device::enrolled(&one, "Fundacja A", "anna");
    let mut b = Device::enrolled(&two, "Fundacja A", "bartek");
    let mut c = Device::enrolled(&two, "Fundacja A", "celina");
    let shared = a.add(r#"{"given_names":"Olena","family_name":"Bondar"}"#);
    a.sync(&one);
    b.sync(&two);
    c.sync(&one);
    // The member directory comes from the same database through either instance.
    one.org("Fundacja B");
    assert_eq!(c.sync(&two).directory_error, None);
    assert_eq!(
        c.punkt.organisations().unwrap(),
        ["Fundacja A", "Fundacja B"]
    );

    // Everyone works on the shared file and their own, then syncs at the same moment through
    // different instances: the per-document compare-and-set must keep every change.
    for (i, d) in [&mut a, &mut b, &mut c].into_iter().enumerate() {
        for k in 0..5 {
            d.consult(&shared, &format!("device {i} visit {k}"));
        }
        d.add(&format!(
            r#"{{"given_names":"Own{i}","family_name":"File"}}"#
        ));
    }
    std::thread::scope(|s| {
        let (one, two) = (&one, &two);
        s.spawn(|| a.sync(one));
        s.spawn(|| b.sync(two));
        s.spawn(|| c.sync(one));
    });
    for _ in 0..2 {
        a.sync(&two);
        b.sync(&one);
        c.sync(&two);
    }
    assert_converged(&[&a, &b, &c]);
    assert_eq!(
        a.punkt.client_view(&shared).unwrap().consultations.len(),
        15
    );
    assert_eq!(one.doc_count(), 4);
    assert_eq!(two.doc_count(), 4);
    // One audit log for both instances.
    let audit = two.audit();
    assert_eq!(audit.iter().filter(|e| e.action == "enrol").count(), 3);

    // An erasure through one instance reaches devices syncing through the other, and a
    // device's offline edit to the erased file is dropped with a notice.
    c.consult(&shared, "while apart");
    a.punkt.erase_client(&shared).unwrap();
    assert_eq!(a.sync(&one).erasures_sent, 1);
    let b_sum = b.sync(&two);
    assert_eq!(b_sum.erased.len(), 1);
    assert!(!b_sum.erased[0].dropped_unsent_changes);
    let c_sum = c.sync(&two);
    assert!(c_sum.erased[0].dropped_unsent_changes);
    assert_converged(&[&a, &b, &c]);
    for d in [&a, &b, &c] {
        assert_eq!(d.punkt.client(&shared).unwrap_err().code(), "erased");
    }
    // The server holds the tombstone only: no bytes of the file.
    assert_eq!(two.stored(&shared), Some(("erased".to_string(), 0)));
}

/// Consortium tallies and the audit view on PostgreSQL, through two instances.
#[test]
fn consortium_counts_and_the_audit_view_work_on_postgres() {
    let pg = TestPostgres::start();
    let one: TestServer<PostgresStorage> = TestServer::start_postgres(&pg.url);
    let two: TestServer<PostgresStorage> = TestServer::start_postgres(&pg.url);
    for (org, coord) in [("Fundacja A", "ala"), ("Fundacja B", "bea")] {
        one.org(org);
        one.user(org, coord, "coordinator");
    }
    let mut a = Device::enrolled(&one, "Fundacja A", "ala");
    let mut b = Device::enrolled(&two, "Fundacja B", "bea");
    let key = punkt_core::consortium::new_key();
    a.punkt.set_consortium_key(&key).unwrap();
    b.punkt.set_consortium_key(&key).unwrap();
    let person = r#"{"given_names":"Olena","family_name":"Bondar","birth_date":"1990-01-02","citizenships":["UA"]}"#;
    let at_a = a.add(person);
    a.consult(&at_a, "visit"); // 2026-11-02, legal
    let at_b = b.add(person);
    b.consult(&at_b, "visit");
    b.add(r#"{"given_names":"Ihor","family_name":"Tkach"}"#);
    for (d, s) in [(&mut a, &one), (&mut b, &two)] {
        let mut t = d.transport(s);
        d.punkt
            .send_consortium_tally(&mut t, "2026-10", "2026-11")
            .unwrap();
        // Twice: the second replaces the first.
        let mut t = d.transport(s);
        d.punkt
            .send_consortium_tally(&mut t, "2026-11", "2026-11")
            .unwrap();
    }
    let mut t = a.transport(&two);
    let n = a
        .punkt
        .consortium_count(&mut t, "2026-10", "2026-11")
        .unwrap();
    let all = n.services.iter().find(|s| s.service == "all").unwrap();
    assert_eq!(
        (
            all.unique_people,
            all.sum_of_organisations,
            all.in_several_organisations
        ),
        (1, 2, 1)
    );
    assert!(n.contributions.iter().all(|c| c.missing_months.is_empty()));

    // The audit view: the export recorded on A's laptop reaches the log through one
    // instance and is read through the other; a pull is logged per document.
    a.punkt.access_request(&at_a).unwrap();
    assert_eq!(a.sync(&one).events_sent, 1);
    let mut fresh = Device::enrolled(&one, "Fundacja A", "ala");
    fresh.sync(&two);
    let mut t = fresh.transport(&two);
    let audit = fresh.punkt.file_audit(Some(&mut t), &at_a).unwrap();
    for action in ["export", "read", "change"] {
        assert!(
            audit.lines.iter().any(|l| l.action == action),
            "{action}: {audit:?}"
        );
    }
    let mut t = b.transport(&one);
    let b_log = b.punkt.server_audit(&mut t, &[], 100).unwrap();
    assert!(b_log
        .iter()
        .all(|e| e.doc_id.as_deref() != Some(at_a.as_str())));

    // The team: a person added through one instance, their code made and the first laptop
    // revoked through the other; a lawyer reads medical notes and the laptop is a
    // coordinator's, so each waits for the administrator's approval (one coordinator here).
    let mut t = a.transport(&one);
    let team = a.punkt.add_team_user(&mut t, "adam", "lawyer").unwrap();
    assert_eq!(team.pending.len(), 1);
    two.approve(&team.pending[0].id);
    let mut t = a.transport(&two);
    let code = a.punkt.enrol_code(&mut t, "adam", 1).unwrap();
    assert!(code.awaiting_approval);
    let team = a.punkt.revoke_device(&mut t, &fresh.device_id).unwrap();
    assert_eq!(team.pending.len(), 2, "the code and the revocation");
    assert!(team.devices.iter().all(|d| d.revoked_at.is_none()));
    for p in &team.pending {
        let code = one.approve(&p.id);
        assert_eq!(code.is_some(), p.action == "enrol_code", "{p:?}");
    }
    let team = a.punkt.team(&mut t).unwrap();
    assert!(team.pending.is_empty());
    let users: Vec<_> = team.users.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(users, ["adam", "ala"]);
    assert_eq!(team.devices.len(), 2);
    assert!(team
        .devices
        .iter()
        .all(|d| d.revoked_at.is_some() == (d.device_id == fresh.device_id)));
}

/// The server reaches PostgreSQL over TLS as the URL's `sslmode` says (the certificate and
/// the host checked with `verify-full`, the certificate alone with `verify-ca`, neither with
/// `require`), refuses a database whose certificate it cannot trust or that offers no TLS
/// when TLS is required, and carries on after the database is restarted under it.
#[test]
fn over_tls_with_the_certificate_checked_and_through_a_database_restart() {
    let pg = TestPostgres::start_tls();
    let ca = pg.ca_pem.clone().unwrap();
    let url = format!(
        "{}?sslmode=verify-full&sslrootcert={}",
        pg.url,
        ca.display()
    );
    let server: TestServer<PostgresStorage> = TestServer::start_postgres(&url);
    assert!(server.database_encrypted(), "the connection is TLS");
    server.people(&[
        ("Fundacja A", "anna", "lawyer"),
        ("Fundacja A", "bartek", "counsellor"),
    ]);
    let mut a = Device::enrolled(&server, "Fundacja A", "anna");
    let mut b = Device::enrolled(&server, "Fundacja A", "bartek");
    let id = a.add(r#"{"given_names":"Olena","family_name":"Bondar"}"#);
    a.sync(&server);

    // Another certificate authority's root: refused, with the reason.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let stranger = dir.path().join("other-ca.pem");
    let other = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into()]).unwrap();
    std::fs::write(&stranger, other.cert.pem()).unwrap();
    let wrong = format!(
        "{}?sslmode=verify-full&sslrootcert={}",
        pg.url,
        stranger.display()
    );
    let e = rt
        .block_on(PostgresStorage::connect(&wrong, 1))
        .err()
        .expect("a database with an untrusted certificate was accepted");
    assert!(e.to_string().to_lowercase().contains("certificate"), "{e}");
    // A plain database where TLS is required: refused.
    let plain = TestPostgres::start();
    let e = rt
        .block_on(PostgresStorage::connect(
            &format!("{}?sslmode=require", plain.url),
            1,
        ))
        .err()
        .expect("a database without TLS was accepted under sslmode=require");
    assert!(e.to_string().contains("PostgreSQL"), "{e}");
    // A bad sslmode is named.
    let e = rt
        .block_on(PostgresStorage::connect(
            &format!("{}?sslmode=always", pg.url),
            1,
        ))
        .err()
        .unwrap();
    assert!(e.to_string().contains("sslmode=always"), "{e}");

    // `require` encrypts without checking the certificate; `verify-ca` checks it against the
    // root given, but not the host name.
    let open = |url: String| rt.block_on(PostgresStorage::connect(&url, 1));
    let encrypted = |s: &PostgresStorage| rt.block_on(s.connection_encrypted()).unwrap();
    let required = open(format!("{}?sslmode=require", pg.url)).expect("require over TLS");
    assert!(encrypted(&required), "sslmode=require is TLS");
    let e = open(format!(
        "{}?sslmode=verify-ca&sslrootcert={}",
        pg.url,
        stranger.display()
    ))
    .err()
    .expect("verify-ca accepted a certificate of another authority");
    assert!(e.to_string().to_lowercase().contains("certificate"), "{e}");
    let elsewhere = TestPostgres::start_tls_for(&["db.example.org"]);
    let root = elsewhere.ca_pem.clone().unwrap();
    let e = open(format!(
        "{}?sslmode=verify-full&sslrootcert={}",
        elsewhere.url,
        root.display()
    ))
    .err()
    .expect("verify-full accepted a certificate for another host");
    assert!(e.to_string().to_lowercase().contains("certificate"), "{e}");
    let ca_only = open(format!(
        "{}?sslmode=verify-ca&sslrootcert={}",
        elsewhere.url,
        root.display()
    ))
    .expect("verify-ca with the right root, another host name");
    assert!(encrypted(&ca_only), "sslmode=verify-ca is TLS");
    drop((required, ca_only, elsewhere));

    // The database restarts under the running server: every connection is cut, and the next
    // syncs go through on new ones.
    pg.restart();
    a.consult(&id, "after the restart");
    let s = a.sync(&server);
    assert!(s.refused.is_empty(), "{s:?}");
    let s = b.sync(&server);
    assert_eq!(s.new_documents, 1);
    assert_eq!(b.punkt.client(&id).unwrap().consultations.len(), 1);
    assert!(server.database_encrypted(), "still TLS after the restart");
}

/// The tables of the first release on PostgreSQL, as it made them (commit c01dd16), with a
/// little in them.
const FIRST_RELEASE: &str = "
    CREATE TABLE orgs (name TEXT PRIMARY KEY);
    CREATE TABLE users (
        name TEXT PRIMARY KEY, org TEXT NOT NULL REFERENCES orgs(name), role TEXT NOT NULL);
    CREATE TABLE enrol_codes (
        code_hash BYTEA PRIMARY KEY, user_name TEXT NOT NULL REFERENCES users(name),
        expires_at BIGINT NOT NULL, used_at BIGINT);
    CREATE TABLE devices (
        device_id TEXT PRIMARY KEY, name TEXT NOT NULL,
        user_name TEXT NOT NULL REFERENCES users(name), token_hash BYTEA NOT NULL UNIQUE,
        enrolled_at BIGINT NOT NULL, last_seen BIGINT, revoked_at BIGINT);
    CREATE TABLE documents (
        id TEXT PRIMARY KEY, kind TEXT NOT NULL, owner_org TEXT NOT NULL,
        snapshot BYTEA NOT NULL, heads BYTEA NOT NULL, seq BIGINT NOT NULL);
    CREATE INDEX documents_seq ON documents(seq);
    CREATE TABLE doc_changes (
        doc_id TEXT NOT NULL, n BIGINT NOT NULL, hash BYTEA NOT NULL, bytes BYTEA NOT NULL,
        PRIMARY KEY (doc_id, n), UNIQUE (doc_id, hash));
    CREATE TABLE doc_access (doc_id TEXT NOT NULL, org TEXT NOT NULL, PRIMARY KEY (doc_id, org));
    CREATE INDEX doc_access_org ON doc_access(org, doc_id);
    CREATE TABLE counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL);
    INSERT INTO counters(name, value) VALUES ('seq', 7);
    CREATE TABLE audit (
        id BIGSERIAL PRIMARY KEY, at TEXT NOT NULL, action TEXT NOT NULL, device_id TEXT,
        user_name TEXT, organisation TEXT, doc_id TEXT, detail TEXT NOT NULL);
    INSERT INTO orgs VALUES ('Fundacja A');
    INSERT INTO users VALUES ('anna', 'Fundacja A', 'counsellor');
    INSERT INTO documents VALUES ('doc-1', 'client', 'Fundacja A', '\\x00', '\\x', 7);
    INSERT INTO audit(at, action, detail) VALUES ('2025-01-01T00:00:00Z', 'sync', 'old');
";

/// A database the first release made on PostgreSQL, opened by this one, gains every table,
/// column and index of this release (`sql::TABLES`, `sql::ADDED_COLUMNS`, `sql::INDEXES`),
/// keeps what it held, and serves laptops: its person enrols and syncs.
#[test]
fn a_first_release_postgres_database_gains_this_releases_schema_and_keeps_its_rows() {
    use punkt_sync_server::storage::sql;
    let pg = TestPostgres::start();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let client = rt.block_on(async {
        let (client, conn) = tokio_postgres::connect(&pg.url, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(conn);
        client.batch_execute(FIRST_RELEASE).await.unwrap();
        client
    });

    let server: TestServer<PostgresStorage> = TestServer::start_postgres(&pg.url);

    let query = |sql: &str, params: &[&(dyn tokio_postgres::types::ToSql + Sync)]| {
        rt.block_on(client.query(sql, params)).unwrap()
    };
    for (table, column, _) in sql::ADDED_COLUMNS {
        let found = query(
            "SELECT 1 FROM information_schema.columns WHERE table_name = $1 AND column_name = $2",
            &[table, column],
        );
        assert_eq!(found.len(), 1, "{table}.{column} missing");
    }
    for statement in sql::TABLES.split(';').chain(sql::INDEXES.split(';')) {
        let words: Vec<&str> = statement.split_whitespace().collect();
        let Some(at) = words.iter().position(|w| *w == "EXISTS") else {
            continue;
        };
        let name = words[at + 1].trim_end_matches('(');
        let found = query("SELECT to_regclass($1)::TEXT", &[&name]);
        assert!(
            found[0].get::<_, Option<String>>(0).is_some(),
            "{name} missing"
        );
    }
    let doc = query("SELECT seq, undone FROM documents WHERE id = 'doc-1'", &[]);
    assert_eq!(
        (doc[0].get::<_, i64>(0), doc[0].get::<_, bool>(1)),
        (7, false),
        "the document kept, not undone"
    );
    let audit = query("SELECT detail FROM audit ORDER BY id LIMIT 1", &[]);
    assert_eq!(audit[0].get::<_, String>(0), "old");

    // The first release's person enrols and syncs; the sequence goes on from where it was.
    // (The row put in above is no Automerge document: it is refused as damaged, and nothing
    // else is.)
    let mut anna = Device::enrolled(&server, "Fundacja A", "anna");
    anna.add(r#"{"given_names":"Olena","family_name":"Bondar"}"#);
    let s = anna.sync(&server);
    let refused: Vec<_> = s
        .refused
        .iter()
        .map(|r| (r.doc_id.as_str(), r.code.as_str()))
        .collect();
    assert_eq!(refused, [("doc-1", "server_error")], "{s:?}");
    let seq = query("SELECT MAX(seq) FROM documents WHERE id <> 'doc-1'", &[]);
    assert!(
        seq[0].get::<_, Option<i64>>(0).unwrap() > 7,
        "the sequence went on"
    );
}
