//! Reports for donors: unique people and consultations per service over a period, broken down
//! by sex, age band, citizenship, place, organisation and legal status. Computed from the index
//! (one query for the period's services, one for the status timelines), never from documents.
//!
//! Counting rules, stated so a donor can be told them:
//! - a person counts once per cell however many consultations they had;
//! - a consultation giving two services counts once under each service and once under "all";
//! - a person's age band is their age at their first consultation in the period (an unknown
//!   birthday counts as 1 January, so nobody is counted as a child for lack of it);
//! - a person's legal status is their residence or protection status in force on the last
//!   day of the period; beside it, "procedure" counts them under each of detention, return
//!   and Dublin transfer in force that day (a detained asylum seeker counts under
//!   `asylum_seeker` and `detained`), or `none`;
//! - citizenship is the first one recorded ("stateless"/"unknown" otherwise).

use std::collections::{BTreeSet, HashMap};
use std::io::Write;
use std::path::Path;

use chrono::NaiveDate;
use serde::Serialize;

use punkt_model::client::status_in_force;
use punkt_model::vocab::{LegalStatus, Track};
use punkt_model::PartialDate;
use punkt_store::index::{ServiceFact, StatusRow};

use crate::error::{CoreError, Result};
use crate::labels::Labels;
use crate::Punkt;

/// The age bands of every report; children (0–17) always separately.
pub const AGE_BANDS: &[(i32, i32, &str)] = &[
    (0, 17, "0-17"),
    (18, 24, "18-24"),
    (25, 34, "25-34"),
    (35, 44, "35-44"),
    (45, 59, "45-59"),
    (60, 200, "60+"),
];

/// A worksheet's name: at most 31 characters, none of `[]:*?/\\`.
fn sheet_name(title: &str) -> String {
    title
        .chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take(31)
        .collect()
}

