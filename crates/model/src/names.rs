//! Name normalisation for search and duplicate detection.
//!
//! A name is reduced to *keys* that different spellings of the same name share:
//!
//! - `e:` the exact spelling, case and diacritics folded (`Łukasz` → `lukasz`);
//! - `s:` a spelling skeleton that merges the ways the same sounds are written in Polish, English,
//!   German and passport transliterations (`Szewczenko`, `Shevchenko`, `Schewtschenko` →
//!   `shevchenko`);
//! - `c:` a consonant skeleton (vowels dropped), which merges Arabic names written with
//!   different vowels (`Mohammed`, `Muhammad`, `Mohamad` → `mhmd`) and lets an Arabic-script
//!   name meet its Latin spelling;
//! - `d:` a canonical form from a dictionary of common name variants (`Youssef`, `Yusuf` → `yusuf`).
//!
//! Names in Cyrillic are transliterated under each system in use (Ukrainian national 2010,
//! Russian passport ICAO, English BGN/PCGN, Polish) before the keys are made, so a query typed in
//! any of them meets the same keys. Georgian is transliterated by the national system.
//! Typos are tolerated at search time against the `s:` skeletons (edit distance 1).

use std::collections::BTreeSet;

use unicode_normalization::UnicodeNormalization;

/// The writing system of a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Script {
    Latin,
    Cyrillic,
    Arabic,
    Georgian,
    Digits,
    Other,
}

/// The dominant script of a token.
pub fn script_of(token: &str) -> Script {
    let (mut lat, mut cyr, mut ara, mut geo, mut dig) = (0, 0, 0, 0, 0);
    for c in token.chars() {
        match c as u32 {
            0x0400..=0x052F => cyr += 1,
            0x0600..=0x06FF | 0x0750..=0x077F | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF => ara += 1,
            0x10A0..=0x10FF | 0x1C90..=0x1CBF => geo += 1,
            _ if c.is_ascii_digit() => dig += 1,
            _ if c.is_alphabetic() => lat += 1,
            _ => {}
        }
    }
    let max = *[lat, cyr, ara, geo, dig].iter().max().unwrap_or(&0);
    if max == 0 {
        Script::Other
    } else if cyr == max {
        Script::Cyrillic
    } else if ara == max {
        Script::Arabic
    } else if geo == max {
        Script::Georgian
    } else if lat == max {
        Script::Latin
    } else {
        Script::Digits
    }
}

/// Split a name or a query into tokens: letters and digits; everything else separates
/// (spaces, hyphens, commas), except an apostrophe between two letters, which belongs to the
/// word (Ukrainian В'ячеслав, Irish O'Neil): `fold` then drops it.
pub fn tokens(s: &str) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    let word = |c: char| c.is_alphanumeric() || is_combining(c);
    let mut out = Vec::new();
    let mut cur = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let inner_apostrophe = is_apostrophe(c)
            && i > 0
            && word(chars[i - 1])
            && chars.get(i + 1).is_some_and(|n| word(*n));
        if word(c) || inner_apostrophe {
            cur.push(c);
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | 'ʼ' | 'ʻ' | '`')
}

fn is_combining(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x064B..=0x065F)
}

/// Lower case, diacritics removed, letters that are not "letter + mark" mapped by hand
/// (`ł`, `ø`, `ß`, `đ`, `ı`...). Cyrillic keeps its own letters (`й`, `ё` are letters there,
/// not marked ones) and other scripts are lower-cased only.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.nfc() {
        if ('\u{0400}'..='\u{04FF}').contains(&c) {
            out.extend(c.to_lowercase());
            continue;
        }
        match c {
            'ł' | 'Ł' => out.push('l'),
            'ø' | 'Ø' => out.push('o'),
            'ß' => out.push_str("ss"),
            'æ' | 'Æ' => out.push_str("ae"),
            'œ' | 'Œ' => out.push_str("oe"),
            'đ' | 'Đ' | 'ð' | 'Ð' => out.push('d'),
            'ı' => out.push('i'),
            'þ' | 'Þ' => out.push_str("th"),
            c if is_apostrophe(c) => {}
            _ => {
                for d in std::iter::once(c).nfkd() {
                    if !is_combining(d) {
                        out.extend(d.to_lowercase());
                    }
                }
            }
        }
    }
    out
}

fn cyrillic_lower(s: &str) -> String {
    s.nfc()
        .filter(|c| !is_apostrophe(*c))
        .flat_map(|c| c.to_lowercase())
        .collect()
}

