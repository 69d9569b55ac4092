//! Who may erase or merge away a file, and how an erasure is undone (issue 12, item 1): only a
//! coordinator, or the laptop that made the file within 24 hours; at most a set number of
//! documents per laptop a day; the server holds what was erased for 7 days, and a coordinator
//! can undo it, after which every laptop has the file again. A refused erasure loses nothing:
//! the laptop that asked gets the file back.

use std::sync::atomic::AtomicI64;
use std::sync::Arc;

use automerge::transaction::Transactable;
use punkt_sync::docs;
use punkt_sync::wire::{DocPush, Erase, Outcome, Push};
use punkt_sync::{Request, Response};
use punkt_system_tests::{copy_server_db, Device, TestServer};

const PERSON: &str = r#"{"given_names":"Halyna","family_name":"Moroz","birth_date":"1983"}"#;

/// Fundacja A with anna (lawyer), bartek (counsellor) and ola (coordinator).
fn office(erase_limit: u64) -> (tempfile::TempDir, TestServer, Device, Device, Device) {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_limited(
        &dir.path().join("server.db"),
        Arc::new(AtomicI64::new(0)),
        erase_limit,
    );
    server.people(&[
        ("Fundacja A", "anna", "lawyer"),
        ("Fundacja A", "bartek", "counsellor"),
        ("Fundacja A", "ola", "coordinator"),
    ]);
    let a = Device::enrolled(&server, "Fundacja A", "anna");
    let b = Device::enrolled(&server, "Fundacja A", "bartek");
    let o = Device::enrolled(&server, "Fundacja A", "ola");
    (dir, server, a, b, o)
}

fn erase_raw(d: &Device, server: &TestServer, ids: &[&str]) -> Vec<Outcome> {
    let req = Request::Erase(Erase {
        docs: ids.iter().map(|s| s.to_string()).collect(),
    });
    match d.ask(server, req) {
        Response::Erase(r) => r.into_iter().map(|r| r.outcome).collect(),
        other => panic!("not an erase answer: {other:?}"),
    }
}

fn refused_code(o: &Outcome) -> &str {
    match o {
        Outcome::Refused(r) => r.code.as_str(),
        other => panic!("not refused: {other:?}"),
    }
}

#[test]
fn a_counsellor_cannot_erase_a_colleagues_file_and_nothing_is_lost() {
    let (_dir, server, mut a, mut b, _o) = office(100);
    let id = a.add(PERSON);
    a.consult(&id, "first visit");
    a.sync(&server);
    b.sync(&server);

    // On the laptop: refused before anything is deleted.
    let e = b.punkt.erase_client(&id).unwrap_err();
    assert_eq!(e.code(), "forbidden");
    assert!(e.to_string().contains("coordinator"), "{e}");
    assert_eq!(b.punkt.client(&id).unwrap().person.family_name, "Moroz");
    let e = b.punkt.erasure_plan(&id).unwrap_err();
    assert_eq!(e.code(), "forbidden");

    // A laptop that goes round its own program is refused by the server, with the reason.
    let out = erase_raw(&b, &server, &[&id]);
    assert_eq!(refused_code(&out[0]), "forbidden");
    match &out[0] {
        Outcome::Refused(r) => assert!(r.message.contains("coordinator"), "{}", r.message),
        _ => unreachable!(),
    }
    assert_eq!(server.stored(&id).unwrap().0, "client_file");
    assert!(server.held_erasures().is_empty());
    assert!(server
        .audit()
        .iter()
        .any(|e| e.action == "refused" && e.detail.contains("may erase only what they made")));
    // Nothing lost: the file and its consultation are on the server and every laptop.
    a.consult(&id, "second visit");
    a.sync(&server);
    b.sync(&server);
    assert_eq!(b.punkt.client(&id).unwrap().consultations.len(), 2);
}