/// The breakdown dimensions, in report order.
pub const DIMENSIONS: &[&str] = &[
    "sex",
    "age_band",
    "citizenship",
    "place",
    "organisation",
    "legal_status",
    "procedure",
];

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Count {
    pub people: u64,
    pub consultations: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReportRow {
    pub dimension: String,
    pub value: String,
    /// A service, or "all".
    pub service: String,
    pub people: u64,
    pub consultations: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Report {
    pub from: String,
    pub to: String,
    pub total: Count,
    /// Per service (and "all"), then per dimension value and service.
    pub rows: Vec<ReportRow>,
}

fn age_band(birth: Option<&str>, on: NaiveDate) -> String {
    let Some(b) = birth.and_then(|b| b.parse::<PartialDate>().ok()) else {
        return "unknown".into();
    };
    let age = b.age_on(on);
    AGE_BANDS
        .iter()
        .find(|(lo, hi, _)| (*lo..=*hi).contains(&age))
        .map(|(_, _, l)| l.to_string())
        .unwrap_or_else(|| "unknown".into())
}

fn track_of(status: &str) -> Track {
    status
        .parse::<LegalStatus>()
        .map(|s| s.track())
        .unwrap_or(Track::Residence)
}

/// The residence or protection status in force on `on`.
fn status_on(rows: &[StatusRow], on: &str) -> String {
    track_status(rows, on, Track::Residence).unwrap_or_else(|| "unknown".into())
}

/// The detention, return and Dublin statuses in force on `on`, or `none`.
fn procedures_on(rows: &[StatusRow], on: &str) -> Vec<String> {
    let found: Vec<String> = [Track::Detention, Track::Return, Track::Dublin]
        .into_iter()
        .filter_map(|t| track_status(rows, on, t))
        .collect();
    if found.is_empty() {
        vec!["none".into()]
    } else {
        found
    }
}

fn track_status(rows: &[StatusRow], on: &str, track: Track) -> Option<String> {
    let rows: Vec<&StatusRow> = rows
        .iter()
        .filter(|r| track_of(&r.status) == track)
        .collect();
    status_in_force(
        rows.iter().map(|r| {
            (
                r.entry_id.as_str(),
                r.from_key.as_deref(),
                r.until_key.as_deref(),
            )
        }),
        on,
    )
    .map(|i| rows[i].status.clone())
}

/// Interns strings to small integers, so cells are keyed by integers, not strings.
#[derive(Default)]
struct Interner {
    ids: HashMap<String, u32>,
}

impl Interner {
    fn id(&mut self, s: &str) -> u32 {
        if let Some(i) = self.ids.get(s) {
            return *i;
        }
        let n = self.ids.len() as u32;
        self.ids.insert(s.to_string(), n);
        n
    }

    fn names(self) -> HashMap<u32, String> {
        self.ids.into_iter().map(|(s, i)| (i, s)).collect()
    }
}

/// Distinct people and consultations of one cell. Facts are visited grouped by person and, within
/// a person, by consultation, so "distinct" is "different from the last one this cell counted".
struct Cell {
    people: u64,
    consultations: u64,
    last_person: u32,
    last_consultation: u32,
}

impl Default for Cell {
    fn default() -> Self {
        Cell {
            people: 0,
            consultations: 0,
            last_person: u32::MAX,
            last_consultation: u32::MAX,
        }
    }
}

impl Cell {
    fn add(&mut self, person: u32, consultation: u32) {
        if person != self.last_person {
            self.people += 1;
            self.last_person = person;
        }
        if consultation != self.last_consultation {
            self.consultations += 1;
            self.last_consultation = consultation;
        }
    }

    fn count(&self) -> Count {
        Count {
            people: self.people,
            consultations: self.consultations,
        }
    }
}

/// Aggregate the facts of a period (pure: the tests call it with hand-made facts).
pub fn aggregate(
    from: NaiveDate,
    to: NaiveDate,
    facts: &[ServiceFact],
    statuses: &HashMap<String, Vec<StatusRow>>,
) -> Report {
    let to_text = to.format("%Y-%m-%d").to_string();
    // Visit facts grouped by person, then consultation (see `Cell`).
    let mut order: Vec<&ServiceFact> = facts.iter().collect();
    order.sort_unstable_by(|a, b| {
        (&a.client_id, &a.consultation_id, &a.date).cmp(&(
            &b.client_id,
            &b.consultation_id,
            &b.date,
        ))
    });
    let empty = Vec::new();
    let mut values = Interner::default();
    let all = values.id("all");
    let mut places: HashMap<(&str, &str), String> = HashMap::new();
    for f in facts {
        places
            .entry((f.place_kind.as_str(), f.place.as_str()))
            .or_insert_with(|| match f.place_kind.as_str() {
                "centre" => format!("{} (centre)", f.place),
                "remote" => "remote".to_string(),
                _ => f.place.clone(),
            });
    }
    let mut cells: HashMap<(u8, u32, u32), Cell> = HashMap::new();
    let mut total = Cell::default();
    let mut person: u32 = 0;
    let mut consultation: u32 = 0;
    let mut i = 0;
    while i < order.len() {
        // One person: their facts are order[i..j].
        let client = &order[i].client_id;
        let j = i + order[i..]
            .iter()
            .take_while(|f| &f.client_id == client)
            .count();
        let first_date = order[i..j]
            .iter()
            .map(|f| f.date.as_str())
            .min()
            .unwrap_or("");
        let first_date = NaiveDate::parse_from_str(first_date, "%Y-%m-%d").unwrap_or(from);
        let f0 = order[i];
        let sex = values.id(&f0.sex);
        let age = age_band(f0.birth_date.as_deref(), first_date);
        let citizenship = f0.citizenship.clone().unwrap_or_else(|| "unknown".into());
        let rows = statuses.get(client.as_str()).unwrap_or(&empty);
        let status = status_on(rows, &to_text);
        let mut person_dims = vec![
            (1u8, sex),
            (2, values.id(&age)),
            (3, values.id(&citizenship)),
            (6, values.id(&status)),
        ];
        for p in procedures_on(rows, &to_text) {
            person_dims.push((7, values.id(&p)));
        }
        let mut last_consultation: Option<&str> = None;
        for f in &order[i..j] {
            if last_consultation != Some(f.consultation_id.as_str()) {
                if last_consultation.is_some() {
                    consultation += 1;
                }
                last_consultation = Some(&f.consultation_id);
            }
            total.add(person, consultation);
            let service = values.id(&f.service);
            cells
                .entry((0, service, service))
                .or_default()
                .add(person, consultation);
            let place = values.id(&places[&(f.place_kind.as_str(), f.place.as_str())]);
            let organisation = values.id(&f.organisation);
            for (d, v) in person_dims
                .iter()
                .copied()
                .chain([(4, place), (5, organisation)])
            {
                for s in [service, all] {
                    cells
                        .entry((d, v, s))
                        .or_default()
                        .add(person, consultation);
                }
            }
        }
        consultation += 1;
        person += 1;
        i = j;
    }
    let names: HashMap<u32, String> = values.names();
    let dim_order = |d: &str| {
        if d == "service" {
            0
        } else {
            1 + DIMENSIONS.iter().position(|x| *x == d).unwrap_or(99)
        }
    };
    let mut rows: Vec<ReportRow> = cells
        .into_iter()
        .map(|((dim, value, service), c)| ReportRow {
            dimension: if dim == 0 {
                "service"
            } else {
                DIMENSIONS[dim as usize - 1]
            }
            .to_string(),
            value: names[&value].clone(),
            service: names[&service].clone(),
            people: c.people,
            consultations: c.consultations,
        })
        .collect();
    rows.sort_by(|a, b| {
        dim_order(&a.dimension)
            .cmp(&dim_order(&b.dimension))
            .then_with(|| a.value.cmp(&b.value))
            .then_with(|| (a.service != "all").cmp(&(b.service != "all")))
            .then_with(|| a.service.cmp(&b.service))
    });
    Report {
        from: from.to_string(),
        to: to_text,
        total: total.count(),
        rows,
    }
}

/// The output formats of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    Csv,
    Xlsx,
    Json,
}

impl std::str::FromStr for ReportFormat {
    type Err = CoreError;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "csv" => Ok(ReportFormat::Csv),
            "xlsx" => Ok(ReportFormat::Xlsx),
            "json" => Ok(ReportFormat::Json),
            other => Err(CoreError::Invalid(format!(
                "unknown report format '{other}': use csv, xlsx or json"
            ))),
        }
    }
}

