//! Erasure (issue 5): a file erased on one laptop is deleted on the server and on every other
//! laptop, and nothing of the person stays in any file of any data directory; a laptop that
//! comes back with edits to an erased file drops them with a notice; only the owner
//! organisation erases.
//!
//! The laptops' stores in the tests that call `setup` are plain SQLite (`plaintext_stores`, on
//! the test's own thread only), so that searching their bytes sees what deletion left behind
//! rather than ciphertext. Each search is first shown to find the person while the file
//! exists, and a second person who is not erased is found before and after: a search that
//! finds nothing proves nothing.

use punkt_sync::wire::Code;
use std::path::Path;

use punkt_core::CoreError;
use punkt_sync::wire::{Erase, Outcome};
use punkt_sync::{decode_response, encode_request, Request, Response};
use punkt_sync_server::SqliteStorage;
use punkt_system_tests::{files_containing, two_laptops, Device, TestBackend, TestServer};

const PERSON: &str = r#"{"given_names":"Zoriana","family_name":"Kvitkovska","names_original":"Зоряна Квітковська","birth_date":"1987-05-14","citizenships":["UA"],"identifiers":[{"kind":"passport","number":"FX4471902"}],"contact":{"phone":"+48 511 902 337"}}"#;
/// What must not be found anywhere after the erasure: names in both scripts (and the folded
/// form the index uses), the document number, the phone, a consultation note, attachment bytes.
const TRACES: &[&str] = &[
    "Zoriana",
    "zoriana",
    "Kvitkovska",
    "kvitkovska",
    "Зоряна",
    "Квітковська",
    "FX4471902",
    "511 902 337",
    "under the bridge in Grochow",
    "SCAN-OF-DECISION-4471",
];
const CONTROL: &str =
    r#"{"given_names":"Myroslava","family_name":"Dovbush","birth_date":"1979-01-02"}"#;

fn setup() -> (
    punkt_store::testing::Plaintext,
    tempfile::TempDir,
    TestServer,
    Device,
    Device,
) {
    let plain = punkt_store::testing::plaintext_stores();
    let (dir, server, a, b) = two_laptops();
    (plain, dir, server, a, b)
}

/// The plaintext switch is this thread's and ends with its guard: every other test in this
/// binary (each on its own thread) and this one after the guard, get real SQLCipher stores.
#[test]
fn plain_stores_stay_on_the_thread_that_asked_and_end_with_the_guard() {
    const SQLITE_HEADER: &[u8] = b"SQLite format 3\0";
    let make = |dir: &Path| {
        punkt_store::Store::create(
            dir,
            "a long passphrase for a test store",
            "Fundacja A",
            punkt_store::KdfParams::FOR_TESTS,
        )
        .unwrap();
        let bytes = std::fs::read(dir.join("punkt.db")).unwrap();
        bytes.starts_with(SQLITE_HEADER)
    };
    let root = tempfile::tempdir().unwrap();
    let plain = punkt_store::testing::plaintext_stores();
    assert!(
        make(&root.path().join("plain")),
        "the guard makes a plain store"
    );
    let other = root.path().join("other-thread");
    assert!(
        !std::thread::scope(|s| s.spawn(|| make(&other)).join().unwrap()),
        "another thread's store is encrypted"
    );
    drop(plain);
    assert!(
        !make(&root.path().join("after")),
        "encrypted again after the guard"
    );
}

fn traces_in(dir: &Path) -> Vec<(String, Vec<String>)> {
    TRACES
        .iter()
        .map(|t| (t.to_string(), files_containing(dir, t.as_bytes())))
        .filter(|(_, f)| !f.is_empty())
        .collect()
}

/// What of the person the server's database holds in its bytes.
fn traces_on(server: &TestServer) -> Vec<&'static str> {
    TRACES
        .iter()
        .copied()
        .filter(|t| server.holds(t.as_bytes()))
        .collect()
}

