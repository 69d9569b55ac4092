//! Retention rules (issue 5): files closed for N years are erased or anonymised on demand, with
//! a report; open files are kept; anonymised copies keep what reports count and nothing that
//! names the person.

use crate::common;

use chrono::{NaiveDate, TimeZone, Utc};
use common::{client, consult, store};
use punkt_core::retention::{RetentionAction, RetentionRule};
use punkt_core::CoreError;

const OLD: &str = r#"{"given_names":"Hanna","family_name":"Lysenko","names_original":"Ганна Лисенко","birth_date":"1971-06-15","sex":"female","citizenships":["UA"],"identifiers":[{"kind":"passport","number":"FA1234567"}],"contact":{"phone":"+48 600 700 800"},"legal_status":[{"status":"asylum_seeker","from":"2019-02-01","note":"hearing at the Office"}],"matters":[{"kind":"international_protection","status":"closed","authority":"UdSC","reference":"DPU-420/2019","opened":"2019-02-01","closed":"2019-09-30","note":"granted"}],"summary":"Fled in 2018."}"#;
const OPEN: &str = r#"{"given_names":"Rustam","family_name":"Aliev","birth_date":"1980-01-01","matters":[{"kind":"dublin","status":"pending","opened":"2019-02-01"}]}"#;
const LATE: &str = r#"{"given_names":"Nino","family_name":"Beridze","birth_date":"1992-12-12","matters":[{"kind":"temporary_residence","status":"closed","opened":"2019-02-01","closed":"2022-06-01"}]}"#;
const VISIT_2019: &str = r#"{"date":"2019-03-01","place":{"kind":"point","city":"Lublin"},"services":["legal","psychological"],"staff":"Anna","note":"told her about the hearing"}"#;

fn at(y: i32, m: u32, d: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 10, 0, 0).unwrap()
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