/// Latin spellings of a Latin-script letter with a phonetic mark, before the marks are dropped:
/// `š` is "sh" in every transliteration that uses it, not "s".
fn expand_marked_latin(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    for c in s.nfc() {
        match c {
            'š' | 'Š' => out.push_str("sh"),
            'č' | 'Č' => out.push_str("ch"),
            'ž' | 'Ž' | 'ż' | 'Ż' => out.push_str("zh"),
            'ǵ' => out.push('g'),
            _ => out.push(c),
        }
    }
    out
}

/// The spelling skeleton of a Latin token (see the module header).
pub fn skeleton(token: &str) -> String {
    let s = fold(&expand_marked_latin(token));
    let mut s: String = s.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    for (from, to) in [
        ("tsch", "ch"),
        ("szcz", "shch"),
        ("sch", "sh"),
        ("sz", "sh"),
        ("cz", "ch"),
        ("rz", "zh"),
        ("kh", "h"),
        ("ph", "f"),
        ("ck", "k"),
        ("ts", "c"),
        ("tz", "c"),
        ("dzh", "j"),
        ("dj", "j"),
        ("x", "ks"),
        ("q", "k"),
        ("w", "v"),
        ("ou", "u"),
        ("ee", "i"),
    ] {
        if s.contains(from) {
            s = s.replace(from, to);
        }
    }
    // j and y are both the glide written as i in other systems.
    let mut s: String = s
        .chars()
        .map(|c| if c == 'j' || c == 'y' { 'i' } else { c })
        .collect();
    if s.contains("ie") {
        s = s.replace("ie", "e");
    }
    // A glide before a vowel at the start (Ye-, Yu-, Ya-, Ie-, Ju-...) is dropped: Yevhen/Evgen.
    let b = s.as_bytes();
    if b.len() > 2 && b[0] == b'i' && is_vowel(b[1] as char) {
        s.remove(0);
    }
    collapse_doubles(&s)
}

fn is_vowel(c: char) -> bool {
    matches!(c, 'a' | 'e' | 'i' | 'o' | 'u')
}

fn collapse_doubles(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last = None;
    for c in s.chars() {
        if Some(c) != last {
            out.push(c);
        }
        last = Some(c);
    }
    out
}

/// The consonant skeleton of a spelling skeleton: vowels dropped, doubles collapsed.
pub fn consonants(skeleton: &str) -> String {
    collapse_doubles(
        &skeleton
            .chars()
            .filter(|c| !is_vowel(*c))
            .collect::<String>(),
    )
}

/// Minimum consonants for a `c:` key to be worth keeping: shorter ones match too much.
const MIN_CONSONANTS: usize = 3;

// ---------------------------------------------------------------------------------------------
// Cyrillic

fn is_cyr_vowel(c: char) -> bool {
    matches!(
        c,
        'а' | 'е' | 'ё' | 'и' | 'і' | 'ї' | 'о' | 'у' | 'ы' | 'э' | 'ю' | 'я' | 'є'
    )
}

/// True when a Cyrillic token can only be Ukrainian or only Russian; `None` when both readings
/// are possible.
fn cyrillic_language(token: &str) -> Option<&'static str> {
    if token.chars().any(|c| matches!(c, 'і' | 'ї' | 'є' | 'ґ')) {
        Some("uk")
    } else if token.chars().any(|c| matches!(c, 'ы' | 'э' | 'ъ' | 'ё')) {
        Some("ru")
    } else {
        None
    }
}

/// The Latin spelling of the Cyrillic letters the Ukrainian national, ICAO and English-style
/// transliterations agree on; "" for any other character.
fn common_latin(c: char) -> &'static str {
    match c {
        'а' => "a",
        'б' => "b",
        'в' => "v",
        'д' => "d",
        'ж' => "zh",
        'з' => "z",
        'к' => "k",
        'л' => "l",
        'м' => "m",
        'н' => "n",
        'о' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'у' => "u",
        'ф' => "f",
        'х' => "kh",
        'ц' => "ts",
        'ч' => "ch",
        'ш' => "sh",
        'щ' => "shch",
        _ => "",
    }
}

