//! Erasure on one laptop: what goes with a file (attachments, files merged into it), what is
//! refused afterwards (reading, editing, merging the erased file), and the plan shown first.

use crate::common;

use common::{client, consult, store};
use punkt_core::CoreError;

const TARAS: &str = r#"{"given_names":"Taras","family_name":"Shevchenko","birth_date":"1990-03-09","citizenships":["UA"]}"#;
const TARAS_PL: &str = r#"{"given_names":"Taras","family_name":"Szewczenko","birth_date":"1990-03-09","citizenships":["UA"]}"#;
const OLENA: &str = r#"{"given_names":"Olena","family_name":"Bondar","birth_date":"1980"}"#;
const VISIT: &str = r#"{"date":"2026-11-02","place":{"kind":"point","city":"Lublin"},"services":["legal"],"note":"seen"}"#;

#[test]
fn erasing_a_survivor_erases_the_files_merged_into_it_and_their_attachments() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = store(dir.path());
    let keep = client(&mut p, TARAS);
    let other = client(&mut p, TARAS_PL);
    let olena = client(&mut p, OLENA);
    consult(&mut p, &other, VISIT);
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
    let att = p.add_attachment(&other, "decision.pdf", pdf).unwrap();
    p.merge_clients(&keep, &other).unwrap();

    let plan = p.erasure_plan(&keep).unwrap();
    assert_eq!(plan.display_name, "Taras Shevchenko");
    // keep + other + the attachment (copied into keep's list by the merge, one document).
    assert_eq!((plan.documents, plan.merged_files), (3, 1));
    // The plan changes nothing.
    assert!(p.client(&keep).is_ok());

    let report = p.erase_client(&keep).unwrap();
    assert_eq!(report.merged_files, vec![other.clone()]);
    let mut expected = vec![keep.clone(), other.clone(), att.id.clone()];
    expected.sort();
    assert_eq!(report.documents, expected);
    for id in [&keep, &other] {
        assert_eq!(p.client_view(id).unwrap_err().code(), "erased");
    }
    assert!(p.search("Taras", 10).unwrap().is_empty());
    assert_eq!(p.search("Olena Bondar", 10).unwrap()[0].id, olena);
    assert_eq!(p.store().unsynced_tombstones().unwrap(), expected);
    // The index holds nothing of them (the same as an index rebuilt from what is left).
    let kept = p.store().index_dump().unwrap();
    assert!(
        !kept.contains("Taras") && !kept.contains("shevchenko"),
        "{kept}"
    );
    p.rebuild_index().unwrap();
    assert_eq!(p.store().index_dump().unwrap(), kept);
}

#[test]
fn an_erased_file_cannot_be_read_edited_merged_or_erased_again() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = store(dir.path());
    let gone = client(&mut p, TARAS);
    let other = client(&mut p, TARAS_PL);
    p.erase_client(&gone).unwrap();

    let code = |e: CoreError| e.code();
    assert_eq!(code(p.client(&gone).unwrap_err()), "erased");
    assert_eq!(
        code(
            p.add_consultation(
                &gone,
                punkt_core::ConsultationInput::from_json(VISIT).unwrap()
            )
            .unwrap_err()
        ),
        "erased"
    );
    assert_eq!(code(p.merge_clients(&other, &gone).unwrap_err()), "erased");
    assert_eq!(code(p.merge_clients(&gone, &other).unwrap_err()), "erased");
    assert_eq!(code(p.erase_client(&gone).unwrap_err()), "erased");
    assert_eq!(code(p.access_request(&gone).unwrap_err()), "erased");
    // An unknown id is not "erased".
    assert_eq!(
        code(p.erase_client("01NOSUCHFILE").unwrap_err()),
        "unknown_client"
    );
    // The other file is untouched.
    assert_eq!(p.client(&other).unwrap().person.family_name, "Szewczenko");
}