/// Every document and change a (plain) laptop store keeps, decoded, as one text.
fn decoded_documents(db: &Path) -> String {
    decoded(
        &|sql| SqliteStorage::blobs(db, sql),
        &db.display().to_string(),
    )
}

/// Every document and change a database keeps (a laptop's or the server's: both keep
/// `documents.snapshot` and `doc_changes.bytes`), decoded, as one text; `blobs` reads it.
fn decoded(blobs: &dyn Fn(&str) -> Option<Vec<Vec<u8>>>, what: &str) -> String {
    let mut out = String::new();
    for sql in [
        "SELECT snapshot FROM documents",
        "SELECT bytes FROM doc_changes",
        // The server's erasures within their grace period.
        "SELECT snapshot FROM held_docs",
        "SELECT bytes FROM held_changes",
    ] {
        let Some(rows) = blobs(sql) else {
            continue; // a laptop's store has no held erasures
        };
        for b in rows.into_iter().filter(|b| !b.is_empty()) {
            // The blind server's rows: a sealed change or snapshot, nothing to decode.
            if b.starts_with(b"PKC6") || b.starts_with(b"PKS6") {
                continue;
            }
            if let Ok(doc) = automerge::AutoCommit::load(&b) {
                out.push_str(&serde_json::to_string(&automerge::AutoSerde::from(&doc)).unwrap());
            } else if let Ok(c) = automerge::Change::from_bytes(b.clone()) {
                out.push_str(&format!("{:?}", c.decode()));
            } else {
                panic!("a blob in {what} is neither a document nor a change");
            }
            out.push('\n');
        }
    }
    out
}

/// Nothing of the erased person in the bytes of any file, nor in any decoded document, once
/// the server's grace period for undoing the erasure is over.
fn assert_no_traces(a: &Device, b: &Device, server: &TestServer) {
    server.advance_clock(punkt_sync::wire::ERASURE_GRACE_SECS + 60);
    assert!(
        server.purge_erasures() > 0,
        "the erasure was held, then purged"
    );
    for d in [a.store_dir(), b.store_dir()] {
        assert_eq!(traces_in(&d), vec![], "in {}", d.display());
    }
    assert_eq!(traces_on(server), Vec::<&str>::new(), "on the server");
    let on_server = decoded(&|sql| server.blobs(sql), "the server's database");
    for (db, decoded) in [
        a.store_dir().join("punkt.db"),
        b.store_dir().join("punkt.db"),
    ]
    .map(|db| (db.display().to_string(), decoded_documents(&db)))
    .into_iter()
    .chain([("the server".to_string(), on_server)])
    {
        for t in TRACES {
            assert!(!decoded.contains(t), "{t} decoded from {db}");
        }
    }
}

/// A tiny PNG whose bytes carry a marker.
fn png_with_marker() -> Vec<u8> {
    let mut b = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
    b.extend_from_slice(&[0u8; 16]);
    b.extend_from_slice(b"SCAN-OF-DECISION-4471");
    b
}