/// Ukrainian national transliteration (Cabinet of Ministers resolution 55 of 2010), used in
/// Ukrainian passports.
pub fn translit_uk_national(token: &str) -> String {
    let t: Vec<char> = cyrillic_lower(token).chars().collect();
    let mut out = String::new();
    for (i, &c) in t.iter().enumerate() {
        let initial = i == 0;
        let prev = if i > 0 { Some(t[i - 1]) } else { None };
        let s = match c {
            'г' if prev == Some('з') => "gh",
            'г' => "h",
            'ґ' => "g",
            'е' => "e",
            'є' if initial => "ye",
            'є' => "ie",
            'и' => "y",
            'і' => "i",
            'ї' if initial => "yi",
            'ї' => "i",
            'й' if initial => "y",
            'й' => "i",
            'ь' | 'ъ' => "",
            'ю' if initial => "yu",
            'ю' => "iu",
            'я' if initial => "ya",
            'я' => "ia",
            // Russian letters met in a Ukrainian reading: nearest equivalents.
            'ё' => "io",
            'ы' => "y",
            'э' => "e",
            _ => common_latin(c),
        };
        out.push_str(s);
    }
    out
}

/// Russian passport transliteration (ICAO Doc 9303, used in Russian passports since 2014).
pub fn translit_ru_icao(token: &str) -> String {
    let mut out = String::new();
    for c in cyrillic_lower(token).chars() {
        out.push_str(match c {
            'г' | 'ґ' => "g",
            'е' | 'ё' | 'э' | 'є' => "e",
            'и' | 'й' | 'і' | 'ї' => "i",
            'ъ' => "ie",
            'ы' => "y",
            'ь' => "",
            'ю' => "iu",
            'я' => "ia",
            _ => common_latin(c),
        });
    }
    out
}

/// English-style spelling (BGN/PCGN for Russian), the one found in older documents and
/// English-language papers: Yevgeniy, Aleksey, Yuriy.
pub fn translit_english(token: &str) -> String {
    let t: Vec<char> = cyrillic_lower(token).chars().collect();
    let mut out = String::new();
    for (i, &c) in t.iter().enumerate() {
        let prev = if i > 0 { Some(t[i - 1]) } else { None };
        let after_vowel_or_start =
            prev.is_none() || prev.is_some_and(|p| is_cyr_vowel(p) || p == 'ь' || p == 'ъ');
        out.push_str(match c {
            'е' if after_vowel_or_start => "ye",
            'ё' if after_vowel_or_start => "yo",
            'е' | 'э' => "e",
            'ё' => "yo",
            'є' => "ye",
            'г' => "g",
            'ґ' => "g",
            'и' => "i",
            'і' => "i",
            'ї' => "yi",
            'й' => "y",
            'ъ' | 'ь' => "",
            'ы' => "y",
            'ю' => "yu",
            'я' => "ya",
            _ => common_latin(c),
        });
    }
    out
}

/// Polish transcription of a Cyrillic name, by the Polish rules for Russian (`ukrainian =
/// false`) or Ukrainian: Szewczenko, Aleksiej, Jurij, Chmielnicki.
pub fn translit_polish(token: &str, ukrainian: bool) -> String {
    let t: Vec<char> = cyrillic_lower(token).chars().collect();
    let mut out = String::new();
    for (i, &c) in t.iter().enumerate() {
        let prev = if i > 0 { Some(t[i - 1]) } else { None };
        let next = t.get(i + 1).copied();
        let start_or_after_vowel = prev.is_none()
            || prev.is_some_and(|p| is_cyr_vowel(p) || p == 'ь' || p == 'ъ' || p == '\'');
        let after_hard = prev.is_some_and(|p| matches!(p, 'ж' | 'ш' | 'ч' | 'щ' | 'ц' | 'л'));
        let s: String = match c {
            'а' => "a".into(),
            'б' => "b".into(),
            'в' => "w".into(),
            'г' if ukrainian => "h".into(),
            'г' | 'ґ' => "g".into(),
            'д' => "d".into(),
            'е' if ukrainian => "e".into(),
            'е' | 'є' if start_or_after_vowel => "je".into(),
            'е' | 'є' if after_hard => "e".into(),
            'е' | 'є' => "ie".into(),
            'ё' if start_or_after_vowel => "jo".into(),
            'ё' if after_hard => "o".into(),
            'ё' => "io".into(),
            'ж' => "ż".into(),
            'з' => "z".into(),
            'и' if ukrainian => "y".into(),
            'и' if matches!(prev, Some('ж' | 'ш' | 'ц')) => "y".into(),
            'и' => "i".into(),
            'і' => "i".into(),
            'ї' => "ji".into(),
            'й' => "j".into(),
            'к' => "k".into(),
            'л' if matches!(
                next,
                Some('е' | 'ё' | 'и' | 'ю' | 'я' | 'ь' | 'і' | 'ї' | 'є')
            ) =>
            {
                "l".into()
            }
            'л' => "ł".into(),
            'м' => "m".into(),
            'н' => "n".into(),
            'о' => "o".into(),
            'п' => "p".into(),
            'р' => "r".into(),
            'с' => "s".into(),
            'т' => "t".into(),
            'у' => "u".into(),
            'ф' => "f".into(),
            'х' => "ch".into(),
            'ц' => "c".into(),
            'ч' => "cz".into(),
            'ш' => "sz".into(),
            'щ' => "szcz".into(),
            'ъ' | 'ь' => "".into(),
            'ы' => "y".into(),
            'э' => "e".into(),
            'ю' if start_or_after_vowel => "ju".into(),
            'ю' if prev == Some('л') => "u".into(),
            'ю' => "iu".into(),
            'я' if start_or_after_vowel => "ja".into(),
            'я' if prev == Some('л') => "a".into(),
            'я' => "ia".into(),
            _ => "".into(),
        };
        out.push_str(&s);
    }
    out
}

