//! Realistic demo data: people of the nationalities the consortium serves, names in both
//! scripts, the four cities and six guarded centres, consultations over several years,
//! deadlines around today. Deterministic for a given seed.

use chrono::{Datelike, Duration, NaiveDate};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde::Serialize;

use punkt_model::client::{
    ClientFile, ConsentRecord, Consultation, Deadline, Identifier, LegalStatusEntry, Matter, Place,
    VulnerabilityRecord,
};
use punkt_model::names::{translit_georgian, translit_ru_icao, translit_uk_national};
use punkt_model::reference::{GUARDED_CENTRES, POINT_CITIES};
use punkt_model::vocab::{
    IdentifierKind, LegalStatus, MatterKind, MatterStatus, PlaceKind, Service, Sex, Vulnerability,
};
use punkt_model::{new_id, IsoDate, PartialDate};

use crate::error::{CoreError, Result};
use crate::Punkt;

mod people;
use people::*;

/// The member organisations of the demo consortium.
pub const DEMO_ORGANISATIONS: &[&str] = &[
    "Fundacja Pomocy Prawnej",
    "Stowarzyszenie Wsparcia Psychologicznego",
    "Fundacja Integracji Społecznej",
    "Centrum Doradztwa Zawodowego",
    "Fundacja Edukacja bez Granic",
    "Szkoła Języka Polskiego Most",
    "Stowarzyszenie Dach nad Głową",
    "Fundacja Praw Cudzoziemców",
    "Stowarzyszenie Lublin Otwarty",
];

#[derive(Clone, Copy)]
enum Script {
    Ukrainian,
    Russian,
    Georgian,
    /// Original given as (latin, original) pairs.
    Given,
    LatinOnly,
}

fn capitalise(s: &str) -> String {
    let mut out = String::new();
    let mut up = true;
    for ch in s.chars() {
        if up {
            out.extend(ch.to_uppercase());
        } else {
            out.push(ch);
        }
        up = ch == '-' || ch == ' ';
    }
    out
}

fn latin(script: Script, pair: (&str, &str)) -> (String, Option<String>) {
    let (lat, orig) = pair;
    match script {
        Script::Ukrainian => (
            capitalise(&translit_uk_national(orig)),
            Some(orig.to_string()),
        ),
        Script::Russian => (capitalise(&translit_ru_icao(orig)), Some(orig.to_string())),
        Script::Georgian => (capitalise(&translit_georgian(orig)), Some(orig.to_string())),
        Script::Given => (lat.to_string(), Some(orig.to_string())),
        Script::LatinOnly => (lat.to_string(), None),
    }
}

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

fn date_between(rng: &mut StdRng, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    let span = (to - from).num_days().max(1);
    from + Duration::days(rng.random_range(0..span))
}

const STAFF: &[&str] = &[
    "A. Nowak",
    "M. Kowalska",
    "P. Wiśniewski",
    "K. Wójcik",
    "J. Kamińska",
    "T. Lewandowski",
];
const RULES: &[&str] = &[
    "refugee-board-appeal",
    "wsa-complaint",
    "return-appeal",
    "detention-complaint",
    "residence-appeal",
    "accelerated-appeal",
    "restore-time-limit",
];

