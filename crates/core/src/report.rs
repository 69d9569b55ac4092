//! Reports for donors: unique people and consultations per service over a period, broken down
//! by sex, age band, citizenship, place, organisation and legal status. Computed from the index
//! (one query for the period's services, one for the status timelines), never from documents.
//!
//! Counting rules, stated so a donor can be told them:
//! - a person counts once per cell however many consultations they had;
//! - a consultation giving two services counts once under each service and once under "all";
//! - a person's age band is their age at their first consultation in the period (an unknown
//!   birthday counts as 1 January, so nobody is counted as a child for lack of it);
//! - a person's legal status is the one in force on the last day of the period;
//! - citizenship is the first one recorded ("stateless"/"unknown" otherwise).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::Path;

use chrono::NaiveDate;
use serde::Serialize;

use punkt_model::PartialDate;
use punkt_store::index::{ServiceFact, StatusRow};

use crate::error::{CoreError, Result};
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

/// The breakdown dimensions, in report order.
pub const DIMENSIONS: &[&str] = &[
    "sex",
    "age_band",
    "citizenship",
    "place",
    "organisation",
    "legal_status",
];

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Count {
    pub people: u64,
    pub consultations: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ReportRow {
    pub dimension: String,
    pub value: String,
    /// A service, or "all".
    pub service: String,
    pub people: u64,
    pub consultations: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Report {
    pub from: String,
    pub to: String,
    pub total: Count,
    /// Per service (and "all"), then per dimension value and service.
    pub rows: Vec<ReportRow>,
}

#[derive(Default)]
struct Cell {
    people: BTreeSet<String>,
    consultations: BTreeSet<String>,
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

fn status_on(rows: &[StatusRow], on: &str) -> String {
    rows.iter()
        .filter(|r| r.from_key.as_deref().unwrap_or("") <= on)
        .max_by(|a, b| {
            a.from_key
                .cmp(&b.from_key)
                .then(a.entry_id.cmp(&b.entry_id))
        })
        .map(|r| r.status.clone())
        .unwrap_or_else(|| "unknown".into())
}

/// Aggregate the facts of a period (pure: the tests call it with hand-made facts).
pub fn aggregate(
    from: NaiveDate,
    to: NaiveDate,
    facts: &[ServiceFact],
    statuses: &BTreeMap<String, Vec<StatusRow>>,
) -> Report {
    // Per person: the first consultation date in the period fixes the age band.
    let mut first: BTreeMap<&str, &str> = BTreeMap::new();
    for f in facts {
        let e = first.entry(&f.client_id).or_insert(&f.date);
        if f.date.as_str() < *e {
            *e = &f.date;
        }
    }
    let to_text = to.format("%Y-%m-%d").to_string();
    let empty = Vec::new();
    let mut cells: BTreeMap<(String, String, String), Cell> = BTreeMap::new();
    let mut total = Cell::default();
    for f in facts {
        let consultation = format!("{}/{}", f.client_id, f.consultation_id);
        total.people.insert(f.client_id.clone());
        total.consultations.insert(consultation.clone());
        let first_date =
            NaiveDate::parse_from_str(first[f.client_id.as_str()], "%Y-%m-%d").unwrap_or(from);
        let place = match f.place_kind.as_str() {
            "centre" => format!("{} (centre)", f.place),
            "remote" => "remote".to_string(),
            _ => f.place.clone(),
        };
        let mut add = |dimension: &str, value: String, service: &str| {
            let cell = cells
                .entry((dimension.to_string(), value, service.to_string()))
                .or_default();
            cell.people.insert(f.client_id.clone());
            cell.consultations.insert(consultation.clone());
        };
        add("service", f.service.clone(), &f.service);
        let values = [
            ("sex", f.sex.clone()),
            ("age_band", age_band(f.birth_date.as_deref(), first_date)),
            (
                "citizenship",
                f.citizenship.clone().unwrap_or_else(|| "unknown".into()),
            ),
            ("place", place),
            ("organisation", f.organisation.clone()),
            (
                "legal_status",
                status_on(statuses.get(&f.client_id).unwrap_or(&empty), &to_text),
            ),
        ];
        for (dim, value) in values {
            add(dim, value.clone(), &f.service);
            add(dim, value, "all");
        }
    }
    let dim_order = |d: &str| {
        if d == "service" {
            0
        } else {
            1 + DIMENSIONS.iter().position(|x| *x == d).unwrap_or(99)
        }
    };
    let mut rows: Vec<ReportRow> = cells
        .into_iter()
        .map(|((dimension, value, service), c)| ReportRow {
            dimension,
            value,
            service,
            people: c.people.len() as u64,
            consultations: c.consultations.len() as u64,
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
        total: Count {
            people: total.people.len() as u64,
            consultations: total.consultations.len() as u64,
        },
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
        let ids: BTreeSet<String> = facts.iter().map(|f| f.client_id.clone()).collect();
        let statuses = self.store.status_rows(&ids)?;
        Ok(aggregate(from, to, &facts, &statuses))
    }
}

impl Report {
    /// CSV: one row per cell, the total first.
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
                &r.dimension,
                &r.value,
                &r.service,
                &r.people.to_string(),
                &r.consultations.to_string(),
            ])
            .map_err(err)?;
        }
        w.into_inner().map_err(|e| CoreError::Export(e.to_string()))
    }

    /// XLSX: a summary sheet, then one sheet per dimension with people and consultations per
    /// value and service.
    pub fn to_xlsx(&self) -> Result<Vec<u8>> {
        use rust_xlsxwriter::{Format, Workbook};
        let err = |e: rust_xlsxwriter::XlsxError| CoreError::Export(e.to_string());
        let mut book = Workbook::new();
        let bold = Format::new().set_bold();
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
            let sheet = book.add_worksheet().set_name("Summary").map_err(err)?;
            sheet
                .write_string_with_format(0, 0, "Period", &bold)
                .map_err(err)?;
            sheet
                .write_string(0, 1, format!("{} – {}", self.from, self.to))
                .map_err(err)?;
            for (c, h) in ["Service", "People", "Consultations"].iter().enumerate() {
                sheet
                    .write_string_with_format(2, c as u16, *h, &bold)
                    .map_err(err)?;
            }
            let mut row = 3;
            sheet.write_string(row, 0, "all services").map_err(err)?;
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
                sheet.write_string(row, 0, &r.service).map_err(err)?;
                sheet.write_number(row, 1, r.people as f64).map_err(err)?;
                sheet
                    .write_number(row, 2, r.consultations as f64)
                    .map_err(err)?;
            }
            sheet.set_column_width(0, 20).map_err(err)?;
        }
        for dim in DIMENSIONS {
            let sheet = book.add_worksheet().set_name(*dim).map_err(err)?;
            sheet
                .write_string_with_format(0, 0, *dim, &bold)
                .map_err(err)?;
            let mut cols = vec!["all".to_string()];
            cols.extend(services.iter().cloned());
            for (i, s) in cols.iter().enumerate() {
                let c = 1 + 2 * i as u16;
                sheet
                    .write_string_with_format(0, c, format!("{s}: people"), &bold)
                    .map_err(err)?;
                sheet
                    .write_string_with_format(0, c + 1, format!("{s}: consultations"), &bold)
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
                sheet.write_string(row, 0, *v).map_err(err)?;
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

    pub fn to_json(&self) -> Result<Vec<u8>> {
        serde_json::to_vec_pretty(self).map_err(|e| CoreError::Export(e.to_string()))
    }

    /// Write the report to `path` in `format`, through a temporary file so a failed write
    /// never leaves half a report behind.
    pub fn write_to(&self, path: &Path, format: ReportFormat) -> Result<()> {
        let bytes = match format {
            ReportFormat::Csv => self.to_csv()?,
            ReportFormat::Xlsx => self.to_xlsx()?,
            ReportFormat::Json => self.to_json()?,
        };
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
