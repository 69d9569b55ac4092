//! Sync without a network: the changes a laptop has not sent go into an encrypted file, another
//! machine imports it and syncs; when the laptop syncs later nothing is doubled.

use punkt_system_tests::{assert_converged, Device, TestServer, FAST};

#[test]
fn a_usb_stick_carries_the_changes_from_a_centre_to_the_office() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    server.org("Fundacja A");
    server.org("Stowarzyszenie B");
    server.user("Fundacja A", "anna", "lawyer");
    server.user("Fundacja A", "office", "coordinator");
    server.user("Stowarzyszenie B", "beata", "counsellor");
    let mut laptop = Device::enrolled(&server, "Fundacja A", "anna");
    let mut office = Device::enrolled(&server, "Fundacja A", "office");
    let known = laptop.add(r#"{"given_names":"Olena","family_name":"Bondar"}"#);
    laptop.sync(&server);
    office.sync(&server);

    // A day in a guarded centre, no network.
    let new = laptop.add(r#"{"given_names":"Ahmad","family_name":"Rahimi","names_original":"احمد رحیمی","citizenships":["AF"]}"#);
    laptop.consult(&new, "first visit in Przemyśl");
    laptop.consult(&known, "second visit");
    let (file, summary) = laptop
        .punkt
        .export_changes("stick passphrase", false, FAST)
        .unwrap();
    assert_eq!(summary.documents, 2);
    assert!(
        !file.windows(6).any(|w| w == b"Rahimi"),
        "the file is encrypted"
    );

    // A wrong passphrase and a damaged file change nothing.
    assert!(office
        .punkt
        .import_changes(&file, "wrong passphrase")
        .unwrap_err()
        .to_string()
        .contains("wrong passphrase"));
    let mut damaged = file.clone();
    damaged[200] ^= 0xFF;
    assert!(office
        .punkt
        .import_changes(&damaged, "stick passphrase")
        .is_err());
    assert!(office.punkt.client(&new).is_err());

    let imported = office
        .punkt
        .import_changes(&file, "stick passphrase")
        .unwrap();
    assert_eq!(
        (imported.documents, imported.changed, imported.new_documents),
        (2, 2, 1)
    );
    assert!(imported.refused.is_empty());
    // Importing twice changes nothing.
    assert_eq!(
        office
            .punkt
            .import_changes(&file, "stick passphrase")
            .unwrap()
            .changed,
        0
    );
    assert_eq!(office.punkt.search("Ahmad Rahimi", 1).unwrap()[0].id, new);
    office.sync(&server);
    // The laptop comes back and syncs too: the same changes arrive a second time, as no-ops.
    laptop.sync(&server);
    office.sync(&server);
    assert_converged(&[&laptop, &office]);
    assert_eq!(
        office.punkt.client_view(&new).unwrap().consultations.len(),
        1
    );
    assert_eq!(
        office
            .punkt
            .client_view(&known)
            .unwrap()
            .consultations
            .len(),
        1
    );
    assert_eq!(server.doc_count(), 2);

    // Another organisation's machine refuses the file's documents.
    let mut other = Device::enrolled(&server, "Stowarzyszenie B", "beata");
    let (all, _) = laptop
        .punkt
        .export_changes("stick passphrase", true, FAST)
        .unwrap();
    let r = other
        .punkt
        .import_changes(&all, "stick passphrase")
        .unwrap();
    assert_eq!(r.refused.len(), 2);
    assert_eq!(other.punkt.store().count_clients().unwrap(), 0);
    other.sync(&server);
}

/// Restricted sections in sync files (issue 12, item 5): a laptop puts in only the sections
/// its role may read, and a laptop whose role may not read one refuses it on import (the rest
/// of the file comes in).
#[test]
fn sync_files_carry_restricted_sections_only_between_roles_that_may_read_them() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    server.people(&[
        ("Fundacja A", "pola", "psychologist"),
        ("Fundacja A", "office", "coordinator"),
    ]);
    let mut pola = Device::enrolled(&server, "Fundacja A", "pola");
    let mut office = Device::enrolled(&server, "Fundacja A", "office");
    let id = pola.add(r#"{"given_names":"Leyla","family_name":"Karimi"}"#);
    pola.sync(&server);
    office.sync(&server);
    pola.punkt
        .add_section_note(
            &id,
            "psychological",
            punkt_core::sections::SectionNoteInput::from_json(
                r#"{"text":"nightmares since the border"}"#,
            )
            .unwrap(),
        )
        .unwrap();
    let (file, summary) = pola
        .punkt
        .export_changes("stick passphrase", false, FAST)
        .unwrap();
    assert_eq!(
        summary.documents, 2,
        "the file and the psychologist's own section"
    );
    let imported = office
        .punkt
        .import_changes(&file, "stick passphrase")
        .unwrap();
    assert_eq!(imported.refused.len(), 1, "{imported:?}");
    assert_eq!(imported.refused[0].code, "forbidden");
    assert!(imported.refused[0]
        .message
        .contains("section:psychological"));
    assert_eq!(
        office.punkt.client(&id).unwrap().sections.len(),
        1,
        "it exists, unread"
    );

    // A laptop used alone whose role changed from psychologist to counsellor keeps the notes
    // it wrote, but no longer puts them in a sync file.
    let alone = tempfile::tempdir().unwrap();
    let mut p = punkt_core::Punkt::init_with(
        &alone.path().join("s"),
        "a long passphrase for a test store",
        "Fundacja A",
        FAST,
    )
    .unwrap();
    p.set_local_role("psychologist").unwrap();
    let c = p
        .add_client(
            punkt_core::ClientInput::from_json(r#"{"given_names":"Aziz","family_name":"Noori"}"#)
                .unwrap(),
        )
        .unwrap();
    p.add_section_note(
        &c,
        "psychological",
        punkt_core::sections::SectionNoteInput::from_json(r#"{"text":"sleeps badly"}"#).unwrap(),
    )
    .unwrap();
    assert_eq!(
        p.export_changes("stick passphrase", false, FAST)
            .unwrap()
            .1
            .documents,
        2
    );
    p.set_local_role("counsellor").unwrap();
    assert_eq!(
        p.export_changes("stick passphrase", false, FAST)
            .unwrap()
            .1
            .documents,
        1
    );
}

#[test]
fn an_import_stopped_halfway_keeps_what_came_and_the_same_file_brings_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path());
    server.org("Fundacja A");
    server.user("Fundacja A", "anna", "lawyer");
    server.user("Fundacja A", "office", "coordinator");
    let mut laptop = Device::enrolled(&server, "Fundacja A", "anna");
    let mut office = Device::enrolled(&server, "Fundacja A", "office");
    laptop.punkt.demo(450, 3).unwrap();
    let (file, _) = laptop
        .punkt
        .export_changes("stick passphrase", true, FAST)
        .unwrap();

    // Stopped once the first batch is in: the answer is `cancelled`, and that batch stays.
    let mut seen = Vec::new();
    let err = office
        .punkt
        .import_changes_with(&file, "stick passphrase", &mut |p| {
            seen.push((p.phase, p.done));
            p.done == 0
        })
        .unwrap_err();
    assert_eq!(err.code(), "cancelled");
    assert_eq!(seen.first(), Some(&("import", 0)));
    let after_stop = office.punkt.store().count_clients().unwrap();
    assert!(
        after_stop > 0 && after_stop < 450,
        "{after_stop} files after the stop"
    );

    // The same file again: the rest comes, nothing is doubled.
    let mut last = None;
    office
        .punkt
        .import_changes_with(&file, "stick passphrase", &mut |p| {
            last = Some((p.done, p.total));
            true
        })
        .unwrap();
    let (done, total) = last.unwrap();
    assert_eq!(done, total, "the last report says all is done");
    assert_eq!(office.punkt.store().count_clients().unwrap(), 450);
}