#[test]
fn files_closed_for_n_years_are_anonymised_and_open_ones_kept() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = store(dir.path());
    p.set_now(at(2019, 3, 1));
    let old = client(&mut p, OLD);
    consult(&mut p, &old, VISIT_2019);
    let matter = p
        .client(&old)
        .unwrap()
        .matters
        .keys()
        .next()
        .unwrap()
        .clone();
    consult(
        &mut p,
        &old,
        &VISIT_2019.replace(
            "\"staff\"",
            &format!("\"matter_id\":\"{matter}\",\"staff\""),
        ),
    );
    let open = client(&mut p, OPEN);
    consult(&mut p, &open, VISIT_2019);
    let late = client(&mut p, LATE);
    p.set_now(at(2026, 11, 22));
    let recent = client(&mut p, r#"{"given_names":"Recent","family_name":"Person"}"#);
    // Entered today from an old paper register: judged by its own dates, not by today.
    let imported = client(
        &mut p,
        r#"{"given_names":"Paper","family_name":"Register"}"#,
    );
    consult(&mut p, &imported, VISIT_2019);
    let report_2019 = p
        .report(day("2019-01-01"), day("2019-12-31"), &Default::default())
        .unwrap();

    assert!(
        matches!(p.run_retention(false), Err(CoreError::Invalid(_))),
        "no rule yet"
    );
    for bad in [0, 51] {
        let rule = RetentionRule {
            closed_years: bad,
            action: RetentionAction::Erase,
        };
        assert!(matches!(
            p.set_retention_rule(Some(rule)),
            Err(CoreError::Invalid(_))
        ));
    }
    let rule = RetentionRule {
        closed_years: 5,
        action: RetentionAction::Anonymise,
    };
    p.set_retention_rule(Some(rule)).unwrap();

    let before = p.client(&old).unwrap();
    let plan_ids: Vec<String> = before
        .consultations
        .keys()
        .chain(before.matters.keys())
        .chain(before.legal_status.keys())
        .cloned()
        .collect();
    assert_eq!(plan_ids.len(), 4);

    // A dry run says what would go, and changes nothing.
    let plan = p.run_retention(false).unwrap();
    assert_eq!(plan.cutoff, "2021-11-22");
    assert_eq!(plan.examined, 5);
    let mut due: Vec<_> = plan
        .due
        .iter()
        .map(|i| (i.id.as_str(), i.last_activity.as_str()))
        .collect();
    due.sort();
    let mut expected = vec![
        (old.as_str(), "2019-09-30"),
        (imported.as_str(), "2019-03-01"),
    ];
    expected.sort();
    assert_eq!(due, expected);
    assert_eq!(plan.kept_open.len(), 1);
    assert_eq!(plan.kept_open[0].id, open);
    assert!(plan.erased.is_empty() && plan.anonymised.is_empty() && !plan.applied);
    assert!(p.client(&old).is_ok());

    let done = p.run_retention(true).unwrap();
    assert!(done.applied);
    assert_eq!(done.anonymised.len(), 2);
    assert!(p.client(&imported).is_err());
    let copy_of_old = done.anonymised.iter().find(|a| a.from == old).unwrap();
    assert!(done.erased.is_empty());
    assert_eq!(p.client(&old).unwrap_err().code(), "erased");
    for id in [&open, &late, &recent] {
        assert!(p.client(id).is_ok());
    }

    // The copy: what reports count, nothing that names her.
    let copy_id = &copy_of_old.to;
    let copy = p.client(copy_id).unwrap();
    assert!(copy.anonymised_at.is_some());
    assert_eq!(copy.person.given_names, "");
    assert_eq!(copy.person.family_name, "");
    assert_eq!(copy.person.family_name_original, None);
    assert!(copy.person.identifiers.is_empty());
    assert_eq!(copy.person.contact.phone, None);
    assert_eq!(
        copy.person.birth_date.map(|d| d.to_string()).as_deref(),
        Some("1971")
    );
    assert_eq!(copy.person.citizenships, ["UA"]);
    assert_eq!(copy.summary.as_str(), "");
    let m = copy.matters.values().next().unwrap();
    assert_eq!((m.reference.as_deref(), m.note.as_deref()), (None, None));
    // Dates to their month, a day to the 1st.
    assert_eq!(
        m.closed.map(|d| d.to_string()).as_deref(),
        Some("2019-09-01")
    );
    let c = copy.consultations.values().next().unwrap();
    assert_eq!((c.note.as_str(), c.staff.as_deref()), ("", None));
    assert_eq!(c.date.to_string(), "2019-03-01");
    assert_eq!(
        c.place.city.as_deref(),
        Some("Lublin"),
        "a point city stays"
    );
    let status = copy.legal_status.values().next().unwrap();
    assert_eq!(
        status.from.map(|d| d.to_string()).as_deref(),
        Some("2019-02")
    );
    assert_eq!(c.services.len(), 2);
    assert!(copy.legal_status.values().all(|s| s.note.is_none()));
    // New ids for every entry, the consultation still pointing at its matter; dated by its
    // own making: nothing in it matches the original's ids or opening.
    let original_ids: Vec<String> = {
        // The original's ids, from the report taken before (the file is gone now).
        plan_ids.clone()
    };
    for k in copy
        .consultations
        .keys()
        .chain(copy.matters.keys())
        .chain(copy.legal_status.keys())
    {
        assert!(!original_ids.contains(k), "entry id {k} kept");
    }
    let linked: Vec<_> = copy
        .consultations
        .values()
        .filter_map(|c| c.matter_id.as_ref())
        .collect();
    assert_eq!(
        linked,
        [copy.matters.keys().next().unwrap()],
        "the matter link follows the new id"
    );
    assert_eq!(copy.created_at, "2026-11-22T10:00:00Z");
    // Its history holds none of the old values: it is a new document.
    let history = format!("{:?}", p.client_history(copy_id).unwrap());
    assert!(!history.contains("Lysenko"));
    let stored = p.store().load_document(copy_id).unwrap();
    let mut doc = automerge::AutoCommit::load(&stored.snapshot).unwrap();
    // Every operation the copy's history holds, decoded (columns are compressed on disk).
    let text: String = doc
        .get_changes(&[])
        .iter()
        .map(|c| format!("{:?}", c.clone().decode()))
        .collect();
    assert!(text.contains("Lublin"), "the decoded history is searched");
    for gone in [
        "Lysenko",
        "Hanna",
        "FA1234567",
        "600 700",
        "DPU-420",
        "hearing",
        "Fled",
    ] {
        assert!(!text.contains(gone), "{gone}");
    }
    assert!(p.search("Lysenko", 10).unwrap().is_empty());

    // Donor reports for 2019 count the same people and consultations.
    let after = p
        .report(day("2019-01-01"), day("2019-12-31"), &Default::default())
        .unwrap();
    assert_eq!(after.total, report_2019.total);

    // Run again: the copy is not anonymised a second time; the audit log has each run.
    let again = p.run_retention(true).unwrap();
    assert!(again.due.is_empty());
    let runs = p.local_events(None, 10).unwrap();
    assert_eq!(runs.iter().filter(|e| e.action == "retention").count(), 2);
    assert!(runs.iter().all(|e| !e.detail.contains("Lysenko")));
}

/// A store with one file closed since 2019, made in 2015, under a rule of 5 years doing
/// `action`, in November 2026: the file is due.
fn closed_file_under(action: RetentionAction) -> (tempfile::TempDir, punkt_core::Punkt, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut p = store(dir.path());
    p.set_now(at(2015, 5, 5));
    let old = client(&mut p, OPEN.replace("pending", "closed").as_str());
    p.set_now(at(2026, 11, 22));
    p.set_retention_rule(Some(RetentionRule {
        closed_years: 5,
        action,
    }))
    .unwrap();
    (dir, p, old)
}

