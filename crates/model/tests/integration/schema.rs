//! Documents of older schema versions are read (migrated on read); newer ones are refused.
//! The fixtures are bytes written by earlier builds and must never be regenerated.

use automerge::{transaction::Transactable, AutoCommit, ObjType, ROOT};
use punkt_model::client::{ClientFile, CLIENT_SCHEMA_VERSION};
use punkt_model::schema::{migrate_client, read_client, schema_version};
use punkt_model::vocab::{Service, Sex};
use punkt_model::ModelError;

const V0: &[u8] = include_bytes!("../fixtures/client-v0.automerge");

/// How the v0 fixture was made (kept to document it; run with --ignored to see it still works).
fn make_v0() -> Vec<u8> {
    let mut doc = AutoCommit::new();
    doc.put(ROOT, "id", "01hz0000000000000000000000").unwrap();
    doc.put(ROOT, "organisation", "Fundacja Pomocy Prawnej")
        .unwrap();
    doc.put(ROOT, "created_at", "2024-05-01T09:00:00Z").unwrap();
    let person = doc.put_object(ROOT, "person", ObjType::Map).unwrap();
    doc.put(&person, "given_names", "Olena").unwrap();
    doc.put(&person, "family_name", "Kovalenko").unwrap();
    doc.put(&person, "birth_date", "1978-04").unwrap();
    doc.put(&person, "sex", "female").unwrap();
    let c = doc
        .put_object(&person, "citizenships", ObjType::List)
        .unwrap();
    doc.insert(&c, 0, "UA").unwrap();
    let cs = doc.put_object(ROOT, "consultations", ObjType::Map).unwrap();
    let one = doc
        .put_object(&cs, "01hz0000000000000000000001", ObjType::Map)
        .unwrap();
    doc.put(&one, "date", "2024-05-01").unwrap();
    doc.put(&one, "organisation", "Fundacja Pomocy Prawnej")
        .unwrap();
    let place = doc.put_object(&one, "place", ObjType::Map).unwrap();
    doc.put(&place, "kind", "point").unwrap();
    doc.put(&place, "city", "Lublin").unwrap();
    let s = doc.put_object(&one, "services", ObjType::List).unwrap();
    doc.insert(&s, 0, "legal").unwrap();
    doc.save()
}

#[test]
#[ignore = "writes the fixture; only for making a new one"]
fn write_v0_fixture() {
    std::fs::write("tests/fixtures/client-v0.automerge", make_v0()).unwrap();
}

#[test]
fn a_version_0_document_is_migrated_on_read() {
    let mut doc = AutoCommit::load(V0).unwrap();
    assert_eq!(schema_version(&doc).unwrap(), 0);
    assert!(read_client(&doc).is_err(), "unmigrated, it has no kind");
    assert!(migrate_client(&mut doc).unwrap());
    assert_eq!(schema_version(&doc).unwrap(), CLIENT_SCHEMA_VERSION);
    let file: ClientFile = read_client(&doc).unwrap();
    assert_eq!(file.person.family_name, "Kovalenko");
    assert_eq!(file.person.sex, Sex::Female);
    assert_eq!(file.person.birth_date.unwrap().to_string(), "1978-04");
    let c = file.consultations.values().next().unwrap();
    assert_eq!(c.services, vec![Service::Legal]);
    assert_eq!(file.summary.as_str(), "");
    // A second migration is a no-op.
    assert!(!migrate_client(&mut doc).unwrap());
}

#[test]
fn a_newer_document_is_refused_with_a_clear_error() {
    let mut doc = AutoCommit::load(V0).unwrap();
    migrate_client(&mut doc).unwrap();
    doc.put(ROOT, "schema_version", CLIENT_SCHEMA_VERSION + 1)
        .unwrap();
    let e = read_client(&doc).unwrap_err();
    assert_eq!(
        e,
        ModelError::SchemaTooNew {
            found: CLIENT_SCHEMA_VERSION + 1,
            supported: CLIENT_SCHEMA_VERSION
        }
    );
    assert!(e.to_string().contains("update Punkt"));
    assert!(migrate_client(&mut doc).is_err());
}

#[test]
fn client_files_round_trip_and_merge_concurrent_additions() {
    let mut doc = AutoCommit::load(V0).unwrap();
    migrate_client(&mut doc).unwrap();
    let mut a = doc.fork().with_actor(automerge::ActorId::random());
    let mut b = doc.fork().with_actor(automerge::ActorId::random());
    let mut fa: ClientFile = read_client(&a).unwrap();
    let mut fb: ClientFile = read_client(&b).unwrap();
    let c = fa.consultations.values().next().unwrap().clone();
    fa.consultations
        .insert("01hz00000000000000000000aa".into(), c.clone());
    fb.consultations
        .insert("01hz00000000000000000000bb".into(), c);
    fa.summary.update("Sprawa A.");
    autosurgeon::reconcile(&mut a, &fa).unwrap();
    autosurgeon::reconcile(&mut b, &fb).unwrap();
    a.merge(&mut b).unwrap();
    let merged = read_client(&a).unwrap();
    assert_eq!(merged.consultations.len(), 3, "both additions kept");
    assert_eq!(merged.summary.as_str(), "Sprawa A.");
}
