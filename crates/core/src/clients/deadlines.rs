//! Procedural deadlines: counted under the rule book in use (Polish law), recorded on a file,
//! marked done, and the deadline board read from the index.

use chrono::{Duration, NaiveDate};
use serde::Serialize;

use punkt_model::client::Deadline;
use punkt_model::deadlines::{CountOptions, DueDate, LatestDue, RuleBook};
use punkt_model::IsoDate;

use crate::error::{CoreError, Result};
use crate::Punkt;

/// One entry of the deadline board.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BoardEntry {
    pub client_id: String,
    pub display_name: String,
    pub deadline_id: String,
    pub rule: String,
    pub from: String,
    pub due: String,
    /// For limits in hours: the hour it ends on the due day.
    pub due_time: Option<String>,
    pub uncertain: bool,
    /// What the deadline is for, when noted (always for one the decision or the court set).
    pub note: Option<String>,
    /// Days from today to the due date (negative when overdue).
    pub days_left: i64,
    pub overdue: bool,
}

/// What starts a deadline's count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeadlineStart {
    /// The event itself (delivery, announcement...): the limit runs from the next day.
    Event,
    /// The first notice of a letter not collected: delivery is deemed 14 days later.
    FirstNotice,
}

/// A deadline to record.
#[derive(Debug, Clone)]
pub struct DeadlineRequest {
    pub rule: String,
    pub start: IsoDate,
    pub start_kind: DeadlineStart,
    pub uncertain: bool,
    /// The latest day the start could be, when it is known only within a range: both
    /// deadlines are shown, the earliest recorded as due.
    pub start_latest: Option<IsoDate>,
    /// The hour of the event, for limits in hours.
    pub time: Option<chrono::NaiveTime>,
    pub matter_id: Option<String>,
    pub note: Option<String>,
    /// For `custom-days`, or a rule the decision sets within a range (voluntary departure):
    /// the limit in days the decision or the court set.
    pub days: Option<u32>,
    /// For `custom-date`: the day the authority or the court named.
    pub due: Option<IsoDate>,
}

impl DeadlineRequest {
    /// A deadline counted from an event on `start`.
    pub fn from_event(rule: &str, start: IsoDate, uncertain: bool) -> Self {
        DeadlineRequest {
            rule: rule.to_string(),
            start,
            start_kind: DeadlineStart::Event,
            uncertain,
            start_latest: None,
            time: None,
            matter_id: None,
            note: None,
            days: None,
            due: None,
        }
    }
}

/// A deadline just recorded.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RecordedDeadline {
    pub id: String,
    pub client_id: String,
    #[serde(flatten)]
    pub due: DueDate,
}

impl Punkt {
    /// The calculator: when a deadline falls, and why, without recording it.
    pub fn compute_deadline(&self, request: &DeadlineRequest) -> Result<DueDate> {
        compute_deadline_with(&self.rules, request)
    }

    /// Compute and record a deadline on a client file.
    pub fn add_deadline(
        &mut self,
        client_id: &str,
        request: DeadlineRequest,
    ) -> Result<RecordedDeadline> {
        let (deadline, due) = self.deadline_of(&request)?;
        let matter = deadline.matter_id.clone();
        let id = self.add_entry(client_id, matter, |f| &mut f.deadlines, deadline)?;
        Ok(RecordedDeadline {
            id,
            client_id: client_id.to_string(),
            due,
        })
    }

    /// A deadline as recorded, and its due date: counted now, kept as counted.
    pub(crate) fn deadline_of(&self, request: &DeadlineRequest) -> Result<(Deadline, DueDate)> {
        let due = self.compute_deadline(request)?;
        let from: IsoDate = due.from.parse()?;
        let deadline = Deadline {
            rule: request.rule.clone(),
            from,
            uncertain: due.uncertain,
            due: due.due_date,
            due_time: due.due_time.clone(),
            from_time: due.from_time.clone(),
            from_latest: request.start_latest,
            due_latest: due.latest.as_ref().and_then(|l| l.due.parse().ok()),
            rules_version: Some(due.rules_version.clone()),
            matter_id: request.matter_id.clone(),
            note: request.note.clone(),
            done: false,
        };
        Ok((deadline, due))
    }

    /// Mark a deadline as met (or reopen it).
    pub fn set_deadline_done(
        &mut self,
        client_id: &str,
        deadline_id: &str,
        done: bool,
    ) -> Result<()> {
        self.edit_client(client_id, |file, _| {
            let d = file.deadlines.get_mut(deadline_id).ok_or_else(|| {
                CoreError::Invalid(format!("no deadline {deadline_id} in this file"))
            })?;
            d.done = done;
            Ok(())
        })?;
        Ok(())
    }

    /// The deadline board: open deadlines, overdue ones included, due within `within_days` of
    /// today (all when `None`), soonest first.
    pub fn deadline_board(&self, within_days: Option<u32>) -> Result<Vec<BoardEntry>> {
        Ok(self.deadline_board_page(within_days, None)?.0)
    }