/// Every Latin spelling of a Cyrillic token under the systems people meet.
pub fn cyrillic_spellings(token: &str) -> Vec<String> {
    let lang = cyrillic_language(&cyrillic_lower(token));
    let mut v = Vec::new();
    if lang != Some("ru") {
        v.push(translit_uk_national(token));
        v.push(translit_polish(token, true));
    }
    if lang != Some("uk") {
        v.push(translit_ru_icao(token));
        v.push(translit_polish(token, false));
    }
    v.push(translit_english(token));
    let mut seen = BTreeSet::new();
    v.into_iter()
        .filter(|s| !s.is_empty() && seen.insert(s.clone()))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Georgian and Arabic

/// Georgian national transliteration (2002).
pub fn translit_georgian(token: &str) -> String {
    token
        .chars()
        .map(|c| match c {
            'ა' => "a",
            'ბ' => "b",
            'გ' => "g",
            'დ' => "d",
            'ე' => "e",
            'ვ' => "v",
            'ზ' => "z",
            'თ' => "t",
            'ი' => "i",
            'კ' => "k",
            'ლ' => "l",
            'მ' => "m",
            'ნ' => "n",
            'ო' => "o",
            'პ' => "p",
            'ჟ' => "zh",
            'რ' => "r",
            'ს' => "s",
            'ტ' => "t",
            'უ' => "u",
            'ფ' => "p",
            'ქ' => "k",
            'ღ' => "gh",
            'ყ' => "q",
            'შ' => "sh",
            'ჩ' => "ch",
            'ც' => "ts",
            'ძ' => "dz",
            'წ' => "ts",
            'ჭ' => "ch",
            'ხ' => "kh",
            'ჯ' => "j",
            'ჰ' => "h",
            _ => "",
        })
        .collect()
}

/// The consonants of an Arabic-script (Arabic, Persian, Pashto) token, in the Latin letters
/// of the consonant skeleton: `محمد` → `mhmd`, which is also the skeleton of `Mohammed`.
pub fn arabic_consonants(token: &str) -> String {
    let s: String = token
        .chars()
        .map(|c| match c {
            'ب' => "b",
            'پ' => "p",
            'ت' | 'ط' => "t",
            'ث' | 'س' | 'ص' => "s",
            'ج' => "",
            'چ' => "ch",
            'ح' | 'خ' | 'ه' | 'ھ' => "h",
            'د' | 'ض' => "d",
            'ذ' | 'ز' | 'ظ' => "z",
            'ژ' => "zh",
            'ر' => "r",
            'ش' => "sh",
            'غ' | 'گ' => "g",
            'ف' => "f",
            'ق' | 'ك' | 'ک' => "k",
            'ل' => "l",
            'م' => "m",
            'ن' => "n",
            'و' => "v",
            _ => "",
        })
        .collect();
    // و is mostly the vowel u in names (Mahmoud, Yusuf); drop it between consonants as the
    // Latin skeleton drops u.
    consonants(&s.replace('v', ""))
}

// ---------------------------------------------------------------------------------------------
// Dictionary of variants

/// Groups of spellings of the same given name. The first is the canonical form.
const NAME_VARIANTS: &[&[&str]] = &[
    &[
        "muhammad",
        "mohammed",
        "mohammad",
        "mohamed",
        "mohamad",
        "muhammed",
        "muhamad",
        "mohamud",
        "mehmet",
        "magomed",
        "mukhammad",
        "mohd",
        "mahomet",
        "muhamed",
    ],
    &["ahmad", "ahmed", "akhmed", "achmed", "ahmet", "akhmad"],
    &[
        "hussein", "husein", "hussain", "husain", "hosein", "hossein", "huseyn", "guseyn", "husayn",
    ],
    &["hassan", "hasan", "khasan", "hassen"],
    &[
        "yusuf", "youssef", "yousef", "yusef", "yousuf", "jusuf", "yousif", "yusif", "yussuf",
    ],
    &["abdullah", "abdallah", "abdulla", "abdoulaye", "abdulah"],
    &[
        "abdulrahman",
        "abdelrahman",
        "abdurrahman",
        "abdurahman",
        "abdalrahman",
    ],
    &["mustafa", "mostafa", "moustafa", "mustapha", "mostapha"],
    &["omar", "umar", "omer"],
    &["khalid", "khaled", "halid", "chalid"],
    &["ibrahim", "ebrahim", "ibragim", "brahim"],
    &["mahmoud", "mahmud", "makhmud", "mahmood"],
    &[
        "said", "saeed", "saied", "sayed", "sayid", "saiid", "sayyid",
    ],
    &["karim", "kareem", "kerim"],
    &["fatima", "fatemeh", "fatma", "fatimah", "fatime"],
    &["aisha", "aysha", "ayesha", "aicha", "aishah", "ayşe"],
    &["zainab", "zeinab", "zaynab", "zaineb"],
    &["maryam", "mariam", "meryem", "miriam"],
    &["abdul", "abdel", "abdoul", "abd"],
    &["hamid", "hameed"],
    &["rahim", "raheem"],
    &["nur", "noor", "nour"],
    &["jamal", "gamal", "djamal", "dzhamal", "dzamal"],
    &["yahya", "yahia", "yehia"],
    &[
        "suleiman", "sulayman", "soleiman", "sulaiman", "suleyman", "sulejman",
    ],
    &["ismail", "ismael", "esmail", "ismayil"],
    &["ramazan", "ramadan", "ramzan"],
    &[
        "aleksandr",
        "alexander",
        "aleksander",
        "oleksandr",
        "olexandr",
        "alexandre",
    ],
    &["mikhail", "michail", "mykhailo", "michal", "mikhaylo"],
    &["pavel", "pavlo", "pawel", "paul"],
    &["olga", "olha", "ola"],
    &["elena", "olena", "helena", "jelena", "yelena"],
    &["natalia", "natalya", "natalja", "nataliya", "natalie"],
    &[
        "ekaterina",
        "kateryna",
        "katarzyna",
        "yekaterina",
        "katerina",
    ],
    &["dmitry", "dmytro", "dmitrij", "dmitri", "dimitri"],
    &["sergey", "serhii", "sergei", "serhiy", "siergiej"],
    &["andrey", "andrii", "andriy", "andrzej", "andrei", "andrej"],
    &["georgi", "giorgi", "georgiy", "heorhii", "jerzy", "george"],
];

fn dictionary_canonical(skel: &str) -> Option<&'static str> {
    use std::sync::OnceLock;
    static MAP: OnceLock<std::collections::HashMap<String, &'static str>> = OnceLock::new();
    let map = MAP.get_or_init(|| {
        let mut m = std::collections::HashMap::new();
        for group in NAME_VARIANTS {
            for v in *group {
                m.insert(skeleton(v), group[0]);
            }
        }
        m
    });
    map.get(skel).copied()
}

