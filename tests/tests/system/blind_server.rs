//! Issue 13's check: after a realistic sync (demo files, three organisations, restricted
//! sections, an attachment, a referral, a shared file), nothing the laptops wrote is in the
//! server's database, on either back-end: not in the SQLite file's bytes (with its WAL), not
//! in a `pg_dump` (raw or as bytea hex), and no stored value decodes as an Automerge document
//! or change. The laptops, meanwhile, hold and show it all.

use punkt_core::referrals::ReferralInput;
use punkt_core::sections::SectionNoteInput;
use punkt_sync_server::Storage;
use punkt_system_tests::{files_containing, Device, TestPostgres, TestServer};

const AMINA: &str = r#"{"given_names":"Amina","family_name":"Haidari","names_original":"امینه حیدری","birth_date":"1994-02-11","citizenships":["AF"],"languages":["fa"],"identifiers":[{"kind":"passport","number":"P7734410"}],"contact":{"phone":"+48 700 111 222"},"consents":[{"clause":"Klauzula RODO 2026","language":"fa","given_on":"2026-11-02"}],"summary":"Detained at Lesznowola after crossing near Bialowieza"}"#;
const TIGRAN: &str = r#"{"given_names":"Tigran","family_name":"Sargsyan","names_original":"Տիգրան Սարգսյան","birth_date":"1979-09-30","citizenships":["AM"],"identifiers":[{"kind":"residence_card","number":"RX9081234"}]}"#;

fn note(text: &str) -> SectionNoteInput {
    SectionNoteInput {
        date: Some("2026-11-03".into()),
        text: text.into(),
    }
}