#[test]
fn erasing_rules_erase_and_only_coordinators_apply_them() {
    let (_dir, mut p, old) = closed_file_under(RetentionAction::Erase);

    p.set_local_role("counsellor").unwrap();
    assert!(matches!(
        p.run_retention(true),
        Err(CoreError::Forbidden(_))
    ));
    assert!(matches!(
        p.set_retention_rule(None),
        Err(CoreError::Forbidden(_))
    ));
    // Anyone may see what the rule would do.
    assert_eq!(p.run_retention(false).unwrap().due.len(), 1);

    p.set_local_role("coordinator").unwrap();
    let done = p.run_retention(true).unwrap();
    assert_eq!(done.erased, std::slice::from_ref(&old));
    assert!(done.anonymised.is_empty());
    assert_eq!(p.client(&old).unwrap_err().code(), "erased");
    assert_eq!(p.store().count_clients().unwrap(), 0);
}

/// A run that stopped after writing the anonymised copies, before erasing the originals, is
/// finished by the next run: the originals are erased, and not copied a second time.
#[test]
fn an_interrupted_run_is_finished_without_copying_twice() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = store(dir.path());
    p.set_now(at(2015, 5, 5));
    let old = client(&mut p, LATE);
    p.set_now(at(2026, 11, 22));
    p.set_retention_rule(Some(RetentionRule {
        closed_years: 3,
        action: RetentionAction::Anonymise,
    }))
    .unwrap();
    // As the interrupted run left it: the journal names the original, whose copy exists.
    p.store()
        .set_meta("retention_pending", &format!("[\"{old}\"]"))
        .unwrap();
    let done = p.run_retention(true).unwrap();
    assert!(done.anonymised.is_empty(), "copied a second time: {done:?}");
    assert_eq!(p.client(&old).unwrap_err().code(), "erased");
    assert_eq!(p.store().meta_value("retention_pending").unwrap(), None);
}

/// Stop while the rule examines the files or reads those it will copy: applying then ends with
/// nothing written, at every point before the first write; the next run, not stopped, does it
/// all.
#[test]
fn a_run_stopped_before_it_writes_changes_nothing() {
    let (_dir, mut p, old) = closed_file_under(RetentionAction::Anonymise);
    // Asked before anything (1), at the first file examined (2), before the first write (3)
    // and at the first file read to be copied (4).
    for stop_at in 1..=4 {
        let mut asked = 0;
        let err = p
            .run_retention_with(true, &mut || {
                asked += 1;
                asked < stop_at
            })
            .unwrap_err();
        assert!(matches!(err, CoreError::Stopped), "{err}");
        assert_eq!(asked, stop_at);
        assert!(
            p.client(&old).is_ok(),
            "stopped at {stop_at}: the original erased"
        );
        assert_eq!(
            p.store().count_clients().unwrap(),
            1,
            "stopped at {stop_at}: a copy written"
        );
    }
    let mut asked = 0;
    let done = p
        .run_retention_with(true, &mut || {
            asked += 1;
            true
        })
        .unwrap();
    assert_eq!(asked, 4);
    assert_eq!(done.anonymised.len(), 1);
    assert_eq!(p.client(&old).unwrap_err().code(), "erased");
}

/// A run that must first finish one an earlier stop left halfway has written once it did: a
/// Stop after that is too late, and the run goes to its end.
#[test]
fn a_run_that_finished_an_earlier_one_is_not_stopped_halfway() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = store(dir.path());
    p.set_now(at(2015, 5, 5));
    let pending = client(&mut p, LATE);
    let due = client(&mut p, OPEN.replace("pending", "closed").as_str());
    p.set_now(at(2026, 11, 22));
    p.set_retention_rule(Some(RetentionRule {
        closed_years: 3,
        action: RetentionAction::Erase,
    }))
    .unwrap();
    p.store()
        .set_meta("retention_pending", &format!("[\"{pending}\"]"))
        .unwrap();
    let mut asked = 0;
    let done = p
        .run_retention_with(true, &mut || {
            asked += 1;
            asked < 2
        })
        .unwrap();
    assert_eq!(asked, 1, "not asked again once it wrote");
    assert_eq!(done.erased, vec![due.clone()]);
    assert_eq!(p.client(&pending).unwrap_err().code(), "erased");
    assert_eq!(p.client(&due).unwrap_err().code(), "erased");
}

/// A journal whose originals are all gone already (erased elsewhere) is only cleared: the run
/// has written nothing of its own, so a Stop while it examines still changes nothing.
#[test]
fn a_journal_with_nothing_left_to_erase_does_not_take_away_the_stop() {
    let (_dir, mut p, old) = closed_file_under(RetentionAction::Erase);
    p.store()
        .set_meta("retention_pending", "[\"gone-long-ago\"]")
        .unwrap();
    let mut asked = 0;
    let err = p
        .run_retention_with(true, &mut || {
            asked += 1;
            asked < 2
        })
        .unwrap_err();
    assert!(matches!(err, CoreError::Stopped), "{err}");
    assert!(
        p.client(&old).is_ok(),
        "the due file was erased after the Stop"
    );
    assert_eq!(p.store().meta_value("retention_pending").unwrap(), None);
}
