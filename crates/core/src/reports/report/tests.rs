use super::*;
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

#[test]
fn age_bands_by_birthday_hand_checked() {
    let b = AgeBands::default();
    assert_eq!(b.labels(), ["0-4", "5-11", "12-17", "18-59", "60+"]);
    // Born 1 June 2021: 4 until 31 May 2026, 5 from 1 June.
    assert_eq!(b.band(Some("2021-06-01"), day("2026-05-31")), "0-4");
    assert_eq!(b.band(Some("2021-06-01"), day("2026-06-01")), "5-11");
    assert_eq!(b.band(Some("2014-12-04"), day("2026-12-03")), "5-11");
    assert_eq!(b.band(Some("2014-12-04"), day("2026-12-04")), "12-17");
    assert_eq!(b.band(Some("2008-12-05"), day("2026-12-04")), "12-17");
    assert_eq!(b.band(Some("2008-12-04"), day("2026-12-04")), "18-59");
    assert_eq!(b.band(Some("1966-12-04"), day("2026-12-04")), "60+");
    // A year alone counts from 1 January: nobody is a child for lack of a birthday.
    assert_eq!(b.band(Some("2008"), day("2026-01-01")), "18-59");
    assert_eq!(b.band(None, day("2026-01-01")), "unknown");

    let two = AgeBands::parse("0, 18").unwrap();
    assert_eq!(two.labels(), ["0-17", "18+"]);
    assert_eq!(AgeBands::parse("0,1,2").unwrap().labels(), ["0", "1", "2+"]);
    for bad in ["5,18", "0,18,18", "0,18,12", "0,130", "0;5", "", "0,x"] {
        let e = AgeBands::parse(bad).unwrap_err();
        assert_eq!(e.code(), "invalid_input", "{bad}");
    }
    assert!(AgeBands::new((0..20).collect()).is_err(), "too many bands");
}

fn row(dimension: &str, value: &str, service: &str, people: u64) -> ReportRow {
    ReportRow {
        dimension: dimension.into(),
        value: value.into(),
        service: service.into(),
        people,
        consultations: people * 2,
    }
}

#[test]
fn small_counts_of_people_are_hidden_and_cannot_be_worked_out() {
    let report = Report {
        from: "2026-01-01".into(),
        to: "2026-12-31".into(),
        age_bands: AgeBands::default().labels(),
        project: None,
        total: Count {
            people: 30,
            consultations: 60,
        },
        rows: vec![
            row("service", "legal", "legal", 30),
            row("sex", "female", "all", 27),
            row("sex", "male", "all", 3),
            row("citizenship", "UA", "all", 20),
            row("citizenship", "BY", "all", 4),
            row("citizenship", "ER", "all", 1),
            row("citizenship", "GE", "all", 5),
            row("age_band", "0-4", "legal", 0),
        ],
        activities: ActivityCount::default(),
        activity_rows: vec![],
        sensitive_counted: true,
    };
    assert_eq!(
        report.suppression(Disclosure::Internal),
        Suppression::default()
    );
    let s = report.suppression(Disclosure::External);
    assert_eq!(s.total, Hide::Shown);
    // male 3 is hidden, and female with it ("*"): 30 - 27 would give it away.
    assert_eq!(
        s.rows
            .iter()
            .map(|(i, h)| (*i, *h))
            .collect::<BTreeMap<_, _>>(),
        BTreeMap::from([
            (1, Hide::Complement),
            (2, Hide::Small),
            (4, Hide::Small),
            (5, Hide::Small)
        ])
    );
    // Two small cells hide each other: GE (5) stays.
    let csv = String::from_utf8(report.to_csv(Disclosure::External).unwrap()).unwrap();
    assert!(csv.contains(",consultations,sex,male,all,<5,<5,"), "{csv}");
    assert!(csv.contains(",consultations,sex,female,all,*,*,"), "{csv}");
    assert!(
        csv.contains(",consultations,citizenship,GE,all,5,10,"),
        "{csv}"
    );
    assert!(
        csv.contains(",consultations,age_band,0-4,legal,0,0,"),
        "zero is not hidden: {csv}"
    );
    let exact = String::from_utf8(report.to_csv(Disclosure::Internal).unwrap()).unwrap();
    assert!(
        exact.contains(",consultations,sex,male,all,3,6,"),
        "{exact}"
    );
    assert!(!exact.contains(SUPPRESSED));
    let json: serde_json::Value =
        serde_json::from_slice(&report.to_json(Disclosure::External).unwrap()).unwrap();
    assert_eq!(json["rows"][2]["people"], "<5");
    assert_eq!(json["rows"][3]["people"], 20);
    assert_eq!(json["suppressed"], true);
    // A report of four people hides its total too.
    let tiny = Report {
        total: Count {
            people: 4,
            consultations: 9,
        },
        rows: vec![row("service", "legal", "legal", 4)],
        ..report.clone()
    };
    let s = tiny.suppression(Disclosure::External);
    assert_eq!((s.total, s.row(0)), (Hide::Small, Hide::Small));
}