/// The scenario on `server`; returns what was written that must never reach it in clear.
fn realistic<S: Storage>(server: &TestServer<S>) -> Vec<String> {
    for o in ["Fundacja A", "Stowarzyszenie B", "Fundacja C"] {
        server.org(o);
    }
    server.people(&[
        ("Fundacja A", "zofia", "coordinator"),
        ("Fundacja A", "pola", "psychologist"),
        ("Fundacja A", "marek", "lawyer"),
        ("Stowarzyszenie B", "olga", "counsellor"),
        ("Fundacja C", "celina", "counsellor"),
    ]);
    let mut zofia = Device::enrolled(server, "Fundacja A", "zofia");
    let mut pola = Device::enrolled(server, "Fundacja A", "pola");
    let mut marek = Device::enrolled(server, "Fundacja A", "marek");
    let mut olga = Device::enrolled(server, "Stowarzyszenie B", "olga");
    let mut celina = Device::enrolled(server, "Fundacja C", "celina");

    zofia.punkt.demo(30, 11).unwrap();
    let amina = zofia.add(AMINA);
    zofia.consult(
        &amina,
        "Appeal against the return decision drafted at Lesznowola",
    );
    let mut png = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
    png.extend_from_slice(&[0u8; 16]);
    png.extend_from_slice(b"SCAN-OF-DECISION-9913");
    zofia
        .punkt
        .add_attachment(&amina, "decision-scan.png", &png)
        .unwrap();
    let shared = zofia.add(TIGRAN);
    zofia.sync(server);
    pola.sync(server);
    pola.punkt
        .add_section_note(
            &amina,
            "psychological",
            note("Nightmares since the crossing"),
        )
        .unwrap();
    pola.punkt
        .add_section_note(
            &amina,
            "medical",
            note("Scars documented under the Istanbul Protocol"),
        )
        .unwrap();
    pola.sync(server);
    marek.sync(server);
    olga.sync(server);
    zofia.sync(server);
    let consent = zofia.punkt.client_view(&amina).unwrap().consents[0]
        .id
        .clone();
    let referral = zofia
        .punkt
        .refer(
            &amina,
            ReferralInput::from_json(&format!(
                r#"{{"to_organisation":"Stowarzyszenie B","service":"psychological","consent_id":"{consent}","reason":"Trauma after detention, needs a Dari-speaking therapist","share":{{"birth_date":true,"languages":true}}}}"#
            ))
            .unwrap(),
        )
        .unwrap();
    zofia.sync(server);
    olga.sync(server);
    olga.punkt
        .respond_referral(&referral.id, "accepted", "First session on 10 November")
        .unwrap();
    olga.sync(server);
    celina.add(r#"{"given_names":"Zoriana","family_name":"Kvitkovska","names_original":"Зоряна Квітковська","identifiers":[{"kind":"passport","number":"FX4471902"}]}"#);
    celina.sync(server);
    // A file an administrator gives another organisation: its key goes sealed to it.
    server.grant(&shared, "Fundacja C");
    zofia.sync(server);
    let s = celina.sync(server);
    assert!(s.refused.is_empty(), "{s:?}");
    for d in [&mut zofia, &mut pola, &mut marek, &mut olga] {
        let s = d.sync(server);
        assert!(s.refused.is_empty(), "{s:?}");
    }

    // The laptops hold and show it all, each what its role and organisation may.
    assert_eq!(
        marek.punkt.client(&amina).unwrap().person.family_name,
        "Haidari"
    );
    let sections = marek.punkt.client_view(&amina).unwrap().sections;
    let medical = sections.iter().find(|s| s.section == "medical").unwrap();
    assert!(marek.punkt.section(&amina, &medical.id).unwrap().notes[0]
        .text
        .contains("Istanbul Protocol"));
    assert_eq!(
        olga.punkt.referral(&referral.id).unwrap().status,
        "accepted"
    );
    assert_eq!(
        zofia.punkt.referral(&referral.id).unwrap().status,
        "accepted",
        "B's answer came back through the server"
    );
    assert_eq!(
        celina.punkt.client(&shared).unwrap().person.family_name,
        "Sargsyan"
    );

    let mut secrets: Vec<String> = [
        "Haidari",
        "Amina",
        "حیدری",
        "P7734410",
        "+48 700 111 222",
        "Bialowieza",
        "Lesznowola",
        "Nightmares since the crossing",
        "Istanbul Protocol",
        "Dari-speaking therapist",
        "First session on 10 November",
        "Kvitkovska",
        "Квітковська",
        "FX4471902",
        "Sargsyan",
        "Սարգսյան",
        "RX9081234",
        "decision-scan.png",
        "SCAN-OF-DECISION-9913",
        "Appeal against the return decision",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    // And the demo people: every family name and identity document number of A's files.
    for id in zofia.punkt.store().document_ids("client_file").unwrap() {
        let v = zofia.punkt.client_view(&id).unwrap();
        if v.person.family_name.chars().count() >= 5 {
            secrets.push(v.person.family_name.clone());
        }
        for i in &v.person.identifiers {
            secrets.push(i.number.clone());
        }
    }
    secrets.sort();
    secrets.dedup();
    assert!(secrets.len() > 40, "{} secrets", secrets.len());
    secrets
}

/// Every value of every table of the SQLite database that is a blob: none may load as an
/// Automerge document or change (Automerge compresses larger columns, so bytes alone are not
/// enough).
pub(crate) fn decodable_blobs(db: &std::path::Path) -> Vec<String> {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut found = Vec::new();
    let mut blobs = 0;
    for t in tables {
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{t}\"")).unwrap();
        let n = stmt.column_count();
        let mut rows = stmt.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            for i in 0..n {
                // (An empty blob is what the blind server leaves where a snapshot was.)
                if let Ok(rusqlite::types::ValueRef::Blob(b)) = row.get_ref(i) {
                    if b.is_empty() {
                        continue;
                    }
                    blobs += 1;
                    let b = b.strip_prefix(b"PKC6").unwrap_or(b);
                    if automerge::AutoCommit::load(b).is_ok()
                        || automerge::Change::from_bytes(b.to_vec()).is_ok()
                    {
                        found.push(format!("{t} column {i}"));
                    }
                }
            }
        }
    }
    assert!(
        blobs > 100,
        "only {blobs} blobs: the scenario stored little"
    );
    found
}

#[test]
fn the_sqlite_server_holds_nothing_the_laptops_wrote() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_sqlite(dir.path());
    let secrets = realistic(&server);
    for s in &secrets {
        assert_eq!(
            files_containing(dir.path(), s.as_bytes()),
            Vec::<String>::new(),
            "{s} in the server's files"
        );
    }
    assert_eq!(decodable_blobs(&server.db), Vec::<String>::new());
}

#[test]
fn a_postgresql_dump_holds_nothing_the_laptops_wrote() {
    let pg = TestPostgres::start();
    let server = TestServer::start_postgres(&pg.url);
    let secrets = realistic(&server);
    let dump = pg.dump();
    assert!(dump.len() > 100_000, "a dump of {} bytes", dump.len());
    let dump_text = String::from_utf8_lossy(&dump).to_string();
    assert!(
        dump_text.contains("PKC6") || dump_text.contains("\\x504b4336"),
        "no sealed change in the dump"
    );
    for s in &secrets {
        assert!(!dump_text.contains(s.as_str()), "{s} in the dump");
        // bytea is dumped as hex.
        assert!(
            !dump_text.contains(&hex::encode(s.as_bytes())),
            "{s} (as hex) in the dump"
        );
    }
}