/// Build one demo client file.
pub fn demo_client(
    rng: &mut StdRng,
    organisation: &str,
    today: NaiveDate,
    now: &str,
) -> ClientFile {
    let total: u32 = NATIONALITIES.iter().map(|n| n.weight).sum();
    let mut w = rng.random_range(0..total);
    let nat = NATIONALITIES
        .iter()
        .find(|n| {
            if w < n.weight {
                true
            } else {
                w -= n.weight;
                false
            }
        })
        .expect("weights add up");
    let female = rng.random_bool(0.48);
    let (given, given_orig) = latin(
        nat.script,
        *pick(rng, if female { nat.female } else { nat.male }),
    );
    let (mut family, family_orig) = latin(nat.script, *pick(rng, nat.family));
    // Russian-style feminine surnames.
    let family_orig = match (nat.script, female, family_orig) {
        (Script::Russian, true, Some(f))
            if f.ends_with("ов") || f.ends_with("ев") || f.ends_with("ин") =>
        {
            family.push('a');
            Some(format!("{f}а"))
        }
        (_, _, f) => f,
    };
    let mut file = ClientFile::new(new_id(), organisation.to_string(), now.to_string());
    file.updated_at = now.to_string();
    let child = rng.random_bool(0.18);
    let year = if child {
        today.year() - rng.random_range(1..18)
    } else {
        today.year() - rng.random_range(18..75)
    };
    let birth = match rng.random_range(0..10) {
        0 | 1 => PartialDate::Year(year),
        2 => PartialDate::YearMonth(year, rng.random_range(1..=12)),
        _ => PartialDate::Day(
            NaiveDate::from_ymd_opt(year, rng.random_range(1..=12), rng.random_range(1..=28))
                .expect("valid"),
        ),
    };
    let p = &mut file.person;
    p.given_names = given;
    p.family_name = family;
    p.given_names_original = given_orig;
    p.family_name_original = family_orig;
    p.birth_date = Some(birth);
    p.birth_date_approximate = matches!(birth, PartialDate::Year(_)) && rng.random_bool(0.5);
    p.sex = if female { Sex::Female } else { Sex::Male };
    p.citizenships = vec![nat.code.to_string()];
    p.languages = nat
        .languages
        .iter()
        .take(rng.random_range(1..=2))
        .map(|l| l.to_string())
        .collect();
    if rng.random_bool(0.3) {
        p.languages.push("pl".into());
    }
    p.interpreter_needed = rng.random_bool(0.6);
    if rng.random_bool(0.7) {
        p.contact.phone = Some(format!(
            "+48 {} {:03} {:03}",
            rng.random_range(500..900),
            rng.random_range(0..1000),
            rng.random_range(0..1000)
        ));
    }
    if rng.random_bool(0.8) {
        let letters: String = (0..2)
            .map(|_| (b'A' + rng.random_range(0..26)) as char)
            .collect();
        p.identifiers.insert(
            new_id(),
            Identifier {
                kind: IdentifierKind::Passport,
                number: format!("{letters}{:07}", rng.random_range(0..10_000_000)),
                issued_by: None,
                valid_until: None,
            },
        );
    }
    let ukrainian = nat.code == "UA";
    let first_contact = date_between(
        rng,
        today - Duration::days(5 * 365),
        today - Duration::days(3),
    );
    // Legal status timeline.
    let status_path: &[LegalStatus] = if ukrainian {
        &[LegalStatus::TemporaryProtection]
    } else {
        match rng.random_range(0..6) {
            0 => &[LegalStatus::AsylumSeeker, LegalStatus::RefugeeStatus],
            1 => &[LegalStatus::AsylumSeeker, LegalStatus::SubsidiaryProtection],
            2 => &[
                LegalStatus::Irregular,
                LegalStatus::Detained,
                LegalStatus::AsylumSeeker,
            ],
            3 => &[LegalStatus::AsylumSeeker, LegalStatus::ReturnProcedure],
            4 => &[LegalStatus::Visa, LegalStatus::TemporaryResidence],
            _ => &[LegalStatus::AsylumSeeker],
        }
    };
    let detained = status_path.contains(&LegalStatus::Detained);
    let centre = pick(rng, GUARDED_CENTRES).to_string();
    let mut at = first_contact - Duration::days(rng.random_range(0..200));
    for s in status_path {
        file.legal_status.insert(
            new_id(),
            LegalStatusEntry {
                status: *s,
                from: Some(PartialDate::Day(at)),
                until: None,
                centre: (*s == LegalStatus::Detained).then(|| centre.clone()),
                purpose: None,
                note: None,
            },
        );
        at += Duration::days(rng.random_range(60..400));
        if at > today {
            break;
        }
    }
    if rng.random_bool(0.15) {
        let v = *pick(rng, Vulnerability::ALL);
        file.vulnerabilities.insert(
            v.as_str().to_string(),
            VulnerabilityRecord {
                flag: v,
                recorded_on: Some(IsoDate(first_contact)),
                note: None,
            },
        );
    }
    file.consents.insert(
        new_id(),
        ConsentRecord {
            clause: "Klauzula informacyjna RODO v3".into(),
            language: p_lang(&file),
            given_on: IsoDate(first_contact),
            recorded_by: Some(pick(rng, STAFF).to_string()),
            legal_basis: Some("art. 9 ust. 2 lit. f RODO".into()),
            withdrawn_on: None,
        },
    );
    let matter_id = new_id();
    let matter_kind = if ukrainian {
        MatterKind::TemporaryProtection
    } else if detained {
        MatterKind::Detention
    } else {
        *pick(
            rng,
            &[
                MatterKind::InternationalProtection,
                MatterKind::TemporaryResidence,
                MatterKind::Return,
                MatterKind::FamilyReunification,
            ],
        )
    };
    file.matters.insert(
        matter_id.clone(),
        Matter {
            kind: matter_kind,
            authority: Some(if detained {
                "Sąd Rejonowy".into()
            } else {
                "Szef UdSC".into()
            }),
            reference: Some(format!(
                "DPU.{}.{}.{}",
                rng.random_range(400..480),
                rng.random_range(1..9999),
                first_contact.year()
            )),
            status: if rng.random_bool(0.7) {
                MatterStatus::Open
            } else {
                MatterStatus::Closed
            },
            opened: Some(IsoDate(first_contact)),
            closed: None,
            note: None,
        },
    );
    let n_consultations = rng.random_range(1..=6);
    for _ in 0..n_consultations {
        let date = date_between(rng, first_contact, today);
        let place = if detained && rng.random_bool(0.7) {
            Place {
                kind: PlaceKind::Centre,
                city: None,
                centre: Some(centre.clone()),
            }
        } else if rng.random_bool(0.1) {
            Place {
                kind: PlaceKind::Remote,
                city: None,
                centre: None,
            }
        } else {
            Place {
                kind: PlaceKind::Point,
                city: Some(pick(rng, POINT_CITIES).to_string()),
                centre: None,
            }
        };
        let mut services = vec![if rng.random_bool(0.6) {
            Service::Legal
        } else {
            *pick(rng, Service::ALL)
        }];
        if rng.random_bool(0.2) {
            let s = *pick(rng, Service::ALL);
            if !services.contains(&s) {
                services.push(s);
            }
        }
        file.consultations.insert(
            new_id(),
            Consultation {
                date: IsoDate(date),
                place,
                services,
                organisation: if rng.random_bool(0.8) {
                    organisation.to_string()
                } else {
                    pick(rng, DEMO_ORGANISATIONS).to_string()
                },
                language: file.person.languages.first().cloned(),
                interpreter: file.person.interpreter_needed,
                duration_minutes: Some(*pick(rng, &[20, 30, 45, 60, 90])),
                staff: Some(pick(rng, STAFF).to_string()),
                matter_id: Some(matter_id.clone()),
                note: String::new(),
                project: None,
            },
        );
    }
    if rng.random_bool(0.25) {
        let rule = *pick(rng, RULES);
        let from = today - Duration::days(rng.random_range(0..25));
        let uncertain = rng.random_bool(0.2);
        if let Ok(due) = punkt_model::deadlines::RuleBook::built_in_ref().compute(
            rule,
            IsoDate(from),
            &punkt_model::deadlines::CountOptions::uncertain(uncertain),
        ) {
            file.deadlines.insert(
                new_id(),
                Deadline {
                    rule: rule.to_string(),
                    from: IsoDate(from),
                    uncertain,
                    due: due.due_date,
                    due_time: None,
                    from_time: None,
                    from_latest: None,
                    due_latest: None,
                    rules_version: Some(due.rules_version.clone()),
                    matter_id: Some(matter_id.clone()),
                    note: None,
                    done: rng.random_bool(0.2),
                },
            );
        }
    }
    if rng.random_bool(0.3) {
        file.summary.update(format!(
            "Pierwszy kontakt {}. Sprawa: {}. Klient potrzebuje pomocy w postępowaniu.",
            first_contact, matter_kind
        ));
    }
    file
}