// ---------------------------------------------------------------------------------------------
// Keys

/// The kind of a key, which sets how much a match on it counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum KeyKind {
    Exact,
    Skeleton,
    Dictionary,
    Consonants,
}

impl KeyKind {
    pub fn prefix(self) -> &'static str {
        match self {
            KeyKind::Exact => "e:",
            KeyKind::Skeleton => "s:",
            KeyKind::Dictionary => "d:",
            KeyKind::Consonants => "c:",
        }
    }

    pub fn from_key(key: &str) -> Option<KeyKind> {
        match key.get(..2)? {
            "e:" => Some(KeyKind::Exact),
            "s:" => Some(KeyKind::Skeleton),
            "d:" => Some(KeyKind::Dictionary),
            "c:" => Some(KeyKind::Consonants),
            _ => None,
        }
    }
}

/// The Latin spellings a token stands for, marks kept: itself for Latin, its
/// transliterations for Cyrillic and Georgian. Arabic script has none (only consonants, see
/// [`token_keys`]).
pub fn latin_spellings(token: &str) -> Vec<String> {
    match script_of(token) {
        Script::Latin => vec![token.to_string()],
        Script::Cyrillic => cyrillic_spellings(token),
        Script::Georgian => vec![translit_georgian(token)],
        _ => Vec::new(),
    }
}