#[test]
fn an_erased_file_leaves_no_trace_on_any_laptop_or_the_server() {
    let (_plain, _dir, server, mut a, mut b) = setup();
    let id = a.add(PERSON);
    a.consult(&id, "under the bridge in Grochow");
    a.punkt
        .add_attachment(&id, "decision.png", &png_with_marker())
        .unwrap();
    let control = a.add(CONTROL);
    a.sync(&server);
    b.sync(&server);
    assert_eq!(b.punkt.client(&id).unwrap().person.given_names, "Zoriana");

    // The searches can see the person while the file exists (plain stores, plain server).
    // The searches can see the person while the file exists: in the bytes of every store (the
    // index is plain here) and of the server (the attachment's bytes), and in the decoded
    // documents everywhere (Automerge compresses larger columns, so bytes alone are not enough).
    for d in [a.store_dir(), b.store_dir()] {
        for t in [
            "Zoriana",
            "Kvitkovska",
            "Квітковська",
            "SCAN-OF-DECISION-4471",
        ] {
            assert!(
                !files_containing(&d, t.as_bytes()).is_empty(),
                "{t} in {}",
                d.display()
            );
        }
    }
    for db in [
        a.store_dir().join("punkt.db"),
        b.store_dir().join("punkt.db"),
    ] {
        let decoded = decoded_documents(&db);
        for t in [
            "Zoriana",
            "Квітковська",
            "FX4471902",
            "under the bridge in Grochow",
        ] {
            assert!(decoded.contains(t), "{t} decoded from {}", db.display());
        }
    }
    // The server (protocol 6) holds ciphertext only: nothing of the person in its bytes or
    // in anything it stores that decodes, even while the file exists.
    assert_eq!(
        traces_on(&server),
        Vec::<&str>::new(),
        "the server holds the person in clear"
    );
    assert!(!server.holds(b"SCAN-OF-DECISION-4471"));
    assert_eq!(
        decoded(&|sql| server.blobs(sql), "the server's database"),
        ""
    );

    let report = a.punkt.erase_client(&id).unwrap();
    assert_eq!(report.documents.len(), 2, "the file and its attachment");
    let sent = a.sync(&server);
    assert_eq!(sent.erasures_sent, 2);
    let got = b.sync(&server);
    assert_eq!(got.erased.len(), 2);
    assert!(got.erased.iter().all(|e| !e.dropped_unsent_changes));
    for (who, d) in [("laptop A", a.store_dir()), ("laptop B", b.store_dir())] {
        assert_eq!(traces_in(&d), vec![], "traces left on {who}");
    }

    // The server holds the erased file (sealed) for the grace period (a coordinator could
    // undo it); a purge before its end deletes nothing.
    assert_eq!(server.held_erasures()[0].documents, 2);
    assert_eq!(server.purge_erasures(), 0);
    assert_eq!(server.held_erasures()[0].documents, 2);
    // Past it, the hourly purge deletes it for good.
    server.advance_clock(punkt_sync::wire::ERASURE_GRACE_SECS + 60);
    assert_eq!(server.purge_erasures(), 2);

    for (who, d) in [("laptop A", a.store_dir()), ("laptop B", b.store_dir())] {
        assert_eq!(traces_in(&d), vec![], "traces left on {who}");
        // The person not erased is still on every laptop.
        assert!(
            !files_containing(&d, b"Dovbush").is_empty(),
            "Dovbush on {who}"
        );
    }
    assert_eq!(
        traces_on(&server),
        Vec::<&str>::new(),
        "traces left on the server"
    );
    assert!(
        !server.holds(b"Dovbush"),
        "the server never held Dovbush in clear"
    );
    for db in [
        a.store_dir().join("punkt.db"),
        b.store_dir().join("punkt.db"),
    ] {
        let decoded = decoded_documents(&db);
        assert!(decoded.contains("Dovbush"), "{}", db.display());
        for t in TRACES {
            assert!(!decoded.contains(t), "{t} decoded from {}", db.display());
        }
    }
    assert_eq!(
        decoded(&|sql| server.blobs(sql), "the server's database"),
        "",
        "the server decodes nothing"
    );
    for dev in [&a, &b] {
        assert!(matches!(
            dev.punkt.client_view(&id),
            Err(CoreError::Erased(_))
        ));
        assert!(dev
            .punkt
            .search("Zoriana Kvitkovska", 10)
            .unwrap()
            .is_empty());
        assert_eq!(
            dev.punkt.client(&control).unwrap().person.family_name,
            "Dovbush"
        );
    }
    // The server logged the erasure (ids only).
    let erasures: Vec<_> = server
        .audit()
        .into_iter()
        .filter(|e| e.action == "erase")
        .collect();
    assert_eq!(erasures.len(), 2);
    assert!(erasures
        .iter()
        .any(|e| e.doc_id.as_deref() == Some(id.as_str())));
    // Syncing again changes nothing and brings nothing back.
    assert_eq!(a.sync(&server).erased.len(), 0);
    assert_eq!(b.sync(&server).received, 0);
    assert!(matches!(b.punkt.client(&id), Err(CoreError::Erased(_))));
}