fn activity(
    id: &str,
    kind: &str,
    project: Option<&str>,
    n: u64,
    female: Option<u64>,
) -> ActivityRow {
    ActivityRow {
        id: id.into(),
        organisation: "O".into(),
        kind: kind.into(),
        date: "2026-03-03".into(),
        place_kind: "point".into(),
        place: "Lublin".into(),
        project: project.map(str::to_string),
        topic: "t".into(),
        participants: n,
        female,
        male: female.map(|f| n - f),
        children: Some(1),
        duration_minutes: None,
        removed: false,
    }
}

#[test]
fn group_activities_count_activities_and_headcount() {
    let acts = [
        activity("a", "training", Some("P1"), 12, Some(8)),
        activity("b", "training", None, 20, None),
        activity("c", "border_intervention", Some("P1"), 3, Some(1)),
    ];
    let none = HashMap::new();
    let none_v = HashMap::new();
    let facts = Facts {
        services: &[],
        statuses: &none,
        vulnerabilities: &none_v,
        activities: &acts,
    };
    let r = aggregate(
        day("2026-01-01"),
        day("2026-12-31"),
        &AgeBands::default(),
        None,
        &facts,
    );
    assert_eq!(
        r.activities,
        ActivityCount {
            activities: 3,
            participants: 35,
            female: 9,
            male: 6,
            children: 3
        }
    );
    let kind = |v: &str| {
        r.activity_rows
            .iter()
            .find(|x| x.dimension == "activity_kind" && x.value == v)
            .map(|x| x.count.clone())
            .unwrap()
    };
    assert_eq!(
        (kind("training").activities, kind("training").participants),
        (2, 32)
    );
    assert_eq!(kind("border_intervention").participants, 3);
    let s = r.suppression(Disclosure::External);
    let i = r
        .activity_rows
        .iter()
        .position(|x| x.value == "border_intervention")
        .unwrap();
    assert_eq!(s.activity_rows[&i][0], Hide::Small, "3 participants hidden");
    // Training: 12 participants, 8 women and 4 men: the 4 is hidden, so the 8 too.
    let t = r
        .activity_rows
        .iter()
        .position(|x| x.value == "training" && x.dimension == "activity_kind")
        .unwrap();
    let th = s.activity_rows.get(&t).copied().unwrap_or_default();
    assert_ne!(th[1], Hide::Shown, "women shown beside hidden men: {th:?}");
    // One project's report: only what was tagged with it.
    let p1 = aggregate(
        day("2026-01-01"),
        day("2026-12-31"),
        &AgeBands::default(),
        Some("P1"),
        &facts,
    );
    assert_eq!(
        (p1.activities.activities, p1.activities.participants),
        (2, 15)
    );
    assert_eq!(p1.project.as_deref(), Some("P1"));
}

fn fact(c: u8, k: u8, s: &str, day: u8, place: u8, org: u8) -> ServiceFact {
    ServiceFact {
        client_id: format!("c{c}"),
        consultation_id: format!("k{k}"),
        service: s.to_string(),
        date: format!("2026-03-{:02}", day + 1),
        place_kind: if place == 0 {
            "centre".into()
        } else {
            "point".into()
        },
        place: format!("P{place}"),
        organisation: format!("O{org}"),
        sex: if c.is_multiple_of(2) {
            "female".into()
        } else {
            "male".into()
        },
        birth_date: if c.is_multiple_of(3) {
            None
        } else {
            Some(format!("{}", 1950 + c as i32 * 4))
        },
        citizenship: Some(format!("C{}", c % 3)),
        project: (k % 3 == 1).then(|| "P1".to_string()),
        language: (!c.is_multiple_of(4)).then(|| ["fa", "prs", "uk"][c as usize % 3].to_string()),
    }
}

