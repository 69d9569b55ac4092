//! Group activities (courses, trainings, information sessions, hotline shifts, interventions at
//! the border, outreach): recording, correcting and removing one, the list of a period (from
//! the index), and their index rows. A headcount, never a list of people.

use serde::{Deserialize, Serialize};

use punkt_model::activity::{
    GroupActivity, Headcount, GROUP_ACTIVITY_KIND, GROUP_ACTIVITY_SCHEMA_VERSION,
};
use punkt_model::organisation::project_code;
use punkt_model::vocab::{ActivityKind, PlaceKind};
use punkt_model::{new_id, ModelError};
use punkt_store::index::{ActivityRow, IndexRows};

use crate::dto::{input_date, PlaceInput};
use crate::error::{CoreError, Result};
use crate::Punkt;

/// Longest topic, note and staff name.
const MAX_TOPIC: usize = 200;
const MAX_NOTE: usize = 4_000;

/// A group activity as a front end sends it.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields = nullable))]
#[serde(deny_unknown_fields)]
pub struct ActivityInput {
    /// `course`, `training`, `info_session`, `hotline`, `border_intervention`, `outreach`, `other`.
    pub kind: String,
    pub date: String,
    pub place: PlaceInput,
    #[serde(default)]
    pub project: Option<String>,
    pub topic: String,
    /// How many took part (for a hotline: the calls answered).
    pub participants: u64,
    #[serde(default)]
    pub female: Option<u64>,
    #[serde(default)]
    pub male: Option<u64>,
    /// Under 18.
    #[serde(default)]
    pub children: Option<u64>,
    #[serde(default)]
    pub duration_minutes: Option<u64>,
    #[serde(default)]
    pub staff: Option<String>,
    #[serde(default)]
    pub note: String,
}

/// A group activity as screens show it.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ActivityView {
    pub id: String,
    pub organisation: String,
    pub kind: String,
    pub date: String,
    pub place: PlaceInput,
    pub project: Option<String>,
    pub topic: String,
    pub participants: u64,
    pub female: Option<u64>,
    pub male: Option<u64>,
    pub children: Option<u64>,
    pub duration_minutes: Option<u64>,
    /// Only when read from the document (not in lists).
    pub staff: Option<String>,
    pub note: String,
}

fn limited(field: &str, value: &str, max: usize) -> Result<String> {
    let v = value.trim();
    if v.chars().count() > max {
        return Err(ModelError::field(field, format!("is longer than {max} characters")).into());
    }
    Ok(v.to_string())
}

impl ActivityInput {
    pub fn from_json(json: &str) -> Result<Self> {
        crate::input::parse_json(json, "activity JSON")
    }

    /// Check everything but the project's existence (the caller knows the settings).
    fn apply(self, a: &mut GroupActivity) -> Result<()> {
        let topic = limited("topic", &self.topic, MAX_TOPIC)?;
        if topic.is_empty() {
            return Err(ModelError::field("topic", "is empty").into());
        }
        let headcount = Headcount {
            participants: self.participants,
            female: self.female,
            male: self.male,
            children: self.children,
        };
        headcount.check()?;
        if let Some(d) = self.duration_minutes {
            if d == 0 || d > 24 * 60 {
                return Err(ModelError::field(
                    "duration_minutes",
                    format!("{d} is not a plausible duration"),
                )
                .into());
            }
        }
        a.activity = self.kind.parse::<ActivityKind>()?;
        a.date = input_date(&self.date)?;
        a.place = self.place.into_place()?;
        a.project = match self
            .project
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            None => None,
            Some(p) => Some(project_code(p).ok_or_else(|| {
                CoreError::from(ModelError::field(
                    "project",
                    format!("'{p}' is not a project code"),
                ))
            })?),
        };
        a.topic = topic;
        a.headcount = headcount;
        a.duration_minutes = self.duration_minutes;
        a.staff = Some(limited(
            "staff",
            self.staff.as_deref().unwrap_or(""),
            MAX_TOPIC,
        )?)
        .filter(|s| !s.is_empty());
        a.note = limited("note", &self.note, MAX_NOTE)?;
        Ok(())
    }
}

/// The activity as screens show it: its index row's fields, with the staff and note only the
/// document holds.
fn view(a: &GroupActivity) -> ActivityView {
    ActivityView {
        staff: a.staff.clone(),
        note: a.note.clone(),
        ..row_view(row_of(a))
    }
}

fn row_view(r: ActivityRow) -> ActivityView {
    let place = match r.place_kind.parse::<PlaceKind>() {
        Ok(PlaceKind::Centre) => PlaceInput::Centre { centre: r.place },
        Ok(PlaceKind::Remote) => PlaceInput::Remote,
        _ => PlaceInput::Point { city: r.place },
    };
    ActivityView {
        id: r.id,
        organisation: r.organisation,
        kind: r.kind,
        date: r.date,
        place,
        project: r.project,
        topic: r.topic,
        participants: r.participants,
        female: r.female,
        male: r.male,
        children: r.children,
        duration_minutes: r.duration_minutes,
        staff: None,
        note: String::new(),
    }
}

