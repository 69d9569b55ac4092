//! A visit to a guarded centre records each person in one call and one write (issue 15,
//! item 5): a refused call writes nothing, so the screen's retry cannot double anything.

use crate::common;

use common::*;
use punkt_core::visit::VisitInput;

fn visit(json: &str) -> VisitInput {
    serde_json::from_str(json).unwrap()
}

#[test]
fn a_person_taken_in_during_a_visit_is_one_write_and_a_refusal_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = store(dir.path());
    // The deadline is refused (a limit the court set needs its note): no person, no
    // consultation.
    let bad = visit(
        r#"{"centre":"lesznowola","date":"2026-11-20","person":{"given_names":"Amir","family_name":"Karimi"},"services":["legal"],"deadline":{"rule":"custom-days","start":"2026-11-18","days":7}}"#,
    );
    let e = p.record_visit(bad).unwrap_err();
    assert_eq!(e.code(), "invalid_input", "{e}");
    assert_eq!(p.store().count_clients().unwrap(), 0, "nothing written");

    let done = p
        .record_visit(visit(
            r#"{"centre":"lesznowola","date":"2026-11-20","person":{"given_names":"Amir","family_name":"Karimi"},"services":["legal"],"note":"return decision","deadline":{"rule":"return-appeal","start":"2026-11-18"}}"#,
        ))
        .unwrap();
    let v = p.client_view(&done.client_id).unwrap();
    assert_eq!(v.statuses_in_force, ["detained"]);
    assert_eq!(v.legal_status[0].centre.as_deref(), Some("Lesznowola"));
    assert_eq!(v.consultations.len(), 1);
    assert_eq!(v.consultations[0].id, done.consultation_id);
    assert_eq!(v.deadlines.len(), 1);
    assert_eq!(v.deadlines[0].id, done.deadline.as_ref().unwrap().id);
    // One change made the whole file.
    assert_eq!(p.client_history(&done.client_id).unwrap().len(), 1);

    // Someone on file: a consultation (and no deadline) added in one change.
    let again = p
        .record_visit(visit(&format!(
            r#"{{"centre":"Lesznowola","date":"2026-11-27","client_id":"{}","services":["legal","social"]}}"#,
            done.client_id
        )))
        .unwrap();
    assert!(again.deadline.is_none());
    assert_eq!(
        p.client_view(&done.client_id).unwrap().consultations.len(),
        2
    );
    for bad in [
        r#"{"centre":"Lesznowola","date":"2026-11-27","services":["legal"]}"#,
        r#"{"centre":"Gdańsk","date":"2026-11-27","client_id":"x","services":["legal"]}"#,
    ] {
        assert_eq!(
            p.record_visit(visit(bad)).unwrap_err().code(),
            "invalid_input",
            "{bad}"
        );
    }
}
