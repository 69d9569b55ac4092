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

/// What one person is counted under, whatever the consultation.
struct PersonDims<'a> {
    bands: &'a AgeBands,
    to: &'a str,
    statuses: &'a HashMap<String, Vec<StatusRow>>,
    vulnerabilities: &'a Vulnerabilities,
}

impl PersonDims<'_> {
    /// (dimension, value) pairs of the person whose first fact in the period is `first`.
    fn of(&self, first: &ServiceFact, first_date: NaiveDate) -> Vec<(&'static str, String)> {
        let client = first.client_id.as_str();
        let statuses = self.statuses.get(client).map(Vec::as_slice).unwrap_or(&[]);
        let flags = self
            .vulnerabilities
            .get(client)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let mut dims = vec![
            ("sex", first.sex.clone()),
            (
                "age_band",
                self.bands.band(first.birth_date.as_deref(), first_date),
            ),
            (
                "citizenship",
                first
                    .citizenship
                    .clone()
                    .unwrap_or_else(|| "unknown".into()),
            ),
            (
                "language",
                first.language.clone().unwrap_or_else(|| "unknown".into()),
            ),
            ("legal_status", status_on(statuses, self.to)),
        ];
        dims.extend(
            procedures_on(statuses, self.to)
                .into_iter()
                .map(|p| ("procedure", p)),
        );
        dims.extend(
            vulnerabilities_on(flags, self.to)
                .into_iter()
                .map(|v| ("vulnerability", v)),
        );
        dims
    }
}

fn place_name(kind: &str, place: &str) -> String {
    match kind {
        "centre" => format!("{place} (centre)"),
        "remote" => "remote".to_string(),
        _ => place.to_string(),
    }
}

/// Where a value sorts within its dimension: age bands by age, `unknown` and `none` last,
/// everything else by name.
fn value_order<'a>(bands: &[String], dimension: &str, value: &'a str) -> (usize, &'a str) {
    if value == "unknown" || value == "none" {
        return (usize::MAX, value);
    }
    if dimension == "age_band" {
        return (
            bands
                .iter()
                .position(|b| b == value)
                .unwrap_or(usize::MAX - 1),
            "",
        );
    }
    (0, value)
}

/// The facts of a period as a report (pure: the tests call it with hand-made facts).
pub struct Facts<'a> {
    pub services: &'a [ServiceFact],
    pub statuses: &'a HashMap<String, Vec<StatusRow>>,
    pub vulnerabilities: &'a Vulnerabilities,
    pub activities: &'a [ActivityRow],
}

/// Aggregate the facts of a period (pure: the tests call it with hand-made facts). Facts of
/// other projects than `project`, when given, are left out.
pub fn aggregate(
    from: NaiveDate,
    to: NaiveDate,
    bands: &AgeBands,
    project: Option<&str>,
    facts: &Facts<'_>,
) -> Report {
    let to_text = to.format("%Y-%m-%d").to_string();
    let in_project = |p: &Option<String>| project.is_none_or(|want| p.as_deref() == Some(want));
    // Visit facts grouped by person, then consultation (see `Cell`).
    let mut order: Vec<&ServiceFact> = facts
        .services
        .iter()
        .filter(|f| in_project(&f.project))
        .collect();
    order.sort_unstable_by(|a, b| {
        (&a.client_id, &a.consultation_id, &a.date).cmp(&(
            &b.client_id,
            &b.consultation_id,
            &b.date,
        ))
    });
    let person_dims = PersonDims {
        bands,
        to: &to_text,
        statuses: facts.statuses,
        vulnerabilities: facts.vulnerabilities,
    };
    let mut values = Interner::default();
    let all = values.id("all");
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
        let dims: Vec<(u8, u32)> = person_dims
            .of(order[i], first_date)
            .into_iter()
            .map(|(d, v)| (dim(d), values.id(&v)))
            .collect();
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
            let place = values.id(&place_name(&f.place_kind, &f.place));
            let organisation = values.id(&f.organisation);
            let project = values.id(f.project.as_deref().unwrap_or("none"));
            for (d, v) in dims.iter().copied().chain([
                (dim("place"), place),
                (dim("organisation"), organisation),
                (dim("project"), project),
            ]) {
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
    let band_labels = bands.labels();
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
            .then_with(|| {
                value_order(&band_labels, &a.dimension, &a.value).cmp(&value_order(
                    &band_labels,
                    &b.dimension,
                    &b.value,
                ))
            })
            .then_with(|| (a.service != "all").cmp(&(b.service != "all")))
            .then_with(|| a.service.cmp(&b.service))
    });
    let (activities, activity_rows) =
        aggregate_activities(facts.activities.iter().filter(|a| in_project(&a.project)));
    Report {
        from: from.to_string(),
        to: to_text,
        age_bands: band_labels,
        project: project.map(str::to_string),
        total: total.count(),
        rows,
        activities,
        activity_rows,
        sensitive_counted: true,
    }
}

