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

    // What a build of schema 5 left behind: no note column, version 5.
    let db = rusqlite::Connection::open(store_dir.join("punkt.db")).unwrap();
    db.execute_batch(
        "ALTER TABLE deadlines DROP COLUMN note;
         UPDATE meta SET value = '5' WHERE key = 'schema_version';",
    )
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
