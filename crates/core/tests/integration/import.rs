//! Importing an organisation's spreadsheet register.

use crate::common;

use common::*;
use punkt_core::import::ImportOptions;

const REGISTER: &str = "\u{feff}Nazwisko;Imię;Zapis oryginalny;Data urodzenia;Płeć;Obywatelstwo;Język;Paszport;Data konsultacji;Miejsce;Usługi;Uwagi;Kolumna własna
Szewczenko;Taras;Тарас Шевченко;1990-05-12;M;Ukraina;uk;FA123456;2026-03-02;Lublin;prawna;pierwsza wizyta;x
Szewczenko;Taras;Тарас Шевченко;1990-05-12;M;Ukraina;uk;FA123456;2026-04-10;Lublin;prawna, socjalna;;x
Haddad;Mohammed;;1988;M;SY;ar;;2026-05-05;SOC Przemyśl;legal;;
Kowalenko;Olena;;1978-13-01;K;UA;uk;;2026-01-01;Poznań;legal;;
Nowak;;;;;Atlantyda;;;;;;;
Dubois;Marie;;1995;K;CD;fr;;2026-02-30;Wrocław;legal;;
;;;;;;;;;;;;
";

fn opts(dry_run: bool, skip_invalid: bool) -> ImportOptions {
    ImportOptions {
        dry_run,
        skip_invalid,
    }
}

#[test]
fn a_dry_run_reports_rejected_rows_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = store(dir.path());
    let r = p
        .import_csv(REGISTER.as_bytes(), opts(true, false))
        .unwrap();
    assert!(r.dry_run && !r.imported);
    assert_eq!(r.rows, 6);
    assert_eq!(r.clients, 2, "two rows of one person make one client file");
    assert_eq!(r.consultations, 3);
    assert_eq!(r.ignored_columns, vec!["Kolumna własna".to_string()]);
    let rows: Vec<(u64, &str, Option<&str>)> = r
        .rejected
        .iter()
        .map(|x| (x.row, x.code.as_str(), x.field.as_deref()))
        .collect();
    assert_eq!(
        rows,
        vec![
            (5, "invalid_date", Some("birth_date")),
            (6, "unknown_country", Some("citizenships")),
            (7, "invalid_date", Some("consultation.date")),
        ],
        "each refusal says its kind and field, for the interface's own words"
    );
    assert!(
        r.rejected[0].reason.contains("1978-13-01"),
        "{:?}",
        r.rejected[0]
    );
    assert!(
        r.rejected[1].reason.contains("Atlantyda"),
        "{:?}",
        r.rejected[1]
    );
    assert!(
        r.rejected[2].reason.contains("2026-02-30"),
        "{:?}",
        r.rejected[2]
    );
    assert_eq!(p.store().count_clients().unwrap(), 0);
}

#[test]
fn with_rejected_rows_nothing_is_imported_unless_asked() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = store(dir.path());
    let r = p
        .import_csv(REGISTER.as_bytes(), opts(false, false))
        .unwrap();
    assert!(!r.imported);
    assert_eq!(p.store().count_clients().unwrap(), 0);
    let r = p
        .import_csv(REGISTER.as_bytes(), opts(false, true))
        .unwrap();
    assert!(r.imported);
    assert_eq!(p.store().count_clients().unwrap(), 2);
    let hit = &p.search("Shevchenko Taras", 1).unwrap()[0];
    let file = p.client_view(&hit.id).unwrap();
    assert_eq!(file.consultations.len(), 2);
    assert_eq!(file.consultations[1].services, vec!["legal", "social"]);
    assert_eq!(file.person.given_names_original.as_deref(), Some("Тарас"));
    assert_eq!(file.person.citizenships, vec!["UA"]);
    let m = &p.search("Mohamed Haddad", 1).unwrap()[0];
    let m = p.client_view(&m.id).unwrap();
    assert_eq!(
        serde_json::to_value(&m.consultations[0].place).unwrap(),
        serde_json::json!({"kind": "centre", "centre": "Przemyśl"})
    );
}

#[test]
fn a_clean_file_with_commas_imports_whole() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = store(dir.path());
    let csv =
        "family_name,given_names,birth_date,sex,citizenships,consultation_date,place,services\n\
               Beridze,Giorgi,1980,male,GE,2026-06-01,Warszawa,legal\n\
               \"Al-Obaidi\",Zainab,1999-09,female,\"IQ;TR\",2026-06-02,remote,\"psychological\"\n";
    let r = p.import_csv(csv.as_bytes(), opts(false, false)).unwrap();
    assert!(r.imported, "{r:?}");
    assert_eq!((r.rows, r.clients, r.consultations), (2, 2, 2));
    assert!(r.rejected.is_empty());
    // All in the index, in the same transaction.
    assert_eq!(
        p.report(
            "2026-01-01".parse().unwrap(),
            "2026-12-31".parse().unwrap(),
            &Default::default()
        )
        .unwrap()
        .total
        .people,
        2
    );
}

#[test]
fn files_that_are_not_registers_are_refused_whole() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = store(dir.path());
    // Windows-1250 bytes (Excel's default "CSV" in Poland).
    let e = p
        .import_csv(b"Nazwisko;Imi\xea\nKowalski;Jan\n", opts(false, false))
        .unwrap_err();
    assert!(e.to_string().contains("not UTF-8"), "{e}");
    let e = p
        .import_csv(b"a,b,c\n1,2,3\n", opts(false, false))
        .unwrap_err();
    assert!(e.to_string().contains("no name column"), "{e}");
    // A row with the wrong number of fields.
    let r = p
        .import_csv(
            b"family_name,given_names\nKowalski,Jan\nNowak\n",
            opts(false, false),
        )
        .unwrap();
    assert!(!r.imported);
    assert_eq!(r.rejected[0].row, 3);
    assert!(
        r.rejected[0].reason.contains("unreadable row"),
        "{:?}",
        r.rejected
    );
    assert_eq!(p.store().count_clients().unwrap(), 0);
}

