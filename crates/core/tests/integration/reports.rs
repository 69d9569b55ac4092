//! Reports count unique people and consultations per service and breakdown, from the index.

use crate::common;

use common::*;
use expect_test::expect;
use punkt_core::report::Disclosure;

fn dataset(p: &mut punkt_core::Punkt) {
    let a = client(
        p,
        r#"{"given_names":"Olena","family_name":"Bondar","birth_date":"2010-03-01","sex":"female","citizenships":["UA"],
            "legal_status":[{"status":"temporary_protection","from":"2022-03"}]}"#,
    );
    consult(
        p,
        &a,
        r#"{"date":"2026-02-01","place":{"kind":"point","city":"Lublin"},"services":["legal","social"]}"#,
    );
    consult(
        p,
        &a,
        r#"{"date":"2026-03-01","place":{"kind":"point","city":"Lublin"},"services":["legal"]}"#,
    );
    let b = client(
        p,
        r#"{"given_names":"Omar","family_name":"Saleh","birth_date":"1985","sex":"male","citizenships":["SY","TR"],
            "legal_status":[{"status":"asylum_seeker","from":"2025-01"},{"status":"refugee_status","from":"2026-06-01"}]}"#,
    );
    consult(
        p,
        &b,
        r#"{"date":"2026-05-05","place":{"kind":"centre","centre":"Przemyśl"},"services":["legal"]}"#,
    );
    consult(
        p,
        &b,
        r#"{"date":"2025-12-31","place":{"kind":"point","city":"Warsaw"},"services":["legal"]}"#,
    );
    let c = client(p, r#"{"given_names":"X","family_name":"Y"}"#);
    consult(
        p,
        &c,
        r#"{"date":"2026-07-07","place":{"kind":"remote"},"services":["psychological"],"organisation":"Stowarzyszenie Wsparcia Psychologicznego"}"#,
    );
}

/// A place typed as a formula stays text when the CSV is opened in a spreadsheet.
#[test]
fn csv_cells_that_look_like_formulas_stay_text() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = store(dir.path());
    let a = client(&mut p, r#"{"given_names":"Olena","family_name":"Bondar"}"#);
    for city in [
        "=HYPERLINK(\"http://evil.example\",\"x\")",
        "+48 Lublin",
        "-Lublin",
        "@Lublin",
    ] {
        let json = format!(
            r#"{{"date":"2026-02-01","place":{{"kind":"point","city":{}}},"services":["legal"]}}"#,
            serde_json::to_string(city).unwrap()
        );
        consult(&mut p, &a, &json);
    }
    let r = p
        .report(
            "2026-01-01".parse().unwrap(),
            "2026-12-31".parse().unwrap(),
            &Default::default(),
        )
        .unwrap();
    let bytes = r.to_csv(Disclosure::Internal).unwrap();
    let places: Vec<String> = csv::Reader::from_reader(bytes.as_slice())
        .records()
        .map(|r| r.unwrap())
        .filter(|r| &r[4] == "place")
        .map(|r| r[5].to_string())
        .collect();
    assert_eq!(places.len(), 8, "{places:?}");
    for p in &places {
        assert!(p.starts_with('\''), "{p}");
    }
    assert!(places.contains(&"'=HYPERLINK(\"http://evil.example\",\"x\")".to_string()));
}

