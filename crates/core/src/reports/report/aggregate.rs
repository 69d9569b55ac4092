//! Counting: service facts and status timelines from the index, grouped by person into cells
//! of each breakdown (people and consultations), and group activities by their headcount.

use super::*;

/// Interns strings to small integers, so cells are keyed by integers, not strings.
#[derive(Default)]
pub(super) struct Interner {
    pub(super) ids: HashMap<String, u32>,
}

impl Interner {
    pub(super) fn id(&mut self, s: &str) -> u32 {
        if let Some(i) = self.ids.get(s) {
            return *i;
        }
        let n = self.ids.len() as u32;
        self.ids.insert(s.to_string(), n);
        n
    }

    pub(super) fn names(self) -> HashMap<u32, String> {
        self.ids.into_iter().map(|(s, i)| (i, s)).collect()
    }
}

/// Distinct people and consultations of one cell. Facts are visited grouped by person and, within
/// a person, by consultation, so "distinct" is "different from the last one this cell counted".
pub(super) struct Cell {
    pub(super) people: u64,
    pub(super) consultations: u64,
    pub(super) last_person: u32,
    pub(super) last_consultation: u32,
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
    pub(super) fn add(&mut self, person: u32, consultation: u32) {
        if person != self.last_person {
            self.people += 1;
            self.last_person = person;
        }
        if consultation != self.last_consultation {
            self.consultations += 1;
            self.last_consultation = consultation;
        }
    }

    pub(super) fn count(&self) -> Count {
        Count {
            people: self.people,
            consultations: self.consultations,
        }
    }
}

/// What one person is counted under, whatever the consultation.
pub(super) struct PersonDims<'a> {
    pub(super) bands: &'a AgeBands,
    pub(super) to: &'a str,
    pub(super) statuses: &'a HashMap<String, Vec<StatusRow>>,
    pub(super) vulnerabilities: &'a Vulnerabilities,
}

impl PersonDims<'_> {
    /// (dimension, value) pairs of the person whose first fact in the period is `first`.
    pub(super) fn of(
        &self,
        first: &ServiceFact,
        first_date: NaiveDate,
    ) -> Vec<(&'static str, String)> {
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

pub(super) fn place_name(kind: &str, place: &str) -> String {
    match kind {
        "centre" => format!("{place} (centre)"),
        "remote" => "remote".to_string(),
        _ => place.to_string(),
    }
}

/// Where a value sorts within its dimension: age bands by age, `unknown` and `none` last,
/// everything else by name.
pub(super) fn value_order<'a>(
    bands: &[String],
    dimension: &str,
    value: &'a str,
) -> (usize, &'a str) {
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
pub(super) fn aggregate_activities<'a>(
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
