//! Search finds people however their name was typed, best first.

use crate::common;

use common::*;

fn setup() -> (
    tempfile::TempDir,
    punkt_core::Punkt,
    Vec<(String, &'static str)>,
) {
    let dir = tempfile::tempdir().unwrap();
    let mut p = store(dir.path());
    // Noise: a few hundred demo people around them.
    p.demo(300, 11).unwrap();
    let people = [
        (
            "shevchenko",
            r#"{"given_names":"Taras","family_name":"Shevchenko","names_original":"Тарас Шевченко","birth_date":"1990-05-12","citizenships":["UA"],"identifiers":[{"kind":"passport","number":"FA123456"}]}"#,
        ),
        (
            "kovalenko",
            r#"{"given_names":"Olena","family_name":"Kovalenko","names_original":"Олена Коваленко","birth_date":"1978","citizenships":["UA"],"identifiers":[{"kind":"passport","number":"МЕ 654321"}]}"#,
        ),
        (
            "mohammed",
            r#"{"given_names":"Mohammed","family_name":"Qabbani","names_original":{"given_names":"محمد","family_name":"قباني"},"birth_date":"1988-02","citizenships":["SY"]}"#,
        ),
        (
            "yusuf",
            r#"{"given_names":"Youssef","family_name":"Khalilzad","citizenships":["SY"]}"#,
        ),
        (
            "aleksei",
            r#"{"given_names":"Aleksei","family_name":"Kozlov","names_original":"Алексей Козлов","citizenships":["BY"]}"#,
        ),
        (
            "hryhorii",
            r#"{"given_names":"Hryhorii","family_name":"Bondarenko","names_original":"Григорій Бондаренко","citizenships":["UA"]}"#,
        ),
        (
            "beridze",
            r#"{"given_names":"Giorgi","family_name":"Beridze","names_original":"გიორგი ბერიძე","citizenships":["GE"]}"#,
        ),
        (
            "lukasz",
            r#"{"given_names":"Łukasz","family_name":"Żółkiewski","citizenships":["PL"]}"#,
        ),
        (
            "pesel",
            r#"{"given_names":"Anna","family_name":"Nowak","identifiers":[{"kind":"pesel","number":"44051401359"}]}"#,
        ),
    ];
    let mut ids = Vec::new();
    for (tag, json) in people {
        ids.push((client(&mut p, json), tag));
    }
    (dir, p, ids)
}

fn top(p: &punkt_core::Punkt, ids: &[(String, &str)], query: &str) -> Option<String> {
    let hits = p.search(query, 10).unwrap();
    let first = hits.first()?;
    ids.iter()
        .find(|(id, _)| *id == first.id)
        .map(|(_, t)| t.to_string())
        .or_else(|| Some(format!("other: {}", first.display_name)))
}

fn found(p: &punkt_core::Punkt, ids: &[(String, &str)], query: &str, tag: &str) -> bool {
    let id = &ids.iter().find(|(_, t)| *t == tag).unwrap().0;
    p.search(query, 20).unwrap().iter().any(|h| &h.id == id)
}

#[test]
fn cyrillic_names_by_every_spelling() {
    let (_d, p, ids) = setup();
    for q in [
        "Shevchenko",
        "Szewczenko",
        "Шевченко",
        "shevchenko taras",
        "Taras Szewczenko",
        "Ševčenko",
    ] {
        assert!(found(&p, &ids, q, "shevchenko"), "{q}");
    }
    assert_eq!(
        top(&p, &ids, "Taras Szewczenko").as_deref(),
        Some("shevchenko")
    );
    assert_eq!(
        top(&p, &ids, "Тарас Шевченко").as_deref(),
        Some("shevchenko")
    );
    for q in [
        "Aleksey Kozlov",
        "Aleksiej Kozłow",
        "Алексей",
        "Alexei Kozlov",
    ] {
        assert!(found(&p, &ids, q, "aleksei"), "{q}");
    }
    // Ukrainian Г read as H, and the Russian-style G reading too.
    for q in [
        "Hryhoriy Bondarenko",
        "Grigorii Bondarenko",
        "Hryhorij Bondarenko",
    ] {
        assert!(found(&p, &ids, q, "hryhorii"), "{q}");
    }
    assert!(found(&p, &ids, "Beridze", "beridze"));
    assert!(found(&p, &ids, "ბერიძე", "beridze"));
}

#[test]
fn arabic_name_variants() {
    let (_d, p, ids) = setup();
    for q in [
        "Muhammad Qabbani",
        "Mohamad Qabbani",
        "Mohamed Kabbani",
        "محمد قباني",
    ] {
        assert_eq!(top(&p, &ids, q).as_deref(), Some("mohammed"), "{q}");
    }
    for q in ["Yusuf Khalilzad", "Yousef Khalilzad", "Youssef Kalilzad"] {
        assert_eq!(top(&p, &ids, q).as_deref(), Some("yusuf"), "{q}");
    }
}

#[test]
fn case_diacritics_and_typos() {
    let (_d, p, ids) = setup();
    assert_eq!(
        top(&p, &ids, "lukasz zolkiewski").as_deref(),
        Some("lukasz")
    );
    assert_eq!(
        top(&p, &ids, "ŁUKASZ ŻÓŁKIEWSKI").as_deref(),
        Some("lukasz")
    );
    // One letter wrong, missing, doubled or swapped.
    for q in [
        "Shevchneko",
        "Shevcenko",
        "Shevchennko",
        "Kovalenka",
        "Zolkiewsky",
    ] {
        assert!(
            found(&p, &ids, q, "shevchenko")
                || found(&p, &ids, q, "kovalenko")
                || found(&p, &ids, q, "lukasz"),
            "{q}"
        );
    }
    assert!(found(&p, &ids, "Shevchneko", "shevchenko"));
    assert!(found(&p, &ids, "Kovalenka", "kovalenko"));
}

#[test]
fn dates_and_document_numbers() {
    let (_d, p, ids) = setup();
    assert_eq!(top(&p, &ids, "FA123456").as_deref(), Some("shevchenko"));
    assert_eq!(top(&p, &ids, "FA 123456").as_deref(), Some("shevchenko"));
    assert_eq!(top(&p, &ids, "44051401359").as_deref(), Some("pesel"));
    // A series recorded in Cyrillic letters is found typed in Latin ones, and back.
    assert_eq!(top(&p, &ids, "ME654321").as_deref(), Some("kovalenko"));
    assert_eq!(top(&p, &ids, "МЕ 654321").as_deref(), Some("kovalenko"));
    assert!(found(&p, &ids, "1990-05-12", "shevchenko"));
    assert!(found(&p, &ids, "12.05.1990", "shevchenko"));
    // The name and the birth date together put the right person first among namesakes.
    assert_eq!(
        top(&p, &ids, "Shevchenko 1990-05-12").as_deref(),
        Some("shevchenko")
    );
    assert_eq!(
        top(&p, &ids, "Mohammed 1988-02").as_deref(),
        Some("mohammed")
    );
}

#[test]
fn ranked_best_first_and_typing_prefixes() {
    let (_d, p, ids) = setup();
    let hits = p.search("Taras Shevchenko 1990-05-12", 10).unwrap();
    assert!(hits.windows(2).all(|w| w[0].score >= w[1].score), "sorted");
    assert_eq!(hits[0].id, ids[0].0);
    assert_eq!(hits[0].score, 1.0);
    // Typing: the last word is a prefix.
    assert!(found(&p, &ids, "Bondaren", "hryhorii"));
    assert!(found(&p, &ids, "Шевч", "shevchenko"));
    assert!(p.search("   ", 10).unwrap().is_empty());
}
