//! Import of an existing register from CSV: the spreadsheets the organisations keep today.
//!
//! The column mapping is documented in `docs/import.md`. Headers are matched case- and
//! diacritics-insensitively, in Polish or English; `;` or `,` as the separator is detected from
//! the header line. Rows for the same person (same folded names and birth date) become one
//! client file with several consultations. The import is all or nothing: every accepted row is
//! written in one transaction, and when any row is rejected nothing is written unless the caller
//! asks to skip invalid rows. A dry run validates and reports without writing.

use std::collections::BTreeMap;

use serde::Serialize;

use punkt_model::client::ClientFile;
use punkt_model::names::fold;

use crate::dto::{
    ClientInput, ConsultationInput, IdentifierInput, LegalStatusInput, OriginalNamesInput,
    PlaceInput,
};
use crate::error::{CoreError, Result};
use crate::indexing;
use crate::sync::SyncProgress;
use crate::Punkt;
use punkt_model::client::Consultation;

mod cells;
use cells::*;

/// The largest register accepted: about 100,000 rows, well past any organisation's.
pub const MAX_REGISTER_BYTES: usize = 32 << 20;

/// How many rows are checked, or files written, between two progress reports.
pub const PROGRESS_EVERY: u64 = 200;

/// A column Punkt understands, and the header names it is recognised by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Column {
    GivenNames,
    FamilyName,
    NamesOriginal,
    BirthDate,
    Sex,
    Citizenships,
    Languages,
    InterpreterNeeded,
    Phone,
    Email,
    Passport,
    Pesel,
    LegalStatus,
    ConsultationDate,
    Place,
    Services,
    ConsultationLanguage,
    Staff,
    Note,
}

/// Header names per column (folded; spaces, `-` and `_` are ignored when matching).
pub const COLUMN_NAMES: &[(Column, &[&str])] = &[
    (
        Column::GivenNames,
        &["given_names", "given_name", "first_name", "imie", "imiona"],
    ),
    (
        Column::FamilyName,
        &["family_name", "surname", "last_name", "nazwisko"],
    ),
    (
        Column::NamesOriginal,
        &[
            "names_original",
            "original_name",
            "imie_i_nazwisko_w_oryginale",
            "zapis_oryginalny",
            "pisownia_oryginalna",
        ],
    ),
    (
        Column::BirthDate,
        &[
            "birth_date",
            "date_of_birth",
            "data_urodzenia",
            "rok_urodzenia",
        ],
    ),
    (Column::Sex, &["sex", "gender", "plec"]),
    (
        Column::Citizenships,
        &["citizenships", "citizenship", "nationality", "obywatelstwo"],
    ),
    (
        Column::Languages,
        &["languages", "language", "jezyki", "jezyk"],
    ),
    (
        Column::InterpreterNeeded,
        &["interpreter_needed", "interpreter", "tlumacz"],
    ),
    (Column::Phone, &["phone", "telefon"]),
    (Column::Email, &["email", "e_mail"]),
    (Column::Passport, &["passport", "paszport", "nr_paszportu"]),
    (Column::Pesel, &["pesel"]),
    (
        Column::LegalStatus,
        &["legal_status", "status", "status_prawny"],
    ),
    (
        Column::ConsultationDate,
        &[
            "consultation_date",
            "date",
            "data",
            "data_konsultacji",
            "data_porady",
        ],
    ),
    (Column::Place, &["place", "miejsce", "punkt", "osrodek"]),
    (
        Column::Services,
        &["services", "service", "uslugi", "usluga", "rodzaj_wsparcia"],
    ),
    (
        Column::ConsultationLanguage,
        &["consultation_language", "jezyk_konsultacji"],
    ),
    (
        Column::Staff,
        &["staff", "counsellor", "doradca", "prawnik", "pracownik"],
    ),
    (Column::Note, &["note", "notes", "notatka", "uwagi"]),
];

fn header_key(h: &str) -> String {
    fold(h.trim().trim_start_matches('\u{feff}'))
        .chars()
        .map(|c| if c == ' ' || c == '-' { '_' } else { c })
        .collect()
}