/// Every key of one name token, `kind:value`, sorted and without repeats.
pub fn token_keys(token: &str) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    let script = script_of(token);
    if matches!(script, Script::Cyrillic | Script::Georgian | Script::Arabic) {
        keys.insert(format!("e:{}", fold(token)));
    }
    if script == Script::Arabic {
        let c = arabic_consonants(token);
        if c.chars().count() >= MIN_CONSONANTS {
            keys.insert(format!("c:{c}"));
        }
        return keys;
    }
    for spelling in latin_spellings(token) {
        if spelling.is_empty() {
            continue;
        }
        keys.insert(format!("e:{}", fold(&spelling)));
        let skel = skeleton(&spelling);
        if skel.is_empty() {
            continue;
        }
        if let Some(canon) = dictionary_canonical(&skel) {
            keys.insert(format!("d:{canon}"));
        }
        let c = consonants(&skel);
        if c.len() >= MIN_CONSONANTS {
            keys.insert(format!("c:{c}"));
        }
        keys.insert(format!("s:{skel}"));
    }
    keys
}

/// All keys of a person's names (Latin and original script), for the search index.
pub fn name_keys<'a>(names: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    for name in names {
        for t in tokens(name) {
            if script_of(&t) == Script::Digits {
                continue;
            }
            keys.extend(token_keys(&t));
        }
    }
    keys
}

/// A document number reduced to what people type: letters and digits, lower case, with
/// Cyrillic letters that look like Latin ones read as Latin (a Ukrainian passport series
/// "МЕ" typed on a Cyrillic keyboard is the series "ME").
pub fn normalise_document_number(s: &str) -> String {
    fold(s)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .map(|c| match c {
            'а' => 'a',
            'в' => 'b',
            'е' => 'e',
            'і' => 'i',
            'к' => 'k',
            'м' => 'm',
            'н' => 'h',
            'о' => 'o',
            'р' => 'p',
            'с' => 'c',
            'т' => 't',
            'у' => 'y',
            'х' => 'x',
            c => c,
        })
        .collect()
}

/// Damerau–Levenshtein distance (optimal string alignment), for short tokens.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let (n, m) = (a.len(), b.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=n {
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[n][m]
}

/// The strings one deletion away from `s` (for typo-tolerant lookup, SymSpell style).
pub fn deletions(s: &str) -> BTreeSet<String> {
    let chars: Vec<char> = s.chars().collect();
    (0..chars.len())
        .map(|i| {
            chars
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, c)| *c)
                .collect()
        })
        .collect()
}

/// Shortest skeleton that typo tolerance applies to: shorter names differ by one letter too often.
pub const MIN_TYPO_LEN: usize = 4;

#[cfg(test)]
mod tests {
    use super::*;

    fn shares_key(a: &str, b: &str, kind: KeyKind) -> bool {
        let ka = name_keys([a]);
        let kb = name_keys([b]);
        ka.intersection(&kb)
            .any(|k| KeyKind::from_key(k) == Some(kind))
    }

    #[test]
    fn folding_removes_case_and_marks() {
        assert_eq!(fold("Łukasz Żółć"), "lukasz zolc");
        assert_eq!(fold("ŞAHİN"), "sahin");
        assert_eq!(fold("Шевченко"), "шевченко");
        assert_eq!(fold("Йосип Ёлкин"), "йосип ёлкин");
    }