impl Punkt {
    /// The report for `from`..=`to`.
    pub fn report(&self, from: NaiveDate, to: NaiveDate) -> Result<Report> {
        if from > to {
            return Err(CoreError::Invalid(format!(
                "the period starts ({from}) after it ends ({to})"
            )));
        }
        let facts = self
            .store
            .service_facts(&from.to_string(), &to.to_string())?;
        let statuses = self.store.all_status_rows()?;
        Ok(aggregate(from, to, &facts, &statuses))
    }

    /// The report for `from`..=`to` in `format`, as an export recorded for the audit log.
    pub fn export_report(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        format: ReportFormat,
        lang: &str,
    ) -> Result<(Report, Vec<u8>)> {
        let report = self.report(from, to)?;
        let bytes = report.to_bytes(format, lang)?;
        self.record_event(
            "export",
            None,
            &format!(
                "report {from}..{to} ({})",
                format!("{format:?}").to_lowercase()
            ),
        )?;
        Ok((report, bytes))
    }
}

/// A text cell a spreadsheet would take for a formula (it starts with `=`, `+`, `-`, `@`, a
/// tab or a carriage return) gets a leading `'`: a city or an organisation typed as
/// `=HYPERLINK(...)` must not run when a donor opens the file.
fn spreadsheet_text(s: &str) -> std::borrow::Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}").into()
    } else {
        s.into()
    }
}

