//! A merge made on one laptop reaches the others: the merged-away file redirects to the
//! survivor, drops out of their search and board, and the survivor holds every consultation.

use punkt_system_tests::{assert_converged, two_laptops, Device, TestServer};

#[test]
fn a_merge_redirects_on_every_laptop_after_sync() {
    // Merging away a colleague's file is a coordinator's decision (erase_guard.rs).
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    server.people(&[
        ("Fundacja A", "ola", "coordinator"),
        ("Fundacja A", "bartek", "counsellor"),
    ]);
    let mut a = Device::enrolled(&server, "Fundacja A", "ola");
    let mut b = Device::enrolled(&server, "Fundacja A", "bartek");

    let keep =
        a.add(r#"{"given_names":"Taras","family_name":"Shevchenko","birth_date":"1990-03-09"}"#);
    let other =
        b.add(r#"{"given_names":"Taras","family_name":"Szewczenko","birth_date":"1990-03-09"}"#);
    a.consult(&keep, "at the Lublin point");
    b.consult(&other, "in Przemyśl");
    a.sync(&server);
    b.sync(&server);
    a.sync(&server);
    assert_eq!(a.punkt.duplicates(10).unwrap().len(), 1);

    a.punkt.merge_clients(&keep, &other).unwrap();
    a.sync(&server);
    b.sync(&server);
    assert_converged(&[&a, &b]);

    let shown = b.punkt.client_view(&other).unwrap();
    assert_eq!(shown.id, keep);
    let notes: Vec<String> = shown.consultations.iter().map(|c| c.note.clone()).collect();
    assert!(
        notes.contains(&"at the Lublin point".to_string())
            && notes.contains(&"in Przemyśl".to_string())
    );
    let hits = b.punkt.search("Szewczenko", 10).unwrap();
    assert_eq!(
        hits.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(),
        vec![keep.as_str()]
    );
    assert!(b.punkt.duplicates(10).unwrap().is_empty());
}

#[test]
fn an_edit_made_offline_during_a_merge_is_kept_and_merging_again_brings_it_over() {
    let (_dir, server, mut a, mut b) = two_laptops();
    let keep = a.add(r#"{"family_name":"Shevchenko","birth_date":"1990-03-09"}"#);
    let other = a.add(r#"{"family_name":"Szewczenko","birth_date":"1990-03-09"}"#);
    a.sync(&server);
    b.sync(&server);

    // Apart: A merges, B (not knowing) records a consultation on the other file.
    a.punkt.merge_clients(&keep, &other).unwrap();
    b.consult(&other, "seen while apart");
    a.sync(&server);
    b.sync(&server);
    a.sync(&server);
    assert_converged(&[&a, &b]);
    // Nothing is lost: the consultation is in the merged file's document...
    let notes = |d: &Device, id: &str| -> Vec<String> {
        d.punkt
            .client(id)
            .unwrap()
            .consultations
            .values()
            .map(|c| c.note.clone())
            .collect()
    };
    assert!(notes(&a, &other).contains(&"seen while apart".to_string()));
    // ...and merging again (idempotent) brings it into the survivor, on every laptop.
    let again = a.punkt.merge_clients(&keep, &other).unwrap();
    assert_eq!(again.added.get("consultations"), Some(&1));
    a.sync(&server);
    b.sync(&server);
    assert!(notes(&b, &keep).contains(&"seen while apart".to_string()));
}