    #[test]
    fn ukrainian_and_russian_transliterations() {
        assert_eq!(translit_uk_national("Шевченко"), "shevchenko");
        assert_eq!(translit_polish("Шевченко", true), "szewczenko");
        assert_eq!(translit_uk_national("Григорій"), "hryhorii");
        assert_eq!(translit_uk_national("Євген"), "yevhen");
        assert_eq!(translit_uk_national("Згурський"), "zghurskyi");
        assert_eq!(translit_ru_icao("Алексей"), "aleksei");
        assert_eq!(translit_english("Алексей"), "aleksey");
        assert_eq!(translit_polish("Алексей", false), "aleksiej");
        assert_eq!(translit_polish("Хмельницкий", false), "chmielnickij");
        assert_eq!(translit_english("Юрий"), "yuriy");
    }

    #[test]
    fn the_spellings_of_shevchenko_meet() {
        for spelling in [
            "Shevchenko",
            "Szewczenko",
            "Ševčenko",
            "Schewtschenko",
            "shevchenko",
        ] {
            assert!(
                shares_key("Шевченко", spelling, KeyKind::Skeleton)
                    || shares_key("Шевченко", spelling, KeyKind::Exact),
                "{spelling}"
            );
        }
        assert!(shares_key("Shevchenko", "Szewczenko", KeyKind::Skeleton));
    }

    #[test]
    fn ukrainian_h_and_russian_g_both_found() {
        // Григорий could be read either way; both readings are kept.
        let k = name_keys(["Григорий"]);
        assert!(k.contains("e:hryhorii") || k.contains("e:hryhoryi"));
        assert!(k.contains("e:grigorii"));
        assert!(shares_key("Григорий", "Grigoriy", KeyKind::Skeleton));
        assert!(shares_key("Григорій", "Hryhoriy", KeyKind::Skeleton));
    }

    #[test]
    fn yevhen_evgeniy_jewgienij() {
        assert!(shares_key("Євген", "Yevhen", KeyKind::Exact));
        assert!(shares_key("Євген", "Jewhen", KeyKind::Skeleton));
        assert!(shares_key("Евгений", "Yevgeniy", KeyKind::Skeleton));
        assert!(shares_key("Евгений", "Jewgienij", KeyKind::Skeleton));
        assert!(shares_key("Евгений", "Evgenii", KeyKind::Skeleton));
    }

    #[test]
    fn arabic_name_variants_meet() {
        for v in ["Muhammad", "Mohamad", "Mohamed", "Mohammad", "Muhammed"] {
            assert!(shares_key("Mohammed", v, KeyKind::Dictionary), "{v}");
            assert!(shares_key("Mohammed", v, KeyKind::Consonants), "{v}");
        }
        assert!(shares_key("محمد", "Mohammed", KeyKind::Consonants));
        assert!(shares_key("Youssef", "Yusuf", KeyKind::Dictionary));
        assert!(shares_key("Hussein", "Husain", KeyKind::Dictionary));
        assert!(!shares_key("Mohammed", "Ahmed", KeyKind::Dictionary));
    }

    #[test]
    fn georgian_is_transliterated() {
        assert_eq!(translit_georgian("გიორგი"), "giorgi");
        assert!(shares_key("ბერიძე", "Beridze", KeyKind::Exact));
    }

    #[test]
    fn edit_distance_counts_transpositions_as_one() {
        assert_eq!(edit_distance("shevchenko", "shevhcenko"), 1);
        assert_eq!(edit_distance("shevchenko", "shevchenk"), 1);
        assert_eq!(edit_distance("kowalski", "kowalsky"), 1);
        assert_eq!(edit_distance("abc", "xyz"), 3);
    }

    #[test]
    fn tokens_split_on_punctuation() {
        assert_eq!(
            tokens("Al-Hassan, O'Neil  'Jr'"),
            vec!["Al", "Hassan", "O'Neil", "Jr"]
        );
        assert_eq!(normalise_document_number("AB 123-456"), "ab123456");
        assert_eq!(normalise_document_number("МЕ 123456"), "me123456");
    }

    #[test]
    fn apostrophes_inside_ukrainian_names() {
        assert_eq!(
            tokens("В'ячеслав Солов’йов"),
            vec!["В'ячеслав", "Солов’йов"]
        );
        for spelling in [
            "Viacheslav",
            "Vyacheslav",
            "Wiaczesław",
            "В’ячеслав",
            "Вʼячеслав",
        ] {
            assert!(
                shares_key("В'ячеслав", spelling, KeyKind::Skeleton),
                "{spelling}"
            );
        }
        assert!(shares_key("Мар'яна", "Mariana", KeyKind::Skeleton));
    }
}