fn facts_of<'a>(
    services: &'a [ServiceFact],
    statuses: &'a HashMap<String, Vec<StatusRow>>,
    vulnerabilities: &'a Vulnerabilities,
) -> Facts<'a> {
    Facts {
        services,
        statuses,
        vulnerabilities,
        activities: &[],
    }
}

#[test]
fn a_detained_asylum_seeker_counts_on_both_tracks() {
    let row = |id: &str, status: &str, from: &str, until: Option<&str>| StatusRow {
        entry_id: id.into(),
        status: status.into(),
        from_key: Some(from.into()),
        until_key: until.map(String::from),
    };
    let mut statuses = HashMap::new();
    // c1: an asylum seeker since 2025, detained since March 2026.
    statuses.insert(
        "c1".to_string(),
        vec![
            row("a", "asylum_seeker", "2025", None),
            row("b", "detained", "2026-03", None),
        ],
    );
    // c2: in a Dublin procedure that ended in February, a visa-free stay before it.
    statuses.insert(
        "c2".to_string(),
        vec![
            row("a", "visa_free", "2025-11", None),
            row("b", "dublin_transfer", "2026-01", Some("2026-02")),
        ],
    );
    let facts = [fact(1, 1, "legal", 3, 0, 0), fact(2, 1, "legal", 4, 1, 0)];
    let from = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
    let to = NaiveDate::from_ymd_opt(2026, 3, 31).unwrap();
    let none = HashMap::new();
    let r = aggregate(
        from,
        to,
        &AgeBands::default(),
        None,
        &facts_of(&facts, &statuses, &none),
    );
    let people = |dim: &str, value: &str| {
        r.rows
            .iter()
            .find(|x| x.dimension == dim && x.value == value && x.service == "all")
            .map(|x| x.people)
            .unwrap_or(0)
    };
    assert_eq!(people("legal_status", "asylum_seeker"), 1);
    assert_eq!(people("legal_status", "visa_free"), 1);
    assert_eq!(
        people("legal_status", "detained"),
        0,
        "detention is not a residence status"
    );
    assert_eq!(people("procedure", "detained"), 1);
    assert_eq!(
        people("procedure", "dublin_transfer"),
        0,
        "ended before the last day"
    );
    assert_eq!(people("procedure", "none"), 1);
}

type Key = (String, String, String);

