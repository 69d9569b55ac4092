//! Reports for donors: unique people and consultations per service over a period, broken down
//! by sex, age band, citizenship, language, place, organisation, project, legal status,
//! procedure and vulnerability; and the period's group activities by headcount. Computed from
//! the index (one query for the period's services, one each for the status timelines, the
//! vulnerabilities and the activities), never from documents.
//!
//! Counting rules, stated so a donor can be told them:
//! - a person counts once per cell however many consultations they had;
//! - a consultation giving two services counts once under each service and once under "all";
//! - a person's age band is their age at their first consultation in the period (an unknown
//!   birthday counts as 1 January, so nobody is counted as a child for lack of it); the bands
//!   are the report's own ([`AgeBands`], by default 0–4, 5–11, 12–17, 18–59, 60+);
//! - a person's legal status is their residence or protection status in force on the last
//!   day of the period; beside it, "procedure" counts them under each of detention, return
//!   and Dublin transfer in force that day (a detained asylum seeker counts under
//!   `asylum_seeker` and `detained`), or `none`;
//! - a person counts under each vulnerability recorded by the last day of the period (or
//!   undated), or under `none`;
//! - citizenship is the first one recorded ("stateless"/"unknown" otherwise), language the
//!   first the person speaks (Dari `prs` apart from Farsi `fa`);
//! - place, organisation and project are the consultation's: a person seen in two places
//!   counts in both;
//! - a report for one project counts only the consultations and activities tagged with it;
//! - group activities are counted by headcount, not by person (the same person at two
//!   trainings is two participants), and women, men and children only where recorded.
//!
//! An export that leaves the organisation ([`Disclosure::External`], the default) shows every
//! count of people from 1 to 4 as "<5", and in a breakdown where that would leave exactly one
//! hidden cell, the next smallest too, so it cannot be worked out from the total.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use punkt_model::client::status_in_force;
use punkt_model::organisation::project_code;
use punkt_model::vocab::{LegalStatus, Track};
use punkt_model::{ModelError, PartialDate};
use punkt_store::index::{ActivityRow, ServiceFact, StatusRow, Vulnerabilities};

use crate::error::{CoreError, Result};
use crate::labels::Labels;
use crate::Punkt;

mod aggregate;
mod export;
mod suppression;
#[cfg(test)]
mod tests;

pub use aggregate::{aggregate, Facts};
use suppression::*;
pub use suppression::{Hide, Suppression, COMPLEMENT};

/// The age bands of a report unless it names others: what UNHCR and most donors ask for.
pub const DEFAULT_AGE_BANDS: &[u32] = &[0, 5, 12, 18, 60];
/// At most this many bands.
pub const MAX_AGE_BANDS: usize = 16;
/// Counts of people below this are shown as "<5" in exports leaving the organisation.
pub const SMALL_CELL: u64 = 5;
/// What a suppressed count is shown as.
pub const SUPPRESSED: &str = "<5";

/// A report's age bands, by their lower bounds: `[0, 5, 12, 18, 60]` is 0–4, 5–11, 12–17,
/// 18–59 and 60+.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgeBands(Vec<u32>);

impl Default for AgeBands {
    fn default() -> Self {
        AgeBands(DEFAULT_AGE_BANDS.to_vec())
    }
}

impl AgeBands {
    /// Bands from their lower bounds: the first 0, each above the one before, none over 120.
    pub fn new(bounds: Vec<u32>) -> Result<AgeBands> {
        let bad =
            |why: String| -> Result<AgeBands> { Err(ModelError::field("age_bands", why).into()) };
        if bounds.first() != Some(&0) {
            return bad("the first band starts at 0".into());
        }
        if bounds.len() > MAX_AGE_BANDS {
            return bad(format!("at most {MAX_AGE_BANDS} bands"));
        }
        if let Some(w) = bounds.windows(2).find(|w| w[1] <= w[0]) {
            return bad(format!("{} does not come after {}", w[1], w[0]));
        }
        if bounds.iter().any(|b| *b > 120) {
            return bad("no band starts above 120".into());
        }
        Ok(AgeBands(bounds))
    }

