//! Donor reports as issue 14 asks: projects on consultations and group activities, configurable
//! age bands, vulnerabilities and languages (Dari apart from Farsi) broken down, group
//! activities counted, and small counts hidden in exports that leave the organisation.

use crate::common;

use common::*;
use punkt_core::activities::ActivityInput;
use punkt_core::organisation::ProjectInput;
use punkt_core::report::{Disclosure, ReportFormat, ReportOptions};

fn project(code: &str, from: Option<&str>, until: Option<&str>) -> ProjectInput {
    ProjectInput {
        code: code.into(),
        name: format!("Project {code}"),
        funder: Some("UNHCR".into()),
        from: from.map(str::to_string),
        until: until.map(str::to_string),
        archived: false,
    }
}

fn activity(json: &str) -> ActivityInput {
    ActivityInput::from_json(json).unwrap()
}

fn day(s: &str) -> chrono::NaiveDate {
    s.parse().unwrap()
}

fn people(r: &punkt_core::report::Report, dim: &str, value: &str) -> u64 {
    r.rows
        .iter()
        .find(|x| x.dimension == dim && x.value == value && x.service == "all")
        .map(|x| x.people)
        .unwrap_or(0)
}

#[test]
fn projects_are_set_up_by_a_coordinator_and_checked_on_every_tag() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = store(dir.path());
    let a = client(&mut p, r#"{"given_names":"Ahmad","family_name":"Rahimi"}"#);
    // No project yet: a tag is refused with what to do.
    let e = p
        .add_consultation(
            &a,
            punkt_core::ConsultationInput::from_json(
                r#"{"date":"2026-03-01","place":{"kind":"remote"},"services":["legal"],"project":"AMIF-26"}"#,
            )
            .unwrap(),
        )
        .unwrap_err();
    assert_eq!(e.code(), "invalid_input");
    assert!(e.to_string().contains("Team screen"), "{e}");

    let view = p
        .put_project(project("AMIF-26", Some("2026-01-01"), Some("2026-12-31")))
        .unwrap();
    assert!(view.editable);
    assert_eq!(view.projects[0].code, "AMIF-26");
    consult(
        &mut p,
        &a,
        r#"{"date":"2026-03-01","place":{"kind":"remote"},"services":["legal"],"project":"AMIF-26"}"#,
    );
    assert_eq!(p.org_settings_view().unwrap().projects[0].used, 1);
    for (json, why) in [
        (
            r#""project":"OTHER""#,
            "not a project of this organisation (AMIF-26)",
        ),
        (r#""project":"two words""#, "not a project code"),
    ] {
        let e = p
            .add_consultation(
                &a,
                punkt_core::ConsultationInput::from_json(&format!(
                    r#"{{"date":"2026-03-02","place":{{"kind":"remote"}},"services":["legal"],{json}}}"#
                ))
                .unwrap(),
            )
            .unwrap_err();
        assert!(e.to_string().contains(why), "{e}");
    }
    // Outside the project's period.
    let e = p
        .add_consultation(
            &a,
            punkt_core::ConsultationInput::from_json(
                r#"{"date":"2025-12-31","place":{"kind":"remote"},"services":["legal"],"project":"AMIF-26"}"#,
            )
            .unwrap(),
        )
        .unwrap_err();
    assert!(
        e.to_string().contains("runs 2026-01-01 – 2026-12-31"),
        "{e}"
    );
    // Archived: no new tags, the old ones stay.
    let mut archived = project("AMIF-26", Some("2026-01-01"), Some("2026-12-31"));
    archived.archived = true;
    p.put_project(archived).unwrap();
    let e = p
        .record_activity(activity(
            r#"{"kind":"training","date":"2026-05-05","place":{"kind":"point","city":"Lublin"},"topic":"work permits","participants":12,"project":"AMIF-26"}"#,
        ))
        .unwrap_err();
    assert!(e.to_string().contains("archived"), "{e}");
    // Bad projects are refused whole.
    for (input, field) in [
        (project("", None, None), "project.code"),
        (
            project("X", Some("2026-05-01"), Some("2026-04-01")),
            "project.until",
        ),
        (project("X", Some("1 May"), None), "project.from"),
    ] {
        let e = p.put_project(input).unwrap_err();
        assert_eq!(e.field(), Some(field), "{e}");
    }
    // Another role may not change them.
    p.set_local_role("lawyer").unwrap();
    let e = p.put_project(project("NEW", None, None)).unwrap_err();
    assert_eq!(e.code(), "forbidden");
    assert!(!p.org_settings_view().unwrap().editable);
    assert_eq!(
        p.org_settings().unwrap().projects.len(),
        1,
        "nothing changed"
    );
}

#[test]
fn a_project_report_with_vulnerabilities_languages_age_bands_and_activities() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = store(dir.path());
    p.put_project(project("P1", None, None)).unwrap();
    // Dari and Farsi speakers, a torture survivor among them (flags are recorded "today",
    // 2026-11-20 in these tests).
    let dari = client(
        &mut p,
        r#"{"given_names":"Ahmad","family_name":"Rahimi","birth_date":"2010-06-01","sex":"male","citizenships":["AF"],"languages":["prs"],"vulnerabilities":["torture_survivor","unaccompanied_minor"]}"#,
    );
    let farsi = client(
        &mut p,
        r#"{"given_names":"Maryam","family_name":"Karimi","birth_date":"1990-01-01","sex":"female","citizenships":["IR"],"languages":["fa","en"]}"#,
    );
    consult(
        &mut p,
        &dari,
        r#"{"date":"2026-11-21","place":{"kind":"point","city":"Lublin"},"services":["legal"],"project":"P1"}"#,
    );
    consult(
        &mut p,
        &farsi,
        r#"{"date":"2026-11-22","place":{"kind":"point","city":"Lublin"},"services":["legal","social"]}"#,
    );
    let training = p
        .record_activity(activity(
            r#"{"kind":"training","date":"2026-11-10","place":{"kind":"point","city":"warsaw"},"topic":"work permits","participants":14,"female":9,"male":5,"children":0,"project":"P1"}"#,
        ))
        .unwrap();
    assert_eq!(
        training.place,
        punkt_core::dto::PlaceInput::Point {
            city: "Warszawa".into()
        }
    );
    p.record_activity(activity(
        r#"{"kind":"border_intervention","date":"2026-11-12","place":{"kind":"point","city":"Michałowo"},"topic":"people in the forest","participants":3,"children":1}"#,
    ))
    .unwrap();
    let mistake = p
        .record_activity(activity(
            r#"{"kind":"hotline","date":"2026-11-13","place":{"kind":"remote"},"topic":"night shift","participants":40}"#,
        ))
        .unwrap();
    p.remove_activity(&mistake.id).unwrap();
    assert_eq!(
        p.activities(day("2026-11-01"), day("2026-11-30"))
            .unwrap()
            .len(),
        2
    );
    // A headcount that does not add up is refused, and nothing is written.
    for (json, field) in [
        (
            r#""participants":5,"female":4,"male":2"#,
            "headcount.female",
        ),
        (r#""participants":0"#, "headcount.participants"),
        (r#""participants":5,"children":6"#, "headcount.children"),
    ] {
        let e = p
            .record_activity(activity(&format!(
                r#"{{"kind":"course","date":"2026-11-14","place":{{"kind":"remote"}},"topic":"Polish A1",{json}}}"#
            )))
            .unwrap_err();
        assert_eq!(e.field(), Some(field), "{e}");
    }
    let e = p
        .record_activity(activity(
            r#"{"kind":"party","date":"2026-11-14","place":{"kind":"remote"},"topic":"x","participants":3}"#,
        ))
        .unwrap_err();
    assert_eq!(e.field(), Some("activity kind"), "{e}");
    assert_eq!(
        p.activities(day("2026-11-01"), day("2026-11-30"))
            .unwrap()
            .len(),
        2
    );
    // Corrected: the count follows.
    let mut fixed = activity(
        r#"{"kind":"training","date":"2026-11-10","place":{"kind":"point","city":"Warszawa"},"topic":"work permits","participants":15,"female":9,"male":6,"children":0,"project":"P1"}"#,
    );
    fixed.staff = Some("Anna".into());
    p.update_activity(&training.id, fixed).unwrap();
    assert_eq!(
        p.activity(&training.id).unwrap().staff.as_deref(),
        Some("Anna")
    );

    let year = |p: &punkt_core::Punkt, options: &ReportOptions| {
        p.report(day("2026-01-01"), day("2026-12-31"), options)
            .unwrap()
    };
    let r = year(&p, &ReportOptions::default());
    assert_eq!(r.total.people, 2);
    assert_eq!(people(&r, "language", "prs"), 1);
    assert_eq!(people(&r, "language", "fa"), 1, "Dari is not Farsi");
    assert_eq!(people(&r, "vulnerability", "torture_survivor"), 1);
    assert_eq!(people(&r, "vulnerability", "unaccompanied_minor"), 1);
    assert_eq!(people(&r, "vulnerability", "none"), 1);
    assert_eq!(people(&r, "age_band", "12-17"), 1, "16 on 2026-11-21");
    assert_eq!(people(&r, "age_band", "18-59"), 1);
    assert_eq!(people(&r, "project", "P1"), 1);
    assert_eq!(people(&r, "project", "none"), 1);
    assert_eq!(
        (r.activities.activities, r.activities.participants),
        (2, 18)
    );
    assert_eq!(
        (
            r.activities.female,
            r.activities.male,
            r.activities.children
        ),
        (9, 6, 1)
    );
    // Flags recorded in November are not counted in a report ending in June.
    let june = p
        .report(
            day("2026-01-01"),
            day("2026-11-20"),
            &ReportOptions::default(),
        )
        .unwrap();
    assert_eq!(june.total.people, 0);
    // Other bands.
    let r = year(
        &p,
        &ReportOptions {
            age_bands: Some(vec![0, 18]),
            project: None,
        },
    );
    assert_eq!(r.age_bands, ["0-17", "18+"]);
    assert_eq!(people(&r, "age_band", "0-17"), 1);
    // One project: its consultations and activities only.
    let r = year(
        &p,
        &ReportOptions {
            age_bands: None,
            project: Some("P1".into()),
        },
    );
    assert_eq!(r.total.people, 1);
    assert_eq!(
        (r.activities.activities, r.activities.participants),
        (1, 15)
    );
    assert!(p
        .report(
            day("2026-01-01"),
            day("2026-12-31"),
            &ReportOptions {
                age_bands: Some(vec![5, 18]),
                project: None
            }
        )
        .is_err());

    // Leaving the organisation: every count here is small, so hidden; for the organisation,
    // exact.
    let (_, csv) = p
        .export_report(
            day("2026-01-01"),
            day("2026-12-31"),
            &ReportOptions::default(),
            ReportFormat::Csv,
            Disclosure::External,
            "pl",
        )
        .unwrap();
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.contains("consultations,total,all,all,<5,<5"), "{csv}");
    assert!(
        csv.contains("group_activities,activity_kind,border_intervention,,,,1,<5,0,0,<5"),
        "{csv}"
    );
    // 15 would give the 3 away (18 in all): hidden as "*", not as "<5".
    assert!(
        csv.contains("group_activities,activity_kind,training,,,,1,*,9,6,0"),
        "{csv}"
    );
    assert!(
        csv.contains("group_activities,total,all,,,,2,18,9,6,<5"),
        "{csv}"
    );
    let (_, exact) = p
        .export_report(
            day("2026-01-01"),
            day("2026-12-31"),
            &ReportOptions::default(),
            ReportFormat::Csv,
            Disclosure::Internal,
            "pl",
        )
        .unwrap();
    assert!(!String::from_utf8(exact).unwrap().contains("<5"));
    let (_, xlsx) = p
        .export_report(
            day("2026-01-01"),
            day("2026-12-31"),
            &ReportOptions::default(),
            ReportFormat::Xlsx,
            Disclosure::External,
            "uk",
        )
        .unwrap();
    assert_eq!(&xlsx[..2], b"PK");

    // The index kept as things happened equals one rebuilt from the documents, and survives a
    // reopen.
    let kept = p.store().index_dump().unwrap();
    p.rebuild_index().unwrap();
    assert_eq!(p.store().index_dump().unwrap(), kept);
    drop(p);
    let p = reopen(dir.path());
    assert_eq!(
        p.activities(day("2026-11-01"), day("2026-11-30"))
            .unwrap()
            .len(),
        2
    );
}