#[test]
fn a_laptop_returning_with_edits_to_an_erased_file_drops_them_with_a_notice() {
    let (_plain, _dir, server, mut a, mut b) = setup();
    let id = a.add(PERSON);
    a.sync(&server);
    b.sync(&server);

    // Apart: B records a consultation while A erases the file.
    b.consult(&id, "under the bridge in Grochow");
    a.punkt.erase_client(&id).unwrap();
    a.sync(&server);
    let back = b.sync(&server);
    assert_eq!(
        back.erased
            .iter()
            .map(|e| (e.doc_id.as_str(), e.dropped_unsent_changes))
            .collect::<Vec<_>>(),
        vec![(id.as_str(), true)],
        "B is told its edit was dropped"
    );
    assert!(back.refused.is_empty(), "{:?}", back.refused);
    assert_eq!(back.pending_after, 0);
    assert!(matches!(b.punkt.client(&id), Err(CoreError::Erased(_))));
    // The edit reached neither the server nor A.
    assert_no_traces(&a, &b, &server);
    assert_eq!(a.sync(&server).received, 0);
}

#[test]
fn an_edit_that_reached_the_server_first_is_erased_with_the_file() {
    let (_plain, _dir, server, mut a, mut b) = setup();
    let id = a.add(PERSON);
    a.sync(&server);
    b.sync(&server);
    b.consult(&id, "under the bridge in Grochow");
    b.sync(&server);
    // A erases without having pulled B's consultation.
    a.punkt.erase_client(&id).unwrap();
    a.sync(&server);
    let b_after = b.sync(&server);
    assert_eq!(b_after.erased.len(), 1);
    assert!(!b_after.erased[0].dropped_unsent_changes);
    assert_no_traces(&a, &b, &server);
}

#[test]
fn only_the_owner_organisation_can_erase_a_file() {
    let (_plain, _dir, server, mut a, _b) = setup();
    server.org("Fundacja B");
    server.user("Fundacja B", "celina", "lawyer");
    let c = Device::enrolled(&server, "Fundacja B", "celina");
    let id = a.add(PERSON);
    a.sync(&server);

    // A device of organisation B asks the server to erase A's file: refused, file kept.
    let mut t = c.transport(&server);
    let answer = punkt_core::sync::Transport::exchange(
        &mut t,
        &encode_request(&Request::Erase(Erase {
            docs: vec![id.clone()],
        })),
    )
    .unwrap();
    let Ok(Response::Erase(results)) = decode_response(&answer) else {
        panic!("not an erase answer");
    };
    assert!(
        matches!(&results[0].outcome, Outcome::Refused(r) if r.code == Code::Forbidden),
        "{results:?}"
    );
    assert!(server
        .audit()
        .iter()
        .any(|e| e.action == "refused" && e.doc_id.as_deref() == Some(id.as_str())));
    // Given access to the file (as a referral partner might be), B's laptop still cannot
    // erase it: the laptop refuses before asking.
    server.grant(&id, "Fundacja B");
    // The server cannot open the file to B: A's next sync seals its key to B.
    a.sync(&server);
    let mut c = c;
    c.sync(&server);
    assert_eq!(c.punkt.client(&id).unwrap().person.given_names, "Zoriana");
    let refused = c.punkt.erase_client(&id).unwrap_err();
    assert_eq!(refused.code(), "forbidden");
    a.sync(&server);
    assert_eq!(a.punkt.client(&id).unwrap().person.given_names, "Zoriana");
    assert!(server.audit().iter().all(|e| e.action != "erase"));
}