/// The group activities' total and breakdowns.
fn aggregate_activities<'a>(
    rows: impl Iterator<Item = &'a ActivityRow>,
) -> (ActivityCount, Vec<ActivityRowCount>) {
    let mut total = ActivityCount::default();
    let mut cells: HashMap<(usize, String), ActivityCount> = HashMap::new();
    for a in rows {
        total.add(a);
        let values = [
            a.kind.clone(),
            place_name(&a.place_kind, &a.place),
            a.organisation.clone(),
            a.project.clone().unwrap_or_else(|| "none".into()),
        ];
        for (d, v) in values.into_iter().enumerate() {
            cells.entry((d, v)).or_default().add(a);
        }
    }
    let mut out: Vec<((usize, String), ActivityCount)> = cells.into_iter().collect();
    out.sort_by(|((da, va), _), ((db, vb), _)| {
        (da, value_order(&[], "", va)).cmp(&(db, value_order(&[], "", vb)))
    });
    (
        total,
        out.into_iter()
            .map(|((d, value), count)| ActivityRowCount {
                dimension: ACTIVITY_DIMENSIONS[d].to_string(),
                value,
                count,
            })
            .collect(),
    )
}

/// How a count shows in an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Hide {
    #[default]
    Shown,
    /// A count of 1 to 4 people: "<5".
    Small,
    /// A larger count hidden so that a small one cannot be worked out from the total: "*".
    Complement,
}

/// What a count hidden so that a small one cannot be worked out from the total shows.
pub const COMPLEMENT: &str = "*";

/// Which counts an export hides ([`Disclosure::External`]).
#[derive(Debug, Default, PartialEq)]
pub struct Suppression {
    pub total: Hide,
    /// Rows of [`Report::rows`] whose people and consultations are hidden.
    pub rows: HashMap<usize, Hide>,
    pub activity_total: [Hide; 4],
    /// Per row of [`Report::activity_rows`]: participants, women, men, children.
    pub activity_rows: HashMap<usize, [Hide; 4]>,
}

impl Suppression {
    fn row(&self, i: usize) -> Hide {
        self.rows.get(&i).copied().unwrap_or_default()
    }

    fn activity_row(&self, i: usize) -> [Hide; 4] {
        self.activity_rows.get(&i).copied().unwrap_or_default()
    }
}

fn small(n: u64) -> Hide {
    if (1..SMALL_CELL).contains(&n) {
        Hide::Small
    } else {
        Hide::Shown
    }
}

/// Hide the cells of `group` (indices with their count) that are small and, when that hides
/// exactly one, the next smallest (not zero) too: a lone hidden cell could be worked out from
/// the total.
fn suppress_group(group: &[(usize, u64)]) -> Vec<(usize, Hide)> {
    let mut hidden: Vec<(usize, Hide)> = group
        .iter()
        .filter(|(_, n)| small(*n) == Hide::Small)
        .map(|(i, _)| (*i, Hide::Small))
        .collect();
    if let [(lone, _)] = hidden[..] {
        if let Some((i, _)) = group
            .iter()
            .filter(|(i, n)| *n > 0 && *i != lone)
            .min_by_key(|(i, n)| (*n, *i))
        {
            hidden.push((*i, Hide::Complement));
        }
    }
    hidden
}

