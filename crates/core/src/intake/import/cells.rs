//! How a register's cells are read: countries by name or code, lists, sex, services by the
//! names people give them, yes and no, places; and rows of one person merged into one file.

use super::*;

/// Country names people write instead of codes (Polish and English), folded.
pub(super) const COUNTRY_NAMES: &[(&str, &str)] = &[
    ("ukraina", "UA"),
    ("ukraine", "UA"),
    ("bialorus", "BY"),
    ("belarus", "BY"),
    ("rosja", "RU"),
    ("russia", "RU"),
    ("federacja rosyjska", "RU"),
    ("czeczenia", "RU"),
    ("afganistan", "AF"),
    ("afghanistan", "AF"),
    ("syria", "SY"),
    ("irak", "IQ"),
    ("iraq", "IQ"),
    ("gruzja", "GE"),
    ("georgia", "GE"),
    ("demokratyczna republika konga", "CD"),
    ("dr konga", "CD"),
    ("dr congo", "CD"),
    ("erytrea", "ER"),
    ("eritrea", "ER"),
    ("turcja", "TR"),
    ("turkey", "TR"),
    ("tadzykistan", "TJ"),
    ("tajikistan", "TJ"),
    ("iran", "IR"),
    ("jemen", "YE"),
    ("yemen", "YE"),
    ("somalia", "SO"),
    ("etiopia", "ET"),
    ("ethiopia", "ET"),
    ("sudan", "SD"),
    ("nigeria", "NG"),
    ("kamerun", "CM"),
    ("cameroon", "CM"),
    ("armenia", "AM"),
    ("azerbejdzan", "AZ"),
    ("azerbaijan", "AZ"),
    ("moldawia", "MD"),
    ("moldova", "MD"),
    ("uzbekistan", "UZ"),
    ("kirgistan", "KG"),
    ("kyrgyzstan", "KG"),
    ("kazachstan", "KZ"),
    ("kazakhstan", "KZ"),
    ("pakistan", "PK"),
    ("egipt", "EG"),
    ("egypt", "EG"),
    ("palestyna", "PS"),
    ("palestine", "PS"),
    ("liban", "LB"),
    ("lebanon", "LB"),
    ("wietnam", "VN"),
    ("vietnam", "VN"),
    ("indie", "IN"),
    ("india", "IN"),
    ("kuba", "CU"),
    ("cuba", "CU"),
    ("polska", "PL"),
    ("poland", "PL"),
];

pub(super) fn country(s: &str) -> Option<String> {
    punkt_model::reference::country_code(s).or_else(|| {
        let f = fold(s.trim());
        COUNTRY_NAMES
            .iter()
            .find(|(n, _)| *n == f)
            .map(|(_, c)| c.to_string())
    })
}

pub(super) fn list(s: &str) -> Vec<String> {
    s.split([';', ',', '/', '|'])
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

pub(super) fn sex(s: &str) -> String {
    match fold(s.trim()).as_str() {
        "k" | "kobieta" | "f" | "female" | "woman" => "female".into(),
        "m" | "mezczyzna" | "male" | "man" => "male".into(),
        "" | "?" | "brak" | "nieznana" => "unknown".into(),
        other => other.to_string(),
    }
}

/// Polish service names as registers write them ("pomoc prawna", "porada psychologiczna",
/// "kurs języka polskiego"): the specific word decides, wherever it stands; a generic word
/// (porada, pomoc, kurs, doradztwo) only when nothing specific is there.
pub(super) fn service_alias(s: &str) -> String {
    let f = fold(s.trim());
    const SPECIFIC: &[(&str, &str)] = &[
        ("prawn", "legal"),
        ("psycholog", "psychological"),
        ("psychoterap", "psychological"),
        ("socjal", "social"),
        ("spoleczn", "social"),
        ("zawod", "vocational"),
        ("prac", "vocational"),
        ("eduk", "education"),
        ("szkol", "education"),
        ("korepetycj", "education"),
        ("jezyk", "language"),
        ("polski", "language"),
        ("mieszka", "housing"),
    ];
    const GENERIC: &[(&str, &str)] = &[
        ("porada", "legal"),
        ("pomoc", "legal"),
        ("doradztwo", "vocational"),
        ("kurs", "language"),
    ];
    let words: Vec<&str> = f.split_whitespace().collect();
    for (stem, service) in SPECIFIC {
        if words.iter().any(|w| w.starts_with(stem)) {
            return service.to_string();
        }
    }
    for (stem, service) in GENERIC {
        if words.iter().any(|w| w.starts_with(stem)) {
            return service.to_string();
        }
    }
    f
}

/// Fold a later row of the same person into the file made from the first: identifiers are
/// added; a different sex or citizenship is refused (two people, or a typing error to fix).
pub(super) fn merge_person(
    file: &mut ClientFile,
    other: &ClientFile,
    first_row: u64,
) -> Result<(), Refusal> {
    let (a, b) = (&mut file.person, &other.person);
    if b.sex != punkt_model::vocab::Sex::Unknown && a.sex != b.sex {
        return Err(Refusal::new(
            "differs",
            Some("sex"),
            format!("sex differs from row {first_row} for the same name and birth date"),
        ));
    }
    if !b.citizenships.is_empty() && a.citizenships != b.citizenships {
        return Err(Refusal::new(
            "differs",
            Some("citizenships"),
            format!("citizenship differs from row {first_row} for the same name and birth date"),
        ));
    }
    for (id, ident) in &b.identifiers {
        let n = punkt_model::names::normalise_document_number(&ident.number);
        let known = a
            .identifiers
            .values()
            .any(|i| punkt_model::names::normalise_document_number(&i.number) == n);
        if !known {
            a.identifiers.insert(id.clone(), ident.clone());
        }
    }
    if a.contact.phone.is_none() {
        a.contact.phone = b.contact.phone.clone();
    }
    if a.contact.email.is_none() {
        a.contact.email = b.contact.email.clone();
    }
    for (id, status) in &other.legal_status {
        if !file
            .legal_status
            .values()
            .any(|s| s.status == status.status)
        {
            file.legal_status.insert(id.clone(), status.clone());
        }
    }
    Ok(())
}

pub(super) fn yes(s: &str) -> bool {
    matches!(
        fold(s.trim()).as_str(),
        "tak" | "yes" | "y" | "t" | "1" | "true" | "x"
    )
}

pub(super) fn place(s: &str) -> PlaceInput {
    let t = s.trim();
    let f = fold(t);
    if f.is_empty() || ["zdalnie", "remote", "telefonicznie", "online"].contains(&f.as_str()) {
        return PlaceInput::Remote;
    }
    // "SOC Przemyśl", "SOdC Biała Podlaska", "Strzeżony Ośrodek w Kętrzynie"...
    let words: Vec<&str> = t.split_whitespace().collect();
    let skip = words
        .iter()
        .take_while(|w| ["soc", "sodc", "strzezony", "osrodek", "w"].contains(&fold(w).as_str()))
        .count();
    let rest = words[skip..].join(" ");
    match punkt_model::reference::guarded_centre(&rest) {
        Some(centre) => PlaceInput::Centre {
            centre: centre.to_string(),
        },
        None => PlaceInput::Point {
            city: t.to_string(),
        },
    }
}
