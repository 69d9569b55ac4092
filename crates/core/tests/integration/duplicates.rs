//! Likely duplicates found from the index (names in any script and spelling, birth dates,
//! document numbers) with scores and reasons; a merge keeps everything of both files.

use crate::common;

use common::{client, consult, deadline, store};

const TARAS_UA: &str = r#"{"given_names":"Taras","family_name":"Shevchenko","names_original":"Тарас Шевченко","birth_date":"1990-03-09","citizenships":["UA"],"identifiers":[{"kind":"passport","number":"ME 123456"}]}"#;
/// The same man typed at another point from the Polish spelling, the passport series typed
/// on a Cyrillic keyboard (МЕ).
const TARAS_PL: &str = r#"{"given_names":"Taras","family_name":"Szewczenko","birth_date":"1990-03-09","citizenships":["UA"],"identifiers":[{"kind":"passport","number":"МЕ123456"}],"contact":{"phone":"+48 600 100 200"}}"#;
/// Same name, another man: born 1971, no documents in common.
const TARAS_OTHER: &str = r#"{"given_names":"Taras","family_name":"Shevchenko","birth_date":"1971-05-01","citizenships":["UA"]}"#;
const OLENA: &str =
    r#"{"given_names":"Olena","family_name":"Bondar","birth_date":"1980","citizenships":["UA"]}"#;
const VISIT: &str = r#"{"date":"2026-11-02","place":{"kind":"centre","centre":"Przemyśl"},"services":["legal"],"note":"decision shown"}"#;

#[test]
fn duplicates_are_scored_with_reasons_and_namesakes_are_not_paired() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = store(dir.path());
    let ua = client(&mut p, TARAS_UA);
    let pl = client(&mut p, TARAS_PL);
    let other = client(&mut p, TARAS_OTHER);
    client(&mut p, OLENA);

    let pairs = p.duplicates(10).unwrap();
    let ids = |x: &punkt_core::duplicates::DuplicatePair| {
        let mut v = vec![x.a.id.clone(), x.b.id.clone()];
        v.sort();
        v
    };
    let mut want = vec![ua.clone(), pl.clone()];
    want.sort();
    assert_eq!(pairs.len(), 1, "{pairs:#?}");
    assert_eq!(ids(&pairs[0]), want);
    assert_eq!(pairs[0].score, 1.0);
    for r in [
        "document_number",
        "same_names_and_birth_date",
        "similar_names",
        "citizenship",
    ] {
        assert!(
            pairs[0].reasons.contains(&r.to_string()),
            "{r} missing: {:?}",
            pairs[0].reasons
        );
    }
    // The namesake born 19 years earlier scores under the threshold with both.
    assert!(pairs.iter().all(|x| x.a.id != other && x.b.id != other));
}

#[test]
fn merge_keeps_every_entry_and_redirects_the_merged_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = store(dir.path());
    let keep = client(&mut p, TARAS_UA);
    let other = client(&mut p, TARAS_PL);
    consult(&mut p, &keep, VISIT);
    consult(&mut p, &other, VISIT);
    consult(&mut p, &other, VISIT);
    p.add_deadline(&other, deadline("return-appeal", "2026-11-12"))
        .unwrap();
    p.update_client(
        &other,
        punkt_core::ClientInput::from_json(
            r#"{"summary":"Return decision delivered in Przemyśl."}"#,
        )
        .unwrap(),
    )
    .unwrap();
    let before_history = p.client_history(&other).unwrap().len();

    let summary = p.merge_clients(&keep, &other).unwrap();
    assert_eq!(summary.added.get("consultations"), Some(&2));
    assert_eq!(summary.added.get("deadlines"), Some(&1));
    assert_eq!(summary.added.get("identifiers"), Some(&1));

    let survivor = p.client_view(&keep).unwrap();
    assert_eq!(survivor.consultations.len(), 3);
    assert_eq!(survivor.deadlines.len(), 1);
    assert_eq!(
        survivor.person.family_name, "Shevchenko",
        "the survivor's own values stay"
    );
    assert_eq!(
        survivor.person.contact.get("phone").map(String::as_str),
        Some("+48 600 100 200")
    );
    assert!(survivor.summary.contains("Return decision delivered"));

    // The merged file redirects, keeps its history, and is gone from search, board and pairs.
    let shown = p.client_view(&other).unwrap();
    assert_eq!(shown.id, keep);
    assert_eq!(shown.redirected_from.as_deref(), Some(other.as_str()));
    assert!(p.client_history(&other).unwrap().len() > before_history);
    let hits = p.search("Szewczenko", 10).unwrap();
    assert_eq!(
        hits.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(),
        vec![keep.as_str()]
    );
    let board = p.deadline_board(None).unwrap();
    assert!(board.iter().all(|b| b.client_id == keep));
    assert!(p.duplicates(10).unwrap().is_empty());

    // The index rebuilt from the documents agrees with the one kept on the way.
    let kept = p.store().index_dump().unwrap();
    p.rebuild_index().unwrap();
    assert_eq!(p.store().index_dump().unwrap(), kept);
}

#[test]
fn merges_that_make_no_sense_are_refused_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = store(dir.path());
    let a = client(&mut p, TARAS_UA);
    let b = client(&mut p, TARAS_PL);
    let c = client(&mut p, OLENA);
    assert_eq!(p.merge_clients(&a, &a).unwrap_err().code(), "invalid_input");
    assert_eq!(
        p.merge_clients(&a, "01NOSUCHFILE").unwrap_err().code(),
        "unknown_client"
    );
    p.merge_clients(&a, &b).unwrap();
    let dump = p.store().index_dump().unwrap();
    // Already merged, into another file or as the survivor; editing the merged file is refused.
    assert_eq!(p.merge_clients(&c, &b).unwrap_err().code(), "invalid_input");
    // Merging again into the same survivor adds nothing new (it is idempotent).
    assert!(p.merge_clients(&a, &b).unwrap().added.is_empty());
    assert_eq!(p.merge_clients(&b, &c).unwrap_err().code(), "invalid_input");
    let err = p
        .update_client(
            &b,
            punkt_core::ClientInput::from_json(r#"{"summary":"x"}"#).unwrap(),
        )
        .unwrap_err();
    assert_eq!(err.code(), "invalid_input");
    assert_eq!(p.store().index_dump().unwrap(), dump);
}