#[test]
fn the_author_may_erase_within_a_day_and_a_refused_erasure_brings_the_file_back() {
    let (_dir, server, mut a, mut b, _o) = office(100);
    // Made by mistake and erased the same day: allowed to its author.
    let mistake = a.add(r#"{"given_names":"Test","family_name":"Pomyłka"}"#);
    a.sync(&server);
    a.punkt.erase_client(&mistake).unwrap();
    assert_eq!(a.sync(&server).erasures_sent, 1);
    assert_eq!(server.stored(&mistake).unwrap().0, "erased");

    // Two days later on the server's clock the author is refused too; the laptop (whose own
    // clock still says the same day) had erased its copy, and takes it back from the server.
    let id = a.add(PERSON);
    a.consult(&id, "kept");
    a.sync(&server);
    server.advance_clock(2 * 24 * 3600);
    a.punkt.erase_client(&id).unwrap();
    let s = a.sync(&server);
    assert_eq!(s.erasures_sent, 0);
    assert_eq!(s.restored, 1);
    assert_eq!(s.refused.len(), 1);
    assert_eq!(s.refused[0].code, "forbidden");
    let back = a.punkt.client(&id).unwrap();
    assert_eq!(back.person.family_name, "Moroz");
    assert_eq!(back.consultations.len(), 1);
    assert_eq!(
        a.punkt.search("Moroz", 5).unwrap().len(),
        1,
        "indexed again"
    );
    // Nothing left to send, and the colleague still has it.
    assert_eq!(a.sync(&server).refused.len(), 0);
    b.sync(&server);
    assert_eq!(b.punkt.client(&id).unwrap().person.family_name, "Moroz");
}

#[test]
fn a_coordinator_erases_and_can_undo_within_the_grace_period() {
    let (_dir, server, mut a, mut b, mut o) = office(100);
    let id = a.add(PERSON);
    a.consult(&id, "notes that must come back");
    a.punkt
        .add_attachment(&id, "decision.pdf", b"%PDF-1.4 decision")
        .unwrap();
    let other = a.add(r#"{"given_names":"Olha","family_name":"Kravets"}"#);
    a.sync(&server);
    b.sync(&server);
    o.sync(&server);

    let report = o.punkt.erase_client(&id).unwrap();
    assert_eq!(report.documents.len(), 2);
    assert_eq!(o.sync(&server).erasures_sent, 2);
    assert_eq!(a.sync(&server).erased.len(), 2);
    assert_eq!(b.sync(&server).erased.len(), 2);
    assert_eq!(a.punkt.client(&id).unwrap_err().code(), "erased");

    // Only a coordinator sees and undoes erasures.
    let mut tb = b.transport(&server);
    assert_eq!(
        b.punkt.held_erasures(&mut tb).unwrap_err().code(),
        "forbidden"
    );
    let mut to = o.transport(&server);
    let held = o.punkt.held_erasures(&mut to).unwrap();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].client_files, vec![id.clone()]);
    assert_eq!(held[0].documents, 2);
    assert_eq!(held[0].user, "ola");
    let e = o
        .punkt
        .undo_erasure(&mut to, "no-such-erasure")
        .unwrap_err();
    assert_eq!(e.code(), "not_found");
    let left = o.punkt.undo_erasure(&mut to, &held[0].batch).unwrap();
    assert!(left.is_empty());

    // Every laptop, the coordinator's too, gets the file back with its history and attachment.
    for d in [&mut a, &mut b, &mut o] {
        let s = d.sync(&server);
        assert_eq!(s.restored, 2, "{s:?}");
        let f = d.punkt.client(&id).unwrap();
        assert_eq!(f.consultations.len(), 1);
        assert_eq!(f.attachments.len(), 1);
        assert_eq!(d.punkt.search("Halyna Moroz", 5).unwrap().len(), 1);
        assert_eq!(
            d.punkt.client(&other).unwrap().person.family_name,
            "Kravets"
        );
    }
    // Edits go on as before.
    b.consult(&id, "after the undo");
    b.sync(&server);
    a.sync(&server);
    assert_eq!(a.punkt.client(&id).unwrap().consultations.len(), 2);
    assert!(server
        .audit()
        .iter()
        .any(|e| e.action == "erase_undone" && e.user.as_deref() == Some("ola")));

    // Erased again, and past the grace period: final, nothing to undo.
    o.punkt.erase_client(&id).unwrap();
    o.sync(&server);
    server.advance_clock(punkt_sync::wire::ERASURE_GRACE_SECS + 1);
    assert_eq!(o.punkt.held_erasures(&mut to).unwrap(), vec![]);
    assert_eq!(server.stored(&id), Some(("erased".to_string(), 0)));
    assert_eq!(
        o.punkt
            .undo_erasure(&mut to, "anything")
            .unwrap_err()
            .code(),
        "not_found"
    );
}

#[test]
fn erasures_are_limited_per_laptop_and_the_rest_go_later() {
    let (_dir, server, mut a, _b, mut o) = office(3);
    let ids: Vec<String> = (0..5)
        .map(|i| {
            a.add(&format!(
                r#"{{"given_names":"P{i}","family_name":"Limit"}}"#
            ))
        })
        .collect();
    a.sync(&server);
    o.sync(&server);
    o.punkt.erase_clients(&ids).unwrap();
    let s = o.sync(&server);
    assert_eq!(s.erasures_sent, 3);
    assert_eq!(s.refused.len(), 2);
    assert!(s.refused.iter().all(|r| r.code == "rate_limited"));
    let on_server = |server: &TestServer| {
        ids.iter()
            .filter(|id| server.stored(id).unwrap().0 == "client_file")
            .count()
    };
    assert_eq!(on_server(&server), 2);
    // Still refused within the day; sent by themselves a day later.
    assert_eq!(o.sync(&server).erasures_sent, 0);
    server.advance_clock(24 * 3600 + 60);
    assert_eq!(o.sync(&server).erasures_sent, 2);
    assert_eq!(on_server(&server), 0);
    assert_eq!(a.sync(&server).erased.len(), 5);
}

