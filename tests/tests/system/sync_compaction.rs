//! The blind server keeps a laptop's sealed snapshot in place of the changes it covers: a new
//! file goes up as one snapshot, and a history that gathers many changes is compacted when the
//! server asks. Nothing is lost: a laptop that was behind (and edited offline meanwhile) gets
//! the snapshot whole and merges it, and a new laptop loads it.

use punkt_sync_server::Storage;
use punkt_system_tests::{assert_converged, Device, StoredForm, TestServer};

#[test]
fn a_new_file_goes_up_as_one_snapshot_and_later_edits_as_changes() {
    let (_dir, server, mut a, mut b) = punkt_system_tests::two_laptops();
    let id = a.add(r#"{"given_names":"Amina","family_name":"Haidari"}"#);
    a.consult(&id, "first visit at the Lublin point");
    a.consult(&id, "second visit");
    let sent = a.sync(&server);
    assert_eq!(sent.sent, 1);
    let form = server.stored_form(&id);
    assert!(form.snapshot && form.loose == 0, "{form:?}");
    assert!(form.covered >= 3, "{form:?}");
    b.sync(&server);
    assert_converged(&[&a, &b]);

    // An edit of a file the server has goes as that change, beside the snapshot.
    a.update(&id, r#"{"contact":{"phone":"+48 600 100 200"}}"#);
    a.sync(&server);
    assert_eq!(server.stored_form(&id), StoredForm { loose: 1, ..form });
    let got = b.sync(&server);
    assert_eq!(got.received, 1);
    assert_converged(&[&a, &b]);
}

/// A file edited `n` times on `a`, synced every 8 edits.
fn edit_often<S: Storage>(server: &TestServer<S>, a: &mut Device, id: &str, n: usize) -> u64 {
    let mut compacted = 0;
    for i in 0..n {
        a.consult(id, &format!("visit {i}"));
        if i % 8 == 7 {
            compacted += a.sync(server).compacted;
        }
    }
    compacted + a.sync(server).compacted
}

fn a_long_history_is_compacted_and_nothing_is_lost<S: Storage>(server: &TestServer<S>) {
    let mut a = Device::enrolled(server, "Fundacja A", "anna");
    let mut b = Device::enrolled(server, "Fundacja A", "bartek");
    let id = a.add(r#"{"given_names":"Olena","family_name":"Bondar"}"#);
    a.sync(server);
    b.sync(server);

    // Bartek works offline on the file; Anna records forty visits meanwhile.
    b.update(&id, r#"{"contact":{"phone":"+48 700 000 001"}}"#);
    let compacted = edit_often(server, &mut a, &id, 40);
    assert_eq!(
        compacted, 1,
        "the server asked once, and Anna's laptop answered"
    );
    let form = server.stored_form(&id);
    assert!(form.snapshot, "{form:?}");
    assert!(form.loose < 32, "{form:?}");
    assert!(form.covered >= 32, "{form:?}");

    // Bartek lacks changes the snapshot replaced: he gets it whole, merges, and his edit goes.
    let got = b.sync(server);
    assert_eq!(got.refused, vec![], "{got:?}");
    assert_eq!(got.sent, 1);
    a.sync(server);
    assert_converged(&[&a, &b]);
    let file = b.punkt.client_view(&id).unwrap();
    assert_eq!(file.consultations.len(), 40);
    assert_eq!(
        file.person.contact.get("phone").map(String::as_str),
        Some("+48 700 000 001"),
        "the offline edit is kept"
    );

    // A new laptop loads the snapshot and what came after it.
    let mut c = Device::enrolled(server, "Fundacja A", "celina");
    let first = c.sync(server);
    assert_eq!(first.new_documents, 1);
    assert_eq!(first.refused, vec![]);
    assert_converged(&[&a, &b, &c]);
}

fn people<S: Storage>(server: &TestServer<S>) {
    server.people(&[
        ("Fundacja A", "anna", "lawyer"),
        ("Fundacja A", "bartek", "counsellor"),
        ("Fundacja A", "celina", "counsellor"),
    ]);
}

#[test]
fn a_long_history_is_compacted_at_the_servers_request_and_nothing_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    people(&server);
    a_long_history_is_compacted_and_nothing_is_lost(&server);
}
