//! Three laptops edit the same and different client files offline, sync in varied orders
//! through a real server on 127.0.0.1, and end with the same heads and content; concurrent
//! edits of one field keep both values until a person settles them.

use punkt_system_tests::{assert_converged, Device, TestServer};

fn setup() -> (tempfile::TempDir, TestServer, Vec<Device>) {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    server.org("Fundacja A");
    server.user("Fundacja A", "anna", "lawyer");
    server.user("Fundacja A", "bartek", "counsellor");
    server.user("Fundacja A", "celina", "coordinator");
    let devices = vec![
        Device::enrolled(&server, "Fundacja A", "anna"),
        Device::enrolled(&server, "Fundacja A", "bartek"),
        Device::enrolled(&server, "Fundacja A", "celina"),
    ];
    (dir, server, devices)
}

#[test]
fn three_devices_converge_and_keep_both_values_of_a_concurrent_edit() {
    let (_dir, server, mut d) = setup();
    let olena = d[0].add(r#"{"given_names":"Olena","family_name":"Bondar","names_original":"Олена Бондар","birth_date":"1980","sex":"female","citizenships":["UA"]}"#);
    d[0].sync(&server);
    d[1].sync(&server);
    d[2].sync(&server);
    assert_converged(&[&d[0], &d[1], &d[2]]);

    // Offline for a day: the same field on two laptops, other edits elsewhere.
    d[0].update(&olena, r#"{"family_name":"Bondarenko"}"#);
    d[1].update(
        &olena,
        r#"{"family_name":"Bondar-Kovalenko","contact":{"phone":"+48 600 111 222"}}"#,
    );
    d[2].consult(&olena, "visit in Lublin");
    d[2].update(
        &olena,
        r#"{"summary":"Ochrona czasowa; sprawa o zasiłek."}"#,
    );
    let yusuf =
        d[1].add(r#"{"given_names":"Youssef","family_name":"Haddad","citizenships":["SY"]}"#);
    let giorgi =
        d[2].add(r#"{"given_names":"Giorgi","family_name":"Beridze","citizenships":["GE"]}"#);
    d[0].consult(&olena, "visit in Przemyśl");

    // Back at the office, in no particular order, twice round.
    for i in [1, 0, 2, 1, 0, 2] {
        d[i].sync(&server);
    }
    assert_converged(&[&d[0], &d[1], &d[2]]);
    let view = d[2].punkt.client_view(&olena).unwrap();
    assert_eq!(view.consultations.len(), 2, "both consultations kept");
    assert_eq!(view.person.contact["phone"], "+48 600 111 222");
    assert_eq!(view.summary, "Ochrona czasowa; sprawa o zasiłek.");
    let conflict = view
        .conflicts
        .iter()
        .find(|c| c.path == "person.family_name")
        .expect("the concurrent edit is shown, not hidden");
    let mut values: Vec<String> = conflict
        .values
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        values[0], view.person.family_name,
        "the shown value is listed first"
    );
    values.sort();
    assert_eq!(values, vec!["Bondar-Kovalenko", "Bondarenko"]);
    assert_eq!(view.conflicts.len(), 1, "{:?}", view.conflicts);
    for dev in &d {
        assert!(dev.punkt.client(&yusuf).is_ok());
        assert!(dev.punkt.client(&giorgi).is_ok());
        // Every device finds the new people by search too: the index followed the sync.
        assert_eq!(dev.punkt.search("Yusuf Haddad", 1).unwrap()[0].id, yusuf);
    }

    // One person settles it; after a sync everyone sees the choice and no conflict.
    d[1].punkt
        .resolve_conflict(
            &olena,
            "person.family_name",
            &serde_json::json!("Bondarenko"),
        )
        .unwrap();
    for i in [1, 0, 2] {
        d[i].sync(&server);
    }
    assert_converged(&[&d[0], &d[1], &d[2]]);
    let view = d[0].punkt.client_view(&olena).unwrap();
    assert!(view.conflicts.is_empty(), "{:?}", view.conflicts);
    assert_eq!(view.person.family_name, "Bondarenko");
    assert_eq!(
        d[0].punkt.search("Bondarenko Olena", 1).unwrap()[0].id,
        olena
    );
}

#[test]
fn a_resync_with_nothing_changed_costs_almost_nothing() {
    let (_dir, server, mut d) = setup();
    d[0].punkt.demo(40, 1).unwrap();
    d[0].sync(&server);
    let first = d[1].sync(&server);
    assert_eq!(first.new_documents, 40);
    let again = d[1].sync(&server);
    assert_eq!((again.sent, again.received, again.round_trips), (0, 0, 1));
    assert!(again.bytes_sent + again.bytes_received < 100, "{again:?}");
    assert_eq!(d[1].punkt.sync_status().unwrap().pending_documents, 0);
    // Bad resolutions are refused and change nothing.
    let id = d[1].punkt.store().document_ids("client_file").unwrap()[0].clone();
    assert!(d[1]
        .punkt
        .resolve_conflict(&id, "person.family_name", &serde_json::json!("X"))
        .is_err());
    assert_eq!(d[1].punkt.sync_status().unwrap().pending_documents, 0);
}
