//! A laptop's store made by an older build is upgraded when opened, and what the upgrade needs
//! from the documents is done then: after schema 5 -> 6, the deadlines' notes reach the board.
//! The store is plain SQLite here (`plaintext_stores`, this thread only) so the test can put it
//! back into the older shape.

use punkt_core::{ClientInput, DeadlineRequest, Punkt};
use punkt_system_tests::{FAST, PASS};

#[test]
fn a_schema_5_store_shows_its_deadline_notes_on_the_board_after_the_upgrade() {
    let _plain = punkt_store::testing::plaintext_stores();
    let dir = tempfile::tempdir().unwrap();
    let store_dir = dir.path().join("store");
    let mut p = Punkt::init_with(&store_dir, PASS, "Fundacja A", FAST).unwrap();
    let id = p
        .add_client(
            ClientInput::from_json(r#"{"given_names":"Olena","family_name":"Bondar"}"#).unwrap(),
        )
        .unwrap();
    let mut r = DeadlineRequest::from_event("return-appeal", "2026-11-12".parse().unwrap(), false);
    r.note = Some("appeal drafted with Anna".into());
    p.add_deadline(&id, r).unwrap();
    assert!(p.store().deadline_reindex_due().unwrap().is_none());
    drop(p);

    // What a build of schema 5 left behind: no note column, no key tables, version 5.
    let db = rusqlite::Connection::open(store_dir.join("punkt.db")).unwrap();
    db.execute_batch(&format!(
        "{BEFORE_SCHEMA_8}
         ALTER TABLE deadlines DROP COLUMN note;
         DROP TABLE scope_keys;
         DROP TABLE doc_keys;
         UPDATE meta SET value = '5' WHERE key = 'schema_version';"
    ))
    .unwrap();
    drop(db);

    let p = Punkt::open(&store_dir, PASS).unwrap();
    let board = p.deadline_board(None).unwrap();
    assert_eq!(board.len(), 1);
    assert_eq!(board[0].note.as_deref(), Some("appeal drafted with Anna"));
    // Done once: the next open has nothing left to do.
    assert!(p.store().deadline_reindex_due().unwrap().is_none());
    drop(p);
    let p = Punkt::open(&store_dir, PASS).unwrap();
    assert!(p.store().deadline_reindex_due().unwrap().is_none());
    assert_eq!(
        p.deadline_board(None).unwrap()[0].note.as_deref(),
        Some("appeal drafted with Anna")
    );
}

/// What the 7 -> 8 migration adds, taken away again.
const BEFORE_SCHEMA_8: &str = "
    ALTER TABLE consultation_services DROP COLUMN project;
    ALTER TABLE consultation_services DROP COLUMN language;
    ALTER TABLE deadlines DROP COLUMN due_time;
    DROP TABLE client_vulnerabilities;
    DROP TABLE group_activities;
    DROP TABLE client_sensitive_flags;
    DELETE FROM meta WHERE key = 'reindex_all';";

/// A schema-7 store fills what donor reports need from its documents when opened: the
/// vulnerabilities and the person's language (the index had neither), the hour of a deadline
/// on the board.
#[test]
fn a_schema_7_store_reports_vulnerabilities_and_languages_after_the_upgrade() {
    let _plain = punkt_store::testing::plaintext_stores();
    let dir = tempfile::tempdir().unwrap();
    let store_dir = dir.path().join("store");
    let mut p = Punkt::init_with(&store_dir, PASS, "Fundacja A", FAST).unwrap();
    let id = p
        .add_client(
            ClientInput::from_json(
                r#"{"given_names":"Ahmad","family_name":"Rahimi","languages":["prs"],"vulnerabilities":["torture_survivor"]}"#,
            )
            .unwrap(),
        )
        .unwrap();
    let today = p.today();
    p.add_consultation(
        &id,
        punkt_core::ConsultationInput::from_json(&format!(
            r#"{{"date":"{today}","place":{{"kind":"remote"}},"services":["legal"]}}"#
        ))
        .unwrap(),
    )
    .unwrap();
    let mut r = DeadlineRequest::from_event("arrest-48h", punkt_model::IsoDate(today), false);
    r.time = Some(chrono::NaiveTime::from_hms_opt(9, 30, 0).unwrap());
    p.add_deadline(&id, r).unwrap();
    drop(p);

    let db = rusqlite::Connection::open(store_dir.join("punkt.db")).unwrap();
    db.execute_batch(&format!(
        "{BEFORE_SCHEMA_8} UPDATE meta SET value = '7' WHERE key = 'schema_version';"
    ))
    .unwrap();
    drop(db);

    let p = Punkt::open(&store_dir, PASS).unwrap();
    assert!(!p.store().reindex_all_due().unwrap(), "done once");
    let report = p.report(today, today, &Default::default()).unwrap();
    let people = |dim: &str, value: &str| {
        report
            .rows
            .iter()
            .find(|x| x.dimension == dim && x.value == value && x.service == "all")
            .map(|x| x.people)
    };
    assert_eq!(people("vulnerability", "torture_survivor"), Some(1));
    assert_eq!(people("language", "prs"), Some(1));
    let board = p.deadline_board(None).unwrap();
    assert!(board[0].due_time.is_some(), "{board:?}");
}

/// Copy a laptop of the frozen protocol-5 deployment (`tests/fixtures/v5`) into `to`.
fn v5_laptop(name: &str, to: &std::path::Path) -> std::path::PathBuf {
    let from = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/v5/laptops")
        .join(name);
    let dir = to.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    for f in ["punkt.db", "punkt.key"] {
        std::fs::copy(from.join(f), dir.join(f)).unwrap();
    }
    dir
}

#[test]
fn a_laptop_of_the_last_plaintext_server_opens_with_its_files_and_unsent_work_and_gains_key_tables()
{
    let dir = tempfile::tempdir().unwrap();
    let zofia = v5_laptop("zofia", dir.path());
    let p = Punkt::open(&zofia, PASS).unwrap();
    // 40 demo people, Amina, and Al-Khatib added after the last sync (Sargsyan was erased).
    assert_eq!(p.store().count_clients().unwrap(), 42);
    assert_eq!(
        p.store().count_pending().unwrap(),
        2,
        "the unsent work is still waiting"
    );
    let hits = p.search("Al-Khatib", 5).unwrap();
    assert_eq!(hits.len(), 1);
    // Schema 7: the keys tables exist, empty until the first sync with a blind server.
    assert!(p.store().device_secret().unwrap().is_none());
    assert!(p.store().scope_epochs().unwrap().is_empty());
}