#[test]
fn a_year_report_counts_people_once_per_cell() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = store(dir.path());
    dataset(&mut p);
    let r = p
        .report(
            "2026-01-01".parse().unwrap(),
            "2026-12-31".parse().unwrap(),
            &Default::default(),
        )
        .unwrap();
    assert_eq!((r.total.people, r.total.consultations), (3, 4));
    let csv = String::from_utf8(r.to_csv(Disclosure::Internal).unwrap()).unwrap();
    expect![[r#"
        period_from,period_to,project,section,dimension,value,service,people,consultations,activities,participants,female,male,children
        2026-01-01,2026-12-31,all,consultations,total,all,all,3,4,,,,,
        2026-01-01,2026-12-31,all,consultations,service,legal,legal,2,3,,,,,
        2026-01-01,2026-12-31,all,consultations,service,psychological,psychological,1,1,,,,,
        2026-01-01,2026-12-31,all,consultations,service,social,social,1,1,,,,,
        2026-01-01,2026-12-31,all,consultations,sex,female,all,1,2,,,,,
        2026-01-01,2026-12-31,all,consultations,sex,female,legal,1,2,,,,,
        2026-01-01,2026-12-31,all,consultations,sex,female,social,1,1,,,,,
        2026-01-01,2026-12-31,all,consultations,sex,male,all,1,1,,,,,
        2026-01-01,2026-12-31,all,consultations,sex,male,legal,1,1,,,,,
        2026-01-01,2026-12-31,all,consultations,sex,unknown,all,1,1,,,,,
        2026-01-01,2026-12-31,all,consultations,sex,unknown,psychological,1,1,,,,,
        2026-01-01,2026-12-31,all,consultations,age_band,12-17,all,1,2,,,,,
        2026-01-01,2026-12-31,all,consultations,age_band,12-17,legal,1,2,,,,,
        2026-01-01,2026-12-31,all,consultations,age_band,12-17,social,1,1,,,,,
        2026-01-01,2026-12-31,all,consultations,age_band,18-59,all,1,1,,,,,
        2026-01-01,2026-12-31,all,consultations,age_band,18-59,legal,1,1,,,,,
        2026-01-01,2026-12-31,all,consultations,age_band,unknown,all,1,1,,,,,
        2026-01-01,2026-12-31,all,consultations,age_band,unknown,psychological,1,1,,,,,
        2026-01-01,2026-12-31,all,consultations,citizenship,SY,all,1,1,,,,,
        2026-01-01,2026-12-31,all,consultations,citizenship,SY,legal,1,1,,,,,
        2026-01-01,2026-12-31,all,consultations,citizenship,UA,all,1,2,,,,,
        2026-01-01,2026-12-31,all,consultations,citizenship,UA,legal,1,2,,,,,
        2026-01-01,2026-12-31,all,consultations,citizenship,UA,social,1,1,,,,,
        2026-01-01,2026-12-31,all,consultations,citizenship,unknown,all,1,1,,,,,
        2026-01-01,2026-12-31,all,consultations,citizenship,unknown,psychological,1,1,,,,,
        2026-01-01,2026-12-31,all,consultations,language,unknown,all,3,4,,,,,
        2026-01-01,2026-12-31,all,consultations,language,unknown,legal,2,3,,,,,
        2026-01-01,2026-12-31,all,consultations,language,unknown,psychological,1,1,,,,,
        2026-01-01,2026-12-31,all,consultations,language,unknown,social,1,1,,,,,
        2026-01-01,2026-12-31,all,consultations,place,Lublin,all,1,2,,,,,
        2026-01-01,2026-12-31,all,consultations,place,Lublin,legal,1,2,,,,,
        2026-01-01,2026-12-31,all,consultations,place,Lublin,social,1,1,,,,,
        2026-01-01,2026-12-31,all,consultations,place,Przemyśl (centre),all,1,1,,,,,
        2026-01-01,2026-12-31,all,consultations,place,Przemyśl (centre),legal,1,1,,,,,
        2026-01-01,2026-12-31,all,consultations,place,remote,all,1,1,,,,,
        2026-01-01,2026-12-31,all,consultations,place,remote,psychological,1,1,,,,,
        2026-01-01,2026-12-31,all,consultations,organisation,Fundacja Pomocy Prawnej,all,2,3,,,,,
        2026-01-01,2026-12-31,all,consultations,organisation,Fundacja Pomocy Prawnej,legal,2,3,,,,,
        2026-01-01,2026-12-31,all,consultations,organisation,Fundacja Pomocy Prawnej,social,1,1,,,,,
        2026-01-01,2026-12-31,all,consultations,organisation,Stowarzyszenie Wsparcia Psychologicznego,all,1,1,,,,,
        2026-01-01,2026-12-31,all,consultations,organisation,Stowarzyszenie Wsparcia Psychologicznego,psychological,1,1,,,,,
        2026-01-01,2026-12-31,all,consultations,project,none,all,3,4,,,,,
        2026-01-01,2026-12-31,all,consultations,project,none,legal,2,3,,,,,
        2026-01-01,2026-12-31,all,consultations,project,none,psychological,1,1,,,,,
        2026-01-01,2026-12-31,all,consultations,project,none,social,1,1,,,,,
        2026-01-01,2026-12-31,all,consultations,legal_status,refugee_status,all,1,1,,,,,
        2026-01-01,2026-12-31,all,consultations,legal_status,refugee_status,legal,1,1,,,,,
        2026-01-01,2026-12-31,all,consultations,legal_status,temporary_protection,all,1,2,,,,,
        2026-01-01,2026-12-31,all,consultations,legal_status,temporary_protection,legal,1,2,,,,,
        2026-01-01,2026-12-31,all,consultations,legal_status,temporary_protection,social,1,1,,,,,
        2026-01-01,2026-12-31,all,consultations,legal_status,unknown,all,1,1,,,,,
        2026-01-01,2026-12-31,all,consultations,legal_status,unknown,psychological,1,1,,,,,
        2026-01-01,2026-12-31,all,consultations,procedure,none,all,3,4,,,,,
        2026-01-01,2026-12-31,all,consultations,procedure,none,legal,2,3,,,,,
        2026-01-01,2026-12-31,all,consultations,procedure,none,psychological,1,1,,,,,
        2026-01-01,2026-12-31,all,consultations,procedure,none,social,1,1,,,,,
        2026-01-01,2026-12-31,all,consultations,vulnerability,none,all,3,4,,,,,
        2026-01-01,2026-12-31,all,consultations,vulnerability,none,legal,2,3,,,,,
        2026-01-01,2026-12-31,all,consultations,vulnerability,none,psychological,1,1,,,,,
        2026-01-01,2026-12-31,all,consultations,vulnerability,none,social,1,1,,,,,
        2026-01-01,2026-12-31,all,group_activities,total,all,,,,0,0,0,0,0
    "#]]
    .assert_eq(&csv);
}

#[test]
fn status_is_the_one_in_force_at_the_end_of_the_period() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = store(dir.path());
    dataset(&mut p);
    // Before the refugee status was granted (June 2026), Omar was an asylum seeker.
    let r = p
        .report(
            "2026-01-01".parse().unwrap(),
            "2026-05-31".parse().unwrap(),
            &Default::default(),
        )
        .unwrap();
    assert!(r.rows.iter().any(|x| x.dimension == "legal_status"
        && x.value == "asylum_seeker"
        && x.service == "all"
        && x.people == 1));
    assert!(!r.rows.iter().any(|x| x.value == "refugee_status"));
    assert_eq!(r.total.consultations, 3);
    assert!(p
        .report(
            "2026-02-01".parse().unwrap(),
            "2026-01-01".parse().unwrap(),
            &Default::default()
        )
        .is_err());
}