    /// Bands typed as their lower bounds, "0,5,12,18,60" (spaces allowed).
    pub fn parse(text: &str) -> Result<AgeBands> {
        let bounds = text
            .split(',')
            .map(|b| b.trim().parse::<u32>())
            .collect::<std::result::Result<Vec<u32>, _>>()
            .map_err(|_| {
                CoreError::from(ModelError::field(
                    "age_bands",
                    format!("'{text}' is not a list of ages such as 0,5,12,18,60"),
                ))
            })?;
        AgeBands::new(bounds)
    }

    pub fn bounds(&self) -> &[u32] {
        &self.0
    }

    /// The bands' names in order: "0-4", ..., "60+".
    pub fn labels(&self) -> Vec<String> {
        (0..self.0.len()).map(|i| self.label(i)).collect()
    }

    fn label(&self, i: usize) -> String {
        match self.0.get(i + 1) {
            Some(next) if *next == self.0[i] + 1 => self.0[i].to_string(),
            Some(next) => format!("{}-{}", self.0[i], next - 1),
            None => format!("{}+", self.0[i]),
        }
    }

    /// The band of someone born `birth` on day `on`, or `unknown`.
    fn band(&self, birth: Option<&str>, on: NaiveDate) -> String {
        let Some(b) = birth.and_then(|b| b.parse::<PartialDate>().ok()) else {
            return "unknown".into();
        };
        let age = b.age_on(on);
        if age < 0 {
            return "unknown".into();
        }
        match self.0.iter().rposition(|lo| *lo as i32 <= age) {
            Some(i) => self.label(i),
            None => "unknown".into(),
        }
    }
}

/// What a report is made of besides its period.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
#[serde(deny_unknown_fields)]
pub struct ReportOptions {
    /// Lower bounds of the age bands ([`DEFAULT_AGE_BANDS`] when absent).
    #[serde(default)]
    pub age_bands: Option<Vec<u32>>,
    /// Count only what was tagged with this project.
    #[serde(default)]
    pub project: Option<String>,
}

impl ReportOptions {
    fn bands(&self) -> Result<AgeBands> {
        match &self.age_bands {
            Some(b) => AgeBands::new(b.clone()),
            None => Ok(AgeBands::default()),
        }
    }

    fn project(&self) -> Result<Option<String>> {
        match self
            .project
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            None => Ok(None),
            Some(p) => project_code(p).map(Some).ok_or_else(|| {
                ModelError::field("project", format!("'{p}' is not a project code")).into()
            }),
        }
    }
}

/// Who an export is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum Disclosure {
    /// Leaving the organisation (a donor, a partner): small counts of people are "<5".
    #[default]
    External,
    /// For the organisation's own use: every count exact.
    Internal,
}

/// The breakdown dimensions, in report order.
pub const DIMENSIONS: &[&str] = &[
    "sex",
    "age_band",
    "citizenship",
    "language",
    "place",
    "organisation",
    "project",
    "legal_status",
    "procedure",
    "vulnerability",
];

/// The breakdowns of group activities, in report order.
pub const ACTIVITY_DIMENSIONS: &[&str] = &["activity_kind", "place", "organisation", "project"];

fn dim(name: &str) -> u8 {
    1 + DIMENSIONS
        .iter()
        .position(|d| *d == name)
        .expect("a known dimension") as u8
}

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

/// Group activities of a cell: how many, and their headcount.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ActivityCount {
    pub activities: u64,
    pub participants: u64,
    /// Women, men and children where recorded.
    pub female: u64,
    pub male: u64,
    pub children: u64,
}

impl ActivityCount {
    fn add(&mut self, a: &ActivityRow) {
        self.activities += 1;
        self.participants += a.participants;
        self.female += a.female.unwrap_or(0);
        self.male += a.male.unwrap_or(0);
        self.children += a.children.unwrap_or(0);
    }