    /// The first `limit` entries of the board, and how many there are in all.
    pub fn deadline_board_page(
        &self,
        within_days: Option<u32>,
        limit: Option<usize>,
    ) -> Result<(Vec<BoardEntry>, u64)> {
        let today = self.today();
        let until = within_days.map(|d| (today + Duration::days(i64::from(d))).to_string());
        let rows = self.store.open_deadlines(until.as_deref(), limit)?;
        let total = match limit {
            Some(l) if rows.len() >= l => self.store.count_open_deadlines(until.as_deref())?,
            _ => rows.len() as u64,
        };
        let entries = self.board_entries(rows, today);
        Ok((entries, total))
    }

    pub(crate) fn board_entries(
        &self,
        rows: Vec<punkt_store::index::BoardDeadline>,
        today: NaiveDate,
    ) -> Vec<BoardEntry> {
        rows.into_iter()
            .map(|b| {
                let due = NaiveDate::parse_from_str(&b.row.due, "%Y-%m-%d").unwrap_or(today);
                let days_left = (due - today).num_days();
                BoardEntry {
                    client_id: b.client_id,
                    display_name: b.display_name,
                    deadline_id: b.row.id,
                    rule: b.row.rule,
                    from: b.row.from_date,
                    due: b.row.due,
                    due_time: b.row.due_time,
                    uncertain: b.row.uncertain,
                    note: b.row.note,
                    days_left,
                    overdue: days_left < 0,
                }
            })
            .collect()
    }

    // ---- maintenance ----------------------------------------------------------------------
}

/// The due date of `request` under `rules`: a rule of the book, or a limit the decision or the
/// court set (`custom-days`, `custom-date`, which need a note). What the calculator, the
/// `punkt deadline compute` command (no store needed) and recording a deadline all use. When
/// the start is known only within a range, the deadline from its latest day comes too.
pub fn compute_deadline_with(rules: &RuleBook, request: &DeadlineRequest) -> Result<DueDate> {
    let start = request.start.plausible()?;
    let latest = match request.start_latest {
        None => return compute_one(rules, request, start, request.uncertain),
        Some(l) => l.plausible().map_err(|e| {
            CoreError::Model(punkt_model::ModelError::field(
                "start_latest",
                e.to_string(),
            ))
        })?,
    };
    if latest.0 < start.0 {
        return Err(CoreError::Model(punkt_model::ModelError::field(
            "start_latest",
            format!("{latest} is before the earliest possible start ({start})"),
        )));
    }
    let mut due = compute_one(rules, request, start, true)?;
    if latest != start {
        let last = compute_one(rules, request, latest, true)?;
        due.explanation.push_str(&format!(
            "; from the latest possible start {} it is {}{}",
            last.from,
            last.due,
            last.due_time
                .as_deref()
                .map(|t| format!(" {t}"))
                .unwrap_or_default()
        ));
        due.latest = Some(LatestDue {
            from: last.from,
            due: last.due,
            due_time: last.due_time,
        });
    }
    Ok(due)
}

fn compute_one(
    rules: &RuleBook,
    request: &DeadlineRequest,
    start: IsoDate,
    uncertain: bool,
) -> Result<DueDate> {
    use punkt_model::deadlines::{fixed_due, from_notice, CUSTOM_DATE, CUSTOM_DAYS};
    let custom = request.rule == CUSTOM_DAYS || request.rule == CUSTOM_DATE;
    if custom && request.note.as_deref().is_none_or(|n| n.trim().is_empty()) {
        return Err(CoreError::Model(punkt_model::ModelError::field(
            "note",
            "say what this deadline is for",
        )));
    }
    let options = CountOptions {
        uncertain,
        time: request.time,
        days: request.days,
    };
    let missing = |field: &str, what: &str| {
        CoreError::Model(punkt_model::ModelError::field(field, what.to_string()))
    };
    Ok(match (request.rule.as_str(), request.start_kind) {
        (CUSTOM_DATE, DeadlineStart::FirstNotice) => {
            return Err(missing(
                "first_notice",
                "a named day does not run from a deemed delivery: give the day the letter came",
            ))
        }
        (CUSTOM_DATE, DeadlineStart::Event) => {
            let due = request
                .due
                .ok_or_else(|| missing("due", "the day the authority or court set"))?;
            let due = due
                .plausible()
                .map_err(|e| missing("due", &e.to_string()))?;
            fixed_due(rules, start, due, uncertain)?
        }
        (CUSTOM_DAYS, kind) => {
            let days = request
                .days
                .ok_or_else(|| missing("days", "the limit in days the decision set"))?;
            let count = |from| rules.compute_days(days, from, &options);
            match kind {
                DeadlineStart::Event => count(start)?,
                DeadlineStart::FirstNotice => from_notice(start, count)?,
            }
        }
        (rule, DeadlineStart::Event) => rules.compute(rule, start, &options)?,
        (rule, DeadlineStart::FirstNotice) => rules.compute_from_notice(rule, start, &options)?,
    })
}