/// A retention run on the coordinator's laptop reaches every laptop: the original is erased
/// everywhere and the anonymised copy arrives in its place.
#[test]
fn a_retention_run_reaches_every_laptop() {
    use chrono::TimeZone;
    use punkt_core::retention::{RetentionAction, RetentionRule};
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    server.org("Fundacja A");
    server.user("Fundacja A", "ala", "coordinator");
    server.user("Fundacja A", "bartek", "counsellor");
    let mut ala = Device::enrolled(&server, "Fundacja A", "ala");
    let mut bartek = Device::enrolled(&server, "Fundacja A", "bartek");
    ala.punkt
        .set_now(chrono::Utc.with_ymd_and_hms(2015, 4, 1, 9, 0, 0).unwrap());
    let old = ala.add(PERSON);
    let active = ala.add(r#"{"given_names":"Dmytro","family_name":"Koval"}"#);
    ala.sync(&server);
    bartek.sync(&server);
    assert!(bartek.punkt.client(&old).is_ok());

    ala.punkt
        .set_now(chrono::Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap());
    ala.punkt
        .set_retention_rule(Some(RetentionRule {
            closed_years: 10,
            action: RetentionAction::Anonymise,
        }))
        .unwrap();
    // Meanwhile Bartek saw Dmytro again and synced; Ala's laptop has not heard of it.
    bartek.consult(&active, "back after ten years");
    bartek.sync(&server);
    let preview = ala.punkt.run_retention(false).unwrap();
    assert_eq!(preview.due.len(), 2, "on Ala's data alone both look closed");
    assert!(preview.sync_required);
    assert_eq!(preview.last_sync.as_deref(), Some("2015-04-01T09:00:00Z"));
    // So applying is refused until Ala syncs: nothing is erased or copied.
    let refused = ala.punkt.run_retention(true).unwrap_err();
    assert_eq!(refused.code(), "sync_first", "{refused}");
    assert!(ala.punkt.client(&old).is_ok() && ala.punkt.client(&active).is_ok());
    ala.sync(&server);
    let preview = ala.punkt.run_retention(false).unwrap();
    assert!(!preview.sync_required);
    // Fresh for 24 hours; a sync that seems to lie in the future proves nothing.
    let at = |h: u32, m: u32, d: u32| chrono::Utc.with_ymd_and_hms(2026, 11, d, h, m, 0).unwrap();
    for (now, required) in [
        (at(8, 59, 23), false),
        (at(9, 1, 23), true),
        (at(8, 0, 22), true),
    ] {
        ala.punkt.set_now(now);
        assert_eq!(
            ala.punkt.run_retention(false).unwrap().sync_required,
            required,
            "{now}"
        );
    }
    ala.punkt.set_now(at(9, 0, 22));
    assert_eq!(
        preview
            .due
            .iter()
            .map(|i| i.id.as_str())
            .collect::<Vec<_>>(),
        [old.as_str()],
        "Bartek's consultation keeps Dmytro's file"
    );
    let done = ala.punkt.run_retention(true).unwrap();
    assert_eq!(done.anonymised.len(), 1);
    let copy = done.anonymised[0].to.clone();
    let sent = ala.sync(&server);
    assert_eq!((sent.erasures_sent, sent.events_sent), (1, 1));

    let got = bartek.sync(&server);
    assert_eq!(got.erased.len(), 1);
    assert_eq!(got.erased[0].doc_id, old);
    assert_eq!(bartek.punkt.client(&old).unwrap_err().code(), "erased");
    assert!(bartek.punkt.client(&copy).unwrap().anonymised_at.is_some());
    assert_eq!(server.stored(&old), Some(("erased".to_string(), 0)));
    assert!(server
        .audit()
        .iter()
        .any(|e| e.action == "retention" && e.user.as_deref() == Some("ala")));
}