impl Report {
    /// CSV: one row per cell, the total first. Text cells are [`spreadsheet_text`].
    pub fn to_csv(&self) -> Result<Vec<u8>> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let err = |e: csv::Error| CoreError::Export(e.to_string());
        w.write_record([
            "period_from",
            "period_to",
            "dimension",
            "value",
            "service",
            "people",
            "consultations",
        ])
        .map_err(err)?;
        w.write_record([
            self.from.as_str(),
            self.to.as_str(),
            "total",
            "all",
            "all",
            &self.total.people.to_string(),
            &self.total.consultations.to_string(),
        ])
        .map_err(err)?;
        for r in &self.rows {
            w.write_record([
                self.from.as_str(),
                self.to.as_str(),
                &spreadsheet_text(&r.dimension),
                &spreadsheet_text(&r.value),
                &spreadsheet_text(&r.service),
                &r.people.to_string(),
                &r.consultations.to_string(),
            ])
            .map_err(err)?;
        }
        w.into_inner().map_err(|e| CoreError::Export(e.to_string()))
    }

    /// XLSX, for people: a summary sheet, then one sheet per dimension with people and
    /// consultations per value and service, every heading and vocabulary value in `lang`
    /// (pl, en, uk, ru). CSV and JSON keep the codes, for programs.
    pub fn to_xlsx(&self, lang: &str) -> Result<Vec<u8>> {
        use rust_xlsxwriter::{Format, Workbook};
        let l = Labels::for_lang(lang)?;
        let err = |e: rust_xlsxwriter::XlsxError| CoreError::Export(e.to_string());
        let mut book = Workbook::new();
        let bold = Format::new().set_bold();
        let service_name = |s: &str| {
            if s == "all" {
                l.text("report", "all")
            } else {
                l.vocab("service", s)
            }
        };
        let value_name = |dim: &str, v: &str| match (dim, v) {
            (_, "unknown") => l.text("report", "unknown"),
            ("sex", v) => l.vocab("sex", v),
            ("legal_status", v) => l.vocab("legal_status", v),
            ("procedure", "none") => l.text("report", "none"),
            ("procedure", v) => l.vocab("legal_status", v),
            ("place", "remote") => l.vocab("place", "remote"),
            ("place", v) => match v.strip_suffix(" (centre)") {
                Some(c) => format!("{c} ({})", l.text("report", "centre")),
                None => v.to_string(),
            },
            (_, v) => v.to_string(),
        };
        let services: Vec<String> = {
            let mut s: Vec<String> = self
                .rows
                .iter()
                .filter(|r| r.dimension == "service" && r.service != "all")
                .map(|r| r.service.clone())
                .collect();
            s.dedup();
            s
        };
        {
            let sheet = book
                .add_worksheet()
                .set_name(sheet_name(&l.text("report", "summary")))
                .map_err(err)?;
            sheet
                .write_string_with_format(0, 0, l.text("report", "period"), &bold)
                .map_err(err)?;
            sheet
                .write_string(0, 1, format!("{} – {}", self.from, self.to))
                .map_err(err)?;
            sheet
                .write_string(1, 0, l.text("report", "note"))
                .map_err(err)?;
            for (c, h) in ["service", "people", "consultations"].iter().enumerate() {
                sheet
                    .write_string_with_format(3, c as u16, l.text("report", h), &bold)
                    .map_err(err)?;
            }
            let mut row = 4;
            sheet
                .write_string(row, 0, l.text("report", "all"))
                .map_err(err)?;
            sheet
                .write_number(row, 1, self.total.people as f64)
                .map_err(err)?;
            sheet
                .write_number(row, 2, self.total.consultations as f64)
                .map_err(err)?;
            for r in self
                .rows
                .iter()
                .filter(|r| r.dimension == "service" && r.service != "all")
            {
                row += 1;
                sheet
                    .write_string(row, 0, service_name(&r.service))
                    .map_err(err)?;
                sheet.write_number(row, 1, r.people as f64).map_err(err)?;
                sheet
                    .write_number(row, 2, r.consultations as f64)
                    .map_err(err)?;
            }
            sheet.set_column_width(0, 24).map_err(err)?;
        }
        let (people, consultations) = (
            l.text("report", "people"),
            l.text("report", "consultations"),
        );
        for dim in DIMENSIONS {
            let title = l.text("report", dim);
            let sheet = book
                .add_worksheet()
                .set_name(sheet_name(&title))
                .map_err(err)?;
            sheet
                .write_string_with_format(0, 0, &title, &bold)
                .map_err(err)?;
            let mut cols = vec!["all".to_string()];
            cols.extend(services.iter().cloned());
            for (i, s) in cols.iter().enumerate() {
                let c = 1 + 2 * i as u16;
                let name = service_name(s);
                sheet
                    .write_string_with_format(0, c, format!("{name}: {people}"), &bold)
                    .map_err(err)?;
                sheet
                    .write_string_with_format(0, c + 1, format!("{name}: {consultations}"), &bold)
                    .map_err(err)?;
            }
            let values: BTreeSet<&str> = self
                .rows
                .iter()
                .filter(|r| r.dimension == *dim)
                .map(|r| r.value.as_str())
                .collect();
            for (ri, v) in values.iter().enumerate() {
                let row = 1 + ri as u32;
                sheet
                    .write_string(row, 0, value_name(dim, v))
                    .map_err(err)?;
                for (i, s) in cols.iter().enumerate() {
                    let c = 1 + 2 * i as u16;
                    let cell = self
                        .rows
                        .iter()
                        .find(|r| r.dimension == *dim && r.value == *v && &r.service == s);
                    let (p, k) = cell.map(|r| (r.people, r.consultations)).unwrap_or((0, 0));
                    sheet.write_number(row, c, p as f64).map_err(err)?;
                    sheet.write_number(row, c + 1, k as f64).map_err(err)?;
                }
            }
            sheet.set_column_width(0, 28).map_err(err)?;
        }
        book.save_to_buffer().map_err(err)
    }

    /// The report in `format`; `lang` names what people read (XLSX only).
    pub fn to_bytes(&self, format: ReportFormat, lang: &str) -> Result<Vec<u8>> {
        match format {
            ReportFormat::Csv => self.to_csv(),
            ReportFormat::Xlsx => self.to_xlsx(lang),
            ReportFormat::Json => self.to_json(),
        }
    }

    pub fn to_json(&self) -> Result<Vec<u8>> {
        serde_json::to_vec_pretty(self).map_err(|e| CoreError::Export(e.to_string()))
    }

    /// Write the report to `path` in `format`, through a temporary file so a failed write
    /// never leaves half a report behind.
    pub fn write_to(&self, path: &Path, format: ReportFormat, lang: &str) -> Result<()> {
        let bytes = self.to_bytes(format, lang)?;
        let tmp = path.with_extension("partial");
        {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&bytes)?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, path)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

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
        let r = aggregate(from, to, &facts, &statuses);
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
        facts: &[ServiceFact],
        statuses: &HashMap<String, Vec<StatusRow>>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> BTreeMap<(String, String, String), (usize, usize)> {
        let mut first: BTreeMap<&str, &str> = BTreeMap::new();
        for f in facts {
            let e = first.entry(&f.client_id).or_insert(&f.date);
            if f.date.as_str() < *e {
                *e = &f.date;
            }
        }
        let mut cells: BTreeMap<Key, (BTreeSet<String>, BTreeSet<String>)> = BTreeMap::new();
        let to_text = to.to_string();
        for f in facts {
            let first_date =
                NaiveDate::parse_from_str(first[f.client_id.as_str()], "%Y-%m-%d").unwrap_or(from);
            let place = if f.place_kind == "centre" {
                format!("{} (centre)", f.place)
            } else {
                f.place.clone()
            };
            let mut keys = vec![("service".to_string(), f.service.clone(), f.service.clone())];
            let rows = statuses
                .get(&f.client_id)
                .map(|v| v.as_slice())
                .unwrap_or(&[]);
            let status = status_on(rows, &to_text);
            let procedures = procedures_on(rows, &to_text)
                .into_iter()
                .map(|p| ("procedure", p));
            for (d, v) in [
                ("sex", f.sex.clone()),
                ("age_band", age_band(f.birth_date.as_deref(), first_date)),
                (
                    "citizenship",
                    f.citizenship.clone().unwrap_or("unknown".into()),
                ),
                ("place", place),
                ("organisation", f.organisation.clone()),
                ("legal_status", status),
            ]
            .into_iter()
            .chain(procedures)
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
            let from = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
            let to = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
            let r = aggregate(from, to, &facts, &statuses);
            let got: BTreeMap<(String, String, String), (usize, usize)> = r
                .rows
                .iter()
                .map(|x| ((x.dimension.clone(), x.value.clone(), x.service.clone()), (x.people as usize, x.consultations as usize)))
                .collect();
            prop_assert_eq!(got, naive(&facts, &statuses, from, to));
            let people: BTreeSet<&str> = facts.iter().map(|f| f.client_id.as_str()).collect();
            prop_assert_eq!(r.total.people as usize, people.len());
        }
    }
}