fn column_for(header: &str) -> Option<Column> {
    let k = header_key(header);
    COLUMN_NAMES
        .iter()
        .find(|(_, names)| names.contains(&k.as_str()))
        .map(|(c, _)| *c)
}

/// One rejected row: its number as a spreadsheet shows it (the header is row 1), what kind of
/// fault it has (`code`, for the interface's own words), the field at fault where there is
/// one, and the reason in English with the values concerned.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RejectedRow {
    pub row: u64,
    /// `unreadable`, `empty`, `no_name`, `unknown_country`, `differs` (from an earlier row of
    /// the same person), `already_stored`, or a validation error's code (`invalid_date`,
    /// `invalid_input`).
    pub code: String,
    pub field: Option<String>,
    pub reason: String,
}

/// Why a row is refused, before its number is known to go with it.
pub(super) struct Refusal {
    code: String,
    field: Option<String>,
    reason: String,
}

impl Refusal {
    pub(super) fn new(code: &str, field: Option<&str>, reason: String) -> Refusal {
        Refusal {
            code: code.to_string(),
            field: field.map(str::to_string),
            reason,
        }
    }

    /// A date refused without naming its field: the one date the step validated.
    fn date_of(mut self, field: &str) -> Refusal {
        if self.code == "invalid_date" && self.field.is_none() {
            self.field = Some(field.to_string());
        }
        self
    }

    fn at(self, row: u64) -> RejectedRow {
        RejectedRow {
            row,
            code: self.code,
            field: self.field,
            reason: self.reason,
        }
    }
}

