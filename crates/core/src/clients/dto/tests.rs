use super::*;

#[test]
fn values_are_kept_out_of_error_messages() {
    let e = ClientInput::from_json(r#"{"given_names": ["+48 600 100 200"]}"#)
        .unwrap_err()
        .to_string();
    assert!(!e.contains("600"), "{e}");
    assert!(
        e.contains("given_names") || e.contains("invalid type"),
        "{e}"
    );
    let mut f = ClientFile::default();
    let e = ClientInput::from_json(
        r#"{"family_name":"A","identifiers":[{"kind":"pesel","number":"44051401358"}]}"#,
    )
    .unwrap()
    .apply(&mut f, true, IsoDate::new(2026, 1, 1).unwrap())
    .unwrap_err()
    .to_string();
    assert!(!e.contains("44051401358"), "{e}");
    assert!(e.contains("PESEL"), "{e}");
}

#[test]
fn pesel_check_digit() {
    assert!(valid_pesel("44051401359"));
    assert!(!valid_pesel("44051401358"));
    assert!(!valid_pesel("4405140135"));
}

#[test]
fn original_names_are_split_by_the_latin_family_name() {
    assert_eq!(
        split_original("Тарас Шевченко", "Shevchenko"),
        (Some("Тарас".into()), Some("Шевченко".into()))
    );
    assert_eq!(
        split_original("Шевченко Тарас Григорович", "Shevchenko"),
        (Some("Тарас Григорович".into()), Some("Шевченко".into()))
    );
    assert_eq!(
        split_original("Шевченко", "X"),
        (None, Some("Шевченко".into()))
    );
}

#[test]
fn unknown_keys_and_places_are_refused() {
    assert!(ClientInput::from_json(r#"{"givn_names":"A"}"#).is_err());
    let c = ConsultationInput::from_json(
        r#"{"date":"2025-01-02","place":{"kind":"centre","centre":"Gdańsk"},"services":["legal"]}"#,
    )
    .unwrap();
    let e = c.into_consultation("Org").unwrap_err().to_string();
    assert!(e.contains("not a known guarded centre"), "{e}");
}