#[test]
fn xlsx_and_json_exports() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = store(dir.path());
    dataset(&mut p);
    let r = p
        .report(
            "2026-01-01".parse().unwrap(),
            "2026-12-31".parse().unwrap(),
            &Default::default(),
        )
        .unwrap();
    let x = dir.path().join("r.xlsx");
    r.write_to(
        &x,
        punkt_core::report::ReportFormat::Xlsx,
        Disclosure::Internal,
        "pl",
    )
    .unwrap();
    let bytes = std::fs::read(&x).unwrap();
    assert_eq!(&bytes[..2], b"PK", "an XLSX is a zip");
    // People read it in their language: the sheets, headings and vocabulary names are Polish
    // (in Ukrainian when asked), no code shows.
    let text = |bytes: &[u8]| {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut all = String::new();
        for name in ["xl/workbook.xml", "xl/sharedStrings.xml"] {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut zip.by_name(name).unwrap(), &mut s).unwrap();
            all.push_str(&s);
        }
        all
    };
    let pl = text(&bytes);
    for expected in [
        "Podsumowanie",
        "Płeć",
        "Status prawny",
        "Osoby",
        "Kobieta",
        "Prawna",
        "wszystkie usługi",
        "Zdalnie",
        "Przemyśl (strzeżony ośrodek)",
    ] {
        assert!(pl.contains(expected), "{expected} missing");
    }
    for code in [
        ">female<",
        ">legal<",
        ">Summary<",
        ">asylum_seeker<",
        ">remote<",
        "(centre)",
    ] {
        assert!(!pl.contains(code), "{code} in the Polish report");
    }
    let uk = text(
        &r.to_bytes(
            punkt_core::report::ReportFormat::Xlsx,
            Disclosure::Internal,
            "uk",
        )
        .unwrap(),
    );
    assert!(
        uk.contains("Підсумок") && uk.contains("Жінка"),
        "not Ukrainian"
    );
    assert_eq!(
        r.to_bytes(
            punkt_core::report::ReportFormat::Xlsx,
            Disclosure::Internal,
            "de"
        )
        .unwrap_err()
        .code(),
        "invalid_input"
    );
    let j = dir.path().join("r.json");
    r.write_to(
        &j,
        punkt_core::report::ReportFormat::Json,
        Disclosure::Internal,
        "pl",
    )
    .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&j).unwrap()).unwrap();
    assert_eq!(v["total"]["people"], 3);
    assert_eq!(v["rows"].as_array().unwrap().len(), r.rows.len());
}

/// Stop between the report's steps ends it with `cancelled`; asked at every step, it answers
/// as the whole report does.
#[test]
fn a_report_stops_between_its_steps() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = store(dir.path());
    dataset(&mut p);
    let (from, to) = ("2026-01-01".parse().unwrap(), "2026-12-31".parse().unwrap());
    for stop_at in 1..=5 {
        let mut asked = 0;
        let err = p
            .report_with(from, to, &Default::default(), &mut || {
                asked += 1;
                asked < stop_at
            })
            .unwrap_err();
        assert_eq!(err.code(), "cancelled");
        assert_eq!(asked, stop_at);
    }
    let mut asked = 0;
    let r = p
        .report_with(from, to, &Default::default(), &mut || {
            asked += 1;
            true
        })
        .unwrap();
    assert_eq!(asked, 5, "asked before each read and before counting");
    assert_eq!(r, p.report(from, to, &Default::default()).unwrap());
}