fn index_row(a: &GroupActivity) -> IndexRows {
    IndexRows::Activity(Box::new(row_of(a)))
}

fn row_of(a: &GroupActivity) -> ActivityRow {
    ActivityRow {
        id: a.id.clone(),
        organisation: a.organisation.clone(),
        kind: a.activity.to_string(),
        date: a.date.to_string(),
        place_kind: a.place.kind.to_string(),
        place: a.place.label(),
        project: a.project.clone(),
        topic: a.topic.clone(),
        participants: a.headcount.participants,
        female: a.headcount.female,
        male: a.headcount.male,
        children: a.headcount.children,
        duration_minutes: a.duration_minutes,
        removed: a.removed,
    }
}

fn read(doc: &automerge::AutoCommit) -> std::result::Result<GroupActivity, ModelError> {
    let version = punkt_model::schema::schema_version(doc)?;
    if version > GROUP_ACTIVITY_SCHEMA_VERSION {
        return Err(ModelError::SchemaTooNew {
            found: version,
            supported: GROUP_ACTIVITY_SCHEMA_VERSION,
        });
    }
    punkt_model::shared::read_shared(doc, GROUP_ACTIVITY_KIND, |a: &GroupActivity| &a.kind)
}

/// The index rows of a group activity's document.
pub(crate) fn activity_index(doc: &automerge::AutoCommit, id: &str) -> Result<IndexRows> {
    let a = read(doc).map_err(|e| CoreError::Document {
        id: id.to_string(),
        reason: e.to_string(),
    })?;
    Ok(index_row(&a))
}

impl Punkt {
    /// Record a group activity of this laptop's organisation.
    pub fn record_activity(&mut self, input: ActivityInput) -> Result<ActivityView> {
        let org = self.organisation().to_string();
        let now = self.now_text();
        let mut a = GroupActivity {
            kind: GROUP_ACTIVITY_KIND.to_string(),
            schema_version: GROUP_ACTIVITY_SCHEMA_VERSION,
            id: new_id(),
            organisation: org.clone(),
            activity: ActivityKind::Other,
            date: punkt_model::IsoDate(self.today()),
            place: punkt_model::client::Place {
                kind: PlaceKind::Remote,
                city: None,
                centre: None,
            },
            project: None,
            topic: String::new(),
            headcount: Headcount::default(),
            duration_minutes: None,
            staff: None,
            note: String::new(),
            created_at: now.clone(),
            updated_at: now,
            removed: false,
        };
        input.apply(&mut a)?;
        if let Some(p) = &a.project {
            self.check_project(p, a.date)?;
        }
        let id = a.id.clone();
        self.create_indexed(&id, GROUP_ACTIVITY_KIND, &org, &a, Some(index_row(&a)))?;
        Ok(view(&a))
    }

    /// One group activity, read from its document.
    pub fn activity(&self, id: &str) -> Result<ActivityView> {
        Ok(view(&self.load_activity(id)?))
    }

    fn load_activity(&self, id: &str) -> Result<GroupActivity> {
        let doc = self.load_of_kind(id, GROUP_ACTIVITY_KIND, "group activity")?;
        read(&doc).map_err(|e| CoreError::Document {
            id: id.to_string(),
            reason: e.to_string(),
        })
    }

    /// Correct a group activity (everything but its organisation). A changed project is
    /// checked against the settings; one kept as it was is not (it may have been archived
    /// since).
    pub fn update_activity(&mut self, id: &str, input: ActivityInput) -> Result<ActivityView> {
        let before = self.load_activity(id)?;
        if before.removed {
            return Err(CoreError::Invalid(format!(
                "group activity {id} was removed"
            )));
        }
        let mut checked = before.clone();
        input.clone().apply(&mut checked)?;
        if let Some(p) = &checked.project {
            if checked.project != before.project || checked.date != before.date {
                self.check_project(p, checked.date)?;
            }
        }
        let now = self.now_text();
        let a = self.edit_shared(
            id,
            GROUP_ACTIVITY_KIND,
            |a: &GroupActivity| &a.kind,
            |a| {
                input.apply(a)?;
                a.updated_at = now;
                Ok(Some(index_row(a)))
            },
        )?;
        Ok(view(&a))
    }

    /// Remove a group activity recorded by mistake: no longer listed or counted (its
    /// document and history stay).
    pub fn remove_activity(&mut self, id: &str) -> Result<()> {
        self.load_activity(id)?;
        let now = self.now_text();
        self.edit_shared(
            id,
            GROUP_ACTIVITY_KIND,
            |a: &GroupActivity| &a.kind,
            |a| {
                a.removed = true;
                a.updated_at = now;
                Ok(Some(index_row(a)))
            },
        )?;
        Ok(())
    }

    /// The group activities held from `from` to `to` inclusive, newest first (from the
    /// index: without notes and staff).
    pub fn activities(
        &self,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> Result<Vec<ActivityView>> {
        Ok(self
            .store
            .activities(&from.to_string(), &to.to_string())?
            .into_iter()
            .map(row_view)
            .collect())
    }
}