#[test]
fn merging_away_a_colleagues_file_is_a_coordinators_decision() {
    let (_dir, server, mut a, mut b, mut o) = office(100);
    let one = a.add(PERSON);
    let two = a.add(r#"{"given_names":"Halyna","family_name":"Moroz","birth_date":"1983-02-01"}"#);
    a.sync(&server);
    b.sync(&server);
    let e = b.punkt.merge_clients(&one, &two).unwrap_err();
    assert_eq!(e.code(), "forbidden");
    assert!(b.punkt.client(&two).unwrap().merged_into.is_none());

    // A change that merges the file away, pushed by hand (sealed, and declared as the
    // laptop must: the server cannot read it), is refused by the server.
    let stored = b.punkt.store().load_document(&two).unwrap();
    let mut doc = docs::load(&stored.snapshot, &stored.changes).unwrap();
    let base = docs::to_wire(&doc.get_heads());
    doc.put(automerge::ROOT, "merged_into", one.clone())
        .unwrap();
    let mut change = vec![doc.get_last_local_change().unwrap().clone()];
    let key = b.punkt.store().doc_key(&two).unwrap().unwrap();
    let key = punkt_e2e::SecretKey::from_bytes(key.as_ref()).unwrap();
    let push = Request::Push(Push {
        cursor: 0,
        page_limit: 1,
        docs: vec![DocPush {
            doc_id: two.clone(),
            kind: "client_file".into(),
            owner_org: "Fundacja A".into(),
            base_heads: base,
            changes: punkt_core::e2e::seal_changes(&key, &two, &mut change),
            keys: Vec::new(),
            referral_to: None,
            merges_away: true,
            replaces_legacy: false,
            snapshot: None,
        }],
    });
    let Response::Push(reply) = b.ask(&server, push) else {
        panic!("not a push answer")
    };
    assert_eq!(refused_code(&reply.results[0].outcome), "forbidden");
    a.sync(&server);
    assert!(a.punkt.client(&two).unwrap().merged_into.is_none());

    // The coordinator may.
    o.sync(&server);
    o.punkt.merge_clients(&one, &two).unwrap();
    assert!(o.sync(&server).refused.is_empty());
    a.sync(&server);
    assert_eq!(
        a.punkt.client(&two).unwrap().merged_into.as_deref(),
        Some(one.as_str())
    );
}

/// A server restored from a backup made before an erasure lists the erased file again, like an
/// undone erasure would, but without the server's word that it was undone: every laptop keeps
/// it erased.
#[test]
fn a_server_restored_from_an_older_backup_does_not_bring_an_erased_file_back() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.db");
    let clock = Arc::new(AtomicI64::new(0));
    let server = TestServer::start_limited(&db, clock.clone(), 100);
    server.people(&[
        ("Fundacja A", "anna", "lawyer"),
        ("Fundacja A", "ola", "coordinator"),
    ]);
    let mut a = Device::enrolled(&server, "Fundacja A", "anna");
    let mut o = Device::enrolled(&server, "Fundacja A", "ola");
    let id = a.add(PERSON);
    a.sync(&server);
    o.sync(&server);
    // The backup, taken now.
    server.kill();
    let backup = dir.path().join("backup.db");
    copy_server_db(&db, &backup);
    let server = TestServer::start_limited(&db, clock.clone(), 100);
    o.punkt.erase_client(&id).unwrap();
    assert_eq!(o.sync(&server).erasures_sent, 1);
    assert_eq!(a.sync(&server).erased.len(), 1);
    server.kill();
    // Restored from the backup: the file is there again, live.
    copy_server_db(&backup, &db);
    let server = TestServer::start_limited(&db, clock, 100);
    server.restored();
    assert_eq!(server.stored(&id).unwrap().0, "client_file");
    for d in [&mut a, &mut o] {
        let s = d.sync(&server);
        assert_eq!(s.restored, 0, "{s:?}");
        assert_eq!(d.punkt.client(&id).unwrap_err().code(), "erased");
    }
}

/// A laptop that is not a coordinator erasing an id the server never had leaves no tombstone
/// there: it cannot block the file its author pushes later.
#[test]
fn erasing_an_unknown_id_blocks_no_later_file() {
    let (_dir, server, mut a, b, _o) = office(100);
    let id = a.add(PERSON);
    // b learnt the id somehow (a sync file), before a ever synced.
    let out = erase_raw(&b, &server, &[&id]);
    assert!(matches!(out[0], Outcome::Applied { .. }));
    assert!(server.stored(&id).is_none(), "no tombstone");
    assert!(a.sync(&server).refused.is_empty());
    assert_eq!(server.stored(&id).unwrap().0, "client_file");
}