#[test]
fn later_rows_of_a_person_add_to_the_file_or_are_refused_when_they_contradict_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = store(dir.path());
    let csv = "nazwisko;imię;data urodzenia;płeć;paszport;pesel;data konsultacji;usługi;własna
Bondar;Olena;12.05.1990;K;FA111111;;2026-01-10;pomoc prawna;
Bondar;Olena;1990-05-12;K;;44051401359;2026-02-10;porada psychologiczna;
Bondar;Olena;1990-05-12;M;;;2026-03-10;kurs zawodowy;
Nowak;Jan;1970;M;;;2026-03-11;kurs języka polskiego;
;;;;;;;;tylko własna kolumna
";
    let r = p
        .import_csv(
            csv.as_bytes(),
            ImportOptions {
                dry_run: false,
                skip_invalid: true,
            },
        )
        .unwrap();
    assert!(r.imported);
    assert_eq!((r.rows, r.clients, r.consultations), (5, 2, 3));
    let reasons: Vec<(u64, &str)> = r
        .rejected
        .iter()
        .map(|x| (x.row, x.reason.as_str()))
        .collect();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert_eq!(reasons[0].0, 4);
    assert!(
        reasons[0].1.contains("sex differs from row 2"),
        "{reasons:?}"
    );
    assert_eq!(reasons[1].0, 6);
    assert!(
        reasons[1].1.contains("no column Punkt knows"),
        "{reasons:?}"
    );
    let olena = p
        .client_view(&p.search("Olena Bondar", 1).unwrap()[0].id)
        .unwrap();
    let kinds: Vec<&str> = olena
        .person
        .identifiers
        .iter()
        .map(|i| i.kind.as_str())
        .collect();
    assert_eq!(
        kinds.len(),
        2,
        "the PESEL of the second row joined the passport of the first"
    );
    let services: Vec<Vec<String>> = olena
        .consultations
        .iter()
        .map(|c| c.services.clone())
        .collect();
    assert_eq!(
        services,
        vec![vec!["legal".to_string()], vec!["psychological".to_string()]]
    );
    let jan = p
        .client_view(&p.search("Jan Nowak", 1).unwrap()[0].id)
        .unwrap();
    assert_eq!(jan.consultations[0].services, vec!["language"]);

    // The same file again: everyone is already in the store, nothing is doubled.
    let again = p
        .import_csv(
            csv.as_bytes(),
            ImportOptions {
                dry_run: false,
                skip_invalid: true,
            },
        )
        .unwrap();
    assert_eq!(again.clients, 0);
    assert!(again
        .rejected
        .iter()
        .any(|x| x.row == 2 && x.reason.contains("already in the store")));
    assert_eq!(p.store().count_clients().unwrap(), 2);
}

/// A register of `n` different people, one consultation each.
fn big_register(n: usize) -> String {
    let mut csv = String::from("family_name,given_names,birth_date,consultation_date,place\n");
    for i in 0..n {
        // A birth day of its own each (names are folded to letters, so they would not do).
        csv.push_str(&format!(
            "Kowalenko,Olena,{}-{:02}-{:02},2026-03-02,Lublin\n",
            1950 + i / 336,
            1 + (i / 28) % 12,
            1 + i % 28
        ));
    }
    csv
}

#[test]
fn progress_is_told_and_a_stop_while_writing_leaves_nothing_written() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = store(dir.path());
    let csv = big_register(450);
    let mut seen = Vec::new();
    let err = p
        .import_csv_with(csv.as_bytes(), opts(false, false), &mut |s| {
            seen.push((s.phase, s.done, s.total));
            // Stop once 200 files are written, inside the one transaction.
            !(s.phase == "write" && s.done >= 200)
        })
        .unwrap_err();
    assert_eq!(err.code(), "cancelled", "{err}");
    assert_eq!(
        seen,
        vec![
            ("check", 0, 450),
            ("check", 200, 450),
            ("check", 400, 450),
            ("check", 450, 450),
            ("write", 0, 450),
            ("write", 200, 450),
        ]
    );
    assert_eq!(p.store().count_clients().unwrap(), 0, "all or nothing");

    // The same file imported again goes in whole, once.
    let mut last = None;
    let r = p
        .import_csv_with(csv.as_bytes(), opts(false, false), &mut |s| {
            last = Some((s.phase, s.done, s.total));
            true
        })
        .unwrap();
    assert!(r.imported && r.rejected.is_empty(), "{r:?}");
    assert_eq!(last, Some(("write", 450, 450)));
    assert_eq!(p.store().count_clients().unwrap(), 450);
}

#[test]
fn a_stop_while_checking_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = store(dir.path());
    let csv = big_register(300);
    let err = p
        .import_csv_with(csv.as_bytes(), opts(false, false), &mut |s| s.done < 200)
        .unwrap_err();
    assert_eq!(err.code(), "cancelled");
    assert_eq!(p.store().count_clients().unwrap(), 0);
}

#[test]
fn an_oversized_file_is_refused_whole() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = store(dir.path());
    let mut csv = big_register(1).into_bytes();
    csv.resize(punkt_core::import::MAX_REGISTER_BYTES + 1, b'\n');
    let err = p.import_csv(&csv, opts(false, true)).unwrap_err();
    assert_eq!(err.code(), "import_refused");
    assert!(err.to_string().contains("33 MB"), "{err}");
    assert_eq!(p.store().count_clients().unwrap(), 0);
}