impl From<CoreError> for Refusal {
    fn from(e: CoreError) -> Refusal {
        Refusal {
            code: e.code().to_string(),
            field: e.field().map(str::to_string),
            reason: e.to_string(),
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ImportReport {
    pub dry_run: bool,
    /// True when the accepted rows were written.
    pub imported: bool,
    pub rows: u64,
    pub clients: u64,
    pub consultations: u64,
    pub rejected: Vec<RejectedRow>,
    /// Headers that map to no column (their values are not imported).
    pub ignored_columns: Vec<String>,
}

struct ParsedRow {
    row: u64,
    file: ClientFile,
    consultation: Option<Consultation>,
}

/// How to treat rejected rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportOptions {
    pub dry_run: bool,
    /// Import the valid rows even when some are rejected.
    pub skip_invalid: bool,
}

impl Punkt {
    /// Import a CSV register from `bytes`.
    pub fn import_csv(&mut self, bytes: &[u8], opts: ImportOptions) -> Result<ImportReport> {
        self.import_csv_with(bytes, opts, &mut |_| true)
    }

    /// [`Punkt::import_csv`], telling `progress` how far it is: rows checked (phase `check`),
    /// then files written (phase `write`), every [`PROGRESS_EVERY`] of them. When `progress`
    /// answers false the import stops there with [`CoreError::Stopped`] and nothing is
    /// written: the files are written in one transaction, which a stop rolls back.
    pub fn import_csv_with(
        &mut self,
        bytes: &[u8],
        opts: ImportOptions,
        progress: &mut dyn FnMut(SyncProgress) -> bool,
    ) -> Result<ImportReport> {
        if bytes.len() > MAX_REGISTER_BYTES {
            return Err(CoreError::ImportRefused(format!(
                "the file is {} MB; a register over {} MB is refused: split it into several files",
                bytes.len().div_ceil(1 << 20),
                MAX_REGISTER_BYTES >> 20
            )));
        }
        let text = std::str::from_utf8(bytes).map_err(|e| {
            CoreError::ImportRefused(format!(
                "the file is not UTF-8 text (byte {}): save it from the spreadsheet as \"CSV UTF-8\"",
                e.valid_up_to()
            ))
        })?;
        let first_line = text.lines().next().unwrap_or("");
        let delimiter = if first_line.matches(';').count() > first_line.matches(',').count() {
            b';'
        } else {
            b','
        };
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(false)
            .from_reader(text.as_bytes());
        let headers = reader
            .headers()
            .map_err(|e| CoreError::ImportRefused(format!("cannot read the header row: {e}")))?
            .clone();
        let columns: Vec<Option<Column>> = headers.iter().map(column_for).collect();
        let ignored_columns: Vec<String> = headers
            .iter()
            .zip(&columns)
            .filter(|(h, c)| c.is_none() && !h.trim().is_empty())
            .map(|(h, _)| h.to_string())
            .collect();
        if !columns.contains(&Some(Column::FamilyName))
            && !columns.contains(&Some(Column::GivenNames))
        {
            return Err(CoreError::ImportRefused(
                "no name column: the header needs family_name/nazwisko or given_names/imię (see docs/import.md)".into(),
            ));
        }
        let mut parsed = Vec::new();
        let mut rejected = Vec::new();
        let mut rows = 0;
        let records: Vec<_> = reader.records().collect();
        let total = records.len() as u64;
        for (i, record) in records.into_iter().enumerate() {
            if (i as u64).is_multiple_of(PROGRESS_EVERY)
                && !progress(SyncProgress {
                    phase: "check",
                    done: i as u64,
                    total,
                })
            {
                return Err(CoreError::Stopped);
            }
            let row = i as u64 + 2;
            rows += 1;
            let record = match record {
                Ok(r) => r,
                Err(e) => {
                    rejected.push(
                        Refusal::new("unreadable", None, format!("unreadable row: {e}")).at(row),
                    );
                    continue;
                }
            };
            let mut values: BTreeMap<Column, String> = BTreeMap::new();
            for (v, c) in record.iter().zip(&columns) {
                if let Some(c) = c {
                    if !v.trim().is_empty() {
                        values.insert(*c, v.trim().to_string());
                    }
                }
            }
            if values.is_empty() {
                if record.iter().all(|v| v.trim().is_empty()) {
                    rows -= 1; // an empty line at the end of a spreadsheet is not a row
                } else {
                    rejected.push(
                        Refusal::new(
                            "empty",
                            None,
                            "no column Punkt knows is filled in on this row".into(),
                        )
                        .at(row),
                    );
                }
                continue;
            }
            match self.parse_row(row, values) {
                Ok(p) => parsed.push(p),
                Err(refusal) => rejected.push(refusal.at(row)),
            }
        }
        progress(SyncProgress {
            phase: "check",
            done: total,
            total,
        });
        // Rows of the same person (same identity key: names and birth date) make one file.
        let mut people: BTreeMap<String, (ClientFile, u64)> = BTreeMap::new();
        let mut consultations = 0;
        let mut order = Vec::new();
        for p in parsed {
            let key = indexing::identity_key(&p.file).unwrap_or_else(|| p.file.id.clone());
            match people.get_mut(&key) {
                Some((file, first_row)) => {
                    if let Err(refusal) = merge_person(file, &p.file, *first_row) {
                        rejected.push(refusal.at(p.row));
                        continue;
                    }
                }
                None => {
                    let existing = self.store.clients_with_identity(&key)?;
                    if let Some(c) = existing.first() {
                        rejected.push(
                            Refusal::new(
                                "already_stored",
                                None,
                                format!(
                                    "this person is already in the store (client {}): add the consultation there",
                                    c.id
                                ),
                            )
                            .at(p.row),
                        );
                        continue;
                    }
                    order.push(key.clone());
                    people.insert(key.clone(), (p.file, p.row));
                }
            }
            if let Some(c) = p.consultation {
                let (file, _) = people.get_mut(&key).expect("inserted above");
                file.consultations.insert(punkt_model::new_id(), c);
                consultations += 1;
            }
        }
        rejected.sort_by_key(|r| r.row);
        let files: Vec<ClientFile> = order
            .iter()
            .filter_map(|k| people.remove(k).map(|(f, _)| f))
            .collect();
        let mut report = ImportReport {
            dry_run: opts.dry_run,
            imported: false,
            rows,
            clients: files.len() as u64,
            consultations,
            rejected,
            ignored_columns,
        };
        if opts.dry_run || (!report.rejected.is_empty() && !opts.skip_invalid) {
            return Ok(report);
        }
        self.insert_clients_with(&files, None, PROGRESS_EVERY as usize, &mut |done| {
            progress(SyncProgress {
                phase: "write",
                done: done as u64,
                total: files.len() as u64,
            })
        })?;
        report.imported = true;
        Ok(report)
    }

    fn parse_row(
        &self,
        row: u64,
        mut v: BTreeMap<Column, String>,
    ) -> std::result::Result<ParsedRow, Refusal> {
        let mut take = |c: Column| v.remove(&c);
        let given = take(Column::GivenNames);
        let family = take(Column::FamilyName);
        let original = take(Column::NamesOriginal);
        if given.is_none() && family.is_none() && original.is_none() {
            return Err(Refusal::new(
                "no_name",
                None,
                "no name: fill given_names or family_name".into(),
            ));
        }
        let birth = take(Column::BirthDate);
        let mut citizenships = Vec::new();
        if let Some(c) = take(Column::Citizenships) {
            for part in list(&c) {
                citizenships.push(country(&part).ok_or_else(|| {
                    Refusal::new(
                        "unknown_country",
                        Some("citizenships"),
                        format!("unknown citizenship '{part}': use an ISO code such as UA or a country name"),
                    )
                })?);
            }
        }
        let mut identifiers = Vec::new();
        if let Some(p) = take(Column::Passport) {
            identifiers.push(IdentifierInput {
                id: None,
                kind: "passport".into(),
                number: p,
                issued_by: None,
                valid_until: None,
            });
        }
        if let Some(p) = take(Column::Pesel) {
            identifiers.push(IdentifierInput {
                id: None,
                kind: "pesel".into(),
                number: p,
                issued_by: None,
                valid_until: None,
            });
        }
        let legal_status = take(Column::LegalStatus).map(|s| {
            vec![LegalStatusInput {
                id: None,
                status: s,
                from: None,
                until: None,
                centre: None,
                purpose: None,
                note: None,
            }]
        });
        let client = ClientInput {
            given_names: given,
            family_name: family,
            names_original: original.map(OriginalNamesInput::Full),
            birth_date: birth,
            sex: take(Column::Sex).map(|s| sex(&s)),
            citizenships: Some(citizenships),
            languages: take(Column::Languages).map(|l| list(&l)),
            interpreter_needed: take(Column::InterpreterNeeded).map(|s| yes(&s)),
            contact: match (take(Column::Phone), take(Column::Email)) {
                (None, None) => None,
                (phone, email) => Some(crate::dto::ContactInput {
                    phone,
                    email,
                    address: None,
                    note: None,
                }),
            },
            identifiers: Some(identifiers),
            legal_status,
            ..Default::default()
        };
        // Validate the person and the consultation now, so the row number goes with the reason.
        // The person's one date here is the birth date, the consultation's its day.
        let file = self
            .prepare_client(client)
            .map_err(|e| Refusal::from(e).date_of("birth_date"))?;
        let consultation = match take(Column::ConsultationDate) {
            Some(date) => Some(
                ConsultationInput {
                    date,
                    place: place(take(Column::Place).as_deref().unwrap_or("")),
                    services: take(Column::Services)
                        .map(|s| list(&s).iter().map(|x| service_alias(x)).collect())
                        .unwrap_or_else(|| vec!["legal".into()]),
                    language: take(Column::ConsultationLanguage),
                    interpreter: false,
                    duration_minutes: None,
                    staff: take(Column::Staff),
                    matter_id: None,
                    note: take(Column::Note).unwrap_or_default(),
                    organisation: None,
                    project: None,
                }
                .into_consultation(self.organisation())
                .map_err(|e| Refusal::from(e).date_of("consultation.date"))?,
            ),
            None => None,
        };
        Ok(ParsedRow {
            row,
            file,
            consultation,
        })
    }
}