impl Report {
    /// What an export for `disclosure` hides.
    pub fn suppression(&self, disclosure: Disclosure) -> Suppression {
        let mut s = Suppression::default();
        if disclosure == Disclosure::Internal {
            return s;
        }
        s.total = small(self.total.people);
        let mut groups: HashMap<(&str, &str), Vec<(usize, u64)>> = HashMap::new();
        for (i, r) in self.rows.iter().enumerate() {
            let service = if r.dimension == "service" {
                ""
            } else {
                r.service.as_str()
            };
            groups
                .entry((r.dimension.as_str(), service))
                .or_default()
                .push((i, r.people));
        }
        for group in groups.values() {
            s.rows.extend(suppress_group(group));
        }
        for (m, n) in self.activities.headcounts().into_iter().enumerate() {
            s.activity_total[m] = small(n);
        }
        for m in 0..4 {
            let mut groups: HashMap<&str, Vec<(usize, u64)>> = HashMap::new();
            for (i, r) in self.activity_rows.iter().enumerate() {
                groups
                    .entry(r.dimension.as_str())
                    .or_default()
                    .push((i, r.count.headcounts()[m]));
            }
            for group in groups.values() {
                for (i, h) in suppress_group(group) {
                    s.activity_rows.entry(i).or_default()[m] = h;
                }
            }
        }
        // Women and men add up to the participants where sex was recorded for all: one shown
        // beside the other hidden would give it away.
        let pair = |h: &mut [Hide; 4]| {
            if h[1] != Hide::Shown && h[2] == Hide::Shown {
                h[2] = Hide::Complement;
            } else if h[2] != Hide::Shown && h[1] == Hide::Shown {
                h[1] = Hide::Complement;
            }
        };
        pair(&mut s.activity_total);
        for h in s.activity_rows.values_mut() {
            pair(h);
        }
        s
    }
}

/// A count as an export shows it: the number, "<5" or "*".
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(untagged)]
enum Shown {
    Count(u64),
    Hidden(&'static str),
}

impl Shown {
    fn new(n: u64, hide: Hide) -> Shown {
        match hide {
            Hide::Shown => Shown::Count(n),
            Hide::Small => Shown::Hidden(SUPPRESSED),
            Hide::Complement => Shown::Hidden(COMPLEMENT),
        }
    }