    /// The headcounts, in the order exports write them.
    fn headcounts(&self) -> [u64; 4] {
        [self.participants, self.female, self.male, self.children]
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ActivityRowCount {
    /// One of [`ACTIVITY_DIMENSIONS`].
    pub dimension: String,
    pub value: String,
    pub count: ActivityCount,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Report {
    pub from: String,
    pub to: String,
    /// The age bands' names, in order.
    pub age_bands: Vec<String>,
    /// The project the report is limited to.
    pub project: Option<String>,
    pub total: Count,
    /// Per service (and "all"), then per dimension value and service.
    pub rows: Vec<ReportRow>,
    pub activities: ActivityCount,
    pub activity_rows: Vec<ActivityRowCount>,
    /// Whether the sensitive vulnerabilities (health, torture, sexual orientation) are counted:
    /// only on a laptop whose role reads the medical section they are kept in.
    pub sensitive_counted: bool,
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

/// The vulnerabilities recorded by `on` (or undated), or `none`.
fn vulnerabilities_on(flags: &[(String, Option<String>)], on: &str) -> Vec<String> {
    let mut found: Vec<String> = flags
        .iter()
        .filter(|(_, recorded)| recorded.as_deref().is_none_or(|r| r <= on))
        .map(|(f, _)| f.clone())
        .collect();
    found.sort();
    found.dedup();
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
    pub fn report(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        options: &ReportOptions,
    ) -> Result<Report> {
        self.report_with(from, to, options, &mut || true)
    }

    /// [`Punkt::report`], asking `keep_going` between its steps (each read of the index, then
    /// the counting): when it answers false the report ends there with [`CoreError::Stopped`].
    /// A report only reads, so a stop loses nothing.
    pub fn report_with(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        options: &ReportOptions,
        keep_going: &mut dyn FnMut() -> bool,
    ) -> Result<Report> {
        if from > to {
            return Err(CoreError::Invalid(format!(
                "the period starts ({from}) after it ends ({to})"
            )));
        }
        let bands = options.bands()?;
        let project = options.project()?;
        let (from_text, to_text) = (from.to_string(), to.to_string());
        let mut step = || {
            if keep_going() {
                Ok(())
            } else {
                Err(CoreError::Stopped)
            }
        };
        step()?;
        let services = self.store.service_facts(&from_text, &to_text)?;
        step()?;
        let statuses = self.store.all_status_rows()?;
        step()?;
        let mut vulnerabilities = self.store.all_vulnerabilities()?;
        let sensitive_counted = self.may_read_sensitive()?;
        if !sensitive_counted {
            // Flags an older release wrote into files, until a reader's laptop moves them.
            for flags in vulnerabilities.values_mut() {
                flags.retain(|(f, _)| punkt_model::vocab::Vulnerability::is_ordinary_code(f));
            }
        }
        step()?;
        let activities = self.store.activities(&from_text, &to_text)?;
        step()?;
        let mut report = aggregate(
            from,
            to,
            &bands,
            project.as_deref(),
            &Facts {
                services: &services,
                statuses: &statuses,
                vulnerabilities: &vulnerabilities,
                activities: &activities,
            },
        );
        report.sensitive_counted = sensitive_counted;
        Ok(report)
    }

    /// The report for `from`..=`to` in `format`, for `disclosure`, as an export recorded for
    /// the audit log.
    pub fn export_report(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        options: &ReportOptions,
        format: ReportFormat,
        disclosure: Disclosure,
        lang: &str,
    ) -> Result<(Report, Vec<u8>)> {
        let report = self.report(from, to, options)?;
        let bytes = report.to_bytes(format, disclosure, lang)?;
        self.record_event(
            "export",
            None,
            &format!(
                "report {from}..{to}{} ({}, {})",
                report
                    .project
                    .as_deref()
                    .map(|p| format!(" project {p}"))
                    .unwrap_or_default(),
                format!("{format:?}").to_lowercase(),
                match disclosure {
                    Disclosure::External => "small counts hidden",
                    Disclosure::Internal => "exact counts, for internal use",
                }
            ),
        )?;
        Ok((report, bytes))
    }
}