/// The obvious way: sets of people and consultations per cell.
fn naive(
    facts: &Facts<'_>,
    project: Option<&str>,
    from: NaiveDate,
    to: NaiveDate,
) -> BTreeMap<(String, String, String), (usize, usize)> {
    let bands = AgeBands::default();
    let facts_in: Vec<&ServiceFact> = facts
        .services
        .iter()
        .filter(|f| project.is_none_or(|p| f.project.as_deref() == Some(p)))
        .collect();
    let mut first: BTreeMap<&str, &str> = BTreeMap::new();
    for f in &facts_in {
        let e = first.entry(&f.client_id).or_insert(&f.date);
        if f.date.as_str() < *e {
            *e = &f.date;
        }
    }
    let mut cells: BTreeMap<Key, (BTreeSet<String>, BTreeSet<String>)> = BTreeMap::new();
    let to_text = to.to_string();
    for f in &facts_in {
        let first_date =
            NaiveDate::parse_from_str(first[f.client_id.as_str()], "%Y-%m-%d").unwrap_or(from);
        let place = if f.place_kind == "centre" {
            format!("{} (centre)", f.place)
        } else {
            f.place.clone()
        };
        let mut keys = vec![("service".to_string(), f.service.clone(), f.service.clone())];
        let rows = facts
            .statuses
            .get(&f.client_id)
            .map(|v| v.as_slice())
            .unwrap_or(&[]);
        let status = status_on(rows, &to_text);
        let procedures = procedures_on(rows, &to_text)
            .into_iter()
            .map(|p| ("procedure", p));
        let flags: Vec<String> = facts
            .vulnerabilities
            .get(&f.client_id)
            .map(|v| {
                v.iter()
                    .filter(|(_, on)| on.as_deref().is_none_or(|d| d <= to_text.as_str()))
                    .map(|(f, _)| f.clone())
                    .collect()
            })
            .unwrap_or_default();
        let flags = if flags.is_empty() {
            vec!["none".to_string()]
        } else {
            flags
        };
        for (d, v) in [
            ("sex", f.sex.clone()),
            ("age_band", bands.band(f.birth_date.as_deref(), first_date)),
            (
                "citizenship",
                f.citizenship.clone().unwrap_or("unknown".into()),
            ),
            ("language", f.language.clone().unwrap_or("unknown".into())),
            ("place", place),
            ("organisation", f.organisation.clone()),
            ("project", f.project.clone().unwrap_or("none".into())),
            ("legal_status", status),
        ]
        .into_iter()
        .chain(procedures)
        .chain(flags.into_iter().map(|v| ("vulnerability", v)))
        {
            keys.push((d.to_string(), v.clone(), f.service.clone()));
            keys.push((d.to_string(), v, "all".to_string()));
        }
        for k in keys {
            let e = cells.entry(k).or_default();
            e.0.insert(f.client_id.clone());
            e.1.insert(format!("{}/{}", f.client_id, f.consultation_id));
        }
    }
    cells
        .into_iter()
        .map(|(k, (p, c))| (k, (p.len(), c.len())))
        .collect()
}

proptest! {
    #[test]
    fn streaming_counts_equal_set_counts(
        raw in proptest::collection::vec((0u8..6, 0u8..4, 0usize..3, 0u8..28, 0u8..3, 0u8..2), 0..60)
    ) {
        let services = ["legal", "social", "housing"];
        let mut seen = BTreeSet::new();
        let facts: Vec<ServiceFact> = raw
            .into_iter()
            // One consultation has one date, place and organisation; a service appears once in it.
            .filter(|(c, k, s, ..)| seen.insert((*c, *k, *s)))
            .map(|(c, k, s, _, _, _)| fact(c, k, services[s], (c * 3 + k) % 28, k % 3, k % 2))
            .collect();
        let mut statuses = HashMap::new();
        statuses.insert("c1".to_string(), vec![StatusRow { entry_id: "a".into(), status: "asylum_seeker".into(), from_key: Some("2025".into()), until_key: None }, StatusRow { entry_id: "b".into(), status: "detained".into(), from_key: Some("2026-03".into()), until_key: None }]);
        statuses.insert("c2".to_string(), vec![StatusRow { entry_id: "a".into(), status: "return_procedure".into(), from_key: Some("2026-01-05".into()), until_key: None }, StatusRow { entry_id: "b".into(), status: "dublin_transfer".into(), from_key: Some("2026-02".into()), until_key: Some("2026-04".into()) }]);
        let mut vulnerabilities = HashMap::new();
        vulnerabilities.insert("c1".to_string(), vec![("torture_survivor".to_string(), Some("2026-02-01".to_string())), ("lgbt".to_string(), None)]);
        vulnerabilities.insert("c3".to_string(), vec![("pregnancy".to_string(), Some("2027-01-01".to_string()))]);
        let from = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let to = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
        let all = facts_of(&facts, &statuses, &vulnerabilities);
        for project in [None, Some("P1")] {
            let r = aggregate(from, to, &AgeBands::default(), project, &all);
            let got: BTreeMap<(String, String, String), (usize, usize)> = r
                .rows
                .iter()
                .map(|x| ((x.dimension.clone(), x.value.clone(), x.service.clone()), (x.people as usize, x.consultations as usize)))
                .collect();
            prop_assert_eq!(got, naive(&all, project, from, to));
            let people: BTreeSet<&str> = facts
                .iter()
                .filter(|f| project.is_none_or(|p| f.project.as_deref() == Some(p)))
                .map(|f| f.client_id.as_str())
                .collect();
            prop_assert_eq!(r.total.people as usize, people.len());
        }
    }
}