    fn text(self) -> String {
        match self {
            Shown::Count(n) => n.to_string(),
            Shown::Hidden(s) => s.to_string(),
        }
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
    pub fn report(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        options: &ReportOptions,
    ) -> Result<Report> {
        if from > to {
            return Err(CoreError::Invalid(format!(
                "the period starts ({from}) after it ends ({to})"
            )));
        }
        let bands = options.bands()?;
        let project = options.project()?;
        let (from_text, to_text) = (from.to_string(), to.to_string());
        let services = self.store.service_facts(&from_text, &to_text)?;
        let statuses = self.store.all_status_rows()?;
        let mut vulnerabilities = self.store.all_vulnerabilities()?;
        let sensitive_counted = self.may_read_sensitive()?;
        if !sensitive_counted {
            // Flags an older release wrote into files, until a reader's laptop moves them.
            for flags in vulnerabilities.values_mut() {
                flags.retain(|(f, _)| punkt_model::vocab::Vulnerability::is_ordinary_code(f));
            }
        }
        let activities = self.store.activities(&from_text, &to_text)?;
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

/// A worksheet's name: at most 31 characters, none of `[]:*?/\\`.
fn sheet_name(title: &str) -> String {
    title
        .chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take(31)
        .collect()
}

const CSV_HEADER: [&str; 14] = [
    "period_from",
    "period_to",
    "project",
    "section",
    "dimension",
    "value",
    "service",
    "people",
    "consultations",
    "activities",
    "participants",
    "female",
    "male",
    "children",
];

impl Report {
    /// CSV: one row per cell, the total first, then group activities (section
    /// `group_activities`, with their number and headcounts, children in the last column).
    /// Text cells are [`spreadsheet_text`]; hidden counts "<5".
    pub fn to_csv(&self, disclosure: Disclosure) -> Result<Vec<u8>> {
        let hide = self.suppression(disclosure);
        let mut w = csv::Writer::from_writer(Vec::new());
        let err = |e: csv::Error| CoreError::Export(e.to_string());
        w.write_record(CSV_HEADER).map_err(err)?;
        let project = self.project.as_deref().unwrap_or("all");
        let people_row =
            |dimension: &str, value: &str, service: &str, c: (u64, u64), hidden: Hide| {
                vec![
                    self.from.clone(),
                    self.to.clone(),
                    spreadsheet_text(project).into_owned(),
                    "consultations".to_string(),
                    spreadsheet_text(dimension).into_owned(),
                    spreadsheet_text(value).into_owned(),
                    spreadsheet_text(service).into_owned(),
                    Shown::new(c.0, hidden).text(),
                    Shown::new(c.1, hidden).text(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                ]
            };
        w.write_record(people_row(
            "total",
            "all",
            "all",
            (self.total.people, self.total.consultations),
            hide.total,
        ))
        .map_err(err)?;
        for (i, r) in self.rows.iter().enumerate() {
            w.write_record(people_row(
                &r.dimension,
                &r.value,
                &r.service,
                (r.people, r.consultations),
                hide.row(i),
            ))
            .map_err(err)?;
        }
        let activity_row = |dimension: &str, value: &str, c: &ActivityCount, hidden: [Hide; 4]| {
            let mut row = vec![
                self.from.clone(),
                self.to.clone(),
                spreadsheet_text(project).into_owned(),
                "group_activities".to_string(),
                spreadsheet_text(dimension).into_owned(),
                spreadsheet_text(value).into_owned(),
                String::new(),
                String::new(),
                String::new(),
                c.activities.to_string(),
            ];
            for (n, h) in c.headcounts().into_iter().zip(hidden) {
                row.push(Shown::new(n, h).text());
            }
            row
        };
        w.write_record(activity_row(
            "total",
            "all",
            &self.activities,
            hide.activity_total,
        ))
        .map_err(err)?;
        for (i, r) in self.activity_rows.iter().enumerate() {
            w.write_record(activity_row(
                &r.dimension,
                &r.value,
                &r.count,
                hide.activity_row(i),
            ))
            .map_err(err)?;
        }
        w.into_inner().map_err(|e| CoreError::Export(e.to_string()))
    }

    /// JSON: the report as [`Report`] serialises it, hidden counts as the string "<5", and
    /// `suppressed` saying whether any could be.
    pub fn to_json(&self, disclosure: Disclosure) -> Result<Vec<u8>> {
        let hide = self.suppression(disclosure);
        let err = |e: serde_json::Error| CoreError::Export(e.to_string());
        let mut v = serde_json::to_value(self).map_err(err)?;
        let shown = |n: u64, h: Hide| serde_json::to_value(Shown::new(n, h)).expect("a count");
        v["suppressed"] = (disclosure == Disclosure::External).into();
        v["total"]["people"] = shown(self.total.people, hide.total);
        v["total"]["consultations"] = shown(self.total.consultations, hide.total);
        for (i, r) in self.rows.iter().enumerate() {
            let h = hide.row(i);
            v["rows"][i]["people"] = shown(r.people, h);
            v["rows"][i]["consultations"] = shown(r.consultations, h);
        }
        let keys = ["participants", "female", "male", "children"];
        for (m, key) in keys.iter().enumerate() {
            v["activities"][key] = shown(self.activities.headcounts()[m], hide.activity_total[m]);
            for (i, r) in self.activity_rows.iter().enumerate() {
                let h = hide.activity_row(i)[m];
                v["activity_rows"][i]["count"][key] = shown(r.count.headcounts()[m], h);
            }
        }
        serde_json::to_vec_pretty(&v).map_err(err)
    }

    /// XLSX, for people: a summary sheet, one sheet per dimension with people and
    /// consultations per value and service, and one for group activities, every heading and
    /// vocabulary value in `lang` (pl, en, uk, ru). CSV and JSON keep the codes, for programs.
    pub fn to_xlsx(&self, disclosure: Disclosure, lang: &str) -> Result<Vec<u8>> {
        use rust_xlsxwriter::{Format, Workbook, Worksheet};
        let l = Labels::for_lang(lang)?;
        let hide = self.suppression(disclosure);
        let err = |e: rust_xlsxwriter::XlsxError| CoreError::Export(e.to_string());
        let write = |sheet: &mut Worksheet, row: u32, col: u16, n: u64, hide: Hide| match Shown::new(
            n, hide,
        ) {
            Shown::Hidden(text) => sheet.write_string(row, col, text).map(|_| ()),
            Shown::Count(n) => sheet.write_number(row, col, n as f64).map(|_| ()),
        };
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
            ("procedure" | "vulnerability" | "project", "none") => l.text("report", "none"),
            ("procedure", v) => l.vocab("legal_status", v),
            ("vulnerability", v) => l.vocab("vulnerability", v),
            ("activity_kind", v) => l.vocab("activity_kind", v),
            ("place", "remote") => l.vocab("place", "remote"),
            ("place", v) => match v.strip_suffix(" (centre)") {
                Some(c) => format!("{c} ({})", l.text("report", "centre")),
                None => v.to_string(),
            },
            (_, v) => v.to_string(),
        };
        let services: Vec<String> = self
            .rows
            .iter()
            .filter(|r| r.dimension == "service" && r.service != "all")
            .map(|r| r.service.clone())
            .collect();
        {
            let sheet = book
                .add_worksheet()
                .set_name(sheet_name(&l.text("report", "summary")))
                .map_err(err)?;
            let mut meta = vec![
                (
                    l.text("report", "period"),
                    format!("{} – {}", self.from, self.to),
                ),
                (l.text("report", "age_bands"), self.age_bands.join(", ")),
            ];
            if let Some(p) = &self.project {
                meta.push((l.text("report", "project"), p.clone()));
            }
            for (i, (k, v)) in meta.iter().enumerate() {
                sheet
                    .write_string_with_format(i as u32, 0, k, &bold)
                    .map_err(err)?;
                sheet.write_string(i as u32, 1, v).map_err(err)?;
            }
            let mut row = meta.len() as u32;
            sheet
                .write_string(row, 0, l.text("report", "note"))
                .map_err(err)?;
            if disclosure == Disclosure::External {
                row += 1;
                sheet
                    .write_string(row, 0, l.text("report", "suppressed_note"))
                    .map_err(err)?;
            }
            if !self.sensitive_counted {
                row += 1;
                sheet
                    .write_string(row, 0, l.text("report", "sensitive_not_counted"))
                    .map_err(err)?;
            }
            row += 2;
            for (c, h) in ["service", "people", "consultations"].iter().enumerate() {
                sheet
                    .write_string_with_format(row, c as u16, l.text("report", h), &bold)
                    .map_err(err)?;
            }
            row += 1;
            sheet
                .write_string(row, 0, l.text("report", "all"))
                .map_err(err)?;
            write(sheet, row, 1, self.total.people, hide.total).map_err(err)?;
            write(sheet, row, 2, self.total.consultations, hide.total).map_err(err)?;
            for (i, r) in self.rows.iter().enumerate() {
                if r.dimension != "service" {
                    continue;
                }
                row += 1;
                let h = hide.row(i);
                sheet
                    .write_string(row, 0, service_name(&r.service))
                    .map_err(err)?;
                write(sheet, row, 1, r.people, h).map_err(err)?;
                write(sheet, row, 2, r.consultations, h).map_err(err)?;
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
            // Values in report order (age bands by age), each once.
            let mut values: Vec<&str> = Vec::new();
            for r in self.rows.iter().filter(|r| r.dimension == *dim) {
                if !values.contains(&r.value.as_str()) {
                    values.push(&r.value);
                }
            }
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
                        .enumerate()
                        .find(|(_, r)| r.dimension == *dim && r.value == *v && &r.service == s);
                    let (p, k, h) = cell
                        .map(|(i, r)| (r.people, r.consultations, hide.row(i)))
                        .unwrap_or((0, 0, Hide::Shown));
                    write(sheet, row, c, p, h).map_err(err)?;
                    write(sheet, row, c + 1, k, h).map_err(err)?;
                }
            }
            sheet.set_column_width(0, 28).map_err(err)?;
        }
        {
            let title = l.text("report", "group_activities");
            let sheet = book
                .add_worksheet()
                .set_name(sheet_name(&title))
                .map_err(err)?;
            sheet
                .write_string_with_format(0, 0, &title, &bold)
                .map_err(err)?;
            sheet
                .write_string(1, 0, l.text("report", "activities_note"))
                .map_err(err)?;
            let heads = ["activities", "participants", "female", "male", "children"];
            for (c, h) in heads.iter().enumerate() {
                sheet
                    .write_string_with_format(3, 1 + c as u16, l.text("report", h), &bold)
                    .map_err(err)?;
            }
            let mut row = 4;
            let mut line =
                |sheet: &mut Worksheet, name: String, c: &ActivityCount, h: [Hide; 4]| {
                    sheet.write_string(row, 0, name)?;
                    sheet.write_number(row, 1, c.activities as f64)?;
                    for (m, n) in c.headcounts().into_iter().enumerate() {
                        write(sheet, row, 2 + m as u16, n, h[m])?;
                    }
                    row += 1;
                    Ok::<_, rust_xlsxwriter::XlsxError>(())
                };
            line(
                sheet,
                l.text("report", "all_activities"),
                &self.activities,
                hide.activity_total,
            )
            .map_err(err)?;
            let mut last_dim = "";
            for (i, r) in self.activity_rows.iter().enumerate() {
                if r.dimension != last_dim {
                    last_dim = &r.dimension;
                    line(
                        sheet,
                        String::new(),
                        &ActivityCount::default(),
                        [Hide::Shown; 4],
                    )
                    .map_err(err)?;
                }
                let name = format!(
                    "{}: {}",
                    l.text("report", &r.dimension),
                    value_name(&r.dimension, &r.value)
                );
                line(sheet, name, &r.count, hide.activity_row(i)).map_err(err)?;
            }
            sheet.set_column_width(0, 36).map_err(err)?;
        }
        book.save_to_buffer().map_err(err)
    }

    /// The report in `format` for `disclosure`; `lang` names what people read (XLSX only).
    pub fn to_bytes(
        &self,
        format: ReportFormat,
        disclosure: Disclosure,
        lang: &str,
    ) -> Result<Vec<u8>> {
        match format {
            ReportFormat::Csv => self.to_csv(disclosure),
            ReportFormat::Xlsx => self.to_xlsx(disclosure, lang),
            ReportFormat::Json => self.to_json(disclosure),
        }
    }

    /// Write the report to `path` in `format`, through a temporary file so a failed write
    /// never leaves half a report behind.
    pub fn write_to(
        &self,
        path: &Path,
        format: ReportFormat,
        disclosure: Disclosure,
        lang: &str,
    ) -> Result<()> {
        let bytes = self.to_bytes(format, disclosure, lang)?;
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
    use std::collections::{BTreeMap, BTreeSet};

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn age_bands_by_birthday_hand_checked() {
        let b = AgeBands::default();
        assert_eq!(b.labels(), ["0-4", "5-11", "12-17", "18-59", "60+"]);
        // Born 1 June 2021: 4 until 31 May 2026, 5 from 1 June.
        assert_eq!(b.band(Some("2021-06-01"), day("2026-05-31")), "0-4");
        assert_eq!(b.band(Some("2021-06-01"), day("2026-06-01")), "5-11");
        assert_eq!(b.band(Some("2014-12-04"), day("2026-12-03")), "5-11");
        assert_eq!(b.band(Some("2014-12-04"), day("2026-12-04")), "12-17");
        assert_eq!(b.band(Some("2008-12-05"), day("2026-12-04")), "12-17");
        assert_eq!(b.band(Some("2008-12-04"), day("2026-12-04")), "18-59");
        assert_eq!(b.band(Some("1966-12-04"), day("2026-12-04")), "60+");
        // A year alone counts from 1 January: nobody is a child for lack of a birthday.
        assert_eq!(b.band(Some("2008"), day("2026-01-01")), "18-59");
        assert_eq!(b.band(None, day("2026-01-01")), "unknown");

        let two = AgeBands::parse("0, 18").unwrap();
        assert_eq!(two.labels(), ["0-17", "18+"]);
        assert_eq!(AgeBands::parse("0,1,2").unwrap().labels(), ["0", "1", "2+"]);
        for bad in ["5,18", "0,18,18", "0,18,12", "0,130", "0;5", "", "0,x"] {
            let e = AgeBands::parse(bad).unwrap_err();
            assert_eq!(e.code(), "invalid_input", "{bad}");
        }
        assert!(AgeBands::new((0..20).collect()).is_err(), "too many bands");
    }

    fn row(dimension: &str, value: &str, service: &str, people: u64) -> ReportRow {
        ReportRow {
            dimension: dimension.into(),
            value: value.into(),
            service: service.into(),
            people,
            consultations: people * 2,
        }
    }

    #[test]
    fn small_counts_of_people_are_hidden_and_cannot_be_worked_out() {
        let report = Report {
            from: "2026-01-01".into(),
            to: "2026-12-31".into(),
            age_bands: AgeBands::default().labels(),
            project: None,
            total: Count {
                people: 30,
                consultations: 60,
            },
            rows: vec![
                row("service", "legal", "legal", 30),
                row("sex", "female", "all", 27),
                row("sex", "male", "all", 3),
                row("citizenship", "UA", "all", 20),
                row("citizenship", "BY", "all", 4),
                row("citizenship", "ER", "all", 1),
                row("citizenship", "GE", "all", 5),
                row("age_band", "0-4", "legal", 0),
            ],
            activities: ActivityCount::default(),
            activity_rows: vec![],
            sensitive_counted: true,
        };
        assert_eq!(
            report.suppression(Disclosure::Internal),
            Suppression::default()
        );
        let s = report.suppression(Disclosure::External);
        assert_eq!(s.total, Hide::Shown);
        // male 3 is hidden, and female with it ("*"): 30 - 27 would give it away.
        assert_eq!(
            s.rows
                .iter()
                .map(|(i, h)| (*i, *h))
                .collect::<BTreeMap<_, _>>(),
            BTreeMap::from([
                (1, Hide::Complement),
                (2, Hide::Small),
                (4, Hide::Small),
                (5, Hide::Small)
            ])
        );
        // Two small cells hide each other: GE (5) stays.
        let csv = String::from_utf8(report.to_csv(Disclosure::External).unwrap()).unwrap();
        assert!(csv.contains(",consultations,sex,male,all,<5,<5,"), "{csv}");
        assert!(csv.contains(",consultations,sex,female,all,*,*,"), "{csv}");
        assert!(
            csv.contains(",consultations,citizenship,GE,all,5,10,"),
            "{csv}"
        );
        assert!(
            csv.contains(",consultations,age_band,0-4,legal,0,0,"),
            "zero is not hidden: {csv}"
        );
        let exact = String::from_utf8(report.to_csv(Disclosure::Internal).unwrap()).unwrap();
        assert!(
            exact.contains(",consultations,sex,male,all,3,6,"),
            "{exact}"
        );
        assert!(!exact.contains(SUPPRESSED));
        let json: serde_json::Value =
            serde_json::from_slice(&report.to_json(Disclosure::External).unwrap()).unwrap();
        assert_eq!(json["rows"][2]["people"], "<5");
        assert_eq!(json["rows"][3]["people"], 20);
        assert_eq!(json["suppressed"], true);
        // A report of four people hides its total too.
        let tiny = Report {
            total: Count {
                people: 4,
                consultations: 9,
            },
            rows: vec![row("service", "legal", "legal", 4)],
            ..report.clone()
        };
        let s = tiny.suppression(Disclosure::External);
        assert_eq!((s.total, s.row(0)), (Hide::Small, Hide::Small));
    }

    fn activity(
        id: &str,
        kind: &str,
        project: Option<&str>,
        n: u64,
        female: Option<u64>,
    ) -> ActivityRow {
        ActivityRow {
            id: id.into(),
            organisation: "O".into(),
            kind: kind.into(),
            date: "2026-03-03".into(),
            place_kind: "point".into(),
            place: "Lublin".into(),
            project: project.map(str::to_string),
            topic: "t".into(),
            participants: n,
            female,
            male: female.map(|f| n - f),
            children: Some(1),
            duration_minutes: None,
            removed: false,
        }
    }

    #[test]
    fn group_activities_count_activities_and_headcount() {
        let acts = [
            activity("a", "training", Some("P1"), 12, Some(8)),
            activity("b", "training", None, 20, None),
            activity("c", "border_intervention", Some("P1"), 3, Some(1)),
        ];
        let none = HashMap::new();
        let none_v = HashMap::new();
        let facts = Facts {
            services: &[],
            statuses: &none,
            vulnerabilities: &none_v,
            activities: &acts,
        };
        let r = aggregate(
            day("2026-01-01"),
            day("2026-12-31"),
            &AgeBands::default(),
            None,
            &facts,
        );
        assert_eq!(
            r.activities,
            ActivityCount {
                activities: 3,
                participants: 35,
                female: 9,
                male: 6,
                children: 3
            }
        );
        let kind = |v: &str| {
            r.activity_rows
                .iter()
                .find(|x| x.dimension == "activity_kind" && x.value == v)
                .map(|x| x.count.clone())
                .unwrap()
        };
        assert_eq!(
            (kind("training").activities, kind("training").participants),
            (2, 32)
        );
        assert_eq!(kind("border_intervention").participants, 3);
        let s = r.suppression(Disclosure::External);
        let i = r
            .activity_rows
            .iter()
            .position(|x| x.value == "border_intervention")
            .unwrap();
        assert_eq!(s.activity_rows[&i][0], Hide::Small, "3 participants hidden");
        // Training: 12 participants, 8 women and 4 men: the 4 is hidden, so the 8 too.
        let t = r
            .activity_rows
            .iter()
            .position(|x| x.value == "training" && x.dimension == "activity_kind")
            .unwrap();
        let th = s.activity_rows.get(&t).copied().unwrap_or_default();
        assert_ne!(th[1], Hide::Shown, "women shown beside hidden men: {th:?}");
        // One project's report: only what was tagged with it.
        let p1 = aggregate(
            day("2026-01-01"),
            day("2026-12-31"),
            &AgeBands::default(),
            Some("P1"),
            &facts,
        );
        assert_eq!(
            (p1.activities.activities, p1.activities.participants),
            (2, 15)
        );
        assert_eq!(p1.project.as_deref(), Some("P1"));
    }

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
            project: (k % 3 == 1).then(|| "P1".to_string()),
            language: (!c.is_multiple_of(4))
                .then(|| ["fa", "prs", "uk"][c as usize % 3].to_string()),
        }
    }

    fn facts_of<'a>(
        services: &'a [ServiceFact],
        statuses: &'a HashMap<String, Vec<StatusRow>>,
        vulnerabilities: &'a Vulnerabilities,
    ) -> Facts<'a> {
        Facts {
            services,
            statuses,
            vulnerabilities,
            activities: &[],
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
        let none = HashMap::new();
        let r = aggregate(
            from,
            to,
            &AgeBands::default(),
            None,
            &facts_of(&facts, &statuses, &none),
        );
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
        facts: &Facts<'_>,
        project: Option<&str>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> BTreeMap<(String, String, String), (usize, usize)> {
        let bands = AgeBands::default();
        let facts_in: Vec<&ServiceFact> = facts
            .services
            .iter()
            .filter(|f| project.is_none_or(|p| f.project.as_deref() == Some(p)))
            .collect();
        let mut first: BTreeMap<&str, &str> = BTreeMap::new();
        for f in &facts_in {
            let e = first.entry(&f.client_id).or_insert(&f.date);
            if f.date.as_str() < *e {
                *e = &f.date;
            }
        }
        let mut cells: BTreeMap<Key, (BTreeSet<String>, BTreeSet<String>)> = BTreeMap::new();
        let to_text = to.to_string();
        for f in &facts_in {
            let first_date =
                NaiveDate::parse_from_str(first[f.client_id.as_str()], "%Y-%m-%d").unwrap_or(from);
            let place = if f.place_kind == "centre" {
                format!("{} (centre)", f.place)
            } else {
                f.place.clone()
            };
            let mut keys = vec![("service".to_string(), f.service.clone(), f.service.clone())];
            let rows = facts
                .statuses
                .get(&f.client_id)
                .map(|v| v.as_slice())
                .unwrap_or(&[]);
            let status = status_on(rows, &to_text);
            let procedures = procedures_on(rows, &to_text)
                .into_iter()
                .map(|p| ("procedure", p));
            let flags: Vec<String> = facts
                .vulnerabilities
                .get(&f.client_id)
                .map(|v| {
                    v.iter()
                        .filter(|(_, on)| on.as_deref().is_none_or(|d| d <= to_text.as_str()))
                        .map(|(f, _)| f.clone())
                        .collect()
                })
                .unwrap_or_default();
            let flags = if flags.is_empty() {
                vec!["none".to_string()]
            } else {
                flags
            };
            for (d, v) in [
                ("sex", f.sex.clone()),
                ("age_band", bands.band(f.birth_date.as_deref(), first_date)),
                (
                    "citizenship",
                    f.citizenship.clone().unwrap_or("unknown".into()),
                ),
                ("language", f.language.clone().unwrap_or("unknown".into())),
                ("place", place),
                ("organisation", f.organisation.clone()),
                ("project", f.project.clone().unwrap_or("none".into())),
                ("legal_status", status),
            ]
            .into_iter()
            .chain(procedures)
            .chain(flags.into_iter().map(|v| ("vulnerability", v)))
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
            let mut vulnerabilities = HashMap::new();
            vulnerabilities.insert("c1".to_string(), vec![("torture_survivor".to_string(), Some("2026-02-01".to_string())), ("lgbt".to_string(), None)]);
            vulnerabilities.insert("c3".to_string(), vec![("pregnancy".to_string(), Some("2027-01-01".to_string()))]);
            let from = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
            let to = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
            let all = facts_of(&facts, &statuses, &vulnerabilities);
            for project in [None, Some("P1")] {
                let r = aggregate(from, to, &AgeBands::default(), project, &all);
                let got: BTreeMap<(String, String, String), (usize, usize)> = r
                    .rows
                    .iter()
                    .map(|x| ((x.dimension.clone(), x.value.clone(), x.service.clone()), (x.people as usize, x.consultations as usize)))
                    .collect();
                prop_assert_eq!(got, naive(&all, project, from, to));
                let people: BTreeSet<&str> = facts
                    .iter()
                    .filter(|f| project.is_none_or(|p| f.project.as_deref() == Some(p)))
                    .map(|f| f.client_id.as_str())
                    .collect();
                prop_assert_eq!(r.total.people as usize, people.len());
            }
        }
    }
}
