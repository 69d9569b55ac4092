//! Reference data: counselling points, guarded centres, ISO country and language codes.
//!
//! The lists of points and centres are the consortium's today (DOMAIN.md); they are data, looked
//! up by folded name, so "Przemysl" and "Przemyśl" are one centre.

use crate::names::fold;

/// The cities where the consortium runs counselling points, in their Polish names.
pub const POINT_CITIES: &[&str] = &["Lublin", "Poznań", "Warszawa", "Wrocław"];

/// Other names people type for the point cities.
const CITY_ALIASES: &[(&str, &str)] = &[
    ("warsaw", "Warszawa"),
    ("varshava", "Warszawa"),
    ("poznan", "Poznań"),
    ("wroclaw", "Wrocław"),
    ("breslau", "Wrocław"),
];

/// The Border Guard's guarded centres for foreigners (strzeżone ośrodki dla cudzoziemców).
pub const GUARDED_CENTRES: &[&str] = &[
    "Biała Podlaska",
    "Białystok",
    "Kętrzyn",
    "Krosno Odrzańskie",
    "Lesznowola",
    "Przemyśl",
];

/// The voivodeship (region) of each guarded centre and point city, and of towns near the
/// Belarusian border where interventions happen: what an anonymised copy keeps of a place
/// (a centre holds few people; the region of many).
const REGIONS: &[(&str, &str)] = &[
    ("Biała Podlaska", "lubelskie"),
    ("Białystok", "podlaskie"),
    ("Kętrzyn", "warmińsko-mazurskie"),
    ("Krosno Odrzańskie", "lubuskie"),
    ("Lesznowola", "mazowieckie"),
    ("Przemyśl", "podkarpackie"),
    ("Lublin", "lubelskie"),
    ("Poznań", "wielkopolskie"),
    ("Warszawa", "mazowieckie"),
    ("Wrocław", "dolnośląskie"),
    ("Michałowo", "podlaskie"),
    ("Hajnówka", "podlaskie"),
    ("Sokółka", "podlaskie"),
    ("Terespol", "lubelskie"),
    ("Włodawa", "lubelskie"),
];

/// The voivodeship of a known centre or town (`None` for others), however it was typed.
pub fn region_of(place: &str) -> Option<&'static str> {
    let f = fold(place.trim());
    REGIONS
        .iter()
        .find(|(p, _)| fold(p) == f)
        .map(|(_, r)| *r)
        .or_else(|| {
            CITY_ALIASES
                .iter()
                .find(|(a, _)| *a == f)
                .and_then(|(_, c)| region_of(c))
        })
}

/// The canonical name of a guarded centre, however it was typed.
pub fn guarded_centre(name: &str) -> Option<&'static str> {
    let f = fold(name.trim());
    GUARDED_CENTRES.iter().copied().find(|c| fold(c) == f)
}

/// The canonical name of a point city; other cities are kept as typed (trimmed).
pub fn city(name: &str) -> String {
    let f = fold(name.trim());
    if let Some(c) = POINT_CITIES.iter().find(|c| fold(c) == f) {
        return (*c).to_string();
    }
    if let Some((_, c)) = CITY_ALIASES.iter().find(|(a, _)| *a == f) {
        return (*c).to_string();
    }
    name.trim().to_string()
}

/// ISO 3166-1 alpha-2 codes (officially assigned), plus `XK` (Kosovo, user-assigned but used
/// by the EU and in Polish practice).
const COUNTRY_CODES: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW XK";

/// ISO 639-1 codes.
const LANGUAGE_CODES: &str = "aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu";

/// `Some(code)` upper-cased when `code` is an ISO 3166-1 alpha-2 country code.
pub fn country_code(code: &str) -> Option<String> {
    let c = code.trim().to_ascii_uppercase();
    (c.len() == 2 && COUNTRY_CODES.split(' ').any(|k| k == c)).then_some(c)
}

/// The languages people in Polish refugee and migrant work speak most often, offered first on
/// forms (Polish, Ukrainian, Russian, Belarusian, the Caucasus and Central Asia, Dari and Farsi
/// apart, Pashto, Arabic, Kurdish, Horn of Africa...).
pub const COMMON_LANGUAGES: &[&str] = &[
    "pl", "uk", "ru", "en", "be", "ka", "hy", "az", "tg", "uz", "kk", "ky", "tk", "prs", "fa",
    "ps", "ar", "ckb", "kmr", "ku", "tr", "ti", "am", "so", "fr", "es", "pt", "vi", "zh", "hi",
    "ur", "bn", "ta", "ne", "de", "ce", "rom",
];

/// ISO 639-3 codes of languages the people Punkt serves speak that ISO 639-1 has no code of
/// its own for, or lumps with another: Dari (`prs`, not Farsi `fa`, for people from
/// Afghanistan), Sorani (`ckb`) and Kurmanji (`kmr`) Kurdish, Romani (`rom`), Chechen is `ce`.
/// A donor counting people by language needs Dari and Farsi apart.
pub const LANGUAGE_CODES_639_3: &[&str] = &["prs", "ckb", "kmr", "rom"];

/// `Some(code)` lower-cased when `code` is an ISO 639-1 language code or one of
/// [`LANGUAGE_CODES_639_3`].
pub fn language_code(code: &str) -> Option<String> {
    let c = code.trim().to_ascii_lowercase();
    let known = match c.len() {
        2 => LANGUAGE_CODES.split(' ').any(|k| k == c),
        3 => LANGUAGE_CODES_639_3.contains(&c.as_str()),
        _ => false,
    };
    known.then_some(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups() {
        assert_eq!(guarded_centre("przemysl"), Some("Przemyśl"));
        assert_eq!(
            guarded_centre("Krosno Odrzanskie"),
            Some("Krosno Odrzańskie")
        );
        assert_eq!(guarded_centre("Gdańsk"), None);
        assert_eq!(city("Warsaw"), "Warszawa");
        assert_eq!(city(" wroclaw "), "Wrocław");
        assert_eq!(city("Kraków"), "Kraków");
        assert_eq!(region_of("przemysl"), Some("podkarpackie"));
        assert_eq!(region_of("Warsaw"), Some("mazowieckie"));
        assert_eq!(region_of("Gdańsk"), None);
        for c in GUARDED_CENTRES.iter().chain(POINT_CITIES) {
            assert!(region_of(c).is_some(), "{c} has no region");
        }
        assert_eq!(country_code("ua").as_deref(), Some("UA"));
        assert_eq!(country_code("UKR"), None);
        assert_eq!(country_code("QQ"), None);
        assert_eq!(language_code("UK").as_deref(), Some("uk"));
        assert_eq!(language_code("xx"), None);
        assert_eq!(language_code("PRS").as_deref(), Some("prs"), "Dari");
        assert_ne!(
            language_code("prs"),
            language_code("fa"),
            "Dari is not Farsi"
        );
        assert_eq!(language_code("fas"), None);
        for c in COMMON_LANGUAGES {
            assert_eq!(language_code(c).as_deref(), Some(*c));
        }
        assert_eq!(COUNTRY_CODES.split(' ').count(), 250);
        assert_eq!(LANGUAGE_CODES.split(' ').count(), 183);
    }
}