fn p_lang(file: &ClientFile) -> String {
    file.person
        .languages
        .first()
        .cloned()
        .unwrap_or_else(|| "pl".into())
}

#[derive(Debug, Clone, Serialize)]
pub struct DemoSummary {
    pub clients: u64,
    pub consultations: u64,
    pub deadlines: u64,
}

impl Punkt {
    /// Add `n` demo client files (seeded: the same seed gives the same people), all in one
    /// transaction. Demo people go only into an empty store or one that already holds demo
    /// data, so they can never mix with real files in a report.
    ///
    /// The files are written whole, sensitive flags included; on a laptop whose role reads the
    /// medical section those flags then go to their section as any intake's would. On one
    /// whose role does not, they stay in the files, as an older release recorded them, until
    /// a reader's sync moves them.
    pub fn demo(&mut self, n: u64, seed: u64) -> Result<DemoSummary> {
        if self.store.count_clients()? > 0 && self.store.meta_value("demo")?.as_deref() != Some("1")
        {
            return Err(CoreError::Invalid(
                "this store holds real client files: demo data goes only into an empty store or a demo store".into(),
            ));
        }
        let mut rng = StdRng::seed_from_u64(seed);
        let today = self.today();
        let now = self.now();
        let now_text = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let org = self.organisation().to_string();
        let actor = self.actor.clone();
        let mut summary = DemoSummary {
            clients: 0,
            consultations: 0,
            deadlines: 0,
        };
        let mut batch = self.store.batch()?;
        batch.set_meta("demo", "1")?;
        let mut files = Vec::with_capacity(500);
        for i in 0..n {
            let f = demo_client(&mut rng, &org, today, &now_text);
            summary.consultations += f.consultations.len() as u64;
            summary.deadlines += f.deadlines.len() as u64;
            files.push(f);
            if files.len() == 500 || i + 1 == n {
                crate::insert_in(&mut batch, &actor, None, now, &files)?;
                summary.clients += files.len() as u64;
                files.clear();
            }
        }
        batch.commit()?;
        self.move_sensitive_flags(usize::MAX)?;
        Ok(summary)
    }
}
